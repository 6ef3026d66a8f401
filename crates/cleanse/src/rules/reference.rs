//! The implementations of the rules as they were before the byte-level fast paths (a
//! verbatim copy, char by char): the reference the differential property tests in
//! `tests.rs` compare [`super::cleanse`] and each rule with.
#![allow(dead_code)]

use crate::change::{Edit, Finding, FindingKind, RuleId};
use crate::checkdigit::{self, CheckError};
use crate::mask::is_private_use;
use crate::wareki::{self, DatePolicy, Precision};
use ikou_layout_spec::{DateForm, DomainType, VariantPolicy};
use std::borrow::Cow;

use super::{Cleansed, RuleOptions};

/// The reference `wareki::parse` (tokenizer only, no fast path).
fn parse(
    input: &str,
    form: DateForm,
    policy: DatePolicy,
) -> Result<wareki::Parsed, wareki::DateError> {
    wareki::parse_reference(input, form, policy)
}

pub mod text {
    /// Whether `c` is a space for the space rules (U+0020 or U+3000).
    pub fn is_space(c: char) -> bool {
        c == ' ' || c == '\u{3000}'
    }

    /// `padding.trailing`: removes trailing U+0020 / U+3000.
    pub fn strip_padding(s: &str) -> Option<String> {
        let t = s.trim_end_matches(is_space);
        (t.len() != s.len()).then(|| t.to_owned())
    }

    /// `space.trim`: removes leading and trailing U+0020 / U+3000.
    pub fn trim(s: &str) -> Option<String> {
        let t = s.trim_matches(is_space);
        (t.len() != s.len()).then(|| t.to_owned())
    }

    /// `space.fold`: every run of U+0020 / U+3000 becomes one U+3000.
    pub fn fold_spaces(s: &str) -> Option<String> {
        let mut prev_space = false;
        let mut needed = false;
        for c in s.chars() {
            if c == ' ' || (c == '\u{3000}' && prev_space) {
                needed = true;
                break;
            }
            prev_space = is_space(c);
        }
        if !needed {
            return None;
        }
        let mut out = String::with_capacity(s.len() + 2);
        let mut prev_space = false;
        for c in s.chars() {
            if is_space(c) {
                if !prev_space {
                    out.push('\u{3000}');
                }
                prev_space = true;
            } else {
                out.push(c);
                prev_space = false;
            }
        }
        Some(out)
    }

    /// Full-width forms of U+FF61–U+FF9F (half-width katakana and punctuation).
    const HALF_KANA: [char; 63] = [
        '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ',
        'ー', 'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ',
        'ソ', 'タ', 'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ',
        'ホ', 'マ', 'ミ', 'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ',
        'ン', '゛', '゜',
    ];

    /// Full-width forms of the half-width forms U+FFE8–U+FFEE.
    const HALF_FORMS: [char; 7] = ['│', '←', '↑', '→', '↓', '■', '○'];

    fn needs_fullwidth(c: char) -> bool {
        matches!(c as u32, 0x20..=0x7E | 0xFF61..=0xFF9F | 0xFFE8..=0xFFEE | 0xA5)
    }

    /// The full-width form of one half-width character (voiced marks not composed).
    fn fullwidth_char(c: char) -> char {
        let u = c as u32;
        match u {
            0x20 => '\u{3000}',
            0x21..=0x7E => char::from_u32(u + 0xFEE0).unwrap_or(c),
            0xFF61..=0xFF9F => HALF_KANA.get((u - 0xFF61) as usize).copied().unwrap_or(c),
            0xFFE8..=0xFFEE => HALF_FORMS.get((u - 0xFFE8) as usize).copied().unwrap_or(c),
            0xA5 => '￥',
            _ => c,
        }
    }

    /// The composition of a full-width katakana with a voiced (ﾞ) or semi-voiced (ﾟ) mark.
    fn compose(base: char, mark: char) -> Option<char> {
        let u = base as u32;
        let voiced = mark == '\u{FF9E}';
        let composed = match (u, voiced) {
            // カ..ト (unvoiced members are the even code points up to ッ, odd after)
            (0x30AB..=0x30C2, true) if u % 2 == 1 => u + 1,
            (0x30C4 | 0x30C6 | 0x30C8, true) => u + 1,
            (0x30CF | 0x30D2 | 0x30D5 | 0x30D8 | 0x30DB, true) => u + 1,
            (0x30CF | 0x30D2 | 0x30D5 | 0x30D8 | 0x30DB, false) => u + 2,
            (0x30A6, true) => 0x30F4,
            (0x30EF, true) => 0x30F7,
            (0x30F2, true) => 0x30FA,
            _ => return None,
        };
        char::from_u32(composed)
    }

    /// `width.fullwidth`: every half-width character becomes its full-width form: ASCII
    /// letters, digits and symbols (U+0021–U+007E → U+FF01–U+FF5E), the space (→ U+3000),
    /// half-width katakana with voiced marks composed (ｶﾞ → ガ, ﾊﾟ → パ, ｳﾞ → ヴ, ﾜﾞ → ヷ,
    /// ｦﾞ → ヺ; a mark that cannot compose becomes ゛/゜), and the half-width forms
    /// U+FFE8–U+FFEE. Nothing else changes (control characters, ¥, full-width text, 外字).
    ///
    /// # Example
    /// ```
    /// use ikou_cleanse::rules::text::fullwidth;
    /// assert_eq!(fullwidth("ﾔﾏﾀﾞ ﾀﾛｳ").as_deref(), Some("ヤマダ　タロウ"));
    /// assert_eq!(fullwidth("ﾊﾟｳﾞﾜﾞA1-").as_deref(), Some("パヴヷＡ１－"));
    /// assert_eq!(fullwidth("山田　太郎"), None);
    /// ```
    pub fn fullwidth(s: &str) -> Option<String> {
        if !s.chars().any(needs_fullwidth) {
            return None;
        }
        let mut out = String::with_capacity(s.len() + s.len() / 2);
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            let full = fullwidth_char(c);
            if (0xFF66..=0xFF9D).contains(&(c as u32)) {
                if let Some(&mark) = chars.peek() {
                    if mark == '\u{FF9E}' || mark == '\u{FF9F}' {
                        if let Some(composed) = compose(full, mark) {
                            chars.next();
                            out.push(composed);
                            continue;
                        }
                    }
                }
            }
            out.push(full);
        }
        Some(out)
    }

    /// `kana.hiragana_to_katakana`: hiragana U+3041–U+3096 become katakana, ゝゞ become ヽヾ.
    ///
    /// # Example
    /// ```
    /// use ikou_cleanse::rules::text::hiragana_to_katakana;
    /// assert_eq!(hiragana_to_katakana("やまだ　たろう").as_deref(), Some("ヤマダ　タロウ"));
    /// assert_eq!(hiragana_to_katakana("ヤマダ"), None);
    /// ```
    pub fn hiragana_to_katakana(s: &str) -> Option<String> {
        let is_hira = |c: char| matches!(c as u32, 0x3041..=0x3096 | 0x309D | 0x309E);
        if !s.chars().any(is_hira) {
            return None;
        }
        Some(
            s.chars()
                .map(|c| {
                    if is_hira(c) {
                        char::from_u32(c as u32 + 0x60).unwrap_or(c)
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }

    /// Whether `c` may stand in a カナ value: katakana U+30A1–U+30FA (ヴ ヵ ヶ ヷ–ヺ included),
    /// ー, ヽ ヾ, the small katakana U+31F0–U+31FF, and U+3000. ・ (U+30FB) is not kana.
    /// `kana.voiced_mark`, char by char: a katakana and the voicing mark after it (゛ ゜
    /// U+3099 U+309A) become the voiced katakana where one exists.
    pub fn voiced_marks(s: &str) -> Option<String> {
        let mut out: Vec<char> = Vec::new();
        let mut changed = false;
        for c in s.chars() {
            let mark = match c {
                '゛' | '\u{3099}' => Some('\u{FF9E}'),
                '゜' | '\u{309A}' => Some('\u{FF9F}'),
                _ => None,
            };
            if let (Some(m), Some(&p)) = (mark, out.last()) {
                if let Some(v) = compose(p, m) {
                    out.pop();
                    out.push(v);
                    changed = true;
                    continue;
                }
            }
            out.push(c);
        }
        changed.then(|| out.into_iter().collect())
    }

    /// ・ ＝ ゠, allowed in カナ with `kana_separators`.
    pub fn is_kana_separator(c: char) -> bool {
        matches!(c, '・' | '＝' | '゠')
    }

    pub fn is_kana_char(c: char) -> bool {
        matches!(c as u32, 0x30A1..=0x30FA | 0x30FC..=0x30FE | 0x31F0..=0x31FF | 0x3000)
    }

    /// Whether `c` is a CJK ideograph (unified, extensions, compatibility) or an ideographic
    /// variation selector: the characters `kanji_name` never touches.
    pub fn is_ideograph_or_ivs(c: char) -> bool {
        matches!(c as u32,
        0x3005 | 0x3007 | 0x303B
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x3FFFF
        | 0xFE00..=0xFE0F
        | 0xE0100..=0xE01EF)
    }
}

pub mod numeric {
    /// Maps the characters `f` changes; `None` when it changes none.
    fn map_chars(s: &str, f: impl Fn(char) -> Option<char>) -> Option<String> {
        if s.is_ascii() || !s.chars().any(|c| f(c).is_some()) {
            return None;
        }
        Some(s.chars().map(|c| f(c).unwrap_or(c)).collect())
    }

    fn fullwidth_digit(c: char) -> Option<char> {
        match c as u32 {
            u @ 0xFF10..=0xFF19 => char::from_u32(u - 0xFEE0),
            _ => None,
        }
    }

    fn fullwidth_alnum(c: char) -> Option<char> {
        match c as u32 {
            u @ (0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A) => char::from_u32(u - 0xFEE0),
            _ => None,
        }
    }

    /// Whether `c` is a dash that a postal code or phone number uses as a hyphen: `-`, the
    /// full-width and minus forms, the Unicode hyphens and dashes, ー and ｰ, ─.
    pub fn is_dash(c: char) -> bool {
        matches!(
            c,
            '-' | '\u{FF0D}'
                | '\u{2212}'
                | '\u{2010}'
                | '\u{2011}'
                | '\u{2012}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{2015}'
                | '\u{30FC}'
                | '\u{FF70}'
                | '\u{2500}'
        )
    }

    /// `digits.fullwidth_to_ascii`: ０–９ become 0–9.
    ///
    /// # Example
    /// ```
    /// use ikou_cleanse::rules::numeric::fullwidth_digits;
    /// assert_eq!(fullwidth_digits("１２３-4").as_deref(), Some("123-4"));
    /// assert_eq!(fullwidth_digits("1234"), None);
    /// ```
    pub fn fullwidth_digits(s: &str) -> Option<String> {
        map_chars(s, fullwidth_digit)
    }

    /// `code.fullwidth_to_ascii`: full-width letters and digits become ASCII.
    pub fn fullwidth_alnum_to_ascii(s: &str) -> Option<String> {
        map_chars(s, fullwidth_alnum)
    }

    /// `digits.zero_pad`: a non-empty all-ASCII-digit value shorter than `width` gets leading
    /// zeros. Anything else is left alone.
    pub fn zero_pad(s: &str, width: usize) -> Option<String> {
        if s.is_empty() || s.len() >= width || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut out = "0".repeat(width - s.len());
        out.push_str(s);
        Some(out)
    }

    /// `amount.to_ascii`: the sign and decimal characters of an amount become ASCII: ＋ → `+`;
    /// －, −, ‐, ‒, – and the Japanese negative marks ▲ △ → `-`; ．→ `.`; ，→ `,`.
    pub fn amount_to_ascii(s: &str) -> Option<String> {
        map_chars(s, |c| match c {
            '\u{FF0B}' => Some('+'),
            '\u{FF0D}' | '\u{2212}' | '\u{2010}' | '\u{2012}' | '\u{2013}' | '▲' | '△' => {
                Some('-')
            }
            '\u{FF0E}' => Some('.'),
            '\u{FF0C}' => Some(','),
            _ => None,
        })
    }

    /// Whether `s` is an amount: optional sign, digits, optional `.digits`.
    /// `amount.thousands`, by a scan from the right: commas every three digits of the
    /// integer part, a first group of 1–3 digits, nothing else.
    pub fn amount_thousands(s: &str) -> Option<String> {
        let chars: Vec<char> = s.chars().collect();
        let start = usize::from(matches!(chars.first(), Some('+' | '-')));
        let end = chars.iter().position(|&c| c == '.').unwrap_or(chars.len());
        let int = chars.get(start..end)?;
        if !int.contains(&',') {
            return None;
        }
        let frac = chars.get(end..).unwrap_or(&[]);
        if let Some((dot, rest)) = frac.split_first() {
            if *dot != '.' || rest.is_empty() || !rest.iter().all(char::is_ascii_digit) {
                return None;
            }
        }
        // From the right: ddd,ddd,…,d(dd)
        let mut run = 0;
        for (k, c) in int.iter().rev().enumerate() {
            match c {
                '0'..='9' => run += 1,
                ',' if run == 3 && k + 1 < int.len() => run = 0,
                _ => return None,
            }
        }
        if run == 0 || run > 3 {
            return None;
        }
        Some(chars.iter().filter(|&&c| c != ',').collect())
    }

    pub fn is_amount(s: &str) -> bool {
        let b = s.strip_prefix(['+', '-']).unwrap_or(s);
        let (int, frac) = match b.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (b, None),
        };
        !int.is_empty()
            && int.bytes().all(|c| c.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()))
    }

    /// `postal.strip`: removes 〒, dashes (see [`is_dash`]) and spaces.
    ///
    /// # Example
    /// ```
    /// use ikou_cleanse::rules::numeric::postal_strip;
    /// assert_eq!(postal_strip("〒100-0001").as_deref(), Some("1000001"));
    /// assert_eq!(postal_strip("1000001"), None);
    /// ```
    pub fn postal_strip(s: &str) -> Option<String> {
        let drop = |c: char| c == '〒' || is_dash(c) || c == ' ' || c == '\u{3000}';
        if !s.chars().any(drop) {
            return None;
        }
        Some(s.chars().filter(|&c| !drop(c)).collect())
    }

    /// `phone.separator`: dashes (see [`is_dash`]), spaces and parentheses (half- and
    /// full-width) become `-`; runs of separators become one, and separators at either end go.
    ///
    /// # Example
    /// ```
    /// use ikou_cleanse::rules::numeric::phone_separator;
    /// assert_eq!(phone_separator("(03)1234ー5678").as_deref(), Some("03-1234-5678"));
    /// assert_eq!(phone_separator("03(1234)5678").as_deref(), Some("03-1234-5678"));
    /// assert_eq!(phone_separator("03-1234-5678"), None);
    /// ```
    pub fn phone_separator(s: &str) -> Option<String> {
        let is_sep = |c: char| {
            is_dash(c) || matches!(c, ' ' | '\u{3000}' | '(' | ')' | '\u{FF08}' | '\u{FF09}')
        };
        let mut out = String::with_capacity(s.len());
        let mut pending = false;
        for c in s.chars() {
            if is_sep(c) {
                pending = !out.is_empty();
            } else {
                if pending {
                    out.push('-');
                    pending = false;
                }
                out.push(c);
            }
        }
        (out != s).then_some(out)
    }
}

pub mod variants {
    use ikou_layout_spec::VariantPolicy;
    /// The disagreement pairs: `(JIS form, CP932 form)`.
    pub const PAIRS: [(char, char); 7] = [
        ('\u{301C}', '\u{FF5E}'),
        ('\u{2016}', '\u{2225}'),
        ('\u{2212}', '\u{FF0D}'),
        ('\u{2014}', '\u{2015}'),
        ('\u{00A2}', '\u{FFE0}'),
        ('\u{00A3}', '\u{FFE1}'),
        ('\u{00AC}', '\u{FFE2}'),
    ];

    /// The form `c` takes under `policy`, if it changes.
    pub fn target_of(c: char, policy: VariantPolicy) -> Option<char> {
        match policy {
            VariantPolicy::Keep => None,
            VariantPolicy::Cp932 => PAIRS.iter().find(|p| p.0 == c).map(|p| p.1),
            VariantPolicy::Jis => PAIRS.iter().find(|p| p.1 == c).map(|p| p.0),
        }
    }

    /// Rewrites every variant character of `s` to the `policy`'s form. `None` when nothing
    /// changes (no allocation).
    pub fn unify(s: &str, policy: VariantPolicy) -> Option<String> {
        if policy == VariantPolicy::Keep {
            return None;
        }
        // All variant characters are outside ASCII: pure ASCII values return at once.
        if s.is_ascii() || !s.chars().any(|c| target_of(c, policy).is_some()) {
            return None;
        }
        Some(
            s.chars()
                .map(|c| target_of(c, policy).unwrap_or(c))
                .collect(),
        )
    }
}

/// The value under cleansing and the edits so far.
struct Work<'a> {
    value: Cow<'a, str>,
    edits: Vec<Edit>,
    findings: Vec<Finding>,
    precision: Option<Precision>,
}

impl<'a> Work<'a> {
    fn apply(&mut self, rule: RuleId, f: impl FnOnce(&str) -> Option<String>) {
        if let Some(new) = f(&self.value) {
            if new != *self.value {
                let after = new.clone();
                let before = std::mem::replace(&mut self.value, Cow::Owned(new));
                self.edits.push(Edit {
                    rule,
                    before: before.into_owned(),
                    after,
                });
            }
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
        let p = parse(input, opts.date_form, opts.date_policy).ok()?;
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
        RuleId::DateReEra => parse(input, opts.date_form, DatePolicy::Lenient)
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
pub(super) fn is_zero_date(s: &str) -> bool {
    let mut zero = false;
    for c in s.chars() {
        match c {
            '0' | '０' => zero = true,
            '.' | '/' | '-' | '．' | '／' | '－' => {}
            _ => return false,
        }
    }
    zero
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
    };
    if matches!(domain, DomainType::Filler | DomainType::RecordType) {
        return w.done();
    }
    if opts.strip_padding {
        w.apply(RuleId::PaddingTrailing, text::strip_padding);
    }
    match domain {
        DomainType::Filler | DomainType::RecordType => {}
        DomainType::Text => {
            w.apply(RuleId::SpaceTrim, text::trim);
            variant(&mut w, opts);
            control_flag(&mut w, true);
        }
        DomainType::Fullwidth => {
            w.apply(RuleId::WidthFullwidth, text::fullwidth);
            variant(&mut w, opts);
            control_flag(&mut w, false);
            gaiji_flag(&mut w);
        }
        DomainType::Kana => {
            w.apply(RuleId::WidthFullwidth, text::fullwidth);
            w.apply(RuleId::KanaHiraganaToKatakana, text::hiragana_to_katakana);
            w.apply(RuleId::KanaVoicedMark, text::voiced_marks);
            w.apply(RuleId::SpaceFold, text::fold_spaces);
            w.apply(RuleId::SpaceTrim, text::trim);
            control_flag(&mut w, false);
            let sep = opts.kana_separators;
            if let Some(pos) = w
                .value
                .chars()
                .position(|c| !(text::is_kana_char(c) || (sep && text::is_kana_separator(c))))
            {
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
        DomainType::KanjiName => {
            w.apply(RuleId::WidthFullwidth, text::fullwidth);
            w.apply(RuleId::SpaceFold, text::fold_spaces);
            w.apply(RuleId::SpaceTrim, text::trim);
            variant(&mut w, opts);
            control_flag(&mut w, false);
            gaiji_flag(&mut w);
        }
        DomainType::Address => {
            w.apply(RuleId::WidthFullwidth, text::fullwidth);
            w.apply(RuleId::SpaceTrim, text::trim);
            variant(&mut w, opts);
            control_flag(&mut w, false);
            gaiji_flag(&mut w);
        }
        DomainType::Digits => {
            digit_prelude(&mut w, opts);
            not_digit(&mut w);
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
            if let Some(pos) = w.value.chars().position(|c| !c.is_ascii_alphanumeric()) {
                w.find(
                    FindingKind::NotCode,
                    format!(
                        "character {} (U+{:04X}) is not an ASCII letter or digit",
                        pos + 1,
                        w.value.chars().nth(pos).map_or(0, u32::from)
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
            fixed_digits(&mut w, 7, "郵便番号");
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
        DomainType::IndividualNumber => {
            digit_prelude(&mut w, opts);
            if fixed_digits(&mut w, 12, "個人番号")
                && checkdigit::check_individual_number(&w.value) == Err(CheckError::Mismatch)
            {
                w.find(
                    FindingKind::CheckDigitMismatch,
                    "個人番号: the check digit does not match (not corrected)",
                );
            }
        }
        DomainType::ResidentCode => {
            digit_prelude(&mut w, opts);
            fixed_digits(&mut w, 11, "住民票コード");
        }
        DomainType::LgCode => {
            digit_prelude(&mut w, opts);
            if fixed_digits(&mut w, 6, "地方公共団体コード")
                && checkdigit::check_lg_code(&w.value) == Err(CheckError::Mismatch)
            {
                w.find(
                    FindingKind::CheckDigitMismatch,
                    "地方公共団体コード: the check digit does not match (not corrected)",
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

fn variant(w: &mut Work<'_>, opts: &RuleOptions) {
    match opts.variant_policy {
        VariantPolicy::Keep => {}
        VariantPolicy::Cp932 => w.apply(RuleId::VariantCp932, |s| {
            variants::unify(s, VariantPolicy::Cp932)
        }),
        VariantPolicy::Jis => w.apply(RuleId::VariantJis, |s| {
            variants::unify(s, VariantPolicy::Jis)
        }),
    }
}

/// `char.control`: the first C0, DEL or C1 character (with `lines`, TAB LF CR allowed), by
/// its position and code point.
fn control_flag(w: &mut Work<'_>, lines: bool) {
    let found = w.value.chars().enumerate().find(|&(_, c)| {
        matches!(c as u32, 0x00..=0x1F | 0x7F..=0x9F) && !(lines && matches!(c, '\t' | '\n' | '\r'))
    });
    if let Some((pos, c)) = found {
        w.find(
            FindingKind::Control,
            format!(
                "character {} is a control character (U+{:04X}): not removed, correct it at the source",
                pos + 1,
                c as u32
            ),
        );
    }
}

fn gaiji_flag(w: &mut Work<'_>) {
    if w.value.is_ascii() {
        return;
    }
    if let Some(pos) = w.value.chars().position(is_private_use) {
        w.find(
            FindingKind::GaijiPrivateUse,
            format!(
                "character {} is a private-use character (外字): kept, to be identified",
                pos + 1
            ),
        );
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
fn not_digit(w: &mut Work<'_>) -> bool {
    match w.value.chars().position(|c| !c.is_ascii_digit()) {
        Some(pos) => {
            w.find(
                FindingKind::NotDigit,
                format!(
                    "character {} (U+{:04X}) is not a digit",
                    pos + 1,
                    w.value.chars().nth(pos).map_or(0, u32::from)
                ),
            );
            false
        }
        None => true,
    }
}

/// Checks a fixed number of digits (an empty value passes); true when the value is
/// exactly `n` digits.
fn fixed_digits(w: &mut Work<'_>, n: usize, what: &'static str) -> bool {
    if w.value.is_empty() || !not_digit(w) {
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
    let parsed = match parse(&w.value, opts.date_form, opts.date_policy) {
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
        Ok(s) => w.apply(rule, |_| Some(s)),
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
