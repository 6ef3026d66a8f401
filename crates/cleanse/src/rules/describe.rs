//! What each rule id of `changes.csv` means, in words (Japanese and English): beside the
//! rules that emit the ids, so that a new rule cannot be added without its words.
//!
//! [`describe`] matches every [`RuleId`] without a wildcard: a new variant does not compile
//! until it has its description here. [`emitted_ids`] is every id a run can write into
//! `changes.csv` (every [`RuleId`] of [`RuleId::ALL`] and the decoder's
//! [`crate::decode::GAIJI_RULE`]); [`describe_id`] describes any of them, and a
//! test checks that it does for every one. The report (`ikou_convert::report`) shows these
//! words beside the id.
//!
//! ```
//! use ikou_cleanse::change::RuleId;
//! use ikou_cleanse::rules::describe::{describe, describe_id, emitted_ids};
//! assert_eq!(describe(RuleId::DateToIso).1, "dates to ISO 8601 (YYYY-MM-DD)");
//! assert!(describe_id("gaiji.map").is_some());
//! assert!(emitted_ids().all(|id| describe_id(id).is_some()));
//! ```

use crate::change::RuleId;
use crate::decode::GAIJI_RULE;

/// What `rule` does, as `(Japanese, English)`: the words staff read on the report page.
pub fn describe(rule: RuleId) -> (&'static str, &'static str) {
    match rule {
        RuleId::PaddingTrailing => ("固定長の埋め空白を削除", "remove fixed-length padding"),
        RuleId::SpaceTrim => ("前後の空白を削除", "remove leading and trailing spaces"),
        RuleId::SpaceFold => (
            "続いた空白を全角空白1つにまとめる",
            "fold runs of spaces into one U+3000",
        ),
        RuleId::WidthFullwidth => (
            "半角文字を全角に変換",
            "half-width characters to full-width",
        ),
        RuleId::KanaHiraganaToKatakana => ("ひらがなをカタカナに変換", "hiragana to katakana"),
        RuleId::KanaVoicedMark => (
            "カタカナと別になった濁点・半濁点を1文字にまとめる（ウ゛→ヴ）",
            "a katakana and a separate voicing mark made one character (ウ゛ → ヴ)",
        ),
        RuleId::DigitsFullwidthToAscii => ("全角数字を半角に変換", "full-width digits to ASCII"),
        RuleId::DigitsZeroPad => (
            "先頭を0で埋めて桁数をそろえる",
            "zero-pad to the item's length",
        ),
        RuleId::CodeFullwidthToAscii => (
            "コードの全角英数字を半角に変換",
            "full-width code characters to ASCII",
        ),
        RuleId::AmountToAscii => (
            "金額の符号・小数点を半角に変換",
            "amount signs and decimals to ASCII",
        ),
        RuleId::AmountThousands => (
            "金額の3桁区切りのカンマを削除",
            "remove the thousands separators of an amount",
        ),
        RuleId::PostalStrip => (
            "郵便番号の〒・ハイフン・空白を削除",
            "remove 〒, dashes and spaces from postal codes",
        ),
        RuleId::PhoneSeparator => (
            "電話番号の区切りをハイフンにそろえる",
            "phone separators to one hyphen",
        ),
        RuleId::VariantCp932 => (
            "〜・−など形の違う文字をCP932の形にそろえる",
            "CP932/JIS variant characters to the CP932 form",
        ),
        RuleId::VariantJis => (
            "〜・−など形の違う文字をJISの形にそろえる",
            "CP932/JIS variant characters to the JIS form",
        ),
        RuleId::DateBlankZero => ("すべて0の日付を空欄にする", "all-zero dates to empty"),
        RuleId::DateReEra => (
            "改元後に旧元号で書かれた日付を新元号に直す",
            "dates written in an ended era moved to the next era",
        ),
        RuleId::DateToIso => (
            "日付を西暦（年-月-日）に変換",
            "dates to ISO 8601 (YYYY-MM-DD)",
        ),
        RuleId::DateToYyyymmdd => ("日付を西暦8桁（YYYYMMDD）に変換", "dates to YYYYMMDD"),
        RuleId::DateToWareki => ("日付を和暦に変換", "dates to 和暦"),
        RuleId::HostApproximate => (
            "ホストの文字コードを近似の文字（代替字）で読んだ",
            "host codes read as the table's approximate (substitute) character",
        ),
        RuleId::HostOneWay => (
            "ホストの文字コードを、元のコードに戻せない文字で読んだ（片方向）",
            "host codes read as a character that encodes back to another code (one way)",
        ),
    }
}

/// The words of the decoder's [`GAIJI_RULE`] (`gaiji.map`): a 外字 replaced through the
/// profile's 外字 table.
const GAIJI_MAP: (&str, &str) = (
    "外字を外字対応表の文字に置き換え",
    "外字 replaced through the 外字 table",
);

/// Every rule id a run can write into `changes.csv`: the ids of [`RuleId::ALL`] (cleansing,
/// target date forms, host decoding) and [`GAIJI_RULE`] (外字 mapped while decoding).
pub fn emitted_ids() -> impl Iterator<Item = &'static str> {
    RuleId::ALL
        .into_iter()
        .map(RuleId::as_str)
        .chain([GAIJI_RULE])
}

/// What the rule of id `id` does, as `(Japanese, English)`; None for an id ikou does not
/// emit (a file from another version: show the id).
pub fn describe_id(id: &str) -> Option<(&'static str, &'static str)> {
    if id == GAIJI_RULE {
        return Some(GAIJI_MAP);
    }
    RuleId::from_id(id).map(describe)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id a run can emit has words in both languages, and no two ids share them
    /// (issue #15: one description table, checked over ALL). A rule added to
    /// [`RuleId::ALL`] or a new id beside [`GAIJI_RULE`] in [`emitted_ids`] without words
    /// fails here; a new [`RuleId`] variant does not compile until [`describe`] has it.
    #[test]
    fn issue15_every_emitted_rule_id_has_a_description() {
        let mut ja_seen = std::collections::BTreeSet::new();
        let mut en_seen = std::collections::BTreeSet::new();
        let mut n = 0;
        for id in emitted_ids() {
            let (ja, en) = describe_id(id).unwrap_or_else(|| panic!("no description for {id}"));
            assert!(!ja.trim().is_empty() && !en.trim().is_empty(), "{id}");
            assert!(
                ja_seen.insert(ja),
                "{id}: the same Japanese words as another rule"
            );
            assert!(
                en_seen.insert(en),
                "{id}: the same English words as another rule"
            );
            n += 1;
        }
        assert_eq!(n, RuleId::ALL.len() + 1);
        assert!(describe_id(GAIJI_RULE).is_some());
        assert_eq!(describe_id("no.such_rule"), None);
    }
}
