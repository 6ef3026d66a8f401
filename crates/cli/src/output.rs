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

/// `text` made safe to print on a terminal: control characters (C0, DEL, C1 — ESC, CR, LF,
/// BEL, …) and the bidirectional overrides that reorder what is shown become visible escapes
/// (`\x1B`, `\r`, `\u{202E}`), so a file name cannot move the cursor, clear the screen or
/// hide text. Everything else is kept as it is.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_safe(&mut out, c);
    }
    out
}

/// A message made safe for the terminal like [`terminal_safe`], keeping its line breaks
/// (LF): for error messages of several lines, which may quote file names.
pub fn terminal_safe_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\n' {
            out.push(c);
        } else {
            push_safe(&mut out, c);
        }
    }
    out
}

fn push_safe(out: &mut String, c: char) {
    use std::fmt::Write as _;
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 || c as u32 == 0x7F => {
            let _ = write!(out, "\\x{:02X}", c as u32);
        }
        c if c.is_control()
            || matches!(c as u32, 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069) =>
        {
            let _ = write!(out, "\\u{{{:X}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// A path as ikou prints it: [`terminal_safe`], and on Unix a byte that is not part of
/// valid UTF-8 is shown as `\xNN` (not as U+FFFD), so two different names never print alike.
pub fn shown_path(path: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            for c in chunk.valid().chars() {
                push_safe(&mut out, c);
            }
            for b in chunk.invalid() {
                use std::fmt::Write as _;
                let _ = write!(out, "\\x{b:02X}");
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        terminal_safe(&path.display().to_string())
    }
}

/// The one atomic writer of every verb: writes `path` through
/// [`ikou_convert::output::write_file_atomically`] (`.NAME.partial` beside it, exclusive,
/// 0600, the symlink guard, renamed into place), so an interrupted verb leaves no
/// half-written file. The caller words the error (it names the path its own way).
pub fn write_atomically(
    path: &std::path::Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    ikou_convert::output::write_file_atomically(path, body)
}

/// A progress bar of bytes on stderr, when stderr is a terminal and `quiet` is not set
/// (`None` otherwise: nothing is drawn into a pipe or a log). It draws nothing until it is
/// given its length and started ([`BAR_TICK`]).
pub fn byte_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    if quiet || !io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    b.set_style(
        ProgressStyle::with_template(
            "{msg:>22} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    Some(b)
}

/// How often a running bar redraws itself (its clock and rate move while nothing is read).
pub const BAR_TICK: std::time::Duration = std::time::Duration::from_millis(200);

/// The progress bar of `ikou verify` and `ikou report` while they read a run's files.
pub struct ReadBar(pub Option<indicatif::ProgressBar>);

impl ikou_convert::verify::ReadProgress for ReadBar {
    fn start(&self, bytes: u64) {
        if let Some(b) = &self.0 {
            b.set_length(bytes);
            b.set_message("reading the run");
            b.enable_steady_tick(BAR_TICK);
        }
    }

    fn read(&self, bytes: u64) {
        if let Some(b) = &self.0 {
            b.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
