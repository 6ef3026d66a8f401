//! The run directory: created private (0700), locked for the whole run, emptied of a
//! previous run's files under `--force` (the manifest, the commit marker, first).

use crate::error::{out_err, RunError};
use crate::manifest::MANIFEST;
use crate::options::RunOptions;
use crate::output::{run_file_names, sync_dir};
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
/// if it holds files, refused without `force`, otherwise the old manifest goes first (synced),
/// then every file a run of `plan` writes and the temporary files of a killed run.
pub(crate) fn prepare_dir(opts: &RunOptions, plan: &Plan) -> Result<DirLock, RunError> {
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
        let group_files = plan.groups.iter().map(|g| g.file.clone());
        for name in run_file_names(&plan.target).into_iter().chain(group_files) {
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
