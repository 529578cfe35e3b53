//! One catalog: the slugs the README names, those of the design catalog
//! (`CATALOG.md`, when it is next to the repository), the JSON schema's
//! strings and `Slug::ALL` agree. A slug named in the docs exists in the
//! enum; a token one or two letters away from a slug is a misspelling; and
//! every slug in the enum is documented (its title in `catalog.rs`, which the
//! README's catalog section points to).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use corsair_platforms::Slug;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Backticked spans of a Markdown text.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The kebab-case words (`a-b`, `a-b-c`) in a span, not parts of paths,
/// flags or dotted names.
fn kebab_words(span: &str) -> Vec<&str> {
    span.split(|c: char| !(c.is_ascii_alphanumeric() || "-_./:*".contains(c)))
        .filter(|w| {
            w.contains('-')
                && !w.starts_with('-')
                && !w.ends_with('-')
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .collect()
}

fn names() -> BTreeSet<&'static str> {
    Slug::ALL.iter().map(|s| s.name()).collect()
}

/// Edit distance (insertions, deletions, substitutions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The slug `word` is probably a misspelling of, if it is not one itself.
fn misspelt(word: &str) -> Option<&'static str> {
    if Slug::from_name(word).is_some() {
        return None;
    }
    let squashed = word.replace('-', "");
    Slug::ALL
        .iter()
        .map(|s| s.name())
        .find(|name| distance(word, name) <= 2 || name.replace('-', "") == squashed)
}

/// Words that are not slugs but look like one: (word, the slug it resembles).
fn near_misses<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<(String, &'static str)> {
    words
        .into_iter()
        .filter_map(|w| misspelt(w).map(|s| (w.to_owned(), s)))
        .collect()
}

/// The README's section with this heading, up to the next heading.
fn section<'a>(text: &'a str, heading: &str) -> Option<&'a str> {
    let start = text.find(heading)? + heading.len();
    let rest = &text[start..];
    Some(&rest[..rest.find("\n## ").unwrap_or(rest.len())])
}

#[test]
fn the_checker_catches_misspelt_slugs() {
    // The checks below must be able to fail.
    assert_eq!(
        misspelt("wildcard-with-credential"),
        Some("wildcard-with-credentials")
    );
    assert_eq!(misspelt("origin-missmatch"), Some("origin-mismatch"));
    assert_eq!(
        misspelt("preflight-blocked-byauth"),
        Some("preflight-blocked-by-auth")
    );
    assert_eq!(misspelt("origin-mismatch"), None);
    assert_eq!(
        misspelt("request-headers"),
        None,
        "a policy key, not a slug"
    );
    assert_eq!(
        kebab_words("reported as duplicate-cors-layer, see crates/corsair-core/src/x.rs"),
        ["duplicate-cors-layer"]
    );
}

#[test]
fn every_slug_the_readme_names_is_in_the_catalog() {
    let readme = read(&repo().join("README.md"));
    let catalog = section(&readme, "## The mistake catalog").expect("a catalog section");
    let mut named = 0;
    for word in code_spans(catalog).into_iter().flat_map(kebab_words) {
        assert!(
            Slug::from_name(word).is_some(),
            "README's catalog section names `{word}`, which is not in Slug::ALL"
        );
        named += 1;
    }
    assert!(named >= 3, "the catalog section names a few slugs");
    assert!(
        catalog.contains("crates/corsair-core/src/catalog.rs"),
        "the catalog section points to where every slug is described"
    );
    let misses = near_misses(code_spans(&readme).into_iter().flat_map(kebab_words));
    assert!(misses.is_empty(), "misspelt slugs in README: {misses:?}");
}

#[test]
fn every_slug_the_schema_names_is_in_the_catalog() {
    let schema = read(&repo().join("schema/corsair.schema.json"));
    let value: serde_json::Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let mut strings = Vec::new();
    collect_strings(&value, &mut strings);
    let misses = near_misses(strings.iter().map(String::as_str));
    assert!(
        misses.is_empty(),
        "misspelt slugs in the schema: {misses:?}"
    );
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                collect_strings(v, out);
            }
        }
        _ => {}
    }
}

/// `CATALOG.md` is the design's source of slugs; it lives beside the
/// repository, not in it, so the check runs only where it is.
#[test]
fn every_slug_of_the_design_catalog_is_in_the_enum() {
    let path = repo().join("../shared/design/CATALOG.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{} not found: skipped", path.display());
        return;
    };
    let mut slugs = BTreeSet::new();
    let mut policy_list = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            policy_list = line.contains("Policy file only");
            continue;
        }
        // Slugs are the first column of each table, and the policy-only list.
        let cells = if let Some(row) = line.strip_prefix('|') {
            row.split('|').next().unwrap_or("")
        } else if policy_list {
            line
        } else {
            continue;
        };
        slugs.extend(code_spans(cells).into_iter().flat_map(kebab_words));
    }
    slugs.remove("slug");
    assert!(slugs.len() > 40, "the design catalog's slugs: {slugs:?}");
    let missing: Vec<&&str> = slugs.iter().filter(|s| !names().contains(**s)).collect();
    assert!(
        missing.is_empty(),
        "CATALOG.md slugs missing from Slug::ALL: {missing:?}"
    );
}

#[test]
fn every_slug_is_documented_and_named_once() {
    let mut seen = BTreeSet::new();
    for slug in Slug::ALL {
        let name = slug.name();
        assert!(seen.insert(name), "{name} twice");
        assert_eq!(Slug::from_name(name), Some(*slug));
        assert_eq!(kebab_words(name), [name], "{name} is kebab-case");
        // The title is the slug's documentation in catalog.rs (and rustdoc).
        assert!(
            slug.title().len() > 10,
            "{name} has no description: {:?}",
            slug.title()
        );
    }
}
