//! Issue 13 (standard datasets out): a profile with `[[targets]]` writes one CSV per group
//! (グループ) from one input, with the groups' primary and foreign keys checked across files,
//! one accounting per source record, rows per group in the manifest, and `verify` checking
//! every group file. Synthetic data: `testdata/groups/`.

use crate::util::*;
use std::path::{Path, PathBuf};

const PROFILE: &str = "testdata/groups/groups.toml";
const INPUT: &str = "testdata/groups/kojin.csv";

fn convert(dir: &Path, extra: &[&str]) -> Run {
    let out = dir.to_str().unwrap();
    let mut args = vec!["convert", "--profile", PROFILE, INPUT, "--out", out];
    args.extend_from_slice(extra);
    ikou(&args)
}

/// (record, kinds) of rejects.csv.
fn rejects(dir: &Path) -> Vec<(u64, String)> {
    let mut r = csv::Reader::from_path(dir.join("rejects.csv")).unwrap();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].parse().unwrap(), x[4].to_string())
        })
        .collect()
}

#[test]
fn issue13_groups_two_groups_from_one_input_keys_checked_and_accounting_exact() {
    let dir = tempdir("issue13-groups-main");
    convert(&dir, &[]).expect(0);
    // Every person record that passes gives a kojin row; a head (続柄 01) a setai row too.
    assert_eq!(
        text(&dir, "kojin.csv"),
        "atena_no,setai_no,shimei,zokugara\r\n\
         000001,100001,山田太郎,01\r\n\
         000002,100001,山田花子,02\r\n\
         000006,100004,田中一,01\r\n\
         000007,100004,田中次郎,03\r\n\
         000012,100007,渡辺一,01\r\n\
         000013,100007,渡辺花子,02\r\n"
    );
    assert_eq!(
        text(&dir, "setai.csv"),
        "setai_no,nushi_atena_no\r\n100001,000001\r\n100004,000006\r\n100007,000012\r\n"
    );
    // A rejected source record has no row in any group and one rejects.csv row with every
    // reason.
    assert_eq!(
        rejects(&dir),
        vec![
            // 宛名番号 000003 twice: both records (kojin's primary key).
            (3, "check.primary_key_duplicate".into()),
            (4, "check.primary_key_duplicate".into()),
            // 世帯番号 100009 has no setai row.
            (5, "check.foreign_key_missing".into()),
            // The head of 100005 is rejected for its 氏名: the household has no row, so
            // both members' foreign keys dangle (the head's own too).
            (8, "target.length|check.foreign_key_missing".into()),
            (9, "check.foreign_key_missing".into()),
            // Two heads of 100006: setai's primary key twice, so no household row either.
            (
                10,
                "check.foreign_key_missing|check.primary_key_duplicate".into()
            ),
            (
                11,
                "check.foreign_key_missing|check.primary_key_duplicate".into()
            ),
        ]
    );
    let m = manifest(&dir);
    let c = &m["counts"];
    assert_eq!(c["input_records"], 13);
    assert_eq!(c["output_records"], 6);
    assert_eq!(c["rejected_records"], 7);
    assert_eq!(m["accounting_ok"], true);
    // Rows per group file.
    let groups = m["groups"].as_array().unwrap();
    let rows: Vec<(&str, &str, u64)> = groups
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap(),
                g["file"].as_str().unwrap(),
                g["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![("kojin", "kojin.csv", 6), ("setai", "setai.csv", 3)]
    );
    assert_eq!(groups[1]["layout"]["id"], "standard/groups-setai");
    // Every group file is a listed output with its hash.
    let outputs: Vec<&str> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(
        outputs.contains(&"kojin.csv") && outputs.contains(&"setai.csv"),
        "{outputs:?}"
    );
    assert_eq!(c["rejects_by_reason"]["check.primary_key_duplicate"], 4);
    assert_eq!(c["rejects_by_reason"]["check.foreign_key_missing"], 5);
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "manifest.json")
        .map(|p: PathBuf| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn issue13_groups_a_rerun_is_byte_identical() {
    let a = tempdir("issue13-groups-rerun-a");
    let b = tempdir("issue13-groups-rerun-b");
    convert(&a, &["--threads", "1"]).expect(0);
    convert(&b, &["--threads", "2"]).expect(0);
    let (fa, fb) = (files(&a), files(&b));
    assert!(fa.iter().any(|(n, _)| n == "setai.csv"));
    assert_eq!(fa, fb);
    let (mut ma, mut mb) = (manifest(&a), manifest(&b));
    for m in [&mut ma, &mut mb] {
        m["timings"] = serde_json::Value::Null;
        m["options"]["threads"] = serde_json::Value::Null;
    }
    assert_eq!(ma["outputs"], mb["outputs"]);
    assert_eq!(ma["groups"], mb["groups"]);
    assert_eq!(ma["counts"], mb["counts"]);
}

#[test]
fn issue13_groups_verify_checks_every_group_file() {
    let dir = tempdir("issue13-groups-verify");
    convert(&dir, &[]).expect(0);
    let ok = ikou(&["verify", dir.to_str().unwrap()]).expect(0);
    assert!(ok.stdout.contains("rows setai.csv"), "{}", ok.stdout);
    assert!(ok.stdout.contains("rows kojin.csv"), "{}", ok.stdout);
    // A row added to a group file: its hash and its row count no longer match.
    let setai = dir.join("setai.csv");
    let mut bytes = std::fs::read(&setai).unwrap();
    bytes.extend_from_slice(b"100099,000099\r\n");
    std::fs::write(&setai, bytes).unwrap();
    let bad = ikou(&["verify", dir.to_str().unwrap()]).expect(1);
    let failed: Vec<&str> = bad
        .stdout
        .lines()
        .filter(|l| l.starts_with("MISMATCH"))
        .collect();
    assert_eq!(failed.len(), 2, "{}", bad.stdout);
    assert!(failed[0].contains("sha256 setai.csv"), "{failed:?}");
    assert!(
        failed[1].contains("rows setai.csv: manifest 3, file 4"),
        "{failed:?}"
    );
    // A group file removed: the manifest still lists it.
    std::fs::remove_file(&setai).unwrap();
    let gone = ikou(&["verify", dir.to_str().unwrap()]).expect(1);
    assert!(gone.stdout.contains("setai.csv"), "{}", gone.stdout);
}

#[test]
fn issue13_groups_profile_form_errors_name_the_field() {
    let dir = tempdir("issue13-groups-profile");
    for f in ["legacy-kojin.toml", "kojin.toml", "setai.toml"] {
        std::fs::copy(root().join("testdata/groups").join(f), dir.join(f)).unwrap();
    }
    let good = std::fs::read_to_string(root().join(PROFILE)).unwrap();
    let cases = [
        // Both forms at once.
        (
            good.replace(
                "max_reject_rate",
                "target = \"kojin.toml\"\nmax_reject_rate",
            ),
            "not both",
        ),
        // Two groups writing one file.
        (
            good.replace("file = \"setai.csv\"", "file = \"kojin.csv\""),
            "a second group writes `kojin.csv`",
        ),
        // A file name that is not a plain .csv name.
        (
            good.replace("file = \"setai.csv\"", "file = \"../setai.csv\""),
            "plain file name",
        ),
        // A condition on an item the source does not have.
        (
            good.replace("from = \"zokugara\", equals", "from = \"nothing\", equals"),
            "source layout has no item `nothing`",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let p = dir.join(format!("p{i}.toml"));
        std::fs::write(&p, text).unwrap();
        let run = ikou(&["profiles", "check", p.to_str().unwrap()]).expect(2);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains(want), "case {i}: {all}");
    }
    // The profile as it is: fine.
    let p = dir.join("good.toml");
    std::fs::write(&p, &good).unwrap();
    ikou(&["profiles", "check", p.to_str().unwrap()]).expect(0);
    // Every group's layout is named, as `convert` names them.
    let bundled = root().join("specs/profiles/sample-juki.toml");
    let run = ikou(&["profiles", "check", bundled.to_str().unwrap()]).expect(0);
    assert!(
        run.stdout.contains(
            "(legacy/sample-juki → standard/jumin-kiroku-jumin + standard/jumin-kiroku-setai)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn issue13_groups_a_parent_rejected_by_another_cross_record_check_is_a_problem_of_the_run() {
    // 宛名番号 000001 twice: both heads are rejected (kojin's primary key), so households
    // 100001 and 100002 have no setai row; their members passed pass 1's check (their
    // heads' records pass the per-record work) and keep their rows. The run says so.
    let dir = tempdir("issue13-groups-dangling");
    let out = dir.to_str().unwrap();
    let run = ikou(&[
        "convert",
        "--profile",
        PROFILE,
        "testdata/groups/dangling.csv",
        "--out",
        out,
    ])
    .expect(0);
    assert!(
        run.stdout.contains("group.foreign_key_dangling"),
        "{}",
        run.stdout
    );
    assert_eq!(
        text(&dir, "kojin.csv"),
        "atena_no,setai_no,shimei,zokugara\r\n\
         000002,100001,山田花子,02\r\n\
         000003,100002,山田三郎,02\r\n\
         000004,100003,佐藤一,01\r\n"
    );
    assert_eq!(
        text(&dir, "setai.csv"),
        "setai_no,nushi_atena_no\r\n100003,000004\r\n"
    );
    let m = manifest(&dir);
    let problems = m["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["kind"], "group.foreign_key_dangling");
    let msg = problems[0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("2 rows of kojin.csv (group kojin)"),
        "{msg}"
    );
    assert_eq!(m["counts"]["output_records"], 3);
    assert_eq!(m["counts"]["rejected_records"], 2);
    // --strict fails on it.
    let strict = dir.join("strict");
    ikou(&[
        "convert",
        "--profile",
        PROFILE,
        "testdata/groups/dangling.csv",
        "--out",
        strict.to_str().unwrap(),
        "--strict",
    ])
    .expect(1);
}

#[test]
fn issue13_groups_report_shows_rows_per_group() {
    let dir = tempdir("issue13-groups-report");
    convert(&dir, &[]).expect(0);
    let page = text(&dir, "report.html");
    for want in [
        "kojin.csv の行数（グループ kojin）",
        "setai.csv の行数（グループ setai）",
    ] {
        assert!(page.contains(want), "{want}");
    }
}

#[test]
fn issue13_groups_readme_example_is_the_test_profile() {
    let readme = std::fs::read_to_string(root().join("specs/README.md")).unwrap();
    let at = readme
        .find("### Several groups: `[[targets]]`")
        .expect("specs/README.md documents several groups");
    let rest = &readme[at..];
    let start = rest.find("```toml\n").unwrap() + "```toml\n".len();
    let len = rest[start..].find("```").unwrap();
    let file = std::fs::read_to_string(root().join(PROFILE)).unwrap();
    assert_eq!(&rest[start..start + len], file);
    for f in [
        "[[targets]]",
        "targets.layout",
        "targets.name",
        "targets.file",
        "targets.when",
        "[[targets.map]]",
    ] {
        assert!(
            readme.contains(&format!("| `{f}` |")),
            "field {f} is not documented"
        );
    }
}

#[test]
fn issue13_groups_history_rows_are_numbered_per_key_in_order() {
    // 履歴番号 per 宛名番号, by 異動年月日 (an empty date first), then input order; the rows
    // stay in input order.
    let dir = tempdir("issue13-groups-history");
    let out = dir.to_str().unwrap();
    let args = [
        "convert",
        "--profile",
        "testdata/groups/history.toml",
        "testdata/groups/rireki.csv",
        "--out",
        out,
    ];
    ikou(&args).expect(0);
    let want = "atena_no,rireki_no,ido_date,ido_jiyu\r\n\
                000001,2,20200401,A1\r\n\
                000002,2,20190101,B1\r\n\
                000001,1,20100101,A0\r\n\
                000001,3,20200401,A2\r\n\
                000002,1,,B0\r\n\
                000003,1,20210101,C1\r\n";
    assert_eq!(text(&dir, "rireki.csv"), want);
    let m = manifest(&dir);
    assert_eq!(m["groups"][0]["rows"], 6);
    assert_eq!(m["counts"]["rejected_records"], 0);
    // No temporary file of the numbering is left.
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    ikou(&["verify", out]).expect(0);
    // The rerun gives the same numbers.
    let again = tempdir("issue13-groups-history-again");
    let mut args2 = args;
    args2[5] = again.to_str().unwrap();
    ikou(&args2).expect(0);
    assert_eq!(text(&again, "rireki.csv"), want);
}

/// `profiles list` names every profile `convert --profile ID` accepts: the bundled ones and
/// those of the --specs folders, with the layouts each reads and writes. One that does not
/// load is listed with its problem and makes the list exit 2.
#[test]
fn profiles_list_names_the_bundled_and_the_specs_profiles() {
    let dir = tempdir("profiles_list");
    let atena = std::fs::read_to_string(root().join("specs/profiles/sample-atena.toml")).unwrap();
    let mine = atena.replace("id = \"sample-atena\"", "id = \"my-atena\"");
    assert_ne!(mine, atena);
    std::fs::write(dir.join("my-atena.toml"), mine).unwrap();
    let r = ikou(&["profiles", "list"]).expect(0);
    for id in ["sample-juki", "host-juki", "sample-atena"] {
        assert!(
            r.stdout.lines().any(|l| l.starts_with(id)),
            "{id}: {}",
            r.stdout
        );
    }
    assert!(
        r.stdout.contains(
            "legacy/sample-juki → standard/jumin-kiroku-jumin + standard/jumin-kiroku-setai · cp932 · bundled"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("my-atena"));
    assert!(r.stdout.contains("3 profile(s)"), "{}", r.stdout);
    let specs = dir.to_str().unwrap();
    let r = ikou(&["profiles", "list", "--specs", specs, "--json"]).expect(0);
    let v = json(&r.stdout);
    let ids: Vec<&str> = (v.as_array().unwrap().iter())
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["sample-juki", "host-juki", "sample-atena", "my-atena"]
    );
    assert_eq!(
        v[0]["targets"],
        serde_json::json!(["standard/jumin-kiroku-jumin", "standard/jumin-kiroku-setai"])
    );
    assert_eq!(v[3]["sources"][0]["layout"], "legacy/sample-atena");
    assert!(
        v[3]["file"].as_str().unwrap().ends_with("my-atena.toml"),
        "{v}"
    );
    // A profile of the folder that does not load: listed with its problem, exit 2.
    std::fs::write(
        dir.join("broken.toml"),
        "id = \"broken\"\nname = \"x\"\nsource = \"legacy/sample-juki\"\ntarget = \"standard/nope\"\n",
    )
    .unwrap();
    let r = ikou(&["profiles", "list", "--specs", specs]).expect(2);
    assert!(
        r.stdout.contains("does not load:") && r.stdout.contains("standard/nope"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("my-atena"), "{}", r.stdout);
    assert!(r.stderr.contains("broken.toml"), "{}", r.stderr);
    // The shape of `profiles check --json`: ok false, the problems at their lines.
    let r = ikou(&["profiles", "list", "--specs", specs, "--json"]).expect(2);
    let v = json(&r.stdout);
    let broken = (v.as_array().unwrap().iter())
        .find(|p| p["ok"] == false)
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        broken["file"].as_str().unwrap().ends_with("broken.toml"),
        "{v}"
    );
    assert_eq!(broken["problems"][0]["line"], 4, "{v}");
    assert!(broken["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("standard/nope"));
    std::fs::remove_file(dir.join("broken.toml")).unwrap();
    // A profile whose id an earlier one has: `--profile ID` never takes it, and the list
    // says so; a file name that would steer the terminal is shown escaped.
    std::fs::write(dir.join("sample-atena-copy.toml"), &atena).unwrap();
    std::fs::write(
        dir.join("z\x1b[31mvil.toml"),
        atena.replace("id = \"sample-atena\"", "id = \"my-atena\""),
    )
    .unwrap();
    let r = ikou(&["profiles", "list", "--specs", specs]).expect(0);
    assert!(
        r.stdout.contains(
            "not what --profile sample-atena gives: the bundled profile has that id first"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("my-atena.toml has that id first"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains('\x1b') && r.stdout.contains("z\\x1B[31mvil.toml"),
        "{}",
        r.stdout
    );
    let v = json(
        &ikou(&["profiles", "list", "--specs", specs, "--json"])
            .expect(0)
            .stdout,
    );
    let shadowed: Vec<(&str, &str)> = (v.as_array().unwrap().iter())
        .filter_map(|p| Some((p["file"].as_str()?, p["shadowed_by"].as_str()?)))
        .map(|(f, by)| {
            (
                f.rsplit('/').next().unwrap(),
                by.rsplit('/').next().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shadowed,
        [
            ("sample-atena-copy.toml", "sample-atena.toml"),
            ("z\x1b[31mvil.toml", "my-atena.toml")
        ]
    );
    // A file that declares an id but does not load still takes `--profile ID` first.
    std::fs::write(
        dir.join("a-broken.toml"),
        "id = \"my-atena\"\nname = \"x\"\nsource = \"legacy/sample-juki\"\ntarget = \"standard/nope\"\n",
    )
    .unwrap();
    let r = ikou(&["profiles", "list", "--specs", specs]).expect(2);
    assert!(
        r.stdout.contains("a-broken.toml has that id first"),
        "{}",
        r.stdout
    );
}

/// `profiles check` of several folders reports each folder's problems where that folder
/// is, in the order of the arguments, as it always did.
#[test]
fn profiles_check_reports_folder_by_folder() {
    let dir = tempdir("profiles_check_order");
    let atena = std::fs::read_to_string(root().join("specs/profiles/sample-atena.toml")).unwrap();
    for d in ["a", "b", "c"] {
        std::fs::create_dir(dir.join(d)).unwrap();
    }
    std::fs::write(dir.join("a/p.toml"), &atena).unwrap();
    // b: no profile. c: a broken layout beside a sound profile.
    std::fs::write(dir.join("c/x.toml"), "id = \"legacy/x\"\nname = \"x\"\n").unwrap();
    std::fs::write(dir.join("c/p.toml"), &atena).unwrap();
    let args: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|d| dir.join(d).to_str().unwrap().to_string())
        .collect();
    let r = ikou(&["profiles", "check", &args[0], &args[1], &args[2]]).expect(2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {}", r.stderr))
    };
    let order = [
        at("a/p.toml: profile sample-atena"),
        at("b: no profile found"),
        at("problems in spec files"),
        at("c/x.toml:1: missing field `family`"),
        at("c/p.toml: profile sample-atena"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "{order:?}: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("2 profile(s) checked, 4 problem(s)"),
        "{}",
        r.stderr
    );
}

/// `layouts check --json` and `profiles check --json`: every problem with its file, line,
/// item and message, for a spec repository's CI; the exit codes are the text output's.
#[test]
fn layouts_and_profiles_check_speak_json() {
    let dir = tempdir("checks_json");
    let layouts = dir.join("layouts");
    std::fs::create_dir(&layouts).unwrap();
    std::fs::write(
        layouts.join("x.toml"),
        "id = \"legacy/x\"\nname = \"x\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\n\
         [format]\nkind = \"fixed\"\nencoding = \"cp932\"\n[[items]]\nkey = \"a\"\nname = \"A\"\nbytes = 0\n",
    )
    .unwrap();
    let r = ikou(&["layouts", "check", layouts.to_str().unwrap(), "--json"]).expect(2);
    let v = json(&r.stdout);
    assert_eq!(v["ok"], false);
    assert_eq!(v["files_checked"], 1);
    let bytes = (v["problems"].as_array().unwrap().iter())
        .find(|p| {
            p["message"]
                .as_str()
                .unwrap()
                .contains("unknown field `bytes`")
        })
        .unwrap_or_else(|| panic!("{v}"));
    assert!(bytes["file"].as_str().unwrap().ends_with("x.toml"), "{v}");
    assert_eq!(bytes["line"], 11, "{v}");
    assert_eq!(bytes["item"], "a", "{v}");
    let specs = root().join("specs");
    let r = ikou(&["layouts", "check", specs.to_str().unwrap(), "--json"]).expect(0);
    let v = json(&r.stdout);
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"], serde_json::json!([]));
    assert_eq!(
        v["profiles_not_checked"].as_array().unwrap().len(),
        3,
        "{v}"
    );

    let profiles = dir.join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    let atena = std::fs::read_to_string(root().join("specs/profiles/sample-atena.toml")).unwrap();
    std::fs::write(
        profiles.join("good.toml"),
        atena.replace("id = \"sample-atena\"", "id = \"good\""),
    )
    .unwrap();
    std::fs::write(
        profiles.join("broken.toml"),
        "id = \"broken\"\nname = \"x\"\nsource = \"legacy/sample-juki\"\ntarget = \"standard/nope\"\n",
    )
    .unwrap();
    let r = ikou(&["profiles", "check", profiles.to_str().unwrap(), "--json"]).expect(2);
    let v = json(&r.stdout);
    assert_eq!(
        (v["ok"].clone(), v["checked"].clone()),
        (false.into(), 2.into())
    );
    let by_file = |name: &str| {
        (v["profiles"].as_array().unwrap().iter())
            .find(|p| p["file"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name}: {v}"))
            .clone()
    };
    let broken = by_file("broken.toml");
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["problems"][0]["line"], 4, "{v}");
    assert!(broken["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("standard/nope"));
    let good = by_file("good.toml");
    assert_eq!(
        (good["ok"].clone(), good["id"].clone()),
        (true.into(), "good".into())
    );
    assert_eq!(
        good["targets"],
        serde_json::json!(["standard/jutogai-atena-kihon"])
    );
    assert!(good["mapping_rules"].as_u64().unwrap() > 0, "{v}");
    // The same verdict as the text output.
    let r = ikou(&["profiles", "check", profiles.to_str().unwrap()]).expect(2);
    assert!(
        r.stderr.contains("broken.toml:4:") && r.stderr.contains("1 problem(s)"),
        "{}",
        r.stderr
    );
    let bundled = root().join("specs/profiles");
    let r = ikou(&["profiles", "check", bundled.to_str().unwrap(), "--json"]).expect(0);
    assert_eq!(json(&r.stdout)["checked"], 3);
    // A broken 外字 table: the problem at the table's own file and line.
    let gaiji = dir.join("gaiji");
    std::fs::create_dir(&gaiji).unwrap();
    let mut with_table = String::new();
    for line in atena.lines() {
        with_table.push_str(if line.starts_with("gaiji_table") {
            "gaiji_table = \"bad.csv\""
        } else {
            line
        });
        with_table.push('\n');
    }
    std::fs::write(gaiji.join("p.toml"), with_table).unwrap();
    std::fs::write(
        gaiji.join("bad.csv"),
        "code,replacement,mj,note\nZZZZ,x,,\n",
    )
    .unwrap();
    let r = ikou(&["profiles", "check", gaiji.to_str().unwrap(), "--json"]).expect(2);
    let v = json(&r.stdout);
    let problem = &v["profiles"][0]["problems"][0];
    assert!(
        problem["file"].as_str().unwrap().ends_with("bad.csv"),
        "{v}"
    );
    assert_eq!(problem["line"], 2, "{v}");
    // A --specs folder that does not load: its problems as JSON, exit 2, for both verbs.
    let r = ikou(&[
        "profiles",
        "list",
        "--specs",
        layouts.to_str().unwrap(),
        "--json",
    ])
    .expect(2);
    let v = json(&r.stdout);
    assert_eq!(v["ok"], false);
    assert!(
        v["problems"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("x.toml"),
        "{v}"
    );
    let r = ikou(&[
        "profiles",
        "check",
        bundled.to_str().unwrap(),
        "--specs",
        layouts.to_str().unwrap(),
        "--json",
    ])
    .expect(2);
    assert_eq!(json(&r.stdout)["problems"], v["problems"]);
    // A path that is not there: JSON too, with the I/O exit code.
    let missing = dir.join("missing");
    let r = ikou(&["profiles", "check", missing.to_str().unwrap(), "--json"]).expect(3);
    let v = json(&r.stdout);
    assert_eq!(
        (v["ok"].clone(), v["checked"].clone()),
        (false.into(), 0.into())
    );
    assert!(
        v["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no such file"),
        "{v}"
    );
}
