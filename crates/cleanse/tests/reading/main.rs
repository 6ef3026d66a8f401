//! Reading legacy files (issue 3): detection hard cases, every finding kind, the bad-input
//! corpus, framing, decoding, encoding, the encoding_rs vectors, Japan Post's real files and
//! streaming = one-shot.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod bad;
mod detection;
mod japanpost;
mod streaming;
mod vectors;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file under `testdata/`.
pub fn testdata(rel: &str) -> Vec<u8> {
    std::fs::read(root().join("testdata").join(rel)).unwrap()
}

/// Skips (or, under `IKOU_REQUIRE_SHARED=1`, fails) the tests that need the shared material.
#[path = "../../src/testkit.rs"]
mod testkit;
/// The shared public test material (`../shared/testdata`): `None` after a reported skip
/// (a failure under `IKOU_REQUIRE_SHARED=1`) when it is absent.
pub use testkit::shared;

/// A bundled layout.
pub fn layout(id: &str) -> ikou_layout_spec::Layout {
    ikou_layout_spec::Catalog::bundled()
        .unwrap()
        .layout(id)
        .unwrap()
        .clone()
}

/// A layout from testdata/reading.
pub fn test_layout(name: &str) -> ikou_layout_spec::Layout {
    let text = String::from_utf8(testdata(&format!("reading/{name}"))).unwrap();
    ikou_layout_spec::parse_layout(&text, name).unwrap()
}

/// A delimited layout with `n` text fields in `encoding`.
pub fn csv_layout(n: usize, encoding: &str, header_rows: u32) -> ikou_layout_spec::Layout {
    let mut t = format!("id = \"legacy/csv\"\nname = \"csv\"\ngyomu = \"t\"\nfamily = \"legacy\"\nsource = \"t\"\nversion = \"1\"\nstatus = \"synthetic\"\nencoding = \"{encoding}\"\n[format]\nkind = \"delimited\"\ndelimiter = \",\"\nheader_rows = {header_rows}\nterminator = \"any\"\n");
    for i in 1..=n {
        t.push_str(&format!("[[items]]\nnumber = {i}\nname = \"f{i}\"\nkey = \"f{i}\"\ntype = \"text\"\nlength = 400\nunit = \"chars\"\n"));
    }
    ikou_layout_spec::parse_layout(&t, "csv.toml").unwrap()
}
