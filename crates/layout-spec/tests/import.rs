//! Importing item lists from xlsx workbooks (built here with the `zip` writer) and CSV.

#![allow(clippy::unwrap_used)] // tests may unwrap

use ikou_layout_spec::import::*;
use ikou_layout_spec::*;
use std::io::Write;

/// Builds an xlsx workbook from sheet XML bodies (`<sheetData>…</sheetData>…`) and an
/// optional shared-strings part.
fn xlsx(sheets: &[(&str, &str)], shared: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, body: &str| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    put(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    let mut wb = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        wb.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        // Absolute and relative targets both occur in the wild.
        let target = if n % 2 == 0 {
            format!("/xl/worksheets/sheet{n}.xml")
        } else {
            format!("worksheets/sheet{n}.xml")
        };
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{target}"/>"#
        ));
    }
    wb.push_str("</sheets></workbook>");
    rels.push_str(r#"<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#);
    put("xl/workbook.xml", &wb);
    put("xl/_rels/workbook.xml.rels", &rels);
    if let Some(s) = shared {
        put("xl/sharedStrings.xml", s);
    }
    for (i, (_, body)) in sheets.iter().enumerate() {
        put(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{body}</worksheet>"#
            ),
        );
    }
    zip.finish().unwrap().into_inner()
}

fn s(r: &str, idx: usize) -> String {
    format!(r#"<c r="{r}" t="s"><v>{idx}</v></c>"#)
}
fn n(r: &str, v: &str) -> String {
    format!(r#"<c r="{r}"><v>{v}</v></c>"#)
}
fn inl(r: &str, v: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
}

/// Shared strings: plain, rich text in runs, and a string with phonetic (ルビ) runs that
/// must not leak into the text.
const SHARED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="12" uniqueCount="12">
<si><t>住民基本台帳 項目定義書</t></si>
<si><r><rPr><b/></rPr><t>項目</t></r><r><t>番号</t></r></si>
<si><t>項目名称</t><rPh sb="0" eb="4"><t>コウモクメイショウ</t></rPh><phoneticPr fontId="1"/></si>
<si><t>データ型</t></si>
<si><t>桁数</t></si>
<si><t>必須</t></si>
<si><t>備考</t></si>
<si><t>バイト</t></si>
<si><t>文字</t></si>
<si><t>住民票コード</t></si>
<si><t>氏名</t></si>
<si><t xml:space="preserve">A &amp; B_x000D_</t></si>
</sst>"#;

/// Title on row 1; a two-row header on rows 3–4 (項目番号, 項目名称, データ型, 必須, 備考
/// merged down; 桁数 merged across バイト | 文字); items from row 5, with a group heading,
/// an unusable length and a remark row among them.
fn juki_sheet() -> String {
    let rows = [
        format!(r#"<row r="1">{}</row>"#, s("A1", 0)),
        format!(
            r#"<row r="3">{}{}{}{}{}{}</row>"#,
            s("A3", 1),
            s("B3", 2),
            s("C3", 3),
            s("D3", 4),
            s("F3", 5),
            s("G3", 6)
        ),
        format!(r#"<row r="4">{}{}</row>"#, s("D4", 7), s("E4", 8)),
        format!(
            r#"<row r="5">{}{}{}{}{}{}</row>"#,
            n("A5", "1"),
            s("B5", 9),
            inl("C5", "半角数字"),
            n("D5", "11"),
            n("E5", "11"),
            inl("F5", "○")
        ),
        format!(
            r#"<row r="6">{}{}{}{}{}{}{}</row>"#,
            n("A6", "2"),
            s("B6", 10),
            inl("C6", "全角文字"),
            n("D6", "40"),
            n("E6", "20"),
            inl("F6", "○"),
            s("G6", 11)
        ),
        format!(r#"<row r="7">{}</row>"#, inl("A7", "【異動情報】")),
        format!(
            r#"<row r="8">{}{}{}{}{}</row>"#,
            n("A8", "3"),
            inl("B8", "異動年月日"),
            inl("C8", "日付（西暦YYYYMMDD）"),
            n("D8", "8"),
            n("E8", "8")
        ),
        format!(
            r#"<row r="9">{}{}{}{}{}</row>"#,
            n("A9", "4"),
            inl("B9", "異動事由"),
            inl("C9", "コード"),
            n("D9", "2"),
            n("E9", "2")
        ),
        format!(
            r#"<row r="10">{}{}{}{}{}</row>"#,
            n("A10", "5"),
            inl("B10", "予備"),
            inl("C10", "謎型"),
            inl("D10", "可変"),
            inl("E10", "可変")
        ),
        format!(
            r#"<row r="11">{}{}{}{}{}</row>"#,
            n("A11", "6"),
            inl("B11", "世帯主との続柄"),
            inl("C11", "特殊"),
            n("D11", "4"),
            n("E11", "2")
        ),
    ];
    format!(
        r#"<sheetData>{}</sheetData><mergeCells count="7"><mergeCell ref="A3:A4"/><mergeCell ref="B3:B4"/><mergeCell ref="C3:C4"/><mergeCell ref="D3:E3"/><mergeCell ref="F3:F4"/><mergeCell ref="G3:G4"/><mergeCell ref="A7:G7"/></mergeCells>"#,
        rows.concat()
    )
}

fn opts(id: &str) -> ImportOptions {
    ImportOptions::new(id, "juki.xlsx")
}

#[test]
fn xlsx_with_shared_strings_merged_header_and_header_below_row_1() {
    let book = xlsx(&[("住基", &juki_sheet())], Some(SHARED));
    let imp = import_xlsx(&book, None, &opts("chukan/juki-v27")).unwrap();
    assert_eq!(imp.header_row, 3);
    assert_eq!(imp.sheet.as_deref(), Some("住基"));
    let l = &imp.layout;
    assert_eq!(l.status, Status::UnverifiedTranscription);
    assert_eq!(l.family, Family::Chukan);
    assert_eq!(l.source, "juki.xlsx シート「住基」");
    let names: Vec<_> = l.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "住民票コード",
            "氏名",
            "異動年月日",
            "異動事由",
            "世帯主との続柄"
        ]
    );
    let numbers: Vec<_> = l.items.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 6]);
    // Delimited by default: the 文字 sub-column is the length, counted in characters.
    let lengths: Vec<_> = l.items.iter().map(|i| i.length).collect();
    assert_eq!(lengths, [11, 20, 8, 2, 2]);
    assert!(l.items.iter().all(|i| i.unit == LengthUnit::Chars));
    let domains: Vec<_> = l.items.iter().map(|i| i.domain).collect();
    assert_eq!(
        domains,
        [
            DomainType::ResidentCode,
            DomainType::KanjiName,
            DomainType::Date,
            DomainType::Code,
            DomainType::Text
        ]
    );
    assert_eq!(l.items[2].date_form, Some(DateForm::Yyyymmdd));
    assert!(l.items[0].required && l.items[1].required && !l.items[2].required);
    // Rich text and entities and Excel's _x000D_ escape are decoded; ルビ is left out.
    assert_eq!(
        l.items[1].note.as_deref().map(|n| n.contains("備考 A & B")),
        Some(true)
    );
    assert!(!imp.to_toml().contains("コウモクメイショウ"));
    // The unknown type is kept as text, with a note.
    assert!(l.items[4]
        .note
        .as_deref()
        .unwrap()
        .contains("「特殊」は未対応"));
    assert_eq!(l.items[4].key, "item_006");
    // Rows that could not be read are reported with their row numbers.
    let rows: Vec<u32> = imp.warnings.iter().map(|w| w.row).collect();
    assert_eq!(rows, [7, 10], "{:?}", imp.warnings);
    assert!(imp.warnings[1].message.contains("「可変」"));
    // The written file is a valid layout with the warnings in its comment.
    let toml = imp.to_toml();
    assert!(toml.contains("#   row 10:"));
    assert_eq!(&parse_layout(&toml, "juki.toml").unwrap(), l);
}

#[test]
fn fixed_format_takes_the_byte_column() {
    let book = xlsx(&[("住基", &juki_sheet())], Some(SHARED));
    let mut o = opts("legacy/juki-fixed");
    o.format = ImportFormat::Fixed;
    let imp = import_xlsx(&book, Some("住基"), &o).unwrap();
    let l = &imp.layout;
    let lengths: Vec<_> = l.items.iter().map(|i| i.length).collect();
    assert_eq!(lengths, [11, 40, 8, 2, 4]);
    assert_eq!(l.format.record_length(), Some(65));
    assert_eq!(l.items[4].offset, Some(61));
    assert_eq!(l.encoding, "cp932");
}

#[test]
fn sheet_selection() {
    let cover = format!(
        r#"<sheetData><row r="1">{}</row></sheetData>"#,
        inl("A1", "表紙")
    );
    let book = xlsx(
        &[("表紙", &cover), ("項目定義", &juki_sheet())],
        Some(SHARED),
    );
    assert_eq!(xlsx_sheet_names(&book).unwrap(), ["表紙", "項目定義"]);
    // Without --sheet: the first sheet with a header row.
    let imp = import_xlsx(&book, None, &opts("chukan/x")).unwrap();
    assert_eq!(imp.sheet.as_deref(), Some("項目定義"));
    assert!(matches!(
        import_xlsx(&book, Some("表紙"), &opts("chukan/x")),
        Err(ImportError::NoHeader { .. })
    ));
    match import_xlsx(&book, Some("nope"), &opts("chukan/x")) {
        Err(ImportError::NoSheet { available, .. }) => assert_eq!(available, "表紙, 項目定義"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cells_without_references_and_boolean_cells() {
    // Cells without `r` follow each other; rows without `r` follow each other.
    let body = r#"<sheetData><row><c t="inlineStr"><is><t>項目名</t></is></c><c t="inlineStr"><is><t>型</t></is></c><c t="inlineStr"><is><t>長さ</t></is></c><c t="inlineStr"><is><t>必須</t></is></c></row><row><c t="inlineStr"><is><t>性別</t></is></c><c t="inlineStr"><is><t>区分</t></is></c><c><v>1</v></c><c t="b"><v>1</v></c></row></sheetData>"#;
    let book = xlsx(&[("S", body)], None);
    let imp = import_xlsx(&book, None, &opts("standard/s")).unwrap();
    assert_eq!(imp.header_row, 1);
    let it = &imp.layout.items[0];
    assert_eq!(
        (it.domain, it.length, it.required),
        (DomainType::Code, 1, true)
    );
}

#[test]
fn malformed_and_hostile_workbooks_are_errors_not_panics() {
    assert!(matches!(
        import_xlsx(b"not a zip", None, &opts("chukan/x")),
        Err(ImportError::NotXlsx(_))
    ));
    // Unclosed / mismatched tags.
    let book = xlsx(
        &[(
            "S",
            "<sheetData><row r=\"1\"><c r=\"A1\"></row></sheetData>",
        )],
        None,
    );
    match import_xlsx(&book, None, &opts("chukan/x")) {
        Err(e @ ImportError::Xml { .. }) => {
            let ImportError::Xml { part, problem, .. } = &e else {
                unreachable!()
            };
            assert_eq!(part, "xl/worksheets/sheet1.xml");
            // Typed (issue #15): the XML reader's error is the source, not a string.
            assert!(matches!(problem, XmlProblem::Syntax(_)), "{problem:?}");
            let cause = std::error::Error::source(&e)
                .and_then(std::error::Error::source)
                .and_then(|c| c.downcast_ref::<quick_xml::Error>());
            assert!(cause.is_some(), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    // A shared-string index that does not exist.
    let book = xlsx(
        &[(
            "S",
            &format!("<sheetData><row r=\"1\">{}</row></sheetData>", s("A1", 5)),
        )],
        Some("<sst><si><t>a</t></si></sst>"),
    );
    match import_xlsx(&book, None, &opts("chukan/x")) {
        Err(e @ ImportError::Xml { .. }) => {
            assert!(
                matches!(
                    &e,
                    ImportError::Xml {
                        problem: XmlProblem::MissingSharedString(5),
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(
                e.to_string().ends_with(": shared string 5 does not exist"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A row number beyond the bound.
    let book = xlsx(
        &[(
            "S",
            "<sheetData><row r=\"999999\"><c r=\"A999999\"><v>1</v></c></row></sheetData>",
        )],
        None,
    );
    assert!(matches!(
        import_xlsx(&book, None, &opts("chukan/x")),
        Err(ImportError::TooLarge { .. })
    ));
    // A merge over the whole sheet stays bounded by the sheet's extent.
    let body = format!(
        "<sheetData><row r=\"1\">{}</row><row r=\"2\">{}</row></sheetData><mergeCells><mergeCell ref=\"A1:XFD1048576\"/></mergeCells>",
        inl("A1", "x"),
        inl("B2", "y")
    );
    let book = xlsx(&[("S", &body)], None);
    let sheets = read_xlsx(&book, None).unwrap();
    assert_eq!(sheets[0].rows.len(), 2);
    // Missing workbook part.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("hello.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"hi").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert!(
        matches!(import_xlsx(&bytes, None, &opts("chukan/x")), Err(ImportError::MissingPart(p)) if p == "xl/workbook.xml")
    );
}

#[test]
fn a_zip_bomb_part_is_refused() {
    // 40 MiB of spaces compresses to a few tens of KiB.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    zip.start_file("xl/workbook.xml", o).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..40 {
        zip.write_all(&chunk).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1 << 20);
    match import_xlsx(&bytes, None, &opts("chukan/x")) {
        Err(ImportError::TooLarge { part, limit }) => {
            assert_eq!(part, "xl/workbook.xml");
            assert_eq!(limit, MAX_PART_BYTES);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn csv_item_list_in_cp932() {
    let text = "住民記録 項目一覧\r\n\r\nNo,項目名,データ型,バイト数,必須,繰返し,備考\r\n\
                1,宛名番号,数字,10,○,,\r\n\
                2,氏名カナ,半角カナ,40,○,,\r\n\
                3,旧氏,全角,20,,3,\r\n\
                ,小計,,,,,\r\n\
                4,生年月日,日付,７,○,,年号コード＋YYMMDD\r\n\
                4,性別,コード,1,△?,,性別コード\r\n";
    let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!bad);
    let mut o = ImportOptions::new("legacy/vendor-juki", "項目一覧.csv");
    o.format = ImportFormat::Fixed;
    let imp = import_csv(&bytes, &o).unwrap();
    assert_eq!(imp.header_row, 3);
    let l = &imp.layout;
    assert_eq!(l.source, "項目一覧.csv");
    let keys: Vec<_> = l
        .items
        .iter()
        .map(|i| (i.number, i.domain, i.length, i.repeat))
        .collect();
    assert_eq!(
        keys,
        [
            (1, DomainType::Digits, 10, 1),
            (2, DomainType::Kana, 40, 1),
            (3, DomainType::Fullwidth, 20, 3),
            (4, DomainType::Date, 7, 1),
            (5, DomainType::Code, 1, 1),
        ]
    );
    assert_eq!(l.format.record_length(), Some(10 + 40 + 60 + 7 + 1));
    // Row 7 has no item name; row 9 repeats number 4 and has an unknown 必須 mark.
    let rows: Vec<u32> = imp.warnings.iter().map(|w| w.row).collect();
    assert_eq!(rows, [7, 9, 9], "{:?}", imp.warnings);
    assert!(l.items[4]
        .note
        .as_deref()
        .unwrap()
        .contains("元の項目番号 4"));
    // A UTF-8 file with a BOM reads the same.
    let mut utf8 = b"\xEF\xBB\xBF".to_vec();
    utf8.extend_from_slice(text.as_bytes());
    assert_eq!(import_csv(&utf8, &o).unwrap().layout, imp.layout);
    // Neither UTF-8 nor CP932.
    assert!(matches!(
        import_csv(b"\xff\xfe\xfd", &o),
        Err(ImportError::Encoding)
    ));
    // No header.
    assert!(matches!(
        import_csv("a,b\n1,2\n".as_bytes(), &o),
        Err(ImportError::NoHeader { .. })
    ));
    // A bad id.
    let bad = ImportOptions::new("Vendor", "x.csv");
    assert!(matches!(
        import_csv(text.as_bytes(), &bad),
        Err(ImportError::Options(_))
    ));
}

#[test]
fn a_header_without_items_is_an_error() {
    let text = "項目名,型,桁数\n【見出し】,,\n";
    match import_csv(text.as_bytes(), &ImportOptions::new("chukan/x", "x.csv")) {
        Err(ImportError::NoItems {
            header_row: 1,
            warnings: 1,
        }) => {}
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// issue 13: the official item-definition form

/// The shared public test material (`../shared/testdata` beside the workspace, or
/// `$IKOU_SHARED_DIR/testdata`); `None` (the caller prints that it skipped) when absent,
/// a failure when `IKOU_REQUIRE_SHARED=1`.
fn shared() -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = match std::env::var_os("IKOU_SHARED_DIR") {
        Some(d) => std::path::PathBuf::from(d).join("testdata"),
        None => root.join("../shared/testdata"),
    };
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("IKOU_REQUIRE_SHARED").as_deref() != Ok("1"),
        "IKOU_REQUIRE_SHARED=1 but {} is missing",
        p.display()
    );
    None
}

fn official_book() -> Option<(Vec<u8>, official::OfficialBook)> {
    let Some(dir) = shared() else {
        // Written to stderr directly, past the test harness's capture, so it shows.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (official workbook tests): ../shared/testdata is absent \
             (set IKOU_SHARED_DIR=<dir with testdata/>; IKOU_REQUIRE_SHARED=1 makes this a failure)"
        );
        return None;
    };
    let path = dir.join("digital-agency/atenabango-kanri_item-definition.xlsx");
    let bytes = std::fs::read(&path).unwrap();
    let book =
        official::import_official(&bytes, "atenabango-kanri_item-definition.xlsx", None).unwrap();
    Some((bytes, book))
}

/// Every item of the official workbook as read independently from its sheet:
/// (データ項目ID, key, データ型, 桁数, データ出力条件, 主キー, code table, 繰り返し).
type Expected = (
    &'static str,
    &'static str,
    &'static str,
    u32,
    Requirement,
    bool,
    Option<&'static str>,
    u32,
);
const OFFICIAL_ITEMS: &[Expected] = {
    use Requirement::*;
    &[
        ("03100001", "atenabango", "X", 15, Required, true, None, 1),
        ("03100002", "kojinbango", "X", 12, Optional, false, None, 1),
        ("03100003", "shimei", "N", 100, Conditional, false, None, 1),
        (
            "03100004",
            "uji_nihonjin",
            "N",
            50,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100005",
            "na_nihonjin",
            "N",
            50,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100006",
            "shimei_gaikokujinarufuabetto",
            "N",
            100,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100007",
            "shimei_gaikokujinkanji",
            "N",
            100,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100008",
            "shimei_yomigana",
            "N",
            100,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100009",
            "uji_nihonjin_yomigana",
            "N",
            50,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100010",
            "na_nihonjin_yomigana",
            "N",
            50,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100011",
            "seibetsu",
            "X",
            1,
            Optional,
            false,
            Some("std031-001"),
            1,
        ),
        (
            "03100012",
            "seinengappi",
            "DATE",
            10,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100013",
            "seinengappi_fushohyoki",
            "N",
            72,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100014",
            "jusho_shikuchosonkodo",
            "X",
            6,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100015",
            "jusho_choazakodo",
            "X",
            7,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100016",
            "jusho_todofuken",
            "N",
            4,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100017",
            "jusho_shikugunchosonmei",
            "N",
            12,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100018",
            "jusho_choaza",
            "N",
            18,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100019",
            "jusho_banchigohyoki",
            "N",
            50,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100020",
            "jusho_katagaki",
            "N",
            300,
            Conditional,
            false,
            None,
            1,
        ),
        (
            "03100021",
            "jusho_katagaki_furigana",
            "N",
            300,
            Optional,
            false,
            None,
            1,
        ),
        (
            "03100022",
            "jusho_yubinbango",
            "X",
            7,
            Optional,
            false,
            None,
            1,
        ),
        ("03100023", "gyomuid", "X", 3, Conditional, false, None, 999),
        (
            "03100024",
            "dokujishisakushisutemunadoid",
            "X",
            3,
            Conditional,
            false,
            None,
            999,
        ),
        (
            "03100025",
            "daihyoatenafuragu",
            "9",
            1,
            Required,
            false,
            Some("std031-002"),
            1,
        ),
        (
            "03100026",
            "nayosesakiatenabango",
            "X",
            15,
            Conditional,
            false,
            None,
            1,
        ),
        ("03100027", "sosashaid", "X", 10, Required, false, None, 1),
        (
            "03100028",
            "sosanengappi",
            "DATE",
            10,
            Required,
            false,
            None,
            1,
        ),
        (
            "03100029",
            "sosajikoku",
            "TIME",
            8,
            Required,
            false,
            None,
            1,
        ),
    ]
};

#[test]
fn issue13_item1_official_workbook_imports_every_item_exactly() {
    let Some((_, book)) = official_book() else {
        return;
    };
    assert_eq!(
        book.sha256,
        "2ffb05bf38bce6ba6faf4ba867c97f02e57d2888f9fbf25c1183d661b91f7c33"
    );
    // The only warning is the end-marker row.
    let warnings: Vec<String> = book.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(book.warnings[0].row, 36);
    assert!(warnings[0].contains("end marker"), "{warnings:?}");
    // Sheets: items, codes, two legends (recognised, not imported).
    let roles: Vec<_> = book.sheets.iter().map(|(_, r)| *r).collect();
    assert_eq!(
        roles,
        [
            official::SheetRole::Items,
            official::SheetRole::CodesIndividual,
            official::SheetRole::Legend,
            official::SheetRole::Legend
        ]
    );
    assert_eq!(book.layouts.len(), 1);
    let l = &book.layouts[0];
    assert_eq!(l.id, "standard/std031");
    assert_eq!(l.name, "住登外者宛名基本情報");
    assert_eq!(l.family, Family::Standard);
    assert_eq!(l.status, Status::OfficialImport);
    let o = l.official.as_ref().unwrap();
    assert_eq!(o.file, "atenabango-kanri_item-definition.xlsx");
    assert_eq!(o.sha256, book.sha256);
    assert!(o.sheet.starts_with("項目定義書"));
    assert_eq!(l.official_unedited(), Some(true));
    assert_eq!(l.items.len(), OFFICIAL_ITEMS.len());
    for (it, &(id, key, dt, len, req, pk, table, repeat)) in l.items.iter().zip(OFFICIAL_ITEMS) {
        let o = it.official.as_ref().unwrap();
        assert_eq!(o.item_id, id);
        assert_eq!(it.key, key, "{id}");
        assert_eq!(o.data_type.as_str(), dt, "{id}");
        assert_eq!(it.length, len, "{id}");
        assert_eq!(it.unit, LengthUnit::Chars, "{id}");
        assert_eq!(it.requirement(), req, "{id}");
        assert_eq!(o.primary_key, pk, "{id}");
        assert_eq!(o.foreign_key, None, "{id}");
        assert_eq!(it.code_table.as_deref(), table, "{id}");
        assert_eq!(it.repeat, repeat, "{id}");
        assert_eq!(o.scale, None);
        assert_eq!(o.conditional, req == Requirement::Conditional);
        assert_eq!(
            o.condition.is_some(),
            req == Requirement::Conditional,
            "{id}"
        );
    }
    let item = |k: &str| l.item(k).unwrap();
    assert_eq!(
        item("shimei")
            .official
            .as_ref()
            .unwrap()
            .condition
            .as_deref(),
        Some("氏名未定でない場合は出力必須")
    );
    assert_eq!(
        item("dokujishisakushisutemunadoid")
            .official
            .as_ref()
            .unwrap()
            .code_id
            .as_deref(),
        Some("999")
    );
    assert_eq!(item("seinengappi").date_form, Some(DateForm::Iso));
    // Names refine X/Ｎ only, and the report says so.
    assert_eq!(item("kojinbango").domain, DomainType::IndividualNumber);
    assert_eq!(item("jusho_yubinbango").domain, DomainType::PostalCode);
    assert_eq!(item("jusho_shikuchosonkodo").domain, DomainType::LgCode);
    assert_eq!(item("shimei_yomigana").domain, DomainType::Kana);
    assert_eq!(item("jusho_katagaki_furigana").domain, DomainType::Kana);
    assert_eq!(item("shimei").domain, DomainType::Fullwidth);
    let refined: Vec<&str> = book.refinements.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        refined,
        [
            "kojinbango",
            "shimei_yomigana",
            "uji_nihonjin_yomigana",
            "na_nihonjin_yomigana",
            "jusho_shikuchosonkodo",
            "jusho_katagaki_furigana",
            "jusho_yubinbango"
        ]
    );
    // Both code lists with values and meanings; 999 (the municipality's own) has none.
    let e = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(book.code_tables.len(), 2);
    assert_eq!(book.code_tables[0].table.name, "std031-001");
    assert_eq!(
        book.code_tables[0].table.entries,
        e(&[("0", "不明（未記入）"), ("1", "男"), ("2", "女")])
    );
    assert_eq!(book.code_tables[1].table.name, "std031-002");
    assert_eq!(
        book.code_tables[1].table.entries,
        e(&[("0", "代表宛名"), ("1", "非代表宛名")])
    );
}

#[test]
fn issue13_item2_official_import_round_trips_and_the_bundled_copy_is_unedited() {
    let Some((_, book)) = official_book() else {
        return;
    };
    let l = &book.layouts[0];
    let text = book.layout_toml(l);
    let back = parse_layout(&text, "std031.toml").unwrap();
    assert_eq!(&back, l);
    // The bundled layout is this import, unedited, under its own id.
    let catalog = Catalog::bundled().unwrap();
    let bundled = catalog.layout("standard/jutogai-atena-kihon").unwrap();
    assert_eq!(bundled.status, Status::OfficialImport);
    assert_eq!(bundled.official_unedited(), Some(true));
    assert_eq!(bundled.items, l.items);
    for t in &book.code_tables {
        assert_eq!(catalog.code_table(&t.table.name), Some(&t.table));
    }
}

#[test]
fn issue13_item2_a_hand_edit_makes_an_official_import_a_transcription() {
    let catalog = Catalog::bundled().unwrap();
    let mut l = catalog
        .layout("standard/jutogai-atena-kihon")
        .unwrap()
        .clone();
    assert_eq!(l.official_unedited(), Some(true));
    l.items[0].length += 1;
    assert_eq!(l.official_unedited(), Some(false));
    // …and that survives writing and loading.
    let back = parse_layout(&layout_to_toml(&l), "edited.toml").unwrap();
    assert_eq!(back.official_unedited(), Some(false));
    // A layout that claims official-import without saying where from does not load.
    let text = layout_to_toml(&l).replace("[official]", "[x_official]");
    assert!(parse_layout(&text, "bad.toml").is_err());
}

// A workbook of our own making in the official form.

/// A row of inline-string cells (`(column, text)`); `#n` stores a number instead.
fn row(r: u32, cells: &[(&str, &str)]) -> String {
    let mut s = format!(r#"<row r="{r}">"#);
    for (c, v) in cells {
        let at = format!("{c}{r}");
        match v.strip_prefix('#') {
            Some(num) => s.push_str(&n(&at, num)),
            None => s.push_str(&inl(&at, &v.replace('&', "&amp;").replace('<', "&lt;"))),
        }
    }
    s.push_str("</row>");
    s
}

type Cells = &'static [(&'static str, &'static str)];

/// Title row, a two-row header with merged cells, columns in another order than the
/// official one (データ型 before ローマ字), 項目定義 and 備考 missing; two groups, a foreign
/// key, 9V / S9 / YEAR / TIME, full-width type letters, numbers stored as text; an
/// unreadable type on row 15, a failing sample on row 13, the end marker on row 16.
fn own_item_sheet(drop: Option<&str>) -> String {
    let header: Vec<(&str, &str)> = [
        ("B", "データ項目ID"),
        ("D", "データ項目"),
        ("E", "データ型"),
        ("F", "データ項目（ローマ字）"),
        ("G", "グループ"),
        ("J", "桁数"),
        ("K", "コード"),
        ("L", "繰り返し"),
        ("M", "データ出力条件"),
        ("N", "項目説明"),
        ("O", "サンプル値"),
    ]
    .into_iter()
    .filter(|(_, t)| Some(*t) != drop)
    .collect();
    let mut rows = vec![
        row(1, &[("B", "■テスト業務 項目定義書")]),
        row(3, &header),
        row(4, &[("G", "名称"), ("H", "主キー"), ("I", "外部キー")]),
    ];
    let items: &[Cells] = &[
        &[
            ("B", "099"),
            ("C", "#1"),
            ("D", "世帯番号"),
            ("E", "X"),
            ("F", "setaibango"),
            ("G", "世帯"),
            ("H", "○"),
            ("J", "#15"),
            ("M", "必須"),
            ("O", "000000000000001"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#2"),
            ("D", "世帯主氏名_フリガナ"),
            ("E", "Ｎ"),
            ("F", "setainushi_furigana"),
            ("G", "世帯"),
            ("J", "５０"),
            ("M", "任意"),
            ("O", "ヤマダ\u{3000}タロウ"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#3"),
            ("D", "面積"),
            ("E", "９Ｖ"),
            ("F", "menseki"),
            ("G", "世帯"),
            ("J", "5,2"),
            ("M", "任意"),
            ("O", "123.45"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#4"),
            ("D", "調整額"),
            ("E", "S9"),
            ("F", "choseigaku"),
            ("G", "世帯"),
            ("J", "9"),
            ("M", "条件付き必須"),
            ("N", "・負の値あり\n※※調整がある場合は出力必須"),
            ("O", "-120"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#5"),
            ("D", "設立年"),
            ("E", "YEAR"),
            ("F", "setsuritsunen"),
            ("G", "世帯"),
            ("M", "任意"),
            ("O", "2024"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#6"),
            ("D", "世帯員番号"),
            ("E", "X"),
            ("F", "setaiinbango"),
            ("G", "世帯員"),
            ("H", "○"),
            ("J", "15"),
            ("M", "必須"),
            ("O", "000000000000002"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#7"),
            ("D", "世帯番号"),
            ("E", "X"),
            ("F", "setaibango"),
            ("G", "世帯員"),
            ("I", "○"),
            ("J", "15"),
            ("M", "必須"),
            ("O", "000000000000001"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#8"),
            ("D", "続柄"),
            ("E", "X"),
            ("F", "zokugara"),
            ("G", "世帯員"),
            ("J", "2"),
            ("K", "1"),
            ("L", "3"),
            ("M", "必須"),
            ("O", "01"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#9"),
            ("D", "届出時刻"),
            ("E", "TIME"),
            ("F", "todokedejikoku"),
            ("G", "世帯員"),
            ("J", "8"),
            ("M", "任意"),
            ("O", "25:00"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#10"),
            ("D", "連携区分"),
            ("E", "X"),
            ("F", "renkeikubun"),
            ("G", "世帯員"),
            ("J", "1"),
            ("K", "住民記録001"),
            ("M", "任意"),
            ("O", "2"),
            ("P", "e"),
        ],
        &[
            ("B", "099"),
            ("C", "#11"),
            ("D", "謎"),
            ("E", "Z"),
            ("F", "nazo"),
            ("G", "世帯員"),
            ("J", "1"),
            ("M", "任意"),
            ("P", "e"),
        ],
        &[
            ("A", "e"),
            ("B", "e"),
            ("D", "e"),
            ("E", "e"),
            ("F", "e"),
            ("P", "e"),
        ],
    ];
    for (i, cells) in items.iter().enumerate() {
        rows.push(row(5 + i as u32, cells));
    }
    format!(
        r#"<sheetData>{}</sheetData><mergeCells count="8"><mergeCell ref="B3:C4"/><mergeCell ref="D3:D4"/><mergeCell ref="E3:E4"/><mergeCell ref="F3:F4"/><mergeCell ref="J3:J4"/><mergeCell ref="K3:K4"/><mergeCell ref="M3:M4"/><mergeCell ref="O3:O4"/></mergeCells>"#,
        rows.concat()
    )
}

fn own_book(drop: Option<&str>) -> Vec<u8> {
    let individual = [
        row(1, &[("A", "コード一覧表"), ("C", "業務名")]),
        row(2, &[("C", "テスト業務")]),
        row(
            4,
            &[
                ("A", "コードID"),
                ("B", "コード名"),
                ("C", "コード値"),
                ("D", "コード値の内容"),
            ],
        ),
        row(
            5,
            &[("A", "#1"), ("B", "続柄"), ("C", "01"), ("D", "世帯主")],
        ),
        row(6, &[("C", "02"), ("D", "妻")]),
        row(
            7,
            &[
                ("A", "999"),
                ("B", "自治体固有コード"),
                ("C", "任意"),
                ("D", "任意"),
            ],
        ),
    ]
    .concat();
    let linked = [
        row(
            3,
            &[
                ("A", "業務名"),
                ("B", "コードID"),
                ("C", "コード名"),
                ("D", "コード値"),
                ("E", "コード値の内容"),
            ],
        ),
        row(
            4,
            &[
                ("A", "住民記録"),
                ("B", "001"),
                ("C", "異動区分"),
                ("D", "1"),
                ("E", "転入"),
            ],
        ),
        row(5, &[("D", "2"), ("E", "転出")]),
    ]
    .concat();
    let items = own_item_sheet(drop);
    let individual = format!("<sheetData>{individual}</sheetData>");
    let linked = format!("<sheetData>{linked}</sheetData>");
    let legend = format!("<sheetData>{}</sheetData>", row(1, &[("A", "データ型")]));
    xlsx(
        &[
            ("項目定義書（テスト）", items.as_str()),
            ("コード一覧（個別）_テスト", individual.as_str()),
            ("コード一覧（連携）_テスト", linked.as_str()),
            ("凡例）データ型", legend.as_str()),
        ],
        None,
    )
}

#[test]
fn issue13_item4_own_workbook_two_groups_foreign_key_types_codes() {
    let bytes = own_book(None);
    let book = official::import_official(&bytes, "own.xlsx", Some("standard/test")).unwrap();
    let warnings: Vec<(u32, String)> = book
        .warnings
        .iter()
        .map(|w| (w.row, w.message.clone()))
        .collect();
    let rows: Vec<u32> = warnings.iter().map(|w| w.0).collect();
    assert_eq!(rows, [3, 3, 13, 15, 16], "{warnings:#?}");
    assert!(warnings[0].1.contains("項目定義"), "{warnings:?}");
    assert!(warnings[1].1.contains("備考"), "{warnings:?}");
    assert!(
        warnings[2].1.contains("25:00") && warnings[2].1.contains("TIME"),
        "{warnings:?}"
    );
    assert!(warnings[3].1.contains("データ型 「Z」"), "{warnings:?}");
    assert!(warnings[4].1.contains("end marker"), "{warnings:?}");
    let roles: Vec<_> = book.sheets.iter().map(|(_, r)| *r).collect();
    assert_eq!(
        roles,
        [
            official::SheetRole::Items,
            official::SheetRole::CodesIndividual,
            official::SheetRole::CodesLinked,
            official::SheetRole::Legend
        ]
    );
    let ids: Vec<&str> = book.layouts.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["standard/test-1", "standard/test-2"]);
    let (setai, setaiin) = (&book.layouts[0], &book.layouts[1]);
    assert_eq!(setai.name, "世帯");
    assert_eq!(setaiin.name, "世帯員");
    assert_eq!(setai.items.len(), 5);
    assert_eq!(setaiin.items.len(), 5);
    let off = |l: &Layout, k: &str| l.item(k).unwrap().official.clone().unwrap();
    // Keys.
    assert!(off(setai, "setaibango").primary_key);
    assert!(off(setaiin, "setaiinbango").primary_key);
    assert!(!off(setaiin, "setaibango").primary_key);
    assert_eq!(
        off(setaiin, "setaibango").foreign_key.as_deref(),
        Some("standard/test-1")
    );
    assert_eq!(off(setai, "setaibango").item_id, "09900001");
    // Types: full-width letters, 9V with scale, S9 signed, YEAR, TIME; lengths as text,
    // full-width digits and numbers.
    assert_eq!(off(setai, "setainushi_furigana").data_type, DataType::N);
    assert_eq!(setai.item("setainushi_furigana").unwrap().length, 50);
    assert_eq!(
        setai.item("setainushi_furigana").unwrap().domain,
        DomainType::Kana
    );
    let m = off(setai, "menseki");
    assert_eq!((m.data_type, m.scale), (DataType::Decimal, Some(2)));
    assert_eq!(setai.item("menseki").unwrap().length, 5);
    let c = off(setai, "choseigaku");
    assert!(c.signed());
    assert_eq!(
        setai.item("choseigaku").unwrap().requirement(),
        Requirement::Conditional
    );
    assert_eq!(c.condition.as_deref(), Some("調整がある場合は出力必須"));
    assert_eq!(off(setai, "setsuritsunen").data_type, DataType::Year);
    assert_eq!(setai.item("setsuritsunen").unwrap().length, 4);
    assert_eq!(off(setaiin, "todokedejikoku").data_type, DataType::Time);
    // Codes from both sheets, tied to their items; repetition.
    let z = setaiin.item("zokugara").unwrap();
    assert_eq!(z.code_table.as_deref(), Some("std099-001"));
    assert_eq!(z.repeat, 3);
    assert_eq!(
        setaiin.item("renkeikubun").unwrap().code_table.as_deref(),
        Some("std099-renkei1-001")
    );
    let names: Vec<&str> = book
        .code_tables
        .iter()
        .map(|t| t.table.name.as_str())
        .collect();
    assert_eq!(names, ["std099-001", "std099-renkei1-001"]);
    assert_eq!(
        book.code_tables[1].table.entries[1],
        ("2".to_string(), "転出".to_string())
    );
    assert_eq!(setai.gyomu, "テスト業務");
    // Round trip: write and load gives the same model, unedited.
    for l in &book.layouts {
        let back = parse_layout(&book.layout_toml(l), "x.toml").unwrap();
        assert_eq!(&back, l);
        assert_eq!(back.official_unedited(), Some(true));
        assert_eq!(back.status, Status::OfficialImport);
    }
    for t in &book.code_tables {
        let csv = official::code_table_csv(&t.table);
        assert_eq!(
            parse_code_table(&csv, &t.table.name, "t.csv").unwrap(),
            t.table
        );
    }
}

#[test]
fn issue13_item4_a_missing_essential_column_is_named() {
    let bytes = own_book(Some("データ型"));
    let err = official::import_official(&bytes, "own.xlsx", None).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("データ型") && msg.contains("row 3"), "{msg}");
}

#[test]
fn issue13_item4_a_missing_optional_column_is_a_warning_naming_it() {
    let bytes = own_book(Some("サンプル値"));
    let book = official::import_official(&bytes, "own.xlsx", None).unwrap();
    assert!(book
        .warnings
        .iter()
        .any(|w| w.row == 3 && w.message.contains("サンプル値")));
    // Without samples, the TIME sample warning is gone.
    assert!(!book.warnings.iter().any(|w| w.row == 13));
    assert_eq!(book.layouts[0].id, "standard/std099-1");
}

#[test]
fn issue13_item1_sample_values_are_checked_against_their_type() {
    use official::check_value;
    assert!(check_value(DataType::X, 3, None, "001").is_ok());
    assert!(check_value(DataType::X, 3, None, "０01").is_err());
    assert!(check_value(DataType::X, 2, None, "001").is_err());
    assert!(check_value(DataType::N, 4, None, "東京都").is_ok());
    assert!(check_value(DataType::N, 4, None, "Tokyo").is_err());
    assert!(check_value(DataType::Integer, 2, None, "12").is_ok());
    assert!(check_value(DataType::Integer, 2, None, "-1").is_err());
    assert!(check_value(DataType::Signed, 2, None, "-12").is_ok());
    assert!(check_value(DataType::Decimal, 3, Some(1), "123.4").is_ok());
    assert!(check_value(DataType::Decimal, 3, Some(1), "123.45").is_err());
    assert!(check_value(DataType::Year, 4, None, "9999").is_ok());
    assert!(check_value(DataType::Date, 10, None, "2024-02-29").is_ok());
    assert!(check_value(DataType::Date, 10, None, "2023-02-29").is_err());
    assert!(check_value(DataType::Date, 10, None, "0000-01-01").is_ok());
    assert!(check_value(DataType::Time, 8, None, "09:00").is_ok());
    assert!(check_value(DataType::Time, 8, None, "24:00:00").is_err());
}

/// #13: the forms convert checks target values in, typed, with positions and code points
/// rather than values in the messages.
#[test]
fn issue13_forms_are_typed_and_name_positions_not_values() {
    use official::{check_form, FormProblem as P};
    let problem = |dt, len, scale, unknown, v: &str| {
        check_form(dt, len, scale, unknown, v)
            .err()
            .map(|e| e.problem)
    };
    assert_eq!(problem(DataType::X, 10, None, false, "OP0012"), None);
    assert_eq!(
        problem(DataType::X, 10, None, false, "ｱｲｳ"),
        None,
        "half-width カナ is X"
    );
    assert_eq!(
        problem(DataType::X, 10, None, false, "ＯＰ01"),
        Some(P::NotHalfWidth)
    );
    assert_eq!(
        problem(DataType::X, 3, None, false, "1234"),
        Some(P::TooLong)
    );
    assert_eq!(problem(DataType::N, 5, None, false, "山田　太郎"), None);
    assert_eq!(
        problem(DataType::N, 5, None, false, "ﾔﾏﾀﾞ"),
        Some(P::NotFullWidth)
    );
    assert_eq!(
        problem(DataType::N, 5, None, false, "山田\t"),
        Some(P::NotFullWidth)
    );
    // 桁数 counts characters, not bytes.
    assert_eq!(problem(DataType::N, 4, None, false, "神奈川県"), None);
    assert_eq!(
        problem(DataType::N, 4, None, false, "神奈川県庁"),
        Some(P::TooLong)
    );
    assert_eq!(
        problem(DataType::Integer, 3, None, false, "12a"),
        Some(P::NotNumber)
    );
    // S9: `-` is not a digit of 桁数; 9V: n integer and m decimal digits.
    assert_eq!(problem(DataType::Signed, 3, None, false, "-123"), None);
    assert_eq!(
        problem(DataType::Signed, 3, None, false, "+123"),
        Some(P::NotNumber)
    );
    assert_eq!(
        problem(DataType::Signed, 3, None, false, "-1234"),
        Some(P::TooLong)
    );
    assert_eq!(
        problem(DataType::Decimal, 3, Some(2), false, "123.45"),
        None
    );
    assert_eq!(
        problem(DataType::Decimal, 3, Some(2), false, "123."),
        Some(P::NotNumber)
    );
    assert_eq!(
        problem(DataType::Decimal, 3, Some(2), false, "1.234"),
        Some(P::TooLong)
    );
    assert_eq!(problem(DataType::Year, 4, None, false, "0000"), None);
    assert_eq!(
        problem(DataType::Year, 4, None, false, "R7"),
        Some(P::NotYear)
    );
    // DATE: real dates, the open ends, 不詳日 only where allowed.
    assert_eq!(problem(DataType::Date, 10, None, false, "9999-12-31"), None);
    assert_eq!(
        problem(DataType::Date, 10, None, false, "2025-04-31"),
        Some(P::NotDate)
    );
    assert_eq!(
        problem(DataType::Date, 10, None, false, "20250401"),
        Some(P::NotDate)
    );
    assert_eq!(
        problem(DataType::Date, 10, None, false, "1955-03"),
        Some(P::UnknownDate)
    );
    assert_eq!(
        problem(DataType::Date, 10, None, false, "1955"),
        Some(P::UnknownDate)
    );
    assert_eq!(problem(DataType::Date, 10, None, true, "1955-03"), None);
    assert_eq!(
        problem(DataType::Date, 10, None, true, "1955-13"),
        Some(P::NotDate)
    );
    // TIME: seconds optional, 24-hour.
    assert_eq!(problem(DataType::Time, 8, None, false, "23:59:59"), None);
    assert_eq!(
        problem(DataType::Time, 8, None, false, "093015"),
        Some(P::NotTime)
    );
    assert_eq!(
        problem(DataType::Time, 8, None, false, "9:30"),
        Some(P::NotTime)
    );
    // The message names the character's position and code point, not the value.
    let e = check_form(DataType::X, 10, None, false, "ＯＰ01").unwrap_err();
    assert_eq!(
        e.message,
        "character 1 (U+FF2F) is not a half-width character (X)"
    );
    let e = check_form(DataType::N, 10, None, false, "山田A").unwrap_err();
    assert!(e.message.starts_with("character 3 (U+0041)") && !e.message.contains("山田"));
}

fn xml_text(v: &str) -> String {
    // XML 1.0 cannot carry most control characters; the rest is escaped.
    v.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Issue 13: whatever the cells of an official-form item sheet hold, the import ends in
    /// layouts that load back (with their digest intact) or in an error — never a panic.
    #[test]
    fn issue13_hostile_cells_in_the_official_form_never_panic(
        cells in proptest::collection::vec(
            proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::prelude::any::<String>(),
                    proptest::sample::select(vec![
                        "".to_string(), "○".into(), "X".into(), "Ｎ".into(), "９Ｖ".into(),
                        "S9".into(), "DATE".into(), "TIME".into(), "YEAR".into(), "BLOB".into(),
                        "必須".into(), "条件付き必須".into(), "任意".into(), "5,2".into(),
                        "１０".into(), "999".into(), "住民記録001".into(), "e".into(),
                        "g1".into(), "g2".into(), "key_a".into(), "key_b".into(), "031".into(),
                        "※※条件".into(), "2024-02-30".into(), "12".into(),
                    ]),
                ],
                14,
            ),
            1..8,
        )
    ) {
        let header = row(2, &[
            ("A", "データ項目ID"), ("C", "データ項目"), ("D", "データ項目（ローマ字）"),
            ("E", "グループ"), ("H", "データ型"), ("I", "桁数"), ("J", "コード"),
            ("K", "繰り返し"), ("L", "データ出力条件"), ("M", "項目説明"), ("N", "サンプル値"),
        ]);
        let sub = row(3, &[("E", "名称"), ("F", "主キー"), ("G", "外部キー")]);
        let cols = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N"];
        let mut body = String::new();
        for (i, r) in cells.iter().enumerate() {
            let texts: Vec<String> = r.iter().map(|v| xml_text(v)).collect();
            let pairs: Vec<(&str, &str)> = cols.iter().copied().zip(texts.iter().map(String::as_str)).collect();
            body.push_str(&row(4 + i as u32, &pairs));
        }
        let sheet = format!("<sheetData>{header}{sub}{body}</sheetData>");
        let bytes = xlsx(&[("項目定義書", sheet.as_str())], None);
        if let Ok(book) = official::import_official(&bytes, "h.xlsx", None) {
            for l in &book.layouts {
                let back = parse_layout(&book.layout_toml(l), "h.toml");
                proptest::prop_assert!(back.is_ok(), "{:?}", back.err());
                proptest::prop_assert_eq!(back.unwrap().official_unedited(), Some(true));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// #18 item 3: crafted small workbooks must not exhaust memory; the totals are bounded.

/// A workbook of `sheets` sheets that all point at `target`, plus the given parts.
fn raw_book(sheets: usize, target: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut wb = String::from(
        r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for n in 1..=sheets {
        wb.push_str(&format!(
            r#"<sheet name="s{n}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{target}"/>"#
        ));
    }
    wb.push_str("</sheets></workbook>");
    rels.push_str(r#"<Relationship Id="rId9999" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#);
    zip.start_file("xl/workbook.xml", opts).unwrap();
    zip.write_all(wb.as_bytes()).unwrap();
    zip.start_file("xl/_rels/workbook.xml.rels", opts).unwrap();
    zip.write_all(rels.as_bytes()).unwrap();
    for (name, body) in parts {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const BOMB_WS: &str =
    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

#[test]
fn issue18_item3_one_large_shared_string_in_many_cells_is_bounded() {
    let big = "亜".repeat(8 * 1024 * 1024 / 3);
    let sst = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{big}</t></si></sst>"#
    );
    let mut sheet = format!("{BOMB_WS}<sheetData>");
    for r in 1..=200 {
        sheet.push_str(&format!(r#"<row r="{r}">"#));
        for c in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] {
            sheet.push_str(&format!(r#"<c r="{c}{r}" t="s"><v>0</v></c>"#));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let book = raw_book(
        1,
        "worksheets/sheet1.xml",
        &[
            ("xl/sharedStrings.xml", sst.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ],
    );
    assert!(book.len() < 200_000, "{} bytes", book.len());
    let err = read_xlsx(&book, None).unwrap_err();
    assert!(matches!(err, ImportError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("cell text in all"), "{err}");
    let err = official::import_official(&book, "bomb.xlsx", None).unwrap_err();
    assert!(matches!(err, ImportError::TooLarge { .. }), "{err}");
}

#[test]
fn issue18_item3_a_large_cell_merged_over_millions_of_cells_is_bounded() {
    let big = "x".repeat(16 * 1024 * 1024 - 1024);
    // 512 columns × 4,000 rows merged; the range's far corner holds a value.
    let sheet = format!(
        r#"{BOMB_WS}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{big}</t></is></c></row><row r="4000"><c r="A4000"><v>1</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:RR4000"/></mergeCells></worksheet>"#
    );
    let book = raw_book(
        1,
        "worksheets/sheet1.xml",
        &[("xl/worksheets/sheet1.xml", sheet.as_bytes())],
    );
    assert!(book.len() < 200_000, "{} bytes", book.len());
    let err = read_xlsx(&book, None).unwrap_err();
    assert!(err.to_string().contains("merged"), "{err}");
}

#[test]
fn issue18_item3_many_sheets_pointing_at_one_large_part_are_bounded() {
    let pad = " ".repeat(2 * 1024 * 1024);
    let sheet = format!(
        r#"{BOMB_WS}<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>{pad}</worksheet>"#
    );
    let book = raw_book(
        200,
        "worksheets/sheet1.xml",
        &[("xl/worksheets/sheet1.xml", sheet.as_bytes())],
    );
    assert!(book.len() < 200_000, "{} bytes", book.len());
    let err = read_xlsx(&book, None).unwrap_err();
    assert!(err.to_string().contains("parts in all"), "{err}");
}

/// Which importer `ikou layouts import` uses for a file (issue #15: the decision is the
/// library's): a copybook by extension or content (never a zip, never by content for .csv),
/// a workbook by extension or zip magic, the official form only for a zip in that form.
#[test]
fn issue15_the_kind_of_an_item_list_is_decided_by_the_library() {
    use std::path::Path;
    let cpy = b"       01 REC.\n           05 NAME PIC X(10).\n";
    assert!(is_copybook_file(Path::new("a.cpy"), b"anything"));
    assert!(is_copybook_file(Path::new("a.CBL"), b""));
    assert!(is_copybook_file(Path::new("a.txt"), cpy));
    assert!(!is_copybook_file(Path::new("a.csv"), cpy));
    assert!(!is_copybook_file(Path::new("a.cpy"), b"PK\x03\x04rest"));
    let book = xlsx(&[("S", "<sheetData></sheetData>")], None);
    assert!(is_workbook_file(Path::new("a.xlsm"), b""));
    assert!(is_workbook_file(Path::new("a.bin"), &book));
    assert!(!is_workbook_file(Path::new("a.csv"), b"a,b"));
    assert!(!is_official_workbook(b"a,b").unwrap());
    assert!(!is_official_workbook(&book).unwrap());
    assert!(is_official_workbook(b"PK\x03\x04 not a zip").is_err());
    if let Some((bytes, _)) = official_book() {
        assert!(is_official_workbook(&bytes).unwrap());
    }
    assert_eq!(
        default_layout_id(Path::new("/x/Juki Kihon_v2.xlsx")),
        "chukan/juki-kihon-v2"
    );
    assert_eq!(default_layout_id(Path::new("住民.csv")), "chukan/imported");
}

/// #15: the X and N checks find the first character of the wrong width and count the
/// characters in one pass, by bytes when the value is ASCII: both ways give the same
/// positions, code points and counts.
#[test]
fn issue15_form_checks_count_and_locate_characters_by_bytes_or_characters() {
    use official::check_form;
    let message = |dt, len, v: &str| check_form(dt, len, None, false, v).err().map(|e| e.message);
    // ASCII values.
    assert_eq!(message(DataType::X, 4, "AB~ "), None);
    assert_eq!(
        message(DataType::X, 10, "AB\tC").as_deref(),
        Some("character 3 (U+0009) is not a half-width character (X)")
    );
    assert_eq!(
        message(DataType::X, 3, "ABCD").as_deref(),
        Some("4 characters, longer than 桁数 3")
    );
    assert_eq!(
        message(DataType::N, 3, "A").as_deref(),
        Some("character 1 (U+0041) is not a full-width character (Ｎ)")
    );
    assert_eq!(
        message(DataType::Integer, 3, "1234").as_deref(),
        Some("4 characters, longer than 桁数 3")
    );
    assert_eq!(
        message(DataType::Signed, 3, "-1234").as_deref(),
        Some("5 characters, longer than 桁数 3")
    );
    // Values with other characters: counted in characters (ｱｲｳ is 9 bytes).
    assert_eq!(message(DataType::X, 3, "ｱｲｳ"), None);
    assert_eq!(
        message(DataType::X, 3, "ｱｲｳｴ").as_deref(),
        Some("4 characters, longer than 桁数 3")
    );
    assert_eq!(
        message(DataType::X, 10, "ｱｲＡｳ").as_deref(),
        Some("character 3 (U+FF21) is not a half-width character (X)")
    );
    assert_eq!(message(DataType::N, 4, "山田太郎"), None);
    assert_eq!(
        message(DataType::N, 4, "山田太郎様").as_deref(),
        Some("5 characters, longer than 桁数 4")
    );
    assert_eq!(
        message(DataType::N, 10, "山田\u{7F}").as_deref(),
        Some("character 3 (U+007F) is not a full-width character (Ｎ)")
    );
}
