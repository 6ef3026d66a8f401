//! The bad-input corpus: never a panic, always a clear answer.

use crate::{csv_layout, layout, test_layout, testdata};
use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, DecodeIssueKind};
use ikou_cleanse::detect::detect;
use ikou_cleanse::frame::{
    FrameProblem, FrameSummary, RawRecord, RecordReader, SliceProblem, Slicer,
};
use ikou_layout_spec::{Layout, RecordRole};

/// Frames, slices and decodes everything; returns the records and the summary.
fn run(l: &Layout, data: &[u8]) -> (Vec<RawRecord>, FrameSummary, usize) {
    let mut r = RecordReader::new(data, l).unwrap();
    let profile = CharProfile::new(Charset::from_label(&l.encoding).unwrap()).unwrap();
    let mut slicer = Slicer::new(profile.charset);
    let mut rec = RawRecord::new();
    let mut out = Vec::new();
    let mut issues = 0;
    while r.read_record(&mut rec).unwrap() {
        let mut slices = Vec::new();
        slicer.slice(&rec, &l.items, &mut slices);
        for s in &slices {
            if let Some(b) = s.bytes {
                let mut text = String::new();
                let mut v = Vec::new();
                profile.decode_item(b, &mut text, &mut v);
                assert!(!text.contains('\u{FFFD}'));
                issues += v.len();
            }
        }
        out.push(rec.clone());
    }
    (out, r.summary().clone(), issues)
}

const CORPUS: [&str; 10] = [
    "bad/empty.dat",
    "bad/lone-lead.dat",
    "bad/nuls.dat",
    "bad/random.bin",
    "bad/invalid-seq.sjis",
    "bad/mixed-encodings.txt",
    "bad/mixed-newlines.sjis",
    "bad/truncated-last.sjis",
    "bad/eof-1a.sjis",
    "bad/trailer-mismatch.dat",
];

#[test]
fn corpus_never_panics_and_every_byte_is_accounted_for() {
    let juki = layout("legacy/sample-juki");
    let csv = csv_layout(2, "cp932", 0);
    for name in CORPUS {
        let data = testdata(name);
        let d = detect(&data);
        assert!(!d.reasons.is_empty(), "{name}: no reason given");
        for l in [&juki, &csv] {
            let (recs, s, _) = run(l, &data);
            // Nothing lost: every byte is in a record, a terminator, or the EOF marker.
            let in_records: usize = recs.iter().map(|r| r.bytes.len()).sum();
            assert!(in_records as u64 <= s.bytes, "{name}");
            assert_eq!(
                s.bytes,
                data.len() as u64,
                "{name}: consumed {} of {}",
                s.bytes,
                data.len()
            );
            assert_eq!(s.records, recs.len() as u64);
        }
    }
}

#[test]
fn lone_lead_byte() {
    let d = detect(&testdata("bad/lone-lead.dat"));
    assert_eq!(d.encoding, Charset::Unknown);
    assert_eq!(
        d.findings[0].kind,
        ikou_cleanse::detect::ByteFindingKind::CutCharacter
    );
    let (recs, _, issues) = run(&csv_layout(1, "cp932", 0), b"\x81");
    assert_eq!(recs.len(), 1);
    assert_eq!(issues, 1);
    let mut v = Vec::new();
    CharProfile::cp932().decode_item(b"\x81", &mut String::new(), &mut v);
    assert_eq!(v[0].kind, DecodeIssueKind::CutCharacter);
}

#[test]
fn truncated_last_record() {
    let (recs, s, _) = run(
        &layout("legacy/sample-juki"),
        &testdata("bad/truncated-last.sjis"),
    );
    assert_eq!(recs.len(), 3);
    assert!(recs[0].problems.is_empty() && recs[1].problems.is_empty());
    assert_eq!(
        recs[2].problems,
        vec![FrameProblem::Truncated {
            expected: 300,
            found: 123
        }]
    );
    assert_eq!(recs[2].offset, 604);
    assert_eq!(s.problem_records, 1);
    // Items beyond the cut are missing, not invented.
    let mut slices = Vec::new();
    let l = layout("legacy/sample-juki");
    Slicer::new(Charset::Cp932).slice(&recs[2], &l.items, &mut slices);
    assert!(slices.iter().filter(|s| s.bytes.is_none()).count() > 5);
    assert!(slices.iter().any(|s| s
        .problems
        .contains(&SliceProblem::Missing { record_len: 123 })));
}

#[test]
fn eof_marker_is_reported_not_a_record() {
    let data = testdata("bad/eof-1a.sjis");
    let (recs, s, _) = run(&layout("legacy/sample-juki"), &data);
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r.problems.is_empty()));
    assert_eq!(s.eof_marker, Some(data.len() as u64 - 1));
    assert!(detect(&data).eof_marker);
}

#[test]
fn trailer_count_mismatch() {
    let (recs, s, _) = run(
        &test_layout("trailer.toml"),
        &testdata("bad/trailer-mismatch.dat"),
    );
    let roles: Vec<RecordRole> = recs.iter().map(|r| r.role).collect();
    assert_eq!(
        roles,
        vec![
            RecordRole::Header,
            RecordRole::Data,
            RecordRole::Data,
            RecordRole::Trailer
        ]
    );
    assert_eq!(
        recs[3].problems,
        vec![FrameProblem::TrailerCount {
            declared: Some(5),
            counted: 2
        }]
    );
    assert_eq!(
        recs[3].problems[0].to_string(),
        "trailer declares 5 data records, 2 were read"
    );
    assert_eq!(s.data_records, 2);
    assert!(!s.missing_trailer);
}

#[test]
fn mixed_newlines_under_any() {
    let data = testdata("bad/mixed-newlines.sjis");
    assert_eq!(detect(&data).newline, ikou_cleanse::detect::Newline::Mixed);
    let (recs, _, _) = run(&csv_layout(1, "cp932", 0), &data);
    let texts: Vec<String> = recs
        .iter()
        .map(|r| {
            encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(&r.bytes)
                .unwrap()
                .into_owned()
        })
        .collect();
    assert_eq!(texts, vec!["山田太郎", "鈴木花子", "佐藤一郎", "高橋"]);
}

#[test]
fn invalid_sequences_in_items_have_offsets() {
    let (recs, _, issues) = run(
        &csv_layout(1, "cp932", 0),
        &testdata("bad/invalid-seq.sjis"),
    );
    assert_eq!(recs.len(), 3);
    assert!(issues >= 4, "{issues}");
    let mut v = Vec::new();
    let mut text = String::new();
    CharProfile::cp932().decode_item(&recs[1].bytes, &mut text, &mut v);
    let offs: Vec<usize> = v.iter().map(|i| i.offset).collect();
    assert_eq!(offs, vec![0, 2, 3, 4, 5]);
    assert_eq!(text, "@");
}

#[test]
fn six_megabyte_line_is_whole_and_then_limited() {
    let mut data = b"head\r\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 6 << 20));
    data.extend_from_slice(b"\r\ntail\r\n");
    let l = csv_layout(1, "cp932", 0);
    let mut r = RecordReader::new(&data[..], &l).unwrap();
    let mut rec = RawRecord::new();
    let mut lens = Vec::new();
    while r.read_record(&mut rec).unwrap() {
        lens.push((rec.bytes.len(), rec.problems.clone()));
    }
    assert_eq!(lens, vec![(4, vec![]), (6 << 20, vec![]), (4, vec![])]);
    // Under a smaller limit the line is cut, flagged, and the next record is intact.
    let mut r = RecordReader::new(&data[..], &l)
        .unwrap()
        .with_max_record_len(1 << 20);
    let mut lens = Vec::new();
    while r.read_record(&mut rec).unwrap() {
        lens.push((rec.bytes.len(), rec.offset, rec.problems.clone()));
    }
    assert_eq!(
        lens[1],
        (
            1 << 20,
            6,
            vec![FrameProblem::TooLong {
                length: 6 << 20,
                kept: 1 << 20
            }]
        )
    );
    assert_eq!(lens[2], (4, 6 + (6 << 20) + 2, vec![]));
    let d = detect(&data);
    assert_eq!(d.encoding, Charset::Ascii);
}

#[test]
fn utf16_layout_is_refused_with_a_reason() {
    let l = csv_layout(1, "utf-16le", 0);
    let e = RecordReader::new(&b""[..], &l).unwrap_err();
    assert!(e.to_string().contains("transcode"), "{e}");
}

#[test]
fn cut_character_at_an_item_boundary() {
    let l = layout("legacy/sample-juki");
    let (recs, _, _) = run(&l, &testdata("reading/juki-cut.sjis"));
    let mut slices = Vec::new();
    Slicer::new(Charset::Cp932).slice(&recs[0], &l.items, &mut slices);
    let shimei = l.item_index("shimei").unwrap();
    assert_eq!(slices[shimei].problems, vec![SliceProblem::CutsEnd]);
    assert_eq!(slices[shimei + 1].problems, vec![SliceProblem::CutsStart]);
    let mut v = Vec::new();
    CharProfile::cp932().decode_item(slices[shimei].bytes.unwrap(), &mut String::new(), &mut v);
    assert_eq!(v.last().unwrap().kind, DecodeIssueKind::CutCharacter);
    assert_eq!(v.last().unwrap().offset, 39);
}
