//! The human-readable story of a verdict: what the browser sent and why,
//! what came back, each check, the verdict, and the fix.

use std::fmt::Write;

use corsair_core::printable::escape_control;
use corsair_core::verdict::{Stage, Step};
use corsair_core::{Outcome, Severity, Verdict};

/// `--color`: when to colour the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE=1 forces it).
    #[default]
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

/// The choice of `--color`, set once at start.
static COLOR_CHOICE: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

/// Records `--color` for every [`Style`] made after.
pub fn set_color_choice(choice: ColorChoice) {
    let _ = COLOR_CHOICE.set(choice);
}

/// Colours for a terminal; every piece of text reads the same without them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// Whether to emit ANSI colour codes.
    pub color: bool,
}

impl Style {
    /// Colour when `stdout` is a terminal and `NO_COLOR` is not set.
    pub fn for_stdout() -> Style {
        use std::io::IsTerminal;
        Style::for_terminal(std::io::stdout().is_terminal())
    }

    /// Colour when `stderr` is a terminal and `NO_COLOR` is not set.
    pub fn for_stderr() -> Style {
        use std::io::IsTerminal;
        Style::for_terminal(std::io::stderr().is_terminal())
    }

    fn for_terminal(is_terminal: bool) -> Style {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
        let color = match COLOR_CHOICE.get().copied().unwrap_or(ColorChoice::Auto) {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            // NO_COLOR (no-color.org) wins over CLICOLOR_FORCE, which wins
            // over the terminal test.
            ColorChoice::Auto => !set("NO_COLOR") && (forced || is_terminal),
        };
        Style { color }
    }

    pub(crate) fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub(crate) fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Renders a verdict for a terminal.
pub fn verdict_styled(v: &Verdict, style: Style) -> String {
    let mut out = String::new();
    let req = &v.request;
    let first_url = v.urls.first().map(String::as_str).unwrap_or("");
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("{} {first_url}", req.method))
    );
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
            let _ = writeln!(out, "{}", style.bold(stage_title(step.stage)));
        }
        let _ = writeln!(out, "  {}", step_line(step, style));
    }
    if !v.steps.is_empty() {
        out.push('\n');
    }
    let line = verdict_line(v);
    let line = match v.outcome {
        Outcome::Blocked => style.red(&line),
        Outcome::Incomplete => style.yellow(&line),
        _ => style.green(&line),
    };
    let _ = writeln!(out, "{} {line}", style.bold("Verdict:"));
    if let Some(chrome) = &v.console.chrome {
        let _ = writeln!(out, "  Chrome console:  {chrome}");
    }
    if let Some(firefox) = &v.console.firefox {
        let _ = writeln!(out, "  Firefox console: {firefox}");
    }
    for (i, line) in v.console.safari.iter().enumerate() {
        let label = if i == 0 {
            "Safari console: "
        } else {
            "                "
        };
        let _ = writeln!(out, "  {label} {line}");
    }
    if let Some(engines) = &v.engines {
        let _ = writeln!(out, "  Engines: {}", engines.summary);
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
        let _ = writeln!(out, "\n{}", style.bold("Findings"));
        for f in &v.findings {
            let label = severity(f.severity);
            let label = match f.severity {
                Severity::Error => style.red(label),
                Severity::Warning => style.yellow(label),
                Severity::Info => style.dim(label),
            };
            let _ = writeln!(out, "  {label} [{}] {}", f.slug, style.bold(&f.title));
            let _ = writeln!(out, "    {}", f.explanation);
            let _ = writeln!(out, "    {} {}", style.bold("Fix:"), f.fix);
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

fn step_line(step: &Step, style: Style) -> String {
    let mark = match step.passed {
        Some(true) => style.green("ok  "),
        Some(false) => style.red("FAIL"),
        None => style.dim("-   "),
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

/// A copy of a verdict with every text that can come from untrusted input
/// (URLs, methods, header names and values, and the story, console lines and
/// findings that repeat them) escaped by [`escape_control`], for printing:
/// a HAR export or a server's answer cannot move the terminal's cursor,
/// clear it or reorder what it shows.
pub fn escape_verdict(v: &Verdict) -> Verdict {
    let esc = |s: &str| escape_control(s).into_owned();
    let pairs = |list: &[(String, String)]| -> Vec<(String, String)> {
        list.iter().map(|(n, x)| (esc(n), esc(x))).collect()
    };
    let mut v = v.clone();
    v.request.method = esc(&v.request.method);
    v.request.origin = v.request.origin.as_deref().map(esc);
    v.request.headers = pairs(&v.request.headers);
    v.request.dropped_headers = pairs(&v.request.dropped_headers);
    v.urls = v.urls.iter().map(|u| esc(u)).collect();
    for step in &mut v.steps {
        step.text = esc(&step.text);
    }
    if let Some(b) = &mut v.blocked {
        b.failed_parameter = esc(&b.failed_parameter);
        b.reason = esc(&b.reason);
        b.url = esc(&b.url);
    }
    if let Some(m) = &mut v.missing {
        m.url = esc(&m.url);
    }
    v.console.chrome = v.console.chrome.as_deref().map(esc);
    v.console.firefox = v.console.firefox.as_deref().map(esc);
    v.console.safari = v.console.safari.iter().map(|l| esc(l)).collect();
    if let Some(e) = &mut v.engines {
        e.summary = esc(&e.summary);
    }
    v.readable_response_headers = v.readable_response_headers.iter().map(|h| esc(h)).collect();
    for f in &mut v.findings {
        if let std::borrow::Cow::Owned(t) = escape_control(&f.title) {
            f.title = std::borrow::Cow::Owned(t);
        }
        f.explanation = esc(&f.explanation);
        f.fix = esc(&f.fix);
    }
    v
}
