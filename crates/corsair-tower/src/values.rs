//! Header values built once per policy, so answering allocates nothing.

use corsair_core::server::{CorsPolicy, PREFLIGHT_VARY};
use http::HeaderValue;

/// One policy's precomputed header values.
#[derive(Clone, Debug)]
pub(crate) struct PolicyValues {
    pub allow_methods: Option<HeaderValue>,
    pub allow_headers: Option<HeaderValue>,
    pub expose_headers: Option<HeaderValue>,
    pub max_age: Option<HeaderValue>,
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
        PolicyValues {
            allow_methods: shared_value(policy.allow_methods_value()),
            allow_headers: shared_value(policy.allow_headers_value()),
            expose_headers: shared_value(policy.expose_headers_value()),
            max_age: shared_value(policy.max_age_value()),
        }
    }
}
