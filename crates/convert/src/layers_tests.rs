//! The modules of ikou-convert use only the modules listed before them in the layer list of
//! docs/ARCHITECTURE.md: no import cycle, no path pointing up (issue #15).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layer list of docs/ARCHITECTURE.md: each module's position (a module listed as
/// `` `name` (…`` or `` `name`: …`` in the numbered list of ikou-convert's layers).
fn layer_order(doc: &str, modules: &[String]) -> BTreeMap<String, usize> {
    let start = doc
        .find("\n1. `")
        .expect("ARCHITECTURE.md: the numbered layer list");
    let rest = &doc[start..];
    let end = rest
        .find("\n`sample` is not")
        .expect("ARCHITECTURE.md: the end of the layer list");
    let list = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
    let mut order = BTreeMap::new();
    let mut pos = 0;
    for (i, part) in list.split('`').enumerate() {
        // Odd parts are inside backticks; a listed module is followed by ` (` or `:`.
        if i % 2 == 0 || !modules.iter().any(|m| m == part) {
            continue;
        }
        let after = list.split('`').nth(i + 1).unwrap_or("");
        let after = after.trim_start();
        if (after.starts_with('(') || after.starts_with(':')) && !order.contains_key(part) {
            order.insert(part.to_string(), pos);
            pos += 1;
        }
    }
    order
}

/// The module a source file belongs to (`report/collect.rs` → `report`), or None for the
/// crate root and test-only files.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    let test_only = name.ends_with("_tests") || rel.file_name()? == "tests.rs";
    (name != "lib" && !test_only).then(|| name.to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The modules named by `crate::NAME` paths in the code of `text` (comments and the
/// `#[cfg(test)] mod … { … }` block at a file's end left out), with their line numbers.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            let next = lines
                .iter()
                .skip(n + 1)
                .map(|l| l.trim_start())
                .find(|l| !l.starts_with("#["))
                .unwrap_or("");
            if next.starts_with("mod ") && next.ends_with('{') {
                break; // the tests at the end of the file
            }
        }
        let code = t.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                !name.is_empty(),
                "line {}: a `crate::` path this test cannot read (`crate::{{…}}`?): {line}",
                n + 1
            );
            found.push((n + 1, name));
        }
    }
    found
}

#[test]
fn every_module_uses_only_the_modules_listed_before_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let doc = std::fs::read_to_string(root.join("../../docs/ARCHITECTURE.md"))
        .expect("docs/ARCHITECTURE.md");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut modules: Vec<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    modules.dedup();
    let order = layer_order(&doc, &modules);
    let unlisted: Vec<&String> = modules.iter().filter(|m| !order.contains_key(*m)).collect();
    assert!(
        unlisted.is_empty(),
        "modules missing from the layer list of docs/ARCHITECTURE.md: {unlisted:?}"
    );
    let mut up = Vec::new();
    for f in &files {
        let Some(m) = module_of(&src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).expect("read a source file");
        for (line, used) in crate_paths(&text) {
            if used == m {
                continue;
            }
            let Some(&to) = order.get(&used) else {
                continue; // a re-export of the root (`crate::Lang`, …)
            };
            if to > order[&m] {
                up.push(format!(
                    "{}:{line}: `{m}` uses `{used}`, listed after it",
                    f.strip_prefix(root).unwrap_or(f).display()
                ));
            }
        }
    }
    assert!(
        up.is_empty(),
        "paths that point up the layer list of docs/ARCHITECTURE.md (an import cycle or a \
         module out of place):\n{}",
        up.join("\n")
    );
}

#[test]
fn the_scan_sees_paths_and_skips_comments_and_trailing_tests() {
    let text = "use crate::report::X;\n// crate::run in a comment\nlet x = crate::rows::count(1); // crate::run\n#[cfg(test)]\nmod tests {\n    use crate::run::Y;\n}\n";
    assert_eq!(
        crate_paths(text),
        vec![(1, "report".to_string()), (3, "rows".to_string())]
    );
    let doc = "x\n1. `a` (one), `b` (two, not `c` nor `a`)\n2. `c`: three\n`sample` is not";
    let mods: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let o = layer_order(doc, &mods);
    assert_eq!((o["a"], o["b"], o["c"]), (0, 1, 2));
}
