//! `corsair verify` against loopback servers: a deployment that serves the
//! policy passes (exit 0); one that echoes any origin fails (exit 1) in
//! words, JSON, JUnit XML and GitHub annotations; bad input is exit 2.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

fn corsair(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsair"))
        .env("NO_COLOR", "1")
        .env_remove("CORSAIR_STAGE")
        .env_remove("CORS_ORIGINS")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .args(args)
        .output()
        .expect("corsair runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A server that answers every request with CORS headers for `origin`
/// (`None`: whatever Origin came, echoed).
/// A request's head as read from `s` (up to the blank line, or what came
/// before the connection ended).
fn read_head(s: &mut std::net::TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}

/// A server on a port of its own that answers each request's head (as
/// read) with what `answer` writes, then closes the connection.
fn serve(answer: impl Fn(&str) -> String + Send + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let head = String::from_utf8_lossy(&read_head(&mut s)).to_string();
            let _ = s.write_all(answer(&head).as_bytes());
        }
    });
    port
}

fn server(origin: Option<&'static str>) -> u16 {
    serve(move |head| {
        let sent = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("origin: ")
                    .or_else(|| l.strip_prefix("Origin: "))
            })
            .unwrap_or("");
        let allow = origin.unwrap_or(sent);
        format!(
            "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {allow}\r\nVary: Origin\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
    })
}

fn policy() -> String {
    // One file per call: tests run in parallel, and a file rewritten while
    // another test's corsair reads it would read empty.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("corsair-verify-{}-{n}.toml", std::process::id()));
    std::fs::write(&path, "[cors]\norigins = [\"https://app.example.com\"]\n").expect("write");
    path.to_string_lossy().into_owned()
}

#[test]
fn a_deployment_serving_the_policy_passes() {
    let port = server(Some("https://app.example.com"));
    let url = format!("http://127.0.0.1:{port}/items");
    let out = corsair(&["verify", &url, "--policy", &policy()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("The deployment serves the policy."));
}

#[test]
fn an_echoing_deployment_fails_in_every_format() {
    let port = server(None);
    let url = format!("http://127.0.0.1:{port}/items");
    let policy = policy();
    let junit = std::env::temp_dir().join(format!("corsair-verify-{}.xml", std::process::id()));
    let junit = junit.to_string_lossy().into_owned();
    let out = corsair(&[
        "verify", &url, "--policy", &policy, "--github", "--junit", &junit,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let words = text(&out.stdout);
    assert!(words.contains("FAIL"), "{words}");
    assert!(
        words.contains("crafted origin https://corsair-probe.example"),
        "{words}"
    );
    assert!(
        words.contains("Chrome, Firefox and Safari allow it"),
        "{words}"
    );
    assert!(words.contains("[reflects-any-origin]"), "{words}");
    assert!(words.contains("::error title=corsair verify::"), "{words}");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<failure message=") && xml.contains("type=\"reflects-any-origin\""),
        "{xml}"
    );
    let _ = std::fs::remove_file(&junit);
    let out = corsair(&["verify", &url, "--policy", &policy, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["schema_version"], 1);
    let deviations = v["deviations"].as_array().expect("deviations");
    assert!(
        deviations
            .iter()
            .any(|d| d["slug"] == "null-origin-allowed"),
        "{v:#}"
    );
    assert!(
        deviations.iter().all(|d| d["expected"] == "refused"),
        "{v:#}"
    );
}

/// Nothing listening: one line saying so, exit 5 (no CORS verdict), not
/// a deviation per case.
#[test]
fn no_answer_is_said_once_and_exits_5() {
    // Port 1 (tcpmux): nothing listens there, and no test's server can
    // take it (a freed ephemeral port could be taken by one).
    let url = "http://127.0.0.1:1/items".to_owned();
    let out = corsair(&["verify", &url, "--policy", &policy()]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stdout));
    let words = text(&out.stdout);
    assert_eq!(words.matches("no answer").count(), 1, "{words}");
}

#[test]
fn bad_input_is_exit_2() {
    let out = corsair(&["verify", "not a url", "--policy", &policy()]);
    assert_eq!(out.status.code(), Some(2));
    let out = corsair(&[
        "verify",
        "http://127.0.0.1:9/",
        "--policy",
        "/nonexistent.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = corsair(&["verify", "ftp://example.com/", "--policy", &policy()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("only http and https"),
        "{}",
        text(&out.stderr)
    );
}

/// `--rate N`: the requests reach the server at most N a second (the span
/// from first to last is at least what N a second takes; never less, however
/// busy the machine), and 0 is bad input.
#[test]
fn rate_spaces_the_requests() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let arrivals = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen_by_server = arrivals.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let seen = seen_by_server.clone();
            std::thread::spawn(move || {
                if read_head(&mut s).is_empty() {
                    return;
                }
                seen.lock()
                    .expect("arrivals")
                    .push(std::time::Instant::now());
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://app.example.com\r\nVary: Origin\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            });
        }
    });
    let url = format!("http://127.0.0.1:{port}/items");
    let out = corsair(&["verify", &url, "--policy", &policy(), "--rate", "20"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let at = arrivals.lock().expect("arrivals").clone();
    assert!(at.len() >= 5, "{} requests", at.len());
    let (first, last) = (at.iter().min().expect("one"), at.iter().max().expect("one"));
    let least = std::time::Duration::from_millis(50) * (at.len() as u32 - 1);
    assert!(
        *last - *first >= least.mul_f64(0.9),
        "{} requests in {:?}, at 20 a second they take at least {least:?}",
        at.len(),
        *last - *first
    );
    let out = corsair(&["verify", &url, "--policy", &policy(), "--rate", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// Two deployments of the same path (the CDN and the origin): where they
/// answer a case differently, it is drift, in words and in JSON.
#[test]
fn two_deployments_that_part_are_drift() {
    let (good, bad) = (server(Some("https://app.example.com")), server(None));
    let (a, b) = (
        format!("http://127.0.0.1:{good}/items"),
        format!("http://127.0.0.1:{bad}/items"),
    );
    let out = corsair(&["verify", &a, &b, "--policy", &policy()]);
    assert_eq!(out.status.code(), Some(1));
    let words = text(&out.stdout);
    assert!(
        words.contains(&format!(
            "DRIFT crafted origin https://corsair-probe.example (reflection): {a} (Chrome blocks, Firefox blocks, Safari blocks) but {b} (Chrome allows"
        )),
        "{words}"
    );
    let out = corsair(&["verify", &a, &b, "--policy", &policy(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(!v["drift"].as_array().expect("drift").is_empty(), "{v:#}");
    // The same deployment twice: no drift.
    let out = corsair(&["verify", &a, &a, "--policy", &policy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

/// With an OpenAPI document, each URL is the API's base: every path is
/// checked (templates filled), with the methods it serves.
#[test]
fn an_openapi_document_gives_the_routes() {
    let port = server(Some("https://app.example.com"));
    let base = format!("http://127.0.0.1:{port}/v1");
    let spec = std::env::temp_dir().join(format!("corsair-verify-{}.yaml", std::process::id()));
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /items:\n    get: {}\n  /items/{id}:\n    get: {}\n    put: {}\n",
    )
    .expect("write");
    let spec = spec.to_string_lossy().into_owned();
    let out = corsair(&[
        "verify",
        &base,
        "--openapi",
        &spec,
        "--policy",
        &policy(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let urls: Vec<&str> = v["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .filter_map(|u| u["url"].as_str())
        .collect();
    assert_eq!(
        urls,
        [
            format!("http://127.0.0.1:{port}/v1/items"),
            format!("http://127.0.0.1:{port}/v1/items/1")
        ]
    );
    let bad = std::env::temp_dir().join(format!("corsair-verify-{}-bad.yaml", std::process::id()));
    std::fs::write(&bad, "just: [a, list]\n").expect("write");
    let out = corsair(&[
        "verify",
        &base,
        "--openapi",
        &bad.to_string_lossy(),
        "--policy",
        &policy(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not an OpenAPI document"),
        "{}",
        text(&out.stderr)
    );
}

/// A server whose CORS layer refuses every request with an Origin the way
/// `status` and `body` say (Spring: 403 "Invalid CORS request"; Starlette:
/// 400 "Disallowed CORS origin").
fn refusing_server(status: &'static str, body: &'static str) -> u16 {
    serve(move |_| {
        format!(
            "HTTP/1.1 {status}\r\nVary: Origin\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    })
}

/// A CORS layer's own refusal of an origin the policy allows is named as
/// the deployed configuration refusing it, not as authentication (a 403
/// preflight) or an error page without CORS headers.
#[test]
fn a_cors_layers_refusal_is_named_as_such() {
    for (status, body, layer, slug) in [
        (
            "403 Forbidden",
            "Invalid CORS request",
            "Spring's CORS processor",
            "missing-allow-origin",
        ),
        (
            "400 Bad Request",
            "Disallowed CORS origin",
            "Starlette's CORSMiddleware",
            "origin-mismatch",
        ),
    ] {
        let port = refusing_server(status, body);
        let url = format!("http://127.0.0.1:{port}/items");
        let out = corsair(&["verify", &url, "--policy", &policy(), "--json"]);
        assert_eq!(out.status.code(), Some(1), "{body}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let allowed: Vec<&serde_json::Value> = v["deviations"]
            .as_array()
            .expect("deviations")
            .iter()
            .filter(|d| d["expected"] == "allowed")
            .collect();
        assert!(!allowed.is_empty(), "{v:#}");
        for d in allowed {
            assert_eq!(d["slug"], slug, "{body}: {d:#}");
            let message = d["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(layer) && message.contains("deployed CORS configuration"),
                "{body}: {message}"
            );
        }
    }
}
