//! Character encodings of legacy files: names, aliases and character boundaries.
//!
//! A label given by a user or a layout (`sjis`, `MS932`, `windows-31j`, `eucjp`, …) becomes a
//! [`Charset`] once, at the boundary; everything inside works with the enum.
//!
//! ```
//! use ikou_cleanse::charset::Charset;
//! assert_eq!(Charset::from_label("Shift_JIS"), Some(Charset::Cp932));
//! assert_eq!(Charset::from_label("windows-31j"), Some(Charset::Cp932));
//! assert_eq!(Charset::from_label("EUC-JP"), Some(Charset::EucJp));
//! assert_eq!(Charset::Cp932.as_str(), "cp932");
//! assert_eq!(Charset::from_label("latin1"), None);
//! ```

use serde::{Serialize, Serializer};
use std::fmt;

/// A character encoding ikou can name, detect and (for the text ones) decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Charset {
    /// 7-bit ASCII only (also valid as CP932, EUC-JP and UTF-8).
    Ascii,
    /// UTF-8.
    Utf8,
    /// UTF-16, little endian.
    Utf16Le,
    /// UTF-16, big endian.
    Utf16Be,
    /// The Shift_JIS family as Windows decodes it (Windows-31J / MS932), with the NEC and IBM
    /// extensions and the user-defined area F040–F9FC (外字) → U+E000–U+E757.
    Cp932,
    /// EUC-JP (JIS X 0208, half-width kana via SS2, JIS X 0212 via SS3).
    EucJp,
    /// ISO-2022-JP (7-bit, escape sequences).
    Iso2022Jp,
    /// Not text: control bytes and NULs beyond what any text encoding explains.
    Binary,
    /// No encoding explains the bytes well enough to name one.
    Unknown,
    /// A host (mainframe) code page: EBCDIC-family single bytes with double-byte runs
    /// (`ibm-930`, `jef`, `keis83`, …), decoded per item by [`crate::host`]. Framed as fixed
    /// bytes only; never by encoding_rs.
    Host(HostLabel),
}

/// One of the host encoding labels of [`crate::host::LABELS`], by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostLabel(u8);

impl HostLabel {
    /// Every host label, in [`crate::host::LABELS`] order.
    pub fn all() -> impl Iterator<Item = HostLabel> {
        (0..crate::host::LABELS.len()).filter_map(|i| u8::try_from(i).ok().map(HostLabel))
    }

    /// The label for an exact name of [`crate::host::LABELS`] (lower case), or a spelling
    /// without hyphens or underscores in any case (`IBM930`, `jef_ebcdik`).
    pub fn parse(label: &str) -> Option<HostLabel> {
        let squash = |s: &str| -> String {
            s.trim()
                .chars()
                .filter(|c| *c != '-' && *c != '_')
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        let want = squash(label);
        crate::host::LABELS
            .iter()
            .position(|l| squash(l) == want)
            .and_then(|i| u8::try_from(i).ok())
            .map(HostLabel)
    }

    /// The canonical label (`ibm-930`, `jef-ebcdic`, …).
    pub fn as_str(self) -> &'static str {
        crate::host::LABELS
            .get(usize::from(self.0))
            .copied()
            .unwrap_or("host")
    }

    /// The codec for this label.
    ///
    /// # Errors
    /// A bundled table that does not parse (a build defect).
    pub fn codec(self) -> Result<crate::host::HostCodec, crate::host::HostError> {
        crate::host::HostCodec::for_label(self.as_str())
    }
}

impl Charset {
    /// Every charset but the host code pages ([`HostLabel::all`]), in declaration order.
    pub const ALL: [Charset; 9] = [
        Charset::Ascii,
        Charset::Utf8,
        Charset::Utf16Le,
        Charset::Utf16Be,
        Charset::Cp932,
        Charset::EucJp,
        Charset::Iso2022Jp,
        Charset::Binary,
        Charset::Unknown,
    ];

    /// The canonical name (`cp932`, `euc-jp`, `utf-16le`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Ascii => "ascii",
            Charset::Utf8 => "utf-8",
            Charset::Utf16Le => "utf-16le",
            Charset::Utf16Be => "utf-16be",
            Charset::Cp932 => "cp932",
            Charset::EucJp => "euc-jp",
            Charset::Iso2022Jp => "iso-2022-jp",
            Charset::Binary => "binary",
            Charset::Unknown => "unknown",
            Charset::Host(h) => h.as_str(),
        }
    }

    /// Parses a label, case-insensitively, accepting the usual aliases:
    /// `sjis`, `shift_jis`, `shift-jis`, `x-sjis`, `ms_kanji`, `ms932`, `windows-31j`,
    /// `cp932`, `csWindows31J`, `eucjp`, `euc-jp`, `x-euc-jp`, `ujis`, `utf8`, `utf-8`,
    /// `utf-16le`, `utf-16be`, `jis`, `iso-2022-jp`, `ascii`, `us-ascii`, `binary`, `unknown`,
    /// and the host labels of [`crate::host::LABELS`] ([`HostLabel::parse`]).
    ///
    /// `shift_jis` means CP932 here on purpose: it is how Windows and encoding_rs read it,
    /// and it is what legacy exports contain (see domain.md §3.2).
    pub fn from_label(label: &str) -> Option<Charset> {
        let l: String = label
            .trim()
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .filter(|c| *c != '-' && *c != '_')
            .collect();
        Some(match l.as_str() {
            "ascii" | "usascii" | "ansix3.41968" => Charset::Ascii,
            "utf8" | "unicode11utf8" => Charset::Utf8,
            "utf16le" | "utf16" | "unicodele" => Charset::Utf16Le,
            "utf16be" | "unicodebe" => Charset::Utf16Be,
            "cp932" | "ms932" | "windows31j" | "cswindows31j" | "sjis" | "shiftjis" | "xsjis"
            | "mskanji" | "csshiftjis" | "windows932" | "ibm943" | "cp943" => Charset::Cp932,
            "eucjp" | "xeucjp" | "ujis" | "cseucpkdfmtjapanese" | "eucjpms" | "cp51932" => {
                Charset::EucJp
            }
            "iso2022jp" | "jis" | "csiso2022jp" => Charset::Iso2022Jp,
            "binary" => Charset::Binary,
            "unknown" => Charset::Unknown,
            _ => return HostLabel::parse(label).map(Charset::Host),
        })
    }

    /// The encoding_rs encoding that decodes this charset, if it is a text charset.
    /// ASCII has none of its own (it is decoded by a strict check).
    pub fn encoding(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Charset::Utf8 => Some(encoding_rs::UTF_8),
            Charset::Utf16Le => Some(encoding_rs::UTF_16LE),
            Charset::Utf16Be => Some(encoding_rs::UTF_16BE),
            Charset::Cp932 => Some(encoding_rs::SHIFT_JIS),
            Charset::EucJp => Some(encoding_rs::EUC_JP),
            Charset::Iso2022Jp => Some(encoding_rs::ISO_2022_JP),
            Charset::Ascii | Charset::Binary | Charset::Unknown | Charset::Host(_) => None,
        }
    }

    /// Whether bytes below 0x80 always mean ASCII and never occur inside a multibyte
    /// character's later bytes as `,` `"` CR or LF: true for ASCII, UTF-8, CP932, EUC-JP.
    /// Such files can be framed (split into records and fields) on their raw bytes.
    pub fn frames_on_bytes(self) -> bool {
        matches!(
            self,
            Charset::Ascii | Charset::Utf8 | Charset::Cp932 | Charset::EucJp
        )
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Charset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Whether `b` can start a double-byte CP932 character (81–9F, E0–FC).
pub fn is_sjis_lead(b: u8) -> bool {
    matches!(b, 0x81..=0x9F | 0xE0..=0xFC)
}

/// Whether `b` can be the second byte of a double-byte CP932 character (40–7E, 80–FC).
pub fn is_sjis_trail(b: u8) -> bool {
    matches!(b, 0x40..=0x7E | 0x80..=0xFC)
}

/// The length of the character starting at `bytes[i]` as a byte-structure scanner sees it
/// (1 for single bytes and for invalid bytes, 2–4 for multibyte characters), never running
/// past the end: an incomplete character at the end reports the bytes that remain.
///
/// The scanner follows the same structure rules as the WHATWG decoders, so its boundaries
/// agree with encoding_rs on valid text. Returns 0 only when `i` is out of range.
pub fn char_len(charset: Charset, bytes: &[u8], i: usize) -> usize {
    char_want(charset, bytes, i).min(bytes.len().saturating_sub(i))
}

/// Like [`char_len`] but not clamped to the end: an incomplete last character reports the
/// length it would need.
fn char_want(charset: Charset, bytes: &[u8], i: usize) -> usize {
    let Some(&b) = bytes.get(i) else { return 0 };
    let next = |k: usize| bytes.get(i + k).copied();
    match charset {
        Charset::Cp932 if is_sjis_lead(b) => match next(1) {
            Some(t) if is_sjis_trail(t) => 2,
            None => 2,
            _ => 1,
        },
        Charset::Cp932 => 1,
        Charset::EucJp => match b {
            0x8E => match next(1) {
                Some(0xA1..=0xDF) | None => 2,
                _ => 1,
            },
            0x8F => match (next(1), next(2)) {
                (Some(0xA1..=0xFE), Some(0xA1..=0xFE)) | (Some(0xA1..=0xFE), None) | (None, _) => 3,
                _ => 1,
            },
            0xA1..=0xFE => match next(1) {
                Some(0xA1..=0xFE) | None => 2,
                _ => 1,
            },
            _ => 1,
        },
        Charset::Utf8 => {
            let n = match b {
                0xC2..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF4 => 4,
                _ => 1,
            };
            let mut k = 1;
            while k < n {
                match next(k) {
                    Some(c) if (0x80..=0xBF).contains(&c) => k += 1,
                    None => {
                        k = n;
                        break;
                    }
                    _ => break,
                }
            }
            k
        }
        Charset::Utf16Le | Charset::Utf16Be => 2,
        _ => 1,
    }
}

/// For each byte position of `bytes` (and the end), whether a character starts there, as
/// scanned from the start of `bytes`. Used to find item slices that cut a double-byte
/// character in half.
///
/// ```
/// use ikou_cleanse::charset::{boundaries, Charset};
/// // 'A', then 山 (8E 52) in CP932: position 2 is inside 山.
/// let b = boundaries(Charset::Cp932, b"A\x8E\x52");
/// assert_eq!(b, vec![true, true, false, true]);
/// ```
pub fn boundaries(charset: Charset, bytes: &[u8]) -> Vec<bool> {
    let mut out = Vec::new();
    boundaries_into(charset, bytes, &mut out);
    out
}

/// [`boundaries`] into a caller's buffer (cleared first), so a reader can reuse it for every
/// record.
pub fn boundaries_into(charset: Charset, bytes: &[u8], out: &mut Vec<bool>) {
    out.clear();
    out.resize(bytes.len() + 1, false);
    let mut i = 0;
    if charset == Charset::Cp932 {
        // The common case, without the general scanner's per-byte dispatch.
        while let Some(&b) = bytes.get(i) {
            if let Some(slot) = out.get_mut(i) {
                *slot = true;
            }
            i += if is_sjis_lead(b) {
                match bytes.get(i + 1) {
                    Some(&t) if is_sjis_trail(t) => 2,
                    None => 2,
                    _ => 1,
                }
            } else {
                1
            };
        }
    } else {
        while i < bytes.len() {
            if let Some(slot) = out.get_mut(i) {
                *slot = true;
            }
            i += char_want(charset, bytes, i).max(1);
        }
    }
    if let Some(last) = out.last_mut() {
        // The end is a boundary unless the last character runs past it (scanned as complete).
        *last = i == bytes.len();
    }
}

/// Whether byte offset `o` of a CP932 `bytes` is a character boundary exactly as
/// [`boundaries_into`] marks it (offsets past the end count as boundaries), without scanning
/// from the start: only the run of possible lead bytes before `o` is read.
///
/// After a byte that cannot be a lead byte the scan is in step whatever came before (that
/// byte ended a character), and every possible lead byte is also a possible trail byte, so a
/// run of them pairs up from its start. An odd position in the run is a boundary only when
/// the byte at `o` cannot complete the pair.
pub fn is_cp932_boundary(bytes: &[u8], o: usize) -> bool {
    if o == 0 || o > bytes.len() {
        return true;
    }
    let mut s = o;
    while s > 0 && bytes.get(s - 1).is_some_and(|&b| is_sjis_lead(b)) {
        s -= 1;
    }
    if (o - s) % 2 == 0 {
        return true;
    }
    bytes.get(o).is_some_and(|&b| !is_sjis_trail(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp932_boundary_at_an_offset_equals_the_full_scan() {
        // Every string of up to 5 bytes over the classes that matter, and long random runs.
        let class = [
            0x20u8, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0x9F, 0xA0, 0xDF, 0xE0, 0xFC, 0xFD,
        ];
        let mut marks = Vec::new();
        let check = |bytes: &[u8], marks: &mut Vec<bool>| {
            boundaries_into(Charset::Cp932, bytes, marks);
            for o in 0..=bytes.len() + 1 {
                let want = marks.get(o).copied().unwrap_or(true);
                assert_eq!(is_cp932_boundary(bytes, o), want, "{bytes:02X?} at {o}");
            }
        };
        for n in 0..=5u32 {
            for k in 0..class.len().pow(n) {
                let mut k = k;
                let bytes: Vec<u8> = (0..n)
                    .map(|_| {
                        let b = class[k % class.len()];
                        k /= class.len();
                        b
                    })
                    .collect();
                check(&bytes, &mut marks);
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly lead/trail bytes, so that runs are long.
                    if x % 7 == 0 {
                        (x >> 8) as u8
                    } else {
                        0x81 + ((x >> 16) % 0x1F) as u8
                    }
                })
                .collect();
            check(&bytes, &mut marks);
        }
    }

    #[test]
    fn labels_round_trip_and_aliases() {
        for c in Charset::ALL {
            assert_eq!(Charset::from_label(c.as_str()), Some(c), "{c}");
        }
        for l in [
            "sjis",
            "SJIS",
            "shift_jis",
            "Shift-JIS",
            "x-sjis",
            "ms_kanji",
            "MS932",
            "windows-31j",
            "Windows-31J",
            "cp932",
            "csWindows31J",
        ] {
            assert_eq!(Charset::from_label(l), Some(Charset::Cp932), "{l}");
        }
        for l in ["eucjp", "EUC-JP", "euc_jp", "x-euc-jp", "ujis"] {
            assert_eq!(Charset::from_label(l), Some(Charset::EucJp), "{l}");
        }
        for l in ["utf8", "UTF-8", "utf_8"] {
            assert_eq!(Charset::from_label(l), Some(Charset::Utf8), "{l}");
        }
        assert_eq!(Charset::from_label("iso-2022-jp"), Some(Charset::Iso2022Jp));
        assert_eq!(Charset::from_label("UTF-16LE"), Some(Charset::Utf16Le));
        assert_eq!(Charset::from_label("latin1"), None);
        assert_eq!(Charset::from_label(""), None);
    }

    #[test]
    fn issue16_host_labels_parse_and_print() {
        for h in HostLabel::all() {
            let c = Charset::Host(h);
            assert_eq!(Charset::from_label(c.as_str()), Some(c), "{c}");
            assert!(c.encoding().is_none() && !c.frames_on_bytes());
            assert!(h.codec().is_ok(), "{c}");
        }
        assert_eq!(HostLabel::all().count(), crate::host::LABELS.len());
        assert_eq!(
            Charset::from_label("IBM930").map(|c| c.as_str()),
            Some("ibm-930")
        );
        assert_eq!(
            Charset::from_label("JEF_EBCDIK").map(|c| c.as_str()),
            Some("jef-ebcdik")
        );
        assert_eq!(Charset::from_label("ibm-931"), None);
        assert_eq!(Charset::from_label("jef-x"), None);
        // Every host byte is its own boundary (shifts are checked by the host decoder).
        let h = Charset::from_label("jef").unwrap();
        assert_eq!(boundaries(h, b"\x28\x45\x41\x29"), vec![true; 5]);
    }

    #[test]
    fn boundaries_follow_structure() {
        // ｱ (B1) is one byte; 亜 (88 9F) two; a lone lead at the end is not complete.
        assert_eq!(
            boundaries(Charset::Cp932, b"\xB1\x88\x9F"),
            vec![true, true, false, true]
        );
        assert_eq!(
            boundaries(Charset::Cp932, b"a\x88"),
            vec![true, true, false]
        );
        // EUC-JP: SS2 kana is two bytes, SS3 three.
        assert_eq!(
            boundaries(Charset::EucJp, b"\x8E\xB1\x8F\xA2\xB7"),
            vec![true, false, true, false, false, true]
        );
        assert_eq!(
            boundaries(Charset::Utf8, "aあ".as_bytes()),
            vec![true, true, false, false, true]
        );
        assert_eq!(boundaries(Charset::Cp932, b""), vec![true]);
    }
}
