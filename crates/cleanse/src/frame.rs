//! Framing: splitting a file into records, streaming, by the layout's physical format — and
//! slicing fixed-length items from a record's **bytes**.
//!
//! [`RecordReader`] reads any [`io::Read`] through one bounded buffer and fills a reused
//! [`RawRecord`]. A record that is framed but damaged (a short last record, a wrong length
//! between terminators, an unclosed quote, an unknown record type, a trailer count that does
//! not match) is still returned, with its [`FrameProblem`]s, so the run can reject it with the
//! reason: nothing is lost. Only I/O failures are errors ([`ReadError`], with the byte offset).
//!
//! ```
//! use ikou_cleanse::frame::{RawRecord, RecordReader};
//! use ikou_layout_spec::{parse_layout, RecordRole};
//!
//! let layout = parse_layout(r#"
//! id = "legacy/tiny"
//! name = "tiny"
//! gyomu = "test"
//! family = "legacy"
//! source = "example"
//! version = "1"
//! status = "synthetic"
//! encoding = "cp932"
//! [format]
//! kind = "fixed"
//! record_length = 4
//! terminator = "crlf"
//! [[items]]
//! number = 1
//! name = "氏"
//! key = "shi"
//! type = "kanji_name"
//! length = 4
//! "#, "tiny.toml").unwrap();
//! // 山田 and 'ab' (too short), then the DOS EOF byte.
//! let data = b"\x8E\x52\x93\x63\r\nab\r\n\x1A";
//! let mut reader = RecordReader::new(&data[..], &layout).unwrap();
//! let mut rec = RawRecord::new();
//! assert!(reader.read_record(&mut rec).unwrap());
//! assert_eq!((rec.number, rec.offset, rec.bytes.as_slice()), (1, 0, &b"\x8E\x52\x93\x63"[..]));
//! assert!(rec.problems.is_empty());
//! assert!(reader.read_record(&mut rec).unwrap());
//! assert_eq!((rec.number, rec.offset), (2, 6));
//! assert_eq!(rec.problems[0].to_string(), "record is 2 bytes long, the layout says 4");
//! assert!(!reader.read_record(&mut rec).unwrap());
//! assert_eq!(reader.summary().eof_marker, Some(10));
//! assert_eq!(rec.role, RecordRole::Data);
//! ```

use crate::charset::{boundaries_into, is_cp932_boundary, Charset};
use ikou_layout_spec::{Item, Layout, PhysicalFormat, RecordRole, RecordTypes, Terminator};
use serde::Serialize;
use std::fmt;
use std::io::{self, Read};
use std::ops::Range;

/// The default limit on one record's length (64 MiB). Longer records are returned cut to the
/// limit with [`FrameProblem::TooLong`] (never silently).
pub const DEFAULT_MAX_RECORD_LEN: usize = 64 << 20;

/// The default limit on the fields of one delimited record (4,096). A record with more
/// fields keeps the first 4,095 as they are and the rest, unsplit, as its last field, with
/// [`FrameProblem::TooManyFields`]: a row made of commas costs memory in proportion to its
/// bytes, not to its commas.
pub const DEFAULT_MAX_FIELDS: usize = 4096;

const CHUNK: usize = 64 << 10;

/// One record as framed: its bytes (terminator excluded), where it was, its role, and for
/// delimited formats its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// 1-based record number in the file (header and trailer records count too).
    pub number: u64,
    /// Byte offset of the record's first byte in the file.
    pub offset: u64,
    /// The record's bytes without the terminator.
    pub bytes: Vec<u8>,
    /// Header, data or trailer.
    pub role: RecordRole,
    /// Everything wrong with the record's framing (empty for a good record).
    pub problems: Vec<FrameProblem>,
    /// Delimited formats: the field values, unquoted and unescaped, back to back.
    field_data: Vec<u8>,
    /// Delimited formats: end of each field in `field_data`.
    field_ends: Vec<usize>,
    /// Delimited formats: the raw byte range of each field in `bytes` (quotes included).
    field_spans: Vec<Range<usize>>,
}

impl Default for RawRecord {
    fn default() -> RawRecord {
        RawRecord::new()
    }
}

impl RawRecord {
    /// An empty record to be filled by [`RecordReader::read_record`].
    pub fn new() -> RawRecord {
        RawRecord {
            number: 0,
            offset: 0,
            bytes: Vec::new(),
            role: RecordRole::Data,
            problems: Vec::new(),
            field_data: Vec::new(),
            field_ends: Vec::new(),
            field_spans: Vec::new(),
        }
    }

    /// The first problem, if any.
    pub fn problem(&self) -> Option<&FrameProblem> {
        self.problems.first()
    }

    /// Number of fields (delimited formats; 0 for fixed-length records).
    pub fn field_count(&self) -> usize {
        self.field_ends.len()
    }

    /// Field `i`'s value bytes, unquoted and with doubled quotes undone.
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        let end = *self.field_ends.get(i)?;
        let start = if i == 0 {
            0
        } else {
            *self.field_ends.get(i - 1)?
        };
        self.field_data.get(start..end)
    }

    /// The raw byte range of field `i` inside [`RawRecord::bytes`] (quotes included).
    pub fn field_span(&self, i: usize) -> Option<Range<usize>> {
        self.field_spans.get(i).cloned()
    }

    /// The fields' value bytes in order.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.field_count()).filter_map(move |i| self.field(i))
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.problems.clear();
        self.field_data.clear();
        self.field_ends.clear();
        self.field_spans.clear();
        self.role = RecordRole::Data;
    }
}

/// What is wrong with a framed record. The record is still returned; the run rejects it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FrameProblem {
    /// The last record of a fixed-length file stops before its length (the file is cut).
    Truncated {
        /// The layout's record length.
        expected: u32,
        /// The bytes there are.
        found: usize,
    },
    /// A record between two terminators does not have the layout's length.
    WrongLength {
        /// The layout's record length.
        expected: u32,
        /// The record's length.
        found: usize,
    },
    /// The record is longer than the reader's limit: `bytes` holds the first `kept` bytes.
    TooLong {
        /// The record's full length (terminator excluded).
        length: u64,
        /// How many bytes were kept.
        kept: usize,
    },
    /// A quoted field is not closed before the end of the file.
    UnterminatedQuote,
    /// Bytes after a closing quote, before the delimiter (kept literally).
    MalformedQuote {
        /// The field index (0-based).
        field: usize,
    },
    /// A delimited record with a different number of fields than the layout has items.
    FieldCount {
        /// Items in the layout.
        expected: usize,
        /// Fields in the record.
        found: usize,
    },
    /// The record-type selector matches none of the layout's record types.
    UnknownRecordType {
        /// The selector bytes, hex.
        selector: String,
    },
    /// A header after data, data after the trailer, a second trailer.
    Misplaced {
        /// The role of the misplaced record.
        role: RecordRole,
    },
    /// A delimited record with more fields than the reader's limit: the fields past the
    /// limit are kept, unsplit, in the last field.
    TooManyFields {
        /// Fields in the record (delimiters + 1, outside quotes).
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// The trailer's record count does not match the data records read.
    TrailerCount {
        /// The count the trailer declares (None if it is not a number).
        declared: Option<u64>,
        /// Data records actually read before the trailer.
        counted: u64,
    },
}

impl FrameProblem {
    /// A stable kind id (`truncated`, `wrong_length`, …), the same as the `kind` field of
    /// its JSON form.
    pub fn kind(&self) -> &'static str {
        match self {
            FrameProblem::Truncated { .. } => "truncated",
            FrameProblem::WrongLength { .. } => "wrong_length",
            FrameProblem::TooLong { .. } => "too_long",
            FrameProblem::UnterminatedQuote => "unterminated_quote",
            FrameProblem::MalformedQuote { .. } => "malformed_quote",
            FrameProblem::FieldCount { .. } => "field_count",
            FrameProblem::UnknownRecordType { .. } => "unknown_record_type",
            FrameProblem::Misplaced { .. } => "misplaced",
            FrameProblem::TrailerCount { .. } => "trailer_count",
            FrameProblem::TooManyFields { .. } => "too_many_fields",
        }
    }
}

impl fmt::Display for FrameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameProblem::Truncated { expected, found } => write!(
                f,
                "last record is cut: {found} of {expected} bytes before the end of the file"
            ),
            FrameProblem::WrongLength { expected, found } => {
                write!(f, "record is {found} bytes long, the layout says {expected}")
            }
            FrameProblem::TooLong { length, kept } => write!(
                f,
                "record is {length} bytes long, over the limit; only the first {kept} bytes are kept"
            ),
            FrameProblem::UnterminatedQuote => {
                f.write_str("a quoted field is not closed before the end of the file")
            }
            FrameProblem::MalformedQuote { field } => write!(
                f,
                "field {} has bytes after its closing quote",
                field + 1
            ),
            FrameProblem::FieldCount { expected, found } => {
                write!(f, "record has {found} fields, the layout has {expected} items")
            }
            FrameProblem::UnknownRecordType { selector } => {
                write!(f, "unknown record type (selector bytes {selector})")
            }
            FrameProblem::Misplaced { role } => write!(f, "{} record out of place", role_name(*role)),
            FrameProblem::TooManyFields { found, limit } => write!(
                f,
                "record has about {found} fields, over the limit of {limit}; the rest is kept unsplit in the last field"
            ),
            FrameProblem::TrailerCount { declared, counted } => match declared {
                Some(d) => write!(f, "trailer declares {d} data records, {counted} were read"),
                None => write!(
                    f,
                    "trailer record count is not a number ({counted} data records were read)"
                ),
            },
        }
    }
}

/// The name of a role (`header`, `data`, `trailer`).
pub fn role_name(role: RecordRole) -> &'static str {
    match role {
        RecordRole::Header => "header",
        RecordRole::Data => "data",
        RecordRole::Trailer => "trailer",
    }
}

/// A fatal I/O error while reading records, with where it happened.
#[derive(Debug, thiserror::Error)]
#[error("reading record {record} at byte {offset}: {source}")]
pub struct ReadError {
    /// Byte offset in the file where reading failed.
    pub offset: u64,
    /// The record number being read.
    pub record: u64,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

/// A layout the reader cannot frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameConfigError {
    /// The layout's encoding label is not known.
    #[error("unknown encoding `{0}`")]
    UnknownEncoding(String),
    /// UTF-16 and ISO-2022-JP files cannot be framed on raw bytes.
    #[error("{0} files cannot be framed on their bytes; transcode them to UTF-8 first")]
    NotByteFramable(Charset),
    /// A fixed record length of 0.
    #[error("record length 0")]
    ZeroLength,
}

/// What the reader saw of the file as a whole (complete after `read_record` returned false).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FrameSummary {
    /// Records returned (all roles).
    pub records: u64,
    /// Data records returned.
    pub data_records: u64,
    /// Header records returned.
    pub header_records: u64,
    /// Trailer records returned.
    pub trailer_records: u64,
    /// Records returned with at least one problem.
    pub problem_records: u64,
    /// Bytes consumed.
    pub bytes: u64,
    /// A UTF-8 BOM was skipped at the start.
    pub bom: bool,
    /// Offset of a DOS EOF byte 0x1A found at the very end (not a record).
    pub eof_marker: Option<u64>,
    /// The last record had no terminator although the format has one.
    pub final_terminator_missing: bool,
    /// The layout has a trailer record type but the file has none.
    pub missing_trailer: bool,
    /// Line feeds (LF without a CR before it) outside quotes that did not end a record
    /// because the layout's terminator is another one: a file with another newline style.
    pub stray_lf: u64,
    /// Carriage returns (CR without an LF after it) outside quotes that did not end a record.
    pub stray_cr: u64,
    /// CRLF pairs ending records of a layout whose terminator is LF.
    pub stray_crlf: u64,
    /// The byte offset of the first stray LF or CR.
    pub first_stray_break: Option<u64>,
    /// The layout's terminator (`CRLF`, `LF`, `CR`, `any`, `none`).
    pub terminator: &'static str,
}

impl FrameSummary {
    /// The newline style the file seems to have when its stray line breaks show that it is
    /// not the layout's (`LF`, `CR`, `LF and CR`), or None.
    pub fn newline_mismatch(&self) -> Option<&'static str> {
        match (self.stray_lf > 0, self.stray_cr > 0, self.stray_crlf > 0) {
            (false, false, false) => None,
            (_, _, true) => Some("CRLF"),
            (true, true, _) => Some("LF and CR"),
            (true, false, _) => Some("LF"),
            (false, true, _) => Some("CR"),
        }
    }
}

fn terminator_name(t: Terminator) -> &'static str {
    match t {
        Terminator::Crlf => "CRLF",
        Terminator::Lf => "LF",
        Terminator::Cr => "CR",
        Terminator::Any => "any",
        Terminator::None => "none",
    }
}

#[derive(Debug, Clone)]
enum Kind {
    Fixed {
        len: usize,
        term: Terminator,
    },
    Delimited {
        delim: u8,
        quote: Option<u8>,
        header_rows: u64,
        term: Terminator,
    },
}

/// Reads records from a byte stream, one at a time, in bounded memory.
pub struct RecordReader<R> {
    rdr: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Absolute offset of `buf[start]`.
    pos: u64,
    kind: Kind,
    charset: Charset,
    types: Option<RecordTypes>,
    /// Host code pages (issue #16): the record-type selector codes as the code page writes
    /// them (data, then `types.others` in order), compared instead of their UTF-8 bytes.
    host_codes: Option<(Vec<u8>, Vec<Vec<u8>>)>,
    data_fields: Option<usize>,
    max_len: usize,
    max_fields: usize,
    started: bool,
    done: bool,
    seen_data: bool,
    seen_trailer: bool,
    summary: FrameSummary,
}

impl<R> fmt::Debug for RecordReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordReader")
            .field("pos", &self.pos)
            .field("kind", &self.kind)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

fn term_len_at(term: Terminator, data: &[u8], i: usize, eof: bool) -> Option<Option<usize>> {
    // Some(Some(n)): a terminator of n bytes at i; Some(None): none; None: need more data.
    let b = data.get(i).copied();
    let next = data.get(i + 1).copied();
    match (term, b) {
        (_, None) => Some(None),
        (Terminator::None, _) => Some(None),
        (Terminator::Lf, Some(b'\n')) => Some(Some(1)),
        (Terminator::Cr, Some(b'\r')) => Some(Some(1)),
        (Terminator::Crlf, Some(b'\r')) => match next {
            Some(b'\n') => Some(Some(2)),
            Some(_) => Some(None),
            None if eof => Some(None),
            None => None,
        },
        (Terminator::Any, Some(b'\n')) => Some(Some(1)),
        (Terminator::Any, Some(b'\r')) => match next {
            Some(b'\n') => Some(Some(2)),
            Some(_) => Some(Some(1)),
            None if eof => Some(Some(1)),
            None => None,
        },
        _ => Some(None),
    }
}

/// Whether `b` holds a CR or LF.
fn has_break(b: &[u8]) -> bool {
    b.iter().any(|c| *c == b'\r' || *c == b'\n')
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Host code pages: the record-type codes encoded as the code page writes them (a code the
/// code page cannot write keeps its UTF-8 bytes, which then match no record: every record is
/// reported as of an unknown type, never silently read as data).
fn host_selector_codes(
    charset: Charset,
    types: Option<&RecordTypes>,
) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let (Charset::Host(h), Some(rt)) = (charset, types) else {
        return None;
    };
    let codec = h.codec().ok()?;
    let enc = |code: &str| {
        codec
            .encode(code, crate::host::ItemKind::Mixed)
            .unwrap_or_else(|_| code.as_bytes().to_vec())
    };
    Some((
        enc(&rt.data_code),
        rt.others.iter().map(|s| enc(&s.code)).collect(),
    ))
}

impl<R: Read> RecordReader<R> {
    /// A reader framing `rdr` by `layout`'s physical format, record types and encoding.
    ///
    /// # Errors
    /// An unknown encoding label, an encoding that cannot be framed on bytes (UTF-16,
    /// ISO-2022-JP), a zero record length.
    pub fn new(rdr: R, layout: &Layout) -> Result<RecordReader<R>, FrameConfigError> {
        let charset = Charset::from_label(&layout.encoding)
            .ok_or_else(|| FrameConfigError::UnknownEncoding(layout.encoding.clone()))?;
        // Host code pages: fixed-length records cut on bytes (the host decoder checks shifts).
        let host_fixed = matches!(charset, Charset::Host(_))
            && matches!(layout.format, PhysicalFormat::Fixed { .. });
        if !charset.frames_on_bytes()
            && !host_fixed
            && !matches!(charset, Charset::Binary | Charset::Unknown)
        {
            return Err(FrameConfigError::NotByteFramable(charset));
        }
        let kind = match &layout.format {
            PhysicalFormat::Fixed {
                record_length,
                terminator,
            } => {
                if *record_length == 0 {
                    return Err(FrameConfigError::ZeroLength);
                }
                Kind::Fixed {
                    len: *record_length as usize,
                    term: *terminator,
                }
            }
            PhysicalFormat::Delimited {
                delimiter,
                quote,
                header_rows,
                terminator,
            } => Kind::Delimited {
                delim: *delimiter,
                quote: *quote,
                header_rows: u64::from(*header_rows),
                term: if *terminator == Terminator::None {
                    Terminator::Any
                } else {
                    *terminator
                },
            },
        };
        let term = match &kind {
            Kind::Fixed { term, .. } | Kind::Delimited { term, .. } => *term,
        };
        let data_fields = matches!(kind, Kind::Delimited { .. })
            .then(|| layout.items.iter().map(|i| i.repeat.max(1) as usize).sum());
        Ok(RecordReader {
            rdr,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            pos: 0,
            kind,
            charset,
            host_codes: host_selector_codes(charset, layout.record_types.as_ref()),
            types: layout.record_types.clone(),
            data_fields,
            max_len: DEFAULT_MAX_RECORD_LEN,
            max_fields: DEFAULT_MAX_FIELDS,
            started: false,
            done: false,
            seen_data: false,
            seen_trailer: false,
            summary: FrameSummary {
                terminator: terminator_name(term),
                ..FrameSummary::default()
            },
        })
    }

    /// Sets the limit on one record's length (at least 1 byte).
    pub fn with_max_record_len(mut self, max: usize) -> RecordReader<R> {
        self.max_len = max.max(1);
        self
    }

    /// Sets the limit on the fields of one delimited record (at least 2).
    pub fn with_max_fields(mut self, max: usize) -> RecordReader<R> {
        self.max_fields = max.max(2);
        self
    }

    /// The file-level observations so far (complete once `read_record` returned false).
    pub fn summary(&self) -> &FrameSummary {
        &self.summary
    }

    /// The charset the reader frames for.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    fn avail(&self) -> usize {
        self.end - self.start
    }

    fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    fn io_err(&self, e: io::Error) -> ReadError {
        ReadError {
            offset: self.pos + self.avail() as u64,
            record: self.summary.records + 1,
            source: e,
        }
    }

    /// Reads more bytes; returns false at end of input.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < CHUNK {
            let new_len = (self.end + CHUNK).max(self.buf.len() * 2).max(CHUNK);
            self.buf.resize(new_len, 0);
        }
        loop {
            let slot = self.buf.get_mut(self.end..).unwrap_or(&mut []);
            match self.rdr.read(slot) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io_err(e)),
            }
        }
    }

    /// Ensures at least `n` bytes are buffered, or the input has ended.
    fn want(&mut self, n: usize) -> Result<(), ReadError> {
        while self.avail() < n && self.fill()? {}
        Ok(())
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.avail());
        self.start += n;
        self.pos += n as u64;
        self.summary.bytes += n as u64;
    }

    /// Reads the next record into `rec`, reusing its buffers. Returns false at the end of the
    /// file (after which [`RecordReader::summary`] is complete).
    ///
    /// # Errors
    /// Only I/O errors of the underlying reader, with the byte offset.
    pub fn read_record(&mut self, rec: &mut RawRecord) -> Result<bool, ReadError> {
        rec.clear();
        if self.done {
            return Ok(false);
        }
        if !self.started {
            self.started = true;
            self.want(3)?;
            if self.charset == Charset::Utf8 && self.data().starts_with(b"\xEF\xBB\xBF") {
                self.consume(3);
                self.summary.bom = true;
            }
        }
        self.want(2)?;
        if self.avail() == 0 || (self.eof && self.data() == [0x1A]) {
            if self.avail() == 1 {
                self.summary.eof_marker = Some(self.pos);
                self.consume(1);
            }
            self.finish();
            return Ok(false);
        }
        rec.offset = self.pos;
        rec.number = self.summary.records + 1;
        match self.kind.clone() {
            Kind::Fixed { len, term } => self.frame_fixed(rec, len, term)?,
            Kind::Delimited {
                delim, quote, term, ..
            } => {
                self.frame_terminated(rec, quote, term)?;
                split_fields(rec, delim, quote, self.max_fields);
            }
        }
        self.classify(rec);
        self.summary.records += 1;
        if !rec.problems.is_empty() {
            self.summary.problem_records += 1;
        }
        Ok(true)
    }

    /// Strips a final 0x1A (DOS EOF) from an unterminated last piece of the file.
    fn strip_eof_marker(&mut self, rec: &mut RawRecord) {
        if self.eof && self.avail() == 0 && rec.bytes.last() == Some(&0x1A) {
            rec.bytes.pop();
            self.summary.eof_marker = Some(self.pos - 1);
        }
    }

    fn frame_fixed(
        &mut self,
        rec: &mut RawRecord,
        len: usize,
        term: Terminator,
    ) -> Result<(), ReadError> {
        let expected = u32::try_from(len).unwrap_or(u32::MAX);
        if term == Terminator::None {
            self.want(len)?;
            let n = len.min(self.avail());
            rec.bytes
                .extend_from_slice(self.data().get(..n).unwrap_or(&[]));
            self.consume(n);
            self.strip_eof_marker(rec);
            if rec.bytes.len() < len {
                rec.problems.push(FrameProblem::Truncated {
                    expected,
                    found: rec.bytes.len(),
                });
            }
            return Ok(());
        }
        self.want(len + 2)?;
        if self.avail() >= len {
            match term_len_at(term, self.data(), len, self.eof) {
                Some(Some(t)) => {
                    rec.bytes
                        .extend_from_slice(self.data().get(..len).unwrap_or(&[]));
                    self.consume(len + t);
                    return Ok(());
                }
                _ if self.eof && self.avail() == len && !has_break(self.data()) => {
                    rec.bytes.extend_from_slice(self.data());
                    self.consume(len);
                    self.summary.final_terminator_missing = true;
                    return Ok(());
                }
                _ if self.eof
                    && self.avail() == len + 1
                    && self.data().last() == Some(&0x1A)
                    && !has_break(self.data()) =>
                {
                    rec.bytes
                        .extend_from_slice(self.data().get(..len).unwrap_or(&[]));
                    self.consume(len);
                    self.summary.final_terminator_missing = true;
                    self.summary.eof_marker = Some(self.pos);
                    self.consume(1);
                    return Ok(());
                }
                _ => {}
            }
        }
        // The record is not `len` bytes followed by a terminator: frame by the terminator.
        let terminated = self.frame_terminated(rec, None, term)?;
        let found = rec.bytes.len();
        if !rec
            .problems
            .iter()
            .any(|p| matches!(p, FrameProblem::TooLong { .. }))
            && found != len
        {
            rec.problems.push(if terminated || found > len {
                FrameProblem::WrongLength { expected, found }
            } else {
                FrameProblem::Truncated { expected, found }
            });
        }
        Ok(())
    }

    /// Frames up to the next terminator (outside quotes). Returns whether a terminator ended
    /// the record (false at the end of the file).
    fn frame_terminated(
        &mut self,
        rec: &mut RawRecord,
        quote: Option<u8>,
        term: Terminator,
    ) -> Result<bool, ReadError> {
        let mut i = 0usize; // scan position relative to start
        let mut in_quotes = false;
        let mut total: u64 = 0; // bytes of the record already discarded (too-long mode)
        let mut too_long = false;
        loop {
            // Scan what is buffered.
            let mut need_more = false;
            let mut found: Option<usize> = None;
            let mut stray = [0u64; 3]; // LF, CR, CRLF that are not the terminator
            let mut first: Option<usize> = None;
            {
                let data = self.data();
                while i < data.len() {
                    let b = data.get(i).copied().unwrap_or(0);
                    if Some(b) == quote {
                        in_quotes = !in_quotes;
                        i += 1;
                        continue;
                    }
                    if !in_quotes && (b == b'\r' || b == b'\n') {
                        match term_len_at(term, data, i, self.eof) {
                            Some(Some(t)) => {
                                if term == Terminator::Lf
                                    && i > 0
                                    && data.get(i - 1).copied() == Some(b'\r')
                                {
                                    // CRLF read with an LF layout.
                                    stray[2] += 1;
                                    first.get_or_insert(i - 1);
                                }
                                found = Some(t);
                                break;
                            }
                            Some(None) => {
                                // A line break that is not this layout's terminator.
                                let prev_cr = i > 0 && data.get(i - 1).copied() == Some(b'\r');
                                if b == b'\r' && i + 1 == data.len() && !self.eof {
                                    // Whether this CR is lone or half of a CRLF is in the
                                    // next read: a chunk boundary must not decide it.
                                    need_more = true;
                                    break;
                                }
                                if b == b'\n' && !prev_cr {
                                    stray[0] += 1;
                                    first.get_or_insert(i);
                                } else if b == b'\r' && data.get(i + 1).copied() != Some(b'\n') {
                                    stray[1] += 1;
                                    first.get_or_insert(i);
                                }
                            }
                            None => {
                                need_more = true;
                                break;
                            }
                        }
                    }
                    i += 1;
                }
            }
            if stray != [0; 3] {
                let [lf, cr, crlf] = stray;
                self.summary.stray_lf += lf;
                self.summary.stray_cr += cr;
                self.summary.stray_crlf += crlf;
                if self.summary.first_stray_break.is_none() {
                    self.summary.first_stray_break = first.map(|f| self.pos + f as u64);
                }
            }
            if !too_long && i > self.max_len && (found.is_some() || self.eof) {
                too_long = true;
                rec.bytes
                    .extend_from_slice(self.data().get(..self.max_len).unwrap_or(&[]));
            }
            if let Some(t) = found {
                if too_long {
                    self.consume(i + t);
                    total += i as u64;
                    let kept = rec.bytes.len();
                    rec.problems.push(FrameProblem::TooLong {
                        length: total,
                        kept,
                    });
                } else {
                    rec.bytes
                        .extend_from_slice(self.data().get(..i).unwrap_or(&[]));
                    self.consume(i + t);
                }
                return Ok(true);
            }
            if !need_more && self.eof {
                // The end of the file ends the record.
                if too_long {
                    total += i as u64;
                    self.consume(i);
                    let kept = rec.bytes.len();
                    rec.problems.push(FrameProblem::TooLong {
                        length: total,
                        kept,
                    });
                } else {
                    rec.bytes
                        .extend_from_slice(self.data().get(..i).unwrap_or(&[]));
                    self.consume(i);
                    self.strip_eof_marker(rec);
                    if !rec.bytes.is_empty() && term != Terminator::None {
                        self.summary.final_terminator_missing = true;
                    }
                }
                if in_quotes {
                    rec.problems.push(FrameProblem::UnterminatedQuote);
                }
                return Ok(false);
            }
            // Over the limit: keep the first max_len bytes, then discard as we scan on.
            if !too_long && i > self.max_len {
                too_long = true;
                rec.bytes
                    .extend_from_slice(self.data().get(..self.max_len).unwrap_or(&[]));
            }
            if too_long {
                // Keep a possible CR at the end for the terminator check.
                let keep = if need_more { 1 } else { 0 };
                let drop = i.saturating_sub(keep);
                total += drop as u64;
                self.consume(drop);
                i -= drop;
            }
            self.fill()?;
        }
    }

    fn classify(&mut self, rec: &mut RawRecord) {
        let role = match (&self.types, &self.kind) {
            (Some(rt), _) => {
                let sel = match self.kind {
                    Kind::Fixed { .. } => {
                        let a = rt.offset as usize;
                        rec.bytes.get(a..a + rt.length as usize)
                    }
                    Kind::Delimited { .. } => rec.field(rt.offset as usize),
                };
                let sel = sel.unwrap_or(&[]);
                let (data_code, other_codes): (&[u8], Vec<&[u8]>) = match &self.host_codes {
                    Some((d, o)) => (d, o.iter().map(Vec::as_slice).collect()),
                    None => (
                        rt.data_code.as_bytes(),
                        rt.others.iter().map(|s| s.code.as_bytes()).collect(),
                    ),
                };
                if sel == data_code {
                    RecordRole::Data
                } else if let Some(sub) = rt
                    .others
                    .iter()
                    .zip(&other_codes)
                    .find(|(_, c)| sel == **c)
                    .map(|(s, _)| s)
                {
                    sub.role
                } else {
                    rec.problems
                        .push(FrameProblem::UnknownRecordType { selector: hex(sel) });
                    RecordRole::Data
                }
            }
            (None, Kind::Delimited { header_rows, .. }) if self.summary.records < *header_rows => {
                RecordRole::Header
            }
            _ => RecordRole::Data,
        };
        rec.role = role;
        let misplaced = match role {
            RecordRole::Header => self.seen_data || self.seen_trailer,
            RecordRole::Data => self.seen_trailer,
            RecordRole::Trailer => self.seen_trailer,
        };
        if misplaced {
            rec.problems.push(FrameProblem::Misplaced { role });
        }
        // Field counts of delimited records.
        if matches!(self.kind, Kind::Delimited { .. }) {
            let expected = match (role, &self.types) {
                (RecordRole::Data, _) => self.data_fields,
                (r, Some(rt)) => rt
                    .others
                    .iter()
                    .find(|s| s.role == r)
                    .map(|s| s.items.len()),
                _ => None,
            };
            if let Some(expected) = expected.filter(|e| *e > 0) {
                if rec.field_count() != expected {
                    rec.problems.push(FrameProblem::FieldCount {
                        expected,
                        found: rec.field_count(),
                    });
                }
            }
        }
        match role {
            RecordRole::Header => self.summary.header_records += 1,
            RecordRole::Data => {
                self.summary.data_records += 1;
                self.seen_data = true;
            }
            RecordRole::Trailer => {
                self.summary.trailer_records += 1;
                self.seen_trailer = true;
                self.check_trailer(rec);
            }
        }
    }

    fn check_trailer(&self, rec: &mut RawRecord) {
        let Some(rt) = &self.types else { return };
        let Some(sub) = rt.others.iter().find(|s| s.role == RecordRole::Trailer) else {
            return;
        };
        let Some(key) = &sub.count_item else { return };
        let Some(idx) = sub.items.iter().position(|i| &i.key == key) else {
            return;
        };
        let bytes = match self.kind {
            Kind::Fixed { .. } => sub.items.get(idx).and_then(|it| item_bytes(&rec.bytes, it)),
            Kind::Delimited { .. } => rec.field(idx),
        };
        // A count stored as a number (zoned, packed, binary; issue #16), or host text.
        let item = sub.items.get(idx);
        if let (Some(b), Some(it)) = (bytes, item) {
            let host_text = match self.charset {
                Charset::Host(h) if !it.representation.is_numeric() => h
                    .codec()
                    .ok()
                    .and_then(|c| c.decode(b, crate::host::ItemKind::Mixed).ok())
                    .filter(|d| d.issues.is_empty())
                    .map(|d| d.text),
                _ => None,
            };
            let declared = match crate::numbers::decode_repr(b, &it.representation) {
                Some(r) => r
                    .ok()
                    .filter(|d| d.scale == 0)
                    .and_then(|d| u64::try_from(d.unscaled).ok()),
                None => host_text.and_then(|t| {
                    let t = t.trim_matches(|c| c == ' ' || c == '\u{3000}');
                    (!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
                        .then(|| t.parse::<u64>().ok())
                        .flatten()
                }),
            };
            if it.representation.is_numeric() || matches!(self.charset, Charset::Host(_)) {
                let counted = self.summary.data_records;
                if declared != Some(counted) {
                    rec.problems
                        .push(FrameProblem::TrailerCount { declared, counted });
                }
                return;
            }
        }
        let declared = bytes.and_then(|b| {
            let s = std::str::from_utf8(b)
                .ok()?
                .trim_matches(|c| c == ' ' || c == '\u{3000}');
            (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.parse::<u64>().ok())
                .flatten()
        });
        let counted = self.summary.data_records;
        if declared != Some(counted) {
            rec.problems
                .push(FrameProblem::TrailerCount { declared, counted });
        }
    }

    fn finish(&mut self) {
        self.done = true;
        let wants_trailer = self
            .types
            .as_ref()
            .is_some_and(|rt| rt.others.iter().any(|s| s.role == RecordRole::Trailer));
        self.summary.missing_trailer = wants_trailer && !self.seen_trailer;
    }

    /// An iterator over owned records (allocates one record per item; use
    /// [`RecordReader::read_record`] in hot loops).
    pub fn into_records(self) -> IntoRecords<R> {
        IntoRecords { reader: self }
    }
}

/// Iterator returned by [`RecordReader::into_records`].
#[derive(Debug)]
pub struct IntoRecords<R> {
    reader: RecordReader<R>,
}

impl<R: Read> IntoRecords<R> {
    /// The reader's summary so far.
    pub fn summary(&self) -> &FrameSummary {
        self.reader.summary()
    }
}

impl<R: Read> Iterator for IntoRecords<R> {
    type Item = Result<RawRecord, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut rec = RawRecord::new();
        match self.reader.read_record(&mut rec) {
            Ok(true) => Some(Ok(rec)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// Splits a delimited record's bytes into fields (RFC 4180 quoting), on the raw bytes.
fn split_fields(rec: &mut RawRecord, delim: u8, quote: Option<u8>, max_fields: usize) {
    let bytes = std::mem::take(&mut rec.bytes);
    let mut i = 0usize;
    let n = bytes.len();
    let mut field = 0usize;
    loop {
        let start = i;
        if field + 1 >= max_fields {
            // The last field allowed: the rest of the record, unsplit.
            let rest = bytes.get(i..).unwrap_or(&[]);
            let more = rest.iter().filter(|b| **b == delim).count();
            rec.field_data.extend_from_slice(rest);
            rec.field_ends.push(rec.field_data.len());
            rec.field_spans.push(start..n);
            if more > 0 {
                rec.problems.push(FrameProblem::TooManyFields {
                    found: field + 1 + more,
                    limit: max_fields,
                });
            }
            break;
        }
        if quote.is_some() && bytes.get(i).copied() == quote {
            i += 1;
            let mut closed = false;
            while i < n {
                let b = bytes.get(i).copied().unwrap_or(0);
                if Some(b) == quote {
                    if bytes.get(i + 1).copied() == quote {
                        rec.field_data.push(b);
                        i += 2;
                        continue;
                    }
                    closed = true;
                    i += 1;
                    break;
                }
                rec.field_data.push(b);
                i += 1;
            }
            if closed {
                let mut extra = false;
                while i < n && bytes.get(i).copied() != Some(delim) {
                    rec.field_data.push(bytes.get(i).copied().unwrap_or(0));
                    extra = true;
                    i += 1;
                }
                if extra {
                    rec.problems.push(FrameProblem::MalformedQuote { field });
                }
            }
            // An unclosed quote can only run to the end of the file; framing reports it.
        } else {
            while i < n && bytes.get(i).copied() != Some(delim) {
                rec.field_data.push(bytes.get(i).copied().unwrap_or(0));
                i += 1;
            }
        }
        rec.field_ends.push(rec.field_data.len());
        rec.field_spans.push(start..i);
        field += 1;
        if i < n {
            i += 1; // the delimiter
            continue;
        }
        break;
    }
    rec.bytes = bytes;
}

/// The bytes of a fixed-length item (`item.offset`, `item.byte_span()`), or None if the item
/// has no offset or the record is too short for it.
pub fn item_bytes<'a>(record: &'a [u8], item: &Item) -> Option<&'a [u8]> {
    let start = usize::try_from(item.offset?).ok()?;
    let len = usize::try_from(item.byte_span()).ok()?;
    record.get(start..start.checked_add(len)?)
}

/// Why an item could not be sliced cleanly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SliceProblem {
    /// The record ends before the item does (a delimited record lacks the field).
    Missing {
        /// Bytes the record has.
        record_len: usize,
    },
    /// The item starts in the middle of a multibyte character.
    CutsStart,
    /// The item ends in the middle of a multibyte character.
    CutsEnd,
}

impl fmt::Display for SliceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SliceProblem::Missing { record_len } => {
                write!(f, "the record ({record_len} bytes) ends before this item")
            }
            SliceProblem::CutsStart => f.write_str("item starts inside a double-byte character"),
            SliceProblem::CutsEnd => f.write_str("item ends inside a double-byte character"),
        }
    }
}

/// One item cut from a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSlice<'a> {
    /// The item's index in the item list.
    pub index: usize,
    /// Byte offset of the item in the record (fixed) or of the field's raw start (delimited).
    pub offset: usize,
    /// The bytes (None when the record lacks the item).
    pub bytes: Option<&'a [u8]>,
    /// What is wrong with the cut, if anything.
    pub problems: Vec<SliceProblem>,
}

/// The items of a record of `role` in `layout`: the layout's items for a data record, the
/// items of its header or trailer record type for those, none for a role the layout does not
/// describe. The first step of reading a record (role → items → slice → decode), shared by
/// `ikou inspect`, `ikou gaiji` and [`Slicer::slice_by_role`].
pub fn items_of_role(layout: &Layout, role: RecordRole) -> &[Item] {
    match role {
        RecordRole::Data => layout.items.as_slice(),
        role => layout
            .record_types
            .as_ref()
            .and_then(|rt| rt.others.iter().find(|s| s.role == role))
            .map_or(&[][..], |s| s.items.as_slice()),
    }
}

/// The decoded texts of one record's items, one reusable buffer per item, for
/// [`Slicer::decode_each`]: kept across records so that reading a record allocates
/// nothing once the buffers have grown.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    texts: Vec<String>,
    done: Vec<bool>,
    issues: Vec<crate::decode::DecodeIssue>,
}

impl Decoded {
    /// Starts a record of `n` items: no item is decoded yet (the buffers are kept).
    pub fn start(&mut self, n: usize) {
        self.texts.resize_with(n, String::new);
        self.done.clear();
        self.done.resize(n, false);
    }

    /// The text of item `i`, if it was decoded since [`Decoded::start`].
    pub fn text(&self, i: usize) -> Option<&str> {
        match self.done.get(i) {
            Some(true) => self.texts.get(i).map(String::as_str),
            _ => None,
        }
    }

    /// Takes the text of item `i` out (leaving its buffer empty), if it was decoded since
    /// [`Decoded::start`].
    pub fn take(&mut self, i: usize) -> Option<String> {
        match self.done.get_mut(i) {
            Some(d) if *d => {
                *d = false;
                self.texts.get_mut(i).map(std::mem::take)
            }
            _ => None,
        }
    }

    /// How many items the buffers are for.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// Whether the buffers are for no item.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }
}

/// Cuts items from records, checking that no cut falls inside a multibyte character.
#[derive(Debug, Clone)]
pub struct Slicer {
    charset: Charset,
    marks: Vec<bool>,
}

impl Slicer {
    /// A slicer for records in `charset`.
    pub fn new(charset: Charset) -> Slicer {
        Slicer {
            charset,
            marks: Vec::new(),
        }
    }

    /// The items of `rec` in order: by byte offset for fixed-length records (items without an
    /// offset are missing), by field index for delimited ones. Appends to `out`.
    pub fn slice<'a>(&mut self, rec: &'a RawRecord, items: &[Item], out: &mut Vec<ItemSlice<'a>>) {
        self.for_each(rec, items, |s| out.push(s));
    }

    /// Slices `rec` by the items of its role in `layout` ([`items_of_role`]), appending to
    /// `out`, and returns those items: each slice's `index` is an index into them.
    pub fn slice_by_role<'a, 'l>(
        &mut self,
        rec: &'a RawRecord,
        layout: &'l Layout,
        out: &mut Vec<ItemSlice<'a>>,
    ) -> &'l [Item] {
        let items = items_of_role(layout, rec.role);
        self.slice(rec, items, out);
        items
    }

    /// The read pipeline after framing, in one place (role → items → slice → decode):
    /// slices `rec` by the items of its role in `layout` ([`items_of_role`]) and
    /// decodes each item present with `profile` ([`Slicer::decode_each`]),
    /// calling `f` with the item, its slice, its text and its decoding issues (an item the
    /// record lacks has no text and no issues; its slice says why). Used by `ikou inspect`
    /// and `ikou gaiji`; a conversion run reads its records with [`Slicer::decode_each`].
    pub fn decode_by_role<'a>(
        &mut self,
        rec: &'a RawRecord,
        layout: &Layout,
        profile: &crate::decode::CharProfile,
        mut f: impl FnMut(&Item, &ItemSlice<'a>, &str, &[crate::decode::DecodeIssue]),
    ) {
        let items = items_of_role(layout, rec.role);
        let mut texts = Decoded::default();
        texts.start(items.len());
        self.decode_each(
            rec,
            items,
            profile,
            &mut texts,
            |_, _| true,
            |item, sl, d| {
                let (value, issues) = d.unwrap_or(("", &[]));
                f(item, sl, value, issues);
            },
        );
    }

    /// Slices `rec` by `items` and decodes each item that `want` selects (by index and
    /// item) with `profile`
    /// ([`CharProfile::decode_layout_item`](crate::decode::CharProfile::decode_layout_item))
    /// into its own buffer in `texts`, then calls `f` with the item, its slice and, when the
    /// record has the item, its text and the issues of its decoding. An item `texts`
    /// already holds for this record (decoded by an earlier call since
    /// [`Decoded::start`]) is not decoded again: `f` gets its text and no issues. Items
    /// `want` leaves out are neither decoded nor passed to `f`.
    pub fn decode_each<'a>(
        &mut self,
        rec: &'a RawRecord,
        items: &[Item],
        profile: &crate::decode::CharProfile,
        texts: &mut Decoded,
        want: impl FnMut(usize, &Item) -> bool,
        mut f: impl FnMut(&Item, &ItemSlice<'a>, Option<(&str, &[crate::decode::DecodeIssue])>),
    ) {
        if texts.texts.len() < items.len() {
            texts.start(items.len());
        }
        let Decoded {
            texts: bufs,
            done,
            issues,
        } = texts;
        self.for_each_wanted(rec, items, want, |s| {
            let Some(item) = items.get(s.index) else {
                return;
            };
            let (Some(bytes), Some(text), Some(done)) =
                (s.bytes, bufs.get_mut(s.index), done.get_mut(s.index))
            else {
                f(item, &s, None);
                return;
            };
            issues.clear();
            if !*done {
                text.clear();
                profile.decode_layout_item(item, bytes, text, issues);
                *done = true;
            }
            f(item, &s, Some((text.as_str(), issues.as_slice())));
        });
    }

    /// [`Slicer::slice`] one item at a time: calls `f` with each item's slice, in the same
    /// order, without collecting them.
    pub fn for_each<'a>(
        &mut self,
        rec: &'a RawRecord,
        items: &[Item],
        f: impl FnMut(ItemSlice<'a>),
    ) {
        self.for_each_wanted(rec, items, |_, _| true, f);
    }

    /// [`Slicer::for_each`] for the items `want` selects (by index and item): the others
    /// are skipped before their cut is checked.
    fn for_each_wanted<'a>(
        &mut self,
        rec: &'a RawRecord,
        items: &[Item],
        mut want: impl FnMut(usize, &Item) -> bool,
        mut f: impl FnMut(ItemSlice<'a>),
    ) {
        if rec.field_count() > 0 {
            for (index, item) in items.iter().enumerate() {
                if !want(index, item) {
                    continue;
                }
                let bytes = rec.field(index);
                let offset = rec.field_span(index).map_or(rec.bytes.len(), |r| r.start);
                let problems = if bytes.is_none() {
                    vec![SliceProblem::Missing {
                        record_len: rec.bytes.len(),
                    }]
                } else {
                    Vec::new()
                };
                f(ItemSlice {
                    index,
                    offset,
                    bytes,
                    problems,
                });
            }
            return;
        }
        // CP932 (the common case) checks each cut where it falls; other charsets mark
        // every boundary of the record once.
        let cp932 = self.charset == Charset::Cp932;
        if !cp932 {
            boundaries_into(self.charset, &rec.bytes, &mut self.marks);
        }
        let marks = &self.marks;
        let boundary = |o: usize| {
            if cp932 {
                is_cp932_boundary(&rec.bytes, o)
            } else {
                marks.get(o).copied().unwrap_or(true)
            }
        };
        // The end of the last item found to end on a boundary: items of a fixed layout are
        // contiguous, so the next item's start is then known without a second look.
        let mut known = usize::MAX;
        for (index, item) in items.iter().enumerate() {
            if !want(index, item) {
                continue;
            }
            let offset = item.offset.map_or(0, |o| o as usize);
            let bytes = item_bytes(&rec.bytes, item);
            let mut problems = Vec::new();
            match bytes {
                None => problems.push(SliceProblem::Missing {
                    record_len: rec.bytes.len(),
                }),
                Some(b) => {
                    if offset != known && !boundary(offset) {
                        problems.push(SliceProblem::CutsStart);
                    }
                    let end = offset + b.len();
                    if boundary(end) {
                        known = end;
                    } else {
                        problems.push(SliceProblem::CutsEnd);
                    }
                }
            }
            f(ItemSlice {
                index,
                offset,
                bytes,
                problems,
            });
        }
    }
}

#[cfg(test)]
#[path = "frame_mutants_tests.rs"]
mod mutants_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use ikou_layout_spec::parse_layout;

    pub(crate) fn layout(format: &str, items: &str, extra: &str) -> Layout {
        let text = format!(
            "id = \"legacy/t\"\nname = \"t\"\ngyomu = \"t\"\nfamily = \"legacy\"\nsource = \"t\"\nversion = \"1\"\nstatus = \"synthetic\"\nencoding = \"cp932\"\n{extra}\n[format]\n{format}\n{items}"
        );
        parse_layout(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn items(n: usize, len: u32) -> String {
        (1..=n)
            .map(|i| format!("[[items]]\nnumber = {i}\nname = \"i{i}\"\nkey = \"k{i}\"\ntype = \"text\"\nlength = {len}\n"))
            .collect()
    }

    fn read_all(l: &Layout, data: &[u8], max: usize) -> (Vec<RawRecord>, FrameSummary) {
        let mut r = RecordReader::new(data, l).unwrap().with_max_record_len(max);
        let mut v = Vec::new();
        let mut rec = RawRecord::new();
        while r.read_record(&mut rec).unwrap() {
            v.push(rec.clone());
        }
        (v, r.summary().clone())
    }

    #[test]
    fn issue15_decode_each_decodes_the_wanted_items_once_into_reused_buffers() {
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 6\nterminator = \"crlf\"",
            &items(3, 2),
            "",
        );
        // 「あ」 is 82 A0 in CP932; the third item of the second record is cut short.
        let (v, _) = read_all(&l, b"ab\x82\xa0cd\r\nefghi\x82\r\n", 100);
        let profile = crate::decode::CharProfile::new(Charset::Cp932).unwrap();
        let mut slicer = Slicer::new(Charset::Cp932);
        let mut texts = Decoded::default();
        let mut seen = Vec::new();
        texts.start(3);
        slicer.decode_each(
            &v[0],
            &l.items,
            &profile,
            &mut texts,
            |i, _| i != 1,
            |item, s, d| {
                seen.push((
                    item.key.clone(),
                    s.index,
                    d.map(|(t, i)| (t.to_string(), i.len())),
                ));
            },
        );
        assert_eq!(
            seen,
            [
                ("k1".to_string(), 0, Some(("ab".to_string(), 0))),
                ("k3".to_string(), 2, Some(("cd".to_string(), 0)))
            ]
        );
        // Not wanted: neither decoded nor passed on.
        assert_eq!(
            (texts.text(0), texts.text(1), texts.text(2)),
            (Some("ab"), None, Some("cd"))
        );
        // A later call decodes only what is not there yet.
        let mut calls = 0;
        slicer.decode_each(
            &v[0],
            &l.items,
            &profile,
            &mut texts,
            |_, _| true,
            |_, _, d| {
                calls += usize::from(d.is_some());
            },
        );
        assert_eq!((calls, texts.text(1)), (3, Some("あ")));
        assert_eq!(texts.take(1).as_deref(), Some("あ"));
        assert_eq!(texts.text(1), None);
        // The next record starts empty; its issues are its own.
        texts.start(3);
        let mut issues = Vec::new();
        slicer.decode_each(
            &v[1],
            &l.items,
            &profile,
            &mut texts,
            |_, _| true,
            |_, _, d| {
                issues.push(d.map_or(0, |(_, i)| i.len()));
            },
        );
        assert_eq!((texts.text(0), texts.text(2)), (Some("ef"), Some("i")));
        assert_eq!(issues, [0, 0, 1]);
        assert_eq!(texts.len(), 3);
    }

    #[test]
    fn fixed_without_terminators() {
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 3\nterminator = \"none\"",
            &items(1, 3),
            "",
        );
        let (v, s) = read_all(&l, b"abcdefgh", 100);
        assert_eq!(v.len(), 3);
        assert_eq!(v[2].bytes, b"gh");
        assert_eq!(v[2].offset, 6);
        assert_eq!(
            v[2].problems,
            vec![FrameProblem::Truncated {
                expected: 3,
                found: 2
            }]
        );
        assert_eq!(s.problem_records, 1);
        let (v, s) = read_all(&l, b"abcdef\x1A", 100);
        assert_eq!(v.len(), 2);
        assert_eq!(s.eof_marker, Some(6));
    }

    #[test]
    fn fixed_with_terminators_mixed() {
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 3\nterminator = \"any\"",
            &items(1, 3),
            "",
        );
        let (v, s) = read_all(&l, b"abc\r\ndef\nghi\rjklm\r\nno", 100);
        let got: Vec<&[u8]> = v.iter().map(|r| r.bytes.as_slice()).collect();
        assert_eq!(got, vec![&b"abc"[..], b"def", b"ghi", b"jklm", b"no"]);
        assert_eq!(
            v[3].problems,
            vec![FrameProblem::WrongLength {
                expected: 3,
                found: 4
            }]
        );
        assert_eq!(
            v[4].problems,
            vec![FrameProblem::Truncated {
                expected: 3,
                found: 2
            }]
        );
        assert_eq!(
            v.iter().map(|r| r.offset).collect::<Vec<_>>(),
            vec![0, 5, 9, 13, 19]
        );
        assert!(s.final_terminator_missing);
        // Under crlf, a record with an LF inside but the right length is accepted as bytes.
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 3\nterminator = \"crlf\"",
            &items(1, 3),
            "",
        );
        let (v, _) = read_all(&l, b"a\nc\r\nxyz\r\n", 100);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].bytes, b"a\nc");
        assert!(v.iter().all(|r| r.problems.is_empty()));
    }

    #[test]
    fn delimited_fields_and_quotes() {
        let fmt = "kind = \"delimited\"\ndelimiter = \",\"\nheader_rows = 1\nterminator = \"any\"";
        let l = layout(fmt, &items(3, 10), "");
        let data = b"a,b,c\r\n1,\"x,\"\"y\"\"\r\nz\",3\n\"q\"w,2,3\r\n1,2\n";
        let (v, s) = read_all(&l, data, 100);
        assert_eq!(v.len(), 4);
        assert_eq!(v[0].role, RecordRole::Header);
        assert_eq!(v[1].field(1).unwrap(), b"x,\"y\"\r\nz");
        assert_eq!(v[1].field_span(1).unwrap(), 2..14);
        assert!(v[1].problems.is_empty());
        assert_eq!(v[2].field(0).unwrap(), b"qw");
        assert_eq!(
            v[2].problems,
            vec![FrameProblem::MalformedQuote { field: 0 }]
        );
        assert_eq!(
            v[3].problems,
            vec![FrameProblem::FieldCount {
                expected: 3,
                found: 2
            }]
        );
        assert_eq!(s.header_records, 1);
        assert_eq!(s.data_records, 3);
        let (v, _) = read_all(&l, b"a,b,c\n1,\"open,3\n", 100);
        assert_eq!(
            v[1].problems.first(),
            Some(&FrameProblem::UnterminatedQuote)
        );
    }

    #[test]
    fn too_long_is_flagged_not_silent() {
        let fmt = "kind = \"delimited\"\ndelimiter = \",\"\nterminator = \"crlf\"";
        let l = layout(fmt, &items(1, 10), "");
        let mut data = vec![b'x'; 1000];
        data.extend_from_slice(b"\r\nok\r\n");
        let (v, _) = read_all(&l, &data, 100);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].bytes.len(), 100);
        assert_eq!(
            v[0].problems,
            vec![FrameProblem::TooLong {
                length: 1000,
                kept: 100
            }]
        );
        assert_eq!(v[1].bytes, b"ok");
        assert_eq!(v[1].offset, 1002);
    }

    #[test]
    fn record_types_and_trailer_count() {
        let extra = "[record_types]\noffset = 0\nlength = 1\ndata = \"2\"\n[record_types.header]\ncode = \"1\"\n[[record_types.header.items]]\nnumber = 1\nname = \"h\"\nkey = \"h\"\ntype = \"text\"\nlength = 4\n[record_types.trailer]\ncode = \"9\"\ncount_item = \"n\"\n[[record_types.trailer.items]]\nnumber = 1\nname = \"t\"\nkey = \"t\"\ntype = \"record_type\"\nlength = 1\n[[record_types.trailer.items]]\nnumber = 2\nname = \"n\"\nkey = \"n\"\ntype = \"digits\"\nlength = 3\n";
        let data_items = "[[items]]\nnumber = 1\nname = \"rt\"\nkey = \"rt\"\ntype = \"record_type\"\nlength = 1\n[[items]]\nnumber = 2\nname = \"v\"\nkey = \"v\"\ntype = \"text\"\nlength = 3\n";
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 4\nterminator = \"crlf\"",
            data_items,
            extra,
        );
        let (v, s) = read_all(&l, b"1HDR\r\n2aaa\r\n2bbb\r\n9002\r\n", 100);
        // Each role is sliced by its own items (issue #15: one place for role → items).
        let mut slicer = Slicer::new(Charset::Cp932);
        let keys: Vec<Vec<String>> = v
            .iter()
            .map(|r| {
                let mut out = Vec::new();
                let items = slicer.slice_by_role(r, &l, &mut out);
                out.iter()
                    .map(|s| {
                        let key = items.get(s.index).map_or("?", |i| i.key.as_str());
                        format!("{key}={}", String::from_utf8_lossy(s.bytes.unwrap_or(b"")))
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            keys,
            [
                vec!["h=1HDR"],
                vec!["rt=2", "v=aaa"],
                vec!["rt=2", "v=bbb"],
                vec!["t=9", "n=002"]
            ]
        );
        assert!(items_of_role(&l, RecordRole::Data).len() == 2);
        // … and decoded in the same pass, item by item.
        let profile = crate::decode::CharProfile::new(Charset::Cp932).unwrap();
        let mut decoded = Vec::new();
        for r in &v {
            slicer.decode_by_role(r, &l, &profile, |item, _, value, issues| {
                assert!(issues.is_empty(), "{issues:?}");
                decoded.push(format!("{}={value}", item.key));
            });
        }
        assert_eq!(keys.concat(), decoded);
        assert_eq!(
            v.iter().map(|r| r.role).collect::<Vec<_>>(),
            vec![
                RecordRole::Header,
                RecordRole::Data,
                RecordRole::Data,
                RecordRole::Trailer
            ]
        );
        assert!(v.iter().all(|r| r.problems.is_empty()), "{v:?}");
        assert!(!s.missing_trailer);
        let (v, _) = read_all(&l, b"1HDR\r\n2aaa\r\n9005\r\n", 100);
        assert_eq!(
            v[2].problems,
            vec![FrameProblem::TrailerCount {
                declared: Some(5),
                counted: 1
            }]
        );
        let (v, s) = read_all(&l, b"2aaa\r\n7zzz\r\n1HDR\r\n", 100);
        assert_eq!(
            v[1].problems,
            vec![FrameProblem::UnknownRecordType {
                selector: "37".into()
            }]
        );
        assert_eq!(
            v[2].problems,
            vec![FrameProblem::Misplaced {
                role: RecordRole::Header
            }]
        );
        assert!(s.missing_trailer);
    }

    #[test]
    fn issue18_item2_stray_newlines_are_counted() {
        // An LF file read with a CRLF layout.
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 2\nterminator = \"crlf\"",
            &items(1, 2),
            "",
        );
        let (recs, s) = read_all(&l, b"ab\ncd\nef\n", 1 << 20);
        assert_eq!(recs.len(), 1);
        assert_eq!(
            (s.stray_lf, s.stray_cr, s.first_stray_break),
            (3, 0, Some(2))
        );
        assert_eq!(s.newline_mismatch(), Some("LF"));
        assert_eq!(s.terminator, "CRLF");
        // A CRLF file read with an LF layout.
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 2\nterminator = \"lf\"",
            &items(1, 2),
            "",
        );
        let (_, s) = read_all(&l, b"ab\r\ncd\r\n", 1 << 20);
        assert_eq!(s.newline_mismatch(), Some("CRLF"));
        // The right style: nothing.
        let (_, s) = read_all(&l, b"ab\ncd\n", 1 << 20);
        assert_eq!(s.newline_mismatch(), None);
    }

    #[test]
    fn issue18_item4_fields_are_capped() {
        let fmt = "kind = \"delimited\"\ndelimiter = \",\"\nterminator = \"any\"";
        let l = layout(fmt, &items(2, 4), "");
        let mut data = vec![b','; 10_000];
        data.extend_from_slice(b"\n");
        let mut r = RecordReader::new(&data[..], &l).unwrap().with_max_fields(8);
        let mut rec = RawRecord::new();
        assert!(r.read_record(&mut rec).unwrap());
        assert_eq!(rec.field_count(), 8);
        assert!(rec.problems.contains(&FrameProblem::TooManyFields {
            found: 10_001,
            limit: 8
        }));
        // The last field keeps the rest, unsplit.
        assert_eq!(rec.field(7).map(<[u8]>::len), Some(10_000 - 7));
    }

    proptest::proptest! {
        /// The cut checks, which skip the start of an item that begins where the last
        /// checked item ended on a boundary, agree with a full scan of the record's
        /// boundaries for any bytes and any items: contiguous, overlapping, with gaps, some
        /// not wanted.
        #[test]
        fn cut_checks_agree_with_the_full_scan(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![0x41u8, 0x81, 0x40, 0x9F, 0xE0, 0xFC, 0xA1, 0x80]),
                0..24,
            ),
            spans in proptest::collection::vec((0u32..26, 1u32..6, proptest::bool::ANY), 1..8),
            contiguous in proptest::bool::ANY,
        ) {
            let mut l = layout(
                &format!("kind = \"fixed\"\nrecord_length = {}\nterminator = \"crlf\"", spans.len()),
                &items(spans.len(), 1),
                "",
            );
            let mut next = 0u32;
            for (item, &(offset, length, _)) in l.items.iter_mut().zip(&spans) {
                item.offset = Some(if contiguous { next } else { offset });
                item.length = length;
                next = item.offset.unwrap_or(0) + length;
            }
            let mut rec = RawRecord::new();
            rec.bytes = bytes.clone();
            let mut marks = Vec::new();
            boundaries_into(Charset::Cp932, &bytes, &mut marks);
            let at = |o: usize| marks.get(o).copied().unwrap_or(true);
            let mut seen = Vec::new();
            Slicer::new(Charset::Cp932).for_each_wanted(
                &rec,
                &l.items,
                |i, _| spans.get(i).is_some_and(|s| s.2),
                |s| seen.push((s.index, s.problems)),
            );
            let mut want_seen = Vec::new();
            for (index, item) in l.items.iter().enumerate() {
                if !spans.get(index).is_some_and(|s| s.2) {
                    continue;
                }
                let start = item.offset.unwrap_or(0) as usize;
                let end = start + item.length as usize;
                let mut problems = Vec::new();
                if end > bytes.len() {
                    problems.push(SliceProblem::Missing { record_len: bytes.len() });
                } else {
                    if !at(start) {
                        problems.push(SliceProblem::CutsStart);
                    }
                    if !at(end) {
                        problems.push(SliceProblem::CutsEnd);
                    }
                }
                want_seen.push((index, problems));
            }
            proptest::prop_assert_eq!(seen, want_seen);
        }
    }

    #[test]
    fn slicing_finds_cut_characters() {
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 4\nterminator = \"crlf\"",
            &items(2, 2),
            "",
        );
        let mut rec = RawRecord::new();
        rec.bytes = b"a\x8E\x52b".to_vec();
        let mut s = Slicer::new(Charset::Cp932);
        let mut out = Vec::new();
        s.slice(&rec, &l.items, &mut out);
        assert_eq!(out[0].bytes, Some(&b"a\x8E"[..]));
        assert_eq!(out[0].problems, vec![SliceProblem::CutsEnd]);
        assert_eq!(out[1].problems, vec![SliceProblem::CutsStart]);
        drop(out);
        rec.bytes = b"ab".to_vec();
        let mut out = Vec::new();
        s.slice(&rec, &l.items, &mut out);
        assert!(out[0].problems.is_empty());
        assert_eq!(out[1].bytes, None);
        assert_eq!(
            out[1].problems,
            vec![SliceProblem::Missing { record_len: 2 }]
        );
    }

    #[test]
    fn empty_and_marker_only() {
        let l = layout(
            "kind = \"fixed\"\nrecord_length = 3\nterminator = \"crlf\"",
            &items(1, 3),
            "",
        );
        let (v, s) = read_all(&l, b"", 100);
        assert!(v.is_empty());
        assert_eq!(s.records, 0);
        let (v, s) = read_all(&l, b"\x1A", 100);
        assert!(v.is_empty());
        assert_eq!(s.eof_marker, Some(0));
        let (v, s) = read_all(&l, b"abc\x1A", 100);
        assert_eq!(v.len(), 1);
        assert!(v[0].problems.is_empty());
        assert_eq!(s.eof_marker, Some(3));
    }
}
