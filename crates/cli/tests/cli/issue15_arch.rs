//! Issue 15 (internal structure): the places that name every output file agree with the one
//! list of them, `ikou_convert::output::RunFile`.

use crate::util::{ikou, tempdir};
use ikou_convert::output::RunFile;

/// `convert --help` names every file a run can write: a new `RunFile` without its line in
/// the help fails here.
#[test]
fn issue15_convert_help_names_every_run_file() {
    let r = ikou(&["convert", "--help"]).expect(0);
    for f in RunFile::ALL {
        // `before.arrow/.parquet` names two files.
        let (stem, ext) = f.name().split_once('.').unwrap();
        let named = r.stdout.contains(f.name())
            || (r.stdout.contains(&format!("{stem}.")) && r.stdout.contains(&format!("/.{ext}")));
        assert!(named, "convert --help lacks {f}");
    }
}

/// A run with every output writes exactly the files of `RunFile::ALL` (and the standard
/// CSV), and `verify` accepts it; the manifest records every optional file's selector.
#[test]
fn issue15_a_full_run_writes_every_run_file() {
    let dir = tempdir("issue15-arch-files");
    let out = dir.join("run");
    let out_s = out.to_string_lossy().into_owned();
    ikou(&[
        "convert",
        "--profile",
        "sample-juki",
        "testdata/sample/juki-1000.dat",
        "--out",
        &out_s,
        "--outputs",
        "all",
    ])
    .expect(0);
    let mut found: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut want: Vec<String> = RunFile::ALL.iter().map(|f| f.name().to_string()).collect();
    want.push("jumin.csv".into());
    want.push("setai.csv".into());
    want.sort();
    assert_eq!(found, want);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(RunFile::Manifest.name())).unwrap())
            .unwrap();
    let outputs = m["options"]["outputs"].as_str().unwrap();
    for f in RunFile::ALL {
        if let Some(s) = f.selector() {
            assert!(outputs.split(',').any(|t| t == s), "{s} not in {outputs}");
        }
    }
    ikou(&["verify", &out_s]).expect(0);
    std::fs::remove_dir_all(&dir).unwrap();
}
