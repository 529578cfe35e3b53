//! The human-readable story of a verdict: what the browser sent and why,
//! what came back, each check, the verdict, and the fix.

use std::fmt::Write;

use corsair_core::verdict::{Stage, Step};
use corsair_core::{Outcome, Severity, Verdict};

/// Renders a verdict for a terminal (plain text, readable without colour).
pub fn verdict(v: &Verdict) -> String {
    let mut out = String::new();
    let req = &v.request;
    let first_url = v.urls.first().map(String::as_str).unwrap_or("");
    let _ = writeln!(out, "{} {first_url}", req.method);
    match &req.origin {
        Some(o) if v.cross_origin => {
            let _ = writeln!(
                out,
                "  from origin {o}: cross-origin, so CORS applies ({} rules)",
                v.browser.name()
            );
        }
        _ => {
            let _ = writeln!(out, "  same-origin request");
        }
    }
    if !req.headers.is_empty() {
        let names: Vec<&str> = req.headers.iter().map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(out, "  headers sent: {}", names.join(", "));
    }
    for (name, why) in &req.dropped_headers {
        let _ = writeln!(out, "  header {name} dropped: {why}");
    }
    out.push('\n');
    let mut stage: Option<Stage> = None;
    for step in &v.steps {
        if stage != Some(step.stage) {
            stage = Some(step.stage);
            let _ = writeln!(out, "{}", stage_title(step.stage));
        }
        let _ = writeln!(out, "  {}", step_line(step));
    }
    if !v.steps.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "Verdict: {}", verdict_line(v));
    if let Some(chrome) = &v.console.chrome {
        let _ = writeln!(out, "  Chrome console:  {chrome}");
    }
    if let Some(firefox) = &v.console.firefox {
        let _ = writeln!(out, "  Firefox console: {firefox}");
    }
    if matches!(v.outcome, Outcome::Allowed) {
        let readable = if v.readable_response_headers.is_empty() {
            "none".to_owned()
        } else {
            v.readable_response_headers.join(", ")
        };
        let _ = writeln!(
            out,
            "  the page can read these response headers: {readable}"
        );
    }
    if !v.findings.is_empty() {
        let _ = writeln!(out, "\nFindings");
        for f in &v.findings {
            let _ = writeln!(out, "  {} [{}] {}", severity(f.severity), f.slug, f.title);
            let _ = writeln!(out, "    {}", f.explanation);
            let _ = writeln!(out, "    Fix: {}", f.fix);
        }
    }
    out
}

fn stage_title(stage: Stage) -> &'static str {
    match stage {
        Stage::Request => "Request",
        Stage::Preflight => "Preflight",
        Stage::Redirect => "Redirect",
        Stage::Response => "Response",
    }
}

fn step_line(step: &Step) -> String {
    let mark = match step.passed {
        Some(true) => "ok  ",
        Some(false) => "FAIL",
        None => "-   ",
    };
    format!("{mark} {}", step.text)
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error  ",
        Severity::Warning => "warning",
        Severity::Info => "info   ",
    }
}

fn verdict_line(v: &Verdict) -> String {
    match v.outcome {
        Outcome::Allowed => format!(
            "ALLOWED: the page reads the response{}",
            v.status
                .map(|s| format!(" (status {s})"))
                .unwrap_or_default()
        ),
        Outcome::SameOrigin => "SAME-ORIGIN: CORS does not apply".into(),
        Outcome::Opaque => "OPAQUE: sent, but the page cannot read the response (no-cors)".into(),
        Outcome::Incomplete => match &v.missing {
            Some(m) => format!(
                "INCOMPLETE: the scenario lacks the {} answer for {}",
                stage_title(m.stage).to_lowercase(),
                m.url
            ),
            None => "INCOMPLETE".into(),
        },
        Outcome::Blocked => match &v.blocked {
            Some(b) => {
                let error = b.cors_error.map(|e| {
                    if b.failed_parameter.is_empty() {
                        format!(" ({e})")
                    } else {
                        format!(" ({e}: {})", b.failed_parameter)
                    }
                });
                format!(
                    "BLOCKED at the {}{}: {}",
                    stage_title(b.stage).to_lowercase(),
                    error.unwrap_or_default(),
                    b.reason
                )
            }
            None => "BLOCKED".into(),
        },
    }
}
