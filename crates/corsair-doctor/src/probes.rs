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

/// One crafted origin and what trusting it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginProbe {
    /// The probe's name in the report.
    pub name: &'static str,
    /// The Origin sent.
    pub origin: String,
    /// The finding when it is trusted with credentials.
    pub slug: Slug,
}

/// The crafted origins for a page origin (`page`), per the probe classes of
/// the scanners, derived from its scheme, host and registrable domain.
pub fn origin_probes(page: &Url) -> Vec<OriginProbe> {
    const EVIL: &str = "corsair-probe.example";
    let scheme = page.scheme();
    let Some(host) = page.host_str() else {
        return Vec::new();
    };
    let port = page.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut out = vec![
        OriginProbe {
            name: "reflection",
            origin: format!("https://{EVIL}"),
            slug: Slug::ReflectsAnyOrigin,
        },
        OriginProbe {
            name: "null",
            origin: "null".into(),
            slug: Slug::NullOriginAllowed,
        },
    ];
    let is_name = page
        .host()
        .is_some_and(|h| matches!(h, url::Host::Domain(_)));
    if is_name {
        out.push(OriginProbe {
            name: "prefix",
            origin: format!("{scheme}://{host}.{EVIL}{port}"),
            slug: Slug::PrefixMatch,
        });
        out.push(OriginProbe {
            name: "special-character",
            origin: format!("{scheme}://{host}_.{EVIL}{port}"),
            slug: Slug::PrefixMatch,
        });
        let domain = psl::domain_str(host).unwrap_or(host);
        out.push(OriginProbe {
            name: "suffix",
            origin: format!("{scheme}://corsairprobe{domain}{port}"),
            slug: Slug::SuffixMatch,
        });
        if domain.len() > 3 {
            out.push(OriginProbe {
                name: "substring",
                origin: format!("{scheme}://{}{port}", &domain[1..]),
                slug: Slug::SubstringMatch,
            });
        }
        if let Some(dot) = host.find('.') {
            let mut h = host.to_owned();
            h.replace_range(dot..=dot, "x");
            out.push(OriginProbe {
                name: "unescaped-dot",
                origin: format!("{scheme}://{h}{port}"),
                slug: Slug::UnescapedDot,
            });
        }
        out.push(OriginProbe {
            name: "subdomain",
            origin: format!("{scheme}://corsair-probe.{host}{port}"),
            slug: Slug::AnySubdomainTrusted,
        });
    }
    if scheme == "https" {
        out.push(OriginProbe {
            name: "http",
            origin: format!("http://{host}{port}"),
            slug: Slug::InsecureOriginTrusted,
        });
    }
    let local_page =
        matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost");
    if !local_page {
        out.push(OriginProbe {
            name: "localhost",
            origin: "http://localhost:3000".into(),
            slug: Slug::LocalhostInProduction,
        });
    }
    for third in [
        "https://corsair-probe.github.io",
        "https://codepen.io",
        "https://jsfiddle.net",
    ] {
        out.push(OriginProbe {
            name: "third-party",
            origin: third.into(),
            slug: Slug::ThirdPartyOriginTrusted,
        });
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
        Slug::NullOriginAllowed => findings::null_origin_allowed(),
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
                probe.name.to_owned(),
                with_origin(&base, &probe.origin),
                Some(probe),
            ));
        }
    }
    // The error path: only meaningful when the request itself is readable,
    // and only for a request that reads: a PUT or DELETE is never repeated,
    // even when --send let the doctor send it once.
    let allowed = checked.verdict.outcome == Outcome::Allowed;
    let request_reads =
        last_request(checked).filter(|(w, _)| crate::check::is_read_only(&w.method));
    if let (true, Some((real, _))) = (allowed, request_reads) {
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
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (name, wire, probe)) in planned.into_iter().enumerate() {
        let sender = sender.clone();
        tasks.spawn(async move {
            let result = sender.send(&wire, None).await;
            (i, name, wire, probe, result)
        });
    }
    let mut done = Vec::new();
    while let Some(Ok(r)) = tasks.join_next().await {
        done.push(r);
    }
    done.sort_by_key(|r| r.0);
    let include = request.credentials || request.cookies.is_some();
    let mut exchanges = Vec::new();
    let mut found: Vec<Evidenced> = Vec::new();
    let mut reflected = false;
    for (_, name, wire, probe, result) in done {
        let index = first_index + exchanges.len();
        let (received, error) = match result {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        if let Some(r) = &received {
            match &probe {
                Some(p) if trusts_with_credentials(r, &p.origin) => {
                    reflected |= p.slug == Slug::ReflectsAnyOrigin;
                    if !found.iter().any(|f| f.finding.slug == p.slug) {
                        found.push(Evidenced {
                            finding: security_finding(p, &page_origin),
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
