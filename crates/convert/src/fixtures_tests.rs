//! Fixtures shared by the unit tests of the run, its ranges and its accounting: the
//! bundled `sample-juki` plan (with its 外字 table) and the bundled 1000-record sample.

use crate::plan::Plan;
use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile};
use ikou_layout_spec::Catalog;
use std::path::{Path, PathBuf};

/// The plan of the bundled profile `sample-juki`, with its 外字 table.
pub(crate) fn sample_plan() -> Plan {
    let catalog = Catalog::bundled().unwrap();
    let profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
    let gaiji = GaijiTable::parse(bundled_gaiji("sample-juki.csv").unwrap(), "g").unwrap();
    Plan::new(&catalog, profile, gaiji).unwrap()
}

/// `testdata/sample/juki-1000.dat`.
pub(crate) fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat")
}
