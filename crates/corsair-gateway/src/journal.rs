//! What the dashboard shows beyond the counters: the latest refusals with
//! their explanation, refusals per minute (for counts over time), the policy
//! in force and its reload history with what changed, and the latest
//! upstream failures. Bounded: old entries fall off; the lock is taken only
//! on a refusal, a failure or a reload, never on an allowed request.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::live::{excerpt, PolicySummary};
use crate::metrics::UpstreamFailure;

/// Refusals kept.
pub const RECENT_REFUSALS: usize = 200;
/// Minutes of per-minute counts kept.
pub const MINUTES: usize = 60;
/// Reloads kept.
pub const RELOADS: usize = 50;
/// Upstream failures kept.
pub const UPSTREAM_FAILURES: usize = 100;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One refusal as the dashboard lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalEntry {
    /// When (Unix seconds).
    pub at: u64,
    /// The request's Origin, as [`excerpt`] shows a client's value.
    pub origin: String,
    /// The route's pattern, or `default`.
    pub route: String,
    /// The catalog slug.
    pub slug: &'static str,
    /// The refusal in plain words, with "did you mean" when there is one.
    pub explanation: String,
    /// A preflight (else the request itself).
    pub preflight: bool,
    /// Shadow mode: let through all the same.
    pub shadow: bool,
}

/// One reload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReloadEntry {
    /// When (Unix seconds).
    pub at: u64,
    /// Whether the new policy runs.
    pub applied: bool,
    /// What changed, or why the running policy stayed.
    pub what: String,
}

/// One upstream failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpstreamEntry {
    /// When (Unix seconds).
    pub at: u64,
    /// What went wrong.
    pub failure: UpstreamFailure,
}

/// Refusals counted by (slug, route).
pub type Counts = BTreeMap<(&'static str, String), u64>;

#[derive(Default)]
struct Inner {
    refusals: VecDeque<RefusalEntry>,
    minutes: VecDeque<(u64, Counts)>,
    policy: Option<(u64, PolicySummary)>,
    reloads: VecDeque<ReloadEntry>,
    upstream: VecDeque<UpstreamEntry>,
}

/// The dashboard's memory.
#[derive(Default)]
pub struct Journal {
    inner: Mutex<Inner>,
}

/// A copy of the journal for one rendering.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Newest first.
    pub refusals: Vec<RefusalEntry>,
    /// Refusals by (slug, route) in the last 5 and 60 minutes.
    pub recent_counts: BTreeMap<(&'static str, String), (u64, u64)>,
    /// The policy in force and since when.
    pub policy: Option<(u64, PolicySummary)>,
    /// Newest first.
    pub reloads: Vec<ReloadEntry>,
    /// Newest first.
    pub upstream: Vec<UpstreamEntry>,
}

fn push_bounded<T>(q: &mut VecDeque<T>, item: T, cap: usize) {
    if q.len() == cap {
        q.pop_front();
    }
    q.push_back(item);
}

/// What changed from `old` to `new`, in a few words.
pub fn changes(old: &PolicySummary, new: &PolicySummary) -> String {
    let mut parts = Vec::new();
    if old.stage != new.stage {
        parts.push(format!("stage {} → {}", old.stage, new.stage));
    }
    let added: Vec<&str> = new
        .origins
        .iter()
        .filter(|o| !old.origins.contains(o))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = old
        .origins
        .iter()
        .filter(|o| !new.origins.contains(o))
        .map(String::as_str)
        .collect();
    let list = |v: &[&str]| {
        let mut s = v
            .iter()
            .take(5)
            .map(|o| excerpt(o.as_bytes()))
            .collect::<Vec<_>>()
            .join(", ");
        if v.len() > 5 {
            s.push_str(&format!(" … and {} more", v.len() - 5));
        }
        s
    };
    if !added.is_empty() {
        parts.push(format!("origins added: {}", list(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!("origins removed: {}", list(&removed)));
    }
    if old.credentials != new.credentials {
        parts.push(format!(
            "credentials {} → {}",
            old.credentials, new.credentials
        ));
    }
    if old.routes != new.routes {
        parts.push(format!("routes {} → {}", old.routes, new.routes));
    }
    if parts.is_empty() {
        "no change to the origins, credentials or routes".into()
    } else {
        parts.join("; ")
    }
}

impl Journal {
    fn with(&self, f: impl FnOnce(&mut Inner)) {
        if let Ok(mut inner) = self.inner.lock() {
            f(&mut inner);
        }
    }

    /// Notes a refusal.
    pub fn refusal(&self, entry: RefusalEntry) {
        let minute = entry.at / 60;
        self.with(|i| {
            if i.minutes.back().is_none_or(|(m, _)| *m != minute) {
                push_bounded(&mut i.minutes, (minute, BTreeMap::new()), MINUTES);
            }
            if let Some((_, counts)) = i.minutes.back_mut() {
                *counts.entry((entry.slug, entry.route.clone())).or_default() += 1;
            }
            push_bounded(&mut i.refusals, entry, RECENT_REFUSALS);
        });
    }

    /// Notes the policy in force at start.
    pub fn started(&self, summary: PolicySummary) {
        self.with(|i| i.policy = Some((now(), summary)));
    }

    /// Notes a reload that put `summary` in force.
    pub fn reloaded(&self, summary: &PolicySummary) {
        self.with(|i| {
            let what = match &i.policy {
                Some((_, old)) => changes(old, summary),
                None => format!("{}: origins {}", summary.stage, summary.origins_shown()),
            };
            push_bounded(
                &mut i.reloads,
                ReloadEntry {
                    at: now(),
                    applied: true,
                    what,
                },
                RELOADS,
            );
            i.policy = Some((now(), summary.clone()));
        });
    }

    /// Notes a reload refused; the running policy stays.
    pub fn reload_refused(&self, why: &str) {
        self.with(|i| {
            let what = format!("kept the running policy: {why}");
            push_bounded(
                &mut i.reloads,
                ReloadEntry {
                    at: now(),
                    applied: false,
                    what,
                },
                RELOADS,
            );
        });
    }

    /// Notes an upstream failure.
    pub fn upstream(&self, failure: UpstreamFailure) {
        self.with(|i| {
            push_bounded(
                &mut i.upstream,
                UpstreamEntry { at: now(), failure },
                UPSTREAM_FAILURES,
            )
        });
    }

    /// A copy for rendering, at `now` (Unix seconds).
    pub fn snapshot(&self, now: u64) -> Snapshot {
        let Ok(i) = self.inner.lock() else {
            return Snapshot::default();
        };
        let minute = now / 60;
        let mut recent_counts: BTreeMap<(&'static str, String), (u64, u64)> = BTreeMap::new();
        for (m, counts) in &i.minutes {
            let age = minute.saturating_sub(*m);
            if age >= MINUTES as u64 {
                continue;
            }
            for (key, n) in counts {
                let c = recent_counts.entry(key.clone()).or_default();
                if age < 5 {
                    c.0 += n;
                }
                c.1 += n;
            }
        }
        Snapshot {
            refusals: i.refusals.iter().rev().cloned().collect(),
            recent_counts,
            policy: i.policy.clone(),
            reloads: i.reloads.iter().rev().cloned().collect(),
            upstream: i.upstream.iter().rev().copied().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(origins: &[&str], credentials: bool) -> PolicySummary {
        PolicySummary {
            stage: "[cors] (production)".into(),
            origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            credentials,
            routes: 0,
        }
    }

    #[test]
    fn a_reload_says_what_changed() {
        let j = Journal::default();
        j.started(summary(&["https://a.example"], false));
        j.reloaded(&summary(&["https://a.example", "https://b.example"], true));
        j.reload_refused("origin-trailing-slash at line 2");
        let s = j.snapshot(now());
        assert_eq!(s.reloads.len(), 2);
        assert!(!s.reloads[0].applied && s.reloads[0].what.contains("line 2"));
        assert_eq!(
            s.reloads[1].what,
            "origins added: https://b.example; credentials false → true"
        );
        assert_eq!(s.policy.map(|(_, p)| p.origins.len()), Some(2));
    }

    #[test]
    fn refusals_are_bounded_and_counted_by_minute() {
        let j = Journal::default();
        let t = now();
        for n in 0..(RECENT_REFUSALS + 5) {
            j.refusal(RefusalEntry {
                at: t,
                origin: format!("https://{n}.example"),
                route: "default".into(),
                slug: "origin-mismatch",
                explanation: String::new(),
                preflight: true,
                shadow: false,
            });
        }
        let s = j.snapshot(t);
        assert_eq!(s.refusals.len(), RECENT_REFUSALS);
        assert_eq!(
            s.refusals[0].origin,
            format!("https://{}.example", RECENT_REFUSALS + 4)
        );
        let total = RECENT_REFUSALS as u64 + 5;
        assert_eq!(
            s.recent_counts
                .get(&("origin-mismatch", "default".to_owned())),
            Some(&(total, total))
        );
        // An hour later they are out of the window.
        assert!(j.snapshot(t + 3600).recent_counts.is_empty());
    }
}
