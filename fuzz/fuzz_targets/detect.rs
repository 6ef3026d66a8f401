//! Encoding and structure detection on arbitrary bytes.
//!
//! Checks (`ikou_fuzz::checks::detect`, also replayed on `fuzz/regressions/detect/` by
//! `cargo test`): no panic; the detection always gives a reason; the reported counts never
//! exceed the input; at most 100 findings, in offset order.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ikou_fuzz::checks::detect(data));
