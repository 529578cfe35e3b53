//! What each form does: the command line's own code on the pasted input
//! (the check's argument parser and diagnosis, the HAR reader and judge, the
//! linter, the browser model), written with the `--html` renderers.

use clap::{Args as _, FromArgMatches as _};
use corsair_core::Profile;
use corsair_doctor::redact::{redact_verdict, Redactor};
use corsair_html::Html;

use super::form::{check_words, Submission};
use crate::check::CheckArgs;
use crate::html::{self, Clean, Writer};

/// A report, or why there is none (shown on the page, never a crash).
pub type Outcome = Result<(String, Html), String>;

/// Runs `sub` as the command line would; blocking (a live check waits on
/// the network; a large HAR takes a while).
pub fn run(sub: &Submission) -> Outcome {
    match sub {
        Submission::Live { .. } | Submission::Curl { .. } | Submission::Console { .. } => {
            check(sub)
        }
        Submission::Har { text } => har(text),
        Submission::Scenario { text } => explain(text),
        Submission::Policy { text } => lint(text),
    }
}

fn check(sub: &Submission) -> Outcome {
    let words = check_words(sub).ok_or("not a live check")?;
    let command = CheckArgs::augment_args(clap::Command::new("check"));
    let matches = command.try_get_matches_from(&words).map_err(|e| {
        e.render()
            .to_string()
            .lines()
            .next()
            .unwrap_or("bad input")
            .to_owned()
    })?;
    let args = CheckArgs::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    let (reports, redactor) = crate::check::diagnose_all(&args).map_err(|e| e.to_string())?;
    let mut w = Writer::new(Clean::Redact(&redactor));
    for (i, r) in reports.iter().enumerate() {
        html::check::article(&mut w, r, i);
    }
    let title = reports.first().map_or_else(
        || "corsair check".to_owned(),
        |r| format!("corsair check {}", redactor.scrub(&r.request.url)),
    );
    Ok((title, w.h))
}

fn har(text: &str) -> Outcome {
    let bytes = text.as_bytes();
    let (summary, error) = corsair_doctor::har::read_partial(bytes, |_| {});
    if let Some(e) = error
        .as_ref()
        .filter(|_| summary.entries == 0 && summary.skipped == 0)
    {
        return Err(format!("the HAR export cannot be read: {e}"));
    }
    let profile = corsair_doctor::har_check::profile_for_creator(summary.creator.as_deref())
        .unwrap_or_default();
    let (mut body, _, _) = html::har::body(
        "(pasted)",
        bytes,
        &summary,
        profile,
        crate::har::bound_notes,
        &mut html::har::FirstPageOnly,
    );
    if let Some(e) = error {
        body.raw("<div class=\"error-box\" role=\"alert\">");
        body.text(&format!(
            "The export is cut: {e}; the report covers the entries before that point."
        ));
        body.raw("</div>");
    }
    Ok(("corsair har".to_owned(), body))
}

fn explain(text: &str) -> Outcome {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the scenario is not JSON: {e}"))?;
    let scenario =
        corsair_core::scenario::from_value(value).map_err(|e| format!("the scenario: {e}"))?;
    let mut verdict = corsair_core::browser::explain(&scenario, Profile::Chrome)
        .map_err(|e| format!("the scenario: {e}"))?;
    // As `corsair explain` does: the scenario's secrets never shown.
    let redactor = Redactor::from_scenario(&scenario);
    redact_verdict(&mut verdict, &redactor);
    let mut w = Writer::new(Clean::Redact(&redactor));
    html::explain::body(&mut w, &scenario, &verdict);
    Ok(("corsair explain".to_owned(), w.h))
}

fn lint(text: &str) -> Outcome {
    let linted = corsair_core::policy::lint_report(text, None, None);
    let mut w = Writer::new(Clean::AsIs);
    html::lint::body(
        &mut w,
        "corsair.toml",
        text,
        &linted.checked,
        &linted.problems,
    );
    Ok(("corsair lint".to_owned(), w.h))
}
