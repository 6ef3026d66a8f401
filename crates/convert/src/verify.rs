//! `ikou verify`: recompute hashes and counts from a run directory and compare them with its
//! manifest — for the auditor who receives the run.

use crate::manifest::{Manifest, MANIFEST};
use crate::output::hash_file;
use serde::Serialize;
use std::path::Path;

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

/// The result of verifying a run directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Verification {
    /// Whether every check matched.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

/// Why a run directory could not be verified at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The directory holds files but no `manifest.json`. The manifest is a run's commit
    /// marker, written last: without it the run was interrupted or failed, whatever files
    /// have their final names.
    #[error(
        "{dir}: incomplete run: no manifest.json (the run was interrupted or failed; its files \
         are not a finished run: convert again with --force); found {}",
        list_files(files)
    )]
    Incomplete {
        /// The run directory.
        dir: String,
        /// The names found in it, sorted.
        files: Vec<String>,
    },
    /// The manifest is missing (and the directory empty or unreadable) or unreadable.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest path.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn list_files(files: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut s = files
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > SHOWN {
        s.push_str(&format!(" and {} more", files.len() - SHOWN));
    }
    s
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

fn count_csv_records(path: &Path, header: bool) -> Result<u64, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(header)
        .flexible(true)
        .from_path(path)
        .map_err(|e| e.to_string())?;
    let mut rec = csv::ByteRecord::new();
    let mut n = 0u64;
    while rdr.read_byte_record(&mut rec).map_err(|e| e.to_string())? {
        n += 1;
    }
    Ok(n)
}

/// Reads a run directory's manifest.
///
/// # Errors
/// [`VerifyError::Incomplete`] when the directory has files but no manifest (an interrupted
/// or failed run); [`VerifyError::Manifest`] when the manifest cannot be read or parsed.
pub fn load_manifest(dir: &Path) -> Result<Manifest, VerifyError> {
    let mpath = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&mpath).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            if let Some(files) = names_in(dir).filter(|f| !f.is_empty()) {
                return VerifyError::Incomplete {
                    dir: dir.display().to_string(),
                    files,
                };
            }
        }
        VerifyError::Manifest {
            path: mpath.display().to_string(),
            message: e.to_string(),
        }
    })?;
    serde_json::from_str(&text).map_err(|e| VerifyError::Manifest {
        path: mpath.display().to_string(),
        message: format!("not a run manifest: {e}"),
    })
}

/// Verifies the run in `dir`: every output's SHA-256 and size, the record counts of the
/// standard CSV and `rejects.csv`, and the accounting `input = output + rejected`.
///
/// `data_has_header` says whether the standard CSV has a header row (from the profile).
///
/// # Errors
/// [`VerifyError::Incomplete`] when the directory has files but no manifest (an interrupted
/// or failed run); [`VerifyError::Manifest`] when the manifest cannot be read. Every other
/// problem is a failed check.
pub fn verify(dir: &Path) -> Result<(Manifest, Verification), VerifyError> {
    let manifest = load_manifest(dir)?;
    let mut checks = Vec::new();
    for o in &manifest.outputs {
        let path = dir.join(&o.name);
        match hash_file(&path) {
            Ok(found) => checks.push(Check {
                what: format!("sha256 {}", o.name),
                ok: found.sha256 == o.sha256 && found.bytes == o.bytes,
                detail: if found.sha256 == o.sha256 && found.bytes == o.bytes {
                    String::new()
                } else {
                    format!(
                        "manifest {} ({} bytes), file {} ({} bytes)",
                        o.sha256, o.bytes, found.sha256, found.bytes
                    )
                },
            }),
            Err(e) => checks.push(Check {
                what: format!("sha256 {}", o.name),
                ok: false,
                detail: e.to_string(),
            }),
        }
    }
    let c = &manifest.counts;
    if let Some(data) = manifest.data_csv() {
        let header = manifest.options.get("header").is_none_or(|h| h != "none");
        let found = count_csv_records(&dir.join(&data.name), header);
        checks.push(count_check("output_records", c.output_records, found));
    }
    let found = count_csv_records(&dir.join("rejects.csv"), true);
    checks.push(count_check("rejected_records", c.rejected_records, found));
    let balanced = c.input_records == c.output_records + c.rejected_records;
    checks.push(Check {
        what: "input_records = output_records + rejected_records".into(),
        ok: balanced && manifest.accounting_ok,
        detail: format!(
            "{} = {} + {}",
            c.input_records, c.output_records, c.rejected_records
        ),
    });
    Ok((manifest, Verification { checks }))
}

fn count_check(what: &str, expected: u64, found: Result<u64, String>) -> Check {
    match found {
        Ok(n) => Check {
            what: what.into(),
            ok: n == expected,
            detail: format!("manifest {expected}, file {n}"),
        },
        Err(e) => Check {
            what: what.into(),
            ok: false,
            detail: e,
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_manifest_is_an_incomplete_run() {
        let dir =
            std::env::temp_dir().join(format!("ikou-verify-incomplete-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // No directory at all: the manifest cannot be read.
        let e = verify(&dir).unwrap_err();
        assert!(matches!(e, VerifyError::Manifest { .. }), "{e}");
        assert!(e.to_string().contains("manifest.json"), "{e}");
        // An empty directory is no run either, but not an interrupted one.
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(
            verify(&dir).unwrap_err(),
            VerifyError::Manifest { .. }
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
}
