//! Issue 15 (internal structure): the places that name every output file agree with the one
//! list of them, `ikou_convert::output::RunFile`.

use crate::util::{col, csv_file, ikou, tempdir};
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

/// What a vendor's sink was handed: converted rows, rejects and changes, as text.
#[derive(Default)]
struct Seen {
    rows: Vec<(u64, u64, Vec<Option<String>>)>,
    rejects: Vec<(u64, String, String, u64)>,
    changes: Vec<[String; 5]>,
    /// The records as read: number, byte offset and raw bytes.
    before: Vec<(u64, u64, Vec<u8>)>,
    finished: bool,
}

struct Keep(std::sync::Arc<std::sync::Mutex<Seen>>);

impl ikou_convert::RecordSink for Keep {
    fn wants_before(&self) -> bool {
        true
    }
    fn write_before(
        &mut self,
        rows: &[ikou_convert::Row<'_>],
    ) -> Result<(), ikou_convert::SinkError> {
        let mut s = self.0.lock().unwrap();
        s.before.extend(
            rows.iter()
                .map(|r| (r.record, r.offset, r.raw.unwrap_or_default().to_vec())),
        );
        Ok(())
    }
    fn write_rows(
        &mut self,
        rows: &[ikou_convert::Row<'_>],
    ) -> Result<(), ikou_convert::SinkError> {
        let mut s = self.0.lock().unwrap();
        s.rows.extend(
            rows.iter()
                .map(|r| (r.record, r.skipped, r.values.to_vec())),
        );
        Ok(())
    }
    fn write_rejects(
        &mut self,
        rejects: &[ikou_convert::Rejected<'_>],
    ) -> Result<(), ikou_convert::SinkError> {
        let mut s = self.0.lock().unwrap();
        for r in rejects {
            let mut kinds: Vec<&str> = r.reasons.iter().map(|x| x.kind.id()).collect();
            kinds.dedup();
            let reasons: Vec<String> = r.reasons.iter().map(ToString::to_string).collect();
            s.rejects
                .push((r.record, kinds.join("|"), reasons.join("; "), r.offset));
        }
        Ok(())
    }
    fn write_changes(
        &mut self,
        changes: &[ikou_convert::Change<'_>],
    ) -> Result<(), ikou_convert::SinkError> {
        let mut s = self.0.lock().unwrap();
        for c in changes {
            s.changes.push([
                c.record.to_string(),
                c.item.into(),
                c.rule.into(),
                c.before.into(),
                c.after.into(),
            ]);
        }
        Ok(())
    }
    fn finish(self: Box<Self>) -> Result<(), ikou_convert::SinkError> {
        self.0.lock().unwrap().finished = true;
        Ok(())
    }
}

/// Issue #15: a vendor's program on the public API — the profile looked up as `--profile`
/// does, the input held in memory, a sink of its own beside the standard outputs — writes
/// the files `ikou convert` writes, byte for byte, with the same counts; and its sink is
/// handed exactly what the standard CSVs, `rejects.csv` and `changes.csv` hold.
#[test]
fn issue15_the_public_api_from_memory_writes_the_cli_run_byte_for_byte() {
    use ikou_convert::run::{Outputs, Run, RunInput, RunOptions};
    use ikou_convert::{setup, Plan};
    let dir = tempdir("issue15-api-equals-cli");
    let (cli, api) = (dir.join("cli"), dir.join("api"));
    // The file's name as the manifest and rejects.csv give it: the same on both sides.
    let input = crate::util::root().join("testdata/sample/juki-1000.dat");
    let input = input.to_string_lossy().into_owned();
    let cli_s = cli.to_string_lossy().into_owned();
    ikou(&[
        "convert",
        "--profile",
        "sample-juki",
        &input,
        "--out",
        &cli_s,
        "--outputs",
        "all",
    ])
    .expect(0);

    let catalog = setup::load_catalog(&[]).unwrap();
    let profile = setup::load_profile(&catalog, "sample-juki").unwrap();
    let gaiji = setup::load_gaiji(&profile, None).unwrap();
    let plan = Plan::new(&catalog, profile, gaiji).unwrap();
    let mut opts = RunOptions::new(&api);
    opts.outputs = Outputs::all();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
    let bytes = std::fs::read(&input).unwrap();
    let m = Run::new(&plan, &opts)
        .input(RunInput::Reader {
            name: input.clone(),
            reader: Box::new(std::io::Cursor::new(bytes)),
        })
        .sink(Box::new(Keep(std::sync::Arc::clone(&seen))))
        .execute()
        .unwrap();

    // The same files, byte for byte — but for the manifest and the report drawn from it,
    // which hold the run's time.
    let names = crate::util::names_in(&cli);
    assert_eq!(names, crate::util::names_in(&api));
    assert!(names.len() >= 12, "{names:?}");
    let timed = [RunFile::Manifest.name(), RunFile::Report.name()];
    for name in names.iter().filter(|n| !timed.contains(&n.as_str())) {
        let (a, b) = (
            std::fs::read(cli.join(name)).unwrap(),
            std::fs::read(api.join(name)).unwrap(),
        );
        assert!(a == b, "{name} differs ({} and {} bytes)", a.len(), b.len());
    }
    let cm = crate::util::manifest(&cli);
    let am = serde_json::to_value(&m).unwrap();
    assert_eq!(cm["counts"], am["counts"]);
    assert_eq!(cm["inputs"], am["inputs"]);
    for (c, a) in cm["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(am["outputs"].as_array().unwrap())
    {
        if c["name"] != RunFile::Report.name() {
            assert_eq!(c, a);
        }
    }
    assert_eq!(m.counts.input_records, 1000);

    // The sink saw what the files hold.
    let s = seen.lock().unwrap();
    assert!(s.finished);
    assert_eq!(s.rows.len() as u64, m.counts.output_records);
    let (h, rejects) = csv_file(&cli.join(RunFile::Rejects.name()));
    let (record, kinds, reasons, offset) = (
        col(&h, "record"),
        col(&h, "kinds"),
        col(&h, "reasons"),
        col(&h, "byte_offset"),
    );
    let want: Vec<(u64, String, String, u64)> = rejects
        .iter()
        .map(|r| {
            let n = |i: usize| r[i].parse::<u64>().unwrap();
            (n(record), r[kinds].clone(), r[reasons].clone(), n(offset))
        })
        .collect();
    assert_eq!(s.rejects.len(), 48);
    assert_eq!(s.rejects, want);
    let (_, changes) = csv_file(&cli.join(RunFile::Changes.name()));
    let want: Vec<[String; 5]> = changes
        .iter()
        .map(|r| std::array::from_fn(|i| r[i].clone()))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(s.changes, want);
    // Every record as read, in order, with its raw bytes: the input again.
    let records: Vec<u64> = s.before.iter().map(|b| b.0).collect();
    assert_eq!(records, (1..=1000).collect::<Vec<u64>>());
    let bytes = std::fs::read(&input).unwrap();
    for (record, offset, raw) in &s.before {
        let at = usize::try_from(*offset).unwrap();
        assert!(!raw.is_empty(), "record {record}");
        assert_eq!(
            bytes.get(at..at + raw.len()),
            Some(&raw[..]),
            "record {record}"
        );
    }
    // Converted and rejected records are all of them, each once.
    // Each group's rows, as its standard CSV has them: the group's items of the records
    // that give a row there (sample-juki's 世帯 group: the 世帯主 only).
    assert_eq!(plan.groups.len(), 2);
    for (g, group) in plan.groups.iter().enumerate() {
        let (_, want) = csv_file(&cli.join(&group.file));
        let in_group = |skipped: u64| {
            let row = ikou_convert::Row {
                skipped,
                ..Default::default()
            };
            row.has_row(g)
        };
        let got: Vec<Vec<String>> = (s.rows.iter())
            .filter(|(_, skipped, _)| in_group(*skipped))
            .map(|(_, _, v)| {
                (v[group.range.clone()].iter())
                    .map(|x| x.clone().unwrap_or_default())
                    .collect()
            })
            .collect();
        assert!(
            !want.is_empty() && want.len() < 1000,
            "{}: {} rows",
            group.file,
            want.len()
        );
        assert_eq!(got, want, "{}", group.file);
    }
    let mut all: Vec<u64> = (s.rows.iter().map(|r| r.0))
        .chain(s.rejects.iter().map(|r| r.0))
        .collect();
    all.sort_unstable();
    assert_eq!(all, (1..=1000).collect::<Vec<u64>>());
    std::fs::remove_dir_all(&dir).unwrap();
}
