//! Issue #13, the conversion half: the first bundled conversion into an OFFICIAL layout.
//! `ikou sample --kind atena` writes a dirty legacy 住登外者 宛名 export; `ikou convert
//! --profile sample-atena` turns it into `standard/jutogai-atena-kihon` (imported unedited
//! from the デジタル庁 workbook): every record accounted, the official header, every value in
//! its data type's form, 条件付き必須 rejects with their reasons, the conditions no profile
//! condition covers listed, reruns byte-identical, `verify` passing.

use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};

const TARGET: &str = "standard/jutogai-atena-kihon";
const RECORDS: u64 = 1000;

fn half_width(c: char) -> bool {
    (' '..='~').contains(&c) || ('\u{FF61}'..='\u{FF9F}').contains(&c)
}

fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn is_time(v: &str) -> bool {
    let parts: Vec<&str> = v.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .zip([23u32, 59, 59])
            .all(|(p, max)| p.len() == 2 && p.parse::<u32>().is_ok_and(|n| n <= max))
}

#[test]
fn issue13_atena_sample_converts_into_the_official_layout() {
    let dir = tempdir("issue13_atena");
    let s = ikou_in(
        &dir,
        &[
            "sample",
            "--kind",
            "atena",
            "--records",
            "1000",
            "--seed",
            "1",
            "--out",
            "a.dat",
            "--truth",
            "truth.csv",
            "--json",
        ],
        None,
    )
    .expect(0);
    let stats = json(&s.stdout);
    assert_eq!(stats["layout"], "legacy/sample-atena");
    assert_eq!(stats["profile"], "sample-atena");
    assert_eq!(stats["target"], TARGET);
    assert_eq!(stats["stats"]["records"], RECORDS);
    let expected_rejects = stats["stats"]["expected_rejects"].as_u64().unwrap();
    assert!(expected_rejects > 50, "{}", s.stdout);
    let data = std::fs::read(dir.join("a.dat")).unwrap();
    assert_eq!(data.len() as u64, RECORDS * 502, "fixed 500 bytes + CRLF");
    // Half-width カナ (0xA1–0xDF), trailing spaces, 外字 lead bytes F0.
    assert!(data.iter().any(|b| (0xA1..=0xDF).contains(b)));
    assert!(data.windows(3).any(|w| w == b" \r\n"));
    assert!(data.windows(2).any(|w| w[0] == 0xF0 && w[1] == 0x45));

    // The answer key: record → dirt kinds.
    let (_, truth_rows) = csv_file(&dir.join("truth.csv"));
    let truth: BTreeMap<u64, Vec<String>> = truth_rows
        .iter()
        .map(|r| {
            (
                r[0].parse().unwrap(),
                r[2].split(';').map(str::to_string).collect(),
            )
        })
        .collect();
    let reason_of = |kind: &str| -> Option<&str> {
        match kind {
            // 操作時刻 HHMMSS converts: time.to_iso (issue #13), below.
            "gaiji_mapped" | "birth_unknown_noted" | "time_no_colons" => None,
            "gaiji_unmapped" => Some("gaiji.unmapped"),
            "birth_partial" => Some("target.unknown_date"),
            "birth_unknown_bare" | "nayose_missing" | "uji_missing" | "choaza_missing" => {
                Some("target.conditional")
            }
            "fusho_halfwidth" => Some("target.fullwidth"),
            "birth_showa64" => Some("date.after_era"),
            "operator_fullwidth" => Some("target.halfwidth"),
            "bad_daihyo" => Some("target.code"),
            "duplicate_atena" => Some("check.duplicate"),
            k => panic!("unknown dirt {k}"),
        }
    };

    let run = ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-atena",
            "a.dat",
            "--out",
            "run1",
        ],
        None,
    )
    .expect(0);
    // The summary lists the conditional items no condition covers.
    assert!(
        run.stdout
            .contains("conditional items (条件付き必須): 6 checked by the profile's conditions, 6 not covered"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("住所_方書 (jusho_katagaki)"),
        "{}",
        run.stdout
    );
    let run1 = dir.join("run1");
    let m = json(&std::fs::read_to_string(run1.join("manifest.json")).unwrap());
    let c = &m["counts"];
    // Accounting, exact.
    assert_eq!(c["input_records"], RECORDS);
    assert_eq!(c["rejected_records"], expected_rejects, "{c}");
    assert_eq!(c["output_records"], RECORDS - expected_rejects);
    assert_eq!(m["accounting_ok"], true);
    assert_eq!(m["target_layout"]["id"], TARGET);
    assert_eq!(m["target_layout"]["status"], "official-import");
    let uncovered: Vec<&str> = m["conditional_items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["expression"].is_null())
        .map(|c| c["item"].as_str().unwrap())
        .collect();
    assert_eq!(
        uncovered,
        vec![
            "shimei_gaikokujinarufuabetto",
            "shimei_gaikokujinkanji",
            "jusho_banchigohyoki",
            "jusho_katagaki",
            "gyomuid",
            "dokujishisakushisutemunadoid"
        ]
    );
    let report = std::fs::read_to_string(run1.join("report.html")).unwrap();
    assert!(report.contains("条件付き必須の項目"), "report section");
    assert!(report.contains("独自施策システム等ID"));
    assert!(report.contains("条件なし（確認していません）"));

    // Every rejected record is in the answer key with the expected reason (a duplicate's
    // earlier twin too), and every record the key says is rejected is.
    let (rh, rejects) = csv_file(&run1.join("rejects.csv"));
    let (rec_i, kinds_i, reasons_i) = (col(&rh, "record"), col(&rh, "kinds"), col(&rh, "reasons"));
    let rejected: BTreeMap<u64, (String, String)> = rejects
        .iter()
        .map(|r| {
            (
                r[rec_i].parse().unwrap(),
                (r[kinds_i].clone(), r[reasons_i].clone()),
            )
        })
        .collect();
    let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
    for (n, kinds) in &truth {
        for k in kinds {
            if let Some(id) = reason_of(k) {
                let (got, _) = rejected
                    .get(n)
                    .unwrap_or_else(|| panic!("record {n} ({k}) is not rejected"));
                assert!(got.split('|').any(|g| g == id), "record {n} ({k}): {got}");
                *by_reason.entry(id).or_default() += 1;
            }
        }
    }
    for (n, (kinds, _)) in &rejected {
        let expected = truth
            .get(n)
            .is_some_and(|k| k.iter().any(|k| reason_of(k).is_some()))
            || truth
                .get(&(n + 1))
                .is_some_and(|k| k.iter().any(|k| k == "duplicate_atena"));
        assert!(
            expected,
            "record {n} rejected ({kinds}) but clean in the key"
        );
    }
    for id in [
        "target.conditional",
        "target.unknown_date",
        "target.fullwidth",
        "target.halfwidth",
        "target.code",
        "gaiji.unmapped",
        "date.after_era",
        "check.duplicate",
    ] {
        assert!(
            by_reason.get(id).copied().unwrap_or(0) >= 3,
            "{id}: {by_reason:?}"
        );
        assert!(
            c["rejects_by_reason"][id].as_u64().unwrap() >= by_reason[id],
            "{id}"
        );
    }
    // The conditional rejects name the item and the condition.
    let reason_for = |dirt: &str| -> &str {
        let n = truth
            .iter()
            .find(|(_, k)| k.len() == 1 && k[0] == dirt)
            .map(|(n, _)| *n)
            .unwrap_or_else(|| panic!("no record with only {dirt}"));
        &rejected[&n].1
    };
    assert!(reason_for("uji_missing").contains(
        "uji_nihonjin: 条件付き必須 item 氏_日本人 is empty, and its condition holds: present(shimei) and empty(shimei_gaikokujinarufuabetto) and empty(shimei_gaikokujinkanji) (target.conditional)"
    ));
    assert!(reason_for("nayose_missing").contains(
        "nayosesakiatenabango: 条件付き必須 item 名寄せ先宛名番号 is empty, and its condition holds: daihyoatenafuragu = \"1\""
    ));
    assert!(reason_for("birth_unknown_bare")
        .contains("seinengappi_fushohyoki: 条件付き必須 item 生年月日_不詳表記 is empty, and its condition holds: empty(seinengappi)"));
    assert!(
        reason_for("choaza_missing").contains("jusho_choaza: 条件付き必須 item 住所_町字 is empty")
    );
    // A 昭和64年2月 birth date is rejected for the date alone: the empty 生年月日 that
    // follows from it is unknown, not empty, and does not set off its 不詳表記's condition.
    let showa = reason_for("birth_showa64");
    assert!(
        showa.contains("date.after_era") && !showa.contains("target.conditional"),
        "{showa}"
    );
    // Form rejects say where, never the value.
    assert!(reason_for("operator_fullwidth")
        .contains("sosashaid: 操作者ID: character 1 (U+FF2F) is not a half-width character (X) (target.halfwidth)"));
    // 操作時刻 keyed HHMMSS is written HH:MM:SS in the TIME item, a recorded change.
    let (chh, changes) = csv_file(&run1.join("changes.csv"));
    let (cr, ci, cu, cb, ca) = (
        col(&chh, "record"),
        col(&chh, "item"),
        col(&chh, "rule"),
        col(&chh, "before"),
        col(&chh, "after"),
    );
    let timed: Vec<u64> = truth
        .iter()
        .filter(|(n, k)| k.iter().any(|k| k == "time_no_colons") && !rejected.contains_key(n))
        .map(|(n, _)| *n)
        .collect();
    assert!(timed.len() >= 3, "{timed:?}");
    for n in &timed {
        let row = changes
            .iter()
            .find(|r| r[cr] == n.to_string() && r[ci] == "sosajikoku")
            .unwrap_or_else(|| panic!("record {n}: no change of sosajikoku"));
        assert_eq!(row[cu], "time.to_iso");
        let (b, a) = (&row[cb], &row[ca]);
        assert!(b.len() == 6 && b.bytes().all(|x| x.is_ascii_digit()), "{b}");
        assert_eq!(*a, format!("{}:{}:{}", &b[0..2], &b[2..4], &b[4..6]));
    }
    assert!(reason_for("fusho_halfwidth")
        .contains("is not a full-width character (Ｎ) (target.fullwidth)"));
    assert!(reason_for("birth_partial")
        .contains("a 不詳日 (day or month unknown), which this item does not allow"));

    // The output: the official header (項目名 in the layout's order) and every value in its
    // data type's form.
    let show = ikou(&["layouts", "show", TARGET, "--json"]).expect(0);
    let layout = json(&show.stdout);
    let items = layout["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 29);
    let (header, rows) = csv_file(&run1.join("jutogai-atena-kihon.csv"));
    assert_eq!(header, names);
    assert_eq!(rows.len() as u64, RECORDS - expected_rejects);
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    for row in &rows {
        for (item, v) in items.iter().zip(row) {
            if v.is_empty() {
                continue;
            }
            let dt = item["type"].as_str().unwrap();
            let len = item["length"].as_u64().unwrap();
            let name = item["name"].as_str().unwrap();
            assert!(v.chars().count() as u64 <= len, "{name}: {v}");
            match dt {
                "X" => assert!(v.chars().all(half_width), "{name} (X): {v}"),
                "N" => assert!(v.chars().all(|c| !half_width(c)), "{name} (Ｎ): {v}"),
                "DATE" => assert!(is_date(v), "{name} (DATE): {v}"),
                "TIME" => assert!(is_time(v), "{name} (TIME): {v}"),
                "9" => assert!(v.bytes().all(|b| b.is_ascii_digit()), "{name}: {v}"),
                other => panic!("{name}: unexpected data type {other}"),
            }
            *seen.entry(dt).or_default() += 1;
        }
        // Codes as code values of std031-001 / std031-002.
        assert!(["0", "1", "2"].contains(&row[col(&header, "性別")].as_str()));
        assert!(["0", "1"].contains(&row[col(&header, "代表宛名フラグ")].as_str()));
    }
    for dt in ["X", "N", "DATE", "TIME", "9"] {
        assert!(seen.get(dt).copied().unwrap_or(0) > 100, "{dt}: {seen:?}");
    }
    // TIME with and without seconds; a 不詳 birth with its 不詳表記; a foreign name folded
    // to full-width; the legacy 性別 9 translated to 0 (不明).
    let t = col(&header, "操作時刻");
    assert!(rows.iter().any(|r| r[t].len() == 5) && rows.iter().any(|r| r[t].len() == 8));
    let (b, f) = (col(&header, "生年月日"), col(&header, "生年月日_不詳表記"));
    assert!(rows
        .iter()
        .any(|r| r[b].is_empty() && r[f] == "生年月日不詳（昭和３０年頃）"));
    let alpha = col(&header, "氏名_外国人アルファベット");
    assert!(rows.iter().any(|r| r[alpha].starts_with('Ｓ')
        || r[alpha].starts_with('Ｇ')
        || r[alpha].starts_with('Ｎ')));
    assert!(rows.iter().any(|r| r[col(&header, "性別")] == "0"));
    let atena: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(atena.len(), rows.len(), "宛名番号 unique");

    // Conversions that are made are recorded: half-width カナ and ASCII to full-width, 和暦
    // to ISO, mapped 外字.
    let (ch, changes) = csv_file(&run1.join("changes.csv"));
    let (item_i, rule_i) = (col(&ch, "item"), col(&ch, "rule"));
    let has = |item: &str, rule: &str| {
        changes
            .iter()
            .any(|r| r[item_i] == item && r[rule_i] == rule)
    };
    assert!(has("shimei_kana", "width.fullwidth"));
    assert!(has("eiji_shimei", "width.fullwidth"));
    assert!(has("birth_date", "date.to_iso"));
    assert!(has("uji", "gaiji.map"));

    // Rerun: byte-identical outputs; verify passes.
    ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-atena",
            "a.dat",
            "--out",
            "run2",
        ],
        None,
    )
    .expect(0);
    let mut files: Vec<String> = std::fs::read_dir(&run1)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for f in &files {
        assert_eq!(
            std::fs::read(run1.join(f)).unwrap(),
            std::fs::read(dir.join("run2").join(f)).unwrap(),
            "{f} differs between reruns"
        );
    }
    ikou_in(&dir, &["verify", "run1"], None).expect(0);
}

#[test]
fn issue13_a_bad_condition_is_a_profile_error_with_file_and_column() {
    let dir = tempdir("issue13_atena_badcond");
    let bundled = std::fs::read_to_string(root().join("specs/profiles/sample-atena.toml")).unwrap();
    let bad = bundled.replace(
        "seinengappi_fushohyoki = 'empty(seinengappi)'",
        "seinengappi_fushohyoki = 'empty(seinengappi) and'",
    );
    assert_ne!(bad, bundled);
    std::fs::write(dir.join("bad.toml"), &bad).unwrap();
    let r = ikou_in(&dir, &["profiles", "check", "bad.toml"], None).expect(2);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(out.contains("bad.toml"), "{out}");
    assert!(
        out.contains("the condition of `seinengappi_fushohyoki`, column 23: expected `empty(key)`"),
        "{out}"
    );
    // An item the target does not have, and a condition on a required item.
    let bad = bundled
        .replace("empty(seinengappi)'", "empty(seinen)'")
        .replace(
            "[conditions]\n",
            "[conditions]\natenabango = 'empty(shimei)'\n",
        );
    std::fs::write(dir.join("bad.toml"), &bad).unwrap();
    let r = ikou_in(&dir, &["profiles", "check", "bad.toml"], None).expect(2);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains("reads `seinen`, which the target layout does not have"),
        "{out}"
    );
    assert!(out.contains("`atenabango` (宛名番号) is 必須"), "{out}");
}
