//! `check --html`: the doctor's report (verdict per engine, the exchanges
//! as a diagram with the refused answer marked, the cause, the findings,
//! the probes, the fix per platform).

use corsair_doctor::diagnose::Report;
use corsair_html::Csp;

use super::sequence;
use super::verdict;
use super::{banner, Clean, Writer};

/// The whole page for one report per origin checked.
pub fn page(reports: &[Report], clean: Clean<'_>) -> String {
    let mut w = Writer::new(clean);
    w.raw("<a class=\"skip\" href=\"#main\">Skip to the report</a>");
    banner(&mut w, "check report");
    for (i, r) in reports.iter().enumerate() {
        article(&mut w, r, i);
    }
    w.raw("</main>");
    let title = match reports.first() {
        Some(r) => format!("corsair check {}", clean.apply(&r.request.url)),
        None => "corsair check".to_owned(),
    };
    corsair_html::document(&title, Csp::Report, &w.h)
}

/// One report: its sections in the order a reader needs them.
pub fn article(w: &mut Writer<'_>, r: &Report, n: usize) {
    let id = format!("report-{n}");
    w.scope = if n == 0 { String::new() } else { n.to_string() };
    w.open("article", &[("id", &id), ("class", "report")]);
    w.open("h1", &[])
        .text(&r.request.method)
        .raw(" ")
        .text(&r.request.url)
        .close("h1");
    w.open("p", &[("class", "muted")])
        .raw("from the page at ")
        .text(&r.request.page_origin);
    if r.request.credentials {
        w.raw(", with credentials");
    }
    w.close("p");
    let why = crate::check::headline(r, crate::render::Style::default());
    // The headline starts with the word the box shows already.
    let why = why
        .split_once(": ")
        .map_or(why.as_str(), |(_, rest)| rest)
        .to_owned();
    verdict::headline(w, r.verdict.outcome, &why);
    toc(w, r);
    verdict::engines(w, &r.verdict);
    let messages = sequence::from_report(r);
    let says = verdict::console_line(&r.verdict, r.verdict.browser);
    let reason = r.verdict.blocked.as_ref().map(|b| b.reason.as_str());
    sequence::render(
        w,
        &r.request.page_origin,
        &messages,
        says.as_deref(),
        reason,
    );
    verdict::details(w, &r.verdict);
    if let Some(c) = &r.cause {
        cause(w, c);
    }
    verdict::findings(w, &r.verdict);
    probes(w, r);
    if let Some(f) = &r.fix {
        fix(w, f);
    }
    w.close("article");
}

/// Links to the sections this report has.
fn toc(w: &mut Writer<'_>, r: &Report) {
    let mut links: Vec<(&str, &str)> =
        vec![("h-engines", "Per browser"), ("h-exchanges", "Exchanges")];
    if r.cause.is_some() {
        links.push(("h-cause", "Cause"));
    }
    if !r.verdict.findings.is_empty() {
        links.push(("h-findings", "Findings"));
    }
    links.push(("h-probes", "Probes"));
    if r.fix.is_some() {
        links.push(("h-fix", "Fix"));
    }
    w.raw("<nav class=\"toc\" aria-label=\"Sections\">");
    for (id, label) in links {
        let href = format!("#{}", w.id(id));
        w.el("a", &[("href", &href)], label);
    }
    w.raw("</nav>");
}

fn cause(w: &mut Writer<'_>, c: &corsair_doctor::cause::Cause) {
    w.section("h-cause", "Why: the cause").raw("<p>");
    w.el("code", &[("class", "slug")], c.slug.name());
    w.raw(" ");
    w.el("span", &[("class", "muted")], c.confidence.word());
    w.raw("</p>");
    if let Some(layer) = &c.layer {
        w.open("p", &[]).raw("Answered by: ").text(layer).close("p");
    }
    w.el("p", &[("class", "cause-summary")], &c.summary);
    if !c.evidence.is_empty() {
        w.raw("<ul>");
        for e in &c.evidence {
            w.el("li", &[], e);
        }
        w.raw("</ul>");
    }
    if !c.works_from.is_empty() {
        w.open("p", &[])
            .raw("Works from: ")
            .text(&c.works_from.join(", "))
            .close("p");
    }
    if let Some(body) = &c.body {
        w.raw("<p>The server said:</p>");
        w.pre(&[], body);
    }
    w.raw("<p><strong>Fix:</strong> ");
    w.text(&c.fix);
    w.raw("</p></section>\n");
}

fn probes(w: &mut Writer<'_>, r: &Report) {
    let ran: Vec<(usize, &corsair_doctor::exchange::Exchange)> = r
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.probe.is_some())
        .collect();
    w.section("h-probes", "Probes");
    if r.findings.is_empty() {
        if ran.is_empty() {
            w.el("p", &[("class", "muted")], "No probe ran.");
        } else {
            w.el("p", &[("class", "ok")], "The probes found nothing: no crafted origin was trusted, error answers keep their CORS headers.");
        }
    }
    for f in &r.findings {
        verdict::finding(w, &f.finding, f.evidence);
    }
    if !ran.is_empty() {
        w.raw("<details><summary>");
        w.h.text(&format!("{} probe exchanges", ran.len()));
        w.raw("</summary><table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Probe</th><th scope=\"col\">Sent</th><th scope=\"col\">Answer</th></tr></thead><tbody>");
        for (i, e) in ran {
            let id = w.id(&format!("exchange-{i}"));
            w.open("tr", &[("id", &id)]);
            w.el("td", &[], &i.to_string());
            w.el("td", &[], e.probe.as_deref().unwrap_or(""));
            let origin = e
                .sent
                .headers
                .iter()
                .find(|(n, _)| n == "origin")
                .map(|(_, v)| v.as_str());
            w.open("td", &[("class", "mono")])
                .text(&e.sent.method)
                .raw(" ")
                .text(&e.sent.url);
            if let Some(o) = origin {
                w.raw("<br>Origin: ").text(o);
            }
            w.close("td");
            w.open("td", &[("class", "mono")]);
            match (&e.received, &e.error) {
                (Some(a), _) => {
                    w.text(&a.status.to_string());
                    for v in a.values("access-control-allow-origin") {
                        w.raw("<br>Access-Control-Allow-Origin: ").text(v);
                    }
                }
                (None, Some(err)) => {
                    w.text(err);
                }
                (None, None) => {}
            }
            w.close("td").close("tr");
        }
        w.raw("</tbody></table></details>");
    }
    w.raw("</section>\n");
}

fn fix(w: &mut Writer<'_>, f: &corsair_doctor::diagnose::FixReport) {
    w.section("h-fix", "The fix");
    if let Some(also) = &f.also {
        w.raw("<p><strong>1. Outside the CORS settings:</strong> ");
        w.text(also);
        w.raw("</p><p><strong>2. The CORS settings:</strong></p>");
    }
    let p = &f.policy;
    w.raw("<dl class=\"policy\">");
    let rows: [(&str, String); 5] = [
        ("Allow origins", p.origins.join(", ")),
        ("Methods", p.methods.join(", ")),
        ("Request headers", p.request_headers.join(", ")),
        ("Expose headers", p.expose_headers.join(", ")),
        (
            "Credentials",
            if p.credentials {
                "yes".into()
            } else {
                "no".into()
            },
        ),
    ];
    for (k, v) in rows.iter().filter(|(_, v)| !v.is_empty()) {
        w.raw("<dt>").h.text(k);
        w.raw("</dt><dd class=\"mono\">").text(v).raw("</dd>");
    }
    w.raw("</dl>");
    w.el(
        "p",
        &[("class", if f.rechecked { "ok" } else { "sev-warning" })],
        if f.rechecked {
            "Re-checked: a server answering with this policy gets the request allowed."
        } else {
            "Not re-checked: this policy alone may not be enough (see the findings)."
        },
    );
    if !f.detected.is_empty() {
        let names: Vec<&str> = f.detected.iter().map(|p| p.title()).collect();
        w.open("p", &[])
            .raw("Recognized in the answers: ")
            .text(&names.join(", "))
            .close("p");
    }
    for r in &f.rendered {
        let id = w.id(&format!("fix-{}", r.platform.name()));
        w.open(
            "section",
            &[("class", "platform"), ("aria-labelledby", &id)],
        );
        w.el("h3", &[("id", &id)], r.platform.title());
        w.el("p", &[("class", "muted")], &r.place);
        w.pre(
            &[("class", "snippet"), ("data-language", r.language)],
            &r.snippet,
        );
        for n in &r.notes {
            w.el("p", &[("class", "note")], n);
        }
        w.close("section");
    }
    w.raw("</section>\n");
}
