//! A layout described for people and programs: the whole model as one serialisable value
//! ([`Layout::description`], what `ikou layouts show --json` prints), the physical format
//! in words ([`describe_format`]) and how an item's bytes hold its value
//! ([`describe_storage`]).
//!
//! # Example
//! ```
//! use ikou_layout_spec::Catalog;
//!
//! let catalog = Catalog::bundled().unwrap();
//! let juki = catalog.layout("legacy/sample-juki").unwrap();
//! let d = juki.description();
//! assert_eq!(d.id, "legacy/sample-juki");
//! assert_eq!(d.items.len(), juki.items.len());
//! assert!(ikou_layout_spec::describe::describe_format(&juki.format).starts_with("fixed-length"));
//! ```

use crate::model::*;
use serde::Serialize;
use std::fmt::Write as _;

/// The whole model of a layout, flattened for output (the official columns of an item
/// beside its own). Serialise it (JSON keys are its field names; `type` for the data type).
#[derive(Debug, Clone, Serialize)]
pub struct LayoutDescription<'a> {
    /// The layout's id.
    pub id: &'a str,
    /// Its display name.
    pub name: &'a str,
    /// 業務.
    pub gyomu: &'a str,
    /// Its family.
    pub family: Family,
    /// How far it can be trusted.
    pub status: Status,
    /// Its version.
    pub version: &'a str,
    /// Where it comes from.
    pub source: &'a str,
    /// The official workbook it was imported from, if any.
    pub official: Option<OfficialDescription<'a>>,
    /// The encoding label.
    pub encoding: &'a str,
    /// The physical format.
    pub format: FormatDescription,
    /// The items, in order.
    pub items: Vec<ItemDescription<'a>>,
    /// The layout's note.
    pub note: Option<&'a str>,
}

/// The official workbook a layout was imported from.
#[derive(Debug, Clone, Serialize)]
pub struct OfficialDescription<'a> {
    /// The workbook's file name.
    pub file: &'a str,
    /// The sheet.
    pub sheet: &'a str,
    /// SHA-256 of the workbook.
    pub sha256: &'a str,
    /// SHA-256 of the item table as imported.
    pub items_sha256: &'a str,
    /// Whether the item table is unedited since ([`Layout::official_unedited`]).
    pub unedited: Option<bool>,
}

/// A physical format, tagged by `kind` (`fixed` or `delimited`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FormatDescription {
    /// Fixed-length records.
    Fixed {
        /// Bytes per record (terminator excluded).
        record_length: u32,
        /// The record terminator.
        terminator: &'static str,
    },
    /// Delimited records.
    Delimited {
        /// The delimiter character.
        delimiter: String,
        /// The quote character, if any.
        quote: Option<String>,
        /// Header rows.
        header_rows: u32,
        /// The record terminator.
        terminator: &'static str,
    },
}

impl FormatDescription {
    /// The description of `f`.
    pub fn of(f: &PhysicalFormat) -> FormatDescription {
        match f {
            PhysicalFormat::Fixed {
                record_length,
                terminator,
            } => FormatDescription::Fixed {
                record_length: *record_length,
                terminator: terminator.as_str(),
            },
            PhysicalFormat::Delimited {
                delimiter,
                quote,
                header_rows,
                terminator,
            } => FormatDescription::Delimited {
                delimiter: char::from(*delimiter).to_string(),
                quote: quote.map(|q| char::from(q).to_string()),
                header_rows: *header_rows,
                terminator: terminator.as_str(),
            },
        }
    }
}

/// One item with its official columns (`None`/`false` when the layout is not official).
#[derive(Debug, Clone, Serialize)]
pub struct ItemDescription<'a> {
    /// 項目番号.
    pub number: u32,
    /// データ項目ID (official items).
    pub item_id: Option<&'a str>,
    /// The name.
    pub name: &'a str,
    /// The key.
    pub key: &'a str,
    /// The official データ型, else the domain type's name.
    #[serde(rename = "type")]
    pub data_type: &'a str,
    /// The domain type.
    pub domain: DomainType,
    /// The length.
    pub length: u32,
    /// Of what unit.
    pub unit: LengthUnit,
    /// Decimals (official items).
    pub scale: Option<u32>,
    /// Signed (official items).
    pub signed: bool,
    /// `required`, `conditional` or `optional`.
    pub required: &'static str,
    /// The condition of a conditional item.
    pub condition: Option<&'a str>,
    /// Part of the primary key.
    pub primary_key: bool,
    /// The item it refers to.
    pub foreign_key: Option<&'a str>,
    /// The code table.
    pub code_table: Option<&'a str>,
    /// コードID.
    pub code_id: Option<&'a str>,
    /// Repetitions.
    pub repeat: u32,
    /// The byte offset (fixed-length layouts).
    pub offset: Option<u32>,
    /// How a date is written.
    pub date_form: Option<&'a DateForm>,
    /// How the bytes hold the value.
    pub representation: &'a Representation,
    /// The host item kind (PIC X / N / G).
    pub item_kind: Option<&'a HostKind>,
    /// The item's own encoding.
    pub item_encoding: Option<&'a str>,
    /// The item's note.
    pub note: Option<&'a str>,
}

impl<'a> ItemDescription<'a> {
    /// The description of `it`.
    pub fn of(it: &'a Item) -> ItemDescription<'a> {
        let o = it.official.as_ref();
        ItemDescription {
            number: it.number,
            item_id: o.map(|o| o.item_id.as_str()),
            name: &it.name,
            key: &it.key,
            data_type: o.map_or(it.domain.as_str(), |o| o.data_type.as_str()),
            domain: it.domain,
            length: it.length,
            unit: it.unit,
            scale: o.and_then(|o| o.scale),
            signed: o.is_some_and(|o| o.signed()),
            required: it.requirement().as_str(),
            condition: o.and_then(|o| o.condition.as_deref()),
            primary_key: o.is_some_and(|o| o.primary_key),
            foreign_key: o.and_then(|o| o.foreign_key.as_deref()),
            code_table: it.code_table.as_deref(),
            code_id: o.and_then(|o| o.code_id.as_deref()),
            repeat: it.repeat,
            offset: it.offset,
            date_form: it.date_form.as_ref(),
            representation: &it.representation,
            item_kind: it.host_kind.as_ref(),
            item_encoding: it.encoding.as_deref(),
            note: it.note.as_deref(),
        }
    }
}

impl Layout {
    /// The whole model of the layout as one serialisable value.
    pub fn description(&self) -> LayoutDescription<'_> {
        LayoutDescription {
            id: &self.id,
            name: &self.name,
            gyomu: &self.gyomu,
            family: self.family,
            status: self.status,
            version: &self.version,
            source: &self.source,
            official: self.official.as_ref().map(|o| OfficialDescription {
                file: &o.file,
                sheet: &o.sheet,
                sha256: &o.sha256,
                items_sha256: &o.items_sha256,
                unedited: self.official_unedited(),
            }),
            encoding: &self.encoding,
            format: FormatDescription::of(&self.format),
            items: self.items.iter().map(ItemDescription::of).collect(),
            note: self.note.as_deref(),
        }
    }
}

/// The physical format in words: `fixed-length, 300 bytes per record, terminator crlf`,
/// `delimited (comma), quote `"`, 1 header row(s), terminator lf`.
pub fn describe_format(f: &PhysicalFormat) -> String {
    match f {
        PhysicalFormat::Fixed {
            record_length,
            terminator,
        } => format!(
            "fixed-length, {record_length} bytes per record, terminator {}",
            terminator.as_str()
        ),
        PhysicalFormat::Delimited {
            delimiter,
            quote,
            header_rows,
            terminator,
        } => {
            let d = match delimiter {
                b',' => "comma".to_string(),
                b'\t' => "tab".to_string(),
                d => format!("`{}`", char::from(*d)),
            };
            let q = quote.map_or("no quoting".to_string(), |q| {
                format!("quote `{}`", char::from(q))
            });
            format!(
                "delimited ({d}), {q}, {header_rows} header row(s), terminator {}",
                terminator.as_str()
            )
        }
    }
}

/// How an item's bytes hold its value, when that is not display text of the layout's
/// encoding: `stored: packed, 9 digits, 2 decimals, signed`, `stored: kind N`,
/// `stored: encoding jef-ebcdic`; `None` for display text.
pub fn describe_storage(it: &Item) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let r = it.representation;
    if r.is_numeric() {
        let mut p = format!("{}, {} digits", r.as_str(), r.digits().unwrap_or(0));
        if let Some(m) = r.scale().filter(|m| *m != 0) {
            let _ = write!(p, ", {m} decimals");
        }
        p.push_str(if r.signed() { ", signed" } else { ", unsigned" });
        match r {
            Representation::Zoned { sign, zone, .. } => {
                if sign != ZonedSign::None {
                    let _ = write!(p, ", sign {}", sign.as_str());
                }
                let _ = write!(p, ", {} zone", zone.as_str());
            }
            Representation::Binary { native: true, .. } => p.push_str(", native (COMP-5)"),
            _ => {}
        }
        parts.push(p);
    }
    if let Some(k) = it.host_kind {
        parts.push(format!("kind {}", k.as_str()));
    }
    if let Some(e) = &it.encoding {
        parts.push(format!("encoding {e}"));
    }
    (!parts.is_empty()).then(|| format!("stored: {}", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    #[test]
    fn a_description_carries_every_item_and_the_official_columns() {
        let catalog = Catalog::bundled().unwrap();
        let l = catalog.layouts().find(|l| l.official.is_some()).unwrap();
        let d = l.description();
        assert_eq!(d.items.len(), l.items.len());
        let o = d.official.as_ref().unwrap();
        assert_eq!(o.unedited, l.official_unedited());
        let it = &l.items[0];
        let di = &d.items[0];
        assert_eq!(di.item_id, it.official.as_ref().map(|o| o.item_id.as_str()));
        assert_eq!(
            di.data_type,
            it.official.as_ref().unwrap().data_type.as_str()
        );
        assert_eq!(di.key, it.key);
    }

    #[test]
    fn formats_are_described_in_words_and_as_data() {
        let fixed = PhysicalFormat::Fixed {
            record_length: 300,
            terminator: Terminator::Crlf,
        };
        assert_eq!(
            describe_format(&fixed),
            format!(
                "fixed-length, 300 bytes per record, terminator {}",
                Terminator::Crlf.as_str()
            )
        );
        let tsv = PhysicalFormat::Delimited {
            delimiter: b'\t',
            quote: None,
            header_rows: 1,
            terminator: Terminator::Lf,
        };
        assert!(describe_format(&tsv).starts_with("delimited (tab), no quoting, 1 header row(s)"));
        let semi = PhysicalFormat::Delimited {
            delimiter: b';',
            quote: Some(b'"'),
            header_rows: 0,
            terminator: Terminator::Lf,
        };
        assert!(describe_format(&semi).starts_with("delimited (`;`), quote `\"`, 0 header"));
        assert_eq!(
            FormatDescription::of(&semi),
            FormatDescription::Delimited {
                delimiter: ";".into(),
                quote: Some("\"".into()),
                header_rows: 0,
                terminator: Terminator::Lf.as_str(),
            }
        );
    }

    #[test]
    fn display_text_has_no_storage_note_and_a_packed_number_has_one() {
        let catalog = Catalog::bundled().unwrap();
        let juki = catalog.layout("legacy/sample-juki").unwrap();
        assert_eq!(describe_storage(&juki.items[0]), None);
        let mut it = juki.items[0].clone();
        it.representation = Representation::Packed {
            digits: 9,
            scale: 2,
            signed: true,
        };
        assert_eq!(
            describe_storage(&it).as_deref(),
            Some("stored: packed, 9 digits, 2 decimals, signed")
        );
    }
}
