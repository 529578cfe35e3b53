//! The gateway's own answers: the requests it answers itself (400, 408,
//! 413, 502, 503, 504) instead of passing on the upstream's, each marked
//! with [`OWN_HEADER`] and a word saying why.

use http::header::{self, HeaderValue};
use http::{Response, StatusCode};

use crate::body::{self, Body};

/// The header on every answer the gateway makes itself, never on one it
/// passes on from the upstream: a word saying why ([`Own::as_str`]). With
/// `x-corsair-refusal` on a refused preflight, it tells a client (and
/// `corsair check`) that the gateway answered, not the API behind it.
pub const OWN_HEADER: &str = "x-corsair";

/// Why the gateway answered a request itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Own {
    /// 400: no or two `Host` headers, a target that is not a path.
    BadRequest,
    /// 408: the request body stopped arriving.
    BodyStalled,
    /// 413: the body is larger than the gateway forwards.
    BodyTooLarge,
    /// 502: no connection to the upstream.
    UpstreamUnreachable,
    /// 502: the upstream broke off the exchange (or switched protocols unasked).
    UpstreamBrokeOff,
    /// 504: the upstream sent no response head (or stopped taking the body) in time.
    UpstreamTimeout,
    /// 504: the connection's other requests held every upstream connection it may use.
    UpstreamBusy,
    /// 503: the gateway is at its connection cap.
    Overloaded,
}

impl Own {
    /// Every reason, in the order `/metrics` lists them.
    pub const ALL: [Own; 8] = [
        Own::BadRequest,
        Own::BodyStalled,
        Own::BodyTooLarge,
        Own::UpstreamUnreachable,
        Own::UpstreamBrokeOff,
        Own::UpstreamTimeout,
        Own::UpstreamBusy,
        Own::Overloaded,
    ];

    /// The word in [`OWN_HEADER`].
    pub fn as_str(self) -> &'static str {
        match self {
            Own::BadRequest => "bad-request",
            Own::BodyStalled => "body-stalled",
            Own::BodyTooLarge => "body-too-large",
            Own::UpstreamUnreachable => "upstream-unreachable",
            Own::UpstreamBrokeOff => "upstream-broke-off",
            Own::UpstreamTimeout => "upstream-timeout",
            Own::UpstreamBusy => "upstream-busy",
            Own::Overloaded => "overloaded",
        }
    }
}

/// A response the gateway makes itself, marked with [`OWN_HEADER`].
pub fn gateway_response(status: StatusCode, why: Own, message: &str) -> Response<Body> {
    let mut res = Response::new(body::full(format!("{message}\n")));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::HeaderName::from_static(OWN_HEADER),
        HeaderValue::from_static(why.as_str()),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_listed_once() {
        let mut words: Vec<&str> = Own::ALL.iter().map(|o| o.as_str()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), Own::ALL.len());
    }
}
