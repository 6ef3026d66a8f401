//! # ikou-cleanse
//!
//! Legacy bytes in, clean values out: encoding detection, record framing, byte slicing,
//! decoding with a character profile (外字 → table or flag), the cleansing rules per domain
//! type, 和暦 and check digits. Every change to a value is returned as data; nothing is
//! printed and nothing is silently replaced.
#![deny(missing_docs)]

pub mod boundary;
pub mod change;
pub mod charset;
pub mod checkdigit;
pub mod decode;
pub mod detect;
pub mod encode;
pub mod frame;
pub mod gaiji;
pub mod host;
pub mod mask;
pub mod numbers;
pub mod rules;
#[cfg(test)]
mod testkit;
pub mod variants;
pub mod wareki;

pub use change::{Edit, Finding, FindingKind, RuleId};
pub use rules::{cleanse, Cleansed, RuleOptions};
