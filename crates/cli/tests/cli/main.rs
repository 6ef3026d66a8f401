//! The one integration-test binary: drives the `ikou` binary as a user would.

mod cleanse_items;
mod convert;
mod fuzz_regressions;
mod guard;
mod hardening;
mod issue13;
mod issue13_atena;
mod issue13_groups;
mod issue13_juki;
mod issue14_reasons;
mod issue14_report;
mod issue14_verdict;
mod issue15_arch;
mod issue16_copybook;
mod issue16_hostrun;
mod issue18_bounds2;
mod issue18_bounds3;
mod issue18_cli;
mod issue18_run;
mod issue19;
mod layouts;
mod normalize;
mod reading;
mod report;
mod sample;
mod util;
