//! Issue 16: `ikou layouts import FILE.cpy` — a COBOL copybook becomes a byte-exact layout.
//!
//! The record bytes are built by a generator written here, independently of the copybook
//! reader: it knows the test copybook's fields from its own table below (sizes by the COBOL
//! rules, values, and its own zoned / packed / binary encoders). The imported layout's
//! offsets must be the generator's, and the bytes sliced at those offsets must decode (with
//! `ikou_cleanse::numbers` and `ikou_cleanse::host`) to the generator's values.

use crate::util::{ikou, ikou_in, root, tempdir};
use ikou_cleanse::host::{HostCodec, ItemKind};
use ikou_cleanse::numbers::{self, BinaryLimit, SignForm, ZonedCharset};
use ikou_layout_spec::{parse_layout, HostKind, Layout, Representation, ZoneForm, ZonedSign};

const COPYBOOK: &str = "testdata/host/kokuho.cpy";

/// One field of the test record as the generator sees it.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// `PIC X(n)`: mixed text in the code page, padded with single-byte spaces.
    Mixed(&'static str, usize),
    /// `PIC N(n)`: double-byte text, padded with double-byte spaces.
    Double(&'static str, usize),
    /// Zoned: digits, value (unscaled), sign position (None = unsigned), separate.
    Zoned(u32, i128, Option<(bool, bool)>),
    /// Packed: digits, value (unscaled), signed.
    Packed(u32, i128, bool),
    /// Binary: bytes, value, signed.
    Binary(usize, i128, bool),
}

/// The kokuho.cpy record (with the default view): key, field, expected decoded text.
fn fields() -> Vec<(&'static str, Field, &'static str)> {
    use Field::*;
    vec![
        ("rec_kbn", Mixed("D", 1), "D"),
        ("hiho_no", Zoned(8, 1234567, None), "1234567"),
        ("shimei_kanji", Double("山田太郎", 10), "山田太郎"),
        ("shimei_kana", Mixed("ﾔﾏﾀﾞ ﾀﾛｳ", 20), "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("sex", Zoned(1, 2, None), "2"),
        ("birth_date", Packed(8, 19800401, false), "19800401"),
        ("hokenryo", Packed(9, -12345678, true), "-123456.78"),
        ("gengaku", Zoned(5, -4321, Some((true, true))), "-4321"),
        ("chosei", Zoned(4, 105, Some((false, true))), "10.5"),
        ("kin_over", Zoned(4, -987, Some((true, false))), "-987"),
        ("nissu", Binary(2, 365, false), "365"),
        ("keisu", Binary(4, -123456789, true), "-123456789"),
        (
            "gokei",
            Binary(8, -999_999_999_999_999, true),
            "-999999999999999",
        ),
        ("tsuki_gaku_1", Packed(5, 100, true), "100"),
        ("tsuki_gaku_2", Packed(5, -200, true), "-200"),
        ("tsuki_gaku_3", Packed(5, 99999, true), "99999"),
        ("zokugara_1", Mixed("02", 2), "02"),
        ("kazoku_shimei_1", Double("和子", 4), "和子"),
        ("zokugara_2", Mixed("03", 2), "03"),
        ("kazoku_shimei_2", Double("一郎", 4), "一郎"),
        ("jusho_area", Mixed("13101ABCDEFG", 12), "13101ABCDEFG"),
        ("biko", Mixed("TEST", 30), "TEST"),
        // 9(3)PP: the stored digits (the value is ×100).
        ("senen", Zoned(3, 123, None), "123"),
        // SVP9(3): 0.0125.
        ("ritsu", Packed(3, 125, true), "0.0125"),
        ("filler", Mixed("", 5), ""),
    ]
}

/// The generator's byte length of a field (COBOL rules, written here on their own).
fn size(f: &Field) -> usize {
    match *f {
        Field::Mixed(_, n) => n,
        Field::Double(_, n) => 2 * n,
        Field::Zoned(d, _, sign) => d as usize + usize::from(sign.is_some_and(|s| s.1)),
        Field::Packed(d, _, _) => d as usize / 2 + 1,
        Field::Binary(n, _, _) => n,
    }
}

/// Decimal digits of |v|, `n` of them, most significant first.
fn digits_of(v: i128, n: u32) -> Vec<u8> {
    let mut m = v.unsigned_abs();
    let mut out = vec![0u8; n as usize];
    for d in out.iter_mut().rev() {
        *d = (m % 10) as u8;
        m /= 10;
    }
    assert_eq!(m, 0, "{v} does not fit {n} digits");
    out
}

/// The generator's own encoders (EBCDIC zoned, packed, big-endian binary).
fn encode(f: &Field, jef: &HostCodec) -> Vec<u8> {
    match *f {
        Field::Mixed(t, n) => {
            let mut b = jef.encode(t, ItemKind::Mixed).unwrap();
            b.resize(n, 0x40);
            b
        }
        Field::Double(t, n) => {
            let mut b = jef.encode(t, ItemKind::Double).unwrap();
            while b.len() < 2 * n {
                b.extend([0xA1, 0xA1]); // JEF full-width space
            }
            b
        }
        Field::Zoned(d, v, sign) => {
            let mut b: Vec<u8> = digits_of(v, d).into_iter().map(|x| 0xF0 | x).collect();
            let zone = if v < 0 { 0xD0 } else { 0xC0 };
            match sign {
                None => {}
                Some((leading, false)) => {
                    let i = if leading { 0 } else { b.len() - 1 };
                    b[i] = zone | (b[i] & 0x0F);
                }
                Some((leading, true)) => {
                    let s = if v < 0 { 0x60 } else { 0x4E };
                    if leading {
                        b.insert(0, s);
                    } else {
                        b.push(s);
                    }
                }
            }
            b
        }
        Field::Packed(d, v, signed) => {
            let mut nib = digits_of(v, d);
            if d % 2 == 0 {
                nib.insert(0, 0);
            }
            nib.push(match (signed, v < 0) {
                (false, _) => 0xF,
                (true, false) => 0xC,
                (true, true) => 0xD,
            });
            nib.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
        }
        Field::Binary(n, v, signed) => {
            assert!(
                signed || v >= 0,
                "an unsigned binary field holds no negative value"
            );
            v.to_be_bytes()[16 - n..].to_vec()
        }
    }
}

fn import_kokuho(dir: &std::path::Path) -> Layout {
    let out = dir.join("kokuho.toml");
    let run = ikou(&[
        "layouts",
        "import",
        COPYBOOK,
        "--encoding",
        "jef",
        "--out",
        out.to_str().unwrap(),
    ])
    .expect(0);
    assert!(run.stdout.contains("kokuho.toml"), "{}", run.stdout);
    assert!(run.stderr.contains("--view"), "{}", run.stderr);
    parse_layout(&std::fs::read_to_string(&out).unwrap(), "kokuho.toml").unwrap()
}

#[test]
fn issue16_copybook_offsets_match_an_independently_generated_record() {
    let dir = tempdir("issue16_copybook_gen");
    let layout = import_kokuho(&dir);
    let jef = HostCodec::for_label("jef").unwrap();
    // Generate the record.
    let mut record = Vec::new();
    let mut offsets = Vec::new();
    for (key, f, _) in fields() {
        let bytes = encode(&f, &jef);
        assert_eq!(bytes.len(), size(&f), "generator: {key}");
        offsets.push((key, record.len(), bytes.len()));
        record.extend(bytes);
    }
    assert_eq!(Some(record.len() as u32), layout.format.record_length());
    assert_eq!(layout.items.len(), fields().len());
    // The imported offsets are the generator's; the bytes there decode to its values.
    for ((key, f, want), (_, off, len)) in fields().into_iter().zip(offsets) {
        let item = layout.item(key).unwrap_or_else(|| panic!("no item {key}"));
        assert_eq!(
            (item.offset, item.length),
            (Some(off as u32), len as u32),
            "{key}"
        );
        let bytes = &record[off..off + len];
        let got = match item.representation {
            Representation::Display => {
                let kind = match item.host_kind {
                    Some(HostKind::N | HostKind::G) => ItemKind::Double,
                    _ => ItemKind::Mixed,
                };
                assert_eq!(
                    matches!(f, Field::Double(..)),
                    kind == ItemKind::Double,
                    "{key}"
                );
                let d = jef.decode(bytes, kind).unwrap();
                // JEF A1A1 (the record's double-byte padding) decodes one way (U+3000,
                // which encodes to 4040): reported, not a problem.
                assert!(
                    d.issues.iter().all(|i| matches!(
                        i.kind,
                        ikou_cleanse::host::HostIssueKind::OneWay { .. }
                    )),
                    "{key}: {:?}",
                    d.issues
                );
                d.text.trim_end_matches([' ', '\u{3000}']).to_string()
            }
            Representation::Zoned {
                scale, sign, zone, ..
            } => {
                assert_eq!(zone, ZoneForm::Ebcdic);
                let sign = match sign {
                    ZonedSign::None => SignForm::Unsigned,
                    ZonedSign::Trailing => SignForm::TrailingOverpunch,
                    ZonedSign::Leading => SignForm::LeadingOverpunch,
                    ZonedSign::TrailingSeparate => SignForm::TrailingSeparate,
                    ZonedSign::LeadingSeparate => SignForm::LeadingSeparate,
                };
                numbers::decode_zoned(bytes, ZonedCharset::Ebcdic, sign, scale.max(0) as u8)
                    .unwrap_or_else(|e| panic!("{key}: {e:?}"))
                    .to_string()
            }
            Representation::Packed {
                digits,
                scale,
                signed,
            } => numbers::decode_packed(bytes, digits, signed, scale.max(0) as u8)
                .unwrap_or_else(|e| panic!("{key}: {e:?}"))
                .to_string(),
            Representation::Binary {
                digits,
                scale,
                signed,
                native,
            } => {
                let limit = if native {
                    BinaryLimit::Native
                } else {
                    BinaryLimit::PicDigits(digits)
                };
                numbers::decode_binary(bytes, signed, limit, scale.max(0) as u8)
                    .unwrap_or_else(|e| panic!("{key}: {e:?}"))
                    .to_string()
            }
        };
        assert_eq!(got, want, "{key}");
    }
    // 9(3)PP is scaled by 100 (the decoder's scale is never negative: the caller multiplies).
    assert!(matches!(
        layout.item("senen").unwrap().representation,
        Representation::Zoned { scale: -2, .. }
    ));
}

#[test]
fn issue16_copybook_import_writes_code_tables_that_layouts_check_accepts() {
    let dir = tempdir("issue16_copybook_check");
    let layout = import_kokuho(&dir);
    assert_eq!(layout.id, "legacy/kokuho");
    let table = std::fs::read_to_string(dir.join("kokuho-rec_kbn.csv")).unwrap();
    assert_eq!(
        table,
        "code,label\nH,KBN-HEADER\nD,KBN-DATA\nT,KBN-TRAILER\n"
    );
    assert!(dir.join("kokuho-sex.csv").exists());
    // `layouts show` tells how each item is stored.
    let toml = dir.join("kokuho.toml");
    let run = ikou(&["layouts", "show", toml.to_str().unwrap()]).expect(0);
    assert!(
        run.stdout
            .contains("stored: packed, 9 digits, 2 decimals, signed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("stored: kind N"), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("stored: zoned, 5 digits, signed, sign leading_separate, ebcdic zone"));
    let run = ikou(&["layouts", "show", toml.to_str().unwrap(), "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let hokenryo = &v["items"][6];
    assert_eq!(hokenryo["key"], "hokenryo");
    assert_eq!(
        hokenryo["representation"],
        serde_json::json!({"form": "packed", "digits": 9, "scale": 2, "signed": true})
    );
    assert_eq!(v["items"][2]["item_kind"], "N");
    let run = ikou(&["layouts", "check", dir.to_str().unwrap()]).expect(0);
    assert!(!run.stdout.is_empty() || !run.stderr.is_empty());
    // A second import does not overwrite without --force, and names the file in the way.
    let again = ikou(&[
        "layouts",
        "import",
        COPYBOOK,
        "--out",
        dir.join("kokuho.toml").to_str().unwrap(),
    ])
    .expect(2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
}

#[test]
fn issue16_copybook_import_to_stdout_with_a_view_and_by_content() {
    let run = ikou(&[
        "layouts",
        "import",
        COPYBOOK,
        "--view",
        "JUSHO-PARTS",
        "--encoding",
        "keis83",
    ])
    .expect(0);
    let l = parse_layout(&run.stdout, "stdout.toml").unwrap();
    assert_eq!(l.encoding, "keis83");
    assert_eq!(l.item("pref_cd").unwrap().offset, Some(118));
    assert_eq!(l.item("city_cd").unwrap().offset, Some(120));
    assert!(
        run.stdout.contains("1=SEX-MALE"),
        "the 88 values are in the header comment"
    );
    // A copybook with another extension is recognised by its content.
    let dir = tempdir("issue16_copybook_content");
    std::fs::copy(root().join(COPYBOOK), dir.join("KOKUHO.txt")).unwrap();
    let run = ikou_in(&dir, &["layouts", "import", "KOKUHO.txt"], None).expect(0);
    let l = parse_layout(&run.stdout, "stdout.toml").unwrap();
    assert_eq!(l.id, "legacy/kokuho");
    assert_eq!(l.encoding, "cp932");
    assert_eq!(l.format.record_length(), Some(170));
}

#[test]
fn issue16_copybook_errors_name_the_file_line_and_column() {
    let dir = tempdir("issue16_copybook_errors");
    let cpy = dir.join("bad.cpy");
    std::fs::write(
        &cpy,
        "       01  REC.\n           05  A  PIC X.\n           COPY MEMBER REPLACING ==X== BY ==Y==.\n",
    )
    .unwrap();
    let run = ikou_in(&dir, &["layouts", "import", "bad.cpy"], None).expect(2);
    assert!(
        run.stderr
            .contains("bad.cpy:3:12: `COPY … REPLACING` is not supported"),
        "{}",
        run.stderr
    );
    // A bad encoding label and a view that names nothing are usage errors.
    let run = ikou(&["layouts", "import", COPYBOOK, "--encoding", "ebcdic-xx"]).expect(2);
    assert!(run.stderr.contains("ebcdic-xx"), "{}", run.stderr);
    let run = ikou(&["layouts", "import", COPYBOOK, "--view", "NOPE"]).expect(2);
    assert!(run.stderr.contains("NOPE"), "{}", run.stderr);
    // --view is for copybooks only.
    std::fs::write(
        dir.join("items.csv"),
        "No,項目名,データ型,桁数\n1,氏名,X,10\n",
    )
    .unwrap();
    let run = ikou_in(
        &dir,
        &["layouts", "import", "items.csv", "--view", "A"],
        None,
    )
    .expect(2);
    assert!(run.stderr.contains("--view"), "{}", run.stderr);
}

/// The copy of the host label list in the layout model is the codecs' list.
#[test]
fn issue16_layout_host_labels_are_the_codec_labels() {
    assert_eq!(ikou_layout_spec::HOST_ENCODINGS, ikou_cleanse::host::LABELS);
}
