//! The invariants the fuzz targets check, as plain functions: each fuzz target calls one on
//! the fuzzer's bytes, and `cargo test` (crates/cli/tests/cli/fuzz_regressions.rs, which
//! includes this file with `#[path]`) replays every input kept in `fuzz/regressions/<target>/`
//! through the same function. A function panics when its invariant is broken.
//!
//! Only ikou's crates and `zip` may be used here: the main workspace's test binary compiles
//! this file too.

use ikou_layout_spec::import::{import_csv, import_xlsx, ImportFormat, ImportOptions, Imported};
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

/// Target `xlsx`: the item-list importer (xlsx workbooks and CSV item lists). Byte 0 picks
/// the mode. Raw mode feeds the bytes to `import_xlsx` (hostile zips) and `import_csv`; build
/// mode splits the rest at NUL bytes into a sheet body, shared strings and a workbook sheet
/// name, and zips them into a well-formed workbook so the fuzzer reaches the XML and header
/// logic. No panic; an imported layout is valid: its TOML loads back.
pub fn xlsx(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut opts = ImportOptions::new("chukan/fuzz", "fuzz.xlsx");
    if mode & 2 != 0 {
        opts.format = ImportFormat::Fixed;
    }
    if mode & 1 == 0 {
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
