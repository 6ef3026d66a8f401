//! Character rules on text: width, kana, spaces, padding.
//!
//! Each rule returns `None` when it would change nothing, without allocating. Whether a
//! rule fires is decided on the UTF-8 bytes (a lead byte says which block a character is
//! in: ASCII < 0x80, U+3000 is `E3 80 80`, hiragana `E3 81 81`–`E3 82 96`, half-width
//! katakana `EF BD A1`–`EF BE 9F`), so a value the rule leaves alone costs one byte scan.

/// U+3000 IDEOGRAPHIC SPACE in UTF-8.
const IDEO_SPACE: [u8; 3] = [0xE3, 0x80, 0x80];

/// Four U+3000 in UTF-8 (a run of padding).
const IDEO_SPACES_4: [u8; 12] = [
    0xE3, 0x80, 0x80, 0xE3, 0x80, 0x80, 0xE3, 0x80, 0x80, 0xE3, 0x80, 0x80,
];

/// Whether `c` is a space for the space rules (U+0020 or U+3000).
pub fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{3000}'
}

/// The byte length of `b` without its trailing spaces (U+0020, U+3000).
fn end_without_spaces(b: &[u8]) -> usize {
    let mut end = b.len();
    loop {
        // Padding comes in runs: eight ASCII spaces, or four U+3000, compared at once.
        if end >= 8 && b.get(end - 8..end) == Some(&[b' '; 8][..]) {
            end -= 8;
            continue;
        }
        if end >= 12 && b.get(end - 12..end) == Some(&IDEO_SPACES_4[..]) {
            end -= 12;
            continue;
        }
        match b.get(..end) {
            Some([.., b' ']) => end -= 1,
            // E3 is a lead byte: these three bytes are one character, U+3000.
            Some([.., 0xE3, 0x80, 0x80]) => end -= 3,
            _ => return end,
        }
    }
}

/// The byte offset of the first character of `b` that is not a space.
fn start_without_spaces(b: &[u8]) -> usize {
    let mut start = 0;
    loop {
        match b.get(start..) {
            Some([b' ', ..]) => start += 1,
            Some([0xE3, 0x80, 0x80, ..]) => start += 3,
            _ => return start,
        }
    }
}

/// `s` without its trailing U+0020 / U+3000 (fixed-length padding), borrowed.
///
/// # Example
/// ```
/// use ikou_cleanse::rules::text::trim_padding;
/// assert_eq!(trim_padding("山田　太郎　　 "), "山田　太郎");
/// ```
pub fn trim_padding(s: &str) -> &str {
    s.get(..end_without_spaces(s.as_bytes())).unwrap_or(s)
}

/// `padding.trailing`: removes trailing U+0020 / U+3000.
pub fn strip_padding(s: &str) -> Option<String> {
    let t = trim_padding(s);
    (t.len() != s.len()).then(|| t.to_owned())
}

/// `space.trim`: removes leading and trailing U+0020 / U+3000.
pub fn trim(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let end = end_without_spaces(b);
    let start = b.get(..end).map_or(0, start_without_spaces);
    if start == 0 && end == b.len() {
        return None;
    }
    s.get(start..end).map(str::to_owned)
}

/// Whether `space.fold` changes `s`: it holds U+0020, or two spaces in a row.
fn needs_fold(b: &[u8]) -> bool {
    let mut prev_space = false;
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        if x == b' ' {
            return true;
        }
        if x == 0xE3 && b.get(i + 1..i + 3) == Some(&IDEO_SPACE[1..]) {
            if prev_space {
                return true;
            }
            prev_space = true;
            i += 3;
        } else {
            // Any other byte: a character that is not a space (or part of one).
            prev_space = false;
            i += 1;
        }
    }
    false
}

/// `space.fold`: every run of U+0020 / U+3000 becomes one U+3000.
pub fn fold_spaces(s: &str) -> Option<String> {
    if !needs_fold(s.as_bytes()) {
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
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー',
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン', '゛', '゜',
];

/// Full-width forms of the half-width forms U+FFE8–U+FFEE.
const HALF_FORMS: [char; 7] = ['│', '←', '↑', '→', '↓', '■', '○'];

/// Whether `width.fullwidth` changes `s`: it holds a character of U+0020–U+007E,
/// U+FF61–U+FF9F (`EF BD A1`–`EF BE 9F`) or U+FFE8–U+FFEE (`EF BF A8`–`EF BF AE`).
fn needs_fullwidth(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        match x {
            0x20..=0x7E => return true,
            // ¥ U+00A5 is C2 A5.
            0xC2 if b.get(i + 1) == Some(&0xA5) => return true,
            0xEF => {
                if matches!(
                    b.get(i + 1..i + 3),
                    Some([0xBD, 0xA1..=0xBF] | [0xBE, 0x80..=0x9F] | [0xBF, 0xA8..=0xAE])
                ) {
                    return true;
                }
                i += 3;
            }
            _ => i += 1,
        }
    }
    false
}

/// The full-width form of one half-width character (voiced marks not composed).
fn fullwidth_char(c: char) -> char {
    let u = c as u32;
    match u {
        0x20 => '\u{3000}',
        0x21..=0x7E => char::from_u32(u + 0xFEE0).unwrap_or(c),
        0xFF61..=0xFF9F => HALF_KANA.get((u - 0xFF61) as usize).copied().unwrap_or(c),
        0xFFE8..=0xFFEE => HALF_FORMS.get((u - 0xFFE8) as usize).copied().unwrap_or(c),
        0xA5 => '\u{FFE5}',
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
/// U+FFE8–U+FFEE, and ¥ (U+00A5) → ￥ (U+FFE5). Nothing else changes (control characters,
/// full-width text, 外字; a backslash U+005C, which CP932 0x5C decodes to, becomes ＼).
///
/// # Example
/// ```
/// use ikou_cleanse::rules::text::fullwidth;
/// assert_eq!(fullwidth("ﾔﾏﾀﾞ ﾀﾛｳ").as_deref(), Some("ヤマダ　タロウ"));
/// assert_eq!(fullwidth("ﾊﾟｳﾞﾜﾞA1-").as_deref(), Some("パヴヷＡ１－"));
/// assert_eq!(fullwidth("山田　太郎"), None);
/// ```
pub fn fullwidth(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if !needs_fullwidth(b) {
        return None;
    }
    // The output's size at most (issue #18: a 6 MiB field of ASCII becomes 18 MiB, which a
    // guess of 1.5× the input reached by doubling, 9 then 18 MiB, the two held at once while
    // copying): an ASCII byte U+0020–U+007E grows by 2 bytes, ¥ (C2 A5) by 1 (every A5 byte
    // counted, a slight over-estimate), everything else keeps or shrinks its size.
    let growth: usize = b
        .iter()
        .map(|&x| match x {
            0x20..=0x7E => 2,
            0xA5 => 1,
            _ => 0,
        })
        .sum();
    let mut out = String::with_capacity(s.len() + growth);
    // Characters that do not change are copied in runs: `b[copied..i]`.
    let mut copied = 0;
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        let (full, half) = match (x, b.get(i + 1..i + 3)) {
            (0x20, _) => ('\u{3000}', 0x20),
            (0x21..=0x7E, _) => (fullwidth_char(char::from(x)), u32::from(x)),
            (0xC2, _) if b.get(i + 1) == Some(&0xA5) => ('\u{FFE5}', 0xA5),
            (0xEF, Some(&[b1 @ 0xBD..=0xBF, b2])) => {
                let u = 0xF000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
                match u {
                    0xFF61..=0xFF9F | 0xFFE8..=0xFFEE => {
                        (fullwidth_char(char::from_u32(u).unwrap_or('\u{FFFD}')), u)
                    }
                    _ => {
                        i += 3;
                        continue;
                    }
                }
            }
            // Any other byte: part of a character that does not change.
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(s.get(copied..i).unwrap_or_default());
        let len = match half {
            0..=0x7F => 1,
            0x80..=0x7FF => 2,
            _ => 3,
        };
        i += len;
        // A katakana followed by ﾞ (EF BE 9E) or ﾟ (EF BE 9F) that composes with it.
        if (0xFF66..=0xFF9D).contains(&half) {
            if let Some(&[0xEF, 0xBE, m @ (0x9E | 0x9F)]) = b.get(i..i + 3) {
                let mark = if m == 0x9E { '\u{FF9E}' } else { '\u{FF9F}' };
                if let Some(composed) = compose(full, mark) {
                    out.push(composed);
                    i += 3;
                    copied = i;
                    continue;
                }
            }
        }
        out.push(full);
        copied = i;
    }
    out.push_str(s.get(copied..).unwrap_or_default());
    Some(out)
}

/// The half-width mark (ﾞ U+FF9E, ﾟ U+FF9F) that stands for a voicing mark: ゛ U+309B or
/// the combining U+3099 for ﾞ, ゜ U+309C or U+309A for ﾟ.
fn voicing_mark(c: char) -> Option<char> {
    match c {
        '\u{309B}' | '\u{3099}' => Some('\u{FF9E}'),
        '\u{309C}' | '\u{309A}' => Some('\u{FF9F}'),
        _ => None,
    }
}

/// `kana.voiced_mark`: a full-width katakana followed by a separate voicing mark (゛ ゜ or
/// the combining U+3099 U+309A) becomes the voiced katakana, as `width.fullwidth` composes
/// half-width ones: ウ゛ → ヴ, カ゛ → ガ, ホ゜ → ポ, ワ゛ → ヷ. A mark that composes with
/// nothing stays (and a カナ value with it is `char.not_kana`).
///
/// # Example
/// ```
/// use ikou_cleanse::rules::text::voiced_marks;
/// assert_eq!(voiced_marks("ウ゛ィクトリア").as_deref(), Some("ヴィクトリア"));
/// assert_eq!(voiced_marks("ホ゜ール").as_deref(), Some("ポール"));
/// assert_eq!(voiced_marks("ア゛"), None);
/// ```
pub fn voiced_marks(s: &str) -> Option<String> {
    // The marks are E3 82 99–9C; E3 always leads, so the three bytes are the character.
    if !s
        .as_bytes()
        .windows(3)
        .any(|w| matches!(w, [0xE3, 0x82, 0x99..=0x9C]))
    {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    for c in s.chars() {
        let composed =
            voicing_mark(c).and_then(|m| out.chars().next_back().and_then(|p| compose(p, m)));
        match composed {
            Some(v) => {
                out.pop();
                out.push(v);
                changed = true;
            }
            None => out.push(c),
        }
    }
    changed.then_some(out)
}

/// Whether `c` separates the parts of a name in a カナ value when the option
/// [`RuleOptions::kana_separators`](super::RuleOptions::kana_separators) allows it: ・ (U+30FB),
/// ＝ (U+FF1D) and ゠ (U+30A0), as foreign residents' names are written.
pub fn is_kana_separator(c: char) -> bool {
    matches!(c, '\u{30FB}' | '\u{FF1D}' | '\u{30A0}')
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
    if !has_hiragana(s.as_bytes()) {
        return None;
    }
    let is_hira = |c: char| matches!(c as u32, 0x3041..=0x3096 | 0x309D | 0x309E);
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

/// Whether `b` holds U+3041–U+3096 (`E3 81 81`–`E3 82 96`), ゝ or ゞ (`E3 82 9D`/`9E`).
fn has_hiragana(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        if x == 0xE3 {
            if matches!(
                b.get(i + 1..i + 3),
                Some([0x81, 0x81..=0xBF] | [0x82, 0x80..=0x96 | 0x9D | 0x9E])
            ) {
                return true;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    false
}

/// Whether `c` is a control character for `char.control`: C0 (U+0000–U+001F), DEL
/// (U+007F) or C1 (U+0080–U+009F).
pub fn is_control(c: char) -> bool {
    matches!(c as u32, 0x00..=0x1F | 0x7F..=0x9F)
}

/// The character position of the first control character of `s` ([`is_control`]; with
/// `lines`, TAB, LF and CR are not counted: free `text` may hold them), decided on the bytes
/// (C1 characters are `C2 80`–`C2 9F` in UTF-8); the position is counted only when there
/// is one.
pub fn control_position(s: &str, lines: bool) -> Option<usize> {
    let b = s.as_bytes();
    let at = b.iter().enumerate().position(|(i, &x)| {
        (x < 0x20 && !(lines && matches!(x, b'\t' | b'\n' | b'\r')))
            || x == 0x7F
            || (x == 0xC2 && matches!(b.get(i + 1), Some(0x80..=0x9F)))
    })?;
    s.get(..at).map(|t| t.chars().count())
}

/// Whether `c` may stand in a カナ value: katakana U+30A1–U+30FA (ヴ ヵ ヶ ヷ–ヺ included),
/// ー, ヽ ヾ, the small katakana U+31F0–U+31FF, and U+3000. ・ (U+30FB) is not kana.
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

#[cfg(test)]
mod tests {
    /// #18 (bounds): the full-width output is allocated once at its size: no doubling of a
    /// guess (a field of ASCII), no half again as much as needed (a field of kanji with one
    /// ASCII letter, which a guess of 1.5× the input over-allocated by 50 %).
    #[test]
    fn issue18_bounds_fullwidth_allocates_its_output_once() {
        for (input, want) in [
            ("x".repeat(1 << 16), 3 << 16),
            (format!("{}a", "山".repeat(1 << 16)), (3 << 16) + 3),
            ("ｶﾞ¥".repeat(1000), 8000),
        ] {
            let out = super::fullwidth(&input).unwrap();
            assert!(out.len() <= want, "{} > {want}", out.len());
            // Capacity: the computed bound (≥ len), never a doubled or 1.5× guess.
            assert!(
                out.capacity() <= want + 2 * 1000,
                "capacity {} for {} bytes",
                out.capacity(),
                out.len()
            );
            if input.is_ascii() || input.starts_with('山') {
                assert_eq!(out.capacity(), want, "{}", &input[..3]);
            }
        }
    }

    use super::*;

    #[test]
    fn fullwidth_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("ｶﾞｷﾞｸﾞｹﾞｺﾞ", Some("ガギグゲゴ")),
            ("ｻﾞｼﾞｽﾞｾﾞｿﾞ", Some("ザジズゼゾ")),
            ("ﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞ", Some("ダヂヅデド")),
            ("ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ", Some("バビブベボ")),
            ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", Some("パピプペポ")),
            ("ｳﾞﾜﾞｦﾞ", Some("ヴヷヺ")),
            ("ｱﾞﾝﾟｶﾟ", Some("ア゛ン゜カ゜")),
            ("ﾞﾟ", Some("゛゜")),
            ("ｧｨｩｪｫｬｭｮｯｰ", Some("ァィゥェォャュョッー")),
            ("｡｢｣､･", Some("。「」、・")),
            ("ﾔﾏﾀﾞ ﾀﾛｳ", Some("ヤマダ　タロウ")),
            ("ABC xyz 019", Some("ＡＢＣ　ｘｙｚ　０１９")),
            (
                "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
                Some("！＂＃＄％＆＇（）＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～"),
            ),
            ("￨￩￪￫￬￭￮", Some("│←↑→↓■○")),
            ("ガ", None),
            ("山田　太郎", None),
            ("", None),
            ("\t", None),
            ("¥", Some("￥")),
            ("¥1,000", Some("￥１，０００")),
            ("\\", Some("＼")),
            ("カﾞ", Some("カ゛")),
            ("\u{E000}ｱ", Some("\u{E000}ア")),
        ];
        for (input, want) in cases {
            assert_eq!(fullwidth(input).as_deref(), *want, "{input}");
        }
    }

    #[test]
    fn every_halfwidth_katakana_with_every_mark() {
        // Compare against the composed forms Unicode defines (canonical composition with
        // U+3099/U+309A), worked out from the decomposition table by hand for katakana.
        for u in 0xFF66..=0xFF9Du32 {
            let c = char::from_u32(u).unwrap();
            let base = fullwidth_char(c);
            for (mark, comb) in [('\u{FF9E}', 0x3099u32), ('\u{FF9F}', 0x309A)] {
                let s: String = [c, mark].iter().collect();
                let out = fullwidth(&s).unwrap();
                let n = out.chars().count();
                let expected_composable = match comb {
                    0x3099 => "カキクケコサシスセソタチツテトハヒフヘホウワヲ".contains(base),
                    _ => "ハヒフヘホ".contains(base),
                };
                if expected_composable {
                    assert_eq!(n, 1, "{s} → {out}");
                } else {
                    assert_eq!(n, 2, "{s} → {out}");
                }
            }
        }
    }

    #[test]
    fn space_rules() {
        assert_eq!(
            fold_spaces("ヤマダ  　タロウ").as_deref(),
            Some("ヤマダ　タロウ")
        );
        assert_eq!(
            fold_spaces("ヤマダ タロウ").as_deref(),
            Some("ヤマダ　タロウ")
        );
        assert_eq!(fold_spaces("ヤマダ　タロウ"), None);
        assert_eq!(fold_spaces("　ヤマダ"), None);
        assert_eq!(trim("　ヤマダ "), Some("ヤマダ".into()));
        assert_eq!(trim("ヤマダ"), None);
        assert_eq!(trim(" \u{3000} "), Some(String::new()));
        assert_eq!(strip_padding("12  　"), Some("12".into()));
        assert_eq!(strip_padding(" 12"), None);
        assert_eq!(strip_padding("12\t"), None);
    }

    #[test]
    fn hiragana() {
        assert_eq!(
            hiragana_to_katakana("ぁゔゕゖゝゞー").as_deref(),
            Some("ァヴヵヶヽヾー")
        );
        assert_eq!(hiragana_to_katakana("ゟ"), None);
    }
}
