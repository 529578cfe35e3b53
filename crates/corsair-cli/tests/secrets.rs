//! Nothing secret leaves: `corsair check` against a loopback server that
//! echoes the credentials back and redirects to a URL with tokens, `corsair
//! har` on an export full of secrets, and `corsair explain` on scenarios
//! carrying them; every output (human, `--json`, verbose, stderr) is
//! searched for every secret value.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use support::corsair;

// Distinct, long, random-looking values: a hit is never a coincidence.
const AUTH_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.Qm9vNkZ4cVR6.Wk3nP8sLx2Rv7Yc4";
const COOKIE_SID: &str = "Ck7Wq2Zr9Lm4Xp1Vn8BtHs3";
const CSRF: &str = "Xs3Rf9dKq2Lw7Pz4Mn6Vb1Jt";
const URL_KEY: &str = "Ak9Qv2Lm7Rx4Tz1Wp8Ny3Hc";
const SESSION: &str = "Ss5Nq8Ww2Ee4Rr6Tt9Yy1Uu";
const FRAG_TOKEN: &str = "Fa3Gb6Hc9Jd2Ke5Lf8Mg1Nh";
const SET_COOKIE: &str = "Sc8Vd5Bf2Ng7Mh4Jk1Ll9Pq";
const USER_PASS: &str = "Up4Zx7Cv1Bn5Mq8Wr2Ty6Ks";

const HAR_AUTH: &str = "Ha7Kd2Pw9Lx4Rq1Zm6Vn3Bt";
const HAR_COOKIE: &str = "Hc2Jw8Qe5Tr1Yu7Io4Pa9Sd";
const HAR_SET_COOKIE: &str = "Hs6Fg3Hj9Kl2Zx5Cv8Bn1Mq";
const HAR_API_KEY: &str = "Hk1Lp4Oi7Uy2Tr5Ew8Qa3Zs";
const HAR_PRIVATE: &str = "Hp9Wx6Ec3Rv8Tb5Yn2Um7Ik";
const HAR_AMZ_SIG: &str = "a7f3c9e1b5d2846f0e9c7a3b1d5f8e2c4a6b9d0e3f7c1a5b8d2e6f9c0a4b7d1e";
const HAR_AMZ_CRED: &str = "AKIAQ7WZ3XK9PLM2RT5V";
const HAR_WS_PASS: &str = "Hw5Qz8Xc2Vb7Nm4As1Df9Gh";
const HAR_ID_TOKEN: &str = "Hi3Jk6Lm9No2Pq5Rs8Tu1Vw";
const HAR_PAGE_CODE: &str = "Hg8Yt5Re2Wq9Az6Sx3Dc7Fv";

const EX_AUTH: &str = "Ea8Sd5Fg2Hj7Kl4Zx1Cv6Bn";
const EX_COOKIE: &str = "Ec4Rt7Yu1Io6Pa3Sd9Fg2Hj";
const EX_API_KEY: &str = "Ek6Yh3Gt9Rf2Ed5Ws8Qa1Zx";
const EX_URL_TOKEN: &str = "Et2Wq9Er6Ty3Ui8Op5As1Dk";
const EX_SESSION: &str = "Es7Zx4Cv1Bn8Mq5Wr2Ty9Uk";
const EX_FRAG: &str = "Ef1Gh4Jk7Lz2Xc5Vb8Nm3Qw";
const EX_SET_COOKIE: &str = "Eo3Pi6Uy9Tr2Ew5Qa8Sd1Fg";
const EX_WS_PASS: &str = "Ew9Qs6Ax3Zc8Dv5Fb2Gn7Hm";

const ALL: [&str; 27] = [
    AUTH_TOKEN,
    COOKIE_SID,
    CSRF,
    URL_KEY,
    SESSION,
    FRAG_TOKEN,
    SET_COOKIE,
    USER_PASS,
    HAR_AUTH,
    HAR_COOKIE,
    HAR_SET_COOKIE,
    HAR_API_KEY,
    HAR_PRIVATE,
    HAR_AMZ_SIG,
    HAR_AMZ_CRED,
    HAR_WS_PASS,
    HAR_ID_TOKEN,
    HAR_PAGE_CODE,
    EX_AUTH,
    EX_COOKIE,
    EX_API_KEY,
    EX_URL_TOKEN,
    EX_SESSION,
    EX_FRAG,
    EX_SET_COOKIE,
    EX_WS_PASS,
    "Bearer eyJhbGciOiJSUzI1NiJ9",
];

/// Runs corsair with `args`; fails if any secret is in its stdout or
/// stderr; returns stdout.
fn run_clean(args: &[&str]) -> String {
    let out = corsair().args(args).output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for secret in ALL {
        assert!(
            !stdout.contains(secret),
            "`corsair {}` printed the secret {secret}:\n{stdout}",
            args.join(" ")
        );
        assert!(
            !stderr.contains(secret),
            "`corsair {}` wrote the secret {secret} on stderr:\n{stderr}",
            args.join(" ")
        );
    }
    assert!(
        !stdout.trim().is_empty() || !stderr.trim().is_empty(),
        "`corsair {}` printed nothing",
        args.join(" ")
    );
    stdout
}

/// A server that repeats every credential it receives, in headers and
/// body, sets a cookie, and redirects `/api` to a URL full of tokens;
/// `/next` answers without CORS headers so the verdict names that URL.
fn echo_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(s) = stream else { return };
            std::thread::spawn(move || answer(s));
        }
    });
    port
}

fn answer(stream: TcpStream) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut start = String::new();
    if reader.read_line(&mut start).is_err() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut parts = start.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let origin = get("origin");
    let echo = format!(
        "X-Echo-Authorization: {}\r\nX-Echo-Cookie: {}\r\nX-Echo-Csrf: {}\r\nX-Debug: seen {} {}\r\n",
        get("authorization"),
        get("cookie"),
        get("x-csrf-token"),
        get("authorization"),
        get("cookie"),
    );
    let body = format!(
        "<html>you sent authorization={} cookie={} csrf={}</html>",
        get("authorization"),
        get("cookie"),
        get("x-csrf-token")
    );
    let cors = if origin.is_empty() {
        String::new()
    } else {
        format!("Access-Control-Allow-Origin: {origin}\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n")
    };
    let head = if method == "OPTIONS" {
        format!("HTTP/1.1 204 No Content\r\n{cors}Access-Control-Allow-Methods: GET\r\nAccess-Control-Allow-Headers: authorization, x-csrf-token\r\n{echo}")
    } else if path.starts_with("/api") {
        format!("HTTP/1.1 302 Found\r\n{cors}Location: /next?session={SESSION}#access_token={FRAG_TOKEN}\r\nSet-Cookie: sid2={SET_COOKIE}; Path=/; HttpOnly\r\n{echo}")
    } else {
        // No CORS headers: blocked at the redirect target.
        format!("HTTP/1.1 200 OK\r\nSet-Cookie: sid3={SET_COOKIE}; Path=/\r\n{echo}")
    };
    let response = format!(
        "{head}Content-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("corsair-secrets-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("write a temporary file");
    path
}

#[test]
fn check_never_prints_a_secret() {
    let port = echo_server();
    let url = format!("http://127.0.0.1:{port}/api?api_key={URL_KEY}&page=2");
    let auth = format!("Authorization: Bearer {AUTH_TOKEN}");
    let csrf = format!("X-CSRF-Token: {CSRF}");
    let cookie = format!("sid={COOKIE_SID}; theme=dk");
    let base = [
        "check",
        url.as_str(),
        "--origin",
        "https://app.example.com",
        "-H",
        auth.as_str(),
        "-H",
        csrf.as_str(),
        "-b",
        cookie.as_str(),
        "--credentials",
        "--timeout",
        "5",
    ];
    let human = run_clean(&base);
    // The run went where the secrets are: the redirect and the echoes.
    assert!(human.contains("/next"), "{human}");
    assert!(human.contains("[redacted]"), "{human}");
    run_clean(&[&base[..], &["-v"]].concat());
    let json = run_clean(&[&base[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    // The echoes are in the report, hidden.
    assert!(json.contains("x-echo-authorization"), "{json}");
    assert!(!v["exchanges"].as_array().expect("exchanges").is_empty());
    // The HTML report (on standard output here, so it is searched too).
    let html = run_clean(&[&base[..], &["--html", "-"]].concat());
    assert!(
        html.contains("x-echo-authorization") && html.contains("[redacted]"),
        "{html}"
    );
    // The same request pasted from DevTools.
    let curl = format!(
        "curl '{url}' -H 'authorization: Bearer {AUTH_TOKEN}' -H 'x-csrf-token: {CSRF}' -H 'origin: https://app.example.com' -b 'sid={COOKIE_SID}'"
    );
    run_clean(&["check", "--curl", &curl, "--timeout", "5"]);
    run_clean(&["check", "--json", "--curl", &curl, "--timeout", "5"]);
    // A malformed header is refused without repeating its value.
    let malformed = format!("Authorization Bearer {AUTH_TOKEN}");
    run_clean(&[
        "check",
        url.as_str(),
        "--origin",
        "https://app.example.com",
        "-H",
        malformed.as_str(),
    ]);
    // Credentials in the URL itself (refused by fetch(), reported).
    let with_user = format!("http://alice:{USER_PASS}@127.0.0.1:{port}/api");
    for json in [false, true] {
        let mut args = vec![
            "check",
            with_user.as_str(),
            "--origin",
            "https://app.example.com",
            "--timeout",
            "5",
        ];
        if json {
            args.push("--json");
        }
        run_clean(&args);
    }
}

fn header(name: &str, value: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "value": value})
}

fn entry(
    url: &str,
    kind: &str,
    request_headers: Vec<serde_json::Value>,
    status: u16,
    response_headers: Vec<serde_json::Value>,
    body: &str,
    redirect: &str,
) -> serde_json::Value {
    serde_json::json!({
        "_resourceType": kind,
        "pageref": "page_1",
        "startedDateTime": "2024-05-01T10:00:01.000Z",
        "time": 12.5,
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "http/1.1",
            "headers": request_headers,
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/1.1",
            "headers": response_headers,
            "cookies": [],
            "content": {"size": body.len(), "mimeType": "text/plain", "text": body},
            "redirectURL": redirect,
            "headersSize": -1,
            "bodySize": -1
        },
        "cache": {},
        "timings": {"send": 0.1, "wait": 10.0, "receive": 1.0}
    })
}

fn har_text() -> String {
    let origin = header("origin", "https://app.example.com");
    let secrets_request = vec![
        origin.clone(),
        header("authorization", &format!("Bearer {HAR_AUTH}")),
        header("cookie", &format!("hsid={HAR_COOKIE}; theme=dk")),
        header("api-key", HAR_API_KEY),
        header("private-token", HAR_PRIVATE),
    ];
    let callback = format!("https://app.example.com/cb#id_token={HAR_ID_TOKEN}&state=ok");
    let entries = vec![
        // Blocked (no Allow-Origin), the credentials echoed back.
        entry(
            &format!("https://api.example.com/v1/data?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={HAR_AMZ_CRED}%2F20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature={HAR_AMZ_SIG}&page=1"),
            "fetch",
            secrets_request.clone(),
            200,
            vec![
                header("set-cookie", &format!("refresh={HAR_SET_COOKIE}; Path=/; HttpOnly")),
                header("x-echo-authorization", &format!("Bearer {HAR_AUTH}")),
                header("x-echo-key", HAR_API_KEY),
                header("content-type", "text/plain"),
            ],
            &format!("you sent {HAR_AUTH} {HAR_PRIVATE}"),
            "",
        ),
        // A WebSocket with credentials in its URL.
        entry(
            &format!("ws://bob:{HAR_WS_PASS}@api.example.com/socket"),
            "websocket",
            vec![origin.clone()],
            101,
            vec![],
            "",
            "",
        ),
        // The same credentials in a fetch URL, allowed.
        entry(
            &format!("https://bob:{HAR_WS_PASS}@api.example.com/v1/me"),
            "fetch",
            vec![origin.clone()],
            200,
            vec![header("access-control-allow-origin", "*")],
            "{}",
            "",
        ),
        // A redirect to a page URL with an OAuth token in its fragment.
        entry(
            "https://api.example.com/v1/login",
            "fetch",
            vec![origin.clone()],
            302,
            vec![
                header("location", &callback),
                header("access-control-allow-origin", "https://app.example.com"),
            ],
            "",
            &callback,
        ),
    ];
    serde_json::json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [{
                "startedDateTime": "2024-05-01T10:00:00.000Z",
                "id": "page_1",
                "title": format!("https://app.example.com/cb?code={HAR_PAGE_CODE}&state=ok"),
                "pageTimings": {}
            }],
            "entries": entries
        }
    })
    .to_string()
}

#[test]
fn har_never_prints_a_secret() {
    let path = temp_file("export.har", &har_text());
    let file = path.to_string_lossy().into_owned();
    let human = run_clean(&["har", &file]);
    assert!(human.contains("[redacted]"), "{human}");
    let all = run_clean(&["har", "--all", &file]);
    assert!(all.contains("/v1/login"), "{all}");
    let json = run_clean(&["har", "--json", &file]);
    serde_json::from_str::<serde_json::Value>(&json).expect("JSON");
    run_clean(&["har", "--json", "--all", &file]);
    let html = run_clean(&["har", "--html", "-", &file]);
    assert!(html.contains("[redacted]"), "{html}");
    let _ = std::fs::remove_file(&path);
}

fn scenarios() -> String {
    let preflight_blocked = serde_json::json!({
        "page_origin": "https://app.example.com/account",
        "request": {
            "url": format!("https://api.example.com/v1/orders?access_token={EX_URL_TOKEN}&page=2"),
            "method": "PUT",
            "headers": [
                ["Authorization", format!("Bearer {EX_AUTH}")],
                ["Cookie", format!("sid={EX_COOKIE}")],
                ["X-Api-Key", EX_API_KEY],
                ["Content-Type", "application/json"]
            ],
            "credentials": "include"
        },
        "preflight": {"status": 204, "headers": [
            ["Access-Control-Allow-Origin", "https://app.example.com"],
            ["Access-Control-Allow-Credentials", "true"],
            ["Access-Control-Allow-Methods", "PUT"],
            ["Access-Control-Allow-Headers", "Content-Type"]
        ]}
    });
    let redirected = serde_json::json!({
        "page_origin": "https://app.example.com",
        "request": {
            "url": format!("https://api.example.com/v1/me?api_key={EX_URL_TOKEN}"),
            "method": "GET",
            "headers": [["Authorization", format!("Bearer {EX_AUTH}")], ["X-Api-Key", EX_API_KEY]],
            "credentials": "include"
        },
        "preflight": {"status": 204, "headers": [
            ["Access-Control-Allow-Origin", "https://app.example.com"],
            ["Access-Control-Allow-Credentials", "true"],
            ["Access-Control-Allow-Headers", "Authorization, X-Api-Key"]
        ]},
        "response": {"status": 302, "headers": [
            ["Access-Control-Allow-Origin", "https://app.example.com"],
            ["Access-Control-Allow-Credentials", "true"],
            ["Location", format!("https://login.example.com/next?session={EX_SESSION}#access_token={EX_FRAG}")],
            ["Set-Cookie", format!("sid={EX_SET_COOKIE}; Path=/")],
            ["X-Echo", format!("Bearer {EX_AUTH}")]
        ], "next": {
            "preflight": {"status": 204, "headers": [
                ["Access-Control-Allow-Origin", "null"],
                ["Access-Control-Allow-Credentials", "true"],
                ["Access-Control-Allow-Headers", "Authorization, X-Api-Key"]
            ]},
            "response": {"status": 200, "headers": [["X-Echo", EX_API_KEY]]}
        }}
    });
    let websocket = serde_json::json!({
        "page_origin": "https://app.example.com",
        "request": {"url": format!("wss://dave:{EX_WS_PASS}@api.example.com/socket"), "method": "GET"},
        "response": {"status": 200, "headers": []}
    });
    let userinfo = serde_json::json!({
        "page_origin": "https://app.example.com",
        "request": {"url": format!("https://erin:{EX_WS_PASS}@api.example.com/x"), "method": "GET"},
        "response": {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}
    });
    format!("{preflight_blocked}\n{redirected}\n{websocket}\n{userinfo}\n")
}

#[test]
fn explain_never_prints_a_secret() {
    let path = temp_file("scenarios.jsonl", &scenarios());
    let file = path.to_string_lossy().into_owned();
    let human = run_clean(&["explain", &file]);
    assert!(human.contains("[redacted]"), "{human}");
    assert!(human.contains("login.example.com/next"), "{human}");
    let json = run_clean(&["explain", "--json", &file]);
    for line in json.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("JSON line");
    }
    run_clean(&["explain", "--json", "--steps", &file]);
    run_clean(&["explain", "--browser", "firefox", &file]);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn explain_without_secrets_is_unchanged() {
    // The console lines stay byte-exact when nothing secret is in them.
    let out = corsair()
        .args(["explain", "--json", "--example"])
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("[redacted]") || text.contains("Bearer"),
        "{text}"
    );
}
