//! The whole conformance corpus in real headless Chromium, compared with the
//! model: outcome, CorsError, failed parameter, console line, the preflight's
//! Access-Control-Request-Headers, status and readable headers.
//!
//! Needs Chromium (Debian's `chromium`, or `$CHROMIUM`). Without it this test
//! fails: a conformance check that skips proves nothing.

use std::collections::BTreeMap;

use corsair_conformance::compare::{as_run_by_harness, compare};
use corsair_conformance::{parse_jsonl, run_scenarios, Options};
use corsair_core::{explain, scenario, Profile};

#[test]
fn model_agrees_with_live_chromium_on_the_whole_corpus() {
    let text = include_str!("../corpus/scenarios.jsonl");
    let lines = parse_jsonl(text).expect("corpus parses");
    assert!(
        lines.len() >= 400,
        "the corpus must hold at least 400 scenarios"
    );
    let started = std::time::Instant::now();
    let observed = run_scenarios(&lines, &Options::default())
        .unwrap_or_else(|e| panic!("harness failed: {e}"));
    let elapsed = started.elapsed();
    let mut failures = Vec::new();
    let mut by_field: BTreeMap<&str, usize> = BTreeMap::new();
    let raw: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    for (line, obs) in raw.iter().zip(&observed) {
        let s = as_run_by_harness(
            scenario::from_json(line).unwrap_or_else(|e| panic!("{}: {e}", obs.id)),
        );
        let verdict = explain(&s, Profile::Chrome).unwrap_or_else(|e| panic!("{}: {e}", obs.id));
        for m in compare(&s, &verdict, obs) {
            *by_field.entry(m.field).or_default() += 1;
            failures.push(format!("{}: {m}", obs.id));
        }
    }
    let failed_ids: std::collections::HashSet<&str> = failures
        .iter()
        .map(|f| f.split(':').next().unwrap_or(""))
        .collect();
    eprintln!(
        "conformance: {}/{} scenarios agree with Chromium ({}) in {:.1} s",
        observed.len() - failed_ids.len(),
        observed.len(),
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        elapsed.as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "mismatches by field {by_field:?}:\n{}",
        failures.join("\n")
    );
}
