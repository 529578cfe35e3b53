//! `corsair verify`: does a deployment serve what the policy says? The
//! cases come from the policy alone ([`cases()`]); each is sent live, as the
//! browser would, and judged by the browser model for Chrome, Firefox and
//! Safari; every difference from the policy is a [`Deviation`] naming the
//! case, the engines, what differs, its slug and the exchange that shows it.

pub mod cases;

use corsair_core::{Outcome, Profile, Slug, Verdict};
use serde::Serialize;

use crate::check::{check, Checked};
use crate::exchange::{redact_url, Exchange};
use crate::send::Sender;

pub use cases::{cases, Case, Expect};

/// What one engine did with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EngineOutcomes {
    /// Chrome's outcome.
    pub chrome: Outcome,
    /// Firefox's outcome.
    pub firefox: Outcome,
    /// Safari's (WebKit's) outcome.
    pub safari: Outcome,
}

impl EngineOutcomes {
    /// The outcomes a verdict carries: its own for every engine unless the
    /// engines part.
    pub fn of(verdict: &Verdict) -> EngineOutcomes {
        match &verdict.engines {
            Some(e) => EngineOutcomes {
                chrome: e.chrome,
                firefox: e.firefox,
                safari: e.safari,
            },
            None => EngineOutcomes {
                chrome: verdict.outcome,
                firefox: verdict.outcome,
                safari: verdict.outcome,
            },
        }
    }

    /// Each engine's name and outcome.
    pub fn each(self) -> [(&'static str, Outcome); 3] {
        [
            ("Chrome", self.chrome),
            ("Firefox", self.firefox),
            ("Safari", self.safari),
        ]
    }
}

/// A case the deployment does not serve as the policy says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deviation {
    /// The URL checked (redacted).
    pub url: String,
    /// The case.
    pub case: String,
    /// The page's origin of the case.
    pub origin: String,
    /// What the policy says must happen.
    pub expected: Expect,
    /// What each engine did.
    pub engines: EngineOutcomes,
    /// What differs, in a sentence.
    pub message: String,
    /// The catalog slug, when one names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<Slug>,
    /// The exchange that shows it (its number among the case's exchanges).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
}

/// The run of one case.
#[derive(Clone, Debug, Serialize)]
pub struct CaseRun {
    /// The case.
    pub case: Case,
    /// What the engines did.
    pub engines: EngineOutcomes,
    /// Its deviations (none: it passed).
    pub deviations: Vec<Deviation>,
    /// The exchanges, redacted.
    pub exchanges: Vec<Exchange>,
}

/// Sends `cases` (at most `concurrency` at a time, as tasks of the current
/// runtime) and judges each; the runs come back in the cases' order.
/// Methods that may change data are not sent unless `send`: their
/// preflight decides.
pub async fn run(
    sender: &Sender,
    cases: Vec<Case>,
    concurrency: usize,
    send: bool,
) -> Vec<CaseRun> {
    let concurrency = concurrency.max(1);
    let mut tasks = tokio::task::JoinSet::new();
    let mut done = Vec::with_capacity(cases.len());
    for (i, case) in cases.into_iter().enumerate() {
        if tasks.len() >= concurrency {
            if let Some(Ok(r)) = tasks.join_next().await {
                done.push(r);
            }
        }
        let sender = sender.clone();
        tasks.spawn(async move {
            let checked = check(&sender, &case.request, Profile::Chrome, send).await;
            (i, judge(case, checked))
        });
    }
    while let Some(r) = tasks.join_next().await {
        if let Ok(r) = r {
            done.push(r);
        }
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// A case's verdict against what the policy says.
fn judge(case: Case, checked: Result<Checked, corsair_core::ScenarioError>) -> CaseRun {
    let url = redact_url(&case.request.url);
    let deviation = |engines, message: String, slug, exchange| Deviation {
        url: url.clone(),
        case: case.name.clone(),
        origin: case.request.page_origin.clone(),
        expected: case.expect,
        engines,
        message,
        slug,
        exchange,
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            let engines = EngineOutcomes {
                chrome: Outcome::Incomplete,
                firefox: Outcome::Incomplete,
                safari: Outcome::Incomplete,
            };
            let d = deviation(engines, format!("the case cannot be run: {e}"), None, None);
            return CaseRun {
                case,
                engines,
                deviations: vec![d],
                exchanges: Vec::new(),
            };
        }
    };
    let engines = EngineOutcomes::of(&checked.verdict);
    let last = checked.exchanges.len().checked_sub(1);
    let mut deviations = Vec::new();
    if let Some(failure) = &checked.network_failure {
        deviations.push(deviation(
            engines,
            format!("no answer: {}", failure.summary()),
            Some(Slug::NotACorsError),
            last,
        ));
    } else {
        let passed_preflight = checked.not_sent.is_some();
        // One deviation per case, naming the engines that part from the
        // policy.
        let parting: Vec<&str> = engines
            .each()
            .into_iter()
            .filter(|(_, outcome)| {
                let allowed = matches!(outcome, Outcome::Allowed | Outcome::SameOrigin)
                    || (*outcome == Outcome::Incomplete && passed_preflight);
                allowed != (case.expect == Expect::Allowed)
            })
            .map(|(engine, _)| engine)
            .collect();
        if !parting.is_empty() {
            let who = match parting.as_slice() {
                [one] => (*one).to_owned(),
                [a, b] => format!("{a} and {b}"),
                _ => "Chrome, Firefox and Safari".to_owned(),
            };
            let (message, slug) = match case.expect {
                Expect::Allowed => {
                    let refusal = layer_refusal(&checked);
                    (
                        format!(
                            "{who} block{} it{}{}",
                            if parting.len() == 1 { "s" } else { "" },
                            checked
                                .verdict
                                .blocked
                                .as_ref()
                                .map(|b| format!(": {}", b.reason))
                                .unwrap_or_default(),
                            refusal
                                .as_ref()
                                .map(|(why, _)| format!(" {why}"))
                                .unwrap_or_default()
                        ),
                        refusal
                            .map(|(_, slug)| slug)
                            .or_else(|| checked.verdict.findings.first().map(|f| f.slug)),
                    )
                }
                Expect::Refused => (
                    format!(
                        "{who} allow{} it, and the policy does not",
                        if parting.len() == 1 { "s" } else { "" }
                    ),
                    case.slug,
                ),
            };
            deviations.push(deviation(engines, message, slug, last));
        }
        if case.expect == Expect::Allowed && deviations.is_empty() {
            if let Some(d) = unexposed(&checked, &case) {
                deviations.push(deviation(engines, d, Some(Slug::HeaderNotExposed), last));
            }
        }
    }
    CaseRun {
        case,
        engines,
        deviations,
        exchanges: checked.exchanges,
    }
}

/// When the final answer is a CORS layer's own refusal (Spring's "Invalid
/// CORS request", Starlette's "Disallowed CORS …", the gateway's), what it
/// says and its slug: the deployment's CORS configuration refused what the
/// policy allows, which the model alone would read as authentication (a
/// 403 preflight) or an error page without CORS headers.
fn layer_refusal(checked: &Checked) -> Option<(String, Slug)> {
    use crate::cause::refusals::{cors_refusal, Refused};
    let (sent, answer) = checked
        .wires
        .iter()
        .zip(&checked.received)
        .rev()
        .find_map(|(w, r)| Some((w, r.as_ref()?)))?;
    let (layer, what) = cors_refusal(answer)?;
    let (refused, slug) = match what {
        Refused::Origin => ("this origin", Slug::OriginMismatch),
        Refused::Method => ("this method", Slug::MethodNotAllowed),
        Refused::Headers => ("these request headers", Slug::HeaderNotAllowed),
        // A layer checks request headers on the preflight only.
        Refused::Unsaid if sent.method == "OPTIONS" => (
            "this origin, the method or the request headers",
            Slug::MissingAllowOrigin,
        ),
        Refused::Unsaid => ("this origin or the method", Slug::MissingAllowOrigin),
    };
    Some((
        format!(
            "{layer} refused it ({}): the deployed CORS configuration does not allow {refused}.",
            answer.status
        ),
        slug,
    ))
}

/// The headers the policy exposes that the final answer does not.
fn unexposed(checked: &Checked, case: &Case) -> Option<String> {
    if case.request.read_headers.is_empty() {
        return None;
    }
    let answer = checked.received.iter().rev().flatten().next()?;
    let listed: Vec<String> = answer
        .values("access-control-expose-headers")
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let star = !case.request.credentials && listed.iter().any(|h| h == "*");
    let missing: Vec<&str> = case
        .request
        .read_headers
        .iter()
        .filter(|h| !star && !listed.contains(&h.to_ascii_lowercase()))
        .map(String::as_str)
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "the answer does not expose {} (Access-Control-Expose-Headers), which the policy does",
            missing.join(", ")
        )
    })
}

/// A case two deployments that should serve the same policy (the CDN and
/// the origin, two regions) answer differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The case.
    pub case: String,
    /// The first URL (redacted) and what the engines did there.
    pub first: (String, EngineOutcomes),
    /// The other URL (redacted) and what the engines did there.
    pub other: (String, EngineOutcomes),
}

/// Where the runs of the same cases at two URLs part (cases matched by
/// name: the same path under the same policy gives the same cases).
pub fn drift(first_url: &str, first: &[CaseRun], other_url: &str, other: &[CaseRun]) -> Vec<Drift> {
    first
        .iter()
        .filter_map(|a| {
            let b = other.iter().find(|b| b.case.name == a.case.name)?;
            (allowed_each(a.engines) != allowed_each(b.engines)).then(|| Drift {
                case: a.case.name.clone(),
                first: (redact_url(first_url), a.engines),
                other: (redact_url(other_url), b.engines),
            })
        })
        .collect()
}

/// Whether each engine lets the page through (same-origin counts as
/// through; a preflight-only run counts by the preflight).
fn allowed_each(e: EngineOutcomes) -> [bool; 3] {
    e.each().map(|(_, o)| {
        matches!(
            o,
            Outcome::Allowed | Outcome::SameOrigin | Outcome::Incomplete
        )
    })
}
