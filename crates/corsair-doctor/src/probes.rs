//! Probes beyond the browser's own requests, each finding backed by the
//! exchange that shows it: the error path (the request without its
//! credentials, a path that does not exist), and the security probes of
//! crafted origins derived from the page's real one. An origin counts as
//! trusted only when the answer names it in Access-Control-Allow-Origin
//! *and* allows credentials: an API that lets anyone read public data
//! without cookies (`*`, or any origin echoed without credentials) is not a
//! hole, and is not reported as one.

use corsair_core::catalog::{Finding, Severity, Slug};
use corsair_core::cors_check;
use corsair_core::verdict::Outgoing;
use corsair_core::{findings, Outcome, Profile};
use serde::Serialize;
use url::Url;

use crate::check::{wire, CheckRequest, Checked};
use crate::exchange::{redact_received, redact_wire, Exchange, Purpose, Received, Wire};
use crate::send::Sender;

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

/// What a probe tests; its name in the report (`exchanges[].probe`) and in
/// the JSON (`findings[].probe.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeKind {
    /// A made-up origin: is any origin echoed?
    Reflection,
    /// `Origin: null`.
    Null,
    /// The real host followed by another domain.
    Prefix,
    /// The real host, `_` and another domain (a prefix check that stops at `_`).
    SpecialCharacter,
    /// Another name ending with the registrable domain.
    Suffix,
    /// The registrable domain without its first character.
    Substring,
    /// The real origin cut short (a prefix of it): caught by `allowed.includes(origin)`.
    TruncatedOrigin,
    /// A dot of the host replaced by a letter.
    UnescapedDot,
    /// A subdomain of the real host.
    Subdomain,
    /// The real host over plain http.
    Http,
    /// A development origin on localhost.
    Localhost,
    /// A site on shared hosting (the Public Suffix List's private section).
    ThirdParty,
    /// The request without its credentials (the error path).
    WithoutCredentials,
    /// A path that does not exist (the error path).
    MissingPath,
}

impl ProbeKind {
    /// Every kind.
    pub const ALL: &'static [ProbeKind] = &[
        ProbeKind::Reflection,
        ProbeKind::Null,
        ProbeKind::Prefix,
        ProbeKind::SpecialCharacter,
        ProbeKind::Suffix,
        ProbeKind::Substring,
        ProbeKind::TruncatedOrigin,
        ProbeKind::UnescapedDot,
        ProbeKind::Subdomain,
        ProbeKind::Http,
        ProbeKind::Localhost,
        ProbeKind::ThirdParty,
        ProbeKind::WithoutCredentials,
        ProbeKind::MissingPath,
    ];

    /// The kebab-case name, as in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Reflection => "reflection",
            ProbeKind::Null => "null",
            ProbeKind::Prefix => "prefix",
            ProbeKind::SpecialCharacter => "special-character",
            ProbeKind::Suffix => "suffix",
            ProbeKind::Substring => "substring",
            ProbeKind::TruncatedOrigin => "truncated-origin",
            ProbeKind::UnescapedDot => "unescaped-dot",
            ProbeKind::Subdomain => "subdomain",
            ProbeKind::Http => "http",
            ProbeKind::Localhost => "localhost",
            ProbeKind::ThirdParty => "third-party",
            ProbeKind::WithoutCredentials => "without-credentials",
            ProbeKind::MissingPath => "missing-path",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<ProbeKind> {
        ProbeKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// What one origin probe showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeResult {
    /// The crafted origin was trusted with credentials.
    Trusted,
    /// The answer did not trust it.
    Refused,
    /// The answer tells nothing: authentication (401/403) refused the probe
    /// before CORS could answer, or no answer came.
    Inconclusive,
}

/// A probe as the JSON shows it on a finding: its kind, the Origin sent and
/// what it showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProbeOutcome {
    /// What the probe tests.
    pub kind: ProbeKind,
    /// The Origin sent, for origin probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// What it showed.
    pub result: ProbeResult,
}

/// Whether an answer is authentication refusing the request (401/403).
/// For a crafted origin, that says nothing about the CORS policy behind it
/// only when the page's own origin is refused the same way: a CORS layer
/// may answer 403 to an origin it refuses (Spring does), which is a refusal.
pub fn refused_by_auth(received: &Received) -> bool {
    // A CORS layer's own 403 varies by Origin or says so ("Invalid CORS
    // request"): that is the policy answering, not authentication.
    let cors_layer = received
        .values("vary")
        .any(|v| v.to_ascii_lowercase().contains("origin"))
        || received.body_prefix.to_ascii_lowercase().contains("cors");
    received.status == 401 || (received.status == 403 && !cors_layer)
}

/// Whether authentication refuses the browser's own first exchange (the one
/// the origin probes vary): then a 401/403 to a probe is inconclusive.
pub fn auth_refuses_page(exchanges: &[Exchange]) -> bool {
    exchanges
        .iter()
        .find(|e| e.purpose != Purpose::Probe)
        .and_then(|e| e.received.as_ref())
        .is_some_and(refused_by_auth)
}

/// What each exchange of a report showed as a probe (`None` for the
/// browser's own exchanges and the doctor's other checks), for the JSON.
pub fn outcomes(exchanges: &[Exchange]) -> Vec<Option<ProbeOutcome>> {
    let auth_first = auth_refuses_page(exchanges);
    exchanges.iter().map(|e| outcome(e, auth_first)).collect()
}

/// What one probe exchange showed; `auth_first`: authentication refuses the
/// page's own origin too ([`auth_refuses_page`]).
pub fn outcome(exchange: &Exchange, auth_first: bool) -> Option<ProbeOutcome> {
    if exchange.purpose != Purpose::Probe {
        return None;
    }
    let kind = ProbeKind::from_name(exchange.probe.as_deref()?)?;
    let origin = exchange
        .sent
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("origin"))
        .map(|(_, v)| v.clone());
    let error_path = matches!(kind, ProbeKind::WithoutCredentials | ProbeKind::MissingPath);
    let result = match (&exchange.received, &origin) {
        (None, _) => ProbeResult::Inconclusive,
        (Some(r), Some(o)) if trusts_with_credentials(r, o) => ProbeResult::Trusted,
        (Some(r), _) if auth_first && !error_path && refused_by_auth(r) => {
            ProbeResult::Inconclusive
        }
        _ => ProbeResult::Refused,
    };
    Some(ProbeOutcome {
        kind,
        origin,
        result,
    })
}

/// One crafted origin and what trusting it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginProbe {
    /// What it tests (its name in the report).
    pub kind: ProbeKind,
    /// The Origin sent.
    pub origin: String,
    /// The finding when it is trusted with credentials.
    pub slug: Slug,
}

/// Well-known shared hosting, all in the Public Suffix List's private
/// section: anyone can publish a page at `<name>.<suffix>`.
pub const SHARED_HOSTING: &[&str] = &[
    "github.io",
    "vercel.app",
    "netlify.app",
    "pages.dev",
    "herokuapp.com",
    "web.app",
    "onrender.com",
];

/// Whether `host`'s public suffix is in the Public Suffix List's private
/// section (shared hosting: github.io, vercel.app, ...), where anyone can
/// own a name.
pub fn on_shared_hosting(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    psl::suffix(host.as_bytes()).is_some_and(|s| s.typ() == Some(psl::Type::Private))
        // The suffix itself (e.g. `vercel.app`) is not a site anyone owns.
        && psl::suffix_str(&host).is_some_and(|s| s != host)
}

/// The crafted origins for a page origin (`page`), per the probe classes of
/// the scanners, derived from its scheme, host and registrable domain. Name
/// classes (prefix, suffix, truncation, dots) are only derived from a domain
/// name with a registrable domain: an IP address or a single label such as
/// `localhost` has no meaningful variants.
pub fn origin_probes(page: &Url) -> Vec<OriginProbe> {
    const EVIL: &str = "corsair-probe.example";
    let scheme = page.scheme();
    let Some(host) = page.host_str() else {
        return Vec::new();
    };
    let port = page.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut out = vec![
        OriginProbe {
            kind: ProbeKind::Reflection,
            origin: format!("https://{EVIL}"),
            slug: Slug::ReflectsAnyOrigin,
        },
        OriginProbe {
            kind: ProbeKind::Null,
            origin: "null".into(),
            slug: Slug::NullOriginAllowed,
        },
    ];
    let is_name = page
        .host()
        .is_some_and(|h| matches!(h, url::Host::Domain(_)))
        && host.contains('.');
    let mut push = |kind, origin: String, slug| {
        if !out.iter().any(|p: &OriginProbe| p.origin == origin) {
            out.push(OriginProbe { kind, origin, slug });
        }
    };
    if is_name {
        push(
            ProbeKind::Prefix,
            format!("{scheme}://{host}.{EVIL}{port}"),
            Slug::PrefixMatch,
        );
        push(
            ProbeKind::SpecialCharacter,
            format!("{scheme}://{host}_.{EVIL}{port}"),
            Slug::PrefixMatch,
        );
        let domain = psl::domain_str(host).unwrap_or(host);
        push(
            ProbeKind::Suffix,
            format!("{scheme}://corsairprobe{domain}{port}"),
            Slug::SuffixMatch,
        );
        if domain.len() > 3 {
            push(
                ProbeKind::Substring,
                format!("{scheme}://{}{port}", &domain[1..]),
                Slug::SubstringMatch,
            );
        }
        // Prefixes of the real origin: `"https://app.example.com".includes(origin)`
        // accepts them. Cut one character off the host (the port would be
        // kept only by a server that compares without it, so it is dropped
        // with the cut), and cut at the last dot.
        if let Some(last_dot) = host.rfind('.') {
            if host.len() - last_dot > 3 {
                push(
                    ProbeKind::TruncatedOrigin,
                    format!("{scheme}://{}", &host[..host.len() - 1]),
                    Slug::SubstringMatch,
                );
            }
            push(
                ProbeKind::TruncatedOrigin,
                format!("{scheme}://{}", &host[..last_dot]),
                Slug::SubstringMatch,
            );
        }
        if let Some(dot) = host.find('.') {
            let mut h = host.to_owned();
            h.replace_range(dot..=dot, "x");
            push(
                ProbeKind::UnescapedDot,
                format!("{scheme}://{h}{port}"),
                Slug::UnescapedDot,
            );
        }
        push(
            ProbeKind::Subdomain,
            format!("{scheme}://corsair-probe.{host}{port}"),
            Slug::AnySubdomainTrusted,
        );
    }
    if scheme == "https" {
        push(
            ProbeKind::Http,
            format!("http://{host}{port}"),
            Slug::InsecureOriginTrusted,
        );
    }
    let local_page =
        matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost");
    if !local_page {
        push(
            ProbeKind::Localhost,
            "http://localhost:3000".into(),
            Slug::LocalhostInProduction,
        );
    }
    for suffix in SHARED_HOSTING {
        push(
            ProbeKind::ThirdParty,
            format!("https://corsair-probe.{suffix}"),
            Slug::ThirdPartyOriginTrusted,
        );
    }
    for site in ["https://codepen.io", "https://jsfiddle.net"] {
        push(
            ProbeKind::ThirdParty,
            site.into(),
            Slug::ThirdPartyOriginTrusted,
        );
    }
    out
}

/// Whether `received` trusts `origin` with credentials.
fn trusts_with_credentials(received: &Received, origin: &str) -> bool {
    let acao: Vec<&str> = received.values("access-control-allow-origin").collect();
    acao == [origin] && received.first("access-control-allow-credentials") == Some("true")
}

fn security_finding(probe: &OriginProbe, page_origin: &str) -> Finding {
    let o = &probe.origin;
    match probe.slug {
        // Trusted with credentials: a sandboxed iframe, a data: or file: page
        // sends `Origin: null` and reads the API as the user, as with echo-all.
        Slug::NullOriginAllowed => {
            let mut f = findings::null_origin_allowed();
            f.severity = Severity::Error;
            f.explanation = "The server trusts the origin 'null' with Access-Control-Allow-Credentials: true. Any website can send Origin: null (from a sandboxed iframe, a data: URL, a file: page or after a cross-origin redirect), so any site the user visits can call this API with the user's cookies and read the answers: as exploitable as echoing every origin.".into();
            f
        }
        Slug::InsecureOriginTrusted => findings::insecure_origin_trusted(o),
        Slug::ReflectsAnyOrigin => Finding::new(
            Slug::ReflectsAnyOrigin,
            format!("The server echoed the made-up origin {o} in Access-Control-Allow-Origin with Access-Control-Allow-Credentials: true: any website the user visits can call this API with the user's cookies and read the answers."),
            format!("Check the Origin against an allowlist ({page_origin} and your other real frontends) and echo it only when it matches; never echo the request's Origin unchecked."),
        ),
        slug => {
            let how = match slug {
                Slug::PrefixMatch => "the allowlist check accepts any origin that starts with an allowed one",
                Slug::SuffixMatch => "the allowlist check accepts any origin that ends with the allowed domain",
                Slug::SubstringMatch => "the allowlist check accepts any origin that contains an allowed name",
                Slug::UnescapedDot => "a regular expression has an unescaped '.', which matches any character",
                Slug::AnySubdomainTrusted => "every subdomain is trusted, so one XSS or takeover on any subdomain reads the API",
                Slug::LocalhostInProduction => "a development origin is trusted: any program serving a page on the user's machine at that port reads the API as the user (if this is production, drop it from the allowlist)",
                _ => "shared hosting is trusted: anyone can publish a page there",
            };
            let mut f = Finding::new(
                slug,
                format!("The server trusted the crafted origin {o} with credentials: {how}."),
                format!("Compare the whole Origin for equality against a list of exact origins ({page_origin}), or anchor and escape the pattern (^https://app\\.example\\.com$)."),
            );
            if matches!(slug, Slug::AnySubdomainTrusted | Slug::LocalhostInProduction) {
                f.severity = Severity::Warning;
            }
            f
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(page: &str, kind: ProbeKind) -> Vec<String> {
        let url = Url::parse(page).unwrap_or_else(|e| panic!("{page}: {e}"));
        origin_probes(&url)
            .into_iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.origin)
            .collect()
    }

    #[test]
    fn truncated_origins_are_prefixes_of_the_real_one() {
        let got = origins("https://app.example.com", ProbeKind::TruncatedOrigin);
        assert_eq!(got, ["https://app.example.co", "https://app.example"]);
        for o in &got {
            assert!("https://app.example.com".starts_with(o.as_str()));
        }
        // With a port: still prefixes of the serialized origin.
        let got = origins("https://app.example.com:8443", ProbeKind::TruncatedOrigin);
        assert_eq!(got, ["https://app.example.co", "https://app.example"]);
    }

    #[test]
    fn two_letter_tld_is_cut_at_the_dot_only() {
        // Cutting one letter of `.io` would leave a one-letter label.
        let got = origins("https://app.example.io", ProbeKind::TruncatedOrigin);
        assert_eq!(got, ["https://app.example"]);
    }

    #[test]
    fn ip_and_single_label_hosts_get_no_name_probes() {
        for page in [
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
            "https://10.0.0.5",
            "http://localhost:3000",
            "http://intranet",
        ] {
            let url = Url::parse(page).unwrap_or_else(|e| panic!("{page}: {e}"));
            let kinds: Vec<ProbeKind> = origin_probes(&url).iter().map(|p| p.kind).collect();
            for k in [
                ProbeKind::Prefix,
                ProbeKind::SpecialCharacter,
                ProbeKind::Suffix,
                ProbeKind::Substring,
                ProbeKind::TruncatedOrigin,
                ProbeKind::UnescapedDot,
                ProbeKind::Subdomain,
            ] {
                assert!(!kinds.contains(&k), "{page}: {k:?} in {kinds:?}");
            }
            assert!(kinds.contains(&ProbeKind::Reflection));
            assert!(kinds.contains(&ProbeKind::Null));
        }
        // A local page does not probe localhost as if it were production.
        assert!(origins("http://localhost:3000", ProbeKind::Localhost).is_empty());
        assert!(origins("http://[::1]:3000", ProbeKind::Localhost).is_empty());
        assert_eq!(
            origins("https://10.0.0.5", ProbeKind::Http),
            ["http://10.0.0.5"]
        );
    }

    #[test]
    fn port_is_kept_where_the_host_is_kept() {
        assert_eq!(
            origins("https://app.example.com:8443", ProbeKind::Http),
            ["http://app.example.com:8443"]
        );
        assert_eq!(
            origins("https://app.example.com:8443", ProbeKind::Suffix),
            ["https://corsairprobeexample.com:8443"]
        );
        assert_eq!(
            origins("https://app.example.com", ProbeKind::UnescapedDot),
            ["https://appxexample.com"]
        );
    }

    #[test]
    fn every_probe_origin_is_a_valid_origin_and_unique() {
        for page in [
            "https://app.example.com",
            "https://www.example.co.uk:444",
            "http://a.b",
            "https://app.example.io",
        ] {
            let url = Url::parse(page).unwrap_or_else(|e| panic!("{page}: {e}"));
            let probes = origin_probes(&url);
            for (i, p) in probes.iter().enumerate() {
                assert!(
                    probes[..i].iter().all(|q| q.origin != p.origin),
                    "{page}: {} twice",
                    p.origin
                );
                if p.origin != "null" {
                    let u = Url::parse(&p.origin).unwrap_or_else(|e| panic!("{}: {e}", p.origin));
                    assert_eq!(u.origin().ascii_serialization(), p.origin, "{page}");
                    assert_ne!(p.origin, url.origin().ascii_serialization());
                }
            }
        }
    }

    #[test]
    fn shared_hosting_comes_from_the_private_section() {
        for suffix in SHARED_HOSTING {
            assert!(on_shared_hosting(&format!("x.{suffix}")), "{suffix}");
            // The suffix itself is no one's site.
            assert!(!on_shared_hosting(suffix), "{suffix}");
        }
        assert!(on_shared_hosting("someone.s3.amazonaws.com"));
        assert!(!on_shared_hosting("app.example.com"));
        assert!(!on_shared_hosting("www.example.co.uk"));
        let third = origins("https://app.example.com", ProbeKind::ThirdParty);
        assert!(third.contains(&"https://corsair-probe.vercel.app".to_owned()));
        assert!(third.contains(&"https://codepen.io".to_owned()));
    }

    fn probe_exchange(kind: ProbeKind, origin: &str, received: Option<Received>) -> Exchange {
        Exchange {
            purpose: Purpose::Probe,
            probe: Some(kind.name().into()),
            sent: Wire {
                method: "OPTIONS".into(),
                url: "https://api.example.com/items".into(),
                headers: vec![("origin".into(), origin.into())],
            },
            received,
            error: None,
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Received {
        Received {
            status,
            version: "HTTP/1.1".into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body_prefix: body.into(),
            remote: "127.0.0.1:1".into(),
            elapsed_ms: 1.0,
        }
    }

    #[test]
    fn auth_refusals_are_inconclusive_only_when_the_page_is_refused_too() {
        let o = "https://app.example.co";
        let result = |r: Received, auth_first| {
            outcome(
                &probe_exchange(ProbeKind::TruncatedOrigin, o, Some(r)),
                auth_first,
            )
            .map(|x| x.result)
        };
        let unauthorized = || answer(401, &[], "Unauthorized");
        assert_eq!(
            result(unauthorized(), true),
            Some(ProbeResult::Inconclusive)
        );
        // The page's origin got through: this 401 is about the origin.
        assert_eq!(result(unauthorized(), false), Some(ProbeResult::Refused));
        // Spring's CORS processor: 403, Vary: Origin, "Invalid CORS request".
        let spring = answer(403, &[("vary", "Origin")], "Invalid CORS request");
        assert_eq!(result(spring, true), Some(ProbeResult::Refused));
        let trusted = answer(
            401,
            &[
                ("access-control-allow-origin", o),
                ("access-control-allow-credentials", "true"),
            ],
            "",
        );
        assert_eq!(result(trusted, true), Some(ProbeResult::Trusted));
        // No answer at all tells nothing either.
        assert_eq!(
            outcome(&probe_exchange(ProbeKind::Null, "null", None), false).map(|x| x.result),
            Some(ProbeResult::Inconclusive)
        );
        // The error path's 401 is what it tests, never inconclusive.
        let e = probe_exchange(
            ProbeKind::WithoutCredentials,
            "https://app.example.com",
            Some(answer(401, &[], "")),
        );
        assert_eq!(
            outcome(&e, true).map(|x| x.result),
            Some(ProbeResult::Refused)
        );
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ProbeKind::ALL {
            assert_eq!(ProbeKind::from_name(k.name()), Some(*k));
            let json = serde_json::to_value(k).unwrap_or_default();
            assert_eq!(json, k.name());
        }
    }
}
