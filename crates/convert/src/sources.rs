//! Several sources in one run (issue #13): a profile's `[[sources]]` — a person file and a
//! history file of the same export, each in its own layout — become one [`Plan`] per source.
//! Every plan has the same target (every group's items, in group order), the same groups
//! and the same sequences, so the cross-record checks, the numbering, the group files and
//! the tallies of a run work on any of them; each plan slices, decodes, cleanses and maps
//! only its own source's records, and gives rows only in the groups its source feeds (the
//! others are skipped, like a group whose `when` does not hold). A profile with one
//! `source` is one plan, unnamed.

use crate::plan::{Plan, PlanError};
use ikou_cleanse::gaiji::GaijiTable;
use ikou_layout_spec::{Catalog, Layout, Profile};

/// The plans of a run, one per source of its profile, in the profile's `[[sources]]`
/// order (one unnamed plan for a profile with one `source`).
#[derive(Debug, Clone)]
pub struct SourcePlans {
    names: Vec<String>,
    plans: Vec<Plan>,
}

impl SourcePlans {
    /// Resolves `profile` against `catalog`: one plan per source.
    ///
    /// # Errors
    /// What [`Plan::new`] says of any source's plan, prefixed with the source's name.
    pub fn new(
        catalog: &Catalog,
        profile: Profile,
        gaiji: GaijiTable,
    ) -> Result<SourcePlans, PlanError> {
        if profile.sources.is_empty() {
            return Ok(SourcePlans::single(Plan::new(catalog, profile, gaiji)?));
        }
        let mut names = Vec::new();
        let mut plans = Vec::new();
        for s in &profile.sources {
            let derived = profile.for_source(&s.name).ok_or_else(|| {
                PlanError(format!("profile `{}`: no source `{}`", profile.id, s.name))
            })?;
            let plan = Plan::new(catalog, derived, gaiji.clone())
                .map_err(|e| PlanError(format!("source `{}`: {e}", s.name)))?;
            names.push(s.name.clone());
            plans.push(plan);
        }
        Ok(SourcePlans { names, plans })
    }

    /// One plan: a profile with one `source` (its name is empty).
    pub fn single(plan: Plan) -> SourcePlans {
        SourcePlans {
            names: vec![String::new()],
            plans: vec![plan],
        }
    }

    /// Whether the profile declares `[[sources]]` (the run then names the source of every
    /// input, in the manifest and rejects.csv).
    pub fn is_multi(&self) -> bool {
        self.first().is_some_and(|p| !p.profile.sources.is_empty())
    }

    /// The sources' names, in profile order (one empty name for a single `source`).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The plans, in the order of [`SourcePlans::names`].
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// The first source's plan: the target, the groups and the sequences are every plan's.
    pub fn first(&self) -> Option<&Plan> {
        self.plans.first()
    }

    /// The index of the source `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The names for messages: `kojin, rireki`.
    pub fn listed(&self) -> String {
        self.names.join(", ")
    }
}

/// The target as the typed outputs see it (`Plan::typed_target`) when several plans feed
/// the groups: each group's items come from the plan of the source that feeds it.
pub(crate) fn typed_target(plans: &[&Plan]) -> Option<Layout> {
    let first = plans.first()?;
    let mut t = first.typed_target();
    if plans.len() < 2 {
        return Some(t);
    }
    let typed: Vec<Layout> = plans.iter().map(|p| p.typed_target()).collect();
    for (g, group) in first.groups.iter().enumerate() {
        let Some(target) = first.profile.targets.get(g) else {
            continue;
        };
        let feeder = plans.iter().position(|p| {
            p.profile.sources.first().map(|s| s.name.as_str()) == target.source.as_deref()
        });
        let Some(from) = feeder.and_then(|f| typed.get(f)) else {
            continue;
        };
        for i in group.range.clone() {
            if let (Some(slot), Some(item)) = (t.items.get_mut(i), from.items.get(i)) {
                *slot = item.clone();
            }
        }
    }
    Some(t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ikou_layout_spec::profile::{load_profile_file, ProfileAccess};
    use std::path::PathBuf;

    fn groups() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/groups")
    }

    #[test]
    fn issue13_one_plan_per_source_each_feeding_its_groups() {
        let mut catalog = Catalog::bundled().unwrap();
        let profile = load_profile_file(
            &groups().join("sources.toml"),
            &mut catalog,
            &ProfileAccess::default(),
        )
        .unwrap();
        let plans = SourcePlans::new(&catalog, profile.clone(), GaijiTable::new()).unwrap();
        assert!(plans.is_multi());
        assert_eq!(plans.names(), ["kojin", "rireki"]);
        let [kojin, rireki] = plans.plans() else {
            panic!("two plans")
        };
        assert_eq!(kojin.source.id, "legacy/groups-kojin");
        assert_eq!(rireki.source.id, "legacy/groups-rireki");
        // The same target, groups and sequences in every plan.
        assert_eq!(kojin.target.items.len(), rireki.target.items.len());
        assert_eq!(kojin.groups.len(), 2);
        assert_eq!(kojin.sequences.len(), 1);
        assert_eq!(rireki.sequences.len(), 1);
        assert_eq!(
            kojin.sequences[0].descending,
            rireki.sequences[0].descending
        );
        // The profile's plan alone is refused, naming the sources.
        let e = Plan::new(&catalog, profile, GaijiTable::new()).unwrap_err();
        assert!(e.0.contains("kojin, rireki"), "{e}");
    }
}
