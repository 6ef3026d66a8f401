//! `manifest.json`: what a run read, wrote and counted — the record an auditor checks.

use crate::output::OutputInfo;
use crate::reason::ReasonKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The name of the manifest file in a run directory.
pub const MANIFEST: &str = crate::output::RunFile::Manifest.name();

/// The name of a run's keyed signature: `hmac-sha256:HEX`, the HMAC-SHA256 of
/// `manifest.json`'s bytes under a key file the municipality keeps (`ikou sign`).
pub const SIGNATURE: &str = "manifest.hmac";

/// The largest `manifest.json` read (a manifest is a few kilobytes).
pub(crate) const MANIFEST_MAX: u64 = 64 << 20;

/// Reads at most `max` bytes of `path` (a manifest, a signature, a key file): a larger
/// file is an error naming the limit, and no more than `max + 1` bytes are read.
pub(crate) fn read_bounded(path: &std::path::Path, max: u64) -> std::io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(f, max + 1), &mut buf)?;
    if buf.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "larger than {max} bytes: not a file ikou wrote"
        )));
    }
    Ok(buf)
}

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
    /// The profile's source that read it (a run of several sources, `[[sources]]`, issue
    /// #13); absent in a run of one source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Of `records`, converted (a run of several sources: `records = output_records +
    /// rejected_records` per input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_records: Option<u64>,
    /// Of `records`, rejected (a run of several sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_records: Option<u64>,
}

/// One source of a run of several sources (`[[sources]]`, issue #13): its layout, encoding
/// and counts, summed over its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The source's name in the profile (`kojin`).
    pub name: String,
    /// Its layout.
    pub layout: LayoutRef,
    /// The encoding its files were read in.
    pub encoding: String,
    /// The groups it feeds (their names).
    pub groups: Vec<String>,
    /// How many input files it read.
    pub inputs: u64,
    /// Records read from them.
    pub input_records: u64,
    /// Of those, converted.
    pub output_records: u64,
    /// Of those, rejected.
    pub rejected_records: u64,
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

/// One output group of a multi-group run (issue #13): its file and the rows written there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// The group's name in the profile (`kojin`).
    pub name: String,
    /// Its file in the run directory (`kojin.csv`), listed in [`Manifest::outputs`].
    pub file: String,
    /// Its target layout.
    pub layout: LayoutRef,
    /// Rows written to the file (without the header).
    pub rows: u64,
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

/// The kind of a problem of a file or a run as a whole (a [`RunProblem`], or a finding
/// counted in [`Counts::findings_by_kind`] that no single record carries), with its stable
/// id. Ids are never built with `format!`: every one is here.
///
/// ```
/// use ikou_convert::manifest::RunProblemKind;
/// assert_eq!(RunProblemKind::MissingTrailer.id(), "frame.missing_trailer");
/// assert_eq!(RunProblemKind::from_id("input.empty"), Some(RunProblemKind::InputEmpty));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RunProblemKind {
    /// `frame.trailer_count`: a trailer's record count disagrees with the records read.
    TrailerCount,
    /// `frame.missing_trailer`: the layout has a trailer and the file none (it may be cut).
    MissingTrailer,
    /// `frame.newline_mismatch`: the file's line ends are not the layout's.
    NewlineMismatch,
    /// `frame.unterminated_quote`: a quote never closed swallowed the rest of the file.
    UnterminatedQuote,
    /// `frame.eof_marker` (a finding only): an EOF marker (0x1A) ends the file.
    EofMarker,
    /// `input.empty`: an input holds no record.
    InputEmpty,
    /// `run.nothing_converted`: no record reached the standard CSV.
    NothingConverted,
    /// `group.foreign_key_dangling`: output rows of a group whose foreign key names a row of
    /// the referenced group that a cross-record check rejected in pass 2 (issue #13).
    ForeignKeyDangling,
}

impl RunProblemKind {
    /// Every kind.
    pub const ALL: [RunProblemKind; 8] = [
        RunProblemKind::TrailerCount,
        RunProblemKind::MissingTrailer,
        RunProblemKind::NewlineMismatch,
        RunProblemKind::UnterminatedQuote,
        RunProblemKind::EofMarker,
        RunProblemKind::InputEmpty,
        RunProblemKind::NothingConverted,
        RunProblemKind::ForeignKeyDangling,
    ];

    /// The stable id (`frame.missing_trailer`), written in [`RunProblem::kind`] and as a key
    /// of [`Counts::findings_by_kind`].
    pub fn id(self) -> &'static str {
        match self {
            RunProblemKind::TrailerCount => "frame.trailer_count",
            RunProblemKind::MissingTrailer => "frame.missing_trailer",
            RunProblemKind::NewlineMismatch => "frame.newline_mismatch",
            RunProblemKind::UnterminatedQuote => "frame.unterminated_quote",
            RunProblemKind::EofMarker => "frame.eof_marker",
            RunProblemKind::InputEmpty => "input.empty",
            RunProblemKind::NothingConverted => "run.nothing_converted",
            RunProblemKind::ForeignKeyDangling => "group.foreign_key_dangling",
        }
    }

    /// The kind with this id.
    pub fn from_id(id: &str) -> Option<RunProblemKind> {
        RunProblemKind::ALL.iter().copied().find(|k| k.id() == id)
    }

    /// What the kind means (`ja`, `en`).
    pub fn descriptions(self) -> (&'static str, &'static str) {
        match self {
            // One description per id: these two are reject kinds too.
            RunProblemKind::TrailerCount => ReasonKind::FrameTrailerCount.descriptions(),
            RunProblemKind::UnterminatedQuote => ReasonKind::FrameUnterminatedQuote.descriptions(),
            RunProblemKind::MissingTrailer => {
                ("トレーラーレコードがない", "the trailer record is missing")
            }
            RunProblemKind::NewlineMismatch => (
                "改行コードがレイアウトと違う",
                "the file's line ends are not the layout's",
            ),
            RunProblemKind::EofMarker => (
                "ファイルの最後にEOF記号（1A）がある",
                "an EOF marker (1A) ends the file",
            ),
            RunProblemKind::InputEmpty => {
                ("入力ファイルにレコードがない", "the input holds no record")
            }
            RunProblemKind::NothingConverted => (
                "標準形式に変換できたレコードがない",
                "no record was converted to the standard layout",
            ),
            RunProblemKind::ForeignKeyDangling => (
                "外部キーの参照先の行が別のレコード間チェックで除外された",
                "rows whose foreign key names a row rejected by another cross-record check",
            ),
        }
    }
}

impl std::fmt::Display for RunProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A problem of a run as a whole (see [`Manifest::problems`]). The message names counts,
/// offsets and record numbers, never a personal value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProblem {
    /// A stable kind id, a [`RunProblemKind::id`] (`frame.trailer_count`, `frame.missing_trailer`,
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
    /// The sources of a run of several sources (`[[sources]]`, issue #13), in profile
    /// order, each with its counts; absent in a run of one source (whose layout is
    /// `source_layout`; with several, `source_layout` is the first source's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceInfo>,
    /// The file name of the standard CSV (`jumin-kiroku.csv`; in a multi-group run, the
    /// first group's file).
    pub data_file: String,
    /// The output groups of a multi-group run (a profile with `[[targets]]`), each with its
    /// file and rows; absent for a single-target run, whose one file is `data_file`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupInfo>,
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
    /// The target's 条件付き必須 items (and items the profile gives a condition), each with
    /// the profile condition that is checked — `expression: null` when none covers it: that
    /// item's condition is not checked, staff decide (issue #13). Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional_items: Vec<ConditionalItem>,
    /// Timings (differ between reruns; everything else is deterministic).
    pub timings: Timings,
}

/// A 条件付き必須 target item and the profile condition that covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionalItem {
    /// The target item's key.
    pub item: String,
    /// The target item's name (項目名).
    pub name: String,
    /// The layout's own condition text (項目説明 after ※※), if any.
    #[serde(default)]
    pub condition: Option<String>,
    /// The profile's `[conditions]` expression checked for the item; `None`: not covered.
    #[serde(default)]
    pub expression: Option<String>,
}

impl RunProblem {
    /// A problem of `kind`, in `file` if one.
    pub fn new(kind: RunProblemKind, file: Option<String>, message: String) -> RunProblem {
        RunProblem {
            kind: kind.id().to_string(),
            file,
            message,
        }
    }
}

impl Manifest {
    /// The listed output named `name`.
    pub fn output(&self, name: &str) -> Option<&OutputInfo> {
        self.outputs.iter().find(|o| o.name == name)
    }

    /// The name of the standard CSV among the outputs.
    pub fn data_csv(&self) -> Option<&OutputInfo> {
        self.output(&self.data_file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_kind_has_a_unique_id_and_both_descriptions() {
        let mut ids = std::collections::BTreeSet::new();
        for k in RunProblemKind::ALL {
            assert!(ids.insert(k.id()), "{k} twice");
            assert_eq!(RunProblemKind::from_id(k.id()), Some(k));
            let (ja, en) = k.descriptions();
            assert!(!ja.is_empty() && !en.is_empty(), "{k}");
            // Two framing problems are also reject kinds (the record concerned is rejected
            // too); their descriptions agree.
            if let Some(r) = ReasonKind::from_id(k.id()) {
                assert_eq!(r.descriptions(), k.descriptions(), "{k}");
            }
        }
    }
}
