//! `ikou layouts list|show|check|import`.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, print_json};
use clap::{Subcommand, ValueEnum};
use ikou_layout_spec::import::{
    self, copybook, official, ImportError, ImportFormat, ImportOptions,
};
use ikou_layout_spec::{count_spec_files, Catalog, Layout, LengthUnit, PhysicalFormat};
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// The largest workbook or CSV file `import` reads (64 MiB).
const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// `ikou layouts …`
#[derive(Debug, Subcommand)]
pub enum LayoutsCommand {
    /// List the bundled layouts (id, name, family, status, item count).
    #[command(after_help = "Example:\n  ikou layouts list --json")]
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one layout's items.
    #[command(after_help = "Example:\n  ikou layouts show legacy/sample-juki")]
    Show {
        /// The layout id (`legacy/sample-juki`) or the path of a layout file.
        id: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check spec files (layouts .toml, code tables .csv, or directories of them):
    /// exit 0, or 2 with every problem and its position.
    #[command(after_help = "Example:\n  ikou layouts check my-specs/")]
    Check {
        /// Spec files or directories.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Import an item-definition list (項目定義書) from an Excel workbook (.xlsx) or a CSV
    /// file as a layout file marked `unverified-transcription`, for review.
    ///
    /// A workbook in the official デジタル庁 form (項目定義書 / 基本データリスト: データ項目ID,
    /// データ項目（ローマ字）, グループ, データ型 …) is read completely instead: one layout per
    /// グループ with status `official-import`, and the code lists of コード一覧（個別）/（連携）
    /// as code tables, all written into the --out directory; the report lists every file
    /// written and every row not read (sheet, row, reason). (With --sheet, the generic
    /// importer reads that one sheet instead.) --id standard/NAME names the layout (NAME-1,
    /// NAME-2, … for several groups).
    ///
    /// The header row is found by its column titles (項目名/項目名称, データ型/型,
    /// 桁数/バイト数/長さ, 必須, 繰返し, 備考/コード, 項目番号/No) in the first 30 rows;
    /// merged header cells are understood. Every row that cannot be read is reported with its
    /// row number (on stderr and in the file's header comment), never dropped silently.
    ///
    /// A COBOL copybook (.cpy, .cob, .cbl, .copy, or text that starts with a level number)
    /// becomes a fixed-length layout `legacy/<file name>` with exact byte offsets: zoned,
    /// packed (COMP-3) and binary (COMP, COMP-5) numbers, PIC N / G double-byte items, OCCURS
    /// expanded into numbered items, REDEFINES alternatives (the first, or the one named with
    /// --view), level-88 values as code tables (written beside --out). --encoding names the
    /// file's code page (cp932 by default; host labels such as jef, keis83, ibm-930).
    /// Unsupported constructs (COPY … REPLACING, OCCURS DEPENDING ON, SYNCHRONIZED, …) are
    /// errors naming the line and column.
    #[command(after_help = "Examples:\n  \
        ikou layouts import 中間標準レイアウト_住基.xlsx --sheet 住民 --id chukan/v27-juki --out v27-juki.toml\n  \
        ikou layouts import 項目定義書.xlsx --out specs-dir/ --json\n  \
        ikou layouts import vendor-items.csv --format fixed --id legacy/vendor-juki --out vendor-juki.toml\n  \
        ikou layouts import KOKUHO.cpy --encoding jef --out specs-dir/kokuho.toml\n  \
        ikou layouts check v27-juki.toml")]
    Import {
        /// The workbook (.xlsx), CSV item list or COBOL copybook (UTF-8 or CP932).
        file: PathBuf,
        /// The sheet to read (default: the first sheet with a header row).
        #[arg(long)]
        sheet: Option<String>,
        /// Write the layout here instead of to stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite --out if it exists.
        #[arg(long)]
        force: bool,
        /// The layout id, `family/name` (default: `chukan/<file name>`).
        #[arg(long)]
        id: Option<String>,
        /// The layout's display name (default: the sheet name).
        #[arg(long)]
        name: Option<String>,
        /// 業務 (住民基本台帳, …).
        #[arg(long)]
        gyomu: Option<String>,
        /// The physical format of the files the layout describes.
        #[arg(long, value_enum, default_value_t = FormatArg::Delimited)]
        format: FormatArg,
        /// The encoding label (default: cp932 for fixed, utf-8 for delimited).
        #[arg(long)]
        encoding: Option<String>,
        /// Official workbooks: print the import report as JSON.
        #[arg(long)]
        json: bool,
        /// COBOL copybooks: use this REDEFINES alternative (or 01 record) instead of the
        /// first of its group (repeatable).
        #[arg(long = "view", value_name = "NAME")]
        views: Vec<String>,
    },
}

/// `--format` of `layouts import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// CSV with a header row; lengths in characters (bytes if the sheet says バイト数).
    Delimited,
    /// Fixed-length records; lengths in bytes, offsets one after the other.
    Fixed,
}

/// Runs a `layouts` verb.
pub fn run(cmd: LayoutsCommand) -> CliResult {
    match cmd {
        LayoutsCommand::List { json } => list(json),
        LayoutsCommand::Show { id, json } => show(&id, json),
        LayoutsCommand::Check { files } => check(&files),
        LayoutsCommand::Import {
            file,
            sheet,
            out,
            force,
            id,
            name,
            gyomu,
            format,
            encoding,
            json,
            views,
        } => {
            let format = match format {
                FormatArg::Delimited => ImportFormat::Delimited,
                FormatArg::Fixed => ImportFormat::Fixed,
            };
            let source = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let id_given = id.is_some();
            let mut opts = ImportOptions::new(
                &id.unwrap_or_else(|| import::default_layout_id(&file)),
                &source,
            );
            opts.name = name;
            opts.gyomu = gyomu.unwrap_or_default();
            opts.format = format;
            opts.encoding = encoding;
            let cobol = CobolArgs { views, id_given };
            import_file(
                &file,
                sheet.as_deref(),
                out.as_deref(),
                force,
                json,
                &opts,
                &cobol,
            )
        }
    }
}

fn import_error(e: ImportError) -> CliError {
    CliError::usage(e.to_string())
}

/// The copybook part of `layouts import`.
struct CobolArgs {
    /// `--view` names.
    views: Vec<String>,
    /// Whether `--id` was given (otherwise a copybook's layout is `legacy/<file name>`).
    id_given: bool,
}

fn import_file(
    file: &Path,
    sheet: Option<&str>,
    out: Option<&Path>,
    force: bool,
    json: bool,
    opts: &ImportOptions,
    cobol: &CobolArgs,
) -> CliResult {
    let shown = file.display();
    let meta = std::fs::metadata(file).map_err(|e| CliError::io(format!("{shown}: {e}")))?;
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(CliError::usage(format!(
            "{shown}: {} bytes is larger than an item list can be ({MAX_IMPORT_BYTES} bytes)",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| CliError::io(format!("{shown}: {e}")))?;
    if import::is_copybook_file(file, &bytes) {
        return import_copybook_file(file, &bytes, sheet, out, force, json, opts, cobol);
    }
    if !cobol.views.is_empty() {
        return Err(CliError::usage(format!(
            "{shown} is not a COBOL copybook: --view applies to copybooks only"
        )));
    }
    if sheet.is_none() && import::is_official_workbook(&bytes).map_err(import_error)? {
        return import_official_book(file, &bytes, out, force, json, opts);
    }
    if json {
        return Err(CliError::usage(format!(
            "{shown}: --json applies to workbooks in the official form only"
        )));
    }
    if let Some(out) = out {
        if out.exists() && !force {
            return Err(CliError::usage(format!(
                "{} exists; use --force to overwrite it",
                out.display()
            )));
        }
    }
    let imported = if import::is_workbook_file(file, &bytes) {
        import::import_xlsx(&bytes, sheet, opts).map_err(import_error)?
    } else {
        if sheet.is_some() {
            return Err(CliError::usage(format!(
                "{shown} is not a workbook: --sheet applies to .xlsx files only"
            )));
        }
        import::import_csv(&bytes, opts).map_err(import_error)?
    };
    let text = imported.to_toml();
    let mut err = std::io::stderr().lock();
    for w in &imported.warnings {
        let _ = writeln!(err, "warning: {shown}: {w}");
    }
    let from = match &imported.sheet {
        Some(s) => format!("sheet 「{s}」, "),
        None => String::new(),
    };
    let _ = writeln!(
        err,
        "imported {} item(s) from {shown} ({from}header row {}) as `{}` (unverified-transcription); {} row(s) to review",
        imported.layout.items.len(),
        imported.header_row,
        imported.layout.id,
        imported.warnings.len()
    );
    drop(err);
    match out {
        Some(out) => {
            write_new(out, &text).map_err(|e| CliError::io(format!("{}: {e}", out.display())))?;
            print(&format!("wrote {}\n", out.display()))?;
        }
        None => print(&text)?,
    }
    Ok(OK)
}

/// Imports a COBOL copybook: the layout to stdout or `--out`, and with `--out` the code
/// tables of its level-88 values beside it.
#[allow(clippy::too_many_arguments)]
fn import_copybook_file(
    file: &Path,
    bytes: &[u8],
    sheet: Option<&str>,
    out: Option<&Path>,
    force: bool,
    json: bool,
    opts: &ImportOptions,
    cobol: &CobolArgs,
) -> CliResult {
    let shown = file.display();
    if sheet.is_some() || json {
        return Err(CliError::usage(format!(
            "{shown} is a COBOL copybook: --sheet and --json apply to workbooks only"
        )));
    }
    let mut opts = opts.clone();
    if !cobol.id_given {
        if let Some(rest) = opts.id.strip_prefix("chukan/") {
            opts.id = format!("legacy/{rest}");
        }
    }
    if let Some(e) = &opts.encoding {
        let known = ikou_layout_spec::is_host_encoding(e)
            || ikou_cleanse::charset::Charset::from_label(e).is_some_and(|c| {
                !matches!(
                    c,
                    ikou_cleanse::charset::Charset::Binary
                        | ikou_cleanse::charset::Charset::Unknown
                )
            });
        if !known {
            return Err(CliError::usage(format!(
                "--encoding {e}: not a known text encoding (cp932, utf-8, euc-jp, … or a host label: {})",
                ikou_layout_spec::HOST_ENCODINGS.join(", ")
            )));
        }
    }
    let copts = copybook::CopybookOptions {
        views: cobol.views.clone(),
        form: None,
    };
    let got = copybook::import_copybook(bytes, &opts, &copts).map_err(|e| match e {
        ImportError::Copybook {
            line,
            column,
            message,
            ..
        } => CliError::usage(format!("{shown}:{line}:{column}: {message}")),
        e => import_error(e),
    })?;
    let text = got.to_toml();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if let Some(out) = out {
        files.push((out.to_path_buf(), text.clone()));
        let dir = out.parent().unwrap_or(Path::new(""));
        for t in &got.code_tables {
            files.push((
                dir.join(format!("{}.csv", t.name)),
                official::code_table_csv(t),
            ));
        }
        if !force {
            if let Some((p, _)) = files.iter().find(|(p, _)| p.exists()) {
                return Err(CliError::usage(format!(
                    "{} exists; use --force to overwrite it",
                    p.display()
                )));
            }
        }
    }
    let mut err = std::io::stderr().lock();
    for w in &got.imported.warnings {
        let _ = writeln!(
            err,
            "warning: {shown}: {}",
            visible(&copybook::warning_text(w))
        );
    }
    let l = &got.imported.layout;
    let _ = writeln!(
        err,
        "imported {} item(s), {} byte(s) a record, from the COBOL copybook {shown} ({} form) as `{}` (unverified-transcription); {} point(s) to review",
        l.items.len(),
        l.format.record_length().unwrap_or(0),
        got.form.as_str(),
        l.id,
        got.imported.warnings.len()
    );
    if out.is_none() && !got.code_tables.is_empty() {
        let _ = writeln!(
            err,
            "note: {} code table(s) from level-88 values are listed in the layout's header comment; --out writes them as CSV files beside the layout",
            got.code_tables.len()
        );
    }
    drop(err);
    match out {
        Some(_) => {
            let mut s = String::new();
            for (p, t) in &files {
                write_new(p, t).map_err(|e| CliError::io(format!("{}: {e}", p.display())))?;
                let _ = writeln!(s, "wrote {}", p.display());
            }
            print(&s)?;
        }
        None => print(&text)?,
    }
    Ok(OK)
}

/// Imports a workbook in the official form into `out` (a directory): one layout file per
/// グループ and one code table per code list; reports every file written and every row not
/// read.
fn import_official_book(
    file: &Path,
    bytes: &[u8],
    out: Option<&Path>,
    force: bool,
    json: bool,
    opts: &ImportOptions,
) -> CliResult {
    let shown = file.display();
    let Some(out) = out else {
        return Err(CliError::usage(format!(
            "{shown} is an official item-definition workbook: it gives several files (one layout per グループ and the code tables); name a directory with --out DIR"
        )));
    };
    let prefix = opts.id.starts_with("standard/").then_some(opts.id.as_str());
    let book = official::import_official(bytes, &opts.source, prefix).map_err(import_error)?;
    let mut files: Vec<(PathBuf, String, serde_json::Value)> = Vec::new();
    for l in &book.layouts {
        files.push((
            out.join(official::OfficialBook::layout_file_name(l)),
            book.layout_toml(l),
            serde_json::json!({
                "kind": "layout",
                "id": l.id,
                "name": l.name,
                "status": l.status,
                "items": l.items.len(),
            }),
        ));
    }
    for t in &book.code_tables {
        files.push((
            out.join(format!("{}.csv", t.table.name)),
            official::code_table_csv(&t.table),
            serde_json::json!({
                "kind": "code_table",
                "name": t.table.name,
                "code_id": t.code_id,
                "title": t.title,
                "sheet": t.sheet,
                "values": t.table.entries.len(),
            }),
        ));
    }
    if !force {
        if let Some((p, _, _)) = files.iter().find(|(p, _, _)| p.exists()) {
            return Err(CliError::usage(format!(
                "{} exists; use --force to overwrite it",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| CliError::io(format!("{}: {e}", out.display())))?;
    for (p, text, _) in &files {
        write_new(p, text).map_err(|e| CliError::io(format!("{}: {e}", p.display())))?;
    }
    if json {
        let written: Vec<_> = files
            .iter()
            .map(|(p, _, v)| {
                let mut v = v.clone();
                v["path"] = serde_json::Value::String(p.display().to_string());
                v
            })
            .collect();
        let report = serde_json::json!({
            "workbook": book.file,
            "sha256": book.sha256,
            "sheets": book.sheets.iter().map(|(n, r)| serde_json::json!({"name": n, "role": r.as_str()})).collect::<Vec<_>>(),
            "written": written,
            "refined": book.refinements.iter().map(|r| serde_json::json!({
                "layout": r.layout, "key": r.key, "data_type": r.data_type.as_str(),
                "domain": r.domain.as_str(), "because": r.because,
            })).collect::<Vec<_>>(),
            "not_read": book.warnings.iter().map(|w| serde_json::json!({
                "sheet": w.sheet, "row": w.row, "reason": w.message,
            })).collect::<Vec<_>>(),
        });
        print_json(&report)?;
        return Ok(OK);
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "official workbook {} (sha256 {})",
        crate::output::terminal_safe(&shown.to_string()),
        book.sha256
    );
    for (n, r) in &book.sheets {
        let _ = writeln!(s, "  sheet 「{n}」: {}", r.as_str());
    }
    for (p, _, v) in &files {
        let what = if v["kind"] == "layout" {
            format!(
                "layout {} 「{}」, {} item(s), {}",
                v["id"].as_str().unwrap_or_default(),
                v["name"].as_str().unwrap_or_default(),
                v["items"],
                v["status"].as_str().unwrap_or_default()
            )
        } else {
            format!(
                "code table {} (コード {} {}), {} value(s)",
                v["name"].as_str().unwrap_or_default(),
                v["code_id"].as_str().unwrap_or_default(),
                v["title"].as_str().unwrap_or_default(),
                v["values"]
            )
        };
        let _ = writeln!(
            s,
            "wrote {}: {}",
            crate::output::terminal_safe(&p.display().to_string()),
            visible(&what)
        );
    }
    for r in &book.refinements {
        let _ = writeln!(
            s,
            "refined {} {}: データ型 {} → {} (the name says 「{}」)",
            r.layout, r.key, r.data_type, r.domain, r.because
        );
    }
    for w in &book.warnings {
        let _ = writeln!(s, "not read: {}", visible(&w.to_string()));
    }
    let _ = writeln!(
        s,
        "{} layout(s), {} code table(s), {} row(s) not read or to review",
        book.layouts.len(),
        book.code_tables.len(),
        book.warnings.len()
    );
    print(&s)?;
    Ok(OK)
}

/// Cell text as it can be printed: control characters (other than tab) as `\u{XX}`.
fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\t' {
            let _ = write!(out, "\\u{{{:02X}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes `text` to a temporary file beside `path` and renames it into place, so an
/// interrupted import leaves no half-written layout.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    ikou_convert::output::write_file_atomically(path, |w| w.write_all(text.as_bytes()))
}

pub(crate) fn bundled() -> Result<Catalog, CliError> {
    Catalog::bundled().map_err(|e| CliError::usage(format!("bundled specs are broken: {e}")))
}

fn list(json: bool) -> CliResult {
    let catalog = bundled()?;
    if json {
        let rows: Vec<_> = catalog
            .layouts()
            .map(|l| {
                serde_json::json!({
                    "id": l.id,
                    "name": l.name,
                    "gyomu": l.gyomu,
                    "family": l.family,
                    "status": l.status,
                    "version": l.version,
                    "source": l.source,
                    "items": l.items.len(),
                })
            })
            .collect();
        print_json(&rows)?;
        return Ok(OK);
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<28} {:<9} {:<25} {:>5}  name",
        "id", "family", "status", "items"
    );
    for l in catalog.layouts() {
        let _ = writeln!(
            s,
            "{:<28} {:<9} {:<25} {:>5}  {}",
            l.id,
            l.family.as_str(),
            l.status.as_str(),
            l.items.len(),
            l.name
        );
    }
    print(&s)?;
    Ok(OK)
}

fn load_one(id: &str) -> Result<Layout, CliError> {
    let path = PathBuf::from(id);
    if id.ends_with(".toml") || path.is_file() {
        // Bounded (MAX_SPEC_FILE_BYTES): `/dev/zero.toml` is an error, not out of memory.
        let text = ikou_layout_spec::read_spec_file(&path)
            .map_err(|e| CliError::io(format!("{}: {e}", path.display())))?;
        return ikou_layout_spec::parse_layout(&text, &path.display().to_string())
            .map_err(|e| CliError::usage(e.to_string()));
    }
    let catalog = bundled()?;
    catalog.layout(id).cloned().ok_or_else(|| {
        let ids: Vec<_> = catalog.layouts().map(|l| l.id.as_str()).collect();
        CliError::usage(format!("no layout `{id}`; bundled: {}", ids.join(", ")))
    })
}

/// The whole model of a layout as JSON (what `show --json` prints).
fn layout_json(l: &Layout) -> serde_json::Value {
    let items: Vec<_> = l
        .items
        .iter()
        .map(|it| {
            let o = it.official.as_ref();
            serde_json::json!({
                "number": it.number,
                "item_id": o.map(|o| o.item_id.as_str()),
                "name": it.name,
                "key": it.key,
                "type": o.map_or(it.domain.as_str(), |o| o.data_type.as_str()),
                "domain": it.domain,
                "length": it.length,
                "unit": it.unit,
                "scale": o.and_then(|o| o.scale),
                "signed": o.is_some_and(|o| o.signed()),
                "required": it.requirement().as_str(),
                "condition": o.and_then(|o| o.condition.as_deref()),
                "primary_key": o.is_some_and(|o| o.primary_key),
                "foreign_key": o.and_then(|o| o.foreign_key.as_deref()),
                "code_table": it.code_table,
                "code_id": o.and_then(|o| o.code_id.as_deref()),
                "repeat": it.repeat,
                "offset": it.offset,
                "date_form": it.date_form,
                "representation": it.representation,
                "item_kind": it.host_kind,
                "item_encoding": it.encoding,
                "note": it.note,
            })
        })
        .collect();
    serde_json::json!({
        "id": l.id,
        "name": l.name,
        "gyomu": l.gyomu,
        "family": l.family,
        "status": l.status,
        "version": l.version,
        "source": l.source,
        "official": l.official.as_ref().map(|o| serde_json::json!({
            "file": o.file,
            "sheet": o.sheet,
            "sha256": o.sha256,
            "items_sha256": o.items_sha256,
            "unedited": l.official_unedited(),
        })),
        "encoding": l.encoding,
        "format": format_json(&l.format),
        "items": items,
        "note": l.note,
    })
}

fn format_json(f: &PhysicalFormat) -> serde_json::Value {
    match f {
        PhysicalFormat::Fixed {
            record_length,
            terminator,
        } => serde_json::json!({
            "kind": "fixed",
            "record_length": record_length,
            "terminator": terminator.as_str(),
        }),
        PhysicalFormat::Delimited {
            delimiter,
            quote,
            header_rows,
            terminator,
        } => serde_json::json!({
            "kind": "delimited",
            "delimiter": char::from(*delimiter).to_string(),
            "quote": quote.map(|q| char::from(q).to_string()),
            "header_rows": header_rows,
            "terminator": terminator.as_str(),
        }),
    }
}

fn format_text(f: &PhysicalFormat) -> String {
    match f {
        PhysicalFormat::Fixed {
            record_length,
            terminator,
        } => format!(
            "fixed-length, {record_length} bytes per record, terminator {}",
            terminator.as_str()
        ),
        PhysicalFormat::Delimited {
            delimiter,
            quote,
            header_rows,
            terminator,
        } => {
            let d = match delimiter {
                b',' => "comma".to_string(),
                b'\t' => "tab".to_string(),
                d => format!("`{}`", char::from(*d)),
            };
            let q = quote.map_or("no quoting".to_string(), |q| {
                format!("quote `{}`", char::from(q))
            });
            format!(
                "delimited ({d}), {q}, {header_rows} header row(s), terminator {}",
                terminator.as_str()
            )
        }
    }
}

fn show(id: &str, json: bool) -> CliResult {
    let layout = load_one(id)?;
    if json {
        print_json(&layout_json(&layout))?;
        return Ok(OK);
    }
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", layout.id, layout.name);
    let _ = writeln!(
        s,
        "業務 {} · family {} · status {} · version {}",
        layout.gyomu, layout.family, layout.status, layout.version
    );
    let _ = writeln!(s, "source: {}", layout.source);
    if let Some(o) = &layout.official {
        let state = match layout.official_unedited() {
            Some(true) => "item table unedited since import",
            _ => "item table EDITED since import (a transcription now)",
        };
        let _ = writeln!(
            s,
            "official: {} sheet 「{}」 sha256 {} — {state}",
            o.file, o.sheet, o.sha256
        );
    }
    let _ = writeln!(
        s,
        "format: {}, encoding {}",
        format_text(&layout.format),
        layout.encoding
    );
    let official = layout.items.iter().any(|i| i.official.is_some());
    if official {
        let _ = writeln!(
            s,
            "{:>4} {:<8} {:<28} {:<4} {:<17} {:>7} {:<11} {:<3} {:<14} {:<12} {:>3}  name",
            "no",
            "item_id",
            "key",
            "type",
            "domain",
            "length",
            "required",
            "pk",
            "foreign_key",
            "code_table",
            "rep"
        );
    } else {
        let _ = writeln!(
            s,
            "{:>4} {:<22} {:<18} {:>6} {:>7} {:<11} {:<12} {:>3}  name",
            "no", "key", "type", "offset", "length", "required", "code_table", "rep"
        );
    }
    for it in &layout.items {
        let unit = match it.unit {
            LengthUnit::Bytes => "B",
            LengthUnit::Chars => "c",
        };
        match &it.official {
            Some(o) => {
                let length = match o.scale {
                    Some(m) => format!("{},{}{unit}", it.length, m),
                    None => format!("{}{unit}", it.length),
                };
                let _ = writeln!(
                    s,
                    "{:>4} {:<8} {:<28} {:<4} {:<17} {:>7} {:<11} {:<3} {:<14} {:<12} {:>3}  {}",
                    it.number,
                    o.item_id,
                    it.key,
                    o.data_type.as_str(),
                    it.domain.as_str(),
                    length,
                    it.requirement().as_str(),
                    if o.primary_key { "PK" } else { "" },
                    o.foreign_key.as_deref().unwrap_or(""),
                    it.code_table.as_deref().unwrap_or(""),
                    it.repeat,
                    it.name
                );
                if let Some(c) = &o.condition {
                    let _ = writeln!(s, "{:>4} {:<8} condition: {c}", "", "");
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "{:>4} {:<22} {:<18} {:>6} {:>6}{} {:<11} {:<12} {:>3}  {}",
                    it.number,
                    it.key,
                    it.domain.as_str(),
                    it.offset.map(|o| o.to_string()).unwrap_or_default(),
                    it.length,
                    unit,
                    it.requirement().as_str(),
                    it.code_table.as_deref().unwrap_or(""),
                    it.repeat,
                    it.name
                );
            }
        }
        if let Some(st) = storage_text(it) {
            let _ = writeln!(s, "{:>4} {:<22} {st}", "", "");
        }
    }
    let _ = writeln!(s, "{} item(s)", layout.items.len());
    print(&s)?;
    Ok(OK)
}

/// How an item's bytes hold its value, when that is not display text of the layout's
/// encoding: `packed, 9 digits, 2 decimals, signed`, `kind N`, `encoding jef-ebcdic`.
fn storage_text(it: &ikou_layout_spec::Item) -> Option<String> {
    use ikou_layout_spec::{Representation, ZonedSign};
    let mut parts: Vec<String> = Vec::new();
    let r = it.representation;
    if r.is_numeric() {
        let mut p = format!("{}, {} digits", r.as_str(), r.digits().unwrap_or(0));
        if let Some(m) = r.scale().filter(|m| *m != 0) {
            let _ = write!(p, ", {m} decimals");
        }
        p.push_str(if r.signed() { ", signed" } else { ", unsigned" });
        match r {
            Representation::Zoned { sign, zone, .. } => {
                if sign != ZonedSign::None {
                    let _ = write!(p, ", sign {}", sign.as_str());
                }
                let _ = write!(p, ", {} zone", zone.as_str());
            }
            Representation::Binary { native: true, .. } => p.push_str(", native (COMP-5)"),
            _ => {}
        }
        parts.push(p);
    }
    if let Some(k) = it.host_kind {
        parts.push(format!("kind {}", k.as_str()));
    }
    if let Some(e) = &it.encoding {
        parts.push(format!("encoding {e}"));
    }
    (!parts.is_empty()).then(|| format!("stored: {}", parts.join("; ")))
}

fn check(files: &[PathBuf]) -> CliResult {
    // Users' files are checked against the bundled code tables plus their own.
    let mut catalog = bundled()?;
    let problems = catalog.check_files(files);
    if problems.is_empty() {
        let count: usize = files.iter().map(|f| count_spec_files(f)).sum();
        print(&format!(
            "ok: {count} file(s) checked, no problems\n{}",
            crate::cmd::profiles::skipped_note(&catalog)
        ))?;
        return Ok(OK);
    }
    let mut s = String::new();
    for e in &problems {
        let _ = writeln!(s, "{e}");
    }
    let _ = writeln!(s, "{} problem(s)", problems.len());
    Err(CliError {
        code: USAGE,
        message: s.trim_end().to_string(),
    })
}
