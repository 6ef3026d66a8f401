//! Finding what a run needs: the catalog (bundled specs plus a user's files), the profile
//! (a bundled id or a path) and its 外字 table (next to the profile, or bundled).

use ikou_cleanse::charset::Charset;
use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile, load_profile_file, ProfileAccess};
use ikou_layout_spec::{Catalog, Profile};
use std::path::{Path, PathBuf};

/// Why the run's specs could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// A spec, profile or table is missing or broken (a usage error).
    #[error("{0}")]
    Spec(String),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
}

/// The bundled specs plus every spec file or directory in `specs`, checked together.
///
/// # Errors
/// Every problem in the specs, as one [`SetupError::Spec`].
pub fn load_catalog(specs: &[PathBuf]) -> Result<Catalog, SetupError> {
    let mut catalog = Catalog::bundled()
        .map_err(|e| SetupError::Spec(format!("bundled specs are broken: {e}")))?;
    for s in specs {
        catalog
            .load_path(s)
            .map_err(|e| SetupError::Spec(e.to_string()))?;
    }
    let errs = catalog.check();
    if !errs.is_empty() {
        return Err(SetupError::Spec(errs.to_string()));
    }
    Ok(catalog)
}

/// A profile by bundled id (`sample-juki`) or by the path of a `.toml` file.
///
/// # Errors
/// An unknown id or a broken profile ([`SetupError::Spec`]); an unreadable file
/// ([`SetupError::Io`]).
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
/// An unknown id (with where ikou looked) or a broken profile ([`SetupError::Spec`]); an
/// unreadable profile file ([`SetupError::Io`]).
pub fn load_profile_with(
    catalog: &mut Catalog,
    profile: &str,
    access: &ProfileAccess,
) -> Result<Profile, SetupError> {
    let path = Path::new(profile);
    if profile.ends_with(".toml") || path.is_file() {
        if !path.exists() {
            let looked = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            return Err(SetupError::Io(format!(
                "profile {profile}: no such file (looked for {})",
                looked.display()
            )));
        }
        return load_profile_file(path, catalog, access)
            .map_err(|e| SetupError::Spec(e.to_string()));
    }
    if let Some(p) = bundled_profile(profile, catalog) {
        return p.map_err(|e| SetupError::Spec(e.to_string()));
    }
    let found = catalog.find_profile(profile).map(PathBuf::from);
    if let Some(file) = found {
        return load_profile_file(&file, catalog, access)
            .map_err(|e| SetupError::Spec(e.to_string()));
    }
    let bundled: Vec<&str> = ikou_layout_spec::profile::BUNDLED_PROFILES
        .iter()
        .filter_map(|(p, _)| p.rsplit('/').next()?.strip_suffix(".toml"))
        .collect();
    let in_specs: Vec<&str> = catalog
        .profile_files()
        .iter()
        .map(|(f, _)| f.as_str())
        .collect();
    Err(SetupError::Spec(format!(
        "no profile `{profile}`: not a file ({}), not bundled ({}), not among the profiles of --specs ({}); give a .toml path, or its folder with --specs",
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

/// The profile's 外字 table: `over` if given, else the profile's table looked up next to a
/// profile file and then among the bundled tables; an empty table if the profile names none.
///
/// # Errors
/// A table that is missing or broken.
pub fn load_gaiji(profile: &Profile, over: Option<&Path>) -> Result<GaijiTable, SetupError> {
    let charset = Charset::from_label(&profile.characters.encoding).unwrap_or(Charset::Cp932);
    let from_path = |p: &Path| read_gaiji_table_for(p, charset).map_err(SetupError::Spec);
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
            return Err(SetupError::Spec(format!(
                "profile {}: 外字 table `{name}` leaves the profile's folder: refused, not read",
                profile.file
            )));
        }
        let base = Path::new(&profile.file).parent().unwrap_or(Path::new("."));
        let p = base.join(name);
        if p.is_file() {
            return from_path(&p);
        }
    }
    match bundled_gaiji(name) {
        Some(text) => parse_gaiji_for(text, &format!("bundled:specs/gaiji/{name}"), charset)
            .map_err(SetupError::Spec),
        None => Err(SetupError::Spec(format!(
            "profile {}: 外字 table `{name}` not found (next to the profile or bundled)",
            profile.file
        ))),
    }
}

/// Reads a 外字 table file (CSV `code,replacement,mj,note`), at most
/// [`ikou_layout_spec::MAX_SPEC_FILE_BYTES`]; works on pipes and devices.
///
/// # Errors
/// The message: a missing file (with the absolute path looked at), an unreadable, too large
/// or non-UTF-8 file, or the table's problems with their lines. No message quotes the
/// file's content beyond the table's own fields.
pub fn read_gaiji_table(path: &Path) -> Result<GaijiTable, String> {
    read_gaiji_table_for(path, Charset::Cp932)
}

/// Parses a 外字 table for data in `charset`: CP932 codes F040–F9FC, or for a host code page
/// (issue #16) the code page's own user-defined codes as they stand in the items (JEF
/// 80A1–A0FE, KEIS 81A1–A0FE, …).
///
/// # Errors
/// The table's problems with their lines, as one message.
pub fn parse_gaiji_for(text: &str, file: &str, charset: Charset) -> Result<GaijiTable, String> {
    match charset {
        Charset::Host(h) => {
            let codec = h.codec().map_err(|e| e.to_string())?;
            GaijiTable::parse_host(text, file, &|c| codec.is_user_code(c), h.as_str())
        }
        _ => GaijiTable::parse(text, file),
    }
    .map_err(|e| e.to_string())
}

/// [`read_gaiji_table`] for data in `charset` ([`parse_gaiji_for`]).
///
/// # Errors
/// As [`read_gaiji_table`].
pub fn read_gaiji_table_for(path: &Path, charset: Charset) -> Result<GaijiTable, String> {
    let file = path.display().to_string();
    let text = ikou_layout_spec::read_spec_file(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            let looked = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            let bundled = bundled_gaiji(&file).map_or(String::new(), |_| {
                format!(
                    "; `{file}` is also the name of a bundled table, which a profile names with \
                     gaiji_table = \"{file}\" (here give the path of a file)"
                )
            });
            format!(
                "外字 table {file}: no such file (looked for {}){bundled}",
                looked.display()
            )
        } else {
            format!("外字 table {file}: {e}")
        }
    })?;
    parse_gaiji_for(&text, &file, charset)
}
