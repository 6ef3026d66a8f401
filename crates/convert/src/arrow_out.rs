//! The run's Arrow IPC and Parquet outputs: `before`, `after` and `changes.parquet`, each
//! written to a temporary [`OutputFile`].

use crate::arrow::{
    check_columns, ArrowIpcSink, ArrowOptions, ArrowParquetSink, ChangeRow, ChangesParquetSink,
    ParquetSink, Table as Side, TableSchema,
};
use crate::error::RunError;
use crate::options::RunOptions;
use crate::output::{OutputFile, PendingOutput, RunFile};
use crate::plan::{Plan, Processed};
use crate::sink::{Row, SinkError};
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

    fn write<'r>(&mut self, rows: impl IntoIterator<Item = Row<'r>>) -> Result<(), SinkError> {
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
pub(crate) struct ArrowOutputs {
    before: Option<Table>,
    after: Option<Table>,
    changes: Option<ChangesParquetSink<OutputFile>>,
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

impl ArrowOutputs {
    /// Opens the outputs `opts` selects; `after` is the typed target of the run (with several
    /// sources, each group typed by the plan that feeds it).
    pub(crate) fn open(
        plan: &Plan,
        after: &ikou_layout_spec::Layout,
        opts: &RunOptions,
    ) -> Result<ArrowOutputs, RunError> {
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
        Ok(ArrowOutputs {
            before: match &before {
                Some(schema) => Table::open(
                    schema,
                    (RunFile::BeforeArrow, RunFile::BeforeParquet),
                    opts,
                    &before_options,
                )?,
                None => None,
            },
            after: match &after {
                Some(schema) => Table::open(
                    schema,
                    (RunFile::AfterArrow, RunFile::AfterParquet),
                    opts,
                    &after_options,
                )?,
                None => None,
            },
            changes,
        })
    }

    /// Appends a chunk's records straight from the [`Processed`] results (rows borrow
    /// their values; nothing is cloned).
    pub(crate) fn write(&mut self, plan: &Plan, results: &[Processed]) -> Result<(), RunError> {
        if let Some(t) = self.before.as_mut() {
            t.write(results.iter().map(Processed::before_row))?;
        }
        let kept = || results.iter().filter(|p| !p.rejected());
        if let Some(t) = self.after.as_mut() {
            t.write(kept().map(Processed::after_row))?;
        }
        if let Some(c) = self.changes.as_mut() {
            c.write_iter(plan.changes_of(results).map(|c| ChangeRow {
                record: c.record,
                item: c.item,
                rule: c.rule,
                before: Some(c.before),
                after: Some(c.after),
            }))?;
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<Vec<PendingOutput>, RunError> {
        let mut files = Vec::new();
        for t in [self.before, self.after].into_iter().flatten() {
            files.extend(t.finish()?);
        }
        if let Some(c) = self.changes {
            files.push(c.finish()?);
        }
        files
            .into_iter()
            .map(|f| {
                let name = f.name().to_string();
                f.complete()
                    .map_err(|error| RunError::Output { name, error })
            })
            .collect()
    }
}
