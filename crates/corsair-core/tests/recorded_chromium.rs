//! The model against Chromium 156's recorded verdicts: the design's example
//! file and, when present, the conformance corpus's recorded observations.

use corsair_core::{explain, scenario, Profile};
use serde_json::Value;

fn check_line(line: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let s = scenario::from_value(v.clone()).map_err(|e| e.to_string())?;
    let verdict = explain(&s, Profile::Chrome).map_err(|e| e.to_string())?;
    let want = &v["chromium_156"];
    let id = s.request.url.clone();
    let outcome = serde_json::to_value(verdict.outcome).unwrap();
    if outcome != want["outcome"] {
        return Err(format!("{id}: outcome {outcome} != {}", want["outcome"]));
    }
    if verdict.preflight.required != want["preflight_required"].as_bool().unwrap_or(false) {
        return Err(format!("{id}: preflight_required differs"));
    }
    let acrh = verdict.preflight.access_control_request_headers();
    if acrh != want["access_control_request_headers"].as_str() {
        return Err(format!(
            "{id}: ACRH {acrh:?} != {}",
            want["access_control_request_headers"]
        ));
    }
    if let Some(err) = want["cors_error"].as_str() {
        let blocked = verdict
            .blocked
            .as_ref()
            .ok_or(format!("{id}: not blocked"))?;
        let got = blocked.cors_error.map(|e| e.name());
        if got != Some(err) {
            return Err(format!("{id}: cors_error {got:?} != {err}"));
        }
        if blocked.failed_parameter != want["failed_parameter"].as_str().unwrap_or("") {
            return Err(format!(
                "{id}: failed_parameter {:?}",
                blocked.failed_parameter
            ));
        }
        if verdict.console.chrome.as_deref() != want["console"].as_str() {
            return Err(format!(
                "{id}: console\n got {:?}\nwant {}",
                verdict.console.chrome, want["console"]
            ));
        }
    }
    Ok(())
}

#[test]
fn design_examples_match_chromium_156() {
    let text = include_str!("../../../conformance/fixtures/explain-examples.jsonl");
    let failures: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| check_line(l).err())
        .collect();
    assert_eq!(text.lines().count(), 9);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
