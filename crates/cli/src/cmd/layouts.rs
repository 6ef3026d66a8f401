//! `ikou layouts list|show|check|import`.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, print_json};
use clap::{Subcommand, ValueEnum};
use ikou_layout_spec::import::{self, ImportError, ImportFormat, ImportOptions};
use ikou_layout_spec::{Catalog, Layout, LengthUnit, PhysicalFormat};
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
    /// A workbook in the official form of the デジタル庁 (項目定義書 / 基本データリスト: a
    /// データ項目（ローマ字） column, グループ, データ型 X/Ｎ/9/9V/S9/BLOB/YEAR/DATE/TIME, code
    /// sheets) is read completely: one layout per グループ with status `official-import`, and
    /// its code tables, written into the directory --out; every row not read is reported.
    ///
    /// The header row is found by its column titles (項目名/項目名称, データ型/型,
    /// 桁数/バイト数/長さ, 必須, 繰返し, 備考/コード, 項目番号/No) in the first 30 rows;
    /// merged header cells are understood. Every row that cannot be read is reported with its
    /// row number (on stderr and in the file's header comment), never dropped silently.
    #[command(after_help = "Examples:\n  \
        ikou layouts import 中間標準レイアウト_住基.xlsx --sheet 住民 --id chukan/v27-juki --out v27-juki.toml\n  \
        ikou layouts import vendor-items.csv --format fixed --id legacy/vendor-juki --out vendor-juki.toml\n  \
        ikou layouts check v27-juki.toml\n  \
        ikou layouts import atenabango-kanri_item-definition.xlsx --out specs/official/")]
    Import {
        /// The workbook (.xlsx) or CSV item list (UTF-8 or CP932).
        file: PathBuf,
        /// The sheet to read (default: the first sheet with a header row).
        #[arg(long)]
        sheet: Option<String>,
        /// Write the layout here instead of to stdout (official workbooks: a directory).
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
        } => {
            let format = match format {
                FormatArg::Delimited => ImportFormat::Delimited,
                FormatArg::Fixed => ImportFormat::Fixed,
            };
            let source = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut opts = ImportOptions::new(&id.unwrap_or_else(|| default_id(&file)), &source);
            opts.name = name;
            opts.gyomu = gyomu.unwrap_or_default();
            opts.format = format;
            opts.encoding = encoding;
            import_file(&file, sheet.as_deref(), out.as_deref(), force, json, &opts)
        }
    }
}

/// `chukan/<file stem>` with the stem reduced to lower-case ASCII letters, digits and `-`.
fn default_id(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut name = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    format!("chukan/{}", if name.is_empty() { "imported" } else { name })
}

fn import_error(e: ImportError) -> CliError {
    CliError::usage(e.to_string())
}

fn import_file(
    file: &Path,
    sheet: Option<&str>,
    out: Option<&Path>,
    force: bool,
    json: bool,
    opts: &ImportOptions,
) -> CliResult {
    let shown = file.display();
    let meta = std::fs::metadata(file).map_err(|e| CliError::io(format!("{shown}: {e}")))?;
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(CliError::usage(format!(
            "{shown}: {} bytes is larger than an item list can be ({MAX_IMPORT_BYTES} bytes)",
            meta.len()
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
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| CliError::io(format!("{shown}: {e}")))?;
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let is_xlsx = matches!(ext.as_str(), "xlsx" | "xlsm") || bytes.starts_with(b"PK\x03\x04");
    if is_xlsx
        && sheet.is_none()
        && import::official::is_official_form(&bytes).map_err(import_error)?
    {
        let Some(out) = out else {
            return Err(CliError::usage(format!(
                "{shown} is an official item-definition workbook (one layout per グループ): give --out DIR"
            )));
        };
        return import_official(file, &bytes, out, force, json);
    }
    let imported = if is_xlsx {
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

fn import_official(file: &Path, bytes: &[u8], out: &Path, force: bool, json: bool) -> CliResult {
    use import::official::import_official;
    let shown = file.display();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let book = import_official(bytes, &name).map_err(import_error)?;
    if out.exists() && !out.is_dir() {
        return Err(CliError::usage(format!(
            "{}: --out must be a directory for an official workbook",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| CliError::io(format!("{}: {e}", out.display())))?;
    let mut plan: Vec<(PathBuf, String)> = Vec::new();
    for l in &book.layouts {
        let stem = l.id.rsplit('/').next().unwrap_or(&l.id);
        plan.push((out.join(format!("{stem}.toml")), official_toml(l, &name)));
    }
    for t in &book.code_tables {
        plan.push((out.join(format!("{}.csv", t.name)), code_table_csv(t)));
    }
    if !force {
        if let Some((p, _)) = plan.iter().find(|(p, _)| p.exists()) {
            return Err(CliError::usage(format!(
                "{} exists; use --force to overwrite it",
                p.display()
            )));
        }
    }
    for (p, text) in &plan {
        write_new(p, text).map_err(|e| CliError::io(format!("{}: {e}", p.display())))?;
    }
    let mut err = std::io::stderr().lock();
    for w in &book.warnings {
        let _ = writeln!(err, "warning: {shown}: {w}");
    }
    for n in &book.notes {
        let _ = writeln!(err, "note: {shown}: {n}");
    }
    drop(err);
    if json {
        let layouts: Vec<_> = book
            .layouts
            .iter()
            .zip(&plan)
            .map(|(l, (p, _))| {
                serde_json::json!({
                    "id": l.id, "name": l.name, "file": p.display().to_string(),
                    "items": l.items.len(), "status": l.status,
                })
            })
            .collect();
        let tables: Vec<_> = book
            .code_tables
            .iter()
            .zip(plan.iter().skip(book.layouts.len()))
            .map(|(t, (p, _))| {
                serde_json::json!({
                    "name": t.name, "file": p.display().to_string(), "codes": t.entries.len(),
                })
            })
            .collect();
        let warnings: Vec<_> = book
            .warnings
            .iter()
            .map(|w| serde_json::json!({"sheet": w.sheet, "row": w.row, "message": w.message}))
            .collect();
        print_json(&serde_json::json!({
            "workbook": name,
            "sha256": book.sha256,
            "layouts": layouts,
            "code_tables": tables,
            "legend_sheets": book.legend_sheets,
            "warnings": warnings,
            "notes": book.notes,
        }))?;
        return Ok(OK);
    }
    let mut s = String::new();
    for (l, (p, _)) in book.layouts.iter().zip(&plan) {
        let _ = writeln!(
            s,
            "wrote {} ({}: 「{}」, {} item(s), official-import)",
            p.display(),
            l.id,
            l.name,
            l.items.len()
        );
    }
    for (t, (p, _)) in book
        .code_tables
        .iter()
        .zip(plan.iter().skip(book.layouts.len()))
    {
        let _ = writeln!(
            s,
            "wrote {} (code table, {} code(s))",
            p.display(),
            t.entries.len()
        );
    }
    let _ = writeln!(
        s,
        "{} layout(s), {} code table(s) from {shown} (sha256 {}); legend sheet(s) not imported: {}; {} row(s) not read or to review",
        book.layouts.len(),
        book.code_tables.len(),
        book.sha256,
        book.legend_sheets.len(),
        book.warnings.len()
    );
    print(&s)?;
    Ok(OK)
}

fn official_toml(layout: &Layout, workbook: &str) -> String {
    let mut s = format!(
        "# Imported unedited by `ikou layouts import` from {}.\n\
         # Status official-import: editing any item by hand makes this a transcription again\n\
         # (set status = \"unverified-transcription\"); `ikou layouts check` tells.\n\n",
        workbook.replace(['\n', '\r'], " ")
    );
    s.push_str(&ikou_layout_spec::layout_to_toml(layout));
    s
}

fn code_table_csv(t: &ikou_layout_spec::CodeTable) -> String {
    let mut s = String::from("code,label\n");
    let field = |v: &str| {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    for (c, l) in &t.entries {
        let _ = writeln!(s, "{},{}", field(c), field(l));
    }
    s
}

/// Writes `text` to a temporary file beside `path` and renames it into place, so an
/// interrupted import leaves no half-written layout.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
        let text = std::fs::read_to_string(&path)
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

/// The whole model of a layout as JSON (one object per item with every field).
fn layout_json(l: &Layout) -> serde_json::Value {
    let items: Vec<_> = l
        .items
        .iter()
        .map(|it| {
            serde_json::json!({
                "number": it.number,
                "item_id": it.official.item_id,
                "name": it.name,
                "key": it.key,
                "type": it.domain,
                "domain": it.domain,
                "data_type": it.official.data_type,
                "length": it.length,
                "unit": it.unit,
                "scale": it.official.scale,
                "signed": it.official.signed,
                "required": it.requirement(),
                "condition": it.official.condition,
                "primary_key": it.official.primary_key,
                "foreign_key": it.official.foreign_key,
                "code_table": it.code_table,
                "code_id": it.official.code_id,
                "repeat": it.repeat,
                "offset": it.offset,
                "date_form": it.date_form,
                "padding": it.padding,
                "zero_pad": it.zero_pad,
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
        "encoding": l.encoding,
        "format": format_json(&l.format),
        "origin": l.origin,
        "official_unchanged": ikou_layout_spec::official_unchanged(l),
        "record_types": l.record_types,
        "note": l.note,
        "items": items,
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
    let byte = |b: u8| match b {
        b'\t' => "TAB".to_string(),
        b',' => "comma (,)".to_string(),
        b => format!("`{}`", char::from(b).escape_default()),
    };
    match f {
        PhysicalFormat::Fixed {
            record_length,
            terminator,
        } => format!(
            "fixed-length records of {record_length} bytes, terminator {}",
            terminator.as_str()
        ),
        PhysicalFormat::Delimited {
            delimiter,
            quote,
            header_rows,
            terminator,
        } => format!(
            "delimited: delimiter {}, quote {}, {header_rows} header row(s), terminator {}",
            byte(*delimiter),
            quote.map_or("none".to_string(), byte),
            terminator.as_str()
        ),
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
        "業務 {} · family {} · status {} · version {} · source {}",
        layout.gyomu, layout.family, layout.status, layout.version, layout.source
    );
    if let Some(o) = &layout.origin {
        let state = match ikou_layout_spec::official_unchanged(&layout) {
            Some(true) => "items unchanged since import",
            Some(false) => "items EDITED since import: a transcription now",
            None => "status is no longer official-import",
        };
        let _ = writeln!(
            s,
            "origin: {} · sheet 「{}」 · group 「{}」 · sha256 {} · {state}",
            o.workbook, o.sheet, o.group, o.sha256
        );
    }
    let _ = writeln!(s, "format: {}", format_text(&layout.format));
    let official = layout
        .items
        .iter()
        .any(|i| i.official != Default::default());
    if official {
        let _ = writeln!(
            s,
            "{:>4} {:<9} {:<30} {:<4} {:<17} {:>7} {:<11} {:<3} {:<18} {:<11} {:>3}  name",
            "no",
            "item_id",
            "key",
            "type",
            "domain",
            "length",
            "required",
            "pk",
            "fk",
            "code",
            "rep"
        );
        for it in &layout.items {
            let o = &it.official;
            let len = match o.scale {
                Some(m) => format!("{},{}", it.length.saturating_sub(m), m),
                None => it.length.to_string(),
            };
            let _ = writeln!(
                s,
                "{:>4} {:<9} {:<30} {:<4} {:<17} {:>7} {:<11} {:<3} {:<18} {:<11} {:>3}  {}",
                it.number,
                o.item_id.as_deref().unwrap_or(""),
                it.key,
                o.data_type.map_or("", |d| d.as_str()),
                it.domain.as_str(),
                len,
                it.requirement().as_str(),
                if o.primary_key { "PK" } else { "" },
                o.foreign_key.as_deref().unwrap_or(""),
                it.code_table
                    .as_deref()
                    .or(o.code_id.as_deref())
                    .unwrap_or(""),
                it.repeat,
                it.name
            );
            if let Some(c) = &o.condition {
                let _ = writeln!(s, "{:>14} condition: {}", "", c.replace('\n', " / "));
            }
        }
        print(&s)?;
        return Ok(OK);
    }
    let _ = writeln!(
        s,
        "{:>4} {:<22} {:<18} {:>6} {:>7} {:<4} {:<12} name",
        "no", "key", "type", "offset", "length", "req", "code_table"
    );
    for it in &layout.items {
        let unit = match it.unit {
            LengthUnit::Bytes => "B",
            LengthUnit::Chars => "c",
        };
        let _ = writeln!(
            s,
            "{:>4} {:<22} {:<18} {:>6} {:>6}{} {:<4} {:<12} {}",
            it.number,
            it.key,
            it.domain.as_str(),
            it.offset.map(|o| o.to_string()).unwrap_or_default(),
            it.length,
            unit,
            if it.required { "yes" } else { "" },
            it.code_table.as_deref().unwrap_or(""),
            it.name
        );
    }
    print(&s)?;
    Ok(OK)
}

/// Spec files under `path` (a file, or the .toml/.csv files of a directory tree).
fn count_spec_files(path: &Path, depth: u32) -> usize {
    if !path.is_dir() {
        return 1;
    }
    if depth > 32 {
        return 0;
    }
    let Ok(rd) = std::fs::read_dir(path) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                count_spec_files(&p, depth + 1)
            } else {
                usize::from(p.extension().is_some_and(|x| x == "toml" || x == "csv"))
            }
        })
        .sum()
}

fn check(files: &[PathBuf]) -> CliResult {
    // Users' files are checked against the bundled code tables plus their own.
    let mut catalog = bundled()?;
    let mut errors = Vec::new();
    for f in files {
        if let Err(e) = catalog.load_path(f) {
            errors.extend(e.0);
        }
    }
    errors.extend(catalog.check().0);
    let mut edited = Vec::new();
    for l in catalog.layouts() {
        if ikou_layout_spec::official_unchanged(l) == Some(false) {
            let file = catalog.layout_file(&l.id).unwrap_or(&l.id);
            edited.push(format!(
                "{file}: {}: status official-import, but the items differ from what was imported from {} (edited by hand): set status = \"unverified-transcription\" or import again",
                l.id,
                l.origin.as_ref().map_or("the workbook", |o| o.workbook.as_str())
            ));
        }
    }
    let checked: usize = files.iter().map(|f| count_spec_files(f, 0)).sum();
    if errors.is_empty() && edited.is_empty() {
        print(&format!("ok: {checked} file(s) checked, no problems\n"))?;
        return Ok(OK);
    }
    let mut s = String::new();
    for e in &errors {
        let _ = writeln!(s, "{e}");
    }
    for e in &edited {
        let _ = writeln!(s, "{e}");
    }
    let _ = writeln!(
        s,
        "{} problem(s) in {checked} file(s)",
        errors.len() + edited.len()
    );
    Err(CliError {
        code: USAGE,
        message: s.trim_end().to_string(),
    })
}
