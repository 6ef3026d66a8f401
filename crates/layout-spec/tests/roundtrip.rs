//! Layouts written with `layout_to_toml` load back as the same model.

#![allow(clippy::unwrap_used)] // tests may unwrap

use ikou_layout_spec::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Any Unicode text, including quotes, backslashes and control characters.
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 \"'\\\\\\t\\n住民記録　ｶﾅ]{0,16}"
    ]
}

fn name() -> impl Strategy<Value = String> {
    text().prop_filter("item names are not blank", |s| !s.trim().is_empty())
}

fn domain() -> impl Strategy<Value = DomainType> {
    prop::sample::select(DomainType::ALL.to_vec())
}

fn date_form() -> impl Strategy<Value = DateForm> {
    prop::sample::select(vec![
        DateForm::Auto,
        DateForm::EraCode1,
        DateForm::EraCode2,
        DateForm::EraLetter,
        DateForm::EraKanji,
        DateForm::Yyyymmdd,
        DateForm::Iso,
    ])
}

/// An item without number, key, unit and offset (filled in by the layout strategy).
fn item() -> impl Strategy<Value = Item> {
    (
        name(),
        domain(),
        1u32..=300,
        prop_oneof![4 => Just(1u32), 1 => 2u32..=5],
        any::<bool>(),
        prop::option::of("[a-z][a-z0-9_]{0,8}"),
        prop::option::of(date_form()),
        prop::bool::ANY.prop_map(|b| if b { Padding::Spaces } else { Padding::None }),
        any::<bool>(),
        prop::option::of(text()),
    )
        .prop_map(
            |(
                name,
                domain,
                length,
                repeat,
                required,
                code_table,
                form,
                padding,
                zero_pad,
                note,
            )| {
                Item {
                    number: 0,
                    name,
                    key: String::new(),
                    domain,
                    length,
                    unit: LengthUnit::Bytes,
                    offset: None,
                    required,
                    repeat,
                    code_table,
                    date_form: if domain == DomainType::Date {
                        form
                    } else {
                        None
                    },
                    padding,
                    zero_pad,
                    note,
                    official: None,
                    representation: Representation::Display,
                    host_kind: None,
                    encoding: None,
                }
            },
        )
}

fn numbered(items: Vec<Item>, numbers: Vec<u32>, prefix: &str) -> Vec<Item> {
    items
        .into_iter()
        .zip(numbers)
        .enumerate()
        .map(|(i, (mut it, n))| {
            it.number = n;
            it.key = format!("{prefix}{i}");
            it
        })
        .collect()
}

fn header() -> impl Strategy<
    Value = (
        Family,
        String,
        String,
        String,
        String,
        String,
        Status,
        String,
        Option<String>,
    ),
> {
    (
        prop::sample::select(vec![Family::Legacy, Family::Chukan, Family::Standard]),
        "[a-z0-9][a-z0-9_.-]{0,12}",
        text(),
        text(),
        text(),
        text(),
        prop::sample::select(vec![
            Status::Verified,
            Status::UnverifiedTranscription,
            Status::Synthetic,
        ]),
        prop::sample::select(vec!["cp932".to_string(), "utf-8".into(), "euc-jp".into()]),
        prop::option::of(text()),
    )
        .prop_map(|(f, n, name, gyomu, source, version, status, enc, note)| {
            (
                f,
                format!("{}/{n}", f.as_str()),
                name,
                gyomu,
                source,
                version,
                status,
                enc,
                note,
            )
        })
}

fn terminator() -> impl Strategy<Value = Terminator> {
    prop::sample::select(vec![
        Terminator::None,
        Terminator::Crlf,
        Terminator::Lf,
        Terminator::Cr,
        Terminator::Any,
    ])
}

/// A fixed-length layout: items laid out one after the other, then listed in any order;
/// sometimes with header and trailer record types.
fn fixed_layout() -> impl Strategy<Value = Layout> {
    (
        header(),
        prop::collection::vec(item(), 1..12),
        prop::collection::btree_set(0u32..100_000, 12),
        terminator(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_flat_map(|(h, items, numbers, term, multi, _)| {
            let mut items = numbered(items, numbers.into_iter().collect(), "k");
            if multi {
                // The selector: one byte at offset 0.
                if let Some(first) = items.first_mut() {
                    first.domain = DomainType::RecordType;
                    first.length = 1;
                    first.repeat = 1;
                    first.date_form = None;
                }
            }
            let mut offset = 0u32;
            for it in &mut items {
                it.offset = Some(offset);
                offset += it.length * it.repeat;
            }
            let record_length = offset;
            (
                Just((h, term, multi, record_length)),
                Just(items).prop_shuffle(),
                name(),
                name(),
            )
        })
        .prop_map(|((h, term, multi, record_length), items, n1, n2)| {
            let (family, id, name, gyomu, source, version, status, encoding, note) = h;
            let record_types = (multi && record_length >= 2).then(|| {
                let sub = |code: &str, count: bool| SubRecord {
                    role: if count {
                        RecordRole::Trailer
                    } else {
                        RecordRole::Header
                    },
                    code: code.to_string(),
                    items: vec![
                        Item {
                            number: 1,
                            name: n1.clone(),
                            key: "kind".into(),
                            domain: DomainType::RecordType,
                            length: 1,
                            unit: LengthUnit::Bytes,
                            offset: Some(0),
                            required: true,
                            repeat: 1,
                            code_table: None,
                            date_form: None,
                            padding: Padding::None,
                            zero_pad: false,
                            note: None,
                            official: None,
                            representation: Representation::Display,
                            host_kind: None,
                            encoding: None,
                        },
                        Item {
                            number: 2,
                            name: n2.clone(),
                            key: "rest".into(),
                            domain: if count {
                                DomainType::Amount
                            } else {
                                DomainType::Filler
                            },
                            length: record_length - 1,
                            unit: LengthUnit::Bytes,
                            offset: Some(1),
                            required: false,
                            repeat: 1,
                            code_table: None,
                            date_form: None,
                            padding: Padding::Spaces,
                            zero_pad: count,
                            note: None,
                            official: None,
                            representation: Representation::Display,
                            host_kind: None,
                            encoding: None,
                        },
                    ],
                    count_item: count.then(|| "rest".to_string()),
                };
                RecordTypes {
                    offset: 0,
                    length: 1,
                    data_code: "2".into(),
                    others: vec![sub("1", false), sub("9", true)],
                }
            });
            Layout {
                id,
                name,
                gyomu,
                family,
                source,
                version,
                status,
                encoding,
                format: PhysicalFormat::Fixed {
                    record_length,
                    terminator: term,
                },
                items,
                record_types,
                note,
                official: None,
            }
        })
}

fn delimited_layout() -> impl Strategy<Value = Layout> {
    (
        header(),
        prop::collection::vec(
            (
                item(),
                prop::bool::ANY.prop_map(|b| {
                    if b {
                        LengthUnit::Chars
                    } else {
                        LengthUnit::Bytes
                    }
                }),
            ),
            0..12,
        ),
        prop::collection::btree_set(1u32..1000, 12),
        prop::sample::select(vec![b',', b'\t', b'|', b';', b' ']),
        prop::option::of(prop::sample::select(vec![b'"', b'\''])),
        0u32..4,
        prop::sample::select(vec![
            Terminator::Crlf,
            Terminator::Lf,
            Terminator::Cr,
            Terminator::Any,
        ]),
    )
        .prop_map(
            |(h, items, numbers, delimiter, quote, header_rows, terminator)| {
                let (family, id, name, gyomu, source, version, status, encoding, note) = h;
                let (items, units): (Vec<Item>, Vec<LengthUnit>) = items.into_iter().unzip();
                let mut items = numbered(items, numbers.into_iter().collect(), "col_");
                for (it, u) in items.iter_mut().zip(units) {
                    it.unit = u;
                }
                Layout {
                    id,
                    name,
                    gyomu,
                    family,
                    source,
                    version,
                    status,
                    encoding,
                    format: PhysicalFormat::Delimited {
                        delimiter,
                        quote,
                        header_rows,
                        terminator,
                    },
                    items,
                    record_types: None,
                    note,
                    official: None,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn fixed_layouts_round_trip(layout in fixed_layout()) {
        let text = layout_to_toml(&layout);
        let back = parse_layout(&text, "gen.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, layout);
    }

    #[test]
    fn delimited_layouts_round_trip(layout in delimited_layout()) {
        let text = layout_to_toml(&layout);
        let back = parse_layout(&text, "gen.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, layout);
    }

    /// Whatever the text, loading reports errors and never panics.
    #[test]
    fn loading_arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse_layout(&text, "any.toml");
        let _ = parse_code_table(&text, "t", "any.csv");
    }
}

#[test]
fn bundled_layouts_round_trip() {
    let c = Catalog::bundled().unwrap();
    for l in c.layouts() {
        let text = layout_to_toml(l);
        assert_eq!(&parse_layout(&text, "copy.toml").unwrap(), l, "{}", l.id);
    }
}

fn official_item() -> impl Strategy<Value = OfficialItem> {
    (
        "[0-9]{8}",
        prop::sample::select(DataType::ALL.to_vec()),
        0u32..10,
        any::<bool>(),
        prop::option::of(text()),
        any::<bool>(),
        prop::option::of("standard/[a-z][a-z0-9-]{0,8}"),
        prop::option::of(text()),
    )
        .prop_map(
            |(
                item_id,
                data_type,
                scale,
                conditional,
                condition,
                primary_key,
                foreign_key,
                code_id,
            )| {
                OfficialItem {
                    item_id,
                    data_type,
                    scale: (data_type == DataType::Decimal).then_some(scale),
                    conditional,
                    condition,
                    primary_key,
                    foreign_key,
                    code_id,
                }
            },
        )
}

/// Delimited layouts whose items carry official definitions, with status `official-import`
/// and the digest of their item table.
fn official_layout() -> impl Strategy<Value = Layout> {
    (
        delimited_layout(),
        prop::collection::vec(prop::option::of(official_item()), 12),
        text(),
        text(),
        "[0-9a-f]{64}",
    )
        .prop_map(|(mut l, officials, file, sheet, sha256)| {
            for (it, o) in l.items.iter_mut().zip(officials) {
                it.official = o.map(|mut o| {
                    o.conditional &= !it.required;
                    o
                });
            }
            l.status = Status::OfficialImport;
            l.official = Some(OfficialSource {
                file,
                sheet,
                sha256,
                items_sha256: String::new(),
            });
            let digest = ikou_layout_spec::write::items_digest(&l);
            if let Some(o) = l.official.as_mut() {
                o.items_sha256 = digest;
            }
            l
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Issue 13: official item definitions (item id, data type, scale, conditional and its
    /// condition, keys, code id) and the `[official]` source survive write → load, and the
    /// item digest still matches after the round trip.
    #[test]
    fn issue13_official_layouts_round_trip(layout in official_layout()) {
        let text = layout_to_toml(&layout);
        let back = parse_layout(&text, "gen.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back.official_unedited(), Some(true));
        prop_assert_eq!(back, layout);
    }
}
