//! Gathers one scenario's DevTools events and turns them into an [`Observed`].
//!
//! Scenarios run one at a time, so "this scenario's events" are the events
//! that arrive while it runs, minus those of requests that belong to an
//! earlier window (their ids and URLs are retired when a window closes). A
//! late `loadingFailed` of a previous scenario thus can never be taken for
//! this one, nor can its CORS console line (which carries no request id but
//! names the URL).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cdp::Event;
use crate::page::JsResult;
use crate::scenario::Header;
use crate::server::{Received, PAGE_PATH};

/// The generic line Chromium logs for every failed load, CORS or not.
const GENERIC_PREFIX: &str = "Failed to load resource: ";

/// XHR's warning when the page sets a forbidden header (it is dropped, and
/// the request goes on): not the line that says why a request failed.
const REFUSED_HEADER_PREFIX: &str = "Refused to set unsafe header ";

/// One `Log.entryAdded` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleLine {
    /// `javascript`, `network`, …
    pub source: String,
    /// `error`, `warning`, `info`, `verbose`.
    pub level: String,
    /// The exact console text.
    pub text: String,
    /// The URL the entry names, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `cors` for the CORS lines, when Chromium sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// One `Audits.issueAdded` issue: its code and Chromium's details, verbatim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// e.g. `CorsIssue`, `DeprecationIssue`.
    pub code: String,
    /// The issue's `details` object as Chromium sent it.
    pub details: Value,
}

/// A `corsErrorStatus` as Chromium reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsErrorStatus {
    /// The `CorsError` enum name, e.g. `AllowOriginMismatch`.
    pub cors_error: String,
    /// The failed parameter ("" when none).
    pub failed_parameter: String,
}

/// One request as the DevTools `Network` domain saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkRequest {
    /// DevTools request id.
    pub request_id: String,
    /// Resource type (`Fetch`, `XHR`, …; Chromium 156 says `Other` for a
    /// preflight).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// For a preflight: the id of the request it was made for (Chromium
    /// marks preflights with `initiator.type == "preflight"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight_for: Option<String>,
    /// Method of the first hop.
    pub method: String,
    /// Every URL it visited, redirects included.
    pub urls: Vec<String>,
    /// Headers the renderer set on the first hop (`requestWillBeSent`).
    pub headers: Vec<Header>,
    /// Status of the last response received, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Whether `loadingFinished` arrived.
    pub finished: bool,
    /// `loadingFailed.errorText`, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_text: Option<String>,
    /// `loadingFailed.corsErrorStatus`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_error_status: Option<CorsErrorStatus>,
    /// `loadingFailed.blockedReason`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
}

impl NetworkRequest {
    fn is_preflight(&self) -> bool {
        self.preflight_for.is_some() || self.resource_type == "Preflight"
    }
}

/// Allowed or blocked, as the page's code experienced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The JS promise resolved / XHR `onload` ran.
    Allowed,
    /// Anything else.
    Blocked,
}

/// Everything Chromium and the server showed for one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// The scenario's id.
    pub id: String,
    /// `allowed` when the JS settled ok, else `blocked`.
    pub outcome: Outcome,
    /// What the page's code saw.
    pub js: JsResult,
    /// The main request's `corsErrorStatus.corsError` (from `loadingFailed`,
    /// else from a non-warning CorsIssue).
    pub cors_error: Option<String>,
    /// Its `failedParameter`.
    pub failed_parameter: Option<String>,
    /// The first error-level console line other than the generic
    /// `Failed to load resource: …` and XHR's `Refused to set unsafe header …`
    /// (i.e. the CORS line when there is one).
    pub console: Option<String>,
    /// Every console entry of the scenario, in order.
    pub console_all: Vec<ConsoleLine>,
    /// Whether the server received a preflight.
    pub preflight_sent: bool,
    /// `Access-Control-Request-Headers` of the first preflight received.
    pub access_control_request_headers: Option<String>,
    /// `Access-Control-Request-Method` of the first preflight received.
    pub access_control_request_method: Option<String>,
    /// What the server received, in order.
    pub requests: Vec<Received>,
    /// DevTools issues (`CorsIssue`, `DeprecationIssue`, …).
    pub issues: Vec<Issue>,
    /// The requests as the DevTools `Network` domain reported them.
    pub network: Vec<NetworkRequest>,
    /// The server lacked an answer the browser asked for (see `requests`).
    pub incomplete: bool,
    /// Wall time of the scenario (navigation included when there was one).
    pub elapsed_ms: u64,
}

/// Requests of earlier windows, whose late events must be ignored.
#[derive(Debug, Default)]
pub struct Retired {
    ids: HashSet<String>,
    urls: HashSet<String>,
}

impl Retired {
    /// Retires one request id (e.g. of the page's own navigation).
    pub fn id(&mut self, id: &str) {
        self.ids.insert(id.to_string());
    }

    /// Retires every request a closed window saw.
    pub fn window(&mut self, col: &Collector) {
        for r in &col.reqs {
            self.ids.insert(r.request_id.clone());
            self.urls.extend(r.urls.iter().cloned());
        }
    }
}

/// The events of one scenario window.
#[derive(Default)]
pub struct Collector {
    reqs: Vec<NetworkRequest>,
    by_id: HashMap<String, usize>,
    logs: Vec<ConsoleLine>,
    issues: Vec<Issue>,
}

/// The request id an event refers to, if any.
pub fn request_id_of(ev: &Event) -> Option<&str> {
    let p = &ev.params;
    p.get("requestId")
        .or_else(|| p.pointer("/entry/networkRequestId"))
        .or_else(|| p.pointer("/issue/details/corsIssueDetails/request/requestId"))
        .and_then(Value::as_str)
}

impl Collector {
    /// Takes in one event (events of retired requests are ignored).
    pub fn handle(&mut self, ev: &Event, retired: &Retired) {
        if request_id_of(ev).is_some_and(|id| retired.ids.contains(id)) {
            return;
        }
        let p = &ev.params;
        let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        match ev.method.as_str() {
            "Network.requestWillBeSent" => {
                let Some(id) = s(p.get("requestId")) else {
                    return;
                };
                let url = s(p.pointer("/request/url")).unwrap_or_default();
                if let Some(&i) = self.by_id.get(&id) {
                    // A redirect hop: same id, new URL.
                    self.reqs[i].urls.push(url);
                    return;
                }
                if matches!(url_path(&url), Some(PAGE_PATH | "/favicon.ico")) {
                    return; // The page's own loads are not the scenario's.
                }
                let headers = match p.pointer("/request/headers") {
                    Some(Value::Object(m)) => m
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect(),
                    _ => Vec::new(),
                };
                self.by_id.insert(id.clone(), self.reqs.len());
                self.reqs.push(NetworkRequest {
                    request_id: id,
                    resource_type: s(p.get("type")).unwrap_or_default(),
                    preflight_for: match p.pointer("/initiator/type").and_then(Value::as_str) {
                        Some("preflight") => {
                            Some(s(p.pointer("/initiator/requestId")).unwrap_or_default())
                        }
                        _ => None,
                    },
                    method: s(p.pointer("/request/method")).unwrap_or_default(),
                    urls: vec![url],
                    headers,
                    status: None,
                    finished: false,
                    error_text: None,
                    cors_error_status: None,
                    blocked_reason: None,
                });
            }
            "Network.responseReceived" => {
                if let Some(r) = self.req_mut(p) {
                    r.status = p
                        .pointer("/response/status")
                        .and_then(Value::as_u64)
                        .and_then(|x| u16::try_from(x).ok());
                }
            }
            "Network.loadingFinished" => {
                if let Some(r) = self.req_mut(p) {
                    r.finished = true;
                }
            }
            "Network.loadingFailed" => {
                let cors = cors_status(p.get("corsErrorStatus"));
                let text = s(p.get("errorText"));
                let blocked = s(p.get("blockedReason"));
                if let Some(r) = self.req_mut(p) {
                    r.error_text = text;
                    r.cors_error_status = cors;
                    r.blocked_reason = blocked;
                }
            }
            "Log.entryAdded" => {
                let e = p.get("entry").unwrap_or(&Value::Null);
                let url = s(e.get("url"));
                if url.as_deref().and_then(url_path) == Some("/favicon.ico") {
                    return;
                }
                let text = s(e.get("text")).unwrap_or_default();
                if let Some(u) = blocked_url(&text) {
                    let ours = self.reqs.iter().any(|r| r.urls.iter().any(|x| x == u));
                    if !ours && retired.urls.contains(u) {
                        return; // A late line of an earlier scenario.
                    }
                }
                self.logs.push(ConsoleLine {
                    source: s(e.get("source")).unwrap_or_default(),
                    level: s(e.get("level")).unwrap_or_default(),
                    text,
                    url,
                    category: s(e.get("category")),
                });
            }
            "Audits.issueAdded" => {
                let issue = p.get("issue").unwrap_or(&Value::Null);
                self.issues.push(Issue {
                    code: s(issue.get("code")).unwrap_or_default(),
                    details: issue.get("details").cloned().unwrap_or(Value::Null),
                });
            }
            _ => {}
        }
    }

    fn req_mut(&mut self, p: &Value) -> Option<&mut NetworkRequest> {
        let id = p.get("requestId")?.as_str()?;
        let i = *self.by_id.get(id)?;
        self.reqs.get_mut(i)
    }

    /// The page's own request: the first one that is not a preflight.
    fn main(&self) -> Option<&NetworkRequest> {
        self.reqs.iter().find(|r| !r.is_preflight())
    }

    /// Whether nothing more worth waiting for is expected, given how the
    /// JS settled. Seen in Chromium 156: for `fetch` the renderer's events
    /// (requestWillBeSent, the CORS console line, loadingFailed) and the
    /// CorsIssue usually precede the promise's settling, but XHR's `onerror`
    /// can run before `loadingFailed` and the console lines arrive.
    pub fn complete(&self, js_ok: bool) -> bool {
        let Some(main) = self.main() else {
            // Nothing reached the network: a renderer-side refusal, whose
            // console line (if any) precedes the rejection.
            return true;
        };
        if js_ok {
            return main.finished || main.error_text.is_some();
        }
        if main.error_text.is_none() {
            return false;
        }
        // The generic line trails loadingFailed; waiting for it keeps
        // `console_all` the same from run to run. A failure that is not
        // CORS logs one line (the generic one, or e.g. the security line of
        // a same-origin-mode redirect, which has no generic line).
        let generic = self.logs.iter().any(|l| l.text.starts_with(GENERIC_PREFIX));
        match main.cors_error_status.is_some() || self.any_cors_failure() {
            true => generic && self.console_line().is_some() && self.has_cors_issue(),
            false => self.logs.iter().any(|l| l.level == "error"),
        }
    }

    /// Whether Chromium reported a deprecation. Blink reports each
    /// deprecated feature once per page, so the tab must be reloaded before
    /// the next scenario for that one to be able to report it again.
    pub fn saw_deprecation(&self) -> bool {
        self.issues.iter().any(|i| i.code == "DeprecationIssue")
    }

    fn any_cors_failure(&self) -> bool {
        self.reqs.iter().any(|r| r.cors_error_status.is_some())
    }

    fn has_cors_issue(&self) -> bool {
        self.issues.iter().any(|i| i.code == "CorsIssue")
    }

    /// The first error-level console line that is not the generic one.
    fn console_line(&self) -> Option<&ConsoleLine> {
        self.logs.iter().find(|l| {
            l.level == "error"
                && !l.text.starts_with(GENERIC_PREFIX)
                && !l.text.starts_with(REFUSED_HEADER_PREFIX)
        })
    }

    /// The final observation.
    pub fn finish(
        self,
        id: &str,
        js: JsResult,
        requests: Vec<Received>,
        elapsed_ms: u64,
    ) -> Observed {
        let outcome = if js.settled == "ok" {
            Outcome::Allowed
        } else {
            Outcome::Blocked
        };
        let cors = self
            .main()
            .and_then(|m| m.cors_error_status.clone())
            .or_else(|| self.reqs.iter().find_map(|r| r.cors_error_status.clone()))
            .or_else(|| {
                self.issues.iter().find_map(|i| {
                    let d = i.details.get("corsIssueDetails")?;
                    if d.get("isWarning").and_then(Value::as_bool) == Some(true) {
                        return None;
                    }
                    cors_status(d.get("corsErrorStatus"))
                })
            });
        let console = self.console_line().map(|l| l.text.clone());
        let preflight = requests.iter().find(|r| r.is_preflight());
        let acrh = preflight.and_then(|r| r.header("access-control-request-headers"));
        let acrm = preflight.and_then(|r| r.header("access-control-request-method"));
        Observed {
            id: id.to_string(),
            outcome,
            js,
            cors_error: cors.as_ref().map(|c| c.cors_error.clone()),
            failed_parameter: cors.map(|c| c.failed_parameter),
            console,
            console_all: self.logs,
            preflight_sent: preflight.is_some(),
            access_control_request_headers: acrh.map(str::to_string),
            access_control_request_method: acrm.map(str::to_string),
            incomplete: requests
                .iter()
                .any(|r| r.served == crate::server::Served::Missing),
            requests,
            issues: self.issues,
            network: self.reqs,
            elapsed_ms,
        }
    }
}

fn cors_status(v: Option<&Value>) -> Option<CorsErrorStatus> {
    let v = v?;
    Some(CorsErrorStatus {
        cors_error: v.get("corsError")?.as_str()?.to_string(),
        failed_parameter: v
            .get("failedParameter")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

/// The URL a CORS console line names: `Access to {kind} at '{url}' …`.
fn blocked_url(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("Access to ")?;
    let start = rest.find(" at '")? + 5;
    let len = rest[start..].find("' ")?;
    Some(&rest[start..start + len])
}

/// The path of an absolute URL (without query), if it parses.
fn url_path(u: &str) -> Option<&str> {
    let rest = u.split_once("://")?.1;
    let start = rest.find('/')?;
    let path = &rest[start..];
    Some(path.split(['?', '#']).next().unwrap_or(path))
}
