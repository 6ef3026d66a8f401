//! The standard outputs of a run as it writes them: the standard CSVs, `rejects.csv` and
//! `changes.csv` as [`RecordSink`]s ([`RunOutput`]s), beside the Arrow/Parquet outputs and
//! the vendor's own sinks; each chunk is one [`Batch`] written through every one of them.

use crate::error::RunError;
use crate::error::{csv_err, out_err};
use crate::options::RunOptions;
use crate::output::{
    complete_file, guard_cell, hex, OutputFile, PendingOutput, RunFile, RunOutput,
};
use crate::plan::{Plan, Processed};
use crate::sink::{Change, RecordSink, Rejected, Row, SinkError};
use crate::tally::{tally_chunk, Tally};
use ikou_layout_spec::profile::{Header, LineEnding, Quoting};
use std::io::Write;

pub(crate) struct Sinks {
    /// The standard outputs, in the order the manifest lists their files: one CSV per
    /// output group ([`Plan::groups`], in order), `rejects.csv`, `changes.csv`, the
    /// Arrow/Parquet files.
    pub(crate) standard: Vec<Box<dyn RunOutput>>,
    /// The vendor's own sinks ([`Run::sink`]).
    pub(crate) extra: Vec<Box<dyn RecordSink>>,
    /// The sources' names in a profile with `[[sources]]` ([`Rejected::source`]), else empty.
    source_names: Vec<String>,
    /// The foreign keys that dangle after all (a profile with foreign keys between groups).
    pub(crate) dangling: Option<crate::checks::DanglingWatch>,
    /// The summary of the changes the run's report shows, collected as they are written
    /// (the report then does not read changes.csv back).
    pub(crate) report_changes: Option<crate::summary::Changes>,
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Creates the output `name` in `dir`, starting with a UTF-8 BOM when `bom` is set (the
/// standard CSVs: the profile's `output.bom`; the CSVs people open:
/// [`RunOptions::excel_bom`]).
pub(crate) fn create_text(
    dir: &std::path::Path,
    name: &str,
    bom: bool,
) -> Result<OutputFile, RunError> {
    let mut file = OutputFile::create(dir, name).map_err(out_err(name))?;
    if bom {
        file.write_all(BOM).map_err(out_err(name))?;
    }
    Ok(file)
}

pub(crate) fn csv_writer(
    file: OutputFile,
    quote: Quoting,
    ending: LineEnding,
) -> csv::Writer<OutputFile> {
    csv::WriterBuilder::new()
        .quote_style(match quote {
            Quoting::Necessary => csv::QuoteStyle::Necessary,
            Quoting::Always => csv::QuoteStyle::Always,
        })
        .terminator(match ending {
            LineEnding::Crlf => csv::Terminator::CRLF,
            LineEnding::Lf => csv::Terminator::Any(b'\n'),
        })
        .buffer_capacity(256 * 1024)
        .from_writer(file)
}

/// rejects.csv's item columns. One source: an `item:KEY` column per source item (fillers
/// left out). Several sources (`[[sources]]`, issue #13): a `source` column after `file`,
/// and each source's own `item:SOURCE.KEY` columns, one source after the other in profile
/// order; a row fills its own source's columns and leaves the others empty.
#[derive(Debug, Clone, Default)]
pub(crate) struct RejectColumns {
    /// The sources' names (empty: one source, no `source` column).
    names: Vec<String>,
    /// Per source: the index of its first item column among all item columns.
    starts: Vec<usize>,
    /// The number of item columns.
    total: usize,
}

impl RejectColumns {
    fn new(plans: &[&Plan], names: &[String], multi: bool) -> RejectColumns {
        let mut starts = Vec::new();
        let mut total = 0;
        for p in plans {
            starts.push(total);
            total += reject_item_keys(p).count();
        }
        RejectColumns {
            names: if multi { names.to_vec() } else { Vec::new() },
            starts,
            total,
        }
    }

    fn header(&self, plans: &[&Plan]) -> Vec<String> {
        let mut h: Vec<String> = ["record", "file"].into_iter().map(str::to_string).collect();
        if !self.names.is_empty() {
            h.push("source".into());
        }
        h.extend(
            ["file_record", "byte_offset", "kinds", "reasons", "raw_hex"]
                .into_iter()
                .map(str::to_string),
        );
        for (n, p) in plans.iter().enumerate() {
            match self.names.get(n) {
                Some(name) => h.extend(reject_item_keys(p).map(|k| format!("item:{name}.{k}"))),
                None => h.extend(reject_item_keys(p).map(|k| format!("item:{k}"))),
            }
        }
        h
    }
}

impl Sinks {
    /// Opens every output of a run of `plans` (one per source, `names` in the same order;
    /// `multi`: the profile has `[[sources]]`). The groups are the first plan's (every
    /// plan's).
    pub(crate) fn open(
        plans: &[&Plan],
        names: &[String],
        multi: bool,
        opts: &RunOptions,
        extra: Vec<Box<dyn RecordSink>>,
    ) -> Result<Sinks, RunError> {
        let Some(plan) = plans.first().copied() else {
            return Err(RunError::Sources("a run needs a plan".into()));
        };
        let reject_columns = RejectColumns::new(plans, names, multi);
        let dir = &opts.out_dir;
        let form = plan.profile.output;
        let mut standard: Vec<Box<dyn RunOutput>> = Vec::new();
        for (g, group) in plan.groups.iter().enumerate() {
            let data_name = &group.file;
            let data_file = create_text(dir, data_name, form.bom)?;
            let mut w = csv_writer(data_file, form.quote, form.line_ending);
            // The group's own layout: its names and unprefixed keys.
            match form.header {
                Header::Names => w
                    .write_record(group.layout.items.iter().map(|i| i.name.as_str()))
                    .map_err(csv_err(data_name))?,
                Header::Keys => w
                    .write_record(group.layout.items.iter().map(|i| i.key.as_str()))
                    .map_err(csv_err(data_name))?,
                Header::None => {}
            }
            standard.push(Box::new(GroupCsv {
                g,
                range: group.range.clone(),
                name: data_name.clone(),
                w,
                rec: csv::ByteRecord::new(),
            }));
        }
        let mut rejects = csv_writer(
            create_text(dir, RunFile::Rejects.name(), opts.excel_bom)?,
            Quoting::Necessary,
            LineEnding::Crlf,
        );
        rejects
            .write_record(reject_columns.header(plans))
            .map_err(csv_err(RunFile::Rejects.name()))?;
        let source_names = reject_columns.names.clone();
        standard.push(Box::new(RejectsCsv {
            w: rejects,
            items: plans.iter().map(|p| reject_items(p)).collect(),
            columns: reject_columns,
            show_values: opts.show_values,
        }));
        if opts.outputs.changes_csv {
            let mut w = csv_writer(
                create_text(dir, RunFile::Changes.name(), opts.excel_bom)?,
                Quoting::Necessary,
                LineEnding::Crlf,
            );
            w.write_record(["record", "item", "rule", "before", "after"])
                .map_err(csv_err(RunFile::Changes.name()))?;
            standard.push(Box::new(ChangesCsv {
                w,
                record: (0, String::new()),
            }));
        }
        #[cfg(feature = "arrow")]
        standard.extend(crate::arrow_out::open(
            plan,
            &crate::sources::typed_target(plans).unwrap_or_else(|| plan.typed_target()),
            opts,
        )?);
        Ok(Sinks {
            standard,
            extra,
            source_names,
            dangling: plan
                .has_foreign_keys()
                .then(|| crate::checks::DanglingWatch::new(plan, opts)),
            report_changes: crate::summary::Changes::for_run(&opts.outputs, opts.show_values),
        })
    }

    /// Completes every standard output (under its temporary name), in order; finishes the
    /// vendor's sinks first.
    pub(crate) fn complete(&mut self) -> Result<Vec<PendingOutput>, RunError> {
        for sink in std::mem::take(&mut self.extra) {
            sink.finish()?;
        }
        let mut pending = Vec::new();
        for output in std::mem::take(&mut self.standard) {
            pending.extend(output.complete()?);
        }
        Ok(pending)
    }
}

/// One chunk as every sink is handed it: the records as read, the converted rows, the
/// rejected records and the changes, each borrowed from the chunk's results.
pub(crate) struct Batch<'a> {
    before: Vec<Row<'a>>,
    rows: Vec<Row<'a>>,
    rejects: Vec<Rejected<'a>>,
    changes: Vec<Change<'a>>,
}

impl<'a> Batch<'a> {
    /// The batch of `results`, records of `file` (numbered `file_records` there) read as
    /// `source`; the records as read only when `before`, the changes only when `changes`
    /// (a sink wants them).
    fn of(
        plan: &'a Plan,
        results: &'a [Processed],
        (file, source): (&'a str, Option<&'a str>),
        file_records: &'a [u64],
        (before, changes): (bool, bool),
    ) -> Batch<'a> {
        Batch {
            before: if before {
                results.iter().map(Processed::before_row).collect()
            } else {
                Vec::new()
            },
            rows: (results.iter())
                .filter(|p| !p.rejected())
                .map(Processed::after_row)
                .collect(),
            rejects: rejected(results, file_records, (file, source)).collect(),
            changes: if changes {
                plan.changes_of(results).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Writes the batch through `sink`, in order, skipping what it holds nothing of.
    fn write_to<S: RecordSink + ?Sized>(&self, sink: &mut S) -> Result<(), SinkError> {
        if !self.before.is_empty() && sink.wants_before() {
            sink.write_before(&self.before)?;
        }
        if !self.rows.is_empty() {
            sink.write_rows(&self.rows)?;
        }
        if !self.rejects.is_empty() {
            sink.write_rejects(&self.rejects)?;
        }
        if !self.changes.is_empty() {
            sink.write_changes(&self.changes)?;
        }
        Ok(())
    }
}

/// Writes one chunk's results through every output and counts them. Each standard output
/// is written by a task of its own on the pool (with one thread, one after the other); the
/// vendor's sinks then get the same batch. The records are of the source `src` (its index
/// among the run's plans), processed by `plan`.
pub(crate) fn write_chunk(
    plan: &Plan,
    src: usize,
    sinks: &mut Sinks,
    tally: &mut Tally,
    results: &[Processed],
    file: &str,
    file_records: &[u64],
) -> Result<(), RunError> {
    let Sinks {
        standard,
        extra,
        source_names,
        dangling,
        report_changes,
    } = sinks;
    let source = source_names.get(src).map(String::as_str);
    let before =
        standard.iter().any(|s| s.wants_before()) || extra.iter().any(|s| s.wants_before());
    // A vendor's sink takes the changes unless it ignores them (the trait's default).
    let changes =
        report_changes.is_some() || !extra.is_empty() || standard.iter().any(|s| s.wants_changes());
    let batch = Batch::of(
        plan,
        results,
        (file, source),
        file_records,
        (before, changes),
    );
    let mut written: Vec<Result<(), SinkError>> = standard.iter().map(|_| Ok(())).collect();
    rayon::scope(|s| {
        for (output, result) in standard.iter_mut().zip(written.iter_mut()) {
            let batch = &batch;
            s.spawn(move |_| *result = batch.write_to(output.as_mut()));
        }
        if let Some(summary) = report_changes.as_mut() {
            let changes = &batch.changes;
            s.spawn(move |_| {
                for c in changes {
                    summary.row(c.record, c.item, c.rule, c.before, c.after);
                }
            });
        }
        tally_chunk(plan, src, tally, results);
    });
    for result in written {
        result?;
    }
    if let Some(w) = dangling {
        w.note(plan, results)?;
    }
    for sink in extra.iter_mut() {
        batch.write_to(sink.as_mut())?;
    }
    Ok(())
}

/// The rejected records among `results` (numbered `file_records` in `file`, read as
/// `source`), in input order: the rows of `rejects.csv`, and what a vendor's sink is handed.
fn rejected<'a>(
    results: &'a [Processed],
    file_records: &'a [u64],
    (file, source): (&'a str, Option<&'a str>),
) -> impl Iterator<Item = Rejected<'a>> {
    (results.iter().zip(file_records))
        .filter(|(p, _)| p.rejected())
        .map(move |(p, &file_record)| Rejected {
            record: p.record,
            file,
            source,
            file_record,
            offset: p.offset,
            reasons: &p.reasons,
            before: &p.before,
            raw: &p.raw,
        })
}

/// One standard CSV: the rows of output group `g` (its items, `range` of the target's).
struct GroupCsv {
    g: usize,
    range: std::ops::Range<usize>,
    name: String,
    w: csv::Writer<OutputFile>,
    rec: csv::ByteRecord,
}

impl RecordSink for GroupCsv {
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        for row in rows.iter().filter(|r| r.has_row(self.g)) {
            self.rec.clear();
            for i in self.range.clone() {
                let v = row.values.get(i).and_then(|v| v.as_deref());
                self.rec.push_field(v.unwrap_or("").as_bytes());
            }
            if let Err(e) = self.w.write_byte_record(&self.rec) {
                return Err(SinkError::other(self.name.as_str(), e));
            }
        }
        Ok(())
    }

    /// A standard output is completed by the run ([`RunOutput::complete`]); finished on
    /// its own, it leaves no file.
    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.complete().map(drop)
    }
}

impl RunOutput for GroupCsv {
    fn complete(self: Box<Self>) -> Result<Vec<PendingOutput>, SinkError> {
        Ok(vec![finish_csv(self.w, &self.name)?])
    }
}

/// The source items whose decoded values follow `raw_hex` in rejects.csv (`item:KEY`
/// columns): every item but fillers.
fn reject_item_keys(plan: &Plan) -> impl Iterator<Item = &str> {
    plan.source
        .items
        .iter()
        .filter(|i| i.domain != ikou_layout_spec::DomainType::Filler)
        .map(|i| i.key.as_str())
}

/// A cell as the bytes the CSV writer takes, borrowed as it is (a guarded cell is owned
/// only where the guard changed it): no copy of the cells per rejected record (an 8 MiB
/// record's hex and item values used to be copied once more here).
struct CellBytes<'a>(std::borrow::Cow<'a, str>);

impl AsRef<[u8]> for CellBytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The indices of the source items rejects.csv shows (every item but fillers).
fn reject_items(plan: &Plan) -> Vec<usize> {
    (plan.source.items.iter().enumerate())
        .filter(|(_, i)| i.domain != ikou_layout_spec::DomainType::Filler)
        .map(|(n, _)| n)
        .collect()
}

/// `rejects.csv`: one row per rejected record.
struct RejectsCsv {
    w: csv::Writer<OutputFile>,
    columns: RejectColumns,
    /// Per source: the indices of its items with a column ([`reject_items`]).
    items: Vec<Vec<usize>>,
    /// Personal values shown (`--show-values`): the reasons write the characters they name
    /// beside their code points.
    show_values: bool,
}

impl RecordSink for RejectsCsv {
    fn write_rows(&mut self, _: &[Row<'_>]) -> Result<(), SinkError> {
        Ok(())
    }

    fn write_rejects(&mut self, rejects: &[Rejected<'_>]) -> Result<(), SinkError> {
        let columns = &self.columns;
        for r in rejects {
            let src = (r.source)
                .and_then(|s| columns.names.iter().position(|n| n == s))
                .unwrap_or(0);
            let items = self.items.get(src).map_or(&[][..], Vec::as_slice);
            let reasons: Vec<String> = r.reasons.iter().map(ToString::to_string).collect();
            let mut joined = reasons.join("; ");
            if self.show_values {
                // Issue #14: the offending characters themselves, beside their code points.
                if let std::borrow::Cow::Owned(shown) = crate::reason::show_characters(&joined) {
                    joined = shown;
                }
            }
            let mut kinds: Vec<&str> = r.reasons.iter().map(|x| x.kind.id()).collect();
            kinds.dedup();
            let kinds = kinds.join("|");
            let record = r.record.to_string();
            let fr = r.file_record.to_string();
            let off = r.offset.to_string();
            let raw = hex(r.raw);
            // The decoded source items (before cleansing; empty when not decodable), guarded
            // like every cell people open; with several sources, in this source's columns.
            let start = columns.starts.get(src).copied().unwrap_or(0);
            let decoded =
                std::iter::repeat_n(std::borrow::Cow::from(""), start)
                    .chain(items.iter().map(|&n| {
                        guard_cell(r.before.get(n).and_then(Option::as_deref).unwrap_or(""))
                    }))
                    .chain(std::iter::repeat_n(
                        std::borrow::Cow::from(""),
                        columns.total.saturating_sub(start + items.len()),
                    ));
            let source = columns
                .names
                .get(src)
                .map(|n| std::borrow::Cow::from(n.as_str()));
            self.w
                .write_record(
                    [std::borrow::Cow::from(record.as_str()), guard_cell(r.file)]
                        .into_iter()
                        .chain(source)
                        .chain([
                            fr.as_str().into(),
                            off.as_str().into(),
                            kinds.as_str().into(),
                            guard_cell(&joined),
                            raw.as_str().into(),
                        ])
                        .chain(decoded)
                        .map(CellBytes),
                )
                .map_err(|e| SinkError::other(RunFile::Rejects.name(), e))?;
        }
        Ok(())
    }

    /// Completed by the run ([`RunOutput::complete`]); finished on its own, no file.
    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.complete().map(drop)
    }
}

impl RunOutput for RejectsCsv {
    fn complete(self: Box<Self>) -> Result<Vec<PendingOutput>, SinkError> {
        Ok(vec![finish_csv(self.w, RunFile::Rejects.name())?])
    }
}

/// `changes.csv`: one row per change to a converted record's value.
struct ChangesCsv {
    w: csv::Writer<OutputFile>,
    /// The last record number and its text (a record has several changes).
    record: (u64, String),
}

impl RecordSink for ChangesCsv {
    fn write_rows(&mut self, _: &[Row<'_>]) -> Result<(), SinkError> {
        Ok(())
    }

    fn write_changes(&mut self, changes: &[Change<'_>]) -> Result<(), SinkError> {
        for c in changes {
            if self.record.0 != c.record || self.record.1.is_empty() {
                self.record = (c.record, c.record.to_string());
            }
            // Staff open changes.csv in Excel: values are guarded like rejects.csv's.
            self.w
                .write_record([
                    self.record.1.as_str(),
                    c.item,
                    c.rule,
                    &guard_cell(c.before),
                    &guard_cell(c.after),
                ])
                .map_err(|e| SinkError::other(RunFile::Changes.name(), e))?;
        }
        Ok(())
    }

    /// Completed by the run ([`RunOutput::complete`]); finished on its own, no file.
    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        self.complete().map(drop)
    }
}

impl RunOutput for ChangesCsv {
    fn complete(self: Box<Self>) -> Result<Vec<PendingOutput>, SinkError> {
        Ok(vec![finish_csv(self.w, RunFile::Changes.name())?])
    }
    fn wants_changes(&self) -> bool {
        true
    }
}

/// Flushes a CSV and completes its file (hashed, synced, under its temporary name).
fn finish_csv(w: csv::Writer<OutputFile>, name: &str) -> Result<PendingOutput, SinkError> {
    let file = w
        .into_inner()
        .map_err(|e| SinkError::io(name, e.into_error()))?;
    complete_file(file)
}
