//! Turning the server model's decision into response headers.

use corsair_core::server::{
    ActualGrant, AllowList, AllowOrigin, PreflightGrant, Refusal, PREFLIGHT_OK_STATUS,
    PREFLIGHT_REFUSED_STATUS,
};
use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::values::{PolicyValues, ORIGIN, STAR, TRUE};

/// The header on a refused preflight's answer: the refusal's code
/// (`origin-not-allowed`, `method-not-allowed`, `header-not-allowed`, ...),
/// so that a client, or `corsair check`, can tell a Corsair refusal from
/// any other 403 without learning what the policy allows; debug mode adds
/// the refused value in plain words after the code.
pub const REFUSAL_HEADER: &str = "x-corsair-refusal";

const ALLOW_LOCAL_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// The CORS response headers the layer owns (removed from the application's
/// responses before its own are added).
const CORS_RESPONSE_HEADERS: [HeaderName; 7] = [
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
    header::ACCESS_CONTROL_ALLOW_METHODS,
    header::ACCESS_CONTROL_ALLOW_HEADERS,
    header::ACCESS_CONTROL_EXPOSE_HEADERS,
    header::ACCESS_CONTROL_MAX_AGE,
    ALLOW_LOCAL_NETWORK,
];

/// The request's CORS headers, looked up once (the first value of each;
/// the model refuses repeated ones before anything is echoed).
#[derive(Clone, Copy, Default)]
pub(crate) struct Seen<'a> {
    pub origin: Option<&'a HeaderValue>,
    pub request_method: Option<&'a HeaderValue>,
    pub request_headers: Option<&'a HeaderValue>,
}

fn origin_value(origin: AllowOrigin<'_>, seen: &Seen<'_>) -> Option<HeaderValue> {
    match origin {
        AllowOrigin::Any => Some(STAR),
        AllowOrigin::Echo(_) => seen.origin.cloned(),
    }
}

fn preflight_headers(
    grant: &PreflightGrant<'_>,
    values: &PolicyValues,
    seen: &Seen<'_>,
) -> HeaderMap {
    let mut h = match grant.allow_headers {
        Some(_) => values.preflight.clone(),
        None => values.preflight_no_headers.clone(),
    };
    match origin_value(grant.allow_origin, seen) {
        // The placeholder is the map's first entry: replacing it in place
        // skips hashing the name.
        Some(v) => match h.iter_mut().next() {
            Some((name, slot)) if *name == header::ACCESS_CONTROL_ALLOW_ORIGIN => *slot = v,
            _ => {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            }
        },
        None => {
            h.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        }
    }
    // The precomputed map holds the policy's lists; echoes replace them.
    if let Some(AllowList::Echo(_)) = grant.allow_methods {
        if let Some(v) = seen.request_method {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v.clone());
        }
    }
    if let Some(AllowList::Echo(_)) = grant.allow_headers {
        if let Some(v) = seen.request_headers {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
        }
    }
    if grant.allow_methods.is_none() && values.method_placeholder {
        h.remove(header::ACCESS_CONTROL_ALLOW_METHODS);
    }
    if grant.allow_local_network {
        h.insert(ALLOW_LOCAL_NETWORK, TRUE);
    }
    h
}

/// The answer to an allowed preflight.
pub(crate) fn preflight_allowed(
    grant: &PreflightGrant<'_>,
    values: &PolicyValues,
    seen: &Seen<'_>,
) -> (StatusCode, HeaderMap) {
    (
        status(PREFLIGHT_OK_STATUS),
        preflight_headers(grant, values, seen),
    )
}

/// The answer to a refused preflight: 403, no CORS headers, and the
/// refusal's code in `x-corsair-refusal`; in debug mode, the headers that
/// make the browser's console name what was refused, and the reason in
/// `x-corsair-refusal`.
pub(crate) fn preflight_refused(
    refusal: &Refusal<'_>,
    debug: Option<&PreflightGrant<'_>>,
    values: &PolicyValues,
    seen: &Seen<'_>,
) -> (StatusCode, HeaderMap) {
    match debug {
        Some(grant) => {
            let mut h = preflight_headers(grant, values, seen);
            let reason = format!("{}: {refusal}", refusal.code());
            let reason: String = reason
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() || c == ' ' {
                        c
                    } else {
                        '?'
                    }
                })
                .collect();
            if let Ok(v) = HeaderValue::from_str(&reason) {
                h.insert(HeaderName::from_static(REFUSAL_HEADER), v);
            }
            (status(PREFLIGHT_OK_STATUS), h)
        }
        None => {
            let mut h = values.refused.clone();
            // Overwrites the placeholder: the map does not grow.
            h.insert(
                HeaderName::from_static(REFUSAL_HEADER),
                HeaderValue::from_static(refusal.code()),
            );
            (status(PREFLIGHT_REFUSED_STATUS), h)
        }
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::FORBIDDEN)
}

/// What to add to the application's response, captured before the request
/// moves into it.
pub(crate) struct ActualHeaders {
    allow_origin: Option<HeaderValue>,
    allow_credentials: bool,
    expose_headers: Option<HeaderValue>,
    vary_origin: bool,
}

impl ActualHeaders {
    pub(crate) fn new(
        grant: Option<&ActualGrant<'_>>,
        vary_origin: bool,
        values: &PolicyValues,
        seen: &Seen<'_>,
    ) -> ActualHeaders {
        ActualHeaders {
            allow_origin: grant.and_then(|g| origin_value(g.allow_origin, seen)),
            allow_credentials: grant.is_some_and(|g| g.allow_credentials),
            expose_headers: grant.and(values.expose_headers.clone()),
            vary_origin,
        }
    }

    /// Applies to the application's response headers; returns whether the
    /// application had set CORS headers of its own.
    pub(crate) fn apply(self, headers: &mut HeaderMap) -> bool {
        // One pass over the (few) names instead of seven lookups.
        let duplicate = headers
            .keys()
            .any(|k| k.as_str().starts_with("access-control-"));
        if duplicate {
            for name in &CORS_RESPONSE_HEADERS {
                headers.remove(name);
            }
        }
        if let Some(origin) = self.allow_origin {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            if self.allow_credentials {
                headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
            }
            if let Some(expose) = self.expose_headers {
                headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
            }
        }
        if self.vary_origin {
            merge_vary(headers);
        }
        duplicate
    }
}

/// Adds `Origin` to `Vary` unless it (or `*`) is there already. With no
/// `Vary`, a static value is inserted; an existing one is extended in place.
pub(crate) fn merge_vary(headers: &mut HeaderMap) {
    let mut existing = 0usize;
    for value in headers.get_all(header::VARY) {
        let Ok(text) = value.to_str() else {
            // Unreadable bytes: keep them, and add ours alongside.
            headers.append(header::VARY, ORIGIN);
            return;
        };
        for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if token == "*" || token.eq_ignore_ascii_case("origin") {
                return;
            }
            existing += 1;
        }
    }
    if existing == 0 {
        headers.insert(header::VARY, ORIGIN);
        return;
    }
    let mut merged = String::new();
    for value in headers.get_all(header::VARY) {
        for token in value
            .to_str()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            merged.push_str(token);
            merged.push_str(", ");
        }
    }
    merged.push_str("Origin");
    match HeaderValue::from_str(&merged) {
        Ok(v) => {
            headers.insert(header::VARY, v);
        }
        Err(_) => {
            headers.append(header::VARY, ORIGIN);
        }
    }
}
