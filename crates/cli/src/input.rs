//! Reading inputs with bounds: a verb that looks at the start of a file (`inspect`) reads
//! a bounded number of bytes, whatever the file is (`/dev/zero`, a pipe that never ends).

use crate::exit::CliError;
use ikou_cleanse::frame::{RecordReader, DEFAULT_MAX_RECORD_LEN};
use ikou_layout_spec::Layout;
use std::cell::Cell;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;

/// A reader that ends after `left` bytes and remembers whether it stopped early.
pub struct Capped<R> {
    inner: R,
    left: u64,
    hit: Rc<Cell<bool>>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // Tell a real end from the cap: one more byte means the input goes on.
            let mut probe = [0u8; 1];
            if !self.hit.get() && self.inner.read(&mut probe)? > 0 {
                self.hit.set(true);
            }
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..max).unwrap_or(&mut []))?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// How many bytes `inspect --records N` reads at most: N + 1 records of the longest length
/// a record may have (64 MiB, the reader's limit) and its terminator. Bounds time as well as
/// memory on an input that never ends.
pub fn inspect_byte_limit(records: u64) -> u64 {
    records
        .saturating_add(1)
        .saturating_mul(DEFAULT_MAX_RECORD_LEN as u64 + 2)
}

/// A record reader over a capped file.
pub type CappedReader = RecordReader<BufReader<Capped<File>>>;

/// Opens `file` with a record reader that reads at most `limit` bytes; the flag tells,
/// after reading, whether the file went on past the limit.
pub fn open_capped_reader(
    file: &Path,
    layout: &Layout,
    limit: u64,
) -> Result<(CappedReader, Rc<Cell<bool>>), CliError> {
    let f = File::open(file)
        .map_err(|e| CliError::io(format!("{}: {e}", crate::output::shown_path(file))))?;
    let hit = Rc::new(Cell::new(false));
    let capped = Capped {
        inner: f,
        left: limit,
        hit: Rc::clone(&hit),
    };
    let reader = RecordReader::new(BufReader::with_capacity(1 << 16, capped), layout)
        .map_err(|e| CliError::usage(format!("{}: {e}", crate::output::shown_path(file))))?;
    Ok((reader, hit))
}
