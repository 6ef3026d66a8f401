//! The bundled specs are embedded from inside the crate (`crates/layout-spec/specs`, a link
//! to the user-facing `specs/` of the repository), so that the crate packages on its own.
//! Every embedded file is the user-facing file, byte for byte, and every spec file a user
//! sees under `specs/` is embedded or deliberately left out.

use ikou_layout_spec::catalog::BUNDLED;
use ikou_layout_spec::profile::{BUNDLED_GAIJI, BUNDLED_PROFILES};
use std::path::{Path, PathBuf};

fn user_specs() -> Option<PathBuf> {
    // Beside a checkout; absent in a packaged crate (nothing to compare there).
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    p.is_dir().then_some(p)
}

fn embedded() -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &'static str)> =
        BUNDLED.iter().map(|(p, t)| (p.to_string(), *t)).collect();
    v.extend(BUNDLED_PROFILES.iter().map(|(p, t)| (p.to_string(), *t)));
    v.extend(
        BUNDLED_GAIJI
            .iter()
            .map(|(n, t)| (format!("gaiji/{n}"), *t)),
    );
    v
}

#[test]
fn issue15_every_embedded_spec_is_the_user_facing_file() {
    let Some(root) = user_specs() else { return };
    for (path, text) in embedded() {
        let file = std::fs::read_to_string(root.join(&path))
            .unwrap_or_else(|e| panic!("specs/{path}: {e}"));
        assert!(file == text, "specs/{path} differs from the embedded copy");
    }
}

#[test]
fn issue15_every_user_facing_spec_file_is_embedded() {
    let Some(root) = user_specs() else { return };
    let embedded: Vec<String> = embedded().into_iter().map(|(p, _)| p).collect();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "README.md" {
                continue;
            }
            assert!(
                embedded.contains(&rel),
                "specs/{rel} is not bundled: add it to BUNDLED (catalog.rs) or BUNDLED_PROFILES / BUNDLED_GAIJI (profile.rs)"
            );
        }
    }
}
