//! Importing item-definition lists (項目定義書) from Excel workbooks (`.xlsx`) and CSV files
//! into a layout marked `unverified-transcription`, for the user to review.
//!
//! Workbooks in デジタル庁's official form (基本データリスト: データ項目ID, ローマ字, グループ,
//! データ型 …) are read completely by [`official::import_official`] instead: one layout per
//! グループ with status `official-import`, and their code lists.
//!
//! The ministries publish the 中間標準レイアウト and 基本データリスト item lists as workbooks.
//! The importer finds the header row by its Japanese column titles (項目名/項目名称,
//! データ型/型, 桁数/バイト数/長さ, 必須, 繰返し/繰り返し, 備考/コード, 項目番号/No) in the
//! first [`HEADER_SEARCH_ROWS`] rows, reads one item per row below it, and reports every row
//! it could not read as an [`ImportWarning`] with its row number — nothing is dropped
//! silently.
//!
//! An xlsx file is a zip of XML parts; this module reads `xl/workbook.xml` (sheet names), its
//! relationships (sheet paths), `xl/sharedStrings.xml` (including rich-text runs, without
//! the phonetic ルビ runs), inline strings, numbers and merged cells (a merged cell's value
//! applies to every cell it spans). Every part is read with a size bound, so a zip bomb or
//! a huge sheet ends in an [`ImportError`], never in exhausted memory; malformed XML is an
//! error with the part and byte offset, never a panic.
//!
//! # Example
//! ```
//! use ikou_layout_spec::import::{import_csv, ImportOptions};
//!
//! let csv = "住民記録 項目定義\n\
//!            No,項目名,データ型,桁数,必須,備考\n\
//!            1,宛名番号,数字,10,○,\n\
//!            2,氏名,全角,40,○,\n\
//!            3,生年月日,日付,8,,西暦YYYYMMDD\n";
//! let opts = ImportOptions::new("chukan/my-juki", "items.csv");
//! let imported = import_csv(csv.as_bytes(), &opts).unwrap();
//! assert_eq!(imported.header_row, 2);
//! assert_eq!(imported.layout.items.len(), 3);
//! assert_eq!(imported.layout.items[2].domain, ikou_layout_spec::DomainType::Date);
//! let toml = imported.to_toml();
//! assert!(ikou_layout_spec::parse_layout(&toml, "imported.toml").is_ok());
//! ```

use crate::load::{valid_key, MAX_ITEM_LENGTH, MAX_RECORD_LENGTH, MAX_REPEAT};
use crate::model::*;
use crate::write::layout_to_toml;
use crate::SpecErrors;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{Cursor, Read};

pub mod copybook;
pub mod official;
pub mod plan;

/// How many rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: u32 = 30;
/// The largest uncompressed size of one XML part of a workbook (32 MiB).
pub const MAX_PART_BYTES: u64 = 32 * 1024 * 1024;
/// The largest number of entries in a workbook's zip.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The largest number of non-empty cells read from one sheet.
pub const MAX_CELLS: usize = 2_000_000;
/// The last row number read (rows below are an error: an item list is never that long).
pub const MAX_ROWS: u32 = 200_000;
/// Columns to the right of this one are ignored (and reported).
pub const MAX_COLUMNS: u32 = 512;
/// The largest total of uncompressed bytes read from all parts of one workbook (64 MiB): a
/// part read again (200 sheets pointing at one part) counts again.
pub const MAX_TOTAL_PART_BYTES: u64 = 64 * 1024 * 1024;
/// The largest total of cell text kept from one workbook (64 MiB): a shared string counts
/// once for every cell that uses it, a merged cell once for every cell it spans.
pub const MAX_TOTAL_TEXT_BYTES: u64 = 64 * 1024 * 1024;
/// The largest total area of merged ranges (cells) filled in one workbook.
pub const MAX_MERGED_AREA: u64 = 1_000_000;
/// The largest CSV item list read (16 MiB).
pub const MAX_CSV_BYTES: usize = 16 * 1024 * 1024;

/// Why an import failed as a whole (rows that cannot be read are warnings instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The bytes are not a readable zip archive (the zip crate's error is the source).
    #[error("not an xlsx workbook: {0}")]
    NotXlsx(#[source] zip::result::ZipError),
    /// A part of the workbook cannot be read (the zip crate's error or the I/O error of
    /// inflating it is the source).
    #[error("not an xlsx workbook: {part}: {source}")]
    PartRead {
        /// The part (`xl/workbook.xml`, …).
        part: String,
        /// The `zip::result::ZipError` or `std::io::Error`.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A part the workbook needs is missing.
    #[error("the workbook has no part `{0}`")]
    MissingPart(String),
    /// A part (or the archive) exceeds a size bound.
    #[error("`{part}` is too large (limit {limit})")]
    TooLarge {
        /// The part or what was counted.
        part: String,
        /// The bound that was exceeded.
        limit: u64,
    },
    /// A part is not well-formed XML.
    #[error("malformed XML in `{part}` at byte {offset}: {problem}")]
    Xml {
        /// The part (`xl/worksheets/sheet1.xml`).
        part: String,
        /// Byte offset in the uncompressed part.
        offset: u64,
        /// What is wrong (the XML reader's error as its `source()` where there is one).
        #[source]
        problem: XmlProblem,
    },
    /// No sheet has the requested name.
    #[error("no sheet named `{name}`; the workbook has: {available}")]
    NoSheet {
        /// The requested name.
        name: String,
        /// The sheet names, comma-separated.
        available: String,
    },
    /// No header row was found.
    #[error("no header row in the first {HEADER_SEARCH_ROWS} rows of {place}: looked for a row with 項目名/項目名称 and データ型/型 or 桁数/バイト数/長さ")]
    NoHeader {
        /// Which sheet(s) or file.
        place: String,
    },
    /// An item sheet of the official form lacks columns the importer cannot do without.
    #[error("sheet 「{sheet}」: the header (row {row}) has no column {missing}")]
    MissingColumns {
        /// The sheet.
        sheet: String,
        /// The header row.
        row: u32,
        /// The missing columns' titles, comma-separated.
        missing: String,
    },
    /// The header row was found but no row below it could be read as an item.
    #[error("no item could be read below the header row {header_row} ({warnings} row(s) skipped)")]
    NoItems {
        /// The header row.
        header_row: u32,
        /// How many rows were skipped with a warning.
        warnings: usize,
    },
    /// A CSV syntax error (the csv crate's error is the source).
    #[error("CSV line {line}: {source}")]
    Csv {
        /// 1-based line.
        line: u64,
        /// The csv crate's error.
        #[source]
        source: csv::Error,
    },
    /// The CSV text is neither UTF-8 nor CP932.
    #[error("the CSV file is neither UTF-8 nor Shift_JIS (CP932) text")]
    Encoding,
    /// An option is invalid (for example the layout id).
    #[error("invalid option: {0}")]
    Options(String),
    /// A copybook construct that cannot be read (or is not supported), at its position.
    #[error("{file}:{line}:{column}: {message}")]
    Copybook {
        /// The copybook's name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (a full-width character takes two).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The layout built from the rows does not pass the spec checks (a bug in the importer).
    #[error("the imported layout does not pass the spec checks: {0}")]
    Invalid(SpecErrors),
}

/// What is wrong in a part of a workbook that is not well-formed XML ([`ImportError::Xml`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlProblem {
    /// The part is not UTF-8.
    #[error("not UTF-8")]
    NotUtf8(#[source] std::str::Utf8Error),
    /// The XML reader failed (syntax, an unclosed tag, a bad character reference).
    #[error("{0}")]
    Syntax(#[source] quick_xml::Error),
    /// An attribute is malformed.
    #[error("{0}")]
    Attribute(#[source] quick_xml::events::attributes::AttrError),
    /// An entity reference that XML does not define.
    #[error("unknown entity `&{0};`")]
    UnknownEntity(String),
    /// A row's `r` attribute is not a row number.
    #[error("bad row number `{0}`")]
    RowNumber(String),
    /// A cell's `r` attribute is not a cell reference (`B7`).
    #[error("bad cell reference `{0}`")]
    CellReference(String),
    /// A merged range is not `A1:B2`.
    #[error("bad merge range `{0}`")]
    MergeRange(String),
    /// A shared-string cell's value is not an index.
    #[error("bad shared-string index")]
    SharedStringIndex,
    /// A shared-string cell names a string the workbook does not have.
    #[error("shared string {0} does not exist")]
    MissingSharedString(usize),
}

/// A row the importer could not read (or read with a doubt), by its 1-based row number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// The 1-based row number in the sheet (or line in the CSV file); 0 for the sheet as a
    /// whole.
    pub row: u32,
    /// What was wrong and what the importer did.
    pub message: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "row {}: {}", self.row, self.message)
        }
    }
}

/// The physical format the imported layout gets (item lists describe items, not files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportFormat {
    /// Delimited (CSV, header row, CRLF); lengths in characters unless the length column
    /// counts bytes (バイト数).
    #[default]
    Delimited,
    /// Fixed-length records (CRLF), offsets one after the other, lengths in bytes.
    Fixed,
}

/// What to call the imported layout and how its records sit in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The layout id, `family/name` (`chukan/v27-juki`); the family comes from it.
    pub id: String,
    /// The display name; by default the sheet name (or the source name for CSV).
    pub name: Option<String>,
    /// 業務.
    pub gyomu: String,
    /// The source document's name (the workbook's file name); the sheet name is appended.
    pub source: String,
    /// The physical format.
    pub format: ImportFormat,
    /// The encoding label; by default `cp932` for fixed-length, `utf-8` for delimited.
    pub encoding: Option<String>,
}

impl ImportOptions {
    /// Options with the given id and source name and every other option at its default.
    pub fn new(id: &str, source: &str) -> ImportOptions {
        ImportOptions {
            id: id.to_string(),
            name: None,
            gyomu: String::new(),
            source: source.to_string(),
            format: ImportFormat::default(),
            encoding: None,
        }
    }
}

/// The result of an import: the layout (valid, `unverified-transcription`) and the rows
/// that need a look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The layout.
    pub layout: Layout,
    /// The sheet read (xlsx only).
    pub sheet: Option<String>,
    /// The 1-based row of the header (of its first line, for a two-row header).
    pub header_row: u32,
    /// Rows skipped or read with a doubt.
    pub warnings: Vec<ImportWarning>,
}

/// Text that can stand in a TOML comment: control characters (which TOML forbids there,
/// line breaks included) are written as `\u{XX}`.
fn comment_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\t' {
            out.push_str(&format!("\\u{{{:02X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

impl Imported {
    /// The layout as a spec file, with a comment saying where it came from and what to
    /// review (including every warning).
    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        let from = match &self.sheet {
            Some(sheet) => format!("{}, sheet 「{sheet}」", self.layout_source_file()),
            None => self.layout_source_file(),
        };
        let from = comment_safe(&from);
        s.push_str(&format!(
            "# Imported by `ikou layouts import` from {from} (header row {}).\n",
            self.header_row
        ));
        s.push_str(
            "# status = \"unverified-transcription\": check every item against the source\n\
             # document before relying on it, then set status = \"verified\". Generated keys\n\
             # (item_001, …) may be renamed; the physical format is the importer's default.\n",
        );
        if !self.warnings.is_empty() {
            s.push_str("# Rows to review:\n");
            for w in &self.warnings {
                let text = comment_safe(&w.to_string());
                s.push_str(&format!("#   {text}\n"));
            }
        }
        s.push_str(&layout_to_toml(&self.layout));
        s
    }

    fn layout_source_file(&self) -> String {
        match &self.sheet {
            Some(sheet) => self
                .layout
                .source
                .strip_suffix(&format!(" シート「{sheet}」"))
                .unwrap_or(&self.layout.source)
                .to_string(),
            None => self.layout.source.clone(),
        }
    }
}

/// One sheet as a grid of text cells (merged cells filled in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    /// The sheet name.
    pub name: String,
    /// Non-empty rows in order.
    pub rows: Vec<SheetRow>,
    /// Merged ranges `(first_row, first_col, last_row, last_col)`, 1-based, inclusive.
    pub merges: Vec<(u32, u32, u32, u32)>,
    /// Problems with the sheet as a whole (ignored columns, …).
    pub warnings: Vec<ImportWarning>,
}

/// One row of a [`Sheet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// 1-based row number.
    pub number: u32,
    /// Cell texts by column (index 0 = column A); missing cells are empty.
    pub cells: Vec<String>,
}

impl SheetRow {
    /// The text of a 0-based column, or "".
    pub fn cell(&self, col: usize) -> &str {
        self.cells.get(col).map_or("", String::as_str)
    }
}

// ---------------------------------------------------------------------------------------
// xlsx

/// A workbook's zip, with the total of bytes read from it so far.
struct Zip<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    read: u64,
}

/// What a workbook's sheets have used so far, across all sheets.
#[derive(Default)]
struct Budget {
    cells: usize,
    text: u64,
    merged: u64,
}

impl Budget {
    fn add_text(&mut self, bytes: usize) -> Result<(), ImportError> {
        self.text += bytes as u64;
        if self.text > MAX_TOTAL_TEXT_BYTES {
            return Err(ImportError::TooLarge {
                part: "the workbook's cell text in all (shared strings count once per cell that uses them, merged cells once per cell they span)".into(),
                limit: MAX_TOTAL_TEXT_BYTES,
            });
        }
        Ok(())
    }
}

fn open_zip(bytes: &[u8]) -> Result<Zip<'_>, ImportError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(ImportError::NotXlsx)?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(ImportError::TooLarge {
            part: "zip entries".into(),
            limit: MAX_ZIP_ENTRIES as u64,
        });
    }
    Ok(Zip { archive, read: 0 })
}

/// Reads one part as UTF-8 text, bounded by [`MAX_PART_BYTES`]; `None` if it is absent.
fn read_part(zip: &mut Zip<'_>, name: &str) -> Result<Option<String>, ImportError> {
    let Some(index) = zip.archive.index_for_name(name) else {
        return Ok(None);
    };
    let total_left = MAX_TOTAL_PART_BYTES.saturating_sub(zip.read);
    let file = zip
        .archive
        .by_index(index)
        .map_err(|e| ImportError::PartRead {
            part: name.to_string(),
            source: Box::new(e),
        })?;
    let too_large = || ImportError::TooLarge {
        part: name.to_string(),
        limit: MAX_PART_BYTES,
    };
    if file.size() > MAX_PART_BYTES {
        return Err(too_large());
    }
    let mut buf = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ImportError::PartRead {
            part: name.to_string(),
            source: Box::new(e),
        })?;
    if buf.len() as u64 > MAX_PART_BYTES {
        return Err(too_large());
    }
    if buf.len() as u64 > total_left {
        return Err(ImportError::TooLarge {
            part: format!("the workbook's parts in all (at `{name}`)"),
            limit: MAX_TOTAL_PART_BYTES,
        });
    }
    zip.read += buf.len() as u64;
    let text = String::from_utf8(buf).map_err(|e| ImportError::Xml {
        part: name.to_string(),
        offset: e.utf8_error().valid_up_to() as u64,
        problem: XmlProblem::NotUtf8(e.utf8_error()),
    })?;
    Ok(Some(match text.strip_prefix('\u{feff}') {
        Some(t) => t.to_string(),
        None => text,
    }))
}

fn need_part(zip: &mut Zip<'_>, name: &str) -> Result<String, ImportError> {
    read_part(zip, name)?.ok_or_else(|| ImportError::MissingPart(name.to_string()))
}

/// Reads XML events, turning errors into [`ImportError::Xml`] with the part and offset.
struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    part: &'a str,
}

impl<'a> Xml<'a> {
    fn new(text: &'a str, part: &'a str) -> Xml<'a> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        Xml { reader, part }
    }

    fn next(&mut self) -> Result<Event<'a>, ImportError> {
        self.reader.read_event().map_err(|e| ImportError::Xml {
            part: self.part.to_string(),
            offset: self.reader.error_position(),
            problem: XmlProblem::Syntax(e),
        })
    }

    fn err(&self, problem: XmlProblem) -> ImportError {
        ImportError::Xml {
            part: self.part.to_string(),
            offset: self.reader.buffer_position(),
            problem,
        }
    }

    /// The value of an attribute by local name (`r:id` matches `id` only with `prefixed`).
    fn attr(&self, e: &BytesStart<'_>, name: &str) -> Result<Option<String>, ImportError> {
        for a in e.attributes() {
            let a = a.map_err(|err| self.err(XmlProblem::Attribute(err)))?;
            let key: &str = a.key.as_ref();
            let local = key.rsplit(':').next().unwrap_or(key);
            let matches = if name.contains(':') {
                key == name
                    || (key.contains(':') && local == name.rsplit(':').next().unwrap_or(name))
            } else {
                key == name
            };
            if matches {
                let v = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|err| self.err(XmlProblem::Syntax(err)))?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }

    /// Appends the text of a text-like event to `out`; returns whether it was one.
    fn text(&self, ev: &Event<'_>, out: &mut String) -> Result<bool, ImportError> {
        match ev {
            Event::Text(t) => out.push_str(&t.xml10_content()),
            Event::CData(t) => out.push_str(&t.clone().into_inner()),
            Event::GeneralRef(r) => {
                if let Some(c) = r
                    .resolve_char_ref()
                    .map_err(|e| self.err(XmlProblem::Syntax(e)))?
                {
                    out.push(c);
                } else {
                    let name = r.xml10_content();
                    match quick_xml::escape::resolve_xml_entity(&name) {
                        Some(v) => out.push_str(v),
                        None => return Err(self.err(XmlProblem::UnknownEntity(name.to_string()))),
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn local_name(e: &BytesStart<'_>) -> String {
    let n = e.local_name();
    let s: &str = n.as_ref();
    s.to_string()
}

fn end_local(e: &quick_xml::events::BytesEnd<'_>) -> String {
    let n = e.local_name();
    let s: &str = n.as_ref();
    s.to_string()
}

/// Decodes Excel's `_xHHHH_` escapes (`_x000D_` for CR).
fn decode_excel_escapes(s: &str) -> String {
    if !s.contains("_x") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("_x") {
        out.push_str(rest.get(..i).unwrap_or_default());
        let tail = rest.get(i..).unwrap_or_default();
        let hex = tail.get(2..6);
        let close = tail.get(6..7);
        match (hex, close) {
            (Some(h), Some("_")) if h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                let c = u32::from_str_radix(h, 16).ok().and_then(char::from_u32);
                match c {
                    Some(c) => out.push(c),
                    None => out.push_str(tail.get(..7).unwrap_or_default()),
                }
                rest = tail.get(7..).unwrap_or_default();
            }
            _ => {
                out.push_str("_x");
                rest = tail.get(2..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// The sheets of a workbook, `(name, part path)` in workbook order, and the path of the
/// shared strings part if the relationships name one.
type SheetParts = (Vec<(String, String)>, Option<String>);

fn workbook_sheets(zip: &mut Zip<'_>) -> Result<SheetParts, ImportError> {
    let wb_part = "xl/workbook.xml";
    let wb = need_part(zip, wb_part)?;
    let mut sheets: Vec<(String, String)> = Vec::new(); // (name, rel id)
    let mut x = Xml::new(&wb, wb_part);
    loop {
        match x.next()? {
            Event::Start(e) | Event::Empty(e) if local_name(&e) == "sheet" => {
                let name = x.attr(&e, "name")?.unwrap_or_default();
                let rid = x.attr(&e, "r:id")?.unwrap_or_default();
                sheets.push((name, rid));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let rels_part = "xl/_rels/workbook.xml.rels";
    let rels = need_part(zip, rels_part)?;
    let mut targets: HashMap<String, String> = HashMap::new();
    let mut shared = None;
    let mut x = Xml::new(&rels, rels_part);
    loop {
        match x.next()? {
            Event::Start(e) | Event::Empty(e) if local_name(&e) == "Relationship" => {
                let id = x.attr(&e, "Id")?.unwrap_or_default();
                let target = x.attr(&e, "Target")?.unwrap_or_default();
                let kind = x.attr(&e, "Type")?.unwrap_or_default();
                let path = resolve_target(&target);
                if kind.ends_with("/sharedStrings") {
                    shared = Some(path.clone());
                }
                targets.insert(id, path);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (name, rid) in sheets {
        let path = targets.get(&rid).cloned().ok_or_else(|| {
            ImportError::MissingPart(format!(
                "{rels_part} relationship `{rid}` (sheet 「{name}」)"
            ))
        })?;
        out.push((name, path));
    }
    Ok((out, shared))
}

/// A relationship target of the workbook as a path inside the zip.
fn resolve_target(target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("xl/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn read_shared_strings(text: &str, part: &str) -> Result<Vec<String>, ImportError> {
    let mut out = Vec::new();
    let mut x = Xml::new(text, part);
    let mut cur: Option<String> = None;
    let mut skip = 0u32; // inside <rPh> (phonetic runs) or <phoneticPr>
    let mut in_t = false;
    loop {
        let ev = x.next()?;
        match &ev {
            Event::Start(e) => match local_name(e).as_str() {
                "si" => cur = Some(String::new()),
                "rPh" => skip += 1,
                "t" => in_t = cur.is_some() && skip == 0,
                _ => {}
            },
            Event::End(e) => match end_local(e).as_str() {
                "si" => {
                    if let Some(s) = cur.take() {
                        if out.len() >= MAX_CELLS {
                            return Err(ImportError::TooLarge {
                                part: part.to_string(),
                                limit: MAX_CELLS as u64,
                            });
                        }
                        out.push(decode_excel_escapes(&s));
                    }
                }
                "rPh" => skip = skip.saturating_sub(1),
                "t" => in_t = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {
                if in_t {
                    if let Some(s) = cur.as_mut() {
                        x.text(&ev, s)?;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Parses `B12` into 1-based `(row, col)`.
fn parse_cell_ref(r: &str) -> Option<(u32, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col: u32 = 0;
    for b in r.bytes().take(letters) {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = r.get(letters..)?.parse().ok()?;
    (row >= 1 && col >= 1).then_some((row, col))
}

fn format_number(v: &str) -> String {
    match v.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => v.trim().to_string(),
    }
}

struct CellState {
    row: u32,
    col: u32,
    kind: String,
    value: String,
    inline: String,
}

fn read_worksheet(
    text: &str,
    part: &str,
    name: &str,
    shared: &[String],
    budget: &mut Budget,
) -> Result<Sheet, ImportError> {
    let mut x = Xml::new(text, part);
    let mut grid: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut cells = 0usize;
    let mut merges = Vec::new();
    let mut ignored_cols = 0usize;
    let mut row: u32 = 0;
    let mut last_col: u32 = 0;
    let mut cell: Option<CellState> = None;
    let mut in_v = false;
    let mut in_is = false;
    let mut in_t = false;
    let mut skip = 0u32;
    let too_many = |what: &str, limit: u64| ImportError::TooLarge {
        part: format!("{part} ({what})"),
        limit,
    };
    loop {
        let ev = x.next()?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                match local_name(e).as_str() {
                    "row" => {
                        row = match x.attr(e, "r")? {
                            Some(r) => r
                                .trim()
                                .parse()
                                .map_err(|_| x.err(XmlProblem::RowNumber(r.clone())))?,
                            None => row + 1,
                        };
                        if row == 0 || row > MAX_ROWS {
                            return Err(too_many("rows", u64::from(MAX_ROWS)));
                        }
                        last_col = 0;
                    }
                    "c" => {
                        let (r, c) = match x.attr(e, "r")? {
                            Some(reference) => parse_cell_ref(&reference).ok_or_else(|| {
                                x.err(XmlProblem::CellReference(reference.clone()))
                            })?,
                            None => (row.max(1), last_col + 1),
                        };
                        if r > MAX_ROWS {
                            return Err(too_many("rows", u64::from(MAX_ROWS)));
                        }
                        last_col = c;
                        let kind = x.attr(e, "t")?.unwrap_or_default();
                        if !empty {
                            cell = Some(CellState {
                                row: r,
                                col: c,
                                kind,
                                value: String::new(),
                                inline: String::new(),
                            });
                        }
                    }
                    "v" if !empty => in_v = cell.is_some(),
                    "is" if !empty => in_is = cell.is_some(),
                    "rPh" if !empty => skip += 1,
                    "t" if !empty => in_t = in_is && skip == 0,
                    "mergeCell" => {
                        if let Some(reference) = x.attr(e, "ref")? {
                            let mut it = reference.split(':');
                            let a = it.next().and_then(parse_cell_ref);
                            let b = it.next().and_then(parse_cell_ref).or(a);
                            match (a, b) {
                                (Some((r1, c1)), Some((r2, c2))) => {
                                    merges.push((r1.min(r2), c1.min(c2), r1.max(r2), c1.max(c2)))
                                }
                                _ => return Err(x.err(XmlProblem::MergeRange(reference.clone()))),
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match end_local(e).as_str() {
                "v" => in_v = false,
                "is" => in_is = false,
                "t" => in_t = false,
                "rPh" => skip = skip.saturating_sub(1),
                "c" => {
                    if let Some(c) = cell.take() {
                        let text = match c.kind.as_str() {
                            "s" => {
                                let idx: usize = c
                                    .value
                                    .trim()
                                    .parse()
                                    .map_err(|_| x.err(XmlProblem::SharedStringIndex))?;
                                let found = shared
                                    .get(idx)
                                    .ok_or_else(|| x.err(XmlProblem::MissingSharedString(idx)))?;
                                // Counted before the copy is made.
                                budget.add_text(found.len())?;
                                found.clone()
                            }
                            "inlineStr" => decode_excel_escapes(&c.inline),
                            "b" => match c.value.trim() {
                                "1" => "TRUE".to_string(),
                                _ => "FALSE".to_string(),
                            },
                            "str" | "e" => decode_excel_escapes(&c.value),
                            _ => format_number(&c.value),
                        };
                        if !text.trim().is_empty() {
                            if c.col > MAX_COLUMNS {
                                ignored_cols += 1;
                            } else {
                                cells += 1;
                                budget.cells += 1;
                                if cells > MAX_CELLS || budget.cells > MAX_CELLS {
                                    return Err(too_many("cells", MAX_CELLS as u64));
                                }
                                if c.kind != "s" {
                                    budget.add_text(text.len())?;
                                }
                                grid.entry(c.row).or_default().insert(c.col, text);
                            }
                        }
                    }
                    in_v = false;
                    in_is = false;
                    in_t = false;
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {
                if let Some(c) = cell.as_mut() {
                    if in_v {
                        x.text(&ev, &mut c.value)?;
                    } else if in_t {
                        x.text(&ev, &mut c.inline)?;
                    }
                }
            }
        }
    }
    // A merged cell's value applies to every cell it spans (bounded by the sheet's extent).
    let max_row = grid.keys().next_back().copied().unwrap_or(0);
    for &(r1, c1, r2, c2) in &merges {
        let Some(value) = grid.get(&r1).and_then(|r| r.get(&c1)).cloned() else {
            continue;
        };
        let area = u64::from(r2.min(max_row).saturating_sub(r1) + 1)
            * u64::from(c2.min(MAX_COLUMNS).saturating_sub(c1) + 1);
        budget.merged += area;
        if budget.merged > MAX_MERGED_AREA {
            return Err(ImportError::TooLarge {
                part: format!("{part} (merged cells: total area of merged ranges in the workbook)"),
                limit: MAX_MERGED_AREA,
            });
        }
        for r in r1..=r2.min(max_row) {
            for c in c1..=c2.min(MAX_COLUMNS) {
                if (r, c) == (r1, c1) {
                    continue;
                }
                let row_cells = grid.entry(r).or_default();
                if let std::collections::btree_map::Entry::Vacant(v) = row_cells.entry(c) {
                    cells += 1;
                    budget.cells += 1;
                    if cells > MAX_CELLS || budget.cells > MAX_CELLS {
                        return Err(too_many("cells", MAX_CELLS as u64));
                    }
                    budget.add_text(value.len())?;
                    v.insert(value.clone());
                }
            }
        }
    }
    let mut warnings = Vec::new();
    if ignored_cols > 0 {
        warnings.push(ImportWarning {
            row: 0,
            message: format!("{ignored_cols} cell(s) right of column {MAX_COLUMNS} were ignored"),
        });
    }
    let rows = grid
        .into_iter()
        .map(|(number, cols)| {
            let width = cols.keys().next_back().copied().unwrap_or(0) as usize;
            let mut cells = vec![String::new(); width];
            for (c, v) in cols {
                if let Some(slot) = cells.get_mut(c as usize - 1) {
                    *slot = v;
                }
            }
            SheetRow { number, cells }
        })
        .collect();
    Ok(Sheet {
        name: name.to_string(),
        rows,
        merges,
        warnings,
    })
}

/// The sheet names of a workbook, in workbook order.
///
/// # Errors
/// The bytes are not a workbook, or a part is missing, too large or malformed.
pub fn xlsx_sheet_names(bytes: &[u8]) -> Result<Vec<String>, ImportError> {
    let mut zip = open_zip(bytes)?;
    Ok(workbook_sheets(&mut zip)?
        .0
        .into_iter()
        .map(|(n, _)| n)
        .collect())
}

/// File extensions of COBOL copybooks and sources.
pub const COBOL_EXTENSIONS: [&str; 5] = ["cpy", "cob", "cbl", "copy", "cobol"];

/// Whether `bytes` start as a zip archive (an .xlsx workbook is one).
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The lower-case extension of `file` (empty without one).
fn extension(file: &std::path::Path) -> String {
    file.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Whether `ikou layouts import` reads `file` (its `bytes`) as a COBOL copybook: not a zip,
/// and a COBOL extension ([`COBOL_EXTENSIONS`]) or, for any extension but `.csv`, text that
/// [`copybook::looks_like_copybook`].
pub fn is_copybook_file(file: &std::path::Path, bytes: &[u8]) -> bool {
    let ext = extension(file);
    !is_zip(bytes)
        && (COBOL_EXTENSIONS.contains(&ext.as_str())
            || (ext != "csv" && copybook::looks_like_copybook(bytes)))
}

/// Whether `file` (its `bytes`) is read as a workbook rather than CSV: an `.xlsx`/`.xlsm`
/// extension or a zip archive.
pub fn is_workbook_file(file: &std::path::Path, bytes: &[u8]) -> bool {
    matches!(extension(file).as_str(), "xlsx" | "xlsm") || is_zip(bytes)
}

/// Whether `bytes` are a workbook in the official デジタル庁 form
/// ([`official::is_official_form`]); `false` for anything that is not a zip archive.
///
/// # Errors
/// A zip archive that is not a readable workbook.
pub fn is_official_workbook(bytes: &[u8]) -> Result<bool, ImportError> {
    if !is_zip(bytes) {
        return Ok(false);
    }
    Ok(official::is_official_form(&read_xlsx(bytes, None)?))
}

/// `chukan/<file stem>` with the stem reduced to lower-case ASCII letters, digits and `-`.
pub fn default_layout_id(file: &std::path::Path) -> String {
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

/// Reads sheets of a workbook: the named one, or all of them in order.
///
/// # Errors
/// The bytes are not a workbook, the sheet does not exist, or a part is missing, too large
/// or malformed.
pub fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Sheet>, ImportError> {
    let mut zip = open_zip(bytes)?;
    let (sheets, shared_part) = workbook_sheets(&mut zip)?;
    let chosen: Vec<&(String, String)> = match sheet {
        Some(name) => {
            let found: Vec<_> = sheets.iter().filter(|(n, _)| n == name).collect();
            if found.is_empty() {
                return Err(ImportError::NoSheet {
                    name: name.to_string(),
                    available: sheets
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            found
        }
        None => sheets.iter().collect(),
    };
    let shared_part = shared_part.unwrap_or_else(|| "xl/sharedStrings.xml".to_string());
    let shared = match read_part(&mut zip, &shared_part)? {
        Some(text) => read_shared_strings(&text, &shared_part)?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    let mut budget = Budget::default();
    for (name, path) in chosen {
        let text = need_part(&mut zip, path)?;
        out.push(read_worksheet(&text, path, name, &shared, &mut budget)?);
    }
    Ok(out)
}

/// Imports an item list from a workbook: the named sheet, or the first sheet with a header
/// row.
///
/// # Errors
/// See [`ImportError`]; rows that cannot be read are warnings in the result instead.
pub fn import_xlsx(
    bytes: &[u8],
    sheet: Option<&str>,
    opts: &ImportOptions,
) -> Result<Imported, ImportError> {
    let sheets = read_xlsx(bytes, sheet)?;
    let mut searched = Vec::new();
    for s in &sheets {
        if find_header(&s.rows, &s.merges).is_some() {
            let mut imported = import_sheet(s, opts)?;
            imported.sheet = Some(s.name.clone());
            return Ok(imported);
        }
        searched.push(format!("「{}」", s.name));
    }
    Err(ImportError::NoHeader {
        place: if searched.is_empty() {
            "the workbook (it has no sheet)".to_string()
        } else {
            format!("sheet {}", searched.join(", "))
        },
    })
}

// ---------------------------------------------------------------------------------------
// CSV

/// Decodes a CSV item list: UTF-8 (with or without BOM), else CP932.
fn decode_text(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
        .ok_or(ImportError::Encoding)
}

/// The 1-based line where a CSV record starts. The csv crate's positions point at the
/// terminator before a record and count CR LF lines inexactly, so lines are counted here
/// from the byte offset, skipping line breaks (incrementally: records come in order).
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let mut target = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while matches!(self.text.get(target), Some(b'\r' | b'\n')) {
            target += 1;
        }
        if target < self.byte {
            self.byte = 0;
            self.line = 1;
        }
        // A line ends at LF, or at a CR that no LF follows.
        let newlines = (self.byte..target)
            .filter(|&i| match self.text.get(i) {
                Some(b'\n') => true,
                Some(b'\r') => self.text.get(i + 1) != Some(&b'\n'),
                _ => false,
            })
            .count();
        self.line += newlines as u64;
        self.byte = target;
        self.line
    }
}

/// Imports an item list from CSV bytes (UTF-8, or CP932 as Excel writes it).
///
/// # Errors
/// See [`ImportError`]; rows that cannot be read are warnings in the result instead.
pub fn import_csv(bytes: &[u8], opts: &ImportOptions) -> Result<Imported, ImportError> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err(ImportError::TooLarge {
            part: "CSV file".into(),
            limit: MAX_CSV_BYTES as u64,
        });
    }
    let text = decode_text(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(&text);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ImportError::Csv {
            line: e.position().map_or(0, |p| lines.line_at(p.byte())),
            source: e,
        })?;
        let line = rec.position().map_or(0, |p| lines.line_at(p.byte()));
        let number = u32::try_from(line).unwrap_or(u32::MAX);
        if number > MAX_ROWS {
            return Err(ImportError::TooLarge {
                part: "CSV rows".into(),
                limit: u64::from(MAX_ROWS),
            });
        }
        let cells: Vec<String> = rec
            .iter()
            .take(MAX_COLUMNS as usize)
            .map(str::to_string)
            .collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            rows.push(SheetRow { number, cells });
        }
    }
    let sheet = Sheet {
        name: opts.source.clone(),
        rows,
        merges: Vec::new(),
        warnings: Vec::new(),
    };
    if find_header(&sheet.rows, &[]).is_none() {
        return Err(ImportError::NoHeader {
            place: opts.source.clone(),
        });
    }
    import_sheet(&sheet, opts)
}

// ---------------------------------------------------------------------------------------
// From rows to a layout

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Number,
    Key,
    Name,
    Type,
    Length,
    Required,
    Repeat,
    Code,
    Note,
}

/// Normalises a header title: no spaces or line breaks, full-width ASCII folded.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn concept(title: &str) -> Option<Col> {
    let t = fold(title);
    let l = t.to_lowercase();
    if t.is_empty() {
        return None;
    }
    if t.contains("項目番号")
        || t.contains("項番")
        || l == "no"
        || l == "no."
        || l == "#"
        || t == "№"
        || t == "番号"
        || t == "連番"
    {
        return Some(Col::Number);
    }
    if t.contains("英字")
        || t.contains("英名")
        || t.contains("物理名")
        || t.contains("項目ID")
        || l == "key"
        || l == "id"
    {
        return Some(Col::Key);
    }
    if t.contains("項目名") || t == "名称" || t.contains("データ項目") || t == "項目" {
        return Some(Col::Name);
    }
    if t.contains("データ型")
        || t == "型"
        || t.contains("型式")
        || t.contains("属性")
        || t.contains("データ形式")
        || t.contains("文字種")
        || t.contains("タイプ")
    {
        return Some(Col::Type);
    }
    if t.contains("桁数")
        || t.contains("バイト数")
        || t.contains("長さ")
        || t == "桁"
        || t.contains("サイズ")
        || t.contains("レングス")
    {
        return Some(Col::Length);
    }
    if t.contains("必須") {
        return Some(Col::Required);
    }
    if t.contains("繰返") || t.contains("繰り返") || t.contains("反復") || t.contains("回数")
    {
        return Some(Col::Repeat);
    }
    if t.contains("コード") {
        return Some(Col::Code);
    }
    if t.contains("備考") || t.contains("説明") || t.contains("摘要") || t.contains("内容")
    {
        return Some(Col::Note);
    }
    None
}

/// The header: its first and last row and the columns of each concept.
struct Header {
    row: u32,
    last_row: u32,
    cols: HashMap<Col, usize>,
    /// Length columns: (column, counts bytes).
    lengths: Vec<(usize, bool)>,
}

/// Finds the header row in the first rows, combining a two-row header whose first row has
/// vertically merged cells.
fn find_header(rows: &[SheetRow], merges: &[(u32, u32, u32, u32)]) -> Option<Header> {
    let mut best: Option<(usize, Header)> = None;
    for (i, row) in rows.iter().enumerate() {
        if row.number > HEADER_SEARCH_ROWS {
            break;
        }
        // A header spans the rows that a merged cell of this row reaches down to.
        let last_row = merges
            .iter()
            .filter(|(r1, _, r2, _)| *r1 == row.number && *r2 > *r1)
            .map(|(_, _, r2, _)| *r2)
            .max()
            .unwrap_or(row.number)
            .min(row.number + 3);
        let width = rows
            .iter()
            .skip(i)
            .take_while(|r| r.number <= last_row)
            .map(|r| r.cells.len())
            .max()
            .unwrap_or(0);
        let mut cols: HashMap<Col, usize> = HashMap::new();
        let mut lengths = Vec::new();
        for c in 0..width {
            let mut title = String::new();
            for r in rows.iter().skip(i).take_while(|r| r.number <= last_row) {
                let t = r.cell(c);
                if !t.is_empty() && !title.ends_with(t) {
                    title.push_str(t);
                }
            }
            match concept(&title) {
                Some(Col::Length) => {
                    lengths.push((c, fold(&title).contains("バイト")));
                    cols.entry(Col::Length).or_insert(c);
                }
                Some(k) => {
                    cols.entry(k).or_insert(c);
                }
                None => {}
            }
        }
        if !cols.contains_key(&Col::Name)
            || !(cols.contains_key(&Col::Type) || cols.contains_key(&Col::Length))
        {
            continue;
        }
        let score = cols.len();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Header {
                    row: row.number,
                    last_row,
                    cols,
                    lengths,
                },
            ));
        }
    }
    best.map(|(_, h)| h)
}

/// Parses a count (length, repeat, number): ASCII or full-width digits, optionally followed
/// by other text. Returns the number and whether extra text was ignored.
fn leading_number(s: &str) -> Option<(i64, bool)> {
    let t = fold(s);
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let rest = t.get(digits.len()..).unwrap_or_default();
    let extra =
        !(rest.is_empty() || rest == ".0" || rest == "桁" || rest == "バイト" || rest == "文字");
    Some((n, extra))
}

fn parse_required(s: &str) -> Option<bool> {
    let t = fold(s).to_lowercase();
    match t.as_str() {
        "" | "×" | "-" | "ー" | "―" | "任意" | "否" | "n" | "no" | "0" | "false" | "不要" | "△" => {
            Some(false)
        }
        "○" | "〇" | "◯" | "◎" | "●" | "必須" | "要" | "y" | "yes" | "1" | "true" | "必" => {
            Some(true)
        }
        _ => None,
    }
}

/// Maps a データ型 word (and, for generic text types, the item name) to a domain type.
/// Returns the domain, a date form if the type says one, and whether the type was unknown.
fn domain_for(type_text: &str, name: &str) -> (DomainType, Option<DateForm>, Option<String>) {
    let t = fold(type_text).to_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| t.contains(x));
    let (mut domain, mut form, mut note) = (DomainType::Text, None, None);
    if t.is_empty() {
        note = Some("ikou: データ型の記載なし、text とした".to_string());
    } else if has(&["日付", "年月日", "date", "和暦", "西暦"]) {
        domain = DomainType::Date;
        if has(&["yyyy-mm-dd"]) {
            form = Some(DateForm::Iso);
        } else if has(&["yyyymmdd", "西暦"]) {
            form = Some(DateForm::Yyyymmdd);
        }
    } else if has(&["カナ", "ｶﾅ", "かな", "kana"]) {
        domain = DomainType::Kana;
    } else if has(&["コード", "区分", "フラグ", "code", "flag"]) {
        domain = DomainType::Code;
    } else if has(&[
        "金額", "数値", "整数", "小数", "numeric", "number", "decimal", "integer", "int",
    ]) {
        domain = DomainType::Amount;
    } else if has(&["数字"]) || t == "9" {
        domain = DomainType::Digits;
    } else if has(&["全角", "漢字", "日本語"]) || t == "n" {
        domain = DomainType::Fullwidth;
    } else if has(&["半角", "英数", "文字", "text", "char", "string", "varchar"]) || t == "x"
    {
        domain = DomainType::Text;
    } else {
        note = Some(format!(
            "ikou: データ型「{type_text}」は未対応のため text とした"
        ));
    }
    // Item names that say exactly what a generic value is.
    if matches!(
        domain,
        DomainType::Text | DomainType::Fullwidth | DomainType::Digits
    ) {
        let by_name = if name.contains("個人番号") {
            Some(DomainType::IndividualNumber)
        } else if name.contains("住民票コード") {
            Some(DomainType::ResidentCode)
        } else if name.contains("郵便番号") {
            Some(DomainType::PostalCode)
        } else if name.contains("電話番号") {
            Some(DomainType::Phone)
        } else if name.contains("地方公共団体コード") || name.contains("団体コード") {
            Some(DomainType::LgCode)
        } else if (name.contains("氏名") || name.ends_with("氏") || name.ends_with("名"))
            && (name.contains("カナ") || name.contains("フリガナ") || name.contains("かな"))
        {
            Some(DomainType::Kana)
        } else if name.contains("氏名") && domain != DomainType::Digits {
            Some(DomainType::KanjiName)
        } else if (name.contains("住所") || name.contains("方書") || name.contains("所在地"))
            && domain != DomainType::Digits
        {
            Some(DomainType::Address)
        } else {
            None
        };
        if let Some(d) = by_name {
            domain = d;
            let n = "ikou: 型は項目名から推定".to_string();
            note = Some(match note {
                Some(old) => format!("{old}; {n}"),
                None => n,
            });
        }
    }
    (domain, form, note)
}

fn family_of(id: &str) -> Result<Family, ImportError> {
    let (fam, rest) = id
        .split_once('/')
        .ok_or_else(|| ImportError::Options(format!("layout id `{id}` must be `family/name`")))?;
    let family = match fam {
        "legacy" => Family::Legacy,
        "chukan" => Family::Chukan,
        "standard" => Family::Standard,
        other => {
            return Err(ImportError::Options(format!(
                "layout family `{other}`; expected legacy, chukan or standard"
            )))
        }
    };
    let ok = !rest.is_empty()
        && rest.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
        && !rest.starts_with('.');
    if !ok {
        return Err(ImportError::Options(format!(
            "layout id `{id}`: the name must be lower-case ASCII letters, digits, `-`, `_` or `.`"
        )));
    }
    Ok(family)
}

/// Builds a layout from the rows of a sheet (or CSV file) that contains a header row.
///
/// # Errors
/// No header row, no readable item, or invalid options.
pub fn import_sheet(sheet: &Sheet, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let family = family_of(&opts.id)?;
    let header = find_header(&sheet.rows, &sheet.merges).ok_or_else(|| ImportError::NoHeader {
        place: format!("「{}」", sheet.name),
    })?;
    let fixed = opts.format == ImportFormat::Fixed;
    let mut warnings = sheet.warnings.clone();
    // Which length column: bytes for fixed-length layouts, characters otherwise.
    let (length_col, length_in_bytes) = {
        let pick = header
            .lengths
            .iter()
            .find(|(_, bytes)| *bytes == fixed)
            .or_else(|| header.lengths.first())
            .copied();
        match pick {
            Some((c, b)) => (Some(c), b),
            None => (None, false),
        }
    };
    if length_col.is_none() {
        return Err(ImportError::NoItems {
            header_row: header.row,
            warnings: 0,
        });
    }
    let unit = if fixed || length_in_bytes {
        LengthUnit::Bytes
    } else {
        LengthUnit::Chars
    };
    if fixed && !length_in_bytes {
        warnings.push(ImportWarning {
            row: header.row,
            message: "the length column does not say バイト: lengths were taken as bytes for a fixed-length layout; check each one".into(),
        });
    }
    let col = |k: Col| header.cols.get(&k).copied();
    let mut items: Vec<Item> = Vec::new();
    let mut numbers: HashSet<u32> = HashSet::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut offset: u64 = 0;
    for row in sheet.rows.iter().filter(|r| r.number > header.last_row) {
        let get = |k: Option<usize>| k.map_or("", |c| row.cell(c)).trim();
        let name = get(col(Col::Name));
        let type_text = get(col(Col::Type));
        let length_text = get(length_col);
        if name.is_empty() && type_text.is_empty() && length_text.is_empty() {
            continue; // nothing of an item in this row (a remark, a page footer…)
        }
        let warn = |warnings: &mut Vec<ImportWarning>, message: String| {
            warnings.push(ImportWarning {
                row: row.number,
                message,
            });
        };
        if name.is_empty() {
            warn(&mut warnings, "no item name: skipped".into());
            continue;
        }
        let length = match leading_number(length_text) {
            Some((n, extra)) if (1..=i64::from(MAX_ITEM_LENGTH)).contains(&n) => {
                if extra {
                    warn(
                        &mut warnings,
                        format!("「{name}」: length 「{length_text}」 read as {n}"),
                    );
                }
                n as u32
            }
            _ if length_text.is_empty() => {
                warn(
                    &mut warnings,
                    format!("「{name}」 has no length (a group heading?): skipped"),
                );
                continue;
            }
            _ => {
                warn(
                    &mut warnings,
                    format!("「{name}」: length 「{length_text}」 is not a usable length: skipped"),
                );
                continue;
            }
        };
        let repeat_text = get(col(Col::Repeat));
        let repeat = match leading_number(repeat_text) {
            _ if repeat_text.is_empty() => 1,
            Some((n, _)) if (1..=i64::from(MAX_REPEAT)).contains(&n) => n as u32,
            _ => {
                if !matches!(fold(repeat_text).as_str(), "-" | "×" | "ー" | "なし" | "無") {
                    warn(
                        &mut warnings,
                        format!(
                            "「{name}」: repetition 「{repeat_text}」 not understood, taken as 1"
                        ),
                    );
                }
                1
            }
        };
        let span = u64::from(length) * u64::from(repeat);
        if fixed && offset + span > u64::from(MAX_RECORD_LENGTH) {
            warn(
                &mut warnings,
                format!("「{name}」 would make the record longer than {MAX_RECORD_LENGTH} bytes: skipped"),
            );
            continue;
        }
        let required_text = get(col(Col::Required));
        let required = match parse_required(required_text) {
            Some(b) => b,
            None => {
                warn(
                    &mut warnings,
                    format!("「{name}」: 必須 「{required_text}」 not understood, taken as not required"),
                );
                false
            }
        };
        let mut notes: Vec<String> = Vec::new();
        let number_text = get(col(Col::Number));
        let number = match leading_number(number_text) {
            Some((n, false)) if u32::try_from(n).is_ok_and(|n| !numbers.contains(&n)) => n as u32,
            _ => {
                let next = numbers.iter().max().map_or(1, |m| m + 1);
                if !number_text.is_empty() {
                    notes.push(format!("元の項目番号 {number_text}"));
                    warn(
                        &mut warnings,
                        format!("「{name}」: item number 「{number_text}」 unusable or repeated, numbered {next}"),
                    );
                }
                next
            }
        };
        numbers.insert(number);
        let key_text = fold(get(col(Col::Key))).to_lowercase();
        let mut key = if valid_key(&key_text) {
            key_text
        } else {
            format!("item_{number:03}")
        };
        if keys.contains(&key) {
            let base = key.clone();
            let mut n = 2;
            while keys.contains(&key) {
                key = format!("{base}_{n}");
                n += 1;
            }
        }
        keys.insert(key.clone());
        let (domain, date_form, type_note) = domain_for(type_text, name);
        if !type_text.is_empty() {
            notes.push(format!("データ型 {type_text}"));
        }
        if let Some(n) = type_note {
            notes.push(n);
        }
        let code = get(col(Col::Code));
        if !code.is_empty() {
            notes.push(format!("コード {code}"));
        }
        let remark = get(col(Col::Note));
        if !remark.is_empty() {
            notes.push(format!("備考 {remark}"));
        }
        items.push(Item {
            number,
            name: name.to_string(),
            key,
            domain,
            length,
            unit,
            offset: fixed.then_some(offset as u32),
            required,
            repeat,
            code_table: None,
            date_form,
            padding: Padding::Spaces,
            zero_pad: false,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
            official: None,
            representation: Representation::Display,
            host_kind: None,
            encoding: None,
        });
        offset += span;
    }
    if items.is_empty() {
        return Err(ImportError::NoItems {
            header_row: header.row,
            warnings: warnings.len(),
        });
    }
    let format = if fixed {
        PhysicalFormat::Fixed {
            record_length: offset as u32,
            terminator: Terminator::Crlf,
        }
    } else {
        PhysicalFormat::Delimited {
            delimiter: b',',
            quote: Some(b'"'),
            header_rows: 1,
            terminator: Terminator::Crlf,
        }
    };
    let source = if sheet.name == opts.source {
        opts.source.clone()
    } else {
        format!("{} シート「{}」", opts.source, sheet.name)
    };
    let note = format!(
        "ikou layouts import: header row {}, {} item(s), {} row(s) to review",
        header.row,
        items.len(),
        warnings.len()
    );
    let layout = Layout {
        id: opts.id.clone(),
        name: opts.name.clone().unwrap_or_else(|| sheet.name.clone()),
        gyomu: opts.gyomu.clone(),
        family,
        source,
        version: String::new(),
        status: Status::UnverifiedTranscription,
        encoding: opts
            .encoding
            .clone()
            .unwrap_or_else(|| if fixed { "cp932" } else { "utf-8" }.to_string()),
        format,
        items,
        record_types: None,
        note: Some(note),
        official: None,
    };
    // The importer's output must pass the same checks as a hand-written spec.
    let text = layout_to_toml(&layout);
    let reloaded = crate::parse_layout(&text, "imported").map_err(ImportError::Invalid)?;
    Ok(Imported {
        layout: reloaded,
        sheet: None,
        header_row: header.row,
        warnings,
    })
}
