//! `ikou profiles list` and `ikou profiles check FILE|DIR…`: the profiles there are, and a
//! check of migration profiles and everything they name.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, print_json, shown_path, terminal_safe as safe};
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
    /// Print JSON: ok, checked, problems of the folders, and per profile its file and ok;
    /// with id, name, sources, targets, encoding, 外字 table and mapping rules when it
    /// loads, its problems (each with file, line, item, message) when not. The same exit code.
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

/// A problem of a profile for `--json`: where and what.
type Problem = (SpecPosition, String);

/// A problem of the file `file` with no line of its own.
fn in_file(file: &str, message: String) -> Vec<Problem> {
    let position = SpecPosition {
        file: file.to_string(),
        line: None,
        item: None,
    };
    vec![(position, message)]
}

fn spec_problems(e: &ikou_layout_spec::SpecErrors) -> Vec<Problem> {
    (e.0.iter())
        .map(|e| (e.position.clone(), e.kind.to_string()))
        .collect()
}

/// The problems of a profile that could not be set up, at their own files and lines: the
/// profile's (a spec error), its 外字 table's, or the profile file's.
fn setup_problems(file: &str, e: &setup::SetupError) -> Vec<Problem> {
    match e {
        setup::SetupError::Spec(errs) | setup::SetupError::Bundled(errs) => spec_problems(errs),
        setup::SetupError::Gaiji(errs) => (errs.0.iter())
            .map(|g| {
                let position = SpecPosition {
                    file: g.file.clone(),
                    line: usize::try_from(g.line).ok().filter(|l| *l > 0),
                    item: None,
                };
                (position, g.message.clone())
            })
            .collect(),
        e => in_file(file, e.to_string()),
    }
}

fn problems_json(list: &[Problem]) -> Vec<serde_json::Value> {
    (list.iter())
        .map(|(pos, m)| crate::cmd::layouts::problem_json(pos, m))
        .collect()
}

/// A profile as `profiles list --json` and `profiles check --json` show it: `ok` true with
/// its id, name, file, sources, targets, encoding and 外字 table, or `ok` false with its
/// `file` and `problems` (each with file, line, item, message).
fn profile_json(
    file: &str,
    result: Result<&ikou_layout_spec::Profile, &[Problem]>,
) -> serde_json::Value {
    match result {
        Ok(p) => serde_json::json!({
            "ok": true,
            "id": p.id,
            "name": p.name,
            "file": file,
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
            "problems": [],
        }),
        Err(list) => serde_json::json!({
            "ok": false,
            "file": file,
            "problems": problems_json(list),
        }),
    }
}

/// The bundled specs and the --specs folders. When they do not load, the result to return:
/// with --json their problems printed as JSON (exit 2), else the error.
fn load_specs(specs: &[PathBuf], json: bool) -> Result<Catalog, CliResult> {
    setup::load_catalog(specs).map_err(|e| {
        if !json {
            return Err(CliError::usage(e.to_string()));
        }
        let problems = problems_json(&setup_problems("--specs", &e));
        print_json(
            &serde_json::json!({"ok": false, "checked": 0, "problems": problems, "profiles": []}),
        )?;
        Ok(USAGE)
    })
}

fn list(args: &ListArgs) -> CliResult {
    let catalog = match load_specs(&args.specs, args.json) {
        Ok(c) => c,
        Err(result) => return result,
    };
    let found = setup::available_profiles(&catalog, &args.specs);
    let broken: Vec<&setup::AvailableProfile> =
        found.iter().filter(|l| l.profile.is_err()).collect();
    if args.json {
        let rows: Vec<_> = found
            .iter()
            .map(|l| {
                let problems = match &l.profile {
                    Ok(_) => Vec::new(),
                    Err(e) => setup_problems(&l.file, e),
                };
                let mut v = profile_json(&l.file, l.profile.as_ref().map_err(|_| &problems[..]));
                v["shadowed_by"] = l.shadowed_by.clone().into();
                v
            })
            .collect();
        print_json(&rows)?;
    } else {
        let mut text = String::new();
        for l in &found {
            let file = if l.file.starts_with("bundled:") {
                "bundled"
            } else {
                &l.file
            };
            match &l.profile {
                Ok(p) => {
                    let _ = writeln!(text, "{:<16} {}", safe(&p.id), safe(&p.name));
                    let _ = writeln!(
                        text,
                        "{:<16} {} · {} · {}",
                        "",
                        safe(&p.layouts_label()),
                        safe(&p.characters.encoding),
                        safe(file)
                    );
                    if let Some(by) = &l.shadowed_by {
                        let _ = writeln!(
                            text,
                            "{:<16} not what --profile {} gives: {} has that id first; give this file's path",
                            "",
                            safe(&p.id),
                            safe(if by.starts_with("bundled:") { "the bundled profile" } else { by })
                        );
                    }
                }
                Err(e) => {
                    // A spec error's first line counts the problems; the next names one.
                    let e = e.to_string();
                    let mut lines = e.lines().map(str::trim).filter(|l| !l.is_empty());
                    let head = lines.next().unwrap_or_default();
                    let first = lines.next().unwrap_or(head);
                    let _ = writeln!(text, "{:<16} does not load: {}", "?", safe(first));
                    let _ = writeln!(text, "{:<16} {}", "", safe(file));
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
    if args.json {
        return Ok(USAGE);
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

/// A profile that loads (with the 外字 codes its table maps), or the text `profiles check`
/// prints for it and its problems.
type CheckResult = Result<(ikou_layout_spec::Profile, usize), (String, Vec<Problem>)>;

/// What `profiles check` found, in the order of its arguments: a folder's own problems,
/// then each profile of it. Text is as it is printed; problems as `--json` gives them.
enum Checked {
    /// Problems of a folder itself (its layouts and code tables, no profile in it).
    Folder {
        text: String,
        problems: Vec<Problem>,
    },
    /// A profile and what its check found (with the 外字 codes its table maps).
    Profile {
        file: PathBuf,
        result: Box<CheckResult>,
    },
}

fn problem_count(found: &[Checked]) -> usize {
    (found.iter())
        .map(|c| match c {
            Checked::Folder { problems, .. } => problems.len(),
            Checked::Profile { result, .. } => {
                result.as_ref().as_ref().err().map_or(0, |(_, p)| p.len())
            }
        })
        .sum()
}

fn check(args: &CheckArgs) -> CliResult {
    let base = match load_specs(&args.specs, args.json) {
        Ok(c) => c,
        Err(result) => return result,
    };
    let mut found: Vec<Checked> = Vec::new();
    for path in &args.paths {
        let mut catalog: Catalog = base.clone();
        let mut access = ProfileAccess {
            spec_roots: args.specs.clone(),
            allow_outside: args.allow_outside_specs,
        };
        let shown = shown_path(path);
        let files = if path.is_dir() {
            // The folder's own layouts and code tables are specs for its profiles.
            if let Err(e) = catalog.load_path(path) {
                found.push(Checked::Folder {
                    text: e.to_string(),
                    problems: spec_problems(&e),
                });
            }
            access.spec_roots.push(path.clone());
            let mut v = Vec::new();
            profiles_in(path, path, &mut v).map_err(|e| CliError::io(format!("{shown}: {e}")))?;
            if v.is_empty() {
                found.push(Checked::Folder {
                    text: format!("{shown}: no profile found"),
                    problems: in_file(&shown, "no profile found".to_string()),
                });
            }
            v
        } else if path.exists() {
            vec![path.clone()]
        } else {
            let looked = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let message = format!("{shown}: no such file (looked for {})", shown_path(&looked));
            if args.json {
                let problems = in_file(&shown, message);
                print_json(
                    &serde_json::json!({"ok": false, "checked": 0, "problems": problems_json(&problems), "profiles": []}),
                )?;
                return Ok(crate::exit::IO);
            }
            return Err(CliError::io(message));
        };
        for f in files {
            let shown = shown_path(&f);
            let mut c = catalog.clone();
            let failed =
                |e: setup::SetupError| (format!("{shown}: {e}"), setup_problems(&shown, &e));
            let result = load_profile_file(&f, &mut c, &access)
                .map_err(|e| failed(setup::SetupError::Spec(e)))
                .and_then(|p| {
                    let gaiji = setup::load_gaiji(&p, None).map_err(failed)?;
                    let mapped = gaiji.len();
                    // One plan per source of a profile with [[sources]] (issue #13).
                    let plans = ikou_convert::SourcePlans::new(&c, p.clone(), gaiji)
                        .map_err(|e| (format!("{shown}: {e}"), in_file(&shown, e.to_string())))?;
                    drop(plans);
                    Ok((p, mapped))
                });
            found.push(Checked::Profile {
                file: f,
                result: Box::new(result),
            });
        }
    }
    let problems = problem_count(&found);
    let checked = (found.iter())
        .filter(|c| matches!(c, Checked::Profile { .. }))
        .count();
    let code = if problems > 0 { USAGE } else { OK };
    if args.json {
        let mut folder = Vec::new();
        let mut profiles = Vec::new();
        for c in &found {
            match c {
                Checked::Folder { problems, .. } => folder.extend(problems_json(problems)),
                Checked::Profile { file, result } => {
                    let shown = shown_path(file);
                    let r = result.as_ref().as_ref();
                    let mut v = profile_json(&shown, r.map(|(p, _)| p).map_err(|(_, p)| &p[..]));
                    if let Ok((p, mapped)) = r {
                        v["mapping_rules"] = p.map.len().into();
                        v["gaiji_codes_mapped"] = (*mapped).into();
                    }
                    profiles.push(v);
                }
            }
        }
        print_json(&serde_json::json!({
            "ok": problems == 0,
            "checked": checked,
            "problems": folder,
            "profiles": profiles,
        }))?;
        return Ok(code);
    }
    let mut text = String::new();
    for c in &found {
        match c {
            Checked::Folder { text: t, .. } => {
                let _ = writeln!(text, "{t}");
            }
            Checked::Profile { file, result } => match result.as_ref() {
                Ok((p, mapped)) => {
                    let _ = writeln!(
                        text,
                        "ok {}: profile {} ({}), {} mapping rules, 外字 table {}",
                        shown_path(file),
                        p.id,
                        p.layouts_label(),
                        p.map.len(),
                        match &p.characters.gaiji_table {
                            Some(t) => format!("{t} ({mapped} codes mapped)"),
                            None => "none".into(),
                        }
                    );
                }
                Err((t, _)) => {
                    let _ = writeln!(text, "{t}");
                }
            },
        }
    }
    let _ = writeln!(text, "{checked} profile(s) checked, {problems} problem(s)");
    if problems > 0 {
        return Err(CliError::usage(text.trim_end().to_string()));
    }
    print(&text)?;
    Ok(code)
}
