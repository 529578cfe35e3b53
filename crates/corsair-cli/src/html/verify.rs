//! `verify --html`: whether the deployment serves the policy, per URL and
//! case, each engine's outcome, and every deviation with its slug.

use corsair_core::Outcome;
use corsair_doctor::verify::{CaseRun, Deviation, EngineOutcomes, Expect};
use corsair_html::Csp;

use super::verdict::outcome_words;
use super::{banner, Clean, Writer};

/// One URL checked: its (redacted) URL, the route whose policy applies,
/// and its cases' runs.
pub struct UrlRuns<'a> {
    /// The URL, redacted.
    pub url: &'a str,
    /// The route's path pattern (`None`: the default policy).
    pub route: Option<&'a str>,
    /// The runs.
    pub runs: &'a [CaseRun],
}

fn expect_word(e: Expect) -> &'static str {
    match e {
        Expect::Allowed => "allowed",
        Expect::Refused => "refused",
    }
}

/// Each engine's outcome, marked as it meets the expectation or not.
fn engine_cells(w: &mut Writer<'_>, e: EngineOutcomes, expect: Expect) {
    for (_, o) in e.each() {
        let word = match o {
            // A method not sent: its preflight passed.
            Outcome::Incomplete => "PREFLIGHT OK",
            other => outcome_words(other).1,
        };
        let refused = o == Outcome::Blocked;
        let met = refused == (expect == Expect::Refused);
        let class = if met { "ok met" } else { "sev-error unmet" };
        w.open("td", &[("class", class)])
            .el("span", &[("class", "word")], word)
            .close("td");
    }
}

/// The page for `policy` (the file as named) at `stage`.
pub fn page(
    policy: &str,
    stage: Option<&str>,
    urls: &[UrlRuns<'_>],
    deviations: &[&Deviation],
    drifts: &[String],
) -> String {
    let mut w = Writer::new(Clean::AsIs);
    w.raw("<a class=\"skip\" href=\"#main\">Skip to the report</a>");
    banner(&mut w, "verify report");
    w.open("h1", &[])
        .raw("Verify ")
        .text(&urls.iter().map(|u| u.url).collect::<Vec<_>>().join(", "))
        .close("h1");
    w.open("p", &[("class", "muted")])
        .raw("against ")
        .text(policy);
    if let Some(s) = stage {
        w.raw(", stage ").text(s);
    }
    w.close("p");
    let cases: usize = urls.iter().map(|u| u.runs.len()).sum();
    let failed = !deviations.is_empty() || !drifts.is_empty();
    let class = if failed {
        "verdict blocked"
    } else {
        "verdict allowed"
    };
    w.open(
        "div",
        &[("class", class), ("role", "status"), ("id", "verdict")],
    );
    w.el(
        "span",
        &[("class", "word")],
        if failed {
            "DEVIATES"
        } else {
            "SERVES THE POLICY"
        },
    );
    w.raw(": ");
    w.el(
        "span",
        &[("class", "why")],
        &format!(
            "{cases} cases on {} URLs, {} deviations, {} drifts",
            urls.len(),
            deviations.len(),
            drifts.len()
        ),
    );
    w.close("div");
    if !deviations.is_empty() {
        w.raw("<section aria-labelledby=\"h-deviations\"><h2 id=\"h-deviations\">Deviations</h2>");
        for d in deviations {
            let slug = d.slug.map(|s| s.name()).unwrap_or("");
            w.open(
                "div",
                &[("class", "finding deviation"), ("data-slug", slug)],
            );
            w.open("h3", &[])
                .el("span", &[("class", "tag sev-error")], "deviation")
                .raw(" ");
            if !slug.is_empty() {
                w.el("code", &[], slug).raw(" ");
            }
            w.text(&d.case).close("h3");
            w.el("p", &[], &d.message);
            w.open("p", &[("class", "muted")]).text(&format!(
                "{} from {}; expected {}",
                d.url,
                d.origin,
                expect_word(d.expected)
            ));
            if let Some(x) = d.exchange {
                w.text(&format!("; exchange #{x}"));
            }
            w.close("p").close("div");
        }
        w.raw("</section>");
    }
    if !drifts.is_empty() {
        w.raw("<section aria-labelledby=\"h-drift\"><h2 id=\"h-drift\">Drift between URLs of the same path</h2><ul>");
        for d in drifts {
            w.el("li", &[], d);
        }
        w.raw("</ul></section>");
    }
    for (i, u) in urls.iter().enumerate() {
        let id = format!("h-url-{i}");
        w.open("section", &[("aria-labelledby", &id), ("class", "url")]);
        w.open("h2", &[("id", &id)]).text(u.url).close("h2");
        w.open("p", &[("class", "muted")])
            .raw("route ")
            .text(u.route.unwrap_or("default"))
            .close("p");
        w.raw("<table class=\"cases\"><thead><tr><th scope=\"col\">Case</th><th scope=\"col\" class=\"c-v\">Expected</th><th scope=\"col\" class=\"c-v\">Chrome</th><th scope=\"col\" class=\"c-v\">Firefox</th><th scope=\"col\" class=\"c-v\">Safari</th></tr></thead><tbody>");
        for r in u.runs {
            let class = if r.deviations.is_empty() {
                "pass"
            } else {
                "fail"
            };
            w.open("tr", &[("class", class)]);
            w.el("td", &[], &r.case.name);
            w.el("td", &[], expect_word(r.case.expect));
            engine_cells(&mut w, r.engines, r.case.expect);
            w.close("tr");
        }
        w.raw("</tbody></table></section>");
    }
    w.raw("</main>");
    corsair_html::document(&format!("corsair verify {policy}"), Csp::Report, &w.h)
}
