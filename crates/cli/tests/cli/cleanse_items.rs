//! What decoding and cleansing make of damaged items, end to end through `convert`:
//! control characters (#18 item 13), a damaged lead byte, 外字 in the F9 row (#19).

use crate::util::*;

const SAMPLE: &str = "testdata/sample/juki-1000.dat";
/// The first record of the sample (302 bytes with CRLF): 氏名 at 47 (`90 5F` 神 …), 氏名カナ
/// at 83 (half-width), 住所 at 140 (`93 8C` 東 …).
const REC: usize = 302;

/// Converts the first record of the sample with `patch` applied; returns (output records,
/// the rejects.csv text).
fn convert_patched(name: &str, patch: &[(usize, &[u8])]) -> (u64, String) {
    let dir = tempdir(name);
    let mut rec = std::fs::read(root().join(SAMPLE)).unwrap()[..REC].to_vec();
    for (at, bytes) in patch {
        rec[*at..*at + bytes.len()].copy_from_slice(bytes);
    }
    let input = dir.join("in.dat");
    std::fs::write(&input, &rec).unwrap();
    let out = dir.join("run");
    let r = ikou(&[
        "convert",
        "--profile",
        "sample-juki",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    (m["counts"]["output_records"].as_u64().unwrap(), rejects)
}

#[test]
fn the_unpatched_first_record_migrates() {
    let (out, rejects) = convert_patched("ci_unpatched", &[]);
    assert_eq!(out, 1, "{rejects}");
}

#[test]
fn issue18_item13_control_characters_in_name_kana_address_reject() {
    let cases: [(&str, usize, &[u8]); 6] = [
        ("nul_in_name", 49, b"\0\0"),
        ("tab_in_name", 49, b"\t\t"),
        ("esc_in_address", 140, b"\x1B\x1B"),
        ("sub_in_address", 142, b"\x1A\x1A"),
        ("cr_in_kana", 84, b"\r"),
        ("del_in_kana", 84, b"\x7F"),
    ];
    for (name, at, bytes) in cases {
        let (out, rejects) = convert_patched(&format!("ci_{name}"), &[(at, bytes)]);
        assert_eq!(out, 0, "{name}: migrated\n{rejects}");
        assert!(rejects.contains("char.control"), "{name}: {rejects}");
    }
}

#[test]
fn issue18_item13_a_damaged_lead_byte_does_not_migrate() {
    // 神 (90 5F) with its first byte hit: 80 5F.
    let (out, rejects) = convert_patched("ci_lone_80", &[(47, b"\x80")]);
    assert_eq!(out, 0, "{rejects}");
    assert!(rejects.contains("decode.malformed"), "{rejects}");
}

#[test]
fn issue19_an_item_whose_only_gaiji_is_in_the_f9_row_is_flagged() {
    for code in [&b"\xF9\x40"[..], b"\xF9\x9C", b"\xF9\xFC"] {
        let (out, rejects) = convert_patched("ci_f9_gaiji", &[(47, code)]);
        assert_eq!(out, 0, "{code:02X?}: migrated\n{rejects}");
        assert!(rejects.contains("gaiji.unmapped"), "{code:02X?}: {rejects}");
    }
}

/// #14 cleansing fidelity through `ikou normalize`: each new rule shows as a recorded change.
#[test]
fn issue14_normalize_shows_the_cleansing_fidelity_rules() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["--as", "kana", "ウ゛ィクトリア"],
            "ヴィクトリア\t[kana.voiced_mark]",
        ),
        (&["--as", "kana", "ホ゜ール"], "ポール\t[kana.voiced_mark]"),
        (
            &["--as", "fullwidth", "¥1,000"],
            "￥１，０００\t[width.fullwidth]",
        ),
        (
            &["--as", "amount", "▲1,234"],
            "-1234\t[amount.to_ascii, amount.thousands]",
        ),
        (
            &["--as", "date", "㍻20年7月4日"],
            "2008-07-04\t[date.to_iso]",
        ),
        (
            &["--as", "date", "平成二〇年一二月二六日"],
            "2008-12-26\t[date.to_iso]",
        ),
        (
            &["--as", "date", "平成二十年七月四日"],
            "2008-07-04\t[date.to_iso]",
        ),
        (
            &["--as", "kana", "--kana-separators", "ｽﾐｽ･ｼﾞｮﾝ"],
            "スミス・ジョン\t[width.fullwidth]",
        ),
    ];
    for (args, want) in cases {
        let mut a = vec!["normalize"];
        a.extend_from_slice(args);
        let r = ikou(&a).expect(0);
        assert_eq!(r.stdout.trim_end(), want, "{args:?}");
    }
    // Without the option, ・ in カナ is a finding; an ambiguous comma is too.
    let r = ikou(&["normalize", "--as", "kana", "スミス・ジョン"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("char.not_kana") || r.stderr.contains("char.not_kana"));
    let r = ikou(&["normalize", "--as", "amount", "12,34"]);
    assert_ne!(r.code, 0);
}
