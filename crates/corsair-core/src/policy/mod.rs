//! The policy: `corsair.toml` (or the same keys set in code), its validation,
//! and its compilation into the server model.
//!
//! Reading never stops at the first problem: syntax errors, unknown keys,
//! wrong types and every rule violation are all reported, each with a catalog
//! slug, a severity, where it was written and the fix.

pub mod builder;
pub mod document;
pub mod origin_entry;
mod overlap;
pub mod problem;
pub mod validate;

/// The policy as plain values, at its old path (it lives in [`crate::spec`]).
pub use crate::spec;
pub use builder::PolicyBuilder;
pub use document::{Document, Located};
pub use problem::{line_col, LineIndex, Location, Problem};
pub use spec::{OriginEntry, PolicySpec};
pub use validate::{check, is_production, lint, Checked};

use crate::catalog::Severity;
use crate::server::route::PolicySet;

/// The environment variable whose comma-separated origins are added to
/// policies that do not set their own.
pub const ORIGINS_ENV: &str = "CORS_ORIGINS";

/// The environment variable that chooses the stage.
pub const STAGE_ENV: &str = "CORSAIR_STAGE";

/// A policy with errors, refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the CORS policy has {} error(s); first: {}", self.errors().count(), self.errors().next().map_or("", |p| p.message.as_str()))]
pub struct PolicyError {
    /// Every problem found (warnings too).
    pub problems: Vec<Problem>,
}

impl PolicyError {
    /// The problems that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
}

/// Every problem of a policy file's text, for `corsair lint`: the production
/// policy and every stage's (or only `stage`'s), in file order. The rules
/// run only once the file is valid TOML.
pub fn lint_text(text: &str, stage: Option<&str>, env_origins: Option<&str>) -> Vec<Problem> {
    lint_report(text, stage, env_origins).problems
}

/// The name [`Linted::checked`] gives the `[cors]` table's own policy.
pub const BASE: &str = "[cors]";

/// What `corsair lint` found, and which policies it checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linted {
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
    /// The policies checked: [`BASE`] (`[cors]`, what production serves)
    /// and each stage's name, or only the one asked for; empty when the file
    /// is not valid TOML or the stage does not exist.
    pub checked: Vec<String>,
}

/// [`lint_text`], saying which policies were checked.
pub fn lint_report(text: &str, stage: Option<&str>, env_origins: Option<&str>) -> Linted {
    let (doc, mut problems) = document::parse(text);
    if problems
        .iter()
        .any(|p| p.slug == crate::catalog::Slug::InvalidToml)
    {
        return Linted {
            problems,
            checked: Vec::new(),
        };
    }
    let has_stage = |name: &str| doc.stages.iter().any(|(n, _)| n.value == name);
    let checked = match stage {
        Some(name) if has_stage(name) => vec![name.to_owned()],
        Some(name) if is_production(Some(name)) => vec![BASE.to_owned()],
        Some(_) => Vec::new(),
        None => std::iter::once(BASE.to_owned())
            .chain(doc.stages.iter().map(|(n, _)| n.value.clone()))
            .collect(),
    };
    let env = env_origins.map_or_else(Vec::new, |v| document::env_origins(ORIGINS_ENV, v));
    problems.extend(lint(&doc, &env, stage));
    problems.sort_by_key(|p| match &p.location {
        Location::File { span } => (0, span.start),
        Location::Env { index, .. } => (1, *index),
        Location::Code { .. } | Location::Nowhere => (2, 0),
    });
    Linted { problems, checked }
}

/// Reads, checks and compiles a policy file for a stage, with the origins of
/// `CORS_ORIGINS` (`env_origins`, as read by the caller). On success, also
/// returns the warnings.
pub fn from_toml(
    text: &str,
    stage: Option<&str>,
    env_origins: Option<&str>,
) -> Result<(PolicySet, Vec<Problem>), PolicyError> {
    let (doc, mut problems) = document::parse(text);
    let env = env_origins.map_or_else(Vec::new, |v| document::env_origins(ORIGINS_ENV, v));
    let checked = check(&doc, &env, stage);
    problems.extend(checked.problems);
    let has_errors = problems.iter().any(|p| p.severity == Severity::Error);
    match checked.policies {
        Some(set) if !has_errors => Ok((set, problems)),
        _ => Err(PolicyError { problems }),
    }
}
