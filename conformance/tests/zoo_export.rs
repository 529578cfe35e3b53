//! `corsair export` on the real engines: one policy file, exported to
//! Express, FastAPI, Flask, nginx and Caddy, each started with the export
//! included as a user would include it (the app's routes after it, the
//! listen address and upstream filled in); from each allowed origin the
//! doctor and real Chromium find the call allowed, with the exposed header
//! readable, and an origin the policy does not list is refused.
//!
//! Needs nginx, Caddy, Node.js with `npm ci --prefix conformance/zoo/node`,
//! Python with `pip install -r conformance/zoo/requirements.txt`, and
//! Chromium (.ci/run installs them all): without them the tests fail, never
//! skip.

// Each test file uses a part of the shared harness.
#[allow(dead_code)]
#[path = "../zoo/harness/mod.rs"]
mod harness;

use corsair_core::policy::{check, document};
use corsair_core::Outcome;
use corsair_platforms::export::export;
use corsair_platforms::{Platform, Rendered};

use harness::doctor::{self, Call, PAGE};
use harness::fixes::{self, substitute, Expect};
use harness::process::{fill, free_port, zoo_file, Server, TempDir};
use harness::{caddy, nginx, node, python};

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

/// The policy's development stage exported for `platform`, exactly (no
/// narrowing).
fn exported(platform: Platform) -> Rendered {
    let (doc, problems) = document::parse(POLICY);
    assert!(problems.is_empty(), "{problems:?}");
    let checked = check(&doc, &[], Some("development"));
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
}

/// The Express and Python apps' route: GET and PUT, with the count header.
const EXPRESS_ROUTES: &str = "const items = (req, res) => {\n\
  res.set('X-Total-Count', '3');\n  res.json({ items: [1, 2, 3] });\n};\n\
app.get('/api/items', items);\napp.put('/api/items', items);\n\
app.listen(Number(process.argv[2]), '127.0.0.1');\n";

#[test]
fn express_serves_the_export() {
    let r = exported(Platform::Express);
    let source = format!(
        "{}\n// The app's routes (added by the zoo).\n{EXPRESS_ROUTES}",
        r.snippet
    );
    let server = node::start_source("export-express", &source).ready();
    verify_engine(Platform::Express, &server, &r.snippet);
}

/// The Python routes for FastAPI and Flask (`route` decorates both verbs).
fn python_routes(route: &str) -> String {
    format!(
        "\n\n# The app's routes (added by the zoo).\n\
         {route}\ndef items():\n    return {{\"items\": [1, 2, 3]}}, 200, {{\"X-Total-Count\": \"3\"}}\n"
    )
}

#[test]
fn fastapi_serves_the_export() {
    let r = exported(Platform::Fastapi);
    let dir = TempDir::new("export-fastapi");
    dir.write(
        "main.py",
        &format!(
            "{}\n\n# The app's routes (added by the zoo).\n\
             from fastapi import Response\n\n\n\
             @app.api_route(\"{ITEMS}\", methods=[\"GET\", \"PUT\"])\n\
             def items(response: Response):\n    response.headers[\"X-Total-Count\"] = \"3\"\n    return {{\"items\": [1, 2, 3]}}\n",
            r.snippet
        ),
    );
    let app_dir = dir.path().to_path_buf();
    let server = python::uvicorn("export", &app_dir, "main", dir).ready();
    verify_engine(Platform::Fastapi, &server, &r.snippet);
}

#[test]
fn flask_serves_the_export() {
    let r = exported(Platform::Flask);
    let dir = TempDir::new("export-flask");
    let file = dir.write(
        "app.py",
        &format!(
            "{}{}",
            r.snippet,
            python_routes(&format!(
                "@app.route(\"{ITEMS}\", methods=[\"GET\", \"PUT\"])"
            ))
        ),
    );
    let server = python::flask("export", &file, dir).ready();
    verify_engine(Platform::Flask, &server, &r.snippet);
}

#[test]
fn nginx_serves_the_export() {
    let r = exported(Platform::Nginx);
    let (port, api) = (free_port(), free_port());
    let conf = substitute(
        Platform::Nginx,
        &r.snippet,
        "# ... listen, server_name, ssl as before",
        &format!("listen 127.0.0.1:{port};"),
    );
    let conf = substitute(
        Platform::Nginx,
        &conf,
        "127.0.0.1:8000",
        &format!("127.0.0.1:{api}"),
    );
    // The API behind it answers with the count header.
    let upstream = fill(&zoo_file("nginx/api-401.conf"), &[("API_PORT", api)]).replace(
        "return 200",
        "add_header X-Total-Count 3;\n        return 200",
    );
    let server = nginx::start("export", &format!("{conf}\n{upstream}"), &[port, api]).ready();
    verify_engine(Platform::Nginx, &server, &r.snippet);
}

#[test]
fn caddy_serves_the_export() {
    let r = exported(Platform::Caddy);
    let (port, api) = (free_port(), free_port());
    let conf = substitute(
        Platform::Caddy,
        &r.snippet,
        "api.example.com",
        &format!("http://:{port}"),
    );
    let conf = substitute(
        Platform::Caddy,
        &conf,
        "127.0.0.1:8000",
        &format!("127.0.0.1:{api}"),
    );
    let upstream = fill(&zoo_file("caddy/api.Caddyfile"), &[("API_PORT", api)])
        .replace("\trespond", "\theader X-Total-Count 3\n\trespond");
    let server = caddy::start("export", &format!("{conf}\n{upstream}"), &[port, api]).ready();
    verify_engine(Platform::Caddy, &server, &r.snippet);
}
