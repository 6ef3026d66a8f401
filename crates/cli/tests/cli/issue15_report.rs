//! Issue 15 (the hot path): the report a run writes is made from what the run recorded while
//! writing (its files' hashes and rows, the summary of its changes) instead of reading back
//! every output. The page must be byte for byte the one `ikou report` makes later from the
//! disk — for every way a run can hold its changes, one or several groups and sources, values
//! masked or shown — or the run's report and its regeneration would disagree.

use crate::util::*;

/// Runs `ikou convert ARGS --out DIR`, then `ikou report DIR` (with `--show-values` when the
/// run had it): the regenerated page must be the run's (no `report.regenerated.html`).
fn run_then_regenerate(name: &str, args: &[&str], show_values: bool) -> usize {
    let dir = tempdir(name);
    let out = dir.join("run");
    let mut a = args.to_vec();
    a.extend([
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--max-reject-rate",
        "100%",
    ]);
    if show_values {
        a.push("--show-values");
    }
    let r = ikou(&a);
    assert!(matches!(r.code, 0 | 4), "{name}: {} {}", r.stdout, r.stderr);
    let page = std::fs::read(out.join("report.html")).unwrap();
    let mut rep = vec!["report", out.to_str().unwrap()];
    if show_values {
        rep.push("--show-values");
    }
    ikou(&rep);
    assert!(
        !out.join("report.regenerated.html").exists(),
        "{name}: `ikou report` made another page than the run"
    );
    assert!(!out.join("report.unverified.html").exists(), "{name}");
    assert_eq!(
        page,
        std::fs::read(out.join("report.html")).unwrap(),
        "{name}"
    );
    let html = String::from_utf8(page).unwrap();
    // The page holds the changes: every rule of the run is on it.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let rules = m["counts"]["changes_by_rule"].as_object().unwrap();
    if !args.contains(&"report") {
        for rule in rules.keys() {
            assert!(
                html.contains(rule.as_str()),
                "{name}: {rule} not on the page"
            );
        }
    }
    rules.len()
}

#[test]
fn issue15_the_run_report_is_the_one_ikou_report_makes() {
    let sample = "testdata/sample/juki-1000.dat";
    assert!(root().join(sample).exists());
    for (name, outputs, show) in [
        ("issue15_report_all", "all", false),
        ("issue15_report_all_shown", "all", true),
        ("issue15_report_csv", "changes-csv,report", false),
        ("issue15_report_parquet", "changes-parquet,report", false),
        ("issue15_report_none", "report", false),
    ] {
        let rules = run_then_regenerate(
            name,
            &[
                "convert",
                "--profile",
                "sample-juki",
                sample,
                "--outputs",
                outputs,
            ],
            show,
        );
        assert!(rules >= 3, "{name}: the sample's changes");
    }
    // One group, and several sources.
    run_then_regenerate(
        "issue15_report_flat",
        &[
            "convert",
            "--profile",
            "crates/python/tests/sample-juki-jumin.toml",
            sample,
            "--outputs",
            "all",
        ],
        false,
    );
    run_then_regenerate(
        "issue15_report_sources",
        &[
            "convert",
            "--profile",
            "testdata/groups/sources.toml",
            "--input",
            "kojin=testdata/groups/kojin.csv",
            "--input",
            "rireki=testdata/groups/rireki-sources.csv",
            "--outputs",
            "changes-csv,report",
        ],
        false,
    );
}
