//! Every validation error kind, with its position (file, line, item key).

#![allow(clippy::unwrap_used)] // tests may unwrap

use ikou_layout_spec::{parse_code_table, parse_layout, Catalog, SpecError, SpecErrorKind};

const FILE: &str = "t.toml";

/// A valid fixed-length header; line numbers in the tests count from here (9 lines).
const FIXED: &str = "\
id = \"legacy/t\"
name = \"テスト\"
family = \"legacy\"
status = \"synthetic\"

[format]
kind = \"fixed\"
record_length = 12
terminator = \"crlf\"
";

fn errors(text: &str) -> Vec<SpecError> {
    match parse_layout(text, FILE) {
        Ok(l) => panic!("expected errors, got {l:?}"),
        Err(e) => e.0,
    }
}

/// Asserts that some error matches the kind, at the line and item.
#[track_caller]
fn has(errs: &[SpecError], line: usize, item: Option<&str>, pred: impl Fn(&SpecErrorKind) -> bool) {
    assert!(
        errs.iter().any(|e| e.position.file == FILE
            && e.position.line == Some(line)
            && e.position.item.as_deref() == item
            && pred(&e.kind)),
        "no matching error at line {line} item {item:?} in:\n{}",
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn item(number: u32, key: &str, ty: &str, length: i64, extra: &str) -> String {
    format!(
        "\n[[items]]\nnumber = {number}\nname = \"項目{number}\"\nkey = \"{key}\"\ntype = \"{ty}\"\nlength = {length}\n{extra}"
    )
}

#[test]
fn a_valid_layout_loads() {
    let text = format!(
        "{FIXED}{}{}",
        item(1, "a", "digits", 8, ""),
        item(2, "b", "code", 4, "")
    );
    let l = parse_layout(&text, FILE).unwrap();
    assert_eq!(l.items[1].offset, Some(8));
}

#[test]
fn syntax_error_has_its_line() {
    let text = format!("{FIXED}\n[[items]]\nnumber = = 1\n");
    let errs = errors(&text);
    has(&errs, 12, None, |k| matches!(k, SpecErrorKind::Syntax(_)));
}

#[test]
fn several_syntax_errors_are_all_reported() {
    let text = "id = \"legacy/t\"\nname = \nfamily = \"legacy\"\nstatus = = \"x\"\n";
    let errs = errors(text);
    assert!(errs.len() >= 2, "{errs:?}");
    has(&errs, 2, None, |k| matches!(k, SpecErrorKind::Syntax(_)));
    has(&errs, 4, None, |k| matches!(k, SpecErrorKind::Syntax(_)));
}

#[test]
fn invalid_header_fields() {
    let text = FIXED
        .replace("family = \"legacy\"", "family = \"vendor\"")
        .replace("status = \"synthetic\"", "status = \"draft\"")
        .replace("terminator = \"crlf\"", "terminator = \"nl\"");
    let text = format!("{text}{}", item(1, "a", "digits", 12, ""));
    let errs = errors(&text);
    has(
        &errs,
        3,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "family"),
    );
    has(
        &errs,
        4,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "status"),
    );
    has(
        &errs,
        9,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "format.terminator"),
    );
}

#[test]
fn id_must_match_family() {
    let text = format!(
        "{}{}",
        FIXED.replace("legacy/t", "standard/t"),
        item(1, "a", "digits", 12, "")
    );
    let errs = errors(&text);
    has(
        &errs,
        1,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "id"),
    );
}

/// Bug 6 (issue 7): an invalid `family` hid an invalid `id`; both are reported now.
#[test]
fn invalid_id_is_reported_even_when_family_is_invalid_or_missing() {
    let is_id =
        |k: &SpecErrorKind| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "id");
    let is_family = |k: &SpecErrorKind| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "family");
    let body = item(1, "a", "digits", 12, "");
    // Invalid family and an id that is no `<family>/<name>` at all.
    let text = FIXED
        .replace("legacy/t", "Legacy/BAD id")
        .replace("family = \"legacy\"", "family = \"vendor\"");
    let errs = errors(&format!("{text}{body}"));
    has(&errs, 1, None, is_id);
    has(&errs, 3, None, is_family);
    // Missing family, invalid name part of the id.
    let text = FIXED
        .replace("legacy/t", "legacy/T!")
        .replace("family = \"legacy\"\n", "");
    let errs = errors(&format!("{text}{body}"));
    has(&errs, 1, None, is_id);
    has(
        &errs,
        1,
        None,
        |k| matches!(k, SpecErrorKind::MissingField(f) if f == "family"),
    );
    // Invalid family, but a well-formed id of a known family: only the family is wrong.
    let text = FIXED.replace("family = \"legacy\"", "family = \"vendor\"");
    let errs = errors(&format!("{text}{body}"));
    has(&errs, 3, None, is_family);
    assert!(
        !errs.iter().any(|e| is_id(&e.kind)),
        "a well-formed id was reported: {errs:?}"
    );
    // The bad corpus's spec with every kind of error reports its id too.
    let every = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/bad/spec-every-error.toml"),
    )
    .unwrap();
    let errs = errors(&every);
    assert!(
        errs.iter()
            .any(|e| is_id(&e.kind) && e.to_string().contains("Legacy/BAD id")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|e| is_family(&e.kind)), "{errs:?}");
}

#[test]
fn missing_and_unknown_fields() {
    let text = FIXED.replace("name = \"テスト\"\n", "nmae = \"テスト\"\n");
    // An item without a type and with a misspelt field.
    let text = format!(
        "{text}\n[[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\nlength = 12\nrequird = true\n"
    );
    let errs = errors(&text);
    has(
        &errs,
        1,
        None,
        |k| matches!(k, SpecErrorKind::MissingField(f) if f == "name"),
    );
    has(
        &errs,
        2,
        None,
        |k| matches!(k, SpecErrorKind::UnknownField { field, .. } if field == "nmae"),
    );
    has(
        &errs,
        11,
        Some("a"),
        |k| matches!(k, SpecErrorKind::MissingField(f) if f == "type"),
    );
    has(
        &errs,
        16,
        Some("a"),
        |k| matches!(k, SpecErrorKind::UnknownField { field, .. } if field == "requird"),
    );
}

#[test]
fn wrong_value_type_is_an_invalid_field() {
    let text = format!(
        "{FIXED}{}",
        item(1, "a", "digits", 12, "required = \"yes\"\n")
    );
    let errs = errors(&text);
    has(
        &errs,
        17,
        Some("a"),
        |k| matches!(k, SpecErrorKind::InvalidField { field, message } if field == "required" && message.contains("found string")),
    );
}

#[test]
fn unknown_domain_type() {
    let text = format!("{FIXED}{}", item(1, "a", "nonsense", 12, ""));
    let errs = errors(&text);
    // `type = …` is line 15 of the item (header 9 + blank + [[items]] + number + name + key).
    has(
        &errs,
        15,
        Some("a"),
        |k| matches!(k, SpecErrorKind::UnknownDomainType(t) if t == "nonsense"),
    );
}

#[test]
fn duplicate_number() {
    let text = format!(
        "{FIXED}{}{}",
        item(1, "a", "digits", 6, ""),
        item(1, "b", "digits", 6, "")
    );
    let errs = errors(&text);
    has(
        &errs,
        19,
        Some("b"),
        |k| matches!(k, SpecErrorKind::DuplicateNumber { number: 1, first } if first == "a"),
    );
}

#[test]
fn duplicate_key() {
    let text = format!(
        "{FIXED}{}{}",
        item(1, "a", "digits", 6, ""),
        item(2, "a", "digits", 6, "")
    );
    let errs = errors(&text);
    has(
        &errs,
        21,
        Some("a"),
        |k| matches!(k, SpecErrorKind::DuplicateKey(key) if key == "a"),
    );
}

#[test]
fn invalid_key() {
    let text = format!("{FIXED}{}", item(1, "Birth-Date", "date", 12, ""));
    let errs = errors(&text);
    has(
        &errs,
        14,
        Some("Birth-Date"),
        |k| matches!(k, SpecErrorKind::InvalidKey(key) if key == "Birth-Date"),
    );
    let text = format!("{FIXED}{}", item(1, "1st", "date", 12, ""));
    has(&errors(&text), 14, Some("1st"), |k| {
        matches!(k, SpecErrorKind::InvalidKey(_))
    });
}

#[test]
fn impossible_lengths() {
    let text = format!(
        "{FIXED}{}{}",
        item(1, "a", "digits", 0, ""),
        item(2, "b", "digits", 70000, "")
    );
    let errs = errors(&text);
    has(&errs, 16, Some("a"), |k| {
        matches!(k, SpecErrorKind::ImpossibleLength { length: 0, .. })
    });
    has(&errs, 23, Some("b"), |k| {
        matches!(k, SpecErrorKind::ImpossibleLength { length: 70000, .. })
    });
    // A record length of zero.
    let text = format!(
        "{}{}",
        FIXED.replace("record_length = 12", "record_length = 0"),
        item(1, "a", "digits", 1, "")
    );
    has(&errors(&text), 8, None, |k| {
        matches!(k, SpecErrorKind::ImpossibleLength { length: 0, .. })
    });
    // An item that runs past the end of the record.
    let text = format!("{FIXED}{}", item(1, "a", "digits", 8, "offset = 6\n"));
    has(
        &errors(&text),
        11,
        Some("a"),
        |k| matches!(k, SpecErrorKind::ImpossibleLength { length: 8, reason } if reason.contains("6..14")),
    );
}

#[test]
fn overlap() {
    let text = format!(
        "{FIXED}{}{}",
        item(1, "a", "digits", 8, ""),
        item(2, "b", "digits", 4, "offset = 6\n")
    );
    let errs = errors(&text);
    has(
        &errs,
        18,
        Some("b"),
        |k| matches!(k, SpecErrorKind::Overlap { start: 6, end: 10, other, other_start: 0, other_end: 8 } if other == "a"),
    );
}

#[test]
fn gap_inside_and_at_the_end() {
    let text = format!(
        "{FIXED}{}{}",
        item(1, "a", "digits", 4, ""),
        item(2, "b", "digits", 4, "offset = 6\n")
    );
    let errs = errors(&text);
    has(&errs, 18, Some("b"), |k| {
        matches!(k, SpecErrorKind::Gap { start: 4, end: 6 })
    });
    // bytes 10..12 are not covered either: reported at the format table.
    has(&errs, 6, None, |k| {
        matches!(k, SpecErrorKind::Gap { start: 10, end: 12 })
    });
}

#[test]
fn length_sum() {
    let text = format!("{FIXED}{}", item(1, "a", "digits", 10, ""));
    let errs = errors(&text);
    has(&errs, 6, None, |k| {
        matches!(
            k,
            SpecErrorKind::LengthSum {
                sum: 10,
                record_length: 12
            }
        )
    });
}

#[test]
fn chars_unit_in_fixed() {
    let text = format!("{FIXED}{}", item(1, "a", "text", 12, "unit = \"chars\"\n"));
    let errs = errors(&text);
    has(&errs, 11, Some("a"), |k| {
        matches!(k, SpecErrorKind::CharsInFixed)
    });
}

#[test]
fn item_fields_with_bad_values() {
    let text = format!(
        "{FIXED}{}",
        item(
            1,
            "a",
            "text",
            12,
            "unit = \"words\"\npadding = \"zeros\"\ndate_form = \"julian\"\nrepeat = 0\n"
        )
    );
    let errs = errors(&text);
    for (line, field) in [
        (17, "unit"),
        (18, "padding"),
        (19, "date_form"),
        (20, "repeat"),
    ] {
        has(
            &errs,
            line,
            Some("a"),
            |k| matches!(k, SpecErrorKind::InvalidField { field: f, .. } if f == field),
        );
    }
}

#[test]
fn offsets_in_a_delimited_layout() {
    let text = "id = \"standard/t\"\nname = \"t\"\nfamily = \"standard\"\nstatus = \"synthetic\"\n\
                [format]\nkind = \"delimited\"\n[[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\n\
                type = \"text\"\nlength = 5\noffset = 0\n";
    let errs = errors(text);
    has(
        &errs,
        13,
        Some("a"),
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "offset"),
    );
}

#[test]
fn three_bad_items_give_three_errors_or_more() {
    let text = format!(
        "{FIXED}{}{}{}{}",
        item(1, "a", "digits", 3, ""),
        item(2, "b", "bogus", 3, ""),
        item(3, "C", "digits", 3, ""),
        item(3, "d", "digits", -1, "")
    );
    let errs = errors(&text);
    assert!(errs.len() >= 3, "{errs:?}");
    has(&errs, 22, Some("b"), |k| {
        matches!(k, SpecErrorKind::UnknownDomainType(_))
    });
    has(&errs, 28, Some("C"), |k| {
        matches!(k, SpecErrorKind::InvalidKey(_))
    });
    has(&errs, 33, Some("d"), |k| {
        matches!(k, SpecErrorKind::DuplicateNumber { number: 3, .. })
    });
    has(&errs, 37, Some("d"), |k| {
        matches!(k, SpecErrorKind::ImpossibleLength { .. })
    });
}

#[test]
fn missing_code_table() {
    let mut c = Catalog::new();
    let text = format!(
        "{FIXED}{}",
        item(1, "sex", "code", 12, "code_table = \"nope\"\n")
    );
    c.add_layout_text(&text, FILE).unwrap();
    let errs = c.check().0;
    has(
        &errs,
        11,
        Some("sex"),
        |k| matches!(k, SpecErrorKind::MissingCodeTable(t) if t == "nope"),
    );
    c.add_code_table_text("code,label\n1,x\n", "nope", "nope.csv")
        .unwrap();
    assert!(c.check().is_empty());
}

#[test]
fn duplicate_code_and_code_table_problems() {
    let text = "code,label\n1,男\n2,女\n1,重複\n,空\n3,a,extra\n";
    let errs = parse_code_table(text, "seibetsu", "s.csv").unwrap_err().0;
    let at = |line: usize, pred: &dyn Fn(&SpecErrorKind) -> bool| {
        assert!(
            errs.iter().any(|e| e.position.file == "s.csv"
                && e.position.line == Some(line)
                && pred(&e.kind)),
            "line {line}: {errs:?}"
        )
    };
    at(
        4,
        &|k| matches!(k, SpecErrorKind::DuplicateCode(c) if c == "1"),
    );
    at(
        5,
        &|k| matches!(k, SpecErrorKind::Syntax(m) if m.contains("empty code")),
    );
    at(6, &|k| matches!(k, SpecErrorKind::Syntax(_)));
    let errs = parse_code_table("コード,名称\n1,a\n", "x", "x.csv")
        .unwrap_err()
        .0;
    assert_eq!(errs[0].position.line, Some(1));
}

/// A fixed layout with header and trailer records; `rt` replaces the record_types part.
fn multi(rt: &str) -> String {
    format!(
        "{FIXED}{}{}{rt}",
        item(1, "kind", "record_type", 1, ""),
        item(2, "a", "digits", 11, "")
    )
}

const GOOD_RT: &str = "
[record_types]
offset = 0
length = 1
data = \"2\"

[record_types.header]
code = \"1\"

[[record_types.header.items]]
number = 1
name = \"種別\"
key = \"kind\"
type = \"record_type\"
length = 1

[[record_types.header.items]]
number = 2
name = \"作成日\"
key = \"created\"
type = \"date\"
length = 11

[record_types.trailer]
code = \"9\"
count_item = \"count\"

[[record_types.trailer.items]]
number = 1
name = \"種別\"
key = \"kind\"
type = \"record_type\"
length = 1

[[record_types.trailer.items]]
number = 2
name = \"件数\"
key = \"count\"
type = \"amount\"
length = 11
";

#[test]
fn record_types_load() {
    let l = parse_layout(&multi(GOOD_RT), FILE).unwrap();
    let rt = l.record_types.unwrap();
    assert_eq!(rt.data_code, "2");
    assert_eq!(rt.others.len(), 2);
    assert_eq!(rt.others[1].count_item.as_deref(), Some("count"));
}

#[test]
fn record_types_problems() {
    // Line numbers: the data part ends at line 23; GOOD_RT starts with a blank line 24.
    let bad = GOOD_RT
        .replace("data = \"2\"", "data = \"22\"")
        .replace("code = \"9\"", "code = \"1\"")
        .replace("count_item = \"count\"", "count_item = \"total\"")
        .replace(
            "length = 11\n\n[record_types.trailer]",
            "length = 10\n\n[record_types.trailer]",
        );
    let errs = errors(&multi(&bad));
    // data code of the wrong width (line 28)
    has(
        &errs,
        28,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "record_types.data"),
    );
    // the trailer reuses the header's code (line 48)
    has(
        &errs,
        48,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, message } if field == "record_types.trailer.code" && message.contains("already")),
    );
    // count_item names no trailer item (line 49)
    has(
        &errs,
        49,
        Some("total"),
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "record_types.trailer.count_item"),
    );
    // the header items do not fill the record (reported at the header table, line 30)
    has(&errs, 30, None, |k| {
        matches!(
            k,
            SpecErrorKind::LengthSum {
                sum: 11,
                record_length: 12
            }
        )
    });

    // The selector must be a data item of exactly its bytes, inside the record.
    let bad = GOOD_RT.replacen("offset = 0\nlength = 1", "offset = 11\nlength = 2", 1);
    let errs = errors(&multi(&bad));
    has(
        &errs,
        25,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, message } if field == "record_types" && message.contains("past the record")),
    );
    has(
        &errs,
        25,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, message } if field == "record_types" && message.contains("no data item")),
    );
}

#[test]
fn record_types_need_a_fixed_format() {
    let text = "id = \"standard/t\"\nname = \"t\"\nfamily = \"standard\"\nstatus = \"synthetic\"\n\
                [format]\nkind = \"delimited\"\n[[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\n\
                type = \"text\"\nlength = 5\n[record_types]\noffset = 0\nlength = 1\ndata = \"1\"\n";
    let errs = errors(text);
    has(
        &errs,
        13,
        None,
        |k| matches!(k, SpecErrorKind::InvalidField { field, .. } if field == "record_types"),
    );
}

#[test]
fn missing_code_table_in_a_trailer_item() {
    let rt = GOOD_RT.replace(
        "key = \"count\"\ntype = \"amount\"",
        "key = \"count\"\ntype = \"amount\"\ncode_table = \"nope\"",
    );
    let mut c = Catalog::new();
    c.add_layout_text(&multi(&rt), FILE).unwrap();
    let errs = c.check().0;
    has(&errs, 58, Some("count"), |k| {
        matches!(k, SpecErrorKind::MissingCodeTable(_))
    });
}

#[test]
fn two_user_files_with_one_id() {
    let text = format!("{FIXED}{}", item(1, "a", "digits", 12, ""));
    let mut c = Catalog::bundled().unwrap();
    c.add_layout_text(&text, "one.toml").unwrap();
    c.add_layout_text(&text, "one.toml").unwrap(); // reloading the same file is fine
    let errs = c.add_layout_text(&text, "two.toml").unwrap_err().0;
    assert!(matches!(&errs[0].kind, SpecErrorKind::DuplicateLayout(id) if id == "legacy/t"));
    assert_eq!(errs[0].position.line, Some(1));
    // A user file may override a bundled layout.
    let over = std::str::from_utf8(ikou_layout_spec::catalog::BUNDLED[0].1.as_bytes()).unwrap();
    c.add_layout_text(over, "mine.toml").unwrap();
}

#[test]
fn bundled_specs_are_valid_and_complete() {
    let c = Catalog::bundled().unwrap();
    for id in [
        "legacy/sample-juki",
        "chukan/juki",
        "standard/jumin-kiroku-jumin",
        "standard/jumin-kiroku-setai",
    ] {
        let l = c.layout(id).unwrap_or_else(|| panic!("{id}"));
        assert!(!l.items.is_empty());
    }
    assert_eq!(
        c.layout("chukan/juki").unwrap().status,
        ikou_layout_spec::Status::UnverifiedTranscription
    );
}

#[test]
fn byte_ranges_are_checked_even_when_an_item_has_other_problems() {
    // Item b has an unknown type AND overlaps a; the record is also a byte short.
    let text = format!(
        "{FIXED}{}{}",
        item(1, "a", "digits", 8, ""),
        item(2, "b", "bogus", 3, "offset = 6\n")
    );
    let errs = errors(&text);
    has(&errs, 22, Some("b"), |k| {
        matches!(k, SpecErrorKind::UnknownDomainType(_))
    });
    has(&errs, 18, Some("b"), |k| {
        matches!(
            k,
            SpecErrorKind::Overlap {
                start: 6,
                end: 9,
                ..
            }
        )
    });
    has(&errs, 6, None, |k| {
        matches!(k, SpecErrorKind::Gap { start: 9, end: 12 })
    });
}

#[test]
fn the_worked_example_of_the_specs_readme_loads() {
    let readme = include_str!("../specs/README.md");
    let ex = readme.split("## Worked example").nth(1).unwrap();
    let block = |lang: &str| {
        let start = ex.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
        let len = ex[start..].find("```").unwrap();
        &ex[start..start + len]
    };
    let mut c = Catalog::bundled().unwrap();
    let l = c
        .add_layout_text(block("toml"), "tiny-juki.toml")
        .unwrap()
        .clone();
    c.add_code_table_text(block("csv"), "tiny_seibetsu", "tiny_seibetsu.csv")
        .unwrap();
    assert!(c.check().is_empty(), "{}", c.check());
    assert_eq!(l.format.record_length(), Some(40));
    // The README's "break it" step gives the three problems it promises.
    let broken = block("toml")
        .replace("type = \"kanji_name\"", "type = \"kanji\"")
        .replace("type = \"date\"\nlength = 7", "type = \"date\"\nlength = 8");
    let errs = parse_layout(&broken, "tiny-juki.toml").unwrap_err().0;
    assert!(errs
        .iter()
        .any(|e| matches!(e.kind, SpecErrorKind::UnknownDomainType(_))));
    assert!(errs
        .iter()
        .any(|e| e.position.item.as_deref() == Some("filler")
            && matches!(&e.kind, SpecErrorKind::ImpossibleLength { reason, .. } if reason.contains("39..41"))));
    assert!(errs.iter().any(|e| matches!(
        e.kind,
        SpecErrorKind::LengthSum {
            sum: 41,
            record_length: 40
        }
    )));
}

/// Issue 13: the official-definition item fields and the `official-import` status are
/// checked like every other field.
#[test]
fn issue13_official_fields_are_checked() {
    let field = |errs: &[SpecError], name: &str| {
        assert!(
            errs.iter().any(|e| matches!(&e.kind,
                SpecErrorKind::InvalidField { field, .. } if field == name)),
            "no error for {name} in {errs:?}"
        );
    };
    // A valid one loads.
    let ok = format!(
        "{FIXED}{}",
        item(
            1,
            "a",
            "amount",
            12,
            "data_type = \"９Ｖ\"\nscale = 2\nitem_id = \"03100001\"\nconditional = true\ncondition = \"x\"\nprimary_key = true\nforeign_key = \"standard/b\"\ncode_id = \"1\"\n"
        )
    );
    let l = parse_layout(&ok, FILE).unwrap();
    let o = l.items[0].official.as_ref().unwrap();
    assert_eq!(o.data_type, ikou_layout_spec::DataType::Decimal);
    assert_eq!(o.scale, Some(2));
    assert_eq!(
        l.items[0].requirement(),
        ikou_layout_spec::Requirement::Conditional
    );
    // Unknown data type; scale on a non-9V item; required and conditional at once; an
    // official field without data_type.
    field(
        &errors(&format!(
            "{FIXED}{}",
            item(1, "a", "text", 12, "data_type = \"Q\"\n")
        )),
        "data_type",
    );
    field(
        &errors(&format!(
            "{FIXED}{}",
            item(1, "a", "text", 12, "data_type = \"X\"\nscale = 1\n")
        )),
        "scale",
    );
    field(
        &errors(&format!(
            "{FIXED}{}",
            item(
                1,
                "a",
                "text",
                12,
                "data_type = \"X\"\nrequired = true\nconditional = true\n"
            )
        )),
        "conditional",
    );
    field(
        &errors(&format!(
            "{FIXED}{}",
            item(1, "a", "text", 12, "item_id = \"1\"\n")
        )),
        "item_id",
    );
    // official-import needs [official].
    let text = FIXED.replace("\"synthetic\"", "\"official-import\"");
    field(
        &errors(&format!("{text}{}", item(1, "a", "text", 12, ""))),
        "status",
    );
}

/// A fresh directory under the target's temporary directory.
fn fresh_dir(name: &str) -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn issue14_a_folder_keeps_profiles_and_gaiji_tables_apart_from_layouts() {
    use ikou_layout_spec::catalog::{is_gaiji_table, is_profile};
    use std::path::Path;
    let profile = include_str!("../../../specs/profiles/sample-juki.toml");
    let layout = include_str!("../../../specs/layouts/legacy/sample-juki.toml");
    assert!(is_profile(Path::new(""), profile));
    assert!(!is_profile(Path::new(""), layout));
    assert!(is_profile(Path::new("profiles/x.toml"), layout));
    assert!(is_gaiji_table("\u{FEFF}code,replacement,mj,note\n"));
    assert!(!is_gaiji_table("code,label\n1,男\n"));
    let d = fresh_dir("i14-folder");
    std::fs::write(d.join("p.toml"), profile).unwrap();
    std::fs::write(d.join("g.csv"), "code,replacement,mj,note\nF040,𠮷,,\n").unwrap();
    std::fs::write(
        d.join("l.toml"),
        layout.replace("legacy/sample-juki", "legacy/l"),
    )
    .unwrap();
    // A folder named `profiles` ABOVE the loaded one does not make its layouts profiles.
    let above = fresh_dir("profiles");
    std::fs::write(
        above.join("l2.toml"),
        layout.replace("legacy/sample-juki", "legacy/l2"),
    )
    .unwrap();
    let mut c = Catalog::bundled().unwrap();
    c.load_path(&d).unwrap();
    c.load_path(&above).unwrap();
    assert!(c.layout("legacy/l").is_some() && c.layout("legacy/l2").is_some());
    assert!(c.code_table("g").is_none());
    assert_eq!(c.profile_files().len(), 1);
    assert_eq!(
        c.find_profile("sample-juki"),
        Some(d.join("p.toml").to_str().unwrap())
    );
    assert!(c.looked_in().contains("--specs"));
}

#[cfg(unix)]
#[test]
fn issue18_item5_spec_files_are_read_bounded() {
    use ikou_layout_spec::{read_spec_file, MAX_SPEC_FILE_BYTES};
    let e = read_spec_file(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
    assert_eq!(MAX_SPEC_FILE_BYTES, 16 << 20);
    let d = fresh_dir("i18-bounded");
    std::fs::write(d.join("bin.csv"), b"code,label\n\xff\xfe secret\n").unwrap();
    let e = read_spec_file(&d.join("bin.csv")).unwrap_err().to_string();
    assert!(
        e.contains("not UTF-8 (at byte 11)") && !e.contains("secret"),
        "{e}"
    );
}

#[test]
fn issue18_item11_load_profile_file_refuses_paths_outside_and_allows_them_on_request() {
    use ikou_layout_spec::profile::{load_profile_file, ProfileAccess};
    let d = fresh_dir("i18-profile-paths");
    std::fs::create_dir_all(d.join("p")).unwrap();
    std::fs::create_dir_all(d.join("out")).unwrap();
    let layout = include_str!("../../../specs/layouts/legacy/sample-juki.toml")
        .replace("legacy/sample-juki", "legacy/outside");
    std::fs::write(d.join("out/l.toml"), layout).unwrap();
    let profile = include_str!("../../../specs/profiles/sample-juki.toml").replace(
        "source = \"legacy/sample-juki\"",
        "source = \"../out/l.toml\"",
    );
    std::fs::write(d.join("p/p.toml"), profile).unwrap();
    let mut c = Catalog::bundled().unwrap();
    let e = load_profile_file(&d.join("p/p.toml"), &mut c, &ProfileAccess::default()).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert_eq!(e.0[0].position.line, Some(9));
    assert!(
        e.to_string().contains("outside the profile's folder"),
        "{e}"
    );
    assert!(c.layout("legacy/outside").is_none(), "not read");
    // A --specs folder that holds it, or the explicit permission, lets it be read.
    for access in [
        ProfileAccess {
            spec_roots: vec![d.join("out")],
            allow_outside: false,
        },
        ProfileAccess {
            spec_roots: vec![],
            allow_outside: true,
        },
    ] {
        let mut c = Catalog::bundled().unwrap();
        let p = load_profile_file(&d.join("p/p.toml"), &mut c, &access).unwrap();
        assert_eq!(p.source, "legacy/outside");
        assert!(c.layout("legacy/outside").is_some());
    }
}

#[test]
fn issue13_group_conditions_are_read_per_group_and_prefixed() {
    use ikou_layout_spec::condition::Condition;
    use ikou_layout_spec::profile::bundled_profile;
    let c = Catalog::bundled().unwrap();
    let p = bundled_profile("sample-juki", &c).unwrap().unwrap();
    assert_eq!(p.conditions.len(), 1);
    let r = &p.conditions[0];
    // Written over the 住民 group's own items; held with the group's prefix, like its rules.
    assert_eq!(r.target, "jumin.shojonengappi");
    assert_eq!(r.expression, "juminjotai != \"1\"");
    assert_eq!(
        r.condition,
        Condition::Ne("jumin.juminjotai".into(), "1".into())
    );
    assert_eq!(r.condition.items(), ["jumin.juminjotai"]);
    // A group's condition names its own items only; a top-level [conditions] is refused.
    let text = include_str!("../../../specs/profiles/sample-juki.toml");
    let other = text.replace(
        "shojonengappi = 'juminjotai != \"1\"'",
        "shojonengappi = 'present(setainushi_shimei)'",
    );
    assert_ne!(other, text);
    let e = ikou_layout_spec::parse_profile(&other, "p.toml", &c).unwrap_err();
    assert!(
        e.to_string()
            .contains("reads `setainushi_shimei`, which the target layout does not have"),
        "{e}"
    );
    let top = text.replace(
        "[dates]",
        "[conditions]\nshojonengappi = 'present(juminjotai)'\n\n[dates]",
    );
    let e = ikou_layout_spec::parse_profile(&top, "p.toml", &c).unwrap_err();
    assert!(e.to_string().contains("[targets.conditions]"), "{e}");
}
