//! Framing + slicing + decoding for every physical format: fixed-length with each
//! terminator, delimited with and without quotes, record types with a trailer count; CP932,
//! EUC-JP, UTF-8 and host code pages (JEF, JIPS, IBM 930).
//!
//! Input: byte 0 picks the layout, byte 1 the record-length limit, bytes 2..6 the chunk
//! sizes of a short-reading reader; the rest is the file.
//! Checks: no panic; every byte consumed; streaming in chunks gives exactly the records of a
//! one-shot read; decoding never invents U+FFFD. Every physical record is accounted: the
//! summary's records = data + header + trailer, each equal to the records returned with
//! that role; on a header/data/trailer layout, a file with records but no trailer says
//! `missing_trailer`, and one whose last record is the trailer does not. On a host code
//! page, the run's decoder (capping 外字 while decoding) agrees with `HostCodec::decode`.
#![no_main]

use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, DecodeIssue, MAX_LISTED_PROBLEMS};
use ikou_cleanse::frame::{FrameSummary, RawRecord, RecordReader, Slicer};
use ikou_cleanse::host::{HostCodec, HostIssueKind, ItemKind};
use ikou_fuzz::{layouts, Chunks};
use ikou_layout_spec::{Layout, RecordRole};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

type Seen = Vec<(u64, u64, Vec<u8>, Vec<Vec<u8>>, String)>;

/// Records returned per role: data, header, trailer; and whether the last one was a trailer.
fn roles(l: &Layout, file: &[u8], max: usize) -> ([u64; 3], bool, FrameSummary) {
    let mut reader = RecordReader::new(file, l)
        .expect("fuzz layouts frame")
        .with_max_record_len(max);
    let mut rec = RawRecord::new();
    let mut n = [0u64; 3];
    let mut last_trailer = false;
    while reader.read_record(&mut rec).expect("in-memory") {
        let k = match rec.role {
            RecordRole::Data => 0,
            RecordRole::Header => 1,
            RecordRole::Trailer => 2,
        };
        if let Some(c) = n.get_mut(k) {
            *c += 1;
        }
        last_trailer = rec.role == RecordRole::Trailer;
    }
    (n, last_trailer, reader.summary().clone())
}

fn read_all<R: Read>(r: R, l: &Layout, max: usize) -> (Seen, u64) {
    let mut reader = RecordReader::new(r, l)
        .expect("fuzz layouts frame")
        .with_max_record_len(max);
    let mut rec = RawRecord::new();
    let mut v = Vec::new();
    while reader
        .read_record(&mut rec)
        .expect("in-memory reads do not fail")
    {
        let fields = rec.fields().map(<[u8]>::to_vec).collect();
        v.push((
            rec.number,
            rec.offset,
            rec.bytes.clone(),
            fields,
            format!("{:?} {:?}", rec.role, rec.problems),
        ));
        assert!(v.len() <= 1 << 20, "runaway reader");
    }
    (v, reader.summary().bytes)
}

/// The run's decoder on a host item (issues handed over and capped while decoding) agrees
/// with the host decoder's own full list: the same text (no 外字 table here), every 外字
/// occurrence accounted (listed + `more`), and, below the caps, the same issues at the same
/// offsets in the same order (a shift never closed stands at its shift-in).
fn host_agrees(codec: &HostCodec, b: &[u8], text: &str, issues: &[DecodeIssue]) {
    let Ok(full) = codec.decode(b, ItemKind::Mixed) else {
        return;
    };
    assert_eq!(text, full.text, "host text as HostCodec::decode");
    let gaiji = |k: &HostIssueKind| matches!(k, HostIssueKind::Gaiji { .. });
    let occurrences = full.issues.iter().filter(|i| gaiji(&i.kind)).count();
    let accounted: usize = issues
        .iter()
        .filter(|i| i.kind.gaiji_code().is_some())
        .map(|i| 1 + i.more)
        .sum();
    assert_eq!(accounted, occurrences, "every 外字 occurrence accounted");
    if full.issues.len() <= MAX_LISTED_PROBLEMS {
        let offsets: Vec<usize> = full.issues.iter().map(|i| i.offset).collect();
        let listed: Vec<usize> = issues.iter().map(|i| i.offset).collect();
        assert_eq!(listed, offsets, "host issues in byte order, below the caps");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let (cfg, file) = data.split_at(6);
    let all = layouts();
    let layout = &all[usize::from(cfg[0]) % all.len()];
    let max = if cfg[1] < 128 {
        usize::from(cfg[1]) + 1
    } else {
        1 << 20
    };

    let (one, consumed) = read_all(file, layout, max);
    assert_eq!(consumed, file.len() as u64, "every byte is consumed");
    let (chunked, _) = read_all(Chunks::new(file, &cfg[2..6]), layout, max);
    assert_eq!(one, chunked, "streaming in chunks equals one-shot");

    // Every physical record is accounted, by role.
    let (n, last_trailer, sum) = roles(layout, file, max);
    assert_eq!(sum.records, one.len() as u64, "summary counts every record");
    assert_eq!(
        sum.records,
        sum.data_records + sum.header_records + sum.trailer_records,
        "physical = data + header + trailer"
    );
    assert_eq!(
        [sum.data_records, sum.header_records, sum.trailer_records],
        n,
        "the summary's counts are the roles returned"
    );
    if layout
        .record_types
        .as_ref()
        .is_some_and(|rt| rt.others.iter().any(|o| o.role == RecordRole::Trailer))
        && sum.records > 0
    {
        if n[2] == 0 {
            assert!(
                sum.missing_trailer,
                "records but no trailer: missing_trailer"
            );
        }
        if last_trailer {
            assert!(!sum.missing_trailer, "ends with its trailer: not missing");
        }
    }

    let charset = Charset::from_label(&layout.encoding).expect("known encoding");
    let profile = CharProfile::new(charset).expect("text charset");
    let mut reader = RecordReader::new(file, layout)
        .expect("layout")
        .with_max_record_len(max);
    let mut rec = RawRecord::new();
    let host = match charset {
        Charset::Host(h) => Some(h.codec().expect("bundled host tables")),
        _ => None,
    };
    let mut slicer = Slicer::new(charset);
    let mut text = String::new();
    let mut issues = Vec::new();
    while reader.read_record(&mut rec).expect("in-memory") {
        let items = match rec.role {
            RecordRole::Data => &layout.items,
            _ => layout
                .record_types
                .as_ref()
                .and_then(|rt| rt.others.iter().find(|s| s.role == rec.role))
                .map(|s| &s.items)
                .unwrap_or(&layout.items),
        };
        let mut slices = Vec::new();
        slicer.slice(&rec, items, &mut slices);
        for s in &slices {
            if let Some(b) = s.bytes {
                text.clear();
                issues.clear();
                profile.decode_item(b, &mut text, &mut issues);
                if charset != Charset::Utf8 {
                    assert!(!text.contains('\u{FFFD}'), "U+FFFD invented");
                }
                for i in &issues {
                    assert!(i.offset <= b.len(), "issue offset inside the item");
                    let _ = i.to_string();
                }
                if let Some(codec) = &host {
                    host_agrees(codec, b, &text, &issues);
                }
            }
        }
    }
});
