//! The counts of a run as it goes: records, changes by rule and item, findings, rejects by
//! reason, the 外字 inventory — folded into the manifest's [`Counts`].

use crate::manifest::Counts;
use crate::plan::{ItemRef, Plan, Processed};
use ikou_cleanse::gaiji::GaijiInventory;
use std::collections::BTreeMap;

/// Counts one occurrence of `key`, allocating the key only the first time.
pub(crate) fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

pub(crate) struct Tally {
    pub(crate) counts: Counts,
    pub(crate) gaiji: GaijiInventory,
    /// Changes by rule and findings by kind, counted without a map lookup per occurrence
    /// (folded into `counts` by [`Tally::fold`]).
    pub(crate) rules: StaticCounter,
    pub(crate) findings: StaticCounter,
    /// Changes by item, per source's plan (one for a profile with one `source`): source
    /// items, then target items.
    pub(crate) by_item: Vec<Vec<u64>>,
    /// Rows written per output group ([`Plan::groups`], in order).
    pub(crate) group_rows: Vec<u64>,
}

impl Tally {
    /// The tally of a run of `plans` (one per source; the groups are every plan's).
    pub(crate) fn new(plans: &[&Plan]) -> Tally {
        Tally {
            counts: Counts::default(),
            gaiji: GaijiInventory::new(),
            rules: StaticCounter::default(),
            findings: StaticCounter::default(),
            by_item: plans
                .iter()
                .map(|p| vec![0; p.source.items.len() + p.target.items.len()])
                .collect(),
            group_rows: vec![0; plans.first().map_or(0, |p| p.groups.len())],
        }
    }

    pub(crate) fn item_slot(plan: &Plan, item: ItemRef) -> usize {
        match item {
            ItemRef::Source(i) => i,
            ItemRef::Target(i) => plan.source.items.len() + i,
        }
    }

    /// Moves the fast counters into `counts`.
    pub(crate) fn fold(&mut self, plans: &[&Plan]) {
        for (rule, n) in self.rules.0.drain(..) {
            *self.counts.changes_by_rule.entry(rule.into()).or_insert(0) += n;
        }
        for (kind, n) in self.findings.0.drain(..) {
            *self.counts.findings_by_kind.entry(kind.into()).or_insert(0) += n;
        }
        for (plan, by_item) in plans.iter().zip(&mut self.by_item) {
            Self::fold_items(&mut self.counts, plan, by_item);
        }
    }

    fn fold_items(counts: &mut Counts, plan: &Plan, by_item: &mut [u64]) {
        let source = plan.source.items.len();
        for (slot, n) in by_item.iter_mut().enumerate() {
            if *n == 0 {
                continue;
            }
            let item = if slot < source {
                ItemRef::Source(slot)
            } else {
                ItemRef::Target(slot - source)
            };
            *counts
                .changes_by_item
                .entry(plan.item_key(item).into())
                .or_insert(0) += std::mem::take(n);
        }
    }
}

/// Counts of a small set of static strings (rule ids, finding kinds): a linear scan that
/// compares pointers first.
#[derive(Default)]
pub(crate) struct StaticCounter(Vec<(&'static str, u64)>);

impl StaticCounter {
    pub(crate) fn bump(&mut self, key: &'static str) {
        self.bump_by(key, 1);
    }

    pub(crate) fn bump_by(&mut self, key: &'static str, by: u64) {
        for (k, n) in &mut self.0 {
            if std::ptr::eq(*k, key) || *k == key {
                *n += by;
                return;
            }
        }
        self.0.push((key, by));
    }
}

/// Counts one chunk of records of the source `src` (its index among the run's plans),
/// processed by `plan`.
pub(crate) fn tally_chunk(plan: &Plan, src: usize, tally: &mut Tally, results: &[Processed]) {
    for p in results {
        tally.counts.input_records += 1;
        for g in &p.gaiji {
            let key = plan
                .source
                .items
                .get(g.item)
                .map(|i| i.key.as_str())
                .unwrap_or("");
            let mapping = if g.mapped {
                plan.gaiji_table().get(g.code)
            } else {
                None
            };
            // A hit stands for every occurrence of its code in its item (issue #18).
            tally
                .gaiji
                .record_n(g.code, key, p.record, mapping, None, g.count);
            *tally
                .counts
                .gaiji_by_code
                .entry(ikou_cleanse::gaiji::code_hex(g.code))
                .or_insert(0) += g.count;
            if !g.mapped {
                tally.counts.gaiji_unmapped += g.count;
                if plan.keeps_unmapped_gaiji() {
                    tally
                        .findings
                        .bump_by(crate::reason::FlagKind::GaijiUnmappedKept.id(), g.count);
                }
            }
        }
        for f in &p.findings {
            tally.findings.bump(f);
        }
        if p.rejected() {
            tally.counts.rejected_records += 1;
            for r in &p.reasons {
                bump(&mut tally.counts.rejects_by_reason, r.kind.id());
            }
            continue;
        }
        tally.counts.output_records += 1;
        for (g, n) in tally.group_rows.iter_mut().enumerate() {
            if p.has_row(g) {
                *n += 1;
            }
        }
        tally.counts.padding_stripped += u64::from(p.padding_stripped);
        for c in &p.changes {
            tally.rules.bump(c.rule);
            let slot = Tally::item_slot(plan, c.item);
            if let Some(n) = tally.by_item.get_mut(src).and_then(|v| v.get_mut(slot)) {
                *n += 1;
            }
        }
    }
}
