//! The native half of `ikou.spark`: a plan that reads one byte range of one file (a Spark
//! partition) through ikou's per-record pipeline and streams Arrow batches of its rows, its
//! rejects or its counts; and the reasons of the cross-record checks for a record, given
//! what Spark counted. The logic is in `ikou_convert::range` and
//! `ikou_cleanse::boundary`; this file only builds Arrow batches and exports them.

use crate::{io_err, run_err, usage, Setup};
use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use ikou_cleanse::boundary::Split;
use ikou_convert::plan::Plan;
use ikou_convert::range::{
    check_items, check_reasons, range_bounds, reject_kinds, reject_reasons, RangeReader,
    RangeRecord,
};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use std::collections::HashMap;
use std::ffi::CString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What a range's stream gives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Rows,
    Rejects,
    Counts,
}

/// The columns of the counts output, one row per range.
const COUNT_COLUMNS: [&str; 10] = [
    "start", "end", "first", "last", "physical", "header", "trailer", "input", "rows", "rejected",
];

/// A profile resolved for reading ranges (built once per executor process).
#[pyclass(module = "ikou._ikou")]
pub(crate) struct RangePlan {
    plan: Arc<Plan>,
    /// The target items the checks read: pass 1's values are `_check_<key>` columns.
    check_keys: Vec<String>,
    /// The items whose target values the checks compare: `_after_<key>` in the rejects.
    after_keys: Vec<String>,
}

impl RangePlan {
    fn schema(&self, output: Output) -> SchemaRef {
        let s = |n: &str| Field::new(n, DataType::Utf8, true);
        let i = |n: &str| Field::new(n, DataType::Int64, true);
        let mut fields = Vec::new();
        match output {
            Output::Rows => {
                fields.push(s("_file"));
                fields.push(i("_byte_offset"));
                for item in &self.plan.target.items {
                    let meta = HashMap::from([("ikou.name".to_string(), item.name.clone())]);
                    fields.push(s(&item.key).with_metadata(meta));
                }
            }
            Output::Rejects => {
                fields.push(s("file"));
                fields.push(i("byte_offset"));
                for n in ["kinds", "reasons", "raw_hex"] {
                    fields.push(s(n));
                }
                for k in &self.after_keys {
                    fields.push(s(&format!("_after_{k}")));
                }
            }
            Output::Counts => {
                fields.push(s("file"));
                for n in COUNT_COLUMNS {
                    fields.push(i(n));
                }
            }
        }
        if output != Output::Counts {
            for k in &self.check_keys {
                fields.push(s(&format!("_check_{k}")));
            }
        }
        Arc::new(Schema::new(fields))
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.plan.target.item_index(key)
    }
}

fn parse_output(s: &str) -> PyResult<Output> {
    match s {
        "rows" => Ok(Output::Rows),
        "rejects" => Ok(Output::Rejects),
        "counts" => Ok(Output::Counts),
        o => Err(usage(format!(
            "unknown output `{o}` (rows, rejects or counts)"
        ))),
    }
}

#[pymethods]
impl RangePlan {
    /// The Arrow schema of an output (`rows`, `rejects`, `counts`) as the names, types and
    /// Japanese item names of its columns: `[(name, "string" | "long", ikou.name or None)]`.
    fn columns(&self, output: &str) -> PyResult<Vec<(String, &'static str, Option<String>)>> {
        let schema = self.schema(parse_output(output)?);
        Ok(schema
            .fields()
            .iter()
            .map(|f| {
                let t = if f.data_type() == &DataType::Int64 {
                    "long"
                } else {
                    "string"
                };
                (f.name().clone(), t, f.metadata().get("ikou.name").cloned())
            })
            .collect())
    }

    /// Whether the layout's files can be cut into byte ranges (else one range per file).
    fn splittable(&self) -> bool {
        Split::of(&self.plan.source).splits()
    }

    /// The record boundaries of `[start, end)`: `(first, last)`.
    fn bounds(&self, py: Python<'_>, path: PathBuf, start: u64, end: u64) -> PyResult<(u64, u64)> {
        py.detach(|| range_bounds(&self.plan, &path, start, end))
            .map_err(|e| run_err(&e))
    }

    /// The unique keys and the household check `(key, head item, head value)` or None.
    fn check_items(&self) -> (Vec<String>, Option<(String, String, String)>) {
        check_items(&self.plan)
    }

    /// The target items: `[(key, name)]`.
    fn target_items(&self) -> Vec<(String, String)> {
        self.plan
            .target
            .items
            .iter()
            .map(|i| (i.key.clone(), i.name.clone()))
            .collect()
    }

    /// A record's kinds and reasons with the cross-record checks' added: `after` holds the
    /// record's target values of the checked items, `duplicates` the number of records
    /// sharing each unique key's value (None: not counted), `heads` its household's heads.
    #[pyo3(signature = (kinds, reasons, after, duplicates, heads))]
    fn merge_reasons(
        &self,
        kinds: Option<String>,
        reasons: Option<String>,
        after: HashMap<String, Option<String>>,
        duplicates: Vec<Option<u32>>,
        heads: Option<u32>,
    ) -> (String, String) {
        let mut values = vec![None; self.plan.target.items.len()];
        for (k, v) in after {
            if let Some(slot) = self.index(&k).and_then(|i| values.get_mut(i)) {
                *slot = v;
            }
        }
        let added = check_reasons(&self.plan, &values, &duplicates, heads);
        let (mut kinds, mut reasons) = (kinds.unwrap_or_default(), reasons.unwrap_or_default());
        let new_kinds = reject_kinds(&added);
        let new_reasons = reject_reasons(&added);
        if !new_kinds.is_empty() {
            // rejects.csv writes a kind repeated in a row once.
            let last = kinds.rsplit('|').next().unwrap_or("").to_string();
            let mut rest: Vec<&str> = new_kinds.split('|').collect();
            if rest.first() == Some(&last.as_str()) {
                rest.remove(0);
            }
            for k in rest {
                if !kinds.is_empty() {
                    kinds.push('|');
                }
                kinds.push_str(k);
            }
            if !reasons.is_empty() {
                reasons.push_str("; ");
            }
            reasons.push_str(&new_reasons);
        }
        (kinds, reasons)
    }

    /// Reads `[start, end)` of `path` (moved to record boundaries) and streams its `output`
    /// as Arrow batches of up to `batch_records` records (`__arrow_c_stream__`).
    #[pyo3(signature = (path, start, end, output="rows", batch_records=4096))]
    fn read_range(
        &self,
        py: Python<'_>,
        path: PathBuf,
        start: u64,
        end: u64,
        output: &str,
        batch_records: usize,
    ) -> PyResult<RangeStream> {
        let output = parse_output(output)?;
        let reader = py
            .detach(|| RangeReader::open(&self.plan, &path, start, end))
            .map_err(|e| run_err(&e))?;
        let stream = RangeBatches {
            schema: self.schema(output),
            reader: Some(reader),
            output,
            batch: batch_records.max(1),
            file: path.display().to_string(),
            start,
            end,
            items: self.plan.target.items.len(),
            check_idx: self
                .check_keys
                .iter()
                .filter_map(|k| self.index(k))
                .collect(),
            after_idx: self
                .after_keys
                .iter()
                .filter_map(|k| self.index(k))
                .collect(),
        };
        Ok(RangeStream(Mutex::new(Some(stream))))
    }
}

/// The batches of one range (an Arrow `RecordBatchReader`).
struct RangeBatches {
    schema: SchemaRef,
    reader: Option<RangeReader>,
    output: Output,
    batch: usize,
    file: String,
    start: u64,
    end: u64,
    items: usize,
    check_idx: Vec<usize>,
    after_idx: Vec<usize>,
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl RangeBatches {
    fn build(&self, recs: &[RangeRecord]) -> Result<Option<RecordBatch>, ArrowError> {
        let want_rejected = self.output == Output::Rejects;
        let picked: Vec<&RangeRecord> = recs
            .iter()
            .filter(|r| r.processed.rejected() == want_rejected)
            .collect();
        if picked.is_empty() {
            return Ok(None);
        }
        let n = picked.len();
        let strings = |f: &dyn Fn(&RangeRecord) -> Option<String>| -> ArrayRef {
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for r in &picked {
                b.append_option(f(r));
            }
            Arc::new(b.finish())
        };
        let mut cols: Vec<ArrayRef> = Vec::new();
        let mut offsets = Int64Builder::with_capacity(n);
        for r in &picked {
            offsets.append_value(int(r.processed.offset));
        }
        cols.push(strings(&|_| Some(self.file.clone())));
        cols.push(Arc::new(offsets.finish()));
        let value = |v: &[Option<String>], i: usize| v.get(i).cloned().flatten();
        if want_rejected {
            cols.push(strings(&|r| Some(reject_kinds(&r.processed.reasons))));
            cols.push(strings(&|r| Some(reject_reasons(&r.processed.reasons))));
            cols.push(strings(&|r| {
                Some(ikou_convert::output::hex(&r.processed.raw))
            }));
            for &i in &self.after_idx {
                cols.push(strings(&|r| value(&r.processed.after, i)));
            }
        } else {
            for i in 0..self.items {
                cols.push(strings(&|r| value(&r.processed.after, i)));
            }
        }
        for &i in &self.check_idx {
            cols.push(strings(&|r| value(&r.check, i)));
        }
        RecordBatch::try_new(self.schema.clone(), cols).map(Some)
    }

    fn counts_batch(&self, reader: &RangeReader) -> Result<RecordBatch, ArrowError> {
        let c = reader.counts();
        let mut cols: Vec<ArrayRef> = Vec::new();
        let mut f = StringBuilder::new();
        f.append_value(&self.file);
        cols.push(Arc::new(f.finish()));
        for v in [
            self.start, self.end, c.first, c.end, c.physical, c.header, c.trailer, c.input, c.rows,
            c.rejected,
        ] {
            let mut b = Int64Builder::with_capacity(1);
            b.append_value(int(v));
            cols.push(Arc::new(b.finish()));
        }
        RecordBatch::try_new(self.schema.clone(), cols)
    }
}

impl Iterator for RangeBatches {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let mut reader = self.reader.take()?;
            match reader.next_records(self.batch) {
                Err(e) => return Some(Err(ArrowError::ExternalError(Box::new(e)))),
                Ok(None) => {
                    if self.output == Output::Counts {
                        return Some(self.counts_batch(&reader));
                    }
                    return None;
                }
                Ok(Some(recs)) => {
                    let built = if self.output == Output::Counts {
                        Ok(None)
                    } else {
                        self.build(&recs)
                    };
                    self.reader = Some(reader);
                    match built {
                        Ok(Some(b)) => return Some(Ok(b)),
                        Ok(None) => continue,
                        Err(e) => return Some(Err(e)),
                    }
                }
            }
        }
    }
}

impl RecordBatchReader for RangeBatches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// The stream of one range (`__arrow_c_stream__`, once).
#[pyclass(module = "ikou._ikou")]
pub(crate) struct RangeStream(Mutex<Option<RangeBatches>>);

#[pymethods]
impl RangeStream {
    /// The Arrow PyCapsule interface: the range's batches (can be taken once).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = self
            .0
            .lock()
            .map_err(|_| io_err("the range reader is lost (a thread panicked)"))?
            .take()
            .ok_or_else(|| usage("this range was already read"))?;
        let stream = FFI_ArrowArrayStream::new(Box::new(batches));
        let name = CString::new("arrow_array_stream").map_err(|e| usage(e.to_string()))?;
        PyCapsule::new(py, stream, Some(name))
    }
}

/// `range_plan(profile, …)`: the profile resolved for reading ranges; with `inputs` and
/// `input_check`, the inputs are checked against the profile as `convert` checks them.
#[pyfunction]
#[pyo3(signature = (profile, specs=vec![], gaiji=None, allow_outside_specs=false, inputs=vec![],
                    input_check=true))]
pub(crate) fn range_plan(
    py: Python<'_>,
    profile: String,
    specs: Vec<PathBuf>,
    gaiji: Option<PathBuf>,
    allow_outside_specs: bool,
    inputs: Vec<PathBuf>,
    input_check: bool,
) -> PyResult<RangePlan> {
    let s = Setup {
        profile,
        specs,
        gaiji,
        allow_outside_specs,
        input_check: input_check && !inputs.is_empty(),
    };
    let plan = py.detach(|| s.plan(&inputs))?;
    let (unique, household) = check_items(&plan);
    let mut check_keys = unique.clone();
    let mut after_keys = unique;
    if let Some((home, head, _)) = household {
        for k in [&home, &head] {
            if !check_keys.contains(k) {
                check_keys.push(k.clone());
            }
        }
        if !after_keys.contains(&home) {
            after_keys.push(home);
        }
    }
    Ok(RangePlan {
        plan: Arc::new(plan),
        check_keys,
        after_keys,
    })
}
