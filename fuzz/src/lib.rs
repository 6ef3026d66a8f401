//! Shared helpers of the ikou fuzz targets: the invariants they check (`checks`, also replayed
//! by `cargo test`), the layouts the framing target cycles through and
//! a reader that hands out bytes in fuzzer-chosen chunk sizes.

pub mod checks;

use ikou_layout_spec::{parse_layout, Catalog, Layout};
use std::io::Read;
use std::sync::OnceLock;

/// A tiny layout header for `encoding`.
fn head(id: &str, encoding: &str) -> String {
    format!(
        "id = \"legacy/{id}\"\nname = \"{id}\"\ngyomu = \"fuzz\"\nfamily = \"legacy\"\n\
         source = \"fuzz\"\nversion = \"1\"\nstatus = \"synthetic\"\nencoding = \"{encoding}\"\n"
    )
}

fn fixed(id: &str, encoding: &str, len: u32, term: &str) -> Layout {
    let half = len / 2;
    let t = format!(
        "{}[format]\nkind = \"fixed\"\nrecord_length = {len}\nterminator = \"{term}\"\n\
         [[items]]\nnumber = 1\nname = \"a\"\nkey = \"a\"\ntype = \"kanji_name\"\nlength = {half}\n\
         [[items]]\nnumber = 2\nname = \"b\"\nkey = \"b\"\ntype = \"date\"\nlength = {}\n",
        head(id, encoding),
        len - half
    );
    parse_layout(&t, "fuzz.toml").unwrap_or_else(|e| panic!("fuzz layout {id}: {e}"))
}

fn delimited(id: &str, encoding: &str, delim: &str, quote: &str, header_rows: u32) -> Layout {
    let mut t = format!(
        "{}[format]\nkind = \"delimited\"\ndelimiter = \"{delim}\"\n{quote}header_rows = {header_rows}\n\
         terminator = \"any\"\n",
        head(id, encoding)
    );
    for (i, ty) in ["text", "kana", "date"].iter().enumerate() {
        let n = i + 1;
        t.push_str(&format!(
            "[[items]]\nnumber = {n}\nname = \"f{n}\"\nkey = \"f{n}\"\ntype = \"{ty}\"\nlength = 40\nunit = \"chars\"\n"
        ));
    }
    parse_layout(&t, "fuzz.toml").unwrap_or_else(|e| panic!("fuzz layout {id}: {e}"))
}

/// The layouts the framing target cycles through: fixed-length with every terminator, in
/// CP932, EUC-JP and UTF-8; delimited with and without quotes and header rows; a layout with
/// header/data/trailer record types and a trailer count; the bundled sample-juki layout;
/// fixed-length in the host code pages JEF, JIPS (EBCDIK) and IBM 930.
pub fn layouts() -> &'static [Layout] {
    static L: OnceLock<Vec<Layout>> = OnceLock::new();
    L.get_or_init(|| {
        let catalog = Catalog::bundled().expect("bundled catalog");
        let trailer = parse_layout(TRAILER, "trailer.toml").expect("trailer layout");
        vec![
            fixed("f-crlf", "cp932", 8, "crlf"),
            fixed("f-lf", "cp932", 8, "lf"),
            fixed("f-cr", "cp932", 8, "cr"),
            fixed("f-any", "cp932", 8, "any"),
            fixed("f-none", "cp932", 8, "none"),
            fixed("f-euc", "euc-jp", 8, "crlf"),
            fixed("f-utf8", "utf-8", 9, "lf"),
            delimited("d-quote", "cp932", ",", "quote = \"\\\"\"\n", 1),
            delimited("d-tab", "utf-8", "\\t", "quote = \"\"\n", 0),
            delimited("d-euc", "euc-jp", ",", "quote = \"\\\"\"\n", 0),
            trailer,
            catalog
                .layout("legacy/sample-juki")
                .expect("sample-juki")
                .clone(),
            // Host code pages (shift codes, 外字 user areas, the JIPS EBCDIK translation):
            // items of 32 bytes, long enough for runs of 外字 and unclosed shifts.
            fixed("f-jef", "jef", 64, "none"),
            fixed("f-jips", "jips-ebcdik", 64, "none"),
            fixed("f-ibm", "ibm-930", 64, "none"),
        ]
    })
}

/// A layout with header (1), data (2) and trailer (9) record types; the trailer counts the
/// data records (the same as `testdata/reading/trailer.toml`).
pub const TRAILER: &str = include_str!("../../testdata/reading/trailer.toml");

/// Hands out `data` in the given chunk sizes (cycling), like a slow pipe or a short read.
pub struct Chunks<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    k: usize,
}

impl<'a> Chunks<'a> {
    /// A reader over `data` returning at most `sizes[k % len]` bytes on the k-th read.
    pub fn new(data: &'a [u8], sizes: &[u8]) -> Chunks<'a> {
        let sizes: Vec<usize> = sizes.iter().map(|&s| usize::from(s % 17) + 1).collect();
        Chunks {
            data,
            sizes: if sizes.is_empty() { vec![1] } else { sizes },
            k: 0,
        }
    }
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self
            .sizes
            .get(self.k % self.sizes.len())
            .copied()
            .unwrap_or(1);
        self.k += 1;
        let n = want.min(buf.len()).min(self.data.len());
        let (now, rest) = self.data.split_at(n);
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(now);
        self.data = rest;
        Ok(n)
    }
}
