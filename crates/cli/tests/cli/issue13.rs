//! #13 (import half): `ikou layouts import` of the official item-definition form, `layouts
//! show` of the whole model, `layouts check` of official imports; #14's `layouts` items;
//! #18 item 3 (crafted workbooks under a memory limit).

use crate::util::{ikou, ikou_in, root, shared, tempdir, Run};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

fn official_book() -> Option<std::path::PathBuf> {
    let p = shared()?.join("digital-agency/atenabango-kanri_item-definition.xlsx");
    p.is_file().then_some(p)
}

#[test]
fn issue13_import_official_workbook_writes_layouts_code_tables_and_a_report() {
    let Some(book) = official_book() else {
        eprintln!("SKIPPED issue13_import_official_workbook…: ../shared/testdata is absent");
        return;
    };
    let dir = tempdir("issue13-import");
    let out = dir.join("official");
    let book = book.to_string_lossy().into_owned();
    let r = ikou(&["layouts", "import", &book, "--out", &out.to_string_lossy()]).expect(0);
    assert!(
        r.stdout.contains(
            "031-01.toml (standard/031-01: 「住登外者宛名基本情報」, 29 item(s), official-import)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1 layout(s), 2 code table(s)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1 row(s) not read or to review"),
        "{}",
        r.stdout
    );
    // The only row not read is the end-marker row, by its number.
    let warnings: Vec<_> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(
        warnings[0].contains("row 36: end-marker row"),
        "{}",
        r.stderr
    );
    // Name-based refinements are said.
    assert!(r
        .stderr
        .contains("kojinbango (個人番号): データ型 X refined to `individual_number`"));
    // The files are in place; a second import without --force refuses.
    for f in ["031-01.toml", "std-031-001.csv", "std-031-002.csv"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let again = ikou(&["layouts", "import", &book, "--out", &out.to_string_lossy()]).expect(2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    // The written files check, and are the same as the bundled ones.
    let c = ikou(&["layouts", "check", &out.to_string_lossy()]).expect(0);
    assert!(c.stdout.contains("3 file(s) checked"), "{}", c.stdout);
    let bundled =
        std::fs::read_to_string(root().join("specs/layouts/standard/031-01.toml")).unwrap();
    let written = std::fs::read_to_string(out.join("031-01.toml")).unwrap();
    assert!(
        bundled.ends_with(&written),
        "bundled layout differs from a fresh import"
    );
    // --json: a machine-readable report.
    let out2 = dir.join("json");
    let j = ikou(&[
        "layouts",
        "import",
        &book,
        "--out",
        &out2.to_string_lossy(),
        "--json",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(
        v["sha256"],
        "2ffb05bf38bce6ba6faf4ba867c97f02e57d2888f9fbf25c1183d661b91f7c33"
    );
    assert_eq!(v["layouts"][0]["id"], "standard/031-01");
    assert_eq!(v["layouts"][0]["items"], 29);
    assert_eq!(v["code_tables"][1]["codes"], 2);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(v["warnings"][0]["row"], 36);
    assert_eq!(v["legend_sheets"].as_array().unwrap().len(), 2);
}

#[test]
fn issue13_show_json_prints_the_whole_model() {
    let r = ikou(&["layouts", "show", "standard/031-01", "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for k in [
        "id", "name", "family", "status", "source", "format", "origin",
    ] {
        assert!(!v[k].is_null(), "{k}");
    }
    assert_eq!(v["status"], "official-import");
    assert_eq!(v["official_unchanged"], true);
    assert_eq!(v["format"]["delimiter"], ",");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 29);
    for it in items {
        for k in [
            "number",
            "item_id",
            "name",
            "key",
            "type",
            "length",
            "unit",
            "scale",
            "signed",
            "required",
            "condition",
            "primary_key",
            "foreign_key",
            "code_table",
            "repeat",
        ] {
            assert!(it.get(k).is_some(), "{k} missing in {it}");
        }
    }
    assert_eq!(items[0]["item_id"], "03100001");
    assert_eq!(items[0]["primary_key"], true);
    assert_eq!(items[0]["required"], "required");
    assert_eq!(items[2]["required"], "conditional");
    assert_eq!(items[2]["condition"], "氏名未定でない場合は出力必須");
    assert_eq!(items[10]["code_table"], "std-031-001");
    assert_eq!(items[28]["data_type"], "TIME");
    assert_eq!(items[0]["unit"], "chars");
    // By file as well as by id.
    let f = ikou(&[
        "layouts",
        "show",
        "specs/layouts/standard/031-01.toml",
        "--json",
    ])
    .expect(0);
    assert_eq!(f.stdout, r.stdout);
}

#[test]
fn issue14_show_text_is_a_readable_table_not_debug_output() {
    for id in [
        "legacy/sample-juki",
        "standard/jumin-kiroku",
        "standard/031-01",
    ] {
        let r = ikou(&["layouts", "show", id]).expect(0);
        for debug in ["Delimited {", "Fixed {", "Some(", "delimiter: 44"] {
            assert!(!r.stdout.contains(debug), "{id}: {debug}\n{}", r.stdout);
        }
        assert!(r.stdout.contains("format: "), "{}", r.stdout);
    }
    let r = ikou(&["layouts", "show", "legacy/sample-juki"]).expect(0);
    assert!(
        r.stdout.contains("fixed-length records of 300 bytes"),
        "{}",
        r.stdout
    );
    let r = ikou(&["layouts", "show", "standard/031-01"]).expect(0);
    assert!(
        r.stdout.contains("delimited: delimiter comma (,)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("items unchanged since import"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("03100001"), "{}", r.stdout);
    assert!(
        r.stdout.contains("condition: 氏名未定でない場合は出力必須"),
        "{}",
        r.stdout
    );
}

#[test]
fn issue14_check_dir_with_two_files_says_two_files() {
    let dir = tempdir("issue14-check-count");
    for f in [
        "specs/layouts/legacy/sample-juki.toml",
        "specs/codes/seibetsu.csv",
    ] {
        let p = root().join(f);
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let r = ikou(&["layouts", "check", &dir.to_string_lossy()]).expect(0);
    assert!(r.stdout.contains("ok: 2 file(s) checked"), "{}", r.stdout);
}

#[test]
fn issue13_hand_edit_of_an_official_import_is_told_by_check() {
    let dir = tempdir("issue13-hand-edit");
    let text = std::fs::read_to_string(root().join("specs/layouts/standard/031-01.toml")).unwrap();
    // Unedited: fine (the header comment and the layout note are not items).
    std::fs::write(dir.join("031-01.toml"), &text).unwrap();
    ikou(&["layouts", "check", &dir.to_string_lossy()]).expect(0);
    // One length changed by hand.
    let edited = text.replacen("length = 15", "length = 16", 1);
    assert_ne!(edited, text);
    std::fs::write(dir.join("031-01.toml"), &edited).unwrap();
    let r = ikou(&["layouts", "check", &dir.to_string_lossy()]).expect(2);
    assert!(r.stderr.contains("edited by hand"), "{}", r.stderr);
    assert!(
        r.stderr.contains("unverified-transcription"),
        "{}",
        r.stderr
    );
    // Marked as a transcription again: fine.
    let transcribed = edited.replace(
        "status = \"official-import\"",
        "status = \"unverified-transcription\"",
    );
    std::fs::write(dir.join("031-01.toml"), transcribed).unwrap();
    ikou(&["layouts", "check", &dir.to_string_lossy()]).expect(0);
    let r = ikou_in(&dir, &["layouts", "show", "031-01.toml"], None).expect(0);
    assert!(
        r.stdout.contains("status is no longer official-import"),
        "{}",
        r.stdout
    );
}

/// A workbook from `(path, bytes)` parts plus a workbook part naming `sheets` sheets that
/// all point at `target`.
fn book(sheets: usize, target: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
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
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{target}"/>"#));
    }
    wb.push_str("</sheets></workbook>");
    rels.push_str(r#"<Relationship Id="rId9999" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#);
    let mut put = |name: &str, body: &[u8]| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body).unwrap();
    };
    put("xl/workbook.xml", wb.as_bytes());
    put("xl/_rels/workbook.xml.rels", rels.as_bytes());
    for (name, body) in parts {
        put(name, body);
    }
    zip.finish().unwrap().into_inner()
}

const WS: &str = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// `ikou ARGS` with its address space limited to `kib` KiB (`ulimit -v`).
fn ikou_limited(dir: &Path, kib: u64, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$0" && exec "$@""#)
        .arg(kib.to_string())
        .arg(env!("CARGO_BIN_EXE_ikou"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("spawn sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn issue18_item3_crafted_workbooks_fail_clearly_within_a_memory_limit() {
    let dir = tempdir("issue18-item3");
    // 1: one 8 MiB shared string used by 20,000 cells.
    let big = "x".repeat(8 * 1024 * 1024);
    let sst = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{big}</t></si></sst>"#
    );
    let mut sheet = format!("{WS}<sheetData>");
    for r in 1..=2000 {
        sheet.push_str(&format!(r#"<row r="{r}">"#));
        for c in ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"] {
            sheet.push_str(&format!(r#"<c r="{c}{r}" t="s"><v>0</v></c>"#));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let shared = book(
        1,
        "worksheets/sheet1.xml",
        &[
            ("xl/sharedStrings.xml", sst.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ],
    );
    // 2: a 16 MiB cell merged over 2M cells.
    let big = "x".repeat(16 * 1024 * 1024 - 1024);
    let merged_sheet = format!(
        r#"{WS}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{big}</t></is></c></row><row r="4000"><c r="A4000"><v>1</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:RR4000"/></mergeCells></worksheet>"#
    );
    let merged = book(
        1,
        "worksheets/sheet1.xml",
        &[("xl/worksheets/sheet1.xml", merged_sheet.as_bytes())],
    );
    // 3: 200 sheets pointing at one large part.
    let pad = " ".repeat(20 * 1024 * 1024);
    let one = format!(
        r#"{WS}<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>{pad}</worksheet>"#
    );
    let many = book(
        200,
        "worksheets/sheet1.xml",
        &[("xl/worksheets/sheet1.xml", one.as_bytes())],
    );
    for (name, bytes, says) in [
        ("shared.xlsx", shared, "cell text in all"),
        ("merged.xlsx", merged, "merged"),
        ("many.xlsx", many, "parts in all"),
    ] {
        assert!(bytes.len() < 200_000, "{name}: {} bytes", bytes.len());
        std::fs::write(dir.join(name), &bytes).unwrap();
        // 1 GiB of address space: the old code needed tens of GB and aborted.
        let r = ikou_limited(
            &dir,
            1024 * 1024,
            &["layouts", "import", name, "--out", "out"],
        );
        assert_eq!(r.code, 2, "{name}: exit {}\n{}", r.code, r.stderr);
        assert!(
            r.stderr.contains("too large") && r.stderr.contains(says),
            "{name}: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("memory allocation"),
            "{name}: {}",
            r.stderr
        );
        assert!(!dir.join("out").exists(), "{name}: wrote output");
    }
}
