//! The policy the gateway runs with, replaced whole on reload: requests in
//! flight keep the policy they started with; a new one is checked before it
//! replaces the old, and an invalid file leaves the running policy alone.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use corsair_core::catalog::Severity;
use corsair_core::policy::{self, OriginEntry, PolicyError, PolicySpec, Problem};
use corsair_core::server::origin_set::{Pattern, PortRule};
use corsair_core::server::Refusal;
use corsair_tower::{CorsLayer, RefusalReport};

use crate::journal::{self, RefusalEntry};
use crate::metrics::Metrics;

/// The running policy and the counters, shared by every connection.
#[derive(Clone)]
pub struct Live {
    layer: Arc<ArcSwap<CorsLayer>>,
    metrics: Arc<Metrics>,
}

/// Characters of a client's value shown in a log line at most.
pub const EXCERPT_CHARS: usize = 200;

/// A client's bytes as a log line may show them: printable ASCII kept,
/// `\\` doubled, any other byte as `\xNN` and other characters as
/// `\u{NNNN}` (no control character, newline or bidirectional override
/// reaches the log), cut after [`EXCERPT_CHARS`] with the full length noted.
pub fn excerpt(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut rest = bytes;
    while !rest.is_empty() && out.len() < EXCERPT_CHARS {
        let (text, bad) = match std::str::from_utf8(rest) {
            Ok(t) => (t, None),
            Err(e) => {
                // The valid prefix, then one byte that does not decode.
                let (ok, after) = rest.split_at(e.valid_up_to());
                (
                    std::str::from_utf8(ok).unwrap_or_default(),
                    after.first().copied(),
                )
            }
        };
        let mut used = 0;
        for c in text.chars() {
            if out.len() >= EXCERPT_CHARS {
                break;
            }
            match c {
                '\\' => out.push_str("\\\\"),
                ' '..='~' => out.push(c),
                c if c.is_ascii() => {
                    let _ = write!(out, "\\x{:02x}", u32::from(c));
                }
                c => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
            }
            used += c.len_utf8();
        }
        rest = &rest[used..];
        if used == text.len() && out.len() < EXCERPT_CHARS {
            if let Some(b) = bad {
                let _ = write!(out, "\\x{b:02x}");
                rest = &rest[1..];
            }
        }
    }
    if !rest.is_empty() {
        let _ = write!(out, "... ({} bytes in all)", bytes.len());
    }
    out
}

/// The refusal in plain words, the client's value in it shown as [`excerpt`]
/// shows it, and any control character left escaped.
fn plain(report: &RefusalReport<'_>) -> String {
    let mut message = report.explain();
    if let Refusal::OriginNotAllowed(raw)
    | Refusal::MethodNotAllowed(raw)
    | Refusal::HeaderNotAllowed(raw) = report.refusal
    {
        let lossy = String::from_utf8_lossy(raw);
        let shown = excerpt(raw);
        if shown != lossy && !lossy.is_empty() {
            message = message.replacen(&*lossy, &shown, 1);
        }
    }
    if message.chars().any(char::is_control) {
        message = message
            .chars()
            .map(|c| {
                if c.is_control() {
                    format!("\\u{{{:x}}}", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect();
    }
    message
}

/// Adds the gateway's reporting to a layer: refusals counted by slug and
/// route and logged in plain words; duplicate CORS layers counted and logged.
fn instrument(layer: CorsLayer, metrics: &Arc<Metrics>) -> CorsLayer {
    let routes: Vec<String> = layer
        .policies()
        .route_patterns()
        .map(|p| p.as_str().to_owned())
        .collect();
    let route_names = Arc::new(routes);
    let (m1, m2) = (metrics.clone(), metrics.clone());
    let names = route_names.clone();
    layer
        .on_refusal(move |r| {
            let route = r.route.and_then(|i| names.get(i)).map(String::as_str);
            m1.refusal(r.slug.name(), route);
            // Worked out once, for the log line and the dashboard.
            let explanation = plain(r);
            tracing::info!(
                target: "corsair::refusal",
                slug = %r.slug,
                route = route.unwrap_or("default"),
                shadow = r.shadow,
                "{explanation}"
            );
            m1.journal().refusal(RefusalEntry {
                at: journal::now(),
                origin: r.origin.map_or_else(|| "(none)".to_owned(), excerpt),
                route: route.unwrap_or("default").to_owned(),
                slug: r.slug.name(),
                explanation,
                preflight: r.preflight,
                shadow: r.shadow,
            });
        })
        .on_duplicate(move |route| {
            m2.duplicate();
            let route = route.and_then(|i| route_names.get(i)).map_or("default", String::as_str);
            tracing::warn!(
                target: "corsair::gateway",
                slug = "duplicate-cors-layer",
                route,
                "the upstream sends CORS headers of its own; the gateway replaced them (remove the upstream's CORS setup)"
            );
        })
}

impl Live {
    /// Starts with `layer`.
    pub fn new(layer: CorsLayer, metrics: Arc<Metrics>) -> Live {
        let layer = instrument(layer, &metrics);
        Live {
            layer: Arc::new(ArcSwap::from_pointee(layer)),
            metrics,
        }
    }

    /// The policy for a request starting now.
    pub fn layer(&self) -> Arc<CorsLayer> {
        self.layer.load_full()
    }

    /// The counters.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Replaces the policy.
    pub fn replace(&self, layer: CorsLayer) {
        self.layer.store(Arc::new(instrument(layer, &self.metrics)));
        self.metrics.reload(true);
    }
}

/// What the running policy is, in short: printed when the gateway starts and
/// on every reload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySummary {
    /// The policy's name: `[cors] (production)`, or the stage's.
    pub stage: String,
    /// The default policy's origins, as the policy states them (after the
    /// stage's `extra-origins` and `CORS_ORIGINS`).
    pub origins: Vec<String>,
    /// Whether the default policy allows credentials.
    pub credentials: bool,
    /// `[[routes]]` with a policy of their own.
    pub routes: usize,
}

/// Origins a summary names at most; the rest are counted.
pub const SUMMARY_ORIGINS: usize = 10;

/// The name a summary gives the policy a stage selects in a file whose
/// stages are `stages` (`[cors]` serves production when no stage, or
/// `production`/`prod` without a table of its own, is chosen).
pub fn stage_name<'a>(stage: Option<&str>, mut stages: impl Iterator<Item = &'a str>) -> String {
    match stage {
        Some(name) if stages.any(|s| s == name) => {
            if policy::is_production(Some(name)) {
                format!("{name} (production)")
            } else {
                name.to_owned()
            }
        }
        _ => format!("{} (production)", policy::BASE),
    }
}

fn pattern_text(p: &Pattern) -> String {
    let port = match &p.port {
        PortRule::Default => String::new(),
        PortRule::Exact(n) => format!(":{n}"),
        PortRule::Any => ":*".into(),
    };
    let star = if p.subdomains { "*." } else { "" };
    format!("{}://{star}{}{port}", p.scheme, p.host)
}

impl PolicySummary {
    /// The summary of a checked policy (`specs`: the default policy, then
    /// each route's).
    pub fn from_specs(stage: String, specs: &[PolicySpec]) -> PolicySummary {
        let default = specs.first();
        PolicySummary {
            stage,
            origins: default.map_or_else(Vec::new, |d| {
                d.origins
                    .iter()
                    .map(|o| match o {
                        OriginEntry::Any => "*".to_owned(),
                        OriginEntry::Exact(o) => o.clone(),
                        OriginEntry::Pattern(p) => pattern_text(p),
                    })
                    .collect()
            }),
            credentials: default.is_some_and(|d| d.credentials),
            routes: specs.len().saturating_sub(1),
        }
    }

    /// The origins, the first [`SUMMARY_ORIGINS`] named and the rest
    /// counted (`https://a.example, https://b.example … and 3 more`); each
    /// shown as [`excerpt`] shows a client's value.
    pub fn origins_shown(&self) -> String {
        if self.origins.is_empty() {
            return "none".into();
        }
        let mut shown = self
            .origins
            .iter()
            .take(SUMMARY_ORIGINS)
            .map(|o| excerpt(o.as_bytes()))
            .collect::<Vec<_>>()
            .join(", ");
        if self.origins.len() > SUMMARY_ORIGINS {
            shown.push_str(&format!(
                " … and {} more",
                self.origins.len() - SUMMARY_ORIGINS
            ));
        }
        shown
    }
}

impl std::fmt::Display for PolicySummary {
    /// `policy [cors] (production): origins https://app.example.com;
    /// credentials yes; 2 routes`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "policy {}: origins {}; credentials {}; {} route{}",
            self.stage,
            self.origins_shown(),
            if self.credentials { "yes" } else { "no" },
            self.routes,
            if self.routes == 1 { "" } else { "s" }
        )
    }
}

/// A policy file's text, read, checked and compiled.
#[derive(Debug)]
pub struct Compiled {
    /// The layer that applies it.
    pub layer: CorsLayer,
    /// Its warnings (and notes).
    pub warnings: Vec<Problem>,
    /// What it is, in short.
    pub summary: PolicySummary,
}

/// Reads, checks and compiles a policy file's text for `stage`, with the
/// origins of `CORS_ORIGINS` (`env_origins`), as
/// [`CorsLayer::from_toml`] does, keeping what the summary needs.
pub fn compile(
    text: &str,
    stage: Option<&str>,
    env_origins: Option<&str>,
) -> Result<Compiled, PolicyError> {
    let (doc, mut problems) = policy::document::parse(text);
    let env = env_origins.map_or_else(Vec::new, |v| {
        policy::document::env_origins(policy::ORIGINS_ENV, v)
    });
    let checked = policy::check(&doc, &env, stage);
    problems.extend(checked.problems);
    let has_errors = problems.iter().any(|p| p.severity == Severity::Error);
    match checked.policies {
        Some(set) if !has_errors => {
            let name = stage_name(stage, doc.stages.iter().map(|(n, _)| n.value.as_str()));
            Ok(Compiled {
                layer: CorsLayer::from_policy_set(set),
                warnings: problems,
                summary: PolicySummary::from_specs(name, &checked.specs),
            })
        }
        _ => Err(PolicyError { problems }),
    }
}

/// Where a reloadable policy comes from.
#[derive(Clone, Debug)]
pub struct PolicySource {
    /// The file.
    pub path: PathBuf,
    /// The stage.
    pub stage: Option<String>,
    /// `CORS_ORIGINS`, as read at start.
    pub env_origins: Option<String>,
}

/// What a reload did.
#[derive(Debug)]
pub enum Reloaded {
    /// The new policy runs.
    Replaced {
        /// The file's text, for showing the warnings in place.
        text: String,
        /// Its warnings (and notes).
        warnings: Vec<Problem>,
        /// What it is, in short.
        summary: PolicySummary,
    },
    /// The file has errors (or cannot be read): the running policy stays.
    Kept {
        /// The file's text, for showing the problems in place.
        text: String,
        /// Why.
        error: ReloadError,
    },
}

/// Why a reload was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The file cannot be read.
    #[error("cannot read the policy file: {0}")]
    Read(#[from] std::io::Error),
    /// The policy has errors.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

impl PolicySource {
    /// Reads and checks the file; replaces the running policy only if it has
    /// no error.
    pub fn reload(&self, live: &Live) -> Reloaded {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) => {
                live.metrics.reload(false);
                let error: ReloadError = e.into();
                live.metrics.journal().reload_refused(&error.to_string());
                return Reloaded::Kept {
                    text: String::new(),
                    error,
                };
            }
        };
        match compile(&text, self.stage.as_deref(), self.env_origins.as_deref()) {
            Ok(Compiled {
                layer,
                warnings,
                summary,
            }) => {
                live.replace(layer);
                live.metrics.journal().reloaded(&summary);
                Reloaded::Replaced {
                    text,
                    warnings,
                    summary,
                }
            }
            Err(e) => {
                live.metrics.reload(false);
                let error: ReloadError = e.into();
                live.metrics.journal().reload_refused(&error.to_string());
                Reloaded::Kept { text, error }
            }
        }
    }

    fn modified(&self) -> Option<SystemTime> {
        std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok()
    }

    /// Reloads on SIGHUP and whenever the file's modification time changes
    /// (checked every `every`), calling `report` with each outcome. Runs
    /// until the task is dropped.
    pub async fn watch(
        self,
        live: Live,
        every: Duration,
        report: impl Fn(&PolicySource, &Reloaded) + Send + 'static,
    ) {
        let mut last = self.modified();
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let signalled = async {
                match hangup.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let signalled = std::future::pending::<()>();
            let by_signal = tokio::select! {
                () = signalled => true,
                () = tokio::time::sleep(every) => false,
            };
            let now = self.modified();
            if by_signal || now != last {
                last = now;
                // Reading and compiling a large policy takes a while (a
                // second for 100,000 origins): off the workers that answer
                // requests, which keep the running policy meanwhile.
                let (source, target) = (self.clone(), live.clone());
                let outcome =
                    match tokio::task::spawn_blocking(move || source.reload(&target)).await {
                        Ok(outcome) => outcome,
                        Err(e) => Reloaded::Kept {
                            text: String::new(),
                            error: ReloadError::Read(std::io::Error::other(e.to_string())),
                        },
                    };
                report(&self, &outcome);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_escape_and_bound_hostile_values() {
        assert_eq!(
            excerpt(b"https://app.example.com"),
            "https://app.example.com"
        );
        assert_eq!(
            excerpt(b"https://a\tb\r\n\x1b[31m\\"),
            "https://a\\x09b\\x0d\\x0a\\x1b[31m\\\\"
        );
        assert_eq!(excerpt("x\u{202e}y".as_bytes()), "x\\u{202e}y");
        assert_eq!(excerpt(b"a\xff\xfeb"), "a\\xff\\xfeb");
        let long = excerpt(&[b'a'; 10_000]);
        assert!(long.starts_with(&"a".repeat(200)), "{long}");
        assert!(long.ends_with("... (10000 bytes in all)"), "{long}");
        assert!(long.len() < 240);
        let hostile: Vec<u8> = (0u8..=255).cycle().take(5000).collect();
        let shown = excerpt(&hostile);
        assert!(shown.len() < 260, "{}", shown.len());
        assert!(shown.bytes().all(|b| (b' '..=b'~').contains(&b)), "{shown}");
    }
}
