//! The official item-definition form (項目定義書 / 基本データリスト) of the デジタル庁 標準仕様:
//! one layout per グループ, code tables from コード一覧（個別） and コード一覧（連携）.
//!
//! The form's legend sheets (凡例）列項目説明, 凡例）データ型) define it: データ項目ID (3-digit
//! 業務コード + 5-digit 項目コード), データ項目, データ項目（ローマ字） (the key), グループ
//! 名称/主キー/外部キー (a group is a file), データ型 (`X`, `Ｎ`, `9`, `9V` with 桁数 `n,m`, `S9`,
//! `BLOB`, `YEAR`, `DATE`, `TIME`), 桁数 (characters, not bytes), コード (a bare id refers to
//! コード一覧（個別）, one prefixed by a 業務名 to コード一覧（連携）, `999` is a municipality's own
//! code list), 繰り返し, データ出力条件 (必須 / 条件付き必須 / 任意; the condition is in 項目説明
//! after `※※`), 項目定義, 項目説明, サンプル値 and 備考.
//!
//! The header is found by its titles wherever it is (title rows above it, two header rows,
//! merged cells, columns in any order); a missing column is named. Full-width and
//! half-width letters and digits are the same (`Ｎ`/`N`, `９`/`9`), and numbers may be stored
//! as text. The end-marker row and column (`e`) end the table and are not items. Every row
//! that cannot be read, and every サンプル値 that does not fit its own item's type, is a
//! [`OfficialWarning`] naming the sheet and row.

use super::{fold, read_xlsx, ImportError, Sheet, SheetRow, HEADER_SEARCH_ROWS};
use crate::load::{valid_key, MAX_ITEM_LENGTH, MAX_REPEAT};
use crate::model::*;
use crate::write::items_hash;
use std::collections::BTreeMap;
use std::fmt;

/// A row of the workbook that could not be read, or was read with a doubt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialWarning {
    /// The sheet.
    pub sheet: String,
    /// The 1-based row number (0: the sheet as a whole).
    pub row: u32,
    /// What was wrong and what the importer did.
    pub message: String,
}

impl fmt::Display for OfficialWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "「{}」: {}", self.sheet, self.message)
        } else {
            write!(f, "「{}」 row {}: {}", self.sheet, self.row, self.message)
        }
    }
}

/// What an import of an official workbook gives.
#[derive(Debug, Clone)]
pub struct OfficialBook {
    /// One layout per グループ, in the order the groups first appear.
    pub layouts: Vec<Layout>,
    /// The code tables of both code sheets, with values and meanings.
    pub code_tables: Vec<CodeTable>,
    /// Rows not read or read with a doubt, and failing samples.
    pub warnings: Vec<OfficialWarning>,
    /// What the importer decided that is not in the form (name-based refinements of a type).
    pub notes: Vec<String>,
    /// Sheets recognised as legend (凡例) and not imported.
    pub legend_sheets: Vec<String>,
    /// SHA-256 of the workbook.
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum C {
    Id,
    Name,
    Key,
    Group,
    Pk,
    Fk,
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

const REQUIRED_COLS: &[(C, &str)] = &[
    (C::Name, "データ項目"),
    (C::Key, "データ項目（ローマ字）"),
    (C::Group, "グループ 名称"),
    (C::Type, "データ型"),
    (C::Length, "桁数"),
    (C::Output, "データ出力条件"),
];
const OPTIONAL_COLS: &[(C, &str)] = &[
    (C::Id, "データ項目ID"),
    (C::Pk, "グループ 主キー"),
    (C::Fk, "グループ 外部キー"),
    (C::Code, "コード"),
    (C::Repeat, "繰り返し"),
    (C::Definition, "項目定義"),
    (C::Description, "項目説明"),
    (C::Sample, "サンプル値"),
    (C::Note, "備考"),
];

/// Folds a cell for matching: no whitespace, full-width ASCII as half-width.
fn f(s: &str) -> String {
    fold(s)
}

fn item_concept(top: &str, sub: &str) -> Option<C> {
    let top = f(top);
    let sub = f(sub);
    let group_ctx = top.contains("グループ");
    let pick = |t: &str| -> Option<C> {
        Some(match t {
            _ if t.contains("ローマ字") => C::Key,
            _ if t.starts_with("データ項目ID") || t == "項目ID" => C::Id,
            "データ項目" | "データ項目名" => C::Name,
            _ if t.contains("主キー") => C::Pk,
            _ if t.contains("外部キー") => C::Fk,
            _ if t.contains("名称") && (group_ctx || t.contains("グループ")) => C::Group,
            "グループ名" => C::Group,
            _ if t.starts_with("データ型") => C::Type,
            _ if t.starts_with("桁数") => C::Length,
            "コード" | "コードID" => C::Code,
            _ if t.starts_with("繰り返し") || t.starts_with("繰返し") => C::Repeat,
            _ if t.contains("出力条件") => C::Output,
            "項目定義" => C::Definition,
            "項目説明" => C::Description,
            _ if t.starts_with("サンプル") => C::Sample,
            "備考" => C::Note,
            _ => return None,
        })
    };
    if !sub.is_empty() && sub != top {
        if let Some(c) = pick(&sub) {
            return Some(c);
        }
        if group_ctx {
            return None;
        }
    }
    pick(&top)
}

struct ItemHeader {
    row: u32,
    cols: Vec<(usize, C)>,
}

impl ItemHeader {
    fn col(&self, c: C) -> Option<usize> {
        self.cols.iter().find(|(_, k)| *k == c).map(|(i, _)| *i)
    }
    fn all(&self, c: C) -> Vec<usize> {
        self.cols
            .iter()
            .filter(|(_, k)| *k == c)
            .map(|(i, _)| *i)
            .collect()
    }
}

fn find_item_header(sheet: &Sheet) -> Option<ItemHeader> {
    let rows = &sheet.rows;
    for (i, r) in rows.iter().enumerate() {
        if r.number > HEADER_SEARCH_ROWS {
            break;
        }
        if !r.cells.iter().any(|c| f(c).contains("ローマ字")) {
            continue;
        }
        // A second header row directly below, if it holds sub-titles (名称/主キー/LV1…).
        let sub = rows
            .get(i + 1)
            .filter(|n| n.number == r.number + 1)
            .filter(|n| {
                n.cells.iter().any(|c| {
                    let c = f(c);
                    c.contains("名称") || c.contains("主キー") || c.contains("外部キー")
                })
            });
        let width = r.cells.len().max(sub.map_or(0, |s| s.cells.len()));
        let mut cols = Vec::new();
        let mut last_top = String::new();
        for c in 0..width {
            let mut top = r.cell(c).to_string();
            let s = sub.map_or("", |s| s.cell(c));
            if top.trim().is_empty() && !s.trim().is_empty() {
                top = last_top.clone();
            } else if !top.trim().is_empty() {
                last_top = top.clone();
            }
            if let Some(k) = item_concept(&top, s) {
                // The merged title of a two-row header repeats in the sub row: one concept
                // per column.
                cols.push((c, k));
            }
        }
        return Some(ItemHeader {
            row: sub.map_or(r.number, |s| s.number),
            cols,
        });
    }
    None
}

/// A code sheet's header: コードID, コード名, コード値, コード値の内容 (+ 業務名 for 連携).
struct CodeHeader {
    row: u32,
    id: usize,
    name: Option<usize>,
    value: usize,
    meaning: usize,
    gyomu: Option<usize>,
}

fn find_code_header(sheet: &Sheet) -> Option<CodeHeader> {
    for r in sheet
        .rows
        .iter()
        .take_while(|r| r.number <= HEADER_SEARCH_ROWS)
    {
        let find = |pred: &dyn Fn(&str) -> bool| r.cells.iter().position(|c| pred(&f(c)));
        let (Some(id), Some(value), Some(meaning)) = (
            find(&|c| c == "コードID"),
            find(&|c| c == "コード値"),
            find(&|c| c.starts_with("コード値の内容") || c == "コード値内容" || c == "内容"),
        ) else {
            continue;
        };
        return Some(CodeHeader {
            row: r.number,
            id,
            name: find(&|c| c == "コード名" || c == "コード名称"),
            value,
            meaning,
            gyomu: find(&|c| c.starts_with("業務名")),
        });
    }
    None
}

/// Half-width, upper-case form of a type letter or number cell (`Ｎ` → `N`, `９Ｖ` → `9V`).
fn norm(s: &str) -> String {
    f(s).to_uppercase()
}

fn digits_value(s: &str) -> Option<u64> {
    let t = norm(s);
    // Numbers stored as numbers may read `15.0`.
    let t = t.strip_suffix(".0").unwrap_or(&t);
    if t.is_empty() || t.len() > 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn is_mark(s: &str) -> bool {
    let t = f(s);
    !t.is_empty() && t != "-" && t != "ー" && t != "×"
}

fn is_end_marker(s: &str) -> bool {
    matches!(f(s).as_str(), "e" | "E")
}

fn parse_type(s: &str) -> Option<DataType> {
    Some(match norm(s).as_str() {
        "X" => DataType::X,
        "N" => DataType::N,
        "9" => DataType::Integer,
        "9V" | "V9" => DataType::Decimal,
        "S9" => DataType::Signed,
        "BLOB" => DataType::Blob,
        "YEAR" => DataType::Year,
        "DATE" => DataType::Date,
        "TIME" => DataType::Time,
        _ => return None,
    })
}

/// The ikou domain of a data type, and the name-based refinement of X/Ｎ if any.
fn domain_of(dt: DataType, name: &str, has_code: bool) -> (DomainType, Option<&'static str>) {
    let refine = |d: DomainType, why: &'static str| (d, Some(why));
    match dt {
        DataType::X if name.contains("個人番号") => {
            refine(DomainType::IndividualNumber, "個人番号")
        }
        DataType::X if name.contains("郵便番号") => refine(DomainType::PostalCode, "郵便番号"),
        DataType::X if name.contains("市区町村コード") => {
            refine(DomainType::LgCode, "市区町村コード")
        }
        DataType::N if name.contains("読み仮名") => refine(DomainType::Kana, "読み仮名"),
        DataType::N if name.contains("フリガナ") => refine(DomainType::Kana, "フリガナ"),
        DataType::X | DataType::Integer if has_code => (DomainType::Code, None),
        DataType::X | DataType::Blob | DataType::Time => (DomainType::Text, None),
        DataType::N => (DomainType::Fullwidth, None),
        DataType::Integer | DataType::Year => (DomainType::Digits, None),
        DataType::Decimal | DataType::Signed => (DomainType::Amount, None),
        DataType::Date => (DomainType::Date, None),
    }
}

/// The condition text of a 条件付き必須 item: what follows `※※` in 項目説明.
fn condition_of(description: &str) -> Option<String> {
    let parts: Vec<String> = description
        .split("※※")
        .skip(1)
        .map(|p| p.lines().next().unwrap_or_default().trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn is_halfwidth(c: char) -> bool {
    (' '..='~').contains(&c) || ('\u{FF61}'..='\u{FF9F}').contains(&c)
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        t.bytes()
            .all(|x| x.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if s == "0000-01-01" || s == "9999-12-31" {
        return true;
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
    let limits = [23u32, 59, 59];
    parts.iter().zip(limits).all(|(p, max)| {
        p.len() == 2
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|v| v <= max)
    })
}

/// Why a sample value does not fit its item, if it does not.
fn sample_problem(value: &str, item: &Item, table: Option<&CodeTable>) -> Option<String> {
    let dt = item.official.data_type?;
    let chars = value.chars().count() as u64;
    let scale = item.official.scale.unwrap_or(0);
    let over = |limit: u64| (chars > limit).then(|| format!("{chars} characters, 桁数 is {limit}"));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match dt {
        DataType::X => {
            if let Some(c) = value.chars().find(|c| !is_halfwidth(*c)) {
                return Some(format!("`{c}` is not half-width (X)"));
            }
            if let Some(p) = over(u64::from(item.length)) {
                return Some(p);
            }
        }
        DataType::N => {
            if let Some(c) = value.chars().find(|c| is_halfwidth(*c) || c.is_control()) {
                return Some(format!("`{}` is not full-width (Ｎ)", c.escape_debug()));
            }
            if let Some(p) = over(u64::from(item.length)) {
                return Some(p);
            }
        }
        DataType::Integer | DataType::Signed => {
            let t = if dt == DataType::Signed {
                value.strip_prefix('-').unwrap_or(value)
            } else {
                value
            };
            if !digits(t) {
                return Some(format!("not an integer ({dt})"));
            }
            if t.len() as u64 > u64::from(item.length) {
                return Some(format!("{} digits, 桁数 is {}", t.len(), item.length));
            }
        }
        DataType::Decimal => {
            let (int, frac) = value.split_once('.').unwrap_or((value, ""));
            let int_max = item.length.saturating_sub(scale) as usize;
            if !digits(int) || (!frac.is_empty() && !digits(frac)) || value.ends_with('.') {
                return Some("not a decimal number (9V)".into());
            }
            if int.len() > int_max || frac.len() > scale as usize {
                return Some(format!("does not fit 桁数 {int_max},{scale}"));
            }
        }
        DataType::Year => {
            if value.len() != 4 || !digits(value) {
                return Some("not YYYY (YEAR)".into());
            }
        }
        DataType::Date => {
            if !valid_date(value) {
                return Some("not a date YYYY-MM-DD (DATE)".into());
            }
        }
        DataType::Time => {
            if !valid_time(value) {
                return Some("not a time HH:MM[:SS] (TIME)".into());
            }
        }
        DataType::Blob => {}
    }
    if let Some(t) = table {
        if !t.contains(value) {
            return Some(format!("not a code of table {}", t.name));
        }
    }
    None
}

/// The samples of a cell: one per line; a leading `・` and a `label：` prefix are the form's
/// way of listing several examples and are not part of a value.
fn samples(cell: &str) -> Vec<String> {
    let lines: Vec<&str> = cell.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() <= 1 {
        return vec![cell.to_string()];
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

/// A code list reference of the コード column.
enum CodeRef {
    /// `999`: the municipality's own codes.
    Own,
    /// A bare id: コード一覧（個別）.
    Own2(u64),
    /// 業務名 + id: コード一覧（連携）.
    Linked(String, u64),
}

fn parse_code_ref(s: &str) -> Option<CodeRef> {
    let t = norm(s);
    if t.is_empty() {
        return None;
    }
    if let Some(n) = digits_value(&t) {
        return Some(if n == 999 {
            CodeRef::Own
        } else {
            CodeRef::Own2(n)
        });
    }
    let digits_at = t
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)?;
    let (prefix, id) = t.split_at(digits_at);
    let prefix = prefix.trim_end_matches(['_', '-', ':', '：', '＿', '・']);
    let n: u64 = id.parse().ok()?;
    if prefix.is_empty() {
        return None;
    }
    Some(CodeRef::Linked(prefix.to_string(), n))
}

struct Tables {
    /// (業務名 or "" for 個別, id) → table.
    by_ref: BTreeMap<(String, u64), CodeTable>,
    order: Vec<(String, u64)>,
}

/// 業務名 of a code sheet's title block: the cell below (or right of) a `業務名` title above
/// the header.
fn gyomu_name(sheet: &Sheet, header_row: u32) -> Option<String> {
    let rows: Vec<&SheetRow> = sheet
        .rows
        .iter()
        .take_while(|r| r.number < header_row)
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let Some(c) = r.cells.iter().position(|v| f(v) == "業務名") else {
            continue;
        };
        let below = rows
            .get(i + 1)
            .filter(|n| n.number == r.number + 1)
            .map(|n| n.cell(c).trim().to_string())
            .filter(|v| !v.is_empty() && f(v) != "業務名");
        let right = r
            .cells
            .iter()
            .skip(c + 1)
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty() && f(v) != "業務名");
        return below.or(right);
    }
    None
}

fn read_code_sheet(
    sheet: &Sheet,
    h: &CodeHeader,
    linked: bool,
    tables: &mut Tables,
    warnings: &mut Vec<OfficialWarning>,
) {
    let warn = |warnings: &mut Vec<OfficialWarning>, row: u32, m: String| {
        warnings.push(OfficialWarning {
            sheet: sheet.name.clone(),
            row,
            message: m,
        })
    };
    let mut cur: Option<(String, u64)> = None;
    let mut gyomu_cur = String::new();
    for r in sheet.rows.iter().filter(|r| r.number > h.row) {
        if r.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if r.cells
            .iter()
            .filter(|c| !c.trim().is_empty())
            .all(|c| is_end_marker(c))
        {
            break;
        }
        if let Some(g) = h.gyomu.map(|c| r.cell(c)).filter(|g| !g.trim().is_empty()) {
            gyomu_cur = f(g);
        }
        let id_cell = r.cell(h.id);
        if f(id_cell) == "コードID" {
            // The second row of a merged two-row header.
            continue;
        }
        if !id_cell.trim().is_empty() {
            match digits_value(id_cell) {
                Some(999) => {
                    // The municipality's own codes: no fixed values.
                    cur = None;
                    continue;
                }
                Some(n) => {
                    let key = (
                        if linked {
                            gyomu_cur.clone()
                        } else {
                            String::new()
                        },
                        n,
                    );
                    if linked && key.0.is_empty() {
                        warn(warnings, r.number, "a 連携 code list without 業務名".into());
                        cur = None;
                        continue;
                    }
                    cur = Some(key);
                }
                None => {
                    warn(
                        warnings,
                        r.number,
                        format!("コードID `{}` is not a number", id_cell.trim()),
                    );
                    cur = None;
                    continue;
                }
            }
        }
        let Some(key) = cur.clone() else {
            if id_cell.trim().is_empty() {
                warn(warnings, r.number, "a code value without コードID".into());
            }
            continue;
        };
        let value = f(r.cell(h.value));
        let meaning = r.cell(h.meaning).trim().to_string();
        if value.is_empty() {
            warn(warnings, r.number, "a code without コード値".into());
            continue;
        }
        let _ = h.name;
        let table = tables
            .by_ref
            .entry(key.clone())
            .or_insert_with(|| CodeTable {
                name: String::new(),
                entries: Vec::new(),
            });
        if table.entries.is_empty() && !tables.order.contains(&key) {
            tables.order.push(key.clone());
        }
        if table.contains(&value) {
            warn(warnings, r.number, format!("code `{value}` appears twice"));
            continue;
        }
        table.entries.push((value, meaning));
    }
}

/// Reads an official item-definition workbook. `file_name` is recorded in each layout's
/// [`Origin`].
///
/// # Errors
/// The workbook cannot be read (see [`ImportError`]), or has no item sheet in the form.
pub fn import_official(bytes: &[u8], file_name: &str) -> Result<OfficialBook, ImportError> {
    use sha2::{Digest, Sha256};
    let sha256: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sheets = read_xlsx(bytes, None)?;
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let mut legend_sheets = Vec::new();
    let mut item_sheets = Vec::new();
    let mut gyomu = String::new();
    let mut tables = Tables {
        by_ref: BTreeMap::new(),
        order: Vec::new(),
    };
    for s in &sheets {
        for w in &s.warnings {
            warnings.push(OfficialWarning {
                sheet: s.name.clone(),
                row: w.row,
                message: w.message.clone(),
            });
        }
        if s.name.contains("凡例") {
            legend_sheets.push(s.name.clone());
        } else if let Some(h) = find_item_header(s) {
            item_sheets.push((s, h));
        } else if let Some(h) = find_code_header(s) {
            let linked = s.name.contains("連携") || h.gyomu.is_some() && !s.name.contains("個別");
            if !linked && gyomu.is_empty() {
                gyomu = gyomu_name(s, h.row).unwrap_or_default();
            }
            read_code_sheet(s, &h, linked, &mut tables, &mut warnings);
        } else if !s.rows.is_empty() {
            warnings.push(OfficialWarning {
                sheet: s.name.clone(),
                row: 0,
                message: "not an item, code or legend sheet of the form: not read".into(),
            });
        }
    }
    if item_sheets.is_empty() {
        return Err(ImportError::NoHeader {
            place: "the workbook (no sheet has the official header: データ項目（ローマ字）…)"
                .into(),
        });
    }
    for (s, h) in &item_sheets {
        let missing: Vec<&str> = REQUIRED_COLS
            .iter()
            .filter(|(c, _)| h.col(*c).is_none())
            .map(|(_, n)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns {
                sheet: s.name.clone(),
                row: h.row,
                missing: missing.join(", "),
            });
        }
        let absent: Vec<&str> = OPTIONAL_COLS
            .iter()
            .filter(|(c, _)| h.col(*c).is_none())
            .map(|(_, n)| *n)
            .collect();
        if !absent.is_empty() {
            warnings.push(OfficialWarning {
                sheet: s.name.clone(),
                row: h.row,
                message: format!("column(s) not in the header: {}", absent.join(", ")),
            });
        }
    }

    // Items per group, in order of appearance.
    struct Group {
        name: String,
        sheet: String,
        items: Vec<(u32, Item)>,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut gyomu_code: Option<String> = None;
    let mut fk_rows: Vec<(usize, usize, u32, String)> = Vec::new(); // group, item, row, sheet
    let mut code_refs: Vec<(usize, usize, u32, String, CodeRef)> = Vec::new();
    let mut sample_cells: Vec<(usize, usize, u32, String, String)> = Vec::new();
    for (s, h) in &item_sheets {
        let warn = |warnings: &mut Vec<OfficialWarning>, row: u32, m: String| {
            warnings.push(OfficialWarning {
                sheet: s.name.clone(),
                row,
                message: m,
            })
        };
        let known: Vec<usize> = h.cols.iter().map(|(c, _)| *c).collect();
        let get = |r: &SheetRow, c: C| h.col(c).map(|i| r.cell(i).to_string()).unwrap_or_default();
        let id_cols = h.all(C::Id);
        for r in s.rows.iter().filter(|r| r.number > h.row) {
            let filled: Vec<(usize, &String)> = r
                .cells
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.trim().is_empty())
                .collect();
            if filled.is_empty() {
                continue;
            }
            // The end-marker column (`e` right of the table) is not data; a row of only
            // `e` ends the table.
            let data: Vec<&(usize, &String)> = filled
                .iter()
                .filter(|(i, c)| known.contains(i) || !is_end_marker(c))
                .collect();
            if filled.iter().all(|(_, c)| is_end_marker(c)) {
                warn(
                    &mut warnings,
                    r.number,
                    "end-marker row (`e`): the item table ends here; rows below are not read"
                        .into(),
                );
                break;
            }
            if data.iter().all(|(i, _)| !known.contains(i)) {
                warn(
                    &mut warnings,
                    r.number,
                    "a row outside the item table's columns: not read".into(),
                );
                continue;
            }
            let name = get(r, C::Name).trim().to_string();
            let key = f(&get(r, C::Key));
            if name.is_empty() || key.is_empty() {
                warn(
                    &mut warnings,
                    r.number,
                    "no データ項目 or データ項目（ローマ字）: not an item".into(),
                );
                continue;
            }
            if !valid_key(&key) {
                warn(
                    &mut warnings,
                    r.number,
                    format!("データ項目（ローマ字） `{key}` is not a valid key (lower-case ASCII letters, digits, `_`): not read"),
                );
                continue;
            }
            // データ項目ID: 業務コード + 項目コード in two (merged-title) columns, or 8 digits.
            let item_id = match id_cols.as_slice() {
                [] => None,
                [one] => {
                    let t = norm(r.cell(*one));
                    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
                        Some(t)
                    } else {
                        warn(
                            &mut warnings,
                            r.number,
                            format!("データ項目ID `{t}` is not 8 digits"),
                        );
                        None
                    }
                }
                [g, c, ..] => {
                    let gt = norm(r.cell(*g));
                    match (digits_value(&gt), digits_value(r.cell(*c))) {
                        (Some(gv), Some(cv)) if gv < 1000 && cv < 100_000 => {
                            Some(format!("{gv:03}{cv:05}"))
                        }
                        _ => {
                            warn(
                                &mut warnings,
                                r.number,
                                format!(
                                    "データ項目ID `{}` `{}` is not a 3-digit 業務コード and a 5-digit 項目コード",
                                    r.cell(*g).trim(),
                                    r.cell(*c).trim()
                                ),
                            );
                            None
                        }
                    }
                }
            };
            if gyomu_code.is_none() {
                gyomu_code = item_id
                    .as_ref()
                    .and_then(|i| i.get(..3))
                    .map(str::to_string);
            }
            let type_cell = get(r, C::Type);
            let Some(dt) = parse_type(&type_cell) else {
                warn(
                    &mut warnings,
                    r.number,
                    format!(
                        "データ型 `{}` is not one of X, Ｎ, 9, 9V, S9, BLOB, YEAR, DATE, TIME: not read",
                        type_cell.trim()
                    ),
                );
                continue;
            };
            let len_cell = norm(&get(r, C::Length)).replace(['，', '、'], ",");
            let (length, scale) = if dt == DataType::Decimal {
                let (n, m) = len_cell.split_once(',').unwrap_or((len_cell.as_str(), "0"));
                match (digits_value(n), digits_value(m)) {
                    (Some(n), Some(m)) if n + m >= 1 && n + m <= u64::from(MAX_ITEM_LENGTH) => {
                        ((n + m) as u32, Some(m as u32))
                    }
                    _ => {
                        warn(
                            &mut warnings,
                            r.number,
                            format!("桁数 `{len_cell}` is not `n,m` for 9V: not read"),
                        );
                        continue;
                    }
                }
            } else if dt == DataType::Blob && len_cell.is_empty() {
                (MAX_ITEM_LENGTH, None)
            } else {
                match digits_value(&len_cell) {
                    Some(n) if (1..=u64::from(MAX_ITEM_LENGTH)).contains(&n) => (n as u32, None),
                    _ => {
                        warn(
                            &mut warnings,
                            r.number,
                            format!(
                                "桁数 `{len_cell}` is not a length 1..={MAX_ITEM_LENGTH}: not read"
                            ),
                        );
                        continue;
                    }
                }
            };
            let rep_cell = get(r, C::Repeat);
            let repeat = if rep_cell.trim().is_empty() {
                1
            } else {
                match digits_value(&rep_cell) {
                    Some(n) if (1..=u64::from(MAX_REPEAT)).contains(&n) => n as u32,
                    _ => {
                        warn(
                            &mut warnings,
                            r.number,
                            format!(
                                "繰り返し `{}` is not a count 1..={MAX_REPEAT}: not read",
                                rep_cell.trim()
                            ),
                        );
                        continue;
                    }
                }
            };
            let out = f(&get(r, C::Output));
            let description = get(r, C::Description);
            let (required, conditional) = if out.starts_with("条件付き必須")
                || out.starts_with("条件付必須")
            {
                (false, true)
            } else if out.starts_with("必須") {
                (true, false)
            } else if out.starts_with("任意") {
                (false, false)
            } else {
                warn(
                    &mut warnings,
                    r.number,
                    format!("データ出力条件 `{out}` is not 必須, 条件付き必須 or 任意: not read"),
                );
                continue;
            };
            let condition = if conditional {
                condition_of(&description)
            } else {
                None
            };
            if conditional && condition.is_none() {
                warn(
                    &mut warnings,
                    r.number,
                    "条件付き必須 without a ※※ condition in 項目説明".into(),
                );
            }
            let code_cell = get(r, C::Code);
            let code_ref = parse_code_ref(&code_cell);
            if !code_cell.trim().is_empty() && code_ref.is_none() {
                warn(
                    &mut warnings,
                    r.number,
                    format!("コード `{}` is not a code-list id", code_cell.trim()),
                );
            }
            let has_table = matches!(code_ref, Some(CodeRef::Own2(_) | CodeRef::Linked(..)));
            let (domain, refined) = domain_of(dt, &name, has_table);
            let mut note_parts: Vec<String> = Vec::new();
            let definition = get(r, C::Definition).trim().to_string();
            if !definition.is_empty() {
                note_parts.push(definition);
            }
            let remark = get(r, C::Note).trim().to_string();
            if !remark.is_empty() {
                note_parts.push(format!("備考: {remark}"));
            }
            if let Some(word) = refined {
                let msg = format!(
                    "row {}: {key} ({name}): データ型 {dt} refined to `{domain}` from the name ({word})",
                    r.number
                );
                notes.push(format!("「{}」 {msg}", s.name));
                note_parts.push(format!(
                    "type {domain}: refined from データ型 {dt} by the name ({word})"
                ));
            }
            let group_name = get(r, C::Group).trim().to_string();
            if group_name.is_empty() {
                warn(&mut warnings, r.number, "no グループ 名称: not read".into());
                continue;
            }
            let gi = match groups.iter().position(|g| g.name == group_name) {
                Some(i) => i,
                None => {
                    groups.push(Group {
                        name: group_name.clone(),
                        sheet: s.name.clone(),
                        items: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            if groups[gi].items.iter().any(|(_, it)| it.key == key) {
                warn(
                    &mut warnings,
                    r.number,
                    format!("key `{key}` appears twice in group 「{group_name}」: not read"),
                );
                continue;
            }
            let item = Item {
                number: groups[gi].items.len() as u32 + 1,
                name,
                key,
                domain,
                length,
                unit: LengthUnit::Chars,
                offset: None,
                required,
                repeat,
                code_table: None,
                date_form: (dt == DataType::Date).then_some(DateForm::Iso),
                padding: Padding::Spaces,
                zero_pad: false,
                note: (!note_parts.is_empty()).then(|| note_parts.join("\n")),
                official: OfficialItem {
                    item_id,
                    data_type: Some(dt),
                    scale,
                    signed: dt == DataType::Signed,
                    conditional,
                    condition,
                    primary_key: is_mark(&get(r, C::Pk)),
                    foreign_key: None,
                    code_id: (!code_cell.trim().is_empty()).then(|| f(&code_cell)),
                },
            };
            let ii = groups[gi].items.len();
            groups[gi].items.push((r.number, item));
            if is_mark(&get(r, C::Fk)) {
                fk_rows.push((gi, ii, r.number, s.name.clone()));
            }
            if let Some(cr) = code_ref {
                code_refs.push((gi, ii, r.number, s.name.clone(), cr));
            }
            let sample = get(r, C::Sample);
            if !sample.trim().is_empty() {
                sample_cells.push((gi, ii, r.number, s.name.clone(), sample));
            }
        }
    }

    // Code tables: names from the 業務コード.
    let g = gyomu_code.unwrap_or_else(|| "000".into());
    let mut linked_names: Vec<String> = Vec::new();
    let mut code_tables = Vec::new();
    for key in &tables.order {
        let Some(t) = tables.by_ref.get_mut(key) else {
            continue;
        };
        t.name = if key.0.is_empty() {
            format!("std-{g}-{:03}", key.1)
        } else {
            let n = match linked_names.iter().position(|x| *x == key.0) {
                Some(i) => i + 1,
                None => {
                    linked_names.push(key.0.clone());
                    linked_names.len()
                }
            };
            format!("std-{g}-renkei{n}-{:03}", key.1)
        };
        code_tables.push(t.clone());
    }
    for (gi, ii, row, sheet, cr) in code_refs {
        let item = &mut groups[gi].items[ii].1;
        let lookup = match &cr {
            CodeRef::Own => {
                item.note = Some(match item.note.take() {
                    Some(n) => format!(
                        "{n}\nコード 999: the municipality's own code list (no bundled table)"
                    ),
                    None => {
                        "コード 999: the municipality's own code list (no bundled table)".into()
                    }
                });
                continue;
            }
            CodeRef::Own2(n) => (String::new(), *n),
            CodeRef::Linked(gyomu, n) => (gyomu.clone(), *n),
        };
        match tables.by_ref.get(&lookup) {
            Some(t) => item.code_table = Some(t.name.clone()),
            None => {
                warnings.push(OfficialWarning {
                    sheet,
                    row,
                    message: format!(
                        "コード `{}` is not in {}: the item has no code table",
                        item.official.code_id.clone().unwrap_or_default(),
                        if lookup.0.is_empty() {
                            "コード一覧（個別）"
                        } else {
                            "コード一覧（連携）"
                        }
                    ),
                });
                if item.domain == DomainType::Code {
                    item.domain = match item.official.data_type {
                        Some(DataType::Integer) => DomainType::Digits,
                        _ => DomainType::Text,
                    };
                }
            }
        }
    }

    // Layout ids, then foreign keys (the group whose primary key has the same item).
    let ids: Vec<String> = (1..=groups.len())
        .map(|i| format!("standard/{g}-{i:02}"))
        .collect();
    for (gi, ii, row, sheet) in fk_rows {
        let (key, item_id) = {
            let it = &groups[gi].items[ii].1;
            (it.key.clone(), it.official.item_id.clone())
        };
        let target = groups.iter().enumerate().find(|(oi, o)| {
            *oi != gi
                && o.items.iter().any(|(_, it)| {
                    it.official.primary_key
                        && (it.key == key || item_id.is_some() && it.official.item_id == item_id)
                })
        });
        match target {
            Some((oi, _)) => groups[gi].items[ii].1.official.foreign_key = ids.get(oi).cloned(),
            None => warnings.push(OfficialWarning {
                sheet,
                row,
                message: format!("外部キー `{key}`: no other group has it as a primary key"),
            }),
        }
    }

    // Samples, each against its own item's type.
    for (gi, ii, row, sheet, cell) in sample_cells {
        let item = &groups[gi].items[ii].1;
        let table = item
            .code_table
            .as_ref()
            .and_then(|n| code_tables.iter().find(|t| &t.name == n));
        for v in samples(&cell) {
            if let Some(p) = sample_problem(&v, item, table) {
                warnings.push(OfficialWarning {
                    sheet: sheet.clone(),
                    row,
                    message: format!("サンプル値 `{}` of {}: {p}", v.escape_debug(), item.key),
                });
            }
        }
    }

    let mut layouts = Vec::new();
    for (i, grp) in groups.into_iter().enumerate() {
        let mut layout = Layout {
            id: ids[i].clone(),
            name: grp.name.clone(),
            gyomu: gyomu.clone(),
            family: Family::Standard,
            source: format!("{file_name} シート「{}」", grp.sheet),
            version: String::new(),
            status: Status::OfficialImport,
            encoding: "utf-8".into(),
            format: PhysicalFormat::Delimited {
                delimiter: b',',
                quote: Some(b'"'),
                header_rows: 1,
                terminator: Terminator::Crlf,
            },
            items: grp.items.into_iter().map(|(_, it)| it).collect(),
            record_types: None,
            note: None,
            origin: None,
        };
        layout.origin = Some(Origin {
            workbook: file_name.to_string(),
            sheet: grp.sheet,
            sha256: sha256.clone(),
            group: grp.name,
            items_sha256: items_hash(&layout),
        });
        // The importer's output must pass the same checks as a hand-written spec.
        let text = crate::write::layout_to_toml(&layout);
        let reloaded = crate::parse_layout(&text, "imported").map_err(ImportError::Invalid)?;
        layouts.push(reloaded);
    }
    Ok(OfficialBook {
        layouts,
        code_tables,
        warnings,
        notes,
        legend_sheets,
        sha256,
    })
}

/// Whether a workbook is in the official form (a sheet with the データ項目（ローマ字） header).
///
/// # Errors
/// The workbook cannot be read.
pub fn is_official_form(bytes: &[u8]) -> Result<bool, ImportError> {
    let sheets = read_xlsx(bytes, None)?;
    Ok(sheets
        .iter()
        .any(|s| !s.name.contains("凡例") && find_item_header(s).is_some()))
}
