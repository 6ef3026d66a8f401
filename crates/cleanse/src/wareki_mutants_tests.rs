//! #19, mutation testing: tests for the 17 cargo-mutants survivors in `wareki.rs` left
//! untriaged by the first run (see docs/RELIABILITY.md, "Mutation testing"): the guards of
//! `num_le2` and `grammar`, `form_name`, `ascii_number`, the year bound of `parse_tokens`,
//! the 明治 bound of `to_wareki` and `is_iso_date`.

use super::*;

fn p(s: &str, form: DateForm) -> Result<Parsed, DateError> {
    parse(s, form, DatePolicy::Strict)
}

fn ymd(s: &str, form: DateForm) -> (u16, Option<u8>, Option<u8>) {
    let d = p(s, form).unwrap_or_else(|e| panic!("{s}: {e}")).date;
    (d.year, d.month, d.day)
}

fn kind(s: &str, form: DateForm) -> FindingKind {
    match p(s, form) {
        Ok(x) => panic!("{s} parsed as {:?}", x.date),
        Err(e) => e.kind,
    }
}

/// Month, day and era year are at most 2 digits (`num_le2`, the year guard of the era
/// forms): a 3-digit one is unrecognised, not read as its value.
#[test]
fn three_digit_parts_are_unrecognised() {
    for s in [
        "平成元年010月1日",
        "平成元年1月008日",
        "平成001年1月8日",
        "H001.01.08",
        "H01.001.08",
        "2020年010月",
        "2020-010-01",
    ] {
        assert_eq!(
            kind(s, DateForm::Auto),
            FindingKind::DateUnrecognised,
            "{s}"
        );
    }
    assert_eq!(
        ymd("平成1年10月1日", DateForm::Auto),
        (1989, Some(10), Some(1))
    );
}

/// The 6-digit form (H010108) is for era letters only, with month and day split right;
/// the separators of an era date must be the same.
#[test]
fn six_digit_era_letter_form_and_mixed_separators() {
    assert_eq!(ymd("H010108", DateForm::Auto), (1989, Some(1), Some(8)));
    assert_eq!(ymd("R021231", DateForm::Auto), (2020, Some(12), Some(31)));
    assert_eq!(ymd("S630229", DateForm::Auto), (1988, Some(2), Some(29)));
    assert_eq!(
        kind("平成010108", DateForm::Auto),
        FindingKind::DateUnrecognised
    );
    for s in ["H01.01/08", "H01-01.08", "H01/01-08"] {
        assert_eq!(
            kind(s, DateForm::Auto),
            FindingKind::DateUnrecognised,
            "{s}"
        );
    }
    assert_eq!(ymd("H01/01/08", DateForm::Auto), (1989, Some(1), Some(8)));
}

/// `Auto` reads 8 digits as 元号コード2 below 10000000 and as YYYYMMDD from 10000000 on.
#[test]
fn eight_digits_auto_boundary() {
    for s in ["10000000", "10000101", "10001231"] {
        let auto = p(s, DateForm::Auto).map(|x| x.date);
        let ymd_form = p(s, DateForm::Yyyymmdd).map(|x| x.date);
        assert_eq!(auto, ymd_form, "{s}");
    }
    assert_eq!(ymd("10000101", DateForm::Auto), (1000, Some(1), Some(1)));
    assert_eq!(ymd("04010108", DateForm::Auto), (1989, Some(1), Some(8)));
}

/// Gregorian years written in kanji, year only and year and month.
#[test]
fn gregorian_kanji_year_and_year_month() {
    assert_eq!(ymd("2020年", DateForm::Auto), (2020, None, None));
    assert_eq!(ymd("2020年5月", DateForm::Auto), (2020, Some(5), None));
    assert_eq!(ymd("2020年", DateForm::Iso), (2020, None, None));
}

/// The message for a value in another form names the item's form.
#[test]
fn wrong_form_message_names_the_form() {
    let e = p("H01.01.08", DateForm::EraCode1).unwrap_err();
    assert_eq!(e.kind, FindingKind::DateUnrecognised);
    assert_eq!(
        e.message,
        "not in the item's date form (era_code1: GYYMMDD)"
    );
    let e = p("4010108", DateForm::Iso).unwrap_err();
    assert_eq!(e.message, "not in the item's date form (iso: YYYY-MM-DD)");
    assert_eq!(form_name(DateForm::Auto), "auto");
    assert_eq!(form_name(DateForm::Yyyymmdd), "yyyymmdd");
}

/// The digits fast path: 9 and more ASCII digits are not a number token (the tokenizer
/// decides, and the outcome is the same as through it), and a 9-, 10- or 20-digit value
/// never panics.
#[test]
fn long_digit_runs_agree_with_the_tokenizer() {
    for s in [
        "1",
        "12345678",
        "123456789",
        "2020010112",
        "99999999999999999999",
    ] {
        let fast = parse(s, DateForm::Auto, DatePolicy::Strict).map(|x| x.date);
        let slow = parse_reference(s, DateForm::Auto, DatePolicy::Strict).map(|x| x.date);
        assert_eq!(fast.ok(), slow.ok(), "{s}");
        assert_eq!(ascii_number(s).is_some(), s.len() <= 8, "{s}");
    }
}

/// Year 9999 is in range (the last year ikou reads).
#[test]
fn year_9999_is_read() {
    assert_eq!(
        ymd("9999-12-31", DateForm::Auto),
        (9999, Some(12), Some(31))
    );
    assert_eq!(
        ymd("99991231", DateForm::Yyyymmdd),
        (9999, Some(12), Some(31))
    );
    assert_eq!(ymd("9999年", DateForm::Auto), (9999, None, None));
}

/// The first day of 明治 has an era (lunisolar, so not converted); the day before has none.
#[test]
fn meiji_start_boundary_of_to_wareki() {
    let d = |year, month, day| Date {
        year,
        month: Some(month),
        day: Some(day),
    };
    assert_eq!(
        to_wareki(d(1868, 1, 24)).unwrap_err().kind,
        FindingKind::DateNoEra
    );
    assert_eq!(
        to_wareki(d(1868, 1, 25)).unwrap_err().kind,
        FindingKind::DateLunisolar
    );
    assert!(to_wareki(d(1873, 1, 1)).is_ok());
}

/// `is_iso_date`: exactly 10 characters with `-` at 4 and 7.
#[test]
fn is_iso_date_checks_length_and_both_dashes() {
    assert!(is_iso_date("2020-01-31"));
    for s in [
        "2020x01-31",
        "2020-01x31",
        "2020-01-311",
        "2020-01-3",
        "20200-1-31",
        "2020-02-30",
        "0000-01-01",
        "2020-13-01",
        "2020-00-01",
        "2020-01-00",
    ] {
        assert!(!is_iso_date(s), "{s}");
    }
}
