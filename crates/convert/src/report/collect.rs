//! Reading a run directory's files for the report: streamed, keeping only counts and capped
//! samples in memory, whatever the size of the run.

use super::ReportError;
use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::CharProfile;
use ikou_cleanse::mask::mask;
use ikou_layout_spec::Layout;
use std::collections::BTreeMap;
use std::path::Path;

use crate::rows::{Row, Rows};
pub(crate) use crate::summary::Changes;
use crate::summary::{clip, MAX_KEYS, MAX_KEY_BYTES};
use crate::verify::{Counted, ReadProgress};

/// Record numbers kept per reject kind.
pub(crate) const RECORDS_PER_KIND: usize = 40;
/// Distinct tool messages kept per reject kind.
const MESSAGES_PER_KIND: usize = 4;
/// Distinct unmapped code values kept per item.
pub(crate) const CODE_VALUES_PER_ITEM: usize = 40;
/// Record numbers kept per unmapped code value.
const RECORDS_PER_CODE: usize = 10;
const MAX_MESSAGE_BYTES: usize = 400;

/// What the rejects of one kind look like.
#[derive(Debug, Default)]
pub(crate) struct KindInfo {
    /// Records with this kind.
    pub records: u64,
    /// The first record numbers.
    pub first: Vec<u64>,
    /// Reasons per item key.
    pub items: BTreeMap<String, u64>,
    /// Distinct tool messages (no values in them) with counts; capped.
    pub messages: BTreeMap<String, u64>,
}

/// Unmapped values of one code item.
#[derive(Debug, Default)]
pub(crate) struct CodeValues {
    /// Value → (records, first record numbers).
    pub values: BTreeMap<String, (u64, Vec<u64>)>,
    /// Records whose value was not kept (beyond the cap).
    pub more: u64,
    /// Records whose value could not be read from the raw bytes.
    pub unreadable: u64,
}

/// What `rejects.csv` holds, summarised.
#[derive(Debug, Default)]
pub(crate) struct Rejects {
    /// Rows read.
    pub rows: u64,
    /// Per reason kind.
    pub by_kind: BTreeMap<String, KindInfo>,
    /// `map.unmapped_code` per (source item, code table).
    pub codes: BTreeMap<(String, String), CodeValues>,
    /// Reasons not tabulated (a kind, item or code item beyond [`MAX_KEYS`]).
    pub not_counted: u64,
}

/// The file is not what its name says (`problem` is built here, never from a value).
fn malformed(path: &Path, problem: impl Into<String>) -> ReportError {
    ReportError::Malformed {
        file: path.display().to_string(),
        problem: problem.into(),
    }
}

/// The file cannot be read: the I/O error is the source.
fn read_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Read {
        file: path.display().to_string(),
        source,
    }
}

/// The Parquet file cannot be read: the Parquet or Arrow error is the source.
#[cfg(feature = "arrow")]
fn parquet_err<E: std::error::Error + Send + Sync + 'static>(
    path: &Path,
) -> impl FnOnce(E) -> ReportError + '_ {
    move |e| ReportError::Parquet {
        file: path.display().to_string(),
        source: Box::new(e),
    }
}

/// Bytes kept of a value of `changes.csv` (`before`, `after`): a sample shows at most
/// [`crate::summary::SAMPLE_CHARS`] characters of it.
const VALUE_CAP: usize = 64 * 1024;
/// Bytes kept of a `reasons` or `raw_hex` cell of `rejects.csv` (a record of 512 KiB).
const REJECT_CELL_CAP: usize = 1 << 20;
/// Bytes kept of a cell of `gaiji.csv`.
const GAIJI_CELL_CAP: usize = 4096;
/// Rows of `gaiji.csv` kept (one per legacy code: at most a few thousand); the rest are
/// counted.
pub(crate) const GAIJI_ROWS_CAP: usize = 20_000;

/// The rows of a run's CSV file, read through a [`ReadProgress`].
type FileRows<'p> = Rows<Counted<'p, std::fs::File>>;

/// Opens a CSV with a header, finds the named columns and keeps only them (each cell up to
/// `cap` bytes): memory is bounded whatever the file holds.
fn open_csv<'p>(
    path: &Path,
    columns: &[&str],
    cap: usize,
    progress: &'p dyn ReadProgress,
) -> Result<(FileRows<'p>, Vec<Option<usize>>), ReportError> {
    let f = std::fs::File::open(path).map_err(read_err(path))?;
    let mut rdr = Rows::new(Counted::new(f, progress));
    let header = rdr.header().map_err(read_err(path))?.unwrap_or_default();
    let idx: Vec<Option<usize>> = columns
        .iter()
        .map(|c| {
            header.iter().position(|h| {
                h == c.as_bytes() || h.strip_prefix(b"\xEF\xBB\xBF") == Some(c.as_bytes())
            })
        })
        .collect();
    let width = idx.iter().flatten().max().map_or(0, |m| m + 1);
    let mut keep = vec![false; width];
    for i in idx.iter().flatten() {
        if let Some(k) = keep.get_mut(*i) {
            *k = true;
        }
    }
    rdr.keep(keep, cap);
    Ok((rdr, idx))
}

fn next(rdr: &mut FileRows<'_>, row: &mut Row, path: &Path) -> Result<bool, ReportError> {
    rdr.next_row(row).map_err(read_err(path))
}

fn record_no(rec: &Row, idx: Option<usize>, path: &Path) -> Result<u64, ReportError> {
    rec.str(idx).parse::<u64>().map_err(|_| {
        malformed(
            path,
            format!("line {}: `record` is not a record number", rec.line),
        )
    })
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn clip_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// Streams `changes.csv`.
pub(crate) fn read_changes_csv(
    path: &Path,
    name: &str,
    show_values: bool,
    progress: &dyn ReadProgress,
) -> Result<Changes, ReportError> {
    let (mut rdr, idx) = open_csv(
        path,
        &["record", "item", "rule", "before", "after"],
        VALUE_CAP,
        progress,
    )?;
    if idx.iter().take(3).any(Option::is_none) {
        return Err(malformed(
            path,
            "not a changes file (needs columns record, item, rule, before, after)",
        ));
    }
    let mut c = Changes::new(name, show_values);
    let mut rec = Row::default();
    while next(&mut rdr, &mut rec, path)? {
        let record = record_no(&rec, idx[0], path)?;
        c.row(
            record,
            rec.str(idx[1]),
            rec.str(idx[2]),
            // The values are guarded against formula injection (see output::guard_cell).
            crate::output::unguard_cell(rec.str(idx[3])),
            crate::output::unguard_cell(rec.str(idx[4])),
        );
    }
    Ok(c)
}

/// Streams `changes.parquet` batch by batch.
#[cfg(feature = "arrow")]
pub(crate) fn read_changes_parquet(
    path: &Path,
    name: &str,
    show_values: bool,
    progress: &dyn ReadProgress,
) -> Result<Changes, ReportError> {
    use arrow_array::{Array, StringArray, UInt64Array};
    let file = std::fs::File::open(path).map_err(read_err(path))?;
    // The reader reads by column chunk, not as a stream: the file counts as read up front.
    progress.read(file.metadata().map_or(0, |m| m.len()));
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(parquet_err(path))?
        .with_batch_size(8192)
        .build()
        .map_err(parquet_err(path))?;
    let mut c = Changes::new(name, show_values);
    for batch in reader {
        let batch = batch.map_err(parquet_err(path))?;
        let col = |n: &str| batch.column_by_name(n);
        let records = col("record").and_then(|a| a.as_any().downcast_ref::<UInt64Array>());
        let strs = |n: &str| col(n).and_then(|a| a.as_any().downcast_ref::<StringArray>());
        let (Some(records), Some(items), Some(rules), Some(befores), Some(afters)) = (
            records,
            strs("item"),
            strs("rule"),
            strs("before"),
            strs("after"),
        ) else {
            return Err(malformed(
                path,
                "not a changes file (needs columns record, item, rule, before, after)",
            ));
        };
        for i in 0..batch.num_rows() {
            c.row(
                records.value(i),
                sv(items, i),
                sv(rules, i),
                sv(befores, i),
                sv(afters, i),
            );
        }
    }
    Ok(c)
}

#[cfg(feature = "arrow")]
fn sv(a: &arrow_array::StringArray, i: usize) -> &str {
    use arrow_array::Array;
    if a.is_null(i) {
        ""
    } else {
        a.value(i)
    }
}

/// The reasons of a `reasons` cell, joined with `; ` — which a message may hold itself
/// (`… the value is rejected; correct it at the source (char.not_kana)`): a reason ends
/// only where its ` (kind)` ends.
fn split_reasons(cell: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, _) in cell.match_indices("; ") {
        let Some(candidate) = cell.get(start..at) else {
            continue;
        };
        // Kind ids are `family.name` in lower case (`U+0041` or a word in parentheses is not).
        let is_id = |k: &str| {
            k.contains('.')
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
        };
        if parse_reason(candidate).2.is_some_and(is_id) {
            parts.push(candidate);
            start = at + 2;
        }
    }
    parts.push(cell.get(start..).unwrap_or(""));
    parts
}

/// One reason parsed from the `reasons` column: `item: message (kind)` or `message (kind)`.
fn parse_reason(text: &str) -> (Option<&str>, &str, Option<&str>) {
    let text = text.trim();
    let (body, kind) = match text.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) {
        Some((body, kind)) if !kind.contains(' ') => (body, Some(kind)),
        _ => (text, None),
    };
    match body.split_once(": ") {
        Some((item, msg))
            if !item.is_empty() && item.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            (Some(item), msg, kind)
        }
        _ => (None, body, kind),
    }
}

/// The code table named in a `map.unmapped_code` message (``code not in table `x` …``).
fn table_of(message: &str) -> &str {
    message
        .split_once('`')
        .and_then(|(_, rest)| rest.split_once('`'))
        .map_or("", |(t, _)| t)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    b.chunks(2)
        .map(|p| Some(digit(*p.first()?)? << 4 | digit(*p.get(1)?)?))
        .collect()
}

/// Reads one item's value out of a rejected record's raw bytes (fixed-length layouts only).
fn code_value(raw_hex: &str, layout: &Layout, key: &str, show_values: bool) -> Option<String> {
    let item = layout.item(key)?;
    let raw = unhex(raw_hex)?;
    let bytes = ikou_cleanse::frame::item_bytes(&raw, item)?;
    let charset = Charset::from_label(&layout.encoding).unwrap_or(Charset::Cp932);
    let profile = CharProfile::new(charset).ok()?;
    let mut out = String::new();
    let mut issues = Vec::new();
    if !profile.decode_item(bytes, &mut out, &mut issues) || !issues.is_empty() {
        return None;
    }
    let v = out.trim_matches([' ', '\u{3000}']).to_string();
    // Masked like every value, codes included: with records shifted by a layout mismatch,
    // a "code" is digits of a 個人番号 or characters of an address (issue 18 item 15).
    let v = clip(&v).into_owned();
    Some(if show_values { v } else { mask(&v) })
}

/// Streams `rejects.csv`.
pub(crate) fn read_rejects(
    path: &Path,
    source: Option<&Layout>,
    show_values: bool,
    progress: &dyn ReadProgress,
) -> Result<Rejects, ReportError> {
    let (mut rdr, idx) = open_csv(
        path,
        &["record", "kinds", "reasons", "raw_hex"],
        REJECT_CELL_CAP,
        progress,
    )?;
    if idx.first().copied().flatten().is_none() {
        return Err(malformed(
            path,
            "not a rejects file (needs a `record` column)",
        ));
    }
    let mut r = Rejects::default();
    let mut rec = Row::default();
    while next(&mut rdr, &mut rec, path)? {
        r.rows += 1;
        let record = record_no(&rec, idx[0], path)?;
        let reasons = rec.str(idx[2]);
        // A cell guarded against spreadsheet formulas starts with an apostrophe.
        let reasons = match reasons.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
            _ => reasons,
        };
        // The record's kinds are its `kinds` column (the ids of its reasons); a file without
        // that column (not one a run writes) falls back to the ids ending each reason.
        let kinds_column = idx.get(1).copied().flatten().is_some();
        let mut kinds_here: Vec<&str> = Vec::new();
        for k in rec.str(idx[1]).split('|').filter(|k| !k.is_empty()) {
            if !kinds_here.contains(&k) {
                kinds_here.push(k);
            }
        }
        for part in split_reasons(reasons) {
            let (item, message, kind) = parse_reason(part);
            // A run made with --show-values writes the characters a reason names; a report
            // without it shows their code points only (issue #14).
            let message = if show_values {
                std::borrow::Cow::Borrowed(message)
            } else {
                crate::reason::hide_characters(message)
            };
            let message = &*message;
            let Some(kind) = kind else { continue };
            if !kinds_here.contains(&kind) {
                if kinds_column {
                    // A reason whose id is not among the record's kinds: not tabulated
                    // (counted as such on the page), never a kind of its own.
                    r.not_counted += 1;
                    continue;
                }
                kinds_here.push(kind);
            }
            if kind.len() > MAX_KEY_BYTES
                || item.is_some_and(|i| i.len() > MAX_KEY_BYTES)
                || !r.by_kind.contains_key(kind) && r.by_kind.len() >= MAX_KEYS
            {
                r.not_counted += 1;
                continue;
            }
            let info = r.by_kind.entry(kind.to_string()).or_default();
            if let Some(item) = item {
                if let Some(n) = info.items.get_mut(item) {
                    *n += 1;
                } else if info.items.len() < MAX_KEYS {
                    info.items.insert(item.to_string(), 1);
                } else {
                    r.not_counted += 1;
                }
            }
            let message = clip_bytes(message, MAX_MESSAGE_BYTES);
            if let Some(n) = info.messages.get_mut(message) {
                *n += 1;
            } else if info.messages.len() < MESSAGES_PER_KIND {
                info.messages.insert(message.to_string(), 1);
            }
            if kind == crate::reason::ReasonKind::MapUnmappedCode.id() {
                let key = (
                    item.unwrap_or("").to_string(),
                    clip_bytes(table_of(message), MAX_KEY_BYTES).to_string(),
                );
                let value = source.zip(item).and_then(|(layout, key)| {
                    code_value(rec.str(idx[3]), layout, key, show_values)
                });
                if !r.codes.contains_key(&key) && r.codes.len() >= MAX_KEYS {
                    r.not_counted += 1;
                    continue;
                }
                let cv = r.codes.entry(key).or_default();
                match value {
                    None => cv.unreadable += 1,
                    Some(v) => {
                        if let Some((n, first)) = cv.values.get_mut(&v) {
                            *n += 1;
                            if first.len() < RECORDS_PER_CODE {
                                first.push(record);
                            }
                        } else if cv.values.len() < CODE_VALUES_PER_ITEM {
                            cv.values.insert(v, (1, vec![record]));
                        } else {
                            cv.more += 1;
                        }
                    }
                }
            }
        }
        for k in &kinds_here {
            let full = r.by_kind.len() >= MAX_KEYS;
            let info = match r.by_kind.get_mut(*k) {
                Some(i) => i,
                // Beyond the cap: its reasons were counted as not tabulated above.
                None if full => continue,
                None => r.by_kind.entry((*k).to_string()).or_default(),
            };
            info.records += 1;
            if info.first.len() < RECORDS_PER_KIND {
                info.first.push(record);
            }
        }
    }
    Ok(r)
}

/// One row of `gaiji.csv`.
#[derive(Debug, Clone)]
pub(crate) struct GaijiRow {
    pub code: String,
    pub replacement: String,
    pub mj: String,
    pub count: u64,
    /// `(item key, count)`.
    pub items: Vec<(String, u64)>,
    pub first_records: String,
    pub pua: String,
}

/// What `gaiji.csv` holds: its rows (up to [`GAIJI_ROWS_CAP`]), the sum of the counts of
/// every row and the number of rows not kept.
#[derive(Debug, Default)]
pub(crate) struct Gaiji {
    pub rows: Vec<GaijiRow>,
    pub total: u64,
    pub dropped: u64,
}

/// Streams `gaiji.csv` (one row per legacy code: at most a few thousand rows; more are
/// counted, not kept).
pub(crate) fn read_gaiji(path: &Path, progress: &dyn ReadProgress) -> Result<Gaiji, ReportError> {
    let (mut rdr, idx) = open_csv(
        path,
        &[
            "code",
            "replacement",
            "mj",
            "count",
            "items",
            "first_records",
            "pua",
        ],
        GAIJI_CELL_CAP,
        progress,
    )?;
    if idx.first().copied().flatten().is_none() {
        return Err(malformed(
            path,
            "not a 外字 inventory (needs a `code` column)",
        ));
    }
    let mut g = Gaiji::default();
    let mut rec = Row::default();
    while next(&mut rdr, &mut rec, path)? {
        let count: u64 = rec.str(idx[3]).parse().unwrap_or(0);
        g.total = g.total.saturating_add(count);
        if g.rows.len() >= GAIJI_ROWS_CAP {
            g.dropped += 1;
            continue;
        }
        let items = rec
            .str(idx[4])
            .split_whitespace()
            .map(|p| match p.rsplit_once(':') {
                Some((k, n)) => (k.to_string(), n.parse().unwrap_or(0)),
                None => (p.to_string(), 0),
            })
            .collect();
        g.rows.push(GaijiRow {
            code: rec.str(idx[0]).to_string(),
            replacement: rec.str(idx[1]).to_string(),
            mj: rec.str(idx[2]).to_string(),
            count,
            items,
            first_records: rec.str(idx[5]).to_string(),
            pua: rec.str(idx[6]).to_string(),
        });
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_a_semicolon_stays_one_reason() {
        let cell = "shimei_kana: character 9 (U+FF08) is not katakana, ー or a space: the \
                    value is rejected; correct it at the source (char.not_kana); \
                    postal_code: character 1 (U+0041) is not a digit (char.not_digit)";
        let parts = split_reasons(cell);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert_eq!(
            parse_reason(parts[0]),
            (
                Some("shimei_kana"),
                "character 9 (U+FF08) is not katakana, ー or a space: the value is \
                 rejected; correct it at the source",
                Some("char.not_kana")
            )
        );
        assert_eq!(parse_reason(parts[1]).0, Some("postal_code"));
        assert_eq!(split_reasons("x (a.b)"), vec!["x (a.b)"]);
        assert_eq!(
            split_reasons("a (U+0041); b (x.y)"),
            vec!["a (U+0041); b (x.y)"]
        );
        assert_eq!(split_reasons(""), vec![""]);
    }

    #[test]
    fn reasons_parse() {
        assert_eq!(
            parse_reason("postal_code: 郵便番号 has 7 digits, this value has 3 (digits.length)"),
            (
                Some("postal_code"),
                "郵便番号 has 7 digits, this value has 3",
                Some("digits.length")
            )
        );
        assert_eq!(
            parse_reason("record too short (frame.truncated)"),
            (None, "record too short", Some("frame.truncated"))
        );
        assert_eq!(
            parse_reason(
                "zokugara: code not in table `zokugara` (needed for zokugara) (map.unmapped_code)"
            ),
            (
                Some("zokugara"),
                "code not in table `zokugara` (needed for zokugara)",
                Some("map.unmapped_code")
            )
        );
        assert_eq!(
            table_of("code not in table `zokugara` (needed for x)"),
            "zokugara"
        );
        assert_eq!(parse_reason("no kind here"), (None, "no kind here", None));
    }

    #[test]
    fn the_kinds_column_decides_a_records_kinds() {
        let dir = std::env::temp_dir().join(format!("ikou-collect-kinds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rejects.csv");
        // A message that happens to end in `(word)` makes no kind of its own.
        let text = "record,kinds,reasons,raw_hex\n\
                    1,digits.length,\"a: 3 digits (digits.length); b: see (note)\",00\n";
        std::fs::write(&path, text).unwrap();
        let r = read_rejects(&path, None, false, &()).unwrap();
        assert_eq!(r.by_kind.keys().collect::<Vec<_>>(), ["digits.length"]);
        assert_eq!(r.by_kind["digits.length"].records, 1);
        assert_eq!(r.not_counted, 1);
        // Without the column (not a file a run writes), the ids ending the reasons count.
        std::fs::write(&path, "record,reasons\n1,a: m (digits.length)\n").unwrap();
        let r = read_rejects(&path, None, false, &()).unwrap();
        assert_eq!(r.by_kind["digits.length"].records, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn distinct_keys_are_capped() {
        let mut c = Changes::new("changes.csv", false);
        for i in 0..(MAX_KEYS as u64 + 10) {
            c.row(i, "item", &format!("rule{i}"), "a", "b");
            c.row(i, &format!("item{i}"), "rule0", "a", "b");
        }
        assert_eq!(c.rows, 2 * (MAX_KEYS as u64 + 10));
        assert_eq!(c.by_rule_item.len(), MAX_KEYS);
        assert_eq!(c.by_rule_item["rule0"].len(), MAX_KEYS);
        assert_eq!(c.not_counted, 10 + 11);
        let dir = std::env::temp_dir().join(format!("ikou-collect-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rejects.csv");
        let mut text = String::from("record,kinds,reasons,raw_hex\n");
        for i in 0..(MAX_KEYS + 5) {
            text.push_str(&format!("{i},k{i},x{i}: m (k{i}),00\n"));
        }
        std::fs::write(&path, text).unwrap();
        let r = read_rejects(&path, None, false, &()).unwrap();
        assert_eq!(r.rows, MAX_KEYS as u64 + 5);
        assert_eq!(r.by_kind.len(), MAX_KEYS);
        assert_eq!(r.not_counted, 5);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hex_decodes_or_refuses() {
        assert_eq!(unhex("30a1FF"), Some(vec![0x30, 0xA1, 0xFF]));
        assert_eq!(unhex("3"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn samples_prefer_new_shapes_and_are_capped() {
        let mut c = Changes::new("changes.csv", false);
        for r in 1..=6000u64 {
            c.row(r, "birth_date", "date.to_iso", "3330524", "1958-05-24");
            if r == 10 {
                c.row(r, "birth_date", "date.to_iso", "3300300", "1955-03");
            }
        }
        c.row(6001, "birth_date", "date.to_iso", "3300300", "1955-0");
        c.row(6001, "ido_date", "date.to_iso", "4010108", "1989-01-08");
        assert_eq!(c.rows, 6003);
        assert_eq!(c.records, 6001);
        let s = c.samples("date.to_iso");
        // Two shapes per item: the full date and the partial one; a third shape after the
        // first 5,000 rows of the item is not looked at; items are interleaved.
        let got: Vec<(u64, &str, &str, &str)> = s
            .iter()
            .map(|x| {
                (
                    x.record,
                    x.item.as_str(),
                    x.before.as_str(),
                    x.after.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, "birth_date", "*******", "****-**-**"),
                (6001, "ido_date", "*******", "****-**-**"),
                (10, "birth_date", "*******", "****-**"),
            ]
        );
        assert_eq!(c.by_rule_item["date.to_iso"]["birth_date"], 6002);
    }
}
