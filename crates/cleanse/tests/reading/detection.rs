//! Every hard detection case, decided by evidence and explained.

use crate::{shared, testdata};
use ikou_cleanse::charset::Charset;
use ikou_cleanse::detect::{detect, ByteFindingKind, Newline, Structure};

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
    let offs: Vec<(ByteFindingKind, u64)> =
        d.findings.iter().map(|f| (f.kind, f.byte_offset)).collect();
    assert_eq!(
        offs,
        vec![
            (ByteFindingKind::InvalidSequence, 38),
            (ByteFindingKind::InvalidSequence, 41)
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
    assert_eq!(detect(b"").findings[0].kind, ByteFindingKind::Empty);
    // invalid_sequence, with the byte offset
    let mut text = crate::testdata("reading/juki-5.sjis");
    text[20] = 0xFF;
    let d = detect(&text);
    assert_eq!(d.encoding, Charset::Cp932);
    assert_eq!(
        (d.findings[0].kind, d.findings[0].byte_offset),
        (ByteFindingKind::InvalidSequence, 20)
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
        (ByteFindingKind::CutCharacter, cut.len() as u64 - 1)
    );
    // nul_bytes in a text file
    let mut nul = crate::testdata("reading/juki-5.sjis");
    nul[100] = 0;
    let d = detect(&nul);
    assert_eq!(d.encoding, Charset::Cp932);
    let f = d
        .findings
        .iter()
        .find(|f| f.kind == ByteFindingKind::NulBytes)
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

/// #14 reading fidelity: valid UTF-8 with non-ASCII text that is not Japanese (made by
/// `testdata/reading/make_fidelity.py`) is UTF-8 — a whole file that is valid UTF-8 wins.
#[test]
fn issue14_valid_utf8_that_is_not_japanese_is_utf8() {
    for (f, min_conf) in [
        ("utf8-greek.csv", 0.9),
        ("utf8-hebrew.csv", 0.9),
        ("utf8-russian.csv", 0.9),
        ("utf8-hungarian.csv", 0.9),
        // One ä (C3 A4, also ﾃ､ in CP932): UTF-8, with less confidence.
        ("utf8-finnish-name.csv", 0.7),
    ] {
        let d = detect(&testdata(&format!("reading/{f}")));
        assert_eq!(d.encoding, Charset::Utf8, "{f}: {d:#?}");
        assert!(d.confidence >= min_conf, "{f}: {}", d.confidence);
        assert!(
            has_reason(&d, "valid utf-8 throughout"),
            "{f}: {:?}",
            d.reasons
        );
        assert!(d.findings.is_empty(), "{f}: {:?}", d.findings);
    }
    // encoding.js's UTF-8 test files (JIS X 0212 characters, surrogate pairs) too.
    if let Some(sh) = shared() {
        for f in [
            "jis-x-0212-utf8.txt",
            "surrogate-pairs-utf8.txt",
            "jis-x-0208-utf8.txt",
        ] {
            let d = detect(&std::fs::read(sh.join("peer_tests/encoding-js").join(f)).unwrap());
            assert_eq!(d.encoding, Charset::Utf8, "{f}: {:?}", d.reasons);
        }
    }
}

/// #14: Korean (EUC-KR) and Chinese (GB2312, Big5) text is not called EUC-JP / CP932 with
/// high confidence: a `not_japanese` finding and confidence at most 0.5.
#[test]
fn issue14_korean_and_chinese_are_not_japanese_with_high_confidence() {
    for f in ["euckr.txt", "gb2312.txt", "big5.txt"] {
        let d = detect(&testdata(&format!("reading/{f}")));
        assert!(d.confidence <= 0.5, "{f}: {} {:?}", d.confidence, d.reasons);
        assert!(
            d.findings
                .iter()
                .any(|x| x.kind == ByteFindingKind::NotJapanese),
            "{f}: {:?}",
            d.findings
        );
        assert!(
            has_reason(&d, "does not look Japanese"),
            "{f}: {:?}",
            d.reasons
        );
    }
    // Kana-less Japanese (an address list, a names list) is not flagged.
    let cp932 = |s: &str| ikou_cleanse::encode::encode_cp932(s).unwrap();
    for text in [
        "北海道札幌市中央区北一条西,神奈川県横浜市西区高島,福岡県福岡市博多区博多駅前,愛知県名古屋市中村区名駅\r\n",
        "佐藤健一,鈴木美香,高橋和也,田中誠,伊藤直子,渡辺浩二,山本恵子,中村大輔\r\n",
    ] {
        let d = detect(&cp932(text));
        assert_eq!(d.encoding, Charset::Cp932, "{text}");
        assert!(
            !d.findings.iter().any(|x| x.kind == ByteFindingKind::NotJapanese),
            "{text}: {:?}",
            d.reasons
        );
        assert!(d.confidence > 0.5, "{text}: {}", d.confidence);
    }
    // Nor is the sample, nor half-width kana data.
    for f in [
        "sample/juki-1000.dat",
        "reading/hankaku-kana.sjis",
        "reading/juki-5.sjis",
    ] {
        let d = detect(&testdata(f));
        assert!(
            !d.findings
                .iter()
                .any(|x| x.kind == ByteFindingKind::NotJapanese),
            "{f}: {:?}",
            d.reasons
        );
    }
}

/// #14: ISO-2022-JP with a cut escape sequence, or a stray ESC in ASCII, is flagged (it was
/// `ascii`, confidence 1, no finding); a one-character ISO-2022-JP file is detected.
#[test]
fn issue14_broken_and_one_character_iso2022jp() {
    let d = detect(&testdata("reading/iso2022jp-broken-escape.txt"));
    assert_eq!(d.encoding, Charset::Iso2022Jp, "{d:#?}");
    assert_eq!(
        d.findings
            .iter()
            .map(|f| (f.kind, f.byte_offset))
            .collect::<Vec<_>>(),
        [(ByteFindingKind::InvalidSequence, 4)]
    );
    assert!(d.confidence < 0.9);

    let d = detect(&testdata("reading/iso2022jp-stray-escape.txt"));
    assert_eq!(d.encoding, Charset::Ascii);
    assert_eq!(
        d.findings
            .iter()
            .map(|f| (f.kind, f.byte_offset))
            .collect::<Vec<_>>(),
        [(ByteFindingKind::StrayEscape, 11)]
    );
    assert!(d.confidence <= 0.5);

    let d = detect(&testdata("reading/iso2022jp-one-char.txt"));
    assert_eq!(d.encoding, Charset::Iso2022Jp, "{d:#?}");
    assert!(d.findings.is_empty());
    for one in [
        &b"\x1b$B$\"\x1b(B"[..], // あ
        b"\x1b(I1\x1b(B",        // ｱ (JIS X 0201 katakana)
        b"\x1b$B;3",             // 山, no return to ASCII
    ] {
        assert_eq!(detect(one).encoding, Charset::Iso2022Jp, "{one:02X?}");
    }
    // Plain ASCII is still ASCII with full confidence and no finding.
    let d = detect(b"Yamada Taro\r\n");
    assert_eq!((d.encoding, d.confidence), (Charset::Ascii, 1.0));
    assert!(d.findings.is_empty());
}
