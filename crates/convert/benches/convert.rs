//! Criterion micro-benchmarks of a run's stages, on seeded synthetic records
//! (`ikou_convert::sample`, 20,000 records, seed 7 — the benchmark's input in small).
//!
//! ```text
//! cargo bench -p ikou-convert --bench convert              # everything
//! cargo bench -p ikou-convert --bench convert -- parquet   # one group
//! ```
//!
//! Throughput is in input bytes (302 per record) so the figures compare with
//! `scripts/bench/run.sh`'s MB/s. See docs/BENCHMARKS.md.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ikou_cleanse::frame::{RawRecord, RecordReader};
use ikou_cleanse::gaiji::GaijiTable;
#[cfg(feature = "arrow")]
use ikou_convert::arrow::{ArrowIpcSink, ArrowOptions, ParquetSink, TableSchema};
use ikou_convert::output::HashingWriter;
use ikou_convert::plan::{Plan, Processed, Scratch};
use ikou_convert::sample::{write_sample, SampleConfig};
#[cfg(feature = "arrow")]
use ikou_convert::sink::{RecordSink, Row};
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile};
use ikou_layout_spec::Catalog;
use std::hint::black_box;
use std::io::{self, Write};

const RECORDS: u64 = 20_000;

struct Data {
    plan: Plan,
    input: Vec<u8>,
    records: Vec<RawRecord>,
    processed: Vec<Processed>,
}

fn data(keep_before: bool) -> Data {
    let catalog = Catalog::bundled().unwrap();
    let profile = bundled_profile("sample-juki", &catalog).unwrap().unwrap();
    let gaiji = GaijiTable::parse(bundled_gaiji("sample-juki.csv").unwrap(), "g").unwrap();
    let mut plan = Plan::new(&catalog, profile, gaiji).unwrap();
    plan.set_keep_before(keep_before);
    let mut input = Vec::new();
    write_sample(&SampleConfig::new(RECORDS, 7), &mut input).unwrap();
    let records: Vec<RawRecord> = RecordReader::new(input.as_slice(), &plan.source)
        .unwrap()
        .into_records()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut scratch = Scratch::new(plan.charset());
    let processed = records
        .iter()
        .enumerate()
        .map(|(i, r)| plan.process(r, i as u64 + 1, &mut scratch))
        .collect();
    Data {
        plan,
        input,
        records,
        processed,
    }
}

fn bench_plan(c: &mut Criterion) {
    let d = data(false);
    let mut g = c.benchmark_group("plan");
    g.throughput(Throughput::Bytes(d.input.len() as u64));
    g.sample_size(10);
    g.bench_function("read_records", |b| {
        b.iter(|| {
            let mut reader =
                RecordReader::new(black_box(d.input.as_slice()), &d.plan.source).unwrap();
            let mut rec = RawRecord::new();
            let mut n = 0u32;
            while reader.read_record(&mut rec).unwrap() {
                n += 1;
            }
            n
        })
    });
    // Slice, decode, cleanse, map and validate every record (one thread).
    g.bench_function("process", |b| {
        let mut scratch = Scratch::new(d.plan.charset());
        b.iter(|| {
            let mut rejected = 0u32;
            for (i, r) in d.records.iter().enumerate() {
                let p = d.plan.process(black_box(r), i as u64 + 1, &mut scratch);
                rejected += u32::from(p.rejected());
            }
            rejected
        })
    });
    // The first pass of a run: only the values the cross-record checks need.
    g.bench_function("check_values", |b| {
        let mut scratch = Scratch::new(d.plan.charset());
        b.iter(|| {
            let mut n = 0usize;
            for r in &d.records {
                n += d.plan.check_values(black_box(r), &mut scratch).len();
            }
            n
        })
    });
    g.finish();
}

/// The standard CSV as the run writes it (CRLF, quoted when needed, 256 KiB buffer).
fn write_standard_csv<W: Write>(d: &Data, w: W) -> W {
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(256 * 1024)
        .from_writer(w);
    csv.write_record(d.plan.target.items.iter().map(|i| i.name.as_str()))
        .unwrap();
    let mut rec = csv::ByteRecord::new();
    for p in d.processed.iter().filter(|p| !p.rejected()) {
        rec.clear();
        for v in &p.after {
            rec.push_field(v.as_deref().unwrap_or("").as_bytes());
        }
        csv.write_byte_record(&rec).unwrap();
    }
    csv.into_inner().map_err(|e| e.into_error()).unwrap()
}

fn bench_outputs(c: &mut Criterion) {
    let d = data(true);
    let mut g = c.benchmark_group("output");
    g.throughput(Throughput::Bytes(d.input.len() as u64));
    g.sample_size(10);
    g.bench_function("standard_csv", |b| {
        b.iter(|| write_standard_csv(&d, io::sink()))
    });
    g.bench_function("standard_csv_sha256", |b| {
        b.iter(|| {
            write_standard_csv(&d, HashingWriter::new(io::sink()))
                .finish()
                .1
        })
    });
    // SHA-256 of the input, as the run hashes it while reading.
    g.bench_function("sha256_input", |b| {
        b.iter(|| {
            let mut h = HashingWriter::new(io::sink());
            for chunk in d.input.chunks(64 * 1024) {
                h.write_all(chunk).unwrap();
            }
            h.finish().1
        })
    });
    g.finish();
}

/// The Arrow and Parquet outputs (only with the `arrow` feature, the default).
#[cfg(feature = "arrow")]
fn bench_arrow(c: &mut Criterion) {
    let d = data(true);
    let mut g = c.benchmark_group("output");
    g.throughput(Throughput::Bytes(d.input.len() as u64));
    g.sample_size(10);
    let after_rows: Vec<Row> = d
        .processed
        .iter()
        .filter(|p| !p.rejected())
        .map(|p| p.after_row())
        .collect();
    let before_rows: Vec<Row> = d.processed.iter().map(|p| p.before_row()).collect();
    let after = TableSchema::after(&d.plan.target).unwrap();
    let before = TableSchema::before(&d.plan.source).unwrap();
    let options = ArrowOptions::default();
    g.bench_function("after_parquet", |b| {
        b.iter(|| {
            let mut s = ParquetSink::new(&after, io::sink(), "after.parquet", &options).unwrap();
            s.write_rows(&after_rows).unwrap();
            s.finish_into_inner().unwrap()
        })
    });
    g.bench_function("after_arrow", |b| {
        b.iter(|| {
            let mut s = ArrowIpcSink::new(&after, io::sink(), "after.arrow", &options).unwrap();
            s.write_rows(&after_rows).unwrap();
            s.finish_into_inner().unwrap()
        })
    });
    g.bench_function("before_parquet", |b| {
        b.iter(|| {
            let mut s = ParquetSink::new(&before, io::sink(), "before.parquet", &options).unwrap();
            s.write_rows(&before_rows).unwrap();
            s.finish_into_inner().unwrap()
        })
    });
    g.finish();
}

#[cfg(feature = "arrow")]
criterion_group!(benches, bench_plan, bench_outputs, bench_arrow);
#[cfg(not(feature = "arrow"))]
criterion_group!(benches, bench_plan, bench_outputs);
criterion_main!(benches);
