//! A scenario's verdict as HTML (`corsair ui`'s "explain a scenario").

use corsair_core::scenario::Scenario;
use corsair_core::Verdict;
use corsair_doctor::redact::Redactor;

use super::{sequence, verdict, Writer};

/// The verdict on `s` (redacted as `corsair explain` redacts it): per
/// engine, the diagram (its secrets hidden), why a preflight, the findings.
pub fn body(w: &mut Writer<'_>, s: &Scenario, v: &Verdict) {
    w.open("h1", &[])
        .text(&v.request.method)
        .raw(" ")
        .text(&s.request.url)
        .close("h1");
    w.open("p", &[("class", "muted")])
        .raw("from the page at ")
        .text(&s.page_origin)
        .close("p");
    let why = match (&v.blocked, &v.missing) {
        (Some(b), _) => b.reason.clone(),
        (None, Some(m)) => format!("the scenario has no answer for {}", m.url),
        (None, None) => match v.findings.first() {
            Some(f) => format!("the page reads the answer; but: {}", f.title),
            None => "the browser lets the page read the answer".to_owned(),
        },
    };
    verdict::headline(w, v.outcome, &why);
    verdict::engines(w, v);
    let mut messages = sequence::from_scenario(s, v);
    sequence::redact(&mut messages, Redactor::from_scenario(s));
    let says = verdict::console_line(v, v.browser);
    let reason = v.blocked.as_ref().map(|b| b.reason.as_str());
    sequence::render(w, &s.page_origin, &messages, says.as_deref(), reason);
    verdict::details(w, v);
    verdict::findings(w, v);
}
