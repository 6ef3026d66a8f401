//! Property tests of whole runs (issue 7): the standard CSV written by a run reads back as
//! exactly the values that went in (commas, quotes, CR/LF, leading `=`/`-`), and for any
//! corruption of the bundled sample `input = output + rejected`, with every rejected record
//! in `rejects.csv` with its exact bytes.

#![allow(clippy::unwrap_used)] // tests may unwrap

use ikou_cleanse::frame::{RawRecord, RecordReader};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_convert::plan::Plan;
use ikou_convert::run::{run, NoProgress, Outputs, RunOptions};
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile};
use ikou_layout_spec::{parse_profile, Catalog, RecordRole};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory for one case.
fn case_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "ikou-convert-props-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const SRC: &str = r#"
id = "legacy/props-src"
name = "props source"
family = "legacy"
status = "synthetic"
encoding = "utf-8"
[format]
kind = "delimited"
delimiter = ","
quote = '"'
header_rows = 0
terminator = "any"
[[items]]
number = 1
name = "a"
key = "a"
type = "text"
length = 200
unit = "chars"
[[items]]
number = 2
name = "b"
key = "b"
type = "text"
length = 200
unit = "chars"
[[items]]
number = 3
name = "c"
key = "c"
type = "text"
length = 200
unit = "chars"
"#;

const DST: &str = r#"
id = "standard/props-dst"
name = "props target"
family = "standard"
status = "synthetic"
encoding = "utf-8"
[format]
kind = "delimited"
delimiter = ","
quote = '"'
header_rows = 1
terminator = "crlf"
[[items]]
number = 1
name = "列A"
key = "a"
type = "text"
length = 200
unit = "chars"
[[items]]
number = 2
name = "列B, \"quoted\""
key = "b"
type = "text"
length = 200
unit = "chars"
[[items]]
number = 3
name = "列C"
key = "c"
type = "text"
length = 200
unit = "chars"
"#;

fn text_plan(quote: &str, ending: &str, bom: bool) -> Plan {
    let mut catalog = Catalog::bundled().unwrap();
    catalog.add_layout_text(SRC, "src.toml").unwrap();
    catalog.add_layout_text(DST, "dst.toml").unwrap();
    let profile = format!(
        "id = \"props\"\nname = \"props\"\nsource = \"legacy/props-src\"\ntarget = \"standard/props-dst\"\n\
         [characters]\nencoding = \"utf-8\"\n\
         [output]\nbom = {bom}\nline_ending = \"{ending}\"\nquote = \"{quote}\"\nheader = \"names\"\n\
         [[map]]\ntarget = \"a\"\nfrom = \"a\"\n[[map]]\ntarget = \"b\"\nfrom = \"b\"\n[[map]]\ntarget = \"c\"\nfrom = \"c\"\n"
    );
    let profile = parse_profile(&profile, "props.toml", &catalog).unwrap();
    Plan::new(&catalog, profile, GaijiTable::new()).unwrap()
}

/// Values with every character CSV must quote or escape, and formula starters, that the
/// `text` rules keep as they are (no space at either end: trimming is a rule of its own).
fn value() -> impl Strategy<Value = String> {
    let edge = prop_oneof![
        Just('='),
        Just('-'),
        Just('+'),
        Just('@'),
        Just('a'),
        Just('"'),
        Just(','),
        Just('山'),
        Just('9')
    ];
    let inner = proptest::collection::vec(
        prop_oneof![
            Just(','),
            Just('"'),
            Just('\r'),
            Just('\n'),
            Just(' '),
            Just('x'),
            Just('髙'),
            Just('\''),
            Just(';'),
            Just('='),
        ],
        0..12,
    );
    prop_oneof![
        1 => Just(String::new()),
        8 => (edge.clone(), inner, edge).prop_map(|(a, m, b)| {
            let mut s = String::new();
            s.push(a);
            s.extend(m);
            s.push(b);
            s
        }),
    ]
}

/// Reads a CSV (with header) into rows of strings.
fn read_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::Reader::from_reader(bytes);
    let h = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (h, rows)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The standard CSV a run writes reads back as exactly the values that went in: commas,
    /// quotes, CR/LF and leading formula characters survive byte for byte (no guard in the
    /// data CSV), whatever the quoting, line ending and BOM.
    #[test]
    fn standard_csv_round_trips(
        rows in proptest::collection::vec((value(), value(), value()), 1..20),
        quote in prop_oneof![Just("necessary"), Just("always")],
        ending in prop_oneof![Just("crlf"), Just("lf")],
        bom in any::<bool>(),
        chunk in 1usize..5,
    ) {
        let plan = text_plan(quote, ending, bom);
        let dir = case_dir("csv");
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        for (a, b, c) in &rows {
            w.write_record([a, b, c]).unwrap();
        }
        let input = w.into_inner().unwrap();
        std::fs::write(dir.join("in.csv"), &input).unwrap();
        let mut opts = RunOptions::new(dir.join("run"));
        opts.outputs = Outputs::minimal();
        opts.threads = 1;
        opts.chunk_records = chunk;
        let m = run(&plan, &[dir.join("in.csv")], &opts, &NoProgress).unwrap();
        let want: Vec<Vec<String>> = rows
            .iter()
            .map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()])
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect();
        let data = std::fs::read(dir.join("run/props-dst.csv")).unwrap();
        prop_assert_eq!(data.starts_with(b"\xEF\xBB\xBF"), bom);
        let (header, got) = read_rows(&data);
        prop_assert_eq!(header, vec!["列A".to_string(), "列B, \"quoted\"".into(), "列C".into()]);
        prop_assert_eq!(m.counts.rejected_records, 0, "{:?}", std::fs::read_to_string(dir.join("run/rejects.csv")));
        // Blank lines are not records; every other row comes back exactly.
        let got: Vec<Vec<String>> = got.into_iter().filter(|r| r.iter().any(|c| !c.is_empty())).collect();
        prop_assert_eq!(got, want);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

fn sample_plan() -> Plan {
    let catalog = Catalog::bundled().unwrap();
    let profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
    let gaiji = GaijiTable::parse(bundled_gaiji("sample-juki.csv").unwrap(), "g").unwrap();
    Plan::new(&catalog, profile, gaiji).unwrap()
}

/// The data records of `bytes` as framed by the sample layout: (record number, bytes).
fn framed(plan: &Plan, bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut r = RecordReader::new(bytes, &plan.source).unwrap();
    let mut rec = RawRecord::new();
    let mut v = Vec::new();
    while r.read_record(&mut rec).unwrap() {
        if rec.role == RecordRole::Data {
            v.push((rec.number, rec.bytes.clone()));
        }
    }
    v
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(
        prop_oneof![
            (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Edit::Flip(i, b)),
            (
                any::<usize>(),
                prop_oneof![
                    Just(b'\r'),
                    Just(b'\n'),
                    Just(0x81),
                    Just(0xF0),
                    Just(0x1A),
                    Just(0),
                    any::<u8>()
                ]
            )
                .prop_map(|(i, b)| Edit::Insert(i, b)),
            any::<usize>().prop_map(Edit::Delete),
        ],
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Any corruption of the sample (bytes flipped, inserted, deleted; newlines and lead
    /// bytes among them): the run succeeds, `input = output + rejected`, the input count is
    /// the number of data records framing finds, and every rejected record is a row of
    /// `rejects.csv` carrying its exact bytes.
    #[test]
    fn corrupted_sample_accounts_for_every_record(
        records in 5usize..40,
        edits in edits(),
        chunk in 1usize..9,
        threads in 1usize..3,
    ) {
        static PLAN: std::sync::OnceLock<Plan> = std::sync::OnceLock::new();
        let plan = PLAN.get_or_init(sample_plan);
        let sample = std::fs::read(root().join("testdata/sample/juki-1000.dat")).unwrap();
        let mut data = sample[..records * 302].to_vec();
        for e in &edits {
            let n = data.len().max(1);
            match *e {
                Edit::Flip(i, b) => { if !data.is_empty() { data[i % n] ^= b; } }
                Edit::Insert(i, b) => data.insert(i % (n + 1), b),
                Edit::Delete(i) => { if !data.is_empty() { data.remove(i % n); } }
            }
        }
        let dir = case_dir("corrupt");
        std::fs::write(dir.join("in.dat"), &data).unwrap();
        let mut opts = RunOptions::new(dir.join("run"));
        opts.outputs = Outputs::minimal();
        opts.chunk_records = chunk;
        opts.threads = threads;
        let m = run(plan, &[dir.join("in.dat")], &opts, &NoProgress).unwrap();
        let c = &m.counts;
        prop_assert!(m.accounting_ok);
        prop_assert_eq!(c.input_records, c.output_records + c.rejected_records);
        let frames = framed(plan, &data);
        prop_assert_eq!(c.input_records, frames.len() as u64);

        let (_, out_rows) = read_rows(&std::fs::read(dir.join("run/jumin.csv")).unwrap());
        prop_assert_eq!(out_rows.len() as u64, c.output_records);

        let (h, rejects) = read_rows(&std::fs::read(dir.join("run/rejects.csv")).unwrap());
        prop_assert_eq!(rejects.len() as u64, c.rejected_records);
        let col = |name: &str| h.iter().position(|x| x == name).unwrap();
        let (rec_col, fr_col, raw_col, kinds_col) = (col("record"), col("file_record"), col("raw_hex"), col("kinds"));
        let mut seen = std::collections::BTreeSet::new();
        for row in &rejects {
            let record: u64 = row[rec_col].parse().unwrap();
            prop_assert!(seen.insert(record), "record {} rejected twice", record);
            prop_assert!(record >= 1 && record <= c.input_records);
            prop_assert!(!row[kinds_col].is_empty(), "a reject without a reason");
            let file_record: u64 = row[fr_col].parse().unwrap();
            let (_, bytes) = frames.iter().find(|(n, _)| *n == file_record).unwrap();
            prop_assert_eq!(&unhex(&row[raw_col]), bytes, "raw bytes of record {}", record);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Every row of `rejects.csv` carries the record's bytes, whatever outputs are chosen.
#[test]
fn rejects_keep_raw_bytes_with_minimal_outputs() {
    let dir = case_dir("raw");
    let mut opts = RunOptions::new(dir.join("run"));
    opts.outputs = Outputs::minimal();
    let input = root().join("testdata/sample/juki-1000.dat");
    let m = run(&sample_plan(), &[input], &opts, &NoProgress).unwrap();
    assert!(m
        .counts
        .rejects_by_reason
        .contains_key("check.household_no_head"));
    let (h, rejects) = read_rows(&std::fs::read(dir.join("run/rejects.csv")).unwrap());
    let raw = h.iter().position(|x| x == "raw_hex").unwrap();
    let kinds = h.iter().position(|x| x == "kinds").unwrap();
    for row in &rejects {
        assert_eq!(
            row[raw].len(),
            600,
            "record rejected for {} has no raw bytes",
            row[kinds]
        );
    }
}
