//! Sorting the cross-record check keys with bounded memory: keys are collected in a buffer
//! of fixed size; a full buffer is sorted and spilled to a temporary file in the run
//! directory; at the end the sorted runs are merged. Memory stays at the buffer's size
//! whatever the number of records.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Keys kept in memory before a sorted run is spilled (8 bytes each: 4 MB per check). Small
/// enough that a 1M-record input already spills, so that peak memory is the same for 1M and
/// 10M records (16 MB per check made the first pass of a 10M run 18 MB larger than a 1M
/// run's); merging the runs reads them through 64 KiB buffers.
pub const DEFAULT_BUFFER_KEYS: usize = 1 << 19;

/// What [`Sorter`] sorts: a fixed-size tuple of `u64`s, compared in order, written as
/// little-endian bytes in spilled runs.
pub trait SortKey: Ord + Copy + std::fmt::Debug {
    /// Bytes per key.
    const BYTES: usize;
    /// Appends the key's bytes.
    fn put(&self, out: &mut Vec<u8>);
    /// The key from exactly [`SortKey::BYTES`] bytes.
    fn get(bytes: &[u8]) -> Self;
}

fn u64_at(bytes: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(s) = bytes.get(i * 8..i * 8 + 8) {
        b.copy_from_slice(s);
    }
    u64::from_le_bytes(b)
}

impl SortKey for u64 {
    const BYTES: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> u64 {
        u64_at(bytes, 0)
    }
}

impl<const N: usize> SortKey for [u64; N] {
    const BYTES: usize = 8 * N;
    fn put(&self, out: &mut Vec<u8>) {
        for x in self {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn get(bytes: &[u8]) -> [u64; N] {
        std::array::from_fn(|i| u64_at(bytes, i))
    }
}

/// Collects `u64` keys and yields them sorted.
pub type KeySorter = Sorter<u64>;

/// Collects keys (a `u64` or a tuple of them) and yields them sorted, with bounded memory.
#[derive(Debug)]
pub struct Sorter<K: SortKey> {
    buf: Vec<K>,
    limit: usize,
    dir: PathBuf,
    name: String,
    runs: Vec<PathBuf>,
}

impl<K: SortKey> Sorter<K> {
    /// A sorter spilling runs as `dir/.NAME-N.partial`, keeping at most the memory of
    /// `limit` 8-byte keys (`limit` keys of one `u64`, `limit / 4` of a `[u64; 4]`): the
    /// budget is in bytes, so that a run's sorters of wider keys (sequences, foreign keys
    /// with their record numbers) do not multiply its peak memory.
    pub fn new(dir: &Path, name: &str, limit: usize) -> Sorter<K> {
        Sorter {
            buf: Vec::new(),
            limit: (limit.saturating_mul(8) / K::BYTES.max(1)).max(1),
            dir: dir.to_path_buf(),
            name: name.to_string(),
            runs: Vec::new(),
        }
    }

    /// Adds a key.
    ///
    /// # Errors
    /// Writing a spilled run failed.
    pub fn push(&mut self, key: K) -> io::Result<()> {
        if self.buf.len() >= self.limit {
            self.spill()?;
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.limit);
        }
        self.buf.push(key);
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        self.buf.sort_unstable();
        let path = self
            .dir
            .join(format!(".{}-{}.partial", self.name, self.runs.len()));
        let mut w = BufWriter::with_capacity(1 << 16, crate::output::create_private(&path)?);
        let mut bytes = Vec::with_capacity(K::BYTES);
        for k in &self.buf {
            bytes.clear();
            k.put(&mut bytes);
            w.write_all(&bytes)?;
        }
        w.flush()?;
        self.runs.push(path);
        self.buf.clear();
        Ok(())
    }

    /// Calls `f` with every key in ascending order, then removes the spilled runs.
    ///
    /// # Errors
    /// Reading a spilled run failed.
    pub fn for_each_sorted(mut self, mut f: impl FnMut(K)) -> io::Result<()> {
        self.buf.sort_unstable();
        if self.runs.is_empty() {
            self.buf.iter().for_each(|k| f(*k));
            return Ok(());
        }
        let result = self.merge(&mut f);
        for r in &self.runs {
            let _ = std::fs::remove_file(r);
        }
        result
    }

    fn merge(&mut self, f: &mut impl FnMut(K)) -> io::Result<()> {
        let mut readers = Vec::with_capacity(self.runs.len());
        for r in &self.runs {
            readers.push(BufReader::with_capacity(1 << 16, File::open(r)?));
        }
        let mut b = vec![0u8; K::BYTES];
        let mut next = |r: &mut BufReader<File>| -> io::Result<Option<K>> {
            match r.read_exact(&mut b) {
                Ok(()) => Ok(Some(K::get(&b))),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                Err(e) => Err(e),
            }
        };
        // The in-memory rest is one more sorted run (index = readers.len()).
        let mem = std::mem::take(&mut self.buf);
        let mut mem_pos = 0usize;
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(k) = next(r)? {
                heap.push(Reverse((k, i)));
            }
        }
        let mem_run = readers.len();
        if let Some(k) = mem.first() {
            heap.push(Reverse((*k, mem_run)));
            mem_pos = 1;
        }
        while let Some(Reverse((k, i))) = heap.pop() {
            f(k);
            if i == mem_run {
                if let Some(k) = mem.get(mem_pos) {
                    heap.push(Reverse((*k, i)));
                    mem_pos += 1;
                }
            } else if let Some(r) = readers.get_mut(i) {
                if let Some(k) = next(r)? {
                    heap.push(Reverse((k, i)));
                }
            }
        }
        Ok(())
    }
}

impl<K: SortKey> Drop for Sorter<K> {
    fn drop(&mut self) {
        for r in &self.runs {
            let _ = std::fs::remove_file(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_runs_merge_in_order_and_are_removed() {
        let dir = std::env::temp_dir().join(format!("ikou-keysort-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = KeySorter::new(&dir, "k", 7);
        let mut want = Vec::new();
        let mut x = 12345u64;
        for _ in 0..100 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = x % 40; // many duplicates
            s.push(k).unwrap();
            want.push(k);
        }
        assert!(s.runs.len() > 10);
        want.sort_unstable();
        let mut got = Vec::new();
        s.for_each_sorted(|k| got.push(k)).unwrap();
        assert_eq!(got, want);
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "spilled runs left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Bug 4 (issue 7): a spilled run is a new file; a symlink planted under its name is
    /// replaced, not followed.
    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_under_a_spill_name_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("ikou-keysort-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let run = dir.join("run");
        std::fs::create_dir_all(&run).unwrap();
        let outside = dir.join("outside.txt");
        std::fs::write(&outside, b"not yours").unwrap();
        for n in 0..3 {
            std::os::unix::fs::symlink(&outside, run.join(format!(".k-{n}.partial"))).unwrap();
        }
        let mut s = KeySorter::new(&run, "k", 4);
        for k in (0..20u64).rev() {
            s.push(k).unwrap();
        }
        let mut got = Vec::new();
        s.for_each_sorted(|k| got.push(k)).unwrap();
        assert_eq!(got, (0..20).collect::<Vec<_>>());
        assert_eq!(std::fs::read(&outside).unwrap(), b"not yours");
        let left: Vec<_> = std::fs::read_dir(&run).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Session 8: the buffer is a budget in bytes (of `limit` u64 keys): a sorter of
    /// `[u64; 4]` keeps a quarter as many keys before it spills, a `[u64; 2]` half, so that
    /// the sequences' and foreign keys' sorters of pass 1 weigh what a key sorter weighs.
    #[test]
    fn the_buffer_is_a_budget_in_bytes() {
        let dir = std::env::temp_dir().join(format!("ikou-keysort-bytes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut wide: Sorter<[u64; 4]> = Sorter::new(&dir, "w", 16);
        let mut pair: Sorter<[u64; 2]> = Sorter::new(&dir, "p", 16);
        let mut one = KeySorter::new(&dir, "o", 16);
        assert_eq!((wide.limit, pair.limit, one.limit), (4, 8, 16));
        assert_eq!(Sorter::<[u64; 4]>::new(&dir, "t", 1).limit, 1);
        for k in (0..16u64).rev() {
            wide.push([k, 0, 0, k]).unwrap();
            pair.push([k, k]).unwrap();
            one.push(k).unwrap();
        }
        assert_eq!(
            (wide.runs.len(), pair.runs.len(), one.runs.len()),
            (3, 1, 0)
        );
        let mut got = Vec::new();
        wide.for_each_sorted(|k| got.push(k[3])).unwrap();
        pair.for_each_sorted(|k| got.push(k[1])).unwrap();
        one.for_each_sorted(|k| got.push(k)).unwrap();
        let want: Vec<u64> = (0..16).chain(0..16).chain(0..16).collect();
        assert_eq!(got, want);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn in_memory_when_small() {
        let dir = std::env::temp_dir();
        let mut s = KeySorter::new(&dir, "small", 100);
        for k in [5u64, 3, 9, 3] {
            s.push(k).unwrap();
        }
        let mut got = Vec::new();
        s.for_each_sorted(|k| got.push(k)).unwrap();
        assert_eq!(got, vec![3, 3, 5, 9]);
    }
}
