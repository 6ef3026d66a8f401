//! Property tests of reading (issue 7): no reader panics on any bytes, for every physical
//! format and encoding; streaming in any chunking equals one shot, record types included; a
//! reader failing mid-file is an error at the right offset after exactly the records before
//! it; CP932 → Unicode → CP932 is the identity on valid input, 外字 included.

#![allow(clippy::unwrap_used)] // tests may unwrap

use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, DecodeIssueKind, UnmappedGaiji};
use ikou_cleanse::encode::encode_cp932;
use ikou_cleanse::frame::{RawRecord, RecordReader, Slicer};
use ikou_layout_spec::{parse_layout, Catalog, Layout, RecordRole};
use proptest::prelude::*;
use std::io::{self, Read};
use std::sync::OnceLock;

fn head(id: &str, encoding: &str) -> String {
    format!(
        "id = \"legacy/{id}\"\nname = \"{id}\"\ngyomu = \"t\"\nfamily = \"legacy\"\nsource = \"t\"\n\
         version = \"1\"\nstatus = \"synthetic\"\nencoding = \"{encoding}\"\n"
    )
}

fn fixed(id: &str, encoding: &str, term: &str) -> Layout {
    let t = format!(
        "{}[format]\nkind = \"fixed\"\nrecord_length = 6\nterminator = \"{term}\"\n\
         [[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\ntype = \"kanji_name\"\nlength = 3\n\
         [[items]]\nnumber = 2\nname = \"b\"\nkey = \"b\"\ntype = \"text\"\nlength = 3\n",
        head(id, encoding)
    );
    parse_layout(&t, "f.toml").unwrap()
}

fn delimited(id: &str, encoding: &str, quote: &str, header_rows: u32) -> Layout {
    let mut t = format!(
        "{}[format]\nkind = \"delimited\"\ndelimiter = \",\"\nquote = '{quote}'\nheader_rows = {header_rows}\nterminator = \"any\"\n",
        head(id, encoding)
    );
    for n in 1..=3 {
        t.push_str(&format!(
            "[[items]]\nnumber = {n}\nname = \"f{n}\"\nkey = \"f{n}\"\ntype = \"text\"\nlength = 50\nunit = \"chars\"\n"
        ));
    }
    parse_layout(&t, "d.toml").unwrap()
}

/// Header (1) / data (2) / trailer (9, with a count) records of 9 bytes.
const TRAILER: &str = r#"
id = "legacy/props-trailer"
name = "t"
family = "legacy"
status = "synthetic"
encoding = "cp932"
[format]
kind = "fixed"
record_length = 9
terminator = "crlf"
[[items]]
number = 1
name = "rt"
key = "rt"
type = "record_type"
length = 1
[[items]]
number = 2
name = "v"
key = "v"
type = "text"
length = 8
[record_types]
offset = 0
length = 1
data = "2"
[record_types.header]
code = "1"
[[record_types.header.items]]
number = 1
name = "rt"
key = "rt"
type = "record_type"
length = 1
[[record_types.header.items]]
number = 2
name = "title"
key = "title"
type = "text"
length = 8
[record_types.trailer]
code = "9"
count_item = "count"
[[record_types.trailer.items]]
number = 1
name = "rt"
key = "rt"
type = "record_type"
length = 1
[[record_types.trailer.items]]
number = 2
name = "count"
key = "count"
type = "digits"
length = 8
padding = "none"
"#;

/// Every physical format: fixed-length with each terminator and encoding, delimited with and
/// without quotes and header rows, record types with a trailer, and the sample layout.
fn layouts() -> &'static [Layout] {
    static L: OnceLock<Vec<Layout>> = OnceLock::new();
    L.get_or_init(|| {
        let mut v = Vec::new();
        for term in ["crlf", "lf", "cr", "any", "none"] {
            v.push(fixed(&format!("f-{term}"), "cp932", term));
        }
        v.push(fixed("f-euc", "euc-jp", "crlf"));
        v.push(fixed("f-utf8", "utf-8", "lf"));
        v.push(delimited("d-q", "cp932", "\"", 1));
        v.push(delimited("d-noq", "utf-8", "", 0));
        v.push(delimited("d-euc", "euc-jp", "\"", 0));
        v.push(parse_layout(TRAILER, "trailer.toml").unwrap());
        v.push(
            Catalog::bundled()
                .unwrap()
                .layout("legacy/sample-juki")
                .unwrap()
                .clone(),
        );
        v
    })
}

/// Bytes biased towards what breaks readers: terminators, quotes, delimiters, lead bytes,
/// record-type codes, EOF markers, BOM bytes.
fn nasty_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            4 => any::<u8>(),
            2 => Just(b'\r'),
            2 => Just(b'\n'),
            1 => Just(b'"'),
            1 => Just(b','),
            1 => Just(b'1'),
            1 => Just(b'2'),
            1 => Just(b'9'),
            1 => Just(b'0'),
            1 => Just(0x81u8),
            1 => Just(0x8E),
            1 => Just(0xF0),
            1 => Just(0x8F),
            1 => Just(0x1A),
            1 => Just(0xEF),
            1 => Just(0x40),
        ],
        0..max,
    )
}

/// Hands out the data in the given chunk sizes (cycling), then fails if `fail_at` is set.
struct Chunks<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    k: usize,
    fail: bool,
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() && self.fail {
            return Err(io::Error::other("device failed"));
        }
        let want = self.sizes[self.k % self.sizes.len()].max(1);
        self.k += 1;
        // An interrupted read now and then: the reader must retry it.
        if self.k % 7 == 3 {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

type Rec = (u64, u64, Vec<u8>, Vec<Vec<u8>>, String);

/// Reads every record; returns them, the bytes consumed and the error (if any).
fn read_all<R: Read>(r: R, l: &Layout, max: usize) -> (Vec<Rec>, u64, Option<(u64, u64)>) {
    let mut reader = RecordReader::new(r, l).unwrap().with_max_record_len(max);
    let mut rec = RawRecord::new();
    let mut v = Vec::new();
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => v.push((
                rec.number,
                rec.offset,
                rec.bytes.clone(),
                rec.fields().map(<[u8]>::to_vec).collect(),
                format!("{:?} {:?}", rec.role, rec.problems),
            )),
            Ok(false) => return (v, reader.summary().bytes, None),
            Err(e) => return (v, reader.summary().bytes, Some((e.offset, e.record))),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// No reader panics on any bytes; every byte is consumed; slicing and decoding every item
    /// never panics and never invents U+FFFD.
    #[test]
    fn no_reader_panics_on_any_bytes(data in nasty_bytes(700), which in any::<prop::sample::Index>(), max in 1usize..64) {
        let l = which.get(layouts());
        let (recs, consumed, err) = read_all(&data[..], l, max);
        prop_assert!(err.is_none());
        prop_assert_eq!(consumed, data.len() as u64);
        // Records are bounded: by the limit, or by the fixed length (at most 300 here).
        prop_assert!(recs.iter().all(|r| r.2.len() <= max.max(300)));
        let charset = Charset::from_label(&l.encoding).unwrap();
        let profile = CharProfile::new(charset).unwrap();
        let mut reader = RecordReader::new(&data[..], l).unwrap();
        let mut rec = RawRecord::new();
        let mut slicer = Slicer::new(charset);
        while reader.read_record(&mut rec).unwrap() {
            let items = match (rec.role, &l.record_types) {
                (RecordRole::Data, _) | (_, None) => &l.items,
                (role, Some(rt)) => &rt.others.iter().find(|s| s.role == role).unwrap().items,
            };
            let mut slices = Vec::new();
            slicer.slice(&rec, items, &mut slices);
            prop_assert_eq!(slices.len(), items.len());
            for s in &slices {
                if let Some(b) = s.bytes {
                    let mut text = String::new();
                    let mut issues = Vec::new();
                    profile.decode_item(b, &mut text, &mut issues);
                    if charset != Charset::Utf8 {
                        prop_assert!(!text.contains(char::REPLACEMENT_CHARACTER), "U+FFFD invented");
                    }
                    prop_assert!(issues.iter().all(|i| i.offset + i.len <= b.len()));
                }
            }
        }
        for cs in Charset::ALL {
            if let Ok(p) = CharProfile::new(cs) {
                p.decode_item(&data, &mut String::new(), &mut Vec::new());
            }
        }
        let _ = ikou_cleanse::detect::detect(&data);
    }

    /// Short reads of any sizes (and interrupted reads) give exactly the records of a one-shot
    /// read, for every format including record types.
    #[test]
    fn streaming_in_any_chunking_equals_one_shot(
        data in nasty_bytes(500),
        which in any::<prop::sample::Index>(),
        sizes in proptest::collection::vec(1usize..13, 1..6),
        max in prop_oneof![Just(1usize << 20), 1usize..40],
    ) {
        let l = which.get(layouts());
        let one = read_all(&data[..], l, max);
        let chunked = read_all(Chunks { data: &data, sizes, k: 0, fail: false }, l, max);
        prop_assert_eq!(one, chunked);
    }

    /// A reader that fails after `cut` bytes: an error carrying that offset, after exactly the
    /// records a one-shot read finds before it; never a panic, never a silent end of file.
    #[test]
    fn a_reader_failing_mid_file_is_an_error_at_its_offset(
        data in nasty_bytes(500),
        cut in any::<prop::sample::Index>(),
        which in any::<prop::sample::Index>(),
        sizes in proptest::collection::vec(1usize..13, 1..4),
    ) {
        let l = which.get(layouts());
        let cut = cut.index(data.len() + 1);
        let (full, _, _) = read_all(&data[..], l, 1 << 20);
        let (got, _, err) = read_all(Chunks { data: &data[..cut], sizes, k: 0, fail: true }, l, 1 << 20);
        let (offset, record) = err.expect("the failure is reported");
        prop_assert_eq!(offset, cut as u64);
        prop_assert_eq!(record, got.len() as u64 + 1);
        prop_assert!(got.len() <= full.len());
        prop_assert_eq!(&got[..], &full[..got.len()]);
    }
}

/// One valid CP932 character's bytes: ASCII, half-width kana, or a double-byte code that
/// decodes (JIS X 0208, NEC row 13, NEC-selected IBM, IBM extensions, 外字 F040–F9FC).
fn cp932_char() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => (0x20u8..0x7F).prop_map(|b| vec![b]),
        1 => (0xA1u8..0xE0).prop_map(|b| vec![b]),
        4 => (0x81u8..0xA0, prop_oneof![0x40u8..0x7F, 0x80u8..0xFD]).prop_map(|(a, b)| vec![a, b]),
        2 => (0xE0u8..0xF0, prop_oneof![0x40u8..0x7F, 0x80u8..0xFD]).prop_map(|(a, b)| vec![a, b]),
        2 => (0xF0u8..0xFA, prop_oneof![0x40u8..0x7F, 0x80u8..0xFD]).prop_map(|(a, b)| vec![a, b]),
        1 => (0xFAu8..0xFD, prop_oneof![0x40u8..0x7F, 0x80u8..0xFD]).prop_map(|(a, b)| vec![a, b]),
    ]
    .prop_filter("assigned in CP932", |b| {
        let mut issues = Vec::new();
        keep_profile().decode_item(b, &mut String::new(), &mut issues);
        !issues.iter().any(|i| {
            matches!(
                i.kind,
                DecodeIssueKind::Malformed | DecodeIssueKind::CutCharacter
            )
        })
    })
}

fn keep_profile() -> &'static CharProfile {
    static P: OnceLock<CharProfile> = OnceLock::new();
    P.get_or_init(|| CharProfile::cp932().with_unmapped(UnmappedGaiji::Keep))
}

fn decode(b: &[u8]) -> String {
    let mut s = String::new();
    let mut issues = Vec::new();
    assert!(
        keep_profile().decode_item(b, &mut s, &mut issues),
        "{issues:?}"
    );
    s
}

/// CP932 codes that are second encodings of a character with another, canonical code: the
/// NEC-selected IBM extensions (lead ED/EE), NEC row 13 symbols duplicated in row 2, and the
/// IBM extensions duplicated in NEC row 13 or row 2. Encoding writes the canonical code.
fn is_duplicate_code(b: &[u8]) -> bool {
    match b {
        [0xED | 0xEE, _] => true,
        [0x87, t] => matches!(t, 0x90..=0x9C),
        [0xFA, t] => matches!(t, 0x4A..=0x54 | 0x58..=0x5B),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// CP932 → Unicode → CP932 gives back the same bytes, 外字 included, except that the
    /// documented duplicate codes come back as their canonical code — which decodes to the
    /// same text. Unicode → CP932 → Unicode is always the identity.
    #[test]
    fn cp932_round_trip_is_the_identity(chars in proptest::collection::vec(cp932_char(), 0..40)) {
        let bytes: Vec<u8> = chars.concat();
        let text = decode(&bytes);
        let back = encode_cp932(&text).unwrap();
        prop_assert_eq!(decode(&back), text.clone());
        if !chars.iter().any(|c| is_duplicate_code(c)) {
            prop_assert_eq!(back, bytes);
        }
        for c in &chars {
            let t = decode(c);
            let b = encode_cp932(&t).unwrap();
            if b != *c {
                prop_assert!(is_duplicate_code(c), "{:02X?} → {:?} → {:02X?}", c, t, b);
            }
            if (0xF0..=0xF9).contains(&c[0]) {
                // 外字 → private use → the same user-defined code.
                let ch = t.chars().next().unwrap();
                let pua = '\u{E000}'..='\u{E757}';
                prop_assert!(pua.contains(&ch), "not private use: {:?}", ch);
                prop_assert_eq!(&b, c);
            }
        }
    }
}
