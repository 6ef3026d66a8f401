//! `ikou convert` and `ikou verify`, end to end on generated samples.

use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SAMPLE: &str = "testdata/sample/juki-1000.dat";

fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn convert(input: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "convert",
        "--profile",
        "sample-juki",
        input,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ikou(&args)
}

/// Reads a CSV with a header into rows of column → value.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn readme_command_converts_the_bundled_sample() {
    let out = tempdir("convert_readme");
    let r = convert(SAMPLE, &out, &["--force"]).expect(0);
    assert!(r.stdout.contains("1000 in = "), "{}", r.stdout);
    let m = manifest(&out);
    let c = &m["counts"];
    let (i, o, rj) = (
        c["input_records"].as_u64().unwrap(),
        c["output_records"].as_u64().unwrap(),
        c["rejected_records"].as_u64().unwrap(),
    );
    assert_eq!(i, 1000);
    assert_eq!(i, o + rj);
    assert!(m["accounting_ok"].as_bool().unwrap());
    assert!(rj > 0 && rj < 200, "rejected {rj}");
    // Every output is listed, present, private, and no temporary file is left.
    let names: BTreeSet<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for n in &names {
        assert!(!n.ends_with(".partial"), "temporary file left: {n}");
    }
    for want in [
        "jumin.csv",
        "rejects.csv",
        "changes.csv",
        "changes.parquet",
        "before.arrow",
        "before.parquet",
        "after.arrow",
        "after.parquet",
        "gaiji.csv",
        "report.html",
        "manifest.json",
    ] {
        assert!(names.contains(want), "missing {want}: {names:?}");
        // The console's list of the run directory names every file, the manifest too.
        let size = std::fs::metadata(out.join(want)).unwrap().len();
        assert!(
            r.stdout.lines().any(|l| {
                let mut w = l.split_whitespace();
                w.next() == Some(want) && w.next() == Some(size.to_string().as_str())
            }),
            "{want} ({size} bytes) not listed: {}",
            r.stdout
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.join(want))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{want}");
        }
    }
    // The standard CSV: header of item names, one row per output record, CRLF, no BOM.
    let data = std::fs::read(out.join("jumin.csv")).unwrap();
    assert!(data.starts_with("宛名番号,履歴番号,世帯番号".as_bytes()));
    assert!(data.ends_with(b"\r\n"));
    assert_eq!(read_csv(&out.join("jumin.csv")).len() as u64, o);
    assert_eq!(read_csv(&out.join("rejects.csv")).len() as u64, rj);
    // Counts of changes per rule add up to the rows of changes.csv.
    let changes = read_csv(&out.join("changes.csv"));
    let by_rule: u64 = c["changes_by_rule"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(changes.len() as u64, by_rule);
}

#[test]
fn rerun_is_byte_identical_and_verify_catches_a_change() {
    let a = tempdir("convert_rerun_a");
    let b = tempdir("convert_rerun_b");
    convert(SAMPLE, &a, &["--force", "--threads", "1"]).expect(0);
    convert(SAMPLE, &b, &["--force", "--threads", "2"]).expect(0);
    let ma = manifest(&a);
    let mb = manifest(&b);
    for o in ma["outputs"].as_array().unwrap() {
        let name = o["name"].as_str().unwrap();
        let fa = std::fs::read(a.join(name)).unwrap();
        let fb = std::fs::read(b.join(name)).unwrap();
        assert!(fa == fb, "{name} differs between runs");
    }
    assert_eq!(ma["outputs"], mb["outputs"]);
    assert_eq!(ma["counts"], mb["counts"]);
    assert_eq!(ma["inputs"], mb["inputs"]);

    let v = ikou(&["verify", a.to_str().unwrap()]).expect(0);
    assert!(v.stdout.contains("matches its manifest"), "{}", v.stdout);
    // One changed byte in the standard CSV.
    let p = a.join("jumin.csv");
    let mut bytes = std::fs::read(&p).unwrap();
    let last = bytes.len() - 3;
    bytes[last] = if bytes[last] == b'1' { b'2' } else { b'1' };
    std::fs::write(&p, &bytes).unwrap();
    let v = ikou(&["verify", a.to_str().unwrap(), "--json"]).expect(1);
    let j: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
    assert_eq!(j["ok"], false);
    let failed: Vec<_> = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["what"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed, vec!["sha256 jumin.csv".to_string()]);
    // A removed reject line is caught by the count too.
    let r = a.join("rejects.csv");
    let text = std::fs::read_to_string(&r).unwrap();
    let cut: Vec<&str> = text.split_inclusive("\r\n").collect();
    std::fs::write(&r, cut[..cut.len() - 1].concat()).unwrap();
    let v = ikou(&["verify", a.to_str().unwrap()]).expect(1);
    assert!(
        v.stdout.contains("MISMATCH rejected_records"),
        "{}",
        v.stdout
    );
}

#[test]
fn refuses_a_non_empty_run_directory_without_force() {
    let out = tempdir("convert_nonempty");
    convert(SAMPLE, &out, &["-q", "--outputs", "minimal"]).expect(0);
    let before = names_in(&out);
    let r = convert(SAMPLE, &out, &[]).expect(2);
    assert!(r.stderr.contains("not empty"), "{}", r.stderr);
    assert_eq!(names_in(&out), before);
    convert(SAMPLE, &out, &["--force", "-q"]).expect(0);
}

/// `--force` replaces an earlier run, never the user's files: a directory that also holds
/// anything no ikou run wrote (a file, a folder, the export the run reads) is refused
/// before anything is removed, and the message names what is in the way.
#[test]
fn force_refuses_a_directory_holding_files_no_run_wrote() {
    let out = tempdir("convert_force_foreign");
    convert(SAMPLE, &out, &["-q", "--outputs", "minimal"]).expect(0);
    std::fs::write(out.join("notes.txt"), b"the user's notes").unwrap();
    std::fs::create_dir(out.join("old-exports")).unwrap();
    let before = names_in(&out);
    let r = convert(SAMPLE, &out, &["--force", "-q"]).expect(2);
    assert!(
        r.stderr.contains("notes.txt") && r.stderr.contains("old-exports"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was removed"), "{}", r.stderr);
    assert_eq!(
        names_in(&out),
        before,
        "a refused --force removed something"
    );
    assert_eq!(
        std::fs::read(out.join("notes.txt")).unwrap(),
        b"the user's notes"
    );
    // The earlier run is intact: it still verifies (the user's files aside).
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    std::fs::remove_dir(out.join("old-exports")).unwrap();
    ikou(&["verify", out.to_str().unwrap()]).expect(0);

    // The export inside its own run directory: refused with --force too.
    let selfdir = tempdir("convert_force_selfdir");
    std::fs::copy(root().join(SAMPLE), selfdir.join("juki-1000.dat")).unwrap();
    let input = selfdir.join("juki-1000.dat");
    let r = convert(input.to_str().unwrap(), &selfdir, &["--force", "-q"]).expect(2);
    assert!(r.stderr.contains("juki-1000.dat"), "{}", r.stderr);
    assert_eq!(
        names_in(&selfdir),
        BTreeSet::from(["juki-1000.dat".to_string()])
    );
}

/// What an earlier run, `ikou sign` and `ikou report` left goes with `--force`: the old
/// signature and report pages (one with unmasked values) would otherwise sit beside the
/// new run and describe the old one.
#[test]
fn force_removes_everything_an_earlier_run_left() {
    let out = tempdir("convert_force_leftovers");
    convert(SAMPLE, &out, &["-q"]).expect(0);
    let dir = out.to_str().unwrap();
    let key = out.parent().unwrap().join("convert_force_leftovers.key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    ikou(&["sign", dir, "--key", key.to_str().unwrap()]).expect(0);
    ikou(&["report", dir, "--lang", "en"]).expect(0);
    ikou(&["report", dir, "--show-values"]).expect(0);
    std::fs::write(out.join(".changes.csv.partial"), b"a killed run's").unwrap();
    for name in ["manifest.hmac", "report.en.html", "report.values.html"] {
        assert!(out.join(name).exists(), "{name} was not made");
    }
    convert(SAMPLE, &out, &["--force", "-q", "--outputs", "minimal"]).expect(0);
    let want: BTreeSet<String> = ["jumin.csv", "setai.csv", "rejects.csv", "manifest.json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names_in(&out), want);
    ikou(&["verify", dir]).expect(0);
}

#[test]
fn strict_exits_1_when_records_are_rejected() {
    let out = tempdir("convert_strict");
    convert(
        SAMPLE,
        &out,
        &["--force", "--strict", "--outputs", "minimal"],
    )
    .expect(1);
    let names: BTreeSet<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let want: BTreeSet<String> = ["jumin.csv", "setai.csv", "rejects.csv", "manifest.json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, want);
}

#[test]
fn usage_and_io_errors_have_their_exit_codes() {
    let out = tempdir("convert_errors");
    let r = convert("no/such/file.dat", &out, &["--force"]).expect(3);
    assert!(r.stderr.contains("no/such/file.dat"), "{}", r.stderr);
    let r = ikou(&[
        "convert",
        "--profile",
        "no-such-profile",
        SAMPLE,
        "--out",
        out.to_str().unwrap(),
    ])
    .expect(2);
    assert!(r.stderr.contains("no profile"), "{}", r.stderr);
    let r = convert(SAMPLE, &out, &["--force", "--outputs", "everything"]).expect(2);
    assert!(r.stderr.contains("unknown output"), "{}", r.stderr);
    let r = ikou(&["verify", out.join("nope").to_str().unwrap()]).expect(3);
    assert!(r.stderr.contains("manifest.json"), "{}", r.stderr);
}

/// Generates a sample with its answer key, converts it, and checks that every kind of dirt
/// lands as the right change or the right reject reason.
#[test]
fn every_kind_of_dirt_lands_where_it_should() {
    let dir = tempdir("convert_dirt");
    let input = dir.join("in.dat");
    let truth = dir.join("truth.csv");
    ikou(&[
        "sample",
        "--records",
        "4000",
        "--seed",
        "11",
        "--out",
        input.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
    ])
    .expect(0);
    let out = dir.join("run");
    convert(input.to_str().unwrap(), &out, &["-q"]).expect(0);

    let mut reasons: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for r in read_csv(&out.join("rejects.csv")) {
        let n: u64 = r["record"].parse().unwrap();
        reasons.insert(n, r["kinds"].split('|').map(str::to_string).collect());
    }
    let mut changes: BTreeMap<u64, Vec<(String, String)>> = BTreeMap::new();
    for c in read_csv(&out.join("changes.csv")) {
        let n: u64 = c["record"].parse().unwrap();
        changes
            .entry(n)
            .or_default()
            .push((c["item"].clone(), c["rule"].clone()));
    }
    let has_reason =
        |n: u64, kind: &str| reasons.get(&n).is_some_and(|v| v.iter().any(|k| k == kind));
    let has_change = |n: u64, item: &str, rule: &str| {
        changes
            .get(&n)
            .is_some_and(|v| v.iter().any(|(i, r)| i == item && r == rule))
    };
    let rejected = |n: u64| reasons.contains_key(&n);

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for t in read_csv(&truth) {
        let n: u64 = t["record"].parse().unwrap();
        for kind in t["dirt"].split(';') {
            *seen.entry(kind.to_string()).or_default() += 1;
            let ok = match kind {
                "date_showa64" | "date_heisei31" => has_reason(n, "date.after_era"),
                "date_feb30" => has_reason(n, "date.day_out_of_range"),
                "date_month13" => has_reason(n, "date.month_out_of_range"),
                "date_unknown_era" => has_reason(n, "date.unknown_era"),
                "unknown_zokugara" | "unknown_ido_jiyu" => has_reason(n, "map.unmapped_code"),
                "missing_name" | "missing_resident_code" => has_reason(n, "target.required"),
                "bad_check_digit" => has_reason(n, "checkdigit.mismatch"),
                "duplicate_resident_code" => has_reason(n, "check.duplicate"),
                "household_without_head" => has_reason(n, "check.household_no_head"),
                "postal_fullwidth" => has_reason(n, "digits.length"),
                // Changes are listed for converted records only.
                "gaiji_in_name" => {
                    has_change(n, "shimei", "gaiji.map")
                        || has_reason(n, "gaiji.unmapped")
                        || rejected(n)
                }
                "kana_in_name" => rejected(n) || has_change(n, "shimei", "width.fullwidth"),
                "name_leading_space" => rejected(n) || has_change(n, "shimei", "space.trim"),
                "name_space_run" => rejected(n) || has_change(n, "shimei", "space.fold"),
                "address_halfwidth_digits" => {
                    rejected(n) || has_change(n, "address", "width.fullwidth")
                }
                // Kept as they are: no reason may name these items.
                "variant_kanji"
                | "kana_fullwidth_padding"
                | "address_dash_variant"
                | "katagaki_wave_dash"
                | "date_partial" => !reasons.get(&n).is_some_and(|v| {
                    v.iter()
                        .any(|k| k.starts_with("decode.") || k == "date.unrecognised")
                }),
                other => panic!("dirt kind {other} has no expectation in this test"),
            };
            assert!(
                ok,
                "record {n}: dirt {kind} did not land as expected; reasons {:?}, changes {:?}",
                reasons.get(&n),
                changes.get(&n)
            );
        }
    }
    // The sample carried every kind at least once.
    for kind in [
        "date_showa64",
        "date_heisei31",
        "date_feb30",
        "date_month13",
        "date_unknown_era",
        "date_partial",
        "unknown_zokugara",
        "unknown_ido_jiyu",
        "missing_name",
        "missing_resident_code",
        "bad_check_digit",
        "duplicate_resident_code",
        "household_without_head",
        "gaiji_in_name",
        "variant_kanji",
        "kana_in_name",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) > 0,
            "sample has no {kind}: {seen:?}"
        );
    }
    // A record without dirt is never rejected.
    let dirty: BTreeSet<u64> = read_csv(&truth)
        .iter()
        .map(|t| t["record"].parse().unwrap())
        .collect();
    let m = manifest(&out);
    for n in reasons.keys() {
        // Members of a household whose head is missing carry the household's dirt only on
        // the records the answer key lists; other members are rejected by the same rule.
        if !dirty.contains(n) {
            assert!(
                reasons[n]
                    .iter()
                    .all(|k| k == "check.household_no_head" || k == "check.duplicate"),
                "clean record {n} rejected: {:?}",
                reasons[n]
            );
        }
    }
    assert_eq!(m["counts"]["input_records"], 4000);
    // Partial dates are kept and flagged.
    assert!(
        m["counts"]["findings_by_kind"]["date.partial"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
}

/// `--parquet-compression`: the manifest names the codec, `verify` accepts the run, the
/// default compresses the audit trail (before, changes) and not after.parquet, and an
/// unknown codec is a usage error before anything is written. (That each file carries its
/// codec is checked by reading the files back, in the library's
/// `parquet_outputs_are_compressed_as_asked_and_read_back_the_same`.)
#[test]
fn parquet_compression_flag() {
    let dir = tempdir("convert-codec");
    let input = root().join(SAMPLE);
    let input = input.to_str().unwrap();
    let size =
        |codec: &str, file: &str| std::fs::metadata(dir.join(codec).join(file)).unwrap().len();
    for codec in ["none", "lz4", "snappy", "default"] {
        let out = dir.join(codec);
        let flag = ["--parquet-compression", codec];
        let extra = if codec == "default" {
            &[][..]
        } else {
            &flag[..]
        };
        convert(input, &out, &[&["-q"][..], extra].concat()).expect(0);
        assert_eq!(manifest(&out)["options"]["parquet_compression"], codec);
        ikou(&["verify", out.to_str().unwrap()]).expect(0);
    }
    for file in ["before.parquet", "changes.parquet"] {
        assert!(size("lz4", file) < size("none", file), "{file}");
        assert!(size("snappy", file) < size("none", file), "{file}");
        assert_eq!(size("default", file), size("lz4", file), "{file}");
    }
    assert_eq!(
        size("default", "after.parquet"),
        size("none", "after.parquet")
    );
    let bad = dir.join("bad");
    let r = convert(input, &bad, &["--parquet-compression", "zip"]).expect(2);
    assert!(
        r.stderr
            .contains("unknown codec `zip`: one of none, lz4, snappy"),
        "{}",
        r.stderr
    );
    assert!(!bad.exists(), "no run");
}

/// rejects.csv, changes.csv and gaiji.csv, the CSVs people open in Excel, start with a UTF-8
/// BOM; `--no-excel-bom` writes the same bytes without it. The standard CSVs follow the
/// profile, not the flag. Both runs verify, their reports read the rejects, and the run's
/// gaiji.csv, BOM and all, reads back as a 外字 table.
#[test]
fn csvs_people_open_start_with_a_bom_unless_asked_not_to() {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let t = tempdir("convert_excel_bom");
    let (with, without) = (t.join("with"), t.join("without"));
    convert(SAMPLE, &with, &["-q"]).expect(0);
    convert(SAMPLE, &without, &["-q", "--no-excel-bom"]).expect(0);
    for name in ["rejects.csv", "changes.csv", "gaiji.csv"] {
        let a = std::fs::read(with.join(name)).unwrap();
        let b = std::fs::read(without.join(name)).unwrap();
        assert!(a.starts_with(BOM), "{name} has no BOM");
        assert!(!b.starts_with(BOM), "{name} has a BOM with --no-excel-bom");
        assert_eq!(&a[BOM.len()..], &b[..], "{name} differs beyond its BOM");
    }
    for name in ["jumin.csv", "setai.csv"] {
        let a = std::fs::read(with.join(name)).unwrap();
        assert!(
            !a.starts_with(BOM),
            "{name}: the sample profile writes no BOM"
        );
        assert_eq!(a, std::fs::read(without.join(name)).unwrap(), "{name}");
    }
    for (dir, value) in [(&with, "true"), (&without, "false")] {
        assert_eq!(manifest(dir)["options"]["excel_bom"], value);
        ikou(&["verify", dir.to_str().unwrap()]).expect(0);
        let r = ikou(&["report", dir.to_str().unwrap()]).expect(0);
        assert!(
            r.stdout.contains("48 records were rejected"),
            "{}",
            r.stdout
        );
    }
    let again = t.join("again");
    let gaiji = with.join("gaiji.csv");
    let r = convert(
        SAMPLE,
        &again,
        &[
            "-q",
            "--outputs",
            "minimal",
            "--gaiji",
            gaiji.to_str().unwrap(),
        ],
    )
    .expect(0);
    assert!(!r.stderr.contains("header"), "{}", r.stderr);
}
