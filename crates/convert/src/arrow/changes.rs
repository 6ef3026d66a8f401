//! `changes.parquet`: one row per change cleansing or mapping made to one value.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;

use super::schema::{changes_schema, RECORD_COLUMN};
use super::{ArrowOptions, ColumnTuning, ParquetOut};
use crate::sink::SinkError;

/// An Arrow error building a batch of changes (the source of a [`SinkError`]).
#[derive(Debug, thiserror::Error)]
#[error("building a batch: {0}")]
struct BuildingBatch(#[source] arrow_schema::ArrowError);

/// One change: what a rule did to one item of one record. It borrows its strings; the
/// sink copies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeRow<'a> {
    /// 1-based record number in the input file (joins with `before`/`after`).
    pub record: u64,
    /// The item key (`shimei_kana`).
    pub item: &'a str,
    /// The rule id (`kana.halfwidth_to_fullwidth`).
    pub rule: &'a str,
    /// The value before the rule (`None`: absent).
    pub before: Option<&'a str>,
    /// The value after the rule (`None`: removed).
    pub after: Option<&'a str>,
}

/// Writes [`ChangeRow`]s to a Parquet file with the schema of [`changes_schema`].
///
/// # Example
/// ```
/// use ikou_convert::arrow::{ArrowOptions, ChangeRow, ChangesParquetSink};
///
/// let mut sink = ChangesParquetSink::new(Vec::new(), "changes.parquet", &ArrowOptions::default())?;
/// sink.write_changes(&[ChangeRow {
///     record: 7,
///     item: "shimei_kana",
///     rule: "kana.fullwidth",
///     before: Some("ﾔﾏﾀﾞ"),
///     after: Some("ヤマダ"),
/// }])?;
/// assert_eq!(sink.changes(), 1);
/// let bytes = sink.finish()?;
/// assert_eq!(&bytes[..4], b"PAR1");
/// # Ok::<(), ikou_convert::sink::SinkError>(())
/// ```
pub struct ChangesParquetSink<W: Write + Send> {
    schema: SchemaRef,
    out: ParquetOut<W>,
    batch_rows: usize,
    rows: usize,
    /// [`ArrowOptions::batch_bytes`], and the estimated bytes of the rows in the builders.
    batch_bytes: usize,
    bytes: usize,
    changes: u64,
    record: UInt64Builder,
    item: StringBuilder,
    rule: StringBuilder,
    before: StringBuilder,
    after: StringBuilder,
    failed: bool,
}

impl<W: Write + Send> ChangesParquetSink<W> {
    /// Starts the file. `output` names it in errors (`changes.parquet`).
    ///
    /// # Errors
    /// Only if the schema cannot be written as Parquet (never for this schema).
    pub fn new(
        writer: W,
        output: impl Into<String>,
        options: &ArrowOptions,
    ) -> Result<Self, SinkError> {
        let schema = options.schema_with_metadata(&changes_schema());
        let out = ParquetOut::new(
            &schema,
            writer,
            output.into(),
            options,
            &[
                (RECORD_COLUMN.to_string(), ColumnTuning::Delta),
                ("item".to_string(), ColumnTuning::Dictionary),
                ("rule".to_string(), ColumnTuning::Dictionary),
                (
                    "before".to_string(),
                    ColumnTuning::Item {
                        repeats: true,
                        text: true,
                    },
                ),
                (
                    "after".to_string(),
                    ColumnTuning::Item {
                        repeats: true,
                        text: true,
                    },
                ),
            ],
        )?;
        let n = options.batch_rows.max(1);
        let text = |per_row: usize| StringBuilder::with_capacity(n, n * per_row);
        Ok(ChangesParquetSink {
            schema,
            out,
            batch_rows: n,
            rows: 0,
            batch_bytes: options.batch_bytes.max(1),
            bytes: 0,
            changes: 0,
            record: UInt64Builder::with_capacity(n),
            item: text(12),
            rule: text(16),
            before: text(16),
            after: text(16),
            failed: false,
        })
    }

    /// Changes accepted so far.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Changes in the builders, not yet written as a batch.
    #[cfg(test)]
    pub(crate) fn pending_rows(&self) -> usize {
        self.rows
    }

    /// Appends changes (in input order).
    ///
    /// # Errors
    /// A write error naming the output; after one, every call fails.
    pub fn write_changes(&mut self, changes: &[ChangeRow<'_>]) -> Result<(), SinkError> {
        self.write_iter(changes.iter().copied())
    }

    /// Appends changes from an iterator (in input order), without collecting them first.
    ///
    /// # Errors
    /// As [`ChangesParquetSink::write_changes`].
    pub fn write_iter<'c>(
        &mut self,
        changes: impl IntoIterator<Item = ChangeRow<'c>>,
    ) -> Result<(), SinkError> {
        self.check()?;
        for c in changes {
            self.record.append_value(c.record);
            self.item.append_value(c.item);
            self.rule.append_value(c.rule);
            self.before.append_option(c.before);
            self.after.append_option(c.after);
            self.rows += 1;
            self.changes += 1;
            // A row's slots (8 + 4 × 4 bytes) and its text: a batch of long values is
            // bounded by bytes, not only by rows.
            let text = c.item.len()
                + c.rule.len()
                + c.before.map_or(0, str::len)
                + c.after.map_or(0, str::len);
            self.bytes = self.bytes.saturating_add(24 + text);
            if self.rows >= self.batch_rows || self.bytes >= self.batch_bytes {
                let r = self.flush_batch(true);
                self.failed = r.is_err();
                r?;
            }
        }
        Ok(())
    }

    /// Writes the last row group and the footer, flushes, and gives the writer back.
    ///
    /// # Errors
    /// A write error, or an earlier error of this sink.
    pub fn finish(mut self) -> Result<W, SinkError> {
        self.check()?;
        self.flush_batch(false)?;
        self.out.close()
    }

    fn check(&self) -> Result<(), SinkError> {
        if self.failed {
            return Err(SinkError::new(
                self.out.output.clone(),
                "output unusable after an earlier error",
            ));
        }
        Ok(())
    }

    /// Writes the rows in the builders as a batch; `renew`: give the builders capacity for
    /// the next batch (not after the last one).
    fn flush_batch(&mut self, renew: bool) -> Result<(), SinkError> {
        if self.rows == 0 {
            return Ok(());
        }
        let bytes = [
            self.item.values_slice().len(),
            self.rule.values_slice().len(),
            self.before.values_slice().len(),
            self.after.values_slice().len(),
        ];
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.record.finish()),
            Arc::new(self.item.finish()),
            Arc::new(self.rule.finish()),
            Arc::new(self.before.finish()),
            Arc::new(self.after.finish()),
        ];
        self.rows = 0;
        self.bytes = 0;
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), columns)
            .map_err(|e| SinkError::other(self.out.output.clone(), BuildingBatch(e)))?;
        self.out.write(&batch)?;
        // Freed just before the builders ask for as much again (see `Batcher::take`).
        drop(batch);
        if !renew {
            return Ok(());
        }
        let n = self.batch_rows;
        self.record = UInt64Builder::with_capacity(n);
        let [item, rule, before, after] = bytes;
        self.item = StringBuilder::with_capacity(n, item);
        self.rule = StringBuilder::with_capacity(n, rule);
        self.before = StringBuilder::with_capacity(n, before);
        self.after = StringBuilder::with_capacity(n, after);
        Ok(())
    }
}
