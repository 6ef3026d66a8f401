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
// #13: the official item-definition form (項目定義書 / 基本データリスト)

use ikou_layout_spec::import::official::{import_official, OfficialBook};

/// `../shared/testdata` beside the repository, or `$IKOU_SHARED_TESTDATA`.
fn shared() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("IKOU_SHARED_TESTDATA") {
        let p = std::path::PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    p.is_dir().then_some(p)
}

fn xml_escape(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A row of inline-string cells: `(column letter, value)`.
fn row(r: u32, cells: &[(&str, &str)]) -> String {
    let mut s = format!(r#"<row r="{r}">"#);
    for (c, v) in cells {
        if v.is_empty() {
            continue;
        }
        s.push_str(&inl(&format!("{c}{r}"), &xml_escape(v)));
    }
    s.push_str("</row>");
    s
}

fn requirement(r: Requirement) -> &'static str {
    r.as_str()
}

#[test]
fn issue13_official_workbook_imports_every_item() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED issue13_official_workbook_imports_every_item: ../shared/testdata is absent (set IKOU_SHARED_TESTDATA)");
        return;
    };
    let path = shared.join("digital-agency/atenabango-kanri_item-definition.xlsx");
    let bytes = std::fs::read(&path).unwrap();
    let book = import_official(&bytes, "atenabango-kanri_item-definition.xlsx").unwrap();
    // No warning except the end-marker row.
    assert_eq!(book.warnings.len(), 1, "{:#?}", book.warnings);
    assert_eq!(book.warnings[0].row, 36);
    assert!(book.warnings[0].message.contains("end-marker"));
    assert_eq!(book.legend_sheets.len(), 2);
    assert_eq!(
        book.sha256,
        "2ffb05bf38bce6ba6faf4ba867c97f02e57d2888f9fbf25c1183d661b91f7c33"
    );
    assert_eq!(book.layouts.len(), 1);
    let l = &book.layouts[0];
    assert_eq!(l.id, "standard/031-01");
    assert_eq!(l.name, "住登外者宛名基本情報");
    assert_eq!(l.family, Family::Standard);
    assert_eq!(l.status, Status::OfficialImport);
    let origin = l.origin.as_ref().unwrap();
    assert_eq!(origin.workbook, "atenabango-kanri_item-definition.xlsx");
    assert_eq!(origin.sha256, book.sha256);
    assert_eq!(
        origin.sheet,
        "項目定義書（住登外者宛名番号管理）住登外者宛名基本情報"
    );
    // (item id, key, data type, domain, length, required, primary key, code table, repeat)
    #[allow(clippy::type_complexity)]
    let expected: &[(&str, &str, &str, &str, u32, &str, bool, Option<&str>, u32)] = &[
        (
            "03100001",
            "atenabango",
            "X",
            "text",
            15,
            "required",
            true,
            None,
            1,
        ),
        (
            "03100002",
            "kojinbango",
            "X",
            "individual_number",
            12,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100003",
            "shimei",
            "N",
            "fullwidth",
            100,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100004",
            "uji_nihonjin",
            "N",
            "fullwidth",
            50,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100005",
            "na_nihonjin",
            "N",
            "fullwidth",
            50,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100006",
            "shimei_gaikokujinarufuabetto",
            "N",
            "fullwidth",
            100,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100007",
            "shimei_gaikokujinkanji",
            "N",
            "fullwidth",
            100,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100008",
            "shimei_yomigana",
            "N",
            "kana",
            100,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100009",
            "uji_nihonjin_yomigana",
            "N",
            "kana",
            50,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100010",
            "na_nihonjin_yomigana",
            "N",
            "kana",
            50,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100011",
            "seibetsu",
            "X",
            "code",
            1,
            "optional",
            false,
            Some("std-031-001"),
            1,
        ),
        (
            "03100012",
            "seinengappi",
            "DATE",
            "date",
            10,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100013",
            "seinengappi_fushohyoki",
            "N",
            "fullwidth",
            72,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100014",
            "jusho_shikuchosonkodo",
            "X",
            "lg_code",
            6,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100015",
            "jusho_choazakodo",
            "X",
            "text",
            7,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100016",
            "jusho_todofuken",
            "N",
            "fullwidth",
            4,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100017",
            "jusho_shikugunchosonmei",
            "N",
            "fullwidth",
            12,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100018",
            "jusho_choaza",
            "N",
            "fullwidth",
            18,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100019",
            "jusho_banchigohyoki",
            "N",
            "fullwidth",
            50,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100020",
            "jusho_katagaki",
            "N",
            "fullwidth",
            300,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100021",
            "jusho_katagaki_furigana",
            "N",
            "kana",
            300,
            "optional",
            false,
            None,
            1,
        ),
        (
            "03100022",
            "jusho_yubinbango",
            "X",
            "postal_code",
            7,
            "optional",
            false,
            None,
            1,
        ),
        // The form writes 999 in 繰り返し for this item; it is imported as written.
        (
            "03100023",
            "gyomuid",
            "X",
            "text",
            3,
            "conditional",
            false,
            None,
            999,
        ),
        (
            "03100024",
            "dokujishisakushisutemunadoid",
            "X",
            "text",
            3,
            "conditional",
            false,
            None,
            999,
        ),
        (
            "03100025",
            "daihyoatenafuragu",
            "9",
            "code",
            1,
            "required",
            false,
            Some("std-031-002"),
            1,
        ),
        (
            "03100026",
            "nayosesakiatenabango",
            "X",
            "text",
            15,
            "conditional",
            false,
            None,
            1,
        ),
        (
            "03100027",
            "sosashaid",
            "X",
            "text",
            10,
            "required",
            false,
            None,
            1,
        ),
        (
            "03100028",
            "sosanengappi",
            "DATE",
            "date",
            10,
            "required",
            false,
            None,
            1,
        ),
        (
            "03100029",
            "sosajikoku",
            "TIME",
            "text",
            8,
            "required",
            false,
            None,
            1,
        ),
    ];
    assert_eq!(l.items.len(), expected.len());
    for (it, e) in l.items.iter().zip(expected) {
        let got = (
            it.official.item_id.as_deref().unwrap(),
            it.key.as_str(),
            it.official.data_type.unwrap().as_str(),
            it.domain.as_str(),
            it.length,
            requirement(it.requirement()),
            it.official.primary_key,
            it.code_table.as_deref(),
            it.repeat,
        );
        assert_eq!(&got, e);
        assert_eq!(it.unit, LengthUnit::Chars, "{}", it.key);
        assert_eq!(it.official.foreign_key, None, "{}", it.key);
        assert_eq!(it.official.scale, None);
        assert!(!it.official.signed);
        // Every 条件付き必須 item has its condition from 項目説明 after ※※.
        assert_eq!(
            it.official.condition.is_some(),
            it.requirement() == Requirement::Conditional,
            "{}",
            it.key
        );
    }
    assert_eq!(
        l.items[2].official.condition.as_deref(),
        Some("氏名未定でない場合は出力必須")
    );
    assert_eq!(l.items[23].official.code_id.as_deref(), Some("999"));
    assert!(l.items[23]
        .note
        .as_deref()
        .unwrap()
        .contains("own code list"));
    assert_eq!(l.items[11].date_form, Some(DateForm::Iso));
    // Refinements by name are said, and only refine X/Ｎ.
    assert_eq!(book.notes.len(), 7, "{:#?}", book.notes);
    assert!(book.notes.iter().all(|n| n.contains("refined")));
    // Code tables from コード一覧（個別）, with values and meanings; 999 is not a table.
    let names: Vec<_> = book.code_tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["std-031-001", "std-031-002"]);
    assert_eq!(
        book.code_tables[0].entries,
        [("0", "不明（未記入）"), ("1", "男"), ("2", "女")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        book.code_tables[1].entries,
        [("0", "代表宛名"), ("1", "非代表宛名")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    round_trips(&book);
}

/// import → write → load gives the same model, and the item hash still matches.
fn round_trips(book: &OfficialBook) {
    for l in &book.layouts {
        let text = layout_to_toml(l);
        let back = parse_layout(&text, "rt.toml").unwrap();
        assert_eq!(&back, l);
        assert_eq!(official_unchanged(&back), Some(true));
        // A hand edit of an item shows.
        let edited = text.replacen("\nkey = \"", "\nkey = \"x", 1);
        let edited = parse_layout(&edited, "edited.toml").unwrap();
        assert_eq!(official_unchanged(&edited), Some(false));
    }
    for t in &book.code_tables {
        let mut csv = String::from("code,label\n");
        for (c, l) in &t.entries {
            csv.push_str(&format!("{c},{l}\n"));
        }
        assert_eq!(&parse_code_table(&csv, &t.name, "t.csv").unwrap(), t);
    }
}

/// A workbook of our own making in the official form: a title row, a two-row header with
/// merged cells, columns in another order, two item sheets, three groups with primary and
/// foreign keys, 9V/S9/YEAR/TIME/BLOB, full-width type letters and digits, numbers stored
/// as text, both code sheets, a legend sheet, an end-marker column and row.
fn synthetic_book() -> Vec<u8> {
    let merges = r#"<mergeCells count="3"><mergeCell ref="A3:B4"/><mergeCell ref="C3:C4"/><mergeCell ref="D3:D4"/></mergeCells>"#;
    // Columns: A-B データ項目ID (業務コード, 項目コード), C データ型, D データ項目（ローマ字）,
    // E データ項目, F-H グループ 名称/主キー/外部キー, I 桁数, J コード, K 繰り返し,
    // L データ出力条件, M 項目説明, N サンプル値, O (end marker).
    let hdr = |r: u32| {
        row(
            r,
            &[
                ("A", "データ項目ID"),
                ("C", "データ型"),
                ("D", "データ項目（ローマ字）"),
                ("E", "データ項目"),
                ("F", "グループ"),
                ("I", "桁数"),
                ("J", "コード"),
                ("K", "繰り返し"),
                ("L", "データ出力条件"),
                ("M", "項目説明"),
                ("N", "サンプル値"),
            ],
        ) + &row(r + 1, &[("F", "名称"), ("G", "主キー"), ("H", "外部キー")])
    };
    #[allow(clippy::type_complexity)]
    let item = |r: u32, v: [&str; 13]| {
        row(
            r,
            &[
                ("A", v[0]),
                ("B", v[1]),
                ("C", v[2]),
                ("D", v[3]),
                ("E", v[4]),
                ("F", v[5]),
                ("G", v[6]),
                ("H", v[7]),
                ("I", v[8]),
                ("J", v[9]),
                ("K", v[10]),
                ("L", v[11]),
                ("M", v[12]),
                ("O", "e"),
            ],
        )
    };
    let with_sample = |r: String, n: u32, sample: &str| {
        r.replace("</row>", &inl(&format!("N{n}"), &xml_escape(sample))) + "</row>"
    };
    let sheet1 = format!(
        "<sheetData>{}{}{}{}{}{}{}{}{}</sheetData>{merges}",
        row(1, &[("A", "■テスト業務 項目定義書")]),
        hdr(3),
        with_sample(
            item(
                5,
                [
                    "099",
                    "1",
                    "X",
                    "setai_bango",
                    "世帯番号",
                    "世帯",
                    "○",
                    "",
                    "15",
                    "",
                    "",
                    "必須",
                    ""
                ]
            ),
            5,
            "000000000000001"
        ),
        with_sample(
            item(
                6,
                [
                    "099",
                    "2",
                    "ＹＥＡＲ",
                    "nendo",
                    "年度",
                    "世帯",
                    "",
                    "",
                    "4",
                    "",
                    "",
                    "任意",
                    ""
                ]
            ),
            6,
            "2024"
        ),
        with_sample(
            item(
                7,
                [
                    "０９９",
                    "００００３",
                    "９Ｖ",
                    "kingaku",
                    "金額",
                    "世帯",
                    "",
                    "",
                    "7,2",
                    "",
                    "",
                    "任意",
                    ""
                ]
            ),
            7,
            "12345.678"
        ),
        with_sample(
            item(
                8,
                [
                    "099",
                    "4",
                    "Ｓ9",
                    "sagaku",
                    "差額",
                    "世帯",
                    "",
                    "",
                    "5",
                    "",
                    "3",
                    "条件付き必須",
                    "・説明\n※※差額がある場合は出力必須"
                ]
            ),
            8,
            "-120"
        ),
        item(
            9,
            ["099", "5", "X", "", "", "世帯", "", "", "3", "", "", "任意", ""]
        ),
        row(10, &[("A", "e"), ("C", "e"), ("D", "e"), ("O", "e")]),
        row(12, &[("D", "after_end"), ("E", "終わりの後")]),
    );
    let sheet2 = format!(
        "<sheetData>{}{}{}{}{}{}{}</sheetData>{merges}",
        hdr(3),
        with_sample(
            item(
                5,
                [
                    "099",
                    "10",
                    "X",
                    "atenabango",
                    "宛名番号",
                    "個人",
                    "○",
                    "",
                    "15",
                    "",
                    "",
                    "必須",
                    ""
                ]
            ),
            5,
            "123"
        ),
        item(
            6,
            [
                "099",
                "1",
                "X",
                "setai_bango",
                "世帯番号",
                "個人",
                "",
                "○",
                "15",
                "",
                "",
                "必須",
                ""
            ]
        ),
        with_sample(
            item(
                7,
                [
                    "099", "11", "X", "seibetsu", "性別", "個人", "", "", "1", "1", "", "必須", ""
                ]
            ),
            7,
            "3"
        ),
        with_sample(
            item(
                8,
                [
                    "099",
                    "12",
                    "TIME",
                    "jikoku",
                    "時刻",
                    "個人",
                    "",
                    "",
                    "8",
                    "住民記録_5",
                    "",
                    "任意",
                    ""
                ]
            ),
            8,
            "25:00"
        ),
        item(
            9,
            [
                "099",
                "13",
                "Ｎ",
                "shimei_kana",
                "氏名_フリガナ",
                "個人",
                "",
                "",
                "100",
                "",
                "",
                "任意",
                ""
            ]
        ),
        with_sample(
            item(
                10,
                [
                    "099", "14", "BLOB", "shashin", "写真", "写真", "", "", "", "", "", "任意", ""
                ]
            ),
            10,
            "x"
        ),
    );
    let kobetsu = format!(
        "<sheetData>{}{}{}{}{}</sheetData>",
        row(1, &[("A", "コード一覧表"), ("C", "業務名")]),
        row(
            4,
            &[
                ("A", "コードID"),
                ("B", "コード名"),
                ("C", "コード値"),
                ("D", "コード値の内容")
            ]
        ),
        row(6, &[("A", "1"), ("B", "性別"), ("C", "1"), ("D", "男")]),
        row(7, &[("C", "2"), ("D", "女")]),
        row(
            8,
            &[
                ("A", "999"),
                ("B", "自治体固有コード"),
                ("C", "任意"),
                ("D", "任意")
            ]
        ),
    );
    let renkei = format!(
        "<sheetData>{}{}{}{}</sheetData>",
        row(
            4,
            &[
                ("A", "業務名"),
                ("B", "コードID"),
                ("C", "コード名"),
                ("D", "コード値"),
                ("E", "コード値の内容")
            ]
        ),
        row(
            5,
            &[
                ("A", "住民記録"),
                ("B", "5"),
                ("C", "時間帯"),
                ("D", "01"),
                ("E", "午前")
            ]
        ),
        row(6, &[("D", "02"), ("E", "午後")]),
        row(
            7,
            &[
                ("A", "税"),
                ("B", "5"),
                ("C", "別表"),
                ("D", "9"),
                ("E", "その他")
            ]
        ),
    );
    let legend = format!(
        "<sheetData>{}{}</sheetData>",
        row(
            4,
            &[("A", "項番"), ("B", "データ型"), ("C", "データ型の内容")]
        ),
        row(6, &[("A", "1"), ("B", "X"), ("C", "半角文字列")]),
    );
    xlsx(
        &[
            ("項目定義書（テスト）世帯", sheet1.as_str()),
            ("項目定義書（テスト）個人", sheet2.as_str()),
            ("コード一覧（個別）_テスト", kobetsu.as_str()),
            ("コード一覧（連携）_テスト", renkei.as_str()),
            ("凡例）データ型", legend.as_str()),
        ],
        None,
    )
}

#[test]
fn issue13_synthetic_book_groups_keys_types_and_both_code_sheets() {
    let book = import_official(&synthetic_book(), "test.xlsx").unwrap();
    let ids: Vec<_> = book.layouts.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        ["standard/099-01", "standard/099-02", "standard/099-03"]
    );
    let names: Vec<_> = book.layouts.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["世帯", "個人", "写真"]);
    let setai = &book.layouts[0];
    let kojin = &book.layouts[1];
    assert_eq!(
        setai.origin.as_ref().unwrap().sheet,
        "項目定義書（テスト）世帯"
    );
    assert_eq!(
        kojin.origin.as_ref().unwrap().sheet,
        "項目定義書（テスト）個人"
    );
    // 世帯: keys, the 8-digit id from full-width digits stored as text.
    let keys: Vec<_> = setai.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["setai_bango", "nendo", "kingaku", "sagaku"]);
    assert!(setai.items[0].official.primary_key);
    assert_eq!(setai.items[2].official.item_id.as_deref(), Some("09900003"));
    assert_eq!(setai.items[1].official.data_type, Some(DataType::Year));
    assert_eq!(setai.items[1].domain, DomainType::Digits);
    // 9V 7,2: 7 integer digits + 2 decimals.
    let kin = &setai.items[2];
    assert_eq!(kin.official.data_type, Some(DataType::Decimal));
    assert_eq!((kin.length, kin.official.scale), (9, Some(2)));
    let sa = &setai.items[3];
    assert_eq!(sa.official.data_type, Some(DataType::Signed));
    assert!(sa.official.signed);
    assert_eq!(sa.repeat, 3);
    assert_eq!(sa.requirement(), Requirement::Conditional);
    assert_eq!(
        sa.official.condition.as_deref(),
        Some("差額がある場合は出力必須")
    );
    // 個人: the foreign key refers to the group whose primary key has the item.
    assert!(kojin.items[0].official.primary_key);
    assert_eq!(
        kojin.items[1].official.foreign_key.as_deref(),
        Some("standard/099-01")
    );
    assert_eq!(kojin.items[2].code_table.as_deref(), Some("std-099-001"));
    assert_eq!(kojin.items[3].official.data_type, Some(DataType::Time));
    assert_eq!(
        kojin.items[3].code_table.as_deref(),
        Some("std-099-renkei1-005")
    );
    assert_eq!(
        kojin.items[3].official.code_id.as_deref(),
        Some("住民記録_5")
    );
    assert_eq!(kojin.items[4].domain, DomainType::Kana);
    assert_eq!(
        book.layouts[2].items[0].official.data_type,
        Some(DataType::Blob)
    );
    // Both code sheets; 999 is the municipality's own and no table.
    let tables: Vec<_> = book
        .code_tables
        .iter()
        .map(|t| (t.name.as_str(), t.entries.len()))
        .collect();
    assert_eq!(
        tables,
        [
            ("std-099-001", 2),
            ("std-099-renkei1-005", 2),
            ("std-099-renkei2-005", 1)
        ]
    );
    assert_eq!(book.code_tables[1].label("02"), Some("午後"));
    assert_eq!(book.legend_sheets, ["凡例）データ型"]);
    // Every row not read and every failing sample, by sheet and row.
    let w: Vec<_> = book
        .warnings
        .iter()
        .map(|w| (w.sheet.as_str(), w.row, w.message.as_str()))
        .collect();
    let has = |sheet: &str, row: u32, text: &str| {
        assert!(
            w.iter()
                .any(|(s, r, m)| s.contains(sheet) && *r == row && m.contains(text)),
            "no warning 「{sheet}」 row {row} `{text}` in {w:#?}"
        )
    };
    has("世帯", 4, "項目定義"); // missing optional columns are named
    has("世帯", 7, "サンプル値 `12345.678`"); // 3 decimals for 9V 7,2
    has("世帯", 9, "not an item");
    has("世帯", 10, "end-marker");
    has("個人", 7, "サンプル値 `3`"); // not in the code table
    has("個人", 8, "サンプル値 `25:00`");
    assert!(!w
        .iter()
        .any(|(_, _, m)| m.contains("after_end") || m.contains("`2024`")));
    assert!(!w.iter().any(|(_, _, m)| m.contains("`-120`")));
    round_trips(&book);
}

#[test]
fn issue13_missing_columns_are_named() {
    let sheet = format!(
        "<sheetData>{}{}</sheetData>",
        row(
            2,
            &[
                ("A", "データ項目"),
                ("B", "データ項目（ローマ字）"),
                ("C", "桁数")
            ]
        ),
        row(3, &[("A", "宛名番号"), ("B", "atenabango"), ("C", "15")]),
    );
    let err = import_official(&xlsx(&[("項目定義書", sheet.as_str())], None), "x.xlsx")
        .unwrap_err()
        .to_string();
    assert!(err.contains("グループ 名称"), "{err}");
    assert!(err.contains("データ型"), "{err}");
    assert!(err.contains("データ出力条件"), "{err}");
    assert!(!err.contains("桁数"), "{err}");
}

/// A workbook whose parts are given as `(path, bytes)` besides the workbook's own.
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

const WS: &str = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

#[test]
fn issue18_item3_one_large_shared_string_in_many_cells_is_bounded() {
    let big = "亜".repeat(8 * 1024 * 1024 / 3);
    let sst = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{big}</t></si></sst>"#
    );
    let mut sheet = format!("{WS}<sheetData>");
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
    let err = import_official(&book, "bomb.xlsx").unwrap_err();
    assert!(matches!(err, ImportError::TooLarge { .. }), "{err}");
}

#[test]
fn issue18_item3_a_large_cell_merged_over_millions_of_cells_is_bounded() {
    let big = "x".repeat(16 * 1024 * 1024 - 1024);
    // 512 columns × 4,000 rows merged, the range's far corner holds a value.
    let sheet = format!(
        r#"{WS}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{big}</t></is></c></row><row r="4000"><c r="A4000"><v>1</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:RR4000"/></mergeCells></worksheet>"#
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
        r#"{WS}<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>{pad}</worksheet>"#
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
