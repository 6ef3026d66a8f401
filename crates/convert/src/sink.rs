//! Where converted records go: one trait for every output.

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
/// let row = Row { record: 1, offset: 0, values: &values, raw: None };
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

/// A destination for rows. Rows arrive in input order, in batches.
pub trait RecordSink: Send {
    /// Writes a batch of rows.
    ///
    /// # Errors
    /// Any write error, naming the output.
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError>;

    /// Flushes and closes the output. Write errors surface here, never in `Drop`.
    ///
    /// # Errors
    /// Any write error, naming the output.
    fn finish(self: Box<Self>) -> Result<(), SinkError>;
}
