//! # ikou-layout-spec
//!
//! Record layouts as data. Legacy vendor layouts, the 中間標準レイアウト仕様 and the
//! デジタル庁 標準仕様 (基本データリスト) are declarative spec files (layouts in TOML, code
//! tables in CSV), loaded into the typed model of [`model`], checked with every problem
//! reported at its file, line and item.
//!
//! This crate does no I/O of data files and never prints.
//!
//! ```
//! use ikou_layout_spec::{Catalog, DomainType, Status};
//!
//! let catalog = Catalog::bundled().unwrap();
//! let juki = catalog.layout("legacy/sample-juki").unwrap();
//! assert_eq!(juki.status, Status::Synthetic);
//! let birth = juki.item("birth_date").unwrap();
//! assert_eq!(birth.domain, DomainType::Date);
//! ```
#![deny(missing_docs)]

pub mod catalog;
pub mod condition;
pub mod describe;
pub mod error;
pub mod import;
pub mod load;
pub mod model;
pub mod profile;
pub mod write;

pub use catalog::{count_spec_files, read_spec_file, Catalog, CheckProblem, MAX_SPEC_FILE_BYTES};
pub use error::{SpecError, SpecErrorKind, SpecErrors, SpecPosition};
pub use load::{parse_code_table, parse_layout};
pub use model::*;
pub use profile::{parse_profile, Profile};
pub use write::layout_to_toml;
