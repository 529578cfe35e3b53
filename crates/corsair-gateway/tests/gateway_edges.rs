//! The gateway at its edges: upgrades passed through, its own 400 and 413,
//! TLS on the listener, the upstream URL (a path prefix, port 80, the forms
//! refused) and the summary of the policy in force.

mod support;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use corsair_gateway::{ProxyConfig, Upstream, UpstreamError};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

use support::*;

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
