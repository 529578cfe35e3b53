//! The scenario input (the `corsair explain` format, in the README) and
//! its flattening into the URLs the local server must answer.
//!
//! These types are the harness's own, deliberately: the harness checks the
//! models in corsair-core, so it must not share code with them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::url;
use crate::HarnessError;

/// One input line: an id and a scenario (other fields are ignored).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioLine {
    /// Names the scenario in the output and in errors.
    pub id: String,
    /// What to run.
    pub scenario: Scenario,
}

/// A page origin, the request its code makes and the server's answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scenario {
    /// e.g. `http://app.example.test:8001`; the page is served there.
    pub page_origin: String,
    /// The request as the page's code makes it.
    pub request: Request,
    /// The answer to a preflight at `request.url`, if one is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Answer>,
    /// The answer to the actual request at `request.url`, if one is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Answer>,
}

/// A `[name, value]` header pair. Values are JS/JSON strings whose chars
/// U+0000..=U+00FF stand for the bytes 0x00..=0xFF.
pub type Header = (String, String);

/// The request as the page's code writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// Absolute URL.
    pub url: String,
    /// As the code wrote it (`fetch` upper-cases only some methods itself).
    #[serde(default = "default_method")]
    pub method: String,
    /// Headers the code sets, in order, duplicates allowed.
    #[serde(default)]
    pub headers: Vec<Header>,
    /// `omit`, `same-origin` (default) or `include`.
    #[serde(default)]
    pub credentials: Credentials,
    /// `cors` (default), `no-cors` or `same-origin`; ignored for XHR.
    #[serde(default)]
    pub mode: Mode,
    /// `fetch` (default) or `xhr`.
    #[serde(default)]
    pub initiator: Initiator,
}

fn default_method() -> String {
    "GET".into()
}

/// The request's credentials mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    /// Never send credentials.
    Omit,
    /// The default.
    #[default]
    SameOrigin,
    /// Always send credentials (XHR: `withCredentials = true`).
    Include,
}

impl Credentials {
    /// The value as `fetch()` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }
}

/// The request's mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The default.
    #[default]
    Cors,
    /// Opaque responses, safelisted methods and headers only.
    NoCors,
    /// Cross-origin requests fail in the renderer.
    SameOrigin,
}

impl Mode {
    /// The value as `fetch()` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Cors => "cors",
            Mode::NoCors => "no-cors",
            Mode::SameOrigin => "same-origin",
        }
    }
}

/// Which API the page uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Initiator {
    /// `fetch()`.
    #[default]
    Fetch,
    /// `XMLHttpRequest`.
    Xhr,
}

/// One answer of the server: status and headers exactly as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Header lines in order, names as spelled, duplicates kept.
    #[serde(default)]
    pub headers: Vec<Header>,
    /// For a redirect: the answers at the URL its `Location` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Box<Next>>,
}

/// The server's answers at a redirect target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Next {
    /// The answer to a preflight there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Answer>,
    /// The answer to the request there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Answer>,
}

/// Longest redirect chain followed (the Fetch standard's limit is 20 hops).
pub const MAX_CHAIN: usize = 64;

/// One URL of a scenario's redirect chain (the request URL or a resolved
/// `Location`) and the answers given there.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its parsed form; `None` if the harness cannot parse it.
    pub parts: Option<url::Parts>,
    /// The answer to a preflight there.
    pub preflight: Option<Answer>,
    /// The answer to the request there.
    pub response: Option<Answer>,
}

impl Scenario {
    /// The chain of URLs the request may visit: `request.url`, then each
    /// redirect's `Location` (resolved) for as long as a `next` is given
    /// (at most [`MAX_CHAIN`] nodes). A URL the harness cannot parse is kept
    /// (with no parts) and ends the chain: the browser decides what it does.
    pub(crate) fn nodes(&self) -> Vec<Node> {
        let mut out = Vec::new();
        let mut url_s = self.request.url.clone();
        let mut pre = self.preflight.clone();
        let mut resp = self.response.clone();
        loop {
            let parts = url::parse(&url_s);
            let next = resp.as_ref().and_then(|a| a.next.clone());
            let location = resp.as_ref().and_then(|a| {
                a.headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("location"))
                    .map(|(_, v)| v.clone())
            });
            out.push(Node {
                parts,
                preflight: pre.take(),
                response: resp.take(),
            });
            let (Some(next), Some(loc)) = (next, location) else {
                break;
            };
            let Some(resolved) = url::resolve(&url_s, &loc) else {
                break;
            };
            if out.len() >= MAX_CHAIN {
                break;
            }
            url_s = resolved;
            pre = next.preflight;
            resp = next.response;
        }
        out
    }

    /// The page origin's parts; only `http` origins can be served here.
    pub(crate) fn page_parts(&self, id: &str) -> Result<url::Parts, HarnessError> {
        let p = url::parse(&self.page_origin).filter(|p| p.scheme == "http");
        p.ok_or_else(|| HarnessError::BadScenario {
            id: id.to_string(),
            why: format!(
                "page_origin {:?} is not an http origin the harness can serve",
                self.page_origin
            ),
        })
    }
}

/// Parses JSON Lines into scenarios. A line without `id` gets one from the
/// `/s/<id>/` segment of its request URL, else `line-<n>` (1-based). Blank
/// lines are skipped; anything unparsable is an error naming the line.
pub fn parse_jsonl(text: &str) -> Result<Vec<ScenarioLine>, HarnessError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: String| HarnessError::BadInput { line: n, why };
        let v: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let scenario_v = v
            .get("scenario")
            .cloned()
            .ok_or_else(|| bad("no \"scenario\" field".into()))?;
        let scenario: Scenario =
            serde_json::from_value(scenario_v).map_err(|e| bad(format!("scenario: {e}")))?;
        let id = match v.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(x)) => x.to_string(),
            Some(other) => return Err(bad(format!("\"id\" must be a string, not {other}"))),
            None => id_from_url(&scenario.request.url).unwrap_or_else(|| format!("line-{n}")),
        };
        out.push(ScenarioLine { id, scenario });
    }
    Ok(out)
}

/// The `<id>` of a `/s/<id>/` path segment, if the URL has one.
fn id_from_url(u: &str) -> Option<String> {
    let p = url::parse(u)?;
    let mut segs = p.path_query.split(['/', '?']);
    while let Some(s) = segs.next() {
        if s == "s" {
            return segs.next().filter(|x| !x.is_empty()).map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_ids() {
        let text = r#"{"scenario":{"page_origin":"http://a.test:1","request":{"url":"http://b.test:2/s/77/x"}}}

{"id":5,"scenario":{"page_origin":"http://a.test:1","request":{"url":"http://b.test:2/y","headers":[["X","\u00ff"]],"credentials":"include","mode":"no-cors","initiator":"xhr"}}}
{"scenario":{"page_origin":"http://a.test:1","request":{"url":"http://b.test:2/y"}}}"#;
        let v = parse_jsonl(text).unwrap();
        assert_eq!(v[0].id, "77");
        assert_eq!(v[0].scenario.request.method, "GET");
        assert_eq!(v[1].id, "5");
        assert_eq!(v[1].scenario.request.headers[0].1, "\u{ff}");
        assert_eq!(v[1].scenario.request.initiator, Initiator::Xhr);
        assert_eq!(v[2].id, "line-4");
        assert!(matches!(
            parse_jsonl("{\"scenario\":{}}"),
            Err(HarnessError::BadInput { line: 1, .. })
        ));
    }

    #[test]
    fn flattens_redirect_chains() {
        let s: Scenario = serde_json::from_str(
            r#"{"page_origin":"http://a.test:1","request":{"url":"http://b.test:2/s/1/a"},
            "response":{"status":302,"headers":[["location","/s/1/b"]],
              "next":{"preflight":{"status":204},"response":{"status":200}}}}"#,
        )
        .unwrap();
        let n = s.nodes();
        assert_eq!(n.len(), 2);
        assert_eq!(n[1].parts.as_ref().unwrap().key(), "b.test:2/s/1/b");
        assert_eq!(n[1].preflight.as_ref().unwrap().status, 204);
    }
}
