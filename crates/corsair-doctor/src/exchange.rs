//! What was sent and what came back, and the redaction of secrets before
//! either is shown: credentials in headers, tokens in URLs.

use serde::Serialize;

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

/// Header names whose values are secrets.
const SECRET_HEADERS: [&str; 6] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
];

/// Query parameters whose values are secrets (compared lower-case, also as
/// a suffix: `x_access_token`).
const SECRET_PARAMS: [&str; 14] = [
    "token",
    "access_token",
    "id_token",
    "refresh_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "password",
    "passwd",
    "signature",
    "sig",
    "code",
    "session",
];

/// The shown form of a secret: its scheme kept (`Bearer`), the rest hidden.
fn hide(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _))
            if scheme.len() < 16 && scheme.bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            format!("{scheme} [redacted]")
        }
        _ => "[redacted]".to_owned(),
    }
}

/// Headers with secret values hidden.
pub fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            let lower = n.to_ascii_lowercase();
            if SECRET_HEADERS.contains(&lower.as_str()) {
                (n.clone(), hide(v))
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

/// A URL with its user:password and secret query values hidden. Text that is
/// not a URL is returned as it is.
pub fn redact_url(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text) else {
        return text.to_owned();
    };
    let mut changed = false;
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("redacted");
        let _ = url.set_password(None);
        changed = true;
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                let secret = SECRET_PARAMS
                    .iter()
                    .any(|p| lower == *p || lower.ends_with(&format!("_{p}")));
                if secret {
                    changed = true;
                    (k.into_owned(), "[redacted]".to_owned())
                } else {
                    (k.into_owned(), v.into_owned())
                }
            })
            .collect();
        if changed {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    if changed {
        url.to_string()
    } else {
        text.to_owned()
    }
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
        ..received.clone()
    }
}

/// Hides known secret values wherever they appear in text: the values of
/// the secret headers the page sets, its cookies, and the secret values of
/// its URL (which the story, the console lines and the findings repeat).
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// The secrets of a request: its headers, cookies and URL.
    pub fn new(headers: &[(String, String)], cookies: Option<&str>, url: &str) -> Redactor {
        let mut secrets = Vec::new();
        for (n, v) in headers {
            if SECRET_HEADERS.contains(&n.to_ascii_lowercase().as_str()) {
                secrets.push(v.clone());
                if let Some((_, token)) = v.split_once(' ') {
                    secrets.push(token.trim().to_owned());
                }
            }
        }
        if let Some(c) = cookies {
            secrets.push(c.to_owned());
            secrets.extend(
                c.split(';')
                    .filter_map(|p| p.split_once('='))
                    .map(|(_, v)| v.trim().to_owned()),
            );
        }
        if let Ok(u) = url::Url::parse(url) {
            if let Some(p) = u.password() {
                secrets.push(p.to_owned());
            }
            if let Some(q) = u.query() {
                for part in q.split('&') {
                    if let Some((k, v)) = part.split_once('=') {
                        let k = k.to_ascii_lowercase();
                        if SECRET_PARAMS
                            .iter()
                            .any(|p| k == *p || k.ends_with(&format!("_{p}")))
                        {
                            secrets.push(v.to_owned());
                        }
                    }
                }
            }
        }
        // Short values would mangle ordinary text; longest first so a value
        // is hidden whole before any part of it.
        secrets.retain(|s| s.len() >= 4);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[redacted]");
            }
        }
        out
    }

    /// Scrubs a string in place.
    pub fn scrub_in_place(&self, text: &mut String) {
        if self.secrets.iter().any(|s| text.contains(s.as_str())) {
            *text = self.scrub(text);
        }
    }

    /// Scrubs header values in place.
    pub fn scrub_pairs(&self, pairs: &mut [(String, String)]) {
        for (_, v) in pairs {
            self.scrub_in_place(v);
        }
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
