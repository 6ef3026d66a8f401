//! Exit codes and the error type every verb returns.

use std::io::Write;
use std::process::ExitCode;

/// Success.
pub const OK: u8 = 0;
/// Finished, but found data problems (with `--strict`), or `verify` found a mismatch.
pub const DATA: u8 = 1;
/// Usage or spec error.
pub const USAGE: u8 = 2;
/// I/O error.
pub const IO: u8 = 3;
/// The run finished but its verdict is 移行不可 (must not be migrated): nothing converted, a
/// reject rate above the threshold, framing damage (truncation, trailer count, missing
/// trailer, unterminated quote) or counts that do not add up — the rule of
/// `ikou_convert::report::verdict`, the same as the report page's.
pub const NO_GO: u8 = 4;

/// An error that ends a verb: a message and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub code: u8,
    /// The message, printed to stderr as `ikou: <message>`.
    pub message: String,
}

impl CliError {
    /// A usage or spec error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: USAGE,
            message: message.into(),
        }
    }

    /// An I/O error (exit 3).
    pub fn io(message: impl Into<String>) -> CliError {
        CliError {
            code: IO,
            message: message.into(),
        }
    }

    /// Prints the message (escaped for the terminal: a file name in it cannot carry
    /// control characters to the screen) and returns the exit code.
    pub fn report(self) -> ExitCode {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "ikou: {}",
            crate::output::terminal_safe_lines(&self.message)
        );
        ExitCode::from(self.code)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::io(e.to_string())
    }
}

/// The result of a verb: the exit code on success.
pub type CliResult = Result<u8, CliError>;
