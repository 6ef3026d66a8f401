//! Pass 2's records dropped on the worker that processed them ([`Releaser`]).

use crate::plan::Processed;

/// The index of the pool's worker this runs on (0 outside a pool), as a chunk's records
/// note it.
pub(crate) fn worker_index() -> u8 {
    rayon::current_thread_index().map_or(0, |i| u8::try_from(i).unwrap_or(u8::MAX))
}

/// Drops written records on the worker that processed them. Their values were allocated
/// there; freed from another thread, every value goes through the allocator's cross-thread
/// path, which cost about a fifth of a 2-thread run (docs/BENCHMARKS.md, run W). A record
/// of this thread is dropped at once; one of another worker waits in that worker's slot
/// until it next starts on a chunk's records ([`Releaser::drop_mine`]). A slot holds at
/// most `limit` records: beyond that they are dropped here, so memory stays bounded however
/// the pool schedules its work.
pub(crate) struct Releaser {
    slots: Vec<std::sync::Mutex<Vec<Processed>>>,
    limit: usize,
}

impl Releaser {
    pub(crate) fn new(threads: usize, limit: usize) -> Releaser {
        let slots = if threads > 1 { threads } else { 0 };
        Releaser {
            slots: (0..slots).map(|_| std::sync::Mutex::default()).collect(),
            limit,
        }
    }

    fn slot(&self, i: usize) -> Option<std::sync::MutexGuard<'_, Vec<Processed>>> {
        let slot = self.slots.get(i)?;
        Some(
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Drops what the other workers left for this one.
    pub(crate) fn drop_mine(&self) {
        let mine = rayon::current_thread_index()
            .and_then(|i| self.slot(i))
            .map(|mut slot| std::mem::take(&mut *slot));
        drop(mine);
    }

    /// Releases a written chunk's records (`threads`: the worker of each, [`worker_index`]).
    pub(crate) fn release(&self, results: Vec<Processed>, threads: &[u8]) {
        let Some(me) = rayon::current_thread_index() else {
            return;
        };
        if self.slots.is_empty() {
            return;
        }
        let mut parts: Vec<Vec<Processed>> = self.slots.iter().map(|_| Vec::new()).collect();
        for (p, &t) in results.into_iter().zip(threads) {
            match parts.get_mut(usize::from(t)) {
                Some(part) if usize::from(t) != me => part.push(p),
                _ => drop(p),
            }
        }
        for (i, part) in parts.into_iter().enumerate() {
            let Some(mut slot) = self.slot(i).filter(|_| !part.is_empty()) else {
                continue;
            };
            if slot.len() + part.len() <= self.limit {
                slot.extend(part);
            } else {
                drop(slot);
                drop(part);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-thread run drops each written record on the worker that processed it, and
    /// whatever the pool does, no more than the limit waits: a first version handed the
    /// records over with `spawn_broadcast` and kept 6 GB of them on 10M records, because the
    /// thread that runs pass 2 seldom looks for other work.
    #[test]
    fn released_records_wait_for_their_worker_within_the_limit() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let releaser = Releaser::new(2, 10);
        let records = |n: usize| -> Vec<Processed> {
            (0..n)
                .map(|i| Processed {
                    record: i as u64 + 1,
                    after: vec![Some("値".to_string())],
                    ..Processed::default()
                })
                .collect()
        };
        let waiting = |i: usize| releaser.slot(i).map_or(0, |s| s.len());
        pool.install(|| {
            let me = rayon::current_thread_index().unwrap();
            let other = 1 - me;
            // The other worker's records wait for it; this one's are dropped at once.
            let tags: Vec<u8> = [me, other, other, me].map(|t| t as u8).to_vec();
            releaser.release(records(4), &tags);
            assert_eq!((waiting(me), waiting(other)), (0, 2));
            // Never more than the limit, however long the other worker stays away.
            for _ in 0..50 {
                releaser.release(records(7), &[other as u8; 7]);
                assert!(waiting(other) <= 10, "{} records wait", waiting(other));
            }
            assert!(waiting(other) >= 7);
        });
        // The other worker drops its own when it next starts on records.
        pool.broadcast(|_| releaser.drop_mine());
        assert_eq!((waiting(0), waiting(1)), (0, 0));
        // One thread, or outside a pool: nothing waits.
        let single = Releaser::new(1, 10);
        single.release(records(3), &[0, 0, 0]);
        assert!(single.slots.is_empty());
        releaser.release(records(3), &[1, 1, 1]);
        assert_eq!(waiting(1), 0);
    }
}
