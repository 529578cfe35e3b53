//! What was sent and what came back, and the redaction of secrets before
//! either is shown: credentials in headers, tokens in URLs.

use serde::Serialize;

// The redaction moved to its own module; re-exported for existing callers.
pub use crate::redact::{redact_headers, redact_url, Redactor};

/// A request as put on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Wire {
    /// Method.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
}

/// An HTTP answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Received {
    /// Status.
    pub status: u16,
    /// `HTTP/1.1` or `HTTP/2`.
    pub version: String,
    /// Headers in order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The start of the body (for recognizing the platform), lossy UTF-8.
    #[serde(skip)]
    pub body_prefix: String,
    /// The address that answered.
    pub remote: String,
    /// Milliseconds from sending to the end of the kept body.
    pub elapsed_ms: f64,
}

impl Received {
    /// The values of header `name`, in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of header `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why an exchange was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// The browser's preflight.
    Preflight,
    /// The request itself.
    Request,
    /// A probe beyond the browser's own requests.
    Probe,
}

/// One exchange for the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exchange {
    /// Why it was made.
    pub purpose: Purpose,
    /// For probes: what it tests (`reflection`, `error-path`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// What was sent (redacted).
    pub sent: Wire,
    /// What came back (redacted), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<Received>,
    /// Why nothing came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A wire request with its secrets hidden.
pub fn redact_wire(wire: &Wire) -> Wire {
    Wire {
        method: wire.method.clone(),
        url: redact_url(&wire.url),
        headers: redact_headers(&wire.headers),
    }
}

/// A received answer with its secrets hidden.
pub fn redact_received(received: &Received) -> Received {
    Received {
        headers: redact_headers(&received.headers),
        body_prefix: crate::redact::scrub_patterns(&received.body_prefix).into_owned(),
        ..received.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_and_the_rest_kept() {
        let h = vec![
            ("Authorization".to_owned(), "Bearer abc.def".to_owned()),
            ("Cookie".to_owned(), "sid=1; theme=dark".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ];
        let r = redact_headers(&h);
        assert_eq!(r[0].1, "Bearer [redacted]");
        assert_eq!(r[1].1, "[redacted]");
        assert_eq!(r[2].1, "application/json");
        assert_eq!(
            redact_url("https://u:p@api.test/x?access_token=s3cr3t&page=2"),
            "https://redacted@api.test/x?access_token=%5Bredacted%5D&page=2"
        );
        assert_eq!(
            redact_url("https://api.test/x?page=2"),
            "https://api.test/x?page=2"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }
}
