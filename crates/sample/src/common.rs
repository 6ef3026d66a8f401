//! What the 宛名 and host samples share: the random numbers, the name lists, the buffered
//! record writer and the per-record tally of dirt and expected rejects.

use super::data::to_halfwidth_kana;
use super::SampleError;
use std::collections::BTreeMap;
use std::io;

/// splitmix64: enough for made-up residents, and independent of any crate's version.
pub(crate) struct Mix(pub(crate) u64);

impl Mix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n.max(1))) >> 64) as u64
    }

    pub(crate) fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        v.get(self.below(v.len() as u64) as usize)
    }
}

/// A name in kanji and its reading in half-width kana.
pub(crate) struct Name {
    pub(crate) kanji: &'static str,
    pub(crate) kana: String,
}

/// The entries of an embedded `kanji<TAB>reading` list that `keep` accepts (given the
/// kanji and the reading in half-width kana); a list of which none is kept is an error
/// saying `none` (a build defect).
pub(crate) fn names(
    text: &'static str,
    file: &'static str,
    keep: impl Fn(&str, &str) -> bool,
    none: &str,
) -> Result<Vec<Name>, SampleError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (kanji, kana) = line.split_once('\t').ok_or(SampleError::EmbeddedData {
            file,
            line: i + 1,
            reason: "expected two tab-separated columns".into(),
        })?;
        if let Ok(half) = to_halfwidth_kana(kana) {
            if keep(kanji, &half) {
                out.push(Name { kanji, kana: half });
            }
        }
    }
    if out.is_empty() {
        return Err(SampleError::EmbeddedData {
            file,
            line: 0,
            reason: none.into(),
        });
    }
    Ok(out)
}

/// An embedded list cannot give a record (a build defect) while making the sample `file`.
pub(crate) fn build_err(file: &'static str, what: &str) -> SampleError {
    SampleError::EmbeddedData {
        file,
        line: 0,
        reason: what.to_string(),
    }
}

/// Writes records to `out` through a 64 KiB buffer, counting them, their bytes, their
/// dirt (by name, every kind listed from the start) and the records a correct conversion
/// rejects.
pub(crate) struct RecordWriter<W: io::Write> {
    out: W,
    buf: Vec<u8>,
    /// Records written.
    pub(crate) records: u64,
    /// Bytes written.
    pub(crate) bytes: u64,
    /// Records with each kind of dirt.
    pub(crate) dirt: BTreeMap<&'static str, u64>,
    /// Records a correct conversion rejects.
    pub(crate) expected_rejects: u64,
}

const BUFFER: usize = 64 * 1024;

impl<W: io::Write> RecordWriter<W> {
    /// A writer whose tally lists every dirt kind of `kinds` (at 0 until one is written).
    pub(crate) fn new(
        out: W,
        record_len: usize,
        kinds: impl IntoIterator<Item = &'static str>,
    ) -> Self {
        RecordWriter {
            out,
            buf: Vec::with_capacity(BUFFER + record_len),
            records: 0,
            bytes: 0,
            dirt: kinds.into_iter().map(|k| (k, 0)).collect(),
            expected_rejects: 0,
        }
    }

    /// Writes one record (`parts` one after another: the record, its line end), with the
    /// names of its dirt and whether a correct conversion rejects it.
    pub(crate) fn write(
        &mut self,
        parts: &[&[u8]],
        dirt: impl IntoIterator<Item = &'static str>,
        rejected: bool,
    ) -> io::Result<()> {
        for p in parts {
            self.buf.extend_from_slice(p);
            self.bytes += p.len() as u64;
        }
        if self.buf.len() >= BUFFER {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.records += 1;
        for d in dirt {
            *self.dirt.entry(d).or_insert(0) += 1;
        }
        self.expected_rejects += u64::from(rejected);
        Ok(())
    }

    /// Writes what is buffered and flushes `out`.
    pub(crate) fn finish(mut self) -> io::Result<Self> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()?;
        Ok(self)
    }
}
