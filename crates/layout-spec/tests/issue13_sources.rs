//! Issue 13: a profile with several sources (`[[sources]]`, `targets.source`) and the
//! profile as one source sees it (`Profile::for_source`). Synthetic data:
//! `testdata/groups/sources.toml`.
#![allow(clippy::unwrap_used)]

use ikou_layout_spec::profile::{load_profile_file, ProfileAccess, Source};
use ikou_layout_spec::{Catalog, Profile, SpecErrors};
use std::path::{Path, PathBuf};

fn groups() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/groups")
}

fn load(path: &Path) -> Result<Profile, SpecErrors> {
    let mut catalog = Catalog::bundled().unwrap();
    load_profile_file(path, &mut catalog, &ProfileAccess::default())
}

/// `sources.toml` with `edit` applied, loaded from a copy beside the layouts.
fn load_edited(name: &str, edit: impl Fn(String) -> String) -> Result<Profile, SpecErrors> {
    let dir = std::env::temp_dir().join(format!("ikou-spec-sources-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "legacy-kojin.toml",
        "legacy-rireki.toml",
        "kojin.toml",
        "rireki-fk.toml",
    ] {
        std::fs::copy(groups().join(f), dir.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(groups().join("sources.toml")).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "{name}: the edit applies");
    std::fs::write(dir.join("p.toml"), edited).unwrap();
    let r = load(&dir.join("p.toml"));
    let _ = std::fs::remove_dir_all(&dir);
    r
}

#[test]
fn issue13_sources_are_declared_and_each_group_names_its_source() {
    let p = load(&groups().join("sources.toml")).unwrap();
    let sources: Vec<(&str, &str, &str)> = p
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.layout.as_str(), s.encoding.as_str()))
        .collect();
    assert_eq!(
        sources,
        [
            ("kojin", "legacy/groups-kojin", "utf-8"),
            ("rireki", "legacy/groups-rireki", "utf-8")
        ]
    );
    assert_eq!(p.source, "legacy/groups-kojin", "the first source's layout");
    let fed: Vec<Option<&str>> = p.targets.iter().map(|g| g.source.as_deref()).collect();
    assert_eq!(fed, [Some("kojin"), Some("rireki")]);

    // The profile as the history file sees it: its layout, the person group's rules gone
    // (they read the person file's items), the history group's rules and numbering kept.
    let r = p.for_source("rireki").unwrap();
    assert_eq!(r.source, "legacy/groups-rireki");
    assert_eq!(r.sources.len(), 1);
    assert!(r.targets[0].map.is_empty());
    assert_eq!(r.targets[1].map.len(), 4);
    assert!(r.map.iter().all(|m| m.target.starts_with("rireki.")));
    // … and the person file's: the history group keeps only its `sequence` rule.
    let k = p.for_source("kojin").unwrap();
    assert_eq!(k.targets[0].map.len(), 4);
    let kept: Vec<&str> = k.targets[1].map.iter().map(|m| m.target.as_str()).collect();
    assert_eq!(kept, ["rireki_no"]);
    assert!(p.for_source("setai").is_none());
}

#[test]
fn issue13_a_descending_order_item_keeps_its_minus_in_front_of_the_group() {
    let p = load_edited("desc", |t| {
        t.replace(r#"order = ["ido_date"]"#, r#"order = ["-ido_date"]"#)
    })
    .unwrap();
    let seq = p
        .map
        .iter()
        .find_map(|m| match &m.source {
            Source::Sequence { key, order } => Some((key.clone(), order.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        seq,
        (
            vec!["rireki.atena_no".into()],
            vec!["-rireki.ido_date".into()]
        )
    );
    // A descending item that is not in the group is still an error.
    let e = load_edited("desc-bad", |t| {
        t.replace(r#"order = ["ido_date"]"#, r#"order = ["-nothing"]"#)
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("target layout has no item `nothing`"), "{e}");
}

#[test]
fn issue13_source_errors_name_the_field() {
    let err = |name: &str, edit: &dyn Fn(String) -> String| {
        load_edited(name, edit).unwrap_err().to_string()
    };
    let e = err("neither", &|t| {
        t.replace(
            "[[sources]]\nname = \"kojin\"\nlayout = \"legacy-kojin.toml\"\n",
            "",
        )
        .replace(
            "[[sources]]\nname = \"rireki\"\nlayout = \"legacy-rireki.toml\"\n",
            "",
        )
    });
    assert!(e.contains("`source`") && e.contains("[[sources]]"), "{e}");
    let e = err("layout", &|t| {
        t.replace("legacy-rireki.toml", "missing.toml")
    });
    assert!(e.contains("sources.layout"), "{e}");
    let e = err("twice", &|t| {
        t.replace("name = \"rireki\"\nlayout", "name = \"kojin\"\nlayout")
    });
    assert!(e.contains("a second source named `kojin`"), "{e}");
    let e = err("when", &|t| {
        t.replace(
            "source = \"rireki\"\n",
            "source = \"rireki\"\nwhen = { from = \"zokugara\", equals = \"01\" }\n",
        )
    });
    assert!(
        e.contains("targets.when")
            && e.contains("the layout of source `rireki` has no item `zokugara`"),
        "{e}"
    );
}
