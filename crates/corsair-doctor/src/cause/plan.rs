//! The read-only exchanges that tell causes apart, and what their answers
//! show: a plain OPTIONS, a preflight for GET alone, the same request from
//! nearby origins.

use url::Url;

use super::refusals::refusal_status;
use super::{header, is_preflight, with_origin};
use crate::check::{CheckRequest, Checked};
use crate::exchange::{Received, Wire};

/// A read-only exchange sent to tell causes apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Probe {
    /// OPTIONS without Origin or Access-Control-Request-*.
    PlainOptions,
    /// The preflight asking for GET alone, from the page's origin.
    MinimalPreflight,
    /// The blocked exchange again from another origin.
    Origin(String),
}

impl Probe {
    pub(super) fn name(&self) -> String {
        match self {
            Probe::PlainOptions => "cause:plain-options".into(),
            Probe::MinimalPreflight => "cause:preflight-for-get".into(),
            Probe::Origin(o) => format!("cause:origin {o}"),
        }
    }
}

/// The answers of the cause probes, in the order planned.
pub(super) struct Seen {
    pub(super) probes: Vec<(Probe, usize, Option<Received>)>,
}

impl Seen {
    pub(super) fn get(&self, want: &Probe) -> Option<(usize, &Received)> {
        self.probes
            .iter()
            .find(|(p, _, _)| p == want)
            .and_then(|(_, i, r)| r.as_ref().map(|r| (*i, r)))
    }
}

/// The exchanges that tell the possible causes apart, for this block.
pub(super) fn plan(
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
pub(super) fn allows(answer: &Received, origin: &str, preflight: bool) -> bool {
    if preflight && !(200..300).contains(&answer.status) {
        return false;
    }
    let mut values = answer.values("access-control-allow-origin");
    match (values.next(), values.next()) {
        (Some(v), None) => v.trim() == origin || v.trim() == "*",
        _ => false,
    }
}

/// The origins the probes found allowed, and the evidence lines.
pub(super) fn working_origins(seen: &Seen, preflight: bool) -> (Vec<String>, Vec<String>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
