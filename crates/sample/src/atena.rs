//! The 住登外者 宛名 sample (issue #13): a synthetic legacy export of 住登外者 (people not in
//! the 住民基本台帳 of the municipality) in the bundled `legacy/sample-atena` layout — fixed
//! 500-byte CP932 records with CRLF, full-width text padded with U+3000, half-width カナ
//! readings, 生年月日 as 元号コード + YYMMDD (和暦), 外字 F040–F045 (the bundled
//! `sample-juki.csv` 外字 table maps F040–F042 and leaves F045 unmapped), trailing spaces.
//! The bundled profile `sample-atena` converts it into the official デジタル庁 layout
//! `standard/jutogai-atena-kihon`.
//!
//! The records `n` with `n % 13 == 5` that carry no dirt are 外国人住登外者 (alphabet name in half-width ASCII, sometimes a
//! kanji name). Dirt sits at fixed, documented records (see [`AtenaDirt`]): each kind on
//! the records whose 1-based number `n` has `n % modulus == residue`, Japanese records only.
//! Deterministic for a seed; streams with bounded memory.

use super::common::{self, Mix, Name, RecordWriter};
use super::data::cp932;
use super::SampleError;
use ikou_cleanse::checkdigit::{individual_number_check_digit, lg_code_check_digit};
use std::io;

/// The layout the 宛名 sample follows.
pub const ATENA_LAYOUT_ID: &str = "legacy/sample-atena";
/// The bundled profile that converts it.
pub const ATENA_PROFILE_ID: &str = "sample-atena";
/// The official target layout of that profile.
pub const ATENA_TARGET_ID: &str = "standard/jutogai-atena-kihon";
/// Bytes of one record, without its CRLF.
pub const ATENA_RECORD_LEN: usize = 500;
/// Bytes of one record with its CRLF.
pub const ATENA_LINE_LEN: usize = ATENA_RECORD_LEN + 2;

const SURNAMES: &str = include_str!("../data/sample/surnames.tsv");
const GIVEN_MALE: &str = include_str!("../data/sample/given_male.tsv");
const GIVEN_FEMALE: &str = include_str!("../data/sample/given_female.tsv");
const TOWNS: &str = include_str!("../data/sample/towns.tsv");
const MUNICIPALITIES: &str = include_str!("../data/sample/municipalities.tsv");

/// Byte ranges (offset, length) of the items of `legacy/sample-atena`, by item key, in
/// record order. A test checks them against the bundled layout.
pub const ATENA_ITEMS: [(&str, usize, usize); 27] = [
    ("atena_no", 0, 10),
    ("kojin_bango", 10, 12),
    ("kokuseki_kubun", 22, 1),
    ("shimei", 23, 40),
    ("uji", 63, 20),
    ("mei", 83, 20),
    ("shimei_kana", 103, 40),
    ("eiji_shimei", 143, 40),
    ("gaikoku_kanji_shimei", 183, 30),
    ("sex", 213, 1),
    ("birth_date", 214, 7),
    ("birth_fusho", 221, 30),
    ("lg_code", 251, 6),
    ("choaza_code", 257, 7),
    ("todofuken", 264, 8),
    ("shikuchoson", 272, 24),
    ("choaza", 296, 36),
    ("banchi", 332, 40),
    ("katagaki", 372, 40),
    ("katagaki_kana", 412, 40),
    ("postal_code", 452, 7),
    ("daihyo_kubun", 459, 1),
    ("nayose_saki", 460, 10),
    ("sosa_id", 470, 10),
    ("sosa_date", 480, 8),
    ("sosa_time", 488, 8),
    ("filler", 496, 4),
];

fn at(key: &str) -> (usize, usize) {
    ATENA_ITEMS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, o, l)| (*o, *l))
        .unwrap_or((0, 0))
}

/// The kinds of dirt in the 宛名 sample, each on the records whose 1-based number `n`
/// satisfies `n % modulus == residue` (Japanese records only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AtenaDirt {
    /// 外字 `F040`–`F042` (mapped by `sample-juki.csv`) in 氏 (and 氏名): converted, with
    /// `gaiji.map` changes.
    GaijiMapped,
    /// 外字 `F045`, not in the table, in 氏 (and 氏名): rejected (`gaiji.unmapped`).
    GaijiUnmapped,
    /// 生年月日 with day `00` (a 不詳日): the official 生年月日 does not allow one, rejected
    /// (`target.unknown_date`).
    BirthPartial,
    /// 生年月日 blank with a full-width 不詳表記: converted (生年月日_不詳表記 carries it).
    BirthUnknownNoted,
    /// 生年月日 blank and no 不詳表記: rejected (`target.conditional` on
    /// 生年月日_不詳表記).
    BirthUnknownBare,
    /// 生年月日 blank and the 不詳表記 keyed in half-width (`S30ﾈﾝｺﾞﾛ`): rejected
    /// (`target.fullwidth`).
    FushoHalfwidth,
    /// 生年月日 昭和64年2月以降 (`364MMDD`): rejected (`date.after_era`).
    BirthShowa64,
    /// 操作者ID keyed in full-width (`ＯＰ１２３４`): rejected (`target.halfwidth`).
    OperatorFullwidth,
    /// 操作時刻 as `HHMMSS` without colons: converts, written `HH:MM:SS` in the official
    /// TIME item as a recorded change (`time.to_iso`).
    TimeNoColons,
    /// 代表区分 `1` (非代表宛名, a 名寄せ元) without 名寄せ先宛名番号: rejected
    /// (`target.conditional` on 名寄せ先宛名番号).
    NayoseMissing,
    /// A Japanese 住登外者 with 氏名 but no 氏: rejected (`target.conditional` on 氏_日本人).
    UjiMissing,
    /// 町字コード of a 町字 (not `0000000`) but 町字 blank: rejected (`target.conditional` on
    /// 住所_町字).
    ChoazaMissing,
    /// 代表区分 `3`, not in std031-002: rejected (`target.code`).
    BadDaihyo,
    /// 宛名番号 repeating the previous record's: both records rejected (`check.duplicate`).
    DuplicateAtena,
}

impl AtenaDirt {
    /// Every kind.
    pub const ALL: [AtenaDirt; 14] = [
        AtenaDirt::GaijiMapped,
        AtenaDirt::GaijiUnmapped,
        AtenaDirt::BirthPartial,
        AtenaDirt::BirthUnknownNoted,
        AtenaDirt::BirthUnknownBare,
        AtenaDirt::FushoHalfwidth,
        AtenaDirt::BirthShowa64,
        AtenaDirt::OperatorFullwidth,
        AtenaDirt::TimeNoColons,
        AtenaDirt::NayoseMissing,
        AtenaDirt::UjiMissing,
        AtenaDirt::ChoazaMissing,
        AtenaDirt::BadDaihyo,
        AtenaDirt::DuplicateAtena,
    ];

    /// The name (`gaiji_mapped`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AtenaDirt::GaijiMapped => "gaiji_mapped",
            AtenaDirt::GaijiUnmapped => "gaiji_unmapped",
            AtenaDirt::BirthPartial => "birth_partial",
            AtenaDirt::BirthUnknownNoted => "birth_unknown_noted",
            AtenaDirt::BirthUnknownBare => "birth_unknown_bare",
            AtenaDirt::FushoHalfwidth => "fusho_halfwidth",
            AtenaDirt::BirthShowa64 => "birth_showa64",
            AtenaDirt::OperatorFullwidth => "operator_fullwidth",
            AtenaDirt::TimeNoColons => "time_no_colons",
            AtenaDirt::NayoseMissing => "nayose_missing",
            AtenaDirt::UjiMissing => "uji_missing",
            AtenaDirt::ChoazaMissing => "choaza_missing",
            AtenaDirt::BadDaihyo => "bad_daihyo",
            AtenaDirt::DuplicateAtena => "duplicate_atena",
        }
    }

    /// `(modulus, residue)`: the records (1-based `n`) with `n % modulus == residue`.
    pub fn placement(self) -> (u64, u64) {
        match self {
            AtenaDirt::GaijiMapped => (74, 3),
            AtenaDirt::GaijiUnmapped => (142, 9),
            AtenaDirt::BirthPartial => (86, 11),
            AtenaDirt::BirthUnknownNoted => (94, 13),
            AtenaDirt::BirthUnknownBare => (106, 17),
            AtenaDirt::FushoHalfwidth => (118, 19),
            AtenaDirt::BirthShowa64 => (122, 23),
            AtenaDirt::OperatorFullwidth => (134, 29),
            AtenaDirt::TimeNoColons => (146, 31),
            AtenaDirt::NayoseMissing => (158, 37),
            AtenaDirt::UjiMissing => (166, 41),
            AtenaDirt::ChoazaMissing => (178, 43),
            AtenaDirt::BadDaihyo => (194, 47),
            AtenaDirt::DuplicateAtena => (202, 53),
        }
    }

    /// The reject id a correct conversion gives the record (`None`: it converts).
    pub fn reason(self) -> Option<&'static str> {
        match self {
            AtenaDirt::GaijiMapped | AtenaDirt::BirthUnknownNoted | AtenaDirt::TimeNoColons => None,
            AtenaDirt::GaijiUnmapped => Some("gaiji.unmapped"),
            AtenaDirt::BirthPartial => Some("target.unknown_date"),
            AtenaDirt::BirthUnknownBare
            | AtenaDirt::NayoseMissing
            | AtenaDirt::UjiMissing
            | AtenaDirt::ChoazaMissing => Some("target.conditional"),
            AtenaDirt::FushoHalfwidth => Some("target.fullwidth"),
            AtenaDirt::BirthShowa64 => Some("date.after_era"),
            AtenaDirt::OperatorFullwidth => Some("target.halfwidth"),
            AtenaDirt::BadDaihyo => Some("target.code"),
            AtenaDirt::DuplicateAtena => Some("check.duplicate"),
        }
    }

    /// Kinds that change the same items: on one record only the first (in [`AtenaDirt::ALL`]
    /// order) of a group applies.
    fn group(self) -> u8 {
        match self {
            AtenaDirt::GaijiMapped | AtenaDirt::GaijiUnmapped => 1,
            AtenaDirt::BirthPartial
            | AtenaDirt::BirthUnknownNoted
            | AtenaDirt::BirthUnknownBare
            | AtenaDirt::FushoHalfwidth
            | AtenaDirt::BirthShowa64 => 2,
            AtenaDirt::NayoseMissing | AtenaDirt::BadDaihyo => 3,
            _ => 0,
        }
    }

    /// Whether record `n` (1-based) carries this kind: `n % modulus == residue`, unless an
    /// earlier kind of the same group (the 外字 kinds; the 生年月日 kinds; 代表区分) is on it.
    pub fn on(self, n: u64) -> bool {
        AtenaDirt::of(n).contains(&self)
    }

    /// The kinds record `n` carries.
    pub fn of(n: u64) -> Vec<AtenaDirt> {
        let mut out: Vec<AtenaDirt> = Vec::new();
        for d in AtenaDirt::ALL {
            let (m, r) = d.placement();
            if n % m == r && (d.group() == 0 || !out.iter().any(|o| o.group() == d.group())) {
                out.push(d);
            }
        }
        out
    }
}

/// Whether record `n` (1-based) is a 外国人住登外者 (`n % 13 == 5`, records without dirt).
pub fn atena_is_foreign(n: u64) -> bool {
    n % 13 == 5 && AtenaDirt::of(n).is_empty()
}

/// What a 宛名 sample contains.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AtenaSampleStats {
    /// Records written.
    pub records: u64,
    /// Bytes written (`records × 502`).
    pub bytes: u64,
    /// 外国人住登外者 records.
    pub foreign: u64,
    /// Records with each kind of dirt, by name.
    pub dirt: std::collections::BTreeMap<&'static str, u64>,
    /// Records a correct conversion rejects (with a duplicate 宛名番号, both records).
    pub expected_rejects: u64,
}

fn build_err(what: &str) -> SampleError {
    common::build_err("atena sample", what)
}

/// The names of a list that CP932 encodes, at most 4 characters, with a reading of at most
/// 12 half-width kana.
fn names(text: &'static str, file: &'static str) -> Result<Vec<Name>, SampleError> {
    common::names(
        text,
        file,
        |kanji, half| {
            cp932(kanji, &mut Vec::new()).is_ok() && kanji.chars().count() <= 4 && half.len() <= 12
        },
        "no name encodes in CP932",
    )
}

/// 外字 surnames: (氏, reading, the kanji the 外字 replaces, its CP932 code).
const GAIJI_SURNAMES: [(&str, &str, char, u16); 4] = [
    ("吉田", "ﾖｼﾀﾞ", '吉', 0xF040),
    ("高橋", "ﾀｶﾊｼ", '高', 0xF041),
    ("山崎", "ﾔﾏｻﾞｷ", '崎', 0xF042),
    ("渡辺", "ﾜﾀﾅﾍﾞ", '辺', 0xF045),
];

/// 外国人住登外者: (alphabet name, reading, kanji name).
const FOREIGNERS: [(&str, &str, &str); 6] = [
    ("SMITH JOHN", "ｽﾐｽ ｼﾞｮﾝ", ""),
    ("GARCIA MARIA", "ｶﾞﾙｼｱ ﾏﾘｱ", ""),
    ("NGUYEN VAN AN", "ｸﾞｴﾝ ｳﾞｧﾝ ｱﾝ", ""),
    ("KIM MINJUN", "ｷﾑ ﾐﾝｼﾞｭﾝ", "金　敏俊"),
    ("WANG WEI", "ﾜﾝ ｳｪｲ", "王　偉"),
    ("SILVA ANA", "ｼﾙﾊﾞ ｱﾅ", ""),
];

/// 方書 (building names) and their readings.
const BUILDINGS: [(&str, &str); 4] = [
    ("コーポさくら", "ｺｰﾎﾟｻｸﾗ"),
    ("メゾン緑ヶ丘", "ﾒｿﾞﾝﾐﾄﾞﾘｶﾞｵｶ"),
    ("ハイツ青葉", "ﾊｲﾂｱｵﾊﾞ"),
    ("山田方", "ﾔﾏﾀﾞｶﾀ"),
];

/// 元号コード + YYMMDD (1 明治 … 5 令和) of a date, as 7 ASCII digits.
fn era_code(y: i32, m: u32, d: u32) -> String {
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
    format!("{code}{:02}{m:02}{d:02}", y - start)
}

fn fullwidth_digits(v: u64) -> String {
    v.to_string()
        .chars()
        .map(|c| char::from_u32(0xFF10 + c.to_digit(10).unwrap_or(0)).unwrap_or('０'))
        .collect()
}

/// Writes `text` into the item `key` of `rec`, padded with `pad` (CP932 bytes: `0x20` or
/// `0x81 0x40`) and cut at a character boundary if it is too long.
fn put_text(rec: &mut [u8], key: &str, text: &str, full: bool) -> Result<(), SampleError> {
    let (off, len) = at(key);
    let mut b = Vec::new();
    cp932(text, &mut b).map_err(|c| build_err(&format!("{c:?} does not encode in CP932")))?;
    if b.len() > len {
        // Cut at a character boundary (whole characters only).
        let mut keep = 0;
        let mut i = 0;
        while i < b.len() {
            let w = if matches!(b.get(i), Some(0x81..=0x9F | 0xE0..=0xFC)) {
                2
            } else {
                1
            };
            if i + w > len {
                break;
            }
            i += w;
            keep = i;
        }
        b.truncate(keep);
    }
    while b.len() < len {
        if full && b.len() + 2 <= len {
            b.extend_from_slice(&[0x81, 0x40]);
        } else {
            b.push(b' ');
        }
    }
    if let Some(dst) = rec.get_mut(off..off + len) {
        dst.copy_from_slice(&b);
    }
    Ok(())
}

/// Replaces the CP932 bytes of `base` (the first occurrence) in item `key` by `code`.
fn put_gaiji(rec: &mut [u8], key: &str, base: char, code: u16) {
    let (off, len) = at(key);
    let mut b = Vec::new();
    if cp932(&base.to_string(), &mut b).is_err() || b.len() != 2 {
        return;
    }
    let Some(item) = rec.get_mut(off..off + len) else {
        return;
    };
    let mut i = 0;
    while i + 1 < item.len() {
        let lead = matches!(item.get(i), Some(0x81..=0x9F | 0xE0..=0xFC));
        if lead && item.get(i..i + 2) == Some(&b[..]) {
            item[i] = (code >> 8) as u8;
            item[i + 1] = (code & 0xFF) as u8;
            return;
        }
        i += if lead { 2 } else { 1 };
    }
}

/// Writes `records` 宛名 records from `seed` to `out` (buffered in 64 KiB chunks).
///
/// # Errors
/// [`SampleError::Io`] when writing fails; [`SampleError::EmbeddedData`] if the embedded
/// lists cannot give a record (a build defect).
pub fn write_atena_sample<W: io::Write>(
    records: u64,
    seed: u64,
    out: W,
) -> Result<AtenaSampleStats, SampleError> {
    let surnames = names(SURNAMES, "surnames.tsv")?;
    let male = names(GIVEN_MALE, "given_male.tsv")?;
    let female = names(GIVEN_FEMALE, "given_female.tsv")?;
    let towns: Vec<&'static str> = TOWNS
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|t| t.chars().count() <= 12 && cp932(t, &mut Vec::new()).is_ok())
        .collect();
    let cities: Vec<(usize, &'static str, &'static str)> = MUNICIPALITIES
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let (p, c) = l.split_once('\t')?;
            (p.chars().count() <= 4 && c.chars().count() <= 12).then_some((i, p, c))
        })
        .collect();
    let mut rng = Mix(seed ^ 0x4174_656E_6153_6D70);
    let mut w = RecordWriter::new(out, ATENA_LINE_LEN, AtenaDirt::ALL.map(AtenaDirt::as_str));
    let mut foreign_records = 0;
    let &(city_i, pref, city) = rng.pick(&cities).ok_or_else(|| build_err("no city"))?;
    // A made-up 5-digit code per municipality with its check digit (not a real code).
    let lg5 = [1u8, (city_i / 10) as u8 % 10, (city_i % 10) as u8, 2, 1];
    let lg_code = format!(
        "{}{}",
        lg5.iter().map(|d| char::from(b'0' + d)).collect::<String>(),
        lg_code_check_digit(&lg5)
    );
    let mut prev_atena = String::new();
    let mut prev_rejected = false;
    for n in 1..=records {
        let dirt = AtenaDirt::of(n);
        let has = |d: AtenaDirt| dirt.contains(&d);
        let foreign = atena_is_foreign(n);
        let mut rec = vec![b' '; ATENA_RECORD_LEN];
        let atena = if has(AtenaDirt::DuplicateAtena) && !prev_atena.is_empty() {
            prev_atena.clone()
        } else {
            format!("{:010}", 200_000 + n * 7)
        };
        put_text(&mut rec, "atena_no", &atena, false)?;
        // 個人番号: 11 digits + check digit; blank for 1 record in 6 (not known).
        if n % 6 != 4 {
            let mut kb = [0u8; 11];
            for d in kb.iter_mut() {
                *d = rng.below(10) as u8;
            }
            let check = individual_number_check_digit(&kb);
            let s: String = kb
                .iter()
                .chain(std::iter::once(&check))
                .map(|d| char::from(b'0' + d))
                .collect();
            put_text(&mut rec, "kojin_bango", &s, false)?;
        }
        put_text(
            &mut rec,
            "kokuseki_kubun",
            if foreign { "2" } else { "1" },
            false,
        )?;
        let is_male = rng.below(2) == 0;
        if foreign {
            let (alpha, kana, kanji) = *rng
                .pick(&FOREIGNERS)
                .ok_or_else(|| build_err("no foreigner"))?;
            let shown: String = if kanji.is_empty() {
                alpha
                    .chars()
                    .map(|c| {
                        if c == ' ' {
                            '　'
                        } else {
                            char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
                        }
                    })
                    .collect()
            } else {
                kanji.to_string()
            };
            put_text(&mut rec, "shimei", &shown, true)?;
            put_text(&mut rec, "uji", "", true)?;
            put_text(&mut rec, "mei", "", true)?;
            put_text(&mut rec, "shimei_kana", kana, false)?;
            // Keyed in half-width ASCII: the profile folds it to full-width (a change).
            put_text(&mut rec, "eiji_shimei", alpha, false)?;
            put_text(&mut rec, "gaikoku_kanji_shimei", kanji, true)?;
        } else {
            let given = if is_male {
                rng.pick(&male)
            } else {
                rng.pick(&female)
            }
            .ok_or_else(|| build_err("no given name"))?;
            let plain = rng.pick(&surnames).ok_or_else(|| build_err("no surname"))?;
            let gaiji = if has(AtenaDirt::GaijiUnmapped) {
                GAIJI_SURNAMES.get(3)
            } else if has(AtenaDirt::GaijiMapped) {
                GAIJI_SURNAMES.get((n / 74 % 3) as usize)
            } else {
                None
            };
            let (uji, uji_kana) = match gaiji {
                Some((k, r, _, _)) => (*k, r.to_string()),
                None => (plain.kanji, plain.kana.clone()),
            };
            put_text(&mut rec, "shimei", &format!("{uji}　{}", given.kanji), true)?;
            let shown_uji = if has(AtenaDirt::UjiMissing) { "" } else { uji };
            put_text(&mut rec, "uji", shown_uji, true)?;
            put_text(&mut rec, "mei", given.kanji, true)?;
            put_text(
                &mut rec,
                "shimei_kana",
                &format!("{uji_kana} {}", given.kana),
                false,
            )?;
            put_text(&mut rec, "eiji_shimei", "", false)?;
            put_text(&mut rec, "gaikoku_kanji_shimei", "", true)?;
            if let Some((_, _, base, code)) = gaiji {
                put_gaiji(&mut rec, "shimei", *base, *code);
                put_gaiji(&mut rec, "uji", *base, *code);
            }
        }
        // 性別: 1 男, 2 女, 9 不明 (1 in 50) — the legacy codes, translated by the profile.
        let sex = if n % 50 == 21 {
            "9"
        } else if is_male {
            "1"
        } else {
            "2"
        };
        put_text(&mut rec, "sex", sex, false)?;
        let by = 1935 + rng.below(75) as i32;
        let (bm, bd) = (1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
        let unknown = has(AtenaDirt::BirthUnknownNoted)
            || has(AtenaDirt::BirthUnknownBare)
            || has(AtenaDirt::FushoHalfwidth);
        let birth = if unknown {
            String::new()
        } else if has(AtenaDirt::BirthShowa64) {
            format!("364{:02}{:02}", 2 + rng.below(11), 1 + rng.below(28))
        } else if has(AtenaDirt::BirthPartial) {
            let mut e = era_code(by, bm, bd);
            e.replace_range(5..7, "00");
            e
        } else {
            era_code(by, bm, bd)
        };
        put_text(&mut rec, "birth_date", &birth, false)?;
        let fusho = if has(AtenaDirt::BirthUnknownNoted) {
            "生年月日不詳（昭和３０年頃）"
        } else if has(AtenaDirt::FushoHalfwidth) {
            "S30ﾈﾝｺﾞﾛ"
        } else {
            ""
        };
        put_text(
            &mut rec,
            "birth_fusho",
            fusho,
            !has(AtenaDirt::FushoHalfwidth),
        )?;
        put_text(&mut rec, "lg_code", &lg_code, false)?;
        let town = *rng.pick(&towns).ok_or_else(|| build_err("no town"))?;
        // 1 record in 29: an address without 町字 (町字コード 0000000, 町字 blank).
        let no_choaza = n % 29 == 4 && !has(AtenaDirt::ChoazaMissing);
        let choaza_code = if no_choaza {
            "0000000".to_string()
        } else {
            format!("{:07}", 1 + rng.below(9_999_998))
        };
        put_text(&mut rec, "choaza_code", &choaza_code, false)?;
        put_text(&mut rec, "todofuken", pref, true)?;
        put_text(&mut rec, "shikuchoson", city, true)?;
        let choaza = if no_choaza || has(AtenaDirt::ChoazaMissing) {
            String::new()
        } else {
            format!("{town}{}丁目", fullwidth_digits(1 + rng.below(5)))
        };
        put_text(&mut rec, "choaza", &choaza, true)?;
        let banchi = format!(
            "{}番{}号",
            fullwidth_digits(1 + rng.below(30)),
            fullwidth_digits(1 + rng.below(20))
        );
        put_text(&mut rec, "banchi", &banchi, true)?;
        if n % 4 == 1 {
            let (building, reading) = *rng
                .pick(&BUILDINGS)
                .ok_or_else(|| build_err("no building"))?;
            put_text(&mut rec, "katagaki", building, true)?;
            put_text(&mut rec, "katagaki_kana", reading, false)?;
        } else {
            put_text(&mut rec, "katagaki", "", true)?;
        }
        put_text(
            &mut rec,
            "postal_code",
            &format!("{:07}", 1_000_000 + rng.below(8_999_999)),
            false,
        )?;
        // 代表区分: 0 代表宛名; 1 非代表宛名 (名寄せ元, 1 record in 31) with its 名寄せ先.
        let nayose = (n % 31 == 7 && n > 1) || has(AtenaDirt::NayoseMissing);
        let daihyo = if has(AtenaDirt::BadDaihyo) {
            "3"
        } else if nayose {
            "1"
        } else {
            "0"
        };
        put_text(&mut rec, "daihyo_kubun", daihyo, false)?;
        if nayose && !has(AtenaDirt::NayoseMissing) {
            put_text(
                &mut rec,
                "nayose_saki",
                &format!("{:010}", 200_000 + (n / 2).max(1) * 7),
                false,
            )?;
        }
        let op = format!("OP{:04}", 1 + rng.below(40));
        let op = if has(AtenaDirt::OperatorFullwidth) {
            op.chars()
                .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
                .collect()
        } else {
            op
        };
        put_text(&mut rec, "sosa_id", &op, false)?;
        let (sy, sm, sd) = (2020 + rng.below(5), 1 + rng.below(12), 1 + rng.below(28));
        put_text(&mut rec, "sosa_date", &format!("{sy}{sm:02}{sd:02}"), false)?;
        let (hh, mm, ss) = (8 + rng.below(10), rng.below(60), rng.below(60));
        let time = if has(AtenaDirt::TimeNoColons) {
            format!("{hh:02}{mm:02}{ss:02}")
        } else if n % 7 == 2 {
            // Seconds are optional in TIME.
            format!("{hh:02}:{mm:02}")
        } else {
            format!("{hh:02}:{mm:02}:{ss:02}")
        };
        put_text(&mut rec, "sosa_time", &time, false)?;
        let rejected = dirt.iter().any(|d| d.reason().is_some());
        w.write(&[&rec, b"\r\n"], dirt.iter().map(|d| d.as_str()), rejected)?;
        foreign_records += u64::from(foreign);
        if has(AtenaDirt::DuplicateAtena) && !prev_rejected && n > 1 {
            // The earlier record with the same 宛名番号 is rejected too.
            w.expected_rejects += 1;
        }
        prev_rejected = rejected;
        prev_atena = atena;
    }
    let w = w.finish()?;
    Ok(AtenaSampleStats {
        records: w.records,
        bytes: w.bytes,
        foreign: foreign_records,
        dirt: w.dirt,
        expected_rejects: w.expected_rejects,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn items_tile_the_record() {
        let mut end = 0;
        for (k, off, len) in ATENA_ITEMS {
            assert_eq!(off, end, "{k}");
            end = off + len;
        }
        assert_eq!(end, ATENA_RECORD_LEN);
    }

    #[test]
    fn deterministic_fixed_length_and_dirt_where_documented() {
        let mut a = Vec::new();
        let s = write_atena_sample(1000, 3, &mut a).unwrap();
        let mut b = Vec::new();
        write_atena_sample(1000, 3, &mut b).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        write_atena_sample(1000, 4, &mut c).unwrap();
        assert_ne!(a, c, "another seed, other residents");
        assert_eq!(a.len(), 1000 * ATENA_LINE_LEN);
        assert_eq!(s.bytes, a.len() as u64);
        for line in a.chunks(ATENA_LINE_LEN) {
            assert_eq!(&line[ATENA_RECORD_LEN..], b"\r\n");
        }
        for d in AtenaDirt::ALL {
            let on = (1..=1000).filter(|n| d.on(*n)).count() as u64;
            assert_eq!(s.dirt[d.as_str()], on, "{d:?}");
            let (m, r) = d.placement();
            assert!(
                on + 2 >= 1000 / m && on <= 1000 / m + u64::from(1000 % m >= r),
                "{d:?}"
            );
        }
        assert!(s.foreign > 50, "{s:?}");
        // Record 3 carries a mapped 外字 (F040–F042) in 氏名.
        let rec = &a[2 * ATENA_LINE_LEN..3 * ATENA_LINE_LEN];
        let (off, len) = at("shimei");
        assert!(rec[off..off + len]
            .windows(2)
            .any(|w| w[0] == 0xF0 && (0x40..=0x42).contains(&w[1])));
        // Record 31 has HHMMSS, record 2 HH:MM.
        let time = |n: usize| {
            let (o, l) = at("sosa_time");
            let r = &a[(n - 1) * ATENA_LINE_LEN..];
            String::from_utf8(r[o..o + l].to_vec()).unwrap()
        };
        assert_eq!(time(31).trim_end().len(), 6);
        assert_eq!(time(2).trim_end().len(), 5);
        // The duplicate repeats the previous record's 宛名番号.
        let atena = |n: usize| &a[(n - 1) * ATENA_LINE_LEN..(n - 1) * ATENA_LINE_LEN + 10];
        assert_eq!(atena(53), atena(52));
        assert_ne!(atena(52), atena(51));
    }
}
