//! Issue 18 (hardening II), memory bounded whatever the bytes: a field of 外字. One CP932
//! CSV record with an 8 MiB field of 外字 F040 (4,194,296 occurrences), unmapped (the record
//! is rejected) and mapped through a 外字 table, runs under an address-space limit
//! (`ulimit -v`); gaiji.csv and the manifest still count every occurrence, the reject reason
//! is one per (item, code), and changes.csv has one `gaiji.map` row per (record, item, code).
//! Inputs are made here (synthetic).

use crate::util::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Occurrences of F040 in the big field: 8 MiB less a few bytes, under the record limit.
const OCCURRENCES: u64 = 4_194_296;

/// A CP932 variant of the CSV test profile (`testdata/run/csv.profile.toml`: items v, n),
/// the 8 MiB record, then a small record with 外字 F040 twice and F041 once in `v`.
fn gaiji_field(dir: &Path) {
    let profile = std::fs::read_to_string(root().join("testdata/run/csv.profile.toml"))
        .unwrap()
        .replace("encoding = \"utf-8\"", "encoding = \"cp932\"");
    assert!(profile.contains("\"cp932\""));
    std::fs::write(dir.join("cp932.profile.toml"), profile).unwrap();
    std::fs::copy(
        root().join("testdata/run/trailer-out.toml"),
        dir.join("trailer-out.toml"),
    )
    .unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("in.csv")).unwrap());
    f.write_all(b"v,n\r\n").unwrap();
    for _ in 0..OCCURRENCES {
        f.write_all(b"\xF0\x40").unwrap();
    }
    f.write_all(b",000001\r\n").unwrap();
    // 山 F040 F041 F040: F040 twice (bytes 2 and 6), F041 once (byte 4).
    f.write_all(b"\x8E\x52\xF0\x40\xF0\x41\xF0\x40,000002\r\n")
        .unwrap();
    f.flush().unwrap();
    std::fs::write(
        dir.join("table.csv"),
        "code,replacement,mj,note\nF040,髙,MJ028902,\nF041,﨑,,\n",
    )
    .unwrap();
}

/// `ikou convert` of in.csv under `ulimit -v KIB`, two threads, every output.
fn convert_limited(dir: &Path, kib: u64, run: &str, extra: &[&str]) -> Run {
    let o = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$0" && exec "$@""#)
        .arg(kib.to_string())
        .arg(env!("CARGO_BIN_EXE_ikou"))
        .args([
            "convert",
            "--profile",
            "cp932.profile.toml",
            "--specs",
            "trailer-out.toml",
            "in.csv",
            "--out",
            run,
            "-q",
            "--threads",
            "2",
        ])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("spawn sh");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Address space for the 外字 runs: 700 MiB. Before the cap each occurrence cost ~400 bytes
/// (a listed decode issue, a `GaijiHit`, a reason or a change): 2.09 GB peak RSS unmapped,
/// 0.89 GB mapped. Now ≈ 0.23 GB either way.
const LIMIT_KIB: u64 = 700 * 1024;

#[test]
fn issue18_bounds_a_field_of_unmapped_gaiji_is_one_reason_in_bounded_memory() {
    let dir = tempdir("i18b3-gaiji-unmapped");
    gaiji_field(&dir);
    let r = convert_limited(&dir, LIMIT_KIB, "run", &[]);
    // Both records rejected (unmapped 外字, the big one also too long for the target):
    // 移行不可, exit 4, within the limit.
    assert_eq!(
        r.code, 4,
        "under ulimit -v {LIMIT_KIB}: {}\n{}",
        r.stdout, r.stderr
    );
    let run = dir.join("run");
    let m = manifest(&run);
    let c = &m["counts"];
    assert_eq!(c["gaiji_by_code"]["F040"], OCCURRENCES + 2, "{c}");
    assert_eq!(c["gaiji_by_code"]["F041"], 1, "{c}");
    assert_eq!(c["gaiji_unmapped"], OCCURRENCES + 3, "{c}");
    // One reason per (item, code): F040 in record 1, F040 and F041 in record 2.
    assert_eq!(c["rejects_by_reason"]["gaiji.unmapped"], 3, "{c}");
    let gaiji = std::fs::read_to_string(run.join("gaiji.csv")).unwrap();
    assert!(
        gaiji.contains(&format!(
            "F040,,,,{},v:{},1 2,U+E000",
            OCCURRENCES + 2,
            OCCURRENCES + 2
        )),
        "{gaiji}"
    );
    assert!(gaiji.contains("F041,,,,1,v:1,2,U+E001"), "{gaiji}");
    let rejects = std::fs::read_to_string(run.join("rejects.csv")).unwrap();
    // Was one reason per occurrence: a 360 MB rejects.csv. Now the raw bytes (16 MiB of
    // hex) and the item's decoded value are most of it.
    assert!(rejects.len() < 40 << 20, "{} bytes", rejects.len());
    let positions: Vec<String> = (0..64).map(|i| (2 * i).to_string()).collect();
    let big = format!(
        "v: 外字 F040 (U+E000) not in the table: 4,194,296 occurrences, at item bytes {} and 4,194,232 more (gaiji.unmapped)",
        positions.join(", ")
    );
    assert!(
        rejects.contains(&big),
        "{}",
        &rejects[..rejects.len().min(2000)]
    );
    // The small record: F040 twice, F041 once, each code one reason, in the order found.
    assert!(
        rejects.contains(
            "v: 外字 F040 (U+E000) not in the table: 2 occurrences, at item bytes 2, 6 (gaiji.unmapped); \
             v: 外字 F041 (U+E001) not in the table (item byte 4) (gaiji.unmapped)"
        ),
        "{}",
        rejects.lines().last().unwrap_or("")
    );
    ikou_in(&dir, &["verify", "run"], None).expect(0);
}

#[test]
fn issue18_bounds_a_field_of_mapped_gaiji_is_one_change_in_bounded_memory() {
    let dir = tempdir("i18b3-gaiji-mapped");
    gaiji_field(&dir);
    let r = convert_limited(&dir, LIMIT_KIB, "run", &["--gaiji", "table.csv"]);
    // The big record is rejected for its length only (target.length); the small one converts.
    assert_eq!(
        r.code, 4,
        "under ulimit -v {LIMIT_KIB}: {}\n{}",
        r.stdout, r.stderr
    );
    let run = dir.join("run");
    let m = manifest(&run);
    let c = &m["counts"];
    assert_eq!(c["output_records"], 1, "{c}");
    assert_eq!(c["gaiji_by_code"]["F040"], OCCURRENCES + 2, "{c}");
    assert_eq!(c["gaiji_unmapped"], 0, "{c}");
    assert!(c["rejects_by_reason"]["gaiji.unmapped"].is_null(), "{c}");
    // One change per (record, item, code) of the converted record: F040 and F041.
    assert_eq!(c["changes_by_rule"]["gaiji.map"], 2, "{c}");
    let gaiji = std::fs::read_to_string(run.join("gaiji.csv")).unwrap();
    assert!(
        gaiji.contains(&format!(
            "F040,髙,MJ028902,,{},v:{},1 2,U+E000",
            OCCURRENCES + 2,
            OCCURRENCES + 2
        )),
        "{gaiji}"
    );
    let changes = std::fs::read_to_string(run.join("changes.csv")).unwrap();
    let rows: Vec<&str> = changes
        .lines()
        .filter(|l| l.contains("gaiji.map"))
        .collect();
    assert_eq!(rows.len(), 2, "{changes}");
    assert!(
        rows[0].contains("\u{E000}") && rows[0].contains('髙'),
        "{changes}"
    );
    assert!(
        rows[1].contains("\u{E001}") && rows[1].contains('﨑'),
        "{changes}"
    );
    let data = std::fs::read_to_string(run.join("test-trailer-out.csv")).unwrap();
    assert!(data.contains("山髙﨑髙,000002"), "{data}");
    ikou_in(&dir, &["verify", "run"], None).expect(0);
}

/// Under `unmapped_gaiji = "keep"` the `gaiji.unmapped_kept` findings still count every
/// occurrence (the tally adds each hit's count), and the small record converts with its
/// private-use characters kept.
#[test]
fn issue18_bounds_kept_unmapped_gaiji_are_counted_per_occurrence() {
    let dir = tempdir("i18b3-gaiji-keep");
    gaiji_field(&dir);
    let profile = std::fs::read_to_string(dir.join("cp932.profile.toml")).unwrap();
    let keep = profile.replace("unmapped_gaiji = \"reject\"", "unmapped_gaiji = \"keep\"");
    assert_ne!(keep, profile);
    std::fs::write(dir.join("cp932.profile.toml"), keep).unwrap();
    let r = convert_limited(&dir, LIMIT_KIB, "run", &[]);
    assert_eq!(
        r.code, 4,
        "under ulimit -v {LIMIT_KIB}: {}\n{}",
        r.stdout, r.stderr
    );
    let run = dir.join("run");
    let c = &manifest(&run)["counts"];
    assert_eq!(c["output_records"], 1, "{c}");
    assert_eq!(c["gaiji_unmapped"], OCCURRENCES + 3, "{c}");
    assert_eq!(
        c["findings_by_kind"]["gaiji.unmapped_kept"],
        OCCURRENCES + 3,
        "{c}"
    );
    assert!(c["rejects_by_reason"]["gaiji.unmapped"].is_null(), "{c}");
    let data = std::fs::read_to_string(run.join("test-trailer-out.csv")).unwrap();
    assert!(data.contains("山\u{E000}\u{E001}\u{E000},000002"), "{data}");
}
