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
use ikou_layout_spec::{Catalog, Profile};

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
            let derived = profile
                .for_source(&s.name)
                .ok_or_else(|| PlanError::NoSource {
                    profile: profile.id.clone(),
                    source_name: s.name.clone(),
                })?;
            let plan =
                Plan::new(catalog, derived, gaiji.clone()).map_err(|e| PlanError::Source {
                    source_name: s.name.clone(),
                    error: Box::new(e),
                })?;
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
#[cfg(feature = "arrow")]
pub(crate) fn typed_target(plans: &[&Plan]) -> Option<ikou_layout_spec::Layout> {
    let first = plans.first()?;
    let mut t = first.typed_target();
    if plans.len() < 2 {
        return Some(t);
    }
    let typed: Vec<ikou_layout_spec::Layout> = plans.iter().map(|p| p.typed_target()).collect();
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
    use crate::run::{Outputs, Run, RunError, RunInput, RunOptions};
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
        assert!(e.to_string().contains("kojin, rireki"), "{e}");
    }

    fn reader(name: &str) -> RunInput {
        let bytes = std::fs::read(groups().join(name)).unwrap();
        RunInput::Reader {
            name: name.into(),
            reader: Box::new(std::io::Cursor::new(bytes)),
        }
    }

    #[test]
    fn issue13_the_run_builder_takes_inputs_tagged_with_their_source() {
        let mut catalog = Catalog::bundled().unwrap();
        let profile = load_profile_file(
            &groups().join("sources.toml"),
            &mut catalog,
            &ProfileAccess::default(),
        )
        .unwrap();
        let plans = SourcePlans::new(&catalog, profile, GaijiTable::new()).unwrap();
        let base = std::env::temp_dir().join(format!("ikou-sources-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let mut opts = RunOptions::new(base.join("run"));
        opts.outputs = Outputs::minimal();
        let m = Run::sources(&plans, &opts)
            .input(RunInput::of_source("rireki", reader("rireki-sources.csv")))
            .input(RunInput::of_source("kojin", reader("kojin.csv")))
            .execute()
            .unwrap();
        let c = &m.counts;
        assert_eq!(
            (c.input_records, c.output_records, c.rejected_records),
            (20, 15, 5)
        );
        // Inputs in the order given (the history file first): the same rows either way.
        let split: Vec<_> = m
            .inputs
            .iter()
            .map(|i| {
                (
                    i.source.clone().unwrap(),
                    i.records,
                    i.output_records,
                    i.rejected_records,
                )
            })
            .collect();
        assert_eq!(
            split,
            vec![
                ("rireki".to_string(), 7, Some(5), Some(2)),
                ("kojin".to_string(), 13, Some(10), Some(3)),
            ]
        );
        let rows: Vec<u64> = m.groups.iter().map(|g| g.rows).collect();
        assert_eq!(rows, [10, 5]);
        assert_eq!(m.sources.len(), 2);
        // An input without its source, an unknown source, a source without input, and the
        // before outputs are refused before anything is written.
        let refused = |inputs: Vec<RunInput>, outputs: Outputs| {
            let mut o = RunOptions::new(base.join("refused"));
            o.outputs = outputs;
            let e = Run::sources(&plans, &o)
                .inputs(inputs)
                .execute()
                .unwrap_err();
            assert!(matches!(e, RunError::Sources(_)), "{e}");
            assert!(!e.is_io());
            assert!(!base.join("refused").join("manifest.json").exists());
            e.to_string()
        };
        let e = refused(
            vec![
                reader("kojin.csv"),
                RunInput::of_source("rireki", reader("rireki.csv")),
            ],
            Outputs::minimal(),
        );
        assert!(
            e.contains("kojin.csv") && e.contains("kojin, rireki"),
            "{e}"
        );
        let e = refused(
            vec![
                RunInput::of_source("kojin", reader("kojin.csv")),
                RunInput::of_source("history", reader("rireki.csv")),
            ],
            Outputs::minimal(),
        );
        assert!(e.contains("no source `history`"), "{e}");
        let e = refused(
            vec![RunInput::of_source("kojin", reader("kojin.csv"))],
            Outputs::minimal(),
        );
        assert!(e.contains("source `rireki` has no input"), "{e}");
        let e = refused(
            vec![
                RunInput::of_source("kojin", reader("kojin.csv")),
                RunInput::of_source("rireki", reader("rireki.csv")),
            ],
            Outputs::all(),
        );
        assert!(e.contains("before.arrow"), "{e}");
        let _ = std::fs::remove_dir_all(&base);
    }
}
