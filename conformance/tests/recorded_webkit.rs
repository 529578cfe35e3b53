//! The model against WebKitGTK 2.50's recorded observations of the corpus
//! (`corpus/webkit.jsonl`, made by the `corsair-webkit` binary): the
//! `safari` profile's outcome and readable response headers, and WebKit's
//! console lines, which every profile's verdict carries as `console.safari`.

use corsair_conformance::compare::as_run_by_harness;
use corsair_core::scenario::{Answer, Scenario};
use corsair_core::{explain, scenario, Outcome, Profile};
use serde_json::Value;

/// The answer the page reads at the end of the redirect chain.
fn final_answer(s: &Scenario) -> Option<&Answer> {
    let mut answer = s.response.as_ref()?;
    while let Some(next) = answer.next.as_deref().and_then(|n| n.response.as_ref()) {
        answer = next;
    }
    Some(answer)
}

#[test]
fn model_agrees_with_recorded_webkit_on_the_whole_corpus() {
    let scenarios: Vec<&str> = include_str!("../corpus/scenarios.jsonl")
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    let recorded: Vec<Value> = include_str!("../corpus/webkit.jsonl")
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
        let id = want["id"].as_str().unwrap_or("");
        let s =
            as_run_by_harness(scenario::from_json(line).unwrap_or_else(|e| panic!("{id}: {e}")));
        let safari = explain(&s, Profile::Safari).unwrap_or_else(|e| panic!("{id}: {e}"));
        let outcome = match safari.outcome {
            Outcome::Blocked => "blocked",
            Outcome::Incomplete => "incomplete",
            _ => "allowed",
        };
        if outcome != want["outcome"] {
            failures.push(format!(
                "{id}: outcome {outcome} / webkit {}",
                want["outcome"]
            ));
        }
        // The harness adds Content-Length and Connection itself: compare
        // only the names the scenario's own final answer sends.
        if let (Some(headers), Some(answer)) =
            (want["readable_headers"].as_array(), final_answer(&s))
        {
            let sent = |n: &str| {
                answer
                    .headers
                    .iter()
                    .any(|(h, _)| h.eq_ignore_ascii_case(n))
            };
            let want: Vec<&str> = headers
                .iter()
                .filter_map(Value::as_str)
                .filter(|n| sent(n))
                .collect();
            let model: Vec<&str> = safari
                .readable_response_headers
                .iter()
                .map(String::as_str)
                .filter(|n| sent(n))
                .collect();
            if model != want {
                failures.push(format!("{id}: readable {model:?} / webkit {want:?}"));
            }
        }
        let want_lines: Vec<&str> = want["console"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for profile in Profile::ALL {
            let v = if profile == Profile::Safari {
                safari.clone()
            } else {
                explain(&s, profile).unwrap_or_else(|e| panic!("{id}: {e}"))
            };
            if v.console.safari != want_lines {
                failures.push(format!(
                    "{id} ({profile:?}): console.safari {:?} / webkit {want_lines:?}",
                    v.console.safari
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
