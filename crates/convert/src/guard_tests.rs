//! Issue 19, survivor 2: the formula guard on every guarded CSV, for every character that
//! starts a formula in a spreadsheet (`=`, `+`, `-`, `@`) and the two that Excel strips before
//! reading one (TAB, CR).
//!
//! - `output::guard_cell` guards `rejects.csv` (the file-name and reasons cells);
//! - `ikou_cleanse::gaiji`'s guard guards `gaiji.csv` (and `ikou gaiji --csv`): the
//!   replacement, mj, items and example cells; `GaijiTable::parse` undoes it.
//!
//! Shown to fail on the mutants of the issue (each put in by hand, run, restored, 2026-12-04):
//! dropping `b'\t' | b'\r'` from `guard_cell` fails
//! `issue19_guard_cell_guards_every_formula_start` ("\tx.dat" unguarded); reducing gaiji's
//! `guard` to `Some(b'=')` fails `issue19_gaiji_csv_guards_every_column_and_every_formula_start`
//! (`+1` unguarded). The CLI-level tests are in `crates/cli/tests/cli/issue19.rs`.

use crate::output::guard_cell;
use ikou_cleanse::gaiji::{GaijiInventory, GaijiMapping, GaijiTable};

/// Every formula start, with a cell that starts with it.
const STARTS: [(char, &str); 6] = [
    ('=', "=1+1"),
    ('+', "+1"),
    ('-', "-2"),
    ('@', "@A1"),
    ('\t', "\tx.dat"),
    ('\r', "\rx.dat"),
];

#[test]
fn issue19_guard_cell_guards_every_formula_start() {
    for (c, cell) in STARTS {
        assert_eq!(guard_cell(cell), format!("'{cell}"), "{c:?}");
        // Only the first character counts.
        let inner = format!("x{cell}");
        assert_eq!(guard_cell(&inner), inner, "{c:?} not at the start");
    }
    for cell in ["", "山田", "1-2", " =x", "\u{3000}+1"] {
        assert_eq!(guard_cell(cell), cell, "{cell:?} is not a formula");
    }
    // A leading apostrophe is guarded too, so that unguarding is exact for every cell.
    assert_eq!(guard_cell("'=x"), "''=x");
    for cell in ["", "'", "''x", "'=x", "=x", "山田", "\tx"] {
        assert_eq!(
            crate::output::unguard_cell(&guard_cell(cell)),
            cell,
            "{cell:?}"
        );
    }
}

/// The cells of `csv` (a whole file), header excluded.
fn rows(csv: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().from_reader(csv);
    let head = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (head, rows)
}

#[test]
fn issue19_gaiji_csv_guards_every_column_and_every_formula_start() {
    let mut inv = GaijiInventory::new();
    for (i, (_, cell)) in STARTS.iter().enumerate() {
        let code = 0xF040 + u16::try_from(i).unwrap();
        let m = GaijiMapping {
            code,
            replacement: (*cell).to_string(),
            mj: Some((*cell).to_string()),
            note: None,
        };
        inv.record(code, cell, 1, Some(&m), Some(cell));
    }
    let mut out = Vec::new();
    inv.write_csv(&mut out).unwrap();
    let (head, rows) = rows(&out);
    assert_eq!(rows.len(), STARTS.len());
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    for (row, (c, cell)) in rows.iter().zip(STARTS) {
        for name in ["replacement", "mj", "example"] {
            assert_eq!(row[col(name)], format!("'{cell}"), "{name} {c:?}");
        }
        assert_eq!(row[col("items")], format!("'{cell}:1"), "items {c:?}");
        for (h, v) in head.iter().zip(row) {
            assert!(
                !v.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unguarded {h} cell {v:?}"
            );
        }
    }
}

#[test]
fn issue19_gaiji_csv_guard_round_trips() {
    // The guard is undone when the inventory is loaded back as a table. (TAB and CR cannot
    // start a replacement: a table rejects control characters.)
    let mut inv = GaijiInventory::new();
    for (i, (_, cell)) in STARTS.iter().take(4).enumerate() {
        let code = 0xF040 + u16::try_from(i).unwrap();
        let m = GaijiMapping {
            code,
            replacement: (*cell).to_string(),
            mj: None,
            note: None,
        };
        inv.record(code, "shimei", 1, Some(&m), None);
    }
    let mut out = Vec::new();
    inv.write_csv(&mut out).unwrap();
    let table = GaijiTable::parse(std::str::from_utf8(&out).unwrap(), "gaiji.csv").unwrap();
    for (i, (c, cell)) in STARTS.iter().take(4).enumerate() {
        let code = 0xF040 + u16::try_from(i).unwrap();
        assert_eq!(table.get(code).unwrap().replacement, *cell, "{c:?}");
    }
}
