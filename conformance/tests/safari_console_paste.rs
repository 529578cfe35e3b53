//! WebKit's console lines, as the model writes them for every blocked
//! corpus scenario, are what `corsair check --console` reads back: pasted,
//! they name Safari, the URL WebKit named, and a reason it recognises.

use corsair_conformance::compare::as_run_by_harness;
use corsair_core::{explain, scenario, Outcome, Profile};
use corsair_doctor::console::{self, Browser, ConsoleReason};

#[test]
fn the_doctor_reads_back_every_safari_failure_of_the_corpus() {
    let mut read = 0;
    let mut failures = Vec::new();
    for line in include_str!("../corpus/scenarios.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("corpus line");
        let id = v["id"].as_str().unwrap_or("");
        let s = as_run_by_harness(scenario::from_json(line).expect("scenario"));
        let verdict = explain(&s, Profile::Safari).expect("explains");
        let lines = &verdict.console.safari;
        let loader = lines.last().map(String::as_str).unwrap_or("");
        if verdict.outcome != Outcome::Blocked
            || !loader.ends_with(" due to access control checks.")
        {
            continue;
        }
        read += 1;
        match console::parse(&lines.join("\n")) {
            Ok(c) => {
                let url_named = loader.contains(&c.url);
                if c.browser != Browser::Safari
                    || !url_named
                    || matches!(c.reason, ConsoleReason::Other(_))
                {
                    failures.push(format!(
                        "{id}: read as {:?} {} {:?}",
                        c.browser, c.url, c.reason
                    ));
                }
            }
            Err(e) => failures.push(format!("{id}: {e}")),
        }
    }
    assert!(read > 300, "only {read} Safari failures read");
    assert!(
        failures.is_empty(),
        "{} not read back:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
