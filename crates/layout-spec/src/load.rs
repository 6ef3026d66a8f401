//! Loading layout (TOML) and code-table (CSV) spec files into the typed model.
//!
//! Loading never stops at the first problem: it collects every problem it can find, each
//! with its file, line and item key. The TOML text is parsed into a spanned document tree
//! (syntax errors are recovered from where the parser can), and every table is then read
//! field by field, so that a wrong type, an unknown field or a missing field in one item
//! does not hide the problems of the others.

use crate::error::{SpecError, SpecErrorKind, SpecErrors, SpecPosition};
use crate::model::*;
use std::collections::HashMap;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

type Span = std::ops::Range<usize>;
type Val<'i> = Spanned<DeValue<'i>>;

/// The largest record length a fixed-length layout may declare (1 MiB).
pub const MAX_RECORD_LENGTH: u32 = 1_048_576;
/// The largest length of one item.
pub const MAX_ITEM_LENGTH: u32 = 65_535;
/// The largest repetition count of one item.
pub const MAX_REPEAT: u32 = 10_000;

const HEADER_FIELDS: &[&str] = &[
    "id",
    "name",
    "gyomu",
    "family",
    "source",
    "version",
    "status",
    "encoding",
    "note",
    "format",
    "items",
    "record_types",
    "official",
];
const OFFICIAL_FIELDS: &[&str] = &["file", "sheet", "sha256", "items_sha256"];
const FORMAT_FIELDS: &[&str] = &[
    "kind",
    "record_length",
    "terminator",
    "delimiter",
    "quote",
    "header_rows",
];
const ITEM_FIELDS: &[&str] = &[
    "number",
    "name",
    "key",
    "type",
    "length",
    "unit",
    "offset",
    "required",
    "repeat",
    "code_table",
    "date_form",
    "padding",
    "zero_pad",
    "note",
    "item_id",
    "data_type",
    "scale",
    "conditional",
    "condition",
    "primary_key",
    "foreign_key",
    "code_id",
    "representation",
    "digits",
    "decimals",
    "signed",
    "sign",
    "zone",
    "native",
    "item_kind",
    "encoding",
];
/// The item fields of the number forms (`representation` other than `display`).
const NUMBER_FIELDS: [&str; 6] = ["digits", "decimals", "signed", "sign", "zone", "native"];
/// The domain types a number form (zoned, packed, binary) may carry.
const NUMBER_DOMAINS: [DomainType; 9] = [
    DomainType::Amount,
    DomainType::Digits,
    DomainType::Code,
    DomainType::Date,
    DomainType::PostalCode,
    DomainType::IndividualNumber,
    DomainType::ResidentCode,
    DomainType::LgCode,
    DomainType::RecordType,
];
const RECORD_TYPES_FIELDS: &[&str] = &["offset", "length", "data", "header", "trailer"];
const SUB_RECORD_FIELDS: &[&str] = &["code", "count_item", "items"];

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

/// The line of every item of a loaded layout, for positions of later (cross-file) checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ItemLines {
    /// 1-based line of each data item.
    pub items: Vec<usize>,
    /// 1-based lines of the items of each entry of `record_types.others`.
    pub others: Vec<Vec<usize>>,
}

/// One TOML table, its fields checked against the names a spec allows.
struct Fields<'t, 'i> {
    span: Span,
    prefix: String,
    item: Option<String>,
    map: HashMap<&'t str, &'t Val<'i>>,
}

/// What a typed field lookup found.
enum Got<T> {
    Missing,
    Bad,
    Ok(T, Span),
}

impl<'t, 'i> Fields<'t, 'i> {
    /// Collects the fields of `table`, reporting every field not in `allowed`.
    fn new(
        table: &'t DeTable<'i>,
        span: Span,
        allowed: &[&str],
        prefix: &str,
        item: Option<String>,
        ctx: &mut Ctx<'_>,
    ) -> Fields<'t, 'i> {
        let mut map = HashMap::new();
        for (k, v) in table.iter() {
            let name: &str = k.get_ref().as_ref();
            if allowed.contains(&name) {
                map.insert(name, v);
            } else {
                ctx.push(
                    k.span(),
                    item.as_deref(),
                    SpecErrorKind::UnknownField {
                        field: format!("{prefix}{name}"),
                        expected: allowed.join(", "),
                    },
                );
            }
        }
        Fields {
            span,
            prefix: prefix.to_string(),
            item,
            map,
        }
    }

    fn field(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn wrong_type(&self, name: &str, v: &Val<'_>, expected: &str, ctx: &mut Ctx<'_>) {
        ctx.push(
            v.span(),
            self.item.as_deref(),
            invalid(
                &self.field(name),
                format!("expected {expected}, found {}", v.get_ref().type_str()),
            ),
        );
    }

    fn missing(&self, name: &str, ctx: &mut Ctx<'_>) {
        ctx.push(
            self.span.clone(),
            self.item.as_deref(),
            SpecErrorKind::MissingField(self.field(name)),
        );
    }

    fn raw(&self, name: &str) -> Option<&'t Val<'i>> {
        self.map.get(name).copied()
    }

    fn str(&self, name: &str, ctx: &mut Ctx<'_>) -> Got<String> {
        match self.raw(name) {
            None => Got::Missing,
            Some(v) => match v.get_ref().as_str() {
                Some(s) => Got::Ok(s.to_string(), v.span()),
                None => {
                    self.wrong_type(name, v, "a string", ctx);
                    Got::Bad
                }
            },
        }
    }

    /// A required field: reports it when missing.
    fn required<T>(&self, name: &str, got: Got<T>, ctx: &mut Ctx<'_>) -> Option<(T, Span)> {
        match got {
            Got::Ok(v, span) => Some((v, span)),
            Got::Missing => {
                self.missing(name, ctx);
                None
            }
            Got::Bad => None,
        }
    }

    fn req_str(&self, name: &str, ctx: &mut Ctx<'_>) -> Option<(String, Span)> {
        let got = self.str(name, ctx);
        self.required(name, got, ctx)
    }

    fn int(&self, name: &str, ctx: &mut Ctx<'_>) -> Got<i64> {
        match self.raw(name) {
            None => Got::Missing,
            Some(v) => match v.get_ref().as_integer() {
                Some(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                    Ok(n) => Got::Ok(n, v.span()),
                    Err(_) => {
                        ctx.push(
                            v.span(),
                            self.item.as_deref(),
                            invalid(&self.field(name), "integer out of range"),
                        );
                        Got::Bad
                    }
                },
                None => {
                    self.wrong_type(name, v, "an integer", ctx);
                    Got::Bad
                }
            },
        }
    }

    fn req_int(&self, name: &str, ctx: &mut Ctx<'_>) -> Option<(i64, Span)> {
        let got = self.int(name, ctx);
        self.required(name, got, ctx)
    }

    fn bool(&self, name: &str, ctx: &mut Ctx<'_>) -> Option<bool> {
        match self.raw(name) {
            None => Some(false),
            Some(v) => match v.get_ref().as_bool() {
                Some(b) => Some(b),
                None => {
                    self.wrong_type(name, v, "true or false", ctx);
                    None
                }
            },
        }
    }

    fn table(&self, name: &str, ctx: &mut Ctx<'_>) -> Got<&'t DeTable<'i>> {
        match self.raw(name) {
            None => Got::Missing,
            Some(v) => match v.get_ref().as_table() {
                Some(t) => Got::Ok(t, v.span()),
                None => {
                    self.wrong_type(name, v, "a table", ctx);
                    Got::Bad
                }
            },
        }
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

/// Like [`parse_layout`], also returning the 1-based line of each item.
pub(crate) fn parse_layout_lines(
    text: &str,
    file: &str,
) -> Result<(Layout, ItemLines), SpecErrors> {
    let mut ctx = Ctx {
        file,
        lines: Lines::new(text),
        errors: Vec::new(),
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            ctx.push(span, None, SpecErrorKind::Syntax(e.message().to_string()));
        }
        return Err(SpecErrors(ctx.errors));
    }
    let mut lines = ItemLines::default();
    let layout = build_layout(doc.get_ref(), &mut ctx, &mut lines);
    match layout {
        Some(layout) if ctx.errors.is_empty() => Ok((layout, lines)),
        _ => {
            if ctx.errors.is_empty() {
                // Defensive: a layout that could not be built always has a reason.
                ctx.push(0..0, None, SpecErrorKind::Syntax("invalid layout".into()));
            }
            Err(SpecErrors(ctx.errors))
        }
    }
}

fn valid_id_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.'
        })
        && !s.starts_with('.')
}

fn build_layout(doc: &DeTable<'_>, ctx: &mut Ctx<'_>, lines: &mut ItemLines) -> Option<Layout> {
    let f = Fields::new(doc, 0..0, HEADER_FIELDS, "", None, ctx);
    let id = f.req_str("id", ctx);
    let name = f.req_str("name", ctx);
    let gyomu = f.str("gyomu", ctx);
    let source = f.str("source", ctx);
    let version = f.str("version", ctx);
    let encoding = f.str("encoding", ctx);
    let note = f.str("note", ctx);
    let family = f.req_str("family", ctx).and_then(|(s, span)| {
        let fam = match s.as_str() {
            "legacy" => Some(Family::Legacy),
            "chukan" => Some(Family::Chukan),
            "standard" => Some(Family::Standard),
            _ => None,
        };
        if fam.is_none() {
            ctx.push(
                span,
                None,
                invalid(
                    "family",
                    format!("`{s}`; expected legacy, chukan or standard"),
                ),
            );
        }
        fam
    });
    let status = f.req_str("status", ctx).and_then(|(s, span)| {
        let st = match s.as_str() {
            "verified" => Some(Status::Verified),
            "unverified-transcription" => Some(Status::UnverifiedTranscription),
            "synthetic" => Some(Status::Synthetic),
            "official-import" => Some(Status::OfficialImport),
            _ => None,
        };
        if st.is_none() {
            ctx.push(
                span,
                None,
                invalid(
                    "status",
                    format!("`{s}`; expected verified, unverified-transcription, synthetic or official-import"),
                ),
            );
        }
        st
    });
    // The id is checked even when `family` is missing or invalid: every problem is reported.
    if let Some((id, span)) = &id {
        let ok = id.split_once('/').is_some_and(|(prefix, rest)| {
            valid_id_name(rest)
                && match family {
                    Some(family) => prefix == family.as_str(),
                    None => matches!(prefix, "legacy" | "chukan" | "standard"),
                }
        });
        if !ok {
            let expected = match family {
                Some(family) => format!("`{family}/<name>`"),
                None => "`<family>/<name>` (family legacy, chukan or standard)".to_string(),
            };
            ctx.push(
                span.clone(),
                None,
                invalid(
                    "id",
                    format!(
                        "`{id}` must be {expected} with a name of lower-case ASCII letters, digits, `-`, `_` or `.`"
                    ),
                ),
            );
        }
    }
    let encoding = match encoding {
        Got::Ok(e, span) => {
            if e.trim().is_empty() {
                ctx.push(span, None, invalid("encoding", "must not be empty"));
            }
            Some(e)
        }
        Got::Missing => Some("cp932".to_string()),
        Got::Bad => None,
    };

    let format = match f.table("format", ctx) {
        Got::Ok(t, span) => build_format(t, span, ctx),
        Got::Missing => {
            f.missing("format", ctx);
            None
        }
        Got::Bad => None,
    };
    let format_span = f.raw("format").map(|v| v.span()).unwrap_or(0..0);
    let fixed = matches!(format, Some(PhysicalFormat::Fixed { .. }));
    let delimited = matches!(format, Some(PhysicalFormat::Delimited { .. }));
    let default_unit = if delimited {
        LengthUnit::Chars
    } else {
        LengthUnit::Bytes
    };
    let rules = ItemRules {
        default_unit,
        fixed,
        delimited,
        encoding: encoding.clone().unwrap_or_default(),
    };

    let list = match f.raw("items") {
        None => ItemList {
            items: Some(Vec::new()),
            ..ItemList::default()
        },
        Some(v) => build_item_list(v, "items", &rules, ctx),
    };
    if list.items.is_some() {
        lines.items = list.spans.iter().map(|s| ctx.lines.line(s.start)).collect();
    }
    let items = list.items;
    if let Some(PhysicalFormat::Fixed { record_length, .. }) = &format {
        if items.as_ref().is_some_and(Vec::is_empty) {
            ctx.push(
                format_span.clone(),
                None,
                invalid("items", "a fixed-length layout needs at least one item"),
            );
        } else if !list.geometry.is_empty() {
            // Items with other problems still take part in the byte-range checks.
            check_fixed(
                &list.geometry,
                &list.spans,
                u64::from(*record_length),
                format_span.clone(),
                ctx,
            );
        }
    }

    let official = match f.table("official", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(t, span) => {
            let o = Fields::new(t, span, OFFICIAL_FIELDS, "official.", None, ctx);
            let file = o.req_str("file", ctx);
            let sheet = o.str("sheet", ctx);
            let sha256 = o.req_str("sha256", ctx);
            let items_sha256 = o.req_str("items_sha256", ctx);
            (|| {
                Some(Some(OfficialSource {
                    file: file?.0,
                    sheet: str_or_default(sheet)?,
                    sha256: sha256?.0,
                    items_sha256: items_sha256?.0,
                }))
            })()
        }
    };
    if let (Some(Status::OfficialImport), Some(None)) = (status, &official) {
        ctx.push(
            0..0,
            None,
            invalid(
                "status",
                "`official-import` needs an [official] table (file, sheet, sha256, items_sha256)",
            ),
        );
    }

    let record_types = match f.table("record_types", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(t, span) => build_record_types(
            t,
            span,
            format.as_ref(),
            items.as_deref(),
            &rules,
            ctx,
            lines,
        )
        .map(Some),
    };

    Some(Layout {
        id: id?.0,
        name: name?.0,
        gyomu: str_or_default(gyomu)?,
        family: family?,
        source: str_or_default(source)?,
        version: str_or_default(version)?,
        status: status?,
        encoding: encoding?,
        format: format?,
        items: items?,
        record_types: record_types?,
        note: match note {
            Got::Ok(n, _) => Some(n),
            Got::Missing => None,
            Got::Bad => return None,
        },
        official: official?,
    })
}

fn str_or_default(g: Got<String>) -> Option<String> {
    match g {
        Got::Ok(s, _) => Some(s),
        Got::Missing => Some(String::new()),
        Got::Bad => None,
    }
}

fn parse_terminator(s: &str) -> Option<Terminator> {
    Some(match s {
        "none" => Terminator::None,
        "crlf" => Terminator::Crlf,
        "lf" => Terminator::Lf,
        "cr" => Terminator::Cr,
        "any" => Terminator::Any,
        _ => return None,
    })
}

fn single_byte(s: &str) -> Option<u8> {
    let unescaped = match s {
        "\\t" => "\t",
        other => other,
    };
    match unescaped.as_bytes() {
        [b] if b.is_ascii() => Some(*b),
        _ => None,
    }
}

fn build_format(t: &DeTable<'_>, span: Span, ctx: &mut Ctx<'_>) -> Option<PhysicalFormat> {
    let f = Fields::new(t, span.clone(), FORMAT_FIELDS, "format.", None, ctx);
    let mut ok = true;
    let terminator = match f.str("terminator", ctx) {
        Got::Ok(s, tspan) => match parse_terminator(&s) {
            Some(t) => Some(t),
            None => {
                ctx.push(
                    tspan,
                    None,
                    invalid(
                        "format.terminator",
                        format!("`{s}`; expected none, crlf, lf, cr or any"),
                    ),
                );
                None
            }
        },
        Got::Missing => Some(Terminator::Crlf),
        Got::Bad => None,
    };
    let kind = f.req_str("kind", ctx)?;
    let only = |field: &str, kind: &str, ctx: &mut Ctx<'_>| {
        if let Some(v) = f.raw(field) {
            ctx.push(
                v.span(),
                None,
                invalid(
                    &format!("format.{field}"),
                    format!("not used by a {kind} format"),
                ),
            );
            false
        } else {
            true
        }
    };
    match kind.0.as_str() {
        "fixed" => {
            for field in ["delimiter", "quote", "header_rows"] {
                ok &= only(field, "fixed-length", ctx);
            }
            let record_length = match f.req_int("record_length", ctx) {
                Some((len, lspan)) => {
                    if (1..=i64::from(MAX_RECORD_LENGTH)).contains(&len) {
                        Some(len as u32)
                    } else {
                        ctx.push(
                            lspan,
                            None,
                            SpecErrorKind::ImpossibleLength {
                                length: len.max(0) as u64,
                                reason: format!(
                                    "record_length must be between 1 and {MAX_RECORD_LENGTH} bytes"
                                ),
                            },
                        );
                        None
                    }
                }
                None => None,
            };
            if !ok {
                return None;
            }
            Some(PhysicalFormat::Fixed {
                record_length: record_length?,
                terminator: terminator?,
            })
        }
        "delimited" => {
            ok &= only("record_length", "delimited", ctx);
            let delimiter = match f.str("delimiter", ctx) {
                Got::Ok(s, dspan) => {
                    match single_byte(&s) {
                        Some(b) if b != b'\r' && b != b'\n' => Some(b),
                        _ => {
                            ctx.push(
                            dspan,
                            None,
                            invalid(
                                "format.delimiter",
                                format!("`{s}` must be a single ASCII character other than CR or LF"),
                            ),
                        );
                            None
                        }
                    }
                }
                Got::Missing => Some(b','),
                Got::Bad => None,
            };
            let quote = match f.str("quote", ctx) {
                Got::Ok(s, _) if s.is_empty() => Some(None),
                Got::Ok(s, qspan) => match single_byte(&s) {
                    Some(b) if b != b'\r' && b != b'\n' && Some(b) != delimiter => Some(Some(b)),
                    _ => {
                        ctx.push(
                            qspan,
                            None,
                            invalid(
                                "format.quote",
                                format!("`{s}` must be empty or a single ASCII character other than CR, LF and the delimiter"),
                            ),
                        );
                        None
                    }
                },
                Got::Missing => Some(Some(b'"')),
                Got::Bad => None,
            };
            let header_rows = match f.int("header_rows", ctx) {
                Got::Ok(n, hspan) => {
                    if (0..=1000).contains(&n) {
                        Some(n as u32)
                    } else {
                        ctx.push(
                            hspan,
                            None,
                            invalid("format.header_rows", "must be 0..=1000"),
                        );
                        None
                    }
                }
                Got::Missing => Some(0),
                Got::Bad => None,
            };
            if terminator == Some(Terminator::None) {
                let tspan = f.raw("terminator").map(|v| v.span()).unwrap_or(span);
                ctx.push(
                    tspan,
                    None,
                    invalid("format.terminator", "a delimited format needs a terminator"),
                );
                return None;
            }
            if !ok {
                return None;
            }
            Some(PhysicalFormat::Delimited {
                delimiter: delimiter?,
                quote: quote?,
                header_rows: header_rows?,
                terminator: terminator?,
            })
        }
        other => {
            ctx.push(
                kind.1,
                None,
                invalid(
                    "format.kind",
                    format!("`{other}`; expected fixed or delimited"),
                ),
            );
            None
        }
    }
}

/// Whether an item key is valid: lower-case ASCII letters, digits and `_`, not starting with
/// a digit.
pub fn valid_key(key: &str) -> bool {
    key.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && key.bytes().next().is_some_and(|b| !b.is_ascii_digit())
}

/// What the items of one list may look like.
struct ItemRules {
    default_unit: LengthUnit,
    fixed: bool,
    delimited: bool,
    /// The layout's encoding label (empty when it is invalid).
    encoding: String,
}

/// The items of one list, and what byte-range checks need even when some items failed.
#[derive(Default)]
struct ItemList {
    /// The items, if every one of them is valid.
    items: Option<Vec<Item>>,
    /// Every item whose length, repeat, unit and offset are valid (failed items with
    /// placeholder values elsewhere), for overlap/gap/sum checks.
    geometry: Vec<Item>,
    /// The span of each entry of `geometry` (all items, when `items` is `Some`).
    spans: Vec<Span>,
}

/// Reads an array of item tables (`items`, `record_types.header.items`, …).
fn build_item_list(v: &Val<'_>, field: &str, rules: &ItemRules, ctx: &mut Ctx<'_>) -> ItemList {
    let Some(array) = v.get_ref().as_array() else {
        ctx.push(
            v.span(),
            None,
            invalid(
                field,
                format!(
                    "expected an array of tables (`[[{field}]]`), found {}",
                    v.get_ref().type_str()
                ),
            ),
        );
        return ItemList::default();
    };
    let mut items = Vec::with_capacity(array.len());
    let mut geometry = Vec::with_capacity(array.len());
    let mut spans = Vec::with_capacity(array.len());
    let mut ok = true;
    let mut numbers: HashMap<u32, String> = HashMap::new();
    let mut keys: HashMap<String, ()> = HashMap::new();
    let mut next_offset: u64 = 0;
    for entry in array.iter() {
        let span = entry.span();
        let Some(table) = entry.get_ref().as_table() else {
            ctx.push(
                span,
                None,
                invalid(
                    field,
                    format!(
                        "each item must be a table, found {}",
                        entry.get_ref().type_str()
                    ),
                ),
            );
            ok = false;
            continue;
        };
        match build_item(
            table,
            span.clone(),
            rules,
            &mut numbers,
            &mut keys,
            &mut next_offset,
            ctx,
        ) {
            Built::Item(item) => {
                items.push(item.clone());
                geometry.push(item);
                spans.push(span);
            }
            Built::Shadow(shadow) => {
                ok = false;
                geometry.push(shadow);
                spans.push(span);
            }
            Built::Failed => ok = false,
        }
    }
    ItemList {
        items: ok.then_some(items),
        geometry,
        spans,
    }
}

/// What reading one item table gave.
enum Built {
    /// A valid item.
    Item(Item),
    /// An item with problems whose byte range is known (placeholders elsewhere).
    Shadow(Item),
    /// An item with problems and no usable byte range.
    Failed,
}

fn build_item(
    table: &DeTable<'_>,
    span: Span,
    rules: &ItemRules,
    numbers: &mut HashMap<u32, String>,
    keys: &mut HashMap<String, ()>,
    next_offset: &mut u64,
    ctx: &mut Ctx<'_>,
) -> Built {
    // The key first, so that every other problem of the item is reported with it.
    let key_str = table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "key")
        .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string));
    let f = Fields::new(table, span.clone(), ITEM_FIELDS, "", key_str.clone(), ctx);
    let item = key_str.as_deref();
    let mut ok = true;

    let key = f.req_str("key", ctx);
    if let Some((k, kspan)) = &key {
        if !valid_key(k) {
            ctx.push(kspan.clone(), item, SpecErrorKind::InvalidKey(k.clone()));
            ok = false;
        }
        if keys.insert(k.clone(), ()).is_some() {
            ctx.push(kspan.clone(), item, SpecErrorKind::DuplicateKey(k.clone()));
            ok = false;
        }
    }
    let name = f.req_str("name", ctx);
    if let Some((n, nspan)) = &name {
        if n.trim().is_empty() {
            ctx.push(nspan.clone(), item, invalid("name", "must not be empty"));
            ok = false;
        }
    }
    let number = match f.req_int("number", ctx) {
        Some((n, nspan)) => match u32::try_from(n) {
            Ok(n) => {
                if let Some(first) = numbers.get(&n) {
                    ctx.push(
                        nspan,
                        item,
                        SpecErrorKind::DuplicateNumber {
                            number: n,
                            first: first.clone(),
                        },
                    );
                    ok = false;
                } else {
                    numbers.insert(n, key_str.clone().unwrap_or_default());
                }
                Some(n)
            }
            Err(_) => {
                ctx.push(
                    nspan,
                    item,
                    invalid("number", format!("{n} is not a valid item number")),
                );
                None
            }
        },
        None => None,
    };
    let domain = match f.req_str("type", ctx) {
        Some((d, dspan)) => {
            let domain = DomainType::from_name(&d);
            if domain.is_none() {
                ctx.push(dspan, item, SpecErrorKind::UnknownDomainType(d));
            }
            domain
        }
        None => None,
    };
    let length = match f.req_int("length", ctx) {
        Some((n, lspan)) => {
            if (1..=i64::from(MAX_ITEM_LENGTH)).contains(&n) {
                Some(n as u32)
            } else {
                ctx.push(
                    lspan,
                    item,
                    SpecErrorKind::ImpossibleLength {
                        length: n.max(0) as u64,
                        reason: format!("an item's length must be between 1 and {MAX_ITEM_LENGTH}"),
                    },
                );
                None
            }
        }
        None => None,
    };
    let repeat = match f.int("repeat", ctx) {
        Got::Missing => Some(1),
        Got::Bad => None,
        Got::Ok(n, rspan) => {
            if (1..=i64::from(MAX_REPEAT)).contains(&n) {
                Some(n as u32)
            } else {
                ctx.push(
                    rspan,
                    item,
                    invalid("repeat", format!("{n}; must be 1..={MAX_REPEAT}")),
                );
                None
            }
        }
    };
    let unit = match f.str("unit", ctx) {
        Got::Missing => Some(rules.default_unit),
        Got::Bad => None,
        Got::Ok(s, uspan) => match s.as_str() {
            "bytes" => Some(LengthUnit::Bytes),
            "chars" => Some(LengthUnit::Chars),
            other => {
                ctx.push(
                    uspan,
                    item,
                    invalid("unit", format!("`{other}`; expected bytes or chars")),
                );
                None
            }
        },
    };
    let date_form = match f.str("date_form", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(s, dspan) => match parse_date_form(&s) {
            Some(form) => {
                if domain.is_some_and(|d| d != DomainType::Date) {
                    ctx.push(
                        dspan,
                        item,
                        invalid("date_form", "only a `date` item has a date form"),
                    );
                    None
                } else {
                    Some(Some(form))
                }
            }
            None => {
                ctx.push(
                    dspan,
                    item,
                    invalid(
                        "date_form",
                        format!("`{s}`; expected auto, era_code1, era_code2, era_letter, era_kanji, yyyymmdd or iso"),
                    ),
                );
                None
            }
        },
    };
    let padding = match f.str("padding", ctx) {
        Got::Missing => Some(Padding::Spaces),
        Got::Bad => None,
        Got::Ok(s, pspan) => match s.as_str() {
            "spaces" => Some(Padding::Spaces),
            "none" => Some(Padding::None),
            other => {
                ctx.push(
                    pspan,
                    item,
                    invalid("padding", format!("`{other}`; expected spaces or none")),
                );
                None
            }
        },
    };
    let code_table = match f.str("code_table", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(s, cspan) => {
            if s.is_empty() {
                ctx.push(cspan, item, invalid("code_table", "must name a code table"));
                None
            } else {
                Some(Some(s))
            }
        }
    };
    let note = match f.str("note", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(s, _) => Some(Some(s)),
    };
    let required = f.bool("required", ctx);
    let zero_pad = f.bool("zero_pad", ctx);
    let official = build_official_item(&f, span.clone(), item, required, ctx);
    let storage = build_storage(&f, span.clone(), item, length, unit, domain, rules, ctx);
    let offset = match f.int("offset", ctx) {
        Got::Missing => Some(if rules.fixed {
            u32::try_from(*next_offset).ok()
        } else {
            None
        }),
        Got::Bad => None,
        Got::Ok(o, ospan) => {
            if rules.delimited {
                ctx.push(
                    ospan,
                    item,
                    invalid(
                        "offset",
                        "only items of a fixed-length layout have byte offsets",
                    ),
                );
                None
            } else if (0..i64::from(MAX_RECORD_LENGTH)).contains(&o) {
                Some(Some(o as u32))
            } else {
                ctx.push(
                    ospan,
                    item,
                    invalid("offset", format!("{o} is out of range")),
                );
                None
            }
        }
    };
    if let (Some(Some(o)), Some(len), Some(rep)) = (offset, length, repeat) {
        *next_offset = u64::from(o) + u64::from(len) * u64::from(rep);
    } else if let (Some(len), Some(rep)) = (length, repeat) {
        *next_offset += u64::from(len) * u64::from(rep);
    }
    let full = || {
        Some(Item {
            number: number?,
            name: name.clone()?.0,
            key: key.clone()?.0,
            domain: domain?,
            length: length?,
            unit: unit?,
            offset: offset?,
            required: required?,
            repeat: repeat?,
            code_table: code_table.clone()?,
            date_form: date_form?,
            padding: padding?,
            zero_pad: zero_pad?,
            note: note.clone()?,
            official: official.clone()?,
            representation: storage.as_ref()?.representation,
            host_kind: storage.as_ref()?.host_kind,
            encoding: storage.as_ref()?.encoding.clone(),
        })
    };
    if ok {
        if let Some(item) = full() {
            return Built::Item(item);
        }
    }
    // A stand-in with the item's geometry, so that overlaps, gaps and the length sum are
    // still checked.
    match (length, repeat, unit, offset) {
        (Some(length), Some(repeat), Some(unit), Some(offset)) => Built::Shadow(Item {
            number: number.unwrap_or(0),
            name: String::new(),
            key: key_str.unwrap_or_default(),
            domain: domain.unwrap_or(DomainType::Text),
            length,
            unit,
            offset,
            required: false,
            repeat,
            code_table: None,
            date_form: None,
            padding: Padding::Spaces,
            zero_pad: false,
            note: None,
            official: None,
            representation: Representation::Display,
            host_kind: None,
            encoding: None,
        }),
        _ => Built::Failed,
    }
}

/// How an item's bytes hold its value (see [`build_storage`]).
struct Storage {
    representation: Representation,
    host_kind: Option<HostKind>,
    encoding: Option<String>,
}

/// Reads the storage fields of an item (`representation` with its number fields,
/// `item_kind`, `encoding`) and checks them against the item's length, unit, domain and the
/// layout's encoding. `None` when one is wrong (reported).
#[allow(clippy::too_many_arguments)]
fn build_storage(
    f: &Fields<'_, '_>,
    span: Span,
    item: Option<&str>,
    length: Option<u32>,
    unit: Option<LengthUnit>,
    domain: Option<DomainType>,
    rules: &ItemRules,
    ctx: &mut Ctx<'_>,
) -> Option<Storage> {
    let mut ok = true;
    // The item's own encoding: a host label of the layout's host family.
    let encoding = match f.str("encoding", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(e, espan) => {
            let layout_family = host_family(&rules.encoding);
            match (host_family(&e), layout_family) {
                (Some(fam), Some(lfam)) if fam == lfam => Some(Some(e)),
                (Some(_), Some(lfam)) => {
                    ctx.push(
                        espan,
                        item,
                        invalid(
                            "encoding",
                            format!(
                                "`{e}` is not of the layout's code-page family `{lfam}` (encoding `{}`)",
                                rules.encoding
                            ),
                        ),
                    );
                    None
                }
                (_, None) => {
                    ctx.push(
                        espan,
                        item,
                        invalid(
                            "encoding",
                            format!(
                                "an item sets its own encoding only in a host layout (encoding one of {}), not in `{}`",
                                HOST_ENCODINGS.join(", "),
                                rules.encoding
                            ),
                        ),
                    );
                    None
                }
                (None, Some(_)) => {
                    ctx.push(
                        espan,
                        item,
                        invalid(
                            "encoding",
                            format!("`{e}`; expected one of {}", HOST_ENCODINGS.join(", ")),
                        ),
                    );
                    None
                }
            }
        }
    };
    let effective = match &encoding {
        Some(Some(e)) => e.clone(),
        _ => rules.encoding.clone(),
    };
    let form = match f.str("representation", ctx) {
        Got::Missing => Some("display".to_string()),
        Got::Bad => None,
        Got::Ok(s, rspan) => {
            if matches!(s.as_str(), "display" | "zoned" | "packed" | "binary") {
                Some(s)
            } else {
                ctx.push(
                    rspan,
                    item,
                    invalid(
                        "representation",
                        format!("`{s}`; expected display, zoned, packed or binary"),
                    ),
                );
                None
            }
        }
    };
    let host_kind = match f.str("item_kind", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(s, kspan) => {
            let kind = match s.as_str() {
                "M" => Some(HostKind::M),
                "N" => Some(HostKind::N),
                "G" => Some(HostKind::G),
                _ => None,
            };
            match kind {
                None => {
                    ctx.push(
                        kspan,
                        item,
                        invalid("item_kind", format!("`{s}`; expected M, N or G")),
                    );
                    None
                }
                Some(_) if !is_host_encoding(&effective) => {
                    ctx.push(
                        kspan,
                        item,
                        invalid(
                            "item_kind",
                            format!(
                                "M / N / G are item kinds of the host encodings ({}), not of `{effective}`",
                                HOST_ENCODINGS.join(", ")
                            ),
                        ),
                    );
                    None
                }
                Some(_) if form.as_deref().is_some_and(|f| f != "display") => {
                    ctx.push(
                        kspan,
                        item,
                        invalid(
                            "item_kind",
                            format!(
                                "a {} number has no item kind (M / N / G are for text)",
                                form.as_deref().unwrap_or_default()
                            ),
                        ),
                    );
                    None
                }
                Some(k) => {
                    if k.is_double() && length.is_some_and(|l| l % 2 != 0) {
                        ctx.push(
                            kspan,
                            item,
                            SpecErrorKind::ImpossibleLength {
                                length: u64::from(length.unwrap_or(0)),
                                reason: format!(
                                    "an item of kind {} holds double-byte codes only: its length must be even",
                                    k.as_str()
                                ),
                            },
                        );
                        None
                    } else {
                        Some(Some(k))
                    }
                }
            }
        }
    };
    let form = form?;
    if form == "display" {
        for k in NUMBER_FIELDS {
            if let Some(v) = f.raw(k) {
                ctx.push(
                    v.span(),
                    item,
                    invalid(
                        k,
                        "only a zoned, packed or binary item has this field (set `representation`)",
                    ),
                );
                ok = false;
            }
        }
        return ok.then_some(Storage {
            representation: Representation::Display,
            host_kind: host_kind?,
            encoding: encoding?,
        });
    }
    let rspan = f.raw("representation").map_or(span.clone(), |v| v.span());
    if rules.delimited {
        ctx.push(
            rspan.clone(),
            item,
            invalid(
                "representation",
                "number forms (zoned, packed, binary) are byte layouts: they need a fixed-length format",
            ),
        );
        ok = false;
    }
    if unit == Some(LengthUnit::Chars) {
        ctx.push(
            rspan.clone(),
            item,
            invalid(
                "representation",
                "a zoned, packed or binary item counts its length in bytes",
            ),
        );
        ok = false;
    }
    if let Some(d) = domain {
        if !NUMBER_DOMAINS.contains(&d) {
            ctx.push(
                rspan.clone(),
                item,
                invalid(
                    "representation",
                    format!(
                        "a {form} number cannot be a `{d}` item (use amount, digits, code, date, postal_code, individual_number, resident_code, lg_code or record_type)"
                    ),
                ),
            );
            ok = false;
        }
    }
    let max_digits: i64 = if form == "binary" { 18 } else { 38 };
    let digits = match f.req_int("digits", ctx) {
        Some((n, dspan)) => {
            if (1..=max_digits).contains(&n) {
                Some(n as u32)
            } else {
                ctx.push(
                    dspan,
                    item,
                    invalid(
                        "digits",
                        format!("{n}; a {form} item has 1 to {max_digits} digits"),
                    ),
                );
                None
            }
        }
        None => None,
    };
    let scale = match f.int("decimals", ctx) {
        Got::Missing => Some(0),
        Got::Bad => None,
        Got::Ok(n, dspan) => {
            if (-38..=38).contains(&n) {
                Some(n as i32)
            } else {
                ctx.push(
                    dspan,
                    item,
                    invalid("decimals", format!("{n}; must be -38..=38")),
                );
                None
            }
        }
    };
    let signed = f.bool("signed", ctx);
    let only = |field: &str, forms: &str, ctx: &mut Ctx<'_>| -> bool {
        if let Some(v) = f.raw(field) {
            ctx.push(
                v.span(),
                item,
                invalid(
                    field,
                    format!("only a {forms} item has this field, not a {form} one"),
                ),
            );
            false
        } else {
            true
        }
    };
    let representation = match form.as_str() {
        "zoned" => {
            ok &= only("native", "binary", ctx);
            let sign = match f.str("sign", ctx) {
                Got::Missing => Some(if signed == Some(true) {
                    ZonedSign::Trailing
                } else {
                    ZonedSign::None
                }),
                Got::Bad => None,
                Got::Ok(s, sspan) => match ZonedSign::from_name(&s) {
                    Some(ZonedSign::None) | None => {
                        ctx.push(
                            sspan,
                            item,
                            invalid(
                                "sign",
                                format!("`{s}`; expected trailing, leading, trailing_separate or leading_separate"),
                            ),
                        );
                        None
                    }
                    Some(_) if signed != Some(true) => {
                        ctx.push(
                            sspan,
                            item,
                            invalid("sign", "a sign position needs `signed = true`"),
                        );
                        None
                    }
                    Some(z) => Some(z),
                },
            };
            let zone = match f.str("zone", ctx) {
                Got::Missing => Some(default_zone(&effective)),
                Got::Bad => None,
                Got::Ok(s, zspan) => match s.as_str() {
                    "ascii" => Some(ZoneForm::Ascii),
                    "ebcdic" => Some(ZoneForm::Ebcdic),
                    _ => {
                        ctx.push(
                            zspan,
                            item,
                            invalid("zone", format!("`{s}`; expected ascii or ebcdic")),
                        );
                        None
                    }
                },
            };
            (|| {
                Some(Representation::Zoned {
                    digits: digits?,
                    scale: scale?,
                    sign: sign?,
                    zone: zone?,
                })
            })()
        }
        "packed" => {
            ok &= only("native", "binary", ctx);
            ok &= only("sign", "zoned", ctx);
            ok &= only("zone", "zoned", ctx);
            (|| {
                Some(Representation::Packed {
                    digits: digits?,
                    scale: scale?,
                    signed: signed?,
                })
            })()
        }
        _ => {
            ok &= only("sign", "zoned", ctx);
            ok &= only("zone", "zoned", ctx);
            let native = f.bool("native", ctx);
            (|| {
                Some(Representation::Binary {
                    digits: digits?,
                    scale: scale?,
                    signed: signed?,
                    native: native?,
                })
            })()
        }
    };
    let representation = representation?;
    if let (Some(len), Some(want)) = (length, representation.byte_length()) {
        if len != want {
            let how = match representation {
                Representation::Zoned {
                    sign: ZonedSign::LeadingSeparate | ZonedSign::TrailingSeparate,
                    ..
                } => "one byte a digit and one for the separate sign",
                Representation::Zoned { .. } => "one byte a digit",
                Representation::Packed { .. } => "digits/2+1 bytes",
                _ => "2 bytes for 1-4 digits, 4 for 5-9, 8 for 10-18",
            };
            let lspan = f.raw("length").map_or(span.clone(), |v| v.span());
            ctx.push(
                lspan,
                item,
                SpecErrorKind::ImpossibleLength {
                    length: u64::from(len),
                    reason: format!(
                        "a {form} item of {} digits takes {want} bytes ({how})",
                        representation.digits().unwrap_or(0)
                    ),
                },
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(Storage {
        representation,
        host_kind: host_kind?,
        encoding: encoding?,
    })
}

/// The official-definition fields of an item (`item_id`, `data_type`, …): `Some(None)` when
/// the item has none, `None` when one is wrong (reported).
fn build_official_item(
    f: &Fields<'_, '_>,
    span: Span,
    item: Option<&str>,
    required: Option<bool>,
    ctx: &mut Ctx<'_>,
) -> Option<Option<OfficialItem>> {
    const OTHERS: [&str; 7] = [
        "item_id",
        "scale",
        "conditional",
        "condition",
        "primary_key",
        "foreign_key",
        "code_id",
    ];
    let data_type = match f.str("data_type", ctx) {
        Got::Missing => {
            if let Some(k) = OTHERS.iter().find(|k| f.raw(k).is_some()) {
                ctx.push(
                    span,
                    item,
                    invalid(k, "an official-definition field needs `data_type` too"),
                );
                return None;
            }
            return Some(None);
        }
        Got::Bad => return None,
        Got::Ok(s, dspan) => match DataType::parse(&s) {
            Some(d) => d,
            None => {
                ctx.push(
                    dspan,
                    item,
                    invalid(
                        "data_type",
                        format!("`{s}`; expected X, N, 9, 9V, S9, BLOB, YEAR, DATE or TIME"),
                    ),
                );
                return None;
            }
        },
    };
    let opt = |g: Got<String>| match g {
        Got::Ok(s, _) => Some(Some(s)),
        Got::Missing => Some(None),
        Got::Bad => None,
    };
    let item_id = str_or_default(f.str("item_id", ctx));
    let condition = opt(f.str("condition", ctx));
    let foreign_key = opt(f.str("foreign_key", ctx));
    let code_id = opt(f.str("code_id", ctx));
    let conditional = f.bool("conditional", ctx);
    let primary_key = f.bool("primary_key", ctx);
    let scale = match f.int("scale", ctx) {
        Got::Missing => Some(None),
        Got::Bad => None,
        Got::Ok(n, sspan) => {
            if data_type != DataType::Decimal {
                ctx.push(sspan, item, invalid("scale", "only a 9V item has a scale"));
                None
            } else if (0..=i64::from(MAX_ITEM_LENGTH)).contains(&n) {
                Some(Some(n as u32))
            } else {
                ctx.push(
                    sspan,
                    item,
                    invalid("scale", format!("{n} is out of range")),
                );
                None
            }
        }
    };
    if conditional == Some(true) && required == Some(true) {
        ctx.push(
            span,
            item,
            invalid(
                "conditional",
                "an item is either required or conditional, not both",
            ),
        );
        return None;
    }
    Some(Some(OfficialItem {
        item_id: item_id?,
        data_type,
        scale: scale?,
        conditional: conditional?,
        condition: condition?,
        primary_key: primary_key?,
        foreign_key: foreign_key?,
        code_id: code_id?,
    }))
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

/// The spec-file name of a date form (`era_code1`, …).
pub fn date_form_name(form: DateForm) -> &'static str {
    match form {
        DateForm::Auto => "auto",
        DateForm::EraCode1 => "era_code1",
        DateForm::EraCode2 => "era_code2",
        DateForm::EraLetter => "era_letter",
        DateForm::EraKanji => "era_kanji",
        DateForm::Yyyymmdd => "yyyymmdd",
        DateForm::Iso => "iso",
    }
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
    // Overlaps, reported at the later item.
    let mut sorted = ranges;
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
    // Gaps: reported at the item that follows the gap (or at the format, at the end).
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
    t: &DeTable<'_>,
    span: Span,
    format: Option<&PhysicalFormat>,
    data_items: Option<&[Item]>,
    rules: &ItemRules,
    ctx: &mut Ctx<'_>,
    lines: &mut ItemLines,
) -> Option<RecordTypes> {
    let f = Fields::new(
        t,
        span.clone(),
        RECORD_TYPES_FIELDS,
        "record_types.",
        None,
        ctx,
    );
    let record_length = match format {
        Some(PhysicalFormat::Fixed { record_length, .. }) => Some(u64::from(*record_length)),
        Some(PhysicalFormat::Delimited { .. }) => {
            ctx.push(
                span.clone(),
                None,
                invalid(
                    "record_types",
                    "record types are told apart by byte offset: they need a fixed-length format",
                ),
            );
            None
        }
        None => None,
    };
    let offset = f.req_int("offset", ctx).and_then(|(o, ospan)| {
        if (0..i64::from(MAX_RECORD_LENGTH)).contains(&o) {
            Some(o as u32)
        } else {
            ctx.push(
                ospan,
                None,
                invalid("record_types.offset", format!("{o} is out of range")),
            );
            None
        }
    });
    let length = f.req_int("length", ctx).and_then(|(n, lspan)| {
        if (1..=64).contains(&n) {
            Some(n as u32)
        } else {
            ctx.push(
                lspan,
                None,
                SpecErrorKind::ImpossibleLength {
                    length: n.max(0) as u64,
                    reason: "the record-type selector must be 1 to 64 bytes".into(),
                },
            );
            None
        }
    });
    if let (Some(o), Some(l), Some(rl)) = (offset, length, record_length) {
        if u64::from(o) + u64::from(l) > rl {
            ctx.push(
                span.clone(),
                None,
                invalid(
                    "record_types",
                    format!(
                        "the selector (bytes {o}..{}) runs past the record length {rl}",
                        u64::from(o) + u64::from(l)
                    ),
                ),
            );
        }
    }
    // The data records must carry the selector as an item of exactly its bytes.
    if let (Some(o), Some(l), Some(items), Some(_)) = (offset, length, data_items, record_length) {
        let covered = items
            .iter()
            .any(|i| i.offset == Some(o) && i.byte_span() == u64::from(l));
        if !covered {
            ctx.push(
                span.clone(),
                None,
                invalid(
                    "record_types",
                    format!(
                        "no data item covers exactly the selector bytes {o}..{}",
                        o + l
                    ),
                ),
            );
        }
    }
    let data = f.req_str("data", ctx);
    let check_code = |code: &(String, Span), field: &str, ctx: &mut Ctx<'_>| {
        if let Some(l) = length {
            if code.0.len() != l as usize {
                ctx.push(
                    code.1.clone(),
                    None,
                    invalid(
                        field,
                        format!(
                            "`{}` is {} bytes but the selector is {l}",
                            code.0,
                            code.0.len()
                        ),
                    ),
                );
                return false;
            }
        }
        true
    };
    let mut ok = true;
    if let Some(d) = &data {
        ok &= check_code(d, "record_types.data", ctx);
    }
    let mut others = Vec::new();
    let mut codes: Vec<String> = data.iter().map(|d| d.0.clone()).collect();
    for (role, name) in [
        (RecordRole::Header, "header"),
        (RecordRole::Trailer, "trailer"),
    ] {
        let (sub, sub_span) = match f.table(name, ctx) {
            Got::Missing => continue,
            Got::Bad => {
                ok = false;
                continue;
            }
            Got::Ok(sub, sub_span) => (sub, sub_span),
        };
        let prefix = format!("record_types.{name}.");
        let sf = Fields::new(sub, sub_span.clone(), SUB_RECORD_FIELDS, &prefix, None, ctx);
        let code = sf.req_str("code", ctx);
        if let Some(c) = &code {
            ok &= check_code(c, &format!("{prefix}code"), ctx);
            if codes.contains(&c.0) {
                ctx.push(
                    c.1.clone(),
                    None,
                    invalid(
                        &format!("{prefix}code"),
                        format!("`{}` is already the code of another record type", c.0),
                    ),
                );
                ok = false;
            }
            codes.push(c.0.clone());
        }
        let items = match sf.raw("items") {
            None => {
                sf.missing("items", ctx);
                ItemList::default()
            }
            Some(v) => build_item_list(v, &format!("{prefix}items"), rules, ctx),
        };
        let count_item = match sf.str("count_item", ctx) {
            Got::Missing => Some(None),
            Got::Bad => None,
            Got::Ok(ci, cspan) => {
                if role == RecordRole::Header {
                    ctx.push(
                        cspan,
                        Some(&ci),
                        invalid(
                            &format!("{prefix}count_item"),
                            "only a trailer carries a count",
                        ),
                    );
                    None
                } else if let Some(items) = &items.items {
                    if items.iter().any(|i| i.key == ci) {
                        Some(Some(ci))
                    } else {
                        ctx.push(
                            cspan,
                            Some(&ci),
                            invalid(
                                &format!("{prefix}count_item"),
                                format!("no item `{ci}` in the trailer"),
                            ),
                        );
                        None
                    }
                } else {
                    None
                }
            }
        };
        if let Some(rl) = record_length {
            if items.items.as_ref().is_some_and(Vec::is_empty) {
                ctx.push(
                    sub_span.clone(),
                    None,
                    invalid(&format!("{prefix}items"), "needs at least one item"),
                );
                ok = false;
            } else if !items.geometry.is_empty() {
                check_fixed(&items.geometry, &items.spans, rl, sub_span.clone(), ctx);
            }
        }
        if items.items.is_some() {
            lines.others.push(
                items
                    .spans
                    .iter()
                    .map(|s| ctx.lines.line(s.start))
                    .collect(),
            );
        }
        match (code, items.items, count_item) {
            (Some(code), Some(items), Some(count_item)) => others.push(SubRecord {
                role,
                code: code.0,
                items,
                count_item,
            }),
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    Some(RecordTypes {
        offset: offset?,
        length: length?,
        data_code: data?.0,
        others,
    })
}

/// Parses a code table (CSV with the header `code,label`; more columns may follow).
///
/// `name` is the table's name as items refer to it; `file` names the source in errors.
///
/// # Errors
/// A missing header, malformed rows, empty and duplicate codes, each with its line.
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
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
