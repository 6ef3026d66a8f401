//! Session 8: pass 1 of a plan with foreign keys reads keys only (`Plan::check_row`) and
//! leaves the per-record work to pass 2 (a record's own referenced row) or to a second read
//! (the other referenced records). The reference is the full pass (every record processed,
//! `FORCE_FULL`): the facts and the whole runs must be the same.

use super::*;
use crate::input::RunInput;
use crate::options::{NoProgress, Outputs};
use crate::plan::Plan;
use crate::sources::SourcePlans;
use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::profile::{load_profile_file, ProfileAccess};
use ikou_layout_spec::Catalog;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn groups() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/groups")
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ikou-fkpass-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The vendor layout of the crafted history file: 宛名番号, 世帯主 (the head's 宛名番号, a
/// foreign key to the history rows of that person), 世帯番号, 異動日 (a record whose date is
/// not digits is rejected by its per-record work) and 区分 (`H`: the record gives a 世帯 row).
const LEGACY: &str = "id = \"legacy/fk\"\nname = \"fk\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n\n[[items]]\nnumber = 1\nname = \"宛名番号\"\nkey = \"atena_no\"\ntype = \"digits\"\nlength = 6\nrequired = true\n\n[[items]]\nnumber = 2\nname = \"世帯主\"\nkey = \"nushi_no\"\ntype = \"digits\"\nlength = 6\n\n[[items]]\nnumber = 3\nname = \"世帯番号\"\nkey = \"setai_no\"\ntype = \"digits\"\nlength = 6\n\n[[items]]\nnumber = 4\nname = \"異動日\"\nkey = \"ido_date\"\ntype = \"digits\"\nlength = 8\n\n[[items]]\nnumber = 5\nname = \"区分\"\nkey = \"kind\"\ntype = \"text\"\nlength = 2\n";

const SETAI: &str = "id = \"standard/fk-setai\"\nname = \"世帯\"\nfamily = \"standard\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n\n[[items]]\nnumber = 1\nname = \"世帯番号\"\nkey = \"setai_no\"\ntype = \"digits\"\nlength = 6\nrequired = true\ndata_type = \"X\"\nprimary_key = true\n\n[[items]]\nnumber = 2\nname = \"世帯主宛名番号\"\nkey = \"atena_no\"\ntype = \"digits\"\nlength = 6\nrequired = true\ndata_type = \"X\"\nforeign_key = \"standard/groups-rireki\"\n";

const PROFILE: &str = "id = \"fk\"\nname = \"fk\"\nsource = \"legacy.toml\"\nmax_reject_rate = \"90%\"\n[output]\nbom = false\nline_ending = \"lf\"\nquote = \"necessary\"\nheader = \"keys\"\n\n[[targets]]\nname = \"rireki\"\nlayout = \"rireki.toml\"\n\n[[targets.map]]\ntarget = \"atena_no\"\nfrom = \"atena_no\"\n\n[[targets.map]]\ntarget = \"rireki_no\"\nsequence = { key = [\"atena_no\"], order = [\"ido_date\"] }\n\n[[targets.map]]\ntarget = \"ido_date\"\nfrom = \"ido_date\"\n\n[[targets.map]]\ntarget = \"ido_jiyu\"\nfrom = \"kind\"\n\n[[targets]]\nname = \"setai\"\nlayout = \"setai.toml\"\nwhen = { from = \"kind\", equals = \"H\" }\n\n[[targets.map]]\ntarget = \"setai_no\"\nfrom = \"setai_no\"\n\n[[targets.map]]\ntarget = \"atena_no\"\nfrom = \"nushi_no\"\n";

/// The crafted records (1-based record numbers in the comments) and the records whose
/// 世帯 row's foreign key is missing (the full pass's outcome, by hand).
pub(crate) const INPUT: &str = "atena_no,nushi_no,setai_no,ido_date,kind\r\n\
000030,000031,100030,20200101,H\r\n\
000032,000033,100032,20200101,H\r\n\
000010,000010,100010,20200101,H\r\n\
000011,000011,100011,2020013X,H\r\n\
000020,,,20200101,01\r\n\
000020,,,2020XX01,02\r\n\
000021,000020,100021,20200201,H\r\n\
000022,,,20X00101,01\r\n\
000022,,,20Y00101,01\r\n\
000023,000022,100023,20200101,H\r\n\
000031,,,20200101,01\r\n\
000033,,,2020ZZ01,01\r\n\
000040,000040,100040,2020QQ01,H\r\n\
000041,000040,100041,20200101,H\r\n\
000050,000050,100050,20200101,H\r\n\
000050,,,2020AB01,01\r\n\
000060,000061,100060,20200101,H\r\n";

/// 1 precedes its valid parent (11): holds; 2 precedes its rejected parent (12): missing;
/// 3 its own valid row: holds; 4 its own row, rejected: missing; 7 → 000020, one of two
/// history rows valid: holds; 10 → 000022, both rejected: missing; 13 its own rejected row
/// and 14 the same key: both missing; 15 its own valid row beside an invalid history row
/// of the same key: holds; 17 no row at all: missing.
pub(crate) const MISSING: [u64; 6] = [2, 4, 10, 13, 14, 17];

fn crafted(dir: &Path) -> Plan {
    std::fs::copy(groups().join("rireki.toml"), dir.join("rireki.toml")).unwrap();
    std::fs::write(dir.join("legacy.toml"), LEGACY).unwrap();
    std::fs::write(dir.join("setai.toml"), SETAI).unwrap();
    std::fs::write(dir.join("fk.toml"), PROFILE).unwrap();
    std::fs::write(dir.join("in.csv"), INPUT).unwrap();
    plan_of(&dir.join("fk.toml"))
}

fn plan_of(profile: &Path) -> Plan {
    let mut catalog = Catalog::bundled().unwrap();
    let profile = load_profile_file(profile, &mut catalog, &ProfileAccess::default()).unwrap();
    Plan::new(&catalog, profile, GaijiTable::new()).unwrap()
}

/// Pass 1 alone over `input`: the facts and, per record, its sequence numbers and own-row
/// mask.
fn pass1_of(plan: &Plan, input: &Path, opts: &RunOptions, full: bool) -> (CrossFacts, ChunkFacts) {
    FORCE_FULL.with(|f| f.set(full));
    std::fs::create_dir_all(&opts.out_dir).unwrap();
    let mut inputs = vec![Input::open(RunInput::Path(input.to_path_buf())).unwrap()];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let (facts, mut numbers) =
        gather_facts(&[plan], &[0], &mut inputs, opts, &pool, &NoProgress).unwrap();
    FORCE_FULL.with(|f| f.set(false));
    let per_record = numbers.take(1, 1000).unwrap();
    (facts, per_record)
}

/// Every data record of `input`, processed (record number, the record's child keys per
/// foreign key, whether it passes the per-record work).
fn processed(plan: &Plan, input: &Path) -> Vec<(u64, Vec<Option<u64>>, bool)> {
    let opts = RunOptions::new(std::env::temp_dir());
    let file = std::fs::File::open(input).unwrap();
    let mut reader = opts.record_reader(file, &plan.source).unwrap();
    let mut chunk = Vec::new();
    let mut frames = FileFrames::default();
    let mut out = Vec::new();
    let mut s = Scratch::new(plan.charset());
    loop {
        let more = read_chunk(
            &mut reader,
            &mut chunk,
            (100_000, 1 << 30),
            input,
            &mut frames,
        )
        .unwrap();
        for r in &chunk {
            let p = plan.process(r, 0, &mut s);
            let keys = fk_relations(plan)
                .iter()
                .map(|(g, f, _)| {
                    let items = &plan.groups[*g].foreign_keys[*f].1;
                    p.has_row(*g).then(|| row_key(items, &p.after)).flatten()
                })
                .collect();
            out.push((out.len() as u64 + 1, keys, !p.rejected()));
        }
        if !more {
            break;
        }
    }
    out
}

/// The keys-only pass gives the full pass's facts: the same duplicates, households,
/// sequence numbers, and the same missing foreign keys once pass 2 has decided the
/// own-row ones (a record's own referenced row, missing when the record fails its
/// per-record work).
fn same_facts(plan: &Plan, input: &Path, opts: &RunOptions) -> Vec<u64> {
    let (full, fn_) = pass1_of(plan, input, opts, true);
    let (split, sn) = pass1_of(plan, input, opts, false);
    assert_eq!(full.duplicates, split.duplicates);
    assert_eq!(full.bad_households, split.bad_households);
    assert_eq!(full.primary_key_duplicates, split.primary_key_duplicates);
    assert_eq!(fn_.numbers, sn.numbers);
    assert!(fn_.own.iter().all(|x| x.is_none()), "{:?}", fn_.own);
    let records = processed(plan, input);
    let mut effective = split.foreign_key_missing.clone();
    let mut own_records = Vec::new();
    for (record, keys, valid) in &records {
        let i = (*record - 1) as usize;
        let mask = sn.own.get(i).copied().flatten().unwrap_or(0);
        if mask != 0 {
            own_records.push(*record);
        }
        assert_eq!(sn.own_missing(i, !valid), if *valid { 0 } else { mask });
        for (b, (g, f, _)) in fk_relations(plan).iter().enumerate() {
            if mask & (1 << b) != 0 && !valid {
                effective[*g][*f].insert(keys[b].unwrap());
            }
        }
    }
    assert_eq!(full.foreign_key_missing, effective);
    own_records
}

/// The records rejected and their reason kinds, from rejects.csv.
fn rejects(dir: &Path) -> BTreeMap<u64, String> {
    let text = std::fs::read_to_string(dir.join("rejects.csv")).unwrap();
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (rec, kinds) = (col("record"), col("kinds"));
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[rec].parse().unwrap(), x[kinds].to_string())
        })
        .collect()
}

/// Runs `inputs` twice, with the full pass 1 and with the keys-only one, with every output:
/// every file the same byte for byte, the same counts, groups and problems.
fn same_runs(plans: &SourcePlans, inputs: &[(&str, &Path)], dir: &Path, keys: usize) -> PathBuf {
    let mut out = Vec::new();
    for full in [true, false] {
        let mut opts = RunOptions::new(dir.join(if full { "full" } else { "keys" }));
        opts.outputs = Outputs::all();
        if plans.is_multi() {
            // One source layout per before.* file: not written by a run of several sources.
            opts.outputs.before_arrow = false;
            opts.outputs.before_parquet = false;
        }
        opts.sort_buffer_keys = keys;
        opts.chunk_records = 3; // records across chunks
        let _ = std::fs::remove_dir_all(&opts.out_dir);
        FORCE_FULL.with(|f| f.set(full));
        let mut run = if plans.is_multi() {
            crate::run::Run::sources(plans, &opts)
        } else {
            crate::run::Run::new(&plans.plans()[0], &opts)
        };
        for (source, path) in inputs {
            let input = RunInput::Path(path.to_path_buf());
            run = run.input(if plans.is_multi() {
                RunInput::of_source(*source, input)
            } else {
                input
            });
        }
        let m = run.execute();
        FORCE_FULL.with(|f| f.set(false));
        out.push((m.unwrap(), opts.out_dir));
    }
    let ((ma, a), (mb, b)) = (&out[0], &out[1]);
    assert_eq!(ma.counts, mb.counts);
    assert_eq!(ma.groups, mb.groups);
    assert_eq!(ma.outputs, mb.outputs);
    assert_eq!(ma.problems, mb.problems);
    let mut names: Vec<String> = std::fs::read_dir(a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    names.sort();
    assert!(names.contains(&"rejects.csv".to_string()), "{names:?}");
    for n in &names {
        assert!(
            std::fs::read(a.join(n)).unwrap() == std::fs::read(b.join(n)).unwrap(),
            "{n} differs"
        );
    }
    let left: Vec<_> = std::fs::read_dir(b)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    b.clone()
}

fn single(plan: Plan) -> SourcePlans {
    SourcePlans::single(plan)
}

#[test]
fn session8_keys_only_pass1_gives_the_full_passs_foreign_key_facts() {
    let dir = temp("facts");
    let plan = crafted(&dir);
    assert!(plan.check_row_is_exact());
    for keys in [crate::keysort::DEFAULT_BUFFER_KEYS, 1, 3] {
        let mut opts = RunOptions::new(dir.join("p1"));
        opts.sort_buffer_keys = keys;
        opts.chunk_records = 4;
        let own = same_facts(&plan, &dir.join("in.csv"), &opts);
        // Decided in pass 2: the heads 3 and 4, whose key has only their own row on both
        // sides. Not 13 (14 refers to its key too) nor 15 (its key has a second history
        // row): those are processed in the second read, as are the parents of 1, 2, 7, 10.
        assert_eq!(own, [3, 4], "sort buffer {keys}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn session8_crafted_foreign_keys_give_the_same_run_spilled_or_not() {
    let dir = temp("crafted");
    let plan = crafted(&dir);
    let plans = single(plan);
    let input = dir.join("in.csv");
    for keys in [crate::keysort::DEFAULT_BUFFER_KEYS, 2] {
        let run = same_runs(&plans, &[("", &input)], &dir.join(format!("k{keys}")), keys);
        let rejected = rejects(&run);
        let missing: Vec<u64> = rejected
            .iter()
            .filter(|(_, k)| k.split('|').any(|k| k == "check.foreign_key_missing"))
            .map(|(r, _)| *r)
            .collect();
        assert_eq!(missing, MISSING);
        // A rejected head keeps its own reason beside the foreign key's.
        assert!(rejected[&4].split('|').count() >= 2, "{:?}", rejected[&4]);
        assert!(rejected[&13].split('|').count() >= 2, "{:?}", rejected[&13]);
        // The history rows' own rejections, and nothing else.
        let others: Vec<u64> = rejected
            .keys()
            .copied()
            .filter(|r| !MISSING.contains(r))
            .collect();
        assert_eq!(others, [6, 8, 9, 12, 16]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn session8_group_test_profiles_give_the_same_run() {
    let dir = temp("groups");
    let g = groups();
    // Duplicate primary keys of the referenced group, a rejected head, dangling rows.
    let plan = plan_of(&g.join("groups.toml"));
    assert!(plan.check_row_is_exact());
    for (n, input) in ["kojin.csv", "dangling.csv"].iter().enumerate() {
        let input = g.join(input);
        same_facts(&plan, &input, &RunOptions::new(dir.join(format!("p{n}"))));
        for keys in [crate::keysort::DEFAULT_BUFFER_KEYS, 1] {
            let out = dir.join(format!("g{n}-{keys}"));
            same_runs(
                &single(plan_of(&g.join("groups.toml"))),
                &[("", &input)],
                &out,
                keys,
            );
        }
    }
    // Several sources: the history file's foreign key to the persons.
    let mut catalog = Catalog::bundled().unwrap();
    let profile = load_profile_file(
        &g.join("sources.toml"),
        &mut catalog,
        &ProfileAccess::default(),
    )
    .unwrap();
    let plans = SourcePlans::new(&catalog, profile, GaijiTable::new()).unwrap();
    let inputs = [
        ("kojin", g.join("kojin.csv")),
        ("rireki", g.join("rireki-sources.csv")),
    ];
    let inputs: Vec<(&str, &Path)> = inputs.iter().map(|(s, p)| (*s, p.as_path())).collect();
    for keys in [crate::keysort::DEFAULT_BUFFER_KEYS, 1] {
        same_runs(&plans, &inputs, &dir.join(format!("s{keys}")), keys);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn session8_the_bundled_sample_gives_the_same_run() {
    let dir = temp("sample");
    let plan = crate::fixtures_tests::sample_plan();
    assert!(plan.check_row_is_exact());
    let input = crate::fixtures_tests::sample();
    same_facts(&plan, &input, &RunOptions::new(dir.join("p")));
    let plans = single(crate::fixtures_tests::sample_plan());
    same_runs(&plans, &[("", &input)], &dir.join("r"), 50);
    std::fs::remove_dir_all(&dir).unwrap();
}
