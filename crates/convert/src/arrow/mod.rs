//! Arrow IPC and Parquet outputs of a run: `before.arrow`/`before.parquet`,
//! `after.arrow`/`after.parquet` and `changes.parquet` (feature `arrow`, on by default).
//!
//! A [`TableSchema`] is built once from a layout ([`TableSchema::before`] for the source
//! layout, [`TableSchema::after`] for the target layout). The sinks implement
//! [`RecordSink`]: rows are appended to column builders and leave as a
//! [`RecordBatch`] every [`ArrowOptions::batch_rows`] rows or [`ArrowOptions::batch_bytes`]
//! bytes, whichever comes first, so memory stays flat whatever the input size and the item
//! count. Parquet row groups are closed at
//! [`ArrowOptions::row_group_bytes`] (estimated encoded size) or
//! [`ArrowOptions::row_group_rows`], whichever comes first.
//!
//! The same rows give byte-identical files: no timestamps, Parquet `created_by` fixed to
//! [`CREATED_BY`], metadata in sorted key order. Files are uncompressed (the workspace
//! builds parquet without codecs). In Parquet, `record` and `offset` use delta encoding
//! with row-group statistics; text and `raw` columns `DELTA_LENGTH_BYTE_ARRAY` (the values
//! as written, their lengths delta-packed instead of 4 bytes each: after.parquet of the
//! bundled target is 22 % smaller than plain, for the same writing time), or dictionary
//! encoding where [`ArrowOptions::dictionary`] asks for it. No page index is written.
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
//! let target = catalog.layout("standard/jumin-kiroku-jumin").unwrap();
//! let schema = TableSchema::after(target).unwrap();
//! let mut values = vec![None; schema.item_count()];
//! values[target.item_index("seinengappi").unwrap()] = Some("1955-03".to_string());
//! let row = Row { record: 1, offset: 0, values: &values, raw: None, skipped: 0 };
//!
//! let mut sink = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &ArrowOptions::default())?;
//! sink.write_rows(&[row])?;
//! let bytes = sink.finish_into_inner()?;
//!
//! let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
//! let batches: Vec<_> = reader.collect::<Result<_, _>>().unwrap();
//! assert_eq!(batches[0].num_rows(), 1);
//! // A partial date: the Date32 column is null, the written form is kept beside it.
//! let birth = batches[0].column_by_name("seinengappi").unwrap();
//! assert!(birth.is_null(0));
//! # Ok::<(), ikou_convert::sink::SinkError>(())
//! ```

mod batch;
mod changes;
mod schema;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod throughput;
mod values;

use std::collections::BTreeMap;
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
use ikou_layout_spec::DomainType;
use schema::ColumnKind;

pub use changes::{ChangeRow, ChangesParquetSink};
pub use schema::{
    changes_schema, check_columns, column_count, SchemaError, Table, TableSchema, TooManyColumns,
    DATE_TEXT_SUFFIX, MAX_COLUMNS, META_DOMAIN, META_LAYOUT_ID, META_LAYOUT_NAME,
    META_LAYOUT_STATUS, META_LAYOUT_VERSION, META_NAME, META_NUMBER, META_TABLE, META_TEXT_OF,
    OFFSET_COLUMN, RAW_COLUMN, RECORD_COLUMN,
};

/// The `created_by` string of every Parquet file ikou writes (fixed, so reruns are
/// byte-identical).
pub const CREATED_BY: &str = concat!("ikou ", env!("CARGO_PKG_VERSION"));

/// The default [`ArrowOptions::batch_bytes`]: 8 MiB.
pub const DEFAULT_BATCH_BYTES: usize = 8 << 20;

/// Memory one closed column chunk's footer entry holds until its Parquet file closes, as
/// budgeted by [`parquet_row_group_bytes`]: the parquet writer keeps every closed row
/// group's metadata (and an index slot per column) for the footer, measured at about
/// 0.75 KB per column chunk (100,000 one-byte items: +0.6 GB for 8 more row groups).
pub const PARQUET_CHUNK_FOOTER_BYTES: usize = 1024;

/// The most bytes the column count may raise a row group to ([`parquet_row_group_bytes`]):
/// 256 MiB, reached at 262,144 columns.
pub const MAX_WIDE_ROW_GROUP_BYTES: usize = 256 << 20;

/// The row group size (estimated encoded bytes) of a Parquet output of `columns` columns
/// configured with `configured` bytes ([`ArrowOptions::row_group_bytes`]): at least
/// `columns` × [`PARQUET_CHUNK_FOOTER_BYTES`] (at most [`MAX_WIDE_ROW_GROUP_BYTES`]), so that
/// a column chunk holds at least about as much data as its footer entry costs in memory
/// until the file closes. Parquet's footer has one entry per row group × column, and the
/// writer keeps them all: with 100,000 one-byte items and 16 MiB row groups (≈ 83 rows),
/// `before.parquet` grew by ≈ 75 MB per row group, i.e. ≈ 6 times the data. Layouts of up to
/// `configured` / 1 KiB columns (16,384 for `before`) keep `configured`; wider ones trade a
/// larger open row group for a footer growing at most about as fast as the file.
pub fn parquet_row_group_bytes(columns: usize, configured: usize) -> usize {
    let wide = columns
        .saturating_mul(PARQUET_CHUNK_FOOTER_BYTES)
        .min(MAX_WIDE_ROW_GROUP_BYTES);
    configured.max(wide).max(1)
}

/// How the Arrow and Parquet sinks batch and size their output.
///
/// Memory of one Parquet output is about its open row group ([`ArrowOptions::row_group_bytes`])
/// plus one data page per column ([`ArrowOptions::data_page_bytes`]) plus a batch
/// ([`ArrowOptions::batch_rows`] rows and at most about [`ArrowOptions::batch_bytes`]); an
/// Arrow IPC output holds only a batch. Parquet also
/// keeps the footer metadata of every column chunk until the file ends (about 0.5 KB each),
/// so larger row groups mean less growth on long runs but a larger open row group: with
/// the defaults, 10M records of the bundled layouts add about 8 MB over 1M for
/// `before`+`after`+`changes`. Run `cargo test --release -p ikou-convert --lib
/// arrow::throughput -- --ignored --nocapture` to measure the sinks alone.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ArrowOptions {
    /// Rows per record batch (an IPC record batch; the unit handed to the Parquet writer).
    /// A batch is built, written and freed before the next one is started.
    pub batch_rows: usize,
    /// Bytes of one record batch at most (estimated from the builders: 4 or 8 bytes per
    /// value slot plus the value bytes), whatever the item count: a batch ends at
    /// [`ArrowOptions::batch_rows`] rows or at this many bytes, whichever comes first (at
    /// least one row). With 100,000 items a row costs ~400 KB of offsets alone, so a
    /// 2,048-row batch would be 0.8 GB; the builders' initial capacity is bounded the same
    /// way. Default 8 MiB.
    pub batch_bytes: usize,
    /// Most rows in one Parquet row group.
    pub row_group_rows: usize,
    /// Estimated encoded bytes at which a Parquet row group is closed. The writer holds the
    /// open row group in memory, so this bounds the memory of each Parquet output. A very
    /// wide schema raises it to 1 KiB per column ([`parquet_row_group_bytes`]).
    pub row_group_bytes: usize,
    /// Dictionary-encode the item columns whose values repeat across records (codes,
    /// postal codes, dates as text, short text; never names, numbers or addresses).
    /// Smaller files (after.parquet of the bundled target: −15 %), but about half the
    /// Parquet writer's speed. Default off. (`changes.parquet` always dictionary-encodes
    /// its `item` and `rule` columns, where it is cheap and shrinks them to almost nothing.)
    pub dictionary: bool,
    /// Write min/max statistics for item columns too (default: only for `record` and
    /// `offset`, which is what joins and range filters by record number use). Costs about
    /// a third of the Parquet writer's time when on.
    pub item_statistics: bool,
    /// Largest Parquet data page (encoded bytes) before a new page starts. Each column
    /// builds its page in memory before it joins the open row group, so small pages keep
    /// those buffers small (and reused by the allocator instead of fresh pages faulted in);
    /// 64 KiB pages cost no measurable time against the writer's 1 MiB default (with
    /// 2,048-row batches they took a run with every output on 1M records from about 145 to
    /// about 110 MB peak RSS).
    pub data_page_bytes: usize,
    /// The compression of the Parquet pages (default none; a run picks it per file,
    /// [`crate::RunOptions::parquet_compression_of`]).
    pub compression: crate::options::ParquetCompression,
    /// Run-level key/value metadata added to the schema of every output (profile, tool
    /// version…). Sorted by key in the files. Keep personal values out of it.
    pub metadata: BTreeMap<String, String>,
}

impl Default for ArrowOptions {
    fn default() -> Self {
        ArrowOptions {
            batch_rows: 2 * 1024,
            batch_bytes: DEFAULT_BATCH_BYTES,
            row_group_rows: 128 * 1024,
            row_group_bytes: 8 * 1024 * 1024,
            dictionary: false,
            item_statistics: false,
            data_page_bytes: 64 * 1024,
            compression: crate::options::ParquetCompression::None,
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

/// Refuses a table wider than [`MAX_COLUMNS`] before its file is started.
fn check_width(schema: &TableSchema, output: &str) -> Result<(), SinkError> {
    let columns = schema.schema.fields().len();
    if columns > MAX_COLUMNS {
        return Err(SinkError::other(
            output,
            TooManyColumns {
                layout: schema.layout_id.clone(),
                items: schema.items.len(),
                columns,
                table: schema.table,
            },
        ));
    }
    Ok(())
}

fn sink_error(output: &str, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> SinkError {
    SinkError::other(output, e)
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
            .map_err(|e| SinkError::io(output.clone(), e.into_error()))?;
        inner
            .flush()
            .map_err(|e| SinkError::io(output.clone(), e))?;
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
    /// An item column: dictionary and statistics as [`ArrowOptions`] say.
    Item {
        /// Whether dictionary encoding pays for the column's values.
        repeats: bool,
        /// Whether the column holds text (a byte array), not a number.
        text: bool,
    },
    /// A column whose values repeat heavily (`item`, `rule` of changes): dictionary on.
    Dictionary,
}

/// The Parquet codec of a [`crate::options::ParquetCompression`].
fn parquet_codec(c: crate::options::ParquetCompression) -> parquet::basic::Compression {
    use crate::options::ParquetCompression as C;
    use parquet::basic::Compression;
    match c {
        C::None => Compression::UNCOMPRESSED,
        C::Lz4 => Compression::LZ4_RAW,
        C::Snappy => Compression::SNAPPY,
    }
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
        tuning: &[(String, ColumnTuning)],
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
            .set_max_row_group_bytes(Some(parquet_row_group_bytes(
                schema.fields().len(),
                options.row_group_bytes,
            )))
            .set_data_page_size_limit(options.data_page_bytes.max(1))
            .set_compression(parquet_codec(options.compression))
            .set_key_value_metadata(Some(kv));
        // Every column not named in `tuning`: plain, no statistics.
        props = props
            .set_dictionary_enabled(false)
            .set_statistics_enabled(EnabledStatistics::None);
        let item_stats = if options.item_statistics {
            EnabledStatistics::Chunk
        } else {
            EnabledStatistics::None
        };
        // No offset index: without page statistics on item columns it prunes nothing, and
        // it is kept in memory per column chunk until the footer is written.
        props = props.set_offset_index_disabled(true);
        for (column, tuning) in tuning {
            let path = ColumnPath::from(column.as_str());
            if let ColumnTuning::Item { text: true, .. } | ColumnTuning::Opaque = tuning {
                // Lengths delta-packed instead of 4 bytes per value (fixed-length codes,
                // digits and raw records: almost nothing); the values as in plain.
                props = props.set_column_encoding(path.clone(), Encoding::DELTA_LENGTH_BYTE_ARRAY);
            }
            props = match tuning {
                ColumnTuning::Delta => props
                    .set_column_encoding(path.clone(), Encoding::DELTA_BINARY_PACKED)
                    .set_column_statistics_enabled(path, EnabledStatistics::Chunk),
                ColumnTuning::Opaque => props,
                ColumnTuning::Item { repeats, .. } => props
                    .set_column_dictionary_enabled(path.clone(), options.dictionary && *repeats)
                    .set_column_statistics_enabled(path, item_stats),
                ColumnTuning::Dictionary => props.set_column_dictionary_enabled(path, true),
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
        inner
            .flush()
            .map_err(|e| SinkError::io(output.clone(), e))?;
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
            batcher: Batcher::new(schema, full_schema, options.batch_rows, options.batch_bytes),
            out,
            rows: 0,
            failed: false,
        }
    }

    fn check(&self) -> Result<(), SinkError> {
        if self.failed {
            return Err(SinkError::new(
                self.out.names(),
                "output unusable after an earlier error",
            ));
        }
        Ok(())
    }

    /// Writes the rows in the builders as a batch; `renew`: give the builders capacity for
    /// the next batch (not after the last one).
    fn flush_batch(&mut self, renew: bool) -> Result<(), SinkError> {
        let batch = self
            .batcher
            .take()
            .map_err(|m| SinkError::new(self.out.names(), m))?;
        if let Some(batch) = batch {
            self.out.write(&batch)?;
            // The batch's buffers are freed here, just before the builders ask for as much.
            drop(batch);
            if renew {
                self.batcher.renew();
            }
        }
        Ok(())
    }

    fn write_rows<'r>(&mut self, rows: impl IntoIterator<Item = Row<'r>>) -> Result<(), SinkError> {
        self.check()?;
        let result = (|| {
            for row in rows {
                self.batcher
                    .push(row)
                    .map_err(|m| SinkError::new(self.out.names(), m))?;
                self.rows += 1;
                if self.batcher.is_full() {
                    self.flush_batch(true)?;
                }
            }
            Ok(())
        })();
        self.failed = result.is_err();
        result
    }

    fn finish(mut self) -> Result<O::Inner, SinkError> {
        self.check()?;
        self.flush_batch(false)?;
        debug_assert_eq!(self.batcher.len(), 0);
        self.out.close()
    }
}

/// Whether dictionary encoding pays for an item's column: values that repeat across the
/// records of one municipality (codes, postal codes, dates as text, short free text). For
/// values unique per person (names, numbers, addresses) the dictionary only costs time:
/// it fills up to its page limit and falls back to plain, and its hashing halves the
/// Parquet writer's speed.
fn dictionary_pays(domain: DomainType) -> bool {
    matches!(
        domain,
        DomainType::Code
            | DomainType::RecordType
            | DomainType::Filler
            | DomainType::LgCode
            | DomainType::PostalCode
            | DomainType::Date
            | DomainType::Text
    )
}

fn table_tuning(schema: &TableSchema) -> Vec<(String, ColumnTuning)> {
    let mut tuning = vec![(RECORD_COLUMN.to_string(), ColumnTuning::Delta)];
    if schema.table() == Table::Before {
        tuning.push((OFFSET_COLUMN.to_string(), ColumnTuning::Delta));
        tuning.push((RAW_COLUMN.to_string(), ColumnTuning::Opaque));
    }
    for item in &schema.items {
        let repeats = dictionary_pays(item.domain);
        match item.kind {
            ColumnKind::Text => tuning.push((
                item.key.clone(),
                ColumnTuning::Item {
                    repeats,
                    text: true,
                },
            )),
            // Date32 and Int64 are small plain; a date's `__text` repeats like any date.
            ColumnKind::Amount | ColumnKind::Decimal(..) => tuning.push((
                item.key.clone(),
                ColumnTuning::Item {
                    repeats: false,
                    text: false,
                },
            )),
            ColumnKind::Date => {
                tuning.push((
                    item.key.clone(),
                    ColumnTuning::Item {
                        repeats: false,
                        text: false,
                    },
                ));
                tuning.push((
                    format!("{}{DATE_TEXT_SUFFIX}", item.key),
                    ColumnTuning::Item {
                        repeats,
                        text: true,
                    },
                ));
            }
        }
    }
    tuning
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
    /// A write error on the header, as a [`SinkError`] naming `output`; a table wider than
    /// [`MAX_COLUMNS`] ([`TooManyColumns`] as its source), before anything is written.
    pub fn new(
        schema: &TableSchema,
        writer: W,
        output: impl Into<String>,
        options: &ArrowOptions,
    ) -> Result<Self, SinkError> {
        let output = output.into();
        check_width(schema, &output)?;
        let full = options.schema_with_metadata(&schema.schema);
        let out = IpcOut::new(&full, writer, output)?;
        Ok(ArrowIpcSink {
            core: Core::new(schema, full, out, options),
        })
    }

    /// Rows accepted so far.
    pub fn rows(&self) -> u64 {
        self.core.rows
    }

    /// Writes rows from an iterator (what [`RecordSink::write_rows`] does for a slice),
    /// so a caller holding its values elsewhere need not collect rows first.
    ///
    /// # Errors
    /// As [`RecordSink::write_rows`].
    pub fn write_iter<'r>(
        &mut self,
        rows: impl IntoIterator<Item = Row<'r>>,
    ) -> Result<(), SinkError> {
        self.core.write_rows(rows)
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
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        self.core.write_rows(rows.iter().copied())
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
    /// A table wider than [`MAX_COLUMNS`] ([`TooManyColumns`] as the [`SinkError`]'s
    /// source); otherwise only if the schema cannot be written as Parquet (not for schemas
    /// of this module).
    pub fn new(
        schema: &TableSchema,
        writer: W,
        output: impl Into<String>,
        options: &ArrowOptions,
    ) -> Result<Self, SinkError> {
        let output = output.into();
        check_width(schema, &output)?;
        let full = options.schema_with_metadata(&schema.schema);
        let out = ParquetOut::new(&full, writer, output, options, &table_tuning(schema))?;
        Ok(ParquetSink {
            core: Core::new(schema, full, out, options),
        })
    }

    /// Rows accepted so far.
    pub fn rows(&self) -> u64 {
        self.core.rows
    }

    /// Writes rows from an iterator (what [`RecordSink::write_rows`] does for a slice),
    /// so a caller holding its values elsewhere need not collect rows first.
    ///
    /// # Errors
    /// As [`RecordSink::write_rows`].
    pub fn write_iter<'r>(
        &mut self,
        rows: impl IntoIterator<Item = Row<'r>>,
    ) -> Result<(), SinkError> {
        self.core.write_rows(rows)
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
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        self.core.write_rows(rows.iter().copied())
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
    /// A write error on the IPC header; a table wider than [`MAX_COLUMNS`]
    /// ([`TooManyColumns`]), before anything is written.
    pub fn new(
        schema: &TableSchema,
        arrow_writer: A,
        arrow_output: impl Into<String>,
        parquet_writer: P,
        parquet_output: impl Into<String>,
        options: &ArrowOptions,
    ) -> Result<Self, SinkError> {
        let arrow_output = arrow_output.into();
        check_width(schema, &arrow_output)?;
        let full = options.schema_with_metadata(&schema.schema);
        let ipc = IpcOut::new(&full, arrow_writer, arrow_output)?;
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

    /// Writes rows from an iterator (what [`RecordSink::write_rows`] does for a slice),
    /// so a caller holding its values elsewhere need not collect rows first.
    ///
    /// # Errors
    /// As [`RecordSink::write_rows`].
    pub fn write_iter<'r>(
        &mut self,
        rows: impl IntoIterator<Item = Row<'r>>,
    ) -> Result<(), SinkError> {
        self.core.write_rows(rows)
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
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        self.core.write_rows(rows.iter().copied())
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.finish_into_inner().map(drop)
    }
}
