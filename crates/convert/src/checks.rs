//! The cross-record checks: pass 1 gathers their facts (duplicate keys, households) with
//! bounded memory, and pass 2 applies them to each processed record.

use crate::error::RunError;
use crate::input::{read_chunk, FileFrames, Input};
use crate::keysort::{KeySorter, Sorter};
use crate::manifest::{RunProblem, RunProblemKind};
use crate::options::{Progress, RunOptions};
use crate::plan::{
    check_indices, key_of, order_number, row_key, CrossFacts, Plan, Processed, Scratch,
};
use crate::reason::ReasonKind;
use ikou_layout_spec::RecordRole;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::{BufReader, BufWriter, Read as _, Write as _};

/// The facts of a run without duplicates, bad households or missing keys.
fn empty_facts(plan: &Plan, unique: usize) -> CrossFacts {
    CrossFacts {
        duplicates: vec![HashMap::new(); unique],
        primary_key_duplicates: vec![HashMap::new(); plan.groups.len()],
        foreign_key_missing: plan
            .groups
            .iter()
            .map(|g| vec![HashSet::new(); g.foreign_keys.len()])
            .collect(),
        ..CrossFacts::default()
    }
}

/// Pass 1: the facts the cross-record checks need (duplicates, households). `plans` has
/// one plan per source (their groups, sequences and checks are the same), `of_input` the
/// source of each input: each input is read and processed by its own source's plan, and
/// its rows count in every group's keys, whichever source fed them.
pub(crate) fn gather_facts(
    plans: &[&Plan],
    of_input: &[usize],
    inputs: &mut [Input],
    opts: &RunOptions,
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<(CrossFacts, SequenceNumbers), RunError> {
    let Some(base) = plans.first().copied() else {
        return Ok((CrossFacts::default(), SequenceNumbers::default()));
    };
    let plan = base;
    let (unique, household) = check_indices(plan);
    let facts = empty_facts(plan, unique.len());
    if unique.is_empty()
        && household.is_none()
        && !plan.has_group_keys()
        && plan.sequences.is_empty()
    {
        return Ok((facts, SequenceNumbers::default()));
    }
    // Foreign keys count a referenced row only if its record passes the per-record work
    // (Plan::process). Pass 1 reads the key items only (Plan::check_row) and leaves that
    // work to the few records whose validity decides a foreign key (`split`, see
    // `FkMerge`); it processes every record fully (`full`, the reference) only when
    // check_row's keys could differ from process's (a key in a rewritten target form) or
    // there are more foreign keys than bits in a record's mask.
    let relations = fk_relations(plan);
    let split = !relations.is_empty()
        && relations.len() <= 64
        && plans.iter().all(|p| p.check_row_is_exact())
        && !force_full();
    let full = !relations.is_empty() && !split;
    pass1(plans, of_input, inputs, opts, pool, progress, full)
}

#[cfg(test)]
thread_local! {
    /// Tests: pass 1 processes every record (the reference the keys-only pass is compared
    /// with) in runs started on this thread.
    pub(crate) static FORCE_FULL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn force_full() -> bool {
    FORCE_FULL.with(std::cell::Cell::get)
}

#[cfg(not(test))]
fn force_full() -> bool {
    false
}

/// Every foreign key as (child group, index in its `foreign_keys`, referenced group), in
/// group order: the bit `1 << n` of the n-th one in a record's own-row mask.
fn fk_relations(plan: &Plan) -> Vec<(usize, usize, usize)> {
    plan.groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| {
            group
                .foreign_keys
                .iter()
                .enumerate()
                .map(move |(f, (parent, _))| (g, f, *parent))
        })
        .collect()
}

/// The household check's head value (empty without the check).
pub(crate) fn head_value(plan: &Plan) -> String {
    plan.profile
        .checks
        .household
        .as_ref()
        .map(|h| h.head_value.clone())
        .unwrap_or_default()
}

/// One key of a record for one of pass 1's sorters.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// Sequence `q`: [key, order 1, order 2, record number].
    Sequence(usize, [u64; 4]),
    /// The primary key of the record's row in group `g`.
    PrimaryKey(usize, u64),
    /// Foreign key `b` ([`fk_relations`] order): [key << 1, record] for a child row,
    /// [key << 1 | 1, record] for a referenced row.
    ForeignKey(usize, [u64; 2]),
    /// Unique check `k`.
    Unique(usize, u64),
    /// The household key << 1, | 1 for a head.
    Household(u64),
}

/// What pass 1 needs to work out a record's [`Entry`]s from its target values.
struct RowKeys<'a> {
    plan: &'a Plan,
    relations: &'a [(usize, usize, usize)],
    unique: &'a [usize],
    household: Option<(usize, usize)>,
    head_value: &'a str,
    /// Every record processed: only valid records' rows are referenced rows.
    full: bool,
}

impl RowKeys<'_> {
    /// Appends the entries of record `record` (target values `v`, groups without a row
    /// `skipped`, `valid` when processed fully and not rejected) to `out`.
    fn entries(
        &self,
        v: &[Option<String>],
        skipped: u64,
        valid: bool,
        record: u64,
        out: &mut Vec<Entry>,
    ) {
        if v.is_empty() {
            return;
        }
        let plan = self.plan;
        let has_row = |g: usize| g >= 64 || skipped & (1u64 << g) == 0;
        for (n, q) in plan.sequences.iter().enumerate() {
            if !has_row(q.group) {
                continue;
            }
            let Some(key) = row_key(&q.key, v) else {
                continue; // not numbered: pass 2 says so if the item is required
            };
            // Descending (`-item`): the largest first, an empty value last.
            let order = |k: usize| {
                q.order.get(k).map_or(0, |i| {
                    let n = order_number(v.get(*i).and_then(|x| x.as_deref()));
                    if q.descending.get(k).copied().unwrap_or(false) {
                        u64::MAX - n
                    } else {
                        n
                    }
                })
            };
            out.push(Entry::Sequence(n, [key, order(0), order(1), record]));
        }
        for (g, group) in plan.groups.iter().enumerate() {
            if !has_row(g) {
                continue;
            }
            if let Some(k) = row_key(&group.primary_key, v) {
                out.push(Entry::PrimaryKey(g, k));
            }
            for (b, (c, f, _)) in self.relations.iter().enumerate() {
                let items = group.foreign_keys.get(*f).map(|x| &x.1);
                if let (true, Some(k)) = (*c == g, items.and_then(|i| row_key(i, v))) {
                    out.push(Entry::ForeignKey(b, [k << 1, record]));
                }
            }
            // This row as the referenced row of foreign keys (of those that reference
            // its group).
            let referenced = self.relations.iter().any(|(_, _, parent)| *parent == g);
            if referenced && (valid || !self.full) {
                if let Some(k) = row_key(&group.referenced_key, v) {
                    for (b, (_, _, parent)) in self.relations.iter().enumerate() {
                        if *parent == g {
                            out.push(Entry::ForeignKey(b, [(k << 1) | 1, record]));
                        }
                    }
                }
            }
        }
        for (k, &i) in self.unique.iter().enumerate() {
            if let Some(Some(val)) = v.get(i) {
                out.push(Entry::Unique(k, key_of(val)));
            }
        }
        if let Some((hk, hh)) = self.household {
            if let Some(Some(home)) = v.get(hk) {
                let head = v.get(hh).and_then(|x| x.as_deref()) == Some(self.head_value);
                out.push(Entry::Household((key_of(home) << 1) | u64::from(head)));
            }
        }
    }
}

/// [`gather_facts`] once the kind of pass is chosen: `full` processes every record
/// (`Plan::process`) and lists only the referenced rows of valid records; otherwise the
/// key items are read (`Plan::check_row`) and every referenced row is listed.
fn pass1(
    plans: &[&Plan],
    of_input: &[usize],
    inputs: &mut [Input],
    opts: &RunOptions,
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
    full: bool,
) -> Result<(CrossFacts, SequenceNumbers), RunError> {
    let Some(base) = plans.first().copied() else {
        return Ok((CrossFacts::default(), SequenceNumbers::default()));
    };
    let plan = base;
    let (unique, household) = check_indices(plan);
    let mut facts = empty_facts(plan, unique.len());
    let relations = fk_relations(plan);
    let head_value = head_value(plan);
    let total: u64 = inputs.iter().map(|i| i.len).sum();
    // Keys are sorted with bounded memory (spilled to the run directory when large).
    let limit = opts.sort_buffer_keys;
    let mut uniques: Vec<KeySorter> = (0..unique.len())
        .map(|k| KeySorter::new(&opts.out_dir, &format!("unique{k}"), limit))
        .collect();
    let mut homes = KeySorter::new(&opts.out_dir, "households", limit);
    // Per group: its primary keys.
    let mut pks: Vec<KeySorter> = (0..plan.groups.len())
        .map(|g| KeySorter::new(&opts.out_dir, &format!("pk{g}"), limit))
        .collect();
    // Per sequence: [key, order 1, order 2, record number] of every row of its group.
    let mut seqs: Vec<Sorter<[u64; 4]>> = (0..plan.sequences.len())
        .map(|n| Sorter::new(&opts.out_dir, &format!("seq{n}"), limit))
        .collect();
    // Per foreign key: [key << 1, record] for a child row, [key << 1 | 1, record] for a
    // referenced row (`full`: of a valid record only).
    let mut fks: Vec<Sorter<[u64; 2]>> = relations
        .iter()
        .map(|(g, f, _)| Sorter::new(&opts.out_dir, &format!("fk{g}-{f}"), limit))
        .collect();
    // A few parts per worker, for balance.
    let mut parts: Vec<Vec<Entry>> = vec![Vec::new(); pool.current_num_threads().max(1) * 4];
    progress.start(1, total);
    each_chunk(plans, of_input, inputs, opts, |plan, chunk, next_record| {
        // Each record's keys are worked out on the workers; this thread only files them.
        let keys = RowKeys {
            plan,
            relations: &relations,
            unique,
            household,
            head_value: &head_value,
            full,
        };
        // The chunk in `parts.len()` parts, each filling its own entry list (kept from
        // chunk to chunk, so that its memory is reused rather than allocated again).
        let size = chunk.len().div_ceil(parts.len()).max(1);
        let used = chunk.len().div_ceil(size);
        pool.install(|| {
            parts
                .par_iter_mut()
                .zip(chunk.par_chunks(size))
                .enumerate()
                .for_each(|(k, (out, part))| {
                    out.clear();
                    let mut s = Scratch::new(plan.charset());
                    for (n, r) in part.iter().enumerate() {
                        // A misplaced header or trailer has no keys.
                        if r.role != RecordRole::Data {
                            continue;
                        }
                        let record = next_record + (k * size + n) as u64;
                        if full {
                            let p = plan.process(r, 0, &mut s);
                            keys.entries(&p.after, p.skipped, !p.rejected(), record, out);
                        } else {
                            let (v, skipped) = plan.check_row(r, &mut s);
                            keys.entries(&v, skipped, false, record, out);
                        }
                    }
                });
        });
        // In record order: the parts follow each other in the chunk.
        for e in parts.iter().take(used).flatten() {
            let pushed = match *e {
                Entry::Sequence(q, x) => seqs.get_mut(q).map(|l| l.push(x)),
                Entry::PrimaryKey(g, k) => pks.get_mut(g).map(|l| l.push(k)),
                Entry::ForeignKey(b, x) => fks.get_mut(b).map(|l| l.push(x)),
                Entry::Unique(k, x) => uniques.get_mut(k).map(|l| l.push(x)),
                Entry::Household(x) => Some(homes.push(x)),
            };
            pushed.transpose().map_err(spill_err)?;
        }
        let bytes: u64 = chunk.iter().map(|r| r.bytes.len() as u64 + 2).sum();
        progress.advance(chunk.len() as u64, bytes);
        Ok(true)
    })?;
    progress.finish();
    for (k, list) in uniques.into_iter().enumerate() {
        let found = duplicates_of(list).map_err(spill_err)?;
        if let Some(d) = facts.duplicates.get_mut(k) {
            *d = found;
        }
    }
    for (g, list) in pks.into_iter().enumerate() {
        let found = duplicates_of(list).map_err(spill_err)?;
        if let Some(d) = facts.primary_key_duplicates.get_mut(g) {
            *d = found;
        }
    }
    // Foreign keys: a child key is missing when no valid referenced row has it, or when
    // the referenced rows of that key are rejected as duplicates (FkMerge).
    let mut need: Sorter<[u64; 2]> = Sorter::new(&opts.out_dir, "fkneed", limit);
    let mut own: Sorter<[u64; 2]> = Sorter::new(&opts.out_dir, "fkown", limit);
    let mut open: Vec<KeySorter> = (0..relations.len())
        .map(|b| KeySorter::new(&opts.out_dir, &format!("fkopen{b}"), limit))
        .collect();
    for (b, (list, open)) in fks.into_iter().zip(open.iter_mut()).enumerate() {
        let (g, f, parent) = relations.get(b).copied().unwrap_or_default();
        let mut merge = FkMerge {
            bit: 1u64 << b,
            split: !full,
            dups: facts.primary_key_duplicates.get(parent),
            run: None,
            missing: HashSet::new(),
            need: &mut need,
            own: &mut own,
            open,
            failed: None,
        };
        list.for_each_sorted(|e| merge.entry(e))
            .map_err(spill_err)?;
        let missing = merge.finish().map_err(spill_err)?;
        if let Some(slot) = facts
            .foreign_key_missing
            .get_mut(g)
            .and_then(|x| x.get_mut(f))
        {
            *slot = missing;
        }
    }
    let mut numbers = SequenceNumbers::default();
    if !relations.is_empty() {
        numbers.own = Some(record_file(&opts.out_dir, "fkown", own).map_err(spill_err)?);
    }
    if !full {
        let need = record_file(&opts.out_dir, "fkneed", need).map_err(spill_err)?;
        process_needed(
            plans, of_input, inputs, opts, pool, need, &relations, &mut open,
        )?;
        for (b, list) in open.into_iter().enumerate() {
            let (g, f, _) = relations.get(b).copied().unwrap_or_default();
            let found = still_missing(list).map_err(spill_err)?;
            if let Some(slot) = facts
                .foreign_key_missing
                .get_mut(g)
                .and_then(|x| x.get_mut(f))
            {
                slot.extend(found);
            }
        }
    }
    // Sequences: number the rows of each key in order, then sort the numbers back into
    // record order and keep them in a file that pass 2 reads as it goes.
    for (n, sorter) in seqs.into_iter().enumerate() {
        let mut by_record: Sorter<[u64; 2]> =
            Sorter::new(&opts.out_dir, &format!("seqrec{n}"), limit);
        let mut last: Option<u64> = None;
        let mut count = 0u64;
        let mut failed = None;
        sorter
            .for_each_sorted(|[key, _, _, record]| {
                count = if last == Some(key) { count + 1 } else { 1 };
                last = Some(key);
                if failed.is_none() {
                    if let Err(e) = by_record.push([record, count]) {
                        failed = Some(e);
                    }
                }
            })
            .map_err(spill_err)?;
        if let Some(e) = failed {
            return Err(spill_err(e));
        }
        let file = record_file(&opts.out_dir, &format!("seqnum-{n}"), by_record);
        numbers.files.push(file.map_err(spill_err)?);
    }
    // Households: keys are (home << 1 | is_head); count the heads of each home.
    let mut run: Option<(u64, u32)> = None;
    let bad = &mut facts.bad_households;
    homes
        .for_each_sorted(|h| {
            let (home, head) = (h >> 1, (h & 1) as u32);
            match &mut run {
                Some((h0, heads)) if *h0 == home => *heads += head,
                _ => {
                    if let Some((h0, heads)) = run.take() {
                        if heads != 1 {
                            bad.insert(h0, heads);
                        }
                    }
                    run = Some((home, head));
                }
            }
        })
        .map_err(spill_err)?;
    if let Some((h0, heads)) = run {
        if heads != 1 {
            bad.insert(h0, heads);
        }
    }
    Ok((facts, numbers))
}

/// The keys that occur more than once, with their counts: runs of equal keys in sorted
/// order, a run longer than one being a duplicate.
fn duplicates_of(list: KeySorter) -> std::io::Result<HashMap<u64, u32>> {
    let mut found = HashMap::new();
    let mut run: Option<(u64, u32)> = None;
    list.for_each_sorted(|key| match &mut run {
        Some((k0, n)) if *k0 == key => *n += 1,
        _ => {
            if let Some((k0, n)) = run.take() {
                if n > 1 {
                    found.insert(k0, n);
                }
            }
            run = Some((key, 1));
        }
    })?;
    if let Some((k0, n)) = run {
        if n > 1 {
            found.insert(k0, n);
        }
    }
    Ok(found)
}

/// One key of a foreign key's sorted list: its child rows come first, then its
/// referenced rows (`count`, and the record of the first one).
#[derive(Default)]
struct KeyRun {
    key: u64,
    children: u64,
    child: u64,
    parents: u64,
    parent: u64,
}

/// Merges one foreign key's sorted list ([key << 1, record] per child row, [key << 1 | 1,
/// record] per referenced row) into the keys that are missing.
///
/// A child key is missing when no referenced row has it or when its referenced rows are
/// primary-key duplicates (decided here), or else when none of its referenced rows
/// belongs to a valid record (a record that passes `Plan::process`). Pass 1 reads keys
/// only, so in `split` mode that last question goes one of two ways:
/// - the key has one referenced row and one child row, both of the same record (the head
///   of a household's own 世帯 row → its own 住民 row, the common case): nobody else is
///   concerned, so pass 2 decides when it processes that record anyway — the record's bit
///   goes to `own` ([`ChunkFacts::own_missing`]);
/// - otherwise (several history rows of one key, children of other records): the records
///   of its referenced rows go to `need`, to be processed in a second read
///   ([`process_needed`]), and the key to `open` (`key << 1 | 1`), where those of them
///   that are valid add `key << 1` ([`still_missing`]).
///
/// This is exactly the full pass's rule (process every record, list only valid referenced
/// rows), which the `full` mode keeps as the reference: tests compare the two.
struct FkMerge<'a> {
    bit: u64,
    split: bool,
    dups: Option<&'a HashMap<u64, u32>>,
    run: Option<KeyRun>,
    missing: HashSet<u64>,
    need: &'a mut Sorter<[u64; 2]>,
    own: &'a mut Sorter<[u64; 2]>,
    open: &'a mut KeySorter,
    failed: Option<std::io::Error>,
}

impl FkMerge<'_> {
    fn duplicated(&self, key: u64) -> bool {
        self.dups.is_some_and(|d| d.contains_key(&key))
    }

    fn entry(&mut self, [tagged, record]: [u64; 2]) {
        if self.failed.is_none() {
            if let Err(e) = self.try_entry(tagged >> 1, tagged & 1 == 1, record) {
                self.failed = Some(e);
            }
        }
    }

    fn try_entry(&mut self, key: u64, parent: bool, record: u64) -> std::io::Result<()> {
        if self.run.as_ref().is_none_or(|r| r.key != key) {
            if let Some(r) = self.run.take() {
                self.close(&r)?;
            }
            self.run = Some(KeyRun {
                key,
                ..KeyRun::default()
            });
        }
        let duplicated = self.duplicated(key);
        let Some(run) = self.run.as_mut() else {
            return Ok(());
        };
        if !parent {
            run.children += 1;
            if run.children == 1 {
                run.child = record;
            }
            return Ok(());
        }
        run.parents += 1;
        if !self.split || run.children == 0 || duplicated {
            return Ok(());
        }
        // A second referenced row: every one of them needs its record processed.
        match run.parents {
            1 => run.parent = record,
            2 => {
                let first = run.parent;
                self.need.push([first, 0])?;
                self.need.push([record, 0])?;
            }
            _ => self.need.push([record, 0])?,
        }
        Ok(())
    }

    fn close(&mut self, r: &KeyRun) -> std::io::Result<()> {
        if r.children == 0 {
            return Ok(());
        }
        if r.parents == 0 || self.duplicated(r.key) {
            self.missing.insert(r.key);
            return Ok(());
        }
        if !self.split {
            return Ok(()); // a valid referenced row has the key
        }
        if r.parents == 1 && r.children == 1 && r.child == r.parent {
            return self.own.push([r.child, self.bit]);
        }
        if r.parents == 1 {
            self.need.push([r.parent, 0])?;
        }
        self.open.push((r.key << 1) | 1)
    }

    /// The keys found missing, once every entry is in.
    fn finish(mut self) -> std::io::Result<HashSet<u64>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Some(r) = self.run.take() {
            self.close(&r)?;
        }
        Ok(self.missing)
    }
}

/// The second read of pass 1 (`split` mode): the records listed in `need` (ascending) are
/// processed fully, and each valid one adds its referenced rows' keys (`key << 1`) to the
/// `open` list of every foreign key that refers to its groups. Reading stops after the
/// last listed record.
#[allow(clippy::too_many_arguments)]
fn process_needed(
    plans: &[&Plan],
    of_input: &[usize],
    inputs: &mut [Input],
    opts: &RunOptions,
    pool: &rayon::ThreadPool,
    mut need: NumberFile,
    relations: &[(usize, usize, usize)],
    open: &mut [KeySorter],
) -> Result<(), RunError> {
    if need.next.is_none() {
        return Ok(());
    }
    each_chunk(plans, of_input, inputs, opts, |plan, chunk, next_record| {
        let picked: Vec<_> = need
            .take(next_record, chunk.len())
            .map_err(spill_err)?
            .iter()
            .zip(chunk)
            .filter(|(x, r)| x.is_some() && r.role == RecordRole::Data)
            .map(|(_, r)| r)
            .collect();
        let keys: Vec<Vec<Option<u64>>> = pool.install(|| {
            picked
                .par_iter()
                .map_init(
                    || Scratch::new(plan.charset()),
                    |s, r| {
                        let p = plan.process(r, 0, s);
                        let valid = !p.rejected();
                        relations
                            .iter()
                            .map(|(_, _, parent)| {
                                let group = plan.groups.get(*parent)?;
                                (valid && p.has_row(*parent))
                                    .then(|| row_key(&group.referenced_key, &p.after))
                                    .flatten()
                            })
                            .collect()
                    },
                )
                .collect()
        });
        for record in &keys {
            for (k, list) in record.iter().zip(open.iter_mut()) {
                if let Some(k) = k {
                    list.push(k << 1).map_err(spill_err)?;
                }
            }
        }
        Ok(need.next.is_some())
    })
}

/// The error of a spilled key run of the first pass.
fn spill_err(error: std::io::Error) -> RunError {
    RunError::Output {
        name: "the first pass's key runs".into(),
        error,
    }
}

/// Reads every input's records in chunks, each input with the plan of its source, and
/// hands `f` each chunk with the number of its first record; stops when `f` says `false`.
/// Pass 1 and its second read of the referenced records read the inputs this one way.
fn each_chunk(
    plans: &[&Plan],
    of_input: &[usize],
    inputs: &mut [Input],
    opts: &RunOptions,
    mut f: impl FnMut(&Plan, &[ikou_cleanse::frame::RawRecord], u64) -> Result<bool, RunError>,
) -> Result<(), RunError> {
    let Some(base) = plans.first().copied() else {
        return Ok(());
    };
    let mut next_record = 1u64;
    for (n, input) in inputs.iter_mut().enumerate() {
        let plan = of_input
            .get(n)
            .and_then(|s| plans.get(*s))
            .copied()
            .unwrap_or(base);
        let path = &input.path.clone();
        let mut ignored = FileFrames::default();
        let mut reader = opts
            .record_reader(input.rewind()?, &plan.source)
            .map_err(RunError::Layout)?;
        let mut chunk = Vec::new();
        loop {
            opts.check_cancel()?;
            let more = read_chunk(&mut reader, &mut chunk, opts.chunk(), path, &mut ignored)?;
            let go_on = f(plan, &chunk, next_record)?;
            next_record += chunk.len() as u64;
            if !go_on {
                return Ok(());
            }
            if !more {
                break;
            }
        }
    }
    Ok(())
}

/// The open keys of one foreign key (`key << 1 | 1`) that no valid referenced row
/// (`key << 1`) has.
fn still_missing(list: KeySorter) -> std::io::Result<HashSet<u64>> {
    let mut missing = HashSet::new();
    // (a valid referenced row seen, open)
    for_each_key_run(
        list,
        |(valid, open): &mut (bool, bool), is_open| {
            *valid |= !is_open;
            *open |= is_open;
        },
        |k, (valid, open)| {
            if open && !valid {
                missing.insert(k);
            }
        },
    )?;
    Ok(missing)
}

/// Walks a sorted list of `key << 1 | flag` entries key by key: `fold` takes each entry's
/// flag into its key's state (from `S::default()`), `close` gets each key with its final
/// state, in key order.
fn for_each_key_run<S: Default>(
    list: KeySorter,
    mut fold: impl FnMut(&mut S, bool),
    mut close: impl FnMut(u64, S),
) -> std::io::Result<()> {
    let mut run: Option<(u64, S)> = None;
    list.for_each_sorted(|t| {
        let (key, flag) = (t >> 1, t & 1 == 1);
        match &mut run {
            Some((k0, state)) if *k0 == key => fold(state, flag),
            _ => {
                if let Some((k, state)) = run.take() {
                    close(k, state);
                }
                let mut state = S::default();
                fold(&mut state, flag);
                run = Some((key, state));
            }
        }
    })?;
    if let Some((k, state)) = run {
        close(k, state);
    }
    Ok(())
}

/// Pass 2's cross-record checks of one processed record (`own`: its own-row foreign keys
/// found missing, [`ChunkFacts::own_missing`]; 0 outside a run).
pub(crate) fn apply_facts(plan: &Plan, facts: &CrossFacts, p: &mut Processed) {
    apply_facts_own(plan, facts, p, 0);
}

/// [`apply_facts`] with the record's own-row foreign keys found missing.
pub(crate) fn apply_facts_own(plan: &Plan, facts: &CrossFacts, p: &mut Processed, own: u64) {
    apply_group_facts(plan, facts, p, own);
    let (unique, household) = check_indices(plan);
    for (k, &i) in unique.iter().enumerate() {
        let Some(Some(v)) = p.after.get(i) else {
            continue;
        };
        if let Some(n) = facts.duplicates.get(k).and_then(|d| d.get(&key_of(v))) {
            let key = plan.target.items.get(i).map(|t| t.key.clone());
            p.reasons.push(crate::plan::Reason {
                kind: ReasonKind::CheckDuplicate,
                message: format!(
                    "the same {} appears in {n} records",
                    key.as_deref().unwrap_or("value")
                ),
                item: key,
            });
        }
    }
    if let Some((hk, _)) = household {
        if let Some(Some(home)) = p.after.get(hk) {
            if let Some(&heads) = facts.bad_households.get(&key_of(home)) {
                let h = plan.profile.checks.household.as_ref();
                p.reasons.push(crate::plan::Reason {
                    kind: if heads == 0 {
                        ReasonKind::CheckHouseholdNoHead
                    } else {
                        ReasonKind::CheckHouseholdHeads
                    },
                    item: h.map(|h| h.key.clone()),
                    message: format!(
                        "the household has {heads} records with {} = {} (exactly one is required)",
                        h.map(|h| h.head_item.as_str()).unwrap_or("head"),
                        h.map(|h| h.head_value.as_str()).unwrap_or("")
                    ),
                });
            }
        }
    }
}

/// The key checks of the groups: a row whose primary key another row of its group has, or
/// whose foreign key has no valid row in the referenced group, rejects its source record.
fn apply_group_facts(plan: &Plan, facts: &CrossFacts, p: &mut Processed, own: u64) {
    let keys = |items: &[usize]| {
        items
            .iter()
            .filter_map(|i| plan.target.items.get(*i).map(|t| t.key.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut bit = 1u64;
    for (g, group) in plan.groups.iter().enumerate() {
        // The bits of this group's foreign keys in `own` (fk_relations' order).
        let first_bit = bit;
        bit = bit
            .checked_shl(group.foreign_keys.len() as u32)
            .unwrap_or(0);
        if !p.has_row(g) {
            continue;
        }
        if let Some(n) = row_key(&group.primary_key, &p.after)
            .and_then(|k| facts.primary_key_duplicates.get(g)?.get(&k))
        {
            p.reasons.push(crate::plan::Reason {
                kind: ReasonKind::CheckPrimaryKeyDuplicate,
                item: Some(keys(&group.primary_key)),
                message: format!(
                    "the primary key ({}) of group {} appears in {n} rows",
                    keys(&group.primary_key),
                    group.name
                ),
            });
        }
        for (f, (parent, items)) in group.foreign_keys.iter().enumerate() {
            let mine = first_bit.checked_shl(f as u32).unwrap_or(0);
            let missing = row_key(items, &p.after).is_some_and(|k| {
                own & mine != 0
                    || facts
                        .foreign_key_missing
                        .get(g)
                        .and_then(|x| x.get(f))
                        .is_some_and(|m| m.contains(&k))
            });
            if missing {
                let parent = plan.groups.get(*parent).map_or("", |x| x.name.as_str());
                p.reasons.push(crate::plan::Reason {
                    kind: ReasonKind::CheckForeignKeyMissing,
                    item: Some(keys(items)),
                    message: format!(
                        "the foreign key ({}) of group {} has no row in group {parent}",
                        keys(items),
                        group.name
                    ),
                });
            }
        }
    }
}

/// Pass 2's watch on foreign keys that dangle after all (issue #13): pass 1 counts a
/// referenced row as present when its record passes the per-record work and its primary
/// key is unique; a record rejected in pass 2 by another cross-record check still counted.
/// This counts the output rows whose foreign key names the row of a rejected record, in
/// bounded memory (per foreign key, one external sort of `key << 1` for a rejected record's
/// referenced row and `key << 1 | 1` for an output row's foreign key).
pub(crate) struct DanglingWatch {
    /// (child group, foreign key index, sorter).
    relations: Vec<(usize, usize, KeySorter)>,
}

impl DanglingWatch {
    pub(crate) fn new(plan: &Plan, opts: &RunOptions) -> DanglingWatch {
        let mut relations = Vec::new();
        for (g, group) in plan.groups.iter().enumerate() {
            for f in 0..group.foreign_keys.len() {
                let name = format!("dangling{g}-{f}");
                let sorter = KeySorter::new(&opts.out_dir, &name, opts.sort_buffer_keys);
                relations.push((g, f, sorter));
            }
        }
        DanglingWatch { relations }
    }

    /// Notes one chunk's results.
    pub(crate) fn note(&mut self, plan: &Plan, results: &[Processed]) -> Result<(), RunError> {
        let spill_err = |error| RunError::Output {
            name: "the foreign keys' key runs".into(),
            error,
        };
        for (g, f, sorter) in &mut self.relations {
            let Some((parent, items)) = plan.groups.get(*g).and_then(|x| x.foreign_keys.get(*f))
            else {
                continue;
            };
            let Some(referenced) = plan.groups.get(*parent) else {
                continue;
            };
            for p in results {
                if p.rejected() {
                    if p.has_row(*parent) {
                        if let Some(k) = row_key(&referenced.referenced_key, &p.after) {
                            sorter.push(k << 1).map_err(spill_err)?;
                        }
                    }
                } else if p.has_row(*g) {
                    if let Some(k) = row_key(items, &p.after) {
                        sorter.push((k << 1) | 1).map_err(spill_err)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The problems of the run: per foreign key, the output rows that dangle.
    pub(crate) fn finish(self, plan: &Plan) -> Result<Vec<RunProblem>, RunError> {
        let spill_err = |error| RunError::Output {
            name: "the foreign keys' key runs".into(),
            error,
        };
        let mut problems = Vec::new();
        for (g, f, sorter) in self.relations {
            // (a rejected record's referenced row seen, output rows naming it)
            let mut count = 0u64;
            for_each_key_run(
                sorter,
                |(rejected, n): &mut (bool, u64), child| {
                    *rejected |= !child;
                    *n += u64::from(child);
                },
                |_, (rejected, n)| {
                    if rejected {
                        count += n;
                    }
                },
            )
            .map_err(spill_err)?;
            if count == 0 {
                continue;
            }
            let Some(group) = plan.groups.get(g) else {
                continue;
            };
            let Some((parent, items)) = group.foreign_keys.get(f) else {
                continue;
            };
            let parent = plan.groups.get(*parent).map_or("", |x| x.name.as_str());
            let keys: Vec<&str> = items
                .iter()
                .filter_map(|i| plan.target.items.get(*i).map(|t| t.key.as_str()))
                .collect();
            problems.push(RunProblem::new(
                RunProblemKind::ForeignKeyDangling,
                None,
                format!(
                    "{count} rows of {} (group {}) have a foreign key ({}) whose row in group {parent} belongs to a record rejected by another cross-record check: that row is in rejects.csv, not in the group's file",
                    group.file,
                    group.name,
                    keys.join(", ")
                ),
            ));
        }
        Ok(problems)
    }
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod checks_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::options::{NoProgress, Outputs, RunOptions};
    use crate::plan::Plan;
    use ikou_cleanse::gaiji::GaijiTable;
    use ikou_layout_spec::profile::{load_profile_file, ProfileAccess};
    use ikou_layout_spec::Catalog;
    use std::path::{Path, PathBuf};

    fn groups() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/groups")
    }

    fn groups_plan() -> Plan {
        let mut catalog = Catalog::bundled().unwrap();
        let profile = load_profile_file(
            &groups().join("groups.toml"),
            &mut catalog,
            &ProfileAccess::default(),
        )
        .unwrap();
        Plan::new(&catalog, profile, GaijiTable::new()).unwrap()
    }

    #[test]
    fn issue13_group_keys_are_read_from_the_layouts() {
        let plan = groups_plan();
        let names: Vec<&str> = plan.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["kojin", "setai"]);
        let key = |i: &usize| plan.target.items[*i].key.as_str();
        let kojin = &plan.groups[0];
        assert_eq!(
            kojin.primary_key.iter().map(key).collect::<Vec<_>>(),
            ["kojin.atena_no"]
        );
        assert_eq!(kojin.foreign_keys.len(), 1);
        assert_eq!(kojin.foreign_keys[0].0, 1);
        assert_eq!(
            kojin.foreign_keys[0].1.iter().map(key).collect::<Vec<_>>(),
            ["kojin.setai_no"]
        );
        let setai = &plan.groups[1];
        assert_eq!(
            setai.primary_key.iter().map(key).collect::<Vec<_>>(),
            ["setai.setai_no"]
        );
        assert!(setai.foreign_keys.is_empty());
        assert_eq!(setai.range, 4..6);
    }

    #[test]
    fn issue13_history_numbers_spilled_are_the_same() {
        let base = std::env::temp_dir().join(format!("ikou-history-spill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let mut catalog = Catalog::bundled().unwrap();
        let profile = load_profile_file(
            &groups().join("history.toml"),
            &mut catalog,
            &ProfileAccess::default(),
        )
        .unwrap();
        let plan = Plan::new(&catalog, profile, GaijiTable::new()).unwrap();
        assert_eq!(plan.sequences.len(), 1);
        // 宛名番号 + 履歴番号 is unique by construction: not sorted for duplicates.
        assert!(plan.groups[0].primary_key.is_empty());
        let input = [groups().join("rireki.csv")];
        let mut a = RunOptions::new(base.join("a"));
        a.outputs = Outputs::minimal();
        let mut b = RunOptions::new(base.join("b"));
        b.outputs = Outputs::minimal();
        b.sort_buffer_keys = 1;
        b.chunk_records = 2; // numbers read back across chunks
        let ma = crate::run::run(&plan, &input, &a, &NoProgress).unwrap();
        let mb = crate::run::run(&plan, &input, &b, &NoProgress).unwrap();
        assert_eq!(ma.outputs, mb.outputs);
        let csv = std::fs::read_to_string(base.join("b/rireki.csv")).unwrap();
        let numbers: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        assert_eq!(numbers, ["2", "2", "1", "3", "1", "1"]);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn issue13_order_numbers_sort_dates_and_partial_dates() {
        use crate::plan::order_number;
        assert_eq!(order_number(None), 0);
        assert_eq!(order_number(Some("")), 0);
        assert!(order_number(Some("1990-01")) < order_number(Some("1990-01-01")));
        assert!(order_number(Some("1990-01-31")) < order_number(Some("1990-02")));
        assert!(order_number(Some("19891231")) < order_number(Some("1990-01-01")));
        assert!(order_number(Some("")) < order_number(Some("0")));
    }

    #[test]
    fn issue13_spilling_the_group_keys_gives_the_same_run() {
        let base = std::env::temp_dir().join(format!("ikou-groups-spill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let plan = groups_plan();
        let input = [groups().join("kojin.csv")];
        let mut a = RunOptions::new(base.join("a"));
        a.outputs = Outputs::minimal();
        let mut b = RunOptions::new(base.join("b"));
        b.outputs = Outputs::minimal();
        b.sort_buffer_keys = 2; // every key sort and the dangling watch spill
        let ma = crate::run::run(&plan, &input, &a, &NoProgress).unwrap();
        let mb = crate::run::run(&plan, &input, &b, &NoProgress).unwrap();
        assert_eq!(ma.outputs, mb.outputs);
        assert_eq!(ma.counts, mb.counts);
        assert_eq!(ma.groups, mb.groups);
        assert_eq!(
            mb.counts.rejects_by_reason["check.primary_key_duplicate"],
            4
        );
        assert_eq!(mb.counts.rejects_by_reason["check.foreign_key_missing"], 5);
        let left: Vec<_> = std::fs::read_dir(base.join("b"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&base).unwrap();
    }
}

/// The numbers of the sequences ([`Plan::sequences`]), in record order, for pass 2: one
/// private file per sequence in the run directory (`.seqnum-N.partial`, 16 bytes per
/// numbered row: record, number), read as the records go by and removed when dropped;
/// and, with foreign keys, the records whose own referenced row decides a foreign key of
/// their own child row (`.fkown.partial`: record, mask of [`fk_relations`] bits).
#[derive(Default)]
pub(crate) struct SequenceNumbers {
    files: Vec<NumberFile>,
    own: Option<NumberFile>,
}

/// A file of (record, value) pairs in ascending record order, read as the records go by
/// and removed when dropped.
struct NumberFile {
    path: std::path::PathBuf,
    reader: BufReader<std::fs::File>,
    /// The next (record, value) not yet handed out.
    next: Option<[u64; 2]>,
}

impl NumberFile {
    fn advance(&mut self) -> std::io::Result<()> {
        let mut b = [0u8; 16];
        self.next = match self.reader.read_exact(&mut b) {
            Ok(()) => {
                let (r, n) = b.split_at(8);
                let get = |x: &[u8]| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(x);
                    u64::from_le_bytes(a)
                };
                Some([get(r), get(n)])
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => None,
            Err(e) => return Err(e),
        };
        Ok(())
    }

    /// The values of records `first .. first + count` (`None`: not in the file); records
    /// are asked for in ascending order.
    fn take(&mut self, first: u64, count: usize) -> std::io::Result<Vec<Option<u64>>> {
        let mut v = vec![None; count];
        while let Some([record, number]) = self.next {
            if record >= first + count as u64 {
                break;
            }
            if let Some(slot) = record
                .checked_sub(first)
                .and_then(|i| v.get_mut(i as usize))
            {
                *slot = Some(number);
            }
            self.advance()?;
        }
        Ok(v)
    }
}

impl Drop for NumberFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes the sorted (record, value) pairs of `by_record` to the private file
/// `dir/.NAME.partial`, the values of one record ORed into one pair, and opens it for
/// reading.
fn record_file(
    dir: &std::path::Path,
    name: &str,
    by_record: Sorter<[u64; 2]>,
) -> std::io::Result<NumberFile> {
    let path = dir.join(format!(".{name}.partial"));
    let mut w = BufWriter::with_capacity(1 << 16, crate::output::create_private(&path)?);
    let mut failed = None;
    let mut last: Option<[u64; 2]> = None;
    let mut put = |pair: [u64; 2], w: &mut BufWriter<std::fs::File>| {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&pair[0].to_le_bytes());
        b[8..].copy_from_slice(&pair[1].to_le_bytes());
        if failed.is_none() {
            if let Err(e) = w.write_all(&b) {
                failed = Some(e);
            }
        }
    };
    by_record.for_each_sorted(|[record, value]| match &mut last {
        Some([r, v]) if *r == record => *v |= value,
        _ => {
            if let Some(pair) = last.replace([record, value]) {
                put(pair, &mut w);
            }
        }
    })?;
    if let Some(pair) = last {
        put(pair, &mut w);
    }
    if let Some(e) = failed {
        return Err(e);
    }
    w.flush()?;
    drop(w);
    let mut f = NumberFile {
        reader: BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?),
        path,
        next: None,
    };
    f.advance()?;
    Ok(f)
}

/// What pass 1 hands to pass 2 for one chunk of records.
pub(crate) struct ChunkFacts {
    /// `numbers[sequence][i]`: the number of record `first + i` (`None`: not numbered).
    pub(crate) numbers: Vec<Vec<Option<u64>>>,
    /// Per record of the chunk, its own-row foreign keys (bits of [`fk_relations`]).
    own: Vec<Option<u64>>,
}

impl ChunkFacts {
    /// The foreign keys of record `i` of the chunk that are missing because they refer to
    /// the record's own referenced row (the only one of that key) and the record fails
    /// its per-record work: `rejected` is [`Processed::rejected`] right after
    /// [`Plan::process`], before the run numbers it or applies the cross-record checks —
    /// what pass 1 called a valid record.
    pub(crate) fn own_missing(&self, i: usize, rejected: bool) -> u64 {
        if rejected {
            self.own.get(i).copied().flatten().unwrap_or(0)
        } else {
            0
        }
    }
}

impl SequenceNumbers {
    /// The numbers of records `first .. first + count` and their own-row foreign keys.
    /// Records are asked for in ascending order.
    pub(crate) fn take(&mut self, first: u64, count: usize) -> Result<ChunkFacts, RunError> {
        let err = |error| RunError::Output {
            name: "the sequence numbers".into(),
            error,
        };
        let mut numbers = Vec::with_capacity(self.files.len());
        for f in &mut self.files {
            numbers.push(f.take(first, count).map_err(err)?);
        }
        let own = match &mut self.own {
            Some(f) => f.take(first, count).map_err(err)?,
            None => Vec::new(),
        };
        Ok(ChunkFacts { numbers, own })
    }
}
