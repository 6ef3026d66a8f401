//! Hardening (issue 7): the bad-input corpus through every verb, fault injection (disk full,
//! unreadable input, unwritable run directory, SIGKILL at random points, missing tables) and
//! the security guarantees (no personal value in any message, 0600 files, nothing written
//! outside `--out`, formula-injection guard on human-facing CSVs).
//!
//! Every run here must end with exit code 0–3, never 101, and never print "panicked".

use crate::util::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SAMPLE: &str = "testdata/sample/juki-1000.dat";

/// Asserts a run ended with one of ikou's exit codes and without a panic.
#[track_caller]
fn sane(r: &Run, what: &str) {
    assert!(
        matches!(r.code, 0..=4),
        "{what}: exit code {} (never 101 or a signal)\n--- stderr\n{}",
        r.code,
        r.stderr
    );
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!r.stderr.contains(bad), "{what}: {bad}\n{}", r.stderr);
        assert!(!r.stdout.contains(bad), "{what}: {bad}\n{}", r.stdout);
    }
}

/// Runs `ikou ARGS` in `dir` and checks it is sane.
#[track_caller]
fn run_sane(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let r = ikou_in(dir, args, stdin);
    sane(&r, &args.join(" "));
    r
}

/// The bad data files of `testdata/bad` (not the specs and not the README).
fn bad_data_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("testdata/bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            !(n.ends_with(".md") || n.ends_with(".toml"))
        })
        .collect();
    v.sort();
    assert!(v.len() >= 12, "the corpus is in testdata/bad: {v:?}");
    v
}

/// Whether this `ikou` has a verb (e.g. `report`, which may not exist yet).
fn has_verb(verb: &str) -> bool {
    ikou(&[verb, "--help"]).code == 0
}

/// Every verb that reads a data file, on `file` (relative to `dir` or absolute).
fn every_verb_on(dir: &Path, file: &str, tag: &str) {
    run_sane(dir, &["detect", file], None);
    run_sane(dir, &["detect", file, "--json"], None);
    for enc in [None, Some("euc-jp"), Some("utf-8")] {
        let mut a = vec![
            "inspect",
            file,
            "--layout",
            "legacy/sample-juki",
            "--records",
            "3",
        ];
        if let Some(e) = enc {
            a.extend(["--encoding", e]);
        }
        run_sane(dir, &a, None);
    }
    run_sane(
        dir,
        &["inspect", file, "--layout", "legacy/sample-juki", "--json"],
        None,
    );
    run_sane(
        dir,
        &["gaiji", file, "--layout", "legacy/sample-juki"],
        None,
    );
    run_sane(
        dir,
        &["gaiji", file, "--layout", "legacy/sample-juki", "--csv"],
        None,
    );
    let out = format!("run-{tag}");
    let c = run_sane(
        dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            file,
            "--out",
            &out,
            "--force",
            "-q",
        ],
        None,
    );
    if c.code == 0 {
        run_sane(dir, &["verify", &out], None).expect(0);
        if has_verb("report") {
            run_sane(dir, &["report", &out], None);
        }
    }
    run_sane(
        dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            file,
            "--out",
            &out,
            "--strict",
            "--force",
            "--outputs",
            "minimal",
            "-q",
        ],
        None,
    );
    // A data file where a spec is expected.
    run_sane(dir, &["layouts", "check", file], None);
    run_sane(
        dir,
        &[
            "layouts",
            "import",
            file,
            "--out",
            &format!("{out}.toml"),
            "--force",
        ],
        None,
    );
    run_sane(dir, &["layouts", "import", file, "--format", "fixed"], None);
    // The bytes as values to normalize (one per line), for every domain type.
    let bytes = std::fs::read(dir.join(file)).unwrap();
    for ty in [
        "text",
        "kana",
        "kanji_name",
        "date",
        "digits",
        "address",
        "postal_code",
        "phone",
        "individual_number",
        "resident_code",
        "lg_code",
        "amount",
        "code",
        "fullwidth",
    ] {
        run_sane(dir, &["normalize", "--as", ty], Some(&bytes));
    }
    run_sane(dir, &["normalize", "--as", "date", "--json"], Some(&bytes));
}

#[test]
fn bad_corpus_through_every_verb_never_panics() {
    let dir = tempdir("hardening-corpus");
    for (i, f) in bad_data_files().iter().enumerate() {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(f, dir.join(&name)).unwrap();
        every_verb_on(&dir, &name, &i.to_string());
    }
    // Paths that are not files.
    for p in [".", "does-not-exist.dat"] {
        let r = run_sane(&dir, &["detect", p], None);
        assert_eq!(r.code, 3, "detect {p}: {}", r.stderr);
        let r = run_sane(
            &dir,
            &["inspect", p, "--layout", "legacy/sample-juki"],
            None,
        );
        assert_eq!(r.code, 3, "inspect {p}: {}", r.stderr);
    }
}

#[test]
fn six_megabyte_line_through_every_verb() {
    let dir = tempdir("hardening-6mb");
    let mut data = Vec::with_capacity(6 << 20);
    data.extend_from_slice("山田\r\n".as_bytes());
    data.extend(std::iter::repeat_n(b'x', 6 << 20));
    data.extend_from_slice(b"\x82\r\n");
    std::fs::write(dir.join("long.dat"), &data).unwrap();
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            "long.dat",
            "--out",
            "run",
            "-q",
            // The input guard stops this file (its lines are not 300 bytes); the run itself
            // is what is tested here.
            "--no-input-check",
        ],
        None,
    );
    // Done (4: 移行不可 by its rejects).
    assert!(matches!(r.code, 0 | 4), "{}", r.stderr);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run/manifest.json")).unwrap())
            .unwrap();
    let c = &m["counts"];
    assert_eq!(
        c["input_records"].as_u64().unwrap(),
        c["output_records"].as_u64().unwrap() + c["rejected_records"].as_u64().unwrap()
    );
    // Every byte of the long record is kept in rejects.csv (as hex), none dropped.
    let rejects = std::fs::read_to_string(dir.join("run/rejects.csv")).unwrap();
    assert!(
        rejects.len() > 12 << 20,
        "the 6 MB record is in rejects.csv as hex"
    );
    run_sane(&dir, &["detect", "long.dat"], None).expect(0);
    run_sane(
        &dir,
        &[
            "inspect",
            "long.dat",
            "--layout",
            "legacy/sample-juki",
            "--records",
            "3",
        ],
        None,
    );
    run_sane(
        &dir,
        &["gaiji", "long.dat", "--layout", "legacy/sample-juki"],
        None,
    );
    run_sane(&dir, &["normalize", "--as", "kanji_name"], Some(&data));
}

#[test]
fn bad_specs_are_usage_errors_with_positions() {
    let bad = root().join("testdata/bad");
    let r = run_sane(
        &root(),
        &[
            "layouts",
            "check",
            bad.join("spec-every-error.toml").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    // Many problems, each with file and line.
    let lines = all
        .lines()
        .filter(|l| l.contains("spec-every-error.toml:"))
        .count();
    assert!(
        lines >= 8,
        "every problem is reported with its line:\n{all}"
    );
    // `Legacy/BAD id` is reported although `family` is invalid too (bug 6).
    for what in [
        "record_length",
        "digts",
        "colour",
        "70000",
        "bad key!",
        "Legacy/BAD id",
        "`family`",
    ] {
        assert!(all.contains(what), "{what} not reported:\n{all}");
    }
    let r = run_sane(
        &root(),
        &[
            "layouts",
            "check",
            bad.join("code-table-errors.csv").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    // A broken spec given to convert: exit 2, nothing written.
    let dir = tempdir("hardening-badspec");
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            "--specs",
            bad.join("spec-every-error.toml").to_str().unwrap(),
            &root().join(SAMPLE).to_string_lossy(),
            "--out",
            "run",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!dir.join("run/manifest.json").exists());
}

#[test]
fn sample_with_bad_arguments() {
    let dir = tempdir("hardening-sample-args");
    for args in [
        vec!["sample", "--records", "0", "--out", "a.dat"],
        vec!["sample", "--records", "-5", "--out", "a.dat"],
        vec![
            "sample",
            "--records",
            "99999999999999999999999",
            "--out",
            "a.dat",
        ],
        vec!["sample", "--rate", "nonsense=2", "--out", "a.dat"],
        vec!["sample", "--rate", "kana_in_name=-1", "--out", "a.dat"],
        vec!["sample", "--rate", "kana_in_name=2", "--out", "a.dat"],
        vec!["sample", "--rate", "kana_in_name", "--out", "a.dat"],
        vec!["sample", "--rate", "kana_in_name=NaN", "--out", "a.dat"],
        vec!["sample", "--out", "no/such/dir/a.dat"],
        vec!["sample", "--out", "."],
        vec!["sample", "--gaiji-table", "missing.csv", "--out", "a.dat"],
        vec![
            "sample",
            "--records",
            "3",
            "--out",
            "a.dat",
            "--truth",
            "no/such/dir/t.csv",
        ],
        vec!["sample"],
    ] {
        run_sane(&dir, &args, None);
    }
    for args in [
        vec!["inspect", "x", "--layout", "legacy/nope"],
        vec![
            "inspect",
            "x",
            "--layout",
            "legacy/sample-juki",
            "--encoding",
            "klingon",
        ],
        vec![
            "gaiji",
            "x",
            "--layout",
            "legacy/sample-juki",
            "--table",
            "missing.csv",
        ],
        vec!["normalize", "--as", "nope", "x"],
        vec!["convert", "--profile", "nope", "x", "--out", "r"],
        vec![
            "convert",
            "--profile",
            "sample-juki",
            "x",
            "--out",
            "r",
            "--outputs",
            "bogus",
        ],
        vec![
            "convert",
            "--profile",
            "sample-juki",
            "x",
            "--out",
            "r",
            "--threads",
            "-1",
        ],
        vec!["verify", "no-such-run"],
        vec!["layouts", "show", "legacy/nope"],
        vec!["frobnicate"],
    ] {
        let r = run_sane(&dir, &args, None);
        assert_ne!(r.code, 0, "{args:?} should fail");
    }
}

// ---------------------------------------------------------------- fault injection

/// After a failed run: no manifest, and no output under its final name.
#[track_caller]
fn nothing_looks_finished(dir: &Path) {
    for n in names_in(dir) {
        assert!(
            n.starts_with('.') && n.ends_with(".partial"),
            "{n} in {} looks finished after a failed run (all: {:?})",
            dir.display(),
            names_in(dir)
        );
    }
}

/// Runs `ikou ARGS` in `dir` with every file it writes limited to `blocks` × 512 bytes: the
/// shell's `ulimit -f` (RLIMIT_FSIZE), with SIGXFSZ ignored so that a write past the limit
/// fails with EFBIG ("File too large") instead of killing the process. A real write error
/// from the kernel, with no hook in ikou.
fn ikou_with_file_limit(dir: &Path, blocks: u64, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"trap "" XFSZ; ulimit -f "$0" && exec "$@""#)
        .arg(blocks.to_string())
        .arg(env!("CARGO_BIN_EXE_ikou"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("spawn sh");
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    sane(&r, &format!("ulimit -f {blocks}; ikou {}", args.join(" ")));
    r
}

/// Sizes of the files of a run directory.
fn sizes(dir: &Path) -> Vec<(String, u64)> {
    names_in(dir)
        .into_iter()
        .map(|n| {
            let len = std::fs::metadata(dir.join(&n)).unwrap().len();
            (n, len)
        })
        .collect()
}

#[test]
fn disk_full_on_each_output_is_an_io_error_and_publishes_nothing() {
    let dir = tempdir("hardening-full");
    let sample = root().join(SAMPLE);
    let bytes = std::fs::read(&sample).unwrap();
    // One record (so the manifest and the report are the largest files of a run) and 400
    // records that are all rejected (so rejects.csv is the largest).
    std::fs::write(dir.join("one.dat"), &bytes[..302]).unwrap();
    std::fs::write(
        dir.join("garbage.dat"),
        [[b'#'; 300].as_slice(), b"\r\n"].concat().repeat(400),
    )
    .unwrap();
    // (the output that must fail, input, --outputs): in each case the output is the only
    // file of the run larger than the limit chosen below, so it is the one that fails.
    // report.html and manifest.json are written after the data files are renamed into place.
    let cases = [
        ("jumin.csv", sample.to_str().unwrap(), "minimal"),
        ("rejects.csv", "garbage.dat", "minimal"),
        ("changes.csv", sample.to_str().unwrap(), "changes-csv"),
        ("after.parquet", sample.to_str().unwrap(), "after-parquet"),
        ("before.arrow", sample.to_str().unwrap(), "arrow"),
        ("report.html", "one.dat", "report"),
        ("manifest.json", "one.dat", "minimal"),
    ];
    for (target, input, outputs) in cases {
        let out = format!("run-{target}");
        let args = [
            "convert",
            "--profile",
            "sample-juki",
            input,
            "--out",
            &out,
            "--outputs",
            outputs,
            "--force",
            "-q",
        ];
        // A finished run first: its sizes give the limit, and the failing run replaces it
        // (garbage.dat: every record rejected, 移行不可, exit 4).
        run_sane(&dir, &args, None).expect(if input == "garbage.dat" { 4 } else { 0 });
        let sizes = sizes(&dir.join(&out));
        let size = |n: &str| sizes.iter().find(|s| s.0 == n).map(|s| s.1);
        let target_size = size(target).unwrap_or_else(|| panic!("{target}: {sizes:?}"));
        // The manifest's timings vary by a few bytes from run to run.
        let others = sizes
            .iter()
            .filter(|s| s.0 != target)
            .map(|s| s.1 + 64)
            .max()
            .unwrap();
        let blocks = others.div_ceil(512);
        assert!(
            blocks * 512 < target_size,
            "{target} ({target_size} bytes) is not the only file over {} bytes: {sizes:?}",
            blocks * 512
        );
        let r = ikou_with_file_limit(&dir, blocks, &args);
        println!(
            "{target}: limit {} bytes, file {target_size} bytes: {}",
            blocks * 512,
            r.stderr.trim()
        );
        assert_eq!(r.code, 3, "{target}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("writing {target}")),
            "{target}: the message names the output: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("File too large") || r.stderr.contains("os error 27"),
            "{target}: {}",
            r.stderr
        );
        let run_dir = dir.join(&out);
        assert!(!run_dir.join("manifest.json").exists(), "{target}");
        for n in names_in(&run_dir) {
            assert!(!n.ends_with(".partial"), "{target}: {n} left behind");
        }
        let v = run_sane(&dir, &["verify", &out], None);
        // Nothing under a final name: neither the new run's files nor the previous run's
        // (report.html and manifest.json fail after the data files were renamed into place:
        // the run takes them back out).
        assert!(
            names_in(&run_dir).is_empty(),
            "{target}: {:?}",
            names_in(&run_dir)
        );
        assert_ne!(v.code, 0, "{target}: verify accepted a failed run");
        // Without the limit, a rerun succeeds and verifies.
        run_sane(&dir, &args, None).expect(if input == "garbage.dat" { 4 } else { 0 });
        run_sane(&dir, &["verify", &out], None).expect(0);
    }
}

/// Bug 4: a symlink planted under a temporary name (`.NAME.partial`) is replaced, never
/// followed: the run succeeds and the file it pointed to is untouched.
#[test]
fn a_symlink_planted_under_a_temporary_name_is_not_followed() {
    let dir = tempdir("hardening-planted-symlink");
    let out = dir.join("run");
    std::fs::create_dir_all(&out).unwrap();
    let mut planted = Vec::new();
    for name in ["jumin.csv", "rejects.csv", "after.parquet", "manifest.json"] {
        let target = dir.join(format!("outside-{name}"));
        std::fs::write(&target, b"outside the run directory").unwrap();
        std::os::unix::fs::symlink(&target, out.join(format!(".{name}.partial"))).unwrap();
        planted.push(target);
    }
    // A link to a file that does not exist yet must not create it either.
    let absent = dir.join("absent.csv");
    std::os::unix::fs::symlink(&absent, out.join(".changes.csv.partial")).unwrap();
    // A stale temporary file of a killed run, readable by others.
    std::fs::write(out.join(".gaiji.csv.partial"), b"stale").unwrap();
    let sample = root().join(SAMPLE);
    let args = [
        "convert",
        "--profile",
        "sample-juki",
        sample.to_str().unwrap(),
        "--out",
        "run",
        "-q",
    ];
    // The directory is not empty: without --force the run refuses it and writes nothing.
    let r = run_sane(&dir, &args, None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let mut forced = args.to_vec();
    forced.push("--force");
    run_sane(&dir, &forced, None).expect(0);
    for target in &planted {
        assert_eq!(
            std::fs::read(target).unwrap(),
            b"outside the run directory",
            "{} was written through a planted link",
            target.display()
        );
    }
    assert!(!absent.exists(), "a dangling planted link was followed");
    for n in names_in(&out) {
        assert!(!n.ends_with(".partial"), "{n} left behind");
        let meta = std::fs::symlink_metadata(out.join(&n)).unwrap();
        assert!(meta.file_type().is_file(), "{n} is not a regular file");
    }
    run_sane(&dir, &["verify", "run"], None).expect(0);
}

#[test]
fn unreadable_input_is_an_io_error_naming_the_file() {
    let dir = tempdir("hardening-unreadable");
    std::fs::create_dir_all(dir.join("adir.dat")).unwrap();
    for input in ["adir.dat", "missing.dat"] {
        let r = run_sane(
            &dir,
            &[
                "convert",
                "--profile",
                "sample-juki",
                input,
                "--out",
                "run",
                "--force",
                "-q",
            ],
            None,
        );
        assert_eq!(r.code, 3, "{input}: {}", r.stderr);
        assert!(r.stderr.contains(input), "{input}: {}", r.stderr);
        nothing_looks_finished(&dir.join("run"));
    }
    // The second input is unreadable: the first one's records are not published either.
    std::fs::copy(root().join(SAMPLE), dir.join("good.dat")).unwrap();
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            "good.dat",
            "adir.dat",
            "--out",
            "run2",
            "-q",
        ],
        None,
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    nothing_looks_finished(&dir.join("run2"));
}

#[test]
fn unwritable_run_directory_is_an_io_error() {
    let dir = tempdir("hardening-readonly");
    let sample = root().join(SAMPLE);
    let sample = sample.to_str().unwrap();
    // A run directory whose parent is a file.
    std::fs::write(dir.join("file"), b"x").unwrap();
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            sample,
            "--out",
            "file/run",
            "-q",
        ],
        None,
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("run directory"), "{}", r.stderr);
    // A read-only directory (only meaningful when not root: root writes anyway).
    use std::os::unix::fs::PermissionsExt;
    let ro = dir.join("ro");
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let root_user = std::fs::write(ro.join("probe"), b"").is_ok();
    if !root_user {
        let r = run_sane(
            &dir,
            &[
                "convert",
                "--profile",
                "sample-juki",
                sample,
                "--out",
                "ro",
                "-q",
            ],
            None,
        );
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(names_in(&ro).is_empty());
    } else {
        println!(
            "note: running as root; the read-only directory is writable, tested /proc instead"
        );
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A directory that cannot be created on any account: inside /proc.
    if Path::new("/proc/self").exists() {
        let r = run_sane(
            &dir,
            &[
                "convert",
                "--profile",
                "sample-juki",
                sample,
                "--out",
                "/proc/ikou-run",
                "-q",
            ],
            None,
        );
        assert_eq!(r.code, 3, "{}", r.stderr);
    }
}

#[test]
fn profile_pointing_at_missing_tables_is_a_spec_error() {
    let dir = tempdir("hardening-missing-table");
    let sample = root().join(SAMPLE);
    let p = root().join("testdata/bad/profile-missing-table.toml");
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            p.to_str().unwrap(),
            sample.to_str().unwrap(),
            "--out",
            "run",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no_such_code_table"), "{}", r.stderr);
    assert!(names_in(&dir.join("run")).is_empty());
    // The bundled profile with its 外字 table renamed to one that does not exist.
    let text = std::fs::read_to_string(root().join("specs/profiles/sample-juki.toml"))
        .unwrap()
        .replace(
            "gaiji_table = \"sample-juki.csv\"",
            "gaiji_table = \"no-such-gaiji.csv\"",
        );
    std::fs::write(dir.join("p.toml"), text).unwrap();
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "p.toml",
            sample.to_str().unwrap(),
            "--out",
            "run",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no-such-gaiji.csv"), "{}", r.stderr);
    assert!(names_in(&dir.join("run")).is_empty());
    // A --gaiji table that does not exist.
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            sample.to_str().unwrap(),
            "--out",
            "run",
            "--gaiji",
            "nope.csv",
        ],
        None,
    );
    assert!(matches!(r.code, 2 | 3), "{}", r.stderr);
    assert!(r.stderr.contains("nope.csv"), "{}", r.stderr);
}

/// A tiny deterministic generator (xorshift64*) for the kill delays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Every file of a run directory except the manifest, with its bytes.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = names_in(dir)
        .into_iter()
        .filter(|n| n != "manifest.json")
        .map(|n| {
            let b = std::fs::read(dir.join(&n)).unwrap();
            (n, b)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn sigkill_at_random_points_leaves_nothing_finished_and_a_rerun_is_identical() {
    let dir = tempdir("hardening-sigkill");
    run_sane(
        &dir,
        &[
            "sample",
            "--records",
            "6000",
            "--seed",
            "11",
            "--out",
            "in.dat",
        ],
        None,
    )
    .expect(0);
    let args = |out: &str| -> Vec<String> {
        [
            "convert",
            "--profile",
            "sample-juki",
            "in.dat",
            "--out",
            out,
            "--force",
            "-q",
            "--threads",
            "2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // The uninterrupted run, timed.
    let t = Instant::now();
    run_sane(
        &dir,
        &args("clean").iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .expect(0);
    let full = t.elapsed();
    let want = outputs(&dir.join("clean"));
    assert!(
        want.len() >= 9,
        "{:?}",
        want.iter().map(|w| &w.0).collect::<Vec<_>>()
    );

    let mut rng = Rng(0x1c0u64 ^ 0x9E37_79B9_7F4A_7C15);
    let mut killed_early = 0;
    let kills = 8;
    for k in 0..kills {
        let out = format!("killed{k}");
        // Alternate between a fresh directory and one holding a finished previous run.
        if k % 2 == 1 {
            run_sane(
                &dir,
                &args(&out).iter().map(String::as_str).collect::<Vec<_>>(),
                None,
            )
            .expect(0);
        }
        let delay = Duration::from_micros(rng.next() % (full.as_micros() as u64 + 1));
        let mut child = Command::new(env!("CARGO_BIN_EXE_ikou"))
            .args(args(&out))
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let run_dir = dir.join(&out);
        if !finished {
            killed_early += 1;
        }
        let names = names_in(&run_dir);
        if names.contains("manifest.json") {
            // The run got to its last step: it is complete and checks out.
            run_sane(&dir, &["verify", &out], None).expect(0);
        } else {
            // Killed before the manifest: nothing has its final name except when the kill fell
            // between the first rename and the manifest (a window of a few renames) or, with
            // --force, after the previous run's manifest was removed; either way `verify` does
            // not accept the directory as a run, and says it is incomplete.
            let finals: Vec<_> = names.iter().filter(|n| !n.ends_with(".partial")).collect();
            if !finals.is_empty() {
                println!("kill {k} after {delay:?} left files without a manifest: {finals:?}");
            }
            let v = run_sane(&dir, &["verify", &out], None);
            assert_ne!(v.code, 0, "verify accepted a killed run");
            if !names.is_empty() {
                assert_eq!(v.code, 1, "kill {k}: {}", v.stderr);
                assert!(
                    v.stderr.contains("incomplete run: no manifest.json"),
                    "kill {k}: {}",
                    v.stderr
                );
            }
        }
        // Temporary files hold personal data too: private.
        use std::os::unix::fs::PermissionsExt;
        for n in &names {
            let mode = std::fs::metadata(run_dir.join(n))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{n} is readable by others after a kill");
        }
        // A rerun with --force succeeds and is byte-identical to the uninterrupted run.
        run_sane(
            &dir,
            &args(&out).iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        )
        .expect(0);
        let got = outputs(&run_dir);
        assert_eq!(
            got.len(),
            want.len(),
            "kill {k}: {:?}",
            got.iter().map(|w| &w.0).collect::<Vec<_>>()
        );
        for ((gn, gb), (wn, wb)) in got.iter().zip(&want) {
            assert_eq!(gn, wn);
            assert!(
                gb == wb,
                "kill {k} after {delay:?}: {gn} differs from the uninterrupted run"
            );
        }
        run_sane(&dir, &["verify", &out], None).expect(0);
    }
    println!(
        "{killed_early} of {kills} kills landed while the run was still going (full run {full:?})"
    );
    assert!(
        killed_early >= 2,
        "too few kills landed mid-run to test anything"
    );
}

// ---------------------------------------------------------------- security

/// Every personal value of the sample (names, readings, numbers, addresses), decoded from
/// its bytes, at least 3 characters long after trimming.
fn personal_values(path: &Path) -> BTreeSet<String> {
    use ikou_cleanse::decode::CharProfile;
    use ikou_cleanse::frame::{RawRecord, RecordReader, Slicer};
    let layout = ikou_layout_spec::Catalog::bundled()
        .unwrap()
        .layout("legacy/sample-juki")
        .unwrap()
        .clone();
    let data = std::fs::read(path).unwrap();
    let mut r = RecordReader::new(&data[..], &layout).unwrap();
    let mut rec = RawRecord::new();
    let profile = CharProfile::cp932();
    let mut values = BTreeSet::new();
    let personal = [
        "juminhyo_code",
        "kojin_bango",
        "shimei",
        "shimei_kana",
        "address",
        "katagaki",
        "atena_no",
    ];
    while r.read_record(&mut rec).unwrap() {
        let mut slices = Vec::new();
        Slicer::new(profile.charset).slice(&rec, &layout.items, &mut slices);
        for s in slices {
            let item = &layout.items[s.index];
            if !personal.contains(&item.key.as_str()) {
                continue;
            }
            let Some(b) = s.bytes else { continue };
            let mut text = String::new();
            profile.decode_item(b, &mut text, &mut Vec::new());
            let v = text.trim_matches([' ', '\u{3000}']).to_string();
            if v.chars().count() >= 3 {
                // Names also as their parts (family name, given name).
                for part in v
                    .split([' ', '\u{3000}'])
                    .filter(|p| p.chars().count() >= 3)
                {
                    values.insert(part.to_string());
                }
                values.insert(v);
            }
        }
    }
    assert!(values.len() > 2000, "{} values", values.len());
    values
}

#[track_caller]
fn no_value_in(values: &BTreeSet<String>, text: &str, what: &str) {
    for v in values {
        assert!(
            !text.contains(v.as_str()),
            "{what} shows a personal value ({} chars)",
            v.chars().count()
        );
    }
}

#[test]
fn no_personal_value_in_any_message_without_show_values() {
    let dir = tempdir("hardening-leak");
    // A dirtier sample: more rejects, more findings, more 外字.
    run_sane(
        &dir,
        &[
            "sample",
            "--records",
            "1500",
            "--seed",
            "5",
            "--out",
            "in.dat",
            "--rate",
            "bad_check_digit=0.05",
            "--rate",
            "date_feb30=0.05",
        ],
        None,
    )
    .expect(0);
    let values = personal_values(&dir.join("in.dat"));
    let mut runs = Vec::new();
    for args in [
        vec![
            "convert",
            "--profile",
            "sample-juki",
            "in.dat",
            "--out",
            "run",
        ],
        vec![
            "convert",
            "--profile",
            "sample-juki",
            "in.dat",
            "--out",
            "run",
            "--force",
            "--json",
        ],
        vec![
            "convert",
            "--profile",
            "sample-juki",
            "in.dat",
            "--out",
            "run",
            "--force",
            "--strict",
        ],
        vec!["verify", "run"],
        vec!["verify", "run", "--json"],
        vec!["detect", "in.dat"],
        vec!["detect", "in.dat", "--json"],
        vec![
            "inspect",
            "in.dat",
            "--layout",
            "legacy/sample-juki",
            "--records",
            "50",
        ],
        vec![
            "inspect",
            "in.dat",
            "--layout",
            "legacy/sample-juki",
            "--records",
            "50",
            "--json",
        ],
        vec!["gaiji", "in.dat", "--layout", "legacy/sample-juki"],
        vec![
            "gaiji",
            "in.dat",
            "--layout",
            "legacy/sample-juki",
            "--json",
        ],
        vec!["gaiji", "in.dat", "--layout", "legacy/sample-juki", "--csv"],
    ] {
        let r = run_sane(&dir, &args, None);
        no_value_in(&values, &r.stdout, &format!("stdout of {args:?}"));
        no_value_in(&values, &r.stderr, &format!("stderr of {args:?}"));
        runs.push(r);
    }
    // The staff's verification page, masked unless --show-values.
    if has_verb("report") {
        for lang in ["ja", "en"] {
            let r = run_sane(&dir, &["report", "run", "--lang", lang], None);
            // The page was written (4: its verdict is 移行不可, as the run's).
            assert!(matches!(r.code, 0 | 4), "{}", r.stderr);
            no_value_in(&values, &r.stdout, "stdout of report");
            no_value_in(&values, &r.stderr, "stderr of report");
            let html = std::fs::read_to_string(dir.join("run/report.html")).unwrap();
            no_value_in(&values, &html, "report.html");
        }
    }
    // The human-facing files without personal data by design: the manifest, the 外字
    // inventory, and the reasons column of rejects.csv.
    no_value_in(
        &values,
        &std::fs::read_to_string(dir.join("run/manifest.json")).unwrap(),
        "manifest.json",
    );
    no_value_in(
        &values,
        &std::fs::read_to_string(dir.join("run/gaiji.csv")).unwrap(),
        "gaiji.csv",
    );
    let mut rd = csv::Reader::from_path(dir.join("run/rejects.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let reasons = h.iter().position(|c| c == "reasons").unwrap();
    let mut n = 0;
    for row in rd.records() {
        let row = row.unwrap();
        no_value_in(&values, &row[reasons], "rejects.csv reasons");
        n += 1;
    }
    assert!(n > 50, "{n} rejects");
    // The check has teeth: with --show-values, inspect does show values.
    let r = run_sane(
        &dir,
        &[
            "inspect",
            "in.dat",
            "--layout",
            "legacy/sample-juki",
            "--records",
            "5",
            "--show-values",
        ],
        None,
    );
    assert!(
        values.iter().any(|v| r.stdout.contains(v.as_str())),
        "--show-values shows nothing?"
    );
}

#[test]
fn nothing_is_written_outside_out_and_every_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir("hardening-confined");
    std::fs::copy(root().join(SAMPLE), dir.join("in.dat")).unwrap();
    let before = tree(&dir);
    run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            "in.dat",
            "--out",
            "a/b/run",
        ],
        None,
    )
    .expect(0);
    let after = tree(&dir);
    let new: Vec<_> = after.difference(&before).collect();
    for p in &new {
        assert!(p.starts_with("a"), "written outside --out: {p}");
        let meta = std::fs::metadata(dir.join(p)).unwrap();
        if meta.is_file() {
            assert!(
                p.starts_with("a/b/run/"),
                "a file outside the run directory: {p}"
            );
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{p}");
        }
    }
    assert!(new.len() >= 10, "{new:?}");
    // The input is unchanged.
    assert_eq!(
        std::fs::read(dir.join("in.dat")).unwrap(),
        std::fs::read(root().join(SAMPLE)).unwrap()
    );
}

fn tree(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.insert(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

#[test]
fn human_facing_csvs_guard_formulas_and_the_standard_csv_stays_exact() {
    let dir = tempdir("hardening-formula");
    // An input file whose name starts with `=`: it is the `file` column of rejects.csv.
    let name = "=HYPERLINK(\"x\")+1.dat";
    std::fs::copy(root().join(SAMPLE), dir.join(name)).unwrap();
    run_sane(
        &dir,
        &["convert", "--profile", "sample-juki", name, "--out", "run"],
        None,
    )
    .expect(0);
    let mut rd = csv::Reader::from_path(dir.join("run/rejects.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let file_col = h.iter().position(|c| c == "file").unwrap();
    let mut rows = 0;
    for row in rd.records() {
        let row = row.unwrap();
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unguarded cell in rejects.csv: {cell:?}"
            );
        }
        assert_eq!(&row[file_col], format!("'{name}"));
        rows += 1;
    }
    assert!(rows > 0);
    // The standard CSV is data, not a spreadsheet: values are exact, never prefixed. The
    // sample's negative/`-` values do not reach it, so check that no cell gained a `'`.
    let data = std::fs::read_to_string(dir.join("run/jumin.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(data.as_bytes());
    for row in rd.records() {
        for cell in row.unwrap().iter() {
            assert!(
                !cell.starts_with('\''),
                "the standard CSV was guarded: {cell:?}"
            );
        }
    }
}

#[test]
fn gaiji_inventory_guards_formulas() {
    let dir = tempdir("hardening-formula-gaiji");
    // A 外字 table whose replacements start with formula characters.
    let table = std::fs::read_to_string(root().join("specs/gaiji/sample-juki.csv")).unwrap();
    let mut lines = table.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for l in lines {
        let mut cells: Vec<String> = l.split(',').map(str::to_string).collect();
        if cells.len() > 1 && !cells[0].is_empty() {
            cells[1] = "=1+1".to_string();
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    std::fs::write(dir.join("g.csv"), out).unwrap();
    let r = run_sane(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            &root().join(SAMPLE).to_string_lossy(),
            "--out",
            "run",
            "--gaiji",
            "g.csv",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let g = std::fs::read_to_string(dir.join("run/gaiji.csv")).unwrap();
    for line in g.lines() {
        for cell in line.split(',') {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unguarded cell in gaiji.csv: {cell:?}"
            );
        }
    }
}

#[test]
fn imported_layout_always_loads_back() {
    // Found by the `xlsx` fuzz target (fuzz/regressions/xlsx/import-comment-control-char).
    let dir = tempdir("hardening-import-nul");
    let src = root().join("testdata/bad/import-nul-in-item-name.csv");
    run_sane(
        &dir,
        &[
            "layouts",
            "import",
            src.to_str().unwrap(),
            "--out",
            "x.toml",
        ],
        None,
    )
    .expect(0);
    run_sane(&dir, &["layouts", "check", "x.toml"], None).expect(0);
}

// ---------------------------------------------------------------- supply chain

/// Crates that would bring networking into ikou (keep in sync with `deny.toml`).
const BANNED: &[&str] = &[
    "reqwest",
    "hyper",
    "hyper-util",
    "h2",
    "http",
    "ureq",
    "curl",
    "curl-sys",
    "isahc",
    "attohttpc",
    "surf",
    "tungstenite",
    "openssl",
    "openssl-sys",
    "native-tls",
    "rustls",
    "socket2",
    "mio",
    "tokio",
    "async-std",
];

/// Licences every dependency must be under (keep in sync with `deny.toml`).
const LICENCES: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSL-1.0",
    "ISC",
    "Unlicense",
    "Zlib",
    "CC0-1.0",
    "Unicode-3.0",
];

#[test]
fn dependency_tree_has_no_networking_crate() {
    // Cargo.lock is the resolved graph for every platform and feature in use.
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let names: BTreeSet<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    assert!(
        names.len() > 50 && names.contains("encoding_rs"),
        "{names:?}"
    );
    for b in BANNED {
        assert!(
            !names.contains(b),
            "networking crate `{b}` is in Cargo.lock"
        );
    }
}

#[test]
fn dependency_tree_has_only_allowed_licences() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = Command::new("rustc").arg("-vV").output().unwrap();
    let host = String::from_utf8(host.stdout).unwrap();
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_string();
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--filter-platform",
            &host,
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut checked = 0;
    for p in m["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        assert!(!BANNED.contains(&name), "networking crate `{name}`");
        let licence = p["license"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no licence"));
        // Every licence an expression names must be allowed (stricter than SPDX OR).
        let norm = licence.replace('/', " OR ").replace(['(', ')'], " ");
        for id in norm
            .split_whitespace()
            .filter(|t| !matches!(*t, "OR" | "AND" | "WITH"))
        {
            assert!(
                LICENCES.contains(&id),
                "{name}: licence `{licence}` ({id}) is not allowed"
            );
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked} packages");
}

#[test]
fn cc_by_sa_mj_data_is_not_in_the_crates_or_specs() {
    // MJ文字情報一覧表 (CC BY-SA 2.1 JP) stays outside what ikou ships: a handful of MJ
    // numbers as examples is fine, a table of them (or the MJ files' header) is not.
    let mut stack = vec![root().join("crates"), root().join("specs")];
    let mut files = 0;
    // The first column of every MJ CSV (mji.csv, the 縮退マップ files), built here so that
    // this file does not hold it.
    let header = ["MJ文字図形名", ""].join(",");
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            files += 1;
            assert!(
                !text.lines().any(|l| l.starts_with(&header)),
                "{} holds MJ table data",
                p.display()
            );
            let codes: BTreeSet<&str> = text
                .match_indices("MJ")
                .filter_map(|(i, _)| text.get(i..i + 8))
                .filter(|c| c[2..].bytes().all(|b| b.is_ascii_digit()))
                .collect();
            assert!(
                codes.len() <= 50,
                "{}: {} MJ codes (a CC BY-SA table?)",
                p.display(),
                codes.len()
            );
        }
    }
    assert!(files > 30);
}

#[test]
fn verify_and_report_on_damaged_run_directories() {
    let dir = tempdir("hardening-damaged");
    let sample = root().join(SAMPLE);
    let report = has_verb("report");
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 7] = [
        ("garbage manifest", |d| {
            std::fs::write(d.join("manifest.json"), b"{\"format\": 1, \x80").unwrap()
        }),
        ("empty manifest", |d| {
            std::fs::write(d.join("manifest.json"), b"").unwrap()
        }),
        ("no rejects.csv", |d| {
            std::fs::remove_file(d.join("rejects.csv")).unwrap()
        }),
        ("truncated data csv", |d| {
            let p = d.join("jumin.csv");
            let b = std::fs::read(&p).unwrap();
            std::fs::write(&p, &b[..b.len() / 2]).unwrap();
        }),
        ("data csv is a directory", |d| {
            std::fs::remove_file(d.join("jumin.csv")).unwrap();
            std::fs::create_dir(d.join("jumin.csv")).unwrap();
        }),
        ("binary rejects.csv", |d| {
            std::fs::write(d.join("rejects.csv"), b"record,\xff\xfe\x00\"\r\n1,2").unwrap()
        }),
        ("binary gaiji.csv", |d| {
            std::fs::write(d.join("gaiji.csv"), b"\x00\x01\x02\"\"\"").unwrap()
        }),
    ];
    for (i, (what, damage)) in damages.iter().enumerate() {
        let out = format!("run{i}");
        run_sane(
            &dir,
            &[
                "convert",
                "--profile",
                "sample-juki",
                sample.to_str().unwrap(),
                "--out",
                &out,
                "-q",
                "--outputs",
                "gaiji",
            ],
            None,
        )
        .expect(0);
        damage(&dir.join(&out));
        let v = run_sane(&dir, &["verify", &out], None);
        assert!(
            matches!(v.code, 1 | 3),
            "{what}: verify exit {}\n{}{}",
            v.code,
            v.stdout,
            v.stderr
        );
        if report {
            run_sane(&dir, &["report", &out], None);
        }
    }
}

/// A closed stderr (`ikou convert … 2>&1 | head -1`) does not stop a run: the progress
/// lines were written with `eprintln!`, which panics on a failed write (exit 101, nothing
/// published). The run now ends as it would with stderr open.
#[test]
fn a_closed_stderr_does_not_stop_a_run() {
    use std::process::{Command, Stdio};
    let dir = tempdir("closed-stderr");
    let input = dir.join("juki.dat");
    ikou(&[
        "sample",
        "--out",
        input.to_str().unwrap_or_default(),
        "--records",
        "200",
    ])
    .expect(0);
    let out = dir.join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ikou"))
        .args(["convert", "--profile", "sample-juki", "--out"])
        .arg(&out)
        .arg(&input)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ikou");
    drop(child.stderr.take()); // the reading end closed before ikou writes
    let status = child.wait().expect("wait for ikou");
    assert_ne!(status.code(), Some(101), "a panic on the closed stderr");
    assert!(
        out.join("manifest.json").is_file(),
        "the run was published ({status})"
    );
}
