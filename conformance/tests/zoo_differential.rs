//! The differential test of `corsair export` and `corsair verify`: seeded
//! random policies (origins with and without ports, `*.` and `:*`
//! patterns, credentials, methods,
//! request and exposed headers, max-age, odd but valid header names) are
//! exported to every engine that runs here (Express, Fastify, NestJS,
//! Hono, Next.js, Cloudflare Workers under workerd, FastAPI, Flask, Django,
//! Rails, Go with rs/cors, Spring on Jetty, axum with tower-http and with
//! corsair-tower,
//! actix-web with actix-cors,
//! nginx, Caddy, Apache httpd, HAProxy, the Corsair gateway), each engine
//! is started with the export included as a user would include it, and
//! `verify`'s cases, derived from the policy alone, must find no deviation
//! for Chrome, Firefox or Safari.
//!
//! Some policies have a route with its own policy, some a second route
//! inside it written first (the first route that matches decides): each
//! route's policy is verified on a path under it.
//!
//! The seeds are fixed (`SEEDS`); `CORSAIR_DIFF_SEEDS=1,2,3` runs others.
//! Needs nginx, Caddy, Apache, HAProxy, Node.js, Python, Ruby, Go, a JDK with
//! Spring and Jetty, and cargo
//! with the zoo's packages (.ci/run installs them): without them the tests
//! fail, never skip.

// Each test file uses a part of the shared harness.
#[allow(dead_code)]
#[path = "../zoo/harness/mod.rs"]
mod harness;

use corsair_core::policy::{check, document, PolicySpec};
use corsair_doctor::verify::Deviation;
use corsair_platforms::export::{export, ExportError};
use corsair_platforms::Platform;

use corsair_tower::CorsLayer;
use harness::doctor;
use harness::fixes::{paste_caddy, paste_go, paste_nginx, paste_workers, substitute, Fixed};
use harness::gateway::Gateway;
use harness::process::{fill, free_port, zoo_file, Server, TempDir};
use harness::rust_app::{self, Built};
use harness::{apache, caddy, go, haproxy, nextjs, nginx, node, python, rails, spring, workers};

/// The seeds CI runs.
const SEEDS: [u64; 5] = [1, 7, 21, 42, 2026];

const ITEMS: &str = "/api/items";

/// A small deterministic generator (xorshift64*), so a seed always makes
/// the same policy.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// A non-empty (when `at_least_one`) subset of `pool`, in pool order.
    fn subset<'a>(&mut self, pool: &[&'a str], at_least_one: bool) -> Vec<&'a str> {
        let mut out: Vec<&str> = pool.iter().copied().filter(|_| self.chance(50)).collect();
        if out.is_empty() && at_least_one {
            out.push(pool[(self.next() % pool.len() as u64) as usize]);
        }
        out
    }
}

/// The policy file for a seed.
fn policy(seed: u64) -> String {
    let mut g = Seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let list = |items: &[&str]| {
        items
            .iter()
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let origins = g.subset(
        &[
            "https://app.example.test",
            "https://admin.example.test:8443",
            "https://shop.example.test",
            "https://app.other-example.test",
            "https://*.preview.example.test",
            "https://api.example.test:*",
        ],
        true,
    );
    let mut text = format!("[cors]\norigins = [{}]\n", list(&origins));
    if g.chance(50) {
        text.push_str("credentials = true\n");
    }
    let methods = g.subset(&["PUT", "PATCH", "DELETE"], false);
    if !methods.is_empty() {
        text.push_str(&format!("methods = [{}]\n", list(&methods)));
    }
    let headers = g.subset(
        &[
            "authorization",
            "content-type",
            "x-request-id",
            "x-api-key",
            "x-odd_name.v2",
        ],
        false,
    );
    if !headers.is_empty() {
        text.push_str(&format!("request-headers = [{}]\n", list(&headers)));
    }
    let expose = g.subset(&["x-total-count", "x-request-id", "etag"], false);
    if !expose.is_empty() {
        text.push_str(&format!("expose-headers = [{}]\n", list(&expose)));
    }
    match g.next() % 4 {
        0 => {}
        1 => text.push_str("max-age = 60\n"),
        2 => text.push_str("max-age = 600\n"),
        _ => text.push_str("max-age = 7200\n"),
    }
    // Sometimes a route with its own policy (its keys replace the default's).
    if g.chance(35) {
        let origins = g.subset(
            &[
                "https://admin.example.test:8443",
                "https://ops.example.test",
            ],
            true,
        );
        let mut admin = format!(
            "\n[[routes]]\npath = \"{ADMIN}/**\"\norigins = [{}]\n",
            list(&origins)
        );
        if g.chance(50) {
            admin.push_str("credentials = true\n");
        } else {
            admin.push_str("credentials = false\n");
        }
        let methods = g.subset(&["PUT", "DELETE"], false);
        admin.push_str(&format!("methods = [{}]\n", list(&methods)));
        let headers = g.subset(&["authorization", "content-type", "x-admin-token"], false);
        admin.push_str(&format!("request-headers = [{}]\n", list(&headers)));
        // Sometimes a route inside it, written first: on its paths it
        // decides, since the first route that matches does.
        if g.chance(40) {
            let origins = g.subset(
                &["https://reports.example.test", "https://ops.example.test"],
                true,
            );
            text.push_str(&format!(
                "\n[[routes]]\npath = \"{REPORTS}/**\"\norigins = [{}]\n",
                list(&origins)
            ));
            text.push_str(if g.chance(50) {
                "credentials = true\n"
            } else {
                "credentials = false\n"
            });
            let methods = g.subset(&["PATCH"], false);
            text.push_str(&format!("methods = [{}]\n", list(&methods)));
            let headers = g.subset(&["content-type", "x-report-id"], false);
            text.push_str(&format!("request-headers = [{}]\n", list(&headers)));
        }
        text.push_str(&admin);
    }
    text
}

/// A route inside [`ADMIN`] the generated policies may give a policy of
/// its own, written before it.
const REPORTS: &str = "/api/admin/reports";

/// A request path under a route's path pattern (`/api/admin/**` →
/// `/api/admin/users`).
fn path_under(route: &str) -> String {
    format!("{}/users", route.trim_end_matches("/**"))
}

/// The route the generated policies may give a policy of its own.
const ADMIN: &str = "/api/admin";

/// The seeds to run.
fn seeds() -> Vec<u64> {
    match std::env::var("CORSAIR_DIFF_SEEDS") {
        Ok(v) => v
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("CORSAIR_DIFF_SEEDS: `{s}`: {e}"))
            })
            .collect(),
        Err(_) => SEEDS.to_vec(),
    }
}

/// The checked policies of `text` (the default first, then the routes')
/// and the routes' paths.
fn specs(text: &str) -> (Vec<PolicySpec>, Vec<String>) {
    let (doc, problems) = document::parse(text);
    assert!(problems.is_empty(), "{problems:?}\n{text}");
    let checked = check(&doc, &[], None);
    assert!(!checked.has_errors(), "{:?}\n{text}", checked.problems);
    let routes = doc
        .routes
        .iter()
        .filter_map(|r| r.path.as_ref().map(|p| p.value.clone()))
        .collect();
    (checked.specs, routes)
}

/// Every deviation `verify` finds at `url` under `spec`.
fn deviations(url: &str, spec: &PolicySpec) -> Vec<Deviation> {
    doctor::verify_runs(url, spec)
        .into_iter()
        .flat_map(|r| r.deviations)
        .collect()
}

/// An engine serving an export, and what keeps it running.
struct Running {
    /// The engine the page talks to.
    main: Box<dyn Fixed>,
    /// Servers behind it.
    _behind: Vec<Server>,
}

impl Running {
    fn alone(server: Server) -> Running {
        Running {
            main: Box::new(server),
            _behind: Vec::new(),
        }
    }
}

/// The Cargo package of a Rust engine's apps and its dependencies
/// (`None`: not a Rust engine).
fn rust_package(platform: Platform) -> Option<(&'static str, &'static str)> {
    match platform {
        Platform::AxumTowerHttp => Some(("axum-tower-http", rust_app::AXUM)),
        Platform::AxumCorsair => Some(("axum-corsair", rust_app::AXUM)),
        Platform::Actix => Some(("actix", rust_app::ACTIX)),
        _ => None,
    }
}

/// The whole program of a Rust engine: the export with the app's handler
/// on every path, and what it leaves to the app (axum: `main`; actix: the
/// port).
fn rust_source(platform: Platform, snippet: &str) -> String {
    if platform == Platform::Actix {
        let served = substitute(
            platform,
            snippet,
            "// .service(...)",
            ".default_service(actix_web::web::to(zoo_items))",
        );
        let bound = substitute(
            platform,
            &served,
            ".bind((\"127.0.0.1\", 8080))?",
            ".bind((\"127.0.0.1\", zoo_port()))?",
        );
        return format!("{bound}{}", rust_app::ACTIX_APP);
    }
    let routed = substitute(
        platform,
        snippet,
        "// .route(\"/api/items\", get(list_items))",
        ".fallback(zoo_items)",
    );
    let router = match platform {
        Platform::AxumCorsair => "app().expect(\"the exported policy loads\")",
        _ => "app()",
    };
    format!("{routed}{}", rust_app::main_for(router))
}

/// The binary of a Rust engine's app for `seed`.
fn rust_binary(package: &str, seed: u64) -> String {
    format!("{}_seed{seed}", package.replace('-', "_"))
}

/// Builds the Rust apps of `snippets` (`(seed, export)`), one binary each
/// (see [`start`]); `None` for other engines.
fn build_rust<'a>(
    platform: Platform,
    snippets: impl IntoIterator<Item = (u64, &'a str)>,
) -> Option<Built> {
    let (package, dependencies) = rust_package(platform)?;
    let apps: Vec<(String, String)> = snippets
        .into_iter()
        .map(|(seed, snippet)| (rust_binary(package, seed), rust_source(platform, snippet)))
        .collect();
    Some(rust_app::build(package, dependencies, &apps))
}

/// The engine serving `snippet`, started as a user would include it;
/// `built` holds the Rust engines' binaries, `name` the one to run.
fn start(platform: Platform, snippet: &str, seed: u64, built: Option<&Built>) -> Running {
    if let (Some(built), Some((package, _))) = (built, rust_package(platform)) {
        return Running::alone(built.start(&rust_binary(package, seed)).ready());
    }
    Running::alone(match platform {
        Platform::CorsairGateway => {
            // `corsair serve --config corsair.toml` in front of an app
            // without CORS.
            let app = node::start_source(
                &format!("diff-{seed}-app"),
                "require('http').createServer((req, res) => {\n  res.setHeader('Content-Type', 'application/json');\n  res.end('{\"items\":[1,2,3]}');\n}).listen(Number(process.argv[2]), '127.0.0.1');\n",
            )
            .ready();
            let (layer, _) = CorsLayer::from_toml(snippet, None, None).unwrap_or_else(|e| {
                panic!("the exported corsair.toml does not load: {e}\n{snippet}")
            });
            let gateway = Gateway::start(layer, &app.url("/"));
            return Running {
                main: Box::new(gateway),
                _behind: vec![app],
            };
        }
        Platform::Haproxy => {
            let (port, api) = (free_port(), free_port());
            let conf = substitute(
                platform,
                snippet,
                "bind :8080",
                &format!("bind 127.0.0.1:{port}"),
            );
            let conf = substitute(
                platform,
                &conf,
                "127.0.0.1:8000",
                &format!("127.0.0.1:{api}"),
            );
            // The app behind it: nginx answering JSON.
            let upstream = format!(
                "server {{\n    listen 127.0.0.1:{api};\n    default_type application/json;\n    location / {{ return 200 '{{\"items\":[1,2,3]}}'; }}\n}}\n"
            );
            let app = nginx::start(&format!("diff-{seed}-app"), &upstream, &[api]).ready();
            let proxy = haproxy::start(&format!("diff-{seed}"), &conf, &[port]).ready();
            return Running {
                main: Box::new(proxy),
                _behind: vec![app],
            };
        }
        _ => start_server(platform, snippet, seed),
    })
}

/// An engine that is a server of its own.
fn start_server(platform: Platform, snippet: &str, seed: u64) -> Server {
    let name = format!("diff-{seed}");
    match platform {
        Platform::Express => {
            let source = format!(
                "{snippet}\n// The app's routes (added by the zoo).\n\
                 app.use((req, res) => {{\n  res.set('X-Total-Count', '3');\n  res.json({{ items: [1, 2, 3] }});\n}});\n\
                 app.listen(Number(process.argv[2]), '127.0.0.1');\n"
            );
            node::start_source(&name, &source).ready()
        }
        Platform::Fastapi => {
            let dir = TempDir::new(&format!("{name}-fastapi"));
            dir.write(
                "main.py",
                &format!(
                    "{snippet}\n\n# The app's routes (added by the zoo).\n\
                     @app.api_route(\"/api/{{rest:path}}\", methods=[\"GET\", \"HEAD\", \"POST\", \"PUT\", \"PATCH\", \"DELETE\"])\n\
                     def items(rest: str):\n    return {{\"items\": [1, 2, 3]}}\n"
                ),
            );
            let app_dir = dir.path().to_path_buf();
            python::uvicorn(&name, &app_dir, "main", dir).ready()
        }
        Platform::Flask => {
            let dir = TempDir::new(&format!("{name}-flask"));
            let file = dir.write(
                "app.py",
                &format!(
                    "{snippet}\n\n# The app's routes (added by the zoo).\n\
                     @app.route(\"/api/<path:rest>\", methods=[\"GET\", \"POST\", \"PUT\", \"PATCH\", \"DELETE\"])\n\
                     def items(rest):\n    return {{\"items\": [1, 2, 3]}}\n"
                ),
            );
            python::flask(&name, &file, dir).ready()
        }
        Platform::Django => {
            let dir = TempDir::new(&format!("{name}-django"));
            dir.write(
                "settings.py",
                &format!(
                    "# The zoo's minimal project (SECRET_KEY, ALLOWED_HOSTS, ROOT_URLCONF).\n\
                     from base_settings import *  # noqa: F401,F403\n\n{snippet}"
                ),
            );
            let project = python::dir().join("django");
            let settings_dir = dir.path().to_path_buf();
            python::django(&name, &[&settings_dir, &project], "settings", dir).ready()
        }
        Platform::Nginx => {
            let (port, api) = (free_port(), free_port());
            let conf = paste_nginx(snippet, port, api);
            let upstream = format!(
                "server {{\n    listen 127.0.0.1:{api};\n    default_type application/json;\n    location / {{ return 200 '{{\"items\":[1,2,3]}}'; }}\n}}\n"
            );
            nginx::start(&name, &format!("{conf}\n{upstream}"), &[port, api]).ready()
        }
        Platform::Caddy => {
            let (port, api) = (free_port(), free_port());
            let conf = paste_caddy(snippet, port, api);
            let upstream = fill(&zoo_file("caddy/api.Caddyfile"), &[("API_PORT", api)]);
            caddy::start(&name, &format!("{conf}\n{upstream}"), &[port, api]).ready()
        }
        Platform::Fastify => {
            let source = format!(
                "{snippet}\n// The app's routes and server (added by the zoo).\n\
                 fastify.route({{ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', handler: async (req, reply) => {{\n  reply.header('X-Total-Count', '3');\n  return {{ items: [1, 2, 3] }};\n}} }});\n\
                 fastify.listen({{ port: Number(process.argv[2]), host: '127.0.0.1' }});\n"
            );
            node::start_source(&name, &source).ready()
        }
        Platform::Nestjs => {
            // The app's module and routes, and its port: what the snippet
            // leaves to the app (its `./app.module` and `listen(3000)`).
            let module = "import 'reflect-metadata'\n\
                          import { Module } from '@nestjs/common'\n\
                          class AppModule {}\nModule({})(AppModule)";
            let listen = "app.getHttpAdapter().getInstance().all(/.*/, (req, res) => {\n    \
                          res.set('X-Total-Count', '3')\n    res.json({ items: [1, 2, 3] })\n  })\n  \
                          await app.listen(Number(process.argv[2]), '127.0.0.1')";
            let source = substitute(
                platform,
                &substitute(
                    platform,
                    snippet,
                    "import { AppModule } from './app.module'",
                    module,
                ),
                "await app.listen(3000)",
                listen,
            )
            .replace(
                "NestFactory.create(AppModule)",
                "NestFactory.create(AppModule, { logger: false })",
            );
            node::start_module(&name, &source).ready()
        }
        Platform::Hono => {
            // The export is an ES module; Node serves it with Hono's adapter.
            let source = format!(
                "{snippet}\n// The app's routes and server (added by the zoo).\n\
                 import {{ serve }} from '@hono/node-server'\n\
                 app.all('*', (c) => {{\n  c.header('X-Total-Count', '3')\n  return c.json({{ items: [1, 2, 3] }})\n}})\n\
                 serve({{ fetch: app.fetch, port: Number(process.argv[2]), hostname: '127.0.0.1' }})\n"
            );
            node::start_module(&name, &source).ready()
        }
        Platform::Apache => {
            let port = free_port();
            let items = "{\"items\":[1,2,3]}\n";
            let admin = path_under(&format!("{ADMIN}/**"));
            let reports = path_under(&format!("{REPORTS}/**"));
            let odd = ODD_ROUTES.map(path_under);
            let mut documents = vec![(ITEMS, items), (&admin, items), (&reports, items)];
            documents.extend(odd.iter().map(|path| (path.as_str(), items)));
            documents.extend(LOOK_ALIKES.iter().flatten().map(|path| (*path, items)));
            apache::start(&name, snippet, port, &documents).ready()
        }
        Platform::Nextjs => nextjs::start(&name, snippet),
        Platform::CloudflareWorkers => workers::start(&name, &paste_workers(snippet)).ready(),
        Platform::GoRsCors => {
            let unformatted = go::unformatted(&name, snippet);
            assert!(
                unformatted.is_empty(),
                "the Go export is not gofmt-formatted:\n{snippet}"
            );
            go::start(&name, &paste_go(snippet)).ready()
        }
        Platform::Rails => rails::start(&name, snippet).ready(),
        Platform::Spring => spring::start(&name, snippet).ready(),
        other => panic!("{other}: not runnable in this test"),
    }
}

/// What the differential does with a refused export.
enum Refusal {
    /// Nothing to run: a route of its own on an engine written with one
    /// policy, or an engine that always allows more than the policy.
    Skip(String),
    /// Run the `--narrow` export against the policy without these values
    /// (each left out by the engine, and named once in the file).
    Narrow(Vec<String>),
}

/// How the differential treats `refused`: an expected limit of the engine,
/// or a failure (a panic).
fn refusal(
    platform: Platform,
    refused: &corsair_platforms::export::Refused,
    text: &str,
) -> Refusal {
    let limits = &refused.limits;
    if !corsair_platforms::says_routes(platform)
        && limits
            .iter()
            .any(|l| l.message.contains("has its own policy"))
    {
        return Refusal::Skip("a route of its own".into());
    }
    if let Some(wider) = limits
        .iter()
        .find(|l| l.message.contains("would allow more than the policy"))
    {
        return Refusal::Skip(wider.message.clone());
    }
    let values: Option<Vec<String>> = limits
        .iter()
        .map(|l| {
            let v = l.value.clone()?;
            (l.message.contains("is left out") && text.matches(&format!("\"{v}\"")).count() == 1)
                .then_some(v)
        })
        .collect();
    match values {
        Some(values) if !values.is_empty() => Refusal::Narrow(values),
        _ => panic!("{platform}: export refused: {refused:?}\n{text}"),
    }
}

/// `text` without each of `values` in its lists.
fn without(text: &str, values: &[String]) -> String {
    let mut out = text.to_owned();
    for v in values {
        for form in [
            format!("\"{v}\", "),
            format!(", \"{v}\""),
            format!("\"{v}\""),
        ] {
            if out.contains(&form) {
                out = out.replacen(&form, "", 1);
                break;
            }
        }
    }
    out
}

/// Every seed's policy on `platform`: no deviation.
fn differential(platform: Platform) {
    let mut failures = Vec::new();
    let mut cases = Vec::new();
    for seed in seeds() {
        let text = policy(seed);
        let (specs, routes) = specs(&text);
        let exported = match export(platform, &specs, &routes, false) {
            Ok(e) => e,
            Err(ExportError::Refused(r)) => match refusal(platform, &r, &text) {
                Refusal::Skip(why) => {
                    println!("{platform} seed {seed}: refused ({why})");
                    continue;
                }
                Refusal::Narrow(values) => {
                    // The closest narrower policy: what `--narrow` writes
                    // must serve exactly the policy without those values.
                    let out = match export(platform, &specs, &routes, true) {
                        Ok(out) => out,
                        // Every origin was a pattern the engine cannot say.
                        Err(ExportError::NothingLeft(left)) => {
                            assert!(
                                left.lost
                                    .iter()
                                    .all(|l| l.value.as_ref().is_some_and(|v| values.contains(v))),
                                "{platform} seed {seed}: nothing left, and not for the values refused: {left:?}"
                            );
                            println!("{platform} seed {seed}: refused (no origin left)");
                            continue;
                        }
                        Err(e) => panic!("{platform} seed {seed}: --narrow: {e:?}"),
                    };
                    let mut lost: Vec<_> =
                        out.lost.iter().filter_map(|l| l.value.clone()).collect();
                    lost.sort();
                    let mut expected = values.clone();
                    expected.sort();
                    assert_eq!(
                        lost, expected,
                        "{platform} seed {seed}: what --narrow lists as lost"
                    );
                    let text = without(&text, &values);
                    if text.contains("origins = []") {
                        // A policy that allows no origin does not check:
                        // what is left is not a policy to verify against.
                        println!("{platform} seed {seed}: refused (a policy with no origin left)");
                        continue;
                    }
                    println!("{platform} seed {seed}: narrowed (without {values:?})");
                    let (specs, routes) = self::specs(&text);
                    cases.push((seed, text, specs, routes, out.rendered.snippet));
                    continue;
                }
            },
            Err(e) => panic!("{platform} seed {seed}: export refused: {e:?}\n{text}"),
        };
        cases.push((seed, text, specs, routes, exported.rendered.snippet));
    }
    let built = build_rust(
        platform,
        cases
            .iter()
            .map(|(seed, _, _, _, snippet)| (*seed, snippet.as_str())),
    );
    for (seed, text, specs, routes, snippet) in cases {
        let running = start(platform, &snippet, seed, built.as_ref());
        let base = format!("http://127.0.0.1:{}", running.main.port());
        let mut found = deviations(&format!("{base}{ITEMS}"), &specs[0]);
        for (route, spec) in routes.iter().zip(&specs[1..]) {
            found.extend(deviations(&format!("{base}{}", path_under(route)), spec));
        }
        let shape = match specs.len() {
            1 => "",
            2 => ", a route of its own",
            _ => ", routes of their own",
        };
        println!(
            "{platform} seed {seed}{shape}: {} deviation(s)",
            found.len()
        );
        if !found.is_empty() {
            failures.push(format!(
                "seed {seed}:\n{text}\nsnippet:\n{snippet}\ndeviations: {found:#?}\nserver output:\n{}",
                running.main.output()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{platform}:\n{}",
        failures.join("\n\n")
    );
}

/// Every engine above, once each.
const ENGINES: [Platform; 20] = [
    Platform::Express,
    Platform::Fastify,
    Platform::Nestjs,
    Platform::Hono,
    Platform::Nextjs,
    Platform::CloudflareWorkers,
    Platform::Rails,
    Platform::GoRsCors,
    Platform::Spring,
    Platform::AxumTowerHttp,
    Platform::AxumCorsair,
    Platform::Actix,
    Platform::Fastapi,
    Platform::Flask,
    Platform::Django,
    Platform::Nginx,
    Platform::Caddy,
    Platform::Apache,
    Platform::Haproxy,
    Platform::CorsairGateway,
];

/// Verify's own test on every engine: the export with one mistake (an
/// allowed origin lost, as a typo in the allow-list would) is caught,
/// with the origin and the case that shows it.
#[test]
fn verify_catches_a_lost_origin_on_every_engine() {
    let text =
        "[cors]\norigins = [\"https://app.example.test\", \"https://admin.example.test:8443\"]\n\
                credentials = true\nmethods = [\"PUT\"]\nrequest-headers = [\"content-type\"]\n";
    let (specs, routes) = specs(text);
    let mut missed = Vec::new();
    for platform in ENGINES {
        let exported = export(platform, &specs, &routes, false)
            .unwrap_or_else(|e| panic!("{platform}: {e:?}"));
        // Every form the origin takes (plain, regex-escaped) holds `admin`.
        let broken = exported.rendered.snippet.replace("admin", "adnim");
        assert_ne!(
            broken, exported.rendered.snippet,
            "{platform}: nothing to break"
        );
        let built = build_rust(platform, [(0, broken.as_str())]);
        let running = start(platform, &broken, 0, built.as_ref());
        let url = format!("http://127.0.0.1:{}{ITEMS}", running.main.port());
        let found = deviations(&url, &specs[0]);
        let caught = found.iter().any(|d| {
            d.origin == "https://admin.example.test:8443"
                && d.expected == corsair_doctor::verify::Expect::Allowed
        });
        println!(
            "{platform}: lost origin caught: {caught} ({} deviation(s))",
            found.len()
        );
        if !caught {
            missed.push(format!("{platform}: {found:#?}\n{broken}"));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// The head of the answer to a preflight for PUT from `origin` asking for
/// the local network, lower-cased.
fn local_network_preflight(port: u16, origin: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connect to {port}: {e}"));
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap_or_else(|e| panic!("timeout: {e}"));
    write!(
        stream,
        "OPTIONS {ITEMS} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\
         Access-Control-Request-Method: PUT\r\n\
         Access-Control-Request-Private-Network: true\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("send: {e}"));
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&answer).to_ascii_lowercase()
}

/// `local-network = true`: the engines whose export can say it grant a
/// preflight asking for the local network from an allowed origin, and
/// only from it, and serve the rest of the policy (verify passes); the
/// others refuse the export, naming it.
#[test]
fn local_network_is_granted_where_the_export_writes_it() {
    let text = "[cors]\norigins = [\"https://app.example.test\"]\nmethods = [\"PUT\"]\n\
                request-headers = [\"content-type\"]\nlocal-network = true\n";
    let (specs, routes) = specs(text);
    let grant = "access-control-allow-private-network: true";
    let mut failures = Vec::new();
    for platform in ENGINES {
        let result = export(platform, &specs, &routes, false);
        if !corsair_platforms::writes_local_network(platform, false) {
            match result {
                Err(ExportError::Refused(r))
                    if r.limits.iter().any(|l| l.message.contains("local-network")) => {}
                other => failures.push(format!("{platform}: not refused: {other:?}")),
            }
            continue;
        }
        let snippet = match result {
            Ok(e) => e.rendered.snippet,
            Err(e) => {
                failures.push(format!("{platform}: refused: {e:?}"));
                continue;
            }
        };
        let built = build_rust(platform, [(99, snippet.as_str())]);
        let running = start(platform, &snippet, 99, built.as_ref());
        let port = running.main.port();
        let allowed = local_network_preflight(port, "https://app.example.test");
        let refused = local_network_preflight(port, "https://evil.example.test");
        let found = deviations(&format!("http://127.0.0.1:{port}{ITEMS}"), &specs[0]);
        println!(
            "{platform}: granted {}, to another origin {}, {} deviation(s)",
            allowed.contains(grant),
            refused.contains(grant),
            found.len()
        );
        if !allowed.contains(grant) || refused.contains(grant) || !found.is_empty() {
            failures.push(format!(
                "{platform}:\n{allowed}\n{refused}\n{found:#?}\n{snippet}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Route paths holding what browsers send as it is but engines read
/// otherwise: first a quote and a dollar sign, special in the engines' own
/// syntax, which every engine must serve; then a percent-escape, a `;`
/// parameter and a doubled slash, which engines that decode, drop
/// parameters or merge slashes before matching routes must refuse.
const ODD_ROUTES: [&str; 4] = [
    "/api/it's$x/**",
    "/api/caf%C3%A9/**",
    "/api/v;2/**",
    "/api/a//b/**",
];

/// Paths outside the route of the same index in [`ODD_ROUTES`] that an
/// engine dropping `;` parameters or merging slashes would take for it:
/// the default policy must decide there.
const LOOK_ALIKES: [Option<&str>; 4] = [None, None, Some("/api/v/users"), Some("/api/a/b/users")];

/// Every engine that writes routes serves each of [`ODD_ROUTES`] as the
/// policy says (the export quotes and escapes the path for HAProxy's single
/// quotes, Ruby's `%r{}`, nginx's and Caddy's quoted regexes, …, and the
/// route's policy, not the default, decides on its paths), or refuses it
/// as a route path it cannot match as written.
#[test]
fn an_odd_route_path_is_served_by_every_engine_that_writes_routes() {
    let policies: Vec<_> = ODD_ROUTES
        .iter()
        .map(|route| {
            specs(&format!(
                "[cors]\norigins = [\"https://app.example.test\"]\nrequest-headers = [\"content-type\"]\n\n\
                 [[routes]]\npath = \"{route}\"\norigins = [\"https://ops.example.test\"]\n\
                 request-headers = [\"content-type\"]\n"
            ))
        })
        .collect();
    let mut failures = Vec::new();
    for platform in ENGINES
        .into_iter()
        .filter(|p| corsair_platforms::says_routes(*p))
    {
        // (seed, route, its look-alike, its policies, the export) for each
        // route exported.
        let mut cases = Vec::new();
        for (i, (route, (specs, routes))) in ODD_ROUTES.iter().zip(&policies).enumerate() {
            let seed = 98 + i as u64;
            match export(platform, specs, routes, false) {
                Ok(e) => cases.push((seed, *route, LOOK_ALIKES[i], specs, e.rendered.snippet)),
                Err(ExportError::Refused(r))
                    if i > 0
                        && !r.narrowable
                        && r.limits
                            .iter()
                            .all(|l| l.message.contains("cannot be written for")) =>
                {
                    println!("{platform} {route}: refused ({})", r.limits[0].message);
                }
                Err(e) => failures.push(format!("{platform} {route}: refused: {e:?}")),
            }
        }
        let built = build_rust(
            platform,
            cases
                .iter()
                .map(|(seed, _, _, _, snippet)| (*seed, snippet.as_str())),
        );
        for (seed, route, look_alike, specs, snippet) in cases {
            let running = start(platform, &snippet, seed, built.as_ref());
            let base = format!("http://127.0.0.1:{}", running.main.port());
            let mut found = deviations(&format!("{base}{ITEMS}"), &specs[0]);
            found.extend(deviations(
                &format!("{base}{}", path_under(route)),
                &specs[1],
            ));
            if let Some(look_alike) = look_alike {
                found.extend(deviations(&format!("{base}{look_alike}"), &specs[0]));
            }
            println!("{platform} {route}: {} deviation(s)", found.len());
            if !found.is_empty() {
                failures.push(format!("{platform} {route}: {found:#?}\n{snippet}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn policies_are_generated_deterministically_and_valid() {
    for seed in 0..200 {
        let text = policy(seed);
        assert_eq!(text, policy(seed));
        specs(&text);
    }
}

#[test]
fn express() {
    differential(Platform::Express);
}

#[test]
fn fastapi() {
    differential(Platform::Fastapi);
}

#[test]
fn flask() {
    differential(Platform::Flask);
}

#[test]
fn django() {
    differential(Platform::Django);
}

#[test]
fn nginx() {
    differential(Platform::Nginx);
}

#[test]
fn caddy() {
    differential(Platform::Caddy);
}

#[test]
fn fastify() {
    differential(Platform::Fastify);
}

#[test]
fn nestjs() {
    differential(Platform::Nestjs);
}

#[test]
fn hono() {
    differential(Platform::Hono);
}

#[test]
fn haproxy() {
    differential(Platform::Haproxy);
}

#[test]
fn apache() {
    differential(Platform::Apache);
}

#[test]
fn corsair_gateway() {
    differential(Platform::CorsairGateway);
}

#[test]
fn nextjs() {
    differential(Platform::Nextjs);
}

#[test]
fn cloudflare_workers() {
    differential(Platform::CloudflareWorkers);
}

#[test]
fn rails() {
    differential(Platform::Rails);
}

#[test]
fn go_rs_cors() {
    differential(Platform::GoRsCors);
}

#[test]
fn spring() {
    differential(Platform::Spring);
}

#[test]
fn axum_tower_http() {
    differential(Platform::AxumTowerHttp);
}

#[test]
fn axum_corsair() {
    differential(Platform::AxumCorsair);
}

#[test]
fn actix() {
    differential(Platform::Actix);
}
