//! `ikou report DIR` as one call ([`report_dir`]): the run's manifest, its layouts from the
//! bundled specs and the caller's, the page written beside the run (or where asked), the
//! verdict and the notes for the console. The CLI and the Python package both use it.

use super::{verdict_json, write_checked_with, Lang, ReportError, ReportOptions, Verdict};
use crate::manifest::{LayoutRef, Manifest};
use crate::output::OutputInfo;
use crate::verify::{load_manifest, Check, ReadProgress, VerifyError};
use ikou_layout_spec::{Catalog, Layout};
use std::path::{Path, PathBuf};

/// What [`report_dir`] is asked.
#[derive(Debug, Clone, Default)]
pub struct DirReport {
    /// The page's language.
    pub lang: Lang,
    /// Personal values unmasked (`--show-values`).
    pub show_values: bool,
    /// Where to write the page; `None`: the run directory, [`default_name`].
    pub out: Option<PathBuf>,
    /// Spec files or folders with the run's layouts when its profile is not bundled.
    pub specs: Vec<PathBuf>,
}

/// What [`report_dir`] did.
#[derive(Debug)]
pub enum DirReportOutcome {
    /// The run's files match its manifest: the page was written.
    Written {
        /// The run's manifest.
        manifest: Box<Manifest>,
        /// The page written (a `.regenerated.html` name when it differs from the run's own).
        page: PathBuf,
        /// Its name, size and SHA-256.
        info: OutputInfo,
        /// The run's verdict.
        verdict: Verdict,
        /// What the reader should know (a layout not found, values unmasked, another name).
        notes: Vec<String>,
    },
    /// The run's files do not match its manifest: the page (red banner, 移行不可) was written
    /// to `written`; `file`, the page asked for, was left as it was.
    Unverified {
        /// The run's manifest.
        manifest: Box<Manifest>,
        /// The page asked for, left as it was.
        file: String,
        /// The page written instead.
        written: String,
        /// The checks that failed.
        failed: Vec<Check>,
    },
}

/// Why [`report_dir`] made no page.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirReportError {
    /// The manifest is missing, unreadable or not a run manifest (an interrupted run
    /// included: [`VerifyError::Incomplete`]).
    #[error(transparent)]
    Manifest(#[from] VerifyError),
    /// A spec file or folder given does not load.
    #[error("{0}")]
    Specs(#[source] ikou_layout_spec::SpecErrors),
    /// `out` does not end in a file name.
    #[error("{0}: not a file name")]
    OutName(String),
    /// The page could not be read or written.
    #[error(transparent)]
    Report(ReportError),
}

impl DirReportError {
    /// A problem of what was asked (the CLI's exit 2), not of reading or writing (3): a file
    /// that is not a run manifest, specs that do not load, an `out` that is no file name.
    pub fn is_usage(&self) -> bool {
        match self {
            DirReportError::Manifest(e) => e.is_usage(),
            DirReportError::Specs(_) | DirReportError::OutName(_) => true,
            DirReportError::Report(_) => false,
        }
    }
}

/// The page's default file name: `report.html` only for the run's own defaults
/// (`report.en.html`, `report.values.html`, `report.en.values.html` otherwise), so that
/// other options never replace the run's report.
pub fn default_name(lang: Lang, show_values: bool) -> String {
    let mut name = String::from("report");
    if lang == Lang::En {
        name.push_str(".en");
    }
    if show_values {
        name.push_str(".values");
    }
    name.push_str(".html");
    name
}

/// The layout the run used, if the catalog has it in the same version.
fn find<'c>(catalog: &'c Catalog, r: &LayoutRef) -> Option<&'c Layout> {
    catalog.layout(&r.id).filter(|l| l.version == r.version)
}

/// The directory and file name of `out` (the temporary file goes in the same directory).
fn split(out: &Path) -> Result<(PathBuf, String), DirReportError> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| DirReportError::OutName(out.display().to_string()))?
        .to_string();
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

/// Checks the run in `dir` and writes its page ([`write_checked_with`]), with the layouts
/// of its manifest found among the bundled specs and `req.specs`; `progress` is told how
/// far the reading has come.
///
/// # Errors
/// [`DirReportError`]: no manifest, specs that do not load, a bad `out`, a page that cannot
/// be read or written. Files that do not match the manifest are not an error but
/// [`DirReportOutcome::Unverified`].
pub fn report_dir(
    dir: &Path,
    req: &DirReport,
    progress: &dyn ReadProgress,
) -> Result<DirReportOutcome, DirReportError> {
    let manifest = load_manifest(dir)?;
    let mut catalog = Catalog::bundled().map_err(DirReportError::Specs)?;
    for s in &req.specs {
        catalog.load_path(s).map_err(DirReportError::Specs)?;
    }
    let source = find(&catalog, &manifest.source_layout);
    let options = ReportOptions {
        lang: req.lang,
        show_values: req.show_values,
        source_layout: source,
        target_layout: find(&catalog, &manifest.target_layout),
    };
    let out =
        (req.out.clone()).unwrap_or_else(|| dir.join(default_name(req.lang, req.show_values)));
    let (out_dir, name) = split(&out)?;
    match write_checked_with(&manifest, dir, &options, &out_dir, &name, progress) {
        Ok((info, verdict)) => {
            let mut notes = Vec::new();
            if source.is_none() {
                notes.push(format!(
                    "layout {} {} not found (give --specs): items are named by key and code values are not shown",
                    manifest.source_layout.id, manifest.source_layout.version
                ));
            }
            if req.show_values {
                notes.push("values are NOT masked: handle the page as personal data".to_string());
            }
            if info.name != name {
                notes.push(format!(
                    "differs from the {name} the run wrote, which was left as it was (another ikou version or date)"
                ));
            }
            Ok(DirReportOutcome::Written {
                page: out_dir.join(&info.name),
                manifest: Box::new(manifest),
                info,
                verdict,
                notes,
            })
        }
        Err(ReportError::Unverified {
            file,
            written,
            failed,
        }) => Ok(DirReportOutcome::Unverified {
            manifest: Box::new(manifest),
            file,
            written,
            failed,
        }),
        Err(e) => Err(DirReportError::Report(e)),
    }
}

impl DirReportOutcome {
    /// As `ikou report --json` prints it (and the Python package's `report` returns it):
    /// `dir`, `verified`, the `page`, `bytes`, `sha256`, the `verdict` ([`verdict_json`])
    /// and `notes`; for a run that does not match: `verified` false, the page written,
    /// the page `left_as_it_was`, the `failed` checks and the verdict (移行不可).
    pub fn to_json(&self, dir: &Path) -> serde_json::Value {
        match self {
            DirReportOutcome::Written {
                manifest,
                page,
                info,
                verdict,
                notes,
            } => serde_json::json!({
                "dir": dir.display().to_string(),
                "verified": true,
                "page": page.display().to_string(),
                "bytes": info.bytes,
                "sha256": info.sha256,
                "verdict": verdict_json(manifest, verdict),
                "notes": notes,
            }),
            DirReportOutcome::Unverified {
                manifest,
                file,
                written,
                failed,
            } => serde_json::json!({
                "dir": dir.display().to_string(),
                "verified": false,
                "page": written,
                "left_as_it_was": file,
                "failed": failed,
                "verdict": verdict_json(manifest, &super::verdict(manifest, Some(failed))),
            }),
        }
    }

    /// The verdict's level: of the run, or 移行不可 for files that do not match.
    pub fn level(&self) -> super::VerdictLevel {
        match self {
            DirReportOutcome::Written { verdict, .. } => verdict.level,
            DirReportOutcome::Unverified { .. } => super::VerdictLevel::NoGo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(default_name(Lang::Ja, false), "report.html");
        assert_eq!(default_name(Lang::En, false), "report.en.html");
        assert_eq!(default_name(Lang::Ja, true), "report.values.html");
        assert_eq!(default_name(Lang::En, true), "report.en.values.html");
        assert_eq!(
            split(Path::new("x.html")).unwrap(),
            (PathBuf::from("."), "x.html".into())
        );
        assert_eq!(
            split(Path::new("/a/b.html")).unwrap(),
            (PathBuf::from("/a"), "b.html".into())
        );
        assert!(split(Path::new("/")).unwrap_err().is_usage());
    }
}
