//! Tests of the generator: the bytes are parsed back and compared with what the stats say.

use super::*;
use ikou_layout_spec::Catalog;
use std::collections::{BTreeMap, HashSet};

fn generate(records: u64, seed: u64) -> (Vec<u8>, SampleStats) {
    let mut out = Vec::new();
    let stats = write_sample(&SampleConfig::new(records, seed), &mut out).unwrap();
    (out, stats)
}

fn item(rec: &[u8], (off, len): (usize, usize)) -> &[u8] {
    &rec[off..off + len]
}

/// Splits CP932 bytes into characters (1 or 2 bytes each).
fn chars(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let w = if matches!(b[i], 0x81..=0x9F | 0xE0..=0xFC) {
            2
        } else {
            1
        };
        let w = w.min(b.len() - i);
        out.push(&b[i..i + w]);
        i += w;
    }
    out
}

fn decode(b: &[u8]) -> Option<String> {
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(b)
        .map(|s| s.into_owned())
}

/// Parses 元号コード + YYMMDD into a Gregorian (y, m, d) if it is a real date of that era.
fn parse_date(b: &[u8]) -> Option<(i64, i64, i64)> {
    let s = std::str::from_utf8(b).ok()?;
    if s.len() != 7 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    let (code, yy, mm, dd) = (n(0..1), n(1..3), n(3..5), n(5..7));
    let (start, base, end) = match code {
        1 => ((1868, 1, 25), 1868, (1912, 7, 29)),
        2 => ((1912, 7, 30), 1912, (1926, 12, 24)),
        3 => ((1926, 12, 25), 1926, (1989, 1, 7)),
        4 => ((1989, 1, 8), 1989, (2019, 4, 30)),
        5 => ((2019, 5, 1), 2019, (9999, 12, 31)),
        _ => return None,
    };
    let y = base + yy - 1;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mdays = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if yy < 1 || !(1..=12).contains(&mm) || dd < 1 || dd > mdays[(mm - 1) as usize] {
        return None;
    }
    ((y, mm, dd) >= start && (y, mm, dd) <= end).then_some((y, mm, dd))
}

fn valid_check(b: &[u8]) -> bool {
    let d: Vec<u8> = b.iter().map(|c| c - b'0').collect();
    check_digit(&d[..d.len() - 1]) == d[d.len() - 1]
}

fn table(name: &str) -> HashSet<String> {
    let path = format!(
        "{}/../../specs/codes/{name}.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn item_offsets_match_the_bundled_layout() {
    let cat = Catalog::bundled().unwrap();
    let layout = cat.layout(LAYOUT_ID).unwrap();
    assert_eq!(layout.items.len(), items::ALL.len());
    for (it, (key, off, len)) in layout.items.iter().zip(items::ALL) {
        assert_eq!(it.key, key);
        assert_eq!(it.offset, Some(off as u32), "{key}");
        assert_eq!(it.byte_span(), len as u64, "{key}");
    }
    let last = items::ALL[items::ALL.len() - 1];
    assert_eq!(last.1 + last.2, RECORD_LEN);
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, sa) = generate(3_000, 11);
    let (b, sb) = generate(3_000, 11);
    let (c, _) = generate(3_000, 12);
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    assert_ne!(a, c);
    // A prefix of a longer run is the shorter run: records do not depend on the total.
    let (d, _) = generate(1_000, 11);
    assert_eq!(&a[..d.len()], &d[..]);
}

#[test]
fn every_record_is_300_bytes_and_crlf_and_decodes_except_gaiji() {
    let (file, stats) = generate(5_000, 2);
    assert_eq!(file.len(), 5_000 * LINE_LEN);
    assert_eq!(stats.bytes, file.len() as u64);
    let mut gaiji_records = 0;
    let mut per_code = [0u64; 16];
    for rec in file.chunks(LINE_LEN) {
        assert_eq!(&rec[RECORD_LEN..], b"\r\n");
        assert!(!rec[..RECORD_LEN].contains(&b'\r') && !rec[..RECORD_LEN].contains(&b'\n'));
        // Item by item: each decodes strictly (no malformed bytes, no character across items).
        for (key, off, len) in items::ALL {
            let text = decode(&rec[off..off + len])
                .unwrap_or_else(|| panic!("{key} does not decode: {:02X?}", &rec[off..off + len]));
            let pua: Vec<char> = text
                .chars()
                .filter(|c| ('\u{E000}'..='\u{E757}').contains(c))
                .collect();
            if key == "shimei" {
                assert!(pua.len() <= 1);
                if let Some(c) = pua.first() {
                    gaiji_records += 1;
                    let i = *c as usize - 0xE000;
                    assert!(i < 16, "only F040–F04F are used");
                    per_code[i] += 1;
                }
            } else {
                assert!(pua.is_empty(), "外字 outside 氏名 in {key}");
            }
            assert!(!text.contains('\u{FFFD}'));
        }
    }
    assert_eq!(gaiji_records, stats.count(Dirt::GaijiInName));
    assert!(gaiji_records > 0);
    for (i, n) in per_code.iter().enumerate() {
        assert_eq!(*n, stats.gaiji(0xF040 + i as u16));
    }
}

/// Counts, from the bytes alone, records showing each kind of dirt, and checks that the
/// generator's stats and per-record flags say the same.
#[test]
fn stats_match_the_bytes() {
    let config = SampleConfig::new(20_000, 5);
    let mut sampler = Sampler::new(&config).unwrap();
    let mut seen_codes = HashSet::new();
    let mut found: BTreeMap<Dirt, u64> = BTreeMap::new();
    let mut households: BTreeMap<Vec<u8>, (bool, bool)> = BTreeMap::new(); // (has head, flagged)
    let mut atena = HashSet::new();
    let mut n = 0;
    while let Some(r) = sampler.next_record() {
        n += 1;
        assert_eq!(r.number, n);
        assert_eq!(r.offset, (n - 1) * LINE_LEN as u64);
        let rec = r.bytes;
        let mut hit = |d: Dirt, present: bool| {
            assert_eq!(
                present,
                r.dirt.contains(d),
                "record {n}: {d} in bytes = {present}, flagged = {}",
                r.dirt.contains(d)
            );
            if present {
                *found.entry(d).or_default() += 1;
            }
        };
        hit(Dirt::UnknownZokugara, item(rec, items::ZOKUGARA) == b"88");
        hit(Dirt::UnknownIdoJiyu, item(rec, items::IDO_JIYU) == b"99");
        let code = item(rec, items::JUMINHYO_CODE);
        hit(Dirt::MissingResidentCode, code == b"           ");
        if code != b"           " {
            assert!(valid_check(code), "住民票コード check digit");
            hit(
                Dirt::DuplicateResidentCode,
                !seen_codes.insert(code.to_vec()),
            );
        }
        let kojin = item(rec, items::KOJIN_BANGO);
        if kojin != b"            " {
            hit(Dirt::BadCheckDigit, !valid_check(kojin));
        }
        let name = item(rec, items::SHIMEI);
        hit(Dirt::MissingName, name.chunks(2).all(|c| c == [0x81, 0x40]));
        hit(
            Dirt::KanaInName,
            chars(name)
                .iter()
                .any(|c| c.len() == 1 && (0xA1..=0xDF).contains(&c[0])),
        );
        hit(
            Dirt::VariantKanji,
            chars(name).iter().any(|c| (0xFA..=0xFC).contains(&c[0])),
        );
        let text = decode(name).unwrap();
        let text = text.trim_end_matches(['\u{3000}', ' ']);
        let inner = text.trim_start_matches(['\u{3000}', ' ']);
        hit(
            Dirt::NameLeadingSpace,
            !text.is_empty() && inner.len() < text.len(),
        );
        hit(
            Dirt::NameSpaceRun,
            ["\u{3000}\u{3000}", "\u{3000} ", "  "]
                .iter()
                .any(|run| inner.contains(run)),
        );
        hit(Dirt::GaijiInName, chars(name).iter().any(|c| c[0] == 0xF0));
        let kana = item(rec, items::SHIMEI_KANA);
        hit(
            Dirt::KanaFullwidthPadding,
            kana.windows(2).any(|w| w == [0x81, 0x40]),
        );
        hit(
            Dirt::PostalFullwidth,
            item(rec, items::POSTAL_CODE)[0] == 0x82,
        );
        let addr = chars(item(rec, items::ADDRESS));
        hit(
            Dirt::AddressHalfwidthDigits,
            addr.iter().any(|c| c[0].is_ascii_digit()),
        );
        hit(
            Dirt::AddressDashVariant,
            addr.iter()
                .any(|c| matches!(c, [0x81, 0x7C | 0x5D | 0x5C | 0x5B])),
        );
        hit(
            Dirt::KatagakiWaveDash,
            chars(item(rec, items::KATAGAKI)).contains(&&[0x81u8, 0x60][..]),
        );
        let birth = item(rec, items::BIRTH_DATE);
        hit(
            Dirt::DateShowa64,
            birth.starts_with(b"364") && &birth[3..5] > b"01".as_slice(),
        );
        hit(Dirt::DatePartial, &birth[5..7] == b"00");
        hit(
            Dirt::DateFeb30,
            &birth[3..5] == b"02" && (&birth[5..7] == b"30" || &birth[5..7] == b"31"),
        );
        let jumin = item(rec, items::JUMIN_DATE);
        hit(Dirt::DateMonth13, &jumin[3..5] == b"13");
        let ido = item(rec, items::IDO_DATE);
        hit(
            Dirt::DateHeisei31,
            ido.starts_with(b"431") && &ido[3..5] >= b"05".as_slice(),
        );
        hit(Dirt::DateUnknownEra, !(b'1'..=b'5').contains(&ido[0]));

        assert!(
            atena.insert(item(rec, items::ATENA_NO).to_vec()),
            "宛名番号 unique"
        );
        let e = households
            .entry(item(rec, items::SETAI_NO).to_vec())
            .or_insert((false, false));
        e.0 |= item(rec, items::ZOKUGARA) == b"01";
        e.1 |= r.dirt.contains(Dirt::HouseholdWithoutHead);
    }
    let stats = sampler.stats().clone();
    assert_eq!(stats.records, 20_000);
    for (d, count) in &found {
        assert_eq!(*count, stats.count(*d), "{d}");
    }
    let headless = households.values().filter(|(head, _)| !head).count() as u64;
    assert!(households.values().all(|(head, flagged)| head != flagged));
    assert_eq!(headless, stats.count(Dirt::HouseholdWithoutHead));
    assert_eq!(households.len() as u64, stats.households);
    // Every kind checked above actually occurred.
    assert_eq!(found.len(), Dirt::COUNT - 1, "{found:?}");
}

/// 住所 and 郵便番号 bytes.
type Dwelling = (Vec<u8>, Vec<u8>);

/// Records without dirt are clean in every way a converter checks.
#[test]
fn clean_records_are_valid() {
    let zokugara = table("zokugara");
    let jiyu = table("ido_jiyu");
    let jotai = table("jumin_jotai");
    let mut s = Sampler::new(&SampleConfig::new(10_000, 9)).unwrap();
    let mut clean = 0;
    let mut blank_kojin = 0;
    let mut by_household: BTreeMap<Vec<u8>, (usize, Option<Dwelling>)> = BTreeMap::new();
    while let Some(r) = s.next_record() {
        let rec = r.bytes;
        let hh = by_household
            .entry(item(rec, items::SETAI_NO).to_vec())
            .or_default();
        hh.0 += 1;
        if !r.dirt.is_empty() {
            continue;
        }
        // Clean members of a household share its dwelling.
        let dwelling = (
            item(rec, items::ADDRESS).to_vec(),
            item(rec, items::POSTAL_CODE).to_vec(),
        );
        match &hh.1 {
            Some(d) => assert_eq!(d, &dwelling),
            None => hh.1 = Some(dwelling),
        }
        clean += 1;
        for (key, off, len) in items::ALL {
            let v = &rec[off..off + len];
            if ["atena_no", "setai_no", "juminhyo_code", "postal_code"].contains(&key) {
                assert!(v.iter().all(u8::is_ascii_digit), "{key}");
            }
        }
        let kojin = item(rec, items::KOJIN_BANGO);
        if kojin == b"            " {
            blank_kojin += 1;
            assert!(
                item(rec, items::SHOJO_DATE) != b"       ",
                "blank 個人番号 only for 消除"
            );
        } else {
            assert!(kojin.iter().all(u8::is_ascii_digit) && valid_check(kojin));
        }
        let birth = parse_date(item(rec, items::BIRTH_DATE)).expect("birth date valid");
        let jumin = parse_date(item(rec, items::JUMIN_DATE)).expect("住民となった日 valid");
        let ido = parse_date(item(rec, items::IDO_DATE)).expect("異動日 valid");
        assert!(birth <= jumin && jumin <= ido && ido <= (2025, 3, 31));
        let shojo = item(rec, items::SHOJO_DATE);
        let state = std::str::from_utf8(item(rec, items::JUMIN_JOTAI)).unwrap();
        assert!(jotai.contains(state));
        if shojo == b"       " {
            assert_eq!(state, "1");
        } else {
            assert_eq!(parse_date(shojo), Some(ido));
            assert_ne!(state, "1");
        }
        assert!(zokugara.contains(std::str::from_utf8(item(rec, items::ZOKUGARA)).unwrap()));
        assert!(jiyu.contains(std::str::from_utf8(item(rec, items::IDO_JIYU)).unwrap()));
        assert!(matches!(item(rec, items::SEX), b"1" | b"2"));
        // 氏名: kanji, one U+3000 between 氏 and 名, U+3000 padding.
        let name = decode(item(rec, items::SHIMEI)).unwrap();
        let trimmed = name.trim_end_matches('\u{3000}');
        let parts: Vec<&str> = trimmed.split('\u{3000}').collect();
        assert_eq!(parts.len(), 2, "{trimmed}");
        assert!(parts.iter().all(|p| !p.is_empty() && !p.contains(' ')));
        // 氏名カナ: half-width katakana, one space, space padding.
        let kana = decode(item(rec, items::SHIMEI_KANA)).unwrap();
        let kt = kana.trim_end_matches(' ');
        assert_eq!(kt.matches(' ').count(), 1, "{kt}");
        assert!(
            kt.chars()
                .all(|c| c == ' ' || ('\u{FF66}'..='\u{FF9F}').contains(&c)),
            "{kt}"
        );
        // 住所: full-width, with its numerals full-width.
        let addr = decode(item(rec, items::ADDRESS)).unwrap();
        assert!(addr.chars().all(|c| !c.is_ascii()), "{addr}");
        assert!(addr.chars().any(|c| ('０'..='９').contains(&c)), "{addr}");
        let filler = item(rec, items::FILLER);
        assert!(filler.iter().all(|&b| b == b' '));
    }
    assert_eq!(clean, s.stats().clean_records);
    assert!(blank_kojin > 0 && blank_kojin <= s.stats().blank_kojin_bango);
    // Household sizes 1–6 (a headless household has at most 5 records).
    let max = by_household.values().map(|h| h.0).max().unwrap();
    assert!((5..=6).contains(&max), "{max}");
    assert!(by_household.values().any(|h| h.0 == 1));
}

#[test]
fn rates_hold_on_10k_records() {
    let (_, stats) = generate(10_000, 3);
    for (d, n) in stats.counts() {
        let rate = d.default_rate();
        let base = if d.per_household() {
            stats.households
        } else {
            10_000
        };
        let expect = base as f64 * rate;
        let diff = (n as f64 - expect).abs();
        assert!(diff <= 1.5, "{d}: {n} vs expected {expect}");
    }
    let clean = stats.clean_records as f64 / 10_000.0;
    assert!((0.85..=0.92).contains(&clean), "clean share {clean}");
}

#[test]
fn rates_are_configurable() {
    let mut cfg = SampleConfig::new(4_000, 1);
    cfg.rates = DirtRates::none();
    cfg.rates.set(Dirt::UnknownIdoJiyu, 0.25).unwrap();
    cfg.rates.set_from_str("bad_check_digit=0.1").unwrap();
    let mut out = Vec::new();
    let stats = write_sample(&cfg, &mut out).unwrap();
    assert_eq!(stats.count(Dirt::UnknownIdoJiyu), 1_000);
    assert!((399..=401).contains(&stats.count(Dirt::BadCheckDigit)));
    let dirty_kinds = stats.counts().filter(|(_, n)| *n > 0).count();
    assert_eq!(dirty_kinds, 2);
    assert!(cfg.rates.set(Dirt::KanaInName, 1.5).is_err());
    assert!(cfg.rates.set_from_str("nonsense=0.1").is_err());
    assert!(cfg.rates.set_from_str("kana_in_name").is_err());
    assert!(cfg.rates.set_from_str("kana_in_name=x").is_err());
}

#[test]
fn all_rates_at_one_does_not_panic() {
    let mut cfg = SampleConfig::new(2_000, 4);
    for d in Dirt::ALL {
        cfg.rates.set(d, 1.0).unwrap();
    }
    let mut out = Vec::new();
    let stats = write_sample(&cfg, &mut out).unwrap();
    assert_eq!(out.len(), 2_000 * LINE_LEN);
    assert_eq!(stats.clean_records, 0);
    assert!(out.chunks(LINE_LEN).all(|r| r.ends_with(b"\r\n")));
}

#[test]
fn zero_records_is_an_empty_file() {
    let (out, stats) = generate(0, 1);
    assert!(out.is_empty());
    assert_eq!(stats.records, 0);
}

#[test]
fn streams_200k_records_to_a_sink() {
    let stats = write_sample(&SampleConfig::new(200_000, 8), io::sink()).unwrap();
    assert_eq!(stats.records, 200_000);
    assert_eq!(stats.bytes, 200_000 * LINE_LEN as u64);
}

#[test]
fn check_digit_rule() {
    assert_eq!(check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]), 8);
    // Remainder 0 or 1 gives 0: 00000000000 → sum 0.
    assert_eq!(check_digit(&[0; 11]), 0);
    // 0000000001x: P1 = 1, Q1 = 2 → 11 − 2 = 9.
    assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 9);
    // P7 = 1 (7th from the right) → Q7 = 2 → 9.
    assert_eq!(check_digit(&[0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), 9);
}

#[test]
fn gaiji_table_lists_mapped_codes_only() {
    let csv = gaiji_table_csv();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("code,replacement,mj,note"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 12);
    for g in GAIJI {
        let listed = rows
            .iter()
            .any(|r| r.starts_with(&format!("{:04X},", g.code)));
        assert_eq!(listed, g.replacement.is_some(), "{:04X}", g.code);
    }
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 12);
    for r in &recs {
        assert_eq!(r.len(), 4);
        let code = u16::from_str_radix(&r[0], 16).unwrap();
        let g = GAIJI.iter().find(|g| g.code == code).unwrap();
        assert_eq!(Some(&r[1]), g.replacement);
        assert_eq!(&r[3], g.note);
    }
}

/// The checked-in sample never drifts from the generator.
#[test]
fn checked_in_sample_is_reproducible() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/sample");
    let dat = std::fs::read(format!("{root}/juki-1000.dat")).unwrap();
    let (fresh, stats) = generate(1_000, 1);
    assert!(
        dat == fresh,
        "testdata/sample/juki-1000.dat differs: regenerate it (see README)"
    );
    // The sample shows every kind of dirt.
    for (d, n) in stats.counts() {
        assert!(n > 0, "{d} absent from the 1,000-record sample");
    }
    let csv = std::fs::read_to_string(format!("{root}/gaiji.csv")).unwrap();
    assert_eq!(csv, gaiji_table_csv());
    // The copy bundled with the sample-juki profile says the same.
    let bundled = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../specs/gaiji/sample-juki.csv"
    );
    assert_eq!(std::fs::read_to_string(bundled).unwrap(), gaiji_table_csv());
}

/// The host codec's error is the source of [`SampleError::HostEncoding`] (issue #15: typed
/// errors; it was flattened into the message of `EmbeddedData`).
#[test]
fn issue15_host_encoding_error_keeps_its_cause_as_source() {
    use std::error::Error as _;
    let cause = ikou_cleanse::host::HostCodec::for_label("no-such-code-page").unwrap_err();
    let shown = cause.to_string();
    let e = crate::host::host_err(cause);
    let source = e
        .source()
        .and_then(|c| c.downcast_ref::<ikou_cleanse::host::HostError>());
    assert_eq!(source.map(ToString::to_string), Some(shown.clone()));
    assert_eq!(
        e.to_string(),
        format!("embedded sample data host sample: {shown}")
    );
}
