//! Turning the end of the walk into the verdict: outcome, console lines,
//! what the page may read, and the warnings on an allowed response.

use super::*;
use crate::names::NameSet;

impl<'a> Run<'a> {
    /// The verdict from how the walk ended, by Fetch §4.1 Main fetch's
    /// response tainting (basic, cors, opaque).
    pub(super) fn finish(mut self, end: End<'a>) -> Verdict {
        // A data: URL is answered by the browser itself: no origin to cross.
        let cross_origin =
            !self.page_origin.contains_url(self.initial_url) && self.initial_url.scheme() != "data";
        let origin = (cross_origin || !matches!(self.method.as_str(), "GET" | "HEAD"))
            .then(|| self.page_origin.serialized().to_owned());
        let request = SentRequest {
            method: std::mem::take(&mut self.method),
            origin,
            headers: std::mem::take(&mut self.headers)
                .into_iter()
                .map(|h| (h.name, h.value))
                .collect(),
            dropped_headers: std::mem::take(&mut self.dropped),
        };
        let mut missing = None;
        let (outcome, blocked, console, readable, status) = match end {
            End::Delivered { answer, tainting } => {
                let readable = self.readable_headers(answer, tainting);
                let outcome = match tainting {
                    Tainting::Basic => Outcome::SameOrigin,
                    Tainting::Cors => Outcome::Allowed,
                    Tainting::Opaque => Outcome::Opaque,
                };
                if tainting == Tainting::Cors {
                    self.response_warnings(answer, &readable);
                }
                let status = (tainting != Tainting::Opaque).then_some(answer.status);
                let text = match outcome {
                    Outcome::SameOrigin => "Same-origin request: CORS does not apply; the page reads the response.".to_owned(),
                    Outcome::Opaque => "no-cors request: it is sent, but the page gets an opaque response (status 0, no headers, no body).".to_owned(),
                    _ => format!("The page can read the response (status {}).", answer.status),
                };
                step!(self, Stage::Response, Some(true), text);
                let console = Console {
                    safari: std::mem::take(&mut self.safari_notes),
                    ..Console::default()
                };
                (outcome, None, console, readable, status)
            }
            End::Blocked(b) => {
                let b = *b;
                self.findings.insert(0, b.finding);
                let blocked = Blocked {
                    stage: b.stage,
                    cors_error: b.cors_error,
                    failed_parameter: b.parameter,
                    url: b.url,
                    reason: b.reason,
                };
                let mut safari = std::mem::take(&mut self.safari_notes);
                safari.extend(b.safari);
                let console = Console {
                    chrome: b.chrome,
                    firefox: b.firefox,
                    safari,
                };
                (Outcome::Blocked, Some(blocked), console, Vec::new(), None)
            }
            End::Incomplete {
                stage,
                url,
                request,
            } => {
                missing = Some(Missing {
                    stage,
                    url,
                    request,
                });
                (
                    Outcome::Incomplete,
                    None,
                    Console::default(),
                    Vec::new(),
                    None,
                )
            }
        };
        Verdict {
            browser: self.profile,
            cross_origin,
            preflight: self.first_preflight,
            outcome,
            blocked,
            missing,
            console,
            readable_response_headers: readable,
            status,
            findings: self.findings,
            request,
            urls: self.urls,
            engines: None,
            steps: self.steps,
        }
    }

    /// The response headers the page can read.
    /// Fetch §2.2.6 CORS-filtered response: safelisted names and
    /// Access-Control-Expose-Headers (`*` only without credentials).
    pub(super) fn readable_headers(&self, answer: &Answer, tainting: Tainting) -> Vec<String> {
        let exposed_value = combined(&answer.headers, "access-control-expose-headers");
        let exposed: Vec<String> = allow_list::parse(exposed_value.as_deref().unwrap_or(""))
            .unwrap_or_default()
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let exposed = NameSet::new(&exposed);
        let star = !self.include && exposed.contains("*");
        let mut names: Vec<String> = answer
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| n != "set-cookie" && n != "set-cookie2")
            .filter(|n| match tainting {
                Tainting::Basic => true,
                Tainting::Opaque => false,
                Tainting::Cors => star || is_safelisted_response_header(n) || exposed.contains(n),
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub(super) fn response_warnings(&mut self, answer: &Answer, readable: &[String]) {
        let readable = NameSet::new(readable);
        // Only for the headers the page reads (most scenarios read none).
        let names: Vec<&str> = match self.s.read_headers.is_empty() {
            true => Vec::new(),
            false => answer.headers.iter().map(|(n, _)| n.as_str()).collect(),
        };
        let present_names = NameSet::new(&names);
        for name in &self.s.read_headers {
            let lower = name.to_ascii_lowercase();
            if !readable.contains(&lower) {
                let present = present_names.contains(&lower);
                self.findings
                    .push(findings::header_not_exposed(name, present, self.include));
            }
        }
        let acao = combined(&answer.headers, "access-control-allow-origin");
        if let Some(acao) = acao.as_deref() {
            if acao != "*" {
                let vary = combined(&answer.headers, "vary").unwrap_or_default();
                let varies = vary
                    .split(',')
                    .map(str::trim)
                    .any(|v| v == "*" || v.eq_ignore_ascii_case("origin"));
                if !varies {
                    self.findings.push(findings::missing_vary_origin(acao));
                }
            }
            if acao == "null" {
                self.findings.push(findings::null_origin_allowed());
            }
        }
        if self.include && self.url.scheme() == "https" && self.page_origin.scheme() == Some("http")
        {
            self.findings.push(findings::insecure_origin_trusted(
                self.page_origin.serialized(),
            ));
        }
    }
}

/// Response headers a cross-origin page can always read.
/// Fetch §2.2.2 CORS-safelisted response-header name.
pub fn is_safelisted_response_header(lower_name: &str) -> bool {
    matches!(
        lower_name,
        "cache-control"
            | "content-language"
            | "content-length"
            | "content-type"
            | "expires"
            | "last-modified"
            | "pragma"
    )
}
