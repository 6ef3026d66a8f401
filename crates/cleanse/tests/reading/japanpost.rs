//! Japan Post's KEN_ALL.CSV and JIGYOSYO.CSV: real CP932 bytes nobody on the team wrote.

use crate::{csv_layout, shared};
use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{decode_shift_jis_strict, CharProfile};
use ikou_cleanse::encode::encode_cp932;
use ikou_cleanse::frame::{RawRecord, RecordReader};
use std::io::Read;

/// Detects through a file on disk, as `ikou detect` does (sampled: the files are > 1 MiB).
fn detect_file(name: &str, data: &[u8]) -> ikou_cleanse::detect::Detection {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("japanpost");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    let d = ikou_cleanse::detect::detect_path(&p).unwrap();
    assert!(d.sampled);
    d
}

fn unzip(name: &str) -> Option<Vec<u8>> {
    let p = shared()?.join("japanpost").join(name);
    let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    let mut f = z.by_index(0).unwrap();
    let mut v = Vec::new();
    f.read_to_end(&mut v).unwrap();
    Some(v)
}

/// Frames the file, decodes each record, encodes it back; returns (records, decoded text).
fn frame_decode_encode(data: &[u8], fields: usize) -> (u64, String) {
    let l = csv_layout(fields, "cp932", 0);
    let mut r = RecordReader::new(data, &l).unwrap();
    let mut rec = RawRecord::new();
    let p = CharProfile::cp932();
    let mut all = String::new();
    let mut text = String::new();
    let mut issues = Vec::new();
    let mut n = 0;
    while r.read_record(&mut rec).unwrap() {
        n += 1;
        assert!(
            rec.problems.is_empty(),
            "record {}: {:?}",
            rec.number,
            rec.problems
        );
        assert_eq!(rec.field_count(), fields);
        text.clear();
        assert!(
            p.decode_item(&rec.bytes, &mut text, &mut issues),
            "record {}: {issues:?}",
            rec.number
        );
        assert!(issues.is_empty());
        // Our encoder gives back the original bytes exactly.
        assert_eq!(
            encode_cp932(&text).unwrap(),
            rec.bytes,
            "record {}",
            rec.number
        );
        all.push_str(&text);
        all.push('\n');
    }
    let s = r.summary();
    assert_eq!(s.bytes, data.len() as u64);
    assert_eq!(s.eof_marker, None);
    (n, all)
}

#[test]
fn ken_all() {
    let Some(data) = unzip("ken_all.zip") else {
        return;
    };
    let d = detect_file("KEN_ALL.CSV", &data);
    assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
    assert!(d.findings.is_empty(), "{:?}", d.findings);
    assert_eq!(d.newline, ikou_cleanse::detect::Newline::Crlf);
    assert_eq!(
        d.structure,
        ikou_cleanse::detect::Structure::Delimited {
            delimiter: ",".into(),
            fields: 15
        }
    );
    assert_eq!(d.gaiji, 0);
    let (n, text) = frame_decode_encode(&data, 15);
    assert_eq!(n, 124_825);
    // Strict JIS decoding differs exactly at ～ (0x8160) and － (0x817C), as domain.md §3.1 says.
    let mut strict = String::new();
    decode_shift_jis_strict(&data, &mut strict).unwrap();
    let cp: Vec<char> = text.chars().filter(|c| *c != '\n').collect();
    let js: Vec<char> = strict
        .chars()
        .filter(|c| *c != '\n' && *c != '\r')
        .collect();
    assert_eq!(cp.len(), js.len());
    let mut diffs = std::collections::BTreeMap::new();
    for (a, b) in cp.iter().zip(&js) {
        if a != b {
            *diffs.entry((*a, *b)).or_insert(0) += 1;
        }
    }
    assert_eq!(diffs.get(&('～', '〜')), Some(&344), "{diffs:?}");
    assert_eq!(diffs.get(&('－', '−')), Some(&205), "{diffs:?}");
    assert_eq!(diffs.len(), 2, "{diffs:?}");
}

#[test]
fn jigyosyo() {
    let Some(data) = unzip("jigyosyo.zip") else {
        return;
    };
    let d = detect_file("JIGYOSYO.CSV", &data);
    assert_eq!(d.encoding, Charset::Cp932, "{d:#?}");
    assert!(d.findings.is_empty(), "{:?}", d.findings);
    assert_eq!(
        d.structure,
        ikou_cleanse::detect::Structure::Delimited {
            delimiter: ",".into(),
            fields: 13
        }
    );
    let (n, text) = frame_decode_encode(&data, 13);
    assert!(n > 20_000, "{n}");
    // The NEC row-13 characters decode (Ⅰ Ⅱ ㈱ …).
    let nec: usize = text
        .chars()
        .filter(|c| matches!(*c as u32, 0x2160..=0x2169 | 0x3231 | 0x2460..=0x2473 | 0x2116))
        .count();
    assert!(nec > 0);
    let starts = ikou_cleanse::charset::boundaries(Charset::Cp932, &data);
    let first87 = (0..data.len())
        .find(|&i| starts[i] && data[i] == 0x87)
        .unwrap();
    // Strict JIS X 0208 Shift_JIS fails there.
    let err = decode_shift_jis_strict(&data, &mut String::new()).unwrap_err();
    assert_eq!(err.offset, first87);
    assert_eq!(err.bytes[0], 0x87);
}
