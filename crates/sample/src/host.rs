//! The host-form sample (issue #16): a synthetic mainframe 住民記録 export in the bundled
//! `legacy/host-juki` layout — fixed 200-byte records without terminators, Fujitsu JEF
//! (EBCDIK single bytes, K / A shift codes around kanji in M items, an N item of double-byte
//! codes only), numbers as EBCDIC zoned and packed decimal, 外字 in the JEF user area.
//!
//! A few records carry dirt at fixed, documented places (by record number, see
//! [`HostDirt`]): mapped 外字 (`80A1`–`80A3`, in `specs/gaiji/host-juki.csv`), an unmapped
//! 外字 (`80A4`), a packed number with a bad nibble, a shift-in never shifted out, a
//! 平成31年5月 date. A correct conversion converts every other record and rejects each dirty
//! one with its reason. Deterministic for a seed; streams with bounded memory.

use super::common::{self, Mix, Name, RecordWriter};
use super::{check_digit, SampleError};
use ikou_cleanse::host::{HostCodec, HostError, ItemKind};
use ikou_cleanse::numbers::{encode_packed, encode_zoned, SignForm, ZonedCharset};
use std::io;

/// The layout the host sample follows.
pub const HOST_LAYOUT_ID: &str = "legacy/host-juki";
/// The bundled profile that converts it.
pub const HOST_PROFILE_ID: &str = "host-juki";
/// Bytes of one record (no terminator).
pub const HOST_RECORD_LEN: usize = 200;
/// The host encoding label of the sample.
pub const HOST_ENCODING: &str = "jef";

/// The COBOL copybook of the host sample's record (`ikou layouts import` turns it into the
/// byte offsets and number forms of `legacy/host-juki`; tested).
pub const HOST_COPYBOOK: &str = include_str!("../data/sample/host-juki.cpy");

const SURNAMES: &str = include_str!("../data/sample/surnames.tsv");
const GIVEN_MALE: &str = include_str!("../data/sample/given_male.tsv");
const GIVEN_FEMALE: &str = include_str!("../data/sample/given_female.tsv");
const TOWNS: &str = include_str!("../data/sample/towns.tsv");
const MUNICIPALITIES: &str = include_str!("../data/sample/municipalities.tsv");

/// The kinds of dirt in the host sample, each on the records whose 1-based number `n`
/// satisfies `n % modulus == residue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HostDirt {
    /// 外字 `80A1`–`80A3` (mapped by the sample's 外字 table) replaces the first character of
    /// the given name: converted, with a `gaiji.map` change.
    GaijiMapped,
    /// 外字 `80A4`, not in the table: rejected (`gaiji.unmapped`).
    GaijiUnmapped,
    /// 異動日 (packed) with a digit nibble `A`: rejected (`number.bad_digit`).
    BadPackedNibble,
    /// 氏名 without its closing A shift (the item ends in double-byte mode): rejected
    /// (`decode.shift`).
    ShiftNotClosed,
    /// 異動日 平成31年5月20日 (`4310520`), after 平成 ended: rejected (`date.after_era`).
    DateHeisei31,
}

impl HostDirt {
    /// Every kind.
    pub const ALL: [HostDirt; 5] = [
        HostDirt::GaijiMapped,
        HostDirt::GaijiUnmapped,
        HostDirt::BadPackedNibble,
        HostDirt::ShiftNotClosed,
        HostDirt::DateHeisei31,
    ];

    /// The name (`gaiji_mapped`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            HostDirt::GaijiMapped => "gaiji_mapped",
            HostDirt::GaijiUnmapped => "gaiji_unmapped",
            HostDirt::BadPackedNibble => "bad_packed_nibble",
            HostDirt::ShiftNotClosed => "shift_not_closed",
            HostDirt::DateHeisei31 => "date_heisei31",
        }
    }

    /// `(modulus, residue)`: the records (1-based `n`) with `n % modulus == residue`.
    pub fn placement(self) -> (u64, u64) {
        match self {
            HostDirt::GaijiMapped => (41, 7),
            HostDirt::GaijiUnmapped => (97, 11),
            HostDirt::BadPackedNibble => (89, 13),
            HostDirt::ShiftNotClosed => (83, 17),
            HostDirt::DateHeisei31 => (79, 19),
        }
    }

    /// Whether a correct conversion rejects the record.
    pub fn rejects(self) -> bool {
        self != HostDirt::GaijiMapped
    }

    /// Whether record `n` (1-based) carries this kind.
    pub fn on(self, n: u64) -> bool {
        let (m, r) = self.placement();
        n % m == r
    }
}

/// What a host sample contains.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostSampleStats {
    /// Records written.
    pub records: u64,
    /// Bytes written (`records × 200`).
    pub bytes: u64,
    /// Records with each kind of dirt, by name.
    pub dirt: std::collections::BTreeMap<&'static str, u64>,
    /// Records a correct conversion rejects (those with at least one rejecting kind).
    pub expected_rejects: u64,
}

/// The entries of a list whose kanji JEF encodes without an IVS sequence (they decode back
/// to themselves alone) and whose reading has half-width kana.
fn names(
    codec: &HostCodec,
    text: &'static str,
    file: &'static str,
) -> Result<Vec<Name>, SampleError> {
    common::names(
        text,
        file,
        |kanji, _| {
            // Round trip: a character JEF gives only as a sequence would not come back alone.
            codec
                .encode(kanji, ItemKind::Double)
                .ok()
                .and_then(|b| codec.decode(&b, ItemKind::Double).ok())
                .is_some_and(|d| d.text == kanji && d.issues.is_empty())
        },
        "no entry encodes in JEF",
    )
}

struct Lists {
    surnames: Vec<Name>,
    male: Vec<Name>,
    female: Vec<Name>,
    towns: Vec<&'static str>,
    cities: Vec<&'static str>,
}

fn lists(codec: &HostCodec) -> Result<Lists, SampleError> {
    let plain = |text: &'static str, col: usize| -> Vec<&'static str> {
        text.lines()
            .filter_map(|l| l.split('\t').nth(col))
            .filter(|t| {
                codec
                    .encode(t, ItemKind::Double)
                    .ok()
                    .and_then(|b| codec.decode(&b, ItemKind::Double).ok())
                    .is_some_and(|d| d.text == *t && d.issues.is_empty())
            })
            .collect()
    };
    Ok(Lists {
        surnames: names(codec, SURNAMES, "surnames.tsv")?,
        male: names(codec, GIVEN_MALE, "given_male.tsv")?,
        female: names(codec, GIVEN_FEMALE, "given_female.tsv")?,
        towns: plain(TOWNS, 0),
        cities: plain(MUNICIPALITIES, 1),
    })
}

/// 元号コード + YYMMDD of a date (1 明治 … 5 令和), as the number `EYYMMDD`.
fn era_code(y: i32, m: u32, d: u32) -> u64 {
    let key = (y, m, d);
    let (code, start) = if key >= (2019, 5, 1) {
        (5, 2018)
    } else if key >= (1989, 1, 8) {
        (4, 1988)
    } else if key >= (1926, 12, 25) {
        (3, 1925)
    } else if key >= (1912, 7, 30) {
        (2, 1911)
    } else {
        (1, 1867)
    };
    let yy = (y - start) as u64;
    code * 1_000_000 + yy * 10_000 + u64::from(m) * 100 + u64::from(d)
}

fn put(rec: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = rec.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

fn build_err(what: &str) -> SampleError {
    common::build_err("host sample", what)
}

pub(crate) fn host_err(source: HostError) -> SampleError {
    SampleError::HostEncoding {
        file: "host sample",
        source,
    }
}

/// Writes `records` host records from `seed` to `out` (buffered in 64 KiB chunks).
///
/// # Errors
/// [`SampleError::Io`] when writing fails; [`SampleError::EmbeddedData`] if the embedded
/// lists cannot give a record, [`SampleError::HostEncoding`] if the JEF tables cannot
/// encode one (build defects).
pub fn write_host_sample<W: io::Write>(
    records: u64,
    seed: u64,
    out: W,
) -> Result<HostSampleStats, SampleError> {
    let codec = HostCodec::for_label(HOST_ENCODING).map_err(host_err)?;
    let l = lists(&codec)?;
    let mut rng = Mix(seed ^ 0x486F_7374_4A75_6B69);
    let mut w = RecordWriter::new(out, HOST_RECORD_LEN, HostDirt::ALL.map(HostDirt::as_str));
    let city = *rng.pick(&l.cities).ok_or_else(|| build_err("no city"))?;
    let (mut head_no, mut left_in_household, mut surname_i) = (0u64, 0u64, 0usize);
    let mut address = String::new();
    let mut postal = 0u64;
    let mut member = 0u32;
    for n in 1..=records {
        let atena = 100_000 + n * 3;
        if left_in_household == 0 {
            left_in_household = 1 + rng.below(4);
            head_no = atena;
            surname_i = rng.below(l.surnames.len() as u64) as usize;
            let town = *rng.pick(&l.towns).ok_or_else(|| build_err("no town"))?;
            let digits = |v: u64| -> String {
                v.to_string()
                    .chars()
                    .map(|c| char::from_u32(0xFF10 + c.to_digit(10).unwrap_or(0)).unwrap_or('０'))
                    .collect()
            };
            let (a, b) = (digits(1 + rng.below(9)), digits(1 + rng.below(30)));
            address = [
                format!("{city}{town}{a}丁目{b}番地"),
                format!("{city}{town}{a}－{b}"),
                format!("{town}{a}－{b}"),
            ]
            .into_iter()
            .find(|t| {
                t.chars().count() <= 30
                    && codec
                        .encode(t, ItemKind::Double)
                        .ok()
                        .and_then(|b| codec.decode(&b, ItemKind::Double).ok())
                        .is_some_and(|d| d.text == *t && d.issues.is_empty())
            })
            .unwrap_or_else(|| town.to_string());
            postal = 1_000_000 + rng.below(8_999_999);
            member = 0;
        }
        left_in_household -= 1;
        member += 1;
        let dirt: Vec<HostDirt> = HostDirt::ALL.into_iter().filter(|d| d.on(n)).collect();
        let mut rec = vec![0x40u8; HOST_RECORD_LEN];
        let pack = |v: u64, digits: u32| {
            encode_packed(i128::from(v), digits, false).ok_or_else(|| build_err("packed"))
        };
        let zone = |v: u64, digits: u32| {
            encode_zoned(
                i128::from(v),
                digits,
                ZonedCharset::Ebcdic,
                SignForm::Unsigned,
            )
            .ok_or_else(|| build_err("zoned"))
        };
        put(&mut rec, 0, &pack(atena, 10)?);
        put(&mut rec, 6, &pack(head_no, 10)?);
        // 住民票コード: 10 digits + check digit; 個人番号: 11 + check digit (blank for some).
        let mut code: Vec<u8> = (0..10).map(|_| rng.below(10) as u8).collect();
        code.push(check_digit(&code));
        let code_v = code.iter().fold(0u64, |a, d| a * 10 + u64::from(*d));
        put(&mut rec, 12, &zone(code_v, 11)?);
        if n % 10 != 3 {
            let mut kb: Vec<u8> = (0..11).map(|_| rng.below(10) as u8).collect();
            kb.push(check_digit(&kb));
            let kb: Vec<u8> = kb.iter().map(|d| 0xF0 + d).collect();
            put(&mut rec, 23, &kb);
        }
        let male = rng.below(2) == 0;
        let given = if male {
            rng.pick(&l.male)
        } else {
            rng.pick(&l.female)
        }
        .ok_or_else(|| build_err("no given name"))?;
        let surname = l
            .surnames
            .get(surname_i)
            .ok_or_else(|| build_err("surname"))?;
        // 氏名 (M): K + 氏 + 全角空白 + 名 + A; a 外字 replaces the first character of 名.
        let mut name_bytes = codec
            .encode(
                &format!("{}　{}", surname.kanji, given.kanji),
                ItemKind::Mixed,
            )
            .map_err(host_err)?;
        let gaiji = if dirt.contains(&HostDirt::GaijiUnmapped) {
            Some([0x80, 0xA4])
        } else if dirt.contains(&HostDirt::GaijiMapped) {
            Some([0x80, 0xA1 + (n / 41 % 3) as u8])
        } else {
            None
        };
        if let Some(g) = gaiji {
            // Shift-in, 氏 (2 bytes a character), 全角空白, then the first character of 名.
            let at = 1 + 2 * surname.kanji.chars().count() + 2;
            put(&mut name_bytes, at, &g);
        }
        if dirt.contains(&HostDirt::ShiftNotClosed) {
            name_bytes.pop();
        }
        if name_bytes.len() > 42 {
            name_bytes.truncate(0);
            name_bytes.extend(
                codec
                    .encode(surname.kanji, ItemKind::Mixed)
                    .map_err(host_err)?,
            );
        }
        put(&mut rec, 35, &name_bytes);
        let kana = format!("{} {}", surname.kana, given.kana);
        let mut kana_bytes = codec.encode(&kana, ItemKind::Mixed).map_err(host_err)?;
        kana_bytes.truncate(30);
        put(&mut rec, 77, &kana_bytes);
        // Dates: born 1930–2019, resident from birth or later, moved since, all by 2025-03-31.
        let by = 1930 + rng.below(90) as i32;
        let (bm, bd) = (1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
        let birth = by as u64 * 10_000 + u64::from(bm) * 100 + u64::from(bd);
        put(&mut rec, 107, &pack(birth, 8)?);
        put(&mut rec, 112, &zone(if male { 1 } else { 2 }, 1)?);
        let zokugara = match member {
            1 => 1,
            2 => 2 + u64::from(!male),
            _ => 4,
        };
        put(&mut rec, 113, &zone(zokugara, 2)?);
        put(&mut rec, 115, &zone(postal, 7)?);
        let mut addr = codec.encode(&address, ItemKind::Double).map_err(host_err)?;
        let pad = codec.encode("　", ItemKind::Double).map_err(host_err)?;
        while addr.len() < 60 {
            addr.extend_from_slice(&pad);
        }
        addr.truncate(60);
        put(&mut rec, 122, &addr);
        let jy = (by + rng.below(3) as i32).min(2024);
        let jumin = era_code(jy, bm, bd);
        put(&mut rec, 182, &zone(jumin, 7)?);
        let iy = (jy + rng.below((2025 - jy).max(1) as u64) as i32).min(2024);
        let ido = if dirt.contains(&HostDirt::DateHeisei31) {
            4_310_520
        } else {
            era_code(iy, bm, bd).max(jumin)
        };
        let mut ido_bytes = pack(ido, 7)?;
        if dirt.contains(&HostDirt::BadPackedNibble) {
            if let Some(b) = ido_bytes.get_mut(1) {
                *b = (*b & 0x0F) | 0xA0;
            }
        }
        put(&mut rec, 189, &ido_bytes);
        put(&mut rec, 193, &zone(if member == 1 { 1 } else { 2 }, 2)?);
        put(&mut rec, 195, &zone(1, 1)?);
        w.write(
            &[&rec],
            dirt.iter().map(|d| d.as_str()),
            dirt.iter().any(|d| d.rejects()),
        )?;
    }
    let w = w.finish()?;
    Ok(HostSampleStats {
        records: w.records,
        bytes: w.bytes,
        dirt: w.dirt,
        expected_rejects: w.expected_rejects,
    })
}
