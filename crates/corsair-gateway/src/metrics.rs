//! Counters for `/metrics` (Prometheus text format): requests, preflights,
//! refusals by catalog slug and route, upstream errors (what the gateway saw
//! go wrong upstream, never a status the upstream sent), the gateway's own
//! answers by reason, duplicate CORS layers and a latency histogram.
//! Counting is lock-free on the request path; only refusals (labelled) take
//! a short lock.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::journal::Journal;
use crate::own::Own;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why the gateway closed a client connection itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// No complete request head within the header timeout.
    HeaderTimeout,
    /// No request for the idle timeout.
    Idle,
    /// The client read nothing of its answer for the idle timeout.
    WriteStalled,
    /// Closed while idle to make room for a new client at the connection cap.
    Shed,
    /// A new client refused at the cap (no idle connection to close).
    Refused,
}

/// Something that went wrong upstream, as the gateway saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// No connection (refused, unreachable, or not in time): answered 502.
    Unreachable,
    /// The exchange broke off, or a protocol switch came unasked: answered 502.
    BrokeOff,
    /// No response head (or the body no longer taken) in time: answered 504.
    Timeout,
    /// A response body cut because it stalled (the client's connection is
    /// broken off: the head was passed on already).
    BodyStall,
}

/// The gateway's counters.
#[derive(Default)]
pub struct Metrics {
    requests: AtomicU64,
    preflights: AtomicU64,
    upstream_unreachable: AtomicU64,
    upstream_broke_off: AtomicU64,
    upstream_timeout: AtomicU64,
    body_stalls: AtomicU64,
    own: [AtomicU64; Own::ALL.len()],
    open: AtomicU64,
    closed_header: AtomicU64,
    closed_idle: AtomicU64,
    closed_stalled: AtomicU64,
    shed: AtomicU64,
    refused: AtomicU64,
    duplicates: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    latency: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
    refusals: Mutex<BTreeMap<(&'static str, String), u64>>,
    journal: Journal,
}

/// The counters the dashboard shows, read at once.
#[derive(Clone, Debug)]
pub struct Totals {
    /// Requests answered.
    pub requests: u64,
    /// Preflights answered by the gateway.
    pub preflights: u64,
    /// Upstream failures by kind: unreachable, broke off, timed out, body stalled.
    pub upstream: [(UpstreamFailure, u64); 4],
    /// The gateway's own answers by reason.
    pub own: Vec<(Own, u64)>,
    /// Refusals by (slug, route), since start.
    pub refusals: BTreeMap<(&'static str, String), u64>,
    /// Reloads applied and refused.
    pub reloads: (u64, u64),
    /// Upstream responses whose own CORS headers were replaced.
    pub duplicates: u64,
    /// Client connections open.
    pub open: u64,
}

fn add(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, preflight: bool, took: Duration) {
        add(&self.requests);
        if preflight {
            add(&self.preflights);
        }
        let seconds = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            add(&self.latency[i]);
        }
        add(&self.latency_count);
        self.latency_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The dashboard's memory (recent refusals, reloads, upstream failures).
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Every counter the dashboard shows.
    pub fn totals(&self) -> Totals {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Totals {
            requests: get(&self.requests),
            preflights: get(&self.preflights),
            upstream: [
                (
                    UpstreamFailure::Unreachable,
                    get(&self.upstream_unreachable),
                ),
                (UpstreamFailure::BrokeOff, get(&self.upstream_broke_off)),
                (UpstreamFailure::Timeout, get(&self.upstream_timeout)),
                (UpstreamFailure::BodyStall, get(&self.body_stalls)),
            ],
            own: Own::ALL
                .iter()
                .copied()
                .zip(self.own.iter().map(get))
                .collect(),
            refusals: self.refusals.lock().map(|m| m.clone()).unwrap_or_default(),
            reloads: (get(&self.reloads_ok), get(&self.reloads_failed)),
            duplicates: get(&self.duplicates),
            open: get(&self.open),
        }
    }

    /// Counts something that went wrong upstream.
    pub fn upstream_error(&self, failure: UpstreamFailure) {
        self.journal.upstream(failure);
        add(match failure {
            UpstreamFailure::Unreachable => &self.upstream_unreachable,
            UpstreamFailure::BrokeOff => &self.upstream_broke_off,
            UpstreamFailure::Timeout => &self.upstream_timeout,
            UpstreamFailure::BodyStall => &self.body_stalls,
        });
    }

    /// Counts a request the gateway answered itself.
    pub fn own_answer(&self, why: Own) {
        if let Some(i) = Own::ALL.iter().position(|o| *o == why) {
            add(&self.own[i]);
        }
    }

    /// Counts a client connection opened (`true`) or ended (`false`).
    pub fn connection(&self, opened: bool) {
        if opened {
            add(&self.open);
        } else {
            // Never below zero, whatever the order of events.
            let _ = self
                .open
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        }
    }

    /// Counts a client connection the gateway closed, and why.
    pub fn closed(&self, why: Closed) {
        add(match why {
            Closed::HeaderTimeout => &self.closed_header,
            Closed::Idle => &self.closed_idle,
            Closed::WriteStalled => &self.closed_stalled,
            Closed::Shed => &self.shed,
            Closed::Refused => &self.refused,
        });
    }

    /// Client connections open now.
    pub fn open_connections(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    /// Counts one refusal.
    pub fn refusal(&self, slug: &'static str, route: Option<&str>) {
        let route = route.unwrap_or("default").to_owned();
        if let Ok(mut map) = self.refusals.lock() {
            *map.entry((slug, route)).or_default() += 1;
        }
    }

    /// Counts an upstream that sent CORS headers of its own.
    pub fn duplicate(&self) {
        add(&self.duplicates);
    }

    /// Counts a policy reload.
    pub fn reload(&self, ok: bool) {
        add(if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        });
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "corsair_requests_total",
            "Requests answered.",
            get(&self.requests),
        );
        counter(
            "corsair_preflights_total",
            "Preflights answered by the gateway.",
            get(&self.preflights),
        );
        counter(
            "corsair_duplicate_cors_layer_total",
            "Upstream responses whose own CORS headers were replaced.",
            get(&self.duplicates),
        );
        counter(
            "corsair_policy_reloads_total",
            "Policies loaded by a reload.",
            get(&self.reloads_ok),
        );
        counter(
            "corsair_policy_reload_failures_total",
            "Reloads refused (the running policy kept).",
            get(&self.reloads_failed),
        );
        // What went wrong upstream, by the status the gateway answered
        // with; an upstream's own 502 passed on is not counted here.
        let _ = writeln!(
            out,
            "# HELP corsair_upstream_errors_total Upstream failures the gateway saw (not statuses the upstream sent): 502 unreachable or broke off, 504 no response head in time, response bodies cut because they stalled.\n# TYPE corsair_upstream_errors_total counter\ncorsair_upstream_errors_total{{status=\"502\"}} {}\ncorsair_upstream_errors_total{{status=\"504\"}} {}\ncorsair_upstream_errors_total{{status=\"body-stall\"}} {}",
            get(&self.upstream_unreachable) + get(&self.upstream_broke_off),
            get(&self.upstream_timeout),
            get(&self.body_stalls)
        );
        let _ = writeln!(out, "# HELP corsair_gateway_answers_total Requests the gateway answered itself (x-corsair), by reason; clients turned away at the connection cap are corsair_connections_closed_total{{reason=\"refused\"}}.\n# TYPE corsair_gateway_answers_total counter");
        for (why, c) in Own::ALL.iter().zip(&self.own) {
            if *why != Own::Overloaded {
                let _ = writeln!(
                    out,
                    "corsair_gateway_answers_total{{reason=\"{}\"}} {}",
                    why.as_str(),
                    get(c)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP corsair_connections_open Client connections open.\n# TYPE corsair_connections_open gauge\ncorsair_connections_open {}",
            get(&self.open)
        );
        let _ = writeln!(out, "# HELP corsair_connections_closed_total Client connections the gateway closed or refused, by reason.\n# TYPE corsair_connections_closed_total counter");
        for (reason, c) in [
            ("header-timeout", &self.closed_header),
            ("idle", &self.closed_idle),
            ("write-stalled", &self.closed_stalled),
            ("shed", &self.shed),
            ("refused", &self.refused),
        ] {
            let _ = writeln!(
                out,
                "corsair_connections_closed_total{{reason=\"{reason}\"}} {}",
                get(c)
            );
        }
        let _ = writeln!(out, "# HELP corsair_refusals_total Requests refused by the policy, by catalog slug and route.\n# TYPE corsair_refusals_total counter");
        if let Ok(map) = self.refusals.lock() {
            for ((slug, route), n) in map.iter() {
                let route = route.replace('\\', "\\\\").replace('"', "\\\"");
                let _ = writeln!(
                    out,
                    "corsair_refusals_total{{slug=\"{slug}\",route=\"{route}\"}} {n}"
                );
            }
        }
        let _ = writeln!(out, "# HELP corsair_request_duration_seconds Time to the response headers.\n# TYPE corsair_request_duration_seconds histogram");
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.latency) {
            cumulative += get(count);
            let _ = writeln!(
                out,
                "corsair_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let total = get(&self.latency_count);
        let _ = writeln!(
            out,
            "corsair_request_duration_seconds_bucket{{le=\"+Inf\"}} {total}"
        );
        let _ = writeln!(
            out,
            "corsair_request_duration_seconds_sum {}",
            get(&self.latency_micros) as f64 / 1e6
        );
        let _ = writeln!(out, "corsair_request_duration_seconds_count {total}");
        out
    }
}
