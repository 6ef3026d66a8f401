//! The one integration-test binary: drives the `ikou` binary as a user would.

mod convert;
mod hardening;
mod issue18_run;
mod layouts;
mod normalize;
mod reading;
mod report;
mod sample;
mod util;
