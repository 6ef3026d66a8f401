//! What cleansing reports: the edits it made ([`Edit`], named by a stable [`RuleId`]) and the
//! problems it found ([`Finding`], named by a stable [`FindingKind`]).
//!
//! Rule ids and finding kinds are part of ikou's contract: they appear in `changes.csv`, in
//! the run manifest's counts and in `ikou normalize --json`, so they never change once
//! released. The table of rules with an example each is in `docs/RULES.md`.
//!
//! A finding's message never contains the value it is about (a name, a number, a date):
//! it says what is wrong in general terms, so it can go into logs and reports as is.

use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// A cleansing rule, by its stable id (see `docs/RULES.md`).
///
/// # Example
/// ```
/// use ikou_cleanse::change::RuleId;
/// assert_eq!(RuleId::WidthFullwidth.as_str(), "width.fullwidth");
/// assert_eq!(RuleId::from_id("date.re_era"), Some(RuleId::DateReEra));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RuleId {
    /// `padding.trailing`: trailing U+0020 / U+3000 (fixed-length padding) removed.
    PaddingTrailing,
    /// `space.trim`: leading and trailing spaces (U+0020, U+3000) removed.
    SpaceTrim,
    /// `space.fold`: every run of spaces (U+0020, U+3000) becomes one U+3000.
    SpaceFold,
    /// `width.fullwidth`: half-width characters become full-width (ASCII, space, half-width
    /// katakana with voiced marks composed, half-width forms U+FFE8–U+FFEE).
    WidthFullwidth,
    /// `kana.hiragana_to_katakana`: hiragana become katakana (ゝゞ → ヽヾ).
    KanaHiraganaToKatakana,
    /// `kana.voiced_mark`: a katakana followed by a separate voicing mark (゛ ゜, or the
    /// combining U+3099 U+309A) becomes the voiced katakana (ウ゛ → ヴ, ホ゜ → ポ).
    KanaVoicedMark,
    /// `digits.fullwidth_to_ascii`: full-width digits ０–９ become ASCII 0–9.
    DigitsFullwidthToAscii,
    /// `digits.zero_pad`: a digit string shorter than the item is padded with leading zeros.
    DigitsZeroPad,
    /// `code.fullwidth_to_ascii`: full-width letters and digits become ASCII.
    CodeFullwidthToAscii,
    /// `amount.to_ascii`: full-width digits, signs and decimal point become ASCII; ▲/△ (the
    /// Japanese negative marks) become `-`.
    AmountToAscii,
    /// `amount.thousands`: the thousands separators of a correctly grouped amount are
    /// removed (`1,234,567` → `1234567`); badly grouped commas stay (`amount.invalid`).
    AmountThousands,
    /// `postal.strip`: 〒, hyphens (every dash variant) and spaces removed from a postal code.
    PostalStrip,
    /// `phone.separator`: dash variants, spaces and parentheses become one ASCII `-`.
    PhoneSeparator,
    /// `variant.cp932`: the CP932/JIS disagreement characters take their CP932 form.
    VariantCp932,
    /// `variant.jis`: the CP932/JIS disagreement characters take their JIS X 0208 form.
    VariantJis,
    /// `date.blank_zero`: an all-zero date (`0000000`, `00000000`), the legacy "no date",
    /// becomes empty.
    DateBlankZero,
    /// `date.re_era` (lenient policy only): a date written in an era after that era ended is
    /// moved into the era it falls in (平成31年5月1日 → 令和元年5月1日).
    DateReEra,
    /// `date.to_iso`: a date becomes ISO 8601 (`1989-01-08`, partial `1955-03`, `1955`).
    DateToIso,
    /// `date.to_yyyymmdd`: a date becomes `YYYYMMDD` (unknown parts `00`).
    DateToYyyymmdd,
    /// `date.to_wareki`: a date becomes the 和暦 form the target asks for.
    DateToWareki,
    /// `host.approximate`: a host code page code the table maps by substitution (an
    /// approximate character, JEF hentaigana) was decoded to that character; before is the
    /// code (`JEF+71AD`), after the character (issue #16).
    HostApproximate,
    /// `host.one_way`: a host code page code whose character encodes back to another code
    /// (JEF A1A1 → U+3000, which encodes to 4040) was decoded; before is the code
    /// (`JEF+A1A1`), after the character (issue #16).
    HostOneWay,
}

impl RuleId {
    /// Every rule, in the order of `docs/RULES.md`.
    pub const ALL: [RuleId; 22] = [
        RuleId::PaddingTrailing,
        RuleId::SpaceTrim,
        RuleId::SpaceFold,
        RuleId::WidthFullwidth,
        RuleId::KanaHiraganaToKatakana,
        RuleId::KanaVoicedMark,
        RuleId::DigitsFullwidthToAscii,
        RuleId::DigitsZeroPad,
        RuleId::CodeFullwidthToAscii,
        RuleId::AmountToAscii,
        RuleId::AmountThousands,
        RuleId::PostalStrip,
        RuleId::PhoneSeparator,
        RuleId::VariantCp932,
        RuleId::VariantJis,
        RuleId::DateBlankZero,
        RuleId::DateReEra,
        RuleId::DateToIso,
        RuleId::DateToYyyymmdd,
        RuleId::DateToWareki,
        RuleId::HostApproximate,
        RuleId::HostOneWay,
    ];

    /// The stable id (`width.fullwidth`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::PaddingTrailing => "padding.trailing",
            RuleId::SpaceTrim => "space.trim",
            RuleId::SpaceFold => "space.fold",
            RuleId::WidthFullwidth => "width.fullwidth",
            RuleId::KanaHiraganaToKatakana => "kana.hiragana_to_katakana",
            RuleId::KanaVoicedMark => "kana.voiced_mark",
            RuleId::DigitsFullwidthToAscii => "digits.fullwidth_to_ascii",
            RuleId::DigitsZeroPad => "digits.zero_pad",
            RuleId::CodeFullwidthToAscii => "code.fullwidth_to_ascii",
            RuleId::AmountToAscii => "amount.to_ascii",
            RuleId::AmountThousands => "amount.thousands",
            RuleId::PostalStrip => "postal.strip",
            RuleId::PhoneSeparator => "phone.separator",
            RuleId::VariantCp932 => "variant.cp932",
            RuleId::VariantJis => "variant.jis",
            RuleId::DateBlankZero => "date.blank_zero",
            RuleId::DateReEra => "date.re_era",
            RuleId::DateToIso => "date.to_iso",
            RuleId::DateToYyyymmdd => "date.to_yyyymmdd",
            RuleId::DateToWareki => "date.to_wareki",
            RuleId::HostApproximate => "host.approximate",
            RuleId::HostOneWay => "host.one_way",
        }
    }

    /// The rule with this stable id.
    pub fn from_id(id: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == id)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One edit a rule made to a value: the whole value before and after that rule.
///
/// The run adds the record number and the item key; a chain of edits on one value reads
/// in order, each `before` being the previous `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// The rule that made the edit.
    pub rule: RuleId,
    /// The value before the rule.
    pub before: String,
    /// The value after the rule.
    pub after: String,
}

/// The kind of a [`Finding`], by its stable id.
///
/// Kinds whose [`is_error`](FindingKind::is_error) is true mean the value cannot be made
/// valid (the record is rejected); the others are flags on a value that is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FindingKind {
    /// `char.not_kana`: a カナ value holds a character that is not katakana, ー or a space.
    NotKana,
    /// `char.not_digit`: a number holds a character that is not a digit.
    NotDigit,
    /// `char.control`: a text value (fullwidth, kana, kanji_name, address; text except TAB,
    /// LF and CR) holds a control character: C0 (U+0000–U+001F: NUL, TAB, LF, CR, 0x1A,
    /// ESC …), DEL (U+007F) or C1 (U+0080–U+009F). Never removed or replaced: the record is
    /// rejected.
    Control,
    /// `char.not_code`: a code holds a character that is not an ASCII letter or digit.
    NotCode,
    /// `amount.invalid`: not a number (`-1234`, `12.5`).
    AmountInvalid,
    /// `phone.invalid`: a phone number holds something other than digits and hyphens.
    PhoneInvalid,
    /// `digits.length`: a fixed-length number (個人番号 12, 住民票コード 11, 地方公共団体コード 6,
    /// 郵便番号 7) has the wrong number of digits.
    DigitsLength,
    /// `checkdigit.mismatch`: the check digit is wrong (never corrected).
    CheckDigitMismatch,
    /// `date.unrecognised`: not a date in any form ikou reads (or not in the item's form).
    DateUnrecognised,
    /// `date.unknown_era`: an era code or letter that names no era.
    DateUnknownEra,
    /// `date.era_year_zero`: era year 0.
    DateEraYearZero,
    /// `date.month_out_of_range`: month 13 and the like.
    DateMonthOutOfRange,
    /// `date.day_out_of_range`: 2月30日, 4月31日, day 32.
    DateDayOutOfRange,
    /// `date.unknown_month_with_day`: month 00 (unknown) but a day given.
    DateUnknownMonthWithDay,
    /// `date.before_era`: before the era began (平成元年1月7日, 令和元年4月30日).
    DateBeforeEra,
    /// `date.after_era`: after the era ended (昭和64年1月8日; 平成31年5月1日 under the strict
    /// policy).
    DateAfterEra,
    /// `date.lunisolar`: a 明治 date before 明治6年1月1日 (1873-01-01), when Japan used the
    /// lunisolar calendar: refused, never converted by arithmetic.
    DateLunisolar,
    /// `date.no_era`: a date that no era covers, asked for in a 和暦 form.
    DateNoEra,
    /// `date.partial` (flag): day or month unknown (`00`); the value keeps the precision it
    /// has (`1955-03`, `1955`), nothing is invented.
    DatePartial,
    /// `gaiji.private_use` (flag): a private-use character (an unmapped 外字) is in the value;
    /// it is kept as is. The run's 外字 inventory comes from decoding; this flag makes it
    /// visible when a value is cleansed on its own (`ikou normalize`).
    GaijiPrivateUse,
}

impl FindingKind {
    /// Every kind, in the order of `docs/RULES.md`.
    pub const ALL: [FindingKind; 20] = [
        FindingKind::NotKana,
        FindingKind::NotDigit,
        FindingKind::Control,
        FindingKind::NotCode,
        FindingKind::AmountInvalid,
        FindingKind::PhoneInvalid,
        FindingKind::DigitsLength,
        FindingKind::CheckDigitMismatch,
        FindingKind::DateUnrecognised,
        FindingKind::DateUnknownEra,
        FindingKind::DateEraYearZero,
        FindingKind::DateMonthOutOfRange,
        FindingKind::DateDayOutOfRange,
        FindingKind::DateUnknownMonthWithDay,
        FindingKind::DateBeforeEra,
        FindingKind::DateAfterEra,
        FindingKind::DateLunisolar,
        FindingKind::DateNoEra,
        FindingKind::DatePartial,
        FindingKind::GaijiPrivateUse,
    ];

    /// The stable id (`date.after_era`).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::NotKana => "char.not_kana",
            FindingKind::NotDigit => "char.not_digit",
            FindingKind::Control => "char.control",
            FindingKind::NotCode => "char.not_code",
            FindingKind::AmountInvalid => "amount.invalid",
            FindingKind::PhoneInvalid => "phone.invalid",
            FindingKind::DigitsLength => "digits.length",
            FindingKind::CheckDigitMismatch => "checkdigit.mismatch",
            FindingKind::DateUnrecognised => "date.unrecognised",
            FindingKind::DateUnknownEra => "date.unknown_era",
            FindingKind::DateEraYearZero => "date.era_year_zero",
            FindingKind::DateMonthOutOfRange => "date.month_out_of_range",
            FindingKind::DateDayOutOfRange => "date.day_out_of_range",
            FindingKind::DateUnknownMonthWithDay => "date.unknown_month_with_day",
            FindingKind::DateBeforeEra => "date.before_era",
            FindingKind::DateAfterEra => "date.after_era",
            FindingKind::DateLunisolar => "date.lunisolar",
            FindingKind::DateNoEra => "date.no_era",
            FindingKind::DatePartial => "date.partial",
            FindingKind::GaijiPrivateUse => "gaiji.private_use",
        }
    }

    /// Whether the value cannot be made valid (false for flags on a kept value).
    pub fn is_error(self) -> bool {
        !matches!(
            self,
            FindingKind::DatePartial | FindingKind::GaijiPrivateUse
        )
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A problem found in a value. The message holds no personal value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of problem.
    pub kind: FindingKind,
    /// A human-readable reason, without the value itself (it may name a character position,
    /// an era and its boundary dates, or an expected length).
    pub message: Cow<'static, str>,
}

impl Finding {
    /// A finding with a fixed message.
    pub fn new(kind: FindingKind, message: impl Into<Cow<'static, str>>) -> Finding {
        Finding {
            kind,
            message: message.into(),
        }
    }

    /// Whether the value cannot be made valid.
    pub fn is_error(&self) -> bool {
        self.kind.is_error()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for r in RuleId::ALL {
            assert!(seen.insert(r.as_str()), "duplicate id {}", r.as_str());
            assert_eq!(RuleId::from_id(r.as_str()), Some(r));
            assert!(r.as_str().contains('.'));
        }
        assert_eq!(RuleId::from_id("nope"), None);
    }

    #[test]
    fn rule_table_in_docs_lists_every_rule() {
        let doc = include_str!("../../../docs/RULES.md");
        for r in RuleId::ALL {
            assert!(
                doc.contains(&format!("| `{}` |", r.as_str())),
                "docs/RULES.md lacks a row for {}",
                r.as_str()
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for k in FindingKind::ALL {
            assert!(seen.insert(k.as_str()), "duplicate kind {}", k.as_str());
            assert!(
                doc.contains(&format!("| `{}` ", k.as_str())),
                "docs/RULES.md lacks a row for finding {}",
                k.as_str()
            );
        }
    }

    #[test]
    fn flags_are_not_errors() {
        assert!(!FindingKind::DatePartial.is_error());
        assert!(!FindingKind::GaijiPrivateUse.is_error());
        assert!(FindingKind::CheckDigitMismatch.is_error());
        assert_eq!(
            Finding::new(FindingKind::DateAfterEra, "x").to_string(),
            "date.after_era: x"
        );
    }
}
