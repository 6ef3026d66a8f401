//! One `ikou convert` run: stream the inputs through a [`Plan`], write every output under a
//! temporary name, check the accounting, then rename the outputs into place and write the
//! manifest last. This module is the orchestration; the parts are beside it: the options
//! (`options`), errors (`error`), inputs (`input`), the cross-record checks (`checks`), the
//! writers (`writers`) and the tallies (`tally`).

pub use crate::error::RunError;
pub use crate::input::{assign_sources, ReadSeek, RunInput};
pub use crate::options::{
    CancelToken, NoProgress, Outputs, ParquetCompression, Progress, RunOptions, UnknownCodec,
    DEFAULT_CHUNK_BYTES, DEFAULT_MAX_RECORD_BYTES, OUTPUT_NAMES,
};
pub use crate::output::{data_csv_name, run_file_names};

use crate::checks::{apply_facts_own, gather_facts, SequenceNumbers};
use crate::error::out_err;
use crate::input::{file_problems, read_chunk, FileFrames, HashingReader, Input};
use crate::manifest::{
    InputInfo, LayoutRef, Manifest, RunProblem, RunProblemKind, Timings, MANIFEST,
};
use crate::output::{sync_dir, HashingWriter, OutputFile, OutputInfo, RunFile};
use crate::plan::{CrossFacts, Plan, Processed, Scratch};
use crate::release::{worker_index, Releaser};
use crate::rundir::prepare_dir;
use crate::sink::RecordSink;
use crate::tally::Tally;
use crate::writers::{write_chunk, Sinks};
use ikou_layout_spec::Layout;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn pool(threads: usize) -> Result<rayon::ThreadPool, RunError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(RunError::Threads)
}

/// Runs a conversion of `inputs` with `plan` into `opts.out_dir`.
///
/// Every data record ends up in the standard CSV or in `rejects.csv`; the run fails before
/// publishing anything if the counts do not reconcile.
///
/// # Errors
/// See [`RunError`]. After an error no output has its final name and the manifest is absent.
pub fn run(
    plan: &Plan,
    inputs: &[PathBuf],
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<Manifest, RunError> {
    Run::new(plan, opts)
        .inputs(inputs.iter().cloned().map(RunInput::Path))
        .progress(progress)
        .execute()
}

/// A whole run, as a vendor embeds it: the plan and options, the inputs (paths or readers),
/// the vendor's own sinks beside the standard outputs, progress and cancellation (in
/// [`RunOptions::cancel`]). Every guarantee of `ikou convert` holds: both passes, the
/// accounting, rejects, changes and the manifest. `ikou convert` runs through this builder
/// ([`Run::sources`] with its files); [`run`] is the builder with paths.
///
/// ```no_run
/// use ikou_convert::run::{CancelToken, Run, RunInput, RunOptions};
/// # fn demo(plan: &ikou_convert::plan::Plan, bytes: Vec<u8>) -> Result<(), ikou_convert::run::RunError> {
/// let mut opts = RunOptions::new("run1");
/// let cancel = CancelToken::new();
/// opts.cancel = Some(cancel.clone());
/// let manifest = Run::new(plan, &opts)
///     .input(RunInput::Reader { name: "export.dat".into(), reader: Box::new(std::io::Cursor::new(bytes)) })
///     .execute()?;
/// assert_eq!(manifest.counts.input_records, manifest.counts.output_records + manifest.counts.rejected_records);
/// # Ok(()) }
/// ```
pub struct Run<'a> {
    /// One plan per source (one for a profile with one `source`).
    plans: Vec<&'a Plan>,
    /// The sources' names, in the order of `plans`.
    names: Vec<String>,
    /// Whether the profile has `[[sources]]`.
    multi: bool,
    opts: &'a RunOptions,
    inputs: Vec<RunInput>,
    sinks: Vec<Box<dyn RecordSink>>,
    progress: &'a dyn Progress,
}

impl fmt::Debug for Run<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("inputs", &self.inputs)
            .field("sinks", &self.sinks.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Run<'a> {
    /// A run of `plan` with `opts`, no inputs yet, no progress shown.
    pub fn new(plan: &'a Plan, opts: &'a RunOptions) -> Run<'a> {
        let source = plan.profile.sources.first();
        Run {
            plans: vec![plan],
            names: vec![source.map(|s| s.name.clone()).unwrap_or_default()],
            multi: source.is_some(),
            opts,
            inputs: Vec::new(),
            sinks: Vec::new(),
            progress: &NoProgress,
        }
    }

    /// A run of a profile with several sources (`[[sources]]`, issue #13): each input is
    /// tagged with its source ([`RunInput::of_source`]) and read in that source's layout;
    /// every source needs at least one input. A profile with one `source` runs the same as
    /// with [`Run::new`].
    pub fn sources(plans: &'a crate::sources::SourcePlans, opts: &'a RunOptions) -> Run<'a> {
        Run {
            plans: plans.plans().iter().collect(),
            names: plans.names().to_vec(),
            multi: plans.is_multi(),
            opts,
            inputs: Vec::new(),
            sinks: Vec::new(),
            progress: &NoProgress,
        }
    }

    /// Adds an input (converted in the order added, into one run).
    pub fn input(mut self, input: RunInput) -> Run<'a> {
        self.inputs.push(input);
        self
    }

    /// Adds inputs.
    pub fn inputs(mut self, inputs: impl IntoIterator<Item = RunInput>) -> Run<'a> {
        self.inputs.extend(inputs);
        self
    }

    /// Adds a sink of the vendor's own: it is handed what the standard outputs are (they
    /// are [`RecordSink`]s too) — every converted record (the values of the target layout),
    /// every rejected record with its reasons, every change cleansing made and, if it
    /// [`wants_before`](RecordSink::wants_before), every record as read — in input order,
    /// in batches; it is finished before the run publishes anything (and not at all when
    /// the run fails or is cancelled); its error fails the run.
    pub fn sink(mut self, sink: Box<dyn RecordSink>) -> Run<'a> {
        self.sinks.push(sink);
        self
    }

    /// Reports progress to `progress`.
    pub fn progress(mut self, progress: &'a dyn Progress) -> Run<'a> {
        self.progress = progress;
        self
    }

    /// Runs the conversion.
    ///
    /// # Errors
    /// See [`RunError`]. After an error (or a cancellation) no output has its final name and
    /// the manifest is absent.
    pub fn execute(self) -> Result<Manifest, RunError> {
        let sources = RunSources {
            plans: self.plans,
            names: self.names,
            multi: self.multi,
        };
        execute(&sources, self.inputs, self.opts, self.progress, self.sinks)
    }
}

/// The plans of a run with their sources' names.
struct RunSources<'a> {
    plans: Vec<&'a Plan>,
    names: Vec<String>,
    multi: bool,
}

impl RunSources<'_> {
    /// The source (index in `plans`) of each input, in input order, and the inputs untagged.
    fn assign(
        &self,
        inputs: Vec<RunInput>,
        profile: &str,
    ) -> Result<(Vec<usize>, Vec<RunInput>), RunError> {
        crate::input::assign_sources(&self.names, self.multi, inputs, profile)
    }
}

fn execute(
    sources: &RunSources<'_>,
    inputs: Vec<RunInput>,
    opts: &RunOptions,
    progress: &dyn Progress,
    extra: Vec<Box<dyn RecordSink>>,
) -> Result<Manifest, RunError> {
    if let Some(f) = opts.outputs.unavailable() {
        return Err(RunError::OutputUnavailable(f));
    }
    let Some(first) = sources.plans.first().copied() else {
        return Err(RunError::Sources("a run needs a plan".into()));
    };
    let (of_input, inputs) = sources.assign(inputs, &first.profile.id)?;
    #[cfg(feature = "arrow")]
    crate::arrow_out::check_widths(
        first,
        &crate::sources::typed_target(&sources.plans).unwrap_or_else(|| first.typed_target()),
        opts,
    )?;
    let started = Instant::now();
    let adjusted = adjusted_plans(sources, opts, first)?;
    let plans: Vec<&Plan> = sources
        .plans
        .iter()
        .zip(&adjusted)
        .map(|(p, a)| a.as_ref().unwrap_or(p))
        .collect();
    // The target, the groups and the sequences are every plan's: the first one's serve.
    let plan = plans.first().copied().unwrap_or(first);
    // A run cancelled before it starts touches nothing (with --force, preparing the
    // directory removes the previous run).
    opts.check_cancel()?;
    // The lock is held until the run returns (the manifest is written before).
    let _lock = prepare_dir(opts, plan)?;
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let pool = pool(threads)?;
    let mut inputs = inputs
        .into_iter()
        .map(Input::open)
        .collect::<Result<Vec<_>, _>>()?;
    // Both passes run inside the pool: their chunks' parallel work and writing then start
    // on a worker without a hand-over between threads per chunk (with one thread, ≈ 6 % of
    // the wall time of a flat run went to waking threads).
    let (facts, mut numbers) =
        pool.install(|| gather_facts(&plans, &of_input, &mut inputs, opts, &pool, progress))?;
    let mut sinks = Sinks::open(&plans, &sources.names, sources.multi, opts, extra)?;
    let mut tally = Tally::new(&plans);
    let total: u64 = inputs.iter().map(|i| i.len).sum();
    progress.start(2, total);
    let pass2 = Pass2 {
        opts,
        pool: &pool,
        facts: &facts,
        progress,
    };
    let mut acc = Pass2Totals::new();
    for (n, input) in inputs.iter_mut().enumerate() {
        let src = of_input.get(n).copied().unwrap_or(0);
        let plan = plans.get(src).copied().unwrap_or(plan);
        let source = sources
            .multi
            .then(|| sources.names.get(src).cloned().unwrap_or_default());
        let mut out = Pass2Out {
            numbers: &mut numbers,
            sinks: &mut sinks,
            tally: &mut tally,
            acc: &mut acc,
        };
        pool.install(|| pass2.convert_input(plan, src, source, input, &mut out))?;
    }
    let Pass2Totals {
        physical_records,
        header_records,
        trailer_records,
        run_findings,
        mut problems,
        inputs: input_infos,
        ..
    } = acc;
    progress.finish();
    if let Some(w) = sinks.dangling.take() {
        problems.extend(w.finish(plan)?);
    }
    tally.fold(&plans);
    for (k, v) in run_findings {
        *tally.counts.findings_by_kind.entry(k).or_insert(0) += v;
    }
    tally.counts.physical_records = physical_records;
    tally.counts.header_records = header_records;
    tally.counts.trailer_records = trailer_records;
    if tally.counts.output_records == 0 {
        problems.push(RunProblem::new(
            RunProblemKind::NothingConverted,
            None,
            format!(
                "nothing was converted: 0 of {} records went to the standard CSV",
                tally.counts.input_records
            ),
        ));
    }
    // Close every output (still under its temporary name); the vendor's sinks first.
    let report_changes = sinks.report_changes.take();
    let mut pending = sinks.complete()?;
    let data_name = plan
        .groups
        .first()
        .map_or_else(|| data_csv_name(&plan.target), |g| g.file.clone());
    let groups = if plan.profile.targets.is_empty() {
        Vec::new()
    } else {
        plan.groups
            .iter()
            .zip(&tally.group_rows)
            .map(|(g, rows)| crate::manifest::GroupInfo {
                name: g.name.clone(),
                file: g.file.clone(),
                layout: layout_ref(&g.layout),
                rows: *rows,
            })
            .collect()
    };
    if opts.outputs.gaiji_csv {
        let mut f =
            crate::writers::create_text(&opts.out_dir, RunFile::Gaiji.name(), opts.excel_bom)?;
        tally
            .gaiji
            .write_csv(&mut f)
            .map_err(out_err(RunFile::Gaiji.name()))?;
        pending.push(f.complete().map_err(out_err(RunFile::Gaiji.name()))?);
    }
    let c = &tally.counts;
    if let Err(e) = opts.check_cancel() {
        for p in pending {
            p.discard();
        }
        return Err(e);
    }
    let accounting_ok = c.input_records == c.output_records + c.rejected_records
        && c.physical_records == c.header_records + c.trailer_records + c.input_records;
    if !accounting_ok {
        for p in pending {
            p.discard();
        }
        return Err(RunError::Accounting {
            input: c.input_records,
            output: c.output_records,
            rejected: c.rejected_records,
        });
    }
    let mut outputs: Vec<OutputInfo> = Vec::new();
    for p in pending {
        let name = p.info.name.clone();
        outputs.push(p.commit(&opts.out_dir).map_err(out_err(&name))?);
    }
    // The renames are on disk before the manifest marks the run as finished.
    sync_dir(&opts.out_dir).map_err(out_err("the run directory"))?;
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let total_records = tally.counts.input_records;
    let in_bytes: u64 = input_infos.iter().map(|i| i.bytes).sum();
    let manifest = Manifest {
        format: "ikou-run/1".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        profile: plan.profile.id.clone(),
        profile_file: plan.profile.file.clone(),
        source_layout: layout_ref(&plan.source),
        target_layout: layout_ref(&plan.target),
        options: manifest_options(plan, opts),
        sources: source_infos(sources, &plans, &input_infos),
        inputs: input_infos,
        data_file: data_name,
        groups,
        outputs,
        counts: tally.counts,
        accounting_ok,
        problems,
        conditional_items: plan.conditional_items(),
        timings: timings(
            started.elapsed().as_secs_f64(),
            in_bytes,
            total_records,
            threads,
        ),
    };
    let written = crate::report::Written {
        changes: report_changes,
    };
    match publish(plan, opts, manifest, written) {
        Ok(m) => Ok(m),
        Err((e, outputs)) => {
            // The data files are under their final names already: a failed report or
            // manifest takes them back out, so that a failed run leaves nothing that looks
            // finished (best effort: the missing manifest says it in any case).
            for o in outputs {
                let _ = std::fs::remove_file(opts.out_dir.join(&o.name));
            }
            let _ = sync_dir(&opts.out_dir);
            Err(e)
        }
    }
}

/// What pass 2 reads every input with.
struct Pass2<'r> {
    opts: &'r RunOptions,
    pool: &'r rayon::ThreadPool,
    facts: &'r CrossFacts,
    progress: &'r dyn Progress,
}

/// What pass 2 adds up over the inputs, beside the tally.
struct Pass2Totals {
    /// The number the next record gets (1-based over the whole run).
    next_record: u64,
    physical_records: u64,
    header_records: u64,
    trailer_records: u64,
    /// Findings of header and trailer records, by kind.
    run_findings: BTreeMap<String, u64>,
    /// Problems of whole files.
    problems: Vec<RunProblem>,
    /// The manifest's `inputs`.
    inputs: Vec<InputInfo>,
}

impl Pass2Totals {
    fn new() -> Pass2Totals {
        Pass2Totals {
            next_record: 1,
            physical_records: 0,
            header_records: 0,
            trailer_records: 0,
            run_findings: BTreeMap::new(),
            problems: Vec::new(),
            inputs: Vec::new(),
        }
    }
}

/// What pass 2 writes to: the sequence numbers, the outputs, the tally and the totals.
struct Pass2Out<'o> {
    numbers: &'o mut SequenceNumbers,
    sinks: &'o mut Sinks,
    tally: &'o mut Tally,
    acc: &'o mut Pass2Totals,
}

impl Pass2<'_> {
    /// Pass 2 over one input: its chunks processed on the pool while this thread writes the
    /// previous chunk and reads the next; then the file's problems, counts and hash (the
    /// input must not have changed since pass 1). `source` is the source's name in a run of
    /// several sources.
    fn convert_input(
        &self,
        plan: &Plan,
        src: usize,
        source: Option<String>,
        input: &mut Input,
        out: &mut Pass2Out<'_>,
    ) -> Result<(), RunError> {
        let (output_before, rejected_before) = (
            out.tally.counts.output_records,
            out.tally.counts.rejected_records,
        );
        let path = &input.path.clone();
        let file = input.rewind()?;
        let hash = std::sync::Arc::new(std::sync::Mutex::new(HashingWriter::new(io::sink())));
        let hashing = HashingReader {
            inner: file,
            hash: std::sync::Arc::clone(&hash),
        };
        let mut reader = self
            .opts
            .record_reader(hashing, &plan.source)
            .map_err(RunError::Layout)?;
        let display = path.display().to_string();
        let before = out.tally.counts.input_records;
        let mut frames = FileFrames::default();
        let mut chunk = Vec::with_capacity(self.opts.chunk_records);
        let mut more = read_chunk(
            &mut reader,
            &mut chunk,
            self.opts.chunk(),
            path,
            &mut frames,
        )?;
        let mut next_chunk = Vec::with_capacity(self.opts.chunk_records);
        let mut pending: Option<(Vec<Processed>, Vec<u8>, Vec<u64>)> = None;
        let releaser = Releaser::new(
            self.pool.current_num_threads(),
            4 * self.opts.chunk_records.max(1),
        );
        loop {
            // Process this chunk on the workers while this thread writes the previous
            // chunk's results and reads the next chunk.
            self.opts.check_cancel()?;
            let first = out.acc.next_record;
            let seq = out.numbers.take(first, chunk.len())?;
            let ((results, threads), io_result) = self.pool.install(|| {
                rayon::join(
                    || {
                        chunk
                            .par_iter()
                            .enumerate()
                            .map_init(
                                || {
                                    releaser.drop_mine();
                                    Scratch::new(plan.charset())
                                },
                                |s, (i, r)| {
                                    let mut p = plan.process(r, first + i as u64, s);
                                    let own = seq.own_missing(i, p.rejected());
                                    plan.fill_sequences(&mut p, &seq.numbers, i);
                                    apply_facts_own(plan, self.facts, &mut p, own);
                                    // rejects.csv shows the decoded items of a record a
                                    // cross-record check rejected: the plan hands them on
                                    // from this record's decoding (process did it for the
                                    // records it rejected).
                                    plan.reject_values(r, &mut p, s);
                                    if p.rejected() && p.raw.is_empty() {
                                        // Rejected by a cross-record check only.
                                        p.raw.clone_from(&r.bytes);
                                    }
                                    (p, worker_index())
                                },
                            )
                            .unzip::<_, _, Vec<_>, Vec<_>>()
                    },
                    || -> Result<bool, RunError> {
                        write_pending(plan, src, &display, pending.take(), out, &releaser)?;
                        if more {
                            read_chunk(
                                &mut reader,
                                &mut next_chunk,
                                self.opts.chunk(),
                                path,
                                &mut frames,
                            )
                        } else {
                            next_chunk.clear();
                            Ok(false)
                        }
                    },
                )
            });
            let next_more = io_result?;
            out.acc.next_record += chunk.len() as u64;
            let bytes: u64 = chunk.iter().map(|r| r.bytes.len() as u64 + 2).sum();
            self.progress.advance(chunk.len() as u64, bytes);
            let file_records: Vec<u64> = chunk.iter().map(|r| r.number).collect();
            pending = Some((results, threads, file_records));
            if chunk.is_empty() && next_chunk.is_empty() {
                break;
            }
            std::mem::swap(&mut chunk, &mut next_chunk);
            more = next_more;
        }
        write_pending(plan, src, &display, pending.take(), out, &releaser)?;
        file_problems(&reader, path, &mut frames)?;
        out.acc.physical_records += reader.summary().records;
        out.acc.header_records += frames.header;
        out.acc.trailer_records += frames.trailer;
        for (k, v) in std::mem::take(&mut frames.findings) {
            *out.acc.run_findings.entry(k).or_insert(0) += v;
        }
        out.acc.problems.append(&mut frames.problems);
        drop(reader);
        input.check_unchanged()?;
        let (sha256, bytes) =
            match std::sync::Arc::try_unwrap(hash).map(std::sync::Mutex::into_inner) {
                Ok(Ok(h)) => {
                    let (sha256, bytes, _) = h.finish();
                    (sha256, bytes)
                }
                _ => return Err(RunError::Frame("input hash still in use".into())),
            };
        out.acc.inputs.push(InputInfo {
            path_hex: crate::manifest::path_hex(path),
            path: display,
            sha256,
            bytes,
            records: out.tally.counts.input_records - before,
            output_records: source
                .is_some()
                .then(|| out.tally.counts.output_records - output_before),
            rejected_records: source
                .is_some()
                .then(|| out.tally.counts.rejected_records - rejected_before),
            source,
        });
        Ok(())
    }
}

/// Writes a processed chunk (if any) to the outputs and the tally, then releases it.
fn write_pending(
    plan: &Plan,
    src: usize,
    display: &str,
    pending: Option<(Vec<Processed>, Vec<u8>, Vec<u64>)>,
    out: &mut Pass2Out<'_>,
    releaser: &Releaser,
) -> Result<(), RunError> {
    match pending {
        Some((prev, threads, file_records)) => {
            write_chunk(
                plan,
                src,
                out.sinks,
                out.tally,
                &prev,
                display,
                &file_records,
            )?;
            releaser.release(prev, &threads);
            Ok(())
        }
        None => Ok(()),
    }
}

/// The plans as this run's outputs need them: a plan that keeps decoded source values
/// (`before` outputs) or the texts of changes (a list of changes) when the outputs do not
/// want them, or the other way round, is cloned with the setting changed (`None`: the plan
/// serves as it is). A `before` output is refused for several sources.
fn adjusted_plans(
    sources: &RunSources<'_>,
    opts: &RunOptions,
    first: &Plan,
) -> Result<Vec<Option<Plan>>, RunError> {
    // Decoded source values are kept only when a `before` output is written.
    let want_before = opts.outputs.before_arrow || opts.outputs.before_parquet;
    if want_before && sources.multi {
        return Err(RunError::Sources(format!(
            "profile `{}` reads several sources ({}): before.arrow and before.parquet hold one source layout and are not written by such a run; leave `before` out of the outputs (rejects.csv has every rejected record's decoded items)",
            first.profile.id,
            sources.names.join(", ")
        )));
    }
    // The texts of changes are kept only when a list of changes is written (the counts in
    // the manifest and the report need only the rule and the item).
    let want_change_text = opts.outputs.changes_csv || opts.outputs.changes_parquet;
    Ok(sources
        .plans
        .iter()
        .map(|plan| {
            (plan.keeps_before() != want_before || plan.keeps_change_text() != want_change_text)
                .then(|| {
                    let mut p = (*plan).clone();
                    p.set_keep_before(want_before);
                    p.set_change_text(want_change_text);
                    p
                })
        })
        .collect())
}

/// The manifest's `options`: what the run was asked for, as text.
fn manifest_options(plan: &Plan, opts: &RunOptions) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("outputs".to_string(), opts.outputs.describe()),
        (
            "encoding".to_string(),
            plan.profile.characters.encoding.clone(),
        ),
        (
            "variants".to_string(),
            format!("{:?}", plan.profile.characters.variants).to_lowercase(),
        ),
        (
            "unmapped_gaiji".to_string(),
            plan.profile.characters.unmapped_gaiji.as_str().to_string(),
        ),
        ("show_values".to_string(), opts.show_values.to_string()),
        ("excel_bom".to_string(), opts.excel_bom.to_string()),
        (
            "parquet_compression".to_string(),
            opts.parquet_compression
                .map_or("default", |c| c.as_str())
                .to_string(),
        ),
        (
            "header".to_string(),
            format!("{:?}", plan.profile.output.header).to_lowercase(),
        ),
        (
            "date_policy".to_string(),
            plan.profile.date_policy.as_str().to_string(),
        ),
        (
            "max_reject_rate".to_string(),
            opts.max_reject_rate
                .or(plan.profile.max_reject_rate)
                .map_or(crate::report::DEFAULT_MAX_REJECT_RATE, |r| r.fraction())
                .to_string(),
        ),
    ])
}

/// The manifest's `timings` of a run of `secs` seconds over `in_bytes` bytes and `records`
/// records.
fn timings(secs: f64, in_bytes: u64, records: u64, threads: usize) -> Timings {
    Timings {
        total_seconds: secs,
        input_mb_per_second: if secs > 0.0 {
            in_bytes as f64 / 1e6 / secs
        } else {
            0.0
        },
        records_per_second: if secs > 0.0 {
            records as f64 / secs
        } else {
            0.0
        },
        threads,
    }
}

/// Writes the report (if asked) and the manifest of a run whose outputs are in place; on
/// failure returns the error with the outputs to withdraw.
fn publish(
    plan: &Plan,
    opts: &RunOptions,
    manifest: Manifest,
    written: crate::report::Written,
) -> Result<Manifest, (RunError, Vec<OutputInfo>)> {
    let mut manifest = manifest;
    if opts.outputs.report {
        // The report is made from the manifest as it will be written (it leaves out
        // timings and its own entry, so `ikou report` regenerates it exactly), the checks
        // and change summary the run hands over, and the smaller files read back.
        let options = crate::report::ReportOptions {
            show_values: opts.show_values,
            source_layout: Some(&plan.source),
            target_layout: Some(&plan.target),
            ..crate::report::ReportOptions::default()
        };
        let info = crate::report::write_in_run(
            &manifest,
            &opts.out_dir,
            &options,
            crate::report::REPORT,
            written,
        )
        .map_err(|e| RunError::Output {
            name: crate::report::REPORT.into(),
            error: io::Error::other(e),
        });
        match info {
            Ok(info) => {
                manifest.outputs.push(info);
                manifest.outputs.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Err(e) => return Err((e, manifest.outputs)),
        }
    }
    match write_manifest(&opts.out_dir, &manifest) {
        Ok(()) => Ok(manifest),
        Err(e) => Err((e, manifest.outputs)),
    }
}

/// The manifest's `sources` of a run of several sources: each one's layout, encoding, the
/// groups it feeds and its counts summed over its inputs (empty for one source).
fn source_infos(
    sources: &RunSources<'_>,
    plans: &[&Plan],
    inputs: &[InputInfo],
) -> Vec<crate::manifest::SourceInfo> {
    if !sources.multi {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, plan) in sources.names.iter().zip(plans) {
        let mine = || inputs.iter().filter(|i| i.source.as_deref() == Some(name));
        out.push(crate::manifest::SourceInfo {
            name: name.clone(),
            layout: layout_ref(&plan.source),
            encoding: plan.profile.characters.encoding.clone(),
            groups: plan
                .profile
                .targets
                .iter()
                .filter(|g| g.source.as_deref() == Some(name))
                .map(|g| g.name.clone())
                .collect(),
            inputs: mine().count() as u64,
            input_records: mine().map(|i| i.records).sum(),
            output_records: mine().filter_map(|i| i.output_records).sum(),
            rejected_records: mine().filter_map(|i| i.rejected_records).sum(),
        });
    }
    out
}

fn layout_ref(l: &Layout) -> LayoutRef {
    LayoutRef {
        id: l.id.clone(),
        version: l.version.clone(),
        status: l.status.as_str().to_string(),
        name: l.name.clone(),
    }
}

/// Writes `manifest.json` atomically (temporary name, then rename), mode 0600. It is the
/// commit marker of a run: the directory is synced before (every output renamed so far is on
/// disk first) and after the rename (the marker itself is on disk when this returns).
///
/// # Errors
/// Any write or sync error.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), RunError> {
    sync_dir(dir).map_err(out_err("the run directory"))?;
    let mut f = OutputFile::create(dir, MANIFEST).map_err(out_err(MANIFEST))?;
    let mut text = serde_json::to_string_pretty(manifest)
        .map_err(|e| out_err(MANIFEST)(io::Error::other(e)))?;
    text.push('\n');
    f.write_all(text.as_bytes()).map_err(out_err(MANIFEST))?;
    f.complete()
        .map_err(out_err(MANIFEST))?
        .commit(dir)
        .map_err(out_err(MANIFEST))?;
    sync_dir(dir).map_err(out_err(MANIFEST))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "run_mutants_tests.rs"]
mod mutants_tests;

#[cfg(all(test, feature = "arrow"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::csv_err;
    use crate::fixtures_tests::{sample, sample_plan};
    use crate::plan::key_of;
    use crate::rundir::{create_private_dir, DirLock};
    use crate::sink::{Row, SinkError};
    use arrow_array::Array;
    use std::fs::File;

    fn parquet_batches(path: &Path) -> Vec<arrow_array::RecordBatch> {
        let f = File::open(path).unwrap();
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn arrow_and_parquet_outputs_read_back_with_counts_and_types() {
        let dir = std::env::temp_dir().join(format!("ikou-run-arrow-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut opts = RunOptions::new(&dir);
        opts.chunk_records = 100; // many chunks, several batches
        let m = run(&sample_plan(), &[sample()], &opts, &NoProgress).unwrap();
        let c = &m.counts;
        assert_eq!(c.input_records, 1000);
        assert_eq!(c.input_records, c.output_records + c.rejected_records);

        let after = parquet_batches(&dir.join("after.parquet"));
        let rows: usize = after.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows as u64, c.output_records);
        let schema = after[0].schema();
        assert_eq!(
            schema
                .field_with_name("jumin.seinengappi")
                .unwrap()
                .data_type(),
            &arrow_schema::DataType::Date32
        );
        assert_eq!(
            schema.field_with_name("jumin.shimei").unwrap().data_type(),
            &arrow_schema::DataType::Utf8
        );
        let records = after[0]
            .column_by_name("record")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::UInt64Array>()
            .unwrap();
        assert_eq!(records.value(0), 1);
        assert_eq!(records.null_count(), 0);

        let ipc = File::open(dir.join("before.arrow")).unwrap();
        let before: Vec<_> = arrow_ipc::reader::FileReader::try_new(ipc, None)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let rows: usize = before.iter().map(|b| b.num_rows()).sum();
        assert_eq!(
            rows, 1000,
            "before holds every input record, rejected or not"
        );
        let raw = before[0]
            .column_by_name("raw")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::BinaryArray>()
            .unwrap();
        assert_eq!(raw.value(0).len(), 300);

        let changes = parquet_batches(&dir.join("changes.parquet"));
        let rows: u64 = changes.iter().map(|b| b.num_rows() as u64).sum();
        assert_eq!(rows, c.changes_by_rule.values().sum::<u64>());
    }

    /// The codec of every column chunk of a Parquet file (one value when they agree).
    fn parquet_codecs(path: &Path) -> Vec<parquet::basic::Compression> {
        use parquet::file::reader::FileReader as _;
        let r =
            parquet::file::reader::SerializedFileReader::new(File::open(path).unwrap()).unwrap();
        let mut codecs: Vec<_> = r
            .metadata()
            .row_groups()
            .iter()
            .flat_map(|g| g.columns().iter().map(|c| c.compression()))
            .collect();
        codecs.dedup();
        codecs
    }

    #[test]
    fn parquet_outputs_are_compressed_as_asked_and_read_back_the_same() {
        use parquet::basic::Compression;
        let base = std::env::temp_dir().join(format!("ikou-run-codec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let files = ["before.parquet", "after.parquet", "changes.parquet"];
        let mut read = Vec::new();
        for (name, codec) in [
            ("default", None),
            ("none", Some(ParquetCompression::None)),
            ("snappy", Some(ParquetCompression::Snappy)),
            ("lz4", Some(ParquetCompression::Lz4)),
        ] {
            let dir = base.join(name);
            let mut opts = RunOptions::new(&dir);
            opts.parquet_compression = codec;
            let m = run(&sample_plan(), &[sample()], &opts, &NoProgress).unwrap();
            assert_eq!(
                m.options.get("parquet_compression").map(String::as_str),
                Some(name),
                "the manifest says how the Parquet files were written"
            );
            let want = |file: &str| match codec {
                Some(ParquetCompression::None) => Compression::UNCOMPRESSED,
                Some(ParquetCompression::Snappy) => Compression::SNAPPY,
                Some(_) => Compression::LZ4_RAW,
                // The audit trail compressed, the table that is queried not.
                None if file == "after.parquet" => Compression::UNCOMPRESSED,
                None => Compression::LZ4_RAW,
            };
            for file in files {
                assert_eq!(
                    parquet_codecs(&dir.join(file)),
                    vec![want(file)],
                    "{name} {file}"
                );
            }
            read.push(files.map(|f| parquet_batches(&dir.join(f))));
        }
        // The same rows and values whatever the codec.
        for other in &read[1..] {
            assert_eq!(other, &read[0]);
        }
        // Compressed, the audit trail is smaller (the sample's padded records and texts).
        let size = |name: &str| {
            std::fs::metadata(base.join(name).join("before.parquet"))
                .unwrap()
                .len()
        };
        assert!(
            size("lz4") * 2 < size("none"),
            "{} vs {}",
            size("lz4"),
            size("none")
        );
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_failing_output_leaves_no_finished_file() {
        // The run directory is a file: nothing can be created inside it.
        let base = std::env::temp_dir().join(format!("ikou-run-unwritable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let blocker = base.join("out");
        std::fs::write(&blocker, b"not a directory").unwrap();
        let err = run(
            &sample_plan(),
            &[sample()],
            &RunOptions::new(&blocker),
            &NoProgress,
        )
        .unwrap_err();
        assert!(err.is_io(), "{err}");
        // A missing input: an I/O error naming the file, and no manifest.
        let dir = base.join("run");
        let err = run(
            &sample_plan(),
            &[base.join("missing.dat")],
            &RunOptions::new(&dir),
            &NoProgress,
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing.dat"), "{err}");
        assert!(!dir.join(MANIFEST).exists());
    }

    #[test]
    fn issue15_run_errors_keep_their_cause_as_source() {
        use std::error::Error as _;
        let base = std::env::temp_dir().join(format!("ikou-run-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let err = run(
            &sample_plan(),
            &[base.join("missing.dat")],
            &RunOptions::new(base.join("run")),
            &NoProgress,
        )
        .unwrap_err();
        let cause = err.source().expect("an input error has its cause");
        let io = cause.downcast_ref::<io::Error>().expect("an io::Error");
        assert_eq!(io.kind(), io::ErrorKind::NotFound);
        // The message still says it all for a program that prints only the top error.
        assert!(err.to_string().contains(&io.to_string()), "{err}");
        // A sink's error is the source of the run's.
        let sink = SinkError::io("vendor", io::Error::other("disk full"));
        let err = RunError::from(sink);
        let cause = err.source().and_then(|e| e.downcast_ref::<SinkError>());
        assert_eq!(cause.map(SinkError::output), Some("vendor"));
        // … and the sink's own cause is the next link of the chain.
        let root = cause
            .and_then(|e| e.source())
            .and_then(|e| e.downcast_ref::<io::Error>());
        assert_eq!(root.map(ToString::to_string).as_deref(), Some("disk full"));
        // A CSV write error is the source (its io::Error is its kind: the csv crate gives
        // no source of its own).
        let csv_error = csv::Error::from(io::Error::other("full"));
        let err = csv_err("rejects.csv")(csv_error);
        let inner = err.source().and_then(|e| e.downcast_ref::<csv::Error>());
        let root = inner.and_then(|e| match e.kind() {
            csv::ErrorKind::Io(io) => Some(io.to_string()),
            _ => None,
        });
        assert_eq!(root.as_deref(), Some("full"), "{err:?}");
        assert_eq!(err.to_string(), "writing rejects.csv: full");
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn spilling_the_check_keys_gives_the_same_run() {
        let base = std::env::temp_dir().join(format!("ikou-run-spill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let mut a = RunOptions::new(base.join("a"));
        a.outputs = Outputs::minimal();
        let mut b = RunOptions::new(base.join("b"));
        b.outputs = Outputs::minimal();
        b.sort_buffer_keys = 37; // dozens of spilled runs for 1,000 records
        let ma = run(&sample_plan(), &[sample()], &a, &NoProgress).unwrap();
        let mb = run(&sample_plan(), &[sample()], &b, &NoProgress).unwrap();
        assert_eq!(ma.outputs, mb.outputs);
        assert_eq!(ma.counts, mb.counts);
        assert!(ma.counts.rejects_by_reason.contains_key("check.duplicate"));
        let left: Vec<_> = std::fs::read_dir(base.join("b"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// A progress hook that appends to the input when pass 2 starts: the file changes
    /// between the two passes, read through one handle.
    struct Tamper(PathBuf);

    impl Progress for Tamper {
        fn start(&self, pass: u8, _: u64) {
            if pass == 2 {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&self.0)
                    .unwrap();
                f.write_all(&[b' '; 302]).unwrap();
            }
        }
        fn advance(&self, _: u64, _: u64) {}
        fn finish(&self) {}
    }

    #[test]
    fn issue18_item8_an_input_changed_between_the_passes_fails_the_run() {
        let base = std::env::temp_dir().join(format!("ikou-run-tamper-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let input = base.join("in.dat");
        std::fs::copy(sample(), &input).unwrap();
        let dir = base.join("run");
        let mut opts = RunOptions::new(&dir);
        opts.outputs = Outputs::minimal();
        let err = run(
            &sample_plan(),
            std::slice::from_ref(&input),
            &opts,
            &Tamper(input.clone()),
        )
        .unwrap_err();
        assert!(matches!(err, RunError::InputChanged { .. }), "{err}");
        assert!(err.to_string().contains("in.dat"), "{err}");
        assert!(!dir.join(MANIFEST).exists());
        // Unchanged, the identity check passes, and a changed identity is caught.
        let i = Input::open(RunInput::Path(input.clone())).unwrap();
        i.check_unchanged().unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&input)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        assert!(matches!(
            i.check_unchanged(),
            Err(RunError::InputChanged { .. })
        ));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn issue18_item7_the_run_directory_lock_is_exclusive() {
        let dir = std::env::temp_dir().join(format!("ikou-run-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        create_private_dir(&dir).unwrap();
        let held = DirLock::take(&dir).unwrap();
        // A run into the locked directory is refused before it touches anything.
        let err = run(
            &sample_plan(),
            &[sample()],
            &RunOptions::new(&dir),
            &NoProgress,
        )
        .unwrap_err();
        assert!(matches!(err, RunError::Locked(_)), "{err}");
        assert!(!err.is_io());
        assert!(err.to_string().contains(&*dir.to_string_lossy()), "{err}");
        drop(held);
        DirLock::take(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A vendor's sink: counts rows and checks their order.
    struct Counting(std::sync::Arc<std::sync::Mutex<(u64, u64)>>);

    impl RecordSink for Counting {
        fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
            let mut g = self.0.lock().unwrap();
            for r in rows {
                assert!(r.record > g.1, "rows in input order");
                g.1 = r.record;
                g.0 += 1;
            }
            Ok(())
        }
        fn finish(self: Box<Self>) -> Result<(), SinkError> {
            Ok(())
        }
    }

    #[test]
    fn issue15_a_reader_input_and_an_own_sink_give_the_same_run_as_a_path() {
        let base = std::env::temp_dir().join(format!("ikou-run-api-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let plan = sample_plan();
        let mut a = RunOptions::new(base.join("path"));
        a.outputs = Outputs::minimal();
        let ma = run(&plan, &[sample()], &a, &NoProgress).unwrap();
        let mut b = RunOptions::new(base.join("mem"));
        b.outputs = Outputs::minimal();
        let bytes = std::fs::read(sample()).unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new((0, 0)));
        let mb = Run::new(&plan, &b)
            .input(RunInput::Reader {
                name: sample().display().to_string(),
                reader: Box::new(io::Cursor::new(bytes)),
            })
            .sink(Box::new(Counting(std::sync::Arc::clone(&seen))))
            .execute()
            .unwrap();
        assert_eq!(ma.counts, mb.counts);
        assert_eq!(ma.outputs, mb.outputs, "byte-identical outputs");
        assert_eq!(ma.inputs, mb.inputs);
        // The sink saw every converted record, cross-record checks applied.
        assert_eq!(seen.lock().unwrap().0, mb.counts.output_records);
        assert!(mb.counts.rejects_by_reason.contains_key("check.duplicate"));
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// Cancels the run when pass 2 starts.
    struct CancelAt2(CancelToken);

    impl Progress for CancelAt2 {
        fn start(&self, pass: u8, _: u64) {
            if pass == 2 {
                self.0.cancel();
            }
        }
        fn advance(&self, _: u64, _: u64) {}
        fn finish(&self) {}
    }

    #[test]
    fn issue15_a_cancelled_run_publishes_nothing() {
        let dir = std::env::temp_dir().join(format!("ikou-run-cancel-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut opts = RunOptions::new(&dir);
        let token = CancelToken::new();
        opts.cancel = Some(token.clone());
        let progress = CancelAt2(token);
        let err = Run::new(&sample_plan(), &opts)
            .input(RunInput::Path(sample()))
            .progress(&progress)
            .execute()
            .unwrap_err();
        assert!(matches!(err, RunError::Cancelled), "{err}");
        assert!(err.to_string().contains("cancelled"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.is_empty(), "nothing final, no manifest: {left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Cancels the run at a moment of pass 2: after its third chunk, or once every record
    /// is written (the outputs complete under their temporary names, not yet published).
    struct CancelIn2 {
        token: CancelToken,
        late: bool,
        pass: std::sync::atomic::AtomicU8,
        records: std::sync::atomic::AtomicU64,
    }

    impl Progress for CancelIn2 {
        fn start(&self, pass: u8, _: u64) {
            self.pass.store(pass, std::sync::atomic::Ordering::SeqCst);
        }
        fn advance(&self, records: u64, _: u64) {
            use std::sync::atomic::Ordering::SeqCst;
            if self.pass.load(SeqCst) == 2
                && !self.late
                && self.records.fetch_add(records, SeqCst) + records >= 300
            {
                self.token.cancel();
            }
        }
        fn finish(&self) {
            if self.late && self.pass.load(std::sync::atomic::Ordering::SeqCst) == 2 {
                self.token.cancel();
            }
        }
    }

    /// Issue #15: a run cancelled while pass 2 writes (chunks of 100 records: three of them
    /// written, the vendor's sink fed) or after it wrote everything leaves nothing behind:
    /// no output, no temporary file, no manifest, and says it was cancelled.
    #[test]
    fn issue15_a_run_cancelled_while_writing_or_before_publishing_leaves_nothing() {
        for late in [false, true] {
            let dir =
                std::env::temp_dir().join(format!("ikou-run-cancel-{late}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let mut opts = RunOptions::new(&dir);
            opts.chunk_records = 100;
            let token = CancelToken::new();
            opts.cancel = Some(token.clone());
            let progress = CancelIn2 {
                token,
                late,
                pass: 0.into(),
                records: 0.into(),
            };
            let seen = std::sync::Arc::new(std::sync::Mutex::new((0, 0)));
            let err = Run::new(&sample_plan(), &opts)
                .input(RunInput::Path(sample()))
                .sink(Box::new(Counting(std::sync::Arc::clone(&seen))))
                .progress(&progress)
                .execute()
                .unwrap_err();
            assert!(matches!(err, RunError::Cancelled), "late {late}: {err}");
            let rows = seen.lock().unwrap().0;
            if late {
                assert_eq!(rows, 952, "every converted record reached the sink first");
            } else {
                assert!(
                    rows > 0 && rows < 952,
                    "cancelled while writing: {rows} rows"
                );
            }
            let left: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                left.is_empty(),
                "late {late}: nothing left, not even temporary files: {left:?}"
            );
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn keys_are_exact_for_digit_strings() {
        assert_ne!(key_of("00123"), key_of("123"));
        assert_eq!(key_of("12345678901"), key_of("12345678901"));
        assert_ne!(key_of("12345678901"), key_of("12345678902"));
        assert_ne!(key_of("山田"), key_of("田山"));
    }
}
