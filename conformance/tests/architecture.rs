//! ARCHITECTURE.md names only what exists: every path it cites in
//! backquotes (a token with a `/`, or a file name such as `check.rs`) is
//! found from the repository root or, for a short name, under a directory
//! named before it in the same section.

use std::path::{Path, PathBuf};

/// Whether a backquoted token is meant as a path: a `/` inside, or a file
/// name with one of the repository's extensions; never code such as
/// `Result<Status, CliError>`, a flag, or a URL path like `/metrics`.
fn is_path(token: &str) -> bool {
    const EXTENSIONS: [&str; 7] = [".rs", ".md", ".jsonl", ".json", ".py", ".sh", ".js"];
    let code = token.contains([' ', '<', '*', '('])
        || token.contains("::")
        || (token.starts_with(['/', '-', '.']) && !token.starts_with(".ci/"));
    !code && (token.contains('/') || EXTENSIONS.iter().any(|e| token.ends_with(e)))
}

/// The backquoted tokens of a text, in order.
fn backquoted(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

#[test]
fn every_cited_path_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the conformance crate sits in the repository");
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut missing = Vec::new();
    let mut checked = 0;
    // A section runs from one heading to the next.
    for section in doc.split("\n#") {
        // The directories named so far, in order: a short name resolves
        // under the latest that holds it (`policy/validate/`, then `mod.rs`).
        let mut bases: Vec<PathBuf> = vec![root.to_path_buf()];
        for token in backquoted(section).filter(|t| is_path(t)) {
            checked += 1;
            let found = bases
                .iter()
                .rev()
                .map(|base| base.join(token))
                .find(|p| p.exists());
            match found {
                Some(p) if p.is_dir() => bases.push(p),
                Some(_) => {}
                None => missing.push(token),
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} paths found: is the parser right?"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md cites paths that do not exist: {missing:?}"
    );
}
