//! Probes beyond the browser's own requests, each finding backed by the
//! exchange that shows it: the error path (the request without its
//! credentials, a path that does not exist), and the security probes of
//! crafted origins derived from the page's real one. An origin counts as
//! trusted only when the answer names it in Access-Control-Allow-Origin
//! *and* allows credentials: an API that lets anyone read public data
//! without cookies (`*`, or any origin echoed without credentials) is not a
//! hole, and is not reported as one.
//!
//! `outcome` names each probe and reads what its answer showed; `origins`
//! crafts the origins and writes the finding for one that is trusted; this
//! file plans the probes, sends them and gathers the findings.

mod origins;
mod outcome;

use corsair_core::catalog::{Finding, Severity, Slug};
use corsair_core::cors_check;
use corsair_core::verdict::Outgoing;
use corsair_core::{Outcome, Profile};
use serde::Serialize;
use url::Url;

use crate::check::{wire, CheckRequest, Checked};
use crate::exchange::{redact_received, redact_wire, Exchange, Purpose, Received, Wire};
use crate::send::Sender;
use origins::security_finding;
use outcome::trusts_with_credentials;

pub use origins::{on_shared_hosting, origin_probes, OriginProbe, SHARED_HOSTING};
pub use outcome::{
    auth_refuses_page, outcome, outcomes, refused_by_auth, ProbeKind, ProbeOutcome, ProbeResult,
};

/// A finding and the exchange that shows it (an index into the report's
/// exchanges).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidenced {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The exchange that shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<usize>,
}

/// The base request the probes vary: the preflight as it was sent (it
/// changes nothing on the server), else a GET with the browser's own headers.
fn probe_base(request: &CheckRequest, checked: &Checked) -> Wire {
    let sent_preflight = checked
        .exchanges
        .first()
        .filter(|e| e.purpose == Purpose::Preflight)
        .and(checked.wires.first());
    if let Some(preflight) = sent_preflight {
        return preflight.clone();
    }
    let get = Outgoing {
        method: "GET".into(),
        url: request.url.clone(),
        headers: vec![
            ("accept".into(), "*/*".into()),
            ("sec-fetch-mode".into(), "cors".into()),
            ("sec-fetch-dest".into(), "empty".into()),
        ],
        credentials: request.cookies.is_some(),
    };
    let page = Url::parse(&request.page_origin).ok();
    wire(&get, page.as_ref(), request.cookies.as_deref())
}

fn with_origin(base: &Wire, origin: &str) -> Wire {
    let mut w = base.clone();
    w.headers.retain(|(n, _)| n != "origin");
    w.headers.insert(0, ("origin".into(), origin.into()));
    w
}

/// The actual request as sent last (unredacted) and its answer.
fn last_request(checked: &Checked) -> Option<(&Wire, &Received)> {
    let i = checked
        .exchanges
        .iter()
        .rposition(|e| e.purpose == Purpose::Request && e.received.is_some())?;
    Some((checked.wires.get(i)?, checked.received.get(i)?.as_ref()?))
}

/// The probes' exchanges (numbered from `first_index` in the report) and
/// findings.
pub async fn run(
    sender: &Sender,
    request: &CheckRequest,
    checked: &Checked,
    first_index: usize,
    profile: Profile,
) -> (Vec<Exchange>, Vec<Evidenced>) {
    let mut planned: Vec<(String, Wire, Option<OriginProbe>)> = Vec::new();
    let Ok(page) = Url::parse(&request.page_origin) else {
        return (Vec::new(), Vec::new());
    };
    let page_origin = page.origin().ascii_serialization();
    if checked.network_error.is_none() {
        let base = probe_base(request, checked);
        for probe in origin_probes(&page) {
            planned.push((
                probe.kind.name().to_owned(),
                with_origin(&base, &probe.origin),
                Some(probe),
            ));
        }
    }
    // The error path: only meaningful when the request itself is readable.
    // A request that may change data is never repeated (even when --send
    // let the doctor send it once): its error path is asked with a GET of
    // the same URL, which reads only; any error answer shows whether errors
    // keep their CORS headers.
    let allowed = checked.verdict.outcome == Outcome::Allowed;
    let read_only = last_request(checked).map(|(w, _)| {
        let mut w = w.clone();
        if !crate::check::is_read_only(&w.method) {
            w.method = "GET".into();
            w.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        }
        w
    });
    if let (true, Some(real)) = (allowed, read_only.as_ref()) {
        let credentialed = real
            .headers
            .iter()
            .any(|(n, _)| n == "authorization" || n == "cookie");
        if credentialed {
            let mut w = real.clone();
            w.headers
                .retain(|(n, _)| n != "authorization" && n != "cookie");
            planned.push(("without-credentials".into(), w, None));
        }
        if let Ok(mut u) = Url::parse(&real.url) {
            let path = format!(
                "{}/corsair-probe-does-not-exist",
                u.path().trim_end_matches('/')
            );
            u.set_path(&path);
            u.set_query(None);
            let mut w = real.clone();
            w.url = u.to_string();
            planned.push(("missing-path".into(), w, None));
        }
    }
    let done = sender
        .send_each(
            planned
                .into_iter()
                .map(|(name, wire, probe)| ((name, probe), wire))
                .collect(),
        )
        .await;
    let include = request.credentials || request.cookies.is_some();
    let mut exchanges = Vec::new();
    let mut found: Vec<Evidenced> = Vec::new();
    let mut reflected = false;
    // Origin probes that authentication refused: they tell nothing.
    let mut inconclusive: Vec<(usize, String)> = Vec::new();
    let base_is_preflight =
        matches!(checked.exchanges.first(), Some(e) if e.purpose == Purpose::Preflight);
    let auth_first = checked
        .received
        .first()
        .and_then(Option::as_ref)
        .is_some_and(refused_by_auth);
    for ((name, probe), wire, result) in done {
        let index = first_index + exchanges.len();
        let (received, error) = match result {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        if let Some(r) = &received {
            match &probe {
                Some(p)
                    if auth_first
                        && refused_by_auth(r)
                        && !trusts_with_credentials(r, &p.origin) =>
                {
                    inconclusive.push((index, p.origin.clone()));
                }
                Some(p) if trusts_with_credentials(r, &p.origin) => {
                    reflected |= p.slug == Slug::ReflectsAnyOrigin;
                    // Any origin on shared hosting (the PSL's private
                    // section) is a site anyone can publish.
                    let slug = match Url::parse(&p.origin).ok().as_ref().and_then(Url::host_str) {
                        Some(h) if p.slug != Slug::ReflectsAnyOrigin && on_shared_hosting(h) => {
                            Slug::ThirdPartyOriginTrusted
                        }
                        _ => p.slug,
                    };
                    if !found.iter().any(|f| f.finding.slug == slug) {
                        let p = OriginProbe { slug, ..p.clone() };
                        found.push(Evidenced {
                            finding: security_finding(&p, &page_origin),
                            evidence: Some(index),
                        });
                    }
                }
                Some(_) => {}
                None => {
                    let passes =
                        cors_check::check(&r.headers, &page_origin, include, profile).is_ok();
                    if r.status >= 400
                        && !passes
                        && !found
                            .iter()
                            .any(|f| f.finding.slug == Slug::ErrorResponseWithoutCors)
                    {
                        let what = if name == "missing-path" {
                            "a path that does not exist"
                        } else {
                            "the same request without its Authorization and cookies"
                        };
                        found.push(Evidenced {
                            finding: Finding::new(
                                Slug::ErrorResponseWithoutCors,
                                format!("The request itself gets CORS headers, but {what} was answered {} without them: when this call fails (an expired token, a missing record, a crash), the page sees a CORS error instead of the real status.", r.status),
                                format!("Put Access-Control-Allow-Origin: {page_origin} (and Vary: Origin) on error responses too: mount the CORS middleware before authentication, routing and error handlers; in nginx use `add_header ... always`."),
                            ),
                            evidence: Some(index),
                        });
                    }
                }
            }
        }
        exchanges.push(Exchange {
            purpose: Purpose::Probe,
            probe: Some(name),
            sent: redact_wire(&wire),
            received: received.as_ref().map(redact_received),
            error,
        });
    }
    // A plain suffix check also accepts the unescaped-dot probe
    // (`appxexample.com` ends with `example.com`): one root cause.
    if found.iter().any(|f| f.finding.slug == Slug::SuffixMatch) {
        found.retain(|f| f.finding.slug != Slug::UnescapedDot);
    }
    // Authentication refused the origin probes: say so once, never
    // "nothing found".
    if let Some((first, _)) = inconclusive.first() {
        let why = if base_is_preflight {
            "the probes are preflights, which never carry credentials, and they were answered 401/403: authentication runs before CORS, so the answer says nothing about which origins CORS would trust"
        } else {
            "they were answered 401/403: authentication refused them before CORS answered, so the answer says nothing about which origins CORS would trust"
        };
        let mut f = Finding::new(
            Slug::PreflightBlockedByAuth,
            format!("{} of the crafted-origin probes are inconclusive: {why}.", inconclusive.len()),
            "Run the CORS layer before authentication (it must answer the preflight without credentials), then check again; or pass the credentials (-H 'Authorization: …', -b) so the probes get past authentication.".into(),
        );
        f.severity = Severity::Info;
        f.title = "Security probes inconclusive: authentication refused them".into();
        found.push(Evidenced {
            finding: f,
            evidence: Some(*first),
        });
    }
    // Echo-all explains every other crafted origin: report the root cause only.
    if reflected {
        found.retain(|f| {
            !matches!(
                f.finding.slug,
                Slug::PrefixMatch
                    | Slug::SuffixMatch
                    | Slug::SubstringMatch
                    | Slug::UnescapedDot
                    | Slug::AnySubdomainTrusted
                    | Slug::ThirdPartyOriginTrusted
                    | Slug::InsecureOriginTrusted
                    | Slug::LocalhostInProduction
            )
        });
    }
    (exchanges, found)
}
