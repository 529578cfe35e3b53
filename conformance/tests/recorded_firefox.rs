//! The model against Firefox ESR 153's recorded observations of the corpus
//! (`corpus/firefox.jsonl`, made by `scripts/firefox-check.py --out`):
//! the `firefox` profile's outcome, and Firefox's console line, which every
//! profile's verdict carries as `console.firefox`.

use corsair_conformance::compare::as_run_by_harness;
use corsair_core::{explain, scenario, Outcome, Profile};
use serde_json::Value;

#[test]
fn model_agrees_with_recorded_firefox_on_the_whole_corpus() {
    let scenarios: Vec<&str> = include_str!("../corpus/scenarios.jsonl")
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    let recorded: Vec<Value> = include_str!("../corpus/firefox.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("recorded line"))
        .collect();
    assert_eq!(
        scenarios.len(),
        recorded.len(),
        "corpus and Firefox recording differ in length: re-record"
    );
    let mut failures = Vec::new();
    for (line, want) in scenarios.iter().zip(&recorded) {
        let id = want["id"].as_str().unwrap_or("");
        let s =
            as_run_by_harness(scenario::from_json(line).unwrap_or_else(|e| panic!("{id}: {e}")));
        let firefox = explain(&s, Profile::Firefox).unwrap_or_else(|e| panic!("{id}: {e}"));
        let outcome = match firefox.outcome {
            Outcome::Blocked => "blocked",
            Outcome::Incomplete => "incomplete",
            _ => "allowed",
        };
        if outcome != want["outcome"] {
            failures.push(format!(
                "{id}: outcome {outcome} / firefox {}",
                want["outcome"]
            ));
        }
        let want_line = want["console"].as_str();
        for profile in [Profile::Firefox, Profile::Chrome] {
            let v = if profile == Profile::Firefox {
                firefox.clone()
            } else {
                explain(&s, profile).unwrap()
            };
            if v.console.firefox.as_deref() != want_line {
                failures.push(format!(
                    "{id} ({profile:?}): console.firefox {:?} / firefox {want_line:?}",
                    v.console.firefox
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
