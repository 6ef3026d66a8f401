//! A run's plan: the profile resolved against its layouts and tables, and the per-record
//! work — slice, decode, cleanse, map, validate — as a pure function of one record.

use crate::reason::ReasonKind;
use ikou_cleanse::charset::Charset;
use ikou_cleanse::decode::{CharProfile, DecodeIssue, DecodeIssueKind};
use ikou_cleanse::frame::{RawRecord, SliceProblem, Slicer};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_cleanse::rules::{cleanse, cleanse_unpadded, RuleOptions};
use ikou_layout_spec::profile::Source;
use ikou_layout_spec::{Catalog, CodeTable, DateForm, DomainType, Item, Layout, Profile};
use std::collections::HashMap;
use std::fmt;

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub String);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

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

/// One reason a record is rejected. `message` holds no personal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The kind, with its stable id (`date.after_era`, `frame.truncated`,
    /// `target.required`, …: [`ReasonKind::id`]).
    pub kind: ReasonKind,
    /// The item concerned (source or target key), if any.
    pub item: Option<String>,
    /// What is wrong, without the value.
    pub message: String,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{item}: {} ({})", self.message, self.kind),
            None => write!(f, "{} ({})", self.message, self.kind),
        }
    }
}

/// One 外字 occurrence found while decoding a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaijiHit {
    /// The legacy code (0xF040).
    pub code: u16,
    /// The source item index.
    pub item: usize,
    /// Whether the table mapped it.
    pub mapped: bool,
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
    /// 外字 found.
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
        g >= 64 || self.skipped & (1u64 << g) == 0
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
    /// order of that group's primary key).
    pub foreign_keys: Vec<(usize, Vec<usize>)>,
}

/// The key of a row for the key checks: the values of `items` (all present), as one `u64`
/// ([`key_of`]; a composite key joins its values with U+001F first).
pub(crate) fn row_key(items: &[usize], values: &[Option<String>]) -> Option<u64> {
    match items {
        [] => None,
        [i] => values.get(*i)?.as_deref().map(key_of),
        _ => {
            let mut s = String::new();
            for (n, i) in items.iter().enumerate() {
                if n > 0 {
                    s.push('\u{1f}');
                }
                s.push_str(values.get(*i)?.as_deref()?);
            }
            Some(key_of(&s))
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
        });
        single.clone()
    } else {
        if profile.targets.len() > MAX_GROUPS {
            return Err(PlanError(format!(
                "profile `{}`: {} groups, at most {MAX_GROUPS}",
                profile.id,
                profile.targets.len()
            )));
        }
        let mut combined = single.clone();
        combined.items.clear();
        let mut ids = Vec::new();
        let mut names = Vec::new();
        for t in &profile.targets {
            let layout = catalog.layout(&t.layout).ok_or_else(|| {
                PlanError(format!(
                    "profile `{}`: layout `{}` not found",
                    profile.id, t.layout
                ))
            })?;
            if crate::output::RunFile::from_name(&t.file).is_some() {
                return Err(PlanError(format!(
                    "group `{}`: its file `{}` is the name of another file of a run",
                    t.name, t.file
                )));
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
                    source.item_index(&w.from).ok_or_else(|| {
                        PlanError(format!(
                            "group `{}`: source layout has no item `{}`",
                            t.name, w.from
                        ))
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
            if parent_pk.is_empty() || idx.len() != parent_pk.len() || child.len() != idx.len() {
                let keys = |v: &[&Item]| {
                    v.iter()
                        .map(|i| i.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(PlanError(format!(
                    "group `{}`: its foreign key to `{parent_id}` ({}) is not the primary key of group `{}` ({})",
                    group.name,
                    keys(&child),
                    parent.name,
                    keys(&parent_pk)
                )));
            }
            fks.push((pg, idx));
        }
        if let Some(group) = groups.get_mut(g) {
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
    /// For each source item, how many mapping rules read it.
    uses: Vec<u32>,
    /// Whether the decoded source values are kept.
    keep_before: bool,
    /// For each target item: the date form it is written in, when not ISO 8601.
    target_dates: Vec<Option<DateForm>>,
}

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
        .ok_or_else(|| PlanError(format!("code table `{name}` not found")))?;
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
        let (source, single) = profile
            .layouts(catalog)
            .map(|(s, t)| (s.clone(), t.clone()))
            .ok_or_else(|| PlanError(format!("profile `{}`: layouts not found", profile.id)))?;
        let (target, groups) = resolve_groups(catalog, &profile, &single, &source)?;
        let charset = Charset::from_label(&profile.characters.encoding).ok_or_else(|| {
            PlanError(format!(
                "profile `{}`: unknown encoding `{}`",
                profile.id, profile.characters.encoding
            ))
        })?;
        let chars = CharProfile::new(charset)
            .map_err(|e| PlanError(e.to_string()))?
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
                .ok_or_else(|| PlanError(format!("source layout has no item `{key}`")))
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
                        target.item_index(k).ok_or_else(|| {
                            PlanError(format!("sequence: target layout has no item `{k}`"))
                        })
                    };
                    let me = target.item_index(&item.key).unwrap_or(0);
                    let group = groups
                        .iter()
                        .position(|g| g.range.contains(&me))
                        .unwrap_or(0);
                    let key = key.iter().map(t).collect::<Result<Vec<_>, _>>()?;
                    let order = order.iter().map(t).collect::<Result<Vec<_>, _>>()?;
                    let range = groups.get(group).map(|g| g.range.clone()).unwrap_or(0..0);
                    if key.iter().chain(&order).any(|i| !range.contains(i)) {
                        return Err(PlanError(format!(
                            "sequence `{}`: its key and order items are items of its own group",
                            item.key
                        )));
                    }
                    if order.len() > 2 {
                        return Err(PlanError(format!(
                            "sequence `{}`: at most two order items",
                            item.key
                        )));
                    }
                    sequences.push(Sequence {
                        target: me,
                        group,
                        key,
                        order,
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
                return Err(PlanError(
                    "sequence: a numbered item cannot be the key or order of another".into(),
                ));
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
                return Err(PlanError(format!(
                    "group `{}`: its primary key holds the numbered item `{}`, whose sequence key must be the rest of the primary key ({})",
                    group.name,
                    name(&q.target),
                    rest.iter().map(name).collect::<Vec<_>>().join(", ")
                )));
            }
            if groups
                .iter()
                .any(|x| x.foreign_keys.iter().any(|(p, _)| *p == g))
            {
                return Err(PlanError(format!(
                    "group `{}`: a foreign key refers to it, but its primary key holds a numbered item",
                    group.name
                )));
            }
            if let Some(group) = groups.get_mut(g) {
                group.primary_key.clear();
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
                return Err(PlanError(format!(
                    "checks: target layout has no item `{k}`"
                )));
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
        Ok(Plan {
            target_dates,
            uses,
            keep_before: true,
            check_needed,
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

    /// The source charset.
    pub fn charset(&self) -> Charset {
        self.chars.charset
    }

    /// The 外字 table.
    pub fn gaiji_table(&self) -> &GaijiTable {
        &self.chars.gaiji
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
        let (text, issues) = (&mut scratch.text, &mut scratch.issues);
        scratch.slicer.for_each(raw, &self.source.items, |s| {
            let Some(item) = self.source.items.get(s.index) else {
                return;
            };
            let wanted = self.needed.get(s.index).copied().unwrap_or(false);
            if item.domain == DomainType::Filler || (!self.keep_before && !wanted) {
                return;
            }
            for prob in &s.problems {
                // A record already rejected for its length reports that once, not per item.
                if matches!(prob, SliceProblem::Missing { .. }) && !raw.problems.is_empty() {
                    continue;
                }
                p.reasons.push(Reason {
                    kind: ReasonKind::of_slice(prob),
                    item: Some(item.key.clone()),
                    message: prob.to_string(),
                });
            }
            let Some(bytes) = s.bytes else { return };
            text.clear();
            issues.clear();
            self.chars.decode_layout_item(item, bytes, text, issues);
            for issue in issues.iter() {
                self.note_issue(issue, s.index, item, &mut p);
            }
            if let Some(b) = p.before.get_mut(s.index) {
                *b = Some(text.clone());
            }
            if wanted {
                if let Some(slot) = cleansed.get_mut(s.index) {
                    *slot = self.cleanse_item(s.index, item, text, &mut p);
                }
            }
        });
        p.skipped = self.skipped_groups(&cleansed);
        if p.skipped != 0 && self.groups.iter().enumerate().all(|(g, _)| !p.has_row(g)) {
            p.reasons.push(Reason {
                kind: ReasonKind::MapNoRow,
                item: None,
                message: "the record gives a row in no group (no group's `when` holds)".into(),
            });
        }
        p.after = self.map_values(&mut cleansed, &mut p.reasons);
        self.clear_skipped(p.skipped, &mut p.after);
        scratch.cleansed = cleansed;
        self.target_forms(&mut p);
        self.validate_target(&mut p);
        if self.keep_before || p.rejected() {
            p.raw = raw.bytes.clone();
        }
        p
    }

    /// Writes target dates in the target's form (cleansing gives ISO 8601), as changes.
    fn target_forms(&self, p: &mut Processed) {
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
        for e in c.edits {
            p.changes.push(ChangeOut {
                item: ItemRef::Source(index),
                rule: e.rule.as_str(),
                before: e.before,
                after: e.after,
            });
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
        let mut mask = 0u64;
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
    /// items they need are sliced, decoded and cleansed (problems are left to the second
    /// pass, which reports them).
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
        let delimited = raw.field_count() > 0;
        for (i, item) in self.source.items.iter().enumerate() {
            if !self.check_needed.get(i).copied().unwrap_or(false) {
                continue;
            }
            let bytes = if delimited {
                raw.field(i)
            } else {
                ikou_cleanse::frame::item_bytes(&raw.bytes, item)
            };
            let Some(bytes) = bytes else { continue };
            scratch.text.clear();
            scratch.issues.clear();
            self.chars
                .decode_layout_item(item, bytes, &mut scratch.text, &mut scratch.issues);
            if let Some(slot) = cleansed.get_mut(i) {
                *slot = self.cleanse_item(i, item, &scratch.text, &mut sink);
            }
        }
        let skipped = self.skipped_groups(&cleansed);
        let mut ignored = Vec::new();
        let mut values = self.map_values(&mut cleansed, &mut ignored);
        self.clear_skipped(skipped, &mut values);
        scratch.cleansed = cleansed;
        (values, skipped)
    }

    fn note_issue(&self, issue: &DecodeIssue, index: usize, item: &Item, p: &mut Processed) {
        match &issue.kind {
            DecodeIssueKind::GaijiMapped {
                code,
                pua,
                replacement,
            } => {
                p.gaiji.push(GaijiHit {
                    code: *code,
                    item: index,
                    mapped: true,
                });
                p.changes.push(ChangeOut {
                    item: ItemRef::Source(index),
                    rule: ikou_cleanse::decode::GAIJI_RULE,
                    before: pua.to_string(),
                    after: replacement.clone(),
                });
            }
            DecodeIssueKind::GaijiUnmapped { code, .. } => {
                p.gaiji.push(GaijiHit {
                    code: *code,
                    item: index,
                    mapped: false,
                });
                if issue.rejects() {
                    p.reasons.push(Reason {
                        kind: ReasonKind::GaijiUnmapped,
                        item: Some(item.key.clone()),
                        message: issue.to_string(),
                    });
                } else {
                    p.findings.push("gaiji.unmapped_kept");
                }
            }
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
            DecodeIssueKind::Approximate { .. } => p.findings.push("decode.approximate"),
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

    fn map_values(
        &self,
        src: &mut [Option<String>],
        reasons: &mut Vec<Reason>,
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
            .map(|(m, titem)| match m {
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
            let source_failed = p
                .reasons
                .iter()
                .any(|r| r.item.as_deref() == self.source_key_of(i));
            match value {
                // A numbered item is filled and checked by the run (fill_sequences).
                None if matches!(self.map.get(i), Some(Resolved::Sequence)) => {}
                None => {
                    if item.required && !source_failed {
                        p.reasons.push(Reason {
                            kind: ReasonKind::TargetRequired,
                            item: Some(item.key.clone()),
                            message: format!("required item {} is empty", item.name),
                        });
                    }
                }
                Some(v) => {
                    let len = match item.unit {
                        ikou_layout_spec::LengthUnit::Chars => v.chars().count(),
                        ikou_layout_spec::LengthUnit::Bytes => v.len(),
                    };
                    if len > item.length as usize {
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
        let checks = &self.profile.checks;
        for [a, b] in &checks.not_after {
            let (Some(ia), Some(ib)) = (self.target.item_index(a), self.target.item_index(b))
            else {
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

/// Per-thread scratch buffers for [`Plan::process`].
#[derive(Debug)]
pub struct Scratch {
    slicer: Slicer,
    text: String,
    issues: Vec<DecodeIssue>,
    cleansed: Vec<Option<String>>,
}

impl Scratch {
    /// Buffers for records in `charset`.
    pub fn new(charset: Charset) -> Scratch {
        Scratch {
            slicer: Slicer::new(charset),
            text: String::new(),
            issues: Vec::new(),
            cleansed: Vec::new(),
        }
    }
}

/// Exact or hashed 63-bit keys for cross-record checks: digit strings of up to 17 digits
/// are encoded exactly (length and value); anything else is hashed.
pub fn key_of(v: &str) -> u64 {
    let b = v.as_bytes();
    if !b.is_empty() && b.len() <= 17 && b.iter().all(u8::is_ascii_digit) {
        let n = b.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        ((b.len() as u64) << 57) | n
    } else {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        v.hash(&mut h);
        (h.finish() >> 1) | (1 << 62)
    }
}

/// The target indices the cross-record checks need.
pub(crate) fn check_indices(plan: &Plan) -> (Vec<usize>, Option<(usize, usize)>) {
    let c = &plan.profile.checks;
    let unique = c
        .unique
        .iter()
        .filter_map(|k| plan.target.item_index(k))
        .collect();
    let household = c.household.as_ref().and_then(|h| {
        Some((
            plan.target.item_index(&h.key)?,
            plan.target.item_index(&h.head_item)?,
        ))
    });
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
}
