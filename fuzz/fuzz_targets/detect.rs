//! Encoding and structure detection on arbitrary bytes.
//!
//! Checks: no panic; the detection always gives a reason; the reported counts never exceed
//! the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let d = ikou_cleanse::detect::detect(data);
    assert!(!d.reasons.is_empty(), "a detection always says why");
    assert_eq!(d.size, data.len() as u64);
    assert!(d.examined <= d.size);
    assert!(
        (0.0..=1.0).contains(&d.confidence),
        "confidence {}",
        d.confidence
    );
    assert!(d.findings.len() <= 100, "{} findings", d.findings.len());
    assert!(
        d.findings
            .windows(2)
            .all(|w| w[0].byte_offset <= w[1].byte_offset),
        "findings in offset order"
    );
    for f in &d.findings {
        assert!(f.byte_offset <= d.size, "finding beyond the end");
    }
    assert!(d.gaiji <= d.size / 2);
});
