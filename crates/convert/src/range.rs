//! One byte range of one input file, run through the per-record pipeline (framing, slicing,
//! decoding, cleansing, mapping, target checks) without the cross-record checks: the work of
//! one partition when a cluster (Spark) reads a big file in pieces.
//!
//! A range `[start, end)` holds the records whose first byte lies in
//! `[boundary(start), boundary(end))`, the boundaries found by
//! [`ikou_cleanse::boundary::record_boundary`] for the layout's framing: the ranges of a file
//! cut at any offsets give each record exactly once, framed as a whole-file run frames it.
//! The cross-record checks (duplicate keys, households) need every record of the run; a
//! range gives, for each record, the values those checks read (`check` in
//! [`RangeRecord`]: pass 1's values) so that a cluster can count them with a shuffle, and
//! [`check_reasons`] gives the reasons a whole-file run would add.

use crate::checks::apply_facts;
use crate::error::RunError;
use crate::input::{read_chunk, FileFrames};
use crate::options::RunOptions;
use crate::plan::{check_indices, key_of, CrossFacts, Plan, Processed, Reason, Scratch};
use ikou_cleanse::boundary::{record_boundary, Split};
use ikou_cleanse::frame::{RawRecord, RecordReader};
use ikou_layout_spec::RecordRole;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The input at `path` cannot be opened or read.
fn input_err(path: &Path) -> impl Fn(io::Error) -> RunError + Copy + '_ {
    move |error| RunError::Input {
        path: path.to_path_buf(),
        error,
    }
}

/// The record boundaries of `[start, end)` in the file at `path`: the offsets of the first
/// records at or after `start` and `end` (a file that cannot be split by its layout gives
/// `(0, len)` to the range at offset 0 and an empty range to the others).
///
/// # Errors
/// The file cannot be opened or read.
pub fn range_bounds(
    plan: &Plan,
    path: &Path,
    start: u64,
    end: u64,
) -> Result<(u64, u64), RunError> {
    let err = input_err(path);
    let mut f = File::open(path).map_err(err)?;
    let len = f.metadata().map_err(err)?.len();
    let split = Split::of(&plan.source);
    let a = record_boundary(&mut f, split, len, start).map_err(err)?;
    let b = record_boundary(&mut f, split, len, end.max(start)).map_err(err)?;
    Ok((a, b))
}

/// One record of a range: what the pipeline made of it, and the values the cross-record
/// checks read (one per target item, `None` for the items no check reads; empty for a
/// header or trailer out of place).
#[derive(Debug, Clone)]
pub struct RangeRecord {
    /// The record, processed (`offset` is its byte offset in the file).
    pub processed: Processed,
    /// Pass 1's values of the target items the checks read.
    pub check: Vec<Option<String>>,
}

/// What one range held: every physical record is a header, a trailer, a row or a reject.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RangeCounts {
    /// The range's first record boundary.
    pub first: u64,
    /// The range's end boundary (the next range's first).
    pub end: u64,
    /// Physical records framed.
    pub physical: u64,
    /// Header records in their place.
    pub header: u64,
    /// Trailer records in their place.
    pub trailer: u64,
    /// Records handed on to conversion (`rows + rejected`).
    pub input: u64,
    /// Records converted.
    pub rows: u64,
    /// Records rejected (without the cross-record checks).
    pub rejected: u64,
}

/// Reads the records of one byte range of one file and runs them through a [`Plan`].
pub struct RangeReader {
    plan: Plan,
    path: PathBuf,
    reader: RecordReader<BufReader<io::Take<File>>>,
    frames: FileFrames,
    counts: RangeCounts,
    scratch: Scratch,
    chunk: Vec<RawRecord>,
    opts: RunOptions,
    more: bool,
    checks: bool,
}

impl std::fmt::Debug for RangeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeReader")
            .field("path", &self.path)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

impl RangeReader {
    /// A reader of the records of `[start, end)` of the file at `path` (offsets as given to
    /// the partition: they are moved to record boundaries here).
    ///
    /// # Errors
    /// The file cannot be opened or read; the layout cannot be framed.
    pub fn open(plan: &Plan, path: &Path, start: u64, end: u64) -> Result<RangeReader, RunError> {
        let (first, last) = range_bounds(plan, path, start, end)?;
        let err = input_err(path);
        let mut f = File::open(path).map_err(err)?;
        f.seek(SeekFrom::Start(first)).map_err(err)?;
        let opts = RunOptions::new("");
        let reader = opts
            .record_reader(BufReader::new(f.take(last - first)), &plan.source)
            .map_err(RunError::Layout)?;
        let mut plan = plan.clone();
        plan.set_keep_before(false);
        plan.set_change_text(false);
        let (unique, household) = check_indices(&plan);
        Ok(RangeReader {
            checks: !unique.is_empty() || household.is_some(),
            scratch: Scratch::new(plan.charset()),
            plan,
            path: path.to_path_buf(),
            reader,
            frames: FileFrames::default(),
            counts: RangeCounts {
                first,
                end: last,
                ..RangeCounts::default()
            },
            chunk: Vec::new(),
            opts,
            more: first < last,
        })
    }

    /// The next records (up to `max`), or `None` at the end of the range (after which
    /// [`RangeReader::counts`] is complete and checked).
    ///
    /// # Errors
    /// A read error (with the record's byte offset in the file), or an accounting failure.
    pub fn next_records(&mut self, max: usize) -> Result<Option<Vec<RangeRecord>>, RunError> {
        if !self.more {
            return Ok(None);
        }
        let base = self.counts.first;
        let more = read_chunk(
            &mut self.reader,
            &mut self.chunk,
            (max.max(1), self.opts.chunk_bytes),
            &self.path,
            &mut self.frames,
        )
        .map_err(|e| match e {
            RunError::Read { path, mut error } => {
                error.offset += base;
                RunError::Read { path, error }
            }
            e => e,
        })?;
        let mut out = Vec::with_capacity(self.chunk.len());
        for r in self.chunk.iter_mut() {
            r.offset += base;
            let number = self.counts.input + 1;
            let p = self.plan.process(r, number, &mut self.scratch);
            let check = if self.checks && r.role == RecordRole::Data {
                self.plan.check_values(r, &mut self.scratch)
            } else {
                Vec::new()
            };
            self.counts.input += 1;
            if p.rejected() {
                self.counts.rejected += 1;
            } else {
                self.counts.rows += 1;
            }
            out.push(RangeRecord {
                processed: p,
                check,
            });
        }
        if !more {
            self.more = false;
            self.finish()?;
        }
        Ok(Some(out))
    }

    fn finish(&mut self) -> Result<(), RunError> {
        let c = &mut self.counts;
        c.physical = self.reader.summary().records;
        c.header = self.frames.header;
        c.trailer = self.frames.trailer;
        if c.physical != c.header + c.trailer + self.frames.handed_on
            || self.frames.handed_on != c.input
            || c.input != c.rows + c.rejected
        {
            return Err(RunError::Frame(format!(
                "{} bytes {}..{}: accounting failed: {} physical records ≠ {} header + {} trailer + {} data, or {} data ≠ {} rows + {} rejected",
                self.path.display(),
                c.first,
                c.end,
                c.physical,
                c.header,
                c.trailer,
                self.frames.handed_on,
                c.input,
                c.rows,
                c.rejected
            )));
        }
        Ok(())
    }

    /// The counts so far (complete once [`RangeReader::next_records`] returned `None`).
    pub fn counts(&self) -> RangeCounts {
        self.counts
    }

    /// The plan the records are processed with.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }
}

/// The target items the cross-record checks read: the unique keys (in the profile's
/// order), and the household key with its head item and head value.
pub fn check_items(plan: &Plan) -> (Vec<String>, Option<(String, String, String)>) {
    let (unique, household) = check_indices(plan);
    let key = |i: usize| {
        plan.target
            .items
            .get(i)
            .map(|t| t.key.clone())
            .unwrap_or_default()
    };
    let head_value = crate::checks::head_value(plan);
    (
        unique.iter().copied().map(key).collect(),
        household.map(|(h, hh)| (key(h), key(hh), head_value)),
    )
}

/// The reasons a whole-file run adds to a record whose target values are `after` (one per
/// target item), given what counting over every record found: for each unique key of
/// [`check_items`], how many records share this record's value (`None` or 1: no
/// duplicate), and for the household check, how many heads this record's household has
/// (`None`: the record has no household key, or exactly one head).
pub fn check_reasons(
    plan: &Plan,
    after: &[Option<String>],
    duplicates: &[Option<u32>],
    household_heads: Option<u32>,
) -> Vec<Reason> {
    let (unique, household) = check_indices(plan);
    let mut facts = CrossFacts {
        duplicates: vec![HashMap::new(); unique.len()],
        ..CrossFacts::default()
    };
    for (k, &i) in unique.iter().enumerate() {
        if let (Some(Some(n)), Some(Some(v)), Some(d)) =
            (duplicates.get(k), after.get(i), facts.duplicates.get_mut(k))
        {
            if *n > 1 {
                d.insert(key_of(v), *n);
            }
        }
    }
    if let (Some((hk, _)), Some(heads)) = (household, household_heads) {
        if let Some(Some(home)) = after.get(hk) {
            if heads != 1 {
                facts.bad_households.insert(key_of(home), heads);
            }
        }
    }
    let mut p = Processed {
        after: after.to_vec(),
        ..Processed::default()
    };
    apply_facts(plan, &facts, &mut p);
    p.reasons
}

/// A record's reject kinds as rejects.csv writes them (ids joined by `|`, a kind repeated
/// in a row written once).
pub fn reject_kinds(reasons: &[Reason]) -> String {
    let mut kinds: Vec<&str> = reasons.iter().map(|r| r.kind.id()).collect();
    kinds.dedup();
    kinds.join("|")
}

/// A record's reasons as rejects.csv writes them (before its formula guard): joined by `; `.
pub fn reject_reasons(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::fixtures_tests::{sample, sample_plan};
    use crate::run::{run, NoProgress, Outputs};

    /// Every record of `path` read in ranges cut every `step` bytes: (offset, kinds).
    fn by_ranges(plan: &Plan, path: &Path, step: u64) -> (Vec<(u64, String)>, RangeCounts) {
        let len = std::fs::metadata(path).unwrap().len();
        let mut all = Vec::new();
        let mut total = RangeCounts::default();
        let mut start = 0;
        while start < len {
            let end = (start + step).min(len);
            let mut r = RangeReader::open(plan, path, start, end).unwrap();
            while let Some(recs) = r.next_records(97).unwrap() {
                for rec in recs {
                    all.push((rec.processed.offset, reject_kinds(&rec.processed.reasons)));
                }
            }
            let c = r.counts();
            total.physical += c.physical;
            total.input += c.input;
            total.rows += c.rows;
            total.rejected += c.rejected;
            start = end;
        }
        (all, total)
    }

    #[test]
    fn ranges_give_every_record_once_as_the_whole_file_does() {
        let plan = sample_plan();
        let base = std::env::temp_dir().join(format!("ikou-range-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        // A record cut short across the boundary of the second and third ranges of 70,001 bytes: framing re-syncs at
        // its CR LF, and the damaged record is rejected once.
        let mut bytes = std::fs::read(sample()).unwrap();
        let damaged = 302 * 463; // record 464: bytes 139,826..140,128 hold the boundary 140,002
        bytes.drain(damaged + 10..damaged + 40);
        let input = base.join("in.dat");
        std::fs::write(&input, &bytes).unwrap();
        let mut opts = crate::run::RunOptions::new(base.join("run"));
        opts.outputs = Outputs::minimal();
        let m = run(&plan, std::slice::from_ref(&input), &opts, &NoProgress).unwrap();
        for step in [70_001, 302 * 7, 301, 1 << 30] {
            let (recs, total) = by_ranges(&plan, &input, step);
            assert_eq!(total.input, m.counts.input_records, "step {step}");
            assert_eq!(total.physical, m.counts.input_records);
            assert_eq!(total.rows + total.rejected, total.input);
            let offsets: Vec<u64> = recs.iter().map(|r| r.0).collect();
            let mut sorted = offsets.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(offsets, sorted, "each record once, in order (step {step})");
            let hit: Vec<_> = recs.iter().filter(|r| r.0 == damaged as u64).collect();
            assert_eq!(hit.len(), 1);
            assert!(hit[0].1.contains("frame.wrong_length"), "{:?}", hit[0]);
        }
        // The rejects without the cross-record checks: the run's minus those checks'.
        let (recs, total) = by_ranges(&plan, &input, 70_001);
        let only_checks = m
            .counts
            .rejects_by_reason
            .get("check.duplicate")
            .copied()
            .unwrap_or(0);
        assert!(only_checks > 0);
        assert!(total.rejected < m.counts.rejected_records);
        assert!(recs.iter().all(|r| !r.1.contains("check.")));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn check_reasons_are_the_whole_runs() {
        let plan = sample_plan();
        let (unique, household) = check_items(&plan);
        assert!(!unique.is_empty());
        let (home, _, _) = household.clone().unwrap();
        let n = plan.target.items.len();
        let mut after = vec![None; n];
        let ui = plan.target.item_index(&unique[0]).unwrap();
        let hi = plan.target.item_index(&home).unwrap();
        after[ui] = Some("123".to_string());
        after[hi] = Some("9".to_string());
        let mut dups = vec![None; unique.len()];
        dups[0] = Some(3);
        let r = check_reasons(&plan, &after, &dups, Some(0));
        assert_eq!(
            reject_kinds(&r),
            "check.duplicate|check.household_no_head",
            "{r:?}"
        );
        assert!(reject_reasons(&r).contains("appears in 3 records"));
        assert!(check_reasons(&plan, &after, &[Some(1)], Some(1)).is_empty());
        assert_eq!(
            reject_kinds(&check_reasons(&plan, &after, &[], Some(2))),
            "check.household_heads"
        );
    }
}
