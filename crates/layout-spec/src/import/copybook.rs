//! Importing COBOL copybooks (data descriptions) as fixed-length layouts marked
//! `unverified-transcription`.
//!
//! What is read: levels 01–49 and 88, `PIC`/`PICTURE` with `X A N G 9 S V P` and the
//! editing symbols, repetition (`X(10)`, `9(5)V99`), `USAGE` `DISPLAY`, `COMP`,
//! `COMPUTATIONAL`, `COMP-3`, `PACKED-DECIMAL`, `COMP-4`, `COMP-5`, `BINARY`, `NATIONAL`,
//! `DISPLAY-1`, `SIGN LEADING|TRAILING [SEPARATE [CHARACTER]]`, `OCCURS n [TIMES]`
//! (expanded into numbered items), `REDEFINES` (alternative views: one is chosen, the others
//! reported), `FILLER`, `VALUE`, level-88 condition names (→ code tables), `JUSTIFIED`,
//! `BLANK WHEN ZERO`, `GLOBAL`, `EXTERNAL`; fixed form (sequence area 1–6, indicator 7 with
//! `*` `/` comments, `D` debugging lines and `-` continuation, code 8–72, identification
//! 73–80) and free form (`*>` comments). Columns count as in Shift_JIS: a full-width
//! character takes two.
//!
//! What is refused with an error naming the line and column: `COPY` (with or without
//! `REPLACING`) and `REPLACE`, `OCCURS … DEPENDING ON` and `OCCURS n TO m` (variable
//! length), `SYNCHRONIZED` (slack bytes), levels 66 (`RENAMES`) and 77, `COMP-1` /
//! `COMP-2` (floating point), `INDEX`, `POINTER`, national numeric pictures and other
//! constructs ikou cannot place byte-exactly.
//!
//! # Example
//! ```
//! use ikou_layout_spec::import::copybook::{import_copybook, CopybookOptions};
//! use ikou_layout_spec::import::ImportOptions;
//! use ikou_layout_spec::Representation;
//!
//! let cpy = "       01  KOKUHO-REC.\n\
//!            \x20          05  HIHO-NO      PIC 9(8).\n\
//!            \x20          05  HOKENRYO     PIC S9(7)V99 COMP-3.\n\
//!            \x20          05  SHIMEI       PIC N(10).\n";
//! let mut opts = ImportOptions::new("legacy/kokuho", "kokuho.cpy");
//! opts.encoding = Some("jef".into());
//! let got = import_copybook(cpy.as_bytes(), &opts, &CopybookOptions::default()).unwrap();
//! let items = &got.imported.layout.items;
//! assert_eq!(items[1].offset, Some(8));
//! assert_eq!(items[1].length, 5);
//! assert!(matches!(items[1].representation, Representation::Packed { digits: 9, scale: 2, signed: true }));
//! assert_eq!(items[2].offset, Some(13));
//! assert_eq!(items[2].length, 20);
//! ```

use super::{comment_safe, ImportError, ImportOptions, ImportWarning, Imported};
use crate::load::{valid_key, MAX_ITEM_LENGTH, MAX_RECORD_LENGTH};
use crate::model::*;
use crate::write::layout_to_toml;
use std::collections::{HashMap, HashSet};

/// The largest copybook read (4 MiB).
pub const MAX_COPYBOOK_BYTES: usize = 4 * 1024 * 1024;
/// The largest number of layout items a copybook may expand to (OCCURS included).
pub const MAX_COPYBOOK_ITEMS: usize = 20_000;
/// The largest number of data description entries read.
pub const MAX_ENTRIES: usize = 20_000;

/// How the source lines are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceForm {
    /// Columns 1–6 sequence, 7 indicator, 8–72 code, 73–80 identification.
    Fixed,
    /// Code anywhere on the line; `*>` comments.
    Free,
}

impl SourceForm {
    /// `fixed` or `free`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceForm::Fixed => "fixed",
            SourceForm::Free => "free",
        }
    }
}

/// Copybook-specific options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopybookOptions {
    /// Names of the `REDEFINES` alternatives (or of the 01 records) to use instead of the
    /// first one of their group (case-insensitive).
    pub views: Vec<String>,
    /// The source form; detected when `None`.
    pub form: Option<SourceForm>,
}

/// What a copybook import gives: the layout, its code tables (from level-88 condition
/// names) and the source form read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopybookImport {
    /// The layout and the points to review (`header_row` is 0: a copybook has none).
    pub imported: Imported,
    /// One code table per item with level-88 values (`code` = the value, `label` = the
    /// condition name).
    pub code_tables: Vec<CodeTable>,
    /// The source form read.
    pub form: SourceForm,
}

impl CopybookImport {
    /// The layout as a spec file, with a comment saying where it came from, what to review
    /// (every point, by copybook line) and which code tables the items refer to.
    pub fn to_toml(&self) -> String {
        let l = &self.imported.layout;
        let mut s = format!(
            "# Imported by `ikou layouts import` from the COBOL copybook {} ({} form).\n",
            comment_safe(&l.source),
            self.form.as_str()
        );
        s.push_str(
            "# status = \"unverified-transcription\": check every item against the copybook and\n\
             # the compiler's options before relying on it, then set status = \"verified\".\n\
             # Generated keys may be renamed; the terminator is the importer's default.\n",
        );
        if !self.code_tables.is_empty() {
            s.push_str(
                "# Code tables (from level-88 condition names), written beside the layout:\n",
            );
            for t in &self.code_tables {
                let values: Vec<String> =
                    t.entries.iter().map(|(c, l)| format!("{c}={l}")).collect();
                s.push_str(&format!(
                    "#   {}.csv: {}\n",
                    comment_safe(&t.name),
                    comment_safe(&values.join(", "))
                ));
            }
        }
        if !self.imported.warnings.is_empty() {
            s.push_str("# Points to review:\n");
            for w in &self.imported.warnings {
                s.push_str(&format!("#   {}\n", comment_safe(&warning_text(w))));
            }
        }
        s.push_str(&layout_to_toml(l));
        s
    }
}

/// A copybook warning as text: `line N: …`.
pub fn warning_text(w: &ImportWarning) -> String {
    if w.row == 0 {
        w.message.clone()
    } else {
        format!("line {}: {}", w.row, w.message)
    }
}

/// A problem at a position of the copybook.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fail {
    line: usize,
    column: usize,
    message: String,
}

type R<T> = Result<T, Fail>;

fn fail<T>(line: usize, column: usize, message: impl Into<String>) -> R<T> {
    Err(Fail {
        line,
        column,
        message: message.into(),
    })
}

/// Whether bytes look like a copybook: text whose first entry is a level number followed by
/// a data name or `FILLER` (used to recognise a copybook whatever its file name).
pub fn looks_like_copybook(bytes: &[u8]) -> bool {
    let Ok(text) = decode_text(&bytes[..bytes.len().min(64 * 1024)]) else {
        return false;
    };
    let form = detect_form(&text);
    let Ok((tokens, _)) = lex(&text, form) else {
        return false;
    };
    match tokens.as_slice() {
        [Token {
            tok: Tok::Word(level),
            ..
        }, Token {
            tok: Tok::Word(name),
            ..
        }, ..] => {
            level.len() <= 2
                && level.bytes().all(|b| b.is_ascii_digit())
                && matches!(level.parse::<u32>(), Ok(1..=49))
                && !name.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// Imports a copybook as a fixed-length layout (`unverified-transcription`).
///
/// `opts.encoding` is the layout's encoding (default `cp932`); with a host label the text
/// items get their item kind (M for `PIC X`, N / G for `PIC N` / `PIC G`) and zoned numbers
/// the EBCDIC zone form. `opts.format` is ignored (a copybook describes fixed-length
/// records; the terminator is `none` for host encodings, `crlf` otherwise).
///
/// # Errors
/// [`ImportError::Copybook`] with the line and column of the first construct that cannot
/// be read; [`ImportError::Options`] for a bad id, encoding or view name.
pub fn import_copybook(
    bytes: &[u8],
    opts: &ImportOptions,
    copts: &CopybookOptions,
) -> Result<CopybookImport, ImportError> {
    let err = |f: Fail| ImportError::Copybook {
        file: opts.source.clone(),
        line: f.line,
        column: f.column,
        message: f.message,
    };
    if bytes.len() > MAX_COPYBOOK_BYTES {
        return Err(ImportError::TooLarge {
            part: opts.source.clone(),
            limit: MAX_COPYBOOK_BYTES as u64,
        });
    }
    let family = match opts.id.split_once('/') {
        Some(("legacy", _)) => Family::Legacy,
        Some(("chukan", _)) => Family::Chukan,
        Some(("standard", _)) => Family::Standard,
        _ => {
            return Err(ImportError::Options(format!(
                "layout id `{}` must be `family/name` (legacy, chukan or standard)",
                opts.id
            )))
        }
    };
    let encoding = opts.encoding.clone().unwrap_or_else(|| "cp932".to_string());
    let text = decode_text(bytes).map_err(err)?;
    let form = copts.form.unwrap_or_else(|| detect_form(&text));
    let (tokens, mut warnings) = lex(&text, form).map_err(err)?;
    let entries = parse_entries(&tokens).map_err(err)?;
    let tree = build_tree(entries).map_err(err)?;
    let host = is_host_encoding(&encoding);
    let mut b = Builder {
        tree: &tree,
        host,
        zone: default_zone(&encoding),
        views: copts.views.iter().map(|v| v.to_ascii_uppercase()).collect(),
        used_views: HashSet::new(),
        items: Vec::new(),
        keys: HashSet::new(),
        warnings: &mut warnings,
        tables: Vec::new(),
        types: None,
        table_of: HashMap::new(),
        id_name: opts.id.split_once('/').map_or("", |(_, n)| n).to_string(),
    };
    let record_length = b.record().map_err(err)?;
    if let Some(v) = copts
        .views
        .iter()
        .find(|v| !b.used_views.contains(&v.to_ascii_uppercase()))
    {
        return Err(ImportError::Options(format!(
            "--view {v}: no REDEFINES alternative or 01 record of that name"
        )));
    }
    let Builder {
        items,
        tables,
        types,
        ..
    } = b;
    if items.is_empty() {
        return Err(err(Fail {
            line: 1,
            column: 1,
            message: "the copybook has no data description entry".into(),
        }));
    }
    let note = format!(
        "ikou layouts import: COBOL copybook ({} form), {} item(s), {} point(s) to review",
        form.as_str(),
        items.len(),
        warnings.len()
    );
    let layout = Layout {
        id: opts.id.clone(),
        name: opts.name.clone().unwrap_or_else(|| {
            tree.roots
                .first()
                .map(|&r| tree.nodes[r].e.name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| opts.source.clone())
        }),
        gyomu: opts.gyomu.clone(),
        family,
        source: opts.source.clone(),
        version: String::new(),
        status: Status::UnverifiedTranscription,
        encoding,
        format: PhysicalFormat::Fixed {
            record_length,
            terminator: if host {
                Terminator::None
            } else {
                Terminator::Crlf
            },
        },
        items,
        record_types: types,
        note: Some(note),
        official: None,
    };
    let text = layout_to_toml(&layout);
    let reloaded = crate::parse_layout(&text, "imported").map_err(ImportError::Invalid)?;
    Ok(CopybookImport {
        imported: Imported {
            layout: reloaded,
            sheet: None,
            header_row: 0,
            warnings,
        },
        code_tables: tables,
        form,
    })
}

// ---------------------------------------------------------------------------------------
// text and lines

fn decode_text(bytes: &[u8]) -> R<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        // The first line that does not decode (0x0A is never part of a CP932 character).
        let line = bytes
            .split(|&b| b == b'\n')
            .position(|l| encoding_rs::SHIFT_JIS.decode_without_bom_handling(l).1)
            .map_or(1, |i| i + 1);
        return fail(
            line,
            1,
            "the copybook is neither UTF-8 nor Shift_JIS (CP932) text",
        );
    }
    Ok(text.into_owned())
}

/// The display width of a character in columns, as Shift_JIS counts them.
fn width(c: char) -> usize {
    if c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c) {
        1
    } else {
        2
    }
}

/// A line as characters with their 1-based starting columns.
fn columns(line: &str) -> Vec<(char, usize)> {
    let mut col = 1;
    let mut out = Vec::with_capacity(line.len());
    for c in line.chars() {
        let c = if c == '\t' { ' ' } else { c };
        out.push((c, col));
        col += width(c);
    }
    out
}

fn source_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
}

/// Fixed form when every non-blank line has only digits or spaces in columns 1–6, a valid
/// indicator in column 7 and no text beyond column 80; free form otherwise.
fn detect_form(text: &str) -> SourceForm {
    let mut any = false;
    for (_, line) in source_lines(text).take(100_000) {
        if line.trim().is_empty() {
            continue;
        }
        any = true;
        let cols = columns(line);
        let mut ok = true;
        for &(c, col) in &cols {
            if col <= 6 && !(c == ' ' || c.is_ascii_digit()) {
                ok = false;
            }
            if col == 7 && !matches!(c, ' ' | '*' | '/' | '-' | 'D' | 'd') {
                ok = false;
            }
            if col + width(c) - 1 > 80 && c != ' ' {
                ok = false;
            }
            if col > 7 || !ok {
                break;
            }
        }
        if let Some(&(c, col)) = cols.last() {
            if col + width(c) - 1 > 80 && line.trim_end().chars().count() == line.chars().count() {
                ok = false;
            }
        }
        if !ok {
            return SourceForm::Free;
        }
    }
    if any {
        SourceForm::Fixed
    } else {
        SourceForm::Free
    }
}

// ---------------------------------------------------------------------------------------
// lexer

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A word (level number, name, keyword, picture string, numeric literal).
    Word(String),
    /// A quoted literal, with its prefix (`X`, `N`, `G`, … or empty).
    Lit { prefix: String, text: String },
    /// The separator period.
    Period,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    tok: Tok,
    line: usize,
    col: usize,
}

/// A literal still open at the end of a fixed-form line.
struct OpenLit {
    quote: char,
    prefix: String,
    text: String,
    line: usize,
    col: usize,
}

fn is_sep_at(area: &[(char, usize)], i: usize) -> bool {
    // `.` `,` `;` are separators when followed by a space or the end of the line.
    area.get(i + 1).is_none_or(|&(n, _)| n == ' ')
}

#[allow(clippy::type_complexity)]
fn lex(text: &str, form: SourceForm) -> R<(Vec<Token>, Vec<ImportWarning>)> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut warnings = Vec::new();
    let mut open: Option<OpenLit> = None;
    // Whether the last word ran to the end of its line's code area (a `-` line continues it).
    let mut word_at_end = false;
    for (lineno, line) in source_lines(text) {
        let cols = columns(line);
        let (area, continuation): (Vec<(char, usize)>, bool) = match form {
            SourceForm::Fixed => {
                let indicator = cols.iter().find(|(_, c)| *c == 7).map(|&(c, _)| c);
                match indicator {
                    Some('*' | '/') => continue,
                    Some('D' | 'd') => {
                        if cols.iter().any(|&(c, col)| (8..=72).contains(&col) && c != ' ') {
                            warnings.push(ImportWarning {
                                row: lineno as u32,
                                message: "a debugging line (`D` in column 7) is not read; a compiler in debugging mode would read it".into(),
                            });
                        }
                        continue;
                    }
                    Some(' ') | None => {}
                    Some('-') => {}
                    Some(other) => {
                        return fail(
                            lineno,
                            7,
                            format!("`{other}` in the indicator area (column 7): expected a space, `*`, `/`, `-` or `D`"),
                        )
                    }
                }
                let area: Vec<(char, usize)> = cols
                    .iter()
                    .copied()
                    .filter(|&(c, col)| col >= 8 && col + width(c) - 1 <= 72)
                    .collect();
                // Text in columns 73–80 that touches column 72 may be code cut by the margin.
                let at = |n: usize| {
                    cols.iter()
                        .find(|&&(c, col)| col <= n && n < col + width(c))
                        .map(|&(c, _)| c)
                };
                if at(72).is_some_and(|c| c != ' ')
                    && at(73).is_some_and(|c| c != ' ')
                    && !matches!(indicator, Some('*' | '/'))
                {
                    warnings.push(ImportWarning {
                        row: lineno as u32,
                        message: "text runs from column 72 into 73: columns 73–80 are the identification area and are not read (is this free-form source?)".into(),
                    });
                }
                (area, indicator == Some('-'))
            }
            SourceForm::Free => {
                let first = cols.iter().find(|(c, _)| *c != ' ');
                if first.is_some_and(|&(c, _)| c == '*') {
                    continue;
                }
                (cols, false)
            }
        };
        let mut i = 0;
        if continuation {
            while area.get(i).is_some_and(|&(c, _)| c == ' ') {
                i += 1;
            }
            if let Some(lit) = open.as_ref() {
                match area.get(i) {
                    Some(&(c, _)) if c == lit.quote => i += 1,
                    Some(&(_, col)) => {
                        return fail(
                            lineno,
                            col,
                            format!(
                                "a continued literal goes on after a `{}` on the continuation line",
                                lit.quote
                            ),
                        )
                    }
                    None => continue,
                }
            } else if word_at_end {
                // The word of the previous line goes on.
                let start = i;
                while area.get(i).is_some_and(|&(c, _)| {
                    c != ' ' && !(matches!(c, '.' | ',' | ';') && is_sep_at(&area, i))
                }) {
                    i += 1;
                }
                if let Some(Token {
                    tok: Tok::Word(w), ..
                }) = tokens.last_mut()
                {
                    w.extend(area[start..i].iter().map(|&(c, _)| c));
                }
            }
        } else if let Some(lit) = open.take() {
            return fail(
                lit.line,
                lit.col,
                "literal not closed on its line (continue it on a line with `-` in column 7)",
            );
        }
        word_at_end = false;
        loop {
            if let Some(mut lit) = open.take() {
                // Inside a literal: up to the closing quote (a doubled quote is one quote).
                let mut closed = false;
                while let Some(&(c, _)) = area.get(i) {
                    i += 1;
                    if c == lit.quote {
                        if area.get(i).is_some_and(|&(n, _)| n == lit.quote) {
                            lit.text.push(c);
                            i += 1;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        lit.text.push(c);
                    }
                }
                if closed {
                    tokens.push(Token {
                        tok: Tok::Lit {
                            prefix: lit.prefix,
                            text: lit.text,
                        },
                        line: lit.line,
                        col: lit.col,
                    });
                } else {
                    match form {
                        SourceForm::Fixed => {
                            // The literal runs to column 72, trailing spaces included.
                            let end = area.last().map_or(8, |&(c, col)| col + width(c));
                            for _ in end..=72 {
                                lit.text.push(' ');
                            }
                            open = Some(lit);
                            break;
                        }
                        SourceForm::Free => {
                            return fail(lit.line, lit.col, "literal not closed on its line")
                        }
                    }
                }
            }
            let Some(&(c, col)) = area.get(i) else {
                break;
            };
            if c == ' ' || (matches!(c, ',' | ';') && is_sep_at(&area, i)) {
                i += 1;
                continue;
            }
            if c == '*' && area.get(i + 1).is_some_and(|&(n, _)| n == '>') {
                break;
            }
            if c == '.' && is_sep_at(&area, i) {
                tokens.push(Token {
                    tok: Tok::Period,
                    line: lineno,
                    col,
                });
                i += 1;
                continue;
            }
            if c == '\'' || c == '"' {
                open = Some(OpenLit {
                    quote: c,
                    prefix: String::new(),
                    text: String::new(),
                    line: lineno,
                    col,
                });
                i += 1;
                continue;
            }
            // A word.
            let start = i;
            while let Some(&(w, _)) = area.get(i) {
                if w == ' '
                    || w == '\''
                    || w == '"'
                    || (matches!(w, '.' | ',' | ';') && is_sep_at(&area, i))
                {
                    break;
                }
                i += 1;
            }
            let word: String = area[start..i].iter().map(|&(c, _)| c).collect();
            if let Some(&(q, _)) = area.get(i) {
                if (q == '\'' || q == '"')
                    && matches!(
                        word.to_ascii_uppercase().as_str(),
                        "X" | "N" | "NC" | "G" | "NX" | "Z" | "B" | "BX" | "U"
                    )
                {
                    open = Some(OpenLit {
                        quote: q,
                        prefix: word.to_ascii_uppercase(),
                        text: String::new(),
                        line: lineno,
                        col,
                    });
                    i += 1;
                    continue;
                }
            }
            word_at_end = i == area.len();
            tokens.push(Token {
                tok: Tok::Word(word),
                line: lineno,
                col,
            });
            if tokens.len() > MAX_ENTRIES * 40 {
                return fail(
                    lineno,
                    col,
                    "the copybook is too long for one record layout",
                );
            }
        }
    }
    if let Some(lit) = open {
        return fail(lit.line, lit.col, "literal not closed");
    }
    Ok((tokens, warnings))
}

// ---------------------------------------------------------------------------------------
// entries

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Usage {
    Display,
    Comp,
    Comp3,
    Comp5,
    National,
    Display1,
}

impl Usage {
    fn as_str(self) -> &'static str {
        match self {
            Usage::Display => "DISPLAY",
            Usage::Comp => "COMP",
            Usage::Comp3 => "COMP-3",
            Usage::Comp5 => "COMP-5",
            Usage::National => "NATIONAL",
            Usage::Display1 => "DISPLAY-1",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SignClause {
    leading: bool,
    separate: bool,
}

/// A level-88 value: a single value or a `THRU` range.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CondValue {
    One(String),
    Range(String, String),
    /// A figurative constant or a literal the code table cannot hold.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cond {
    name: String,
    values: Vec<CondValue>,
    line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Entry {
    level: u32,
    /// The data name as written; empty for FILLER or an unnamed entry.
    name: String,
    line: usize,
    col: usize,
    pic: Option<(String, usize, usize)>,
    usage: Option<(Usage, usize, usize)>,
    sign: Option<(SignClause, usize, usize)>,
    occurs: Option<u32>,
    redefines: Option<(String, usize, usize)>,
    value: Option<String>,
    conds: Vec<Cond>,
    justified: bool,
}

struct Cursor<'t> {
    tokens: &'t [Token],
    pos: usize,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.tokens.get(self.pos)
    }

    fn peek_word(&self) -> Option<String> {
        match self.peek() {
            Some(Token {
                tok: Tok::Word(w), ..
            }) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<&'t Token> {
        let t = self.tokens.get(self.pos);
        self.pos += 1;
        t
    }

    /// Skips an optional noise word.
    fn optional(&mut self, words: &[&str]) -> bool {
        if self
            .peek_word()
            .is_some_and(|w| words.contains(&w.as_str()))
        {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The position to report when the text ends.
    fn end_pos(&self) -> (usize, usize) {
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .map_or((1, 1), |t| (t.line, t.col))
    }

    fn word(&mut self, what: &str) -> R<(String, usize, usize)> {
        match self.next() {
            Some(Token {
                tok: Tok::Word(w),
                line,
                col,
            }) => Ok((w.clone(), *line, *col)),
            Some(t) => fail(
                t.line,
                t.col,
                format!("expected {what}, found {}", show(&t.tok)),
            ),
            None => {
                let (l, c) = self.end_pos();
                fail(
                    l,
                    c,
                    format!("expected {what}, found the end of the copybook"),
                )
            }
        }
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Lit { prefix, text } => format!("the literal {prefix}'{text}'"),
        Tok::Period => "`.`".to_string(),
    }
}

/// Words that start a clause (so that they are not taken as a data name).
const CLAUSE_WORDS: &[&str] = &[
    "PIC",
    "PICTURE",
    "USAGE",
    "DISPLAY",
    "COMP",
    "COMPUTATIONAL",
    "COMP-1",
    "COMPUTATIONAL-1",
    "COMP-2",
    "COMPUTATIONAL-2",
    "COMP-3",
    "COMPUTATIONAL-3",
    "COMP-4",
    "COMPUTATIONAL-4",
    "COMP-5",
    "COMPUTATIONAL-5",
    "COMP-X",
    "COMPUTATIONAL-X",
    "BINARY",
    "PACKED-DECIMAL",
    "NATIONAL",
    "DISPLAY-1",
    "INDEX",
    "POINTER",
    "SIGN",
    "LEADING",
    "TRAILING",
    "OCCURS",
    "REDEFINES",
    "VALUE",
    "VALUES",
    "JUSTIFIED",
    "JUST",
    "BLANK",
    "SYNC",
    "SYNCHRONIZED",
    "GLOBAL",
    "EXTERNAL",
    "RENAMES",
    "IS",
];

fn parse_usage(word: &str) -> Option<Result<Usage, &'static str>> {
    Some(match word {
        "DISPLAY" => Ok(Usage::Display),
        "COMP" | "COMPUTATIONAL" | "COMP-4" | "COMPUTATIONAL-4" | "BINARY" => Ok(Usage::Comp),
        "COMP-3" | "COMPUTATIONAL-3" | "PACKED-DECIMAL" => Ok(Usage::Comp3),
        "COMP-5" | "COMPUTATIONAL-5" => Ok(Usage::Comp5),
        "NATIONAL" => Ok(Usage::National),
        "DISPLAY-1" => Ok(Usage::Display1),
        "COMP-1" | "COMPUTATIONAL-1" | "COMP-2" | "COMPUTATIONAL-2" => {
            Err("floating point (COMP-1 / COMP-2) is not supported")
        }
        "COMP-X" | "COMPUTATIONAL-X" => {
            Err("COMP-X (Micro Focus binary by byte count) is not supported")
        }
        "INDEX" => Err("USAGE INDEX has no portable byte form and is not supported"),
        "POINTER" => Err("USAGE POINTER has no portable byte form and is not supported"),
        _ => return None,
    })
}

/// A numeric or figurative literal written as a word (`1`, `-5`, `+1.5`, `ZERO`).
fn literal_word(w: &str) -> bool {
    let t = w.strip_prefix(['+', '-']).unwrap_or(w);
    !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().any(|b| b.is_ascii_digit())
}

const FIGURATIVE: &[&str] = &[
    "ZERO",
    "ZEROS",
    "ZEROES",
    "SPACE",
    "SPACES",
    "HIGH-VALUE",
    "HIGH-VALUES",
    "LOW-VALUE",
    "LOW-VALUES",
    "QUOTE",
    "QUOTES",
    "NULL",
    "NULLS",
];

/// One value of a VALUE clause: `Ok(text)` for a plain value the code table can hold,
/// `Err(text)` for a figurative or prefixed literal.
fn value_of(c: &mut Cursor<'_>) -> R<Option<Result<String, String>>> {
    let Some(t) = c.peek() else {
        return Ok(None);
    };
    match &t.tok {
        Tok::Lit { prefix, text } => {
            c.pos += 1;
            Ok(Some(
                if prefix.is_empty() || matches!(prefix.as_str(), "N" | "NC" | "G") {
                    Ok(text.clone())
                } else {
                    Err(format!("{prefix}'{text}'"))
                },
            ))
        }
        Tok::Word(w) => {
            let u = w.to_ascii_uppercase();
            if literal_word(w) {
                c.pos += 1;
                Ok(Some(Ok(w.clone())))
            } else if FIGURATIVE.contains(&u.as_str()) {
                c.pos += 1;
                Ok(Some(Err(u)))
            } else if u == "ALL" {
                c.pos += 1;
                let rest = value_of(c)?;
                Ok(Some(Err(format!(
                    "ALL {}",
                    match rest {
                        Some(Ok(s)) | Some(Err(s)) => s,
                        None => String::new(),
                    }
                ))))
            } else {
                Ok(None)
            }
        }
        Tok::Period => Ok(None),
    }
}

fn parse_entries(tokens: &[Token]) -> R<Vec<Entry>> {
    let mut c = Cursor { tokens, pos: 0 };
    let mut entries: Vec<Entry> = Vec::new();
    while let Some(t) = c.next() {
        let (level_word, line, col) = match &t.tok {
            Tok::Period => continue,
            Tok::Word(w) => (w.clone(), t.line, t.col),
            Tok::Lit { .. } => {
                return fail(
                    t.line,
                    t.col,
                    format!("expected a level number, found {}", show(&t.tok)),
                )
            }
        };
        let upper = level_word.to_ascii_uppercase();
        match upper.as_str() {
            "COPY" => {
                let replacing = tokens[c.pos..]
                    .iter()
                    .take_while(|t| t.tok != Tok::Period)
                    .any(|t| matches!(&t.tok, Tok::Word(w) if w.eq_ignore_ascii_case("REPLACING")));
                return fail(
                    line,
                    col,
                    if replacing {
                        "`COPY … REPLACING` is not supported: expand the copy (with its replacements) and import the expanded text"
                    } else {
                        "`COPY` is not supported: ikou reads one copybook text; paste the copied member in its place"
                    },
                );
            }
            "REPLACE" => {
                return fail(
                    line,
                    col,
                    "`REPLACE` is not supported: import the text after replacement",
                )
            }
            "EXEC" | "EJECT" | "SKIP1" | "SKIP2" | "SKIP3" => {
                if upper.starts_with("SKIP") || upper == "EJECT" {
                    continue;
                }
                return fail(
                    line,
                    col,
                    "`EXEC` blocks are not part of a data description",
                );
            }
            _ => {}
        }
        if level_word.is_empty()
            || level_word.len() > 2
            || !level_word.bytes().all(|b| b.is_ascii_digit())
        {
            return fail(
                line,
                col,
                format!("expected a level number (01–49 or 88), found `{level_word}`"),
            );
        }
        let level: u32 = level_word.parse().unwrap_or(0);
        match level {
            66 => {
                return fail(
                    line,
                    col,
                    "level 66 (`RENAMES`) is not supported: it adds no bytes, remove it",
                )
            }
            77 => {
                return fail(
                    line,
                    col,
                    "level 77 (an independent item) is not part of a record description",
                )
            }
            88 => {
                let (name, _, _) = c.word("a condition name")?;
                let mut values = Vec::new();
                if !(c.optional(&["VALUE", "VALUES"])) {
                    let (l, col2) = c.end_pos();
                    return fail(l, col2, format!("level 88 `{name}` needs a VALUE clause"));
                }
                c.optional(&["IS", "ARE"]);
                loop {
                    let (vl, vc) = c.end_pos();
                    let Some(v) = value_of(&mut c)? else {
                        break;
                    };
                    if c.optional(&["THRU", "THROUGH"]) {
                        let Some(to) = value_of(&mut c)? else {
                            let (l, col2) = c.end_pos();
                            return fail(l, col2, "expected a value after THRU");
                        };
                        let s = |r: Result<String, String>| match r {
                            Ok(s) | Err(s) => s,
                        };
                        values.push(CondValue::Range(s(v), s(to)));
                    } else {
                        values.push(match v {
                            Ok(s) => CondValue::One(s),
                            Err(s) => CondValue::Other(s),
                        });
                    }
                    let _ = (vl, vc);
                }
                if values.is_empty() {
                    let (l, col2) = c.end_pos();
                    return fail(l, col2, format!("level 88 `{name}`: expected a value"));
                }
                // The rest of the entry (WHEN SET TO FALSE …) is not needed.
                match c.next() {
                    Some(Token {
                        tok: Tok::Period, ..
                    }) => {}
                    Some(t) => {
                        return fail(
                            t.line,
                            t.col,
                            format!(
                                "level 88 `{name}`: expected `.` after the values, found {}",
                                show(&t.tok)
                            ),
                        )
                    }
                    None => {
                        let (l, col2) = c.end_pos();
                        return fail(l, col2, "the entry is not ended by a `.`");
                    }
                }
                let Some(owner) = entries.last_mut() else {
                    return fail(line, col, "level 88 before any data item");
                };
                owner.conds.push(Cond { name, values, line });
                continue;
            }
            1..=49 => {}
            _ => {
                return fail(
                    line,
                    col,
                    format!("level {level_word} is not a data description level (01–49, 88)"),
                )
            }
        }
        if entries.len() >= MAX_ENTRIES {
            return fail(line, col, "too many entries for one record layout");
        }
        let mut e = Entry {
            level,
            line,
            col,
            ..Entry::default()
        };
        if let Some(w) = c.peek_word() {
            if w == "FILLER" {
                c.pos += 1;
            } else if !CLAUSE_WORDS.contains(&w.as_str()) {
                let (name, _, _) = c.word("a data name")?;
                e.name = name;
            }
        }
        // Clauses up to the period.
        loop {
            let Some(t) = c.next() else {
                let (l, col2) = c.end_pos();
                return fail(l, col2, "the entry is not ended by a `.`");
            };
            let (w, wl, wc) = match &t.tok {
                Tok::Period => break,
                Tok::Word(w) => (w.to_ascii_uppercase(), t.line, t.col),
                Tok::Lit { .. } => {
                    return fail(
                        t.line,
                        t.col,
                        format!("unexpected {} (a literal goes after VALUE)", show(&t.tok)),
                    )
                }
            };
            match w.as_str() {
                "PIC" | "PICTURE" => {
                    c.optional(&["IS"]);
                    let (p, pl, pc) = c.word("a picture string")?;
                    e.pic = Some((p, pl, pc));
                }
                "USAGE" => {
                    c.optional(&["IS"]);
                    let (u, ul, uc) = c.word("a usage")?;
                    match parse_usage(&u.to_ascii_uppercase()) {
                        Some(Ok(usage)) => e.usage = Some((usage, ul, uc)),
                        Some(Err(m)) => return fail(ul, uc, m),
                        None => return fail(ul, uc, format!("unknown usage `{u}`")),
                    }
                }
                "SIGN" | "LEADING" | "TRAILING" => {
                    let (pos, pl, pc) = if w == "SIGN" {
                        c.optional(&["IS"]);
                        let (p, pl, pc) = c.word("LEADING or TRAILING")?;
                        (p.to_ascii_uppercase(), pl, pc)
                    } else {
                        (w.clone(), wl, wc)
                    };
                    let leading = match pos.as_str() {
                        "LEADING" => true,
                        "TRAILING" => false,
                        other => {
                            return fail(pl, pc, format!("expected LEADING or TRAILING, found `{other}`"))
                        }
                    };
                    let separate = c.optional(&["SEPARATE"]);
                    if separate {
                        c.optional(&["CHARACTER"]);
                    }
                    e.sign = Some((SignClause { leading, separate }, wl, wc));
                }
                "OCCURS" => {
                    let (n, nl, nc) = c.word("the number of occurrences")?;
                    let count: u32 = match n.parse() {
                        Ok(v) if v >= 1 => v,
                        _ => return fail(nl, nc, format!("OCCURS `{n}`: expected a number of times (1 or more)")),
                    };
                    if c.peek_word().as_deref() == Some("TO") {
                        return fail(
                            wl,
                            wc,
                            "`OCCURS n TO m` (a variable number of occurrences) is not supported: fixed-length layouts only",
                        );
                    }
                    c.optional(&["TIMES"]);
                    loop {
                        match c.peek_word().as_deref() {
                            Some("DEPENDING") => {
                                return fail(
                                    wl,
                                    wc,
                                    "`OCCURS … DEPENDING ON` (variable-length records) is not supported",
                                )
                            }
                            Some("ASCENDING" | "DESCENDING") => {
                                c.pos += 1;
                                c.optional(&["KEY"]);
                                c.optional(&["IS"]);
                                while c.peek_word().is_some_and(|w| {
                                    !CLAUSE_WORDS.contains(&w.as_str())
                                        && !matches!(w.as_str(), "ASCENDING" | "DESCENDING" | "INDEXED" | "DEPENDING")
                                }) {
                                    c.pos += 1;
                                }
                            }
                            Some("INDEXED") => {
                                c.pos += 1;
                                c.optional(&["BY"]);
                                while c.peek_word().is_some_and(|w| {
                                    !CLAUSE_WORDS.contains(&w.as_str())
                                        && !matches!(w.as_str(), "ASCENDING" | "DESCENDING" | "INDEXED" | "DEPENDING")
                                }) {
                                    c.pos += 1;
                                }
                            }
                            _ => break,
                        }
                    }
                    if e.occurs.is_some() {
                        return fail(wl, wc, "a second OCCURS clause");
                    }
                    e.occurs = Some(count);
                }
                "REDEFINES" => {
                    let (n, nl, nc) = c.word("the name of the redefined item")?;
                    e.redefines = Some((n, nl, nc));
                }
                "VALUE" | "VALUES" => {
                    c.optional(&["IS", "ARE"]);
                    let quoted = matches!(c.peek(), Some(Token { tok: Tok::Lit { .. }, .. }));
                    match value_of(&mut c)? {
                        Some(Ok(v)) if quoted => e.value = Some(format!("'{}'", v.replace('\'', "''"))),
                        Some(Ok(v)) => e.value = Some(v),
                        Some(Err(v)) => e.value = Some(v),
                        None => {
                            let (l, col2) = c.end_pos();
                            return fail(l, col2, "expected a value after VALUE");
                        }
                    }
                }
                "JUSTIFIED" | "JUST" => {
                    c.optional(&["RIGHT"]);
                    e.justified = true;
                }
                "BLANK" => {
                    c.optional(&["WHEN"]);
                    if !c.optional(&["ZERO", "ZEROS", "ZEROES"]) {
                        let (l, col2) = c.end_pos();
                        return fail(l, col2, "expected ZERO after BLANK WHEN");
                    }
                }
                "GLOBAL" | "EXTERNAL" | "IS" => {}
                "SYNC" | "SYNCHRONIZED" => {
                    return fail(
                        wl,
                        wc,
                        "`SYNCHRONIZED` is not supported: the slack bytes it adds depend on the compiler; remove it and declare the slack bytes as FILLER",
                    )
                }
                "RENAMES" => return fail(wl, wc, "`RENAMES` is not supported"),
                other => match parse_usage(other) {
                    Some(Ok(usage)) => e.usage = Some((usage, wl, wc)),
                    Some(Err(m)) => return fail(wl, wc, m),
                    None => {
                        return fail(
                            wl,
                            wc,
                            format!("unknown or unsupported clause `{other}` in the entry of `{}`", if e.name.is_empty() { "FILLER" } else { &e.name }),
                        )
                    }
                },
            }
        }
        entries.push(e);
    }
    Ok(entries)
}

// ---------------------------------------------------------------------------------------
// tree and sizes

#[derive(Debug)]
struct Node {
    e: Entry,
    children: Vec<usize>,
    /// The picture read (elementary items).
    pic: Option<Pic>,
    /// The effective usage (inherited from the groups above).
    usage: Usage,
    /// The effective sign clause (inherited).
    sign: Option<SignClause>,
    /// Bytes of one occurrence.
    size: u64,
}

#[derive(Debug)]
struct Tree {
    nodes: Vec<Node>,
    roots: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PicClass {
    /// X / A / 9 mixed (alphanumeric), or alphabetic.
    Alnum,
    /// N (national / 日本語).
    National,
    /// G (DBCS).
    Dbcs,
    /// 9 S V P only.
    Numeric {
        digits: u32,
        scale: i32,
        signed: bool,
    },
    /// Numeric-edited or alphanumeric-edited.
    Edited,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pic {
    class: PicClass,
    /// Character positions (N / G count one each).
    positions: u64,
}

fn parse_pic(p: &str, line: usize, col: usize) -> R<Pic> {
    let chars: Vec<char> = p.to_ascii_uppercase().chars().collect();
    let mut syms: Vec<(char, u64)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = col + i;
        // CR / DB take two positions.
        if (c == 'C' && chars.get(i + 1) == Some(&'R'))
            || (c == 'D' && chars.get(i + 1) == Some(&'B'))
        {
            syms.push(('c', 2));
            i += 2;
            continue;
        }
        if !matches!(
            c,
            'X' | 'A'
                | '9'
                | 'N'
                | 'G'
                | 'S'
                | 'V'
                | 'P'
                | 'Z'
                | '*'
                | '+'
                | '-'
                | 'B'
                | '0'
                | '/'
                | ','
                | '.'
                | '$'
        ) {
            return fail(
                line,
                at,
                format!("`{c}` in the picture `{p}` is not supported"),
            );
        }
        i += 1;
        let mut n: u64 = 1;
        if chars.get(i) == Some(&'(') {
            let start = i + 1;
            let mut j = start;
            while chars.get(j).is_some_and(char::is_ascii_digit) {
                j += 1;
            }
            if j == start || chars.get(j) != Some(&')') {
                return fail(
                    line,
                    col + i,
                    format!("a repetition in the picture `{p}` is `(n)` with a number n"),
                );
            }
            let digits: String = chars[start..j].iter().collect();
            n = match digits.parse::<u64>() {
                Ok(v) if (1..=u64::from(MAX_ITEM_LENGTH)).contains(&v) => v,
                _ => {
                    return fail(
                        line,
                        col + start,
                        format!("the repetition ({digits}) in the picture `{p}` must be 1 to {MAX_ITEM_LENGTH}"),
                    )
                }
            };
            i = j + 1;
        }
        syms.push((c, n));
    }
    if syms.is_empty() {
        return fail(line, col, "an empty picture");
    }
    let count = |set: &[char]| -> u64 {
        syms.iter()
            .filter(|(c, _)| set.contains(c))
            .map(|(_, n)| n)
            .sum()
    };
    let positions: u64 = syms
        .iter()
        .filter(|(c, _)| !matches!(c, 'S' | 'V' | 'P'))
        .map(|(_, n)| *n)
        .sum();
    if positions > u64::from(MAX_ITEM_LENGTH) {
        return fail(
            line,
            col,
            format!("the picture `{p}` is longer than {MAX_ITEM_LENGTH} positions"),
        );
    }
    let only = |set: &[char]| syms.iter().all(|(c, _)| set.contains(c));
    let class = if only(&['N', 'B', '0', '/']) && count(&['N']) > 0 {
        PicClass::National
    } else if only(&['G', 'B']) && count(&['G']) > 0 {
        PicClass::Dbcs
    } else if only(&['9', 'S', 'V', 'P']) {
        // S first and once, V once.
        if count(&['S']) > 1 || syms.iter().skip(1).any(|(c, _)| *c == 'S') {
            return fail(
                line,
                col,
                format!("`S` comes once, first, in the picture `{p}`"),
            );
        }
        if count(&['V']) > 1 {
            return fail(
                line,
                col,
                format!("`V` comes at most once in the picture `{p}`"),
            );
        }
        let digits = count(&['9']);
        if digits == 0 {
            return fail(line, col, format!("the numeric picture `{p}` has no digit"));
        }
        if digits > 38 {
            return fail(
                line,
                col,
                format!("the numeric picture `{p}` has {digits} digits; at most 38 are supported"),
            );
        }
        // The scale: digits right of the V (or of the end), P positions as COBOL places them.
        let v_at = syms.iter().position(|(c, _)| *c == 'V');
        let first_digit = syms.iter().position(|(c, _)| *c == '9').unwrap_or(0);
        let mut scale: i64 = 0;
        let mut p_left = 0i64;
        let mut p_right = 0i64;
        for (k, (c, n)) in syms.iter().enumerate() {
            let n = *n as i64;
            match c {
                '9' if v_at.is_some_and(|v| k > v) => scale += n,
                'P' if k < first_digit => p_left += n,
                'P' => p_right += n,
                _ => {}
            }
        }
        if p_left > 0 && p_right > 0 {
            return fail(
                line,
                col,
                format!("`P` on both sides of the digits in the picture `{p}`"),
            );
        }
        if p_right > 0 && v_at.is_some_and(|v| v < first_digit) {
            return fail(
                line,
                col,
                format!("`P` right of the digits after a `V` in the picture `{p}`"),
            );
        }
        let scale = if p_left > 0 {
            // VPP99 / PP99: the point is left of the P positions.
            scale.max(0) + p_left + if v_at.is_some() { 0 } else { digits as i64 }
        } else {
            scale - p_right
        };
        if !(-38..=38).contains(&scale) {
            return fail(
                line,
                col,
                format!("the scale of the picture `{p}` is beyond 38 places"),
            );
        }
        PicClass::Numeric {
            digits: digits as u32,
            scale: scale as i32,
            signed: count(&['S']) == 1,
        }
    } else if only(&['X', 'A', '9']) {
        PicClass::Alnum
    } else if syms.iter().any(|(c, _)| matches!(c, 'S' | 'N' | 'G')) {
        return fail(
            line,
            col,
            format!("the picture `{p}` mixes symbols in a way ikou does not support"),
        );
    } else {
        PicClass::Edited
    };
    Ok(Pic { class, positions })
}

fn build_tree(entries: Vec<Entry>) -> R<Tree> {
    let mut nodes: Vec<Node> = Vec::with_capacity(entries.len());
    let mut roots = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for e in entries {
        while stack.last().is_some_and(|&t| nodes[t].e.level >= e.level) {
            stack.pop();
        }
        let idx = nodes.len();
        match stack.last() {
            Some(&parent) => nodes[parent].children.push(idx),
            None => roots.push(idx),
        }
        stack.push(idx);
        nodes.push(Node {
            e,
            children: Vec::new(),
            pic: None,
            usage: Usage::Display,
            sign: None,
            size: 0,
        });
    }
    let mut tree = Tree { nodes, roots };
    for r in tree.roots.clone() {
        resolve(&mut tree, r, Usage::Display, None)?;
    }
    // Siblings that redefine: the target must be an earlier sibling.
    let mut groups: Vec<Vec<usize>> = vec![tree.roots.clone()];
    groups.extend(tree.nodes.iter().map(|n| n.children.clone()));
    for sibs in groups {
        for (k, &s) in sibs.iter().enumerate() {
            if let Some((target, l, c)) = &tree.nodes[s].e.redefines {
                let found = sibs[..k]
                    .iter()
                    .rev()
                    .find(|&&o| tree.nodes[o].e.name.eq_ignore_ascii_case(target));
                if found.is_none() {
                    return fail(
                        *l,
                        *c,
                        format!(
                            "REDEFINES `{target}`: no earlier item of that name at the same level"
                        ),
                    );
                }
            }
        }
    }
    Ok(tree)
}

/// Resolves pictures, usages, signs and sizes below `idx` (depth ≤ 49 levels).
fn resolve(tree: &mut Tree, idx: usize, usage: Usage, sign: Option<SignClause>) -> R<u64> {
    let (line, col) = (tree.nodes[idx].e.line, tree.nodes[idx].e.col);
    let usage = tree.nodes[idx].e.usage.map_or(usage, |u| u.0);
    let sign = tree.nodes[idx].e.sign.map(|s| s.0).or(sign);
    tree.nodes[idx].usage = usage;
    tree.nodes[idx].sign = sign;
    let children = tree.nodes[idx].children.clone();
    let size = if children.is_empty() {
        let Some((p, pl, pc)) = tree.nodes[idx].e.pic.clone() else {
            return fail(
                line,
                col,
                format!(
                    "`{}` has neither subordinate items nor a PICTURE",
                    display_name(&tree.nodes[idx].e)
                ),
            );
        };
        let pic = parse_pic(&p, pl, pc)?;
        tree.nodes[idx].pic = Some(pic);
        let size = elementary_size(&pic, usage, sign, &tree.nodes[idx].e, &p)?;
        if size > u64::from(MAX_ITEM_LENGTH) {
            return fail(
                pl,
                pc,
                format!("`{p}` takes {size} bytes; one item takes at most {MAX_ITEM_LENGTH}"),
            );
        }
        size
    } else {
        if let Some((_, pl, pc)) = &tree.nodes[idx].e.pic {
            return fail(
                *pl,
                *pc,
                format!(
                    "`{}` is a group (it has subordinate items) and cannot have a PICTURE",
                    display_name(&tree.nodes[idx].e)
                ),
            );
        }
        let mut sum: u64 = 0;
        let mut area: HashMap<String, (u64, usize)> = HashMap::new();
        for &ch in &children {
            let s = resolve(tree, ch, usage, sign)?;
            let total = s
                .checked_mul(u64::from(tree.nodes[ch].e.occurs.unwrap_or(1)))
                .filter(|t| *t <= u64::from(MAX_RECORD_LENGTH))
                .ok_or_else(|| too_long(&tree.nodes[ch].e))?;
            match &tree.nodes[ch].e.redefines {
                Some((target, l, c)) => {
                    let key = target.to_ascii_uppercase();
                    let Some(&(orig, _)) = area.get(&key) else {
                        // Reported with its position after the tree is built.
                        continue;
                    };
                    if total > orig {
                        return fail(
                            *l,
                            *c,
                            format!(
                                "`{}` ({total} bytes) is larger than the `{target}` it redefines ({orig} bytes)",
                                display_name(&tree.nodes[ch].e)
                            ),
                        );
                    }
                    if !tree.nodes[ch].e.name.is_empty() {
                        area.insert(tree.nodes[ch].e.name.to_ascii_uppercase(), (orig, ch));
                    }
                }
                None => {
                    sum = sum
                        .checked_add(total)
                        .filter(|t| *t <= u64::from(MAX_RECORD_LENGTH))
                        .ok_or_else(|| too_long(&tree.nodes[idx].e))?;
                    if !tree.nodes[ch].e.name.is_empty() {
                        area.insert(tree.nodes[ch].e.name.to_ascii_uppercase(), (total, ch));
                    }
                }
            }
        }
        sum
    };
    if size == 0 {
        return fail(
            line,
            col,
            format!("`{}` takes no bytes", display_name(&tree.nodes[idx].e)),
        );
    }
    tree.nodes[idx].size = size;
    Ok(size)
}

fn too_long(e: &Entry) -> Fail {
    Fail {
        line: e.line,
        column: e.col,
        message: format!(
            "`{}` makes the record longer than {MAX_RECORD_LENGTH} bytes",
            display_name(e)
        ),
    }
}

fn display_name(e: &Entry) -> String {
    if e.name.is_empty() {
        "FILLER".to_string()
    } else {
        e.name.clone()
    }
}

fn elementary_size(
    pic: &Pic,
    usage: Usage,
    sign: Option<SignClause>,
    e: &Entry,
    p: &str,
) -> R<u64> {
    let (ul, uc) = e.usage.map_or((e.line, e.col), |(_, l, c)| (l, c));
    let numeric = match pic.class {
        PicClass::Numeric { digits, signed, .. } => Some((digits, signed)),
        _ => None,
    };
    if let (Some((_, sl, sc)), Some((_, false))) = (e.sign, numeric) {
        return fail(
            sl,
            sc,
            format!("a SIGN clause needs an `S` in the picture (`{p}`)"),
        );
    }
    if let (Some((_, sl, sc)), None) = (e.sign, numeric) {
        return fail(
            sl,
            sc,
            format!("a SIGN clause applies to a signed numeric picture, not `{p}`"),
        );
    }
    match (usage, pic.class) {
        (Usage::Display, PicClass::Alnum | PicClass::Edited) => Ok(pic.positions),
        (
            Usage::Display | Usage::National | Usage::Display1,
            PicClass::National | PicClass::Dbcs,
        ) => Ok(pic.positions * 2),
        (Usage::Display, PicClass::Numeric { digits, signed, .. }) => {
            let separate = signed && sign.is_some_and(|s| s.separate);
            Ok(u64::from(digits) + u64::from(separate))
        }
        (Usage::Comp3, PicClass::Numeric { digits, .. }) => {
            if sign.is_some_and(|s| s.separate) && e.sign.is_some() {
                return fail(
                    ul,
                    uc,
                    "SIGN … SEPARATE applies to USAGE DISPLAY numbers only",
                );
            }
            Ok(u64::from(digits / 2 + 1))
        }
        (Usage::Comp | Usage::Comp5, PicClass::Numeric { digits, .. }) => {
            if sign.is_some_and(|s| s.separate) && e.sign.is_some() {
                return fail(
                    ul,
                    uc,
                    "SIGN … SEPARATE applies to USAGE DISPLAY numbers only",
                );
            }
            match digits {
                1..=4 => Ok(2),
                5..=9 => Ok(4),
                10..=18 => Ok(8),
                _ => fail(
                    ul,
                    uc,
                    format!("a binary item has at most 18 digits; `{p}` has {digits}"),
                ),
            }
        }
        (Usage::National, PicClass::Numeric { .. }) => fail(
            ul,
            uc,
            "national numeric items (PIC 9 USAGE NATIONAL) are not supported",
        ),
        (u, _) => fail(
            ul,
            uc,
            format!("USAGE {} does not go with the picture `{p}`", u.as_str()),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// items

struct Builder<'a> {
    tree: &'a Tree,
    host: bool,
    /// The zone form of zoned numbers (from the encoding).
    zone: ZoneForm,
    views: Vec<String>,
    used_views: HashSet<String>,
    items: Vec<Item>,
    keys: HashSet<String>,
    warnings: &'a mut Vec<ImportWarning>,
    tables: Vec<CodeTable>,
    /// Record types derived from several 01 records.
    types: Option<RecordTypes>,
    /// Code table name of each node with level-88 values.
    table_of: HashMap<usize, Option<String>>,
    id_name: String,
}

impl Builder<'_> {
    /// Lays out the record: the chosen 01 record (or the whole list when the copybook
    /// starts below level 01). Returns the record length.
    fn record(&mut self) -> R<u32> {
        let tree = self.tree;
        for n in &tree.nodes {
            if !n.children.is_empty() && !n.e.conds.is_empty() {
                self.warnings.push(ImportWarning {
                    row: n.e.line as u32,
                    message: format!(
                        "level-88 values of the group `{}` are not kept (code tables are made for elementary items)",
                        display_name(&n.e)
                    ),
                });
            }
        }
        let roots = tree.roots.clone();
        let all_01 = roots.iter().all(|&r| tree.nodes[r].e.level == 1);
        let end = if all_01 && roots.len() > 1 {
            // Several 01 records: record types when a type item tells them apart, otherwise
            // alternative descriptions of one record area.
            let size = roots
                .iter()
                .map(|&r| tree.nodes[r].size * u64::from(tree.nodes[r].e.occurs.unwrap_or(1)))
                .max()
                .unwrap_or(0);
            if let Some(rt) = self.record_types(&roots, size)? {
                self.types = Some(rt);
                return u32::try_from(size)
                    .ok()
                    .filter(|e| *e <= MAX_RECORD_LENGTH)
                    .ok_or_else(|| Fail {
                        line: 1,
                        column: 1,
                        message: format!("the record is longer than {MAX_RECORD_LENGTH} bytes"),
                    });
            }
            let chosen = self.choose(&roots, "01 records")?;
            let used = self.place(chosen, 0, &[])?;
            if used < size {
                self.rest(used, size - used, chosen);
            }
            size
        } else {
            let mut offset = 0;
            self.siblings(&roots, &mut offset, &[])?;
            offset
        };
        u32::try_from(end)
            .ok()
            .filter(|e| *e <= MAX_RECORD_LENGTH)
            .ok_or_else(|| Fail {
                line: 1,
                column: 1,
                message: format!("the record is longer than {MAX_RECORD_LENGTH} bytes"),
            })
    }

    /// The items of one 01 record laid out on their own (padded to `size` with a filler).
    fn build_one(&mut self, root: usize, size: u64) -> R<Vec<Item>> {
        let saved_items = std::mem::take(&mut self.items);
        let saved_keys = std::mem::take(&mut self.keys);
        let used = self.place(root, 0, &[])?;
        if used < size {
            self.rest(used, size - used, root);
        }
        let items = std::mem::replace(&mut self.items, saved_items);
        self.keys = saved_keys;
        Ok(items)
    }

    /// Record types from several 01 records: each record's first elementary item (the same
    /// bytes in all) has one value (a VALUE clause or a single level-88 value), and the roles
    /// can be told (names with HEAD / TRAIL / DATA …, `--view` for the data record, or the
    /// place before / after it). `None`, with a warning saying why, otherwise.
    fn record_types(&mut self, roots: &[usize], size: u64) -> R<Option<RecordTypes>> {
        let tree = self.tree;
        let line = tree.nodes[roots[0]].e.line as u32;
        let why_not = |s: &mut Self, reason: String| {
            s.warnings.push(ImportWarning {
                row: line,
                message: format!("several 01 records, not made record types: {reason}"),
            });
            Ok(None)
        };
        // The type item and its value in each record.
        let mut typed: Vec<(usize, usize, String)> = Vec::new();
        for &r in roots {
            let mut n = r;
            while let Some(&c) = tree.nodes[n].children.first() {
                n = c;
                if tree.nodes[n].e.occurs.is_some() {
                    break;
                }
            }
            let e = &tree.nodes[n].e;
            if n == r || e.occurs.is_some() {
                return why_not(
                    self,
                    format!(
                        "`{}` does not start with a single elementary item",
                        display_name(&tree.nodes[r].e)
                    ),
                );
            }
            let value = match (&e.value, e.conds.as_slice()) {
                (Some(v), _) if v.starts_with('\'') && v.ends_with('\'') && v.len() >= 2 => {
                    Some(v[1..v.len() - 1].replace("''", "'"))
                }
                (Some(v), _) if literal_word(v) => Some(v.clone()),
                (None, [c]) => match c.values.as_slice() {
                    [CondValue::One(v)] => Some(v.clone()),
                    _ => None,
                },
                _ => None,
            };
            let Some(value) = value else {
                return why_not(
                    self,
                    format!(
                        "the first item `{}` of `{}` has no single value (a VALUE clause or one level-88 value)",
                        display_name(e),
                        display_name(&tree.nodes[r].e)
                    ),
                );
            };
            typed.push((r, n, value));
        }
        let len = tree.nodes[typed[0].1].size;
        for (r, n, v) in &typed {
            if tree.nodes[*n].size != len || v.len() as u64 != len || !v.is_ascii() || len > 64 {
                return why_not(
                    self,
                    format!(
                        "the type items differ in length or the value `{v}` of `{}` is not {len} ASCII byte(s)",
                        display_name(&tree.nodes[*r].e)
                    ),
                );
            }
        }
        let mut values: Vec<&str> = typed.iter().map(|t| t.2.as_str()).collect();
        values.sort_unstable();
        values.dedup();
        if values.len() != typed.len() {
            return why_not(self, "two records have the same type value".into());
        }
        // Roles.
        let words = |r: usize, n: usize| -> String {
            let mut w = tree.nodes[r].e.name.to_uppercase();
            for c in &tree.nodes[n].e.conds {
                w.push(' ');
                w.push_str(&c.name.to_uppercase());
            }
            w
        };
        let has = |w: &str, keys: &[&str]| keys.iter().any(|k| w.contains(k));
        const HEAD: [&str; 5] = ["HEAD", "HDR", "ヘッダ", "見出", "先頭"];
        const TRAIL: [&str; 5] = ["TRAIL", "TRL", "TLR", "トレーラ", "末尾"];
        const DATA: [&str; 7] = ["DATA", "DTL", "DETAIL", "MEISAI", "BODY", "明細", "データ"];
        let named = typed.iter().position(|(r, _, _)| {
            self.views
                .contains(&tree.nodes[*r].e.name.to_ascii_uppercase())
        });
        let data = named.or_else(|| {
            let d: Vec<usize> = (0..typed.len())
                .filter(|&i| has(&words(typed[i].0, typed[i].1), &DATA))
                .collect();
            let plain: Vec<usize> = (0..typed.len())
                .filter(|&i| {
                    let w = words(typed[i].0, typed[i].1);
                    !has(&w, &HEAD) && !has(&w, &TRAIL)
                })
                .collect();
            match (d.as_slice(), plain.as_slice()) {
                ([one], _) | ([], [one]) => Some(*one),
                _ => None,
            }
        });
        let Some(data) = data else {
            return why_not(
                self,
                "which record is the data record cannot be told (name it with --view)".into(),
            );
        };
        let mut header = None;
        let mut trailer = None;
        let mut how: Vec<String> = Vec::new();
        for (i, (r, n, v)) in typed.iter().enumerate() {
            let name = display_name(&tree.nodes[*r].e);
            if i == data {
                how.push(format!("`{name}` data ('{v}')"));
                continue;
            }
            let w = words(*r, *n);
            let (role, by) = if has(&w, &HEAD) {
                (RecordRole::Header, "by its name")
            } else if has(&w, &TRAIL) {
                (RecordRole::Trailer, "by its name")
            } else if i < data {
                (RecordRole::Header, "by its place before the data record")
            } else {
                (RecordRole::Trailer, "by its place after the data record")
            };
            let slot = if role == RecordRole::Header {
                &mut header
            } else {
                &mut trailer
            };
            if slot.is_some() {
                return why_not(
                    self,
                    "a layout holds one header and one trailer record type; more records than that"
                        .into(),
                );
            }
            *slot = Some(i);
            how.push(format!(
                "`{name}` {} ('{v}', {by})",
                if role == RecordRole::Header {
                    "header"
                } else {
                    "trailer"
                }
            ));
        }
        for &(r, _, _) in &typed {
            let n = tree.nodes[r].e.name.to_ascii_uppercase();
            if !n.is_empty() {
                self.used_views.insert(n);
            }
        }
        let mark = |items: &mut Vec<Item>| {
            if let Some(first) = items.first_mut() {
                first.domain = DomainType::RecordType;
            }
        };
        let mut others = Vec::new();
        for (slot, role) in [(header, RecordRole::Header), (trailer, RecordRole::Trailer)] {
            if let Some(i) = slot {
                let mut items = self.build_one(typed[i].0, size)?;
                mark(&mut items);
                others.push(SubRecord {
                    role,
                    code: typed[i].2.clone(),
                    items,
                    count_item: None,
                });
            }
        }
        let mut items = self.build_one(typed[data].0, size)?;
        mark(&mut items);
        self.items = items;
        self.warnings.push(ImportWarning {
            row: line,
            message: format!(
                "record types told apart by bytes 0..{len}: {}; check the roles (a trailer's count item is not set)",
                how.join(", ")
            ),
        });
        Ok(Some(RecordTypes {
            offset: 0,
            length: len as u32,
            data_code: typed[data].2.clone(),
            others,
        }))
    }

    /// Picks the view of an alternatives group: one named by the options, else the first.
    fn choose(&mut self, alts: &[usize], what: &str) -> R<usize> {
        let tree = self.tree;
        let named: Vec<usize> = alts
            .iter()
            .copied()
            .filter(|&a| {
                let n = tree.nodes[a].e.name.to_ascii_uppercase();
                !n.is_empty() && self.views.contains(&n)
            })
            .collect();
        if named.len() > 1 {
            let e = &tree.nodes[named[1]].e;
            return fail(
                e.line,
                e.col,
                format!(
                    "--view names two alternatives of the same area: `{}` and `{}`",
                    tree.nodes[named[0]].e.name, e.name
                ),
            );
        }
        let chosen = named.first().copied().unwrap_or(alts[0]);
        for &a in alts {
            let n = tree.nodes[a].e.name.to_ascii_uppercase();
            if !n.is_empty() {
                self.used_views.insert(n);
            }
        }
        let names: Vec<String> = alts
            .iter()
            .map(|&a| {
                let e = &tree.nodes[a].e;
                format!("`{}` (line {})", display_name(e), e.line)
            })
            .collect();
        let first = &tree.nodes[alts[0]].e;
        self.warnings.push(ImportWarning {
            row: first.line as u32,
            message: format!(
                "{what}: {} describe the same bytes; the layout uses `{}` — choose another with --view NAME",
                names.join(", "),
                display_name(&tree.nodes[chosen].e)
            ),
        });
        Ok(chosen)
    }

    /// Places a list of siblings from `offset`, resolving REDEFINES groups.
    fn siblings(&mut self, sibs: &[usize], offset: &mut u64, idx: &[u32]) -> R<()> {
        let tree = self.tree;
        let mut k = 0;
        while k < sibs.len() {
            let first = sibs[k];
            let mut alts = vec![first];
            let mut j = k + 1;
            while j < sibs.len() && tree.nodes[sibs[j]].e.redefines.is_some() {
                let e = &tree.nodes[sibs[j]].e;
                let target = e.redefines.as_ref().map_or("", |r| r.0.as_str());
                if !target.eq_ignore_ascii_case(&tree.nodes[first].e.name) {
                    let (l, c) = e.redefines.as_ref().map_or((e.line, e.col), |r| (r.1, r.2));
                    return fail(
                        l,
                        c,
                        format!(
                            "REDEFINES `{target}`: the alternatives of an area follow the item they redefine (here `{}`), each naming it",
                            display_name(&tree.nodes[first].e)
                        ),
                    );
                }
                alts.push(sibs[j]);
                j += 1;
            }
            if tree.nodes[first].e.redefines.is_some() {
                // A REDEFINES whose target is not the item just before (checked earlier to
                // exist): the area is the target's, already placed.
                let e = &tree.nodes[first].e;
                return fail(
                    e.line,
                    e.col,
                    format!(
                        "REDEFINES `{}` after other items: put the alternatives right after the item they redefine",
                        e.redefines.as_ref().map_or("", |r| r.0.as_str())
                    ),
                );
            }
            let area = tree.nodes[first].size * u64::from(tree.nodes[first].e.occurs.unwrap_or(1));
            let chosen = if alts.len() > 1 {
                self.choose(&alts, "REDEFINES")?
            } else {
                first
            };
            let used = self.place(chosen, *offset, idx)?;
            if used < area {
                self.rest(*offset + used, area - used, chosen);
            }
            *offset += area;
            k = j;
        }
        Ok(())
    }

    /// A filler for the bytes of an area the chosen (shorter) view does not cover.
    fn rest(&mut self, offset: u64, len: u64, chosen: usize) {
        let e = &self.tree.nodes[chosen].e;
        let name = format!("{}-REST", display_name(e));
        let note = format!(
            "the bytes of the redefined area beyond `{}` (line {})",
            display_name(e),
            e.line
        );
        self.push_item(
            &name,
            &name,
            &[],
            DomainType::Filler,
            len as u32,
            offset,
            Representation::Display,
            None,
            note,
            None,
        );
    }

    /// Places one node (with its occurrences) at `offset`; returns the bytes used.
    fn place(&mut self, n: usize, offset: u64, idx: &[u32]) -> R<u64> {
        let tree = self.tree;
        let node = &tree.nodes[n];
        let times = node.e.occurs.unwrap_or(1);
        let mut at = offset;
        for t in 1..=times {
            let mut ix = idx.to_vec();
            if node.e.occurs.is_some() {
                ix.push(t);
            }
            if node.children.is_empty() {
                self.elementary(n, at, &ix)?;
            } else {
                let mut o = at;
                self.siblings(&node.children, &mut o, &ix)?;
            }
            at += node.size;
            if self.items.len() > MAX_COPYBOOK_ITEMS {
                return fail(
                    node.e.line,
                    node.e.col,
                    format!("the copybook expands to more than {MAX_COPYBOOK_ITEMS} items"),
                );
            }
        }
        Ok(at - offset)
    }

    fn elementary(&mut self, n: usize, offset: u64, idx: &[u32]) -> R<()> {
        let tree = self.tree;
        let node = &tree.nodes[n];
        let e = &node.e;
        let Some(pic) = node.pic else {
            return fail(
                e.line,
                e.col,
                "internal: an elementary item without a picture",
            );
        };
        let pic_text = e.pic.as_ref().map_or("", |p| p.0.as_str());
        let mut name = display_name(e);
        if !idx.is_empty() {
            let ix: Vec<String> = idx.iter().map(u32::to_string).collect();
            name = format!("{name}({})", ix.join(","));
        }
        let mut note = format!(
            "COBOL line {}: {:02} {} PIC {}",
            e.line,
            e.level,
            display_name(e),
            pic_text
        );
        if node.usage != Usage::Display {
            note.push_str(&format!(" {}", node.usage.as_str()));
        }
        if let Some(s) = node.sign {
            if matches!(pic.class, PicClass::Numeric { signed: true, .. }) {
                note.push_str(if s.leading {
                    " SIGN LEADING"
                } else {
                    " SIGN TRAILING"
                });
                if s.separate {
                    note.push_str(" SEPARATE");
                }
            }
        }
        if let Some(v) = &e.value {
            note.push_str(&format!(" VALUE {v}"));
        }
        let size = node.size;
        let filler = e.name.is_empty();
        let (domain, representation, host_kind) = if filler {
            (DomainType::Filler, Representation::Display, None)
        } else {
            match (pic.class, node.usage) {
                (
                    PicClass::Numeric {
                        digits,
                        scale,
                        signed,
                    },
                    u,
                ) => {
                    let rep = match u {
                        Usage::Comp3 => Representation::Packed {
                            digits,
                            scale,
                            signed,
                        },
                        Usage::Comp => Representation::Binary {
                            digits,
                            scale,
                            signed,
                            native: false,
                        },
                        Usage::Comp5 => {
                            if !self.host {
                                self.warnings.push(ImportWarning {
                                    row: e.line as u32,
                                    message: format!(
                                        "`{}` COMP-5: imported as big-endian; open-system compilers on x86 (NetCOBOL, Micro Focus, GnuCOBOL) store COMP-5 little-endian, which a layout cannot express yet",
                                        display_name(e)
                                    ),
                                });
                            }
                            Representation::Binary {
                                digits,
                                scale,
                                signed,
                                native: true,
                            }
                        }
                        _ => Representation::Zoned {
                            digits,
                            scale,
                            sign: match (signed, node.sign) {
                                (false, _) => ZonedSign::None,
                                (true, None) => ZonedSign::Trailing,
                                (true, Some(s)) => match (s.leading, s.separate) {
                                    (false, false) => ZonedSign::Trailing,
                                    (true, false) => ZonedSign::Leading,
                                    (false, true) => ZonedSign::TrailingSeparate,
                                    (true, true) => ZonedSign::LeadingSeparate,
                                },
                            },
                            // The zone form follows the encoding (set when loaded back).
                            zone: ZoneForm::Ascii,
                        },
                    };
                    let domain = if signed || scale != 0 {
                        DomainType::Amount
                    } else {
                        DomainType::Digits
                    };
                    (domain, rep, None)
                }
                (PicClass::National, _) => {
                    if node.usage == Usage::National && self.host {
                        self.warnings.push(ImportWarning {
                            row: e.line as u32,
                            message: format!(
                                "`{}` PIC {pic_text} USAGE NATIONAL: IBM Enterprise COBOL stores NATIONAL as UTF-16; imported as double-byte characters of the layout's code page (item kind N) — check the compiler's NSYMBOL option",
                                display_name(e)
                            ),
                        });
                    }
                    (
                        DomainType::Text,
                        Representation::Display,
                        self.host.then_some(HostKind::N),
                    )
                }
                (PicClass::Dbcs, _) => (
                    DomainType::Text,
                    Representation::Display,
                    self.host.then_some(HostKind::G),
                ),
                (PicClass::Edited, _) => {
                    self.warnings.push(ImportWarning {
                        row: e.line as u32,
                        message: format!(
                            "`{}` PIC {pic_text} is an edited picture: imported as text",
                            display_name(e)
                        ),
                    });
                    (
                        DomainType::Text,
                        Representation::Display,
                        self.host.then_some(HostKind::M),
                    )
                }
                (PicClass::Alnum, _) => (
                    DomainType::Text,
                    Representation::Display,
                    self.host.then_some(HostKind::M),
                ),
            }
        };
        let zone_fix = |r: Representation, zone: ZoneForm| match r {
            Representation::Zoned {
                digits,
                scale,
                sign,
                ..
            } => Representation::Zoned {
                digits,
                scale,
                sign,
                zone,
            },
            other => other,
        };
        // The zone form follows the encoding (EBCDIC for the EBCDIC-based host labels).
        let representation = zone_fix(representation, self.zone);
        let table = if e.conds.is_empty() || filler {
            if !e.conds.is_empty() {
                self.warnings.push(ImportWarning {
                    row: e.line as u32,
                    message: "level-88 values of a FILLER are not kept (a filler carries no value)"
                        .into(),
                });
            }
            None
        } else {
            self.table(n, &name)
        };
        let len = u32::try_from(size).unwrap_or(u32::MAX);
        self.push_item(
            &name,
            if filler { "filler" } else { &e.name },
            idx,
            domain,
            len,
            offset,
            representation,
            host_kind,
            note,
            table,
        );
        Ok(())
    }

    /// The code table of a node's level-88 values (made once per node).
    fn table(&mut self, n: usize, item_name: &str) -> Option<String> {
        if let Some(t) = self.table_of.get(&n) {
            return t.clone();
        }
        let e = &self.tree.nodes[n].e;
        let mut entries: Vec<(String, String)> = Vec::new();
        for c in &e.conds {
            for v in &c.values {
                match v {
                    CondValue::One(code) => {
                        // A number's value as the decoded number reads (`01` → `1`, `1.5` in
                        // a V99 item → `1.50`).
                        let code = match self.tree.nodes[n].pic.map(|p| p.class) {
                            Some(PicClass::Numeric { scale, .. }) => {
                                canonical_number(code, scale).unwrap_or_else(|| code.clone())
                            }
                            _ => code.trim_end().to_string(),
                        };
                        if code.is_empty() {
                            self.warnings.push(ImportWarning {
                                row: c.line as u32,
                                message: format!(
                                    "88 {}: a blank value is not kept in the code table",
                                    c.name
                                ),
                            });
                        } else if let Some((_, first)) = entries.iter().find(|(k, _)| *k == code) {
                            self.warnings.push(ImportWarning {
                                row: c.line as u32,
                                message: format!(
                                    "88 {}: the value `{code}` is already the value of {first}; the code table keeps {first}",
                                    c.name
                                ),
                            });
                        } else {
                            entries.push((code, c.name.clone()));
                        }
                    }
                    CondValue::Range(a, b) => self.warnings.push(ImportWarning {
                        row: c.line as u32,
                        message: format!(
                            "88 {}: the range {a} THRU {b} is not expanded into the code table",
                            c.name
                        ),
                    }),
                    CondValue::Other(s) => self.warnings.push(ImportWarning {
                        row: c.line as u32,
                        message: format!(
                            "88 {}: the value {s} is not kept in the code table",
                            c.name
                        ),
                    }),
                }
            }
        }
        let t = if entries.is_empty() {
            None
        } else {
            let base =
                ascii_key(&e.name).unwrap_or_else(|| format!("item{}", self.items.len() + 1));
            let mut name = if self.id_name.is_empty() {
                base
            } else {
                format!("{}-{base}", self.id_name)
            };
            while self.tables.iter().any(|t| t.name == name) {
                name.push_str("-2");
            }
            let _ = item_name;
            self.tables.push(CodeTable {
                name: name.clone(),
                entries,
            });
            Some(name)
        };
        self.table_of.insert(n, t.clone());
        t
    }

    #[allow(clippy::too_many_arguments)]
    fn push_item(
        &mut self,
        name: &str,
        base: &str,
        idx: &[u32],
        domain: DomainType,
        length: u32,
        offset: u64,
        representation: Representation,
        host_kind: Option<HostKind>,
        note: String,
        code_table: Option<String>,
    ) {
        let number = self.items.len() as u32 + 1;
        let suffix: String = idx.iter().map(|i| format!("_{i}")).collect();
        let stem = ascii_key(base).unwrap_or_else(|| format!("item_{number:03}"));
        let mut key = format!("{stem}{suffix}");
        if self.keys.contains(&key) || !valid_key(&key) {
            let mut k = 2;
            while self.keys.contains(&format!("{key}_{k}")) {
                k += 1;
            }
            key = format!("{key}_{k}");
        }
        self.keys.insert(key.clone());
        self.items.push(Item {
            number,
            name: name.to_string(),
            key,
            domain,
            length: length.max(1),
            unit: LengthUnit::Bytes,
            offset: u32::try_from(offset).ok(),
            required: false,
            repeat: 1,
            code_table,
            date_form: None,
            padding: if representation.is_numeric() {
                Padding::None
            } else {
                Padding::Spaces
            },
            zero_pad: false,
            note: Some(note),
            official: None,
            representation,
            host_kind: if domain == DomainType::Filler {
                None
            } else {
                host_kind
            },
            encoding: None,
        });
    }
}

/// A numeric literal as canonical decimal text with `scale` places (`-001.5`, 2 → `-1.50`);
/// `None` when it is not a plain number, has more places than `scale`, or `scale` < 0.
fn canonical_number(lit: &str, scale: i32) -> Option<String> {
    let scale = usize::try_from(scale).ok()?;
    let t = lit.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac_trim = frac.trim_end_matches('0');
    if frac_trim.len() > scale {
        return None;
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let mut out = String::new();
    if neg && !(int == "0" && frac_trim.is_empty()) {
        out.push('-');
    }
    out.push_str(int);
    if scale > 0 {
        out.push('.');
        out.push_str(frac_trim);
        for _ in frac_trim.len()..scale {
            out.push('0');
        }
    }
    Some(out)
}

/// An item key from a COBOL name: lower case, `-` → `_`; `None` when the name has no
/// ASCII letter or digit (a Japanese name).
fn ascii_key(name: &str) -> Option<String> {
    let mut k = String::new();
    for c in name.chars() {
        match c {
            'A'..='Z' => k.push(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' => k.push(c),
            '-' | '_' => {
                if !k.ends_with('_') && !k.is_empty() {
                    k.push('_');
                }
            }
            _ => return None,
        }
    }
    let k = k.trim_end_matches('_').to_string();
    if k.is_empty() {
        return None;
    }
    if k.starts_with(|c: char| c.is_ascii_digit()) {
        Some(format!("f_{k}"))
    } else {
        Some(k)
    }
}
