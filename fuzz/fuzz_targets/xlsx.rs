//! The item-list importer: xlsx workbooks and CSV item lists.
//!
//! Input: byte 0 picks the mode. Raw mode feeds the bytes to `import_xlsx` (hostile zips)
//! and `import_csv`; build mode splits the rest at NUL bytes into a sheet body, shared
//! strings and a workbook sheet name, and zips them into a well-formed workbook so the
//! fuzzer reaches the XML and header logic.
//! Checks: no panic; an imported layout is valid: its TOML loads back.
#![no_main]

use ikou_layout_spec::import::{import_csv, import_xlsx, ImportFormat, ImportOptions, Imported};
use ikou_layout_spec::parse_layout;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

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

fn check(r: Result<Imported, impl std::fmt::Display>) {
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

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut opts = ImportOptions::new("chukan/fuzz", "fuzz.xlsx");
    if mode & 2 != 0 {
        opts.format = ImportFormat::Fixed;
    }
    if mode & 1 == 0 {
        check(import_xlsx(rest, None, &opts));
        check(import_csv(rest, &opts));
    } else {
        let mut parts = rest.splitn(3, |&b| b == 0);
        let sheet = parts.next().unwrap_or_default();
        let shared = parts.next().unwrap_or_default();
        let name = parts.next().unwrap_or(b"S");
        if let Some(b) = book(sheet, shared, name) {
            check(import_xlsx(&b, None, &opts));
        }
    }
});
