//! A run's plan: the profile resolved against its layouts and tables, and the per-record
//! work — slice, decode, cleanse, map, validate — as a pure function of one record.

pub use crate::reason::Reason;
use crate::reason::ReasonKind;
use crate::sink::{Change, Row};
use ikou_cleanse::change::RuleId;
use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, DecodeIssue, DecodeIssueKind, NotText};
use ikou_cleanse::frame::{Decoded, RawRecord, SliceProblem, Slicer};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_cleanse::rules::{cleanse, cleanse_unpadded, RuleOptions};
use ikou_layout_spec::import::official::{check_form, FormProblem};
use ikou_layout_spec::profile::Source;
use ikou_layout_spec::{Catalog, CodeTable, DateForm, DomainType, Item, Layout, Profile};
use std::collections::HashMap;

/// Why a plan could not be made: a variant per failure, each naming the profile, group,
/// item or table concerned; the one with a cause ([`PlanError::NotText`]) keeps it as its
/// [`source`](std::error::Error::source). The message says it all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The profile's source or target layout is not in the catalog.
    #[error("profile `{profile}`: layouts not found")]
    Layouts {
        /// The profile's id.
        profile: String,
    },
    /// A group's layout is not in the catalog.
    #[error("profile `{profile}`: layout `{layout}` not found")]
    GroupLayout {
        /// The profile's id.
        profile: String,
        /// The layout's id.
        layout: String,
    },
    /// More groups than a run writes.
    #[error("profile `{profile}`: {groups} groups, at most {max}")]
    TooManyGroups {
        /// The profile's id.
        profile: String,
        /// Its number of groups.
        groups: usize,
        /// The most a run writes.
        max: usize,
    },
    /// A group's file has the name of another file of a run (`rejects.csv`, …).
    #[error("group `{group}`: its file `{file}` is the name of another file of a run")]
    ReservedFile {
        /// The group.
        group: String,
        /// Its file.
        file: String,
    },
    /// A group's condition (`when`) reads an item the source layout does not have.
    #[error("group `{group}`: source layout has no item `{item}`")]
    GroupSourceItem {
        /// The group.
        group: String,
        /// The item.
        item: String,
    },
    /// A group's foreign key is not the primary key of the group it refers to.
    #[error(
        "group `{group}`: its foreign key to `{parent_layout}` ({keys}) is not the primary key of group `{parent}` ({parent_keys}), nor that key without its numbered item"
    )]
    ForeignKey {
        /// The group.
        group: String,
        /// The layout its foreign key names.
        parent_layout: String,
        /// Its foreign key items, comma-separated.
        keys: String,
        /// The group of that layout.
        parent: String,
        /// That group's primary key items, comma-separated.
        parent_keys: String,
    },
    /// A code table the profile or a layout names is not in the catalog.
    #[error("code table `{0}` not found")]
    CodeTable(String),
    /// The profile's encoding is not one ikou knows.
    #[error("profile `{profile}`: unknown encoding `{encoding}`")]
    UnknownEncoding {
        /// The profile's id.
        profile: String,
        /// The encoding as written.
        encoding: String,
    },
    /// The profile's encoding is not a text encoding (`binary`, `unknown`): the cause is the
    /// source.
    #[error("{0}")]
    NotText(#[from] NotText),
    /// A mapping rule reads an item the source layout does not have.
    #[error("source layout has no item `{0}`")]
    SourceItem(String),
    /// A rule (`sequence`, `checks`, `conditions`) names an item the target layout does not
    /// have.
    #[error("{rule}: target layout has no item `{item}`")]
    TargetItem {
        /// The rule: `sequence`, `checks` or `conditions`.
        rule: &'static str,
        /// The item.
        item: String,
    },
    /// A sequence's key or order item is not an item of its own group.
    #[error("sequence `{0}`: its key and order items are items of its own group")]
    SequenceGroup(String),
    /// A sequence with more than two order items.
    #[error("sequence `{0}`: at most two order items")]
    SequenceOrder(String),
    /// A numbered item is the key or order of another sequence.
    #[error("sequence: a numbered item cannot be the key or order of another")]
    SequenceOfSequence,
    /// A primary key holds a numbered item whose sequence key is not the rest of it.
    #[error(
        "group `{group}`: its primary key holds the numbered item `{item}`, whose sequence key must be the rest of the primary key ({rest})"
    )]
    NumberedKey {
        /// The group.
        group: String,
        /// The numbered item.
        item: String,
        /// The rest of the primary key, comma-separated.
        rest: String,
    },
    /// A profile with several sources given to [`Plan::new`]: each source has its own plan
    /// ([`crate::sources::SourcePlans`]).
    #[error(
        "profile `{profile}` reads {count} sources ({sources}): its records are processed by one plan per source (ikou_convert::sources::SourcePlans)"
    )]
    SeveralSources {
        /// The profile's id.
        profile: String,
        /// The number of sources.
        count: usize,
        /// Their names, comma-separated.
        sources: String,
    },
    /// A source of the profile has no layout in the catalog.
    #[error("profile `{profile}`: no source `{source_name}`")]
    NoSource {
        /// The profile's id.
        profile: String,
        /// The source's name.
        source_name: String,
    },
    /// The plan of one source of a several-source profile failed: the cause is the source.
    #[error("source `{source_name}`: {error}")]
    Source {
        /// The source's name.
        source_name: String,
        /// Why its plan failed.
        #[source]
        error: Box<PlanError>,
    },
    /// A condition (条件付き必須) reads an item the target layout does not have.
    #[error(
        "conditions: the condition of `{target}` reads `{item}`, which the target layout does not have"
    )]
    ConditionItem {
        /// The conditional item.
        target: String,
        /// The item its condition reads.
        item: String,
    },
}

/// How a target item's value is made, with names resolved to indices.
#[derive(Debug, Clone)]
enum Resolved {
    None,
    Item(usize),
    Const(String),
    Label(usize, usize),
    Translate(usize, usize),
    Join(Vec<usize>, String),
    Split(usize, String, usize),
    /// Numbered by the run (see [`Plan::sequences`]).
    Sequence,
}

/// A numbered target item (履歴番号, issue #13): numbers per key, in order, given by the run
/// from pass 1's sort.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// The numbered item (index in [`Plan::target`]).
    pub target: usize,
    /// Its group (index in [`Plan::groups`]).
    pub group: usize,
    /// The key items (indices in [`Plan::target`]).
    pub key: Vec<usize>,
    /// The order items (indices in [`Plan::target`]; at most two).
    pub order: Vec<usize>,
    /// Per order item, whether it orders descending (`order = ["-ido_date"]`).
    pub descending: Vec<bool>,
}

/// An order value as a number: its digits, padded on the right to 8 (a partial date
/// `1990-01` → `19900100`), at most 18 of them, plus one; an empty value is 0 (first).
pub(crate) fn order_number(v: Option<&str>) -> u64 {
    let mut digits: String = v
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .take(18)
        .collect();
    if digits.is_empty() {
        return 0;
    }
    while digits.len() < 8 {
        digits.push('0');
    }
    digits.parse::<u64>().map_or(u64::MAX, |n| n + 1)
}

/// The occurrences of one 外字 code in one item of a record (issue #18: one hit per
/// (item, code), however many times the code occurs there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaijiHit {
    /// The legacy code (0xF040).
    pub code: u16,
    /// The source item index.
    pub item: usize,
    /// Whether the table mapped it.
    pub mapped: bool,
    /// How many times it occurs in the item (at least 1): gaiji.csv and the manifest count
    /// every occurrence.
    pub count: u64,
}

/// Which item a change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRef {
    /// A source item (by index): cleansing of the decoded legacy value.
    Source(usize),
    /// A target item (by index): the target's own form (a date written as YYYYMMDD).
    Target(usize),
}

/// One change made to one item of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeOut {
    /// The item.
    pub item: ItemRef,
    /// The rule id.
    pub rule: &'static str,
    /// The value before the rule.
    pub before: String,
    /// The value after the rule.
    pub after: String,
}

/// What became of one record.
#[derive(Debug, Clone, Default)]
pub struct Processed {
    /// 1-based data-record number in the run.
    pub record: u64,
    /// Byte offset of the record in its file.
    pub offset: u64,
    /// The decoded source values (before cleansing), one per source item.
    pub before: Vec<Option<String>>,
    /// The target values, one per target item.
    pub after: Vec<Option<String>>,
    /// Why the record is rejected (empty: it is converted).
    pub reasons: Vec<Reason>,
    /// The changes cleansing made (item keys are source keys).
    pub changes: Vec<ChangeOut>,
    /// Flags on kept values, by kind id.
    pub findings: Vec<&'static str>,
    /// 外字 found: one hit per (item, code), with its count of occurrences.
    pub gaiji: Vec<GaijiHit>,
    /// The record's raw bytes.
    pub raw: Vec<u8>,
    /// Items whose fixed-length padding was removed.
    pub padding_stripped: u32,
    /// The output groups that get no row from this record (bit `g` for
    /// [`Plan::groups`]`[g]`; a group's `when` did not hold). 0: a row in every group.
    pub skipped: u64,
}

impl Processed {
    /// Whether the record is rejected.
    pub fn rejected(&self) -> bool {
        !self.reasons.is_empty()
    }

    /// Whether the record gives a row in group `g` (when it is not rejected).
    pub fn has_row(&self, g: usize) -> bool {
        self.after_row().has_row(g)
    }

    /// The record as a row of the target layout (what a sink and `after.*` are handed).
    pub fn after_row(&self) -> Row<'_> {
        Row {
            record: self.record,
            offset: self.offset,
            values: &self.after,
            raw: None,
            skipped: self.skipped,
        }
    }

    /// The record as a row of the source layout, with its raw bytes (`before.*`).
    pub fn before_row(&self) -> Row<'_> {
        Row {
            record: self.record,
            offset: self.offset,
            values: &self.before,
            raw: Some(&self.raw),
            skipped: self.skipped,
        }
    }
}

/// The most output groups a profile may have.
pub const MAX_GROUPS: usize = 64;

/// One output group of a plan (issue #13): a target layout written to its own file. A
/// single-target profile has one group, the whole target.
#[derive(Debug, Clone)]
pub struct Group {
    /// The group's name (`kojin`; for a single target, the layout id's last part).
    pub name: String,
    /// Its output file name (`kojin.csv`; for a single target, [`data_csv_name`]).
    ///
    /// [`data_csv_name`]: crate::output::data_csv_name
    pub file: String,
    /// Its own layout (item keys as in the layout, unprefixed).
    pub layout: Layout,
    /// Its items in [`Plan::target`] (the concatenation of every group's items).
    pub range: std::ops::Range<usize>,
    /// Which records give a row: (source item index, value).
    when: Option<(usize, String)>,
    /// Its primary key: indices in [`Plan::target`] (the layout's `primary_key` items).
    pub primary_key: Vec<usize>,
    /// Its foreign keys: (the referenced group's index, indices in [`Plan::target`] in the
    /// order of that group's [`Group::referenced_key`]).
    pub foreign_keys: Vec<(usize, Vec<usize>)>,
    /// The items other groups' foreign keys refer to: its primary key, or, when the primary
    /// key holds a numbered item (履歴番号), the rest of it (宛名番号: a foreign key then
    /// refers to any history row of that key).
    pub referenced_key: Vec<usize>,
}

/// The key of a row for the key checks: the values of `items` (all present), as one `u64`
/// ([`key_of`]; a composite key joins its values with U+001F first).
pub(crate) fn row_key(items: &[usize], values: &[Option<String>]) -> Option<u64> {
    match items {
        [] => None,
        [i] => values.get(*i)?.as_deref().map(key_of),
        _ => {
            // `key_of` of the values joined by U+001F, joined on the stack (the streaming
            // hasher, which gives the same hash, past 256 bytes): the test
            // `row_key_hashes_the_joined_values`.
            let mut buf = [0u8; 256];
            let mut len = 0;
            let mut long: Option<xxhash_rust::xxh3::Xxh3> = None;
            for (n, i) in items.iter().enumerate() {
                let v = values.get(*i)?.as_deref()?;
                for part in [if n > 0 { &[0x1f][..] } else { &[][..] }, v.as_bytes()] {
                    match (&mut long, buf.get_mut(len..len + part.len())) {
                        (None, Some(dst)) => {
                            dst.copy_from_slice(part);
                            len += part.len();
                        }
                        (None, None) => {
                            let mut h = xxhash_rust::xxh3::Xxh3::new();
                            h.update(buf.get(..len).unwrap_or(&[]));
                            h.update(part);
                            long = Some(h);
                        }
                        (Some(h), _) => h.update(part),
                    }
                }
            }
            Some(hashed_key(match long {
                Some(h) => h.digest(),
                None => xxhash_rust::xxh3::xxh3_64(buf.get(..len).unwrap_or(&[])),
            }))
        }
    }
}

fn status_rank(s: ikou_layout_spec::Status) -> u8 {
    use ikou_layout_spec::Status;
    match s {
        Status::Synthetic => 0,
        Status::UnverifiedTranscription => 1,
        Status::OfficialImport => 2,
        Status::Verified => 3,
    }
}

/// The groups of a profile and the target layout they make together: for a multi-group
/// profile, every group's items in group order, keys prefixed with the group's name.
fn resolve_groups(
    catalog: &Catalog,
    profile: &Profile,
    single: &Layout,
    source: &Layout,
) -> Result<(Layout, Vec<Group>), PlanError> {
    let mut groups = Vec::new();
    let target = if profile.targets.is_empty() {
        groups.push(Group {
            name: single.id.rsplit('/').next().unwrap_or("output").to_string(),
            file: crate::output::data_csv_name(single),
            layout: single.clone(),
            range: 0..single.items.len(),
            when: None,
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            referenced_key: Vec::new(),
        });
        single.clone()
    } else {
        if profile.targets.len() > MAX_GROUPS {
            return Err(PlanError::TooManyGroups {
                profile: profile.id.clone(),
                groups: profile.targets.len(),
                max: MAX_GROUPS,
            });
        }
        let mut combined = single.clone();
        combined.items.clear();
        let mut ids = Vec::new();
        let mut names = Vec::new();
        for t in &profile.targets {
            let layout = catalog
                .layout(&t.layout)
                .ok_or_else(|| PlanError::GroupLayout {
                    profile: profile.id.clone(),
                    layout: t.layout.clone(),
                })?;
            if crate::output::RunFile::from_name(&t.file).is_some() {
                return Err(PlanError::ReservedFile {
                    group: t.name.clone(),
                    file: t.file.clone(),
                });
            }
            if status_rank(layout.status) < status_rank(combined.status) {
                combined.status = layout.status;
            }
            let start = combined.items.len();
            for item in &layout.items {
                let mut item = item.clone();
                item.key = format!("{}.{}", t.name, item.key);
                combined.items.push(item);
            }
            let when = match &t.when {
                None => None,
                Some(w) => Some((
                    source
                        .item_index(&w.from)
                        .ok_or_else(|| PlanError::GroupSourceItem {
                            group: t.name.clone(),
                            item: w.from.clone(),
                        })?,
                    w.equals.clone(),
                )),
            };
            ids.push(layout.id.clone());
            names.push(layout.name.clone());
            groups.push(Group {
                name: t.name.clone(),
                file: t.file.clone(),
                layout: layout.clone(),
                range: start..combined.items.len(),
                when,
                primary_key: Vec::new(),
                foreign_keys: Vec::new(),
                referenced_key: Vec::new(),
            });
        }
        combined.id = ids.join(" + ");
        combined.name = names.join(" + ");
        combined
    };
    // Keys from the layouts: primary keys, and foreign keys to groups of this run.
    let official = |it: &Item| {
        it.official
            .as_ref()
            .map(|o| (o.primary_key, o.foreign_key.clone()))
    };
    for g in 0..groups.len() {
        let Some(group) = groups.get(g) else { continue };
        let start = group.range.start;
        let pk: Vec<usize> = group
            .layout
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| official(it).is_some_and(|(p, _)| p))
            .map(|(i, _)| start + i)
            .collect();
        let mut parents: Vec<String> = Vec::new();
        for it in &group.layout.items {
            if let Some((_, Some(f))) = official(it) {
                if !parents.contains(&f) {
                    parents.push(f);
                }
            }
        }
        let mut fks = Vec::new();
        for parent_id in parents {
            // A foreign key to a group this run does not write is not checked.
            let Some(pg) = groups.iter().position(|x| x.layout.id == parent_id) else {
                continue;
            };
            let Some(parent) = groups.get(pg) else {
                continue;
            };
            let child: Vec<&Item> = group
                .layout
                .items
                .iter()
                .filter(|it| official(it).is_some_and(|(_, f)| f.as_deref() == Some(&parent_id)))
                .collect();
            let parent_pk: Vec<&Item> = parent
                .layout
                .items
                .iter()
                .filter(|it| official(it).is_some_and(|(p, _)| p))
                .collect();
            let mut idx = Vec::new();
            for p in &parent_pk {
                match group.layout.item_index(&p.key) {
                    Some(i) if child.iter().any(|c| c.key == p.key) => idx.push(start + i),
                    _ => {}
                }
            }
            // A foreign key over part of the parent's primary key is kept here: Plan::new
            // allows it only when the rest is the parent's numbered item (履歴番号).
            if parent_pk.is_empty() || idx.is_empty() || child.len() != idx.len() {
                let keys = |v: &[&Item]| {
                    v.iter()
                        .map(|i| i.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(PlanError::ForeignKey {
                    group: group.name.clone(),
                    parent_layout: parent_id,
                    keys: keys(&child),
                    parent: parent.name.clone(),
                    parent_keys: keys(&parent_pk),
                });
            }
            fks.push((pg, idx));
        }
        if let Some(group) = groups.get_mut(g) {
            group.referenced_key = pk.clone();
            group.primary_key = pk;
            group.foreign_keys = fks;
        }
    }
    Ok((target, groups))
}

/// The profile resolved against its layouts and tables, ready to process records.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The profile.
    pub profile: Profile,
    /// The source layout.
    pub source: Layout,
    /// The target layout (for a multi-group profile, every group's items, keys prefixed
    /// with the group's name: `kojin.atena_no`).
    pub target: Layout,
    /// The output groups (one for a single-target profile).
    pub groups: Vec<Group>,
    /// The numbered items (`sequence` rules).
    pub sequences: Vec<Sequence>,
    chars: CharProfile,
    item_opts: Vec<RuleOptions>,
    map: Vec<Resolved>,
    tables: Vec<CodeTable>,
    target_tables: Vec<Option<usize>>,
    /// For each source item, whether any target value reads it.
    needed: Vec<bool>,
    /// For each source item, whether a cross-record check reads it.
    check_needed: Vec<bool>,
    /// For each target item, whether a cross-record check reads it (pass 1 maps only those).
    check_targets: Vec<bool>,
    /// For each source item, how many mapping rules read it.
    uses: Vec<u32>,
    /// Whether the decoded source values are kept.
    keep_before: bool,
    /// For each target item: the date form it is written in, when not ISO 8601.
    target_dates: Vec<Option<DateForm>>,
    /// For each target item, whether it allows a 不詳日 ([`Item::allows_unknown_date`],
    /// looked up once, not per record).
    unknown_dates: Vec<bool>,
    /// The profile's conditions of 条件付き必須 items, with their target indices.
    conditions: Vec<(usize, ikou_layout_spec::profile::ConditionRule)>,
    /// The groups another source feeds (bit `g`): never a row from this plan's records
    /// (a profile's plan for one of its `[[sources]]`, see `crate::sources`).
    unfed: u64,
    /// The target indices of each `checks.not_after` pair, looked up once.
    date_order: Vec<(Option<usize>, Option<usize>)>,
    /// The target indices the cross-record checks read ([`check_indices`]), looked up once,
    /// not per record.
    check_index: CheckIndex,
}

/// The target indices of the profile's `checks.unique` items, and of its household check's
/// (key, head item).
pub(crate) type CheckIndex = (Vec<usize>, Option<(usize, usize)>);

fn table_index(
    tables: &mut Vec<CodeTable>,
    catalog: &Catalog,
    name: &str,
) -> Result<usize, PlanError> {
    if let Some(i) = tables.iter().position(|t| t.name == name) {
        return Ok(i);
    }
    let t = catalog
        .code_table(name)
        .ok_or_else(|| PlanError::CodeTable(name.to_string()))?;
    tables.push(t.clone());
    Ok(tables.len() - 1)
}

impl Plan {
    /// Resolves `profile` against `catalog`, with the 外字 table already loaded.
    ///
    /// # Errors
    /// A layout, item or table the profile names does not exist; the source encoding is not
    /// a text encoding.
    pub fn new(catalog: &Catalog, profile: Profile, gaiji: GaijiTable) -> Result<Plan, PlanError> {
        if profile.sources.len() > 1 {
            let names: Vec<&str> = profile.sources.iter().map(|s| s.name.as_str()).collect();
            return Err(PlanError::SeveralSources {
                profile: profile.id.clone(),
                count: names.len(),
                sources: names.join(", "),
            });
        }
        // A plan for one of several sources: the groups another source feeds get no row.
        let mut unfed = 0u64;
        if let Some(me) = profile.sources.first() {
            for (g, t) in profile.targets.iter().enumerate().take(MAX_GROUPS) {
                if t.source.as_deref().is_some_and(|s| s != me.name) {
                    unfed |= 1u64 << g;
                }
            }
        }
        let (source, single) = profile
            .layouts(catalog)
            .map(|(s, t)| (s.clone(), t.clone()))
            .ok_or_else(|| PlanError::Layouts {
                profile: profile.id.clone(),
            })?;
        let (target, groups) = resolve_groups(catalog, &profile, &single, &source)?;
        let charset = Charset::from_label(&profile.characters.encoding).ok_or_else(|| {
            PlanError::UnknownEncoding {
                profile: profile.id.clone(),
                encoding: profile.characters.encoding.clone(),
            }
        })?;
        let chars = CharProfile::new(charset)?
            .with_gaiji(gaiji)
            .with_unmapped(profile.characters.unmapped_gaiji)
            .with_variants(profile.characters.variants);
        let base = RuleOptions {
            date_policy: profile.date_policy,
            variant_policy: profile.characters.variants,
            ..RuleOptions::default()
        };
        let item_opts = source.items.iter().map(|i| base.for_item(i)).collect();
        let idx = |key: &str| {
            source
                .item_index(key)
                .ok_or_else(|| PlanError::SourceItem(key.to_string()))
        };
        let mut tables = Vec::new();
        let mut sequences: Vec<Sequence> = Vec::new();
        let mut groups = groups;
        let mut map = Vec::with_capacity(target.items.len());
        let mut needed = vec![false; source.items.len()];
        for item in &target.items {
            let rule = profile.map.iter().find(|r| r.target == item.key);
            let resolved = match rule.map(|r| &r.source) {
                None => Resolved::None,
                Some(Source::Item { key }) => Resolved::Item(idx(key)?),
                Some(Source::Const { value }) => Resolved::Const(value.clone()),
                Some(Source::Label { key, table }) => {
                    Resolved::Label(idx(key)?, table_index(&mut tables, catalog, table)?)
                }
                Some(Source::Translate { key, table }) => {
                    Resolved::Translate(idx(key)?, table_index(&mut tables, catalog, table)?)
                }
                Some(Source::Join { keys, sep }) => Resolved::Join(
                    keys.iter().map(|k| idx(k)).collect::<Result<_, _>>()?,
                    sep.clone(),
                ),
                Some(Source::Split { key, sep, index }) => {
                    Resolved::Split(idx(key)?, sep.clone(), *index as usize)
                }
                Some(Source::Sequence { key, order }) => {
                    let t = |k: &String| {
                        let k = k.strip_prefix('-').unwrap_or(k);
                        target.item_index(k).ok_or_else(|| PlanError::TargetItem {
                            rule: "sequence",
                            item: k.to_string(),
                        })
                    };
                    let me = target.item_index(&item.key).unwrap_or(0);
                    let group = groups
                        .iter()
                        .position(|g| g.range.contains(&me))
                        .unwrap_or(0);
                    let key = key.iter().map(t).collect::<Result<Vec<_>, _>>()?;
                    let order_spec = order;
                    let order = order.iter().map(t).collect::<Result<Vec<_>, _>>()?;
                    let range = groups.get(group).map(|g| g.range.clone()).unwrap_or(0..0);
                    if key.iter().chain(&order).any(|i| !range.contains(i)) {
                        return Err(PlanError::SequenceGroup(item.key.clone()));
                    }
                    if order.len() > 2 {
                        return Err(PlanError::SequenceOrder(item.key.clone()));
                    }
                    sequences.push(Sequence {
                        target: me,
                        group,
                        key,
                        order,
                        descending: order_spec.iter().map(|k| k.starts_with('-')).collect(),
                    });
                    Resolved::Sequence
                }
            };
            if let Some(r) = rule {
                for k in r.source.keys() {
                    if let Some(i) = source.item_index(k) {
                        needed[i] = true;
                    }
                }
            }
            map.push(resolved);
        }
        let numbered = |i: &usize| sequences.iter().any(|q| q.target == *i);
        for q in &sequences {
            if q.key.iter().chain(&q.order).any(numbered) {
                return Err(PlanError::SequenceOfSequence);
            }
        }
        // A primary key that holds a numbered item is unique by construction when the
        // sequence's key is the rest of it: it is not checked (and cannot be referenced).
        for g in 0..groups.len() {
            let Some(group) = groups.get(g) else { continue };
            let Some(q) = sequences
                .iter()
                .find(|q| group.primary_key.contains(&q.target))
            else {
                continue;
            };
            let mut rest: Vec<usize> = group
                .primary_key
                .iter()
                .copied()
                .filter(|i| *i != q.target)
                .collect();
            let mut key = q.key.clone();
            rest.sort_unstable();
            key.sort_unstable();
            let name = |i: &usize| target.items.get(*i).map_or("", |t| t.key.as_str());
            if rest != key {
                return Err(PlanError::NumberedKey {
                    group: group.name.clone(),
                    item: name(&q.target).to_string(),
                    rest: rest.iter().map(name).collect::<Vec<_>>().join(", "),
                });
            }
            // Its rows are referred to by the rest of the key (宛名番号: any history row).
            let rest: Vec<usize> = group
                .primary_key
                .iter()
                .copied()
                .filter(|i| *i != q.target)
                .collect();
            if let Some(group) = groups.get_mut(g) {
                group.primary_key.clear();
                group.referenced_key = rest;
            }
        }
        // Every foreign key is the whole referenced key of its group.
        for child in &groups {
            for (pg, idx) in &child.foreign_keys {
                let Some(parent) = groups.get(*pg) else {
                    continue;
                };
                if idx.len() != parent.referenced_key.len() {
                    let keys = |v: &[usize]| {
                        v.iter()
                            .filter_map(|i| target.items.get(*i).map(|t| t.key.as_str()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let pk: Vec<usize> = parent
                        .layout
                        .items
                        .iter()
                        .enumerate()
                        .filter(|(_, it)| it.official.as_ref().is_some_and(|o| o.primary_key))
                        .map(|(i, _)| parent.range.start + i)
                        .collect();
                    return Err(PlanError::ForeignKey {
                        group: child.name.clone(),
                        parent_layout: parent.layout.id.clone(),
                        keys: keys(idx),
                        parent: parent.name.clone(),
                        parent_keys: keys(&pk),
                    });
                }
            }
        }
        let mut target_tables = Vec::with_capacity(target.items.len());
        for item in &target.items {
            target_tables.push(match &item.code_table {
                Some(t) => Some(table_index(&mut tables, catalog, t)?),
                None => None,
            });
        }
        for k in profile.checks.keys() {
            if target.item(k).is_none() {
                return Err(PlanError::TargetItem {
                    rule: "checks",
                    item: k.to_string(),
                });
            }
        }
        // The first pass needs only the keys of the cross-record checks (unique values and
        // households); date order is checked per record in the second pass.
        let mut check_needed = vec![false; source.items.len()];
        let c = &profile.checks;
        let cross_keys = c.unique.iter().map(String::as_str).chain(
            c.household
                .iter()
                .flat_map(|h| [h.key.as_str(), h.head_item.as_str()]),
        );
        for k in cross_keys {
            if let Some(r) = profile.map.iter().find(|r| r.target == k) {
                for sk in r.source.keys() {
                    if let Some(i) = source.item_index(sk) {
                        check_needed[i] = true;
                    }
                }
            }
        }
        // The key checks of the groups read their key items in pass 1, and every group's
        // condition reads its source item.
        let mut key_items: Vec<usize> = Vec::new();
        for g in &groups {
            key_items.extend(&g.primary_key);
            for (_, fk) in &g.foreign_keys {
                key_items.extend(fk);
            }
            if let Some((i, _)) = g.when {
                if let Some(x) = check_needed.get_mut(i) {
                    *x = true;
                }
                if let Some(x) = needed.get_mut(i) {
                    *x = true;
                }
            }
        }
        for q in &sequences {
            key_items.extend(&q.key);
            key_items.extend(&q.order);
        }
        let mut check_targets = vec![false; target.items.len()];
        let cross_targets = c
            .unique
            .iter()
            .map(String::as_str)
            .chain(
                c.household
                    .iter()
                    .flat_map(|h| [h.key.as_str(), h.head_item.as_str()]),
            )
            .filter_map(|k| target.item_index(k));
        for t in cross_targets.chain(key_items.iter().copied()) {
            if let Some(x) = check_targets.get_mut(t) {
                *x = true;
            }
        }
        for t in key_items {
            let Some(k) = target.items.get(t).map(|i| i.key.as_str()) else {
                continue;
            };
            if let Some(r) = profile.map.iter().find(|r| r.target == k) {
                for sk in r.source.keys() {
                    if let Some(i) = source.item_index(sk) {
                        check_needed[i] = true;
                    }
                }
            }
        }
        let mut uses = vec![0u32; source.items.len()];
        for r in &profile.map {
            for k in r.source.keys() {
                if let Some(i) = source.item_index(k) {
                    uses[i] += 1;
                }
            }
        }
        let target_dates = target
            .items
            .iter()
            .map(|i| match (i.domain, i.date_form) {
                (DomainType::Date, Some(f)) if !matches!(f, DateForm::Auto | DateForm::Iso) => {
                    Some(f)
                }
                _ => None,
            })
            .collect();
        let unknown_dates = target.items.iter().map(Item::allows_unknown_date).collect();
        let mut conditions = Vec::new();
        for rule in &profile.conditions {
            let i = target
                .item_index(&rule.target)
                .ok_or_else(|| PlanError::TargetItem {
                    rule: "conditions",
                    item: rule.target.clone(),
                })?;
            if let Some(k) = rule
                .condition
                .items()
                .into_iter()
                .find(|k| target.item(k).is_none())
            {
                return Err(PlanError::ConditionItem {
                    target: rule.target.clone(),
                    item: k.to_string(),
                });
            }
            conditions.push((i, rule.clone()));
        }
        let date_order = profile
            .checks
            .not_after
            .iter()
            .map(|[a, b]| (target.item_index(a), target.item_index(b)))
            .collect();
        let check_index = find_check_indices(&target, &profile.checks);
        Ok(Plan {
            check_index,
            unfed,
            conditions,
            date_order,
            target_dates,
            unknown_dates,
            uses,
            keep_before: true,
            check_needed,
            check_targets,
            profile,
            source,
            target,
            groups,
            sequences,
            chars,
            item_opts,
            map,
            tables,
            target_tables,
            needed,
        })
    }

    /// The target layout as the typed outputs see it: an `amount` target item filled from
    /// one source item stored as a number (zoned, packed, binary) takes that item's number
    /// form, so Arrow/Parquet type it Decimal128 with its precision and scale (issue #16).
    pub fn typed_target(&self) -> Layout {
        let mut t = self.target.clone();
        for (item, m) in t.items.iter_mut().zip(&self.map) {
            if let (DomainType::Amount, Resolved::Item(i)) = (item.domain, m) {
                if let Some(src) = self.source.items.get(*i) {
                    if src.representation.is_numeric() {
                        item.representation = src.representation;
                    }
                }
            }
        }
        t
    }

    /// The target's 条件付き必須 items that no profile condition covers (issue #13): their
    /// conditions are not checked, so staff decide about them (the report and the manifest
    /// list them).
    pub fn uncovered_conditionals(&self) -> Vec<&Item> {
        self.target
            .items
            .iter()
            .enumerate()
            .filter(|(i, it)| {
                it.requirement() == ikou_layout_spec::Requirement::Conditional
                    && !self.conditions.iter().any(|(c, _)| c == i)
            })
            .map(|(_, it)| it)
            .collect()
    }

    /// Every 条件付き必須 target item (and every item the profile gives a condition), in
    /// target order, with the condition checked for it (`expression: None`: not covered).
    pub fn conditional_items(&self) -> Vec<crate::manifest::ConditionalItem> {
        self.target
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let rule = self
                    .conditions
                    .iter()
                    .find(|(c, _)| *c == i)
                    .map(|(_, r)| r);
                let conditional = it.requirement() == ikou_layout_spec::Requirement::Conditional;
                (conditional || rule.is_some()).then(|| crate::manifest::ConditionalItem {
                    item: it.key.clone(),
                    name: it.name.clone(),
                    condition: it.official.as_ref().and_then(|o| o.condition.clone()),
                    expression: rule.map(|r| r.expression.clone()),
                })
            })
            .collect()
    }

    /// The source charset.
    pub fn charset(&self) -> Charset {
        self.chars.charset
    }

    /// The 外字 table.
    pub fn gaiji_table(&self) -> &GaijiTable {
        &self.chars.gaiji
    }

    /// Whether an unmapped 外字 is kept (and flagged `gaiji.unmapped_kept`, once per
    /// occurrence) rather than rejecting its record.
    pub fn keeps_unmapped_gaiji(&self) -> bool {
        self.chars.unmapped != ikou_cleanse::decode::UnmappedGaiji::Reject
    }

    /// Whether [`Processed::before`] (the decoded source values) is filled; the run turns it
    /// off when no `before` output is written.
    pub fn set_keep_before(&mut self, keep: bool) {
        self.keep_before = keep;
    }

    /// Whether [`Processed::before`] is filled.
    pub fn keeps_before(&self) -> bool {
        self.keep_before
    }

    /// Whether the changes of cleansing keep their texts ([`ChangeOut::before`] and
    /// [`ChangeOut::after`]; on by default). A run that writes no list of changes only
    /// counts them, and turns this off: the texts are then empty.
    pub fn set_change_text(&mut self, keep: bool) {
        for o in &mut self.item_opts {
            o.edit_text = keep;
        }
    }

    /// Whether the changes of cleansing keep their texts.
    pub fn keeps_change_text(&self) -> bool {
        self.item_opts.first().is_none_or(|o| o.edit_text)
    }

    /// Processes one data record: `number` is its 1-based data-record number in the run.
    pub fn process(&self, raw: &RawRecord, number: u64, scratch: &mut Scratch) -> Processed {
        let mut p = Processed {
            record: number,
            offset: raw.offset,
            ..Processed::default()
        };
        for problem in &raw.problems {
            p.reasons.push(Reason {
                kind: ReasonKind::of_frame(problem),
                item: None,
                message: problem.to_string(),
            });
        }
        let n = self.source.items.len();
        if self.keep_before {
            p.before = vec![None; n];
        }
        if raw.role != ikou_layout_spec::RecordRole::Data {
            // A header or trailer record out of place or misframed: rejected with its bytes
            // (framing has given it its reason), not read with the data items.
            p.raw = raw.bytes.clone();
            return p;
        }
        let mut cleansed = std::mem::take(&mut scratch.cleansed);
        cleansed.clear();
        cleansed.resize(n, None);
        scratch.start_record(n, number, raw.offset);
        // The library's read pipeline (slice → decode), each item into its own buffer of
        // `scratch`: a rejected record's values are taken from there (`reject_values`),
        // not decoded again.
        let want = |i: usize, item: &Item| {
            item.domain != DomainType::Filler
                && (self.keep_before || self.needed.get(i).copied().unwrap_or(false))
        };
        scratch.slicer.decode_each(
            raw,
            &self.source.items,
            &self.chars,
            &mut scratch.decoded,
            want,
            |item, s, decoded| {
                for prob in &s.problems {
                    // A record already rejected for its length reports that once, not per
                    // item.
                    if matches!(prob, SliceProblem::Missing { .. }) && !raw.problems.is_empty() {
                        continue;
                    }
                    p.reasons.push(Reason {
                        kind: ReasonKind::of_slice(prob),
                        item: Some(item.key.clone()),
                        message: prob.to_string(),
                    });
                }
                let Some((text, issues)) = decoded else {
                    return;
                };
                if !issues.is_empty() {
                    self.note_issues(issues, s.index, item, &mut p);
                }
                if let Some(b) = p.before.get_mut(s.index) {
                    *b = Some(text.to_string());
                }
                if self.needed.get(s.index).copied().unwrap_or(false) {
                    if let Some(slot) = cleansed.get_mut(s.index) {
                        *slot = self.cleanse_item(s.index, item, text, &mut p);
                    }
                }
            },
        );
        p.skipped = self.skipped_groups(&cleansed);
        if p.skipped != 0 && self.groups.iter().enumerate().all(|(g, _)| !p.has_row(g)) {
            p.reasons.push(Reason {
                kind: ReasonKind::MapNoRow,
                item: None,
                message: "the record gives a row in no group (no group's `when` holds)".into(),
            });
        }
        p.after = self.map_values(&mut cleansed, &mut p.reasons, None);
        self.clear_skipped(p.skipped, &mut p.after);
        scratch.cleansed = cleansed;
        self.target_forms(&mut p);
        self.validate_target(&mut p);
        if self.keep_before || p.rejected() {
            p.raw = raw.bytes.clone();
        }
        self.reject_values(raw, &mut p, scratch);
        p
    }

    /// Fills [`Processed::before`] of a rejected record (rejects.csv shows its decoded
    /// items) when the plan does not keep them for every record: the items
    /// [`Plan::process`] decoded for this record are taken from `scratch`, and only the
    /// others (items no target reads) are decoded now. `process` calls it; call it again
    /// after rejecting a processed record later (a cross-record check), with the same
    /// `scratch` and before processing the next record. Does nothing for a record that is
    /// not rejected or whose values are already there.
    pub fn reject_values(&self, raw: &RawRecord, p: &mut Processed, scratch: &mut Scratch) {
        if !p.rejected() || !p.before.is_empty() {
            return;
        }
        let n = self.source.items.len();
        p.before = vec![None; n];
        if raw.role != ikou_layout_spec::RecordRole::Data {
            return;
        }
        let ours = scratch.owner == Some((p.record, p.offset)) && scratch.decoded.len() == n;
        if !ours {
            scratch.start_record(n, p.record, p.offset);
        }
        // The items process decoded are kept; the others are decoded now.
        let items = &self.source.items;
        let filler = |_: usize, item: &Item| item.domain != DomainType::Filler;
        scratch.slicer.decode_each(
            raw,
            items,
            &self.chars,
            &mut scratch.decoded,
            filler,
            |_, _, _| {},
        );
        for (i, (slot, item)) in p.before.iter_mut().zip(items).enumerate() {
            if item.domain != DomainType::Filler {
                *slot = scratch.decoded.take(i);
            }
        }
    }

    /// Writes target dates in the target's form (cleansing gives ISO 8601), and legacy
    /// `HHMMSS` / `HHMM` times in an official TIME item's `HH:MM:SS` / `HH:MM`
    /// ([`TIME_RULE`]), as changes.
    fn target_forms(&self, p: &mut Processed) {
        for (i, item) in self.target.items.iter().enumerate() {
            let time = item
                .official
                .as_ref()
                .is_some_and(|o| o.data_type == ikou_layout_spec::DataType::Time);
            let Some(Some(v)) = p.after.get_mut(i).filter(|_| time) else {
                continue;
            };
            if let Some(t) = time_with_colons(v) {
                let before = std::mem::replace(v, t.clone());
                p.changes.push(ChangeOut {
                    item: ItemRef::Target(i),
                    rule: TIME_RULE,
                    before,
                    after: t,
                });
            }
        }
        for (i, form) in self.target_dates.iter().enumerate() {
            let Some(form) = form else { continue };
            let Some(Some(v)) = p.after.get(i) else {
                continue;
            };
            let opts = RuleOptions {
                date_form: DateForm::Iso,
                date_output: *form,
                strip_padding: false,
                ..RuleOptions::default()
            };
            let c = cleanse(DomainType::Date, v, &opts);
            let key = self.target.items.get(i).map(|t| t.key.clone());
            if !c.is_ok() {
                for f in c.findings.iter().filter(|f| f.is_error()) {
                    p.reasons.push(Reason {
                        kind: ReasonKind::Finding(f.kind),
                        item: key.clone(),
                        message: f.message.to_string(),
                    });
                }
                continue;
            }
            let value = c.value.into_owned();
            for e in c.edits {
                p.changes.push(ChangeOut {
                    item: ItemRef::Target(i),
                    rule: e.rule.as_str(),
                    before: e.before,
                    after: e.after,
                });
            }
            if let Some(slot) = p.after.get_mut(i) {
                *slot = Some(value);
            }
        }
    }

    /// The changes cleansing made to the converted records among `results`, in input order:
    /// the rows of `changes.csv` (and `changes.parquet`, and what a vendor's sink is handed).
    pub fn changes_of<'a>(&'a self, results: &'a [Processed]) -> impl Iterator<Item = Change<'a>> {
        (results.iter().filter(|p| !p.rejected())).flat_map(move |p| {
            p.changes.iter().map(move |c| Change {
                record: p.record,
                item: self.item_key(c.item),
                rule: c.rule,
                before: &c.before,
                after: &c.after,
            })
        })
    }

    /// The key of a changed item.
    pub fn item_key(&self, item: ItemRef) -> &str {
        match item {
            ItemRef::Source(i) => self.source.items.get(i),
            ItemRef::Target(i) => self.target.items.get(i),
        }
        .map(|i| i.key.as_str())
        .unwrap_or("")
    }

    /// Cleanses one decoded source value, noting findings, reasons and changes in `p`.
    fn cleanse_item(
        &self,
        index: usize,
        item: &Item,
        text: &str,
        p: &mut Processed,
    ) -> Option<String> {
        let opts = self.item_opts.get(index).copied().unwrap_or_default();
        // Removing a fixed-length item's padding is framing, not a change of the value:
        // it is counted, not listed (before.arrow keeps the padded text).
        let (c, padded) = cleanse_unpadded(item.domain, text, &opts);
        if padded {
            p.padding_stripped += 1;
        }
        let ok = c.is_ok();
        // Most values have neither findings nor edits: nothing to move then.
        if !c.findings.is_empty() {
            for f in c.findings {
                if f.is_error() {
                    p.reasons.push(Reason {
                        kind: ReasonKind::Finding(f.kind),
                        item: Some(item.key.clone()),
                        message: f.message.into_owned(),
                    });
                } else {
                    p.findings.push(f.kind.as_str());
                }
            }
        }
        if !c.edits.is_empty() {
            for e in c.edits {
                p.changes.push(ChangeOut {
                    item: ItemRef::Source(index),
                    rule: e.rule.as_str(),
                    before: e.before,
                    after: e.after,
                });
            }
        }
        (ok && !c.value.is_empty()).then(|| c.value.into_owned())
    }

    /// Fills the numbered items of record `i` of a chunk from pass 1's numbers
    /// (`numbers[sequence][i]`): a record with a row in the item's group and no number (its
    /// key is empty) is rejected if the item is required; a number longer than the item is
    /// rejected (`target.length`).
    pub(crate) fn fill_sequences(&self, p: &mut Processed, numbers: &[Vec<Option<u64>>], i: usize) {
        if p.after.is_empty() {
            return; // a misplaced header or trailer
        }
        for (q, seq) in self.sequences.iter().zip(numbers) {
            if !p.has_row(q.group) {
                continue;
            }
            let Some(item) = self.target.items.get(q.target) else {
                continue;
            };
            match seq.get(i).copied().flatten() {
                Some(n) => {
                    let v = n.to_string();
                    if v.len() > item.length as usize {
                        p.reasons.push(Reason {
                            kind: ReasonKind::TargetLength,
                            item: Some(item.key.clone()),
                            message: format!(
                                "the number has {} digits, the target allows {}",
                                v.len(),
                                item.length
                            ),
                        });
                    }
                    if let Some(slot) = p.after.get_mut(q.target) {
                        *slot = Some(v);
                    }
                }
                None if item.required => p.reasons.push(Reason {
                    kind: ReasonKind::TargetRequired,
                    item: Some(item.key.clone()),
                    message: format!(
                        "required item {} is not numbered: its sequence key is empty",
                        item.name
                    ),
                }),
                None => {}
            }
        }
    }

    /// The groups whose `when` does not hold for these cleansed source values (bit `g`).
    fn skipped_groups(&self, cleansed: &[Option<String>]) -> u64 {
        let mut mask = self.unfed;
        for (g, group) in self.groups.iter().enumerate().take(MAX_GROUPS) {
            if let Some((i, value)) = &group.when {
                if cleansed.get(*i).and_then(|v| v.as_deref()) != Some(value.as_str()) {
                    mask |= 1u64 << g;
                }
            }
        }
        mask
    }

    /// Empties the target values of the groups in `skipped`.
    fn clear_skipped(&self, skipped: u64, after: &mut [Option<String>]) {
        if skipped == 0 {
            return;
        }
        for (g, group) in self.groups.iter().enumerate().take(MAX_GROUPS) {
            if skipped & (1u64 << g) != 0 {
                for v in after
                    .iter_mut()
                    .take(group.range.end)
                    .skip(group.range.start)
                {
                    *v = None;
                }
            }
        }
    }

    /// Whether the plan checks foreign keys between its groups.
    pub fn has_foreign_keys(&self) -> bool {
        self.groups.iter().any(|g| !g.foreign_keys.is_empty())
    }

    /// Whether the plan checks primary or foreign keys of its groups.
    pub fn has_group_keys(&self) -> bool {
        self.groups
            .iter()
            .any(|g| !g.primary_key.is_empty() || !g.foreign_keys.is_empty())
    }

    /// The target values the cross-record checks read, for the first pass: only the source
    /// items they need are sliced, decoded and cleansed, and only the target items they
    /// read are mapped (every other target value is `None`; problems are left to the
    /// second pass, which reports them).
    pub fn check_values(&self, raw: &RawRecord, scratch: &mut Scratch) -> Vec<Option<String>> {
        self.check_row(raw, scratch).0
    }

    /// [`Plan::check_values`] and the groups that get no row ([`Processed::skipped`]).
    pub fn check_row(&self, raw: &RawRecord, scratch: &mut Scratch) -> (Vec<Option<String>>, u64) {
        let n = self.source.items.len();
        let mut cleansed = std::mem::take(&mut scratch.cleansed);
        cleansed.clear();
        cleansed.resize(n, None);
        let mut sink = Processed::default();
        scratch.decoded.start(n);
        scratch.slicer.decode_each(
            raw,
            &self.source.items,
            &self.chars,
            &mut scratch.decoded,
            |i, _| self.check_needed.get(i).copied().unwrap_or(false),
            |item, s, decoded| {
                if let (Some((text, _)), Some(slot)) = (decoded, cleansed.get_mut(s.index)) {
                    *slot = self.cleanse_item(s.index, item, text, &mut sink);
                }
            },
        );
        // The buffers now hold this pass's texts, not those of a processed record.
        scratch.owner = None;
        let skipped = self.skipped_groups(&cleansed);
        let mut ignored = Vec::new();
        let mut values = self.map_values(&mut cleansed, &mut ignored, Some(&self.check_targets));
        self.clear_skipped(skipped, &mut values);
        scratch.cleansed = cleansed;
        (values, skipped)
    }

    /// Whether [`Plan::check_row`] gives every item the cross-record checks read the value
    /// [`Plan::process`] gives it: true unless one of them is rewritten into its target
    /// form after mapping (a date with a `date_form` other than `auto`/`iso`, a time),
    /// which `check_row` does not do. Pass 1 of a plan with foreign keys reads keys only
    /// when this holds (checks.rs).
    pub(crate) fn check_row_is_exact(&self) -> bool {
        self.target.items.iter().enumerate().all(|(i, item)| {
            let read = self.check_targets.get(i).copied().unwrap_or(false);
            let time = item
                .official
                .as_ref()
                .is_some_and(|o| o.data_type == ikou_layout_spec::DataType::Time);
            let form = self.target_dates.get(i).is_some_and(Option::is_some);
            !read || !(time || form)
        })
    }

    /// Notes the decoding issues of one item. 外字 go by (item, code), each code once
    /// however often it occurs (issue #18): one [`GaijiHit`] with the count of its
    /// occurrences, one `gaiji.map` change (the 外字 → its replacement) when the table maps
    /// it, else one `gaiji.unmapped` reason naming its first positions and its count (or the
    /// count of `gaiji.unmapped_kept` findings under the `keep` policy, counted by the
    /// tally from the hit). Each is put where the code first occurs among the item's
    /// issues, so an item with each code once reads as before.
    fn note_issues(&self, issues: &[DecodeIssue], index: usize, item: &Item, p: &mut Processed) {
        if issues.is_empty() {
            return; // the common case: nothing to note
        }
        struct Unmapped {
            code: u16,
            pua: char,
            positions: Vec<usize>,
            reason: usize,
        }
        // Code → its hit in `p.gaiji` (and, unmapped and rejecting, its reason).
        let mut seen: Vec<(u16, usize)> = Vec::new();
        let mut unmapped: Vec<Unmapped> = Vec::new();
        for issue in issues {
            let Some(code) = issue.kind.gaiji_code() else {
                self.note_issue(issue, index, item, p);
                continue;
            };
            let n = issue.occurrences();
            if let Some(&(_, hit)) = seen.iter().find(|(c, _)| *c == code) {
                if let Some(h) = p.gaiji.get_mut(hit) {
                    h.count += n;
                }
                if let Some(u) = unmapped.iter_mut().find(|u| u.code == code) {
                    u.positions.push(issue.offset);
                }
                continue;
            }
            seen.push((code, p.gaiji.len()));
            match &issue.kind {
                DecodeIssueKind::GaijiMapped {
                    pua, replacement, ..
                } => {
                    p.gaiji.push(GaijiHit {
                        code,
                        item: index,
                        mapped: true,
                        count: n,
                    });
                    p.changes.push(ChangeOut {
                        item: ItemRef::Source(index),
                        rule: ikou_cleanse::decode::GAIJI_RULE,
                        before: pua.to_string(),
                        after: replacement.clone(),
                    });
                }
                DecodeIssueKind::GaijiUnmapped { pua, .. } => {
                    p.gaiji.push(GaijiHit {
                        code,
                        item: index,
                        mapped: false,
                        count: n,
                    });
                    if issue.rejects() {
                        unmapped.push(Unmapped {
                            code,
                            pua: *pua,
                            positions: vec![issue.offset],
                            reason: p.reasons.len(),
                        });
                        p.reasons.push(Reason {
                            kind: ReasonKind::GaijiUnmapped,
                            item: Some(item.key.clone()),
                            message: String::new(),
                        });
                    }
                }
                _ => {}
            }
        }
        for u in unmapped {
            let total = seen
                .iter()
                .find(|(c, _)| *c == u.code)
                .and_then(|&(_, hit)| p.gaiji.get(hit))
                .map_or(1, |h| h.count);
            if let Some(r) = p.reasons.get_mut(u.reason) {
                r.message = ikou_cleanse::decode::gaiji_unmapped_message(
                    u.code,
                    u.pua,
                    &u.positions,
                    total,
                );
            }
        }
    }

    fn note_issue(&self, issue: &DecodeIssue, index: usize, item: &Item, p: &mut Processed) {
        match &issue.kind {
            DecodeIssueKind::GaijiMapped { .. } | DecodeIssueKind::GaijiUnmapped { .. } => {}
            DecodeIssueKind::Unmapped { .. } | DecodeIssueKind::Shift { .. } => {
                p.reasons.push(Reason {
                    kind: if matches!(issue.kind, DecodeIssueKind::Unmapped { .. }) {
                        ReasonKind::DecodeUnmapped
                    } else {
                        ReasonKind::DecodeShift
                    },
                    item: Some(item.key.clone()),
                    message: issue.to_string(),
                });
            }
            // A host code decoded by substitution or one way is a change of the value
            // (issue #16): listed in changes.csv with the code and the character.
            DecodeIssueKind::Approximate { code, text, family }
            | DecodeIssueKind::OneWay { code, text, family } => {
                let approximate = matches!(issue.kind, DecodeIssueKind::Approximate { .. });
                if approximate {
                    p.findings
                        .push(crate::reason::FlagKind::DecodeApproximate.id());
                }
                let rule = if approximate {
                    RuleId::HostApproximate.as_str()
                } else {
                    RuleId::HostOneWay.as_str()
                };
                let before = ikou_cleanse::host::code_notation(family, *code);
                // One row per code and item of a record (a padding of JEF A1A1 is one row,
                // not one per character).
                let item_ref = ItemRef::Source(index);
                if !p
                    .changes
                    .iter()
                    .any(|c| c.item == item_ref && c.rule == rule && c.before == before)
                {
                    p.changes.push(ChangeOut {
                        item: item_ref,
                        rule,
                        before,
                        after: text.clone(),
                    });
                }
            }
            DecodeIssueKind::Number { problem } => {
                p.reasons.push(Reason {
                    kind: match *problem {
                        "bad_digit" => ReasonKind::NumberBadDigit,
                        "bad_sign" => ReasonKind::NumberBadSign,
                        "length" => ReasonKind::NumberLength,
                        _ => ReasonKind::NumberOverflow,
                    },
                    item: Some(item.key.clone()),
                    message: issue.to_string(),
                });
            }
            DecodeIssueKind::Malformed | DecodeIssueKind::CutCharacter => {
                p.reasons.push(Reason {
                    kind: if matches!(issue.kind, DecodeIssueKind::Malformed) {
                        ReasonKind::DecodeMalformed
                    } else {
                        ReasonKind::DecodeCutCharacter
                    },
                    item: Some(item.key.clone()),
                    message: issue.to_string(),
                });
            }
        }
    }

    /// The target values from the cleansed source values `src`; with `only`, just the
    /// target items it marks (the others are `None`).
    fn map_values(
        &self,
        src: &mut [Option<String>],
        reasons: &mut Vec<Reason>,
        only: Option<&[bool]>,
    ) -> Vec<Option<String>> {
        // A source value read by one rule only is moved, not copied.
        let mut get = |i: &usize| -> Option<String> {
            let single = self.uses.get(*i).copied().unwrap_or(0) <= 1;
            let slot = src.get_mut(*i)?;
            if single {
                slot.take()
            } else {
                slot.clone()
            }
        };
        self.map
            .iter()
            .zip(&self.target.items)
            .enumerate()
            .map(|(t, (m, titem))| match m {
                _ if only.is_some_and(|o| !o.get(t).copied().unwrap_or(false)) => None,
                Resolved::None | Resolved::Sequence => None,
                Resolved::Item(i) => get(i),
                Resolved::Const(v) => Some(v.clone()),
                Resolved::Label(i, t) | Resolved::Translate(i, t) => {
                    let code = get(i)?;
                    let table = self.tables.get(*t)?;
                    match table.label(&code) {
                        Some(l) => Some(l.to_string()),
                        None => {
                            let skey = self.source.items.get(*i).map(|s| s.key.as_str());
                            reasons.push(Reason {
                                kind: ReasonKind::MapUnmappedCode,
                                item: skey.map(str::to_string),
                                message: format!(
                                    "code not in table `{}` (needed for {})",
                                    table.name, titem.key
                                ),
                            });
                            None
                        }
                    }
                }
                Resolved::Join(idx, sep) => {
                    let parts: Vec<String> = idx.iter().filter_map(&mut get).collect();
                    (!parts.is_empty()).then(|| parts.join(sep))
                }
                Resolved::Split(i, sep, k) => get(i)
                    .and_then(|v| v.split(sep.as_str()).nth(*k).map(str::to_string))
                    .filter(|v| !v.is_empty()),
            })
            .collect()
    }

    fn validate_target(&self, p: &mut Processed) {
        for (i, item) in self.target.items.iter().enumerate() {
            if p.skipped != 0
                && !self
                    .groups
                    .iter()
                    .enumerate()
                    .any(|(g, x)| x.range.contains(&i) && p.has_row(g))
            {
                continue; // the group gets no row from this record
            }
            let value = p.after.get(i).and_then(|v| v.as_deref());
            let source_failed = || {
                p.reasons
                    .iter()
                    .any(|r| r.item.as_deref() == self.source_key_of(i))
            };
            match value {
                // A numbered item is filled and checked by the run (fill_sequences).
                None if matches!(self.map.get(i), Some(Resolved::Sequence)) => {}
                None => {
                    if item.required && !source_failed() {
                        p.reasons.push(Reason {
                            kind: ReasonKind::TargetRequired,
                            item: Some(item.key.clone()),
                            message: format!("required item {} is empty", item.name),
                        });
                    }
                }
                Some(v) => {
                    // An item with an official データ型 is checked in its form, 桁数
                    // included (in characters; 9V and S9 count digits).
                    let official = item.official.as_ref().map(|o| {
                        check_form(
                            o.data_type,
                            item.length,
                            o.scale,
                            self.unknown_dates.get(i).copied().unwrap_or(false),
                            v,
                        )
                    });
                    if let Some(Err(e)) = &official {
                        p.reasons.push(Reason {
                            kind: form_kind(e.problem),
                            item: Some(item.key.clone()),
                            message: format!("{}: {}", item.name, e.message),
                        });
                    }
                    let len = || match item.unit {
                        ikou_layout_spec::LengthUnit::Chars => char_count(v),
                        ikou_layout_spec::LengthUnit::Bytes => v.len(),
                    };
                    if official.is_none() && len() > item.length as usize {
                        let len = len();
                        p.reasons.push(Reason {
                            kind: ReasonKind::TargetLength,
                            item: Some(item.key.clone()),
                            message: format!("{len} characters, the target allows {}", item.length),
                        });
                    }
                    if let Some(Some(t)) = self.target_tables.get(i) {
                        if let Some(table) = self.tables.get(*t) {
                            if !table.contains(v) {
                                p.reasons.push(Reason {
                                    kind: ReasonKind::TargetCode,
                                    item: Some(item.key.clone()),
                                    message: format!("code not in table `{}`", table.name),
                                });
                            }
                        }
                    }
                }
            }
        }
        for (i, rule) in &self.conditions {
            // A group's condition applies to the records that give a row in that group.
            if p.skipped != 0
                && !self
                    .groups
                    .iter()
                    .enumerate()
                    .any(|(g, x)| x.range.contains(i) && p.has_row(g))
            {
                continue;
            }
            let empty = p
                .after
                .get(*i)
                .is_none_or(|v| v.as_deref().unwrap_or("").is_empty());
            // A value that could not be read is not empty, it is unknown: neither the item
            // nor an item its condition reads may have failed (the record is rejected for
            // that already).
            let failed = |t: usize| {
                self.source_key_of(t)
                    .is_some_and(|k| p.reasons.iter().any(|r| r.item.as_deref() == Some(k)))
            };
            let unknown = failed(*i)
                || rule
                    .condition
                    .items()
                    .iter()
                    .filter_map(|k| self.target.item_index(k))
                    .any(failed);
            if !empty || unknown {
                continue;
            }
            let value = |k: &str| {
                self.target
                    .item_index(k)
                    .and_then(|j| p.after.get(j))
                    .and_then(|v| v.as_deref())
            };
            if rule.condition.eval(&value) {
                let name = self.target.items.get(*i).map(|t| t.name.as_str());
                p.reasons.push(Reason {
                    kind: ReasonKind::TargetConditional,
                    item: Some(rule.target.clone()),
                    message: format!(
                        "条件付き必須 item {} is empty, and its condition holds: {}",
                        name.unwrap_or(""),
                        rule.expression
                    ),
                });
            }
        }
        let checks = &self.profile.checks;
        for ([a, b], order) in checks.not_after.iter().zip(&self.date_order) {
            let &(Some(ia), Some(ib)) = order else {
                continue;
            };
            if let (Some(Some(va)), Some(Some(vb))) = (p.after.get(ia), p.after.get(ib)) {
                // ISO dates (full or partial) compare as strings on their common prefix.
                let n = va.len().min(vb.len());
                if va.get(..n) > vb.get(..n) {
                    p.reasons.push(Reason {
                        kind: ReasonKind::CheckDateOrder,
                        item: Some(a.clone()),
                        message: format!("{a} is after {b}"),
                    });
                }
            }
        }
    }

    fn source_key_of(&self, target_index: usize) -> Option<&str> {
        let i = match self.map.get(target_index)? {
            Resolved::Item(i)
            | Resolved::Label(i, _)
            | Resolved::Translate(i, _)
            | Resolved::Split(i, _, _) => *i,
            _ => return None,
        };
        self.source.items.get(i).map(|it| it.key.as_str())
    }
}

/// The rule id of a legacy time written in an official TIME item's form: `093000` →
/// `09:30:00`, `0930` → `09:30` (listed in changes.csv like `date.to_iso`).
pub const TIME_RULE: &str = "time.to_iso";

/// `HHMMSS` or `HHMM` (ASCII digits, a valid time of day: hours 00–23, minutes and
/// seconds 00–59) with colons; anything else is `None` and left for the TIME check
/// (`256000` is rejected as `target.time`, never changed).
fn time_with_colons(v: &str) -> Option<String> {
    let b = v.as_bytes();
    if !(b.len() == 6 || b.len() == 4) || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |i: usize| v.get(i..i + 2).and_then(|x| x.parse::<u8>().ok());
    let (h, m) = (two(0)?, two(2)?);
    let s = if b.len() == 6 { Some(two(4)?) } else { None };
    if h > 23 || m > 59 || s.is_some_and(|s| s > 59) {
        return None;
    }
    Some(match s {
        Some(s) => format!("{h:02}:{m:02}:{s:02}"),
        None => format!("{h:02}:{m:02}"),
    })
}

/// The reject kind of a value that does not fit its official data type.
fn form_kind(problem: FormProblem) -> ReasonKind {
    match problem {
        FormProblem::NotHalfWidth => ReasonKind::TargetHalfWidth,
        FormProblem::NotFullWidth => ReasonKind::TargetFullWidth,
        FormProblem::NotNumber => ReasonKind::TargetNumber,
        FormProblem::NotYear => ReasonKind::TargetYear,
        FormProblem::NotDate => ReasonKind::TargetDate,
        FormProblem::UnknownDate => ReasonKind::TargetUnknownDate,
        FormProblem::NotTime => ReasonKind::TargetTime,
        FormProblem::TooLong => ReasonKind::TargetLength,
    }
}

/// Per-thread scratch buffers for [`Plan::process`].
#[derive(Debug)]
pub struct Scratch {
    slicer: Slicer,
    cleansed: Vec<Option<String>>,
    /// Per source item, the text decoded for the record `owner` (if it was).
    decoded: Decoded,
    /// The record (number, byte offset) `decoded` belongs to.
    owner: Option<(u64, u64)>,
}

impl Scratch {
    /// Buffers for records in `charset`.
    pub fn new(charset: Charset) -> Scratch {
        Scratch {
            slicer: Slicer::new(charset),
            cleansed: Vec::new(),
            decoded: Decoded::default(),
            owner: None,
        }
    }

    /// Marks the decoded texts empty, for `n` items of the record `(number, offset)`.
    fn start_record(&mut self, n: usize, number: u64, offset: u64) {
        self.decoded.start(n);
        self.owner = Some((number, offset));
    }
}

/// The number of characters of `v` (its length when it is ASCII).
fn char_count(v: &str) -> usize {
    if v.is_ascii() {
        v.len()
    } else {
        v.chars().count()
    }
}

/// Exact or hashed 63-bit keys for cross-record checks: digit strings of up to 17 digits
/// are encoded exactly (length and value); anything else is hashed (XXH3-64, 62 bits kept, bit 62
/// set: never equal to a digit key). Keys live only within a run (its spilled sorts).
pub fn key_of(v: &str) -> u64 {
    let b = v.as_bytes();
    if !b.is_empty() && b.len() <= 17 && b.iter().all(u8::is_ascii_digit) {
        let n = b.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        ((b.len() as u64) << 57) | n
    } else {
        hashed_key(xxhash_rust::xxh3::xxh3_64(b))
    }
}

/// A hashed key: 62 bits of the hash with bit 62 set, apart from every exact digit key.
fn hashed_key(hash: u64) -> u64 {
    (hash >> 1) | (1 << 62)
}

/// The target indices the cross-record checks need (looked up when the plan is made).
pub(crate) fn check_indices(plan: &Plan) -> (&[usize], Option<(usize, usize)>) {
    (&plan.check_index.0, plan.check_index.1)
}

/// Looks up [`check_indices`] in the target layout.
fn find_check_indices(target: &Layout, checks: &ikou_layout_spec::profile::Checks) -> CheckIndex {
    let unique = checks
        .unique
        .iter()
        .filter_map(|k| target.item_index(k))
        .collect();
    let household = checks
        .household
        .as_ref()
        .and_then(|h| Some((target.item_index(&h.key)?, target.item_index(&h.head_item)?)));
    (unique, household)
}

/// Counts per key for the cross-record checks, from a first pass over the input.
#[derive(Debug, Default)]
pub struct CrossFacts {
    /// Per unique-check: the set of keys that occur more than once, with their counts.
    pub duplicates: Vec<HashMap<u64, u32>>,
    /// Household keys whose head count is not exactly one, with the head count.
    pub bad_households: HashMap<u64, u32>,
    /// Per group: the primary keys that occur in more than one row, with their counts.
    pub primary_key_duplicates: Vec<HashMap<u64, u32>>,
    /// Per group and foreign key (in [`Group::foreign_keys`] order): the foreign key values
    /// with no valid row of that primary key in the referenced group.
    pub foreign_key_missing: Vec<Vec<std::collections::HashSet<u64>>>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ikou_layout_spec::parse_profile;

    const SOURCE: &str = r#"
id = "legacy/t"
name = "t"
family = "legacy"
status = "synthetic"
[format]
kind = "fixed"
record_length = 50
terminator = "none"
[[items]]
number = 1
name = "氏"
key = "shi"
type = "kanji_name"
length = 10
[[items]]
number = 2
name = "名"
key = "mei"
type = "kanji_name"
length = 10
[[items]]
number = 3
name = "氏名"
key = "full"
type = "kanji_name"
length = 20
[[items]]
number = 4
name = "コード"
key = "code"
type = "code"
length = 2
[[items]]
number = 5
name = "日付"
key = "date"
type = "date"
length = 7
date_form = "era_code1"
[[items]]
number = 6
name = "予備"
key = "filler"
type = "filler"
length = 1
"#;

    const TARGET: &str = r#"
id = "standard/t"
name = "t"
family = "standard"
status = "synthetic"
encoding = "utf-8"
[format]
kind = "delimited"
header_rows = 1
[[items]]
number = 1
name = "氏名"
key = "joined"
type = "kanji_name"
length = 20
[[items]]
number = 2
name = "氏"
key = "split0"
type = "kanji_name"
length = 10
[[items]]
number = 3
name = "名"
key = "split1"
type = "kanji_name"
length = 10
[[items]]
number = 4
name = "名称"
key = "label"
type = "text"
length = 10
[[items]]
number = 5
name = "新コード"
key = "translated"
type = "code"
length = 3
[[items]]
number = 6
name = "定数"
key = "constant"
type = "code"
length = 1
[[items]]
number = 7
name = "日付"
key = "ymd"
type = "date"
length = 8
date_form = "yyyymmdd"
[[items]]
number = 8
name = "和暦"
key = "wareki"
type = "date"
length = 12
date_form = "era_kanji"
"#;

    const PROFILE: &str = r#"
id = "t"
name = "t"
source = "legacy/t"
target = "standard/t"
[[map]]
target = "joined"
join = ["shi", "mei"]
sep = "　"
[[map]]
target = "split0"
from = "full"
split = 0
sep = "　"
[[map]]
target = "split1"
from = "full"
split = 1
sep = "　"
[[map]]
target = "label"
from = "code"
label = "t_codes"
[[map]]
target = "translated"
from = "code"
translate = "t_trans"
[[map]]
target = "constant"
const = "1"
[[map]]
target = "ymd"
from = "date"
[[map]]
target = "wareki"
from = "date"
"#;

    fn plan() -> Plan {
        let mut c = Catalog::new();
        c.add_layout_text(SOURCE, "s.toml").unwrap();
        c.add_layout_text(TARGET, "t.toml").unwrap();
        c.add_code_table_text("code,label\n01,世帯主\n02,妻\n", "t_codes", "c.csv")
            .unwrap();
        c.add_code_table_text("code,label\n01,A01\n", "t_trans", "tr.csv")
            .unwrap();
        let p = parse_profile(PROFILE, "p.toml", &c).unwrap();
        Plan::new(&c, p, GaijiTable::new()).unwrap()
    }

    fn record(fields: &[(&str, usize)]) -> RawRecord {
        let mut bytes = Vec::new();
        for (text, len) in fields {
            let mut b = ikou_cleanse::encode::encode_cp932(text).unwrap();
            while b.len() < *len {
                b.push(b' ');
            }
            bytes.extend_from_slice(&b);
        }
        let mut r = RawRecord::new();
        r.bytes = bytes;
        r
    }

    fn values(p: &Processed) -> Vec<&str> {
        p.after.iter().map(|v| v.as_deref().unwrap_or("")).collect()
    }

    #[test]
    fn row_key_hashes_the_joined_values() {
        // A composite key is `key_of` of its values joined by U+001F, whether the hasher
        // is fed the joined text or the parts: pass 1 and pass 2 (and the spilled keys of
        // an earlier build) agree.
        let v = |x: &[&str]| x.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        for parts in [
            vec!["1", "2"],
            vec!["", "12345678901234567"],
            vec!["山田", "太郎", "x"],
            vec!["a\u{1f}b", ""],
            // Past the 256 bytes joined on the stack: the streaming hasher.
            vec!["x".repeat(200).as_str(), "y".repeat(100).as_str(), "z"],
            vec!["x".repeat(255).as_str(), "y"],
            vec!["x".repeat(256).as_str(), ""],
        ] {
            let joined = parts.join("\u{1f}");
            let items: Vec<usize> = (0..parts.len()).collect();
            assert_eq!(
                row_key(&items, &v(&parts)),
                Some(key_of(&joined)),
                "{parts:?}"
            );
        }
        // Two values are not their concatenation, nor a digit key.
        assert_ne!(
            row_key(&[0, 1], &v(&["12", "3"])),
            row_key(&[0, 1], &v(&["1", "23"]))
        );
        assert_ne!(row_key(&[0, 1], &v(&["12", "3"])), Some(key_of("123")));
        // A missing value gives no key; one item is its own key.
        assert_eq!(row_key(&[0, 1], &[Some("1".into()), None]), None);
        assert_eq!(row_key(&[0], &v(&["0042"])), Some(key_of("0042")));
    }

    #[test]
    fn join_split_label_translate_const_and_target_date_forms() {
        let plan = plan();
        let mut s = Scratch::new(Charset::Cp932);
        let r = record(&[
            ("山田", 10),
            ("太郎", 10),
            ("鈴木　花子", 20),
            ("01", 2),
            ("4010108", 7),
            ("", 1),
        ]);
        let p = plan.process(&r, 1, &mut s);
        assert!(p.reasons.is_empty(), "{:?}", p.reasons);
        assert_eq!(
            values(&p),
            vec![
                "山田　太郎",
                "鈴木",
                "花子",
                "世帯主",
                "A01",
                "1",
                "19890108",
                "平成元年1月8日"
            ]
        );
        // The target forms are changes of the target items.
        let target_changes: Vec<_> = p
            .changes
            .iter()
            .filter(|c| matches!(c.item, ItemRef::Target(_)))
            .map(|c| (plan.item_key(c.item), c.rule, c.after.as_str()))
            .collect();
        assert_eq!(
            target_changes,
            vec![
                ("ymd", "date.to_yyyymmdd", "19890108"),
                ("wareki", "date.to_wareki", "平成元年1月8日")
            ]
        );
    }

    #[test]
    fn an_unmapped_code_is_reported_never_dropped() {
        let plan = plan();
        let mut s = Scratch::new(Charset::Cp932);
        let r = record(&[
            ("山田", 10),
            ("", 10),
            ("鈴木", 20),
            ("02", 2),
            ("4010108", 7),
            ("", 1),
        ]);
        let p = plan.process(&r, 7, &mut s);
        // 02 has a label but no translation: one reason, the record is rejected.
        let kinds: Vec<_> = p.reasons.iter().map(|r| r.kind.id()).collect();
        assert_eq!(kinds, vec!["map.unmapped_code"]);
        assert!(p.reasons[0].message.contains("t_trans"));
        // A join skips the empty part; a split past the end is absent.
        assert_eq!(p.after[0].as_deref(), Some("山田"));
        assert_eq!(p.after[2], None);
        assert_eq!(p.raw, r.bytes, "a rejected record keeps its raw bytes");
    }

    /// rejects.csv's `item:KEY` columns: the plan hands on the decoded items of a rejected
    /// record even when it keeps no before values (issue #14/#15: no second decoding in the
    /// run), for records it rejects itself and for records rejected later (a cross-record
    /// check) through `reject_values` with the same scratch.
    #[test]
    fn a_rejected_record_carries_its_decoded_items_from_the_plan() {
        let mut plan = plan();
        plan.set_keep_before(false);
        let mut s = Scratch::new(Charset::Cp932);
        let fields = [
            ("山田", 10),
            ("", 10),
            ("鈴木", 20),
            ("02", 2),
            ("4010108", 7),
            ("", 1),
        ];
        let r = record(&fields);
        let p = plan.process(&r, 7, &mut s);
        assert!(p.rejected());
        let want: Vec<Option<String>> = vec![
            Some("山田      ".into()),
            Some(" ".repeat(10)),
            Some(format!("鈴木{}", " ".repeat(16))),
            Some("02".into()),
            Some("4010108".into()),
            None, // the filler
        ];
        assert_eq!(p.before, want);
        // A converted record carries none (the run keeps no before values).
        let ok = record(&[
            ("山田", 10),
            ("太郎", 10),
            ("鈴木　花子", 20),
            ("01", 2),
            ("4010108", 7),
            ("", 1),
        ]);
        let mut q = plan.process(&ok, 8, &mut s);
        assert!(!q.rejected() && q.before.is_empty());
        // Rejected afterwards (as a cross-record check does): the values of this record.
        q.reasons.push(Reason {
            kind: ReasonKind::CheckDuplicate,
            item: None,
            message: String::new(),
        });
        plan.reject_values(&ok, &mut q, &mut s);
        assert_eq!(q.before[0].as_deref(), Some("山田      "));
        assert_eq!(q.before[1].as_deref(), Some("太郎      "));
        assert_eq!(q.before[5], None);
        // With a scratch that has since held another record, the values are still this
        // record's (decoded afresh), never the other's.
        let mut q2 = plan.process(&ok, 9, &mut s);
        let _ = plan.process(&r, 10, &mut s);
        q2.reasons.push(q.reasons[0].clone());
        plan.reject_values(&ok, &mut q2, &mut s);
        assert_eq!(q2.before, q.before);
        // A plan that keeps before values has them for every record, unchanged.
        plan.set_keep_before(true);
        assert_eq!(plan.process(&r, 7, &mut s).before, want);
    }

    /// A fixed-length legacy layout `legacy/NAME` of one 12-byte text item per key.
    fn text_source(name: &str, keys: &[&str]) -> String {
        let mut src = format!(
            "id = \"legacy/{name}\"\nname = \"{name}\"\nfamily = \"legacy\"\nstatus = \"synthetic\"\n[format]\nkind = \"fixed\"\nrecord_length = {}\nterminator = \"none\"\n",
            12 * keys.len()
        );
        for (i, k) in keys.iter().enumerate() {
            src.push_str(&format!(
                "[[items]]\nnumber = {}\nname = \"{k}\"\nkey = \"{k}\"\ntype = \"text\"\nlength = 12\n",
                i + 1
            ));
        }
        src
    }

    /// #13: a source of eight 12-byte text items mapped one to one onto a target whose
    /// items carry official data types, and a 条件付き必須 item with a profile condition.
    fn official_plan() -> Plan {
        let keys = ["x", "n", "i", "s", "d", "y", "dt", "t", "c", "f"];
        let src = text_source("o", &keys);
        let types = [
            ("X", 4, ""),
            ("N", 3, ""),
            ("9", 3, ""),
            ("S9", 3, ""),
            ("9V", 3, "scale = 2\n"),
            ("YEAR", 4, ""),
            ("DATE", 10, ""),
            ("TIME", 8, ""),
            (
                "X",
                3,
                "conditional = true\ncondition = \"区分が1の場合は出力必須\"\n",
            ),
            (
                "X",
                3,
                "conditional = true\ncondition = \"誰にも分からない場合\"\n",
            ),
        ];
        let mut tgt = String::from(
            "id = \"standard/o\"\nname = \"o\"\nfamily = \"standard\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n",
        );
        for (i, (k, (dt, len, extra))) in keys.iter().zip(types).enumerate() {
            tgt.push_str(&format!(
                "[[items]]\nnumber = {}\nname = \"項目{k}\"\nkey = \"{k}\"\ntype = \"text\"\nlength = {len}\ndata_type = \"{dt}\"\n{extra}",
                i + 1
            ));
        }
        let mut prof = String::from(
            "id = \"o\"\nname = \"o\"\nsource = \"legacy/o\"\ntarget = \"standard/o\"\n",
        );
        for k in keys {
            prof.push_str(&format!("[[map]]\ntarget = \"{k}\"\nfrom = \"{k}\"\n"));
        }
        prof.push_str("[conditions]\nc = '(x = \"1\" and present(i)) or empty(n)'\n");
        let mut c = Catalog::new();
        c.add_layout_text(&src, "s.toml").unwrap();
        c.add_layout_text(&tgt, "t.toml").unwrap();
        let p = parse_profile(&prof, "p.toml", &c).unwrap();
        Plan::new(&c, p, GaijiTable::new()).unwrap()
    }

    /// The reject ids of one record whose items hold `values` (the rest: a clean record).
    fn form_rejects(plan: &Plan, values: &[(&str, &str)]) -> Vec<(String, &'static str)> {
        let clean = [
            ("x", "AB1"),
            ("n", "山田"),
            ("i", "12"),
            ("s", "-12"),
            ("d", "1.25"),
            ("y", "2025"),
            ("dt", "2025-03-31"),
            ("t", "09:30"),
            ("c", ""),
            ("f", ""),
        ];
        let fields: Vec<(&str, usize)> = clean
            .iter()
            .map(|(k, v)| {
                let v = values.iter().find(|(x, _)| x == k).map_or(*v, |(_, v)| *v);
                (v, 12)
            })
            .collect();
        let mut s = Scratch::new(Charset::Cp932);
        let p = plan.process(&record(&fields), 1, &mut s);
        p.reasons
            .iter()
            .map(|r| (r.item.clone().unwrap_or_default(), r.kind.id()))
            .collect()
    }

    #[test]
    fn issue13_every_official_form_is_checked_with_its_own_reject_kind() {
        let plan = official_plan();
        assert_eq!(
            form_rejects(&plan, &[]),
            vec![],
            "the clean record converts"
        );
        let cases: &[(&str, &str, &str)] = &[
            ("x", "ＡＢ", "target.halfwidth"),
            ("x", "ABCDE", "target.length"),
            ("n", "ﾔﾏﾀﾞ", "target.fullwidth"),
            ("n", "山田太郎", "target.length"),
            ("i", "1a", "target.number"),
            ("s", "+12", "target.number"),
            ("s", "-1234", "target.length"),
            ("d", "1.234", "target.length"),
            ("d", "1,5", "target.number"),
            ("y", "R7", "target.year"),
            ("dt", "2025-02-29", "target.date"),
            ("dt", "2025/03/31", "target.date"),
            ("dt", "1955-03", "target.unknown_date"),
            ("t", "0960", "target.time"),
            ("t", "256000", "target.time"),
            ("t", "24:00", "target.time"),
        ];
        for (k, v, id) in cases {
            assert_eq!(
                form_rejects(&plan, &[(k, v)]),
                vec![(k.to_string(), *id)],
                "{k} = {v:?}"
            );
        }
        // Open period ends and TIME with seconds are forms too.
        assert_eq!(
            form_rejects(&plan, &[("dt", "9999-12-31"), ("t", "23:59:59")]),
            vec![]
        );
    }

    /// #15: the 不詳日 allowance of a target item is looked up once per plan, and a target
    /// item without an official form counts its length in characters (bytes only through
    /// the ASCII shortcut): a DATE item whose condition allows 不詳日 takes `1955-03`, one
    /// without does not; `山田太` fits a 3-character item, `ABCD` and `山田太郎` do not.
    #[test]
    fn issue15_unknown_date_allowance_and_character_lengths_per_item() {
        let keys = ["da", "dn", "l"];
        let src = text_source("u", &keys);
        let tgt = "id = \"standard/u\"\nname = \"u\"\nfamily = \"standard\"\nstatus = \"synthetic\"\nencoding = \"utf-8\"\n[format]\nkind = \"delimited\"\nheader_rows = 1\n\
            [[items]]\nnumber = 1\nname = \"項目da\"\nkey = \"da\"\ntype = \"text\"\nlength = 10\ndata_type = \"DATE\"\nconditional = true\ncondition = \"不詳日の場合は年月のみ\"\n\
            [[items]]\nnumber = 2\nname = \"項目dn\"\nkey = \"dn\"\ntype = \"text\"\nlength = 10\ndata_type = \"DATE\"\n\
            [[items]]\nnumber = 3\nname = \"項目l\"\nkey = \"l\"\ntype = \"text\"\nlength = 3\n";
        let mut prof = String::from(
            "id = \"u\"\nname = \"u\"\nsource = \"legacy/u\"\ntarget = \"standard/u\"\n",
        );
        for k in keys {
            prof.push_str(&format!("[[map]]\ntarget = \"{k}\"\nfrom = \"{k}\"\n"));
        }
        let mut c = Catalog::new();
        c.add_layout_text(&src, "s.toml").unwrap();
        c.add_layout_text(tgt, "t.toml").unwrap();
        let p = parse_profile(&prof, "p.toml", &c).unwrap();
        let plan = Plan::new(&c, p, GaijiTable::new()).unwrap();
        let rejects = |da: &str, dn: &str, l: &str| -> Vec<(String, &'static str)> {
            let mut s = Scratch::new(Charset::Cp932);
            let p = plan.process(&record(&[(da, 12), (dn, 12), (l, 12)]), 1, &mut s);
            p.reasons
                .iter()
                .map(|r| (r.item.clone().unwrap_or_default(), r.kind.id()))
                .collect()
        };
        assert_eq!(rejects("2025-03-31", "2025-03-31", "AB"), vec![]);
        assert_eq!(rejects("1955-03", "2025-03-31", "ABC"), vec![]);
        assert_eq!(
            rejects("2025-03-31", "1955-03", "山田太"),
            vec![("dn".to_string(), "target.unknown_date")]
        );
        for l in ["ABCD", "山田太郎"] {
            assert_eq!(
                rejects("2025-03-31", "2025-03-31", l),
                vec![("l".to_string(), "target.length")],
                "{l}"
            );
        }
    }

    #[test]
    fn issue13_a_legacy_hhmmss_time_becomes_the_time_form_as_a_recorded_change() {
        let plan = official_plan();
        let t = plan.target.item_index("t").unwrap();
        for (v, want) in [
            ("093000", "09:30:00"),
            ("0930", "09:30"),
            ("235959", "23:59:59"),
        ] {
            let fields: Vec<(&str, usize)> = [
                ("x", "AB"),
                ("n", "山田"),
                ("i", "12"),
                ("s", "-12"),
                ("d", "1.25"),
                ("y", "2025"),
                ("dt", "2025-03-31"),
                ("t", v),
                ("c", ""),
                ("f", ""),
            ]
            .iter()
            .map(|(_, v)| (*v, 12))
            .collect();
            let mut s = Scratch::new(Charset::Cp932);
            let p = plan.process(&record(&fields), 1, &mut s);
            assert!(p.reasons.is_empty(), "{v}: {:?}", p.reasons);
            assert_eq!(p.after[t].as_deref(), Some(want), "{v}");
            let change: Vec<_> = p
                .changes
                .iter()
                .filter(|c| c.item == ItemRef::Target(t))
                .map(|c| (c.rule, c.before.as_str(), c.after.as_str()))
                .collect();
            assert_eq!(change, vec![(TIME_RULE, v, want)], "{v}");
        }
        // Not a time of day: left as it is, and rejected by the TIME check.
        for v in [
            "256000",
            "096000",
            "095960",
            "09300",
            "0930a0",
            "０９３０００",
        ] {
            assert_eq!(super::time_with_colons(v), None, "{v}");
        }
    }

    #[test]
    fn issue13_a_condition_that_holds_rejects_an_empty_item_and_names_it() {
        let plan = official_plan();
        // x = "1" and present(i): c must have a value.
        let r = form_rejects(&plan, &[("x", "1")]);
        assert_eq!(r, vec![("c".to_string(), "target.conditional")]);
        assert_eq!(form_rejects(&plan, &[("x", "1"), ("c", "abc")]), vec![]);
        assert_eq!(
            form_rejects(&plan, &[("x", "1"), ("i", "")]),
            vec![],
            "i empty"
        );
        assert_eq!(form_rejects(&plan, &[("x", "2")]), vec![]);
        // An item the condition reads that could not be read: unknown, not checked.
        let r = form_rejects(&plan, &[("x", "1"), ("i", "1\u{7}")]);
        assert!(
            !r.iter().any(|(_, id)| *id == "target.conditional"),
            "{r:?}"
        );
        let r = form_rejects(&plan, &[("n", "山\u{7}")]);
        assert_eq!(
            r,
            vec![("n".to_string(), "char.control")],
            "n unknown, not empty"
        );
        assert_eq!(
            form_rejects(&plan, &[("n", "")]),
            vec![("c".to_string(), "target.conditional")]
        );
        let mut s = Scratch::new(Charset::Cp932);
        let fields = [
            ("1", 12),
            ("山田", 12),
            ("12", 12),
            ("-12", 12),
            ("1.25", 12),
            ("2025", 12),
            ("2025-03-31", 12),
            ("09:30", 12),
            ("", 12),
            ("", 12),
        ];
        let p = plan.process(&record(&fields), 1, &mut s);
        assert_eq!(
            p.reasons[0].message,
            "条件付き必須 item 項目c is empty, and its condition holds: (x = \"1\" and present(i)) or empty(n)"
        );
        // The conditional item no condition covers is listed.
        let items = plan.conditional_items();
        let listed: Vec<(&str, bool)> = items
            .iter()
            .map(|c| (c.item.as_str(), c.expression.is_some()))
            .collect();
        assert_eq!(listed, vec![("c", true), ("f", false)]);
        assert_eq!(plan.uncovered_conditionals().len(), 1);
    }
}
