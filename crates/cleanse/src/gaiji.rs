//! 外字: the municipality's user-defined characters, their table and their inventory.
//!
//! CP932 files carry 外字 in the user-defined area (lead bytes F0–F9, 1,880 codes F040–F9FC),
//! which decodes to the private-use code points U+E000–U+E757. A PUA character means nothing
//! outside the vendor's font, so every one is either **mapped** through a 外字 table to its
//! replacement (a recorded change, rule `gaiji.map`) or **unmapped** and handled by the
//! character profile's policy (reject the record, or keep the PUA character and flag it).
//! Either way it lands in the [`GaijiInventory`].
//!
//! # The 外字 table (CSV)
//!
//! UTF-8, a header row whose first four columns are `code,replacement,mj,note`; further
//! columns are ignored (so an inventory written by `ikou gaiji --csv`, filled in by staff,
//! loads back as a table).
//!
//! | column | content |
//! |---|---|
//! | `code` | the legacy code as hex bytes, `F040`–`F9FC` (a `0x` prefix is allowed) |
//! | `replacement` | the Unicode text it stands for, literally — one character, possibly followed by an IVS selector (U+E0100–U+E01EF), or a short sequence. Empty = not decided yet (the row is skipped) |
//! | `mj` | the MJ文字図形名 (`MJ028902`) when known, else empty |
//! | `note` | free text (who decided, from which source) |
//!
//! ```
//! use ikou_cleanse::gaiji::GaijiTable;
//! let table = GaijiTable::parse("code,replacement,mj,note\nF040,髙,MJ028902,はしごだか\nF041,,,未同定\n", "t.csv").unwrap();
//! assert_eq!(table.len(), 1);
//! assert_eq!(table.get(0xF040).unwrap().replacement, "髙");
//! assert!(table.get(0xF041).is_none());
//! ```

use crate::encode::cp932_to_pua;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One mapped 外字.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GaijiMapping {
    /// The legacy code (`0xF040`).
    pub code: u16,
    /// The replacement text (with an IVS selector if needed).
    pub replacement: String,
    /// The MJ文字図形名, if known.
    pub mj: Option<String>,
    /// Free-text note.
    pub note: Option<String>,
}

/// A 外字 table: legacy code → replacement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GaijiTable {
    map: BTreeMap<u16, GaijiMapping>,
    undecided: usize,
}

/// One problem in a 外字 table file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaijiTableError {
    /// The file name as given.
    pub file: String,
    /// The 1-based line (0 when the file as a whole is wrong).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for GaijiTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Every problem found in a 外字 table file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct GaijiTableErrors(pub Vec<GaijiTableError>);

impl fmt::Display for GaijiTableErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Formats a code as the table writes it (`F040`).
pub fn code_hex(code: u16) -> String {
    format!("{code:04X}")
}

fn parse_code(text: &str, area: Option<(&dyn Fn(u16) -> bool, &str)>) -> Result<u16, String> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if t.len() != 4 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "code `{}` is not 4 hex digits (like F040)",
            text.trim()
        ));
    }
    let code = u16::from_str_radix(t, 16).map_err(|e| e.to_string())?;
    if let Some((accept, name)) = area {
        // A host code page's table (issue #16): its own user-defined area.
        return if accept(code) {
            Ok(code)
        } else {
            Err(format!(
                "code {} is not in the user-defined area of {name}",
                code_hex(code)
            ))
        };
    }
    if cp932_to_pua(code).is_none() {
        return Err(format!(
            "code {} is not in the CP932 user-defined area F040–F9FC",
            code_hex(code)
        ));
    }
    Ok(code)
}

fn check_replacement(r: &str) -> Result<(), String> {
    if r.contains('\u{FFFD}') {
        return Err("replacement contains U+FFFD".into());
    }
    if r.chars().any(|c| c.is_control()) {
        return Err("replacement contains a control character".into());
    }
    if r.chars().count() > 16 {
        return Err("replacement is longer than 16 characters".into());
    }
    let first = r.chars().next();
    if first.is_some_and(|c| matches!(c as u32, 0xE0100..=0xE01EF | 0xFE00..=0xFE0F)) {
        return Err("replacement starts with a variation selector".into());
    }
    Ok(())
}

fn check_mj(mj: &str) -> Result<(), String> {
    let ok =
        mj.len() == 8 && mj.starts_with("MJ") && mj.bytes().skip(2).all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "mj `{mj}` is not an MJ文字図形名 (MJ followed by 6 digits)"
        ))
    }
}

impl GaijiTable {
    /// An empty table (every 外字 unmapped).
    pub fn new() -> GaijiTable {
        GaijiTable::default()
    }

    /// Parses a table from CSV text; `file` names the source in errors.
    ///
    /// # Errors
    /// Every problem, each with its line: a wrong header, a malformed code or MJ name,
    /// a replacement with U+FFFD or control characters, a duplicate code.
    pub fn parse(text: &str, file: &str) -> Result<GaijiTable, GaijiTableErrors> {
        GaijiTable::parse_area(text, file, None)
    }

    /// [`GaijiTable::parse`] for a host code page's table (issue #16): the codes are the
    /// code page's own (as they stand in the items), `accept` says which are user-defined,
    /// `name` names the code page in errors.
    ///
    /// # Errors
    /// As [`GaijiTable::parse`].
    pub fn parse_host(
        text: &str,
        file: &str,
        accept: &dyn Fn(u16) -> bool,
        name: &str,
    ) -> Result<GaijiTable, GaijiTableErrors> {
        GaijiTable::parse_area(text, file, Some((accept, name)))
    }

    fn parse_area(
        text: &str,
        file: &str,
        area: Option<(&dyn Fn(u16) -> bool, &str)>,
    ) -> Result<GaijiTable, GaijiTableErrors> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut errors = Vec::new();
        let err = |line: u64, message: String| GaijiTableError {
            file: file.to_string(),
            line,
            message,
        };
        match rdr.headers() {
            Ok(h) => {
                let cols: Vec<&str> = h.iter().take(4).map(str::trim).collect();
                if cols != ["code", "replacement", "mj", "note"] {
                    return Err(GaijiTableErrors(vec![err(
                        1,
                        // The line itself is not quoted: a wrong path may name any file.
                        format!(
                            "header must start with `code,replacement,mj,note` (the first line has {} column(s) that are not that header)",
                            h.len()
                        ),
                    )]));
                }
            }
            Err(e) => return Err(GaijiTableErrors(vec![err(1, e.to_string())])),
        }
        let mut table = GaijiTable::new();
        let mut first_line: BTreeMap<u16, u64> = BTreeMap::new();
        for row in rdr.records() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(err(line, format!("not valid CSV: {e}")));
                    continue;
                }
            };
            let line = row.position().map_or(0, |p| p.line());
            if row.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let code = match parse_code(row.get(0).unwrap_or(""), area) {
                Ok(c) => c,
                Err(m) => {
                    errors.push(err(line, m));
                    continue;
                }
            };
            if let Some(prev) = first_line.insert(code, line) {
                errors.push(err(
                    line,
                    format!("duplicate code {} (first on line {prev})", code_hex(code)),
                ));
                continue;
            }
            let replacement = unguard(row.get(1).unwrap_or(""));
            let mj = row.get(2).unwrap_or("").trim();
            let note = row.get(3).unwrap_or("").trim();
            if !mj.is_empty() {
                if let Err(m) = check_mj(mj) {
                    errors.push(err(line, m));
                }
            }
            if replacement.is_empty() {
                table.undecided += 1;
                continue;
            }
            if let Err(m) = check_replacement(replacement) {
                errors.push(err(line, format!("code {}: {m}", code_hex(code))));
                continue;
            }
            table.map.insert(
                code,
                GaijiMapping {
                    code,
                    replacement: replacement.to_string(),
                    mj: (!mj.is_empty()).then(|| mj.to_string()),
                    note: (!note.is_empty()).then(|| note.to_string()),
                },
            );
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(GaijiTableErrors(errors))
        }
    }

    /// Reads and parses a table file.
    ///
    /// # Errors
    /// An unreadable or non-UTF-8 file (line 0), or the problems of [`GaijiTable::parse`].
    pub fn from_path(path: &Path) -> Result<GaijiTable, GaijiTableErrors> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            GaijiTableErrors(vec![GaijiTableError {
                file: file.clone(),
                line: 0,
                message: e.to_string(),
            }])
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            GaijiTableErrors(vec![GaijiTableError {
                file: file.clone(),
                line: 0,
                message: format!(
                    "not UTF-8 (byte {}); save the table as UTF-8",
                    e.utf8_error().valid_up_to()
                ),
            }])
        })?;
        GaijiTable::parse(&text, &file)
    }

    /// Adds or replaces one mapping.
    pub fn insert(&mut self, mapping: GaijiMapping) {
        self.map.insert(mapping.code, mapping);
    }

    /// The mapping of a code, if the table has one.
    pub fn get(&self, code: u16) -> Option<&GaijiMapping> {
        self.map.get(&code)
    }

    /// The number of mapped codes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no code is mapped.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Rows of the file that had no replacement yet (skipped).
    pub fn undecided(&self) -> usize {
        self.undecided
    }

    /// The mappings in code order.
    pub fn iter(&self) -> impl Iterator<Item = &GaijiMapping> {
        self.map.values()
    }
}

/// Guards a cell of the inventory (opened in Excel by staff) against formula injection: a
/// cell starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading apostrophe, which
/// [`GaijiTable::parse`] removes again when the inventory is loaded back as a table.
fn guard(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Undoes [`guard`].
fn unguard(s: &str) -> &str {
    match s.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => s.get(1..).unwrap_or(s),
        _ => s,
    }
}

/// How many first record numbers an inventory keeps per code.
pub const FIRST_RECORDS: usize = 5;

/// One code of a [`GaijiInventory`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GaijiEntry {
    /// The legacy code (`0xF040`).
    #[serde(serialize_with = "ser_code")]
    pub code: u16,
    /// The private-use code point it decodes to (`U+E000`).
    pub pua: String,
    /// How many times it occurs.
    pub count: u64,
    /// The item keys it occurs in, with counts.
    pub items: BTreeMap<String, u64>,
    /// The first record numbers (1-based) it occurs in, at most [`FIRST_RECORDS`].
    pub first_records: Vec<u64>,
    /// The replacement it was mapped to, if the table had one.
    pub replacement: Option<String>,
    /// The MJ文字図形名 from the table, if any.
    pub mj: Option<String>,
    /// An example value it occurred in (a personal value: fill only when values may be shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

fn ser_code<S: serde::Serializer>(code: &u16, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&code_hex(*code))
}

/// The 外字 found in one or more files: code, count, items, first records, mapped-to.
///
/// ```
/// use ikou_cleanse::gaiji::GaijiInventory;
/// let mut inv = GaijiInventory::new();
/// inv.record(0xF040, "shimei", 3, None, None);
/// inv.record(0xF040, "shimei", 9, None, None);
/// let mut csv = Vec::new();
/// inv.write_csv(&mut csv).unwrap();
/// let text = String::from_utf8(csv).unwrap();
/// assert!(text.starts_with("code,replacement,mj,note,count,items,first_records,pua\n"));
/// assert!(text.contains("F040,,,,2,shimei:2,3 9,U+E000"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GaijiInventory {
    entries: BTreeMap<u16, GaijiEntry>,
}

/// Serialises as a list of entries in code order.
impl Serialize for GaijiInventory {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.entries.values())
    }
}

impl GaijiInventory {
    /// An empty inventory.
    pub fn new() -> GaijiInventory {
        GaijiInventory::default()
    }

    /// Records one occurrence of `code` in item `item` of record `record`, with the mapping
    /// applied (if any) and, optionally, the decoded value it occurred in.
    pub fn record(
        &mut self,
        code: u16,
        item: &str,
        record: u64,
        mapping: Option<&GaijiMapping>,
        example: Option<&str>,
    ) {
        self.record_n(code, item, record, mapping, example, 1);
    }

    /// [`GaijiInventory::record`] for `n` occurrences of `code` in the same item of the same
    /// record (a run counts a field's occurrences per code, issue #18). `n` = 0 records
    /// nothing.
    pub fn record_n(
        &mut self,
        code: u16,
        item: &str,
        record: u64,
        mapping: Option<&GaijiMapping>,
        example: Option<&str>,
        n: u64,
    ) {
        if n == 0 {
            return;
        }
        let e = self.entries.entry(code).or_insert_with(|| GaijiEntry {
            code,
            pua: cp932_to_pua(code).map_or_else(String::new, |c| format!("U+{:04X}", c as u32)),
            count: 0,
            items: BTreeMap::new(),
            first_records: Vec::new(),
            replacement: None,
            mj: None,
            example: None,
        });
        e.count += n;
        match e.items.get_mut(item) {
            Some(c) => *c += n,
            None => {
                e.items.insert(item.to_string(), n);
            }
        }
        if e.first_records.len() < FIRST_RECORDS && e.first_records.last() != Some(&record) {
            e.first_records.push(record);
        }
        if let Some(m) = mapping {
            e.replacement = Some(m.replacement.clone());
            e.mj.clone_from(&m.mj);
        }
        if e.example.is_none() {
            e.example = example.map(str::to_string);
        }
    }

    /// Adds every entry of `other` (another file's inventory) into this one.
    pub fn merge(&mut self, other: GaijiInventory) {
        for (code, o) in other.entries {
            match self.entries.get_mut(&code) {
                None => {
                    self.entries.insert(code, o);
                }
                Some(e) => {
                    e.count += o.count;
                    for (k, n) in o.items {
                        *e.items.entry(k).or_insert(0) += n;
                    }
                    for r in o.first_records {
                        if e.first_records.len() < FIRST_RECORDS {
                            e.first_records.push(r);
                        }
                    }
                    if e.replacement.is_none() {
                        e.replacement = o.replacement;
                        e.mj = o.mj;
                    }
                    if e.example.is_none() {
                        e.example = o.example;
                    }
                }
            }
        }
    }

    /// The entries in code order.
    pub fn entries(&self) -> impl Iterator<Item = &GaijiEntry> {
        self.entries.values()
    }

    /// The entry of one code.
    pub fn get(&self, code: u16) -> Option<&GaijiEntry> {
        self.entries.get(&code)
    }

    /// The number of distinct codes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no 外字 was found.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Total occurrences over all codes.
    pub fn total(&self) -> u64 {
        self.entries.values().map(|e| e.count).sum()
    }

    /// Codes with no replacement.
    pub fn unmapped(&self) -> usize {
        self.entries
            .values()
            .filter(|e| e.replacement.is_none())
            .count()
    }

    /// Writes the inventory as CSV: `code,replacement,mj,note,count,items,first_records,pua`
    /// (plus `example` when any entry has one). Staff fill in `replacement`, `mj` and
    /// `note`; [`GaijiTable::parse`] loads the result back (it ignores the later columns).
    ///
    /// # Errors
    /// Write errors of `out`.
    pub fn write_csv<W: std::io::Write>(&self, out: W) -> std::io::Result<()> {
        let examples = self.entries.values().any(|e| e.example.is_some());
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        let mut header = vec![
            "code",
            "replacement",
            "mj",
            "note",
            "count",
            "items",
            "first_records",
            "pua",
        ];
        if examples {
            header.push("example");
        }
        w.write_record(&header)?;
        for e in self.entries.values() {
            let items: Vec<String> = e.items.iter().map(|(k, n)| format!("{k}:{n}")).collect();
            let firsts: Vec<String> = e.first_records.iter().map(u64::to_string).collect();
            let mut row = vec![
                code_hex(e.code),
                guard(e.replacement.as_deref().unwrap_or_default()),
                guard(e.mj.as_deref().unwrap_or_default()),
                String::new(),
                e.count.to_string(),
                guard(&items.join(" ")),
                firsts.join(" "),
                e.pua.clone(),
            ];
            if examples {
                row.push(guard(e.example.as_deref().unwrap_or_default()));
            }
            w.write_record(&row)?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_errors_have_lines() {
        let text = "code,replacement,mj,note\nF040,髙,MJ028902,\nZZ,x,,\nF040,y,,\n8140,z,,\nF041,a,MJ12,\nF042,\u{FFFD},,\nF043,\u{E0100},,\n";
        let errs = GaijiTable::parse(text, "t.csv").unwrap_err().0;
        let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7, 8], "{errs:?}");
        assert!(errs[1].message.contains("duplicate"));
        assert!(errs[2].message.contains("F040–F9FC"));
        assert!(errs[3].message.contains("MJ"));
        assert!(errs[0].to_string().starts_with("t.csv:3: "));
        let bad = GaijiTable::parse("a,b\n", "t.csv").unwrap_err();
        assert_eq!(bad.0[0].line, 1);
    }

    #[test]
    fn ivs_and_extra_columns() {
        let t = GaijiTable::parse(
            "\u{FEFF}code,replacement,mj,note,count,items\n0xF9FC,葛\u{E0100},MJ006390,,3,shimei:3\n",
            "t",
        )
        .unwrap();
        assert_eq!(t.get(0xF9FC).unwrap().replacement, "葛\u{E0100}");
        assert_eq!(t.get(0xF9FC).unwrap().mj.as_deref(), Some("MJ006390"));
    }

    #[test]
    fn inventory_round_trips_into_a_table() {
        let mut inv = GaijiInventory::new();
        for r in 1..=10 {
            inv.record(0xF041, "address", r, None, None);
        }
        let m = GaijiMapping {
            code: 0xF040,
            replacement: "髙".into(),
            mj: Some("MJ028902".into()),
            note: None,
        };
        inv.record(0xF040, "shimei", 2, Some(&m), None);
        let mut other = GaijiInventory::new();
        other.record(0xF041, "katagaki", 20, None, None);
        inv.merge(other);
        assert_eq!(inv.get(0xF041).unwrap().count, 11);
        assert_eq!(inv.get(0xF041).unwrap().first_records, vec![1, 2, 3, 4, 5]);
        assert_eq!(inv.unmapped(), 1);
        assert_eq!(inv.total(), 12);
        let mut csv = Vec::new();
        inv.write_csv(&mut csv).unwrap();
        let table = GaijiTable::parse(std::str::from_utf8(&csv).unwrap(), "inv").unwrap();
        assert_eq!(table.len(), 1);
        assert_eq!(table.undecided(), 1);
        assert_eq!(table.get(0xF040).unwrap().replacement, "髙");
        let json = serde_json::to_value(&inv).unwrap();
        assert_eq!(json[0]["code"], "F040");
        assert_eq!(json[0]["replacement"], "髙");
        assert_eq!(json[1]["pua"], "U+E001");
    }
}
