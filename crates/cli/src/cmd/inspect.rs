//! `ikou inspect FILE --layout ID`: the first look at a file, record by record and item by
//! item — raw bytes (hex) beside the decoded text, and every finding.

use crate::cmd::convert::setup_err;
use crate::exit::{CliError, CliResult, OK};
use crate::output::{print, print_json};
use clap::Args;
use ikou_cleanse::decode::{CharProfile, DecodeIssueKind};
use ikou_cleanse::frame::{role_name, RawRecord, Slicer};
use ikou_cleanse::mask::mask;
use ikou_convert::setup;
use ikou_layout_spec::{DomainType, Layout};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Personal values (text and their bytes) are masked unless --show-values: letters, digits,
kana and kanji become * / ＊ and their bytes **, while spaces, padding and the bytes of
problems stay visible.

Examples:
  ikou inspect legacy.dat --layout legacy/sample-juki
  ikou inspect legacy.dat --layout my-layout.toml --records 20 --json
  ikou inspect legacy.dat --layout legacy/sample-juki --table gaiji.csv --show-values";

/// `ikou inspect` arguments.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct InspectArgs {
    /// The file to look at.
    pub file: PathBuf,
    /// The layout: a bundled id (`legacy/sample-juki`) or the path of a layout .toml file.
    #[arg(long)]
    pub layout: String,
    /// How many records to show.
    #[arg(long, default_value_t = 5)]
    pub records: u64,
    /// The file's encoding, if not the layout's (cp932, euc-jp, utf-8, …).
    #[arg(long)]
    pub encoding: Option<String>,
    /// A 外字 table (CSV: code,replacement,mj,note).
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Show personal values unmasked.
    #[arg(long)]
    pub show_values: bool,
}

/// Resolves a layout id through the bundled catalog, or loads a layout file
/// ([`ikou_convert::setup::load_layout`]).
pub(crate) fn load_layout(id: &str) -> Result<Layout, CliError> {
    setup::load_layout(id).map_err(setup_err)
}

/// The layout with the encoding override applied, and the character profile
/// ([`ikou_convert::setup::char_profile_for`]).
pub(crate) fn profile_for(
    layout: &mut Layout,
    encoding: Option<&str>,
    table: Option<&Path>,
) -> Result<CharProfile, CliError> {
    setup::char_profile_for(layout, encoding, table).map_err(setup_err)
}

/// Runs `ikou inspect`.
pub fn run(args: InspectArgs) -> CliResult {
    let mut layout = load_layout(&args.layout)?;
    let profile = profile_for(&mut layout, args.encoding.as_deref(), args.table.as_deref())?;
    let limit = crate::input::inspect_byte_limit(args.records);
    let (mut reader, cut) = crate::input::open_capped_reader(&args.file, &layout, limit)?;
    let mut slicer = Slicer::new(profile.charset);
    let mut rec = RawRecord::new();
    let mut text = String::new();
    let mut records_json = Vec::new();
    let path = crate::output::shown_path(&args.file);
    let _ = writeln!(
        text,
        "{path} · layout {} · encoding {}",
        layout.id, profile.charset
    );
    let mut shown = 0u64;
    while shown < args.records
        && reader
            .read_record(&mut rec)
            .map_err(|e| CliError::io(format!("{path}: {e}")))?
    {
        shown += 1;
        let problems: Vec<String> = rec.problems.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            text,
            "\nrecord {} · byte {} · {} · {} bytes{}",
            rec.number,
            rec.offset,
            role_name(rec.role),
            rec.bytes.len(),
            if problems.is_empty() {
                String::new()
            } else {
                format!(" · PROBLEM: {}", problems.join("; "))
            }
        );
        let mut items_json = Vec::new();
        slicer.decode_by_role(&rec, &layout, &profile, |item, sl, value, issues| {
            let public = args.show_values || item.domain == DomainType::RecordType;
            let shown_value = if public {
                value.to_string()
            } else {
                mask(value)
            };
            let hex = sl
                .bytes
                .map(|b| ikou_cleanse::mask::hex_masked(b, issues, public))
                .unwrap_or_default();
            let mut notes: Vec<String> = sl.problems.iter().map(ToString::to_string).collect();
            notes.extend(issues.iter().map(ToString::to_string));
            let _ = writeln!(
                text,
                "  {:>3} {:<16} @{:<4} {:>3}B  [{}]  {}",
                item.number,
                item.key,
                sl.offset,
                sl.bytes.map_or(0, <[u8]>::len),
                shown_value,
                hex
            );
            for n in &notes {
                let _ = writeln!(text, "        ! {n}");
            }
            if args.json {
                let issues_json: Vec<_> = issues
                    .iter()
                    .map(|i| {
                        let mut v = serde_json::to_value(i).unwrap_or_default();
                        if let (false, DecodeIssueKind::GaijiMapped { .. }) =
                            (args.show_values, &i.kind)
                        {
                            // The replacement is a character of a value: show its shape only.
                            if let Some(o) = v.as_object_mut() {
                                o.remove("replacement");
                            }
                        }
                        v["message"] = serde_json::Value::String(i.to_string());
                        v
                    })
                    .collect();
                items_json.push(serde_json::json!({
                    "number": item.number,
                    "key": item.key,
                    "name": item.name,
                    "offset": sl.offset,
                    "length": sl.bytes.map_or(0, <[u8]>::len),
                    "hex": hex,
                    "text": shown_value,
                    "masked": !public,
                    "slice_problems": sl.problems,
                    "issues": issues_json,
                }));
            }
        });
        if args.json {
            records_json.push(serde_json::json!({
                "number": rec.number,
                "offset": rec.offset,
                "role": role_name(rec.role),
                "length": rec.bytes.len(),
                "problems": rec.problems.iter().map(|p| {
                    let mut v = serde_json::to_value(p).unwrap_or_default();
                    v["message"] = serde_json::Value::String(p.to_string());
                    v
                }).collect::<Vec<_>>(),
                "items": items_json,
            }));
        }
    }
    let s = reader.summary();
    if shown == 0 {
        let _ = writeln!(
            text,
            "\nno records{}",
            if s.eof_marker.is_some() {
                " (only a DOS EOF byte)"
            } else {
                ""
            }
        );
    }
    if cut.get() {
        let _ = writeln!(
            text,
            "\nstopped reading at byte {limit} (the limit for --records {}): the file goes on",
            args.records
        );
    }
    if let Some(off) = s.eof_marker {
        let _ = writeln!(text, "\nDOS EOF byte 0x1A at byte {off} (not a record)");
    }
    if args.json {
        print_json(&serde_json::json!({
            "path": path,
            "layout": layout.id,
            "encoding": profile.charset,
            "records": records_json,
            "summary": s,
            "stopped_at": cut.get().then_some(limit),
        }))?;
    } else {
        print(&text)?;
    }
    Ok(OK)
}
