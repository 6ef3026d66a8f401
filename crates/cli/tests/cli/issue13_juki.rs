//! Issue #13, the 住民記録 half: `standard/jumin-kiroku` rebuilt as a dataset of groups in the
//! official form (住民 and 世帯, ローマ字 keys, data types, code tables, 主キー with 履歴番号),
//! still a transcription; the bundled `sample-juki` writing it through `[[targets]]` with one
//! accounting; `[targets.conditions]` per group; a legacy HHMMSS time written in an official
//! TIME item as a recorded change.

use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const JUMIN: &str = "standard/jumin-kiroku-jumin";
const SETAI: &str = "standard/jumin-kiroku-setai";
const SAMPLE: &str = "testdata/sample/juki-1000.dat";

fn show(id: &str) -> serde_json::Value {
    json(&ikou(&["layouts", "show", id, "--json"]).expect(0).stdout)
}

fn keys_where(layout: &serde_json::Value, f: impl Fn(&serde_json::Value) -> bool) -> Vec<String> {
    layout["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| f(i))
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn issue13_juki_dataset_groups_keys_and_codes_load() {
    // The flat layout is gone; its groups are there, transcriptions in the official form.
    let list = ikou(&["layouts", "list"]).expect(0).stdout;
    assert!(list.contains(JUMIN) && list.contains(SETAI), "{list}");
    assert!(
        !list
            .lines()
            .any(|l| l.split_whitespace().next() == Some("standard/jumin-kiroku")),
        "{list}"
    );
    let jumin = show(JUMIN);
    let setai = show(SETAI);
    for l in [&jumin, &setai] {
        assert_eq!(l["status"], "unverified-transcription", "{}", l["id"]);
        assert_eq!(l["family"], "standard");
        assert!(l["official"].is_null(), "a transcription, not an import");
        for it in l["items"].as_array().unwrap() {
            // Every item has an official データ型 and is counted in characters.
            assert!(it["type"].is_string(), "{it}");
            assert_eq!(it["unit"], "chars", "{it}");
            let key = it["key"].as_str().unwrap();
            assert!(
                key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{key}"
            );
        }
    }
    assert_eq!(
        keys_where(&jumin, |i| i["primary_key"] == true),
        ["atenabango", "rirekibango"]
    );
    assert_eq!(
        keys_where(&setai, |i| i["primary_key"] == true),
        ["setaibango", "rirekibango"]
    );
    // 世帯主宛名番号 (key atenabango, as the referenced key's item) refers to 住民.
    assert!(keys_where(&jumin, |i| !i["foreign_key"].is_null()).is_empty());
    assert_eq!(
        keys_where(&setai, |i| i["foreign_key"] == JUMIN),
        ["atenabango"]
    );
    let codes: BTreeMap<String, String> = jumin["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["code_table"].is_string())
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_string(),
                i["code_table"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeMap<String, String> = [
        ("juminshubetsu", "jumin_shubetsu"),
        ("juminjotai", "jumin_jotai"),
        ("shimei_furigana_kakuninfuragu", "kakunin_flag"),
        ("seibetsu", "seibetsu"),
        ("zokugara", "zokugara"),
        ("idojiyu", "ido_jiyu"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(codes, want);
    assert_eq!(
        keys_where(&jumin, |i| i["required"] == "conditional"),
        ["shojonengappi"]
    );
    let types: BTreeMap<String, String> = jumin["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_string(),
                i["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(types["shimei"], "N");
    assert_eq!(types["seinengappi"], "DATE");
    assert_eq!(types["rirekibango"], "9");
    assert_eq!(types["atenabango"], "X");
    // The bundled specs say which layouts are official and which transcribed.
    let readme = std::fs::read_to_string(root().join("specs/README.md")).unwrap();
    assert!(readme.contains("today `standard/jutogai-atena-kihon`. The 住民記録 dataset `standard/jumin-kiroku-jumin` +"));
    ikou(&["layouts", "check", "specs"]).expect(0);
}

/// The records of the answer key that the sample's run must reject: dirty records, and the
/// members of a household whose head the key says is missing.
fn run_sample(dir: &Path, out: &str) -> serde_json::Value {
    let sample = root().join(SAMPLE);
    let r = ikou_in(
        dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            sample.to_str().unwrap(),
            "--out",
            out,
        ],
        None,
    )
    .expect(0);
    assert!(
        r.stdout
            .contains("records: 1000 in = 952 out + 48 rejected  [ok]"),
        "{}",
        r.stdout
    );
    json(&std::fs::read_to_string(dir.join(out).join("manifest.json")).unwrap())
}

#[test]
fn issue13_juki_sample_writes_the_dataset_per_group_with_one_accounting() {
    let dir = tempdir("issue13_juki_sample");
    let m = run_sample(&dir, "run1");
    let run1 = dir.join("run1");
    let c = &m["counts"];
    assert_eq!(
        (
            &c["input_records"],
            &c["output_records"],
            &c["rejected_records"]
        ),
        (&1000.into(), &952.into(), &48.into())
    );
    assert_eq!(m["accounting_ok"], true);
    let groups = m["groups"].as_array().unwrap();
    let g: Vec<(&str, &str, &str)> = groups
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap(),
                g["file"].as_str().unwrap(),
                g["layout"]["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        g,
        [("jumin", "jumin.csv", JUMIN), ("setai", "setai.csv", SETAI)]
    );
    assert!(!run1.join("jumin-kiroku.csv").exists());

    // 住民: one row per output record, 履歴番号 1 each, code values, header of 項目名.
    let (jh, jrows) = csv_file(&run1.join("jumin.csv"));
    assert_eq!(groups[0]["rows"], jrows.len() as u64);
    assert_eq!(jrows.len(), 952);
    let names: Vec<String> = show(JUMIN)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(jh, names);
    let (ja, jr, jz, jj, js) = (
        col(&jh, "宛名番号"),
        col(&jh, "履歴番号"),
        col(&jh, "続柄"),
        col(&jh, "住民状態"),
        col(&jh, "消除年月日"),
    );
    assert!(jrows.iter().all(|r| r[jr] == "1"));
    let pks: BTreeSet<(&str, &str)> = jrows.iter().map(|r| (&*r[ja], &*r[jr])).collect();
    assert_eq!(pks.len(), jrows.len(), "primary key unique");
    assert!(jrows
        .iter()
        .all(|r| ["1", "2", "3", "4"].contains(&&*r[jj])));
    assert!(jrows
        .iter()
        .all(|r| r[jz].len() == 2 && r[jz].bytes().all(|b| b.is_ascii_digit())));
    // The group's condition holds on every output row: no 消除年月日 missing.
    assert!(jrows.iter().all(|r| r[jj] == "1" || !r[js].is_empty()));

    // 世帯: one row per head of household written in 住民.
    let (sh, srows) = csv_file(&run1.join("setai.csv"));
    assert_eq!(groups[1]["rows"], srows.len() as u64);
    let heads: BTreeSet<&str> = jrows
        .iter()
        .filter(|r| r[jz] == "01")
        .map(|r| &*r[ja])
        .collect();
    assert_eq!(srows.len(), heads.len());
    assert_eq!(srows.len(), 421);
    let (sa, sr) = (col(&sh, "世帯主宛名番号"), col(&sh, "履歴番号"));
    let setai_heads: BTreeSet<&str> = srows.iter().map(|r| &*r[sa]).collect();
    assert_eq!(setai_heads, heads, "each 世帯 row's head is a 住民 row");
    assert!(srows.iter().all(|r| r[sr] == "1"));

    // The group's conditional item is listed with its expression, per group.
    let cond = m["conditional_items"].as_array().unwrap();
    assert_eq!(cond.len(), 1, "{cond:?}");
    assert_eq!(cond[0]["item"], "jumin.shojonengappi");
    assert_eq!(cond[0]["expression"], "juminjotai != \"1\"");

    // One accounting, explained by the answer key: every rejected record is dirty in the
    // key, or a member of a household the key says has no head.
    let key = dir.join("truth.csv");
    ikou(&[
        "sample",
        "--records",
        "1000",
        "--out",
        dir.join("again.dat").to_str().unwrap(),
        "--truth",
        key.to_str().unwrap(),
    ])
    .expect(0);
    assert_eq!(
        std::fs::read(dir.join("again.dat")).unwrap(),
        std::fs::read(root().join(SAMPLE)).unwrap(),
        "the bundled sample is `ikou sample --records 1000`"
    );
    let (_, truth) = csv_file(&key);
    let dirty: BTreeMap<u64, String> = truth
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[2].clone()))
        .collect();
    let (rh, rejects) = csv_file(&run1.join("rejects.csv"));
    let (rn, rk, rs, rc) = (
        col(&rh, "record"),
        col(&rh, "kinds"),
        col(&rh, "item:setai_no"),
        col(&rh, "item:juminhyo_code"),
    );
    // The values of the rejected records the key marks with `dirt`, in column `c`.
    let marked = |dirt: &str, c: usize| -> BTreeSet<String> {
        rejects
            .iter()
            .filter(|r| {
                dirty
                    .get(&r[rn].parse::<u64>().unwrap())
                    .is_some_and(|d| d.contains(dirt))
            })
            .map(|r| r[c].clone())
            .collect()
    };
    let headless = marked("household_without_head", rs);
    // A duplicated 住民票コード rejects the record it copies too.
    let duplicated = marked("duplicate_resident_code", rc);
    for r in &rejects {
        let n: u64 = r[rn].parse().unwrap();
        assert!(
            dirty.contains_key(&n)
                || (r[rk] == "check.household_no_head" && headless.contains(&r[rs]))
                || (r[rk] == "check.duplicate" && duplicated.contains(&r[rc])),
            "record {n} rejected ({}) but clean in the key",
            r[rk]
        );
    }
    assert_eq!(rejects.len(), 48);
    // The 世帯 row's foreign key fails only for heads rejected for another reason (their
    // own 住民 row is not written): never a reason of its own.
    let zi = col(&rh, "item:zokugara");
    let fk: Vec<&Vec<String>> = rejects
        .iter()
        .filter(|r| r[rk].split('|').any(|k| k == "check.foreign_key_missing"))
        .collect();
    assert!(!fk.is_empty());
    for r in fk {
        assert_eq!(r[zi], "01", "{r:?}");
        assert!(r[rk].split('|').count() > 1, "{r:?}");
    }

    // A rerun is byte-identical, and verify checks every group file.
    run_sample(&dir, "run2");
    for f in [
        "jumin.csv",
        "setai.csv",
        "rejects.csv",
        "changes.csv",
        "gaiji.csv",
    ] {
        assert_eq!(
            std::fs::read(run1.join(f)).unwrap(),
            std::fs::read(dir.join("run2").join(f)).unwrap(),
            "{f}"
        );
    }
    let v = ikou(&["verify", run1.to_str().unwrap()]).expect(0);
    assert!(
        v.stdout.contains("rows jumin.csv") && v.stdout.contains("rows setai.csv"),
        "{}",
        v.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The test groups of testdata/groups, with 条件付き必須 items: 氏名 of the person group and
/// 世帯主氏名 / 備考 of the household group.
fn conditional_groups(dir: &Path, conditions: &str) {
    let src = root().join("testdata/groups");
    std::fs::copy(src.join("legacy-kojin.toml"), dir.join("legacy-kojin.toml")).unwrap();
    let kojin = std::fs::read_to_string(src.join("kojin.toml")).unwrap();
    let kojin = kojin.replace(
        "item_id = \"99900003\"\ndata_type = \"N\"\n",
        "item_id = \"99900003\"\ndata_type = \"N\"\nconditional = true\ncondition = \"世帯主の場合は出力必須\"\n",
    );
    assert!(kojin.contains("conditional = true"));
    std::fs::write(dir.join("kojin.toml"), kojin).unwrap();
    let setai = std::fs::read_to_string(src.join("setai.toml")).unwrap()
        + "\n[[items]]\nnumber = 3\nname = \"世帯主氏名\"\nkey = \"nushi_shimei\"\ntype = \"text\"\nlength = 10\ndata_type = \"N\"\nconditional = true\ncondition = \"備考がない場合は出力必須\"\n"
        + "\n[[items]]\nnumber = 4\nname = \"備考\"\nkey = \"biko\"\ntype = \"text\"\nlength = 10\ndata_type = \"N\"\nconditional = true\ncondition = \"必要な場合\"\n";
    std::fs::write(dir.join("setai.toml"), setai).unwrap();
    let profile = std::fs::read_to_string(src.join("groups.toml"))
        .unwrap()
        .replace(
            "when = { from = \"zokugara\", equals = \"01\" }\n",
            "when = { from = \"zokugara\", equals = \"01\" }\n\n[[targets.map]]\ntarget = \"nushi_shimei\"\nfrom = \"shimei\"\n",
        )
        + conditions;
    std::fs::write(dir.join("groups.toml"), profile).unwrap();
    std::fs::write(
        dir.join("kojin.csv"),
        "atena_no,setai_no,shimei,zokugara\r\n000001,100001,山田太郎,01\r\n000002,100001,,02\r\n000003,100002,,01\r\n000004,100003,鈴木,01\r\n",
    )
    .unwrap();
}

#[test]
fn issue13_juki_conditions_are_stated_and_checked_per_group() {
    let dir = tempdir("issue13_juki_conditions");
    // The kojin group's condition is inside its [[targets]] (before the setai group);
    // the setai group's at the end of the file, inside the last [[targets]].
    conditional_groups(
        &dir,
        "\n[targets.conditions]\nnushi_shimei = 'empty(biko)'\n",
    );
    let p = std::fs::read_to_string(dir.join("groups.toml"))
        .unwrap()
        .replacen(
            "\n[[targets]]\nname = \"setai\"",
            "\n[targets.conditions]\nshimei = 'zokugara = \"01\"'\n\n[[targets]]\nname = \"setai\"",
            1,
        );
    std::fs::write(dir.join("groups.toml"), p).unwrap();
    let r = ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "groups.toml",
            "kojin.csv",
            "--out",
            "run",
        ],
        None,
    )
    .expect(0);
    assert!(
        r.stdout.contains("records: 4 in = 3 out + 1 rejected"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "conditional items (条件付き必須): 2 checked by the profile's conditions, 1 not covered"
        ),
        "{}",
        r.stdout
    );
    let run = dir.join("run");
    let (rh, rejects) = csv_file(&run.join("rejects.csv"));
    assert_eq!(rejects.len(), 1);
    let (rn, rr) = (col(&rh, "record"), col(&rh, "reasons"));
    // The head without a name: both groups' conditions hold, each named by its group. The
    // member without a name (record 2) gives no 世帯 row, so the 世帯 condition (which
    // holds on empty values) is not checked for it, and its own group's does not hold.
    assert_eq!(rejects[0][rn], "3");
    let why = &rejects[0][rr];
    assert!(
        why.contains("kojin.shimei: 条件付き必須 item 氏名 is empty, and its condition holds: zokugara = \"01\""),
        "{why}"
    );
    assert!(
        why.contains("setai.nushi_shimei: 条件付き必須 item 世帯主氏名 is empty, and its condition holds: empty(biko)"),
        "{why}"
    );
    let m = json(&std::fs::read_to_string(run.join("manifest.json")).unwrap());
    let items: Vec<(String, Option<String>)> = m["conditional_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["item"].as_str().unwrap().to_string(),
                c["expression"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (
                "kojin.shimei".to_string(),
                Some("zokugara = \"01\"".to_string())
            ),
            (
                "setai.nushi_shimei".to_string(),
                Some("empty(biko)".to_string())
            ),
            ("setai.biko".to_string(), None),
        ]
    );
    let rows: Vec<u64> = m["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["rows"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [3, 2]);
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains("条件付き必須の項目") && report.contains("備考"));
    ikou(&["verify", run.to_str().unwrap()]).expect(0);

    // A condition naming an item of another group, and a top-level [conditions], are
    // profile errors.
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    conditional_groups(
        &bad,
        "\n[targets.conditions]\nnushi_shimei = 'empty(zokugara)'\n",
    );
    let r = ikou_in(&bad, &["profiles", "check", "groups.toml"], None);
    assert_ne!(r.code, 0);
    assert!(
        r.stdout
            .contains("reads `zokugara`, which the target layout does not have")
            || r.stderr
                .contains("reads `zokugara`, which the target layout does not have"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    conditional_groups(&bad, "");
    let p = std::fs::read_to_string(bad.join("groups.toml"))
        .unwrap()
        .replacen(
            "\n[output]",
            "\n[conditions]\nshimei = 'present(atena_no)'\n\n[output]",
            1,
        );
    std::fs::write(bad.join("groups.toml"), p).unwrap();
    let r = ikou_in(&bad, &["profiles", "check", "groups.toml"], None);
    assert_ne!(r.code, 0);
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("[targets.conditions]"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn issue13_juki_a_legacy_hhmmss_time_is_written_hh_mm_ss_as_a_recorded_change() {
    let dir = tempdir("issue13_juki_time");
    std::fs::write(
        dir.join("legacy.toml"),
        "id = \"legacy/t\"\nname = \"t\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n\n[[items]]\nnumber = 1\nname = \"番号\"\nkey = \"no\"\ntype = \"digits\"\nlength = 6\nrequired = true\n\n[[items]]\nnumber = 2\nname = \"操作時刻\"\nkey = \"t\"\ntype = \"text\"\nlength = 8\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("target.toml"),
        "id = \"standard/t\"\nname = \"t\"\nfamily = \"standard\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n\n[[items]]\nnumber = 1\nname = \"番号\"\nkey = \"bango\"\ntype = \"text\"\nlength = 6\nrequired = true\ndata_type = \"X\"\n\n[[items]]\nnumber = 2\nname = \"操作時刻\"\nkey = \"sosajikoku\"\ntype = \"text\"\nlength = 8\ndata_type = \"TIME\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("p.toml"),
        "id = \"t\"\nname = \"t\"\nsource = \"legacy.toml\"\ntarget = \"target.toml\"\nmax_reject_rate = \"90%\"\n[output]\nbom = false\nline_ending = \"lf\"\nquote = \"necessary\"\nheader = \"keys\"\n\n[[map]]\ntarget = \"bango\"\nfrom = \"no\"\n\n[[map]]\ntarget = \"sosajikoku\"\nfrom = \"t\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("in.csv"),
        "no,t\r\n000001,093000\r\n000002,256000\r\n000003,09:30:00\r\n000004,0745\r\n000005,096000\r\n",
    )
    .unwrap();
    let r = ikou_in(
        &dir,
        &["convert", "--profile", "p.toml", "in.csv", "--out", "run"],
        None,
    )
    .expect(0);
    assert!(
        r.stdout.contains("records: 5 in = 3 out + 2 rejected"),
        "{}",
        r.stdout
    );
    let run = dir.join("run");
    assert_eq!(
        std::fs::read_to_string(run.join("t.csv")).unwrap(),
        "bango,sosajikoku\n000001,09:30:00\n000003,09:30:00\n000004,07:45\n"
    );
    let (ch, changes) = csv_file(&run.join("changes.csv"));
    let got: Vec<(String, String, String, String, String)> = changes
        .iter()
        .filter(|r| r[col(&ch, "item")] == "sosajikoku")
        .map(|r| {
            (
                r[col(&ch, "record")].clone(),
                r[col(&ch, "item")].clone(),
                r[col(&ch, "before")].clone(),
                r[col(&ch, "after")].clone(),
                r[col(&ch, "rule")].clone(),
            )
        })
        .collect();
    let row = |n: &str, b: &str, a: &str| {
        (
            n.to_string(),
            "sosajikoku".to_string(),
            b.to_string(),
            a.to_string(),
            "time.to_iso".to_string(),
        )
    };
    assert_eq!(
        got,
        [row("1", "093000", "09:30:00"), row("4", "0745", "07:45")]
    );
    let (rh, rejects) = csv_file(&run.join("rejects.csv"));
    let kinds: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (&*r[col(&rh, "record")], &*r[col(&rh, "kinds")]))
        .collect();
    assert_eq!(kinds, [("2", "target.time"), ("5", "target.time")]);
    ikou(&["verify", run.to_str().unwrap()]).expect(0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn issue13_juki_a_foreign_key_refers_to_any_history_row_of_its_key() {
    // 世帯主宛名番号 → 住民 is a foreign key into a group whose primary key holds 履歴番号:
    // it refers to the rest of that key (宛名番号). The same form with the test groups:
    // rireki (宛名番号 + 履歴番号, numbered) and a household group whose head's 宛名番号 is a
    // foreign key to it.
    let dir = tempdir("issue13_juki_fk");
    let src = root().join("testdata/groups");
    std::fs::copy(src.join("rireki.toml"), dir.join("rireki.toml")).unwrap();
    std::fs::write(
        dir.join("legacy.toml"),
        "id = \"legacy/fk\"\nname = \"fk\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n\n[[items]]\nnumber = 1\nname = \"宛名番号\"\nkey = \"atena_no\"\ntype = \"digits\"\nlength = 6\nrequired = true\n\n[[items]]\nnumber = 2\nname = \"世帯主\"\nkey = \"nushi_no\"\ntype = \"digits\"\nlength = 6\n\n[[items]]\nnumber = 3\nname = \"世帯番号\"\nkey = \"setai_no\"\ntype = \"digits\"\nlength = 6\n\n[[items]]\nnumber = 4\nname = \"異動日\"\nkey = \"ido_date\"\ntype = \"digits\"\nlength = 8\n\n[[items]]\nnumber = 5\nname = \"区分\"\nkey = \"kind\"\ntype = \"text\"\nlength = 2\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("setai.toml"),
        "id = \"standard/fk-setai\"\nname = \"世帯\"\nfamily = \"standard\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n\n[[items]]\nnumber = 1\nname = \"世帯番号\"\nkey = \"setai_no\"\ntype = \"digits\"\nlength = 6\nrequired = true\ndata_type = \"X\"\nprimary_key = true\n\n[[items]]\nnumber = 2\nname = \"世帯主宛名番号\"\nkey = \"atena_no\"\ntype = \"digits\"\nlength = 6\nrequired = true\ndata_type = \"X\"\nforeign_key = \"standard/groups-rireki\"\n",
    )
    .unwrap();
    let profile = "id = \"fk\"\nname = \"fk\"\nsource = \"legacy.toml\"\nmax_reject_rate = \"90%\"\n[output]\nbom = false\nline_ending = \"lf\"\nquote = \"necessary\"\nheader = \"keys\"\n\n[[targets]]\nname = \"rireki\"\nlayout = \"rireki.toml\"\n\n[[targets.map]]\ntarget = \"atena_no\"\nfrom = \"atena_no\"\n\n[[targets.map]]\ntarget = \"rireki_no\"\nsequence = { key = [\"atena_no\"], order = [\"ido_date\"] }\n\n[[targets.map]]\ntarget = \"ido_date\"\nfrom = \"ido_date\"\n\n[[targets.map]]\ntarget = \"ido_jiyu\"\nfrom = \"kind\"\n\n[[targets]]\nname = \"setai\"\nlayout = \"setai.toml\"\nwhen = { from = \"kind\", equals = \"H\" }\n\n[[targets.map]]\ntarget = \"setai_no\"\nfrom = \"setai_no\"\n\n[[targets.map]]\ntarget = \"atena_no\"\nfrom = \"nushi_no\"\n";
    std::fs::write(dir.join("fk.toml"), profile).unwrap();
    std::fs::write(
        dir.join("in.csv"),
        "atena_no,nushi_no,setai_no,ido_date,kind\r\n000001,,,20210101,02\r\n000001,,,20200101,01\r\n000002,000001,100001,20200301,H\r\n000003,000009,100002,20200401,H\r\n",
    )
    .unwrap();
    let r = ikou_in(
        &dir,
        &["convert", "--profile", "fk.toml", "in.csv", "--out", "run"],
        None,
    )
    .expect(0);
    assert!(
        r.stdout.contains("records: 4 in = 3 out + 1 rejected"),
        "{}",
        r.stdout
    );
    let run = dir.join("run");
    assert_eq!(
        std::fs::read_to_string(run.join("setai.csv")).unwrap(),
        "setai_no,atena_no\n100001,000001\n"
    );
    // 000001 has two history rows (履歴番号 1 and 2); the household refers to the key.
    assert_eq!(
        std::fs::read_to_string(run.join("rireki.csv")).unwrap(),
        "atena_no,rireki_no,ido_date,ido_jiyu\n000001,2,20210101,02\n000001,1,20200101,01\n000002,1,20200301,H\n"
    );
    let (rh, rejects) = csv_file(&run.join("rejects.csv"));
    let kinds: Vec<(&str, &str)> = rejects
        .iter()
        .map(|r| (&*r[col(&rh, "record")], &*r[col(&rh, "kinds")]))
        .collect();
    assert_eq!(kinds, [("4", "check.foreign_key_missing")]);
    ikou(&["verify", run.to_str().unwrap()]).expect(0);

    // The bundled dataset declares it: 世帯.atenabango → 住民.
    let setai = show(SETAI);
    let fk: Vec<(String, String)> = setai["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["foreign_key"].is_string())
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_string(),
                i["foreign_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(fk, [("atenabango".to_string(), JUMIN.to_string())]);
    let _ = std::fs::remove_dir_all(&dir);
}
