//! The decision: what was seen (the blocked answer and the probes'
//! answers) weighed into one cause, with its evidence and fix.

use corsair_core::catalog::Slug;
use corsair_core::verdict::Stage;

use super::plan::{allows, working_origins, Probe, Seen};
use super::redirects::redirect_cause;
use super::refusals::{auth_signs, cors_refusal, refusal_status, Refused};
use super::{body_excerpt, header, is_preflight, server_of, Cause, Confidence};
use crate::check::{CheckRequest, Checked};
use crate::exchange::{Received, Wire};
use crate::network::NetworkFailure;

pub(super) fn network_cause(failure: &NetworkFailure) -> Cause {
    Cause {
        slug: Slug::NotACorsError,
        confidence: Confidence::Certain,
        layer: None,
        summary: failure.summary(),
        evidence: Vec::new(),
        fix: "Fix the connection first: no CORS header can help a request that gets no answer."
            .into(),
        works_from: Vec::new(),
        body: None,
        network: Some(failure.clone()),
        also: None,
    }
}

pub(super) fn decide(
    request: &CheckRequest,
    checked: &Checked,
    index: usize,
    wire: &Wire,
    answer: &Received,
    seen: &Seen,
) -> Option<Cause> {
    let blocked = checked.verdict.blocked.as_ref()?;
    let preflight = is_preflight(wire);
    let origin = header(wire, "origin")
        .unwrap_or(&request.page_origin)
        .to_owned();
    let layer = server_of(answer);
    if (300..400).contains(&answer.status) && answer.first("location").is_some() {
        return Some(redirect_cause(wire, answer, index, preflight));
    }
    let (works_from, works_evidence) = working_origins(seen, preflight);
    let body = body_excerpt(answer);
    let origin_refused = |confidence: Confidence,
                          layer: Option<String>,
                          mut evidence: Vec<String>| {
        evidence.extend(works_evidence.clone());
        let works = if works_from.is_empty() {
            String::new()
        } else {
            format!(
                " It does answer {}: the origin is what differs.",
                works_from.join(", ")
            )
        };
        Cause {
            slug: Slug::OriginMismatch,
            confidence,
            layer,
            summary: format!("The server's CORS allow-list does not include {origin}.{works}"),
            evidence,
            fix: format!("Add {origin} to the allowed origins of the layer that answers CORS (exactly as the browser sends it: scheme, host and port, no trailing slash). If the list comes from an environment variable, check it is set in this environment."),
            works_from: works_from.clone(),
            body: None,
            network: None,
            also: None,
        }
    };
    if preflight && refusal_status(answer.status) {
        let mut evidence = vec![format!(
            "#{index}: the preflight was answered {}",
            answer.status
        )];
        let plain = seen.get(&Probe::PlainOptions);
        let minimal = seen.get(&Probe::MinimalPreflight);
        let auth = auth_signs(answer);
        if let Some((refuser, what)) = cors_refusal(answer) {
            evidence.push(format!("#{index}: the answer is {refuser}'s refusal"));
            let minimal_passes = minimal.filter(|(_, m)| allows(m, &origin, true));
            if let Some((i, _)) = minimal_passes {
                evidence.push(format!(
                    "#{i}: a preflight for GET alone from the same origin passes"
                ));
            }
            return Some(match (what, minimal_passes) {
                (Refused::Method | Refused::Headers, _) | (Refused::Unsaid, Some(_)) => {
                    method_or_headers_refused(
                        checked,
                        answer,
                        evidence,
                        Some(refuser.to_owned()),
                        what,
                    )
                }
                (Refused::Origin | Refused::Unsaid, _) => {
                    origin_refused(Confidence::Certain, Some(refuser.to_owned()), evidence)
                }
            });
        }
        if answer.status == 400 && auth.is_none() {
            // A 400 that names neither CORS nor auth: the model's own
            // finding (a preflight needs a 2xx) says all that is known.
            return None;
        }
        let plain_refused = plain.map(|(i, p)| (i, matches!(p.status, 401 | 403), p.status));
        match (plain_refused, &auth) {
            (Some((i, true, s)), _) => {
                evidence.push(format!(
                    "#{i}: a plain OPTIONS without Origin is refused too ({s})"
                ));
                if let Some(a) = &auth {
                    evidence.push(format!("#{index}: {a}"));
                }
                let confidence = if auth.is_some() || answer.status == 401 {
                    Confidence::Certain
                } else {
                    Confidence::Likely
                };
                return Some(Cause {
                    slug: Slug::PreflightBlockedByAuth,
                    confidence,
                    layer: Some(match &layer {
                        Some(l) => format!("an authentication layer ({l})"),
                        None => "an authentication layer".into(),
                    }),
                    summary: "Authentication runs before CORS and refuses every OPTIONS request: browsers never send cookies or Authorization on a preflight, so the preflight can never pass it.".into(),
                    evidence,
                    fix: "Let preflights through before authentication: mount the CORS middleware first, or exempt OPTIONS requests (those with Access-Control-Request-Method) from the auth check; a WAF or API gateway in front needs the same exemption.".into(),
                    works_from: Vec::new(),
                    body,
                    network: None,
                    also: None,
                });
            }
            (Some((i, false, s)), _) => {
                evidence.push(format!("#{i}: a plain OPTIONS without Origin is answered {s}: only CORS preflights are refused"));
                if let Some((j, m)) = minimal {
                    if allows(m, &origin, true) {
                        evidence.push(format!(
                            "#{j}: a preflight for GET alone from the same origin passes"
                        ));
                        return Some(method_or_headers_refused(
                            checked,
                            answer,
                            evidence,
                            layer,
                            Refused::Unsaid,
                        ));
                    }
                }
                let confidence = if works_from.is_empty() {
                    Confidence::Likely
                } else {
                    Confidence::Certain
                };
                return Some(origin_refused(confidence, layer, evidence));
            }
            (None, Some(a)) => {
                evidence.push(format!("#{index}: {a}"));
                return Some(Cause {
                    slug: Slug::PreflightBlockedByAuth,
                    confidence: Confidence::Likely,
                    layer,
                    summary: "Authentication appears to run before CORS: the preflight carries no credentials, so it is refused.".into(),
                    evidence,
                    fix: "Answer OPTIONS preflights before authentication: mount the CORS middleware first, or exempt OPTIONS requests from auth.".into(),
                    works_from: Vec::new(),
                    body,
                    network: None,
                    also: None,
                });
            }
            (None, None) => return None,
        }
    }
    let missing = answer.first("access-control-allow-origin").is_none();
    if preflight && missing && (200..300).contains(&answer.status) && works_from.is_empty() {
        if let Some(allow) = answer.first("allow") {
            // Express, Flask and others answer OPTIONS themselves, listing
            // the route's methods, when no CORS layer handles it.
            return Some(Cause {
                slug: Slug::PreflightNotHandled,
                confidence: Confidence::Likely,
                layer: server_of(answer).map(|s| format!("the framework's automatic OPTIONS answer ({s})")).or_else(|| Some("the framework's automatic OPTIONS answer".into())),
                summary: format!("The preflight was answered by the framework's own OPTIONS handling (Allow: {}), not by a CORS layer: CORS does not run for OPTIONS on this path (applied to the route's other methods only, or not at all).", corsair_core::printable::excerpt(allow, 80)),
                evidence: vec![format!("#{index}: {} with Allow: {} and no Access-Control-Allow-Origin", answer.status, corsair_core::printable::excerpt(allow, 80))],
                fix: "Apply the CORS middleware to every method of this path, ahead of the routes (Express: `app.use(cors(options))` before the routers rather than on one `app.post`; Flask: CORS(app) or `@cross_origin` on a route that accepts OPTIONS), so it answers the preflight.".into(),
                works_from: Vec::new(),
                body: None,
                network: None,
                also: None,
            });
        }
    }
    if missing && blocked.cors_error.is_some() {
        let varies = answer
            .values("vary")
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("origin"));
        if !works_from.is_empty() {
            let mut evidence = vec![format!(
                "#{index}: from {origin}, no Access-Control-Allow-Origin (status {})",
                answer.status
            )];
            if varies {
                evidence.push(format!(
                    "#{index}: Vary: Origin: the answer depends on the origin"
                ));
            }
            let mut cause = origin_refused(Confidence::Certain, layer, evidence);
            cause.body = body;
            return Some(cause);
        }
        if varies && answer.status < 400 {
            let evidence = vec![format!(
                "#{index}: Vary: Origin but no Access-Control-Allow-Origin for {origin}: a CORS layer is there and refuses this origin"
            )];
            return Some(origin_refused(Confidence::Likely, layer, evidence));
        }
        if answer.status >= 400 {
            let stage = if blocked.stage == Stage::Preflight {
                "preflight"
            } else {
                "request"
            };
            return Some(Cause {
                slug: if preflight && matches!(answer.status, 404 | 405 | 501) {
                    Slug::PreflightNotHandled
                } else {
                    Slug::ErrorResponseWithoutCors
                },
                confidence: Confidence::Likely,
                layer,
                summary: format!("The {stage} was answered {} without CORS headers: the page sees a CORS error instead of this error{}.", answer.status, if body.is_some() { " (its message is below)" } else { "" }),
                evidence: vec![format!("#{index}: {} with no Access-Control-Allow-Origin", answer.status)],
                fix: "Fix the error itself (its message is the real problem), and make the CORS layer answer errors too: mount it before auth, error handlers and body parsers (nginx: `add_header … always`).".into(),
                works_from: Vec::new(),
                // With CORS on errors the page reads this error; the error
                // itself is the server's (or the request's) to fix.
                also: Some(format!("The {stage} itself fails with {}{}: once CORS headers are on errors too, the page reads this error; fix what causes it.", answer.status, if body.is_some() { " (the server's message is shown with the cause)" } else { "" })),
                body,
                network: None,
            });
        }
    }
    None
}

/// A preflight refused although the origin is allowed: the method or the
/// headers it asks for are not.
fn method_or_headers_refused(
    checked: &Checked,
    answer: &Received,
    evidence: Vec<String>,
    layer: Option<String>,
    said: Refused,
) -> Cause {
    let p = &checked.verdict.preflight;
    let acrh = p.access_control_request_headers().unwrap_or_default();
    // The refusal may still list what the layer allows (Starlette's does):
    // then the names it lacks are known exactly.
    let allowed_headers: Vec<String> = answer
        .values("access-control-allow-headers")
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    let missing: Vec<&str> = acrh
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .filter(|h| {
            allowed_headers.is_empty() || !allowed_headers.iter().any(|a| a == h || a == "*")
        })
        .collect();
    let headers = missing.join(", ");
    let method = &checked.verdict.request.method;
    let method_only = acrh.is_empty() || said == Refused::Method;
    let safelisted = corsair_core::method::is_safelisted(method);
    let what = match (said, acrh.is_empty(), safelisted) {
        (Refused::Method, _, _) | (_, true, _) => format!("the method {method}"),
        (Refused::Headers, false, _) | (_, false, true) => format!("the request headers {headers}"),
        (_, false, false) => format!("the method {method} or the request headers {headers}"),
    };
    let confidence = if said == Refused::Unsaid {
        Confidence::Likely
    } else {
        Confidence::Certain
    };
    Cause {
        slug: if method_only {
            Slug::MethodNotAllowed
        } else {
            Slug::HeaderNotAllowed
        },
        confidence,
        layer,
        summary: format!("The origin is allowed, but the CORS layer refuses the preflight for {what}: it answers {} instead of a preflight that allows it.", answer.status),
        evidence,
        fix: format!("Allow {what} in the CORS configuration (allowed methods / allowed headers)."),
        works_from: Vec::new(),
        body: None,
        network: None,
        also: None,
    }
}
