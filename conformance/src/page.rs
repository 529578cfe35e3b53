//! The JavaScript the tab runs to make a scenario's request.
//!
//! The request goes in as a JSON literal argument (so header values with any
//! byte survive: JSON `\u00XX` is the JS char U+00XX, which is what fetch's
//! ByteString conversion turns back into byte 0xXX). The snippet always
//! resolves, never rejects, to a small object returned by value.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::scenario::{Initiator, Request};

/// What the page's code saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JsResult {
    /// `ok` (a response reached the code) or `error` (rejection / onerror /
    /// an exception from fetch, open or setRequestHeader).
    pub settled: String,
    /// HTTP status the code read (0 for an opaque response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Response.type` (`cors`, `basic`, `opaque`, `opaqueredirect`); fetch only.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    /// The exception's name (e.g. `TypeError`, `SyntaxError`), on error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The exception's message, on error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Response header names the code can read: lower-case, sorted, unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readable_headers: Option<Vec<String>>,
}

/// Runs `fetch` with only the options the scenario sets (plus the default
/// `redirect: 'follow'`): anything more, e.g. `cache`, could change what the
/// browser does. The body is read so the load finishes inside the scenario.
const FETCH_JS: &str = r#"(async (r) => {
  let resp;
  try {
    resp = await fetch(r.url, { method: r.method, headers: r.headers,
                                credentials: r.credentials, mode: r.mode, redirect: 'follow' });
  } catch (e) {
    return { settled: 'error', name: String(e && e.name), message: String(e && e.message) };
  }
  const names = [];
  for (const [n] of resp.headers) names.push(n);
  try { await resp.arrayBuffer(); } catch (e) {}
  return { settled: 'ok', status: resp.status, type: resp.type, readable_headers: names };
})"#;

/// Runs an asynchronous XMLHttpRequest. An exception from `open` or
/// `setRequestHeader` ends it as an error (the code would not have sent).
const XHR_JS: &str = r#"((r) => new Promise((resolve) => {
  const fail = (e) => resolve({ settled: 'error', name: String(e && e.name), message: String(e && e.message) });
  const x = new XMLHttpRequest();
  try {
    x.open(r.method, r.url, true);
    for (const [n, v] of r.headers) x.setRequestHeader(n, v);
    x.withCredentials = r.credentials === 'include';
  } catch (e) { fail(e); return; }
  x.onload = () => {
    const names = x.getAllResponseHeaders().split('\r\n')
      .map((l) => l.slice(0, Math.max(0, l.indexOf(':'))).trim().toLowerCase())
      .filter((n) => n.length > 0);
    resolve({ settled: 'ok', status: x.status, readable_headers: names });
  };
  x.onerror = () => resolve({ settled: 'error', name: 'error', message: '' });
  x.onabort = () => resolve({ settled: 'error', name: 'abort', message: '' });
  x.ontimeout = () => resolve({ settled: 'error', name: 'timeout', message: '' });
  try { x.send(); } catch (e) { fail(e); }
}))"#;

/// The expression to hand `Runtime.evaluate` (with `awaitPromise`).
pub fn expression(req: &Request) -> String {
    let arg = json!({
        "url": req.url,
        "method": req.method,
        "headers": req.headers,
        "credentials": req.credentials.as_str(),
        "mode": req.mode.as_str(),
    });
    let f = match req.initiator {
        Initiator::Fetch => FETCH_JS,
        Initiator::Xhr => XHR_JS,
    };
    format!("{f}({arg})")
}

/// Normalises the readable header names: lower-case, sorted, deduplicated.
pub fn normalise(mut js: JsResult) -> JsResult {
    if let Some(h) = js.readable_headers.as_mut() {
        for n in h.iter_mut() {
            *n = n.to_ascii_lowercase();
        }
        h.sort();
        h.dedup();
    }
    js
}
