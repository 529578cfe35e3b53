//! The harness the gateway's tests share: a real HTTP upstream on loopback
//! that sets its own CORS headers, fails, stalls, streams and upgrades; the
//! gateway in front of it; a client.
// Each test binary uses a part of the harness.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use corsair_core::policy::PolicyBuilder;
use corsair_gateway::{serve, Live, Metrics, Proxy, ProxyConfig, ServeConfig, Upstream};
use corsair_tower::CorsLayer;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

pub const APP: &str = "http://app.example.test:3000";

/// The upstream: an API that adds its own CORS headers (as many do).
pub async fn upstream(calls: Arc<AtomicUsize>) -> SocketAddr {
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

pub async fn answer(mut req: Request<Incoming>) -> Response<Full<Bytes>> {
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

pub struct Gateway {
    pub live: Live,
    pub addr: SocketAddr,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub done: tokio::task::JoinHandle<bool>,
}

pub fn config() -> ProxyConfig {
    ProxyConfig {
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(700),
        max_body: Some(128 * 1024),
        proto: "http",
        ..ProxyConfig::default()
    }
}

pub async fn gateway(upstream: &str) -> Gateway {
    gateway_with(upstream, config(), None).await
}

pub async fn gateway_with(
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

pub async fn send(
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

pub fn one(h: &HeaderMap, name: &str) -> Vec<String> {
    h.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

pub fn assert_cors_for_app(h: &HeaderMap, what: &str) {
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

/// Asserts that `/metrics` holds every line of `wants`.
pub fn assert_metrics(gw: &Gateway, wants: &[&str]) {
    let text = gw.live.metrics().render();
    for want in wants {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
}

/// A gateway in front of a port that was open a moment ago and is now closed.
pub async fn dead_upstream_gateway() -> Gateway {
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    gateway(&format!("http://127.0.0.1:{port}")).await
}

/// Sends raw bytes and reads until the peer has said `until` (or closed).
pub async fn raw(addr: SocketAddr, request: &[u8], until: &str) -> (tokio::net::TcpStream, String) {
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
