//! A whole diagnosis: the browser's exchanges, the probes, and the fix for
//! the platform the answers reveal (or the one asked for).

use corsair_core::browser::is_safelisted_response_header;
use corsair_core::catalog::{Finding, Severity, Slug};
use corsair_core::{method, Outcome, Profile, ScenarioError, Verdict};
use corsair_platforms::{Fix, Platform, Rendered};
use serde::Serialize;
use url::Url;

use crate::cause::{self, Cause, Confidence};
use crate::check::{check, CheckRequest, Checked, USER_AGENT};
use crate::exchange::{
    redact_received, redact_url, redact_wire, Exchange, Purpose, Received, Redactor, Wire,
};
use crate::probes::{self, Evidenced};
use crate::redact::redact_verdict;
use crate::send::Sender;

/// How to diagnose.
#[derive(Clone, Debug)]
pub struct Options {
    /// Which browser's rules.
    pub profile: Profile,
    /// Run the probes beyond the browser's own requests.
    pub probes: bool,
    /// Render the fix for this platform instead of the detected one.
    pub platform: Option<Platform>,
    /// The same API straight at the origin server, to find what the proxy
    /// or CDN in front changes.
    pub compare: Option<String>,
    /// The frontend page, to read its Content-Security-Policy.
    pub page: Option<String>,
    /// Send requests that may change data (any method but GET, HEAD and
    /// OPTIONS). Off, the doctor sends their preflight and stops there.
    pub send: bool,
    /// Other pages' origins the fix must allow too (`--origin` given
    /// several times: development and production).
    pub also_allow: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            profile: Profile::Chrome,
            probes: true,
            platform: None,
            compare: None,
            page: None,
            send: false,
            also_allow: Vec::new(),
        }
    }
}

/// The fix: the smallest policy that allows the request, and how to write
/// it for the platform.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FixReport {
    /// The policy.
    pub policy: Fix,
    /// Platforms recognized in the answers, most specific first.
    pub detected: Vec<Platform>,
    /// The fix, rendered for the chosen or detected platform (or a few
    /// common ones when none is known).
    pub rendered: Vec<Rendered>,
    /// Whether the fix was re-checked: served by the server model, the
    /// browser model allows the request (and the page reads what it reads).
    pub rechecked: bool,
    /// What must change besides the CORS settings (from the cause): the
    /// URL the page calls, its CSP, a sign-in redirect, the error behind the
    /// CORS one. Shown first: the policy alone does not make the call work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also: Option<String>,
}

/// A diagnosis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The request checked.
    pub request: CheckRequest,
    /// The browser model's verdict on the real answers.
    pub verdict: Verdict,
    /// Every exchange, the browser's first, then the probes'.
    pub exchanges: Vec<Exchange>,
    /// What the probes found, each with the exchange that shows it.
    pub findings: Vec<Evidenced>,
    /// The fix, when something needs fixing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixReport>,
    /// Why the server answered so: the root cause, when the request is
    /// blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// The method of the request not sent because it may change data (the
    /// preflight was; `--send` sends the request too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_sent: Option<String>,
}

impl Report {
    /// Every finding's slug: the verdict's, then the probes'.
    pub fn slugs(&self) -> Vec<Slug> {
        self.verdict
            .findings
            .iter()
            .chain(self.findings.iter().map(|f| &f.finding))
            .map(|f| f.slug)
            .collect()
    }
}

/// Runs the check, the probes and the fix.
pub async fn diagnose(
    sender: &Sender,
    request: &CheckRequest,
    options: &Options,
) -> Result<Report, ScenarioError> {
    let checked = check(sender, request, options.profile, options.send).await?;
    let (probe_exchanges, mut findings) = if options.probes {
        probes::run(
            sender,
            request,
            &checked,
            checked.exchanges.len(),
            options.profile,
        )
        .await
    } else {
        (Vec::new(), Vec::new())
    };
    let mut extra = probe_exchanges;
    let mut csp_block = None;
    let first = checked.exchanges.len();
    if let Some(page) = &options.page {
        let (e, f, block) = page_check(sender, request, page, first + extra.len()).await;
        csp_block = block;
        extra.extend(e);
        findings.extend(f);
    }
    let mut front = Vec::new();
    if let Some(compare) = &options.compare {
        let (e, f, layer) = compare_check(
            sender,
            request,
            &checked,
            compare,
            first + extra.len(),
            options.profile,
        )
        .await?;
        extra.extend(e);
        findings.extend(f);
        front = layer;
    }
    let (cause_exchanges, cause) = if options.probes || checked.network_failure.is_some() {
        cause::find(sender, request, &checked, first + extra.len()).await?
    } else {
        (Vec::new(), None)
    };
    extra.extend(cause_exchanges);
    let mut works_from: Vec<String> = options
        .also_allow
        .iter()
        .map(|o| {
            Url::parse(o)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_else(|_| o.clone())
        })
        .collect();
    if let Some(c) = &cause {
        works_from.extend(c.works_from.iter().cloned());
    }
    let mut fix = fix_report(
        request,
        &checked,
        &findings,
        FixTarget {
            chosen: options.platform,
            front: &front,
        },
        &works_from,
        options.profile,
    );
    let Checked {
        mut verdict,
        mut exchanges,
        not_sent,
        ..
    } = checked;
    let cause = match csp_block {
        Some(block) => Some(csp_verdict(&mut verdict, request, &block)),
        None => cause,
    };
    if let Some(c) = &cause {
        one_root_cause(&mut verdict, c);
        if let Some(fix) = &mut fix {
            fix.also.clone_from(&c.also);
        }
    }
    exchanges.extend(extra);
    let mut report = Report {
        request: request.clone(),
        verdict,
        exchanges,
        findings,
        fix,
        cause,
        not_sent,
    };
    redact(&mut report);
    Ok(report)
}

/// The model names a symptom's usual cause (a 403 preflight: auth); when
/// the answers show another, the cause's finding replaces it, so the report
/// gives one root cause.
fn one_root_cause(verdict: &mut Verdict, cause: &Cause) {
    let guessed = [
        Slug::PreflightBlockedByAuth,
        Slug::MissingAllowOrigin,
        Slug::PreflightNotHandled,
        Slug::ErrorResponseWithoutCors,
        Slug::PreflightBadStatus,
    ];
    let Some(first) = verdict
        .findings
        .iter_mut()
        .find(|f| f.severity == Severity::Error)
    else {
        return;
    };
    if first.slug != cause.slug
        && guessed.contains(&first.slug)
        && cause.confidence != Confidence::Possible
    {
        *first = Finding::new(cause.slug, cause.summary.clone(), cause.fix.clone());
    }
}

/// Hides the request's secrets everywhere in the report: the request's
/// credentials (and the server's echoes of them), the secrets the answers
/// reveal (cookies set, tokens in redirect targets), wherever the story,
/// the console lines, the findings, the cause or the exchanges repeat them.
fn redact(report: &mut Report) {
    let r = &report.request;
    let mut redactor = Redactor::new(&r.headers, r.cookies.as_deref(), &r.url);
    // The redirect chain as the model followed it: its targets' tokens.
    for u in &report.verdict.urls {
        redactor.add_url(u);
    }
    for e in &report.exchanges {
        if let Some(received) = &e.received {
            redactor.add_headers(&received.headers);
        }
    }
    let req = &mut report.request;
    req.cookies = None;
    redactor.headers(&mut req.headers);
    req.url = redactor.scrub(&redact_url(&req.url));
    redact_verdict(&mut report.verdict, &redactor);
    for f in &mut report.findings {
        redactor.scrub_in_place(&mut f.finding.explanation);
        redactor.scrub_in_place(&mut f.finding.fix);
    }
    for e in &mut report.exchanges {
        redactor.scrub_in_place(&mut e.sent.url);
        redactor.headers(&mut e.sent.headers);
        if let Some(received) = &mut e.received {
            redactor.headers(&mut received.headers);
            redactor.scrub_in_place(&mut received.body_prefix);
        }
        if let Some(err) = &mut e.error {
            redactor.scrub_in_place(err);
        }
    }
    if let Some(c) = &mut report.cause {
        redactor.scrub_in_place(&mut c.summary);
        redactor.scrub_in_place(&mut c.fix);
        for e in &mut c.evidence {
            redactor.scrub_in_place(e);
        }
        if let Some(b) = &mut c.body {
            redactor.scrub_in_place(b);
        }
        if let Some(l) = &mut c.layer {
            redactor.scrub_in_place(l);
        }
    }
    if let Some(n) = &mut report.not_sent {
        redactor.scrub_in_place(n);
    }
}

/// The smallest policy that allows `request`: its page's origin, its method
/// when not safelisted, the headers its preflight asks for, the headers the
/// page reads, credentials when it sends them.
pub fn fix_policy(request: &CheckRequest, verdict: &Verdict) -> Fix {
    let origin = Url::parse(&request.page_origin)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| request.page_origin.clone());
    let method = &verdict.request.method;
    let methods = if method.is_empty() || method::is_safelisted(method) {
        Vec::new()
    } else {
        vec![method.clone()]
    };
    let request_headers = verdict
        .preflight
        .access_control_request_headers()
        .map(|v| {
            v.split(',')
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let expose_headers = request
        .read_headers
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .filter(|h| !is_safelisted_response_header(h))
        .collect();
    Fix {
        origins: vec![origin],
        methods,
        request_headers,
        expose_headers,
        credentials: request.credentials,
        max_age: Some(7200),
        // A fix names the origins the checks saw: exact ones.
        origin_patterns: Vec::new(),
        // Chrome's Local Network Access asks the user, not the server.
        local_network: false,
    }
}

/// Platforms shown when none is detected nor asked for.
const COMMON: [Platform; 4] = [
    Platform::Express,
    Platform::Fastapi,
    Platform::Nginx,
    Platform::CorsairGateway,
];

/// Which platform the fix is written for.
struct FixTarget<'a> {
    /// `--platform`.
    chosen: Option<Platform>,
    /// Under `--compare`, when the layer in front changes the CORS headers:
    /// the platforms seen at the public URL and not at the origin server.
    /// That layer answers CORS for the page, so the fix is written for it.
    front: &'a [Platform],
}

fn fix_report(
    request: &CheckRequest,
    checked: &Checked,
    findings: &[Evidenced],
    target: FixTarget<'_>,
    also_allowed: &[String],
    profile: Profile,
) -> Option<FixReport> {
    let verdict = &checked.verdict;
    let slugs: Vec<Slug> = verdict
        .findings
        .iter()
        .chain(findings.iter().map(|f| &f.finding))
        .filter(|f| f.severity != Severity::Info)
        .map(|f| f.slug)
        .collect();
    let server_side = slugs.iter().any(|s| {
        !matches!(
            s,
            Slug::NotACorsError
                | Slug::CorsHeadersInRequest
                | Slug::CorsProxyInProduction
                | Slug::MixedContent
                | Slug::CspBlocksRequest
                | Slug::SchemeNotSupported
        )
    });
    if !server_side && verdict.outcome != Outcome::Blocked {
        return None;
    }
    if checked.network_error.is_some() && checked.received.iter().all(Option::is_none) {
        return None;
    }
    let mut detected = Vec::new();
    for r in checked.received.iter().flatten() {
        for p in corsair_platforms::detect_all(&r.headers, &r.body_prefix) {
            if !detected.contains(&p) {
                detected.push(p);
            }
        }
    }
    // The layer in front that changes the CORS headers (found by
    // --compare) answers the page: its fix comes first. The Corsair
    // gateway owns CORS for whatever runs behind it (it replaces the app's
    // CORS headers): its fix comes before all.
    for owner in target
        .front
        .iter()
        .rev()
        .chain(std::iter::once(&Platform::CorsairGateway))
    {
        if let Some(i) = detected.iter().position(|p| p == owner) {
            let first = detected.remove(i);
            detected.insert(0, first);
        }
    }
    let mut policy = fix_policy(request, verdict);
    // Origins the server already answers stay allowed: applying the fix
    // must not break what worked.
    for o in also_allowed {
        if !policy.origins.contains(o) {
            policy.origins.push(o.clone());
        }
    }
    if let Some(origin) = policy.origins.first().cloned() {
        crate::fix_check::keep_what_works(&mut policy, checked, &origin);
    }
    let rechecked = crate::fix_check::fix_allows(request, verdict, &policy, profile);
    let names: Vec<&str> = slugs.iter().map(|s| s.name()).collect();
    let targets: Vec<Platform> = match (target.chosen, detected.first()) {
        (Some(p), _) => vec![p],
        (None, Some(p)) => vec![*p],
        (None, None) => COMMON.to_vec(),
    };
    let rendered = targets
        .into_iter()
        .map(|p| corsair_platforms::render(p, &policy, &names))
        .collect();
    Some(FixReport {
        policy,
        detected,
        rendered,
        rechecked,
        also: None,
    })
}

/// The final answer to the request itself in a check.
fn final_response(checked: &Checked) -> Option<&Received> {
    checked
        .exchanges
        .iter()
        .zip(&checked.received)
        .rev()
        .find(|(e, r)| e.purpose == Purpose::Request && r.is_some())
        .and_then(|(_, r)| r.as_ref())
}

/// Runs the same check against the origin server (`compare`, the same
/// request at another URL) and names what the layer in front changes.
async fn compare_check(
    sender: &Sender,
    request: &CheckRequest,
    public: &Checked,
    compare: &str,
    first_index: usize,
    profile: Profile,
) -> Result<(Vec<Exchange>, Vec<Evidenced>, Vec<Platform>), ScenarioError> {
    let direct_request = CheckRequest {
        url: compare.to_owned(),
        ..request.clone()
    };
    let direct = check(sender, &direct_request, profile, false).await?;
    let mut exchanges: Vec<Exchange> = direct.exchanges.clone();
    for e in &mut exchanges {
        e.purpose = Purpose::Probe;
        e.probe = Some("origin-server".into());
    }
    let mut found = Vec::new();
    let (Some(pub_res), Some(dir_res)) = (final_response(public), final_response(&direct)) else {
        return Ok((exchanges, found, Vec::new()));
    };
    let evidence = direct
        .exchanges
        .iter()
        .rposition(|e| e.purpose == Purpose::Request)
        .map(|i| first_index + i);
    let acao = |r: &Received| r.values("access-control-allow-origin").count();
    if acao(dir_res) > 0 && acao(pub_res) == 0 {
        found.push(Evidenced {
            finding: Finding::new(
                Slug::StrippedByProxy,
                format!("The origin server ({compare}) answers with Access-Control-Allow-Origin, but the public URL ({}) does not: the proxy, CDN or gateway in front removes it.", request.url),
                "Make the layer in front pass the CORS headers through (nginx: no proxy_hide_header for them; CDNs: forward the Origin header and include it in the cache key, or let that layer own CORS and remove it from the app).".into(),
            ),
            evidence,
        });
    } else if acao(pub_res) > acao(dir_res) && acao(dir_res) > 0 {
        found.push(Evidenced {
            finding: Finding::new(
                Slug::DuplicateCorsLayer,
                format!("The origin server sends {} Access-Control-Allow-Origin header(s), the public URL {}: the layer in front adds its own on top of the app's.", acao(dir_res), acao(pub_res)),
                "Let exactly one layer own CORS: remove the headers from the proxy's configuration, or remove the CORS middleware from the app (or make the proxy replace, not add: nginx proxy_hide_header then add_header).".into(),
            ),
            evidence,
        });
    }
    // The layer in front: what the public answer shows and the origin
    // server's does not, when it changes the CORS headers.
    let front = if found.is_empty() {
        Vec::new()
    } else {
        let behind = corsair_platforms::detect_all(&dir_res.headers, &dir_res.body_prefix);
        corsair_platforms::detect_all(&pub_res.headers, &pub_res.body_prefix)
            .into_iter()
            .filter(|p| !behind.contains(p))
            .collect()
    };
    Ok((exchanges, found, front))
}

/// Reads the page's Content-Security-Policy (headers and `<meta>`) and tells
/// whether it lets the page's scripts reach the API at all.
async fn page_check(
    sender: &Sender,
    request: &CheckRequest,
    page: &str,
    first_index: usize,
) -> (
    Vec<Exchange>,
    Vec<Evidenced>,
    Option<corsair_core::csp::CspBlock>,
) {
    let wire = Wire {
        method: "GET".into(),
        url: page.to_owned(),
        headers: vec![
            ("accept".into(), "text/html,*/*".into()),
            ("user-agent".into(), USER_AGENT.into()),
        ],
    };
    let result = sender.send(&wire, None).await;
    let mut exchange = Exchange {
        purpose: Purpose::Probe,
        probe: Some("page".into()),
        sent: redact_wire(&wire),
        received: None,
        error: None,
    };
    let mut found = Vec::new();
    let mut blocked = None;
    match result {
        Err(e) => exchange.error = Some(e.to_string()),
        Ok(r) => {
            let mut policies: Vec<String> = r
                .values("content-security-policy")
                .map(str::to_owned)
                .collect();
            policies.extend(meta_csp(&r.body_prefix));
            let refs: Vec<&str> = policies.iter().map(String::as_str).collect();
            if let (Ok(page_url), Ok(target)) = (Url::parse(page), Url::parse(&request.url)) {
                if let Err(block) = corsair_core::csp::check_connect(&refs, &page_url, &target) {
                    found.push(Evidenced {
                        finding: Finding::new(
                            Slug::CspBlocksRequest,
                            format!("The page's Content-Security-Policy has `{} {}`, which does not cover {}: the browser refuses the request before it is sent. The console shows a CSP violation, not a CORS error, and no server change helps.", block.directive, block.sources, target.origin().ascii_serialization()),
                            format!("Add {} to the page's {} (in the Content-Security-Policy header or <meta> of the frontend).", target.origin().ascii_serialization(), block.directive),
                        ),
                        evidence: Some(first_index),
                    });
                    blocked = Some(block);
                }
            }
            exchange.received = Some(redact_received(&r));
        }
    }
    (vec![exchange], found, blocked)
}

/// The page's CSP refuses the request before it is sent: that is the
/// verdict, whatever the server would answer.
fn csp_verdict(
    verdict: &mut Verdict,
    request: &CheckRequest,
    block: &corsair_core::csp::CspBlock,
) -> Cause {
    let directive = format!("{} {}", block.directive, block.sources);
    let target = Url::parse(&request.url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| request.url.clone());
    let fallback = if block.directive == "default-src" {
        " Note that 'connect-src' was not explicitly set, so 'default-src' is used as a fallback."
    } else {
        ""
    };
    verdict.outcome = Outcome::Blocked;
    verdict.blocked = Some(corsair_core::verdict::Blocked {
        stage: corsair_core::verdict::Stage::Request,
        cors_error: None,
        failed_parameter: String::new(),
        url: request.url.clone(),
        reason: format!("the page's Content-Security-Policy (`{directive}`) refuses the request before it is sent: not CORS"),
    });
    // Chrome's line for a refused connect-src (Firefox words it its own way).
    verdict.console.chrome = Some(format!(
        "Refused to connect to '{}' because it violates the following Content Security Policy directive: \"{directive}\".{fallback}",
        request.url
    ));
    verdict.console.firefox = None;
    // WebKit's CSP wording is not modelled: no line rather than a wrong one.
    verdict.console.safari.clear();
    // The whole directive to write: connect-src falls back to default-src,
    // so a new connect-src keeps default-src's sources.
    // 'none' stands alone in a source list: it is replaced, not extended.
    let kept = block.sources.trim();
    let sources = if kept.is_empty() || kept.eq_ignore_ascii_case("'none'") {
        target.clone()
    } else {
        format!("{kept} {target}")
    };
    let fix = if block.directive == "connect-src" {
        format!("Add {target} to the page's connect-src (the frontend's Content-Security-Policy header or <meta>): `connect-src {sources}`.")
    } else {
        format!("Give the page's Content-Security-Policy (the frontend's header or <meta>) a connect-src that keeps what {} allows and adds the API: `connect-src {sources}`.", block.directive)
    };
    Cause {
        slug: Slug::CspBlocksRequest,
        confidence: Confidence::Certain,
        layer: Some("the page's Content-Security-Policy".into()),
        summary: format!("The page's Content-Security-Policy has `{directive}`, which does not cover {target}: the browser refuses the request before sending it, so no server change helps. The exchanges below show what the server will answer once the page allows it."),
        evidence: Vec::new(),
        fix: fix.clone(),
        works_from: Vec::new(),
        body: None,
        network: None,
        also: Some(fix),
    }
}

/// The `content` of `<meta http-equiv="Content-Security-Policy">` tags.
fn meta_csp(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<meta") {
        let start = from + i;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if tag.contains("content-security-policy") && !tag.contains("report-only") {
            if let Some(c) = tag.find("content=") {
                let rest = &html[start + c + 8..end];
                let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'');
                let value = match quote {
                    Some(q) => rest[1..].split(q).next().unwrap_or(""),
                    None => rest.split_whitespace().next().unwrap_or(""),
                };
                out.push(
                    value
                        .replace("&#39;", "'")
                        .replace("&quot;", "\"")
                        .replace("&amp;", "&"),
                );
            }
        }
        from = end.max(start + 5);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn meta_csp_is_read() {
        let html = r#"<html><head><META http-equiv="Content-Security-Policy" content="connect-src 'self' https://api.example.com"><meta charset=utf-8></head>"#;
        assert_eq!(
            super::meta_csp(html),
            ["connect-src 'self' https://api.example.com"]
        );
        assert!(super::meta_csp(
            "<meta http-equiv='content-security-policy-report-only' content='x'>"
        )
        .is_empty());
    }
}
