//! Masking personal values for logs, errors and reports.
//!
//! A masked value keeps its shape — its length, its spaces and punctuation, the width of
//! each character and any 外字 (private-use) character — so a reader can recognise what a
//! rule did (half-width → full-width, a dash variant unified) without seeing the resident's
//! name, number or address.

/// Masks one value: letters, digits, kana and ideographs become `*` (half-width) or `＊`
/// (full-width); spaces, punctuation, symbols and private-use (外字) characters stay.
///
/// # Example
/// ```
/// use ikou_cleanse::mask::mask;
/// assert_eq!(mask("山田　太郎"), "＊＊　＊＊");
/// assert_eq!(mask("ﾔﾏﾀﾞ ﾀﾛｳ"), "***ﾞ ***");
/// assert_eq!(mask("123-4567"), "***-****");
/// assert_eq!(mask("1丁目2〜3"), "*＊＊*〜*");
/// ```
pub fn mask(value: &str) -> String {
    value.chars().map(mask_char).collect()
}

fn mask_char(c: char) -> char {
    let u = c as u32;
    if (0xFF9E..=0xFF9F).contains(&u) {
        // Half-width voiced marks ﾞ ﾟ stay: they show a width change without the name.
        c
    } else if c.is_ascii_alphanumeric() || (0xFF66..=0xFF9D).contains(&u) {
        // ASCII letters and digits, half-width katakana (not the voiced marks ﾞ ﾟ).
        '*'
    } else if is_private_use(c) || c.is_whitespace() || !c.is_alphanumeric() && !is_kana(c) {
        c
    } else if is_halfwidth(c) {
        '*'
    } else {
        '＊'
    }
}

fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3041..=0x30FF | 0x31F0..=0x31FF)
}

fn is_halfwidth(c: char) -> bool {
    (c as u32) < 0x1100 || matches!(c as u32, 0xFF61..=0xFF9F)
}

/// Whether `c` is in a Unicode private-use area (where CP932 外字 decode to).
pub fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// The bytes of an item as hex (`41 42`), for `ikou inspect`: with `show`, every byte;
/// without, a byte that could tell a value is `**`, while half-width spaces, the cp932
/// full-width space (81 40) and the bytes of a decode issue (the 外字 and bad bytes a reader
/// is looking for) stay.
///
/// # Example
/// ```
/// use ikou_cleanse::mask::hex_masked;
/// assert_eq!(hex_masked(b"A B", &[], false), "** 20 **");
/// assert_eq!(hex_masked(b"A B", &[], true), "41 20 42");
/// ```
pub fn hex_masked(bytes: &[u8], issues: &[crate::decode::DecodeIssue], show: bool) -> String {
    let mut keep = vec![show; bytes.len()];
    if !show {
        for (i, b) in bytes.iter().enumerate() {
            if *b == b' ' {
                if let Some(k) = keep.get_mut(i) {
                    *k = true;
                }
            }
        }
        for w in 0..bytes.len().saturating_sub(1) {
            if bytes.get(w..w + 2) == Some(&[0x81, 0x40]) {
                keep.iter_mut().skip(w).take(2).for_each(|k| *k = true);
            }
        }
        for is in issues {
            keep.iter_mut()
                .skip(is.offset)
                .take(is.len)
                .for_each(|k| *k = true);
        }
    }
    bytes
        .iter()
        .zip(keep)
        .map(|(b, k)| if k { format!("{b:02X}") } else { "**".into() })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_shape_and_gaiji() {
        assert_eq!(mask("髙橋\u{E000}子"), "＊＊\u{E000}＊");
        assert_eq!(mask("ｶﾞ"), "*ﾞ");
        assert_eq!(mask(""), "");
        assert_eq!(mask("H01.01.08"), "***.**.**");
        assert_eq!(mask("平成元年１月８日"), "＊＊＊＊＊＊＊＊");
        assert_eq!(mask("ナカムラ　ヒロシ"), "＊＊＊＊　＊＊＊");
    }

    /// Issue 19 (cargo-mutants survivors): full-width vs half-width at the boundary of
    /// `is_halfwidth` (U+10FF is narrow, U+1100 ᄀ is wide), Latin letters outside ASCII, and
    /// kana marks that are not letters (゛, the combining U+3099 of a decomposed ガ), which are
    /// masked like the kana they belong to.
    #[test]
    fn issue19_width_boundary_latin_and_kana_marks() {
        assert_eq!(mask("José"), "****");
        assert_eq!(mask("Ωμ"), "**");
        assert_eq!(mask("\u{10FF}\u{1100}"), "*＊");
        assert_eq!(mask("カ\u{3099}ト"), "＊＊＊");
        assert_eq!(mask("か゛"), "＊＊");
    }

    #[test]
    fn hex_masked_keeps_spaces_and_issue_bytes_only() {
        use crate::decode::{DecodeIssue, DecodeIssueKind};
        let bytes = [0x41, 0x81, 0x40, 0xF0, 0x40, 0x42];
        let issue = DecodeIssue {
            offset: 3,
            len: 2,
            kind: DecodeIssueKind::Malformed,
            more: 0,
        };
        assert_eq!(
            hex_masked(&bytes, std::slice::from_ref(&issue), false),
            "** 81 40 F0 40 **"
        );
        assert_eq!(hex_masked(&bytes, &[], false), "** 81 40 ** ** **");
        assert_eq!(hex_masked(&bytes, &[issue], true), "41 81 40 F0 40 42");
        assert_eq!(hex_masked(&[], &[], false), "");
    }
}
