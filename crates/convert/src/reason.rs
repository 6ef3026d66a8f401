//! Why a record is rejected, typed: one [`ReasonKind`] per reason with a stable id (the id
//! written in `rejects.csv`'s `kinds` column and counted in `manifest.json`'s
//! `rejects_by_reason`) and a description in Japanese and English.
//!
//! ```
//! use ikou_convert::reason::{Lang, ReasonKind};
//! assert_eq!(ReasonKind::FrameMisplaced.id(), "frame.misplaced");
//! assert_eq!(ReasonKind::from_id("gaiji.unmapped"), Some(ReasonKind::GaijiUnmapped));
//! assert_eq!(ReasonKind::GaijiUnmapped.description(Lang::En), "a 外字 not in the 外字 table");
//! ```

use ikou_cleanse::change::FindingKind;
use ikou_cleanse::frame::{FrameProblem, SliceProblem};
use std::borrow::Cow;
use std::fmt;

/// Whether a character a reason names is written as itself beside its code point: not a
/// control or format character, a separator of lines, a surrogate or noncharacter (they
/// would be invisible or break the cell), and not a private-use character (a 外字 is named
/// by its code, as the 外字 table does).
fn shown_as_itself(c: char) -> bool {
    let cp = u32::from(c);
    !(c.is_control()
        || ikou_cleanse::mask::is_private_use(c)
        || matches!(cp, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E)
        || matches!(cp, 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF)
        || matches!(cp, 0xFFF9..=0xFFFB | 0xE0000..=0xE007F)
        || matches!(cp, 0xFDD0..=0xFDEF)
        || cp & 0xFFFE == 0xFFFE)
}

/// The code points a message names: `(byte index of "U+", the character)`.
fn code_points(message: &str) -> Vec<(usize, char)> {
    let mut found = Vec::new();
    for (i, _) in message.match_indices("U+") {
        let hex: String = message
            .get(i + 2..)
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        if !(4..=6).contains(&hex.len()) {
            continue;
        }
        if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
            found.push((i, c));
        }
    }
    found
}

/// A reason's message with each character it names by code point (`character 8 (U+FF08)
/// is not katakana`) written as itself before the code: `character 8 「（」 (U+FF08) is
/// not katakana`. For runs that show personal values (`--show-values`): the character is
/// part of a resident's value. Control, format and private-use (外字) characters stay
/// codes only.
///
/// ```
/// use ikou_convert::reason::{hide_characters, show_characters};
/// let m = "character 8 (U+FF08) is not katakana, ー or a space";
/// let shown = show_characters(m);
/// assert_eq!(shown, "character 8 「（」 (U+FF08) is not katakana, ー or a space");
/// assert_eq!(hide_characters(&shown), m);
/// assert_eq!(show_characters("外字 F040 (U+E000) not in the table"), "外字 F040 (U+E000) not in the table");
/// ```
pub fn show_characters(message: &str) -> Cow<'_, str> {
    let points = code_points(message);
    if points.is_empty() {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len() + 16);
    let mut from = 0;
    for (i, c) in points {
        if !shown_as_itself(c) {
            continue;
        }
        let at = if i > 0 && message.as_bytes().get(i - 1) == Some(&b'(') {
            i - 1
        } else {
            i
        };
        let head = message.get(..at).unwrap_or("");
        if at < from || head.ends_with(&format!("「{c}」 ")) {
            continue; // already shown
        }
        out.push_str(message.get(from..at).unwrap_or(""));
        out.push('「');
        out.push(c);
        out.push_str("」 ");
        from = at;
    }
    out.push_str(message.get(from..).unwrap_or(""));
    Cow::Owned(out)
}

/// The inverse of [`show_characters`]: a message without the characters written beside
/// their code points (a report made without `--show-values` from a run made with it).
pub fn hide_characters(message: &str) -> Cow<'_, str> {
    let points = code_points(message);
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for (i, c) in points {
        let at = if i > 0 && message.as_bytes().get(i - 1) == Some(&b'(') {
            i - 1
        } else {
            i
        };
        let shown = format!("「{c}」 ");
        if let Some(start) = at.checked_sub(shown.len()) {
            if message.get(start..at) == Some(shown.as_str()) {
                cuts.push((start, at));
            }
        }
    }
    if cuts.is_empty() {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len());
    let mut from = 0;
    for (start, end) in cuts {
        out.push_str(message.get(from..start).unwrap_or(""));
        from = end;
    }
    out.push_str(message.get(from..).unwrap_or(""));
    Cow::Owned(out)
}

/// The language of a description, and of the report page (`ikou_convert::report::Lang` is
/// this type: one ja/en choice for every text ikou writes for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 日本語 (the default: municipal staff read it).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The language tag (`ja`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The language for a tag (`ja`, `en`), or None.
    ///
    /// ```
    /// use ikou_convert::report::Lang;
    /// assert_eq!(Lang::from_code("en"), Some(Lang::En));
    /// assert_eq!(Lang::from_code("fr"), None);
    /// ```
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.to_ascii_lowercase().as_str() {
            "ja" | "jp" | "japanese" => Some(Lang::Ja),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// `ja` or `en` of a `(ja, en)` pair of descriptions.
    pub fn pick(self, (ja, en): (&'static str, &'static str)) -> &'static str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

/// One reason a record is rejected: its kind, the item concerned and a message that holds
/// no personal value. `rejects.csv` writes it as `item: message (kind)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The kind, with its stable id (`date.after_era`, `frame.truncated`,
    /// `target.required`, …: [`ReasonKind::id`]).
    pub kind: ReasonKind,
    /// The item concerned (source or target key), if any.
    pub item: Option<String>,
    /// What is wrong, without the value.
    pub message: String,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{item}: {} ({})", self.message, self.kind),
            None => write!(f, "{} ({})", self.message, self.kind),
        }
    }
}

/// Why a record is rejected: framing, slicing, decoding, 外字, cleansing findings, code
/// mapping, the target layout's rules, the cross-record checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ReasonKind {
    /// `frame.truncated`
    FrameTruncated,
    /// `frame.wrong_length`
    FrameWrongLength,
    /// `frame.too_long`
    FrameTooLong,
    /// `frame.unterminated_quote`
    FrameUnterminatedQuote,
    /// `frame.malformed_quote`
    FrameMalformedQuote,
    /// `frame.field_count`
    FrameFieldCount,
    /// `frame.too_many_fields`
    FrameTooManyFields,
    /// `frame.unknown_record_type`
    FrameUnknownRecordType,
    /// `frame.misplaced`
    FrameMisplaced,
    /// `frame.trailer_count`
    FrameTrailerCount,
    /// `slice.missing`
    SliceMissing,
    /// `slice.cuts_start`
    SliceCutsStart,
    /// `slice.cuts_end`
    SliceCutsEnd,
    /// `decode.malformed`
    DecodeMalformed,
    /// `decode.cut_character`
    DecodeCutCharacter,
    /// `gaiji.unmapped` (policy `unmapped_gaiji = "reject"`)
    GaijiUnmapped,
    /// A cleansing finding that rejects (`date.after_era`, `digits.length`, …).
    Finding(FindingKind),
    /// `map.unmapped_code`
    MapUnmappedCode,
    /// `map.no_row`: a multi-group profile's record gives a row in no group (issue #13).
    MapNoRow,
    /// `target.required`
    TargetRequired,
    /// `target.length`
    TargetLength,
    /// `target.code`
    TargetCode,
    /// `check.duplicate`
    CheckDuplicate,
    /// `check.household_no_head`
    CheckHouseholdNoHead,
    /// `check.household_heads`
    CheckHouseholdHeads,
    /// `check.date_order`
    CheckDateOrder,
    /// `check.primary_key_duplicate`: the record's row of a group has the primary key of
    /// another row of that group (issue #13).
    CheckPrimaryKeyDuplicate,
    /// `check.foreign_key_missing`: the record's row of a group refers by foreign key to a
    /// row of another group that the run does not output (issue #13).
    CheckForeignKeyMissing,
    /// `decode.unmapped`: a host code page code with no character (issue #16).
    DecodeUnmapped,
    /// `decode.shift`: a shift code doubled, not closed or cut in a host M item.
    DecodeShift,
    /// `number.bad_digit`: a zoned byte or packed nibble that is not a digit.
    NumberBadDigit,
    /// `number.bad_sign`: a sign the number form does not allow.
    NumberBadSign,
    /// `number.length`: a numeric item of the wrong byte length for its picture.
    NumberLength,
    /// `number.overflow`: more digits than the picture (or 38) allows.
    NumberOverflow,
    /// `target.halfwidth`: a character that is not half-width in an X item (issue #13).
    TargetHalfWidth,
    /// `target.fullwidth`: a half-width or control character in an Ｎ item.
    TargetFullWidth,
    /// `target.number`: not a number of the item's form (9, S9, 9V).
    TargetNumber,
    /// `target.year`: not `YYYY` (YEAR).
    TargetYear,
    /// `target.date`: not a real `YYYY-MM-DD` (DATE).
    TargetDate,
    /// `target.unknown_date`: a 不詳日 in a DATE item that does not allow one.
    TargetUnknownDate,
    /// `target.time`: not `HH:MM[:SS]` (TIME).
    TargetTime,
    /// `target.conditional`: a 条件付き必須 item is empty while its profile condition holds.
    TargetConditional,
}

impl ReasonKind {
    /// Every kind.
    pub const ALL: [ReasonKind; 61] = [
        ReasonKind::FrameTruncated,
        ReasonKind::FrameWrongLength,
        ReasonKind::FrameTooLong,
        ReasonKind::FrameUnterminatedQuote,
        ReasonKind::FrameMalformedQuote,
        ReasonKind::FrameFieldCount,
        ReasonKind::FrameTooManyFields,
        ReasonKind::FrameUnknownRecordType,
        ReasonKind::FrameMisplaced,
        ReasonKind::FrameTrailerCount,
        ReasonKind::SliceMissing,
        ReasonKind::SliceCutsStart,
        ReasonKind::SliceCutsEnd,
        ReasonKind::DecodeMalformed,
        ReasonKind::DecodeCutCharacter,
        ReasonKind::GaijiUnmapped,
        ReasonKind::Finding(FindingKind::NotKana),
        ReasonKind::Finding(FindingKind::NotDigit),
        ReasonKind::Finding(FindingKind::Control),
        ReasonKind::Finding(FindingKind::NotCode),
        ReasonKind::Finding(FindingKind::AmountInvalid),
        ReasonKind::Finding(FindingKind::PhoneInvalid),
        ReasonKind::Finding(FindingKind::DigitsLength),
        ReasonKind::Finding(FindingKind::CheckDigitMismatch),
        ReasonKind::Finding(FindingKind::DateUnrecognised),
        ReasonKind::Finding(FindingKind::DateUnknownEra),
        ReasonKind::Finding(FindingKind::DateEraYearZero),
        ReasonKind::Finding(FindingKind::DateMonthOutOfRange),
        ReasonKind::Finding(FindingKind::DateDayOutOfRange),
        ReasonKind::Finding(FindingKind::DateUnknownMonthWithDay),
        ReasonKind::Finding(FindingKind::DateBeforeEra),
        ReasonKind::Finding(FindingKind::DateAfterEra),
        ReasonKind::Finding(FindingKind::DateLunisolar),
        ReasonKind::Finding(FindingKind::DateNoEra),
        ReasonKind::Finding(FindingKind::DatePartial),
        ReasonKind::Finding(FindingKind::GaijiPrivateUse),
        ReasonKind::MapUnmappedCode,
        ReasonKind::MapNoRow,
        ReasonKind::TargetRequired,
        ReasonKind::TargetLength,
        ReasonKind::TargetCode,
        ReasonKind::CheckDuplicate,
        ReasonKind::CheckHouseholdNoHead,
        ReasonKind::CheckHouseholdHeads,
        ReasonKind::CheckDateOrder,
        ReasonKind::CheckPrimaryKeyDuplicate,
        ReasonKind::CheckForeignKeyMissing,
        ReasonKind::DecodeUnmapped,
        ReasonKind::DecodeShift,
        ReasonKind::NumberBadDigit,
        ReasonKind::NumberBadSign,
        ReasonKind::NumberLength,
        ReasonKind::NumberOverflow,
        ReasonKind::TargetHalfWidth,
        ReasonKind::TargetFullWidth,
        ReasonKind::TargetNumber,
        ReasonKind::TargetYear,
        ReasonKind::TargetDate,
        ReasonKind::TargetUnknownDate,
        ReasonKind::TargetTime,
        ReasonKind::TargetConditional,
    ];

    /// The stable id (`frame.misplaced`, `date.after_era`, …).
    pub fn id(self) -> &'static str {
        match self {
            ReasonKind::FrameTruncated => "frame.truncated",
            ReasonKind::FrameWrongLength => "frame.wrong_length",
            ReasonKind::FrameTooLong => "frame.too_long",
            ReasonKind::FrameUnterminatedQuote => "frame.unterminated_quote",
            ReasonKind::FrameMalformedQuote => "frame.malformed_quote",
            ReasonKind::FrameFieldCount => "frame.field_count",
            ReasonKind::FrameTooManyFields => "frame.too_many_fields",
            ReasonKind::FrameUnknownRecordType => "frame.unknown_record_type",
            ReasonKind::FrameMisplaced => "frame.misplaced",
            ReasonKind::FrameTrailerCount => "frame.trailer_count",
            ReasonKind::SliceMissing => "slice.missing",
            ReasonKind::SliceCutsStart => "slice.cuts_start",
            ReasonKind::SliceCutsEnd => "slice.cuts_end",
            ReasonKind::DecodeMalformed => "decode.malformed",
            ReasonKind::DecodeCutCharacter => "decode.cut_character",
            ReasonKind::GaijiUnmapped => "gaiji.unmapped",
            ReasonKind::Finding(f) => f.as_str(),
            ReasonKind::MapUnmappedCode => "map.unmapped_code",
            ReasonKind::MapNoRow => "map.no_row",
            ReasonKind::TargetRequired => "target.required",
            ReasonKind::TargetLength => "target.length",
            ReasonKind::TargetCode => "target.code",
            ReasonKind::CheckDuplicate => "check.duplicate",
            ReasonKind::CheckPrimaryKeyDuplicate => "check.primary_key_duplicate",
            ReasonKind::CheckForeignKeyMissing => "check.foreign_key_missing",
            ReasonKind::CheckHouseholdNoHead => "check.household_no_head",
            ReasonKind::CheckHouseholdHeads => "check.household_heads",
            ReasonKind::CheckDateOrder => "check.date_order",
            ReasonKind::DecodeUnmapped => "decode.unmapped",
            ReasonKind::DecodeShift => "decode.shift",
            ReasonKind::NumberBadDigit => "number.bad_digit",
            ReasonKind::NumberBadSign => "number.bad_sign",
            ReasonKind::NumberLength => "number.length",
            ReasonKind::NumberOverflow => "number.overflow",
            ReasonKind::TargetHalfWidth => "target.halfwidth",
            ReasonKind::TargetFullWidth => "target.fullwidth",
            ReasonKind::TargetNumber => "target.number",
            ReasonKind::TargetYear => "target.year",
            ReasonKind::TargetDate => "target.date",
            ReasonKind::TargetUnknownDate => "target.unknown_date",
            ReasonKind::TargetTime => "target.time",
            ReasonKind::TargetConditional => "target.conditional",
        }
    }

    /// The kind with this id.
    pub fn from_id(id: &str) -> Option<ReasonKind> {
        ReasonKind::ALL.iter().copied().find(|k| k.id() == id)
    }

    /// The kind of a framing problem.
    pub fn of_frame(p: &FrameProblem) -> ReasonKind {
        match p {
            FrameProblem::Truncated { .. } => ReasonKind::FrameTruncated,
            FrameProblem::WrongLength { .. } => ReasonKind::FrameWrongLength,
            FrameProblem::TooLong { .. } => ReasonKind::FrameTooLong,
            FrameProblem::UnterminatedQuote => ReasonKind::FrameUnterminatedQuote,
            FrameProblem::MalformedQuote { .. } => ReasonKind::FrameMalformedQuote,
            FrameProblem::FieldCount { .. } => ReasonKind::FrameFieldCount,
            FrameProblem::TooManyFields { .. } => ReasonKind::FrameTooManyFields,
            FrameProblem::UnknownRecordType { .. } => ReasonKind::FrameUnknownRecordType,
            FrameProblem::Misplaced { .. } => ReasonKind::FrameMisplaced,
            FrameProblem::TrailerCount { .. } => ReasonKind::FrameTrailerCount,
            // FrameProblem is non_exhaustive: a problem added later is still a framing
            // problem (a test checks that every known one has its own kind).
            _ => ReasonKind::FrameWrongLength,
        }
    }

    /// The kind of a slicing problem.
    pub fn of_slice(p: &SliceProblem) -> ReasonKind {
        match p {
            SliceProblem::Missing { .. } => ReasonKind::SliceMissing,
            SliceProblem::CutsStart => ReasonKind::SliceCutsStart,
            SliceProblem::CutsEnd => ReasonKind::SliceCutsEnd,
        }
    }

    /// What the kind means (`ja`, `en`).
    pub fn descriptions(self) -> (&'static str, &'static str) {
        match self {
            ReasonKind::FrameTruncated => ("レコードが途中で切れている", "the record is cut short"),
            ReasonKind::FrameWrongLength => {
                ("レコードの長さが違う", "the record has the wrong length")
            }
            ReasonKind::FrameTooLong => ("レコードが長すぎる", "the record is too long"),
            ReasonKind::FrameUnterminatedQuote => (
                "引用符が閉じられていない（ファイルの残りが1件になった）",
                "a quote is never closed (the rest of the file became one record)",
            ),
            ReasonKind::FrameMalformedQuote => (
                "閉じ引用符の後に文字がある",
                "characters after a closing quote",
            ),
            ReasonKind::FrameFieldCount => ("項目の数が違う", "wrong number of fields"),
            ReasonKind::FrameTooManyFields => {
                ("項目の数が上限を超えている", "more fields than the limit")
            }
            ReasonKind::FrameUnknownRecordType => ("不明なレコード種別", "unknown record type"),
            ReasonKind::FrameMisplaced => (
                "レコードの位置が正しくない（データ中のヘッダー・トレーラーなど）",
                "record in the wrong place (a header or trailer among the data, …)",
            ),
            ReasonKind::FrameTrailerCount => (
                "トレーラーレコードの件数がデータの件数と合わない",
                "the trailer's record count disagrees with the records read",
            ),
            ReasonKind::SliceMissing => ("項目がない", "an item is missing"),
            ReasonKind::SliceCutsStart | ReasonKind::SliceCutsEnd => (
                "項目の境目が全角文字の途中にある",
                "an item boundary cuts a double-byte character",
            ),
            ReasonKind::DecodeMalformed => (
                "文字として読めないバイトがある",
                "bytes that are not valid characters",
            ),
            ReasonKind::DecodeCutCharacter => ("文字が途中で切れている", "a character is cut"),
            ReasonKind::GaijiUnmapped => {
                ("外字対応表にない外字がある", "a 外字 not in the 外字 table")
            }
            ReasonKind::Finding(f) => finding_descriptions(f),
            ReasonKind::MapUnmappedCode => (
                "コード表にないコード値",
                "a code value not in its code table",
            ),
            ReasonKind::MapNoRow => (
                "どのグループにも行を作らないレコード",
                "a record that gives a row in no group",
            ),
            ReasonKind::TargetRequired => ("必須の項目が空", "a required item is empty"),
            ReasonKind::TargetLength => (
                "移行先の桁数を超えている",
                "longer than the target item allows",
            ),
            ReasonKind::TargetCode => {
                ("移行先のコード表にない値", "not in the target's code table")
            }
            ReasonKind::CheckDuplicate => (
                "同じ番号が複数のレコードにある",
                "the same key in several records",
            ),
            ReasonKind::CheckHouseholdNoHead => {
                ("世帯主のいない世帯", "a household without a head")
            }
            ReasonKind::CheckHouseholdHeads => {
                ("世帯主が複数いる世帯", "a household with several heads")
            }
            ReasonKind::CheckDateOrder => {
                ("日付の前後関係が正しくない", "dates in the wrong order")
            }
            ReasonKind::CheckPrimaryKeyDuplicate => (
                "グループの主キーが複数の行にある",
                "the same primary key in several rows of a group",
            ),
            ReasonKind::CheckForeignKeyMissing => (
                "外部キーが参照先グループの主キーにない",
                "a foreign key with no row of that primary key in the referenced group",
            ),
            ReasonKind::DecodeUnmapped => (
                "文字コード表に文字がないコード（ホスト）",
                "a host code with no character in the code page",
            ),
            ReasonKind::DecodeShift => (
                "シフトコードが重複・未終了・途中で切れている（ホスト）",
                "a shift code doubled, not closed or cut (host)",
            ),
            ReasonKind::NumberBadDigit => (
                "数値項目（ゾーン・パック）に数字でないバイトがある",
                "a byte or nibble that is not a digit in a zoned or packed number",
            ),
            ReasonKind::NumberBadSign => (
                "数値項目の符号が正しくない",
                "a sign the number form does not allow",
            ),
            ReasonKind::NumberLength => (
                "数値項目のバイト数が定義と違う",
                "a numeric item of the wrong byte length for its picture",
            ),
            ReasonKind::NumberOverflow => (
                "数値項目の桁があふれている",
                "a number with more digits than its picture allows",
            ),
            ReasonKind::TargetHalfWidth => (
                "半角文字列（X）の項目に半角でない文字がある",
                "a character that is not half-width in an X (half-width) item",
            ),
            ReasonKind::TargetFullWidth => (
                "全角文字列（Ｎ）の項目に半角文字・制御文字がある",
                "a half-width or control character in an Ｎ (full-width) item",
            ),
            ReasonKind::TargetNumber => (
                "数値の形式（9・S9・9V）になっていない",
                "not a number of the item's form (9, S9, 9V)",
            ),
            ReasonKind::TargetYear => ("年がYYYYの形式でない", "not a year YYYY (YEAR)"),
            ReasonKind::TargetDate => (
                "日付がYYYY-MM-DDの形式でない・存在しない日付",
                "not a real date YYYY-MM-DD (DATE)",
            ),
            ReasonKind::TargetUnknownDate => (
                "不詳日を許容しない日付項目に不詳日がある",
                "a 不詳日 (day or month unknown) in a DATE item that does not allow one",
            ),
            ReasonKind::TargetTime => {
                ("時刻がHH:MM:SSの形式でない", "not a time HH:MM[:SS] (TIME)")
            }
            ReasonKind::TargetConditional => (
                "条件付き必須の項目が、条件を満たすのに空",
                "a conditionally required item is empty while its condition holds",
            ),
        }
    }

    /// What the kind means, in `lang`.
    pub fn description(self, lang: Lang) -> &'static str {
        lang.pick(self.descriptions())
    }
}

/// A problem noted on a record that keeps it: counted in the manifest's
/// `findings_by_kind`, never a reject (a cleansing finding that does not reject is a
/// [`ReasonKind::Finding`] instead). Ids are never built with `format!`: every one is here.
///
/// ```
/// use ikou_convert::reason::FlagKind;
/// assert_eq!(FlagKind::GaijiUnmappedKept.id(), "gaiji.unmapped_kept");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FlagKind {
    /// `gaiji.unmapped_kept`: a 外字 not in the table, kept (policy `unmapped_gaiji = "keep"`).
    GaijiUnmappedKept,
    /// `decode.approximate`: a character decoded to its nearest Unicode form (host code
    /// pages); counted once per code and item of a record, like its `changes.csv` row.
    DecodeApproximate,
}

impl FlagKind {
    /// Every kind.
    pub const ALL: [FlagKind; 2] = [FlagKind::GaijiUnmappedKept, FlagKind::DecodeApproximate];

    /// The stable id, a key of the manifest's `findings_by_kind`.
    pub fn id(self) -> &'static str {
        match self {
            FlagKind::GaijiUnmappedKept => "gaiji.unmapped_kept",
            FlagKind::DecodeApproximate => "decode.approximate",
        }
    }

    /// The kind with this id.
    pub fn from_id(id: &str) -> Option<FlagKind> {
        FlagKind::ALL.iter().copied().find(|k| k.id() == id)
    }

    /// What the kind means (`ja`, `en`).
    pub fn descriptions(self) -> (&'static str, &'static str) {
        match self {
            FlagKind::GaijiUnmappedKept => (
                "外字対応表にない外字をそのまま残した",
                "a 外字 not in the table was kept",
            ),
            FlagKind::DecodeApproximate => (
                "近い文字として読んだコードがある（ホスト、移行済み）",
                "a host code read as an approximate character (kept)",
            ),
        }
    }
}

impl fmt::Display for FlagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

fn finding_descriptions(f: FindingKind) -> (&'static str, &'static str) {
    match f {
        FindingKind::NotKana => ("カナ以外の文字がある", "a character that is not kana"),
        FindingKind::NotDigit => ("数字以外の文字がある", "a character that is not a digit"),
        FindingKind::Control => (
            "制御文字（NUL・改行・ESCなど）がある",
            "a control character (NUL, line break, ESC, …)",
        ),
        FindingKind::NotCode => (
            "コードに使えない文字がある",
            "a character not allowed in a code",
        ),
        FindingKind::AmountInvalid => ("金額の形式が正しくない", "not a valid amount"),
        FindingKind::PhoneInvalid => ("電話番号の形式が正しくない", "not a valid phone number"),
        FindingKind::DigitsLength => ("桁数が違う", "wrong number of digits"),
        FindingKind::CheckDigitMismatch => (
            "チェックデジットが合わない（修正していません）",
            "the check digit does not match (not corrected)",
        ),
        FindingKind::DateUnrecognised => ("日付として読めない", "not a date ikou can read"),
        FindingKind::DateUnknownEra => ("元号のコードが不明", "unknown era code"),
        FindingKind::DateEraYearZero => ("元号の0年", "era year 0"),
        FindingKind::DateMonthOutOfRange => ("月が1〜12の範囲外", "month out of range"),
        FindingKind::DateDayOutOfRange => ("その月にない日", "a day the month does not have"),
        FindingKind::DateUnknownMonthWithDay => {
            ("月が不明なのに日がある", "month unknown but a day given")
        }
        FindingKind::DateBeforeEra => ("元号の始まりより前の日付", "before the era began"),
        FindingKind::DateAfterEra => (
            "元号が終わった後の日付（例：平成31年5月）",
            "after the era ended (e.g. 平成31年5月)",
        ),
        FindingKind::DateLunisolar => (
            "明治6年より前（旧暦）の日付",
            "before 明治6年 (lunisolar calendar)",
        ),
        FindingKind::DateNoEra => ("和暦で表せない日付", "no single era covers the date"),
        FindingKind::DatePartial => (
            "日または月が不明（分かる範囲で移行）",
            "day or month unknown (kept as far as known)",
        ),
        FindingKind::GaijiPrivateUse => (
            "外字（私用領域の文字）を含む",
            "contains a private-use character (外字)",
        ),
        _ => ("移行前の値の問題", "a problem of the legacy value"),
    }
}

impl fmt::Display for ReasonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_kind_has_a_unique_id_and_both_descriptions() {
        let mut ids = BTreeSet::new();
        for k in ReasonKind::ALL {
            assert!(ids.insert(k.id()), "{} twice", k.id());
            let (ja, en) = k.descriptions();
            assert!(!ja.is_empty() && !en.is_empty(), "{k}");
            assert_ne!(
                ja, "移行前の値の問題",
                "{k} has only the fallback description"
            );
            assert_eq!(ReasonKind::from_id(k.id()), Some(k));
            // Ids are `family.name`, lower case.
            let (fam, name) = k.id().split_once('.').unwrap_or_default();
            assert!(!fam.is_empty() && !name.is_empty(), "{k}");
            assert!(k
                .id()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'));
        }
        // Every cleansing finding kind is a reason kind (a rejecting finding is a reason).
        for f in FindingKind::ALL {
            assert!(ReasonKind::ALL.contains(&ReasonKind::Finding(f)), "{f:?}");
        }
        // One spelling of the unmapped 外字 reason.
        assert!(ReasonKind::from_id("gaiji_unmapped").is_none());
    }

    /// The variants `enum name` declares in `source`: its body's lines `Name,` or
    /// `Name(…),` (doc comments and attributes skipped).
    fn declared_variants(source: &str, name: &str) -> Vec<String> {
        let head = format!("pub enum {name} {{\n");
        let body = source.split_once(&head).expect("the enum").1;
        let body = body.split_once("\n}\n").expect("the enum's end").0;
        (body.lines().map(str::trim))
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()) && l.ends_with(','))
            .map(|l| {
                l.trim_end_matches(',')
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    /// The variants `name::ALL` lists in `source` (for `Finding(FindingKind::X)`: `Finding`).
    fn listed_in_all(source: &str, name: &str) -> BTreeSet<String> {
        let head = format!("pub const ALL: [{name}; ");
        let list = source.split_once(&head).expect("ALL").1;
        let list = list.split_once("];").expect("the end of ALL").0;
        let prefix = format!("{name}::");
        (list.match_indices(&prefix))
            .map(|(at, _)| {
                let rest = &list[at + prefix.len()..];
                let end = rest
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(rest.len());
                rest[..end].to_string()
            })
            .collect()
    }

    /// `ALL` is written by hand; this reads the enums' sources, so a variant added to an
    /// enum and not to its `ALL` (and so to the description test above, the report's
    /// tables and the docs' lists) fails here.
    #[test]
    fn every_variant_is_in_its_all() {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let reason = std::fs::read_to_string(here.join("src/reason.rs")).unwrap();
        let change = std::fs::read_to_string(here.join("../cleanse/src/change.rs")).unwrap();
        for (source, name, expected) in [
            (&reason, "ReasonKind", ReasonKind::ALL.len()),
            (&reason, "FlagKind", FlagKind::ALL.len()),
            (&change, "FindingKind", FindingKind::ALL.len()),
            (&change, "RuleId", ikou_cleanse::change::RuleId::ALL.len()),
        ] {
            let declared = declared_variants(source, name);
            let listed = listed_in_all(source, name);
            assert!(declared.len() >= 2, "{name}: variants not found");
            for v in &declared {
                assert!(listed.contains(v), "{name}::{v} is not in {name}::ALL");
            }
            if name != "ReasonKind" {
                // One entry per variant (ReasonKind's `Finding` has one per FindingKind).
                assert_eq!(declared.len(), expected, "{name}::ALL");
            }
        }
    }

    /// Issue #14: with personal values shown, a reason names the offending character
    /// itself beside its code point; masked, only the code point. Both directions, every
    /// message form that names a character.
    #[test]
    fn issue14_characters_are_shown_beside_their_code_points_and_hidden_again() {
        let cases = [
            (
                "character 8 (U+FF08) is not katakana, ー or a space: the value is rejected",
                "character 8 「（」 (U+FF08) is not katakana, ー or a space: the value is rejected",
            ),
            (
                "character 2 (U+0041) is not a digit",
                "character 2 「A」 (U+0041) is not a digit",
            ),
            (
                "character 1 (U+3000) is not an ASCII letter or digit",
                "character 1 「\u{3000}」 (U+3000) is not an ASCII letter or digit",
            ),
            // A character beyond the BMP, and a code point without parentheses.
            (
                "character 3 (U+1B02A) x; then U+0030",
                "character 3 「\u{1B02A}」 (U+1B02A) x; then 「0」 U+0030",
            ),
            // A quote or bracket as the character.
            (
                "character 1 (U+300C) is not katakana",
                "character 1 「「」 (U+300C) is not katakana",
            ),
        ];
        for (masked, shown) in cases {
            assert_eq!(show_characters(masked), shown);
            assert_eq!(hide_characters(shown), masked);
            // Idempotent both ways.
            assert_eq!(show_characters(shown), shown);
            assert_eq!(hide_characters(masked), masked);
        }
        // Code only: controls, private use (外字), format characters, no code at all.
        for m in [
            "character 3 is a control character (U+0000): not removed",
            "character 3 is a control character (U+009F): not removed",
            "外字 F040 (U+E000) not in the table (item byte 4)",
            "character 2 (U+202E) is not katakana",
            "character 2 (U+200B) is not katakana",
            "malformed byte sequence (1 byte) at item byte 5",
            "U+12 is too short, U+ nothing",
        ] {
            assert_eq!(show_characters(m), m);
        }
        // Two reasons joined as rejects.csv joins them.
        let two = "kana: character 1 (U+0031) is not katakana (char.not_kana); \
                   code: character 2 (U+FF21) is not an ASCII letter or digit (char.not_code)";
        let shown = show_characters(two);
        assert!(shown.contains("character 1 「1」 (U+0031)"), "{shown}");
        assert!(shown.contains("character 2 「Ａ」 (U+FF21)"), "{shown}");
        assert_eq!(hide_characters(&shown), two);
    }

    #[test]
    fn every_frame_and_slice_problem_has_its_own_kind() {
        use ikou_layout_spec::RecordRole;
        let frames = [
            FrameProblem::Truncated {
                expected: 1,
                found: 0,
            },
            FrameProblem::WrongLength {
                expected: 1,
                found: 0,
            },
            FrameProblem::TooLong { length: 1, kept: 0 },
            FrameProblem::UnterminatedQuote,
            FrameProblem::MalformedQuote { field: 0 },
            FrameProblem::FieldCount {
                expected: 1,
                found: 0,
            },
            FrameProblem::TooManyFields { found: 1, limit: 0 },
            FrameProblem::UnknownRecordType {
                selector: String::new(),
            },
            FrameProblem::Misplaced {
                role: RecordRole::Header,
            },
            FrameProblem::TrailerCount {
                declared: None,
                counted: 0,
            },
        ];
        for p in &frames {
            // The id is the framing problem's own kind, so rejects.csv keeps its ids.
            assert_eq!(ReasonKind::of_frame(p).id(), format!("frame.{}", p.kind()));
        }
        for p in [
            SliceProblem::Missing { record_len: 0 },
            SliceProblem::CutsStart,
            SliceProblem::CutsEnd,
        ] {
            assert!(ReasonKind::of_slice(&p).id().starts_with("slice."));
        }
    }
}
