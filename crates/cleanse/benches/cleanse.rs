//! Criterion micro-benchmarks of reading and cleansing, on the checked-in seeded sample
//! (`testdata/sample/juki-1000.dat`: `ikou sample --records 1000 --seed 1`).
//!
//! ```text
//! cargo bench -p ikou-cleanse --bench cleanse            # everything
//! cargo bench -p ikou-cleanse --bench cleanse -- decode   # one group
//! ```
//!
//! Each benchmark runs over the same item of all 1,000 records, so its throughput is per
//! item (bytes for decoding, values for the rules). See docs/BENCHMARKS.md. The rules run
//! with the options of the sample profile (`variants = "cp932"`, strict dates).
//!
//! Wall time is noisy on a shared machine; `IKOU_CLEANSE_COUNT=<id substring>` runs the
//! matching cleansing cases a fixed number of times instead, for `valgrind --tool=callgrind`
//! (see [`count`]).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use ikou_cleanse::decode::CharProfile;
use ikou_cleanse::frame::{item_bytes, RawRecord, RecordReader, Slicer};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_cleanse::rules::{cleanse, cleanse_unpadded, RuleOptions};
use ikou_cleanse::wareki::DatePolicy;
use ikou_layout_spec::{Catalog, DateForm, DomainType, Layout, VariantPolicy};
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

/// The decoded values of item `key` in every record.
fn item_values(layout: &Layout, recs: &[RawRecord], chars: &CharProfile, key: &str) -> Vec<String> {
    item_slices(layout, recs, key)
        .iter()
        .map(|s| {
            let mut out = String::new();
            chars.decode_item(s, &mut out, &mut Vec::new());
            out
        })
        .collect()
}

/// The options `ikou convert --profile sample-juki` uses: the defaults with the profile's
/// variant policy (cp932) and strict dates, adjusted per item.
fn run_options() -> RuleOptions {
    RuleOptions {
        variant_policy: VariantPolicy::Cp932,
        date_policy: DatePolicy::Strict,
        ..RuleOptions::default()
    }
}

/// One cleansing benchmark: its id, and the values with their domain and options.
struct RuleCase {
    id: String,
    values: Vec<(DomainType, RuleOptions, String)>,
    /// Through `cleanse_unpadded` (padding counted, not listed) instead of `cleanse`.
    unpadded: bool,
}

/// The cleansing benchmarks. `cleanse/<domain>/<item>`: one item of every record as
/// decoded (padded, half-width kana, era-code dates); `cleanse/every_item`: all of a
/// record's items, as a run does (`unpadded_every_item`: through `cleanse_unpadded`, as a
/// run that counts padding can); `cleanse_clean/<domain>/<item>`: the same items once
/// cleansed, so already clean (the common case: no rule fires, only the checks).
fn rule_cases(filter: &str) -> Vec<RuleCase> {
    let layout = layout();
    let recs = records(&layout);
    let chars = chars();
    let base = run_options();
    let items = [
        ("kana", "shimei_kana"),
        ("kanji_name", "shimei"),
        ("date_era_code", "birth_date"),
        ("date_blank", "shojo_date"),
        ("digits", "atena_no"),
        ("individual_number", "kojin_bango"),
        ("resident_code", "juminhyo_code"),
        ("postal_code", "postal_code"),
        ("address", "address"),
        ("address", "katagaki"),
        ("code", "zokugara"),
        ("code", "sex"),
    ];
    let wanted = |id: &str| id.contains(filter);
    let mut cases = Vec::new();
    for (rule, key) in items {
        if !wanted(&format!("cleanse/{rule}/{key}")) {
            continue;
        }
        let item = layout.item(key).unwrap();
        let opts = base.for_item(item);
        cases.push(RuleCase {
            id: format!("cleanse/{rule}/{key}"),
            values: item_values(&layout, &recs, &chars, key)
                .into_iter()
                .map(|v| (item.domain, opts, v))
                .collect(),
            unpadded: false,
        });
    }
    // Every item of every record (fillers included, as the run slices them).
    let every = || -> Vec<_> {
        recs.iter()
            .flat_map(|r| {
                layout.items.iter().filter_map(|i| {
                    let b = item_bytes(&r.bytes, i)?;
                    let mut out = String::new();
                    chars.decode_item(b, &mut out, &mut Vec::new());
                    Some((i.domain, base.for_item(i), out))
                })
            })
            .collect()
    };
    for (id, unpadded) in [
        ("cleanse/every_item", false),
        ("cleanse/unpadded_every_item", true),
    ] {
        if wanted(id) {
            cases.push(RuleCase {
                id: id.into(),
                values: every(),
                unpadded,
            });
        }
    }
    for (rule, key) in items {
        if !wanted(&format!("cleanse_clean/{rule}/{key}")) {
            continue;
        }
        let item = layout.item(key).unwrap();
        // ISO dates are clean only for an item that reads any form.
        let opts = RuleOptions {
            date_form: DateForm::Auto,
            ..base.for_item(item)
        };
        let values: Vec<_> = item_values(&layout, &recs, &chars, key)
            .iter()
            .filter_map(|v| cleanse(item.domain, v, &opts).output().map(str::to_owned))
            .map(|v| (item.domain, opts, v))
            .collect();
        for (d, o, v) in &values {
            assert!(cleanse(*d, v, o).edits.is_empty(), "{key}: {v}");
        }
        cases.push(RuleCase {
            id: format!("cleanse_clean/{rule}/{key}"),
            values,
            unpadded: false,
        });
    }
    cases
}

fn cleanse_all(case: &RuleCase) -> usize {
    let mut n = 0usize;
    for (d, o, v) in &case.values {
        let c = if case.unpadded {
            cleanse_unpadded(*d, black_box(v), o).0
        } else {
            cleanse(*d, black_box(v), o)
        };
        n += c.value.len() + c.edits.len() + c.findings.len();
    }
    n
}

fn bench_rules(c: &mut Criterion) {
    for group in ["cleanse", "cleanse_clean"] {
        let prefix = format!("{group}/");
        let mut g = c.benchmark_group(group);
        for case in rule_cases(&prefix) {
            let name = case.id.strip_prefix(&prefix).unwrap_or(&case.id).to_owned();
            g.throughput(Throughput::Elements(case.values.len() as u64));
            g.bench_function(name, |b| b.iter(|| cleanse_all(&case)));
        }
        g.finish();
    }
}

/// `IKOU_CLEANSE_COUNT=<id substring>`: instead of benchmarking, cleanse the values of the
/// matching cases 200 times each, for an instruction count that does not depend on the
/// machine's load (criterion measures wall time):
///
/// ```text
/// IKOU_CLEANSE_COUNT=cleanse_clean/kana/ valgrind --tool=callgrind \
///     --callgrind-out-file=cg.out target/release/deps/cleanse-<hash>
/// ```
/// then the inclusive cost of `ikou_cleanse::rules::cleanse` over its number of calls is
/// the instructions per value (`callgrind_annotate --inclusive=yes`, calls with
/// `--tree=caller`).
fn count(filter: &str) {
    let mut n = 0;
    for case in rule_cases(filter) {
        for _ in 0..200 {
            n += cleanse_all(&case);
        }
    }
    black_box(n);
}

criterion_group!(benches, bench_frame, bench_decode, bench_rules);

fn main() {
    if let Ok(filter) = std::env::var("IKOU_CLEANSE_COUNT") {
        count(&filter);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
