//! #19, mutation testing: tests for the cargo-mutants survivors in `rules/*.rs` (run of
//! 2026-12-05, session 7, `-- -- rules:: --skip ken_all_readings`; docs/RELIABILITY.md
//! "Mutation testing"). Each test names the mutants it kills.

use super::*;

/// A source item with `zero_pad` pads its digits to the item's length
/// (`RuleOptions::for_item`: `delete field zero_pad_to` left the padding off, and a
/// zero-padded code such as `00123` stayed `123`).
#[test]
fn for_item_takes_the_zero_padding_of_the_item() {
    let catalog = ikou_layout_spec::Catalog::bundled().unwrap();
    let layout = catalog.layout("legacy/sample-juki").unwrap();
    let mut item = layout.item("atena_no").unwrap().clone();
    item.zero_pad = true;
    item.length = 5;
    let o = RuleOptions::default().for_item(&item);
    assert_eq!(o.zero_pad_to, Some(5));
    let c = cleanse(DomainType::Digits, "123", &o);
    assert_eq!(c.output(), Some("00123"));
    item.zero_pad = false;
    let o = RuleOptions {
        zero_pad_to: Some(9),
        ..RuleOptions::default()
    }
    .for_item(&item);
    assert_eq!(o.zero_pad_to, None);
}

/// `amount.thousands` takes a first group of exactly three digits (`first.len() > 3` →
/// `>=` refused `123,456`); four is too many.
#[test]
fn thousands_with_a_first_group_of_three() {
    assert_eq!(
        numeric::amount_thousands("123,456").as_deref(),
        Some("123456")
    );
    assert_eq!(
        numeric::amount_thousands("-999,000.5").as_deref(),
        Some("-999000.5")
    );
    assert_eq!(numeric::amount_thousands("1234,567"), None);
}

/// A voiced katakana followed by a voicing mark is not voiced again: `ガ゛` stays as it
/// is (`compose`'s guard `u % 2 == 1` → `true` made it `ギ`'s neighbour `キ`: the even
/// code points カ..ヂ are the voiced ones). The odd ones are voiced.
#[test]
fn a_voiced_kana_is_not_voiced_again() {
    assert_eq!(text::voiced_marks("ガ゛"), None);
    assert_eq!(text::voiced_marks("ヂ\u{3099}"), None);
    assert_eq!(text::voiced_marks("カ゛チ゛").as_deref(), Some("ガヂ"));
}

/// `text::is_control` is public API (C0, DEL, C1): `→ true` and `→ false` survived because
/// the rules decide on bytes (`control_position`) and never call it.
#[test]
fn is_control_is_c0_del_and_c1_only() {
    for c in ['\u{0}', '\u{1F}', '\u{7F}', '\u{80}', '\u{9F}'] {
        assert!(text::is_control(c), "{c:?}");
    }
    for c in [' ', 'a', '~', '\u{A0}', 'ア', '髙'] {
        assert!(!text::is_control(c), "{c:?}");
    }
}

/// `text::is_ideograph_or_ivs` is public API: `→ false` survived (the rules' tests use it
/// only to pick their inputs).
#[test]
fn is_ideograph_or_ivs_takes_kanji_and_variation_selectors_only() {
    for c in [
        '髙',
        '﨑',
        '々',
        '〇',
        '\u{3400}',
        '\u{20B9F}',
        '\u{FE00}',
        '\u{E0100}',
    ] {
        assert!(text::is_ideograph_or_ivs(c), "{c:?}");
    }
    for c in ['ア', 'あ', 'A', '　', '・'] {
        assert!(!text::is_ideograph_or_ivs(c), "{c:?}");
    }
}
