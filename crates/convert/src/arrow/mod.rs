//! Arrow IPC and Parquet outputs of a run: `before.arrow`/`before.parquet`,
//! `after.arrow`/`after.parquet` and `changes.parquet` (feature `arrow`, on by default).
//!
//! A [`TableSchema`] is built once from a layout ([`TableSchema::before`] for the source
//! layout, [`TableSchema::after`] for the target layout). The sinks implement
//! [`RecordSink`]: rows are appended to column builders and leave as a
//! [`RecordBatch`] every [`ArrowOptions::batch_rows`] rows, so
//! memory stays flat whatever the input size. Parquet row groups are closed at
//! [`ArrowOptions::row_group_bytes`] (estimated encoded size) or
//! [`ArrowOptions::row_group_rows`], whichever comes first.
//!
//! The same rows give byte-identical files: no timestamps, Parquet `created_by` fixed to
//! [`CREATED_BY`], metadata in sorted key order. Files are uncompressed (the workspace
//! builds parquet without codecs); `record` and `offset` use delta encoding, text columns
//! dictionary encoding where it pays.
//!
//! The sinks write to any `W: io::Write + Send` given by the caller (a temporary file the
//! caller renames, a hashing writer, a `Vec<u8>`); write errors become a
//! [`SinkError`] naming the output. After an error a sink refuses further rows.
//!
//! # Example
//! ```
//! use ikou_convert::arrow::{ArrowIpcSink, ArrowOptions, TableSchema};
//! use ikou_convert::sink::{RecordSink, Row};
//! use ikou_layout_spec::Catalog;
//!
//! let catalog = Catalog::bundled().unwrap();
//! let target = catalog.layout("standard/jumin-kiroku").unwrap();
//! let schema = TableSchema::after(target).unwrap();
//! let mut values = vec![None; schema.item_count()];
//! values[target.item_index("birth_date").unwrap()] = Some("1955-03".to_string());
//! let row = Row { record: 1, offset: 0, values, raw: None };
//!
//! let mut sink = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &ArrowOptions::default())?;
//! sink.write_rows(&[row])?;
//! let bytes = sink.finish_into_inner()?;
//!
//! let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
//! let batches: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
//! assert_eq!(batches[0].num_rows(), 1);
//! // A partial date: the Date32 column is null, the written form is kept beside it.
//! let birth = batches[0].column_by_name("birth_date").unwrap();
//! assert!(birth.is_null(0));
//! # Ok::<(), ikou_convert::sink::SinkError>(())
//! ```

mod batch;
mod changes;
mod schema;
#[cfg(test)]
mod tests;
mod values;

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::{BufWriter, Write};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::writer::FileWriter;
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Encoding;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::sink::{RecordSink, Row, SinkError};
use batch::Batcher;

pub use changes::{ChangeRow, ChangesParquetSink};
pub use schema::{
    changes_schema, SchemaError, Table, TableSchema, DATE_TEXT_SUFFIX, META_DOMAIN, META_LAYOUT_ID,
    META_LAYOUT_NAME, META_LAYOUT_STATUS, META_LAYOUT_VERSION, META_NAME, META_NUMBER, META_TABLE,
    META_TEXT_OF, OFFSET_COLUMN, RAW_COLUMN, RECORD_COLUMN,
};

/// The `created_by` string of every Parquet file ikou writes (fixed, so reruns are
/// byte-identical).
pub const CREATED_BY: &str = concat!("ikou ", env!("CARGO_PKG_VERSION"));

/// How the Arrow and Parquet sinks batch and size their output.
///
/// The defaults keep the memory of all five Arrow/Parquet outputs of a run together
/// within a few tens of MB (see the crate's measurements in the module docs of the sinks).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ArrowOptions {
    /// Rows per record batch (an IPC record batch; the unit handed to the Parquet writer).
    pub batch_rows: usize,
    /// Most rows in one Parquet row group.
    pub row_group_rows: usize,
    /// Estimated encoded bytes at which a Parquet row group is closed. The writer holds the
    /// open row group in memory, so this bounds the memory of each Parquet output.
    pub row_group_bytes: usize,
    /// Run-level key/value metadata added to the schema of every output (profile, tool
    /// version…). Sorted by key in the files. Keep personal values out of it.
    pub metadata: BTreeMap<String, String>,
}

impl Default for ArrowOptions {
    fn default() -> Self {
        ArrowOptions {
            batch_rows: 8 * 1024,
            row_group_rows: 128 * 1024,
            row_group_bytes: 8 * 1024 * 1024,
            metadata: BTreeMap::new(),
        }
    }
}

impl ArrowOptions {
    /// The schema with [`ArrowOptions::metadata`] added to its own metadata.
    fn schema_with_metadata(&self, schema: &SchemaRef) -> SchemaRef {
        if self.metadata.is_empty() {
            return Arc::clone(schema);
        }
        let mut metadata = schema.metadata().clone();
        for (k, v) in &self.metadata {
            metadata.insert(k.as_str(), v.as_str());
        }
        Arc::new(Schema::new_with_metadata(schema.fields().clone(), metadata))
    }
}

fn sink_error(output: &str, e: impl Display) -> SinkError {
    SinkError {
        output: output.to_string(),
        message: e.to_string(),
    }
}

/// One Arrow IPC file output.
struct IpcOut<W: Write> {
    writer: FileWriter<BufWriter<W>>,
    output: String,
}

impl<W: Write> IpcOut<W> {
    fn new(schema: &Schema, writer: W, output: String) -> Result<Self, SinkError> {
        let writer = FileWriter::try_new(BufWriter::with_capacity(64 * 1024, writer), schema)
            .map_err(|e| sink_error(&output, e))?;
        Ok(IpcOut { writer, output })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), SinkError> {
        self.writer
            .write(batch)
            .map_err(|e| sink_error(&self.output, e))
    }

    fn close(self) -> Result<W, SinkError> {
        let output = self.output;
        let buffered = self
            .writer
            .into_inner()
            .map_err(|e| sink_error(&output, e))?;
        let mut inner = buffered
            .into_inner()
            .map_err(|e| sink_error(&output, e.error()))?;
        inner.flush().map_err(|e| sink_error(&output, e))?;
        Ok(inner)
    }
}

/// How a column of a Parquet output is encoded.
#[derive(Clone, Copy)]
enum ColumnTuning {
    /// Monotonic integers (`record`, `offset`): delta encoding, no dictionary.
    Delta,
    /// Opaque bytes (`raw`): plain, no dictionary, no statistics.
    Opaque,
}

/// One Parquet file output.
struct ParquetOut<W: Write + Send> {
    writer: ArrowWriter<W>,
    output: String,
}

impl<W: Write + Send> ParquetOut<W> {
    fn new(
        schema: &SchemaRef,
        writer: W,
        output: String,
        options: &ArrowOptions,
        tuning: &[(&str, ColumnTuning)],
    ) -> Result<Self, SinkError> {
        // The schema's own metadata also goes into the Parquet key/value metadata, where
        // tools that ignore the embedded Arrow schema (`parquet_kv_metadata` in DuckDB) see it.
        let kv: Vec<KeyValue> = schema
            .metadata()
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        let mut props = WriterProperties::builder()
            .set_created_by(CREATED_BY.to_string())
            .set_max_row_group_row_count(Some(options.row_group_rows.max(1)))
            .set_max_row_group_bytes(Some(options.row_group_bytes.max(1)))
            .set_key_value_metadata(Some(kv));
        for (column, tuning) in tuning {
            let path = ColumnPath::from(*column);
            props = props.set_column_dictionary_enabled(path.clone(), false);
            props = match tuning {
                ColumnTuning::Delta => {
                    props.set_column_encoding(path, Encoding::DELTA_BINARY_PACKED)
                }
                ColumnTuning::Opaque => {
                    props.set_column_statistics_enabled(path, EnabledStatistics::None)
                }
            };
        }
        let writer = ArrowWriter::try_new(writer, Arc::clone(schema), Some(props.build()))
            .map_err(|e| sink_error(&output, e))?;
        Ok(ParquetOut { writer, output })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), SinkError> {
        self.writer
            .write(batch)
            .map_err(|e| sink_error(&self.output, e))
    }

    fn close(self) -> Result<W, SinkError> {
        let output = self.output;
        let mut inner = self
            .writer
            .into_inner()
            .map_err(|e| sink_error(&output, e))?;
        inner.flush().map_err(|e| sink_error(&output, e))?;
        Ok(inner)
    }
}

/// The file outputs one table's batches go to.
trait Outputs: Send {
    /// What [`Core::finish`] gives back: the caller's writer(s).
    type Inner;
    /// The output names, for errors that concern all of them (a bad row).
    fn names(&self) -> String;
    fn write(&mut self, batch: &RecordBatch) -> Result<(), SinkError>;
    fn close(self) -> Result<Self::Inner, SinkError>;
}

impl<W: Write + Send> Outputs for IpcOut<W> {
    type Inner = W;
    fn names(&self) -> String {
        self.output.clone()
    }
    fn write(&mut self, batch: &RecordBatch) -> Result<(), SinkError> {
        IpcOut::write(self, batch)
    }
    fn close(self) -> Result<W, SinkError> {
        IpcOut::close(self)
    }
}

impl<W: Write + Send> Outputs for ParquetOut<W> {
    type Inner = W;
    fn names(&self) -> String {
        self.output.clone()
    }
    fn write(&mut self, batch: &RecordBatch) -> Result<(), SinkError> {
        ParquetOut::write(self, batch)
    }
    fn close(self) -> Result<W, SinkError> {
        ParquetOut::close(self)
    }
}

impl<A: Write + Send, P: Write + Send> Outputs for (IpcOut<A>, ParquetOut<P>) {
    type Inner = (A, P);
    fn names(&self) -> String {
        format!("{}, {}", self.0.output, self.1.output)
    }
    fn write(&mut self, batch: &RecordBatch) -> Result<(), SinkError> {
        self.0.write(batch)?;
        self.1.write(batch)
    }
    fn close(self) -> Result<(A, P), SinkError> {
        // Close both even if the first fails, so neither is left half-flushed by a drop.
        let a = self.0.close();
        let p = self.1.close();
        Ok((a?, p?))
    }
}

/// Rows → batches → outputs, with poisoning after an error.
struct Core<O: Outputs> {
    batcher: Batcher,
    out: O,
    rows: u64,
    failed: bool,
}

impl<O: Outputs> Core<O> {
    fn new(schema: &TableSchema, full_schema: SchemaRef, out: O, options: &ArrowOptions) -> Self {
        Core {
            batcher: Batcher::new(schema, full_schema, options.batch_rows),
            out,
            rows: 0,
            failed: false,
        }
    }

    fn check(&self) -> Result<(), SinkError> {
        if self.failed {
            return Err(SinkError {
                output: self.out.names(),
                message: "output unusable after an earlier error".to_string(),
            });
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<(), SinkError> {
        let batch = self.batcher.take().map_err(|m| SinkError {
            output: self.out.names(),
            message: m,
        })?;
        if let Some(batch) = batch {
            self.out.write(&batch)?;
        }
        Ok(())
    }

    fn write_rows(&mut self, rows: &[Row]) -> Result<(), SinkError> {
        self.check()?;
        let result = (|| {
            for row in rows {
                self.batcher.push(row).map_err(|m| SinkError {
                    output: self.out.names(),
                    message: m,
                })?;
                self.rows += 1;
                if self.batcher.is_full() {
                    self.flush_batch()?;
                }
            }
            Ok(())
        })();
        self.failed = result.is_err();
        result
    }

    fn finish(mut self) -> Result<O::Inner, SinkError> {
        self.check()?;
        self.flush_batch()?;
        debug_assert_eq!(self.batcher.len(), 0);
        self.out.close()
    }
}

fn table_tuning(schema: &TableSchema) -> Vec<(&'static str, ColumnTuning)> {
    match schema.table() {
        Table::Before => vec![
            (RECORD_COLUMN, ColumnTuning::Delta),
            (OFFSET_COLUMN, ColumnTuning::Delta),
            (RAW_COLUMN, ColumnTuning::Opaque),
        ],
        Table::After => vec![(RECORD_COLUMN, ColumnTuning::Delta)],
    }
}

/// Writes a `before` or `after` table as an Arrow IPC file (`.arrow`, the IPC *file*
/// format with footer, readable by `arrow_ipc::reader::FileReader`, pyarrow
/// `ipc.open_file`, polars `read_ipc`, DuckDB's `arrow` extension).
pub struct ArrowIpcSink<W: Write + Send> {
    core: Core<IpcOut<W>>,
}

impl<W: Write + Send> ArrowIpcSink<W> {
    /// Starts the file: writes the header and schema to `writer`. `output` names the file
    /// in errors (`before.arrow`).
    ///
    /// # Errors
    /// A write error on the header, as a [`SinkError`] naming `output`.
    pub fn new(
        schema: &TableSchema,
        writer: W,
        output: impl Into<String>,
        options: &ArrowOptions,
    ) -> Result<Self, SinkError> {
        let full = options.schema_with_metadata(&schema.schema);
        let out = IpcOut::new(&full, writer, output.into())?;
        Ok(ArrowIpcSink {
            core: Core::new(schema, full, out, options),
        })
    }

    /// Rows accepted so far.
    pub fn rows(&self) -> u64 {
        self.core.rows
    }

    /// Writes the last batch and the footer, flushes, and gives the writer back.
    ///
    /// # Errors
    /// A write error, or an earlier error of this sink.
    pub fn finish_into_inner(self) -> Result<W, SinkError> {
        self.core.finish()
    }
}

impl<W: Write + Send> RecordSink for ArrowIpcSink<W> {
    fn write_rows(&mut self, rows: &[Row]) -> Result<(), SinkError> {
        self.core.write_rows(rows)
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.finish_into_inner().map(drop)
    }
}

/// Writes a `before` or `after` table as a Parquet file (`.parquet`, uncompressed, the Arrow
/// schema embedded so arrow-rs, pyarrow and polars read back the exact types and field
/// metadata).
pub struct ParquetSink<W: Write + Send> {
    core: Core<ParquetOut<W>>,
}

impl<W: Write + Send> ParquetSink<W> {
    /// Starts the file. Nothing is written until the first row group closes (Parquet keeps
    /// the open row group in memory, at most [`ArrowOptions::row_group_bytes`]).
    ///
    /// # Errors
    /// Only if the schema cannot be written as Parquet (not for schemas of this module).
    pub fn new(
        schema: &TableSchema,
        writer: W,
        output: impl Into<String>,
        options: &ArrowOptions,
    ) -> Result<Self, SinkError> {
        let full = options.schema_with_metadata(&schema.schema);
        let out = ParquetOut::new(&full, writer, output.into(), options, &table_tuning(schema))?;
        Ok(ParquetSink {
            core: Core::new(schema, full, out, options),
        })
    }

    /// Rows accepted so far.
    pub fn rows(&self) -> u64 {
        self.core.rows
    }

    /// Writes the last row group and the footer, flushes, and gives the writer back.
    ///
    /// # Errors
    /// A write error, or an earlier error of this sink.
    pub fn finish_into_inner(self) -> Result<W, SinkError> {
        self.core.finish()
    }
}

impl<W: Write + Send> RecordSink for ParquetSink<W> {
    fn write_rows(&mut self, rows: &[Row]) -> Result<(), SinkError> {
        self.core.write_rows(rows)
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.finish_into_inner().map(drop)
    }
}

/// Writes one table to both an Arrow IPC file and a Parquet file from the same batches
/// (the arrays are built once).
pub struct ArrowParquetSink<A: Write + Send, P: Write + Send> {
    core: Core<(IpcOut<A>, ParquetOut<P>)>,
}

impl<A: Write + Send, P: Write + Send> ArrowParquetSink<A, P> {
    /// Starts both files. `arrow_output` and `parquet_output` name them in errors.
    ///
    /// # Errors
    /// A write error on the IPC header.
    pub fn new(
        schema: &TableSchema,
        arrow_writer: A,
        arrow_output: impl Into<String>,
        parquet_writer: P,
        parquet_output: impl Into<String>,
        options: &ArrowOptions,
    ) -> Result<Self, SinkError> {
        let full = options.schema_with_metadata(&schema.schema);
        let ipc = IpcOut::new(&full, arrow_writer, arrow_output.into())?;
        let pq = ParquetOut::new(
            &full,
            parquet_writer,
            parquet_output.into(),
            options,
            &table_tuning(schema),
        )?;
        Ok(ArrowParquetSink {
            core: Core::new(schema, full, (ipc, pq), options),
        })
    }

    /// Rows accepted so far.
    pub fn rows(&self) -> u64 {
        self.core.rows
    }

    /// Finishes both files and gives both writers back (IPC, Parquet).
    ///
    /// # Errors
    /// A write error of either file (both are closed in any case), or an earlier error.
    pub fn finish_into_inner(self) -> Result<(A, P), SinkError> {
        self.core.finish()
    }
}

impl<A: Write + Send, P: Write + Send> RecordSink for ArrowParquetSink<A, P> {
    fn write_rows(&mut self, rows: &[Row]) -> Result<(), SinkError> {
        self.core.write_rows(rows)
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.finish_into_inner().map(drop)
    }
}
