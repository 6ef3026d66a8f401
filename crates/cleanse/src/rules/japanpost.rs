//! The Japan Post oracle: KEN_ALL.CSV (CP932, half-width katakana readings) against Japan
//! Post's own UTF-8 edition (full-width readings), from `../shared/testdata/japanpost/`.
//!
//! How records are matched: KEN_ALL splits 208 long records over several lines; a split
//! record's 町域名 (column 9) opens a `（` that a later line closes, and every line of it
//! repeats the postal code. Joining lines until the parentheses balance gives 124,511
//! logical records, exactly the lines of the UTF-8 edition, in the same order (the test
//! checks the postal code of every pair). Single-line records are those of one line.
//!
//! Japan Post writes the hyphen of its readings as U+2212 MINUS SIGN: the JIS form of
//! Shift_JIS 0x817C, where `width.fullwidth` gives U+FF0D (CP932's form of the same
//! character). So the UTF-8 edition is exactly the `fullwidth` domain type with the JIS
//! variant policy (`width.fullwidth` then `variant.jis`); under `keep` the only
//! difference is that one character.

use super::*;
use std::io::Read;
use std::path::PathBuf;

fn unzip_first(path: &PathBuf) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut entry = zip.by_index(0).unwrap();
    let mut out = Vec::new();
    entry.read_to_end(&mut out).unwrap();
    Some(out)
}

fn records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn ken_all_readings_match_japan_posts_utf8_edition() {
    let Some(ken) = crate::testkit::shared_file("japanpost/ken_all.zip") else {
        return;
    };
    let Some(utf) = crate::testkit::shared_file("japanpost/utf_ken_all.zip") else {
        return;
    };
    let (Some(ken), Some(utf)) = (unzip_first(&ken), unzip_first(&utf)) else {
        panic!("the Japan Post zips are present but cannot be opened");
    };
    let ken = encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(&ken)
        .expect("KEN_ALL decodes as CP932 without errors");
    let utf = std::str::from_utf8(&utf).unwrap();
    let ken = records(&ken);
    let utf = records(utf);
    assert_eq!(ken.len(), 124_825);
    assert_eq!(utf.len(), 124_511);

    // Group KEN_ALL lines into logical records.
    let opens = |s: &str| s.matches('（').count() as isize - s.matches('）').count() as isize;
    let mut groups: Vec<&[Vec<String>]> = Vec::new();
    let mut i = 0;
    while i < ken.len() {
        let start = i;
        let mut depth = opens(&ken[i][8]);
        while depth > 0 {
            i += 1;
            depth += opens(&ken[i][8]);
        }
        i += 1;
        groups.push(&ken[start..i]);
    }
    assert_eq!(groups.len(), utf.len());
    let multi: Vec<_> = groups.iter().filter(|g| g.len() > 1).collect();
    assert_eq!(multi.len(), 208);
    assert_eq!(multi.iter().map(|g| g.len()).sum::<usize>(), 522);

    let jis = RuleOptions {
        variant_policy: VariantPolicy::Jis,
        ..RuleOptions::default()
    };
    let keep = RuleOptions::default();
    let (mut compared, mut changed, mut only_minus) = (0, 0, 0);
    for (g, u) in groups.iter().zip(&utf) {
        for line in g.iter() {
            assert_eq!(line[2], u[2], "postal codes line up");
        }
        // 都道府県名・市区町村名カナ repeat on every line; 町域名カナ only for single lines.
        let cols: &[usize] = if g.len() == 1 { &[3, 4, 5] } else { &[3, 4] };
        for &c in cols {
            let half = &g[0][c];
            let c_jis = cleanse(DomainType::Fullwidth, half, &jis);
            assert!(c_jis.is_ok());
            assert_eq!(
                &*c_jis.value,
                u[c].as_str(),
                "postal code {} column {}",
                u[2],
                c + 1
            );
            let c_keep = cleanse(DomainType::Fullwidth, half, &keep);
            if *c_keep.value != u[c] {
                assert_eq!(c_keep.value.replace('\u{FF0D}', "\u{2212}"), u[c]);
                only_minus += 1;
            }
            if !c_jis.edits.is_empty() {
                changed += 1;
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 124_511 * 3 - 208);
    assert!(changed > 100_000);
    // 300 values hold 334 hyphens between them.
    assert_eq!(only_minus, 300);
}
