//! Every input kept in `fuzz/regressions/<target>/` (inputs that once found a bug) is replayed
//! here by an ordinary `cargo test`, through the same invariant function the fuzz target
//! runs (`fuzz/src/checks.rs`, compiled into this binary too), so that putting a fixed bug
//! back fails CI, which never runs the fuzzers.
//!
//! Checked by hand (issue 19): with `MAX_FINDINGS` in `crates/cleanse/src/detect.rs` not
//! applied to the NUL-bytes finding (bug 7 put back: the NUL finding pushed after 100
//! invalid-sequence findings, 101 in all: `d.findings.truncate(MAX_FINDINGS)` instead of
//! `MAX_FINDINGS - 1`), `detect_regressions_hold` fails on `detect/findings-over-100` with
//! "101 findings"; restored, it passes. Likewise, with bug 1 put back (`comment_safe` in
//! `crates/layout-spec/src/import.rs` keeping control characters), `xlsx_regressions_hold`
//! fails: "an imported layout does not load".

#[path = "../../../../fuzz/src/checks.rs"]
pub(crate) mod checks;

use crate::util::root;
use std::path::PathBuf;

/// A fuzz target's invariant: panics when broken.
type Check = fn(&[u8]);

/// The invariant of each fuzz target that has regressions.
const REPLAYERS: &[(&str, Check)] = &[("detect", checks::detect), ("xlsx", checks::xlsx)];

/// The files of `fuzz/regressions/<target>/`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = root().join("fuzz/regressions").join(target);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Replays every input of `target`; fails naming each input whose invariant breaks. Returns
/// the file names replayed.
fn replay(target: &str) -> Vec<String> {
    let check = REPLAYERS
        .iter()
        .find(|(t, _)| *t == target)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no replayer for fuzz target {target}"));
    let files = inputs(target);
    let mut broken = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if let Err(e) = std::panic::catch_unwind(|| check(&data)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default();
            broken.push(format!("{}: {msg}", f.display()));
        }
    }
    assert!(
        broken.is_empty(),
        "fuzz regressions of `{target}` fail again:\n{}",
        broken.join("\n")
    );
    files
        .iter()
        .filter_map(|f| Some(f.file_name()?.to_string_lossy().into_owned()))
        .collect()
}

/// Each directory of `fuzz/regressions/` has a replayer here (a new target's regressions
/// cannot be forgotten) and holds at least one input.
#[test]
fn every_regression_directory_is_replayed() {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("fuzz/regressions"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    for d in &dirs {
        assert!(
            REPLAYERS.iter().any(|(t, _)| t == d),
            "fuzz/regressions/{d}/ has no replayer: move the target's checks into \
             fuzz/src/checks.rs and add it to REPLAYERS in {}",
            file!()
        );
        assert!(!inputs(d).is_empty(), "fuzz/regressions/{d}/ is empty");
    }
}

/// Bug 7: `Detection::findings` held 101 findings, out of offset order.
#[test]
fn detect_regressions_hold() {
    assert!(replay("detect").contains(&"findings-over-100".to_string()));
}

/// Bug 1: a control character in a skipped row's cell made an imported layout that does not
/// load back.
#[test]
fn xlsx_regressions_hold() {
    let done = replay("xlsx");
    assert!(done.contains(&"import-comment-control-char".to_string()));
    assert!(done.contains(&"import-comment-control-char-2".to_string()));
}
