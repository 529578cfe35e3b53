//! `corsair serve`'s logs: refusals in plain words, hostile values escaped
//! and cut, and with `--log-format json` nothing but JSON lines.

mod serve;

use std::io::{Read, Write};
use std::net::TcpStream;

use serve::*;

#[test]
fn json_logs_explain_refusals_in_plain_words() {
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[
        os("--origin"),
        os("https://app.example.com"),
        os("--log-format"),
        os("json"),
    ]);
    let addr = serve.address("listening on http://");
    let refused = exchange(&addr, "OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: https://www.app.example.com\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    assert!(refused.starts_with("http/1.1 403"), "{refused}");
    let line = serve.wait_for("origin-mismatch");
    let event: serde_json::Value = serde_json::from_str(&line).expect("one JSON object per line");
    assert_eq!(event["level"], "INFO", "{line}");
    assert_eq!(event["target"], "corsair::refusal", "{line}");
    assert_eq!(event["fields"]["slug"], "origin-mismatch", "{line}");
    assert_eq!(event["fields"]["route"], "default", "{line}");
    let message = event["fields"]["message"].as_str().unwrap();
    assert!(
        message.contains("https://www.app.example.com") && message.contains("did you mean"),
        "{message}"
    );
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn a_hostile_origin_is_logged_escaped_and_cut() {
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[os("--origin"), os("https://app.example.com")]);
    let addr = serve.address("listening on http://");
    // A tab, a right-to-left override, a byte that is not UTF-8 and 1,000
    // more characters: all an HTTP/1.1 header value may carry.
    let mut request =
        b"OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: https://evil\t\xe2\x80\xae\xff".to_vec();
    request.extend(std::iter::repeat_n(b'a', 1000));
    request
        .extend_from_slice(b"\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(&request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        out.starts_with(b"HTTP/1.1 403"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let line = serve.wait_for("origin-mismatch");
    assert!(
        line.contains(r"origin https://evil\x09\u{202e}\xffaaa"),
        "{line}"
    );
    assert!(line.contains("(1017 bytes in all)"), "{line}");
    assert!(!line.contains('\t') && !line.contains('\u{202e}'), "{line}");
    assert!(line.len() < 600, "{} chars: {line}", line.len());
    assert_eq!(serve.stop(), Some(0));
}

/// Every line parses as one JSON object; the events, in order.
fn json_events(lines: &[String]) -> Vec<serde_json::Value> {
    assert!(!lines.is_empty());
    lines
        .iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            assert!(event.is_object(), "{line}");
            event
        })
        .collect()
}

#[test]
fn json_logs_write_nothing_but_json_lines() {
    // A warning (localhost without credentials in production) to report.
    let (_, file) = policy_file(
        "corsair-serve-json-",
        "[cors]\norigins = [\"https://app.example.com\", \"http://localhost:3000\"]\nmax-age = 60\n",
    );
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[
        os("--log-format"),
        os("json"),
        os("--admin"),
        os("127.0.0.1:0"),
        os("--config"),
        file.as_os_str(),
    ]);
    let addr = serve.address("listening on http://");
    serve.address("metrics on http://");
    let refused = exchange(&addr, "OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    assert!(refused.starts_with("http/1.1 403"), "{refused}");
    serve.wait_for("origin-mismatch");
    // A broken file (its problems and the refusal to reload), then a good one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&file, "[cors]\norigins = [\"https://two.example.com/\"]\n").unwrap();
    serve.wait_for("not reloaded");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(
        &file,
        "[cors]\norigins = [\"https://two.example.com\"]\nmax-age = 60\n",
    )
    .unwrap();
    serve.wait_for("reloaded: policy");
    assert_eq!(serve.stop(), Some(0));
    let events = json_events(&serve.all_lines());
    let find = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        events
            .iter()
            .find(|e| pred(e))
            .unwrap_or_else(|| panic!("no such event in {events:#?}"))
            .clone()
    };
    let warning = find(&|e| e["fields"]["slug"] == "localhost-in-production");
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["target"], "corsair::policy");
    assert!(
        warning["fields"]["place"]
            .as_str()
            .is_some_and(|p| p.ends_with("corsair.toml:2:39")),
        "{warning}"
    );
    let policy = find(&|e| e["fields"]["event"] == "policy");
    assert_eq!(policy["fields"]["stage"], "[cors] (production)");
    assert_eq!(
        policy["fields"]["origins"],
        "https://app.example.com, http://localhost:3000"
    );
    assert_eq!(policy["fields"]["origin_count"], 2);
    assert_eq!(policy["fields"]["credentials"], false);
    assert_eq!(policy["fields"]["routes"], 0);
    let listening = find(&|e| e["fields"]["event"] == "listening");
    assert!(listening["fields"]["upstream"]
        .as_str()
        .is_some_and(|u| u.starts_with("http://127.0.0.1:")));
    let broken = find(&|e| e["fields"]["slug"] == "origin-trailing-slash");
    assert_eq!(broken["level"], "ERROR");
    let kept = find(&|e| {
        e["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not reloaded"))
    });
    assert_eq!(kept["level"], "ERROR");
    let reloaded = find(&|e| e["fields"]["event"] == "reloaded");
    assert_eq!(reloaded["fields"]["origins"], "https://two.example.com");
    find(&|e| e["fields"]["message"] == "stopped");

    // A start that fails writes JSON too.
    for args in [
        &["--origin", "http://localhost:5173", "--credentials"][..],
        &[
            "--origin",
            "https://a.example",
            "--tls-cert",
            "/nonexistent.pem",
            "--tls-key",
            "/nonexistent.key",
        ][..],
    ] {
        let out = corsair()
            .args([
                "serve",
                "--upstream",
                "http://127.0.0.1:9",
                "--log-format",
                "json",
            ])
            .args(args)
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<String> = err.lines().map(str::to_owned).collect();
        let events = json_events(&lines);
        assert!(
            events.iter().any(|e| e["level"] == "ERROR"),
            "{args:?}: {err}"
        );
    }
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "https://api.example.com",
            "--origin",
            "https://a.example",
        ])
        .env("CORSAIR_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<String> = err.lines().map(str::to_owned).collect();
    let events = json_events(&lines);
    assert!(
        events[0]["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("TLS to the upstream is not supported")),
        "{err}"
    );
}
