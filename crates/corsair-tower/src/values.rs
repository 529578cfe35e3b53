//! Header values built once per policy, so answering allocates nothing.

use corsair_core::server::{CorsPolicy, PREFLIGHT_VARY};
use http::{header, HeaderMap, HeaderValue};

/// One policy's precomputed header values.
#[derive(Clone, Debug)]
pub(crate) struct PolicyValues {
    pub expose_headers: Option<HeaderValue>,
    /// An allowed preflight's answer but for `Access-Control-Allow-Origin`
    /// (and echoes): cloning a built map is cheaper than inserting into an
    /// empty one.
    pub preflight: HeaderMap,
    /// The same without `Access-Control-Allow-Headers` (none requested).
    pub preflight_no_headers: HeaderMap,
    /// A refused preflight's answer, its `x-corsair-refusal` a placeholder
    /// overwritten with the refusal's code (in place: no allocation).
    pub refused: HeaderMap,
    /// Whether `preflight*` hold a `*` placeholder for echoed methods.
    pub method_placeholder: bool,
}

pub(crate) const STAR: HeaderValue = HeaderValue::from_static("*");
pub(crate) const TRUE: HeaderValue = HeaderValue::from_static("true");
pub(crate) const ORIGIN: HeaderValue = HeaderValue::from_static("Origin");
pub(crate) const PREFLIGHT_VARY_VALUE: HeaderValue = HeaderValue::from_static(PREFLIGHT_VARY);

fn shared_value(text: Option<&str>) -> Option<HeaderValue> {
    let value =
        HeaderValue::from_maybe_shared(bytes::Bytes::copy_from_slice(text?.as_bytes())).ok()?;
    // The first clone of a freshly built value moves its bytes to a shared,
    // reference-counted buffer; doing it now keeps that off the request path.
    drop(value.clone());
    Some(value)
}

impl PolicyValues {
    pub(crate) fn new(policy: &CorsPolicy) -> PolicyValues {
        let allow_methods: Option<HeaderValue> = shared_value(policy.allow_methods_value());
        let allow_headers = shared_value(policy.allow_headers_value());
        let max_age = shared_value(policy.max_age_value());
        // Room for the headers added per request (origin, echoes, local network).
        let mut preflight_no_headers = HeaderMap::with_capacity(12);
        // Placeholders for what each answer fills in: overwriting an entry in
        // a cloned map never grows it (a clone has no spare room).
        preflight_no_headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, STAR);
        if policy.credentials() {
            preflight_no_headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        }
        if let Some(v) = &allow_methods {
            preflight_no_headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v.clone());
        } else if policy.any_method() {
            preflight_no_headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, STAR);
        }
        if let Some(v) = &max_age {
            preflight_no_headers.insert(header::ACCESS_CONTROL_MAX_AGE, v.clone());
        }
        preflight_no_headers.insert(header::VARY, PREFLIGHT_VARY_VALUE);
        let mut preflight = preflight_no_headers.clone();
        if let Some(v) = &allow_headers {
            preflight.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
        } else if policy.any_header() {
            preflight.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, STAR);
        }
        let mut refused = HeaderMap::with_capacity(2);
        refused.insert(header::VARY, PREFLIGHT_VARY_VALUE);
        refused.insert(
            header::HeaderName::from_static(crate::apply::REFUSAL_HEADER),
            HeaderValue::from_static("origin-not-allowed"),
        );
        PolicyValues {
            expose_headers: shared_value(policy.expose_headers_value()),
            preflight,
            preflight_no_headers,
            refused,
            method_placeholder: allow_methods.is_none() && policy.any_method(),
        }
    }
}
