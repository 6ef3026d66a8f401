//! `ikou layouts list|show|check|import`.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, print_json};
use clap::{Subcommand, ValueEnum};
use ikou_layout_spec::import::{self, ImportError, ImportFormat, ImportOptions};
use ikou_layout_spec::{Catalog, Layout, LengthUnit};
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
    /// The header row is found by its column titles (項目名/項目名称, データ型/型,
    /// 桁数/バイト数/長さ, 必須, 繰返し, 備考/コード, 項目番号/No) in the first 30 rows;
    /// merged header cells are understood. Every row that cannot be read is reported with its
    /// row number (on stderr and in the file's header comment), never dropped silently.
    #[command(after_help = "Examples:\n  \
        ikou layouts import 中間標準レイアウト_住基.xlsx --sheet 住民 --id chukan/v27-juki --out v27-juki.toml\n  \
        ikou layouts import vendor-items.csv --format fixed --id legacy/vendor-juki --out vendor-juki.toml\n  \
        ikou layouts check v27-juki.toml")]
    Import {
        /// The workbook (.xlsx) or CSV item list (UTF-8 or CP932).
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
            import_file(&file, sheet.as_deref(), out.as_deref(), force, &opts)
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

fn show(id: &str, json: bool) -> CliResult {
    let layout = load_one(id)?;
    if json {
        print_json(&layout)?;
        return Ok(OK);
    }
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", layout.id, layout.name);
    let _ = writeln!(
        s,
        "業務 {} · family {} · status {} · version {} · source {}",
        layout.gyomu, layout.family, layout.status, layout.version, layout.source
    );
    let _ = writeln!(s, "format: {:?}", layout.format);
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
    if errors.is_empty() {
        print(&format!(
            "ok: {} file(s) checked, no problems\n{}",
            files.len(),
            crate::cmd::profiles::skipped_note(&catalog)
        ))?;
        return Ok(OK);
    }
    let mut s = String::new();
    for e in &errors {
        let _ = writeln!(s, "{e}");
    }
    let _ = writeln!(s, "{} problem(s)", errors.len());
    Err(CliError {
        code: USAGE,
        message: s.trim_end().to_string(),
    })
}
