//! `har --html`: every cross-origin request of an export, summarized in
//! bounded size whatever the export's: the counts by outcome and mistake
//! over all of them, a table of the first [`MAX_ROWS`] requests, and the
//! full story (per engine, the diagram, the findings) of the first
//! [`MAX_DETAILS`] blocked or flagged ones.

use std::collections::BTreeMap;
use std::io::Read;

use corsair_core::{Outcome, Profile, Severity};
use corsair_doctor::exchange::redact_url;
use corsair_doctor::har::{HarSummary, PairStats};
use corsair_doctor::har_check::{self, HarVerdict};
use corsair_html::{Csp, Html};

use super::verdict::{self, outcome_words};
use super::{banner, sequence, Clean, Writer};

/// Requests listed in the table at most.
pub const MAX_ROWS: usize = 1000;
/// Requests told in full at most.
pub const MAX_DETAILS: usize = 100;

/// Where the rows past the first page go: `har --html` writes them as
/// numbered pages next to the report; `corsair ui` shows the first page.
pub trait MorePages {
    /// The link to page `number` (2, 3, …), if pages are written.
    fn href(&self, number: usize) -> Option<String>;
    /// Page `number` with its table rows; `last` when no page follows.
    fn page(&mut self, number: usize, rows: &Html, last: bool);
}

/// Rows past the first page are counted, not kept.
pub struct FirstPageOnly;

impl MorePages for FirstPageOnly {
    fn href(&self, _: usize) -> Option<String> {
        None
    }
    fn page(&mut self, _: usize, _: &Html, _: bool) {}
}

/// The pages past the first, written next to the report as
/// `NAME-2.html`, `NAME-3.html`, … with links between them.
pub struct PageFiles {
    dir: std::path::PathBuf,
    /// The report's file name (`report.html`).
    first: String,
    /// The name the pages are numbered after (`report`).
    stem: String,
    /// What is being reported on (the export's name), for the titles.
    name: String,
    /// The first page that could not be written, if any.
    pub error: Option<(std::path::PathBuf, std::io::Error)>,
}

impl PageFiles {
    /// Pages next to `report` (its directory, its name without extension).
    /// `None` when the report has no file name (standard output).
    pub fn next_to(report: &std::path::Path, name: &str) -> Option<PageFiles> {
        if report.as_os_str() == "-" {
            return None;
        }
        let first = report.file_name()?.to_str()?.to_owned();
        let stem = report.file_stem()?.to_str()?.to_owned();
        // Links are written only to plain file names.
        let plain = |s: &str| {
            !s.starts_with('.')
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        if !plain(&first) || !plain(&stem) {
            return None;
        }
        Some(PageFiles {
            dir: report
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
            first,
            stem,
            name: name.to_owned(),
            error: None,
        })
    }

    fn file(&self, number: usize) -> String {
        if number <= 1 {
            self.first.clone()
        } else {
            format!("{}-{number}.html", self.stem)
        }
    }
}

impl MorePages for PageFiles {
    fn href(&self, number: usize) -> Option<String> {
        Some(format!("./{}", self.file(number)))
    }

    fn page(&mut self, number: usize, rows: &Html, last: bool) {
        if self.error.is_some() {
            return;
        }
        let mut w = Writer::new(Clean::AsIs);
        w.raw("<a class=\"skip\" href=\"#main\">Skip to the report</a>");
        banner(&mut w, "HAR report");
        w.open("h1", &[])
            .raw("HAR ")
            .text(&self.name)
            .text(&format!(", page {number}"))
            .close("h1");
        w.raw("<nav aria-label=\"Pages\"><p>");
        let first = format!("./{}", self.file(1));
        w.el("a", &[("href", &first)], "first page (the summary)");
        let previous = format!("./{}", self.file(number - 1));
        w.raw(" · ").el(
            "a",
            &[("href", &previous), ("rel", "prev")],
            "previous page",
        );
        if !last {
            let next = format!("./{}", self.file(number + 1));
            w.raw(" · ")
                .el("a", &[("href", &next), ("rel", "next")], "next page");
        }
        w.raw("</p></nav>");
        w.raw(TABLE_HEAD);
        w.h.append(rows);
        w.raw("</tbody></table></main>");
        let title = format!("corsair har {} (page {number})", self.name);
        let page = corsair_html::document(&title, Csp::Report, &w.h);
        let path = self.dir.join(self.file(number));
        if let Err(e) = std::fs::write(&path, page) {
            self.error = Some((path, e));
        }
    }
}

/// The requests table's head, the same on every page.
pub const TABLE_HEAD: &str = "<table class=\"requests\"><thead><tr><th scope=\"col\" class=\"c-n\">Entry</th><th scope=\"col\" class=\"c-m\">Method</th><th scope=\"col\" class=\"c-s\">Status</th><th scope=\"col\" class=\"c-v\">Verdict</th><th scope=\"col\">Mistake</th><th scope=\"col\">URL</th></tr></thead><tbody>";

/// What the page counted over the whole export.
#[derive(Debug, Default)]
pub struct Counts {
    /// Cross-origin requests judged.
    pub requests: usize,
    /// Of them, blocked.
    pub blocked: usize,
    /// Requests by their worst mistake's slug.
    pub by_slug: BTreeMap<String, usize>,
}

/// The whole page: [`body`] with the banner around it.
pub fn page(
    name: &str,
    reader: impl Read,
    summary: &HarSummary,
    profile: Profile,
    notes: impl Fn(&HarSummary, &PairStats) -> Vec<String>,
    more: &mut dyn MorePages,
) -> (String, Counts, Option<corsair_doctor::har::HarError>) {
    let (body, counts, error) = self::body(name, reader, summary, profile, notes, more);
    let mut w = Writer::new(Clean::AsIs);
    w.raw("<a class=\"skip\" href=\"#main\">Skip to the report</a>");
    banner(&mut w, "HAR report");
    w.h.append(&body);
    w.raw("</main>");
    let page = corsair_html::document(&format!("corsair har {name}"), Csp::Report, &w.h);
    (page, counts, error)
}

/// Judges the export as it streams by and writes the report; returns it,
/// the counts (whose `blocked` sets the exit status), and the reading
/// error, if any, after which nothing was judged.
pub fn body(
    name: &str,
    reader: impl Read,
    summary: &HarSummary,
    profile: Profile,
    notes: impl Fn(&HarSummary, &PairStats) -> Vec<String>,
    more: &mut dyn MorePages,
) -> (Html, Counts, Option<corsair_doctor::har::HarError>) {
    let mut counts = Counts::default();
    let mut rows = Writer::new(Clean::AsIs);
    // The page being filled past the first, and its number.
    let mut later = Writer::new(Clean::AsIs);
    let mut later_number = 1usize;
    let mut details = Writer::new(Clean::AsIs);
    let mut told = 0usize;
    let (stats, error) = har_check::judge_stream(reader, summary, profile, |r| {
        // The story shows every answer's headers, the redirect hops' too:
        // their secrets are learnt from the export as recorded, before the
        // verdict is redacted (only for the requests told in full).
        let flagged = r.verdict.outcome != Outcome::Allowed
            || r.verdict
                .findings
                .iter()
                .any(|f| f.severity != Severity::Info);
        let detailed = flagged && told < MAX_DETAILS;
        let raw_redactor =
            detailed.then(|| corsair_doctor::redact::Redactor::from_scenario(&r.scenario));
        let r = corsair_doctor::redact::har_verdict(r);
        counts.requests += 1;
        counts.blocked += usize::from(r.verdict.outcome == Outcome::Blocked);
        let slug = crate::har::worst_slug(&r);
        if !slug.is_empty() {
            *counts.by_slug.entry(slug.clone()).or_default() += 1;
        }
        if counts.requests <= MAX_ROWS {
            row(&mut rows, &r, &slug, detailed);
        } else {
            let number = (counts.requests - 1) / MAX_ROWS + 1;
            if number != later_number {
                if later_number >= 2 {
                    more.page(later_number, &later.h, false);
                    later = Writer::new(Clean::AsIs);
                }
                later_number = number;
            }
            // The stories are on the first page: no link from here.
            row(&mut later, &r, &slug, false);
        }
        if let Some(redactor) = raw_redactor {
            told += 1;
            detail(&mut details, &r, redactor);
        }
    });
    if later_number >= 2 {
        more.page(later_number, &later.h, true);
    }
    let mut w = Writer::new(Clean::AsIs);
    w.open("h1", &[]).raw("HAR ").text(name).close("h1");
    let outcome = if counts.blocked > 0 {
        Outcome::Blocked
    } else {
        Outcome::Allowed
    };
    let why = format!(
        "{} entries, {} cross-origin requests, {} blocked",
        summary.entries, counts.requests, counts.blocked
    );
    verdict::headline(&mut w, outcome, &why);
    if let Some(c) = &summary.creator {
        w.open("p", &[("class", "muted")])
            .raw("Exported by ")
            .text(c)
            .close("p");
    }
    let lines = notes(summary, &stats);
    if !lines.is_empty() || summary.sanitized || summary.skipped > 0 {
        w.raw("<ul class=\"notes muted\">");
        if summary.sanitized {
            w.el("li", &[], "Sanitized export: no cookies or Authorization recorded; credentials assumed where the server allowed them.");
        }
        if summary.skipped > 0 {
            w.el(
                "li",
                &[],
                &format!("{} entries could not be read.", summary.skipped),
            );
        }
        for l in lines.iter().take(50) {
            w.el("li", &[], l);
        }
        w.raw("</ul>");
    }
    w.raw("<section aria-labelledby=\"h-counts\"><h2 id=\"h-counts\">Mistakes</h2>");
    if counts.by_slug.is_empty() {
        w.el("p", &[("class", "ok")], "No request has a mistake.");
    } else {
        w.raw("<table class=\"counts\"><thead><tr><th scope=\"col\">Mistake</th><th scope=\"col\">Requests</th></tr></thead><tbody>");
        for (slug, n) in &counts.by_slug {
            w.open("tr", &[("data-slug", slug)]);
            w.open("td", &[]).el("code", &[], slug).close("td");
            w.el("td", &[], &n.to_string());
            w.close("tr");
        }
        w.raw("</tbody></table>");
    }
    w.raw("</section><section aria-labelledby=\"h-requests\"><h2 id=\"h-requests\">Requests</h2>");
    if counts.requests > MAX_ROWS {
        match more.href(2) {
            Some(next) => {
                let pages = counts.requests.div_ceil(MAX_ROWS);
                w.open("p", &[("class", "muted bound")])
                    .text(&format!(
                        "The first {MAX_ROWS} of {} requests are listed here, the others on {} more pages: ",
                        counts.requests,
                        pages - 1
                    ))
                    .el("a", &[("href", &next), ("rel", "next")], "next page")
                    .raw(".")
                    .close("p");
            }
            None => {
                w.el(
                    "p",
                    &[("class", "muted bound")],
                    &format!(
                        "The first {MAX_ROWS} of {} requests are listed; `corsair har --html FILE` writes them all, a page of {MAX_ROWS} each, and `corsair har --json` lists them all.",
                        counts.requests
                    ),
                );
            }
        }
    }
    w.raw(TABLE_HEAD);
    w.h.append(&rows.h);
    w.raw("</tbody></table></section>");
    w.raw("<section aria-labelledby=\"h-details\"><h2 id=\"h-details\">Blocked or flagged requests</h2>");
    if told == 0 {
        w.el("p", &[("class", "ok")], "None.");
    } else if told == MAX_DETAILS {
        w.el(
            "p",
            &[("class", "muted bound")],
            &format!("The first {MAX_DETAILS} are told in full."),
        );
    }
    w.h.append(&details.h);
    w.raw("</section>");
    (w.h, counts, error)
}

fn status(r: &HarVerdict) -> String {
    r.scenario
        .response
        .as_ref()
        .or(r.scenario.preflight.as_ref())
        .map_or_else(|| "-".to_owned(), |a| a.status.to_string())
}

fn row(w: &mut Writer<'_>, r: &HarVerdict, slug: &str, detailed: bool) {
    let (class, word) = outcome_words(r.verdict.outcome);
    w.open("tr", &[("class", class)]);
    if detailed {
        let href = format!("#entry-{}", r.entry);
        w.open("td", &[])
            .el("a", &[("href", &href)], &r.entry.to_string())
            .close("td");
    } else {
        w.el("td", &[], &r.entry.to_string());
    }
    w.el("td", &[("class", "mono")], &r.scenario.request.method);
    w.el("td", &[], &status(r));
    w.open("td", &[])
        .el("span", &[("class", "word")], word)
        .close("td");
    w.open("td", &[]).el("code", &[], slug).close("td");
    w.el(
        "td",
        &[("class", "mono")],
        &redact_url(&r.scenario.request.url),
    );
    w.close("tr");
}

fn detail(w: &mut Writer<'_>, r: &HarVerdict, redactor: corsair_doctor::redact::Redactor) {
    let id = format!("entry-{}", r.entry);
    w.open("article", &[("id", &id), ("class", "har-entry")]);
    let mut title = Html::new();
    title.text(&format!("Entry {}", r.entry));
    w.open("h3", &[]).h.append(&title);
    w.raw(": ")
        .text(&r.scenario.request.method)
        .raw(" ")
        .text(&redact_url(&r.scenario.request.url));
    w.close("h3");
    w.open("p", &[("class", "muted")])
        .raw("Page ")
        .text(&r.page_origin.origin);
    if let Some(p) = r.preflight_entry {
        w.text(&format!(", preflight entry {p}"));
    }
    w.close("p");
    if let Some(e) = &r.recorded_error {
        w.open("p", &[])
            .raw("The browser recorded: ")
            .el("code", &[], e)
            .close("p");
    }
    let why = r
        .verdict
        .blocked
        .as_ref()
        .map(|b| b.reason.clone())
        .or_else(|| r.verdict.findings.first().map(|f| f.title.to_string()))
        .or_else(|| {
            (r.verdict.outcome == Outcome::Incomplete).then(|| {
                "the export holds no answer: the browser failed it before any response (a network error, or a blocked preflight the export left out)".to_owned()
            })
        })
        .unwrap_or_default();
    verdict::headline_small(w, r.verdict.outcome, &why);
    let mut messages = sequence::from_scenario(&r.scenario, &r.verdict);
    sequence::redact(&mut messages, redactor);
    let says = verdict::console_line(&r.verdict, r.verdict.browser);
    sequence::render_compact(w, &r.page_origin.origin, &messages, says.as_deref(), None);
    for f in &r.verdict.findings {
        verdict::finding(w, f, None);
    }
    w.close("article");
}
