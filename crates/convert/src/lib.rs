//! # ikou-convert
//!
//! Whole migration runs: legacy records in, standard-layout records out, with rejects,
//! an audit log of every change, a manifest and Arrow/Parquet files for verification.
//!
//! A run is a [`plan::Plan`] (a profile resolved against its layouts and tables) applied by
//! [`run::run`] to input files. Every data record ends up in the standard CSV or in
//! `rejects.csv` with every reason found, and the run fails before publishing anything if
//! `input_records ≠ output_records + rejected_records`.
#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "arrow")]
mod arrow_out;
pub mod manifest;
pub mod output;
pub mod plan;
pub mod report;
pub mod run;
pub mod sample;
pub mod sink;
pub mod verify;
