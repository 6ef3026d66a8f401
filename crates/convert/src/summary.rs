//! The report's summary of a run's changes: rows per rule and item and a few masked samples
//! of each, in bounded memory. The run fills it as it writes `changes.csv` (so that the
//! report it writes does not read the file back); `ikou report` fills it by reading the
//! file ([`crate::report`]). Both give the same summary for the same rows.

use ikou_cleanse::mask::mask;
use std::collections::{BTreeMap, BTreeSet};

/// Samples kept per rule and item.
const SAMPLES_PER_RULE_ITEM: usize = 2;
/// Rows of one rule and item looked at while searching for differently shaped samples.
const SAMPLE_CANDIDATES: u32 = 5000;
/// Distinct keys kept per table (reason kinds, items per kind, code items, rules, items per
/// rule): a run has a few dozen; a damaged or planted file could name millions. Beyond the
/// cap, rows are counted as not tabulated.
pub(crate) const MAX_KEYS: usize = 500;
/// (rule, item) pairs kept in all (each has its sample slot).
const MAX_PAIRS: usize = 5000;
/// Bytes of a key (kind, item, rule, code table) or of a kept message: longer ones are no
/// key a run writes.
pub(crate) const MAX_KEY_BYTES: usize = 100;
/// Characters of a sample value shown.
pub(crate) const SAMPLE_CHARS: usize = 200;

/// One sample change, already masked unless values are shown.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub record: u64,
    pub item: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Default)]
struct SampleSlot {
    considered: u32,
    kept: Vec<Sample>,
    shapes: BTreeSet<(String, String)>,
}

/// What `changes.csv` (or `changes.parquet`) holds, summarised.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Rows read.
    pub rows: u64,
    /// Distinct records with at least one change (rows are in record order).
    pub records: u64,
    /// Rows per rule and item.
    pub by_rule_item: BTreeMap<String, BTreeMap<String, u64>>,
    /// Which file was read.
    pub file: String,
    /// Sample slots per rule and item.
    slots: BTreeMap<String, BTreeMap<String, SampleSlot>>,
    last_record: Option<u64>,
    show_values: bool,
    /// Rows not tabulated (a rule or item beyond [`MAX_KEYS`] or [`MAX_PAIRS`]).
    pub not_counted: u64,
    pairs: usize,
}

impl Changes {
    pub(crate) fn new(file: &str, show_values: bool) -> Changes {
        Changes {
            file: file.to_string(),
            show_values,
            ..Changes::default()
        }
    }

    /// Takes one change row.
    pub(crate) fn row(&mut self, record: u64, item: &str, rule: &str, before: &str, after: &str) {
        self.rows += 1;
        if self.last_record != Some(record) {
            self.records += 1;
            self.last_record = Some(record);
        }
        if rule.len() > MAX_KEY_BYTES
            || item.len() > MAX_KEY_BYTES
            || !self.by_rule_item.contains_key(rule) && self.by_rule_item.len() >= MAX_KEYS
        {
            self.not_counted += 1;
            return;
        }
        let per_item = match self.by_rule_item.get_mut(rule) {
            Some(m) => m,
            None => self.by_rule_item.entry(rule.to_string()).or_default(),
        };
        let full = per_item.len() >= MAX_KEYS || self.pairs >= MAX_PAIRS;
        match per_item.get_mut(item) {
            Some(n) => *n += 1,
            None if full => {
                self.not_counted += 1;
                return;
            }
            None => {
                per_item.insert(item.to_string(), 1);
                self.pairs += 1;
            }
        }
        // Looked up by &str: no allocation per row once a rule and item are known.
        let per_rule = match self.slots.get_mut(rule) {
            Some(m) => m,
            None => self.slots.entry(rule.to_string()).or_default(),
        };
        let slot = match per_rule.get_mut(item) {
            Some(s) => s,
            None => per_rule.entry(item.to_string()).or_default(),
        };
        if slot.kept.len() >= SAMPLES_PER_RULE_ITEM || slot.considered >= SAMPLE_CANDIDATES {
            return;
        }
        slot.considered += 1;
        // A 外字 and its replacement are characters of the 外字 table, not a resident's
        // value: they are shown as they are.
        let table_chars = rule == ikou_cleanse::decode::GAIJI_RULE
            && !before.is_empty()
            && before.chars().all(ikou_cleanse::mask::is_private_use);
        let (before, after) = (clip(before), clip(after));
        let (b, a) = if self.show_values || table_chars {
            (before.into_owned(), after.into_owned())
        } else {
            (mask(&before), mask(&after))
        };
        // Prefer samples of different shapes: masked, many dates look alike.
        if slot.shapes.insert((b.clone(), a.clone())) {
            slot.kept.push(Sample {
                record,
                item: item.to_string(),
                before: b,
                after: a,
            });
        }
    }

    /// The samples of `rule`, items interleaved (first sample of each item, then the
    /// second, …).
    pub(crate) fn samples(&self, rule: &str) -> Vec<&Sample> {
        let slots: Vec<&SampleSlot> = self
            .slots
            .get(rule)
            .map(|m| m.values().collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        for i in 0..SAMPLES_PER_RULE_ITEM {
            for s in &slots {
                if let Some(x) = s.kept.get(i) {
                    out.push(x);
                }
            }
        }
        out
    }
}

impl Changes {
    /// An empty summary for a run whose outputs are `outputs`: `None` when the run writes
    /// no report or no list of changes. Named after the file the report would read
    /// (`changes.csv`, else `changes.parquet`).
    pub(crate) fn for_run(outputs: &crate::options::Outputs, show_values: bool) -> Option<Changes> {
        if !outputs.report {
            return None;
        }
        let file = if outputs.changes_csv {
            crate::output::RunFile::Changes
        } else if outputs.changes_parquet {
            crate::output::RunFile::ChangesParquet
        } else {
            return None;
        };
        Some(Changes::new(file.name(), show_values))
    }
}

/// At most [`SAMPLE_CHARS`] characters of `v` (an ellipsis marks the cut).
pub(crate) fn clip(v: &str) -> std::borrow::Cow<'_, str> {
    match v.char_indices().nth(SAMPLE_CHARS) {
        Some((i, _)) => format!("{}…", v.get(..i).unwrap_or("")).into(),
        None => v.into(),
    }
}
