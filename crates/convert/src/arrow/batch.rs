//! Building Arrow record batches incrementally from rows.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, Date32Builder, Decimal128Builder, Int64Builder, StringBuilder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use ikou_cleanse::mask::mask;

use super::schema::{ColumnKind, ItemColumn, Table, TableSchema};
use super::values::{parse_amount, parse_date, parse_decimal, DateValue};
use crate::sink::Row;

/// One item's builder(s).
enum ItemBuilder {
    Text(StringBuilder),
    Date {
        days: Date32Builder,
        text: StringBuilder,
    },
    Amount(Int64Builder),
    Decimal(Decimal128Builder, u8, i8),
}

/// A value parsed before anything is appended, so a bad row leaves the builders untouched.
#[derive(Clone, Copy)]
enum Parsed {
    None,
    Int(i64),
    Day(i32),
    Dec(i128),
}

/// Accumulates rows of one table into builders; hands out a [`RecordBatch`] when full.
pub(crate) struct Batcher {
    schema: SchemaRef,
    items: Vec<ItemColumn>,
    /// Rows per batch at most: [`ArrowOptions::batch_rows`](super::ArrowOptions), lowered
    /// so that the fixed bytes of that many rows fit in `batch_bytes`.
    batch_rows: usize,
    rows: usize,
    /// Bytes per batch at most (estimated; at least one row).
    batch_bytes: usize,
    /// The estimated bytes of the rows in the builders.
    bytes: usize,
    /// The bytes every row costs whatever its values (offsets and fixed-width slots).
    row_bytes: usize,
    record: UInt64Builder,
    offset: Option<UInt64Builder>,
    builders: Vec<ItemBuilder>,
    raw: Option<BinaryBuilder>,
    /// Per item: the typed value parsed by the first pass of [`Batcher::push`].
    parsed: Vec<Parsed>,
    /// Indices of the items with a typed column (dates, amounts): the only ones parsed.
    typed: Vec<usize>,
    /// Value bytes of each text builder (in builder order, a date's text included) and of
    /// `raw` in the last batch: the capacity the next batch's builders get.
    text_bytes: Vec<usize>,
    raw_bytes: usize,
    /// The builders were emptied by [`Batcher::take`] and not yet given capacity again.
    stale: bool,
}

/// Initial byte capacity per row of a text column, before a first batch shows the real size.
const TEXT_BYTES_GUESS: usize = 16;

impl Batcher {
    pub(crate) fn new(
        table: &TableSchema,
        schema: SchemaRef,
        batch_rows: usize,
        batch_bytes: usize,
    ) -> Batcher {
        let before = table.table == Table::Before;
        let row_bytes = fixed_row_bytes(table);
        let batch_bytes = batch_bytes.max(1);
        // Enough rows to fill `batch_bytes` with their fixed slots, at least one: with many
        // items this is what keeps the builders' capacity (and the batch) bounded.
        let batch_rows = batch_rows.min(batch_bytes / row_bytes.max(1)).max(1);
        let text = || StringBuilder::with_capacity(batch_rows, batch_rows * TEXT_BYTES_GUESS);
        let builders = table
            .items
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Text => ItemBuilder::Text(text()),
                ColumnKind::Amount => ItemBuilder::Amount(Int64Builder::with_capacity(batch_rows)),
                ColumnKind::Decimal(p, sc) => {
                    ItemBuilder::Decimal(decimal(batch_rows, p, sc), p, sc)
                }
                ColumnKind::Date => ItemBuilder::Date {
                    days: Date32Builder::with_capacity(batch_rows),
                    text: text(),
                },
            })
            .collect();
        Batcher {
            schema,
            items: table.items.clone(),
            batch_rows,
            rows: 0,
            batch_bytes,
            bytes: 0,
            row_bytes,
            record: UInt64Builder::with_capacity(batch_rows),
            offset: before.then(|| UInt64Builder::with_capacity(batch_rows)),
            builders,
            raw: before.then(|| BinaryBuilder::with_capacity(batch_rows, batch_rows * 64)),
            parsed: vec![Parsed::None; table.items.len()],
            typed: (table.items.iter().enumerate())
                .filter(|(_, c)| c.kind != ColumnKind::Text)
                .map(|(i, _)| i)
                .collect(),
            text_bytes: Vec::new(),
            raw_bytes: 0,
            stale: false,
        }
    }

    /// Whether a full batch is waiting in the builders.
    pub(crate) fn is_full(&self) -> bool {
        self.rows >= self.batch_rows || self.bytes >= self.batch_bytes
    }

    /// Rows per batch at most (after the bytes bound).
    #[cfg(test)]
    pub(crate) fn batch_rows(&self) -> usize {
        self.batch_rows
    }

    /// Rows in the builders.
    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// Appends one row, all columns or none.
    ///
    /// # Errors
    /// A row with the wrong number of values, an amount that is not an integer, a date
    /// that is neither a complete nor a partial date: a message naming record, offset and
    /// item (the value masked).
    pub(crate) fn push(&mut self, row: Row<'_>) -> Result<(), String> {
        if self.stale {
            self.renew();
        }
        if row.values.len() != self.items.len() {
            return Err(format!(
                "record {} (byte offset {}): {} values for {} items",
                row.record,
                row.offset,
                row.values.len(),
                self.items.len()
            ));
        }
        // Pass 1: parse every typed value; nothing is appended if one fails. Text columns
        // need no parsing (the `before` table has only those).
        for &i in &self.typed {
            let (Some(col), Some(value), Some(slot)) =
                (self.items.get(i), row.values.get(i), self.parsed.get_mut(i))
            else {
                continue;
            };
            *slot = Parsed::None;
            let Some(v) = value.as_deref().filter(|v| !v.is_empty()) else {
                continue;
            };
            match col.kind {
                ColumnKind::Text => {}
                ColumnKind::Amount => match parse_amount(v) {
                    Some(n) => *slot = Parsed::Int(n),
                    None => return Err(value_error(&row, col, "amount is not an integer", v)),
                },
                ColumnKind::Decimal(_, sc) => match parse_decimal(v, sc.max(0) as u8) {
                    Some(n) => *slot = Parsed::Dec(n),
                    None => {
                        return Err(value_error(
                            &row,
                            col,
                            "amount is not a decimal of the column's scale",
                            v,
                        ))
                    }
                },
                ColumnKind::Date => match parse_date(v) {
                    Some(DateValue::Full(d)) => *slot = Parsed::Day(d),
                    Some(DateValue::Partial) => {}
                    None => {
                        return Err(value_error(
                            &row,
                            col,
                            "not a date (YYYY-MM-DD, YYYYMMDD or a partial form of them)",
                            v,
                        ))
                    }
                },
            }
        }
        // Pass 2: append.
        let value_bytes: usize = row.values.iter().flatten().map(String::len).sum();
        self.bytes = self
            .bytes
            .saturating_add(self.row_bytes)
            .saturating_add(value_bytes)
            .saturating_add(if self.raw.is_some() {
                row.raw.map_or(0, <[u8]>::len)
            } else {
                0
            });
        self.record.append_value(row.record);
        if let Some(b) = &mut self.offset {
            b.append_value(row.offset);
        }
        for ((builder, value), parsed) in self.builders.iter_mut().zip(row.values).zip(&self.parsed)
        {
            match builder {
                ItemBuilder::Text(b) => b.append_option(value.as_deref()),
                ItemBuilder::Amount(b) => match *parsed {
                    Parsed::Int(n) => b.append_value(n),
                    _ => b.append_null(),
                },
                ItemBuilder::Decimal(b, _, _) => match *parsed {
                    Parsed::Dec(n) => b.append_value(n),
                    _ => b.append_null(),
                },
                ItemBuilder::Date { days, text } => {
                    match *parsed {
                        Parsed::Day(d) => days.append_value(d),
                        _ => days.append_null(),
                    }
                    text.append_option(value.as_deref());
                }
            }
        }
        if let Some(b) = &mut self.raw {
            b.append_option(row.raw);
        }
        self.rows += 1;
        Ok(())
    }

    /// Takes the rows in the builders as a batch (`None` if there are none). The builders
    /// are left empty; they get the capacity this batch needed from [`Batcher::renew`] (or
    /// the next [`Batcher::push`]). Renewing after the batch has been written and dropped
    /// lets the allocator hand its memory straight back, instead of holding two batches'
    /// worth of buffers and faulting in fresh pages for every batch.
    pub(crate) fn take(&mut self) -> Result<Option<RecordBatch>, String> {
        if self.rows == 0 {
            return Ok(None);
        }
        self.text_bytes.clear();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        columns.push(Arc::new(self.record.finish()));
        if let Some(b) = &mut self.offset {
            columns.push(Arc::new(b.finish()));
        }
        for builder in &mut self.builders {
            match builder {
                ItemBuilder::Text(b) => {
                    self.text_bytes.push(b.values_slice().len());
                    columns.push(Arc::new(b.finish()));
                }
                ItemBuilder::Amount(b) => columns.push(Arc::new(b.finish())),
                ItemBuilder::Decimal(b, _, _) => columns.push(Arc::new(b.finish())),
                ItemBuilder::Date { days, text } => {
                    columns.push(Arc::new(days.finish()));
                    self.text_bytes.push(text.values_slice().len());
                    columns.push(Arc::new(text.finish()));
                }
            }
        }
        if let Some(b) = &mut self.raw {
            self.raw_bytes = b.values_slice().len();
            columns.push(Arc::new(b.finish()));
        }
        self.rows = 0;
        self.bytes = 0;
        self.stale = true;
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
            .map(Some)
            .map_err(|e| format!("building a batch: {e}"))
    }

    /// Gives the builders emptied by [`Batcher::take`] the capacity of the last batch.
    pub(crate) fn renew(&mut self) {
        if !self.stale {
            return;
        }
        self.stale = false;
        let n = self.batch_rows;
        let mut bytes = self.text_bytes.iter().copied();
        let mut text =
            || StringBuilder::with_capacity(n, bytes.next().unwrap_or(n * TEXT_BYTES_GUESS));
        self.record = UInt64Builder::with_capacity(n);
        if let Some(b) = &mut self.offset {
            *b = UInt64Builder::with_capacity(n);
        }
        for builder in &mut self.builders {
            match builder {
                ItemBuilder::Text(b) => *b = text(),
                ItemBuilder::Amount(b) => *b = Int64Builder::with_capacity(n),
                ItemBuilder::Decimal(b, p, sc) => *b = decimal(n, *p, *sc),
                ItemBuilder::Date { days, text: t } => {
                    *days = Date32Builder::with_capacity(n);
                    *t = text();
                }
            }
        }
        if let Some(b) = &mut self.raw {
            *b = BinaryBuilder::with_capacity(n, self.raw_bytes);
        }
    }
}

/// The bytes one row takes in the builders whatever its values: the record number (and
/// offset and raw offset for `before`), and per item a 4-byte string offset, an 8-byte
/// amount or a date's 4-byte day and 4-byte text offset (validity bits not counted).
fn fixed_row_bytes(table: &TableSchema) -> usize {
    let before = table.table == Table::Before;
    let head = if before { 8 + 8 + 4 } else { 8 };
    table.items.iter().fold(head, |n, c| {
        n + match c.kind {
            ColumnKind::Text => 4,
            ColumnKind::Amount | ColumnKind::Date => 8,
            ColumnKind::Decimal(..) => 16,
        }
    })
}

/// A Decimal128 builder of `precision` and `scale` (checked when the schema was built).
fn decimal(rows: usize, precision: u8, scale: i8) -> Decimal128Builder {
    let b = Decimal128Builder::with_capacity(rows);
    match b.with_precision_and_scale(precision, scale) {
        Ok(b) => b,
        Err(_) => Decimal128Builder::with_capacity(rows),
    }
}

fn value_error(row: &Row<'_>, col: &ItemColumn, what: &str, value: &str) -> String {
    format!(
        "record {} (byte offset {}), item `{}`: {what} (value {:?}, masked)",
        row.record,
        row.offset,
        col.key,
        mask(value)
    )
}
