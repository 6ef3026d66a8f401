//! Spec errors: every problem found in a spec file, with its position.

use std::fmt;
use std::io;
use std::sync::Arc;

/// Where in a spec file a problem is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecPosition {
    /// The spec file (a path, or `bundled:specs/…` for embedded specs).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The item key the problem concerns, when there is one.
    pub item: Option<String>,
}

impl fmt::Display for SpecPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(item) = &self.item {
            write!(f, " [item {item}]")?;
        }
        Ok(())
    }
}

/// What is wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SpecErrorKind {
    /// The file could not be read (the cause is kept as `source()`; shared, since spec errors
    /// are `Clone`).
    #[error("cannot read the file: {0}")]
    Io(#[source] Arc<io::Error>),
    /// The file is not valid TOML/CSV or does not have the expected fields.
    #[error("syntax: {0}")]
    Syntax(String),
    /// A header field has an invalid value.
    #[error("invalid value for `{field}`: {message}")]
    InvalidField {
        /// The field.
        field: String,
        /// Why.
        message: String,
    },
    /// A required field is missing.
    #[error("missing field `{0}`")]
    MissingField(String),
    /// A field the spec format does not know (often a typo).
    #[error("unknown field `{field}` (expected one of: {expected})")]
    UnknownField {
        /// The field as written.
        field: String,
        /// The fields allowed at that place.
        expected: String,
    },
    /// An unknown domain type.
    #[error("unknown domain type `{0}` (known: text, fullwidth, kana, kanji_name, date, code, digits, amount, address, postal_code, phone, individual_number, resident_code, lg_code, record_type, filler)")]
    UnknownDomainType(String),
    /// Two items share a number.
    #[error("duplicate item number {number} (first used by item `{first}`)")]
    DuplicateNumber {
        /// The number.
        number: u32,
        /// The key of the item that used it first.
        first: String,
    },
    /// Two items share a key.
    #[error("duplicate item key `{0}`")]
    DuplicateKey(String),
    /// A key that is not ASCII `[a-z0-9_]`.
    #[error("invalid item key `{0}`: use lower-case ASCII letters, digits and `_`")]
    InvalidKey(String),
    /// A length of zero or one that cannot fit the record.
    #[error("impossible length {length}: {reason}")]
    ImpossibleLength {
        /// The length.
        length: u64,
        /// Why it is impossible.
        reason: String,
    },
    /// Two items' byte ranges overlap.
    #[error("bytes {start}..{end} overlap item `{other}` (bytes {other_start}..{other_end})")]
    Overlap {
        /// Start of this item's range.
        start: u64,
        /// End (exclusive) of this item's range.
        end: u64,
        /// The other item.
        other: String,
        /// Start of the other item's range.
        other_start: u64,
        /// End of the other item's range.
        other_end: u64,
    },
    /// Bytes of the record that no item covers.
    #[error("bytes {start}..{end} are not covered by any item")]
    Gap {
        /// Start of the gap.
        start: u64,
        /// End (exclusive) of the gap.
        end: u64,
    },
    /// The items' lengths do not add up to the record length.
    #[error("item lengths sum to {sum} bytes but record_length is {record_length}")]
    LengthSum {
        /// Sum of the item lengths.
        sum: u64,
        /// The declared record length.
        record_length: u64,
    },
    /// An item refers to a code table that does not exist.
    #[error("code table `{0}` not found")]
    MissingCodeTable(String),
    /// A fixed-length layout item counts its length in characters.
    #[error("item of a fixed-length layout must count its length in bytes")]
    CharsInFixed,
    /// A duplicate code in a code table.
    #[error("duplicate code `{0}` in code table")]
    DuplicateCode(String),
    /// A duplicate layout id.
    #[error("duplicate layout id `{0}`")]
    DuplicateLayout(String),
}

impl SpecErrorKind {
    /// The kind for an I/O error reading a spec file.
    pub fn io(e: io::Error) -> SpecErrorKind {
        SpecErrorKind::Io(Arc::new(e))
    }
}

/// Two I/O errors are equal when their kind and message are; every other variant holds plain
/// data (strings and numbers), which its `Debug` form shows in full.
impl PartialEq for SpecErrorKind {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Io(a), Self::Io(b)) => a.kind() == b.kind() && a.to_string() == b.to_string(),
            (Self::Io(_), _) | (_, Self::Io(_)) => false,
            _ => format!("{self:?}") == format!("{other:?}"),
        }
    }
}

impl Eq for SpecErrorKind {}

/// One problem in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where.
    pub position: SpecPosition,
    /// What.
    pub kind: SpecErrorKind,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.kind)
    }
}

impl std::error::Error for SpecError {
    /// The kind's cause (the `io::Error` of [`SpecErrorKind::Io`], itself, not its `Arc`);
    /// the kind's own words are in this error's `Display` already.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            SpecErrorKind::Io(e) => Some(&**e),
            kind => std::error::Error::source(kind),
        }
    }
}

/// Every problem found while loading one or more spec files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecErrors(pub Vec<SpecError>);

impl SpecErrors {
    /// The problems, in the order found.
    pub fn errors(&self) -> &[SpecError] {
        &self.0
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in spec files",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl From<SpecError> for SpecErrors {
    fn from(e: SpecError) -> Self {
        SpecErrors(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn issue15_spec_io_error_keeps_its_cause_as_source() {
        let e = SpecError {
            position: SpecPosition {
                file: "layouts/x.toml".into(),
                ..SpecPosition::default()
            },
            kind: SpecErrorKind::io(io::Error::new(io::ErrorKind::PermissionDenied, "denied")),
        };
        let cause = e.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(
            cause.map(io::Error::kind),
            Some(io::ErrorKind::PermissionDenied)
        );
        assert!(e.kind.source().is_some_and(|s| s.is::<Arc<io::Error>>()));
        assert_eq!(
            e.to_string(),
            "layouts/x.toml: cannot read the file: denied"
        );
    }

    #[test]
    fn spec_error_kinds_compare_io_by_kind_and_message() {
        let io_kind = |k, m: &str| SpecErrorKind::io(io::Error::new(k, m.to_string()));
        let a = io_kind(io::ErrorKind::NotFound, "gone");
        assert_eq!(a, a.clone());
        assert_eq!(a, io_kind(io::ErrorKind::NotFound, "gone"));
        assert_ne!(a, io_kind(io::ErrorKind::PermissionDenied, "gone"));
        assert_ne!(a, io_kind(io::ErrorKind::NotFound, "other"));
        assert_ne!(a, SpecErrorKind::Syntax("gone".into()));
        assert_ne!(SpecErrorKind::Syntax("gone".into()), a);
        assert_eq!(
            SpecErrorKind::Gap { start: 1, end: 2 },
            SpecErrorKind::Gap { start: 1, end: 2 }
        );
        assert_ne!(
            SpecErrorKind::Gap { start: 1, end: 2 },
            SpecErrorKind::Gap { start: 1, end: 3 }
        );
        assert_ne!(
            SpecErrorKind::DuplicateKey("a".into()),
            SpecErrorKind::InvalidKey("a".into())
        );
    }
}
