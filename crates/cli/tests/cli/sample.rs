//! `ikou sample`.

use crate::util::{ikou, ikou_in, root, tempdir};

#[test]
fn writes_records_and_json_stats() {
    let dir = tempdir("sample-json");
    let run = ikou_in(
        &dir,
        &[
            "sample",
            "--records",
            "2000",
            "--seed",
            "3",
            "--out",
            "s.dat",
            "--json",
        ],
        None,
    )
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["stats"]["records"], 2000);
    assert_eq!(v["stats"]["bytes"], 2000 * 302);
    assert_eq!(v["layout"], "legacy/sample-juki");
    assert_eq!(v["rates"]["kana_in_name"], 0.008);
    let bytes = std::fs::read(dir.join("s.dat")).unwrap();
    assert_eq!(bytes.len(), 2000 * 302);
    // The stats agree with the bytes for a kind that is easy to see: 続柄 88.
    let eighty_eight = bytes.chunks(302).filter(|r| &r[131..133] == b"88").count();
    assert_eq!(v["stats"]["dirt"]["unknown_zokugara"], eighty_eight);
    assert!(eighty_eight > 0);
    let clean = v["stats"]["clean_records"].as_u64().unwrap();
    assert!(clean > 1700 && clean < 1850, "{clean}");
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn same_seed_same_file_and_the_checked_in_sample() {
    let dir = tempdir("sample-same");
    for name in ["a.dat", "b.dat"] {
        ikou_in(
            &dir,
            &["sample", "--records", "1000", "--seed", "1", "--out", name],
            None,
        )
        .expect(0);
    }
    let a = std::fs::read(dir.join("a.dat")).unwrap();
    assert_eq!(a, std::fs::read(dir.join("b.dat")).unwrap());
    let checked_in = std::fs::read(root().join("testdata/sample/juki-1000.dat")).unwrap();
    assert!(
        a == checked_in,
        "the CLI reproduces testdata/sample/juki-1000.dat"
    );
    ikou_in(
        &dir,
        &[
            "sample",
            "--records",
            "1000",
            "--seed",
            "2",
            "--out",
            "c.dat",
        ],
        None,
    )
    .expect(0);
    assert_ne!(a, std::fs::read(dir.join("c.dat")).unwrap());
}

#[test]
fn gaiji_table_truth_and_rates() {
    let dir = tempdir("sample-truth");
    let run = ikou_in(
        &dir,
        &[
            "sample",
            "--records",
            "500",
            "--seed",
            "9",
            "--out",
            "t.dat",
            "--clean",
            "--rate",
            "unknown_ido_jiyu=0.1",
            "--truth",
            "truth.csv",
            "--gaiji-table",
            "g.csv",
        ],
        None,
    )
    .expect(0);
    assert!(run.stdout.contains("unknown_ido_jiyu"), "{}", run.stdout);
    let truth = std::fs::read_to_string(dir.join("truth.csv")).unwrap();
    let lines: Vec<&str> = truth.lines().collect();
    assert_eq!(lines[0], "record,offset,dirt");
    assert_eq!(lines.len(), 1 + 50);
    let bytes = std::fs::read(dir.join("t.dat")).unwrap();
    for l in &lines[1..] {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f[2], "unknown_ido_jiyu");
        let off: usize = f[1].parse().unwrap();
        assert_eq!((off / 302 + 1).to_string(), f[0]);
        assert_eq!(&bytes[off + 274..off + 276], b"99");
    }
    let g = std::fs::read_to_string(dir.join("g.csv")).unwrap();
    assert_eq!(
        g,
        std::fs::read_to_string(root().join("testdata/sample/gaiji.csv")).unwrap()
    );
}

#[test]
fn bad_rates_are_usage_errors() {
    let dir = tempdir("sample-bad");
    let r = ikou_in(
        &dir,
        &["sample", "--out", "x.dat", "--rate", "nope=0.1"],
        None,
    )
    .expect(2);
    assert!(r.stderr.contains("unknown dirt kind"), "{}", r.stderr);
    ikou_in(
        &dir,
        &["sample", "--out", "x.dat", "--rate", "kana_in_name=2"],
        None,
    )
    .expect(2);
    ikou_in(
        &dir,
        &["sample", "--out", "x.dat", "--rate", "kana_in_name"],
        None,
    )
    .expect(2);
    assert!(!dir.join("x.dat").exists());
    // An output directory that does not exist: I/O error.
    ikou_in(&dir, &["sample", "--out", "no/such/dir/x.dat"], None).expect(3);
}

#[test]
fn help_has_an_example_and_the_kinds() {
    let r = ikou(&["sample", "--help"]).expect(0);
    assert!(r.stdout.contains("Examples:"));
    assert!(r.stdout.contains("household_without_head [0.01]"));
}
