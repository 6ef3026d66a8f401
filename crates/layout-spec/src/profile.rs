//! Profiles: one file that names a whole migration — source layout and character profile,
//! the mapping, the target layout and its output form. Every field is documented in
//! `specs/README.md` ("Profiles"). [`parse_profile`] checks a profile's text against a
//! catalog; [`load_profile_file`] also loads the files it names by path (layouts, code
//! tables, its 外字 table), relative to its folder and never outside it or the `--specs`
//! folders unless [`ProfileAccess::allow_outside`].
//!
//! ```toml
//! id = "sample-juki"
//! name = "サンプル住民記録 → 標準仕様 住民記録"
//! source = "legacy/sample-juki"
//! target = "standard/jumin-kiroku-jumin"
//!
//! [characters]
//! encoding = "cp932"
//! variants = "cp932"        # keep | cp932 | jis
//! gaiji_table = "sample-juki.csv"
//! unmapped_gaiji = "reject" # reject | keep
//!
//! [dates]
//! policy = "strict"         # strict | lenient
//!
//! [output]
//! bom = false
//! line_ending = "crlf"      # crlf | lf
//! quote = "necessary"       # necessary | always
//! header = "names"          # names (項目名) | keys | none
//!
//! [[map]]
//! target = "shimei"
//! from = "shimei"
//!
//! [[map]]
//! target = "zokugara"
//! from = "zokugara"
//! label = "zokugara"        # the code's label in this code table
//!
//! [[map]]
//! target = "jumin_shubetsu"
//! const = "1"
//! ```

use crate::condition::Condition;
use crate::error::{SpecError, SpecErrorKind, SpecErrors, SpecPosition};
use crate::model::{Layout, VariantPolicy};
use crate::Catalog;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The profiles embedded in the binary: `(path under specs/, contents)`.
pub const BUNDLED_PROFILES: &[(&str, &str)] = &[
    (
        "profiles/sample-juki.toml",
        include_str!("../specs/profiles/sample-juki.toml"),
    ),
    (
        "profiles/host-juki.toml",
        include_str!("../specs/profiles/host-juki.toml"),
    ),
    (
        "profiles/sample-atena.toml",
        include_str!("../specs/profiles/sample-atena.toml"),
    ),
];

/// The 外字 tables embedded in the binary: `(file name, contents)`. A profile names one by
/// its file name; a user's profile may instead give a path relative to the profile file.
pub const BUNDLED_GAIJI: &[(&str, &str)] = &[
    (
        "sample-juki.csv",
        include_str!("../specs/gaiji/sample-juki.csv"),
    ),
    (
        "host-juki.csv",
        include_str!("../specs/gaiji/host-juki.csv"),
    ),
];

/// What to do with a 外字 that the table does not map: the one type for the profile
/// (`unmapped_gaiji = "keep"`), decoding (`ikou_cleanse::decode::UnmappedGaiji` is this
/// type) and the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnmappedGaiji {
    /// Reject the record (the default: nothing unidentified reaches the standard system).
    #[default]
    Reject,
    /// Keep the private-use character, flag it and list it in the inventory.
    Keep,
}

impl UnmappedGaiji {
    /// The profile's spelling (`reject`, `keep`), as the manifest records it.
    pub fn as_str(self) -> &'static str {
        match self {
            UnmappedGaiji::Reject => "reject",
            UnmappedGaiji::Keep => "keep",
        }
    }
}

/// How strictly dates are read: the one type for the profile and cleansing
/// (`ikou_cleanse::wareki::DatePolicy` is this type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DatePolicy {
    /// Impossible dates (平成31年5月1日, 昭和64年2月) are errors.
    #[default]
    Strict,
    /// 平成31年5月 → 令和元年5月 and the like are re-era'd, as recorded changes.
    Lenient,
}

impl DatePolicy {
    /// The profile's spelling (`strict`, `lenient`), as the manifest records it.
    pub fn as_str(self) -> &'static str {
        match self {
            DatePolicy::Strict => "strict",
            DatePolicy::Lenient => "lenient",
        }
    }
}

/// The character profile of the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Characters {
    /// The encoding label of the source file (`cp932`).
    pub encoding: String,
    /// The target form of the CP932/JIS variant characters.
    pub variants: VariantPolicy,
    /// The 外字 table: a bundled table's file name or a path (relative to the profile file).
    pub gaiji_table: Option<String>,
    /// What to do with unmapped 外字.
    pub unmapped_gaiji: UnmappedGaiji,
}

/// Line endings of the output CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    /// CR LF (RFC 4180).
    #[default]
    Crlf,
    /// LF.
    Lf,
}

/// When output fields are quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Quoting {
    /// Only fields that need it (delimiter, quote, CR or LF inside).
    #[default]
    Necessary,
    /// Every field.
    Always,
}

/// The header row of the output CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Header {
    /// The items' Japanese names (項目名).
    #[default]
    Names,
    /// The items' ASCII keys.
    Keys,
    /// No header row.
    None,
}

/// The output form of the standard CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OutputForm {
    /// Write a UTF-8 BOM.
    pub bom: bool,
    /// Line endings.
    pub line_ending: LineEnding,
    /// Quoting.
    pub quote: Quoting,
    /// Header row.
    pub header: Header,
}

/// How one target item gets its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The cleansed value of a source item.
    Item {
        /// The source item's key.
        key: String,
    },
    /// A constant.
    Const {
        /// The value.
        value: String,
    },
    /// The label of the source item's code in a code table (`02` → `妻`).
    Label {
        /// The source item's key.
        key: String,
        /// The code table.
        table: String,
    },
    /// A translation of the source item's code through a table whose `code` column holds
    /// source codes and whose `label` column holds target values.
    Translate {
        /// The source item's key.
        key: String,
        /// The translation table.
        table: String,
    },
    /// Several source items joined with a separator (氏 + 名 → 氏名). Empty parts are skipped.
    Join {
        /// The source items' keys.
        keys: Vec<String>,
        /// The separator.
        sep: String,
    },
    /// A number per key (履歴番号, issue #13): the rows with the same values of the target
    /// items `key` are numbered 1, 2, … in the order of the target items `order` (ascending,
    /// compared as numbers: the value's digits, a partial date padded — `1990-01` →
    /// `19900100`; an empty value first), then in input order.
    Sequence {
        /// Target items (of the same target or group) whose values make the key.
        key: Vec<String>,
        /// Target items that order the rows of one key.
        order: Vec<String>,
    },
    /// One part of a source item split at a separator (氏名 → 氏). A missing part is empty.
    Split {
        /// The source item's key.
        key: String,
        /// The separator.
        sep: String,
        /// Which part (0-based).
        index: u32,
    },
}

impl Source {
    /// The source item keys this source reads.
    pub fn keys(&self) -> Vec<&str> {
        match self {
            Source::Item { key }
            | Source::Label { key, .. }
            | Source::Translate { key, .. }
            | Source::Split { key, .. } => vec![key.as_str()],
            Source::Const { .. } | Source::Sequence { .. } => vec![],
            Source::Join { keys, .. } => keys.iter().map(String::as_str).collect(),
        }
    }
}

/// One mapping rule: which target item, from which source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRule {
    /// The target item's key.
    pub target: String,
    /// Where its value comes from.
    pub source: Source,
}

/// A household rule: every value of `key` (世帯番号) has exactly one record whose `head_item`
/// (続柄) is `head_value` (世帯主).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdCheck {
    /// The target item that groups records (世帯番号).
    pub key: String,
    /// The target item that marks the head (続柄).
    pub head_item: String,
    /// The value of `head_item` that marks the head (世帯主).
    pub head_value: String,
}

/// Rules that look at more than one item or more than one record, on target values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    /// Target items whose value must be unique across the run (住民票コード).
    #[serde(default)]
    pub unique: Vec<String>,
    /// Household rule.
    #[serde(default)]
    pub household: Option<HouseholdCheck>,
    /// Pairs `[a, b]` of date items where `a ≤ b` must hold when both are known
    /// (生年月日 ≤ 異動日).
    #[serde(default)]
    pub not_after: Vec<[String; 2]>,
}

impl Checks {
    /// The target item keys these checks read.
    pub fn keys(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.unique.iter().map(String::as_str).collect();
        if let Some(h) = &self.household {
            v.push(&h.key);
            v.push(&h.head_item);
        }
        for [a, b] in &self.not_after {
            v.push(a);
            v.push(b);
        }
        v
    }
}

/// When a group gets a row from a record (`when = { from = "zokugara", equals = "01" }`):
/// the cleansed value of a source item equals one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The source item's key.
    pub from: String,
    /// The value (after cleansing) that gives the row.
    pub equals: String,
}

/// One output group of a multi-group profile (`[[targets]]`, issue #13): a target layout
/// written to its own file, with its own mapping rules. Every record gives one row in each
/// group (or, with `when`, in the groups whose condition holds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroup {
    /// The group's name (`kojin`): the prefix of its items in [`Profile::map`] and in
    /// `[checks]` (`kojin.atena_no`). Default: the layout id's last part.
    pub name: String,
    /// The target layout id.
    pub layout: String,
    /// The output file name in the run directory (`kojin.csv`; default `<name>.csv`).
    pub file: String,
    /// Which records give a row in this group (`None`: every record).
    pub when: Option<When>,
    /// The group's mapping, one rule per item of its layout (keys unprefixed, in item order).
    pub map: Vec<MapRule>,
    /// The source that feeds this group (a name in [`Profile::sources`]); `None` in a
    /// profile with one `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One source of a profile that reads several input files, each in its own layout
/// (`[[sources]]`, issue #13): a person file and a history file of the same export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceDecl {
    /// The source's name (`kojin`): what `--input kojin=FILE` and `targets.source` say.
    pub name: String,
    /// The source layout id.
    pub layout: String,
    /// The encoding label of its files (`sources.encoding`, else `[characters] encoding`,
    /// else the layout's own encoding).
    pub encoding: String,
}

/// A migration profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The profile's id (`sample-juki`).
    pub id: String,
    /// A display name.
    pub name: String,
    /// The source layout id (in a profile with `[[sources]]`: the first source's layout).
    pub source: String,
    /// The sources of a profile that reads files of several layouts (`[[sources]]`, issue
    /// #13), in profile order; empty for a profile with one `source`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceDecl>,
    /// The target layout id (in a multi-group profile: the first group's layout).
    pub target: String,
    /// The output groups of a multi-group profile (`[[targets]]`); empty for a profile with
    /// one `target` and its `[[map]]`.
    #[serde(default)]
    pub targets: Vec<TargetGroup>,
    /// The source's character profile.
    pub characters: Characters,
    /// How strictly dates are read.
    pub date_policy: DatePolicy,
    /// The output CSV's form.
    pub output: OutputForm,
    /// The mapping, one rule per target item (in target item order after loading). In a
    /// multi-group profile: every group's rules in group order, target keys prefixed with
    /// the group's name (`kojin.atena_no`).
    pub map: Vec<MapRule>,
    /// Cross-item and cross-record checks on the target values.
    pub checks: Checks,
    /// Where the profile came from (`bundled:specs/profiles/…` or a path).
    pub file: String,
    /// The reject rate (0–1) above which a run of this profile is 移行不可 (`max_reject_rate
    /// = 0.05` or `"5%"`); `None`: the default (10 %). `convert --max-reject-rate` overrides
    /// it.
    #[serde(default)]
    pub max_reject_rate: Option<RejectRate>,
    /// The conditions of 条件付き必須 target items (`[conditions]`, issue #13), in target
    /// item order: when one holds and its item is empty, the record is rejected.
    #[serde(default)]
    pub conditions: Vec<ConditionRule>,
}

/// The condition under which a 条件付き必須 target item must have a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionRule {
    /// The target item's key.
    pub target: String,
    /// The expression as written in the profile.
    pub expression: String,
    /// The parsed expression (over target item keys).
    pub condition: Condition,
}

/// A reject rate: a fraction in 0..=1 (never NaN), written `0.05` or `5%`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct RejectRate(f64);

// A RejectRate is never NaN (see [`RejectRate::new`]), so equality is reflexive.
impl Eq for RejectRate {}

impl RejectRate {
    /// The rate, if `fraction` is a number in 0..=1.
    pub fn new(fraction: f64) -> Option<RejectRate> {
        (fraction.is_finite() && (0.0..=1.0).contains(&fraction)).then_some(RejectRate(fraction))
    }

    /// Reads `0.05` (a fraction) or `5%` (a percentage).
    ///
    /// # Errors
    /// A sentence saying what is wrong and what is expected.
    pub fn parse(text: &str) -> Result<RejectRate, String> {
        let t = text.trim();
        let (number, scale) = match t.strip_suffix('%') {
            Some(p) => (p.trim(), 100.0),
            None => (t, 1.0),
        };
        number
            .parse::<f64>()
            .ok()
            .map(|x| x / scale)
            .and_then(RejectRate::new)
            .ok_or_else(|| {
                format!("{text:?} is not a reject rate: give a fraction from 0 to 1 (0.05) or a percentage from 0% to 100% (5%)")
            })
    }

    /// The fraction (0–1).
    pub fn fraction(self) -> f64 {
        self.0
    }
}

/// `max_reject_rate` as written: a number or a string (`"5%"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawRate {
    Number(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    id: String,
    name: String,
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(default)]
    sources: Vec<Spanned<RawSource>>,
    #[serde(default)]
    target: Option<Spanned<String>>,
    #[serde(default)]
    targets: Vec<Spanned<RawTarget>>,
    #[serde(default)]
    characters: RawCharacters,
    #[serde(default)]
    dates: RawDates,
    #[serde(default)]
    output: OutputForm,
    #[serde(default)]
    map: Vec<Spanned<RawMap>>,
    #[serde(default)]
    checks: Option<Spanned<Checks>>,
    #[serde(default)]
    max_reject_rate: Option<Spanned<RawRate>>,
    #[serde(default)]
    conditions: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Option<String>,
    layout: Spanned<String>,
    #[serde(default)]
    source: Option<Spanned<String>>,
    file: Option<String>,
    when: Option<When>,
    #[serde(default)]
    map: Vec<Spanned<RawMap>>,
    /// The group's `[targets.conditions]`, over its own layout's items.
    #[serde(default)]
    conditions: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    layout: Spanned<String>,
    encoding: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCharacters {
    encoding: Option<String>,
    #[serde(default)]
    variants: VariantPolicy,
    gaiji_table: Option<String>,
    #[serde(default)]
    unmapped_gaiji: UnmappedGaiji,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDates {
    #[serde(default)]
    policy: DatePolicy,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    target: String,
    from: Option<String>,
    #[serde(rename = "const")]
    constant: Option<String>,
    label: Option<String>,
    translate: Option<String>,
    join: Option<Vec<String>>,
    split: Option<u32>,
    sep: Option<String>,
    sequence: Option<RawSequence>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSequence {
    key: Vec<String>,
    #[serde(default)]
    order: Vec<String>,
}

/// Parses a profile and checks it against the catalog's layouts and code tables.
///
/// # Errors
/// Every problem: unknown layouts, target items without a rule or with two, source items
/// or tables that do not exist, rules that mix kinds.
pub fn parse_profile(text: &str, file: &str, catalog: &Catalog) -> Result<Profile, SpecErrors> {
    parse_profile_with(text, file, catalog, &BTreeMap::new(), None)
}

/// [`parse_profile`] where some `source`/`target` values name layout files (`aliases`: the
/// value as written → the id of the layout loaded from it) and the 外字 table was resolved.
fn parse_profile_with(
    text: &str,
    file: &str,
    catalog: &Catalog,
    aliases: &BTreeMap<String, String>,
    gaiji_resolved: Option<String>,
) -> Result<Profile, SpecErrors> {
    let line_of = |byte: usize| text.get(..byte).map(|t| t.matches('\n').count() + 1);
    let mut errors = Vec::new();
    let mut err = |byte: usize, item: Option<&str>, kind: SpecErrorKind| {
        errors.push(SpecError {
            position: SpecPosition {
                file: file.to_string(),
                line: line_of(byte),
                item: item.map(str::to_string),
            },
            kind,
        });
    };
    let raw: RawProfile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            err(
                e.span().map(|s| s.start).unwrap_or(0),
                None,
                SpecErrorKind::Syntax(e.message().to_string()),
            );
            return Err(SpecErrors(errors));
        }
    };
    let resolve = |v: &str| aliases.get(v).cloned().unwrap_or_else(|| v.to_string());
    let field_err = |field: &str, message: String| SpecErrorKind::InvalidField {
        field: field.into(),
        message,
    };
    // The sources: one `source`, or [[sources]] (several input files, each read in its own
    // layout, issue #13): (name, layout id, layout, encoding as stated).
    let mut decls: Vec<(String, String, Option<&Layout>, Option<String>)> = Vec::new();
    let multi = !raw.sources.is_empty();
    match &raw.source {
        Some(s) => {
            let id = resolve(s.get_ref());
            let layout = catalog.layout(&id);
            if multi {
                err(
                    s.span().start,
                    None,
                    field_err(
                        "source",
                        "a profile has either `source` (one source layout) or [[sources]] (several), not both".into(),
                    ),
                );
            } else if layout.is_none() {
                err(
                    s.span().start,
                    None,
                    field_err("source", not_found_layout(s.get_ref(), catalog)),
                );
            }
            if !multi {
                decls.push((String::new(), id, layout, None));
            }
        }
        None if !multi => err(
            0,
            None,
            field_err(
                "source",
                "a profile needs `source` (the source layout) or [[sources]] (several input files, each with its own layout)".into(),
            ),
        ),
        None => {}
    }
    for rs in &raw.sources {
        let at = rs.span().start;
        let r = rs.get_ref();
        if r.name.is_empty()
            || !r
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            err(
                at,
                None,
                field_err(
                    "sources.name",
                    format!(
                        "source name `{}`: use ASCII letters, digits, `_` and `-`",
                        r.name
                    ),
                ),
            );
        }
        if decls.iter().any(|d| d.0 == r.name) {
            err(
                at,
                None,
                field_err(
                    "sources.name",
                    format!("a second source named `{}`", r.name),
                ),
            );
        }
        let id = resolve(r.layout.get_ref());
        let layout = catalog.layout(&id);
        if layout.is_none() {
            err(
                r.layout.span().start,
                None,
                field_err(
                    "sources.layout",
                    format!(
                        "source `{}`: {}",
                        r.name,
                        not_found_layout(r.layout.get_ref(), catalog)
                    ),
                ),
            );
        }
        decls.push((r.name.clone(), id, layout, r.encoding.clone()));
    }
    if multi && raw.targets.is_empty() {
        err(
            raw.sources.first().map_or(0, |s| s.span().start),
            None,
            field_err(
                "sources",
                "a profile with [[sources]] writes [[targets]] groups, each naming the source that feeds it (`source = \"kojin\"`)".into(),
            ),
        );
    }
    let source_names = decls
        .iter()
        .map(|d| d.0.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let source_id = decls.first().map(|d| d.1.clone()).unwrap_or_default();
    let source = decls.first().and_then(|d| d.2);
    let mut target_id = String::new();
    let mut targets: Vec<TargetGroup> = Vec::new();
    let mut group_conditions: Vec<ConditionRule> = Vec::new();
    let mut map = Vec::new();
    // The layouts the checks refer to: (prefix, layout); one unprefixed layout for a
    // single-target profile.
    let mut check_layouts: Vec<(String, &Layout)> = Vec::new();
    match (&raw.target, raw.targets.is_empty()) {
        (Some(t), true) => {
            target_id = resolve(t.get_ref());
            let target = catalog.layout(&target_id);
            if target.is_none() {
                err(
                    t.span().start,
                    None,
                    field_err("target", not_found_layout(t.get_ref(), catalog)),
                );
            }
            map = check_rules(&raw.map, source, target, catalog, &mut err);
            if let Some(target) = target {
                check_layouts.push((String::new(), target));
            }
        }
        (None, true) => err(
            0,
            None,
            field_err(
                "target",
                "a profile needs `target` (one target layout and its [[map]]) or [[targets]] (several groups)".into(),
            ),
        ),
        (Some(t), false) => err(
            t.span().start,
            None,
            field_err(
                "target",
                "a profile has either `target` with [[map]] or [[targets]], not both".into(),
            ),
        ),
        (None, false) => {
            if let Some(m) = raw.map.first() {
                err(
                    m.span().start,
                    None,
                    field_err(
                        "map",
                        "in a profile with [[targets]], each group has its own [[targets.map]]"
                            .into(),
                    ),
                );
            }
            for t in &raw.targets {
                let at = t.span().start;
                let rt = t.get_ref();
                let id = resolve(rt.layout.get_ref());
                let layout = catalog.layout(&id);
                if layout.is_none() {
                    err(
                        rt.layout.span().start,
                        None,
                        field_err("targets.layout", not_found_layout(rt.layout.get_ref(), catalog)),
                    );
                }
                let name = rt
                    .name
                    .clone()
                    .unwrap_or_else(|| id.rsplit('/').next().unwrap_or(&id).to_string());
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    err(
                        at,
                        None,
                        field_err(
                            "targets.name",
                            format!("group name `{name}`: use ASCII letters, digits, `_` and `-`"),
                        ),
                    );
                }
                if targets.iter().any(|g| g.name == name) {
                    err(
                        at,
                        None,
                        field_err("targets.name", format!("a second group named `{name}`")),
                    );
                }
                let file = rt.file.clone().unwrap_or_else(|| format!("{name}.csv"));
                let plain = !file.is_empty()
                    && !file.starts_with('.')
                    && !file.contains(['/', '\\'])
                    && file.ends_with(".csv");
                if !plain {
                    err(
                        at,
                        None,
                        field_err(
                            "targets.file",
                            format!("`{file}`: a group's file is a plain file name ending in .csv"),
                        ),
                    );
                } else if targets.iter().any(|g| g.file == file) {
                    err(
                        at,
                        None,
                        field_err("targets.file", format!("a second group writes `{file}`")),
                    );
                }
                // The source that feeds this group (several sources: the one it names).
                let (fed_by, source) = match (&rt.source, multi) {
                    (None, false) => (None, source),
                    (Some(sn), false) => {
                        err(
                            sn.span().start,
                            None,
                            field_err(
                                "targets.source",
                                format!("group `{name}`: `source` names one of the profile's [[sources]], and this profile has one `source`"),
                            ),
                        );
                        (None, source)
                    }
                    (Some(sn), true) => match decls.iter().find(|d| d.0 == *sn.get_ref()) {
                        Some(d) => (Some(d.0.clone()), d.2),
                        None => {
                            err(
                                sn.span().start,
                                None,
                                field_err(
                                    "targets.source",
                                    format!(
                                        "group `{name}`: no source named `{}` (the profile's sources: {source_names})",
                                        sn.get_ref()
                                    ),
                                ),
                            );
                            (None, None)
                        }
                    },
                    (None, true) => match decls.as_slice() {
                        [only] => (Some(only.0.clone()), only.2),
                        _ => {
                            err(
                                at,
                                None,
                                field_err(
                                    "targets.source",
                                    format!("group `{name}` is fed by no source: with several [[sources]], each group names the one that feeds it (`source = \"…\"`; the profile's sources: {source_names})"),
                                ),
                            );
                            (None, None)
                        }
                    },
                };
                if let (Some(w), Some(source)) = (&rt.when, source) {
                    if source.item(&w.from).is_none() {
                        err(
                            at,
                            None,
                            field_err(
                                "targets.when",
                                match &fed_by {
                                    Some(src) => format!(
                                        "the layout of source `{src}` has no item `{}`",
                                        w.from
                                    ),
                                    None => format!("source layout has no item `{}`", w.from),
                                },
                            ),
                        );
                    }
                }
                // With several sources, a missing source item names the group's source.
                let rules = {
                    let mut named = |at: usize, item: Option<&str>, kind: SpecErrorKind| {
                        let kind = match (kind, &fed_by) {
                            (SpecErrorKind::InvalidField { field, message }, Some(src))
                                if message.starts_with("source layout has no item") =>
                            {
                                SpecErrorKind::InvalidField {
                                    field,
                                    message: message.replacen(
                                        "source layout",
                                        &format!("the layout of source `{src}`"),
                                        1,
                                    ),
                                }
                            }
                            (k, _) => k,
                        };
                        err(at, item, kind);
                    };
                    check_rules(&rt.map, source, layout, catalog, &mut named)
                };
                // A group's conditions name its own items; kept prefixed like its rules.
                group_conditions.extend(
                    check_conditions(&rt.conditions, layout, &mut err)
                        .into_iter()
                        .map(|r| prefix_rule(r, &name)),
                );
                // A descending order item keeps its `-` in front of the prefix.
                let prefixed = |v: &[String]| {
                    v.iter()
                        .map(|k| match k.strip_prefix('-') {
                            Some(k) => format!("-{name}.{k}"),
                            None => format!("{name}.{k}"),
                        })
                        .collect()
                };
                map.extend(rules.iter().map(|r| MapRule {
                    target: format!("{name}.{}", r.target),
                    source: match &r.source {
                        Source::Sequence { key, order } => Source::Sequence {
                            key: prefixed(key),
                            order: prefixed(order),
                        },
                        other => other.clone(),
                    },
                }));
                if let Some(layout) = layout {
                    check_layouts.push((name.clone(), layout));
                }
                if target_id.is_empty() {
                    target_id = id.clone();
                }
                targets.push(TargetGroup {
                    name,
                    layout: id,
                    file,
                    when: rt.when.clone(),
                    map: rules,
                    source: fed_by,
                });
            }
        }
    }
    let known_target_key = |k: &str| {
        check_layouts.iter().any(|(prefix, l)| {
            if prefix.is_empty() {
                l.item(k).is_some()
            } else {
                k.strip_prefix(prefix.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    .is_some_and(|r| l.item(r).is_some())
            }
        })
    };
    let targets_known = check_layouts.len() == raw.targets.len().max(1);
    let checks = match raw.checks {
        None => Checks::default(),
        Some(c) => {
            let at = c.span().start;
            let c = c.into_inner();
            if targets_known {
                for k in c.keys() {
                    if !known_target_key(k) {
                        err(
                            at,
                            Some(k),
                            SpecErrorKind::InvalidField {
                                field: "checks".into(),
                                message: format!("target layout has no item `{k}`"),
                            },
                        );
                    }
                }
            }
            c
        }
    };
    let max_reject_rate = match &raw.max_reject_rate {
        None => None,
        Some(r) => {
            let parsed = match r.get_ref() {
                RawRate::Number(x) => RejectRate::new(*x).ok_or_else(|| {
                    format!("{x} is not a reject rate: give a fraction from 0 to 1 (0.05) or a percentage from 0% to 100% (\"5%\")")
                }),
                RawRate::Text(t) => RejectRate::parse(t),
            };
            match parsed {
                Ok(rate) => Some(rate),
                Err(message) => {
                    err(
                        r.span().start,
                        None,
                        SpecErrorKind::InvalidField {
                            field: "max_reject_rate".into(),
                            message,
                        },
                    );
                    None
                }
            }
        }
    };
    // `[conditions]` are written over the items of a single target layout; a multi-group
    // profile states each group's in `[targets.conditions]` (over that group's items).
    let target: Option<&Layout> = if raw.targets.is_empty() {
        check_layouts.first().map(|(_, l)| *l)
    } else {
        if let Some((key, expr)) = raw.conditions.iter().next() {
            err(
                expr.span().start,
                Some(key),
                field_err(
                    "conditions",
                    "in a profile with [[targets]], each group states its conditions in [targets.conditions], over its own items".into(),
                ),
            );
        }
        None
    };
    let mut conditions = if raw.targets.is_empty() {
        let mut c = check_conditions(&raw.conditions, target, &mut err);
        if let Some(t) = target {
            c.sort_by_key(|r| t.item_index(&r.target));
        }
        c
    } else {
        Vec::new()
    };
    conditions.append(&mut group_conditions);
    if !errors.is_empty() {
        return Err(SpecErrors(errors));
    }
    if multi {
        for (rs, d) in raw.sources.iter().zip(&decls) {
            if !targets
                .iter()
                .any(|g| g.source.as_deref() == Some(d.0.as_str()))
            {
                errors.push(SpecError {
                    position: SpecPosition {
                        file: file.to_string(),
                        line: line_of(rs.span().start),
                        item: None,
                    },
                    kind: field_err(
                        "sources.name",
                        format!(
                            "source `{}` feeds no group: name it in a group's `source`, or remove it",
                            d.0
                        ),
                    ),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(SpecErrors(errors));
    }
    let sources = if multi {
        decls
            .iter()
            .map(|(name, id, layout, enc)| SourceDecl {
                name: name.clone(),
                layout: id.clone(),
                encoding: enc
                    .clone()
                    .or_else(|| raw.characters.encoding.clone())
                    .or_else(|| layout.map(|l| l.encoding.clone()))
                    .unwrap_or_else(|| "cp932".into()),
            })
            .collect()
    } else {
        Vec::new()
    };
    let encoding = raw.characters.encoding.unwrap_or_else(|| {
        source
            .map(|s| s.encoding.clone())
            .unwrap_or_else(|| "cp932".into())
    });
    Ok(Profile {
        id: raw.id,
        name: raw.name,
        source: source_id,
        sources,
        target: target_id,
        targets,
        characters: Characters {
            encoding,
            variants: raw.characters.variants,
            gaiji_table: gaiji_resolved.or(raw.characters.gaiji_table),
            unmapped_gaiji: raw.characters.unmapped_gaiji,
        },
        date_policy: raw.dates.policy,
        output: raw.output,
        map,
        checks,
        file: file.to_string(),
        max_reject_rate,
        conditions,
    })
}

/// Finds a bundled profile by id.
///
/// # Errors
/// `None` if there is no such profile; the profile's problems if it is broken.
pub fn bundled_profile(id: &str, catalog: &Catalog) -> Option<Result<Profile, SpecErrors>> {
    BUNDLED_PROFILES.iter().find_map(|(path, text)| {
        let stem = path.rsplit('/').next()?.strip_suffix(".toml")?;
        (stem == id).then(|| parse_profile(text, &format!("bundled:specs/{path}"), catalog))
    })
}

/// The text of a bundled 外字 table by file name.
pub fn bundled_gaiji(name: &str) -> Option<&'static str> {
    BUNDLED_GAIJI
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

impl Profile {
    /// The profile as one of its [`Profile::sources`] sees it (issue #13): `source` and the
    /// encoding are that source's; the groups it does not feed keep their items and their
    /// `sequence` rules but lose their other rules and their `when` (they read another
    /// source's items), and say whom they are fed by in [`TargetGroup::source`]. `None` if
    /// there is no source of that name.
    pub fn for_source(&self, name: &str) -> Option<Profile> {
        let decl = self.sources.iter().find(|s| s.name == name)?;
        let mut p = self.clone();
        p.source = decl.layout.clone();
        p.characters.encoding = decl.encoding.clone();
        p.sources = vec![decl.clone()];
        let fed = |g: &TargetGroup| g.source.as_deref().is_none_or(|s| s == name);
        let unfed: Vec<String> = p
            .targets
            .iter()
            .filter(|g| !fed(g))
            .map(|g| g.name.clone())
            .collect();
        let numbered = |r: &MapRule| matches!(r.source, Source::Sequence { .. });
        for g in p.targets.iter_mut().filter(|g| unfed.contains(&g.name)) {
            g.when = None;
            g.map.retain(numbered);
        }
        let of_unfed = |target: &str| {
            let group = target.split_once('.').map_or("", |(g, _)| g);
            unfed.iter().any(|u| u == group)
        };
        p.map.retain(|r| numbered(r) || !of_unfed(&r.target));
        // A group's conditions (`group.item`) are checked by the plan of its own source.
        p.conditions.retain(|c| !of_unfed(&c.target));
        Some(p)
    }

    /// The ids of the layouts the profile writes: one per group of a multi-group profile
    /// (`[[targets]]`), else its one `target`.
    pub fn target_layouts(&self) -> Vec<&str> {
        if self.targets.is_empty() {
            vec![self.target.as_str()]
        } else {
            self.targets.iter().map(|t| t.layout.as_str()).collect()
        }
    }

    /// What the profile reads and writes, for people: `legacy/a → standard/b`, with each
    /// source by name (`kojin: legacy/k + rireki: legacy/r`) and every group's layout
    /// (`standard/b + standard/c`).
    pub fn layouts_label(&self) -> String {
        let source = if self.sources.is_empty() {
            self.source.clone()
        } else {
            let named: Vec<String> = (self.sources.iter())
                .map(|s| format!("{}: {}", s.name, s.layout))
                .collect();
            named.join(" + ")
        };
        format!("{source} → {}", self.target_layouts().join(" + "))
    }

    /// The source and target layouts of this profile.
    pub fn layouts<'c>(&self, catalog: &'c Catalog) -> Option<(&'c Layout, &'c Layout)> {
        Some((catalog.layout(&self.source)?, catalog.layout(&self.target)?))
    }
}

/// "no layout `x`", with where ikou looked and what to do.
fn not_found_layout(value: &str, catalog: &Catalog) -> String {
    if value.ends_with(".toml") {
        format!("no layout file `{value}` (a path is read relative to the profile's folder)")
    } else {
        format!(
            "no layout `{value}`: {}; or name the layout file by path (`\"my-layout.toml\"`, relative to the profile)",
            catalog.looked_in()
        )
    }
}

/// Where a profile may read the files it names: its own folder and the `--specs` folders,
/// unless `allow_outside` (the CLI's `--allow-outside-specs`).
#[derive(Debug, Clone, Default)]
pub struct ProfileAccess {
    /// The `--specs` files or folders (a file stands for its folder).
    pub spec_roots: Vec<PathBuf>,
    /// Read referenced files wherever they are.
    pub allow_outside: bool,
}

/// Resolves `value` (a path written in the profile) against the profile's folder `dir` and
/// checks that it stays inside `dir` or a `--specs` folder (after following symlinks).
/// Returns the canonical path, or why not and whether the file is missing.
fn resolve_in(value: &str, dir: &Path, access: &ProfileAccess) -> Result<PathBuf, (bool, String)> {
    let joined = dir.join(value);
    let canonical = joined.canonicalize().map_err(|e| {
        let looked = std::path::absolute(&joined).unwrap_or(joined.clone());
        let msg = format!(
            "`{value}`: {} (looked for {}; a path in a profile is relative to the profile's folder)",
            if e.kind() == std::io::ErrorKind::NotFound {
                "no such file".to_string()
            } else {
                e.to_string()
            },
            looked.display()
        );
        (e.kind() == std::io::ErrorKind::NotFound, msg)
    })?;
    if access.allow_outside {
        return Ok(canonical);
    }
    let mut roots = vec![dir.to_path_buf()];
    for r in &access.spec_roots {
        roots.push(if r.is_file() {
            r.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            r.clone()
        });
    }
    let inside = roots.iter().any(|r| {
        let r = if r.as_os_str().is_empty() {
            Path::new(".")
        } else {
            r.as_path()
        };
        r.canonicalize().is_ok_and(|r| canonical.starts_with(r))
    });
    if inside {
        Ok(canonical)
    } else {
        Err((false, format!(
            "`{value}` is outside the profile's folder and the --specs folders ({}): refused, not read (use --allow-outside-specs to allow it)",
            canonical.display()
        )))
    }
}

/// Loads a profile file: the files it names by path — layouts (`source`/`target` ending in
/// `.toml`), code tables (`label`/`translate` ending in `.csv`) and the 外字 table — are
/// resolved against the profile's folder, must lie inside it or a `--specs` folder (unless
/// [`ProfileAccess::allow_outside`]), and are loaded into `catalog`; then the profile is
/// parsed and checked as [`parse_profile`] does. The returned profile names its layouts by
/// id and its 外字 table by its resolved path (or a bundled table's name).
///
/// No error quotes the content of a referenced file.
///
/// # Errors
/// Every problem of the profile and of the files it names, with positions.
pub fn load_profile_file(
    path: &Path,
    catalog: &mut Catalog,
    access: &ProfileAccess,
) -> Result<Profile, SpecErrors> {
    let file = path.display().to_string();
    let one = |line: Option<usize>, kind: SpecErrorKind| SpecError {
        position: SpecPosition {
            file: file.clone(),
            line,
            item: None,
        },
        kind,
    };
    let text = crate::catalog::read_spec_file(path)
        .map_err(|e| SpecErrors(vec![one(None, SpecErrorKind::io(e))]))?;
    let raw: RawProfile = match toml::from_str(&text) {
        Ok(r) => r,
        // The syntax error, with its position.
        Err(_) => return parse_profile(&text, &file, catalog),
    };
    let line_of = |byte: usize| text.get(..byte).map(|t| t.matches('\n').count() + 1);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut errors = Vec::new();
    let mut aliases = BTreeMap::new();
    let layout_fields = raw
        .source
        .iter()
        .map(|s| ("source", s))
        .chain(
            raw.sources
                .iter()
                .map(|s| ("sources.layout", &s.get_ref().layout)),
        )
        .chain(raw.target.iter().map(|t| ("target", t)))
        .chain(
            raw.targets
                .iter()
                .map(|t| ("targets.layout", &t.get_ref().layout)),
        );
    for (field, v) in layout_fields {
        let value = v.get_ref();
        if !value.ends_with(".toml") {
            continue;
        }
        let line = line_of(v.span().start);
        let bad = |message: String| SpecErrorKind::InvalidField {
            field: field.into(),
            message,
        };
        let known = resolve_in(value, &dir, access)
            .ok()
            .and_then(|p| catalog.layout_from_file(&p))
            .map(|l| l.id.clone());
        if let Some(id) = known {
            aliases.insert(value.clone(), id);
            continue;
        }
        match resolve_in(value, &dir, access) {
            Err((_, m)) => errors.push(one(line, bad(m))),
            Ok(p) => match crate::catalog::read_spec_file(&p) {
                Err(e) => errors.push(one(line, bad(format!("`{value}`: {e}")))),
                Ok(t) => match catalog.add_layout_text(&t, &p.display().to_string()) {
                    Ok(l) => {
                        aliases.insert(value.clone(), l.id.clone());
                    }
                    Err(e) => errors.extend(e.0),
                },
            },
        }
    }
    let all_maps = raw
        .map
        .iter()
        .chain(raw.targets.iter().flat_map(|t| t.get_ref().map.iter()));
    for m in all_maps {
        let line = line_of(m.span().start);
        let r = m.get_ref();
        for table in [&r.label, &r.translate].into_iter().flatten() {
            if !table.ends_with(".csv") || catalog.code_table(table).is_some() {
                continue;
            }
            let bad = |message: String| SpecErrorKind::InvalidField {
                field: "map".into(),
                message,
            };
            match resolve_in(table, &dir, access) {
                Err((_, msg)) => errors.push(one(line, bad(msg))),
                Ok(p) => match crate::catalog::read_spec_file(&p) {
                    Err(e) => errors.push(one(line, bad(format!("`{table}`: {e}")))),
                    Ok(t) => {
                        if let Err(e) =
                            catalog.add_code_table_text(&t, table, &p.display().to_string())
                        {
                            errors.extend(e.0);
                        }
                    }
                },
            }
        }
    }
    let mut gaiji_resolved = None;
    if let Some(name) = &raw.characters.gaiji_table {
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("gaiji_table"))
            .map(|i| i + 1);
        let bundled = bundled_gaiji(name).is_some();
        let bad = |message: String| SpecErrorKind::InvalidField {
            field: "characters.gaiji_table".into(),
            message,
        };
        if dir.join(name).exists() || !bundled {
            match resolve_in(name, &dir, access) {
                Ok(p) => gaiji_resolved = Some(p.display().to_string()),
                Err((missing, m)) if bundled || !missing => errors.push(one(line, bad(m))),
                Err((_, m)) => {
                    let names: Vec<&str> = BUNDLED_GAIJI.iter().map(|(n, _)| *n).collect();
                    errors.push(one(
                        line,
                        bad(format!(
                            "{m}; nor is it a bundled table ({})",
                            names.join(", ")
                        )),
                    ));
                }
            }
        }
    }
    match parse_profile_with(&text, &file, catalog, &aliases, gaiji_resolved) {
        Ok(p) if errors.is_empty() => Ok(p),
        Ok(_) => Err(SpecErrors(errors)),
        Err(e) => {
            // A path already reported above is not reported again as an unknown layout
            // or table.
            let reported: Vec<Option<usize>> = errors.iter().map(|x| x.position.line).collect();
            errors.extend(e.0.into_iter().filter(|x| {
                let again = match &x.kind {
                    SpecErrorKind::InvalidField { field, .. } => {
                        field == "source"
                            || field == "target"
                            || field == "targets.layout"
                            || field == "sources.layout"
                    }
                    SpecErrorKind::MissingCodeTable(_) => true,
                    _ => false,
                };
                !(again && reported.contains(&x.position.line))
            }));
            Err(SpecErrors(errors))
        }
    }
}

/// Checks `[conditions]` (or a group's `[targets.conditions]`) against `target`, the layout
/// whose items they name (`None`: not found, reported elsewhere).
fn check_conditions(
    raw: &BTreeMap<String, Spanned<String>>,
    target: Option<&Layout>,
    err: &mut dyn FnMut(usize, Option<&str>, SpecErrorKind),
) -> Vec<ConditionRule> {
    let mut conditions = Vec::new();
    for (key, expr) in raw {
        let at = expr.span().start;
        let bad = |message: String| SpecErrorKind::InvalidField {
            field: "conditions".into(),
            message,
        };
        let item = target.and_then(|t| t.item(key));
        if target.is_some() && item.is_none() {
            err(
                at,
                Some(key),
                bad(format!("target layout has no item `{key}`")),
            );
            continue;
        }
        if let Some(item) = item.filter(|i| i.required) {
            err(
                at,
                Some(key),
                bad(format!(
                    "`{key}` ({}) is 必須 (required) in the target layout: a condition applies to 条件付き必須 or optional items",
                    item.name
                )),
            );
            continue;
        }
        match Condition::parse(expr.get_ref()) {
            Err(e) => err(
                at,
                Some(key),
                bad(format!(
                    "the condition of `{key}`, {e} (see specs/README.md, \"Conditions\")"
                )),
            ),
            Ok(c) => {
                let mut ok = true;
                if let Some(t) = target {
                    for k in c.items() {
                        if t.item(k).is_none() {
                            ok = false;
                            err(
                                at,
                                Some(key),
                                bad(format!(
                                    "the condition of `{key}` reads `{k}`, which the target layout does not have"
                                )),
                            );
                        }
                    }
                }
                if ok {
                    conditions.push(ConditionRule {
                        target: key.clone(),
                        expression: expr.get_ref().clone(),
                        condition: c,
                    });
                }
            }
        }
    }
    if let Some(t) = target {
        conditions.sort_by_key(|r| t.item_index(&r.target));
    }
    conditions
}

/// A group's condition with its item keys prefixed by the group's name (`jumin.x`), as the
/// group's items are in the profile's combined target.
fn prefix_rule(rule: ConditionRule, group: &str) -> ConditionRule {
    fn prefix(c: Condition, g: &str) -> Condition {
        let p = |k: String| format!("{g}.{k}");
        match c {
            Condition::Empty(k) => Condition::Empty(p(k)),
            Condition::Present(k) => Condition::Present(p(k)),
            Condition::Eq(k, v) => Condition::Eq(p(k), v),
            Condition::Ne(k, v) => Condition::Ne(p(k), v),
            Condition::Not(c) => Condition::Not(Box::new(prefix(*c, g))),
            Condition::And(v) => Condition::And(v.into_iter().map(|c| prefix(c, g)).collect()),
            Condition::Or(v) => Condition::Or(v.into_iter().map(|c| prefix(c, g)).collect()),
        }
    }
    ConditionRule {
        target: format!("{group}.{}", rule.target),
        expression: rule.expression,
        condition: prefix(rule.condition, group),
    }
}

/// Checks one target's mapping rules against its source and target layouts and returns them
/// in target item order; a required target item without a rule is an error.
fn check_rules(
    raw: &[Spanned<RawMap>],
    source: Option<&Layout>,
    target: Option<&Layout>,
    catalog: &Catalog,
    err: &mut dyn FnMut(usize, Option<&str>, SpecErrorKind),
) -> Vec<MapRule> {
    let mut rules: Vec<(usize, MapRule)> = Vec::new();
    for m in raw {
        let at = m.span().start;
        let r = m.get_ref();
        let t = Some(r.target.as_str());
        let kinds = [
            r.from.is_some() && r.label.is_none() && r.translate.is_none() && r.split.is_none(),
            r.constant.is_some(),
            r.label.is_some(),
            r.translate.is_some(),
            r.join.is_some(),
            r.split.is_some(),
            r.sequence.is_some(),
        ];
        let n = kinds.iter().filter(|k| **k).count();
        let bad = |message: &str| SpecErrorKind::InvalidField {
            field: "map".into(),
            message: message.to_string(),
        };
        if n != 1 {
            err(
                at,
                t,
                bad("a rule needs exactly one of: from, const, from+label, from+translate, join, from+split, sequence"),
            );
            continue;
        }
        let need_from = || r.from.clone();
        let source_kind = if let Some(q) = &r.sequence {
            if let Some(target) = target {
                // An order item may be descending: `-ido_date`.
                let order = q.order.iter().map(|k| k.strip_prefix('-').unwrap_or(k));
                for k in q.key.iter().map(String::as_str).chain(order) {
                    if target.item(k).is_none() {
                        err(
                            at,
                            t,
                            bad(&format!("sequence: target layout has no item `{k}`")),
                        );
                    } else if k == r.target {
                        err(
                            at,
                            t,
                            bad("sequence: the numbered item cannot be its own key or order"),
                        );
                    }
                }
            }
            if q.key.is_empty() {
                err(at, t, bad("sequence: `key` names at least one target item"));
            }
            Some(Source::Sequence {
                key: q.key.clone(),
                order: q.order.clone(),
            })
        } else if let Some(c) = &r.constant {
            Some(Source::Const { value: c.clone() })
        } else if let Some(keys) = &r.join {
            Some(Source::Join {
                keys: keys.clone(),
                sep: r.sep.clone().unwrap_or_default(),
            })
        } else if let Some(table) = &r.label {
            need_from().map(|key| Source::Label {
                key,
                table: table.clone(),
            })
        } else if let Some(table) = &r.translate {
            need_from().map(|key| Source::Translate {
                key,
                table: table.clone(),
            })
        } else if let Some(index) = r.split {
            match (need_from(), &r.sep) {
                (Some(key), Some(sep)) if !sep.is_empty() => Some(Source::Split {
                    key,
                    sep: sep.clone(),
                    index,
                }),
                _ => None,
            }
        } else {
            need_from().map(|key| Source::Item { key })
        };
        let Some(src) = source_kind else {
            err(at, t, bad("this rule needs `from` (and `sep` for split)"));
            continue;
        };
        if let Some(source) = source {
            for k in src.keys() {
                if source.item(k).is_none() {
                    err(at, t, bad(&format!("source layout has no item `{k}`")));
                }
            }
        }
        if let Source::Label { table, .. } | Source::Translate { table, .. } = &src {
            if catalog.code_table(table).is_none() {
                err(at, t, SpecErrorKind::MissingCodeTable(table.clone()));
            }
        }
        if let Some(target) = target {
            if target.item(&r.target).is_none() {
                err(
                    at,
                    t,
                    bad(&format!("target layout has no item `{}`", r.target)),
                );
            }
        }
        if rules.iter().any(|(_, x)| x.target == r.target) {
            err(at, t, bad("a second rule for the same target item"));
        }
        rules.push((
            at,
            MapRule {
                target: r.target.clone(),
                source: src,
            },
        ));
    }
    let mut map = Vec::new();
    if let Some(target) = target {
        for item in &target.items {
            match rules.iter().find(|(_, r)| r.target == item.key) {
                Some((_, r)) => map.push(r.clone()),
                None if item.required => err(
                    0,
                    Some(&item.key),
                    SpecErrorKind::InvalidField {
                        field: "map".into(),
                        message: format!(
                            "required target item `{}` ({}) has no mapping rule",
                            item.key, item.name
                        ),
                    },
                ),
                None => {}
            }
        }
    }
    map
}
