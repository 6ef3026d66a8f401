//! A catalog of layouts and code tables: the bundled specs plus a user's own files.

use crate::error::{SpecError, SpecErrorKind, SpecErrors, SpecPosition};
use crate::load::{parse_code_table, parse_layout_lines, ItemLines};
use crate::model::{CodeTable, Layout};
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

/// The largest spec file ikou reads — a layout, a profile, a code table or a 外字 table:
/// 16 MiB. Real ones are a few hundred KiB at most; the limit keeps a wrong path
/// (`/dev/zero`, a data file given as a table) from using unbounded memory.
pub const MAX_SPEC_FILE_BYTES: u64 = 16 << 20;

/// Reads a spec file (layout, profile, code table, 外字 table) as UTF-8 text, reading at
/// most [`MAX_SPEC_FILE_BYTES`] (+1 to tell that it is larger). Works on pipes and devices
/// too, and never puts the file's content into an error.
///
/// # Errors
/// The file cannot be opened or read; it is larger than the limit; it is not UTF-8 (the
/// byte offset is given, not the bytes).
pub fn read_spec_file(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SPEC_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, the limit for a spec or table file",
                MAX_SPEC_FILE_BYTES >> 20
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 (at byte {}); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The specs embedded in the binary: `(path under specs/, contents)`.
///
/// Layouts live under `layouts/`, code tables under `codes/` (the table's name is the
/// file stem).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "layouts/legacy/sample-juki.toml",
        include_str!("../specs/layouts/legacy/sample-juki.toml"),
    ),
    (
        "layouts/legacy/host-juki.toml",
        include_str!("../specs/layouts/legacy/host-juki.toml"),
    ),
    (
        "layouts/chukan/juki.toml",
        include_str!("../specs/layouts/chukan/juki.toml"),
    ),
    (
        "layouts/standard/jumin-kiroku-jumin.toml",
        include_str!("../specs/layouts/standard/jumin-kiroku-jumin.toml"),
    ),
    (
        "layouts/standard/jumin-kiroku-setai.toml",
        include_str!("../specs/layouts/standard/jumin-kiroku-setai.toml"),
    ),
    (
        "codes/jumin_shubetsu.csv",
        include_str!("../specs/codes/jumin_shubetsu.csv"),
    ),
    (
        "codes/kakunin_flag.csv",
        include_str!("../specs/codes/kakunin_flag.csv"),
    ),
    (
        "codes/seibetsu.csv",
        include_str!("../specs/codes/seibetsu.csv"),
    ),
    (
        "codes/zokugara.csv",
        include_str!("../specs/codes/zokugara.csv"),
    ),
    (
        "codes/ido_jiyu.csv",
        include_str!("../specs/codes/ido_jiyu.csv"),
    ),
    (
        "codes/nengo1.csv",
        include_str!("../specs/codes/nengo1.csv"),
    ),
    (
        "codes/nengo2.csv",
        include_str!("../specs/codes/nengo2.csv"),
    ),
    (
        "codes/jumin_jotai.csv",
        include_str!("../specs/codes/jumin_jotai.csv"),
    ),
    // Imported unedited from the デジタル庁 項目定義書（住登外者宛名番号管理） (PDL 1.0).
    (
        "layouts/standard/jutogai-atena-kihon.toml",
        include_str!("../specs/layouts/standard/jutogai-atena-kihon.toml"),
    ),
    (
        "codes/std031-001.csv",
        include_str!("../specs/codes/std031-001.csv"),
    ),
    (
        "codes/std031-002.csv",
        include_str!("../specs/codes/std031-002.csv"),
    ),
    (
        "layouts/legacy/sample-atena.toml",
        include_str!("../specs/layouts/legacy/sample-atena.toml"),
    ),
    (
        "codes/atena_seibetsu.csv",
        include_str!("../specs/codes/atena_seibetsu.csv"),
    ),
    (
        "codes/juki_zokugara.csv",
        include_str!("../specs/codes/juki_zokugara.csv"),
    ),
    (
        "codes/juki_ido_jiyu.csv",
        include_str!("../specs/codes/juki_ido_jiyu.csv"),
    ),
    (
        "codes/juki_jumin_jotai.csv",
        include_str!("../specs/codes/juki_jumin_jotai.csv"),
    ),
];

/// How the files of bundled specs are named in positions (`bundled:specs/…`).
pub const BUNDLED_PREFIX: &str = "bundled:";

/// The line of the `id = …` header field, for positions of whole-layout problems.
fn id_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix("id")
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

#[derive(Debug, Clone)]
struct Entry {
    layout: Layout,
    file: String,
    lines: ItemLines,
}

/// Layouts and code tables by id/name.
///
/// # Example
/// ```
/// let catalog = ikou_layout_spec::Catalog::bundled().unwrap();
/// let layout = catalog.layout("legacy/sample-juki").unwrap();
/// assert_eq!(layout.format.record_length(), Some(300));
/// assert!(catalog.code_table("seibetsu").unwrap().contains("1"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    layouts: BTreeMap<String, Entry>,
    tables: BTreeMap<String, (CodeTable, String)>,
    /// The files and folders loaded with [`Catalog::load_path`], as given.
    loaded: Vec<String>,
    /// Profiles found in those folders (kept apart from the layouts): `(file, text)`.
    profiles: Vec<(String, String)>,
}

/// Whether a `.csv` spec file is a 外字 table (header `code,replacement,…`) rather than a
/// code table (header `code,label`).
pub fn is_gaiji_table(text: &str) -> bool {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let mut cols = first.split(',').map(str::trim);
    cols.next() == Some("code") && cols.next() == Some("replacement")
}

/// Whether a spec `.toml` file is a profile rather than a layout: it lies under a folder
/// named `profiles` (`rel`: its path below the folder being loaded, so that folders above
/// it do not count), or it has a `target` and no `format` and no `items` (a layout always
/// has both).
pub fn is_profile(rel: &Path, text: &str) -> bool {
    if rel.components().any(|c| c.as_os_str() == "profiles") {
        return true;
    }
    match toml::from_str::<toml::Table>(text) {
        // `target` (one layout) or `[[targets]]` (several groups, issue #13).
        Ok(t) => {
            (t.contains_key("target") || t.contains_key("targets"))
                && !t.contains_key("format")
                && !t.contains_key("items")
        }
        Err(_) => false,
    }
}

/// A problem `ikou layouts check` reports: a spec error, or an official import whose item
/// table was edited by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckProblem {
    /// A problem in a spec file.
    Spec(SpecError),
    /// A layout of status `official-import` whose items are not the ones imported
    /// (`items_sha256` differs).
    EditedOfficialImport {
        /// The layout's file.
        file: String,
        /// The layout.
        layout: String,
        /// The workbook it was imported from.
        from: String,
    },
}

impl CheckProblem {
    /// Where the problem is: the file, and the line and item when known.
    pub fn position(&self) -> SpecPosition {
        match self {
            CheckProblem::Spec(e) => e.position.clone(),
            CheckProblem::EditedOfficialImport { file, .. } => SpecPosition {
                file: file.clone(),
                line: None,
                item: None,
            },
        }
    }

    /// What the problem is, without its position.
    pub fn message(&self) -> String {
        match self {
            CheckProblem::Spec(e) => e.kind.to_string(),
            CheckProblem::EditedOfficialImport { layout, from, .. } => format!(
                "layout {layout}: status official-import, but its item table is not the one imported from {from} (items_sha256 differs): a hand edit makes it a transcription — set status = \"unverified-transcription\""
            ),
        }
    }
}

impl std::fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position(), self.message())
    }
}

/// The `id` a profile's text declares, if it is TOML with a string `id`: what
/// [`Catalog::find_profile`] matches, whether or not the profile loads.
pub fn declared_profile_id(text: &str) -> Option<String> {
    let t: toml::Table = toml::from_str(text).ok()?;
    Some(t.get("id")?.as_str()?.to_string())
}

/// The spec files a check reads under a path (as the catalog does: `.toml` and `.csv` files,
/// directories recursively; a path that is not a directory counts as one).
pub fn count_spec_files(path: &Path) -> usize {
    if !path.is_dir() {
        return 1;
    }
    let Ok(rd) = std::fs::read_dir(path) else {
        return 0;
    };
    rd.filter_map(|e| e.ok().map(|e| e.path()))
        .map(|p| {
            if p.is_dir() {
                count_spec_files(&p)
            } else {
                usize::from(matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("toml" | "csv")
                ))
            }
        })
        .sum()
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Catalog {
        Catalog::default()
    }

    /// The bundled specs, checked.
    ///
    /// # Errors
    /// Only if a bundled spec is broken (a test guards against that).
    pub fn bundled() -> Result<Catalog, SpecErrors> {
        let mut c = Catalog::new();
        let mut errors = Vec::new();
        for (path, text) in BUNDLED {
            let file = format!("{BUNDLED_PREFIX}specs/{path}");
            if let Err(e) = c.add_text(path, text, &file) {
                errors.extend(e.0);
            }
        }
        errors.extend(c.check().0);
        if errors.is_empty() {
            Ok(c)
        } else {
            Err(SpecErrors(errors))
        }
    }

    fn add_text(&mut self, path: &str, text: &str, file: &str) -> Result<(), SpecErrors> {
        if path.ends_with(".toml") {
            self.add_layout_text(text, file).map(|_| ())
        } else if path.ends_with(".csv") {
            let name = Path::new(path)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            self.add_code_table_text(text, &name, file)
        } else {
            Ok(())
        }
    }

    /// Adds a layout from TOML text; `file` names it in errors. A layout with the id of a
    /// bundled one replaces it (so a user's file can override a bundled layout), and so does
    /// a layout loaded again from the same file; two different user files with one id are an
    /// error.
    ///
    /// # Errors
    /// Every problem in the text, or [`SpecErrorKind::DuplicateLayout`].
    pub fn add_layout_text(&mut self, text: &str, file: &str) -> Result<&Layout, SpecErrors> {
        let (layout, lines) = parse_layout_lines(text, file)?;
        let id = layout.id.clone();
        if let Some(old) = self.layouts.get(&id) {
            if old.file != file && !old.file.starts_with(BUNDLED_PREFIX) {
                return Err(SpecError {
                    position: SpecPosition {
                        file: file.to_string(),
                        line: id_line(text),
                        item: None,
                    },
                    kind: SpecErrorKind::DuplicateLayout(id),
                }
                .into());
            }
        }
        let entry = Entry {
            layout,
            file: file.to_string(),
            lines,
        };
        let slot = match self.layouts.entry(id) {
            std::collections::btree_map::Entry::Occupied(mut o) => {
                o.insert(entry);
                o.into_mut()
            }
            std::collections::btree_map::Entry::Vacant(v) => v.insert(entry),
        };
        Ok(&slot.layout)
    }

    /// Adds a code table from CSV text under `name`; `file` names it in errors.
    ///
    /// # Errors
    /// Every problem in the text.
    pub fn add_code_table_text(
        &mut self,
        text: &str,
        name: &str,
        file: &str,
    ) -> Result<(), SpecErrors> {
        let table = parse_code_table(text, name, file)?;
        self.tables
            .insert(name.to_string(), (table, file.to_string()));
        Ok(())
    }

    /// Loads a spec file (`.toml` layout or `.csv` code table) or every such file under a
    /// directory (recursively, in sorted order).
    ///
    /// # Errors
    /// Every problem in every file; unreadable files are reported too.
    pub fn load_path(&mut self, path: &Path) -> Result<(), SpecErrors> {
        let mut errors = Vec::new();
        let mut files = Vec::new();
        self.loaded.push(path.display().to_string());
        collect_files(path, &mut files, &mut errors);
        for f in files {
            let display = f.display().to_string();
            match read_spec_file(&f) {
                Ok(text) => {
                    let rel = f.strip_prefix(path).unwrap_or(Path::new(""));
                    if display.ends_with(".toml") && is_profile(rel, &text) {
                        // A profile is not a layout: kept apart, found by its id.
                        self.profiles.push((display, text));
                        continue;
                    }
                    if display.ends_with(".csv") && is_gaiji_table(&text) {
                        // A 外字 table is not a code table: profiles name it themselves.
                        continue;
                    }
                    if let Err(e) = self.add_text(&display, &text, &display) {
                        errors.extend(e.0);
                    }
                }
                Err(e) => errors.push(SpecError {
                    position: SpecPosition {
                        file: display,
                        line: None,
                        item: None,
                    },
                    kind: SpecErrorKind::io(e),
                }),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpecErrors(errors))
        }
    }

    /// `ikou layouts check`: loads `files` (spec files or directories) into this catalog and
    /// checks the whole of it; the problems are every spec error, then every official import
    /// edited by hand. Empty: no problem.
    pub fn check_files(&mut self, files: &[std::path::PathBuf]) -> Vec<CheckProblem> {
        let mut errors = Vec::new();
        for f in files {
            if let Err(e) = self.load_path(f) {
                errors.extend(e.0);
            }
        }
        errors.extend(self.check().0);
        let mut out: Vec<CheckProblem> = errors.into_iter().map(CheckProblem::Spec).collect();
        for l in self.layouts() {
            if l.status == crate::model::Status::OfficialImport
                && l.official_unedited() == Some(false)
            {
                out.push(CheckProblem::EditedOfficialImport {
                    file: self.layout_file(&l.id).unwrap_or_default().to_string(),
                    layout: l.id.clone(),
                    from: l
                        .official
                        .as_ref()
                        .map_or("", |o| o.file.as_str())
                        .to_string(),
                });
            }
        }
        out
    }

    /// Cross-file checks: every code table an item names (data, header and trailer items)
    /// exists.
    pub fn check(&self) -> SpecErrors {
        let mut errors = Vec::new();
        for entry in self.layouts.values() {
            let mut lists: Vec<(&[crate::model::Item], &[usize])> =
                vec![(&entry.layout.items, &entry.lines.items)];
            if let Some(rt) = &entry.layout.record_types {
                for (i, sub) in rt.others.iter().enumerate() {
                    let lines = entry.lines.others.get(i).map_or(&[][..], |l| l.as_slice());
                    lists.push((&sub.items, lines));
                }
            }
            for (items, lines) in lists {
                for (i, item) in items.iter().enumerate() {
                    if let Some(t) = &item.code_table {
                        if !self.tables.contains_key(t) {
                            errors.push(SpecError {
                                position: SpecPosition {
                                    file: entry.file.clone(),
                                    line: lines.get(i).copied(),
                                    item: Some(item.key.clone()),
                                },
                                kind: SpecErrorKind::MissingCodeTable(t.clone()),
                            });
                        }
                    }
                }
            }
        }
        SpecErrors(errors)
    }

    /// The spec files and folders loaded into this catalog besides the bundled specs
    /// ([`Catalog::load_path`]), as given: where a layout or table was looked for.
    pub fn loaded_paths(&self) -> &[String] {
        &self.loaded
    }

    /// The profiles found in the loaded folders, as `(file, text)`, in load order.
    pub fn profile_files(&self) -> &[(String, String)] {
        &self.profiles
    }

    /// The id of the layout loaded from `path` (the same file, however it was named).
    pub fn layout_from_file(&self, path: &Path) -> Option<&Layout> {
        let want = path.canonicalize().ok()?;
        self.layouts.values().find_map(|e| {
            (!e.file.starts_with(BUNDLED_PREFIX)
                && Path::new(&e.file).canonicalize().ok().as_ref() == Some(&want))
            .then_some(&e.layout)
        })
    }

    /// The file of the profile with id `id` among [`Catalog::profile_files`].
    pub fn find_profile(&self, id: &str) -> Option<&str> {
        (self.profiles.iter())
            .find(|(_, text)| declared_profile_id(text).as_deref() == Some(id))
            .map(|(file, _)| file.as_str())
    }

    /// Where layouts were looked for, in words, with the hint to give `--specs`: for
    /// "not found" messages.
    pub fn looked_in(&self) -> String {
        let ids: Vec<&str> = self.layouts.keys().map(String::as_str).collect();
        let mut s = format!(
            "looked among the bundled specs and the layouts loaded ({})",
            ids.join(", ")
        );
        if self.loaded.is_empty() {
            s.push_str("; no --specs given: add --specs DIR with the layout's file");
        } else {
            s.push_str(&format!(
                " from --specs {}; add the folder that has the layout's file with --specs",
                self.loaded.join(", ")
            ));
        }
        s
    }

    /// A layout by id.
    pub fn layout(&self, id: &str) -> Option<&Layout> {
        self.layouts.get(id).map(|e| &e.layout)
    }

    /// The file a layout was loaded from.
    pub fn layout_file(&self, id: &str) -> Option<&str> {
        self.layouts.get(id).map(|e| e.file.as_str())
    }

    /// All layouts, sorted by id.
    pub fn layouts(&self) -> impl Iterator<Item = &Layout> {
        self.layouts.values().map(|e| &e.layout)
    }

    /// A code table by name.
    pub fn code_table(&self, name: &str) -> Option<&CodeTable> {
        self.tables.get(name).map(|(t, _)| t)
    }

    /// All code tables, sorted by name.
    pub fn code_tables(&self) -> impl Iterator<Item = &CodeTable> {
        self.tables.values().map(|(t, _)| t)
    }
}

fn collect_files(path: &Path, out: &mut Vec<std::path::PathBuf>, errors: &mut Vec<SpecError>) {
    if path.is_dir() {
        match std::fs::read_dir(path) {
            Ok(rd) => {
                let mut entries: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                entries.sort();
                for p in entries {
                    if p.is_dir() {
                        collect_files(&p, out, errors);
                    } else if matches!(p.extension().and_then(|e| e.to_str()), Some("toml" | "csv"))
                    {
                        out.push(p);
                    }
                }
            }
            Err(e) => errors.push(SpecError {
                position: SpecPosition {
                    file: path.display().to_string(),
                    line: None,
                    item: None,
                },
                kind: SpecErrorKind::io(e),
            }),
        }
    } else {
        out.push(path.to_path_buf());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn check_files_reports_spec_errors_and_counts_spec_files() {
        let dir = std::env::temp_dir().join(format!("ikou-catalog-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.toml"), "not = [valid").unwrap();
        std::fs::write(dir.join("b.csv"), "").unwrap();
        std::fs::write(dir.join("c.txt"), "").unwrap();
        std::fs::write(dir.join("sub/d.toml"), "").unwrap();
        assert_eq!(count_spec_files(&dir), 3);
        assert_eq!(count_spec_files(&dir.join("c.txt")), 1);
        let mut catalog = Catalog::bundled().unwrap();
        assert_eq!(catalog.check_files(&[]), Vec::new());
        let problems = catalog.check_files(&[dir.join("a.toml")]);
        assert!(!problems.is_empty());
        assert!(problems
            .iter()
            .all(|p| matches!(p, CheckProblem::Spec(e) if e.position.file.contains("a.toml"))));
        let missing = Catalog::bundled()
            .unwrap()
            .check_files(&[dir.join("missing.toml")]);
        assert!(
            matches!(
                missing.first(),
                Some(CheckProblem::Spec(SpecError {
                    kind: SpecErrorKind::Io(_),
                    ..
                }))
            ),
            "{missing:?}"
        );
        let edited = CheckProblem::EditedOfficialImport {
            file: "f.toml".into(),
            layout: "standard/x".into(),
            from: "book.xlsx".into(),
        };
        assert!(edited
            .to_string()
            .starts_with("f.toml: layout standard/x: status official-import, but its item table is not the one imported from book.xlsx"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
