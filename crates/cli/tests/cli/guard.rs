//! The input guard of `ikou convert` (#14 "guards before a run"): an input whose bytes
//! contradict the profile stops the run before anything is converted, naming both sides and
//! the option that overrides it.

use crate::util::*;
use std::path::Path;

const SAMPLE: &str = "testdata/sample/juki-1000.dat";

fn convert(dir: &Path, inputs: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["convert", "--profile", "sample-juki"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["--out", "run", "-q"]);
    args.extend_from_slice(extra);
    ikou_in(dir, &args, None)
}

/// The sample re-encoded as UTF-8 (decoded exactly as CP932, 外字 as their private-use
/// characters).
fn utf8_copy(dir: &Path) {
    let bytes = std::fs::read(root().join(SAMPLE)).unwrap();
    let mut text = String::new();
    let mut issues = Vec::new();
    ikou_cleanse::decode::CharProfile::cp932().decode_item(&bytes, &mut text, &mut issues);
    assert!(text.len() > bytes.len());
    std::fs::write(dir.join("utf8.dat"), text).unwrap();
}

#[test]
fn issue14_guard_a_utf8_copy_of_the_sample_through_the_cp932_profile_stops() {
    let dir = tempdir("guard_utf8");
    utf8_copy(&dir);
    let r = convert(&dir, &["utf8.dat"], &[]).expect(2);
    let e = &r.stderr;
    for want in [
        "utf8.dat",
        "profile sample-juki reads it as cp932",
        "its bytes are utf-8",
        "fixed-length records of 300 bytes",
        "nothing was converted",
        "--no-input-check",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
    assert!(!dir.join("run/manifest.json").exists(), "a run was written");
    // The option overrides the guard: the run goes ahead (and rejects every record: 移行不可,
    // exit 4).
    let r = convert(&dir, &["utf8.dat"], &["--no-input-check"]).expect(4);
    assert!(!r.stderr.contains("does not fit"), "{}", r.stderr);
    assert!(dir.join("run/manifest.json").exists());
}

#[test]
fn issue14_guard_a_csv_through_the_fixed_length_profile_stops() {
    let dir = tempdir("guard_csv");
    // A CP932 CSV (KEN_ALL-like: code, postal code, kana, kanji).
    let csv = "01101,\"0600000\",\"ﾎｯｶｲﾄﾞｳ\",\"北海道\"\r\n".repeat(50);
    let bytes = ikou_cleanse::encode::encode_cp932(&csv).unwrap();
    std::fs::write(dir.join("list.csv"), bytes).unwrap();
    let r = convert(&dir, &["list.csv"], &[]).expect(2);
    assert!(
        r.stderr
            .contains("but 0 of the first 50 lines are 300 bytes; most are 34 bytes"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("its bytes are"), "{}", r.stderr);

    // The real KEN_ALL.CSV, when ../shared is here.
    let Some(sh) = shared() else {
        println!("skipped: KEN_ALL.CSV part (../shared/testdata is absent)");
        return;
    };
    let f = std::fs::File::open(sh.join("japanpost/ken_all.zip")).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut entry = z.by_name("KEN_ALL.CSV").unwrap();
    let mut out = std::fs::File::create(dir.join("KEN_ALL.CSV")).unwrap();
    std::io::copy(&mut entry, &mut out).unwrap();
    let r = convert(&dir, &["KEN_ALL.CSV"], &[]).expect(2);
    assert!(
        r.stderr.contains("KEN_ALL.CSV: layout legacy/sample-juki"),
        "{}",
        r.stderr
    );
}

#[test]
fn issue14_guard_the_real_sample_passes_and_a_bad_input_among_good_is_named() {
    let dir = tempdir("guard_mixed");
    std::fs::copy(root().join(SAMPLE), dir.join("good.dat")).unwrap();
    utf8_copy(&dir);
    let r = convert(&dir, &["good.dat"], &[]).expect(0);
    assert!(!r.stderr.contains("does not fit"), "{}", r.stderr);
    let r = convert(&dir, &["good.dat", "utf8.dat", "--force"], &[]).expect(2);
    assert!(r.stderr.contains("utf8.dat: profile"), "{}", r.stderr);
    assert!(!r.stderr.contains("good.dat:"), "{}", r.stderr);
    // The other bundled CP932 test files of the sample layout pass too.
    for f in [
        "testdata/reading/juki-5.sjis",
        "testdata/bad/truncated-last.sjis",
    ] {
        std::fs::copy(root().join(f), dir.join("t.dat")).unwrap();
        let r = convert(&dir, &["t.dat", "--force"], &[]);
        assert!(!r.stderr.contains("does not fit"), "{f}: {}", r.stderr);
    }
}

#[test]
fn issue14_guard_an_lf_copy_of_the_crlf_sample_stops() {
    let dir = tempdir("guard_lf");
    let bytes = std::fs::read(root().join(SAMPLE)).unwrap();
    let lf: Vec<u8> = bytes
        .windows(2)
        .filter(|w| w != b"\r\n")
        .map(|w| w[0])
        .chain(bytes.last().copied())
        .collect();
    assert_eq!(lf.len(), bytes.len() - 1000);
    std::fs::write(dir.join("lf.dat"), lf).unwrap();
    let r = convert(&dir, &["lf.dat"], &[]).expect(2);
    assert!(
        r.stderr
            .contains("ends records with crlf, but 0 of the first 217 lines do; most end with lf"),
        "{}",
        r.stderr
    );
}
