//! `ikou layouts list|show|check|import`.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, print_json};
use clap::{Subcommand, ValueEnum};
use ikou_layout_spec::error::SpecPosition;
use ikou_layout_spec::import::plan::{
    self, ImportPlan, ImportPlanError, ImportRequest, PlannedContent, PlannedFile,
};
use ikou_layout_spec::import::{self, copybook, official, ImportFormat, ImportOptions};
use ikou_layout_spec::{count_spec_files, describe, Catalog, LengthUnit};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
    #[command(
        after_help = "Examples:\n  ikou layouts check my-specs/\n  ikou layouts check my-specs/ --json   # {ok, files_checked, problems: [{file, line, item, message}], profiles_not_checked}"
    )]
    Check {
        /// Spec files or directories.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON (the same exit code).
        #[arg(long)]
        json: bool,
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
        LayoutsCommand::Check { files, json } => check(&files, json),
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

/// The copybook part of `layouts import`.
struct CobolArgs {
    /// `--view` names.
    views: Vec<String>,
    /// Whether `--id` was given (otherwise a copybook's layout is `legacy/<file name>`).
    id_given: bool,
}

fn plan_error(e: ImportPlanError) -> CliError {
    if e.is_io() {
        CliError::io(e.to_string())
    } else {
        CliError::usage(e.to_string())
    }
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
    let bytes = plan::read_import_file(file).map_err(plan_error)?;
    let req = ImportRequest {
        file,
        bytes: &bytes,
        sheet,
        out,
        force,
        json,
        opts,
        views: &cobol.views,
        id_given: cobol.id_given,
    };
    let plan =
        plan::plan_import(&req, &ikou_convert::setup::is_text_encoding).map_err(plan_error)?;
    let shown = file.display();
    match &plan {
        ImportPlan::List { imported, .. } => {
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
        }
        ImportPlan::Copybook { import: got, .. } => {
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
        }
        ImportPlan::Official { book, dir, files } => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::io(format!("{}: {e}", dir.display())))?;
            write_files(files)?;
            return print_official(file, book, files, json);
        }
        _ => {}
    }
    match &plan {
        ImportPlan::List { text, files, .. } | ImportPlan::Copybook { text, files, .. }
            if files.is_empty() =>
        {
            print(text)?
        }
        plan => {
            write_files(plan.files())?;
            let mut s = String::new();
            for f in plan.files() {
                let _ = writeln!(s, "wrote {}", f.path.display());
            }
            print(&s)?;
        }
    }
    Ok(OK)
}

/// Writes the planned files, each atomically.
fn write_files(files: &[PlannedFile]) -> Result<(), CliError> {
    for f in files {
        crate::output::write_atomically(&f.path, |w| w.write_all(f.text.as_bytes()))
            .map_err(|e| CliError::io(format!("{}: {e}", f.path.display())))?;
    }
    Ok(())
}

/// The report of an official workbook's import: every file written, every refinement and
/// every row not read (as JSON with `--json`).
fn print_official(
    file: &Path,
    book: &official::OfficialBook,
    files: &[PlannedFile],
    json: bool,
) -> CliResult {
    if json {
        let written: Vec<_> = files
            .iter()
            .map(|f| {
                let mut v = match &f.content {
                    PlannedContent::Layout {
                        id,
                        name,
                        status,
                        items,
                    } => serde_json::json!({
                        "kind": "layout", "id": id, "name": name, "status": status, "items": items,
                    }),
                    PlannedContent::CodeTable {
                        name,
                        code_id,
                        title,
                        sheet,
                        values,
                    } => serde_json::json!({
                        "kind": "code_table", "name": name, "code_id": code_id, "title": title,
                        "sheet": sheet, "values": values,
                    }),
                };
                v["path"] = serde_json::Value::String(f.path.display().to_string());
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
        crate::output::terminal_safe(&file.display().to_string()),
        book.sha256
    );
    for (n, r) in &book.sheets {
        let _ = writeln!(s, "  sheet 「{n}」: {}", r.as_str());
    }
    for f in files {
        let what = match &f.content {
            PlannedContent::Layout {
                id,
                name,
                status,
                items,
            } => format!(
                "layout {id} 「{name}」, {items} item(s), {}",
                status.as_str()
            ),
            PlannedContent::CodeTable {
                name,
                code_id,
                title,
                values,
                ..
            } => format!("code table {name} (コード {code_id} {title}), {values} value(s)"),
        };
        let _ = writeln!(
            s,
            "wrote {}: {}",
            crate::output::terminal_safe(&f.path.display().to_string()),
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

fn show(id: &str, json: bool) -> CliResult {
    let layout = crate::cmd::inspect::load_layout(id)?;
    if json {
        // Through a `Value`: its objects keep their keys sorted, as the output always had.
        let value = serde_json::to_value(layout.description())
            .map_err(|e| CliError::io(format!("serialising JSON: {e}")))?;
        print_json(&value)?;
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
        describe::describe_format(&layout.format),
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
        if let Some(st) = describe::describe_storage(it) {
            let _ = writeln!(s, "{:>4} {:<22} {st}", "", "");
        }
    }
    let _ = writeln!(s, "{} item(s)", layout.items.len());
    print(&s)?;
    Ok(OK)
}

/// A spec problem for `--json`: where (`file`, `line`, `item`: null when not known) and what.
pub(crate) fn problem_json(pos: &SpecPosition, message: &str) -> serde_json::Value {
    serde_json::json!({
        "file": pos.file,
        "line": pos.line,
        "item": pos.item,
        "message": message,
    })
}

fn check(files: &[PathBuf], json: bool) -> CliResult {
    // Users' files are checked against the bundled code tables plus their own.
    let mut catalog = bundled()?;
    let problems = catalog.check_files(files);
    if json {
        let value = serde_json::json!({
            "ok": problems.is_empty(),
            "files_checked": files.iter().map(|f| count_spec_files(f)).sum::<usize>(),
            "problems": problems
                .iter()
                .map(|p| problem_json(&p.position(), &p.message()))
                .collect::<Vec<_>>(),
            "profiles_not_checked": catalog
                .profile_files()
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>(),
        });
        print_json(&value)?;
        return Ok(if problems.is_empty() { OK } else { USAGE });
    }
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
