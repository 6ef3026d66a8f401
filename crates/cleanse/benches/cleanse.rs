//! Criterion micro-benchmarks of reading and cleansing, on the checked-in seeded sample
//! (`testdata/sample/juki-1000.dat`: `ikou sample --records 1000 --seed 1`).
//!
//! ```text
//! cargo bench -p ikou-cleanse --bench cleanse            # everything
//! cargo bench -p ikou-cleanse --bench cleanse -- decode   # one group
//! ```
//!
//! Each benchmark runs over the same item of all 1,000 records, so its throughput is per
//! item (bytes for decoding, values for the rules). See docs/BENCHMARKS.md.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ikou_cleanse::decode::CharProfile;
use ikou_cleanse::frame::{item_bytes, RawRecord, RecordReader, Slicer};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_cleanse::rules::{cleanse, RuleOptions};
use ikou_layout_spec::{Catalog, Layout};
use std::hint::black_box;

const SAMPLE: &[u8] = include_bytes!("../../../testdata/sample/juki-1000.dat");
const GAIJI: &str = include_str!("../../../testdata/sample/gaiji.csv");

fn layout() -> Layout {
    Catalog::bundled()
        .unwrap()
        .layout("legacy/sample-juki")
        .unwrap()
        .clone()
}

fn records(layout: &Layout) -> Vec<RawRecord> {
    RecordReader::new(SAMPLE, layout)
        .unwrap()
        .into_records()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn chars() -> CharProfile {
    CharProfile::cp932().with_gaiji(GaijiTable::parse(GAIJI, "gaiji.csv").unwrap())
}

/// The bytes of item `key` in every record.
fn item_slices<'a>(layout: &Layout, recs: &'a [RawRecord], key: &str) -> Vec<&'a [u8]> {
    let item = layout.item(key).unwrap();
    recs.iter()
        .filter_map(|r| item_bytes(&r.bytes, item))
        .collect()
}

fn bench_frame(c: &mut Criterion) {
    let layout = layout();
    let mut g = c.benchmark_group("frame");
    g.throughput(Throughput::Bytes(SAMPLE.len() as u64));
    g.bench_function("read_records", |b| {
        b.iter(|| {
            let mut reader = RecordReader::new(black_box(SAMPLE), &layout).unwrap();
            let mut rec = RawRecord::new();
            let mut n = 0u32;
            while reader.read_record(&mut rec).unwrap() {
                n += 1;
            }
            n
        })
    });
    let recs = records(&layout);
    g.bench_function("slice_records", |b| {
        let mut slicer = Slicer::new(ikou_cleanse::charset::Charset::Cp932);
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0usize;
            for r in &recs {
                out.clear();
                slicer.slice(r, &layout.items, &mut out);
                n += out.len();
            }
            n
        })
    });
    g.finish();
}

fn bench_decode(c: &mut Criterion) {
    let layout = layout();
    let recs = records(&layout);
    let chars = chars();
    let mut g = c.benchmark_group("decode");
    // Full-width kanji (and 外字), half-width kana, full-width address, ASCII digits.
    for key in ["shimei", "shimei_kana", "address", "atena_no", "birth_date"] {
        let slices = item_slices(&layout, &recs, key);
        let bytes: usize = slices.iter().map(|s| s.len()).sum();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_with_input(BenchmarkId::new("cp932_item", key), &slices, |b, slices| {
            let mut out = String::new();
            let mut issues = Vec::new();
            b.iter(|| {
                for s in slices {
                    out.clear();
                    issues.clear();
                    chars.decode_item(black_box(s), &mut out, &mut issues);
                }
                out.len()
            })
        });
    }
    // Every item of every record, as a run decodes them.
    let all: Vec<&[u8]> = recs
        .iter()
        .flat_map(|r| layout.items.iter().filter_map(|i| item_bytes(&r.bytes, i)))
        .collect();
    let bytes: usize = all.iter().map(|s| s.len()).sum();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("cp932_every_item", |b| {
        let mut out = String::new();
        let mut issues = Vec::new();
        b.iter(|| {
            for s in &all {
                out.clear();
                issues.clear();
                chars.decode_item(black_box(s), &mut out, &mut issues);
            }
            out.len()
        })
    });
    g.finish();
}

fn bench_rules(c: &mut Criterion) {
    let layout = layout();
    let recs = records(&layout);
    let chars = chars();
    let base = RuleOptions::default();
    let mut g = c.benchmark_group("cleanse");
    for (rule, key) in [
        ("kana", "shimei_kana"),
        ("kanji_name", "shimei"),
        ("date_era_code", "birth_date"),
        ("digits", "atena_no"),
        ("individual_number", "kojin_bango"),
        ("resident_code", "juminhyo_code"),
        ("address", "address"),
        ("code", "zokugara"),
    ] {
        let item = layout.item(key).unwrap();
        let opts = base.for_item(item);
        let values: Vec<String> = item_slices(&layout, &recs, key)
            .iter()
            .map(|s| {
                let mut out = String::new();
                chars.decode_item(s, &mut out, &mut Vec::new());
                out
            })
            .collect();
        g.throughput(Throughput::Elements(values.len() as u64));
        g.bench_with_input(BenchmarkId::new(rule, key), &values, |b, values| {
            b.iter(|| {
                let mut n = 0usize;
                for v in values {
                    let c = cleanse(item.domain, black_box(v), &opts);
                    n += c.value.len() + c.edits.len();
                }
                n
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_frame, bench_decode, bench_rules);
criterion_main!(benches);
