//! The body type every gateway service answers with (the upstream's bodies,
//! guarded, and the gateway's own answers), in a module of its own so that
//! the pool, the proxy and the guard all depend on it and not on each other.

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};

/// Errors a body may carry on its way through.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type the gateway answers with.
pub type Body = BoxBody<Bytes, BoxError>;

/// A body of `bytes`, whole.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}
