//! `ikou gaiji FILE… --layout ID`: the 外字 inventory, ready for 文字同定 in a spreadsheet.

use crate::cmd::inspect::{load_layout, profile_for};
use crate::exit::{CliError, CliResult, OK};
use crate::output::{print, print_json, shown_path};
use clap::Args;
use ikou_cleanse::gaiji::code_hex;
use ikou_convert::inventory::{gaiji_inventory, InventoryError};
use std::fmt::Write as _;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Lists every user-defined character (外字, CP932 F040–F9FC) in the files: code, count, the
items it occurs in, the first record numbers, and what the table maps it to. No personal
values are printed; --show-values adds an `example` column with one value it occurs in.
Only regular files are read (not pipes or devices), with the run's 8 MiB record limit.

The --csv output has the columns code,replacement,mj,note,count,items,first_records,pua:
fill in replacement (the Unicode text, with an IVS where needed), mj (MJ文字図形名) and note
in a spreadsheet, save as UTF-8 CSV, and use the file as the 外字 table (--table, or in a
profile). Rows left without a replacement are skipped when the table is loaded. It starts
with a UTF-8 BOM, as convert's gaiji.csv does, so that Excel on Japanese Windows opens it as
UTF-8 rather than CP932 (--no-excel-bom: without).

Examples:
  ikou gaiji legacy.dat --layout legacy/sample-juki --csv > gaiji.csv
  ikou gaiji a.dat b.dat --layout legacy/sample-juki --table gaiji.csv --json";

/// `ikou gaiji` arguments.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct GaijiArgs {
    /// Files to scan.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The layout: a bundled id or the path of a layout .toml file.
    #[arg(long)]
    pub layout: String,
    /// The file's encoding, if not the layout's.
    #[arg(long)]
    pub encoding: Option<String>,
    /// A 外字 table (CSV: code,replacement,mj,note) to show what is mapped already.
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// Print CSV (the table format, for staff to fill in), starting with a UTF-8 BOM so that
    /// Excel opens it as UTF-8.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// With --csv: no UTF-8 BOM (the 外字 table loader and csv readers skip it either way).
    #[arg(long, requires = "csv")]
    pub no_excel_bom: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Add an example value per code (personal data).
    #[arg(long)]
    pub show_values: bool,
}

/// Runs `ikou gaiji`.
pub fn run(args: GaijiArgs) -> CliResult {
    let mut layout = load_layout(&args.layout)?;
    let profile = profile_for(&mut layout, args.encoding.as_deref(), args.table.as_deref())?;
    let (inventory, records) = gaiji_inventory(&args.files, &layout, &profile, args.show_values)
        .map_err(|e| match e {
            InventoryError::Stat { path, source } => {
                CliError::io(format!("{}: {source}", shown_path(&path)))
            }
            InventoryError::NotRegular { path } => CliError::io(format!(
                "{}: not a regular file (ikou gaiji reads regular files only: a pipe or a \
                     device may never end; save it to a file first)",
                shown_path(&path)
            )),
            InventoryError::Layout { path, source } => {
                CliError::usage(format!("{}: {source}", shown_path(&path)))
            }
            InventoryError::Open { path, source } => {
                CliError::io(format!("{}: {source}", shown_path(&path)))
            }
            InventoryError::Read { path, source } => {
                CliError::io(format!("{}: {source}", shown_path(&path)))
            }
            e => CliError::io(e.to_string()),
        })?;
    if args.csv {
        let mut out = Vec::new();
        if !args.no_excel_bom {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        inventory
            .write_csv(&mut out)
            .map_err(|e| CliError::io(format!("writing CSV: {e}")))?;
        print(&String::from_utf8_lossy(&out))?;
    } else if args.json {
        print_json(&serde_json::json!({
            "files": args.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "layout": layout.id,
            "records": records,
            "codes": inventory.len(),
            "occurrences": inventory.total(),
            "unmapped": inventory.unmapped(),
            "gaiji": inventory,
        }))?;
    } else {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} records · {} 外字 codes · {} occurrences · {} unmapped",
            records,
            inventory.len(),
            inventory.total(),
            inventory.unmapped()
        );
        if !inventory.is_empty() {
            let _ = writeln!(
                s,
                "{:<6} {:<7} {:>7}  {:<24} {:<20} mapped-to",
                "code", "pua", "count", "items", "first records"
            );
        }
        for e in inventory.entries() {
            let items: Vec<String> = e.items.iter().map(|(k, n)| format!("{k}:{n}")).collect();
            let firsts: Vec<String> = e.first_records.iter().map(u64::to_string).collect();
            let _ = writeln!(
                s,
                "{:<6} {:<7} {:>7}  {:<24} {:<20} {}",
                code_hex(e.code),
                e.pua,
                e.count,
                items.join(" "),
                firsts.join(" "),
                e.replacement.as_deref().unwrap_or("-")
            );
        }
        print(&s)?;
    }
    Ok(OK)
}
