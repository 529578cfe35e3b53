//! `corsair har`: every cross-origin request of a HAR export, its verdict
//! from the recorded answers, and what is wrong; a summary table first.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use corsair_core::{Outcome, Severity};
use corsair_doctor::exchange::redact_url;
use corsair_doctor::har_check::{self, HarReport};

use crate::render::{self, Style};
use crate::BrowserArg;

/// Arguments of `corsair har`.
#[derive(clap::Args)]
pub struct HarArgs {
    /// The HAR file (DevTools > Network > Export HAR), or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Details for every cross-origin request, not only the blocked or flagged ones.
    #[arg(long)]
    pub all: bool,
    /// Which browser's rules.
    #[arg(long, value_enum, default_value_t = BrowserArg::Chrome)]
    pub browser: BrowserArg,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
The file is read as a stream (a 200 MB export stays in bounded memory); an entry that cannot be read is skipped and counted. Preflights are paired with their requests (by Chrome's request ids, else by URL, method and time), redirect chains are followed, and each cross-origin request is run through the browser model with the recorded answers: Chrome exports only net::ERR_FAILED, the reason is worked out again from the headers. Sanitized exports (no cookies or Authorization) are handled: credentials are assumed when the server allowed them.

Exit status: 0 nothing blocked, 1 at least one request blocked, 2 unreadable file.";

/// Runs `corsair har`; returns the exit status.
pub fn run(args: &HarArgs) -> u8 {
    let profile = args.browser.into();
    let result = if args.file.as_os_str() == "-" {
        har_check::analyze(std::io::stdin().lock(), profile)
    } else {
        match std::fs::File::open(&args.file) {
            Ok(f) => har_check::analyze(std::io::BufReader::new(f), profile),
            Err(e) => {
                eprintln!("corsair har: cannot open {}: {e}", args.file.display());
                return 2;
            }
        }
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("corsair har: {}: {e}", args.file.display());
            return 2;
        }
    };
    let text = if args.json {
        json(&report)
    } else {
        human(&report, args.all, Style::for_stdout())
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    let blocked = report
        .requests
        .iter()
        .any(|r| r.verdict.outcome == Outcome::Blocked);
    u8::from(blocked)
}

fn json(report: &HarReport) -> String {
    let requests: Vec<serde_json::Value> = report
        .requests
        .iter()
        .map(|r| {
            let verdict = crate::json_out::verdict_value(&r.verdict);
            serde_json::json!({
                "entry": r.entry,
                "preflight_entry": r.preflight_entry,
                "redirect_entries": r.redirect_entries,
                "page_origin": r.page_origin,
                "method": r.scenario.request.method,
                "url": redact_url(&r.scenario.request.url),
                "credentials_assumed": r.credentials_assumed,
                "preflight_assumed": r.preflight_assumed,
                "recorded_error": r.recorded_error,
                "verdict": verdict,
            })
        })
        .collect();
    let v = serde_json::json!({"summary": report.summary, "requests": requests});
    let mut text = serde_json::to_string_pretty(&v).unwrap_or_default();
    text.push('\n');
    text
}

fn worst_slug(r: &har_check::HarVerdict) -> String {
    r.verdict
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .or_else(|| {
            r.verdict
                .findings
                .iter()
                .find(|f| f.severity == Severity::Warning)
        })
        .map_or_else(String::new, |f| f.slug.name().to_owned())
}

fn human(report: &HarReport, all: bool, style: Style) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let blocked = report
        .requests
        .iter()
        .filter(|r| r.verdict.outcome == Outcome::Blocked)
        .count();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{} entries, {} cross-origin requests, {blocked} blocked{}{}",
            s.entries,
            report.requests.len(),
            s.creator
                .as_deref()
                .map(|c| format!(" (exported by {c})"))
                .unwrap_or_default(),
            if s.skipped > 0 {
                format!("; {} entries could not be read", s.skipped)
            } else {
                String::new()
            },
        ))
    );
    if s.sanitized {
        let _ = writeln!(out, "  {}", style.dim("sanitized export: no cookies or Authorization recorded; credentials assumed where the server allowed them"));
    }
    for (i, why) in &s.skipped_reasons {
        let _ = writeln!(out, "  {}", style.dim(&format!("entry {i} skipped: {why}")));
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "  {:>5}  {:<7} {:<6} {:<9} {:<28} URL",
        "entry", "method", "status", "verdict", "mistake"
    );
    for r in &report.requests {
        let status = r
            .scenario
            .response
            .as_ref()
            .or(r.scenario.preflight.as_ref())
            .map_or_else(|| "-".to_owned(), |a| a.status.to_string());
        let verdict = match r.verdict.outcome {
            Outcome::Allowed => style.green("allowed  "),
            Outcome::Blocked => style.red("BLOCKED  "),
            Outcome::Incomplete => style.yellow("unknown  "),
            Outcome::SameOrigin => "same-orig".to_owned(),
            Outcome::Opaque => "opaque   ".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {:>5}  {:<7} {:<6} {verdict} {:<28} {}",
            r.entry,
            r.scenario.request.method,
            status,
            worst_slug(r),
            redact_url(&r.scenario.request.url)
        );
    }
    for r in &report.requests {
        let flagged = r.verdict.outcome != Outcome::Allowed
            || r.verdict
                .findings
                .iter()
                .any(|f| f.severity != Severity::Info);
        if !(all || flagged) {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "── entry {}{} (page {}, from its {:?} header) ──",
                r.entry,
                r.preflight_entry
                    .map(|p| format!(", preflight entry {p}"))
                    .unwrap_or_default(),
                r.page_origin.origin,
                r.page_origin.source
            ))
        );
        if let Some(e) = &r.recorded_error {
            let _ = writeln!(out, "the browser recorded: {e}");
        }
        if r.credentials_assumed {
            let _ = writeln!(
                out,
                "{}",
                style.dim("credentials assumed (sanitized export)")
            );
        }
        if r.preflight_assumed {
            let _ = writeln!(out, "{}", style.dim("the export has no preflight entry; the request was sent, so its preflight passed"));
        }
        if r.verdict.outcome == Outcome::Incomplete {
            let _ = writeln!(out, "the export holds no answer for this request: the browser failed it before any response (a network error, or a blocked preflight the export left out)");
        }
        out.push_str(&render::verdict_styled(&r.verdict, style));
    }
    out
}
