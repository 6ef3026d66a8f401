//! Issue 13 (standard datasets out): several input files in one run, each with its own
//! source layout — a person file and a history file of the same export (`[[sources]]`,
//! `targets.source`, `--input SOURCE=FILE`). Each input is read in its source's layout, its
//! records give rows in the groups its source feeds, keys are checked across the groups
//! whichever file fed them, and the accounting holds per input, per source and in total.
//! Synthetic data: `testdata/groups/` (`sources.toml`, `kojin.csv`, `rireki-sources.csv`).

use crate::util::*;
use std::path::{Path, PathBuf};

const PROFILE: &str = "testdata/groups/sources.toml";
const KOJIN: &str = "testdata/groups/kojin.csv";
const RIREKI: &str = "testdata/groups/rireki-sources.csv";

fn convert(dir: &Path, extra: &[&str]) -> Run {
    let out = dir.to_str().unwrap();
    let kojin = format!("kojin={KOJIN}");
    let rireki = format!("rireki={RIREKI}");
    let mut args = vec![
        "convert",
        "--profile",
        PROFILE,
        "--input",
        &kojin,
        "--input",
        &rireki,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    ikou(&args)
}

/// (record, file, source, kinds, reasons) of rejects.csv, by column name.
fn rejects(dir: &Path) -> Vec<(u64, String, String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("rejects.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (rec, file, source, kinds, reasons) = (
        col("record"),
        col("file"),
        col("source"),
        col("kinds"),
        col("reasons"),
    );
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[rec].parse().unwrap(),
                x[file].rsplit('/').next().unwrap().to_string(),
                x[source].to_string(),
                x[kinds].to_string(),
                x[reasons].to_string(),
            )
        })
        .collect()
}

const KOJIN_CSV: &str = "atena_no,setai_no,shimei,zokugara\r\n\
     000001,100001,山田太郎,01\r\n\
     000002,100001,山田花子,02\r\n\
     000005,100009,佐藤花子,02\r\n\
     000006,100004,田中一,01\r\n\
     000007,100004,田中次郎,03\r\n\
     000009,100005,高橋花子,02\r\n\
     000010,100006,伊藤一,01\r\n\
     000011,100006,伊藤二,01\r\n\
     000012,100007,渡辺一,01\r\n\
     000013,100007,渡辺花子,02\r\n";

#[test]
fn issue13_inputs_two_sources_counts_per_source_and_group_and_a_dangling_history_row() {
    let dir = tempdir("issue13-inputs-main");
    let run = convert(&dir, &[]).expect(0);
    // Each file read in its own layout: persons give kojin rows …
    assert_eq!(text(&dir, "kojin.csv"), KOJIN_CSV);
    // … history entries rireki rows, numbered per 宛名番号 by 異動年月日 then input order
    // (an empty date first).
    assert_eq!(
        text(&dir, "rireki.csv"),
        "atena_no,rireki_no,ido_date,ido_jiyu\r\n\
         000001,2,20200401,A1\r\n\
         000002,2,20190101,B1\r\n\
         000001,1,20100101,A0\r\n\
         000001,3,20200401,A2\r\n\
         000002,1,,B0\r\n"
    );
    // One rejects.csv: each row names its input file and source; item columns per source.
    let rows = rejects(&dir);
    let got: Vec<(u64, &str, &str, &str)> = rows
        .iter()
        .map(|(r, f, s, k, _)| (*r, f.as_str(), s.as_str(), k.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            // 宛名番号 000003 twice in the person file: both rejected.
            (3, "kojin.csv", "kojin", "check.primary_key_duplicate"),
            (4, "kojin.csv", "kojin", "check.primary_key_duplicate"),
            // 氏名 longer than the group's 桁数.
            (8, "kojin.csv", "kojin", "target.length"),
            // A history entry of 000004, who is not in the person file: its foreign key
            // dangles (the history file's records follow the person file's 13).
            (
                17,
                "rireki-sources.csv",
                "rireki",
                "check.foreign_key_missing"
            ),
            // A history entry of 000003, whose person rows are rejected as duplicates.
            (
                20,
                "rireki-sources.csv",
                "rireki",
                "check.foreign_key_missing"
            ),
        ]
    );
    let dangling = &rows[3].4;
    assert!(
        dangling.contains("rireki.atena_no") && dangling.contains("group kojin"),
        "the group and item are named: {dangling}"
    );
    assert!(!dangling.contains("000004"), "never the value: {dangling}");
    let header = text(&dir, "rejects.csv");
    let header = header.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let header = header.lines().next().unwrap();
    assert_eq!(
        header,
        "record,file,source,file_record,byte_offset,kinds,reasons,raw_hex,\
         item:kojin.atena_no,item:kojin.setai_no,item:kojin.shimei,item:kojin.zokugara,\
         item:rireki.atena_no,item:rireki.ido_date,item:rireki.ido_jiyu"
    );
    // The manifest: per input, per source, per group, and in total.
    let m = manifest(&dir);
    let c = &m["counts"];
    assert_eq!(
        (
            c["input_records"].as_u64(),
            c["output_records"].as_u64(),
            c["rejected_records"].as_u64()
        ),
        (Some(20), Some(15), Some(5))
    );
    let inputs: Vec<(String, u64, u64, u64)> = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["source"].as_str().unwrap().to_string(),
                i["records"].as_u64().unwrap(),
                i["output_records"].as_u64().unwrap(),
                i["rejected_records"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        inputs,
        vec![("kojin".into(), 13, 10, 3), ("rireki".into(), 7, 5, 2)]
    );
    let sources: Vec<(String, String, u64, u64, u64, u64)> = m["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["layout"]["id"].as_str().unwrap().to_string(),
                s["inputs"].as_u64().unwrap(),
                s["input_records"].as_u64().unwrap(),
                s["output_records"].as_u64().unwrap(),
                s["rejected_records"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        vec![
            ("kojin".into(), "legacy/groups-kojin".into(), 1, 13, 10, 3),
            ("rireki".into(), "legacy/groups-rireki".into(), 1, 7, 5, 2),
        ]
    );
    let groups: Vec<(String, u64)> = m["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().into(),
                g["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(groups, vec![("kojin".into(), 10), ("rireki".into(), 5)]);
    // before.* hold one source layout: not written by a run of several sources.
    assert!(!dir.join("before.arrow").exists() && !dir.join("before.parquet").exists());
    assert!(dir.join("after.parquet").exists());
    // The console gives each source's share and each group's rows.
    assert!(
        run.stdout.contains(
            "source kojin (legacy/groups-kojin, 1 file): 13 in = 10 out + 3 rejected → kojin"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("group rireki: 5 rows in rireki.csv"),
        "{}",
        run.stdout
    );
    // report.html: each input with its source, each source's accounting checked.
    let page = text(&dir, "report.html");
    assert!(page.contains("入力（kojin）") && page.contains("入力（rireki）"));
    assert!(
        page.contains("ソース rireki（legacy/groups-rireki）の入力件数 = 移行 5 + 除外 2"),
        "the source's accounting on the page"
    );
    assert!(page.contains("rejects.csv の行数（ソース rireki）"));
}

#[test]
fn issue13_inputs_positional_files_in_sources_order_and_reruns_are_byte_identical() {
    let a = tempdir("issue13-inputs-rerun-a");
    let b = tempdir("issue13-inputs-rerun-b");
    let c = tempdir("issue13-inputs-rerun-c");
    convert(&a, &["--threads", "1"]).expect(0);
    convert(&b, &["--threads", "3"]).expect(0);
    ikou(&[
        "convert",
        "--profile",
        PROFILE,
        KOJIN,
        RIREKI,
        "--out",
        c.to_str().unwrap(),
    ])
    .expect(0);
    let files = |d: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap() != "manifest.json")
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let fa = files(&a);
    assert!(fa.iter().any(|(n, _)| n == "rireki.csv"));
    assert!(fa == files(&b), "reruns (any thread count) byte-identical");
    // report.html names the run's inputs as given: the same paths, so the same page.
    assert!(
        fa == files(&c),
        "positional files in [[sources]] order = --input"
    );
    let strip = |d: &Path| {
        let mut m = manifest(d);
        m.as_object_mut().unwrap().remove("timings");
        m
    };
    assert_eq!(strip(&a), strip(&c));
}

#[test]
fn issue13_inputs_history_numbering_descending() {
    // The same profile with `order = ["-ido_date"]`: the latest entry first, an empty date
    // last, ties in input order.
    let dir = tempdir("issue13-inputs-desc");
    let groups = root().join("testdata/groups");
    for f in [
        "legacy-kojin.toml",
        "legacy-rireki.toml",
        "kojin.toml",
        "rireki-fk.toml",
    ] {
        std::fs::copy(groups.join(f), dir.join(f)).unwrap();
    }
    let profile = std::fs::read_to_string(groups.join("sources.toml"))
        .unwrap()
        .replace(r#"order = ["ido_date"]"#, r#"order = ["-ido_date"]"#);
    assert!(profile.contains("-ido_date"));
    std::fs::write(dir.join("desc.toml"), profile).unwrap();
    let out = dir.join("run");
    let kojin = format!("kojin={}", root().join(KOJIN).display());
    let rireki = format!("rireki={}", root().join(RIREKI).display());
    ikou(&[
        "convert",
        "--profile",
        dir.join("desc.toml").to_str().unwrap(),
        "--input",
        &kojin,
        "--input",
        &rireki,
        "--out",
        out.to_str().unwrap(),
    ])
    .expect(0);
    assert_eq!(
        text(&out, "rireki.csv"),
        "atena_no,rireki_no,ido_date,ido_jiyu\r\n\
         000001,1,20200401,A1\r\n\
         000002,1,20190101,B1\r\n\
         000001,3,20100101,A0\r\n\
         000001,2,20200401,A2\r\n\
         000002,2,,B0\r\n"
    );
    // The same order in a profile of one source (testdata/groups/history.toml).
    std::fs::copy(groups.join("rireki.toml"), dir.join("rireki.toml")).unwrap();
    let history = std::fs::read_to_string(groups.join("history.toml"))
        .unwrap()
        .replace(r#"order = ["ido_date"]"#, r#"order = ["-ido_date"]"#);
    std::fs::write(dir.join("history-desc.toml"), history).unwrap();
    let one = dir.join("one");
    ikou(&[
        "convert",
        "--profile",
        dir.join("history-desc.toml").to_str().unwrap(),
        "testdata/groups/rireki.csv",
        "--out",
        one.to_str().unwrap(),
    ])
    .expect(0);
    assert_eq!(
        text(&one, "rireki.csv"),
        "atena_no,rireki_no,ido_date,ido_jiyu\r\n\
         000001,1,20200401,A1\r\n\
         000002,1,20190101,B1\r\n\
         000001,3,20100101,A0\r\n\
         000001,2,20200401,A2\r\n\
         000002,2,,B0\r\n\
         000003,1,20210101,C1\r\n"
    );
}

#[test]
fn issue13_inputs_verify_passes_and_fails_on_a_tampered_group_file() {
    let dir = tempdir("issue13-inputs-verify");
    convert(&dir, &[]).expect(0);
    let d = dir.to_str().unwrap();
    let ok = ikou(&["verify", d]).expect(0);
    for line in [
        "ok       input testdata/groups/kojin.csv (source kojin): records = output + rejected",
        "ok       source rireki: input = output + rejected",
        "ok       sources add up to the run's counts",
        "ok       rejected_records of source rireki",
    ] {
        assert!(ok.stdout.contains(line), "{line}\n{}", ok.stdout);
    }
    // One history row changed in the group file: its hash no longer matches.
    let path = dir.join("rireki.csv");
    let t = text(&dir, "rireki.csv").replace("000001,3,", "000001,4,");
    std::fs::write(&path, t).unwrap();
    let bad = ikou(&["verify", d]).expect(1);
    assert!(
        bad.stdout.contains("sha256 rireki.csv"),
        "names the file: {}",
        bad.stdout
    );
}

#[test]
fn issue13_inputs_wrong_or_missing_input_names_are_clear_errors() {
    let dir = tempdir("issue13-inputs-errors");
    let out = dir.join("run");
    let o = out.to_str().unwrap();
    let bad = |args: &[&str], want: &[&str]| {
        let mut a = vec!["convert", "--profile", PROFILE, "--out", o];
        a.extend_from_slice(args);
        let r = ikou(&a).expect(2);
        for w in want {
            assert!(r.stderr.contains(w), "{w:?} in {}", r.stderr);
        }
        assert!(
            !out.join("manifest.json").exists(),
            "nothing written: {args:?}"
        );
    };
    let kojin = format!("kojin={KOJIN}");
    let rireki = format!("rireki={RIREKI}");
    let person = format!("person={KOJIN}");
    // An unknown source name, with the sources there are.
    bad(
        &["--input", &person, "--input", &rireki],
        &["no source `person`", "kojin, rireki"],
    );
    // A source without a file.
    bad(&["--input", &kojin], &["source `rireki` has no input"]);
    // Not SOURCE=FILE.
    bad(
        &["--input", KOJIN, "--input", &rireki],
        &["give SOURCE=FILE"],
    );
    // Positional files: one per source, in order.
    bad(&[KOJIN], &["1 input files for 2 sources", "kojin, rireki"]);
    // Both forms at once.
    bad(&[KOJIN, RIREKI, "--input", &kojin], &["not both"]);
    // No input at all.
    bad(&[], &["no input", "--input SOURCE=FILE"]);
    // before.* asked for by name: refused (one source layout per file).
    bad(
        &["--input", &kojin, "--input", &rireki, "--outputs", "before"],
        &["before.arrow and before.parquet", "kojin, rireki"],
    );
}

/// Writes a profile built from `sources.toml` with `edit` applied into a copy of the
/// layouts, and returns `ikou convert`'s stderr (exit 2).
fn profile_error(name: &str, edit: impl Fn(String) -> String) -> String {
    let dir = tempdir(&format!("issue13-inputs-profile-{name}"));
    let groups = root().join("testdata/groups");
    for f in [
        "legacy-kojin.toml",
        "legacy-rireki.toml",
        "kojin.toml",
        "rireki-fk.toml",
    ] {
        std::fs::copy(groups.join(f), dir.join(f)).unwrap();
    }
    let original = std::fs::read_to_string(groups.join("sources.toml")).unwrap();
    let edited = edit(original.clone());
    assert_ne!(edited, original, "{name}: the edit applies");
    let p: PathBuf = dir.join("p.toml");
    std::fs::write(&p, edited).unwrap();
    let kojin = format!("kojin={}", root().join(KOJIN).display());
    let rireki = format!("rireki={}", root().join(RIREKI).display());
    ikou(&[
        "convert",
        "--profile",
        p.to_str().unwrap(),
        "--input",
        &kojin,
        "--input",
        &rireki,
        "--out",
        dir.join("run").to_str().unwrap(),
    ])
    .expect(2)
    .stderr
}

#[test]
fn issue13_inputs_profile_errors_name_the_field() {
    // A group names a source the profile does not have.
    let e = profile_error("unknown", |t| {
        t.replace("source = \"rireki\"\n", "source = \"history\"\n")
    });
    assert!(
        e.contains("targets.source") && e.contains("no source named `history`"),
        "{e}"
    );
    // A rule reads an item its group's source layout does not have (ido_date is the history
    // file's, not the person file's).
    let e = profile_error("item", |t| {
        t.replacen(
            "target = \"shimei\"\nfrom = \"shimei\"",
            "target = \"shimei\"\nfrom = \"ido_date\"",
            1,
        )
    });
    assert!(
        e.contains("map") && e.contains("the layout of source `kojin` has no item `ido_date`"),
        "{e}"
    );
    // A group fed by no source.
    let e = profile_error("unfed", |t| t.replace("source = \"rireki\"\n", ""));
    assert!(
        e.contains("targets.source") && e.contains("group `rireki` is fed by no source"),
        "{e}"
    );
    // A source that feeds no group.
    let e = profile_error("idle", |t| {
        t.replace(
            "[[sources]]\nname = \"rireki\"",
            "[[sources]]\nname = \"setai\"\nlayout = \"legacy-kojin.toml\"\n\n[[sources]]\nname = \"rireki\"",
        )
    });
    assert!(
        e.contains("sources.name") && e.contains("source `setai` feeds no group"),
        "{e}"
    );
    // `source` and [[sources]] together.
    let e = profile_error("both", |t| {
        t.replace(
            "max_reject_rate = \"90%\"",
            "max_reject_rate = \"90%\"\nsource = \"legacy-kojin.toml\"",
        )
    });
    assert!(
        e.contains("either `source`") && e.contains("not both"),
        "{e}"
    );
}

#[test]
fn issue13_inputs_a_single_source_run_is_unchanged() {
    // The bundled sample: no `sources`, no per-input source or split counts, the rejects.csv
    // header as before; `--input` names a source of a profile with [[sources]] only.
    let dir = tempdir("issue13-inputs-single");
    let d = dir.to_str().unwrap();
    ikou(&[
        "convert",
        "--profile",
        "sample-juki",
        "testdata/sample/juki-1000.dat",
        "--out",
        d,
        "--outputs",
        "minimal",
    ])
    .expect(0);
    let m = manifest(&dir);
    assert!(m.get("sources").is_none());
    let input = &m["inputs"][0];
    for k in ["source", "output_records", "rejected_records"] {
        assert!(input.get(k).is_none(), "{k} in {input}");
    }
    let header = text(&dir, "rejects.csv");
    assert!(header
        .starts_with("\u{feff}record,file,file_record,byte_offset,kinds,reasons,raw_hex,item:"));
    let r = ikou(&[
        "convert",
        "--profile",
        "sample-juki",
        "--input",
        "juki=testdata/sample/juki-1000.dat",
        "--out",
        dir.join("again").to_str().unwrap(),
    ])
    .expect(2);
    assert!(
        r.stderr.contains("has one source") && r.stderr.contains("without --input"),
        "{}",
        r.stderr
    );
}
