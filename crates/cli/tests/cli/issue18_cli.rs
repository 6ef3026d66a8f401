//! Issue 18 (hardening II), the CLI's part: bounded reads of devices, pipes and tables,
//! checked option ranges, no core dumps, one atomic-write helper, profile paths that
//! cannot escape, and file names escaped for the terminal. Issue 14: profiles as a
//! documented, checked format.
//!
//! The memory tests run the binary under an address-space limit (`ulimit -v`) with inputs
//! generated on the fly (`/dev/zero`, a pipe fed by the test), and with a timeout.

use crate::util::*;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Address-space limit for the bounded-memory tests: 1 GB (`ulimit -v`, in KiB). The inputs
/// here are endless (`/dev/zero`) or 200 MB, so reading one whole fails under it.
const AS_LIMIT_KIB: u64 = 1_000_000;

/// Time limit of one run.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Starts `ikou ARGS` in `dir` under `ulimit -v AS_LIMIT_KIB`.
fn spawn_limited(dir: &Path, args: &[&str], stdin: Stdio) -> Child {
    crate::util::spawn_limited(dir, AS_LIMIT_KIB, args, stdin)
}

/// Waits for `child` at most [`TIMEOUT`] (killing it then, and failing), collecting output.
fn finish_within(child: Child, what: &str) -> Run {
    crate::util::finish_within(child, what, TIMEOUT)
}

/// `ikou ARGS` under the address-space limit and the timeout, standard input closed.
fn limited(dir: &Path, args: &[&str]) -> Run {
    let child = spawn_limited(dir, args, Stdio::null());
    finish_within(child, &args.join(" "))
}

/// `ikou ARGS` under the limits with `len` bytes of `byte` written to its standard input by
/// a thread (which stops when ikou closes the pipe).
fn limited_with_stdin(dir: &Path, args: &[&str], byte: u8, len: usize) -> Run {
    let mut child = spawn_limited(dir, args, Stdio::piped());
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let chunk = vec![byte; 1 << 20];
        let mut left = len;
        while left > 0 {
            let n = left.min(chunk.len());
            if stdin.write_all(&chunk[..n]).is_err() {
                return; // ikou stopped reading
            }
            left -= n;
        }
    });
    let r = finish_within(child, &args.join(" "));
    let _ = feeder.join();
    r
}

#[test]
fn issue18_item5_detect_reads_a_device_or_a_pipe_bounded() {
    let dir = tempdir("i18-detect-dev");
    let r = limited(&dir, &["detect", "/dev/zero"]).expect(0);
    assert!(
        r.stdout.contains("not a regular file") && r.stdout.contains("first 1048576 bytes"),
        "{}",
        r.stdout
    );
    let r = limited(&dir, &["detect", "/dev/zero", "--json"]).expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["sampled"], true, "{v}");
    assert_eq!(v[0]["examined"], 1 << 20);
    // 200 MB through a pipe: only the head is read.
    let r = limited_with_stdin(&dir, &["detect", "/dev/stdin"], b'a', 200 << 20).expect(0);
    assert!(r.stdout.contains("not a regular file"), "{}", r.stdout);
    assert!(r.stdout.contains("ascii"), "{}", r.stdout);
    // A short pipe is read whole and says so.
    let r = limited_with_stdin(&dir, &["detect", "/dev/stdin"], b'a', 1000).expect(0);
    assert!(
        r.stdout.contains("first 1000 bytes were read\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn issue18_item5_inspect_of_an_endless_record_ends() {
    let dir = tempdir("i18-inspect-dev");
    let r = limited(
        &dir,
        &[
            "inspect",
            "/dev/zero",
            "--layout",
            "legacy/sample-juki",
            "--records",
            "1",
        ],
    )
    .expect(0);
    assert!(r.stdout.contains("record 1 · byte 0"), "{}", r.stdout);
    assert!(
        r.stdout.contains("stopped reading at byte 134217732"),
        "{}",
        r.stdout
    );
    // A file that ends within the limit is not said to go on.
    let sample = root().join("testdata/sample/juki-1000.dat");
    let r = limited(
        &dir,
        &[
            "inspect",
            sample.to_str().unwrap(),
            "--layout",
            "legacy/sample-juki",
            "--records",
            "2",
        ],
    )
    .expect(0);
    assert!(!r.stdout.contains("stopped reading"), "{}", r.stdout);
}

#[test]
fn issue18_item5_tables_from_devices_are_refused_with_the_cap() {
    let dir = tempdir("i18-table-dev");
    let sample = root().join("testdata/sample/juki-1000.dat");
    let sample = sample.to_str().unwrap();
    let r = limited(
        &dir,
        &[
            "inspect",
            sample,
            "--layout",
            "legacy/sample-juki",
            "--table",
            "/dev/zero",
        ],
    )
    .expect(2);
    assert!(
        r.stderr.contains("/dev/zero") && r.stderr.contains("larger than 16 MiB"),
        "{}",
        r.stderr
    );
    let r = limited(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            sample,
            "--gaiji",
            "/dev/zero",
            "--out",
            "run",
            "-q",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("larger than 16 MiB"), "{}", r.stderr);
    let r = limited(
        &dir,
        &[
            "inspect",
            sample,
            "--layout",
            "/dev/zero.toml",
            "--records",
            "1",
        ],
    );
    assert_ne!(r.code, 0, "{}", r.stdout);
    // A missing table says what was looked for, and where.
    let r = ikou_in(
        &dir,
        &[
            "inspect",
            sample,
            "--layout",
            "legacy/sample-juki",
            "--table",
            "sample-juki.csv",
        ],
        None,
    )
    .expect(2);
    let looked = dir.canonicalize().unwrap().join("sample-juki.csv");
    assert!(
        r.stderr.contains("no such file")
            && r.stderr.contains(&looked.display().to_string())
            && !r.stderr.contains(":0:"),
        "{}",
        r.stderr
    );
}

#[test]
fn issue18_item5_normalize_refuses_a_200_mb_line() {
    let dir = tempdir("i18-normalize-line");
    let r = limited_with_stdin(&dir, &["normalize", "--as", "text"], b'a', 200 << 20).expect(2);
    assert!(
        r.stderr.contains("line 1 is longer than 16 MiB"),
        "{}",
        r.stderr
    );
    // Lines up to the limit are values as before.
    let r = limited_with_stdin(&dir, &["normalize", "--as", "digits"], b'7', 1 << 20).expect(0);
    assert_eq!(r.stdout.len(), (1 << 20) + 1);
}

#[test]
fn issue18_item5_normalize_option_ranges_are_checked() {
    let dir = tempdir("i18-zero-pad");
    for n in ["18446744073709551615", "4000000000", "1025", "0"] {
        let r = limited(
            &dir,
            &["normalize", "--as", "digits", "--zero-pad", n, "12"],
        )
        .expect(2);
        assert!(
            r.stderr.contains("--zero-pad") && r.stderr.contains("1..=1024"),
            "{n}: {}",
            r.stderr
        );
    }
    let r = ikou(&["normalize", "--as", "digits", "--zero-pad", "1024", "12"]).expect(0);
    assert_eq!(r.stdout.trim_end().split('\t').next().unwrap().len(), 1024);
}

/// The soft and hard `Max core file size` of process `pid`.
fn core_limits(pid: u32) -> Option<(String, String)> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))?;
    let mut f = line["Max core file size".len()..].split_whitespace();
    Some((f.next()?.to_string(), f.next()?.to_string()))
}

#[test]
fn issue18_item6_ikou_turns_core_dumps_off() {
    if !Path::new("/proc/self/limits").exists() {
        eprintln!("SKIPPED issue18_item6: no /proc/PID/limits on this system");
        return;
    }
    // The shell raises the soft core limit (checked), then becomes ikou (exec): ikou's own
    // limits are read from /proc while it waits on its standard input.
    let probe = Command::new("sh")
        .arg("-c")
        .arg("ulimit -S -c 4096 && ulimit -S -c")
        .output()
        .unwrap();
    if String::from_utf8_lossy(&probe.stdout).trim() != "4096" {
        eprintln!("SKIPPED issue18_item6: cannot raise the soft core limit here (hard limit 0?)");
        return;
    }
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -S -c 4096 && exec "$@""#)
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_ikou"))
        .args(["normalize", "--as", "text"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let ikou_exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_ikou")).unwrap();
    // Wait until the process is ikou, sleeping in its read of standard input.
    let start = Instant::now();
    loop {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        if exe.as_deref() == Some(ikou_exe.as_path()) && state == Some("S") {
            break;
        }
        assert!(start.elapsed() < TIMEOUT, "ikou did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (soft, hard) = core_limits(pid).expect("limits");
    child.stdin.take().unwrap().write_all(b"x\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        (soft.as_str(), hard.as_str()),
        ("0", "0"),
        "ikou's core limits"
    );
}

#[cfg(unix)]
#[test]
fn issue18_item10_planted_links_under_temporary_names_are_not_followed() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempdir("i18-links");
    let outside = dir.join("outside.txt");
    let plant = |names: &[&str]| {
        std::fs::write(&outside, b"not yours").unwrap();
        for n in names {
            let p = dir.join(n);
            let _ = std::fs::remove_file(&p);
            symlink(&outside, &p).unwrap();
        }
    };
    // sample --out (and its side files): every temporary name ikou ever used.
    plant(&[
        ".s.dat.tmp",
        ".s.dat.partial",
        "s.dat.tmp",
        ".g.csv.tmp",
        ".g.csv.partial",
        ".t.csv.tmp",
        ".t.csv.partial",
    ]);
    ikou_in(
        &dir,
        &[
            "sample",
            "--records",
            "20",
            "--out",
            "s.dat",
            "--gaiji-table",
            "g.csv",
            "--truth",
            "t.csv",
        ],
        None,
    )
    .expect(0);
    assert_eq!(std::fs::read(&outside).unwrap(), b"not yours");
    for n in ["s.dat", "g.csv", "t.csv"] {
        let m = std::fs::symlink_metadata(dir.join(n)).unwrap();
        assert!(m.is_file(), "{n} is a new regular file");
        assert_eq!(m.permissions().mode() & 0o777, 0o600, "{n}");
    }
    assert_eq!(std::fs::read(dir.join("s.dat")).unwrap().len(), 20 * 302);
    // layouts import --out
    std::fs::write(
        dir.join("items.csv"),
        "番号,項目名,型,桁数\n1,宛名番号,数字,10\n2,氏名,漢字,20\n",
    )
    .unwrap();
    plant(&["l.toml.tmp", ".l.toml.tmp", ".l.toml.partial"]);
    let r = ikou_in(
        &dir,
        &[
            "layouts",
            "import",
            "items.csv",
            "--format",
            "fixed",
            "--id",
            "legacy/x",
            "--out",
            "l.toml",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&outside).unwrap(), b"not yours");
    let m = std::fs::symlink_metadata(dir.join("l.toml")).unwrap();
    assert!(m.is_file());
    assert!(std::fs::read_to_string(dir.join("l.toml"))
        .unwrap()
        .contains("legacy/x"));
    // No temporary file is left behind (the planted links were removed, not followed).
    for n in [".s.dat.partial", ".l.toml.partial"] {
        assert!(std::fs::symlink_metadata(dir.join(n)).is_err(), "{n} left");
    }
}

/// Asserts no terminal control character reached the output.
#[track_caller]
fn no_controls(r: &Run, what: &str) {
    for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        let bad: Vec<char> = text
            .chars()
            .filter(|c| (c.is_control() && *c != '\n') || *c == '\u{202E}')
            .collect();
        assert!(bad.is_empty(), "{what}: {name} has {bad:?}\n{text}");
    }
}

#[cfg(unix)]
#[test]
fn issue18_item16_file_names_are_escaped_for_the_terminal_and_stored_losslessly() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir("i18-names");
    let sample = std::fs::read(root().join("testdata/sample/juki-1000.dat")).unwrap();
    let name = "a\x1b[2Jb\rc\u{202E}.dat";
    std::fs::write(dir.join(name), &sample[..302 * 3]).unwrap();
    let out = "run\x1b]0;x\x07";
    let r = ikou_in(&dir, &["detect", name], None).expect(0);
    no_controls(&r, "detect");
    assert!(
        r.stdout.contains(r"a\x1B[2Jb\rc\u{202E}.dat: "),
        "{}",
        r.stdout
    );
    let r = ikou_in(&dir, &["detect", "missing\x1b[2J.dat"], None).expect(3);
    no_controls(&r, "detect missing");
    let r = ikou_in(
        &dir,
        &[
            "inspect",
            name,
            "--layout",
            "legacy/sample-juki",
            "--records",
            "1",
        ],
        None,
    )
    .expect(0);
    no_controls(&r, "inspect");
    let r = ikou_in(
        &dir,
        &["inspect", "x\r.dat", "--layout", "legacy/sample-juki"],
        None,
    );
    assert_eq!(r.code, 3);
    no_controls(&r, "inspect missing");
    let r = ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            name,
            "--out",
            out,
            "-q",
        ],
        None,
    )
    .expect(0);
    no_controls(&r, "convert");
    assert!(r.stdout.contains(r"run\x1B]0;x\x07"), "{}", r.stdout);
    let r = ikou_in(&dir, &["verify", out], None).expect(0);
    no_controls(&r, "verify");
    let r = ikou_in(&dir, &["verify", "nothing\x1b[2J"], None);
    assert_ne!(r.code, 0);
    no_controls(&r, "verify missing");

    // A name that is not UTF-8: shown as \xFF, stored exactly as hex beside the display form.
    let raw = OsStr::from_bytes(b"n\xff.dat");
    std::fs::write(dir.join(raw), &sample[..302 * 3]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ikou"))
        .arg("convert")
        .args(["--profile", "sample-juki", "--out", "run2", "-q"])
        .arg(raw)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run2/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["inputs"][0]["path_hex"], "6eff2e646174", "{m}");
    let out = Command::new(env!("CARGO_BIN_EXE_ikou"))
        .arg("detect")
        .arg(raw)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(r"n\xFF.dat: "));
    // A UTF-8 name has no path_hex (manifests of ordinary runs are unchanged).
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run\x1b]0;x\x07/manifest.json")).unwrap())
            .unwrap();
    assert!(m["inputs"][0].get("path_hex").is_none(), "{m}");
}

/// The bundled profile with some lines replaced.
fn profile_with(replace: &[(&str, &str)]) -> String {
    let mut p = std::fs::read_to_string(root().join("specs/profiles/sample-juki.toml")).unwrap();
    for (from, to) in replace {
        assert!(p.contains(from), "{from}");
        p = p.replace(from, to);
    }
    p
}

#[test]
fn issue18_item11_profile_paths_cannot_escape_and_content_is_never_echoed() {
    let dir = tempdir("i18-escape");
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::create_dir_all(dir.join("private")).unwrap();
    // A file outside the profile's folder whose first line must never be shown.
    std::fs::write(dir.join("private/secret.csv"), "root:SECRET-HASH:19000::\n").unwrap();
    let sample = root().join("testdata/sample/juki-1000.dat");
    let sample = sample.to_str().unwrap();
    let cases = [
        "../private/secret.csv".to_string(),
        dir.join("private/secret.csv").display().to_string(),
        "../../../../../../../../etc/passwd".to_string(),
    ];
    for target in &cases {
        std::fs::write(
            dir.join("specs/p.toml"),
            profile_with(&[(
                "gaiji_table = \"sample-juki.csv\"",
                &format!("gaiji_table = \"{target}\""),
            )]),
        )
        .unwrap();
        for args in [
            vec!["profiles", "check", "specs/p.toml"],
            vec![
                "convert",
                "--profile",
                "specs/p.toml",
                sample,
                "--out",
                "run",
                "-q",
            ],
        ] {
            let r = ikou_in(&dir, &args, None);
            assert_eq!(r.code, 2, "{target} {args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains("outside the profile's folder")
                    && r.stderr.contains("--allow-outside-specs")
                    && r.stderr.contains("p.toml:14"),
                "{target}: {}",
                r.stderr
            );
            for secret in ["SECRET", "root:"] {
                assert!(
                    !r.stderr.contains(secret) && !r.stdout.contains(secret),
                    "{}",
                    r.stderr
                );
            }
            assert!(!dir.join("run").exists());
        }
    }
    // A symlink inside the folder that points out is refused the same way.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("private/secret.csv"), dir.join("specs/link.csv"))
            .unwrap();
        std::fs::write(
            dir.join("specs/p.toml"),
            profile_with(&[(
                "gaiji_table = \"sample-juki.csv\"",
                "gaiji_table = \"link.csv\"",
            )]),
        )
        .unwrap();
        let r = ikou_in(&dir, &["profiles", "check", "specs/p.toml"], None).expect(2);
        assert!(
            r.stderr.contains("outside the profile's folder"),
            "{}",
            r.stderr
        );
    }
    // With --allow-outside-specs the file is read, and its errors still quote nothing of it.
    std::fs::write(
        dir.join("specs/p.toml"),
        profile_with(&[(
            "gaiji_table = \"sample-juki.csv\"",
            "gaiji_table = \"../private/secret.csv\"",
        )]),
    )
    .unwrap();
    let r = ikou_in(
        &dir,
        &["profiles", "check", "specs/p.toml", "--allow-outside-specs"],
        None,
    )
    .expect(2);
    assert!(
        r.stderr.contains("secret.csv:1: header must start"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("SECRET") && !r.stderr.contains("root:"),
        "{}",
        r.stderr
    );
    // A table in the profile's folder (or a --specs folder) is fine.
    std::fs::copy(
        root().join("specs/gaiji/sample-juki.csv"),
        dir.join("specs/mine.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.join("specs/p.toml"),
        profile_with(&[(
            "gaiji_table = \"sample-juki.csv\"",
            "gaiji_table = \"mine.csv\"",
        )]),
    )
    .unwrap();
    let r = ikou_in(&dir, &["profiles", "check", "specs/p.toml"], None).expect(0);
    assert!(
        r.stdout.contains("mine.csv (12 codes mapped)"),
        "{}",
        r.stdout
    );
}

/// A fenced block of `lang` that follows `after` in `text`.
fn block_after<'a>(text: &'a str, after: &str, lang: &str) -> &'a str {
    let at = text
        .find(after)
        .unwrap_or_else(|| panic!("{after} not in README"));
    let rest = &text[at..];
    let start = rest.find(&format!("```{lang}\n")).unwrap() + lang.len() + 4;
    let len = rest[start..].find("```").unwrap();
    &rest[start..start + len]
}

#[test]
fn issue14_profile_worked_example_in_the_readme_runs() {
    let readme = std::fs::read_to_string(root().join("specs/README.md")).unwrap();
    let section = readme
        .split("## Profiles (TOML)")
        .nth(1)
        .expect("specs/README.md has a Profiles section");
    let section = section.split("\n## ").next().unwrap();
    // Every field of the profile format is documented (the serde structs of
    // crates/layout-spec/src/profile.rs: RawProfile, RawCharacters, RawDates, OutputForm,
    // RawMap, Checks, HouseholdCheck) …
    let fields = [
        "id",
        "name",
        "source",
        "target",
        "[characters]",
        "characters.encoding",
        "characters.variants",
        "characters.gaiji_table",
        "characters.unmapped_gaiji",
        "[dates]",
        "dates.policy",
        "[output]",
        "output.bom",
        "output.line_ending",
        "output.quote",
        "output.header",
        "[[map]]",
        "map.target",
        "map.from",
        "map.const",
        "map.label",
        "map.translate",
        "map.join",
        "map.split",
        "map.sep",
        "[checks]",
        "checks.unique",
        "checks.household",
        "checks.not_after",
    ];
    for f in fields {
        assert!(
            section.contains(&format!("| `{f}` |")),
            "field {f} is not documented"
        );
    }
    for sub in ["key", "head_item", "head_value"] {
        assert!(section.contains(sub), "{sub}");
    }
    // … and the worked example uses each of them.
    let csv = block_after(section, "`my-profiles/zokugara-codes.csv`", "csv");
    let toml = block_after(section, "`my-profiles/my-city.toml`", "toml");
    // `label` is not used, and the README says why: the target (住民, issue #13) takes code
    // values only.
    for f in fields.iter().filter(|f| **f != "map.label") {
        let leaf = f.trim_matches(|c| c == '[' || c == ']');
        let leaf = leaf.rsplit('.').next().unwrap();
        assert!(
            toml.contains(&format!("{leaf} ="))
                || toml.contains(&format!("[{leaf}]"))
                || toml.contains(&format!("[[{leaf}]]")),
            "the example does not use {f}"
        );
    }
    let dir = tempdir("i14-readme");
    let pdir = dir.join("my-profiles");
    std::fs::create_dir_all(&pdir).unwrap();
    std::fs::write(pdir.join("zokugara-codes.csv"), csv).unwrap();
    std::fs::write(pdir.join("my-city.toml"), toml).unwrap();
    let r = ikou_in(&dir, &["profiles", "check", "my-profiles/"], None).expect(0);
    assert!(
        r.stdout.contains("ok my-profiles/my-city.toml: profile my-city (legacy/sample-juki → standard/jumin-kiroku-jumin)"),
        "{}",
        r.stdout
    );
    let sample = root().join("testdata/sample/juki-1000.dat");
    let sample = sample.to_str().unwrap();
    ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "my-profiles/my-city.toml",
            sample,
            "--out",
            "run1",
            "-q",
        ],
        None,
    )
    .expect(0);
    let out = std::fs::read(dir.join("run1/jumin-kiroku-jumin.csv")).unwrap();
    // output: bom, keys header, always quoted, LF.
    assert!(
        out.starts_with("\u{FEFF}\"atenabango\",\"rirekibango\"".as_bytes()),
        "{:?}",
        &out[..40]
    );
    assert!(!out.windows(2).any(|w| w == b"\r\n"));
    // translate through the table beside the profile: 01 (世帯主) reached the output, and
    // each person got 履歴番号 1.
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains(",\"01\","), "{}", &text[..400]);
    assert!(text.lines().skip(1).all(|l| l.contains("\",\"1\",\"")));
    // By id through --specs: the folder's profile is not read as a layout.
    ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "my-city",
            "--specs",
            "my-profiles/",
            sample,
            "--out",
            "run2",
            "-q",
        ],
        None,
    )
    .expect(0);
    assert_eq!(
        std::fs::read(dir.join("run2/jumin-kiroku-jumin.csv")).unwrap(),
        out,
        "the same profile, found by id"
    );
}

#[test]
fn issue14_profiles_name_layouts_by_path_and_folders_keep_profiles_apart() {
    let dir = tempdir("i14-paths");
    let specs = dir.join("specs");
    std::fs::create_dir_all(specs.join("profiles")).unwrap();
    let layout = std::fs::read_to_string(root().join("specs/layouts/legacy/sample-juki.toml"))
        .unwrap()
        .replace("id = \"legacy/sample-juki\"", "id = \"legacy/my-juki\"");
    std::fs::write(specs.join("my-juki.toml"), layout).unwrap();
    std::fs::copy(
        root().join("specs/gaiji/sample-juki.csv"),
        specs.join("gaiji-mine.csv"),
    )
    .unwrap();
    let profile = profile_with(&[
        (
            "source = \"legacy/sample-juki\"",
            "source = \"../my-juki.toml\"",
        ),
        ("id = \"sample-juki\"", "id = \"by-path\""),
        (
            "gaiji_table = \"sample-juki.csv\"",
            "gaiji_table = \"../gaiji-mine.csv\"",
        ),
    ]);
    std::fs::write(specs.join("profiles/by-path.toml"), &profile).unwrap();
    let sample = root().join("testdata/sample/juki-1000.dat");
    let sample = sample.to_str().unwrap();
    // `source = "path"` works (the file is inside the --specs folder).
    let r = ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "specs/profiles/by-path.toml",
            "--specs",
            "specs",
            sample,
            "--out",
            "r1",
            "-q",
        ],
        None,
    )
    .expect(0);
    assert!(
        r.stdout
            .contains("legacy/my-juki → standard/jumin-kiroku-jumin + standard/jumin-kiroku-setai"),
        "{}",
        r.stdout
    );
    // A folder with layouts, a profile and a 外字 table: neither is read as a layout or a
    // code table (this was 9 errors).
    let r = ikou_in(&dir, &["layouts", "check", "specs"], None).expect(0);
    assert!(
        r.stdout.contains("1 profile(s) not checked as layouts")
            && r.stdout.contains("ikou profiles check"),
        "{}",
        r.stdout
    );
    let r = ikou_in(&dir, &["profiles", "check", "specs"], None).expect(0);
    assert!(
        r.stdout.contains("1 profile(s) checked, 0 problem(s)"),
        "{}",
        r.stdout
    );
    let r = ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "by-path",
            "--specs",
            "specs",
            sample,
            "--out",
            "r2",
            "-q",
        ],
        None,
    )
    .expect(0);
    assert!(r.stdout.contains("legacy/my-juki"), "{}", r.stdout);
    // A layout id that is nowhere: where ikou looked, and --specs.
    std::fs::write(
        dir.join("x.toml"),
        profile_with(&[("source = \"legacy/sample-juki\"", "source = \"legacy/x\"")]),
    )
    .unwrap();
    let r = ikou_in(&dir, &["profiles", "check", "x.toml"], None).expect(2);
    assert!(
        r.stderr.contains("x.toml:9")
            && r.stderr.contains("no layout `legacy/x`")
            && r.stderr.contains("looked among the bundled specs")
            && r.stderr.contains("--specs"),
        "{}",
        r.stderr
    );
    let r = ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "x.toml",
            "--specs",
            "specs",
            sample,
            "--out",
            "r3",
            "-q",
        ],
        None,
    )
    .expect(2);
    assert!(r.stderr.contains("from --specs specs"), "{}", r.stderr);
    // A missing layout file and a missing profile say where they were looked for.
    std::fs::write(
        dir.join("y.toml"),
        profile_with(&[("source = \"legacy/sample-juki\"", "source = \"nope.toml\"")]),
    )
    .unwrap();
    let r = ikou_in(&dir, &["profiles", "check", "y.toml"], None).expect(2);
    let looked = dir.canonicalize().unwrap().join("nope.toml");
    assert!(
        r.stderr
            .contains(&format!("looked for {}", looked.display())),
        "{}",
        r.stderr
    );
    let r = ikou_in(
        &dir,
        &["convert", "--profile", "nothing", sample, "--out", "r4"],
        None,
    )
    .expect(2);
    assert!(
        r.stderr
            .contains("not bundled (sample-juki, host-juki, sample-atena)")
            && r.stderr.contains("--specs"),
        "{}",
        r.stderr
    );
}
