//! Issue 19: tests that catch the bugs a mutation audit showed the suite would let through.
//!
//! Survivor 2, the formula guard, at CLI level (unit level: `crates/convert/src/guard_tests.rs`):
//! every cell of `rejects.csv` and `gaiji.csv` that staff open in Excel is guarded against all
//! the characters that start a formula (`=`, `+`, `-`, `@`) or that Excel strips before
//! reading one (TAB, CR), not only `=`.
//!
//! Shown to fail on the mutants (put in by hand, run, restored, 2026-12-04): with `b'\t' |
//! b'\r'` dropped from `guard_cell` (crates/convert/src/output.rs),
//! `issue19_item3_rejects_csv_guards_every_formula_start_in_file_names` fails on
//! `"\tx.dat"`; with `gaiji.rs`'s `guard` reduced to `=`,
//! `issue19_item3_gaiji_csv_guards_plus_minus_at` fails on `+1`.

use crate::util::{ikou_in, root, tempdir};
use std::path::Path;

const SAMPLE: &str = "testdata/sample/juki-1000.dat";

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The records of a CSV file (header included), parsed as CSV: cells may hold TAB or CR.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Every cell of every data row of `rows` is guarded.
#[track_caller]
fn assert_guarded(name: &str, rows: &[Vec<String>]) {
    let head = &rows[0];
    for (i, row) in rows.iter().enumerate().skip(1) {
        for (h, cell) in head.iter().zip(row) {
            assert!(
                !cell.starts_with(FORMULA),
                "{name} row {i}: unguarded {h} cell {cell:?}"
            );
        }
    }
}

#[test]
fn issue19_item3_rejects_csv_guards_every_formula_start_in_file_names() {
    let dir = tempdir("issue19-rejects-names");
    // 50 sample records and a short last record: each file has rejects (the short record,
    // and duplicates across the files).
    let sample = std::fs::read(root().join(SAMPLE)).unwrap();
    let mut data = sample[..50 * 302].to_vec();
    data.extend_from_slice(b"SHORT");
    let names: Vec<String> = FORMULA.iter().map(|c| format!("{c}x.dat")).collect();
    for n in &names {
        std::fs::write(dir.join(n), &data).unwrap();
    }
    let mut args = vec![
        "convert",
        "--profile",
        "sample-juki",
        "--out",
        "run",
        "--outputs",
        "minimal",
        "--",
    ];
    args.extend(names.iter().map(String::as_str));
    let r = ikou_in(&dir, &args, None);
    // Done (4: done, but 移行不可 by the reject rate of this data).
    assert!(matches!(r.code, 0 | 4), "{}", r.stderr);
    let rows = csv_rows(&dir.join("run/rejects.csv"));
    let file_col = rows[0].iter().position(|h| h == "file").unwrap();
    for n in &names {
        let guarded = format!("'{n}");
        assert!(
            rows.iter().any(|r| r[file_col] == guarded),
            "no reject of {n:?} with its name guarded as {guarded:?}"
        );
    }
    assert_guarded("rejects.csv", &rows);
}

#[test]
fn issue19_item3_gaiji_csv_guards_plus_minus_at() {
    let dir = tempdir("issue19-gaiji-formulas");
    // The sample's 外字 table with replacements that start formulas: `+`, `-`, `@` on the
    // three mapped codes the sample uses (F040, F042, F04B), `=` on the others.
    let table = std::fs::read_to_string(root().join("specs/gaiji/sample-juki.csv")).unwrap();
    let by_code = [("F040", "+1"), ("F042", "-2"), ("F04B", "@A1")];
    let mut out = String::new();
    for (i, line) in table.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let mut cells: Vec<&str> = line.splitn(3, ',').collect();
            cells[1] = by_code
                .iter()
                .find(|(c, _)| *c == cells[0])
                .map_or("=1", |(_, r)| *r);
            out.push_str(&cells.join(","));
        }
        out.push('\n');
    }
    std::fs::write(dir.join("g.csv"), out).unwrap();
    let input = root().join(SAMPLE);
    let r = ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "sample-juki",
            input.to_str().unwrap(),
            "--out",
            "run",
            "--outputs",
            "gaiji",
            "--gaiji",
            "g.csv",
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = csv_rows(&dir.join("run/gaiji.csv"));
    let rep = rows[0].iter().position(|h| h == "replacement").unwrap();
    for (_, s) in by_code {
        let guarded = format!("'{s}");
        assert!(
            rows.iter().any(|r| r[rep] == guarded),
            "no replacement {guarded:?} in gaiji.csv: {rows:?}"
        );
    }
    assert_guarded("gaiji.csv", &rows);
}
