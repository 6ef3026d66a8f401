//! A catalog of layouts and code tables: the bundled specs plus a user's own files.

use crate::error::{SpecError, SpecErrorKind, SpecErrors, SpecPosition};
use crate::load::{parse_code_table, parse_layout_lines, ItemLines};
use crate::model::{CodeTable, Layout};
use std::collections::BTreeMap;
use std::path::Path;

/// The specs embedded in the binary: `(path under specs/, contents)`.
///
/// Layouts live under `layouts/`, code tables under `codes/` (the table's name is the
/// file stem).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "layouts/legacy/sample-juki.toml",
        include_str!("../../../specs/layouts/legacy/sample-juki.toml"),
    ),
    (
        "layouts/chukan/juki.toml",
        include_str!("../../../specs/layouts/chukan/juki.toml"),
    ),
    (
        "layouts/standard/jumin-kiroku.toml",
        include_str!("../../../specs/layouts/standard/jumin-kiroku.toml"),
    ),
    (
        "codes/jumin_shubetsu.csv",
        include_str!("../../../specs/codes/jumin_shubetsu.csv"),
    ),
    (
        "codes/kakunin_flag.csv",
        include_str!("../../../specs/codes/kakunin_flag.csv"),
    ),
    (
        "codes/seibetsu.csv",
        include_str!("../../../specs/codes/seibetsu.csv"),
    ),
    (
        "codes/zokugara.csv",
        include_str!("../../../specs/codes/zokugara.csv"),
    ),
    (
        "codes/ido_jiyu.csv",
        include_str!("../../../specs/codes/ido_jiyu.csv"),
    ),
    (
        "codes/nengo1.csv",
        include_str!("../../../specs/codes/nengo1.csv"),
    ),
    (
        "codes/nengo2.csv",
        include_str!("../../../specs/codes/nengo2.csv"),
    ),
    (
        "codes/jumin_jotai.csv",
        include_str!("../../../specs/codes/jumin_jotai.csv"),
    ),
    (
        "layouts/standard/031-01.toml",
        include_str!("../../../specs/layouts/standard/031-01.toml"),
    ),
    (
        "codes/std-031-001.csv",
        include_str!("../../../specs/codes/std-031-001.csv"),
    ),
    (
        "codes/std-031-002.csv",
        include_str!("../../../specs/codes/std-031-002.csv"),
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
        collect_files(path, &mut files, &mut errors);
        for f in files {
            let display = f.display().to_string();
            match std::fs::read_to_string(&f) {
                Ok(text) => {
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
                    kind: SpecErrorKind::Io(e.to_string()),
                }),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SpecErrors(errors))
        }
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
                kind: SpecErrorKind::Io(e.to_string()),
            }),
        }
    } else {
        out.push(path.to_path_buf());
    }
}
