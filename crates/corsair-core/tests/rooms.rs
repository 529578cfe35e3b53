//! The rooms of corsair-core depend one way: `policy` → `server` → `spec`,
//! and the HTTP facts (`http`) and the shared vocabulary (`spec`) depend on
//! neither `policy` nor `server`. A `use` that points back would bring the
//! cycle back; this test reads the sources and fails on one.

use std::path::Path;

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push((path.display().to_string(), text));
            }
        }
    }
    out
}

/// The lines of code (not comments) of `text` naming `crate::{module}`.
fn uses(text: &str, module: &str) -> Vec<String> {
    let needle = format!("crate::{module}");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| {
            l.match_indices(&needle).any(|(i, _)| {
                // `crate::policy` itself, not `crate::policyx`.
                !l[i + needle.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_rooms_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules: [(&str, &[&str]); 3] = [
        ("server", &["policy"]),
        ("spec", &["policy", "server"]),
        ("http", &["policy", "server"]),
    ];
    let mut found = Vec::new();
    for (room, forbidden) in rules {
        for (file, text) in sources(&src.join(room)) {
            for module in forbidden {
                for line in uses(&text, module) {
                    found.push(format!("{file}: {room} uses {module}: {}", line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_use() {
    assert_eq!(uses("use crate::policy::PolicySpec;", "policy").len(), 1);
    assert!(uses("// see crate::policy", "policy").is_empty());
    assert!(uses("use crate::policyx;", "policy").is_empty());
}
