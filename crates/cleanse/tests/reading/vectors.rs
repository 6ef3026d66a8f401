//! encoding_rs's own test vectors, through our decoder and encoder.

use crate::shared;
use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, DecodeIssueKind, UnmappedGaiji};

fn check_decode(charset: Charset, input: &str, reference: &str) {
    let Some(dir) = shared() else { return };
    let dir = dir.join("encoding_rs_test_data");
    let bytes = std::fs::read(dir.join(input)).unwrap();
    let expected = std::fs::read_to_string(dir.join(reference)).unwrap();
    let p = CharProfile::new(charset)
        .unwrap()
        .with_unmapped(UnmappedGaiji::Keep);
    let mut out = String::new();
    let mut issues = Vec::new();
    p.decode_item(&bytes, &mut out, &mut issues);
    // Where encoding_rs writes U+FFFD we report a malformed sequence and write nothing. An
    // item lists at most MAX_LISTED_PROBLEMS of them; the last listed counts the rest.
    let replacements = expected.matches('\u{FFFD}').count();
    let malformed: usize = issues
        .iter()
        .filter(|i| {
            matches!(
                i.kind,
                DecodeIssueKind::Malformed | DecodeIssueKind::CutCharacter
            )
        })
        .map(|i| 1 + i.more)
        .sum();
    assert_eq!(malformed, replacements, "{input}");
    assert!(
        replacements > 0,
        "{input}: the vectors include invalid sequences"
    );
    assert_eq!(out, expected.replace('\u{FFFD}', ""), "{input}");
}

#[test]
fn shift_jis_decode_vectors() {
    check_decode(Charset::Cp932, "shift_jis_in.txt", "shift_jis_in_ref.txt");
}

#[test]
fn euc_jp_decode_vectors() {
    check_decode(Charset::EucJp, "jis0208_in.txt", "jis0208_in_ref.txt");
    check_decode(Charset::EucJp, "jis0212_in.txt", "jis0212_in_ref.txt");
}

#[test]
fn shift_jis_encode_vectors() {
    let Some(dir) = shared() else { return };
    let dir = dir.join("encoding_rs_test_data");
    let text = std::fs::read_to_string(dir.join("shift_jis_out.txt")).unwrap();
    let expected = std::fs::read(dir.join("shift_jis_out_ref.txt")).unwrap();
    assert_eq!(ikou_cleanse::encode::encode_cp932(&text).unwrap(), expected);
}
