//! #19, mutation testing: tests for cargo-mutants survivors in `frame.rs` (sample run of
//! 2026-12-05, docs/RELIABILITY.md "Mutation testing").

use super::*;

/// Each stray line-break style is named, CRLF included (`stray_crlf > 0` → `< 0` made a
/// file of CRLF lines under an LF layout look clean).
#[test]
fn newline_mismatch_names_each_stray_style() {
    let s = |lf, cr, crlf| FrameSummary {
        stray_lf: lf,
        stray_cr: cr,
        stray_crlf: crlf,
        ..FrameSummary::default()
    };
    assert_eq!(s(0, 0, 0).newline_mismatch(), None);
    assert_eq!(s(0, 0, 1).newline_mismatch(), Some("CRLF"));
    assert_eq!(s(1, 1, 0).newline_mismatch(), Some("LF and CR"));
    assert_eq!(s(2, 0, 0).newline_mismatch(), Some("LF"));
    assert_eq!(s(0, 3, 0).newline_mismatch(), Some("CR"));
}
