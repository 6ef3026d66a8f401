//! Issue 13 (import half): the official item-definition form through the CLI —
//! `layouts import BOOK.xlsx --out DIR [--json]`, `layouts show --json` (the whole model),
//! a readable `show` table, `layouts check` counting files and catching hand edits of
//! official imports, and the bundled official layout.

use crate::util::*;

const BUNDLED_ID: &str = "standard/jutogai-atena-kihon";

fn workbook() -> Option<std::path::PathBuf> {
    let Some(dir) = shared() else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED issue13 official-workbook test: ../shared/testdata is absent"
        );
        return None;
    };
    Some(dir.join("digital-agency/atenabango-kanri_item-definition.xlsx"))
}

#[test]
fn issue13_item5_list_shows_the_bundled_official_layout() {
    let run = ikou(&["layouts", "list"]).expect(0);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with(BUNDLED_ID))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains("official-import"), "{line}");
    assert!(line.contains("29"), "{line}");
    assert!(line.contains("住登外者宛名基本情報"), "{line}");
}

#[test]
fn issue13_item3_show_json_prints_the_whole_model() {
    let run = ikou(&["layouts", "show", BUNDLED_ID, "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["id"], BUNDLED_ID);
    assert_eq!(v["name"], "住登外者宛名基本情報");
    assert_eq!(v["family"], "standard");
    assert_eq!(v["status"], "official-import");
    assert_eq!(v["format"]["kind"], "delimited");
    assert_eq!(v["format"]["delimiter"], ",");
    assert!(v["source"]
        .as_str()
        .unwrap()
        .starts_with("atenabango-kanri_item-definition.xlsx"));
    assert_eq!(
        v["official"]["sha256"],
        "2ffb05bf38bce6ba6faf4ba867c97f02e57d2888f9fbf25c1183d661b91f7c33"
    );
    assert_eq!(v["official"]["unedited"], true);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 29);
    for it in items {
        for field in [
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
            assert!(it.get(field).is_some(), "{field} missing in {it}");
        }
        assert_eq!(it["unit"], "chars");
    }
    let first = &items[0];
    assert_eq!(first["number"], 1);
    assert_eq!(first["item_id"], "03100001");
    assert_eq!(first["key"], "atenabango");
    assert_eq!(first["type"], "X");
    assert_eq!(first["length"], 15);
    assert_eq!(first["required"], "required");
    assert_eq!(first["primary_key"], true);
    assert_eq!(first["foreign_key"], serde_json::Value::Null);
    assert_eq!(first["scale"], serde_json::Value::Null);
    assert_eq!(first["signed"], false);
    let shimei = &items[2];
    assert_eq!(shimei["type"], "N");
    assert_eq!(shimei["required"], "conditional");
    assert_eq!(shimei["condition"], "氏名未定でない場合は出力必須");
    let seibetsu = &items[10];
    assert_eq!(seibetsu["key"], "seibetsu");
    assert_eq!(seibetsu["code_table"], "std031-001");
    assert_eq!(seibetsu["required"], "optional");
    assert_eq!(items[22]["repeat"], 999);
    assert_eq!(items[28]["type"], "TIME");
}

#[test]
fn issue13_item3_show_text_is_a_readable_table_not_debug_output() {
    let run = ikou(&["layouts", "show", "legacy/sample-juki"]).expect(0);
    assert!(!run.stdout.contains("Fixed {"), "{}", run.stdout);
    assert!(
        run.stdout.contains("fixed-length, 300 bytes per record"),
        "{}",
        run.stdout
    );
    let run = ikou(&["layouts", "show", BUNDLED_ID]).expect(0);
    assert!(!run.stdout.contains("Delimited {"), "{}", run.stdout);
    assert!(!run.stdout.contains("delimiter: 44"), "{}", run.stdout);
    assert!(run.stdout.contains("delimited (comma)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("item table unedited since import"),
        "{}",
        run.stdout
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.contains("atenabango ") && l.contains("宛名番号"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    for cell in ["03100001", " X ", "15c", "required", "PK"] {
        assert!(row.contains(cell), "{cell} not in {row}");
    }
    assert!(run
        .stdout
        .contains("condition: 氏名未定でない場合は出力必須"));
}

#[test]
fn issue13_item3_check_counts_the_files_in_a_directory() {
    let dir = tempdir("issue13_check_count");
    std::fs::write(dir.join("a.csv"), "code,label\n1,いち\n").unwrap();
    std::fs::write(dir.join("b.csv"), "code,label\n2,に\n").unwrap();
    let run = ikou(&["layouts", "check", dir.to_str().unwrap()]).expect(0);
    assert!(run.stdout.contains("2 file(s) checked"), "{}", run.stdout);
}

#[test]
fn issue13_item2_check_says_a_hand_edited_official_import_is_a_transcription() {
    let dir = tempdir("issue13_hand_edit");
    let text =
        std::fs::read_to_string(root().join("specs/layouts/standard/jutogai-atena-kihon.toml"))
            .unwrap();
    let unedited = dir.join("unedited");
    std::fs::create_dir_all(&unedited).unwrap();
    std::fs::write(unedited.join("jutogai-atena-kihon.toml"), &text).unwrap();
    let run = ikou(&["layouts", "check", unedited.to_str().unwrap()]).expect(0);
    assert!(run.stdout.contains("1 file(s) checked"), "{}", run.stdout);
    // One length changed by hand.
    let edited = text.replacen("length = 15", "length = 16", 1);
    assert_ne!(edited, text);
    let file = dir.join("edited.toml");
    std::fs::write(&file, edited).unwrap();
    let run = ikou(&["layouts", "check", file.to_str().unwrap()]).expect(2);
    assert!(run.stderr.contains("official-import"), "{}", run.stderr);
    assert!(run.stderr.contains("transcription"), "{}", run.stderr);
    assert!(run.stderr.contains("edited.toml"), "{}", run.stderr);
}

#[test]
fn issue13_item1_import_of_the_official_workbook_writes_layouts_and_code_tables() {
    let Some(book) = workbook() else {
        return;
    };
    let book = book.to_str().unwrap();
    let out = tempdir("issue13_import");
    let dir = out.join("specs");
    let d = dir.to_str().unwrap();
    // Without --out: several files cannot go to stdout.
    let run = ikou(&["layouts", "import", book]).expect(2);
    assert!(run.stderr.contains("--out DIR"), "{}", run.stderr);
    let run = ikou(&["layouts", "import", book, "--out", d, "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        v["sha256"],
        "2ffb05bf38bce6ba6faf4ba867c97f02e57d2888f9fbf25c1183d661b91f7c33"
    );
    let written: Vec<&str> = v["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(written[0].ends_with("std031.toml"));
    assert!(written[1].ends_with("std031-001.csv"));
    assert!(written[2].ends_with("std031-002.csv"));
    let not_read = v["not_read"].as_array().unwrap();
    assert_eq!(not_read.len(), 1, "{not_read:?}");
    assert_eq!(not_read[0]["row"], 36);
    assert_eq!(v["refined"].as_array().unwrap().len(), 7);
    let roles: Vec<&str> = v["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles.iter().filter(|r| r.starts_with("legend")).count(), 2);
    // The files load and check clean, and the layout is the bundled one's items.
    let run = ikou(&["layouts", "check", d]).expect(0);
    assert!(run.stdout.contains("3 file(s) checked"), "{}", run.stdout);
    let imported = ikou(&[
        "layouts",
        "show",
        dir.join("std031.toml").to_str().unwrap(),
        "--json",
    ])
    .expect(0);
    let bundled = ikou(&["layouts", "show", BUNDLED_ID, "--json"]).expect(0);
    let a: serde_json::Value = serde_json::from_str(&imported.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_str(&bundled.stdout).unwrap();
    assert_eq!(a["items"], b["items"]);
    // Again without --force: nothing is overwritten.
    let run = ikou(&["layouts", "import", book, "--out", d]).expect(2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    // The text report lists what was written and the row not read.
    let run = ikou(&["layouts", "import", book, "--out", d, "--force"]).expect(0);
    assert!(run.stdout.contains("wrote "), "{}", run.stdout);
    assert!(run.stdout.contains("row 36"), "{}", run.stdout);
    assert!(run.stdout.contains("個人番号"), "{}", run.stdout);
}

/// A small workbook in the official form: two groups tied by a foreign key, a 9V item, a
/// code list, a legend sheet and the end-marker row.
fn own_workbook(path: &std::path::Path) {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: &str| {
        zip.start_file(name, o).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    put(
        "xl/workbook.xml",
        r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="項目定義書" sheetId="1" r:id="rId1"/><sheet name="コード一覧（個別）" sheetId="2" r:id="rId2"/><sheet name="凡例）データ型" sheetId="3" r:id="rId3"/></sheets></workbook>"#,
    );
    put(
        "xl/_rels/workbook.xml.rels",
        r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet3.xml"/></Relationships>"#,
    );
    let row = |r: u32, cells: &[(&str, &str)]| {
        let mut s = format!(r#"<row r="{r}">"#);
        for (c, v) in cells {
            s.push_str(&format!(
                r#"<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>"#
            ));
        }
        s + "</row>"
    };
    let item = |r: u32,
                code: &str,
                name: &str,
                key: &str,
                group: &str,
                pk: &str,
                fk: &str,
                ty: &str,
                len: &str,
                cd: &str,
                out: &str,
                sample: &str| {
        row(
            r,
            &[
                ("A", "077"),
                ("B", code),
                ("C", name),
                ("D", key),
                ("E", group),
                ("F", pk),
                ("G", fk),
                ("H", ty),
                ("I", len),
                ("J", cd),
                ("K", out),
                ("L", sample),
                ("M", "e"),
            ],
        )
    };
    let items = [
        row(1, &[("A", "■テスト 項目定義書")]),
        row(
            2,
            &[
                ("A", "データ項目ID"),
                ("C", "データ項目"),
                ("D", "データ項目（ローマ字）"),
                ("E", "グループ"),
                ("H", "データ型"),
                ("I", "桁数"),
                ("J", "コード"),
                ("K", "データ出力条件"),
                ("L", "サンプル値"),
            ],
        ),
        row(3, &[("E", "名称"), ("F", "主キー"), ("G", "外部キー")]),
        item(
            4,
            "1",
            "世帯番号",
            "setaibango",
            "世帯",
            "○",
            "",
            "X",
            "10",
            "",
            "必須",
            "0000000001",
        ),
        item(
            5, "2", "面積", "menseki", "世帯", "", "", "9V", "5,2", "", "任意", "12.5",
        ),
        item(
            6,
            "3",
            "世帯員番号",
            "setaiinbango",
            "世帯員",
            "○",
            "",
            "X",
            "10",
            "",
            "必須",
            "0000000002",
        ),
        item(
            7,
            "4",
            "世帯番号",
            "setaibango",
            "世帯員",
            "",
            "○",
            "X",
            "10",
            "",
            "必須",
            "0000000001",
        ),
        item(
            8,
            "5",
            "続柄",
            "zokugara",
            "世帯員",
            "",
            "",
            "X",
            "2",
            "1",
            "任意",
            "99",
        ),
        row(9, &[("A", "e"), ("C", "e"), ("D", "e"), ("M", "e")]),
    ]
    .concat();
    put(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<worksheet><sheetData>{items}</sheetData><mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells></worksheet>"#
        ),
    );
    let codes = [
        row(
            1,
            &[
                ("A", "コードID"),
                ("B", "コード名"),
                ("C", "コード値"),
                ("D", "コード値の内容"),
            ],
        ),
        row(
            2,
            &[("A", "1"), ("B", "続柄"), ("C", "01"), ("D", "世帯主")],
        ),
        row(3, &[("C", "02"), ("D", "妻")]),
    ]
    .concat();
    put(
        "xl/worksheets/sheet2.xml",
        &format!("<worksheet><sheetData>{codes}</sheetData></worksheet>"),
    );
    put(
        "xl/worksheets/sheet3.xml",
        &format!(
            "<worksheet><sheetData>{}</sheetData></worksheet>",
            row(1, &[("A", "データ型")])
        ),
    );
    zip.finish().unwrap();
}

#[test]
fn issue13_item1_import_of_an_own_two_group_workbook_through_the_cli() {
    let d = tempdir("issue13_own_book");
    let book = d.join("own.xlsx");
    own_workbook(&book);
    let out = d.join("specs");
    let run = ikou(&[
        "layouts",
        "import",
        book.to_str().unwrap(),
        "--id",
        "standard/setai",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = v["written"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["id"].as_str())
        .collect();
    assert_eq!(ids, ["standard/setai-1", "standard/setai-2"]);
    // Rows not read: the header names the four missing optional columns; the failing
    // sample (row 8, 99 is not in the code list) and the end marker (row 9), each with its
    // reason.
    let all: Vec<(u64, &str)> = v["not_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["row"].as_u64().unwrap(), w["reason"].as_str().unwrap()))
        .collect();
    let header: Vec<&str> = all.iter().filter(|w| w.0 == 2).map(|w| w.1).collect();
    for col in ["繰り返し", "項目定義", "項目説明", "備考"] {
        assert!(header.iter().any(|h| h.contains(col)), "{col}: {all:?}");
    }
    let not_read: Vec<(u64, &str)> = all.iter().copied().filter(|w| w.0 != 2).collect();
    assert_eq!(not_read.len(), 2, "{not_read:?}");
    assert_eq!(not_read[0].0, 8);
    assert!(not_read[0].1.contains("99"), "{not_read:?}");
    assert_eq!(not_read[1].0, 9);
    let run = ikou(&["layouts", "check", out.to_str().unwrap()]).expect(0);
    assert!(run.stdout.contains("3 file(s) checked"), "{}", run.stdout);
    let run = ikou(&[
        "layouts",
        "show",
        out.join("setai-2.toml").to_str().unwrap(),
        "--json",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["status"], "official-import");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items[0]["primary_key"], true);
    assert_eq!(items[1]["key"], "setaibango");
    assert_eq!(items[1]["foreign_key"], "standard/setai-1");
    assert_eq!(items[2]["code_table"], "std077-001");
    let run = ikou(&[
        "layouts",
        "show",
        out.join("setai-1.toml").to_str().unwrap(),
        "--json",
    ])
    .expect(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let menseki = &v["items"][1];
    assert_eq!(menseki["type"], "9V");
    assert_eq!(menseki["length"], 5);
    assert_eq!(menseki["scale"], 2);
}

// ---------------------------------------------------------------------------------------
// #18 item 3: crafted small workbooks under a memory limit.

/// A workbook from `(path, bytes)` parts plus a workbook part naming `sheets` sheets that
/// all point at `target`.
fn bomb_book(sheets: usize, target: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write as _;
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

#[test]
fn issue18_item3_crafted_workbooks_fail_clearly_within_a_memory_limit() {
    const WS: &str =
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
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
    let shared = bomb_book(
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
    let merged = bomb_book(
        1,
        "worksheets/sheet1.xml",
        &[("xl/worksheets/sheet1.xml", merged_sheet.as_bytes())],
    );
    // 3: 200 sheets pointing at one large part.
    let pad = " ".repeat(20 * 1024 * 1024);
    let one = format!(
        r#"{WS}<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>{pad}</worksheet>"#
    );
    let many = bomb_book(
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
        // 1 GiB of address space: before the bounds, these needed tens of GB and aborted.
        let r = ikou_memory_limited(
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
