//! A run's inputs: paths or readers ([`RunInput`]), held open for both passes with their
//! identity checked, and read in chunks of records with the problems of each file as a
//! whole. Re-exported by [`crate::run`].

use crate::error::RunError;
use crate::manifest::{RunProblem, RunProblemKind};
use crate::output::HashingWriter;
use crate::tally::bump;
use ikou_cleanse::frame::{FrameProblem, RawRecord, RecordReader};
use ikou_layout_spec::RecordRole;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// A reader that hashes what it reads and counts bytes for progress.
pub(crate) struct HashingReader<R> {
    pub(crate) inner: R,
    pub(crate) hash: std::sync::Arc<std::sync::Mutex<HashingWriter<io::Sink>>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut h = self
            .hash
            .lock()
            .map_err(|_| io::Error::other("input hash lock poisoned"))?;
        h.write_all(buf.get(..n).unwrap_or_default())?;
        Ok(n)
    }
}

/// What identifies the content of an open file: its size, modification time and (on Unix)
/// device and inode. Both passes read through one open handle; the identity is taken when
/// the file is opened and compared before and after each pass, so a file written to in
/// place between or during the passes fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    pub(crate) len: u64,
    pub(crate) modified: Option<std::time::SystemTime>,
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

impl FileId {
    pub(crate) fn of(file: &File) -> io::Result<FileId> {
        let m = file.metadata()?;
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Ok(FileId {
            len: m.len(),
            modified: m.modified().ok(),
            dev,
            ino,
        })
    }
}

/// A reader a run can read twice (pass 1 and pass 2 seek back to the start).
pub trait ReadSeek: Read + io::Seek + Send {}

impl<T: Read + io::Seek + Send> ReadSeek for T {}

/// One input of a run: a file path, or any reader that can seek back to its start — an
/// in-memory buffer (`std::io::Cursor`), a decrypted stream spilled to a temporary file.
/// The first pass (the cross-record checks) reads it, then the run seeks to 0 and reads it
/// again for the conversion: a reader must give the same bytes both times.
pub enum RunInput {
    /// A file: opened once, read through the one handle in both passes, its identity
    /// (size, modification time, inode) checked before and after each pass.
    Path(PathBuf),
    /// A reader, named `name` in the manifest, rejects.csv and errors.
    Reader {
        /// The name the run gives the input.
        name: String,
        /// The bytes.
        reader: Box<dyn ReadSeek>,
    },
    /// An input of one of the profile's `[[sources]]` (issue #13), read in that source's
    /// layout: [`RunInput::of_source`]. A run of several sources needs every input tagged.
    Tagged {
        /// The source's name in the profile (`kojin`).
        source: String,
        /// The input.
        input: Box<RunInput>,
    },
}

impl RunInput {
    /// `input`, read as the profile's source `source` (`RunInput::of_source("rireki",
    /// RunInput::Path("rireki.csv".into()))`).
    pub fn of_source(source: impl Into<String>, input: RunInput) -> RunInput {
        RunInput::Tagged {
            source: source.into(),
            input: Box::new(input),
        }
    }

    /// The source this input is tagged with, and the input itself.
    pub(crate) fn untag(self) -> (Option<String>, RunInput) {
        match self {
            RunInput::Tagged { source, input } => {
                let (_, inner) = input.untag();
                (Some(source), inner)
            }
            other => (None, other),
        }
    }

    /// The name the run gives the input (the path as given).
    pub(crate) fn name(&self) -> String {
        match self {
            RunInput::Path(p) => p.display().to_string(),
            RunInput::Reader { name, .. } => name.clone(),
            RunInput::Tagged { input, .. } => input.name(),
        }
    }
}

/// Which source reads each input of a run of profile `profile`, whose sources are `names`
/// (one empty name for a profile with one `source`; `multi` for a profile with
/// `[[sources]]`): the source's index in `names` for each input, in input order, and the
/// inputs untagged. The run does this itself; a caller that must know it before the run
/// (the CLI's input check per source) calls it too.
///
/// # Errors
/// [`RunError::Sources`]: an input without a source name in a run of several sources, a
/// name on an input of a one-source profile, a source the profile does not have, or a
/// source of the profile without an input.
pub fn assign_sources(
    names: &[String],
    multi: bool,
    inputs: Vec<RunInput>,
    profile: &str,
) -> Result<(Vec<usize>, Vec<RunInput>), RunError> {
    let listed = names.join(", ");
    let mut of_input = Vec::new();
    let mut untagged = Vec::new();
    for input in inputs {
        let name = input.name();
        let (tag, input) = input.untag();
        let src = match (tag, multi) {
            (None, false) => 0,
            (None, true) if names.len() == 1 => 0,
            (None, true) => {
                return Err(RunError::Sources(format!(
                    "{name}: profile `{profile}` reads {} sources ({listed}): say which one reads this input (`--input NAME={name}`; RunInput::of_source)",
                    names.len()
                )))
            }
            (Some(t), false) => {
                return Err(RunError::Sources(format!(
                    "{name}: the input names source `{t}`, but profile `{profile}` has one `source` and no [[sources]]: give the file without a source name"
                )))
            }
            (Some(t), true) => names.iter().position(|n| *n == t).ok_or_else(|| {
                RunError::Sources(format!(
                    "{name}: profile `{profile}` has no source `{t}` (its sources: {listed})"
                ))
            })?,
        };
        of_input.push(src);
        untagged.push(input);
    }
    if multi {
        for (n, name) in names.iter().enumerate() {
            if !of_input.contains(&n) {
                return Err(RunError::Sources(format!(
                    "profile `{profile}`: source `{name}` has no input (its sources: {listed}; `--input {name}=FILE`)"
                )));
            }
        }
    }
    Ok((of_input, untagged))
}

/// Which source reads each file of a run given as a command line gives them: `files`
/// (positional: for a profile with one source, every file is its; for a profile with
/// `[[sources]]`, exactly one file per source, in the order of its sources) or `named`
/// (`SOURCE=FILE`, repeatable, for a profile with `[[sources]]` only) — not both. The
/// sources are `names` (`multi` for `[[sources]]`, as [`assign_sources`]), which then checks
/// the names. Gives (source index, file) in the order given.
///
/// # Errors
/// [`RunError::Sources`] saying what to give: no input, both forms, the wrong number of
/// files, `--input` on a one-source profile, an argument that is not `SOURCE=FILE`, an
/// unknown source or a source without a file.
pub fn assign_files(
    names: &[String],
    multi: bool,
    files: &[PathBuf],
    named: &[String],
    profile: &str,
) -> Result<Vec<(usize, PathBuf)>, RunError> {
    let err = |m: String| RunError::Sources(m);
    let listed = names.join(", ");
    if !multi {
        if !named.is_empty() {
            return Err(err(format!(
                "--input SOURCE=FILE names a source of a profile with [[sources]]; profile `{profile}` has one source: give its files without --input"
            )));
        }
        if files.is_empty() {
            return Err(err(
                "no input: give the legacy files to convert (ikou convert --profile P FILE… --out DIR)".to_string(),
            ));
        }
        return Ok(files.iter().map(|p| (0, p.clone())).collect());
    }
    let n = names.len();
    let usage = format!(
        "profile `{profile}` reads {n} sources ({listed}): give `--input SOURCE=FILE` for each (repeat it for several files of one source), or exactly {n} files in the order of its [[sources]]"
    );
    // (source name, file), in the order given.
    let given: Vec<(String, PathBuf)> = match (files.is_empty(), named.is_empty()) {
        (false, false) => {
            return Err(err(format!(
                "give the inputs either as files or with --input, not both; {usage}"
            )))
        }
        (true, true) => return Err(err(format!("no input; {usage}"))),
        (false, true) => {
            if files.len() != n {
                return Err(err(format!(
                    "{} input files for {n} sources; {usage}",
                    files.len()
                )));
            }
            names.iter().cloned().zip(files.iter().cloned()).collect()
        }
        (true, false) => {
            let mut v = Vec::new();
            for arg in named {
                let Some((name, file)) = arg.split_once('=').filter(|(_, f)| !f.is_empty()) else {
                    return Err(err(format!(
                        "--input {arg}: give SOURCE=FILE (the sources of profile `{profile}`: {listed})"
                    )));
                };
                v.push((name.to_string(), PathBuf::from(file)));
            }
            v
        }
    };
    let tagged = given
        .iter()
        .map(|(name, file)| RunInput::of_source(name.clone(), RunInput::Path(file.clone())))
        .collect();
    let (of_input, _) = assign_sources(names, true, tagged, profile)?;
    Ok(of_input
        .into_iter()
        .zip(given.into_iter().map(|(_, f)| f))
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod assign_files_tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["kojin".to_string(), "rireki".to_string()]
    }

    #[test]
    fn one_source_takes_every_file_and_refuses_named_inputs() {
        let one = vec![String::new()];
        let files = vec![PathBuf::from("a"), PathBuf::from("b")];
        let got = assign_files(&one, false, &files, &[], "p").unwrap();
        assert_eq!(got, vec![(0, files[0].clone()), (0, files[1].clone())]);
        let e = assign_files(&one, false, &files, &["x=a".into()], "p").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--input SOURCE=FILE names a source"),
            "{e}"
        );
        let e = assign_files(&one, false, &[], &[], "p").unwrap_err();
        assert!(
            e.to_string().starts_with("no input: give the legacy files"),
            "{e}"
        );
    }

    #[test]
    fn several_sources_take_files_in_order_or_by_name() {
        let files = vec![PathBuf::from("k.dat"), PathBuf::from("r.dat")];
        let got = assign_files(&names(), true, &files, &[], "p").unwrap();
        assert_eq!(got, vec![(0, files[0].clone()), (1, files[1].clone())]);
        let named = vec!["rireki=r.dat".to_string(), "kojin=k.dat".to_string()];
        let got = assign_files(&names(), true, &[], &named, "p").unwrap();
        assert_eq!(got, vec![(1, files[1].clone()), (0, files[0].clone())]);
        let e = assign_files(&names(), true, &files[..1], &[], "p").unwrap_err();
        assert!(
            e.to_string().starts_with("1 input files for 2 sources; "),
            "{e}"
        );
        let e = assign_files(&names(), true, &files, &named, "p").unwrap_err();
        assert!(
            e.to_string().starts_with("give the inputs either as files"),
            "{e}"
        );
        let e = assign_files(&names(), true, &[], &[], "p").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("no input; profile `p` reads 2 sources (kojin, rireki)"),
            "{e}"
        );
        let e = assign_files(&names(), true, &[], &["kojin".into()], "p").unwrap_err();
        assert!(
            e.to_string().starts_with("--input kojin: give SOURCE=FILE"),
            "{e}"
        );
        // A source without a file is the run's own check.
        let e = assign_files(&names(), true, &[], &["kojin=k.dat".into()], "p").unwrap_err();
        assert!(
            e.to_string().contains("source `rireki` has no input"),
            "{e}"
        );
    }
}

impl fmt::Debug for RunInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunInput::Path(p) => f.debug_tuple("Path").field(p).finish(),
            RunInput::Reader { name, .. } => f
                .debug_struct("Reader")
                .field("name", name)
                .finish_non_exhaustive(),
            RunInput::Tagged { source, input } => f
                .debug_struct("Tagged")
                .field("source", source)
                .field("input", input)
                .finish(),
        }
    }
}

pub(crate) enum Source {
    File { file: File, id: FileId },
    Reader(Box<dyn ReadSeek>),
}

/// One input of a run: one handle held open for both passes.
pub(crate) struct Input {
    pub(crate) path: PathBuf,
    pub(crate) src: Source,
    pub(crate) len: u64,
}

impl Input {
    pub(crate) fn open(input: RunInput) -> Result<Input, RunError> {
        match input {
            RunInput::Path(path) => {
                let err = |error| RunError::Input {
                    path: path.clone(),
                    error,
                };
                let file = File::open(&path).map_err(err)?;
                let id = FileId::of(&file).map_err(err)?;
                Ok(Input {
                    path,
                    len: id.len,
                    src: Source::File { file, id },
                })
            }
            RunInput::Reader { name, mut reader } => {
                let path = PathBuf::from(name);
                let len = reader
                    .seek(io::SeekFrom::End(0))
                    .map_err(|error| RunError::Input {
                        path: path.clone(),
                        error,
                    })?;
                Ok(Input {
                    path,
                    len,
                    src: Source::Reader(reader),
                })
            }
            RunInput::Tagged { input, .. } => Input::open(*input),
        }
    }

    /// Checks that the file is as it was when opened.
    pub(crate) fn check_unchanged(&self) -> Result<(), RunError> {
        let Source::File { file, id } = &self.src else {
            return Ok(());
        };
        let now = FileId::of(file).map_err(|error| RunError::Input {
            path: self.path.clone(),
            error,
        })?;
        if now != *id {
            return Err(RunError::InputChanged {
                path: self.path.clone(),
                before: id.len,
                after: now.len,
            });
        }
        Ok(())
    }

    /// Checks the identity and seeks back to the start, for the next pass.
    pub(crate) fn rewind(&mut self) -> Result<&mut dyn ReadSeek, RunError> {
        self.check_unchanged()?;
        let r: &mut dyn ReadSeek = match &mut self.src {
            Source::File { file, .. } => file,
            Source::Reader(r) => r.as_mut(),
        };
        r.seek(io::SeekFrom::Start(0))
            .map_err(|error| RunError::Input {
                path: self.path.clone(),
                error,
            })?;
        Ok(r)
    }
}

/// What framing one input file gave, beside its data records: the records of each role
/// and the problems of the file as a whole.
#[derive(Default)]
pub(crate) struct FileFrames {
    /// Header records in their place.
    pub(crate) header: u64,
    /// Trailer records in their place.
    pub(crate) trailer: u64,
    /// Records handed on to conversion (data, and misplaced header/trailer records).
    pub(crate) handed_on: u64,
    /// Problems of the file as a whole (a trailer count, an unterminated quote).
    pub(crate) problems: Vec<RunProblem>,
    /// Findings by kind (the problems of header and trailer records).
    pub(crate) findings: BTreeMap<String, u64>,
}

/// A record buffer that once held a record larger than this is given back to the allocator
/// when it is reused, so that one huge record does not stay in every chunk's buffers.
pub(crate) const KEEP_RECORD_CAPACITY: usize = 256 << 10;

/// Reads up to `want` records or about `want_bytes` bytes (whichever comes first) into
/// `chunk`. Header and trailer records in their place are counted in `frames`, not
/// returned; a header or trailer out of place is returned, to be rejected with its bytes.
pub(crate) fn read_chunk<R: Read>(
    reader: &mut RecordReader<R>,
    chunk: &mut Vec<RawRecord>,
    (want, want_bytes): (usize, usize),
    path: &Path,
    frames: &mut FileFrames,
) -> Result<bool, RunError> {
    // The chunk's records are reused: their buffers are read into again.
    let mut n = 0;
    let mut bytes = 0usize;
    while n < want && bytes < want_bytes {
        if n == chunk.len() {
            chunk.push(RawRecord::new());
        }
        let Some(rec) = chunk.get_mut(n) else { break };
        if rec.bytes.capacity() > KEEP_RECORD_CAPACITY {
            *rec = RawRecord::new();
        }
        let more = reader.read_record(rec).map_err(|error| RunError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        if !more {
            chunk.truncate(n);
            return Ok(false);
        }
        if rec
            .problems
            .iter()
            .any(|p| matches!(p, FrameProblem::UnterminatedQuote))
        {
            frames.problems.push(RunProblem::new(
                RunProblemKind::UnterminatedQuote,
                Some(path.display().to_string()),
                format!(
                    "a quote opened in record {} (byte offset {}) is not closed: the rest of the file, {} bytes and {} more lines, was read as that one record (rejected)",
                    rec.number,
                    rec.offset,
                    rec.bytes.len(),
                    rec.bytes.iter().filter(|b| **b == b'\n').count()
                ),
            ));
        }
        // A header or trailer out of place, or misframed (wrong length, …), is rejected
        // with its bytes like a data record: it may be data that only looks like one.
        let sound = rec
            .problems
            .iter()
            .all(|p| matches!(p, FrameProblem::TrailerCount { .. }));
        if rec.role != RecordRole::Data && sound {
            // Header and trailer records in their place are not data: they are counted,
            // and their problem (a trailer count that disagrees) is the file's.
            match rec.role {
                RecordRole::Trailer => frames.trailer += 1,
                _ => frames.header += 1,
            }
            for p in &rec.problems {
                let kind = RunProblemKind::TrailerCount;
                bump(&mut frames.findings, kind.id());
                frames.problems.push(RunProblem::new(
                    kind,
                    Some(path.display().to_string()),
                    format!(
                        "{} record {} (byte offset {}): {p}",
                        ikou_cleanse::frame::role_name(rec.role),
                        rec.number,
                        rec.offset
                    ),
                ));
            }
            continue;
        }
        bytes += rec.bytes.len();
        frames.handed_on += 1;
        n += 1;
    }
    chunk.truncate(n);
    Ok(true)
}

/// The problems of a file that its reader's summary shows once the file is read, and the
/// check that every physical record was accounted for.
pub(crate) fn file_problems<R: Read>(
    reader: &RecordReader<R>,
    path: &Path,
    frames: &mut FileFrames,
) -> Result<(), RunError> {
    let summary = reader.summary();
    let file = Some(path.display().to_string());
    if summary.records != frames.header + frames.trailer + frames.handed_on {
        return Err(RunError::Frame(format!(
            "{}: accounting failed: {} physical records ≠ {} header + {} trailer + {} data; no output was published",
            path.display(),
            summary.records,
            frames.header,
            frames.trailer,
            frames.handed_on
        )));
    }
    if summary.eof_marker.is_some() {
        bump(&mut frames.findings, RunProblemKind::EofMarker.id());
    }
    if summary.missing_trailer {
        bump(&mut frames.findings, RunProblemKind::MissingTrailer.id());
        frames.problems.push(RunProblem::new(
            RunProblemKind::MissingTrailer,
            file.clone(),
            format!(
                "the layout has a trailer record but the file has none after {} records ({} bytes): the file may be cut",
                summary.records, summary.bytes
            ),
        ));
    }
    if let Some(found) = summary.newline_mismatch() {
        bump(&mut frames.findings, RunProblemKind::NewlineMismatch.id());
        frames.problems.push(RunProblem::new(
            RunProblemKind::NewlineMismatch,
            file.clone(),
            format!(
                "newline mismatch: the layout's records end with {}, the file has {found} line ends ({} LF, {} CR, {} CRLF; the first at byte offset {}); its records are misframed — export the file with {} or fix the layout's terminator",
                summary.terminator,
                summary.stray_lf,
                summary.stray_cr,
                summary.stray_crlf,
                summary.first_stray_break.unwrap_or(0),
                summary.terminator
            ),
        ));
    }
    if summary.records == 0 {
        frames.problems.push(RunProblem {
            kind: "input.empty".into(),
            file,
            message: format!("the input holds no record ({} bytes)", summary.bytes),
        });
    }
    Ok(())
}
