//! #19, mutation testing: tests for the cargo-mutants survivors in `decode.rs` (see
//! docs/RELIABILITY.md, "Mutation testing"). Each was shown to fail with its mutant put in
//! by hand.

use super::*;
use crate::gaiji::GaijiMapping;

fn dec(p: &CharProfile, b: &[u8]) -> (String, Vec<DecodeIssue>, bool) {
    let mut s = String::new();
    let mut v = Vec::new();
    let ok = p.decode_item(b, &mut s, &mut v);
    (s, v, ok)
}

/// `is_zero` (`skip_serializing_if` of `more`): an issue serialises without `more` when
/// nothing is counted on it, and with it when something is. Kills `is_zero → true`,
/// `→ false` and `== → !=`.
#[test]
fn more_is_serialised_only_when_something_is_counted() {
    let p = CharProfile::cp932();
    let (_, v, _) = dec(&p, b"\xFF");
    assert_eq!(v.len(), 1);
    let one = serde_json::to_value(&v[0]).unwrap();
    assert_eq!(
        one,
        serde_json::json!({"offset": 0, "len": 1, "kind": "decode.malformed"})
    );
    let (_, v, _) = dec(&p, &b"\xFF".repeat(MAX_LISTED_PROBLEMS + 3));
    let last = serde_json::to_value(v.last().unwrap()).unwrap();
    assert_eq!(last.get("more"), Some(&serde_json::json!(3)), "{last}");
    let first = serde_json::to_value(&v[0]).unwrap();
    assert_eq!(first.get("more"), None, "{first}");
}

/// `kind_name` names each kind as the serialised `kind` tag does. Kills `kind_name → ""`
/// and `→ "xyzzy"`.
#[test]
fn kind_names_match_the_serialised_tags() {
    let mut t = GaijiTable::new();
    t.insert(GaijiMapping {
        code: 0xF041,
        replacement: "髙".into(),
        mj: None,
        note: None,
    });
    let p = CharProfile::cp932()
        .with_gaiji(t)
        .with_unmapped(UnmappedGaiji::Keep);
    let (_, v, _) = dec(&p, b"\xF0\x40\xF0\x41\xFF\x88");
    let names: Vec<&str> = v.iter().map(DecodeIssue::kind_name).collect();
    assert_eq!(
        names,
        [
            "gaiji.unmapped",
            "gaiji.mapped",
            "decode.malformed",
            "decode.cut_character"
        ]
    );
    for i in &v {
        let j = serde_json::to_value(i).unwrap();
        assert_eq!(j.get("kind"), Some(&serde_json::json!(i.kind_name())));
    }
}

/// The pair table of the plain CP932 path covers every pair that encoding_rs decodes to one
/// character that is not private use (the existing test only checks that what the plain
/// path decodes is right, not that it decodes it). Kills the shrunk table sizes
/// (`PAIR_LEADS`, `PAIR_TRAILS`), `+ → -` in `Cp932Pairs::build` and `Cp932Pairs::get → None`.
#[test]
fn the_plain_cp932_path_takes_every_mapped_pair() {
    let mut out = String::new();
    let mut taken = 0;
    // Pair leads: 81–9F and E0–FC (A1–DF are half-width kana, A0 is malformed).
    for lead in (0x81u8..=0x9F).chain(0xE0..=0xFC) {
        for trail in 0x40u8..=0xFC {
            let pair = [lead, trail];
            let exact =
                encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(&pair);
            let mut chars = exact.as_deref().unwrap_or("").chars();
            let one = match (chars.next(), chars.next()) {
                (Some(c), None) if !crate::mask::is_private_use(c) => Some(c),
                _ => None,
            };
            out.clear();
            let plain = decode_cp932_plain(&pair, &mut out);
            assert_eq!(plain, one.is_some(), "{pair:02X?}");
            if let Some(c) = one {
                assert_eq!(out.chars().collect::<Vec<_>>(), [c], "{pair:02X?}");
                taken += 1;
            }
        }
    }
    // The last lead and trail of the table are in it: FC 4B (髙's neighbour row, IBM ext.).
    assert!(decode_cp932_plain(b"\xFC\x4B", &mut String::new()));
    assert!(taken > 7_000, "{taken}");
}

/// A valid text whose decoded form is longer than decode_segment's 2048-byte buffer comes
/// out whole (encoding_rs returns `OutputFull` and the loop goes on from where it read).
/// Kills `pos += read → -=` (overflow) and `→ *=` (the same bytes again, without end: run
/// the mutant with a memory limit).
#[test]
fn a_long_item_decodes_whole_through_the_segment_loop() {
    let text = "山田太郎ｱ".repeat(1_000);
    for (cs, bytes) in [
        (Charset::Utf8, text.as_bytes().to_vec()),
        (
            Charset::EucJp,
            encoding_rs::EUC_JP.encode(&text).0.into_owned(),
        ),
    ] {
        let (s, v, ok) = dec(&CharProfile::new(cs).unwrap(), &bytes);
        assert!(ok && v.is_empty(), "{cs}");
        assert_eq!(s, text, "{cs}");
    }
    // CP932 the exact way (a 外字 at the end sends the whole item there).
    let mut bytes = encoding_rs::SHIFT_JIS.encode(&text).0.into_owned();
    bytes.extend_from_slice(b"\xF0\x40");
    let (s, _, _) = dec(&CharProfile::cp932(), &bytes);
    assert_eq!(s, format!("{text}\u{E000}"));
}

/// Cut characters at the end of an item, per charset, against malformed ones (which are
/// not cut). Kills the deleted arms and changed conditions of `is_incomplete`.
#[test]
fn cut_or_malformed_at_the_end_of_an_item() {
    use DecodeIssueKind::{CutCharacter as Cut, Malformed as Bad};
    let cases: &[(Charset, &[u8], DecodeIssueKind, usize)] = &[
        // UTF-8: a 2-, 3- and 4-byte lead cut; a lone continuation byte is malformed.
        (Charset::Utf8, b"a\xC3", Cut, 1),
        (Charset::Utf8, b"a\xE3\x81", Cut, 1),
        (Charset::Utf8, b"a\xF0\x9F\x98", Cut, 1),
        (Charset::Utf8, b"a\xF0", Cut, 1),
        (Charset::Utf8, b"a\x80", Bad, 1),
        (Charset::Utf8, b"a\xFF", Bad, 1),
        // UTF-16: a high surrogate at the end is cut (LE and BE); a lone low one is not.
        (Charset::Utf16Le, b"a\x00\x3D\xD8", Cut, 2),
        (Charset::Utf16Be, b"\x00a\xD8\x3D", Cut, 2),
        (Charset::Utf16Le, b"a\x00\x00\xDC", Bad, 2),
        (Charset::Utf16Be, b"\x00a\xDC\x00", Bad, 2),
        (Charset::Utf16Be, b"\x00a\x00", Cut, 2),
        // EUC-JP: SS2 and SS3 cut.
        (Charset::EucJp, b"a\x8E", Cut, 1),
        (Charset::EucJp, b"a\x8F", Cut, 1),
    ];
    for (cs, bytes, kind, at) in cases {
        let (s, v, ok) = dec(&CharProfile::new(*cs).unwrap(), bytes);
        assert!(!ok, "{cs} {bytes:02X?}");
        let last = v.last().unwrap();
        assert_eq!(
            (&last.kind, last.offset),
            (kind, *at),
            "{cs} {bytes:02X?}: {v:?}"
        );
        assert!(!s.contains('\u{FFFD}'));
    }
}

/// Strict Shift_JIS: ASCII and half-width kana pass; the error names the offset and the
/// exact bytes, on both paths (outside JIS X 0208, and a pair encoding_rs does not map).
/// Kills `&& → ||` (627), `i + n → i * n` (632), `offset + len → - / *` (651) and the
/// `hex` mutants (the message).
#[test]
fn strict_jis_errors_name_offset_and_bytes() {
    let mut s = String::new();
    decode_shift_jis_strict(b"1\x81\x602 \xB1\xDF~", &mut s).unwrap();
    assert_eq!(s, "1〜2 ｱﾟ~");
    let e = decode_shift_jis_strict(b"\x87\x40", &mut String::new()).unwrap_err();
    assert_eq!((e.offset, e.bytes.as_slice()), (0, &[0x87u8, 0x40][..]));
    let e = decode_shift_jis_strict(b"abc\xFA\x40", &mut String::new()).unwrap_err();
    assert_eq!((e.offset, e.bytes.as_slice()), (3, &[0xFAu8, 0x40][..]));
    assert_eq!(
        e.to_string(),
        "not JIS X 0208 Shift_JIS: bytes FA 40 at offset 3"
    );
    // 82 F2: a JIS lead with a trail that no character has (after ん 82 F1).
    let e = decode_shift_jis_strict(b"ab\x82\xF2", &mut String::new()).unwrap_err();
    assert_eq!(e.offset, 2);
    assert_eq!(e.bytes, [0x82, 0xF2], "{e:?}");
    // At offset 3 (where offset + len and offset × len differ).
    let e = decode_shift_jis_strict(b"abc\x82\xF2", &mut String::new()).unwrap_err();
    assert_eq!((e.offset, e.bytes.as_slice()), (3, &[0x82u8, 0xF2][..]));
}
