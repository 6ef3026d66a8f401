//! # ikou-convert
//!
//! Whole migration runs: legacy records in, standard-layout records out, with rejects,
//! an audit log of every change, a manifest and Arrow/Parquet files for verification.
//!
//! A run is a [`Plan`] (a profile resolved against its layouts and tables) applied by a
//! [`Run`] to inputs — paths or any reader that can seek back to its start ([`RunInput`]) —
//! writing the standard outputs and, beside them, through the vendor's own [`RecordSink`]s
//! (handed the converted rows, the rejected records and the changes, as the standard CSV,
//! `rejects.csv` and `changes.csv` hold them), with [`Progress`] and a [`CancelToken`]; [`run()`] is the same for paths. A profile
//! that reads files of several layouts (`[[sources]]`) is one plan per source
//! ([`SourcePlans`]), run by [`Run::sources`] with inputs tagged by source
//! ([`RunInput::of_source`]). The names a vendor needs are re-exported here, at the crate's
//! root.
//!
//! Every data record ends up in the standard CSV or in `rejects.csv` with every reason
//! found, and the run fails before publishing anything if
//! `input_records ≠ output_records + rejected_records`.
//!
//! ```
//! use ikou_cleanse::gaiji::GaijiTable;
//! use ikou_convert::sample::{write_sample, SampleConfig};
//! use ikou_convert::{run, NoProgress, Plan, RunOptions};
//! use ikou_layout_spec::{profile::bundled_profile, Catalog};
//!
//! let dir = std::env::temp_dir().join(format!("ikou-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! // 200 synthetic legacy records (fixed-length CP932) to convert.
//! let input = dir.join("in.dat");
//! write_sample(&SampleConfig::new(200, 1), std::fs::File::create(&input)?)?;
//!
//! let catalog = Catalog::bundled()?;
//! let profile = bundled_profile("sample-juki", &catalog).expect("bundled")?;
//! let plan = Plan::new(&catalog, profile, GaijiTable::new())?;
//! let manifest = run(&plan, &[input], &RunOptions::new(dir.join("run")), &NoProgress)?;
//!
//! let c = &manifest.counts;
//! assert_eq!(c.input_records, 200);
//! assert_eq!(c.input_records, c.output_records + c.rejected_records);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "arrow")]
mod arrow_out;
mod checks;
mod error;
pub mod guard;
mod input;
pub mod inventory;
mod keysort;
pub mod manifest;
mod options;
pub mod output;
pub mod plan;
pub mod range;
pub mod reason;
mod release;
pub mod report;
mod rows;
pub mod run;
mod rundir;
pub mod sources;
/// Synthetic legacy files for tests, demos and benchmarks: the `ikou-sample` crate (not part
/// of a run; re-exported here so that `ikou_convert::sample` keeps working).
pub use ikou_sample as sample;
pub mod setup;
pub mod sink;
mod summary;
mod tally;
pub mod verify;
mod writers;

// The names a vendor embedding a run needs, in one place (the modules keep the rest).
pub use input::assign_files;
pub use manifest::{Counts, Manifest, RunProblem, RunProblemKind};
pub use output::RunFile;
pub use plan::{Plan, PlanError};
pub use reason::{Lang, ReasonKind};
pub use run::{
    run, CancelToken, NoProgress, Outputs, ParquetCompression, Progress, ReadSeek, Run, RunError,
    RunInput, RunOptions,
};
pub use setup::{load_catalog, load_gaiji, load_profile, SetupError};
pub use sink::{Change, RecordSink, Rejected, Row, SinkError};
pub use sources::SourcePlans;

#[cfg(test)]
mod fixtures_tests;
#[cfg(test)]
mod guard_tests;
#[cfg(test)]
mod layers_tests;

#[cfg(test)]
mod spelling_tests {
    use crate::reason::ReasonKind;
    use ikou_cleanse::decode::{DecodeIssue, DecodeIssueKind};

    /// One spelling per kind: a decoding issue's id (in `inspect --json` and
    /// [`DecodeIssue::kind_name`]) is the run's reject kind id.
    #[test]
    fn decode_issue_ids_are_the_reject_kind_ids() {
        let issue = |kind| DecodeIssue {
            offset: 0,
            len: 1,
            kind,
            more: 0,
        };
        let cases = [
            (
                DecodeIssueKind::Malformed,
                Some(ReasonKind::DecodeMalformed),
            ),
            (
                DecodeIssueKind::CutCharacter,
                Some(ReasonKind::DecodeCutCharacter),
            ),
            (
                DecodeIssueKind::GaijiUnmapped {
                    code: 0xF040,
                    pua: '\u{E000}',
                    reject: true,
                },
                Some(ReasonKind::GaijiUnmapped),
            ),
            (
                DecodeIssueKind::GaijiMapped {
                    code: 0xF040,
                    pua: '\u{E000}',
                    replacement: "髙".into(),
                },
                None,
            ),
        ];
        for (kind, reason) in cases {
            let i = issue(kind);
            let json = serde_json::to_value(&i.kind).unwrap_or_default();
            assert_eq!(json["kind"], i.kind_name(), "{i:?}");
            if let Some(r) = reason {
                assert_eq!(i.kind_name(), r.id());
            }
        }
        // A decoding issue that keeps its record is a flag, spelt as the run counts it.
        let approx = issue(DecodeIssueKind::Approximate {
            code: 0x41,
            text: "A".into(),
            family: "JEF",
        });
        assert_eq!(
            approx.kind_name(),
            crate::reason::FlagKind::DecodeApproximate.id()
        );
    }
}

#[cfg(test)]
mod one_type_tests {
    /// One `UnmappedGaiji`, one `DatePolicy`: the profile's types are the ones decoding and
    /// cleansing take (this does not compile if either is defined twice again), and the
    /// manifest spells them as the profile does.
    #[test]
    fn policies_are_one_type_each() {
        use ikou_layout_spec::profile::{DatePolicy, UnmappedGaiji};
        let u: ikou_cleanse::decode::UnmappedGaiji = UnmappedGaiji::Keep;
        let d: ikou_cleanse::wareki::DatePolicy = DatePolicy::Lenient;
        assert_eq!((u.as_str(), d.as_str()), ("keep", "lenient"));
        assert_eq!(UnmappedGaiji::default().as_str(), "reject");
        assert_eq!(DatePolicy::default().as_str(), "strict");
    }
}
