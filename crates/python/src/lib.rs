//! `ikou._ikou`: the native half of the `ikou` Python package (the Python half, in
//! `python/ikou/`, turns the JSON this module returns into dicts and wraps the Arrow stream
//! in a `pyarrow.RecordBatchReader`).
//!
//! Everything here calls the public API of the ikou crates, exactly as the CLI does: the
//! same profile lookup, the same input check, the same [`Run`] (both passes), so counts,
//! rows and error messages are the CLI's. This crate holds no `unsafe` block: the Arrow
//! stream crosses to pyarrow through `FFI_ArrowArrayStream` in a PyCapsule (the Arrow
//! PyCapsule interface), whose safe constructors arrow-array and pyo3 provide.

use arrow_array::builder::{StringBuilder, UInt64Builder};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use ikou_cleanse::detect::detect_file;
use ikou_cleanse::rules::{cleanse, RuleOptions};
use ikou_cleanse::wareki::DatePolicy;
use ikou_convert::plan::Plan;
use ikou_convert::run::{
    CancelToken, Outputs, ParquetCompression, Progress, Run, RunError, RunInput, RunOptions,
};
use ikou_convert::setup::{self, SetupError};
use ikou_convert::sink::{RecordSink, Row, SinkError};
use ikou_layout_spec::{DateForm, DomainType, VariantPolicy};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod spark;

create_exception!(
    _ikou,
    IkouError,
    PyException,
    "An ikou error: the message is the CLI's (file, record, byte offset, field)."
);
create_exception!(
    _ikou,
    UsageError,
    IkouError,
    "A usage or spec error (the CLI's exit code 2): a bad option, a broken profile, an input \
     that contradicts the profile, a run directory that is not empty."
);
create_exception!(
    _ikou,
    InputError,
    IkouError,
    "An I/O or data error (the CLI's exit code 3): an input that cannot be read, a record \
     that cannot be framed, an output that cannot be written."
);
create_exception!(
    _ikou,
    Cancelled,
    IkouError,
    "The run was cancelled: nothing was published, no manifest."
);

fn usage(m: impl Into<String>) -> PyErr {
    UsageError::new_err(m.into())
}

fn io_err(m: impl Into<String>) -> PyErr {
    InputError::new_err(m.into())
}

fn setup_err(e: SetupError) -> PyErr {
    if e.is_io() {
        io_err(e.to_string())
    } else {
        usage(e.to_string())
    }
}

fn run_err(e: &RunError) -> PyErr {
    match e {
        RunError::Cancelled => Cancelled::new_err(e.to_string()),
        e if e.is_io() => io_err(e.to_string()),
        e => usage(e.to_string()),
    }
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| io_err(format!("serialising JSON: {e}")))
}

// ---------------------------------------------------------------- detect

/// `detect(path)` as JSON (one object, the CLI's `detect --json` element).
#[pyfunction]
fn detect_json(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    let d = py
        .detach(|| detect_file(&path))
        .map_err(|e| io_err(format!("{}: {e}", path.display())))?;
    json(&d)
}

// ---------------------------------------------------------------- verify

/// `verify(dir, key=None)` as JSON: what `ikou verify DIR [--key FILE] --json` prints (an
/// interrupted run: `incomplete`; a mismatch is `ok` false, not an exception).
#[pyfunction]
#[pyo3(signature = (dir, key=None))]
fn verify_json(py: Python<'_>, dir: PathBuf, key: Option<PathBuf>) -> PyResult<String> {
    use ikou_convert::verify::{self, VerifyError};
    let key = key
        .map(|k| {
            verify::read_key(&k).map_err(|e| {
                if e.is_usage() {
                    usage(e.to_string())
                } else {
                    io_err(e.to_string())
                }
            })
        })
        .transpose()?;
    let value = py.detach(|| match verify::verify(&dir) {
        Ok((manifest, mut v)) => {
            if let Some(key) = &key {
                v.checks.push(verify::check_signature(&dir, key));
            }
            Ok(verify::verification_json(&dir, &manifest, &v))
        }
        Err(e @ VerifyError::Incomplete { .. }) => Ok(verify::incomplete_json(&dir, &e)),
        Err(e) => Err(e.to_string()),
    });
    json(&value.map_err(io_err)?)
}

/// `report(dir, …)` as JSON: what `ikou report DIR --json` prints (files that do not match
/// the manifest: `verified` false, not an exception).
#[pyfunction]
#[pyo3(signature = (dir, lang="ja", show_values=false, out=None, specs=vec![]))]
fn report_json(
    py: Python<'_>,
    dir: PathBuf,
    lang: &str,
    show_values: bool,
    out: Option<PathBuf>,
    specs: Vec<PathBuf>,
) -> PyResult<String> {
    use ikou_convert::report::{self, DirReport, Lang};
    let lang = match lang {
        "ja" => Lang::Ja,
        "en" => Lang::En,
        other => return Err(usage(format!("unknown language `{other}` (ja or en)"))),
    };
    let req = DirReport {
        lang,
        show_values,
        out,
        specs,
    };
    let outcome = py
        .detach(|| report::report_dir(&dir, &req, &()))
        .map_err(|e| {
            if e.is_usage() {
                usage(e.to_string())
            } else {
                io_err(e.to_string())
            }
        })?;
    json(&outcome.to_json(&dir))
}

// ---------------------------------------------------------------- normalize

fn parse_form(s: &str) -> PyResult<DateForm> {
    serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| {
        usage(format!(
            "unknown date form `{s}` (one of: auto, iso, yyyymmdd, era_code1, era_code2, era_letter, era_kanji)"
        ))
    })
}

/// `normalize(type, values, …)` as a JSON array (the CLI's `normalize --json` lines).
#[pyfunction]
#[pyo3(signature = (domain, values, date_policy="strict", variants="keep", date_form="auto",
                    date_output="iso", zero_pad=None, keep_padding=false, kana_separators=false))]
#[allow(clippy::too_many_arguments)]
fn normalize_json(
    domain: &str,
    values: Vec<String>,
    date_policy: &str,
    variants: &str,
    date_form: &str,
    date_output: &str,
    zero_pad: Option<usize>,
    keep_padding: bool,
    kana_separators: bool,
) -> PyResult<String> {
    let Some(d) = DomainType::from_name(domain) else {
        let names: Vec<&str> = DomainType::ALL.iter().map(|d| d.as_str()).collect();
        return Err(usage(format!(
            "unknown domain type `{domain}` (one of: {})",
            names.join(", ")
        )));
    };
    if let Some(n) = zero_pad {
        if !(1..=1024).contains(&n) {
            return Err(usage(format!("zero_pad {n} is not in 1..=1024")));
        }
    }
    let opts = RuleOptions {
        date_form: parse_form(date_form)?,
        date_output: parse_form(date_output)?,
        date_policy: match date_policy {
            "strict" => DatePolicy::Strict,
            "lenient" => DatePolicy::Lenient,
            o => {
                return Err(usage(format!(
                    "unknown date policy `{o}` (strict or lenient)"
                )))
            }
        },
        variant_policy: match variants {
            "keep" => VariantPolicy::Keep,
            "cp932" => VariantPolicy::Cp932,
            "jis" => VariantPolicy::Jis,
            o => {
                return Err(usage(format!(
                    "unknown variants `{o}` (keep, cp932 or jis)"
                )))
            }
        },
        zero_pad_to: zero_pad,
        strip_padding: !keep_padding,
        edit_text: true,
        kana_separators,
    };
    let mut out = Vec::with_capacity(values.len());
    for value in &values {
        let c = cleanse(d, value, &opts);
        let ok = c.is_ok();
        out.push(serde_json::json!({
            "input": value,
            "output": c.output(),
            "ok": ok,
            "partial": c.is_partial(),
            "changes": &c.edits,
            "error": if ok { None } else {
                Some(c.errors().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
            },
            "findings": &c.findings,
        }));
    }
    json(&out)
}

// ---------------------------------------------------------------- plans and runs

/// What `convert` and `read` share: the CLI's profile lookup, 外字 table and input check.
struct Setup {
    profile: String,
    specs: Vec<PathBuf>,
    gaiji: Option<PathBuf>,
    allow_outside_specs: bool,
    input_check: bool,
}

impl Setup {
    fn plan(&self, inputs: &[PathBuf]) -> PyResult<Plan> {
        let mut catalog = setup::load_catalog(&self.specs).map_err(setup_err)?;
        let access = ikou_layout_spec::profile::ProfileAccess {
            spec_roots: self.specs.clone(),
            allow_outside: self.allow_outside_specs,
        };
        let profile =
            setup::load_profile_with(&mut catalog, &self.profile, &access).map_err(setup_err)?;
        let gaiji = setup::load_gaiji(&profile, self.gaiji.as_deref()).map_err(setup_err)?;
        let plan = Plan::new(&catalog, profile, gaiji).map_err(|e| usage(e.to_string()))?;
        for i in inputs {
            if !i.is_file() {
                return Err(io_err(format!("{}: not a readable file", i.display())));
            }
        }
        if self.input_check {
            ikou_convert::guard::check_inputs(&plan, inputs).map_err(|e| match e {
                ikou_convert::guard::GuardError::Io { .. } => io_err(e.to_string()),
                e => usage(format!("{e}\n  to convert anyway: input_check=False")),
            })?;
        }
        Ok(plan)
    }
}

/// A cancellation token: `cancel()` ends the run it was given to (cleanly: nothing is
/// published). Ctrl-C does the same for `convert`.
#[pyclass(module = "ikou._ikou")]
#[derive(Clone, Default)]
struct CancelHandle(CancelToken);

#[pymethods]
impl CancelHandle {
    #[new]
    fn new() -> CancelHandle {
        CancelHandle::default()
    }
    /// Asks the run to stop.
    fn cancel(&self) {
        self.0.cancel();
    }
    /// Whether `cancel()` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

enum Msg {
    Progress(&'static str, u8, u64, u64),
    Done(Result<String, RunError>),
}

/// Progress events to the calling thread (the run's thread holds no GIL).
struct ChanProgress {
    tx: mpsc::Sender<Msg>,
    pass: std::sync::atomic::AtomicU8,
}

impl Progress for ChanProgress {
    fn start(&self, pass: u8, total_bytes: u64) {
        self.pass.store(pass, std::sync::atomic::Ordering::Relaxed);
        let _ = self.tx.send(Msg::Progress("start", pass, 0, total_bytes));
    }
    fn advance(&self, records: u64, bytes: u64) {
        let _ = self.tx.send(Msg::Progress(
            "advance",
            self.pass.load(std::sync::atomic::Ordering::Relaxed),
            records,
            bytes,
        ));
    }
    fn finish(&self) {
        let _ = self.tx.send(Msg::Progress(
            "finish",
            self.pass.load(std::sync::atomic::Ordering::Relaxed),
            0,
            0,
        ));
    }
}

/// `convert(...)`: the whole run; returns the manifest as JSON.
///
/// The run goes on in a thread of its own; this thread (holding the GIL only between waits)
/// calls `progress(event, pass, records, bytes)` and checks for Ctrl-C every 100 ms. Ctrl-C,
/// an exception raised by `progress`, or `cancel.cancel()` cancels the run; the run ends
/// cleanly (nothing published) and the exception is raised.
#[pyfunction]
#[pyo3(signature = (profile, inputs, out, force=false, threads=0, outputs="all", specs=vec![],
                    gaiji=None, show_values=false, input_check=true, allow_outside_specs=false,
                    progress=None, cancel=None, parquet_compression=None, excel_bom=true))]
#[allow(clippy::too_many_arguments)]
fn convert_json(
    py: Python<'_>,
    profile: String,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    force: bool,
    threads: usize,
    outputs: &str,
    specs: Vec<PathBuf>,
    gaiji: Option<PathBuf>,
    show_values: bool,
    input_check: bool,
    allow_outside_specs: bool,
    progress: Option<Py<PyAny>>,
    cancel: Option<CancelHandle>,
    parquet_compression: Option<&str>,
    excel_bom: bool,
) -> PyResult<String> {
    let outputs = Outputs::parse(outputs).map_err(usage)?;
    let parquet_compression = parquet_compression
        .map(|name| {
            name.parse::<ParquetCompression>()
                .map_err(|e| usage(e.to_string()))
        })
        .transpose()?;
    let s = Setup {
        profile,
        specs,
        gaiji,
        allow_outside_specs,
        input_check,
    };
    let plan = py.detach(|| s.plan(&inputs))?;
    let token = cancel.map(|c| c.0).unwrap_or_default();
    let mut opts = RunOptions::new(&out);
    opts.force = force;
    opts.threads = threads;
    opts.outputs = outputs;
    opts.show_values = show_values;
    opts.parquet_compression = parquet_compression;
    opts.excel_bom = excel_bom;
    opts.cancel = Some(token.clone());
    let (tx, mut rx) = mpsc::channel::<Msg>();
    let mut pending: Option<PyErr> = None;
    let result = std::thread::scope(|scope| {
        let (plan, opts) = (&plan, &opts);
        scope.spawn(move || {
            let p = ChanProgress {
                tx: tx.clone(),
                pass: std::sync::atomic::AtomicU8::new(0),
            };
            let r = Run::new(plan, opts)
                .inputs(inputs.into_iter().map(RunInput::Path))
                .progress(&p)
                .execute()
                .and_then(|m| manifest_json(&m).map_err(RunError::Frame));
            let _ = tx.send(Msg::Done(r));
        });
        loop {
            let (back, msg) = py.detach(move || {
                let m = rx.recv_timeout(Duration::from_millis(100));
                (rx, m)
            });
            rx = back;
            match msg {
                Ok(Msg::Done(r)) => return r,
                Ok(Msg::Progress(event, pass, records, bytes)) => {
                    if let (Some(cb), None) = (&progress, &pending) {
                        if let Err(e) = cb.call1(py, (event, pass, records, bytes)) {
                            token.cancel();
                            pending = Some(e);
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(RunError::Frame(
                        "the run's thread ended without a result".into(),
                    ))
                }
            }
            if pending.is_none() {
                if let Err(e) = py.check_signals() {
                    token.cancel();
                    pending = Some(e);
                }
            }
        }
    });
    if let Some(e) = pending {
        return Err(e);
    }
    result.map_err(|e| run_err(&e))
}

/// The manifest as JSON with the run's verdict added as `verdict` (level `go`, `check` or
/// `no-go`; label 移行可, 要確認 or 移行不可; cause; reasons) — what `ikou convert --json`
/// prints, by the same rule (`ikou convert` exits 4 on `no-go`).
fn manifest_json(m: &ikou_convert::Manifest) -> Result<String, String> {
    use ikou_convert::report;
    let v = report::verdict(m, None);
    let mut value = serde_json::to_value(m).map_err(|e| e.to_string())?;
    if let Some(o) = value.as_object_mut() {
        o.insert("verdict".into(), report::verdict_json(m, &v));
    }
    serde_json::to_string(&value).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- read (Arrow stream)

enum Batch {
    Rows(RecordBatch),
    Done(Result<(), String>),
}

/// The run's sink: each batch of rows becomes one Arrow record batch, sent over a bounded
/// channel (two batches in flight: memory stays bounded however big the input).
struct ArrowSink {
    schema: SchemaRef,
    items: usize,
    with_record: bool,
    tx: mpsc::SyncSender<Batch>,
    cancel: CancelToken,
}

impl RecordSink for ArrowSink {
    fn write_rows(&mut self, rows: &[Row<'_>]) -> Result<(), SinkError> {
        if rows.is_empty() {
            return Ok(());
        }
        let err = |m: String| SinkError::new("python reader", m);
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(self.items + 1);
        if self.with_record {
            let mut b = UInt64Builder::with_capacity(rows.len());
            for r in rows {
                b.append_value(r.record);
            }
            cols.push(Arc::new(b.finish()));
        }
        for i in 0..self.items {
            let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 8);
            for r in rows {
                b.append_option(r.values.get(i).and_then(|v| v.as_deref()));
            }
            cols.push(Arc::new(b.finish()));
        }
        let batch =
            RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| err(e.to_string()))?;
        // A bounded channel, polled so that a cancel (or a reader dropped by pyarrow) ends a
        // run whose consumer stopped reading, instead of blocking it forever.
        let mut item = Batch::Rows(batch);
        loop {
            match self.tx.try_send(item) {
                Ok(()) => return Ok(()),
                Err(mpsc::TrySendError::Full(back)) => {
                    if self.cancel.is_cancelled() {
                        return Err(err("the run was cancelled".into()));
                    }
                    item = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(mpsc::TrySendError::Disconnected(_)) => {
                    return Err(err("the reader was closed before the run ended".into()))
                }
            }
        }
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        Ok(())
    }
}

/// The consumer's end: a `RecordBatchReader` that ends with the run's result (its error,
/// if the run failed after some rows were handed over). Dropping it cancels the run.
struct ChannelReader {
    schema: SchemaRef,
    rx: mpsc::Receiver<Batch>,
    cancel: CancelToken,
    done: bool,
    finished: Arc<AtomicBool>,
}

impl Iterator for ChannelReader {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.rx.recv() {
            Ok(Batch::Rows(b)) => Some(Ok(b)),
            Ok(Batch::Done(Ok(()))) => {
                self.done = true;
                self.finished.store(true, Ordering::SeqCst);
                None
            }
            Ok(Batch::Done(Err(m))) => {
                self.done = true;
                self.finished.store(true, Ordering::SeqCst);
                Some(Err(ArrowError::ExternalError(m.into())))
            }
            Err(_) => {
                self.done = true;
                Some(Err(ArrowError::ExternalError(
                    "the run's thread ended without a result".into(),
                )))
            }
        }
    }
}

impl RecordBatchReader for ChannelReader {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl Drop for ChannelReader {
    fn drop(&mut self) {
        if !self.done {
            self.cancel.cancel();
        }
    }
}

type Outcome = Arc<Mutex<Option<Result<String, (bool, bool, String)>>>>;

/// A started run whose converted rows stream out as Arrow (`__arrow_c_stream__`, once),
/// and whose manifest (and run directory: rejects.csv, changes.csv) is there when the
/// stream has ended.
#[pyclass(module = "ikou._ikou")]
struct RowStream {
    reader: Mutex<Option<ChannelReader>>,
    outcome: Outcome,
    cancel: CancelToken,
    finished: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

#[pymethods]
impl RowStream {
    /// The Arrow PyCapsule interface: the stream of converted rows (can be taken once).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // the schema is the layout's; no cast is offered
        let reader = self
            .reader
            .lock()
            .map_err(|_| io_err("the reader is lost (a thread panicked)"))?
            .take()
            .ok_or_else(|| usage("the rows of this run were already taken"))?;
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        let name = CString::new("arrow_array_stream").map_err(|e| usage(e.to_string()))?;
        PyCapsule::new(py, stream, Some(name))
    }

    /// Asks the run to stop (the stream then ends with `Cancelled`).
    fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Waits for the run's end; returns the manifest as JSON, or raises the run's error.
    fn wait_json(&mut self, py: Python<'_>) -> PyResult<String> {
        if !self.finished.load(Ordering::SeqCst) {
            return Err(usage(
                "the rows were not read: read the stream to its end before asking for the manifest",
            ));
        }
        if let Some(h) = self.handle.take() {
            py.detach(move || h.join())
                .map_err(|_| io_err("the run's thread panicked"))?;
        }
        let outcome = self
            .outcome
            .lock()
            .map_err(|_| io_err("the run's result is lost (a thread panicked)"))?
            .clone();
        match outcome {
            Some(Ok(m)) => Ok(m),
            Some(Err((true, _, m))) => Err(Cancelled::new_err(m)),
            Some(Err((false, true, m))) => Err(io_err(m)),
            Some(Err((false, false, m))) => Err(usage(m)),
            None => Err(io_err("the run ended without a result")),
        }
    }
}

/// Starts a run for `read`: checks the profile and inputs here (raising at once), then
/// converts in a thread of its own into `out` (a scratch run directory: the standard CSV,
/// rejects.csv, changes.csv and the manifest) while the rows stream out.
#[pyfunction]
#[pyo3(signature = (inputs, out, profile, specs=vec![], gaiji=None, threads=0, input_check=true,
                    allow_outside_specs=false, record_numbers=false, show_values=false,
                    changes=true))]
#[allow(clippy::too_many_arguments)]
fn start_read(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    profile: String,
    specs: Vec<PathBuf>,
    gaiji: Option<PathBuf>,
    threads: usize,
    input_check: bool,
    allow_outside_specs: bool,
    record_numbers: bool,
    show_values: bool,
    changes: bool,
) -> PyResult<RowStream> {
    let s = Setup {
        profile,
        specs,
        gaiji,
        allow_outside_specs,
        input_check,
    };
    let plan = py.detach(|| s.plan(&inputs))?;
    let mut fields = Vec::with_capacity(plan.target.items.len() + 1);
    if record_numbers {
        // The name of after.arrow's record column: the key joining rows, rejects, changes.
        fields.push(Field::new("record", DataType::UInt64, false));
    }
    for item in &plan.target.items {
        // Column names are the item keys (as in after.arrow); the Japanese item name (the
        // standard CSV's header) is the field's `ikou.name` metadata.
        let meta = std::collections::HashMap::from([("ikou.name".to_string(), item.name.clone())]);
        fields.push(Field::new(item.key.clone(), DataType::Utf8, true).with_metadata(meta));
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let token = CancelToken::new();
    let mut opts = RunOptions::new(&out);
    opts.force = true;
    opts.threads = threads;
    opts.show_values = show_values;
    opts.outputs = Outputs::minimal();
    opts.outputs.changes_csv = changes;
    opts.cancel = Some(token.clone());
    let (tx, rx) = mpsc::sync_channel::<Batch>(2);
    let sink = ArrowSink {
        schema: schema.clone(),
        items: plan.target.items.len(),
        with_record: record_numbers,
        tx: tx.clone(),
        cancel: token.clone(),
    };
    let outcome: Outcome = Arc::new(Mutex::new(None));
    let finished = Arc::new(AtomicBool::new(false));
    let slot = outcome.clone();
    let handle = std::thread::Builder::new()
        .name("ikou-read".into())
        .spawn(move || {
            let r = Run::new(&plan, &opts)
                .inputs(inputs.into_iter().map(RunInput::Path))
                .sink(Box::new(sink))
                .execute();
            let (end, kept) = match r {
                Ok(m) => match manifest_json(&m) {
                    Ok(j) => (Ok(()), Ok(j)),
                    Err(e) => {
                        let m = format!("serialising the manifest: {e}");
                        (Err(m.clone()), Err((false, true, m)))
                    }
                },
                Err(e) => {
                    let m = e.to_string();
                    let kind = (matches!(e, RunError::Cancelled), e.is_io());
                    (Err(m.clone()), Err((kind.0, kind.1, m)))
                }
            };
            if let Ok(mut g) = slot.lock() {
                *g = Some(kept);
            }
            // Blocks until the consumer takes it or drops the reader (then the send fails).
            let _ = tx.send(Batch::Done(end));
        })
        .map_err(|e| io_err(format!("starting the run's thread: {e}")))?;
    Ok(RowStream {
        reader: Mutex::new(Some(ChannelReader {
            schema,
            rx,
            cancel: token.clone(),
            done: false,
            finished: finished.clone(),
        })),
        outcome,
        cancel: token,
        finished,
        handle: Some(handle),
    })
}

/// The native module.
#[pymodule]
fn _ikou(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(detect_json, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_json, m)?)?;
    m.add_function(wrap_pyfunction!(convert_json, m)?)?;
    m.add_function(wrap_pyfunction!(verify_json, m)?)?;
    m.add_function(wrap_pyfunction!(report_json, m)?)?;
    m.add_function(wrap_pyfunction!(start_read, m)?)?;
    m.add_class::<CancelHandle>()?;
    m.add_class::<RowStream>()?;
    m.add_function(wrap_pyfunction!(spark::range_plan, m)?)?;
    m.add_class::<spark::RangePlan>()?;
    m.add_class::<spark::RangeStream>()?;
    let py = m.py();
    m.add("IkouError", py.get_type::<IkouError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("Cancelled", py.get_type::<Cancelled>())?;
    Ok(())
}
