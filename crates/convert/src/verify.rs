//! `ikou verify`: recompute hashes and counts from a run directory and compare them with its
//! manifest — for the auditor who receives the run.

use crate::manifest::{InputInfo, Manifest, Timings, MANIFEST};
use crate::output::RunFile;
use crate::output::{hex, OutputFile};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::Path;

pub use crate::manifest::SIGNATURE;
use crate::manifest::{read_bounded, MANIFEST_MAX};
/// Key files: at least 16 bytes (128 bits), at most 4 KiB.
const KEY_MIN: usize = 16;
const KEY_MAX: u64 = 4096;

/// One check `verify` made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked (`sha256 jumin-kiroku.csv`, `output_records`, …).
    pub what: String,
    /// Whether it matched.
    pub ok: bool,
    /// Expected and found, when it did not match (or a note).
    pub detail: String,
}

impl Check {
    fn new(what: impl Into<String>, ok: bool, detail: impl Into<String>) -> Check {
        Check {
            what: what.into(),
            ok,
            detail: detail.into(),
        }
    }
}

/// The result of verifying a run directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// The run's fingerprint ([`fingerprint`]): compare it with the one on the signed
    /// report page.
    pub fingerprint: String,
}

impl Verification {
    /// Whether every check matched.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The checks that did not match.
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }
}

/// Why a run directory could not be verified (or signed) at all: a variant per failure,
/// the cause (an [`std::io::Error`], a [`serde_json::Error`]) kept as the
/// [`source`](std::error::Error::source). The message says it all, the cause's included.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The directory holds files but no `manifest.json`. The manifest is a run's commit
    /// marker, written last: without it the run was interrupted or failed, whatever files
    /// have their final names.
    #[error(
        "{dir}: incomplete run: no manifest.json (the run was interrupted or failed; its files \
         are not a finished run: convert again with --force); found {}",
        crate::error::list_names(files)
    )]
    Incomplete {
        /// The run directory.
        dir: String,
        /// The names found in it, sorted.
        files: Vec<String>,
    },
    /// The manifest is missing (and the directory empty or unreadable), unreadable, or
    /// larger than a manifest can be.
    #[error("{path}: {source}")]
    ManifestRead {
        /// The manifest path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The manifest is not a run manifest (not JSON, or not of a manifest's shape).
    #[error("{path}: not a run manifest: {source}")]
    NotAManifest {
        /// The manifest path.
        path: String,
        /// The JSON error (with its line and column).
        #[source]
        source: serde_json::Error,
    },
    /// The run does not match its manifest: it is not signed (the first check that failed).
    #[error("{path}: the run does not match its manifest ({what}: {detail}): not signed")]
    NotSigned {
        /// The manifest path.
        path: String,
        /// The first check that failed ([`Check::what`]).
        what: String,
        /// Its detail ([`Check::detail`]).
        detail: String,
    },
    /// The signature file could not be written.
    #[error("{path}: {source}")]
    SignatureWrite {
        /// The signature's path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A key file cannot be read (or is larger than a key can be).
    #[error("{path}: key file: {source}")]
    KeyRead {
        /// The file.
        path: String,
        /// The I/O error (never the file's content).
        #[source]
        source: std::io::Error,
    },
    /// A key file is too short to be a key.
    #[error(
        "{path}: key file: {bytes} bytes; a key has at least {min} (e.g. head -c 32 /dev/urandom > FILE)"
    )]
    KeyTooShort {
        /// The file.
        path: String,
        /// Its size.
        bytes: usize,
        /// The least a key has.
        min: usize,
    },
}

impl VerifyError {
    /// A problem of what was given (the CLI's exit 2) rather than of reading or writing (3):
    /// a file that is not a run manifest, a key too short to be one.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            VerifyError::NotAManifest { .. } | VerifyError::KeyTooShort { .. }
        )
    }
}

/// The names in `dir`, sorted, if it can be read.
fn names_in(dir: &Path) -> Option<Vec<String>> {
    let mut v = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    v.sort();
    Some(v)
}

/// Counts the records of a CSV file, streaming it (a row of any length costs no memory).
/// How far a verification has read ([`verify_with`], [`check_files_with`]): `ikou verify`
/// and `ikou report` draw their progress bars from it. Every method does nothing by default;
/// `()` is the progress nobody watches.
pub trait ReadProgress: Sync {
    /// About `bytes` bytes will be read: [`bytes_to_read`] for the checks, and for a report
    /// also the files its page reads.
    fn start(&self, bytes: u64) {
        let _ = bytes;
    }
    /// `bytes` more bytes were read.
    fn read(&self, bytes: u64) {
        let _ = bytes;
    }
    /// The checks are done.
    fn finish(&self) {}
}

impl ReadProgress for () {}

/// A reader that tells a [`ReadProgress`] what it reads.
pub(crate) struct Counted<'a, R> {
    inner: R,
    progress: &'a dyn ReadProgress,
}

impl<'a, R> Counted<'a, R> {
    pub(crate) fn new(inner: R, progress: &'a dyn ReadProgress) -> Counted<'a, R> {
        Counted { inner, progress }
    }
}

impl<R: std::io::Read> std::io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.progress.read(n as u64);
        }
        Ok(n)
    }
}

/// The bytes the checks of [`check_files`] read from an intact run directory: every listed
/// output once (its hash), and the standard CSVs and rejects.csv once more (their rows;
/// rejects.csv a third time in a run of several sources, its rows per source).
pub fn bytes_to_read(manifest: &Manifest) -> u64 {
    let size = |name: &str| manifest.output(name).map_or(0, |o| o.bytes);
    let hashed: u64 = manifest.outputs.iter().map(|o| o.bytes).sum();
    let data: u64 = if manifest.groups.is_empty() {
        size(&manifest.data_file)
    } else {
        manifest.groups.iter().map(|g| size(&g.file)).sum()
    };
    let rejects = size(RunFile::Rejects.name());
    let by_source = if manifest.sources.is_empty() {
        0
    } else {
        rejects
    };
    hashed + data + rejects + by_source
}

/// Reads a run directory's manifest.
///
/// # Errors
/// [`VerifyError::Incomplete`] when the directory has files but no manifest (an interrupted
/// or failed run); [`VerifyError::ManifestRead`] when the manifest cannot be read,
/// [`VerifyError::NotAManifest`] when it is not a run manifest.
pub fn load_manifest(dir: &Path) -> Result<Manifest, VerifyError> {
    let mpath = dir.join(MANIFEST);
    let bytes = read_bounded(&mpath, MANIFEST_MAX).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            if let Some(files) = names_in(dir).filter(|f| !f.is_empty()) {
                return VerifyError::Incomplete {
                    dir: dir.display().to_string(),
                    files,
                };
            }
        }
        VerifyError::ManifestRead {
            path: mpath.display().to_string(),
            source: e,
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|source| VerifyError::NotAManifest {
        path: mpath.display().to_string(),
        source,
    })
}

/// The run's fingerprint: the hex SHA-256 of its manifest as JSON without the two parts that
/// cannot be on the report page — the timings (they differ between reruns) and the report's
/// own entry (the report cannot hold its own hash). Everything else the manifest records
/// (every output's SHA-256, the counts, the options, the inputs' hashes) is covered, so a
/// run rewritten consistently (files and manifest) has another fingerprint than the one on
/// the signed page. The same in the run (before the manifest is written) and afterwards.
pub fn fingerprint(manifest: &Manifest) -> String {
    let mut m = manifest.clone();
    m.outputs.retain(|o| o.name != RunFile::Report.name());
    m.timings = Timings::default();
    let json = serde_json::to_vec(&m).unwrap_or_default();
    hex(&Sha256::digest(&json))
}

/// The outputs a run's options name (`options.outputs` of the manifest, e.g.
/// `changes-csv,gaiji,report`), as file names. Names ikou does not know are left out.
pub fn named_outputs(manifest: &Manifest) -> Vec<&'static str> {
    let Some(list) = manifest.options.get("outputs") else {
        return Vec::new();
    };
    let mut v = Vec::new();
    for token in list.split(',').map(str::trim) {
        let Some(file) = RunFile::from_selector(token) else {
            continue;
        };
        let name = file.name();
        if !v.contains(&name) {
            v.push(name);
        }
    }
    v
}

/// The checks of the run's files against `manifest` that need no `manifest.json` on disk
/// (the run makes them before writing it): the files every run writes and those its options
/// name are listed (the report excepted, see [`verify`]), every listed output's SHA-256 and
/// size, the record counts of the standard CSV and `rejects.csv`, and the accounting
/// `input = output + rejected`. Every file is streamed.
pub fn check_files(dir: &Path, manifest: &Manifest) -> Vec<Check> {
    check_files_with(dir, manifest, &())
}

/// [`check_files`], telling `progress` how far it has read.
pub fn check_files_with(
    dir: &Path,
    manifest: &Manifest,
    progress: &dyn ReadProgress,
) -> Vec<Check> {
    progress.start(bytes_to_read(manifest));
    let checks = checks_on_disk(dir, manifest, progress);
    progress.finish();
    checks
}

/// The checks of [`check_files`], reading through `progress` (neither started nor
/// finished here: `ikou report` reads more after them).
pub(crate) fn checks_on_disk(
    dir: &Path,
    manifest: &Manifest,
    progress: &dyn ReadProgress,
) -> Vec<Check> {
    checks_of(&OnDisk { dir, progress }, manifest)
}

/// What [`checks_of`] compares a manifest with: what the run's files hold.
pub(crate) trait FileFacts {
    /// The SHA-256 and size of the run file `name`.
    fn hash(&self, name: &str) -> std::io::Result<crate::output::OutputInfo>;
    /// The records of the CSV run file `name` (not counting its header line).
    fn records(&self, name: &str, header: bool) -> std::io::Result<u64>;
    /// The rows of `rejects.csv` per value of its `source` column.
    fn rejects_by_source(&self) -> Result<std::collections::BTreeMap<String, u64>, String>;
}

/// The files of a run directory, read from the disk (`ikou verify`, `ikou report`).
struct OnDisk<'a> {
    dir: &'a Path,
    progress: &'a dyn ReadProgress,
}

impl OnDisk<'_> {
    fn open(&self, name: &str) -> std::io::Result<Counted<'_, std::fs::File>> {
        let f = std::fs::File::open(self.dir.join(name))?;
        Ok(Counted::new(f, self.progress))
    }
}

impl FileFacts for OnDisk<'_> {
    fn hash(&self, name: &str) -> std::io::Result<crate::output::OutputInfo> {
        crate::output::hash_read(self.open(name)?, name.to_string())
    }

    fn records(&self, name: &str, header: bool) -> std::io::Result<u64> {
        crate::rows::count_rows(self.open(name)?, header)
    }

    fn rejects_by_source(&self) -> Result<std::collections::BTreeMap<String, u64>, String> {
        rejects_by_source(
            self.open(RunFile::Rejects.name())
                .map_err(|e| e.to_string())?,
        )
    }
}

/// The files of a run as the run itself recorded them while writing (each output's
/// SHA-256 and size as its writer hashed the bytes written, the rows each writer wrote):
/// the facts of the manifest the run is about to write. The report a run writes takes
/// its checks from them, so that the run does not read back the gigabytes it has just
/// written and hashed; the page is the one `ikou report` makes from the disk of an intact
/// run (that command and `ikou verify` read the files).
pub(crate) struct AsWritten<'a>(pub(crate) &'a Manifest);

impl FileFacts for AsWritten<'_> {
    fn hash(&self, name: &str) -> std::io::Result<crate::output::OutputInfo> {
        self.0
            .output(name)
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }

    fn records(&self, name: &str, _header: bool) -> std::io::Result<u64> {
        let m = self.0;
        if name == RunFile::Rejects.name() {
            Ok(m.counts.rejected_records)
        } else if let Some(g) = m.groups.iter().find(|g| g.file == name) {
            Ok(g.rows)
        } else if name == m.data_file {
            Ok(m.counts.output_records)
        } else {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    fn rejects_by_source(&self) -> Result<std::collections::BTreeMap<String, u64>, String> {
        Ok(self
            .0
            .sources
            .iter()
            .filter(|s| s.rejected_records > 0)
            .map(|s| (s.name.clone(), s.rejected_records))
            .collect())
    }
}

/// The checks of [`check_files`], on the facts `files` gives.
pub(crate) fn checks_of(files: &dyn FileFacts, manifest: &Manifest) -> Vec<Check> {
    let mut checks = Vec::new();
    let listed = |name: &str| manifest.output(name).is_some();
    let mut required: Vec<&str> = vec![manifest.data_file.as_str(), RunFile::Rejects.name()];
    // A multi-group run writes one file per group (issue #13).
    required.extend(manifest.groups.iter().map(|g| g.file.as_str()));
    required.extend(
        named_outputs(manifest)
            .into_iter()
            .filter(|n| *n != RunFile::Report.name()),
    );
    for name in required {
        if !plain_name(name) {
            continue; // named below
        } else if !listed(name) {
            checks.push(Check::new(
                format!("listed {name}"),
                false,
                "every run writes it (or its options name it) but the manifest does not list it",
            ));
        }
    }
    for o in &manifest.outputs {
        let what = format!("sha256 {}", o.name);
        if !plain_name(&o.name) {
            checks.push(Check::new(
                what,
                false,
                "not a file name of the run directory",
            ));
            continue;
        }
        match files.hash(&o.name) {
            Ok(found) => {
                let ok = found.sha256 == o.sha256 && found.bytes == o.bytes;
                checks.push(Check::new(
                    what,
                    ok,
                    if ok {
                        String::new()
                    } else {
                        format!(
                            "manifest {} ({} bytes), file {} ({} bytes)",
                            o.sha256, o.bytes, found.sha256, found.bytes
                        )
                    },
                ));
            }
            Err(e) => checks.push(Check::new(what, false, e.to_string())),
        }
    }
    let c = &manifest.counts;
    if !plain_name(&manifest.data_file) {
        checks.push(Check::new(
            "data file",
            false,
            "not a file name of the run directory",
        ));
    } else if manifest.groups.is_empty() {
        let header = manifest.options.get("header").is_none_or(|h| h != "none");
        let found = files.records(&manifest.data_file, header);
        checks.push(count_check("output_records", c.output_records, found));
    }
    // Each group's file holds its rows; no group has more rows than converted records.
    for g in &manifest.groups {
        if !plain_name(&g.file) {
            checks.push(Check::new(
                format!("group {}", g.name),
                false,
                "its file is not a file name of the run directory",
            ));
            continue;
        }
        let header = manifest.options.get("header").is_none_or(|h| h != "none");
        let found = files.records(&g.file, header);
        checks.push(count_check(&format!("rows {}", g.file), g.rows, found));
        checks.push(Check::new(
            format!("rows {} <= output_records", g.file),
            g.rows <= c.output_records,
            format!("{} <= {}", g.rows, c.output_records),
        ));
    }
    let found = files.records(RunFile::Rejects.name(), true);
    checks.push(count_check("rejected_records", c.rejected_records, found));
    if !manifest.sources.is_empty() {
        checks.extend(source_checks(files, manifest));
    }
    let balanced = c.input_records == c.output_records + c.rejected_records;
    checks.push(Check::new(
        "input_records = output_records + rejected_records",
        balanced && manifest.accounting_ok,
        format!(
            "{} = {} + {}",
            c.input_records, c.output_records, c.rejected_records
        ),
    ));
    checks
}

/// The checks of a run of several sources (issue #13): each input's accounting (`records =
/// output_records + rejected_records`, its source one of the run's), each source's counts as
/// the sums of its inputs', the sources' sums as the run's counts, and the rows of
/// rejects.csv per source (its `source` column) as each source's rejected records.
fn source_checks(files: &dyn FileFacts, manifest: &Manifest) -> Vec<Check> {
    let mut checks = Vec::new();
    let c = &manifest.counts;
    for i in &manifest.inputs {
        let source = i.source.as_deref().unwrap_or("");
        let known = manifest.sources.iter().any(|s| s.name == source);
        let (o, r) = (i.output_records, i.rejected_records);
        let ok = known && o.zip(r).is_some_and(|(o, r)| i.records == o + r);
        checks.push(Check::new(
            format!(
                "input {} (source {source}): records = output + rejected",
                i.path
            ),
            ok,
            if known {
                format!(
                    "{} = {} + {}",
                    i.records,
                    o.map_or("?".into(), |n| n.to_string()),
                    r.map_or("?".into(), |n| n.to_string())
                )
            } else {
                format!("the input names no source of the run (`{source}`)")
            },
        ));
    }
    let (mut input, mut output, mut rejected) = (0u64, 0u64, 0u64);
    for s in &manifest.sources {
        let mine: Vec<_> = manifest
            .inputs
            .iter()
            .filter(|i| i.source.as_deref() == Some(s.name.as_str()))
            .collect();
        let sum = |f: &dyn Fn(&InputInfo) -> u64| mine.iter().map(|i| f(i)).sum::<u64>();
        let ok = s.inputs == mine.len() as u64
            && s.input_records == sum(&|i| i.records)
            && s.output_records == sum(&|i| i.output_records.unwrap_or(0))
            && s.rejected_records == sum(&|i| i.rejected_records.unwrap_or(0))
            && s.input_records == s.output_records + s.rejected_records;
        checks.push(Check::new(
            format!("source {}: input = output + rejected", s.name),
            ok,
            format!(
                "{} = {} + {} over {} input(s)",
                s.input_records, s.output_records, s.rejected_records, s.inputs
            ),
        ));
        input += s.input_records;
        output += s.output_records;
        rejected += s.rejected_records;
    }
    checks.push(Check::new(
        "sources add up to the run's counts",
        (input, output, rejected) == (c.input_records, c.output_records, c.rejected_records),
        format!("{input} = {output} + {rejected} over the sources"),
    ));
    match files.rejects_by_source() {
        Ok(found) => {
            for s in &manifest.sources {
                let n = found.get(&s.name).copied().unwrap_or(0);
                checks.push(count_check(
                    &format!("rejected_records of source {}", s.name),
                    s.rejected_records,
                    Ok(n),
                ));
            }
            for name in found.keys() {
                if !manifest.sources.iter().any(|s| s.name == *name) {
                    checks.push(Check::new(
                        format!("rejects.csv source {name}"),
                        false,
                        "rows of a source the run does not have",
                    ));
                }
            }
        }
        Err(e) => checks.push(Check::new("rejects.csv sources", false, e)),
    }
    checks
}

/// The rows of rejects.csv per value of its `source` column, streamed.
fn rejects_by_source(
    f: impl std::io::Read,
) -> Result<std::collections::BTreeMap<String, u64>, String> {
    let mut rows = crate::rows::Rows::new(f);
    let header = rows
        .header()
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let col = header
        .iter()
        .position(|h| h.as_slice() == b"source")
        .ok_or("rejects.csv has no `source` column")?;
    let mut keep = vec![false; col + 1];
    if let Some(k) = keep.get_mut(col) {
        *k = true;
    }
    rows.keep(keep, 256);
    let mut found = std::collections::BTreeMap::new();
    let mut row = crate::rows::Row::default();
    while rows.next_row(&mut row).map_err(|e| e.to_string())? {
        *found.entry(row.str(Some(col)).to_string()).or_insert(0) += 1;
    }
    Ok(found)
}

/// Verifies the run in `dir`: [`check_files`], and that the report its options name is
/// listed, and that the directory holds no file the run did not write (besides
/// `manifest.json`, the signature [`SIGNATURE`] and report pages made by `ikou report`).
///
/// # Errors
/// [`VerifyError::Incomplete`] when the directory has files but no manifest (an interrupted
/// or failed run); [`VerifyError::ManifestRead`] or [`VerifyError::NotAManifest`] when the
/// manifest cannot be read. Every other problem is a failed check.
pub fn verify(dir: &Path) -> Result<(Manifest, Verification), VerifyError> {
    verify_with(dir, &())
}

/// A verification as machines read it (`ikou verify --json`, the Python package's
/// `verify`): `dir`, `ok`, `profile`, `fingerprint` and `checks` (each `what`, `ok`,
/// `detail`).
pub fn verification_json(dir: &Path, manifest: &Manifest, v: &Verification) -> serde_json::Value {
    serde_json::json!({
        "dir": dir.display().to_string(),
        "ok": v.ok(),
        "profile": manifest.profile,
        "fingerprint": v.fingerprint,
        "checks": v.checks,
    })
}

/// An interrupted or failed run (files, no manifest: [`VerifyError::Incomplete`]) as
/// machines read it: `ok` false, `incomplete` true, the `message`, no checks.
pub fn incomplete_json(dir: &Path, e: &VerifyError) -> serde_json::Value {
    serde_json::json!({
        "dir": dir.display().to_string(),
        "ok": false,
        "incomplete": true,
        "message": e.to_string(),
        "checks": [],
    })
}

/// [`verify`], telling `progress` how far it has read.
///
/// # Errors
/// As [`verify`].
pub fn verify_with(
    dir: &Path,
    progress: &dyn ReadProgress,
) -> Result<(Manifest, Verification), VerifyError> {
    let manifest = load_manifest(dir)?;
    let mut checks = check_files_with(dir, &manifest, progress);
    checks.extend(directory_checks(dir, &manifest));
    let fingerprint = fingerprint(&manifest);
    Ok((
        manifest,
        Verification {
            checks,
            fingerprint,
        },
    ))
}

/// The checks of the run directory as a whole, after [`check_files`]: the report the run's
/// options name is listed, and every file in `dir` is the manifest, the signature
/// [`SIGNATURE`], a listed output or a page made by `ikou report` (an extra, not checked)
/// — anything else fails ("unlisted"). `ikou verify` and `ikou report` both make them.
pub fn directory_checks(dir: &Path, manifest: &Manifest) -> Vec<Check> {
    let mut checks = Vec::new();
    let report = RunFile::Report.name();
    if named_outputs(manifest).contains(&report) && manifest.output(report).is_none() {
        checks.push(Check::new(
            format!("listed {report}"),
            false,
            "the run's options name it but the manifest does not list it",
        ));
    }
    for name in names_in(dir).unwrap_or_default() {
        if name == MANIFEST || name == SIGNATURE || manifest.output(&name).is_some() {
            continue;
        }
        if crate::output::is_report_name(&name) {
            checks.push(Check::new(
                format!("extra {name}"),
                true,
                "a page made by `ikou report`, not a file of the run (not checked)",
            ));
        } else {
            checks.push(Check::new(
                format!("unlisted {name}"),
                false,
                "a file the run did not write and the manifest does not list",
            ));
        }
    }
    checks
}

/// Whether `name` is a plain file name (no directory part, not `.` or `..`).
fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\', '\0']) && name != "." && name != ".."
}

/// A count's check: the error, if any, becomes the check's detail (a check is data, shown
/// on the page and in `--json`, not an error chain).
fn count_check(what: &str, expected: u64, found: std::io::Result<u64>) -> Check {
    match found {
        Ok(n) => Check::new(
            what,
            n == expected,
            format!("manifest {expected}, file {n}"),
        ),
        Err(e) => Check::new(what, false, e.to_string()),
    }
}

/// HMAC-SHA256 (RFC 2104) of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        let d = Sha256::digest(key);
        k[..d.len()].copy_from_slice(&d);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Reads a key file: its bytes as they are (16 bytes to 4 KiB; e.g. `head -c 32
/// /dev/urandom > ikou.key`).
///
/// # Errors
/// [`VerifyError::KeyRead`] when the file cannot be read or is too long,
/// [`VerifyError::KeyTooShort`] when it is too short.
pub fn read_key(path: &Path) -> Result<Vec<u8>, VerifyError> {
    let key = read_bounded(path, KEY_MAX).map_err(|source| VerifyError::KeyRead {
        path: path.display().to_string(),
        source,
    })?;
    if key.len() < KEY_MIN {
        return Err(VerifyError::KeyTooShort {
            path: path.display().to_string(),
            bytes: key.len(),
            min: KEY_MIN,
        });
    }
    Ok(key)
}

/// The signature line of `manifest` bytes under `key`.
fn signature_line(key: &[u8], manifest: &[u8]) -> String {
    format!("hmac-sha256:{}\n", hex(&hmac_sha256(key, manifest)))
}

/// Signs the run in `dir`: writes [`SIGNATURE`] (atomically, mode 0600), the HMAC-SHA256 of
/// `manifest.json` under `key`. A run that does not verify is not signed.
///
/// # Errors
/// As [`verify`]; [`VerifyError::NotSigned`] when the run does not verify (naming the first
/// mismatch), [`VerifyError::SignatureWrite`] when the signature cannot be written.
pub fn sign(dir: &Path, key: &[u8]) -> Result<Verification, VerifyError> {
    let (_, v) = verify(dir)?;
    let mpath = dir.join(MANIFEST);
    if let Some(c) = v.failed().next() {
        return Err(VerifyError::NotSigned {
            path: mpath.display().to_string(),
            what: c.what.clone(),
            detail: c.detail.clone(),
        });
    }
    let bytes = read_bounded(&mpath, MANIFEST_MAX).map_err(|source| VerifyError::ManifestRead {
        path: mpath.display().to_string(),
        source,
    })?;
    let werr = |source: std::io::Error| VerifyError::SignatureWrite {
        path: dir.join(SIGNATURE).display().to_string(),
        source,
    };
    let mut f = OutputFile::create(dir, SIGNATURE).map_err(werr)?;
    if let Err(e) = f.write_all(signature_line(key, &bytes).as_bytes()) {
        f.discard();
        return Err(werr(e));
    }
    f.complete().map_err(werr)?.commit(dir).map_err(werr)?;
    Ok(v)
}

/// Checks the run's [`SIGNATURE`] against `manifest.json` under `key` (in constant time).
pub fn check_signature(dir: &Path, key: &[u8]) -> Check {
    let what = format!("hmac-sha256 {MANIFEST} ({SIGNATURE})");
    let sig = match read_bounded(&dir.join(SIGNATURE), 1024) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::new(
                what,
                false,
                "no signature: the run was not signed (ikou sign)",
            )
        }
        Err(e) => return Check::new(what, false, e.to_string()),
    };
    let manifest = match read_bounded(&dir.join(MANIFEST), MANIFEST_MAX) {
        Ok(m) => m,
        Err(e) => return Check::new(what, false, e.to_string()),
    };
    let want = signature_line(key, &manifest);
    let found = sig.strip_suffix(b"\n").unwrap_or(&sig);
    let want = want
        .as_bytes()
        .strip_suffix(b"\n")
        .unwrap_or(want.as_bytes());
    // Constant time: every byte is compared whatever the first difference.
    let same = found.len() == want.len()
        && found
            .iter()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    Check::new(
        what,
        same,
        if same {
            ""
        } else {
            "the signature does not match: manifest.json was changed after signing, or another key"
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Sums what a verification says it will read and what it reads.
    #[derive(Default)]
    struct Tally {
        started: std::sync::atomic::AtomicU64,
        read: std::sync::atomic::AtomicU64,
        finished: std::sync::atomic::AtomicBool,
    }

    impl ReadProgress for Tally {
        fn start(&self, bytes: u64) {
            self.started
                .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        }
        fn read(&self, bytes: u64) {
            self.read
                .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        }
        fn finish(&self) {
            self.finished
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The progress of a verification ends where [`bytes_to_read`] said it would: on an
    /// intact run of the bundled sample with every output (two group files), the bytes read
    /// are exactly the bytes announced, so a progress bar ends full, never past its end.
    #[test]
    fn a_verification_reads_the_bytes_it_announces() {
        use crate::run::{Run, RunInput, RunOptions};
        use crate::setup;
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = std::env::temp_dir().join(format!("ikou-verify-progress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let catalog = setup::load_catalog(&[]).unwrap();
        let profile = setup::load_profile(&catalog, "sample-juki").unwrap();
        let gaiji = setup::load_gaiji(&profile, None).unwrap();
        let plan = crate::Plan::new(&catalog, profile, gaiji).unwrap();
        let mut opts = RunOptions::new(&dir);
        opts.threads = 1;
        let manifest = Run::new(&plan, &opts)
            .input(RunInput::Path(root.join("testdata/sample/juki-1000.dat")))
            .execute()
            .unwrap();
        assert_eq!(manifest.groups.len(), 2);
        let tally = Tally::default();
        let (_, v) = verify_with(&dir, &tally).unwrap();
        assert!(v.ok(), "{:?}", v.checks);
        let started = tally.started.into_inner();
        assert_eq!(started, bytes_to_read(&manifest));
        assert!(started > manifest.outputs.iter().map(|o| o.bytes).sum::<u64>());
        assert_eq!(tally.read.into_inner(), started);
        assert!(tally.finished.into_inner());
        // The report reads the same, then rejects.csv, changes.csv and gaiji.csv for its
        // page: its progress ends where it said too.
        let tally = Tally::default();
        let options = crate::report::ReportOptions {
            lang: crate::report::Lang::Ja,
            show_values: false,
            source_layout: None,
            target_layout: None,
        };
        let (_, checks) =
            crate::report::render_checked_with(&manifest, &dir, &options, &tally).unwrap();
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        let started = tally.started.into_inner();
        let page: u64 = (manifest.outputs.iter())
            .filter(|o| ["rejects.csv", "changes.csv", "gaiji.csv"].contains(&o.name.as_str()))
            .map(|o| o.bytes)
            .sum();
        assert_eq!(started, bytes_to_read(&manifest) + page);
        assert_eq!(tally.read.into_inner(), started);
        assert!(tally.finished.into_inner());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// RFC 4231 test cases 1, 2, 3, 6 and 7 (HMAC-SHA256).
    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        let big_key = [0xaau8; 131];
        let cases: [(&[u8], &[u8], &str); 5] = [
            (&[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (&[0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (&big_key, b"Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (&big_key, b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.", "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ];
        for (key, data, want) in cases {
            assert_eq!(hex(&hmac_sha256(key, data)), want);
        }
    }

    #[test]
    fn a_directory_without_manifest_is_an_incomplete_run() {
        let dir =
            std::env::temp_dir().join(format!("ikou-verify-incomplete-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // No directory at all: the manifest cannot be read.
        let e = verify(&dir).unwrap_err();
        assert!(matches!(e, VerifyError::ManifestRead { .. }), "{e}");
        assert!(e.to_string().contains("manifest.json"), "{e}");
        // An empty directory is no run either, but not an interrupted one.
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(
            verify(&dir).unwrap_err(),
            VerifyError::ManifestRead { .. }
        ));
        // Outputs under their final names but no manifest: an interrupted or failed run.
        std::fs::write(dir.join("rejects.csv"), b"record\r\n").unwrap();
        std::fs::write(dir.join(".jumin-kiroku.csv.partial"), b"").unwrap();
        let e = verify(&dir).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("incomplete run: no manifest.json (the run was interrupted or failed"),
            "{msg}"
        );
        assert!(msg.contains("rejects.csv") && msg.contains(".jumin-kiroku.csv.partial"));
        match e {
            VerifyError::Incomplete { files, .. } => assert_eq!(files.len(), 2),
            other => panic!("{other}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Each verify error with a cause keeps it as its source (issue #15: typed errors), and
    /// its message is the one the CLI printed before (path, then the cause's message).
    #[test]
    fn issue15_verify_errors_keep_their_cause_as_source() {
        use std::error::Error as _;
        let dir = std::env::temp_dir().join(format!("ikou-verify-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let io_kind = |e: &VerifyError| {
            e.source()
                .and_then(|c| c.downcast_ref::<std::io::Error>())
                .map(std::io::Error::kind)
        };
        // An unreadable manifest: the io::Error.
        let e = load_manifest(&dir).unwrap_err();
        assert!(matches!(e, VerifyError::ManifestRead { .. }), "{e:?}");
        assert_eq!(io_kind(&e), Some(std::io::ErrorKind::NotFound));
        // A manifest that is not one: the serde_json::Error, with its line.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(MANIFEST), b"{\n  \"outputs\": 3\n}").unwrap();
        let e = load_manifest(&dir).unwrap_err();
        let json = e
            .source()
            .and_then(|c| c.downcast_ref::<serde_json::Error>());
        assert_eq!(json.map(serde_json::Error::line), Some(2), "{e:?}");
        let shown = format!(
            "{}: not a run manifest: {}",
            dir.join(MANIFEST).display(),
            json.map(ToString::to_string).unwrap_or_default()
        );
        assert_eq!(e.to_string(), shown);
        // A key file that cannot be read: the io::Error; one too short has no cause.
        let e = read_key(&dir.join("no.key")).unwrap_err();
        assert!(matches!(e, VerifyError::KeyRead { .. }), "{e:?}");
        assert_eq!(io_kind(&e), Some(std::io::ErrorKind::NotFound));
        assert!(e.to_string().contains(": key file: "), "{e}");
        std::fs::write(dir.join("short.key"), b"0123").unwrap();
        let e = read_key(&dir.join("short.key")).unwrap_err();
        assert!(
            matches!(e, VerifyError::KeyTooShort { bytes: 4, .. }),
            "{e:?}"
        );
        assert!(e.source().is_none());
        assert!(e.to_string().ends_with(
            "key file: 4 bytes; a key has at least 16 (e.g. head -c 32 /dev/urandom > FILE)"
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
