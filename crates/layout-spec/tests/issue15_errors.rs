//! Issue #15, typed errors: an import error with a cause keeps it as its
//! [`source`](std::error::Error::source) (it was flattened into a string), and its message is
//! the one shown before (the cause's message after what failed).

use ikou_layout_spec::import::{import_xlsx, ImportError, ImportOptions};
use std::error::Error as _;

#[test]
fn issue15_import_errors_keep_their_cause_as_source() {
    let e = import_xlsx(
        b"not a zip",
        None,
        &ImportOptions::new("chukan/x", "juki.xlsx"),
    )
    .unwrap_err();
    let zip = e
        .source()
        .and_then(|c| c.downcast_ref::<zip::result::ZipError>());
    assert!(zip.is_some(), "{e:?}");
    let shown = zip.map(ToString::to_string).unwrap_or_default();
    assert_eq!(e.to_string(), format!("not an xlsx workbook: {shown}"));
    // A part that cannot be read: the zip or I/O error.
    let e = ImportError::PartRead {
        part: "xl/workbook.xml".into(),
        source: Box::new(std::io::Error::other("corrupt deflate stream")),
    };
    let io = e.source().and_then(|c| c.downcast_ref::<std::io::Error>());
    assert_eq!(
        io.map(ToString::to_string).as_deref(),
        Some("corrupt deflate stream")
    );
    assert_eq!(
        e.to_string(),
        "not an xlsx workbook: xl/workbook.xml: corrupt deflate stream"
    );
    // A CSV error: the csv crate's.
    let e = ImportError::Csv {
        line: 3,
        source: csv::Error::from(std::io::Error::other("bad")),
    };
    assert!(e
        .source()
        .and_then(|c| c.downcast_ref::<csv::Error>())
        .is_some());
    assert_eq!(e.to_string(), "CSV line 3: bad");
}
