//! A whole small `convert` run on a fuzzed input file in a temporary directory: the bundled
//! sample-juki profile, or the header/data/trailer test profile (testdata/run/trailer.*:
//! record types 1/2/9, a trailer count, misplaced headers and trailers).
//!
//! Input: byte 0 picks the chunk size (records per chunk), the output set (bit 7) and the
//! profile (bit 6: header/data/trailer); the rest is the legacy file.
//! Checks: no panic; the run succeeds (bad data is rejected, never a failed run) and
//! reconciles: physical = header + trailer + input, input = output + rejected, the standard
//! CSV has one row per output record and rejects.csv one per rejected record; no `.partial`
//! file is left; a trailer layout's run without a valid trailer record has a problem of the
//! run (missing trailer) or a reject (a broken trailer).
#![no_main]

use ikou_cleanse::gaiji::GaijiTable;
use ikou_convert::plan::Plan;
use ikou_convert::run::{run, NoProgress, Outputs, RunOptions};
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile, parse_profile};
use ikou_layout_spec::Catalog;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn plan() -> &'static Plan {
    static P: OnceLock<Plan> = OnceLock::new();
    P.get_or_init(|| {
        let catalog = Catalog::bundled().expect("catalog");
        let profile = bundled_profile("sample-juki", &catalog)
            .expect("bundled profile")
            .expect("profile loads");
        let gaiji = GaijiTable::parse(bundled_gaiji("sample-juki.csv").expect("table"), "g")
            .expect("gaiji table");
        Plan::new(&catalog, profile, gaiji).expect("plan")
    })
}

/// The header/data/trailer plan: testdata/reading/trailer.toml → testdata/run/trailer-out.toml
/// with testdata/run/trailer.profile.toml.
fn trailer_plan() -> &'static Plan {
    static P: OnceLock<Plan> = OnceLock::new();
    P.get_or_init(|| {
        let mut catalog = Catalog::bundled().expect("catalog");
        catalog
            .add_layout_text(ikou_fuzz::TRAILER, "trailer.toml")
            .expect("trailer layout");
        catalog
            .add_layout_text(
                include_str!("../../testdata/run/trailer-out.toml"),
                "trailer-out.toml",
            )
            .expect("trailer-out layout");
        let profile = parse_profile(
            include_str!("../../testdata/run/trailer.profile.toml"),
            "trailer.profile.toml",
            &catalog,
        )
        .expect("trailer profile");
        Plan::new(&catalog, profile, GaijiTable::new()).expect("trailer plan")
    })
}

fn base() -> &'static PathBuf {
    static B: OnceLock<PathBuf> = OnceLock::new();
    B.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("ikou-fuzz-convert-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    })
}

fn csv_rows(path: &std::path::Path) -> usize {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_path(path)
        .expect("csv opens");
    r.byte_records().map(|x| x.expect("csv row")).count()
}

fuzz_target!(|data: &[u8]| {
    let Some((&cfg, file)) = data.split_first() else {
        return;
    };
    let input = base().join("input.dat");
    std::fs::write(&input, file).expect("write input");
    let out = base().join("run");
    let mut opts = RunOptions::new(&out);
    opts.force = true;
    opts.threads = 1;
    opts.chunk_records = usize::from(cfg % 5) + 1;
    opts.outputs = if cfg & 0x80 == 0 {
        Outputs::all()
    } else {
        Outputs::minimal()
    };
    let trailer = cfg & 0x40 != 0;
    let plan = if trailer { trailer_plan() } else { plan() };
    match run(plan, &[input], &opts, &NoProgress) {
        Ok(m) => {
            let c = &m.counts;
            assert_eq!(c.input_records, c.output_records + c.rejected_records);
            assert_eq!(
                c.physical_records,
                c.header_records + c.trailer_records + c.input_records,
                "physical = header + trailer + input"
            );
            // No valid trailer is never a clean run: a missing trailer is a problem of the
            // run; a broken one (wrong length, a count that is not a number) is a reject.
            if trailer && c.physical_records > 0 && c.trailer_records == 0 {
                assert!(
                    !m.problems.is_empty() || c.rejected_records > 0,
                    "no trailer, yet no problem and no reject"
                );
            }
            assert!(m.accounting_ok);
            assert_eq!(csv_rows(&out.join(&m.data_file)) as u64, c.output_records);
            assert_eq!(
                csv_rows(&out.join("rejects.csv")) as u64,
                c.rejected_records
            );
            for e in std::fs::read_dir(&out).expect("run dir") {
                let n = e.expect("entry").file_name();
                assert!(!n.to_string_lossy().ends_with(".partial"), "left {n:?}");
            }
        }
        // The input is readable and the plan valid: bad data is rejected record by record,
        // never a failure of the whole run.
        Err(e) => panic!("a run on a readable file failed: {e}"),
    }
});
