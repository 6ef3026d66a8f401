//! The run directory: created private (0700), locked for the whole run, emptied of a
//! previous run's files under `--force` (the manifest, the commit marker, first), refused
//! when it holds anything an ikou run did not write.

use crate::error::{out_err, RunError};
use crate::manifest::{read_bounded, Manifest, MANIFEST, MANIFEST_MAX, SIGNATURE};
use crate::options::RunOptions;
use crate::output::{is_partial_name, is_report_name, run_file_names, sync_dir};
use crate::plan::Plan;
use std::fs::File;
use std::io;
use std::path::Path;

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

/// Makes `opts.out_dir` ready for a run of `plan` and locks it: created private if missing;
/// if it holds files, refused without `force`. With `force` it must hold nothing but an
/// earlier run's files ([`ikou_files`]), else it is refused untouched
/// ([`RunError::OutDirForeign`]); then the old manifest goes first (synced), then every
/// other file of the earlier run, its signature, the report pages made from it and the
/// temporary files of a killed run.
pub(crate) fn prepare_dir(opts: &RunOptions, plan: &Plan) -> Result<DirLock, RunError> {
    let dir = &opts.out_dir;
    let what = format!("the run directory {}", dir.display());
    create_private_dir(dir).map_err(out_err(&what))?;
    let lock = DirLock::take(dir)?;
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(out_err(&what))? {
        let entry = entry.map_err(out_err(&what))?;
        let is_dir = entry.file_type().map_err(out_err(&what))?.is_dir();
        names.push((entry.file_name(), is_dir));
    }
    if names.is_empty() {
        return Ok(lock);
    }
    if !opts.force {
        return Err(RunError::OutDirNotEmpty(dir.clone()));
    }
    let ours = ikou_files(dir, plan);
    // A name that is not UTF-8 is none of ikou's: refused, and shown lossily.
    let mut foreign: Vec<String> = names
        .iter()
        .filter(|(name, is_dir)| *is_dir || name.to_str().is_none_or(|n| !ours(n)))
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect();
    if !foreign.is_empty() {
        foreign.sort();
        return Err(RunError::OutDirForeign {
            dir: dir.clone(),
            names: foreign,
        });
    }
    // Every name left is a file or a link (removed, never followed) that ikou writes.
    // The old manifest (the commit marker) goes first, and its removal is on disk before
    // any other old file is removed or a new one renamed into place: whatever happens
    // next, the directory never looks like a finished run.
    match std::fs::remove_file(dir.join(MANIFEST)) {
        Ok(()) => sync_dir(dir).map_err(out_err(&what))?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(out_err(MANIFEST)(e)),
    }
    for (name, _) in names.iter().filter(|(name, _)| name != MANIFEST) {
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(out_err(&name.to_string_lossy())(e)),
        }
    }
    Ok(lock)
}

/// Which file names in `dir` ikou wrote there: the manifest, the signature
/// ([`SIGNATURE`]), the outputs the earlier run's manifest lists, every output a run of
/// `plan` writes, report pages (`ikou report`) and temporary files of a killed run
/// (`.NAME.partial`, whatever the name: a killed run of another profile leaves its own).
/// Everything else is the user's, and `--force` does not remove it.
fn ikou_files(dir: &Path, plan: &Plan) -> impl Fn(&str) -> bool {
    let mut known: Vec<String> = run_file_names(&plan.target);
    known.extend(plan.groups.iter().map(|g| g.file.clone()));
    known.push(MANIFEST.to_string());
    known.push(SIGNATURE.to_string());
    let earlier = read_bounded(&dir.join(MANIFEST), MANIFEST_MAX)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok());
    if let Some(earlier) = earlier {
        known.extend(earlier.outputs.into_iter().map(|o| o.name));
    }
    move |name: &str| {
        is_partial_name(name) || is_report_name(name) || known.iter().any(|k| k == name)
    }
}
