//! `ikou profiles list` and `ikou profiles check FILE|DIR…`: the profiles there are, and a
//! check of migration profiles and everything they name.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, shown_path, terminal_safe as safe};
use clap::{Args, Subcommand};
use ikou_convert::setup;
use ikou_layout_spec::profile::{load_profile_file, ProfileAccess};
use ikou_layout_spec::{Catalog, SpecPosition};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
A profile is one TOML file that names a whole migration: the source and target layouts,
the character profile (encoding, variants, 外字 table), the date policy, the output form,
one mapping rule per target item and the cross-record checks. specs/README.md documents
every field, with a worked example.

`check` loads each profile as `convert` would — with the bundled specs, the --specs
folders and, for a folder argument, the layouts and code tables of that folder — and checks
the files it names too (layout files, code tables, the 外字 table): every problem is listed
with its file and line. Files a profile names by path are read relative to the profile's
folder and only inside it or a --specs folder, unless --allow-outside-specs.

Examples:
  ikou profiles check specs/profiles/sample-juki.toml
  ikou profiles check my-specs/ --specs shared-layouts/
  ikou profiles check my-specs/ --json

Exit codes: 0 every profile is sound; 2 a profile has problems (all are listed).";

const LIST_HELP: &str = "\
Lists the profiles `convert --profile ID` accepts: the bundled ones and those found in the
--specs folders, each with its id, name, the layouts it reads and writes, the encoding of
its input and where it comes from.

Examples:
  ikou profiles list
  ikou profiles list --specs my-specs/ --json

Exit codes: 0 listed; 2 a --specs folder cannot be loaded, or a profile in it does not load
(it is listed with its first problem: `ikou profiles check FILE` shows them all).";

/// `ikou profiles …`
#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// List the profiles there are: bundled, and in the --specs folders.
    #[command(after_help = LIST_HELP)]
    List(ListArgs),
    /// Check profile files (or every profile in folders) and the files they name.
    Check(CheckArgs),
}

/// `ikou profiles list` arguments.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Spec folders whose profiles (and layouts) to list beside the bundled ones.
    #[arg(long)]
    pub specs: Vec<PathBuf>,
    /// Print JSON instead of a list.
    #[arg(long)]
    pub json: bool,
}

/// `ikou profiles check` arguments.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CheckArgs {
    /// Profile files, or folders (every profile in them, recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Extra spec files or folders (layouts .toml, code tables .csv) the profiles use.
    #[arg(long)]
    pub specs: Vec<PathBuf>,
    /// Let profiles read files outside their folder and the --specs folders.
    #[arg(long)]
    pub allow_outside_specs: bool,
    /// Print JSON: ok, checked, problems of the folders, and per profile its file, ok, id,
    /// layouts and problems (each with file, line, item, message); the same exit code.
    #[arg(long)]
    pub json: bool,
}

/// For `layouts check`: the profiles its folders held, which are not layouts and were not
/// checked as such (empty when none).
pub fn skipped_note(catalog: &Catalog) -> String {
    let files: Vec<&str> = catalog
        .profile_files()
        .iter()
        .map(|(f, _)| f.as_str())
        .collect();
    if files.is_empty() {
        return String::new();
    }
    format!(
        "{} profile(s) not checked as layouts ({}): check them with `ikou profiles check`\n",
        files.len(),
        safe(&files.join(", "))
    )
}

/// Runs `ikou profiles`.
pub fn run(cmd: ProfilesCommand) -> CliResult {
    match cmd {
        ProfilesCommand::List(a) => list(&a),
        ProfilesCommand::Check(a) => check(&a),
    }
}

/// A profile as `profiles list --json` and `profiles check --json` show it.
fn profile_json(p: &ikou_layout_spec::Profile) -> serde_json::Value {
    serde_json::json!({
        "id": p.id,
        "name": p.name,
        "file": p.file,
        "sources": if p.sources.is_empty() {
            vec![serde_json::json!({"layout": p.source})]
        } else {
            p.sources
                .iter()
                .map(|s| serde_json::json!({"name": s.name, "layout": s.layout}))
                .collect()
        },
        "targets": p.target_layouts(),
        "encoding": p.characters.encoding,
        "gaiji_table": p.characters.gaiji_table,
    })
}

/// One profile of `profiles list`: loaded, or the first line of why not.
struct Listed {
    file: String,
    profile: Result<ikou_layout_spec::Profile, String>,
}

fn list(args: &ListArgs) -> CliResult {
    let catalog = setup::load_catalog(&args.specs).map_err(|e| CliError::usage(e.to_string()))?;
    let mut found = Vec::new();
    for (path, _) in ikou_layout_spec::profile::BUNDLED_PROFILES {
        let Some(id) = path
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_suffix(".toml"))
        else {
            continue;
        };
        found.push(Listed {
            file: format!("bundled:{path}"),
            profile: setup::load_profile_with(&mut catalog.clone(), id, &ProfileAccess::default())
                .map_err(|e| e.to_string()),
        });
    }
    let access = ProfileAccess {
        spec_roots: args.specs.clone(),
        allow_outside: false,
    };
    for (file, _) in catalog.profile_files() {
        found.push(Listed {
            file: file.clone(),
            profile: load_profile_file(Path::new(file), &mut catalog.clone(), &access)
                .map_err(|e| e.to_string()),
        });
    }
    let broken: Vec<&Listed> = found.iter().filter(|l| l.profile.is_err()).collect();
    if args.json {
        let rows: Vec<_> = found
            .iter()
            .map(|l| match &l.profile {
                Ok(p) => profile_json(p),
                Err(e) => serde_json::json!({"file": l.file, "error": e}),
            })
            .collect();
        crate::output::print_json(&rows)?;
    } else {
        let mut text = String::new();
        for l in &found {
            match &l.profile {
                Ok(p) => {
                    let _ = writeln!(text, "{:<16} {}", safe(&p.id), safe(&p.name));
                    let _ = writeln!(
                        text,
                        "{:<16} {} · {} · {}",
                        "",
                        safe(&p.layouts_label()),
                        safe(&p.characters.encoding),
                        if l.file.starts_with("bundled:") {
                            "bundled"
                        } else {
                            &l.file
                        }
                    );
                }
                Err(e) => {
                    // A spec error's first line counts the problems; the next names one.
                    let mut lines = e.lines().map(str::trim).filter(|l| !l.is_empty());
                    let head = lines.next().unwrap_or_default();
                    let first = lines.next().unwrap_or(head);
                    let _ = writeln!(text, "{:<16} does not load: {}", "?", safe(first));
                    let _ = writeln!(text, "{:<16} {}", "", safe(&l.file));
                }
            }
        }
        let _ = writeln!(
            text,
            "{} profile(s): convert with `ikou convert --profile ID{}`; check one with `ikou profiles check FILE`",
            found.len(),
            if args.specs.is_empty() { "" } else { " --specs …" },
        );
        print(&text)?;
    }
    if broken.is_empty() {
        return Ok(OK);
    }
    let files: Vec<&str> = broken.iter().map(|l| l.file.as_str()).collect();
    Err(CliError::usage(format!(
        "{} profile(s) do not load: {} (`ikou profiles check FILE` lists every problem)",
        broken.len(),
        safe(&files.join(", "))
    )))
}

fn profiles_in(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            profiles_in(root, &p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml") {
            let text = ikou_layout_spec::read_spec_file(&p).unwrap_or_default();
            let rel = p.strip_prefix(root).unwrap_or(Path::new(""));
            if ikou_layout_spec::catalog::is_profile(rel, &text) {
                out.push(p);
            }
        }
    }
    Ok(())
}

/// What `profiles check` found: problems of a folder itself, and each profile checked.
#[derive(Default)]
struct Checked {
    /// Problems outside any one profile (a folder's specs, a folder without profiles), as
    /// (position, message).
    folder: Vec<(SpecPosition, String)>,
    profiles: Vec<CheckedProfile>,
}

struct CheckedProfile {
    file: PathBuf,
    result: Result<(ikou_layout_spec::Profile, usize), Vec<(SpecPosition, String)>>,
}

impl Checked {
    fn problems(&self) -> usize {
        self.folder.len()
            + (self.profiles.iter())
                .map(|p| p.result.as_ref().err().map_or(0, Vec::len))
                .sum::<usize>()
    }
}

/// A problem of the profile `file` with no position of its own.
fn in_file(file: &Path, message: String) -> Vec<(SpecPosition, String)> {
    let position = SpecPosition {
        file: file.display().to_string(),
        line: None,
        item: None,
    };
    vec![(position, message)]
}

fn spec_problems(e: ikou_layout_spec::SpecErrors) -> Vec<(SpecPosition, String)> {
    e.0.into_iter()
        .map(|e| (e.position, e.kind.to_string()))
        .collect()
}

fn check(args: &CheckArgs) -> CliResult {
    let base = setup::load_catalog(&args.specs).map_err(|e| CliError::usage(e.to_string()))?;
    let mut found = Checked::default();
    for path in &args.paths {
        let mut catalog: Catalog = base.clone();
        let mut access = ProfileAccess {
            spec_roots: args.specs.clone(),
            allow_outside: args.allow_outside_specs,
        };
        let files = if path.is_dir() {
            // The folder's own layouts and code tables are specs for its profiles.
            if let Err(e) = catalog.load_path(path) {
                found.folder.extend(spec_problems(e));
            }
            access.spec_roots.push(path.clone());
            let mut v = Vec::new();
            profiles_in(path, path, &mut v)
                .map_err(|e| CliError::io(format!("{}: {e}", shown_path(path))))?;
            if v.is_empty() {
                found
                    .folder
                    .extend(in_file(path, "no profile found".to_string()));
            }
            v
        } else if path.exists() {
            vec![path.clone()]
        } else {
            let looked = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            return Err(CliError::io(format!(
                "{}: no such file (looked for {})",
                shown_path(path),
                shown_path(&looked)
            )));
        };
        for f in files {
            let mut c = catalog.clone();
            let result = load_profile_file(&f, &mut c, &access)
                .map_err(spec_problems)
                .and_then(|p| {
                    let gaiji =
                        setup::load_gaiji(&p, None).map_err(|e| in_file(&f, e.to_string()))?;
                    let mapped = gaiji.len();
                    // One plan per source of a profile with [[sources]] (issue #13).
                    let plans = ikou_convert::SourcePlans::new(&c, p.clone(), gaiji)
                        .map_err(|e| in_file(&f, e.to_string()))?;
                    drop(plans);
                    Ok((p, mapped))
                });
            found.profiles.push(CheckedProfile { file: f, result });
        }
    }
    let problems = found.problems();
    let code = if problems > 0 { USAGE } else { OK };
    if args.json {
        crate::output::print_json(&checked_json(&found))?;
        return Ok(code);
    }
    let mut text = String::new();
    for (pos, message) in &found.folder {
        let _ = writeln!(text, "{pos}: {message}");
    }
    for p in &found.profiles {
        match &p.result {
            Ok((p2, mapped)) => {
                let _ = writeln!(
                    text,
                    "ok {}: profile {} ({}), {} mapping rules, 外字 table {}",
                    shown_path(&p.file),
                    p2.id,
                    p2.layouts_label(),
                    p2.map.len(),
                    match &p2.characters.gaiji_table {
                        Some(t) => format!("{t} ({mapped} codes mapped)"),
                        None => "none".into(),
                    }
                );
            }
            Err(list) => {
                for (pos, message) in list {
                    let _ = writeln!(text, "{pos}: {message}");
                }
            }
        }
    }
    let _ = writeln!(
        text,
        "{} profile(s) checked, {problems} problem(s)",
        found.profiles.len()
    );
    if problems > 0 {
        return Err(CliError::usage(text.trim_end().to_string()));
    }
    print(&text)?;
    Ok(code)
}

/// `profiles check --json`.
fn checked_json(found: &Checked) -> serde_json::Value {
    let problems = |list: &[(SpecPosition, String)]| -> Vec<serde_json::Value> {
        (list.iter())
            .map(|(pos, m)| crate::cmd::layouts::problem_json(pos, m))
            .collect()
    };
    let profiles: Vec<serde_json::Value> = (found.profiles.iter())
        .map(|c| match &c.result {
            Ok((p, mapped)) => {
                let mut v = profile_json(p);
                v["file"] = c.file.display().to_string().into();
                v["ok"] = true.into();
                v["mapping_rules"] = p.map.len().into();
                v["gaiji_codes_mapped"] = (*mapped).into();
                v["problems"] = serde_json::json!([]);
                v
            }
            Err(list) => serde_json::json!({
                "file": c.file.display().to_string(),
                "ok": false,
                "problems": problems(list),
            }),
        })
        .collect();
    serde_json::json!({
        "ok": found.problems() == 0,
        "checked": found.profiles.len(),
        "problems": problems(&found.folder),
        "profiles": profiles,
    })
}
