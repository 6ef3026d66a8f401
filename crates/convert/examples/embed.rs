//! Embedding ikou in a vendor's migration tool, with the public API only: resolve the
//! bundled `sample-juki` profile, hand the run an input held in memory (as a tool that
//! decrypts or downloads its exports would), add a sink of our own beside the standard
//! outputs (here: a JSON-lines writer of each converted record's number and the items filled,
//! and of each rejected record's number and reasons — a real tool would write to its own
//! database), and keep a cancellation token (a UI's cancel button).
//! The run keeps every guarantee of `ikou convert` — both passes with the cross-record
//! checks, rejects.csv, the manifest — so its counts are the CLI's.
//!
//! ```sh
//! cargo run --example embed -p ikou-convert -- testdata/sample/juki-1000.dat /tmp/embed-run
//! ```

use ikou_convert::plan::Plan;
use ikou_convert::run::{CancelToken, Outputs, Run, RunError, RunInput, RunOptions};
use ikou_convert::setup;
use ikou_convert::sink::{RecordSink, Rejected, Row, SinkError};
use std::io::Write;

/// Our own sink: one JSON line per converted record, one per rejected record.
struct JsonLines<W: Write + Send> {
    out: W,
    keys: Vec<String>,
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
            .map_err(|e| SinkError::io("embed.jsonl", e))?;
        }
        Ok(())
    }

    fn write_rejects(&mut self, rejects: &[Rejected<'_>]) -> Result<(), SinkError> {
        for r in rejects {
            // Kinds are stable ids (`check.duplicate`); messages hold no personal value.
            let reasons: Vec<serde_json::Value> = r
                .reasons
                .iter()
                .map(|x| serde_json::json!({"kind": x.kind.id(), "item": x.item, "message": x.message}))
                .collect();
            writeln!(
                self.out,
                "{{\"rejected\":{},\"offset\":{},\"reasons\":{}}}",
                r.record,
                r.offset,
                serde_json::Value::from(reasons)
            )
            .map_err(|e| SinkError::io("embed.jsonl", e))?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        self.out
            .flush()
            .map_err(|e| SinkError::io("embed.jsonl", e))
    }
}

#[allow(clippy::print_stderr)] // an example program reports to its user
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "testdata/sample/juki-1000.dat".into());
    let out = args.next().unwrap_or_else(|| "embed-run".into());
    // The same lookup `ikou convert --profile sample-juki` does.
    let catalog = setup::load_catalog(&[])?;
    let profile = setup::load_profile(&catalog, "sample-juki")?;
    let gaiji = setup::load_gaiji(&profile, None)?;
    let plan = Plan::new(&catalog, profile, gaiji)?;

    // The input, in memory.
    let bytes = std::fs::read(&path)?;
    let mut opts = RunOptions::new(&out);
    opts.force = true;
    opts.outputs = Outputs::minimal();
    let cancel = CancelToken::new();
    opts.cancel = Some(cancel.clone());
    let jsonl = std::fs::File::create(std::path::Path::new(&out).with_extension("jsonl"))?;
    let manifest = Run::new(&plan, &opts)
        .input(RunInput::Reader {
            name: path.clone(),
            reader: Box::new(std::io::Cursor::new(bytes.clone())),
        })
        .sink(Box::new(JsonLines {
            out: std::io::BufWriter::new(jsonl),
            keys: plan.target.items.iter().map(|i| i.key.clone()).collect(),
        }))
        .execute()?;
    let c = &manifest.counts;
    eprintln!(
        "{} records: {} converted, {} rejected (run directory {out})",
        c.input_records, c.output_records, c.rejected_records
    );

    // A cancelled run ends cleanly and publishes nothing.
    cancel.cancel();
    let cancelled = Run::new(&plan, &opts)
        .input(RunInput::Reader {
            name: path,
            reader: Box::new(std::io::Cursor::new(bytes)),
        })
        .execute();
    match cancelled {
        Err(RunError::Cancelled) => eprintln!("the second run was cancelled: nothing published"),
        other => return Err(format!("expected a cancelled run, got {other:?}").into()),
    }
    Ok(())
}
