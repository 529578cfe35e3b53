//! The doctor against a loopback server with the seeds' mistakes, one path
//! each: every mistake is diagnosed with its catalog slug, and the correct
//! path gets a clean bill (no finding, no probe firing).

use corsair_doctor::network::{CertProblem, NetworkFailure};
use std::net::SocketAddr;

use corsair_core::{Outcome, Slug};
use corsair_doctor::check::CheckRequest;
use corsair_doctor::diagnose::{diagnose, Options, Report};
use corsair_doctor::send::{Sender, SenderOptions};

use corsair_doctor::demo::PAGE;

async fn server() -> SocketAddr {
    corsair_doctor::demo::spawn(None).await.unwrap().0
}

/// A sender that ignores the proxy environment (everything is on loopback).
fn loopback_sender() -> Sender {
    Sender::new(&SenderOptions {
        no_proxy: true,
        ..SenderOptions::default()
    })
    .unwrap()
}

/// A credentialed GET from the page with an Authorization header.
fn authorized_get(url: String) -> CheckRequest {
    CheckRequest {
        page_origin: PAGE.into(),
        url,
        method: "GET".into(),
        headers: vec![("Authorization".into(), "Bearer x".into())],
        credentials: true,
        ..CheckRequest::default()
    }
}

async fn run(addr: SocketAddr, path: &str, method: &str, authorized: bool) -> Report {
    let sender = loopback_sender();
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if authorized {
        headers.push(("Authorization".to_owned(), "Bearer t0ken".to_owned()));
    }
    let request = CheckRequest {
        page_origin: PAGE.into(),
        url: format!("http://{addr}{path}"),
        method: method.into(),
        headers,
        credentials: true,
        cookies: Some("sid=secret".into()),
        body: Some("{}".into()),
        read_headers: Vec::new(),
        initiator: Default::default(),
    };
    // The tests' own server: every request may be sent.
    let options = Options {
        send: true,
        ..Options::default()
    };
    diagnose(&sender, &request, &options).await.unwrap()
}

/// Without --send, a request that may change data is not sent: its
/// preflight is, and no probe repeats the request either.
#[tokio::test]
async fn unsafe_requests_are_not_sent_unless_asked() {
    let addr = server().await;
    let sender = loopback_sender();
    for method in ["PUT", "DELETE", "PATCH", "POST"] {
        let request = CheckRequest {
            page_origin: PAGE.into(),
            url: format!("http://{addr}/good"),
            method: method.into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            credentials: true,
            body: Some("{}".into()),
            ..CheckRequest::default()
        };
        let report = diagnose(&sender, &request, &Options::default())
            .await
            .unwrap();
        if method == "PATCH" {
            // Not in the server's Allow-Methods: the preflight fails, and
            // nothing is left to hold back.
            assert_eq!(report.verdict.outcome, Outcome::Blocked);
            assert_eq!(report.not_sent, None);
        } else {
            assert_eq!(report.not_sent.as_deref(), Some(method));
            assert_eq!(report.verdict.outcome, Outcome::Incomplete);
        }
        let sent: Vec<&str> = report
            .exchanges
            .iter()
            .map(|e| e.sent.method.as_str())
            .collect();
        assert!(
            sent.iter()
                .all(|m| matches!(*m, "OPTIONS" | "GET" | "HEAD")),
            "{method}: sent {sent:?}"
        );
        assert_eq!(report.exchanges[0].sent.method, "OPTIONS");
        // With --send, the request goes once, and no probe repeats it.
        let sent_once = Options {
            send: true,
            ..Options::default()
        };
        let report = diagnose(&sender, &request, &sent_once).await.unwrap();
        let repeats = report
            .exchanges
            .iter()
            .filter(|e| e.sent.method == method)
            .count();
        assert!(repeats <= 1, "{method} sent {repeats} times");
        assert!(
            report
                .exchanges
                .iter()
                .filter(|e| e.probe.is_some())
                .all(|e| is_read_only(&e.sent.method)),
            "{method}: a probe repeated it"
        );
    }
}

fn is_read_only(method: &str) -> bool {
    corsair_doctor::check::is_read_only(method)
}

fn slugs(report: &Report) -> Vec<Slug> {
    report.slugs()
}

#[tokio::test]
async fn each_mistake_gets_its_slug() {
    let addr = server().await;
    let table: &[(&str, &str, bool, Outcome, Slug)] = &[
        (
            "/auth-first",
            "PUT",
            true,
            Outcome::Blocked,
            Slug::PreflightBlockedByAuth,
        ),
        (
            "/echo",
            "PUT",
            true,
            Outcome::Allowed,
            Slug::ReflectsAnyOrigin,
        ),
        ("/suffix", "PUT", true, Outcome::Allowed, Slug::SuffixMatch),
        (
            "/dev-origin",
            "GET",
            true,
            Outcome::Allowed,
            Slug::LocalhostInProduction,
        ),
        (
            "/errors",
            "PUT",
            true,
            Outcome::Allowed,
            Slug::ErrorResponseWithoutCors,
        ),
        (
            "/errors",
            "GET",
            false,
            Outcome::Blocked,
            Slug::ErrorResponseWithoutCors,
        ),
        (
            "/double",
            "PUT",
            true,
            Outcome::Blocked,
            Slug::MultipleAllowOrigin,
        ),
        (
            "/no-vary",
            "GET",
            false,
            Outcome::Blocked,
            Slug::CredentialsNotAllowed,
        ),
        (
            "/star",
            "PUT",
            true,
            Outcome::Blocked,
            Slug::WildcardWithCredentials,
        ),
        (
            "/redirect",
            "PUT",
            true,
            Outcome::Blocked,
            Slug::PreflightRedirect,
        ),
    ];
    for (path, method, authorized, outcome, slug) in table {
        let report = run(addr, path, method, *authorized).await;
        let found = slugs(&report);
        assert_eq!(report.verdict.outcome, *outcome, "{path}: {found:?}");
        assert!(
            found.contains(slug),
            "{path}: expected {slug}, got {found:?}"
        );
        // Every probe finding names the exchange that shows it.
        for f in &report.findings {
            let i = f.evidence.expect("evidence");
            assert!(report.exchanges[i].probe.is_some(), "{path}");
        }
        // The fix never allows `*` or echo-all, and names the page's origin.
        // It is re-checked: served by the server model, the browser model
        // allows the request.
        if let Some(fix) = &report.fix {
            assert_eq!(fix.policy.origins, [PAGE], "{path}");
            assert!(fix.rechecked, "{path}: {:?}", fix.policy);
        }
    }
}

#[tokio::test]
async fn a_correct_api_gets_a_clean_bill() {
    let addr = server().await;
    let report = run(addr, "/good", "PUT", true).await;
    assert_eq!(report.verdict.outcome, Outcome::Allowed);
    let found = slugs(&report);
    assert!(found.is_empty(), "{found:?}");
    assert!(report.fix.is_none());
    // Preflight, request, then the probes: error path and crafted origins.
    assert_eq!(report.exchanges[0].sent.method, "OPTIONS");
    assert_eq!(report.exchanges[1].sent.method, "PUT");
    assert!(report.exchanges.len() > 10);
}

#[tokio::test]
async fn secrets_never_reach_the_report() {
    let addr = server().await;
    let report = run(addr, "/good", "PUT", true).await;
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("t0ken"), "{text}");
    assert!(!text.contains("sid=secret"), "{text}");
    // ... but they were sent: the request itself passed its auth.
    assert_eq!(report.verdict.status, Some(200));
}

#[tokio::test]
async fn the_preflight_is_sent_as_chrome_sends_it() {
    let addr = server().await;
    let report = run(addr, "/good", "put", true).await;
    let pre = &report.exchanges[0].sent;
    let get = |n: &str| {
        pre.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(pre.method, "OPTIONS");
    // fetch() upper-cases `put`.
    assert_eq!(get("access-control-request-method"), Some("PUT"));
    assert_eq!(
        get("access-control-request-headers"),
        Some("authorization,content-type")
    );
    assert_eq!(get("origin"), Some(PAGE));
    assert_eq!(get("sec-fetch-mode"), Some("cors"));
    assert_eq!(get("accept"), Some("*/*"));
    // No credentials on a preflight.
    assert_eq!(get("cookie"), None);
    assert_eq!(get("authorization"), None);
}

#[tokio::test]
async fn a_refused_connection_is_not_a_cors_error() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let report = run(dead, "/x", "GET", false).await;
    assert_eq!(report.verdict.outcome, Outcome::Blocked);
    assert_eq!(slugs(&report)[0], Slug::NotACorsError);
    assert!(report.fix.is_none());
}

/// A server that resets the connection: the report says what the socket
/// said ("reset by peer"), not only hyper's "connection error".
#[tokio::test]
async fn a_reset_connection_says_so() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            // Closing with the request unread makes the kernel send a reset.
            let _ = socket.peek(&mut [0u8; 1]).await;
            drop(socket);
        }
    });
    let report = run(addr, "/x", "GET", false).await;
    assert_eq!(report.verdict.outcome, Outcome::Blocked);
    assert_eq!(slugs(&report)[0], Slug::NotACorsError);
    let detail = format!("{:?}", report.cause);
    assert!(detail.contains("reset by peer"), "{detail}");
}

/// The demo API over TLS (HTTP/2 and HTTP/1.1 by ALPN), with the gateway
/// tests' throwaway certificate for `localhost`.
async fn tls_server() -> SocketAddr {
    use rustls_pki_types::pem::PemObject;
    use tokio_rustls::rustls;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corsair-gateway/tests/tls");
    let certs = rustls_pki_types::CertificateDer::pem_file_iter(dir.join("localhost.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(dir.join("localhost.key")).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let svc = hyper::service::service_fn(|req| async move {
                    Ok::<_, std::convert::Infallible>(corsair_doctor::demo::answer(&req))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn https_with_http2_and_the_trust_options() {
    let addr = tls_server().await;
    let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corsair-gateway/tests/tls/ca.pem");
    let request = authorized_get(format!("https://localhost:{}/good", addr.port()));
    let options = Options {
        probes: false,
        ..Options::default()
    };
    for (cacert, insecure, allowed) in [
        (Some(ca.as_path()), false, true),
        (None, true, true),
        (None, false, false),
    ] {
        let sender = Sender::new(&SenderOptions {
            cacert,
            insecure,
            no_proxy: true,
            ..SenderOptions::default()
        })
        .unwrap();
        let report = diagnose(&sender, &request, &options).await.unwrap();
        if allowed {
            assert_eq!(
                report.verdict.outcome,
                Outcome::Allowed,
                "{:?}",
                report.verdict.blocked
            );
            let version = &report.exchanges[0].received.as_ref().unwrap().version;
            assert_eq!(version, "HTTP/2.0");
        } else {
            // An untrusted certificate: a network error, not a CORS one.
            assert_eq!(slugs(&report)[0], Slug::NotACorsError);
            assert!(report.exchanges[0]
                .error
                .as_deref()
                .unwrap()
                .contains("TLS"));
            // In words a user acts on: who signed it, and what to do.
            let cause = report.cause.as_ref().expect("a cause");
            assert_eq!(
                cause.network,
                Some(NetworkFailure::Certificate {
                    host: "localhost".into(),
                    problem: CertProblem::UntrustedIssuer
                })
            );
            assert!(cause.summary.contains("mkcert") && cause.summary.contains("--cacert"));
        }
    }
}

#[tokio::test]
async fn compare_names_what_the_layer_in_front_changes() {
    let addr = server().await;
    let sender = loopback_sender();
    for (public, slug) in [
        ("/stripped", Slug::StrippedByProxy),
        ("/double", Slug::DuplicateCorsLayer),
    ] {
        let request = CheckRequest {
            page_origin: PAGE.into(),
            url: format!("http://{addr}{public}"),
            method: "GET".into(),
            headers: Vec::new(),
            credentials: true,
            ..CheckRequest::default()
        };
        let options = Options {
            probes: false,
            compare: Some(format!("http://{addr}/good")),
            ..Options::default()
        };
        let report = diagnose(&sender, &request, &options).await.unwrap();
        let f = report.findings.iter().find(|f| f.finding.slug == slug);
        let f = f.unwrap_or_else(|| panic!("{public}: {:?}", slugs(&report)));
        let shown = &report.exchanges[f.evidence.unwrap()];
        assert_eq!(shown.probe.as_deref(), Some("origin-server"));
        assert!(shown.sent.url.ends_with("/good"));
    }
}

#[tokio::test]
async fn a_page_csp_that_forbids_the_api_is_not_a_cors_problem() {
    let addr = server().await;
    let sender = loopback_sender();
    // The API on another host name than the page's.
    let request = authorized_get(format!("http://localhost:{}/good", addr.port()));
    let options = Options {
        probes: false,
        page: Some(format!("http://{addr}/page")),
        ..Options::default()
    };
    let report = diagnose(&sender, &request, &options).await.unwrap();
    let f = &report.findings[0];
    assert_eq!(f.finding.slug, Slug::CspBlocksRequest);
    assert!(f
        .finding
        .explanation
        .contains("connect-src 'self' https://api.example.com"));
    // The API is fine, but the browser never sends the request: that is
    // the verdict, with the CSP violation Chrome prints, and the fix is in
    // the frontend.
    assert_eq!(report.verdict.outcome, Outcome::Blocked);
    let chrome = report.verdict.console.chrome.as_deref().unwrap_or_default();
    assert!(
        chrome.starts_with("Refused to connect to 'http://localhost:")
            && chrome.contains(
                "Content Security Policy directive: \"connect-src 'self' https://api.example.com\""
            ),
        "{chrome}"
    );
    let cause = report.cause.as_ref().expect("a cause");
    assert_eq!(cause.slug, Slug::CspBlocksRequest);
    assert!(cause.fix.contains("connect-src"), "{}", cause.fix);
}

#[tokio::test]
async fn requests_go_through_the_proxy_the_environment_names() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A proxy that answers for the target itself and records the request line.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 8192];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let _ = tx.send(head.lines().next().unwrap_or("").to_owned());
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: http://app.example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    // Read once, at construction: set only for this sender.
    std::env::set_var("HTTP_PROXY", format!("http://{proxy}"));
    std::env::set_var("NO_PROXY", "");
    let sender = Sender::new(&SenderOptions::default()).unwrap();
    std::env::remove_var("HTTP_PROXY");
    let request = CheckRequest {
        // An http page: an https one could not call an http API at all.
        page_origin: "http://app.example.com".into(),
        url: "http://api.corsair-proxy-test.example/items".into(),
        method: "GET".into(),
        headers: Vec::new(),
        credentials: false,
        ..CheckRequest::default()
    };
    let options = Options {
        probes: false,
        ..Options::default()
    };
    let report = diagnose(&sender, &request, &options).await.unwrap();
    assert_eq!(
        report.verdict.outcome,
        Outcome::Allowed,
        "{:?}",
        report.exchanges
    );
    assert_eq!(
        rx.recv().await.unwrap(),
        "GET http://api.corsair-proxy-test.example/items HTTP/1.1"
    );
}

#[tokio::test]
async fn redirects_are_followed_as_the_browser_follows_them() {
    let addr = server().await;
    let sender = loopback_sender();
    let options = Options {
        probes: false,
        ..Options::default()
    };
    let request = |url: String| CheckRequest {
        page_origin: PAGE.into(),
        url,
        method: "GET".into(),
        headers: Vec::new(),
        credentials: true,
        cookies: Some("sid=1".into()),
        body: None,
        read_headers: Vec::new(),
        initiator: Default::default(),
    };
    // Same origin hop: the request goes on to /good with the page's Origin.
    let report = diagnose(&sender, &request(format!("http://{addr}/moved")), &options)
        .await
        .unwrap();
    assert_eq!(report.verdict.urls.len(), 2, "{:?}", report.verdict.urls);
    assert_eq!(report.exchanges.len(), 2);
    assert!(report.exchanges[1].sent.url.ends_with("/good"));
    let origin = |i: usize| {
        report.exchanges[i]
            .sent
            .headers
            .iter()
            .find(|(n, _)| n == "origin")
            .map(|(_, v)| v.clone())
    };
    assert_eq!(origin(1).as_deref(), Some(PAGE));
    // /good answers 401 (no Authorization) with CORS headers: readable.
    assert_eq!(report.verdict.outcome, Outcome::Allowed);
    assert_eq!(report.verdict.status, Some(401));
    // A hop to another origin taints the request: Origin becomes null there,
    // and /good (which allows only the page) refuses it.
    let other = format!("http://localhost:{}/good", addr.port());
    let report = diagnose(
        &sender,
        &request(format!("http://{addr}/moved?to={other}")),
        &options,
    )
    .await
    .unwrap();
    let sent_origin = report.exchanges[1]
        .sent
        .headers
        .iter()
        .find(|(n, _)| n == "origin")
        .map(|(_, v)| v.clone());
    assert_eq!(sent_origin.as_deref(), Some("null"));
    assert_eq!(report.verdict.outcome, Outcome::Blocked);
    assert_eq!(
        slugs(&report)[0],
        Slug::MissingAllowOrigin,
        "{:?}",
        report.verdict.blocked
    );
}

/// The head of each request a loopback listener receives, answered 200.
async fn heads_server(count: usize) -> (SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = tokio::spawn(async move {
        let mut heads = Vec::new();
        for _ in 0..count {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            heads.push(String::from_utf8_lossy(&seen).to_ascii_lowercase());
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
        heads
    });
    (addr, heads)
}

/// As Chromium does, an empty POST or PUT says `Content-Length: 0` (some
/// servers answer 411 without it); a GET or a PATCH says nothing.
#[tokio::test]
async fn an_empty_post_or_put_says_its_length() {
    use corsair_doctor::exchange::Wire;
    let methods = ["PUT", "POST", "GET", "PATCH"];
    let (addr, heads) = heads_server(methods.len()).await;
    let sender = loopback_sender();
    for method in methods {
        let wire = Wire {
            method: method.into(),
            url: format!("http://{addr}/items"),
            headers: vec![("origin".into(), "https://app.example.com".into())],
        };
        sender.send(&wire, None).await.expect("answered");
    }
    let heads = heads.await.unwrap();
    for (method, head) in methods.iter().zip(&heads) {
        let says = head.contains("\r\ncontent-length: 0\r\n");
        assert_eq!(says, matches!(*method, "PUT" | "POST"), "{method}:\n{head}");
    }
}
