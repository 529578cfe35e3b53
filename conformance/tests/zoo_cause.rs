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

use corsair_platforms::Platform;

use harness::doctor::{self, Call};
use harness::fixes::{self, Expect};
use harness::gateway::Gateway;
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
    let cause = cause_of(
        "method",
        &doctor::run(&request(&patch, url.clone(), None), None),
    );
    assert_eq!(cause.slug, Slug::MethodNotAllowed, "{cause:#?}");

    // The FastAPI fix for the refused header, pasted before the app's
    // routes: the header passes, and what worked (GET, PUT, credentials)
    // still does.
    let broken = request(&custom, url, Some("{}"));
    let (fix, _) = fixes::rendered(Platform::Fastapi, &broken);
    drop(api);
    let dir = TempDir::new("fastapi-listed-fixed");
    dir.write(
        "main.py",
        &format!(
            "{}\n\n# The app's routes, as before (added by the zoo).\n\
             @app.get(\"/api/items\")\ndef list_items():\n    return [{{\"id\": 1}}]\n\n\n\
             @app.put(\"/api/items\")\ndef put_items():\n    return {{\"ok\": True}}\n",
            fix.snippet
        ),
    );
    let app_dir = dir.path().to_path_buf();
    let fixed = python::uvicorn("listed-fixed", &app_dir, "main", dir).ready();
    let path = "/api/items";
    for call in [&custom, &PUT_JSON] {
        fixes::verify(
            Platform::Fastapi,
            &fixed,
            &request(call, fixed.url(path), Some("{}")),
            call,
            path,
            &fix.snippet,
            Expect::OK,
            &[],
        );
    }
}

/// The Corsair gateway in front of the Express app: its refusal is
/// recognised as the gateway's, and names what it refused; the fix is
/// written for the gateway, and its `corsair.toml`, served for real, lets
/// the call through.
#[test]
fn the_gateways_refusals_are_recognised() {
    use corsair_core::policy::PolicyBuilder;
    use corsair_tower::CorsLayer;

    let app = causes();
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
    let refusing = Gateway::start(layer, &app.url("/"));
    let url = refusing.url("/listed/items");
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
        url.clone(),
        None,
    );
    patch.page_origin = "http://www.app.example.test:8001".into();
    let cause = cause_of("gateway method", &doctor::run(&patch, None));
    assert_eq!(cause.slug, Slug::MethodNotAllowed, "{cause:#?}");
    assert_eq!(cause.confidence, Confidence::Certain);

    // The rendered corsair.toml, served as its comment says (plain-http
    // origins: `--stage development`), in front of the same app.
    let (fix, _) = fixes::rendered(
        Platform::CorsairGateway,
        &request(&PUT_JSON, url, Some("{}")),
    );
    let (layer, warnings) = CorsLayer::from_toml(&fix.snippet, Some("development"), None)
        .unwrap_or_else(|e| {
            panic!(
                "the rendered corsair.toml does not load: {e}\n{}",
                fix.snippet
            )
        });
    assert!(
        fix.snippet.contains("--stage development"),
        "{}",
        fix.snippet
    );
    println!("fixed gateway warnings: {warnings:?}");
    let fixed = Gateway::start(layer, &app.url("/"));
    let path = "/listed/items";
    let request = request(&PUT_JSON, fixed.url(path), Some("{}"));
    fixes::verify(
        Platform::CorsairGateway,
        &fixed,
        &request,
        &PUT_JSON,
        path,
        &fix.snippet,
        Expect::OK,
        &[],
    );
}

// ---------------------------------------------------------------------------
// Verified fixes: for each cause, the Express fix the doctor renders, pasted
// over the app's own code (its routes, auth and parsers, without their CORS
// handling), plus the change outside CORS the fix names first (`also`),
// makes the call work in the doctor and in real Chromium.

/// One cause, fixed: the request to `path` of the causes app, the fix
/// rendered for Express, pasted before `code`, checked with `expect`.
struct Case {
    name: &'static str,
    call: Call,
    path: &'static str,
    body: Option<&'static str>,
    /// The app's own code after the snippet (the change named by `also`
    /// included, when there is one).
    code: &'static str,
    /// Where the page calls once fixed (`path` unless `also` moves it).
    fixed_path: &'static str,
    /// Text the `also` step must hold, when the cause needs more than CORS.
    also: Option<&'static str>,
    expect: Expect,
}

#[test]
fn each_cause_fixed_for_real() {
    let app = causes();
    let cases = [
        Case {
            name: "spring",
            call: PUT_JSON,
            path: "/spring/items",
            body: None,
            code: "app.put('/spring/items', (req, res) => res.json({ ok: true }));",
            fixed_path: "/spring/items",
            also: None,
            expect: Expect::OK,
        },
        Case {
            name: "listed",
            call: Call::GET.with_credentials(),
            path: "/listed/items",
            body: None,
            code: "app.get('/listed/items', (req, res) => res.json([1]));",
            fixed_path: "/listed/items",
            also: None,
            expect: Expect::OK,
        },
        Case {
            name: "guarded",
            call: Call {
                method: "PUT",
                headers: &[("Authorization", "Bearer zoo-token")],
                credentials: false,
                read_headers: &[],
            },
            path: "/guarded/items",
            body: None,
            code: "app.use('/guarded', (req, res, next) => {\n\
                   \x20 if (!req.headers.authorization) return res.status(401).json({ error: 'unauthorized' });\n\
                   \x20 next();\n});\n\
                   app.put('/guarded/items', (req, res) => res.json({ ok: true }));",
            fixed_path: "/guarded/items",
            also: None,
            expect: Expect::OK,
        },
        Case {
            name: "slash",
            call: Call::GET,
            path: "/slash/items",
            body: None,
            // The routes as before (exact paths, as the app's strict
            // routing had them); the page calls the URL the API expects.
            code: "app.get(/^\\/slash\\/items$/, (req, res) => res.redirect(301, '/slash/items/'));\n\
                   app.get(/^\\/slash\\/items\\/$/, (req, res) => res.json([1]));",
            fixed_path: "/slash/items/",
            also: Some("/slash/items/"),
            expect: Expect::OK,
        },
        Case {
            name: "sso",
            call: Call::GET,
            path: "/sso/items",
            body: None,
            // The change `also` names: 401 instead of the sign-in redirect.
            code: "app.get('/sso/items', (req, res) => res.status(401).json({ error: 'sign in first' }));",
            fixed_path: "/sso/items",
            also: Some("401"),
            expect: Expect {
                status: 401,
                browser_status: 401,
            },
        },
        Case {
            name: "only-post",
            call: POST_JSON,
            path: "/only-post",
            body: Some("{}"),
            code: "app.post('/only-post', (req, res) => res.json({ ok: true }));",
            fixed_path: "/only-post",
            also: None,
            expect: Expect::OK,
        },
        Case {
            name: "parse",
            call: POST_JSON,
            path: "/parse/items",
            body: Some("{not json"),
            code: "app.use('/parse', express.json());\n\
                   app.post('/parse/items', (req, res) => res.json({ ok: true }));\n\
                   app.use((err, req, res, next) => {\n\
                   \x20 res.status(err.status || 500).json({ error: `invalid JSON body: ${err.message}` });\n});",
            fixed_path: "/parse/items",
            // Fixed, the page reads the parser's 400 (Chromium sends no
            // body, so it gets the route's 200).
            also: Some("400"),
            expect: Expect {
                status: 400,
                browser_status: 200,
            },
        },
    ];
    for case in cases {
        let broken = request(&case.call, app.url(case.path), case.body);
        let (fix, report) = fixes::rendered(Platform::Express, &broken);
        let also = report.fix.as_ref().and_then(|f| f.also.clone());
        match case.also {
            Some(needle) => assert!(
                also.as_deref().is_some_and(|a| a.contains(needle)),
                "{}: the fix should first name the change outside CORS ({needle}): {also:?}\n{}",
                case.name,
                doctor::describe(&report)
            ),
            None => assert!(also.is_none(), "{}: {also:?}", case.name),
        }
        let fixed = node::start_app(case.name, &fix.snippet, case.code);
        let request = request(&case.call, fixed.url(case.fixed_path), case.body);
        fixes::verify(
            Platform::Express,
            &fixed,
            &request,
            &case.call,
            case.fixed_path,
            &fix.snippet,
            case.expect,
            &doctor::probe_problems(&report),
        );
    }
}

/// The CSP cause's fix, written into the page's header, lets the page call
/// the API (checked by the doctor with `--page`: the Chromium harness
/// serves its own page, without this CSP).
#[test]
fn the_csp_fix_lets_the_page_call() {
    let server = causes();
    let api = format!("http://localhost:{}/slash/items/", server.port());
    let options = |page: String| corsair_doctor::diagnose::Options {
        page: Some(page),
        ..corsair_doctor::diagnose::Options::default()
    };
    let report = doctor::run_with(
        &request(&Call::GET, api.clone(), None),
        &options(server.url("/page")),
    );
    let cause = cause_of("csp", &report);
    let also = cause.also.clone().unwrap_or_else(|| panic!("{cause:#?}"));
    // The directive in backquotes, written as the page's connect-src.
    let directive = also
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no directive in {also}"));
    assert!(
        directive.starts_with("connect-src 'self' https://api.example.com http://localhost:"),
        "{directive}"
    );
    let csp = serde_json::to_string(&format!("default-src 'self'; {directive}")).expect("quoted");
    let page = node::start_app(
        "csp-fixed",
        "const express = require('express');\nconst app = express();",
        &format!(
            "app.get('/page', (req, res) => {{\n\
                  \x20 res.set('Content-Security-Policy', {csp});\n\
                  \x20 res.type('html').send('<!doctype html><title>app</title>');\n}});"
        ),
    );
    let report = doctor::run_with(&request(&Call::GET, api, None), &options(page.url("/page")));
    assert_eq!(
        report.verdict.outcome,
        Outcome::Allowed,
        "{}",
        doctor::describe(&report)
    );
    assert!(report.cause.is_none(), "{:#?}", report.cause);
}
