//! The 外字 inventory of files (`ikou gaiji`): every user-defined character the files hold,
//! read as a run reads them (regular files only, the run's record limit, role → items →
//! slice → decode by [`Slicer::decode_by_role`]), with the items and records it occurs in
//! and what the table maps it to.

use crate::options::DEFAULT_MAX_RECORD_BYTES;
use ikou_cleanse::decode::{CharProfile, DecodeIssueKind};
use ikou_cleanse::frame::{FrameConfigError, RawRecord, ReadError, RecordReader, Slicer};
use ikou_cleanse::gaiji::GaijiInventory;
use ikou_layout_spec::Layout;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Why a file could not be taken into the inventory (the file is named; the CLI words the
/// message).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// The file's metadata cannot be read (it does not exist, …).
    #[error("{}: {source}", path.display())]
    Stat {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file cannot be opened.
    #[error("{}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not a regular file (a pipe or a device may never end).
    #[error("{}: not a regular file", path.display())]
    NotRegular {
        /// The file.
        path: PathBuf,
    },
    /// The layout cannot frame records (an unknown encoding, …).
    #[error("{}: {source}", path.display())]
    Layout {
        /// The file.
        path: PathBuf,
        /// The framing error.
        #[source]
        source: FrameConfigError,
    },
    /// A record cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The read error.
        #[source]
        source: ReadError,
    },
}

/// The inventory of `files` read with `layout` and `profile`, and the number of records
/// read. `examples` keeps one value per code (personal data).
///
/// # Errors
/// The first file that is not a regular file, cannot be opened or framed, or has a record
/// that cannot be read.
pub fn gaiji_inventory(
    files: &[PathBuf],
    layout: &Layout,
    profile: &CharProfile,
    examples: bool,
) -> Result<(GaijiInventory, u64), InventoryError> {
    let mut inventory = GaijiInventory::new();
    let mut records = 0u64;
    for file in files {
        records += add_file(&mut inventory, file, layout, profile, examples)?;
    }
    Ok((inventory, records))
}

fn add_file(
    inventory: &mut GaijiInventory,
    file: &Path,
    layout: &Layout,
    profile: &CharProfile,
    examples: bool,
) -> Result<u64, InventoryError> {
    let stat = |source| InventoryError::Stat {
        path: file.to_path_buf(),
        source,
    };
    let open = |source| InventoryError::Open {
        path: file.to_path_buf(),
        source,
    };
    // A pipe or a device may never end (`/dev/zero`): only regular files are read; their
    // size bounds the time, and the reader's record limit the memory.
    if !std::fs::metadata(file).map_err(stat)?.is_file() {
        return Err(InventoryError::NotRegular {
            path: file.to_path_buf(),
        });
    }
    let f = File::open(file).map_err(open)?;
    // The run's record limit, so the inventory is what a run would see.
    let mut reader = RecordReader::new(BufReader::with_capacity(1 << 16, f), layout)
        .map_err(|source| InventoryError::Layout {
            path: file.to_path_buf(),
            source,
        })?
        .with_max_record_len(DEFAULT_MAX_RECORD_BYTES);
    let mut slicer = Slicer::new(profile.charset);
    let mut rec = RawRecord::new();
    let mut records = 0u64;
    while reader
        .read_record(&mut rec)
        .map_err(|source| InventoryError::Read {
            path: file.to_path_buf(),
            source,
        })?
    {
        records += 1;
        slicer.decode_by_role(&rec, layout, profile, |item, _, value, issues| {
            for is in issues {
                let code = match is.kind {
                    DecodeIssueKind::GaijiMapped { code, .. }
                    | DecodeIssueKind::GaijiUnmapped { code, .. } => code,
                    _ => continue,
                };
                let example = examples.then_some(value);
                // An issue stands for its code's occurrences not listed after it too.
                inventory.record_n(
                    code,
                    &item.key,
                    rec.number,
                    profile.gaiji.get(code),
                    example,
                    is.occurrences(),
                );
            }
        });
    }
    Ok(records)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_inventory_counts_the_sample_gaiji_and_refuses_what_is_not_a_regular_file() {
        let dir = std::env::temp_dir().join(format!("ikou-inventory-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("s.dat");
        let mut out = Vec::new();
        ikou_sample::write_sample(&ikou_sample::SampleConfig::new(200, 7), &mut out).unwrap();
        std::fs::write(&file, &out).unwrap();
        let mut layout = crate::setup::load_layout("legacy/sample-juki").unwrap();
        let profile = crate::setup::char_profile_for(&mut layout, None, None).unwrap();
        let (inv, records) =
            gaiji_inventory(std::slice::from_ref(&file), &layout, &profile, false).unwrap();
        assert_eq!(records, 200);
        assert!(!inv.is_empty(), "the sample has 外字");
        assert!(
            inv.entries().all(|e| e.replacement.is_none()),
            "no table given"
        );
        // Twice the file: twice the records and occurrences.
        let two = vec![file.clone(), file.clone()];
        let (inv2, records2) = gaiji_inventory(&two, &layout, &profile, false).unwrap();
        assert_eq!(records2, 400);
        assert_eq!(inv2.total(), 2 * inv.total());
        let e = gaiji_inventory(std::slice::from_ref(&dir), &layout, &profile, false).unwrap_err();
        assert!(matches!(e, InventoryError::NotRegular { .. }), "{e:?}");
        let e = gaiji_inventory(&[dir.join("none")], &layout, &profile, false).unwrap_err();
        assert!(matches!(e, InventoryError::Stat { .. }), "{e:?}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
