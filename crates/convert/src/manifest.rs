//! `manifest.json`: what a run read, wrote and counted — the record an auditor checks.

use crate::output::OutputInfo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The name of the manifest file in a run directory.
pub const MANIFEST: &str = "manifest.json";

/// One input file of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputInfo {
    /// The path as given (for display: a path that is not valid UTF-8 is shown lossily here,
    /// and stored exactly in `path_hex`).
    pub path: String,
    /// The path's bytes in hex, only when the path is not valid UTF-8 (issue 18 item 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Records read from this file.
    pub records: u64,
}

/// The bytes of `path` in hex if it is not valid UTF-8 (Unix), for [`InputInfo::path_hex`].
pub fn path_hex(path: &std::path::Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        path.to_str()
            .is_none()
            .then(|| crate::output::hex(path.as_os_str().as_bytes()))
    }
    #[cfg(not(unix))]
    {
        path.to_str()
            .is_none()
            .then(|| crate::output::hex(path.to_string_lossy().as_bytes()))
    }
}

/// A layout used by the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutRef {
    /// Layout id.
    pub id: String,
    /// Layout version.
    pub version: String,
    /// Layout status (`verified`, `unverified-transcription`, `synthetic`).
    pub status: String,
    /// Layout name.
    pub name: String,
}

/// Counts of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counts {
    /// Records handed to conversion: the data records, and header or trailer records out
    /// of place (which are rejected with their bytes). `input = output + rejected`.
    pub input_records: u64,
    /// Physical records framed in the inputs, of every role:
    /// `physical = header + trailer + input`.
    #[serde(default)]
    pub physical_records: u64,
    /// Header records in their place (not data; counted, not converted).
    #[serde(default)]
    pub header_records: u64,
    /// Trailer records in their place (not data; counted, not converted).
    #[serde(default)]
    pub trailer_records: u64,
    /// Records written to the standard CSV.
    pub output_records: u64,
    /// Records written to `rejects.csv`.
    pub rejected_records: u64,
    /// Changes by rule id.
    pub changes_by_rule: BTreeMap<String, u64>,
    /// Changes by item key.
    pub changes_by_item: BTreeMap<String, u64>,
    /// Reject reasons by kind.
    pub rejects_by_reason: BTreeMap<String, u64>,
    /// Findings by kind (problems that did not reject the record, e.g. partial dates).
    pub findings_by_kind: BTreeMap<String, u64>,
    /// 外字 occurrences by legacy code (hex), mapped or not.
    pub gaiji_by_code: BTreeMap<String, u64>,
    /// Unmapped 外字 occurrences.
    pub gaiji_unmapped: u64,
    /// Items whose fixed-length padding (trailing U+0020/U+3000) was removed. Padding is
    /// framing, not part of a value, so these are counted here and not listed in changes.
    pub padding_stripped: u64,
}

/// A problem of a run as a whole (see [`Manifest::problems`]). The message names counts,
/// offsets and record numbers, never a personal value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProblem {
    /// A stable kind id (`frame.trailer_count`, `frame.missing_trailer`,
    /// `frame.newline_mismatch`, `frame.unterminated_quote`, `input.empty`,
    /// `run.nothing_converted`).
    pub kind: String,
    /// The input file concerned (as given), if one.
    pub file: Option<String>,
    /// What happened.
    pub message: String,
}

/// Wall-clock timings (the only part of a run's outputs that differs between reruns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Timings {
    /// Seconds for the whole run.
    pub total_seconds: f64,
    /// Input megabytes per second (10^6 bytes).
    pub input_mb_per_second: f64,
    /// Records per second.
    pub records_per_second: f64,
    /// Worker threads used.
    pub threads: usize,
}

/// The manifest of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `ikou-run/1`.
    pub format: String,
    /// `ikou` version that wrote the run.
    pub tool_version: String,
    /// The profile id and file.
    pub profile: String,
    /// Where the profile came from.
    pub profile_file: String,
    /// The source layout.
    pub source_layout: LayoutRef,
    /// The target layout.
    pub target_layout: LayoutRef,
    /// Options that shape the outputs.
    pub options: BTreeMap<String, String>,
    /// Inputs with their hashes.
    pub inputs: Vec<InputInfo>,
    /// The file name of the standard CSV (`jumin-kiroku.csv`).
    pub data_file: String,
    /// Outputs with their hashes (every file of the run but the manifest itself).
    pub outputs: Vec<OutputInfo>,
    /// Counts.
    pub counts: Counts,
    /// Whether `input_records = output_records + rejected_records` and
    /// `physical_records = header_records + trailer_records + input_records` held.
    pub accounting_ok: bool,
    /// Problems of the run as a whole that no single record carries: a trailer count that
    /// disagrees, a missing trailer, a newline style other than the layout's, an
    /// unterminated quote, an empty input, nothing converted. `--strict` fails on any.
    #[serde(default)]
    pub problems: Vec<RunProblem>,
    /// Timings (differ between reruns; everything else is deterministic).
    pub timings: Timings,
}

impl Manifest {
    /// The name of the standard CSV among the outputs.
    pub fn data_csv(&self) -> Option<&OutputInfo> {
        self.outputs.iter().find(|o| o.name == self.data_file)
    }
}
