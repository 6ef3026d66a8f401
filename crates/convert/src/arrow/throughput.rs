//! Throughput and memory of the Arrow/Parquet sinks on synthetic resident records.
//!
//! Not a test (no assertions on time): run by hand in release mode,
//!
//! ```text
//! cargo test --release -p ikou-convert --lib arrow::throughput -- --ignored --nocapture
//! ```
//!
//! `IKOU_ROWS` sets the number of rows (default 1,000,000). Rows are generated in chunks
//! outside the timed section; the sinks write to a counting writer (no disk), so the
//! figures are the sinks' CPU cost (thread CPU time from `/proc/thread-self/schedstat`, so
//! other processes on the machine do not distort them). Peak RSS is the process's VmHWM, reset before each sink
//! (`/proc/self/clear_refs`), so it covers one sink and the current row chunk.

use std::io::{self, Write};
use std::time::Duration;

use ikou_layout_spec::{Catalog, DomainType, Layout};

use super::*;
use crate::sink::{RecordSink, Row};

/// Counts bytes, discards them.
#[derive(Default)]
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: u32) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

const SEI: &[&str] = &[
    "山田", "佐藤", "鈴木", "髙橋", "田中", "渡邊", "伊藤", "中村", "小林", "山﨑", "吉田", "斎藤",
];
const MEI: &[&str] = &[
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健",
    "陽菜",
    "翔太",
    "さくら",
    "大輔",
    "由美子",
];
const SEI_KANA: &[&str] = &[
    "ヤマダ",
    "サトウ",
    "スズキ",
    "タカハシ",
    "タナカ",
    "ワタナベ",
    "イトウ",
    "ナカムラ",
];
const MEI_KANA: &[&str] = &[
    "タロウ",
    "ハナコ",
    "イチロウ",
    "ミサキ",
    "ケン",
    "ヒナ",
    "ショウタ",
    "サクラ",
];
const CITY: &[&str] = &[
    "千代田区霞が関",
    "港区芝公園",
    "新宿区西新宿",
    "横浜市中区山下町",
    "さいたま市浦和区高砂",
];

/// One value for an item, shaped by its domain (`before`: legacy forms, `after`: standard).
fn value(rng: &mut Rng, domain: DomainType, length: u32, before: bool) -> Option<String> {
    Some(match domain {
        DomainType::Digits | DomainType::ResidentCode | DomainType::IndividualNumber => {
            if domain == DomainType::IndividualNumber && rng.below(4) == 0 {
                return None;
            }
            rng.digits(length.min(15))
        }
        DomainType::PostalCode => rng.digits(7),
        DomainType::KanjiName => format!("{}　{}", rng.pick(SEI), rng.pick(MEI)),
        DomainType::Kana if before => format!("{} {}", rng.pick(SEI_KANA), rng.pick(MEI_KANA)),
        DomainType::Kana => format!("{}　{}", rng.pick(SEI_KANA), rng.pick(MEI_KANA)),
        DomainType::Date => {
            if rng.below(5) == 0 {
                return None;
            }
            let (y, m, d) = (1920 + rng.below(100), 1 + rng.below(12), 1 + rng.below(28));
            if before {
                format!(
                    "{}{:02}{m:02}{d:02}",
                    3 + (y >= 1989) as u64,
                    (y - 1925) % 64
                )
            } else if rng.below(50) == 0 {
                format!("{y}-{m:02}")
            } else {
                format!("{y}-{m:02}-{d:02}")
            }
        }
        DomainType::Address => {
            if length < 60 && rng.below(3) != 0 {
                return None;
            }
            format!(
                "東京都{}{}丁目{}番{}号",
                rng.pick(CITY),
                1 + rng.below(9),
                1 + rng.below(30),
                1 + rng.below(20)
            )
        }
        DomainType::Code => rng.digits(length.min(2)),
        DomainType::Filler => String::new(),
        _ => rng
            .pick(&["住民", "世帯主", "転入", "出生", "転居"])
            .to_string(),
    })
}

/// A generated row's values (a [`Row`] borrows them).
struct Owned {
    record: u64,
    values: Vec<Option<String>>,
    raw: Option<Vec<u8>>,
}

impl Owned {
    fn row(&self) -> Row<'_> {
        Row {
            record: self.record,
            offset: (self.record - 1) * 302,
            values: &self.values,
            raw: self.raw.as_deref(),
            skipped: 0,
        }
    }
}

fn fill(rows: &mut Vec<Owned>, layout: &Layout, rng: &mut Rng, first: u64, n: usize, before: bool) {
    rows.clear();
    for record in first..first + n as u64 {
        let values = layout
            .items
            .iter()
            .map(|i| value(rng, i.domain, i.length, before))
            .collect();
        let raw = before.then(|| (0..300).map(|_| rng.next() as u8).collect());
        rows.push(Owned {
            record,
            values,
            raw,
        });
    }
}

/// CPU time of this thread (ns on CPU, from the scheduler): robust against other
/// processes competing for the cores, unlike wall time.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Runs one sink over `total` generated rows; returns (sink time, rows of output bytes).
fn run<S: RecordSink + ?Sized>(
    sink: &mut S,
    layout: &Layout,
    total: u64,
    before: bool,
) -> Duration {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut rows = Vec::with_capacity(4096);
    let mut spent = Duration::ZERO;
    let mut done = 0u64;
    while done < total {
        let n = (total - done).min(4096) as usize;
        fill(&mut rows, layout, &mut rng, done + 1, n, before);
        let borrowed: Vec<Row> = rows.iter().map(Owned::row).collect();
        let t = cpu_time();
        sink.write_rows(&borrowed).unwrap();
        spent += cpu_time() - t;
        done += n as u64;
    }
    spent
}

#[test]
#[ignore = "throughput measurement, run by hand in release mode"]
#[allow(clippy::print_stdout)]
fn throughput() {
    let total: u64 = std::env::var("IKOU_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let catalog = Catalog::bundled().unwrap();
    let legacy = catalog.layout("legacy/sample-juki").unwrap();
    let target = catalog.layout("standard/jumin-kiroku-jumin").unwrap();
    let before = TableSchema::before(legacy).unwrap();
    let after = TableSchema::after(target).unwrap();
    let mut options = ArrowOptions::default();
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = env("IKOU_BATCH") {
        options.batch_rows = n;
    }
    if let Some(n) = env("IKOU_RG_BYTES") {
        options.row_group_bytes = n;
    }
    if let Some(n) = env("IKOU_RG_ROWS") {
        options.row_group_rows = n;
    }
    if let Some(n) = env("IKOU_PAGE") {
        options.data_page_bytes = n;
    }
    let input_mb = total as f64 * 302.0 / 1e6;
    println!(
        "{total} rows ({input_mb:.0} MB of 302-byte input records); batch {} rows, row group ≤ {} rows / {} MiB",
        options.batch_rows,
        options.row_group_rows,
        options.row_group_bytes >> 20
    );
    println!(
        "{:<28} {:>8} {:>10} {:>10} {:>10} {:>9}",
        "sink", "cpu s", "krows/s", "in MB/s", "out MB", "peak MB"
    );
    // IKOU_SINK=<name> runs one sink only, so its peak RSS is not mixed with the heap
    // another sink left behind (run each in its own process for memory figures).
    let only = std::env::var("IKOU_SINK").ok();
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let report = |name: &str, spent: Duration, out: u64, finish: Duration| {
        let secs = (spent + finish).as_secs_f64();
        println!(
            "{name:<28} {secs:>8.2} {:>10.0} {:>10.0} {:>10.1} {:>9.1}",
            total as f64 / secs / 1e3,
            input_mb / secs,
            out as f64 / 1e6,
            peak_rss_mb()
        );
    };
    if wanted("none") {
        // The generator alone: the baseline of the peak RSS column.
        reset_peak_rss();
        let mut s = ArrowIpcSink::new(&before, Count::default(), "x.arrow", &options).unwrap();
        let mut rng = Rng(1);
        let mut rows = Vec::with_capacity(4096);
        fill(&mut rows, legacy, &mut rng, 1, 4096, true);
        s.write_rows(&[rows[0].row()]).unwrap();
        report(
            "(generator only)",
            Duration::from_secs(1),
            0,
            Duration::ZERO,
        );
    }
    for (name, schema, layout, is_before) in [
        ("before", &before, legacy, true),
        ("after", &after, target, false),
    ] {
        if wanted(&format!("{name}.arrow")) {
            reset_peak_rss();
            let mut s = ArrowIpcSink::new(schema, Count::default(), "x.arrow", &options).unwrap();
            let spent = run(&mut s, layout, total, is_before);
            let t = cpu_time();
            let out = s.finish_into_inner().unwrap().0;
            report(&format!("{name}.arrow"), spent, out, cpu_time() - t);
        }
        if wanted(&format!("{name}.parquet")) {
            reset_peak_rss();
            let mut s = ParquetSink::new(schema, Count::default(), "x.parquet", &options).unwrap();
            let spent = run(&mut s, layout, total, is_before);
            let t = cpu_time();
            let out = s.finish_into_inner().unwrap().0;
            report(&format!("{name}.parquet"), spent, out, cpu_time() - t);
        }
        if wanted(&format!("{name}.arrow+parquet")) {
            reset_peak_rss();
            let mut s = ArrowParquetSink::new(
                schema,
                Count::default(),
                "x.arrow",
                Count::default(),
                "x.parquet",
                &options,
            )
            .unwrap();
            let spent = run(&mut s, layout, total, is_before);
            let t = cpu_time();
            let (a, p) = s.finish_into_inner().unwrap();
            report(
                &format!("{name}.arrow+parquet"),
                spent,
                a.0 + p.0,
                cpu_time() - t,
            );
        }
    }
    if !wanted("changes.parquet") {
        return;
    }
    // changes.parquet: 3 changes per record.
    reset_peak_rss();
    let mut s = ChangesParquetSink::new(Count::default(), "changes.parquet", &options).unwrap();
    let mut rng = Rng(7);
    let mut texts = Vec::with_capacity(4096 * 3);
    let mut spent = Duration::ZERO;
    for first in (1..=total).step_by(4096) {
        texts.clear();
        for r in first..(first + 4096).min(total + 1) {
            for (item, rule) in [
                ("shimei_kana", "kana.fullwidth"),
                ("birth_date", "date.wareki"),
                ("address", "space.fold"),
            ] {
                let k = format!("{}{}", rng.pick(SEI_KANA), rng.pick(MEI_KANA));
                texts.push((r, item, rule, k));
            }
        }
        let changes: Vec<ChangeRow> = texts
            .iter()
            .map(|(record, item, rule, k)| ChangeRow {
                record: *record,
                item,
                rule,
                before: Some(k),
                after: Some(k),
            })
            .collect();
        let t = cpu_time();
        s.write_changes(&changes).unwrap();
        spent += cpu_time() - t;
    }
    let t = cpu_time();
    let out = s.finish().unwrap().0;
    report("changes.parquet", spent, out, cpu_time() - t);
}
