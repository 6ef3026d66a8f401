//! `ikou layouts …`

use crate::util::*;
use std::io::Write;
use std::path::Path;

#[test]
fn list_json_shows_bundled_layouts_with_status() {
    let r = ikou(&["layouts", "list", "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let arr = v.as_array().unwrap();
    let status = |id: &str| {
        let l = arr
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("{id}"));
        (
            l["status"].as_str().unwrap().to_string(),
            l["items"].as_u64().unwrap(),
        )
    };
    assert_eq!(status("legacy/sample-juki"), ("synthetic".into(), 18));
    assert_eq!(status("chukan/juki").0, "unverified-transcription");
    for id in ["standard/jumin-kiroku-jumin", "standard/jumin-kiroku-setai"] {
        assert_eq!(status(id).0, "unverified-transcription");
    }
    assert!(status("chukan/juki").1 >= 20);
}

#[test]
fn list_table_and_show() {
    let r = ikou(&["layouts", "list"]).expect(0);
    assert!(r.stdout.contains("chukan/juki"), "{}", r.stdout);
    let r = ikou(&["layouts", "show", "chukan/juki"]).expect(0);
    assert!(
        r.stdout.contains("birth_date") && r.stdout.contains("生年月日"),
        "{}",
        r.stdout
    );
    let r = ikou(&["layouts", "show", "chukan/juki", "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["format"]["kind"], "delimited");
    let r = ikou(&["layouts", "show", "chukan/nope"]).expect(2);
    assert!(r.stderr.contains("chukan/juki"), "{}", r.stderr);
}

#[test]
fn check_reports_problems_with_exit_2() {
    let d = tempdir("layouts_check_bad");
    let f = d.join("bad.toml");
    std::fs::write(
        &f,
        "id = \"legacy/bad\"\nname = \"x\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\n[format]\nkind = \"fixed\"\nrecord_length = 10\n[[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\ntype = \"nonsense\"\nlength = 4\n",
    )
    .unwrap();
    let r = ikou(&["layouts", "check", f.to_str().unwrap()]).expect(2);
    assert!(
        r.stderr
            .contains("bad.toml:12 [item a]: unknown domain type `nonsense`"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_reports_every_problem_of_every_file() {
    let d = tempdir("layouts_check_many");
    let f = d.join("three.toml");
    std::fs::write(
        &f,
        "id = \"legacy/three\"\nname = \"x\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\n\
         [format]\nkind = \"fixed\"\nrecord_length = 9\n\
         [[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\ntype = \"digits\"\nlength = 3\n\
         [[items]]\nnumber = 1\nname = \"b\"\nkey = \"b\"\ntype = \"digits\"\nlength = 3\n\
         [[items]]\nnumber = 3\nname = \"c\"\nkey = \"C\"\ntype = \"digitz\"\nlength = 3\ncode_table = \"nope\"\n",
    )
    .unwrap();
    std::fs::write(d.join("codes.csv"), "code,label\n1,a\n1,b\n").unwrap();
    let r = ikou(&["layouts", "check", d.to_str().unwrap()]).expect(2);
    for needle in [
        "three.toml:15 [item b]: duplicate item number 1",
        "three.toml:23 [item C]: invalid item key `C`",
        "three.toml:24 [item C]: unknown domain type `digitz`",
        "codes.csv:3: duplicate code `1`",
    ] {
        assert!(r.stderr.contains(needle), "{needle}\n{}", r.stderr);
    }
    assert!(r.stderr.contains("4 problem(s)"), "{}", r.stderr);
}

/// A small workbook: a cover sheet, then the item sheet with the header on row 2 (shared
/// strings, a merged 桁数 header over バイト | 文字, and one row without a length).
fn workbook(path: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: &str| {
        zip.start_file(name, o).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    put(
        "xl/workbook.xml",
        r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="表紙" sheetId="1" r:id="rId1"/><sheet name="項目定義" sheetId="2" r:id="rId2"/></sheets></workbook>"#,
    );
    put(
        "xl/_rels/workbook.xml.rels",
        r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    );
    put(
        "xl/sharedStrings.xml",
        r#"<sst><si><t>No</t></si><si><r><t>項目</t></r><r><t>名称</t></r></si><si><t>データ型</t></si><si><t>桁数</t></si><si><t>バイト</t></si><si><t>文字</t></si><si><t>必須</t></si></sst>"#,
    );
    put(
        "xl/worksheets/sheet1.xml",
        r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>住民記録 項目定義書</t></is></c></row></sheetData></worksheet>"#,
    );
    let cell = |r: &str, v: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#);
    let num = |r: &str, v: u32| format!(r#"<c r="{r}"><v>{v}</v></c>"#);
    let ss = |r: &str, i: u32| format!(r#"<c r="{r}" t="s"><v>{i}</v></c>"#);
    let rows = [
        format!(
            "<row r=\"2\">{}{}{}{}{}</row>",
            ss("A2", 0),
            ss("B2", 1),
            ss("C2", 2),
            ss("D2", 3),
            ss("F2", 6)
        ),
        format!("<row r=\"3\">{}{}</row>", ss("D3", 4), ss("E3", 5)),
        format!(
            "<row r=\"4\">{}{}{}{}{}{}</row>",
            num("A4", 1),
            cell("B4", "宛名番号"),
            cell("C4", "数字"),
            num("D4", 10),
            num("E4", 10),
            cell("F4", "○")
        ),
        format!(
            "<row r=\"5\">{}{}{}{}{}</row>",
            num("A5", 2),
            cell("B5", "氏名"),
            cell("C5", "全角"),
            num("D5", 40),
            num("E5", 20)
        ),
        format!(
            "<row r=\"6\">{}{}{}</row>",
            num("A6", 3),
            cell("B6", "住所"),
            cell("C6", "全角")
        ),
        format!(
            "<row r=\"7\">{}{}{}{}{}</row>",
            num("A7", 4),
            cell("B7", "生年月日"),
            cell("C7", "日付"),
            num("D7", 8),
            num("E7", 8)
        ),
    ];
    put(
        "xl/worksheets/sheet2.xml",
        &format!(
            r#"<worksheet><sheetData>{}</sheetData><mergeCells><mergeCell ref="A2:A3"/><mergeCell ref="B2:B3"/><mergeCell ref="C2:C3"/><mergeCell ref="D2:E2"/><mergeCell ref="F2:F3"/></mergeCells></worksheet>"#,
            rows.concat()
        ),
    );
    zip.finish().unwrap();
}

#[test]
fn import_xlsx_writes_a_layout_that_passes_check() {
    let d = tempdir("layouts_import_xlsx");
    let book = d.join("items.xlsx");
    workbook(&book);
    let out = d.join("juki.toml");
    let r = ikou_in(
        &d,
        &[
            "layouts",
            "import",
            "items.xlsx",
            "--sheet",
            "項目定義",
            "--id",
            "chukan/test-juki",
            "--out",
            "juki.toml",
        ],
        None,
    )
    .expect(0);
    assert!(
        r.stderr.contains("row 6: 「住所」 has no length"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("imported 3 item(s)") && r.stderr.contains("header row 2"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("status = \"unverified-transcription\""));
    assert!(text.contains("source = \"items.xlsx シート「項目定義」\""));
    assert!(text.contains("#   row 6:"));
    ikou_in(&d, &["layouts", "check", "juki.toml"], None).expect(0);
    let r = ikou_in(&d, &["layouts", "show", "juki.toml", "--json"], None).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    let got: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap(),
                i["length"].as_u64().unwrap(),
                i["domain"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("宛名番号", 10, "digits"),
            ("氏名", 20, "kanji_name"),
            ("生年月日", 8, "date")
        ]
    );
    // Without --sheet the first sheet with a header is used; --format fixed takes bytes.
    let r = ikou_in(
        &d,
        &[
            "layouts",
            "import",
            "items.xlsx",
            "--format",
            "fixed",
            "--id",
            "legacy/x",
        ],
        None,
    )
    .expect(0);
    assert!(r.stdout.contains("record_length = 58"), "{}", r.stdout);
    // An existing --out is not overwritten without --force.
    let r = ikou_in(
        &d,
        &["layouts", "import", "items.xlsx", "--out", "juki.toml"],
        None,
    )
    .expect(2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    ikou_in(
        &d,
        &[
            "layouts",
            "import",
            "items.xlsx",
            "--id",
            "chukan/test-juki",
            "--out",
            "juki.toml",
            "--force",
        ],
        None,
    )
    .expect(0);
    // Unknown sheet: exit 2 with the sheet names.
    let r = ikou_in(
        &d,
        &["layouts", "import", "items.xlsx", "--sheet", "nope"],
        None,
    )
    .expect(2);
    assert!(r.stderr.contains("表紙, 項目定義"), "{}", r.stderr);
}

#[test]
fn import_csv_and_errors() {
    let d = tempdir("layouts_import_csv");
    std::fs::write(
        d.join("vendor items.csv"),
        "項目番号,項目名,型,長さ,必須,備考\n1,宛名番号,数字,10,○,\n2,性別,コード,1,○,1:男 2:女\n3,予備,,9,,\n",
    )
    .unwrap();
    let r = ikou_in(
        &d,
        &[
            "layouts",
            "import",
            "vendor items.csv",
            "--format",
            "fixed",
            "--out",
            "v.toml",
        ],
        None,
    )
    .expect(0);
    assert!(r.stdout.contains("wrote v.toml"), "{}", r.stdout);
    let text = std::fs::read_to_string(d.join("v.toml")).unwrap();
    // The default id comes from the file name.
    assert!(text.contains("id = \"chukan/vendor-items\""), "{text}");
    assert!(text.contains("record_length = 20"), "{text}");
    ikou_in(&d, &["layouts", "check", "v.toml"], None).expect(0);
    // --sheet makes no sense for CSV; a missing file is an I/O error; no header is exit 2.
    ikou_in(
        &d,
        &["layouts", "import", "vendor items.csv", "--sheet", "x"],
        None,
    )
    .expect(2);
    ikou_in(&d, &["layouts", "import", "missing.csv"], None).expect(3);
    std::fs::write(d.join("plain.csv"), "a,b\n1,2\n").unwrap();
    let r = ikou_in(&d, &["layouts", "import", "plain.csv"], None).expect(2);
    assert!(r.stderr.contains("no header row"), "{}", r.stderr);
    std::fs::write(d.join("broken.xlsx"), b"PK\x03\x04 not really").unwrap();
    ikou_in(&d, &["layouts", "import", "broken.xlsx"], None).expect(2);
}

#[test]
fn help_shows_examples() {
    let r = ikou(&["layouts", "import", "--help"]).expect(0);
    assert!(
        r.stdout.contains("Examples:") && r.stdout.contains("ikou layouts import"),
        "{}",
        r.stdout
    );
    let r = ikou(&["layouts", "--help"]).expect(0);
    assert!(r.stdout.contains("import"), "{}", r.stdout);
}
