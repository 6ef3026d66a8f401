//! Issue #16: item storage in the layout model — number forms (zoned, packed, binary),
//! host item kinds (M / N / G), per-item encodings and the host encoding labels — loaded,
//! checked with positions, and written back.

#![allow(clippy::unwrap_used)] // tests may unwrap

use ikou_layout_spec::*;
use proptest::prelude::*;

const FILE: &str = "h.toml";

fn header(encoding: &str, record_length: u32) -> String {
    format!(
        "id = \"legacy/h\"\nname = \"ホスト\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\nencoding = \"{encoding}\"\n\n[format]\nkind = \"fixed\"\nrecord_length = {record_length}\nterminator = \"none\"\n"
    )
}

fn item(number: u32, key: &str, ty: &str, length: i64, extra: &str) -> String {
    format!(
        "\n[[items]]\nnumber = {number}\nname = \"項目{number}\"\nkey = \"{key}\"\ntype = \"{ty}\"\nlength = {length}\n{extra}"
    )
}

fn errors(text: &str) -> Vec<SpecError> {
    match parse_layout(text, FILE) {
        Ok(l) => panic!("expected errors, got {l:?}"),
        Err(e) => e.0,
    }
}

#[track_caller]
fn has(errs: &[SpecError], item: &str, pred: impl Fn(&SpecErrorKind) -> bool) {
    assert!(
        errs.iter().any(|e| e.position.file == FILE
            && e.position.line.is_some()
            && e.position.item.as_deref() == Some(item)
            && pred(&e.kind)),
        "no matching error for item {item} in:\n{}",
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn invalid_field(k: &SpecErrorKind, field: &str) -> bool {
    matches!(k, SpecErrorKind::InvalidField { field: f, .. } if f == field)
}

#[test]
fn issue16_every_host_label_is_a_layout_encoding_and_zones_default_by_it() {
    for label in HOST_ENCODINGS {
        let text = format!(
            "{}{}{}",
            header(label, 13),
            item(
                1,
                "amount",
                "amount",
                5,
                "representation = \"zoned\"\ndigits = 5\n"
            ),
            item(2, "name", "text", 8, "item_kind = \"N\"\n"),
        );
        let l = parse_layout(&text, FILE).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(l.encoding, *label);
        let zone = match l.items[0].representation {
            Representation::Zoned { zone, .. } => zone,
            other => panic!("{other:?}"),
        };
        let ascii = matches!(*label, "jef-ascii" | "jips-jis8");
        assert_eq!(zone == ZoneForm::Ascii, ascii, "{label}");
        assert_eq!(l.items[1].host_kind, Some(HostKind::N));
    }
    // In an open-system (CP932) file zoned digits are ASCII.
    let text = format!(
        "{}{}",
        header("cp932", 3),
        item(
            1,
            "n",
            "digits",
            3,
            "representation = \"zoned\"\ndigits = 3\n"
        )
    );
    let l = parse_layout(&text, FILE).unwrap();
    assert_eq!(
        l.items[0].representation,
        Representation::Zoned {
            digits: 3,
            scale: 0,
            sign: ZonedSign::None,
            zone: ZoneForm::Ascii
        }
    );
}

/// Every number form with its byte length, loaded and written back unchanged.
#[test]
fn issue16_number_forms_load_with_their_lengths_and_round_trip() {
    let items = [
        // (type, length, extra, expected representation)
        (
            "amount",
            7,
            "representation = \"zoned\"\ndigits = 7\ndecimals = 2\nsigned = true\n",
            Representation::Zoned {
                digits: 7,
                scale: 2,
                sign: ZonedSign::Trailing,
                zone: ZoneForm::Ebcdic,
            },
        ),
        (
            "amount",
            6,
            "representation = \"zoned\"\ndigits = 5\nsigned = true\nsign = \"leading_separate\"\nzone = \"ascii\"\n",
            Representation::Zoned {
                digits: 5,
                scale: 0,
                sign: ZonedSign::LeadingSeparate,
                zone: ZoneForm::Ascii,
            },
        ),
        (
            "amount",
            4,
            "representation = \"zoned\"\ndigits = 3\nsigned = true\nsign = \"trailing_separate\"\n",
            Representation::Zoned {
                digits: 3,
                scale: 0,
                sign: ZonedSign::TrailingSeparate,
                zone: ZoneForm::Ebcdic,
            },
        ),
        (
            "amount",
            2,
            "representation = \"zoned\"\ndigits = 2\nsigned = true\nsign = \"leading\"\n",
            Representation::Zoned {
                digits: 2,
                scale: 0,
                sign: ZonedSign::Leading,
                zone: ZoneForm::Ebcdic,
            },
        ),
        (
            "amount",
            5,
            "representation = \"packed\"\ndigits = 9\ndecimals = 2\nsigned = true\n",
            Representation::Packed {
                digits: 9,
                scale: 2,
                signed: true,
            },
        ),
        (
            "date",
            5,
            "representation = \"packed\"\ndigits = 8\ndate_form = \"yyyymmdd\"\n",
            Representation::Packed {
                digits: 8,
                scale: 0,
                signed: false,
            },
        ),
        (
            "amount",
            2,
            "representation = \"binary\"\ndigits = 4\nsigned = true\n",
            Representation::Binary {
                digits: 4,
                scale: 0,
                signed: true,
                native: false,
            },
        ),
        (
            "amount",
            4,
            "representation = \"binary\"\ndigits = 9\ndecimals = -2\n",
            Representation::Binary {
                digits: 9,
                scale: -2,
                signed: false,
                native: false,
            },
        ),
        (
            "digits",
            8,
            "representation = \"binary\"\ndigits = 18\nsigned = true\nnative = true\n",
            Representation::Binary {
                digits: 18,
                scale: 0,
                signed: true,
                native: true,
            },
        ),
    ];
    let total: i64 = items.iter().map(|(_, l, _, _)| *l).sum();
    let mut text = header("jef", total as u32);
    for (i, (ty, len, extra, _)) in items.iter().enumerate() {
        text.push_str(&item(i as u32 + 1, &format!("n{i}"), ty, *len, extra));
    }
    let l = parse_layout(&text, FILE).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut offset = 0;
    for (it, (_, len, _, want)) in l.items.iter().zip(&items) {
        assert_eq!(it.representation, *want, "{}", it.key);
        assert_eq!(it.representation.byte_length(), Some(*len as u32));
        assert_eq!(it.offset, Some(offset));
        offset += *len as u32;
    }
    let written = layout_to_toml(&l);
    assert_eq!(parse_layout(&written, "back.toml").unwrap(), l, "{written}");
    // The default representation is display and is not written.
    assert!(!layout_to_toml(
        Catalog::bundled()
            .unwrap()
            .layout("legacy/sample-juki")
            .unwrap()
    )
    .contains("representation"));
}

#[test]
fn issue16_lengths_must_match_the_number_form() {
    let cases = [
        // packed: digits/2+1
        ("representation = \"packed\"\ndigits = 7\n", 3, "4 bytes"),
        ("representation = \"packed\"\ndigits = 8\n", 4, "5 bytes"),
        // binary: 2 / 4 / 8
        ("representation = \"binary\"\ndigits = 5\n", 2, "4 bytes"),
        ("representation = \"binary\"\ndigits = 10\n", 4, "8 bytes"),
        // zoned: digits, +1 separate
        ("representation = \"zoned\"\ndigits = 5\n", 6, "5 bytes"),
        (
            "representation = \"zoned\"\ndigits = 5\nsigned = true\nsign = \"trailing_separate\"\n",
            5,
            "6 bytes",
        ),
    ];
    for (extra, len, want) in cases {
        let text = format!(
            "{}{}",
            header("ibm-930", len),
            item(1, "x", "amount", len.into(), extra)
        );
        let errs = errors(&text);
        has(
            &errs,
            "x",
            |k| matches!(k, SpecErrorKind::ImpossibleLength { reason, .. } if reason.contains(want)),
        );
        // The error is on the `length` line (line 17 of the text).
        assert!(errs.iter().any(|e| e.position.line == Some(17)), "{errs:?}");
    }
}

#[test]
fn issue16_storage_field_problems_are_reported_at_the_item() {
    let bad = [
        ("representation = \"float\"\n", "representation"),
        ("representation = \"packed\"\n", ""), // digits missing
        ("representation = \"packed\"\ndigits = 39\n", "digits"),
        ("representation = \"binary\"\ndigits = 19\n", "digits"),
        (
            "representation = \"packed\"\ndigits = 3\ndecimals = 99\n",
            "decimals",
        ),
        (
            "representation = \"packed\"\ndigits = 3\nsign = \"leading\"\n",
            "sign",
        ),
        (
            "representation = \"packed\"\ndigits = 3\nzone = \"ascii\"\n",
            "zone",
        ),
        (
            "representation = \"zoned\"\ndigits = 2\nnative = true\n",
            "native",
        ),
        (
            "representation = \"zoned\"\ndigits = 2\nsign = \"leading\"\n",
            "sign",
        ), // unsigned
        (
            "representation = \"zoned\"\ndigits = 2\nsigned = true\nsign = \"middle\"\n",
            "sign",
        ),
        (
            "representation = \"zoned\"\ndigits = 2\nzone = \"utf8\"\n",
            "zone",
        ),
        ("digits = 2\n", "digits"), // display
        (
            "representation = \"packed\"\ndigits = 3\nitem_kind = \"M\"\n",
            "item_kind",
        ),
        ("item_kind = \"X\"\n", "item_kind"),
        ("encoding = \"keis83\"\n", "encoding"), // another family
        ("encoding = \"shift_jis\"\n", "encoding"), // not a host label
    ];
    for (extra, field) in bad {
        let len = 2;
        let text = format!(
            "{}{}",
            header("jef", len),
            item(1, "x", "amount", len.into(), extra)
        );
        let errs = errors(&text);
        if field.is_empty() {
            has(
                &errs,
                "x",
                |k| matches!(k, SpecErrorKind::MissingField(f) if f == "digits"),
            );
        } else {
            has(&errs, "x", |k| invalid_field(k, field));
        }
    }
    // A number form for a text domain.
    let text = format!(
        "{}{}",
        header("jef", 2),
        item(
            1,
            "x",
            "kanji_name",
            2,
            "representation = \"packed\"\ndigits = 3\n"
        )
    );
    has(&errors(&text), "x", |k| invalid_field(k, "representation"));
    // N / G: even lengths.
    let text = format!(
        "{}{}",
        header("jef", 3),
        item(1, "x", "text", 3, "item_kind = \"G\"\n")
    );
    has(&errors(&text), "x", |k| {
        matches!(k, SpecErrorKind::ImpossibleLength { length: 3, .. })
    });
    // Host item kinds and own encodings need a host layout.
    for extra in ["item_kind = \"M\"\n", "encoding = \"jef\"\n"] {
        let text = format!("{}{}", header("cp932", 2), item(1, "x", "text", 2, extra));
        let field = extra.split(' ').next().unwrap();
        has(&errors(&text), "x", |k| invalid_field(k, field));
    }
    // Number forms need a fixed-length layout.
    let text = "id = \"legacy/d\"\nname = \"d\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\n[format]\nkind = \"delimited\"\n[[items]]\nnumber = 1\nname = \"n\"\nkey = \"x\"\ntype = \"amount\"\nlength = 2\nrepresentation = \"packed\"\ndigits = 3\n";
    has(&errors(text), "x", |k| invalid_field(k, "representation"));
}

#[test]
fn issue16_item_encoding_of_the_same_family_loads() {
    let text = format!(
        "{}{}{}",
        header("jef", 6),
        item(
            1,
            "a",
            "text",
            4,
            "encoding = \"jef-ebcdic\"\nitem_kind = \"M\"\n"
        ),
        item(
            2,
            "b",
            "digits",
            2,
            "encoding = \"jef-ascii\"\nrepresentation = \"zoned\"\ndigits = 2\n"
        ),
    );
    let l = parse_layout(&text, FILE).unwrap();
    assert_eq!(l.items[0].encoding.as_deref(), Some("jef-ebcdic"));
    assert_eq!(l.items[0].host_kind, Some(HostKind::M));
    // The zone default follows the item's own encoding.
    assert!(matches!(
        l.items[1].representation,
        Representation::Zoned {
            zone: ZoneForm::Ascii,
            ..
        }
    ));
    assert_eq!(parse_layout(&layout_to_toml(&l), FILE).unwrap(), l);
}

fn representation() -> impl Strategy<Value = Representation> {
    let sign = prop::sample::select(vec![
        ZonedSign::None,
        ZonedSign::Trailing,
        ZonedSign::Leading,
        ZonedSign::TrailingSeparate,
        ZonedSign::LeadingSeparate,
    ]);
    let zone = prop::sample::select(vec![ZoneForm::Ascii, ZoneForm::Ebcdic]);
    prop_oneof![
        Just(Representation::Display),
        (1u32..=38, -38i32..=38, sign, zone).prop_map(|(digits, scale, sign, zone)| {
            Representation::Zoned {
                digits,
                scale,
                sign,
                zone,
            }
        }),
        (1u32..=38, -38i32..=38, any::<bool>()).prop_map(|(digits, scale, signed)| {
            Representation::Packed {
                digits,
                scale,
                signed,
            }
        }),
        (1u32..=18, -38i32..=38, any::<bool>(), any::<bool>()).prop_map(
            |(digits, scale, signed, native)| Representation::Binary {
                digits,
                scale,
                signed,
                native,
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Any storage of any item in a host layout loads back as written.
    #[test]
    fn issue16_storage_round_trips(
        reps in prop::collection::vec(representation(), 1..8),
        label in prop::sample::select(HOST_ENCODINGS.to_vec()),
        kinds in prop::collection::vec(prop::option::of(prop::sample::select(vec![HostKind::M, HostKind::N, HostKind::G])), 8),
    ) {
        let base = parse_layout(&format!("{}{}", header(label, 2), item(1, "a", "text", 2, "")), FILE).unwrap();
        let mut layout = base.clone();
        let template = base.items[0].clone();
        layout.items.clear();
        let mut offset = 0;
        for (i, r) in reps.iter().enumerate() {
            let mut it = template.clone();
            it.number = i as u32 + 1;
            it.key = format!("i{i}");
            it.representation = *r;
            if r.is_numeric() {
                it.domain = DomainType::Amount;
                it.length = r.byte_length().unwrap();
            } else {
                it.host_kind = kinds[i];
                it.length = 4;
            }
            it.offset = Some(offset);
            offset += it.length;
            layout.items.push(it);
        }
        layout.format = PhysicalFormat::Fixed { record_length: offset, terminator: Terminator::None };
        let text = layout_to_toml(&layout);
        let back = parse_layout(&text, "gen.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, layout);
    }
}
