//! The gateway's own messages (start, policy in force, reloads, problems,
//! stop): text lines (`corsair serve: ...`) or, with JSON logs, events
//! through `tracing` (target `corsair::serve`, problems `corsair::policy`)
//! that the JSON formatter writes beside the refusal logs, so that every
//! line on standard error is one JSON object.

use corsair_core::catalog::Severity;
use corsair_core::policy::{LineIndex, Location, Problem};

use crate::live::PolicySummary;

/// How messages are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `corsair serve: ...` lines, written at once.
    Text,
    /// `tracing` events, written by the JSON subscriber (which must be
    /// installed first) and filtered as it filters them.
    Json,
}

/// How bad a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Start, policy, reload, stop.
    Info,
    /// Something the operator should look at; the gateway goes on.
    Warn,
    /// The gateway does not start, or a reload is refused.
    Error,
}

/// Writes the gateway's messages in one format.
#[derive(Clone, Copy, Debug)]
pub struct Notices {
    format: Format,
}

impl Notices {
    /// Messages in `format`.
    pub fn new(format: Format) -> Notices {
        Notices { format }
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// One message.
    pub fn say(&self, level: Level, message: &str) {
        match self.format {
            Format::Text => eprintln!("corsair serve: {message}"),
            Format::Json => match level {
                Level::Info => tracing::info!(target: "corsair::serve", "{message}"),
                Level::Warn => tracing::warn!(target: "corsair::serve", "{message}"),
                Level::Error => tracing::error!(target: "corsair::serve", "{message}"),
            },
        }
    }

    /// Where the gateway listens and forwards to (`listening on
    /// http://127.0.0.1:8080, forwarding to http://127.0.0.1:8000`).
    pub fn listening(&self, listen: &str, upstream: &str) {
        let message = format!("listening on {listen}, forwarding to {upstream}");
        match self.format {
            Format::Text => eprintln!("corsair serve: {message}"),
            Format::Json => tracing::info!(
                target: "corsair::serve",
                event = "listening",
                listen,
                upstream,
                "{message}"
            ),
        }
    }

    /// The policy in force, at start (`reloaded` false) or after a reload.
    pub fn policy(&self, summary: &PolicySummary, reloaded: bool) {
        let message = if reloaded {
            format!("reloaded: {summary}")
        } else {
            summary.to_string()
        };
        match self.format {
            Format::Text => eprintln!("corsair serve: {message}"),
            Format::Json => tracing::info!(
                target: "corsair::serve",
                event = if reloaded { "reloaded" } else { "policy" },
                stage = %summary.stage,
                origins = %summary.origins_shown(),
                origin_count = summary.origins.len(),
                credentials = summary.credentials,
                routes = summary.routes,
                "{message}"
            ),
        }
    }

    /// A policy's problems, one event each (JSON only: text shows them as
    /// `corsair lint` does, which the caller renders). `source` names the
    /// policy (`corsair.toml`, `--origin`), `text` is its file's text.
    pub fn problems(&self, source: &str, text: &str, problems: &[Problem]) {
        if self.format != Format::Json || problems.is_empty() {
            return;
        }
        let index = LineIndex::new(text);
        for p in problems {
            let place = match &p.location {
                Location::File { span } if span.start <= text.len() => {
                    let (line, column) = index.line_col(span.start);
                    format!("{source}:{line}:{column}")
                }
                Location::Env { var, index } => format!("{var} entry {}", index + 1),
                Location::Code {
                    key,
                    index: Some(i),
                } => format!("{source} ({key} entry {})", i + 1),
                _ => source.to_owned(),
            };
            // Recorded only when the problem is one stage's.
            let stage = p.stage.as_deref();
            let (slug, message, fix) = (p.slug.name(), &p.message, &p.fix);
            match p.severity {
                Severity::Error => {
                    tracing::error!(target: "corsair::policy", slug, place, stage, fix = %fix, "{message}")
                }
                Severity::Warning => {
                    tracing::warn!(target: "corsair::policy", slug, place, stage, fix = %fix, "{message}")
                }
                Severity::Info => {
                    tracing::info!(target: "corsair::policy", slug, place, stage, fix = %fix, "{message}")
                }
            }
        }
    }

    /// A suggestion with the command line that follows it.
    pub fn hint(&self, message: &str, command: &str) {
        match self.format {
            Format::Text => eprintln!("corsair serve: {message}:\n  {command}"),
            Format::Json => tracing::info!(
                target: "corsair::serve",
                event = "hint",
                command,
                "{message}"
            ),
        }
    }
}
