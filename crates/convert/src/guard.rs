//! Guards before a run: what the bytes of an input are, against what the profile and its
//! source layout say they are.
//!
//! A run through the wrong profile does not fail on its own: every record is rejected and
//! the accounting is exact (`1000 in = 0 out + 1000 rejected`), which looks like bad source
//! data. [`check_input`] looks first — [`detect_path`] on the head and samples (at most
//! about 0.2 MB), and the record shape of the first 64 KiB — and reports a
//! [`Contradiction`] naming both sides when
//!
//! - the bytes are another encoding with high confidence ([`CONFIDENT`]): a UTF-8 export
//!   through a CP932 profile;
//! - fixed-length records do not have the layout's length: fewer than half of the first
//!   lines are `record_length` bytes (KEN_ALL.CSV through `sample-juki`);
//! - delimited records do not have the layout's number of fields: fewer than half of the
//!   first rows have one field per item;
//! - most lines end with another newline than the layout's terminator (an LF export read
//!   with a CRLF layout would frame as one record).
//!
//! A finding that is not a contradiction (low confidence, a `not_japanese` finding, binary
//! bytes in a fixed-length file) is kept in [`InputCheck::notes`] and does not stop a run.
//! The caller decides what to do with a contradiction; `ikou convert` stops with exit 2 and
//! names `--no-input-check`, the option that skips the guard.
//!
//! ```
//! use ikou_cleanse::gaiji::GaijiTable;
//! use ikou_convert::guard::{check_input, GuardError, Mismatch};
//! use ikou_convert::plan::Plan;
//! use ikou_layout_spec::{profile::bundled_profile, Catalog};
//!
//! let catalog = Catalog::bundled()?;
//! let profile = bundled_profile("sample-juki", &catalog).expect("bundled")?;
//! let plan = Plan::new(&catalog, profile, GaijiTable::new())?;
//! let dir = std::env::temp_dir().join(format!("ikou-guard-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! // A CSV where the profile expects fixed-length records of 300 bytes.
//! let csv = dir.join("list.csv");
//! std::fs::write(&csv, "1,2,3\r\n4,5,6\r\n")?;
//! match check_input(&plan, &csv) {
//!     Err(GuardError::Contradicts(c)) => {
//!         assert!(matches!(c[0].mismatch, Mismatch::RecordLength { expected: 300, found: 5, .. }));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::plan::Plan;
use ikou_cleanse::charset::Charset;
use ikou_cleanse::detect::{detect_path, Detection};
use ikou_layout_spec::{PhysicalFormat, Terminator};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Detection confidence from which another encoding contradicts the profile.
pub const CONFIDENT: f64 = 0.9;

/// Bytes of the head read for the record shape.
const HEAD: u64 = 64 << 10;

/// Lines or rows of the head looked at for the record shape.
const MAX_LINES: usize = 2000;

/// What the guard found in one input that agrees with the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct InputCheck {
    /// The input file.
    pub file: PathBuf,
    /// What detection made of its bytes.
    pub detection: Detection,
    /// Things worth knowing that do not stop a run (low-confidence detection, findings).
    pub notes: Vec<String>,
}

/// How an input contradicts the profile.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// The bytes are another encoding, detected with at least [`CONFIDENT`] confidence.
    Encoding {
        /// What the profile reads the file as.
        expected: Charset,
        /// What detection says it is.
        detected: Charset,
        /// Detection's confidence.
        confidence: f64,
    },
    /// Fixed-length records: the lines are not `record_length` bytes.
    RecordLength {
        /// The layout's record length (bytes, terminator excluded).
        expected: u32,
        /// The most common line length found.
        found: usize,
        /// Lines looked at.
        lines: usize,
        /// Of those, lines of the expected length.
        matching: usize,
    },
    /// The lines end with another newline than the layout's terminator (an LF export
    /// read with a CRLF layout frames as one record).
    Terminator {
        /// The layout's terminator.
        expected: Terminator,
        /// The newline most lines of the head end with (`crlf`, `lf`, `cr`).
        found: &'static str,
        /// Lines looked at.
        lines: usize,
        /// Of those, lines ending with the expected terminator.
        matching: usize,
    },
    /// Delimited records: the rows do not have one field per item.
    FieldCount {
        /// The layout's number of fields.
        expected: usize,
        /// The most common number of fields found.
        found: usize,
        /// Rows looked at (header rows excluded).
        rows: usize,
        /// Of those, rows with the expected number of fields.
        matching: usize,
    },
}

/// One input that contradicts the profile, with both sides named.
#[derive(Debug, Clone, PartialEq)]
pub struct Contradiction {
    /// The input file.
    pub file: PathBuf,
    /// The profile's id.
    pub profile: String,
    /// The source layout's id.
    pub layout: String,
    /// What does not fit.
    pub mismatch: Mismatch,
}

impl fmt::Display for Contradiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        let (p, l) = (&self.profile, &self.layout);
        match &self.mismatch {
            Mismatch::Encoding {
                expected,
                detected,
                confidence,
            } => write!(
                f,
                "{file}: profile {p} reads it as {expected} (layout {l}), but its bytes are {detected} (detected with confidence {confidence:.2}; see `ikou detect`)"
            ),
            Mismatch::RecordLength {
                expected,
                found,
                lines,
                matching,
            } => write!(
                f,
                "{file}: layout {l} (profile {p}) has fixed-length records of {expected} bytes, but {matching} of the first {lines} lines are {expected} bytes; most are {found} bytes"
            ),
            Mismatch::Terminator {
                expected,
                found,
                lines,
                matching,
            } => write!(
                f,
                "{file}: layout {l} (profile {p}) ends records with {}, but {matching} of the first {lines} lines do; most end with {found}",
                expected.as_str()
            ),
            Mismatch::FieldCount {
                expected,
                found,
                rows,
                matching,
            } => write!(
                f,
                "{file}: layout {l} (profile {p}) has {expected} fields per record, but {matching} of the first {rows} rows have {expected}; most have {found}"
            ),
        }
    }
}

/// Why the guard stops a run.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// An input could not be read (the I/O error is the source).
    #[error("{}: {source}", file.display())]
    Io {
        /// The input file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Inputs contradict the profile (each named); nothing was converted.
    #[error("{}", contradictions(.0))]
    Contradicts(Vec<Contradiction>),
}

fn contradictions(c: &[Contradiction]) -> String {
    let mut s = String::from("the input does not fit the profile; nothing was converted");
    for x in c {
        s.push_str("\n  ");
        s.push_str(&x.to_string());
    }
    s
}

/// Checks every input ([`check_input`]); all contradictions are collected before failing.
///
/// # Errors
/// [`GuardError::Io`] for the first input that cannot be read, else
/// [`GuardError::Contradicts`] with every contradiction found.
pub fn check_inputs(plan: &Plan, inputs: &[PathBuf]) -> Result<Vec<InputCheck>, GuardError> {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for i in inputs {
        match check_input(plan, i) {
            Ok(c) => ok.push(c),
            Err(GuardError::Contradicts(c)) => bad.extend(c),
            Err(e) => return Err(e),
        }
    }
    if bad.is_empty() {
        Ok(ok)
    } else {
        Err(GuardError::Contradicts(bad))
    }
}

/// Compares what `path`'s bytes are with what `plan`'s profile and source layout say.
///
/// # Errors
/// [`GuardError::Io`] when the file cannot be read; [`GuardError::Contradicts`] when its
/// encoding or record shape contradicts the profile.
pub fn check_input(plan: &Plan, path: &Path) -> Result<InputCheck, GuardError> {
    let io = |source: std::io::Error| GuardError::Io {
        file: path.to_path_buf(),
        source,
    };
    let detection = detect_path(path).map_err(io)?;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(HEAD).read_to_end(&mut head))
        .map_err(io)?;
    let whole = (head.len() as u64) < HEAD;
    let mut mismatches = Vec::new();
    let expected = plan.charset();
    if let Some(m) = encoding_mismatch(expected, &detection) {
        mismatches.push(m);
    }
    if expected.frames_on_bytes() {
        let format = &plan.source.format;
        if let Some(m) = newline_mismatch(format, &head) {
            mismatches.push(m);
        }
        if let Some(m) = shape_mismatch(format, plan.source.items.len(), &head, whole) {
            mismatches.push(m);
        }
    }
    if !mismatches.is_empty() {
        return Err(GuardError::Contradicts(
            mismatches
                .into_iter()
                .map(|mismatch| Contradiction {
                    file: path.to_path_buf(),
                    profile: plan.profile.id.clone(),
                    layout: plan.source.id.clone(),
                    mismatch,
                })
                .collect(),
        ));
    }
    let mut notes = Vec::new();
    if !compatible(expected, detection.encoding) {
        notes.push(format!(
            "detected as {} with confidence {:.2} (the profile reads {expected}): not confident enough to stop",
            detection.encoding, detection.confidence
        ));
    }
    notes.extend(detection.findings.iter().take(5).map(|f| {
        format!(
            "byte {}: {}",
            f.byte_offset,
            f.message.chars().take(200).collect::<String>()
        )
    }));
    Ok(InputCheck {
        file: path.to_path_buf(),
        detection,
        notes,
    })
}

/// Whether bytes detected as `detected` read correctly as `expected`: the same encoding, or
/// ASCII under any ASCII-compatible one.
fn compatible(expected: Charset, detected: Charset) -> bool {
    expected == detected
        || (detected == Charset::Ascii
            && matches!(
                expected,
                Charset::Cp932 | Charset::EucJp | Charset::Utf8 | Charset::Iso2022Jp
            ))
}

/// The encoding contradiction, if detection names another text encoding with confidence.
pub fn encoding_mismatch(expected: Charset, d: &Detection) -> Option<Mismatch> {
    let text = !matches!(d.encoding, Charset::Binary | Charset::Unknown);
    (text && d.confidence >= CONFIDENT && !compatible(expected, d.encoding)).then_some(
        Mismatch::Encoding {
            expected,
            detected: d.encoding,
            confidence: d.confidence,
        },
    )
}

/// The record-shape contradiction in `head` (the first bytes of the file; `whole` when it
/// is the whole file), for a layout of `format` with `items` items.
pub fn shape_mismatch(
    format: &PhysicalFormat,
    items: usize,
    head: &[u8],
    whole: bool,
) -> Option<Mismatch> {
    match format {
        PhysicalFormat::Fixed {
            record_length,
            terminator,
        } => {
            let lens = lines(head, *terminator, whole)?
                .into_iter()
                .map(<[u8]>::len)
                .filter(|&n| n > 0);
            let (total, matching, found) = tally(lens, *record_length as usize)?;
            (matching * 2 < total).then_some(Mismatch::RecordLength {
                expected: *record_length,
                found,
                lines: total,
                matching,
            })
        }
        PhysicalFormat::Delimited {
            delimiter,
            quote,
            header_rows,
            terminator,
        } => {
            let rows = lines(head, *terminator, whole)?;
            let fields = rows
                .into_iter()
                .filter(|l| !l.is_empty())
                .skip(*header_rows as usize)
                .map(|l| field_count(l, *delimiter, *quote));
            let (total, matching, found) = tally(fields, items)?;
            (matching * 2 < total).then_some(Mismatch::FieldCount {
                expected: items,
                found,
                rows: total,
                matching,
            })
        }
    }
}

/// The newline contradiction in `head`: the layout's terminator is CR LF, LF or CR, and
/// most of the head's line ends are another one. `None` for `any`, `none`, or no newline.
pub fn newline_mismatch(format: &PhysicalFormat, head: &[u8]) -> Option<Mismatch> {
    let terminator = match format {
        PhysicalFormat::Fixed { terminator, .. } | PhysicalFormat::Delimited { terminator, .. } => {
            *terminator
        }
    };
    let want = match terminator {
        Terminator::Crlf => "crlf",
        Terminator::Lf => "lf",
        Terminator::Cr => "cr",
        Terminator::Any | Terminator::None => return None,
    };
    let (mut crlf, mut lf, mut cr) = (0usize, 0usize, 0usize);
    let mut i = 0usize;
    while let Some(&b) = head.get(i) {
        match b {
            b'\r' if head.get(i + 1) == Some(&b'\n') => {
                crlf += 1;
                i += 1;
            }
            // A CR as the head's last byte may be the first half of a CR LF.
            b'\r' if i + 1 < head.len() => cr += 1,
            b'\n' => lf += 1,
            _ => {}
        }
        if crlf + lf + cr >= MAX_LINES {
            break;
        }
        i += 1;
    }
    let lines = crlf + lf + cr;
    let matching = match want {
        "crlf" => crlf,
        "lf" => lf,
        _ => cr,
    };
    let found = [(crlf, "crlf"), (lf, "lf"), (cr, "cr")]
        .into_iter()
        .max_by_key(|(n, _)| *n)
        .map_or(want, |(_, name)| name);
    (lines > 0 && matching * 2 < lines).then_some(Mismatch::Terminator {
        expected: terminator,
        found,
        lines,
        matching,
    })
}

/// How many values, how many equal `want`, and the most common value; `None` for none.
fn tally(values: impl Iterator<Item = usize>, want: usize) -> Option<(usize, usize, usize)> {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    let total: usize = counts.values().sum();
    let matching = counts.get(&want).copied().unwrap_or(0);
    let (&found, _) = counts.iter().max_by_key(|(v, k)| (**k, usize::MAX - **v))?;
    (total > 0).then_some((total, matching, found))
}

/// The complete lines of `head` split at `terminator` (without it), at most [`MAX_LINES`];
/// the last piece only when `head` is the whole file. `None` for a layout without
/// terminators (the shape cannot be checked on lines).
fn lines(head: &[u8], terminator: Terminator, whole: bool) -> Option<Vec<&[u8]>> {
    if terminator == Terminator::None {
        return None;
    }
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while let Some(&b) = head.get(i) {
        let end = match (terminator, b) {
            (Terminator::Cr, b'\r') => Some(1),
            (Terminator::Crlf | Terminator::Lf, b'\n') => Some(1),
            (Terminator::Any, b'\n') => Some(1),
            (Terminator::Any, b'\r') if head.get(i + 1) == Some(&b'\n') => Some(2),
            (Terminator::Any, b'\r') => Some(1),
            _ => None,
        };
        if let Some(n) = end {
            let mut line = head.get(start..i).unwrap_or(&[]);
            if terminator == Terminator::Crlf {
                line = line.strip_suffix(b"\r").unwrap_or(line);
            }
            out.push(line);
            if out.len() >= MAX_LINES {
                return Some(out);
            }
            i += n;
            start = i;
        } else {
            i += 1;
        }
    }
    if whole {
        if let Some(rest) = head.get(start..).filter(|r| !r.is_empty()) {
            // A DOS EOF byte at the very end is not part of a record.
            out.push(rest.strip_suffix(&[0x1A]).unwrap_or(rest));
        }
    }
    Some(out)
}

/// The number of fields of a row, `delimiter` outside `quote`s separating them.
fn field_count(row: &[u8], delimiter: u8, quote: Option<u8>) -> usize {
    let mut n = 1;
    let mut quoted = false;
    for &b in row {
        if Some(b) == quote {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(len: u32) -> PhysicalFormat {
        PhysicalFormat::Fixed {
            record_length: len,
            terminator: Terminator::Crlf,
        }
    }

    #[test]
    fn fixed_lengths_by_majority() {
        let rec = |n: usize| [vec![b'x'; n], b"\r\n".to_vec()].concat();
        let good: Vec<u8> = [rec(10), rec(10), rec(10), rec(7)].concat();
        assert_eq!(shape_mismatch(&fixed(10), 3, &good, true), None);
        let bad: Vec<u8> = [rec(12), rec(12), rec(10)].concat();
        assert_eq!(
            shape_mismatch(&fixed(10), 3, &bad, true),
            Some(Mismatch::RecordLength {
                expected: 10,
                found: 12,
                lines: 3,
                matching: 1
            })
        );
        // A cut last line of a head that is not the whole file is not counted.
        let cut: Vec<u8> = [rec(10), b"xxx".to_vec()].concat();
        assert_eq!(shape_mismatch(&fixed(10), 3, &cut, false), None);
        assert!(shape_mismatch(&fixed(10), 3, &cut, true).is_none());
        // Nothing to judge: an empty file, a layout without terminators.
        assert_eq!(shape_mismatch(&fixed(10), 3, b"", true), None);
        let none = PhysicalFormat::Fixed {
            record_length: 10,
            terminator: Terminator::None,
        };
        assert_eq!(shape_mismatch(&none, 3, &bad, true), None);
    }

    #[test]
    fn delimited_field_counts() {
        let csv = PhysicalFormat::Delimited {
            delimiter: b',',
            quote: Some(b'"'),
            header_rows: 1,
            terminator: Terminator::Crlf,
        };
        let ok = b"a,b,c\r\n1,\"x,y\",3\r\n4,5,6\r\n";
        assert_eq!(shape_mismatch(&csv, 3, ok, true), None);
        assert_eq!(
            shape_mismatch(&csv, 15, ok, true),
            Some(Mismatch::FieldCount {
                expected: 15,
                found: 3,
                rows: 2,
                matching: 0
            })
        );
    }

    #[test]
    fn newlines_by_majority() {
        let f = |t| PhysicalFormat::Fixed {
            record_length: 3,
            terminator: t,
        };
        assert_eq!(
            newline_mismatch(&f(Terminator::Crlf), b"abc\r\nabc\r\n"),
            None
        );
        assert_eq!(
            newline_mismatch(&f(Terminator::Crlf), b"abc\nabc\nabc\r\n"),
            Some(Mismatch::Terminator {
                expected: Terminator::Crlf,
                found: "lf",
                lines: 3,
                matching: 1
            })
        );
        assert!(newline_mismatch(&f(Terminator::Lf), b"abc\r\nabc\r\n").is_some());
        assert!(newline_mismatch(&f(Terminator::Cr), b"abc\nabc\n").is_some());
        assert_eq!(newline_mismatch(&f(Terminator::Any), b"abc\nabc\r"), None);
        assert_eq!(newline_mismatch(&f(Terminator::Crlf), b"abcabc"), None);
        // A head that ends between CR and LF.
        assert_eq!(
            newline_mismatch(&f(Terminator::Crlf), b"abc\r\nabc\r"),
            None
        );
    }

    #[test]
    fn compatible_encodings() {
        assert!(compatible(Charset::Cp932, Charset::Ascii));
        assert!(compatible(Charset::Utf8, Charset::Utf8));
        assert!(!compatible(Charset::Cp932, Charset::Utf8));
        assert!(!compatible(Charset::Utf16Le, Charset::Ascii));
    }
}
