//! `ikou detect FILE… [--json]`: what the bytes are, with the reasons.

use crate::exit::{CliResult, IO, OK};
use crate::output::{print, print_json, shown_path, terminal_safe_lines};
use clap::Args;
use ikou_cleanse::detect::{detect_file, Detection, Structure};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Reads a bounded amount of each file (the whole file up to 1 MiB, else the head (64 KiB), 16 samples of 8 KiB
spread through it and the tail), so even a 10 GB file is answered at once. A pipe or a
device (`/dev/stdin`, a FIFO, `<(…)`) cannot be sampled: only its first 1 MiB is read, and
the answer says so.

Encodings: ascii, utf-8, utf-16le, utf-16be, cp932 (Shift_JIS as Windows reads it),
euc-jp, iso-2022-jp, binary, unknown, and the host (mainframe) code pages ibm-930, ibm-939,
ibm-1390, ibm-1399, jef[-ebcdic|-ebcdik|-ascii], keis78/keis83[-ebcdic|-ebcdik],
jips[-ebcdik|-jis8]. EBCDIC-family data (0x40 spaces, F0–F9 digits, no line terminators)
is reported with the families that fit (ibm: SO/SI, jef: K/A, keis: 0A42/0A41, jips:
3F75/3F76); when more than one fits (no shift codes), the encoding is `unknown`.

Examples:
  ikou detect legacy.dat
  ikou detect *.csv --json

JSON keys per file: path, encoding, confidence, bom, newline, eof_marker, structure,
census, gaiji, findings [{kind, byte_offset, message}], reasons, candidates; for host data
also host {bytes, space_40, space_20, digits_f0_f9, digits_30_39, newline_bytes,
families [{family, shift_ins, shift_runs_ok, shift_runs_bad, fits, problems,
labels [{label, problems}]}]}.
Exit codes: 0 all files read; 3 a file could not be read (the others are still reported).";

/// `ikou detect` arguments.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DetectArgs {
    /// Files to examine.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print a JSON array, one object per file.
    #[arg(long)]
    pub json: bool,
}

fn structure_text(s: &Structure) -> String {
    match s {
        Structure::Fixed {
            record_length,
            terminated,
        } => format!(
            "fixed-length records of {record_length} bytes{}",
            if *terminated {
                ""
            } else {
                " (no line terminators)"
            }
        ),
        Structure::Delimited { delimiter, fields } => {
            let d = if delimiter == "\t" {
                "tab".to_string()
            } else {
                format!("'{delimiter}'")
            };
            format!("delimited by {d}, {fields} fields")
        }
        Structure::Lines => "lines of varying length".into(),
        Structure::Unknown => "no record structure found".into(),
    }
}

fn human(d: &Detection, path: &str, s: &mut String) {
    let _ = writeln!(
        s,
        "{path}: {} (confidence {:.2}){}{}",
        d.encoding,
        d.confidence,
        d.bom.map(|b| format!(", BOM {b}")).unwrap_or_default(),
        if d.eof_marker {
            ", DOS EOF 0x1A at end"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "  newline {} · {} · {} bytes{}",
        d.newline.as_str(),
        structure_text(&d.structure),
        d.size,
        if d.sampled {
            format!(" ({} examined)", d.examined)
        } else {
            String::new()
        }
    );
    let c = &d.census;
    if c.double_byte > 0 || c.halfwidth_kana > 0 {
        let _ = writeln!(
            s,
            "  census: NEC row 13 {} · NEC-selected IBM (ED/EE) {} · IBM (FA–FC) {} · 外字 (F0–F9) {} · half-width kana {}",
            c.nec_row13, c.nec_selected_ibm, c.ibm_extension, c.user_defined, c.halfwidth_kana
        );
    }
    if let Some(h) = &d.host {
        for f in &h.families {
            let _ = writeln!(
                s,
                "  host family {}: {} shift-in codes, {} shifted runs decode, {} do not · {}",
                f.family,
                f.shift_ins,
                f.shift_runs_ok,
                f.shift_runs_bad,
                if f.fits.is_empty() {
                    format!("does not fit ({} problems)", f.problems)
                } else {
                    format!("fits as {}", f.fits.join(", "))
                }
            );
        }
    }
    for r in &d.reasons {
        let _ = writeln!(s, "  why: {r}");
    }
    for f in d.findings.iter().take(20) {
        let kind = serde_json::to_value(f.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  finding {kind} at byte {}: {}",
            f.byte_offset, f.message
        );
    }
    if d.findings.len() > 20 {
        let _ = writeln!(
            s,
            "  … {} more findings (--json lists up to 100)",
            d.findings.len() - 20
        );
    }
}

/// Runs `ikou detect`.
pub fn run(args: DetectArgs) -> CliResult {
    let mut code = OK;
    let mut json = Vec::new();
    let mut text = String::new();
    for f in &args.files {
        match detect_file(f) {
            Ok(d) => {
                if args.json {
                    json.push(serde_json::to_value(&d).unwrap_or_default());
                } else {
                    human(&d, &shown_path(f), &mut text);
                }
            }
            Err(e) => {
                code = IO;
                let msg = terminal_safe_lines(&format!("{}: {e}", shown_path(f)));
                if args.json {
                    json.push(serde_json::json!({ "path": f.display().to_string(), "error": e.to_string() }));
                }
                let _ = writeln!(std::io::stderr(), "ikou: {msg}");
            }
        }
    }
    if args.json {
        print_json(&json)?;
    } else {
        print(&text)?;
    }
    Ok(code)
}
