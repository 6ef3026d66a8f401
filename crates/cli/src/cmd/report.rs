//! `ikou report DIR`: (re)make a run's `report.html` from its manifest and files.

use crate::exit::{CliError, CliResult, DATA, NO_GO, OK};
use crate::output::{print, print_json, shown_path, terminal_safe};
use clap::{Args, ValueEnum};
use ikou_convert::report::{self, DirReport, DirReportOutcome, Lang};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  ikou report run1                       # run1/report.html (Japanese, values masked)
  ikou report run1 --lang en             # run1/report.en.html
  ikou report run1 --out /tmp/check.html
  ikou report run1 --specs my-specs/     # layouts of a profile that is not bundled
  ikou report run1 --json                # the verdict and the page, for machines

The page is one self-contained HTML file (no scripts, fonts, images or links that load
anything), printable on A4. Personal values are masked unless --show-values. The same run
directory and options give the same bytes, so the default report.html matches the one the
run wrote (and `ikou verify`). Options other than the defaults write to another name unless
--out is given, so they never replace the run's report.html. Written atomically, mode 0600.

The run's files are checked first, exactly as `ikou verify` does. When they do not match the
manifest, the page (red banner, verdict 移行不可) is written to report.unverified.html
(NAME.html → NAME.unverified.html for --out), never over a report, and the exit code is 1.
A page that differs from the report.html the run wrote (another ikou version, or the run's
date read from a copied manifest.json) goes to report.regenerated.html: the run's own report
is never replaced. The first line printed is the verdict — 移行可, 要確認 or 移行不可 — with
its reasons.

Exit codes (those of `ikou convert` for the same verdict): 0 the page was written and the
verdict is 移行可 or 要確認; 1 the run's files do not match its manifest (as `ikou verify`);
2 usage error; 3 I/O error; 4 the page was written and the verdict is 移行不可 (nothing
migrated, reject rate above options.max_reject_rate, framing damage, counts that do not add
up).";

/// The page's language.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// Japanese (default).
    Ja,
    /// English.
    En,
}

/// Make the verification page (report.html) of a run directory, for the staff who sign
/// off the migration.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ReportArgs {
    /// The run directory (with manifest.json).
    dir: PathBuf,
    /// The language of the page.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Show personal values (names, numbers, addresses, dates) unmasked in the samples.
    #[arg(long)]
    show_values: bool,
    /// Where to write the page (default: DIR/report.html, or report.en.html,
    /// report.values.html … for other options).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Extra spec files or directories (layouts) when the run's profile is not bundled.
    #[arg(long)]
    specs: Vec<PathBuf>,
    /// No progress bar while the run's files are checked (it is drawn on stderr, only when
    /// stderr is a terminal).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print JSON: dir, verified, page, bytes, sha256, verdict (level go/check/no-go, label,
    /// cause, reasons, max_reject_rate) and notes; for a run that does not match its
    /// manifest: verified false, the page written, the failed checks. The same exit code.
    #[arg(long)]
    json: bool,
}

/// Runs `ikou report`.
pub fn run(args: ReportArgs) -> CliResult {
    let req = DirReport {
        lang: match args.lang {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        },
        show_values: args.show_values,
        out: args.out.clone(),
        specs: args.specs.clone(),
    };
    let bar = crate::output::ReadBar(crate::output::byte_bar(args.quiet));
    let outcome = report::report_dir(&args.dir, &req, &bar).map_err(|e| {
        if e.is_usage() {
            CliError::usage(e.to_string())
        } else {
            CliError::io(e.to_string())
        }
    })?;
    // The exit code of `ikou convert` for the same verdict; 1 for files that do not match.
    let code = match (&outcome, outcome.level()) {
        (DirReportOutcome::Unverified { .. }, _) => DATA,
        (_, report::VerdictLevel::NoGo) => NO_GO,
        _ => OK,
    };
    if args.json {
        print_json(&outcome.to_json(&args.dir))?;
        return Ok(code);
    }
    match &outcome {
        DirReportOutcome::Unverified {
            file,
            written,
            failed,
            ..
        } => {
            // The verdict first, then what does not match; the page went elsewhere.
            let mut msg = String::from(
                    "移行不可 (must not be migrated): the run's files do NOT match its manifest: the report is NOT verified\n",
                );
            for c in failed.iter().take(20) {
                msg.push_str(&format!("  MISMATCH {}", terminal_safe(&c.what)));
                if !c.detail.is_empty() {
                    msg.push_str(&format!(": {}", terminal_safe(&c.detail)));
                }
                msg.push('\n');
            }
            if failed.len() > 20 {
                msg.push_str(&format!("  … and {} more\n", failed.len() - 20));
            }
            msg.push_str(&format!(
                "  the page (red banner) was written to {}; {} was left as it was\n",
                terminal_safe(written),
                terminal_safe(file)
            ));
            print(&msg)?;
            Err(CliError {
                code: DATA,
                message: format!(
                    "{}: the run does not match its manifest (see `ikou verify {}`)",
                    shown_path(&args.dir),
                    shown_path(&args.dir)
                ),
            })
        }
        DirReportOutcome::Written {
            page,
            info,
            verdict,
            notes,
            ..
        } => {
            let reasons: Vec<String> = verdict.reasons.iter().map(|r| r.text(Lang::En)).collect();
            let mut msg = format!(
                "{} ({}){}\n{} ({} bytes)\n",
                verdict.level.label(),
                verdict.level.english(),
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join("; "))
                },
                shown_path(page),
                info.bytes
            );
            for n in notes {
                msg.push_str(&format!("  note: {n}\n"));
            }
            print(&msg)?;
            Ok(code)
        }
    }
}
