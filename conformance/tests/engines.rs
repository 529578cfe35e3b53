//! One verdict per engine: on every corpus scenario, under every profile,
//! `verdict.engines` says where Chrome, Firefox and Safari part exactly as
//! their recordings (Chromium 156, Firefox ESR 153, WebKitGTK 2.50) do, and
//! is left out exactly where the three agree.

use std::collections::HashMap;

use corsair_conformance::compare::as_run_by_harness;
use corsair_core::{explain, scenario, Outcome, Profile};
use serde_json::Value;

/// id → whether the page's code got the response, from a recording.
fn allowed(jsonl: &str) -> HashMap<String, bool> {
    jsonl
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("recorded line");
            let id = v["id"].as_str().expect("id").to_owned();
            (id, v["outcome"].as_str() != Some("blocked"))
        })
        .collect()
}

fn gets_response(o: Outcome) -> bool {
    !matches!(o, Outcome::Blocked)
}

#[test]
fn engines_part_where_the_recordings_part() {
    let chrome = allowed(include_str!("../corpus/chromium.jsonl"));
    let firefox = allowed(include_str!("../corpus/firefox.jsonl"));
    let safari = allowed(include_str!("../corpus/webkit.jsonl"));
    let mut failures = Vec::new();
    let mut parted = 0;
    for line in include_str!("../corpus/scenarios.jsonl").lines() {
        let v: Value = serde_json::from_str(line).expect("corpus line");
        let id = v["id"].as_str().expect("id");
        let s =
            as_run_by_harness(scenario::from_json(line).unwrap_or_else(|e| panic!("{id}: {e}")));
        let want = [chrome[id], firefox[id], safari[id]];
        let agree = want.iter().all(|w| *w == want[0]);
        parted += usize::from(!agree);
        for profile in Profile::ALL {
            let verdict = explain(&s, profile).unwrap_or_else(|e| panic!("{id}: {e}"));
            match (&verdict.engines, agree) {
                (None, true) => {}
                (Some(e), false) => {
                    let got = [
                        gets_response(e.chrome),
                        gets_response(e.firefox),
                        gets_response(e.safari),
                    ];
                    if got != want {
                        failures.push(format!("{id} ({profile:?}): engines {got:?} / recorded {want:?}"));
                    }
                }
                (got, _) => failures.push(format!(
                    "{id} ({profile:?}): engines {:?} / recorded (chrome, firefox, safari) {want:?}",
                    got.as_ref().map(|e| &e.summary)
                )),
            }
        }
    }
    assert!(parted > 10, "the corpus should show the engines parting");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
