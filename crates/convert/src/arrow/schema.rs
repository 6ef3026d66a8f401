//! Arrow schemas of the `before`, `after` and `changes` tables, built from layouts.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Metadata, Schema, SchemaRef};
use ikou_layout_spec::{DateForm, DomainType, Item, Layout};

/// Name of the record-number column (the key joining `before`, `after` and `changes`).
pub const RECORD_COLUMN: &str = "record";
/// Name of the byte-offset column of the `before` table.
pub const OFFSET_COLUMN: &str = "offset";
/// Name of the raw-bytes column of the `before` table.
pub const RAW_COLUMN: &str = "raw";
/// Suffix of the companion text column of a typed date item in the `after` table
/// (`birth_date` → `birth_date__text`).
pub const DATE_TEXT_SUFFIX: &str = "__text";

/// Field-metadata key: the item's Japanese name (項目名).
pub const META_NAME: &str = "ikou.name";
/// Field-metadata key: the item's domain type (`date`, `kanji_name`, …).
pub const META_DOMAIN: &str = "ikou.domain";
/// Field-metadata key: the item's number (項目番号) in its layout.
pub const META_NUMBER: &str = "ikou.number";
/// Field-metadata key on a `<key>__text` column: the key of the date item it belongs to.
pub const META_TEXT_OF: &str = "ikou.text_of";
/// Schema-metadata key: which table (`before`, `after`, `changes`).
pub const META_TABLE: &str = "ikou.table";
/// Schema-metadata key: the layout id (`legacy/sample-juki`).
pub const META_LAYOUT_ID: &str = "ikou.layout.id";
/// Schema-metadata key: the layout's display name.
pub const META_LAYOUT_NAME: &str = "ikou.layout.name";
/// Schema-metadata key: the layout's version.
pub const META_LAYOUT_VERSION: &str = "ikou.layout.version";
/// Schema-metadata key: the layout's status (`verified`, `unverified-transcription`, …).
pub const META_LAYOUT_STATUS: &str = "ikou.layout.status";

/// Which table a [`TableSchema`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// The decoded legacy records: every item as text, plus offset and raw bytes.
    Before,
    /// The converted records, typed by domain.
    After,
}

impl Table {
    /// The table's name as written in schema metadata (`before`, `after`).
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Before => "before",
            Table::After => "after",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one item is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// Utf8, the value as written.
    Text,
    /// Date32 plus a `<key>__text` Utf8 column with the written form.
    Date,
    /// Int64.
    Amount,
    /// Decimal128 with the precision and scale of the number form the value was decoded
    /// from (issue #16: an amount mapped from a zoned, packed or binary item).
    Decimal(u8, i8),
}

/// One item's column plan.
#[derive(Debug, Clone)]
pub(crate) struct ItemColumn {
    pub(crate) kind: ColumnKind,
    pub(crate) key: String,
    pub(crate) domain: DomainType,
}

/// The Arrow schema of a `before` or `after` table for one layout, with the plan that
/// turns [`crate::sink::Row`] values into its columns.
///
/// Columns of [`Table::Before`]: `record` UInt64 (non-null), `offset` UInt64 (non-null),
/// one nullable Utf8 column per item (named by the item key, the decoded legacy text),
/// `raw` Binary (nullable: the record's raw bytes).
///
/// Columns of [`Table::After`]: `record` UInt64 (non-null), then per item:
/// - `date` items whose written form is ISO, `YYYYMMDD` or unspecified: a nullable Date32
///   column `<key>` followed by a nullable Utf8 column `<key>__text` with the written form.
///   A complete date fills both; a partial date (`1955-03`, `1955`, `1955-03-00`,
///   `19550300`, …) has a null Date32 and its written form in `<key>__text`, so nothing is
///   lost. Date items written in a 和暦 form are plain Utf8.
/// - `amount` items: nullable Int64; an amount whose item carries a number form
///   (zoned, packed, binary: [`ikou_layout_spec::Representation`]) is a nullable
///   Decimal128 with the form's precision and scale.
/// - everything else: nullable Utf8.
///
/// Every item column carries field metadata [`META_NAME`] (項目名), [`META_DOMAIN`] and
/// [`META_NUMBER`]; the schema carries [`META_TABLE`], [`META_LAYOUT_ID`],
/// [`META_LAYOUT_NAME`], [`META_LAYOUT_VERSION`] and [`META_LAYOUT_STATUS`].
///
/// # Example
/// ```
/// use ikou_convert::arrow::TableSchema;
/// use ikou_layout_spec::Catalog;
///
/// let catalog = Catalog::bundled().unwrap();
/// let target = catalog.layout("standard/jumin-kiroku-jumin").unwrap();
/// let after = TableSchema::after(target).unwrap();
/// let schema = after.arrow_schema();
/// assert_eq!(schema.field(0).name(), "record");
/// let birth = schema.field_with_name("seinengappi").unwrap();
/// assert_eq!(birth.data_type(), &arrow_schema::DataType::Date32);
/// assert_eq!(birth.metadata().get("ikou.name").unwrap(), "生年月日");
/// assert!(schema.field_with_name("seinengappi__text").is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct TableSchema {
    pub(crate) table: Table,
    pub(crate) layout_id: String,
    pub(crate) schema: SchemaRef,
    pub(crate) items: Vec<ItemColumn>,
}

/// A layout whose items cannot be laid out as columns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("layout {layout}: item key `{key}` collides with the {table} column `{column}`")]
pub struct SchemaError {
    /// The layout id.
    pub layout: String,
    /// The item key concerned.
    pub key: String,
    /// The column name it collides with.
    pub column: String,
    /// The table being built.
    pub table: Table,
}

/// The most columns an Arrow IPC or Parquet file of ikou may have (issue #18): 4,096.
///
/// Parquet keeps a footer entry per row group × column until the file closes (≈ 0.75 KB
/// each) and both formats hold per-column builders and buffers, so a file's memory grows
/// with its column count; with a cap it is bounded whatever the layout. The official
/// standard groups have at most a few hundred items (`before` has items + 3 columns,
/// `after` items + dates + 1), so 4,096 leaves more than ten times the margin. A wider
/// layout is refused before any record is read ([`check_columns`]); its CSV outputs (the
/// standard CSV, `rejects.csv`, `changes.csv`) have no such limit.
pub const MAX_COLUMNS: usize = 4096;

/// A table wider than [`MAX_COLUMNS`]: its Arrow/Parquet files are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "layout {layout} has {items} items: its {table} table would have {columns} columns, more \
     than the {max} columns an Arrow or Parquet output may have; leave out the {table} \
     Arrow/Parquet outputs and write the CSV outputs instead (`--outputs minimal`, with \
     `changes-csv`, `gaiji` or `report` as needed), which have no column limit",
    max = MAX_COLUMNS
)]
pub struct TooManyColumns {
    /// The layout id.
    pub layout: String,
    /// Its item count.
    pub items: usize,
    /// The columns the table would have.
    pub columns: usize,
    /// The table.
    pub table: Table,
}

/// The number of columns `table` of `layout` has — what [`TableSchema::new`] builds —
/// counted without building anything (`before`: every item, `record`, `offset`, `raw`;
/// `after`: every item, a `__text` companion per date column, `record`).
pub fn column_count(layout: &Layout, table: Table) -> usize {
    match table {
        Table::Before => layout.items.len().saturating_add(3),
        Table::After => layout
            .items
            .iter()
            .map(|item| match after_kind(item) {
                ColumnKind::Date => 2usize,
                _ => 1,
            })
            .fold(1usize, usize::saturating_add),
    }
}

/// Refuses `table` of `layout` if it has more than [`MAX_COLUMNS`] columns; its column
/// count otherwise.
///
/// # Errors
/// [`TooManyColumns`], naming the layout, its item count, the columns and the cap.
pub fn check_columns(layout: &Layout, table: Table) -> Result<usize, TooManyColumns> {
    let columns = column_count(layout, table);
    if columns > MAX_COLUMNS {
        return Err(TooManyColumns {
            layout: layout.id.clone(),
            items: layout.items.len(),
            columns,
            table,
        });
    }
    Ok(columns)
}

impl TableSchema {
    /// The `before` table of a source (legacy) layout: every item as decoded text.
    ///
    /// # Errors
    /// An item key that is also the name of another column (`record`, `offset`, `raw`).
    pub fn before(layout: &Layout) -> Result<TableSchema, SchemaError> {
        TableSchema::build(layout, Table::Before)
    }

    /// The `after` table of a target layout: items typed by domain.
    ///
    /// # Errors
    /// An item key that is also the name of another column (`record`, or the
    /// `<key>__text` companion of a date item).
    pub fn after(layout: &Layout) -> Result<TableSchema, SchemaError> {
        TableSchema::build(layout, Table::After)
    }

    /// The schema for `table` of `layout`.
    ///
    /// # Errors
    /// See [`TableSchema::before`] and [`TableSchema::after`].
    pub fn new(layout: &Layout, table: Table) -> Result<TableSchema, SchemaError> {
        TableSchema::build(layout, table)
    }

    fn build(layout: &Layout, table: Table) -> Result<TableSchema, SchemaError> {
        let mut fields = Vec::with_capacity(layout.items.len() * 2 + 3);
        fields.push(
            Field::new(RECORD_COLUMN, DataType::UInt64, false).with_metadata(Metadata::from([(
                META_NAME,
                "レコード番号（1から、入力ファイル内）",
            )])),
        );
        if table == Table::Before {
            fields.push(
                Field::new(OFFSET_COLUMN, DataType::UInt64, false).with_metadata(Metadata::from([
                    (META_NAME, "バイト位置（入力ファイル内、0から）"),
                ])),
            );
        }
        let mut items = Vec::with_capacity(layout.items.len());
        for item in &layout.items {
            let kind = match table {
                Table::Before => ColumnKind::Text,
                Table::After => after_kind(item),
            };
            match kind {
                ColumnKind::Text => {
                    fields.push(
                        Field::new(&item.key, DataType::Utf8, true).with_metadata(item_meta(item)),
                    );
                }
                ColumnKind::Amount => {
                    fields.push(
                        Field::new(&item.key, DataType::Int64, true).with_metadata(item_meta(item)),
                    );
                }
                ColumnKind::Decimal(p, sc) => {
                    fields.push(
                        Field::new(&item.key, DataType::Decimal128(p, sc), true)
                            .with_metadata(item_meta(item)),
                    );
                }
                ColumnKind::Date => {
                    fields.push(
                        Field::new(&item.key, DataType::Date32, true)
                            .with_metadata(item_meta(item)),
                    );
                    fields.push(
                        Field::new(
                            format!("{}{DATE_TEXT_SUFFIX}", item.key),
                            DataType::Utf8,
                            true,
                        )
                        .with_metadata(item_meta(item).with(META_TEXT_OF, item.key.as_str())),
                    );
                }
            }
            items.push(ItemColumn {
                kind,
                key: item.key.clone(),
                domain: item.domain,
            });
        }
        if table == Table::Before {
            fields.push(
                Field::new(RAW_COLUMN, DataType::Binary, true)
                    .with_metadata(Metadata::from([(META_NAME, "レコードの生バイト列")])),
            );
        }
        // Column names must be unique: an item key may not shadow a column ikou adds.
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, f) in fields.iter().enumerate() {
            if let Some(&first) = seen.get(f.name().as_str()) {
                let (key, column) = item_key_of(&fields, first, i);
                return Err(SchemaError {
                    layout: layout.id.clone(),
                    key,
                    column,
                    table,
                });
            }
            seen.insert(f.name().as_str(), i);
        }
        debug_assert_eq!(fields.len(), column_count(layout, table));
        let metadata = Metadata::new()
            .with(META_TABLE, table.as_str())
            .with(META_LAYOUT_ID, layout.id.as_str())
            .with(META_LAYOUT_NAME, layout.name.as_str())
            .with(META_LAYOUT_VERSION, layout.version.as_str())
            .with(META_LAYOUT_STATUS, layout.status.as_str());
        Ok(TableSchema {
            table,
            layout_id: layout.id.clone(),
            schema: Arc::new(Schema::new_with_metadata(fields, metadata)),
            items,
        })
    }

    /// Which table this is.
    pub fn table(&self) -> Table {
        self.table
    }

    /// The id of the layout the schema was built from.
    pub fn layout_id(&self) -> &str {
        &self.layout_id
    }

    /// The Arrow schema (without the run-level metadata a sink may add from
    /// [`crate::arrow::ArrowOptions::metadata`]).
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// The number of items (values expected in each [`crate::sink::Row`]).
    pub fn item_count(&self) -> usize {
        self.items.len()
    }
}

/// Names the item key and the column it collides with, given the two field positions.
fn item_key_of(fields: &[Field], first: usize, second: usize) -> (String, String) {
    let name = |i: usize| fields.get(i).map(|f| f.name().clone()).unwrap_or_default();
    let is_item = |i: usize| {
        fields.get(i).is_some_and(|f| {
            f.metadata().contains_key(META_DOMAIN) && !f.metadata().contains_key(META_TEXT_OF)
        })
    };
    // Prefer reporting the plain item column as the key.
    if is_item(second) {
        (name(second), name(first))
    } else {
        (name(first), name(second))
    }
}

fn after_kind(item: &Item) -> ColumnKind {
    match item.domain {
        DomainType::Amount if item.representation.is_numeric() => {
            // Decimal128(digits, scale); a `P` scale counts its zeros as digits.
            let digits = item.representation.digits().unwrap_or(38);
            let scale = item.representation.scale().unwrap_or(0);
            let precision = (i64::from(digits) + i64::from(scale.min(0)).abs()).clamp(1, 38);
            ColumnKind::Decimal(precision as u8, scale.clamp(0, 38) as i8)
        }
        DomainType::Amount => ColumnKind::Amount,
        DomainType::Date => match item.date_form {
            None | Some(DateForm::Auto | DateForm::Iso | DateForm::Yyyymmdd) => ColumnKind::Date,
            Some(_) => ColumnKind::Text,
        },
        _ => ColumnKind::Text,
    }
}

fn item_meta(item: &Item) -> Metadata {
    Metadata::new()
        .with(META_NAME, item.name.as_str())
        .with(META_DOMAIN, item.domain.as_str())
        .with(META_NUMBER, item.number.to_string())
}

/// The schema of `changes.parquet`: `record` UInt64 (non-null), `item` Utf8 (non-null),
/// `rule` Utf8 (non-null), `before` Utf8 (nullable), `after` Utf8 (nullable).
///
/// # Example
/// ```
/// let schema = ikou_convert::arrow::changes_schema();
/// let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
/// assert_eq!(names, ["record", "item", "rule", "before", "after"]);
/// ```
pub fn changes_schema() -> SchemaRef {
    Arc::new(Schema::new_with_metadata(
        vec![
            Field::new(RECORD_COLUMN, DataType::UInt64, false),
            Field::new("item", DataType::Utf8, false),
            Field::new("rule", DataType::Utf8, false),
            Field::new("before", DataType::Utf8, true),
            Field::new("after", DataType::Utf8, true),
        ],
        Metadata::from([(META_TABLE, "changes")]),
    ))
}
