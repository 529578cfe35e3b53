//! Behaviour the live corpus cannot show on loopback (https, address spaces,
//! long chains, other profiles), as tables from the Fetch standard and the
//! browsers' sources.

use corsair_core::verdict::Stage;
use corsair_core::{explain, scenario, Outcome, Profile, Slug, Verdict};
use serde_json::{json, Value};

fn run(s: Value, profile: Profile) -> Verdict {
    let s = scenario::from_value(s).expect("valid scenario");
    explain(&s, profile).expect("explains")
}

fn acao(v: &str) -> Value {
    json!(["Access-Control-Allow-Origin", v])
}

#[test]
fn mixed_content_is_blocked_before_cors() {
    let v = run(
        json!({"page_origin": "https://app.example.com", "request": {"url": "http://api.example.com/x"},
               "response": {"status": 200, "headers": [acao("*")]}}),
        Profile::Chrome,
    );
    assert_eq!(v.outcome, Outcome::Blocked);
    let b = v.blocked.unwrap();
    assert_eq!((b.stage, b.cors_error), (Stage::Request, None));
    assert_eq!(v.findings[0].slug, Slug::MixedContent);
    assert!(v.console.chrome.unwrap().starts_with(
        "Mixed Content: The page at 'https://app.example.com/' was loaded over HTTPS"
    ));
    // Loopback is potentially trustworthy: not mixed content.
    let v = run(
        json!({"page_origin": "https://app.example.com", "request": {"url": "http://127.0.0.1:8000/x"},
               "response": {"status": 200, "headers": [acao("*")]}}),
        Profile::Chrome,
    );
    assert_eq!(v.outcome, Outcome::Allowed);
}

#[test]
fn local_network_access_needs_permission() {
    let base = json!({"page_origin": "http://app.example.com", "request": {"url": "http://router.local/api"},
                      "response": {"status": 200, "headers": [acao("*")]},
                      "address_space": {"page": "public", "target": "local"}});
    let v = run(base.clone(), Profile::Chrome);
    let b = v.blocked.as_ref().unwrap();
    assert_eq!(
        b.cors_error.unwrap().name(),
        "LocalNetworkAccessPermissionDenied"
    );
    assert!(v
        .console
        .chrome
        .as_ref()
        .unwrap()
        .ends_with("Permission was denied for this request to access the `local` address space."));
    assert_eq!(v.findings[0].slug, Slug::LocalNetworkAccess);
    let mut granted = base.clone();
    granted["address_space"]["permission_granted"] = json!(true);
    assert_eq!(
        run(granted.clone(), Profile::Chrome).outcome,
        Outcome::Allowed
    );
    // A request that declares the wrong target space fails even with permission.
    granted["address_space"]["declared"] = json!("loopback");
    let v = run(granted, Profile::Chrome);
    assert_eq!(
        v.blocked.as_ref().unwrap().cors_error.unwrap().name(),
        "InvalidLocalNetworkAccess"
    );
    assert!(v.console.chrome.unwrap().ends_with(
        "Request had a target IP address space of `loopback` yet the resource is in address space `local`."
    ));
    // Toward a less private space there is nothing to ask.
    let mut outward = base;
    outward["address_space"] = json!({"page": "local", "target": "public"});
    assert_eq!(run(outward, Profile::Chrome).outcome, Outcome::Allowed);
}

fn chain(hops: usize) -> Value {
    // hops redirects, each to the next /hN on the same API origin, then a 200.
    let mut answer = json!({"status": 200, "headers": [acao("*")]});
    for i in (0..hops).rev() {
        answer = json!({"status": 302, "headers": [["Location", format!("/h{}", i + 1)], acao("*")],
                        "next": {"response": answer}});
    }
    json!({"page_origin": "http://app.example.com", "request": {"url": "http://api.example.com/h0"}, "response": answer})
}

#[test]
fn twenty_redirects_are_followed_and_the_twenty_first_fails() {
    let v = run(chain(20), Profile::Chrome);
    assert_eq!(v.outcome, Outcome::Allowed);
    assert_eq!(v.urls.len(), 21);
    let v = run(chain(21), Profile::Chrome);
    assert_eq!(v.outcome, Outcome::Blocked);
    assert_eq!(v.blocked.as_ref().unwrap().cors_error, None);
    assert_eq!(v.findings[0].slug, Slug::NotACorsError);
}

#[test]
fn see_other_turns_a_put_into_a_get_and_drops_the_body_headers() {
    let v = run(
        json!({"page_origin": "http://app.example.com",
               "request": {"url": "http://api.example.com/x", "method": "PUT", "headers": [["Content-Type", "application/json"]]},
               "preflight": {"status": 204, "headers": [acao("http://app.example.com"), ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Allow-Headers", "content-type"]]},
               "response": {"status": 303, "headers": [["Location", "/y"], acao("http://app.example.com")],
                            "next": {"response": {"status": 200, "headers": [acao("http://app.example.com")]}}}}),
        Profile::Chrome,
    );
    assert_eq!(v.outcome, Outcome::Allowed);
    assert_eq!(v.request.method, "GET");
    assert!(v.request.headers.is_empty());
}

#[test]
fn authorization_under_wildcard_differs_by_profile() {
    let s = json!({"page_origin": "http://app.example.com",
                   "request": {"url": "http://api.example.com/x", "headers": [["Authorization", "Bearer t"]]},
                   "preflight": {"status": 204, "headers": [acao("*"), ["Access-Control-Allow-Headers", "*"]]},
                   "response": {"status": 200, "headers": [acao("*")]}});
    for profile in [Profile::Chrome, Profile::Firefox] {
        let v = run(s.clone(), profile);
        assert_eq!(v.outcome, Outcome::Allowed, "{profile:?}");
        assert!(v
            .findings
            .iter()
            .any(|f| f.slug == Slug::WildcardAuthorization));
    }
    let v = run(s, Profile::Spec);
    assert_eq!(v.outcome, Outcome::Blocked);
    assert_eq!(v.blocked.unwrap().failed_parameter, "authorization");
}

#[test]
fn firefox_names_two_acao_lines_as_multiple_and_one_list_as_mismatch() {
    let two_lines = json!({"page_origin": "http://app.example.com", "request": {"url": "http://api.example.com/x"},
                           "response": {"status": 200, "headers": [acao("http://app.example.com"), acao("http://app.example.com")]}});
    let v = run(two_lines, Profile::Firefox);
    assert!(v
        .console
        .firefox
        .unwrap()
        .ends_with("(Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed)."));
    let one_list = json!({"page_origin": "http://app.example.com", "request": {"url": "http://api.example.com/x"},
                          "response": {"status": 200, "headers": [acao("http://app.example.com, http://b.example")]}});
    let v = run(one_list, Profile::Firefox);
    assert_eq!(
        v.blocked.unwrap().cors_error.unwrap().name(),
        "AllowOriginMismatch"
    );
    let v2 = run(
        json!({"page_origin": "http://app.example.com", "request": {"url": "http://api.example.com/x"},
               "response": {"status": 200, "headers": [acao("http://app.example.com, http://b.example")]}}),
        Profile::Chrome,
    );
    assert_eq!(
        v2.blocked.unwrap().cors_error.unwrap().name(),
        "MultipleAllowOriginValues"
    );
    assert!(v
        .console
        .firefox
        .unwrap()
        .ends_with("does not match ‘http://app.example.com, http://b.example’)."));
}

#[test]
fn preflight_cache_is_capped_per_browser() {
    let s = json!({"page_origin": "http://app.example.com", "request": {"url": "http://api.example.com/x", "method": "PUT"},
                   "preflight": {"status": 204, "headers": [acao("*"), ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Max-Age", "86400"]]},
                   "response": {"status": 200, "headers": [acao("*")]}});
    let chrome = run(s.clone(), Profile::Chrome);
    assert_eq!(chrome.preflight.cache_seconds, Some(7200));
    assert!(chrome
        .findings
        .iter()
        .any(|f| f.slug == Slug::MaxAgeOverCap));
    let firefox = run(s, Profile::Firefox);
    assert_eq!(firefox.preflight.cache_seconds, Some(86400));
    assert!(!firefox
        .findings
        .iter()
        .any(|f| f.slug == Slug::MaxAgeOverCap));
}

#[test]
fn incomplete_names_the_missing_answer() {
    let v = run(
        json!({"page_origin": "http://app.example.com", "request": {"url": "http://api.example.com/x", "method": "DELETE"}}),
        Profile::Chrome,
    );
    assert_eq!(v.outcome, Outcome::Incomplete);
    let m = v.missing.unwrap();
    assert_eq!(
        (m.stage, m.url.as_str()),
        (Stage::Preflight, "http://api.example.com/x")
    );
}

#[test]
fn warnings_on_allowed_responses() {
    let v = run(
        json!({"page_origin": "http://app.example.com", "request": {"url": "https://api.example.com/x", "credentials": "include",
                                                                     "headers": [["Access-Control-Allow-Origin", "*"]]},
               "preflight": {"status": 204, "headers": [acao("http://app.example.com"), ["Access-Control-Allow-Credentials", "true"],
                                                        ["Access-Control-Allow-Headers", "access-control-allow-origin"]]},
               "response": {"status": 200, "headers": [acao("http://app.example.com"), ["Access-Control-Allow-Credentials", "true"], ["ETag", "x"]]},
               "read_headers": ["ETag"]}),
        Profile::Chrome,
    );
    assert_eq!(v.outcome, Outcome::Allowed);
    let slugs: Vec<Slug> = v.findings.iter().map(|f| f.slug).collect();
    for want in [
        Slug::CorsHeadersInRequest,
        Slug::PreflightNotCached,
        Slug::HeaderNotExposed,
        Slug::MissingVaryOrigin,
        Slug::InsecureOriginTrusted,
    ] {
        assert!(slugs.contains(&want), "{want} missing from {slugs:?}");
    }
}

#[test]
fn forbidden_headers_are_dropped_and_reported() {
    let v = run(
        json!({"page_origin": "http://app.example.com",
               "request": {"url": "http://api.example.com/x", "headers": [["Cookie", "a=b"], ["Origin", "http://evil.example"], ["Sec-Foo", "1"], ["Accept", "*/*"]]},
               "response": {"status": 200, "headers": [acao("*")]}}),
        Profile::Chrome,
    );
    assert!(!v.preflight.required);
    assert_eq!(
        v.request.headers,
        vec![("accept".to_owned(), "*/*".to_owned())]
    );
    assert_eq!(v.request.dropped_headers.len(), 3);
}

#[test]
fn no_cors_is_opaque_and_rejects_other_methods() {
    let base = json!({"page_origin": "http://app.example.com", "request": {"url": "http://api.example.com/x", "mode": "no-cors", "method": "POST",
                       "headers": [["X-Custom", "1"]]}, "response": {"status": 200, "headers": []}});
    let v = run(base.clone(), Profile::Chrome);
    assert_eq!(v.outcome, Outcome::Opaque);
    assert!(v.request.headers.is_empty());
    let mut put = base;
    put["request"]["method"] = json!("PUT");
    let v = run(put, Profile::Chrome);
    assert_eq!(v.outcome, Outcome::Blocked);
    assert_eq!(v.findings[0].slug, Slug::InvalidRequest);
}

#[test]
fn a_public_cors_proxy_is_flagged() {
    let v = run(
        json!({"page_origin": "https://app.example.com",
               "request": {"url": "https://cors-anywhere.herokuapp.com/https://api.example.com/v1/users"},
               "response": {"status": 200, "headers": [acao("*")]}}),
        Profile::Chrome,
    );
    assert_eq!(v.outcome, Outcome::Allowed);
    let f = v
        .findings
        .iter()
        .find(|f| f.slug == Slug::CorsProxyInProduction)
        .expect("proxy finding");
    assert!(
        f.explanation.contains("https://api.example.com/v1/users"),
        "{}",
        f.explanation
    );
}

#[test]
fn a_redirect_without_a_fragment_keeps_the_current_one() {
    // Fetch's HTTP-redirect fetch: a Location without a fragment inherits the
    // current URL's; Chromium names the URL with it (found by random testing,
    // round 2).
    let v = run(
        json!({"page_origin": "http://app.example.test:8001",
               "request": {"url": "http://api.example.test:8002/s/r2-frag-1/r"},
               "response": {"status": 302, "headers": [["Location", "http://cdn.example.test:8003/s/r2-frag-1/a#frag"], acao("*")],
                 "next": {"response": {"status": 302, "headers": [["Location", "/s/r2-frag-1/b"], acao("*")],
                   "next": {"response": {"status": 200, "headers": []}}}}}}),
        Profile::Chrome,
    );
    assert_eq!(v.outcome, Outcome::Blocked);
    assert_eq!(
        v.console.chrome.as_deref(),
        Some("Access to fetch at 'http://cdn.example.test:8003/s/r2-frag-1/b#frag' (redirected from 'http://api.example.test:8002/s/r2-frag-1/r') from origin 'http://app.example.test:8001' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.")
    );
}

#[test]
fn firefox_skips_the_cors_check_of_a_preflight_back_at_the_page_origin() {
    // Found by random testing, round 2, and observed in Firefox ESR 153: the
    // preflight at a redirect target of the page's own origin is not
    // CORS-checked (no Access-Control-Allow-Origin needed); its status and
    // allow lists still are. Chrome checks it as any other preflight.
    let p = "http://app.example.test:8001";
    let ok_pf = json!({"status": 204, "headers": [acao(p), ["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Allow-Headers", "X-Custom"]]});
    let scenario = |pf: Value| {
        json!({"page_origin": p,
               "request": {"url": "http://api.example.test:8002/s/r2-ffpf/r", "method": "PUT", "headers": [["X-Custom", "1"]]},
               "preflight": ok_pf,
               "response": {"status": 307, "headers": [["Location", "http://app.example.test:8001/s/r2-ffpf/b"], acao(p)],
                 "next": {"preflight": pf, "response": {"status": 200, "headers": [acao("*")]}}}})
    };
    let v = run(
        scenario(json!({"status": 304, "headers": []})),
        Profile::Firefox,
    );
    assert_eq!(v.outcome, Outcome::Blocked);
    assert_eq!(
        v.console.firefox.as_deref(),
        Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://app.example.test:8001/s/r2-ffpf/b. (Reason: CORS preflight response did not succeed). Status code: 304.")
    );
    let no_method =
        json!({"status": 204, "headers": [["Access-Control-Allow-Headers", "X-Custom"]]});
    let v = run(scenario(no_method), Profile::Firefox);
    assert_eq!(
        v.blocked.unwrap().cors_error,
        Some(corsair_core::CorsError::MethodDisallowedByPreflightResponse)
    );
    let no_acao = json!({"status": 204, "headers": [["Access-Control-Allow-Methods", "PUT"], ["Access-Control-Allow-Headers", "X-Custom"]]});
    assert_eq!(
        run(scenario(no_acao.clone()), Profile::Firefox).outcome,
        Outcome::Allowed
    );
    let v = run(scenario(no_acao), Profile::Chrome);
    assert_eq!(
        v.blocked.unwrap().cors_error,
        Some(corsair_core::CorsError::PreflightMissingAllowOriginHeader)
    );
}

#[test]
fn firefox_does_not_safelist_a_content_type_list() {
    // Found by random testing, round 2, and observed in Firefox ESR 153: a
    // Content-Type holding a list (two XHR setRequestHeader calls, or a comma
    // in one value) is preflighted by Firefox; Chrome reads the first type
    // (`text/plain;x, text/plain` passes there).
    let p = "http://app.example.test:8001";
    let scenario = |initiator: &str, headers: Value| {
        json!({"page_origin": p,
               "request": {"url": "http://api.example.test:8002/s/r2-ffct/r", "method": "POST", "headers": headers, "initiator": initiator},
               "preflight": {"status": 200, "headers": []},
               "response": {"status": 200, "headers": [acao(p)]}})
    };
    let two = json!([
        ["Content-Type", "text/plain;x"],
        ["Content-Type", "text/plain"]
    ]);
    let v = run(scenario("xhr", two.clone()), Profile::Firefox);
    assert!(v.preflight.required);
    assert_eq!(
        v.console.firefox.as_deref(),
        Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.example.test:8002/s/r2-ffct/r. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.")
    );
    let one = json!([["Content-Type", "text/plain, text/plain"]]);
    assert!(
        run(scenario("fetch", one.clone()), Profile::Firefox)
            .preflight
            .required
    );
    let single = json!([["Content-Type", "text/plain;x"]]);
    assert_eq!(
        run(scenario("fetch", single), Profile::Firefox).outcome,
        Outcome::Allowed
    );
    // Chrome parses one media type and ignores what follows its parameters.
    let v = run(scenario("xhr", two), Profile::Chrome);
    assert!(!v.preflight.required);
    assert_eq!(v.outcome, Outcome::Allowed);
}

#[test]
fn firefox_checks_the_method_before_parsing_allow_headers() {
    // Found by random testing, round 2, and observed in both browsers: with a
    // refused method and an unparsable Access-Control-Allow-Headers, Firefox
    // reports the method, Chrome the header list.
    let p = "http://app.example.test:8001";
    let s = json!({"page_origin": p,
                   "request": {"url": "http://api.example.test:8002/s/r2-fford-1/r", "method": "PUT", "headers": [["X-Custom", "1"]]},
                   "preflight": {"status": 204, "headers": [acao(p), ["Access-Control-Allow-Methods", "DELETE"], ["Access-Control-Allow-Headers", "X-Custom, @"]]},
                   "response": {"status": 200, "headers": [acao(p)]}});
    let v = run(s.clone(), Profile::Firefox);
    assert_eq!(
        v.console.firefox.as_deref(),
        Some("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.example.test:8002/s/r2-fford-1/r. (Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’).")
    );
    let v = run(s, Profile::Chrome);
    assert_eq!(
        v.blocked.unwrap().cors_error,
        Some(corsair_core::CorsError::InvalidAllowHeadersPreflightResponse)
    );
}
