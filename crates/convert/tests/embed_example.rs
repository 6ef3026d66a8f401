//! `examples/embed.rs` is a vendor's program on the public API (issue #15): it must give the
//! CLI's counts on the bundled sample (1000 in = 952 out + 48 rejected, the sample's answer
//! key), feed its own sink one line per converted and per rejected record, and end a
//! cancelled run cleanly. This test runs the built example; `cargo test` builds the
//! package's examples (with `--test embed_example` alone it does not: the example is built
//! here when it is missing, and may be older than the code when it is not).

use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/embed_example-… → target/<profile>/examples/embed
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("examples");
    let bin = dir.join(format!("embed{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "ikou-convert", "--example", "embed"])
            .status()
            .expect("run cargo to build the example");
        assert!(status.success(), "building examples/embed.rs failed");
    }
    bin
}

#[test]
fn issue15_the_embed_example_gives_the_cli_counts_with_its_own_sink_and_cancels_cleanly() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/juki-1000.dat");
    let tmp = std::env::temp_dir().join(format!("ikou-embed-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let out = tmp.join("run");
    let o = Command::new(example())
        .arg(&sample)
        .arg(&out)
        .output()
        .expect("run the embed example");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "embed example failed: {stderr}");
    assert!(
        stderr.contains("1000 records: 952 converted, 48 rejected"),
        "not the CLI's counts: {stderr}"
    );
    assert!(
        stderr.contains("the second run was cancelled: nothing published"),
        "{stderr}"
    );
    // Its own sink saw every converted record once, and every rejected one with its reasons.
    let jsonl = std::fs::read_to_string(out.with_extension("jsonl")).unwrap();
    let converted = jsonl
        .lines()
        .filter(|l| l.starts_with("{\"record\":"))
        .count();
    let rejected: Vec<&str> = jsonl
        .lines()
        .filter(|l| l.starts_with("{\"rejected\":"))
        .collect();
    assert_eq!((converted, rejected.len()), (952, 48), "{jsonl}");
    assert_eq!(jsonl.lines().count(), 1000);
    assert!(
        rejected.iter().all(|l| l.contains("\"kind\":\"")),
        "{rejected:?}"
    );
    assert!(rejected
        .iter()
        .any(|l| l.contains("\"kind\":\"check.duplicate\"")));
    // The standard outputs are there too, with the manifest.
    assert!(out.join("manifest.json").is_file());
    assert!(out.join("rejects.csv").is_file());
    let _ = std::fs::remove_dir_all(&tmp);
}
