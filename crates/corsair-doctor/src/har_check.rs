//! `corsair har`: every cross-origin request of a HAR export run through the
//! browser model with the answers the export recorded. Chrome does not
//! export why it blocked a request (only `net::ERR_FAILED`), so the reason is
//! worked out again from the recorded headers.

use corsair_core::scenario::{Answer, CredentialsMode, Hop, RequestSpec, Scenario};
use corsair_core::{Profile, Verdict};
use serde::Serialize;

use std::collections::HashMap;

use crate::har::{self, Entry, Group, HarSummary, PairStats, Pairer};

/// Headers a browser adds on its own: in a HAR (or a Copy-as-cURL command)
/// they are on the wire, but the page's code did not set them.
pub fn added_by_browser(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("sec-")
        || n.starts_with(':')
        || matches!(
            n.as_str(),
            "origin"
                | "referer"
                | "user-agent"
                | "accept-language"
                | "accept-encoding"
                | "connection"
                | "host"
                | "cookie"
                | "dnt"
                | "priority"
                | "pragma"
                | "cache-control"
                | "upgrade-insecure-requests"
                | "te"
                | "content-length"
                | "if-none-match"
                | "if-modified-since"
                | "access-control-request-method"
                | "access-control-request-headers"
        )
}

/// Which browser's rules an export is judged by, from its `log.creator`
/// (`name version`): Firefox's exports say `Firefox`, Safari's `WebKit Web
/// Inspector`, Chrome's, Edge's and other Chromium browsers' `WebInspector`.
/// `None` when it names none of them.
pub fn profile_for_creator(creator: Option<&str>) -> Option<Profile> {
    let name = creator?.to_ascii_lowercase();
    if name.contains("firefox") {
        Some(Profile::Firefox)
    } else if name.contains("webkit") || name.contains("safari") {
        Some(Profile::Safari)
    } else if ["webinspector", "chrome", "chromium", "edge"]
        .iter()
        .any(|n| name.contains(n))
    {
        Some(Profile::Chrome)
    } else {
        None
    }
}

/// Why a request URL is not a CORS request at all, or `None` when it may
/// be one. Such entries are listed, never judged: the browser answers
/// `data:` URLs itself (`fetch('data:…')` succeeds from any page), `blob:`
/// URLs hold the page's own data, WebSockets have no CORS (the server reads
/// `Origin` itself), and extension and `about:` URLs never go through it.
pub fn not_cors(url: &str) -> Option<&'static str> {
    let scheme = url.trim().split(':').next()?.to_ascii_lowercase();
    Some(match scheme.as_str() {
        "data" => "a data: URL, answered by the browser itself (no CORS)",
        "blob" => "a blob: URL, the page's own data (no CORS)",
        "ws" | "wss" => "a WebSocket: no CORS (the server checks Origin itself)",
        "chrome-extension" | "moz-extension" | "safari-web-extension" | "extension" => {
            "a browser extension's resource (no CORS)"
        }
        "about" | "chrome" | "edge" | "devtools" => "a browser-internal URL (no CORS)",
        _ => return None,
    })
}

/// The value given to a header whose name only the preflight recorded.
pub const PLACEHOLDER: &str = "placeholder";

/// One cross-origin request of the export and the browser model's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HarVerdict {
    /// The request's entry index in the file.
    pub entry: usize,
    /// Its preflight's entry, if the export has one.
    pub preflight_entry: Option<usize>,
    /// The later hops of a redirect chain.
    pub redirect_entries: Vec<usize>,
    /// The page's origin and where it was read from.
    pub page_origin: har::PageOrigin,
    /// The scenario built from the export.
    pub scenario: Scenario,
    /// Whether credentials were assumed (a sanitized export drops cookies).
    pub credentials_assumed: bool,
    /// Whether the preflight was assumed to have passed: the export has the
    /// request's answer but no preflight entry (older or filtered exports),
    /// and the browser sends the request only after a passing preflight.
    pub preflight_assumed: bool,
    /// The error the browser recorded (`net::ERR_FAILED`), if any.
    pub recorded_error: Option<String>,
    /// Headers the request entry lacks but its preflight's
    /// `Access-Control-Request-Headers` names (a sanitized export drops
    /// `Authorization`): added to the request with placeholder values.
    pub headers_from_preflight: Vec<String>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The whole export.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HarReport {
    /// What the reader saw.
    pub summary: HarSummary,
    /// Every cross-origin request, in file order.
    pub requests: Vec<HarVerdict>,
    /// What the pairing cut (redirect chains past the browsers' bound).
    pub pairing: PairStats,
}

fn answer(entry: &Entry) -> Option<Answer> {
    (entry.response.status != 0).then(|| Answer {
        status: entry.response.status,
        headers: entry.response.headers.clone(),
        next: None,
    })
}

/// Keeps what the analysis needs of an entry: bodies only for errors (the
/// platform shows in error pages), so the entries waiting to be paired stay
/// small.
pub fn slim(mut entry: Entry) -> Entry {
    entry.request.body_prefix = None;
    if entry.response.status < 400 {
        entry.response.body_prefix = None;
    } else if let Some(b) = &mut entry.response.body_prefix {
        let mut cut = b.len().min(2048);
        while !b.is_char_boundary(cut) {
            cut -= 1;
        }
        b.truncate(cut);
    }
    entry
}

/// Reads an export held in memory and gives every cross-origin request its
/// verdict: [`judge_stream`] after a first pass for the summary. For a
/// large file, call those two on the file instead (as `corsair har` does),
/// which keeps memory bounded.
pub fn analyze<R: std::io::Read>(
    mut reader: R,
    profile: Profile,
) -> Result<HarReport, har::HarError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let summary = har::read(bytes.as_slice(), |_| {})?;
    let mut requests = Vec::new();
    let (pairing, error) = judge_stream(bytes.as_slice(), &summary, profile, |v| requests.push(v));
    match error {
        Some(e) => Err(e),
        None => Ok(HarReport {
            summary,
            requests,
            pairing,
        }),
    }
}

/// Reads an export a second time, pairing its entries and judging each
/// cross-origin request as soon as its exchange is complete, in file order.
/// `summary` is what a first [`har::read`] (or [`har::read_partial`]) of the
/// same file returned: the pages may come after the entries, and whether
/// the export is sanitized is known only at its end, so the judging needs
/// it first. Memory stays bounded (see [`har::Pairer`]). Returns what the
/// pairing cut, and the reading error if there was one (the entries before
/// it are judged).
pub fn judge_stream<R: std::io::Read>(
    reader: R,
    summary: &HarSummary,
    profile: Profile,
    mut on_verdict: impl FnMut(HarVerdict),
) -> (PairStats, Option<har::HarError>) {
    let judge = Judge::new(summary, profile);
    let mut pairer = Pairer::new();
    let mut not_cors_seen: Vec<(usize, String)> = Vec::new();
    let mut not_cors_count = 0usize;
    let mut hand = |g: Group| {
        let first = g.entry(g.exchange.request);
        if let Some(why) = first.and_then(|e| not_cors(&e.request.url)) {
            // Counted, and the first few kept: memory stays bounded however
            // many such entries the export holds.
            not_cors_count += 1;
            if not_cors_seen.len() < har::MAX_SKIPPED_REASONS {
                not_cors_seen.push((g.exchange.request, why.to_owned()));
            }
            return;
        }
        if let Some(v) = judge.judge(&g) {
            on_verdict(v);
        }
    };
    let (_, error) = har::read_partial(reader, |e| pairer.push(slim(e), &mut hand));
    pairer.finish(&mut hand);
    let mut stats = pairer.stats().clone();
    stats.not_cors = not_cors_count;
    stats.not_cors_entries = not_cors_seen;
    (stats, error)
}

/// Judges exchanges: the export's pages indexed by id, whether it is
/// sanitized, the browser.
pub struct Judge {
    pages: HashMap<String, String>,
    sanitized: bool,
    profile: Profile,
}

impl Judge {
    /// A judge for an export of that summary.
    pub fn new(summary: &HarSummary, profile: Profile) -> Self {
        let mut pages = HashMap::new();
        for p in &summary.pages {
            // The first page of an id wins, as in a scan of the list.
            pages.entry(p.id.clone()).or_insert_with(|| p.title.clone());
        }
        Judge {
            pages,
            sanitized: summary.sanitized,
            profile,
        }
    }

    /// The verdict on an exchange's request, or `None` when it is not
    /// cross-origin (or its page origin cannot be told).
    pub fn judge(&self, x: &Group) -> Option<HarVerdict> {
        let profile = self.profile;
        let sanitized = self.sanitized;
        let ex = &x.exchange;
        let first = x.entry(ex.request)?;
        if not_cors(&first.request.url).is_some() {
            return None;
        }
        let page_url = first
            .page_ref
            .as_deref()
            .and_then(|id| self.pages.get(id))
            .map(String::as_str);
        let page_origin = har::cross_origin_on_page(first, page_url)?;
        let preflight = ex.preflight.and_then(|p| x.entry(p));
        let lone_preflight = ex.lone_preflight;
        // The request as the page's code made it.
        let (method, mut headers) = if lone_preflight {
            // The request itself was never sent: rebuild it from the preflight.
            let acrm = first
                .request
                .header("access-control-request-method")
                .unwrap_or("GET");
            let names = first
                .request
                .header("access-control-request-headers")
                .unwrap_or("");
            let headers = names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| {
                    let v = if n.eq_ignore_ascii_case("content-type") {
                        "application/json"
                    } else {
                        "x"
                    };
                    (n.to_owned(), v.to_owned())
                })
                .collect();
            (acrm.to_owned(), headers)
        } else {
            let headers: Vec<(String, String)> = first
                .request
                .headers
                .iter()
                .filter(|(n, _)| !added_by_browser(n))
                .cloned()
                .collect();
            (first.request.method.clone(), headers)
        };
        headers.retain(|(n, _)| !n.is_empty());
        // The preflight recorded the names of the headers the page set; a
        // sanitized export drops some of them (Authorization) from the
        // request entry itself.
        let mut headers_from_preflight = Vec::new();
        if !lone_preflight {
            let acrh = preflight
                .and_then(|p| p.request.header("access-control-request-headers"))
                .unwrap_or("");
            for name in acrh.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    continue;
                }
                let value = if name.eq_ignore_ascii_case("content-type") {
                    "application/json"
                } else {
                    PLACEHOLDER
                };
                headers.push((name.to_owned(), value.to_owned()));
                headers_from_preflight.push(name.to_owned());
            }
        }
        let cookies = first.request.header("cookie").is_some();
        let acac = |e: Option<&Entry>| {
            e.and_then(|e| e.response.header("access-control-allow-credentials")) == Some("true")
        };
        let credentials_assumed = !cookies && sanitized && (acac(Some(first)) || acac(preflight));
        let credentials = if cookies || credentials_assumed {
            CredentialsMode::Include
        } else {
            CredentialsMode::SameOrigin
        };
        // The answers, redirect hops nested.
        let mut response = if lone_preflight { None } else { answer(first) };
        let mut hops: Vec<Hop> = Vec::new();
        for (i, r) in ex.redirects.iter().enumerate() {
            let pre = ex
                .redirect_preflights
                .get(i)
                .copied()
                .flatten()
                .and_then(|p| x.entry(p))
                .and_then(answer);
            hops.push(Hop {
                preflight: pre,
                response: x.entry(*r).and_then(answer),
            });
        }
        // Nest from the last hop back to the first.
        let mut next: Option<Box<Hop>> = None;
        for mut hop in hops.into_iter().rev() {
            if let (Some(n), Some(r)) = (next.take(), hop.response.as_mut()) {
                r.next = Some(n);
            }
            next = Some(Box::new(hop));
        }
        if let (Some(n), Some(r)) = (next, response.as_mut()) {
            r.next = Some(n);
        }
        let scenario = Scenario {
            page_origin: page_origin.origin.clone(),
            request: RequestSpec {
                url: first.request.url.clone(),
                method,
                headers,
                credentials,
                mode: Default::default(),
                initiator: Default::default(),
            },
            preflight: if lone_preflight {
                answer(first)
            } else {
                preflight.and_then(answer)
            },
            response,
            read_headers: Vec::new(),
            address_space: None,
        };
        let mut verdict = corsair_core::explain(&scenario, profile).ok()?;
        let mut scenario = scenario;
        let mut preflight_assumed = false;
        let needs_preflight = verdict.missing.as_ref().is_some_and(|m| {
            m.stage == corsair_core::verdict::Stage::Preflight && m.url == scenario.request.url
        });
        if needs_preflight && scenario.response.is_some() {
            scenario.preflight = Some(passing_preflight(&scenario, &verdict));
            if let Ok(v) = corsair_core::explain(&scenario, profile) {
                verdict = v;
                preflight_assumed = true;
            }
        }
        let recorded_error = ex
            .redirects
            .last()
            .and_then(|r| x.entry(*r))
            .unwrap_or(first)
            .response
            .error
            .clone()
            .filter(|e| !e.is_empty());
        Some(HarVerdict {
            entry: ex.request,
            preflight_entry: ex.preflight,
            redirect_entries: ex.redirects.clone(),
            page_origin,
            scenario,
            credentials_assumed,
            preflight_assumed,
            recorded_error,
            headers_from_preflight,
            verdict,
        })
    }
}

/// The answer of a preflight that passed for exactly this request.
fn passing_preflight(scenario: &Scenario, verdict: &Verdict) -> Answer {
    let mut headers = vec![
        (
            "access-control-allow-origin".to_owned(),
            scenario.page_origin.clone(),
        ),
        (
            "access-control-allow-methods".to_owned(),
            verdict.request.method.clone(),
        ),
    ];
    if let Some(acrh) = verdict.preflight.access_control_request_headers() {
        headers.push(("access-control-allow-headers".to_owned(), acrh.to_owned()));
    }
    if scenario.request.credentials == CredentialsMode::Include {
        headers.push((
            "access-control-allow-credentials".to_owned(),
            "true".to_owned(),
        ));
    }
    Answer {
        status: 204,
        headers,
        next: None,
    }
}
