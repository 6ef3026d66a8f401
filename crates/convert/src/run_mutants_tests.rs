//! #19, mutation testing of the run's accounting (`tally_chunk`): survivors of the `run::`
//! unit tests found by putting the mutants in by hand (docs/RELIABILITY.md, "Mutation
//! testing").

use super::*;
use crate::fixtures_tests::sample_plan;
use crate::plan::ItemRef;
use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::profile::bundled_profile;
use ikou_layout_spec::Catalog;

/// `gaiji_unmapped` counts the 外字 the table does not map (cross-checked against
/// `gaiji_by_code` and the table), and `padding_stripped` is counted. Fails on `!g.mapped`
/// → `g.mapped` and on `padding_stripped +=` → `*=` in `tally_chunk` (checked by hand).
#[test]
fn gaiji_unmapped_and_padding_are_tallied() {
    let dir = std::env::temp_dir().join(format!("ikou-run-mutants-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let plan = sample_plan();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat");
    let m = run(&plan, &[input], &RunOptions::new(&dir), &NoProgress).unwrap();
    let c = &m.counts;
    let (mut mapped, mut unmapped) = (0u64, 0u64);
    for (code, n) in &c.gaiji_by_code {
        let code = u16::from_str_radix(code, 16).unwrap();
        if plan.gaiji_table().get(code).is_some() {
            mapped += n;
        } else {
            unmapped += n;
        }
    }
    assert!(mapped > 0 && unmapped > 0, "{mapped} {unmapped}");
    assert_eq!(c.gaiji_unmapped, unmapped);
    assert!(c.padding_stripped > 0);
    // With an empty 外字 table every 外字 is unmapped (the sample's mapped and unmapped
    // counts alone cannot tell `mapped` from `!mapped`: they are equal).
    let catalog = Catalog::bundled().unwrap();
    let profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
    let bare = Plan::new(&catalog, profile, GaijiTable::new()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat");
    let m = run(&bare, &[input], &RunOptions::new(&dir), &NoProgress).unwrap();
    let all: u64 = m.counts.gaiji_by_code.values().sum();
    assert!(all > 0);
    assert_eq!(m.counts.gaiji_unmapped, all);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The tallies agree with each other: every change is counted once by rule and once by
/// item (`Tally::fold`, `Tally::item_slot`, `StaticCounter::bump`), under the plan's own
/// item keys and more than one of each; every rejected record has at least one reason
/// (`bump`), no reason more often than there are rejects, and one reason several times.
/// Written for the mutants of `tally.rs` (2026-12-05, session 6); not yet shown to fail on
/// each of them by cargo-mutants (see docs/RELIABILITY.md).
#[test]
fn tallies_agree_by_rule_item_and_reason() {
    let dir = std::env::temp_dir().join(format!("ikou-run-mutants-t-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let plan = sample_plan();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat");
    let m = run(&plan, &[input], &RunOptions::new(&dir), &NoProgress).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let c = &m.counts;
    let by_rule: u64 = c.changes_by_rule.values().sum();
    let by_item: u64 = c.changes_by_item.values().sum();
    assert!(by_rule > 0);
    assert_eq!(by_rule, by_item);
    assert!(c.changes_by_rule.len() > 1 && c.changes_by_item.len() > 1);
    assert!(c.changes_by_rule.values().all(|n| *n > 0));
    assert!(c.changes_by_item.values().all(|n| *n > 0));
    let keys: Vec<String> = (0..plan.source.items.len())
        .map(|i| plan.item_key(ItemRef::Source(i)).to_string())
        .chain((0..plan.target.items.len()).map(|i| plan.item_key(ItemRef::Target(i)).to_string()))
        .collect();
    for k in c.changes_by_item.keys() {
        assert!(keys.contains(k), "{k} is no item of the plan");
    }
    assert!(c.rejected_records > 0);
    let reasons: u64 = c.rejects_by_reason.values().sum();
    assert!(
        reasons >= c.rejected_records,
        "{reasons} < {}",
        c.rejected_records
    );
    assert!(c
        .rejects_by_reason
        .values()
        .all(|n| *n <= c.rejected_records));
    assert!(c.rejects_by_reason.values().any(|n| *n > 1));
    assert_eq!(c.input_records, c.output_records + c.rejected_records);
    assert!(
        m.problems.iter().all(|p| p.kind != "run.nothing_converted"),
        "{:?}",
        m.problems
    );
}

/// Two inputs: each input's record count is its own (`input_records - before` → `+`/`/`),
/// a file-level finding (the DOS EOF byte of the second file) reaches the run's
/// `findings_by_kind` (`+=` → `-=`/`*=` where the files' findings are merged).
#[test]
fn per_input_counts_and_file_findings() {
    let dir = std::env::temp_dir().join(format!("ikou-run-mutants-i-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = std::env::temp_dir().join(format!("ikou-run-mutants-in-{}", std::process::id()));
    std::fs::create_dir_all(&src).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat");
    let bytes = std::fs::read(&sample).unwrap();
    let (a, b) = (src.join("a.dat"), src.join("b.dat"));
    std::fs::write(&a, &bytes).unwrap();
    let mut with_eof = bytes.clone();
    with_eof.push(0x1A);
    std::fs::write(&b, &with_eof).unwrap();
    let plan = sample_plan();
    let m = run(&plan, &[a, b], &RunOptions::new(&dir), &NoProgress).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&src);
    let per: Vec<u64> = m.inputs.iter().map(|i| i.records).collect();
    assert_eq!(per.len(), 2);
    assert_eq!(per[0], per[1]);
    assert_eq!(per[0] + per[1], m.counts.input_records);
    assert_eq!(
        m.counts.findings_by_kind.get("frame.eof_marker").copied(),
        Some(1)
    );
    // The same records in both files: every one is a duplicate, nothing is converted, and
    // the run says so (`output_records == 0` → `!=`).
    assert_eq!(m.counts.output_records, 0);
    assert!(
        m.problems.iter().any(|p| p.kind == "run.nothing_converted"),
        "{:?}",
        m.problems
    );
}

/// `tally_chunk` and `Tally::fold` on made-up records (session 7): a change on a target
/// item is counted under the target item's key — the first target item (slot = number of
/// source items: `slot < source` → `<=` took it for a source item past the end, key "")
/// and a later one (`slot - source` → `+`/`/`, `item_slot` `+` → `-`/`*`: another item or
/// none) — and the record-level findings are counted by kind across two chunks (`fold`'s
/// `+=` → `*=` left every kind at 0; no other test looked at these counts). Each mutant
/// was shown to fail this test by cargo-mutants (docs/RELIABILITY.md, session 7).
#[test]
fn target_item_changes_and_record_findings_are_counted() {
    use crate::plan::ChangeOut;
    use crate::tally::{tally_chunk, Tally};
    use std::collections::BTreeMap;
    let plan = sample_plan();
    let source = plan.source.items.len();
    let targets = plan.target.items.len();
    assert!(source > 1 && targets > 3, "{source} {targets}");
    let source_keys: Vec<&str> = (0..source)
        .map(|i| plan.item_key(ItemRef::Source(i)))
        .collect();
    // Target items whose keys no source item has, so a wrong slot shows.
    let own: Vec<usize> = (0..targets)
        .filter(|t| !source_keys.contains(&plan.item_key(ItemRef::Target(*t))))
        .collect();
    assert!(own.len() >= 2, "{own:?}");
    let change = |item| ChangeOut {
        item,
        rule: "text.trim",
        before: "a ".into(),
        after: "a".into(),
    };
    // Record 1: the first target item (if its key is its own), a later target item
    // twice, source item 1 once; findings: two of one kind, one of another.
    let first = ItemRef::Target(0);
    let later = ItemRef::Target(*own.last().unwrap_or(&0));
    let mut p1 = Processed {
        record: 1,
        ..Processed::default()
    };
    p1.changes = vec![
        change(first),
        change(later),
        change(later),
        change(ItemRef::Source(1)),
    ];
    p1.findings = vec!["flag.a", "flag.b", "flag.a"];
    let mut p2 = Processed {
        record: 2,
        ..Processed::default()
    };
    p2.changes = vec![change(later)];
    p2.findings = vec!["flag.a"];
    let mut tally = Tally::new(&[&plan]);
    tally_chunk(&plan, 0, &mut tally, std::slice::from_ref(&p1));
    tally.fold(&[&plan]);
    tally_chunk(&plan, 0, &mut tally, std::slice::from_ref(&p2));
    tally.fold(&[&plan]);
    let c = &tally.counts;
    let key = |i| plan.item_key(i).to_string();
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    *want.entry(key(first)).or_insert(0) += 1;
    *want.entry(key(later)).or_insert(0) += 3;
    *want.entry(key(ItemRef::Source(1))).or_insert(0) += 1;
    assert!(!want.contains_key(""), "{want:?}");
    assert_eq!(c.changes_by_item, want);
    assert_eq!(c.changes_by_rule.get("text.trim").copied(), Some(5));
    assert_eq!(c.findings_by_kind.get("flag.a").copied(), Some(3));
    assert_eq!(c.findings_by_kind.get("flag.b").copied(), Some(1));
    assert_eq!((c.input_records, c.output_records), (2, 2));
}
