//! The `corsair-tower` layer judged by real Chromium: random policies
//! (seeded) answer random requests through `CorsLayer` itself (real `http`
//! requests through the layer around a 200 JSON application; its responses
//! replayed to Chromium), and Chromium must let the page read the response
//! exactly when the policy allows the request. The browser model's own
//! verdict is compared too.
//!
//! Needs Chromium, like the corpus test; it fails without it.

use corsair_conformance::compare::{as_run_by_harness, compare};
use corsair_conformance::{parse_jsonl, run_scenarios, Options};
use corsair_core::policy::{origin_entry, OriginEntry, PolicySpec};
use corsair_core::scenario::{CredentialsMode, Initiator, RequestSpec, Scenario};
use corsair_core::server::route::PolicySet;
use corsair_core::server::CorsPolicy;
use corsair_core::{explain, Profile};
use corsair_tower::{served, CorsLayer};

const ENTRIES: &[&str] = &[
    "*",
    "http://app.example.test:8001",
    "http://admin.example.test:8001",
    "http://*.preview.example.test:8001",
    "http://app.example.test:*",
    "http://*.example.test:8003",
];

const PAGES: &[&str] = &[
    "http://app.example.test:8001",
    "http://admin.example.test:8001",
    "http://x.preview.example.test:8001",
    "http://preview.example.test:8001",
    "http://app.example.test:8003",
    "http://a.b.example.test:8003",
    "http://app.example.test.evil.test:8001",
    "http://evil.test:8001",
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "patch", "PURGE"];
const POLICY_METHODS: &[&str] = &["PUT", "DELETE", "PATCH", "PURGE", "*"];
const HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("authorization", "Bearer t"),
    ("x-request-id", "42"),
    ("x-custom", "1"),
];
const POLICY_HEADERS: &[&str] = &["content-type", "authorization", "x-request-id", "*"];

/// A small seeded generator (no dependency needed for a fixed sequence).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn mask(&mut self, bits: usize) -> u32 {
        (self.next() as u32) & ((1 << bits) - 1)
    }
}

fn subset<'a>(items: &'a [&'a str], mask: u32) -> Vec<&'a str> {
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

struct Case {
    line: String,
    want_allowed: bool,
    summary: String,
}

fn case(rng: &mut Lcg, i: usize) -> Option<Case> {
    let credentials = rng.below(2) == 0;
    let origins: Vec<OriginEntry> = subset(ENTRIES, rng.mask(ENTRIES.len()))
        .into_iter()
        .filter_map(|e| origin_entry::analyze(e).entry)
        .filter(|e| !(credentials && *e == OriginEntry::Any))
        .collect();
    if origins.is_empty() {
        return None;
    }
    let spec = PolicySpec {
        origins: origins.into(),
        credentials,
        methods: subset(POLICY_METHODS, rng.mask(POLICY_METHODS.len()))
            .into_iter()
            .map(String::from)
            .collect(),
        request_headers: subset(POLICY_HEADERS, rng.mask(POLICY_HEADERS.len()))
            .into_iter()
            .map(String::from)
            .collect(),
        expose_headers: ["x-total".to_owned()].into(),
        max_age: Some(0),
        ..PolicySpec::default()
    };
    let layer = CorsLayer::from_policy_set(PolicySet::single(CorsPolicy::new(&spec)));
    // Two times in three, a page the policy names, so that both outcomes are common.
    let named: Vec<&str> = PAGES
        .iter()
        .copied()
        .filter(|p| spec.origins.iter().any(|e| e.allows(p)))
        .collect();
    let page = if !named.is_empty() && rng.below(3) != 0 {
        named[rng.below(named.len())]
    } else {
        PAGES[rng.below(PAGES.len())]
    };
    let headers_mask = rng.mask(HEADERS.len()) & rng.mask(HEADERS.len());
    let sent: Vec<(String, String)> = HEADERS
        .iter()
        .enumerate()
        .filter(|(j, _)| headers_mask & (1 << j) != 0)
        .map(|(_, (n, v))| ((*n).into(), (*v).into()))
        .collect();
    let mut scenario = Scenario {
        page_origin: page.into(),
        request: RequestSpec {
            url: format!("http://api.example.test:8002/s/sm-{i}/r"),
            method: if rng.below(3) == 0 {
                "GET"
            } else {
                METHODS[rng.below(METHODS.len())]
            }
            .into(),
            headers: sent,
            credentials: if rng.below(2) == 0 {
                CredentialsMode::Include
            } else {
                CredentialsMode::Omit
            },
            mode: Default::default(),
            initiator: if rng.below(4) == 0 {
                Initiator::Xhr
            } else {
                Initiator::Fetch
            },
        },
        preflight: None,
        response: None,
        read_headers: vec![],
        address_space: None,
    };
    // What the browser will send: the model's prediction, itself checked
    // against Chromium by the corpus (and again by `compare` below).
    let probe = explain(&scenario, Profile::Chrome).expect("valid scenario");
    let method = probe.request.method.clone();
    let acrh = probe
        .preflight
        .access_control_request_headers()
        .map(str::to_owned);
    let url = scenario.request.url.clone();
    if probe.preflight.required {
        let answer = served::preflight_answer(&layer, &url, page, &method, acrh.as_deref());
        scenario.preflight = Some(answer.expect("the layer answers the preflight"));
    }
    let answer =
        served::actual_answer(&layer, &url, &method, Some(page), &scenario.request.headers);
    scenario.response = Some(answer.expect("the layer and the application answer the request"));
    let unsafe_headers: Vec<String> = acrh
        .as_deref()
        .map_or_else(Vec::new, |h| h.split(',').map(String::from).collect());
    let with_credentials = scenario.request.credentials == CredentialsMode::Include;
    let want_allowed = spec.allows_request(
        page,
        &method,
        &unsafe_headers,
        with_credentials,
        probe.preflight.required,
    );
    let summary = format!(
        "{page} {method} {:?} credentials={with_credentials} under origins={:?} credentials={} methods={:?} headers={:?}",
        acrh, spec.origins, spec.credentials, spec.methods, spec.request_headers
    );
    let line = serde_json::json!({"id": format!("sm-{i}"), "scenario": scenario}).to_string();
    Some(Case {
        line,
        want_allowed,
        summary,
    })
}

#[test]
fn chromium_allows_exactly_what_the_policy_allows() {
    let mut rng = Lcg(0x5eed_c0de);
    let cases: Vec<Case> = (0..400)
        .filter_map(|i| case(&mut rng, i))
        .take(300)
        .collect();
    let allowed = cases.iter().filter(|c| c.want_allowed).count();
    assert!(
        allowed > 60 && allowed < cases.len() - 60,
        "a mix of allowed and refused: {allowed}/{}",
        cases.len()
    );
    let text: String = cases.iter().map(|c| format!("{}\n", c.line)).collect();
    let lines = parse_jsonl(&text).expect("generated scenarios parse");
    let observed = run_scenarios(&lines, &Options::default())
        .unwrap_or_else(|e| panic!("harness failed: {e}"));
    let mut failures = Vec::new();
    for (c, obs) in cases.iter().zip(&observed) {
        let chromium_allowed = obs.outcome == corsair_conformance::Outcome::Allowed;
        if chromium_allowed != c.want_allowed {
            failures.push(format!(
                "{}: Chromium {:?}, policy allows={}: {} ({:?})",
                obs.id, obs.outcome, c.want_allowed, c.summary, obs.console
            ));
        }
        let s = as_run_by_harness(corsair_core::scenario::from_json(&c.line).expect("parses"));
        let verdict = explain(&s, Profile::Chrome).expect("explains");
        for m in compare(&s, &verdict, obs) {
            failures.push(format!("{}: model and Chromium differ: {m}", obs.id));
        }
    }
    eprintln!(
        "corsair-tower's layer in Chromium: {} scenarios, {allowed} allowed by their policy, {} failures",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
