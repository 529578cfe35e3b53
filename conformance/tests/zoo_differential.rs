//! The differential test of `corsair export` and `corsair verify`: seeded
//! random policies (origins with and without ports, `*.` and `:*`
//! patterns, credentials, methods,
//! request and exposed headers, max-age, odd but valid header names) are
//! exported to every engine that runs here (Express, FastAPI, Flask,
//! Django, Fastify, NestJS, Hono, nginx, Caddy, Apache httpd, HAProxy, the Corsair gateway), each engine is started with the export included
//! as a user would include it, and `verify`'s cases, derived from the
//! policy alone, must find no deviation for Chrome, Firefox or Safari.
//!
//! The seeds are fixed (`SEEDS`); `CORSAIR_DIFF_SEEDS=1,2,3` runs others.
//! Needs nginx, Caddy, Node.js and Python with the zoo's packages (.ci/run
//! installs them): without them the tests fail, never skip.

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
use harness::fixes::{paste_caddy, paste_nginx, substitute, Fixed};
use harness::gateway::Gateway;
use harness::process::{fill, free_port, zoo_file, Server, TempDir};
use harness::{apache, caddy, haproxy, nginx, node, python};

/// The seeds CI runs.
const SEEDS: [u64; 4] = [1, 7, 42, 2026];

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
        text.push_str(&format!(
            "\n[[routes]]\npath = \"{ADMIN}/**\"\norigins = [{}]\n",
            list(&origins)
        ));
        if g.chance(50) {
            text.push_str("credentials = true\n");
        } else {
            text.push_str("credentials = false\n");
        }
        let methods = g.subset(&["PUT", "DELETE"], false);
        text.push_str(&format!("methods = [{}]\n", list(&methods)));
        let headers = g.subset(&["authorization", "content-type", "x-admin-token"], false);
        text.push_str(&format!("request-headers = [{}]\n", list(&headers)));
    }
    text
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

/// The engine serving `snippet`, started as a user would include it.
fn start(platform: Platform, snippet: &str, seed: u64) -> Running {
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
                     @app.api_route(\"{ITEMS}\", methods=[\"GET\", \"HEAD\", \"POST\", \"PUT\", \"PATCH\", \"DELETE\"])\n\
                     def items():\n    return {{\"items\": [1, 2, 3]}}\n"
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
                     @app.route(\"{ITEMS}\", methods=[\"GET\", \"POST\", \"PUT\", \"PATCH\", \"DELETE\"])\n\
                     def items():\n    return {{\"items\": [1, 2, 3]}}\n"
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
            apache::start(&name, snippet, port, &[(ITEMS, "{\"items\":[1,2,3]}\n")]).ready()
        }
        other => panic!("{other}: not runnable in this test"),
    }
}

/// Every seed's policy on `platform`: no deviation.
fn differential(platform: Platform) {
    let mut failures = Vec::new();
    for seed in seeds() {
        let text = policy(seed);
        let (specs, routes) = specs(&text);
        let exported = match export(platform, &specs, &routes, false) {
            Ok(e) => e,
            // A route of its own on an engine written with one policy.
            Err(ExportError::Refused(r))
                if !matches!(
                    platform,
                    Platform::Express | Platform::Nginx | Platform::Nestjs
                ) && r
                    .limits
                    .iter()
                    .any(|l| l.message.contains("has its own policy")) =>
            {
                println!("{platform} seed {seed}: refused (a route of its own)");
                continue;
            }
            // An engine that always allows more than this policy: refused,
            // as it must be, with the reason.
            Err(ExportError::Refused(r))
                if (platform == Platform::Fastapi
                    && r.limits.iter().any(|l| l.message.contains("Content-Type")))
                    || (platform == Platform::Hono
                        && r.limits
                            .iter()
                            .any(|l| l.message.contains("hono/cors allows"))) =>
            {
                println!("{platform} seed {seed}: refused ({})", r.limits[0].message);
                continue;
            }
            Err(e) => panic!("{platform} seed {seed}: export refused: {e:?}\n{text}"),
        };
        let running = start(platform, &exported.rendered.snippet, seed);
        let base = format!("http://127.0.0.1:{}", running.main.port());
        let mut found = deviations(&format!("{base}{ITEMS}"), &specs[0]);
        if let Some(admin) = specs.get(1) {
            found.extend(deviations(&format!("{base}{ADMIN}/users"), admin));
        }
        println!("{platform} seed {seed}: {} deviation(s)", found.len());
        if !found.is_empty() {
            failures.push(format!(
                "seed {seed}:\n{text}\nsnippet:\n{}\ndeviations: {found:#?}\nserver output:\n{}",
                exported.rendered.snippet,
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
const ENGINES: [Platform; 12] = [
    Platform::Express,
    Platform::Fastify,
    Platform::Nestjs,
    Platform::Hono,
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
        let running = start(platform, &broken, 0);
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
