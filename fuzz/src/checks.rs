//! The invariants the fuzz targets check, as plain functions: each fuzz target calls one on
//! the fuzzer's bytes, and `cargo test` (crates/cli/tests/cli/fuzz_regressions.rs, which
//! includes this file with `#[path]`) replays every input kept in `fuzz/regressions/<target>/`
//! through the same function. A function panics when its invariant is broken.
//!
//! Only ikou's crates and `zip` may be used here: the main workspace's test binary compiles
//! this file too.

use ikou_layout_spec::import::{
    import_csv, import_xlsx, ImportFormat, ImportOptions, Imported, MAX_ROWS, MAX_TOTAL_TEXT_BYTES,
};
use ikou_layout_spec::parse_layout;
use std::io::Write;

/// Target `detect`: encoding and structure detection on arbitrary bytes. No panic; the
/// detection always gives a reason; the reported counts never exceed the input; at most 100
/// findings, in offset order.
pub fn detect(data: &[u8]) {
    let d = ikou_cleanse::detect::detect(data);
    assert!(!d.reasons.is_empty(), "a detection always says why");
    assert_eq!(d.size, data.len() as u64);
    assert!(d.examined <= d.size);
    assert!(
        (0.0..=1.0).contains(&d.confidence),
        "confidence {}",
        d.confidence
    );
    assert!(d.findings.len() <= 100, "{} findings", d.findings.len());
    assert!(
        d.findings
            .windows(2)
            .all(|w| w[0].byte_offset <= w[1].byte_offset),
        "findings in offset order"
    );
    for f in &d.findings {
        assert!(f.byte_offset <= d.size, "finding beyond the end");
    }
    assert!(d.gaiji <= d.size / 2);
}

fn book(sheet: &[u8], shared: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let name = String::from_utf8_lossy(name).replace(['"', '<', '&'], "");
    let parts: [(&str, Vec<u8>); 6] = [
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#.to_vec()),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec()),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"#).into_bytes()),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_vec()),
        ("xl/sharedStrings.xml", shared.to_vec()),
        ("xl/worksheets/sheet1.xml", sheet.to_vec()),
    ];
    for (n, body) in parts {
        zip.start_file(n, opts).ok()?;
        zip.write_all(&body).ok()?;
    }
    Some(zip.finish().ok()?.into_inner())
}

fn check_import(r: Result<Imported, impl std::fmt::Display>) {
    match r {
        Ok(imp) => {
            let text = imp.to_toml();
            if let Err(e) = parse_layout(&text, "imported.toml") {
                panic!("an imported layout does not load: {e}\n{text}");
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// A workbook that stresses the importer's totals (issue 18 item 3), from a few bytes:
/// `p[0]` sheets (1–200) that all point at one worksheet part; one shared string of
/// `p[1]³` bytes (up to 16.5 MB) used by `p[2..4]` cells (up to 65,535); a merge over
/// `(1 + 64 p[4]) × (1 + 16 p[5..7])` cells holding that string; a header row the importer
/// knows. Deflate-compressed, so a few kilobytes stand for hundreds of megabytes.
pub fn totals_book(p: &[u8]) -> Option<Vec<u8>> {
    let at = |i: usize| usize::from(p.get(i).copied().unwrap_or(0));
    let sheets = at(0) % 200 + 1;
    let string_len = at(1).pow(3);
    let cells = at(2) << 8 | at(3);
    let merge_cols = 1 + 64 * at(4);
    let merge_rows = 1 + 16 * (at(5) << 8 | at(6));
    let col_name = |mut c: usize| {
        let mut s = Vec::new();
        while c > 0 {
            c -= 1;
            s.push(b'A' + (c % 26) as u8);
            c /= 26;
        }
        s.reverse();
        String::from_utf8(s).unwrap_or_default()
    };
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>番号</t></is></c><c r="B1" t="inlineStr"><is><t>項目名</t></is></c><c r="C1" t="inlineStr"><is><t>型</t></is></c><c r="D1" t="inlineStr"><is><t>桁数</t></is></c></row>"#,
    );
    sheet.push_str(r#"<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>漢字</t></is></c><c r="D2"><v>10</v></c></row>"#);
    for r in 0..cells.min(1_000_000) {
        let row = r / 4 + 3;
        let col = col_name(r % 4 + 1);
        sheet.push_str(&format!(
            r#"<row r="{row}"><c r="{col}{row}" t="s"><v>0</v></c></row>"#
        ));
    }
    sheet.push_str("</sheetData>");
    if merge_cols * merge_rows > 1 {
        sheet.push_str(&format!(
            r#"<mergeCells count="1"><mergeCell ref="B2:{}{}"/></mergeCells>"#,
            col_name(1 + merge_cols),
            1 + merge_rows
        ));
    }
    sheet.push_str("</worksheet>");
    let mut shared = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
    );
    shared.push_str(&"x".repeat(string_len));
    shared.push_str("</t></si></sst>");
    let mut list = String::new();
    let mut rels = String::new();
    for i in 1..=sheets {
        list.push_str(&format!(
            r#"<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#));
    }
    rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, Vec<u8>); 6] = [
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#.to_vec()),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec()),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{list}</sheets></workbook>"#).into_bytes()),
        ("xl/_rels/workbook.xml.rels", format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#).into_bytes()),
        ("xl/sharedStrings.xml", shared.into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ];
    for (n, body) in parts {
        zip.start_file(n, opts).ok()?;
        zip.write_all(&body).ok()?;
    }
    Some(zip.finish().ok()?.into_inner())
}

/// An import of a totals book ([`totals_book`]): it ends (an error or a layout), an error
/// message is short and never echoes the workbook's text (the shared string of `x`s), and an
/// imported layout loads back with at most [`MAX_ROWS`] items and no value longer than the
/// total text cap.
fn check_totals(params: &[u8], opts: &ImportOptions) {
    let Some(b) = totals_book(params) else {
        return;
    };
    match import_xlsx(&b, None, opts) {
        Ok(imp) => {
            let text = imp.to_toml();
            assert!(
                (text.len() as u64) < 2 * MAX_TOTAL_TEXT_BYTES,
                "imported TOML of {} bytes",
                text.len()
            );
            match parse_layout(&text, "imported.toml") {
                Ok(l) => assert!(l.items.len() as u64 <= u64::from(MAX_ROWS)),
                Err(e) => panic!("an imported totals layout does not load: {e}"),
            }
        }
        Err(e) => {
            let m = e.to_string();
            assert!(
                !m.is_empty() && m.len() < 4096,
                "error of {} bytes",
                m.len()
            );
            assert!(
                !m.contains("xxxxxxxxxxxxxxxx"),
                "the error echoes cell text"
            );
        }
    }
}

/// Target `xlsx`: the item-list importer (xlsx workbooks and CSV item lists). Byte 0 picks
/// the mode. Raw mode feeds the bytes to `import_xlsx` (hostile zips) and `import_csv`; build
/// mode splits the rest at NUL bytes into a sheet body, shared strings and a workbook sheet
/// name, and zips them into a well-formed workbook so the fuzzer reaches the XML and header
/// logic; totals mode (bits 2 and 3 set) builds a [`totals_book`] from the next bytes. No
/// panic; an imported layout is valid: its TOML loads back; a totals book ends in a bounded
/// result or a short error that quotes no cell text.
pub fn xlsx(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut opts = ImportOptions::new("chukan/fuzz", "fuzz.xlsx");
    if mode & 2 != 0 {
        opts.format = ImportFormat::Fixed;
    }
    if mode & 0x0c == 0x0c {
        // Totals mode: many sheets, a shared string used by many cells, a large merge.
        check_totals(rest, &opts);
    } else if mode & 1 == 0 {
        check_import(import_xlsx(rest, None, &opts));
        check_import(import_csv(rest, &opts));
    } else {
        let mut parts = rest.splitn(3, |&b| b == 0);
        let sheet = parts.next().unwrap_or_default();
        let shared = parts.next().unwrap_or_default();
        let name = parts.next().unwrap_or(b"S");
        if let Some(b) = book(sheet, shared, name) {
            check_import(import_xlsx(&b, None, &opts));
        }
    }
}
