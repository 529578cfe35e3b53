//! The model against WebKitGTK 2.50's recorded observations of the corpus
//! (`corpus/webkit.jsonl`, made by the `corsair-webkit` binary): the
//! `safari` profile's outcome and readable response headers, and WebKit's
//! console lines, which every profile's verdict carries as `console.safari`.

use corsair_conformance::compare::{as_run_by_harness, webkit_mismatches};
use corsair_conformance::WebKitObserved;
use corsair_core::scenario;

#[test]
fn model_agrees_with_recorded_webkit_on_the_whole_corpus() {
    let scenarios: Vec<&str> = include_str!("../corpus/scenarios.jsonl")
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    let recorded: Vec<WebKitObserved> = include_str!("../corpus/webkit.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("recorded line"))
        .collect();
    assert_eq!(
        scenarios.len(),
        recorded.len(),
        "corpus and WebKit recording differ in length: re-record"
    );
    let mut failures = Vec::new();
    for (line, want) in scenarios.iter().zip(&recorded) {
        let id = &want.id;
        let s =
            as_run_by_harness(scenario::from_json(line).unwrap_or_else(|e| panic!("{id}: {e}")));
        failures.extend(webkit_mismatches(&s, want));
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
