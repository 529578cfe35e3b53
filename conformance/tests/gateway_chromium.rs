//! `corsair serve`'s proxy in front of an upstream that adds its own CORS
//! headers and throws 500s, driven by real Chromium: every request from the
//! allowed origin is readable by the page (the 500 and the gateway's own 502
//! included), other origins and methods are blocked.
//!
//! Needs Chromium, like the corpus test; it fails without it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use corsair_conformance::{parse_jsonl, run_scenarios, Options, Outcome};
use corsair_core::policy::PolicyBuilder;
use corsair_gateway::{serve, Live, Metrics, Proxy, Upstream};
use corsair_tower::CorsLayer;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const PAGE: &str = "http://app.example.test:8001";

/// An API that sets `Access-Control-Allow-Origin: *` itself (wrong for
/// credentials) and fails on `/fail`.
async fn upstream() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(|req: hyper::Request<Incoming>| async move {
                    let status = if req.uri().path().ends_with("/fail") {
                        500
                    } else {
                        200
                    };
                    Ok::<_, Infallible>(
                        hyper::Response::builder()
                            .status(status)
                            .header("access-control-allow-origin", "*")
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(b"{}")))
                            .unwrap(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
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
        Duration::from_millis(500),
        Duration::from_secs(2),
        "http",
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let live = Live::new(layer, Arc::new(Metrics::default()));
    tokio::spawn(serve(
        listener,
        live,
        proxy,
        std::future::pending(),
        Duration::from_secs(1),
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

#[test]
fn chromium_through_the_gateway() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (port, dead_port) = rt.block_on(async {
        let up = upstream().await;
        let dead = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        (
            gateway(format!("http://{up}")).await,
            gateway(format!("http://{dead}")).await,
        )
    });
    let cases: Vec<Case> = vec![
        ("gw-get", PAGE, port, "ok", "GET", "[]", Some(200)),
        ("gw-500", PAGE, port, "fail", "GET", "[]", Some(500)),
        (
            "gw-put",
            PAGE,
            port,
            "ok",
            "PUT",
            r#"[["Content-Type","application/json"]]"#,
            Some(200),
        ),
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
        (
            "gw-evil",
            "http://evil.example.test:8003",
            port,
            "ok",
            "GET",
            "[]",
            None,
        ),
        ("gw-502", PAGE, dead_port, "ok", "GET", "[]", Some(502)),
    ];
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
        external_ports: vec![port, dead_port],
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
    drop(rt);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
