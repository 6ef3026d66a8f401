//! Planning an import as `ikou layouts import` does it: which importer reads the file
//! (a COBOL copybook, an official デジタル庁 workbook, or a generic item list), which option
//! combinations are refused, which files are written (their paths and texts), and that no
//! existing file is overwritten without `force`. Everything but writing the files and
//! printing, which are the caller's (a CLI writes them atomically and prints the summary).
//!
//! # Example
//! ```
//! use ikou_layout_spec::import::plan::{plan_import, ImportPlan, ImportRequest};
//! use ikou_layout_spec::import::ImportOptions;
//! use std::path::Path;
//!
//! let csv = "No,項目名,データ型,桁数\n1,宛名番号,数字,10\n";
//! let opts = ImportOptions::new("chukan/items", "items.csv");
//! let req = ImportRequest::new(Path::new("items.csv"), csv.as_bytes(), &opts);
//! let plan = plan_import(&req, &|_| true).unwrap();
//! let ImportPlan::List { imported, text, files } = plan else { panic!() };
//! assert_eq!(imported.layout.items.len(), 1);
//! assert!(files.is_empty()); // no `out`: the text goes to stdout
//! assert!(text.contains("chukan/items"));
//! ```

use super::copybook::{self, CopybookImport, CopybookOptions};
use super::official::{self, OfficialBook};
use super::{ImportError, ImportOptions, Imported};
use crate::model::Status;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The largest workbook, CSV item list or copybook [`read_import_file`] reads (64 MiB).
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Why an import cannot be planned. The messages name the file (or the option) at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportPlanError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_IMPORT_BYTES`].
    #[error("{}: {size} bytes is larger than an item list can be ({MAX_IMPORT_BYTES} bytes)", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
    /// `--view` was given for a file that is not a copybook.
    #[error("{} is not a COBOL copybook: --view applies to copybooks only", path.display())]
    ViewNotCopybook {
        /// The file.
        path: PathBuf,
    },
    /// `--sheet` or `--json` was given for a copybook.
    #[error("{} is a COBOL copybook: --sheet and --json apply to workbooks only", path.display())]
    WorkbookOptionOnCopybook {
        /// The file.
        path: PathBuf,
    },
    /// `--json` was given for a file that is not an official workbook.
    #[error("{}: --json applies to workbooks in the official form only", path.display())]
    JsonNotOfficial {
        /// The file.
        path: PathBuf,
    },
    /// `--sheet` was given for a file that is not a workbook.
    #[error("{} is not a workbook: --sheet applies to .xlsx files only", path.display())]
    SheetNotWorkbook {
        /// The file.
        path: PathBuf,
    },
    /// An official workbook gives several files: it needs an output directory.
    #[error("{} is an official item-definition workbook: it gives several files (one layout per グループ and the code tables); name a directory with --out DIR", path.display())]
    OfficialNeedsDir {
        /// The file.
        path: PathBuf,
    },
    /// The encoding label is not a known text encoding.
    #[error("--encoding {label}: not a known text encoding (cp932, utf-8, euc-jp, … or a host label: {})", crate::HOST_ENCODINGS.join(", "))]
    UnknownEncoding {
        /// The label given.
        label: String,
    },
    /// A file to write exists and `force` is not set.
    #[error("{} exists; use --force to overwrite it", path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// A construct of the copybook cannot be imported (the place is the copybook's line and
    /// column).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Copybook {
        /// The copybook.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
        /// The importer's error (an [`ImportError::Copybook`]).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The importer failed (its message is shown as it is).
    #[error(transparent)]
    Import(Box<ImportError>),
}

impl From<ImportError> for ImportPlanError {
    fn from(e: ImportError) -> ImportPlanError {
        ImportPlanError::Import(Box::new(e))
    }
}

impl ImportPlanError {
    /// Whether the error is the file system's (an unreadable file) rather than the input's
    /// or the options' (a CLI gives them different exit codes).
    pub fn is_io(&self) -> bool {
        matches!(self, ImportPlanError::Io { .. })
    }
}

/// Reads an item list, workbook or copybook, refusing one larger than [`MAX_IMPORT_BYTES`]
/// (also when it grows while read).
pub fn read_import_file(path: &Path) -> Result<Vec<u8>, ImportPlanError> {
    let io = |source| ImportPlanError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(ImportPlanError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    Ok(bytes)
}

/// What to import and where to (the arguments of `ikou layouts import`).
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    /// The file's path (its extension tells a workbook or a copybook; shown in messages).
    pub file: &'a Path,
    /// The file's bytes ([`read_import_file`]).
    pub bytes: &'a [u8],
    /// The sheet to read (generic workbooks only).
    pub sheet: Option<&'a str>,
    /// Where to write: the layout file (a directory for an official workbook); `None`
    /// means the layout text goes to stdout.
    pub out: Option<&'a Path>,
    /// Overwrite existing files.
    pub force: bool,
    /// A JSON report is asked for (official workbooks only).
    pub json: bool,
    /// The layout's id, name, 業務, format and encoding.
    pub opts: &'a ImportOptions,
    /// Copybooks: the `REDEFINES` alternatives to use.
    pub views: &'a [String],
    /// Whether the id was given (otherwise a copybook's `chukan/NAME` becomes `legacy/NAME`).
    pub id_given: bool,
}

impl<'a> ImportRequest<'a> {
    /// A request with no sheet, no output file (stdout), no force, no JSON, no views and
    /// the id of `opts` taken as the default one.
    pub fn new(file: &'a Path, bytes: &'a [u8], opts: &'a ImportOptions) -> ImportRequest<'a> {
        ImportRequest {
            file,
            bytes,
            sheet: None,
            out: None,
            force: false,
            json: false,
            opts,
            views: &[],
            id_given: false,
        }
    }
}

/// What a file to write holds (for the summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedContent {
    /// A layout.
    Layout {
        /// Its id.
        id: String,
        /// Its display name.
        name: String,
        /// Its status.
        status: Status,
        /// Its number of items.
        items: usize,
    },
    /// A code table.
    CodeTable {
        /// Its name (as items refer to it).
        name: String,
        /// The コードID as written (empty for a copybook's level-88 values).
        code_id: String,
        /// コード名 (empty for a copybook's).
        title: String,
        /// The sheet it came from (empty for a copybook's).
        sheet: String,
        /// Its number of values.
        values: usize,
    },
}

/// One file an import writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Where.
    pub path: PathBuf,
    /// The whole text (a layout's TOML or a code table's CSV).
    pub text: String,
    /// What it holds.
    pub content: PlannedContent,
}

/// An import ready to be written: what was read, the text of the layout and the files to
/// write (none of which exists unless `force` was given). When `files` is empty the layout
/// text is for stdout.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ImportPlan {
    /// A generic item list (a workbook's sheet or a CSV file): one layout.
    List {
        /// The layout, with the rows to review.
        imported: Imported,
        /// The layout as a spec file.
        text: String,
        /// The layout file, or none (stdout).
        files: Vec<PlannedFile>,
    },
    /// A COBOL copybook: the layout and, with an output file, its level-88 code tables
    /// beside it.
    Copybook {
        /// The layout, its code tables and the source form.
        import: CopybookImport,
        /// The layout as a spec file.
        text: String,
        /// The layout file and the code tables, or none (stdout).
        files: Vec<PlannedFile>,
    },
    /// A workbook in the official form: one layout per グループ and one code table per code
    /// list, into a directory.
    Official {
        /// Everything read from the workbook.
        book: OfficialBook,
        /// The directory to create (if missing) and write into.
        dir: PathBuf,
        /// The layouts, then the code tables.
        files: Vec<PlannedFile>,
    },
}

impl ImportPlan {
    /// The files to write, in order (empty: print the layout text instead).
    pub fn files(&self) -> &[PlannedFile] {
        match self {
            ImportPlan::List { files, .. }
            | ImportPlan::Copybook { files, .. }
            | ImportPlan::Official { files, .. } => files,
        }
    }
}

/// Decides how `req` is imported and imports it: a copybook (by extension or content), an
/// official workbook (unless a sheet is named), or a generic item list; checks the options
/// against the kind of file, the encoding label (`is_text_encoding` tells whether a label
/// names a known text encoding — this crate knows the host labels only; see
/// `ikou_convert::setup::is_text_encoding`), and that no file to write exists unless
/// `req.force`. Writes nothing.
pub fn plan_import(
    req: &ImportRequest<'_>,
    is_text_encoding: &dyn Fn(&str) -> bool,
) -> Result<ImportPlan, ImportPlanError> {
    let path = || req.file.to_path_buf();
    if super::is_copybook_file(req.file, req.bytes) {
        return plan_copybook(req, is_text_encoding);
    }
    if !req.views.is_empty() {
        return Err(ImportPlanError::ViewNotCopybook { path: path() });
    }
    if req.sheet.is_none() && super::is_official_workbook(req.bytes)? {
        return plan_official(req);
    }
    if req.json {
        return Err(ImportPlanError::JsonNotOfficial { path: path() });
    }
    if let Some(out) = req.out {
        refuse_existing(std::slice::from_ref(&out.to_path_buf()), req.force)?;
    }
    let imported = if super::is_workbook_file(req.file, req.bytes) {
        super::import_xlsx(req.bytes, req.sheet, req.opts)?
    } else {
        if req.sheet.is_some() {
            return Err(ImportPlanError::SheetNotWorkbook { path: path() });
        }
        super::import_csv(req.bytes, req.opts)?
    };
    let text = imported.to_toml();
    let files = req
        .out
        .map(|out| PlannedFile {
            path: out.to_path_buf(),
            text: text.clone(),
            content: layout_content(&imported.layout),
        })
        .into_iter()
        .collect();
    Ok(ImportPlan::List {
        imported,
        text,
        files,
    })
}

fn plan_copybook(
    req: &ImportRequest<'_>,
    is_text_encoding: &dyn Fn(&str) -> bool,
) -> Result<ImportPlan, ImportPlanError> {
    if req.sheet.is_some() || req.json {
        return Err(ImportPlanError::WorkbookOptionOnCopybook {
            path: req.file.to_path_buf(),
        });
    }
    let mut opts = req.opts.clone();
    if !req.id_given {
        if let Some(rest) = opts.id.strip_prefix("chukan/") {
            opts.id = format!("legacy/{rest}");
        }
    }
    if let Some(e) = &opts.encoding {
        if !(crate::is_host_encoding(e) || is_text_encoding(e)) {
            return Err(ImportPlanError::UnknownEncoding { label: e.clone() });
        }
    }
    let copts = CopybookOptions {
        views: req.views.to_vec(),
        form: None,
    };
    let got = copybook::import_copybook(req.bytes, &opts, &copts).map_err(|e| match e {
        ImportError::Copybook {
            line,
            column,
            ref message,
            ..
        } => ImportPlanError::Copybook {
            path: req.file.to_path_buf(),
            line,
            column,
            message: message.clone(),
            source: Box::new(e),
        },
        e => ImportPlanError::from(e),
    })?;
    let text = got.to_toml();
    let mut files = Vec::new();
    if let Some(out) = req.out {
        files.push(PlannedFile {
            path: out.to_path_buf(),
            text: text.clone(),
            content: layout_content(&got.imported.layout),
        });
        let dir = out.parent().unwrap_or(Path::new(""));
        for t in &got.code_tables {
            files.push(PlannedFile {
                path: dir.join(format!("{}.csv", t.name)),
                text: official::code_table_csv(t),
                content: PlannedContent::CodeTable {
                    name: t.name.clone(),
                    code_id: String::new(),
                    title: String::new(),
                    sheet: String::new(),
                    values: t.entries.len(),
                },
            });
        }
        refuse_existing_files(&files, req.force)?;
    }
    Ok(ImportPlan::Copybook {
        import: got,
        text,
        files,
    })
}

fn plan_official(req: &ImportRequest<'_>) -> Result<ImportPlan, ImportPlanError> {
    let Some(out) = req.out else {
        return Err(ImportPlanError::OfficialNeedsDir {
            path: req.file.to_path_buf(),
        });
    };
    let opts = req.opts;
    let prefix = opts.id.starts_with("standard/").then_some(opts.id.as_str());
    let book = official::import_official(req.bytes, &opts.source, prefix)?;
    let mut files = Vec::new();
    for l in &book.layouts {
        files.push(PlannedFile {
            path: out.join(OfficialBook::layout_file_name(l)),
            text: book.layout_toml(l),
            content: layout_content(l),
        });
    }
    for t in &book.code_tables {
        files.push(PlannedFile {
            path: out.join(format!("{}.csv", t.table.name)),
            text: official::code_table_csv(&t.table),
            content: PlannedContent::CodeTable {
                name: t.table.name.clone(),
                code_id: t.code_id.clone(),
                title: t.title.clone(),
                sheet: t.sheet.clone(),
                values: t.table.entries.len(),
            },
        });
    }
    refuse_existing_files(&files, req.force)?;
    Ok(ImportPlan::Official {
        book,
        dir: out.to_path_buf(),
        files,
    })
}

fn layout_content(l: &crate::Layout) -> PlannedContent {
    PlannedContent::Layout {
        id: l.id.clone(),
        name: l.name.clone(),
        status: l.status,
        items: l.items.len(),
    }
}

fn refuse_existing_files(files: &[PlannedFile], force: bool) -> Result<(), ImportPlanError> {
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    refuse_existing(&paths, force)
}

/// The first of `paths` that exists is an error unless `force`.
fn refuse_existing(paths: &[PathBuf], force: bool) -> Result<(), ImportPlanError> {
    if force {
        return Ok(());
    }
    match paths.iter().find(|p| p.exists()) {
        Some(p) => Err(ImportPlanError::Exists { path: p.clone() }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "No,項目名,データ型,桁数\n1,宛名番号,数字,10\n2,氏名,全角,40\n";
    const CPY: &str = "       01  REC.\n           05  KUBUN  PIC X(1).\n               88  KOJIN  VALUE '1'.\n               88  HOJIN  VALUE '2'.\n           05  BANGO  PIC 9(10).\n";

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ikou-plan-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_list_without_out_goes_to_stdout_and_with_out_is_one_file() {
        let opts = ImportOptions::new("chukan/items", "items.csv");
        let mut req = ImportRequest::new(Path::new("items.csv"), CSV.as_bytes(), &opts);
        let plan = plan_import(&req, &|_| true).unwrap();
        assert!(plan.files().is_empty());
        let dir = scratch("list");
        let out = dir.join("items.toml");
        req.out = Some(&out);
        let plan = plan_import(&req, &|_| true).unwrap();
        let ImportPlan::List { text, files, .. } = &plan else {
            panic!("{plan:?}")
        };
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, out);
        assert_eq!(&files[0].text, text);
        assert!(matches!(
            &files[0].content,
            PlannedContent::Layout { id, items: 2, .. } if id == "chukan/items"
        ));
        assert!(!out.exists(), "planning writes nothing");
        std::fs::write(&out, "x").unwrap();
        let e = plan_import(&req, &|_| true).unwrap_err();
        assert!(
            matches!(&e, ImportPlanError::Exists { path } if *path == out),
            "{e}"
        );
        assert!(e
            .to_string()
            .ends_with("exists; use --force to overwrite it"));
        req.force = true;
        assert_eq!(plan_import(&req, &|_| true).unwrap().files().len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn options_that_do_not_fit_the_file_are_refused() {
        let opts = ImportOptions::new("chukan/items", "items.csv");
        let views = vec!["X".to_string()];
        let mut req = ImportRequest::new(Path::new("items.csv"), CSV.as_bytes(), &opts);
        req.views = &views;
        assert!(matches!(
            plan_import(&req, &|_| true),
            Err(ImportPlanError::ViewNotCopybook { .. })
        ));
        req.views = &[];
        req.json = true;
        assert!(matches!(
            plan_import(&req, &|_| true),
            Err(ImportPlanError::JsonNotOfficial { .. })
        ));
        req.json = false;
        req.sheet = Some("S");
        let e = plan_import(&req, &|_| true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "items.csv is not a workbook: --sheet applies to .xlsx files only"
        );
        assert!(!e.is_io());
    }

    #[test]
    fn a_copybook_gets_a_legacy_id_its_code_tables_beside_it_and_a_checked_encoding() {
        let opts = ImportOptions::new("chukan/rec", "REC.cpy");
        let mut req = ImportRequest::new(Path::new("REC.cpy"), CPY.as_bytes(), &opts);
        let dir = scratch("cpy");
        let out = dir.join("rec.toml");
        req.out = Some(&out);
        let plan = plan_import(&req, &|_| true).unwrap();
        let ImportPlan::Copybook { import, files, .. } = &plan else {
            panic!("{plan:?}")
        };
        assert_eq!(import.imported.layout.id, "legacy/rec");
        assert_eq!(files.len(), 1 + import.code_tables.len());
        assert!(!import.code_tables.is_empty());
        assert_eq!(files[1].path.parent(), Some(dir.as_path()));
        assert!(files[1].path.to_string_lossy().ends_with(".csv"));
        // An existing code table file is refused as well as the layout.
        std::fs::write(&files[1].path, "x").unwrap();
        assert!(matches!(
            plan_import(&req, &|_| true),
            Err(ImportPlanError::Exists { path }) if path == files[1].path
        ));
        req.id_given = true;
        req.force = true;
        let plan = plan_import(&req, &|_| true).unwrap();
        let ImportPlan::Copybook { import, .. } = &plan else {
            panic!()
        };
        assert_eq!(import.imported.layout.id, "chukan/rec");
        // The encoding label is checked with the caller's knowledge plus the host labels.
        let mut enc = opts.clone();
        enc.encoding = Some("klingon".into());
        req.opts = &enc;
        let e = plan_import(&req, &|_| false).unwrap_err();
        assert!(matches!(&e, ImportPlanError::UnknownEncoding { label } if label == "klingon"));
        let mut host = opts.clone();
        host.encoding = Some("jef".into());
        req.opts = &host;
        assert!(plan_import(&req, &|_| false).is_ok());
        req.sheet = Some("S");
        assert!(matches!(
            plan_import(&req, &|_| true),
            Err(ImportPlanError::WorkbookOptionOnCopybook { .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_copybook_error_names_the_file_line_and_column_and_keeps_its_source() {
        let bad = "       01  REC.\n           05  A  PIC X(1) OCCURS 1 TO 5 DEPENDING ON N.\n";
        let opts = ImportOptions::new("chukan/rec", "REC.cpy");
        let req = ImportRequest::new(Path::new("REC.cpy"), bad.as_bytes(), &opts);
        let e = plan_import(&req, &|_| true).unwrap_err();
        assert!(e.to_string().starts_with("REC.cpy:2:"), "{e}");
        assert!(std::error::Error::source(&e)
            .is_some_and(|s| s.downcast_ref::<ImportError>().is_some()));
    }

    #[test]
    fn reading_refuses_a_missing_file_as_io() {
        let e = read_import_file(Path::new("/nonexistent/ikou-plan.csv")).unwrap_err();
        assert!(e.is_io());
        assert!(e.to_string().starts_with("/nonexistent/ikou-plan.csv: "));
    }
}
