//! Encoding and structure detection, by evidence: BOM, strict trial decoding of every
//! candidate encoding, and character statistics — and the reasons, so a person can check.
//!
//! A candidate that decodes the bytes cleanly is scored by how plausible its characters are
//! for Japanese municipal data (kana, common JIS level-1 kanji, ASCII, full-width forms score
//! high; rare kanji, Hangul, control characters low). The best score wins; a close runner-up
//! lowers the confidence and is named in the reasons. Two rules come before plausibility: a
//! file whose every sample is valid UTF-8 with non-ASCII characters is UTF-8 (whatever the
//! script), and CP932 / EUC-JP text that does not look Japanese (ideographs with no kana and
//! few of the ideographs Japanese data uses; half-width kana followed by ASCII as in Big5)
//! gets a `not_japanese` finding and at most 0.5 confidence. In 7-bit data an ESC that starts
//! no ISO-2022-JP escape is a `stray_escape` finding. Detection reads a bounded amount
//! ([`detect_path`]: the head, samples spread through the file, and the tail).
//!
//! ```
//! use ikou_cleanse::charset::Charset;
//! use ikou_cleanse::detect::{detect, Newline};
//!
//! // 山田太郎 in CP932: also valid UTF-16BE, but as four rare ideographs.
//! let d = detect(b"\x8E\x52\x93\x63\x91\xBE\x98\x59");
//! assert_eq!(d.encoding, Charset::Cp932);
//! assert_eq!(d.newline, Newline::None);
//! assert!(d.reasons.iter().any(|r| r.contains("utf-16be")));
//! ```

use crate::charset::{is_sjis_lead, is_sjis_trail, Charset};
use encoding_rs::{DecoderResult, EncoderResult};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Files up to this size are read whole by [`detect_path`].
pub const WHOLE_FILE: u64 = 1 << 20;
const HEAD: usize = 64 << 10;
const SAMPLE: usize = 8 << 10;
const SAMPLES: u64 = 16;
const TAIL: usize = 16 << 10;
const MAX_FINDINGS: usize = 100;

/// The newline style of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Newline {
    /// CR LF only.
    Crlf,
    /// LF only.
    Lf,
    /// CR only.
    Cr,
    /// More than one style.
    Mixed,
    /// No line terminators.
    None,
}

impl Newline {
    /// The name (`crlf`, `lf`, `cr`, `mixed`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Newline::Crlf => "crlf",
            Newline::Lf => "lf",
            Newline::Cr => "cr",
            Newline::Mixed => "mixed",
            Newline::None => "none",
        }
    }
}

/// How records sit in the file, as far as the sample shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Structure {
    /// Fixed-length records of `record_length` bytes (terminator excluded).
    Fixed {
        /// Bytes per record, terminator excluded.
        record_length: u64,
        /// Whether records are followed by line terminators.
        terminated: bool,
    },
    /// Delimited records.
    Delimited {
        /// The delimiter (`,`, a tab, `|`, `;`).
        delimiter: String,
        /// The usual number of fields.
        fields: usize,
    },
    /// Lines of varying length and no consistent delimiter.
    Lines,
    /// No structure found.
    Unknown,
}

/// Counts of the CP932 extension areas in use (double-byte characters by lead byte).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Census {
    /// NEC special characters, row 13 (lead 0x87: ① Ⅰ № ㈱ …).
    pub nec_row13: u64,
    /// NEC-selected IBM extensions (lead 0xED, 0xEE).
    pub nec_selected_ibm: u64,
    /// IBM extensions (lead 0xFA–0xFC).
    pub ibm_extension: u64,
    /// User-defined characters = 外字 (lead 0xF0–0xF9; for EUC-JP rows 85–94, lead F5–FE).
    pub user_defined: u64,
    /// Half-width katakana (single bytes A1–DF in CP932, SS2 pairs in EUC-JP).
    pub halfwidth_kana: u64,
    /// Double-byte characters in all.
    pub double_byte: u64,
}

/// The kind of a [`ByteFinding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ByteFindingKind {
    /// The file is empty.
    Empty,
    /// A byte sequence invalid in the detected encoding.
    InvalidSequence,
    /// The file ends in the middle of a multibyte character.
    CutCharacter,
    /// NUL bytes in a file detected as text.
    NulBytes,
    /// An ESC (0x1B) that does not start an ISO-2022-JP escape sequence, or an escape
    /// sequence that is cut or unknown.
    StrayEscape,
    /// The bytes decode as a Japanese encoding but the text does not look Japanese (many
    /// double-byte characters and no kana; or half-width kana followed by ASCII letters and
    /// symbols, the pattern of Big5): perhaps Korean (EUC-KR) or Chinese (GB2312, Big5).
    NotJapanese,
}

/// Something wrong with the bytes of a file, at an absolute byte offset (a detection finding;
/// a problem in a value is a cleansing [`Finding`](crate::Finding)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ByteFinding {
    /// What it is.
    pub kind: ByteFindingKind,
    /// Byte offset in the file.
    pub byte_offset: u64,
    /// A message (no values, only bytes in hex and counts).
    pub message: String,
}

/// How one candidate encoding fared on the sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The encoding tried.
    pub encoding: Charset,
    /// Characters decoded.
    pub chars: u64,
    /// Invalid sequences met.
    pub errors: u64,
    /// Mean plausibility of the decoded characters (0–1).
    pub score: f64,
}

/// The answer of detection for one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// The file, if detection read one.
    pub path: Option<String>,
    /// The detected encoding.
    pub encoding: Charset,
    /// Confidence 0–1.
    pub confidence: f64,
    /// The byte-order mark found, as the encoding it announces.
    pub bom: Option<Charset>,
    /// The newline style.
    pub newline: Newline,
    /// Whether the file ends with a DOS EOF byte 0x1A.
    pub eof_marker: bool,
    /// Record structure.
    pub structure: Structure,
    /// CP932 extension areas in use.
    pub census: Census,
    /// 外字 (user-defined characters) seen.
    pub gaiji: u64,
    /// Problems with byte offsets (at most 100).
    pub findings: Vec<ByteFinding>,
    /// Why the encoding was chosen, in plain words.
    pub reasons: Vec<String>,
    /// The file size in bytes.
    pub size: u64,
    /// Bytes examined.
    pub examined: u64,
    /// Whether only samples of the file were examined.
    pub sampled: bool,
    /// Every candidate encoding tried, with its evidence.
    pub candidates: Vec<Candidate>,
    /// Host (EBCDIC-family) evidence, when the bytes look like mainframe data: which code
    /// page families fit. `None` for everything else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostDetection>,
}

/// The byte evidence that a file is EBCDIC-family (mainframe) data, and how each host code
/// page fared on it. See [`Detection::host`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostDetection {
    /// Bytes examined.
    pub bytes: u64,
    /// 0x40 bytes (the EBCDIC space).
    pub space_40: u64,
    /// 0x20 bytes (the ASCII space).
    pub space_20: u64,
    /// Bytes F0–F9 (EBCDIC digits).
    pub digits_f0_f9: u64,
    /// Bytes 30–39 (ASCII digits).
    pub digits_30_39: u64,
    /// Bytes 0A and 0D (ASCII line terminators).
    pub newline_bytes: u64,
    /// The families of code pages whose every label is listed with what it found, best first.
    pub families: Vec<HostFamily>,
}

/// How one family of host code pages (same shift codes) fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostFamily {
    /// `ibm` (SO/SI), `jef` (K/A), `keis` (0A42/0A41), `jips` (3F75/3F76).
    pub family: &'static str,
    /// The shift-in codes of this family seen.
    pub shift_ins: u64,
    /// Shifted runs (shift-in … shift-out) whose content decodes as double-byte codes.
    pub shift_runs_ok: u64,
    /// Shift-ins with no shift-out within 512 bytes, or with content that does not decode.
    pub shift_runs_bad: u64,
    /// The labels of the family that fit (empty: the family does not).
    pub fits: Vec<&'static str>,
    /// Fewest problems of any label when every examined byte is read as one mixed item
    /// (packed and binary numbers count here too: informative only).
    pub problems: u64,
    /// Each label with its problems.
    pub labels: Vec<HostLabelFit>,
}

/// One host label tried on the whole of the examined bytes as one mixed item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostLabelFit {
    /// The label.
    pub label: &'static str,
    /// Malformed, unmapped and shift problems met.
    pub problems: u64,
}

/// A piece of the file.
struct Sample {
    offset: u64,
    bytes: Vec<u8>,
    /// The piece starts the file (no realignment needed).
    at_start: bool,
    /// The piece ends the file.
    at_end: bool,
}

/// Detects the encoding and structure of `bytes` (a whole file, or the head of one).
pub fn detect(bytes: &[u8]) -> Detection {
    let samples = vec![Sample {
        offset: 0,
        bytes: bytes.to_vec(),
        at_start: true,
        at_end: true,
    }];
    analyse(samples, bytes.len() as u64, false)
}

/// Detects any path a user names: a regular file through [`detect_path`] (whole or
/// sampled), anything else (a pipe, a device) from its first [`WHOLE_FILE`] bytes only,
/// never read to its end (the reasons say so).
///
/// # Errors
/// I/O errors opening or reading it.
pub fn detect_file(path: &Path) -> io::Result<Detection> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > WHOLE_FILE {
        return detect_path(path);
    }
    let mut head = Vec::new();
    file.take(WHOLE_FILE + 1).read_to_end(&mut head)?;
    let more = head.len() as u64 > WHOLE_FILE;
    head.truncate(usize::try_from(WHOLE_FILE).unwrap_or(usize::MAX));
    let mut d = detect(&head);
    d.path = Some(path.to_string_lossy().into_owned());
    if !meta.is_file() {
        d.sampled = more;
        d.reasons.push(format!(
            "not a regular file (a pipe or a device): only its first {} bytes were read{}",
            head.len(),
            if more { "; it goes on" } else { "" }
        ));
    }
    Ok(d)
}

/// Detects the encoding and structure of a file, reading at most about 0.2 MB of it: the
/// whole file up to [`WHOLE_FILE`] bytes, else the head, 16 samples spread through it and the
/// tail.
///
/// # Errors
/// I/O errors opening or reading the file.
pub fn detect_path(path: &Path) -> io::Result<Detection> {
    let mut f = File::open(path)?;
    let size = f.metadata()?.len();
    let mut samples = Vec::new();
    let sampled = size > WHOLE_FILE;
    if !sampled {
        let mut bytes = Vec::with_capacity(size as usize);
        f.read_to_end(&mut bytes)?;
        let n = bytes.len() as u64;
        samples.push(Sample {
            offset: 0,
            bytes,
            at_start: true,
            at_end: true,
        });
        let mut d = analyse(samples, n, false);
        d.path = Some(path.display().to_string());
        return Ok(d);
    }
    let mut read_at = |offset: u64, len: usize| -> io::Result<Vec<u8>> {
        f.seek(SeekFrom::Start(offset))?;
        let mut buf = Vec::with_capacity(len);
        (&mut f).take(len as u64).read_to_end(&mut buf)?;
        Ok(buf)
    };
    samples.push(Sample {
        offset: 0,
        bytes: read_at(0, HEAD)?,
        at_start: true,
        at_end: false,
    });
    let span = size - HEAD as u64 - TAIL as u64;
    for k in 0..SAMPLES {
        // Even offsets keep UTF-16 code units aligned.
        let off = (HEAD as u64 + span * k / SAMPLES + span / (2 * SAMPLES)) & !1;
        samples.push(Sample {
            offset: off,
            bytes: read_at(off, SAMPLE)?,
            at_start: false,
            at_end: false,
        });
    }
    let tail_off = (size - TAIL as u64) & !1;
    samples.push(Sample {
        offset: tail_off,
        bytes: read_at(tail_off, (size - tail_off) as usize)?,
        at_start: false,
        at_end: true,
    });
    let mut d = analyse(samples, size, true);
    d.path = Some(path.display().to_string());
    Ok(d)
}

/// The part of a sample to examine: a mid-file sample starts after its first LF (if one is
/// near), so it does not begin inside a character; the EOF byte is cut off the end.
fn view(s: &Sample) -> (usize, &[u8]) {
    let mut start = 0usize;
    if !s.at_start {
        if let Some(p) = s.bytes.iter().take(4096).position(|&b| b == b'\n') {
            start = p + 1;
        }
    }
    let mut end = s.bytes.len();
    if s.at_end && s.bytes.last() == Some(&0x1A) {
        end -= 1;
    }
    (start, s.bytes.get(start..end.max(start)).unwrap_or(&[]))
}

struct Trial {
    chars: u64,
    /// Characters above U+007F.
    non_ascii: u64,
    /// Kana: hiragana, full-width and half-width katakana.
    kana: u64,
    /// CJK ideographs.
    kanji: u64,
    /// Of those, the ones in [`COMMON_KANJI`].
    common_kanji: u64,
    errors: u64,
    weight: f64,
    first_errors: Vec<(u64, usize, bool)>, // offset, len, cut at end
}

fn jis_weight(enc: &mut encoding_rs::Encoder, c: char) -> f64 {
    let mut s = [0u8; 4];
    let src = c.encode_utf8(&mut s);
    let mut out = [0u8; 8];
    let (r, _, w) = enc.encode_from_utf8_without_replacement(src, &mut out, true);
    if !matches!(r, EncoderResult::InputEmpty) || w != 2 {
        return 0.1;
    }
    let code = u16::from_be_bytes([out[0], out[1]]);
    match code {
        0x889F..=0x9872 => 0.9,
        0x989F..=0xEAA4 => 0.6,
        _ => 0.4,
    }
}

fn char_weight(enc: &mut encoding_rs::Encoder, c: char, prev: Option<char>) -> f64 {
    let u = c as u32;
    match u {
        0x09 | 0x0A | 0x0D | 0x20..=0x7E => 1.0,
        0x0C => 0.5,
        0x00..=0x1F | 0x7F..=0x9F => 0.0,
        0x3000..=0x303F | 0x3041..=0x3096 | 0x309B..=0x309E | 0x30A1..=0x30FE => 1.0,
        0xFF66..=0xFF9D => 1.0,
        0xFF9E | 0xFF9F => match prev.map(|p| p as u32) {
            Some(0xFF76..=0xFF84 | 0xFF8A..=0xFF8E | 0xFF73) => 1.0,
            _ => 0.3,
        },
        0xFF61..=0xFF65 => 0.5,
        0xFF01..=0xFF5E | 0xFFE0..=0xFFE5 => 1.0,
        0x4E00..=0x9FFF | 0xF900..=0xFAFF => jis_weight(enc, c),
        0xE000..=0xE757 => 0.5,
        0x00C0..=0x00FF => 0.4,
        0xAC00..=0xD7AF => 0.05,
        _ => {
            if jis_weight(enc, c) > 0.1 {
                0.6
            } else {
                0.05
            }
        }
    }
}

fn trial(charset: Charset, samples: &[Sample]) -> Trial {
    let mut t = Trial {
        chars: 0,
        non_ascii: 0,
        kana: 0,
        kanji: 0,
        common_kanji: 0,
        errors: 0,
        weight: 0.0,
        first_errors: Vec::new(),
    };
    let Some(enc) = charset.encoding() else {
        return t;
    };
    let mut jis = encoding_rs::SHIFT_JIS.new_encoder();
    let mut cache: std::collections::HashMap<char, f64> = std::collections::HashMap::new();
    let mut out = String::new();
    for s in samples {
        let (start, bytes) = view(s);
        let mut dec = enc.new_decoder_without_bom_handling();
        let mut pos = 0usize;
        out.clear();
        let last = s.at_end;
        loop {
            let rest = bytes.get(pos..).unwrap_or(&[]);
            out.reserve(rest.len() * 3 + 16);
            let (r, read) = dec.decode_to_string_without_replacement(rest, &mut out, last);
            match r {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => pos += read,
                DecoderResult::Malformed(bad, after) => {
                    let end = (pos + read).saturating_sub(usize::from(after));
                    let bstart = end.saturating_sub(usize::from(bad));
                    pos += read;
                    // A mid-file sample that could not be aligned on a newline may start
                    // inside a character.
                    if !s.at_start && start == 0 && bstart < 4 {
                        continue;
                    }
                    t.errors += 1;
                    if t.first_errors.len() < MAX_FINDINGS {
                        let cut = last && end == bytes.len();
                        t.first_errors.push((
                            s.offset + (start + bstart) as u64,
                            end - bstart,
                            cut,
                        ));
                    }
                    if pos >= bytes.len() {
                        break;
                    }
                }
            }
        }
        let mut prev = None;
        for c in out.chars() {
            t.chars += 1;
            match c as u32 {
                0x00..=0x7F => {}
                0x3041..=0x3096 | 0x30A1..=0x30FA | 0xFF66..=0xFF9D => {
                    t.non_ascii += 1;
                    t.kana += 1;
                }
                0x4E00..=0x9FFF | 0xF900..=0xFAFF => {
                    t.non_ascii += 1;
                    t.kanji += 1;
                    t.common_kanji += u64::from(is_common_kanji(c));
                }
                _ => t.non_ascii += 1,
            }
            t.weight += if (c as u32) < 0x3000 || matches!(c as u32, 0xFF61..=0xFF9F) {
                char_weight(&mut jis, c, prev)
            } else {
                *cache
                    .entry(c)
                    .or_insert_with(|| char_weight(&mut jis, c, None))
            };
            prev = Some(c);
        }
    }
    t
}

/// The ideographs most used in Japanese names and addresses (the 400 most frequent in the
/// gimei name and address lists, MIT, in ../shared/testdata/names, and a few common words'),
/// sorted by code point: kana-less Japanese data (名簿, 住所) is mostly these; Korean or
/// Chinese bytes read as EUC-JP give ideographs spread evenly over JIS level 1 and 2.
const COMMON_KANJI: &str = concat!(
    "一丁七万三上下世中乃久之也事二五井亜京亮人仁今介代伊会伸佐佑佳侑依俊保信健優元充",
    "光児八公典内冬冴凛出分初別利前加勝北区十千南博原友口古可台史叶号司合吉同名吾和咲",
    "哉唯啓喜嘉国園土圭地坂城基士夏夕多夢大天太夫央奈奏好妃妙姫子字孝季宇安宏実宮富寧",
    "寺寿小尚尻尾屋山岐岡岩峰島崎川己巳巴市帆希平年幸広府康弓弘弥彦彩彰後御徳心志怜恭",
    "恵悠惠愛慧憂成戸拓摩敏敦文斗新方日早旭昌明星映春昭時晃晏晴晶智暖月有朋朗望朝木未",
    "本朱李杏村来東松果枝架柊柚栄根桂桃桜梨森楓楽横樹樺次歌正武歩比水永汐江池汰沙沢河",
    "治沼泉波泰洋津流浜浦浩海涼淑深淳清渚温湖潮澄澪瀬熊牧玲珠理琉琴瑛瑞瑠璃生田由男町",
    "留番登白百目直相県眞真睦瞳矢知石砂碧磨礼社祈祐神福秀秋稀稲穂空立竜章笑紀紅紋純紗",
    "紘紫結絢絵綾緒織羅美義羽翔翠耶聖聡胡自舞良花芳芽苗若英茂茉莉菜華萌葉葵蒼薫藍藤蘭",
    "虹行衣裕西見詠詩誉誠谷豊貴賀輔輝道遥那郁郎郡部郷都采里重野金鈴長間阪阿陽隆雄雅雪",
    "霞青靖静音響須頭風颯飛香馬高鶴鹿麗麻龍",
);

/// Whether `c` is one of [`COMMON_KANJI`].
fn is_common_kanji(c: char) -> bool {
    static SET: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON_KANJI.chars().collect())
        .binary_search(&c)
        .is_ok()
}

/// Flags text that decodes as CP932 or EUC-JP but does not look Japanese: at least 8
/// ideographs, not one kana and fewer than 35 % of the ideographs common in Japanese data
/// (Korean EUC-KR and Chinese GB2312 read as EUC-JP kanji), or,
/// in CP932, half-width kana bytes followed by a byte 40–7E in a fifth of the cases or more
/// (a Big5 character's lead and trail byte). Caps the confidence at 0.5.
fn not_japanese(best: Charset, t: &Trial, samples: &[Sample], d: &mut Detection) {
    let why = if t.kana == 0 && t.kanji >= 8 && t.common_kanji * 100 < t.kanji * 35 {
        Some(format!(
            "{} ideographs, only {} of them common in Japanese names and addresses, and not one kana",
            t.kanji, t.common_kanji
        ))
    } else if best == Charset::Cp932 {
        let (kana, then_ascii) = kana_then_ascii(samples);
        (then_ascii >= 8 && then_ascii * 5 >= kana).then(|| {
            format!(
                "{then_ascii} of {kana} half-width kana bytes are followed by an ASCII letter or symbol (40–7E), as the two bytes of a Big5 character are"
            )
        })
    } else {
        None
    };
    let Some(why) = why else { return };
    d.confidence = d.confidence.min(0.5);
    d.reasons.push(format!(
        "does not look Japanese: {why}; it may be Korean (EUC-KR) or Chinese (GB2312, Big5), which ikou does not read"
    ));
    d.findings.truncate(MAX_FINDINGS - 1);
    d.findings.push(ByteFinding {
        kind: ByteFindingKind::NotJapanese,
        byte_offset: 0,
        message: format!("decodes as {best} but does not look Japanese: {why}"),
    });
}

/// In CP932 structure: half-width kana bytes (A1–DF), and how many of them are followed by
/// a byte 40–7E.
fn kana_then_ascii(samples: &[Sample]) -> (u64, u64) {
    let (mut kana, mut then_ascii) = (0u64, 0u64);
    for s in samples {
        let (_, b) = view(s);
        let mut i = 0usize;
        while let Some(&x) = b.get(i) {
            let y = b.get(i + 1).copied();
            if is_sjis_lead(x) && y.is_some_and(is_sjis_trail) {
                i += 2;
                continue;
            }
            if (0xA1..=0xDF).contains(&x) {
                kana += 1;
                if y.is_some_and(|y| (0x40..=0x7E).contains(&y)) {
                    then_ascii += 1;
                }
            }
            i += 1;
        }
    }
    (kana, then_ascii)
}

/// In a 7-bit file without any ISO-2022-JP escape sequence: each ESC (up to the findings
/// cap) is a [`ByteFindingKind::StrayEscape`], and the confidence drops to 0.5 — a lone ESC in
/// ASCII is a damaged ISO-2022-JP file or terminal control, not plain text.
fn stray_escapes(samples: &[Sample], d: &mut Detection) {
    for s in samples {
        let (st, v) = view(s);
        for (i, _) in v.iter().enumerate().filter(|(_, b)| **b == 0x1B) {
            if d.findings.len() >= MAX_FINDINGS {
                break;
            }
            let next = v.get(i + 1..(i + 4).min(v.len())).unwrap_or(&[]);
            d.findings.push(ByteFinding {
                kind: ByteFindingKind::StrayEscape,
                byte_offset: s.offset + (st + i) as u64,
                message: format!(
                    "ESC (1B) not followed by an ISO-2022-JP escape sequence (next bytes {})",
                    if next.is_empty() {
                        "none".to_string()
                    } else {
                        hex(next)
                    }
                ),
            });
        }
    }
    if !d.findings.is_empty() {
        d.confidence = 0.5;
        d.reasons.push(format!(
            "{} ESC byte{} outside any ISO-2022-JP escape sequence: a damaged ISO-2022-JP file, or control codes in the text",
            d.findings.len(),
            if d.findings.len() == 1 { "" } else { "s" }
        ));
    }
}

fn census_of(charset: Charset, samples: &[Sample]) -> Census {
    let mut c = Census::default();
    for s in samples {
        let (_, b) = view(s);
        let mut i = 0usize;
        while i < b.len() {
            let x = b.get(i).copied().unwrap_or(0);
            let y = b.get(i + 1).copied();
            match charset {
                Charset::Cp932 => {
                    if is_sjis_lead(x) && y.is_some_and(is_sjis_trail) {
                        c.double_byte += 1;
                        match x {
                            0x87 => c.nec_row13 += 1,
                            0xED | 0xEE => c.nec_selected_ibm += 1,
                            0xFA..=0xFC => c.ibm_extension += 1,
                            0xF0..=0xF9 => c.user_defined += 1,
                            _ => {}
                        }
                        i += 2;
                        continue;
                    }
                    if (0xA1..=0xDF).contains(&x) {
                        c.halfwidth_kana += 1;
                    }
                }
                Charset::EucJp => match (x, y) {
                    (0x8E, Some(0xA1..=0xDF)) => {
                        c.halfwidth_kana += 1;
                        i += 2;
                        continue;
                    }
                    (0x8F, _) => {
                        c.double_byte += 1;
                        i += 3;
                        continue;
                    }
                    (0xA1..=0xFE, Some(0xA1..=0xFE)) => {
                        c.double_byte += 1;
                        if x >= 0xF5 {
                            c.user_defined += 1;
                        }
                        i += 2;
                        continue;
                    }
                    _ => {}
                },
                _ => return c,
            }
            i += 1;
        }
    }
    c
}

/// Newline counts (crlf, lf, cr) over the samples' text bytes.
fn newlines(texts: &[(bool, bool, Vec<u8>)]) -> (u64, u64, u64) {
    let (mut crlf, mut lf, mut cr) = (0, 0, 0);
    for (_, at_end, b) in texts {
        let mut i = 0usize;
        while i < b.len() {
            match b.get(i) {
                Some(b'\r') => match b.get(i + 1) {
                    Some(b'\n') => {
                        crlf += 1;
                        i += 1;
                    }
                    None if !at_end => {}
                    _ => cr += 1,
                },
                Some(b'\n') => lf += 1,
                _ => {}
            }
            i += 1;
        }
    }
    (crlf, lf, cr)
}

fn split_count(line: &[u8], delim: u8) -> usize {
    let mut n = 1;
    let mut q = false;
    for &b in line {
        if b == b'"' {
            q = !q;
        } else if b == delim && !q {
            n += 1;
        }
    }
    n
}

fn structure_of(texts: &[(bool, bool, Vec<u8>)], total: u64, fixed_ok: bool) -> Structure {
    // Complete lines only: a mid-file sample's last line may be cut.
    let mut lines: Vec<&[u8]> = Vec::new();
    let mut any_newline = false;
    for (_, at_end, b) in texts {
        let mut start = 0usize;
        let mut i = 0usize;
        while i < b.len() {
            let c = b.get(i).copied().unwrap_or(0);
            if c == b'\r' || c == b'\n' {
                any_newline = true;
                lines.push(b.get(start..i).unwrap_or(&[]));
                if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            i += 1;
        }
        if *at_end && start < b.len() && any_newline {
            lines.push(b.get(start..).unwrap_or(&[]));
        }
    }
    if !any_newline {
        let head = texts.first().map_or(&[][..], |t| t.2.as_slice());
        return if fixed_ok {
            period(head, total).map_or(Structure::Unknown, |l| Structure::Fixed {
                record_length: l as u64,
                terminated: false,
            })
        } else {
            Structure::Unknown
        };
    }
    let lines: Vec<&[u8]> = lines
        .into_iter()
        .filter(|l| !l.is_empty())
        .take(2000)
        .collect();
    if lines.is_empty() {
        return Structure::Lines;
    }
    let n = lines.len();
    for delim in [b',', b'\t', b'|', b';'] {
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for l in &lines {
            *counts.entry(split_count(l, delim)).or_insert(0) += 1;
        }
        if let Some((&fields, &k)) = counts.iter().max_by_key(|(_, k)| **k) {
            if fields >= 2 && k * 100 >= n * 95 {
                let d = if delim == b'\t' {
                    "\t".to_string()
                } else {
                    char::from(delim).to_string()
                };
                return Structure::Delimited {
                    delimiter: d,
                    fields,
                };
            }
        }
    }
    let mut lens: BTreeMap<usize, usize> = BTreeMap::new();
    for l in &lines {
        *lens.entry(l.len()).or_insert(0) += 1;
    }
    if let Some((&len, &k)) = lens.iter().max_by_key(|(_, k)| **k) {
        if fixed_ok && n >= 2 && k * 100 >= n * 90 {
            return Structure::Fixed {
                record_length: len as u64,
                terminated: true,
            };
        }
    }
    Structure::Lines
}

/// The record length of a file of fixed-length records without terminators, if the head
/// shows one: the smallest divisor of the file size at which bytes repeat column-wise
/// nearly as often as at the best divisor.
fn period(head: &[u8], total: u64) -> Option<usize> {
    let n = head.len();
    if n < 16 {
        return None;
    }
    let mut best: Vec<(usize, f64)> = Vec::new();
    for l in 4..=(n / 2).min(65536) {
        if total % l as u64 != 0 {
            continue;
        }
        let m = (n - l).min(1 << 15);
        let same = (0..m).filter(|&i| head.get(i) == head.get(i + l)).count();
        best.push((l, same as f64 / m as f64));
    }
    let max = best.iter().map(|b| b.1).fold(0.0, f64::max);
    if max < 0.35 {
        return None;
    }
    best.iter().find(|b| b.1 >= 0.9 * max).map(|b| b.0)
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn analyse(samples: Vec<Sample>, size: u64, sampled: bool) -> Detection {
    let examined: u64 = samples.iter().map(|s| s.bytes.len() as u64).sum();
    let eof_marker = samples
        .iter()
        .find(|s| s.at_end)
        .is_some_and(|s| s.bytes.last() == Some(&0x1A));
    let mut d = Detection {
        path: None,
        encoding: Charset::Unknown,
        confidence: 0.0,
        bom: None,
        newline: Newline::None,
        eof_marker,
        structure: Structure::Unknown,
        census: Census::default(),
        gaiji: 0,
        findings: Vec::new(),
        reasons: Vec::new(),
        size,
        examined,
        sampled,
        candidates: Vec::new(),
        host: None,
    };
    if size == 0 || (size == 1 && eof_marker) {
        d.findings.push(ByteFinding {
            kind: ByteFindingKind::Empty,
            byte_offset: 0,
            message: if size == 0 {
                "the file is empty".into()
            } else {
                "the file holds only a DOS EOF byte".into()
            },
        });
        d.reasons.push("no bytes to judge".into());
        return d;
    }
    if sampled {
        d.reasons.push(format!(
            "examined {examined} of {size} bytes (head, {SAMPLES} samples, tail)"
        ));
    }
    let head: &[u8] = samples.first().map_or(&[], |s| s.bytes.as_slice());
    let bom = encoding_rs::Encoding::for_bom(head).and_then(|(e, _)| {
        if e == encoding_rs::UTF_8 {
            Some(Charset::Utf8)
        } else if e == encoding_rs::UTF_16LE {
            Some(Charset::Utf16Le)
        } else if e == encoding_rs::UTF_16BE {
            Some(Charset::Utf16Be)
        } else {
            None
        }
    });
    d.bom = bom;
    let mut samples = samples;
    if let (Some(b), Some(first)) = (bom, samples.first_mut()) {
        let n = if b == Charset::Utf8 { 3 } else { 2 };
        first.bytes.drain(..n.min(first.bytes.len()));
        first.offset = n as u64;
    }

    // Byte statistics.
    let all = || samples.iter().flat_map(|s| view(s).1.iter().copied());
    let total: u64 = all().count() as u64;
    let high = all().filter(|b| *b >= 0x80).count() as u64;
    let nul = all().filter(|b| *b == 0).count() as u64;
    let ctrl = all()
        .filter(|b| {
            (*b < 0x20 && !matches!(b, 0 | b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)) || *b == 0x7F
        })
        .count() as u64;
    let esc = samples.iter().any(|s| {
        view(s).1.windows(3).any(|w| {
            matches!(
                w,
                [0x1B, b'$', b'B' | b'@'] | [0x1B, b'(', b'B' | b'I' | b'J']
            )
        })
    });
    let (nul_even, nul_odd) = samples.iter().fold((0u64, 0u64), |acc, s| {
        let (st, v) = view(s);
        let base = (s.offset as usize + st) & 1;
        v.iter()
            .enumerate()
            .filter(|(_, b)| **b == 0)
            .fold(acc, |(e, o), (i, _)| {
                if (i + base) % 2 == 0 {
                    (e + 1, o)
                } else {
                    (e, o + 1)
                }
            })
    });

    if bom.is_none() && !esc {
        if let Some(h) = host_like(&samples) {
            host_detection(h, &samples, size - u64::from(eof_marker), &mut d);
            return d;
        }
    }

    let candidates: Vec<Charset> = if let Some(b) = bom {
        d.reasons
            .push(format!("byte-order mark for {b} at the start"));
        vec![b]
    } else if high == 0 && nul == 0 {
        if esc {
            vec![Charset::Iso2022Jp]
        } else {
            vec![]
        }
    } else {
        let mut v = vec![Charset::Cp932, Charset::Utf8, Charset::EucJp];
        if total % 2 == 0 || sampled {
            v.push(Charset::Utf16Le);
            v.push(Charset::Utf16Be);
        }
        v
    };

    if candidates.is_empty() {
        // Pure 7-bit, no NUL.
        if ctrl * 20 > total {
            d.encoding = Charset::Binary;
            d.confidence = 0.8;
            d.reasons
                .push(format!("{ctrl} control bytes among {total}: not text"));
        } else {
            d.encoding = Charset::Ascii;
            d.confidence = 1.0;
            d.reasons
                .push("every byte is 7-bit ASCII (also valid as cp932, euc-jp and utf-8)".into());
            stray_escapes(&samples, &mut d);
        }
    } else {
        let mut scored: Vec<(Charset, Trial, f64)> = candidates
            .iter()
            .map(|&c| {
                let t = trial(c, &samples);
                let mean = if t.chars == 0 {
                    0.0
                } else {
                    t.weight / t.chars as f64
                };
                let rate = t.errors as f64 / (t.chars.max(1)) as f64;
                let q = mean - 2.0 * rate;
                (c, t, q)
            })
            .collect();
        for (c, t, _) in &scored {
            d.candidates.push(Candidate {
                encoding: *c,
                chars: t.chars,
                errors: t.errors,
                score: (if t.chars == 0 {
                    0.0
                } else {
                    t.weight / t.chars as f64
                } * 1000.0)
                    .round()
                    / 1000.0,
            });
        }
        // A file whose every sample is valid UTF-8 with non-ASCII characters is UTF-8,
        // whatever its characters (Greek, Hebrew, a Finnish ä): CP932 and EUC-JP text is
        // almost never valid UTF-8 by chance, while UTF-8 is often valid CP932 (as half-width
        // kana). Otherwise the most plausible candidate wins; earlier candidates win ties
        // (cp932, utf-8, euc-jp, utf-16le, utf-16be).
        let utf8_clean = scored
            .iter()
            .position(|(c, t, _)| *c == Charset::Utf8 && t.errors == 0 && t.non_ascii > 0);
        let best_i = utf8_clean.unwrap_or_else(|| {
            scored.iter().enumerate().fold(0usize, |bi, (i, s)| {
                if s.2 > scored.get(bi).map_or(f64::MIN, |b| b.2) + 1e-9 {
                    i
                } else {
                    bi
                }
            })
        });
        let (best, bt, bq) = scored.remove(best_i);
        let best_rate = bt.errors as f64 / bt.chars.max(1) as f64;
        let utf16 = matches!(best, Charset::Utf16Le | Charset::Utf16Be);
        let binaryish =
            !utf16 && (nul * 100 > total || ctrl * 12 > total || (nul > 0 && best_rate > 0.05));
        if utf8_clean.is_some() && !binaryish {
            d.encoding = best;
            d.reasons.push(format!(
                "valid utf-8 throughout, with {} non-ASCII character{} ({} characters in all): a file that is valid UTF-8 is read as UTF-8",
                bt.non_ascii,
                if bt.non_ascii == 1 { "" } else { "s" },
                bt.chars
            ));
            for (c, t, _) in &scored {
                let m = t.weight / t.chars.max(1) as f64;
                if t.errors == 0 && t.chars > 0 {
                    d.reasons
                        .push(format!("also valid as {c} (plausibility {m:.2})"));
                } else if let Some((off, len, _)) = t.first_errors.first() {
                    d.reasons.push(format!(
                        "not {c}: invalid at byte {off} ({len} byte{})",
                        if *len == 1 { "" } else { "s" }
                    ));
                }
            }
            // Few non-ASCII characters are weaker evidence (a short CP932 half-width kana
            // run can be valid UTF-8 by chance).
            let conf = (0.75 + 0.05 * bt.non_ascii as f64).min(0.99);
            d.confidence = (conf * 100.0).round() / 100.0;
        } else if bq < 0.3 || best_rate > 0.35 || binaryish {
            d.encoding = if binaryish || nul > 0 {
                Charset::Binary
            } else {
                Charset::Unknown
            };
            d.confidence = if d.encoding == Charset::Binary {
                0.8
            } else {
                0.0
            };
            d.reasons.push(format!(
                "no encoding explains the bytes: the closest is {best}, with {} invalid sequence{} in {} characters; {nul} NUL and {ctrl} other control bytes",
                bt.errors, if bt.errors == 1 { "" } else { "s" }, bt.chars
            ));
            if d.encoding == Charset::Unknown {
                for (off, len, cut) in bt.first_errors.iter().take(MAX_FINDINGS) {
                    d.findings.push(ByteFinding {
                        kind: if *cut {
                            ByteFindingKind::CutCharacter
                        } else {
                            ByteFindingKind::InvalidSequence
                        },
                        byte_offset: *off,
                        message: format!(
                            "{} ({len} byte{}) if read as {best}",
                            if *cut {
                                "the file ends inside a character"
                            } else {
                                "invalid sequence"
                            },
                            if *len == 1 { "" } else { "s" }
                        ),
                    });
                }
            }
        } else {
            d.encoding = best;
            let mean = bt.weight / bt.chars.max(1) as f64;
            let mut reason = if bt.errors == 0 {
                format!(
                    "decodes cleanly as {best} ({} characters, plausibility {:.2})",
                    bt.chars, mean
                )
            } else {
                format!(
                    "decodes as {best} except {} invalid sequence{} ({} characters, plausibility {:.2}): damaged bytes or mixed encodings, see findings",
                    bt.errors,
                    if bt.errors == 1 { "" } else { "s" },
                    bt.chars,
                    mean
                )
            };
            if matches!(best, Charset::Utf16Le | Charset::Utf16Be) && bom.is_none() {
                let _ = write!(
                    reason,
                    "; no BOM, but NUL bytes at {} positions ({nul_even} even, {nul_odd} odd) and the characters read as text",
                    if best == Charset::Utf16Le { "odd" } else { "even" }
                );
            }
            d.reasons.push(reason);
            let mut runner: Option<(Charset, f64)> = None;
            for (c, t, q) in &scored {
                let m = t.weight / t.chars.max(1) as f64;
                if t.errors == 0 && t.chars > 0 {
                    d.reasons.push(format!(
                        "also valid as {c}, but less plausible (plausibility {m:.2})"
                    ));
                    if runner.is_none_or(|r| *q > r.1) {
                        runner = Some((*c, *q));
                    }
                } else if let Some((off, len, _)) = t.first_errors.first() {
                    d.reasons.push(format!(
                        "not {c}: invalid at byte {off} ({len} byte{})",
                        if *len == 1 { "" } else { "s" }
                    ));
                } else if t.chars == 0 {
                    d.reasons.push(format!("not {c}: nothing decodes"));
                }
            }
            let mut conf = bq.clamp(0.0, 1.0);
            if let Some((_, rq)) = runner {
                conf *= 0.5 + (2.0 * (bq - rq)).clamp(0.0, 0.5);
            }
            if bt.chars < 16 {
                conf *= 0.85;
            }
            d.confidence = (conf * 100.0).round() / 100.0;
            for (off, len, cut) in &bt.first_errors {
                let bytes = samples
                    .iter()
                    .find(|s| *off >= s.offset && *off < s.offset + s.bytes.len() as u64)
                    .and_then(|s| {
                        s.bytes
                            .get((*off - s.offset) as usize..(*off - s.offset) as usize + len)
                    })
                    .map(hex)
                    .unwrap_or_default();
                d.findings.push(if *cut {
                    ByteFinding {
                        kind: ByteFindingKind::CutCharacter,
                        byte_offset: *off,
                        message: format!("the file ends inside a {best} character (bytes {bytes})"),
                    }
                } else {
                    ByteFinding {
                        kind: ByteFindingKind::InvalidSequence,
                        byte_offset: *off,
                        message: format!("invalid {best} sequence {bytes}"),
                    }
                });
            }
            if matches!(best, Charset::Cp932 | Charset::EucJp) {
                not_japanese(best, &bt, &samples, &mut d);
            }
        }
    }

    // NULs in a text file.
    if nul > 0
        && !matches!(
            d.encoding,
            Charset::Utf16Le | Charset::Utf16Be | Charset::Binary
        )
    {
        let first = samples.iter().find_map(|s| {
            let (st, v) = view(s);
            v.iter()
                .position(|b| *b == 0)
                .map(|p| s.offset + (st + p) as u64)
        });
        // Keep to MAX_FINDINGS with the NUL finding among them, in offset order.
        d.findings.truncate(MAX_FINDINGS - 1);
        d.findings.push(ByteFinding {
            kind: ByteFindingKind::NulBytes,
            byte_offset: first.unwrap_or(0),
            message: format!(
                "{nul} NUL byte{} in a text file",
                if nul == 1 { "" } else { "s" }
            ),
        });
    }

    d.findings.sort_by_key(|f| f.byte_offset);

    // Census, newlines and structure on the detected encoding's text.
    d.census = census_of(d.encoding, &samples);
    d.gaiji = d.census.user_defined;
    if d.census.halfwidth_kana > 0 && d.encoding == Charset::Cp932 {
        d.reasons.push(format!(
            "{} half-width katakana bytes (A1–DF), as legacy kana fields hold",
            d.census.halfwidth_kana
        ));
    }
    if d.encoding == Charset::EucJp && d.census.halfwidth_kana > 0 {
        d.reasons.push(format!(
            "{} half-width katakana as EUC-JP SS2 pairs (8E xx), which read as kanji in cp932",
            d.census.halfwidth_kana
        ));
    }
    if d.gaiji > 0 {
        d.reasons
            .push(format!("{} user-defined characters (外字)", d.gaiji));
    }
    let utf16 = matches!(d.encoding, Charset::Utf16Le | Charset::Utf16Be);
    let texts: Vec<(bool, bool, Vec<u8>)> = samples
        .iter()
        .map(|s| {
            let (_, v) = view(s);
            let bytes = if utf16 {
                let enc = d.encoding.encoding().unwrap_or(encoding_rs::UTF_16LE);
                let mut out = String::new();
                let mut dec = enc.new_decoder_without_bom_handling();
                out.reserve(v.len() * 2 + 4);
                let _ = dec.decode_to_string_without_replacement(v, &mut out, true);
                out.into_bytes()
            } else {
                v.to_vec()
            };
            (s.at_start, s.at_end, bytes)
        })
        .collect();
    let (crlf, lf, cr) = newlines(&texts);
    d.newline = match (crlf > 0, lf > 0, cr > 0) {
        (false, false, false) => Newline::None,
        (true, false, false) => Newline::Crlf,
        (false, true, false) => Newline::Lf,
        (false, false, true) => Newline::Cr,
        _ => Newline::Mixed,
    };
    if d.newline == Newline::Mixed {
        d.reasons
            .push(format!("mixed line endings: {crlf} CRLF, {lf} LF, {cr} CR"));
    }
    let effective =
        size - u64::from(eof_marker) - bom.map_or(0, |b| if b == Charset::Utf8 { 3 } else { 2 });
    d.structure = if d.encoding == Charset::Binary {
        Structure::Unknown
    } else {
        structure_of(&texts, effective, !utf16)
    };
    if eof_marker {
        d.reasons
            .push("ends with a DOS EOF byte 0x1A (not data)".into());
    }
    d
}

/// The families of host code pages: name, shift-in codes, shift-out code, labels (the
/// first is the family's default).
type HostFamilySpec = (
    &'static str,
    &'static [&'static [u8]],
    &'static [u8],
    &'static [&'static str],
);
const HOST_FAMILIES: [HostFamilySpec; 4] = [
    (
        "ibm",
        &[&[0x0E]],
        &[0x0F],
        &["ibm-930", "ibm-939", "ibm-1390", "ibm-1399"],
    ),
    ("jef", &[&[0x28], &[0x38]], &[0x29], &["jef", "jef-ebcdic"]),
    (
        "keis",
        &[&[0x0A, 0x42]],
        &[0x0A, 0x41],
        &["keis83", "keis78", "keis83-ebcdic", "keis78-ebcdic"],
    ),
    ("jips", &[&[0x3F, 0x75]], &[0x3F, 0x76], &["jips"]),
];

/// Shifted runs of a family in `bytes`: (shift-ins, runs whose content up to the shift-out
/// decodes as double-byte codes without a problem, other runs).
fn shift_runs(
    bytes: &[u8],
    ins: &[&[u8]],
    out: &[u8],
    codec: &crate::host::HostCodec,
) -> (u64, u64, u64) {
    use crate::host::{HostIssueKind, ItemKind};
    let (mut seen, mut ok, mut bad) = (0u64, 0u64, 0u64);
    let mut i = 0usize;
    while i < bytes.len() {
        let Some(si) = ins
            .iter()
            .find(|si| bytes.get(i..i + si.len()) == Some(**si))
        else {
            i += 1;
            continue;
        };
        seen += 1;
        let start = i + si.len();
        let window = bytes
            .get(start..(start + 512).min(bytes.len()))
            .unwrap_or(&[]);
        let end = window.windows(out.len()).position(|w| w == out);
        let good = end.is_some_and(|e| {
            let content = window.get(..e).unwrap_or(&[]);
            !content.is_empty()
                && content.len() % 2 == 0
                && codec.decode(content, ItemKind::Double).is_ok_and(|d| {
                    d.issues.iter().all(|x| {
                        matches!(
                            x.kind,
                            HostIssueKind::Gaiji { .. }
                                | HostIssueKind::Approximate { .. }
                                | HostIssueKind::OneWay { .. }
                        )
                    })
                })
        });
        if good {
            ok += 1;
        } else {
            bad += 1;
        }
        // Past the run's shift-out (each byte is examined a bounded number of times).
        i = start + end.map_or(0, |e| e + out.len());
    }
    (seen, ok, bad)
}

/// The byte counts that make data look like EBCDIC: the examined bytes hold no ASCII line
/// structure (0A/0D under 0.1 %, KEIS shifts 0A41/0A42 not counted), the EBCDIC space 0x40 is common (5 % or more) and four
/// times more frequent than the ASCII space, and EBCDIC digits F0–F9 outnumber ASCII digits
/// (or there are no digits at all). `None` when any of these fails, or under 32 bytes.
fn host_like(samples: &[Sample]) -> Option<HostDetection> {
    let mut h = HostDetection {
        bytes: 0,
        space_40: 0,
        space_20: 0,
        digits_f0_f9: 0,
        digits_30_39: 0,
        newline_bytes: 0,
        families: Vec::new(),
    };
    for s in samples {
        for (i, &b) in s.bytes.iter().enumerate() {
            h.bytes += 1;
            match b {
                0x40 => h.space_40 += 1,
                0x20 => h.space_20 += 1,
                0xF0..=0xF9 => h.digits_f0_f9 += 1,
                0x30..=0x39 => h.digits_30_39 += 1,
                // 0A 41 / 0A 42 are KEIS shift codes, not line feeds.
                0x0A if matches!(s.bytes.get(i + 1), Some(0x41 | 0x42)) => {}
                0x0A | 0x0D => h.newline_bytes += 1,
                _ => {}
            }
        }
    }
    let ok = h.bytes >= 32
        && h.newline_bytes * 1000 < h.bytes
        && h.space_40 * 20 >= h.bytes
        && h.space_40 > 4 * h.space_20
        && h.digits_f0_f9 >= h.digits_30_39;
    ok.then_some(h)
}

/// Tries every host label on the samples (each as one mixed item) and fills the detection:
/// the encoding is named only when one family fits, and then the family's default label
/// (the single-byte sets of one family often cannot be told apart; the others that fit are
/// named in the reasons). Families that cannot be told apart leave the encoding `unknown`.
fn host_detection(mut h: HostDetection, samples: &[Sample], effective: u64, d: &mut Detection) {
    use crate::host::{HostCodec, HostIssueKind, ItemKind};
    for (family, ins, out, labels) in HOST_FAMILIES {
        let mut f = HostFamily {
            family,
            shift_ins: 0,
            shift_runs_ok: 0,
            shift_runs_bad: 0,
            fits: Vec::new(),
            problems: u64::MAX,
            labels: Vec::new(),
        };
        let Some(default) = labels.first().and_then(|l| HostCodec::for_label(l).ok()) else {
            continue;
        };
        for s in samples {
            let (seen, ok, bad) = shift_runs(&s.bytes, ins, out, &default);
            f.shift_ins += seen;
            f.shift_runs_ok += ok;
            f.shift_runs_bad += bad;
        }
        for &label in labels {
            let Ok(codec) = HostCodec::for_label(label) else {
                continue;
            };
            let mut problems = 0u64;
            for s in samples {
                problems += codec.decode(&s.bytes, ItemKind::Mixed).map_or(1, |dec| {
                    dec.issues
                        .iter()
                        .filter(|i| {
                            !matches!(
                                i.kind,
                                HostIssueKind::Gaiji { .. }
                                    | HostIssueKind::Approximate { .. }
                                    | HostIssueKind::OneWay { .. }
                            )
                        })
                        .count() as u64
                });
            }
            f.labels.push(HostLabelFit { label, problems });
            f.problems = f.problems.min(problems);
        }
        h.families.push(f);
    }
    // A family fits by its shift codes when at least half of its shifted runs decode
    // (packed and binary numbers may hold a shift byte by chance, even in every record). Without shifted runs in any
    // family, a family fits when one of its labels decodes every byte as single bytes.
    let by_shifts = |f: &HostFamily| f.shift_runs_ok > 0 && f.shift_runs_bad <= f.shift_runs_ok;
    let any_shifts = h.families.iter().any(by_shifts);
    for f in &mut h.families {
        f.fits = if any_shifts {
            if by_shifts(f) {
                f.labels.iter().map(|l| l.label).collect()
            } else {
                Vec::new()
            }
        } else {
            f.labels
                .iter()
                .filter(|l| l.problems == 0)
                .map(|l| l.label)
                .collect()
        };
    }
    // Best first: fitting families, then by good shifted runs, then fewest problems.
    h.families.sort_by(|a, b| {
        a.fits
            .is_empty()
            .cmp(&b.fits.is_empty())
            .then(b.shift_runs_ok.cmp(&a.shift_runs_ok))
            .then(a.problems.cmp(&b.problems))
    });
    d.reasons.push(format!(
        "looks like EBCDIC-family (mainframe) data: {} of {} bytes are 0x40 (the EBCDIC space) against {} ASCII spaces, {} EBCDIC digits F0–F9 against {} ASCII digits, {} line-terminator bytes 0A/0D",
        h.space_40, h.bytes, h.space_20, h.digits_f0_f9, h.digits_30_39, h.newline_bytes
    ));
    for f in &h.families {
        let shifts = format!(
            "{} shift-in code{}, {} shifted run{} of valid double-byte codes, {} not",
            f.shift_ins,
            if f.shift_ins == 1 { "" } else { "s" },
            f.shift_runs_ok,
            if f.shift_runs_ok == 1 { "" } else { "s" },
            f.shift_runs_bad
        );
        if f.fits.is_empty() {
            d.reasons.push(format!("not {} ({shifts})", f.family));
        } else {
            d.reasons.push(format!(
                "{} fits ({shifts}): {}",
                f.family,
                f.fits.join(", ")
            ));
        }
    }
    let fitting: Vec<&HostFamily> = h.families.iter().filter(|f| !f.fits.is_empty()).collect();
    let chosen = match fitting.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    match chosen {
        Some(f) => {
            let label = f.fits.first().copied().unwrap_or("unknown");
            d.encoding = Charset::from_label(label).unwrap_or(Charset::Unknown);
            let mut conf: f64 = if any_shifts { 0.8 } else { 0.5 };
            if f.fits.len() > 1 {
                conf = conf.min(0.6);
                d.reasons.push(format!(
                    "the single-byte sets (and table versions) of {} cannot be told apart from the bytes alone: {label} is its default; check the others ({}) against a record you know",
                    f.family,
                    f.fits.get(1..).unwrap_or(&[]).join(", ")
                ));
            }
            d.confidence = conf;
        }
        None => {
            d.encoding = Charset::Unknown;
            d.confidence = 0.0;
            d.reasons.push(if fitting.is_empty() {
                "no host family fits: no shifted runs decode and no label reads every byte as text (numbers in packed or binary form, damaged data, or a code page ikou does not know); name the encoding from the system that wrote the file".to_string()
            } else {
                format!(
                    "the bytes fit more than one host family ({}): they cannot be told apart here (no shift codes, or the same bytes valid in each); name the encoding from the system that wrote the file",
                    fitting.iter().map(|f| f.family).collect::<Vec<_>>().join(", ")
                )
            });
        }
    }
    let head = samples.first().map_or(&[][..], |s| s.bytes.as_slice());
    d.newline = Newline::None;
    d.structure = period(head, effective).map_or(Structure::Unknown, |l| Structure::Fixed {
        record_length: l as u64,
        terminated: false,
    });
    d.host = Some(h);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp932(s: &str) -> Vec<u8> {
        crate::encode::encode_cp932(s).unwrap()
    }

    #[test]
    fn eight_byte_name() {
        let d = detect(&cp932("山田太郎"));
        assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
        assert!(d.findings.is_empty());
        assert!(
            d.reasons.iter().any(|r| r.contains("not euc-jp")),
            "{:?}",
            d.reasons
        );
        assert!(
            d.reasons
                .iter()
                .any(|r| r.contains("also valid as utf-16be")),
            "{:?}",
            d.reasons
        );
        assert!(d.confidence > 0.5 && d.confidence < 1.0, "{}", d.confidence);
    }

    #[test]
    fn ascii_and_empty_and_binary() {
        assert_eq!(detect(b"abc,def\r\n").encoding, Charset::Ascii);
        let e = detect(b"");
        assert_eq!(e.encoding, Charset::Unknown);
        assert_eq!(e.findings[0].kind, ByteFindingKind::Empty);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert_eq!(detect(&random).encoding, Charset::Binary);
    }

    #[test]
    fn period_of_unterminated_records() {
        let rec = |i: u32| format!("{i:010}{:<20}", "ﾔﾏﾀﾞ ﾀﾛｳ");
        let text: String = (0..40).map(rec).collect();
        let d = detect(&cp932(&text));
        assert_eq!(
            d.structure,
            Structure::Fixed {
                record_length: 30,
                terminated: false
            },
            "{d:#?}"
        );
    }

    /// Fixed 40-byte records: a name (M item with shifts), a kana name, digits, spaces.
    fn host_file(label: &str, records: usize) -> Vec<u8> {
        let codec = crate::host::HostCodec::for_label(label).unwrap();
        let mut out = Vec::new();
        for i in 0..records {
            let name = "山田 ヤマダ";
            let mut rec = codec
                .encode(
                    &format!("{:08}{name}", 19_800_101 + i),
                    crate::host::ItemKind::Mixed,
                )
                .unwrap();
            // A packed number whose bytes hold 0x28 and 0x0E by chance (no shift codes).
            rec.extend([0x00, 0x28, 0x0E, 0x9F]);
            rec.resize(40, 0x40);
            out.extend(rec);
        }
        out
    }

    #[test]
    fn issue16_host_families_by_their_shift_codes() {
        for (label, family) in [
            ("jef", "jef"),
            ("ibm-930", "ibm"),
            ("keis83", "keis"),
            ("jips", "jips"),
        ] {
            let bytes = host_file(label, 50);
            let d = detect(&bytes);
            let h = d.host.as_ref().unwrap_or_else(|| panic!("{label}: {d:#?}"));
            let first = h.families.first().unwrap();
            assert_eq!(first.family, family, "{label}: {h:#?}");
            assert!(first.shift_ins >= 50, "{label}: {h:#?}");
            assert!(
                first.fits.iter().any(|l| l.starts_with(label)),
                "{label}: {h:#?}"
            );
            assert_eq!(
                Charset::from_label(first.fits[0]),
                Some(d.encoding),
                "{label}: {d:#?}"
            );
            assert!(d.confidence >= 0.5, "{label}: {}", d.confidence);
            assert_eq!(
                d.structure,
                Structure::Fixed {
                    record_length: 40,
                    terminated: false
                },
                "{label}"
            );
            assert!(
                d.reasons.iter().any(|r| r.contains("EBCDIC")),
                "{:?}",
                d.reasons
            );
            let json = serde_json::to_value(&d).unwrap();
            assert_eq!(json["host"]["families"][0]["family"], family);
        }
    }

    #[test]
    fn issue16_host_without_shift_codes_names_no_family() {
        // EBCDIC digits and spaces only: every family's single-byte set reads them.
        let mut bytes = Vec::new();
        for i in 0..40u32 {
            for c in format!("{:08}", 20_200_101 + i).bytes() {
                bytes.push(0xF0 + (c - b'0'));
            }
            bytes.extend([0x40; 12]);
        }
        let d = detect(&bytes);
        let h = d.host.as_ref().expect("host evidence");
        let fitting: Vec<_> = h.families.iter().filter(|f| !f.fits.is_empty()).collect();
        assert!(fitting.len() >= 2, "{h:#?}");
        assert_eq!(d.encoding, Charset::Unknown, "{d:#?}");
        assert_eq!(d.confidence, 0.0);
        assert!(
            d.reasons.iter().any(|r| r.contains("cannot be told apart")),
            "{:?}",
            d.reasons
        );
    }

    #[test]
    fn issue16_cp932_with_full_width_spaces_is_not_host() {
        // Full-width spaces (81 40) and unterminated records: still CP932.
        let rec = |i: u32| format!("{i:010}{:　<10}", "山田");
        let text: String = (0..40).map(rec).collect();
        let d = detect(&cp932(&text));
        assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
        assert!(d.host.is_none());
    }
}
