//! The spec loader: layouts (TOML), code tables (CSV), profiles (against the bundled
//! catalog) and 外字 tables (CSV).
//!
//! Input: byte 0 picks the loader; the rest (as UTF-8) is the file.
//! Checks: no panic; every error has a message; a layout that loads is written back by
//! `layout_to_toml` to text that loads as the same layout.
#![no_main]

use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::{layout_to_toml, parse_code_table, parse_layout, parse_profile, Catalog};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::bundled().expect("bundled catalog"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 4 {
        0 => match parse_layout(text, "fuzz.toml") {
            Ok(l) => {
                let back = layout_to_toml(&l);
                let again = parse_layout(&back, "back.toml")
                    .unwrap_or_else(|e| panic!("written layout does not load: {e}\n{back}"));
                assert_eq!(again, l, "layout_to_toml round trip");
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        },
        1 => match parse_code_table(text, "fuzz", "fuzz.csv") {
            Ok(t) => {
                let _ = format!("{t:?}");
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        },
        2 => match parse_profile(text, "fuzz.toml", catalog()) {
            Ok(p) => {
                let _ = p.layouts(catalog());
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        },
        _ => match GaijiTable::parse(text, "fuzz.csv") {
            Ok(t) => assert!(t.len() <= text.len()),
            Err(e) => assert!(!e.to_string().is_empty()),
        },
    }
});
