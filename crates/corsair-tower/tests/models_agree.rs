//! The layer and the browser model agree: for random policies and random
//! requests, what `CorsLayer` itself answers (real `http` requests through
//! the layer around a 200 JSON application), run through the browser model
//! (Chrome's and Firefox's rules), is allowed exactly when the policy allows
//! the request; and the layer never sends `*` with credentials, nor an
//! origin the policy does not name.

use corsair_core::policy::{origin_entry, OriginEntry, PolicySpec};
use corsair_core::scenario::{Answer, CredentialsMode, Initiator, RequestSpec, Scenario};
use corsair_core::server::route::PolicySet;
use corsair_core::server::CorsPolicy;
use corsair_core::{explain, Outcome, Profile};
use corsair_tower::{served, CorsLayer};
use proptest::prelude::*;

const TARGET: &str = "https://api.example.net/items";

const ENTRIES: &[&str] = &[
    "*",
    "https://app.example.com",
    "https://admin.example.com",
    "http://app.example.com",
    "https://*.example.com",
    "https://*.preview.example.org",
    "http://localhost:*",
    "http://localhost:3000",
    "https://app.example.com:8443",
    "https://*.example.org:*",
];

const PAGES: &[&str] = &[
    "https://app.example.com",
    "https://admin.example.com",
    "http://app.example.com",
    "https://example.com",
    "https://a.b.example.com",
    "https://app.example.com:8443",
    "https://app.example.com.evil.test",
    "https://evilexample.com",
    "https://x.preview.example.org",
    "https://preview.example.org",
    "https://x.example.org:9000",
    "http://localhost:3000",
    "http://localhost:5173",
    "https://localhost:3000",
    "https://evil.test",
];

const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "PURGE", "OPTIONS",
];
const POLICY_METHODS: &[&str] = &["PUT", "DELETE", "PATCH", "PURGE", "*"];
const HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("content-type", "text/plain"),
    ("authorization", "Bearer t"),
    ("x-request-id", "42"),
    ("x-custom", "1"),
    ("accept", "application/json"),
];
const POLICY_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "x-request-id",
    "X-Custom",
    "*",
];
const EXPOSE: &[&str] = &["etag", "x-ratelimit-remaining"];

fn subset<'a>(items: &'a [&'a str], mask: u32) -> Vec<&'a str> {
    items
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

fn spec(origins: u32, credentials: bool, methods: u32, headers: u32, expose: u32) -> PolicySpec {
    let origins = subset(ENTRIES, origins)
        .into_iter()
        .map(|e| origin_entry::analyze(e).entry.expect("valid entry"))
        .filter(|e| !(credentials && *e == OriginEntry::Any))
        .collect();
    PolicySpec {
        origins,
        credentials,
        methods: subset(POLICY_METHODS, methods)
            .into_iter()
            .map(String::from)
            .collect(),
        request_headers: subset(POLICY_HEADERS, headers)
            .into_iter()
            .map(String::from)
            .collect(),
        expose_headers: subset(EXPOSE, expose)
            .into_iter()
            .map(String::from)
            .collect(),
        max_age: Some(600),
        ..PolicySpec::default()
    }
}

fn check_headers(spec: &PolicySpec, page: &str, answer: &Answer) -> Result<(), TestCaseError> {
    let get = |n: &str| {
        answer
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let acao = get("Access-Control-Allow-Origin");
    let acac = get("Access-Control-Allow-Credentials");
    prop_assert!(
        !(acao == Some("*") && acac == Some("true")),
        "`*` with credentials"
    );
    if let Some(o) = acao.filter(|o| *o != "*") {
        prop_assert_eq!(o, page);
        prop_assert!(
            spec.origins.iter().any(|e| e.allows(o)),
            "echoed an origin the policy does not name: {}",
            o
        );
    }
    if acao.is_none() {
        prop_assert!(acac.is_none(), "Allow-Credentials for a refused origin");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn server_answers_are_allowed_exactly_when_the_policy_allows(
        origins in 1u32..(1 << ENTRIES.len()),
        credentials in any::<bool>(),
        methods in 0u32..(1 << POLICY_METHODS.len()),
        headers in 0u32..(1 << POLICY_HEADERS.len()),
        expose in 0u32..(1 << EXPOSE.len()),
        page in 0..PAGES.len(),
        method in 0..METHODS.len(),
        request_headers in 0u32..(1 << HEADERS.len()),
        with_credentials in any::<bool>(),
        xhr in any::<bool>(),
        firefox in any::<bool>(),
    ) {
        let spec = spec(origins, credentials, methods, headers, expose);
        prop_assume!(!spec.origins.is_empty());
        let layer = CorsLayer::from_policy_set(PolicySet::single(CorsPolicy::new(&spec)));
        let page = PAGES[page];
        let method = METHODS[method];
        let mut sent: Vec<(String, String)> = Vec::new();
        for (i, (n, v)) in HEADERS.iter().enumerate() {
            // One Content-Type at most: two would be combined into one value.
            if request_headers & (1 << i) != 0 && !sent.iter().any(|(s, _)| s == n) {
                sent.push(((*n).into(), (*v).into()));
            }
        }
        let profile = if firefox { Profile::Firefox } else { Profile::Chrome };
        let mut scenario = Scenario {
            page_origin: page.to_owned(),
            request: RequestSpec {
                url: TARGET.into(),
                method: method.into(),
                headers: sent,
                credentials: if with_credentials { CredentialsMode::Include } else { CredentialsMode::Omit },
                mode: Default::default(),
                initiator: if xhr { Initiator::Xhr } else { Initiator::Fetch },
            },
            preflight: None,
            response: None,
            read_headers: vec![],
            address_space: None,
        };
        // First pass: what the browser sends (the preflight's method and headers).
        let probe = explain(&scenario, profile).expect("valid scenario");
        let needs_preflight = probe.preflight.required;
        let sent_method = probe.request.method.clone();
        let acrh = probe.preflight.access_control_request_headers().map(str::to_owned);
        let unsafe_headers: Vec<String> = acrh.as_deref().map_or_else(Vec::new, |h| h.split(',').map(str::to_owned).collect());
        if needs_preflight {
            let answer = served::preflight_answer(&layer, TARGET, page, &sent_method, acrh.as_deref())
                .ok_or_else(|| TestCaseError::fail("the layer answers the preflight"))?;
            check_headers(&spec, page, &answer)?;
            // The server's own decision, before any browser check: a 204
            // exactly when the policy allows origin, method and headers.
            prop_assert_eq!(
                answer.status == 204,
                spec.allows_request(page, &sent_method, &unsafe_headers, false, true),
                "preflight decision for {} {} {:?} under {:?}", page, sent_method, acrh, spec
            );
            scenario.preflight = Some(answer);
        }
        let answer = served::actual_answer(&layer, TARGET, &sent_method, Some(page), &scenario.request.headers)
            .ok_or_else(|| TestCaseError::fail("the layer and the application answer the request"))?;
        prop_assert_eq!(answer.status, 200);
        check_headers(&spec, page, &answer)?;
        scenario.response = Some(answer);
        let verdict = explain(&scenario, profile).expect("valid scenario");
        let want = spec.allows_request(page, &sent_method, &unsafe_headers, with_credentials, needs_preflight);
        prop_assert_eq!(
            verdict.outcome == Outcome::Allowed,
            want,
            "policy {:?}\nverdict {:?}\nconsole {:?}",
            spec,
            verdict.outcome,
            verdict.console.chrome
        );
    }
}
