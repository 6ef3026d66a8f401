//! `ikou detect`, `ikou inspect`, `ikou gaiji` (issue 3).

use crate::util::{ikou, shared, skip, tempdir};

const BAD: [&str; 10] = [
    "testdata/bad/empty.dat",
    "testdata/bad/lone-lead.dat",
    "testdata/bad/nuls.dat",
    "testdata/bad/random.bin",
    "testdata/bad/invalid-seq.sjis",
    "testdata/bad/mixed-encodings.txt",
    "testdata/bad/mixed-newlines.sjis",
    "testdata/bad/truncated-last.sjis",
    "testdata/bad/eof-1a.sjis",
    "testdata/bad/trailer-mismatch.dat",
];

#[test]
fn detect_hard_cases_json() {
    let r = ikou(&[
        "detect",
        "testdata/reading/yamada-8byte.sjis",
        "testdata/reading/hankaku-kana.sjis",
        "testdata/reading/cp932-corrupt.sjis",
        "testdata/reading/eucjp-ss2.euc",
        "testdata/reading/utf16le-nobom.txt",
        "--json",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let enc: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["encoding"].as_str().unwrap())
        .collect();
    assert_eq!(enc, vec!["cp932", "cp932", "cp932", "euc-jp", "utf-16le"]);
    for d in v.as_array().unwrap() {
        for k in [
            "path",
            "confidence",
            "bom",
            "newline",
            "eof_marker",
            "structure",
            "census",
            "gaiji",
            "findings",
            "reasons",
        ] {
            assert!(d.get(k).is_some(), "{k}");
        }
        assert!(!d["reasons"].as_array().unwrap().is_empty());
    }
    assert_eq!(v[2]["findings"][0]["kind"], "invalid_sequence");
    assert_eq!(v[2]["findings"][0]["byte_offset"], 38);
}

#[test]
fn detect_human_summary_explains() {
    let r = ikou(&["detect", "testdata/reading/hankaku-kana.sjis"]).expect(0);
    assert!(
        r.stdout
            .starts_with("testdata/reading/hankaku-kana.sjis: cp932 (confidence"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("also valid as euc-jp"), "{}", r.stdout);
    assert!(r.stdout.contains("newline crlf"), "{}", r.stdout);
}

#[test]
fn bad_corpus_through_every_verb() {
    for f in BAD {
        let r = ikou(&["detect", f]).expect(0);
        assert!(r.stdout.contains("why:"), "{f}: {}", r.stdout);
        ikou(&["detect", f, "--json"]).expect(0);
        ikou(&[
            "inspect",
            f,
            "--layout",
            "legacy/sample-juki",
            "--records",
            "3",
        ])
        .expect(0);
        ikou(&[
            "inspect",
            f,
            "--layout",
            "testdata/reading/trailer.toml",
            "--json",
        ])
        .expect(0);
        ikou(&["gaiji", f, "--layout", "legacy/sample-juki", "--csv"]).expect(0);
    }
    let r = ikou(&["detect", "testdata/bad/empty.dat", "--json"]).expect(0);
    assert!(r.stdout.contains("\"empty\""));
}

#[test]
fn detect_missing_file_is_io_error_but_others_reported() {
    let r = ikou(&[
        "detect",
        "no/such/file",
        "testdata/reading/yamada-8byte.sjis",
    ])
    .expect(3);
    assert!(r.stderr.contains("no/such/file"), "{}", r.stderr);
    assert!(
        r.stdout.contains("yamada-8byte.sjis: cp932"),
        "{}",
        r.stdout
    );
}

#[test]
fn inspect_masks_values_unless_asked() {
    let r = ikou(&[
        "inspect",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--records",
        "2",
    ])
    .expect(0);
    assert!(!r.stdout.contains("山田"), "{}", r.stdout);
    assert!(r.stdout.contains("[＊＊　＊＊"), "{}", r.stdout);
    // The 外字 of record 2 is named by its code, its bytes stay visible.
    assert!(
        r.stdout
            .contains("外字 F040 (U+E000) not in the table (item byte 0)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("F0 40 ** **"), "{}", r.stdout);
    let r = ikou(&[
        "inspect",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--records",
        "1",
        "--show-values",
    ])
    .expect(0);
    assert!(r.stdout.contains("[山田　太郎"), "{}", r.stdout);
    assert!(r.stdout.contains("8E 52 93 63"), "{}", r.stdout);
}

#[test]
fn inspect_json_with_table_and_problems() {
    let r = ikou(&[
        "inspect",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--json",
        "--table",
        "testdata/reading/gaiji.csv",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), 5);
    let shimei = &v["records"][1]["items"][4];
    assert_eq!(shimei["key"], "shimei");
    assert_eq!(shimei["issues"][0]["kind"], "gaiji.mapped");
    assert_eq!(shimei["issues"][0]["code"], "F040");
    assert!(shimei["issues"][0].get("replacement").is_none(), "masked");
    assert_eq!(shimei["masked"], true);
    // Trailer mismatch and cut characters appear as problems.
    let r = ikou(&[
        "inspect",
        "testdata/bad/trailer-mismatch.dat",
        "--layout",
        "testdata/reading/trailer.toml",
        "--json",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["records"][3]["role"], "trailer");
    assert_eq!(v["records"][3]["problems"][0]["kind"], "trailer_count");
    let r = ikou(&[
        "inspect",
        "testdata/reading/juki-cut.sjis",
        "--layout",
        "legacy/sample-juki",
    ])
    .expect(0);
    assert!(
        r.stdout
            .contains("item ends inside a double-byte character"),
        "{}",
        r.stdout
    );
    let r = ikou(&[
        "inspect",
        "testdata/bad/truncated-last.sjis",
        "--layout",
        "legacy/sample-juki",
    ])
    .expect(0);
    assert!(
        r.stdout.contains("last record is cut: 123 of 300 bytes"),
        "{}",
        r.stdout
    );
}

#[test]
fn inspect_errors_are_clear() {
    let r = ikou(&[
        "inspect",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/nope",
    ])
    .expect(2);
    assert!(r.stderr.contains("no layout `legacy/nope`"), "{}", r.stderr);
    let r = ikou(&[
        "inspect",
        "testdata/reading/utf16le-nobom.txt",
        "--layout",
        "legacy/sample-juki",
        "--encoding",
        "utf-16le",
    ])
    .expect(2);
    assert!(r.stderr.contains("transcode"), "{}", r.stderr);
    ikou(&["inspect", "no/such", "--layout", "legacy/sample-juki"]).expect(3);
    let dir = tempdir("bad-table");
    let t = dir.join("t.csv");
    std::fs::write(&t, "code,replacement,mj,note\nZZZZ,x,,\n").unwrap();
    let r = ikou(&[
        "inspect",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--table",
        t.to_str().unwrap(),
    ])
    .expect(2);
    assert!(r.stderr.contains("t.csv:2:"), "{}", r.stderr);
}

#[test]
fn gaiji_inventory_round_trips_as_a_table() {
    let r = ikou(&[
        "gaiji",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--csv",
    ])
    .expect(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    // A UTF-8 BOM first, for Excel; --no-excel-bom prints the same without it.
    assert_eq!(
        lines[0],
        "\u{feff}code,replacement,mj,note,count,items,first_records,pua"
    );
    let plain = ikou(&[
        "gaiji",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--csv",
        "--no-excel-bom",
    ])
    .expect(0);
    assert_eq!(
        r.stdout.strip_prefix('\u{feff}'),
        Some(plain.stdout.as_str())
    );
    assert_eq!(lines[1], "F040,,,,2,shimei:2,2 4,U+E000");
    assert_eq!(lines[2], "F041,,,,1,shimei:1,4,U+E001");
    // Staff fill in a replacement; the file loads back as a table.
    let dir = tempdir("gaiji-roundtrip");
    let t = dir.join("table.csv");
    std::fs::write(&t, r.stdout.replace("F041,,,", "F041,𠮷,MJ000001,確認済")).unwrap();
    let r = ikou(&[
        "gaiji",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--table",
        t.to_str().unwrap(),
        "--json",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["codes"], 2);
    assert_eq!(v["occurrences"], 3);
    assert_eq!(v["unmapped"], 1);
    assert_eq!(v["gaiji"][1]["replacement"], "𠮷");
    assert!(v["gaiji"][0].get("example").is_none());
    let r = ikou(&[
        "gaiji",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
        "--show-values",
        "--csv",
    ])
    .expect(0);
    assert!(r.stdout.lines().next().unwrap().ends_with(",example"));
    let r = ikou(&[
        "gaiji",
        "testdata/reading/juki-5.sjis",
        "--layout",
        "legacy/sample-juki",
    ])
    .expect(0);
    assert!(
        r.stdout
            .starts_with("5 records · 2 外字 codes · 3 occurrences · 2 unmapped"),
        "{}",
        r.stdout
    );
}

#[test]
fn help_has_examples() {
    for verb in ["detect", "inspect", "gaiji"] {
        let r = ikou(&[verb, "--help"]).expect(0);
        assert!(r.stdout.contains("Example"), "{verb}");
    }
}

#[test]
fn japanpost_detects_as_cp932() {
    let Some(dir) = shared() else {
        return;
    };
    let out = tempdir("japanpost-cli");
    for (zip, name) in [
        ("ken_all.zip", "KEN_ALL.CSV"),
        ("jigyosyo.zip", "JIGYOSYO.CSV"),
    ] {
        let st = std::process::Command::new("unzip")
            .args([
                "-q",
                "-o",
                dir.join("japanpost").join(zip).to_str().unwrap(),
                "-d",
                out.to_str().unwrap(),
            ])
            .status();
        match st {
            Ok(s) if s.success() => {}
            // `unzip` ran and failed: the zip or the tool is broken, not missing.
            Ok(s) => panic!("unzip {zip} failed: {s}"),
            Err(e) => {
                skip(&format!(
                    "cannot run the `unzip` tool ({e}); apt-get install unzip"
                ));
                return;
            }
        }
        let r = ikou(&["detect", out.join(name).to_str().unwrap(), "--json"]).expect(0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v[0]["encoding"], "cp932");
        assert_eq!(v[0]["findings"].as_array().unwrap().len(), 0);
        assert_eq!(v[0]["structure"]["kind"], "delimited");
    }
}
