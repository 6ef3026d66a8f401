//! `report.html`: the page municipal staff read to sign off a run.
//!
//! [`render`] builds one self-contained HTML page (inline CSS and SVG, no script, no font,
//! image or link that loads anything) from a run's [`Manifest`] and the files in its run
//! directory: `rejects.csv` (reasons grouped with record numbers, unmapped code values),
//! `changes.csv` or `changes.parquet` (sample before → after pairs per rule) and `gaiji.csv`
//! (the 外字 inventory). Optional files that a run did not write are named on the page and
//! the manifest's counts stand in for them. The files are streamed: only counts and capped
//! samples are kept, so a run of millions of records makes a page of the same size.
//!
//! Personal values are masked with [`ikou_cleanse::mask::mask`] unless
//! [`ReportOptions::show_values`]: the shape stays (widths, spaces, 外字), so a reader sees
//! what a rule did without seeing the resident. The output is deterministic: the same run
//! directory and options give the same bytes (no generation time, no timings, no paths of
//! the run directory).
//!
//! # Example
//! ```no_run
//! use ikou_convert::manifest::Manifest;
//! use ikou_convert::report::{render, ReportOptions};
//! use std::path::Path;
//!
//! let dir = Path::new("run1");
//! let manifest: Manifest =
//!     serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json"))?)?;
//! let html = render(&manifest, dir, &ReportOptions::default())?;
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod collect;
mod dir;
mod html;
mod text;
mod verdict;

pub use dir::{default_name, report_dir, DirReport, DirReportError, DirReportOutcome};
pub use verdict::{
    cause, detail, framing, max_reject_rate, rule_text, verdict, verdict_json,
    Level as VerdictLevel, Reason as VerdictReason, Verdict, DEFAULT_MAX_REJECT_RATE,
    FRAMING_DAMAGE,
};

use crate::manifest::{LayoutRef, Manifest};
use crate::output::RunFile;
use crate::output::{OutputFile, OutputInfo};
use crate::reason::ReasonKind;
use crate::verify::Check;
use collect::{Changes, Gaiji, GaijiRow, Rejects};
use html::{bar, esc, num, pct, value};
use ikou_cleanse::change::FindingKind;
use ikou_layout_spec::{DomainType, Layout};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use text::{kind_desc, rule_desc, status_desc, texts, Texts};

/// The report's file name in a run directory.
pub const REPORT: &str = crate::output::RunFile::Report.name();

/// Rows shown in a bar chart or a list table before "N more not shown".
const MAX_ROWS: usize = 30;
/// Rows of the 外字 table.
const MAX_GAIJI_ROWS: usize = 200;

/// The language of the page: the crate's one [`crate::reason::Lang`].
pub use crate::reason::Lang;

/// How to make the page.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions<'a> {
    /// The language (Japanese by default).
    pub lang: Lang,
    /// Show personal values unmasked (`--show-values`). Off by default.
    pub show_values: bool,
    /// The run's source layout, to name items (`氏名カナ` for `shimei_kana`) and to read
    /// unmapped code values out of rejected records' raw bytes. Without it the page names
    /// items by key and cannot show the code values.
    pub source_layout: Option<&'a Layout>,
    /// The run's target layout, to name target items.
    pub target_layout: Option<&'a Layout>,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file of the run could not be read: the I/O error (a CSV row's error names its
    /// line) is the source. Never a value.
    #[error("{file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A Parquet file of the run could not be read: the Parquet or Arrow error is the source.
    #[error("{file}: {source}")]
    Parquet {
        /// The file.
        file: String,
        /// The `parquet` crate's `ParquetError` or the `arrow` crate's `ArrowError`.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file of the run is not the file its name says (a column missing, a record number
    /// that is not one): what is wrong, with the line where known. Never a value.
    #[error("{file}: {problem}")]
    Malformed {
        /// The file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// The run's files do not match its manifest: the page (with a red banner saying what
    /// does not match, verdict 移行不可) was written to `written` — never over the name asked
    /// for, so a verified report is never replaced by this one.
    #[error(
        "the run does not match its manifest ({}): the page was written to {written}, not over {file}",
        failed_list(failed)
    )]
    Unverified {
        /// The file asked for (left as it was).
        file: String,
        /// Where the unverified page went.
        written: String,
        /// The checks that failed.
        failed: Vec<Check>,
    },
    /// The report could not be written.
    #[error("{file}: {error}")]
    Write {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        error: std::io::Error,
    },
}

fn failed_list(failed: &[Check]) -> String {
    let mut v: Vec<String> = failed
        .iter()
        .take(5)
        .map(|c| {
            if c.detail.is_empty() {
                c.what.clone()
            } else {
                format!("{}: {}", c.what, c.detail)
            }
        })
        .collect();
    if failed.len() > 5 {
        v.push(format!("{} more", failed.len() - 5));
    }
    v.join("; ")
}

/// The name an unverified page is written to instead of `name`:
/// `report.html` → `report.unverified.html`.
pub fn unverified_name(name: &str) -> String {
    match name.strip_suffix(".html") {
        Some(stem) => format!("{stem}.unverified.html"),
        None => format!("{name}.unverified.html"),
    }
}

/// The files of the run the page was made from.
struct Inputs {
    changes: Option<Changes>,
    rejects: Option<Rejects>,
    gaiji: Option<Gaiji>,
}

/// Finds a run file listed in the manifest: its final name, or its temporary name while
/// the run has not committed it yet.
fn run_file(manifest: &Manifest, dir: &Path, name: &str) -> Option<PathBuf> {
    manifest.output(name)?;
    let done = dir.join(name);
    if done.exists() {
        return Some(done);
    }
    let partial = dir.join(crate::output::partial_name(name));
    partial.exists().then_some(partial)
}

/// Builds the report page for the run in `dir` described by `manifest`.
///
/// Checks the run's files first, exactly as `ikou verify` does
/// ([`crate::verify::check_files`] and the failures of
/// [`crate::verify::directory_checks`]: a file in the directory the run did not write); a
/// mismatch puts a red banner saying what does not
/// match at the top and makes the verdict 移行不可 (use [`render_checked`] to get the checks).
/// Reads `rejects.csv`, `changes.csv` (or `changes.parquet`) and `gaiji.csv` when the
/// manifest lists them, streaming each once. Works for runs with only the required outputs
/// (`--outputs minimal`): the page says what is missing and uses the manifest's counts.
///
/// # Errors
/// [`ReportError::Read`], [`ReportError::Parquet`] or [`ReportError::Malformed`] when a file
/// the manifest lists cannot be read or is not the file
/// it should be.
pub fn render(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
) -> Result<String, ReportError> {
    render_checked(manifest, dir, options).map(|(page, _)| page)
}

/// As [`render`], with the checks made of the run's files.
///
/// # Errors
/// As [`render`].
pub fn render_checked(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
) -> Result<(String, Vec<Check>), ReportError> {
    render_checked_with(manifest, dir, options, &())
}

/// [`render_checked`], telling `progress` how far the checks have read.
///
/// # Errors
/// As [`render_checked`].
pub fn render_checked_with(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
    progress: &dyn crate::verify::ReadProgress,
) -> Result<(String, Vec<Check>), ReportError> {
    progress.start(crate::verify::bytes_to_read(manifest) + bytes_read_for_page(manifest));
    let mut checks = crate::verify::checks_on_disk(dir, manifest, progress);
    // The directory's own checks as `ikou verify` makes them; only a failed one changes the
    // page (a page made by `ikou report` beside the run is an extra that passes, and the
    // page must not depend on which other pages exist).
    checks.extend(
        crate::verify::directory_checks(dir, manifest)
            .into_iter()
            .filter(|c| !c.ok),
    );
    let page = render_from(manifest, dir, options, checks, None, progress);
    progress.finish();
    page
}

/// The bytes the page reads besides the checks: rejects.csv, changes.csv (else
/// changes.parquet) and gaiji.csv, as the manifest lists them.
fn bytes_read_for_page(manifest: &Manifest) -> u64 {
    let size = |f: RunFile| manifest.output(f.name()).map(|o| o.bytes);
    let changes = size(RunFile::Changes).or_else(|| {
        if cfg!(feature = "arrow") {
            size(RunFile::ChangesParquet)
        } else {
            None
        }
    });
    [size(RunFile::Rejects), changes, size(RunFile::Gaiji)]
        .into_iter()
        .flatten()
        .sum()
}

/// What a run hands the report it writes instead of the report reading it back from the
/// disk: the checks of its files as it wrote them ([`crate::verify::AsWritten`]) and the
/// summary of its changes, collected as the changes were written
/// ([`crate::summary::Changes::for_run`]). The page is byte for byte the one `ikou report` makes from
/// the intact run directory (tested), without reading back the gigabytes just written.
pub(crate) struct Written {
    /// The summary of `changes.csv` (or `changes.parquet`), when the run writes one.
    pub(crate) changes: Option<Changes>,
}

/// Writes the report of a run that has just written its outputs: as [`write()`] with the
/// checks and the change summary the run hands over ([`Written`]).
pub(crate) fn write_in_run(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
    name: &str,
    written: Written,
) -> Result<OutputInfo, ReportError> {
    let checks = crate::verify::checks_of(&crate::verify::AsWritten(manifest), manifest);
    let (html, checks) = render_from(manifest, dir, options, checks, written.changes, &())?;
    finish_page(manifest, dir, dir, name, html, &checks).map(|(info, _)| info)
}

/// The page, on the checks made and with the change summary when the caller has it (else
/// read from the run's file).
fn render_from(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
    mut checks: Vec<Check>,
    changes_in: Option<Changes>,
    progress: &dyn crate::verify::ReadProgress,
) -> Result<(String, Vec<Check>), ReportError> {
    let show = options.show_values;
    // A file that fails its check is still read (the page shows what it holds); a file that
    // is missing or cannot be read is named on the banner instead of ending the report.
    let rejects = tolerate(
        &mut checks,
        run_file(manifest, dir, RunFile::Rejects.name())
            .map(|p| collect::read_rejects(&p, options.source_layout, show, progress))
            .transpose(),
        RunFile::Rejects.name(),
    );
    let changes = match (changes_in, run_file(manifest, dir, RunFile::Changes.name())) {
        (Some(c), _) => Some(c),
        (None, Some(p)) => tolerate(
            &mut checks,
            collect::read_changes_csv(&p, RunFile::Changes.name(), show, progress).map(Some),
            RunFile::Changes.name(),
        ),
        (None, None) => tolerate(
            &mut checks,
            changes_parquet(manifest, dir, show, progress),
            RunFile::ChangesParquet.name(),
        ),
    };
    let gaiji = tolerate(
        &mut checks,
        run_file(manifest, dir, RunFile::Gaiji.name())
            .map(|p| collect::read_gaiji(&p, progress))
            .transpose(),
        RunFile::Gaiji.name(),
    );
    let inputs = Inputs {
        changes,
        rejects,
        gaiji,
    };
    let verdict = verdict::verdict(manifest, Some(&checks));
    let mut page = Page {
        s: String::with_capacity(64 * 1024),
        t: texts(options.lang),
        lang: options.lang,
        m: manifest,
        o: options,
        i: &inputs,
        checks: &checks,
        verdict,
        date: run_date(dir),
        fingerprint: crate::verify::fingerprint(manifest),
    };
    page.build();
    Ok((page.s, checks))
}

/// The value read, or None with a failed check naming the file.
fn tolerate<T>(
    checks: &mut Vec<Check>,
    r: Result<Option<T>, ReportError>,
    name: &str,
) -> Option<T> {
    match r {
        Ok(v) => v,
        Err(e) => {
            checks.push(Check {
                what: format!("read {name}"),
                ok: false,
                detail: e.to_string(),
            });
            None
        }
    }
}

/// The run's date (Japan time, `2026-12-04`): when its `manifest.json` was written, or now
/// while the run writes the report (just before its manifest).
fn run_date(dir: &Path) -> String {
    let t = std::fs::metadata(dir.join(crate::manifest::MANIFEST))
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| std::time::SystemTime::now());
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Japan Standard Time is UTC+9 all year.
    let days = (secs + 9 * 3600) / 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Howard Hinnant's algorithm, for days ≥ 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(feature = "arrow")]
fn changes_parquet(
    manifest: &Manifest,
    dir: &Path,
    show: bool,
    progress: &dyn crate::verify::ReadProgress,
) -> Result<Option<Changes>, ReportError> {
    match run_file(manifest, dir, RunFile::ChangesParquet.name()) {
        Some(p) => Ok(Some(collect::read_changes_parquet(
            &p,
            RunFile::ChangesParquet.name(),
            show,
            progress,
        )?)),
        None => Ok(None),
    }
}

#[cfg(not(feature = "arrow"))]
fn changes_parquet(
    _: &Manifest,
    _: &Path,
    _: bool,
    _: &dyn crate::verify::ReadProgress,
) -> Result<Option<Changes>, ReportError> {
    Ok(None)
}

/// Checks the run's files, renders the report and writes it as `out_dir/name` atomically (a
/// temporary name in the same directory, synced, then renamed), readable only by its owner.
///
/// When the run's files do not match its manifest, the page (red banner, 移行不可) is written
/// as [`unverified_name`]`(name)` instead and [`ReportError::Unverified`] is returned: a
/// report that was verified is never replaced by one that is not. When `name` in the run
/// directory is the report the manifest lists (verified, as every listed file) and the new
/// page differs from it, the new page is written as `NAME.regenerated.html`: the returned
/// [`OutputInfo`] names the file written.
///
/// # Errors
/// [`ReportError::Read`], [`ReportError::Parquet`], [`ReportError::Malformed`] as [`render`]; [`ReportError::Unverified`] as above;
/// [`ReportError::Write`] when the file cannot be written.
pub fn write(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
    out_dir: &Path,
    name: &str,
) -> Result<OutputInfo, ReportError> {
    write_checked(manifest, dir, options, out_dir, name).map(|(info, _)| info)
}

/// As [`write()`], with the verdict on the page.
///
/// # Errors
/// As [`write()`].
pub fn write_checked(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
    out_dir: &Path,
    name: &str,
) -> Result<(OutputInfo, Verdict), ReportError> {
    write_checked_with(manifest, dir, options, out_dir, name, &())
}

/// [`write_checked`], telling `progress` how far the checks have read.
///
/// # Errors
/// As [`write_checked`].
pub fn write_checked_with(
    manifest: &Manifest,
    dir: &Path,
    options: &ReportOptions,
    out_dir: &Path,
    name: &str,
    progress: &dyn crate::verify::ReadProgress,
) -> Result<(OutputInfo, Verdict), ReportError> {
    let (html, checks) = render_checked_with(manifest, dir, options, progress)?;
    finish_page(manifest, dir, out_dir, name, html, &checks)
}

/// Writes the page made on `checks` (see [`write()`]).
fn finish_page(
    manifest: &Manifest,
    dir: &Path,
    out_dir: &Path,
    name: &str,
    html: String,
    checks: &[Check],
) -> Result<(OutputInfo, Verdict), ReportError> {
    let failed: Vec<Check> = checks.iter().filter(|c| !c.ok).cloned().collect();
    if failed.is_empty() {
        let v = verdict::verdict(manifest, Some(checks));
        // The report the run wrote (listed in the manifest and verified above) is never
        // replaced by a page that differs from it (made by another version, or on another
        // date): that one goes to NAME.regenerated.html.
        let listed = manifest.output(name).filter(|_| same_dir(dir, out_dir));
        if let Some(l) = listed {
            if crate::output::hex(&sha2::Sha256::digest(html.as_bytes())) != l.sha256 {
                let other = match name.strip_suffix(".html") {
                    Some(stem) => format!("{stem}.regenerated.html"),
                    None => format!("{name}.regenerated.html"),
                };
                return write_page(&html, out_dir, &other).map(|info| (info, v));
            }
        }
        return write_page(&html, out_dir, name).map(|info| (info, v));
    }
    let other = unverified_name(name);
    write_page(&html, out_dir, &other)?;
    Err(ReportError::Unverified {
        file: out_dir.join(name).display().to_string(),
        written: out_dir.join(other).display().to_string(),
        failed,
    })
}

/// Whether two paths name the same directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn write_page(html: &str, out_dir: &Path, name: &str) -> Result<OutputInfo, ReportError> {
    use std::io::Write as _;
    let werr = |error| ReportError::Write {
        file: out_dir.join(name).display().to_string(),
        error,
    };
    let mut f = OutputFile::create(out_dir, name).map_err(werr)?;
    if let Err(e) = f.write_all(html.as_bytes()) {
        f.discard();
        return Err(werr(e));
    }
    f.complete().map_err(werr)?.commit(out_dir).map_err(werr)
}

const CSS: &str = r#"
:root{--ink:#1a1a1a;--muted:#5b5b5b;--line:#c9ced6;--ok:#17643a;--ng:#a3131b;--warn:#8a5a00;--bar:#2f6db5;--bar2:#b3472e;--bar3:#6b5bb5;--bg2:#f3f5f8}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-family:"Noto Sans CJK JP","Noto Sans JP","Hiragino Kaku Gothic ProN","Yu Gothic","Meiryo",sans-serif;color:var(--ink);margin:0 auto;max-width:60rem;padding:1.2rem 1.5rem 3rem;line-height:1.6;font-size:15px}
h1{font-size:1.55rem;margin:.2rem 0 .1rem}
h2{font-size:1.2rem;margin:2rem 0 .6rem;padding:.2rem 0 .2rem .6rem;border-left:.35rem solid var(--bar);break-after:avoid}
h3{font-size:1.02rem;margin:1.2rem 0 .4rem;break-after:avoid}
p{margin:.4rem 0}
.sub{color:var(--muted);margin:0 0 .8rem}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:.8rem 0}
.card{border:1px solid var(--line);border-radius:.4rem;padding:.4rem .8rem;min-width:8.5rem;background:var(--bg2)}
.card .k{font-size:.85rem;color:var(--muted)}
.card .v{font-size:1.45rem;font-weight:bold}
.card .u{font-size:.85rem;margin-left:.2rem}
.card.bad{border-color:var(--ng)}.card.bad .v{color:var(--ng)}
.verdict{font-weight:bold;font-size:1.1rem;padding:.5rem .8rem;border-radius:.4rem;margin:.6rem 0}
.verdict.ok{color:var(--ok);border:2px solid var(--ok)}
.verdict.ng{color:var(--ng);border:2px solid var(--ng)}
.banner{border:3px solid var(--ng);background:#fdecec;color:var(--ng);padding:.6rem .9rem;border-radius:.4rem;margin:.4rem 0 .8rem}
.banner ul{margin:.3rem 0 0;padding-left:1.4rem;color:var(--ink)}
.verdict-line{font-size:1.5rem;font-weight:bold;margin:.2rem 0 .3rem;padding:.3rem .8rem;border-radius:.4rem;border:3px solid}
.verdict-line.go{color:var(--ok);border-color:var(--ok)}.verdict-line.check{color:var(--warn);border-color:var(--warn)}.verdict-line.nogo{color:var(--ng);border-color:var(--ng);background:#fdecec}
ul.reasons{margin:.2rem 0;padding-left:1.4rem}ul.reasons li.ng{color:var(--ng);font-weight:bold}
.rule{color:var(--muted);font-size:.8rem;margin:.2rem 0 .6rem}
table.ident{width:auto;margin:.2rem 0 .6rem}table.ident th{white-space:nowrap}
table.signoff{width:100%;break-inside:avoid}table.signoff th{width:8rem}table.signoff td{height:2.6rem}table.signoff td.notes{height:7rem}
#signoff{break-inside:avoid}
.warn{border:2px solid var(--warn);background:#fff7e0;padding:.5rem .8rem;border-radius:.4rem;margin:.6rem 0}
.warn strong{color:var(--warn)}
.values{border-color:var(--ng);background:#fdecec}
ol.next{padding-left:1.6rem}ol.next li{margin:.35rem 0}
.tag{display:inline-block;font-size:.78rem;font-weight:bold;padding:0 .4rem;border-radius:.25rem;margin-right:.4rem;border:1px solid}
.tag.high{color:var(--ng);border-color:var(--ng)}.tag.mid{color:var(--warn);border-color:var(--warn)}.tag.info{color:var(--muted);border-color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.4rem 0 .8rem;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:var(--bg2);font-weight:bold}
tr{break-inside:avoid}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.b{width:32%}
svg.bar{display:block;width:100%;height:.8rem;margin-top:.3rem}
svg.bar rect{fill:var(--bar)}svg.bar.rej rect{fill:var(--bar2)}svg.bar.item rect{fill:var(--bar3)}
code,.mono{font-family:"Noto Sans Mono CJK JP","BIZ UDGothic","MS Gothic",monospace;font-size:.88em}
.id{color:var(--muted);font-family:monospace;font-size:.8em;margin-left:.3rem}
.hash{font-family:monospace;font-size:.75rem;word-break:break-all}
.val{font-family:"Noto Sans Mono CJK JP","BIZ UDGothic","MS Gothic",monospace;white-space:pre-wrap;word-break:break-all}
.sp,.zsp{outline:1px dotted #8a8a8a;outline-offset:-1px;background:#eef2f7}
.sp{display:inline-block;min-width:.45em}
.zsp{outline-style:dashed}
.gj,.ctl{font-family:monospace;font-size:.8em;border:1px solid var(--ng);color:var(--ng);padding:0 .15rem;margin:0 .05rem}
.empty{color:var(--muted);font-style:italic}
.nw{white-space:nowrap}
.ok{color:var(--ok);font-weight:bold}.ng{color:var(--ng);font-weight:bold}.na{color:var(--muted)}
.more{color:var(--muted);font-size:.88rem}
.recs{font-family:monospace;font-size:.85rem}
.msg{color:var(--muted);font-size:.85rem}
.arrow{color:var(--muted);text-align:center;width:1.5rem}
footer{margin-top:2.5rem;border-top:1px solid var(--line);padding-top:.6rem;color:var(--muted);font-size:.85rem}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;padding:0;font-size:10pt}h2{break-before:auto}.card{min-width:7rem}section{break-inside:auto}table{font-size:9pt}}
"#;

struct Page<'a> {
    s: String,
    t: &'static Texts,
    lang: Lang,
    m: &'a Manifest,
    o: &'a ReportOptions<'a>,
    i: &'a Inputs,
    checks: &'a [Check],
    verdict: Verdict,
    date: String,
    fingerprint: String,
}

/// How urgent an item of the "what to check next" list is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    High,
    Mid,
    Info,
}

impl Page<'_> {
    fn ja(&self) -> bool {
        self.lang == Lang::Ja
    }

    /// Picks the Japanese or English text.
    fn tr<'s>(&self, ja: &'s str, en: &'s str) -> &'s str {
        if self.ja() {
            ja
        } else {
            en
        }
    }

    fn more(&self, n: usize) -> String {
        format!(
            "<p class=\"more\">{}</p>",
            esc(&self.t.more_not_shown.replace("{n}", &num(n as u64)))
        )
    }

    fn more_u64(&self, n: u64) -> String {
        format!(
            "<p class=\"more\">{}</p>",
            esc(&self.t.more_not_shown.replace("{n}", &num(n)))
        )
    }

    fn unit(&self) -> &'static str {
        self.t.records
    }

    /// `1,000件` / `1,000 records`.
    fn n_records(&self, n: u64) -> String {
        if self.ja() {
            format!("{}件", num(n))
        } else {
            format!("{} {}", num(n), if n == 1 { "record" } else { "records" })
        }
    }

    /// How many records have a reason of one of `kinds`, and how many times the reasons
    /// occur: `12件のレコード（15か所）` when rejects.csv was read (a record may have a
    /// reason more than once), `15か所` from the manifest's counts alone. Records and
    /// occurrences are never given one for the other.
    fn count_of(&self, kinds: &[&str]) -> String {
        let c = &self.m.counts;
        let occ: u64 = kinds
            .iter()
            .map(|k| c.rejects_by_reason.get(*k).copied().unwrap_or(0))
            .sum();
        // Records are exact for one kind (rejects.csv counts each record once per kind).
        let records = match (kinds, &self.i.rejects) {
            ([k], Some(r)) => r.by_kind.get(*k).map(|i| i.records),
            _ => None,
        };
        match (records, self.ja()) {
            (Some(r), true) if r == occ => format!("{}件のレコード", num(r)),
            (Some(r), true) => format!("{}件のレコード（{}か所）", num(r), num(occ)),
            (Some(r), false) if r == occ => self.n_records(r),
            (Some(r), false) => format!("{} ({} occurrences)", self.n_records(r), num(occ)),
            (None, true) => format!("{}か所", num(occ)),
            (None, false) => format!("{} occurrences", num(occ)),
        }
    }

    /// An item key with its name from the layouts.
    fn item(&self, key: &str) -> String {
        let name = self
            .o
            .source_layout
            .and_then(|l| l.item(key))
            .or_else(|| self.o.target_layout.and_then(|l| l.item(key)))
            .map(|i| i.name.as_str());
        match name {
            Some(n) => format!("{}<span class=\"id\">{}</span>", esc(n), esc(key)),
            None if key.is_empty() => "―".into(),
            None => format!("<code>{}</code>", esc(key)),
        }
    }

    /// An item name for running text (no markup).
    fn item_plain(&self, key: &str) -> String {
        self.o
            .source_layout
            .and_then(|l| l.item(key))
            .or_else(|| self.o.target_layout.and_then(|l| l.item(key)))
            .map_or_else(|| key.to_string(), |i| i.name.clone())
    }

    fn rule(&self, id: &str) -> String {
        match rule_desc(self.lang, id) {
            Some(d) => format!("{}<span class=\"id\">{}</span>", esc(d), esc(id)),
            None => format!("<code>{}</code>", esc(id)),
        }
    }

    fn kind(&self, id: &str) -> String {
        match kind_desc(self.lang, id) {
            Some(d) => format!("{}<span class=\"id\">{}</span>", esc(d), esc(id)),
            None => format!("<code>{}</code>", esc(id)),
        }
    }

    /// The run's problems of `kind` (manifest `problems`: file and message, which name
    /// counts, offsets and record numbers, never a personal value), as a list, at most 5.
    fn problem_list(&self, kind: &str) -> String {
        let found: Vec<&crate::manifest::RunProblem> =
            self.m.problems.iter().filter(|p| p.kind == kind).collect();
        if found.is_empty() {
            return String::new();
        }
        let mut s = String::from("<ul class=\"problems\">");
        for p in found.iter().take(5) {
            let _ = write!(
                s,
                "<li data-problem=\"{}\">{}<span class=\"msg\">{}</span></li>",
                esc(&p.kind),
                p.file
                    .as_ref()
                    .map_or_else(String::new, |f| format!("<code>{}</code>: ", esc(f))),
                esc(&p.message)
            );
        }
        if found.len() > 5 {
            let _ = write!(
                s,
                "<li>{}</li>",
                esc(&if self.ja() {
                    format!("ほか{}件", num(found.len() as u64 - 5))
                } else {
                    format!("and {} more", num(found.len() as u64 - 5))
                })
            );
        }
        s.push_str("</ul>");
        s
    }

    fn kind_plain(&self, id: &str) -> String {
        kind_desc(self.lang, id).map_or_else(|| id.to_string(), str::to_string)
    }

    fn has_output(&self, name: &str) -> bool {
        self.m.output(name).is_some()
    }

    fn build(&mut self) {
        let t = self.t;
        let _ = write!(
            self.s,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"ikou {}\">\n<title>{} – {}</title>\n<style>{}</style>\n</head>\n<body>\n",
            self.lang.code(),
            esc(&self.m.tool_version),
            esc(t.title),
            esc(&self.m.profile),
            CSS
        );
        self.top();
        self.header();
        self.next_steps();
        self.accounting();
        self.changes();
        self.samples();
        self.rejects();
        self.conditionals();
        self.dates();
        self.codes();
        self.gaiji();
        self.findings();
        self.run_info();
        self.signoff();
        self.footer();
        self.s.push_str("</body>\n</html>\n");
    }

    /// Checks shown on the page: the report's own entry is left out, so that the page made
    /// during the run (before the manifest lists it) and afterwards are the same.
    fn shown_checks(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| c.what != format!("sha256 {REPORT}"))
    }

    /// The red banner (when the files do not match the manifest) and the verdict line with
    /// its reasons and the rule that decides it.
    fn top(&mut self) {
        let failed: Vec<&Check> = self.checks.iter().filter(|c| !c.ok).collect();
        if !failed.is_empty() {
            let _ = writeln!(
                self.s,
                "<div class=\"banner\" data-check=\"verify\"><strong>{}</strong>\n<ul>",
                esc(self.tr(
                    "✗ 検証に失敗しました：実行フォルダのファイルが manifest.json と一致しません。この結果は使えません。",
                    "✗ Verification failed: the run's files do not match manifest.json. Do not use this run."
                ))
            );
            for c in failed.iter().take(MAX_ROWS) {
                let _ = writeln!(
                    self.s,
                    "<li><code>{}</code>{}</li>",
                    esc(&c.what),
                    if c.detail.is_empty() {
                        String::new()
                    } else {
                        format!(": <span class=\"msg\">{}</span>", esc(&c.detail))
                    }
                );
            }
            self.s.push_str("</ul>\n");
            if failed.len() > MAX_ROWS {
                let m = self.more(failed.len() - MAX_ROWS);
                self.s.push_str(&m);
            }
            self.s.push_str("</div>\n");
        }
        let level = self.verdict.level;
        let class = match level {
            VerdictLevel::Go => "go",
            VerdictLevel::Check => "check",
            VerdictLevel::NoGo => "nogo",
        };
        let _ = writeln!(
            self.s,
            "<p class=\"verdict-line {class}\" data-verdict=\"{}\">{}{}{}</p>",
            level.label(),
            esc(self.tr("判定：", "Verdict: ")),
            if self.ja() {
                esc(level.label())
            } else {
                format!("{} ({})", esc(level.label()), esc(level.english()))
            },
            // 移行不可: the cause on the same, first line.
            match (level, self.verdict.reasons.first()) {
                (VerdictLevel::NoGo, Some(r)) => format!(
                    " <span class=\"cause\">— {}</span>",
                    esc(&r.text(self.lang))
                ),
                _ => String::new(),
            }
        );
        if !self.verdict.reasons.is_empty() {
            self.s.push_str("<ul class=\"reasons\">\n");
            for r in &self.verdict.reasons {
                let _ = writeln!(
                    self.s,
                    "<li class=\"{}\">{}</li>",
                    match r.level() {
                        VerdictLevel::NoGo => "ng",
                        _ => "cw",
                    },
                    esc(&detail(self.m, r, self.lang))
                );
            }
            self.s.push_str("</ul>\n");
        }
        let _ = writeln!(
            self.s,
            "<p class=\"rule\">{}</p>",
            esc(&rule_text(self.lang, max_reject_rate(self.m)))
        );
    }

    /// The run's identity: date, inputs with sizes (and sources), fingerprint.
    fn identity(&mut self) {
        let m = self.m;
        let _ = writeln!(
            self.s,
            "<table class=\"ident\">\n<tr><th>{}</th><td>{}</td></tr>",
            esc(self.tr("実行日", "Run date")),
            esc(&format!(
                "{}{}",
                self.date,
                self.tr("（日本時間）", " (Japan time)")
            ))
        );
        for i in &m.inputs {
            // A run of several sources names each input's source (issue #13).
            let head = match &i.source {
                Some(src) if self.ja() => format!("入力（{src}）"),
                Some(src) => format!("Input ({src})"),
                None => self.tr("入力", "Input").to_string(),
            };
            let _ = writeln!(
                self.s,
                "<tr><th>{}</th><td><code>{}</code> {}</td></tr>",
                esc(&head),
                esc(&i.path),
                esc(&if self.ja() {
                    format!("{}バイト・{}件", num(i.bytes), num(i.records))
                } else {
                    format!("{} bytes, {}", num(i.bytes), self.n_records(i.records))
                })
            );
        }
        let _ = writeln!(
            self.s,
            "<tr><th>{}</th><td class=\"hash\" data-fingerprint=\"{}\">{}</td></tr>\n</table>",
            esc(self.tr("実行の指紋（SHA-256）", "Run fingerprint (SHA-256)")),
            esc(&self.fingerprint),
            esc(&self.fingerprint)
        );
    }

    /// The sign-off block, printed with the page.
    fn signoff(&mut self) {
        let _ = writeln!(
            self.s,
            "<section id=\"signoff\">\n<h2>{}</h2>\n<p>{}</p>\n<p>{}：<strong>{}</strong> ・ {}：{}<br>{}：<span class=\"hash\">{}</span></p>\n<table class=\"signoff\">\n<tr><th>{}</th><td></td></tr>\n<tr><th>{}</th><td></td></tr>\n<tr><th>{}</th><td class=\"notes\"></td></tr>\n</table>\n</section>",
            esc(self.tr("確認と承認", "Sign-off")),
            esc(self.tr(
                "この指紋は、このページが作られた実行の manifest.json を表します。ikou verify が表示する指紋と同じであることを確かめてから署名してください。後で実行フォルダが書き換えられると、指紋が変わります。",
                "This fingerprint stands for the manifest.json of the run this page was made from. Check that ikou verify prints the same fingerprint before signing: a run rewritten later has another fingerprint."
            )),
            esc(self.tr("判定", "Verdict")),
            esc(self.verdict.level.label()),
            esc(self.tr("実行日", "Run date")),
            esc(&self.date),
            esc(self.tr("実行の指紋", "Run fingerprint")),
            esc(&self.fingerprint),
            esc(self.tr("確認者", "Checked by")),
            esc(self.tr("確認日", "Date checked")),
            esc(self.tr("所見", "Remarks")),
        );
    }

    fn header(&mut self) {
        let (t, m) = (self.t, self.m);
        let c = &m.counts;
        let _ = write!(
            self.s,
            "<header>\n<h1>{}</h1>\n<p class=\"sub\">{}: <strong>{}</strong> ・ {} → {} <span class=\"mono\">{}</span></p>\n",
            esc(t.title),
            esc(t.profile),
            esc(&m.profile),
            source_heading(m),
            esc(&m.target_layout.name),
            esc(&m.target_layout.id),
        );
        self.identity();
        let balanced = c.input_records == c.output_records + c.rejected_records && m.accounting_ok;
        let verified = self.checks.iter().all(|c| c.ok);
        let changes: u64 = c.changes_by_rule.values().sum();
        self.s.push_str("<div class=\"cards\">\n");
        let cards: [(&str, u64, &str, &str, bool); 5] = [
            (
                t.summary_input,
                c.input_records,
                self.unit(),
                "input_records",
                false,
            ),
            (
                t.summary_output,
                c.output_records,
                self.unit(),
                "output_records",
                false,
            ),
            (
                t.summary_rejected,
                c.rejected_records,
                self.unit(),
                "rejected_records",
                c.rejected_records > 0,
            ),
            (t.summary_changes, changes, t.places, "changes", false),
            (
                t.summary_gaiji,
                c.gaiji_unmapped,
                t.places,
                "gaiji_unmapped",
                c.gaiji_unmapped > 0,
            ),
        ];
        for (k, v, u, key, bad) in cards {
            let _ = writeln!(
                self.s,
                "<div class=\"card{}\"><div class=\"k\">{}</div><div><span class=\"v\" data-count=\"{key}\">{}</span><span class=\"u\">{}</span></div></div>",
                if bad { " bad" } else { "" },
                esc(k),
                num(v),
                esc(u)
            );
        }
        self.s.push_str("</div>\n");
        // ✓ only when the counts add up AND the files match the manifest.
        let _ = writeln!(
            self.s,
            "<p class=\"verdict {}\" data-check=\"accounting\">{} {}</p>",
            if balanced && verified { "ok" } else { "ng" },
            if balanced && verified { "✓" } else { "✗" },
            esc(if !balanced {
                t.accounting_ng
            } else if !verified {
                self.tr(
                    "ファイルが manifest.json と一致しません（上の赤い枠）",
                    "The files do NOT match manifest.json (see the red box above)",
                )
            } else {
                t.accounting_ok
            }),
        );
        let sources = m.sources.iter().skip(1).map(|x| (t.source, &x.layout));
        let layouts = [(t.source, &m.source_layout)]
            .into_iter()
            .chain(sources)
            .chain([(t.target, &m.target_layout)]);
        for (role, l) in layouts {
            let (desc, warn) = status_desc(self.lang, &l.status);
            if !warn {
                continue;
            }
            let advice = match (l.status.as_str(), self.lang) {
                ("synthetic", Lang::Ja) => "本番のデータには使えません。",
                ("synthetic", Lang::En) => "Not for real data.",
                (_, Lang::Ja) => "本番で使う前に、公式の項目定義と照合してください。",
                (_, Lang::En) => {
                    "Check it against the official item definitions before production use."
                }
            };
            let what = if self.ja() {
                format!(
                    "{}レイアウト「{}」<span class=\"mono\">{} {}</span>は{}です。",
                    esc(role),
                    esc(&l.name),
                    esc(&l.id),
                    esc(&l.version),
                    esc(desc)
                )
            } else {
                format!(
                    "the {} layout “{}” <span class=\"mono\">{} {}</span> is {}. ",
                    esc(role),
                    esc(&l.name),
                    esc(&l.id),
                    esc(&l.version),
                    esc(desc)
                )
            };
            let _ = writeln!(
                self.s,
                "<div class=\"warn\" data-status=\"{}\"><strong>{}</strong>{}{}</div>",
                esc(&l.status),
                self.tr("⚠ 注意：", "⚠ Caution: "),
                what,
                esc(advice),
            );
        }
        if self.o.show_values {
            let _ = writeln!(
                self.s,
                "<div class=\"warn values\"><strong>{}</strong></div>",
                esc(t.values_note)
            );
        }
        self.s.push_str("</header>\n");
    }

    fn next_steps(&mut self) {
        let mut items: Vec<(Level, String)> = Vec::new();
        let (m, c) = (self.m, &self.m.counts);
        let ja = self.ja();
        // First: the files do not match the manifest; then framing damage (truncation,
        // trailer count, missing trailer, …), whatever else there is.
        let failed: Vec<String> = self
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("<code>{}</code>", esc(&c.what)))
            .collect();
        if !failed.is_empty() {
            items.push((
                Level::High,
                if ja {
                    format!("実行フォルダのファイルが manifest.json と一致しません（{}）。この結果は使わず、実行をやり直してください。", failed.join("、"))
                } else {
                    format!("The run's files do not match manifest.json ({}). Do not use this run; run it again.", failed.join(", "))
                },
            ));
        }
        for (k, n) in framing(m) {
            let damage = FRAMING_DAMAGE.contains(&k.as_str());
            let mut item = if ja {
                format!(
                    "ファイルの区切りの問題：{}<span class=\"id\">{}</span>（{}回）。{}",
                    esc(&self.kind_plain(&k)),
                    esc(&k),
                    num(n),
                    if damage {
                        "入力ファイルが途中で切れているか、件数が合いません。完全な入力ファイルを受け取り直してください。"
                    } else {
                        "入力ファイルとレイアウトが合っているか確認してください。"
                    }
                )
            } else {
                format!(
                    "Framing problem: {}<span class=\"id\">{}</span> ({} times). {}",
                    esc(&self.kind_plain(&k)),
                    esc(&k),
                    num(n),
                    if damage {
                        "The input is cut short or its counts disagree: get the complete input again."
                    } else {
                        "Check that the input and the layout fit."
                    }
                )
            };
            item.push_str(&self.problem_list(&k));
            items.push((Level::High, item));
        }
        // Problems of the run as a whole that are no framing count (an empty input, nothing
        // converted), as the run recorded them.
        let mut other: Vec<&str> = m
            .problems
            .iter()
            .map(|p| p.kind.as_str())
            .filter(|k| !framing(m).iter().any(|(f, _)| f == k))
            .collect();
        other.dedup();
        for k in other {
            let mut item = if ja {
                format!(
                    "実行全体の問題：{}<span class=\"id\">{}</span>。",
                    esc(&self.kind_plain(k)),
                    esc(k)
                )
            } else {
                format!(
                    "Problem of the run: {}<span class=\"id\">{}</span>.",
                    esc(&self.kind_plain(k)),
                    esc(k)
                )
            };
            item.push_str(&self.problem_list(k));
            items.push((Level::High, item));
        }
        // Nothing or most of the input rejected: not bad data but the wrong encoding, newline
        // or layout for this input, most likely.
        let mass = self.verdict.reasons.iter().any(|r| {
            matches!(
                r,
                VerdictReason::NothingMigrated | VerdictReason::RejectRate { .. }
            )
        });
        if mass {
            items.push((
                Level::High,
                if ja {
                    format!(
                        "移行したレコードが{}、除外が{}（入力の{}）です。データの誤りではなく、入力ファイルの文字コード・改行・レイアウトがプロファイルと合っていない可能性があります。ikou detect で入力ファイルを確かめ、プロファイルを見直してください。",
                        self.n_records(c.output_records),
                        self.n_records(c.rejected_records),
                        pct(c.rejected_records, c.input_records)
                    )
                } else {
                    format!(
                        "{} migrated, {} rejected ({} of the input): most likely not bad data but an input whose encoding, newlines or layout do not fit the profile. Check the input with ikou detect and review the profile.",
                        self.n_records(c.output_records),
                        self.n_records(c.rejected_records),
                        pct(c.rejected_records, c.input_records)
                    )
                },
            ));
        }
        if c.input_records != c.output_records + c.rejected_records || !m.accounting_ok {
            items.push((
                Level::High,
                self.tr(
                    "件数が合っていません。この結果は使わず、開発元に連絡してください。",
                    "The counts do not add up. Do not use this run; contact the vendor.",
                )
                .into(),
            ));
        }
        if c.rejected_records > 0 {
            let mut top: Vec<(&String, &u64)> = c.rejects_by_reason.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let list: Vec<String> = top
                .iter()
                .take(3)
                .map(|(k, _)| format!("{} {}", esc(&self.kind_plain(k)), self.count_of(&[k])))
                .collect();
            items.push((
                Level::High,
                match (ja, mass) {
                    (true, false) => format!(
                        "除外した{}（入力の{}）を rejects.csv で確認し、元データを直してから再実行してください。多い理由：{}。",
                        self.n_records(c.rejected_records),
                        pct(c.rejected_records, c.input_records),
                        list.join("、")
                    ),
                    (true, true) => format!(
                        "除外した{}（入力の{}）の理由を rejects.csv で確認してください。多い理由：{}。",
                        self.n_records(c.rejected_records),
                        pct(c.rejected_records, c.input_records),
                        list.join("、")
                    ),
                    (false, false) => format!(
                        "Review the {} rejected ({} of the input) in rejects.csv, correct the source data and run again. Most frequent: {}.",
                        self.n_records(c.rejected_records),
                        pct(c.rejected_records, c.input_records),
                        list.join("; ")
                    ),
                    (false, true) => format!(
                        "See why the {} rejected ({} of the input) were rejected in rejects.csv. Most frequent: {}.",
                        self.n_records(c.rejected_records),
                        pct(c.rejected_records, c.input_records),
                        list.join("; ")
                    ),
                },
            ));
        }
        // 外字: distinct codes from the inventory when there is one.
        if c.gaiji_unmapped > 0 {
            let codes: Vec<String> = self
                .i
                .gaiji
                .as_ref()
                .map(|g| {
                    g.rows
                        .iter()
                        .filter(|r| r.replacement.is_empty())
                        .map(|r| esc(&r.code))
                        .collect()
                })
                .unwrap_or_default();
            let shown: Vec<String> = codes.iter().take(10).cloned().collect();
            let list = if codes.is_empty() {
                String::new()
            } else if codes.len() > shown.len() {
                format!("（{} …）", shown.join(", "))
            } else {
                format!("（{}）", shown.join(", "))
            };
            items.push((
                Level::High,
                if ja {
                    if codes.is_empty() {
                        format!("外字対応表にない外字が{}か所あります{}。文字同定を行い、外字対応表に追加してください。", num(c.gaiji_unmapped), list)
                    } else {
                        format!("外字対応表にない外字が{}種類（{}か所）あります{}。文字同定を行い、外字対応表に追加してください。", num(codes.len() as u64), num(c.gaiji_unmapped), list)
                    }
                } else {
                    format!(
                        "{} occurrences of 外字 are not in the 外字 table{}. Identify them (文字同定) and add them to the table.",
                        num(c.gaiji_unmapped),
                        list.replace('（', " (").replace('）', ")")
                    )
                },
            ));
        }
        // Occurrences (changes.csv has one `gaiji.map` row per record, item and code).
        let mapped = c
            .gaiji_by_code
            .values()
            .sum::<u64>()
            .saturating_sub(c.gaiji_unmapped);
        if mapped > 0 {
            items.push((
                Level::Mid,
                if ja {
                    format!("外字対応表で置き換えた外字{}か所が、正しい字形になっているか確認してください（下の「外字の一覧」）。", num(mapped))
                } else {
                    format!("Check that the {} 外字 replaced through the table got the right character (see the 外字 inventory).", num(mapped))
                },
            ));
        }
        let reason = |k: &str| c.rejects_by_reason.get(k).copied().unwrap_or(0);
        let code_n = reason(ReasonKind::MapUnmappedCode.id());
        if code_n > 0 {
            let mut names: Vec<String> = Vec::new();
            if let Some(r) = &self.i.rejects {
                for (item, _) in r.codes.keys() {
                    let n = esc(&self.item_plain(item));
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
            }
            let list = if names.is_empty() {
                String::new()
            } else if ja {
                format!("（{}）", names.join("、"))
            } else {
                format!(" ({})", names.join(", "))
            };
            items.push((
                Level::Mid,
                if ja {
                    format!("コード表にないコード値があります：{}{}。コード表に追加するか、元データを確認してください（下の「コード表にないコード値」）。", self.count_of(&[ReasonKind::MapUnmappedCode.id()]), list)
                } else {
                    format!("Code values not in their code table: {}{}. Add them to the table or check the source (see below).", self.count_of(&[ReasonKind::MapUnmappedCode.id()]), list)
                },
            ));
        }
        let date_kinds: Vec<&str> = c
            .rejects_by_reason
            .keys()
            .filter(|k| k.starts_with("date."))
            .map(String::as_str)
            .collect();
        if !date_kinds.is_empty() {
            items.push((
                Level::Mid,
                if ja {
                    format!("正しくない日付があり、そのレコードを除外しました：{}。原本で正しい日付を確認してください（下の「日付の問題」）。", self.count_of(&date_kinds))
                } else {
                    format!("Dates that are not valid, their records rejected: {}. Check the right dates in the source (see Date problems).", self.count_of(&date_kinds))
                },
            ));
        }
        let partial = c
            .findings_by_kind
            .get(ReasonKind::Finding(FindingKind::DatePartial).id())
            .copied()
            .unwrap_or(0);
        if partial > 0 {
            items.push((
                Level::Info,
                if ja {
                    format!("日または月が不明な日付が{}か所あります。分かる範囲（年月、または年）で移行しました。原本で分かるものは補ってください。", num(partial))
                } else {
                    format!("{} dates (occurrences) have an unknown day or month; they were kept as far as known (year-month or year). Complete them from the source where possible.", num(partial))
                },
            ));
        }
        let cd = reason(ReasonKind::Finding(FindingKind::CheckDigitMismatch).id());
        if cd > 0 {
            items.push((
                Level::Mid,
                if ja {
                    format!("チェックデジットが合わない番号（個人番号など）があります：{}。ツールは番号を直しません。原本で番号を確認してください。", self.count_of(&[ReasonKind::Finding(FindingKind::CheckDigitMismatch).id()]))
                } else {
                    format!("Numbers (個人番号 etc.) that fail their check digit: {}. ikou never corrects them: check the numbers in the source.", self.count_of(&[ReasonKind::Finding(FindingKind::CheckDigitMismatch).id()]))
                },
            ));
        }
        let dup = reason(ReasonKind::CheckDuplicate.id());
        if dup > 0 {
            items.push((
                Level::Mid,
                if ja {
                    format!("同じ番号（住民票コードなど）を持つレコードがあります：{}。同じ人の重複か、番号の誤りかを確認してください。", self.count_of(&[ReasonKind::CheckDuplicate.id()]))
                } else {
                    format!("Records that share a key that must be unique (住民票コード etc.): {}. A duplicate person or a wrong number?", self.count_of(&[ReasonKind::CheckDuplicate.id()]))
                },
            ));
        }
        let heads = reason(ReasonKind::CheckHouseholdNoHead.id())
            + reason(ReasonKind::CheckHouseholdHeads.id());
        if heads > 0 {
            items.push((
                Level::Mid,
                if ja {
                    format!("世帯主がいない、または複数いる世帯のレコードがあります：{}。世帯と続柄を確認してください。", self.count_of(&[ReasonKind::CheckHouseholdNoHead.id(), ReasonKind::CheckHouseholdHeads.id()]))
                } else {
                    format!("Records of households with no head or several heads: {}. Check households and 続柄.", self.count_of(&[ReasonKind::CheckHouseholdNoHead.id(), ReasonKind::CheckHouseholdHeads.id()]))
                },
            ));
        }
        let req = reason(ReasonKind::TargetRequired.id());
        if req > 0 {
            items.push((
                Level::Mid,
                if ja {
                    format!(
                        "必須の項目が空のレコードがあります：{}。原本で値を確認してください。",
                        self.count_of(&[ReasonKind::TargetRequired.id()])
                    )
                } else {
                    format!(
                        "Records with a required item empty: {}. Find the values in the source.",
                        self.count_of(&[ReasonKind::TargetRequired.id()])
                    )
                },
            ));
        }
        // Half-width readings made full-width: candidates for the standard's 確認フラグ.
        if let (Some(layout), Some(ch)) = (self.o.source_layout, &self.i.changes) {
            let n: u64 = ch
                .by_rule_item
                .get("width.fullwidth")
                .map(|items| {
                    items
                        .iter()
                        .filter(|(k, _)| {
                            layout.item(k).is_some_and(|i| i.domain == DomainType::Kana)
                        })
                        .map(|(_, n)| n)
                        .sum()
                })
                .unwrap_or(0);
            if n > 0 {
                items.push((
                    Level::Info,
                    if ja {
                        format!("フリガナ{}か所を半角から全角に変換しました。標準仕様の「フリガナ確認フラグ」をどう設定するか決めてください。", num(n))
                    } else {
                        format!("{} readings (フリガナ, occurrences) were converted from half-width to full-width: decide how to set the standard's フリガナ確認フラグ.", num(n))
                    },
                ));
            }
        }
        let uncovered: Vec<String> = m
            .conditional_items
            .iter()
            .filter(|c| c.expression.is_none())
            .map(|c| esc(&c.name))
            .collect();
        if !uncovered.is_empty() {
            items.push((
                Level::Mid,
                if ja {
                    format!("条件付き必須の項目 {} 件は、プロファイルの条件で確認していません（{}）。「条件付き必須の項目」を見て、必要な値が空でないか確認してください。", uncovered.len(), uncovered.join("、"))
                } else {
                    format!("{} conditionally required items are not checked by a profile condition ({}): see “Conditionally required items” and check that no record lacks a value it needs.", uncovered.len(), uncovered.join(", "))
                },
            ));
        }
        if self.i.changes.is_none() && c.changes_by_rule.values().sum::<u64>() > 0 {
            items.push((
                Level::Info,
                self.tr(
                    "修正の明細（changes.csv）を作成していないため、修正の例を表示できません。例を見るには --outputs changes を付けて再実行してください。",
                    "The run wrote no list of changes (changes.csv), so no samples are shown. Run again with --outputs changes to see them.",
                )
                .into(),
            ));
        }
        if self.i.gaiji.is_none() && !c.gaiji_by_code.is_empty() {
            items.push((
                Level::Info,
                self.tr(
                    "外字の一覧（gaiji.csv）を作成していないため、外字の置き換え状況はコードごとの件数だけを示します。--outputs gaiji で作成できます。",
                    "The run wrote no 外字 inventory (gaiji.csv): only counts per code are shown. --outputs gaiji writes it.",
                )
                .into(),
            ));
        }
        if items.is_empty() {
            items.push((Level::Info, esc(self.t.nothing_to_check)));
        } else if self.i.changes.is_some() && c.changes_by_rule.values().sum::<u64>() > 0 {
            items.push((
                Level::Info,
                self.tr(
                    "下の「修正の例」からいくつか選び、元のシステムの画面や帳票と照らし合わせてください。",
                    "Pick a few of the sample changes below and compare them with the old system's screens or printouts.",
                )
                .into(),
            ));
        }
        items.sort_by_key(|(l, _)| *l);
        let _ = writeln!(
            self.s,
            "<section id=\"next\">\n<h2>{}</h2>\n<ol class=\"next\">",
            esc(self.t.next_title)
        );
        for (level, text) in items {
            let (class, label) = match level {
                Level::High => ("high", self.tr("重要", "important")),
                Level::Mid => ("mid", self.tr("確認", "check")),
                Level::Info => ("info", self.tr("参考", "note")),
            };
            let _ = writeln!(
                self.s,
                "<li><span class=\"tag {class}\">{label}</span>{text}</li>"
            );
        }
        self.s.push_str("</ol>\n</section>\n");
    }

    fn check_row(&mut self, what: &str, expected: u64, found: Option<u64>, key: &str) {
        let t = self.t;
        let (class, res) = match found {
            Some(f) if f == expected => ("ok", t.match_ok),
            Some(_) => ("ng", t.match_ng),
            None => ("na", t.not_checked),
        };
        let _ = writeln!(
            self.s,
            "<tr data-check=\"{key}\"><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{class}\">{}</td></tr>",
            what,
            num(expected),
            found.map_or_else(|| "―".into(), num),
            esc(res)
        );
    }

    fn accounting(&mut self) {
        let t = self.t;
        let c = &self.m.counts;
        let _ = writeln!(
            self.s,
            "<section id=\"accounting\">\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr>",
            esc(t.checks_title),
            esc(t.check),
            esc(t.expected),
            esc(t.found),
            esc(t.result)
        );
        let sum = c.output_records + c.rejected_records;
        let eq = if self.ja() {
            format!(
                "入力の件数 ＝ 移行 {}件 ＋ 除外 {}件",
                num(c.output_records),
                num(c.rejected_records)
            )
        } else {
            format!(
                "input = migrated {} + rejected {}",
                num(c.output_records),
                num(c.rejected_records)
            )
        };
        self.check_row(&esc(&eq), c.input_records, Some(sum), "balance");
        // Header and trailer records are counted apart from the data: every physical
        // record of the inputs is accounted for.
        if c.header_records + c.trailer_records > 0 || c.physical_records != c.input_records {
            let eq = if self.ja() {
                format!(
                    "物理レコード ＝ ヘッダー {}件 ＋ トレーラー {}件 ＋ データ {}件",
                    num(c.header_records),
                    num(c.trailer_records),
                    num(c.input_records)
                )
            } else {
                format!(
                    "physical records = header {} + trailer {} + data {}",
                    num(c.header_records),
                    num(c.trailer_records),
                    num(c.input_records)
                )
            };
            self.check_row(
                &esc(&eq),
                c.physical_records,
                Some(c.header_records + c.trailer_records + c.input_records),
                "physical",
            );
        }
        let from_inputs: u64 = self.m.inputs.iter().map(|i| i.records).sum();
        let what = self.tr(
            "入力ファイルごとの件数の合計",
            "records per input file, summed",
        );
        self.check_row(what, c.input_records, Some(from_inputs), "inputs");
        // A run of several sources (issue #13): each source's records are its converted and
        // rejected ones, and rejects.csv holds as many of its rows as `ikou verify` counts.
        for src in &self.m.sources {
            let what = if self.ja() {
                format!(
                    "ソース {}（{}）の入力件数 = 移行 {} + 除外 {}",
                    esc(&src.name),
                    esc(&src.layout.id),
                    num(src.output_records),
                    num(src.rejected_records)
                )
            } else {
                format!(
                    "source {} ({}): input = {} converted + {} rejected",
                    esc(&src.name),
                    esc(&src.layout.id),
                    num(src.output_records),
                    num(src.rejected_records)
                )
            };
            self.check_row(
                &what,
                src.input_records,
                Some(src.output_records + src.rejected_records),
                "source",
            );
            let check = format!("rejected_records of source {}", src.name);
            let rows = self.checks.iter().find(|k| k.what == check).and_then(|k| {
                k.detail
                    .rsplit_once("file ")
                    .and_then(|(_, n)| n.parse().ok())
            });
            let what = if self.ja() {
                format!("rejects.csv の行数（ソース {}）", esc(&src.name))
            } else {
                format!("rows of rejects.csv (source {})", esc(&src.name))
            };
            self.check_row(&what, src.rejected_records, rows, "source_rejects");
        }
        let what = self.tr(
            "rejects.csv の行数（除外の件数）",
            "rows of rejects.csv (rejected records)",
        );
        let rows = self.i.rejects.as_ref().map(|r| r.rows);
        self.check_row(what, c.rejected_records, rows, "rejects_rows");
        // The checks `ikou verify` makes, made again for this page.
        for g in &self.m.groups {
            // A multi-group run: each group's file and its rows (issue #13).
            let check = format!("rows {}", g.file);
            let rows = self.checks.iter().find(|k| k.what == check).and_then(|k| {
                k.detail
                    .rsplit_once("file ")
                    .and_then(|(_, n)| n.parse().ok())
            });
            let what = if self.ja() {
                format!("{} の行数（グループ {}）", esc(&g.file), esc(&g.name))
            } else {
                format!("{} rows (group {})", esc(&g.file), esc(&g.name))
            };
            self.check_row(&what, g.rows, rows, "group_rows");
        }
        let data_rows = self
            .checks
            .iter()
            .find(|k| k.what == "output_records")
            .and_then(|k| {
                k.detail
                    .rsplit_once("file ")
                    .and_then(|(_, n)| n.parse().ok())
            });
        let what = format!(
            "{} {}",
            esc(&self.m.data_file),
            self.tr("の行数（移行の件数）", "rows (migrated records)")
        );
        if self.m.groups.is_empty() {
            self.check_row(&what, c.output_records, data_rows, "data_rows");
        }
        let hashes: Vec<&Check> = self
            .shown_checks()
            .filter(|k| k.what.starts_with("sha256 ") || k.what.starts_with("listed "))
            .collect();
        let bad = hashes.iter().filter(|k| !k.ok).count() as u64;
        let files = hashes
            .iter()
            .filter(|k| k.what.starts_with("sha256 "))
            .count() as u64;
        let what = if self.ja() {
            format!(
                "SHA-256 と大きさが manifest.json と一致するファイル（{}個）",
                num(files)
            )
        } else {
            format!(
                "files whose SHA-256 and size match manifest.json ({})",
                num(files)
            )
        };
        self.check_row(
            &esc(&what),
            hashes.len() as u64,
            Some(hashes.len() as u64 - bad),
            "hashes",
        );
        let total_changes: u64 = c.changes_by_rule.values().sum();
        let changes_rows = self.i.changes.as_ref().map(|ch| ch.rows);
        let what = match self.i.changes.as_ref() {
            Some(ch) => format!(
                "{} {}",
                esc(&ch.file),
                self.tr("の行数（修正の件数）", "rows (changes)")
            ),
            None => self
                .tr(
                    "修正の明細の行数（changes.csv なし）",
                    "rows of the change list (no changes.csv)",
                )
                .into(),
        };
        self.check_row(&what, total_changes, changes_rows, "changes_rows");
        if let Some(g) = &self.i.gaiji {
            let found: u64 = g.total;
            let expected: u64 = c.gaiji_by_code.values().sum();
            let what = self.tr(
                "gaiji.csv の外字の件数の合計",
                "外字 occurrences in gaiji.csv",
            );
            self.check_row(what, expected, Some(found), "gaiji");
        }
        self.s.push_str("</table>\n");
        let _ = writeln!(
            self.s,
            "<p class=\"msg\">{}</p>\n</section>",
            self.tr(
                "このページは作るときに ikou verify と同じ確認（ファイルの SHA-256 と大きさ、標準データと rejects.csv の行数、件数の計算）をしています。あとで確認するには ikou verify を使います。",
                "This page was made after the same checks as ikou verify (every file's SHA-256 and size, the rows of the standard CSV and rejects.csv, the accounting). ikou verify checks them again later."
            )
        );
    }

    /// A bar chart as a table: label, count, bar. Rows sorted by count, capped.
    fn chart(&mut self, head: &str, rows: Vec<(String, u64, String)>, class: &str, data: &str) {
        let t = self.t;
        let mut rows = rows;
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
        let max = rows.first().map_or(0, |r| r.1);
        let _ = writeln!(
            self.s,
            "<table class=\"chart\">\n<tr><th>{}</th><th class=\"n\">{}</th><th></th></tr>",
            esc(head),
            esc(t.count)
        );
        for (label, n, id) in rows.iter().take(MAX_ROWS) {
            let _ = writeln!(
                self.s,
                "<tr><td>{label}</td><td class=\"n\" data-{data}=\"{}\">{}</td><td class=\"b\">{}</td></tr>",
                esc(id),
                num(*n),
                bar(*n, max, class)
            );
        }
        self.s.push_str("</table>\n");
        if rows.len() > MAX_ROWS {
            let m = self.more(rows.len() - MAX_ROWS);
            self.s.push_str(&m);
        }
    }

    fn changes(&mut self) {
        let t = self.t;
        let c = &self.m.counts;
        let _ = writeln!(
            self.s,
            "<section id=\"changes\">\n<h2>{}</h2>\n<p>{}</p>",
            esc(t.changes_title),
            esc(t.changes_intro)
        );
        if c.changes_by_rule.is_empty() {
            let _ = writeln!(
                self.s,
                "<p>{}</p>",
                self.tr("修正はありません。", "No value was changed.")
            );
        } else {
            let _ = writeln!(self.s, "<h3>{}</h3>", esc(t.by_rule));
            let rows = c
                .changes_by_rule
                .iter()
                .map(|(k, n)| (self.rule(k), *n, k.clone()))
                .collect();
            self.chart(t.rule, rows, "", "rule");
            let _ = writeln!(self.s, "<h3>{}</h3>", esc(t.by_item));
            let rows = c
                .changes_by_item
                .iter()
                .map(|(k, n)| (self.item(k), *n, k.clone()))
                .collect();
            self.chart(t.item, rows, "item", "item");
        }
        if c.padding_stripped > 0 {
            let _ = writeln!(
                self.s,
                "<p class=\"msg\">{}: {}</p>",
                esc(t.padding_note),
                num(c.padding_stripped)
            );
        }
        self.s.push_str("</section>\n");
    }

    fn legend(&self) -> String {
        let e = self.t.empty;
        format!(
            "<p class=\"msg\">{} {} {}　{} {}　{} {}　{} {}</p>",
            esc(self.t.legend),
            value(" ", e),
            self.tr("半角の空白", "half-width space"),
            value("\u{3000}", e),
            self.tr("全角の空白", "full-width space (U+3000)"),
            value("\u{E000}", e),
            self.tr("外字（私用領域の文字）", "外字 (private-use character)"),
            value("", e),
            self.tr("値なし", "no value"),
        )
    }

    fn samples(&mut self) {
        let t = self.t;
        let _ = writeln!(
            self.s,
            "<section id=\"samples\">\n<h2>{}</h2>",
            esc(t.samples_title)
        );
        let Some(ch) = &self.i.changes else {
            let _ = writeln!(self.s, "<p>{}</p>\n</section>", esc(t.no_samples));
            return;
        };
        let intro = if self.o.show_values {
            t.samples_intro_values
        } else {
            t.samples_intro_masked
        };
        let legend = self.legend();
        let _ = writeln!(self.s, "<p>{}</p>\n{}", esc(intro), legend);
        let mut rules: Vec<(&String, u64)> = ch
            .by_rule_item
            .iter()
            .map(|(r, items)| (r, items.values().sum()))
            .collect();
        rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if rules.is_empty() {
            let _ = writeln!(
                self.s,
                "<p>{}</p>",
                self.tr("修正はありません。", "No value was changed.")
            );
        }
        for (rule, n) in rules {
            let mut per_item: Vec<(&String, &u64)> = ch
                .by_rule_item
                .get(rule)
                .map(|m| m.iter().collect())
                .unwrap_or_default();
            per_item.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let items: Vec<String> = per_item
                .iter()
                .take(8)
                .map(|(k, n)| format!("{} {}", self.item(k), num(**n)))
                .collect();
            let _ = writeln!(
                self.s,
                "<h3>{} — {}</h3>\n<p class=\"msg\">{}: {}{}</p>\n<table class=\"samples\">\n<tr><th class=\"n\">{}</th><th>{}</th><th>{}</th><th class=\"arrow\"></th><th>{}</th></tr>",
                self.rule(rule),
                if self.ja() {
                    format!("{}か所", num(n))
                } else {
                    format!("{} occurrences", num(n))
                },
                esc(t.items),
                items.join(self.tr("、", ", ")),
                if per_item.len() > 8 { " …" } else { "" },
                esc(t.record),
                esc(t.item),
                esc(t.before),
                esc(t.after)
            );
            for s in ch.samples(rule) {
                let (before, after) = (value(&s.before, t.empty), value(&s.after, t.empty));
                let _ = writeln!(
                    self.s,
                    "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"val\">{}</td><td class=\"arrow\">→</td><td class=\"val\">{}</td></tr>",
                    s.record,
                    self.item(&s.item),
                    before,
                    after
                );
            }
            self.s.push_str("</table>\n");
        }
        if ch.not_counted > 0 {
            let m = self.not_counted(ch.not_counted);
            self.s.push_str(&m);
        }
        self.s.push_str("</section>\n");
    }

    /// A note on rows beyond the tables' cap of distinct keys.
    fn not_counted(&self, n: u64) -> String {
        format!(
            "<p class=\"more\">{}</p>",
            esc(&if self.ja() {
                format!(
                    "種類が多すぎるため（上限{}）、{}か所を表に含めていません。",
                    crate::summary::MAX_KEYS,
                    num(n)
                )
            } else {
                format!(
                    "{} occurrences are not in the tables (more than {} kinds).",
                    num(n),
                    crate::summary::MAX_KEYS
                )
            })
        )
    }

    fn records_list(&self, first: &[u64], total: u64) -> String {
        let list: Vec<String> = first.iter().map(u64::to_string).collect();
        let rest = total.saturating_sub(first.len() as u64);
        if rest > 0 {
            format!(
                "<span class=\"recs\">{}</span> <span class=\"more\">{}</span>",
                list.join(" "),
                esc(&self.t.more_not_shown.replace("{n}", &num(rest)))
            )
        } else {
            format!("<span class=\"recs\">{}</span>", list.join(" "))
        }
    }

    fn rejects(&mut self) {
        let t = self.t;
        let c = &self.m.counts;
        let _ = writeln!(
            self.s,
            "<section id=\"rejects\">\n<h2>{}</h2>",
            esc(t.rejects_title)
        );
        if c.rejected_records == 0 && c.rejects_by_reason.is_empty() {
            let _ = writeln!(self.s, "<p>{}</p>\n</section>", esc(t.no_rejects));
            return;
        }
        let _ = writeln!(self.s, "<p>{}</p>", esc(t.rejects_intro));
        let rows = c
            .rejects_by_reason
            .iter()
            .map(|(k, n)| (self.kind(k), *n, k.clone()))
            .collect();
        self.chart(t.reason, rows, "rej", "reason");
        let _ = writeln!(
            self.s,
            "<p class=\"msg\">{}</p>",
            self.tr(
                "上の件数は理由の数（か所）です。1件のレコードに複数の理由があることがあります。理由ごとのレコード数は下の表です。",
                "The counts above are reasons (occurrences): a record can have several. Records per reason are in the table below."
            )
        );
        let Some(r) = &self.i.rejects else {
            return self.s.push_str("</section>\n");
        };
        let _ = writeln!(
            self.s,
            "<table class=\"reasons\">\n<tr><th>{}</th><th class=\"n\">{}</th><th>{}</th><th>{}</th></tr>",
            esc(t.reason),
            esc(t.records_affected),
            esc(t.items),
            esc(t.record_numbers)
        );
        let mut kinds: Vec<(&String, &collect::KindInfo)> = r.by_kind.iter().collect();
        kinds.sort_by(|a, b| b.1.records.cmp(&a.1.records).then(a.0.cmp(b.0)));
        for (kind, info) in kinds {
            let mut items: Vec<(&String, &u64)> = info.items.iter().collect();
            items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let items: Vec<String> = items
                .iter()
                .take(8)
                .map(|(k, n)| format!("{} {}", self.item(k), num(**n)))
                .collect();
            let msgs: Vec<String> = info.messages.keys().map(|m| esc(m)).collect();
            let _ = writeln!(
                self.s,
                "<tr data-kind=\"{}\"><td>{}<div class=\"msg\">{}</div></td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(kind),
                self.kind(kind),
                msgs.join("<br>"),
                num(info.records),
                items.join("<br>"),
                self.records_list(&info.first, info.records)
            );
        }
        self.s.push_str("</table>\n");
        if r.not_counted > 0 {
            let m = self.not_counted(r.not_counted);
            self.s.push_str(&m);
        }
        let _ = writeln!(
            self.s,
            "<p class=\"msg\">{}</p>\n</section>",
            self.tr(
                "レコード番号は、入力の先頭から数えた通し番号です（rejects.csv の record 列）。理由の下の小さな文字は、ツールが記録した説明（英語）で、値は含みません。",
                "Record numbers count from the start of the input (the record column of rejects.csv). The small print under each reason is the tool's own message; it holds no values."
            )
        );
    }

    fn dates(&mut self) {
        let t = self.t;
        let c = &self.m.counts;
        let _ = writeln!(
            self.s,
            "<section id=\"dates\">\n<h2>{}</h2>",
            esc(t.dates_title)
        );
        let mut kinds: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (k, n) in &c.rejects_by_reason {
            if k.starts_with("date.") {
                kinds.entry(k).or_default().0 += n;
            }
        }
        for (k, n) in &c.findings_by_kind {
            if k.starts_with("date.") {
                kinds.entry(k).or_default().1 += n;
            }
        }
        if kinds.is_empty() {
            let _ = writeln!(self.s, "<p>{}</p>\n</section>", esc(t.no_dates));
            return;
        }
        let _ = writeln!(
            self.s,
            "<p>{}</p>\n<table>\n<tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th><th>{}</th></tr>",
            esc(t.dates_intro),
            esc(t.reason),
            esc(t.rejected_col),
            esc(t.kept_col),
            esc(t.items),
            esc(t.record_numbers)
        );
        let mut rows: Vec<(&str, (u64, u64))> = kinds.into_iter().collect();
        rows.sort_by(|a, b| (b.1 .0 + b.1 .1).cmp(&(a.1 .0 + a.1 .1)).then(a.0.cmp(b.0)));
        for (k, (rej, kept)) in rows {
            let info = self.i.rejects.as_ref().and_then(|r| r.by_kind.get(k));
            let items: Vec<String> = info
                .map(|i| {
                    let mut v: Vec<(&String, &u64)> = i.items.iter().collect();
                    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                    v.iter()
                        .map(|(k, n)| format!("{} {}", self.item(k), num(**n)))
                        .collect()
                })
                .unwrap_or_default();
            let recs = info.map_or_else(String::new, |i| self.records_list(&i.first, i.records));
            let _ = writeln!(
                self.s,
                "<tr data-date=\"{}\"><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(k),
                self.kind(k),
                num(rej),
                num(kept),
                items.join("<br>"),
                recs
            );
        }
        let _ = writeln!(
            self.s,
            "</table>\n<p class=\"msg\">{}</p>\n</section>",
            self.tr(
                "「注意」の件数は除外の理由にならない指摘で、ほかの理由で除外したレコードの分も含みます。",
                "Flagged counts are findings that do not reject a record; they include records rejected for other reasons."
            )
        );
    }

    fn codes(&mut self) {
        let t = self.t;
        let n = self
            .m
            .counts
            .rejects_by_reason
            .get(ReasonKind::MapUnmappedCode.id())
            .copied()
            .unwrap_or(0);
        let _ = writeln!(
            self.s,
            "<section id=\"codes\">\n<h2>{}</h2>",
            esc(t.codes_title)
        );
        let Some(r) = self.i.rejects.as_ref().filter(|_| n > 0) else {
            let _ = writeln!(self.s, "<p>{}</p>\n</section>", esc(t.no_codes));
            return;
        };
        let _ = writeln!(self.s, "<p>{}</p>", esc(t.codes_intro));
        if self.o.source_layout.is_none() {
            let _ = writeln!(self.s, "<p class=\"msg\">{}</p>", esc(t.codes_no_layout));
        }
        let _ = writeln!(
            self.s,
            "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr>",
            esc(t.item),
            esc(t.code_table),
            esc(t.code_value),
            esc(t.records_affected),
            esc(t.record_numbers)
        );
        for ((item, table), cv) in &r.codes {
            let mut values: Vec<(&String, &(u64, Vec<u64>))> = cv.values.iter().collect();
            values.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
            let rows = values.len() + usize::from(cv.unreadable > 0);
            let mut first = true;
            let head = format!(
                "<td rowspan=\"{}\">{}</td><td rowspan=\"{}\"><code>{}</code></td>",
                rows.max(1),
                self.item(item),
                rows.max(1),
                esc(table)
            );
            for (v, (count, recs)) in values {
                let _ = writeln!(
                    self.s,
                    "<tr>{}<td class=\"val\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    if first { head.as_str() } else { "" },
                    value(v, t.empty),
                    num(*count),
                    self.records_list(recs, *count)
                );
                first = false;
            }
            if cv.unreadable > 0 {
                let _ = writeln!(
                    self.s,
                    "<tr>{}<td class=\"na\">{}</td><td class=\"n\">{}</td><td></td></tr>",
                    if first { head.as_str() } else { "" },
                    self.tr("（読み取れない値）", "(value not readable)"),
                    num(cv.unreadable)
                );
            }
        }
        self.s.push_str("</table>\n");
        let more: u64 = r.codes.values().map(|c| c.more).sum();
        if more > 0 {
            let m = self.more_u64(more);
            self.s.push_str(&m);
        }
        let _ = writeln!(
            self.s,
            "<p class=\"msg\">{}</p>\n</section>",
            if self.o.show_values {
                self.tr(
                    "コード値を伏せ字にせずに表示しています（--show-values）。",
                    "Code values are shown unmasked (--show-values).",
                )
            } else {
                self.tr(
                    "コード値も伏せ字にしています（レイアウトが合わないと、コードの位置に個人番号や住所が入ることがあるためです）。値を見るには --show-values を付けてください。",
                    "Code values are masked too (with a layout that does not fit, a code's bytes can be digits of a 個人番号 or an address). --show-values shows them."
                )
            }
        );
    }

    fn gaiji(&mut self) {
        let t = self.t;
        let c = &self.m.counts;
        let _ = writeln!(
            self.s,
            "<section id=\"gaiji\">\n<h2>{}</h2>",
            esc(t.gaiji_title)
        );
        if c.gaiji_by_code.is_empty() && self.i.gaiji.as_ref().is_none_or(|g| g.rows.is_empty()) {
            let _ = writeln!(self.s, "<p>{}</p>\n</section>", esc(t.no_gaiji));
            return;
        }
        let _ = writeln!(self.s, "<p>{}</p>", esc(t.gaiji_intro));
        match &self.i.gaiji {
            Some(g) => {
                let mut rows: Vec<&GaijiRow> = g.rows.iter().collect();
                rows.sort_by(|a, b| {
                    (!a.replacement.is_empty())
                        .cmp(&!b.replacement.is_empty())
                        .then(b.count.cmp(&a.count))
                        .then(a.code.cmp(&b.code))
                });
                let _ = writeln!(
                    self.s,
                    "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                    esc(t.gaiji_code),
                    esc(t.gaiji_pua),
                    esc(t.gaiji_replacement),
                    esc(t.gaiji_mj),
                    esc(t.count),
                    esc(t.items),
                    esc(t.gaiji_first),
                    esc(t.gaiji_status)
                );
                for g in rows.iter().take(MAX_GAIJI_ROWS) {
                    let items: Vec<String> = g
                        .items
                        .iter()
                        .map(|(k, n)| format!("{} {}", self.item(k), num(*n)))
                        .collect();
                    let (class, status) = if g.replacement.is_empty() {
                        ("ng", t.gaiji_unmapped)
                    } else {
                        ("ok", t.gaiji_mapped)
                    };
                    let _ = writeln!(
                        self.s,
                        "<tr data-gaiji=\"{}\"><td><code>{}</code></td><td><code>{}</code></td><td class=\"val\">{}</td><td class=\"mono\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"recs\">{}</td><td class=\"{class}\">{}</td></tr>",
                        esc(&g.code),
                        esc(&g.code),
                        esc(&g.pua),
                        if g.replacement.is_empty() { "―".into() } else { value(&g.replacement, t.empty) },
                        if g.mj.is_empty() { "―".into() } else { esc(&g.mj) },
                        num(g.count),
                        items.join("<br>"),
                        esc(&g.first_records),
                        esc(status)
                    );
                }
                self.s.push_str("</table>\n");
                let hidden = rows.len().saturating_sub(MAX_GAIJI_ROWS) as u64 + g.dropped;
                if hidden > 0 {
                    let m = self.more_u64(hidden);
                    self.s.push_str(&m);
                }
            }
            None => {
                let rows = c
                    .gaiji_by_code
                    .iter()
                    .map(|(k, n)| (format!("<code>{}</code>", esc(k)), *n, k.clone()))
                    .collect();
                self.chart(t.gaiji_code, rows, "rej", "gaiji");
                let _ = writeln!(
                    self.s,
                    "<p>{}: {}</p>",
                    esc(t.summary_gaiji),
                    num(c.gaiji_unmapped)
                );
            }
        }
        self.s.push_str("</section>\n");
    }

    fn findings(&mut self) {
        let t = self.t;
        let c = &self.m.counts;
        let rows: Vec<(&String, &u64)> = c
            .findings_by_kind
            .iter()
            .filter(|(k, _)| !k.starts_with("date."))
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            self.s,
            "<section id=\"findings\">\n<h2>{}</h2>\n<p>{}</p>",
            esc(t.findings_title),
            esc(self.tr(
                "除外の理由にはならない指摘の件数です（ほかの理由で除外したレコードの分も含みます）。",
                "Findings that do not reject a record (including records rejected for other reasons)."
            ))
        );
        let rows = rows
            .into_iter()
            .map(|(k, n)| (self.kind(k), *n, k.clone()))
            .collect();
        self.chart(t.reason, rows, "item", "finding");
        self.s.push_str("</section>\n");
    }

    /// The target's 条件付き必須 items: which the profile's conditions check, and which no
    /// condition covers (staff decide about those; issue #13).
    fn conditionals(&mut self) {
        let items = &self.m.conditional_items;
        if items.is_empty() {
            return;
        }
        let uncovered = items.iter().filter(|c| c.expression.is_none()).count();
        let _ = writeln!(
            self.s,
            "<section id=\"conditional\">\n<h2>{}</h2>\n<p>{}</p>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(self.tr("条件付き必須の項目", "Conditionally required items")),
            esc(&if self.ja() {
                format!("移行先の条件付き必須の項目 {} 件のうち、{} 件はプロファイルの条件で確認していません（下の「条件なし」）。条件を満たすのに空のレコードがないか、担当者が確認してください。", items.len(), uncovered)
            } else {
                format!("Of the target's {} conditionally required items, {} are not checked by a profile condition (\"not covered\" below): staff must decide whether records need them.", items.len(), uncovered)
            }),
            esc(self.tr("項目", "Item")),
            esc(self.tr("レイアウトの条件", "The layout's condition")),
            esc(self.tr("プロファイルの条件（確認した式）", "The profile's condition (checked)")),
        );
        for c in items {
            let checked = match &c.expression {
                Some(e) => format!("<code>{}</code>", esc(e)),
                None => format!(
                    "<span class=\"ng\">⚠ {}</span>",
                    esc(self.tr("条件なし（確認していません）", "not covered (not checked)"))
                ),
            };
            let _ = writeln!(
                self.s,
                "<tr><td>{}<span class=\"id\">{}</span></td><td>{}</td><td>{}</td></tr>",
                esc(&c.name),
                esc(&c.item),
                esc(c.condition.as_deref().unwrap_or("")),
                checked
            );
        }
        self.s.push_str("</table>\n</section>\n");
    }

    fn layout_row(&mut self, role: &str, l: &LayoutRef) {
        let (desc, warn) = status_desc(self.lang, &l.status);
        let _ = writeln!(
            self.s,
            "<tr><td class=\"nw\">{}</td><td><code>{}</code></td><td>{}</td><td class=\"nw\">{}</td><td class=\"{}\">{}{}<span class=\"id\">{}</span></td></tr>",
            esc(role),
            esc(&l.id),
            esc(&l.name),
            esc(&l.version),
            if warn { "ng" } else { "ok" },
            if warn { "⚠ " } else { "" },
            esc(desc),
            esc(&l.status)
        );
    }

    fn run_info(&mut self) {
        let (t, m) = (self.t, self.m);
        let _ = writeln!(
            self.s,
            "<section id=\"run\">\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td><code>{}</code></td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n</table>",
            esc(t.run_title),
            esc(t.profile),
            esc(&m.profile),
            esc(t.profile_file),
            esc(&m.profile_file),
            esc(t.tool_version),
            esc(&m.tool_version)
        );
        let _ = writeln!(
            self.s,
            "<h3>{}</h3>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(t.layouts),
            esc(t.layout_role),
            esc(t.layout_id),
            esc(t.layout_name),
            esc(t.version),
            esc(t.status)
        );
        if m.sources.is_empty() {
            self.layout_row(t.source, &m.source_layout);
        }
        // A run of several sources: each source's layout, by name (issue #13).
        for src in &m.sources {
            self.layout_row(&format!("{} {}", t.source, src.name), &src.layout);
        }
        self.layout_row(t.target, &m.target_layout);
        self.s.push_str("</table>\n");
        if !m.options.is_empty() {
            let _ = writeln!(self.s, "<h3>{}</h3>\n<table>", esc(t.options));
            for (k, v) in &m.options {
                let _ = writeln!(
                    self.s,
                    "<tr><th><code>{}</code></th><td><code>{}</code></td></tr>",
                    esc(k),
                    esc(v)
                );
            }
            self.s.push_str("</table>\n");
        }
        let _ = writeln!(
            self.s,
            "<h3>{}</h3>\n<table>\n<tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr>",
            esc(t.inputs),
            esc(t.file),
            esc(t.size),
            esc(t.records_affected),
            esc(t.sha256)
        );
        for i in &m.inputs {
            let _ = writeln!(
                self.s,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"hash\">{}</td></tr>",
                esc(&i.path),
                num(i.bytes),
                num(i.records),
                esc(&i.sha256)
            );
        }
        self.s.push_str("</table>\n");
        let _ = writeln!(
            self.s,
            "<h3>{}</h3>\n<table>\n<tr><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr>",
            esc(t.outputs),
            esc(t.file),
            esc(t.size),
            esc(t.sha256)
        );
        // The report itself is left out, so the page is the same whether it is made during
        // the run (before the manifest lists it) or afterwards from the manifest.
        for o in m.outputs.iter().filter(|o| !is_report_name(&o.name)) {
            let _ = writeln!(
                self.s,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"hash\">{}</td></tr>",
                esc(&o.name),
                num(o.bytes),
                esc(&o.sha256)
            );
        }
        self.s.push_str("</table>\n");
        let missing: Vec<&str> = OPTIONAL_OUTPUTS
            .iter()
            .copied()
            .filter(|n| !self.has_output(n))
            .collect();
        if !missing.is_empty() {
            let _ = writeln!(
                self.s,
                "<p>{}: <code>{}</code></p>",
                esc(t.not_written),
                missing.join("</code>, <code>")
            );
        }
        self.s.push_str("</section>\n");
    }

    fn footer(&mut self) {
        let mut read = vec![RunFile::Manifest.name()];
        if self.i.rejects.is_some() {
            read.push(RunFile::Rejects.name());
        }
        if let Some(c) = &self.i.changes {
            read.push(if c.file == RunFile::Changes.name() {
                RunFile::Changes.name()
            } else {
                RunFile::ChangesParquet.name()
            });
        }
        if self.i.gaiji.is_some() {
            read.push(RunFile::Gaiji.name());
        }
        let note = if self.o.show_values {
            self.t.values_note
        } else {
            self.t.masked_note
        };
        let _ = writeln!(
            self.s,
            "<footer>\n<p>{}</p>\n<p>{}</p>\n</footer>",
            esc(note),
            if self.ja() {
                format!(
                    "このレポートは ikou {} が、実行フォルダの{}から作りました。作り直すには：<code>ikou report 実行フォルダ</code>",
                    esc(&self.m.tool_version),
                    read.join("、")
                )
            } else {
                format!(
                    "Made by ikou {} from the run directory's {}. To make it again: <code>ikou report RUN_DIR --lang en</code>",
                    esc(&self.m.tool_version),
                    read.join(", ")
                )
            }
        );
    }
}

/// Optional outputs a run may write (`--outputs`).
const OPTIONAL_OUTPUTS: &[&str] = &[
    RunFile::Changes.name(),
    RunFile::ChangesParquet.name(),
    RunFile::BeforeArrow.name(),
    RunFile::BeforeParquet.name(),
    RunFile::AfterArrow.name(),
    RunFile::AfterParquet.name(),
    RunFile::Gaiji.name(),
];

pub use crate::output::is_report_name;

#[cfg(test)]
mod tests;

/// The source layout in the page's heading (HTML), or with several sources (issue #13)
/// each one by name.
fn source_heading(m: &Manifest) -> String {
    let one = |l: &LayoutRef| {
        format!(
            "{} <span class=\"mono\">{}</span>",
            esc(&l.name),
            esc(&l.id)
        )
    };
    if m.sources.is_empty() {
        return one(&m.source_layout);
    }
    m.sources
        .iter()
        .map(|x| format!("{}: {}", esc(&x.name), one(&x.layout)))
        .collect::<Vec<_>>()
        .join(" + ")
}
