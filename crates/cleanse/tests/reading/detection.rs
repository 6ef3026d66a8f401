//! Every hard detection case, decided by evidence and explained.

use crate::testdata;
use ikou_cleanse::charset::Charset;
use ikou_cleanse::detect::{detect, FindingKind, Newline, Structure};

fn has_reason(d: &ikou_cleanse::detect::Detection, needle: &str) -> bool {
    d.reasons.iter().any(|r| r.contains(needle))
}

#[test]
fn eight_byte_yamada_is_cp932_not_utf16() {
    let d = detect(&testdata("reading/yamada-8byte.sjis"));
    assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
    assert!(d.findings.is_empty());
    assert!(has_reason(&d, "not euc-jp"), "{:?}", d.reasons);
    assert!(
        has_reason(&d, "also valid as utf-16be, but less plausible"),
        "{:?}",
        d.reasons
    );
    assert!(
        d.confidence < 0.9,
        "an 8-byte file cannot be certain: {}",
        d.confidence
    );
}

#[test]
fn halfwidth_kana_only_is_cp932_although_valid_euc() {
    let bytes = testdata("reading/hankaku-kana.sjis");
    // The hard case: the same bytes are valid EUC-JP (as kanji).
    assert!(encoding_rs::EUC_JP
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .is_some());
    let d = detect(&bytes);
    assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
    assert!(has_reason(&d, "also valid as euc-jp"), "{:?}", d.reasons);
    assert!(has_reason(&d, "half-width katakana"), "{:?}", d.reasons);
    assert_eq!(d.census.halfwidth_kana, 12);
    assert!(d.confidence < 0.9);
}

#[test]
fn cp932_with_corrupt_bytes_names_them() {
    let d = detect(&testdata("reading/cp932-corrupt.sjis"));
    assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
    let offs: Vec<(FindingKind, u64)> =
        d.findings.iter().map(|f| (f.kind, f.byte_offset)).collect();
    assert_eq!(
        offs,
        vec![
            (FindingKind::InvalidSequence, 38),
            (FindingKind::InvalidSequence, 41)
        ]
    );
    assert!(d.findings[0].message.contains("FF"));
    assert!(has_reason(&d, "2 invalid sequences"), "{:?}", d.reasons);
    assert!(d.confidence < 0.9);
    assert_eq!(
        d.structure,
        Structure::Delimited {
            delimiter: ",".into(),
            fields: 2
        }
    );
}

#[test]
fn eucjp_with_ss2_kana() {
    let d = detect(&testdata("reading/eucjp-ss2.euc"));
    assert_eq!(d.encoding, Charset::EucJp, "{d:#?}");
    assert_eq!(d.census.halfwidth_kana, 14);
    assert!(has_reason(&d, "SS2"), "{:?}", d.reasons);
    assert_eq!(d.newline, Newline::Lf);
}

#[test]
fn utf16_without_bom() {
    let d = detect(&testdata("reading/utf16le-nobom.txt"));
    assert_eq!(d.encoding, Charset::Utf16Le, "{d:#?}");
    assert_eq!(d.bom, None);
    assert!(has_reason(&d, "no BOM"), "{:?}", d.reasons);
    assert_eq!(d.newline, Newline::Crlf);
    assert_eq!(
        d.structure,
        Structure::Delimited {
            delimiter: ",".into(),
            fields: 2
        }
    );
    // Big-endian: the same text, byte-swapped.
    let be: Vec<u8> = testdata("reading/utf16le-nobom.txt")
        .chunks(2)
        .flat_map(|c| [c[1], c[0]])
        .collect();
    assert_eq!(detect(&be).encoding, Charset::Utf16Be);
}

#[test]
fn boms_ascii_iso2022jp_utf8() {
    let d = detect(&testdata("reading/utf8-bom.csv"));
    assert_eq!((d.encoding, d.bom), (Charset::Utf8, Some(Charset::Utf8)));
    assert_eq!(
        detect(&testdata("reading/iso2022jp.txt")).encoding,
        Charset::Iso2022Jp
    );
    assert_eq!(detect(b"a,b\r\n1,2\r\n").encoding, Charset::Ascii);
    assert_eq!(detect("氏名,山田太郎\n".as_bytes()).encoding, Charset::Utf8);
    let mut le = vec![0xFF, 0xFE];
    le.extend("山田\r\n".encode_utf16().flat_map(u16::to_le_bytes));
    let d = detect(&le);
    assert_eq!(
        (d.encoding, d.bom),
        (Charset::Utf16Le, Some(Charset::Utf16Le))
    );
}

#[test]
fn structure_fixed_with_and_without_terminators() {
    let d = detect(&testdata("reading/juki-5.sjis"));
    assert_eq!(
        d.structure,
        Structure::Fixed {
            record_length: 300,
            terminated: true
        },
        "{d:#?}"
    );
    assert_eq!(d.newline, Newline::Crlf);
    assert_eq!(d.gaiji, 3);
    assert_eq!(d.census.user_defined, 3);
    let d = detect(&testdata("reading/juki-noterm.sjis"));
    assert_eq!(
        d.structure,
        Structure::Fixed {
            record_length: 300,
            terminated: false
        },
        "{d:#?}"
    );
    assert_eq!(d.newline, Newline::None);
}

#[test]
fn census_counts_extension_areas() {
    // ① (NEC row 13), 纊 as ED40 (NEC-selected IBM), 纊 as FA5C (IBM), 外字 F040.
    let d = detect(b"\x87\x40\xED\x40\xFA\x5C\xF0\x40\x8E\x52\x93\x63\r\n");
    assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
    assert_eq!(
        (
            d.census.nec_row13,
            d.census.nec_selected_ibm,
            d.census.ibm_extension,
            d.census.user_defined
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(d.gaiji, 1);
}

#[test]
fn every_finding_kind() {
    // empty
    assert_eq!(detect(b"").findings[0].kind, FindingKind::Empty);
    // invalid_sequence, with the byte offset
    let mut text = crate::testdata("reading/juki-5.sjis");
    text[20] = 0xFF;
    let d = detect(&text);
    assert_eq!(d.encoding, Charset::Cp932);
    assert_eq!(
        (d.findings[0].kind, d.findings[0].byte_offset),
        (FindingKind::InvalidSequence, 20)
    );
    // cut_character: the file ends with half of 郎
    let mut cut = "山田太郎\r\n".repeat(20).into_bytes();
    cut = ikou_cleanse::encode::encode_cp932(std::str::from_utf8(&cut).unwrap()).unwrap();
    cut.extend_from_slice(b"\x98");
    let d = detect(&cut);
    assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
    let last = d.findings.last().unwrap();
    assert_eq!(
        (last.kind, last.byte_offset),
        (FindingKind::CutCharacter, cut.len() as u64 - 1)
    );
    // nul_bytes in a text file
    let mut nul = crate::testdata("reading/juki-5.sjis");
    nul[100] = 0;
    let d = detect(&nul);
    assert_eq!(d.encoding, Charset::Cp932);
    let f = d
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::NulBytes)
        .unwrap();
    assert_eq!(f.byte_offset, 100);
}

#[test]
fn json_has_the_documented_keys() {
    let d = detect(&testdata("reading/juki-5.sjis"));
    let v = serde_json::to_value(&d).unwrap();
    for k in [
        "path",
        "encoding",
        "confidence",
        "bom",
        "newline",
        "eof_marker",
        "structure",
        "census",
        "gaiji",
        "findings",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["encoding"], "cp932");
    assert_eq!(v["newline"], "crlf");
    assert_eq!(
        v["structure"],
        serde_json::json!({"kind": "fixed", "record_length": 300, "terminated": true})
    );
    assert_eq!(v["census"]["user_defined"], 3);
}

#[test]
fn detect_path_samples_large_files() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("detect-large");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("big.sjis");
    let rec = crate::testdata("reading/juki-5.sjis");
    let mut data = Vec::new();
    while data.len() < 3 << 20 {
        data.extend_from_slice(&rec);
    }
    // A corrupt byte near the end, in the sampled tail.
    let n = data.len();
    data[n - 100] = 0xFF;
    std::fs::write(&p, &data).unwrap();
    let d = ikou_cleanse::detect::detect_path(&p).unwrap();
    assert!(d.sampled);
    assert!(d.examined < 250_000, "{}", d.examined);
    assert_eq!(d.encoding, Charset::Cp932);
    assert_eq!(
        d.structure,
        Structure::Fixed {
            record_length: 300,
            terminated: true
        }
    );
    assert!(
        d.findings.iter().any(|f| f.byte_offset == n as u64 - 100),
        "{:?}",
        d.findings
    );
    assert_eq!(d.path.as_deref(), Some(p.display().to_string().as_str()));
}
