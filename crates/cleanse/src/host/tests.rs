//! Tests of the host code pages: hand-written byte vectors, every mapping of every table
//! round-tripped, the IBM tables against ICU's `uconv`, and the generated files' freshness.
#![allow(clippy::print_stderr, clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn codec(label: &str) -> HostCodec {
    HostCodec::for_label(label).unwrap()
}

fn dec(label: &str, bytes: &[u8], kind: ItemKind) -> HostDecoded {
    codec(label).decode(bytes, kind).unwrap()
}

fn iss(offset: usize, len: usize, kind: HostIssueKind) -> HostIssue {
    HostIssue { offset, len, kind }
}

use crate::testkit::skip;

#[test]
fn every_label_loads_and_unknown_is_refused() {
    for l in LABELS {
        assert_eq!(codec(l).label(), *l);
    }
    assert_eq!(
        HostCodec::for_label("ibm-037").unwrap_err(),
        HostError::UnknownLabel("ibm-037".into())
    );
}

#[test]
fn hand_vectors_ibm() {
    // ibm-930: SBCS 0xC1 'A', 0x81 half-width ｱ; DBCS 0x4481 あ, 0x4541 一 (checked with uconv).
    let d = dec(
        "ibm-930",
        &[0xC1, 0x0E, 0x44, 0x81, 0x45, 0x41, 0x0F, 0x81],
        ItemKind::Mixed,
    );
    assert_eq!(d.text, "Aあ一ｱ");
    assert!(d.issues.is_empty());
    // ibm-939: SBCS 0x81 is 'a'.
    assert_eq!(dec("ibm-939", &[0x81], ItemKind::Mixed).text, "a");
    // A pure double-byte (N) item: no shifts; 0x4040 is the ideographic space.
    let d = dec("ibm-1390", &[0x44, 0x81, 0x40, 0x40], ItemKind::Double);
    assert_eq!(d.text, "あ\u{3000}");
    // The IBM user-defined area decodes to the PUA as the ICU table says, reported as 外字.
    let d = dec("ibm-1390", &[0x0E, 0x69, 0x41, 0x0F], ItemKind::Mixed);
    assert_eq!(d.text, "\u{E000}");
    assert_eq!(
        d.issues,
        vec![iss(
            1,
            2,
            HostIssueKind::Gaiji {
                code: 0x6941,
                pua: '\u{E000}'
            }
        )]
    );
}

#[test]
fn hand_vectors_jef_keis_jips() {
    // JEF: K (0x28) and K1 (0x38) shift in, A (0x29) shifts out; A4A2 = あ.
    let d = dec(
        "jef",
        &[0xC1, 0x28, 0xA4, 0xA2, 0x29, 0x38, 0xA4, 0xA2, 0x29],
        ItemKind::Mixed,
    );
    assert_eq!(d.text, "Aああ");
    assert!(d.issues.is_empty());
    // 41A5 is 丈 with the Hanyo-Denshi IVS: decodes to the sequence, not the bare base.
    assert_eq!(
        dec("jef", &[0x41, 0xA5], ItemKind::Double).text,
        "\u{4E08}\u{E0103}"
    );
    // JEF user area 0x80A1.. → U+E000..
    let d = dec("jef", &[0x80, 0xA1, 0xA0, 0xFE], ItemKind::Double);
    assert_eq!(d.text, "\u{E000}\u{EC1D}");
    assert_eq!(d.issues.len(), 2);
    // An unmappable JEF code (the source has no Unicode for it): reported, left out.
    let d = dec("jef", &[0x72, 0xA8], ItemKind::Double);
    assert_eq!(d.text, "");
    assert_eq!(
        d.issues,
        vec![iss(0, 2, HostIssueKind::Unmapped { code: 0x72A8 })]
    );
    // A substitution mapping is reported as approximate.
    let d = dec("jef", &[0x71, 0xAD], ItemKind::Double);
    assert_eq!(d.text, "\u{1B02A}");
    assert_eq!(
        d.issues,
        vec![iss(
            0,
            2,
            HostIssueKind::Approximate {
                code: 0x71AD,
                text: "\u{1B02A}".into()
            }
        )]
    );
    // A decode-only (one-way) code is reported with its text: JEF A1A1 is U+3000, which
    // encodes to 4040.
    let d = dec("jef", &[0xA1, 0xA1], ItemKind::Double);
    assert_eq!(d.text, "\u{3000}");
    assert_eq!(
        d.issues,
        vec![iss(
            0,
            2,
            HostIssueKind::OneWay {
                code: 0xA1A1,
                text: "\u{3000}".into()
            }
        )]
    );
    assert_eq!(
        codec("jef").encode("\u{3000}", ItemKind::Double).unwrap(),
        vec![0x40, 0x40]
    );
    assert_eq!(codec("jef").family(), "JEF");
    assert_eq!(super::code_notation("JEF", 0xA1A1), "JEF+A1A1");
    assert_eq!(super::code_notation("KEIS", 0x7F), "KEIS+7F");
    // KEIS: 0x0A42 in, 0x0A41 out; user area 0x81A1 → U+E000.
    let d = dec(
        "keis83",
        &[0xC1, 0x0A, 0x42, 0xA4, 0xA2, 0x81, 0xA1, 0x0A, 0x41],
        ItemKind::Mixed,
    );
    assert_eq!(d.text, "Aあ\u{E000}");
    assert_eq!(
        d.issues,
        vec![iss(
            5,
            2,
            HostIssueKind::Gaiji {
                code: 0x81A1,
                pua: '\u{E000}'
            }
        )]
    );
    // JIPS(J): 0x1A70 / 0x1A71, JIS codes; JIPS(E): 0x3F75 / 0x3F76, EBCDIK-translated bytes.
    assert_eq!(
        dec(
            "jips-jis8",
            &[0x1A, 0x70, 0x24, 0x22, 0x1A, 0x71],
            ItemKind::Mixed
        )
        .text,
        "あ"
    );
    assert_eq!(
        dec(
            "jips",
            &[0x3F, 0x75, 0xE0, 0x7F, 0x3F, 0x76],
            ItemKind::Mixed
        )
        .text,
        "あ"
    );
    // JIPS user area row 0x74 → U+E000.
    assert_eq!(
        dec("jips-jis8", &[0x74, 0x21], ItemKind::Double).text,
        "\u{E000}"
    );
}

#[test]
fn issues_serialize_like_decode_issues() {
    let d = dec(
        "ibm-930",
        &[0x0E, 0x69, 0x41, 0xFE, 0xFE, 0x0F, 0xFE],
        ItemKind::Mixed,
    );
    let json = serde_json::to_string(&d.issues).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"[{"offset":1,"len":2,"kind":"gaiji","code":"6941","pua":""#,
            "\u{E000}",
            r#""},{"offset":3,"len":2,"kind":"unmapped","code":"FEFE"},"#,
            r#"{"offset":6,"len":1,"kind":"unmapped","code":"FE"}]"#
        )
    );
}

#[test]
fn shift_findings_have_offsets() {
    // Doubled shift-in, stray shift-out.
    let d = dec(
        "ibm-930",
        &[0x0E, 0x0E, 0x44, 0x81, 0x0F, 0x0F],
        ItemKind::Mixed,
    );
    assert_eq!(d.text, "あ");
    assert_eq!(
        d.issues,
        vec![
            iss(1, 1, HostIssueKind::ShiftDoubled),
            iss(5, 1, HostIssueKind::ShiftDoubled)
        ]
    );
    // Missing shift-out at the end of the item: reported at the shift-in.
    let d = dec("ibm-930", &[0xC1, 0x0E, 0x44, 0x81], ItemKind::Mixed);
    assert_eq!(d.text, "Aあ");
    assert_eq!(d.issues, vec![iss(1, 1, HostIssueKind::ShiftNotClosed)]);
    // Cut double-byte character at the end (and the shift not closed).
    let d = dec("ibm-930", &[0x0E, 0x44, 0x81, 0x44], ItemKind::Mixed);
    assert_eq!(d.text, "あ");
    assert_eq!(
        d.issues,
        vec![
            iss(0, 1, HostIssueKind::ShiftNotClosed),
            iss(3, 1, HostIssueKind::CutCharacter)
        ]
    );
    // A two-byte shift cut by the item end; a shift prefix followed by something else.
    let d = dec("keis78", &[0xC1, 0x0A], ItemKind::Mixed);
    assert_eq!(d.issues, vec![iss(1, 1, HostIssueKind::ShiftCut)]);
    let d = dec("keis78", &[0x0A, 0xC1], ItemKind::Mixed);
    assert_eq!(d.text, "A");
    assert_eq!(d.issues, vec![iss(0, 1, HostIssueKind::Malformed)]);
    // Odd length N item.
    let d = dec("jef", &[0xA4, 0xA2, 0xA4], ItemKind::Double);
    assert_eq!(d.issues, vec![iss(2, 1, HostIssueKind::CutCharacter)]);
    // Out-of-range lead byte in double-byte mode.
    let d = dec("ibm-930", &[0x0E, 0x20, 0x44, 0x81, 0x0F], ItemKind::Mixed);
    assert_eq!(d.issues, vec![iss(1, 1, HostIssueKind::Malformed)]);
    // Shift-in cut in the middle of a code: the lead byte stands alone.
    let d = dec("jef", &[0x28, 0xA4, 0x29], ItemKind::Mixed);
    assert_eq!(d.issues, vec![iss(1, 1, HostIssueKind::Malformed)]);
}

#[test]
fn encode_mixed_items_and_refusals() {
    let c = codec("ibm-930");
    assert_eq!(
        c.encode("Aあ一ｱ", ItemKind::Mixed).unwrap(),
        vec![0xC1, 0x0E, 0x44, 0x81, 0x45, 0x41, 0x0F, 0x81]
    );
    assert_eq!(c.encode("あ", ItemKind::Double).unwrap(), vec![0x44, 0x81]);
    assert_eq!(
        c.encode("A\u{1F600}", ItemKind::Mixed).unwrap_err(),
        HostError::Unencodable {
            offset: 1,
            ch: '\u{1F600}'
        }
    );
    // Single-byte characters have no place in a pure double-byte item.
    assert!(c.encode("A", ItemKind::Double).is_err());
    assert_eq!(
        codec("jef")
            .encode("\u{4E08}\u{E0103}", ItemKind::Double)
            .unwrap(),
        vec![0x41, 0xA5]
    );
    assert_eq!(
        codec("jips").encode("あ", ItemKind::Mixed).unwrap(),
        vec![0x3F, 0x75, 0xE0, 0x7F, 0x3F, 0x76]
    );
}

/// Figures of one label's exhaustive round trip.
#[derive(Debug, Default)]
struct Figures {
    sb: usize,
    db: usize,
    one_way: usize,
    user: usize,
}

fn round_trip_label(label: &str) -> Figures {
    let c = codec(label);
    let (sb, db) = c.tables().unwrap();
    let mut f = Figures::default();
    // Every double-byte code, as an N item and as a shifted run in an M item.
    for (&code, e) in &db.db {
        let bytes = vec![
            c.table_to_item((code >> 8) as u8).unwrap(),
            c.table_to_item((code & 0xFF) as u8).unwrap(),
        ];
        let d = c.decode(&bytes, ItemKind::Double).unwrap();
        assert_eq!(d.text, e.text, "{label} {code:04X}");
        assert!(
            d.issues.iter().all(|i| matches!(
                i.kind,
                HostIssueKind::Approximate { .. }
                    | HostIssueKind::OneWay { .. }
                    | HostIssueKind::Gaiji { .. }
            )),
            "{label} {code:04X}: {:?}",
            d.issues
        );
        // Every inexact code is reported (issue #16: it is a change of the value), exactly.
        let inexact: Vec<_> = d
            .issues
            .iter()
            .filter(|i| !matches!(i.kind, HostIssueKind::Gaiji { .. }))
            .map(|i| i.kind.clone())
            .collect();
        // The code as it stands in the item (JIPS(E): the EBCDIK bytes).
        let raw = bytes.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b));
        let want = if e.approximate {
            vec![HostIssueKind::Approximate {
                code: raw,
                text: e.text.clone(),
            }]
        } else if e.decode_only {
            vec![HostIssueKind::OneWay {
                code: raw,
                text: e.text.clone(),
            }]
        } else {
            vec![]
        };
        assert_eq!(inexact, want, "{label} {code:04X}");
        assert!(!d.text.contains('\u{FFFD}'), "{label} {code:04X}");
        let back = c.encode(&d.text, ItemKind::Double).unwrap();
        if e.decode_only {
            f.one_way += 1;
            assert_ne!(back, bytes, "{label} {code:04X} is marked one-way");
            assert_eq!(
                c.decode(&back, ItemKind::Double).unwrap().text,
                d.text,
                "{label} {code:04X}"
            );
        } else {
            assert_eq!(back, bytes, "{label} {code:04X}");
            if !sb.sb_enc.contains_key(&d.text) {
                let mut m = c.shifts.shift_in().to_vec();
                m.extend_from_slice(&bytes);
                m.extend_from_slice(c.shifts.shift_out());
                let dm = c.decode(&m, ItemKind::Mixed).unwrap();
                assert_eq!(dm.text, d.text);
                assert_eq!(
                    c.encode(&dm.text, ItemKind::Mixed).unwrap(),
                    m,
                    "{label} {code:04X}"
                );
            }
        }
        f.db += 1;
    }
    // Every single-byte code that is not a shift byte.
    for (&code, e) in &sb.sb {
        let b = code as u8;
        if c.shifts.reserved(b) {
            continue;
        }
        let d = c.decode(&[b], ItemKind::Mixed).unwrap();
        assert_eq!(d.text, e.text, "{label} {b:02X}");
        let back = c.encode(&d.text, ItemKind::Mixed).unwrap();
        if e.decode_only {
            f.one_way += 1;
            assert!(
                d.issues.iter().any(|i| matches!(
                    i.kind,
                    HostIssueKind::OneWay { .. } | HostIssueKind::Approximate { .. }
                )),
                "{label} {b:02X} is one-way: {:?}",
                d.issues
            );
            assert_eq!(c.decode(&back, ItemKind::Mixed).unwrap().text, d.text);
        } else {
            assert_eq!(back, vec![b], "{label} {b:02X}");
        }
        f.sb += 1;
    }
    // Every code of the vendor's user-defined area.
    for hi in 0u16..=0xFF {
        for lo in 0u16..=0xFF {
            let code = (hi << 8) | lo;
            if let Some(pua) = c.user_area(code) {
                assert!(
                    !db.db.contains_key(&code),
                    "{label} {code:04X} is both table and user area"
                );
                assert_eq!(c.user_code(pua), Some(code));
                let bytes = vec![
                    c.table_to_item(hi as u8).unwrap(),
                    c.table_to_item(lo as u8).unwrap(),
                ];
                let d = c.decode(&bytes, ItemKind::Double).unwrap();
                assert_eq!(d.text, pua.to_string());
                assert_eq!(c.encode(&d.text, ItemKind::Double).unwrap(), bytes);
                f.user += 1;
            }
        }
    }
    f
}

#[test]
fn issue16_every_mapping_of_every_table_round_trips() {
    for l in LABELS {
        let f = round_trip_label(l);
        assert!(f.db > 6000 && f.sb > 150, "{l}: {f:?}");
        eprintln!("round trip {l}: {f:?}");
    }
}

/// Runs uconv on `input`; `None` when it is not installed.
fn uconv(name: &str, input: &[u8]) -> Option<String> {
    use std::io::Write;
    let mut child = Command::new("uconv")
        .args(["-f", name, "-t", "utf-8", "--from-callback", "escape"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let data = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    assert!(out.status.success(), "uconv {name} failed");
    Some(String::from_utf8(out.stdout).unwrap())
}

fn is_escape(s: &str) -> bool {
    !s.is_empty() && s.len() % 4 == 0 && s.as_bytes().chunks(4).all(|c| c.starts_with(b"%X"))
}

#[test]
fn issue16_ibm_tables_agree_with_icu_uconv_on_every_code() {
    if uconv("ibm-930", b"\xC1").is_none() {
        skip("uconv (ICU, Debian icu-devtools) is not installed");
        return;
    }
    for label in ["ibm-930", "ibm-939", "ibm-1390", "ibm-1399"] {
        let c = codec(label);
        let (sb, db) = c.tables().unwrap();
        // Every single byte but SO/SI, each followed by SO 0x4040 SI as a separator.
        let sbytes: Vec<u8> = (0u8..=0xFF).filter(|b| !matches!(b, 0x0E | 0x0F)).collect();
        let input: Vec<u8> = sbytes
            .iter()
            .flat_map(|&b| [b, 0x0E, 0x40, 0x40, 0x0F])
            .collect();
        let out = uconv(label, &input).unwrap();
        let parts: Vec<&str> = out.split('\u{3000}').collect();
        assert_eq!(parts.len(), sbytes.len() + 1);
        for (&b, icu) in sbytes.iter().zip(&parts) {
            let ours = sb.sb.get(&u16::from(b)).map(|e| e.text.as_str());
            let icu = (!is_escape(icu) && !icu.contains('\u{FFFD}')).then_some(*icu);
            assert_eq!(ours, icu, "{label} single byte {b:02X}");
        }
        // Every double-byte code 0x4040 and 0x41..0xFE × 0x41..0xFE.
        let mut codes = vec![0x4040u16];
        for b1 in 0x41u16..=0xFE {
            for b2 in 0x41u16..=0xFE {
                codes.push((b1 << 8) | b2);
            }
        }
        let input: Vec<u8> = codes
            .iter()
            .flat_map(|&c| [0x0E, (c >> 8) as u8, (c & 0xFF) as u8, 0x0F, 0x40])
            .collect();
        let out = uconv(label, &input).unwrap();
        let parts: Vec<&str> = out.split(' ').collect();
        assert_eq!(parts.len(), codes.len() + 1);
        let mut mapped = 0;
        for (&code, icu) in codes.iter().zip(&parts) {
            let ours = db.db.get(&code).map(|e| e.text.as_str());
            let icu = (!is_escape(icu) && !icu.contains('\u{FFFD}')).then_some(*icu);
            assert_eq!(ours, icu, "{label} double byte {code:04X}");
            mapped += usize::from(ours.is_some());
        }
        // And our decoder gives ICU's text for a whole mixed stream.
        assert!(mapped > 10000, "{label}: {mapped}");
        eprintln!(
            "uconv agrees on {label}: {} single, {mapped} double-byte codes",
            sb.sb.len()
        );
    }
}

#[test]
fn issue16_generated_tables_are_fresh() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("scripts/gen-host-tables.py");
    let Some(shared) = crate::testkit::shared() else {
        return;
    };
    let jef4j = shared.join("host/jef4j");
    if !jef4j.is_dir() {
        skip(&format!("{} is absent", jef4j.display()));
        return;
    }
    let mut cmd = Command::new("python3");
    cmd.arg(&script).arg("--check").arg("--jef4j").arg(&jef4j);
    let have_uconv = uconv("ibm-930", b"\xC1").is_some();
    if !have_uconv {
        cmd.arg("--no-icu");
    }
    let Ok(out) = cmd.output() else {
        skip("python3 is not installed");
        return;
    };
    assert!(
        out.status.success(),
        "generated tables are stale: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The check can fail: against an empty folder it reports every file stale.
    let empty = std::env::temp_dir().join(format!("ikou-host-fresh-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .args(["--check", "--no-icu", "--jef4j"])
        .arg(&jef4j)
        .arg("--out")
        .arg(&empty)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("STALE"));
    if !have_uconv {
        skip("uconv is not installed");
    }
}

proptest! {
    #[test]
    fn decode_never_panics_nor_writes_replacement(bytes in proptest::collection::vec(any::<u8>(), 0..64),
                                                 which in 0usize..17, double in any::<bool>()) {
        let c = codec(LABELS[which % LABELS.len()]);
        let kind = if double { ItemKind::Double } else { ItemKind::Mixed };
        let d = c.decode(&bytes, kind).unwrap();
        prop_assert!(!d.text.contains(char::REPLACEMENT_CHARACTER), "replacement character");
        for i in &d.issues {
            prop_assert!(i.offset + i.len <= bytes.len());
        }
        // Whatever decoded cleanly encodes back to the same bytes in N items.
        if double && d.issues.is_empty() && bytes.len() % 2 == 0 {
            let back = c.encode(&d.text, kind).unwrap();
            prop_assert_eq!(c.decode(&back, kind).unwrap().text, d.text);
        }
    }
}

/// Texts of the encodable codes of a label (single-byte when `sb`), sorted for determinism.
fn encodable(label: &str, sb: bool) -> Vec<String> {
    let c = codec(label);
    let (s, d) = c.tables().unwrap();
    let mut v: Vec<String> = if sb {
        s.sb_enc
            .iter()
            .filter(|(_, code)| !c.shifts.reserved(**code as u8))
            .map(|(t, _)| t.clone())
            .collect()
    } else {
        d.db_enc.keys().cloned().collect()
    };
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn mixed_text_round_trips(which in 0usize..17, picks in proptest::collection::vec((any::<bool>(), any::<usize>()), 0..24)) {
        let label = LABELS[which % LABELS.len()];
        let (sbt, dbt) = (encodable(label, true), encodable(label, false));
        let text: String = picks
            .iter()
            .map(|(sb, i)| if *sb { sbt[i % sbt.len()].as_str() } else { dbt[i % dbt.len()].as_str() })
            .collect();
        let c = codec(label);
        let bytes = c.encode(&text, ItemKind::Mixed).unwrap();
        let d = c.decode(&bytes, ItemKind::Mixed).unwrap();
        prop_assert_eq!(&d.text, &text);
        prop_assert!(d.issues.iter().all(|i| matches!(i.kind, HostIssueKind::Approximate { .. } | HostIssueKind::Gaiji { .. })), "{:?}", d.issues);
        // Encoding is deterministic and stable: the decoded text encodes to the same bytes.
        prop_assert_eq!(c.encode(&d.text, ItemKind::Mixed).unwrap(), bytes);
    }
}

/// The run's decoder (`CharProfile`) on host items: 外字 through the municipality's table by
/// host code, shift and unmapped problems as rejecting issues with their offsets.
#[test]
fn issue16_char_profile_decodes_host_items_with_the_gaiji_table() {
    use crate::charset::Charset;
    use crate::decode::{CharProfile, DecodeIssueKind};
    use crate::gaiji::{GaijiMapping, GaijiTable};
    let mut table = GaijiTable::new();
    table.insert(GaijiMapping {
        code: 0x80A1,
        replacement: "髙".into(),
        mj: None,
        note: None,
    });
    let cs = Charset::from_label("jef").unwrap();
    let p = CharProfile::new(cs).unwrap().with_gaiji(table);
    let jef = codec("jef");
    let (mut out, mut issues) = (String::new(), Vec::new());
    // A, K, あ, 外字 80A1 (mapped), 外字 80A2 (unmapped), A.
    let item = [0xC1, 0x28, 0xA4, 0xA2, 0x80, 0xA1, 0x80, 0xA2, 0x29];
    let ok = p.decode_item(&item, &mut out, &mut issues);
    assert_eq!(out, "Aあ髙\u{E001}");
    assert!(!ok, "an unmapped 外字 rejects by default");
    assert!(matches!(
        issues[0].kind,
        DecodeIssueKind::GaijiMapped { code: 0x80A1, .. }
    ));
    assert_eq!(issues[0].offset, 4);
    assert!(matches!(
        issues[1].kind,
        DecodeIssueKind::GaijiUnmapped {
            code: 0x80A2,
            reject: true,
            ..
        }
    ));
    // The same bytes as an N item (no shifts): 28 C1 … are not JEF double-byte codes.
    out.clear();
    issues.clear();
    let ok = p.decode_host_item(
        &jef,
        ItemKind::Double,
        &[0xA4, 0xA2, 0x80, 0xA1],
        &mut out,
        &mut issues,
    );
    assert!(ok);
    assert_eq!(out, "あ髙");
    // A shift-in never closed: a rejecting issue at the shift-in's offset.
    out.clear();
    issues.clear();
    let ok = p.decode_item(&[0xC1, 0xC1, 0x28, 0xA4, 0xA2], &mut out, &mut issues);
    assert!(!ok);
    assert_eq!(out, "AAあ");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].offset, 2);
    assert_eq!(
        issues[0].kind,
        DecodeIssueKind::Shift {
            problem: "not_closed"
        }
    );
    assert!(
        issues[0].to_string().contains("item byte 2"),
        "{}",
        issues[0]
    );
    // An unmapped code: left out, rejects, offset kept; no U+FFFD anywhere.
    out.clear();
    issues.clear();
    let ok = p.decode_host_item(
        &jef,
        ItemKind::Double,
        &[0xA4, 0xA2, 0x72, 0xA8],
        &mut out,
        &mut issues,
    );
    assert!(!ok);
    assert_eq!(out, "あ");
    assert_eq!(issues[0].kind, DecodeIssueKind::Unmapped { code: 0x72A8 });
    assert_eq!(issues[0].offset, 2);
    let json = serde_json::to_value(&issues[0]).unwrap();
    assert_eq!(json["kind"], "decode.unmapped");
    assert_eq!(json["code"], "72A8");
    assert!(!out.contains('\u{FFFD}'));
}

/// Layout items by their storage: zoned / packed / binary numbers to canonical decimal text
/// (or zero-padded integers for codes and dates), bad bytes as rejecting `number` issues with
/// the byte offset; host text by its item kind.
#[test]
fn issue16_layout_items_decode_by_their_storage() {
    use crate::charset::Charset;
    use crate::decode::{CharProfile, DecodeIssueKind};
    use ikou_layout_spec::{DomainType, HostKind, Representation, ZoneForm, ZonedSign};
    let layout = ikou_layout_spec::parse_layout(
        "id = \"legacy/t\"\nname = \"t\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\nencoding = \"jef\"\n[format]\nkind = \"fixed\"\nrecord_length = 4\nterminator = \"none\"\n[[items]]\nnumber = 1\nname = \"n\"\nkey = \"k\"\ntype = \"text\"\nlength = 4\n",
        "t.toml",
    )
    .unwrap();
    let mut item = layout.items[0].clone();
    let p = CharProfile::new(Charset::from_label("jef").unwrap()).unwrap();
    let run = |item: &ikou_layout_spec::Item, bytes: &[u8]| {
        let (mut out, mut issues) = (String::new(), Vec::new());
        let ok = p.decode_layout_item(item, bytes, &mut out, &mut issues);
        (ok, out, issues)
    };
    // Amount: packed S9(5)V99 = -1234.50 → 0x0123450D.
    item.domain = DomainType::Amount;
    item.representation = Representation::Packed {
        digits: 7,
        scale: 2,
        signed: true,
    };
    assert_eq!(run(&item, &[0x01, 0x23, 0x45, 0x0D]).1, "-1234.50");
    // A bad nibble: rejected with its offset, never a zero.
    let (ok, out, issues) = run(&item, &[0x01, 0x2A, 0x45, 0x0D]);
    assert!(!ok);
    assert_eq!(out, "");
    assert_eq!(
        issues[0].kind,
        DecodeIssueKind::Number {
            problem: "bad_digit"
        }
    );
    assert_eq!(issues[0].offset, 1);
    assert!(issues[0].to_string().contains("item byte 1"));
    // A bad sign nibble.
    let (ok, _, issues) = run(&item, &[0x01, 0x23, 0x45, 0x0E]);
    assert!(!ok);
    assert_eq!(
        issues[0].kind,
        DecodeIssueKind::Number {
            problem: "bad_sign"
        }
    );
    // Zoned EBCDIC code 2 digits: "01", leading zero kept for a code.
    item.domain = DomainType::Code;
    item.representation = Representation::Zoned {
        digits: 2,
        scale: 0,
        sign: ZonedSign::None,
        zone: ZoneForm::Ebcdic,
    };
    assert_eq!(run(&item, &[0xF0, 0xF1]).1, "01");
    // Zoned with an EBCDIC space: a bad digit at byte 0.
    let (ok, _, issues) = run(&item, &[0x40, 0xF1]);
    assert!(!ok);
    assert_eq!(issues[0].offset, 0);
    // Binary with a negative scale (P): 12 × 10^2 = 1200.
    item.domain = DomainType::Amount;
    item.representation = Representation::Binary {
        digits: 4,
        scale: -2,
        signed: true,
        native: false,
    };
    assert_eq!(run(&item, &[0x00, 0x0C]).1, "1200");
    // Host text: an N item is double-byte only, an M item shifts.
    item.representation = Representation::Display;
    item.domain = DomainType::Text;
    item.host_kind = Some(HostKind::N);
    assert_eq!(run(&item, &[0xA4, 0xA2, 0xA4, 0xA4]).1, "あい");
    item.host_kind = Some(HostKind::M);
    assert_eq!(run(&item, &[0x28, 0xA4, 0xA2, 0x29]).1, "あ");
    // An item's own encoding (same family): jef-ebcdic reads C1 as 'A' as jef does.
    item.encoding = Some("jef-ebcdic".into());
    assert_eq!(run(&item, &[0xC1, 0x40]).1, "A ");
}

proptest! {
    /// The run's item decoder on arbitrary bytes: host text of every kind and the three
    /// number forms never panic, never write U+FFFD, keep offsets inside the item, and say
    /// "rejected" exactly when an issue rejects; a number that decodes is canonical text.
    #[test]
    fn issue16_layout_items_never_panic_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..24),
        which in 0usize..17,
        form in 0usize..6,
        scale in -3i32..6,
    ) {
        use crate::charset::Charset;
        use crate::decode::{CharProfile, DecodeIssue};
        use ikou_layout_spec::{DomainType, HostKind, Representation, ZoneForm, ZonedSign};
        let label = LABELS[which % LABELS.len()];
        let p = CharProfile::new(Charset::from_label(label).unwrap()).unwrap();
        let mut item = ikou_layout_spec::parse_layout(
            &format!("id = \"legacy/t\"\nname = \"t\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\nencoding = \"{label}\"\n[format]\nkind = \"fixed\"\nrecord_length = 4\nterminator = \"none\"\n[[items]]\nnumber = 1\nname = \"n\"\nkey = \"k\"\ntype = \"text\"\nlength = 4\n"),
            "t.toml",
        )
        .unwrap()
        .items[0]
        .clone();
        let digits = (bytes.len() as u32).clamp(1, 18);
        item.domain = DomainType::Amount;
        item.representation = match form {
            0 => Representation::Display,
            1 => { item.host_kind = Some(HostKind::N); Representation::Display }
            2 => Representation::Zoned { digits, scale, sign: ZonedSign::Trailing, zone: ZoneForm::Ebcdic },
            3 => Representation::Zoned { digits, scale, sign: ZonedSign::LeadingSeparate, zone: ZoneForm::Ascii },
            4 => Representation::Packed { digits, scale, signed: true },
            _ => Representation::Binary { digits, scale, signed: true, native: false },
        };
        let (mut out, mut issues) = (String::new(), Vec::new());
        let ok = p.decode_layout_item(&item, &bytes, &mut out, &mut issues);
        prop_assert!(!out.contains(char::REPLACEMENT_CHARACTER));
        prop_assert_eq!(ok, !issues.iter().any(DecodeIssue::rejects));
        for i in &issues {
            prop_assert!(i.offset <= bytes.len() && i.offset + i.len <= bytes.len(), "{i:?}");
        }
        if form >= 2 && ok {
            // Canonical decimal: optional '-', digits, optional '.digits'; no '+', no 'e'.
            let body = out.strip_prefix('-').unwrap_or(&out);
            prop_assert!(!body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || b == b'.'), "{out}");
            prop_assert!(body.matches('.').count() <= 1);
        }
    }
}

/// An item of unmapped codes lists at most MAX_LISTED_PROBLEMS of them (bounded memory and
/// message), the rest counted on the last one listed.
#[test]
fn issue16_unmapped_codes_are_listed_up_to_the_cap() {
    use crate::charset::Charset;
    use crate::decode::{CharProfile, DecodeIssueKind, MAX_LISTED_PROBLEMS};
    let p = CharProfile::new(Charset::from_label("jef").unwrap()).unwrap();
    let jef = codec("jef");
    let item: Vec<u8> = [0x72, 0xA8].repeat(100);
    let (mut out, mut issues) = (String::new(), Vec::new());
    assert!(!p.decode_host_item(&jef, ItemKind::Double, &item, &mut out, &mut issues));
    assert_eq!(issues.len(), MAX_LISTED_PROBLEMS);
    assert!(issues
        .iter()
        .all(|i| matches!(i.kind, DecodeIssueKind::Unmapped { code: 0x72A8 })));
    let last = issues.last().unwrap();
    assert_eq!(last.more, 100 - MAX_LISTED_PROBLEMS);
    assert!(last.to_string().contains("84 more problems"), "{last}");
}

/// An item made of approximate and one-way codes (issue #18 item 4): each code is listed
/// once, at its first position, with the count of its later occurrences, so 200,000
/// occurrences cost two issues, not 200,000 (each holding a copy of its text).
#[test]
fn issue18_approximate_and_one_way_codes_are_listed_once_per_code() {
    use crate::charset::Charset;
    use crate::decode::{CharProfile, DecodeIssueKind};
    let p = CharProfile::new(Charset::from_label("jef").unwrap()).unwrap();
    let jef = codec("jef");
    // 71AD: approximate (hentaigana); A1A1: one-way (the ideographic space).
    let item: Vec<u8> = [[0x71, 0xAD], [0xA1, 0xA1], [0x71, 0xAD]]
        .concat()
        .repeat(100_000);
    let (mut out, mut issues) = (String::new(), Vec::new());
    assert!(p.decode_host_item(&jef, ItemKind::Double, &item, &mut out, &mut issues));
    assert_eq!(out.chars().count(), 300_000, "every character is decoded");
    assert_eq!(issues.len(), 2, "{:?}", &issues[..issues.len().min(4)]);
    assert!(
        matches!(
            issues[0].kind,
            DecodeIssueKind::Approximate { code: 0x71AD, .. }
        ),
        "{:?}",
        issues[0]
    );
    assert_eq!((issues[0].offset, issues[0].occurrences()), (0, 200_000));
    assert!(
        matches!(issues[1].kind, DecodeIssueKind::OneWay { code: 0xA1A1, .. }),
        "{:?}",
        issues[1]
    );
    assert_eq!((issues[1].offset, issues[1].occurrences()), (2, 100_000));
    let said = issues[0].to_string();
    assert!(
        said.contains("(and 199,999 more occurrences of this code"),
        "{said}"
    );
}

/// Record types in a host layout: the selector codes are compared as the code page writes
/// them (EBCDIC `H` C8, `D` C4, `T` E3), and the trailer's count is read as a zoned number.
#[test]
fn issue16_host_record_types_and_trailer_count() {
    use crate::frame::{FrameProblem, RawRecord, RecordReader};
    use ikou_layout_spec::RecordRole;
    let layout = ikou_layout_spec::parse_layout(
        "id = \"legacy/t\"\nname = \"t\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\nencoding = \"jef\"\n\
         [format]\nkind = \"fixed\"\nrecord_length = 4\nterminator = \"none\"\n\
         [record_types]\noffset = 0\nlength = 1\ndata = \"D\"\n\
         [record_types.header]\ncode = \"H\"\n[[record_types.header.items]]\nnumber = 1\nname = \"h\"\nkey = \"h\"\ntype = \"text\"\nlength = 4\n\
         [record_types.trailer]\ncode = \"T\"\ncount_item = \"n\"\n\
         [[record_types.trailer.items]]\nnumber = 1\nname = \"t\"\nkey = \"t\"\ntype = \"record_type\"\nlength = 1\n\
         [[record_types.trailer.items]]\nnumber = 2\nname = \"n\"\nkey = \"n\"\ntype = \"digits\"\nlength = 3\nrepresentation = \"zoned\"\ndigits = 3\n\
         [[items]]\nnumber = 1\nname = \"k\"\nkey = \"k\"\ntype = \"record_type\"\nlength = 1\n\
         [[items]]\nnumber = 2\nname = \"v\"\nkey = \"v\"\ntype = \"digits\"\nlength = 3\nrepresentation = \"zoned\"\ndigits = 3\n",
        "t.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let read = |data: &[u8]| {
        let mut r = RecordReader::new(data, &layout).unwrap();
        let mut out = Vec::new();
        let mut rec = RawRecord::new();
        while r.read_record(&mut rec).unwrap() {
            out.push((rec.role, rec.problems.clone()));
        }
        out
    };
    // H, D 001, D 002, T 002 (EBCDIC).
    let good = [
        [0xC8, 0x40, 0x40, 0x40],
        [0xC4, 0xF0, 0xF0, 0xF1],
        [0xC4, 0xF0, 0xF0, 0xF2],
        [0xE3, 0xF0, 0xF0, 0xF2],
    ]
    .concat();
    let recs = read(&good);
    let roles: Vec<RecordRole> = recs.iter().map(|r| r.0).collect();
    assert_eq!(
        roles,
        vec![
            RecordRole::Header,
            RecordRole::Data,
            RecordRole::Data,
            RecordRole::Trailer
        ]
    );
    assert!(recs.iter().all(|r| r.1.is_empty()), "{recs:?}");
    // The trailer says 3: a count mismatch, with the declared number read from the zoned bytes.
    let mut bad = good.clone();
    if let Some(b) = bad.last_mut() {
        *b = 0xF3;
    }
    let recs = read(&bad);
    assert_eq!(
        recs.last().unwrap().1,
        vec![FrameProblem::TrailerCount {
            declared: Some(3),
            counted: 2
        }]
    );
    // ASCII 'D' (0x44) is no selector in a JEF file: an unknown record type, said so.
    let ascii = [[0x44, 0xF0, 0xF0, 0xF1]].concat();
    let recs = read(&ascii);
    assert!(
        matches!(
            recs[0].1.first(),
            Some(FrameProblem::UnknownRecordType { .. })
        ),
        "{recs:?}"
    );
}
