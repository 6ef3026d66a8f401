//! Encoding text back to CP932 — with no replacement, ever.
//!
//! encoding_rs's Shift_JIS encoder is the base, with three differences that make round trips
//! of legacy data testable:
//! - the private-use characters U+E000–U+E757 (where CP932 外字 decode to) go back to the
//!   user-defined area F040–F9FC;
//! - the JIS X 0208 forms of the characters where CP932 and JIS disagree are accepted and
//!   written as the bytes of their CP932 forms: 〜 U+301C → 8160, ‖ U+2016 → 8161,
//!   − U+2212 → 817C, — U+2014 → 815C, ¢ U+00A2 → 8191, £ U+00A3 → 8192, ¬ U+00AC → 81CA,
//!   ¦ U+00A6 → FA55;
//! - an unmappable character is an [`EncodeError`] with the character and its byte offset in
//!   the input, never `&#NNNN;` or `?`.
//!
//! ```
//! use ikou_cleanse::encode::encode_cp932;
//! assert_eq!(encode_cp932("山田").unwrap(), b"\x8E\x52\x93\x63");
//! assert_eq!(encode_cp932("\u{E000}").unwrap(), b"\xF0\x40");
//! assert_eq!(encode_cp932("〜").unwrap(), encode_cp932("～").unwrap());
//! let err = encode_cp932("a😀").unwrap_err();
//! assert_eq!((err.ch, err.offset), ('😀', 1));
//! ```

use encoding_rs::EncoderResult;
use ikou_layout_spec::VariantPolicy;

/// A character that CP932 cannot represent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("U+{:04X} cannot be encoded in CP932 (at byte {offset} of the text)", *ch as u32)]
pub struct EncodeError {
    /// The character.
    pub ch: char,
    /// Its byte offset in the UTF-8 input.
    pub offset: usize,
}

/// The CP932 bytes of a user-defined (外字) code point U+E000–U+E757, if `c` is one.
///
/// ```
/// use ikou_cleanse::encode::pua_to_cp932;
/// assert_eq!(pua_to_cp932('\u{E000}'), Some([0xF0, 0x40]));
/// assert_eq!(pua_to_cp932('\u{E05E}'), Some([0xF0, 0x9F]));
/// assert_eq!(pua_to_cp932('\u{E757}'), Some([0xF9, 0xFC]));
/// assert_eq!(pua_to_cp932('\u{E758}'), None);
/// ```
pub fn pua_to_cp932(c: char) -> Option<[u8; 2]> {
    let u = c as u32;
    if !(0xE000..=0xE757).contains(&u) {
        return None;
    }
    let idx = u - 0xE000;
    let lead = 0xF0 + idx / 188;
    let t = idx % 188;
    let trail = if t < 0x3F { t + 0x40 } else { t + 0x41 };
    Some([u8::try_from(lead).ok()?, u8::try_from(trail).ok()?])
}

/// The private-use code point of a CP932 user-defined code (F040–F9FC), if `code` is one.
///
/// ```
/// use ikou_cleanse::encode::cp932_to_pua;
/// assert_eq!(cp932_to_pua(0xF040), Some('\u{E000}'));
/// assert_eq!(cp932_to_pua(0xF9FC), Some('\u{E757}'));
/// assert_eq!(cp932_to_pua(0xF07F), None);
/// ```
pub fn cp932_to_pua(code: u16) -> Option<char> {
    let [lead, trail] = code.to_be_bytes();
    if !(0xF0..=0xF9).contains(&lead) || !crate::charset::is_sjis_trail(trail) {
        return None;
    }
    let t = if trail < 0x80 {
        trail - 0x40
    } else {
        trail - 0x41
    };
    let idx = u32::from(lead - 0xF0) * 188 + u32::from(t);
    char::from_u32(0xE000 + idx)
}

/// The CP932 bytes of the JIS X 0208 forms that encoding_rs does not accept.
fn jis_form_bytes(c: char) -> Option<[u8; 2]> {
    Some(match c {
        '\u{301C}' => [0x81, 0x60], // 〜 WAVE DASH → ～
        '\u{2016}' => [0x81, 0x61], // ‖ → ∥
        '\u{2212}' => [0x81, 0x7C], // − → －
        '\u{2014}' => [0x81, 0x5C], // — → ―
        '\u{00A2}' => [0x81, 0x91], // ¢ → ￠
        '\u{00A3}' => [0x81, 0x92], // £ → ￡
        '\u{00AC}' => [0x81, 0xCA], // ¬ → ￢
        '\u{00A6}' => [0xFA, 0x55], // ¦ → ￤
        _ => return None,
    })
}

/// The form of `c` under a [`VariantPolicy`]: for the characters where CP932 and JIS X 0208
/// disagree, the CP932 (Microsoft) or the JIS form; every other character unchanged.
///
/// ```
/// use ikou_cleanse::encode::variant_form;
/// use ikou_layout_spec::VariantPolicy;
/// assert_eq!(variant_form('～', VariantPolicy::Jis), '〜');
/// assert_eq!(variant_form('〜', VariantPolicy::Cp932), '～');
/// assert_eq!(variant_form('〜', VariantPolicy::Keep), '〜');
/// assert_eq!(variant_form('山', VariantPolicy::Jis), '山');
/// ```
pub fn variant_form(c: char, policy: VariantPolicy) -> char {
    const PAIRS: [(char, char); 7] = [
        ('\u{FF5E}', '\u{301C}'),
        ('\u{2225}', '\u{2016}'),
        ('\u{FF0D}', '\u{2212}'),
        ('\u{2015}', '\u{2014}'),
        ('\u{FFE0}', '\u{00A2}'),
        ('\u{FFE1}', '\u{00A3}'),
        ('\u{FFE2}', '\u{00AC}'),
    ];
    match policy {
        VariantPolicy::Keep => c,
        VariantPolicy::Cp932 => PAIRS.iter().find(|(_, j)| *j == c).map_or(c, |(m, _)| *m),
        VariantPolicy::Jis => PAIRS.iter().find(|(m, _)| *m == c).map_or(c, |(_, j)| *j),
    }
}

/// Encodes `text` as CP932 and appends the bytes to `out`. On error `out` holds the bytes of
/// the text before the failing character.
///
/// # Errors
/// The first character CP932 cannot represent, with its byte offset in `text`.
pub fn encode_cp932_into(text: &str, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
    let mut pos = 0usize;
    // Runs of characters encoding_rs handles go through it in one call; the others are
    // written here.
    while pos < text.len() {
        let rest = text.get(pos..).unwrap_or("");
        let run_end = rest
            .char_indices()
            .find(|(_, c)| pua_to_cp932(*c).is_some() || jis_form_bytes(*c).is_some())
            .map_or(rest.len(), |(i, _)| i);
        let run = rest.get(..run_end).unwrap_or("");
        let mut done = 0usize;
        while done < run.len() {
            let chunk = run.get(done..).unwrap_or("");
            let need = encoder
                .max_buffer_length_from_utf8_without_replacement(chunk.len())
                .unwrap_or(chunk.len() * 2 + 8);
            let mut buf = vec![0u8; need];
            let (result, read, written) =
                encoder.encode_from_utf8_without_replacement(chunk, &mut buf, false);
            out.extend_from_slice(buf.get(..written).unwrap_or(&[]));
            match result {
                EncoderResult::InputEmpty => done += read,
                EncoderResult::OutputFull => done += read,
                EncoderResult::Unmappable(ch) => {
                    let offset = pos + done + read - ch.len_utf8();
                    return Err(EncodeError { ch, offset });
                }
            }
        }
        pos += run_end;
        if let Some(c) = text.get(pos..).and_then(|r| r.chars().next()) {
            let bytes = pua_to_cp932(c).or_else(|| jis_form_bytes(c));
            if let Some(b) = bytes {
                out.extend_from_slice(&b);
            }
            pos += c.len_utf8();
        }
    }
    Ok(())
}

/// Encodes `text` as CP932.
///
/// # Errors
/// The first character CP932 cannot represent, with its byte offset in `text`.
pub fn encode_cp932(text: &str) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(text.len());
    encode_cp932_into(text, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pua_mapping_is_a_bijection() {
        for u in 0xE000..=0xE757u32 {
            let c = char::from_u32(u).unwrap();
            let b = pua_to_cp932(c).unwrap();
            assert_eq!(cp932_to_pua(u16::from_be_bytes(b)), Some(c));
            // encoding_rs decodes the bytes to the same code point.
            let (s, bad) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&b);
            assert!(!bad);
            assert_eq!(s.chars().next(), Some(c));
        }
    }

    #[test]
    fn jis_forms_and_errors() {
        assert_eq!(
            encode_cp932("〜‖−—¢£¬¦").unwrap(),
            b"\x81\x60\x81\x61\x81\x7C\x81\x5C\x81\x91\x81\x92\x81\xCA\xFA\x55"
        );
        assert_eq!(
            encode_cp932("～∥－―￠￡￢").unwrap(),
            b"\x81\x60\x81\x61\x81\x7C\x81\x5C\x81\x91\x81\x92\x81\xCA"
        );
        let e = encode_cp932("山\u{E001}한").unwrap_err();
        assert_eq!(e.ch, '한');
        assert_eq!(e.offset, 6);
        let mut out = Vec::new();
        assert!(encode_cp932_into("ｱ\u{E000}x\u{20BB7}", &mut out).is_err());
        assert_eq!(out, b"\xB1\xF0\x40x");
        assert_eq!(encode_cp932("").unwrap(), b"");
        // Long text crosses encoder buffer sizes.
        let long = "ｱ山a".repeat(10_000);
        assert_eq!(encode_cp932(&long).unwrap().len(), 40_000);
    }
}
