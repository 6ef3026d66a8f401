//! Writing a layout back out as a spec file (TOML) that [`crate::parse_layout`] reads.
//!
//! `parse_layout(&layout_to_toml(&l))` gives `l` back for every layout the loader accepts
//! (a property test checks this). Fields that have their default value are left out, so the
//! output reads like a hand-written spec.

use crate::load::date_form_name;
use crate::model::*;
use std::fmt::Write as _;

/// Writes `layout` in the layout spec format (see `specs/README.md`).
///
/// Byte offsets of fixed-length items are written only where they differ from the end of
/// the previous item. A layout with more than one header or trailer record type cannot be
/// expressed in the format; only the first of each role is written.
///
/// # Example
/// ```
/// use ikou_layout_spec::{layout_to_toml, parse_layout, Catalog};
///
/// let catalog = Catalog::bundled().unwrap();
/// let juki = catalog.layout("legacy/sample-juki").unwrap();
/// let text = layout_to_toml(juki);
/// assert!(text.contains("record_length = 300"));
/// assert_eq!(&parse_layout(&text, "copy.toml").unwrap(), juki);
/// ```
pub fn layout_to_toml(layout: &Layout) -> String {
    let mut s = String::new();
    kv(&mut s, "id", &quote(&layout.id));
    kv(&mut s, "name", &quote(&layout.name));
    kv(&mut s, "gyomu", &quote(&layout.gyomu));
    kv(&mut s, "family", &quote(layout.family.as_str()));
    kv(&mut s, "source", &quote(&layout.source));
    kv(&mut s, "version", &quote(&layout.version));
    kv(&mut s, "status", &quote(layout.status.as_str()));
    kv(&mut s, "encoding", &quote(&layout.encoding));
    if let Some(note) = &layout.note {
        kv(&mut s, "note", &quote(note));
    }
    s.push_str("\n[format]\n");
    let default_unit = match layout.format {
        PhysicalFormat::Fixed {
            record_length,
            terminator,
        } => {
            kv(&mut s, "kind", "\"fixed\"");
            kv(&mut s, "record_length", &record_length.to_string());
            kv(&mut s, "terminator", &quote(terminator.as_str()));
            LengthUnit::Bytes
        }
        PhysicalFormat::Delimited {
            delimiter,
            quote: q,
            header_rows,
            terminator,
        } => {
            kv(&mut s, "kind", "\"delimited\"");
            kv(
                &mut s,
                "delimiter",
                &quote(&char::from(delimiter).to_string()),
            );
            let q = q.map(|b| char::from(b).to_string()).unwrap_or_default();
            kv(&mut s, "quote", &quote(&q));
            kv(&mut s, "header_rows", &header_rows.to_string());
            kv(&mut s, "terminator", &quote(terminator.as_str()));
            LengthUnit::Chars
        }
    };
    let fixed = matches!(layout.format, PhysicalFormat::Fixed { .. });
    if let Some(o) = &layout.official {
        s.push_str("\n[official]\n");
        kv(&mut s, "file", &quote(&o.file));
        kv(&mut s, "sheet", &quote(&o.sheet));
        kv(&mut s, "sha256", &quote(&o.sha256));
        kv(&mut s, "items_sha256", &quote(&o.items_sha256));
    }
    write_items(&mut s, "items", &layout.items, default_unit, fixed);
    if let Some(rt) = &layout.record_types {
        s.push_str("\n[record_types]\n");
        kv(&mut s, "offset", &rt.offset.to_string());
        kv(&mut s, "length", &rt.length.to_string());
        kv(&mut s, "data", &quote(&rt.data_code));
        for role in [RecordRole::Header, RecordRole::Trailer] {
            let Some(sub) = rt.others.iter().find(|o| o.role == role) else {
                continue;
            };
            let name = match role {
                RecordRole::Header => "header",
                RecordRole::Trailer => "trailer",
                RecordRole::Data => continue,
            };
            let _ = writeln!(s, "\n[record_types.{name}]");
            kv(&mut s, "code", &quote(&sub.code));
            if let Some(ci) = &sub.count_item {
                kv(&mut s, "count_item", &quote(ci));
            }
            write_items(
                &mut s,
                &format!("record_types.{name}.items"),
                &sub.items,
                default_unit,
                fixed,
            );
        }
    }
    s
}

fn kv(s: &mut String, key: &str, value: &str) {
    let _ = writeln!(s, "{key} = {value}");
}

fn write_items(s: &mut String, table: &str, items: &[Item], default_unit: LengthUnit, fixed: bool) {
    let mut next: u64 = 0;
    for it in items {
        let _ = writeln!(s, "\n[[{table}]]");
        kv(s, "number", &it.number.to_string());
        kv(s, "name", &quote(&it.name));
        kv(s, "key", &quote(&it.key));
        kv(s, "type", &quote(it.domain.as_str()));
        kv(s, "length", &it.length.to_string());
        if it.unit != default_unit {
            let unit = match it.unit {
                LengthUnit::Bytes => "bytes",
                LengthUnit::Chars => "chars",
            };
            kv(s, "unit", &quote(unit));
        }
        match it.offset {
            Some(o) if !fixed || u64::from(o) != next => kv(s, "offset", &o.to_string()),
            _ => {}
        }
        if fixed {
            // A fixed-length item without an offset follows the previous one.
            let start = it.offset.map_or(next, u64::from);
            next = start + it.byte_span();
        }
        if it.required {
            kv(s, "required", "true");
        }
        if it.repeat != 1 {
            kv(s, "repeat", &it.repeat.to_string());
        }
        if let Some(t) = &it.code_table {
            kv(s, "code_table", &quote(t));
        }
        if let Some(f) = it.date_form {
            kv(s, "date_form", &quote(date_form_name(f)));
        }
        if it.padding == Padding::None {
            kv(s, "padding", "\"none\"");
        }
        if it.zero_pad {
            kv(s, "zero_pad", "true");
        }
        write_storage(s, it);
        if let Some(n) = &it.note {
            kv(s, "note", &quote(n));
        }
        if let Some(o) = &it.official {
            kv(s, "item_id", &quote(&o.item_id));
            kv(s, "data_type", &quote(o.data_type.as_str()));
            if let Some(m) = o.scale {
                kv(s, "scale", &m.to_string());
            }
            if o.conditional {
                kv(s, "conditional", "true");
            }
            if let Some(c) = &o.condition {
                kv(s, "condition", &quote(c));
            }
            if o.primary_key {
                kv(s, "primary_key", "true");
            }
            if let Some(f) = &o.foreign_key {
                kv(s, "foreign_key", &quote(f));
            }
            if let Some(c) = &o.code_id {
                kv(s, "code_id", &quote(c));
            }
        }
    }
}

/// The storage fields of an item (number form, host item kind, own encoding); nothing for
/// a display item of the layout's encoding.
fn write_storage(s: &mut String, it: &Item) {
    if let Some(e) = &it.encoding {
        kv(s, "encoding", &quote(e));
    }
    if let Some(k) = it.host_kind {
        kv(s, "item_kind", &quote(k.as_str()));
    }
    let r = it.representation;
    if !r.is_numeric() {
        return;
    }
    kv(s, "representation", &quote(r.as_str()));
    if let Some(d) = r.digits() {
        kv(s, "digits", &d.to_string());
    }
    if let Some(m) = r.scale().filter(|m| *m != 0) {
        kv(s, "decimals", &m.to_string());
    }
    if r.signed() {
        kv(s, "signed", "true");
    }
    match r {
        Representation::Zoned { sign, zone, .. } => {
            if !matches!(sign, ZonedSign::None | ZonedSign::Trailing) {
                kv(s, "sign", &quote(sign.as_str()));
            }
            // Always written: the default depends on the layout's encoding.
            kv(s, "zone", &quote(zone.as_str()));
        }
        Representation::Binary { native: true, .. } => kv(s, "native", "true"),
        _ => {}
    }
}

/// SHA-256 (lower-case hex) of a layout's data-item table as [`layout_to_toml`] writes it.
///
/// An `official-import` layout records this digest when it is imported; any later change to
/// an item (a name, a length, a type, a note…) changes it, which is how `ikou layouts
/// check` tells an unedited import from a hand transcription.
pub fn items_digest(layout: &Layout) -> String {
    use sha2::{Digest, Sha256};
    let (default_unit, fixed) = match layout.format {
        PhysicalFormat::Fixed { .. } => (LengthUnit::Bytes, true),
        PhysicalFormat::Delimited { .. } => (LengthUnit::Chars, false),
    };
    let mut s = String::new();
    write_items(&mut s, "items", &layout.items, default_unit, fixed);
    hex(&Sha256::digest(s.as_bytes()))
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Quotes `s` as a TOML basic string, escaping what TOML requires.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
