//! Issues #14, #15 and #16, the small items: reasons that name the offending character
//! (its code point, and the character itself with --show-values), the red first line of a
//! 移行不可 run and `--color`, one-way host codes as rows of changes.csv, rejects.csv's
//! decoded items handed on by the plan.

use crate::util::*;
use std::path::Path;

/// The byte offset of the double-byte space between 氏 and 名 in record `n` (1-based) of a
/// host sample (`shimei` at byte 35, 42 bytes, starting with the K shift 0x28).
fn host_name_space(data: &[u8], n: usize) -> usize {
    let base = (n - 1) * 200 + 35;
    let item = &data[base..base + 42];
    assert_eq!(item[0], 0x28, "record {n}: shimei starts with K");
    let at = (1..item.len() - 1)
        .step_by(2)
        .find(|&i| item[i] == 0x40 && item[i + 1] == 0x40)
        .expect("a double-byte space in the name");
    base + at
}

fn host_rows(dir: &Path) -> Vec<String> {
    let changes = std::fs::read_to_string(dir.join("changes.csv")).unwrap();
    changes
        .lines()
        .filter(|l| l.contains(",host."))
        .map(str::to_string)
        .collect()
}

/// Issue #16: a host code decoded by substitution or one way is a change of the value, a
/// row of changes.csv (record, item, rule, before = the code with its family, after = the
/// character), counted per rule in the manifest. Fails when decoding only flags them.
#[test]
fn issue16_one_way_and_approximate_host_codes_are_rows_of_changes_csv() {
    let dir = tempdir("issue14_reasons_host");
    ikou_in(
        &dir,
        &[
            "sample",
            "--kind",
            "host-juki",
            "--records",
            "60",
            "--out",
            "host.dat",
        ],
        None,
    )
    .expect(0);
    let mut data = std::fs::read(dir.join("host.dat")).unwrap();
    // The sample as written encodes every character to its own code: no such change.
    let base = [
        "convert",
        "--profile",
        "host-juki",
        "--max-reject-rate",
        "100%",
        "-q",
    ];
    let mut args = base.to_vec();
    args.extend(["host.dat", "--out", "clean"]);
    ikou_in(&dir, &args, None).expect(0);
    assert_eq!(host_rows(&dir.join("clean")), Vec::<String>::new());
    // Record 2: the space between 氏 and 名 as JEF A1A1 (U+3000, which encodes to 4040).
    let at = host_name_space(&data, 2);
    data[at..at + 2].copy_from_slice(&[0xA1, 0xA1]);
    // Record 3: the first character of 名 as JEF 71AD, hentaigana by substitution.
    let at = host_name_space(&data, 3) + 2;
    data[at..at + 2].copy_from_slice(&[0x71, 0xAD]);
    // Record 4: the address (N item @122, 60 bytes) padded with JEF A1A1 instead of 4040:
    // one row for the item, not one per padding character.
    let addr = 3 * 200 + 122;
    let mut at = addr + 58;
    while data[at] == 0x40 && data[at + 1] == 0x40 && at > addr {
        data[at..at + 2].copy_from_slice(&[0xA1, 0xA1]);
        at -= 2;
    }
    assert!(at < addr + 50, "several padding characters");
    // Record 5: the first two characters of 名 as JEF 71AD (issue #18: one row and one
    // `decode.approximate` finding per code and item, however often the code occurs).
    let at = host_name_space(&data, 5) + 2;
    data[at..at + 4].copy_from_slice(&[0x71, 0xAD, 0x71, 0xAD]);
    std::fs::write(dir.join("patched.dat"), &data).unwrap();
    let mut args = base.to_vec();
    args.extend(["patched.dat", "--out", "run"]);
    ikou_in(&dir, &args, None).expect(0);
    let run = dir.join("run");
    assert_eq!(
        host_rows(&run),
        vec![
            "2,shimei,host.one_way,JEF+A1A1,\u{3000}".to_string(),
            "3,shimei,host.approximate,JEF+71AD,\u{1B02A}".to_string(),
            "4,address,host.one_way,JEF+A1A1,\u{3000}".to_string(),
            "5,shimei,host.approximate,JEF+71AD,\u{1B02A}".to_string(),
        ]
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["counts"]["changes_by_rule"]["host.one_way"], 2, "{m}");
    assert_eq!(m["counts"]["changes_by_rule"]["host.approximate"], 2, "{m}");
    assert_eq!(
        m["counts"]["findings_by_kind"]["decode.approximate"], 2,
        "{m}"
    );
    // The records are converted, with the characters the codes decode to.
    let csv = std::fs::read_to_string(run.join("jumin.csv")).unwrap();
    assert!(csv.contains('\u{1B02A}'), "record 3's name");
    // Nothing else changed: the other rows are the clean run's.
    let clean = std::fs::read_to_string(dir.join("clean/changes.csv")).unwrap();
    let changes = std::fs::read_to_string(run.join("changes.csv")).unwrap();
    let others: Vec<&str> = changes.lines().filter(|l| !l.contains(",host.")).collect();
    let clean_rows: Vec<&str> = clean.lines().collect();
    assert_eq!(others.len(), clean_rows.len());
}

/// Runs `ikou ARGS` in `dir` with NO_COLOR and CLICOLOR_FORCE as given (removed otherwise,
/// whatever the test's own environment holds); stdout is a pipe, not a terminal.
fn ikou_env(dir: &Path, args: &[&str], no_color: Option<&str>, force: Option<&str>) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ikou"));
    cmd.args(args).current_dir(dir);
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    if let Some(v) = force {
        cmd.env("CLICOLOR_FORCE", v);
    }
    let out = cmd.output().expect("run ikou");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Issue #14: a 移行不可 run (exit 4) opens the console with a red line when colour is on
/// (`--color always`, or CLICOLOR_FORCE off a terminal), and has no escape code with
/// `--color never`, off a terminal, under NO_COLOR, or with `--json`.
#[test]
fn issue14_a_no_go_run_prints_a_red_first_line_only_when_colour_is_on() {
    let dir = tempdir("issue14_reasons_color");
    ikou_in(
        &dir,
        &["sample", "--records", "300", "--out", "in.dat"],
        None,
    )
    .expect(0);
    const RED: &str = "\x1b[1;31m";
    let run = |n: usize, extra: &[&str], no_color: Option<&str>, force: Option<&str>| {
        let out = format!("run{n}");
        let mut args = vec![
            "convert",
            "--profile",
            "sample-juki",
            "in.dat",
            "--out",
            &out,
            "-q",
            // The sample has rejects: a limit of 0 makes the run 移行不可.
            "--max-reject-rate",
            "0",
        ];
        args.extend_from_slice(extra);
        ikou_env(&dir, &args, no_color, force).expect(4)
    };
    // Coloured: the first line is red, and only it.
    for (n, extra, no_color, force) in [
        (1, &["--color", "always"][..], None, None),
        (2, &["--color", "always"][..], Some("1"), None),
        (3, &[][..], None, Some("1")),
        (4, &["--color", "auto"][..], None, Some("1")),
    ] {
        let r = run(n, extra, no_color, force);
        let first = r.stdout.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(RED) && first.ends_with("\x1b[0m"),
            "{n}: {first:?}"
        );
        assert!(first.contains("移行不可"), "{first}");
        assert_eq!(r.stdout.matches('\x1b').count(), 2, "{n}: {}", r.stdout);
    }
    // Not coloured: no escape code anywhere, the same first line.
    for (n, extra, no_color, force) in [
        (5, &["--color", "never"][..], None, Some("1")),
        (6, &[][..], None, None),
        (7, &[][..], Some("1"), Some("1")),
        (8, &["--color", "auto"][..], Some("1"), None),
        (9, &["--json", "--color", "always"][..], None, Some("1")),
        (10, &["--json"][..], None, None),
    ] {
        let r = run(n, extra, no_color, force);
        assert!(!r.stdout.contains('\x1b'), "{n}: {}", r.stdout);
        assert!(!r.stderr.contains('\x1b'), "{n}: {}", r.stderr);
        if extra.contains(&"--json") {
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(v["verdict"]["level"], "no-go");
        } else {
            assert!(
                r.stdout.starts_with("ikou convert: 移行不可 — "),
                "{n}: {}",
                r.stdout
            );
        }
    }
    // A run that may be migrated has no red line, even with --color always.
    let r = ikou_env(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            "in.dat",
            "--out",
            "ok",
            "-q",
            "--color",
            "always",
        ],
        None,
        None,
    );
    assert_ne!(r.code, 4, "{}", r.stdout);
    assert!(!r.stdout.contains(RED), "{}", r.stdout);
}

/// The `reasons` cell of rejects.csv for data record `n`.
fn reasons_of(run: &Path, n: u64) -> String {
    let mut r = csv::Reader::from_path(run.join("rejects.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let (rc, reasons) = (col("record"), col("reasons"));
    r.records()
        .map(Result::unwrap)
        .find(|row| row[rc] == n.to_string())
        .map(|row| row[reasons].to_string())
        .unwrap_or_else(|| panic!("record {n} is not rejected"))
}

/// Issue #14: a reason names the item, the character's position and its code point; with
/// --show-values also the character itself (「（」), masked (the default) only the code
/// point. Control characters and 外字 stay codes in both. report.html follows its own
/// --show-values, whatever the run's.
#[test]
fn issue14_reasons_show_the_offending_character_only_with_show_values() {
    let dir = tempdir("issue14_reasons_chars");
    ikou_in(
        &dir,
        &["sample", "--records", "200", "--out", "in.dat"],
        None,
    )
    .expect(0);
    let mut data = std::fs::read(dir.join("in.dat")).unwrap();
    let rec = |n: usize| (n - 1) * 302;
    // Record 1: shimei_kana (@83, 40 bytes) ends in `(`: カナ character 9 is （ U+FF08.
    let kana = rec(1) + 83;
    let len = data[kana..kana + 40]
        .iter()
        .rposition(|b| *b != b' ')
        .unwrap()
        + 1;
    data[kana + len] = b'(';
    let kana_chars = {
        // Characters after width.fullwidth: half-width voiced marks compose.
        let text: String = data[kana..kana + len]
            .iter()
            .map(|b| match b {
                0x20 => ' ',
                0xDE | 0xDF => '\u{0}',
                _ => 'x',
            })
            .filter(|c| *c != '\u{0}')
            .collect();
        text.chars().count() + 1
    };
    // Record 2: postal_code (@133, 7 digits) starts with `A`.
    data[rec(2) + 133] = b'A';
    // Record 3: a control character (0x01) in shimei (@43), in its padding.
    data[rec(3) + 43 + 38] = 0x01;
    data[rec(3) + 43 + 39] = b' ';
    std::fs::write(dir.join("dirty.dat"), &data).unwrap();
    let convert = |out: &str, show: bool| {
        let mut args = vec![
            "convert",
            "--profile",
            "sample-juki",
            "dirty.dat",
            "--out",
            out,
            "-q",
            "--max-reject-rate",
            "100%",
        ];
        if show {
            args.push("--show-values");
        }
        ikou_in(&dir, &args, None).expect(0);
        dir.join(out)
    };
    let masked = convert("masked", false);
    let shown = convert("shown", true);
    let want_kana = format!("shimei_kana: character {kana_chars} (U+FF08) is not katakana");
    let want_kana_shown =
        format!("shimei_kana: character {kana_chars} 「（」 (U+FF08) is not katakana");
    let m1 = reasons_of(&masked, 1);
    assert!(m1.contains(&want_kana), "{m1}");
    assert!(!m1.contains('（'), "masked: no character: {m1}");
    let s1 = reasons_of(&shown, 1);
    assert!(s1.contains(&want_kana_shown), "{s1}");
    let m2 = reasons_of(&masked, 2);
    assert!(
        m2.contains("postal_code: character 1 (U+0041) is not a digit"),
        "{m2}"
    );
    let s2 = reasons_of(&shown, 2);
    assert!(
        s2.contains("postal_code: character 1 「A」 (U+0041) is not a digit"),
        "{s2}"
    );
    // A control character and a 外字 are named by their codes only, in both modes.
    let s3 = reasons_of(&shown, 3);
    assert!(s3.contains("is a control character (U+0001)"), "{s3}");
    assert_eq!(s3, reasons_of(&masked, 3));
    let shown_csv = std::fs::read_to_string(shown.join("rejects.csv")).unwrap();
    let masked_csv = std::fs::read_to_string(masked.join("rejects.csv")).unwrap();
    for line in shown_csv.lines().filter(|l| l.contains("(gaiji.unmapped)")) {
        assert!(!line.contains("「\u{E000}"), "{line}");
    }
    // Only the reasons of records 1 and 2 differ between the two runs.
    let differing: Vec<_> = shown_csv
        .lines()
        .zip(masked_csv.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.split(',').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(differing, vec!["1", "2"]);
    // report.html: a report without --show-values of the run made with it shows no
    // character; with --show-values it does.
    let report = |args: &[&str], file: &str| {
        let mut a = vec!["report", "shown", "--out", file];
        a.extend_from_slice(args);
        let r = ikou_in(&dir, &a, None);
        assert!(r.code == 0 || r.code == 4, "{} {}", r.stdout, r.stderr);
        std::fs::read_to_string(dir.join(file)).unwrap()
    };
    let html = report(&[], "masked.html");
    assert!(html.contains("(U+FF08)"), "the code point is on the page");
    assert!(!html.contains("「（」"), "masked report shows no character");
    let html = report(&["--show-values"], "shown.html");
    assert!(html.contains("「（」 (U+FF08)"));
}

/// Issues #14/#15: rejects.csv's `item:KEY` columns come from the plan's decoding of the
/// rejected record, whether the run keeps every record's decoded values (`before` outputs)
/// or not (`minimal`): the two rejects.csv are byte-identical, for records rejected while
/// processed and for records a cross-record check rejects (the sample has both).
#[test]
fn issue15_rejects_csv_is_the_same_with_and_without_before_values() {
    let dir = tempdir("issue14_reasons_rejects");
    ikou_in(
        &dir,
        &["sample", "--records", "1500", "--out", "in.dat"],
        None,
    )
    .expect(0);
    let run = |out: &str, outputs: &str| {
        let r = ikou_in(
            &dir,
            &[
                "convert",
                "--profile",
                "sample-juki",
                "in.dat",
                "--out",
                out,
                "-q",
                "--outputs",
                outputs,
            ],
            None,
        );
        assert!(r.code == 0 || r.code == 4, "{} {}", r.stdout, r.stderr);
        std::fs::read(dir.join(out).join("rejects.csv")).unwrap()
    };
    let minimal = String::from_utf8(run("minimal", "minimal")).unwrap();
    let before = String::from_utf8(run("before", "before")).unwrap();
    // Line by line: a failure names the first row that differs.
    for (a, b) in minimal.lines().zip(before.lines()) {
        assert_eq!(a, b);
    }
    assert_eq!(minimal, before);
    let text = minimal;
    assert!(text.contains("(check.duplicate)"), "a cross-record reject");
    assert!(
        text.contains("(gaiji.unmapped)"),
        "a reject of the record itself"
    );
    // Every rejected row has its decoded items (the 氏名 column is never empty here).
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "item:shimei")
        .unwrap();
    let rows: Vec<_> = r.records().map(Result::unwrap).collect();
    assert!(rows.len() > 20);
    assert!(rows.iter().all(|row| !row[col].is_empty()));
}
