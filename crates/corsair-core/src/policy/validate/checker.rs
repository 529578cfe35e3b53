//! The checker: problems as they are found, and the checks that lists
//! inherited by several routes and stages share, done once.

use std::collections::HashMap as StdMap;
use std::hash::Hash;
use std::sync::Arc;

use crate::catalog::{Severity, Slug};
use crate::policy::document::Located;
use crate::policy::problem::{Location, Problem};
use crate::policy::spec::{OriginEntry, PolicySpec};

use super::effective::{list_address, value, Effective};

/// Fast hashing for the maps of one lint run (the keys are addresses and
/// flags of the document being read, no attacker chooses their hashes'
/// collisions beyond what the file's size bounds).
type HashMap<K, V> = StdMap<K, V, foldhash::fast::RandomState>;

/// What an origin list's check depends on: ((own list?, list, extra list),
/// credentials, production).
type OriginsKey = ((bool, usize, usize), bool, bool);

/// A list's checked values and how many errors checking it found.
type Done<T> = (Arc<[T]>, usize);

/// The list checks done so far, by the lists they read (their addresses in
/// the document) and the flags they depend on. A route or a stage that
/// inherits a list reuses the result, and its problems (already reported)
/// are not reported again: without this, every route checked every
/// inherited origin again, in every stage, and a large policy took cubic time.
#[derive(Default)]
pub(super) struct Memo {
    pub(super) origins: HashMap<OriginsKey, Done<OriginEntry>>,
    /// One origin entry by (its address, credentials, production): its
    /// analysis and how many errors it had.
    pub(super) entries: HashMap<(usize, bool, bool), (Option<OriginEntry>, usize)>,
    pub(super) methods: HashMap<usize, Done<String>>,
    pub(super) request_headers: HashMap<usize, Done<String>>,
    /// By (list, credentials).
    pub(super) expose_headers: HashMap<(usize, bool), Done<String>>,
}

pub(super) struct Checker<'m> {
    pub(super) problems: Vec<Problem>,
    /// How many of `problems` are errors.
    pub(super) errors: usize,
    /// Errors of remembered checks reused (reported before, not again).
    pub(super) inherited: usize,
    pub(super) memo: &'m mut Memo,
    /// Whether remembered lists keep their values (for compiling); `corsair
    /// lint` needs only their errors, and keeping every stage's union of a
    /// long origin list would hold it once per stage.
    pub(super) keep: bool,
}

impl Checker<'_> {
    pub(super) fn push(&mut self, slug: Slug, at: &Location, message: String, fix: String) {
        let problem = Problem::new(slug, at.clone(), message, fix);
        self.errors += usize::from(problem.severity == Severity::Error);
        self.problems.push(problem);
    }

    /// `run`'s result, or the one remembered under `key` in `table` (its
    /// errors then added to `self.inherited`). No key, no memory.
    pub(super) fn memoized<K: Hash + Eq, T>(
        &mut self,
        table: fn(&mut Memo) -> &mut HashMap<K, Done<T>>,
        key: Option<K>,
        run: impl FnOnce(&mut Self) -> Vec<T>,
    ) -> Arc<[T]> {
        if let Some((value, errors)) = key.as_ref().and_then(|k| table(self.memo).get(k)) {
            self.inherited += errors;
            return value.clone();
        }
        let before = self.errors;
        let value: Arc<[T]> = run(self).into();
        if let Some(k) = key {
            let errors = self.errors - before;
            let kept = if self.keep {
                value.clone()
            } else {
                Arc::from([])
            };
            table(self.memo).insert(k, (kept, errors));
        }
        value
    }

    pub(super) fn push_sev(
        &mut self,
        slug: Slug,
        severity: Severity,
        at: &Location,
        message: String,
        fix: String,
    ) {
        let problem = Problem::new(slug, at.clone(), message, fix).with_severity(severity);
        self.errors += usize::from(problem.severity == Severity::Error);
        self.problems.push(problem);
    }

    pub(super) fn check(&mut self, eff: &Effective<'_>) -> Option<PolicySpec> {
        let before = (self.errors, self.inherited);
        let credentials = value(eff.credentials);
        // An empty list's problem names the route: never shared.
        let key = (!eff.no_origins()).then_some((eff.origins_from, credentials, eff.production));
        let origins = self.memoized(|m| &mut m.origins, key, |c| c.origins(eff, credentials));
        let methods = self.memoized(
            |m| &mut m.methods,
            list_address(eff.methods),
            |c| c.methods(eff),
        );
        let request_headers = self.memoized(
            |m| &mut m.request_headers,
            list_address(eff.request_headers),
            |c| c.request_headers(eff),
        );
        let expose_headers = self.memoized(
            |m| &mut m.expose_headers,
            list_address(eff.expose_headers).map(|a| (a, credentials)),
            |c| c.expose_headers(eff, credentials),
        );
        let max_age = self.max_age(eff);
        let local_network = value(eff.local_network);
        if local_network && origins.contains(&OriginEntry::Any) {
            let at = eff.local_network.map_or(eff.at.clone(), |l| l.at.clone());
            self.push_sev(
                Slug::LocalNetworkAccess,
                Severity::Warning,
                &at,
                format!("{}: `local-network = true` with origin `*` lets any website on the Internet reach this private-network service", eff.label),
                "list the origins that may reach it instead of `*`".into(),
            );
        }
        for (flag, what) in [(eff.debug, "debug"), (eff.shadow, "shadow")] {
            if let Some(f) = flag.filter(|f| f.value && eff.production) {
                let why = if what == "debug" {
                    "tells every refused origin exactly what the policy allows"
                } else {
                    "enforces nothing: every origin gets through"
                };
                self.push(
                    Slug::DebugInProduction,
                    &f.at,
                    format!("`{what} = true` in the production policy {why}"),
                    format!(
                        "move `{what} = true` to a [stages.development] or [stages.staging] table"
                    ),
                );
            }
        }
        ((self.errors, self.inherited) == before).then(|| PolicySpec {
            origins,
            credentials,
            methods,
            request_headers,
            expose_headers,
            max_age,
            local_network,
            debug: value(eff.debug),
            shadow: value(eff.shadow),
        })
    }

    /// Reports a list item that is not a token; returns whether it is one.
    pub(super) fn token(
        &mut self,
        item: &Located<String>,
        slug: Slug,
        what: &str,
        example: &str,
    ) -> bool {
        let text = item.value.as_str();
        if crate::grammar::is_token(text) {
            return true;
        }
        let alone = text.split(':').next().unwrap_or(text).trim();
        let alone = if crate::grammar::is_token(alone) {
            alone
        } else {
            example
        };
        self.push(
            slug,
            &item.at,
            format!("`{text}` is not {what} (a token: letters, digits, `-` and a few symbols, nothing else)"),
            format!("write the name alone, e.g. `\"{alone}\"`"),
        );
        false
    }
}
