//! Shared by the HTML tests: the command, a loopback server whose answers
//! are hostile, and generated HAR exports.

#![allow(dead_code)]

// The command and the one-answer server, as every command-line test has them.
#[path = "../support/mod.rs"]
mod support;
pub use support::{corsair, fixed_server};

use std::path::PathBuf;

/// Markup a server tries to slip into the page through its answers.
pub const SCRIPT: &str = "<script>document.title='pwned'</script>";
/// An attribute breakout.
pub const BREAKOUT: &str = "\"><img src=x onerror=alert(1)>";
/// A link target that would run code.
pub const JS_URL: &str = "javascript:alert(document.domain)";

/// A one-thread loopback server: every preflight and request gets an
/// answer whose Allow-Origin carries markup and whose other headers carry
/// an attribute breakout, a `javascript:` URL, a C1 control and a
/// bidirectional override.
pub fn hostile_server() -> u16 {
    let response: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {SCRIPT}\r\nAccess-Control-Expose-Headers: {BREAKOUT}\r\nX-Link: {JS_URL}\r\nX-Control: a\u{9b}2J\u{202e}b\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
        .into_boxed_str(),
    );
    fixed_server(response)
}

/// A file in the temporary directory, unique to this process.
pub fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corsair-html-{}-{name}", std::process::id()))
}

/// A HAR export of `n` cross-origin XHRs from https://app.example.com, one
/// in ten without Allow-Origin (blocked); each URL carries markup.
pub fn generated_har(n: usize) -> String {
    let mut out = String::with_capacity(n * 360);
    out.push_str(r#"{"log":{"version":"1.2","creator":{"name":"html-test","version":"1"},"pages":[{"id":"page_1","title":"https://app.example.com/","startedDateTime":"2026-11-24T00:00:00.000Z"}],"entries":["#);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let acao = if i % 10 == 0 {
            ""
        } else {
            r#"{"name":"access-control-allow-origin","value":"https://app.example.com"}"#
        };
        out.push_str(&format!(
            r#"{{"startedDateTime":"2026-11-24T00:{:02}:{:02}.{:03}Z","pageref":"page_1","_resourceType":"xhr","request":{{"method":"GET","url":"https://api.example.com/items/{i}?q=%3Cscript%3E","headers":[{{"name":"origin","value":"https://app.example.com"}},{{"name":"x-note","value":"<script>alert({i})</script>"}}]}},"response":{{"status":200,"headers":[{acao}]}}}}"#,
            (i / 60000) % 60,
            (i / 1000) % 60,
            i % 1000
        ));
    }
    out.push_str("]}}\n");
    out
}

/// Nothing in the page runs or loads: no script element, no event handler,
/// no URL attribute pointing elsewhere, no style that fetches. Every `<` in
/// an escaped page starts one of the program's own tags, so each tag is
/// read whole.
pub fn assert_inert(page: &str) {
    assert!(
        page.starts_with("<!DOCTYPE html>"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(
        page.contains("default-src 'none'"),
        "no Content-Security-Policy"
    );
    for tag in page.split('<').skip(1) {
        let tag = tag
            .split('>')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let name = tag
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default();
        assert!(
            !["script", "img", "iframe", "object", "embed", "link", "base", "svg", "math"]
                .contains(&name),
            "a <{name}> element: <{tag}>"
        );
        for attr in tag.split_whitespace().skip(1) {
            let attr_name = attr.split('=').next().unwrap_or_default();
            assert!(!attr_name.starts_with("on"), "an event handler: <{tag}>");
            if ["href", "src", "action", "formaction"].contains(&attr_name) {
                let value = attr
                    .split_once('=')
                    .map_or("", |(_, v)| v.trim_matches('"'));
                // A file next to the page (`./report-2.html`), of plain
                // characters, is local too.
                let sibling = value.strip_prefix("./").is_some_and(|f| {
                    !f.starts_with('.')
                        && f.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
                });
                assert!(
                    sibling
                        || value.starts_with('#')
                        || (value.starts_with('/') && !value.starts_with("//")),
                    "a URL elsewhere: <{tag}>"
                );
            }
        }
    }
    assert!(
        !page.contains("url(") && !page.contains("@import"),
        "a style that fetches"
    );
}

/// A running `corsair ui` (stopped when dropped).
pub struct Ui {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
}

impl Ui {
    /// Starts `corsair ui` on a free loopback port and reads where.
    pub fn start() -> Ui {
        use std::io::BufRead as _;
        let mut child = corsair()
            .args(["ui", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("corsair ui starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("its first line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        Ui { child, url }
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where screenshots go: `$CORSAIR_SCREENSHOTS` (scripts/screenshots.sh
/// sets it to docs/screenshots), else the temporary directory.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("CORSAIR_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}
