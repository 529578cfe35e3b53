//! `corsair serve`'s proxy in front of a real Express upstream that adds its
//! own CORS headers and throws 500s, driven by real Chromium: every request from the
//! allowed origin is readable by the page (the 500 and the gateway's own 502
//! included), other origins and methods are blocked.
//!
//! Needs Chromium, like the corpus test; it fails without it.

use std::sync::Arc;
use std::time::Duration;

use corsair_conformance::{parse_jsonl, run_scenarios, Options, Outcome};
use corsair_core::policy::PolicyBuilder;
use corsair_gateway::{serve, Live, Metrics, Proxy, ProxyConfig, ServeConfig, Upstream};
use corsair_tower::CorsLayer;
use tokio::net::TcpListener;

const PAGE: &str = "http://app.example.test:8001";

/// The Express upstream (`conformance/upstreams/express`): it sets
/// `Access-Control-Allow-Origin: *` itself (wrong with credentials) and
/// throws on `/fail`. Needs node and `npm ci` there (`.ci/run` does both);
/// without them the test fails, never skips.
struct Express(std::process::Child);

impl Drop for Express {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn express() -> (Express, u16) {
    use std::io::BufRead;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/upstreams/express");
    assert!(
        std::path::Path::new(dir)
            .join("node_modules/express")
            .exists(),
        "Express is not installed: run `npm ci --prefix {dir}` (.ci/run does)"
    );
    let mut child = std::process::Command::new("node")
        .arg("server.js")
        .arg("0")
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start node (install nodejs): {e}"));
    let stdout = child.stdout.take().expect("piped");
    let child = Express(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("node prints its port");
    let port = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected: {line:?}"));
    (child, port)
}

async fn gateway(upstream: String) -> u16 {
    let layer = CorsLayer::new(
        PolicyBuilder::new()
            .origins([PAGE])
            .credentials(true)
            .methods(["PUT"])
            .request_headers(["content-type"])
            .max_age(0)
            .development(),
    )
    .unwrap();
    let proxy = Proxy::new(
        Upstream::parse(&upstream).unwrap(),
        ProxyConfig {
            connect_timeout: Duration::from_millis(500),
            timeout: Duration::from_secs(2),
            ..ProxyConfig::default()
        },
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let live = Live::new(layer, Arc::new(Metrics::default()));
    tokio::spawn(serve(
        listener,
        live,
        proxy,
        None,
        std::future::pending(),
        ServeConfig {
            grace: Duration::from_secs(1),
            ..ServeConfig::default()
        },
    ));
    port
}

/// id, page, port, path, method, headers (JSON), the status the page reads
/// (`None`: blocked).
type Case<'a> = (
    &'a str,
    &'a str,
    u16,
    &'a str,
    &'a str,
    &'a str,
    Option<u16>,
);

/// Runs the cases in Chromium; returns what differs from the expectation.
fn run(cases: &[Case], port: u16) -> Vec<String> {
    let text: String = cases
        .iter()
        .map(|(id, page, port, path, method, headers, _)| {
            format!(
                r#"{{"id":"{id}","scenario":{{"page_origin":"{page}","request":{{"url":"http://api.example.test:{port}/s/{id}/{path}","method":"{method}","headers":{headers},"credentials":"include"}}}}}}"#
            ) + "\n"
        })
        .collect();
    let lines = parse_jsonl(&text).expect("scenarios parse");
    let opts = Options {
        external_ports: vec![port],
        ..Options::default()
    };
    let observed = run_scenarios(&lines, &opts).unwrap_or_else(|e| panic!("harness failed: {e}"));
    let mut failures = Vec::new();
    for ((id, .., want), obs) in cases.iter().zip(&observed) {
        let got = (obs.outcome == Outcome::Allowed)
            .then_some(obs.js.status)
            .flatten();
        if got != *want {
            failures.push(format!(
                "{id}: want {want:?}, Chromium {:?} status {:?}: {:?}",
                obs.outcome, obs.js.status, obs.console
            ));
        }
    }
    failures
}

#[test]
fn chromium_through_the_gateway() {
    let (express, express_port) = express();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = rt.block_on(gateway(format!("http://127.0.0.1:{express_port}")));
    let json = r#"[["Content-Type","application/json"]]"#;
    let evil = "http://evil.example.test:8003";
    let mut failures = run(
        &[
            ("gw-get", PAGE, port, "ok", "GET", "[]", Some(200)),
            ("gw-500", PAGE, port, "fail", "GET", "[]", Some(500)),
            ("gw-put", PAGE, port, "ok", "PUT", json, Some(200)),
            ("gw-delete", PAGE, port, "ok", "DELETE", "[]", None),
            (
                "gw-header",
                PAGE,
                port,
                "ok",
                "GET",
                r#"[["X-Secret","1"]]"#,
                None,
            ),
            ("gw-evil", evil, port, "ok", "GET", "[]", None),
        ],
        port,
    );
    // The upstream goes away: the page still reads the gateway's 502.
    drop(express);
    failures.extend(run(
        &[("gw-502", PAGE, port, "ok", "GET", "[]", Some(502))],
        port,
    ));
    drop(rt);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
