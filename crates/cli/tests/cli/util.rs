//! Helpers for running the `ikou` binary.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The result of one `ikou` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing stdout/stderr on failure.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        self
    }
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `ikou ARGS` in the workspace root.
pub fn ikou(args: &[&str]) -> Run {
    ikou_in(&root(), args, None)
}

/// Runs `ikou ARGS` in `dir`, with `stdin` as standard input.
pub fn ikou_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ikou"));
    cmd.args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("spawn ikou");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut si = child.stdin.take().expect("stdin");
        si.write_all(input).expect("write stdin");
    }
    finish(child.wait_with_output().expect("wait ikou"))
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("root")
}

/// Skips (or, under `IKOU_REQUIRE_SHARED=1`, fails) a test that cannot run; the same code as
/// ikou-cleanse's unit tests use.
#[path = "../../../cleanse/src/testkit.rs"]
mod testkit;
/// The shared public test material (`../shared/testdata`): `None` after a reported skip
/// (a failure under `IKOU_REQUIRE_SHARED=1`) when it is absent. [`skip`]: report a test
/// that cannot run for another reason (no Chromium, no `unzip`).
pub use testkit::{shared, skip};

/// A fresh temporary directory under the target dir, removed and recreated.
pub fn tempdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tempdir");
    d
}

/// The names in `dir` (none when it cannot be read).
pub fn names_in(dir: &Path) -> std::collections::BTreeSet<String> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => std::collections::BTreeSet::new(),
    }
}

/// Parses JSON text (panics with the text on an error).
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Header and rows of a CSV file.
pub fn csv_file(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The index of column `name` in `header`.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// A run directory's manifest.json.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The text of file `name` in `dir`.
pub fn text(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// `ikou ARGS` in `dir` with its address space limited to `kib` KiB (`ulimit -v`), run to
/// its end.
pub fn ikou_memory_limited(dir: &Path, kib: u64, args: &[&str]) -> Run {
    let child = spawn_limited(dir, kib, args, Stdio::null());
    finish(child.wait_with_output().expect("wait ikou"))
}

/// Starts `ikou ARGS` in `dir` under `ulimit -v KIB`.
pub fn spawn_limited(dir: &Path, kib: u64, args: &[&str], stdin: Stdio) -> Child {
    Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$0" && exec "$@""#)
        .arg(kib.to_string())
        .arg(env!("CARGO_BIN_EXE_ikou"))
        .args(args)
        .current_dir(dir)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sh")
}

/// Waits for `child` at most `timeout` (killing it then, and failing), collecting its
/// output; fails on a signal or a panic.
pub fn finish_within(mut child: Child, what: &str, timeout: Duration) -> Run {
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {timeout:?} (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let r = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.join().expect("stdout")).into_owned(),
        stderr: String::from_utf8_lossy(&e.join().expect("stderr")).into_owned(),
    };
    assert!(
        matches!(r.code, 0..=3) && !r.stderr.contains("panicked"),
        "{what}: exit {} (a signal or a panic: out of memory?)\n--- stderr\n{}",
        r.code,
        r.stderr
    );
    r
}
