//! What goes wrong in a run ([`RunError`]), with its cause as its source. Re-exported by
//! [`crate::run`].

use crate::sink::SinkError;
use ikou_cleanse::frame::ReadError;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// What went wrong in a run.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError {
    /// The run directory exists and is not empty (and `force` was not given).
    OutDirNotEmpty(PathBuf),
    /// `force` was given, but the run directory holds files that no ikou run, `ikou report`
    /// or `ikou sign` writes (their names, sorted): nothing was removed.
    OutDirForeign {
        /// The run directory.
        dir: PathBuf,
        /// The names of what is not ikou's.
        names: Vec<String>,
    },
    /// Another run is writing into the run directory (it holds the directory's lock).
    Locked(PathBuf),
    /// An input file could not be opened or read.
    Input {
        /// The file.
        path: PathBuf,
        /// The error.
        error: io::Error,
    },
    /// Reading records failed (with the position).
    Read {
        /// The file.
        path: PathBuf,
        /// The error with record number and offset.
        error: ReadError,
    },
    /// The layout cannot be framed (a configuration problem).
    Layout(ikou_cleanse::frame::FrameConfigError),
    /// An internal check failed (a physical record not accounted for): the message says
    /// which.
    Frame(String),
    /// The run's worker threads could not be started.
    Threads(rayon::ThreadPoolBuildError),
    /// The Arrow/Parquet schema of a layout could not be built.
    Schema(Box<dyn std::error::Error + Send + Sync>),
    /// An output could not be written.
    Output {
        /// The output's name.
        name: String,
        /// The error.
        error: io::Error,
    },
    /// A CSV output could not be written (the `csv` crate's error, whose source is the
    /// I/O error).
    Csv {
        /// The output's name.
        name: String,
        /// The error.
        error: csv::Error,
    },
    /// A sink failed.
    Sink(SinkError),
    /// An output this build cannot write was asked for (an Arrow/Parquet file without the
    /// `arrow` feature): refused before anything is read or written.
    OutputUnavailable(crate::output::RunFile),
    /// The run was cancelled ([`CancelToken`](crate::run::CancelToken)): nothing was published, no manifest.
    Cancelled,
    /// An input changed while the run read it (between or during its two passes).
    InputChanged {
        /// The file.
        path: PathBuf,
        /// Its size when opened.
        before: u64,
        /// Its size now.
        after: u64,
    },
    /// The inputs do not fit the profile's sources (issue #13): an input names no source or
    /// an unknown one, a source has no input, or an output a run of several sources does
    /// not write was asked for. Refused before anything is read or written; the message
    /// says which.
    Sources(String),
    /// `input_records ≠ output_records + rejected_records`: a bug; nothing is renamed.
    Accounting {
        /// Counted input records.
        input: u64,
        /// Written output records.
        output: u64,
        /// Written rejects.
        rejected: u64,
    },
}

impl RunError {
    /// Whether this is an I/O problem (exit code 3) rather than a usage problem (2).
    pub fn is_io(&self) -> bool {
        !matches!(
            self,
            RunError::OutDirNotEmpty(_)
                | RunError::OutDirForeign { .. }
                | RunError::Frame(_)
                | RunError::Layout(_)
                | RunError::Threads(_)
                | RunError::Schema(_)
                | RunError::Locked(_)
                | RunError::OutputUnavailable(_)
                | RunError::Sources(_)
        )
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::OutDirNotEmpty(p) => write!(
                f,
                "{}: the run directory is not empty (use --force to replace a previous run)",
                p.display()
            ),
            RunError::OutDirForeign { dir, names } => write!(
                f,
                "{}: --force replaces an earlier run, but the directory also holds what no ikou run wrote: {}; nothing was removed (move them away, or choose another --out)",
                dir.display(),
                list_names(names)
            ),
            RunError::Locked(p) => write!(
                f,
                "{}: another run is writing into this run directory (it holds the directory's lock); wait for it to end or choose another --out",
                p.display()
            ),
            RunError::Input { path, error } => write!(f, "{}: {error}", path.display()),
            RunError::Read { path, error } => write!(f, "{}: {error}", path.display()),
            RunError::Frame(m) | RunError::Sources(m) => f.write_str(m),
            RunError::Layout(e) => write!(f, "{e}"),
            RunError::Threads(e) => write!(f, "cannot start worker threads: {e}"),
            RunError::Schema(e) => write!(f, "cannot build the Arrow schema: {e}"),
            RunError::Output { name, error } => write!(f, "writing {name}: {error}"),
            RunError::Csv { name, error } => write!(f, "writing {name}: {error}"),
            RunError::Sink(e) => write!(f, "writing {e}"),
            RunError::OutputUnavailable(file) => {
                f.write_str(&unavailable_message(*file))
            }
            RunError::Cancelled => f.write_str(
                "the run was cancelled: no output was published and no manifest written",
            ),
            RunError::InputChanged {
                path,
                before,
                after,
            } => write!(
                f,
                "{}: the input changed while the run read it (size {before} → {after} bytes, or its modification time or inode changed); no output was published — run again on a file nothing writes to",
                path.display()
            ),
            RunError::Accounting {
                input,
                output,
                rejected,
            } => write!(
                f,
                "accounting failed: {input} input records ≠ {output} output + {rejected} rejected; no output was published"
            ),
        }
    }
}

/// The cause of a [`RunError`] is its [`source`](std::error::Error::source) (an I/O error, a
/// read error with its position, a sink's error, …), so that a vendor can walk the chain
/// or downcast it; the [`Display`](fmt::Display) message already includes the cause's own
/// message, so a program that prints only the top error loses nothing either.
impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Input { error, .. } | RunError::Output { error, .. } => Some(error),
            RunError::Read { error, .. } => Some(error),
            RunError::Layout(e) => Some(e),
            RunError::Threads(e) => Some(e),
            RunError::Schema(e) => Some(e.as_ref()),
            RunError::Csv { error, .. } => Some(error),
            RunError::Sink(e) => Some(e),
            RunError::OutDirNotEmpty(_)
            | RunError::OutDirForeign { .. }
            | RunError::Locked(_)
            | RunError::Frame(_)
            | RunError::Cancelled
            | RunError::OutputUnavailable(_)
            | RunError::Sources(_)
            | RunError::InputChanged { .. }
            | RunError::Accounting { .. } => None,
        }
    }
}

impl From<SinkError> for RunError {
    fn from(e: SinkError) -> RunError {
        RunError::Sink(e)
    }
}

/// Names for a message: the first eight, joined by commas, then how many more.
pub(crate) fn list_names(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut s = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

pub(crate) fn out_err(name: &str) -> impl FnOnce(io::Error) -> RunError + '_ {
    move |error| RunError::Output {
        name: name.to_string(),
        error,
    }
}

pub(crate) fn csv_err(name: &str) -> impl FnOnce(csv::Error) -> RunError + '_ {
    move |error| RunError::Csv {
        name: name.to_string(),
        error,
    }
}

/// Why `f` cannot be written by this build.
pub(crate) fn unavailable_message(f: crate::output::RunFile) -> String {
    format!(
        "{f}: this build of ikou writes no Arrow/Parquet files (ikou-convert was built without \
         its `arrow` feature); choose other outputs"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::plan::{Plan, PlanError};
    use ikou_cleanse::charset::Charset;
    use ikou_cleanse::decode::NotText;
    use ikou_cleanse::gaiji::GaijiTable;
    use ikou_layout_spec::profile::bundled_profile;
    use ikou_layout_spec::Catalog;
    use std::error::Error as _;

    /// A plan's error keeps its cause as its source (issue #15: typed errors): a profile
    /// whose encoding is not a text encoding fails with [`PlanError::NotText`], whose
    /// source is the decoder's [`NotText`]; the message is the cause's, as before.
    #[test]
    fn issue15_plan_errors_keep_their_cause_as_source() {
        let catalog = Catalog::bundled().unwrap();
        let mut profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
        profile.characters.encoding = "binary".into();
        let err = Plan::new(&catalog, profile.clone(), GaijiTable::new()).unwrap_err();
        assert!(matches!(err, PlanError::NotText(_)), "{err:?}");
        let cause = err.source().and_then(|e| e.downcast_ref::<NotText>());
        assert_eq!(cause, Some(&NotText(Charset::Binary)));
        assert_eq!(err.to_string(), NotText(Charset::Binary).to_string());
        // A failure without a cause has no source, and its message names what is missing.
        profile.characters.encoding = "klingon".into();
        let err = Plan::new(&catalog, profile.clone(), GaijiTable::new()).unwrap_err();
        assert!(err.source().is_none());
        assert_eq!(
            err.to_string(),
            "profile `sample-juki`: unknown encoding `klingon`"
        );
    }

    /// An input the guard cannot read keeps the io::Error as the source of its
    /// [`GuardError::Io`](crate::guard::GuardError::Io); the message is as before.
    #[test]
    fn issue15_guard_errors_keep_their_cause_as_source() {
        use crate::guard::{check_input, GuardError};
        let catalog = Catalog::bundled().unwrap();
        let profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
        let plan = Plan::new(&catalog, profile, GaijiTable::new()).unwrap();
        let missing = std::env::temp_dir().join(format!("ikou-guard-{}.dat", std::process::id()));
        let err = check_input(&plan, &missing).unwrap_err();
        assert!(matches!(err, GuardError::Io { .. }), "{err:?}");
        let io = err
            .source()
            .and_then(|e| e.downcast_ref::<std::io::Error>());
        assert_eq!(
            io.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound)
        );
        let shown = format!(
            "{}: {}",
            missing.display(),
            io.map(ToString::to_string).unwrap_or_default()
        );
        assert_eq!(err.to_string(), shown);
    }
}
