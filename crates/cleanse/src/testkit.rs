//! Tests that need something outside the repository: the shared public test material
//! (`../shared/testdata`), a browser, a tool. One implementation, used by the unit tests of
//! this crate and (through `#[path]`) by the integration tests of `ikou-cleanse` and `ikou`.
//!
//! A test that cannot run never counts as a silent pass:
//! - with `IKOU_REQUIRE_SHARED=1` (set by `.ci/run`) it FAILS, with the reason;
//! - otherwise it prints `SKIPPED: <test>: <reason>` (past the test harness's output capture)
//!   and appends that line to the file named by `IKOU_SKIP_LOG`, from which
//!   `scripts/test.sh` prints the number of skipped tests and why at the end of the run.
//!
//! The shared material is looked for at `$IKOU_SHARED_DIR/testdata` when that variable is set
//! (an absolute path; handy in a git worktree), else at `../shared/testdata` beside the
//! workspace root.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::PathBuf;

/// Whether a test that cannot run must fail (`IKOU_REQUIRE_SHARED=1`, as in CI).
pub fn required() -> bool {
    std::env::var("IKOU_REQUIRE_SHARED").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The running test's name (libtest names each test's thread after the test).
fn test_name() -> String {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("<unnamed test>")
        .to_string()
}

/// Reports that the running test cannot run, for `reason`: panics under
/// `IKOU_REQUIRE_SHARED=1`, else prints and records a skip. The caller then returns.
#[track_caller]
pub fn skip(reason: &str) {
    let test = test_name();
    if required() {
        panic!(
            "{test} cannot run: {reason}. IKOU_REQUIRE_SHARED=1 (CI) forbids skipping; \
             provide it, or unset IKOU_REQUIRE_SHARED to skip (the skip is reported)"
        );
    }
    let line = format!("SKIPPED: {test}: {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(log) = std::env::var_os("IKOU_SKIP_LOG").filter(|v| !v.is_empty()) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Where the shared material should be (whether or not it is there).
pub fn shared_root() -> PathBuf {
    match std::env::var_os("IKOU_SHARED_DIR").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        // crates/<crate> → the workspace root → the directory that holds it.
        None => {
            let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            crate_dir
                .ancestors()
                .nth(3)
                .unwrap_or(crate_dir)
                .join("shared")
        }
    }
}

/// `../shared/testdata`, or `None` after [`skip`] when it is absent.
#[track_caller]
pub fn shared() -> Option<PathBuf> {
    let p = shared_root().join("testdata");
    if p.is_dir() {
        Some(p)
    } else {
        skip(&format!(
            "{} is absent (the shared public test material; see README.md, \"Tests\")",
            p.display()
        ));
        None
    }
}

/// The file `rel` of the shared material, or `None` after [`skip`] when it (or the whole
/// material) is absent.
#[track_caller]
pub fn shared_file(rel: &str) -> Option<PathBuf> {
    let p = shared()?.join(rel);
    if p.is_file() {
        Some(p)
    } else {
        skip(&format!(
            "{} is absent from the shared material",
            p.display()
        ));
        None
    }
}
