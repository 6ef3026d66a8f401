//! Issue #16, the run half: a host (mainframe) file through `ikou sample --kind host-juki`,
//! `detect`, `inspect`, `gaiji`, `convert` and `verify`; numbers from packed items reach
//! Parquet as Decimal128 with their scale.

use crate::util::*;
use std::path::Path;

fn manifest(dir: &Path) -> serde_json::Value {
    json(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
}

#[test]
fn issue16_host_sample_converts_with_every_record_accounted_and_reruns_identically() {
    let dir = tempdir("issue16_hostrun");
    let s = ikou_in(
        &dir,
        &[
            "sample",
            "--kind",
            "host-juki",
            "--records",
            "600",
            "--seed",
            "5",
            "--out",
            "host.dat",
            "--json",
        ],
        None,
    )
    .expect(0);
    let stats = json(&s.stdout);
    assert_eq!(stats["layout"], "legacy/host-juki");
    assert_eq!(stats["stats"]["records"], 600);
    let expected_rejects = stats["stats"]["expected_rejects"].as_u64().unwrap();
    assert!(expected_rejects > 20, "{}", s.stdout);
    let data = std::fs::read(dir.join("host.dat")).unwrap();
    assert_eq!(data.len(), 600 * 200);
    // Host bytes: no line structure, K/A shifts, EBCDIC spaces.
    assert!(!data.contains(&b'\n'));
    assert!(data.contains(&0x28) && data.contains(&0x29));

    // detect: EBCDIC family, JEF by its shifted runs, with the evidence in JSON.
    let d = ikou_in(&dir, &["detect", "host.dat", "--json"], None).expect(0);
    let d = json(&d.stdout);
    let d = &d[0];
    assert_eq!(d["encoding"], "jef", "{d}");
    assert_eq!(d["host"]["families"][0]["family"], "jef", "{d}");
    assert!(d["host"]["families"][0]["shift_runs_ok"].as_u64().unwrap() > 500);
    assert_eq!(d["structure"]["record_length"], 200);
    let text = ikou_in(&dir, &["detect", "host.dat"], None).expect(0);
    assert!(text.stdout.contains("host family jef"), "{}", text.stdout);

    // inspect: numbers as canonical decimal text, a bad packed nibble with its offset.
    let r = ikou_in(
        &dir,
        &[
            "inspect",
            "host.dat",
            "--layout",
            "legacy/host-juki",
            "--records",
            "13",
            "--json",
            "--show-values",
        ],
        None,
    )
    .expect(0);
    let v = json(&r.stdout);
    let rec = |n: usize| &v["records"][n - 1]["items"];
    let item = |n: usize, key: &str| {
        rec(n)
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(item(1, "atena_no")["text"], "0000100003");
    assert_eq!(item(1, "atena_no")["hex"], "00 00 01 00 00 3F");
    let birth = item(1, "birth_date")["text"].as_str().unwrap().to_string();
    assert_eq!(birth.len(), 8, "{birth}");
    assert!(
        birth.starts_with("19") || birth.starts_with("20"),
        "{birth}"
    );
    assert_eq!(item(1, "zokugara")["text"], "01");
    let bad = item(13, "ido_date");
    assert_eq!(bad["issues"][0]["kind"], "number", "{bad}");
    assert_eq!(bad["issues"][0]["problem"], "bad_digit");
    assert_eq!(bad["issues"][0]["offset"], 1);
    let gaiji = item(11, "shimei");
    assert_eq!(gaiji["issues"][0]["kind"], "gaiji.unmapped", "{gaiji}");
    assert_eq!(gaiji["issues"][0]["code"], "80A4");
    // Masked unless asked: no kanji of a name in the default output.
    let masked = ikou_in(
        &dir,
        &[
            "inspect",
            "host.dat",
            "--layout",
            "legacy/host-juki",
            "--records",
            "2",
        ],
        None,
    )
    .expect(0);
    let name = item(1, "shimei")["text"]
        .as_str()
        .unwrap()
        .trim()
        .to_string();
    assert!(!masked.stdout.contains(&name), "{}", masked.stdout);

    // gaiji: the JEF user-area codes, 80A4 unmapped, with the sample's table.
    std::fs::copy(root().join("specs/gaiji/host-juki.csv"), dir.join("g.csv")).unwrap();
    let g = ikou_in(
        &dir,
        &[
            "gaiji",
            "host.dat",
            "--layout",
            "legacy/host-juki",
            "--table",
            "g.csv",
            "--json",
        ],
        None,
    )
    .expect(0);
    let g = json(&g.stdout);
    let codes = g["gaiji"].to_string();
    for c in ["80A1", "80A2", "80A3", "80A4"] {
        assert!(codes.contains(c), "{c}: {codes}");
    }
    assert!(g["unmapped"].as_u64().unwrap() > 0);

    // convert twice (1 and 2 threads): every record accounted, the same bytes.
    let a = dir.join("a");
    let b = dir.join("b");
    for (out, threads) in [(&a, "1"), (&b, "2")] {
        ikou_in(
            &dir,
            &[
                "convert",
                "--profile",
                "host-juki",
                "host.dat",
                "--out",
                out.to_str().unwrap(),
                "--threads",
                threads,
            ],
            None,
        )
        .expect(0);
    }
    let m = manifest(&a);
    let c = &m["counts"];
    let (i, o, rj) = (
        c["input_records"].as_u64().unwrap(),
        c["output_records"].as_u64().unwrap(),
        c["rejected_records"].as_u64().unwrap(),
    );
    assert_eq!(i, 600);
    assert_eq!(i, o + rj);
    assert_eq!(rj, expected_rejects, "{m}");
    for reason in [
        "number.bad_digit",
        "decode.shift",
        "gaiji.unmapped",
        "date.after_era",
    ] {
        assert!(
            c["rejects_by_reason"][reason].as_u64().unwrap_or(0) > 0,
            "{reason}: {c}"
        );
    }
    assert!(
        c["changes_by_rule"]["gaiji.map"].as_u64().unwrap() > 0,
        "{c}"
    );
    let mb = manifest(&b);
    for out in m["outputs"].as_array().unwrap() {
        let name = out["name"].as_str().unwrap();
        assert!(
            std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(),
            "{name} differs between runs"
        );
    }
    assert_eq!(m["outputs"], mb["outputs"]);
    let csv = std::fs::read_to_string(a.join("jumin.csv")).unwrap();
    assert!(!csv.contains('\u{FFFD}'));
    // 外字 80A1 mapped to 𠮷 through the table.
    assert!(csv.contains('𠮷'), "no mapped 外字 in the output");
    let v = ikou(&["verify", a.to_str().unwrap()]).expect(0);
    assert!(v.stdout.contains("matches its manifest"), "{}", v.stdout);
}

const AMOUNT_LAYOUT: &str = r#"
id = "legacy/host-kingaku"
name = "ホスト金額"
family = "legacy"
status = "synthetic"
encoding = "ibm-930"

[format]
kind = "fixed"
record_length = 9
terminator = "none"

[[items]]
number = 1
name = "番号"
key = "no"
type = "digits"
length = 4
required = true
padding = "none"
representation = "zoned"
digits = 4

[[items]]
number = 2
name = "金額"
key = "kingaku"
type = "amount"
length = 5
representation = "packed"
digits = 9
decimals = 2
signed = true
"#;

const AMOUNT_TARGET: &str = r#"
id = "standard/kingaku"
name = "金額"
family = "standard"
status = "synthetic"
encoding = "utf-8"

[format]
kind = "delimited"
delimiter = ","
quote = "\""
header_rows = 1
terminator = "crlf"

[[items]]
number = 1
name = "番号"
key = "no"
type = "digits"
length = 4
required = true

[[items]]
number = 2
name = "金額"
key = "kingaku"
type = "amount"
length = 20
"#;

const AMOUNT_PROFILE: &str = r#"
id = "host-kingaku"
name = "金額"
source = "layout.toml"
target = "target.toml"

[characters]
encoding = "ibm-930"

[[map]]
target = "no"
from = "no"

[[map]]
target = "kingaku"
from = "kingaku"
"#;

#[test]
fn issue16_packed_amounts_reach_parquet_as_decimal128_with_their_scale() {
    use arrow_array::{Array, Decimal128Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = tempdir("issue16_kingaku");
    std::fs::write(dir.join("layout.toml"), AMOUNT_LAYOUT).unwrap();
    std::fs::write(dir.join("target.toml"), AMOUNT_TARGET).unwrap();
    std::fs::write(dir.join("profile.toml"), AMOUNT_PROFILE).unwrap();
    // 0001 +1234.50, 0002 -0.05, 0003 a bad nibble, 0004 a bad sign: zoned F0–F9, packed
    // S9(7)V99 (5 bytes, sign nibble C / D), written by hand.
    let mut data = Vec::new();
    data.extend([0xF0, 0xF0, 0xF0, 0xF1, 0x00, 0x01, 0x23, 0x45, 0x0C]);
    data.extend([0xF0, 0xF0, 0xF0, 0xF2, 0x00, 0x00, 0x00, 0x00, 0x5D]);
    data.extend([0xF0, 0xF0, 0xF0, 0xF3, 0x00, 0x0B, 0x00, 0x00, 0x5D]);
    data.extend([0xF0, 0xF0, 0xF0, 0xF4, 0x00, 0x00, 0x00, 0x00, 0x5E]);
    std::fs::write(dir.join("k.dat"), &data).unwrap();
    let out = dir.join("o");
    ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "profile.toml",
            "k.dat",
            "--out",
            out.to_str().unwrap(),
            // Half the records are bad on purpose: accept them past the verdict's limit.
            "--max-reject-rate",
            "60%",
        ],
        None,
    )
    .expect(0);
    let m = manifest(&out);
    let c = &m["counts"];
    assert_eq!(c["input_records"], 4);
    assert_eq!(c["output_records"], 2);
    assert_eq!(c["rejected_records"], 2);
    assert_eq!(c["rejects_by_reason"]["number.bad_digit"], 1, "{c}");
    assert_eq!(c["rejects_by_reason"]["number.bad_sign"], 1, "{c}");
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(rejects.contains("item byte 1"), "{rejects}");
    assert!(rejects.contains("item byte 4"), "{rejects}");
    let csv = std::fs::read_to_string(out.join("kingaku.csv")).unwrap();
    assert!(csv.contains("0001,1234.50\r\n"), "{csv}");
    assert!(csv.contains("0002,-0.05\r\n"), "{csv}");

    let file = std::fs::File::open(out.join("after.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut values = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = batch.column_by_name("kingaku").unwrap();
        assert_eq!(
            format!("{:?}", col.data_type()),
            "Decimal128(9, 2)",
            "Decimal128 with the item's precision and scale"
        );
        let d = col.as_any().downcast_ref::<Decimal128Array>().unwrap();
        for i in 0..d.len() {
            values.push(d.value_as_string(i));
        }
    }
    assert_eq!(values, vec!["1234.50", "-0.05"]);
}

#[test]
fn issue16_host_sample_copybook_imports_to_the_bundled_layout_offsets() {
    let dir = tempdir("issue16_copybook");
    ikou_in(
        &dir,
        &[
            "sample",
            "--kind",
            "host-juki",
            "--records",
            "3",
            "--out",
            "h.dat",
            "--copybook",
            "h.cpy",
        ],
        None,
    )
    .expect(0);
    let r = ikou_in(
        &dir,
        &[
            "layouts",
            "import",
            "h.cpy",
            "--encoding",
            "jef",
            "--out",
            "h.toml",
        ],
        None,
    )
    .expect(0);
    let text =
        std::fs::read_to_string(dir.join("h.toml")).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    let imported = ikou_layout_spec::parse_layout(&text, "h.toml").unwrap();
    let catalog = ikou_layout_spec::Catalog::bundled().unwrap();
    let bundled = catalog.layout("legacy/host-juki").unwrap();
    assert_eq!(imported.encoding, "jef");
    assert_eq!(imported.format, bundled.format);
    assert_eq!(imported.items.len(), bundled.items.len());
    let kind = |k: Option<ikou_layout_spec::HostKind>| k.unwrap_or(ikou_layout_spec::HostKind::M);
    for (a, b) in imported.items.iter().zip(&bundled.items) {
        assert_eq!((a.offset, a.length), (b.offset, b.length), "{}", b.key);
        assert_eq!(a.representation, b.representation, "{}", b.key);
        if !b.representation.is_numeric() && b.domain != ikou_layout_spec::DomainType::Filler {
            assert_eq!(kind(a.host_kind), kind(b.host_kind), "{}", b.key);
        }
    }
}
