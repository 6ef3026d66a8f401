//! Cleansing by domain type: each value is put into its target form by the rules of its
//! [`DomainType`], and every change is returned as an [`Edit`] naming its [`RuleId`].
//!
//! | domain type | rules, in order | checks (findings) |
//! |---|---|---|
//! | `text` | padding.trailing, space.trim, variant.* | char.control (TAB, LF, CR allowed) |
//! | `fullwidth` | padding.trailing, width.fullwidth, variant.* | char.control, gaiji.private_use (flag) |
//! | `kana` | padding.trailing, width.fullwidth, kana.hiragana_to_katakana, kana.voiced_mark, space.fold, space.trim | char.control, char.not_kana (・ ＝ ゠ allowed with [`RuleOptions::kana_separators`]) |
//! | `kanji_name` | padding.trailing, width.fullwidth, space.fold, space.trim, variant.* | char.control, gaiji.private_use (flag) |
//! | `address` | padding.trailing, width.fullwidth, space.trim, variant.* | char.control, gaiji.private_use (flag) |
//! | `digits` | padding.trailing, space.trim, digits.fullwidth_to_ascii, digits.zero_pad | char.not_digit |
//! | `code` | padding.trailing, space.trim, code.fullwidth_to_ascii, digits.zero_pad | char.not_code |
//! | `amount` | padding.trailing, space.trim, digits.fullwidth_to_ascii, amount.to_ascii, amount.thousands | amount.invalid |
//! | `postal_code` | padding.trailing, space.trim, digits.fullwidth_to_ascii, postal.strip | char.not_digit, digits.length (7) |
//! | `phone` | padding.trailing, space.trim, digits.fullwidth_to_ascii, phone.separator | phone.invalid |
//! | `individual_number` | padding.trailing, space.trim, digits.fullwidth_to_ascii, digits.zero_pad | char.not_digit, digits.length (12), checkdigit.mismatch |
//! | `resident_code` | padding.trailing, space.trim, digits.fullwidth_to_ascii, digits.zero_pad | char.not_digit, digits.length (11) |
//! | `lg_code` | padding.trailing, space.trim, digits.fullwidth_to_ascii, digits.zero_pad | char.not_digit, digits.length (6), checkdigit.mismatch |
//! | `date` | padding.trailing, space.trim, date.blank_zero, date.re_era (lenient), date.to_iso / date.to_yyyymmdd / date.to_wareki | the `date.*` kinds, date.partial (flag) |
//! | `record_type`, `filler` | none: passed through as is | — |
//!
//! `padding.trailing` runs only when [`RuleOptions::strip_padding`] is set (the default);
//! `digits.zero_pad` only when [`RuleOptions::zero_pad_to`] is; `variant.*` follows
//! [`RuleOptions::variant_policy`]. An empty value (after padding) is valid for every type:
//! whether a value is required is the layout's check, not a cleansing rule.
//! A caller that counts removed padding rather than listing it as an edit (a conversion
//! run) uses [`cleanse_unpadded`], which saves copying every padded value.
//!
//! Values that need no change are the common case, so the rules decide whether they apply
//! on the UTF-8 bytes, the text types scan their value once for every rule's trigger, and
//! clean digit strings, codes and postal codes go straight to their checks.
//!
//! # Example
//! ```
//! use ikou_cleanse::rules::{cleanse, RuleOptions};
//! use ikou_layout_spec::DomainType;
//!
//! let opts = RuleOptions::default();
//! let c = cleanse(DomainType::Kana, "ﾔﾏﾀﾞ  ﾀﾛｳ   ", &opts);
//! assert_eq!(c.output(), Some("ヤマダ　タロウ"));
//! let rules: Vec<&str> = c.edits.iter().map(|e| e.rule.as_str()).collect();
//! assert_eq!(rules, ["padding.trailing", "width.fullwidth", "space.fold"]);
//!
//! // Nothing to do: nothing recorded, nothing allocated.
//! let c = cleanse(DomainType::Kana, "ヤマダ　タロウ", &opts);
//! assert!(c.edits.is_empty() && c.is_ok());
//! assert!(matches!(c.value, std::borrow::Cow::Borrowed(_)));
//!
//! let c = cleanse(DomainType::Date, "3300300", &opts);
//! assert_eq!((c.output(), c.is_partial()), (Some("1955-03"), true));
//!
//! let c = cleanse(DomainType::IndividualNumber, "123456789012", &opts);
//! assert!(!c.is_ok());
//! assert_eq!(c.findings[0].kind.as_str(), "checkdigit.mismatch");
//! ```

pub mod describe;
pub mod numeric;
pub mod text;

use crate::change::{Edit, Finding, FindingKind, RuleId};
use crate::checkdigit::{self, CheckError};
use crate::mask::is_private_use;
use crate::variants;
use crate::wareki::{self, DatePolicy, Precision};
use ikou_layout_spec::{DateForm, DomainType, Item, Padding, VariantPolicy};
use std::borrow::Cow;

/// How the rules are applied: set once per item (or per run) and reused for every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleOptions {
    /// The form date values are written in ([`DateForm::Auto`]: recognise any form).
    pub date_form: DateForm,
    /// The form dates are written out in ([`DateForm::Auto`] and [`DateForm::Iso`]: ISO 8601).
    pub date_output: DateForm,
    /// Whether impossible era dates are errors (strict) or re-era'd (lenient).
    pub date_policy: DatePolicy,
    /// The target form of the CP932/JIS variant characters.
    pub variant_policy: VariantPolicy,
    /// Zero-pad digit strings (digits, code, individual_number, resident_code, lg_code) to
    /// this many digits.
    pub zero_pad_to: Option<usize>,
    /// Remove trailing U+0020 / U+3000 as fixed-length padding (`padding.trailing`).
    pub strip_padding: bool,
    /// Keep each edit's text (`before`, `after`). When false, edits name their rule with
    /// empty texts and cost no copies: for callers that only count changes.
    pub edit_text: bool,
    /// カナ values may hold the separators of foreign residents' names (・ ＝ ゠, see
    /// [`text::is_kana_separator`]) without `char.not_kana`. Off by default: a ・ in a カナ
    /// item is a finding unless the migration says such names are expected.
    ///
    /// `ikou normalize --kana-separators` sets it. A conversion run takes its options from
    /// the plan (`ikou_convert::plan`), which does not set it yet: a profile field
    /// (`[characters] kana_separators = true`) and one line where the plan builds its
    /// `RuleOptions` would.
    pub kana_separators: bool,
}

impl Default for RuleOptions {
    /// Any date form in, ISO 8601 out, strict dates, variants kept, no zero padding,
    /// trailing padding removed.
    fn default() -> RuleOptions {
        RuleOptions {
            date_form: DateForm::Auto,
            date_output: DateForm::Iso,
            date_policy: DatePolicy::Strict,
            variant_policy: VariantPolicy::Keep,
            zero_pad_to: None,
            strip_padding: true,
            edit_text: true,
            kana_separators: false,
        }
    }
}

impl RuleOptions {
    /// These options with the settings a source item gives: its date form, zero padding
    /// to its length (when `zero_pad`), and whether trailing spaces are padding.
    pub fn for_item(self, item: &Item) -> RuleOptions {
        RuleOptions {
            date_form: item.date_form.unwrap_or(DateForm::Auto),
            zero_pad_to: item.zero_pad.then_some(item.length as usize),
            strip_padding: item.padding == Padding::Spaces,
            ..self
        }
    }
}

/// The result of cleansing one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleansed<'a> {
    /// The value after every rule that applied. When [`Cleansed::is_ok`] is false this is
    /// the value as far as the rules got (not a valid value): use [`Cleansed::output`].
    pub value: Cow<'a, str>,
    /// The edits, in the order they were made; empty when nothing changed.
    pub edits: Vec<Edit>,
    /// Errors (the value cannot be made valid) and flags, in the order found.
    pub findings: Vec<Finding>,
    /// For dates: how much of the date is known (`None` for other types and empty dates).
    pub precision: Option<Precision>,
}

impl<'a> Cleansed<'a> {
    /// Whether no finding is an error.
    pub fn is_ok(&self) -> bool {
        !self.findings.iter().any(Finding::is_error)
    }

    /// The cleansed value, `None` when a finding is an error.
    pub fn output(&self) -> Option<&str> {
        self.is_ok().then_some(&*self.value)
    }

    /// Whether the value is a partial date (day or month unknown).
    pub fn is_partial(&self) -> bool {
        matches!(self.precision, Some(Precision::Month | Precision::Year))
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }

    /// The same result, owning its value.
    pub fn into_owned(self) -> Cleansed<'static> {
        Cleansed {
            value: Cow::Owned(self.value.into_owned()),
            edits: self.edits,
            findings: self.findings,
            precision: self.precision,
        }
    }
}

/// The value under cleansing and the edits so far.
struct Work<'a> {
    value: Cow<'a, str>,
    edits: Vec<Edit>,
    findings: Vec<Finding>,
    precision: Option<Precision>,
    edit_text: bool,
}

impl<'a> Work<'a> {
    /// Applies a rule; true when it changed the value (and an edit was recorded).
    fn apply(&mut self, rule: RuleId, f: impl FnOnce(&str) -> Option<String>) -> bool {
        match f(&self.value) {
            Some(new) if new != *self.value => {
                let edit = if self.edit_text {
                    let after = new.clone();
                    let before = std::mem::replace(&mut self.value, Cow::Owned(new));
                    Edit {
                        rule,
                        before: before.into_owned(),
                        after,
                    }
                } else {
                    self.value = Cow::Owned(new);
                    Edit {
                        rule,
                        before: String::new(),
                        after: String::new(),
                    }
                };
                self.edits.push(edit);
                true
            }
            _ => false,
        }
    }

    fn find(&mut self, kind: FindingKind, message: impl Into<Cow<'static, str>>) {
        self.findings.push(Finding::new(kind, message));
    }

    fn done(self) -> Cleansed<'a> {
        Cleansed {
            value: self.value,
            edits: self.edits,
            findings: self.findings,
            precision: self.precision,
        }
    }
}

/// Applies one rule on its own: the new value, or `None` when the rule changes nothing
/// (or, for the date rules, when the value is not a date). Rules that take a setting read
/// it from `opts` (`digits.zero_pad` pads to `opts.zero_pad_to`, `date.*` use the date
/// options); `variant.cp932` and `variant.jis` name their policy themselves.
///
/// # Example
/// ```
/// use ikou_cleanse::{change::RuleId, rules::{apply_rule, RuleOptions}};
/// let o = RuleOptions::default();
/// assert_eq!(apply_rule(RuleId::SpaceFold, "ア  イ", &o).as_deref(), Some("ア　イ"));
/// assert_eq!(apply_rule(RuleId::DateToIso, "H01.01.08", &o).as_deref(), Some("1989-01-08"));
/// ```
pub fn apply_rule(rule: RuleId, input: &str, opts: &RuleOptions) -> Option<String> {
    let date_to = |form: DateForm| {
        let p = wareki::parse(input, opts.date_form, opts.date_policy).ok()?;
        wareki::format(p.date, form).ok()
    };
    let out = match rule {
        RuleId::PaddingTrailing => text::strip_padding(input),
        RuleId::SpaceTrim => text::trim(input),
        RuleId::SpaceFold => text::fold_spaces(input),
        RuleId::WidthFullwidth => text::fullwidth(input),
        RuleId::KanaHiraganaToKatakana => text::hiragana_to_katakana(input),
        RuleId::KanaVoicedMark => text::voiced_marks(input),
        RuleId::DigitsFullwidthToAscii => numeric::fullwidth_digits(input),
        RuleId::DigitsZeroPad => numeric::zero_pad(input, opts.zero_pad_to?),
        RuleId::CodeFullwidthToAscii => numeric::fullwidth_alnum_to_ascii(input),
        RuleId::AmountToAscii => numeric::amount_to_ascii(input),
        RuleId::AmountThousands => numeric::amount_thousands(input),
        RuleId::PostalStrip => numeric::postal_strip(input),
        RuleId::PhoneSeparator => numeric::phone_separator(input),
        RuleId::VariantCp932 => variants::unify(input, VariantPolicy::Cp932),
        RuleId::VariantJis => variants::unify(input, VariantPolicy::Jis),
        RuleId::DateBlankZero => is_zero_date(input).then(String::new),
        RuleId::DateReEra => wareki::parse(input, opts.date_form, DatePolicy::Lenient)
            .ok()?
            .re_era_written(),
        RuleId::DateToIso => date_to(DateForm::Iso),
        RuleId::DateToYyyymmdd => date_to(DateForm::Yyyymmdd),
        RuleId::DateToWareki => date_to(match opts.date_output {
            f @ (DateForm::EraCode1 | DateForm::EraCode2 | DateForm::EraLetter) => f,
            _ => DateForm::EraKanji,
        }),
        // Decoding rules (host code pages): they act on an item's bytes, not on text.
        RuleId::HostApproximate | RuleId::HostOneWay => None,
    };
    out.filter(|o| o != input)
}

/// Whether a date value is the legacy "no date": zeros only (ASCII or full-width), with
/// optional separators.
fn is_zero_date(s: &str) -> bool {
    let b = s.as_bytes();
    let mut zero = false;
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        match x {
            b'0' => zero = true,
            b'.' | b'/' | b'-' => {}
            // ０ is EF BC 90; － ． ／ are EF BC 8D, 8E, 8F.
            0xEF => match b.get(i + 1..i + 3) {
                Some([0xBC, 0x90]) => {
                    zero = true;
                    i += 2;
                }
                Some([0xBC, 0x8D..=0x8F]) => i += 2,
                _ => return false,
            },
            _ => return false,
        }
        i += 1;
    }
    zero
}

/// Whether a value of a digit type (digits, individual_number, resident_code, lg_code) is
/// already clean: ASCII digits only (or empty) and not to be zero-padded. No rule of those
/// types changes such a value; only their checks remain.
fn clean_digits(v: &str, opts: &RuleOptions) -> bool {
    v.bytes().all(|b| b.is_ascii_digit())
        && opts
            .zero_pad_to
            .is_none_or(|n| v.is_empty() || v.len() >= n)
}

/// Cleanses one value of `domain` with `opts`: the output value, the edits in order, and
/// the findings. Every [`DomainType`] is handled; see the module table for the rules.
/// Returns the input borrowed, with no edits and no allocation, when nothing changes.
pub fn cleanse<'a>(domain: DomainType, input: &'a str, opts: &RuleOptions) -> Cleansed<'a> {
    let mut w = Work {
        value: Cow::Borrowed(input),
        edits: Vec::new(),
        findings: Vec::new(),
        precision: None,
        edit_text: opts.edit_text,
    };
    match domain {
        DomainType::Filler | DomainType::RecordType => return w.done(),
        // The common case of the digit types, already clean: straight to the checks.
        DomainType::Digits
        | DomainType::IndividualNumber
        | DomainType::ResidentCode
        | DomainType::LgCode
            if clean_digits(input, opts) =>
        {
            digit_checks(domain, &mut w, true);
            return w.done();
        }
        // A clean postal code (ASCII digits): no rule applies, only the length check.
        DomainType::PostalCode if input.bytes().all(|b| b.is_ascii_digit()) => {
            fixed_digits(&mut w, 7, "郵便番号", true);
            return w.done();
        }
        // A clean code (ASCII letters and digits, not to be zero-padded): no rule and no
        // check has anything to say.
        DomainType::Code
            if input.bytes().all(|b| b.is_ascii_alphanumeric())
                && numeric::zero_pad(input, opts.zero_pad_to.unwrap_or(0)).is_none() =>
        {
            return w.done();
        }
        _ => {}
    }
    if opts.strip_padding {
        w.apply(RuleId::PaddingTrailing, text::strip_padding);
    }
    match domain {
        DomainType::Filler | DomainType::RecordType => {}
        DomainType::Text => {
            w.apply(RuleId::SpaceTrim, text::trim);
            variant(&mut w, opts);
            if let Some(pos) = text::control_position(&w.value, true) {
                control_flag(&mut w, pos);
            }
        }
        // The text types: one pass over the characters (a `Scan`) says which rules can
        // change the value; only those run, and the value is scanned again after a change.
        DomainType::Fullwidth => {
            let mut sc = Scan::of(&w.value);
            if sc.fullwidth && w.apply(RuleId::WidthFullwidth, text::fullwidth) {
                sc = Scan::of(&w.value);
            }
            if scanned_variant(&mut w, opts, &sc) {
                sc = Scan::of(&w.value);
            }
            scanned_control(&mut w, &sc);
            gaiji_flag(&mut w, &sc);
        }
        DomainType::Kana => {
            // Legacy カナ is half-width: when the value starts half-width, width.fullwidth
            // first (its own check stops there) and one scan of the result.
            let mut sc;
            if matches!(w.value.as_bytes().first(), Some(0x20..=0x7E | 0xEF)) {
                w.apply(RuleId::WidthFullwidth, text::fullwidth);
                sc = Scan::of(&w.value);
            } else {
                sc = Scan::of(&w.value);
                if sc.fullwidth && w.apply(RuleId::WidthFullwidth, text::fullwidth) {
                    sc = Scan::of(&w.value);
                }
            }
            if sc.hiragana && w.apply(RuleId::KanaHiraganaToKatakana, text::hiragana_to_katakana) {
                sc = Scan::of(&w.value);
            }
            if sc.voiced && w.apply(RuleId::KanaVoicedMark, text::voiced_marks) {
                sc = Scan::of(&w.value);
            }
            if sc.fold && w.apply(RuleId::SpaceFold, text::fold_spaces) {
                sc = Scan::of(&w.value);
            }
            if w.apply(RuleId::SpaceTrim, text::trim) {
                sc = Scan::of(&w.value);
            }
            scanned_control(&mut w, &sc);
            let non_kana = match sc.non_kana {
                // Separators allowed: look again for a character that is neither.
                Some(_) if opts.kana_separators => w
                    .value
                    .chars()
                    .position(|c| !text::is_kana_char(c) && !text::is_kana_separator(c)),
                other => other,
            };
            if let Some(pos) = non_kana {
                w.find(
                    FindingKind::NotKana,
                    format!(
                        "character {} (U+{:04X}) is not katakana, ー or a space: the value is rejected; correct it at the source",
                        pos + 1,
                        w.value.chars().nth(pos).map_or(0, u32::from)
                    ),
                );
            }
        }
        // The same chain, except that names also fold runs of spaces.
        DomainType::KanjiName | DomainType::Address => {
            let mut sc = Scan::of(&w.value);
            if sc.fullwidth && w.apply(RuleId::WidthFullwidth, text::fullwidth) {
                sc = Scan::of(&w.value);
            }
            if domain == DomainType::KanjiName
                && sc.fold
                && w.apply(RuleId::SpaceFold, text::fold_spaces)
            {
                sc = Scan::of(&w.value);
            }
            if w.apply(RuleId::SpaceTrim, text::trim) {
                sc = Scan::of(&w.value);
            }
            if scanned_variant(&mut w, opts, &sc) {
                sc = Scan::of(&w.value);
            }
            scanned_control(&mut w, &sc);
            gaiji_flag(&mut w, &sc);
        }
        DomainType::Digits
        | DomainType::IndividualNumber
        | DomainType::ResidentCode
        | DomainType::LgCode => {
            digit_prelude(&mut w, opts);
            digit_checks(domain, &mut w, false);
        }
        DomainType::Code => {
            w.apply(RuleId::SpaceTrim, text::trim);
            w.apply(
                RuleId::CodeFullwidthToAscii,
                numeric::fullwidth_alnum_to_ascii,
            );
            if let Some(n) = opts.zero_pad_to {
                w.apply(RuleId::DigitsZeroPad, |s| numeric::zero_pad(s, n));
            }
            // Every byte before the first that is not an ASCII letter or digit is one
            // character: its byte offset is its position.
            if let Some(pos) = w.value.bytes().position(|b| !b.is_ascii_alphanumeric()) {
                w.find(
                    FindingKind::NotCode,
                    format!(
                        "character {} (U+{:04X}) is not an ASCII letter or digit",
                        pos + 1,
                        w.value
                            .get(pos..)
                            .and_then(|s| s.chars().next())
                            .map_or(0, u32::from)
                    ),
                );
            }
        }
        DomainType::Amount => {
            w.apply(RuleId::SpaceTrim, text::trim);
            w.apply(RuleId::DigitsFullwidthToAscii, numeric::fullwidth_digits);
            w.apply(RuleId::AmountToAscii, numeric::amount_to_ascii);
            w.apply(RuleId::AmountThousands, numeric::amount_thousands);
            if !w.value.is_empty() && !numeric::is_amount(&w.value) {
                w.find(
                    FindingKind::AmountInvalid,
                    "not an amount (optional sign, digits, optional decimal part)",
                );
            }
        }
        DomainType::PostalCode => {
            w.apply(RuleId::SpaceTrim, text::trim);
            w.apply(RuleId::DigitsFullwidthToAscii, numeric::fullwidth_digits);
            w.apply(RuleId::PostalStrip, numeric::postal_strip);
            fixed_digits(&mut w, 7, "郵便番号", false);
        }
        DomainType::Phone => {
            w.apply(RuleId::SpaceTrim, text::trim);
            w.apply(RuleId::DigitsFullwidthToAscii, numeric::fullwidth_digits);
            w.apply(RuleId::PhoneSeparator, numeric::phone_separator);
            let v = &*w.value;
            if !v.is_empty()
                && (!v.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                    || !v.bytes().any(|b| b.is_ascii_digit()))
            {
                w.find(
                    FindingKind::PhoneInvalid,
                    "a phone number holds only digits and hyphens",
                );
            }
        }
        DomainType::Date => {
            w.apply(RuleId::SpaceTrim, text::trim);
            date(&mut w, opts);
        }
    }
    w.done()
}

/// [`cleanse`] for a caller that counts fixed-length padding instead of listing it (a
/// conversion run): the same value, edits and findings, except that a `padding.trailing`
/// edit is left out of the edits; the `bool` is whether there was one. This saves copying
/// the padded and unpadded value for that edit, and the value stays borrowed from `input`
/// when nothing but padding changed.
///
/// # Example
/// ```
/// use ikou_cleanse::rules::{cleanse_unpadded, RuleOptions};
/// use ikou_layout_spec::DomainType;
///
/// let (c, padded) = cleanse_unpadded(DomainType::KanjiName, "山田　太郎　　", &RuleOptions::default());
/// assert_eq!((c.output(), padded, c.edits.len()), (Some("山田　太郎"), true, 0));
/// assert!(matches!(c.value, std::borrow::Cow::Borrowed(_)));
/// ```
pub fn cleanse_unpadded<'a>(
    domain: DomainType,
    input: &'a str,
    opts: &RuleOptions,
) -> (Cleansed<'a>, bool) {
    if !opts.strip_padding || matches!(domain, DomainType::Filler | DomainType::RecordType) {
        return (cleanse(domain, input, opts), false);
    }
    let unpadded = text::trim_padding(input);
    let opts = RuleOptions {
        strip_padding: false,
        ..*opts
    };
    (
        cleanse(domain, unpadded, &opts),
        unpadded.len() != input.len(),
    )
}

fn variant(w: &mut Work<'_>, opts: &RuleOptions) -> bool {
    match opts.variant_policy {
        VariantPolicy::Keep => false,
        VariantPolicy::Cp932 => w.apply(RuleId::VariantCp932, |s| {
            variants::unify(s, VariantPolicy::Cp932)
        }),
        VariantPolicy::Jis => w.apply(RuleId::VariantJis, |s| {
            variants::unify(s, VariantPolicy::Jis)
        }),
    }
}

/// `variant.*` when the scan of the value says it can change it; true when it did.
fn scanned_variant(w: &mut Work<'_>, opts: &RuleOptions, sc: &Scan) -> bool {
    let can = match opts.variant_policy {
        VariantPolicy::Keep => false,
        VariantPolicy::Cp932 => sc.jis_form,
        VariantPolicy::Jis => sc.cp932_form,
    };
    can && variant(w, opts)
}

/// The `char.control` finding from the scan of the value.
fn scanned_control(w: &mut Work<'_>, sc: &Scan) {
    if let Some(pos) = sc.control {
        control_flag(w, pos);
    }
}

/// The `char.control` finding for the control character at character position `pos`
/// (its code point is named: a control character is no personal value).
fn control_flag(w: &mut Work<'_>, pos: usize) {
    let code = w.value.chars().nth(pos).map_or(0, u32::from);
    w.find(
        FindingKind::Control,
        format!(
            "character {} is a control character (U+{code:04X}): not removed, correct it at the source",
            pos + 1
        ),
    );
}

/// The `gaiji.private_use` flag from the scan of the value.
fn gaiji_flag(w: &mut Work<'_>, sc: &Scan) {
    if let Some(pos) = sc.private_use {
        w.find(
            FindingKind::GaijiPrivateUse,
            format!(
                "character {} is a private-use character (外字): kept, to be identified",
                pos + 1
            ),
        );
    }
}

/// What one pass over a value's characters finds: which text rules can change it and what
/// the text checks report. Each field is exactly the condition under which its rule
/// changes the value (the rule functions decide the same on their own, for
/// [`apply_rule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Scan {
    /// `width.fullwidth`: U+0020–U+007E, U+FF61–U+FF9F, U+FFE8–U+FFEE or U+00A5.
    fullwidth: bool,
    /// `kana.hiragana_to_katakana`: U+3041–U+3096, ゝ, ゞ.
    hiragana: bool,
    /// `kana.voiced_mark` may apply: a voicing mark U+3099–U+309C is present.
    voiced: bool,
    /// `space.fold`: U+0020, or two spaces in a row.
    fold: bool,
    /// `variant.cp932`: a JIS form of a variant pair (〜 ‖ − — ¢ £ ¬).
    jis_form: bool,
    /// `variant.jis`: a CP932 form of a variant pair (～ ∥ － ― ￠ ￡ ￢).
    cp932_form: bool,
    /// `gaiji.private_use`: the position of the first private-use character.
    private_use: Option<usize>,
    /// `char.not_kana`: the position of the first character that is not kana.
    non_kana: Option<usize>,
    /// `char.control`: the position of the first control character (U+0000–U+001F,
    /// U+007F, U+0080–U+009F).
    control: Option<usize>,
}

impl Scan {
    /// Scans `s` once. The common characters are classified from their UTF-8 bytes: CJK
    /// ideographs (lead `E4`–`E9`: no rule touches them), ASCII, the U+3000–U+3FFF block
    /// (lead `E3`: spaces, kana, hiragana, 〜) and U+FF00–U+FFBF (`EF BC`–`EF BE`:
    /// full-width forms, half-width katakana); any other character is decoded and
    /// classified by code point.
    fn of(s: &str) -> Scan {
        let b = s.as_bytes();
        let mut sc = Scan::default();
        let mut prev_space = false;
        let mut i = 0;
        let mut n = 0;
        while let Some(&x) = b.get(i) {
            let mut space = false;
            let mut kana = false;
            if (0xE4..=0xE9).contains(&x) {
                // U+4000–U+9FFF.
                i += 3;
            } else if x < 0x80 {
                if x == b' ' {
                    space = true;
                    sc.fold = true;
                }
                if (0x20..=0x7E).contains(&x) {
                    sc.fullwidth = true;
                } else {
                    sc.control.get_or_insert(n);
                }
                i += 1;
            } else if x == 0xE3 {
                match b.get(i + 1..i + 3) {
                    // Katakana U+30A1–U+30FA, U+30FC–U+30FE.
                    Some([0x82, 0xA1..=0xBF] | [0x83, 0x80..=0xBA | 0xBC..=0xBE]) => kana = true,
                    Some([0x80, 0x80]) => {
                        space = true;
                        kana = true;
                        if prev_space {
                            sc.fold = true;
                        }
                    }
                    Some(&[b1, b2]) => {
                        match 0x3000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F) {
                            0x31F0..=0x31FF => kana = true,
                            0x3041..=0x3096 | 0x309D | 0x309E => sc.hiragana = true,
                            0x3099..=0x309C => sc.voiced = true,
                            0x301C => sc.jis_form = true,
                            _ => {}
                        }
                    }
                    _ => {}
                }
                i += 3;
            } else if let (0xEF, Some(&[b1 @ 0xBC..=0xBE, b2])) = (x, b.get(i + 1..i + 3)) {
                match 0xF000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F) {
                    0xFF61..=0xFF9F => sc.fullwidth = true,
                    0xFF0D | 0xFF5E => sc.cp932_form = true,
                    _ => {}
                }
                i += 3;
            } else {
                let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else {
                    break;
                };
                match c as u32 {
                    0xFFE8..=0xFFEE | 0xA5 => sc.fullwidth = true,
                    0x2016 | 0x2212 | 0x2014 | 0xA2 | 0xA3 | 0xAC => sc.jis_form = true,
                    0x2225 | 0x2015 | 0xFFE0..=0xFFE2 => sc.cp932_form = true,
                    0x80..=0x9F => {
                        sc.control.get_or_insert(n);
                    }
                    _ if is_private_use(c) => {
                        sc.private_use.get_or_insert(n);
                    }
                    _ => {}
                }
                // Every kana character (and U+3000) is led by E3.
                i += c.len_utf8();
            }
            prev_space = space;
            if !kana && sc.non_kana.is_none() {
                sc.non_kana = Some(n);
            }
            n += 1;
        }
        sc
    }
}

/// The checks of the digit types, on the value after their rules (`digits`: the value is
/// known to be ASCII digits only).
fn digit_checks(domain: DomainType, w: &mut Work<'_>, digits: bool) {
    match domain {
        DomainType::IndividualNumber => {
            if fixed_digits(w, 12, "個人番号", digits)
                && checkdigit::check_individual_number(&w.value) == Err(CheckError::Mismatch)
            {
                w.find(
                    FindingKind::CheckDigitMismatch,
                    "個人番号: the check digit does not match (not corrected)",
                );
            }
        }
        DomainType::ResidentCode => {
            fixed_digits(w, 11, "住民票コード", digits);
        }
        DomainType::LgCode => {
            if fixed_digits(w, 6, "地方公共団体コード", digits)
                && checkdigit::check_lg_code(&w.value) == Err(CheckError::Mismatch)
            {
                w.find(
                    FindingKind::CheckDigitMismatch,
                    "地方公共団体コード: the check digit does not match (not corrected)",
                );
            }
        }
        _ => {
            not_digit(w, digits);
        }
    }
}

fn digit_prelude(w: &mut Work<'_>, opts: &RuleOptions) {
    w.apply(RuleId::SpaceTrim, text::trim);
    w.apply(RuleId::DigitsFullwidthToAscii, numeric::fullwidth_digits);
    if let Some(n) = opts.zero_pad_to {
        w.apply(RuleId::DigitsZeroPad, |s| numeric::zero_pad(s, n));
    }
}

/// Adds `char.not_digit` if a character is not an ASCII digit; true when all are digits.
fn not_digit(w: &mut Work<'_>, digits: bool) -> bool {
    if digits {
        return true;
    }
    // Every byte before the first that is not an ASCII digit is one character.
    match w.value.bytes().position(|b| !b.is_ascii_digit()) {
        Some(pos) => {
            w.find(
                FindingKind::NotDigit,
                format!(
                    "character {} (U+{:04X}) is not a digit",
                    pos + 1,
                    w.value
                        .get(pos..)
                        .and_then(|s| s.chars().next())
                        .map_or(0, u32::from)
                ),
            );
            false
        }
        None => true,
    }
}

/// Checks a fixed number of digits (an empty value passes); true when the value is
/// exactly `n` digits.
fn fixed_digits(w: &mut Work<'_>, n: usize, what: &'static str, digits: bool) -> bool {
    if w.value.is_empty() || !not_digit(w, digits) {
        return false;
    }
    if w.value.len() != n {
        w.find(
            FindingKind::DigitsLength,
            format!("{what} has {n} digits, this value has {}", w.value.len()),
        );
        return false;
    }
    true
}

fn date(w: &mut Work<'_>, opts: &RuleOptions) {
    if w.value.is_empty() {
        return;
    }
    if is_zero_date(&w.value) {
        w.apply(RuleId::DateBlankZero, |_| Some(String::new()));
        return;
    }
    let output = match opts.date_output {
        DateForm::Auto => DateForm::Iso,
        f => f,
    };
    if output == DateForm::Iso
        && matches!(opts.date_form, DateForm::Auto | DateForm::Iso)
        && wareki::is_iso_date(&w.value)
    {
        w.precision = Some(Precision::Day);
        return;
    }
    let parsed = match wareki::parse(&w.value, opts.date_form, opts.date_policy) {
        Ok(p) => p,
        Err(e) => {
            w.findings.push(Finding::new(e.kind, e.message));
            return;
        }
    };
    if let Some(re) = parsed.re_era_written() {
        w.apply(RuleId::DateReEra, |_| Some(re));
    }
    let rule = match output {
        DateForm::Iso | DateForm::Auto => RuleId::DateToIso,
        DateForm::Yyyymmdd => RuleId::DateToYyyymmdd,
        _ => RuleId::DateToWareki,
    };
    match wareki::format(parsed.date, output) {
        Ok(s) => {
            w.apply(rule, |_| Some(s));
        }
        Err(e) => {
            w.findings.push(Finding::new(e.kind, e.message));
            return;
        }
    }
    let p = parsed.date.precision();
    w.precision = Some(p);
    if p != Precision::Day {
        w.find(
            FindingKind::DatePartial,
            match p {
                Precision::Month => "day unknown (00): kept as year and month",
                _ => "month and day unknown (00): kept as the year only",
            },
        );
    }
}

#[cfg(test)]
mod japanpost;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod rules_mutants_tests;
#[cfg(test)]
mod tests;
