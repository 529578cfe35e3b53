//! The policy set in code, checked by the same rules as the file.

use super::document::{Document, List, Located, Section};
use super::problem::{Location, Problem};
use super::validate::check;
use super::PolicyError;
use crate::catalog::Severity;
use crate::server::route::PolicySet;

/// Builds a single-route policy in code:
///
/// ```
/// use corsair_core::policy::PolicyBuilder;
/// let policies = PolicyBuilder::new()
///     .origins(["https://app.example.com"])
///     .credentials(true)
///     .methods(["PUT", "DELETE"])
///     .request_headers(["content-type", "authorization"])
///     .max_age(7200)
///     .build()
///     .unwrap();
/// # let _ = policies;
/// ```
#[derive(Clone, Debug, Default)]
pub struct PolicyBuilder {
    section: Section,
    development: bool,
}

fn list<I, S>(key: &'static str, items: I) -> List
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let value = items
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            Located::new(
                s.into(),
                Location::Code {
                    key,
                    index: Some(i),
                },
            )
        })
        .collect();
    Located::new(value, Location::Code { key, index: None })
}

fn flag(key: &'static str, value: bool) -> Option<Located<bool>> {
    Some(Located::new(value, Location::Code { key, index: None }))
}

impl PolicyBuilder {
    /// An empty policy (which allows no origin until some are added).
    pub fn new() -> PolicyBuilder {
        PolicyBuilder {
            section: Section {
                at: Some(Location::Code {
                    key: "policy",
                    index: None,
                }),
                ..Section::default()
            },
            development: false,
        }
    }

    /// Check as a development policy: localhost and plain-http origins, and
    /// debug mode, are fine (they are refused or warned about otherwise).
    pub fn development(mut self) -> Self {
        self.development = true;
        self
    }

    /// Allowed origins: exact (`https://app.example.com`), patterns
    /// (`https://*.example.com`, `http://localhost:*`) or `*`.
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.section.origins = Some(list("origins", origins));
        self
    }

    /// Whether credentialed requests are allowed.
    pub fn credentials(mut self, yes: bool) -> Self {
        self.section.credentials = flag("credentials", yes);
        self
    }

    /// Methods beyond GET, HEAD and POST.
    pub fn methods<I: IntoIterator<Item = S>, S: Into<String>>(mut self, methods: I) -> Self {
        self.section.methods = Some(list("methods", methods));
        self
    }

    /// Request headers the page may set.
    pub fn request_headers<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        headers: I,
    ) -> Self {
        self.section.request_headers = Some(list("request-headers", headers));
        self
    }

    /// Response headers the page may read.
    pub fn expose_headers<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        headers: I,
    ) -> Self {
        self.section.expose_headers = Some(list("expose-headers", headers));
        self
    }

    /// Seconds a browser may keep the preflight answer.
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.section.max_age = Some(Located::new(
            seconds,
            Location::Code {
                key: "max-age",
                index: None,
            },
        ));
        self
    }

    /// Grant local (private) network access to allowed origins.
    pub fn local_network(mut self, yes: bool) -> Self {
        self.section.local_network = flag("local-network", yes);
        self
    }

    /// Refusals say why, to the browser.
    pub fn debug(mut self, yes: bool) -> Self {
        self.section.debug = flag("debug", yes);
        self
    }

    /// Report refusals but let everything through.
    pub fn shadow(mut self, yes: bool) -> Self {
        self.section.shadow = flag("shadow", yes);
        self
    }

    /// Checks and compiles the policy; refuses it when any problem is an
    /// error. Warnings are returned with it by [`PolicyBuilder::build_with_warnings`].
    pub fn build(self) -> Result<PolicySet, PolicyError> {
        self.build_with_warnings().map(|(set, _)| set)
    }

    /// Like [`PolicyBuilder::build`], also returning the warnings.
    pub fn build_with_warnings(self) -> Result<(PolicySet, Vec<Problem>), PolicyError> {
        let mut doc = Document {
            cors: self.section,
            ..Document::default()
        };
        let stage = if self.development {
            // An empty stage: checked as a stage, not as production.
            doc.stages.push((
                Located::new("development".into(), Location::Nowhere),
                Section::default(),
            ));
            Some("development")
        } else {
            None
        };
        let checked = check(&doc, &[], stage);
        let has_errors = checked
            .problems
            .iter()
            .any(|p| p.severity == Severity::Error);
        match checked.policies {
            Some(set) if !has_errors => Ok((set, checked.problems)),
            _ => Err(PolicyError {
                problems: checked.problems,
            }),
        }
    }
}
