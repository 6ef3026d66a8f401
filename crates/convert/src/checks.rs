//! The cross-record checks: pass 1 gathers their facts (duplicate keys, households) with
//! bounded memory, and pass 2 applies them to each processed record.

use crate::error::RunError;
use crate::input::{read_chunk, FileFrames, Input};
use crate::keysort::KeySorter;
use crate::options::{Progress, RunOptions};
use crate::plan::{check_indices, key_of, CrossFacts, Plan, Processed, Scratch};
use crate::reason::ReasonKind;
use ikou_layout_spec::RecordRole;
use rayon::prelude::*;
use std::collections::HashMap;

/// Pass 1: the facts the cross-record checks need (duplicates, households).
pub(crate) fn gather_facts(
    plan: &Plan,
    inputs: &mut [Input],
    opts: &RunOptions,
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<CrossFacts, RunError> {
    let (unique, household) = check_indices(plan);
    let mut facts = CrossFacts {
        duplicates: vec![HashMap::new(); unique.len()],
        ..CrossFacts::default()
    };
    if unique.is_empty() && household.is_none() {
        return Ok(facts);
    }
    let head_value = plan
        .profile
        .checks
        .household
        .as_ref()
        .map(|h| h.head_value.clone())
        .unwrap_or_default();
    let total: u64 = inputs.iter().map(|i| i.len).sum();
    // Keys are sorted with bounded memory (spilled to the run directory when large).
    let limit = opts.sort_buffer_keys;
    let mut keys: Vec<KeySorter> = (0..unique.len())
        .map(|k| KeySorter::new(&opts.out_dir, &format!("unique{k}"), limit))
        .collect();
    let mut homes = KeySorter::new(&opts.out_dir, "households", limit);
    let spill_err = |error| RunError::Output {
        name: "the first pass's key runs".into(),
        error,
    };
    progress.start(1, total);
    for input in inputs.iter_mut() {
        let path = &input.path.clone();
        let mut ignored = FileFrames::default();
        let mut reader = opts
            .record_reader(input.rewind()?, &plan.source)
            .map_err(RunError::Layout)?;
        let mut chunk = Vec::new();
        loop {
            opts.check_cancel()?;
            let more = read_chunk(&mut reader, &mut chunk, opts.chunk(), path, &mut ignored)?;
            let values: Vec<Vec<Option<String>>> = pool.install(|| {
                chunk
                    .par_iter()
                    .map_init(
                        || Scratch::new(plan.charset()),
                        |s, r| {
                            if r.role == RecordRole::Data {
                                plan.check_values(r, s)
                            } else {
                                Vec::new() // a misplaced header or trailer has no keys
                            }
                        },
                    )
                    .collect()
            });
            for v in &values {
                for (k, &i) in unique.iter().enumerate() {
                    if let (Some(Some(val)), Some(list)) = (v.get(i), keys.get_mut(k)) {
                        list.push(key_of(val)).map_err(spill_err)?;
                    }
                }
                if let Some((hk, hh)) = household {
                    if let Some(Some(home)) = v.get(hk) {
                        let head =
                            v.get(hh).and_then(|x| x.as_deref()) == Some(head_value.as_str());
                        homes
                            .push((key_of(home) << 1) | u64::from(head))
                            .map_err(spill_err)?;
                    }
                }
            }
            let bytes: u64 = chunk.iter().map(|r| r.bytes.len() as u64 + 2).sum();
            progress.advance(chunk.len() as u64, bytes);
            if !more {
                break;
            }
        }
    }
    progress.finish();
    for (k, list) in keys.into_iter().enumerate() {
        // Runs of equal keys in sorted order: a run longer than one is a duplicate.
        let mut run: Option<(u64, u32)> = None;
        let dups = facts.duplicates.get_mut(k);
        let mut found = HashMap::new();
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
        })
        .map_err(spill_err)?;
        if let Some((k0, n)) = run {
            if n > 1 {
                found.insert(k0, n);
            }
        }
        if let Some(d) = dups {
            *d = found;
        }
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
    Ok(facts)
}

pub(crate) fn apply_facts(plan: &Plan, facts: &CrossFacts, p: &mut Processed) {
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
