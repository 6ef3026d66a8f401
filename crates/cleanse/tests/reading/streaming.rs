//! Streaming equals one-shot, for any chunking of the input.

use crate::csv_layout;
use ikou_cleanse::frame::{FrameSummary, RawRecord, RecordReader};
use ikou_layout_spec::{parse_layout, Layout};
use proptest::prelude::*;
use std::io::Read;

/// Hands out the data in the given chunk sizes (cycling), like a slow pipe.
struct Chunks<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    k: usize,
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.k % self.sizes.len()].max(1);
        self.k += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

type Seen = (Vec<(u64, u64, Vec<u8>, Vec<Vec<u8>>, String)>, FrameSummary);

fn read_all<R: Read>(r: R, l: &Layout, max: usize) -> Seen {
    let mut reader = RecordReader::new(r, l).unwrap().with_max_record_len(max);
    let mut rec = RawRecord::new();
    let mut v = Vec::new();
    while reader.read_record(&mut rec).unwrap() {
        let fields = rec.fields().map(<[u8]>::to_vec).collect();
        v.push((
            rec.number,
            rec.offset,
            rec.bytes.clone(),
            fields,
            format!("{:?} {:?}", rec.role, rec.problems),
        ));
    }
    (v, reader.summary().clone())
}

fn fixed(term: &str) -> Layout {
    let t = format!("id = \"legacy/f\"\nname = \"f\"\ngyomu = \"t\"\nfamily = \"legacy\"\nsource = \"t\"\nversion = \"1\"\nstatus = \"synthetic\"\nencoding = \"cp932\"\n[format]\nkind = \"fixed\"\nrecord_length = 4\nterminator = \"{term}\"\n[[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\ntype = \"text\"\nlength = 4\n");
    parse_layout(&t, "f.toml").unwrap()
}

fn alphabet() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b','),
            Just(b'"'),
            Just(b'\r'),
            Just(b'\n'),
            Just(0x8E),
            Just(0x52),
            Just(0x1A),
            Just(0xF0),
            Just(0x40)
        ],
        0..400,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn chunked_equals_one_shot(data in alphabet(), sizes in proptest::collection::vec(1usize..9, 1..6), max in 3usize..40) {
        let layouts = [csv_layout(3, "cp932", 1), fixed("any"), fixed("crlf"), fixed("none"), fixed("lf")];
        for l in &layouts {
            let one = read_all(&data[..], l, max);
            let chunked = read_all(Chunks { data: &data, sizes: sizes.clone(), k: 0 }, l, max);
            prop_assert_eq!(&one, &chunked);
            prop_assert_eq!(one.1.bytes, data.len() as u64);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = ikou_cleanse::detect::detect(&data);
        let p = ikou_cleanse::decode::CharProfile::cp932();
        let mut s = String::new();
        let mut v = Vec::new();
        p.decode_item(&data, &mut s, &mut v);
        prop_assert!(!s.contains(char::REPLACEMENT_CHARACTER), "replacement char");
        for cs in ikou_cleanse::charset::Charset::ALL {
            if let Ok(p) = ikou_cleanse::decode::CharProfile::new(cs) {
                s.clear();
                p.decode_item(&data, &mut s, &mut v);
            }
        }
        let _ = read_all(&data[..], &csv_layout(2, "cp932", 0), 64);
    }

    #[test]
    fn cp932_decode_encode_round_trips(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        // Whatever decodes cleanly (外字 kept) encodes back to a text that decodes the same.
        let p = ikou_cleanse::decode::CharProfile::cp932()
            .with_unmapped(ikou_cleanse::decode::UnmappedGaiji::Keep);
        let mut s = String::new();
        let mut v = Vec::new();
        if p.decode_item(&data, &mut s, &mut v) {
            let back = ikou_cleanse::encode::encode_cp932(&s).unwrap();
            let mut again = String::new();
            p.decode_item(&back, &mut again, &mut Vec::new());
            prop_assert_eq!(again, s);
        }
    }
}

/// Found by `chunked_equals_one_shot`: a CRLF read with an LF layout, inside a record over the
/// length cap, was counted as a stray CR when the CR ended one read and the LF began the next.
#[test]
fn crlf_split_across_reads_is_one_stray_crlf() {
    let mut data = vec![b'a'; 80];
    data.extend_from_slice(&[0x8E; 5]);
    data.extend_from_slice(b"\r\n");
    for l in [fixed("lf"), fixed("any"), csv_layout(3, "cp932", 1)] {
        for max in [3, 40, 1000] {
            let one = read_all(&data[..], &l, max);
            let chunked = read_all(
                Chunks {
                    data: &data,
                    sizes: vec![1],
                    k: 0,
                },
                &l,
                max,
            );
            assert_eq!(one, chunked, "max {max}");
        }
    }
    let (_, s) = read_all(
        Chunks {
            data: &data,
            sizes: vec![1],
            k: 0,
        },
        &fixed("lf"),
        3,
    );
    assert_eq!((s.stray_cr, s.stray_crlf), (0, 1));
}
