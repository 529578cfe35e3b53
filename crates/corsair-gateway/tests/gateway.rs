//! The gateway on loopback in front of a real HTTP upstream that sets its own
//! CORS headers, fails, stalls, streams and goes away: CORS headers on every
//! answer to an allowed origin, none for a refused one, the upstream's own
//! removed, and the forwarding headers right.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use corsair_core::policy::PolicyBuilder;
use corsair_gateway::{
    serve, Live, Metrics, PolicySource, Proxy, ProxyConfig, Reloaded, ServeConfig, Upstream,
    UpstreamError,
};
use corsair_tower::CorsLayer;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

const APP: &str = "http://app.example.test:3000";

/// The upstream: an API that adds its own CORS headers (as many do).
async fn upstream(calls: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let calls = calls.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async move { Ok::<_, Infallible>(answer(req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .with_upgrades()
                    .await;
            });
        }
    });
    addr
}

async fn answer(mut req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let target = req.uri().to_string();
    if path == "/ws" {
        // Switches to an echo of whatever bytes follow, uppercased.
        let upgraded = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let Ok(io) = upgraded.await else { return };
            let mut io = TokioIo::new(io);
            let mut buf = [0u8; 1024];
            while let Ok(n) = io.read(&mut buf).await {
                if n == 0 || io.write_all(&buf[..n].to_ascii_uppercase()).await.is_err() {
                    return;
                }
            }
        });
        return Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header("upgrade", "websocket")
            .header("connection", "Upgrade")
            .header("access-control-allow-origin", "*")
            .body(Full::new(Bytes::new()))
            .unwrap();
    }
    let seen: String = req
        .headers()
        .iter()
        .map(|(n, v)| format!("{n}: {}\n", v.to_str().unwrap_or("?")))
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (status, text) = match path.as_str() {
        "/ok" => (StatusCode::OK, Bytes::from_static(b"ok")),
        "/fail" => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Bytes::from_static(b"boom"),
        ),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (StatusCode::OK, Bytes::from_static(b"late"))
        }
        // The upstream's own 502 (its backend failed): passed on.
        "/bad-gateway" => (StatusCode::BAD_GATEWAY, Bytes::from_static(b"db down")),
        "/headers" => (StatusCode::OK, Bytes::from(seen)),
        "/echo" => (StatusCode::OK, body),
        // What the upstream was asked for, path and query.
        p if p.starts_with("/api/") => (StatusCode::OK, Bytes::from(target)),
        _ => (StatusCode::NOT_FOUND, Bytes::from_static(b"no such path")),
    };
    Response::builder()
        .status(status)
        .header("access-control-allow-origin", "*")
        .header("vary", "Accept-Encoding")
        .header("connection", "x-internal")
        .header("x-internal", "hop")
        // Marks only the gateway may set: an upstream's are not passed on.
        .header("x-corsair", "upstream-unreachable")
        .header("x-corsair-refusal", "origin-not-allowed")
        .body(Full::new(text))
        .unwrap()
}

struct Gateway {
    live: Live,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<bool>,
}

fn config() -> ProxyConfig {
    ProxyConfig {
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(700),
        max_body: Some(128 * 1024),
        proto: "http",
        ..ProxyConfig::default()
    }
}

async fn gateway(upstream: &str) -> Gateway {
    gateway_with(upstream, config(), None).await
}

async fn gateway_with(
    upstream: &str,
    config: ProxyConfig,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Gateway {
    let layer = CorsLayer::new(
        PolicyBuilder::new()
            .origins([APP])
            .credentials(true)
            .methods(["PUT"])
            .request_headers(["content-type"])
            .expose_headers(["x-total"])
            .max_age(600)
            .development(),
    )
    .unwrap();
    let proxy = Proxy::new(Upstream::parse(upstream).unwrap(), config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let live = Live::new(layer, Arc::new(Metrics::default()));
    let done = tokio::spawn(serve(
        listener,
        live.clone(),
        proxy,
        tls,
        async {
            let _ = rx.await;
        },
        ServeConfig {
            grace: Duration::from_secs(2),
            ..ServeConfig::default()
        },
    ));
    Gateway {
        live,
        addr,
        stop: Some(tx),
        done,
    }
}

async fn send(
    gw: &Gateway,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &'static str,
) -> (StatusCode, HeaderMap, String) {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("http://{}{path}", gw.addr));
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let res = client
        .request(
            req.body(Full::new(Bytes::from_static(body.as_bytes())))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let h = res.headers().clone();
    let text =
        String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (status, h, text)
}

fn one(h: &HeaderMap, name: &str) -> Vec<String> {
    h.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn assert_cors_for_app(h: &HeaderMap, what: &str) {
    assert_eq!(
        one(h, "access-control-allow-origin"),
        [APP],
        "{what}: {h:?}"
    );
    assert_eq!(
        one(h, "access-control-allow-credentials"),
        ["true"],
        "{what}"
    );
    assert_eq!(
        one(h, "access-control-expose-headers"),
        ["x-total"],
        "{what}"
    );
}

#[tokio::test]
async fn every_answer_to_an_allowed_origin_carries_cors_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let up = upstream(calls.clone()).await;
    let gw = gateway(&format!("http://{up}")).await;
    let origin = [("origin", APP)];
    let (status, h, body) = send(&gw, "GET", "/ok", &origin, "").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    assert_cors_for_app(&h, "success");
    assert!(
        h.get("x-corsair").is_none() && h.get("x-corsair-refusal").is_none(),
        "the upstream's answer carries no gateway mark, not even one the upstream set: {h:?}"
    );
    assert_eq!(one(&h, "vary"), ["Accept-Encoding, Origin"], "merged, once");
    assert!(
        h.get("x-internal").is_none(),
        "a header the upstream's Connection names is hop-by-hop"
    );
    let (status, h, _) = send(&gw, "GET", "/fail", &origin, "").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_cors_for_app(&h, "upstream 500");
    let (status, h, _) = send(&gw, "GET", "/missing", &origin, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_cors_for_app(&h, "upstream 404");
    let (status, h, body) = send(&gw, "GET", "/slow", &origin, "").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_cors_for_app(&h, "gateway 504");
    assert_eq!(one(&h, "x-corsair"), ["upstream-timeout"]);
}

#[tokio::test]
async fn metrics_tell_upstream_errors_from_statuses_passed_on_and_own_answers() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    // The upstream answered 502 itself: the gateway saw nothing go wrong.
    let (status, _, _) = send(&gw, "GET", "/bad-gateway", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    // The upstream is too slow: an upstream error, and the gateway's own 504.
    let (status, _, _) = send(&gw, "GET", "/slow", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_metrics(
        &gw,
        &[
            "corsair_upstream_errors_total{status=\"502\"} 0\n",
            "corsair_upstream_errors_total{status=\"504\"} 1\n",
            "corsair_gateway_answers_total{reason=\"upstream-timeout\"} 1\n",
            "corsair_gateway_answers_total{reason=\"upstream-broke-off\"} 0\n",
        ],
    );

    // No upstream at all: the gateway's own 502, counted both ways.
    let dead = dead_upstream_gateway().await;
    let (status, _, _) = send(&dead, "GET", "/ok", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_metrics(
        &dead,
        &[
            "corsair_upstream_errors_total{status=\"502\"} 1\n",
            "corsair_gateway_answers_total{reason=\"upstream-unreachable\"} 1\n",
        ],
    );
}

/// Asserts that `/metrics` holds every line of `wants`.
fn assert_metrics(gw: &Gateway, wants: &[&str]) {
    let text = gw.live.metrics().render();
    for want in wants {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
}

/// A gateway in front of a port that was open a moment ago and is now closed.
async fn dead_upstream_gateway() -> Gateway {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    gateway(&format!("http://127.0.0.1:{port}")).await
}

#[tokio::test]
async fn a_dead_upstream_gives_a_502_the_page_can_read() {
    let gw = dead_upstream_gateway().await;
    let (status, h, body) = send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body.contains("cannot be reached"), "{body}");
    assert_cors_for_app(&h, "gateway 502");
    assert_eq!(one(&h, "x-corsair"), ["upstream-unreachable"]);
}

#[tokio::test]
async fn refused_origins_get_no_cors_headers_not_even_the_upstreams() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    let (status, h, _) = send(&gw, "GET", "/ok", &[("origin", "http://evil.test")], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        h.keys().all(|k| !k.as_str().starts_with("access-control-")),
        "{h:?}"
    );
    assert_eq!(one(&h, "vary"), ["Accept-Encoding, Origin"]);
}

#[tokio::test]
async fn preflights_are_answered_by_the_gateway() {
    let calls = Arc::new(AtomicUsize::new(0));
    let up = upstream(calls.clone()).await;
    let gw = gateway(&format!("http://{up}")).await;
    let pre = [
        ("origin", APP),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "content-type"),
    ];
    let (status, h, _) = send(&gw, "OPTIONS", "/ok", &pre, "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(one(&h, "access-control-allow-methods"), ["PUT"]);
    assert_eq!(one(&h, "access-control-allow-headers"), ["content-type"]);
    let refused = [("origin", APP), ("access-control-request-method", "DELETE")];
    let (status, h, _) = send(&gw, "OPTIONS", "/ok", &refused, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(h.get("access-control-allow-origin").is_none());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "no preflight reached the upstream"
    );
}

#[tokio::test]
async fn forwarding_headers_and_streamed_bodies() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    let (_, _, seen) = send(
        &gw,
        "GET",
        "/headers?x=1",
        &[
            ("origin", APP),
            ("connection", "x-hop"),
            ("x-hop", "1"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
        "",
    )
    .await;
    assert!(
        seen.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1\n"),
        "{seen}"
    );
    assert!(seen.contains("x-forwarded-proto: http\n"), "{seen}");
    assert!(
        seen.contains(&format!("x-forwarded-host: {}\n", gw.addr)),
        "{seen}"
    );
    assert!(seen.contains(&format!("host: {up}\n")), "{seen}");
    assert!(!seen.contains("x-hop"), "{seen}");
    let body = "x".repeat(100_000);
    let body: &'static str = Box::leak(body.into_boxed_str());
    let (status, _, echoed) = send(&gw, "PUT", "/echo", &[("origin", APP)], body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(echoed.len(), 100_000);
}

#[tokio::test]
async fn shutdown_stops_accepting_and_returns() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let mut gw = gateway(&format!("http://{up}")).await;
    let (status, _, _) = send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::OK);
    let _ = gw.stop.take().unwrap().send(());
    let drained = tokio::time::timeout(Duration::from_secs(5), &mut gw.done)
        .await
        .expect("serve returns")
        .unwrap();
    assert!(drained);
    assert!(
        tokio::net::TcpStream::connect(gw.addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn metrics_count_requests_preflights_refusals_and_upstream_errors() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    send(&gw, "GET", "/slow", &[("origin", APP)], "").await;
    send(&gw, "GET", "/ok", &[("origin", "http://evil.test")], "").await;
    send(
        &gw,
        "OPTIONS",
        "/ok",
        &[("origin", APP), ("access-control-request-method", "PUT")],
        "",
    )
    .await;
    let text = gw.live.metrics().render();
    for want in [
        "corsair_requests_total 4\n",
        "corsair_preflights_total 1\n",
        "corsair_upstream_errors_total{status=\"504\"} 1\n",
        "corsair_refusals_total{slug=\"origin-mismatch\",route=\"default\"} 1\n",
        "corsair_request_duration_seconds_count 4\n",
        "corsair_duplicate_cors_layer_total 1\n",
    ] {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
}

#[tokio::test]
async fn reload_replaces_a_valid_policy_and_keeps_the_old_on_errors() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    let dir = std::env::temp_dir().join(format!("corsair-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("corsair.toml");
    let source = PolicySource {
        path: path.clone(),
        stage: None,
        env_origins: None,
    };
    let new_origin = "https://new.example.com";
    std::fs::write(
        &path,
        format!("[cors]\norigins = [\"{new_origin}\"]\nmax-age = 60\n"),
    )
    .unwrap();
    match source.reload(&gw.live) {
        Reloaded::Replaced { summary, .. } => {
            assert_eq!(summary.stage, "[cors] (production)");
            assert_eq!(summary.origins, [new_origin]);
        }
        other => panic!("{other:?}"),
    }
    let (_, h, _) = send(&gw, "GET", "/ok", &[("origin", new_origin)], "").await;
    assert_eq!(one(&h, "access-control-allow-origin"), [new_origin]);
    let (_, h, _) = send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    assert!(
        h.get("access-control-allow-origin").is_none(),
        "the old policy is gone"
    );
    std::fs::write(&path, "[cors]\norigins = [\"*\"]\ncredentials = true\n").unwrap();
    match source.reload(&gw.live) {
        Reloaded::Kept { error, .. } => assert!(error.to_string().contains("error"), "{error}"),
        other => panic!("{other:?}"),
    }
    let (_, h, _) = send(&gw, "GET", "/ok", &[("origin", new_origin)], "").await;
    assert_eq!(
        one(&h, "access-control-allow-origin"),
        [new_origin],
        "still the last valid policy"
    );
    let metrics = gw.live.metrics().render();
    assert!(
        metrics.contains("corsair_policy_reloads_total 1\n")
            && metrics.contains("corsair_policy_reload_failures_total 1\n"),
        "{metrics}"
    );
    // Watching: a change to the file is picked up without a signal.
    let watcher = tokio::spawn(source.clone().watch(
        gw.live.clone(),
        Duration::from_millis(50),
        |_, _| {},
    ));
    tokio::time::sleep(Duration::from_millis(120)).await;
    std::fs::write(
        &path,
        "[cors]\norigins = [\"https://third.example.com\"]\nmax-age = 60\n",
    )
    .unwrap();
    let mut picked = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (_, h, _) = send(
            &gw,
            "GET",
            "/ok",
            &[("origin", "https://third.example.com")],
            "",
        )
        .await;
        if h.get("access-control-allow-origin").is_some() {
            picked = true;
            break;
        }
    }
    watcher.abort();
    assert!(picked, "the watcher reloaded the changed file");
}

/// Sends raw bytes and reads until the peer has said `until` (or closed).
async fn raw(addr: SocketAddr, request: &[u8], until: &str) -> (tokio::net::TcpStream, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains(until) {
        let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf))
            .await
            .expect("the gateway answers")
            .unwrap();
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    (stream, String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test]
async fn websocket_upgrades_are_passed_through_with_cors_headers() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: api.test\r\nOrigin: {APP}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    let (mut stream, head) = raw(gw.addr, request.as_bytes(), "\r\n\r\n").await;
    let lower = head.to_ascii_lowercase();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(lower.contains("upgrade: websocket"), "{head}");
    assert!(lower.contains("connection: upgrade"), "{head}");
    // The gateway's CORS answer, not the upstream's `*`.
    assert!(
        lower.contains(&format!("access-control-allow-origin: {APP}")),
        "{head}"
    );
    assert!(!lower.contains("access-control-allow-origin: *"), "{head}");
    // Bytes now flow both ways through the upgraded connection.
    for word in ["hello", "corsair"] {
        stream.write_all(word.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; word.len()];
        tokio::time::timeout(Duration::from_secs(3), stream.read_exact(&mut buf))
            .await
            .expect("echo arrives")
            .unwrap();
        assert_eq!(buf, word.to_ascii_uppercase().as_bytes());
    }
}

#[tokio::test]
async fn the_gateways_own_400_and_413_carry_cors_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let up = upstream(calls.clone()).await;
    let gw = gateway(&format!("http://{up}")).await;
    // HTTP/1.1 without Host (RFC 9112 §3.2).
    let (_s, head) = raw(
        gw.addr,
        format!("GET /ok HTTP/1.1\r\nOrigin: {APP}\r\n\r\n").as_bytes(),
        "\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("access-control-allow-origin: {APP}")),
        "{head}"
    );
    assert!(head.contains("\r\nx-corsair: bad-request\r\n"), "{head}");
    // Two Host headers.
    let (_s, head) = raw(
        gw.addr,
        format!("GET /ok HTTP/1.1\r\nHost: a\r\nHost: b\r\nOrigin: {APP}\r\n\r\n").as_bytes(),
        "\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    // A declared body over the limit: refused before the upstream is asked.
    let big: &'static str = Box::leak("x".repeat(128 * 1024 + 1).into_boxed_str());
    let (status, h, text) = send(&gw, "POST", "/echo", &[("origin", APP)], big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert_cors_for_app(&h, "413");
    assert_eq!(one(&h, "x-corsair"), ["body-too-large"]);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // A chunked body that outgrows the limit on the way.
    let chunk = "y".repeat(8 * 1024);
    let mut request = format!(
        "POST /echo HTTP/1.1\r\nHost: api.test\r\nOrigin: {APP}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    for _ in 0..17 {
        request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    request.push_str("0\r\n\r\n");
    let (_s, head) = raw(gw.addr, request.as_bytes(), "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("access-control-allow-origin: {APP}")),
        "{head}"
    );
    // Within the limit, the body goes through whole.
    let fine: &'static str = Box::leak("z".repeat(120 * 1024).into_boxed_str());
    let (status, _, text) = send(&gw, "POST", "/echo", &[("origin", APP)], fine).await;
    assert_eq!((status, text.len()), (StatusCode::OK, fine.len()));
}

#[tokio::test]
async fn tls_listener_serves_https_with_alpn() {
    use rustls_pki_types::pem::PemObject;
    use tokio_rustls::rustls;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls");
    let acceptor =
        corsair_gateway::tls::acceptor(&dir.join("localhost.pem"), &dir.join("localhost.key"))
            .unwrap();
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway_with(
        &format!("http://{up}"),
        ProxyConfig {
            proto: "https",
            ..config()
        },
        Some(acceptor),
    )
    .await;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls_pki_types::CertificateDer::from_pem_file(dir.join("ca.pem")).unwrap())
        .unwrap();
    for (alpn, version) in [
        (&b"h2"[..], http::Version::HTTP_2),
        (&b"http/1.1"[..], http::Version::HTTP_11),
    ] {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        client.alpn_protocols = vec![alpn.to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        let io = TokioIo::new(tls);
        let req = Request::builder()
            .uri("https://localhost/headers")
            .header("origin", APP)
            .body(Full::new(Bytes::new()))
            .unwrap();
        let res = if version == http::Version::HTTP_2 {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .unwrap();
            tokio::spawn(conn);
            sender.send_request(req).await.unwrap()
        } else {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
            tokio::spawn(conn);
            sender.send_request(req).await.unwrap()
        };
        assert_eq!(res.version(), version);
        assert_eq!(res.status(), StatusCode::OK);
        assert_cors_for_app(res.headers(), "over TLS");
        let seen = res.into_body().collect().await.unwrap().to_bytes();
        let seen = String::from_utf8_lossy(&seen);
        assert!(seen.contains("x-forwarded-proto: https"), "{seen}");
    }
    // A client that does not trust the certificate gets no answer at all.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(gw.addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    assert!(tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(name, tcp)
        .await
        .is_err());
}

#[test]
fn tls_files_that_cannot_be_used_are_reported() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls");
    let missing = corsair_gateway::tls::acceptor(&dir.join("nope.pem"), &dir.join("localhost.key"));
    assert!(missing.err().unwrap().to_string().contains("nope.pem"));
    // A key where the certificate should be.
    let swapped =
        corsair_gateway::tls::acceptor(&dir.join("localhost.key"), &dir.join("localhost.key"));
    assert!(swapped
        .err()
        .unwrap()
        .to_string()
        .contains("no CERTIFICATE"));
    // A key that does not match the certificate.
    let mismatch = corsair_gateway::tls::acceptor(&dir.join("ca.pem"), &dir.join("localhost.key"));
    assert!(mismatch.is_err());
}

#[tokio::test]
async fn a_refused_preflight_is_marked_and_carries_no_cors_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let up = upstream(calls.clone()).await;
    let gw = gateway(&format!("http://{up}")).await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "PUT"),
            ],
            "origin-not-allowed",
        ),
        (
            &[("origin", APP), ("access-control-request-method", "DELETE")],
            "method-not-allowed",
        ),
        (
            &[
                ("origin", APP),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "x-secret-header"),
            ],
            "header-not-allowed",
        ),
    ];
    for (headers, code) in cases {
        let (status, h, _) = send(&gw, "OPTIONS", "/ok", headers, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{code}");
        assert_eq!(one(&h, corsair_tower::REFUSAL_HEADER), [code], "{h:?}");
        assert!(
            h.keys().all(|k| !k.as_str().starts_with("access-control-")),
            "{code}: no CORS header on a refusal: {h:?}"
        );
        // What was refused, never what the policy allows.
        let all = format!("{h:?}");
        assert!(
            !all.contains("app.example.test")
                && !all.contains("PUT")
                && !all.contains("content-type"),
            "{all}"
        );
        assert!(
            h.get("x-corsair").is_none(),
            "the layer's refusal, not a gateway error"
        );
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "no preflight reached the upstream"
    );
    // An allowed preflight carries no refusal mark.
    let (status, h, _) = send(
        &gw,
        "OPTIONS",
        "/ok",
        &[("origin", APP), ("access-control-request-method", "PUT")],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(h.get(corsair_tower::REFUSAL_HEADER).is_none(), "{h:?}");
}

#[tokio::test]
async fn an_upstream_path_prefix_is_put_before_every_path() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    for written in [format!("http://{up}/api"), format!("http://{up}/api/")] {
        let gw = gateway(&written).await;
        for (path, asked) in [
            ("/items?page=2&q=a%20b", "/api/items?page=2&q=a%20b"),
            ("/", "/api/"),
            ("/v1/users/7", "/api/v1/users/7"),
            // The client's own path is kept as it is: no `//` made at the
            // seam, none removed from the client's path.
            ("//x", "/api//x"),
        ] {
            let (status, h, body) = send(&gw, "GET", path, &[("origin", APP)], "").await;
            assert_eq!(
                (status, body.as_str()),
                (StatusCode::OK, asked),
                "{written} {path}"
            );
            assert_cors_for_app(&h, path);
        }
    }
    let parsed = Upstream::parse(&format!("http://{up}/api/")).unwrap();
    assert_eq!(parsed.prefix(), "/api");
    assert_eq!(parsed.to_string(), format!("http://{up}/api"));
}

#[tokio::test]
async fn an_upstream_without_a_port_is_reached_on_port_80() {
    let parsed = Upstream::parse("http://localhost").unwrap();
    assert_eq!(parsed.address(), "localhost:80");
    assert_eq!(
        parsed.authority().as_str(),
        "localhost",
        "the Host header as written"
    );
    assert_eq!(
        Upstream::parse("http://[::1]/").unwrap().address(),
        "[::1]:80"
    );
    assert_eq!(
        Upstream::parse("http://127.0.0.1:8000").unwrap().address(),
        "127.0.0.1:8000"
    );
    // Through the gateway, on port 80 itself: the test needs to bind it (CI
    // runs as root); it fails, never skips, when it cannot.
    let listener = TcpListener::bind("127.0.0.1:80")
        .await
        .unwrap_or_else(|e| panic!("this test binds 127.0.0.1:80 (run as root, port free): {e}"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let host = req
                        .headers()
                        .get("host")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(host))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    let gw = gateway("http://localhost").await;
    let (status, h, body) = send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "localhost"),
        "{h:?}"
    );
}

#[test]
fn upstreams_that_cannot_be_served_are_refused_clearly() {
    let https = Upstream::parse("https://api.example.com").unwrap_err();
    assert!(matches!(https, UpstreamError::Https(_)), "{https}");
    assert!(
        https
            .to_string()
            .contains("TLS to the upstream is not supported"),
        "{https}"
    );
    for bad in [
        "http://api.example.com/v1?key=1",
        "http://api.example.com/#top",
    ] {
        let e = Upstream::parse(bad).unwrap_err();
        assert!(matches!(e, UpstreamError::QueryOrFragment(_)), "{bad}: {e}");
    }
    for bad in ["ftp://api.example.com", "api.example.com:8000", "/api"] {
        let e = Upstream::parse(bad).unwrap_err();
        assert!(e.to_string().contains("http://host[:port]"), "{bad}: {e}");
    }
}

#[test]
fn the_summary_names_the_stage_and_bounds_the_origins() {
    let origins: Vec<String> = (0..13)
        .map(|i| format!("\"https://o{i}.example.com\""))
        .collect();
    let text = format!(
        "[cors]\norigins = [{}]\ncredentials = true\nmax-age = 60\n\n[stages.development]\nextra-origins = [\"http://localhost:5173\"]\n\n[[routes]]\npath = \"/public/**\"\norigins = [\"*\"]\ncredentials = false\n",
        origins.join(", ")
    );
    let production = corsair_gateway::compile(&text, None, None).unwrap().summary;
    assert_eq!(production.stage, "[cors] (production)");
    assert_eq!(production.origins.len(), 13);
    assert!(production.credentials);
    assert_eq!(production.routes, 1);
    let shown = production.to_string();
    assert!(
        shown.contains("https://o9.example.com … and 3 more"),
        "{shown}"
    );
    assert!(!shown.contains("o10.example.com"), "{shown}");
    let prod = corsair_gateway::compile(&text, Some("production"), None)
        .unwrap()
        .summary;
    assert_eq!(
        prod.stage, "[cors] (production)",
        "no table of its own: [cors]"
    );
    let dev = corsair_gateway::compile(&text, Some("development"), Some("https://env.example.com"))
        .unwrap()
        .summary;
    assert_eq!(dev.stage, "development");
    assert_eq!(dev.origins.len(), 15, "{:?}", dev.origins);
    assert!(dev.origins.iter().any(|o| o == "http://localhost:5173"));
    assert!(dev.origins.iter().any(|o| o == "https://env.example.com"));
    let patterns = corsair_gateway::compile(
        "[cors]\norigins = [\"https://*.example.com\", \"http://localhost:*\"]\nmax-age = 60\n[stages.dev]\n",
        Some("dev"),
        None,
    )
    .unwrap()
    .summary;
    assert_eq!(
        patterns.origins,
        ["https://*.example.com", "http://localhost:*"]
    );
}
