//! The fix made whole and proven before it is shown: what the server
//! already allows (as its answers show) is kept, so applying the fix never
//! breaks a method, header or origin that worked; and the fix is re-checked
//! by serving it with the `corsair-tower` layer and judging that with the
//! browser model, the same way the policy file and the gateway are proven.

use corsair_core::policy::{origin_entry, OriginEntry, PolicySpec};
use corsair_core::server::route::PolicySet;
use corsair_core::server::CorsPolicy;
use corsair_core::{method, Outcome, Profile, Verdict};
use corsair_platforms::Fix;
use corsair_tower::{served, CorsLayer};

use crate::check::{CheckRequest, Checked};

/// Items of a comma-separated list header, trimmed, `*` left out.
fn items<'a>(values: impl Iterator<Item = &'a str> + 'a) -> impl Iterator<Item = String> + 'a {
    values
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s != "*")
}

/// Adds to `fix` what the server's answers already grant the page's origin:
/// methods, request headers, exposed headers, credentials. Answers that
/// grant another origin, or `*`, add nothing.
pub fn keep_what_works(fix: &mut Fix, checked: &Checked, origin: &str) {
    for r in checked.received.iter().flatten() {
        let acao: Vec<&str> = r.values("access-control-allow-origin").collect();
        if acao.len() != 1 || acao[0].trim() != origin {
            continue;
        }
        for m in items(r.values("access-control-allow-methods")) {
            if !method::is_safelisted(&m) && !fix.methods.contains(&m) {
                fix.methods.push(m);
            }
        }
        for h in items(r.values("access-control-allow-headers")) {
            let h = h.to_ascii_lowercase();
            if !fix.request_headers.contains(&h) {
                fix.request_headers.push(h);
            }
        }
        for h in items(r.values("access-control-expose-headers")) {
            let h = h.to_ascii_lowercase();
            if !fix.expose_headers.contains(&h) {
                fix.expose_headers.push(h);
            }
        }
        if r.values("access-control-allow-credentials")
            .any(|v| v == "true")
        {
            fix.credentials = true;
        }
    }
}

/// Whether a server applying `fix` lets the browser (`profile`), and
/// Chrome, Firefox and Safari alike, make `request` and read what it reads:
/// the fix served by the `corsair-tower` layer, judged by the browser model.
/// A request the layer cannot be asked (a value no HTTP request carries) is
/// not proven: `false`.
pub fn fix_allows(request: &CheckRequest, verdict: &Verdict, fix: &Fix, profile: Profile) -> bool {
    let spec = PolicySpec {
        origins: fix
            .origins
            .iter()
            .filter_map(|o| origin_entry::analyze(o).entry)
            .filter(|e| !matches!(e, OriginEntry::Any))
            .collect(),
        credentials: fix.credentials,
        methods: fix.methods.iter().cloned().collect(),
        request_headers: fix.request_headers.iter().cloned().collect(),
        expose_headers: fix.expose_headers.iter().cloned().collect(),
        max_age: fix.max_age.map(i64::from),
        ..PolicySpec::default()
    };
    let layer = CorsLayer::from_policy_set(PolicySet::single(CorsPolicy::new(&spec)));
    let Some(origin) = verdict.request.origin.as_deref() else {
        return false;
    };
    let method = verdict.request.method.as_str();
    let mut scenario = request.scenario();
    let url = scenario.request.url.clone();
    if verdict.preflight.required {
        let acrh = verdict.preflight.access_control_request_headers();
        let Some(answer) = served::preflight_answer(&layer, &url, origin, method, acrh) else {
            return false;
        };
        scenario.preflight = Some(answer);
    }
    let Some(answer) = served::actual_answer(
        &layer,
        &url,
        method,
        Some(origin),
        &scenario.request.headers,
    ) else {
        return false;
    };
    scenario.response = Some(answer);
    match corsair_core::explain(&scenario, profile) {
        // Allowed in every engine: `engines` is set only where they part.
        Ok(v) => {
            v.outcome == Outcome::Allowed
                && v.engines.is_none()
                && !v
                    .findings
                    .iter()
                    .any(|f| f.slug == corsair_core::Slug::HeaderNotExposed)
        }
        Err(_) => false,
    }
}
