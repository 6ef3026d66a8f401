//! Run outputs: files written under a temporary name, hashed as they are written, readable
//! only by their owner, and renamed into place only when the whole run succeeded.
//!
//! A temporary file is always a new file: whatever is found at `DIR/.NAME.partial` (a stale
//! file of a killed run, a planted symlink or hard link) is removed first, never followed,
//! and the file is created with `O_CREAT | O_EXCL`. A temporary file that is not committed
//! is removed when its [`OutputFile`] or [`PendingOutput`] is dropped, so a failed run leaves
//! no `.partial` file behind (a killed run can: the next run removes it).

use ikou_layout_spec::Layout;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A writer that computes the SHA-256 and length of everything written through it.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The hex SHA-256 and byte count so far, and the inner writer.
    pub fn finish(self) -> (String, u64, W) {
        (hex(&self.hasher.finalize()), self.bytes, self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or(buf);
        self.hasher.update(written);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A file of a run directory with a fixed name: the one place that names them. The standard
/// CSV is named after the target layout (`jumin-kiroku.csv`, see
/// [`data_csv_name`]) and is not among these.
///
/// ```
/// use ikou_convert::output::RunFile;
/// assert_eq!(RunFile::Rejects.name(), "rejects.csv");
/// assert_eq!(RunFile::from_selector("after-parquet"), Some(RunFile::AfterParquet));
/// assert_eq!(RunFile::from_name("manifest.json"), Some(RunFile::Manifest));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RunFile {
    /// `rejects.csv` (always written).
    Rejects,
    /// `changes.csv`.
    Changes,
    /// `changes.parquet`.
    ChangesParquet,
    /// `before.arrow`.
    BeforeArrow,
    /// `before.parquet`.
    BeforeParquet,
    /// `after.arrow`.
    AfterArrow,
    /// `after.parquet`.
    AfterParquet,
    /// `gaiji.csv`, the 外字 inventory.
    Gaiji,
    /// `report.html`, the verification report for municipal staff.
    Report,
    /// `manifest.json`, written last: the commit marker of a run (always written).
    Manifest,
}

impl RunFile {
    /// Every file, in the order a run directory lists them.
    pub const ALL: [RunFile; 10] = [
        RunFile::Rejects,
        RunFile::Changes,
        RunFile::ChangesParquet,
        RunFile::BeforeArrow,
        RunFile::BeforeParquet,
        RunFile::AfterArrow,
        RunFile::AfterParquet,
        RunFile::Gaiji,
        RunFile::Report,
        RunFile::Manifest,
    ];

    /// The file name in the run directory.
    pub const fn name(self) -> &'static str {
        match self {
            RunFile::Rejects => "rejects.csv",
            RunFile::Changes => "changes.csv",
            RunFile::ChangesParquet => "changes.parquet",
            RunFile::BeforeArrow => "before.arrow",
            RunFile::BeforeParquet => "before.parquet",
            RunFile::AfterArrow => "after.arrow",
            RunFile::AfterParquet => "after.parquet",
            RunFile::Gaiji => "gaiji.csv",
            RunFile::Report => "report.html",
            RunFile::Manifest => "manifest.json",
        }
    }

    /// What the file holds.
    pub const fn description(self) -> &'static str {
        match self {
            RunFile::Rejects => "every rejected record with all its reasons and its raw bytes",
            RunFile::Changes => "every change made to a value (record, item, rule, before, after)",
            RunFile::ChangesParquet => "changes.csv's rows as Parquet",
            RunFile::BeforeArrow => "every input record decoded, with its raw bytes (Arrow IPC)",
            RunFile::BeforeParquet => "every input record decoded, with its raw bytes (Parquet)",
            RunFile::AfterArrow => "the converted records, typed (Arrow IPC)",
            RunFile::AfterParquet => "the converted records, typed (Parquet)",
            RunFile::Gaiji => "the 外字 inventory: every legacy code met, where, and its mapping",
            RunFile::Report => "the verification report for municipal staff",
            RunFile::Manifest => "what the run read, wrote and counted, with every file's SHA-256",
        }
    }

    /// The name of the file in the manifest's `options.outputs` (`changes-csv`, `gaiji`), for
    /// the optional files; `None` for the files every run writes.
    pub const fn selector(self) -> Option<&'static str> {
        match self {
            RunFile::Changes => Some("changes-csv"),
            RunFile::ChangesParquet => Some("changes-parquet"),
            RunFile::BeforeArrow => Some("before-arrow"),
            RunFile::BeforeParquet => Some("before-parquet"),
            RunFile::AfterArrow => Some("after-arrow"),
            RunFile::AfterParquet => Some("after-parquet"),
            RunFile::Gaiji => Some("gaiji"),
            RunFile::Report => Some("report"),
            RunFile::Rejects | RunFile::Manifest => None,
        }
    }

    /// The file with this name.
    pub fn from_name(name: &str) -> Option<RunFile> {
        RunFile::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The optional file with this [`selector`](RunFile::selector).
    pub fn from_selector(selector: &str) -> Option<RunFile> {
        RunFile::ALL
            .iter()
            .copied()
            .find(|f| f.selector() == Some(selector))
    }
}

impl std::fmt::Display for RunFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The file name of the standard CSV for a target layout (`jumin-kiroku.csv`).
pub fn data_csv_name(target: &Layout) -> String {
    let stem = target.id.rsplit('/').next().unwrap_or("output");
    format!("{stem}.csv")
}

/// Whether `name` is a report page (`report.html`, `report.en.html`, …): the run's own
/// [`RunFile::Report`] or a page made afterwards by `ikou report`, which `verify` accepts
/// beside a run's files.
pub fn is_report_name(name: &str) -> bool {
    name.starts_with("report") && name.ends_with(".html")
}

/// Every file name a run may write (for `--force` cleanup and `verify`).
pub fn run_file_names(target: &Layout) -> Vec<String> {
    let mut v = vec![data_csv_name(target)];
    v.extend(RunFile::ALL.iter().map(|f| f.name().to_string()));
    v
}

/// A finished output: its name in the run directory, SHA-256 and size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutputInfo {
    /// File name in the run directory.
    pub name: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// An output file being written: `DIR/.NAME.partial` until [`OutputFile::complete`].
/// Dropped without being completed, it removes its temporary file.
#[derive(Debug)]
pub struct OutputFile {
    name: String,
    // Declared before `tmp`: the file is closed before the guard removes it.
    writer: HashingWriter<BufWriter<File>>,
    early: EarlySync,
    tmp: TempPath,
}

/// Bytes written to an output between two early syncs ([`EarlySync`]).
const EARLY_SYNC_BYTES: u64 = 64 << 20;

/// Starts the disk writes of a large output while it is still being written: every
/// [`EARLY_SYNC_BYTES`], a thread syncs what the file holds so far (`sync_data` on a second
/// handle), beside the run's work. Without it the kernel keeps gigabytes dirty until the
/// final sync, which then waits for all of them (≈ 0.8 s of a 1M-record run with every
/// output). At most one sync per file is under way; a failed one fails
/// [`OutputFile::complete`] (an error reported to one sync may not be reported again to the
/// next, so it is kept, never dropped).
#[derive(Debug, Default)]
struct EarlySync {
    file: Option<File>,
    /// Bytes between two syncs ([`EARLY_SYNC_BYTES`]).
    every: u64,
    since: u64,
    job: Option<std::thread::JoinHandle<io::Result<()>>>,
    failed: Option<io::Error>,
}

impl EarlySync {
    fn new(file: &File) -> EarlySync {
        EarlySync {
            // Without a second handle, only the final sync is made.
            file: file.try_clone().ok(),
            every: EARLY_SYNC_BYTES,
            ..EarlySync::default()
        }
    }

    /// `n` more bytes were written.
    fn wrote(&mut self, n: usize) {
        self.since += n as u64;
        if self.since < self.every || self.job.as_ref().is_some_and(|j| !j.is_finished()) {
            return;
        }
        self.collect();
        let Some(f) = self.file.as_ref().and_then(|f| f.try_clone().ok()) else {
            return;
        };
        self.since = 0;
        self.job = Some(std::thread::spawn(move || f.sync_data()));
    }

    /// Waits for the sync under way and keeps its error.
    fn collect(&mut self) {
        if let Some(job) = self.job.take() {
            let result = job
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("an early sync of the file failed")));
            if let (Err(e), None) = (result, &self.failed) {
                self.failed = Some(e);
            }
        }
    }

    /// The error of any early sync, once the last one is over.
    fn finish(&mut self) -> io::Result<()> {
        self.collect();
        self.file = None;
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// A temporary file's path; the file is removed when this is dropped, unless it was kept.
#[derive(Debug)]
struct TempPath(Option<PathBuf>);

impl TempPath {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    /// The file stays (it was renamed into place).
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Creates a new file at `path`, readable and writable only by its owner (mode 0600 on
/// Unix). Whatever is at `path` is removed first — a stale file, or a symlink, which is
/// removed and never followed — and the file is then created exclusively (`O_CREAT |
/// O_EXCL`, which does not follow a symlink either): a run's data cannot be redirected out
/// of the run directory by a link planted under a temporary name.
///
/// # Errors
/// Any error removing what was at `path` (a directory there, say) or creating the file; a
/// file created at `path` by someone else between the removal and the creation is an
/// [`io::ErrorKind::AlreadyExists`] error.
pub fn create_private(path: &Path) -> io::Result<File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            io::Error::new(
                e.kind(),
                format!(
                    "{} was created again by another process right after it was removed; is \
                     something else writing in the run directory? ({e})",
                    path.display()
                ),
            )
        } else {
            e
        }
    })
}

/// Syncs a directory to disk, so that the renames and removals in it are durable (fsync of
/// the directory on Unix; nothing elsewhere). A file system that cannot sync a directory
/// (`EINVAL`) is not an error.
///
/// # Errors
/// The directory cannot be opened, or syncing it failed.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        match File::open(dir)?.sync_all() {
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The temporary name of the output `name` while it is written (`.NAME.partial`): hidden,
/// and never a name of a finished run.
pub fn partial_name(name: &str) -> String {
    format!(".{name}.partial")
}

/// Whether `name` is a temporary name ([`partial_name`]) of any output.
pub(crate) fn is_partial_name(name: &str) -> bool {
    name.len() > ".partial".len() && name.starts_with('.') && name.ends_with(".partial")
}

impl OutputFile {
    /// Starts writing `name` in `dir` under a temporary name ([`partial_name`]).
    ///
    /// # Errors
    /// Any error creating the temporary file.
    pub fn create(dir: &Path, name: &str) -> io::Result<OutputFile> {
        let tmp = dir.join(partial_name(name));
        let file = create_private(&tmp)?;
        Ok(OutputFile::new(name.to_string(), file, tmp))
    }

    fn new(name: String, file: File, tmp: PathBuf) -> OutputFile {
        OutputFile {
            name,
            early: EarlySync::new(&file),
            writer: HashingWriter::new(BufWriter::with_capacity(256 * 1024, file)),
            tmp: TempPath(Some(tmp)),
        }
    }

    /// The output's final file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Flushes the file and syncs it to disk; returns its hash and the temporary path, still
    /// to be renamed with [`PendingOutput::commit`].
    ///
    /// # Errors
    /// Any write or sync error.
    /// On an error the temporary file is removed.
    pub fn complete(self) -> io::Result<PendingOutput> {
        let OutputFile {
            name,
            writer,
            mut early,
            tmp,
        } = self;
        let (sha256, bytes, buf) = writer.finish();
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        early.finish()?;
        file.sync_all()?;
        drop(file);
        Ok(PendingOutput {
            info: OutputInfo {
                name,
                sha256,
                bytes,
            },
            tmp,
        })
    }

    /// Removes the temporary file (after a failure); the same as dropping it.
    pub fn discard(self) {
        drop(self);
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.writer.write(buf)?;
        self.early.wrote(n);
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)?;
        self.early.wrote(buf.len());
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// A standard output of a run: a [`RecordSink`](crate::sink::RecordSink) the run writes each
/// chunk through (as it does a vendor's sink) and then completes into files under their
/// temporary names, for the manifest and the publishing step.
pub(crate) trait RunOutput: crate::sink::RecordSink {
    /// Closes the output's files, still under their temporary names.
    ///
    /// # Errors
    /// Any write error, naming the file.
    fn complete(self: Box<Self>) -> Result<Vec<PendingOutput>, crate::sink::SinkError>;

    /// Whether it writes the changes (the run gathers a chunk's changes only for outputs
    /// and sinks that take them).
    fn wants_changes(&self) -> bool {
        false
    }
}

/// Completes `file` (hashed, synced), naming it in an error.
pub(crate) fn complete_file(file: OutputFile) -> Result<PendingOutput, crate::sink::SinkError> {
    let name = file.name().to_string();
    file.complete()
        .map_err(|e| crate::sink::SinkError::io(name, e))
}

/// A complete output still under its temporary name. Dropped without being committed, it
/// removes its temporary file.
#[derive(Debug)]
pub struct PendingOutput {
    /// Name, hash and size.
    pub info: OutputInfo,
    tmp: TempPath,
}

impl PendingOutput {
    /// Renames the file into place in `dir`. The rename is durable only once the directory
    /// is synced ([`sync_dir`]).
    ///
    /// # Errors
    /// Any rename error (the temporary file is then removed).
    pub fn commit(self, dir: &Path) -> io::Result<OutputInfo> {
        std::fs::rename(self.tmp.path(), dir.join(&self.info.name))?;
        self.tmp.keep();
        Ok(self.info)
    }

    /// Removes the temporary file; the same as dropping it.
    pub fn discard(self) {
        drop(self);
    }
}

/// Writes the file at `path` atomically, for every verb that writes one file (`sample
/// --out`, `layouts import --out`, …): `body` writes into a new [`OutputFile`] at
/// `DIR/.NAME.partial` (created exclusively, mode 0600, whatever was planted there removed and
/// never followed), which is synced and renamed over `path` only when `body` succeeded, and
/// the directory synced. A `path` that exists and is not a regular file (`/dev/null`, a FIFO)
/// is written directly: renaming over it would replace the device.
///
/// # Errors
/// Any error creating, writing, syncing or renaming; the temporary file is then removed.
pub fn write_file_atomically(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = OpenOptions::new().write(true).open(path)?;
        return body(&mut f).and_then(|()| f.flush());
    }
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file name", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".partial");
    let tmp = dir.join(tmp_name);
    let file = create_private(&tmp)?;
    let mut out = OutputFile::new(name.to_string_lossy().into_owned(), file, tmp);
    body(&mut out)?;
    let pending = out.complete()?;
    std::fs::rename(pending.tmp.path(), path)?;
    pending.tmp.keep();
    sync_dir(dir)
}

/// Hashes a file on disk (for `verify`).
///
/// # Errors
/// Any read error.
pub fn hash_file(path: &Path) -> io::Result<OutputInfo> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    hash_read(File::open(path)?, name)
}

/// Hashes what `r` reads, as the output `name`.
///
/// # Errors
/// Any read error.
pub(crate) fn hash_read<R: io::Read>(mut r: R, name: String) -> io::Result<OutputInfo> {
    let mut w = HashingWriter::new(io::sink());
    io::copy(&mut r, &mut w)?;
    let (sha256, bytes, _) = w.finish();
    Ok(OutputInfo {
        name,
        sha256,
        bytes,
    })
}

/// Guards a cell of a human-facing CSV (`rejects.csv`, `changes.csv`: opened in Excel by
/// staff) against formula injection: a cell starting with `=`, `+`, `-`, `@`, TAB or CR —
/// or with an apostrophe, so that the guard can be undone exactly — gets a leading
/// apostrophe. A program reading these files undoes it with [`unguard_cell`]: drop one
/// leading apostrophe, if there is one.
///
/// ```
/// use ikou_convert::output::{guard_cell, unguard_cell};
/// assert_eq!(guard_cell("=SUM(A1)"), "'=SUM(A1)");
/// assert_eq!(guard_cell("'quoted"), "''quoted");
/// assert_eq!(guard_cell("山田"), "山田");
/// for v in ["=SUM(A1)", "'quoted", "山田", "-1", ""] {
///     assert_eq!(unguard_cell(&guard_cell(v)), v);
/// }
/// ```
pub fn guard_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Undoes [`guard_cell`]: the cell without one leading apostrophe.
pub fn unguard_cell(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        let (h, n, v) = w.finish();
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(n, 3);
        assert_eq!(v, b"abc");
    }

    /// A large output starts syncing while it is written (every `every` bytes, one sync
    /// under way at a time), and its bytes, hash and size are what was written; a failed
    /// early sync fails `complete` (the kept error is not dropped).
    #[test]
    fn a_large_output_is_synced_early_and_stays_whole() {
        let dir = fresh_dir("early-sync");
        let mut o = OutputFile::create(&dir, "big.csv").unwrap();
        o.early.every = 1000;
        let mut all = Vec::new();
        for i in 0..200u32 {
            let line = format!("{i},{}\r\n", "x".repeat(50));
            o.write_all(line.as_bytes()).unwrap();
            all.extend_from_slice(line.as_bytes());
        }
        assert!(o.early.job.is_some(), "no early sync started");
        let info = o.complete().unwrap().commit(&dir).unwrap();
        assert_eq!(std::fs::read(dir.join("big.csv")).unwrap(), all);
        let mut h = HashingWriter::new(Vec::new());
        h.write_all(&all).unwrap();
        assert_eq!((info.sha256, info.bytes), (h.finish().0, all.len() as u64));
        // A small output makes no early sync.
        let mut small = OutputFile::create(&dir, "small.csv").unwrap();
        small.write_all(b"a\r\n").unwrap();
        assert!(small.early.job.is_none());
        // An early sync's error is the output's error.
        let mut failed = OutputFile::create(&dir, "failed.csv").unwrap();
        failed.early.failed = Some(io::Error::other("disk gone"));
        let err = failed.complete().unwrap_err();
        assert_eq!(err.to_string(), "disk gone");
        assert!(!dir.join(".failed.csv.partial").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn output_is_private_and_renamed_only_on_commit() {
        let dir = std::env::temp_dir().join(format!("ikou-output-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut o = OutputFile::create(&dir, "a.csv").unwrap();
        o.write_all(b"x,y\r\n").unwrap();
        assert!(!dir.join("a.csv").exists());
        assert!(dir.join(".a.csv.partial").exists());
        let p = o.complete().unwrap();
        let info = p.commit(&dir).unwrap();
        assert_eq!(info.bytes, 5);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("a.csv"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(hash_file(&dir.join("a.csv")).unwrap(), info);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn fresh_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ikou-output-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Bug 4 (issue 7): a symlink planted under the temporary name is replaced, not followed.
    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_replaced_not_followed() {
        let dir = fresh_dir("symlink");
        let outside = dir.join("outside.txt");
        std::fs::write(&outside, b"not yours").unwrap();
        let run = dir.join("run");
        std::fs::create_dir(&run).unwrap();
        std::os::unix::fs::symlink(&outside, run.join(".a.csv.partial")).unwrap();
        // A hard link is no better: it must not be truncated or written through.
        std::fs::hard_link(&outside, run.join(".b.csv.partial")).unwrap();
        for name in ["a.csv", "b.csv"] {
            let mut o = OutputFile::create(&run, name).unwrap();
            o.write_all(b"personal data").unwrap();
            o.complete().unwrap().commit(&run).unwrap();
            assert_eq!(std::fs::read(run.join(name)).unwrap(), b"personal data");
            let meta = std::fs::symlink_metadata(run.join(name)).unwrap();
            assert!(meta.file_type().is_file(), "{name} is not a regular file");
        }
        assert_eq!(std::fs::read(&outside).unwrap(), b"not yours");
        assert!(!run.join(".a.csv.partial").exists());
        // A directory under the temporary name is an error, not a crash.
        std::fs::create_dir(run.join(".c.csv.partial")).unwrap();
        assert!(OutputFile::create(&run, "c.csv").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_uncommitted_output_removes_its_temporary_file() {
        let dir = fresh_dir("drop");
        let mut o = OutputFile::create(&dir, "a.csv").unwrap();
        o.write_all(b"x").unwrap();
        drop(o);
        let mut o = OutputFile::create(&dir, "b.csv").unwrap();
        o.write_all(b"x").unwrap();
        let p = o.complete().unwrap();
        assert!(dir.join(".b.csv.partial").exists());
        drop(p);
        let o = OutputFile::create(&dir, "c.csv").unwrap();
        o.discard();
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        sync_dir(&dir).unwrap();
        assert!(sync_dir(&dir.join("missing")).is_err() || cfg!(not(unix)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn run_files_have_unique_names_and_selectors() {
        let mut names = std::collections::BTreeSet::new();
        let mut selectors = std::collections::BTreeSet::new();
        for f in RunFile::ALL {
            assert!(names.insert(f.name()), "{f} twice");
            assert_eq!(RunFile::from_name(f.name()), Some(f));
            assert!(!f.description().is_empty());
            if let Some(s) = f.selector() {
                assert!(selectors.insert(s), "{s} twice");
                assert_eq!(RunFile::from_selector(s), Some(f));
            }
        }
        assert_eq!(RunFile::from_name("jumin-kiroku.csv"), None);
    }

    #[test]
    fn guard() {
        for s in ["-1", "+81", "@x", "=1"] {
            assert!(guard_cell(s).starts_with('\''));
        }
        assert_eq!(guard_cell(""), "");
    }
}
