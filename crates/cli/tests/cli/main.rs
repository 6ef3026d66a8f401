//! The one integration-test binary: drives the `ikou` binary as a user would.

mod cleanse_items;
mod convert;
mod guard;
mod hardening;
mod issue18_cli;
mod issue18_run;
mod layouts;
mod normalize;
mod reading;
mod report;
mod sample;
mod util;
