//! `corsair check` and `corsair demo` as a user runs them: the demo's
//! stories with their slugs, JSON that parses, bad input refused with exit
//! 2, a dead server reported as a network error, and a Copy-as-cURL command
//! checked against a live loopback server.

mod support;

use std::net::TcpListener;
use support::{corsair, fixed_server};

#[test]
fn the_demo_tells_each_story_and_exits_0() {
    let out = corsair().arg("demo").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for slug in [
        "preflight-blocked-by-auth",
        "error-response-without-cors",
        "multiple-allow-origin",
        "reflects-any-origin",
    ] {
        assert!(
            text.contains(&format!("[{slug}]")),
            "{slug} missing:\n{text}"
        );
    }
    // Chrome's own words, and a fix for the platform the answers reveal.
    assert!(text.contains("has been blocked by CORS policy: Response to preflight request doesn't pass access control check"));
    assert!(text.contains("app.use(cors(corsOptions));"), "{text}");
    assert!(text.contains("CORSMiddleware"), "{text}");
    // The fixed API comes out clean.
    let last = text
        .lines()
        .rev()
        .find(|l| l.contains("with the fix applied"))
        .unwrap();
    assert!(last.contains("ALLOWED") && last.contains("clean"), "{last}");
    // Secrets never printed.
    assert!(!text.contains("demo-token"), "{text}");
}

#[test]
fn the_demo_as_json() {
    let out = corsair().args(["demo", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let reports = v.as_array().unwrap();
    assert_eq!(reports.len(), 5);
    assert_eq!(reports[0]["verdict"]["outcome"], "blocked");
    assert_eq!(
        reports[0]["verdict"]["blocked"]["cors_error"],
        "PreflightMissingAllowOriginHeader"
    );
    assert_eq!(reports[0]["fix"]["detected"][0], "express");
    // One findings list: the verdict's, then the probes' with their evidence.
    let found = reports[3]["findings"].as_array().unwrap();
    let probe = found
        .iter()
        .find(|f| f["source"] == "probe")
        .expect("a probe finding");
    assert_eq!(probe["slug"], "reflects-any-origin");
    assert_eq!(reports[3]["schema_version"], 1);
    let evidence = probe["evidence"].as_u64().unwrap() as usize;
    assert_eq!(
        reports[3]["exchanges"][evidence]["received"]["headers"][0][1],
        "https://corsair-probe.example"
    );
    assert_eq!(reports[4]["verdict"]["outcome"], "allowed");
    assert!(reports[4]["fix"].is_null());
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["check", "http://127.0.0.1:9/x"], "--origin"),
        (
            &[
                "check",
                "http://127.0.0.1:9/x",
                "--origin",
                "https://a.example",
                "-H",
                "NoColon",
            ],
            "no `:`",
        ),
        (&["check", "--curl", "wget http://x"], "not a curl command"),
        (
            &["check", "--curl", "curl 'https://api.example.com/x'"],
            "no Origin or Referer",
        ),
        (
            &[
                "check",
                "http://127.0.0.1:9/x",
                "--origin",
                "https://a.example",
                "--platform",
                "cobol",
            ],
            "cobol",
        ),
    ];
    for (args, needle) in cases {
        let out = corsair().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_scheme_without_cors_is_blocked_before_anything_is_sent() {
    let out = corsair()
        .args(["check", "ftp://x.example/", "--origin", "https://a.example"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[scheme-not-supported]"), "{text}");
    assert!(!text.contains("#0"), "nothing is sent: {text}");
}

#[test]
fn a_dead_server_is_a_network_error_not_cors() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = corsair()
        .args([
            "check",
            &format!("http://127.0.0.1:{port}/x"),
            "--origin",
            "https://a.example",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Its own exit status: no CORS verdict was reached.
    assert_eq!(out.status.code(), Some(5), "{text}");
    assert!(text.contains("[not-a-cors-error]"), "{text}");
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("BLOCKED: Nothing accepts connections on 127.0.0.1:"),
        "{first}"
    );
}

#[test]
fn a_copy_as_curl_command_is_checked_live() {
    let port = fixed_server("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://app.example.com\r\nAccess-Control-Allow-Methods: GET, PUT\r\nAccess-Control-Allow-Headers: authorization\r\nVary: Origin\r\nServer: nginx\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    // As Chrome copies it: the browser's own headers included.
    let curl = format!(
        "curl 'http://127.0.0.1:{port}/items' \\\n  -X 'PUT' \\\n  -H 'accept: */*' \\\n  -H 'authorization: Bearer abc123secret' \\\n  -H 'origin: https://app.example.com' \\\n  -H 'referer: https://app.example.com/' \\\n  -H 'sec-fetch-mode: cors' \\\n  -H 'user-agent: Mozilla/5.0'"
    );
    // Safe by default: the PUT may change data, so only its preflight goes.
    let held = corsair()
        .args(["check", "--json", "--no-probes", "--curl", &curl])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&held.stdout);
    assert_eq!(held.status.code(), Some(3), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["not_sent"], "PUT", "{text}");
    assert_eq!(v["exchanges"].as_array().map(Vec::len), Some(1), "{text}");
    let out = corsair()
        .args(["check", "--json", "--no-probes", "--send", "--curl", &curl])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("abc123secret"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["verdict"]["outcome"], "allowed");
    assert_eq!(v["request"]["page_origin"], "https://app.example.com");
    // The browser's own headers were not taken for the page's.
    assert_eq!(
        v["verdict"]["request"]["headers"].as_array().unwrap().len(),
        2,
        "{text}"
    );
    assert_eq!(v["exchanges"][0]["sent"]["method"], "OPTIONS");
    assert_eq!(v["exchanges"][1]["sent"]["method"], "PUT");
}

/// What a server sends is shown escaped: a C1 control or a bidirectional
/// override in a header never reaches the terminal as it is.
#[test]
fn a_servers_control_characters_are_escaped() {
    let port = fixed_server("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://evil.example\u{9b}2J\u{202e}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    let out = corsair()
        .args([
            "check",
            "--no-probes",
            &format!("http://127.0.0.1:{port}/x"),
            "--origin",
            "https://app.example.com",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        !text.contains('\u{9b}') && !text.contains('\u{202e}'),
        "a control character reached the output: {text}"
    );
    assert!(
        text.contains("\\u{9b}") && text.contains("\\u{202e}"),
        "{text}"
    );
}

/// `--origin` several times (development and production): the check runs
/// from each page, the exit status is the worst, and each fix allows them
/// all.
#[test]
fn several_origins_are_each_checked_and_all_allowed_by_the_fix() {
    let port = fixed_server("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://app.example.com\r\nVary: Origin\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    let out = corsair()
        .args([
            "check",
            "--json",
            "--no-probes",
            &format!("http://127.0.0.1:{port}/x"),
            "--origin",
            "https://app.example.com",
            "--origin",
            "http://localhost:5173",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let reports = v.as_array().expect("one report per origin");
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["verdict"]["outcome"], "allowed");
    assert_eq!(reports[1]["verdict"]["outcome"], "blocked");
    let origins = &reports[1]["fix"]["policy"]["origins"];
    for o in ["https://app.example.com", "http://localhost:5173"] {
        assert!(
            origins.as_array().unwrap().iter().any(|x| x == o),
            "{o} missing from {origins}"
        );
    }
}
