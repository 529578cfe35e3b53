//! The server model's decisions, case by case: what a policy answers to
//! preflights, to actual requests, and to hostile input.

use corsair_core::policy::PolicyBuilder;
use corsair_core::server::header_set::MAX_REQUEST_HEADERS_LEN;
use corsair_core::server::{
    AllowList, AllowOrigin, CorsPolicy, CorsRequest, Decision, Field, Refusal,
};

fn policy(b: PolicyBuilder) -> CorsPolicy {
    let set = b.max_age(600).build().expect("valid policy");
    set.for_path("/").1.clone()
}

fn main_policy() -> CorsPolicy {
    policy(
        PolicyBuilder::new()
            .origins([
                "https://app.example.com",
                "https://*.preview.example.com",
                "http://localhost:*",
            ])
            .credentials(true)
            .methods(["PUT", "DELETE"])
            .request_headers(["content-type", "authorization"])
            .expose_headers(["etag"])
            .development(),
    )
}

fn preflight<'a>(origin: &'a str, method: &'a str, headers: Option<&'a str>) -> CorsRequest<'a> {
    CorsRequest {
        method: "OPTIONS",
        origin: Field::One(origin.as_bytes()),
        request_method: Field::One(method.as_bytes()),
        request_headers: headers.map_or(Field::Absent, |h| Field::One(h.as_bytes())),
        request_local_network: false,
    }
}

fn actual<'a>(method: &'a str, origin: Option<&'a str>) -> CorsRequest<'a> {
    CorsRequest {
        method,
        origin: origin.map_or(Field::Absent, |o| Field::One(o.as_bytes())),
        ..CorsRequest::default()
    }
}

#[test]
fn allowed_preflight_gets_the_policy_lists() {
    let p = main_policy();
    let Decision::PreflightAllowed(g) = p.decide(&preflight(
        "https://app.example.com",
        "PUT",
        Some("authorization,content-type"),
    )) else {
        panic!("refused");
    };
    assert_eq!(
        g.allow_origin,
        AllowOrigin::Echo(b"https://app.example.com")
    );
    assert!(g.allow_credentials);
    assert_eq!(g.allow_methods, Some(AllowList::Policy("PUT, DELETE")));
    assert_eq!(
        g.allow_headers,
        Some(AllowList::Policy("content-type, authorization"))
    );
    assert_eq!(g.max_age, Some("600"));
    assert!(!g.allow_local_network);
}

#[test]
fn preflight_refusals_name_what_was_refused() {
    let p = main_policy();
    let cases: &[(CorsRequest<'_>, Refusal<'_>)] = &[
        (
            preflight("https://evil.example", "PUT", None),
            Refusal::OriginNotAllowed(b"https://evil.example"),
        ),
        (
            preflight("https://app.example.com", "PATCH", None),
            Refusal::MethodNotAllowed(b"PATCH"),
        ),
        // Methods are case-sensitive: browsers send `put` only if the page wrote it.
        (
            preflight("https://app.example.com", "put", None),
            Refusal::MethodNotAllowed(b"put"),
        ),
        (
            preflight(
                "https://app.example.com",
                "PUT",
                Some("content-type,x-secret"),
            ),
            Refusal::HeaderNotAllowed(b"x-secret"),
        ),
        (
            preflight("https://app.example.com", "PUT", Some("content type")),
            Refusal::MalformedPreflight,
        ),
        (
            preflight("https://app.example.com", "P UT", None),
            Refusal::MalformedPreflight,
        ),
    ];
    for (req, want) in cases {
        match p.decide(req) {
            Decision::PreflightRefused { refusal, debug } => {
                assert_eq!(refusal, *want);
                assert_eq!(debug, None, "no detail outside debug mode");
            }
            other => panic!("{req:?}: {other:?}"),
        }
    }
}

#[test]
fn safelisted_methods_pass_unlisted() {
    let p = main_policy();
    for m in ["GET", "HEAD", "POST"] {
        assert!(
            matches!(
                p.decide(&preflight(
                    "https://app.example.com",
                    m,
                    Some("authorization")
                )),
                Decision::PreflightAllowed(_)
            ),
            "{m}"
        );
    }
}

#[test]
fn only_a_real_preflight_is_answered() {
    let p = main_policy();
    // OPTIONS without Access-Control-Request-Method, or without Origin, is the application's.
    let no_acrm = CorsRequest {
        method: "OPTIONS",
        origin: Field::One(b"https://app.example.com"),
        ..CorsRequest::default()
    };
    assert!(matches!(
        p.decide(&no_acrm),
        Decision::Actual { grant: Some(_), .. }
    ));
    let no_origin = CorsRequest {
        method: "OPTIONS",
        request_method: Field::One(b"PUT"),
        ..CorsRequest::default()
    };
    assert!(matches!(
        p.decide(&no_origin),
        Decision::Actual {
            grant: None,
            refusal: None,
            vary_origin: true
        }
    ));
}

#[test]
fn actual_responses() {
    let p = main_policy();
    let Decision::Actual {
        grant: Some(g),
        refusal: None,
        vary_origin: true,
    } = p.decide(&actual("GET", Some("https://a.preview.example.com")))
    else {
        panic!()
    };
    assert_eq!(
        g.allow_origin,
        AllowOrigin::Echo(b"https://a.preview.example.com")
    );
    assert!(g.allow_credentials);
    assert_eq!(g.expose_headers, Some("etag"));
    // A refused origin gets nothing (no Allow-Credentials either), but Vary.
    assert_eq!(
        p.decide(&actual("GET", Some("https://preview.example.com"))),
        Decision::Actual {
            grant: None,
            refusal: Some(Refusal::OriginNotAllowed(b"https://preview.example.com")),
            vary_origin: true
        }
    );
    assert_eq!(
        p.decide(&actual("POST", None)),
        Decision::Actual {
            grant: None,
            refusal: None,
            vary_origin: true
        }
    );
    let dup = CorsRequest {
        method: "GET",
        origin: Field::Many,
        ..CorsRequest::default()
    };
    assert!(matches!(
        p.decide(&dup),
        Decision::Actual {
            grant: None,
            refusal: Some(Refusal::DuplicateOrigin),
            ..
        }
    ));
}

#[test]
fn public_policy_sends_star_and_no_vary() {
    let p = policy(
        PolicyBuilder::new()
            .origins(["*"])
            .methods(["*"])
            .request_headers(["*"]),
    );
    let Decision::Actual {
        grant: Some(g),
        vary_origin: false,
        ..
    } = p.decide(&actual("GET", Some("https://x.test")))
    else {
        panic!()
    };
    assert_eq!(g.allow_origin, AllowOrigin::Any);
    assert!(!g.allow_credentials);
    assert!(matches!(
        p.decide(&actual("GET", None)),
        Decision::Actual {
            vary_origin: false,
            ..
        }
    ));
    let Decision::PreflightAllowed(g) =
        p.decide(&preflight("https://x.test", "PURGE", Some("x-a,x-b")))
    else {
        panic!()
    };
    assert_eq!(g.allow_methods, Some(AllowList::Echo(b"PURGE")));
    assert_eq!(g.allow_headers, Some(AllowList::Echo(b"x-a,x-b")));
    // `*` never covers Authorization.
    assert!(matches!(
        p.decide(&preflight("https://x.test", "GET", Some("authorization"))),
        Decision::PreflightRefused {
            refusal: Refusal::HeaderNotAllowed(b"authorization"),
            ..
        }
    ));
    assert!(matches!(
        p.decide(&preflight("https://x.test", "TRACE", None)),
        Decision::PreflightRefused { .. }
    ));
}

#[test]
fn debug_mode_answers_what_makes_the_browser_name_the_problem() {
    let p = policy(
        PolicyBuilder::new()
            .origins(["https://app.example.com"])
            .methods(["PUT"])
            .debug(true)
            .development(),
    );
    let Decision::PreflightRefused {
        refusal,
        debug: Some(g),
    } = p.decide(&preflight("https://app.example.com", "DELETE", None))
    else {
        panic!()
    };
    assert_eq!(refusal, Refusal::MethodNotAllowed(b"DELETE"));
    assert_eq!(
        g.allow_origin,
        AllowOrigin::Echo(b"https://app.example.com")
    );
    assert_eq!(g.allow_methods, Some(AllowList::Policy("PUT")));
    // Under `*`, the refused Authorization is not echoed back in debug mode.
    let star = policy(
        PolicyBuilder::new()
            .origins(["https://app.example.com"])
            .request_headers(["*"])
            .debug(true)
            .development(),
    );
    let Decision::PreflightRefused { debug: Some(g), .. } = star.decide(&preflight(
        "https://app.example.com",
        "GET",
        Some("authorization"),
    )) else {
        panic!()
    };
    assert_eq!(g.allow_headers, None);
    // A refused origin learns nothing even in debug mode.
    assert!(matches!(
        p.decide(&preflight("https://evil.test", "PUT", None)),
        Decision::PreflightRefused { debug: None, .. }
    ));
}

#[test]
fn hostile_request_headers_are_refused_by_size() {
    let p = main_policy();
    let huge = "a,".repeat(512 * 1024);
    assert!(huge.len() > MAX_REQUEST_HEADERS_LEN);
    let req = preflight("https://app.example.com", "PUT", Some(&huge));
    assert!(matches!(
        p.decide(&req),
        Decision::PreflightRefused {
            refusal: Refusal::RequestHeadersTooLong,
            ..
        }
    ));
    let dup = CorsRequest {
        request_headers: Field::Many,
        ..preflight("https://app.example.com", "PUT", None)
    };
    assert!(matches!(
        p.decide(&dup),
        Decision::PreflightRefused {
            refusal: Refusal::MalformedPreflight,
            ..
        }
    ));
}

#[test]
fn local_network_access_is_granted_only_when_allowed() {
    let mut req = preflight("https://app.example.com", "GET", None);
    req.request_local_network = true;
    let no = policy(PolicyBuilder::new().origins(["https://app.example.com"]));
    assert!(matches!(
        no.decide(&req),
        Decision::PreflightRefused {
            refusal: Refusal::LocalNetworkNotAllowed,
            ..
        }
    ));
    let yes = policy(
        PolicyBuilder::new()
            .origins(["https://app.example.com"])
            .local_network(true),
    );
    assert!(matches!(yes.decide(&req), Decision::PreflightAllowed(g) if g.allow_local_network));
}

#[test]
fn max_age_minus_one_sends_zero() {
    let set = PolicyBuilder::new()
        .origins(["https://a.example"])
        .max_age(-1)
        .build()
        .unwrap();
    assert_eq!(set.for_path("/").1.max_age_value(), Some("0"));
}

#[test]
fn routes_pick_their_policy() {
    let text = "[cors]\norigins = [\"https://app.example.com\"]\ncredentials = true\nmax-age = 600\n\n[[routes]]\npath = \"/public/**\"\norigins = [\"*\"]\ncredentials = false\n";
    let (set, _) = corsair_core::policy::from_toml(text, None, None).unwrap();
    let req = actual("GET", Some("https://anyone.test"));
    assert!(
        matches!(set.for_path("/public/logo.png").1.decide(&req), Decision::Actual { grant: Some(g), .. } if g.allow_origin == AllowOrigin::Any)
    );
    assert!(matches!(
        set.for_path("/api/me").1.decide(&req),
        Decision::Actual { grant: None, .. }
    ));
    assert_eq!(set.for_path("/public").0, Some(0));
    assert_eq!(set.for_path("/api").0, None);
}

#[test]
fn a_refused_origin_is_matched_to_the_one_it_was_probably_meant_to_be() {
    let p = main_policy();
    assert_eq!(
        p.nearest_origin("https://www.app.example.com"),
        Some("https://app.example.com")
    );
    assert_eq!(
        p.nearest_origin("http://app.example.com"),
        Some("https://app.example.com")
    );
    assert_eq!(p.nearest_origin("https://evil.test"), None);
}
