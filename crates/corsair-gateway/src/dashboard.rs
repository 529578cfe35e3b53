//! The gateway's dashboard on the admin listener: the policy in force, the
//! latest refusals with their explanation, refusals by slug and route over
//! time, reloads with what changed, and upstream failures apart from
//! refusals. One page, no script (it reloads itself every few seconds),
//! every value from a client or the policy file escaped by `corsair_html`.

use corsair_html::{Csp, Html};

use crate::journal::{self, Snapshot};
use crate::metrics::{Totals, UpstreamFailure};
use crate::own::Own;

/// Seconds between the page's reloads.
pub const REFRESH_SECONDS: u32 = 5;
/// Refusals listed at most.
pub const LISTED_REFUSALS: usize = 50;

/// `HH:MM:SS` UTC of a Unix time.
fn clock(at: u64) -> String {
    let s = at % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn failure_words(f: UpstreamFailure) -> &'static str {
    match f {
        UpstreamFailure::Unreachable => "502: upstream unreachable",
        UpstreamFailure::BrokeOff => "502: upstream broke off",
        UpstreamFailure::Timeout => "504: no response head in time",
        UpstreamFailure::BodyStall => "response body stalled (cut)",
    }
}

fn card(h: &mut Html, label: &str, value: u64, id: &'static str) {
    h.open("div", &[("class", "card"), ("id", id)]);
    h.el("div", &[("class", "n")], &value.to_string());
    h.el("div", &[("class", "muted")], label);
    h.close("div");
}

/// The page, from the counters and the journal read `now` (Unix seconds).
pub fn page(totals: &Totals, snap: &Snapshot, now: u64) -> String {
    let mut h = Html::new();
    h.raw("<header class=\"top\"><strong>Corsair</strong> · gateway dashboard</header>\n<main id=\"main\">");
    h.raw("<h1>Gateway</h1>");
    h.el(
        "p",
        &[("class", "muted")],
        &format!(
            "At {} UTC; this page reloads every {REFRESH_SECONDS} s. Prometheus counters: ",
            clock(now)
        ),
    );
    h.raw("<p><a href=\"/metrics\">/metrics</a></p>");
    let refused: u64 = totals.refusals.values().sum();
    let upstream: u64 = totals.upstream.iter().map(|(_, n)| n).sum();
    h.raw("<div class=\"cards\">");
    card(&mut h, "requests", totals.requests, "c-requests");
    card(&mut h, "preflights", totals.preflights, "c-preflights");
    card(&mut h, "refused by the policy", refused, "c-refused");
    card(&mut h, "upstream errors", upstream, "c-upstream");
    card(&mut h, "connections open", totals.open, "c-open");
    h.raw("</div>");

    h.raw("<section aria-labelledby=\"h-policy\"><h2 id=\"h-policy\">Policy in force</h2>");
    match &snap.policy {
        Some((since, p)) => {
            h.raw("<dl class=\"policy\"><dt>Stage</dt><dd id=\"policy-stage\">");
            h.text(&p.stage);
            h.raw("</dd><dt>Origins</dt><dd class=\"mono\" id=\"policy-origins\">");
            h.text(&p.origins_shown());
            h.raw("</dd><dt>Credentials</dt><dd>");
            h.text(if p.credentials {
                "allowed"
            } else {
                "not allowed"
            });
            h.raw("</dd><dt>Routes with their own policy</dt><dd>");
            h.text(&p.routes.to_string());
            h.raw("</dd><dt>Since</dt><dd>");
            h.text(&format!("{} UTC", clock(*since)));
            h.raw("</dd></dl>");
        }
        None => {
            h.el("p", &[("class", "muted")], "Not known.");
        }
    }
    h.raw("</section>");

    h.raw("<section aria-labelledby=\"h-refusals\"><h2 id=\"h-refusals\">Latest refusals</h2>");
    if snap.refusals.is_empty() {
        h.el(
            "p",
            &[("class", "ok"), ("id", "no-refusals")],
            "None since the gateway started.",
        );
    } else {
        h.raw("<table id=\"refusals\"><thead><tr><th scope=\"col\" class=\"c-t\">Time</th><th scope=\"col\">Origin</th><th scope=\"col\">Route</th><th scope=\"col\">Mistake</th><th scope=\"col\">Why</th></tr></thead><tbody>");
        for r in snap.refusals.iter().take(LISTED_REFUSALS) {
            h.open("tr", &[("data-slug", r.slug)]);
            h.el("td", &[], &clock(r.at));
            h.el("td", &[("class", "mono")], &r.origin);
            h.el("td", &[("class", "mono")], &r.route);
            h.open("td", &[]).el("code", &[], r.slug).close("td");
            let mut why = r.explanation.clone();
            if r.shadow {
                why.push_str(" (shadow mode: let through)");
            }
            h.el("td", &[], &why);
            h.close("tr");
        }
        h.raw("</tbody></table>");
    }
    h.raw("</section>");

    h.raw("<section aria-labelledby=\"h-counts\"><h2 id=\"h-counts\">Refusals by mistake and route</h2>");
    if totals.refusals.is_empty() {
        h.el("p", &[("class", "ok")], "None.");
    } else {
        h.raw("<table id=\"counts\"><thead><tr><th scope=\"col\">Mistake</th><th scope=\"col\">Route</th><th scope=\"col\">Last 5 min</th><th scope=\"col\">Last hour</th><th scope=\"col\">Since start</th></tr></thead><tbody>");
        for ((slug, route), n) in &totals.refusals {
            let (five, hour) = snap
                .recent_counts
                .get(&(*slug, route.clone()))
                .copied()
                .unwrap_or((0, 0));
            h.open("tr", &[("data-slug", slug)]);
            h.open("td", &[]).el("code", &[], slug).close("td");
            h.el("td", &[("class", "mono")], route);
            h.el("td", &[], &five.to_string());
            h.el("td", &[], &hour.to_string());
            h.el("td", &[("class", "total")], &n.to_string());
            h.close("tr");
        }
        h.raw("</tbody></table>");
    }
    h.raw("</section>");

    h.raw("<section aria-labelledby=\"h-upstream\"><h2 id=\"h-upstream\">Upstream errors (apart from refusals)</h2><table id=\"upstream\"><thead><tr><th scope=\"col\">What</th><th scope=\"col\">Since start</th></tr></thead><tbody>");
    for (f, n) in &totals.upstream {
        h.open("tr", &[])
            .el("td", &[], failure_words(*f))
            .el("td", &[], &n.to_string())
            .close("tr");
    }
    h.raw("</tbody></table>");
    if let Some(last) = snap.upstream.first() {
        h.el(
            "p",
            &[("class", "muted")],
            &format!(
                "Last: {} at {} UTC.",
                failure_words(last.failure),
                clock(last.at)
            ),
        );
    }
    h.raw("<h3>Answered by the gateway itself</h3><table id=\"own\"><thead><tr><th scope=\"col\">Reason</th><th scope=\"col\">Since start</th></tr></thead><tbody>");
    for (why, n) in totals.own.iter().filter(|(w, _)| *w != Own::Overloaded) {
        h.open("tr", &[])
            .open("td", &[])
            .el("code", &[], why.as_str())
            .close("td")
            .el("td", &[], &n.to_string())
            .close("tr");
    }
    h.raw("</tbody></table></section>");

    h.raw("<section aria-labelledby=\"h-reloads\"><h2 id=\"h-reloads\">Reloads</h2>");
    h.el(
        "p",
        &[("class", "muted")],
        &format!(
            "{} applied, {} refused (the running policy kept).",
            totals.reloads.0, totals.reloads.1
        ),
    );
    if !snap.reloads.is_empty() {
        h.raw("<table id=\"reloads\"><thead><tr><th scope=\"col\" class=\"c-t\">Time</th><th scope=\"col\" class=\"c-v\">Result</th><th scope=\"col\">What changed</th></tr></thead><tbody>");
        for r in &snap.reloads {
            h.open(
                "tr",
                &[("class", if r.applied { "applied" } else { "refused" })],
            );
            h.el("td", &[], &clock(r.at));
            h.el(
                "td",
                &[("class", if r.applied { "ok" } else { "sev-error" })],
                if r.applied { "applied" } else { "refused" },
            );
            h.el("td", &[], &r.what);
            h.close("tr");
        }
        h.raw("</tbody></table>");
    }
    h.raw("</section></main>");
    corsair_html::refreshing("Corsair gateway", Csp::Report, &h, Some(REFRESH_SECONDS))
}

/// The page for `metrics` now.
pub fn render(metrics: &crate::Metrics) -> String {
    let now = journal::now();
    page(&metrics.totals(), &metrics.journal().snapshot(now), now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Journal, RefusalEntry};
    use crate::metrics::Metrics;

    #[test]
    fn a_clients_values_are_text_on_the_dashboard() {
        let m = Metrics::default();
        m.refusal("origin-mismatch", None);
        let j: &Journal = m.journal();
        j.refusal(RefusalEntry {
            at: 0,
            origin: "https://x.example\"><script>alert(1)</script>".into(),
            route: "/a/<b>".into(),
            slug: "origin-mismatch",
            explanation: "origin <i>x</i> refused".into(),
            preflight: true,
            shadow: false,
        });
        let page = page(&m.totals(), &j.snapshot(30), 30);
        assert!(!page.contains("<script>") && !page.contains("<i>") && !page.contains("<b>"));
        assert!(page.contains("https://x.example&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("<td>00:00:00</td>"));
        assert!(page.contains("http-equiv=\"refresh\" content=\"5\""));
    }
}
