//! Character rules on numbers and codes: digits, codes, amounts, postal codes, phones.
//!
//! Each rule returns `None` when it would change nothing, without allocating. A byte scan
//! for the lead bytes of the characters a rule changes comes first, so a value without
//! them (all ASCII, most often) is never walked character by character.

/// Maps the characters `f` changes; `None` when it changes none. Every character `f`
/// changes begins with one of the bytes `leads`.
fn map_chars(s: &str, leads: &[u8], f: impl Fn(char) -> Option<char>) -> Option<String> {
    if !s.bytes().any(|b| leads.contains(&b)) || !s.chars().any(|c| f(c).is_some()) {
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
    map_chars(s, &[0xEF], fullwidth_digit)
}

/// `code.fullwidth_to_ascii`: full-width letters and digits become ASCII.
pub fn fullwidth_alnum_to_ascii(s: &str) -> Option<String> {
    map_chars(s, &[0xEF], fullwidth_alnum)
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
    // ＋ － ． ， lead with EF; − ‐ ‒ – ▲ △ with E2.
    map_chars(s, &[0xE2, 0xEF], |c| match c {
        '\u{FF0B}' => Some('+'),
        '\u{FF0D}' | '\u{2212}' | '\u{2010}' | '\u{2012}' | '\u{2013}' | '▲' | '△' => Some('-'),
        '\u{FF0E}' => Some('.'),
        '\u{FF0C}' => Some(','),
        _ => None,
    })
}

/// `amount.thousands`: removes the commas of an amount grouped by thousands: optional sign,
/// 1–3 digits, then one or more `,` + 3 digits, optional `.digits`. Any other comma (`12,34`,
/// `1,2345`, `,123`) is left for `amount.invalid`: nothing is guessed.
///
/// # Example
/// ```
/// use ikou_cleanse::rules::numeric::amount_thousands;
/// assert_eq!(amount_thousands("-1,234,567.5").as_deref(), Some("-1234567.5"));
/// assert_eq!(amount_thousands("12,34"), None);
/// assert_eq!(amount_thousands("1234"), None);
/// ```
pub fn amount_thousands(s: &str) -> Option<String> {
    if !s.as_bytes().contains(&b',') {
        return None;
    }
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |g: &str| g.bytes().all(|c| c.is_ascii_digit());
    let mut groups = int.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !digits(first) {
        return None;
    }
    for g in groups {
        if g.len() != 3 || !digits(g) {
            return None;
        }
    }
    if frac.is_some_and(|f| f.is_empty() || !digits(f)) {
        return None;
    }
    Some(s.replace(',', ""))
}

/// Whether `s` is an amount: optional sign, digits, optional `.digits`.
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
    // The characters dropped are `-`, ` `, or lead with E2 (dashes), E3 (〒, ー, U+3000) or
    // EF (－, ｰ).
    let maybe = |b: u8| matches!(b, b'-' | b' ' | 0xE2 | 0xE3 | 0xEF);
    if !s.bytes().any(maybe) || !s.chars().any(drop) {
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
    let is_sep =
        |c: char| is_dash(c) || matches!(c, ' ' | '\u{3000}' | '(' | ')' | '\u{FF08}' | '\u{FF09}');
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_rules_table() {
        assert_eq!(
            fullwidth_digits("０１２３４５６７８９").as_deref(),
            Some("0123456789")
        );
        assert_eq!(fullwidth_digits("Ａ"), None);
        assert_eq!(
            fullwidth_alnum_to_ascii("ＡＺａｚ０９").as_deref(),
            Some("AZaz09")
        );
        assert_eq!(zero_pad("12", 5).as_deref(), Some("00012"));
        assert_eq!(zero_pad("12345", 5), None);
        assert_eq!(zero_pad("123456", 5), None);
        assert_eq!(zero_pad("", 5), None);
        assert_eq!(zero_pad("1a", 5), None);
        assert_eq!(amount_to_ascii("▲１２").as_deref(), Some("-１２"));
        assert_eq!(amount_to_ascii("－1．5").as_deref(), Some("-1.5"));
        assert_eq!(amount_to_ascii("-1.5"), None);
        for ok in ["0", "-12", "+12", "12.50", "007"] {
            assert!(is_amount(ok), "{ok}");
        }
        for bad in ["", "-", "1.", ".5", "1,000", "1.2.3", "1e5", "--1"] {
            assert!(!is_amount(bad), "{bad}");
        }
        assert_eq!(
            postal_strip("〒１００－０００１").as_deref(),
            Some("１０００００１")
        );
        assert_eq!(postal_strip("100ー0001").as_deref(), Some("1000001"));
        assert_eq!(
            phone_separator("03 1234 5678").as_deref(),
            Some("03-1234-5678")
        );
        assert_eq!(phone_separator("-03--1234-").as_deref(), Some("03-1234"));
        assert_eq!(
            phone_separator("（０３）１２３４"),
            Some("０３-１２３４".into())
        );
        assert_eq!(phone_separator(""), None);
    }
}
