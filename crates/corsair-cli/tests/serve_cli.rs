//! `corsair serve` as a user starts it: a policy with errors stops it, a
//! good one serves preflights and the gateway's own 502 with CORS headers,
//! and SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn corsair() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corsair"));
    c.env_remove("CORS_ORIGINS")
        .env_remove("CORSAIR_STAGE")
        .env("NO_COLOR", "1");
    c
}

#[test]
fn a_policy_with_errors_stops_the_start() {
    let dir = std::env::temp_dir().join(format!("corsair-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    std::fs::write(
        &file,
        "[cors]\norigins = [\"*\"]\ncredentials = true\nmax-age = 600\n",
    )
    .unwrap();
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "http://127.0.0.1:9",
            "--listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[wildcard-with-credentials]"), "{err}");
    assert!(err.contains("not started"), "{err}");
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "https://api.example.com/v1",
            "--origin",
            "https://a.example",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://host[:port]"));
}

fn exchange(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.to_ascii_lowercase()
}

#[test]
fn serves_and_stops_on_sigterm() {
    // The upstream is a port nobody listens on: every forwarded request is a 502.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut child = corsair()
        .args([
            "serve",
            "--upstream",
            &format!("http://{dead}"),
            "--listen",
            "127.0.0.1:0",
            "--origin",
            "https://app.example.com",
            "--credentials",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("listening on http://")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let pre = exchange(&addr, "OPTIONS /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: DELETE\r\nConnection: close\r\n\r\n");
    assert!(pre.starts_with("http/1.1 204"), "{pre}");
    assert!(
        pre.contains("access-control-allow-origin: https://app.example.com\r\n"),
        "{pre}"
    );
    assert!(
        pre.contains("access-control-allow-credentials: true\r\n"),
        "{pre}"
    );
    let down = exchange(&addr, "GET /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\nConnection: close\r\n\r\n");
    assert!(down.starts_with("http/1.1 502"), "{down}");
    assert!(
        down.contains("access-control-allow-origin: https://app.example.com\r\n"),
        "{down}"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("corsair serve: stopped")),
        "{rest:?}"
    );
}
