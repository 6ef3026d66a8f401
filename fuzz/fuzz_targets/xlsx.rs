//! The item-list importer: xlsx workbooks and CSV item lists.
//!
//! Input: byte 0 picks the mode. Raw mode feeds the bytes to `import_xlsx` (hostile zips)
//! and `import_csv`; build mode splits the rest at NUL bytes into a sheet body, shared
//! strings and a workbook sheet name, and zips them into a well-formed workbook so the
//! fuzzer reaches the XML and header logic.
//! Checks (`ikou_fuzz::checks::xlsx`, also replayed on `fuzz/regressions/xlsx/` by
//! `cargo test`): no panic; an imported layout is valid: its TOML loads back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ikou_fuzz::checks::xlsx(data));
