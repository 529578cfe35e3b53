//! Our verdict against what Chromium did: outcome, `CorsError`, failed
//! parameter, console line, the preflight's `Access-Control-Request-Headers`,
//! the status and the response headers the page could read.

use corsair_core::scenario::Answer;
use corsair_core::{Outcome as ModelOutcome, Scenario, Verdict};

use crate::{Observed, Outcome};

/// One disagreement between the model and the browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Which part differs.
    pub field: &'static str,
    /// What the model said.
    pub model: String,
    /// What Chromium did.
    pub chromium: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: model {} / chromium {}",
            self.field, self.model, self.chromium
        )
    }
}

fn show<T: std::fmt::Debug>(v: &T) -> String {
    format!("{v:?}")
}

/// The final answer the page would read (following `next` through redirects).
fn final_answer(s: &Scenario) -> Option<&Answer> {
    let mut answer = s.response.as_ref()?;
    while let Some(next) = answer.next.as_deref().and_then(|n| n.response.as_ref()) {
        answer = next;
    }
    Some(answer)
}

/// The scenario as the harness runs it: the page is `<origin>/__corsair/page`,
/// a URL some of Chrome's messages name.
pub fn as_run_by_harness(mut scenario: Scenario) -> Scenario {
    if scenario.page_origin != "null" {
        scenario.page_origin = format!(
            "{}{}",
            scenario.page_origin.trim_end_matches('/'),
            crate::PAGE_PATH
        );
    }
    scenario
}

/// Every way `verdict` differs from `observed` for `scenario`.
pub fn compare(scenario: &Scenario, verdict: &Verdict, observed: &Observed) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut check = |field: &'static str, model: String, chromium: String| {
        if model != chromium {
            out.push(Mismatch {
                field,
                model,
                chromium,
            });
        }
    };
    let model_outcome = match verdict.outcome {
        ModelOutcome::Allowed | ModelOutcome::SameOrigin | ModelOutcome::Opaque => "allowed",
        ModelOutcome::Blocked => "blocked",
        ModelOutcome::Incomplete => "incomplete",
    };
    let chromium_outcome = match observed.outcome {
        _ if observed.incomplete => "incomplete",
        Outcome::Allowed => "allowed",
        Outcome::Blocked => "blocked",
    };
    check("outcome", model_outcome.into(), chromium_outcome.into());
    let blocked = verdict.blocked.as_ref();
    check(
        "cors_error",
        show(
            &blocked
                .and_then(|b| b.cors_error)
                .map(|e| e.name().to_owned()),
        ),
        show(&observed.cors_error),
    );
    if observed.cors_error.is_some() {
        // DevTools drops a failed parameter that is not valid UTF-8 (a raw
        // byte >= 0x80); the console line below still carries it exactly.
        let model_param = blocked
            .map(|b| b.failed_parameter.clone())
            .unwrap_or_default();
        let lost_in_devtools = model_param
            .chars()
            .any(|c| (0x80..=0xFF).contains(&(c as u32)));
        if !lost_in_devtools {
            check(
                "failed_parameter",
                show(&model_param),
                show(&observed.failed_parameter.clone().unwrap_or_default()),
            );
        }
    }
    check(
        "console",
        show(&verdict.console.chrome),
        show(&observed.console),
    );
    let acrh = verdict
        .preflight
        .request_headers
        .iter()
        .find(|(n, _)| n == "Access-Control-Request-Headers")
        .map(|(_, v)| v.clone());
    check(
        "preflight_sent",
        show(&verdict.preflight.required),
        show(&observed.preflight_sent),
    );
    if verdict.preflight.required && observed.preflight_sent {
        check(
            "access_control_request_headers",
            show(&acrh),
            show(&observed.access_control_request_headers),
        );
    }
    if observed.outcome == Outcome::Allowed && verdict.outcome != ModelOutcome::Opaque {
        check("status", show(&verdict.status), show(&observed.js.status));
        // The harness adds Content-Length and Connection itself: compare only
        // the names the scenario's own answer sends.
        if let (Some(answer), Some(readable)) = (
            final_answer(scenario),
            observed.js.readable_headers.as_ref(),
        ) {
            let sent = |n: &String| {
                answer
                    .headers
                    .iter()
                    .any(|(h, _)| h.eq_ignore_ascii_case(n))
            };
            let chromium: Vec<&String> = readable.iter().filter(|n| sent(n)).collect();
            let model: Vec<&String> = verdict
                .readable_response_headers
                .iter()
                .filter(|n| sent(n))
                .collect();
            check("readable_response_headers", show(&model), show(&chromium));
        }
    }
    out
}

/// Every way the model differs from what WebKit did with `scenario` (as the
/// harness runs it): the `safari` profile's outcome and the response
/// headers the page could read (those the scenario's own final answer
/// sends; the harness adds others), and `console.safari` under every
/// profile, since each verdict carries WebKit's lines. One line each.
pub fn webkit_mismatches(scenario: &Scenario, observed: &crate::WebKitObserved) -> Vec<String> {
    use corsair_core::Profile;
    let id = &observed.id;
    let mut out = Vec::new();
    let safari = match corsair_core::explain(scenario, corsair_core::Profile::Safari) {
        Ok(v) => v,
        Err(e) => return vec![format!("{id}: the model refuses the scenario: {e}")],
    };
    let outcome = match safari.outcome {
        ModelOutcome::Blocked => crate::WebKitOutcome::Blocked,
        _ => crate::WebKitOutcome::Allowed,
    };
    if outcome != observed.outcome || safari.outcome == ModelOutcome::Incomplete {
        out.push(format!(
            "{id}: outcome {:?} / webkit {:?}",
            safari.outcome, observed.outcome
        ));
    }
    if let (Some(readable), Some(answer)) = (&observed.readable_headers, final_answer(scenario)) {
        let sent = |n: &&String| {
            answer
                .headers
                .iter()
                .any(|(h, _)| h.eq_ignore_ascii_case(n))
        };
        let webkit: Vec<&String> = readable.iter().filter(sent).collect();
        let model: Vec<&String> = safari
            .readable_response_headers
            .iter()
            .filter(sent)
            .collect();
        if model != webkit {
            out.push(format!("{id}: readable {model:?} / webkit {webkit:?}"));
        }
    }
    for profile in Profile::ALL {
        let lines = if profile == Profile::Safari {
            safari.console.safari.clone()
        } else {
            match corsair_core::explain(scenario, profile) {
                Ok(v) => v.console.safari,
                Err(e) => {
                    out.push(format!("{id} ({profile:?}): the model refuses it: {e}"));
                    continue;
                }
            }
        };
        if lines != observed.console {
            out.push(format!(
                "{id} ({profile:?}): console.safari {lines:?} / webkit {:?}",
                observed.console
            ));
        }
    }
    out
}
