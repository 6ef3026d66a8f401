//! The official item-definition form (項目定義書 / 基本データリスト of デジタル庁).
//!
//! The form is defined by the workbooks' own legend sheets (凡例）列項目説明, 凡例）データ型):
//! an item sheet with a two-row header — データ項目ID (3-digit 業務コード + 5-digit 項目コード,
//! often in two cells), データ項目, データ項目（ローマ字）, グループ 名称 / 主キー / 外部キー,
//! クラス分類 LV1–3, データ型, 桁数, コード, 繰り返し, データ出力条件, 項目定義, 項目説明,
//! 標準仕様書関連箇所, 実装類型, サンプル値, 備考 — closed by an end-marker row and column of
//! `e`; the code lists in コード一覧（個別） (bare ids) and コード一覧（連携） (ids prefixed by a
//! 業務名); 999 stands for a municipality's own codes.
//!
//! [`import_official`] reads every item sheet of such a workbook into one layout per グループ
//! (status [`Status::OfficialImport`], family `standard`), the code lists into code tables,
//! checks each サンプル値 against its own item's データ型, and reports every row it could not
//! read with its sheet and row number. The データ型 decides the item's type; the item's name
//! may only refine X/Ｎ into a domain type (個人番号, 郵便番号, 市区町村コード, 読み仮名 /
//! フリガナ), and every such refinement is listed in [`OfficialBook::refinements`].

use super::{fold, leading_number, read_xlsx, ImportError, Sheet, SheetRow, HEADER_SEARCH_ROWS};
use crate::load::{valid_key, MAX_ITEM_LENGTH, MAX_REPEAT};
use crate::model::*;
use crate::write::{hex, items_digest, layout_to_toml};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// A row of a workbook that could not be read (or was read with a doubt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookWarning {
    /// The sheet.
    pub sheet: String,
    /// The 1-based row; 0 for the sheet as a whole.
    pub row: u32,
    /// What was wrong and what the importer did.
    pub message: String,
}

impl fmt::Display for BookWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "sheet 「{}」: {}", self.sheet, self.message)
        } else {
            write!(
                f,
                "sheet 「{}」 row {}: {}",
                self.sheet, self.row, self.message
            )
        }
    }
}

/// What the importer made of each sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetRole {
    /// An item sheet (項目定義書 / 基本データリスト).
    Items,
    /// コード一覧（個別）.
    CodesIndividual,
    /// コード一覧（連携）.
    CodesLinked,
    /// A legend sheet (凡例): recognised, not imported.
    Legend,
    /// Anything else: not imported.
    Other,
}

impl SheetRole {
    /// A short English name.
    pub fn as_str(self) -> &'static str {
        match self {
            SheetRole::Items => "items",
            SheetRole::CodesIndividual => "codes (個別)",
            SheetRole::CodesLinked => "codes (連携)",
            SheetRole::Legend => "legend (not imported)",
            SheetRole::Other => "other (not imported)",
        }
    }
}

/// An item whose X/Ｎ type was refined into a domain type because of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refinement {
    /// The layout id.
    pub layout: String,
    /// The item key.
    pub key: String,
    /// The item's データ型.
    pub data_type: DataType,
    /// The domain type given.
    pub domain: DomainType,
    /// The word of the name that decided it.
    pub because: &'static str,
}

/// A code list of the workbook, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookCodeTable {
    /// The table (name as items refer to it, entries value → meaning).
    pub table: CodeTable,
    /// The コードID as written.
    pub code_id: String,
    /// コード名.
    pub title: String,
    /// The sheet it came from.
    pub sheet: String,
}

/// Everything imported from an official workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialBook {
    /// The workbook's file name.
    pub file: String,
    /// SHA-256 of the workbook (hex).
    pub sha256: String,
    /// The document title (the first item sheet's title row), for the credit.
    pub title: String,
    /// One layout per グループ, in the order the groups first appear.
    pub layouts: Vec<Layout>,
    /// The code lists of both code sheets (999, a municipality's own codes, has none).
    pub code_tables: Vec<BookCodeTable>,
    /// Every sheet and what was made of it.
    pub sheets: Vec<(String, SheetRole)>,
    /// Items whose X/Ｎ type was refined by name.
    pub refinements: Vec<Refinement>,
    /// Rows not read, or read with a doubt.
    pub warnings: Vec<BookWarning>,
}

/// The credit every file made from an official workbook carries.
pub const CREDIT: &str = "公共データ利用規約 第1.0版 (PDL 1.0) — 出典: デジタル庁";

impl OfficialBook {
    /// A layout as a spec file: a header comment (source, credit, warnings of its sheet)
    /// and the layout.
    pub fn layout_toml(&self, layout: &Layout) -> String {
        let mut s = String::new();
        let sheet = layout.official.as_ref().map_or("", |o| o.sheet.as_str());
        s.push_str(&format!(
            "# Imported unedited by `ikou layouts import` from the official workbook {} (sheet 「{}」,\n# sha256 {}).\n",
            super::comment_safe(&self.file),
            super::comment_safe(sheet),
            self.sha256
        ));
        s.push_str(&format!(
            "# {} 「{}」.\n",
            CREDIT,
            super::comment_safe(&self.title)
        ));
        s.push_str(
            "# status = \"official-import\": `ikou layouts check` verifies that the item table is the one\n\
             # imported (items_sha256); after any hand edit set status = \"unverified-transcription\".\n",
        );
        let mine: Vec<_> = self.warnings.iter().filter(|w| w.sheet == sheet).collect();
        if !mine.is_empty() {
            s.push_str("# Rows not imported or to review:\n");
            for w in mine {
                s.push_str(&format!("#   {}\n", super::comment_safe(&w.to_string())));
            }
        }
        s.push_str(&layout_to_toml(layout));
        s
    }

    /// The file name (without directory) a layout is written to: its id's name + `.toml`.
    pub fn layout_file_name(layout: &Layout) -> String {
        let name = layout
            .id
            .split_once('/')
            .map_or(layout.id.as_str(), |x| x.1);
        format!("{name}.toml")
    }
}

/// A code table as a spec file (`code,label` CSV).
pub fn code_table_csv(table: &CodeTable) -> String {
    let mut s = String::from("code,label\n");
    for (v, l) in &table.entries {
        s.push_str(&csv_field(v));
        s.push(',');
        s.push_str(&csv_field(l));
        s.push('\n');
    }
    s
}

fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

// ---------------------------------------------------------------------------------------
// header

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum C {
    ItemId,
    Name,
    Key,
    Group,
    Primary,
    Foreign,
    Type,
    Length,
    Code,
    Repeat,
    Output,
    Definition,
    Description,
    Sample,
    Note,
}

impl C {
    fn title(self) -> &'static str {
        match self {
            C::ItemId => "データ項目ID",
            C::Name => "データ項目",
            C::Key => "データ項目（ローマ字）",
            C::Group => "グループ 名称",
            C::Primary => "グループ 主キー",
            C::Foreign => "グループ 外部キー",
            C::Type => "データ型",
            C::Length => "桁数",
            C::Code => "コード",
            C::Repeat => "繰り返し",
            C::Output => "データ出力条件",
            C::Definition => "項目定義",
            C::Description => "項目説明",
            C::Sample => "サンプル値",
            C::Note => "備考",
        }
    }
}

const ESSENTIAL: [C; 7] = [
    C::ItemId,
    C::Name,
    C::Key,
    C::Group,
    C::Type,
    C::Length,
    C::Output,
];
const OPTIONAL: [C; 8] = [
    C::Primary,
    C::Foreign,
    C::Code,
    C::Repeat,
    C::Definition,
    C::Description,
    C::Sample,
    C::Note,
];

fn concept(top: &str, sub: &str) -> Option<C> {
    let t = fold(top);
    let u = fold(sub);
    let both = format!("{t}{u}");
    if both.contains("主キー") {
        return Some(C::Primary);
    }
    if both.contains("外部キー") {
        return Some(C::Foreign);
    }
    if t.contains("グループ") || both.contains("グループ名称") {
        return (u.contains("名称") || u.is_empty()).then_some(C::Group);
    }
    if t.contains("データ項目ID") || t.contains("項目ID") {
        return Some(C::ItemId);
    }
    if t.contains("ローマ字") {
        return Some(C::Key);
    }
    if t == "データ項目" || t == "データ項目名" {
        return Some(C::Name);
    }
    if t.contains("データ型") {
        return Some(C::Type);
    }
    if t.contains("桁数") {
        return Some(C::Length);
    }
    if t.contains("繰り返し") || t.contains("繰返し") {
        return Some(C::Repeat);
    }
    if t.contains("出力条件") {
        return Some(C::Output);
    }
    if t.contains("項目定義") {
        return Some(C::Definition);
    }
    if t.contains("項目説明") {
        return Some(C::Description);
    }
    if t.contains("サンプル") {
        return Some(C::Sample);
    }
    if t.contains("備考") {
        return Some(C::Note);
    }
    if t == "コード" || t == "コードID" {
        return Some(C::Code);
    }
    None
}

struct Header {
    row: u32,
    last_row: u32,
    cols: BTreeMap<C, Vec<usize>>,
}

impl Header {
    fn col(&self, c: C) -> Option<usize> {
        self.cols.get(&c).and_then(|v| v.first().copied())
    }
}

/// Finds the official header: a row with データ項目ID and データ型, ローマ字 or グループ in the
/// first rows, and the
/// row below it when that row holds sub-titles (名称 / 主キー / 外部キー / LV1).
fn find_header(sheet: &Sheet) -> Option<Header> {
    let rows = &sheet.rows;
    for (i, row) in rows.iter().enumerate() {
        if row.number > HEADER_SEARCH_ROWS {
            break;
        }
        let has = |w: &str| row.cells.iter().any(|c| fold(c).contains(w));
        if !(has("項目ID") && (has("データ型") || has("ローマ字") || has("グループ")))
        {
            continue;
        }
        let below = rows.get(i + 1).filter(|r| r.number == row.number + 1);
        let sub_row = below.filter(|r| {
            r.cells.iter().any(|c| {
                let f = fold(c);
                f.contains("名称") || f.contains("主キー") || f.contains("外部キー") || f == "LV1"
            })
        });
        let width = row.cells.len().max(sub_row.map_or(0, |r| r.cells.len()));
        let mut cols: BTreeMap<C, Vec<usize>> = BTreeMap::new();
        let mut carried = String::new();
        for c in 0..width {
            let top = row.cell(c).trim();
            let sub = sub_row.map_or("", |r| r.cell(c).trim());
            if !top.is_empty() {
                carried = top.to_string();
            }
            let top = if top.is_empty() && !sub.is_empty() {
                carried.as_str()
            } else {
                top
            };
            let sub = if sub == top { "" } else { sub };
            if let Some(k) = concept(top, sub) {
                let v = cols.entry(k).or_default();
                // データ項目ID may span two cells (業務コード, 項目コード); others take the first.
                if k == C::ItemId || v.is_empty() {
                    v.push(c);
                }
            }
        }
        return Some(Header {
            row: row.number,
            last_row: sub_row.map_or(row.number, |r| r.number),
            cols,
        });
    }
    None
}

fn is_marker(s: &str) -> bool {
    matches!(fold(s).as_str(), "e" | "E")
}

fn is_end_marker_row(row: &SheetRow) -> bool {
    let filled: Vec<&String> = row.cells.iter().filter(|c| !c.trim().is_empty()).collect();
    filled.len() >= 2 && filled.iter().all(|c| is_marker(c))
}

fn digits(s: &str) -> Option<String> {
    let t = fold(s);
    let t = t.strip_suffix(".0").unwrap_or(&t);
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.to_string())
}

fn pad(d: &str, width: usize) -> Option<String> {
    let d = d.trim_start_matches('0');
    (d.len() <= width).then(|| format!("{d:0>width$}"))
}

/// データ項目ID from one cell (8 digits) or two (業務コード, 項目コード).
fn item_id(cells: &[&str]) -> Option<String> {
    match cells {
        [one] => digits(one).filter(|d| d.len() == 8),
        [a, b, ..] if b.trim().is_empty() => digits(a).filter(|d| d.len() == 8),
        [a, b, ..] => Some(format!("{}{}", pad(&digits(a)?, 3)?, pad(&digits(b)?, 5)?)),
        [] => None,
    }
}

fn mark(s: &str) -> Option<bool> {
    match fold(s).to_lowercase().as_str() {
        "" | "-" | "×" | "ー" => Some(false),
        "○" | "〇" | "◯" | "◎" | "●" | "y" | "yes" | "1" | "true" => Some(true),
        _ => None,
    }
}

/// The condition of a 条件付き必須 item: the text after ※※ in 項目説明, to the end of its
/// paragraph.
fn condition(description: &str) -> Option<String> {
    let (_, rest) = description.split_once("※※")?;
    let mut out = String::new();
    for (i, line) in rest.split('\n').enumerate() {
        let l = line.trim();
        if i > 0 && (l.is_empty() || l.starts_with('・') || l.starts_with('※')) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(l);
    }
    let out = out.trim().to_string();
    (!out.is_empty()).then_some(out)
}

fn refine(dt: DataType, name: &str) -> Option<(DomainType, &'static str)> {
    if !matches!(dt, DataType::X | DataType::N) {
        return None;
    }
    for (word, d) in [
        ("個人番号", DomainType::IndividualNumber),
        ("郵便番号", DomainType::PostalCode),
        ("市区町村コード", DomainType::LgCode),
        ("読み仮名", DomainType::Kana),
        ("フリガナ", DomainType::Kana),
    ] {
        if name.contains(word) {
            return Some((d, word));
        }
    }
    None
}

fn base_domain(dt: DataType, coded: bool) -> (DomainType, Option<DateForm>) {
    match dt {
        DataType::X if coded => (DomainType::Code, None),
        DataType::Integer if coded => (DomainType::Code, None),
        DataType::X | DataType::Time | DataType::Blob => (DomainType::Text, None),
        DataType::N => (DomainType::Fullwidth, None),
        DataType::Integer | DataType::Year => (DomainType::Digits, None),
        DataType::Decimal | DataType::Signed => (DomainType::Amount, None),
        DataType::Date => (DomainType::Date, Some(DateForm::Iso)),
    }
}

// ---------------------------------------------------------------------------------------
// samples

fn half_width(c: char) -> bool {
    (' '..='~').contains(&c) || ('\u{FF61}'..='\u{FF9F}').contains(&c)
}

fn valid_date(s: &str) -> bool {
    if s == "0000-01-01" || s == "9999-12-31" {
        return true;
    }
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if !s
        .bytes()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days).contains(&d)
}

fn valid_time(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return false;
    }
    let limits = [23, 59, 59];
    parts.iter().zip(limits).all(|(p, max)| {
        p.len() == 2
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= max)
    })
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The number of characters of `v`, or the first one `bad` flags (its index and itself):
/// one pass, by bytes when `v` is ASCII.
fn scan_chars(v: &str, bad: impl Fn(char) -> bool) -> Result<u64, (usize, char)> {
    if v.is_ascii() {
        return match v.bytes().map(char::from).enumerate().find(|&(_, c)| bad(c)) {
            Some(found) => Err(found),
            None => Ok(v.len() as u64),
        };
    }
    let mut n = 0usize;
    for c in v.chars() {
        if bad(c) {
            return Err((n, c));
        }
        n += 1;
    }
    Ok(n as u64)
}

/// What is wrong with a value for its official データ型 (凡例 データ型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormProblem {
    /// X: a character that is not half-width.
    NotHalfWidth,
    /// Ｎ: a half-width or control character.
    NotFullWidth,
    /// 9 / S9 / 9V: not a number of that form.
    NotNumber,
    /// YEAR: not `YYYY`.
    NotYear,
    /// DATE: not a real `YYYY-MM-DD` (nor 0000-01-01 / 9999-12-31).
    NotDate,
    /// DATE: a 不詳日 (year or year-month only) where the item does not allow one.
    UnknownDate,
    /// TIME: not `HH:MM[:SS]`.
    NotTime,
    /// More characters (9V: integer or decimal digits) than 桁数.
    TooLong,
}

/// Why a value does not fit its data type: the problem and a sentence that names positions
/// and code points, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// The problem.
    pub problem: FormProblem,
    /// What is wrong, without the value.
    pub message: String,
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormError {}

fn form_err(problem: FormProblem, message: String) -> Result<(), FormError> {
    Err(FormError { problem, message })
}

/// Whether `s` is a partial ISO date (`YYYY` or `YYYY-MM`, a real month): the form cleansing
/// gives a 不詳日 (day or month unknown).
fn partial_date(s: &str) -> bool {
    let b = s.as_bytes();
    let year = |t: &str| t.len() == 4 && all_digits(t);
    match b.len() {
        4 => year(s),
        7 => {
            b.get(4) == Some(&b'-')
                && s.get(..4).is_some_and(year)
                && s.get(5..)
                    .filter(|m| all_digits(m))
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| (1..=12).contains(&m))
        }
        _ => false,
    }
}

/// Checks one sample value against a data type and length; `Err` says why not.
pub fn check_value(
    dt: DataType,
    length: u32,
    scale: Option<u32>,
    v: &str,
) -> Result<(), FormError> {
    check_form(dt, length, scale, false, v)
}

/// Checks a value against its official data type and 桁数 (counted in characters; 9V: `n`
/// integer and `scale` decimal digits; S9: digits without the `-`). `unknown_date`: the item
/// allows a 不詳日, written as cleansing gives it (`YYYY` or `YYYY-MM`). The message names
/// the position and code point of a wrong character, never the value.
///
/// # Errors
/// The first problem found.
pub fn check_form(
    dt: DataType,
    length: u32,
    scale: Option<u32>,
    unknown_date: bool,
    v: &str,
) -> Result<(), FormError> {
    use FormProblem as P;
    let too_long = |chars: u64| {
        form_err(
            P::TooLong,
            format!("{chars} characters, longer than 桁数 {length}"),
        )
    };
    let at = |i: usize, c: char| format!("character {} (U+{:04X})", i + 1, c as u32);
    match dt {
        DataType::X => {
            let chars = match scan_chars(v, |c| !half_width(c)) {
                Ok(n) => n,
                Err((i, c)) => {
                    return form_err(
                        P::NotHalfWidth,
                        format!("{} is not a half-width character (X)", at(i, c)),
                    );
                }
            };
            if chars > u64::from(length) {
                return too_long(chars);
            }
        }
        DataType::N => {
            let chars = match scan_chars(v, |c| half_width(c) || c.is_control()) {
                Ok(n) => n,
                Err((i, c)) => {
                    return form_err(
                        P::NotFullWidth,
                        format!("{} is not a full-width character (Ｎ)", at(i, c)),
                    );
                }
            };
            if chars > u64::from(length) {
                return too_long(chars);
            }
        }
        DataType::Integer => {
            if !all_digits(v) {
                return form_err(P::NotNumber, "not an integer of digits 0-9 (9)".into());
            }
            // Digits are ASCII: a character each.
            if v.len() as u64 > u64::from(length) {
                return too_long(v.len() as u64);
            }
        }
        DataType::Signed => {
            let d = v.strip_prefix('-').unwrap_or(v);
            if !all_digits(d) {
                return form_err(
                    P::NotNumber,
                    "not a signed integer: digits 0-9 with `-` when negative (S9)".into(),
                );
            }
            if d.len() as u64 > u64::from(length) {
                return too_long(v.chars().count() as u64);
            }
        }
        DataType::Decimal => {
            let (int, frac) = v.split_once('.').unwrap_or((v, ""));
            let m = scale.unwrap_or(0) as usize;
            if !all_digits(int) || !(frac.is_empty() || all_digits(frac)) || v.ends_with('.') {
                return form_err(
                    P::NotNumber,
                    "not a positive decimal number: digits, one `.` (9V)".into(),
                );
            }
            if int.len() as u64 > u64::from(length) || frac.len() > m {
                return form_err(
                    P::TooLong,
                    format!("more than {length} integer or {m} decimal digits (9V {length},{m})"),
                );
            }
        }
        DataType::Year => {
            if !(v.len() == 4 && all_digits(v)) {
                return form_err(P::NotYear, "not a year YYYY (YEAR)".into());
            }
        }
        DataType::Date => {
            if !valid_date(v) {
                if partial_date(v) {
                    if !unknown_date {
                        return form_err(
                            P::UnknownDate,
                            "a 不詳日 (day or month unknown), which this item does not allow (DATE: 不詳日 only where the 項目説明 says so)".into(),
                        );
                    }
                } else {
                    return form_err(
                        P::NotDate,
                        "not a date YYYY-MM-DD (DATE; 0000-01-01 / 9999-12-31 for open ends)"
                            .into(),
                    );
                }
            }
        }
        DataType::Time => {
            if !valid_time(v) {
                return form_err(P::NotTime, "not a time HH:MM[:SS] (TIME)".into());
            }
        }
        DataType::Blob => {}
    }
    Ok(())
}

/// The values of a サンプル値 cell: one per line; a line `・label：value` is a labelled
/// example whose value follows the last `：`.
fn sample_values(cell: &str) -> Vec<String> {
    let lines: Vec<&str> = cell
        .split('\n')
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() <= 1 {
        return lines.into_iter().map(str::to_string).collect();
    }
    lines
        .into_iter()
        .map(|l| {
            let l = l.strip_prefix('・').unwrap_or(l);
            match l.rsplit_once('：') {
                Some((_, v)) => v.to_string(),
                None => l.to_string(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// code sheets

struct CodeList {
    key: (String, String), // (業務名 for 連携 or "", numeric id)
    code_id: String,
    title: String,
    own: bool,
    entries: Vec<(String, String)>,
    row: u32,
}

fn split_prefixed(id: &str) -> (String, Option<String>) {
    let t = fold(id);
    let t = t.trim();
    let d: String = t
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let prefix = t[..t.len() - d.len()]
        .trim_end_matches(['_', '-', ':', '：', ' '])
        .to_string();
    if d.is_empty() {
        (prefix, None)
    } else {
        (prefix, Some(d.trim_start_matches('0').to_string()))
    }
}

fn read_code_sheet(
    sheet: &Sheet,
    linked: bool,
    warnings: &mut Vec<BookWarning>,
) -> (Vec<CodeList>, Option<String>) {
    let warn = |warnings: &mut Vec<BookWarning>, row: u32, m: String| {
        warnings.push(BookWarning {
            sheet: sheet.name.clone(),
            row,
            message: m,
        })
    };
    // 業務名: the cell below or right of a 業務名 title.
    let mut gyomu = None;
    for (i, r) in sheet.rows.iter().enumerate().take(10) {
        if let Some(c) = r.cells.iter().position(|x| fold(x) == "業務名") {
            let right = r
                .cells
                .iter()
                .skip(c + 1)
                .find(|x| !x.trim().is_empty() && fold(x) != "業務名");
            let below = sheet
                .rows
                .get(i + 1)
                .map(|b| b.cell(c).trim())
                .filter(|x| !x.is_empty());
            gyomu = right
                .map(|s| s.trim().to_string())
                .or(below.map(str::to_string));
            break;
        }
    }
    let Some((hi, header)) = sheet
        .rows
        .iter()
        .enumerate()
        .take_while(|(_, r)| r.number <= HEADER_SEARCH_ROWS)
        .find(|(_, r)| r.cells.iter().any(|c| fold(c) == "コードID"))
    else {
        warn(
            warnings,
            0,
            "no header row with コードID: sheet not imported".into(),
        );
        return (Vec::new(), gyomu);
    };
    let find = |w: &str| header.cells.iter().position(|c| fold(c) == w);
    let (Some(id_col), Some(val_col)) = (find("コードID"), find("コード値")) else {
        warn(
            warnings,
            header.number,
            "the header has no コード値 column: sheet not imported".into(),
        );
        return (Vec::new(), gyomu);
    };
    let name_col = find("コード名");
    let mean_col = find("コード値の内容").or_else(|| find("内容"));
    let biz_col = find("業務名");
    let mut lists: Vec<CodeList> = Vec::new();
    for row in sheet.rows.iter().skip(hi + 1) {
        if is_end_marker_row(row) {
            break;
        }
        let id = row.cell(id_col).trim();
        let value = row.cell(val_col).trim();
        let meaning = mean_col.map_or("", |c| row.cell(c).trim());
        let title = name_col.map_or("", |c| row.cell(c).trim());
        if (id.is_empty() && value.is_empty() && meaning.is_empty()) || fold(id) == "コードID" {
            continue; // empty, or the second line of a two-row header
        }
        if !id.is_empty() {
            let (prefix, num) = split_prefixed(id);
            let biz = biz_col.map_or("", |c| row.cell(c).trim());
            let biz = if linked {
                if prefix.is_empty() {
                    biz.to_string()
                } else {
                    prefix
                }
            } else {
                String::new()
            };
            let Some(num) = num else {
                warn(
                    warnings,
                    row.number,
                    format!("コードID 「{id}」 has no number: row skipped"),
                );
                continue;
            };
            let key = (biz, num);
            let same = lists.last().is_some_and(|l| l.key == key);
            if !same {
                lists.push(CodeList {
                    own: key.1 == "999",
                    key,
                    code_id: id.to_string(),
                    title: title.to_string(),
                    entries: Vec::new(),
                    row: row.number,
                });
            }
        }
        let Some(list) = lists.last_mut() else {
            warn(
                warnings,
                row.number,
                "a code value before any コードID: row skipped".into(),
            );
            continue;
        };
        if list.own {
            continue; // 999: the municipality's own codes; the sheet shows a placeholder
        }
        if value.is_empty() {
            warn(
                warnings,
                row.number,
                format!("code list {}: no コード値: row skipped", list.code_id),
            );
            continue;
        }
        if list.entries.iter().any(|(v, _)| v == value) {
            warn(
                warnings,
                row.number,
                format!(
                    "code list {}: value 「{value}」 repeated: row skipped",
                    list.code_id
                ),
            );
            continue;
        }
        list.entries.push((value.to_string(), meaning.to_string()));
    }
    (lists, gyomu)
}

fn table_name(gyomu_code: &str, linked_index: Option<usize>, num: &str) -> String {
    let n = pad(num, 3).unwrap_or_else(|| num.to_string());
    match linked_index {
        None => format!("std{gyomu_code}-{n}"),
        Some(k) => format!("std{gyomu_code}-renkei{k}-{n}"),
    }
}

// ---------------------------------------------------------------------------------------
// import

/// Whether a workbook is in the official form: a sheet with the official header
/// (データ項目ID, データ型).
pub fn is_official_form(sheets: &[Sheet]) -> bool {
    sheets
        .iter()
        .any(|s| find_header(s).is_some_and(|h| h.cols.contains_key(&C::Key)))
}

fn role(sheet: &Sheet) -> SheetRole {
    let n = fold(&sheet.name);
    if n.starts_with("凡例") {
        SheetRole::Legend
    } else if n.contains("コード一覧") && n.contains("連携") {
        SheetRole::CodesLinked
    } else if n.contains("コード一覧") {
        SheetRole::CodesIndividual
    } else if find_header(sheet).is_some() {
        SheetRole::Items
    } else {
        SheetRole::Other
    }
}

struct RowItem {
    row: u32,
    sheet: String,
    group: String,
    item: Item,
    foreign: bool,
    samples: Vec<String>,
}

/// Imports an official item-definition workbook.
///
/// `id_prefix` is the layout id (`standard/name`) for a book of one group; a book of several
/// groups gets `prefix-1`, `prefix-2`, … in the order the groups appear. By default the
/// prefix is `standard/std<業務コード>`.
///
/// # Errors
/// The workbook cannot be read, has no item sheet in the official form, an item sheet lacks
/// an essential column (the error names which), or no row could be read.
pub fn import_official(
    bytes: &[u8],
    file: &str,
    id_prefix: Option<&str>,
) -> Result<OfficialBook, ImportError> {
    use sha2::{Digest, Sha256};
    let sheets = read_xlsx(bytes, None)?;
    let sha256 = hex(&Sha256::digest(bytes));
    let mut warnings: Vec<BookWarning> = Vec::new();
    let mut roles = Vec::new();
    let mut rows: Vec<RowItem> = Vec::new();
    let mut title = String::new();
    let mut gyomu_name: Option<String> = None;
    let mut individual: Vec<CodeList> = Vec::new();
    let mut linked: Vec<CodeList> = Vec::new();
    let mut code_sheets: HashMap<(bool, String, String), String> = HashMap::new();
    for sheet in &sheets {
        let r = role(sheet);
        roles.push((sheet.name.clone(), r));
        for w in &sheet.warnings {
            warnings.push(BookWarning {
                sheet: sheet.name.clone(),
                row: w.row,
                message: w.message.clone(),
            });
        }
        match r {
            SheetRole::CodesIndividual | SheetRole::CodesLinked => {
                let is_linked = r == SheetRole::CodesLinked;
                let (lists, g) = read_code_sheet(sheet, is_linked, &mut warnings);
                if gyomu_name.is_none() && !is_linked {
                    gyomu_name = g;
                }
                for l in lists {
                    code_sheets.insert(
                        (is_linked, l.key.0.clone(), l.key.1.clone()),
                        sheet.name.clone(),
                    );
                    if is_linked {
                        linked.push(l);
                    } else {
                        individual.push(l);
                    }
                }
            }
            SheetRole::Items => {
                if title.is_empty() {
                    if let Some(t) = sheet
                        .rows
                        .first()
                        .and_then(|r| r.cells.iter().find(|c| !c.trim().is_empty()))
                    {
                        title = t.trim().trim_start_matches('■').to_string();
                    }
                }
                read_item_sheet(sheet, &mut rows, &mut warnings)?;
            }
            SheetRole::Legend | SheetRole::Other => {}
        }
    }
    if !roles.iter().any(|(_, r)| *r == SheetRole::Items) {
        return Err(ImportError::NoHeader {
            place: "the workbook (no sheet in the official form with データ項目ID and データ型)"
                .into(),
        });
    }
    if rows.is_empty() {
        return Err(ImportError::NoItems {
            header_row: 0,
            warnings: warnings.len(),
        });
    }
    let gyomu_code = rows
        .first()
        .and_then(|r| r.item.official.as_ref())
        .map(|o| o.item_id.chars().take(3).collect::<String>())
        .unwrap_or_default();
    let prefix = id_prefix.map_or_else(|| format!("standard/std{gyomu_code}"), str::to_string);
    super::family_of(&prefix)?;
    if !prefix.starts_with("standard/") {
        return Err(ImportError::Options(format!(
            "layout id `{prefix}`: an official workbook gives `standard/…` layouts"
        )));
    }
    // Code tables.
    let mut linked_index: Vec<String> = Vec::new();
    let mut code_tables: Vec<BookCodeTable> = Vec::new();
    let mut table_of: HashMap<(bool, String, String), String> = HashMap::new();
    for (is_linked, lists) in [(false, individual), (true, linked)] {
        for l in lists {
            if l.own {
                continue;
            }
            let idx = if is_linked {
                let k = match linked_index.iter().position(|b| *b == l.key.0) {
                    Some(k) => k,
                    None => {
                        linked_index.push(l.key.0.clone());
                        linked_index.len() - 1
                    }
                };
                Some(k + 1)
            } else {
                None
            };
            let name = table_name(&gyomu_code, idx, &l.key.1);
            let sheet = code_sheets
                .get(&(is_linked, l.key.0.clone(), l.key.1.clone()))
                .cloned()
                .unwrap_or_default();
            if l.entries.is_empty() {
                warnings.push(BookWarning {
                    sheet,
                    row: l.row,
                    message: format!("code list {} has no values: not imported", l.code_id),
                });
                continue;
            }
            table_of.insert((is_linked, l.key.0.clone(), l.key.1.clone()), name.clone());
            code_tables.push(BookCodeTable {
                table: CodeTable {
                    name,
                    entries: l.entries,
                },
                code_id: l.code_id,
                title: l.title,
                sheet,
            });
        }
    }
    // Groups → layouts.
    let mut groups: Vec<String> = Vec::new();
    for r in &rows {
        if !groups.contains(&r.group) {
            groups.push(r.group.clone());
        }
    }
    let id_of = |g: &str| -> String {
        if groups.len() == 1 {
            prefix.clone()
        } else {
            let k = groups.iter().position(|x| x == g).unwrap_or(0) + 1;
            format!("{prefix}-{k}")
        }
    };
    let primary: HashMap<String, Vec<String>> = {
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for r in &rows {
            if r.item.official.as_ref().is_some_and(|o| o.primary_key) {
                m.entry(r.item.key.clone())
                    .or_default()
                    .push(r.group.clone());
            }
        }
        m
    };
    let mut refinements = Vec::new();
    let mut layouts = Vec::new();
    for g in &groups {
        let id = id_of(g);
        let mut items: Vec<Item> = Vec::new();
        let mut numbers: HashSet<u32> = HashSet::new();
        let mut sheet_name = String::new();
        for r in rows.iter_mut().filter(|r| &r.group == g) {
            if sheet_name.is_empty() {
                sheet_name = r.sheet.clone();
            }
            let mut item = r.item.clone();
            let samples = std::mem::take(&mut r.samples);
            let r = &*r;
            let warn = |warnings: &mut Vec<BookWarning>, m: String| {
                warnings.push(BookWarning {
                    sheet: r.sheet.clone(),
                    row: r.row,
                    message: m,
                })
            };
            let Some(o) = item.official.as_mut() else {
                continue;
            };
            // Code table.
            if let Some(code) = o.code_id.clone() {
                let (p, num) = split_prefixed(&code);
                match num {
                    Some(n) if n == "999" && p.is_empty() => {}
                    Some(n) => {
                        let is_linked = !p.is_empty();
                        match table_of.get(&(is_linked, p.clone(), n.clone())) {
                            Some(t) => item.code_table = Some(t.clone()),
                            None => warn(
                                &mut warnings,
                                format!(
                                    "「{}」: code list 「{code}」 is not in {}: no code table tied",
                                    item.name,
                                    if is_linked {
                                        "コード一覧（連携）"
                                    } else {
                                        "コード一覧（個別）"
                                    }
                                ),
                            ),
                        }
                    }
                    None => warn(
                        &mut warnings,
                        format!("「{}」: コード 「{code}」 is not a code-list id", item.name),
                    ),
                }
            }
            // Foreign key.
            if r.foreign {
                let target = primary
                    .get(&item.key)
                    .and_then(|gs| gs.iter().find(|x| *x != g));
                match target {
                    Some(t) => o.foreign_key = Some(id_of(t)),
                    None => warn(
                        &mut warnings,
                        format!(
                            "「{}」 is marked 外部キー but no other group has `{}` as its primary key",
                            item.name, item.key
                        ),
                    ),
                }
            }
            // Domain refinement by name (X/Ｎ only).
            let dt = o.data_type;
            if let Some((d, because)) = refine(dt, &item.name) {
                if item.code_table.is_none() {
                    item.domain = d;
                    refinements.push(Refinement {
                        layout: id.clone(),
                        key: item.key.clone(),
                        data_type: dt,
                        domain: d,
                        because,
                    });
                }
            }
            // Samples.
            let (length, scale) = (item.length, o.scale);
            for v in samples {
                if let Err(e) = check_value(dt, length, scale, &v) {
                    warn(
                        &mut warnings,
                        format!(
                            "「{}」: サンプル値 「{v}」 does not fit {} {}: {e}",
                            item.name, dt, length
                        ),
                    );
                } else if let Some(t) = item
                    .code_table
                    .as_ref()
                    .and_then(|t| code_tables.iter().find(|c| &c.table.name == t))
                {
                    if !t.table.contains(&v) {
                        warn(
                            &mut warnings,
                            format!(
                                "「{}」: サンプル値 「{v}」 is not in code list {}",
                                item.name, t.code_id
                            ),
                        );
                    }
                }
            }
            // 項目番号 = 項目コード; two 業務コード in one group may share one: renumber.
            if item.number == 0 || !numbers.insert(item.number) {
                let next = numbers.iter().max().map_or(1, |m| m + 1);
                warn(
                    &mut warnings,
                    format!(
                        "「{}」: 項目コード {} is already used in group 「{g}」: numbered {next}",
                        item.name, item.number
                    ),
                );
                item.number = next;
                numbers.insert(next);
            }
            items.push(item);
        }
        if !items
            .iter()
            .any(|i| i.official.as_ref().is_some_and(|o| o.primary_key))
        {
            warnings.push(BookWarning {
                sheet: sheet_name.clone(),
                row: 0,
                message: format!("group 「{g}」 has no primary key (主キー)"),
            });
        }
        let mut layout = Layout {
            id: id.clone(),
            name: g.clone(),
            gyomu: gyomu_name.clone().unwrap_or_default(),
            family: Family::Standard,
            source: format!("{file} シート「{sheet_name}」"),
            version: String::new(),
            status: Status::OfficialImport,
            encoding: "utf-8".into(),
            format: PhysicalFormat::Delimited {
                delimiter: b',',
                quote: Some(b'"'),
                header_rows: 1,
                terminator: Terminator::Crlf,
            },
            items,
            record_types: None,
            note: Some(format!("{CREDIT} 「{title}」")),
            official: Some(OfficialSource {
                file: file.to_string(),
                sheet: sheet_name,
                sha256: sha256.clone(),
                items_sha256: String::new(),
            }),
        };
        if let Some(o) = layout.official.as_mut() {
            o.items_sha256 = String::new();
        }
        let digest = items_digest(&layout);
        if let Some(o) = layout.official.as_mut() {
            o.items_sha256 = digest;
        }
        // The importer's output must pass the same checks as a hand-written spec.
        let text = layout_to_toml(&layout);
        let reloaded = crate::parse_layout(&text, "imported").map_err(ImportError::Invalid)?;
        layouts.push(reloaded);
    }
    // Report rows in sheet and row order.
    warnings.sort_by_key(|w| {
        (
            roles
                .iter()
                .position(|(n, _)| *n == w.sheet)
                .unwrap_or(usize::MAX),
            w.row,
        )
    });
    Ok(OfficialBook {
        file: file.to_string(),
        sha256,
        title,
        layouts,
        code_tables,
        sheets: roles,
        refinements,
        warnings,
    })
}

fn read_item_sheet(
    sheet: &Sheet,
    out: &mut Vec<RowItem>,
    warnings: &mut Vec<BookWarning>,
) -> Result<(), ImportError> {
    let Some(header) = find_header(sheet) else {
        return Ok(());
    };
    let missing: Vec<&str> = ESSENTIAL
        .iter()
        .filter(|c| !header.cols.contains_key(c))
        .map(|c| c.title())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            sheet: sheet.name.clone(),
            row: header.row,
            missing: missing.join(", "),
        });
    }
    for c in OPTIONAL {
        if !header.cols.contains_key(&c) {
            warnings.push(BookWarning {
                sheet: sheet.name.clone(),
                row: header.row,
                message: format!(
                    "column 「{}」 not found: left empty for every item",
                    c.title()
                ),
            });
        }
    }
    let warn = |warnings: &mut Vec<BookWarning>, row: u32, m: String| {
        warnings.push(BookWarning {
            sheet: sheet.name.clone(),
            row,
            message: m,
        })
    };
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut seen_keys: HashSet<(String, String)> = HashSet::new();
    let mut ended = false;
    for row in sheet.rows.iter().filter(|r| r.number > header.last_row) {
        if ended {
            if row.cells.iter().any(|c| !c.trim().is_empty()) {
                warn(
                    warnings,
                    row.number,
                    "a row below the end marker: not read".into(),
                );
            }
            continue;
        }
        let get = |c: C| header.col(c).map_or("", |i| row.cell(i)).trim();
        let id_cells: Vec<&str> = header
            .cols
            .get(&C::ItemId)
            .map(|v| v.iter().map(|&i| row.cell(i)).collect())
            .unwrap_or_default();
        if is_end_marker_row(row) || is_marker(get(C::Name)) {
            warn(
                warnings,
                row.number,
                "end marker row (e): the item table ends here".into(),
            );
            ended = true;
            continue;
        }
        let name = get(C::Name);
        let type_text = get(C::Type);
        if name.is_empty() && type_text.is_empty() && id_cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if name.is_empty() {
            warn(
                warnings,
                row.number,
                "no データ項目 (name): row skipped".into(),
            );
            continue;
        }
        let Some(item_id) = item_id(&id_cells) else {
            warn(
                warnings,
                row.number,
                format!(
                    "「{name}」: データ項目ID 「{}」 is not 3 + 5 digits: row skipped",
                    id_cells.concat()
                ),
            );
            continue;
        };
        if !seen_ids.insert(item_id.clone()) {
            warn(
                warnings,
                row.number,
                format!("「{name}」: データ項目ID {item_id} repeated: row skipped"),
            );
            continue;
        }
        let key = fold(get(C::Key)).to_lowercase();
        if !valid_key(&key) {
            warn(
                warnings,
                row.number,
                format!(
                    "「{name}」: データ項目（ローマ字） 「{}」 is not a usable key: row skipped",
                    get(C::Key)
                ),
            );
            continue;
        }
        let group = get(C::Group).to_string();
        if group.is_empty() {
            warn(
                warnings,
                row.number,
                format!("「{name}」: no グループ 名称: row skipped"),
            );
            continue;
        }
        if !seen_keys.insert((group.clone(), key.clone())) {
            warn(
                warnings,
                row.number,
                format!("「{name}」: key `{key}` repeated in group 「{group}」: row skipped"),
            );
            continue;
        }
        let Some(dt) = DataType::parse(type_text) else {
            warn(warnings, row.number, format!("「{name}」: データ型 「{type_text}」 is not X, Ｎ, 9, 9V, S9, BLOB, YEAR, DATE or TIME: row skipped"));
            continue;
        };
        let length_text = fold(get(C::Length));
        let (length, scale) = if length_text.is_empty() {
            match dt {
                DataType::Date => (10, None),
                DataType::Time => (8, None),
                DataType::Year => (4, None),
                _ => {
                    warn(
                        warnings,
                        row.number,
                        format!("「{name}」: no 桁数: row skipped"),
                    );
                    continue;
                }
            }
        } else if dt == DataType::Decimal {
            let (n, m) = length_text
                .split_once([',', '.', '、'])
                .unwrap_or((&length_text, "0"));
            match (leading_number(n), leading_number(m)) {
                (Some((n, false)), Some((m, false)))
                    if (1..=i64::from(MAX_ITEM_LENGTH)).contains(&n) && m <= n.max(64) =>
                {
                    (n as u32, Some(m as u32))
                }
                _ => {
                    warn(
                        warnings,
                        row.number,
                        format!(
                            "「{name}」: 桁数 「{length_text}」 is not `n,m` for 9V: row skipped"
                        ),
                    );
                    continue;
                }
            }
        } else {
            match leading_number(&length_text) {
                Some((n, false)) if (1..=i64::from(MAX_ITEM_LENGTH)).contains(&n) => {
                    (n as u32, None)
                }
                _ => {
                    warn(
                        warnings,
                        row.number,
                        format!("「{name}」: 桁数 「{length_text}」 is not a length: row skipped"),
                    );
                    continue;
                }
            }
        };
        let output = fold(get(C::Output));
        let (required, conditional) = match output.as_str() {
            "必須" => (true, false),
            "条件付き必須" => (false, true),
            "任意" => (false, false),
            _ => {
                warn(warnings, row.number, format!("「{name}」: データ出力条件 「{output}」 is not 必須, 条件付き必須 or 任意: taken as 任意"));
                (false, false)
            }
        };
        let description = get(C::Description);
        let cond = if conditional {
            condition(description)
        } else {
            None
        };
        if conditional && cond.is_none() {
            warn(
                warnings,
                row.number,
                format!("「{name}」: 条件付き必須 without a ※※ condition in 項目説明"),
            );
        }
        let repeat_text = get(C::Repeat);
        let repeat = if repeat_text.is_empty() {
            1
        } else {
            match leading_number(repeat_text) {
                Some((n, false)) if (1..=i64::from(MAX_REPEAT)).contains(&n) => n as u32,
                _ => {
                    warn(
                        warnings,
                        row.number,
                        format!(
                            "「{name}」: 繰り返し 「{repeat_text}」 not understood: taken as 1"
                        ),
                    );
                    1
                }
            }
        };
        let flag = |warnings: &mut Vec<BookWarning>, c: C| -> bool {
            let t = get(c);
            mark(t).unwrap_or_else(|| {
                warn(
                    warnings,
                    row.number,
                    format!(
                        "「{name}」: {} 「{t}」 is not ○ or empty: taken as empty",
                        c.title()
                    ),
                );
                false
            })
        };
        let primary_key = flag(warnings, C::Primary);
        let foreign = flag(warnings, C::Foreign);
        let code_text = fold(get(C::Code));
        let code_id = (!code_text.is_empty()).then(|| code_text.clone());
        let (domain, date_form) = base_domain(dt, code_id.as_deref().is_some_and(|c| c != "999"));
        let mut note = get(C::Definition).to_string();
        let remark = get(C::Note);
        if !remark.is_empty() {
            if !note.is_empty() {
                note.push('\n');
            }
            note.push_str("備考: ");
            note.push_str(remark);
        }
        let number = item_id
            .get(3..)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0);
        let samples = sample_values(get(C::Sample));
        out.push(RowItem {
            row: row.number,
            sheet: sheet.name.clone(),
            group,
            foreign,
            samples,
            item: Item {
                number,
                name: name.to_string(),
                key,
                domain,
                length,
                unit: LengthUnit::Chars,
                offset: None,
                required,
                repeat,
                code_table: None,
                date_form,
                padding: Padding::Spaces,
                zero_pad: false,
                note: (!note.is_empty()).then_some(note),
                official: Some(OfficialItem {
                    item_id,
                    data_type: dt,
                    scale,
                    conditional,
                    condition: cond,
                    primary_key,
                    foreign_key: None,
                    code_id,
                }),
                representation: Representation::Display,
                host_kind: None,
                encoding: None,
            },
        });
    }
    Ok(())
}
