//! How a run is carried out: which outputs it writes ([`Outputs`]), its options
//! ([`RunOptions`]), progress ([`Progress`]) and cancellation ([`CancelToken`]). Re-exported
//! by [`crate::run`].

use crate::error::RunError;
use crate::keysort::DEFAULT_BUFFER_KEYS;
use crate::output::RunFile;
use ikou_cleanse::frame::RecordReader;
use ikou_layout_spec::Layout;
use std::io::Read;
use std::path::PathBuf;

/// Whether `f` is an Arrow IPC or Parquet file.
fn is_arrow_file(f: RunFile) -> bool {
    matches!(
        f,
        RunFile::ChangesParquet
            | RunFile::BeforeArrow
            | RunFile::BeforeParquet
            | RunFile::AfterArrow
            | RunFile::AfterParquet
    )
}

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
    ("changes-csv", RunFile::Changes.name()),
    ("changes-parquet", RunFile::ChangesParquet.name()),
    ("before", "before.arrow and before.parquet"),
    ("after", "after.arrow and after.parquet"),
    ("arrow", "before.arrow and after.arrow"),
    (
        "parquet",
        "before.parquet, after.parquet and changes.parquet",
    ),
    ("after-parquet", RunFile::AfterParquet.name()),
    ("gaiji", RunFile::Gaiji.name()),
    ("report", RunFile::Report.name()),
];

/// Whether this build writes Arrow IPC and Parquet files (ikou-convert's `arrow` feature).
pub(crate) const ARROW_OUTPUTS: bool = cfg!(feature = "arrow");

impl Outputs {
    /// Every output this build can write: without the `arrow` feature, every output but the
    /// Arrow/Parquet files.
    pub fn all() -> Outputs {
        Outputs {
            changes_csv: true,
            changes_parquet: ARROW_OUTPUTS,
            before_arrow: ARROW_OUTPUTS,
            before_parquet: ARROW_OUTPUTS,
            after_arrow: ARROW_OUTPUTS,
            after_parquet: ARROW_OUTPUTS,
            gaiji_csv: true,
            report: true,
        }
    }

    /// The first selected output this build cannot write (an Arrow/Parquet file without the
    /// `arrow` feature), or None. A run with one fails before it starts.
    pub fn unavailable(&self) -> Option<RunFile> {
        RunFile::ALL
            .iter()
            .copied()
            .find(|f| !ARROW_OUTPUTS && is_arrow_file(*f) && self.wants(*f))
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
        if let Some(f) = o.unavailable() {
            return Err(crate::error::unavailable_message(f));
        }
        Ok(o)
    }

    /// Whether the optional file `file` is selected (the files every run writes are).
    pub fn wants(&self, file: RunFile) -> bool {
        match file {
            RunFile::Changes => self.changes_csv,
            RunFile::ChangesParquet => self.changes_parquet,
            RunFile::BeforeArrow => self.before_arrow,
            RunFile::BeforeParquet => self.before_parquet,
            RunFile::AfterArrow => self.after_arrow,
            RunFile::AfterParquet => self.after_parquet,
            RunFile::Gaiji => self.gaiji_csv,
            RunFile::Report => self.report,
            RunFile::Rejects | RunFile::Manifest => true,
        }
    }

    /// [`Outputs::parse`] for a run of a profile with several sources (`multi`):
    /// `before.arrow`/`before.parquet` hold one source layout, so `all`, `arrow` and
    /// `parquet` leave them out there; `before` asked for by name stays selected, and the
    /// run refuses it with the reason.
    ///
    /// # Errors
    /// An unknown name.
    pub fn parse_for_sources(list: &str, multi: bool) -> Result<Outputs, String> {
        let mut o = Outputs::parse(list)?;
        if multi && !list.split(',').any(|t| t.trim() == "before") {
            o.before_arrow = false;
            o.before_parquet = false;
        }
        Ok(o)
    }

    /// The selection as the manifest records it (`options.outputs`): the
    /// [`RunFile::selector`]s of the optional files selected, or `minimal`.
    pub(crate) fn describe(&self) -> String {
        let v: Vec<&str> = RunFile::ALL
            .iter()
            .filter(|f| self.wants(**f))
            .filter_map(|f| f.selector())
            .collect();
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
    /// Memory the first pass keeps per check before spilling a sorted run to the run
    /// directory, in 8-byte keys: a check of wider keys (a sequence's or a foreign key's,
    /// with their record numbers) keeps proportionally fewer, so that every check weighs
    /// the same whatever its key.
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
    /// The reject rate above which the run's verdict is 移行不可 (`--max-reject-rate`);
    /// `None`: the profile's `max_reject_rate`, else
    /// [`crate::report::DEFAULT_MAX_REJECT_RATE`]. Written to the manifest's
    /// `options.max_reject_rate` so that `ikou report` applies the same rule.
    pub max_reject_rate: Option<ikou_layout_spec::profile::RejectRate>,
    /// How the Parquet outputs are compressed (`--parquet-compression`); `None`: the
    /// default, [`ParquetCompression::default_for`] each file.
    pub parquet_compression: Option<ParquetCompression>,
    /// Start `rejects.csv`, `changes.csv` and `gaiji.csv`, the CSVs people open, with a UTF-8
    /// BOM (default `true`; `--no-excel-bom` turns it off). Excel on Japanese Windows reads a
    /// CSV without one as CP932 and garbles every kana and kanji; pyarrow, pandas, polars,
    /// DuckDB and the `csv` crate skip it. The standard CSVs follow the profile's
    /// `output.bom` instead. Written to the manifest's `options.excel_bom`.
    pub excel_bom: bool,
}

/// A codec name that is not one of [`ParquetCompression::ALL`] (its message lists them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownCodec(pub String);

impl std::fmt::Display for UnknownCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = ParquetCompression::ALL.iter().map(|c| c.as_str()).collect();
        write!(f, "unknown codec `{}`: one of {}", self.0, names.join(", "))
    }
}

impl std::str::FromStr for ParquetCompression {
    type Err = UnknownCodec;

    /// [`ParquetCompression::parse`], with an error naming the codecs there are.
    ///
    /// ```
    /// use ikou_convert::ParquetCompression;
    /// let e = "zip".parse::<ParquetCompression>().unwrap_err();
    /// assert_eq!(e.to_string(), "unknown codec `zip`: one of none, lz4, snappy");
    /// ```
    fn from_str(name: &str) -> Result<Self, UnknownCodec> {
        Self::parse(name).ok_or_else(|| UnknownCodec(name.to_string()))
    }
}

/// The compression of a Parquet output's pages. Every codec here is pure Rust and read by
/// pyarrow, polars, DuckDB and Spark (3.4 and later for LZ4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParquetCompression {
    /// Uncompressed pages.
    None,
    /// LZ4 (Parquet's `LZ4_RAW`): fast, about 4× smaller on `before.parquet`.
    Lz4,
    /// Snappy, the codec most tools default to: about as fast and as small as LZ4.
    Snappy,
}

impl ParquetCompression {
    /// Every codec, in the order `--parquet-compression` lists them.
    pub const ALL: [ParquetCompression; 3] = [
        ParquetCompression::None,
        ParquetCompression::Lz4,
        ParquetCompression::Snappy,
    ];

    /// The codec's name (`none`, `lz4`, `snappy`), as the CLI and the manifest spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParquetCompression::None => "none",
            ParquetCompression::Lz4 => "lz4",
            ParquetCompression::Snappy => "snappy",
        }
    }

    /// The codec named `name` ([`ParquetCompression::as_str`]).
    ///
    /// ```
    /// use ikou_convert::ParquetCompression;
    /// assert_eq!(ParquetCompression::parse("lz4"), Some(ParquetCompression::Lz4));
    /// assert_eq!(ParquetCompression::parse("zip"), None);
    /// ```
    pub fn parse(name: &str) -> Option<ParquetCompression> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The default codec of a run's Parquet file: LZ4 for `before.parquet` and
    /// `changes.parquet`, the audit trail (the raw records and padded texts of `before`
    /// shrink about 4×, and every byte not written is one the run need not hash and sync),
    /// none for `after.parquet`, the table that is queried (it is compact already, and
    /// compressing it cost a run that writes it 4 % more CPU time).
    ///
    /// ```
    /// use ikou_convert::ParquetCompression;
    /// use ikou_convert::output::RunFile;
    /// assert_eq!(ParquetCompression::default_for(RunFile::BeforeParquet), ParquetCompression::Lz4);
    /// assert_eq!(ParquetCompression::default_for(RunFile::AfterParquet), ParquetCompression::None);
    /// ```
    pub fn default_for(file: crate::output::RunFile) -> ParquetCompression {
        use crate::output::RunFile;
        match file {
            RunFile::BeforeParquet | RunFile::ChangesParquet => ParquetCompression::Lz4,
            _ => ParquetCompression::None,
        }
    }
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
            max_reject_rate: None,
            parquet_compression: None,
            excel_bom: true,
        }
    }

    /// The codec of the Parquet output `file` in this run.
    pub fn parquet_compression_of(&self, file: crate::output::RunFile) -> ParquetCompression {
        self.parquet_compression
            .unwrap_or_else(|| ParquetCompression::default_for(file))
    }

    pub(crate) fn check_cancel(&self) -> Result<(), RunError> {
        match &self.cancel {
            Some(c) if c.is_cancelled() => Err(RunError::Cancelled),
            _ => Ok(()),
        }
    }

    pub(crate) fn chunk(&self) -> (usize, usize) {
        (self.chunk_records.max(1), self.chunk_bytes.max(1))
    }

    pub(crate) fn record_reader<R: Read>(
        &self,
        rdr: R,
        layout: &Layout,
    ) -> Result<RecordReader<R>, ikou_cleanse::frame::FrameConfigError> {
        Ok(RecordReader::new(rdr, layout)?
            .with_max_record_len(self.max_record_bytes)
            .with_max_fields(self.max_fields))
    }
}

/// Progress of a run, for a progress bar. The run calls it from one thread at a time, but
/// not always the caller's: both passes run on the run's thread pool (so that a run on one
/// thread does not hand every chunk from one thread to another), hence `Sync` — keep state
/// in atomics or a `Mutex`, as the CLI's bar does.
pub trait Progress: Sync {
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
