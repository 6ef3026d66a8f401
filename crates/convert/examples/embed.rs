//! Embedding ikou in a vendor's migration tool: resolve the bundled `sample-juki` profile,
//! frame a legacy file, convert each record through the `Plan`, and hand the results to a
//! sink of our own (here: a JSON-lines writer that keeps only record numbers, outcomes and
//! the converted values' item keys — a real tool would write to its own database).
//!
//! ```sh
//! cargo run --example embed -p ikou-convert -- testdata/sample/juki-1000.dat
//! ```

use ikou_cleanse::frame::{RawRecord, RecordReader};
use ikou_convert::plan::{Plan, Scratch};
use ikou_convert::setup;
use ikou_convert::sink::{RecordSink, Row, SinkError};
use ikou_layout_spec::RecordRole;
use std::io::Write;

/// Our own sink: counts rows and writes one JSON line per converted record.
struct JsonLines<W: Write + Send> {
    out: W,
    keys: Vec<String>,
    rows: u64,
}

impl<W: Write + Send> RecordSink for JsonLines<W> {
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        for row in rows {
            let filled: Vec<&str> = self
                .keys
                .iter()
                .zip(row.values)
                .filter(|(_, v)| v.is_some())
                .map(|(k, _)| k.as_str())
                .collect();
            writeln!(
                self.out,
                "{{\"record\":{},\"items_filled\":{}}}",
                row.record,
                serde_json::to_string(&filled).unwrap_or_default()
            )
            .map_err(|e| SinkError {
                output: "stdout".into(),
                message: e.to_string(),
            })?;
            self.rows += 1;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        self.out.flush().map_err(|e| SinkError {
            output: "stdout".into(),
            message: e.to_string(),
        })
    }
}

#[allow(clippy::print_stderr)] // an example program reports to its user
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/sample/juki-1000.dat".into());
    // The same lookup `ikou convert --profile sample-juki` does: bundled id or .toml path,
    // and the profile's 外字 table.
    let catalog = setup::load_catalog(&[])?;
    let profile = setup::load_profile(&catalog, "sample-juki")?;
    let gaiji = setup::load_gaiji(&profile, None)?;
    let plan = Plan::new(&catalog, profile, gaiji)?;

    let file = std::fs::File::open(&path)?;
    let mut reader = RecordReader::new(file, &plan.source)?;
    let mut sink = Box::new(JsonLines {
        out: std::io::BufWriter::new(std::io::stdout()),
        keys: plan.target.items.iter().map(|i| i.key.clone()).collect(),
        rows: 0,
    });
    let mut scratch = Scratch::new(plan.charset());
    let mut raw = RawRecord::new();
    let (mut n, mut rejected) = (0u64, 0u64);
    while reader.read_record(&mut raw)? {
        if raw.role != RecordRole::Data {
            continue; // header and trailer records carry no resident
        }
        n += 1;
        let p = plan.process(&raw, n, &mut scratch);
        if p.rejected() {
            // A real tool would store p.reasons with the record number and offset.
            rejected += 1;
            continue;
        }
        sink.write_rows(&[Row {
            record: p.record,
            offset: p.offset,
            values: &p.after,
            raw: None,
        }])?;
    }
    let written = sink.rows;
    sink.finish()?;
    eprintln!("{n} records: {written} converted, {rejected} rejected (cross-record checks not applied here)");
    if n != written + rejected {
        return Err("accounting failed".into());
    }
    Ok(())
}
