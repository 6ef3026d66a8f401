//! `ikou`: the command-line front end. Only this crate prints or exits; everything it does
//! is a call into the ikou libraries.

mod cmd;
mod exit;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Examples:
  ikou convert --profile sample-juki testdata/sample/juki-1000.dat --out run1
  ikou detect legacy.dat
  ikou inspect legacy.dat --layout legacy/sample-juki --records 3
  ikou normalize --as kana 'ﾔﾏﾀﾞ ﾀﾛｳ'
  ikou layouts list

Exit codes: 0 success; 1 finished but found data problems (with --strict, or verify
mismatch); 2 usage or spec error; 3 I/O error.";

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
    /// Work with record layouts: list, show, check and import.
    #[command(subcommand)]
    Layouts(cmd::layouts::LayoutsCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Layouts(c) => cmd::layouts::run(c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => e.report(),
    }
}
