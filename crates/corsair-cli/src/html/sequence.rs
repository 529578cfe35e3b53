//! The exchanges as a sequence diagram: the page on the left, the server on
//! the right, one arrow per message (preflight, answer, request, answer,
//! each redirect hop), in HTML and CSS only. The answer the browser refused
//! is marked, with the browser's own message beside it.

use corsair_core::scenario::{Answer, Scenario};
use corsair_core::verdict::Stage;
use corsair_core::Verdict;
use corsair_doctor::diagnose::Report;
use corsair_doctor::exchange::{redact_url, Purpose};
use corsair_doctor::redact::Redactor;

use super::Writer;

/// Which way a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the browser to the server.
    Out,
    /// The server's answer.
    Back,
}

/// What an exchange is for, as the diagram labels it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The CORS preflight.
    Preflight,
    /// The request itself (its first hop).
    Request,
    /// The request again at a redirect's target.
    Redirect,
}

/// One arrow.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Which way.
    pub direction: Direction,
    /// What the exchange is for.
    pub kind: Kind,
    /// The redirect hop (0: the first URL).
    pub hop: usize,
    /// `OPTIONS https://…` or `204 HTTP/1.1`.
    pub line: String,
    /// The URL it concerns.
    pub url: String,
    /// Every header, in order.
    pub headers: Vec<(String, String)>,
    /// The exchange's number in the report, for links from findings.
    pub exchange: Option<usize>,
    /// Whether this is the answer the browser refused.
    pub failed: bool,
}

/// Headers worth showing on the arrow itself; the rest sit under it.
fn key_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("access-control-") || matches!(n.as_str(), "origin" | "location" | "vary")
}

/// The messages of a live check: the browser's own exchanges (the probes
/// are listed apart).
pub fn from_report(report: &Report) -> Vec<Message> {
    let mut out = Vec::new();
    let mut hop = 0;
    let mut requests = 0;
    for (i, e) in report.exchanges.iter().enumerate() {
        if e.probe.is_some() {
            continue;
        }
        let kind = match e.purpose {
            Purpose::Preflight => Kind::Preflight,
            _ => {
                requests += 1;
                if requests > 1 {
                    hop += 1;
                    Kind::Redirect
                } else {
                    Kind::Request
                }
            }
        };
        out.push(Message {
            direction: Direction::Out,
            kind,
            hop,
            line: format!("{} {}", e.sent.method, e.sent.url),
            url: e.sent.url.clone(),
            headers: e.sent.headers.clone(),
            exchange: Some(i),
            failed: false,
        });
        let (line, headers) = match (&e.received, &e.error) {
            (Some(r), _) => (format!("{} {}", r.status, r.version), r.headers.clone()),
            (None, Some(err)) => (format!("no answer: {err}"), Vec::new()),
            (None, None) => ("no answer".to_owned(), Vec::new()),
        };
        out.push(Message {
            direction: Direction::Back,
            kind,
            hop,
            line,
            url: e.sent.url.clone(),
            headers,
            exchange: Some(i),
            failed: false,
        });
    }
    mark_failure(&mut out, &report.verdict);
    out
}

/// The messages of a scenario (a HAR entry, a pasted scenario): the
/// preflight and the answers it holds, hop by hop, at the URLs the verdict
/// visited.
pub fn from_scenario(s: &Scenario, v: &Verdict) -> Vec<Message> {
    let mut out = Vec::new();
    let method = v.request.method.clone();
    let origin = v
        .request
        .origin
        .clone()
        .unwrap_or_else(|| s.page_origin.clone());
    let mut preflight = s.preflight.as_ref();
    let mut response = s.response.as_ref();
    let mut hop = 0;
    loop {
        let url = v.urls.get(hop).cloned().unwrap_or_else(|| {
            if hop == 0 {
                s.request.url.clone()
            } else {
                "(redirect target)".to_owned()
            }
        });
        if let Some(p) = preflight.filter(|_| v.preflight.required || hop > 0) {
            let mut sent = vec![("origin".to_owned(), origin.clone())];
            sent.extend(v.preflight.request_headers.iter().cloned());
            out.push(Message {
                direction: Direction::Out,
                kind: Kind::Preflight,
                hop,
                line: format!("OPTIONS {url}"),
                url: url.clone(),
                headers: sent,
                exchange: None,
                failed: false,
            });
            out.push(answer(p, Kind::Preflight, hop, &url));
        }
        let kind = if hop == 0 {
            Kind::Request
        } else {
            Kind::Redirect
        };
        let Some(r) = response else { break };
        let mut sent = vec![("origin".to_owned(), origin.clone())];
        sent.extend(v.request.headers.iter().cloned());
        out.push(Message {
            direction: Direction::Out,
            kind,
            hop,
            line: format!("{method} {url}"),
            url: url.clone(),
            headers: sent,
            exchange: None,
            failed: false,
        });
        out.push(answer(r, kind, hop, &url));
        match &r.next {
            Some(next) if hop < 64 => {
                preflight = next.preflight.as_ref();
                response = next.response.as_ref();
                hop += 1;
            }
            _ => break,
        }
    }
    mark_failure(&mut out, v);
    // The browser sends nothing after the answer it refuses: the hops the
    // export holds beyond it were not part of this request's story.
    if let Some(i) = out.iter().position(|m| m.failed) {
        out.truncate(i + 1);
    }
    out
}

/// Hides the secrets of a scenario's messages as the other outputs hide
/// them: credential headers by name, every value the scenario's redactor
/// knows (a cookie set), and the tokens of every URL the exchange visits
/// (a redirect hop's query), wherever an answer repeats them.
pub fn redact(messages: &mut [Message], mut r: Redactor) {
    for m in messages.iter() {
        r.add_url(&m.url);
        for (n, v) in &m.headers {
            if n.eq_ignore_ascii_case("location") {
                r.add_url(v);
            }
        }
    }
    for m in messages {
        r.headers(&mut m.headers);
        m.url = r.scrub(&redact_url(&m.url));
        m.line = r.scrub(&match m.line.split_once(' ') {
            Some((method, url)) if m.direction == Direction::Out => {
                format!("{method} {}", redact_url(url))
            }
            _ => m.line.clone(),
        });
    }
}

fn answer(a: &Answer, kind: Kind, hop: usize, url: &str) -> Message {
    Message {
        direction: Direction::Back,
        kind,
        hop,
        line: a.status.to_string(),
        url: url.to_owned(),
        headers: a.headers.clone(),
        exchange: None,
        failed: false,
    }
}

/// Marks the answer the browser refused: the last answer of the blocked
/// stage at the blocked URL (else the last answer of that stage).
fn mark_failure(messages: &mut [Message], v: &Verdict) {
    let Some(b) = &v.blocked else { return };
    let preflight = match b.stage {
        Stage::Preflight => true,
        Stage::Response | Stage::Redirect => false,
        Stage::Request => return,
    };
    let of_stage =
        |m: &Message| m.direction == Direction::Back && (m.kind == Kind::Preflight) == preflight;
    let at = messages
        .iter()
        .rposition(|m| of_stage(m) && m.url == b.url)
        .or_else(|| messages.iter().rposition(of_stage));
    if let Some(i) = at {
        messages[i].failed = true;
    }
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Preflight => "preflight",
        Kind::Request => "request",
        Kind::Redirect => "request after redirect",
    }
}

/// The diagram; `says` the browser's message, shown at the refused answer
/// (or above everything when the browser refused before sending).
pub fn render(
    w: &mut Writer<'_>,
    page_origin: &str,
    messages: &[Message],
    says: Option<&str>,
    reason: Option<&str>,
) {
    w.section("h-exchanges", "The exchanges");
    render_compact(w, page_origin, messages, says, reason);
    w.raw("</section>\n");
}

/// The diagram alone, without its heading (several on one page).
pub fn render_compact(
    w: &mut Writer<'_>,
    page_origin: &str,
    messages: &[Message],
    says: Option<&str>,
    reason: Option<&str>,
) {
    w.raw("<div class=\"seq\"><div class=\"lanes\" aria-hidden=\"true\"><span>Page ");
    w.text(page_origin);
    w.raw("</span><span>Server</span></div><ol aria-label=\"Messages between the browser and the server, in order\">");
    let nothing_failed = !messages.iter().any(|m| m.failed);
    if nothing_failed && (says.is_some() || reason.is_some()) {
        says_box(w, says, reason);
    }
    if messages.is_empty() {
        w.raw("<li class=\"msg\">No answer was recorded for this request.</li>");
    }
    for m in messages {
        let mut class = match m.direction {
            Direction::Out => "msg out".to_owned(),
            Direction::Back => "msg back".to_owned(),
        };
        if m.failed {
            class.push_str(" fail");
        }
        let id = match (m.direction, m.exchange) {
            (Direction::Out, Some(i)) => w.id(&format!("exchange-{i}")),
            _ => String::new(),
        };
        let kind = kind_word(m.kind);
        let mut attrs: Vec<(&'static str, &str)> = vec![("class", &class), ("data-kind", kind)];
        if !id.is_empty() {
            attrs.push(("id", &id));
        }
        w.open("li", &attrs);
        let hop = match (m.hop, m.direction) {
            (0, Direction::Out) => kind.to_owned(),
            (n, Direction::Out) => format!("{kind}, hop {n}"),
            (_, Direction::Back) => format!("answer to the {kind}"),
        };
        let hop = match m.exchange {
            Some(i) if m.direction == Direction::Out => format!("#{i} {hop}"),
            _ => hop,
        };
        w.el("div", &[("class", "hop")], &hop);
        w.el("div", &[("class", "mono line")], &m.line);
        w.raw("<div class=\"arrow\" aria-hidden=\"true\"></div>");
        let key: Vec<&(String, String)> = m.headers.iter().filter(|(n, _)| key_header(n)).collect();
        if !key.is_empty() {
            w.raw("<div class=\"hdrs mono\">");
            for (n, v) in key {
                w.open("div", &[]).text(n).raw(": ").text(v).close("div");
            }
            w.raw("</div>");
        } else if m.direction == Direction::Back && !m.headers.is_empty() {
            w.raw("<div class=\"hdrs muted\">no CORS header</div>");
        }
        if !m.headers.is_empty() {
            w.raw("<details class=\"hdrs\"><summary>");
            w.h.text(&format!("all {} headers", m.headers.len()));
            w.raw("</summary><pre>");
            for (n, v) in &m.headers {
                w.text(n).raw(": ").text(v).raw("\n");
            }
            w.raw("</pre></details>");
        }
        if m.failed {
            says_box(w, says, reason);
        }
        w.close("li");
    }
    w.raw("</ol></div>");
}

fn says_box(w: &mut Writer<'_>, says: Option<&str>, reason: Option<&str>) {
    w.raw("<div class=\"says\" role=\"note\"><strong>✗ The browser refuses this");
    w.raw("</strong>");
    if let Some(r) = reason {
        w.el("p", &[("class", "reason")], r);
    }
    if let Some(line) = says {
        w.raw("<p>The console says:</p>");
        w.pre(&[("class", "console says-line")], line);
    }
    w.raw("</div>");
}
