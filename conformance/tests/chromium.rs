//! Runs scenarios in the real Chromium. These tests need Chromium installed
//! (Debian's `chromium`, or `$CHROMIUM`); without it they fail, on purpose:
//! a conformance harness that silently skips proves nothing.
//!
//! Each test uses its own ports, because cargo runs tests in parallel.

use corsair_conformance::{parse_jsonl, run_scenarios, Observed, Options, Outcome, Served};
use serde_json::Value;

fn run(text: &str, opts: &Options) -> Vec<Observed> {
    let lines = parse_jsonl(text).expect("scenarios parse");
    run_scenarios(&lines, opts).unwrap_or_else(|e| panic!("harness failed: {e}"))
}

/// Every recorded Chromium 156 observation of the design's examples is
/// reproduced exactly (ports 8001-8003).
#[test]
fn reproduces_the_recorded_explain_examples() {
    let text = include_str!("../fixtures/explain-examples.jsonl");
    let observed = run(text, &Options::default());
    let expected: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["chromium_156"].clone())
        .collect();
    assert_eq!(observed.len(), expected.len());
    for (o, e) in observed.iter().zip(&expected) {
        let got = serde_json::to_value(o).unwrap();
        for field in [
            "outcome",
            "cors_error",
            "failed_parameter",
            "console",
            "access_control_request_headers",
        ] {
            let want = e.get(field).cloned().unwrap_or(Value::Null);
            assert_eq!(got[field], want, "scenario {}: {field}", o.id);
        }
        assert_eq!(
            Value::Bool(o.preflight_sent),
            e["preflight_required"],
            "scenario {}: preflight",
            o.id
        );
    }
}

const P: &str = "http://app.example.test:8101";

fn line(id: &str, request: Value, rest: Value) -> String {
    let mut scenario = serde_json::json!({ "page_origin": P, "request": request });
    if let (Some(s), Value::Object(r)) = (scenario.as_object_mut(), rest) {
        s.extend(r);
    }
    serde_json::json!({ "id": id, "scenario": scenario }).to_string()
}

/// Renderer-side refusals, no-cors, exact header bytes, a missing answer
/// and a redirect chain (ports 8101-8103).
#[test]
fn reports_renderer_side_errors_and_server_view() {
    use serde_json::json;
    let api = |id: &str| format!("http://api.example.test:8102/s/{id}/x");
    let ok = json!({"response": {"status": 200, "headers": [["Access-Control-Allow-Origin", P]]}});
    let text = [
        line("so", json!({"url": api("so"), "mode": "same-origin"}), ok.clone()),
        line("trace", json!({"url": api("trace"), "method": "TRACE"}), ok.clone()),
        line(
            "nocors",
            json!({"url": api("nocors"), "mode": "no-cors"}),
            json!({"response": {"status": 200, "headers": []}}),
        ),
        line(
            "bytes",
            json!({"url": api("bytes")}),
            json!({"response": {"status": 200, "headers": [
                ["Access-Control-Allow-Origin", format!("{P}\u{ff}")]]}}),
        ),
        line(
            "missing",
            json!({"url": api("missing"), "method": "PUT"}),
            json!({"preflight": {"status": 204, "headers": [
                ["Access-Control-Allow-Origin", P], ["Access-Control-Allow-Methods", "PUT"]]}}),
        ),
        line(
            "chain",
            json!({"url": api("chain")}),
            json!({"response": {"status": 302, "headers": [
                ["Location", "http://cdn.example.test:8103/s/chain/y"], ["Access-Control-Allow-Origin", "*"]],
                "next": {"response": {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}}}}),
        ),
    ]
    .join("\n");
    let o = run(&text, &Options::default());
    let by = |id: &str| o.iter().find(|x| x.id == id).unwrap();

    let so = by("so");
    assert_eq!(so.outcome, Outcome::Blocked);
    assert_eq!(so.cors_error.as_deref(), Some("DisallowedByMode"));
    assert!(so
        .console
        .as_deref()
        .unwrap()
        .starts_with("Fetch API cannot load "));
    assert!(so.requests.is_empty());

    let trace = by("trace");
    assert_eq!(trace.js.name.as_deref(), Some("TypeError"));
    assert_eq!(trace.cors_error, None);
    assert!(trace.requests.is_empty());

    let nocors = by("nocors");
    assert_eq!(nocors.outcome, Outcome::Allowed);
    assert_eq!(nocors.js.response_type.as_deref(), Some("opaque"));

    let bytes = by("bytes");
    assert_eq!(bytes.cors_error.as_deref(), Some("InvalidAllowOriginValue"));
    assert!(bytes.console.as_deref().unwrap().contains(":8101\\u00FF'"));

    let missing = by("missing");
    assert!(missing.incomplete);
    assert_eq!(
        missing.access_control_request_method.as_deref(),
        Some("PUT")
    );
    assert_eq!(missing.requests[1].served, Served::Missing);

    let chain = by("chain");
    assert_eq!(chain.outcome, Outcome::Allowed);
    assert_eq!(chain.requests.len(), 2);
    assert_eq!(chain.requests[1].header("origin"), Some("null"));
}

/// With CorsNonWildcardRequestHeadersSupport, `*` no longer covers
/// Authorization, as the spec says (ports 8201-8202).
#[test]
fn extra_flags_reach_chromium() {
    use serde_json::json;
    let p = "http://app.example.test:8201";
    let scenario = json!({"id": "authz", "scenario": {
        "page_origin": p,
        "request": {"url": "http://api.example.test:8202/s/authz/x",
                    "headers": [["Authorization", "Bearer x"]]},
        "preflight": {"status": 204, "headers": [
            ["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Headers", "*"]]},
        "response": {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}}});
    let opts = Options {
        extra_flags: vec!["--enable-features=CorsNonWildcardRequestHeadersSupport".into()],
        ..Options::default()
    };
    let o = run(&scenario.to_string(), &opts);
    assert_eq!(o[0].outcome, Outcome::Blocked);
    assert_eq!(
        o[0].cors_error.as_deref(),
        Some("HeaderDisallowedByPreflightResponse")
    );
    assert_eq!(o[0].failed_parameter.as_deref(), Some("authorization"));
    assert_eq!(
        o[0].access_control_request_headers.as_deref(),
        Some("authorization")
    );
}
