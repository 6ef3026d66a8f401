//! Issue #16: COBOL copybooks imported as layouts — every construct with its asserted byte
//! offsets and lengths, every refused construct with its line and column, and a property
//! test that no text makes the importer panic.

#![allow(clippy::unwrap_used)] // tests may unwrap

use ikou_layout_spec::import::copybook::{
    import_copybook, looks_like_copybook, CopybookImport, CopybookOptions, SourceForm,
};
use ikou_layout_spec::import::{ImportError, ImportOptions};
use ikou_layout_spec::*;
use proptest::prelude::*;

const KOKUHO: &str = include_str!("../../../testdata/host/kokuho.cpy");

/// Three 01 records told apart by a type item (for the damaged-copybook property test).
const MULTI: &str = "\
       01  HEAD-REC.
           05  H-KBN     PIC X VALUE 'H'.
           05  H-DATE    PIC 9(8).
       01  DATA-REC.
           05  D-KBN     PIC X.
               88  D-IS-DATA  VALUE 'D'.
           05  D-AREA    PIC X(10).
           05  D-PARTS REDEFINES D-AREA.
               10  D-A   PIC S9(5) COMP-3 OCCURS 2.
           05  D-GAKU    PIC S9(9) COMP-3.
       01  TRL-REC.
           05  T-KBN     PIC X VALUE 'T'.
           05  T-COUNT   PIC 9(7) COMP-3.
";

fn import(text: &str, encoding: &str, views: &[&str]) -> Result<CopybookImport, ImportError> {
    let mut opts = ImportOptions::new("legacy/t", "t.cpy");
    opts.encoding = Some(encoding.to_string());
    let copts = CopybookOptions {
        views: views.iter().map(|v| v.to_string()).collect(),
        form: None,
    };
    import_copybook(text.as_bytes(), &opts, &copts)
}

fn ok(text: &str, encoding: &str) -> CopybookImport {
    import(text, encoding, &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `(key, offset, length)` of every item.
fn geometry(l: &Layout) -> Vec<(String, u32, u32)> {
    l.items
        .iter()
        .map(|i| (i.key.clone(), i.offset.unwrap(), i.length))
        .collect()
}

#[track_caller]
fn error_at(text: &str, line: usize, column: usize, says: &str) {
    match import(text, "cp932", &[]) {
        Err(ImportError::Copybook {
            file,
            line: l,
            column: c,
            message,
        }) => {
            assert_eq!(file, "t.cpy");
            assert_eq!((l, c), (line, column), "{message}");
            assert!(message.contains(says), "{message:?} does not say {says:?}");
            let shown = ImportError::Copybook {
                file,
                line: l,
                column: c,
                message: message.clone(),
            }
            .to_string();
            assert!(
                shown.starts_with(&format!("t.cpy:{line}:{column}: ")),
                "{shown}"
            );
        }
        other => panic!("expected a copybook error at {line}:{column}, got {other:?}"),
    }
}

#[test]
fn issue16_the_kokuho_copybook_imports_byte_exactly() {
    let got = ok(KOKUHO, "jef");
    assert_eq!(got.form, SourceForm::Fixed);
    let l = &got.imported.layout;
    assert_eq!(l.status, Status::UnverifiedTranscription);
    assert_eq!(l.encoding, "jef");
    assert_eq!(
        l.format,
        PhysicalFormat::Fixed {
            record_length: 170,
            terminator: Terminator::None
        }
    );
    let want: Vec<(&str, u32, u32)> = vec![
        ("rec_kbn", 0, 1),
        ("hiho_no", 1, 8),
        ("shimei_kanji", 9, 20),
        ("shimei_kana", 29, 20),
        ("sex", 49, 1),
        ("birth_date", 50, 5),
        ("hokenryo", 55, 5),
        ("gengaku", 60, 6),
        ("chosei", 66, 5),
        ("kin_over", 71, 4),
        ("nissu", 75, 2),
        ("keisu", 77, 4),
        ("gokei", 81, 8),
        ("tsuki_gaku_1", 89, 3),
        ("tsuki_gaku_2", 92, 3),
        ("tsuki_gaku_3", 95, 3),
        ("zokugara_1", 98, 2),
        ("kazoku_shimei_1", 100, 8),
        ("zokugara_2", 108, 2),
        ("kazoku_shimei_2", 110, 8),
        ("jusho_area", 118, 12),
        ("biko", 130, 30),
        ("senen", 160, 3),
        ("ritsu", 163, 2),
        ("filler", 165, 5),
    ];
    let want: Vec<(String, u32, u32)> = want
        .into_iter()
        .map(|(k, o, n)| (k.to_string(), o, n))
        .collect();
    assert_eq!(geometry(l), want);
    let rep = |k: &str| l.item(k).unwrap().representation;
    assert_eq!(
        rep("hiho_no"),
        Representation::Zoned {
            digits: 8,
            scale: 0,
            sign: ZonedSign::None,
            zone: ZoneForm::Ebcdic
        }
    );
    assert_eq!(
        rep("hokenryo"),
        Representation::Packed {
            digits: 9,
            scale: 2,
            signed: true
        }
    );
    assert_eq!(
        rep("gengaku"),
        Representation::Zoned {
            digits: 5,
            scale: 0,
            sign: ZonedSign::LeadingSeparate,
            zone: ZoneForm::Ebcdic
        }
    );
    assert_eq!(
        rep("chosei"),
        Representation::Zoned {
            digits: 4,
            scale: 1,
            sign: ZonedSign::TrailingSeparate,
            zone: ZoneForm::Ebcdic
        }
    );
    assert_eq!(
        rep("kin_over"),
        Representation::Zoned {
            digits: 4,
            scale: 0,
            sign: ZonedSign::Leading,
            zone: ZoneForm::Ebcdic
        }
    );
    assert_eq!(
        rep("nissu"),
        Representation::Binary {
            digits: 4,
            scale: 0,
            signed: false,
            native: false
        }
    );
    assert_eq!(
        rep("keisu"),
        Representation::Binary {
            digits: 9,
            scale: 0,
            signed: true,
            native: false
        }
    );
    assert_eq!(
        rep("gokei"),
        Representation::Binary {
            digits: 15,
            scale: 0,
            signed: true,
            native: true
        }
    );
    assert_eq!(
        rep("senen"),
        Representation::Zoned {
            digits: 3,
            scale: -2,
            sign: ZonedSign::None,
            zone: ZoneForm::Ebcdic
        }
    );
    assert_eq!(
        rep("ritsu"),
        Representation::Packed {
            digits: 3,
            scale: 4,
            signed: true
        }
    );
    let kind = |k: &str| l.item(k).unwrap().host_kind;
    assert_eq!(kind("shimei_kanji"), Some(HostKind::N));
    assert_eq!(kind("shimei_kana"), Some(HostKind::M));
    assert_eq!(kind("hokenryo"), None);
    assert_eq!(l.item("filler").unwrap().domain, DomainType::Filler);
    assert_eq!(l.item("hokenryo").unwrap().domain, DomainType::Amount);
    assert_eq!(l.item("birth_date").unwrap().domain, DomainType::Digits);
    // Level 88 → code tables.
    assert_eq!(
        l.item("rec_kbn").unwrap().code_table.as_deref(),
        Some("t-rec_kbn")
    );
    assert_eq!(got.code_tables.len(), 2);
    assert_eq!(
        got.code_tables[0].entries,
        vec![
            ("H".to_string(), "KBN-HEADER".to_string()),
            ("D".to_string(), "KBN-DATA".to_string()),
            ("T".to_string(), "KBN-TRAILER".to_string()),
        ]
    );
    assert_eq!(got.code_tables[1].label("2"), Some("SEX-FEMALE"));
    // The continued literal is whole (up to column 72, then the continuation).
    assert!(l
        .item("biko")
        .unwrap()
        .note
        .as_deref()
        .unwrap()
        .contains("'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123'"));
    // The REDEFINES is reported, with the way to choose.
    assert_eq!(
        got.imported.warnings.len(),
        1,
        "{:?}",
        got.imported.warnings
    );
    assert!(got.imported.warnings[0].message.contains("--view"));
    // The written layout loads back as the same layout.
    let text = got.to_toml();
    assert_eq!(&parse_layout(&text, "k.toml").unwrap(), l);
    assert!(text.contains("#   t-sex.csv: 1=SEX-MALE, 2=SEX-FEMALE"));
}

#[test]
fn issue16_a_redefines_view_is_chosen_by_name() {
    let got = import(KOKUHO, "jef", &["jusho-parts"]).unwrap();
    let g = geometry(&got.imported.layout);
    let at = |k: &str| g.iter().find(|(key, _, _)| key == k).cloned().unwrap();
    assert_eq!(at("pref_cd"), ("pref_cd".into(), 118, 2));
    assert_eq!(at("city_cd"), ("city_cd".into(), 120, 3));
    assert_eq!(
        g.iter().filter(|(k, _, _)| k.starts_with("filler")).count(),
        2
    );
    assert!(got.imported.layout.item("jusho_area").is_none());
    assert_eq!(got.imported.layout.format.record_length(), Some(170));
    // An unknown view is an error, not a silent default.
    assert!(matches!(
        import(KOKUHO, "jef", &["nothing"]),
        Err(ImportError::Options(m)) if m.contains("nothing")
    ));
}

#[test]
fn issue16_open_system_copybooks_get_ascii_zones_and_no_item_kinds() {
    let got = ok(KOKUHO, "cp932");
    let l = &got.imported.layout;
    assert!(l.items.iter().all(|i| i.host_kind.is_none()));
    assert!(matches!(
        l.item("hiho_no").unwrap().representation,
        Representation::Zoned {
            zone: ZoneForm::Ascii,
            ..
        }
    ));
    assert_eq!(
        l.format,
        PhysicalFormat::Fixed {
            record_length: 170,
            terminator: Terminator::Crlf
        }
    );
    // jef-ascii zoned digits are ASCII too.
    let l = ok(KOKUHO, "jef-ascii").imported.layout;
    assert!(matches!(
        l.item("hiho_no").unwrap().representation,
        Representation::Zoned {
            zone: ZoneForm::Ascii,
            ..
        }
    ));
    assert_eq!(l.item("shimei_kanji").unwrap().host_kind, Some(HostKind::N));
}

#[test]
fn issue16_free_form_groups_inherit_usage_and_sign_and_occurs_nest() {
    let text = "\
*> free-form copybook, lower case
01 rec.
  05 grp comp-3.            *> the group's usage applies below
     10 a pic s9(3).
     10 b pic 9(4).
  05 sgrp sign leading separate.
     10 c pic s9(2).
  05 tbl occurs 2 times.
     10 row occurs 3.
        15 cell pic x.
  05 g1 pic g(3).
  05 n1 pic n(2) usage national.
  05 d1 pic g(2) display-1.
  05 ed pic zz,zz9.99-.
  05 st pic x(2).
     88 st-ok values 'OK' 'GO'.
     88 st-range value 'A0' thru 'A9'.
     88 st-dup value 'OK'.
  05 filler pic x(3).
  05 filler pic 9(3) comp-3.
";
    let got = ok(text, "ibm-930");
    assert_eq!(got.form, SourceForm::Free);
    let l = &got.imported.layout;
    let want = [
        ("a", 0, 2),
        ("b", 2, 3),
        ("c", 5, 3),
        ("cell_1_1", 8, 1),
        ("cell_1_2", 9, 1),
        ("cell_1_3", 10, 1),
        ("cell_2_1", 11, 1),
        ("cell_2_2", 12, 1),
        ("cell_2_3", 13, 1),
        ("g1", 14, 6),
        ("n1", 20, 4),
        ("d1", 24, 4),
        ("ed", 28, 10),
        ("st", 38, 2),
        ("filler", 40, 3),
        ("filler_2", 43, 2),
    ];
    let want: Vec<(String, u32, u32)> = want
        .into_iter()
        .map(|(k, o, n)| (k.to_string(), o, n))
        .collect();
    assert_eq!(geometry(l), want);
    assert!(matches!(
        l.item("a").unwrap().representation,
        Representation::Packed {
            digits: 3,
            signed: true,
            ..
        }
    ));
    assert!(matches!(
        l.item("c").unwrap().representation,
        Representation::Zoned {
            sign: ZonedSign::LeadingSeparate,
            ..
        }
    ));
    assert_eq!(l.item("cell_2_3").unwrap().name, "cell(2,3)");
    assert_eq!(l.item("g1").unwrap().host_kind, Some(HostKind::G));
    assert_eq!(l.item("n1").unwrap().host_kind, Some(HostKind::N));
    assert_eq!(
        l.item("ed").unwrap().representation,
        Representation::Display
    );
    // 88: values kept, range and duplicate reported.
    assert_eq!(
        got.code_tables[0].entries,
        vec![
            ("OK".to_string(), "st-ok".to_string()),
            ("GO".to_string(), "st-ok".to_string())
        ]
    );
    let w: Vec<&str> = got
        .imported
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert!(w.iter().any(|m| m.contains("THRU")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("already")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("edited picture")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("UTF-16")), "{w:?}");
}

#[test]
fn issue16_several_01_records_are_views_of_one_record_area() {
    let text = "\
       01  HEAD-REC.
           05  H-KBN     PIC X.
           05  H-DATE    PIC 9(8).
       01  DATA-REC.
           05  D-KBN     PIC X.
           05  D-NO      PIC 9(10).
           05  D-GAKU    PIC S9(9) COMP-3.
";
    let got = ok(text, "keis83");
    let l = &got.imported.layout;
    assert_eq!(l.format.record_length(), Some(16));
    // The first record is used; the rest of the longest record's bytes are a filler.
    assert_eq!(
        geometry(l),
        vec![
            ("h_kbn".to_string(), 0, 1),
            ("h_date".to_string(), 1, 8),
            ("head_rec_rest".to_string(), 9, 7)
        ]
    );
    assert!(got.imported.warnings[0].message.contains("01 records"));
    let l = import(text, "keis83", &["DATA-REC"])
        .unwrap()
        .imported
        .layout;
    assert_eq!(
        geometry(&l),
        vec![
            ("d_kbn".to_string(), 0, 1),
            ("d_no".to_string(), 1, 10),
            ("d_gaku".to_string(), 11, 5)
        ]
    );
}

#[test]
fn issue16_copybooks_in_cp932_with_japanese_names() {
    // Fixed form, full-width characters take two columns (as in Shift_JIS).
    let text = "000100 01  住民レコード.\r\n000200     05  氏名      PIC N(5).\r\n000300     05  宛名番号  PIC 9(10).\r\n000400*    コメント：全角の注記\r\n";
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!bad);
    let mut opts = ImportOptions::new("legacy/juki", "juki.cpy");
    opts.encoding = Some("jips".into());
    let got = import_copybook(&sjis, &opts, &CopybookOptions::default()).unwrap();
    let l = &got.imported.layout;
    assert_eq!(l.name, "住民レコード");
    assert_eq!(
        geometry(l),
        vec![
            ("item_001".to_string(), 0, 10),
            ("item_002".to_string(), 10, 10)
        ]
    );
    assert_eq!(l.items[0].name, "氏名");
    assert!(looks_like_copybook(&sjis));
    assert!(!looks_like_copybook(b"No,name,type\n1,a,X\n"));
    assert!(!looks_like_copybook(b"PK\x03\x04"));
}

#[test]
fn issue16_unsupported_and_wrong_constructs_name_their_line_and_column() {
    error_at(
        "       01  A.\n           COPY XYZ REPLACING ==A== BY ==B==.\n",
        2,
        12,
        "REPLACING",
    );
    error_at("01 A.\n   COPY XYZ.\n", 2, 4, "COPY");
    error_at("01 A.\n REPLACE ==A== BY ==B==.\n", 2, 2, "REPLACE");
    error_at(
        "01 A.\n  05 N PIC 9.\n  05 B PIC X OCCURS 3 DEPENDING ON N.\n",
        3,
        14,
        "DEPENDING",
    );
    error_at("01 A.\n  05 B PIC X OCCURS 1 TO 3.\n", 2, 14, "TO m");
    error_at(
        "01 A.\n  05 B PIC S9(4) COMP SYNC.\n",
        2,
        23,
        "SYNCHRONIZED",
    );
    error_at("01 A.\n  05 B PIC X.\n66 C RENAMES B.\n", 3, 1, "RENAMES");
    error_at("77 A PIC X.\n", 1, 1, "77");
    error_at("01 A.\n  05 B COMP-1.\n", 2, 8, "floating point");
    error_at("01 A.\n  05 B PIC 9 USAGE INDEX.\n", 2, 20, "INDEX");
    error_at(
        "01 A.\n  05 B PIC 9(3) NATIONAL.\n",
        2,
        17,
        "national numeric",
    );
    error_at(
        "01 A.\n  05 B PIC X.\n    10 C PIC X.\n",
        2,
        12,
        "cannot have a PICTURE",
    );
    error_at(
        "01 A.\n  05 B.\n",
        2,
        3,
        "neither subordinate items nor a PICTURE",
    );
    error_at(
        "01 A.\n  05 B PIC X.\n  05 C REDEFINES Z PIC X.\n",
        3,
        18,
        "REDEFINES `Z`",
    );
    error_at(
        "01 A.\n  05 B PIC X.\n  05 C REDEFINES B PIC XX.\n",
        3,
        18,
        "larger",
    );
    error_at(
        "01 A.\n  05 B PIC X VALUE 'abc.\n",
        2,
        20,
        "literal not closed",
    );
    error_at(
        "01 A.\n  05 B PIC 9(19) COMP.\n",
        2,
        18,
        "at most 18 digits",
    );
    error_at("01 A.\n  05 B PIC 9(39).\n", 2, 12, "at most 38");
    error_at(
        "01 A.\n  05 B PIC 9(3) SIGN LEADING.\n",
        2,
        17,
        "needs an `S`",
    );
    error_at("01 A.\n  05 B PIC X FOO.\n", 2, 14, "FOO");
    error_at("01 A.\n  05 B PIC X\n", 2, 12, "not ended");
    error_at("01 A.\n  50 B PIC X.\n", 2, 3, "50");
    error_at("01 A.\n  05 B PIC X(0).\n", 2, 14, "repetition");
    error_at(
        "01 A.\n  05 B PIC X(99999999999999999999).\n",
        2,
        14,
        "repetition",
    );
    error_at("01 A.\n  05 B PIC XQ.\n", 2, 13, "`Q`");
    error_at(
        "01 A.\n  05 B PIC X(40000) OCCURS 9999.\n",
        2,
        3,
        "longer than",
    );
    error_at("88 A VALUE 1.\n", 1, 1, "before any data item");
    error_at("", 1, 1, "no data description");
    // A wrong indicator in fixed form (named explicitly: the detection would call it free).
    let copts = CopybookOptions {
        views: Vec::new(),
        form: Some(SourceForm::Fixed),
    };
    match import_copybook(
        b"000100 01 A.\n000200x    05 B PIC X.\n",
        &ImportOptions::new("legacy/t", "t.cpy"),
        &copts,
    ) {
        Err(ImportError::Copybook {
            line: 2,
            column: 7,
            message,
            ..
        }) => assert!(message.contains("indicator"), "{message}"),
        other => panic!("{other:?}"),
    }
    // Not text at all.
    match import_copybook(
        b"01 A.\n05 B PIC X.\n\xff\xfe\xfd\n",
        &ImportOptions::new("legacy/t", "t.cpy"),
        &CopybookOptions::default(),
    ) {
        Err(ImportError::Copybook { line, message, .. }) => {
            assert_eq!(line, 3);
            assert!(message.contains("neither UTF-8 nor Shift_JIS"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn issue16_level_88_numbers_are_kept_as_the_decoded_number_reads() {
    let text = "01 R.\n  05 K PIC 9(2).\n    88 K-ONE VALUE 01.\n    88 K-TEN VALUE 10.\n  05 G PIC S9V99 COMP-3.\n    88 G-HALF VALUE +0.5.\n    88 G-NEG VALUE -1.\n    88 G-ZERO VALUE -0.\n";
    let got = ok(text, "cp932");
    assert_eq!(
        got.code_tables[0].entries,
        vec![
            ("1".to_string(), "K-ONE".to_string()),
            ("10".to_string(), "K-TEN".to_string())
        ]
    );
    let codes: Vec<&str> = got.code_tables[1]
        .entries
        .iter()
        .map(|(c, _)| c.as_str())
        .collect();
    assert_eq!(codes, ["0.50", "-1.00", "0.00"]);
    // COMP-5 in an open-system file is reported (x86 compilers store it little-endian).
    let got = ok("01 R.\n  05 B PIC S9(4) COMP-5.\n", "cp932");
    assert!(got.imported.warnings[0].message.contains("little-endian"));
    assert!(ok("01 R.\n  05 B PIC S9(4) COMP-5.\n", "jef")
        .imported
        .warnings
        .is_empty());
}

#[test]
fn issue16_an_item_longer_than_an_item_may_be_is_refused_at_its_picture() {
    error_at("01 R.\n  05 A PIC N(40000).\n", 2, 12, "at most 65535");
}

#[test]
fn issue16_fixed_form_continues_words_and_skips_debugging_lines() {
    // A picture string cut at column 72 goes on after the `-` line's first non-space.
    let first = format!(
        "000100     05  AMOUNT  PIC {:>width$}",
        "S9(7)V",
        width = 72 - 27
    );
    assert_eq!(first.chars().count(), 72);
    let text = format!(
        "000050 01  R.\n{first}\n000200-    99 COMP-3.\n000300D    05  DEBUG-ONLY PIC X(9).\n000400     05  NEXT-ONE PIC X.\n"
    );
    let got = ok(&text, "jef");
    assert_eq!(got.form, SourceForm::Fixed);
    let l = &got.imported.layout;
    assert_eq!(
        geometry(l),
        vec![("amount".to_string(), 0, 5), ("next_one".to_string(), 5, 1)]
    );
    assert!(matches!(
        l.items[0].representation,
        Representation::Packed {
            digits: 9,
            scale: 2,
            signed: true
        }
    ));
    assert_eq!(got.imported.warnings.len(), 1);
    assert_eq!(got.imported.warnings[0].row, 4);
    assert!(got.imported.warnings[0].message.contains("debugging line"));
}

#[test]
fn issue16_the_item_count_is_bounded() {
    let text = "01 A.\n  05 B OCCURS 200.\n    10 C OCCURS 200.\n      15 D PIC X.\n";
    error_at(text, 4, 7, "more than");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// No text makes the importer panic, and what it imports is a valid layout.
    #[test]
    fn issue16_copybook_import_never_panics_on_any_text(text in any::<String>()) {
        match import(&text, "jef", &[]) {
            Ok(got) => prop_assert!(parse_layout(&got.to_toml(), "p.toml").is_ok()),
            Err(ImportError::Invalid(e)) => prop_assert!(false, "{e}\n{text}"),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Nor do copybooks damaged at random places (closer to real mistakes).
    #[test]
    fn issue16_damaged_copybooks_never_panic(
        edits in prop::collection::vec((0usize..6000, prop::sample::select(vec![
            "", " ", ".", "'", "\"", "(", ")", "-", "*", "9", "S", "V", "P", "N", "X", "88",
            "01", "OCCURS 3", "REDEFINES HIHO-NO", "COMP-3", "\n", "\n      -", "ｱ", "漢",
            "SIGN LEADING SEPARATE", "9(38)", "9(18) COMP",
        ])), 1..6),
        encoding in prop::sample::select(vec!["jef", "cp932", "ibm-939"]),
        base in prop::sample::select(vec![KOKUHO, MULTI]),
    ) {
        let mut text: Vec<char> = base.chars().collect();
        for (at, ins) in edits {
            let at = at % (text.len() + 1);
            let end = (at + 1).min(text.len());
            text.splice(at..end, ins.chars());
        }
        let text: String = text.into_iter().collect();
        match import(&text, encoding, &[]) {
            Ok(got) => prop_assert!(parse_layout(&got.to_toml(), "p.toml").is_ok()),
            // The importer's own output failing the spec checks would be a bug.
            Err(ImportError::Invalid(e)) => prop_assert!(false, "{e}\n{text}"),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn issue16_several_01_records_with_a_type_item_become_record_types() {
    let text = "\
       01  KOKUHO-HEADER.
           05  H-KBN     PIC X VALUE 'H'.
           05  H-DATE    PIC 9(8).
       01  KOKUHO-DATA.
           05  D-KBN     PIC X.
               88  D-IS-DATA  VALUE 'D'.
           05  D-NO      PIC 9(10).
           05  D-GAKU    PIC S9(9) COMP-3.
       01  KOKUHO-TRAILER.
           05  T-KBN     PIC X VALUE 'T'.
           05  T-COUNT   PIC 9(7) COMP-3.
";
    let got = ok(text, "jef");
    let l = &got.imported.layout;
    assert_eq!(l.format.record_length(), Some(16));
    assert_eq!(
        geometry(l),
        vec![
            ("d_kbn".to_string(), 0, 1),
            ("d_no".to_string(), 1, 10),
            ("d_gaku".to_string(), 11, 5)
        ]
    );
    assert_eq!(l.items[0].domain, DomainType::RecordType);
    let rt = l.record_types.as_ref().unwrap();
    assert_eq!((rt.offset, rt.length, rt.data_code.as_str()), (0, 1, "D"));
    assert_eq!(rt.others.len(), 2);
    assert_eq!(rt.others[0].role, RecordRole::Header);
    assert_eq!(rt.others[0].code, "H");
    assert_eq!(
        geometry(&Layout {
            items: rt.others[0].items.clone(),
            ..l.clone()
        }),
        vec![
            ("h_kbn".to_string(), 0, 1),
            ("h_date".to_string(), 1, 8),
            ("kokuho_header_rest".to_string(), 9, 7)
        ]
    );
    assert_eq!(rt.others[1].role, RecordRole::Trailer);
    assert_eq!(rt.others[1].code, "T");
    assert_eq!(rt.others[1].items[1].offset, Some(1));
    assert_eq!(rt.others[1].items[1].length, 4);
    assert!(got.imported.warnings[0].message.contains("record types"));
    // Written and read back the same.
    assert_eq!(&parse_layout(&got.to_toml(), "rt.toml").unwrap(), l);
    // Without type values the records stay alternative views, and the reason is given.
    let plain = text.replace(" VALUE 'H'", "").replace(" VALUE 'T'", "");
    let got = ok(&plain, "jef");
    assert!(got.imported.layout.record_types.is_none());
    assert!(got.imported.warnings[0].message.contains("no single value"));
}

/// A field of a generated copybook: picture, usage, sign clause, occurs; and its byte size by
/// the COBOL rules, computed here independently of the importer.
#[derive(Debug, Clone)]
struct Gen {
    pic: String,
    usage: &'static str,
    sign: &'static str,
    occurs: u32,
    size: u32,
}

fn gen_field() -> impl Strategy<Value = Gen> {
    let text = (1u32..=40, prop::sample::select(vec!["X", "N", "G"])).prop_map(|(n, s)| Gen {
        pic: format!("{s}({n})"),
        usage: "",
        sign: "",
        occurs: 1,
        size: if s == "X" { n } else { 2 * n },
    });
    let number = (
        any::<bool>(),
        1u32..=14,
        0u32..=4,
        prop::sample::select(vec![
            "",
            "COMP-3",
            "COMP",
            "COMP-4",
            "BINARY",
            "COMP-5",
            "PACKED-DECIMAL",
        ]),
        prop::sample::select(vec![
            "",
            "SIGN LEADING",
            "SIGN TRAILING",
            "SIGN IS LEADING SEPARATE",
            "SIGN TRAILING SEPARATE CHARACTER",
        ]),
    )
        .prop_map(|(signed, int, frac, usage, sign)| {
            let digits = int + frac;
            let pic = match (signed, frac) {
                (s, 0) => format!("{}9({int})", if s { "S" } else { "" }),
                (s, f) => format!("{}9({int})V9({f})", if s { "S" } else { "" }),
            };
            let sign = if signed && usage.is_empty() { sign } else { "" };
            let size = match usage {
                "" => digits + u32::from(sign.contains("SEPARATE")),
                "COMP-3" | "PACKED-DECIMAL" => digits / 2 + 1,
                _ => match digits {
                    1..=4 => 2,
                    5..=9 => 4,
                    _ => 8,
                },
            };
            Gen {
                pic,
                usage,
                sign,
                occurs: 1,
                size,
            }
        });
    (
        prop_oneof![text, number],
        prop_oneof![3 => Just(1u32), 1 => 2u32..=4],
    )
        .prop_map(|(mut g, occurs)| {
            g.occurs = occurs;
            g
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Random copybooks, fixed or free form: every item at the offset and length the
    /// independent size rules give.
    #[test]
    fn issue16_generated_copybooks_import_at_the_expected_offsets(
        fields in prop::collection::vec(gen_field(), 1..25),
        fixed in any::<bool>(),
        encoding in prop::sample::select(vec!["jef", "cp932", "ibm-1399", "keis78"]),
    ) {
        let mut text = String::new();
        let line = |code: String, text: &mut String| {
            if fixed {
                text.push_str(&format!("000000 {code}\n"));
            } else {
                text.push_str(&format!("{code}\n"));
            }
        };
        line("01  GEN-REC.".into(), &mut text);
        let mut want = Vec::new();
        let mut offset = 0u32;
        for (i, g) in fields.iter().enumerate() {
            let occurs = if g.occurs > 1 { format!(" OCCURS {} TIMES", g.occurs) } else { String::new() };
            line(format!("    05  F{i}  PIC {}{occurs}", g.pic), &mut text);
            line(format!("        {} {}.", g.usage, g.sign), &mut text);
            for k in 1..=g.occurs {
                let key = if g.occurs > 1 { format!("f{i}_{k}") } else { format!("f{i}") };
                want.push((key, offset, g.size));
                offset += g.size;
            }
        }
        let got = import(&text, encoding, &[]).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(got.form, if fixed { SourceForm::Fixed } else { SourceForm::Free });
        let l = &got.imported.layout;
        prop_assert_eq!(geometry(l), want);
        prop_assert_eq!(l.format.record_length(), Some(offset));
    }
}
