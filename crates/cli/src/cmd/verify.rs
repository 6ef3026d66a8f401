//! `ikou verify DIR`.

use crate::exit::{CliError, CliResult, DATA, OK};
use crate::output::{print, print_json};
use clap::Args;
use ikou_convert::verify::VerifyError;
use std::fmt::Write as _;
use std::path::PathBuf;

const VERIFY_HELP: &str = "\
Examples:
  ikou verify run1
  ikou verify run1 --json
  ikou verify run1 --key /secure/ikou.key     # also check the run's signature (ikou sign)

Checks: the files every run writes (the standard CSV, rejects.csv, manifest.json) and those
its options name are listed; every listed file's SHA-256 and size; the rows of the standard
CSV and rejects.csv; input = output + rejected; no file in the directory that the run did not
write (report pages made by `ikou report` and the signature are allowed). Every file is
streamed: memory does not grow with file sizes. While the files are read, a progress bar
runs on stderr when it is a terminal (-q: none).

A run rewritten consistently (files and manifest together) passes these checks: compare the
fingerprint printed last with the one on the signed report page, or sign the run with a key
the municipality keeps (`ikou sign DIR --key FILE`) and verify with --key.

`verify` says whether the files are consistent with the manifest (exit 0) or not (exit 1),
not whether the run may be migrated: a consistent run can still be 移行不可 (nothing
converted, too many rejects, a truncated input). That verdict is the report's: `ikou report
DIR` prints it first and exits 4 for 移行不可, as `ikou convert` did.";

/// Recompute hashes and counts from a run directory and compare them with its manifest
/// (exit 0 when everything matches, 1 when something does not or the run is incomplete —
/// files but no manifest.json —, 3 when the directory or its manifest cannot be read).
#[derive(Debug, Args)]
#[command(after_help = VERIFY_HELP)]
pub struct VerifyArgs {
    /// The run directory.
    dir: PathBuf,
    /// Print the checks as JSON.
    #[arg(long)]
    json: bool,
    /// Also check the run's signature (manifest.hmac, written by `ikou sign`) with this key
    /// file.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// No progress bar (it is drawn on stderr, only when stderr is a terminal).
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// Sign a run directory that verifies: write manifest.hmac, the HMAC-SHA256 of its
/// manifest.json under a key file the municipality keeps (check it with `ikou verify DIR
/// --key FILE`).
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  head -c 32 /dev/urandom > /secure/ikou.key   # once; keep it away from the runs\n  ikou sign run1 --key /secure/ikou.key\n  ikou verify run1 --key /secure/ikou.key"
)]
pub struct SignArgs {
    /// The run directory.
    dir: PathBuf,
    /// The key file (its bytes, 16 bytes to 4 KiB).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

/// Reads a key file: one that cannot be read is an I/O error (exit 3), one too short to be
/// a key a usage error (2).
fn key_of(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    ikou_convert::verify::read_key(path).map_err(|e| {
        if e.is_usage() {
            CliError::usage(e.to_string())
        } else {
            CliError::io(e.to_string())
        }
    })
}

/// Runs `ikou sign`.
pub fn sign(args: SignArgs) -> CliResult {
    let key = key_of(&args.key)?;
    match ikou_convert::verify::sign(&args.dir, &key) {
        Ok(v) => {
            print(&format!(
                "{}: signed ({}); fingerprint {}\n",
                crate::output::shown_path(&args.dir),
                ikou_convert::verify::SIGNATURE,
                v.fingerprint
            ))?;
            Ok(OK)
        }
        Err(e @ VerifyError::Incomplete { .. }) => Err(CliError {
            code: DATA,
            message: e.to_string(),
        }),
        Err(e @ VerifyError::NotSigned { .. }) => Err(CliError {
            code: DATA,
            message: e.to_string(),
        }),
        Err(e) => Err(CliError::io(e.to_string())),
    }
}

/// Runs `ikou verify`.
pub fn run(args: VerifyArgs) -> CliResult {
    let key = match &args.key {
        Some(k) => Some(key_of(k)?),
        None => None,
    };
    let bar = crate::output::ReadBar(crate::output::byte_bar(args.quiet));
    let (manifest, mut v) = match ikou_convert::verify::verify_with(&args.dir, &bar) {
        Ok(found) => found,
        Err(e @ VerifyError::Incomplete { .. }) => {
            // Not a finished run: a verdict (exit 1), not an I/O error.
            if args.json {
                print_json(&ikou_convert::verify::incomplete_json(&args.dir, &e))?;
            }
            return Err(CliError {
                code: DATA,
                message: e.to_string(),
            });
        }
        Err(e) => return Err(CliError::io(e.to_string())),
    };
    let files_ok = v.ok();
    if let Some(key) = &key {
        v.checks
            .push(ikou_convert::verify::check_signature(&args.dir, key));
    }
    if args.json {
        print_json(&ikou_convert::verify::verification_json(
            &args.dir, &manifest, &v,
        ))?;
    } else {
        let mut s = String::new();
        for c in &v.checks {
            let _ = writeln!(
                s,
                "{} {}{}",
                if c.ok { "ok      " } else { "MISMATCH" },
                crate::output::terminal_safe(&c.what),
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
            } else if files_ok {
                "the run matches its manifest, but the signature does NOT (another key, or \
                 manifest.json changed after signing)"
            } else {
                "the run does NOT match its manifest"
            }
        );
        let _ = writeln!(
            s,
            "fingerprint {} (compare with the signed report page)",
            v.fingerprint
        );
        print(&s)?;
    }
    Ok(if v.ok() { OK } else { DATA })
}
