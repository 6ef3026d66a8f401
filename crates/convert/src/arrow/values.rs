//! Parsing written values into typed Arrow values (dates, amounts).

/// A date value as written in an `after` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateValue {
    /// A complete calendar date: days since 1970-01-01.
    Full(i32),
    /// A partial date (year only, or year and month; `00` marks an unknown part).
    Partial,
}

/// Parses `YYYY-MM-DD` / `YYYYMMDD` and their partial forms (`YYYY-MM`, `YYYY`, `YYYYMM`,
/// and `00` for an unknown month or day). Years 0001–9999. `None` if the value is not such
/// a date or names a day that does not exist (`1955-02-30`, `1955-00-05`).
pub(crate) fn parse_date(s: &str) -> Option<DateValue> {
    let b = s.as_bytes();
    let (year, month, day) = match b.len() {
        4 => (num(b, 0, 4)?, 0, 0),
        6 => (num(b, 0, 4)?, num(b, 4, 6)?, 0),
        7 if b.get(4) == Some(&b'-') => (num(b, 0, 4)?, num(b, 5, 7)?, 0),
        8 => (num(b, 0, 4)?, num(b, 4, 6)?, num(b, 6, 8)?),
        10 if b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-') => {
            (num(b, 0, 4)?, num(b, 5, 7)?, num(b, 8, 10)?)
        }
        _ => return None,
    };
    if year == 0 || month > 12 {
        return None;
    }
    if month == 0 {
        return (day == 0).then_some(DateValue::Partial);
    }
    if day == 0 {
        return Some(DateValue::Partial);
    }
    if day > days_in_month(year, month) {
        return None;
    }
    Some(DateValue::Full(days_from_civil(year, month, day)))
}

/// ASCII digits `b[from..to]` as a number; `None` if any byte is not a digit.
fn num(b: &[u8], from: usize, to: usize) -> Option<u32> {
    let digits = b.get(from..to)?;
    let mut n: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(d - b'0');
    }
    Some(n)
}

fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`),
/// for years 1–9999 (all within `i32`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i32 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // Years 1..=9999 give -719_162..=2_932_896: always in range.
    i32::try_from(days).unwrap_or(i32::MIN)
}

/// Parses an amount: optional sign and ASCII digits, within `i64`.
/// Parses a canonical decimal (`-1234.50`, `7`, `0.05`: optional `-`, digits, optional `.`
/// and digits) as an unscaled `i128` at `scale` (issue #16: Decimal128 columns). Fewer
/// fraction digits than `scale` are exact (`1.5` at scale 2 is 150); more, a `+`, an
/// exponent or more than 38 digits are `None` (never rounded).
pub(crate) fn parse_decimal(s: &str, scale: u8) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || frac.len() > usize::from(scale)
        || (body.contains('.') && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || int.len() + usize::from(scale) > 38
    {
        return None;
    }
    let mut v: i128 = 0;
    let pad = usize::from(scale) - frac.len();
    for b in int.bytes().chain(frac.bytes()) {
        v = v.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    for _ in 0..pad {
        v = v.checked_mul(10)?;
    }
    Some(if neg { -v } else { v })
}

pub(crate) fn parse_amount(s: &str) -> Option<i64> {
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_dates() {
        assert_eq!(parse_date("1970-01-01"), Some(DateValue::Full(0)));
        assert_eq!(parse_date("19700102"), Some(DateValue::Full(1)));
        assert_eq!(parse_date("1969-12-31"), Some(DateValue::Full(-1)));
        assert_eq!(parse_date("2000-03-01"), Some(DateValue::Full(11_017)));
        assert_eq!(parse_date("1989-01-08"), Some(DateValue::Full(6_947)));
        assert_eq!(parse_date("2024-02-29"), Some(DateValue::Full(19_782)));
        assert_eq!(parse_date("0001-01-01"), Some(DateValue::Full(-719_162)));
        assert_eq!(parse_date("9999-12-31"), Some(DateValue::Full(2_932_896)));
    }

    #[test]
    fn every_day_of_four_centuries_is_consecutive() {
        let mut prev = match parse_date("1899-12-31") {
            Some(DateValue::Full(d)) => d,
            other => panic!("{other:?}"),
        };
        for y in 1900..2300u32 {
            for m in 1..=12 {
                for d in 1..=days_in_month(y, m) {
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    match parse_date(&s) {
                        Some(DateValue::Full(n)) => {
                            assert_eq!(n, prev + 1, "{s}");
                            prev = n;
                        }
                        other => panic!("{s}: {other:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn partial_dates() {
        for s in [
            "1955",
            "1955-03",
            "195503",
            "1955-03-00",
            "19550300",
            "1955-00-00",
            "19550000",
        ] {
            assert_eq!(parse_date(s), Some(DateValue::Partial), "{s}");
        }
    }

    #[test]
    fn not_dates() {
        for s in [
            "",
            "1955-02-30",
            "1955-13-01",
            "1955-00-05",
            "0000-01-01",
            "1955/03/01",
            "1955-3-1",
            "S30.03.01",
            "１９５５",
            "1955-03-01 ",
            "19550230",
            "abcd",
            "1955-03-0x",
            "2023-02-29",
        ] {
            assert_eq!(parse_date(s), None, "{s:?}");
        }
    }

    #[test]
    fn issue16_decimals_parse_exactly_at_their_scale() {
        assert_eq!(parse_decimal("-1234.50", 2), Some(-123_450));
        assert_eq!(parse_decimal("1.5", 2), Some(150));
        assert_eq!(parse_decimal("7", 0), Some(7));
        assert_eq!(parse_decimal("0.05", 2), Some(5));
        assert_eq!(parse_decimal("1.234", 2), None, "never rounded");
        for bad in ["", "-", "+1", "1e3", "1.", ".5", "1,5", "１"] {
            assert_eq!(parse_decimal(bad, 2), None, "{bad}");
        }
        assert_eq!(
            parse_decimal(&"9".repeat(38), 0),
            Some(99_999_999_999_999_999_999_999_999_999_999_999_999)
        );
        assert_eq!(parse_decimal(&"9".repeat(37), 2), None);
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("0"), Some(0));
        assert_eq!(parse_amount("-1200"), Some(-1200));
        assert_eq!(parse_amount("+7"), Some(7));
        assert_eq!(parse_amount("9223372036854775807"), Some(i64::MAX));
        for s in [
            "",
            "1,200",
            "12.5",
            " 1",
            "１２",
            "9223372036854775808",
            "1e3",
        ] {
            assert_eq!(parse_amount(s), None, "{s:?}");
        }
    }
}
