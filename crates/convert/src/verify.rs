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
    /// The manifest is missing or unreadable.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest path.
        path: String,
        /// What is wrong.
        message: String,
    },
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

/// Verifies the run in `dir`: every output's SHA-256 and size, the record counts of the
/// standard CSV and `rejects.csv`, and the accounting `input = output + rejected`.
///
/// `data_has_header` says whether the standard CSV has a header row (from the profile).
///
/// # Errors
/// Only when the manifest itself cannot be read; every other problem is a failed check.
pub fn verify(dir: &Path) -> Result<(Manifest, Verification), VerifyError> {
    let mpath = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&mpath).map_err(|e| VerifyError::Manifest {
        path: mpath.display().to_string(),
        message: e.to_string(),
    })?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| VerifyError::Manifest {
        path: mpath.display().to_string(),
        message: format!("not a run manifest: {e}"),
    })?;
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
