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
        Err(ImportError::Xml { part, .. }) => assert_eq!(part, "xl/worksheets/sheet1.xml"),
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
    assert!(matches!(
        import_xlsx(&book, None, &opts("chukan/x")),
        Err(ImportError::Xml { .. })
    ));
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
        eprintln!(
            "SKIPPED: ../shared/testdata is absent (set IKOU_SHARED_DIR or IKOU_REQUIRE_SHARED=1)"
        );
        return None;
    };
    let path = dir.join("digital-agency/atenabango-kanri_item-definition.xlsx");
    let bytes = std::fs::read(&path).unwrap();
    let book =
        official::import_official(&bytes, "atenabango-kanri_item-definition.xlsx", None).unwrap();
    Some((bytes, book))
}

#[test]
fn issue13_debug_dump() {
    let Some((_, book)) = official_book() else {
        return;
    };
    for w in &book.warnings {
        eprintln!("W {w}");
    }
    for l in &book.layouts {
        eprintln!("{}", book.layout_toml(l));
    }
    for t in &book.code_tables {
        eprintln!("{:?}", t);
    }
    eprintln!("{:?}", book.refinements);
    eprintln!("{:?}", book.sheets);
}
