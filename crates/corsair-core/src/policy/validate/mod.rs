//! The rules a policy must pass: every route's effective policy (after the
//! stage, the route's own keys and `CORS_ORIGINS` are merged) is checked,
//! every problem reported with where it was written and how to fix it.
//!
//! By job: `effective` merges a route's keys, `checker` runs the checks
//! and remembers the ones lists share, `origins` and `lists` hold the
//! rules for the origins and for the other lists; this module walks the
//! stages and routes and compiles the result.

mod checker;
mod effective;
mod lists;
mod origins;

use crate::catalog::{Severity, Slug};
use crate::server::route::{PathPattern, PolicySet};
use crate::server::{CorsPolicy, OriginSets};

use super::document::{Document, Located};
use super::problem::{edit_distance, Location, Problem};
use super::spec::PolicySpec;
use checker::{Checker, Memo};
use effective::effective;
/// For the overlap tests, which compare their index with this rule.
#[cfg(test)]
pub(super) use origins::covers;

/// What Chrome keeps a preflight answer for at most, in seconds.
pub const CHROME_MAX_AGE_CAP: i64 = 7200;
/// What Firefox keeps it for at most (and the largest value allowed here).
pub const FIREFOX_MAX_AGE_CAP: i64 = 86400;

/// Whether a stage's policy is what production serves (`None`: `[cors]` alone).
pub fn is_production(stage: Option<&str>) -> bool {
    match stage {
        None => true,
        Some(s) => matches!(s.to_ascii_lowercase().as_str(), "production" | "prod"),
    }
}

/// The result of checking a policy for one stage.
#[derive(Debug)]
pub struct Checked {
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
    /// The compiled policies, when there is no error.
    pub policies: Option<PolicySet>,
    /// The plain policies (default first, then routes), when there is no error.
    pub specs: Vec<PolicySpec>,
}

impl Checked {
    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// Checks and compiles the policy `stage` gets (`None`: the `[cors]` table
/// alone, which is what production serves).
pub fn check(doc: &Document, env: &[Located<String>], stage: Option<&str>) -> Checked {
    check_in(doc, env, stage, &mut Memo::default(), true)
}

/// [`check`], remembering list checks in `memo` (shared by the stages
/// `corsair lint` checks one after another), compiling only if `compile`.
fn check_in(
    doc: &Document,
    env: &[Located<String>],
    stage: Option<&str>,
    memo: &mut Memo,
    compile: bool,
) -> Checked {
    let mut checker = Checker {
        problems: Vec::new(),
        errors: 0,
        inherited: 0,
        memo,
        keep: compile,
    };
    let stage_section = match stage {
        None => None,
        Some(name) => match doc.stages.iter().find(|(n, _)| n.value == name) {
            Some((_, s)) => Some(s),
            // `--stage production` without a `[stages.production]` table:
            // production is what `[cors]` alone says.
            None if is_production(Some(name)) => None,
            None => {
                let known: Vec<&str> = doc.stages.iter().map(|(n, _)| n.value.as_str()).collect();
                let fix = match known.iter().min_by_key(|k| edit_distance(name, k)) {
                    Some(k) if edit_distance(name, k) <= 2 => format!("did you mean `{k}`?"),
                    _ if known.is_empty() => {
                        "add a `[stages.NAME]` table, or choose no stage".into()
                    }
                    _ => format!("choose one of: {}", known.join(", ")),
                };
                checker.push(
                    Slug::UnknownStage,
                    &Location::Nowhere,
                    format!("there is no stage `{name}` in the policy file"),
                    fix,
                );
                return finish(checker, None, Vec::new());
            }
        },
    };
    let production = is_production(stage);
    let base = effective(&doc.cors, stage_section, None, env, production);
    let default = checker.check(&base);
    let mut routes = Vec::new();
    let mut earlier: Vec<(PathPattern, &str)> = Vec::new();
    for route in &doc.routes {
        let eff = effective(&doc.cors, stage_section, Some(route), env, production);
        let spec = checker.check(&eff);
        let pattern = match &route.path {
            None => {
                checker.push(
                    Slug::BadRoutePath,
                    route.at.as_ref().unwrap_or(&Location::Nowhere),
                    "a [[routes]] entry has no `path`".into(),
                    "add `path = \"/api/**\"` (the paths this policy is for)".into(),
                );
                None
            }
            Some(path) => match PathPattern::parse(&path.value) {
                Ok(p) => {
                    if let Some((_, winner)) = earlier.iter().find(|(e, _)| p.covered_by(e)) {
                        checker.push(
                            Slug::UnreachableRoute,
                            &path.at,
                            format!("route `{}` is never used: the earlier route `{winner}` matches all its paths first", path.value),
                            "move it above the broader route (the first match wins)".into(),
                        );
                    }
                    earlier.push((p.clone(), &path.value));
                    Some(p)
                }
                Err(e) => {
                    checker.push(
                        Slug::BadRoutePath,
                        &path.at,
                        format!("`{}`: {e}", path.value),
                        "write it like `/api/**`, `/users/*/avatar` or `/health`".into(),
                    );
                    None
                }
            },
        };
        if let (Some(p), Some(s)) = (pattern, spec) {
            routes.push((p, s));
        }
    }
    let ok = checker.errors == 0 && compile;
    let result = match (ok, default) {
        (true, Some(default)) => {
            // Routes that inherit the origin list share one compiled set.
            let mut sets = OriginSets::default();
            let set = PolicySet::new(
                CorsPolicy::sharing(&default, &mut sets),
                routes
                    .iter()
                    .map(|(p, s)| (p.clone(), CorsPolicy::sharing(s, &mut sets)))
                    .collect(),
            );
            let mut specs = vec![default];
            specs.extend(routes.into_iter().map(|(_, s)| s));
            return finish(checker, Some(set), specs);
        }
        _ => None,
    };
    finish(checker, result, Vec::new())
}

fn finish(
    mut checker: Checker<'_>,
    policies: Option<PolicySet>,
    specs: Vec<PolicySpec>,
) -> Checked {
    dedupe(&mut checker.problems);
    Checked {
        problems: checker.problems,
        policies,
        specs,
    }
}

fn dedupe(problems: &mut Vec<Problem>) {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.slug, p.location.clone(), p.message.clone())));
}

/// Checks the production policy and every stage's, for `corsair lint`:
/// each problem once, tagged with the stage it first shows in (in the order
/// found; [`super::lint_text`] sorts them by place).
pub fn lint(doc: &Document, env: &[Located<String>], stage: Option<&str>) -> Vec<Problem> {
    // A list checked for one stage is not checked again for the next: its
    // problems are already reported, with the first stage that shows them.
    let mut memo = Memo::default();
    let mut all = check_in(doc, env, stage, &mut memo, false).problems;
    if stage.is_none() {
        for (name, _) in &doc.stages {
            for mut p in check_in(doc, env, Some(&name.value), &mut memo, false).problems {
                p.stage = Some(name.value.clone());
                all.push(p);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|p| seen.insert((p.slug, p.location.clone(), p.message.clone())));
    all
}
