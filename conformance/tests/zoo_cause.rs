//! The zoo, for causes: a real Express app whose routes make the mistakes
//! whose symptom misleads (a 403 preflight that is not auth, an origin the
//! allow-list lacks, a trailing-slash or sign-in redirect, an event stream,
//! a route whose OPTIONS the framework answers, a body parser's 400 hidden
//! behind a CORS error); the doctor must name the root cause, how sure it
//! is, and what shows it.
//!
//! Needs Node.js with `npm ci --prefix conformance/zoo/node` (.ci/run
//! installs it): without it the tests fail, never skip.

// Each test file uses a part of the shared harness.
#[allow(dead_code)]
#[path = "../zoo/harness/mod.rs"]
mod harness;

use std::time::{Duration, Instant};

use corsair_core::{Outcome, Slug};
use corsair_doctor::cause::{Cause, Confidence};
use corsair_doctor::check::CheckRequest;

use harness::doctor::{self, Call};
use harness::node;
use harness::process::Server;

fn causes() -> Server {
    node::start("causes", &node::script("causes.js")).ready()
}

/// The cause, or a failure that shows the whole report.
fn cause_of(case: &str, report: &corsair_doctor::diagnose::Report) -> Cause {
    report
        .cause
        .clone()
        .unwrap_or_else(|| panic!("{case}: no cause\n{}", doctor::describe(report)))
}

fn request(call: &Call, url: String, body: Option<&str>) -> CheckRequest {
    let mut r = call.to(&url);
    r.body = body.map(str::to_owned);
    r
}

const PUT_JSON: Call = Call {
    method: "PUT",
    headers: &[("Content-Type", "application/json")],
    credentials: true,
    read_headers: &[],
};

const POST_JSON: Call = Call {
    method: "POST",
    headers: &[("Content-Type", "application/json")],
    credentials: false,
    read_headers: &[],
};

#[test]
fn causes_behind_misleading_symptoms() {
    let server = causes();

    // A 403 preflight from Spring's CORS processor: the origin, not auth.
    let report = doctor::run(&request(&PUT_JSON, server.url("/spring/items"), None), None);
    let cause = cause_of("spring", &report);
    assert_eq!(report.verdict.outcome, Outcome::Blocked);
    assert_eq!(cause.slug, Slug::OriginMismatch, "{cause:#?}");
    assert_eq!(cause.confidence, Confidence::Certain);
    assert!(
        cause.layer.as_deref().is_some_and(|l| l.contains("Spring")),
        "{cause:#?}"
    );
    assert!(
        cause
            .works_from
            .contains(&"http://www.app.example.test:8001".to_owned()),
        "{cause:#?}"
    );
    assert!(
        !doctor::slugs(&report).contains(&Slug::PreflightBlockedByAuth),
        "the 403 was called auth: {}",
        doctor::describe(&report)
    );
    // The fix keeps the origins that worked.
    let fix = report.fix.as_ref().expect("a fix");
    assert!(fix.policy.origins.contains(&doctor::PAGE.to_owned()));
    assert!(
        fix.policy
            .origins
            .contains(&"http://www.app.example.test:8001".to_owned()),
        "{fix:#?}"
    );
    assert!(fix.rechecked, "{fix:#?}");

    // The cors package leaves an unlisted origin out: refused, and the
    // origins that work are named.
    let report = doctor::run(
        &request(
            &Call::GET.with_credentials(),
            server.url("/listed/items"),
            None,
        ),
        None,
    );
    let cause = cause_of("listed", &report);
    assert_eq!(cause.slug, Slug::OriginMismatch, "{cause:#?}");
    assert!(
        cause
            .works_from
            .contains(&"http://localhost:3000".to_owned()),
        "{cause:#?}"
    );

    // Auth before everything: the plain OPTIONS is refused too.
    let guarded = Call {
        method: "PUT",
        headers: &[("Authorization", "Bearer zoo-token")],
        credentials: false,
        read_headers: &[],
    };
    let report = doctor::run(&request(&guarded, server.url("/guarded/items"), None), None);
    let cause = cause_of("guarded", &report);
    assert_eq!(cause.slug, Slug::PreflightBlockedByAuth, "{cause:#?}");
    assert_eq!(cause.confidence, Confidence::Certain);
    assert!(
        cause.evidence.iter().any(|e| e.contains("plain OPTIONS")),
        "{cause:#?}"
    );

    // A trailing-slash redirect on a simple GET is the cause, with the URL
    // to call.
    let report = doctor::run(&request(&Call::GET, server.url("/slash/items"), None), None);
    let cause = cause_of("slash", &report);
    assert!(cause.summary.contains("trailing slash"), "{cause:#?}");
    assert!(cause.fix.contains("/slash/items/"), "{cause:#?}");

    // A redirect to the sign-in page: answer 401, never "call the final URL".
    let report = doctor::run(&request(&Call::GET, server.url("/sso/items"), None), None);
    let cause = cause_of("sso", &report);
    assert!(cause.summary.contains("sign-in"), "{cause:#?}");
    assert!(cause.fix.contains("401"), "{cause:#?}");

    // The framework's own OPTIONS answer: CORS does not run for OPTIONS.
    let report = doctor::run(
        &request(&POST_JSON, server.url("/only-post"), Some("{}")),
        None,
    );
    let cause = cause_of("only-post", &report);
    assert_eq!(cause.slug, Slug::PreflightNotHandled, "{cause:#?}");

    // The parser's 400 behind the CORS error: its message is shown.
    let report = doctor::run(
        &request(&POST_JSON, server.url("/parse/items"), Some("{not json")),
        None,
    );
    let cause = cause_of("parse", &report);
    assert_eq!(cause.slug, Slug::ErrorResponseWithoutCors, "{cause:#?}");
    assert!(
        cause
            .body
            .as_deref()
            .is_some_and(|b| b.contains("invalid JSON body")),
        "{cause:#?}"
    );
}

/// An event stream never ends: the verdict comes from the headers, at once.
#[test]
fn an_event_stream_is_judged_from_its_headers() {
    let server = causes();
    let started = Instant::now();
    let report = doctor::run(&request(&Call::GET, server.url("/events"), None), None);
    assert_eq!(
        report.verdict.outcome,
        Outcome::Allowed,
        "{}",
        doctor::describe(&report)
    );
    assert!(report.cause.is_none());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the check waited {:?} for a stream",
        started.elapsed()
    );
}

/// The page's CSP refuses the call before it is sent: that is the verdict.
#[test]
fn the_page_csp_is_the_verdict() {
    let server = causes();
    // The API by another name than the page's, so 'self' does not cover it.
    let api = format!("http://localhost:{}/slash/items/", server.port());
    let request = request(&Call::GET, api, None);
    let report = doctor::run_with(
        &request,
        &corsair_doctor::diagnose::Options {
            page: Some(server.url("/page")),
            ..corsair_doctor::diagnose::Options::default()
        },
    );
    assert_eq!(
        report.verdict.outcome,
        Outcome::Blocked,
        "{}",
        doctor::describe(&report)
    );
    let cause = cause_of("csp", &report);
    assert_eq!(cause.slug, Slug::CspBlocksRequest, "{cause:#?}");
    assert!(report
        .verdict
        .console
        .chrome
        .as_deref()
        .is_some_and(|l| l.starts_with("Refused to connect to")));
}

/// Starlette refuses a preflight with 400 "Disallowed CORS …": the body
/// names what it refused, and the answer still lists what it allows.
#[test]
fn starlette_refusals_name_what_was_refused() {
    use harness::process::TempDir;
    use harness::python;
    let api = python::uvicorn(
        "listed",
        &python::dir(),
        "fastapi_listed",
        TempDir::new("fastapi-listed"),
    )
    .ready();
    let url = api.url("/api/items");
    // Another origin: the origin, certain, and the one that works named.
    let mut from_www = request(&PUT_JSON, url.clone(), Some("{}"));
    from_www.page_origin = "http://www.app.example.test:8001".into();
    let cause = cause_of("www", &doctor::run(&from_www, None));
    assert_eq!(cause.slug, Slug::OriginMismatch, "{cause:#?}");
    assert_eq!(cause.confidence, Confidence::Certain);
    assert!(cause
        .layer
        .as_deref()
        .is_some_and(|l| l.contains("Starlette")));
    assert!(
        cause.works_from.contains(&doctor::PAGE.to_owned()),
        "{cause:#?}"
    );
    // A header it does not allow: that header, and only it.
    let custom = Call {
        method: "PUT",
        headers: &[("Content-Type", "application/json"), ("X-Request-Id", "1")],
        credentials: true,
        read_headers: &[],
    };
    let report = doctor::run(&request(&custom, url.clone(), Some("{}")), None);
    let cause = cause_of("header", &report);
    assert_eq!(cause.slug, Slug::HeaderNotAllowed, "{cause:#?}");
    assert!(
        cause.summary.contains("x-request-id") && !cause.summary.contains("content-type"),
        "{cause:#?}"
    );
    assert_eq!(report.verdict.findings[0].slug, Slug::HeaderNotAllowed);
    // A method it does not allow.
    let patch = Call {
        method: "PATCH",
        ..Call::GET
    };
    let cause = cause_of("method", &doctor::run(&request(&patch, url, None), None));
    assert_eq!(cause.slug, Slug::MethodNotAllowed, "{cause:#?}");
}

/// The Corsair gateway in front of the Express app: its refusal is
/// recognised as the gateway's, and names what it refused.
#[test]
fn the_gateways_refusals_are_recognised() {
    use std::sync::Arc;

    use corsair_core::policy::PolicyBuilder;
    use corsair_gateway::{serve, Live, Metrics, Proxy, ProxyConfig, ServeConfig, Upstream};
    use corsair_tower::CorsLayer;

    let app = causes();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let port = runtime.block_on(async {
        let layer = CorsLayer::new(
            PolicyBuilder::new()
                .origins(["http://www.app.example.test:8001"])
                .credentials(true)
                .methods(["PUT"])
                .request_headers(["content-type"])
                .max_age(600)
                .development(),
        )
        .expect("a valid policy");
        let proxy = Proxy::new(
            Upstream::parse(&app.url("/")).expect("upstream"),
            ProxyConfig::default(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let live = Live::new(layer, Arc::new(Metrics::default()));
        tokio::spawn(serve(
            listener,
            live,
            proxy,
            None,
            std::future::pending(),
            ServeConfig::default(),
        ));
        port
    });
    let url = format!("http://127.0.0.1:{port}/listed/items");
    let report = doctor::run(&request(&PUT_JSON, url.clone(), Some("{}")), None);
    let cause = cause_of("gateway origin", &report);
    assert_eq!(cause.slug, Slug::OriginMismatch, "{cause:#?}");
    assert!(
        cause
            .layer
            .as_deref()
            .is_some_and(|l| l.contains("Corsair gateway")),
        "{cause:#?}"
    );
    assert!(cause
        .works_from
        .contains(&"http://www.app.example.test:8001".to_owned()));
    // The gateway owns CORS for the app behind it: the fix is written for it.
    let fix = report.fix.as_ref().expect("a fix");
    assert_eq!(
        fix.detected.first(),
        Some(&corsair_platforms::Platform::CorsairGateway),
        "{fix:#?}"
    );
    // From the allowed origin, a method the policy lacks.
    let mut patch = request(
        &Call {
            method: "PATCH",
            ..Call::GET
        },
        url,
        None,
    );
    patch.page_origin = "http://www.app.example.test:8001".into();
    let cause = cause_of("gateway method", &doctor::run(&patch, None));
    assert_eq!(cause.slug, Slug::MethodNotAllowed, "{cause:#?}");
    assert_eq!(cause.confidence, Confidence::Certain);
    drop(runtime);
}
