//! Issue #18: the host decoder (JEF, KEIS, JIPS, IBM) applies the per-item 外字 cap while
//! it decodes, so an item full of 外字 costs memory bounded by the cap (64 listed, the rest
//! counted per code), not one issue per occurrence. Its own test binary, one test, so that
//! the peak resident memory measured is the decoding's.
#![allow(clippy::unwrap_used)]

use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, DecodeIssue, DecodeIssueKind, MAX_LISTED_GAIJI};
use ikou_cleanse::gaiji::{GaijiMapping, GaijiTable};
use ikou_cleanse::host::{HostCodec, HostIssueKind, ItemKind};

/// Peak resident memory of this process (kB), from /proc.
fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak resident memory to the current (Linux: `5` to clear_refs); false where
/// that is not possible.
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// JEF 外字 80A1 (mapped to 髙 by the table) and 80A2 (unmapped), then あ, `n` times.
const UNIT: [u8; 6] = [0x80, 0xA1, 0x80, 0xA2, 0xA4, 0xA2];

fn profile() -> CharProfile {
    let mut table = GaijiTable::new();
    table.insert(GaijiMapping {
        code: 0x80A1,
        replacement: "髙".into(),
        mj: None,
        note: None,
    });
    CharProfile::new(Charset::from_label("jef").unwrap())
        .unwrap()
        .with_gaiji(table)
}

/// What the item decodes to, from the host decoder's own list of every issue (the text
/// with each mapped 外字's private-use character replaced), and its 外字 occurrences.
fn expected(codec: &HostCodec, item: &[u8], kind: ItemKind) -> (String, usize) {
    let d = codec.decode(item, kind).unwrap();
    let gaiji = d
        .issues
        .iter()
        .filter(|i| matches!(i.kind, HostIssueKind::Gaiji { .. }))
        .count();
    (d.text.replace('\u{E000}', "髙"), gaiji)
}

/// 外字 issues listed, and occurrences accounted (each listed one plus its `more`).
fn gaiji_counts(issues: &[DecodeIssue]) -> (usize, usize) {
    let gaiji: Vec<&DecodeIssue> = issues
        .iter()
        .filter(|i| i.kind.gaiji_code().is_some())
        .collect();
    (gaiji.len(), gaiji.iter().map(|i| 1 + i.more).sum())
}

#[test]
fn issue18_host_gaiji_are_capped_while_decoding() {
    let p = profile();
    let jef = HostCodec::for_label("jef").unwrap();
    let n = 1_000_000; // 6 MB of item, 2,000,000 外字
    let item = UNIT.repeat(n);
    // The text's room is made (and touched) beforehand, so that the peak measured is what
    // the decoding itself holds; measured first, before anything else decodes the item.
    let mut out = "x".repeat(9 * n);
    out.clear();
    let mut issues = Vec::with_capacity(2 * MAX_LISTED_GAIJI);
    let measured = reset_hwm();
    let before = vm_hwm_kb();
    let ok = p.decode_host_item(&jef, ItemKind::Double, &item, &mut out, &mut issues);
    let after = vm_hwm_kb();
    let (text, occurrences) = expected(&jef, &item, ItemKind::Double);
    assert_eq!(occurrences, 2 * n);
    assert!(!ok, "80A2 is unmapped: the item rejects");
    assert_eq!(out, text, "the text is what it was before the cap");
    let (listed, total) = gaiji_counts(&issues);
    assert_eq!(listed, MAX_LISTED_GAIJI);
    assert_eq!(total, 2 * n);
    // The first 64 in byte order, alternating, each code's rest counted on its last one.
    assert!(matches!(
        issues[0].kind,
        DecodeIssueKind::GaijiMapped { code: 0x80A1, .. }
    ));
    assert!(matches!(
        issues[1].kind,
        DecodeIssueKind::GaijiUnmapped { code: 0x80A2, .. }
    ));
    assert_eq!(
        (issues[0].offset, issues[1].offset, issues[2].offset),
        (0, 2, 6)
    );
    assert_eq!(issues[62].more, n - MAX_LISTED_GAIJI / 2);
    assert_eq!(issues[63].more, n - MAX_LISTED_GAIJI / 2);
    // Bounded by the cap, not one issue per occurrence (before: ≈ 48 bytes per 外字 in the
    // decoder's list, 8 more per 外字 for the replacements and a second copy of the text:
    // ≈ 120 MB here).
    if let (true, Some(before), Some(after)) = (measured, before, after) {
        let grown = after.saturating_sub(before);
        assert!(
            grown < 16 * 1024,
            "decoding {} bytes of 外字 raised the peak RSS by {grown} kB",
            item.len()
        );
    } else {
        eprintln!("peak RSS not measurable here (/proc/self/clear_refs): memory not checked");
    }
    unclosed_shift_keeps_byte_order(&p, &jef);
}

/// (Run by the test above.) A mixed item whose shift-in never closes: its issue stands at
/// the shift-in, before the 外字 after it (the decoder decodes such an item twice to put it
/// there), as before.
fn unclosed_shift_keeps_byte_order(p: &CharProfile, jef: &HostCodec) {
    let n = 50_000;
    // A, shift-in, (80A1 80A2 あ) × n, no shift-out.
    let mut item = vec![0xC1, 0x28];
    item.extend(UNIT.repeat(n));
    let (text, occurrences) = expected(jef, &item, ItemKind::Mixed);
    assert_eq!(occurrences, 2 * n);
    let mut out = String::from("前");
    let mut issues = vec![];
    let ok = p.decode_item(&item, &mut out, &mut issues);
    assert!(!ok);
    assert_eq!(out, format!("前{text}"));
    assert!(matches!(
        issues[0].kind,
        DecodeIssueKind::Shift {
            problem: "not_closed"
        }
    ));
    assert_eq!((issues[0].offset, issues[0].len), (1, 1));
    assert_eq!(issues[1].offset, 2);
    let (listed, total) = gaiji_counts(&issues);
    assert_eq!((listed, total), (MAX_LISTED_GAIJI, 2 * n));
    assert_eq!(issues.len(), 1 + MAX_LISTED_GAIJI);
}
