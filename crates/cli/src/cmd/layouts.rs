//! `ikou layouts list|show|check`.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, print_json};
use clap::Subcommand;
use ikou_layout_spec::{Catalog, Layout, LengthUnit};
use std::fmt::Write as _;
use std::path::PathBuf;

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
}

/// Runs a `layouts` verb.
pub fn run(cmd: LayoutsCommand) -> CliResult {
    match cmd {
        LayoutsCommand::List { json } => list(json),
        LayoutsCommand::Show { id, json } => show(&id, json),
        LayoutsCommand::Check { files } => check(&files),
    }
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
    let _ = writeln!(s, "{:<28} {:<9} {:<25} {:>5}  name", "id", "family", "status", "items");
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
        print(&format!("ok: {} file(s) checked, no problems\n", files.len()))?;
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
