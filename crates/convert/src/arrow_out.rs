//! The run's Arrow IPC and Parquet outputs: `before`, `after` and `changes.parquet`, each
//! a [`RunOutput`] (a [`RecordSink`] the run writes through) over temporary
//! [`OutputFile`]s.

use crate::arrow::{
    check_columns, ArrowIpcSink, ArrowOptions, ArrowParquetSink, ChangeRow, ChangesParquetSink,
    ParquetSink, Table as Side, TableSchema,
};
use crate::error::RunError;
use crate::options::RunOptions;
use crate::output::{complete_file, OutputFile, PendingOutput, RunFile, RunOutput};
use crate::plan::Plan;
use crate::sink::{Change, RecordSink, Row, SinkError};
use std::collections::BTreeMap;

enum Table {
    Both(Box<ArrowParquetSink<OutputFile, OutputFile>>),
    Arrow(ArrowIpcSink<OutputFile>),
    Parquet(ParquetSink<OutputFile>),
}

impl Table {
    /// The table's Arrow IPC file and Parquet file, each if selected.
    fn open(
        schema: &TableSchema,
        (arrow, parquet): (RunFile, RunFile),
        opts: &RunOptions,
        options: &ArrowOptions,
    ) -> Result<Option<Table>, RunError> {
        let create = |file: RunFile| {
            OutputFile::create(&opts.out_dir, file.name()).map_err(|error| RunError::Output {
                name: file.name().into(),
                error,
            })
        };
        let o = opts.outputs;
        Ok(match (o.wants(arrow), o.wants(parquet)) {
            (true, true) => Some(Table::Both(Box::new(ArrowParquetSink::new(
                schema,
                create(arrow)?,
                arrow.name(),
                create(parquet)?,
                parquet.name(),
                options,
            )?))),
            (true, false) => Some(Table::Arrow(ArrowIpcSink::new(
                schema,
                create(arrow)?,
                arrow.name(),
                options,
            )?)),
            (false, true) => Some(Table::Parquet(ParquetSink::new(
                schema,
                create(parquet)?,
                parquet.name(),
                options,
            )?)),
            (false, false) => None,
        })
    }

    fn write(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        let rows = rows.iter().copied();
        match self {
            Table::Both(s) => s.write_iter(rows),
            Table::Arrow(s) => s.write_iter(rows),
            Table::Parquet(s) => s.write_iter(rows),
        }
    }

    fn finish(self) -> Result<Vec<OutputFile>, SinkError> {
        Ok(match self {
            Table::Both(s) => {
                let (a, p) = s.finish_into_inner()?;
                vec![a, p]
            }
            Table::Arrow(s) => vec![s.finish_into_inner()?],
            Table::Parquet(s) => vec![s.finish_into_inner()?],
        })
    }
}

/// The Arrow/Parquet outputs a run selected.
/// `before.arrow`/`.parquet`: every record as read (the run's `write_before`).
struct Before(Table);

/// `after.arrow`/`.parquet`: every converted record.
struct After(Table);

/// `changes.parquet`: the rows of `changes.csv`.
struct Changes(ChangesParquetSink<OutputFile>);

impl RecordSink for Before {
    fn wants_before(&self) -> bool {
        true
    }
    fn write_before(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        self.0.write(rows)
    }
    fn write_rows(&mut self, _: &[Row<'_>]) -> Result<(), SinkError> {
        Ok(())
    }
    /// Completed by the run ([`RunOutput::complete`]); finished on its own, no file.
    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.complete().map(drop)
    }
}

impl RunOutput for Before {
    fn complete(self: Box<Self>) -> Result<Vec<PendingOutput>, SinkError> {
        self.0.finish()?.into_iter().map(complete_file).collect()
    }
}

impl RecordSink for After {
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        self.0.write(rows)
    }
    /// Completed by the run ([`RunOutput::complete`]); finished on its own, no file.
    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.complete().map(drop)
    }
}

impl RunOutput for After {
    fn complete(self: Box<Self>) -> Result<Vec<PendingOutput>, SinkError> {
        self.0.finish()?.into_iter().map(complete_file).collect()
    }
}

impl RecordSink for Changes {
    fn write_rows(&mut self, _: &[Row<'_>]) -> Result<(), SinkError> {
        Ok(())
    }
    fn write_changes(&mut self, changes: &[Change<'_>]) -> Result<(), SinkError> {
        self.0.write_iter(changes.iter().map(|c| ChangeRow {
            record: c.record,
            item: c.item,
            rule: c.rule,
            before: Some(c.before),
            after: Some(c.after),
        }))
    }
    /// Completed by the run ([`RunOutput::complete`]); finished on its own, no file.
    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.complete().map(drop)
    }
}

impl RunOutput for Changes {
    fn complete(self: Box<Self>) -> Result<Vec<PendingOutput>, SinkError> {
        Ok(vec![complete_file(self.0.finish()?)?])
    }
    fn wants_changes(&self) -> bool {
        true
    }
}

fn schema_err(e: impl std::error::Error + Send + Sync + 'static) -> RunError {
    RunError::Schema(Box::new(e))
}

/// Refuses, before the run reads anything, a selected `before` or `after` Arrow/Parquet
/// output whose table would have more than [`crate::arrow::MAX_COLUMNS`] columns (issue
/// #18: a file's memory grows with its columns); counted from the layouts, nothing built.
pub(crate) fn check_widths(
    plan: &Plan,
    after: &ikou_layout_spec::Layout,
    opts: &RunOptions,
) -> Result<(), RunError> {
    let o = opts.outputs;
    if o.before_arrow || o.before_parquet {
        check_columns(&plan.source, Side::Before).map_err(schema_err)?;
    }
    if o.after_arrow || o.after_parquet {
        check_columns(after, Side::After).map_err(schema_err)?;
    }
    Ok(())
}

/// Opens the Arrow/Parquet outputs `opts` selects, in the order the manifest lists them
/// (`before`, `after`, `changes.parquet`); `after` is the typed target of the run (with
/// several sources, each group typed by the plan that feeds it).
pub(crate) fn open(
    plan: &Plan,
    after: &ikou_layout_spec::Layout,
    opts: &RunOptions,
) -> Result<Vec<Box<dyn RunOutput>>, RunError> {
    {
        let o = opts.outputs;
        let options = ArrowOptions {
            metadata: BTreeMap::from([
                ("ikou.profile".to_string(), plan.profile.id.clone()),
                (
                    "ikou.version".to_string(),
                    env!("CARGO_PKG_VERSION").to_string(),
                ),
            ]),
            ..ArrowOptions::default()
        };
        check_widths(plan, after, opts)?;
        // Only the selected tables' schemas are built (a wide source layout costs nothing
        // when its `before` table is not written).
        let before = if o.before_arrow || o.before_parquet {
            Some(TableSchema::before(&plan.source).map_err(schema_err)?)
        } else {
            None
        };
        // The widest table (every source item, offset and raw bytes): row groups twice the
        // size, so that the footer metadata Parquet keeps per column chunk until the end of
        // the file (about 0.5 KB each) stays small on 10M records.
        let before_options = ArrowOptions {
            row_group_bytes: options.row_group_bytes * 2,
            compression: opts.parquet_compression_of(RunFile::BeforeParquet),
            ..options.clone()
        };
        let after_options = ArrowOptions {
            compression: opts.parquet_compression_of(RunFile::AfterParquet),
            ..options.clone()
        };
        let after = if o.after_arrow || o.after_parquet {
            Some(TableSchema::after(after).map_err(schema_err)?)
        } else {
            None
        };
        let changes = if o.changes_parquet {
            let file = RunFile::ChangesParquet;
            let f = OutputFile::create(&opts.out_dir, file.name()).map_err(|error| {
                RunError::Output {
                    name: file.name().into(),
                    error,
                }
            })?;
            let changes_options = ArrowOptions {
                compression: opts.parquet_compression_of(file),
                ..options.clone()
            };
            Some(ChangesParquetSink::new(f, file.name(), &changes_options)?)
        } else {
            None
        };
        let mut outputs: Vec<Box<dyn RunOutput>> = Vec::new();
        if let Some(schema) = &before {
            let files = (RunFile::BeforeArrow, RunFile::BeforeParquet);
            if let Some(t) = Table::open(schema, files, opts, &before_options)? {
                outputs.push(Box::new(Before(t)));
            }
        }
        if let Some(schema) = &after {
            let files = (RunFile::AfterArrow, RunFile::AfterParquet);
            if let Some(t) = Table::open(schema, files, opts, &after_options)? {
                outputs.push(Box::new(After(t)));
            }
        }
        if let Some(c) = changes {
            outputs.push(Box::new(Changes(c)));
        }
        Ok(outputs)
    }
}
