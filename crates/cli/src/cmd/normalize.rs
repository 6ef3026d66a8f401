//! `ikou normalize --as TYPE [VALUE…]`: apply one domain type's cleansing rules to values
//! and show every change.

use crate::exit::{CliError, CliResult, DATA, OK};
use crate::output::print;
use clap::{Args, ValueEnum};
use ikou_cleanse::rules::{cleanse, Cleansed, RuleOptions};
use ikou_cleanse::wareki::DatePolicy;
use ikou_cleanse::{Edit, Finding};
use ikou_layout_spec::{DateForm, DomainType, VariantPolicy};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{BufRead, Read as _};

/// The longest standard-input line `normalize` takes: 16 MiB (a value is one field of a
/// record; the cleansed copies of a 16 MiB value stay well under 200 MB). A longer line is
/// refused without being read into memory whole.
pub const MAX_LINE_BYTES: u64 = 16 << 20;

/// The largest `--zero-pad`: 1024 digits (the widest number item of any layout is far less).
pub const MAX_ZERO_PAD: u64 = 1024;

const AFTER_HELP: &str = "\
Without VALUEs, reads standard input as UTF-8, one value per line; only the line terminator
(LF or CR LF) is removed, so leading and trailing spaces are part of the value; a line
longer than 16 MiB is an error (exit 2). Prints one
result per value, in order: the cleansed value and the rules that changed it, or the error.
The rules and their ids are listed in docs/RULES.md.

Examples:
  ikou normalize --as kana 'ﾔﾏﾀﾞ ﾀﾛｳ'
  ikou normalize --as date H01.01.08 平成元年１月８日 3300300
  ikou normalize --as date --date-policy lenient --json 平成31年5月1日
  ikou normalize --as date --date-output era_kanji 1989-01-08
  ikou normalize --as address --variants jis '1-2〜3'
  ikou normalize --as individual_number 123456789018
  ikou normalize --as amount -- -1234
  iconv -f CP932 -t UTF-8 names.txt | ikou normalize --as kanji_name --json

Exit codes: 0 every value is valid; 1 at least one value could not be made valid;
2 usage error (also: standard input that is not UTF-8).";

/// How strictly dates are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DatePolicyArg {
    /// Impossible era dates (平成31年5月1日) are errors.
    Strict,
    /// Dates written after their era ended are re-era'd (平成31年5月1日 → 令和元年5月1日).
    Lenient,
}

/// The target form of the CP932/JIS variant characters (〜/～, ∥/‖, −/－, ―/—, ¢ £ ¬).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VariantsArg {
    /// Leave them as they are.
    Keep,
    /// The Microsoft CP932 forms (～ ∥ － ― ￠ ￡ ￢).
    Cp932,
    /// The JIS X 0208 forms (〜 ‖ − — ¢ £ ¬).
    Jis,
}

/// A date form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum DateFormArg {
    /// Any form (input only).
    Auto,
    /// ISO 8601: 1989-01-08.
    Iso,
    /// 19890108.
    Yyyymmdd,
    /// 1-digit 元号コード + YYMMDD: 4010108.
    EraCode1,
    /// 2-digit 年号コード + YYMMDD: 04010108.
    EraCode2,
    /// H01.01.08.
    EraLetter,
    /// 平成元年1月8日.
    EraKanji,
}

impl DateFormArg {
    fn form(self) -> DateForm {
        match self {
            DateFormArg::Auto => DateForm::Auto,
            DateFormArg::Iso => DateForm::Iso,
            DateFormArg::Yyyymmdd => DateForm::Yyyymmdd,
            DateFormArg::EraCode1 => DateForm::EraCode1,
            DateFormArg::EraCode2 => DateForm::EraCode2,
            DateFormArg::EraLetter => DateForm::EraLetter,
            DateFormArg::EraKanji => DateForm::EraKanji,
        }
    }
}

fn domain_names() -> Vec<&'static str> {
    DomainType::ALL.iter().map(|d| d.as_str()).collect()
}

fn parse_domain(s: &str) -> Result<DomainType, String> {
    DomainType::from_name(s).ok_or_else(|| {
        format!(
            "unknown domain type `{s}` (one of: {})",
            domain_names().join(", ")
        )
    })
}

/// `ikou normalize`
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct NormalizeArgs {
    /// The domain type whose rules to apply: text, fullwidth, kana, kanji_name, date, code,
    /// digits, amount, address, postal_code, phone, individual_number, resident_code,
    /// lg_code, record_type, filler.
    #[arg(long = "as", value_name = "TYPE", value_parser = parse_domain)]
    pub domain: DomainType,
    /// Print one JSON object per value (input, output, ok, partial, changes, error,
    /// findings).
    #[arg(long)]
    pub json: bool,
    /// Dates: strict (impossible era dates are errors) or lenient (re-era them).
    #[arg(long, value_enum, default_value = "strict")]
    pub date_policy: DatePolicyArg,
    /// Unify the CP932/JIS variant characters to one form.
    #[arg(long, value_enum, default_value = "keep")]
    pub variants: VariantsArg,
    /// Dates: the form the values are written in.
    #[arg(long, value_enum, value_name = "FORM", default_value = "auto")]
    pub date_form: DateFormArg,
    /// Dates: the form to write them in.
    #[arg(long, value_enum, value_name = "FORM", default_value = "iso")]
    pub date_output: DateFormArg,
    /// Zero-pad digit strings to N digits (digits, code and the number types).
    /// N is 1 to 1024.
    #[arg(long, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_ZERO_PAD))]
    pub zero_pad: Option<usize>,
    /// Do not treat trailing spaces as fixed-length padding (no `padding.trailing`).
    #[arg(long)]
    pub keep_padding: bool,
    /// カナ: accept ・ ＝ ゠, the separators of foreign residents' names.
    #[arg(long)]
    pub kana_separators: bool,
    /// The values (without them: standard input, one value per line).
    #[arg(value_name = "VALUE", allow_hyphen_values = true)]
    pub values: Vec<String>,
}

impl NormalizeArgs {
    fn options(&self) -> RuleOptions {
        RuleOptions {
            date_form: self.date_form.form(),
            date_output: self.date_output.form(),
            date_policy: match self.date_policy {
                DatePolicyArg::Strict => DatePolicy::Strict,
                DatePolicyArg::Lenient => DatePolicy::Lenient,
            },
            variant_policy: match self.variants {
                VariantsArg::Keep => VariantPolicy::Keep,
                VariantsArg::Cp932 => VariantPolicy::Cp932,
                VariantsArg::Jis => VariantPolicy::Jis,
            },
            zero_pad_to: self.zero_pad,
            strip_padding: !self.keep_padding,
            edit_text: true,
            kana_separators: self.kana_separators,
        }
    }
}

/// One `--json` output line.
#[derive(Serialize)]
struct JsonLine<'a> {
    input: &'a str,
    output: Option<&'a str>,
    ok: bool,
    partial: bool,
    changes: &'a [Edit],
    error: Option<String>,
    findings: &'a [Finding],
}

/// Output written so far, flushed in chunks.
struct Out {
    buf: String,
    failed: bool,
}

impl Out {
    fn flush(&mut self) -> Result<(), CliError> {
        print(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    fn result(&mut self, input: &str, c: &Cleansed<'_>, json: bool) -> Result<(), CliError> {
        let ok = c.is_ok();
        self.failed |= !ok;
        let reason = || {
            c.errors()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        if json {
            let line = JsonLine {
                input,
                output: c.output(),
                ok,
                partial: c.is_partial(),
                changes: &c.edits,
                error: if ok { None } else { Some(reason()) },
                findings: &c.findings,
            };
            let v = serde_json::to_string(&line)
                .map_err(|e| CliError::io(format!("serialising JSON: {e}")))?;
            self.buf.push_str(&v);
            self.buf.push('\n');
        } else if ok {
            self.buf.push_str(&c.value);
            if !c.edits.is_empty() {
                let rules: Vec<&str> = c.edits.iter().map(|e| e.rule.as_str()).collect();
                let _ = write!(self.buf, "\t[{}]", rules.join(", "));
            }
            let flags: Vec<&str> = c.findings.iter().map(|f| f.kind.as_str()).collect();
            if !flags.is_empty() {
                let _ = write!(self.buf, "\t({})", flags.join(", "));
            }
            self.buf.push('\n');
        } else {
            let _ = writeln!(self.buf, "error: {}", reason());
        }
        if self.buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(())
    }
}

/// Runs `ikou normalize`.
pub fn run(args: NormalizeArgs) -> CliResult {
    let opts = args.options();
    let mut out = Out {
        buf: String::new(),
        failed: false,
    };
    if args.values.is_empty() {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut line = Vec::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let n = (&mut input)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| CliError::io(format!("reading standard input: {e}")))?;
            if n == 0 {
                break;
            }
            number += 1;
            let body = line.len() - usize::from(line.last() == Some(&b'\n'));
            if body as u64 > MAX_LINE_BYTES {
                out.flush()?;
                return Err(CliError::usage(format!(
                    "standard input line {number} is longer than {} MiB, the limit for one value (one value per line)",
                    MAX_LINE_BYTES >> 20
                )));
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            let Ok(value) = std::str::from_utf8(&line) else {
                out.flush()?;
                return Err(CliError::usage(format!(
                    "standard input line {number} is not UTF-8"
                )));
            };
            let c = cleanse(args.domain, value, &opts);
            out.result(value, &c, args.json)?;
        }
    } else {
        for value in &args.values {
            let c = cleanse(args.domain, value, &opts);
            out.result(value, &c, args.json)?;
        }
    }
    out.flush()?;
    Ok(if out.failed { DATA } else { OK })
}
