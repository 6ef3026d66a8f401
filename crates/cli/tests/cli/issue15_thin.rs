//! Issue #15: the CLI verbs are thin (the deciding is in the libraries) and their output is
//! what it was, byte for byte: `layouts show --json` (now `Layout::description`), the
//! messages of `layouts import` (now `import::plan`), the code tables of a copybook.

use crate::util::{ikou_in, tempdir};

const ITEMS_CSV: &str = "No,項目名,データ型,桁数\n1,宛名番号,数字,10\n2,氏名,全角,40\n";

const COPYBOOK: &str = "       01  REC.\n           05  KUBUN  PIC X(1).\n               88  KOJIN  VALUE '1'.\n               88  HOJIN  VALUE '2'.\n           05  BANGO  PIC S9(7)V99 COMP-3.\n";

/// The whole output of `layouts show --json` of an imported item list, as ikou printed it
/// before the description moved into the library (keys sorted, two-space indents).
const SHOW_JSON: &str = r#"{
  "encoding": "utf-8",
  "family": "chukan",
  "format": {
    "delimiter": ",",
    "header_rows": 1,
    "kind": "delimited",
    "quote": "\"",
    "terminator": "crlf"
  },
  "gyomu": "",
  "id": "chukan/i",
  "items": [
    {
      "code_id": null,
      "code_table": null,
      "condition": null,
      "date_form": null,
      "domain": "digits",
      "foreign_key": null,
      "item_encoding": null,
      "item_id": null,
      "item_kind": null,
      "key": "item_001",
      "length": 10,
      "name": "宛名番号",
      "note": "データ型 数字",
      "number": 1,
      "offset": null,
      "primary_key": false,
      "repeat": 1,
      "representation": {
        "form": "display"
      },
      "required": "optional",
      "scale": null,
      "signed": false,
      "type": "digits",
      "unit": "chars"
    },
    {
      "code_id": null,
      "code_table": null,
      "condition": null,
      "date_form": null,
      "domain": "kanji_name",
      "foreign_key": null,
      "item_encoding": null,
      "item_id": null,
      "item_kind": null,
      "key": "item_002",
      "length": 40,
      "name": "氏名",
      "note": "データ型 全角; ikou: 型は項目名から推定",
      "number": 2,
      "offset": null,
      "primary_key": false,
      "repeat": 1,
      "representation": {
        "form": "display"
      },
      "required": "optional",
      "scale": null,
      "signed": false,
      "type": "kanji_name",
      "unit": "chars"
    }
  ],
  "name": "i.csv",
  "note": "ikou layouts import: header row 1, 2 item(s), 0 row(s) to review",
  "official": null,
  "source": "i.csv",
  "status": "unverified-transcription",
  "version": ""
}
"#;

#[test]
fn issue15_layouts_show_json_is_byte_identical() {
    let d = tempdir("issue15-thin-show");
    std::fs::write(d.join("i.csv"), ITEMS_CSV).unwrap();
    let r = ikou_in(&d, &["layouts", "import", "i.csv", "--out", "i.toml"], None).expect(0);
    assert_eq!(r.stdout, "wrote i.toml\n");
    assert_eq!(
        r.stderr,
        "imported 2 item(s) from i.csv (header row 1) as `chukan/i` (unverified-transcription); 0 row(s) to review\n"
    );
    let r = ikou_in(&d, &["layouts", "show", "i.toml", "--json"], None).expect(0);
    assert_eq!(r.stdout, SHOW_JSON);
    // Planning refuses before anything is written.
    let r = ikou_in(&d, &["layouts", "import", "i.csv", "--out", "i.toml"], None).expect(2);
    assert_eq!(
        r.stderr,
        "ikou: i.toml exists; use --force to overwrite it\n"
    );
    let r = ikou_in(&d, &["layouts", "import", "i.csv", "--view", "V"], None).expect(2);
    assert_eq!(
        r.stderr,
        "ikou: i.csv is not a COBOL copybook: --view applies to copybooks only\n"
    );
    let r = ikou_in(&d, &["layouts", "import", "i.csv", "--json"], None).expect(2);
    assert_eq!(
        r.stderr,
        "ikou: i.csv: --json applies to workbooks in the official form only\n"
    );
    let r = ikou_in(&d, &["layouts", "import", "nofile.csv"], None).expect(3);
    assert!(r.stderr.starts_with("ikou: nofile.csv: "), "{}", r.stderr);
}

#[test]
fn issue15_copybook_import_writes_its_code_tables_and_refuses_to_overwrite_any() {
    let d = tempdir("issue15-thin-copybook");
    std::fs::write(d.join("rec.cpy"), COPYBOOK).unwrap();
    let args = ["layouts", "import", "rec.cpy", "--out", "rec.toml"];
    let r = ikou_in(&d, &args, None).expect(0);
    assert_eq!(r.stdout, "wrote rec.toml\nwrote rec-kubun.csv\n");
    assert_eq!(
        r.stderr,
        "imported 2 item(s), 6 byte(s) a record, from the COBOL copybook rec.cpy (fixed form) as `legacy/rec` (unverified-transcription); 0 point(s) to review\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("rec-kubun.csv")).unwrap(),
        "code,label\n1,KOJIN\n2,HOJIN\n"
    );
    // The layout gone, the code table still there: refused all the same, nothing written.
    std::fs::remove_file(d.join("rec.toml")).unwrap();
    let r = ikou_in(&d, &args, None).expect(2);
    assert_eq!(
        r.stderr,
        "ikou: rec-kubun.csv exists; use --force to overwrite it\n"
    );
    assert!(!d.join("rec.toml").exists());
    let mut forced = args.to_vec();
    forced.push("--force");
    ikou_in(&d, &forced, None).expect(0);
    let r = ikou_in(&d, &["layouts", "show", "rec.toml"], None).expect(0);
    assert!(
        r.stdout.contains(
            "\n                            stored: packed, 9 digits, 2 decimals, signed\n"
        ),
        "{}",
        r.stdout
    );
    let r = ikou_in(
        &d,
        &["layouts", "import", "rec.cpy", "--encoding", "klingon"],
        None,
    )
    .expect(2);
    assert!(
        r.stderr.starts_with(
            "ikou: --encoding klingon: not a known text encoding (cp932, utf-8, euc-jp, … or a host label: ibm-930, "
        ),
        "{}",
        r.stderr
    );
}
