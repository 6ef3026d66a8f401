//! The one integration-test binary: drives the `ikou` binary as a user would.

mod convert;
mod fuzz_regressions;
mod hardening;
mod issue19;
mod layouts;
mod normalize;
mod reading;
mod report;
mod sample;
mod util;
