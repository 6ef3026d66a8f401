//! One `ikou convert` run: stream the inputs through a [`Plan`], write every output under a
//! temporary name, check the accounting, then rename the outputs into place and write the
//! manifest last.

use crate::keysort::{KeySorter, DEFAULT_BUFFER_KEYS};
use crate::manifest::{Counts, InputInfo, LayoutRef, Manifest, RunProblem, Timings, MANIFEST};
use crate::output::{
    guard_cell, hex, sync_dir, HashingWriter, OutputFile, OutputInfo, PendingOutput,
};
use crate::plan::{check_indices, key_of, CrossFacts, ItemRef, Plan, Processed, Scratch};
use crate::reason::ReasonKind;
use crate::sink::{RecordSink, Row, SinkError};
use ikou_cleanse::frame::{FrameProblem, RawRecord, ReadError, RecordReader};
use ikou_cleanse::gaiji::GaijiInventory;
use ikou_layout_spec::profile::{Header, LineEnding, Quoting};
use ikou_layout_spec::{Layout, RecordRole};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which optional outputs a run writes. The standard CSV, `rejects.csv` and the manifest
/// are always written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    /// `changes.csv`.
    pub changes_csv: bool,
    /// `changes.parquet`.
    pub changes_parquet: bool,
    /// `before.arrow`.
    pub before_arrow: bool,
    /// `before.parquet`.
    pub before_parquet: bool,
    /// `after.arrow`.
    pub after_arrow: bool,
    /// `after.parquet`.
    pub after_parquet: bool,
    /// `gaiji.csv`, the 外字 inventory.
    pub gaiji_csv: bool,
    /// `report.html`, the verification report for municipal staff.
    pub report: bool,
}

/// The names `--outputs` accepts, with what each selects.
pub const OUTPUT_NAMES: &[(&str, &str)] = &[
    ("all", "every output"),
    (
        "minimal",
        "only the standard CSV, rejects.csv and manifest.json",
    ),
    ("changes", "changes.csv and changes.parquet"),
    ("changes-csv", "changes.csv"),
    ("changes-parquet", "changes.parquet"),
    ("before", "before.arrow and before.parquet"),
    ("after", "after.arrow and after.parquet"),
    ("arrow", "before.arrow and after.arrow"),
    (
        "parquet",
        "before.parquet, after.parquet and changes.parquet",
    ),
    ("after-parquet", "after.parquet"),
    ("gaiji", "gaiji.csv"),
    ("report", "report.html"),
];

impl Outputs {
    /// Every output.
    pub fn all() -> Outputs {
        Outputs {
            changes_csv: true,
            changes_parquet: true,
            before_arrow: true,
            before_parquet: true,
            after_arrow: true,
            after_parquet: true,
            gaiji_csv: true,
            report: true,
        }
    }

    /// Only the outputs that are always written.
    pub fn minimal() -> Outputs {
        Outputs {
            changes_csv: false,
            changes_parquet: false,
            before_arrow: false,
            before_parquet: false,
            after_arrow: false,
            after_parquet: false,
            gaiji_csv: false,
            report: false,
        }
    }

    /// Parses a comma-separated list of [`OUTPUT_NAMES`] (`after-parquet,changes`).
    ///
    /// # Errors
    /// An unknown name.
    pub fn parse(list: &str) -> Result<Outputs, String> {
        let mut o = Outputs::minimal();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "all" => o = Outputs::all(),
                "minimal" => {}
                "changes" => (o.changes_csv, o.changes_parquet) = (true, true),
                "changes-csv" => o.changes_csv = true,
                "changes-parquet" => o.changes_parquet = true,
                "before" => (o.before_arrow, o.before_parquet) = (true, true),
                "after" => (o.after_arrow, o.after_parquet) = (true, true),
                "arrow" => (o.before_arrow, o.after_arrow) = (true, true),
                "parquet" => {
                    (o.before_parquet, o.after_parquet, o.changes_parquet) = (true, true, true)
                }
                "after-parquet" => o.after_parquet = true,
                "gaiji" => o.gaiji_csv = true,
                "report" => o.report = true,
                other => {
                    let names: Vec<_> = OUTPUT_NAMES.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "unknown output `{other}`; choose from {}",
                        names.join(", ")
                    ));
                }
            }
        }
        Ok(o)
    }

    fn describe(&self) -> String {
        let mut v = Vec::new();
        for (on, name) in [
            (self.changes_csv, "changes-csv"),
            (self.changes_parquet, "changes-parquet"),
            (self.before_arrow, "before-arrow"),
            (self.before_parquet, "before-parquet"),
            (self.after_arrow, "after-arrow"),
            (self.after_parquet, "after-parquet"),
            (self.gaiji_csv, "gaiji"),
            (self.report, "report"),
        ] {
            if on {
                v.push(name);
            }
        }
        if v.is_empty() {
            "minimal".into()
        } else {
            v.join(",")
        }
    }
}

/// How a run is carried out.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The run directory.
    pub out_dir: PathBuf,
    /// Write into a non-empty run directory (replacing a previous run's outputs).
    pub force: bool,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Optional outputs.
    pub outputs: Outputs,
    /// Records per chunk handed to the workers (default 512: small enough that a chunk's
    /// values stay in the CPU caches between processing and writing — 4,096 cost about 15 %
    /// more CPU time on the sample — and large enough for the pool's overhead not to show).
    pub chunk_records: usize,
    /// Show personal values unmasked in the report (`--show-values`).
    pub show_values: bool,
    /// Keys the first pass keeps in memory per check before spilling a sorted run to the
    /// run directory.
    pub sort_buffer_keys: usize,
    /// Bytes of records per chunk: a chunk ends at `chunk_records` records or once it
    /// holds this many bytes, whichever comes first (default 4 MiB), so that the memory of
    /// a run is bounded whatever the record sizes (see docs/CONVERT.md, "Memory budget").
    pub chunk_bytes: usize,
    /// The longest record kept whole (default [`DEFAULT_MAX_RECORD_BYTES`]); a longer one is
    /// rejected (`frame.too_long`) with its first bytes.
    pub max_record_bytes: usize,
    /// The most fields of a delimited record (default
    /// [`ikou_cleanse::frame::DEFAULT_MAX_FIELDS`]); a record with more is rejected
    /// (`frame.too_many_fields`).
    pub max_fields: usize,
    /// Stops the run when cancelled (checked between chunks of both passes and before
    /// anything is published).
    pub cancel: Option<CancelToken>,
}

/// The default limit on one record's length in a run (8 MiB: far beyond any real record,
/// small enough for the memory budget).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 8 << 20;

/// The default bytes of records per chunk (4 MiB).
pub const DEFAULT_CHUNK_BYTES: usize = 4 << 20;

impl RunOptions {
    /// Options for a run into `out_dir` with every output, all cores.
    pub fn new(out_dir: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            out_dir: out_dir.into(),
            force: false,
            threads: 0,
            outputs: Outputs::all(),
            chunk_records: 512,
            show_values: false,
            sort_buffer_keys: DEFAULT_BUFFER_KEYS,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            max_fields: ikou_cleanse::frame::DEFAULT_MAX_FIELDS,
            cancel: None,
        }
    }

    fn check_cancel(&self) -> Result<(), RunError> {
        match &self.cancel {
            Some(c) if c.is_cancelled() => Err(RunError::Cancelled),
            _ => Ok(()),
        }
    }

    fn chunk(&self) -> (usize, usize) {
        (self.chunk_records.max(1), self.chunk_bytes.max(1))
    }

    fn record_reader<R: Read>(
        &self,
        rdr: R,
        layout: &Layout,
    ) -> Result<RecordReader<R>, ikou_cleanse::frame::FrameConfigError> {
        Ok(RecordReader::new(rdr, layout)?
            .with_max_record_len(self.max_record_bytes)
            .with_max_fields(self.max_fields))
    }
}

/// Progress of a run, for a progress bar. Called from the run's thread.
pub trait Progress {
    /// The run starts a pass over `total_bytes` of input (`pass` 1: checks, 2: conversion).
    fn start(&self, pass: u8, total_bytes: u64);
    /// `records` more records and `bytes` more input bytes are done.
    fn advance(&self, records: u64, bytes: u64);
    /// The pass is over.
    fn finish(&self);
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u8, _: u64) {}
    fn advance(&self, _: u64, _: u64) {}
    fn finish(&self) {}
}

/// What went wrong in a run.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError {
    /// The run directory exists and is not empty (and `force` was not given).
    OutDirNotEmpty(PathBuf),
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
    Frame(String),
    /// An output could not be written.
    Output {
        /// The output's name.
        name: String,
        /// The error.
        error: io::Error,
    },
    /// A sink failed.
    Sink(SinkError),
    /// The run was cancelled ([`CancelToken`]): nothing was published, no manifest.
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
            RunError::OutDirNotEmpty(_) | RunError::Frame(_) | RunError::Locked(_)
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
            RunError::Locked(p) => write!(
                f,
                "{}: another run is writing into this run directory (it holds the directory's lock); wait for it to end or choose another --out",
                p.display()
            ),
            RunError::Input { path, error } => write!(f, "{}: {error}", path.display()),
            RunError::Read { path, error } => write!(f, "{}: {error}", path.display()),
            RunError::Frame(m) => f.write_str(m),
            RunError::Output { name, error } => write!(f, "writing {name}: {error}"),
            RunError::Sink(e) => write!(f, "writing {e}"),
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

impl std::error::Error for RunError {}

impl From<SinkError> for RunError {
    fn from(e: SinkError) -> RunError {
        RunError::Sink(e)
    }
}

fn out_err(name: &str) -> impl FnOnce(io::Error) -> RunError + '_ {
    move |error| RunError::Output {
        name: name.to_string(),
        error,
    }
}

/// A reader that hashes what it reads and counts bytes for progress.
struct HashingReader<R> {
    inner: R,
    hash: std::sync::Arc<std::sync::Mutex<HashingWriter<io::Sink>>>,
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

/// The file name of the standard CSV for a target layout (`jumin-kiroku.csv`).
pub fn data_csv_name(target: &Layout) -> String {
    let stem = target.id.rsplit('/').next().unwrap_or("output");
    format!("{stem}.csv")
}

/// Every file name a run may write (for `--force` cleanup and `verify`).
pub fn run_file_names(target: &Layout) -> Vec<String> {
    let mut v = vec![data_csv_name(target)];
    for n in [
        "rejects.csv",
        "changes.csv",
        "changes.parquet",
        "before.arrow",
        "before.parquet",
        "after.arrow",
        "after.parquet",
        "gaiji.csv",
        "report.html",
        MANIFEST,
    ] {
        v.push(n.to_string());
    }
    v
}

/// Creates `dir` and the parents that are missing, each mode 0700 whatever the umask (a
/// run directory holds personal data). Directories that exist are left as they are.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.iter().rev() {
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        match b.create(d) {
            Ok(()) => {
                // The umask may have taken bits away (never added): set exactly 0700.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An exclusive lock on a run directory, held for the whole run (released when dropped, or
/// by the kernel when the process dies: a killed run leaves no stale lock).
#[derive(Debug)]
pub(crate) struct DirLock {
    _dir: File,
}

impl DirLock {
    /// Takes the lock without waiting; fails with [`RunError::Locked`] when another run
    /// holds it.
    pub(crate) fn take(dir: &Path) -> Result<DirLock, RunError> {
        let f = File::open(dir).map_err(out_err("the run directory"))?;
        #[cfg(unix)]
        {
            use rustix::fs::{flock, FlockOperation};
            match flock(&f, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                    return Err(RunError::Locked(dir.to_path_buf()))
                }
                Err(e) => return Err(out_err("the run directory")(io::Error::from(e))),
            }
        }
        Ok(DirLock { _dir: f })
    }
}

fn prepare_dir(opts: &RunOptions, plan: &Plan) -> Result<DirLock, RunError> {
    let dir = &opts.out_dir;
    create_private_dir(dir).map_err(out_err("the run directory"))?;
    let lock = DirLock::take(dir)?;
    let non_empty = std::fs::read_dir(dir)
        .map_err(out_err("the run directory"))?
        .next()
        .is_some();
    if non_empty {
        if !opts.force {
            return Err(RunError::OutDirNotEmpty(dir.clone()));
        }
        // The old manifest (the commit marker) goes first, and its removal is on disk before
        // any other old file is removed or a new one renamed into place: whatever happens
        // next, the directory never looks like a finished run.
        match std::fs::remove_file(dir.join(MANIFEST)) {
            Ok(()) => sync_dir(dir).map_err(out_err("the run directory"))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(out_err(MANIFEST)(e)),
        }
        for name in run_file_names(&plan.target) {
            match std::fs::remove_file(dir.join(&name)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(out_err(&name)(e)),
            }
        }
        // Temporary files of a killed run hold personal data too (best effort: a name this
        // run needs is replaced anyway when it is created).
        for entry in std::fs::read_dir(dir).map_err(out_err("the run directory"))? {
            let entry = entry.map_err(out_err("the run directory"))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".partial") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(lock)
}

/// What identifies the content of an open file: its size, modification time and (on Unix)
/// device and inode. Both passes read through one open handle; the identity is taken when
/// the file is opened and compared before and after each pass, so a file written to in
/// place between or during the passes fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    len: u64,
    modified: Option<std::time::SystemTime>,
    dev: u64,
    ino: u64,
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
}

impl fmt::Debug for RunInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunInput::Path(p) => f.debug_tuple("Path").field(p).finish(),
            RunInput::Reader { name, .. } => f
                .debug_struct("Reader")
                .field("name", name)
                .finish_non_exhaustive(),
        }
    }
}

enum Source {
    File { file: File, id: FileId },
    Reader(Box<dyn ReadSeek>),
}

/// One input of a run: one handle held open for both passes.
pub(crate) struct Input {
    path: PathBuf,
    src: Source,
    len: u64,
}

impl Input {
    fn open(input: RunInput) -> Result<Input, RunError> {
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
    fn rewind(&mut self) -> Result<&mut dyn ReadSeek, RunError> {
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
struct FileFrames {
    /// Header records in their place.
    header: u64,
    /// Trailer records in their place.
    trailer: u64,
    /// Records handed on to conversion (data, and misplaced header/trailer records).
    handed_on: u64,
    /// Problems of the file as a whole (a trailer count, an unterminated quote).
    problems: Vec<RunProblem>,
    /// Findings by kind (the problems of header and trailer records).
    findings: BTreeMap<String, u64>,
}

/// A record buffer that once held a record larger than this is given back to the allocator
/// when it is reused, so that one huge record does not stay in every chunk's buffers.
const KEEP_RECORD_CAPACITY: usize = 256 << 10;

/// Reads up to `want` records or about `want_bytes` bytes (whichever comes first) into
/// `chunk`. Header and trailer records in their place are counted in `frames`, not
/// returned; a header or trailer out of place is returned, to be rejected with its bytes.
fn read_chunk<R: Read>(
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
            frames.problems.push(RunProblem {
                kind: "frame.unterminated_quote".into(),
                file: Some(path.display().to_string()),
                message: format!(
                    "a quote opened in record {} (byte offset {}) is not closed: the rest of the file, {} bytes and {} more lines, was read as that one record (rejected)",
                    rec.number,
                    rec.offset,
                    rec.bytes.len(),
                    rec.bytes.iter().filter(|b| **b == b'\n').count()
                ),
            });
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
                let kind = "frame.trailer_count";
                bump(&mut frames.findings, kind);
                frames.problems.push(RunProblem {
                    kind: kind.into(),
                    file: Some(path.display().to_string()),
                    message: format!(
                        "{} record {} (byte offset {}): {p}",
                        ikou_cleanse::frame::role_name(rec.role),
                        rec.number,
                        rec.offset
                    ),
                });
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
fn file_problems<R: Read>(
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
        bump(&mut frames.findings, "frame.eof_marker");
    }
    if summary.missing_trailer {
        bump(&mut frames.findings, "frame.missing_trailer");
        frames.problems.push(RunProblem {
            kind: "frame.missing_trailer".into(),
            file: file.clone(),
            message: format!(
                "the layout has a trailer record but the file has none after {} records ({} bytes): the file may be cut",
                summary.records, summary.bytes
            ),
        });
    }
    if let Some(found) = summary.newline_mismatch() {
        bump(&mut frames.findings, "frame.newline_mismatch");
        frames.problems.push(RunProblem {
            kind: "frame.newline_mismatch".into(),
            file: file.clone(),
            message: format!(
                "newline mismatch: the layout's records end with {}, the file has {found} line ends ({} LF, {} CR, {} CRLF; the first at byte offset {}); its records are misframed — export the file with {} or fix the layout's terminator",
                summary.terminator,
                summary.stray_lf,
                summary.stray_cr,
                summary.stray_crlf,
                summary.first_stray_break.unwrap_or(0),
                summary.terminator
            ),
        });
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

fn pool(threads: usize) -> Result<rayon::ThreadPool, RunError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Frame(format!("cannot start worker threads: {e}")))
}

/// Pass 1: the facts the cross-record checks need (duplicates, households).
fn gather_facts(
    plan: &Plan,
    inputs: &mut [Input],
    opts: &RunOptions,
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<CrossFacts, RunError> {
    let (unique, household) = check_indices(plan);
    let mut facts = CrossFacts {
        duplicates: vec![HashMap::new(); unique.len()],
        ..CrossFacts::default()
    };
    if unique.is_empty() && household.is_none() {
        return Ok(facts);
    }
    let head_value = plan
        .profile
        .checks
        .household
        .as_ref()
        .map(|h| h.head_value.clone())
        .unwrap_or_default();
    let total: u64 = inputs.iter().map(|i| i.len).sum();
    // Keys are sorted with bounded memory (spilled to the run directory when large).
    let limit = opts.sort_buffer_keys;
    let mut keys: Vec<KeySorter> = (0..unique.len())
        .map(|k| KeySorter::new(&opts.out_dir, &format!("unique{k}"), limit))
        .collect();
    let mut homes = KeySorter::new(&opts.out_dir, "households", limit);
    let spill_err = |error| RunError::Output {
        name: "the first pass's key runs".into(),
        error,
    };
    progress.start(1, total);
    for input in inputs.iter_mut() {
        let path = &input.path.clone();
        let mut ignored = FileFrames::default();
        let mut reader = opts
            .record_reader(input.rewind()?, &plan.source)
            .map_err(|e| RunError::Frame(e.to_string()))?;
        let mut chunk = Vec::new();
        loop {
            opts.check_cancel()?;
            let more = read_chunk(&mut reader, &mut chunk, opts.chunk(), path, &mut ignored)?;
            let values: Vec<Vec<Option<String>>> = pool.install(|| {
                chunk
                    .par_iter()
                    .map_init(
                        || Scratch::new(plan.charset()),
                        |s, r| {
                            if r.role == RecordRole::Data {
                                plan.check_values(r, s)
                            } else {
                                Vec::new() // a misplaced header or trailer has no keys
                            }
                        },
                    )
                    .collect()
            });
            for v in &values {
                for (k, &i) in unique.iter().enumerate() {
                    if let (Some(Some(val)), Some(list)) = (v.get(i), keys.get_mut(k)) {
                        list.push(key_of(val)).map_err(spill_err)?;
                    }
                }
                if let Some((hk, hh)) = household {
                    if let Some(Some(home)) = v.get(hk) {
                        let head =
                            v.get(hh).and_then(|x| x.as_deref()) == Some(head_value.as_str());
                        homes
                            .push((key_of(home) << 1) | u64::from(head))
                            .map_err(spill_err)?;
                    }
                }
            }
            let bytes: u64 = chunk.iter().map(|r| r.bytes.len() as u64 + 2).sum();
            progress.advance(chunk.len() as u64, bytes);
            if !more {
                break;
            }
        }
    }
    progress.finish();
    for (k, list) in keys.into_iter().enumerate() {
        // Runs of equal keys in sorted order: a run longer than one is a duplicate.
        let mut run: Option<(u64, u32)> = None;
        let dups = facts.duplicates.get_mut(k);
        let mut found = HashMap::new();
        list.for_each_sorted(|key| match &mut run {
            Some((k0, n)) if *k0 == key => *n += 1,
            _ => {
                if let Some((k0, n)) = run.take() {
                    if n > 1 {
                        found.insert(k0, n);
                    }
                }
                run = Some((key, 1));
            }
        })
        .map_err(spill_err)?;
        if let Some((k0, n)) = run {
            if n > 1 {
                found.insert(k0, n);
            }
        }
        if let Some(d) = dups {
            *d = found;
        }
    }
    // Households: keys are (home << 1 | is_head); count the heads of each home.
    let mut run: Option<(u64, u32)> = None;
    let bad = &mut facts.bad_households;
    homes
        .for_each_sorted(|h| {
            let (home, head) = (h >> 1, (h & 1) as u32);
            match &mut run {
                Some((h0, heads)) if *h0 == home => *heads += head,
                _ => {
                    if let Some((h0, heads)) = run.take() {
                        if heads != 1 {
                            bad.insert(h0, heads);
                        }
                    }
                    run = Some((home, head));
                }
            }
        })
        .map_err(spill_err)?;
    if let Some((h0, heads)) = run {
        if heads != 1 {
            bad.insert(h0, heads);
        }
    }
    Ok(facts)
}

fn apply_facts(plan: &Plan, facts: &CrossFacts, p: &mut Processed) {
    let (unique, household) = check_indices(plan);
    for (k, &i) in unique.iter().enumerate() {
        let Some(Some(v)) = p.after.get(i) else {
            continue;
        };
        if let Some(n) = facts.duplicates.get(k).and_then(|d| d.get(&key_of(v))) {
            let key = plan.target.items.get(i).map(|t| t.key.clone());
            p.reasons.push(crate::plan::Reason {
                kind: ReasonKind::CheckDuplicate,
                message: format!(
                    "the same {} appears in {n} records",
                    key.as_deref().unwrap_or("value")
                ),
                item: key,
            });
        }
    }
    if let Some((hk, _)) = household {
        if let Some(Some(home)) = p.after.get(hk) {
            if let Some(&heads) = facts.bad_households.get(&key_of(home)) {
                let h = plan.profile.checks.household.as_ref();
                p.reasons.push(crate::plan::Reason {
                    kind: if heads == 0 {
                        ReasonKind::CheckHouseholdNoHead
                    } else {
                        ReasonKind::CheckHouseholdHeads
                    },
                    item: h.map(|h| h.key.clone()),
                    message: format!(
                        "the household has {heads} records with {} = {} (exactly one is required)",
                        h.map(|h| h.head_item.as_str()).unwrap_or("head"),
                        h.map(|h| h.head_value.as_str()).unwrap_or("")
                    ),
                });
            }
        }
    }
}

struct Sinks {
    data: csv::Writer<OutputFile>,
    rejects: csv::Writer<OutputFile>,
    changes: Option<csv::Writer<OutputFile>>,
    /// The vendor's own sinks ([`Run::sink`]).
    extra: Vec<Box<dyn RecordSink>>,
    #[cfg(feature = "arrow")]
    arrow: crate::arrow_out::ArrowOutputs,
}

fn csv_writer(file: OutputFile, quote: Quoting, ending: LineEnding) -> csv::Writer<OutputFile> {
    csv::WriterBuilder::new()
        .quote_style(match quote {
            Quoting::Necessary => csv::QuoteStyle::Necessary,
            Quoting::Always => csv::QuoteStyle::Always,
        })
        .terminator(match ending {
            LineEnding::Crlf => csv::Terminator::CRLF,
            LineEnding::Lf => csv::Terminator::Any(b'\n'),
        })
        .buffer_capacity(256 * 1024)
        .from_writer(file)
}

fn csv_err(name: &str) -> impl FnOnce(csv::Error) -> RunError + '_ {
    move |e| RunError::Output {
        name: name.to_string(),
        error: io::Error::other(e.to_string()),
    }
}

impl Sinks {
    fn open(
        plan: &Plan,
        opts: &RunOptions,
        extra: Vec<Box<dyn RecordSink>>,
    ) -> Result<Sinks, RunError> {
        let dir = &opts.out_dir;
        let form = plan.profile.output;
        let data_name = data_csv_name(&plan.target);
        let mut data_file = OutputFile::create(dir, &data_name).map_err(out_err(&data_name))?;
        if form.bom {
            data_file
                .write_all(b"\xEF\xBB\xBF")
                .map_err(out_err(&data_name))?;
        }
        let mut data = csv_writer(data_file, form.quote, form.line_ending);
        match form.header {
            Header::Names => data
                .write_record(plan.target.items.iter().map(|i| i.name.as_str()))
                .map_err(csv_err(&data_name))?,
            Header::Keys => data
                .write_record(plan.target.items.iter().map(|i| i.key.as_str()))
                .map_err(csv_err(&data_name))?,
            Header::None => {}
        }
        let mut rejects = csv_writer(
            OutputFile::create(dir, "rejects.csv").map_err(out_err("rejects.csv"))?,
            Quoting::Necessary,
            LineEnding::Crlf,
        );
        rejects
            .write_record([
                "record",
                "file",
                "file_record",
                "byte_offset",
                "kinds",
                "reasons",
                "raw_hex",
            ])
            .map_err(csv_err("rejects.csv"))?;
        let changes = if opts.outputs.changes_csv {
            let mut w = csv_writer(
                OutputFile::create(dir, "changes.csv").map_err(out_err("changes.csv"))?,
                Quoting::Necessary,
                LineEnding::Crlf,
            );
            w.write_record(["record", "item", "rule", "before", "after"])
                .map_err(csv_err("changes.csv"))?;
            Some(w)
        } else {
            None
        };
        Ok(Sinks {
            data,
            rejects,
            changes,
            extra,
            #[cfg(feature = "arrow")]
            arrow: crate::arrow_out::ArrowOutputs::open(plan, opts)?,
        })
    }
}

/// Counts one occurrence of `key`, allocating the key only the first time.
fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

struct Tally {
    counts: Counts,
    gaiji: GaijiInventory,
    /// Changes by rule and findings by kind, counted without a map lookup per occurrence
    /// (folded into `counts` by [`Tally::fold`]).
    rules: StaticCounter,
    findings: StaticCounter,
    /// Changes by item: source items, then target items.
    by_item: Vec<u64>,
}

impl Tally {
    fn new(plan: &Plan) -> Tally {
        Tally {
            counts: Counts::default(),
            gaiji: GaijiInventory::new(),
            rules: StaticCounter::default(),
            findings: StaticCounter::default(),
            by_item: vec![0; plan.source.items.len() + plan.target.items.len()],
        }
    }

    fn item_slot(plan: &Plan, item: ItemRef) -> usize {
        match item {
            ItemRef::Source(i) => i,
            ItemRef::Target(i) => plan.source.items.len() + i,
        }
    }

    /// Moves the fast counters into `counts`.
    fn fold(&mut self, plan: &Plan) {
        for (rule, n) in self.rules.0.drain(..) {
            *self.counts.changes_by_rule.entry(rule.into()).or_insert(0) += n;
        }
        for (kind, n) in self.findings.0.drain(..) {
            *self.counts.findings_by_kind.entry(kind.into()).or_insert(0) += n;
        }
        let source = plan.source.items.len();
        for (slot, n) in self.by_item.iter_mut().enumerate() {
            if *n == 0 {
                continue;
            }
            let item = if slot < source {
                ItemRef::Source(slot)
            } else {
                ItemRef::Target(slot - source)
            };
            *self
                .counts
                .changes_by_item
                .entry(plan.item_key(item).into())
                .or_insert(0) += std::mem::take(n);
        }
    }
}

/// Counts of a small set of static strings (rule ids, finding kinds): a linear scan that
/// compares pointers first.
#[derive(Default)]
struct StaticCounter(Vec<(&'static str, u64)>);

impl StaticCounter {
    fn bump(&mut self, key: &'static str) {
        for (k, n) in &mut self.0 {
            if std::ptr::eq(*k, key) || *k == key {
                *n += 1;
                return;
            }
        }
        self.0.push((key, 1));
    }
}

/// Writes one chunk's results to every output and counts them. The outputs are written by
/// separate tasks on the pool (with one thread, one after the other).
fn write_chunk(
    plan: &Plan,
    sinks: &mut Sinks,
    tally: &mut Tally,
    results: &[Processed],
    file: &str,
    file_records: &[u64],
) -> Result<(), RunError> {
    let Sinks {
        data,
        rejects,
        changes,
        extra,
        #[cfg(feature = "arrow")]
        arrow,
    } = sinks;
    let mut data_result = Ok(());
    let mut rejects_result = Ok(());
    let mut changes_result = Ok(());
    #[cfg(feature = "arrow")]
    let mut arrow_result = Ok(());
    rayon::scope(|s| {
        s.spawn(|_| data_result = write_data(plan, data, results));
        s.spawn(|_| rejects_result = write_rejects(rejects, results, file, file_records));
        if let Some(w) = changes.as_mut() {
            s.spawn(|_| changes_result = write_changes(plan, w, results));
        }
        #[cfg(feature = "arrow")]
        s.spawn(|_| arrow_result = arrow.write(plan, results));
        tally_chunk(plan, tally, results);
    });
    data_result?;
    rejects_result?;
    changes_result?;
    if !extra.is_empty() {
        let rows: Vec<Row<'_>> = results
            .iter()
            .filter(|p| !p.rejected())
            .map(|p| Row {
                record: p.record,
                offset: p.offset,
                values: &p.after,
                raw: None,
            })
            .collect();
        for sink in extra.iter_mut() {
            sink.write_rows(&rows)?;
        }
    }
    #[cfg(feature = "arrow")]
    arrow_result?;
    Ok(())
}

fn tally_chunk(plan: &Plan, tally: &mut Tally, results: &[Processed]) {
    for p in results {
        tally.counts.input_records += 1;
        for g in &p.gaiji {
            let key = plan
                .source
                .items
                .get(g.item)
                .map(|i| i.key.as_str())
                .unwrap_or("");
            let mapping = if g.mapped {
                plan.gaiji_table().get(g.code)
            } else {
                None
            };
            tally.gaiji.record(g.code, key, p.record, mapping, None);
            *tally
                .counts
                .gaiji_by_code
                .entry(ikou_cleanse::gaiji::code_hex(g.code))
                .or_insert(0) += 1;
            if !g.mapped {
                tally.counts.gaiji_unmapped += 1;
            }
        }
        for f in &p.findings {
            tally.findings.bump(f);
        }
        if p.rejected() {
            tally.counts.rejected_records += 1;
            for r in &p.reasons {
                bump(&mut tally.counts.rejects_by_reason, r.kind.id());
            }
            continue;
        }
        tally.counts.output_records += 1;
        tally.counts.padding_stripped += u64::from(p.padding_stripped);
        for c in &p.changes {
            tally.rules.bump(c.rule);
            if let Some(n) = tally.by_item.get_mut(Tally::item_slot(plan, c.item)) {
                *n += 1;
            }
        }
    }
}

fn write_data(
    plan: &Plan,
    w: &mut csv::Writer<OutputFile>,
    results: &[Processed],
) -> Result<(), RunError> {
    let mut rec_buf = csv::ByteRecord::new();
    for p in results.iter().filter(|p| !p.rejected()) {
        rec_buf.clear();
        for v in &p.after {
            rec_buf.push_field(v.as_deref().unwrap_or("").as_bytes());
        }
        if let Err(e) = w.write_byte_record(&rec_buf) {
            return Err(csv_err(&data_csv_name(&plan.target))(e));
        }
    }
    Ok(())
}

fn write_rejects(
    w: &mut csv::Writer<OutputFile>,
    results: &[Processed],
    file: &str,
    file_records: &[u64],
) -> Result<(), RunError> {
    let file = guard_cell(file);
    for (p, file_record) in results.iter().zip(file_records) {
        if !p.rejected() {
            continue;
        }
        let reasons: Vec<String> = p.reasons.iter().map(ToString::to_string).collect();
        let joined = reasons.join("; ");
        let mut kinds: Vec<&str> = p.reasons.iter().map(|r| r.kind.id()).collect();
        kinds.dedup();
        let kinds = kinds.join("|");
        let record = p.record.to_string();
        let fr = file_record.to_string();
        let off = p.offset.to_string();
        let raw = hex(&p.raw);
        w.write_record([
            record.as_str(),
            &file,
            &fr,
            &off,
            &kinds,
            &guard_cell(&joined),
            &raw,
        ])
        .map_err(csv_err("rejects.csv"))?;
    }
    Ok(())
}

fn write_changes(
    plan: &Plan,
    w: &mut csv::Writer<OutputFile>,
    results: &[Processed],
) -> Result<(), RunError> {
    for p in results.iter().filter(|p| !p.rejected()) {
        let record = p.record.to_string();
        for c in &p.changes {
            let key = plan.item_key(c.item);
            // Staff open changes.csv in Excel: values are guarded like rejects.csv's.
            w.write_record([
                record.as_str(),
                key,
                c.rule,
                &guard_cell(&c.before),
                &guard_cell(&c.after),
            ])
            .map_err(csv_err("changes.csv"))?;
        }
    }
    Ok(())
}

fn finish_csv(w: csv::Writer<OutputFile>, name: &str) -> Result<PendingOutput, RunError> {
    let file = w.into_inner().map_err(|e| RunError::Output {
        name: name.to_string(),
        error: io::Error::other(e.error().to_string()),
    })?;
    file.complete().map_err(out_err(name))
}

/// Runs a conversion of `inputs` with `plan` into `opts.out_dir`.
///
/// Every data record ends up in the standard CSV or in `rejects.csv`; the run fails before
/// publishing anything if the counts do not reconcile.
///
/// # Errors
/// See [`RunError`]. After an error no output has its final name and the manifest is absent.
pub fn run(
    plan: &Plan,
    inputs: &[PathBuf],
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<Manifest, RunError> {
    Run::new(plan, opts)
        .inputs(inputs.iter().cloned().map(RunInput::Path))
        .progress(progress)
        .execute()
}

/// A signal to stop a run, shared with the code that decides (a UI's cancel button, a
/// signal handler). The run looks at it between chunks; a cancelled run ends with
/// [`RunError::Cancelled`], publishes nothing and writes no manifest.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks the run to stop.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A whole run, as a vendor embeds it: the plan and options, the inputs (paths or readers),
/// the vendor's own sinks beside the standard outputs, progress and cancellation (in
/// [`RunOptions::cancel`]). Every guarantee of `ikou convert` holds: both passes, the
/// accounting, rejects, changes and the manifest. The CLI runs through [`run`], which is
/// this builder with paths.
///
/// ```no_run
/// use ikou_convert::run::{CancelToken, Run, RunInput, RunOptions};
/// # fn demo(plan: &ikou_convert::plan::Plan, bytes: Vec<u8>) -> Result<(), ikou_convert::run::RunError> {
/// let mut opts = RunOptions::new("run1");
/// let cancel = CancelToken::new();
/// opts.cancel = Some(cancel.clone());
/// let manifest = Run::new(plan, &opts)
///     .input(RunInput::Reader { name: "export.dat".into(), reader: Box::new(std::io::Cursor::new(bytes)) })
///     .execute()?;
/// assert_eq!(manifest.counts.input_records, manifest.counts.output_records + manifest.counts.rejected_records);
/// # Ok(()) }
/// ```
pub struct Run<'a> {
    plan: &'a Plan,
    opts: &'a RunOptions,
    inputs: Vec<RunInput>,
    sinks: Vec<Box<dyn RecordSink>>,
    progress: &'a dyn Progress,
}

impl fmt::Debug for Run<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("inputs", &self.inputs)
            .field("sinks", &self.sinks.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Run<'a> {
    /// A run of `plan` with `opts`, no inputs yet, no progress shown.
    pub fn new(plan: &'a Plan, opts: &'a RunOptions) -> Run<'a> {
        Run {
            plan,
            opts,
            inputs: Vec::new(),
            sinks: Vec::new(),
            progress: &NoProgress,
        }
    }

    /// Adds an input (converted in the order added, into one run).
    pub fn input(mut self, input: RunInput) -> Run<'a> {
        self.inputs.push(input);
        self
    }

    /// Adds inputs.
    pub fn inputs(mut self, inputs: impl IntoIterator<Item = RunInput>) -> Run<'a> {
        self.inputs.extend(inputs);
        self
    }

    /// Adds a sink of the vendor's own: it receives every converted record (the values of
    /// the target layout, in input order, in batches) beside the standard outputs, and is
    /// finished before the run publishes anything; its error fails the run.
    pub fn sink(mut self, sink: Box<dyn RecordSink>) -> Run<'a> {
        self.sinks.push(sink);
        self
    }

    /// Reports progress to `progress`.
    pub fn progress(mut self, progress: &'a dyn Progress) -> Run<'a> {
        self.progress = progress;
        self
    }

    /// Runs the conversion.
    ///
    /// # Errors
    /// See [`RunError`]. After an error (or a cancellation) no output has its final name and
    /// the manifest is absent.
    pub fn execute(self) -> Result<Manifest, RunError> {
        execute(self.plan, self.inputs, self.opts, self.progress, self.sinks)
    }
}

fn execute(
    plan: &Plan,
    inputs: Vec<RunInput>,
    opts: &RunOptions,
    progress: &dyn Progress,
    extra: Vec<Box<dyn RecordSink>>,
) -> Result<Manifest, RunError> {
    let started = Instant::now();
    // Decoded source values are kept only when a `before` output is written.
    let want_before = opts.outputs.before_arrow || opts.outputs.before_parquet;
    // The texts of changes are kept only when a list of changes is written (the counts in
    // the manifest and the report need only the rule and the item).
    let want_change_text = opts.outputs.changes_csv || opts.outputs.changes_parquet;
    let adjusted;
    let plan = if plan.keeps_before() == want_before && plan.keeps_change_text() == want_change_text
    {
        plan
    } else {
        let mut p = plan.clone();
        p.set_keep_before(want_before);
        p.set_change_text(want_change_text);
        adjusted = p;
        &adjusted
    };
    // A run cancelled before it starts touches nothing (with --force, preparing the
    // directory removes the previous run).
    opts.check_cancel()?;
    // The lock is held until the run returns (the manifest is written before).
    let _lock = prepare_dir(opts, plan)?;
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let pool = pool(threads)?;
    let mut inputs = inputs
        .into_iter()
        .map(Input::open)
        .collect::<Result<Vec<_>, _>>()?;
    let facts = gather_facts(plan, &mut inputs, opts, &pool, progress)?;
    let mut sinks = Sinks::open(plan, opts, extra)?;
    let mut tally = Tally::new(plan);
    let mut input_infos = Vec::new();
    let total: u64 = inputs.iter().map(|i| i.len).sum();
    progress.start(2, total);
    let mut run_findings = BTreeMap::new();
    let mut problems: Vec<RunProblem> = Vec::new();
    let (mut header_records, mut trailer_records, mut physical_records) = (0u64, 0u64, 0u64);
    let mut next_record = 1u64;
    for input in inputs.iter_mut() {
        let path = &input.path.clone();
        let file = input.rewind()?;
        let hash = std::sync::Arc::new(std::sync::Mutex::new(HashingWriter::new(io::sink())));
        let hashing = HashingReader {
            inner: file,
            hash: std::sync::Arc::clone(&hash),
        };
        let mut reader = opts
            .record_reader(hashing, &plan.source)
            .map_err(|e| RunError::Frame(e.to_string()))?;
        let display = path.display().to_string();
        let before = tally.counts.input_records;
        let mut frames = FileFrames::default();
        let mut chunk = Vec::with_capacity(opts.chunk_records);
        let mut more = read_chunk(&mut reader, &mut chunk, opts.chunk(), path, &mut frames)?;
        let mut next_chunk = Vec::with_capacity(opts.chunk_records);
        let mut pending: Option<(Vec<Processed>, Vec<u64>)> = None;
        loop {
            // Process this chunk on the workers while this thread writes the previous
            // chunk's results and reads the next chunk.
            opts.check_cancel()?;
            let first = next_record;
            let (results, io_result) = pool.install(|| {
                rayon::join(
                    || {
                        chunk
                            .par_iter()
                            .enumerate()
                            .map_init(
                                || Scratch::new(plan.charset()),
                                |s, (i, r)| {
                                    let mut p = plan.process(r, first + i as u64, s);
                                    apply_facts(plan, &facts, &mut p);
                                    if p.rejected() && p.raw.is_empty() {
                                        // Rejected by a cross-record check only.
                                        p.raw.clone_from(&r.bytes);
                                    }
                                    p
                                },
                            )
                            .collect::<Vec<_>>()
                    },
                    || -> Result<bool, RunError> {
                        if let Some((prev, file_records)) = pending.take() {
                            write_chunk(
                                plan,
                                &mut sinks,
                                &mut tally,
                                &prev,
                                &display,
                                &file_records,
                            )?;
                        }
                        if more {
                            read_chunk(
                                &mut reader,
                                &mut next_chunk,
                                opts.chunk(),
                                path,
                                &mut frames,
                            )
                        } else {
                            next_chunk.clear();
                            Ok(false)
                        }
                    },
                )
            });
            let next_more = io_result?;
            next_record += chunk.len() as u64;
            let bytes: u64 = chunk.iter().map(|r| r.bytes.len() as u64 + 2).sum();
            progress.advance(chunk.len() as u64, bytes);
            let file_records: Vec<u64> = chunk.iter().map(|r| r.number).collect();
            pending = Some((results, file_records));
            if chunk.is_empty() && next_chunk.is_empty() {
                break;
            }
            std::mem::swap(&mut chunk, &mut next_chunk);
            more = next_more;
        }
        if let Some((prev, file_records)) = pending.take() {
            write_chunk(plan, &mut sinks, &mut tally, &prev, &display, &file_records)?;
        }
        file_problems(&reader, path, &mut frames)?;
        physical_records += reader.summary().records;
        header_records += frames.header;
        trailer_records += frames.trailer;
        for (k, v) in std::mem::take(&mut frames.findings) {
            *run_findings.entry(k).or_insert(0) += v;
        }
        problems.append(&mut frames.problems);
        drop(reader);
        input.check_unchanged()?;
        let (sha256, bytes) =
            match std::sync::Arc::try_unwrap(hash).map(std::sync::Mutex::into_inner) {
                Ok(Ok(h)) => {
                    let (sha256, bytes, _) = h.finish();
                    (sha256, bytes)
                }
                _ => return Err(RunError::Frame("input hash still in use".into())),
            };
        input_infos.push(InputInfo {
            path_hex: crate::manifest::path_hex(path),
            path: display,
            sha256,
            bytes,
            records: tally.counts.input_records - before,
        });
    }
    progress.finish();
    tally.fold(plan);
    for (k, v) in run_findings {
        *tally.counts.findings_by_kind.entry(k).or_insert(0) += v;
    }
    tally.counts.physical_records = physical_records;
    tally.counts.header_records = header_records;
    tally.counts.trailer_records = trailer_records;
    if tally.counts.output_records == 0 {
        problems.push(RunProblem {
            kind: "run.nothing_converted".into(),
            file: None,
            message: format!(
                "nothing was converted: 0 of {} records went to the standard CSV",
                tally.counts.input_records
            ),
        });
    }
    // Close every output (still under its temporary name).
    for sink in std::mem::take(&mut sinks.extra) {
        sink.finish()?;
    }
    let mut pending = Vec::new();
    let data_name = data_csv_name(&plan.target);
    pending.push(finish_csv(sinks.data, &data_name)?);
    pending.push(finish_csv(sinks.rejects, "rejects.csv")?);
    if let Some(w) = sinks.changes {
        pending.push(finish_csv(w, "changes.csv")?);
    }
    #[cfg(feature = "arrow")]
    pending.extend(sinks.arrow.finish()?);
    if opts.outputs.gaiji_csv {
        let mut f = OutputFile::create(&opts.out_dir, "gaiji.csv").map_err(out_err("gaiji.csv"))?;
        tally
            .gaiji
            .write_csv(&mut f)
            .map_err(out_err("gaiji.csv"))?;
        pending.push(f.complete().map_err(out_err("gaiji.csv"))?);
    }
    let c = &tally.counts;
    if let Err(e) = opts.check_cancel() {
        for p in pending {
            p.discard();
        }
        return Err(e);
    }
    let accounting_ok = c.input_records == c.output_records + c.rejected_records
        && c.physical_records == c.header_records + c.trailer_records + c.input_records;
    if !accounting_ok {
        for p in pending {
            p.discard();
        }
        return Err(RunError::Accounting {
            input: c.input_records,
            output: c.output_records,
            rejected: c.rejected_records,
        });
    }
    let mut outputs: Vec<OutputInfo> = Vec::new();
    for p in pending {
        let name = p.info.name.clone();
        outputs.push(p.commit(&opts.out_dir).map_err(out_err(&name))?);
    }
    // The renames are on disk before the manifest marks the run as finished.
    sync_dir(&opts.out_dir).map_err(out_err("the run directory"))?;
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let secs = started.elapsed().as_secs_f64();
    let total_records = tally.counts.input_records;
    let in_bytes: u64 = input_infos.iter().map(|i| i.bytes).sum();
    let manifest = Manifest {
        format: "ikou-run/1".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        profile: plan.profile.id.clone(),
        profile_file: plan.profile.file.clone(),
        source_layout: layout_ref(&plan.source),
        target_layout: layout_ref(&plan.target),
        options: BTreeMap::from([
            ("outputs".to_string(), opts.outputs.describe()),
            (
                "encoding".to_string(),
                plan.profile.characters.encoding.clone(),
            ),
            (
                "variants".to_string(),
                format!("{:?}", plan.profile.characters.variants).to_lowercase(),
            ),
            (
                "unmapped_gaiji".to_string(),
                format!("{:?}", plan.profile.characters.unmapped_gaiji).to_lowercase(),
            ),
            ("show_values".to_string(), opts.show_values.to_string()),
            (
                "header".to_string(),
                format!("{:?}", plan.profile.output.header).to_lowercase(),
            ),
            (
                "date_policy".to_string(),
                format!("{:?}", plan.profile.date_policy).to_lowercase(),
            ),
        ]),
        inputs: input_infos,
        data_file: data_name,
        outputs,
        counts: tally.counts,
        accounting_ok,
        problems,
        timings: Timings {
            total_seconds: secs,
            input_mb_per_second: if secs > 0.0 {
                in_bytes as f64 / 1e6 / secs
            } else {
                0.0
            },
            records_per_second: if secs > 0.0 {
                total_records as f64 / secs
            } else {
                0.0
            },
            threads,
        },
    };
    match publish(plan, opts, manifest) {
        Ok(m) => Ok(m),
        Err((e, outputs)) => {
            // The data files are under their final names already: a failed report or
            // manifest takes them back out, so that a failed run leaves nothing that looks
            // finished (best effort: the missing manifest says it in any case).
            for o in outputs {
                let _ = std::fs::remove_file(opts.out_dir.join(&o.name));
            }
            let _ = sync_dir(&opts.out_dir);
            Err(e)
        }
    }
}

/// Writes the report (if asked) and the manifest of a run whose outputs are in place; on
/// failure returns the error with the outputs to withdraw.
fn publish(
    plan: &Plan,
    opts: &RunOptions,
    manifest: Manifest,
) -> Result<Manifest, (RunError, Vec<OutputInfo>)> {
    let mut manifest = manifest;
    if opts.outputs.report {
        // The report reads the finished outputs and the manifest as it will be written
        // (it leaves out timings and its own entry, so `ikou report` regenerates it exactly).
        let options = crate::report::ReportOptions {
            show_values: opts.show_values,
            source_layout: Some(&plan.source),
            target_layout: Some(&plan.target),
            ..crate::report::ReportOptions::default()
        };
        let info = crate::report::write(
            &manifest,
            &opts.out_dir,
            &options,
            &opts.out_dir,
            crate::report::REPORT,
        )
        .map_err(|e| RunError::Output {
            name: crate::report::REPORT.into(),
            error: io::Error::other(e.to_string()),
        });
        match info {
            Ok(info) => {
                manifest.outputs.push(info);
                manifest.outputs.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Err(e) => return Err((e, manifest.outputs)),
        }
    }
    match write_manifest(&opts.out_dir, &manifest) {
        Ok(()) => Ok(manifest),
        Err(e) => Err((e, manifest.outputs)),
    }
}

fn layout_ref(l: &Layout) -> LayoutRef {
    LayoutRef {
        id: l.id.clone(),
        version: l.version.clone(),
        status: l.status.as_str().to_string(),
        name: l.name.clone(),
    }
}

/// Writes `manifest.json` atomically (temporary name, then rename), mode 0600. It is the
/// commit marker of a run: the directory is synced before (every output renamed so far is on
/// disk first) and after the rename (the marker itself is on disk when this returns).
///
/// # Errors
/// Any write or sync error.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), RunError> {
    sync_dir(dir).map_err(out_err("the run directory"))?;
    let mut f = OutputFile::create(dir, MANIFEST).map_err(out_err(MANIFEST))?;
    let mut text = serde_json::to_string_pretty(manifest)
        .map_err(|e| out_err(MANIFEST)(io::Error::other(e.to_string())))?;
    text.push('\n');
    f.write_all(text.as_bytes()).map_err(out_err(MANIFEST))?;
    f.complete()
        .map_err(out_err(MANIFEST))?
        .commit(dir)
        .map_err(out_err(MANIFEST))?;
    sync_dir(dir).map_err(out_err(MANIFEST))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "run_mutants_tests.rs"]
mod mutants_tests;

#[cfg(all(test, feature = "arrow"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use ikou_cleanse::gaiji::GaijiTable;
    use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile};
    use ikou_layout_spec::Catalog;

    fn sample_plan() -> Plan {
        let catalog = Catalog::bundled().unwrap();
        let profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
        let gaiji = GaijiTable::parse(bundled_gaiji("sample-juki.csv").unwrap(), "g").unwrap();
        Plan::new(&catalog, profile, gaiji).unwrap()
    }

    fn sample() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat")
    }

    fn parquet_batches(path: &Path) -> Vec<arrow_array::RecordBatch> {
        let f = File::open(path).unwrap();
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn arrow_and_parquet_outputs_read_back_with_counts_and_types() {
        let dir = std::env::temp_dir().join(format!("ikou-run-arrow-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut opts = RunOptions::new(&dir);
        opts.chunk_records = 100; // many chunks, several batches
        let m = run(&sample_plan(), &[sample()], &opts, &NoProgress).unwrap();
        let c = &m.counts;
        assert_eq!(c.input_records, 1000);
        assert_eq!(c.input_records, c.output_records + c.rejected_records);

        let after = parquet_batches(&dir.join("after.parquet"));
        let rows: usize = after.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows as u64, c.output_records);
        let schema = after[0].schema();
        assert_eq!(
            schema.field_with_name("birth_date").unwrap().data_type(),
            &arrow_schema::DataType::Date32
        );
        assert_eq!(
            schema.field_with_name("shimei").unwrap().data_type(),
            &arrow_schema::DataType::Utf8
        );
        let records = after[0]
            .column_by_name("record")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::UInt64Array>()
            .unwrap();
        assert_eq!(records.value(0), 1);
        assert_eq!(records.null_count(), 0);

        let ipc = File::open(dir.join("before.arrow")).unwrap();
        let before: Vec<_> = arrow_ipc::reader::FileReader::try_new(ipc, None)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let rows: usize = before.iter().map(|b| b.num_rows()).sum();
        assert_eq!(
            rows, 1000,
            "before holds every input record, rejected or not"
        );
        let raw = before[0]
            .column_by_name("raw")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::BinaryArray>()
            .unwrap();
        assert_eq!(raw.value(0).len(), 300);

        let changes = parquet_batches(&dir.join("changes.parquet"));
        let rows: u64 = changes.iter().map(|b| b.num_rows() as u64).sum();
        assert_eq!(rows, c.changes_by_rule.values().sum::<u64>());
    }

    #[test]
    fn a_failing_output_leaves_no_finished_file() {
        // The run directory is a file: nothing can be created inside it.
        let base = std::env::temp_dir().join(format!("ikou-run-unwritable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let blocker = base.join("out");
        std::fs::write(&blocker, b"not a directory").unwrap();
        let err = run(
            &sample_plan(),
            &[sample()],
            &RunOptions::new(&blocker),
            &NoProgress,
        )
        .unwrap_err();
        assert!(err.is_io(), "{err}");
        // A missing input: an I/O error naming the file, and no manifest.
        let dir = base.join("run");
        let err = run(
            &sample_plan(),
            &[base.join("missing.dat")],
            &RunOptions::new(&dir),
            &NoProgress,
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing.dat"), "{err}");
        assert!(!dir.join(MANIFEST).exists());
    }

    #[test]
    fn spilling_the_check_keys_gives_the_same_run() {
        let base = std::env::temp_dir().join(format!("ikou-run-spill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let mut a = RunOptions::new(base.join("a"));
        a.outputs = Outputs::minimal();
        let mut b = RunOptions::new(base.join("b"));
        b.outputs = Outputs::minimal();
        b.sort_buffer_keys = 37; // dozens of spilled runs for 1,000 records
        let ma = run(&sample_plan(), &[sample()], &a, &NoProgress).unwrap();
        let mb = run(&sample_plan(), &[sample()], &b, &NoProgress).unwrap();
        assert_eq!(ma.outputs, mb.outputs);
        assert_eq!(ma.counts, mb.counts);
        assert!(ma.counts.rejects_by_reason.contains_key("check.duplicate"));
        let left: Vec<_> = std::fs::read_dir(base.join("b"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// A progress hook that appends to the input when pass 2 starts: the file changes
    /// between the two passes, read through one handle.
    struct Tamper(PathBuf);

    impl Progress for Tamper {
        fn start(&self, pass: u8, _: u64) {
            if pass == 2 {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&self.0)
                    .unwrap();
                f.write_all(&[b' '; 302]).unwrap();
            }
        }
        fn advance(&self, _: u64, _: u64) {}
        fn finish(&self) {}
    }

    #[test]
    fn issue18_item8_an_input_changed_between_the_passes_fails_the_run() {
        let base = std::env::temp_dir().join(format!("ikou-run-tamper-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let input = base.join("in.dat");
        std::fs::copy(sample(), &input).unwrap();
        let dir = base.join("run");
        let mut opts = RunOptions::new(&dir);
        opts.outputs = Outputs::minimal();
        let err = run(
            &sample_plan(),
            std::slice::from_ref(&input),
            &opts,
            &Tamper(input.clone()),
        )
        .unwrap_err();
        assert!(matches!(err, RunError::InputChanged { .. }), "{err}");
        assert!(err.to_string().contains("in.dat"), "{err}");
        assert!(!dir.join(MANIFEST).exists());
        // Unchanged, the identity check passes, and a changed identity is caught.
        let i = Input::open(RunInput::Path(input.clone())).unwrap();
        i.check_unchanged().unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&input)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        assert!(matches!(
            i.check_unchanged(),
            Err(RunError::InputChanged { .. })
        ));
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn issue18_item7_the_run_directory_lock_is_exclusive() {
        let dir = std::env::temp_dir().join(format!("ikou-run-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        create_private_dir(&dir).unwrap();
        let held = DirLock::take(&dir).unwrap();
        // A run into the locked directory is refused before it touches anything.
        let err = run(
            &sample_plan(),
            &[sample()],
            &RunOptions::new(&dir),
            &NoProgress,
        )
        .unwrap_err();
        assert!(matches!(err, RunError::Locked(_)), "{err}");
        assert!(!err.is_io());
        assert!(err.to_string().contains(&*dir.to_string_lossy()), "{err}");
        drop(held);
        DirLock::take(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A vendor's sink: counts rows and checks their order.
    struct Counting(std::sync::Arc<std::sync::Mutex<(u64, u64)>>);

    impl RecordSink for Counting {
        fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
            let mut g = self.0.lock().unwrap();
            for r in rows {
                assert!(r.record > g.1, "rows in input order");
                g.1 = r.record;
                g.0 += 1;
            }
            Ok(())
        }
        fn finish(self: Box<Self>) -> Result<(), SinkError> {
            Ok(())
        }
    }

    #[test]
    fn issue15_a_reader_input_and_an_own_sink_give_the_same_run_as_a_path() {
        let base = std::env::temp_dir().join(format!("ikou-run-api-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let plan = sample_plan();
        let mut a = RunOptions::new(base.join("path"));
        a.outputs = Outputs::minimal();
        let ma = run(&plan, &[sample()], &a, &NoProgress).unwrap();
        let mut b = RunOptions::new(base.join("mem"));
        b.outputs = Outputs::minimal();
        let bytes = std::fs::read(sample()).unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new((0, 0)));
        let mb = Run::new(&plan, &b)
            .input(RunInput::Reader {
                name: sample().display().to_string(),
                reader: Box::new(io::Cursor::new(bytes)),
            })
            .sink(Box::new(Counting(std::sync::Arc::clone(&seen))))
            .execute()
            .unwrap();
        assert_eq!(ma.counts, mb.counts);
        assert_eq!(ma.outputs, mb.outputs, "byte-identical outputs");
        assert_eq!(ma.inputs, mb.inputs);
        // The sink saw every converted record, cross-record checks applied.
        assert_eq!(seen.lock().unwrap().0, mb.counts.output_records);
        assert!(mb.counts.rejects_by_reason.contains_key("check.duplicate"));
        std::fs::remove_dir_all(&base).unwrap();
    }

    /// Cancels the run when pass 2 starts.
    struct CancelAt2(CancelToken);

    impl Progress for CancelAt2 {
        fn start(&self, pass: u8, _: u64) {
            if pass == 2 {
                self.0.cancel();
            }
        }
        fn advance(&self, _: u64, _: u64) {}
        fn finish(&self) {}
    }

    #[test]
    fn issue15_a_cancelled_run_publishes_nothing() {
        let dir = std::env::temp_dir().join(format!("ikou-run-cancel-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut opts = RunOptions::new(&dir);
        let token = CancelToken::new();
        opts.cancel = Some(token.clone());
        let progress = CancelAt2(token);
        let err = Run::new(&sample_plan(), &opts)
            .input(RunInput::Path(sample()))
            .progress(&progress)
            .execute()
            .unwrap_err();
        assert!(matches!(err, RunError::Cancelled), "{err}");
        assert!(err.to_string().contains("cancelled"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.is_empty(), "nothing final, no manifest: {left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn keys_are_exact_for_digit_strings() {
        assert_ne!(key_of("00123"), key_of("123"));
        assert_eq!(key_of("12345678901"), key_of("12345678901"));
        assert_ne!(key_of("12345678901"), key_of("12345678902"));
        assert_ne!(key_of("山田"), key_of("田山"));
    }
}
