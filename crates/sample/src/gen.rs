//! The generator: households, members, dates, codes and dirt, one record at a time.

use super::data::{cp932, Data, GAIJI, VARIANTS};
use super::items;
use super::{
    check_digit, Dirt, DirtSet, SampleConfig, SampleError, SampleStats, AS_OF, LINE_LEN, RECORD_LEN,
};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// PRNG: xoshiro256** seeded through splitmix64 (both public-domain algorithms by Blackman and
// Vigna). Implemented here so that the output never depends on a crate's version.

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    mix(*x)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut x = seed;
        Rng([
            splitmix(&mut x),
            splitmix(&mut x),
            splitmix(&mut x),
            splitmix(&mut x),
        ])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in `lo..=hi`; `lo` when `hi < lo`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A bijection on `0..10^10` (a 4-round Feistel network on two 5-digit halves): distinct
/// record numbers give distinct, random-looking 10-digit numbers.
fn feistel(key: u64, x: u64) -> u64 {
    const H: u64 = 100_000;
    let x = x % (H * H);
    let (mut l, mut r) = (x / H, x % H);
    for round in 0..4u64 {
        let f = mix(key ^ (round << 56) ^ r) % H;
        let nl = r;
        r = (l + f) % H;
        l = nl;
    }
    l * H + r
}

// ---------------------------------------------------------------------------------------------
// Dates: days since 1970-01-01 (proleptic Gregorian), and 元号コード + YYMMDD.

fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (元号コード, first day, first 西暦 year) — 明治 by the retroactive rule.
const ERAS: [(u8, (i64, i64, i64), i64); 5] = [
    (1, (1868, 1, 25), 1868),
    (2, (1912, 7, 30), 1912),
    (3, (1926, 12, 25), 1926),
    (4, (1989, 1, 8), 1989),
    (5, (2019, 5, 1), 2019),
];

/// A date as written: era code digit, year of era, month, day (any of them may be wrong on
/// purpose).
#[derive(Clone, Copy)]
struct Written(u8, i64, i64, i64);

fn wareki(day: i64) -> Written {
    let (y, m, d) = civil(day);
    let mut code = 1;
    let mut base = 1868;
    for (c, (sy, sm, sd), b) in ERAS {
        if day >= days(sy, sm, sd) {
            code = c;
            base = b;
        }
    }
    Written(code, y - base + 1, m, d)
}

fn put_date(line: &mut [u8], item: (usize, usize), w: Written) {
    let Written(code, yy, mm, dd) = w;
    let v = [
        b'0' + code,
        b'0' + (yy / 10 % 10) as u8,
        b'0' + (yy % 10) as u8,
        b'0' + (mm / 10 % 10) as u8,
        b'0' + (mm % 10) as u8,
        b'0' + (dd / 10 % 10) as u8,
        b'0' + (dd % 10) as u8,
    ];
    put(line, item, &v, Pad::Half);
}

// ---------------------------------------------------------------------------------------------
// Writing items.

#[derive(Clone, Copy, PartialEq)]
enum Pad {
    /// 0x20.
    Half,
    /// 0x8140 pairs (and a final 0x20 if one byte is left).
    Full,
}

/// Writes `value` into the item and pads it. Never splits a double-byte character: a value
/// that does not fit is cut at the last whole character.
fn put(line: &mut [u8], (off, len): (usize, usize), value: &[u8], pad: Pad) {
    let mut n = 0;
    while n < value.len() {
        let lead = value.get(n).copied().unwrap_or(0);
        let w = if matches!(lead, 0x81..=0x9F | 0xE0..=0xFC) {
            2
        } else {
            1
        };
        if n + w > len {
            break;
        }
        n += w;
    }
    let Some(dst) = line.get_mut(off..off + len) else {
        return;
    };
    let (head, tail) = dst.split_at_mut(n);
    head.copy_from_slice(value.get(..n).unwrap_or_default());
    match pad {
        Pad::Half => tail.fill(b' '),
        Pad::Full => {
            let mut pairs = tail.chunks_exact_mut(2);
            for p in &mut pairs {
                p.copy_from_slice(&[0x81, 0x40]);
            }
            pairs.into_remainder().fill(b' ');
        }
    }
}

fn put_digits(line: &mut [u8], (off, len): (usize, usize), mut value: u64) {
    if let Some(dst) = line.get_mut(off..off + len) {
        for b in dst.iter_mut().rev() {
            *b = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Numerals {
    Full,
    Ascii,
}

fn push_number(out: &mut Vec<u8>, n: u32, style: Numerals) {
    let s = n.to_string();
    for b in s.bytes() {
        match style {
            Numerals::Full => out.extend_from_slice(&[0x82, 0x4F + (b - b'0')]),
            Numerals::Ascii => out.push(b),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed words, encoded once.

const PREFIXES: [&str; 12] = [
    "サン",
    "グリーン",
    "パーク",
    "メゾン",
    "ロイヤル",
    "第一",
    "第二",
    "アーバン",
    "コスモ",
    "緑ケ丘",
    "桜台",
    "ＳＫ",
];
const BUILDING_TYPES: [&str; 7] = ["ハイツ", "コーポ", "荘", "ハイム", "コート", "ビル", "団地"];
const NICKNAMES: [&str; 5] = ["さくら", "ひかり", "翠", "楓", "青葉"];
/// 0x817C －, 0x815D ‐, 0x815C ―, 0x815B ー.
const DASHES: [[u8; 2]; 4] = [[0x81, 0x7C], [0x81, 0x5D], [0x81, 0x5C], [0x81, 0x5B]];
const WAVE_DASH: [u8; 2] = [0x81, 0x60];
const IDEO_SPACE: [u8; 2] = [0x81, 0x40];

struct Words {
    chome: Vec<u8>,
    banchi: Vec<u8>,
    ban: Vec<u8>,
    go: Vec<u8>,
    goshitsu: Vec<u8>,
    kata: Vec<u8>,
    prefixes: Vec<Vec<u8>>,
    types: Vec<Vec<u8>>,
    nicknames: Vec<Vec<u8>>,
    variants: Vec<[u8; 2]>,
}

fn enc(s: &str) -> Result<Vec<u8>, SampleError> {
    let mut v = Vec::new();
    cp932(s, &mut v).map_err(|c| SampleError::EmbeddedData {
        file: "sample/gen.rs",
        line: 0,
        reason: format!("U+{:04X} is not in CP932", c as u32),
    })?;
    Ok(v)
}

impl Words {
    fn new() -> Result<Words, SampleError> {
        let list = |l: &[&str]| l.iter().map(|s| enc(s)).collect::<Result<Vec<_>, _>>();
        let mut variants = Vec::new();
        for (_, v) in VARIANTS {
            let b = enc(&v.to_string())?;
            variants.push([
                b.first().copied().unwrap_or(0x81),
                b.get(1).copied().unwrap_or(0x40),
            ]);
        }
        Ok(Words {
            chome: enc("丁目")?,
            banchi: enc("番地")?,
            ban: enc("番")?,
            go: enc("号")?,
            goshitsu: enc("号室")?,
            kata: enc("方")?,
            prefixes: list(&PREFIXES)?,
            types: list(&BUILDING_TYPES)?,
            nicknames: list(&NICKNAMES)?,
            variants,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Dirt scheduling: jittered systematic sampling.

#[derive(Clone, Copy)]
struct Schedule {
    period: f64,
    base: f64,
    next: u64,
}

impl Schedule {
    fn new(rate: f64, rng: &mut Rng) -> Schedule {
        if rate <= 0.0 {
            return Schedule {
                period: 0.0,
                base: 0.0,
                next: u64::MAX,
            };
        }
        let period = 1.0 / rate;
        Schedule {
            period,
            base: 0.0,
            next: (rng.unit() * period) as u64,
        }
    }

    fn due(&self, index: u64) -> bool {
        index >= self.next
    }

    fn advance(&mut self, rng: &mut Rng) {
        self.base += self.period;
        self.next = (self.base + rng.unit() * self.period) as u64;
    }
}

// ---------------------------------------------------------------------------------------------
// Households and members.

const ZOKU_HEAD: u8 = 1;

#[derive(Clone, Copy)]
struct Member {
    zokugara: u8,
    male: bool,
    birth: i64,
    surname: usize,
    given: usize,
}

#[derive(Clone, Copy)]
enum Katagaki {
    None,
    Apartment {
        prefix: usize,
        kind: usize,
        room: u32,
    },
    CareOf {
        surname: usize,
    },
}

#[derive(Clone, Copy)]
struct Household {
    first_atena: u64,
    town: usize,
    chome: u32,
    banchi: u32,
    go: u32,
    /// 0: 丁目・番地; 1: 丁目・番・号.
    form: u8,
    katagaki: Katagaki,
}

/// One generated record.
#[derive(Debug, Clone, Copy)]
pub struct SampleRecord<'a> {
    /// 1-based record number.
    pub number: u64,
    /// Byte offset of the record in the file.
    pub offset: u64,
    /// The record's 302 bytes (300 + CRLF).
    pub bytes: &'a [u8],
    /// The dirt this record carries.
    pub dirt: DirtSet,
}

/// Generates records one at a time — for callers who want each record's [`DirtSet`] (an
/// answer key for end-to-end tests) or their own output. [`super::write_sample`] is this
/// plus a buffer.
///
/// # Example
/// ```
/// use ikou_sample::{Dirt, SampleConfig, Sampler};
/// let mut s = Sampler::new(&SampleConfig::new(500, 3)).unwrap();
/// let mut unknown = 0;
/// while let Some(r) = s.next_record() {
///     if r.dirt.contains(Dirt::UnknownZokugara) {
///         assert_eq!(&r.bytes[131..133], b"88");
///         unknown += 1;
///     }
/// }
/// assert_eq!(unknown, s.stats().count(Dirt::UnknownZokugara));
/// ```
pub struct Sampler {
    records: u64,
    rng: Rng,
    data: Arc<Data>,
    words: Words,
    muni: usize,
    towns: Vec<(usize, u64)>,
    sched: [Schedule; Dirt::COUNT],
    key_code: u64,
    key_kojin: u64,
    next_atena: u64,
    ring: Vec<u64>,
    ring_pos: usize,
    members: Vec<Member>,
    lines: Vec<u8>,
    dirt: Vec<DirtSet>,
    pos: usize,
    produced: u64,
    households: u64,
    stats: SampleStats,
    scratch: Vec<u8>,
}

const RING: usize = 64;

impl Sampler {
    /// A generator for `config`.
    ///
    /// # Errors
    /// [`SampleError::EmbeddedData`] if the embedded lists are broken.
    pub fn new(config: &SampleConfig) -> Result<Sampler, SampleError> {
        let data = Arc::new(Data::load()?);
        let words = Words::new()?;
        let mut rng = Rng::new(config.seed);
        let sched = Dirt::ALL.map(|d| Schedule::new(config.rates.get(d), &mut rng));
        let muni = rng.index(data.municipalities.len());
        // 30 towns of the municipality, each with its own made-up 郵便番号.
        let prefix = 100 + rng.below(900);
        let mut pool: Vec<usize> = (0..data.towns.len()).collect();
        let mut towns = Vec::new();
        for _ in 0..30.min(pool.len()) {
            let i = rng.index(pool.len());
            let t = pool.swap_remove(i);
            towns.push((t, prefix * 10_000 + rng.below(10_000)));
        }
        let key_code = rng.next();
        let key_kojin = rng.next();
        let next_atena = 100_000 + rng.below(900_000);
        Ok(Sampler {
            records: config.records,
            rng,
            data,
            words,
            muni,
            towns,
            sched,
            key_code,
            key_kojin,
            next_atena,
            ring: Vec::with_capacity(RING),
            ring_pos: 0,
            members: Vec::with_capacity(7),
            lines: Vec::with_capacity(7 * LINE_LEN),
            dirt: Vec::with_capacity(7),
            pos: 0,
            produced: 0,
            households: 0,
            stats: SampleStats::default(),
            scratch: Vec::with_capacity(128),
        })
    }

    /// What has been generated so far (all of it once [`Sampler::next_record`] returned
    /// `None`).
    pub fn stats(&self) -> &SampleStats {
        &self.stats
    }

    /// The next record, or `None` after `config.records` records.
    pub fn next_record(&mut self) -> Option<SampleRecord<'_>> {
        if self.pos >= self.dirt.len() {
            if self.produced >= self.records {
                return None;
            }
            self.household();
            if self.dirt.is_empty() {
                return None;
            }
        }
        let i = self.pos;
        self.pos += 1;
        let number = self.produced - (self.dirt.len() - i) as u64 + 1;
        Some(SampleRecord {
            number,
            offset: (number - 1) * LINE_LEN as u64,
            bytes: self
                .lines
                .get(i * LINE_LEN..(i + 1) * LINE_LEN)
                .unwrap_or_default(),
            dirt: self.dirt.get(i).copied().unwrap_or_default(),
        })
    }

    fn age_to_birth(&mut self, age: i64) -> i64 {
        let as_of = days(i64::from(AS_OF.0), i64::from(AS_OF.1), i64::from(AS_OF.2));
        as_of - age * 365 - age / 4 - self.rng.range(0, 364)
    }

    fn given(&mut self, male: bool) -> usize {
        let n = if male {
            self.data.male.len()
        } else {
            self.data.female.len()
        };
        self.rng.index(n)
    }

    fn member(&mut self, zokugara: u8, male: bool, age: i64, surname: usize) -> Member {
        Member {
            zokugara,
            male,
            birth: self.age_to_birth(age.clamp(0, 100)),
            surname,
            given: self.given(male),
        }
    }

    /// Generates the next household into `lines`/`dirt` (cut to the records still wanted).
    fn household(&mut self) {
        self.lines.clear();
        self.dirt.clear();
        self.pos = 0;
        self.households += 1;
        self.stats.households = self.households;

        let size = {
            let r = self.rng.below(100);
            match r {
                0..=34 => 1,
                35..=62 => 2,
                63..=79 => 3,
                80..=92 => 4,
                93..=97 => 5,
                _ => 6,
            }
        };
        let hh_index = self.households - 1;
        let headless_slot = Dirt::HouseholdWithoutHead as usize;
        let headless = size >= 2 && self.sched[headless_slot].due(hh_index);
        if headless {
            self.sched[headless_slot].advance(&mut self.rng);
        }

        // Members.
        self.members.clear();
        let surname = self.rng.index(self.data.surnames.len());
        let head_male = self.rng.chance(0.75);
        let head_age = 20 + self.rng.range(0, 38) + self.rng.range(0, 38);
        let head = self.member(ZOKU_HEAD, head_male, head_age, surname);
        self.members.push(head);
        let mut parents = 0;
        let mut children = 0;
        for slot in 1..size {
            let m = if slot == 1 && self.rng.chance(0.8) {
                let age = (head_age + self.rng.range(-8, 4)).max(18);
                self.member(if head_male { 2 } else { 3 }, !head_male, age, surname)
            } else if head_age >= 65 && children > 0 && self.rng.chance(0.3) {
                let male = self.rng.chance(0.5);
                let age = self.rng.range(0, (head_age - 45).max(1));
                self.member(7, male, age, surname)
            } else if parents < 2 && head_age < 50 && self.rng.chance(0.12) {
                parents += 1;
                let age = head_age + 22 + self.rng.range(0, 14);
                // 父 first, then 母.
                let father = parents == 1 && self.rng.chance(0.5);
                self.member(if father { 5 } else { 6 }, father, age, surname)
            } else if self.rng.chance(0.03) {
                let other = self.rng.index(self.data.surnames.len());
                let male = self.rng.chance(0.5);
                let age = self.rng.range(20, 80);
                self.member(20, male, age, other)
            } else if self.rng.chance(0.03) {
                let male = self.rng.chance(0.5);
                let age = (head_age + self.rng.range(-10, 10)).max(0);
                let code = match (male, age > head_age) {
                    (true, true) => 10,
                    (false, true) => 11,
                    (true, false) => 12,
                    (false, false) => 13,
                };
                self.member(code, male, age, surname)
            } else {
                children += 1;
                let male = self.rng.chance(0.5);
                let age = self.rng.range(0, (head_age - 18).clamp(1, 50));
                self.member(4, male, age, surname)
            };
            self.members.push(m);
        }

        // The dwelling.
        let town = self.rng.index(self.towns.len());
        let katagaki = match self.rng.below(100) {
            0..=29 => Katagaki::Apartment {
                prefix: self.rng.index(PREFIXES.len()),
                kind: self.rng.index(BUILDING_TYPES.len()),
                room: (1 + self.rng.below(9) as u32) * 100 + 1 + self.rng.below(12) as u32,
            },
            30..=32 => Katagaki::CareOf {
                surname: self.rng.index(self.data.surnames.len()),
            },
            _ => Katagaki::None,
        };
        let hh = Household {
            first_atena: self.next_atena,
            town,
            chome: if self.rng.chance(0.6) {
                1 + self.rng.below(6) as u32
            } else {
                0
            },
            banchi: 1 + self.rng.below(40) as u32,
            go: if self.rng.chance(0.7) {
                1 + self.rng.below(30) as u32
            } else {
                0
            },
            form: u8::from(self.rng.chance(0.3)),
            katagaki,
        };
        self.next_atena += size as u64 + self.rng.below(3);

        let start = usize::from(headless);
        let members = std::mem::take(&mut self.members);
        for (i, m) in members.iter().enumerate().skip(start) {
            if self.produced >= self.records {
                break;
            }
            let mut flags = DirtSet::EMPTY;
            if headless && i == start {
                flags.insert(Dirt::HouseholdWithoutHead);
            }
            self.record(m, i as u64, &hh, flags);
        }
        self.members = members;
    }

    fn due(&self, d: Dirt) -> bool {
        self.sched[d as usize].due(self.produced)
    }

    /// Decides, generates and appends one record.
    fn record(&mut self, m: &Member, member_index: u64, hh: &Household, mut flags: DirtSet) {
        let data = Arc::clone(&self.data);
        let surname = &data.surnames[m.surname];
        let given = if m.male {
            &data.male[m.given]
        } else {
            &data.female[m.given]
        };

        // 1. Which dirt applies to this record (a due kind that cannot apply waits for the next
        //    record).
        let want = |d: Dirt, ok: bool, flags: &mut DirtSet| {
            if ok && self.sched[d as usize].due(self.produced) {
                flags.insert(d);
                true
            } else {
                false
            }
        };
        let whole_name =
            want(Dirt::MissingName, true, &mut flags) || want(Dirt::KanaInName, true, &mut flags);
        let gaiji_choices: Vec<usize> = if !whole_name && self.due(Dirt::GaijiInName) {
            (0..GAIJI.len())
                .filter(|&i| {
                    surname.text.contains(GAIJI[i].base) || given.text.contains(GAIJI[i].base)
                })
                .collect()
        } else {
            Vec::new()
        };
        let variant_choices: Vec<usize> = if !whole_name && self.due(Dirt::VariantKanji) {
            (0..VARIANTS.len())
                .filter(|&i| {
                    surname.text.contains(VARIANTS[i].0) || given.text.contains(VARIANTS[i].0)
                })
                .collect()
        } else {
            Vec::new()
        };
        let _ = want(Dirt::GaijiInName, !gaiji_choices.is_empty(), &mut flags)
            || want(Dirt::VariantKanji, !variant_choices.is_empty(), &mut flags);
        want(Dirt::NameLeadingSpace, !whole_name, &mut flags);
        want(Dirt::NameSpaceRun, !whole_name, &mut flags);
        want(Dirt::KanaFullwidthPadding, true, &mut flags);
        want(Dirt::PostalFullwidth, true, &mut flags);
        let _ = want(Dirt::AddressHalfwidthDigits, true, &mut flags)
            || want(
                Dirt::AddressDashVariant,
                hh.chome > 0 || hh.go > 0,
                &mut flags,
            );
        want(
            Dirt::KatagakiWaveDash,
            matches!(hh.katagaki, Katagaki::Apartment { .. }),
            &mut flags,
        );
        let _ = want(Dirt::DateShowa64, true, &mut flags)
            || want(Dirt::DateFeb30, true, &mut flags)
            || want(Dirt::DatePartial, true, &mut flags);
        let birth_real = if flags.contains(Dirt::DateShowa64) {
            days(1989, 2, 1) + self.rng.range(0, 333)
        } else {
            m.birth
        };
        let _ = want(
            Dirt::DateHeisei31,
            birth_real <= days(2019, 12, 31),
            &mut flags,
        ) || want(Dirt::DateUnknownEra, true, &mut flags);
        want(Dirt::DateMonth13, true, &mut flags);
        want(Dirt::UnknownZokugara, m.zokugara != ZOKU_HEAD, &mut flags);
        want(Dirt::UnknownIdoJiyu, true, &mut flags);
        let _ = want(Dirt::MissingResidentCode, true, &mut flags)
            || want(
                Dirt::DuplicateResidentCode,
                !self.ring.is_empty(),
                &mut flags,
            );
        want(Dirt::BadCheckDigit, true, &mut flags);

        let mut line = [b' '; LINE_LEN];
        line[RECORD_LEN] = b'\r';
        line[RECORD_LEN + 1] = b'\n';

        // 2. Numbers.
        let atena = hh.first_atena + member_index;
        put_digits(&mut line, items::ATENA_NO, atena);
        put_digits(&mut line, items::SETAI_NO, hh.first_atena);
        if !flags.contains(Dirt::MissingResidentCode) {
            let code10 = if flags.contains(Dirt::DuplicateResidentCode) {
                self.ring[self.rng.index(self.ring.len())]
            } else {
                let c = feistel(self.key_code, self.produced);
                if self.ring.len() < RING {
                    self.ring.push(c);
                } else {
                    self.ring[self.ring_pos] = c;
                    self.ring_pos = (self.ring_pos + 1) % RING;
                }
                c
            };
            let digits = digits_of(code10, 10);
            let cd = check_digit(&digits);
            put_digits(&mut line, items::JUMINHYO_CODE, code10 * 10 + u64::from(cd));
        }

        // 3. Dates and events.
        let as_of = days(i64::from(AS_OF.0), i64::from(AS_OF.1), i64::from(AS_OF.2));
        let since = days(1980, 1, 1);
        let mut jumin;
        let mut first_jiyu;
        if birth_real >= since && self.rng.chance(0.35) {
            jumin = birth_real;
            first_jiyu = 2;
        } else {
            jumin = self.rng.range(birth_real.max(since), as_of);
            first_jiyu = if self.rng.chance(0.03) { 4 } else { 1 };
        }
        let (ido, jiyu, jotai, shojo);
        if flags.contains(Dirt::DateHeisei31) {
            let d = self
                .rng
                .range(birth_real.max(days(2019, 5, 1)), days(2019, 12, 31));
            if jumin > d {
                jumin = self.rng.range(birth_real.max(since), d);
                first_jiyu = if jumin == birth_real { 2 } else { 1 };
            }
            ido = d;
            jiyu = if jumin == d { first_jiyu } else { 11 };
            jotai = 1;
            shojo = None;
        } else if m.zokugara != ZOKU_HEAD
            && !flags.contains(Dirt::BadCheckDigit)
            && self.rng.chance(0.08)
        {
            let d = self.rng.range(jumin, as_of);
            let age = (d - birth_real) / 365;
            let (j, s) = if age >= 60 && self.rng.chance(0.4) {
                (22, 3)
            } else {
                match self.rng.below(10) {
                    0..=6 => (21, 2),
                    7 | 8 => (24, 2),
                    _ => (23, 4),
                }
            };
            ido = d;
            jiyu = j;
            jotai = s;
            shojo = Some(d);
        } else if self.rng.chance(0.45) {
            ido = self.rng.range(jumin, as_of);
            jiyu = match self.rng.below(20) {
                0..=11 => 11,
                12..=14 => 12,
                15 | 16 => 13,
                _ => 14,
            };
            jotai = 1;
            shojo = None;
        } else {
            ido = jumin;
            jiyu = first_jiyu;
            jotai = 1;
            shojo = None;
        }

        let birth_w = if flags.contains(Dirt::DateShowa64) {
            let (_, mm, dd) = civil(birth_real);
            Written(3, 64, mm, dd)
        } else if flags.contains(Dirt::DateFeb30) {
            let (y, _, _) = civil(birth_real);
            let Written(code, yy, _, _) = wareki(days(y, 2, 28));
            Written(code, yy, 2, 30 + self.rng.range(0, 1))
        } else if flags.contains(Dirt::DatePartial) {
            let Written(code, yy, mm, _) = wareki(birth_real);
            let mm = if self.rng.chance(0.4) { 0 } else { mm };
            Written(code, yy, mm, 0)
        } else {
            wareki(birth_real)
        };
        put_date(&mut line, items::BIRTH_DATE, birth_w);
        let jumin_w = if flags.contains(Dirt::DateMonth13) {
            let Written(code, yy, _, dd) = wareki(jumin);
            Written(code, yy, 13, dd)
        } else {
            wareki(jumin)
        };
        put_date(&mut line, items::JUMIN_DATE, jumin_w);
        let ido_w = if flags.contains(Dirt::DateHeisei31) {
            let (_, mm, dd) = civil(ido);
            Written(4, 31, mm, dd)
        } else if flags.contains(Dirt::DateUnknownEra) {
            let Written(_, yy, mm, dd) = wareki(ido);
            Written([0, 6, 7, 8, 9][self.rng.index(5)], yy, mm, dd)
        } else {
            wareki(ido)
        };
        put_date(&mut line, items::IDO_DATE, ido_w);
        if let Some(s) = shojo {
            put_date(&mut line, items::SHOJO_DATE, wareki(s));
        }
        let jiyu = if flags.contains(Dirt::UnknownIdoJiyu) {
            99
        } else {
            jiyu
        };
        put_digits(&mut line, items::IDO_JIYU, jiyu);
        put_digits(&mut line, items::JUMIN_JOTAI, jotai);

        // 個人番号: none for people 消除 before it existed (2015-10-05).
        if shojo.is_some_and(|s| s < days(2015, 10, 5)) {
            self.stats.blank_kojin_bango += 1;
        } else {
            let lower = feistel(self.key_kojin, self.produced);
            let n11 = (1 + self.rng.below(9)) * 10_000_000_000 + lower;
            let mut cd = check_digit(&digits_of(n11, 11));
            if flags.contains(Dirt::BadCheckDigit) {
                cd = (cd + 1 + self.rng.below(9) as u8) % 10;
            }
            put_digits(&mut line, items::KOJIN_BANGO, n11 * 10 + u64::from(cd));
        }

        // 4. 性別, 続柄.
        line[items::SEX.0] = if m.male { b'1' } else { b'2' };
        let zoku = if flags.contains(Dirt::UnknownZokugara) {
            88
        } else {
            m.zokugara
        };
        put_digits(&mut line, items::ZOKUGARA, u64::from(zoku));

        // 5. 氏名 and 氏名カナ.
        let mut kana = std::mem::take(&mut self.scratch);
        kana.clear();
        kana.extend_from_slice(&surname.kana);
        kana.push(b' ');
        kana.extend_from_slice(&given.kana);
        let mut name = Vec::with_capacity(48);
        if flags.contains(Dirt::MissingName) {
            // blank
        } else if flags.contains(Dirt::KanaInName) {
            name.extend_from_slice(&kana);
        } else {
            if flags.contains(Dirt::NameLeadingSpace) {
                if self.rng.chance(0.7) {
                    name.extend_from_slice(&IDEO_SPACE);
                } else {
                    name.push(b' ');
                }
            }
            // A replacement for one kanji: (base character, bytes).
            let mut swap: Option<(char, [u8; 2])> = None;
            if flags.contains(Dirt::GaijiInName) {
                let g = &GAIJI[gaiji_choices[self.rng.index(gaiji_choices.len())]];
                self.stats.gaiji[(g.code - 0xF040) as usize] += 1;
                swap = Some((g.base, g.code.to_be_bytes()));
            } else if flags.contains(Dirt::VariantKanji) {
                let i = variant_choices[self.rng.index(variant_choices.len())];
                swap = Some((VARIANTS[i].0, self.words.variants[i]));
            }
            let mut done = false;
            push_name(&mut name, surname, swap, &mut done);
            if flags.contains(Dirt::NameSpaceRun) {
                let runs: [&[u8]; 4] = [
                    &[0x81, 0x40, 0x81, 0x40],
                    &[0x81, 0x40, 0x81, 0x40, 0x81, 0x40],
                    &[0x81, 0x40, b' ', b' '],
                    b"  ",
                ];
                name.extend_from_slice(runs[self.rng.index(runs.len())]);
            } else {
                name.extend_from_slice(&IDEO_SPACE);
            }
            push_name(&mut name, given, swap, &mut done);
        }
        put(&mut line, items::SHIMEI, &name, Pad::Full);
        let kana_pad = if flags.contains(Dirt::KanaFullwidthPadding) {
            Pad::Full
        } else {
            Pad::Half
        };
        put(&mut line, items::SHIMEI_KANA, &kana, kana_pad);

        // 6. 郵便番号, 住所, 方書.
        let (town_idx, postal) = self.towns[hh.town];
        if flags.contains(Dirt::PostalFullwidth) {
            let mut v = Vec::with_capacity(7);
            push_number(&mut v, (postal / 10_000) as u32, Numerals::Full);
            put(&mut line, items::POSTAL_CODE, &v, Pad::Half);
        } else {
            put_digits(&mut line, items::POSTAL_CODE, postal);
        }
        kana.clear();
        let addr = &mut kana;
        addr.extend_from_slice(&self.data.municipalities[self.muni]);
        addr.extend_from_slice(&self.data.towns[town_idx].kanji);
        if flags.contains(Dirt::AddressDashVariant) {
            let dash = DASHES[self.rng.index(DASHES.len())];
            let parts = [hh.chome, hh.banchi, hh.go];
            let mut first = true;
            for p in parts.into_iter().filter(|&p| p > 0) {
                if !first {
                    addr.extend_from_slice(&dash);
                }
                push_number(addr, p, Numerals::Full);
                first = false;
            }
        } else {
            let style = if flags.contains(Dirt::AddressHalfwidthDigits) {
                Numerals::Ascii
            } else {
                Numerals::Full
            };
            if hh.chome > 0 {
                push_number(addr, hh.chome, style);
                addr.extend_from_slice(&self.words.chome);
            }
            push_number(addr, hh.banchi, style);
            if hh.form == 1 && hh.go > 0 {
                addr.extend_from_slice(&self.words.ban);
                push_number(addr, hh.go, style);
                addr.extend_from_slice(&self.words.go);
            } else {
                addr.extend_from_slice(&self.words.banchi);
                if hh.go > 0 {
                    push_number(addr, hh.go, style);
                }
            }
        }
        put(&mut line, items::ADDRESS, addr, Pad::Full);
        addr.clear();
        match hh.katagaki {
            Katagaki::None => {}
            Katagaki::Apartment { prefix, kind, room } => {
                addr.extend_from_slice(&self.words.prefixes[prefix]);
                addr.extend_from_slice(&self.words.types[kind]);
                if flags.contains(Dirt::KatagakiWaveDash) {
                    let nick = self.rng.index(self.words.nicknames.len());
                    addr.extend_from_slice(&WAVE_DASH);
                    addr.extend_from_slice(&self.words.nicknames[nick]);
                    addr.extend_from_slice(&WAVE_DASH);
                }
                push_number(addr, room, Numerals::Full);
                addr.extend_from_slice(&self.words.goshitsu);
            }
            Katagaki::CareOf { surname } => {
                addr.extend_from_slice(&self.data.surnames[surname].kanji);
                addr.extend_from_slice(&self.words.kata);
            }
        }
        put(&mut line, items::KATAGAKI, addr, Pad::Full);
        self.scratch = kana;

        // 7. Book-keeping.
        for d in flags.iter() {
            if !d.per_household() {
                self.sched[d as usize].advance(&mut self.rng);
            }
        }
        self.stats.add(flags);
        self.stats.records += 1;
        self.stats.bytes += LINE_LEN as u64;
        if flags.is_empty() {
            self.stats.clean_records += 1;
        }
        self.produced += 1;
        self.lines.extend_from_slice(&line);
        self.dirt.push(flags);
    }
}

/// The `n` decimal digits of `v` (most significant first).
fn digits_of(mut v: u64, n: usize) -> Vec<u8> {
    let mut d = vec![0u8; n];
    for x in d.iter_mut().rev() {
        *x = (v % 10) as u8;
        v /= 10;
    }
    d
}

/// Appends a name's kanji bytes, replacing the first occurrence of `swap`'s base character
/// (once across 氏 and 名, tracked by `done`).
fn push_name(
    out: &mut Vec<u8>,
    e: &super::data::Entry,
    swap: Option<(char, [u8; 2])>,
    done: &mut bool,
) {
    match swap {
        Some((base, bytes)) if !*done => {
            if let Some(pos) = e.text.chars().position(|c| c == base) {
                *done = true;
                out.extend_from_slice(e.kanji.get(..pos * 2).unwrap_or_default());
                out.extend_from_slice(&bytes);
                out.extend_from_slice(e.kanji.get(pos * 2 + 2..).unwrap_or_default());
                return;
            }
            out.extend_from_slice(&e.kanji);
        }
        _ => out.extend_from_slice(&e.kanji),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feistel_is_a_bijection_on_a_sample() {
        let mut seen = std::collections::BTreeSet::new();
        for x in 0..20_000 {
            let y = feistel(42, x);
            assert!(y < 10_000_000_000);
            assert!(seen.insert(y), "collision at {x}");
        }
    }

    #[test]
    fn calendar_round_trip_and_eras() {
        for z in [-1_000_000i64, -36_500, 0, 1, 18_000, 20_000, 50_000] {
            let (y, m, d) = civil(z);
            assert_eq!(days(y, m, d), z);
        }
        let w = |y, m, d| {
            let Written(c, yy, mm, dd) = wareki(days(y, m, d));
            (c, yy, mm, dd)
        };
        assert_eq!(w(1989, 1, 7), (3, 64, 1, 7));
        assert_eq!(w(1989, 1, 8), (4, 1, 1, 8));
        assert_eq!(w(2019, 4, 30), (4, 31, 4, 30));
        assert_eq!(w(2019, 5, 1), (5, 1, 5, 1));
        assert_eq!(w(1926, 12, 24), (2, 15, 12, 24));
        assert_eq!(w(1926, 12, 25), (3, 1, 12, 25));
        assert_eq!(w(1912, 7, 29), (1, 45, 7, 29));
        assert_eq!(w(1912, 7, 30), (2, 1, 7, 30));
    }

    #[test]
    fn put_pads_and_never_splits_a_character() {
        let mut line = [0u8; 10];
        put(
            &mut line,
            (0, 5),
            &[0x88, 0x9F, 0x88, 0x9F, 0x88, 0x9F],
            Pad::Full,
        );
        assert_eq!(&line[..5], &[0x88, 0x9F, 0x88, 0x9F, b' ']);
        put(&mut line, (0, 6), b"A", Pad::Full);
        assert_eq!(&line[..6], &[b'A', 0x81, 0x40, 0x81, 0x40, b' ']);
        put(&mut line, (0, 4), b"12", Pad::Half);
        assert_eq!(&line[..4], b"12  ");
    }

    #[test]
    fn schedules_hit_the_rate_exactly() {
        let mut rng = Rng::new(5);
        let mut s = Schedule::new(0.01, &mut rng);
        let mut hits = 0;
        for i in 0..100_000 {
            if s.due(i) {
                hits += 1;
                s.advance(&mut rng);
            }
        }
        assert!((999..=1001).contains(&hits), "{hits}");
    }
}
