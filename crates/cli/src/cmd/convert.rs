//! `ikou convert`: the main job.

use crate::exit::{CliError, CliResult, DATA, NO_GO, OK};
use crate::output::{print, print_json};
use clap::Args;
use ikou_convert::manifest::Manifest;
use ikou_convert::report::{self, Lang, Verdict, VerdictLevel};
use ikou_convert::run::{
    Outputs, ParquetCompression, Progress, Run, RunInput, RunOptions, OUTPUT_NAMES,
};
use ikou_convert::setup::{self, SetupError};
use ikou_convert::SourcePlans;
use ikou_layout_spec::profile::RejectRate;
use ikou_layout_spec::{Catalog, Profile};
use indicatif::ProgressBar;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::time::Instant;

const AFTER_HELP: &str = "\
Examples:
  ikou convert --profile sample-juki testdata/sample/juki-1000.dat --out run1
  ikou convert --profile my-city.toml --specs my-specs/ export.dat --out run2 --threads 2
  ikou convert --profile sample-juki big.dat --out run3 --outputs after-parquet --strict
  ikou convert --profile two-files.toml --input kojin=kojin.csv --input rireki=rireki.csv --out run4

A profile with several sources ([[sources]]: a person file and a history file, each in its
own layout) takes each file with `--input SOURCE=FILE` (or one file per source, in the order
of its [[sources]]); rejects.csv then names each record's source, and before.arrow/.parquet
are not written (one source layout per file).

Outputs in the run directory: <target>.csv (the standard data), rejects.csv, changes.csv,
changes.parquet, before.arrow/.parquet, after.arrow/.parquet, gaiji.csv, report.html (the
verification report for staff, in Japanese; `ikou report DIR --lang en` for English),
manifest.json.
Files are written under temporary names and renamed when the run is complete; mode 0600.
rejects.csv, changes.csv and gaiji.csv start with a UTF-8 BOM for Excel (--no-excel-bom).

Problems of the run as a whole — a trailer count that disagrees, a missing trailer, a
newline style other than the layout's, an unterminated quote, an empty input, nothing
converted — are listed under `problems:` (and in manifest.json); nothing converted is said
on the first line.

The verdict — the rule of report.html, in one place — opens the console when it is
移行不可 (`ikou convert: 移行不可 — <the cause>`, red on a terminal; --color, NO_COLOR and
CLICOLOR_FORCE decide otherwise): nothing converted, more
records rejected than the reject-rate limit (--max-reject-rate, else the profile's
`max_reject_rate`, else 10 %; written to manifest.json as options.max_reject_rate), framing
damage (a record cut short, a trailer count that disagrees, a missing trailer, an
unterminated quote) or counts that do not add up. 要確認 (rejects, unmapped 外字, findings,
an unverified layout) is said on the records line. --json adds the verdict to the manifest
as `verdict` (level, label, cause, reasons).

Exit codes: 0 done (移行可 or 要確認); 1 done, 要確認 with --strict (rejects, unmapped 外字 or
problems of the run); 2 usage or spec error, another run holds the run directory, or an
input whose encoding or record shape contradicts the profile (--no-input-check converts it
anyway); 3 I/O error; 4 done, but the verdict is 移行不可: the run must not be migrated
(with or without --strict).";

/// Convert legacy files to the standard layout: decode, cleanse, validate, map, and write
/// the standard CSV with rejects, every change, a manifest and Arrow/Parquet files.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ConvertArgs {
    /// The profile: a bundled id (`sample-juki`) or the path of a profile .toml file.
    #[arg(long, short = 'p')]
    profile: String,
    /// Input files (legacy exports), converted in order into one run. A profile with several
    /// sources (`[[sources]]`) takes one file per source here, in the order of its `[[sources]]`,
    /// or the files with --input.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// An input of one of the profile's `[[sources]]`: `SOURCE=FILE` (`--input kojin=a.csv
    /// --input rireki=b.csv`); repeat it for several files of one source. Files are converted
    /// in the order given.
    #[arg(long = "input", value_name = "SOURCE=FILE")]
    input: Vec<String>,
    /// The run directory (created; must be empty unless --force).
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// Replace a previous run in a non-empty run directory (its files, signature and report
    /// pages; a directory that also holds files no run wrote is refused, untouched).
    #[arg(long)]
    force: bool,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Optional outputs to write, comma-separated (the standard CSV, rejects.csv and
    /// manifest.json are always written): all, minimal, changes, changes-csv,
    /// changes-parquet, before, after, arrow, parquet, after-parquet, gaiji, report.
    #[arg(long, default_value = "all")]
    outputs: String,
    /// Extra spec files or directories (layouts .toml, code tables .csv) for the profile.
    #[arg(long)]
    specs: Vec<PathBuf>,
    /// Let the profile read files (layouts, tables) outside its folder and --specs.
    #[arg(long)]
    allow_outside_specs: bool,
    /// A 外字 table (CSV `code,replacement,mj,note`) instead of the profile's.
    #[arg(long)]
    gaiji: Option<PathBuf>,
    /// Exit 1 when records were rejected, 外字 left unmapped, or the run has problems as a
    /// whole (trailer count, missing trailer, newline mismatch, nothing converted, …).
    #[arg(long)]
    strict: bool,
    /// The reject rate above which the run is 移行不可 (exit 4): a fraction (`0.05`) or a
    /// percentage (`5%`), 0 to 1. Default: the profile's `max_reject_rate`, else 10 %.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    max_reject_rate: Option<RejectRate>,
    /// Compression of the Parquet outputs: none, lz4 or snappy. Default: lz4 for
    /// before.parquet and changes.parquet (the audit trail, about 4× smaller), none for
    /// after.parquet (the table you query). Every codec is read by pyarrow, polars, DuckDB
    /// and Spark (3.4 and later for lz4).
    #[arg(long, value_name = "CODEC", value_parser = parse_compression)]
    parquet_compression: Option<ParquetCompression>,
    /// Show personal values unmasked in report.html (they are masked by default).
    #[arg(long)]
    show_values: bool,
    /// Write rejects.csv, changes.csv and gaiji.csv without a UTF-8 BOM. By default they
    /// start with one, so that Excel on Japanese Windows opens them as UTF-8 (without it,
    /// Excel reads them as CP932 and garbles every kana and kanji); pyarrow, pandas, polars,
    /// DuckDB and the csv crate skip it. The standard CSVs follow the profile's output.bom.
    #[arg(long)]
    no_excel_bom: bool,
    /// Colour of the console summary (the red first line of a 移行不可 run): `auto` (the
    /// default) colours only when stdout is a terminal, or when CLICOLOR_FORCE is set (not
    /// `0`), never when NO_COLOR is set (not empty); `always` and `never` override both.
    /// --json output is never coloured.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Print the manifest as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// No progress bar or progress lines on stderr (the summary, or --json, still goes to
    /// stdout).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Convert even when an input's encoding or record shape contradicts the profile.
    #[arg(long)]
    no_input_check: bool,
}

/// When the console summary is coloured (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, or with CLICOLOR_FORCE; never with NO_COLOR.
    Auto,
    /// Always (even with NO_COLOR or into a file).
    Always,
    /// Never.
    Never,
}

/// Whether to colour: `no_color` and `force` are the values of NO_COLOR and CLICOLOR_FORCE
/// (no-color.org: NO_COLOR counts when not empty; CLICOLOR_FORCE when not empty and not
/// `0`), `terminal` whether stdout is one. An explicit `always` / `never` wins.
fn use_color(
    choice: ColorChoice,
    no_color: Option<&std::ffi::OsStr>,
    force: Option<&std::ffi::OsStr>,
    terminal: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if no_color.is_some_and(|v| !v.is_empty()) {
                false
            } else if force.is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                terminal
            }
        }
    }
}

fn parse_rate(text: &str) -> Result<RejectRate, String> {
    RejectRate::parse(text)
}

fn parse_compression(text: &str) -> Result<ParquetCompression, String> {
    text.parse()
        .map_err(|e: ikou_convert::run::UnknownCodec| e.to_string())
}

/// A setup error with its exit code (an unreadable input: 3; the rest: 2).
pub(crate) fn setup_err(e: SetupError) -> CliError {
    if e.is_io() {
        CliError::io(e.to_string())
    } else {
        CliError::usage(e.to_string())
    }
}

/// Loads the catalog (bundled + `--specs`) and the profile.
pub(crate) fn load_profile(
    profile: &str,
    specs: &[PathBuf],
    allow_outside: bool,
) -> Result<(Catalog, Profile), CliError> {
    let mut catalog = setup::load_catalog(specs).map_err(setup_err)?;
    let access = ikou_layout_spec::profile::ProfileAccess {
        spec_roots: specs.to_vec(),
        allow_outside,
    };
    let p = setup::load_profile_with(&mut catalog, profile, &access).map_err(setup_err)?;
    Ok((catalog, p))
}

/// A progress bar on a terminal; plain lines otherwise.
struct Bar {
    bar: Option<ProgressBar>,
    quiet: bool,
    started: std::sync::Mutex<Option<Instant>>,
    pass: AtomicU8,
    records: AtomicU64,
}

/// One progress line on stderr. A closed stderr (`2>&1 | head`) must not stop the run:
/// `eprintln!` panics on a failed write, so the error is ignored here.
fn progress_line(line: std::fmt::Arguments) {
    let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("{line}\n"));
}

impl Progress for Bar {
    fn start(&self, pass: u8, total: u64) {
        self.pass.store(pass, Relaxed);
        self.records.store(0, Relaxed);
        if let Ok(mut s) = self.started.lock() {
            *s = Some(Instant::now());
        }
        if let Some(b) = &self.bar {
            b.reset();
            b.set_length(total);
            b.set_message(if pass == 1 { "checks" } else { "converting" });
        } else if !self.quiet {
            progress_line(format_args!(
                "ikou: pass {pass} ({}) over {:.1} MB",
                if pass == 1 {
                    "cross-record checks"
                } else {
                    "conversion"
                },
                total as f64 / 1e6
            ));
        }
    }

    fn advance(&self, records: u64, bytes: u64) {
        let done = self.records.fetch_add(records, Relaxed) + records;
        if let Some(b) = &self.bar {
            b.inc(bytes);
            b.set_message(format!(
                "{} {} records",
                if self.pass.load(Relaxed) == 1 {
                    "checks"
                } else {
                    "converting"
                },
                done
            ));
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        } else if !self.quiet {
            let secs = self
                .started
                .lock()
                .ok()
                .and_then(|s| *s)
                .map_or(0.0, |s| s.elapsed().as_secs_f64());
            progress_line(format_args!(
                "ikou: pass {} done: {} records in {secs:.2} s",
                self.pass.load(Relaxed),
                self.records.load(Relaxed)
            ));
        }
    }
}

/// Which source reads each input (an index in `plans`), in the order the files are
/// converted: the positional inputs or `--input SOURCE=FILE`, as
/// [`ikou_convert::assign_files`] decides.
fn assign_inputs(
    plans: &SourcePlans,
    positional: &[PathBuf],
    named: &[String],
    profile: &str,
) -> Result<Vec<(usize, PathBuf)>, CliError> {
    ikou_convert::assign_files(plans.names(), plans.is_multi(), positional, named, profile)
        .map_err(|e| CliError::usage(e.to_string()))
}

/// Runs `ikou convert`.
pub fn run_convert(args: ConvertArgs) -> CliResult {
    let (catalog, profile) = load_profile(&args.profile, &args.specs, args.allow_outside_specs)?;
    let gaiji = setup::load_gaiji(&profile, args.gaiji.as_deref()).map_err(setup_err)?;
    let profile_id = profile.id.clone();
    let plans =
        SourcePlans::new(&catalog, profile, gaiji).map_err(|e| CliError::usage(e.to_string()))?;
    let inputs = assign_inputs(&plans, &args.inputs, &args.input, &profile_id)?;
    let outputs =
        Outputs::parse_for_sources(&args.outputs, plans.is_multi()).map_err(CliError::usage)?;
    for (_, i) in &inputs {
        if !i.is_file() {
            return Err(CliError::io(format!(
                "{}: not a readable file",
                crate::output::shown_path(i)
            )));
        }
    }
    if !args.no_input_check {
        for (n, plan) in plans.plans().iter().enumerate() {
            let files: Vec<PathBuf> = inputs
                .iter()
                .filter(|(s, _)| *s == n)
                .map(|(_, p)| p.clone())
                .collect();
            ikou_convert::guard::check_inputs(plan, &files).map_err(|e| match e {
                ikou_convert::guard::GuardError::Io { .. } => CliError::io(e.to_string()),
                e => CliError::usage(format!("{e}\n  to convert anyway: --no-input-check")),
            })?;
        }
    }
    let mut opts = RunOptions::new(&args.out);
    opts.force = args.force;
    opts.threads = args.threads;
    opts.outputs = outputs;
    opts.show_values = args.show_values;
    opts.excel_bom = !args.no_excel_bom;
    opts.max_reject_rate = args.max_reject_rate;
    opts.parquet_compression = args.parquet_compression;
    let bar = crate::output::byte_bar(args.quiet);
    if let Some(b) = &bar {
        b.enable_steady_tick(crate::output::BAR_TICK);
    }
    let progress = Bar {
        bar,
        quiet: args.quiet || args.json,
        started: std::sync::Mutex::new(None),
        pass: AtomicU8::new(0),
        records: AtomicU64::new(0),
    };
    let names = plans.names();
    let run_inputs = inputs.into_iter().map(|(s, p)| {
        if plans.is_multi() {
            RunInput::of_source(names.get(s).cloned().unwrap_or_default(), RunInput::Path(p))
        } else {
            RunInput::Path(p)
        }
    });
    let manifest = Run::sources(&plans, &opts)
        .inputs(run_inputs)
        .progress(&progress)
        .execute()
        .map_err(|e| CliError {
            code: if e.is_io() {
                crate::exit::IO
            } else {
                crate::exit::USAGE
            },
            message: e.to_string(),
        })?;
    // One rule for the page, the console and the exit code.
    let verdict = report::verdict(&manifest, None);
    if args.json {
        let mut v = serde_json::to_value(&manifest)
            .map_err(|e| CliError::io(format!("cannot write the manifest as JSON: {e}")))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("verdict".into(), report::verdict_json(&manifest, &verdict));
        }
        print_json(&v)?;
    } else {
        // Red on a terminal (the summary goes to stdout) unless NO_COLOR, or as --color /
        // CLICOLOR_FORCE say; --json above never is.
        let color = use_color(
            args.color,
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("CLICOLOR_FORCE").as_deref(),
            std::io::stdout().is_terminal(),
        );
        print(&summary(&manifest, &verdict, &args.out, color))?;
    }
    Ok(exit_code(&manifest, &verdict, args.strict))
}

/// The exit code of a finished run: 4 for 移行不可 (with or without `--strict`); 1 under
/// `--strict` for rejects, unmapped 外字 or problems of the run (a finding or a layout that
/// is not verified makes the run 要確認 but does not fail `--strict`); 0 otherwise.
fn exit_code(m: &Manifest, verdict: &Verdict, strict: bool) -> u8 {
    let c = &m.counts;
    if verdict.level == VerdictLevel::NoGo {
        NO_GO
    } else if strict && (c.rejected_records > 0 || c.gaiji_unmapped > 0 || !m.problems.is_empty()) {
        DATA
    } else {
        OK
    }
}

fn top(map: &std::collections::BTreeMap<String, u64>, n: usize) -> Vec<(&String, &u64)> {
    let mut v: Vec<_> = map.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

/// The console summary of a run: what ran, the accounting, the verdict, what was changed
/// and rejected, and where the run's files are.
fn summary(m: &Manifest, verdict: &Verdict, out: &Path, color: bool) -> String {
    let mut s = String::new();
    summary_head(&mut s, m, verdict, color);
    summary_records(&mut s, m, verdict);
    summary_verdict(&mut s, verdict);
    summary_problems(&mut s, m);
    summary_changes(&mut s, m);
    summary_items(&mut s, m);
    summary_files(&mut s, m, out);
    s
}

/// The first lines: the profile and its layouts (移行不可 first when the run must not be
/// used), and the layouts not verified.
fn summary_head(s: &mut String, m: &Manifest, verdict: &Verdict, color: bool) {
    // The source layout, or with several sources (issue #13) each one's by name.
    let source = if m.sources.is_empty() {
        m.source_layout.id.clone()
    } else {
        m.sources
            .iter()
            .map(|x| format!("{}: {}", x.name, x.layout.id))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    if verdict.level == VerdictLevel::NoGo {
        // The first line says the run must not be used, and why.
        let line = format!(
            "ikou convert: 移行不可 — {}",
            crate::output::terminal_safe(&report::cause(m, verdict, Lang::En))
        );
        if color {
            let _ = writeln!(s, "\x1b[1;31m{line}\x1b[0m");
        } else {
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(
            s,
            "  the run must not be migrated (exit {NO_GO}); profile {} ({} → {})",
            m.profile, source, m.target_layout.id
        );
    } else {
        let _ = writeln!(
            s,
            "ikou convert: profile {} ({} → {})",
            m.profile, source, m.target_layout.id
        );
    }
    let layouts = std::iter::once(&m.source_layout)
        .chain(m.sources.iter().skip(1).map(|x| &x.layout))
        .chain([&m.target_layout]);
    for l in layouts {
        if l.status != "verified" {
            let _ = writeln!(s, "  note: layout {} is {}", l.id, l.status);
        }
    }
}

/// The accounting: records in = out + rejected, per source and group with several
/// sources.
fn summary_records(s: &mut String, m: &Manifest, verdict: &Verdict) {
    let c = &m.counts;
    let _ = writeln!(
        s,
        "  records: {} in = {} out + {} rejected  [{}]",
        c.input_records,
        c.output_records,
        c.rejected_records,
        if !m.accounting_ok {
            "MISMATCH"
        } else if verdict.level == VerdictLevel::NoGo {
            "counts add up; 移行不可"
        } else {
            "ok"
        }
    );
    // A run of several sources: each source's share, and each group's rows (issue #13).
    for src in &m.sources {
        let _ = writeln!(
            s,
            "    source {} ({}, {} file{}): {} in = {} out + {} rejected → {}",
            src.name,
            src.layout.id,
            src.inputs,
            if src.inputs == 1 { "" } else { "s" },
            src.input_records,
            src.output_records,
            src.rejected_records,
            src.groups.join(", ")
        );
    }
    if !m.sources.is_empty() {
        for g in &m.groups {
            let _ = writeln!(s, "    group {}: {} rows in {}", g.name, g.rows, g.file);
        }
    }
}

/// The verdict and its reasons.
fn summary_verdict(s: &mut String, verdict: &Verdict) {
    let _ = writeln!(
        s,
        "  verdict: {} ({}){}",
        verdict.level.label(),
        verdict.level.english(),
        if verdict.level == VerdictLevel::Go {
            String::new()
        } else {
            format!(
                ": {}",
                verdict
                    .reasons
                    .iter()
                    .map(|r| r.text(Lang::En))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    );
}

/// Header and trailer records, and the problems of the run.
fn summary_problems(s: &mut String, m: &Manifest) {
    let c = &m.counts;
    if c.header_records + c.trailer_records > 0 || c.physical_records != c.input_records {
        let _ = writeln!(
            s,
            "  physical records: {} = {} header + {} trailer + {} data",
            c.physical_records, c.header_records, c.trailer_records, c.input_records
        );
    }
    if !m.problems.is_empty() {
        let _ = writeln!(s, "  problems of the run ({}):", m.problems.len());
        for p in &m.problems {
            match &p.file {
                Some(f) => {
                    let _ = writeln!(s, "    ! {}: {f}: {}", p.kind, p.message);
                }
                None => {
                    let _ = writeln!(s, "    ! {}: {}", p.kind, p.message);
                }
            }
        }
    }
}

/// The changes by rule and the reject reasons, the most frequent first.
fn summary_changes(s: &mut String, m: &Manifest) {
    let c = &m.counts;
    let total_changes: u64 = c.changes_by_rule.values().sum();
    // Changes and reasons are occurrences (a record can have several); records are said
    // as records above.
    let _ = writeln!(s, "  changes: {total_changes} (values changed, by rule)");
    for (rule, n) in top(&c.changes_by_rule, 8) {
        let _ = writeln!(s, "    {n:>9}  {rule}");
    }
    if !c.rejects_by_reason.is_empty() {
        let _ = writeln!(
            s,
            "  reject reasons (occurrences; a rejected record can have several):"
        );
        for (k, n) in top(&c.rejects_by_reason, 10) {
            let _ = writeln!(s, "    {n:>9}  {k}");
        }
        if c.rejects_by_reason.len() > 10 {
            let rest: u64 = top(&c.rejects_by_reason, usize::MAX)
                .iter()
                .skip(10)
                .map(|(_, n)| **n)
                .sum();
            let more = c.rejects_by_reason.len() - 10;
            let _ = writeln!(
                s,
                "    … and {more} more {} ({rest} occurrences): see rejects.csv",
                if more == 1 { "reason" } else { "reasons" }
            );
        }
    }
}

/// The conditional items and the 外字.
fn summary_items(s: &mut String, m: &Manifest) {
    let c = &m.counts;
    let uncovered: Vec<String> = m
        .conditional_items
        .iter()
        .filter(|c| c.expression.is_none())
        .map(|c| format!("{} ({})", c.name, c.item))
        .collect();
    if !m.conditional_items.is_empty() {
        let _ = writeln!(
            s,
            "  conditional items (条件付き必須): {} checked by the profile's conditions, {} not covered{}",
            m.conditional_items.len() - uncovered.len(),
            uncovered.len(),
            if uncovered.is_empty() {
                String::new()
            } else {
                format!(" — staff decide: {}", uncovered.join(", "))
            }
        );
    }
    let gaiji: u64 = c.gaiji_by_code.values().sum();
    if gaiji > 0 {
        let _ = writeln!(
            s,
            "  外字: {gaiji} occurrences of {} codes, {} unmapped (see gaiji.csv)",
            c.gaiji_by_code.len(),
            c.gaiji_unmapped
        );
    }
}

/// The time, the run directory and its files, and how to check it.
fn summary_files(s: &mut String, m: &Manifest, out: &Path) {
    let _ = writeln!(
        s,
        "  time: {:.2} s, {:.1} MB/s, {:.0} records/s, {} threads",
        m.timings.total_seconds,
        m.timings.input_mb_per_second,
        m.timings.records_per_second,
        m.timings.threads
    );
    let _ = writeln!(s, "  run directory: {}", crate::output::shown_path(out));
    for o in &m.outputs {
        let _ = writeln!(s, "    {:<22} {:>12} bytes", o.name, o.bytes);
    }
    // The manifest is not among its own outputs: it lists them, with their hashes.
    if let Ok(meta) = std::fs::metadata(out.join(ikou_convert::manifest::MANIFEST)) {
        let _ = writeln!(
            s,
            "    {:<22} {:>12} bytes (the counts, and every file's SHA-256)",
            ikou_convert::manifest::MANIFEST,
            meta.len()
        );
    }
    let _ = writeln!(
        s,
        "  check it: ikou verify {}",
        crate::output::shown_path(out)
    );
}

/// `OUTPUT_NAMES` for help and errors.
#[allow(dead_code)]
pub(crate) fn output_names() -> &'static [(&'static str, &'static str)] {
    OUTPUT_NAMES
}

#[cfg(test)]
mod tests {
    use super::{use_color, ColorChoice};
    use std::ffi::OsStr;

    #[test]
    fn color_follows_the_flag_then_no_color_then_clicolor_force_then_the_terminal() {
        let on = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let zero = Some(OsStr::new("0"));
        // auto: the terminal decides…
        assert!(use_color(ColorChoice::Auto, None, None, true));
        assert!(!use_color(ColorChoice::Auto, None, None, false));
        // …NO_COLOR (not empty) turns it off, even with CLICOLOR_FORCE…
        assert!(!use_color(ColorChoice::Auto, on, None, true));
        assert!(!use_color(ColorChoice::Auto, on, on, true));
        assert!(use_color(ColorChoice::Auto, empty, None, true));
        // …CLICOLOR_FORCE (not empty, not 0) turns it on off a terminal.
        assert!(use_color(ColorChoice::Auto, None, on, false));
        assert!(!use_color(ColorChoice::Auto, None, zero, false));
        assert!(!use_color(ColorChoice::Auto, None, empty, false));
        // An explicit choice wins over both.
        assert!(use_color(ColorChoice::Always, on, None, false));
        assert!(!use_color(ColorChoice::Never, None, on, true));
    }
}
