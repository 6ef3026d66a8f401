//! Writing to stdout: a broken pipe (`ikou … | head`) is not an error.

use crate::exit::CliError;
use std::io::{self, Write};

/// Writes `text` to stdout. A closed pipe ends the output quietly.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::io(format!("writing to stdout: {e}"))),
    }
}

/// Serialises `value` as pretty JSON followed by a newline and prints it.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::io(format!("serialising JSON: {e}")))?;
    s.push('\n');
    print(&s)
}
