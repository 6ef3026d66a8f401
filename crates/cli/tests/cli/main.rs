//! The one integration-test binary: drives the `ikou` binary as a user would.

mod util;
mod convert;
mod layouts;
mod normalize;
mod report;
mod sample;
mod reading;
mod hardening;
