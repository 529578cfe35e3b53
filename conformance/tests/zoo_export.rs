//! `corsair export` on the real engines: one policy file, exported to
//! Express, FastAPI, Flask, nginx, Caddy, Next.js, Cloudflare Workers
//! (workerd), Rails, Go with rs/cors and Spring, each started with the export
//! included as a user would include it (the app's routes after it, the
//! listen address and upstream filled in); from each allowed origin the
//! doctor and real Chromium find the call allowed, with the exposed header
//! readable, and an origin the policy does not list is refused; then
//! `corsair verify`'s cases, derived from the policy alone, find no
//! deviation on any of them, and each deliberately broken deployment (one
//! mistake per engine) is caught.
//!
//! Needs nginx, Caddy, Node.js with `npm ci --prefix conformance/zoo/node`,
//! Python with `pip install -r conformance/zoo/requirements.txt`, Ruby's
//! Rails and rack-cors, Go's rs/cors and Spring with Jetty from Debian, and
//! Chromium (.ci/run installs them all): without them the tests fail, never
//! skip.

// Each test file uses a part of the shared harness.
#[allow(dead_code)]
#[path = "../zoo/harness/mod.rs"]
mod harness;

use corsair_core::policy::{check, document};
use corsair_core::{Outcome, Slug};
use corsair_doctor::verify::Deviation;
use corsair_platforms::export::export;
use corsair_platforms::{Platform, Rendered};

use harness::doctor::{self, Call, PAGE};
use harness::fixes::{self, paste_caddy, paste_go, paste_nginx, paste_workers, Expect};
use harness::process::{fill, free_port, zoo_file, Server, TempDir};
use harness::{browser, caddy, go, nextjs, nginx, node, python, rails, spring, workers};

/// The policy: an admin origin, and in development the page (plain http),
/// cookies, a JSON PUT with a bearer token, a header the page reads.
const POLICY: &str = r#"
[cors]
origins = ["https://admin.example.test"]
credentials = true
methods = ["PUT"]
request-headers = ["authorization", "content-type"]
expose-headers = ["x-total-count"]
max-age = 600

[stages.development]
extra-origins = ["http://app.example.test:8001"]
"#;

/// The page's call: everything the policy allows at once.
const CALL: Call = Call {
    method: "PUT",
    headers: &[
        ("Authorization", "Bearer zoo-token"),
        ("Content-Type", "application/json"),
    ],
    credentials: true,
    read_headers: &["X-Total-Count"],
};

const ITEMS: &str = "/api/items";

/// The development stage's default policy.
fn spec() -> corsair_core::policy::PolicySpec {
    let (doc, _) = document::parse(POLICY);
    let checked = check(&doc, &[], Some("development"));
    checked.specs[0].clone()
}

/// `corsair verify`'s deviations for `url` under the policy.
fn deviations(url: &str) -> Vec<Deviation> {
    let runs = doctor::verify_runs(url, &spec());
    assert!(runs.len() > 10, "too few cases: {}", runs.len());
    runs.into_iter().flat_map(|r| r.deviations).collect()
}

/// The policy exported for `platform` at `stage` (`None`: production),
/// exactly (no narrowing).
fn exported(platform: Platform, stage: Option<&str>) -> Rendered {
    let (doc, problems) = document::parse(POLICY);
    assert!(problems.is_empty(), "{problems:?}");
    let checked = check(&doc, &[], stage);
    assert!(!checked.has_errors(), "{:?}", checked.problems);
    let out = export(platform, &checked.specs, &[], false)
        .unwrap_or_else(|e| panic!("{platform}: the export is refused: {e:?}"));
    println!("export {platform}:\n{}", out.rendered.snippet);
    out.rendered
}

/// From the page: allowed by the doctor and Chromium, the header readable;
/// from the admin origin: allowed by the doctor; from an origin the
/// policy does not list: blocked.
fn verify_engine(platform: Platform, server: &Server, snippet: &str) {
    let request = CALL.to(&server.url(ITEMS));
    fixes::verify(
        platform,
        server,
        &request,
        &CALL,
        ITEMS,
        snippet,
        Expect::OK,
        &[],
    );
    let mut admin = CALL.to(&server.url(ITEMS));
    admin.page_origin = "https://admin.example.test".into();
    let report = doctor::run(&admin, None);
    assert_eq!(
        report.verdict.outcome,
        Outcome::Allowed,
        "{platform}: from the admin origin:\n{}",
        doctor::describe(&report)
    );
    let mut other = CALL.to(&server.url(ITEMS));
    other.page_origin = "https://evil.example".into();
    let report = doctor::run(&other, None);
    assert_eq!(
        report.verdict.outcome,
        Outcome::Blocked,
        "{platform}: an origin the policy does not list:\n{}",
        doctor::describe(&report)
    );
    assert_ne!(PAGE, other.page_origin);
    let found = deviations(&server.url(ITEMS));
    assert!(
        found.is_empty(),
        "{platform}: verify finds deviations: {found:#?}"
    );
}

/// A broken deployment: verify must find `slug` among its deviations.
fn caught(what: &str, server: &Server, slug: Slug) {
    let found = deviations(&server.url(ITEMS));
    println!("broken {what}: {} deviation(s)", found.len());
    assert!(
        found.iter().any(|d| d.slug == Some(slug)),
        "{what}: verify should report {slug}: {found:#?}"
    );
}

#[test]
fn verify_catches_one_mistake_per_engine() {
    // Express reflecting every origin with credentials.
    let r = exported(Platform::Express, Some("development"));
    let source = format!(
        "{}\n{EXPRESS_ROUTES}",
        r.snippet
            .replace(
                "const corsOptions = {",
                "const corsOptions = {\n  origin: true,\n  _listed: 0,"
            )
            .replacen("  origin: [", "  _origins: [", 1)
    );
    let server = node::start_source("broken-reflect", &source).ready();
    caught("express reflects", &server, Slug::ReflectsAnyOrigin);
    // Express that forgets to expose the header the page reads.
    let source = format!(
        "{}\n{EXPRESS_ROUTES}",
        r.snippet.replace("exposedHeaders:", "_exposed:")
    );
    let server = node::start_source("broken-expose", &source).ready();
    caught("express expose", &server, Slug::HeaderNotExposed);
    // FastAPI's `*` with credentials: Starlette echoes any origin.
    let api = python::uvicorn(
        "broken-star",
        &python::dir(),
        "fastapi_star_credentials",
        TempDir::new("verify-fastapi-star"),
    )
    .ready();
    caught("fastapi star", &api, Slug::ReflectsAnyOrigin);
    // nginx whose preflight answer lost PUT.
    let r = exported(Platform::Nginx, Some("development"));
    let (port, api) = (free_port(), free_port());
    let conf =
        paste_nginx(&r.snippet, port, api).replace("GET, HEAD, POST, PUT", "GET, HEAD, POST");
    let upstream = fill(&zoo_file("nginx/api-401.conf"), &[("API_PORT", api)]);
    let server = nginx::start(
        "broken-method",
        &format!("{conf}\n{upstream}"),
        &[port, api],
    )
    .ready();
    caught("nginx method", &server, Slug::MethodNotAllowed);
}

/// The Express and Python apps' route: GET and PUT, with the count header.
const EXPRESS_ROUTES: &str = "const items = (req, res) => {\n\
  res.set('X-Total-Count', '3');\n  res.json({ items: [1, 2, 3] });\n};\n\
app.get('/api/items', items);\napp.put('/api/items', items);\n\
app.listen(Number(process.argv[2]), '127.0.0.1');\n";

/// The engine `platform` serving `snippet` as a user would include it:
/// the app's routes after it, the addresses filled in.
fn serve(platform: Platform, snippet: &str, name: &str) -> Server {
    match platform {
        Platform::Express => {
            let source =
                format!("{snippet}\n// The app's routes (added by the zoo).\n{EXPRESS_ROUTES}");
            node::start_source(name, &source).ready()
        }
        Platform::Fastapi => {
            let dir = TempDir::new(name);
            dir.write(
                "main.py",
                &format!(
                    "{snippet}\n\n# The app's routes (added by the zoo).\n\
                     from fastapi import Response\n\n\n\
                     @app.api_route(\"{ITEMS}\", methods=[\"GET\", \"PUT\"])\n\
                     def items(response: Response):\n    response.headers[\"X-Total-Count\"] = \"3\"\n    return {{\"items\": [1, 2, 3]}}\n"
                ),
            );
            let app_dir = dir.path().to_path_buf();
            python::uvicorn(name, &app_dir, "main", dir).ready()
        }
        Platform::Flask => {
            let dir = TempDir::new(name);
            let file = dir.write(
                "app.py",
                &format!(
                    "{snippet}\n\n# The app's routes (added by the zoo).\n\
                     @app.route(\"{ITEMS}\", methods=[\"GET\", \"PUT\"])\n\
                     def items():\n    return {{\"items\": [1, 2, 3]}}, 200, {{\"X-Total-Count\": \"3\"}}\n"
                ),
            );
            python::flask(name, &file, dir).ready()
        }
        Platform::Nginx => {
            let (port, api) = (free_port(), free_port());
            let conf = paste_nginx(snippet, port, api);
            // The API behind it answers with the count header.
            let upstream = fill(&zoo_file("nginx/api-401.conf"), &[("API_PORT", api)]).replace(
                "return 200",
                "add_header X-Total-Count 3;\n        return 200",
            );
            nginx::start(name, &format!("{conf}\n{upstream}"), &[port, api]).ready()
        }
        Platform::Caddy => {
            let (port, api) = (free_port(), free_port());
            let conf = paste_caddy(snippet, port, api);
            let upstream = fill(&zoo_file("caddy/api.Caddyfile"), &[("API_PORT", api)])
                .replace("\trespond", "\theader X-Total-Count 3\n\trespond");
            caddy::start(name, &format!("{conf}\n{upstream}"), &[port, api]).ready()
        }
        Platform::Nextjs => nextjs::start(name, snippet),
        Platform::CloudflareWorkers => workers::start(name, &paste_workers(snippet)).ready(),
        Platform::Rails => rails::start(name, snippet).ready(),
        Platform::GoRsCors => go::start(name, &paste_go(snippet)).ready(),
        Platform::Spring => spring::start(name, snippet).ready(),
        other => panic!("{other}: not served by this test"),
    }
}

/// The response headers a page may read without their being exposed.
const SAFELISTED: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// The export, proven on the engine in real Chromium both ways: the
/// development stage (the page's origin listed) lets the page read exactly
/// the safelisted headers and the exposed one, nothing else; the production
/// policy (the page's origin not listed) is refused.
fn prove(platform: Platform) {
    let r = exported(platform, Some("development"));
    let server = serve(platform, &r.snippet, &format!("export-{platform}"));
    verify_engine(platform, &server, &r.snippet);
    let seen = browser::fetch(
        &format!("export-read-{platform}"),
        &CALL,
        server.port(),
        ITEMS,
    );
    let readable: Vec<String> = seen
        .js
        .readable_headers
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    assert!(
        readable.iter().any(|h| h == "x-total-count"),
        "{platform}: the exposed header is not readable: {readable:?}"
    );
    let extra: Vec<&String> = readable
        .iter()
        .filter(|h| h.as_str() != "x-total-count" && !SAFELISTED.contains(&h.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "{platform}: the page reads more than the policy exposes: {extra:?}"
    );
    drop(server);
    let r = exported(platform, None);
    let server = serve(platform, &r.snippet, &format!("export-prod-{platform}"));
    let seen = browser::fetch(
        &format!("export-refused-{platform}"),
        &CALL,
        server.port(),
        ITEMS,
    );
    assert_eq!(
        seen.outcome,
        corsair_conformance::Outcome::Blocked,
        "{platform}: Chromium reads the API from an origin the policy does not list: {:?}",
        seen.js
    );
}

#[test]
fn express_serves_the_export() {
    prove(Platform::Express);
}

#[test]
fn fastapi_serves_the_export() {
    prove(Platform::Fastapi);
}

#[test]
fn flask_serves_the_export() {
    prove(Platform::Flask);
}

#[test]
fn nginx_serves_the_export() {
    prove(Platform::Nginx);
}

#[test]
fn caddy_serves_the_export() {
    prove(Platform::Caddy);
}

#[test]
fn nextjs_serves_the_export() {
    prove(Platform::Nextjs);
}

#[test]
fn cloudflare_workers_serve_the_export() {
    prove(Platform::CloudflareWorkers);
}

#[test]
fn rails_serves_the_export() {
    prove(Platform::Rails);
}

#[test]
fn go_serves_the_export() {
    prove(Platform::GoRsCors);
}

#[test]
fn spring_serves_the_export() {
    prove(Platform::Spring);
}
