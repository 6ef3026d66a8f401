//! Tests of the Arrow/Parquet sinks: everything is read back with the arrow-rs readers.

use std::io::{self, Cursor, Write};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type, UInt64Type};
use arrow_array::RecordBatch;
use arrow_ipc::reader::FileReader;
use arrow_schema::DataType;
use ikou_layout_spec::{
    Catalog, DateForm, DomainType, Family, Item, Layout, LengthUnit, Padding, PhysicalFormat,
    Status,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::FileReader as _;
use parquet::file::serialized_reader::SerializedFileReader;

use super::*;
use crate::sink::{RecordSink, Row, SinkError};

fn item(number: u32, key: &str, name: &str, domain: DomainType) -> Item {
    Item {
        number,
        name: name.to_string(),
        key: key.to_string(),
        domain,
        length: 10,
        unit: LengthUnit::Chars,
        offset: None,
        required: false,
        repeat: 1,
        code_table: None,
        date_form: None,
        padding: Padding::Spaces,
        zero_pad: false,
        note: None,
        official: None,
        representation: ikou_layout_spec::Representation::Display,
        host_kind: None,
        encoding: None,
    }
}

/// A small target layout with every kind of column: text, date (ISO), era date (text),
/// amount, kanji name.
fn layout() -> Layout {
    let mut era = item(4, "koshin_date", "更新日（和暦）", DomainType::Date);
    era.date_form = Some(DateForm::EraCode1);
    let mut birth = item(2, "birth_date", "生年月日", DomainType::Date);
    birth.date_form = Some(DateForm::Iso);
    Layout {
        id: "standard/test".to_string(),
        name: "テスト".to_string(),
        gyomu: "住民基本台帳".to_string(),
        family: Family::Standard,
        source: "tests".to_string(),
        version: "0.9".to_string(),
        status: Status::Synthetic,
        encoding: "utf-8".to_string(),
        format: PhysicalFormat::Delimited {
            delimiter: b',',
            quote: Some(b'"'),
            header_rows: 1,
            terminator: Default::default(),
        },
        items: vec![
            item(1, "shimei", "氏名", DomainType::KanjiName),
            birth,
            item(3, "kingaku", "金額", DomainType::Amount),
            era,
        ],
        record_types: None,
        note: None,
        official: None,
    }
}

/// A row that owns its values (a [`Row`] borrows them).
#[derive(Debug, Clone)]
struct Owned {
    record: u64,
    offset: u64,
    values: Vec<Option<String>>,
    raw: Option<Vec<u8>>,
}

impl Owned {
    fn row(&self) -> Row<'_> {
        Row {
            record: self.record,
            offset: self.offset,
            values: &self.values,
            raw: self.raw.as_deref(),
            skipped: 0,
        }
    }
}

/// Borrowed rows of owned ones.
fn rows_of(owned: &[Owned]) -> Vec<Row<'_>> {
    owned.iter().map(Owned::row).collect()
}

fn row(record: u64, values: &[Option<&str>]) -> Owned {
    Owned {
        record,
        offset: (record - 1) * 302,
        values: values.iter().map(|v| v.map(str::to_string)).collect(),
        raw: Some(format!("raw-{record}").into_bytes()),
    }
}

fn read_ipc(bytes: Vec<u8>) -> (arrow_schema::SchemaRef, Vec<RecordBatch>) {
    let reader = FileReader::try_new(Cursor::new(bytes), None).unwrap();
    let schema = reader.schema();
    (schema, reader.collect::<Result<Vec<_>, _>>().unwrap())
}

/// Parquet bytes as a file the readers can open (the crate has no `bytes` dependency).
fn parquet_file(bytes: &[u8]) -> std::fs::File {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "ikou-arrow-test-{}-{n}.parquet",
        std::process::id()
    ));
    std::fs::write(&path, bytes).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    // The open handle keeps the data readable (Unix); the name goes now.
    let _ = std::fs::remove_file(&path);
    file
}

/// Reads a whole Parquet file back as one batch (none if it has no rows).
fn read_parquet(bytes: Vec<u8>) -> (arrow_schema::SchemaRef, Vec<RecordBatch>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(parquet_file(&bytes))
        .unwrap()
        .with_batch_size(1 << 30);
    let schema = Arc::clone(builder.schema());
    let reader = builder.build().unwrap();
    (schema, reader.collect::<Result<Vec<_>, _>>().unwrap())
}

/// Column `col` of all batches as strings.
fn strings(batches: &[RecordBatch], col: usize) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            b.column(col)
                .as_string::<i32>()
                .iter()
                .map(|v| v.map(str::to_string))
        })
        .collect()
}

fn u64s(batches: &[RecordBatch], col: usize) -> Vec<u64> {
    batches
        .iter()
        .flat_map(|b| b.column(col).as_primitive::<UInt64Type>().values().to_vec())
        .collect()
}

fn i64s(batches: &[RecordBatch], col: usize) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| {
            b.column(col)
                .as_primitive::<Int64Type>()
                .iter()
                .collect::<Vec<_>>()
        })
        .collect()
}

fn dates(batches: &[RecordBatch], col: usize) -> Vec<Option<i32>> {
    batches
        .iter()
        .flat_map(|b| {
            b.column(col)
                .as_primitive::<Date32Type>()
                .iter()
                .collect::<Vec<_>>()
        })
        .collect()
}

fn binaries(batches: &[RecordBatch], col: usize) -> Vec<Option<Vec<u8>>> {
    batches
        .iter()
        .flat_map(|b| {
            b.column(col)
                .as_binary::<i32>()
                .iter()
                .map(|v| v.map(<[u8]>::to_vec))
        })
        .collect()
}

fn rows_in(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// The IPC batches hold the same table as the single Parquet batch (schema included).
fn same_rows(ipc: &[RecordBatch], parquet: &[RecordBatch]) {
    assert_eq!(parquet.len(), 1);
    assert_eq!(rows_in(ipc), parquet[0].num_rows());
    let mut offset = 0;
    // Fields (types, nullability, field metadata) agree; the Parquet reader's batches do not
    // carry schema-level metadata (its builder's schema does, checked elsewhere).
    assert_eq!(ipc[0].schema().fields(), parquet[0].schema().fields());
    for b in ipc {
        let p = parquet[0].slice(offset, b.num_rows());
        for (i, (x, y)) in b.columns().iter().zip(p.columns()).enumerate() {
            assert_eq!(x, y, "column {i}, rows from {offset}");
        }
        offset += b.num_rows();
    }
}

fn small(batch_rows: usize) -> ArrowOptions {
    ArrowOptions {
        batch_rows,
        ..ArrowOptions::default()
    }
}

fn after_rows() -> Vec<Owned> {
    vec![
        row(
            1,
            &[
                Some("山田　太郎"),
                Some("1955-03-14"),
                Some("1200"),
                Some("3300314"),
            ],
        ),
        row(2, &[Some("髙橋　花子"), Some("1955-03"), Some("-5"), None]),
        row(3, &[None, Some("1955"), None, Some("4010108")]),
        row(4, &[Some(""), None, Some(""), Some("")]),
        row(
            5,
            &[
                Some("佐藤"),
                Some("19891231"),
                Some("+9223372036854775807"),
                None,
            ],
        ),
        row(6, &[Some("鈴木"), Some("1955-00-00"), Some("0"), None]),
    ]
}

/// Checks the `after` table read back from either format.
fn check_after(schema: &arrow_schema::SchemaRef, batches: &[RecordBatch]) {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "record",
            "shimei",
            "birth_date",
            "birth_date__text",
            "kingaku",
            "koshin_date"
        ]
    );
    let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
    assert_eq!(
        types,
        [
            &DataType::UInt64,
            &DataType::Utf8,
            &DataType::Date32,
            &DataType::Utf8,
            &DataType::Int64,
            &DataType::Utf8
        ]
    );
    assert!(!schema.field(0).is_nullable());
    let birth = schema.field(2);
    assert_eq!(
        birth.metadata().get(META_NAME).map(String::as_str),
        Some("生年月日")
    );
    assert_eq!(
        birth.metadata().get(META_DOMAIN).map(String::as_str),
        Some("date")
    );
    assert_eq!(
        birth.metadata().get(META_NUMBER).map(String::as_str),
        Some("2")
    );
    assert_eq!(
        schema
            .field(3)
            .metadata()
            .get(META_TEXT_OF)
            .map(String::as_str),
        Some("birth_date")
    );
    assert_eq!(
        schema
            .field(4)
            .metadata()
            .get(META_NAME)
            .map(String::as_str),
        Some("金額")
    );
    let md = schema.metadata();
    assert_eq!(md.get(META_TABLE).map(String::as_str), Some("after"));
    assert_eq!(
        md.get(META_LAYOUT_ID).map(String::as_str),
        Some("standard/test")
    );
    assert_eq!(md.get(META_LAYOUT_VERSION).map(String::as_str), Some("0.9"));
    assert_eq!(
        md.get(META_LAYOUT_STATUS).map(String::as_str),
        Some("synthetic")
    );

    assert_eq!(rows_in(batches), 6);
    assert_eq!(u64s(batches, 0), [1, 2, 3, 4, 5, 6]);
    let shimei = strings(batches, 1);
    assert_eq!(shimei[0].as_deref(), Some("山田　太郎"));
    assert_eq!(shimei[1].as_deref(), Some("髙橋　花子"));
    assert_eq!(shimei[2], None);
    assert_eq!(
        shimei[3].as_deref(),
        Some(""),
        "an empty value stays an empty string"
    );
    // 1955-03-14 = -5407 days from 1970-01-01; 1989-12-31 = 7304.
    assert_eq!(
        dates(batches, 2),
        [Some(-5407), None, None, None, Some(7304), None]
    );
    let text = strings(batches, 3);
    let text: Vec<Option<&str>> = text.iter().map(Option::as_deref).collect();
    assert_eq!(
        text,
        [
            Some("1955-03-14"),
            Some("1955-03"),
            Some("1955"),
            None,
            Some("19891231"),
            Some("1955-00-00")
        ]
    );
    assert_eq!(
        i64s(batches, 4),
        [Some(1200), Some(-5), None, None, Some(i64::MAX), Some(0)]
    );
    let era = strings(batches, 5);
    assert_eq!(era[0].as_deref(), Some("3300314"));
    assert_eq!(era[1], None);
    assert_eq!(era[3].as_deref(), Some(""));
}

#[test]
fn after_ipc_reads_back_typed() {
    let schema = TableSchema::after(&layout()).unwrap();
    let mut sink = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &small(4)).unwrap();
    let owned = after_rows();
    let rows = rows_of(&owned);
    sink.write_rows(&rows[..1]).unwrap();
    sink.write_rows(&rows[1..]).unwrap();
    assert_eq!(sink.rows(), 6);
    let (schema, batches) = read_ipc(sink.finish_into_inner().unwrap());
    assert_eq!(batches.len(), 2, "batches of 4 rows");
    assert_eq!(batches[0].num_rows(), 4);
    check_after(&schema, &batches);
}

#[test]
fn after_parquet_reads_back_typed() {
    let schema = TableSchema::after(&layout()).unwrap();
    let mut sink = ParquetSink::new(&schema, Vec::new(), "after.parquet", &small(4)).unwrap();
    sink.write_rows(&rows_of(&after_rows())).unwrap();
    let bytes = sink.finish_into_inner().unwrap();
    let (schema, batches) = read_parquet(bytes.clone());
    check_after(&schema, &batches);
    let meta = SerializedFileReader::new(parquet_file(&bytes))
        .unwrap()
        .metadata()
        .file_metadata()
        .clone();
    assert_eq!(meta.created_by(), Some(CREATED_BY));
    assert_eq!(meta.num_rows(), 6);
    let kv = meta.key_value_metadata().unwrap();
    let keys: Vec<&str> = kv.iter().map(|kv| kv.key.as_str()).collect();
    // Schema metadata in the Parquet key/value list (sorted), then the embedded Arrow schema.
    assert_eq!(
        keys,
        [
            META_LAYOUT_ID,
            META_LAYOUT_NAME,
            META_LAYOUT_STATUS,
            META_LAYOUT_VERSION,
            META_TABLE,
            "ARROW:schema"
        ]
    );
}

#[test]
fn combined_sink_writes_the_same_table_twice() {
    let schema = TableSchema::after(&layout()).unwrap();
    let sink = ArrowParquetSink::new(
        &schema,
        Vec::new(),
        "after.arrow",
        Vec::new(),
        "after.parquet",
        &small(5),
    )
    .unwrap();
    let mut sink: Box<dyn RecordSink> = Box::new(sink);
    sink.write_rows(&rows_of(&after_rows())).unwrap();
    // Through the trait object: finish() consumes the box; use the typed path for bytes.
    sink.finish().unwrap();

    let mut sink = ArrowParquetSink::new(
        &schema,
        Vec::new(),
        "after.arrow",
        Vec::new(),
        "after.parquet",
        &small(5),
    )
    .unwrap();
    sink.write_rows(&rows_of(&after_rows())).unwrap();
    let (a, p) = sink.finish_into_inner().unwrap();
    let (sa, ba) = read_ipc(a.clone());
    let (sp, bp) = read_parquet(p.clone());
    check_after(&sa, &ba);
    check_after(&sp, &bp);
    same_rows(&ba, &bp);
    // The same bytes as the single-format sinks.
    let mut ipc = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &small(5)).unwrap();
    ipc.write_rows(&rows_of(&after_rows())).unwrap();
    assert_eq!(ipc.finish_into_inner().unwrap(), a);
    let mut pq = ParquetSink::new(&schema, Vec::new(), "after.parquet", &small(5)).unwrap();
    pq.write_rows(&rows_of(&after_rows())).unwrap();
    assert_eq!(pq.finish_into_inner().unwrap(), p);
}

#[test]
fn before_table_keeps_text_offsets_and_raw_bytes() {
    let catalog = Catalog::bundled().unwrap();
    let legacy = catalog.layout("legacy/sample-juki").unwrap();
    let schema = TableSchema::before(legacy).unwrap();
    let n = legacy.items.len();
    assert_eq!(schema.item_count(), n);
    let arrow = schema.arrow_schema();
    assert_eq!(arrow.fields().len(), n + 3);
    assert_eq!(arrow.field(0).name(), "record");
    assert_eq!(arrow.field(1).name(), "offset");
    assert_eq!(arrow.field(n + 2).name(), "raw");
    assert_eq!(arrow.field(n + 2).data_type(), &DataType::Binary);
    for (f, item) in arrow.fields().iter().skip(2).zip(&legacy.items) {
        assert_eq!(f.name(), &item.key);
        assert_eq!(
            f.data_type(),
            &DataType::Utf8,
            "before: every item is text, dates too"
        );
        assert_eq!(f.metadata().get(META_NAME), Some(&item.name));
        assert_eq!(
            f.metadata().get(META_DOMAIN).map(String::as_str),
            Some(item.domain.as_str())
        );
    }

    let raw0: Vec<u8> = (0..=255u8).chain([0x82, 0xa0, 0x0d, 0x0a]).collect();
    let owned: Vec<Owned> = (1..=3u64)
        .map(|r| Owned {
            record: r,
            offset: (r - 1) * 302,
            values: (0..n)
                .map(|i| {
                    if i == 1 && r == 2 {
                        None
                    } else {
                        Some(format!("ｱ{r}-{i}"))
                    }
                })
                .collect(),
            raw: match r {
                1 => Some(raw0.clone()),
                2 => None,
                _ => Some(Vec::new()),
            },
        })
        .collect();
    let mut sink = ArrowParquetSink::new(
        &schema,
        Vec::new(),
        "before.arrow",
        Vec::new(),
        "before.parquet",
        &small(2),
    )
    .unwrap();
    sink.write_rows(&rows_of(&owned)).unwrap();
    let (a, p) = sink.finish_into_inner().unwrap();
    for (schema, batches) in [read_ipc(a), read_parquet(p)] {
        assert_eq!(
            schema.metadata().get(META_TABLE).map(String::as_str),
            Some("before")
        );
        assert_eq!(
            schema.metadata().get(META_LAYOUT_ID).map(String::as_str),
            Some("legacy/sample-juki")
        );
        assert_eq!(rows_in(&batches), 3);
        assert_eq!(u64s(&batches, 0), [1, 2, 3]);
        assert_eq!(u64s(&batches, 1), [0, 302, 604]);
        let second = strings(&batches, 3);
        assert_eq!(second[0].as_deref(), Some("ｱ1-1"));
        assert_eq!(second[1], None);
        let last = strings(&batches, n + 1);
        assert_eq!(last[2], Some(format!("ｱ3-{}", n - 1)));
        assert_eq!(
            binaries(&batches, n + 2),
            [Some(raw0.clone()), None, Some(Vec::new())]
        );
    }
}

#[test]
fn bundled_target_layout_has_typed_dates() {
    let catalog = Catalog::bundled().unwrap();
    let target = catalog.layout("standard/jumin-kiroku-jumin").unwrap();
    let schema = TableSchema::after(target).unwrap().arrow_schema();
    let dates = target
        .items
        .iter()
        .filter(|i| i.domain == DomainType::Date)
        .count();
    assert!(dates > 0);
    assert_eq!(schema.fields().len(), 1 + target.items.len() + dates);
    for item in target.items.iter().filter(|i| i.domain == DomainType::Date) {
        assert_eq!(
            schema.field_with_name(&item.key).unwrap().data_type(),
            &DataType::Date32
        );
        let text = schema
            .field_with_name(&format!("{}__text", item.key))
            .unwrap();
        assert_eq!(text.data_type(), &DataType::Utf8);
    }
}

#[test]
fn bad_amount_and_bad_date_are_errors_naming_record_and_item() {
    let schema = TableSchema::after(&layout()).unwrap();
    let mut sink = ParquetSink::new(&schema, Vec::new(), "after.parquet", &small(100)).unwrap();
    sink.write_rows(&rows_of(&after_rows()[..2])).unwrap();
    let e = sink
        .write_rows(&[row(3, &[Some("x"), None, Some("1,200"), None]).row()])
        .unwrap_err();
    assert_eq!(e.output(), "after.parquet");
    assert!(
        e.to_string().contains("record 3") && e.to_string().contains("`kingaku`"),
        "{e}"
    );
    assert!(!e.to_string().contains("1,200"), "the value is masked: {e}");
    assert!(e.to_string().contains("*,***"), "{e}");
    // The sink refuses to go on after an error.
    let again = sink.write_rows(&rows_of(&after_rows()[2..3])).unwrap_err();
    assert!(again.to_string().contains("earlier error"), "{again}");
    assert!(sink.finish_into_inner().is_err());

    let mut sink = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &small(100)).unwrap();
    let e = sink
        .write_rows(&[row(9, &[None, Some("1955-02-30"), None, None]).row()])
        .unwrap_err();
    assert!(
        e.to_string().contains("record 9") && e.to_string().contains("`birth_date`"),
        "{e}"
    );
    assert!(!e.to_string().contains("1955"), "{e}");

    let mut sink = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &small(100)).unwrap();
    let e = sink.write_rows(&[row(4, &[None, None]).row()]).unwrap_err();
    assert!(
        e.to_string().contains("record 4") && e.to_string().contains("2 values for 4 items"),
        "{e}"
    );
}

#[test]
fn a_bad_row_leaves_earlier_rows_intact_in_the_batch() {
    // The failing row is rejected before anything is appended; the sink is then closed
    // for business, but the builders never hold columns of unequal length (no panic).
    let schema = TableSchema::after(&layout()).unwrap();
    let mut sink = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &small(100)).unwrap();
    let bad = row(2, &[Some("ok"), Some("1955-01-01"), Some("x"), None]);
    assert!(sink
        .write_rows(&[after_rows()[0].row(), bad.row()])
        .is_err());
    assert_eq!(sink.rows(), 1);
    assert_eq!(sink.core.batcher.len(), 1);
}

#[test]
fn reserved_column_names_are_refused() {
    let mut l = layout();
    l.items
        .push(item(9, "record", "レコード", DomainType::Text));
    let e = TableSchema::after(&l).unwrap_err();
    assert_eq!((e.key.as_str(), e.column.as_str()), ("record", "record"));
    let mut l = layout();
    l.items
        .push(item(9, "birth_date__text", "x", DomainType::Text));
    let e = TableSchema::after(&l).unwrap_err();
    assert_eq!(e.key, "birth_date__text");
    // Only a problem for the after table: the before table has no __text columns.
    assert!(TableSchema::before(&l).is_ok());
    let mut l = layout();
    l.items.push(item(9, "raw", "生", DomainType::Text));
    assert!(TableSchema::before(&l).is_err());
    assert!(TableSchema::after(&l).is_ok());
}

/// Synthetic `before` rows shaped like the bundled legacy layout.
fn many_rows(n: u64, items: usize) -> Vec<Owned> {
    (1..=n)
        .map(|r| Owned {
            record: r,
            offset: (r - 1) * 302,
            values: (0..items)
                .map(|i| match (r + i as u64) % 7 {
                    0 => None,
                    k => Some(format!("値{}-{}", (r * 31 + i as u64 * 17) % (1000 * k), i)),
                })
                .collect(),
            raw: Some(
                (0..300)
                    .map(|i| ((r as usize * 7 + i) % 251) as u8)
                    .collect(),
            ),
        })
        .collect()
}

#[test]
fn many_batches_across_row_groups_and_determinism() {
    let catalog = Catalog::bundled().unwrap();
    let legacy = catalog.layout("legacy/sample-juki").unwrap();
    let schema = TableSchema::before(legacy).unwrap();
    let owned = many_rows(200_000, legacy.items.len());
    let rows = rows_of(&owned);
    let options = ArrowOptions {
        batch_rows: 16_384,
        row_group_rows: 50_000,
        row_group_bytes: 4 * 1024 * 1024,
        metadata: [("ikou.profile".to_string(), "sample-juki".to_string())].into(),
        ..ArrowOptions::default()
    };
    let write = || {
        let mut sink = ArrowParquetSink::new(
            &schema,
            Vec::new(),
            "before.arrow",
            Vec::new(),
            "before.parquet",
            &options,
        )
        .unwrap();
        for chunk in rows.chunks(10_000) {
            sink.write_rows(chunk).unwrap();
        }
        assert_eq!(sink.rows(), 200_000);
        sink.finish_into_inner().unwrap()
    };
    let (a1, p1) = write();
    let (a2, p2) = write();
    assert!(a1 == a2, "IPC bytes differ between two runs");
    assert!(p1 == p2, "Parquet bytes differ between two runs");

    let reader = SerializedFileReader::new(parquet_file(&p1)).unwrap();
    let groups = reader.metadata().row_groups();
    assert!(groups.len() >= 4, "{} row groups", groups.len());
    assert!(groups.iter().all(|g| g.num_rows() <= 50_000));
    assert_eq!(groups.iter().map(|g| g.num_rows()).sum::<i64>(), 200_000);

    let (sa, ba) = read_ipc(a1);
    assert_eq!(ba.len(), 13, "200000 rows in batches of 16384");
    assert_eq!(
        sa.metadata().get("ikou.profile").map(String::as_str),
        Some("sample-juki")
    );
    let (sp, bp) = read_parquet(p1);
    assert_eq!(
        sp.metadata().get("ikou.profile").map(String::as_str),
        Some("sample-juki")
    );
    same_rows(&ba, &bp);
    assert!(u64s(&ba, 0).into_iter().eq(1..=200_000u64));
    // Every value against the input.
    for i in 0..legacy.items.len() {
        let col = strings(&ba, 2 + i);
        assert!(
            col.iter().zip(&owned).all(|(v, r)| v == &r.values[i]),
            "item {i}"
        );
    }
    let raw = binaries(&bp, legacy.items.len() + 2);
    assert!(raw.iter().zip(&owned).all(|(v, r)| v == &r.raw));
}

#[test]
fn empty_outputs_are_valid_files() {
    let schema = TableSchema::after(&layout()).unwrap();
    let sink = ArrowParquetSink::new(
        &schema,
        Vec::new(),
        "a",
        Vec::new(),
        "p",
        &ArrowOptions::default(),
    )
    .unwrap();
    let (a, p) = sink.finish_into_inner().unwrap();
    let (sa, ba) = read_ipc(a);
    assert!(ba.is_empty());
    assert_eq!(sa.fields().len(), 6);
    let (sp, bp) = read_parquet(p);
    assert!(bp.is_empty());
    assert_eq!(sp.fields().len(), 6);
    let c =
        ChangesParquetSink::new(Vec::new(), "changes.parquet", &ArrowOptions::default()).unwrap();
    let (sc, bc) = read_parquet(c.finish().unwrap());
    assert!(bc.is_empty());
    assert_eq!(sc.fields().len(), 5);
}

#[test]
fn changes_parquet_reads_back() {
    let rules: Vec<String> = (0..5).map(|k| format!("rule.{k}")).collect();
    let texts: Vec<(String, String)> = (1..=25_000u64)
        .map(|r| (format!("ﾔﾏﾀﾞ{r}"), format!("ヤマダ{r}")))
        .collect();
    let changes: Vec<ChangeRow> = (1..=25_000u64)
        .zip(&texts)
        .map(|(r, (before, after))| ChangeRow {
            record: r / 3 + 1,
            item: ["shimei_kana", "birth_date", "address"][(r % 3) as usize],
            rule: &rules[(r % 5) as usize],
            before: (r % 11 != 0).then_some(before.as_str()),
            after: (r % 13 != 0).then_some(after.as_str()),
        })
        .collect();
    let write = || {
        let mut sink =
            ChangesParquetSink::new(Vec::new(), "changes.parquet", &small(4096)).unwrap();
        for chunk in changes.chunks(999) {
            sink.write_changes(chunk).unwrap();
        }
        assert_eq!(sink.changes(), 25_000);
        sink.finish().unwrap()
    };
    let bytes = write();
    assert!(bytes == write(), "changes.parquet is not deterministic");
    let (schema, batches) = read_parquet(bytes);
    assert_eq!(schema.as_ref(), changes_schema().as_ref());
    assert_eq!(rows_in(&batches), 25_000);
    let (record, item, rule) = (
        u64s(&batches, 0),
        strings(&batches, 1),
        strings(&batches, 2),
    );
    let (before, after) = (strings(&batches, 3), strings(&batches, 4));
    for (i, c) in changes.iter().enumerate() {
        assert_eq!(record[i], c.record);
        assert_eq!(item[i].as_deref(), Some(c.item));
        assert_eq!(rule[i].as_deref(), Some(c.rule));
        assert_eq!(before[i].as_deref(), c.before);
        assert_eq!(after[i].as_deref(), c.after);
    }
}

/// A writer that fails once `limit` bytes have been written; counts attempts.
#[derive(Clone)]
struct FailAfter {
    limit: usize,
    written: Arc<Mutex<usize>>,
}

impl FailAfter {
    fn new(limit: usize) -> FailAfter {
        FailAfter {
            limit,
            written: Arc::new(Mutex::new(0)),
        }
    }
}

impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut w = self.written.lock().unwrap();
        if *w >= self.limit {
            return Err(io::Error::other("disk full (injected)"));
        }
        let n = buf.len().min(self.limit - *w);
        *w += n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Limits at which to fail a file of `size` bytes: before anything, inside the header,
/// in the middle, one byte short of the footer's end.
fn limits(size: usize) -> [usize; 5] {
    [0, 5, size / 3, size * 2 / 3, size - 1]
}

#[test]
fn failing_writer_gives_a_sink_error_not_a_panic() {
    let catalog = Catalog::bundled().unwrap();
    let legacy = catalog.layout("legacy/sample-juki").unwrap();
    let schema = TableSchema::before(legacy).unwrap();
    let owned = many_rows(20_000, legacy.items.len());
    let rows = rows_of(&owned);
    let options = ArrowOptions {
        batch_rows: 1000,
        row_group_rows: 5000,
        ..ArrowOptions::default()
    };
    let expect_error = |result: Result<(), SinkError>, output: &str, limit: usize| {
        let e = result
            .err()
            .unwrap_or_else(|| panic!("{output}, limit {limit}: no error"));
        assert_eq!(e.output(), output, "limit {limit}");
        assert!(
            e.to_string().contains("disk full"),
            "{output}, limit {limit}: {e}"
        );
    };

    let mut full = ArrowIpcSink::new(&schema, Vec::new(), "before.arrow", &options).unwrap();
    full.write_rows(&rows).unwrap();
    for limit in limits(full.finish_into_inner().unwrap().len()) {
        let result = ArrowIpcSink::new(&schema, FailAfter::new(limit), "before.arrow", &options)
            .and_then(|mut s| s.write_rows(&rows).and_then(|()| s.finish_into_inner()));
        expect_error(result.map(drop), "before.arrow", limit);
    }

    let mut full = ParquetSink::new(&schema, Vec::new(), "before.parquet", &options).unwrap();
    full.write_rows(&rows).unwrap();
    for limit in limits(full.finish_into_inner().unwrap().len()) {
        let result = ParquetSink::new(&schema, FailAfter::new(limit), "before.parquet", &options)
            .and_then(|mut s| s.write_rows(&rows).and_then(|()| s.finish_into_inner()));
        expect_error(result.map(drop), "before.parquet", limit);
        // Both files from one sink: the failing one is named.
        let result = ArrowParquetSink::new(
            &schema,
            Vec::new(),
            "before.arrow",
            FailAfter::new(limit),
            "before.parquet",
            &options,
        )
        .and_then(|mut s| s.write_rows(&rows).and_then(|()| s.finish_into_inner()));
        expect_error(result.map(drop), "before.parquet", limit);
    }

    let texts: Vec<String> = (0..50_000u64).map(|r| r.to_string()).collect();
    let changes: Vec<ChangeRow> = (0..50_000u64)
        .zip(&texts)
        .map(|(r, t)| ChangeRow {
            record: r,
            item: "a",
            rule: "r",
            before: Some(t),
            after: None,
        })
        .collect();
    let mut full = ChangesParquetSink::new(Vec::new(), "changes.parquet", &small(1000)).unwrap();
    full.write_changes(&changes).unwrap();
    for limit in limits(full.finish().unwrap().len()) {
        let result =
            ChangesParquetSink::new(FailAfter::new(limit), "changes.parquet", &small(1000))
                .and_then(|mut s| s.write_changes(&changes).and_then(|()| s.finish()));
        expect_error(result.map(drop), "changes.parquet", limit);
    }
}

#[test]
fn sinks_are_send_and_usable_as_trait_objects() {
    fn boxed<S: RecordSink + 'static>(s: S) -> Box<dyn RecordSink> {
        Box::new(s)
    }
    let schema = TableSchema::before(&layout()).unwrap();
    let options = ArrowOptions::default();
    let sinks = vec![
        boxed(ArrowIpcSink::new(&schema, Vec::new(), "a", &options).unwrap()),
        boxed(ParquetSink::new(&schema, Vec::new(), "p", &options).unwrap()),
        boxed(ArrowParquetSink::new(&schema, Vec::new(), "a", Vec::new(), "p", &options).unwrap()),
    ];
    for mut s in sinks {
        s.write_rows(&rows_of(&after_rows())).unwrap();
        s.finish().unwrap();
    }
}

#[test]
fn statistics_on_record_only_and_optional_dictionary() {
    let catalog = Catalog::bundled().unwrap();
    let legacy = catalog.layout("legacy/sample-juki").unwrap();
    let schema = TableSchema::before(legacy).unwrap();
    // Values that repeat a lot: a dictionary shrinks the code-like columns.
    let owned: Vec<Owned> = (1..=20_000u64)
        .map(|r| Owned {
            record: r,
            offset: r * 302,
            values: (0..legacy.items.len())
                .map(|i| Some(format!("{}", (r + i as u64) % 3)))
                .collect(),
            raw: None,
        })
        .collect();
    let rows = rows_of(&owned);
    let write = |options: &ArrowOptions| {
        let mut sink = ParquetSink::new(&schema, Vec::new(), "before.parquet", options).unwrap();
        sink.write_rows(&rows).unwrap();
        sink.finish_into_inner().unwrap()
    };
    let plain = write(&ArrowOptions::default());
    let dict = write(&ArrowOptions {
        dictionary: true,
        item_statistics: true,
        ..ArrowOptions::default()
    });
    assert!(
        dict.len() < plain.len(),
        "dictionary {} vs plain {}",
        dict.len(),
        plain.len()
    );
    let (_, a) = read_parquet(plain.clone());
    let (_, b) = read_parquet(dict.clone());
    assert_eq!(a, b);

    let stats = |bytes: &[u8], column: usize| {
        let reader = SerializedFileReader::new(parquet_file(bytes)).unwrap();
        reader
            .metadata()
            .row_group(0)
            .column(column)
            .statistics()
            .is_some()
    };
    let sex = 2 + legacy.item_index("sex").unwrap();
    assert!(stats(&plain, 0), "record has statistics");
    assert!(stats(&plain, 1), "offset has statistics");
    assert!(!stats(&plain, sex), "items have none by default");
    assert!(stats(&dict, sex), "items have them when asked");
}

#[test]
fn parquet_encodings_statistics_and_no_page_index() {
    let schema = TableSchema::after(&layout()).unwrap();
    let mut sink = ParquetSink::new(&schema, Vec::new(), "after.parquet", &small(4)).unwrap();
    sink.write_rows(&rows_of(&after_rows())).unwrap();
    let bytes = sink.finish_into_inner().unwrap();
    let reader = SerializedFileReader::new(parquet_file(&bytes)).unwrap();
    let group = reader.metadata().row_group(0);
    let encodings = |column: usize| group.column(column).encodings().collect::<Vec<_>>();
    // record, shimei, birth_date (Date32), birth_date__text, kingaku (Int64), koshin_date.
    assert!(encodings(0).contains(&Encoding::DELTA_BINARY_PACKED));
    for text in [1, 3, 5] {
        assert!(
            encodings(text).contains(&Encoding::DELTA_LENGTH_BYTE_ARRAY),
            "column {text}: {:?}",
            encodings(text)
        );
        assert!(!encodings(text).contains(&Encoding::PLAIN));
    }
    for typed in [2, 4] {
        assert!(
            encodings(typed).contains(&Encoding::PLAIN),
            "column {typed}"
        );
    }
    assert!(
        group.column(0).statistics().is_some(),
        "record: row-group min/max"
    );
    for c in group.columns() {
        assert!(c.offset_index_offset().is_none(), "{}", c.column_path());
        assert!(c.column_index_offset().is_none(), "{}", c.column_path());
    }
    // The raw bytes of the before table are delta-length encoded too.
    let before = TableSchema::before(&layout()).unwrap();
    let mut sink = ParquetSink::new(&before, Vec::new(), "before.parquet", &small(4)).unwrap();
    sink.write_rows(&rows_of(&after_rows())).unwrap();
    let bytes = sink.finish_into_inner().unwrap();
    let reader = SerializedFileReader::new(parquet_file(&bytes)).unwrap();
    let raw = reader.metadata().row_group(0).column(2 + 4);
    assert_eq!(raw.column_path().string(), RAW_COLUMN);
    assert!(raw
        .encodings()
        .any(|e| e == Encoding::DELTA_LENGTH_BYTE_ARRAY));
    let (_, batches) = read_parquet(bytes);
    assert_eq!(
        binaries(&batches, 6)[0].as_deref(),
        Some(&b"raw-1"[..]),
        "raw bytes read back"
    );
}

#[test]
fn data_pages_are_cut_at_data_page_bytes() {
    let catalog = Catalog::bundled().unwrap();
    let legacy = catalog.layout("legacy/sample-juki").unwrap();
    let schema = TableSchema::before(legacy).unwrap();
    let owned = many_rows(20_000, legacy.items.len());
    let rows = rows_of(&owned);
    // Pages of the `raw` column (300 bytes a row, about 6 MB) with a page size.
    let pages = |data_page_bytes: usize| {
        let options = ArrowOptions {
            data_page_bytes,
            ..ArrowOptions::default()
        };
        let mut sink = ParquetSink::new(&schema, Vec::new(), "before.parquet", &options).unwrap();
        sink.write_rows(&rows).unwrap();
        let bytes = sink.finish_into_inner().unwrap();
        let reader = SerializedFileReader::new(parquet_file(&bytes)).unwrap();
        let raw = legacy.items.len() + 2;
        let mut n = 0;
        for g in 0..reader.num_row_groups() {
            let group = reader.get_row_group(g).unwrap();
            n += group.get_column_page_reader(raw).unwrap().count();
        }
        // Whatever the page size, the same rows read back.
        let (_, batches) = read_parquet(bytes);
        assert_eq!(rows_in(&batches), 20_000);
        assert!(binaries(&batches, raw)
            .iter()
            .zip(&owned)
            .all(|(v, r)| v == &r.raw));
        n
    };
    // The writer cuts a page once it has passed the limit: pages average at most a few
    // times the limit, never the writer's own 1 MiB default.
    for limit in [16 * 1024, 64 * 1024] {
        let n = pages(limit);
        assert!(
            n * limit * 4 >= 6_000_000,
            "{n} pages for 6 MB with a limit of {limit} bytes"
        );
        assert!(n * (1 << 20) / 2 > 6_000_000, "{n} pages of {limit} bytes");
    }
}

/// Issue 18: a batch is bounded by bytes as well as rows. Many items: the row count per
/// batch (and the builders' capacity) drops so that a batch's fixed slots fit the byte
/// limit; long values: a batch ends once its values pass the limit. Every row is written.
#[test]
fn issue18_batches_are_bounded_by_bytes() {
    // 4,000 text items (under MAX_COLUMNS): 16 KB of offsets per row, so 24 KiB batches
    // hold one row.
    let mut wide = layout();
    wide.items = (1..=4_000)
        .map(|i| item(i, &format!("k{i}"), &format!("項目{i}"), DomainType::Text))
        .collect();
    let schema = TableSchema::after(&wide).unwrap();
    let options = ArrowOptions {
        batch_bytes: 24 * 1024,
        ..small(2048)
    };
    let batcher = Batcher::new(&schema, Arc::clone(&schema.schema), 2048, 24 * 1024);
    assert_eq!(batcher.batch_rows(), 1, "24 KiB / 16 KB per row");
    let owned: Vec<Owned> = (1..=5)
        .map(|r| Owned {
            record: r,
            offset: 0,
            values: vec![Some("a".to_string()); 4_000],
            raw: None,
        })
        .collect();
    let mut sink = ArrowIpcSink::new(&schema, Vec::new(), "after.arrow", &options).unwrap();
    sink.write_rows(&rows_of(&owned)).unwrap();
    let (_, batches) = read_ipc(sink.finish_into_inner().unwrap());
    assert_eq!(batches.len(), 5);
    assert_eq!(rows_in(&batches), 5);

    // 4 items, values of 100 KB: a 1 MiB batch holds 3 rows (the row that crosses the
    // limit ends it), not 2,048.
    let narrow = TableSchema::before(&layout()).unwrap();
    let big = "x".repeat(100_000);
    let owned: Vec<Owned> = (1..=30)
        .map(|r| Owned {
            record: r,
            offset: 0,
            values: vec![Some(big.clone()); 4],
            raw: Some(vec![b'r'; 10]),
        })
        .collect();
    let options = ArrowOptions {
        batch_bytes: 1 << 20,
        ..small(2048)
    };
    let mut sink = ArrowIpcSink::new(&narrow, Vec::new(), "before.arrow", &options).unwrap();
    sink.write_rows(&rows_of(&owned)).unwrap();
    let (_, batches) = read_ipc(sink.finish_into_inner().unwrap());
    assert_eq!(rows_in(&batches), 30);
    assert!(
        batches.iter().all(|b| b.num_rows() == 3),
        "3 rows of 400 KB per MiB"
    );
}

/// Issue 18: `changes.parquet` batches are bounded by bytes too.
#[test]
fn issue18_change_batches_are_bounded_by_bytes() {
    let options = ArrowOptions {
        batch_bytes: 1 << 20,
        ..small(2048)
    };
    let mut sink = ChangesParquetSink::new(Vec::new(), "changes.parquet", &options).unwrap();
    let big = "y".repeat(300_000);
    let change = |r| ChangeRow {
        record: r,
        item: "shimei",
        rule: "width.fullwidth",
        before: Some(&big),
        after: Some(&big),
    };
    // 600 KB per change: the second one passes 1 MiB and the batch is written.
    sink.write_changes(&[change(1)]).unwrap();
    assert_eq!(sink.pending_rows(), 1);
    sink.write_changes(&[change(2)]).unwrap();
    assert_eq!(
        sink.pending_rows(),
        0,
        "written at the byte limit, not at 2,048 rows"
    );
    sink.write_changes(&[change(3)]).unwrap();
    assert_eq!(sink.changes(), 3);
    let bytes = sink.finish().unwrap();
    let (_, batches) = read_parquet(bytes);
    assert_eq!(rows_in(&batches), 3);
}

/// #18 (bounds): the row groups of a very wide table are sized by its column count, so the
/// footer entries the writer keeps until the file closes (one per row group × column,
/// ≈ 0.75 KB each) grow at most about as fast as the data: each closed row group holds at
/// least about [`PARQUET_CHUNK_FOOTER_BYTES`] per column. Before, the configured size alone
/// closed a row group every few rows of a wide table (here 1 MiB: ~10 rows of 4,000
/// one-byte items, 4,000 footer entries each).
#[test]
fn issue18_bounds_wide_tables_get_row_groups_sized_by_their_columns() {
    assert_eq!(parquet_row_group_bytes(40, 16 << 20), 16 << 20);
    assert_eq!(parquet_row_group_bytes(100_003, 16 << 20), 100_003 * 1024);
    assert_eq!(
        parquet_row_group_bytes(10_000_000, 16 << 20),
        MAX_WIDE_ROW_GROUP_BYTES
    );
    assert_eq!(parquet_row_group_bytes(0, 0), 1);
    let n = 4_000;
    let mut wide = layout();
    wide.items = (1..=n)
        .map(|i| item(i, &format!("i{i}"), &format!("i{i}"), DomainType::Text))
        .collect();
    let schema = TableSchema::before(&wide).unwrap();
    let columns = schema.schema.fields().len();
    let owned: Vec<Owned> = (1..=600u64)
        .map(|r| Owned {
            record: r,
            offset: (r - 1) * (n as u64 + 2),
            values: (0..n)
                .map(|i| Some(((i as u64 + r) % 10).to_string()))
                .collect(),
            raw: Some(vec![b'a'; n as usize]),
        })
        .collect();
    let rows = rows_of(&owned);
    // Batches of a few rows, as a 100,000-item layout gets from the 8 MiB batch bound.
    let options = ArrowOptions {
        row_group_bytes: 1 << 20,
        batch_bytes: 64 << 10,
        ..ArrowOptions::default()
    };
    let mut sink = ParquetSink::new(&schema, Vec::new(), "before.parquet", &options).unwrap();
    for chunk in rows.chunks(50) {
        sink.write_rows(chunk).unwrap();
    }
    let bytes = sink.finish_into_inner().unwrap();
    let reader = SerializedFileReader::new(parquet_file(&bytes)).unwrap();
    let groups = reader.metadata().row_groups();
    assert_eq!(groups.iter().map(|g| g.num_rows()).sum::<i64>(), 600);
    let sizes: Vec<(i64, i64)> = groups
        .iter()
        .map(|g| (g.num_rows(), g.total_byte_size()))
        .collect();
    // Footer entries at most one per KiB of data (plus the last, open group's).
    let data: i64 = sizes.iter().map(|s| s.1).sum();
    let entries = groups.len() * columns;
    assert!(
        entries <= data as usize / 1024 + columns,
        "{} row groups × {columns} columns for {data} bytes of data: {sizes:?}",
        groups.len()
    );
    // The rows read back.
    let (_, batches) = read_parquet(bytes);
    assert_eq!(rows_in(&batches), 600);
}

/// A layout of `n` text items (`i1` … `in`), and every fourth a date when `dates`.
fn wide_layout(n: u32, dates: bool) -> Layout {
    let mut wide = layout();
    wide.items = (1..=n)
        .map(|i| {
            let domain = if dates && i % 4 == 0 {
                DomainType::Date
            } else {
                DomainType::Text
            };
            item(i, &format!("i{i}"), &format!("i{i}"), domain)
        })
        .collect();
    wide
}

/// [`column_count`] is what [`TableSchema::new`] builds, for the bundled layouts (both
/// tables) and for layouts with dates (their `__text` companions).
#[test]
fn issue18_wide_column_count_is_the_schema_width() {
    let catalog = Catalog::bundled().unwrap();
    let mut seen = 0;
    for layout in catalog.layouts() {
        for table in [Table::Before, Table::After] {
            let schema = TableSchema::new(layout, table).unwrap();
            assert_eq!(
                column_count(layout, table),
                schema.schema.fields().len(),
                "{} {table}",
                layout.id
            );
            assert!(
                column_count(layout, table) <= MAX_COLUMNS / 8,
                "{}",
                layout.id
            );
            seen += 1;
        }
    }
    assert!(seen >= 4, "{seen}");
    let dated = wide_layout(100, true);
    assert_eq!(column_count(&dated, Table::After), 1 + 100 + 25);
    assert_eq!(column_count(&dated, Table::Before), 103);
    assert_eq!(
        TableSchema::after(&dated).unwrap().schema.fields().len(),
        126
    );
}

/// Issue #18: an Arrow/Parquet file has at most [`MAX_COLUMNS`] columns. A table one
/// column wider is refused by every sink before anything is written (the error names the
/// layout, its item count, the columns, the cap and the CSV alternative); a table of
/// exactly [`MAX_COLUMNS`] columns is written and reads back. Without the cap a
/// 100,000-item layout's `before.parquet` grew with the input (its footer).
#[test]
fn issue18_wide_tables_are_capped_at_max_columns() {
    // `before`: items + 3 columns.
    let at_cap = wide_layout((MAX_COLUMNS - 3) as u32, false);
    let over = wide_layout((MAX_COLUMNS - 2) as u32, false);
    assert_eq!(check_columns(&at_cap, Table::Before), Ok(MAX_COLUMNS));
    let e = check_columns(&over, Table::Before).unwrap_err();
    assert_eq!(e.columns, MAX_COLUMNS + 1);
    let message = e.to_string();
    for part in [
        "layout standard/test has 4094 items",
        "4097 columns",
        "4096 columns an Arrow or Parquet output may have",
        "--outputs minimal",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    // `after`: items + dates + 1.
    let dated = wide_layout(3_280, true);
    assert_eq!(column_count(&dated, Table::After), 1 + 3_280 + 820);
    assert!(check_columns(&dated, Table::After).is_err());

    let options = ArrowOptions::default();
    let schema = TableSchema::before(&over).unwrap();
    let refused = [
        ArrowIpcSink::new(&schema, Vec::new(), "before.arrow", &options).err(),
        ParquetSink::new(&schema, Vec::new(), "before.parquet", &options).err(),
        ArrowParquetSink::new(
            &schema,
            Vec::new(),
            "before.arrow",
            Vec::new(),
            "before.parquet",
            &options,
        )
        .err(),
    ];
    for e in refused {
        let e = e.expect("a table over the cap is refused");
        assert!(e.to_string().contains("4097 columns"), "{e}");
    }

    let schema = TableSchema::before(&at_cap).unwrap();
    let n = at_cap.items.len();
    let owned: Vec<Owned> = (1..=3u64)
        .map(|r| Owned {
            record: r,
            offset: (r - 1) * n as u64,
            values: (0..n).map(|i| Some((i % 10).to_string())).collect(),
            raw: Some(vec![b'a'; n]),
        })
        .collect();
    let rows = rows_of(&owned);
    let mut sink = ArrowParquetSink::new(
        &schema,
        Vec::new(),
        "before.arrow",
        Vec::new(),
        "before.parquet",
        &options,
    )
    .unwrap();
    sink.write_rows(&rows).unwrap();
    let (_, parquet) = sink.finish_into_inner().unwrap();
    let (read_schema, batches) = read_parquet(parquet);
    assert_eq!(read_schema.fields().len(), MAX_COLUMNS);
    assert_eq!(rows_in(&batches), 3);
}
