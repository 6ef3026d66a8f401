//! Synthetic legacy 住民記録 files in the `legacy/sample-juki` layout, with the dirt real
//! exports have — for tests, demos and benchmarks (`ikou sample`).
//!
//! The output is what a vendor's 住基 system would export: fixed 300-byte CP932 records
//! followed by CRLF, every item padded to its byte length (full-width text with U+3000
//! `0x8140`, half-width kana and digits with `0x20`), households (世帯) of 1–6 residents sharing
//! 世帯番号 and 住所, dates as 元号コード + YYMMDD. Most records are clean; at configurable,
//! documented rates (see [`Dirt`] and `docs/SAMPLE.md`) a record carries one or more kinds of
//! dirt: half-width kana where kanji belong, 外字 bytes (`F040`–`F04F`), impossible 和暦 dates,
//! unknown codes, missing values, bad check digits, duplicate keys, households without a head…
//!
//! Everything is deterministic for a seed: the generator uses its own PRNG (xoshiro256**
//! seeded through splitmix64) and nothing that depends on time, hashing or threads. Dirt is
//! placed by *jittered systematic sampling*: a kind with rate `r` occurs once in every block
//! of `1/r` records at a random place in the block, so a file of `N` records holds
//! `round(N × r)` (± 1) records of that kind — rates are exact, not just expected, and even
//! the 1,000-record sample shows every kind with rate ≥ 0.001.
//!
//! Generation streams: memory stays flat whatever the record count (one household in memory,
//! a 64 KiB output buffer).
//!
//! # Example
//! ```
//! use ikou_sample::{write_sample, Dirt, SampleConfig, LINE_LEN};
//!
//! let config = SampleConfig::new(1_000, 1);
//! let mut file = Vec::new();
//! let stats = write_sample(&config, &mut file).unwrap();
//! assert_eq!(file.len(), 1_000 * LINE_LEN);
//! assert_eq!(stats.records, 1_000);
//! assert!(stats.count(Dirt::UnknownZokugara) >= 1);
//! assert!(stats.clean_records > 850);
//! // Same seed, same bytes.
//! let mut again = Vec::new();
//! write_sample(&config, &mut again).unwrap();
//! assert_eq!(file, again);
//! ```

#![deny(missing_docs)]

pub mod atena;
mod common;
mod data;
mod gen;
pub mod host;
#[cfg(test)]
mod tests;

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};
use std::fmt;
use std::io;
use std::str::FromStr;

pub use gen::{SampleRecord, Sampler};

/// The answer key of a sample whose dirt sits at fixed records (`--truth` of `--kind
/// host-juki` and `--kind atena`): `record,offset,dirt`, one line per record with dirt, the
/// kinds joined by `;`. `line_len` is the bytes of one record with its line end.
pub fn truth_csv(
    records: u64,
    line_len: u64,
    kinds_of: impl Fn(u64) -> Vec<&'static str>,
) -> String {
    let mut t = String::from("record,offset,dirt\n");
    for n in 1..=records {
        let kinds = kinds_of(n);
        if !kinds.is_empty() {
            t.push_str(&format!("{n},{},{}\n", (n - 1) * line_len, kinds.join(";")));
        }
    }
    t
}

/// The layout the generated files follow.
pub const LAYOUT_ID: &str = "legacy/sample-juki";
/// Bytes of one record, without its line terminator.
pub const RECORD_LEN: usize = 300;
/// Bytes of one record with its CRLF.
pub const LINE_LEN: usize = RECORD_LEN + 2;
/// The day the synthetic export was taken (西暦 year, month, day): every date in a file is on
/// or before it. Fixed, so that output never depends on the clock.
pub const AS_OF: (i32, u32, u32) = (2025, 3, 31);

/// Byte ranges (offset, length) of the items of `legacy/sample-juki`, by item key. A test
/// checks them against the bundled layout.
pub mod items {
    /// 宛名番号 (digits, 10).
    pub const ATENA_NO: (usize, usize) = (0, 10);
    /// 世帯番号 (digits, 10).
    pub const SETAI_NO: (usize, usize) = (10, 10);
    /// 住民票コード (11 digits).
    pub const JUMINHYO_CODE: (usize, usize) = (20, 11);
    /// 個人番号 (12 digits).
    pub const KOJIN_BANGO: (usize, usize) = (31, 12);
    /// 氏名 (full-width, 40 bytes).
    pub const SHIMEI: (usize, usize) = (43, 40);
    /// 氏名カナ (half-width kana, 40 bytes).
    pub const SHIMEI_KANA: (usize, usize) = (83, 40);
    /// 生年月日 (元号コード + YYMMDD).
    pub const BIRTH_DATE: (usize, usize) = (123, 7);
    /// 性別.
    pub const SEX: (usize, usize) = (130, 1);
    /// 続柄.
    pub const ZOKUGARA: (usize, usize) = (131, 2);
    /// 郵便番号.
    pub const POSTAL_CODE: (usize, usize) = (133, 7);
    /// 住所 (full-width, 80 bytes).
    pub const ADDRESS: (usize, usize) = (140, 80);
    /// 方書 (full-width, 40 bytes).
    pub const KATAGAKI: (usize, usize) = (220, 40);
    /// 住民となった日.
    pub const JUMIN_DATE: (usize, usize) = (260, 7);
    /// 異動日.
    pub const IDO_DATE: (usize, usize) = (267, 7);
    /// 異動事由.
    pub const IDO_JIYU: (usize, usize) = (274, 2);
    /// 消除日 (blank when not 消除).
    pub const SHOJO_DATE: (usize, usize) = (276, 7);
    /// 住民状態.
    pub const JUMIN_JOTAI: (usize, usize) = (283, 1);
    /// 予備 (spaces).
    pub const FILLER: (usize, usize) = (284, 16);

    /// Every item as (key, offset, length), in record order.
    pub const ALL: [(&str, usize, usize); 18] = [
        ("atena_no", ATENA_NO.0, ATENA_NO.1),
        ("setai_no", SETAI_NO.0, SETAI_NO.1),
        ("juminhyo_code", JUMINHYO_CODE.0, JUMINHYO_CODE.1),
        ("kojin_bango", KOJIN_BANGO.0, KOJIN_BANGO.1),
        ("shimei", SHIMEI.0, SHIMEI.1),
        ("shimei_kana", SHIMEI_KANA.0, SHIMEI_KANA.1),
        ("birth_date", BIRTH_DATE.0, BIRTH_DATE.1),
        ("sex", SEX.0, SEX.1),
        ("zokugara", ZOKUGARA.0, ZOKUGARA.1),
        ("postal_code", POSTAL_CODE.0, POSTAL_CODE.1),
        ("address", ADDRESS.0, ADDRESS.1),
        ("katagaki", KATAGAKI.0, KATAGAKI.1),
        ("jumin_date", JUMIN_DATE.0, JUMIN_DATE.1),
        ("ido_date", IDO_DATE.0, IDO_DATE.1),
        ("ido_jiyu", IDO_JIYU.0, IDO_JIYU.1),
        ("shojo_date", SHOJO_DATE.0, SHOJO_DATE.1),
        ("jumin_jotai", JUMIN_JOTAI.0, JUMIN_JOTAI.1),
        ("filler", FILLER.0, FILLER.1),
    ];
}

macro_rules! dirt_kinds {
    ($( $(#[$doc:meta])* $variant:ident = ($name:literal, $rate:literal, $what:literal), )*) => {
        /// A kind of dirt the generator puts into some records.
        ///
        /// Each kind has a name (`kana_in_name`, used by `--rate` and in stats), a default
        /// rate (a fraction of records; of households for [`Dirt::HouseholdWithoutHead`]) and a
        /// one-line description. `docs/SAMPLE.md` says what a correct converter does with each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Dirt {
            $( $(#[$doc])* $variant, )*
        }

        impl Dirt {
            /// Every kind, in a fixed order (the order of stats and docs).
            pub const ALL: [Dirt; Dirt::COUNT] = [$(Dirt::$variant,)*];

            /// The kind's name, as used by `--rate NAME=RATE` and in stats.
            pub fn as_str(self) -> &'static str {
                match self { $(Dirt::$variant => $name,)* }
            }

            /// The default rate.
            pub fn default_rate(self) -> f64 {
                match self { $(Dirt::$variant => $rate,)* }
            }

            /// One line saying what the dirt looks like in the file.
            pub fn description(self) -> &'static str {
                match self { $(Dirt::$variant => $what,)* }
            }
        }
    };
}

dirt_kinds! {
    /// 氏名 written in half-width katakana (`ﾔﾏﾀﾞ ﾀﾛｳ`) instead of kanji.
    KanaInName = ("kana_in_name", 0.008, "氏名 holds half-width katakana (the reading) instead of kanji"),
    /// 氏名 starts with a space (U+3000, or a single 0x20 that shifts the rest by one byte).
    NameLeadingSpace = ("name_leading_space", 0.006, "氏名 starts with a full-width or half-width space"),
    /// A run of spaces (full-width, half-width or mixed) between 氏 and 名.
    NameSpaceRun = ("name_space_run", 0.003, "a run of 2–3 spaces (mixed widths) between 氏 and 名"),
    /// A user-defined (外字) character `F040`–`F04F` in 氏 or 名.
    GaijiInName = ("gaiji_in_name", 0.01, "a 外字 byte pair F040–F04F replaces one kanji of the name (see gaiji.csv)"),
    /// An IBM-extension or compatibility ideograph (髙 FBFC, 﨑 FAB1, 塚 FA9C, 神 FB7E, …) in the
    /// name. Not an error: a legally distinct 異体字 a converter must keep.
    VariantKanji = ("variant_kanji", 0.015, "an IBM-extension / compatibility ideograph (髙 﨑 塚 神 濵 栁 德 隆) in the name"),
    /// 氏名カナ padded with full-width spaces (0x8140) instead of 0x20.
    KanaFullwidthPadding = ("kana_fullwidth_padding", 0.008, "氏名カナ padded with full-width spaces 0x8140 instead of 0x20"),
    /// 郵便番号 keyed in full-width digits: three of them fill 6 of the 7 bytes (`１２３ `).
    PostalFullwidth = ("postal_fullwidth", 0.005, "郵便番号 in full-width digits, truncated by the 7-byte item (`１２３` + 0x20)"),
    /// The 丁目/番地 numerals of 住所 in half-width ASCII digits inside the full-width item.
    AddressHalfwidthDigits = ("address_halfwidth_digits", 0.012, "丁目/番地 numerals of 住所 in half-width ASCII digits"),
    /// 番地 written as `１－２－３` with a dash variant: 0x817C －, 0x815D ‐, 0x815C ―, 0x815B ー.
    AddressDashVariant = ("address_dash_variant", 0.015, "住所 番地 as １－２－３ with 0x817C －, 0x815D ‐, 0x815C ― or 0x815B ー"),
    /// A wave dash 0x8160 (～) in 方書 (`サンハイツ～さくら～１０２号室`).
    KatagakiWaveDash = ("katagaki_wave_dash", 0.005, "方書 contains the wave dash 0x8160 ～"),
    /// 生年月日 昭和64年 with a month after January (`3640215`; 昭和 ended on 64年1月7日).
    DateShowa64 = ("date_showa64", 0.002, "生年月日 昭和64年2月以降 (3 64 MM DD), impossible: 昭和 ended 64年1月7日"),
    /// 異動日 平成31年 with a month after April (`4310520`; should be 令和元年).
    DateHeisei31 = ("date_heisei31", 0.004, "異動日 平成31年5月以降 (4 31 MM DD), should be 令和元年"),
    /// 生年月日 with day 30 or 31 of February.
    DateFeb30 = ("date_feb30", 0.002, "生年月日 on 2月30日 or 2月31日"),
    /// 住民となった日 with month 13.
    DateMonth13 = ("date_month13", 0.002, "住民となった日 with month 13"),
    /// 生年月日 with an unknown day (`00`) or unknown month and day (`0000`).
    DatePartial = ("date_partial", 0.006, "生年月日 with day 00, or month and day 0000 (不詳)"),
    /// 異動日 with an era code digit outside 1–5 (`0`, `6`–`9`).
    DateUnknownEra = ("date_unknown_era", 0.002, "異動日 with 元号コード 0 or 6–9"),
    /// 続柄 `88` (not in the code table); never on the 世帯主.
    UnknownZokugara = ("unknown_zokugara", 0.004, "続柄 88, not in the zokugara table"),
    /// 異動事由 `99` (not in the code table).
    UnknownIdoJiyu = ("unknown_ido_jiyu", 0.004, "異動事由 99, not in the ido_jiyu table"),
    /// 氏名 blank (all U+3000).
    MissingName = ("missing_name", 0.002, "required 氏名 blank (all 0x8140)"),
    /// 住民票コード blank (11 spaces).
    MissingResidentCode = ("missing_resident_code", 0.002, "required 住民票コード blank (11 spaces)"),
    /// 個人番号 with a wrong check digit.
    BadCheckDigit = ("bad_check_digit", 0.005, "個人番号 with a wrong check digit"),
    /// 住民票コード equal to that of an earlier record (a different person).
    DuplicateResidentCode = ("duplicate_resident_code", 0.003, "住民票コード repeats an earlier record's"),
    /// A household (世帯) of 2+ members with no 世帯主 (no 続柄 `01`); the rate counts
    /// households, and the flag sits on the household's first record.
    HouseholdWithoutHead = ("household_without_head", 0.01, "a 世帯 of 2+ members without 世帯主 (no 続柄 01); rate per household"),
}

impl Dirt {
    /// How many kinds there are.
    pub const COUNT: usize = 23;

    /// Whether the rate counts households rather than records.
    pub fn per_household(self) -> bool {
        self == Dirt::HouseholdWithoutHead
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Dirt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dirt {
    type Err = SampleError;

    fn from_str(s: &str) -> Result<Dirt, SampleError> {
        Dirt::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| SampleError::UnknownDirt(s.to_string()))
    }
}

/// The set of dirt kinds one record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DirtSet(u32);

impl DirtSet {
    /// No dirt.
    pub const EMPTY: DirtSet = DirtSet(0);

    /// Whether `d` is in the set.
    pub fn contains(self, d: Dirt) -> bool {
        self.0 & d.bit() != 0
    }

    /// Adds `d`.
    pub fn insert(&mut self, d: Dirt) {
        self.0 |= d.bit();
    }

    /// Whether the set is empty (a clean record).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds in the set, in [`Dirt::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Dirt> {
        Dirt::ALL.into_iter().filter(move |d| self.contains(*d))
    }
}

/// The rate of every dirt kind: the fraction of records (of households for
/// [`Dirt::HouseholdWithoutHead`]) that carry it. Defaults: [`Dirt::default_rate`].
#[derive(Debug, Clone, PartialEq)]
pub struct DirtRates([f64; Dirt::COUNT]);

impl Default for DirtRates {
    fn default() -> DirtRates {
        DirtRates(Dirt::ALL.map(Dirt::default_rate))
    }
}

impl DirtRates {
    /// All rates zero: a clean file.
    pub fn none() -> DirtRates {
        DirtRates([0.0; Dirt::COUNT])
    }

    /// The rate of `d`.
    pub fn get(&self, d: Dirt) -> f64 {
        self.0[d as usize]
    }

    /// Sets the rate of `d`.
    ///
    /// # Errors
    /// [`SampleError::InvalidRate`] unless `0 ≤ rate ≤ 1`.
    pub fn set(&mut self, d: Dirt, rate: f64) -> Result<(), SampleError> {
        if !(0.0..=1.0).contains(&rate) {
            return Err(SampleError::InvalidRate { kind: d, rate });
        }
        self.0[d as usize] = rate;
        Ok(())
    }

    /// Parses and applies `NAME=RATE` (as `--rate` takes it).
    ///
    /// # Errors
    /// An unknown name, a rate that is not a number, or out of `0..=1`.
    pub fn set_from_str(&mut self, spec: &str) -> Result<(), SampleError> {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| SampleError::BadRateSpec(spec.to_string()))?;
        let d: Dirt = name.trim().parse()?;
        let rate: f64 = value
            .trim()
            .parse()
            .map_err(|_| SampleError::BadRateSpec(spec.to_string()))?;
        self.set(d, rate)
    }

    /// Every kind with its rate, in [`Dirt::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Dirt, f64)> + '_ {
        Dirt::ALL.into_iter().map(|d| (d, self.get(d)))
    }
}

impl Serialize for DirtRates {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(Dirt::COUNT))?;
        for (d, r) in self.iter() {
            m.serialize_entry(d.as_str(), &r)?;
        }
        m.end()
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleConfig {
    /// Number of records.
    pub records: u64,
    /// The seed: the same seed (and rates) always gives the same bytes.
    pub seed: u64,
    /// The dirt rates.
    pub rates: DirtRates,
}

impl SampleConfig {
    /// `records` records from `seed` with the default rates.
    pub fn new(records: u64, seed: u64) -> SampleConfig {
        SampleConfig {
            records,
            seed,
            rates: DirtRates::default(),
        }
    }
}

/// Counts of what a generated file contains.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SampleStats {
    /// Records written.
    pub records: u64,
    /// Bytes written (`records × 302`).
    pub bytes: u64,
    /// Households (世帯) started; the last one may be cut short by the record count.
    pub households: u64,
    /// Records with no dirt at all.
    pub clean_records: u64,
    /// Records whose 個人番号 is blank on purpose (消除 before 個人番号 existed, 2015-10-05):
    /// the item is optional, so this is not dirt.
    pub blank_kojin_bango: u64,
    counts: [u64; Dirt::COUNT],
    gaiji: [u64; 16],
}

impl SampleStats {
    /// How many records carry `d` (households for [`Dirt::HouseholdWithoutHead`]).
    pub fn count(&self, d: Dirt) -> u64 {
        self.counts[d as usize]
    }

    /// Every kind with its count, in [`Dirt::ALL`] order.
    pub fn counts(&self) -> impl Iterator<Item = (Dirt, u64)> + '_ {
        Dirt::ALL.into_iter().map(|d| (d, self.count(d)))
    }

    /// How many times the 外字 `code` (`0xF040`–`0xF04F`) was written.
    pub fn gaiji(&self, code: u16) -> u64 {
        match code.checked_sub(0xF040) {
            Some(i) if i < 16 => self.gaiji[i as usize],
            _ => 0,
        }
    }

    /// Records with at least one kind of dirt.
    pub fn dirty_records(&self) -> u64 {
        self.records - self.clean_records
    }

    fn add(&mut self, set: DirtSet) {
        for d in set.iter() {
            self.counts[d as usize] += 1;
        }
    }
}

impl Serialize for SampleStats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Counts<'a>(&'a SampleStats);
        impl Serialize for Counts<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(Dirt::COUNT))?;
                for (d, n) in self.0.counts() {
                    m.serialize_entry(d.as_str(), &n)?;
                }
                m.end()
            }
        }
        struct Gaiji<'a>(&'a SampleStats);
        impl Serialize for Gaiji<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(16))?;
                for (i, n) in self.0.gaiji.iter().enumerate() {
                    m.serialize_entry(&format!("{:04X}", 0xF040 + i), n)?;
                }
                m.end()
            }
        }
        let mut st = s.serialize_struct("SampleStats", 8)?;
        st.serialize_field("records", &self.records)?;
        st.serialize_field("bytes", &self.bytes)?;
        st.serialize_field("households", &self.households)?;
        st.serialize_field("clean_records", &self.clean_records)?;
        st.serialize_field("dirty_records", &self.dirty_records())?;
        st.serialize_field("blank_kojin_bango", &self.blank_kojin_bango)?;
        st.serialize_field("dirt", &Counts(self))?;
        st.serialize_field("gaiji", &Gaiji(self))?;
        st.end()
    }
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SampleError {
    /// Writing the output failed.
    #[error("writing the sample: {0}")]
    Io(#[from] io::Error),
    /// A rate outside `0..=1`.
    #[error("rate of {kind} must be between 0 and 1, got {rate}")]
    InvalidRate {
        /// The kind.
        kind: Dirt,
        /// The rate given.
        rate: f64,
    },
    /// An unknown dirt kind name.
    #[error("unknown dirt kind `{0}` (see `ikou sample --help` or docs/SAMPLE.md)")]
    UnknownDirt(String),
    /// A `--rate` argument that is not `NAME=RATE`.
    #[error("`{0}` is not NAME=RATE with a number RATE")]
    BadRateSpec(String),
    /// The embedded name/address lists are broken (a build problem, not a user error).
    #[error("embedded sample data {file} line {line}: {reason}")]
    EmbeddedData {
        /// The embedded file.
        file: &'static str,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The host code page cannot encode an embedded name or address (a build problem):
    /// the host codec's error is the source.
    #[error("embedded sample data {file}: {source}")]
    HostEncoding {
        /// The sample being built.
        file: &'static str,
        /// The codec's error.
        #[source]
        source: ikou_cleanse::host::HostError,
    },
}

/// Generates `config.records` records and writes them to `out`, streaming (a 64 KiB buffer;
/// `out` needs no buffering of its own). Returns what the file contains.
///
/// # Errors
/// [`SampleError::Io`] when writing fails; [`SampleError::EmbeddedData`] if the embedded lists
/// are broken.
///
/// # Example
/// ```
/// use ikou_sample::{write_sample, DirtRates, SampleConfig};
/// let config = SampleConfig { records: 10, seed: 7, rates: DirtRates::none() };
/// let stats = write_sample(&config, std::io::sink()).unwrap();
/// assert_eq!(stats.clean_records, 10);
/// ```
pub fn write_sample<W: io::Write>(
    config: &SampleConfig,
    mut out: W,
) -> Result<SampleStats, SampleError> {
    const CHUNK: usize = 64 * 1024;
    let mut sampler = Sampler::new(config)?;
    let mut buf = Vec::with_capacity(CHUNK + LINE_LEN);
    while let Some(rec) = sampler.next_record() {
        buf.extend_from_slice(rec.bytes);
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(sampler.stats().clone())
}

/// One entry of the sample's 外字 table (`testdata/sample/gaiji.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GaijiEntry {
    /// The user-defined CP932 code, `0xF040`–`0xF04F`.
    pub code: u16,
    /// The kanji the 外字 stands in for in the generated names (which names can carry it).
    pub base: char,
    /// The replacement as Unicode (with an IVS where the glyph needs one); `None` for the
    /// codes left unmapped on purpose (not yet identified, 文字同定 pending).
    pub replacement: Option<&'static str>,
    /// MJ文字図形名 when known.
    pub mj: &'static str,
    /// A note.
    pub note: &'static str,
}

/// The 外字 the generator writes, in code order. Four codes (`F045`, `F048`, `F04D`, `F04F`)
/// are unmapped on purpose: a converter must report them, never guess.
pub const GAIJI: [GaijiEntry; 16] = data::GAIJI;

/// The 外字 table as CSV (header `code,replacement,mj,note`; UTF-8; LF), listing only the
/// mapped codes — the unmapped ones are absent, as in a real municipality's table.
pub fn gaiji_table_csv() -> String {
    let mut s = String::from("code,replacement,mj,note\n");
    for g in GAIJI.iter() {
        if let Some(r) = g.replacement {
            let fields = [
                format!("{:04X}", g.code),
                csv_field(r),
                csv_field(g.mj),
                csv_field(g.note),
            ];
            s.push_str(&fields.join(","));
            s.push('\n');
        }
    }
    s
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// The check digit of a 個人番号 (over its first 11 digits) or of a 住民票コード (over its
/// first 10): `11 − (Σ Pn×Qn mod 11)`, `Pn` the n-th digit counted from the right, `Qn = n+1`
/// for n ≤ 6 and `n−5` for n ≥ 7; 0 when the remainder is 0 or 1. `digits` are values 0–9.
///
/// # Example
/// ```
/// use ikou_sample::check_digit;
/// assert_eq!(check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]), 8); // 123456789018
/// ```
pub fn check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &p)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(p) * q
        })
        .sum();
    let r = sum % 11;
    if r <= 1 {
        0
    } else {
        (11 - r) as u8
    }
}
