//! The browser's exchanges for real: the browser model says which request it
//! sends next (the preflight, the request, the request at a redirect
//! target), the sender puts it on the wire, and its answer goes back into the
//! scenario, until the model reaches a verdict.

use corsair_core::scenario::{Answer, CredentialsMode, Hop, Initiator, RequestSpec, Scenario};
use corsair_core::verdict::{Blocked, Outgoing, Stage};
use corsair_core::{findings, Outcome, Profile, ScenarioError, Verdict};
use serde::Serialize;
use url::Url;

use crate::exchange::{redact_received, redact_wire, Exchange, Purpose, Received, Wire};
use crate::network::NetworkFailure;
use crate::send::Sender;

/// The `User-Agent` of every request the doctor sends.
pub const USER_AGENT: &str = concat!("corsair/", env!("CARGO_PKG_VERSION"), " (CORS check)");

/// Requests followed at most (the browser's own redirect limit is 20).
const MAX_EXCHANGES: usize = 45;

/// What to check: the request as the page's code makes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckRequest {
    /// The page's origin (or any URL of the page).
    pub page_origin: String,
    /// The URL the page requests.
    pub url: String,
    /// The method as the page's code writes it.
    pub method: String,
    /// Headers the page sets (forbidden ones are dropped as the browser does).
    pub headers: Vec<(String, String)>,
    /// `credentials: 'include'` (or `withCredentials`).
    pub credentials: bool,
    /// Cookies the browser would attach to credentialed requests (never shown).
    #[serde(skip)]
    pub cookies: Option<String>,
    /// The body, for requests that have one.
    #[serde(skip)]
    pub body: Option<String>,
    /// Response headers the page's code reads.
    pub read_headers: Vec<String>,
    /// The API the page's code calls (`fetch()`, `XMLHttpRequest`): the
    /// browser words its console lines after it.
    pub initiator: Initiator,
}

impl CheckRequest {
    /// The scenario without answers.
    pub fn scenario(&self) -> Scenario {
        Scenario {
            page_origin: self.page_origin.clone(),
            request: RequestSpec {
                url: self.url.clone(),
                method: self.method.clone(),
                headers: self.headers.clone(),
                credentials: if self.credentials {
                    CredentialsMode::Include
                } else {
                    CredentialsMode::SameOrigin
                },
                mode: Default::default(),
                initiator: self.initiator,
            },
            preflight: None,
            response: None,
            read_headers: self.read_headers.clone(),
            address_space: None,
        }
    }
}

/// The outcome of a check.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// The scenario with every answer received.
    pub scenario: Scenario,
    /// The browser model's verdict on it.
    pub verdict: Verdict,
    /// The exchanges, in order, redacted.
    pub exchanges: Vec<Exchange>,
    /// What was sent, unredacted, one per exchange (for the probes).
    pub wires: Vec<Wire>,
    /// The answers as received, unredacted, one per exchange.
    pub received: Vec<Option<Received>>,
    /// A network failure that ended the check, if any.
    pub network_error: Option<String>,
    /// The same failure, classified.
    pub network_failure: Option<NetworkFailure>,
    /// The request the doctor did not send because it may change data on
    /// the server (its method), when `send` was off.
    pub not_sent: Option<String>,
}

/// Whether a request with this method only reads: the doctor sends others
/// only when asked (`--send`).
pub fn is_read_only(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// `Sec-Fetch-Site` for a request from `page` to `target`.
pub fn fetch_site(page: &Url, target: &Url) -> &'static str {
    if page.origin() == target.origin() {
        return "same-origin";
    }
    let site = |u: &Url| {
        let host = u.host_str().unwrap_or_default();
        let domain = psl::domain_str(host).unwrap_or(host).to_owned();
        (u.scheme().to_owned(), domain)
    };
    if site(page) == site(target) {
        "same-site"
    } else {
        "cross-site"
    }
}

/// The wire form of what the browser sends, with what the browser adds on
/// its own (User-Agent, Sec-Fetch-Site, cookies on credentialed requests).
pub fn wire(outgoing: &Outgoing, page: Option<&Url>, cookies: Option<&str>) -> Wire {
    let mut headers = outgoing.headers.clone();
    if let (Some(page), Ok(target)) = (page, Url::parse(&outgoing.url)) {
        headers.push(("sec-fetch-site".into(), fetch_site(page, &target).into()));
    }
    headers.push(("user-agent".into(), USER_AGENT.into()));
    if outgoing.credentials {
        if let Some(c) = cookies {
            headers.push(("cookie".into(), c.to_owned()));
        }
    }
    Wire {
        method: outgoing.method.clone(),
        url: outgoing.url.clone(),
        headers,
    }
}

/// The answers at redirect depth `depth` (0: the first URL).
fn hop_at(
    scenario: &mut Scenario,
    depth: usize,
) -> Option<(&mut Option<Answer>, &mut Option<Answer>)> {
    if depth == 0 {
        return Some((&mut scenario.preflight, &mut scenario.response));
    }
    let mut answer = scenario.response.as_mut()?;
    for _ in 1..depth {
        answer = answer.next.as_deref_mut()?.response.as_mut()?;
    }
    let hop = answer.next.as_deref_mut()?;
    Some((&mut hop.preflight, &mut hop.response))
}

/// Runs the browser's exchanges against the live server.
/// Fails only when the request itself cannot be taken (a bad origin or URL).
pub async fn check(
    sender: &Sender,
    request: &CheckRequest,
    profile: Profile,
    send: bool,
) -> Result<Checked, ScenarioError> {
    let mut scenario = request.scenario();
    let page = Url::parse(&request.page_origin).ok();
    let mut exchanges = Vec::new();
    let mut received_all = Vec::new();
    let mut wires = Vec::new();
    let mut network_error = None;
    let mut failure = None;
    let mut not_sent = None;
    let explain = |s: &Scenario| corsair_core::explain(s, profile);
    let mut verdict = explain(&scenario)?;
    while verdict.outcome == Outcome::Incomplete && exchanges.len() < MAX_EXCHANGES {
        let Some(missing) = verdict.missing.clone() else {
            break;
        };
        let depth = verdict.urls.len().saturating_sub(1);
        let Some(outgoing) = missing.request else {
            // A redirect target: open its hop; the next run names the request.
            if depth == 0 {
                break;
            }
            let Some(prev) = hop_at(&mut scenario, depth - 1).and_then(|(_, r)| r.as_mut()) else {
                break;
            };
            prev.next = Some(Box::new(Hop::default()));
            verdict = explain(&scenario)?;
            continue;
        };
        let preflight = missing.stage == Stage::Preflight;
        if !preflight && !send && !is_read_only(&outgoing.method) {
            // A PUT or DELETE against a real API changes real data: the
            // preflight tells whether the browser would send it; sending it
            // is the user's call.
            not_sent = Some(outgoing.method.clone());
            break;
        }
        let wire = wire(&outgoing, page.as_ref(), request.cookies.as_deref());
        let body = if preflight || matches!(outgoing.method.as_str(), "GET" | "HEAD") {
            None
        } else {
            request.body.as_deref()
        };
        let purpose = if preflight {
            Purpose::Preflight
        } else {
            Purpose::Request
        };
        match sender.send(&wire, body).await {
            Ok(received) => {
                let answer = Answer {
                    status: received.status,
                    headers: received.headers.clone(),
                    next: None,
                };
                exchanges.push(Exchange {
                    purpose,
                    probe: None,
                    sent: redact_wire(&wire),
                    received: Some(redact_received(&received)),
                    error: None,
                });
                received_all.push(Some(received));
                wires.push(wire);
                let Some((pre, res)) = hop_at(&mut scenario, depth) else {
                    break;
                };
                if preflight {
                    *pre = Some(answer);
                } else {
                    *res = Some(answer);
                }
            }
            Err(e) => {
                let reason = e.to_string();
                exchanges.push(Exchange {
                    purpose,
                    probe: None,
                    sent: redact_wire(&wire),
                    received: None,
                    error: Some(reason.clone()),
                });
                received_all.push(None);
                wires.push(wire);
                network_error = Some(reason);
                failure = Some(NetworkFailure::of(&e));
                break;
            }
        }
        verdict = explain(&scenario)?;
    }
    if let Some(reason) = &network_error {
        network_failure(&mut verdict, reason);
    }
    Ok(Checked {
        scenario,
        verdict,
        exchanges,
        wires,
        received: received_all,
        network_error,
        network_failure: failure,
        not_sent,
    })
}

/// A network failure: the page sees the same "Failed to fetch" as for a CORS
/// block, but no CORS check ran.
fn network_failure(verdict: &mut Verdict, reason: &str) {
    let (stage, url) = verdict
        .missing
        .take()
        .map_or((Stage::Request, String::new()), |m| (m.stage, m.url));
    verdict.outcome = Outcome::Blocked;
    verdict.blocked = Some(Blocked {
        stage,
        cors_error: None,
        failed_parameter: String::new(),
        url,
        reason: format!("network error, not CORS: {reason}"),
    });
    verdict
        .findings
        .insert(0, findings::not_a_cors_error(reason));
}
