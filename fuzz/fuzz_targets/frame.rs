//! Framing + slicing + decoding for every physical format: fixed-length with each
//! terminator, delimited with and without quotes, record types with a trailer count; CP932,
//! EUC-JP and UTF-8.
//!
//! Input: byte 0 picks the layout, byte 1 the record-length limit, bytes 2..6 the chunk
//! sizes of a short-reading reader; the rest is the file.
//! Checks: no panic; every byte consumed; streaming in chunks gives exactly the records of a
//! one-shot read; decoding never invents U+FFFD.
#![no_main]

use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::CharProfile;
use ikou_cleanse::frame::{RawRecord, RecordReader, Slicer};
use ikou_fuzz::{layouts, Chunks};
use ikou_layout_spec::Layout;
use libfuzzer_sys::fuzz_target;
use std::io::Read;

type Seen = Vec<(u64, u64, Vec<u8>, Vec<Vec<u8>>, String)>;

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

    let charset = Charset::from_label(&layout.encoding).expect("known encoding");
    let profile = CharProfile::new(charset).expect("text charset");
    let mut reader = RecordReader::new(file, layout)
        .expect("layout")
        .with_max_record_len(max);
    let mut rec = RawRecord::new();
    let mut slicer = Slicer::new(charset);
    let mut text = String::new();
    let mut issues = Vec::new();
    while reader.read_record(&mut rec).expect("in-memory") {
        let items = match rec.role {
            ikou_layout_spec::RecordRole::Data => &layout.items,
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
            }
        }
    }
});
