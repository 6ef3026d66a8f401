//! Every cleansing rule: `ikou_cleanse::cleanse` over every domain type and option set, and
//! `wareki::parse` over every date form and policy.
//!
//! Input: byte 0 picks the domain type, byte 1 the options; the rest (as UTF-8) is the value.
//! Checks: no panic; the edits form a chain from the input to the value (nothing changed
//! without a record); no U+FFFD is invented; a parsed date formats to ISO and parses back to
//! the same date.
#![no_main]

use ikou_cleanse::wareki::{format, parse, DatePolicy};
use ikou_cleanse::{cleanse, RuleOptions};
use ikou_layout_spec::{DateForm, DomainType, VariantPolicy};
use libfuzzer_sys::fuzz_target;

const FORMS: [DateForm; 7] = [
    DateForm::Auto,
    DateForm::EraCode1,
    DateForm::EraCode2,
    DateForm::EraLetter,
    DateForm::EraKanji,
    DateForm::Yyyymmdd,
    DateForm::Iso,
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let Ok(value) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    let domain = DomainType::ALL[usize::from(data[0]) % DomainType::ALL.len()];
    let o = data[1];
    let opts = RuleOptions {
        date_form: FORMS[usize::from(o & 7) % FORMS.len()],
        date_output: FORMS[usize::from((o >> 3) & 7) % FORMS.len()],
        date_policy: if o & 0x40 == 0 {
            DatePolicy::Strict
        } else {
            DatePolicy::Lenient
        },
        variant_policy: [
            VariantPolicy::Keep,
            VariantPolicy::Cp932,
            VariantPolicy::Jis,
        ][usize::from(o / 7) % 3],
        zero_pad_to: (o % 5 == 0).then_some(usize::from(o % 13)),
        strip_padding: o % 3 != 0,
        edit_text: true,
        kana_separators: o % 11 == 0,
    };
    let c = cleanse(domain, value, &opts);
    // Without edit texts: the same value, findings and rules.
    let lean = cleanse(
        domain,
        value,
        &RuleOptions {
            edit_text: false,
            ..opts
        },
    );
    assert_eq!(lean.value, c.value, "edit_text changes the value");
    assert_eq!(lean.findings, c.findings, "edit_text changes the findings");
    assert!(
        lean.edits
            .iter()
            .map(|e| e.rule)
            .eq(c.edits.iter().map(|e| e.rule)),
        "edit_text changes the rules"
    );
    // Every change is on record: the edits chain from the input to the value.
    let mut cur: &str = value;
    for e in &c.edits {
        assert_eq!(
            e.before, cur,
            "edit {:?} does not start where the last ended",
            e.rule
        );
        assert_ne!(
            e.before, e.after,
            "an edit that changes nothing: {:?}",
            e.rule
        );
        cur = &e.after;
    }
    assert_eq!(
        cur, &*c.value,
        "the value differs from the last edit's result"
    );
    if !value.contains('\u{FFFD}') {
        assert!(!c.value.contains('\u{FFFD}'), "U+FFFD invented");
    }
    for f in &c.findings {
        let _ = f.to_string();
    }

    for form in FORMS {
        for policy in [DatePolicy::Strict, DatePolicy::Lenient] {
            if let Ok(p) = parse(value, form, policy) {
                if let Ok(iso) = format(p.date, DateForm::Iso) {
                    let back = parse(&iso, DateForm::Iso, policy).unwrap_or_else(|e| {
                        panic!("ISO {iso:?} of a parsed date does not parse: {e}")
                    });
                    assert_eq!(back.date, p.date, "ISO round trip");
                }
            }
        }
    }
});
