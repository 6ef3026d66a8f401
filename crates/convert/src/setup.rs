//! Finding what a run needs: the catalog (bundled specs plus a user's files), the profile
//! (a bundled id or a path) and its 外字 table (next to the profile, or bundled).

use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, NotText, UnmappedGaiji};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_cleanse::gaiji::GaijiTableErrors;
use ikou_cleanse::host::HostError;
use ikou_layout_spec::error::SpecErrors;
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile, load_profile_file, ProfileAccess};
use ikou_layout_spec::{Catalog, Layout, Profile};
use std::path::{Path, PathBuf};

/// Why the run's specs could not be loaded: what was being loaded (a spec folder, a
/// profile, a 外字 table, with its file) and the underlying error as the
/// [`source`](std::error::Error::source) (the spec problems with their lines, the
/// [`std::io::Error`], the 外字 table's problems). The message says it all, the cause's own
/// message included.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The bundled specs do not load (a broken build).
    #[error("bundled specs are broken: {0}")]
    Bundled(#[source] SpecErrors),
    /// Spec files, a profile or its layouts and tables have problems (each with its file and
    /// line).
    #[error("{0}")]
    Spec(#[source] SpecErrors),
    /// No profile of that id or path (with where ikou looked).
    #[error("{0}")]
    UnknownProfile(String),
    /// A profile file named by its path does not exist.
    #[error("profile {profile}: no such file (looked for {})", looked.display())]
    NoProfileFile {
        /// The profile as given.
        profile: String,
        /// The absolute path looked at.
        looked: PathBuf,
    },
    /// A 外字 table file could not be read (the I/O error is the source).
    #[error("外字 table {file}: {source}")]
    GaijiRead {
        /// The table's path as given.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A 外字 table file does not exist.
    #[error("外字 table {file}: no such file (looked for {}){hint}", looked.display())]
    NoGaijiFile {
        /// The table's path as given.
        file: String,
        /// The absolute path looked at.
        looked: PathBuf,
        /// A hint when the name is that of a bundled table (or empty).
        hint: String,
        /// The I/O error (NotFound).
        #[source]
        source: std::io::Error,
    },
    /// A 外字 table has problems (each with its line).
    #[error("{0}")]
    Gaiji(#[source] GaijiTableErrors),
    /// A 外字 table for a host code page whose tables cannot be loaded.
    #[error("{0}")]
    HostCodePage(#[source] HostError),
    /// The profile's 外字 table is missing or refused (its name and why).
    #[error("profile {profile}: 外字 table `{table}` {problem}")]
    GaijiTable {
        /// The profile's file.
        profile: String,
        /// The table's name in the profile.
        table: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// A layout file cannot be read (the I/O error is the source).
    #[error("{}: {source}", path.display())]
    LayoutRead {
        /// The layout file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// No bundled layout has this id.
    #[error("no layout `{id}`; bundled: {bundled}")]
    UnknownLayout {
        /// The id given.
        id: String,
        /// The bundled layouts' ids, comma-separated.
        bundled: String,
    },
    /// An encoding label given for the data is unknown.
    #[error("unknown encoding `{label}` (try cp932, euc-jp, utf-8, or a host label: {})", ikou_cleanse::host::LABELS.join(", "))]
    UnknownEncoding {
        /// The label given.
        label: String,
    },
    /// A layout's encoding label is unknown.
    #[error("layout {layout}: unknown encoding `{encoding}`")]
    LayoutEncoding {
        /// The layout's id.
        layout: String,
        /// Its encoding label.
        encoding: String,
    },
    /// The encoding is not a text encoding (`binary`).
    #[error("{0}")]
    NotText(#[source] NotText),
}

impl SetupError {
    /// Whether this is an input that cannot be read (exit code 3) rather than a spec or
    /// usage problem (exit code 2): a profile file named by a path that does not exist, a
    /// layout file that cannot be read.
    /// (A 外字 table that cannot be read is a usage problem, as a spec is.)
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            SetupError::NoProfileFile { .. } | SetupError::LayoutRead { .. }
        )
    }
}

/// The bundled specs plus every spec file or directory in `specs`, checked together.
///
/// # Errors
/// Every problem in the specs, as one [`SetupError::Spec`].
pub fn load_catalog(specs: &[PathBuf]) -> Result<Catalog, SetupError> {
    let mut catalog = Catalog::bundled().map_err(SetupError::Bundled)?;
    for s in specs {
        catalog.load_path(s).map_err(SetupError::Spec)?;
    }
    let errs = catalog.check();
    if !errs.is_empty() {
        return Err(SetupError::Spec(errs));
    }
    Ok(catalog)
}

/// A profile by bundled id (`sample-juki`) or by the path of a `.toml` file.
///
/// # Errors
/// An unknown id ([`SetupError::UnknownProfile`]), a broken or unreadable profile
/// ([`SetupError::Spec`]); a profile path that does not exist
/// ([`SetupError::NoProfileFile`]).
pub fn load_profile(catalog: &Catalog, profile: &str) -> Result<Profile, SetupError> {
    let mut c = catalog.clone();
    load_profile_with(&mut c, profile, &ProfileAccess::default())
}

/// A profile by bundled id, by the id of a profile found in the `--specs` folders, or by
/// the path of a `.toml` file. The files a profile file names (layouts, code tables, its
/// 外字 table) are read relative to its folder, only inside it or a `--specs` folder unless
/// `access` allows more ([`load_profile_file`]), and loaded into `catalog`.
///
/// # Errors
/// An unknown id, with where ikou looked ([`SetupError::UnknownProfile`]); a broken or
/// unreadable profile ([`SetupError::Spec`]); a profile path that does not exist
/// ([`SetupError::NoProfileFile`]).
pub fn load_profile_with(
    catalog: &mut Catalog,
    profile: &str,
    access: &ProfileAccess,
) -> Result<Profile, SetupError> {
    let path = Path::new(profile);
    if profile.ends_with(".toml") || path.is_file() {
        if !path.exists() {
            let looked = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            return Err(SetupError::NoProfileFile {
                profile: profile.to_string(),
                looked,
            });
        }
        return load_profile_file(path, catalog, access).map_err(SetupError::Spec);
    }
    if let Some(p) = bundled_profile(profile, catalog) {
        return p.map_err(SetupError::Spec);
    }
    let found = catalog.find_profile(profile).map(PathBuf::from);
    if let Some(file) = found {
        return load_profile_file(&file, catalog, access).map_err(SetupError::Spec);
    }
    let bundled: Vec<&str> = bundled_ids().map(|(_, id)| id).collect();
    let in_specs: Vec<&str> = catalog
        .profile_files()
        .iter()
        .map(|(f, _)| f.as_str())
        .collect();
    Err(SetupError::UnknownProfile(format!(
        "no profile `{profile}`: not a file ({}), not bundled ({}), not among the profiles of --specs ({}); give a .toml path, or its folder with --specs (`ikou profiles list` lists them)",
        std::path::absolute(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display(),
        bundled.join(", "),
        if in_specs.is_empty() {
            "none given".to_string()
        } else {
            in_specs.join(", ")
        }
    )))
}

/// The bundled profiles as `(path, id)`: `profiles/sample-juki.toml` is `sample-juki`.
fn bundled_ids() -> impl Iterator<Item = (&'static str, &'static str)> {
    (ikou_layout_spec::profile::BUNDLED_PROFILES.iter())
        .filter_map(|(p, _)| Some((*p, p.rsplit('/').next()?.strip_suffix(".toml")?)))
}

/// A profile `--profile ID` can name ([`available_profiles`]).
#[derive(Debug)]
pub struct AvailableProfile {
    /// `bundled:profiles/NAME.toml`, or the profile's file in a `--specs` folder.
    pub file: String,
    /// The id `--profile` looks for: a file's declared id, even when it does not load.
    pub id: Option<String>,
    /// The profile, or why it does not load.
    pub profile: Result<Profile, SetupError>,
    /// The file of an earlier profile with the same id, which `--profile ID` takes instead
    /// (the lookup of [`load_profile_with`]: the bundled profiles, then the first file).
    pub shadowed_by: Option<String>,
}

/// Every profile `--profile ID` can name: the bundled ones, then those `catalog` found in
/// the `specs` folders ([`load_catalog`]), each loaded as `convert` would load it.
pub fn available_profiles(catalog: &Catalog, specs: &[PathBuf]) -> Vec<AvailableProfile> {
    let mut found: Vec<AvailableProfile> = Vec::new();
    for (path, id) in bundled_ids() {
        found.push(AvailableProfile {
            file: format!("bundled:{path}"),
            id: Some(id.to_string()),
            profile: load_profile_with(&mut catalog.clone(), id, &ProfileAccess::default()),
            shadowed_by: None,
        });
    }
    let access = ProfileAccess {
        spec_roots: specs.to_vec(),
        allow_outside: false,
    };
    for (file, text) in catalog.profile_files() {
        let profile = load_profile_file(Path::new(file), &mut catalog.clone(), &access)
            .map_err(SetupError::Spec);
        let id = ikou_layout_spec::catalog::declared_profile_id(text);
        let shadowed_by = id.as_ref().and_then(|id| {
            (found.iter())
                .find(|l| l.id.as_ref() == Some(id))
                .map(|l| l.file.clone())
        });
        found.push(AvailableProfile {
            file: file.clone(),
            id,
            profile,
            shadowed_by,
        });
    }
    found
}

/// The profile's 外字 table: `over` if given, else the profile's table looked up next to a
/// profile file and then among the bundled tables; an empty table if the profile names none.
///
/// # Errors
/// A table that is missing or broken.
pub fn load_gaiji(profile: &Profile, over: Option<&Path>) -> Result<GaijiTable, SetupError> {
    let charset = Charset::from_label(&profile.characters.encoding).unwrap_or(Charset::Cp932);
    let from_path = |p: &Path| read_gaiji_table_for(p, charset);
    if let Some(p) = over {
        return from_path(p);
    }
    let Some(name) = &profile.characters.gaiji_table else {
        return Ok(GaijiTable::new());
    };
    if !profile.file.starts_with("bundled:") {
        let rel = Path::new(name);
        if rel.is_relative()
            && rel
                .components()
                .any(|c| c == std::path::Component::ParentDir)
        {
            // load_profile_with resolves and checks such paths (to an absolute one).
            return Err(SetupError::GaijiTable {
                profile: profile.file.clone(),
                table: name.clone(),
                problem: "leaves the profile's folder: refused, not read",
            });
        }
        let base = Path::new(&profile.file).parent().unwrap_or(Path::new("."));
        let p = base.join(name);
        if p.is_file() {
            return from_path(&p);
        }
    }
    match bundled_gaiji(name) {
        Some(text) => parse_gaiji_for(text, &format!("bundled:specs/gaiji/{name}"), charset),
        None => Err(SetupError::GaijiTable {
            profile: profile.file.clone(),
            table: name.clone(),
            problem: "not found (next to the profile or bundled)",
        }),
    }
}

/// Reads a 外字 table file (CSV `code,replacement,mj,note`), at most
/// [`ikou_layout_spec::MAX_SPEC_FILE_BYTES`]; works on pipes and devices.
///
/// # Errors
/// A missing file (with the absolute path looked at, [`SetupError::NoGaijiFile`]), an
/// unreadable, too large or non-UTF-8 file ([`SetupError::GaijiRead`]), or the table's
/// problems with their lines ([`SetupError::Gaiji`]). No message quotes the file's content
/// beyond the table's own fields.
pub fn read_gaiji_table(path: &Path) -> Result<GaijiTable, SetupError> {
    read_gaiji_table_for(path, Charset::Cp932)
}

/// Parses a 外字 table for data in `charset`: CP932 codes F040–F9FC, or for a host code page
/// (issue #16) the code page's own user-defined codes as they stand in the items (JEF
/// 80A1–A0FE, KEIS 81A1–A0FE, …).
///
/// # Errors
/// The table's problems with their lines ([`SetupError::Gaiji`]); a host code page whose
/// tables cannot be loaded ([`SetupError::HostCodePage`]).
pub fn parse_gaiji_for(text: &str, file: &str, charset: Charset) -> Result<GaijiTable, SetupError> {
    match charset {
        Charset::Host(h) => {
            let codec = h.codec().map_err(SetupError::HostCodePage)?;
            GaijiTable::parse_host(text, file, &|c| codec.is_user_code(c), h.as_str())
        }
        _ => GaijiTable::parse(text, file),
    }
    .map_err(SetupError::Gaiji)
}

/// [`read_gaiji_table`] for data in `charset` ([`parse_gaiji_for`]).
///
/// # Errors
/// As [`read_gaiji_table`].
pub fn read_gaiji_table_for(path: &Path, charset: Charset) -> Result<GaijiTable, SetupError> {
    let file = path.display().to_string();
    let text = ikou_layout_spec::read_spec_file(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            let looked = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            let hint = bundled_gaiji(&file).map_or(String::new(), |_| {
                format!(
                    "; `{file}` is also the name of a bundled table, which a profile names with \
                     gaiji_table = \"{file}\" (here give the path of a file)"
                )
            });
            SetupError::NoGaijiFile {
                file: file.clone(),
                looked,
                hint,
                source,
            }
        } else {
            SetupError::GaijiRead {
                file: file.clone(),
                source,
            }
        }
    })?;
    parse_gaiji_for(&text, &file, charset)
}

/// A layout by bundled id (`legacy/sample-juki`) or by the path of a layout `.toml` file
/// (read with the bound of [`ikou_layout_spec::read_spec_file`]): how `inspect`, `gaiji`
/// and `layouts show` find the layout they are given.
///
/// # Errors
/// An unreadable file ([`SetupError::LayoutRead`], an input problem: [`SetupError::is_io`]),
/// a broken layout file ([`SetupError::Spec`]), broken bundled specs
/// ([`SetupError::Bundled`]), an id that is not bundled ([`SetupError::UnknownLayout`]).
pub fn load_layout(id: &str) -> Result<Layout, SetupError> {
    let path = PathBuf::from(id);
    if id.ends_with(".toml") || path.is_file() {
        let text =
            ikou_layout_spec::read_spec_file(&path).map_err(|source| SetupError::LayoutRead {
                path: path.clone(),
                source,
            })?;
        return ikou_layout_spec::parse_layout(&text, &path.display().to_string())
            .map_err(SetupError::Spec);
    }
    let catalog = Catalog::bundled().map_err(SetupError::Bundled)?;
    catalog.layout(id).cloned().ok_or_else(|| {
        let ids: Vec<_> = catalog.layouts().map(|l| l.id.as_str()).collect();
        SetupError::UnknownLayout {
            id: id.to_string(),
            bundled: ids.join(", "),
        }
    })
}

/// The character profile for reading files of `layout` outside a run (`inspect`, `gaiji`):
/// the layout's encoding, or `encoding` instead (written into `layout`, so its readers use
/// it), the 外字 table `table` read for that code page ([`read_gaiji_table_for`]), and
/// unmapped 外字 kept (to be listed, not rejected).
///
/// # Errors
/// An unknown `encoding` ([`SetupError::UnknownEncoding`]) or layout encoding
/// ([`SetupError::LayoutEncoding`]), an encoding that is not text ([`SetupError::NotText`]),
/// a table that is missing or broken (as [`read_gaiji_table_for`]).
pub fn char_profile_for(
    layout: &mut Layout,
    encoding: Option<&str>,
    table: Option<&Path>,
) -> Result<CharProfile, SetupError> {
    if let Some(e) = encoding {
        let cs = Charset::from_label(e).ok_or_else(|| SetupError::UnknownEncoding {
            label: e.to_string(),
        })?;
        layout.encoding = cs.as_str().to_string();
    }
    let cs = Charset::from_label(&layout.encoding).ok_or_else(|| SetupError::LayoutEncoding {
        layout: layout.id.clone(),
        encoding: layout.encoding.clone(),
    })?;
    let mut profile = CharProfile::new(cs).map_err(SetupError::NotText)?;
    if let Some(t) = table {
        profile = profile.with_gaiji(read_gaiji_table_for(t, cs)?);
    }
    Ok(profile.with_unmapped(UnmappedGaiji::Keep))
}

/// Whether `label` names a text encoding ikou reads: a code page `Charset::from_label`
/// knows (cp932, utf-8, euc-jp, …; not `binary`) or a host label (`jef`, `keis83`,
/// `ibm-930`, …). What `ikou layouts import --encoding` accepts
/// ([`ikou_layout_spec::import::plan::plan_import`] is given this function).
pub fn is_text_encoding(label: &str) -> bool {
    ikou_layout_spec::is_host_encoding(label)
        || Charset::from_label(label)
            .is_some_and(|c| !matches!(c, Charset::Binary | Charset::Unknown))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::error::Error as _;

    /// #15: a setup error's `source()` chain reaches the underlying error, and the message
    /// still names the file.
    #[test]
    fn a_setup_error_has_its_io_error_as_source() {
        let dir = std::env::temp_dir().join(format!("ikou-setup-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // A directory is no table: reading it fails with an I/O error.
        let e = read_gaiji_table(&dir).unwrap_err();
        let io = e.source().and_then(|c| c.downcast_ref::<std::io::Error>());
        assert!(io.is_some(), "{e:?}");
        assert!(e.to_string().starts_with("外字 table "), "{e}");
        assert!(e.to_string().contains(&dir.display().to_string()), "{e}");
        // A missing file: NotFound as the source, the absolute path in the message.
        let missing = dir.join("none.csv");
        let e = read_gaiji_table(&missing).unwrap_err();
        let io = e.source().and_then(|c| c.downcast_ref::<std::io::Error>());
        assert_eq!(
            io.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound)
        );
        assert!(e.to_string().contains("no such file (looked for "), "{e}");
        // A broken table: its problems (with their lines) are the source.
        let broken = dir.join("broken.csv");
        std::fs::write(&broken, "code,replacement\nZZZZ,髙\n").unwrap();
        let e = read_gaiji_table(&broken).unwrap_err();
        assert!(
            e.source().is_some_and(|c| c.is::<GaijiTableErrors>()),
            "{e:?}"
        );
        // A spec folder that does not load: its problems are the source.
        let e = load_catalog(&[dir.join("no-such-folder")]).unwrap_err();
        assert!(e.source().is_some_and(|c| c.is::<SpecErrors>()), "{e:?}");
        assert!(!e.is_io());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn text_encodings_are_code_pages_and_host_labels_not_binary() {
        assert!(is_text_encoding("cp932"));
        assert!(is_text_encoding("utf-8"));
        assert!(is_text_encoding("jef"));
        assert!(!is_text_encoding("binary"));
        assert!(!is_text_encoding("klingon"));
    }

    #[test]
    fn a_layout_is_found_by_bundled_id_or_file_and_an_unknown_one_is_named() {
        let l = load_layout("legacy/sample-juki").unwrap();
        assert_eq!(l.id, "legacy/sample-juki");
        let e = load_layout("legacy/none").unwrap_err();
        assert!(matches!(&e, SetupError::UnknownLayout { id, bundled }
            if id == "legacy/none" && bundled.contains("legacy/sample-juki")));
        assert!(!e.is_io());
        let e = load_layout("/nonexistent/ikou-layout.toml").unwrap_err();
        assert!(e.is_io(), "{e:?}");
        assert!(e.source().is_some_and(|s| s.is::<std::io::Error>()));
        assert!(e.to_string().starts_with("/nonexistent/ikou-layout.toml: "));
    }

    #[test]
    fn the_char_profile_takes_the_encoding_override_and_refuses_unknown_labels() {
        let mut l = load_layout("legacy/sample-juki").unwrap();
        let p = char_profile_for(&mut l, Some("euc-jp"), None).unwrap();
        assert_eq!(p.charset, Charset::EucJp);
        assert_eq!(l.encoding, Charset::EucJp.as_str());
        assert_eq!(p.unmapped, UnmappedGaiji::Keep);
        let e = char_profile_for(&mut l, Some("klingon"), None).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown encoding `klingon` (try cp932"),
            "{e}"
        );
        l.encoding = "klingon".into();
        let e = char_profile_for(&mut l, None, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "layout legacy/sample-juki: unknown encoding `klingon`"
        );
        let e = char_profile_for(&mut l, Some("binary"), None).unwrap_err();
        assert!(matches!(e, SetupError::NotText(_)), "{e:?}");
    }
}
