//! A CSV row reader with bounded memory, for the run files `verify` and the report read
//! (below both: `verify` counts rows with it, the report reads columns).
//!
//! The `csv` crate keeps a whole row in memory: a row of 3 GB (a damaged or planted
//! `rejects.csv`, a sparse file of zeros) is a 3 GB allocation. This reader streams the bytes
//! once and keeps, of each row, only the columns asked for and only up to a cap of bytes per
//! field (the rest is counted, not stored). Its notion of a row is the `csv` crate's (RFC 4180
//! with `flexible` rows): fields separated by `,`, a field that starts with `"` is quoted
//! (`""` is a quote, commas and newlines inside are data), a row ends at LF, CR or CRLF
//! outside quotes, and empty lines are skipped.

use std::io::{self, BufRead, BufReader, Read};

/// Bytes kept of a header field (a column name).
const HEADER_FIELD_CAP: usize = 256;
/// Header fields kept.
const HEADER_FIELDS_CAP: usize = 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// One row: the kept fields (in column order; a column not kept is an empty field).
#[derive(Debug, Default)]
pub(crate) struct Row {
    fields: Vec<Vec<u8>>,
    len: usize,
    /// Whether any kept field was cut at the cap.
    pub truncated: bool,
    /// The line the row starts on (1-based).
    pub line: u64,
}

impl Row {
    /// The bytes of field `i` (empty when the row has no such field or it was not kept).
    pub(crate) fn get(&self, i: usize) -> &[u8] {
        if i < self.len {
            self.fields.get(i).map_or(&[], Vec::as_slice)
        } else {
            &[]
        }
    }

    /// Field `i` as text: its valid UTF-8 prefix (a field cut at the cap may end inside a
    /// character).
    pub(crate) fn str(&self, i: Option<usize>) -> &str {
        let Some(i) = i else { return "" };
        let b = self.get(i);
        match std::str::from_utf8(b) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(b.get(..e.valid_up_to()).unwrap_or(&[])).unwrap_or(""),
        }
    }

    /// The number of fields the row had.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        self.len = 0;
        self.truncated = false;
    }

    fn field_mut(&mut self) -> Option<&mut Vec<u8>> {
        self.fields.get_mut(self.len)
    }
}

/// Streams the rows of a CSV file.
pub(crate) struct Rows<R: Read> {
    rdr: BufReader<R>,
    line: u64,
    /// Which columns are kept (beyond the end: none).
    keep: Vec<bool>,
    /// Bytes kept per field.
    cap: usize,
    /// Bytes read so far.
    pub bytes: u64,
}

impl<R: Read> Rows<R> {
    /// A reader that keeps no field (to count rows).
    pub(crate) fn new(inner: R) -> Rows<R> {
        Rows {
            rdr: BufReader::with_capacity(64 * 1024, inner),
            line: 1,
            keep: Vec::new(),
            cap: 0,
            bytes: 0,
        }
    }

    /// Keeps the columns `keep` says, up to `cap` bytes each.
    pub(crate) fn keep(&mut self, keep: Vec<bool>, cap: usize) {
        self.keep = keep;
        self.cap = cap;
    }

    /// Reads the header row (column names, capped) and returns it, or None for an empty file.
    ///
    /// # Errors
    /// Any read error.
    pub(crate) fn header(&mut self) -> io::Result<Option<Vec<Vec<u8>>>> {
        let (keep, cap) = (std::mem::take(&mut self.keep), self.cap);
        self.keep = vec![true; HEADER_FIELDS_CAP];
        self.cap = HEADER_FIELD_CAP;
        let mut row = Row::default();
        let found = self.next_row(&mut row)?;
        self.keep = keep;
        self.cap = cap;
        if !found {
            return Ok(None);
        }
        Ok(Some(
            (0..row.len().min(HEADER_FIELDS_CAP))
                .map(|i| row.get(i).to_vec())
                .collect(),
        ))
    }

    /// Reads the next row into `row`; false at the end of the file.
    ///
    /// # Errors
    /// Any read error.
    pub(crate) fn next_row(&mut self, row: &mut Row) -> io::Result<bool> {
        row.clear();
        if row.fields.is_empty() && !self.keep.is_empty() {
            row.fields.push(Vec::new());
        }
        if let Some(f) = row.fields.first_mut() {
            f.clear();
        }
        let (keep, cap) = (self.keep.as_slice(), self.cap);
        let mut state = State::FieldStart;
        let mut started = false;
        loop {
            let buf = self.rdr.fill_buf()?;
            if buf.is_empty() {
                if started {
                    end_field(keep, row);
                }
                return Ok(started);
            }
            let n = buf.len();
            let mut used = n;
            let mut done = false;
            let mut i = 0;
            while i < n {
                // Bytes that are not stored (a column not kept, or a cell at its cap) are
                // skipped to the next byte that matters, many at a time.
                if matches!(state, State::Unquoted | State::Quoted) && !storing(keep, cap, row) {
                    let rest = buf.get(i..).unwrap_or(&[]);
                    let skip = if state == State::Quoted {
                        memchr::memchr(b'"', rest)
                    } else {
                        memchr::memchr3(b',', b'\n', b'\r', rest)
                    }
                    .unwrap_or(rest.len());
                    if skip > 0 {
                        let span = rest.get(..skip).unwrap_or(&[]);
                        self.line += memchr::memchr_iter(b'\n', span).count() as u64;
                        if kept(keep, row) {
                            row.truncated = true;
                        }
                        i += skip;
                        continue;
                    }
                }
                let Some(&b) = buf.get(i) else { break };
                i += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                match state {
                    State::FieldStart | State::Unquoted => match b {
                        b'"' if state == State::FieldStart => {
                            if !started {
                                row.line = self.line;
                            }
                            started = true;
                            state = State::Quoted;
                        }
                        b',' => {
                            if !started {
                                row.line = self.line;
                            }
                            started = true;
                            end_field(keep, row);
                            state = State::FieldStart;
                        }
                        b'\n' | b'\r' => {
                            if started {
                                end_field(keep, row);
                                used = i;
                                done = true;
                                break;
                            }
                        }
                        _ => {
                            if !started {
                                row.line = self.line;
                            }
                            started = true;
                            push(keep, cap, row, b);
                            state = State::Unquoted;
                        }
                    },
                    State::Quoted => {
                        if b == b'"' {
                            state = State::QuoteInQuoted;
                        } else {
                            push(keep, cap, row, b);
                        }
                    }
                    State::QuoteInQuoted => match b {
                        b'"' => {
                            push(keep, cap, row, b);
                            state = State::Quoted;
                        }
                        b',' => {
                            end_field(keep, row);
                            state = State::FieldStart;
                        }
                        b'\n' | b'\r' => {
                            end_field(keep, row);
                            used = i;
                            done = true;
                            break;
                        }
                        _ => {
                            push(keep, cap, row, b);
                            state = State::Unquoted;
                        }
                    },
                }
            }
            self.rdr.consume(used);
            self.bytes += used as u64;
            if done {
                return Ok(true);
            }
        }
    }
}

/// Whether the field being read is kept.
fn kept(keep: &[bool], row: &Row) -> bool {
    keep.get(row.len).copied().unwrap_or(false)
}

/// Whether a byte of the field being read would be stored.
fn storing(keep: &[bool], cap: usize, row: &Row) -> bool {
    kept(keep, row) && row.fields.get(row.len).is_some_and(|f| f.len() < cap)
}

/// Ends the field being read.
fn end_field(keep: &[bool], row: &mut Row) {
    row.len += 1;
    if row.fields.len() < row.len + 1 && row.len < keep.len() {
        row.fields.push(Vec::new());
    }
    if let Some(f) = row.field_mut() {
        f.clear();
    }
}

fn push(keep: &[bool], cap: usize, row: &mut Row, b: u8) {
    if !keep.get(row.len).copied().unwrap_or(false) {
        return;
    }
    if let Some(f) = row.field_mut() {
        if f.len() < cap {
            f.push(b);
        } else {
            row.truncated = true;
        }
    }
}

/// Counts the rows of a CSV stream (the header row, if `header`, not counted).
///
/// # Errors
/// Any read error.
pub(crate) fn count_rows<R: Read>(inner: R, header: bool) -> io::Result<u64> {
    let mut rows = Rows::new(inner);
    let mut row = Row::default();
    let mut n = 0u64;
    while rows.next_row(&mut row)? {
        n += 1;
    }
    Ok(if header { n.saturating_sub(1) } else { n })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &[u8], cap: usize) -> Vec<(Vec<String>, bool)> {
        let mut r = Rows::new(text);
        r.keep(vec![true; 8], cap);
        let mut row = Row::default();
        let mut out = Vec::new();
        while r.next_row(&mut row).unwrap() {
            out.push((
                (0..row.len())
                    .map(|i| String::from_utf8(row.get(i).to_vec()).unwrap())
                    .collect(),
                row.truncated,
            ));
        }
        out
    }

    /// The same rows as the `csv` crate (flexible, no header) on awkward input.
    #[test]
    fn rows_are_the_csv_crates() {
        let cases: &[&[u8]] = &[
            b"a,b,c\r\n1,2,3\r\n",
            b"a,b,\n,\n\n\r\n\"x,\r\ny\",\"q\"\"q\"\n",
            b"\"a\"b,c\nlast",
            b"one\rtwo\r\n\r\nthree",
            b"\"unterminated,\nstill",
            b"",
            b"\n\n",
            b",",
        ];
        for text in cases {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(*text);
            let want: Vec<Vec<String>> = rdr
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            let got: Vec<Vec<String>> = parse(text, 1 << 20).into_iter().map(|r| r.0).collect();
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(text));
            assert_eq!(
                count_rows(*text, false).unwrap(),
                want.len() as u64,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    /// A reader that gives one byte per read (row and state across buffer boundaries).
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(out)) => {
                    *out = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// Random texts over the bytes that matter: the same rows as the `csv` crate, whether
    /// every cell is kept, none (counting), or cells are cut at 2 bytes (skipping).
    #[test]
    fn random_texts_give_the_csv_crates_rows() {
        let alphabet = b"ab,\"\n\r";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (x >> 58) as usize;
            let mut text = Vec::with_capacity(len);
            for _ in 0..len {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push(alphabet[(x >> 61) as usize % alphabet.len()]);
            }
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&text[..]);
            let want: Vec<Vec<Vec<u8>>> = rdr
                .byte_records()
                .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
                .collect();
            let shown = String::from_utf8_lossy(&text).into_owned();
            for (cap, bytewise) in [(1 << 20, false), (2, false), (1 << 20, true), (2, true)] {
                let src: Box<dyn Read> = if bytewise {
                    Box::new(OneByte(&text))
                } else {
                    Box::new(&text[..])
                };
                let mut r = Rows::new(src);
                r.keep(vec![true; 64], cap);
                let mut row = Row::default();
                let mut got = Vec::new();
                while r.next_row(&mut row).unwrap() {
                    got.push(
                        (0..row.len())
                            .map(|i| row.get(i).to_vec())
                            .collect::<Vec<_>>(),
                    );
                }
                let want_cut: Vec<Vec<Vec<u8>>> = want
                    .iter()
                    .map(|r| r.iter().map(|f| f[..f.len().min(cap)].to_vec()).collect())
                    .collect();
                assert_eq!(got, want_cut, "{shown:?} cap {cap} bytewise {bytewise}");
            }
            assert_eq!(
                count_rows(&text[..], false).unwrap(),
                want.len() as u64,
                "{shown:?}"
            );
        }
    }

    #[test]
    fn fields_are_capped_and_columns_chosen() {
        let got = parse(b"abcdef,xy\n", 3);
        assert_eq!(got, [(vec!["abc".to_string(), "xy".to_string()], true)]);
        let mut r = Rows::new(&b"h1,h2,h3\n1,2,3\n"[..]);
        let head = r.header().unwrap().unwrap();
        assert_eq!(head, [b"h1".to_vec(), b"h2".to_vec(), b"h3".to_vec()]);
        r.keep(vec![false, true], 10);
        let mut row = Row::default();
        assert!(r.next_row(&mut row).unwrap());
        assert_eq!(
            (row.len(), row.get(0), row.get(1), row.get(2)),
            (3, &b""[..], &b"2"[..], &b""[..])
        );
        assert_eq!(row.line, 2);
        assert!(!r.next_row(&mut row).unwrap());
    }

    /// A row of 256 MiB (no newline) is read in constant memory.
    #[test]
    fn a_huge_row_is_streamed() {
        let huge = std::io::repeat(0).take(256 << 20);
        assert_eq!(count_rows(huge, false).unwrap(), 1);
        let mut r = Rows::new(std::io::repeat(b'x').take(64 << 20));
        r.keep(vec![true], 16);
        let mut row = Row::default();
        assert!(r.next_row(&mut row).unwrap());
        assert_eq!(row.get(0).len(), 16);
        assert!(row.truncated);
    }
}
