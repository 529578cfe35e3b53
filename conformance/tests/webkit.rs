//! Runs the whole corpus in real WebKitGTK (Debian's `webkit2gtk-driver`
//! MiniBrowser under `xvfb`) and compares the model with what it did:
//! outcome, readable response headers, and WebKit's console lines. Without
//! WebKit, Xvfb or the corpus's host names in `/etc/hosts` it fails, on
//! purpose: a conformance check that silently skips proves nothing.
//!
//! Ports 8001-8003, like the Chromium corpus run (test binaries run one
//! after another).

use std::net::ToSocketAddrs;

use corsair_conformance::compare::{as_run_by_harness, webkit_mismatches};
use corsair_conformance::{parse_jsonl, run_webkit, WebKitOptions};
use corsair_core::scenario;

/// WebKit has no host-resolver flag: the names must resolve to loopback.
fn names_resolve_to_loopback() {
    for host in ["app.example.test", "api.example.test", "cdn.example.test"] {
        let addrs: Vec<_> = (host, 80)
            .to_socket_addrs()
            .unwrap_or_else(|e| {
                panic!("{host} does not resolve ({e}): add `127.0.0.1 app.example.test api.example.test cdn.example.test` to /etc/hosts (.ci/run does)")
            })
            .collect();
        assert!(
            addrs.iter().any(|a| a.ip().is_loopback()),
            "{host} resolves to {addrs:?}, not 127.0.0.1: map it in /etc/hosts"
        );
    }
}

#[test]
fn model_agrees_with_live_webkit_on_the_whole_corpus() {
    names_resolve_to_loopback();
    let text = include_str!("../corpus/scenarios.jsonl");
    let lines = parse_jsonl(text).expect("corpus parses");
    let observed = run_webkit(&lines, &WebKitOptions::default())
        .unwrap_or_else(|e| panic!("WebKit harness failed: {e}"));
    assert_eq!(observed.len(), lines.len());
    let mut failures = Vec::new();
    for (line, o) in text.lines().filter(|l| !l.is_empty()).zip(&observed) {
        let s = as_run_by_harness(
            scenario::from_json(line).unwrap_or_else(|e| panic!("{}: {e}", o.id)),
        );
        failures.extend(webkit_mismatches(&s, o));
    }
    // The run must also be the one recorded: a change of WebKit shows here
    // as well as against the model.
    let recorded = include_str!("../corpus/webkit.jsonl");
    let live: Vec<String> = observed
        .iter()
        .map(|o| serde_json::to_string(o).expect("observation serializes"))
        .collect();
    for (live, recorded) in live.iter().zip(recorded.lines()) {
        if live != recorded {
            failures.push(format!(
                "live run differs from corpus/webkit.jsonl:\n  live:     {live}\n  recorded: {recorded}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches with WebKit:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
