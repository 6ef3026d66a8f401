//! Where converted records go: one trait for every output.

use std::fmt;

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

/// An error writing an output.
#[derive(Debug)]
pub struct SinkError {
    /// The output (file name) concerned.
    pub output: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.output, self.message)
    }
}

impl std::error::Error for SinkError {}

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
