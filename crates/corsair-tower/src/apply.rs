//! Turning the server model's decision into response headers.

use corsair_core::server::{
    ActualGrant, AllowList, AllowOrigin, PreflightGrant, Refusal, PREFLIGHT_OK_STATUS,
    PREFLIGHT_REFUSED_STATUS,
};
use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::values::{PolicyValues, ORIGIN, PREFLIGHT_VARY_VALUE, STAR, TRUE};

/// The header debug mode adds to a refused preflight's answer.
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

fn origin_value(origin: AllowOrigin<'_>, request: &HeaderMap) -> Option<HeaderValue> {
    match origin {
        AllowOrigin::Any => Some(STAR),
        // The model echoes only a single Origin header: the one here.
        AllowOrigin::Echo(_) => request.get(header::ORIGIN).cloned(),
    }
}

fn list_value(
    list: AllowList<'_>,
    policy: Option<&HeaderValue>,
    request: &HeaderMap,
    name: HeaderName,
) -> Option<HeaderValue> {
    match list {
        AllowList::Policy(_) => policy.cloned(),
        AllowList::Echo(_) => request.get(name).cloned(),
    }
}

fn preflight_headers(
    grant: &PreflightGrant<'_>,
    values: &PolicyValues,
    request: &HeaderMap,
) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(8);
    if let Some(v) = origin_value(grant.allow_origin, request) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    if grant.allow_credentials {
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if let Some(v) = grant.allow_methods.and_then(|m| {
        list_value(
            m,
            values.allow_methods.as_ref(),
            request,
            header::ACCESS_CONTROL_REQUEST_METHOD,
        )
    }) {
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
    }
    if let Some(v) = grant.allow_headers.and_then(|l| {
        list_value(
            l,
            values.allow_headers.as_ref(),
            request,
            header::ACCESS_CONTROL_REQUEST_HEADERS,
        )
    }) {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
    }
    if grant.max_age.is_some() {
        if let Some(v) = &values.max_age {
            h.insert(header::ACCESS_CONTROL_MAX_AGE, v.clone());
        }
    }
    if grant.allow_local_network {
        h.insert(ALLOW_LOCAL_NETWORK, TRUE);
    }
    h.insert(header::VARY, PREFLIGHT_VARY_VALUE);
    h
}

/// The answer to an allowed preflight.
pub(crate) fn preflight_allowed(
    grant: &PreflightGrant<'_>,
    values: &PolicyValues,
    request: &HeaderMap,
) -> (StatusCode, HeaderMap) {
    (
        status(PREFLIGHT_OK_STATUS),
        preflight_headers(grant, values, request),
    )
}

/// The answer to a refused preflight: 403 and no CORS headers; in debug
/// mode, the headers that make the browser's console name what was refused,
/// and the reason in `x-corsair-refusal`.
pub(crate) fn preflight_refused(
    refusal: &Refusal<'_>,
    debug: Option<&PreflightGrant<'_>>,
    values: &PolicyValues,
    request: &HeaderMap,
) -> (StatusCode, HeaderMap) {
    match debug {
        Some(grant) => {
            let mut h = preflight_headers(grant, values, request);
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
            let mut h = HeaderMap::with_capacity(1);
            h.insert(header::VARY, PREFLIGHT_VARY_VALUE);
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
        request: &HeaderMap,
    ) -> ActualHeaders {
        ActualHeaders {
            allow_origin: grant.and_then(|g| origin_value(g.allow_origin, request)),
            allow_credentials: grant.is_some_and(|g| g.allow_credentials),
            expose_headers: grant.and(values.expose_headers.clone()),
            vary_origin,
        }
    }

    /// Applies to the application's response headers; returns whether the
    /// application had set CORS headers of its own.
    pub(crate) fn apply(self, headers: &mut HeaderMap) -> bool {
        let mut duplicate = false;
        for name in &CORS_RESPONSE_HEADERS {
            if headers.contains_key(name) {
                duplicate = true;
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
