//! # ikou-convert
//!
//! Whole migration runs: legacy records in, standard-layout records out, with rejects,
//! an audit log of every change, a manifest and Arrow/Parquet files for verification.
#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod sink;
