//! The verdict as HTML: the outcome, each engine's outcome and console
//! lines, the preflight's reasons, what the page can read, the findings.

use corsair_core::catalog::{Finding, Severity};
use corsair_core::{Outcome, Profile, Verdict};

use super::Writer;

/// The outcome's class and word.
pub fn outcome_words(o: Outcome) -> (&'static str, &'static str) {
    match o {
        Outcome::Allowed => ("allowed", "ALLOWED"),
        Outcome::Blocked => ("blocked", "BLOCKED"),
        Outcome::Incomplete => ("incomplete", "INCOMPLETE"),
        Outcome::SameOrigin => ("same-origin", "SAME-ORIGIN"),
        Outcome::Opaque => ("opaque", "OPAQUE"),
    }
}

/// The box at the top: the outcome and one line saying why.
pub fn headline(w: &mut Writer<'_>, outcome: Outcome, why: &str) {
    let (class, word) = outcome_words(outcome);
    let class = format!("verdict {class}");
    w.open(
        "div",
        &[
            ("class", &class),
            ("role", "status"),
            ("id", &w.id("verdict")),
        ],
    );
    w.el("span", &[("class", "word")], word);
    w.raw(": ");
    w.el("span", &[("class", "why")], why);
    w.close("div");
}

/// A smaller box for one of many verdicts on a page (no landmark id).
pub fn headline_small(w: &mut Writer<'_>, outcome: Outcome, why: &str) {
    let (class, word) = outcome_words(outcome);
    let class = format!("verdict {class}");
    w.open("div", &[("class", &class)]);
    w.el("span", &[("class", "word")], word);
    if !why.is_empty() {
        w.raw(": ");
        w.el("span", &[("class", "why")], why);
    }
    w.close("div");
}

/// The console line(s) the browser of `profile` prints for the failure.
pub fn console_line(v: &Verdict, profile: Profile) -> Option<String> {
    match profile {
        Profile::Firefox => v.console.firefox.clone(),
        Profile::Safari if !v.console.safari.is_empty() => Some(v.console.safari.join("\n")),
        _ => v.console.chrome.clone(),
    }
    .or_else(|| v.console.chrome.clone())
}

/// Chrome, Firefox and Safari side by side: the outcome each reaches and
/// the line each prints.
pub fn engines(w: &mut Writer<'_>, v: &Verdict) {
    w.section("h-engines", "Verdict per browser");
    if let Some(e) = &v.engines {
        w.el("p", &[("class", "engines-summary")], &e.summary);
    }
    let each = [
        (
            "Chrome",
            "chrome",
            v.engines.as_ref().map_or(v.outcome, |e| e.chrome),
            v.console.chrome.iter().cloned().collect::<Vec<_>>(),
        ),
        (
            "Firefox",
            "firefox",
            v.engines.as_ref().map_or(v.outcome, |e| e.firefox),
            v.console.firefox.iter().cloned().collect(),
        ),
        (
            "Safari",
            "safari",
            v.engines.as_ref().map_or(v.outcome, |e| e.safari),
            v.console.safari.clone(),
        ),
    ];
    w.raw("<div class=\"engines\">");
    for (name, id, outcome, lines) in each {
        let (class, word) = outcome_words(outcome);
        let class = format!("engine {class}");
        let data = format!("engine-{id}");
        w.open("div", &[("class", &class), ("data-engine", &data)]);
        w.open("h3", &[]).h.text(name);
        w.raw(": ");
        w.el("span", &[("class", "word")], word);
        w.close("h3");
        if lines.is_empty() {
            w.el("p", &[("class", "muted")], "no console message");
        } else {
            w.pre(&[("class", "console")], &lines.join("\n"));
        }
        w.close("div");
    }
    w.raw("</div></section>\n");
}

/// Why a preflight is sent, and what the page can read.
pub fn details(w: &mut Writer<'_>, v: &Verdict) {
    if v.preflight.required {
        w.raw("<h3>Why a preflight</h3><ul>");
        for r in &v.preflight.reasons {
            w.el("li", &[], r);
        }
        w.raw("</ul>");
    }
    if v.outcome == Outcome::Allowed {
        w.raw("<p>Response headers the page can read: ");
        let list = if v.readable_response_headers.is_empty() {
            "only the safelisted ones".to_owned()
        } else {
            v.readable_response_headers.join(", ")
        };
        w.el("code", &[], &list);
        w.raw("</p>");
    }
}

/// The severity's class and word.
pub fn severity_words(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("sev-error", "error"),
        Severity::Warning => ("sev-warning", "warning"),
        Severity::Info => ("sev-info", "info"),
    }
}

/// One finding: severity, slug, title, explanation, fix; `evidence` the
/// exchange that shows it.
pub fn finding(w: &mut Writer<'_>, f: &Finding, evidence: Option<usize>) {
    let (class, word) = severity_words(f.severity);
    let slug = f.slug.name();
    w.open("div", &[("class", "finding"), ("data-slug", slug)]);
    w.open("h3", &[]);
    w.el("span", &[("class", &format!("tag {class}"))], word);
    w.raw(" ");
    w.el("code", &[], slug);
    w.raw(" ");
    w.text(&f.title);
    w.close("h3");
    w.el("p", &[], &f.explanation);
    if let Some(i) = evidence {
        let href = format!("#{}", w.id(&format!("exchange-{i}")));
        w.raw("<p>Shown by ");
        w.el("a", &[("href", &href)], &format!("exchange #{i}"));
        w.raw("</p>");
    }
    w.raw("<p><strong>Fix:</strong> ");
    w.text(&f.fix);
    w.raw("</p></div>\n");
}

/// The verdict's findings under a heading (nothing when there are none).
pub fn findings(w: &mut Writer<'_>, v: &Verdict) {
    if v.findings.is_empty() {
        return;
    }
    w.section("h-findings", "Findings");
    for f in &v.findings {
        finding(w, f, None);
    }
    w.raw("</section>\n");
}
