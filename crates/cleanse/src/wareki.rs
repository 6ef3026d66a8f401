//! 和暦 and 西暦 dates: reading every form legacy data uses, with exact era boundaries, and
//! writing a date back in ISO 8601, `YYYYMMDD` or a 和暦 form.
//!
//! Eras (first day, Gregorian): 明治 1868-01-25 (the 改元 applied retroactively to 慶応4年1月1日),
//! 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01. 明治 dates before
//! 明治6年1月1日 (1873-01-01) are in the lunisolar calendar and are refused, never converted by
//! arithmetic. Day or month written as `00` means unknown: the date keeps the precision it
//! has ([`Precision`]), nothing is invented.
//!
//! Forms read ([`parse`]):
//!
//! | form | examples | [`DateForm`] |
//! |---|---|---|
//! | era letter + YY.MM.DD | `H01.01.08`, `S64.1.7`, `R1/5/1`, `H010108` | `EraLetter` |
//! | era kanji or square era sign + 年月日 | `平成元年１月８日`, `昭和30年3月`, `平成元年`, `平1.1.8`, `㍻元年1月8日`, `㋿2年` | `EraKanji` |
//! | 元号コード (1 digit) + YYMMDD | `4010108` (1 明治 … 5 令和) | `EraCode1` |
//! | 年号コード (2 digits) + YYMMDD | `04010108` (01 明治 … 05 令和) | `EraCode2` |
//! | `YYYYMMDD` | `19890108`, `19550300` | `Yyyymmdd` |
//! | `YYYY-MM-DD`, `YYYY/M/D`, `YYYY-MM`, `YYYY` | `1989-01-08`, `1989/1/8` | `Iso` |
//! | `YYYY年M月D日` | `1989年1月8日` | `Iso` (a Gregorian form) |
//!
//! Kanji numerals are read where digits are: positional (`平成二〇年一二月二六日`) or below 100
//! with one 十 (`平成二十年七月四日`, `三十一日`); any other kanji numeral (二十〇, 十十, 百) is
//! `date.unrecognised`, never guessed.
//! Full-width digits, letters and separators are read like ASCII; spaces are ignored. In
//! [`DateForm::Auto`] an 8-digit value starting with `0` is a 2-digit 年号コード form (a
//! `YYYYMMDD` year below 1000 is not a migration date), any other 8 digits are `YYYYMMDD`.
//!
//! # Example
//! ```
//! use ikou_cleanse::wareki::{format, parse, DatePolicy, Precision};
//! use ikou_layout_spec::DateForm;
//!
//! let p = parse("平成元年１月８日", DateForm::Auto, DatePolicy::Strict).unwrap();
//! assert_eq!(p.date.to_iso(), "1989-01-08");
//! assert_eq!(format(p.date, DateForm::EraLetter).unwrap(), "H01.01.08");
//!
//! let e = parse("S64.1.8", DateForm::Auto, DatePolicy::Strict).unwrap_err();
//! assert_eq!(e.kind.as_str(), "date.after_era");
//!
//! let p = parse("3300300", DateForm::EraCode1, DatePolicy::Strict).unwrap();
//! assert_eq!((p.date.to_iso(), p.date.precision()), ("1955-03".to_string(), Precision::Month));
//!
//! let p = parse("平成31年5月1日", DateForm::Auto, DatePolicy::Lenient).unwrap();
//! assert_eq!(p.date.to_iso(), "2019-05-01");
//! assert_eq!(p.re_era.unwrap().to_string(), "令和元年5月1日");
//! ```

use crate::change::FindingKind;
pub use ikou_layout_spec::profile::DatePolicy;
use ikou_layout_spec::DateForm;
use std::borrow::Cow;
use std::fmt;

/// A Japanese era (元号) from 明治 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    /// 明治 (M, code 1), from 1868-01-25 (retroactive start).
    Meiji,
    /// 大正 (T, code 2), from 1912-07-30.
    Taisho,
    /// 昭和 (S, code 3), from 1926-12-25.
    Showa,
    /// 平成 (H, code 4), from 1989-01-08.
    Heisei,
    /// 令和 (R, code 5), from 2019-05-01.
    Reiwa,
}

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era's name in kanji (`平成`).
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era's letter (`H`).
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The 元号コード: 1 明治 … 5 令和 (the 2-digit 年号コード is the same number, `01`–`05`).
    pub fn code(self) -> u8 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    /// The era with this 元号コード.
    pub fn from_code(code: u32) -> Option<Era> {
        Era::ALL.into_iter().find(|e| u32::from(e.code()) == code)
    }

    /// The era with this letter (either case).
    pub fn from_letter(c: char) -> Option<Era> {
        let c = c.to_ascii_uppercase();
        Era::ALL.into_iter().find(|e| e.letter() == c)
    }

    /// The first day of the era, `(year, month, day)`.
    pub fn start(self) -> (u16, u8, u8) {
        match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        }
    }

    /// The last day of the era, `None` for the current era.
    pub fn end(self) -> Option<(u16, u8, u8)> {
        match self {
            Era::Meiji => Some((1912, 7, 29)),
            Era::Taisho => Some((1926, 12, 24)),
            Era::Showa => Some((1989, 1, 7)),
            Era::Heisei => Some((2019, 4, 30)),
            Era::Reiwa => None,
        }
    }

    fn next(self) -> Option<Era> {
        match self {
            Era::Meiji => Some(Era::Taisho),
            Era::Taisho => Some(Era::Showa),
            Era::Showa => Some(Era::Heisei),
            Era::Heisei => Some(Era::Reiwa),
            Era::Reiwa => None,
        }
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kanji())
    }
}

/// The first day of the Gregorian calendar in Japan: 明治6年1月1日.
pub const GREGORIAN_FROM: (u16, u8, u8) = (1873, 1, 1);

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// Year, month and day.
    Day,
    /// Year and month; the day is unknown (written `00`).
    Month,
    /// The year only; month and day unknown.
    Year,
}

impl Precision {
    /// `day`, `month` or `year`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Year => "year",
        }
    }
}

/// A Gregorian date, possibly partial. `day` is only `Some` when `month` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// The year, 1–9999.
    pub year: u16,
    /// The month 1–12, `None` when unknown.
    pub month: Option<u8>,
    /// The day of the month, `None` when unknown.
    pub day: Option<u8>,
}

impl Date {
    /// A full date, if it exists in the Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let ok = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        ok.then_some(Date {
            year,
            month: Some(month),
            day: Some(day),
        })
    }

    /// How much of the date is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            _ => Precision::Year,
        }
    }

    /// ISO 8601 with the known parts only: `1989-01-08`, `1955-03`, `1955`.
    pub fn to_iso(&self) -> String {
        // Written digit by digit: this runs for every date of every record.
        fn push2(s: &mut String, n: u8) {
            s.push(char::from(b'0' + (n / 10) % 10));
            s.push(char::from(b'0' + n % 10));
        }
        let mut s = String::with_capacity(10);
        if self.year > 9999 {
            s.push_str(&self.year.to_string());
        } else {
            let y = self.year;
            for d in [y / 1000, (y / 100) % 10, (y / 10) % 10, y % 10] {
                s.push(char::from(b'0' + d as u8));
            }
        }
        if let Some(m) = self.month {
            s.push('-');
            push2(&mut s, m);
            if let Some(d) = self.day {
                s.push('-');
                push2(&mut s, d);
            }
        }
        s
    }

    /// The first and last day the (partial) date may be.
    fn span(&self) -> ((u16, u8, u8), (u16, u8, u8)) {
        let y = self.year;
        match (self.month, self.day) {
            (Some(m), Some(d)) => ((y, m, d), (y, m, d)),
            (Some(m), None) => ((y, m, 1), (y, m, days_in_month(y, m))),
            _ => ((y, 1, 1), (y, 12, 31)),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

/// A 和暦 date as written: era, era year (1 = 元年), month and day (possibly unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Wareki {
    /// The era.
    pub era: Era,
    /// The year of the era, 1 = 元年.
    pub year: u16,
    /// The month, `None` when unknown.
    pub month: Option<u8>,
    /// The day, `None` when unknown.
    pub day: Option<u8>,
}

impl Wareki {
    /// The Gregorian year of the era year.
    pub fn gregorian_year(&self) -> u16 {
        self.era.start().0 + self.year.saturating_sub(1)
    }
}

impl fmt::Display for Wareki {
    /// The kanji form with 元年 and ASCII digits: `令和元年5月1日`, `昭和30年3月`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_wareki(self, DateForm::EraKanji))
    }
}

/// Why a value is not a valid date. The message holds no part of the value except era
/// names and era boundary dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// The finding kind (`date.after_era`, …).
    pub kind: FindingKind,
    /// The reason.
    pub message: Cow<'static, str>,
}

impl DateError {
    fn new(kind: FindingKind, message: impl Into<Cow<'static, str>>) -> DateError {
        DateError {
            kind,
            message: message.into(),
        }
    }

    fn unrecognised(message: &'static str) -> DateError {
        DateError::new(FindingKind::DateUnrecognised, message)
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for DateError {}

/// The form a date was written in, as [`parse`] recognised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Written {
    /// Era letter + YY.MM.DD (or YYMMDD).
    EraLetter,
    /// Era kanji (明治 or 明) + 年月日 or YY.MM.DD.
    EraKanji,
    /// 1-digit 元号コード + YYMMDD.
    EraCode1,
    /// 2-digit 年号コード + YYMMDD.
    EraCode2,
    /// `YYYYMMDD`.
    Yyyymmdd,
    /// `YYYY-MM-DD`, `YYYY/M/D`, `YYYY.M.D`, `YYYY-MM`, `YYYY`.
    IsoLike,
    /// `YYYY年M月D日`.
    GregorianKanji,
}

/// A parsed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// The Gregorian date (partial when day or month were `00`).
    pub date: Date,
    /// The 和暦 date as written, for the era forms.
    pub wareki: Option<Wareki>,
    /// Under the lenient policy: the 和暦 date moved into the era it falls in, when the
    /// written era had already ended (平成31年5月1日 → 令和元年5月1日).
    pub re_era: Option<Wareki>,
    /// The form the value was written in.
    pub written: Written,
    /// Whether the value used full-width digits.
    pub fullwidth_digits: bool,
}

impl Parsed {
    /// The re-era'd date written in the form of the input (`4310501` → `5010501`,
    /// `H31.05.01` → `R01.05.01`, `平成31年5月1日` → `令和元年5月1日`).
    pub fn re_era_written(&self) -> Option<String> {
        let w = self.re_era?;
        let form = match self.written {
            Written::EraLetter => DateForm::EraLetter,
            Written::EraCode1 => DateForm::EraCode1,
            Written::EraCode2 => DateForm::EraCode2,
            _ => DateForm::EraKanji,
        };
        let s = format_wareki(&w, form);
        Some(if self.fullwidth_digits {
            to_fullwidth_digits(&s)
        } else {
            s
        })
    }
}

fn to_fullwidth_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days of a month (0 for a month outside 1–12).
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Era(Era, bool),
    Num(u32, u8),
    Gan,
    Nen,
    Tsuki,
    Nichi,
    Sep(char),
}

const MAX_TOKS: usize = 8;

/// Splits a date into tokens without allocating. Returns the tokens, their count and
/// whether full-width digits were seen.
fn tokenize(s: &str) -> Result<([Tok; MAX_TOKS], usize, bool), DateError> {
    let mut toks = [Tok::Gan; MAX_TOKS];
    let mut n = 0;
    let mut fullwidth = false;
    let mut chars = s.chars().peekable();
    let mut push = |t: Tok, n: &mut usize| -> Result<(), DateError> {
        let slot = toks
            .get_mut(*n)
            .ok_or_else(|| DateError::unrecognised("not a date (too many parts)"))?;
        *slot = t;
        *n += 1;
        Ok(())
    };
    while let Some(c) = chars.next() {
        let c = fold(c, &mut fullwidth);
        match c {
            '0'..='9' => {
                let mut v = u32::from(c as u8 - b'0');
                let mut len: u8 = 1;
                while let Some(&d) = chars.peek() {
                    let d = fold(d, &mut fullwidth);
                    if !d.is_ascii_digit() {
                        break;
                    }
                    chars.next();
                    len += 1;
                    if len > 8 {
                        return Err(DateError::unrecognised("not a date (too many digits)"));
                    }
                    v = v * 10 + u32::from(d as u8 - b'0');
                }
                push(Tok::Num(v, len), &mut n)?;
            }
            '〇' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' =>
            {
                // Kanji numerals: positional (二〇 = 20, 一二 = 12) or with 十 (二十 = 20,
                // 十二 = 12, 三十一 = 31); anything else (二十〇, 十十, 百) is refused.
                let mut digits = [0u8; 8];
                let mut len = 0usize;
                let mut k = c;
                while let Some(d) = kanji_digit(k) {
                    let slot = digits.get_mut(len).ok_or_else(|| {
                        DateError::unrecognised("not a date (too many kanji numerals)")
                    })?;
                    *slot = d;
                    len += 1;
                    match chars.peek() {
                        Some(&p) if kanji_digit(p).is_some() => {
                            chars.next();
                            k = p;
                        }
                        _ => break,
                    }
                }
                let tok = kanji_number(digits.get(..len).unwrap_or(&[])).ok_or_else(|| {
                    DateError::unrecognised(
                        "not a date (kanji numerals neither positional nor with one 十)",
                    )
                })?;
                push(tok, &mut n)?;
            }
            // The square era signs (CP932 NEC row 13: ㍻ 877E, ㍼ 878F, ㍽ 878E, ㍾ 878D; ㋿
            // U+32FF, Unicode 12.1).
            '㍾' => push(Tok::Era(Era::Meiji, true), &mut n)?,
            '㍽' => push(Tok::Era(Era::Taisho, true), &mut n)?,
            '㍼' => push(Tok::Era(Era::Showa, true), &mut n)?,
            '㍻' => push(Tok::Era(Era::Heisei, true), &mut n)?,
            '㋿' => push(Tok::Era(Era::Reiwa, true), &mut n)?,
            ' ' | '\u{3000}' => {}
            '.' | '/' | '-' => push(Tok::Sep(c), &mut n)?,
            '元' => push(Tok::Gan, &mut n)?,
            '年' => push(Tok::Nen, &mut n)?,
            '月' => push(Tok::Tsuki, &mut n)?,
            '日' => push(Tok::Nichi, &mut n)?,
            'A'..='Z' | 'a'..='z' => match Era::from_letter(c) {
                Some(e) => push(Tok::Era(e, false), &mut n)?,
                None => {
                    return Err(DateError::new(
                        FindingKind::DateUnknownEra,
                        "unknown era letter (M, T, S, H, R)",
                    ))
                }
            },
            '明' | '大' | '昭' | '平' | '令' => {
                let (e, second) = match c {
                    '明' => (Era::Meiji, '治'),
                    '大' => (Era::Taisho, '正'),
                    '昭' => (Era::Showa, '和'),
                    '平' => (Era::Heisei, '成'),
                    _ => (Era::Reiwa, '和'),
                };
                if chars.peek() == Some(&second) {
                    chars.next();
                }
                push(Tok::Era(e, true), &mut n)?;
            }
            _ => return Err(DateError::unrecognised("not a date (unexpected character)")),
        }
    }
    Ok((toks, n, fullwidth))
}

/// 十 among kanji numerals (a digit is 0–9).
const TEN: u8 = 10;

/// A kanji numeral: 〇–九 as 0–9, 十 as [`TEN`].
fn kanji_digit(c: char) -> Option<u8> {
    Some(match c {
        '〇' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => TEN,
        _ => return None,
    })
}

/// The number written by kanji numerals: positional digits (〇–九, 1–8 of them: 二〇 = 20,
/// 一九八九 = 1989) or a number below 100 with one 十 (十 = 10, 二十 = 20, 十二 = 12, 三十一
/// = 31; no 〇 around 十). `None` for anything else.
fn kanji_number(d: &[u8]) -> Option<Tok> {
    let ten = d.iter().position(|&x| x == TEN);
    let Some(t) = ten else {
        let mut v = 0u32;
        for &x in d {
            v = v * 10 + u32::from(x);
        }
        return (!d.is_empty()).then_some(Tok::Num(v, d.len() as u8));
    };
    let (before, after) = (d.get(..t)?, d.get(t + 1..)?);
    let tens = match before {
        [] => 1,
        [x @ 1..=9] => u32::from(*x),
        _ => return None,
    };
    let ones = match after {
        [] => 0,
        [x @ 1..=9] => u32::from(*x),
        _ => return None,
    };
    Some(Tok::Num(tens * 10 + ones, 2))
}

/// Full-width ASCII (digits, letters, separators) read as ASCII; dash variants as `-`.
fn fold(c: char, fullwidth: &mut bool) -> char {
    let u = c as u32;
    match u {
        0xFF10..=0xFF19 => {
            *fullwidth = true;
            char::from_u32(u - 0xFEE0).unwrap_or(c)
        }
        0xFF21..=0xFF3A | 0xFF41..=0xFF5A | 0xFF0E | 0xFF0F | 0xFF0D => {
            char::from_u32(u - 0xFEE0).unwrap_or(c)
        }
        0x2010 | 0x2011 | 0x2212 => '-',
        _ => c,
    }
}

/// What a token sequence says, before validation.
struct Raw {
    era: Option<Era>,
    year: u32,
    month: u32,
    day: u32,
    written: Written,
}

fn num_le2(t: Option<&Tok>) -> Option<u32> {
    match t {
        Some(Tok::Num(v, len)) if *len <= 2 => Some(*v),
        _ => None,
    }
}

fn grammar(t: &[Tok], form: DateForm) -> Result<Raw, DateError> {
    let unrec = || DateError::unrecognised("not a date in a form ikou reads");
    let raw = match t {
        [Tok::Era(e, kanji), rest @ ..] => {
            let written = if *kanji {
                Written::EraKanji
            } else {
                Written::EraLetter
            };
            let mk = |year, month, day| Raw {
                era: Some(*e),
                year,
                month,
                day,
                written,
            };
            match rest {
                // H010108
                [Tok::Num(v, 6)] if !kanji => mk(v / 10000, (v / 100) % 100, v % 100),
                [y, tail @ ..] => {
                    let year = match y {
                        Tok::Gan => 1,
                        Tok::Num(v, len) if *len <= 2 => *v,
                        _ => return Err(unrec()),
                    };
                    match tail {
                        [Tok::Nen] => mk(year, 0, 0),
                        [Tok::Nen, m, Tok::Tsuki] => {
                            mk(year, num_le2(Some(m)).ok_or_else(unrec)?, 0)
                        }
                        [Tok::Nen, m, Tok::Tsuki, d, Tok::Nichi] => mk(
                            year,
                            num_le2(Some(m)).ok_or_else(unrec)?,
                            num_le2(Some(d)).ok_or_else(unrec)?,
                        ),
                        [Tok::Sep(a), m, Tok::Sep(b), d] if a == b => mk(
                            year,
                            num_le2(Some(m)).ok_or_else(unrec)?,
                            num_le2(Some(d)).ok_or_else(unrec)?,
                        ),
                        _ => return Err(unrec()),
                    }
                }
                [] => return Err(unrec()),
            }
        }
        [Tok::Num(v, 7)] => Raw {
            era: Some(Era::from_code(v / 1_000_000).ok_or_else(|| {
                DateError::new(
                    FindingKind::DateUnknownEra,
                    "unknown 元号コード (1 明治 … 5 令和)",
                )
            })?),
            year: (v / 10000) % 100,
            month: (v / 100) % 100,
            day: v % 100,
            written: Written::EraCode1,
        },
        [Tok::Num(v, 8)] => {
            let era_code = match form {
                DateForm::EraCode2 => true,
                DateForm::Auto => *v < 10_000_000,
                _ => false,
            };
            if era_code {
                Raw {
                    era: Some(Era::from_code(v / 1_000_000).ok_or_else(|| {
                        DateError::new(
                            FindingKind::DateUnknownEra,
                            "unknown 年号コード (01 明治 … 05 令和)",
                        )
                    })?),
                    year: (v / 10000) % 100,
                    month: (v / 100) % 100,
                    day: v % 100,
                    written: Written::EraCode2,
                }
            } else {
                Raw {
                    era: None,
                    year: v / 10000,
                    month: (v / 100) % 100,
                    day: v % 100,
                    written: Written::Yyyymmdd,
                }
            }
        }
        [Tok::Num(y, 4), rest @ ..] => {
            let mk = |month, day, written| Raw {
                era: None,
                year: *y,
                month,
                day,
                written,
            };
            match rest {
                [] => mk(0, 0, Written::IsoLike),
                [Tok::Sep(_), m] => mk(num_le2(Some(m)).ok_or_else(unrec)?, 0, Written::IsoLike),
                [Tok::Sep(a), m, Tok::Sep(b), d] if a == b => mk(
                    num_le2(Some(m)).ok_or_else(unrec)?,
                    num_le2(Some(d)).ok_or_else(unrec)?,
                    Written::IsoLike,
                ),
                [Tok::Nen] => mk(0, 0, Written::GregorianKanji),
                [Tok::Nen, m, Tok::Tsuki] => mk(
                    num_le2(Some(m)).ok_or_else(unrec)?,
                    0,
                    Written::GregorianKanji,
                ),
                [Tok::Nen, m, Tok::Tsuki, d, Tok::Nichi] => mk(
                    num_le2(Some(m)).ok_or_else(unrec)?,
                    num_le2(Some(d)).ok_or_else(unrec)?,
                    Written::GregorianKanji,
                ),
                _ => return Err(unrec()),
            }
        }
        _ => return Err(unrec()),
    };
    let fits = match form {
        DateForm::Auto => true,
        DateForm::EraCode1 => raw.written == Written::EraCode1,
        DateForm::EraCode2 => raw.written == Written::EraCode2,
        DateForm::EraLetter => raw.written == Written::EraLetter,
        DateForm::EraKanji => raw.written == Written::EraKanji,
        DateForm::Yyyymmdd => raw.written == Written::Yyyymmdd,
        DateForm::Iso => matches!(raw.written, Written::IsoLike | Written::GregorianKanji),
    };
    if !fits {
        return Err(DateError::new(
            FindingKind::DateUnrecognised,
            format!("not in the item's date form ({})", form_name(form)),
        ));
    }
    Ok(raw)
}

fn form_name(form: DateForm) -> &'static str {
    match form {
        DateForm::Auto => "auto",
        DateForm::EraCode1 => "era_code1: GYYMMDD",
        DateForm::EraCode2 => "era_code2: GGYYMMDD",
        DateForm::EraLetter => "era_letter: H01.01.08",
        DateForm::EraKanji => "era_kanji: 平成元年1月8日",
        DateForm::Yyyymmdd => "yyyymmdd",
        DateForm::Iso => "iso: YYYY-MM-DD",
    }
}

/// Checks month and day against the calendar; 0 means unknown.
fn month_day(year: u16, month: u32, day: u32) -> Result<(Option<u8>, Option<u8>), DateError> {
    if month > 12 {
        return Err(DateError::new(
            FindingKind::DateMonthOutOfRange,
            "month out of range (1–12, or 00 for unknown)",
        ));
    }
    let month = month as u8;
    if month == 0 {
        if day != 0 {
            return Err(DateError::new(
                FindingKind::DateUnknownMonthWithDay,
                "month unknown (00) but a day is given",
            ));
        }
        return Ok((None, None));
    }
    if day == 0 {
        return Ok((Some(month), None));
    }
    if day > u32::from(days_in_month(year, month)) {
        return Err(DateError::new(
            FindingKind::DateDayOutOfRange,
            "day out of range for its month",
        ));
    }
    Ok((Some(month), Some(day as u8)))
}

fn ymd_iso((y, m, d): (u16, u8, u8)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Reads a date written in `form` ([`DateForm::Auto`]: any form in the module table).
///
/// # Errors
/// A [`DateError`] whose kind says why: `date.unrecognised`, `date.unknown_era`,
/// `date.era_year_zero`, `date.month_out_of_range`, `date.day_out_of_range`,
/// `date.unknown_month_with_day`, `date.before_era`, `date.after_era` (strict policy),
/// `date.lunisolar`.
pub fn parse(input: &str, form: DateForm, policy: DatePolicy) -> Result<Parsed, DateError> {
    // The common case: a run of ASCII digits (元号コード + YYMMDD, YYYYMMDD) is one number
    // token, exactly what `tokenize` would make of it, read without walking characters.
    if let Some(tok) = ascii_number(input) {
        return parse_tokens(&[tok], false, form, policy);
    }
    let (toks, n, fullwidth_digits) = tokenize(input)?;
    parse_tokens(toks.get(..n).unwrap_or(&[]), fullwidth_digits, form, policy)
}

/// [`parse`] through the tokenizer only (no fast path): the reference the differential
/// tests compare `parse` with.
#[cfg(test)]
pub(crate) fn parse_reference(
    input: &str,
    form: DateForm,
    policy: DatePolicy,
) -> Result<Parsed, DateError> {
    let (toks, n, fullwidth_digits) = tokenize(input)?;
    parse_tokens(toks.get(..n).unwrap_or(&[]), fullwidth_digits, form, policy)
}

/// The token of a value of 1–8 ASCII digits and nothing else (`tokenize` makes the same
/// single `Num` of it); `None` for anything else.
fn ascii_number(s: &str) -> Option<Tok> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(Tok::Num(v, b.len() as u8))
}

/// [`parse`] after tokenizing.
fn parse_tokens(
    toks: &[Tok],
    fullwidth_digits: bool,
    form: DateForm,
    policy: DatePolicy,
) -> Result<Parsed, DateError> {
    let raw = grammar(toks, form)?;
    let Some(era) = raw.era else {
        if raw.year == 0 || raw.year > 9999 {
            return Err(DateError::unrecognised("year out of range (0001–9999)"));
        }
        let year = raw.year as u16;
        let (month, day) = month_day(year, raw.month, raw.day)?;
        return Ok(Parsed {
            date: Date { year, month, day },
            wareki: None,
            re_era: None,
            written: raw.written,
            fullwidth_digits,
        });
    };
    if raw.year == 0 {
        return Err(DateError::new(
            FindingKind::DateEraYearZero,
            "era year 0 (the first year is 元年 = 1)",
        ));
    }
    let year = era.start().0 + raw.year as u16 - 1;
    let (month, day) = month_day(year, raw.month, raw.day)?;
    let date = Date { year, month, day };
    let written_w = Wareki {
        era,
        year: raw.year as u16,
        month,
        day,
    };
    let (first, last) = date.span();
    if era == Era::Meiji && first < GREGORIAN_FROM {
        return Err(DateError::new(
            FindingKind::DateLunisolar,
            "明治 dates before 明治6年1月1日 (1873-01-01) are in the lunisolar calendar: not converted",
        ));
    }
    if last < era.start() {
        return Err(DateError::new(
            FindingKind::DateBeforeEra,
            format!(
                "before {} began ({}元年 starts {})",
                era.kanji(),
                era.kanji(),
                ymd_iso(era.start())
            ),
        ));
    }
    let mut re_era = None;
    if let Some(end) = era.end() {
        if first > end {
            if policy == DatePolicy::Strict {
                return Err(DateError::new(
                    FindingKind::DateAfterEra,
                    format!("after {} ended ({})", era.kanji(), ymd_iso(end)),
                ));
            }
            // Lenient: the era the date falls in (its first possible day).
            let mut e = era;
            while let Some(next) = e.next() {
                if first >= next.start() {
                    e = next;
                } else {
                    break;
                }
            }
            re_era = Some(Wareki {
                era: e,
                year: year - e.start().0 + 1,
                month,
                day,
            });
        }
    }
    Ok(Parsed {
        date,
        wareki: Some(written_w),
        re_era,
        written: raw.written,
        fullwidth_digits,
    })
}

/// The 和暦 date of a Gregorian date (partial dates keep their precision).
///
/// # Errors
/// `date.no_era` before 明治 or when a partial date spans an era change (1989 could be
/// 昭和64年 or 平成元年); `date.lunisolar` from 1868-01-25 to 1872-12-31.
pub fn to_wareki(date: Date) -> Result<Wareki, DateError> {
    let (first, last) = date.span();
    if first < Era::Meiji.start() {
        return Err(DateError::new(
            FindingKind::DateNoEra,
            "before 明治 (1868-01-25): no era to write it in",
        ));
    }
    if first < GREGORIAN_FROM {
        return Err(DateError::new(
            FindingKind::DateLunisolar,
            "before 1873-01-01 the 和暦 date is lunisolar: not converted",
        ));
    }
    let era = Era::ALL
        .into_iter()
        .rev()
        .find(|e| first >= e.start())
        .unwrap_or(Era::Meiji);
    if let Some(end) = era.end() {
        if last > end {
            return Err(DateError::new(
                FindingKind::DateNoEra,
                "a partial date that spans an era change cannot be written in 和暦",
            ));
        }
    }
    Ok(Wareki {
        era,
        year: date.year - era.start().0 + 1,
        month: date.month,
        day: date.day,
    })
}

/// Writes a 和暦 date in an era form: `EraLetter` `H01.01.08`, `EraCode1` `4010108`,
/// `EraCode2` `04010108`, anything else the kanji form `平成元年1月8日` (unknown parts:
/// `00` in the numeric forms, left out in the kanji form: `昭和30年3月`).
pub fn format_wareki(w: &Wareki, form: DateForm) -> String {
    let m = w.month.unwrap_or(0);
    let d = w.day.unwrap_or(0);
    let y = w.year % 100;
    match form {
        DateForm::EraLetter => format!("{}{:02}.{:02}.{:02}", w.era.letter(), y, m, d),
        DateForm::EraCode1 => format!("{}{:02}{:02}{:02}", w.era.code(), y, m, d),
        DateForm::EraCode2 => format!("{:02}{:02}{:02}{:02}", w.era.code(), y, m, d),
        _ => {
            let mut s = String::with_capacity(24);
            s.push_str(w.era.kanji());
            if w.year == 1 {
                s.push('元');
            } else {
                s.push_str(&w.year.to_string());
            }
            s.push('年');
            if let Some(m) = w.month {
                s.push_str(&format!("{m}月"));
                if let Some(d) = w.day {
                    s.push_str(&format!("{d}日"));
                }
            }
            s
        }
    }
}

/// Writes a date in `form`: `Auto`/`Iso` ISO 8601 (`1955-03` when partial), `Yyyymmdd`
/// (`19550300`), or a 和暦 form via [`to_wareki`] and [`format_wareki`].
///
/// # Errors
/// For the 和暦 forms, the errors of [`to_wareki`].
pub fn format(date: Date, form: DateForm) -> Result<String, DateError> {
    match form {
        DateForm::Auto | DateForm::Iso => Ok(date.to_iso()),
        DateForm::Yyyymmdd => Ok(format!(
            "{:04}{:02}{:02}",
            date.year,
            date.month.unwrap_or(0),
            date.day.unwrap_or(0)
        )),
        _ => Ok(format_wareki(&to_wareki(date)?, form)),
    }
}

/// Whether `s` is already a full ISO date `YYYY-MM-DD` that exists (no allocation).
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u16> {
        let mut v: u16 = 0;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u16::from(c - b'0');
        }
        Some(v)
    };
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => {
            y >= 1 && (1..=12).contains(&m) && d >= 1 && d <= u16::from(days_in_month(y, m as u8))
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "wareki_mutants_tests.rs"]
mod mutants_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use DateForm::*;
    use DatePolicy::*;

    fn iso(s: &str) -> String {
        match parse(s, Auto, Strict) {
            Ok(p) => p.date.to_iso(),
            Err(e) => format!("ERR {}", e.kind),
        }
    }

    #[test]
    fn every_form_reads() {
        let cases = [
            // era letter
            ("H01.01.08", "1989-01-08"),
            ("S64.1.7", "1989-01-07"),
            ("s64.01.07", "1989-01-07"),
            ("R1/5/1", "2019-05-01"),
            ("H010108", "1989-01-08"),
            ("Ｈ０１．０１．０８", "1989-01-08"),
            ("M45.7.29", "1912-07-29"),
            ("T01.07.30", "1912-07-30"),
            ("T15.12.24", "1926-12-24"),
            ("S01.12.25", "1926-12-25"),
            ("H31.04.30", "2019-04-30"),
            ("R01.05.01", "2019-05-01"),
            // era kanji
            ("平成元年１月８日", "1989-01-08"),
            ("平成元年1月8日", "1989-01-08"),
            ("令和元年5月1日", "2019-05-01"),
            ("昭和６４年１月７日", "1989-01-07"),
            ("明治6年1月1日", "1873-01-01"),
            ("大正元年7月30日", "1912-07-30"),
            ("昭和元年12月25日", "1926-12-25"),
            ("平成 元年 1月 8日", "1989-01-08"),
            ("平1.1.8", "1989-01-08"),
            ("昭和30年3月", "1955-03"),
            ("昭和30年", "1955"),
            // era codes
            ("4010108", "1989-01-08"),
            ("3640107", "1989-01-07"),
            ("5010501", "2019-05-01"),
            ("1060101", "1873-01-01"),
            ("04010108", "1989-01-08"),
            ("05010501", "2019-05-01"),
            // Gregorian
            ("19890108", "1989-01-08"),
            ("1989-01-08", "1989-01-08"),
            ("1989/1/8", "1989-01-08"),
            ("1989.1.8", "1989-01-08"),
            ("1989年1月8日", "1989-01-08"),
            ("２０００年２月２９日", "2000-02-29"),
            ("1955-03", "1955-03"),
            ("1955", "1955"),
            ("1870-05-01", "1870-05-01"),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input), want, "{input}");
        }
    }

    #[test]
    fn era_boundaries_are_exact() {
        let cases = [
            ("明治45年7月30日", "ERR date.after_era"),
            ("大正元年7月29日", "ERR date.before_era"),
            ("大正15年12月25日", "ERR date.after_era"),
            ("昭和元年12月24日", "ERR date.before_era"),
            ("昭和64年1月8日", "ERR date.after_era"),
            ("S64.02.01", "ERR date.after_era"),
            ("平成元年1月7日", "ERR date.before_era"),
            ("平成31年5月1日", "ERR date.after_era"),
            ("令和元年4月30日", "ERR date.before_era"),
            ("5010430", "ERR date.before_era"),
            ("R01.04", "ERR date.unrecognised"),
            // partial dates overlapping the era are fine, wholly outside are not
            ("平成元年1月", "1989-01"),
            ("昭和64年1月", "1989-01"),
            ("平成31年4月", "2019-04"),
            ("平成31年5月", "ERR date.after_era"),
            ("令和元年4月", "ERR date.before_era"),
            ("令和元年", "2019"),
            ("昭和64年", "1989"),
            ("昭和65年", "ERR date.after_era"),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input), want, "{input}");
        }
    }

    #[test]
    fn impossible_dates_are_findings() {
        let cases = [
            ("平成2年2月30日", "ERR date.day_out_of_range"),
            ("20010229", "ERR date.day_out_of_range"),
            ("20000229", "2000-02-29"),
            ("19000229", "ERR date.day_out_of_range"),
            ("H01.13.01", "ERR date.month_out_of_range"),
            ("4011301", "ERR date.month_out_of_range"),
            ("2001-04-31", "ERR date.day_out_of_range"),
            ("2001-01-32", "ERR date.day_out_of_range"),
            ("H00.01.01", "ERR date.era_year_zero"),
            ("4000101", "ERR date.era_year_zero"),
            ("6010101", "ERR date.unknown_era"),
            ("0010101", "ERR date.unknown_era"),
            ("09010101", "ERR date.unknown_era"),
            ("X01.01.01", "ERR date.unknown_era"),
            ("3300015", "ERR date.unknown_month_with_day"),
            ("明治5年12月2日", "ERR date.lunisolar"),
            ("明治元年1月1日", "ERR date.lunisolar"),
            ("M05.12.31", "ERR date.lunisolar"),
            ("明治5年", "ERR date.lunisolar"),
            ("明治6年", "1873"),
            ("", "ERR date.unrecognised"),
            ("abc", "ERR date.unknown_era"),
            ("198901", "ERR date.unrecognised"),
            ("1989-1-8-1", "ERR date.unrecognised"),
            ("1989-01/08", "ERR date.unrecognised"),
            ("H1.1", "ERR date.unrecognised"),
            ("平成元年1月8", "ERR date.unrecognised"),
            ("0000-01-01", "ERR date.unrecognised"),
            ("123456789", "ERR date.unrecognised"),
            ("東京", "ERR date.unrecognised"),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input), want, "{input}");
        }
    }

    #[test]
    fn unknown_parts_give_partial_dates() {
        let p = parse("3300300", EraCode1, Strict).unwrap();
        assert_eq!(p.date.to_iso(), "1955-03");
        assert_eq!(p.date.precision(), Precision::Month);
        let p = parse("3300000", EraCode1, Strict).unwrap();
        assert_eq!(p.date.to_iso(), "1955");
        assert_eq!(p.date.precision(), Precision::Year);
        let p = parse("19550000", Yyyymmdd, Strict).unwrap();
        assert_eq!(p.date.to_iso(), "1955");
        let p = parse("S30.03.00", EraLetter, Strict).unwrap();
        assert_eq!(p.date.to_iso(), "1955-03");
        assert_eq!(format(p.date, Yyyymmdd).unwrap(), "19550300");
        assert_eq!(format(p.date, EraCode1).unwrap(), "3300300");
        assert_eq!(format(p.date, EraKanji).unwrap(), "昭和30年3月");
        assert_eq!(format(p.date, EraLetter).unwrap(), "S30.03.00");
    }

    #[test]
    fn explicit_form_must_match() {
        assert_eq!(
            parse("19890108", EraCode1, Strict).unwrap_err().kind,
            FindingKind::DateUnrecognised
        );
        assert_eq!(
            parse("4010108", Yyyymmdd, Strict).unwrap_err().kind,
            FindingKind::DateUnrecognised
        );
        // 8 digits: explicit forms decide, Auto looks at the leading 0.
        assert_eq!(parse("04010108", Yyyymmdd, Strict).unwrap().date.year, 401);
        assert_eq!(
            parse("14010108", EraCode2, Strict).unwrap_err().kind,
            FindingKind::DateUnknownEra
        );
        assert_eq!(
            parse("04010108", EraCode2, Strict).unwrap().date.to_iso(),
            "1989-01-08"
        );
        assert!(parse("1989/1/8", Iso, Strict).is_ok());
        assert!(parse("1989年1月8日", Iso, Strict).is_ok());
        assert!(parse("平成元年1月8日", EraKanji, Strict).is_ok());
        assert!(parse("H01.01.08", EraKanji, Strict).is_err());
        assert!(parse("H01.01.08", EraLetter, Strict).is_ok());
    }

    #[test]
    fn lenient_policy_re_eras_after_the_end() {
        let cases = [
            ("平成31年5月1日", "令和元年5月1日", "2019-05-01"),
            ("平成31年5月", "令和元年5月", "2019-05"),
            ("平成32年", "令和2年", "2020"),
            ("昭和64年1月8日", "平成元年1月8日", "1989-01-08"),
            ("昭和65年", "平成2年", "1990"),
            ("大正15年12月25日", "昭和元年12月25日", "1926-12-25"),
            ("明治45年7月30日", "大正元年7月30日", "1912-07-30"),
            ("昭和99年12月31日", "令和6年12月31日", "2024-12-31"),
        ];
        for (input, re, want) in cases {
            let p = parse(input, Auto, Lenient).unwrap();
            assert_eq!(p.date.to_iso(), want, "{input}");
            assert_eq!(p.re_era.unwrap().to_string(), re, "{input}");
        }
        let p = parse("4310501", EraCode1, Lenient).unwrap();
        assert_eq!(p.re_era_written().as_deref(), Some("5010501"));
        let p = parse("H31.05.01", EraLetter, Lenient).unwrap();
        assert_eq!(p.re_era_written().as_deref(), Some("R01.05.01"));
        let p = parse("04310501", EraCode2, Lenient).unwrap();
        assert_eq!(p.re_era_written().as_deref(), Some("05010501"));
        let p = parse("平成３１年５月１日", Auto, Lenient).unwrap();
        assert_eq!(p.re_era_written().as_deref(), Some("令和元年５月１日"));
        // Still errors under lenient: before the era, impossible days, lunisolar.
        for bad in [
            "令和元年4月30日",
            "平成元年1月7日",
            "平成31年2月30日",
            "明治5年1月1日",
        ] {
            assert!(parse(bad, Auto, Lenient).is_err(), "{bad}");
        }
        // Dates inside their era are not re-era'd.
        assert_eq!(
            parse("平成31年4月30日", Auto, Lenient).unwrap().re_era,
            None
        );
    }

    #[test]
    fn formats_back_to_wareki() {
        let d = Date::new(1989, 1, 8).unwrap();
        assert_eq!(format(d, EraKanji).unwrap(), "平成元年1月8日");
        assert_eq!(format(d, EraLetter).unwrap(), "H01.01.08");
        assert_eq!(format(d, EraCode1).unwrap(), "4010108");
        assert_eq!(format(d, EraCode2).unwrap(), "04010108");
        assert_eq!(format(d, Yyyymmdd).unwrap(), "19890108");
        assert_eq!(format(d, Iso).unwrap(), "1989-01-08");
        let d = Date::new(1989, 1, 7).unwrap();
        assert_eq!(format(d, EraKanji).unwrap(), "昭和64年1月7日");
        let d = Date::new(2019, 4, 30).unwrap();
        assert_eq!(format(d, EraKanji).unwrap(), "平成31年4月30日");
        let d = Date::new(2019, 5, 1).unwrap();
        assert_eq!(format(d, EraKanji).unwrap(), "令和元年5月1日");
        let d = Date::new(1873, 1, 1).unwrap();
        assert_eq!(format(d, EraKanji).unwrap(), "明治6年1月1日");
        let d = Date::new(1872, 12, 31).unwrap();
        assert_eq!(
            format(d, EraKanji).unwrap_err().kind,
            FindingKind::DateLunisolar
        );
        let d = Date::new(1868, 1, 24).unwrap();
        assert_eq!(
            format(d, EraCode1).unwrap_err().kind,
            FindingKind::DateNoEra
        );
        let y1989 = Date {
            year: 1989,
            month: None,
            day: None,
        };
        assert_eq!(
            format(y1989, EraKanji).unwrap_err().kind,
            FindingKind::DateNoEra
        );
        assert_eq!(format(y1989, Iso).unwrap(), "1989");
        let m = Date {
            year: 2019,
            month: Some(5),
            day: None,
        };
        assert_eq!(format(m, EraKanji).unwrap(), "令和元年5月");
    }

    /// Every day from 1873-01-01 to 2030-12-31: Gregorian → 和暦 → every era form → back.
    #[test]
    fn every_day_round_trips_through_every_form() {
        let mut count = 0;
        for y in 1873..=2030u16 {
            for m in 1..=12u8 {
                for d in 1..=days_in_month(y, m) {
                    let date = Date::new(y, m, d).unwrap();
                    for form in [EraKanji, EraLetter, EraCode1, EraCode2, Yyyymmdd, Iso] {
                        let s = format(date, form).unwrap();
                        let back = parse(&s, form, Strict).unwrap();
                        assert_eq!(back.date, date, "{s}");
                        let auto = parse(&s, Auto, Strict).unwrap();
                        assert_eq!(auto.date, date, "{s}");
                    }
                    count += 1;
                }
            }
        }
        assert_eq!(count, 57_708);
    }

    #[test]
    fn iso_fast_check() {
        assert!(is_iso_date("1989-01-08"));
        assert!(is_iso_date("2000-02-29"));
        assert!(!is_iso_date("2001-02-29"));
        assert!(!is_iso_date("1989-1-8"));
        assert!(!is_iso_date("1989-13-01"));
        assert!(!is_iso_date("0000-01-01"));
        assert!(!is_iso_date("１９８９-01-08"));
    }

    /// The era table agrees with CLDR's (../shared/testdata/era) from 大正 on; CLDR starts
    /// 明治 on the 改元 day 1868-10-23, where 住基 data uses the retroactive 1868-01-25.
    #[test]
    fn era_starts_agree_with_cldr() {
        let Some(path) =
            crate::testkit::shared_file("era/cldr-core-48.2.0_calendarData_japanese.json")
        else {
            return;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"_start\": \"1868-10-23\""),
            "CLDR 明治 start"
        );
        for era in [Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa] {
            let (y, m, d) = era.start();
            let needle = format!("\"_start\": \"{y}-{m:02}-{d:02}\"");
            assert!(text.contains(&needle), "{needle} not in CLDR data");
        }
    }

    /// Issue 19 (cargo-mutants survivors, 2026-12-04): the text forms other crates show
    /// (era names, precision, ISO dates, error messages) and the Gregorian year of a 和暦
    /// year were not checked by any test of this crate.
    #[test]
    fn issue19_text_forms_and_gregorian_year() {
        assert_eq!(Era::Meiji.to_string(), "明治");
        assert_eq!(Era::Reiwa.to_string(), "令和");
        assert_eq!(Precision::Day.as_str(), "day");
        assert_eq!(Precision::Month.as_str(), "month");
        assert_eq!(Precision::Year.as_str(), "year");
        let d = Date::new(1989, 1, 8).unwrap();
        assert_eq!(d.to_string(), "1989-01-08");
        // Every year is four digits; a year past 9999 (the fields are public) in full.
        let year = |year| Date {
            year,
            month: None,
            day: None,
        };
        assert_eq!(year(5).to_iso(), "0005");
        assert_eq!(year(800).to_iso(), "0800");
        assert_eq!(year(9999).to_iso(), "9999");
        assert_eq!(year(12345).to_iso(), "12345");
        for (date, era, y, greg) in [
            ((1989, 1, 7), Era::Showa, 64, 1989),
            ((1989, 1, 8), Era::Heisei, 1, 1989),
            ((2025, 4, 1), Era::Reiwa, 7, 2025),
            ((1926, 12, 25), Era::Showa, 1, 1926),
        ] {
            let w = to_wareki(Date::new(date.0, date.1, date.2).unwrap()).unwrap();
            assert_eq!((w.era, w.year), (era, y), "{date:?}");
            assert_eq!(w.gregorian_year(), greg, "{date:?}");
        }
        let e = parse("1989/02/30", Auto, Strict).unwrap_err();
        assert_eq!(e.to_string(), format!("{}: {}", e.kind, e.message));
        assert_eq!(
            e.to_string(),
            "date.day_out_of_range: day out of range for its month"
        );
    }

    /// Issue 19 (cargo-mutants survivor): the dash variants read as `-` (HYPHEN U+2010,
    /// NON-BREAKING HYPHEN U+2011, MINUS SIGN U+2212, full-width U+FF0D).
    #[test]
    fn issue19_dash_variants_are_separators() {
        for dash in ['-', '\u{2010}', '\u{2011}', '\u{2212}', '\u{FF0D}'] {
            let s = format!("1989{dash}01{dash}08");
            assert_eq!(iso(&s), "1989-01-08", "{s:?}");
        }
    }
}

#[cfg(test)]
mod issue14_tests {
    use super::*;

    fn iso(s: &str) -> String {
        match parse(s, DateForm::Auto, DatePolicy::Strict) {
            Ok(p) => p.date.to_iso(),
            Err(e) => format!("ERR {}", e.kind),
        }
    }

    /// #14 cleansing fidelity: the square era signs (CP932 NEC row 13 ㍻㍼㍽㍾, and ㋿) read
    /// as their era, in every form the era kanji take.
    #[test]
    fn issue14_square_era_signs() {
        let cases = [
            ("㍻元年1月8日", "1989-01-08"),
            ("㍻20年7月4日", "2008-07-04"),
            ("㍻20.7.4", "2008-07-04"),
            ("㍼64年1月7日", "1989-01-07"),
            ("㍽元年7月30日", "1912-07-30"),
            ("㍾45年7月29日", "1912-07-29"),
            ("㋿元年5月1日", "2019-05-01"),
            ("㋿2年", "2020"),
            // Era limits hold as for 平成: no guessing.
            ("㍻元年1月7日", "ERR date.before_era"),
            ("㍼64年1月8日", "ERR date.after_era"),
            ("㍻㍻元年1月8日", "ERR date.unrecognised"),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input), want, "{input}");
        }
        // The CP932 bytes of the NEC row 13 signs decode to these characters.
        let mut s = String::new();
        let mut v = Vec::new();
        crate::decode::CharProfile::cp932().decode_item(
            b"\x87\x7E\x87\x8F\x87\x8E\x87\x8D",
            &mut s,
            &mut v,
        );
        assert_eq!(s, "㍻㍼㍽㍾");
    }

    /// #14: kanji-numeral dates, positional (二〇 = 20) or with 十 (二十 = 20); anything
    /// else is refused, never guessed.
    #[test]
    fn issue14_kanji_numeral_dates() {
        let cases = [
            ("平成二十年七月四日", "2008-07-04"),
            ("平成二〇年一二月二六日", "2008-12-26"),
            ("平成元年一月八日", "1989-01-08"),
            ("昭和三十年三月", "1955-03"),
            ("昭和六十四年一月七日", "1989-01-07"),
            ("令和二年十月三十一日", "2020-10-31"),
            ("令和二年十一月十日", "2020-11-10"),
            ("平成〇一年〇一月〇八日", "1989-01-08"),
            ("一九八九年一月八日", "1989-01-08"),
            ("㍻二十年七月四日", "2008-07-04"),
            // Refused: not positional and not one 十 form.
            ("平成二十〇年七月四日", "ERR date.unrecognised"),
            ("平成十十年七月四日", "ERR date.unrecognised"),
            ("平成二十年七月四十日", "ERR date.day_out_of_range"),
            ("平成二十年百月四日", "ERR date.unrecognised"),
            ("平成二十2年七月四日", "ERR date.unrecognised"),
            // Read, then checked like any date.
            ("平成二十年二月三十日", "ERR date.day_out_of_range"),
            ("平成二十年十三月一日", "ERR date.month_out_of_range"),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input), want, "{input}");
        }
        assert_eq!(kanji_number(&[2, TEN]), Some(Tok::Num(20, 2)));
        assert_eq!(kanji_number(&[TEN]), Some(Tok::Num(10, 2)));
        assert_eq!(kanji_number(&[3, TEN, 1]), Some(Tok::Num(31, 2)));
        assert_eq!(kanji_number(&[1, 2]), Some(Tok::Num(12, 2)));
        assert_eq!(kanji_number(&[0, TEN]), None);
        assert_eq!(kanji_number(&[TEN, 0]), None);
        assert_eq!(kanji_number(&[1, TEN, TEN]), None);
    }
}
