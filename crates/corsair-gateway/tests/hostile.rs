//! The gateway against hostile clients and a misbehaving upstream, with
//! short bounds so the file runs in seconds: half-sent heads and idle
//! connections are closed on time, the connection cap sheds idle clients
//! (or refuses cleanly) and recovers, one HTTP/2 client cannot open many
//! upstream connections, a slow upload is not the upstream's delay, a stalled
//! upstream body is cut, and the gateway's own errors name no upstream.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use corsair_core::policy::PolicyBuilder;
use corsair_gateway::{serve, Live, Metrics, Own, Proxy, ProxyConfig, ServeConfig, Upstream};
use corsair_tower::CorsLayer;
use http::{Request, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const APP: &str = "http://app.example.test:3000";

/// More than loopback's socket buffers hold.
const BIG: usize = 32 << 20;

/// What the upstream saw: connections open now and at most, requests in
/// its handler now and at most.
#[derive(Default)]
struct Seen {
    open: AtomicUsize,
    peak_open: AtomicUsize,
    accepted: AtomicUsize,
    busy: AtomicUsize,
    peak_busy: AtomicUsize,
}

fn raise(now: &AtomicUsize, peak: &AtomicUsize) {
    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
    peak.fetch_max(n, Ordering::SeqCst);
}

/// A body that sends one chunk and then nothing, ever.
struct Stalling(bool);

impl hyper::body::Body for Stalling {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.0 {
            return Poll::Pending;
        }
        self.0 = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"partial")))))
    }
}

type UpBody = BoxBody<Bytes, Infallible>;

async fn upstream(seen: Arc<Seen>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            seen.accepted.fetch_add(1, Ordering::SeqCst);
            raise(&seen.open, &seen.peak_open);
            tokio::spawn(async move {
                let per_request = seen.clone();
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let seen = per_request.clone();
                    async move { Ok::<_, Infallible>(answer(req, &seen).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
                seen.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    addr
}

async fn answer(req: Request<Incoming>, seen: &Seen) -> Response<UpBody> {
    let path = req.uri().path().to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let full = |b: Bytes| Full::new(b).boxed();
    let body = match path.as_str() {
        "/echo" => full(body),
        "/hold" => {
            raise(&seen.busy, &seen.peak_busy);
            tokio::time::sleep(Duration::from_millis(50)).await;
            seen.busy.fetch_sub(1, Ordering::SeqCst);
            full(Bytes::from_static(b"held"))
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(800)).await;
            full(Bytes::from_static(b"late"))
        }
        "/stall" => Stalling(false).boxed(),
        "/big" => full(Bytes::from(vec![b'b'; BIG])),
        _ => full(Bytes::from_static(b"ok")),
    };
    Response::new(body)
}

struct Gateway {
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn proxy_config() -> ProxyConfig {
    ProxyConfig {
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(300),
        max_body: Some(1 << 20),
        ..ProxyConfig::default()
    }
}

fn serve_config() -> ServeConfig {
    ServeConfig {
        grace: Duration::from_millis(200),
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(400),
        max_connections: 100,
        max_streams: 100,
    }
}

async fn gateway(upstream: &str, proxy: ProxyConfig, config: ServeConfig) -> Gateway {
    gateway_tls(upstream, proxy, config, None).await
}

async fn gateway_tls(
    upstream: &str,
    proxy: ProxyConfig,
    config: ServeConfig,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Gateway {
    let layer = CorsLayer::new(PolicyBuilder::new().origins([APP]).development()).unwrap();
    let proxy = Proxy::new(Upstream::parse(upstream).unwrap(), proxy);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let metrics = Arc::new(Metrics::default());
    let live = Live::new(layer, metrics.clone());
    tokio::spawn(serve(
        listener,
        live,
        proxy,
        tls,
        async {
            let _ = rx.await;
        },
        config,
    ));
    Gateway {
        addr,
        metrics,
        _stop: tx,
    }
}

/// Reads until the gateway closes the connection; how long that took.
async fn closed_after(stream: &mut TcpStream, started: Instant, limit: Duration) -> Duration {
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Err(_) => panic!("still open after {limit:?}"),
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

/// One GET on a fresh connection; status and body.
async fn get(addr: SocketAddr, path: &str) -> (StatusCode, String) {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let req = Request::get(format!("http://{addr}{path}"))
        .header("origin", APP)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The response head to a raw request on `stream`.
async fn head(stream: &mut TcpStream, limit: Duration) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(limit, stream.read(&mut buf))
            .await
            .expect("an answer in time")
            .unwrap();
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

fn counter(metrics: &Metrics, line: &str) -> u64 {
    let text = metrics.render();
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {line} in:\n{text}"))
}

#[tokio::test]
async fn a_half_sent_head_is_closed_after_the_header_timeout() {
    let up = upstream(Arc::default()).await;
    let gw = gateway(&format!("http://{up}"), proxy_config(), serve_config()).await;
    // A head that never ends.
    let started = Instant::now();
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    s.write_all(b"GET /ok HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n")
        .await
        .unwrap();
    let took = closed_after(&mut s, started, Duration::from_secs(3)).await;
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_millis(900),
        "{took:?}"
    );
    // Slowloris: a byte every 100 ms keeps it busy but not open.
    let started = Instant::now();
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    let trickle = async {
        for b in b"GET /ok HTTP/1.1\r\nHost: a\r\nX-Slow: 11111111111111111111111" {
            if s.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        started.elapsed()
    };
    let gave_up = tokio::time::timeout(Duration::from_secs(3), trickle)
        .await
        .expect("closed before the head was done");
    assert!(gave_up < Duration::from_millis(1200), "{gave_up:?}");
    // A connection that never sends a byte is held to the same bound.
    let started = Instant::now();
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    let took = closed_after(&mut s, started, Duration::from_secs(3)).await;
    assert!(took < Duration::from_millis(900), "{took:?}");
    assert!(
        counter(
            &gw.metrics,
            "corsair_connections_closed_total{reason=\"header-timeout\"}"
        ) >= 3
    );
    // The gateway serves on.
    assert_eq!(get(gw.addr, "/ok").await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let up = upstream(Arc::default()).await;
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_millis(500),
        ..serve_config()
    };
    let gw = gateway(&format!("http://{up}"), proxy_config(), config).await;
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    let request = b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\n";
    s.write_all(request).await.unwrap();
    assert!(head(&mut s, Duration::from_secs(2))
        .await
        .starts_with("HTTP/1.1 200"));
    // Within the idle timeout the connection is still good for another request.
    tokio::time::sleep(Duration::from_millis(250)).await;
    s.write_all(request).await.unwrap();
    assert!(head(&mut s, Duration::from_secs(2))
        .await
        .starts_with("HTTP/1.1 200"));
    let idle_from = Instant::now();
    let took = closed_after(&mut s, idle_from, Duration::from_secs(3)).await;
    // Closed by the idle bound (0.5 s), not held open nor cut at once.
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(1200),
        "{took:?}"
    );
    assert_eq!(
        counter(
            &gw.metrics,
            "corsair_connections_closed_total{reason=\"idle\"}"
        ),
        1
    );
}

#[tokio::test]
async fn at_the_connection_cap_idle_clients_are_shed_and_busy_ones_refused_cleanly() {
    let up = upstream(Arc::default()).await;
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        max_connections: 4,
        ..serve_config()
    };
    let proxy = ProxyConfig {
        timeout: Duration::from_secs(2),
        ..proxy_config()
    };
    let gw = gateway(&format!("http://{up}"), proxy, config).await;
    // Four connections that say nothing fill the cap.
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(gw.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A new client is served at once: the longest-idle one made room.
    let started = Instant::now();
    assert_eq!(get(gw.addr, "/ok").await.0, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(1));
    let took = closed_after(&mut idle[0], started, Duration::from_secs(1)).await;
    assert!(took < Duration::from_secs(1));
    assert!(
        counter(
            &gw.metrics,
            "corsair_connections_closed_total{reason=\"shed\"}"
        ) >= 1
    );
    drop(idle);
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Four requests in flight: nothing idle to shed, so a new client is
    // refused at once with a 503 rather than left waiting.
    let mut busy = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(gw.addr).await.unwrap();
        s.write_all(b"GET /slow HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        busy.push(s);
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut refused = TcpStream::connect(gw.addr).await.unwrap();
    refused
        .write_all(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
        .await
        .unwrap();
    let answer = head(&mut refused, Duration::from_millis(500)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains(&format!("\r\nx-corsair: {}\r\n", Own::Overloaded.as_str())),
        "the gateway's own 503 is marked: {answer}"
    );
    assert!(
        counter(
            &gw.metrics,
            "corsair_connections_closed_total{reason=\"refused\"}"
        ) >= 1
    );
    // The slow ones finish; service recovers.
    for s in &mut busy {
        assert!(head(s, Duration::from_secs(3))
            .await
            .starts_with("HTTP/1.1 200"));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(get(gw.addr, "/ok").await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_http2_client_with_many_streams_uses_few_upstream_connections() {
    let seen = Arc::new(Seen::default());
    let up = upstream(seen.clone()).await;
    let proxy = ProxyConfig {
        timeout: Duration::from_secs(5),
        upstream_per_client: 3,
        ..proxy_config()
    };
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..serve_config()
    };
    let gw = gateway(&format!("http://{up}"), proxy, config).await;
    let tcp = TcpStream::connect(gw.addr).await.unwrap();
    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut streams = Vec::new();
    for _ in 0..60 {
        let mut sender = sender.clone();
        streams.push(tokio::spawn(async move {
            let req = Request::get("http://gw/hold")
                .header("origin", APP)
                .body(Full::new(Bytes::new()))
                .unwrap();
            let res = sender.send_request(req).await.unwrap();
            let status = res.status();
            let _ = res.into_body().collect().await;
            status
        }));
    }
    for s in streams {
        assert_eq!(s.await.unwrap(), StatusCode::OK);
    }
    let peak = seen.peak_busy.load(Ordering::SeqCst);
    let accepted = seen.accepted.load(Ordering::SeqCst);
    assert!(peak <= 3, "{peak} requests at once upstream");
    assert!(
        accepted <= 3,
        "{accepted} upstream connections for one client"
    );
    assert!(peak >= 2, "the streams ran side by side ({peak})");
}

#[tokio::test]
async fn a_slow_upload_to_a_fast_upstream_is_not_a_gateway_timeout() {
    let up = upstream(Arc::default()).await;
    let gw = gateway(&format!("http://{up}"), proxy_config(), serve_config()).await;
    // 200 KB in 20 pieces over about 1.2 s, four times the 0.3 s timeout.
    let piece = vec![b'u'; 10 * 1024];
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    s.write_all(
        format!(
            "POST /echo HTTP/1.1\r\nHost: a\r\nOrigin: {APP}\r\nContent-Length: {}\r\n\r\n",
            20 * piece.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    for _ in 0..20 {
        s.write_all(&piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let answer = head(&mut s, Duration::from_secs(3)).await;
    assert!(started.elapsed() > Duration::from_secs(1));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains(&format!("content-length: {}", 20 * piece.len())),
        "{answer}"
    );
}

#[tokio::test]
async fn an_upstream_body_that_stalls_is_cut_and_counted() {
    let up = upstream(Arc::default()).await;
    let gw = gateway(&format!("http://{up}"), proxy_config(), serve_config()).await;
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let req = Request::get(format!("http://{}/stall", gw.addr))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = client.request(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let started = Instant::now();
    let body = tokio::time::timeout(Duration::from_secs(3), res.into_body().collect())
        .await
        .expect("the stalled body is cut, not held open");
    assert!(body.is_err(), "the client sees the body broken off");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(
        counter(
            &gw.metrics,
            "corsair_upstream_errors_total{status=\"body-stall\"}"
        ),
        1
    );
}

#[tokio::test]
async fn the_gateways_errors_do_not_name_the_upstream() {
    let up = upstream(Arc::default()).await;
    let gw = gateway(&format!("http://{up}"), proxy_config(), serve_config()).await;
    let (status, body) = get(gw.addr, "/slow").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert!(
        !body.contains(&up.port().to_string()) && !body.contains("127.0.0.1"),
        "{body}"
    );
    let dead = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let gw = gateway(&format!("http://{dead}"), proxy_config(), serve_config()).await;
    let (status, body) = get(gw.addr, "/ok").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body.contains("cannot be reached"), "{body}");
    assert!(
        !body.contains(&dead.port().to_string()) && !body.contains("127.0.0.1"),
        "{body}"
    );
}

#[test]
fn upstream_urls_with_credentials_are_refused_without_echoing_them() {
    for url in [
        "http://alice:s3cret@127.0.0.1:8000",
        "http://alice@127.0.0.1:8000/",
        "https://alice:s3cret@api.example.com/v1",
    ] {
        let e = Upstream::parse(url).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("credentials"), "{shown}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("alice"),
            "{shown}"
        );
    }
    // An `@` after the authority is in the path prefix, not credentials.
    assert!(Upstream::parse("http://127.0.0.1:8000").is_ok());
    let path = Upstream::parse("http://127.0.0.1:8000/a@b").unwrap();
    assert_eq!(path.prefix(), "/a@b");
}

#[tokio::test]
async fn a_client_that_stops_reading_its_answer_is_closed_after_the_idle_timeout() {
    let up = upstream(Arc::default()).await;
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_millis(400),
        ..serve_config()
    };
    let proxy = ProxyConfig {
        timeout: Duration::from_secs(5),
        ..proxy_config()
    };
    let gw = gateway(&format!("http://{up}"), proxy, config).await;
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    s.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        .await
        .unwrap();
    assert!(head(&mut s, Duration::from_secs(2))
        .await
        .starts_with("HTTP/1.1 200"));
    // Reads nothing for three times the bound.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => got += n,
            Err(_) => panic!("neither closed nor finished"),
        }
    }
    assert!(got < BIG, "the whole answer came ({got} bytes)");
    assert_eq!(
        counter(
            &gw.metrics,
            "corsair_connections_closed_total{reason=\"write-stalled\"}"
        ),
        1
    );
}

#[tokio::test]
async fn a_slow_reader_of_a_healthy_upstream_is_not_cut() {
    let up = upstream(Arc::default()).await;
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..serve_config()
    };
    // The upstream's stall bound (0.3 s) is shorter than the client's pause.
    let gw = gateway(&format!("http://{up}"), proxy_config(), config).await;
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    s.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = head(&mut s, Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut rest))
        .await
        .expect("the answer ends")
        .unwrap();
    let body_start = answer.find("\r\n\r\n").unwrap() + 4;
    assert_eq!(answer.len() - body_start + rest.len(), BIG);
    assert_eq!(
        counter(
            &gw.metrics,
            "corsair_upstream_errors_total{status=\"body-stall\"}"
        ),
        0
    );
}

#[tokio::test]
async fn a_request_body_that_stalls_is_answered_408() {
    let seen = Arc::new(Seen::default());
    let up = upstream(seen.clone()).await;
    let proxy = ProxyConfig {
        body_stall: Some(Duration::from_millis(300)),
        timeout: Duration::from_secs(5),
        ..proxy_config()
    };
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..serve_config()
    };
    let gw = gateway(&format!("http://{up}"), proxy, config).await;
    let mut s = TcpStream::connect(gw.addr).await.unwrap();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n")
        .await
        .unwrap();
    s.write_all(&[b'x'; 1000]).await.unwrap();
    let started = Instant::now();
    let answer = head(&mut s, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("\r\nx-corsair: body-stalled\r\n"),
        "{answer}"
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_after_the_idle_timeout() {
    let up = upstream(Arc::default()).await;
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_millis(500),
        ..serve_config()
    };
    let gw = gateway(&format!("http://{up}"), proxy_config(), config).await;
    let tcp = TcpStream::connect(gw.addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    let conn = tokio::spawn(conn);
    let req = Request::get("http://gw/ok")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let _ = res.into_body().collect().await;
    let idle_from = Instant::now();
    tokio::time::timeout(Duration::from_secs(3), conn)
        .await
        .expect("the gateway closes the idle HTTP/2 connection")
        .unwrap()
        .ok();
    let took = idle_from.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(1200),
        "{took:?}"
    );
}

#[tokio::test]
async fn an_upstream_that_stops_taking_the_request_body_gets_a_504() {
    // Accepts and never reads.
    let sink = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = sink.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = sink.accept().await {
            held.push(s);
        }
    });
    let proxy = ProxyConfig {
        max_body: Some(64 << 20),
        ..proxy_config()
    };
    let config = ServeConfig {
        header_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..serve_config()
    };
    let gw = gateway(&format!("http://{up}"), proxy, config).await;
    let s = TcpStream::connect(gw.addr).await.unwrap();
    let (mut read, mut write) = s.into_split();
    // More than the sockets between here and the upstream hold.
    tokio::spawn(async move {
        let _ = write
            .write_all(
                format!("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: {BIG}\r\n\r\n")
                    .as_bytes(),
            )
            .await;
        let piece = vec![b'p'; 64 * 1024];
        for _ in 0..BIG / piece.len() {
            if write.write_all(&piece).await.is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), read.read(&mut buf))
            .await
            .expect("an answer while the upstream holds the upload")
            .unwrap();
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    let answer = String::from_utf8_lossy(&seen);
    assert!(answer.starts_with("HTTP/1.1 504"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn failed_tls_handshakes_do_not_count_against_the_cap() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls");
    let acceptor =
        corsair_gateway::tls::acceptor(&dir.join("localhost.pem"), &dir.join("localhost.key"))
            .unwrap();
    let up = upstream(Arc::default()).await;
    let config = ServeConfig {
        max_connections: 3,
        ..serve_config()
    };
    let gw = gateway_tls(
        &format!("http://{up}"),
        proxy_config(),
        config,
        Some(acceptor),
    )
    .await;
    // Plain HTTP to a TLS port: each handshake fails at once.
    for _ in 0..6 {
        let mut s = TcpStream::connect(gw.addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut out)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(counter(&gw.metrics, "corsair_connections_open"), 0);
    assert_eq!(
        counter(
            &gw.metrics,
            "corsair_connections_closed_total{reason=\"shed\"}"
        ),
        0,
        "no failed handshake was left to be shed"
    );
}
