//! `ikou`: the command-line front end. Only this crate prints or exits; everything it does
//! is a call into the ikou libraries.

mod cmd;
mod exit;
mod input;
mod output;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's malloc: a run allocates many short-lived strings per record,
/// and glibc's allocator took a third to a half of the CPU time (docs/BENCHMARKS.md).
/// Version 2 (the `v2` feature, workspace `Cargo.toml`), not 3: as fast here, and peak RSS
/// about 30 % lower (v3 kept more freed memory: 1M records, 2 threads, every output, 118–143
/// against 81–85 MB; run T in docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Examples:
  ikou convert --profile sample-juki testdata/sample/juki-1000.dat --out run1
  ikou detect legacy.dat
  ikou inspect legacy.dat --layout legacy/sample-juki --records 3
  ikou normalize --as kana 'ﾔﾏﾀﾞ ﾀﾛｳ'
  ikou layouts list
  ikou profiles check my-city.toml

Exit codes: 0 success; 1 finished but found data problems (with --strict, or verify
mismatch); 2 usage or spec error, or an input that contradicts the profile; 3 I/O error;
4 (convert, report) finished, but the verdict is 移行不可: the run must not be migrated.";

/// ikou (移行): move Japanese municipal records from legacy layouts into the national
/// standard layouts — exactly, with every change recorded.
#[derive(Debug, Parser)]
#[command(name = "ikou", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert legacy files to the standard layout (the main job).
    Convert(cmd::convert::ConvertArgs),
    /// Check a run directory against its manifest (hashes and counts).
    Verify(cmd::verify::VerifyArgs),
    /// Sign a run directory with a key file (HMAC-SHA256 of its manifest.json).
    Sign(cmd::verify::SignArgs),
    /// Work with record layouts: list, show, check and import.
    #[command(subcommand)]
    Layouts(cmd::layouts::LayoutsCommand),
    /// Work with migration profiles: list them, check them and the files they name.
    #[command(subcommand)]
    Profiles(cmd::profiles::ProfilesCommand),
    /// Tell what a file's bytes are: encoding, newlines, record structure, 外字, findings.
    Detect(cmd::detect::DetectArgs),
    /// Look at a file's first records through a layout: items, raw hex, decoded text, findings.
    Inspect(cmd::inspect::InspectArgs),
    /// List the 外字 (user-defined characters) in files, for 文字同定.
    Gaiji(cmd::gaiji::GaijiArgs),
    /// Apply one domain type's cleansing rules to values and show every change.
    Normalize(cmd::normalize::NormalizeArgs),
    /// Write a synthetic legacy 住民記録 file (legacy/sample-juki) with realistic dirt.
    Sample(cmd::sample::SampleArgs),
    /// Make a run's verification page (report.html) for the staff who sign it off.
    Report(cmd::report::ReportArgs),
}

/// Turns core dumps off for this process (soft and hard `RLIMIT_CORE` 0): a core file of
/// an aborted run would hold the personal data it was converting. Unix only; elsewhere
/// nothing to do. Failing to set it is not fatal (the run is no worse than before).
fn no_core_dumps() {
    #[cfg(unix)]
    {
        use nix::sys::resource::{setrlimit, Resource};
        let _ = setrlimit(Resource::RLIMIT_CORE, 0, 0);
    }
}

fn main() -> ExitCode {
    no_core_dumps();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Convert(a) => cmd::convert::run_convert(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Sign(a) => cmd::verify::sign(a),
        Command::Layouts(c) => cmd::layouts::run(c),
        Command::Profiles(c) => cmd::profiles::run(c),
        Command::Detect(a) => cmd::detect::run(a),
        Command::Inspect(a) => cmd::inspect::run(a),
        Command::Gaiji(a) => cmd::gaiji::run(a),
        Command::Normalize(a) => cmd::normalize::run(a),
        Command::Sample(a) => cmd::sample::run(a),
        Command::Report(a) => cmd::report::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => e.report(),
    }
}
