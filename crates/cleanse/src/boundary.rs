//! Record boundaries at byte offsets, for reading one file in byte ranges (a Spark partition,
//! a Hadoop split): where does the first record at or after an offset start?
//!
//! The rule is the one Hadoop's line reader applies, made exact for ikou's framing:
//!
//! - fixed-length records without a terminator: multiples of the record length;
//! - records ended by a terminator (fixed-length with CR LF, LF or CR; delimited records
//!   without a quote character): the byte after the first terminator that ends at or after
//!   the offset (`Any`: LF, CR LF or a lone CR);
//! - everything else — delimited records with a quote character (a quoted field may hold a
//!   line break), files with header rows or record types (their roles depend on the
//!   position in the whole file), encodings that cannot be framed on bytes — is not split:
//!   the whole file is one range.
//!
//! A range `[start, end)` then holds the records whose first byte `b` has
//! `boundary(start) <= b < boundary(end)`: the ranges of one file cut at any offsets give
//! every record exactly once. Reading from `boundary(start)` gives the records the whole
//! file's reader gives, provided a record's data bytes never hold the terminator (true of
//! text; a fixed-length layout with packed or binary items should have no terminator, or
//! be read whole).

use crate::charset::Charset;
use ikou_layout_spec::{Layout, PhysicalFormat, Terminator};
use std::io::{self, Read, Seek, SeekFrom};

/// How a layout's files can be cut into byte ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Records of exactly this many bytes, one after the other.
    Stride(u64),
    /// Records ended by this terminator.
    Terminator(Terminator),
    /// Not splittable: the whole file is one range.
    Whole,
}

impl Split {
    /// The rule for `layout`'s files.
    pub fn of(layout: &Layout) -> Split {
        let byte_framed =
            Charset::from_label(&layout.encoding).is_some_and(Charset::frames_on_bytes);
        if layout.record_types.is_some() {
            return Split::Whole;
        }
        match &layout.format {
            // A UTF-8 file may open with a byte order mark: its records are not at multiples.
            PhysicalFormat::Fixed {
                record_length,
                terminator: Terminator::None,
            } if *record_length > 0 && !layout.encoding.to_ascii_lowercase().starts_with("utf") => {
                Split::Stride(u64::from(*record_length))
            }
            PhysicalFormat::Fixed { terminator, .. } if byte_framed => {
                Split::Terminator(*terminator)
            }
            PhysicalFormat::Delimited {
                quote: None,
                header_rows: 0,
                terminator,
                ..
            } if byte_framed => Split::Terminator(if *terminator == Terminator::None {
                Terminator::Any
            } else {
                *terminator
            }),
            _ => Split::Whole,
        }
    }

    /// Whether a file can be cut into more than one range.
    pub fn splits(self) -> bool {
        self != Split::Whole
    }
}

/// The offset of the first record that starts at or after `offset` in a file of `len`
/// bytes read through `rdr` (`len` when none does; 0 for offset 0).
///
/// # Errors
/// I/O errors of `rdr`.
pub fn record_boundary<R: Read + Seek>(
    rdr: &mut R,
    split: Split,
    len: u64,
    offset: u64,
) -> io::Result<u64> {
    if offset == 0 {
        return Ok(0);
    }
    if offset >= len {
        return Ok(len);
    }
    let term = match split {
        Split::Whole => return Ok(len),
        Split::Stride(n) => return Ok(offset.div_ceil(n.max(1)).saturating_mul(n).min(len)),
        Split::Terminator(Terminator::None) => return Ok(len),
        Split::Terminator(t) => t,
    };
    // Position q starts a record when the bytes before it end a terminator.
    let from = offset.saturating_sub(2);
    rdr.seek(SeekFrom::Start(from))?;
    let mut prev: [Option<u8>; 2] = [None, None]; // b[q-2], b[q-1]
    let mut q = from;
    let mut buf = vec![0u8; 64 << 10];
    let starts = |pp: Option<u8>, p: Option<u8>, cur: Option<u8>| match term {
        Terminator::Lf => p == Some(b'\n'),
        Terminator::Cr => p == Some(b'\r'),
        Terminator::Crlf => pp == Some(b'\r') && p == Some(b'\n'),
        Terminator::Any => p == Some(b'\n') || (p == Some(b'\r') && cur != Some(b'\n')),
        Terminator::None => false,
    };
    loop {
        let n = match rdr.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for &b in buf.iter().take(n) {
            if q >= len {
                return Ok(len);
            }
            if q >= offset && starts(prev[0], prev[1], Some(b)) {
                return Ok(q);
            }
            prev = [prev[1], Some(b)];
            q += 1;
        }
    }
    // The end of the file: a lone CR as the last byte ends a record there too.
    Ok(len)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Every record start of `data` framed by `term`, by brute force.
    fn starts(data: &[u8], split: Split) -> Vec<u64> {
        let len = data.len() as u64;
        let mut v: Vec<u64> = (0..=len)
            .map(|o| record_boundary(&mut Cursor::new(data), split, len, o).unwrap())
            .collect();
        v.dedup();
        v
    }

    #[test]
    fn terminators_give_the_byte_after_the_next_terminator() {
        let data = b"ab\r\ncd\r\n\r\nef";
        assert_eq!(
            starts(data, Split::Terminator(Terminator::Crlf)),
            vec![0, 4, 8, 10, 12]
        );
        // A lone CR or LF is no CR LF terminator.
        let data = b"a\rb\nc\r\nd";
        assert_eq!(
            starts(data, Split::Terminator(Terminator::Crlf)),
            vec![0, 7, 8]
        );
        assert_eq!(
            starts(data, Split::Terminator(Terminator::Lf)),
            vec![0, 4, 7, 8]
        );
        assert_eq!(
            starts(data, Split::Terminator(Terminator::Cr)),
            vec![0, 2, 6, 8]
        );
        // Any: LF, CR LF (one terminator, never a record between its bytes) or a lone CR.
        assert_eq!(
            starts(data, Split::Terminator(Terminator::Any)),
            vec![0, 2, 4, 7, 8]
        );
        assert_eq!(
            starts(b"a\r", Split::Terminator(Terminator::Any)),
            vec![0, 2]
        );
    }

    #[test]
    fn offsets_on_a_record_start_stay_and_others_move_on() {
        let data = b"0123\n5678\nab";
        let len = data.len() as u64;
        let b = |o| {
            record_boundary(
                &mut Cursor::new(data),
                Split::Terminator(Terminator::Lf),
                len,
                o,
            )
            .unwrap()
        };
        assert_eq!(b(0), 0);
        assert_eq!(b(1), 5);
        assert_eq!(b(5), 5, "an offset at a record's first byte is that record");
        assert_eq!(b(6), 10);
        assert_eq!(b(10), 10);
        assert_eq!(b(11), len);
        assert_eq!(b(99), len);
    }

    #[test]
    fn strides_and_whole_files() {
        let data = vec![b'x'; 25];
        assert_eq!(starts(&data, Split::Stride(10)), vec![0, 10, 20, 25]);
        assert_eq!(starts(&data, Split::Whole), vec![0, 25]);
        // Past one 64 KiB read: the scan goes on into the next block.
        let mut big = vec![b'x'; 100_000];
        big.push(b'\n');
        big.extend_from_slice(b"tail");
        assert_eq!(
            starts(&big, Split::Terminator(Terminator::Lf)),
            vec![0, 100_001, 100_005]
        );
    }

    #[test]
    fn layouts_choose_their_rule() {
        let catalog = ikou_layout_spec::Catalog::bundled().unwrap();
        let l = catalog.layout("legacy/sample-juki").unwrap();
        assert_eq!(Split::of(l), Split::Terminator(Terminator::Crlf));
        let mut fixed = l.clone();
        fixed.format = PhysicalFormat::Fixed {
            record_length: 300,
            terminator: Terminator::None,
        };
        assert_eq!(Split::of(&fixed), Split::Stride(300));
        let mut utf16 = l.clone();
        utf16.encoding = "utf-16le".into();
        assert_eq!(Split::of(&utf16), Split::Whole);
        assert!(!Split::Whole.splits());
    }
}
