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

/// Runs `fetch` (see the file's comment).
pub(crate) const FETCH_JS: &str = include_str!("../js/fetch.js");

/// Runs an asynchronous XMLHttpRequest (see the file's comment).
pub(crate) const XHR_JS: &str = include_str!("../js/xhr.js");

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
