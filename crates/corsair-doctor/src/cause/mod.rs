//! The root cause behind a block: which layer answered, and why, read from
//! everything the answers show (status, `Vary`, which origins get CORS
//! headers, `WWW-Authenticate`, `Location`, `Server`, the body's start), with
//! how sure the doctor is. The browser model says *what* the browser
//! decided; this says *why the server answered that way*, and so what must
//! change.
//!
//! A few read-only exchanges settle what the first answers leave open: the
//! same URL asked with a plain OPTIONS (does something refuse every OPTIONS,
//! or only CORS preflights?), a preflight for GET alone (is it the origin
//! that is refused, or the method and headers?), and the same request from
//! nearby origins (does the server allow *some* origin, just not this one?).
//!
//! `plan` chooses those exchanges, `refusals` recognises who refused a
//! preflight (auth, Spring, Starlette, the Corsair gateway), `redirects`
//! reads a redirect, and `decide` weighs it all into one [`Cause`].

mod decide;
mod plan;
mod redirects;
pub(crate) mod refusals;

use serde::Serialize;

use corsair_core::catalog::Slug;
use corsair_core::Outcome;
use corsair_core::ScenarioError;

use crate::check::{CheckRequest, Checked};
use crate::exchange::{redact_received, redact_wire, Exchange, Purpose, Received, Redactor, Wire};
use crate::network::NetworkFailure;
use crate::send::Sender;
use decide::{decide, network_cause};
use plan::{plan, Seen};

pub use plan::nearby_origins;

/// How sure the doctor is of a cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// One reading fits what was seen; the evidence names it.
    Certain,
    /// The usual reading of what was seen; another is possible.
    Likely,
    /// A guess from weak signs.
    Possible,
}

impl Confidence {
    /// The word shown to people.
    pub fn word(self) -> &'static str {
        match self {
            Confidence::Certain => "certain",
            Confidence::Likely => "likely",
            Confidence::Possible => "possible",
        }
    }
}

/// The root cause of a block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cause {
    /// The catalog slug of the cause (may differ from the symptom the
    /// browser reports: a 403 preflight is not always auth).
    pub slug: Slug,
    /// How sure.
    pub confidence: Confidence,
    /// What answered, when it can be told (`Spring's CORS processor`, `an
    /// authentication layer`, `nginx`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// One or two sentences: what happens and why.
    pub summary: String,
    /// What shows it, each naming the exchange (`#2`).
    pub evidence: Vec<String>,
    /// What to change.
    pub fix: String,
    /// Origins the server does answer with CORS headers, from the probes
    /// ("works from http://localhost:3000").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub works_from: Vec<String>,
    /// The start of the body of the answer that was blocked, when it tells
    /// the real error hidden behind the CORS one (redacted, bounded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The network failure, when the request got no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkFailure>,
    /// A change outside the CORS settings that the call needs as well (the
    /// URL the page calls, the page's CSP, the API's answer to an
    /// unauthenticated call, the error behind the CORS one): no CORS
    /// setting alone makes the call work, so the fix names it first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also: Option<String>,
}

/// Characters of a body shown at most.
const BODY_SHOWN: usize = 300;

/// Finds the root cause of a blocked check, sending the few read-only
/// exchanges it needs (numbered from `first_index`). Nothing when the
/// request was allowed.
pub async fn find(
    sender: &Sender,
    request: &CheckRequest,
    checked: &Checked,
    first_index: usize,
) -> Result<(Vec<Exchange>, Option<Cause>), ScenarioError> {
    if let Some(failure) = &checked.network_failure {
        return Ok((Vec::new(), Some(network_cause(failure))));
    }
    if checked.verdict.outcome != Outcome::Blocked {
        return Ok((Vec::new(), None));
    }
    let Some((index, wire, answer)) = blocked_exchange(checked) else {
        return Ok((Vec::new(), None));
    };
    let plan = plan(request, checked, wire, answer);
    let done = sender.send_each(plan).await;
    let mut exchanges = Vec::new();
    let mut seen = Seen { probes: Vec::new() };
    for (probe, w, result) in done {
        let i = exchanges.len();
        let (received, error) = match result {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        exchanges.push(Exchange {
            purpose: Purpose::Probe,
            probe: Some(probe.name()),
            sent: redact_wire(&w),
            received: received.as_ref().map(redact_received),
            error,
        });
        seen.probes.push((probe, first_index + i, received));
    }
    let redactor = Redactor::new(&request.headers, request.cookies.as_deref(), &request.url);
    let cause = decide(request, checked, index, wire, answer, &seen).map(|mut c| {
        redactor.scrub_in_place(&mut c.summary);
        redactor.scrub_in_place(&mut c.fix);
        for e in &mut c.evidence {
            redactor.scrub_in_place(e);
        }
        if let Some(b) = &mut c.body {
            redactor.scrub_in_place(b);
        }
        c
    });
    Ok((exchanges, cause))
}

/// The exchange whose answer the browser blocked: the last one answered.
fn blocked_exchange(checked: &Checked) -> Option<(usize, &Wire, &Received)> {
    checked
        .received
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, r)| Some((i, checked.wires.get(i)?, r.as_ref()?)))
}

fn is_preflight(wire: &Wire) -> bool {
    wire.method == "OPTIONS"
        && wire
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("access-control-request-method"))
}

fn header<'a>(wire: &'a Wire, name: &str) -> Option<&'a str> {
    wire.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn with_origin(base: &Wire, origin: &str) -> Wire {
    let mut w = base.clone();
    for (n, v) in &mut w.headers {
        if n.eq_ignore_ascii_case("origin") {
            *v = origin.to_owned();
        }
    }
    w
}

/// The server software an answer names, for the layer.
fn server_of(answer: &Received) -> Option<String> {
    answer
        .first("server")
        .or_else(|| answer.first("x-powered-by"))
        .map(|s| corsair_core::printable::excerpt(s, 60).into_owned())
}

/// The start of a body worth showing: an error's own message.
fn body_excerpt(answer: &Received) -> Option<String> {
    let text = answer.body_prefix.trim();
    if answer.status < 400 || text.is_empty() {
        return None;
    }
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(corsair_core::printable::excerpt(&flat, BODY_SHOWN).into_owned())
}
