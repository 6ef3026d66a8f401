//! The characters where the CP932 (Microsoft) and JIS X 0208 mappings of the same Shift_JIS
//! bytes disagree, unified to one form per target ([`VariantPolicy`]).
//!
//! | bytes | JIS form | CP932 form |
//! |---|---|---|
//! | 0x8160 | 〜 U+301C WAVE DASH | ～ U+FF5E FULLWIDTH TILDE |
//! | 0x8161 | ‖ U+2016 DOUBLE VERTICAL LINE | ∥ U+2225 PARALLEL TO |
//! | 0x817C | − U+2212 MINUS SIGN | － U+FF0D FULLWIDTH HYPHEN-MINUS |
//! | 0x815C | — U+2014 EM DASH | ― U+2015 HORIZONTAL BAR |
//! | 0x8191 | ¢ U+00A2 | ￠ U+FFE0 |
//! | 0x8192 | £ U+00A3 | ￡ U+FFE1 |
//! | 0x81CA | ¬ U+00AC | ￢ U+FFE2 |
//!
//! # Example
//! ```
//! use ikou_cleanse::variants::unify;
//! use ikou_layout_spec::VariantPolicy;
//! assert_eq!(unify("1〜3", VariantPolicy::Cp932).as_deref(), Some("1～3"));
//! assert_eq!(unify("1～3", VariantPolicy::Jis).as_deref(), Some("1〜3"));
//! assert_eq!(unify("1～3", VariantPolicy::Cp932), None); // nothing to change
//! assert_eq!(unify("1〜3", VariantPolicy::Keep), None);
//! ```

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
    if !has_source(s.as_bytes(), policy) {
        return None;
    }
    Some(
        s.chars()
            .map(|c| target_of(c, policy).unwrap_or(c))
            .collect(),
    )
}

/// Whether `b` holds a character [`target_of`] changes under `policy`, read on the UTF-8
/// bytes (every variant character is outside ASCII, led by `C2`, `E2`, `E3` or `EF`).
fn has_source(b: &[u8], policy: VariantPolicy) -> bool {
    let is_source = |at: &[u8]| match policy {
        VariantPolicy::Keep => false,
        // 〜 ‖ − — ¢ £ ¬
        VariantPolicy::Cp932 => matches!(
            at,
            [0xE3, 0x80, 0x9C, ..]
                | [0xE2, 0x80, 0x94 | 0x96, ..]
                | [0xE2, 0x88, 0x92, ..]
                | [0xC2, 0xA2 | 0xA3 | 0xAC, ..]
        ),
        // ～ ∥ － ― ￠ ￡ ￢
        VariantPolicy::Jis => matches!(
            at,
            [0xEF, 0xBD, 0x9E, ..]
                | [0xEF, 0xBC, 0x8D, ..]
                | [0xEF, 0xBF, 0xA0..=0xA2, ..]
                | [0xE2, 0x88, 0xA5, ..]
                | [0xE2, 0x80, 0x95, ..]
        ),
    };
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        if matches!(x, 0xC2 | 0xE2 | 0xE3 | 0xEF) && is_source(b.get(i..).unwrap_or(&[])) {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_both_ways() {
        for (jis, ms) in PAIRS {
            let j = jis.to_string();
            let m = ms.to_string();
            assert_eq!(unify(&j, VariantPolicy::Cp932), Some(m.clone()));
            assert_eq!(unify(&m, VariantPolicy::Jis), Some(j.clone()));
            assert_eq!(unify(&j, VariantPolicy::Jis), None);
            assert_eq!(unify(&m, VariantPolicy::Cp932), None);
            assert_eq!(unify(&j, VariantPolicy::Keep), None);
            assert_eq!(unify(&m, VariantPolicy::Keep), None);
        }
        assert_eq!(
            unify("東京都〜‖−—¢£¬", VariantPolicy::Cp932).as_deref(),
            Some("東京都～∥－―￠￡￢")
        );
        assert_eq!(
            unify("東京都～∥－―￠￡￢", VariantPolicy::Jis).as_deref(),
            Some("東京都〜‖−—¢£¬")
        );
    }

    /// The CP932 forms are what encoding_rs decodes the bytes to, and they encode back to
    /// the same bytes; the JIS forms are not encodable in WHATWG Shift_JIS except U+2212.
    #[test]
    fn cp932_forms_match_encoding_rs() {
        let bytes: [&[u8]; 7] = [
            b"\x81\x60",
            b"\x81\x61",
            b"\x81\x7C",
            b"\x81\x5C",
            b"\x81\x91",
            b"\x81\x92",
            b"\x81\xCA",
        ];
        for (b, (_, ms)) in bytes.iter().zip(PAIRS) {
            let s = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(b)
                .unwrap();
            assert_eq!(s.chars().collect::<Vec<_>>(), vec![ms]);
        }
    }
}
