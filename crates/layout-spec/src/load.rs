//! Loading layout (TOML) and code-table (CSV) spec files into the typed model.
//!
//! Loading never stops at the first problem: it collects every problem it can find,
//! each with its file, line and item key.

use crate::error::{SpecError, SpecErrorKind, SpecErrors, SpecPosition};
use crate::model::*;
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

type Span = std::ops::Range<usize>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    gyomu: String,
    family: Spanned<String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    version: String,
    status: Spanned<String>,
    #[serde(default = "default_encoding")]
    encoding: String,
    #[serde(default)]
    note: Option<String>,
    format: Spanned<RawFormat>,
    #[serde(default)]
    items: Vec<Spanned<RawItem>>,
    #[serde(default)]
    record_types: Option<Spanned<RawRecordTypes>>,
}

fn default_encoding() -> String {
    "cp932".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormat {
    kind: String,
    #[serde(default)]
    record_length: Option<i64>,
    #[serde(default)]
    terminator: Option<String>,
    #[serde(default)]
    delimiter: Option<String>,
    #[serde(default)]
    quote: Option<String>,
    #[serde(default)]
    header_rows: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    number: i64,
    name: String,
    key: String,
    #[serde(rename = "type")]
    domain: String,
    length: i64,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    repeat: Option<i64>,
    #[serde(default)]
    code_table: Option<String>,
    #[serde(default)]
    date_form: Option<String>,
    #[serde(default)]
    padding: Option<String>,
    #[serde(default)]
    zero_pad: bool,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordTypes {
    offset: i64,
    length: i64,
    data: String,
    #[serde(default)]
    header: Option<RawSubRecord>,
    #[serde(default)]
    trailer: Option<RawSubRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubRecord {
    code: String,
    #[serde(default)]
    count_item: Option<String>,
    #[serde(default)]
    items: Vec<Spanned<RawItem>>,
}

/// Maps byte offsets of a source text to 1-based line numbers.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    fn line(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

struct Ctx<'a> {
    file: &'a str,
    lines: Lines,
    errors: Vec<SpecError>,
}

impl Ctx<'_> {
    fn push(&mut self, span: Span, item: Option<&str>, kind: SpecErrorKind) {
        let line = self.lines.line(span.start);
        self.errors.push(SpecError {
            position: SpecPosition {
                file: self.file.to_string(),
                line: Some(line),
                item: item.map(str::to_string),
            },
            kind,
        });
    }
}

fn invalid(field: &str, message: impl Into<String>) -> SpecErrorKind {
    SpecErrorKind::InvalidField {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Parses a layout spec (TOML) and checks it.
///
/// `file` names the source in error positions. Code-table references are not checked here
/// (see [`crate::Catalog`], which knows the tables).
///
/// # Errors
/// Every problem found, each with its file, line and item key.
///
/// # Example
/// ```
/// let text = r#"
/// id = "legacy/tiny"
/// name = "小さな例"
/// family = "legacy"
/// status = "synthetic"
/// [format]
/// kind = "fixed"
/// record_length = 12
/// terminator = "crlf"
/// [[items]]
/// number = 1
/// name = "宛名番号"
/// key = "atena_no"
/// type = "digits"
/// length = 8
/// [[items]]
/// number = 2
/// name = "性別"
/// key = "sex"
/// type = "code"
/// length = 4
/// "#;
/// let layout = ikou_layout_spec::parse_layout(text, "tiny.toml").unwrap();
/// assert_eq!(layout.items[1].offset, Some(8));
/// ```
pub fn parse_layout(text: &str, file: &str) -> Result<Layout, SpecErrors> {
    parse_layout_lines(text, file).map(|(layout, _)| layout)
}

/// Like [`parse_layout`], also returning the 1-based line of each data item.
pub(crate) fn parse_layout_lines(text: &str, file: &str) -> Result<(Layout, Vec<usize>), SpecErrors> {
    let mut ctx = Ctx {
        file,
        lines: Lines::new(text),
        errors: Vec::new(),
    };
    let raw: RawLayout = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().to_string();
            ctx.push(span, None, SpecErrorKind::Syntax(msg));
            return Err(SpecErrors(ctx.errors));
        }
    };
    let mut item_lines = Vec::new();
    let layout = build_layout(raw, &mut ctx, &mut item_lines);
    if ctx.errors.is_empty() {
        if let Some(layout) = layout {
            return Ok((layout, item_lines));
        }
    }
    Err(SpecErrors(ctx.errors))
}

fn build_layout(raw: RawLayout, ctx: &mut Ctx<'_>, item_lines: &mut Vec<usize>) -> Option<Layout> {
    let family = match raw.family.get_ref().as_str() {
        "legacy" => Some(Family::Legacy),
        "chukan" => Some(Family::Chukan),
        "standard" => Some(Family::Standard),
        other => {
            ctx.push(
                raw.family.span(),
                None,
                invalid("family", format!("`{other}`; expected legacy, chukan or standard")),
            );
            None
        }
    };
    let status = match raw.status.get_ref().as_str() {
        "verified" => Some(Status::Verified),
        "unverified-transcription" => Some(Status::UnverifiedTranscription),
        "synthetic" => Some(Status::Synthetic),
        other => {
            ctx.push(
                raw.status.span(),
                None,
                invalid(
                    "status",
                    format!("`{other}`; expected verified, unverified-transcription or synthetic"),
                ),
            );
            None
        }
    };
    let id = raw.id.get_ref().clone();
    if let Some(family) = family {
        if !id.starts_with(&format!("{}/", family.as_str())) || id.len() <= family.as_str().len() + 1
        {
            ctx.push(
                raw.id.span(),
                None,
                invalid("id", format!("`{id}` must be `{family}/<name>`")),
            );
        }
    }
    let format_span = raw.format.span();
    let format = build_format(raw.format.into_inner(), format_span.clone(), ctx);
    let fixed = matches!(format, Some(PhysicalFormat::Fixed { .. }));
    let default_unit = if fixed {
        LengthUnit::Bytes
    } else {
        LengthUnit::Chars
    };
    let (items, spans) = build_items(raw.items, default_unit, ctx);
    item_lines.extend(spans.iter().map(|s| ctx.lines.line(s.start)));
    if let (Some(PhysicalFormat::Fixed { record_length, .. }), Some(items)) = (&format, &items) {
        check_fixed(items, &spans, u64::from(*record_length), format_span.clone(), ctx);
    }
    let record_types = match raw.record_types {
        None => None,
        Some(rt) => {
            let span = rt.span();
            let rt = rt.into_inner();
            build_record_types(rt, span, &format, default_unit, ctx)
        }
    };
    Some(Layout {
        id,
        name: raw.name,
        gyomu: raw.gyomu,
        family: family?,
        source: raw.source,
        version: raw.version,
        status: status?,
        encoding: raw.encoding,
        format: format?,
        items: items?,
        record_types,
        note: raw.note,
    })
}

fn parse_terminator(s: Option<&str>) -> Result<Terminator, String> {
    Ok(match s.unwrap_or("crlf") {
        "none" => Terminator::None,
        "crlf" => Terminator::Crlf,
        "lf" => Terminator::Lf,
        "cr" => Terminator::Cr,
        "any" => Terminator::Any,
        other => return Err(format!("`{other}`; expected none, crlf, lf, cr or any")),
    })
}

fn single_byte(field: &str, s: &str) -> Result<u8, SpecErrorKind> {
    let unescaped = match s {
        "\\t" => "\t",
        other => other,
    };
    match unescaped.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(invalid(
            field,
            format!("`{s}` must be a single ASCII character"),
        )),
    }
}

fn build_format(
    raw: RawFormat,
    span: Span,
    ctx: &mut Ctx<'_>,
) -> Option<PhysicalFormat> {
    let terminator = match parse_terminator(raw.terminator.as_deref()) {
        Ok(t) => t,
        Err(m) => {
            ctx.push(span, None, invalid("format.terminator", m));
            return None;
        }
    };
    match raw.kind.as_str() {
        "fixed" => {
            let Some(len) = raw.record_length else {
                ctx.push(
                    span,
                    None,
                    invalid("format.record_length", "required for a fixed-length format"),
                );
                return None;
            };
            if !(1..=1_048_576).contains(&len) {
                ctx.push(
                    span,
                    None,
                    SpecErrorKind::ImpossibleLength {
                        length: len.max(0) as u64,
                        reason: "record_length must be between 1 and 1048576 bytes".into(),
                    },
                );
                return None;
            }
            Some(PhysicalFormat::Fixed {
                record_length: len as u32,
                terminator,
            })
        }
        "delimited" => {
            let delimiter = match single_byte("format.delimiter", raw.delimiter.as_deref().unwrap_or(","))
            {
                Ok(b) => b,
                Err(k) => {
                    ctx.push(span, None, k);
                    return None;
                }
            };
            let quote = match raw.quote.as_deref() {
                Some("") => None,
                q => match single_byte("format.quote", q.unwrap_or("\"")) {
                    Ok(b) => Some(b),
                    Err(k) => {
                        ctx.push(span, None, k);
                        return None;
                    }
                },
            };
            let header_rows = raw.header_rows.unwrap_or(0);
            if !(0..=1000).contains(&header_rows) {
                ctx.push(span, None, invalid("format.header_rows", "must be 0..=1000"));
                return None;
            }
            if terminator == Terminator::None {
                ctx.push(
                    span,
                    None,
                    invalid("format.terminator", "a delimited format needs a terminator"),
                );
                return None;
            }
            Some(PhysicalFormat::Delimited {
                delimiter,
                quote,
                header_rows: header_rows as u32,
                terminator,
            })
        }
        other => {
            ctx.push(
                span,
                None,
                invalid("format.kind", format!("`{other}`; expected fixed or delimited")),
            );
            None
        }
    }
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !key.as_bytes()[0].is_ascii_digit()
}

fn build_items(
    raw: Vec<Spanned<RawItem>>,
    default_unit: LengthUnit,
    ctx: &mut Ctx<'_>,
) -> (Option<Vec<Item>>, Vec<Span>) {
    let mut items = Vec::with_capacity(raw.len());
    let mut spans = Vec::with_capacity(raw.len());
    let mut ok = true;
    let mut numbers: HashMap<u32, String> = HashMap::new();
    let mut keys: HashMap<String, ()> = HashMap::new();
    let mut next_offset: u64 = 0;
    for spanned in raw {
        let span = spanned.span();
        spans.push(span.clone());
        let r = spanned.into_inner();
        let key = r.key.clone();
        let mut item_ok = true;
        let err = |ctx: &mut Ctx<'_>, kind| {
            ctx.push(span.clone(), Some(&key), kind);
        };
        if !valid_key(&r.key) {
            err(ctx, SpecErrorKind::InvalidKey(r.key.clone()));
            item_ok = false;
        }
        if keys.insert(r.key.clone(), ()).is_some() {
            err(ctx, SpecErrorKind::DuplicateKey(r.key.clone()));
            item_ok = false;
        }
        let number = match u32::try_from(r.number) {
            Ok(n) => n,
            Err(_) => {
                err(ctx, invalid("number", format!("{} is not a valid item number", r.number)));
                item_ok = false;
                0
            }
        };
        if item_ok || number != 0 {
            if let Some(first) = numbers.get(&number) {
                err(
                    ctx,
                    SpecErrorKind::DuplicateNumber {
                        number,
                        first: first.clone(),
                    },
                );
                item_ok = false;
            } else {
                numbers.insert(number, r.key.clone());
            }
        }
        let domain = DomainType::from_name(&r.domain);
        if domain.is_none() {
            err(ctx, SpecErrorKind::UnknownDomainType(r.domain.clone()));
            item_ok = false;
        }
        let length = if (1..=65_535).contains(&r.length) {
            r.length as u32
        } else {
            err(
                ctx,
                SpecErrorKind::ImpossibleLength {
                    length: r.length.max(0) as u64,
                    reason: "an item's length must be between 1 and 65535".into(),
                },
            );
            item_ok = false;
            1
        };
        let repeat = match r.repeat {
            None => 1,
            Some(n) if (1..=10_000).contains(&n) => n as u32,
            Some(n) => {
                err(ctx, invalid("repeat", format!("{n}; must be 1..=10000")));
                item_ok = false;
                1
            }
        };
        let unit = match r.unit.as_deref() {
            None => default_unit,
            Some("bytes") => LengthUnit::Bytes,
            Some("chars") => LengthUnit::Chars,
            Some(other) => {
                err(ctx, invalid("unit", format!("`{other}`; expected bytes or chars")));
                item_ok = false;
                default_unit
            }
        };
        let date_form = match r.date_form.as_deref() {
            None => None,
            Some(s) => match parse_date_form(s) {
                Some(f) => Some(f),
                None => {
                    err(
                        ctx,
                        invalid(
                            "date_form",
                            format!("`{s}`; expected auto, era_code1, era_code2, era_letter, era_kanji, yyyymmdd or iso"),
                        ),
                    );
                    item_ok = false;
                    None
                }
            },
        };
        let padding = match r.padding.as_deref() {
            None | Some("spaces") => Padding::Spaces,
            Some("none") => Padding::None,
            Some(other) => {
                err(ctx, invalid("padding", format!("`{other}`; expected spaces or none")));
                item_ok = false;
                Padding::Spaces
            }
        };
        let offset = match r.offset {
            None => {
                if default_unit == LengthUnit::Bytes {
                    Some(next_offset as u32)
                } else {
                    None
                }
            }
            Some(o) if (0..=1_048_576).contains(&o) => Some(o as u32),
            Some(o) => {
                err(ctx, invalid("offset", format!("{o} is out of range")));
                item_ok = false;
                None
            }
        };
        if let Some(o) = offset {
            next_offset = u64::from(o) + u64::from(length) * u64::from(repeat);
        }
        ok &= item_ok;
        items.push(Item {
            number,
            name: r.name,
            key: r.key,
            domain: domain.unwrap_or(DomainType::Text),
            length,
            unit,
            offset,
            required: r.required,
            repeat,
            code_table: r.code_table,
            date_form,
            padding,
            zero_pad: r.zero_pad,
            note: r.note,
        });
    }
    (ok.then_some(items), spans)
}

fn parse_date_form(s: &str) -> Option<DateForm> {
    Some(match s {
        "auto" => DateForm::Auto,
        "era_code1" => DateForm::EraCode1,
        "era_code2" => DateForm::EraCode2,
        "era_letter" => DateForm::EraLetter,
        "era_kanji" => DateForm::EraKanji,
        "yyyymmdd" => DateForm::Yyyymmdd,
        "iso" => DateForm::Iso,
        _ => return None,
    })
}

/// Checks a fixed-length item list: units, overlaps, gaps and the length sum.
fn check_fixed(
    items: &[Item],
    spans: &[Span],
    record_length: u64,
    format_span: Span,
    ctx: &mut Ctx<'_>,
) {
    let mut ranges: Vec<(u64, u64, &Item, &Span)> = Vec::new();
    for (item, span) in items.iter().zip(spans) {
        if item.unit == LengthUnit::Chars {
            ctx.push(span.clone(), Some(&item.key), SpecErrorKind::CharsInFixed);
        }
        if let Some(o) = item.offset {
            let start = u64::from(o);
            let end = start + item.byte_span();
            if end > record_length {
                ctx.push(
                    span.clone(),
                    Some(&item.key),
                    SpecErrorKind::ImpossibleLength {
                        length: item.byte_span(),
                        reason: format!(
                            "bytes {start}..{end} run past the record length {record_length}"
                        ),
                    },
                );
            }
            ranges.push((start, end, item, span));
        }
    }
    // Overlaps between items, in item order.
    let mut sorted = ranges.clone();
    sorted.sort_by_key(|(s, e, _, _)| (*s, *e));
    let mut reach: Option<(u64, u64, &Item)> = None;
    for &(s1, e1, b, span) in &sorted {
        if let Some((s0, e0, a)) = reach {
            if s1 < e0 {
                ctx.push(
                    span.clone(),
                    Some(&b.key),
                    SpecErrorKind::Overlap {
                        start: s1,
                        end: e1,
                        other: a.key.clone(),
                        other_start: s0,
                        other_end: e0,
                    },
                );
            }
        }
        if reach.is_none_or(|(_, e0, _)| e1 > e0) {
            reach = Some((s1, e1, b));
        }
    }
    // Gaps: reported at the item that follows the gap (or the format, at the end).
    let mut covered = 0u64;
    for (s, e, item, span) in &sorted {
        if *s > covered {
            ctx.push(
                (*span).clone(),
                Some(&item.key),
                SpecErrorKind::Gap {
                    start: covered,
                    end: *s,
                },
            );
        }
        covered = covered.max(*e);
    }
    if covered < record_length && !sorted.is_empty() {
        ctx.push(
            format_span.clone(),
            None,
            SpecErrorKind::Gap {
                start: covered,
                end: record_length,
            },
        );
    }
    let sum: u64 = items.iter().map(Item::byte_span).sum();
    if sum != record_length {
        ctx.push(
            format_span,
            None,
            SpecErrorKind::LengthSum { sum, record_length },
        );
    }
}

fn build_record_types(
    raw: RawRecordTypes,
    span: Span,
    format: &Option<PhysicalFormat>,
    default_unit: LengthUnit,
    ctx: &mut Ctx<'_>,
) -> Option<RecordTypes> {
    if !(0..=1_048_576).contains(&raw.offset) || !(1..=64).contains(&raw.length) {
        ctx.push(
            span,
            None,
            invalid("record_types", "offset must be ≥ 0 and length 1..=64"),
        );
        return None;
    }
    let mut others = Vec::new();
    for (role, sub) in [
        (RecordRole::Header, raw.header),
        (RecordRole::Trailer, raw.trailer),
    ] {
        let Some(sub) = sub else { continue };
        let (items, spans) = build_items(sub.items, default_unit, ctx);
        let items = items?;
        if let Some(PhysicalFormat::Fixed { record_length, .. }) = format {
            check_fixed(&items, &spans, u64::from(*record_length), span.clone(), ctx);
        }
        if let Some(ci) = &sub.count_item {
            if !items.iter().any(|i| &i.key == ci) {
                ctx.push(
                    span.clone(),
                    Some(ci),
                    invalid("count_item", format!("no item `{ci}` in the trailer")),
                );
            }
        }
        others.push(SubRecord {
            role,
            code: sub.code,
            items,
            count_item: sub.count_item,
        });
    }
    Some(RecordTypes {
        offset: raw.offset as u32,
        length: raw.length as u32,
        data_code: raw.data,
        others,
    })
}

/// Parses a code table (CSV with the header `code,label`).
///
/// `name` is the table's name as items refer to it; `file` names the source in errors.
///
/// # Errors
/// A missing header, malformed rows and duplicate codes, each with its line.
///
/// # Example
/// ```
/// let t = ikou_layout_spec::parse_code_table("code,label\n1,男\n2,女\n", "seibetsu", "seibetsu.csv").unwrap();
/// assert_eq!(t.label("2"), Some("女"));
/// ```
pub fn parse_code_table(text: &str, name: &str, file: &str) -> Result<CodeTable, SpecErrors> {
    let mut errors = Vec::new();
    let pos = |line: Option<usize>| SpecPosition {
        file: file.to_string(),
        line,
        item: None,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    match rdr.headers() {
        Ok(h) if h.len() >= 2 && &h[0] == "code" && &h[1] == "label" => {}
        Ok(_) => errors.push(SpecError {
            position: pos(Some(1)),
            kind: SpecErrorKind::Syntax("a code table starts with the header `code,label`".into()),
        }),
        Err(e) => errors.push(SpecError {
            position: pos(Some(1)),
            kind: SpecErrorKind::Syntax(e.to_string()),
        }),
    }
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut seen: HashMap<String, ()> = HashMap::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => {
                let line = r.position().map(|p| p.line() as usize);
                let code = r.get(0).unwrap_or_default().to_string();
                let label = r.get(1).unwrap_or_default().to_string();
                if code.is_empty() {
                    errors.push(SpecError {
                        position: pos(line),
                        kind: SpecErrorKind::Syntax("empty code".into()),
                    });
                    continue;
                }
                if seen.insert(code.clone(), ()).is_some() {
                    errors.push(SpecError {
                        position: pos(line),
                        kind: SpecErrorKind::DuplicateCode(code.clone()),
                    });
                }
                entries.push((code, label));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                errors.push(SpecError {
                    position: pos(line),
                    kind: SpecErrorKind::Syntax(e.to_string()),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(CodeTable {
            name: name.to_string(),
            entries,
        })
    } else {
        Err(SpecErrors(errors))
    }
}
