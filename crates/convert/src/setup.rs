//! Finding what a run needs: the catalog (bundled specs plus a user's files), the profile
//! (a bundled id or a path) and its 外字 table (next to the profile, or bundled).

use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::profile::{bundled_gaiji, bundled_profile, parse_profile};
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
    let path = Path::new(profile);
    let parsed = if profile.ends_with(".toml") || path.is_file() {
        let text = ikou_layout_spec::read_spec_file(path)
            .map_err(|e| SetupError::Io(format!("{}: {e}", path.display())))?;
        parse_profile(&text, &path.display().to_string(), catalog)
    } else {
        bundled_profile(profile, catalog).ok_or_else(|| {
            SetupError::Spec(format!(
                "no profile `{profile}`: give a bundled id (sample-juki) or a .toml path"
            ))
        })?
    };
    parsed.map_err(|e| SetupError::Spec(e.to_string()))
}

/// The profile's 外字 table: `over` if given, else the profile's table looked up next to a
/// profile file and then among the bundled tables; an empty table if the profile names none.
///
/// # Errors
/// A table that is missing or broken.
pub fn load_gaiji(profile: &Profile, over: Option<&Path>) -> Result<GaijiTable, SetupError> {
    let from_path = |p: &Path| read_gaiji_table(p).map_err(SetupError::Spec);
    if let Some(p) = over {
        return from_path(p);
    }
    let Some(name) = &profile.characters.gaiji_table else {
        return Ok(GaijiTable::new());
    };
    if !profile.file.starts_with("bundled:") {
        let base = Path::new(&profile.file).parent().unwrap_or(Path::new("."));
        let p = base.join(name);
        if p.is_file() {
            return from_path(&p);
        }
    }
    match bundled_gaiji(name) {
        Some(text) => GaijiTable::parse(text, &format!("bundled:specs/gaiji/{name}"))
            .map_err(|e| SetupError::Spec(e.to_string())),
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
    let file = path.display().to_string();
    let text = ikou_layout_spec::read_spec_file(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            let looked = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            format!(
                "外字 table {file}: no such file (looked for {})",
                looked.display()
            )
        } else {
            format!("外字 table {file}: {e}")
        }
    })?;
    GaijiTable::parse(&text, &file).map_err(|e| e.to_string())
}
