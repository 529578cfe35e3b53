//! The README's table of where WebKit parts from Chrome and Firefox is
//! checked against the three recordings of the corpus: each row's scenario
//! exists, and the outcome it gives for each engine is the recorded one.

use std::collections::HashMap;

use serde_json::Value;

/// id → `allowed` or `blocked`, from a recording (Chromium's `same-origin`
/// and `opaque` are responses the page got: `allowed`).
fn outcomes(jsonl: &str) -> HashMap<String, String> {
    jsonl
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("recorded line");
            let id = v["id"].as_str().expect("id").to_owned();
            let outcome = match v["outcome"].as_str() {
                Some("blocked") => "blocked",
                Some(_) => "allowed",
                None => "?",
            };
            (id, outcome.to_owned())
        })
        .collect()
}

#[test]
fn readme_engine_table_matches_the_recordings() {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("<!-- engine-differences -->")
        .nth(1)
        .and_then(|t| t.split("<!-- /engine-differences -->").next())
        .expect("README has the engine-differences table");
    let engines = [
        ("Chrome", outcomes(include_str!("../corpus/chromium.jsonl"))),
        ("Firefox", outcomes(include_str!("../corpus/firefox.jsonl"))),
        ("Safari", outcomes(include_str!("../corpus/webkit.jsonl"))),
    ];
    let rows: Vec<Vec<&str>> = table
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .skip(1) // the header row
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert!(rows.len() >= 10, "the table lost its rows");
    for row in rows {
        assert_eq!(row.len(), 5, "row {row:?}");
        let id = row[1].trim_matches('`');
        for (i, (engine, recorded)) in engines.iter().enumerate() {
            let got = recorded
                .get(id)
                .unwrap_or_else(|| panic!("{id} is not in the {engine} recording"));
            assert_eq!(
                row[2 + i],
                got,
                "{id}: the README says {engine} {}",
                row[2 + i]
            );
        }
    }
}
