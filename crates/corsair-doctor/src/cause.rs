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

use corsair_core::catalog::Slug;
use corsair_core::verdict::Stage;
use corsair_core::{Outcome, ScenarioError};
use serde::Serialize;
use url::Url;

use crate::check::{CheckRequest, Checked};
use crate::exchange::{redact_received, redact_wire, Exchange, Purpose, Received, Redactor, Wire};
use crate::network::NetworkFailure;
use crate::send::Sender;

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

/// A read-only exchange sent to tell causes apart.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Probe {
    /// OPTIONS without Origin or Access-Control-Request-*.
    PlainOptions,
    /// The preflight asking for GET alone, from the page's origin.
    MinimalPreflight,
    /// The blocked exchange again from another origin.
    Origin(String),
}

impl Probe {
    fn name(&self) -> String {
        match self {
            Probe::PlainOptions => "cause:plain-options".into(),
            Probe::MinimalPreflight => "cause:preflight-for-get".into(),
            Probe::Origin(o) => format!("cause:origin {o}"),
        }
    }
}

/// The answers of the cause probes, in the order planned.
struct Seen {
    probes: Vec<(Probe, usize, Option<Received>)>,
}

impl Seen {
    fn get(&self, want: &Probe) -> Option<(usize, &Received)> {
        self.probes
            .iter()
            .find(|(p, _, _)| p == want)
            .and_then(|(_, i, r)| r.as_ref().map(|r| (*i, r)))
    }
}

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

/// The exchanges that tell the possible causes apart, for this block.
fn plan(
    request: &CheckRequest,
    checked: &Checked,
    wire: &Wire,
    answer: &Received,
) -> Vec<(Probe, Wire)> {
    let mut out = Vec::new();
    let preflight = is_preflight(wire);
    let missing_acao = answer.first("access-control-allow-origin").is_none();
    if preflight && refusal_status(answer.status) {
        let plain = Wire {
            method: "OPTIONS".into(),
            url: wire.url.clone(),
            headers: wire
                .headers
                .iter()
                .filter(|(n, _)| {
                    let n = n.to_ascii_lowercase();
                    n == "user-agent" || n == "accept"
                })
                .cloned()
                .collect(),
        };
        out.push((Probe::PlainOptions, plain));
        let asks_more = header(wire, "access-control-request-method") != Some("GET")
            || header(wire, "access-control-request-headers").is_some();
        if asks_more {
            let mut minimal = wire.clone();
            minimal
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("access-control-request-headers"));
            for (n, v) in &mut minimal.headers {
                if n.eq_ignore_ascii_case("access-control-request-method") {
                    *v = "GET".into();
                }
            }
            out.push((Probe::MinimalPreflight, minimal));
        }
    }
    let refused_status = preflight && refusal_status(answer.status);
    let redirect = (300..400).contains(&answer.status);
    if (missing_acao || refused_status) && !redirect && checked.verdict.urls.len() <= 1 {
        // The same request from nearby origins: read-only (a preflight, or
        // the GET/HEAD the browser itself sent); anything else is asked as
        // a preflight, never replayed.
        let base = if preflight || matches!(wire.method.as_str(), "GET" | "HEAD") {
            wire.clone()
        } else {
            Wire {
                method: "OPTIONS".into(),
                url: wire.url.clone(),
                headers: vec![
                    ("origin".into(), request.page_origin.clone()),
                    ("access-control-request-method".into(), wire.method.clone()),
                    ("user-agent".into(), crate::check::USER_AGENT.into()),
                ],
            }
        };
        for origin in nearby_origins(&request.page_origin, &wire.url) {
            out.push((Probe::Origin(origin.clone()), with_origin(&base, &origin)));
        }
    }
    out
}

/// Origins a server that refuses the page's origin may well allow instead:
/// the page's with and without `www.`, with the other scheme, its
/// registrable domain, and the usual development servers. Never the page's
/// own origin.
pub fn nearby_origins(page_origin: &str, api_url: &str) -> Vec<String> {
    let Ok(page) = Url::parse(page_origin) else {
        return Vec::new();
    };
    let own = page.origin().ascii_serialization();
    let mut out: Vec<String> = Vec::new();
    let mut add = |o: String| {
        if o != own && !out.contains(&o) {
            out.push(o);
        }
    };
    let scheme = page.scheme();
    let port = page.port().map(|p| format!(":{p}")).unwrap_or_default();
    if let Some(url::Host::Domain(host)) = page.host() {
        let host = host.to_ascii_lowercase();
        if host != "localhost" && host.contains('.') {
            match host.strip_prefix("www.") {
                Some(bare) => add(format!("{scheme}://{bare}{port}")),
                None => add(format!("{scheme}://www.{host}{port}")),
            }
            if let Some(domain) = psl::domain_str(&host) {
                add(format!("{scheme}://{domain}"));
                if !host.starts_with("app.") {
                    add(format!("{scheme}://app.{domain}"));
                }
            }
        }
        let other = if scheme == "https" { "http" } else { "https" };
        if host != "localhost" {
            add(format!("{other}://{host}{port}"));
        }
    }
    // The development servers of the common frontend tools, unless the API
    // itself runs on them.
    let api_port = Url::parse(api_url)
        .ok()
        .and_then(|u| u.port_or_known_default());
    for p in [3000u16, 5173, 8080, 4200] {
        if Some(p) != api_port || page.host_str() != Some("localhost") {
            add(format!("http://localhost:{p}"));
        }
    }
    out.truncate(10);
    out
}

/// Whether `answer` lets `origin` read it (an exact echo, or `*`).
fn allows(answer: &Received, origin: &str, preflight: bool) -> bool {
    if preflight && !(200..300).contains(&answer.status) {
        return false;
    }
    let mut values = answer.values("access-control-allow-origin");
    match (values.next(), values.next()) {
        (Some(v), None) => v.trim() == origin || v.trim() == "*",
        _ => false,
    }
}

/// Words in a body or header that say authentication refused the request.
const AUTH_WORDS: [&str; 9] = [
    "unauthorized",
    "unauthenticated",
    "authentication",
    "not authenticated",
    "token",
    "jwt",
    "login",
    "credentials",
    "forbidden",
];

/// Signs that a CORS layer refused the preflight: which layer, and what
/// it refused when it says.
fn cors_refusal(answer: &Received) -> Option<(&'static str, Refused)> {
    let body = answer.body_prefix.to_ascii_lowercase();
    if body.contains("invalid cors request") {
        return Some((
            "Spring's CORS processor (\"Invalid CORS request\")",
            Refused::Unsaid,
        ));
    }
    // Starlette's CORSMiddleware (FastAPI): 400 "Disallowed CORS origin,
    // method, headers" (several when several fail).
    if body.contains("disallowed cors") {
        let what = if body.contains("disallowed cors origin") {
            Refused::Origin
        } else if body.contains("method") {
            Refused::Method
        } else if body.contains("header") {
            Refused::Headers
        } else {
            Refused::Unsaid
        };
        return Some(("Starlette's CORSMiddleware (\"Disallowed CORS …\")", what));
    }
    if let Some(reason) = answer.first("x-corsair-refusal") {
        // The refusal's code comes first (`method-not-allowed: …` in debug
        // mode); the rest may quote the request, so only the code is read.
        let code = reason.split(':').next().unwrap_or_default().trim();
        let what = match code.to_ascii_lowercase().as_str() {
            "origin-not-allowed" | "duplicate-origin" => Refused::Origin,
            "method-not-allowed" => Refused::Method,
            "header-not-allowed" | "request-headers-too-long" => Refused::Headers,
            _ => Refused::Unsaid,
        };
        return Some(("the Corsair gateway", what));
    }
    if answer
        .first("server")
        .is_some_and(|s| s.to_ascii_lowercase().contains("corsair"))
    {
        return Some(("the Corsair gateway", Refused::Unsaid));
    }
    if body.contains("cors") && (body.contains("origin") || body.contains("not allowed")) {
        return Some(("the server's CORS layer", Refused::Unsaid));
    }
    None
}

/// Statuses with which a layer refuses a preflight outright: auth (401,
/// 403), or a CORS layer that answers a refusal with an error (Spring's
/// 403, Starlette's 400).
fn refusal_status(status: u16) -> bool {
    matches!(status, 400 | 401 | 403)
}

/// What a CORS layer's refusal names, when its body says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refused {
    /// The origin.
    Origin,
    /// The method.
    Method,
    /// The request headers.
    Headers,
    /// It does not say.
    Unsaid,
}

fn auth_signs(answer: &Received) -> Option<String> {
    if let Some(v) = answer.first("www-authenticate") {
        return Some(format!("WWW-Authenticate: {v}"));
    }
    let body = answer.body_prefix.to_ascii_lowercase();
    AUTH_WORDS
        .iter()
        .find(|w| body.contains(**w))
        .map(|w| format!("the body mentions \"{w}\""))
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

fn network_cause(failure: &NetworkFailure) -> Cause {
    Cause {
        slug: Slug::NotACorsError,
        confidence: Confidence::Certain,
        layer: None,
        summary: failure.summary(),
        evidence: Vec::new(),
        fix: "Fix the connection first: no CORS header can help a request that gets no answer."
            .into(),
        works_from: Vec::new(),
        body: None,
        network: Some(failure.clone()),
        also: None,
    }
}

/// What kind of place a redirect sends the request to.
#[derive(Debug, PartialEq, Eq)]
enum RedirectKind {
    /// A sign-in page or identity provider.
    Login,
    /// The same URL with a trailing slash added or removed.
    TrailingSlash,
    /// The same URL over https.
    Https,
    /// Anywhere else.
    Elsewhere,
}

/// Path pieces and hosts of sign-in pages and identity providers.
const LOGIN_PATHS: [&str; 10] = [
    "/login",
    "/signin",
    "/sign-in",
    "/sso",
    "/saml",
    "/oauth",
    "/authorize",
    "/auth/",
    "/cas/",
    "/openid",
];
const LOGIN_HOSTS: [&str; 6] = [
    "accounts.google.com",
    "login.microsoftonline.com",
    ".okta.com",
    ".auth0.com",
    "login.",
    "sso.",
];

fn redirect_kind(from: &str, location: &str) -> (RedirectKind, String) {
    let Ok(from) = Url::parse(from) else {
        return (RedirectKind::Elsewhere, location.to_owned());
    };
    let Ok(to) = from.join(location) else {
        return (RedirectKind::Elsewhere, location.to_owned());
    };
    let path = to.path().to_ascii_lowercase();
    let host = to.host_str().unwrap_or_default().to_ascii_lowercase();
    let query = to.query().unwrap_or_default().to_ascii_lowercase();
    let shown = crate::exchange::redact_url(to.as_str());
    if LOGIN_PATHS.iter().any(|p| path.contains(p))
        || LOGIN_HOSTS
            .iter()
            .any(|h| host == h.trim_start_matches('.') || host.ends_with(h) || host.starts_with(h))
        || query.contains("redirect_uri=")
        || query.contains("returnurl=")
    {
        return (RedirectKind::Login, shown);
    }
    let same_origin = from.origin() == to.origin();
    let (a, b) = (from.path(), to.path());
    if same_origin
        && from.query() == to.query()
        && (a.trim_end_matches('/') == b.trim_end_matches('/'))
        && a != b
    {
        return (RedirectKind::TrailingSlash, shown);
    }
    if from.scheme() == "http"
        && to.scheme() == "https"
        && from.host_str() == to.host_str()
        && a == b
    {
        return (RedirectKind::Https, shown);
    }
    (RedirectKind::Elsewhere, shown)
}

fn redirect_cause(wire: &Wire, answer: &Received, index: usize, preflight: bool) -> Cause {
    let location = answer.first("location").unwrap_or_default();
    let (kind, to) = redirect_kind(&wire.url, location);
    let what = if preflight { "preflight" } else { "request" };
    let evidence = vec![format!(
        "#{index}: the {what} was answered {} with Location: {to}",
        answer.status
    )];
    let (slug, summary, fix) = match kind {
        RedirectKind::Login => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API answers an unauthenticated {what} with a redirect to a sign-in page ({to}): a login page is for people, and the browser follows it with CORS rules and blocks it."),
            "Make the API answer an unauthenticated API call with 401 (and CORS headers) instead of redirecting to the login page; the page reads the 401 and starts the sign-in itself. (Calling the login URL directly would not help.)".to_owned(),
        ),
        RedirectKind::TrailingSlash => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API redirects {} to {to}: the same path with the trailing slash {}. {}", wire.url, if to.ends_with('/') { "added" } else { "removed" }, if preflight { "Browsers never follow a redirect on a preflight." } else { "The redirect carries no CORS headers, so the browser stops there." }),
            format!("Call {to} from the page (the URL the API expects), or make the framework stop redirecting (e.g. Django APPEND_SLASH, FastAPI redirect_slashes=False, nginx's directory redirect)."),
        ),
        RedirectKind::Https => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API redirects plain http to https ({to}). {}", if preflight { "Browsers never follow a redirect on a preflight." } else { "The redirect carries no CORS headers, so the browser stops there." }),
            "Call the API over https:// in the page's configuration (its base URL).".to_owned(),
        ),
        RedirectKind::Elsewhere => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API answers the {what} with a {} redirect to {to}.", answer.status),
            if preflight {
                "Answer the preflight at this URL itself (204 with the CORS headers), or call the final URL if the redirect is permanent.".to_owned()
            } else {
                "Put the CORS headers on the redirect answer too, or call the final URL if the redirect is permanent.".to_owned()
            },
        ),
    };
    // Only a redirect elsewhere is cured by CORS headers on it; the others
    // need the page or the API to change.
    let also = (kind != RedirectKind::Elsewhere).then(|| fix.clone());
    Cause {
        slug,
        confidence: Confidence::Certain,
        layer: server_of(answer),
        summary,
        evidence,
        fix,
        works_from: Vec::new(),
        body: None,
        network: None,
        also,
    }
}

/// The origins the probes found allowed, and the evidence lines.
fn working_origins(seen: &Seen, preflight: bool) -> (Vec<String>, Vec<String>) {
    let mut works = Vec::new();
    let mut evidence = Vec::new();
    for (probe, i, r) in &seen.probes {
        if let (Probe::Origin(o), Some(r)) = (probe, r) {
            if allows(r, o, preflight) {
                works.push(o.clone());
                evidence.push(format!("#{i}: from {o}, the answer allows it"));
            }
        }
    }
    (works, evidence)
}

fn decide(
    request: &CheckRequest,
    checked: &Checked,
    index: usize,
    wire: &Wire,
    answer: &Received,
    seen: &Seen,
) -> Option<Cause> {
    let blocked = checked.verdict.blocked.as_ref()?;
    let preflight = is_preflight(wire);
    let origin = header(wire, "origin")
        .unwrap_or(&request.page_origin)
        .to_owned();
    let layer = server_of(answer);
    if (300..400).contains(&answer.status) && answer.first("location").is_some() {
        return Some(redirect_cause(wire, answer, index, preflight));
    }
    let (works_from, works_evidence) = working_origins(seen, preflight);
    let body = body_excerpt(answer);
    let origin_refused = |confidence: Confidence,
                          layer: Option<String>,
                          mut evidence: Vec<String>| {
        evidence.extend(works_evidence.clone());
        let works = if works_from.is_empty() {
            String::new()
        } else {
            format!(
                " It does answer {}: the origin is what differs.",
                works_from.join(", ")
            )
        };
        Cause {
            slug: Slug::OriginMismatch,
            confidence,
            layer,
            summary: format!("The server's CORS allow-list does not include {origin}.{works}"),
            evidence,
            fix: format!("Add {origin} to the allowed origins of the layer that answers CORS (exactly as the browser sends it: scheme, host and port, no trailing slash). If the list comes from an environment variable, check it is set in this environment."),
            works_from: works_from.clone(),
            body: None,
            network: None,
            also: None,
        }
    };
    if preflight && refusal_status(answer.status) {
        let mut evidence = vec![format!(
            "#{index}: the preflight was answered {}",
            answer.status
        )];
        let plain = seen.get(&Probe::PlainOptions);
        let minimal = seen.get(&Probe::MinimalPreflight);
        let auth = auth_signs(answer);
        if let Some((refuser, what)) = cors_refusal(answer) {
            evidence.push(format!("#{index}: the answer is {refuser}'s refusal"));
            let minimal_passes = minimal.filter(|(_, m)| allows(m, &origin, true));
            if let Some((i, _)) = minimal_passes {
                evidence.push(format!(
                    "#{i}: a preflight for GET alone from the same origin passes"
                ));
            }
            return Some(match (what, minimal_passes) {
                (Refused::Method | Refused::Headers, _) | (Refused::Unsaid, Some(_)) => {
                    method_or_headers_refused(
                        checked,
                        answer,
                        evidence,
                        Some(refuser.to_owned()),
                        what,
                    )
                }
                (Refused::Origin | Refused::Unsaid, _) => {
                    origin_refused(Confidence::Certain, Some(refuser.to_owned()), evidence)
                }
            });
        }
        if answer.status == 400 && auth.is_none() {
            // A 400 that names neither CORS nor auth: the model's own
            // finding (a preflight needs a 2xx) says all that is known.
            return None;
        }
        let plain_refused = plain.map(|(i, p)| (i, matches!(p.status, 401 | 403), p.status));
        match (plain_refused, &auth) {
            (Some((i, true, s)), _) => {
                evidence.push(format!(
                    "#{i}: a plain OPTIONS without Origin is refused too ({s})"
                ));
                if let Some(a) = &auth {
                    evidence.push(format!("#{index}: {a}"));
                }
                let confidence = if auth.is_some() || answer.status == 401 {
                    Confidence::Certain
                } else {
                    Confidence::Likely
                };
                return Some(Cause {
                    slug: Slug::PreflightBlockedByAuth,
                    confidence,
                    layer: Some(match &layer {
                        Some(l) => format!("an authentication layer ({l})"),
                        None => "an authentication layer".into(),
                    }),
                    summary: "Authentication runs before CORS and refuses every OPTIONS request: browsers never send cookies or Authorization on a preflight, so the preflight can never pass it.".into(),
                    evidence,
                    fix: "Let preflights through before authentication: mount the CORS middleware first, or exempt OPTIONS requests (those with Access-Control-Request-Method) from the auth check; a WAF or API gateway in front needs the same exemption.".into(),
                    works_from: Vec::new(),
                    body,
                    network: None,
                    also: None,
                });
            }
            (Some((i, false, s)), _) => {
                evidence.push(format!("#{i}: a plain OPTIONS without Origin is answered {s}: only CORS preflights are refused"));
                if let Some((j, m)) = minimal {
                    if allows(m, &origin, true) {
                        evidence.push(format!(
                            "#{j}: a preflight for GET alone from the same origin passes"
                        ));
                        return Some(method_or_headers_refused(
                            checked,
                            answer,
                            evidence,
                            layer,
                            Refused::Unsaid,
                        ));
                    }
                }
                let confidence = if works_from.is_empty() {
                    Confidence::Likely
                } else {
                    Confidence::Certain
                };
                return Some(origin_refused(confidence, layer, evidence));
            }
            (None, Some(a)) => {
                evidence.push(format!("#{index}: {a}"));
                return Some(Cause {
                    slug: Slug::PreflightBlockedByAuth,
                    confidence: Confidence::Likely,
                    layer,
                    summary: "Authentication appears to run before CORS: the preflight carries no credentials, so it is refused.".into(),
                    evidence,
                    fix: "Answer OPTIONS preflights before authentication: mount the CORS middleware first, or exempt OPTIONS requests from auth.".into(),
                    works_from: Vec::new(),
                    body,
                    network: None,
                    also: None,
                });
            }
            (None, None) => return None,
        }
    }
    let missing = answer.first("access-control-allow-origin").is_none();
    if preflight && missing && (200..300).contains(&answer.status) && works_from.is_empty() {
        if let Some(allow) = answer.first("allow") {
            // Express, Flask and others answer OPTIONS themselves, listing
            // the route's methods, when no CORS layer handles it.
            return Some(Cause {
                slug: Slug::PreflightNotHandled,
                confidence: Confidence::Likely,
                layer: server_of(answer).map(|s| format!("the framework's automatic OPTIONS answer ({s})")).or_else(|| Some("the framework's automatic OPTIONS answer".into())),
                summary: format!("The preflight was answered by the framework's own OPTIONS handling (Allow: {}), not by a CORS layer: CORS does not run for OPTIONS on this path (applied to the route's other methods only, or not at all).", corsair_core::printable::excerpt(allow, 80)),
                evidence: vec![format!("#{index}: {} with Allow: {} and no Access-Control-Allow-Origin", answer.status, corsair_core::printable::excerpt(allow, 80))],
                fix: "Apply the CORS middleware to every method of this path, ahead of the routes (Express: `app.use(cors(options))` before the routers rather than on one `app.post`; Flask: CORS(app) or `@cross_origin` on a route that accepts OPTIONS), so it answers the preflight.".into(),
                works_from: Vec::new(),
                body: None,
                network: None,
                also: None,
            });
        }
    }
    if missing && blocked.cors_error.is_some() {
        let varies = answer
            .values("vary")
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("origin"));
        if !works_from.is_empty() {
            let mut evidence = vec![format!(
                "#{index}: from {origin}, no Access-Control-Allow-Origin (status {})",
                answer.status
            )];
            if varies {
                evidence.push(format!(
                    "#{index}: Vary: Origin: the answer depends on the origin"
                ));
            }
            let mut cause = origin_refused(Confidence::Certain, layer, evidence);
            cause.body = body;
            return Some(cause);
        }
        if varies && answer.status < 400 {
            let evidence = vec![format!(
                "#{index}: Vary: Origin but no Access-Control-Allow-Origin for {origin}: a CORS layer is there and refuses this origin"
            )];
            return Some(origin_refused(Confidence::Likely, layer, evidence));
        }
        if answer.status >= 400 {
            let stage = if blocked.stage == Stage::Preflight {
                "preflight"
            } else {
                "request"
            };
            return Some(Cause {
                slug: if preflight && matches!(answer.status, 404 | 405 | 501) {
                    Slug::PreflightNotHandled
                } else {
                    Slug::ErrorResponseWithoutCors
                },
                confidence: Confidence::Likely,
                layer,
                summary: format!("The {stage} was answered {} without CORS headers: the page sees a CORS error instead of this error{}.", answer.status, if body.is_some() { " (its message is below)" } else { "" }),
                evidence: vec![format!("#{index}: {} with no Access-Control-Allow-Origin", answer.status)],
                fix: "Fix the error itself (its message is the real problem), and make the CORS layer answer errors too: mount it before auth, error handlers and body parsers (nginx: `add_header … always`).".into(),
                works_from: Vec::new(),
                // With CORS on errors the page reads this error; the error
                // itself is the server's (or the request's) to fix.
                also: Some(format!("The {stage} itself fails with {}{}: once CORS headers are on errors too, the page reads this error; fix what causes it.", answer.status, if body.is_some() { " (the server's message is shown with the cause)" } else { "" })),
                body,
                network: None,
            });
        }
    }
    None
}

/// A preflight refused although the origin is allowed: the method or the
/// headers it asks for are not.
fn method_or_headers_refused(
    checked: &Checked,
    answer: &Received,
    evidence: Vec<String>,
    layer: Option<String>,
    said: Refused,
) -> Cause {
    let p = &checked.verdict.preflight;
    let acrh = p.access_control_request_headers().unwrap_or_default();
    // The refusal may still list what the layer allows (Starlette's does):
    // then the names it lacks are known exactly.
    let allowed_headers: Vec<String> = answer
        .values("access-control-allow-headers")
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    let missing: Vec<&str> = acrh
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .filter(|h| {
            allowed_headers.is_empty() || !allowed_headers.iter().any(|a| a == h || a == "*")
        })
        .collect();
    let headers = missing.join(", ");
    let method = &checked.verdict.request.method;
    let method_only = acrh.is_empty() || said == Refused::Method;
    let safelisted = corsair_core::method::is_safelisted(method);
    let what = match (said, acrh.is_empty(), safelisted) {
        (Refused::Method, _, _) | (_, true, _) => format!("the method {method}"),
        (Refused::Headers, false, _) | (_, false, true) => format!("the request headers {headers}"),
        (_, false, false) => format!("the method {method} or the request headers {headers}"),
    };
    let confidence = if said == Refused::Unsaid {
        Confidence::Likely
    } else {
        Confidence::Certain
    };
    Cause {
        slug: if method_only {
            Slug::MethodNotAllowed
        } else {
            Slug::HeaderNotAllowed
        },
        confidence,
        layer,
        summary: format!("The origin is allowed, but the CORS layer refuses the preflight for {what}: it answers {} instead of a preflight that allows it.", answer.status),
        evidence,
        fix: format!("Allow {what} in the CORS configuration (allowed methods / allowed headers)."),
        works_from: Vec::new(),
        body: None,
        network: None,
        also: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_told_apart() {
        let cases = [
            (
                "https://api.example.com/items",
                "/items/",
                RedirectKind::TrailingSlash,
            ),
            (
                "https://api.example.com/items/",
                "https://api.example.com/items",
                RedirectKind::TrailingSlash,
            ),
            (
                "http://api.example.com/items",
                "https://api.example.com/items",
                RedirectKind::Https,
            ),
            (
                "https://api.example.com/items",
                "/login?next=/items",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://accounts.google.com/o/oauth2/v2/auth?client_id=x",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://acme.okta.com/app/x",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://idp.example.com/x?redirect_uri=https%3A%2F%2Fapi",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://cdn.example.com/items",
                RedirectKind::Elsewhere,
            ),
            ("https://api.example.com/v1", "/v2", RedirectKind::Elsewhere),
        ];
        for (from, to, want) in cases {
            assert_eq!(redirect_kind(from, to).0, want, "{from} -> {to}");
        }
    }

    #[test]
    fn nearby_origins_are_plausible_and_never_the_page() {
        let o = nearby_origins(
            "https://www.app.example.co.uk",
            "https://api.example.co.uk/x",
        );
        assert!(o.contains(&"https://app.example.co.uk".to_owned()), "{o:?}");
        assert!(o.contains(&"https://example.co.uk".to_owned()), "{o:?}");
        assert!(
            o.contains(&"http://www.app.example.co.uk".to_owned()),
            "{o:?}"
        );
        assert!(o.contains(&"http://localhost:3000".to_owned()));
        assert!(!o.contains(&"https://www.app.example.co.uk".to_owned()));
        let local = nearby_origins("http://localhost:5173", "http://localhost:8000/api");
        assert!(!local.contains(&"http://localhost:5173".to_owned()));
        assert!(local.contains(&"http://localhost:3000".to_owned()));
        assert!(local.iter().all(|o| !o.contains("www.localhost")));
        assert!(nearby_origins("not a url", "x").is_empty());
        let ip = nearby_origins("http://10.0.0.5:8080", "http://10.0.0.6/api");
        assert!(ip.iter().all(|o| !o.contains("www.")), "{ip:?}");
    }

    #[test]
    fn spring_refusal_is_recognised() {
        let answer = Received {
            status: 403,
            version: "HTTP/1.1".into(),
            headers: vec![("vary".into(), "Origin".into())],
            body_prefix: "Invalid CORS request".into(),
            remote: String::new(),
            elapsed_ms: 0.0,
        };
        assert!(cors_refusal(&answer).is_some_and(|(l, _)| l.contains("Spring")));
        let starlette = Received {
            status: 400,
            body_prefix: "Disallowed CORS headers".into(),
            ..answer.clone()
        };
        assert_eq!(
            cors_refusal(&starlette).map(|r| r.1),
            Some(Refused::Headers)
        );
        assert!(auth_signs(&answer).is_none());
    }
}
