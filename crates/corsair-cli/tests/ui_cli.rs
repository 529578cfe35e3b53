//! `corsair ui` over plain HTTP: loopback only, the Host checked (DNS
//! rebinding), a form from another site or without the page's token
//! refused, and the page's own form answered with the report.

mod html_support;

use std::io::{Read, Write};
use std::net::TcpStream;

use html_support::{corsair, Ui};

/// One HTTP/1.1 exchange; the status and the body.
fn exchange(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(authority).expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {authority}\r\n"));
    }
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

fn token_of(page: &str) -> String {
    let at = page
        .find("name=\"token\" value=\"")
        .expect("a token in the page")
        + 20;
    page[at..at + 32].to_owned()
}

fn form(token: &str, policy: &str) -> String {
    let mut f = url::form_urlencoded::Serializer::new(String::new());
    f.append_pair("token", token).append_pair("policy", policy);
    f.finish()
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

#[test]
fn only_loopback_addresses_are_listened_on() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let out = corsair()
            .args(["ui", "--listen", addr])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("loopback"), "{err}");
    }
}

#[test]
fn only_the_page_itself_may_use_it() {
    let ui = Ui::start();
    let (status, page) = exchange(&ui.url, "GET", "/", &[], "");
    assert_eq!(status, 200);
    let token = token_of(&page);
    let origin = ui.url.trim_end_matches('/').to_owned();
    // DNS rebinding: a name of the attacker's that resolves to 127.0.0.1.
    let port = origin.rsplit(':').next().expect("port");
    let rebound = format!("rebind.evil.example:{port}");
    assert_eq!(
        exchange(&ui.url, "GET", "/", &[("Host", &rebound)], "").0,
        421
    );
    let body = form(&token, "[cors]\norigins = [\"*\"]\n");
    assert_eq!(
        exchange(&ui.url, "POST", "/lint", &[("Host", &rebound), FORM], &body).0,
        421
    );
    // Another site's form: refused even with the right token.
    let (status, text) = exchange(
        &ui.url,
        "POST",
        "/lint",
        &[FORM, ("Origin", "https://evil.example")],
        &body,
    );
    assert_eq!(status, 403, "{text}");
    let (status, _) = exchange(
        &ui.url,
        "POST",
        "/lint",
        &[FORM, ("Origin", &origin), ("Sec-Fetch-Site", "cross-site")],
        &body,
    );
    assert_eq!(status, 403);
    // Without the token, or with another run's.
    let other = form("0123456789abcdef0123456789abcdef", "[cors]");
    assert_eq!(
        exchange(
            &ui.url,
            "POST",
            "/lint",
            &[FORM, ("Origin", &origin)],
            &other
        )
        .0,
        403
    );
    assert_eq!(
        exchange(
            &ui.url,
            "POST",
            "/check",
            &[FORM, ("Origin", &origin)],
            "url=http://127.0.0.1:1/&origin=https://a.example"
        )
        .0,
        403
    );
    // The page's own form.
    let (status, report) = exchange(
        &ui.url,
        "POST",
        "/lint",
        &[FORM, ("Origin", &origin), ("Sec-Fetch-Site", "same-origin")],
        &body,
    );
    assert_eq!(status, 200, "{report}");
    assert!(
        report.contains("data-slug=\"wildcard-with-credentials\"")
            || report.contains("class=\"finding problem\""),
        "{report}"
    );
    // A second server has another token.
    let other_ui = Ui::start();
    let (_, other_page) = exchange(&other_ui.url, "GET", "/", &[], "");
    assert_ne!(token_of(&other_page), token);
}
