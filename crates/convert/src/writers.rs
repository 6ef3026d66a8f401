//! The standard outputs of a run as it writes them: the standard CSV, `rejects.csv`,
//! `changes.csv`, the Arrow/Parquet outputs and the vendor's own sinks, one chunk at a time.

use crate::error::RunError;
use crate::error::{csv_err, out_err};
use crate::options::RunOptions;
use crate::output::{guard_cell, hex, OutputFile, PendingOutput, RunFile};
use crate::plan::{Plan, Processed};
use crate::sink::{Change, RecordSink, Rejected, Row};
use crate::tally::{tally_chunk, Tally};
use ikou_layout_spec::profile::{Header, LineEnding, Quoting};
use std::io::Write;

pub(crate) struct Sinks {
    /// One standard CSV per output group ([`Plan::groups`], in order).
    pub(crate) data: Vec<csv::Writer<OutputFile>>,
    pub(crate) rejects: csv::Writer<OutputFile>,
    pub(crate) changes: Option<csv::Writer<OutputFile>>,
    /// The vendor's own sinks ([`Run::sink`]).
    pub(crate) extra: Vec<Box<dyn RecordSink>>,
    /// Personal values shown (`--show-values`): rejects.csv's reasons write the characters
    /// they name beside their code points.
    pub(crate) show_values: bool,
    /// The foreign keys that dangle after all (a profile with foreign keys between groups).
    pub(crate) dangling: Option<crate::checks::DanglingWatch>,
    /// rejects.csv's columns of the decoded source items, per source.
    pub(crate) reject_columns: RejectColumns,
    /// The summary of the changes the run's report shows, collected as they are written
    /// (the report then does not read changes.csv back).
    pub(crate) report_changes: Option<crate::summary::Changes>,
    #[cfg(feature = "arrow")]
    pub(crate) arrow: crate::arrow_out::ArrowOutputs,
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
        let mut data = Vec::with_capacity(plan.groups.len());
        for group in &plan.groups {
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
            data.push(w);
        }
        let mut rejects = csv_writer(
            create_text(dir, RunFile::Rejects.name(), opts.excel_bom)?,
            Quoting::Necessary,
            LineEnding::Crlf,
        );
        rejects
            .write_record(reject_columns.header(plans))
            .map_err(csv_err(RunFile::Rejects.name()))?;
        let changes = if opts.outputs.changes_csv {
            let mut w = csv_writer(
                create_text(dir, RunFile::Changes.name(), opts.excel_bom)?,
                Quoting::Necessary,
                LineEnding::Crlf,
            );
            w.write_record(["record", "item", "rule", "before", "after"])
                .map_err(csv_err(RunFile::Changes.name()))?;
            Some(w)
        } else {
            None
        };
        Ok(Sinks {
            data,
            rejects,
            changes,
            extra,
            show_values: opts.show_values,
            dangling: plan
                .has_foreign_keys()
                .then(|| crate::checks::DanglingWatch::new(plan, opts)),
            #[cfg(feature = "arrow")]
            arrow: crate::arrow_out::ArrowOutputs::open(
                plan,
                &crate::sources::typed_target(plans).unwrap_or_else(|| plan.typed_target()),
                opts,
            )?,
            reject_columns,
            report_changes: crate::summary::Changes::for_run(&opts.outputs, opts.show_values),
        })
    }
}

/// Writes one chunk's results to every output and counts them. The outputs are written by
/// separate tasks on the pool (with one thread, one after the other). The records are of
/// the source `src` (its index among the run's plans), processed by `plan`.
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
        data,
        rejects,
        changes,
        extra,
        show_values,
        dangling,
        reject_columns,
        report_changes,
        #[cfg(feature = "arrow")]
        arrow,
    } = sinks;
    let mut data_result = Ok(());
    let mut rejects_result = Ok(());
    let mut changes_result = Ok(());
    #[cfg(feature = "arrow")]
    let mut arrow_result = Ok(());
    rayon::scope(|s| {
        s.spawn(|_| {
            data_result = data
                .iter_mut()
                .enumerate()
                .try_for_each(|(g, w)| write_data(plan, g, w, results));
        });
        s.spawn(|_| {
            rejects_result = write_rejects(
                plan,
                (reject_columns, src),
                rejects,
                results,
                file,
                file_records,
                *show_values,
            )
        });
        if let Some(w) = changes.as_mut() {
            s.spawn(|_| changes_result = write_changes(plan, w, results));
        }
        if let Some(summary) = report_changes.as_mut() {
            s.spawn(|_| summarise_changes(plan, summary, results));
        }
        #[cfg(feature = "arrow")]
        s.spawn(|_| arrow_result = arrow.write(plan, results));
        tally_chunk(plan, src, tally, results);
    });
    data_result?;
    rejects_result?;
    changes_result?;
    if let Some(w) = dangling {
        w.note(plan, results)?;
    }
    if !extra.is_empty() {
        let source = reject_columns.names.get(src).map(String::as_str);
        write_extra(plan, extra, results, (file, source), file_records)?;
    }
    #[cfg(feature = "arrow")]
    arrow_result?;
    Ok(())
}

/// Hands a chunk to the vendor's sinks: its converted rows, its rejected records and its
/// changes, as the standard CSV, `rejects.csv` and `changes.csv` get them.
fn write_extra(
    plan: &Plan,
    extra: &mut [Box<dyn RecordSink>],
    results: &[Processed],
    (file, source): (&str, Option<&str>),
    file_records: &[u64],
) -> Result<(), RunError> {
    let rows: Vec<Row<'_>> = (results.iter())
        .filter(|p| !p.rejected())
        .map(Processed::after_row)
        .collect();
    let rejects: Vec<Rejected<'_>> = rejected(results, file_records, (file, source)).collect();
    let changes: Vec<Change<'_>> = plan.changes_of(results).collect();
    for sink in extra.iter_mut() {
        if !rows.is_empty() {
            sink.write_rows(&rows)?;
        }
        if !rejects.is_empty() {
            sink.write_rejects(&rejects)?;
        }
        if !changes.is_empty() {
            sink.write_changes(&changes)?;
        }
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

/// Writes the rows of group `g` (its items of every converted record that has a row there).
pub(crate) fn write_data(
    plan: &Plan,
    g: usize,
    w: &mut csv::Writer<OutputFile>,
    results: &[Processed],
) -> Result<(), RunError> {
    let Some(group) = plan.groups.get(g) else {
        return Ok(());
    };
    let mut rec_buf = csv::ByteRecord::new();
    for p in results.iter().filter(|p| !p.rejected() && p.has_row(g)) {
        rec_buf.clear();
        for i in group.range.clone() {
            let v = p.after.get(i).and_then(|v| v.as_deref());
            rec_buf.push_field(v.unwrap_or("").as_bytes());
        }
        if let Err(e) = w.write_byte_record(&rec_buf) {
            return Err(csv_err(&group.file)(e));
        }
    }
    Ok(())
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

pub(crate) fn write_rejects(
    plan: &Plan,
    (columns, src): (&RejectColumns, usize),
    w: &mut csv::Writer<OutputFile>,
    results: &[Processed],
    file: &str,
    file_records: &[u64],
    show_values: bool,
) -> Result<(), RunError> {
    let file = guard_cell(file);
    let items: Vec<usize> = plan
        .source
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.domain != ikou_layout_spec::DomainType::Filler)
        .map(|(n, _)| n)
        .collect();
    for r in rejected(results, file_records, (&file, None)) {
        let reasons: Vec<String> = r.reasons.iter().map(ToString::to_string).collect();
        let mut joined = reasons.join("; ");
        if show_values {
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
        let decoded = std::iter::repeat_n(std::borrow::Cow::from(""), start)
            .chain(
                items
                    .iter()
                    .map(|&n| guard_cell(r.before.get(n).and_then(Option::as_deref).unwrap_or(""))),
            )
            .chain(std::iter::repeat_n(
                std::borrow::Cow::from(""),
                columns.total.saturating_sub(start + items.len()),
            ));
        let source = columns
            .names
            .get(src)
            .map(|n| std::borrow::Cow::from(n.as_str()));
        w.write_record(
            [std::borrow::Cow::from(record.as_str()), file.clone()]
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
        .map_err(csv_err(RunFile::Rejects.name()))?;
    }
    Ok(())
}

pub(crate) fn write_changes(
    plan: &Plan,
    w: &mut csv::Writer<OutputFile>,
    results: &[Processed],
) -> Result<(), RunError> {
    // A record's number as text, once for all its changes.
    let mut record = (0, String::new());
    for c in plan.changes_of(results) {
        if record.0 != c.record {
            record = (c.record, c.record.to_string());
        }
        // Staff open changes.csv in Excel: values are guarded like rejects.csv's.
        w.write_record([
            record.1.as_str(),
            c.item,
            c.rule,
            &guard_cell(c.before),
            &guard_cell(c.after),
        ])
        .map_err(csv_err(RunFile::Changes.name()))?;
    }
    Ok(())
}

/// Takes the rows of `changes.csv` (and `changes.parquet`: the same rows) into the
/// report's summary, as the report would read them back (values unguarded).
fn summarise_changes(plan: &Plan, summary: &mut crate::summary::Changes, results: &[Processed]) {
    for c in plan.changes_of(results) {
        summary.row(c.record, c.item, c.rule, c.before, c.after);
    }
}

pub(crate) fn finish_csv(
    w: csv::Writer<OutputFile>,
    name: &str,
) -> Result<PendingOutput, RunError> {
    let file = w.into_inner().map_err(|e| RunError::Output {
        name: name.to_string(),
        error: e.into_error(),
    })?;
    file.complete().map_err(out_err(name))
}
