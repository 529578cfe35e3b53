//! The model against Chromium's recorded observations of the whole corpus
//! (`corpus/chromium.jsonl`, made by `corsair-conformance`), without a browser.
//! The live test (`tests/corpus.rs`) re-runs the corpus in Chromium.

use corsair_conformance::compare::{as_run_by_harness, compare};
use corsair_conformance::Observed;
use corsair_core::{explain, scenario, Profile};

#[test]
fn model_agrees_with_recorded_chromium_on_the_whole_corpus() {
    let scenarios = include_str!("../corpus/scenarios.jsonl");
    let recorded = include_str!("../corpus/chromium.jsonl");
    let observed: Vec<Observed> = recorded
        .lines()
        .map(|l| serde_json::from_str(l).expect("recorded line"))
        .collect();
    let lines: Vec<&str> = scenarios.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        observed.len(),
        "corpus and recording differ in length: re-record"
    );
    assert!(
        lines.len() >= 400,
        "the corpus must hold at least 400 scenarios"
    );
    let mut failures = Vec::new();
    for (line, obs) in lines.iter().zip(&observed) {
        let wrapper: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            wrapper["id"].as_str(),
            Some(obs.id.as_str()),
            "recording out of order: re-record"
        );
        let s = as_run_by_harness(
            scenario::from_json(line).unwrap_or_else(|e| panic!("{}: {e}", obs.id)),
        );
        let verdict = explain(&s, Profile::Chrome).unwrap_or_else(|e| panic!("{}: {e}", obs.id));
        for m in compare(&s, &verdict, obs) {
            failures.push(format!(
                "{} [{}] {m}",
                obs.id,
                wrapper["group"].as_str().unwrap_or("")
            ));
        }
    }
    let agree = lines.len()
        - failures
            .iter()
            .map(|f| f.split(' ').next().unwrap())
            .collect::<std::collections::HashSet<_>>()
            .len();
    eprintln!("agreement: {agree}/{} scenarios", lines.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
