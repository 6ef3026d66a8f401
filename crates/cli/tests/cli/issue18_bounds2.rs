//! Issue 18 (hardening II), the remaining bounds: `ikou gaiji` on a device or a pipe,
//! `ikou layouts show` on a device, and the `before` Arrow/Parquet outputs of a layout with
//! 100,000 items. Each runs the binary under an address-space limit (`ulimit -v`) and a
//! timeout, on inputs made here.

use crate::util::*;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Time limit of one run.
const TIMEOUT: Duration = Duration::from_secs(180);

/// Waits for `child` at most [`TIMEOUT`]; no signal, no panic.
fn finish_within(child: Child, what: &str) -> Run {
    crate::util::finish_within(child, what, TIMEOUT)
}

fn limited(dir: &Path, kib: u64, args: &[&str]) -> Run {
    finish_within(
        spawn_limited(dir, kib, args, Stdio::null()),
        &args.join(" "),
    )
}

#[test]
fn issue18_bounds_gaiji_refuses_devices_and_pipes() {
    let dir = tempdir("i18b-gaiji-dev");
    // Before: `ikou gaiji /dev/zero` read records of zeros for ever (killed at the timeout).
    let r = limited(
        &dir,
        1_000_000,
        &["gaiji", "/dev/zero", "--layout", "legacy/sample-juki"],
    )
    .expect(3);
    assert!(
        r.stderr.contains("/dev/zero: not a regular file"),
        "{}",
        r.stderr
    );
    // A pipe too (it may never end): refused before anything is read.
    let mut child = spawn_limited(
        &dir,
        1_000_000,
        &["gaiji", "/dev/stdin", "--layout", "legacy/sample-juki"],
        Stdio::piped(),
    );
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..64 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let r = finish_within(child, "gaiji /dev/stdin").expect(3);
    let _ = feeder.join();
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    // A missing file says so; a regular file is read as before.
    let r = ikou_in(
        &dir,
        &["gaiji", "missing.dat", "--layout", "legacy/sample-juki"],
        None,
    )
    .expect(3);
    assert!(r.stderr.contains("missing.dat"), "{}", r.stderr);
    let sample = root().join("testdata/sample/juki-1000.dat");
    let r = ikou_in(
        &dir,
        &[
            "gaiji",
            sample.to_str().unwrap(),
            "--layout",
            "legacy/sample-juki",
        ],
        None,
    )
    .expect(0);
    assert!(r.stdout.starts_with("1000 records · "), "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn issue18_bounds_layouts_show_reads_a_layout_bounded() {
    let dir = tempdir("i18b-layouts-dev");
    let link = dir.join("zero.toml");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    // Before: read whole (`out of memory` under the limit, all of memory without it).
    let r = limited(&dir, 1_000_000, &["layouts", "show", "zero.toml"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("larger than 16 MiB"), "{}", r.stderr);
}

/// A fixed-length CP932 layout of `n` one-byte text items, and a profile mapping its first
/// two items to the small test target (testdata/run/trailer-out.toml).
fn wide_layout(dir: &Path, n: usize) {
    let mut t = String::from(
        "id = \"legacy/test-wide\"\nname = \"wide\"\ngyomu = \"test\"\nfamily = \"legacy\"\n\
         source = \"ikou (synthetic)\"\nversion = \"1\"\nstatus = \"synthetic\"\n\
         encoding = \"cp932\"\n\n[format]\nkind = \"fixed\"\n",
    );
    t.push_str(&format!("record_length = {n}\nterminator = \"crlf\"\n\n"));
    for i in 1..=n {
        t.push_str(&format!(
            "[[items]]\nnumber = {i}\nname = \"i{i}\"\nkey = \"i{i}\"\ntype = \"text\"\nlength = 1\n\n"
        ));
    }
    std::fs::write(dir.join("wide.toml"), t).unwrap();
    std::fs::write(
        dir.join("wide.profile.toml"),
        "id = \"test-wide\"\nname = \"wide\"\nsource = \"legacy/test-wide\"\n\
         target = \"standard/test-trailer-out\"\n\n[characters]\nencoding = \"cp932\"\n\
         variants = \"cp932\"\nunmapped_gaiji = \"reject\"\n\n[dates]\npolicy = \"strict\"\n\n\
         [output]\nbom = false\nline_ending = \"crlf\"\nquote = \"necessary\"\nheader = \"keys\"\n\n\
         [[map]]\ntarget = \"v\"\nfrom = \"i1\"\n\n[[map]]\ntarget = \"n\"\nfrom = \"i2\"\n",
    )
    .unwrap();
    std::fs::copy(
        root().join("testdata/run/trailer-out.toml"),
        dir.join("trailer-out.toml"),
    )
    .unwrap();
}

/// Writes `records` records of `n` bytes (`a`) to `dir/in.dat`.
fn wide_input(dir: &Path, n: usize, records: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("in.dat")).unwrap());
    let rec = vec![b'a'; n];
    for _ in 0..records {
        f.write_all(&rec).unwrap();
        f.write_all(b"\r\n").unwrap();
    }
    f.flush().unwrap();
}

fn convert_wide<'a>(outputs: &'a str, out: &'a str) -> [&'a str; 14] {
    [
        "convert",
        "--profile",
        "wide.profile.toml",
        "--specs",
        "wide.toml",
        "--specs",
        "trailer-out.toml",
        "in.dat",
        "--outputs",
        outputs,
        "--out",
        out,
        "-q",
        "--threads=1",
    ]
}

/// Issue #18 item 5: a 100,000-item layout with `--outputs before` (4.9 GB at first; 0.84 GB
/// and growing with the input after the batches were bounded: `before.parquet`'s footer
/// has an entry per row group × column) is refused at once, before any record is read,
/// naming the layout, its item count, the column cap and the CSV alternative; exit 2 (a
/// setup error), nothing published. Its CSV outputs (`--outputs minimal`) still convert
/// it in bounded memory. Before the cap the refused runs converted, their memory growing
/// with the input.
#[test]
fn issue18_bounds_wide_layout_before_outputs_in_bounded_memory() {
    let dir = tempdir("i18b-wide");
    let n = 100_000;
    wide_layout(&dir, n);
    wide_input(&dir, n, 30);
    for outputs in ["before", "all", "parquet", "arrow"] {
        let started = Instant::now();
        let r = limited(&dir, 1_600_000, &convert_wide(outputs, "run")).expect(2);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{outputs}: {:?}",
            started.elapsed()
        );
        for part in [
            "legacy/test-wide has 100000 items",
            "before table would have 100003 columns",
            "more than the 4096 columns an Arrow or Parquet output may have",
            "--outputs minimal",
        ] {
            assert!(r.stderr.contains(part), "{outputs}: {part}\n{}", r.stderr);
        }
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(!dir.join("run/manifest.json").exists(), "{outputs}");
        assert!(!dir.join("run/before.parquet").exists(), "{outputs}");
    }
    // The CSV outputs have no column cap: converted under the same limit.
    let r = limited(&dir, 1_600_000, &convert_wide("minimal", "run")).expect(0);
    assert!(r.stdout.contains("ikou verify run"), "{}", r.stdout);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["counts"]["input_records"], 30, "{m}");
    ikou_in(&dir, &["verify", "run"], None).expect(0);
}

/// A layout at the cap (4,093 items: `before` has 4,096 columns) writes every output, and
/// before.parquet / before.arrow have its 4,096 columns; one item more is refused.
#[test]
fn issue18_bounds_wide_layout_at_the_column_cap_converts() {
    let dir = tempdir("i18b-cap");
    let n = 4_093;
    wide_layout(&dir, n);
    wide_input(&dir, n, 40);
    let r = limited(&dir, 1_600_000, &convert_wide("all", "run")).expect(0);
    assert!(r.stdout.contains("ikou verify run"), "{}", r.stdout);
    ikou_in(&dir, &["verify", "run"], None).expect(0);
    let f = std::fs::File::open(dir.join("run/before.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    assert_eq!(reader.schema().fields().len(), 4_096);
    let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 40);
    let over = tempdir("i18b-cap1");
    wide_layout(&over, n + 1);
    wide_input(&over, n + 1, 1);
    let r = limited(&over, 1_600_000, &convert_wide("before", "run")).expect(2);
    assert!(r.stderr.contains("4094 items"), "{}", r.stderr);
    assert!(r.stderr.contains("4097 columns"), "{}", r.stderr);
}

use crate::fuzz_regressions::checks;

/// The `xlsx` fuzz target's totals seeds (`fuzz/seeds/xlsx/totals-*`: a shared string used
/// by 20,000 cells, a 16 MB cell merged over 33M cells, 200 sheets on one part, a small
/// book) go through the target's invariant, and each hostile one is refused by its total
/// with a short error; the small one imports.
#[test]
fn issue18_bounds_xlsx_totals_seeds_hold() {
    use ikou_layout_spec::import::{import_xlsx, ImportOptions};
    let dir = root().join("fuzz/seeds/xlsx");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("totals-") {
            continue;
        }
        seen += 1;
        let data = std::fs::read(&path).unwrap();
        checks::xlsx(&data);
        let book = checks::totals_book(&data[1..]).expect("book");
        let opts = ImportOptions::new("chukan/fuzz", "fuzz.xlsx");
        let r = import_xlsx(&book, None, &opts);
        eprintln!(
            "{name}: {} bytes: {:?}",
            book.len(),
            r.as_ref()
                .map(|i| i.layout.items.len())
                .map_err(ToString::to_string)
        );
        if name == "totals-small-fixed" {
            assert!(r.is_ok(), "{name}: {:?}", r.err().map(|e| e.to_string()));
        } else {
            let e = r
                .err()
                .unwrap_or_else(|| panic!("{name}: imported"))
                .to_string();
            assert!(e.contains("limit") || e.contains("larger"), "{name}: {e}");
        }
    }
    assert_eq!(seen, 4);
}

/// `rejects.csv` byte for byte (issue #18: `write_rejects` no longer copies each cell
/// before writing it; the bytes must not change): guarded cells (a formula in an item, in
/// the file name), quoted cells, a control character, a long value and its hex. The
/// expected bytes are those of the code before the change.
#[test]
fn issue18_bounds_rejects_csv_bytes_are_unchanged() {
    let dir = tempdir("i18b-rejects");
    for f in ["csv.profile.toml", "trailer-out.toml"] {
        std::fs::copy(root().join("testdata/run").join(f), dir.join(f)).unwrap();
    }
    let long = "長".repeat(61);
    std::fs::write(
        dir.join("=x.csv"),
        format!(
            "v,n\r\n東京都千代田区,000001\r\n東京,12a\r\n\"+1+cmd|' /C calc'!A0\",abc\r\n\
             =HYPERLINK(\"\"x\"\"),-1\r\n{long},000005\r\n\"a\tb\",@SUM(1)\r\n"
        ),
    )
    .unwrap();
    ikou_in(
        &dir,
        &[
            "convert",
            "--profile",
            "csv.profile.toml",
            "--specs",
            "trailer-out.toml",
            "=x.csv",
            "--out",
            "run",
            "--outputs",
            "minimal",
            "-q",
        ],
        None,
    )
    .expect(4);
    let expected = format!(
        "\u{feff}record,file,file_record,byte_offset,kinds,reasons,raw_hex,item:v,item:n\r\n\
         2,'=x.csv,3,35,char.not_digit,n: character 3 (U+0061) is not a digit (char.not_digit),e69db1e4baac2c313261,東京,12a\r\n\
         3,'=x.csv,4,47,char.not_digit,n: character 1 (U+0061) is not a digit (char.not_digit),222b312b636d647c27202f432063616c6327214130222c616263,'+1+cmd|' /C calc'!A0,abc\r\n\
         4,'=x.csv,5,75,char.not_digit,n: character 1 (U+002D) is not a digit (char.not_digit),3d48595045524c494e4b282222782222292c2d31,\"'=HYPERLINK(\"\"\"\"x\"\"\"\")\",'-1\r\n\
         5,'=x.csv,6,97,target.length,\"v: 61 characters, the target allows 60 (target.length)\",{hex}2c303030303035,{long},000005\r\n\
         6,'=x.csv,7,289,char.control|char.not_digit,\"v: character 2 is a control character (U+0009): not removed, correct it at the source (char.control); n: character 1 (U+0040) is not a digit (char.not_digit)\",22610962222c4053554d283129,a\tb,'@SUM(1)\r\n",
        hex = "e995b7".repeat(61),
    );
    let got = std::fs::read(dir.join("run/rejects.csv")).unwrap();
    assert_eq!(String::from_utf8_lossy(&got), expected);
    assert_eq!(got, expected.as_bytes());
}
