//! What `explain` answers: the browser's verdict on a scenario.

use serde::Serialize;

use crate::catalog::Finding;
use crate::cors_error::CorsError;
use crate::profile::Profile;

/// The verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The page can read the response.
    Allowed,
    /// The browser blocked it; the page sees a network error.
    Blocked,
    /// An answer the verdict needs is missing from the scenario.
    Incomplete,
    /// Same-origin request: CORS does not apply.
    SameOrigin,
    /// A `no-cors` request: it was sent, but the page gets an opaque response.
    Opaque,
}

impl Outcome {
    /// The `explain` exit status for this outcome.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Allowed | Outcome::SameOrigin | Outcome::Opaque => 0,
            Outcome::Blocked => 1,
            Outcome::Incomplete => 3,
        }
    }
}

/// Where in the exchange the request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Before anything was sent (invalid request, mode, mixed content).
    Request,
    /// The preflight's answer.
    Preflight,
    /// A redirect.
    Redirect,
    /// The actual response.
    Response,
}

/// Why and where the request was blocked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Blocked {
    /// Where it failed.
    pub stage: Stage,
    /// Chrome's `CorsError`, when the failure is a CORS one.
    pub cors_error: Option<CorsError>,
    /// Chrome's failed parameter ("" when none).
    pub failed_parameter: String,
    /// The URL whose answer failed.
    pub url: String,
    /// The reason in plain words.
    pub reason: String,
}

/// The answer an incomplete scenario lacks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Missing {
    /// The preflight's answer, a redirect target's, or the response.
    pub stage: Stage,
    /// The URL it is needed for.
    pub url: String,
    /// The request the browser sends to get that answer (none for a redirect
    /// target: its first request depends on the answers there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Outgoing>,
}

/// A request as the browser puts it on the wire (the headers it adds itself
/// that CORS depends on included; cookies and the like left to the sender).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outgoing {
    /// Method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers in the order the browser sends them, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Whether the browser attaches credentials (cookies, HTTP auth).
    pub credentials: bool,
}

/// The preflight the browser sent (or would have sent) first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Preflight {
    /// Whether one is needed.
    pub required: bool,
    /// Why, one reason each.
    pub reasons: Vec<String>,
    /// `Access-Control-Request-Method` and `-Headers` as sent.
    pub request_headers: Vec<(String, String)>,
    /// How long the browser caches a successful answer, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_seconds: Option<u32>,
}

impl Preflight {
    /// The `Access-Control-Request-Headers` value sent, if any.
    pub fn access_control_request_headers(&self) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(n, _)| n == "Access-Control-Request-Headers")
            .map(|(_, v)| v.as_str())
    }
}

/// The console lines each browser prints for the failure.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Console {
    /// Chrome's line, byte for byte.
    pub chrome: Option<String>,
    /// Firefox's first line (the one that names the reason).
    pub firefox: Option<String>,
    /// WebKit's lines (Safari), in order: for a CORS failure the reason,
    /// then the loader's `… cannot load URL due to access control checks.`
    pub safari: Vec<String>,
}

/// Each engine's outcome where they disagree, and why the blocking ones
/// block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Engines {
    /// Chrome's outcome.
    pub chrome: Outcome,
    /// Firefox's outcome.
    pub firefox: Outcome,
    /// Safari's (WebKit's) outcome.
    pub safari: Outcome,
    /// One sentence: "Chrome and Firefox allow this; Safari blocks it: …".
    pub summary: String,
}

impl Engines {
    /// The engines' outcomes and, for a blocked one, its reason; `None`
    /// when they agree or when any verdict is incomplete.
    pub fn compare(
        chrome: EngineEnd<'_>,
        firefox: EngineEnd<'_>,
        safari: EngineEnd<'_>,
    ) -> Option<Engines> {
        let ends = [("Chrome", chrome), ("Firefox", firefox), ("Safari", safari)];
        if ends.iter().any(|(_, e)| e.outcome == Outcome::Incomplete) {
            return None;
        }
        let blocks = |e: &EngineEnd<'_>| e.outcome == Outcome::Blocked;
        let blockers: Vec<&(&str, EngineEnd<'_>)> =
            ends.iter().filter(|(_, e)| blocks(e)).collect();
        if blockers.is_empty() || blockers.len() == ends.len() {
            return None;
        }
        let allowers: Vec<&str> = ends
            .iter()
            .filter(|(_, e)| !blocks(e))
            .map(|(n, _)| *n)
            .collect();
        let names: Vec<&str> = blockers.iter().map(|(n, _)| *n).collect();
        let reasons: Vec<&str> = blockers.iter().map(|(_, e)| e.reason).collect();
        let why = if reasons.iter().all(|r| *r == reasons[0]) {
            reasons[0].to_owned()
        } else {
            let each: Vec<String> = blockers
                .iter()
                .map(|(n, e)| format!("{n}: {}", e.reason))
                .collect();
            each.join(" ")
        };
        let summary = format!(
            "{} {} this; {} {} it: {why}",
            and_list(&allowers),
            if allowers.len() == 1 {
                "allows"
            } else {
                "allow"
            },
            and_list(&names),
            if names.len() == 1 { "blocks" } else { "block" },
        );
        Some(Engines {
            chrome: ends[0].1.outcome,
            firefox: ends[1].1.outcome,
            safari: ends[2].1.outcome,
            summary,
        })
    }
}

/// How one engine's walk ended, for [`Engines::compare`].
#[derive(Clone, Copy, Debug)]
pub struct EngineEnd<'a> {
    /// Its outcome.
    pub outcome: Outcome,
    /// Why it blocked ("" when it did not).
    pub reason: &'a str,
}

impl<'a> EngineEnd<'a> {
    /// The end of `verdict`'s walk.
    pub fn of(verdict: &'a Verdict) -> EngineEnd<'a> {
        EngineEnd {
            outcome: verdict.outcome,
            reason: verdict.blocked.as_ref().map_or("", |b| b.reason.as_str()),
        }
    }
}

/// "A", "A and B", "A, B and C".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The request as the browser sent it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SentRequest {
    /// Method after normalization.
    pub method: String,
    /// The `Origin` header on the first request (absent on same-origin GET/HEAD).
    pub origin: Option<String>,
    /// Headers the page set that were sent, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Headers the page set that the browser dropped, with why.
    pub dropped_headers: Vec<(String, String)>,
}

/// One step of the browser's work, for the story `explain` tells.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// Which part of the exchange.
    pub stage: Stage,
    /// Whether this check passed (`None` for plain events).
    pub passed: Option<bool>,
    /// What happened, in plain words.
    pub text: String,
}

/// The verdict on a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The browser profile that decided.
    pub browser: Profile,
    /// Whether the first request is cross-origin.
    pub cross_origin: bool,
    /// The first preflight.
    pub preflight: Preflight,
    /// The outcome.
    pub outcome: Outcome,
    /// Details when blocked.
    pub blocked: Option<Blocked>,
    /// Which answer the scenario lacks, when incomplete.
    pub missing: Option<Missing>,
    /// Console lines.
    pub console: Console,
    /// Response headers the page can read (lower-case, sorted).
    pub readable_response_headers: Vec<String>,
    /// Status the page sees (when it sees one).
    pub status: Option<u16>,
    /// What was wrong or risky, with the fix.
    pub findings: Vec<Finding>,
    /// The request as sent.
    pub request: SentRequest,
    /// Every URL visited, the first one included.
    pub urls: Vec<String>,
    /// Where Chrome, Firefox and Safari part on this scenario (left out
    /// when they agree).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engines: Option<Engines>,
    /// The story, step by step (left out when not asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}
