//! Where a run's records go: [`RecordSink`], the one trait a run writes everything
//! through. Its standard outputs (the standard CSVs, `rejects.csv`, `changes.csv`, the
//! Arrow/Parquet files) are `RecordSink`s, and so is every sink a vendor adds with
//! [`Run::sink`](crate::run::Run::sink): each chunk is handed to all of them alike — the
//! records as read, the converted rows, the rejected records, the changes.

use crate::reason::Reason;
use std::io;

/// One record as a row: its record number (1-based, the key that joins before and after)
/// and one optional value per layout item, in item order. `None` is an absent value.
///
/// A row borrows its values (from a [`Processed`](crate::plan::Processed) record, say): a
/// sink copies what it keeps, so handing rows over costs no allocation.
///
/// # Example
/// ```
/// use ikou_convert::sink::Row;
///
/// let values = vec![Some("山田　太郎".to_string()), None];
/// let row = Row { record: 1, offset: 0, values: &values, raw: None, skipped: 0 };
/// assert_eq!(row.values[0].as_deref(), Some("山田　太郎"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Row<'a> {
    /// 1-based record number in the input file.
    pub record: u64,
    /// Byte offset of the record in the input file.
    pub offset: u64,
    /// One value per layout item (in item order).
    pub values: &'a [Option<String>],
    /// The record's raw bytes, where a sink keeps them (the `before` outputs).
    pub raw: Option<&'a [u8]>,
    /// The output groups ([`Plan::groups`](crate::plan::Plan::groups), the standard CSVs of
    /// a profile with `[[targets]]`) that get no row from this record, bit `g` for group `g`:
    /// a group's `when` did not hold (sample-juki's 世帯 group takes only 世帯主). 0: a row in
    /// every group. [`Row::has_row`] asks for one group.
    pub skipped: u64,
}

impl Row<'_> {
    /// Whether the record gives a row in output group `g` (its values are those of the
    /// group's items, [`Plan::groups`](crate::plan::Plan::groups)`[g].range`).
    ///
    /// ```
    /// use ikou_convert::sink::Row;
    ///
    /// let row = Row { skipped: 0b10, ..Row::default() };
    /// assert!(row.has_row(0) && !row.has_row(1));
    /// ```
    pub fn has_row(&self, g: usize) -> bool {
        g >= 64 || self.skipped & (1u64 << g) == 0
    }
}

/// An error writing an output, naming the output, with the underlying error (an
/// [`io::Error`], an Arrow or Parquet error, …) as its [`source`](std::error::Error::source).
/// The message is the output's name and the cause's own message.
///
/// A vendor's sink builds one with [`SinkError::io`], [`SinkError::other`] or, for a
/// problem of its own with no underlying error, [`SinkError::new`]:
///
/// ```
/// use ikou_convert::sink::SinkError;
/// use std::error::Error as _;
///
/// let e = SinkError::io("vendor.jsonl", std::io::Error::other("disk full"));
/// assert_eq!(e.to_string(), "vendor.jsonl: disk full");
/// assert_eq!(e.output(), "vendor.jsonl");
/// assert!(e.source().is_some_and(|c| c.is::<std::io::Error>()));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Writing failed: the I/O error is the source.
    #[error("{output}: {source}")]
    Io {
        /// The output (file name) concerned.
        output: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// An encoder (Arrow IPC, Parquet, a vendor's format) failed: its error is the source.
    #[error("{output}: {source}")]
    Encode {
        /// The output (file name) concerned.
        output: String,
        /// The encoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A problem of the sink itself, with no underlying error (a limit reached, an output
    /// unusable after an earlier error, a consumer gone).
    #[error("{output}: {message}")]
    Refused {
        /// The output (file name) concerned.
        output: String,
        /// What went wrong.
        message: String,
    },
}

impl SinkError {
    /// A problem of the sink itself ([`SinkError::Refused`]).
    pub fn new(output: impl Into<String>, message: impl Into<String>) -> SinkError {
        SinkError::Refused {
            output: output.into(),
            message: message.into(),
        }
    }

    /// An I/O error writing `output` ([`SinkError::Io`]).
    pub fn io(output: impl Into<String>, source: io::Error) -> SinkError {
        SinkError::Io {
            output: output.into(),
            source,
        }
    }

    /// An encoder's error writing `output` ([`SinkError::Encode`]).
    pub fn other(
        output: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> SinkError {
        SinkError::Encode {
            output: output.into(),
            source: source.into(),
        }
    }

    /// The output (file name) concerned.
    pub fn output(&self) -> &str {
        match self {
            SinkError::Io { output, .. }
            | SinkError::Encode { output, .. }
            | SinkError::Refused { output, .. } => output,
        }
    }
}

/// A rejected record, as `rejects.csv` lists it: where it is, its raw bytes, its decoded
/// source items and every reason.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Rejected<'a> {
    /// 1-based record number in the run (the `record` column).
    pub record: u64,
    /// The input file it was read from, as the run names it (the `file` column).
    pub file: &'a str,
    /// The source it was read as, in a profile with `[[sources]]` (the `source` column).
    pub source: Option<&'a str>,
    /// 1-based record number in that file.
    pub file_record: u64,
    /// Byte offset of the record in that file.
    pub offset: u64,
    /// Why it is rejected, one or more reasons (kinds in [`Reason::kind`]).
    pub reasons: &'a [Reason],
    /// The decoded source items before cleansing, one per source item (empty when the
    /// record could not be decoded). Personal values: keep them as carefully as the input.
    pub before: &'a [Option<String>],
    /// The record's raw bytes.
    pub raw: &'a [u8],
}

/// One change cleansing made to a value of a converted record: a row of `changes.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change<'a> {
    /// 1-based record number in the run.
    pub record: u64,
    /// The source item's key.
    pub item: &'a str,
    /// The rule's id (`padding.trailing`, `date.wareki_to_iso`, …).
    pub rule: &'a str,
    /// The value before the rule.
    pub before: &'a str,
    /// The value after it.
    pub after: &'a str,
}

/// A destination for what a run produces: the converted rows, and — when the sink wants
/// them — the rejected records and the changes cleansing made. Everything arrives in input
/// order, in batches: per chunk of records the records as read (only to a sink that
/// [`wants_before`](RecordSink::wants_before)), its converted rows, its rejects, then its
/// changes (a batch with nothing in it is not sent).
///
/// The run's standard outputs implement it too, so a vendor's sink beside them
/// ([`crate::run::Run::sink`]) is handed exactly what they are: what the standard CSVs,
/// `rejects.csv`, `changes.csv` and `before.*` hold, cross-record checks applied.
/// `finish` is called once the last batch is written; a run that fails or is cancelled
/// drops the sink without calling it (what the sink wrote is then the vendor's to discard).
pub trait RecordSink: Send {
    /// Writes a batch of rows (converted records).
    ///
    /// # Errors
    /// Any write error, naming the output.
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError>;
    /// Writes a batch of records as they were read (converted and rejected alike): their
    /// decoded source items before cleansing and their raw bytes (what `before.arrow` and
    /// `before.parquet` hold). The default ignores them.
    ///
    /// # Errors
    /// Any write error, naming the output.
    fn write_before(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        let _ = rows;
        Ok(())
    }
    /// Whether [`write_before`](RecordSink::write_before) is to be called (the run builds
    /// those rows only for a sink that wants them). The default: no.
    fn wants_before(&self) -> bool {
        false
    }
    /// Writes a batch of rejected records. The default ignores them.
    ///
    /// # Errors
    /// Any write error, naming the output.
    fn write_rejects(&mut self, rejects: &[Rejected<'_>]) -> Result<(), SinkError> {
        let _ = rejects;
        Ok(())
    }
    /// Writes a batch of changes (of converted records, as `changes.csv` has them). The
    /// default ignores them.
    ///
    /// # Errors
    /// Any write error, naming the output.
    fn write_changes(&mut self, changes: &[Change<'_>]) -> Result<(), SinkError> {
        let _ = changes;
        Ok(())
    }

    /// Flushes and closes the output. Write errors surface here, never in `Drop`.
    ///
    /// # Errors
    /// Any write error, naming the output.
    fn finish(self: Box<Self>) -> Result<(), SinkError>;
}
