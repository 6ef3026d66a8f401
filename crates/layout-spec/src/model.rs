//! The typed layout model: layouts, items, domain types, physical formats.
//!
//! Everything here is plain data. Loading from spec files, and checking a layout for
//! consistency while loading, live in [`crate::load`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which family a layout belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// A vendor's legacy export layout.
    Legacy,
    /// 中間標準レイアウト仕様 (総務省 / J-LIS, final version V2.7).
    Chukan,
    /// デジタル庁 標準仕様 (データ要件・連携要件, 基本データリスト).
    Standard,
}

impl Family {
    /// The family's name as written in spec files.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Legacy => "legacy",
            Family::Chukan => "chukan",
            Family::Standard => "standard",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far a layout can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Checked item by item against the official document.
    Verified,
    /// Transcribed or imported, not yet checked against the official document.
    UnverifiedTranscription,
    /// Made up by the ikou developers (sample data, tests).
    Synthetic,
    /// Generated unedited by `ikou layouts import` from an official item-definition workbook
    /// (項目定義書 / 基本データリスト); the workbook and a hash of the item table are in
    /// [`Layout::official`]. A hand edit makes it a transcription again.
    OfficialImport,
}

impl Status {
    /// The status as written in spec files.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::UnverifiedTranscription => "unverified-transcription",
            Status::Synthetic => "synthetic",
            Status::OfficialImport => "official-import",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a value *is*: decides how it is cleansed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainType {
    /// Free text: trimmed only.
    Text,
    /// 全角文字列: every half-width character becomes its full-width form.
    Fullwidth,
    /// カナ (氏名カナ etc.): full-width katakana, single U+3000 between words.
    #[serde(alias = "kana_name")]
    Kana,
    /// 氏名 (漢字): full-width, spaces folded, ideographs never touched.
    KanjiName,
    /// A date in one of the 和暦 or 西暦 forms (see [`DateForm`]).
    Date,
    /// A code value, usually checked against a code table.
    Code,
    /// A string of digits (番号).
    Digits,
    /// An amount or other number.
    Amount,
    /// 住所 / 方書.
    Address,
    /// 郵便番号 (7 digits).
    PostalCode,
    /// 電話番号.
    Phone,
    /// 個人番号 (12 digits with a check digit).
    IndividualNumber,
    /// 住民票コード (11 digits).
    ResidentCode,
    /// 地方公共団体コード (6 digits with a check digit).
    LgCode,
    /// The record-type selector of a multi-record-type file.
    RecordType,
    /// Filler bytes that carry no value.
    Filler,
}

impl DomainType {
    /// Every domain type, in declaration order.
    pub const ALL: [DomainType; 16] = [
        DomainType::Text,
        DomainType::Fullwidth,
        DomainType::Kana,
        DomainType::KanjiName,
        DomainType::Date,
        DomainType::Code,
        DomainType::Digits,
        DomainType::Amount,
        DomainType::Address,
        DomainType::PostalCode,
        DomainType::Phone,
        DomainType::IndividualNumber,
        DomainType::ResidentCode,
        DomainType::LgCode,
        DomainType::RecordType,
        DomainType::Filler,
    ];

    /// The name as written in spec files (`kanji_name`, `postal_code`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DomainType::Text => "text",
            DomainType::Fullwidth => "fullwidth",
            DomainType::Kana => "kana",
            DomainType::KanjiName => "kanji_name",
            DomainType::Date => "date",
            DomainType::Code => "code",
            DomainType::Digits => "digits",
            DomainType::Amount => "amount",
            DomainType::Address => "address",
            DomainType::PostalCode => "postal_code",
            DomainType::Phone => "phone",
            DomainType::IndividualNumber => "individual_number",
            DomainType::ResidentCode => "resident_code",
            DomainType::LgCode => "lg_code",
            DomainType::RecordType => "record_type",
            DomainType::Filler => "filler",
        }
    }

    /// Parses a spec-file name (also accepts `kana_name` for `kana`).
    pub fn from_name(name: &str) -> Option<DomainType> {
        if name == "kana_name" {
            return Some(DomainType::Kana);
        }
        DomainType::ALL.into_iter().find(|d| d.as_str() == name)
    }
}

impl fmt::Display for DomainType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The written form of a date item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DateForm {
    /// Recognise any unambiguous form (what `ikou normalize --as date` does).
    #[default]
    Auto,
    /// 1-digit 元号コード + YYMMDD (`4010108`; 1 明治 … 5 令和).
    EraCode1,
    /// 2-digit 年号コード + YYMMDD (中間標準レイアウト form).
    EraCode2,
    /// Era letter + YY.MM.DD (`H01.01.08`, `S64.1.7`).
    EraLetter,
    /// Era kanji with 年月日 (`平成元年１月８日`).
    EraKanji,
    /// `YYYYMMDD`.
    Yyyymmdd,
    /// `YYYY-MM-DD` (ISO 8601).
    Iso,
}

/// The unit in which an item's length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    /// Bytes in the file's legacy encoding (fixed-length layouts).
    #[default]
    Bytes,
    /// Characters (Unicode scalar values), as standard layouts count 桁数.
    Chars,
}

/// What the padding of a fixed-length item looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Trailing spaces (half- or full-width) are padding and are removed.
    #[default]
    Spaces,
    /// Leading zeros are part of the value (no padding removed).
    None,
}

/// One item (項目) of a layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// 項目番号: the item's number in the source document.
    pub number: u32,
    /// 項目名: the Japanese name.
    pub name: String,
    /// An ASCII key, unique in the layout (`birth_date`).
    pub key: String,
    /// What the value is.
    pub domain: DomainType,
    /// 桁数: the length, counted in [`Item::unit`].
    pub length: u32,
    /// The unit of [`Item::length`].
    pub unit: LengthUnit,
    /// Byte offset of the item in a fixed-length record (0-based).
    pub offset: Option<u32>,
    /// 必須: whether a value is required.
    pub required: bool,
    /// 繰返し: how many times the item repeats (1 = not repeated).
    pub repeat: u32,
    /// The name of the code table the value must be in.
    pub code_table: Option<String>,
    /// The written form of a date item.
    pub date_form: Option<DateForm>,
    /// Padding of fixed-length values.
    pub padding: Padding,
    /// Whether a digits/code value is zero-padded to [`Item::length`] by cleansing.
    pub zero_pad: bool,
    /// 備考.
    pub note: Option<String>,
    /// What the official item definition says beyond the fields above (items imported from
    /// an official workbook, or written by hand in the same terms).
    pub official: Option<OfficialItem>,
    /// How the value is stored in the record's bytes: display text (the default), or a COBOL
    /// number form (zoned, packed, binary). Spec keys `representation`, `digits`,
    /// `decimals`, `signed`, `sign`, `zone`, `native`.
    pub representation: Representation,
    /// For a text item of a host (EBCDIC-family) encoding: M (mixed, with shift codes) or
    /// N / G (double-byte only). `None` = M in a host layout. Spec key `item_kind`.
    pub host_kind: Option<HostKind>,
    /// The item's own encoding label, overriding the layout's: in a host layout, another
    /// label of the same family chooses the item's single-byte and double-byte sets
    /// (`jef-ebcdic` in a `jef` file). Spec key `encoding`.
    pub encoding: Option<String>,
}

impl Item {
    /// 必須 / 条件付き必須 / 任意.
    pub fn requirement(&self) -> Requirement {
        if self.required {
            Requirement::Required
        } else if self.official.as_ref().is_some_and(|o| o.conditional) {
            Requirement::Conditional
        } else {
            Requirement::Optional
        }
    }

    /// Whether the item allows a 不詳日 (a date whose day or month is unknown): 凡例 データ型
    /// DATE allows one only where the item's description says so, so an item allows it when
    /// its note (項目定義/項目説明) or its condition mentions 不詳日.
    pub fn allows_unknown_date(&self) -> bool {
        self.note.as_deref().is_some_and(|n| n.contains("不詳日"))
            || self
                .official
                .as_ref()
                .and_then(|o| o.condition.as_deref())
                .is_some_and(|c| c.contains("不詳日"))
    }

    /// The number of bytes the item takes in a fixed-length record (length × repeat).
    pub fn byte_span(&self) -> u64 {
        u64::from(self.length) * u64::from(self.repeat.max(1))
    }
}

/// The encoding labels of the host (mainframe, EBCDIC-family) code pages, as layouts,
/// profiles and `--encoding` write them (the same list as `ikou_cleanse::host::LABELS`).
/// Bare `jef` means `jef-ebcdik`, bare `keis78` / `keis83` the `-ebcdik` forms, bare `jips`
/// `jips-ebcdik`.
pub const HOST_ENCODINGS: &[&str] = &[
    "ibm-930",
    "ibm-939",
    "ibm-1390",
    "ibm-1399",
    "jef",
    "jef-ebcdic",
    "jef-ebcdik",
    "jef-ascii",
    "keis78",
    "keis78-ebcdic",
    "keis78-ebcdik",
    "keis83",
    "keis83-ebcdic",
    "keis83-ebcdik",
    "jips",
    "jips-ebcdik",
    "jips-jis8",
];

/// Whether `label` is one of [`HOST_ENCODINGS`] (exact, lower case).
pub fn is_host_encoding(label: &str) -> bool {
    HOST_ENCODINGS.contains(&label)
}

/// The family of a host encoding label (`jef`, `keis78`, `keis83`, `jips` or `ibm`), for
/// checking that an item's own encoding belongs to its layout's family.
pub fn host_family(label: &str) -> Option<&'static str> {
    if !is_host_encoding(label) {
        return None;
    }
    ["ibm", "jef", "keis78", "keis83", "jips"]
        .into_iter()
        .find(|f| label.starts_with(f))
}

/// The zone form zoned-decimal digits take by default in an encoding: EBCDIC (0xF0–0xF9)
/// for the host labels whose single-byte set is EBCDIC or EBCDIK, ASCII (0x30–0x39) for
/// every other encoding (including `jef-ascii` and `jips-jis8`).
pub fn default_zone(encoding: &str) -> ZoneForm {
    if is_host_encoding(encoding) && encoding != "jef-ascii" && encoding != "jips-jis8" {
        ZoneForm::Ebcdic
    } else {
        ZoneForm::Ascii
    }
}

/// How an item's value is stored in the record's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Representation {
    /// Text in the layout's (or the item's) encoding: every item before COBOL sources.
    #[default]
    Display,
    /// Zoned decimal (`PIC 9` / `S9` USAGE DISPLAY): one byte per digit, plus a sign byte
    /// when the sign is separate. Byte length = `digits` (+1 with a separate sign).
    Zoned {
        /// Digits of the picture (1–38).
        digits: u32,
        /// Implied decimal places (`V`); negative for `P` positions right of the digits
        /// (value = digits × 10^-scale).
        scale: i32,
        /// Where the sign is ([`ZonedSign::None`] for an unsigned `PIC 9`).
        sign: ZonedSign,
        /// ASCII (0x30–0x39, overpunch letters) or EBCDIC (0xF0–0xF9, zones C/D/F).
        zone: ZoneForm,
    },
    /// Packed decimal (COMP-3): two digits a byte, the sign in the last nibble. Byte length
    /// = `digits / 2 + 1`.
    Packed {
        /// Digits of the picture (1–38).
        digits: u32,
        /// Implied decimal places (see [`Representation::Zoned`]).
        scale: i32,
        /// `PIC S9`: sign nibble C/D (F accepted as +); unsigned: F (or C).
        signed: bool,
    },
    /// Big-endian binary (COMP / COMP-4 / BINARY, or COMP-5 when `native`). Byte length 2
    /// (1–4 digits), 4 (5–9) or 8 (10–18).
    Binary {
        /// Digits of the picture (1–18).
        digits: u32,
        /// Implied decimal places (see [`Representation::Zoned`]).
        scale: i32,
        /// Two's complement (`PIC S9`) or unsigned.
        signed: bool,
        /// COMP-5: the whole range of the binary field; otherwise |value| < 10^digits.
        native: bool,
    },
}

impl Representation {
    /// The spec-file name: `display`, `zoned`, `packed` or `binary`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Representation::Display => "display",
            Representation::Zoned { .. } => "zoned",
            Representation::Packed { .. } => "packed",
            Representation::Binary { .. } => "binary",
        }
    }

    /// Whether the item holds a COBOL number form (not display text).
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Representation::Display)
    }

    /// The picture's digit count, for the number forms.
    pub fn digits(&self) -> Option<u32> {
        match *self {
            Representation::Display => None,
            Representation::Zoned { digits, .. }
            | Representation::Packed { digits, .. }
            | Representation::Binary { digits, .. } => Some(digits),
        }
    }

    /// The implied decimal places, for the number forms.
    pub fn scale(&self) -> Option<i32> {
        match *self {
            Representation::Display => None,
            Representation::Zoned { scale, .. }
            | Representation::Packed { scale, .. }
            | Representation::Binary { scale, .. } => Some(scale),
        }
    }

    /// Whether the number may be negative.
    pub fn signed(&self) -> bool {
        match *self {
            Representation::Display => false,
            Representation::Zoned { sign, .. } => sign != ZonedSign::None,
            Representation::Packed { signed, .. } | Representation::Binary { signed, .. } => signed,
        }
    }

    /// The byte length the number form takes (`None` for display text, or for a binary
    /// picture of more than 18 digits).
    pub fn byte_length(&self) -> Option<u32> {
        match *self {
            Representation::Display => None,
            Representation::Zoned { digits, sign, .. } => Some(
                digits
                    + u32::from(matches!(
                        sign,
                        ZonedSign::LeadingSeparate | ZonedSign::TrailingSeparate
                    )),
            ),
            Representation::Packed { digits, .. } => Some(digits / 2 + 1),
            Representation::Binary { digits, .. } => match digits {
                1..=4 => Some(2),
                5..=9 => Some(4),
                10..=18 => Some(8),
                _ => None,
            },
        }
    }
}

/// Where a zoned decimal keeps its sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ZonedSign {
    /// Unsigned (`PIC 9`): every byte a digit.
    #[default]
    None,
    /// `PIC S9` (COBOL's default, `SIGN TRAILING`): overpunched in the last byte.
    Trailing,
    /// `SIGN LEADING`: overpunched in the first byte.
    Leading,
    /// `SIGN TRAILING SEPARATE`: an extra last byte `+` / `-`.
    TrailingSeparate,
    /// `SIGN LEADING SEPARATE`: an extra first byte `+` / `-`.
    LeadingSeparate,
}

impl ZonedSign {
    /// The spec-file name (`trailing`, `leading_separate`, …; `none` for unsigned).
    pub fn as_str(self) -> &'static str {
        match self {
            ZonedSign::None => "none",
            ZonedSign::Trailing => "trailing",
            ZonedSign::Leading => "leading",
            ZonedSign::TrailingSeparate => "trailing_separate",
            ZonedSign::LeadingSeparate => "leading_separate",
        }
    }

    /// Parses a spec-file name.
    pub fn from_name(s: &str) -> Option<ZonedSign> {
        [
            ZonedSign::None,
            ZonedSign::Trailing,
            ZonedSign::Leading,
            ZonedSign::TrailingSeparate,
            ZonedSign::LeadingSeparate,
        ]
        .into_iter()
        .find(|z| z.as_str() == s)
    }
}

/// The byte form of zoned-decimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ZoneForm {
    /// 0x30–0x39; overpunch `{` `A`–`I` / `}` `J`–`R` (and 0x70–0x79); separate `+` `-`
    /// as 0x2B 0x2D.
    #[default]
    Ascii,
    /// 0xF0–0xF9; sign zones C / D (F = +); separate `+` `-` as 0x4E 0x60.
    Ebcdic,
}

impl ZoneForm {
    /// `ascii` or `ebcdic`.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneForm::Ascii => "ascii",
            ZoneForm::Ebcdic => "ebcdic",
        }
    }
}

/// How a text item of a host encoding holds its characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HostKind {
    /// Mixed (COBOL `PIC X` holding kanji): single-byte characters and double-byte runs
    /// between shift codes; the shift codes count in the byte length.
    #[serde(rename = "M")]
    M,
    /// `PIC N`: double-byte codes only, no shift codes; the byte length is even.
    #[serde(rename = "N")]
    N,
    /// `PIC G` (DBCS): as N.
    #[serde(rename = "G")]
    G,
}

impl HostKind {
    /// `M`, `N` or `G`.
    pub fn as_str(self) -> &'static str {
        match self {
            HostKind::M => "M",
            HostKind::N => "N",
            HostKind::G => "G",
        }
    }

    /// Whether the item is double-byte only (N or G).
    pub fn is_double(self) -> bool {
        matches!(self, HostKind::N | HostKind::G)
    }
}

/// データ型 of the official item definitions (凡例 データ型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    /// X: 半角文字列.
    #[serde(rename = "X")]
    X,
    /// Ｎ: 全角文字列.
    #[serde(rename = "N")]
    N,
    /// 9: 整数.
    #[serde(rename = "9")]
    Integer,
    /// 9V: 小数点付き実数 (桁数 `n,m`).
    #[serde(rename = "9V")]
    Decimal,
    /// S9: 符号付き整数 (`-` when negative).
    #[serde(rename = "S9")]
    Signed,
    /// BLOB: 画像.
    #[serde(rename = "BLOB")]
    Blob,
    /// YEAR: `YYYY` (0000 / 9999 for open ends).
    #[serde(rename = "YEAR")]
    Year,
    /// DATE: `YYYY-MM-DD` (0000-01-01 / 9999-12-31 for open ends).
    #[serde(rename = "DATE")]
    Date,
    /// TIME: `HH:MM[:SS]`.
    #[serde(rename = "TIME")]
    Time,
}

impl DataType {
    /// Every data type.
    pub const ALL: [DataType; 9] = [
        DataType::X,
        DataType::N,
        DataType::Integer,
        DataType::Decimal,
        DataType::Signed,
        DataType::Blob,
        DataType::Year,
        DataType::Date,
        DataType::Time,
    ];

    /// The name as the workbooks and spec files write it (`X`, `N`, `9V`, `DATE`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::X => "X",
            DataType::N => "N",
            DataType::Integer => "9",
            DataType::Decimal => "9V",
            DataType::Signed => "S9",
            DataType::Blob => "BLOB",
            DataType::Year => "YEAR",
            DataType::Date => "DATE",
            DataType::Time => "TIME",
        }
    }

    /// Parses a data type; full-width letters and digits (Ｎ, ９Ｖ) and lower case are
    /// accepted.
    pub fn parse(text: &str) -> Option<DataType> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                c => c,
            })
            .collect::<String>()
            .to_ascii_uppercase();
        DataType::ALL.into_iter().find(|d| d.as_str() == t)
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// データ出力条件: whether a value must be output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// 必須.
    Required,
    /// 条件付き必須: required when the item's condition holds.
    Conditional,
    /// 任意.
    Optional,
}

impl Requirement {
    /// `required`, `conditional` or `optional`.
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Conditional => "conditional",
            Requirement::Optional => "optional",
        }
    }
}

/// The official item definition's own terms for an item (基本データリスト columns that the
/// rest of [`Item`] does not hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialItem {
    /// データ項目ID: 3-digit 業務コード + 5-digit 項目コード (`03100001`).
    pub item_id: String,
    /// データ型.
    pub data_type: DataType,
    /// 9V: digits after the decimal point (the `m` of 桁数 `n,m`).
    pub scale: Option<u32>,
    /// 条件付き必須 (then [`Item::required`] is false).
    pub conditional: bool,
    /// The condition of a 条件付き必須 item (項目説明 after ※※).
    pub condition: Option<String>,
    /// グループ 主キー.
    pub primary_key: bool,
    /// グループ 外部キー: the id of the layout (group) whose primary key this item refers to.
    pub foreign_key: Option<String>,
    /// The コード column as written (`1`, `999`, `住民記録001`).
    pub code_id: Option<String>,
}

impl OfficialItem {
    /// S9: the value may carry a `-`.
    pub fn signed(&self) -> bool {
        self.data_type == DataType::Signed
    }
}

/// Where an `official-import` layout came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialSource {
    /// The workbook's file name.
    pub file: String,
    /// The sheet the items were read from.
    pub sheet: String,
    /// SHA-256 of the workbook (hex).
    pub sha256: String,
    /// SHA-256 (hex) of the item table as imported (see [`crate::write::items_digest`]).
    pub items_sha256: String,
}

/// Line terminators of a record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Terminator {
    /// No terminator: records follow each other directly.
    None,
    /// CR LF.
    #[default]
    Crlf,
    /// LF.
    Lf,
    /// CR.
    Cr,
    /// Any of CR LF, LF or CR (mixed files).
    Any,
}

impl Terminator {
    /// The terminator's spec-file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Terminator::None => "none",
            Terminator::Crlf => "crlf",
            Terminator::Lf => "lf",
            Terminator::Cr => "cr",
            Terminator::Any => "any",
        }
    }
}

/// How records sit in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PhysicalFormat {
    /// Fixed-length records of `record_length` bytes (terminator excluded).
    Fixed {
        /// Bytes per record, terminator excluded.
        record_length: u32,
        /// What follows each record.
        terminator: Terminator,
    },
    /// Delimited records (CSV, TSV).
    Delimited {
        /// The field delimiter byte.
        delimiter: u8,
        /// The quote byte, if fields may be quoted.
        quote: Option<u8>,
        /// Number of header rows before the data.
        header_rows: u32,
        /// The record terminator.
        terminator: Terminator,
    },
}

impl PhysicalFormat {
    /// The fixed record length, if this is a fixed-length format.
    pub fn record_length(&self) -> Option<u32> {
        match self {
            PhysicalFormat::Fixed { record_length, .. } => Some(*record_length),
            PhysicalFormat::Delimited { .. } => None,
        }
    }
}

/// The role of a record in a multi-record-type file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordRole {
    /// A header record (once, first).
    Header,
    /// A data record.
    Data,
    /// A trailer record (once, last), possibly carrying a record count.
    Trailer,
}

/// A non-data record type of a multi-record-type file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubRecord {
    /// Header or trailer.
    pub role: RecordRole,
    /// The value of the record-type selector that marks this record type.
    pub code: String,
    /// The items of this record type.
    pub items: Vec<Item>,
    /// For trailers: the key of the item that holds the count of data records.
    pub count_item: Option<String>,
}

/// How records of different types are told apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordTypes {
    /// Byte offset of the selector in every record.
    pub offset: u32,
    /// Byte length of the selector.
    pub length: u32,
    /// The selector value of data records.
    pub data_code: String,
    /// Header and trailer record types.
    pub others: Vec<SubRecord>,
}

/// A record layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// The id, `family/name` (`legacy/sample-juki`).
    pub id: String,
    /// The display name (Japanese).
    pub name: String,
    /// 業務 (住民基本台帳, 個人住民税, …).
    pub gyomu: String,
    /// The layout's family.
    pub family: Family,
    /// The document the layout was taken from.
    pub source: String,
    /// The layout's version.
    pub version: String,
    /// How far the layout can be trusted.
    pub status: Status,
    /// The character encoding of the file, as a label (`cp932`, `utf-8`).
    pub encoding: String,
    /// How records sit in the file.
    pub format: PhysicalFormat,
    /// Data-record items, in order.
    pub items: Vec<Item>,
    /// Multi-record-type files: how header/data/trailer records are told apart.
    pub record_types: Option<RecordTypes>,
    /// Free-form notes.
    pub note: Option<String>,
    /// The official workbook the layout was imported from (status `official-import`).
    pub official: Option<OfficialSource>,
}

impl Layout {
    /// For a layout with an [`OfficialSource`]: whether its item table is still the one
    /// imported (false after a hand edit). `None` for other layouts.
    pub fn official_unedited(&self) -> Option<bool> {
        self.official
            .as_ref()
            .map(|o| o.items_sha256 == crate::write::items_digest(self))
    }

    /// Finds a data item by its key.
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.key == key)
    }

    /// The position of a data item by key.
    pub fn item_index(&self, key: &str) -> Option<usize> {
        self.items.iter().position(|i| i.key == key)
    }
}

/// A code table: codes and their labels (`1,男`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeTable {
    /// The table's name, as items refer to it (`seibetsu`).
    pub name: String,
    /// `(code, label)` pairs in file order.
    pub entries: Vec<(String, String)>,
}

impl CodeTable {
    /// The label of a code, if the code is in the table.
    pub fn label(&self, code: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, l)| l.as_str())
    }

    /// Whether the code is in the table.
    pub fn contains(&self, code: &str) -> bool {
        self.label(code).is_some()
    }
}

/// The target form of the characters where CP932 (Microsoft) and JIS mappings disagree:
/// 0x8160 〜/～, 0x8161 ∥/‖, 0x817C −/－, 0x815C ―/—, and ¢ £ ¬.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VariantPolicy {
    /// Leave every variant as decoded.
    #[default]
    Keep,
    /// The Microsoft CP932 forms: U+FF5E ～, U+2225 ∥, U+FF0D －, U+2015 ―, U+FFE0 ￠,
    /// U+FFE1 ￡, U+FFE2 ￢.
    Cp932,
    /// The JIS X 0208 forms: U+301C 〜, U+2016 ‖, U+2212 −, U+2014 —, U+00A2 ¢, U+00A3 £,
    /// U+00AC ¬.
    Jis,
}
