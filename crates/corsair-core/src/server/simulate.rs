//! The server model's answers written as a scenario's [`Answer`]s: what a
//! server applying the policy sends, ready for the browser model (or a real
//! browser) to judge.

use super::{AllowList, AllowOrigin, CorsPolicy, CorsRequest, Decision, Field};
use super::{ACTUAL_VARY, PREFLIGHT_OK_STATUS, PREFLIGHT_REFUSED_STATUS, PREFLIGHT_VARY};
use crate::scenario::Answer;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn origin_headers(origin: AllowOrigin<'_>, credentials: bool) -> Vec<(String, String)> {
    let value = match origin {
        AllowOrigin::Any => "*".to_owned(),
        AllowOrigin::Echo(o) => text(o),
    };
    let mut h = vec![("Access-Control-Allow-Origin".to_owned(), value)];
    if credentials {
        h.push((
            "Access-Control-Allow-Credentials".to_owned(),
            "true".to_owned(),
        ));
    }
    h
}

/// The answer to a preflight from `origin` asking for `method` and the
/// `Access-Control-Request-Headers` value `request_headers`.
pub fn preflight_answer(
    policy: &CorsPolicy,
    origin: &str,
    method: &str,
    request_headers: Option<&str>,
) -> Answer {
    let req = CorsRequest {
        method: "OPTIONS",
        origin: Field::One(origin.as_bytes()),
        request_method: Field::One(method.as_bytes()),
        request_headers: request_headers.map_or(Field::Absent, |h| Field::One(h.as_bytes())),
        request_local_network: false,
    };
    let vary = ("Vary".to_owned(), PREFLIGHT_VARY.to_owned());
    match policy.decide(&req) {
        Decision::PreflightAllowed(g) => {
            let mut headers = origin_headers(g.allow_origin, g.allow_credentials);
            let list = |l: AllowList<'_>| text(l.as_bytes());
            if let Some(m) = g.allow_methods {
                headers.push(("Access-Control-Allow-Methods".into(), list(m)));
            }
            if let Some(h) = g.allow_headers {
                headers.push(("Access-Control-Allow-Headers".into(), list(h)));
            }
            if let Some(a) = g.max_age {
                headers.push(("Access-Control-Max-Age".into(), a.into()));
            }
            headers.push(vary);
            Answer {
                status: PREFLIGHT_OK_STATUS,
                headers,
                next: None,
            }
        }
        // Only a real preflight reaches here, so anything else is a refusal.
        _ => Answer {
            status: PREFLIGHT_REFUSED_STATUS,
            headers: vec![vary],
            next: None,
        },
    }
}

/// The answer to an actual request (a 200 with a JSON body's headers).
pub fn actual_answer(policy: &CorsPolicy, origin: Option<&str>, method: &str) -> Answer {
    let req = CorsRequest {
        method,
        origin: origin.map_or(Field::Absent, |o| Field::One(o.as_bytes())),
        ..CorsRequest::default()
    };
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Decision::Actual {
        grant, vary_origin, ..
    } = policy.decide(&req)
    {
        if let Some(g) = grant {
            headers.extend(origin_headers(g.allow_origin, g.allow_credentials));
            if let Some(e) = g.expose_headers {
                headers.push(("Access-Control-Expose-Headers".into(), e.into()));
            }
        }
        if vary_origin {
            headers.push(("Vary".into(), ACTUAL_VARY.into()));
        }
    }
    Answer {
        status: 200,
        headers,
        next: None,
    }
}
