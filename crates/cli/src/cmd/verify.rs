//! `ikou verify DIR`.

use crate::exit::{CliError, CliResult, DATA, OK};
use crate::output::{print, print_json};
use clap::Args;
use ikou_convert::verify::VerifyError;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Recompute hashes and counts from a run directory and compare them with its manifest
/// (exit 0 when everything matches, 1 when something does not or the run is incomplete —
/// files but no manifest.json —, 3 when the directory or its manifest cannot be read).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  ikou verify run1\n  ikou verify run1 --json")]
pub struct VerifyArgs {
    /// The run directory.
    dir: PathBuf,
    /// Print the checks as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `ikou verify`.
pub fn run(args: VerifyArgs) -> CliResult {
    let (manifest, v) = match ikou_convert::verify::verify(&args.dir) {
        Ok(found) => found,
        Err(e @ VerifyError::Incomplete { .. }) => {
            // Not a finished run: a verdict (exit 1), not an I/O error.
            if args.json {
                print_json(&serde_json::json!({
                    "dir": args.dir.display().to_string(),
                    "ok": false,
                    "incomplete": true,
                    "message": e.to_string(),
                    "checks": [],
                }))?;
            }
            return Err(CliError {
                code: DATA,
                message: e.to_string(),
            });
        }
        Err(e) => return Err(CliError::io(e.to_string())),
    };
    if args.json {
        print_json(&serde_json::json!({
            "dir": args.dir.display().to_string(),
            "ok": v.ok(),
            "profile": manifest.profile,
            "checks": v.checks,
        }))?;
    } else {
        let mut s = String::new();
        for c in &v.checks {
            let _ = writeln!(
                s,
                "{} {}{}",
                if c.ok { "ok      " } else { "MISMATCH" },
                c.what,
                if c.ok || c.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", crate::output::terminal_safe(&c.detail))
                }
            );
        }
        let _ = writeln!(
            s,
            "{}: {}",
            crate::output::shown_path(&args.dir),
            if v.ok() {
                "the run matches its manifest"
            } else {
                "the run does NOT match its manifest"
            }
        );
        print(&s)?;
    }
    Ok(if v.ok() { OK } else { DATA })
}
