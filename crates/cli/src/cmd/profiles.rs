//! `ikou profiles check FILE|DIR…`: check migration profiles and everything they name.

use crate::exit::{CliError, CliResult, OK, USAGE};
use crate::output::{print, shown_path};
use clap::{Args, Subcommand};
use ikou_convert::setup;
use ikou_layout_spec::profile::{load_profile_file, ProfileAccess};
use ikou_layout_spec::Catalog;
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

Exit codes: 0 every profile is sound; 2 a profile has problems (all are listed).";

/// `ikou profiles …`
#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// Check profile files (or every profile in folders) and the files they name.
    Check(CheckArgs),
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
        crate::output::terminal_safe(&files.join(", "))
    )
}

/// Runs `ikou profiles`.
pub fn run(cmd: ProfilesCommand) -> CliResult {
    match cmd {
        ProfilesCommand::Check(a) => check(&a),
    }
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

fn check(args: &CheckArgs) -> CliResult {
    let base = setup::load_catalog(&args.specs).map_err(|e| CliError::usage(e.to_string()))?;
    let mut text = String::new();
    let mut problems = 0usize;
    let mut checked = 0usize;
    for path in &args.paths {
        let mut catalog: Catalog = base.clone();
        let mut access = ProfileAccess {
            spec_roots: args.specs.clone(),
            allow_outside: args.allow_outside_specs,
        };
        let files = if path.is_dir() {
            // The folder's own layouts and code tables are specs for its profiles.
            if let Err(e) = catalog.load_path(path) {
                problems += e.0.len().max(1);
                let _ = writeln!(text, "{e}");
            }
            access.spec_roots.push(path.clone());
            let mut v = Vec::new();
            profiles_in(path, path, &mut v)
                .map_err(|e| CliError::io(format!("{}: {e}", shown_path(path))))?;
            if v.is_empty() {
                let _ = writeln!(text, "{}: no profile found", shown_path(path));
                problems += 1;
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
            checked += 1;
            let mut c = catalog.clone();
            let result = load_profile_file(&f, &mut c, &access)
                .map_err(|e| (e.0.len(), e.to_string()))
                .and_then(|p| {
                    let gaiji = setup::load_gaiji(&p, None).map_err(|e| (1, e.to_string()))?;
                    let mapped = gaiji.len();
                    // One plan per source of a profile with [[sources]] (issue #13).
                    let plans = ikou_convert::SourcePlans::new(&c, p.clone(), gaiji)
                        .map_err(|e| (1, e.to_string()))?;
                    drop(plans);
                    Ok((p, mapped))
                });
            match result {
                Ok((p, mapped)) => {
                    let _ = writeln!(
                        text,
                        "ok {}: profile {} ({} → {}), {} mapping rules, 外字 table {}",
                        shown_path(&f),
                        p.id,
                        if p.sources.is_empty() {
                            p.source.clone()
                        } else {
                            p.sources
                                .iter()
                                .map(|x| format!("{}: {}", x.name, x.layout))
                                .collect::<Vec<_>>()
                                .join(" + ")
                        },
                        p.target_layouts().join(" + "),
                        p.map.len(),
                        match &p.characters.gaiji_table {
                            Some(t) => format!("{t} ({mapped} codes mapped)"),
                            None => "none".into(),
                        }
                    );
                }
                Err((n, e)) => {
                    problems += n.max(1);
                    let _ = writeln!(text, "{}: {e}", shown_path(&f));
                }
            }
        }
    }
    let _ = writeln!(text, "{checked} profile(s) checked, {problems} problem(s)");
    if problems > 0 {
        return Err(CliError::usage(text.trim_end().to_string()));
    }
    print(&text)?;
    Ok(if problems > 0 { USAGE } else { OK })
}
