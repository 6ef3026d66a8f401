//! COBOL numeric items decoded exactly: zoned decimal (`PIC 9` / `S9` DISPLAY, ASCII and
//! EBCDIC forms), packed decimal (COMP-3) and binary (COMP / COMP-4 / BINARY / COMP-5), with
//! an implied decimal point (`V`, the scale). No floating point anywhere: the result is a
//! [`Decimal`] (unscaled `i128` + scale) whose [`Display`](std::fmt::Display) is the canonical
//! text `-1234.50` (scale kept, no exponent, no `+`).
//!
//! [`encode_zoned`], [`encode_packed`] and [`encode_binary`] write the canonical host forms
//! (for synthetic host-form samples).
//!
//! Every malformed item is an error with the byte offset inside the item, never a silent zero.
//! The accepted conventions are listed in docs/HOST.md ("Numbers"); in short:
//! - ASCII zoned digits 0x30–0x39. Overpunched sign byte: `{` `A`–`I` positive 0–9, `}` `J`–`R`
//!   negative 0–9, 0x70–0x79 (`p`–`y`) negative 0–9 (the open-system "+0x40" convention), and a
//!   plain digit 0x30–0x39 positive.
//! - EBCDIC zoned digits 0xF0–0xF9. Sign byte zone C (positive), D (negative), F (positive,
//!   unsigned form). Zones A, B, E are refused.
//! - SIGN SEPARATE: `+` / `-` as 0x2B / 0x2D (ASCII) or 0x4E / 0x60 (EBCDIC), leading or trailing.
//! - Packed: digit nibbles 0–9; sign nibble C or F positive, D negative; A, B, E refused. An
//!   unsigned item (`PIC 9 COMP-3`) takes F or C, and refuses D.
//! - Binary: big-endian, 2 / 4 / 8 bytes; COMP / COMP-4 / BINARY are limited to the PIC digits
//!   (|value| < 10^digits), COMP-5 to the native range.
//! - At most 38 significant digits ([`MAX_DIGITS`]); more is [`NumberErrorKind::Overflow`].
//! - A negative zero (`-0`, packed `0D`) decodes to 0: COBOL compares it equal to zero.

use ikou_layout_spec::{Representation, ZoneForm, ZonedSign};
use std::fmt;

/// The largest number of decimal digits a [`Decimal`] holds (fits `i128`).
pub const MAX_DIGITS: u32 = 38;

/// An exact decimal number: `unscaled × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The digits as an integer, sign included (`-123450` for `-1234.50`).
    pub unscaled: i128,
    /// Number of digits after the implied decimal point.
    pub scale: u8,
}

impl Decimal {
    /// A decimal from its parts; `None` when `scale` is above [`MAX_DIGITS`] or the value has
    /// more than [`MAX_DIGITS`] digits.
    pub fn new(unscaled: i128, scale: u8) -> Option<Decimal> {
        if u32::from(scale) > MAX_DIGITS || unscaled.unsigned_abs() >= pow10(MAX_DIGITS) {
            return None;
        }
        Some(Decimal { unscaled, scale })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.unscaled.unsigned_abs().to_string();
        let scale = usize::from(self.scale);
        if self.unscaled < 0 {
            f.write_str("-")?;
        }
        if scale == 0 {
            return f.write_str(&digits);
        }
        let padded = if digits.len() <= scale {
            format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits)
        } else {
            digits
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{int}.{frac}")
    }
}

fn pow10(n: u32) -> u128 {
    10u128.pow(n)
}

/// Why a numeric item could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError {
    /// Byte offset inside the item.
    pub offset: usize,
    /// What is wrong.
    pub kind: NumberErrorKind,
}

/// The kinds of [`NumberError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberErrorKind {
    /// A byte that is not a digit of the form (zoned digit, or a packed byte with a digit
    /// nibble above 9).
    BadDigit {
        /// The byte found.
        byte: u8,
    },
    /// A sign byte or sign nibble that the form does not allow.
    BadSign {
        /// The byte found (for packed: the whole last byte).
        byte: u8,
    },
    /// The item has the wrong number of bytes for its picture.
    WrongLength {
        /// Bytes the picture needs.
        expected: usize,
        /// Bytes the item has.
        actual: usize,
    },
    /// More digits than [`MAX_DIGITS`], a value above the picture's digits, or a scale
    /// above [`MAX_DIGITS`].
    Overflow,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            NumberErrorKind::BadDigit { byte } => {
                write!(f, "byte {}: 0x{byte:02X} is not a digit", self.offset)
            }
            NumberErrorKind::BadSign { byte } => {
                write!(f, "byte {}: 0x{byte:02X} is not a valid sign", self.offset)
            }
            NumberErrorKind::WrongLength { expected, actual } => {
                write!(f, "item has {actual} bytes, its picture needs {expected}")
            }
            NumberErrorKind::Overflow => write!(f, "byte {}: number too large", self.offset),
        }
    }
}

impl std::error::Error for NumberError {}

fn err(offset: usize, kind: NumberErrorKind) -> NumberError {
    NumberError { offset, kind }
}

/// Which character set a zoned item is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZonedCharset {
    /// Digits 0x30–0x39, ASCII overpunch.
    Ascii,
    /// Digits 0xF0–0xF9, zone C/D/F sign.
    Ebcdic,
}

/// Where a zoned item keeps its sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignForm {
    /// `PIC 9`: no sign, every byte a digit.
    Unsigned,
    /// `PIC S9` (default, `SIGN TRAILING`): overpunched in the last byte.
    TrailingOverpunch,
    /// `SIGN LEADING`: overpunched in the first byte.
    LeadingOverpunch,
    /// `SIGN TRAILING SEPARATE`: an extra last byte `+` / `-`.
    TrailingSeparate,
    /// `SIGN LEADING SEPARATE`: an extra first byte `+` / `-`.
    LeadingSeparate,
}

/// Checks the item length and returns the decimal built from `digits` (already validated).
fn finish(negative: bool, digits: &[(usize, u8)], scale: u8) -> Result<Decimal, NumberError> {
    if u32::from(scale) > MAX_DIGITS {
        return Err(err(0, NumberErrorKind::Overflow));
    }
    let mut v: u128 = 0;
    for &(offset, d) in digits {
        v = match v.checked_mul(10).and_then(|x| x.checked_add(u128::from(d))) {
            Some(x) if x < pow10(MAX_DIGITS) => x,
            _ => return Err(err(offset, NumberErrorKind::Overflow)),
        };
    }
    // v < 10^38 < i128::MAX, so the conversion cannot fail; keep it checked anyway.
    let mag = i128::try_from(v).map_err(|_| err(0, NumberErrorKind::Overflow))?;
    Ok(Decimal {
        unscaled: if negative { -mag } else { mag },
        scale,
    })
}

/// Decodes a zoned decimal (DISPLAY) item of `bytes.len()` bytes (the separate sign byte,
/// when there is one, counts in the length) with `scale` implied decimals.
pub fn decode_zoned(
    bytes: &[u8],
    charset: ZonedCharset,
    sign: SignForm,
    scale: u8,
) -> Result<Decimal, NumberError> {
    let min = match sign {
        SignForm::TrailingSeparate | SignForm::LeadingSeparate => 2,
        _ => 1,
    };
    if bytes.len() < min {
        return Err(err(
            0,
            NumberErrorKind::WrongLength {
                expected: min,
                actual: bytes.len(),
            },
        ));
    }
    let last = bytes.len() - 1;
    let mut negative = false;
    let mut digits = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        let is_sign_byte = match sign {
            SignForm::Unsigned => false,
            SignForm::TrailingOverpunch | SignForm::TrailingSeparate => i == last,
            SignForm::LeadingOverpunch | SignForm::LeadingSeparate => i == 0,
        };
        if !is_sign_byte {
            digits.push((
                i,
                plain_digit(b, charset)
                    .ok_or_else(|| err(i, NumberErrorKind::BadDigit { byte: b }))?,
            ));
            continue;
        }
        match sign {
            SignForm::TrailingSeparate | SignForm::LeadingSeparate => {
                negative = match (charset, b) {
                    (ZonedCharset::Ascii, 0x2B) | (ZonedCharset::Ebcdic, 0x4E) => false,
                    (ZonedCharset::Ascii, 0x2D) | (ZonedCharset::Ebcdic, 0x60) => true,
                    _ => return Err(err(i, NumberErrorKind::BadSign { byte: b })),
                };
            }
            _ => {
                let (neg, d) = overpunch(b, charset)
                    .ok_or_else(|| err(i, NumberErrorKind::BadSign { byte: b }))?;
                negative = neg;
                digits.push((i, d));
            }
        }
    }
    finish(negative, &digits, scale)
}

fn plain_digit(b: u8, charset: ZonedCharset) -> Option<u8> {
    match (charset, b) {
        (ZonedCharset::Ascii, 0x30..=0x39) => Some(b - 0x30),
        (ZonedCharset::Ebcdic, 0xF0..=0xF9) => Some(b - 0xF0),
        _ => None,
    }
}

/// (negative, digit) of an overpunched sign byte.
fn overpunch(b: u8, charset: ZonedCharset) -> Option<(bool, u8)> {
    match charset {
        ZonedCharset::Ascii => match b {
            0x30..=0x39 => Some((false, b - 0x30)),
            b'{' => Some((false, 0)),
            b'A'..=b'I' => Some((false, b - b'A' + 1)),
            b'}' => Some((true, 0)),
            b'J'..=b'R' => Some((true, b - b'J' + 1)),
            0x70..=0x79 => Some((true, b - 0x70)),
            _ => None,
        },
        ZonedCharset::Ebcdic => {
            let (zone, d) = (b >> 4, b & 0x0F);
            if d > 9 {
                return None;
            }
            match zone {
                0xC | 0xF => Some((false, d)),
                0xD => Some((true, d)),
                _ => None,
            }
        }
    }
}

/// Bytes of a packed decimal item with `digits` digits: `digits / 2 + 1`.
pub fn packed_len(digits: u32) -> usize {
    (digits / 2 + 1) as usize
}

/// Decodes a packed decimal (COMP-3) item of a picture with `digits` digits (`S9(7)V99` → 9)
/// and `scale` implied decimals. `signed` is false for `PIC 9 … COMP-3` (sign nibble F or C).
/// With an even digit count the first (pad) nibble must be 0.
pub fn decode_packed(
    bytes: &[u8],
    digits: u32,
    signed: bool,
    scale: u8,
) -> Result<Decimal, NumberError> {
    if digits == 0 || digits > MAX_DIGITS {
        return Err(err(0, NumberErrorKind::Overflow));
    }
    let expected = packed_len(digits);
    if bytes.len() != expected {
        return Err(err(
            0,
            NumberErrorKind::WrongLength {
                expected,
                actual: bytes.len(),
            },
        ));
    }
    let last = bytes.len() - 1;
    let mut out = Vec::with_capacity(bytes.len() * 2);
    let mut negative = false;
    for (i, &b) in bytes.iter().enumerate() {
        let (hi, lo) = (b >> 4, b & 0x0F);
        if hi > 9 {
            return Err(err(i, NumberErrorKind::BadDigit { byte: b }));
        }
        if i == 0 && digits % 2 == 0 && hi != 0 {
            // The pad nibble of an even-digit picture must be zero.
            return Err(err(i, NumberErrorKind::BadDigit { byte: b }));
        }
        out.push((i, hi));
        if i == last {
            negative = match (lo, signed) {
                (0xC | 0xF, _) => false,
                (0xD, true) => true,
                _ => return Err(err(i, NumberErrorKind::BadSign { byte: b })),
            };
        } else if lo > 9 {
            return Err(err(i, NumberErrorKind::BadDigit { byte: b }));
        } else {
            out.push((i, lo));
        }
    }
    finish(negative, &out, scale)
}

/// How a binary item's range is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryLimit {
    /// COMP / COMP-4 / BINARY: |value| below 10^digits of the picture.
    PicDigits(u32),
    /// COMP-5: the full range of the bytes.
    Native,
}

/// Decodes a big-endian binary item of 2, 4 or 8 bytes.
pub fn decode_binary(
    bytes: &[u8],
    signed: bool,
    limit: BinaryLimit,
    scale: u8,
) -> Result<Decimal, NumberError> {
    let v: i128 = match (bytes, signed) {
        ([a, b], true) => i128::from(i16::from_be_bytes([*a, *b])),
        ([a, b], false) => i128::from(u16::from_be_bytes([*a, *b])),
        ([a, b, c, d], true) => i128::from(i32::from_be_bytes([*a, *b, *c, *d])),
        ([a, b, c, d], false) => i128::from(u32::from_be_bytes([*a, *b, *c, *d])),
        ([a, b, c, d, e, f, g, h], true) => {
            i128::from(i64::from_be_bytes([*a, *b, *c, *d, *e, *f, *g, *h]))
        }
        ([a, b, c, d, e, f, g, h], false) => {
            i128::from(u64::from_be_bytes([*a, *b, *c, *d, *e, *f, *g, *h]))
        }
        _ => {
            let expected = match bytes.len() {
                0..=2 => 2,
                3..=4 => 4,
                _ => 8,
            };
            return Err(err(
                0,
                NumberErrorKind::WrongLength {
                    expected,
                    actual: bytes.len(),
                },
            ));
        }
    };
    if let BinaryLimit::PicDigits(d) = limit {
        if d > MAX_DIGITS || v.unsigned_abs() >= pow10(d) {
            return Err(err(0, NumberErrorKind::Overflow));
        }
    }
    if u32::from(scale) > MAX_DIGITS {
        return Err(err(0, NumberErrorKind::Overflow));
    }
    Ok(Decimal { unscaled: v, scale })
}

/// Bytes of a COMP / COMP-4 / BINARY item with `digits` digits (IBM and Fujitsu default:
/// 1–4 → 2, 5–9 → 4, 10–18 → 8); `None` above 18 digits.
pub fn binary_len(digits: u32) -> Option<usize> {
    match digits {
        1..=4 => Some(2),
        5..=9 => Some(4),
        10..=18 => Some(8),
        _ => None,
    }
}

/// Encodes `unscaled` (the digits of a [`Decimal`] at the item's scale) as a zoned item of
/// `digits` digits (plus the separate sign byte when there is one). Positive overpunch is
/// written `{` `A`–`I` (ASCII) or zone C (EBCDIC), negative `}` `J`–`R` or zone D; unsigned
/// digits with zone 3 / F. `None` when the value has more than `digits` digits, is negative
/// for [`SignForm::Unsigned`], or `digits` is 0 or above [`MAX_DIGITS`].
pub fn encode_zoned(
    unscaled: i128,
    digits: u32,
    charset: ZonedCharset,
    sign: SignForm,
) -> Option<Vec<u8>> {
    let nibbles = digit_nibbles(unscaled, digits)?;
    let negative = unscaled < 0;
    if negative && sign == SignForm::Unsigned {
        return None;
    }
    let zone = match charset {
        ZonedCharset::Ascii => 0x30,
        ZonedCharset::Ebcdic => 0xF0,
    };
    let mut out: Vec<u8> = nibbles.iter().map(|d| zone | d).collect();
    let punch = |d: u8| match (charset, negative) {
        (ZonedCharset::Ascii, false) if d == 0 => b'{',
        (ZonedCharset::Ascii, false) => b'A' + d - 1,
        (ZonedCharset::Ascii, true) if d == 0 => b'}',
        (ZonedCharset::Ascii, true) => b'J' + d - 1,
        (ZonedCharset::Ebcdic, false) => 0xC0 | d,
        (ZonedCharset::Ebcdic, true) => 0xD0 | d,
    };
    let separate = match (charset, negative) {
        (ZonedCharset::Ascii, false) => 0x2B,
        (ZonedCharset::Ascii, true) => 0x2D,
        (ZonedCharset::Ebcdic, false) => 0x4E,
        (ZonedCharset::Ebcdic, true) => 0x60,
    };
    match sign {
        SignForm::Unsigned => {}
        SignForm::TrailingOverpunch => {
            let last = out.last_mut()?;
            *last = punch(*last & 0x0F);
        }
        SignForm::LeadingOverpunch => {
            let first = out.first_mut()?;
            *first = punch(*first & 0x0F);
        }
        SignForm::TrailingSeparate => out.push(separate),
        SignForm::LeadingSeparate => out.insert(0, separate),
    }
    Some(out)
}

/// The `digits` decimal digits of |value|, most significant first; `None` if it does not fit.
fn digit_nibbles(value: i128, digits: u32) -> Option<Vec<u8>> {
    if digits == 0 || digits > MAX_DIGITS || value.unsigned_abs() >= pow10(digits) {
        return None;
    }
    let mut v = value.unsigned_abs();
    let mut out = vec![0u8; digits as usize];
    for slot in out.iter_mut().rev() {
        *slot = (v % 10) as u8;
        v /= 10;
    }
    Some(out)
}

/// Encodes `unscaled` as a packed (COMP-3) item of `digits` digits: sign nibble C / D, or F
/// when `signed` is false. `None` when it does not fit (or is negative and unsigned).
pub fn encode_packed(unscaled: i128, digits: u32, signed: bool) -> Option<Vec<u8>> {
    let mut nibbles = digit_nibbles(unscaled, digits)?;
    if unscaled < 0 && !signed {
        return None;
    }
    if digits % 2 == 0 {
        nibbles.insert(0, 0);
    }
    nibbles.push(match (signed, unscaled < 0) {
        (false, _) => 0x0F,
        (true, false) => 0x0C,
        (true, true) => 0x0D,
    });
    Some(
        nibbles
            .chunks(2)
            .map(|p| match p {
                [hi, lo] => (hi << 4) | lo,
                _ => 0,
            })
            .collect(),
    )
}

/// Encodes `unscaled` as a big-endian binary item of `len` (2, 4 or 8) bytes. `None` when it
/// does not fit the bytes or the limit.
pub fn encode_binary(
    unscaled: i128,
    len: usize,
    signed: bool,
    limit: BinaryLimit,
) -> Option<Vec<u8>> {
    if let BinaryLimit::PicDigits(d) = limit {
        if d > MAX_DIGITS || unscaled.unsigned_abs() >= pow10(d) {
            return None;
        }
    }
    match (len, signed) {
        (2, true) => i16::try_from(unscaled)
            .ok()
            .map(|v| v.to_be_bytes().to_vec()),
        (2, false) => u16::try_from(unscaled)
            .ok()
            .map(|v| v.to_be_bytes().to_vec()),
        (4, true) => i32::try_from(unscaled)
            .ok()
            .map(|v| v.to_be_bytes().to_vec()),
        (4, false) => u32::try_from(unscaled)
            .ok()
            .map(|v| v.to_be_bytes().to_vec()),
        (8, true) => i64::try_from(unscaled)
            .ok()
            .map(|v| v.to_be_bytes().to_vec()),
        (8, false) => u64::try_from(unscaled)
            .ok()
            .map(|v| v.to_be_bytes().to_vec()),
        _ => None,
    }
}

/// A layout scale as a decoder's: negative (`P`) → 0; above 255 → 255 (an overflow).
fn pos_scale(scale: i32) -> u8 {
    u8::try_from(scale.max(0)).unwrap_or(u8::MAX)
}

/// Decodes an item stored in one of a layout's number forms ([`Representation`]: zoned,
/// packed, binary) exactly. A negative scale (`P` positions) multiplies the digits by
/// 10^-scale and gives scale 0. `None` for [`Representation::Display`] (text, not a number).
///
/// # Errors
/// The [`NumberError`] of the form's decoder, with the byte offset inside the item; a value
/// beyond [`MAX_DIGITS`] digits after `P` scaling is an [`NumberErrorKind::Overflow`].
pub fn decode_repr(bytes: &[u8], repr: &Representation) -> Option<Result<Decimal, NumberError>> {
    let (scale, decoded) = match *repr {
        Representation::Display => return None,
        Representation::Zoned {
            scale, sign, zone, ..
        } => {
            let cs = match zone {
                ZoneForm::Ascii => ZonedCharset::Ascii,
                ZoneForm::Ebcdic => ZonedCharset::Ebcdic,
            };
            let sf = match sign {
                ZonedSign::None => SignForm::Unsigned,
                ZonedSign::Trailing => SignForm::TrailingOverpunch,
                ZonedSign::Leading => SignForm::LeadingOverpunch,
                ZonedSign::TrailingSeparate => SignForm::TrailingSeparate,
                ZonedSign::LeadingSeparate => SignForm::LeadingSeparate,
            };
            (scale, decode_zoned(bytes, cs, sf, pos_scale(scale)))
        }
        Representation::Packed {
            digits,
            scale,
            signed,
        } => (
            scale,
            decode_packed(bytes, digits, signed, pos_scale(scale)),
        ),
        Representation::Binary {
            digits,
            scale,
            signed,
            native,
        } => {
            let limit = if native {
                BinaryLimit::Native
            } else {
                BinaryLimit::PicDigits(digits)
            };
            (scale, decode_binary(bytes, signed, limit, pos_scale(scale)))
        }
    };
    Some(decoded.and_then(|d| {
        if scale >= 0 {
            return Ok(d);
        }
        let factor = 10i128.checked_pow(scale.unsigned_abs());
        factor
            .and_then(|f| d.unscaled.checked_mul(f))
            .and_then(|u| Decimal::new(u, 0))
            .ok_or(err(0, NumberErrorKind::Overflow))
    }))
}

#[cfg(test)]
mod tests {
    //! The encoders here are written from the COBOL rules, independently of the decoders:
    //! they build bytes from the decimal text of a value.
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// Zero-padded decimal digits of |v| (as text), `n` wide.
    fn digits_of(v: i128, n: usize) -> Vec<u8> {
        let s = format!("{:0>width$}", v.unsigned_abs(), width = n);
        s.bytes().map(|c| c - b'0').collect()
    }

    fn enc_zoned(v: i128, n: usize, cs: ZonedCharset, sign: SignForm) -> Vec<u8> {
        let d = digits_of(v, n);
        let neg = v < 0;
        let digit = |x: u8| match cs {
            ZonedCharset::Ascii => b"0123456789"[x as usize],
            ZonedCharset::Ebcdic => {
                [0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9][x as usize]
            }
        };
        let punch = |x: u8| match (cs, neg) {
            (ZonedCharset::Ascii, false) => b"{ABCDEFGHI"[x as usize],
            (ZonedCharset::Ascii, true) => b"}JKLMNOPQR"[x as usize],
            (ZonedCharset::Ebcdic, false) => 0xC0 + x,
            (ZonedCharset::Ebcdic, true) => 0xD0 + x,
        };
        let sep = match (cs, neg) {
            (ZonedCharset::Ascii, false) => b'+',
            (ZonedCharset::Ascii, true) => b'-',
            (ZonedCharset::Ebcdic, false) => 0x4E,
            (ZonedCharset::Ebcdic, true) => 0x60,
        };
        let mut out: Vec<u8> = d.iter().map(|&x| digit(x)).collect();
        match sign {
            SignForm::Unsigned => {}
            SignForm::TrailingOverpunch => {
                let l = out.len() - 1;
                out[l] = punch(d[l]);
            }
            SignForm::LeadingOverpunch => out[0] = punch(d[0]),
            SignForm::TrailingSeparate => out.push(sep),
            SignForm::LeadingSeparate => out.insert(0, sep),
        }
        out
    }

    fn enc_packed(v: i128, digits: usize, signed: bool) -> Vec<u8> {
        let mut nib = digits_of(v, digits);
        if digits % 2 == 0 {
            nib.insert(0, 0);
        }
        nib.push(match (signed, v < 0) {
            (false, _) => 0xF,
            (true, false) => 0xC,
            (true, true) => 0xD,
        });
        nib.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
    }

    fn dec(v: i128, s: u8) -> Decimal {
        Decimal {
            unscaled: v,
            scale: s,
        }
    }

    #[test]
    fn canonical_text() {
        assert_eq!(dec(-123450, 2).to_string(), "-1234.50");
        assert_eq!(dec(5, 2).to_string(), "0.05");
        assert_eq!(dec(-5, 3).to_string(), "-0.005");
        assert_eq!(dec(0, 2).to_string(), "0.00");
        assert_eq!(dec(0, 0).to_string(), "0");
        assert_eq!(dec(42, 0).to_string(), "42");
        assert_eq!(dec(100, 2).to_string(), "1.00");
        assert!(Decimal::new(10i128.pow(38), 0).is_none());
        assert!(Decimal::new(1, 39).is_none());
    }

    #[test]
    fn zoned_ascii_every_overpunch_byte() {
        // Hand-written: "12" + sign byte for every digit in both signs and the p-style.
        for (i, b) in b"{ABCDEFGHI".iter().enumerate() {
            let v = decode_zoned(
                &[b'1', b'2', *b],
                ZonedCharset::Ascii,
                SignForm::TrailingOverpunch,
                0,
            );
            assert_eq!(v, Ok(dec(120 + i as i128, 0)));
        }
        for (i, b) in b"}JKLMNOPQR".iter().enumerate() {
            let v = decode_zoned(
                &[b'1', b'2', *b],
                ZonedCharset::Ascii,
                SignForm::TrailingOverpunch,
                0,
            );
            assert_eq!(v, Ok(dec(-(120 + i as i128), 0)));
        }
        for i in 0..10u8 {
            let v = decode_zoned(
                &[b'1', b'2', 0x70 + i],
                ZonedCharset::Ascii,
                SignForm::TrailingOverpunch,
                1,
            );
            assert_eq!(v, Ok(dec(-(120 + i128::from(i)), 1)));
        }
        // Leading overpunch: "J23" = -123.
        assert_eq!(
            decode_zoned(b"J23", ZonedCharset::Ascii, SignForm::LeadingOverpunch, 0),
            Ok(dec(-123, 0))
        );
        // Plain digit in the sign position: positive.
        assert_eq!(
            decode_zoned(b"123", ZonedCharset::Ascii, SignForm::TrailingOverpunch, 2),
            Ok(dec(123, 2))
        );
    }

    #[test]
    fn zoned_ebcdic_every_sign_form() {
        let t = |b: &[u8], s| decode_zoned(b, ZonedCharset::Ebcdic, s, 2);
        assert_eq!(
            t(&[0xF1, 0xF2, 0xC3], SignForm::TrailingOverpunch),
            Ok(dec(123, 2))
        );
        assert_eq!(
            t(&[0xF1, 0xF2, 0xD3], SignForm::TrailingOverpunch),
            Ok(dec(-123, 2))
        );
        assert_eq!(
            t(&[0xF1, 0xF2, 0xF3], SignForm::TrailingOverpunch),
            Ok(dec(123, 2))
        );
        assert_eq!(
            t(&[0xD1, 0xF2, 0xF3], SignForm::LeadingOverpunch),
            Ok(dec(-123, 2))
        );
        assert_eq!(
            t(&[0xC1, 0xF2, 0xF3], SignForm::LeadingOverpunch),
            Ok(dec(123, 2))
        );
        assert_eq!(
            t(&[0x60, 0xF1, 0xF2, 0xF3], SignForm::LeadingSeparate),
            Ok(dec(-123, 2))
        );
        assert_eq!(
            t(&[0xF1, 0xF2, 0xF3, 0x4E], SignForm::TrailingSeparate),
            Ok(dec(123, 2))
        );
        assert_eq!(t(&[0xF1, 0xF2, 0xF3], SignForm::Unsigned), Ok(dec(123, 2)));
        // Refused: zone A/B/E sign, an ASCII '-' in an EBCDIC item, a C zone in an unsigned item.
        for z in [0xA3, 0xB3, 0xE3] {
            assert_eq!(
                t(&[0xF1, 0xF2, z], SignForm::TrailingOverpunch),
                Err(NumberError {
                    offset: 2,
                    kind: NumberErrorKind::BadSign { byte: z }
                })
            );
        }
        assert_eq!(
            t(&[0x2D, 0xF1], SignForm::LeadingSeparate),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::BadSign { byte: 0x2D }
            })
        );
        assert_eq!(
            t(&[0xF1, 0xC3], SignForm::Unsigned),
            Err(NumberError {
                offset: 1,
                kind: NumberErrorKind::BadDigit { byte: 0xC3 }
            })
        );
        // A space (0x40) in the digits: an error at its offset, never a zero.
        assert_eq!(
            t(&[0xF1, 0x40, 0xC3], SignForm::TrailingOverpunch),
            Err(NumberError {
                offset: 1,
                kind: NumberErrorKind::BadDigit { byte: 0x40 }
            })
        );
    }

    #[test]
    fn zoned_ascii_separate_and_errors() {
        let t = |b: &[u8], s| decode_zoned(b, ZonedCharset::Ascii, s, 0);
        assert_eq!(t(b"-0042", SignForm::LeadingSeparate), Ok(dec(-42, 0)));
        assert_eq!(t(b"0042+", SignForm::TrailingSeparate), Ok(dec(42, 0)));
        assert_eq!(
            t(b"0042 ", SignForm::TrailingSeparate),
            Err(NumberError {
                offset: 4,
                kind: NumberErrorKind::BadSign { byte: b' ' }
            })
        );
        assert_eq!(
            t(b"-", SignForm::LeadingSeparate),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::WrongLength {
                    expected: 2,
                    actual: 1
                }
            })
        );
        assert_eq!(
            t(b"", SignForm::Unsigned),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::WrongLength {
                    expected: 1,
                    actual: 0
                }
            })
        );
        // 38 nines fit, 39 digits overflow (at the 39th digit).
        let max = vec![b'9'; 38];
        assert_eq!(t(&max, SignForm::Unsigned), Ok(dec(10i128.pow(38) - 1, 0)));
        let over = vec![b'9'; 39];
        assert_eq!(
            t(&over, SignForm::Unsigned),
            Err(NumberError {
                offset: 38,
                kind: NumberErrorKind::Overflow
            })
        );
        // Leading zeros beyond 38 bytes are fine as long as the value fits.
        let mut long = vec![b'0'; 40];
        long[39] = b'7';
        assert_eq!(t(&long, SignForm::Unsigned), Ok(dec(7, 0)));
    }

    #[test]
    fn packed_hand_vectors() {
        // S9(5)V99 COMP-3 = 7 digits, 4 bytes.
        assert_eq!(
            decode_packed(&[0x01, 0x23, 0x45, 0x0C], 7, true, 2),
            Ok(dec(123450, 2))
        );
        assert_eq!(
            decode_packed(&[0x01, 0x23, 0x45, 0x0D], 7, true, 2),
            Ok(dec(-123450, 2))
        );
        assert_eq!(
            decode_packed(&[0x01, 0x23, 0x45, 0x0F], 7, true, 2),
            Ok(dec(123450, 2))
        );
        assert_eq!(
            decode_packed(&[0x01, 0x23, 0x45, 0x0F], 7, false, 0),
            Ok(dec(123450, 0))
        );
        assert_eq!(decode_packed(&[0x00, 0x0D], 3, true, 0), Ok(dec(0, 0)));
        // S9(4): even digits, pad nibble 0.
        assert_eq!(
            decode_packed(&[0x01, 0x23, 0x4D], 4, true, 0),
            Ok(dec(-1234, 0))
        );
        assert_eq!(
            decode_packed(&[0x11, 0x23, 0x4D], 4, true, 0),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::BadDigit { byte: 0x11 }
            })
        );
        // The bad nibble, with its byte offset.
        assert_eq!(
            decode_packed(&[0x01, 0x2A, 0x45, 0x0C], 7, true, 0),
            Err(NumberError {
                offset: 1,
                kind: NumberErrorKind::BadDigit { byte: 0x2A }
            })
        );
        assert_eq!(
            decode_packed(&[0x01, 0x23, 0xB5, 0x0C], 7, true, 0),
            Err(NumberError {
                offset: 2,
                kind: NumberErrorKind::BadDigit { byte: 0xB5 }
            })
        );
        // Signs A, B, E refused; D refused in an unsigned item; a digit in the sign nibble.
        for s in [0xA, 0xB, 0xE, 0x3] {
            assert_eq!(
                decode_packed(&[0x12, 0x30 | s], 3, true, 0),
                Err(NumberError {
                    offset: 1,
                    kind: NumberErrorKind::BadSign { byte: 0x30 | s }
                })
            );
        }
        assert_eq!(
            decode_packed(&[0x12, 0x3D], 3, false, 0),
            Err(NumberError {
                offset: 1,
                kind: NumberErrorKind::BadSign { byte: 0x3D }
            })
        );
        // The short field and the long one.
        assert_eq!(
            decode_packed(&[0x12, 0x3C], 7, true, 0),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::WrongLength {
                    expected: 4,
                    actual: 2
                }
            })
        );
        assert_eq!(
            decode_packed(&[0x00, 0x12, 0x3C], 3, true, 0),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::WrongLength {
                    expected: 2,
                    actual: 3
                }
            })
        );
        assert_eq!(
            decode_packed(&[], 1, true, 0),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::WrongLength {
                    expected: 1,
                    actual: 0
                }
            })
        );
        // Maximum precision: S9(38) = 20 bytes of nines (pad nibble 0) then 9D.
        let mut max = vec![0x09];
        max.extend(std::iter::repeat_n(0x99, 18));
        max.push(0x9D);
        assert_eq!(
            decode_packed(&max, 38, true, 0),
            Ok(dec(-(10i128.pow(38) - 1), 0))
        );
        assert_eq!(
            decode_packed(&max, 38, true, 38)
                .map(|d| d.to_string())
                .as_deref(),
            Ok("-0.99999999999999999999999999999999999999")
        );
        assert_eq!(
            decode_packed(&[0; 20], 39, true, 0),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::Overflow
            })
        );
        assert_eq!(
            decode_packed(&[0x1C], 1, true, 39),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::Overflow
            })
        );
    }

    #[test]
    fn binary_hand_vectors() {
        assert_eq!(
            decode_binary(&[0xFF, 0xFE], true, BinaryLimit::Native, 0),
            Ok(dec(-2, 0))
        );
        assert_eq!(
            decode_binary(&[0xFF, 0xFE], false, BinaryLimit::Native, 0),
            Ok(dec(65534, 0))
        );
        assert_eq!(
            decode_binary(
                &[0x00, 0x00, 0x30, 0x39],
                true,
                BinaryLimit::PicDigits(5),
                2
            ),
            Ok(dec(12345, 2))
        );
        assert_eq!(
            decode_binary(&[0x80, 0, 0, 0, 0, 0, 0, 0], true, BinaryLimit::Native, 0),
            Ok(dec(i128::from(i64::MIN), 0))
        );
        assert_eq!(
            decode_binary(&[0xFF; 8], false, BinaryLimit::Native, 0),
            Ok(dec(i128::from(u64::MAX), 0))
        );
        // PIC S9(4) COMP holds at most 9999; COMP-5 holds 32767.
        assert_eq!(
            decode_binary(&[0x27, 0x0F], true, BinaryLimit::PicDigits(4), 0),
            Ok(dec(9999, 0))
        );
        assert_eq!(
            decode_binary(&[0x27, 0x10], true, BinaryLimit::PicDigits(4), 0),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::Overflow
            })
        );
        assert_eq!(
            decode_binary(&[0x7F, 0xFF], true, BinaryLimit::Native, 0),
            Ok(dec(32767, 0))
        );
        assert_eq!(
            decode_binary(&[0xD8, 0xF0], true, BinaryLimit::PicDigits(4), 0),
            Err(NumberError {
                offset: 0,
                kind: NumberErrorKind::Overflow
            })
        );
        for n in [0usize, 1, 3, 5, 6, 7, 9] {
            assert!(matches!(
                decode_binary(&vec![0; n], true, BinaryLimit::Native, 0),
                Err(NumberError {
                    offset: 0,
                    kind: NumberErrorKind::WrongLength { .. }
                })
            ));
        }
        assert_eq!(binary_len(4), Some(2));
        assert_eq!(binary_len(9), Some(4));
        assert_eq!(binary_len(18), Some(8));
        assert_eq!(binary_len(19), None);
    }

    fn sign_forms() -> impl Strategy<Value = SignForm> {
        prop_oneof![
            Just(SignForm::TrailingOverpunch),
            Just(SignForm::LeadingOverpunch),
            Just(SignForm::TrailingSeparate),
            Just(SignForm::LeadingSeparate),
        ]
    }

    proptest! {
        #[test]
        fn zoned_round_trip(v in -(10i128.pow(38) - 1)..10i128.pow(38), extra in 0usize..3,
                            ebcdic in any::<bool>(), sign in sign_forms(), scale in 0u8..=38) {
            let n = v.unsigned_abs().to_string().len() + extra;
            let cs = if ebcdic { ZonedCharset::Ebcdic } else { ZonedCharset::Ascii };
            let bytes = enc_zoned(v, n, cs, sign);
            prop_assert_eq!(decode_zoned(&bytes, cs, sign, scale), Ok(dec(v, scale)));
            if v >= 0 {
                let bytes = enc_zoned(v, n, cs, SignForm::Unsigned);
                prop_assert_eq!(decode_zoned(&bytes, cs, SignForm::Unsigned, scale), Ok(dec(v, scale)));
            }
        }

        #[test]
        fn packed_round_trip(v in -(10i128.pow(38) - 1)..10i128.pow(38), extra in 0usize..3, scale in 0u8..=38) {
            let n = (v.unsigned_abs().to_string().len() + extra).min(38);
            let bytes = enc_packed(v, n, true);
            prop_assert_eq!(bytes.len(), packed_len(n as u32));
            prop_assert_eq!(decode_packed(&bytes, n as u32, true, scale), Ok(dec(v, scale)));
            if v >= 0 {
                prop_assert_eq!(decode_packed(&enc_packed(v, n, false), n as u32, false, scale), Ok(dec(v, scale)));
            }
        }

        #[test]
        fn binary_round_trip(v in any::<i64>(), scale in 0u8..=18) {
            prop_assert_eq!(decode_binary(&v.to_be_bytes(), true, BinaryLimit::Native, scale), Ok(dec(i128::from(v), scale)));
            let w = v as i32;
            prop_assert_eq!(decode_binary(&w.to_be_bytes(), true, BinaryLimit::Native, scale), Ok(dec(i128::from(w), scale)));
            let h = v as i16;
            prop_assert_eq!(decode_binary(&h.to_be_bytes(), true, BinaryLimit::Native, scale), Ok(dec(i128::from(h), scale)));
        }

        #[test]
        fn library_encoders_agree_with_independent_ones(v in -(10i128.pow(38) - 1)..10i128.pow(38),
                extra in 0usize..3, ebcdic in any::<bool>(), sign in sign_forms()) {
            let n = (v.unsigned_abs().to_string().len() + extra).min(38);
            let cs = if ebcdic { ZonedCharset::Ebcdic } else { ZonedCharset::Ascii };
            prop_assert_eq!(encode_zoned(v, n as u32, cs, sign), Some(enc_zoned(v, n, cs, sign)));
            prop_assert_eq!(encode_packed(v, n as u32, true), Some(enc_packed(v, n, true)));
            if v >= 0 {
                prop_assert_eq!(encode_zoned(v, n as u32, cs, SignForm::Unsigned), Some(enc_zoned(v, n, cs, SignForm::Unsigned)));
                prop_assert_eq!(encode_packed(v, n as u32, false), Some(enc_packed(v, n, false)));
            } else {
                prop_assert_eq!(encode_zoned(v, n as u32, cs, SignForm::Unsigned), None);
                prop_assert_eq!(encode_packed(v, n as u32, false), None);
            }
            // One digit too few: refused.
            let short = v.unsigned_abs().to_string().len() as u32 - 1;
            if short > 0 && v.unsigned_abs() >= 10 {
                prop_assert_eq!(encode_zoned(v, short, cs, sign), None);
                prop_assert_eq!(encode_packed(v, short, true), None);
            }
        }

        #[test]
        fn binary_encoder_round_trips(v in any::<i64>()) {
            let w = i128::from(v);
            prop_assert_eq!(encode_binary(w, 8, true, BinaryLimit::Native), Some(v.to_be_bytes().to_vec()));
            let back = decode_binary(&encode_binary(w, 8, true, BinaryLimit::Native).unwrap_or_default(), true, BinaryLimit::Native, 0);
            prop_assert_eq!(back, Ok(dec(w, 0)));
            prop_assert_eq!(encode_binary(w, 4, true, BinaryLimit::Native).is_some(), i32::try_from(v).is_ok());
            prop_assert_eq!(encode_binary(w, 2, false, BinaryLimit::Native).is_some(), u16::try_from(v).is_ok());
            prop_assert_eq!(encode_binary(w, 8, true, BinaryLimit::PicDigits(4)).is_some(), v.unsigned_abs() < 10_000);
        }

        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..45), d in 0u32..45, s in 0u8..45) {
            for sign in [SignForm::Unsigned, SignForm::TrailingOverpunch, SignForm::LeadingOverpunch,
                         SignForm::TrailingSeparate, SignForm::LeadingSeparate] {
                let _ = decode_zoned(&bytes, ZonedCharset::Ascii, sign, s);
                let _ = decode_zoned(&bytes, ZonedCharset::Ebcdic, sign, s);
            }
            let _ = decode_packed(&bytes, d, true, s);
            let _ = decode_binary(&bytes, false, BinaryLimit::PicDigits(d), s);
        }
    }
}
