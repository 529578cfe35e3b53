//! The [`Fix`] made safe to render: trimmed, deduplicated, with the values no
//! snippet can carry left out (and said so in a note).

use crate::Fix;

/// What browsers cache a preflight for at most (Chrome); used where a
/// platform needs a max-age and the fix leaves it open.
pub(crate) const DEFAULT_MAX_AGE: u32 = 7200;

/// The methods every rendered policy lists (the CORS-safelisted ones).
const SIMPLE_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// The method names `fetch()` upper-cases itself: a page may write them in
/// any case, the browser sends them upper-case.
const NORMALIZED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// A fix ready to render: every value is safe to put in any snippet once
/// escaped for its language.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Norm {
    /// Exact origins, in the fix's order, without duplicates.
    pub origins: Vec<String>,
    /// GET, HEAD, POST, then the fix's other methods.
    pub methods: Vec<String>,
    /// The fix's methods beyond GET, HEAD and POST.
    pub extra_methods: Vec<String>,
    /// Request headers, lower-case.
    pub request_headers: Vec<String>,
    /// Response headers to expose, lower-case.
    pub expose_headers: Vec<String>,
    /// Whether credentials are allowed.
    pub credentials: bool,
    /// The fix's max-age, if it sets one.
    pub max_age: Option<u32>,
    /// Why some values of the fix were left out, one sentence each.
    pub left_out: Vec<String>,
}

impl Norm {
    /// Cleans a fix up for rendering.
    pub(crate) fn new(fix: &Fix) -> Norm {
        let mut norm = Norm {
            credentials: fix.credentials,
            max_age: fix.max_age,
            methods: SIMPLE_METHODS.iter().map(|m| (*m).to_owned()).collect(),
            ..Norm::default()
        };
        for origin in &fix.origins {
            norm.add_origin(origin);
        }
        for method in &fix.methods {
            norm.add_method(method);
        }
        for header in &fix.request_headers {
            if let Some(h) = norm.header_name(header, "request header") {
                push_unique(&mut norm.request_headers, h);
            }
        }
        for header in &fix.expose_headers {
            if let Some(h) = norm.header_name(header, "exposed header") {
                if h == "set-cookie" || h == "set-cookie2" {
                    norm.left_out.push(format!(
                        "`{h}` is left out of the exposed headers: browsers never let a page read it."
                    ));
                } else {
                    push_unique(&mut norm.expose_headers, h);
                }
            }
        }
        norm
    }

    /// The max-age to send where the platform needs a value.
    pub(crate) fn max_age_or_default(&self) -> u32 {
        self.max_age.unwrap_or(DEFAULT_MAX_AGE)
    }

    /// The origins Corsair's policy accepts only in a development stage:
    /// loopback hosts and plain http (refused or flagged in production).
    pub(crate) fn dev_origins(&self) -> (Vec<String>, Vec<String>) {
        self.origins
            .iter()
            .cloned()
            .partition(|o| !is_dev_origin(o))
    }

    /// The extra methods split into those written upper-case and the
    /// others (`patch`), which some platforms cannot allow: they compare or
    /// send methods upper-cased, or refuse the name.
    pub(crate) fn upper_case_methods(&self) -> (Vec<String>, Vec<String>) {
        self.extra_methods
            .iter()
            .cloned()
            .partition(|m| !m.bytes().any(|b| b.is_ascii_lowercase()))
    }

    fn add_origin(&mut self, raw: &str) {
        let origin = raw.trim();
        if origin.is_empty() {
            return;
        }
        if origin.contains('*') {
            self.left_out.push(format!(
                "`{}` is left out: a fix names exact origins, never a wildcard.",
                shown(origin)
            ));
        } else if origin.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.left_out.push(format!(
                "`{}` is left out: no browser sends an Origin with spaces or control characters.",
                shown(origin)
            ));
        } else if !origin.is_ascii() {
            self.left_out.push(format!(
                "`{}` is left out: browsers send the ASCII form of an origin (`xn--` for \
                 non-ASCII hosts).",
                shown(origin)
            ));
        } else {
            push_unique(&mut self.origins, origin.to_owned());
        }
    }

    fn add_method(&mut self, raw: &str) {
        let method = raw.trim();
        if method.is_empty() {
            return;
        }
        if !is_plain_token(method) {
            self.left_out.push(format!(
                "`{}` is left out: not a method name (letters, digits, `-`, `_`, `.`).",
                shown(method)
            ));
            return;
        }
        let method = match NORMALIZED_METHODS
            .iter()
            .find(|m| m.eq_ignore_ascii_case(method))
        {
            Some(m) => (*m).to_owned(),
            None => method.to_owned(),
        };
        if SIMPLE_METHODS.contains(&method.as_str()) {
            return;
        }
        push_unique(&mut self.extra_methods, method.clone());
        push_unique(&mut self.methods, method);
    }

    fn header_name(&mut self, raw: &str, what: &str) -> Option<String> {
        let header = raw.trim();
        if header.is_empty() {
            return None;
        }
        if header == "*" {
            self.left_out.push(format!(
                "`*` is left out of the {what}s: list the names (a wildcard never covers \
                 `Authorization`, and means a literal `*` with credentials)."
            ));
            return None;
        }
        if !is_plain_token(header) {
            self.left_out.push(format!(
                "`{}` is left out: not a {what} name (letters, digits, `-`, `_`, `.`).",
                shown(header)
            ));
            return None;
        }
        Some(header.to_ascii_lowercase())
    }
}

/// Whether an origin is a development one for Corsair: plain http, or a
/// loopback host (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`).
fn is_dev_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        rest.split(':').next().unwrap_or_default()
    };
    let host = host.to_ascii_lowercase();
    scheme.eq_ignore_ascii_case("http")
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "::1"
}

/// A name made of ASCII letters, digits, `-`, `_` and `.`: a subset of the
/// HTTP token grammar that needs no escaping in any snippet language.
fn is_plain_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// A value quoted in a note: control characters and backticks made visible.
fn shown(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() || c == '`' {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix() -> Fix {
        Fix {
            origins: vec![
                " https://app.example.com ".into(),
                "https://app.example.com".into(),
                "*".into(),
                "https://*.example.com".into(),
                "https://a b".into(),
                "https://bücher.example".into(),
            ],
            methods: vec![
                "put".into(),
                "PUT".into(),
                "patch".into(),
                "get".into(),
                "PO ST".into(),
            ],
            request_headers: vec!["Authorization".into(), "*".into(), "x-a\"b".into()],
            expose_headers: vec!["ETag".into(), "Set-Cookie".into()],
            credentials: true,
            max_age: None,
        }
    }

    #[test]
    fn cleans_the_fix() {
        let n = Norm::new(&fix());
        assert_eq!(n.origins, ["https://app.example.com"]);
        assert_eq!(n.methods, ["GET", "HEAD", "POST", "PUT", "patch"]);
        assert_eq!(n.extra_methods, ["PUT", "patch"]);
        assert_eq!(n.request_headers, ["authorization"]);
        assert_eq!(n.expose_headers, ["etag"]);
        assert_eq!(n.max_age_or_default(), 7200);
        // `*`, the pattern, the space, the Unicode host, `PO ST`, `*` and
        // `x-a"b`, Set-Cookie.
        assert_eq!(n.left_out.len(), 8, "{:#?}", n.left_out);
    }

    #[test]
    fn development_origins() {
        let n = Norm::new(&Fix {
            origins: vec![
                "https://app.example.com".into(),
                "http://localhost:5173".into(),
                "https://localhost:8443".into(),
                "https://dev.localhost".into(),
                "https://127.0.0.1:3000".into(),
                "https://[::1]:3000".into(),
                "http://staging.example.com".into(),
                "https://localhost.example.com".into(),
            ],
            ..Fix::default()
        });
        let (prod, dev) = n.dev_origins();
        assert_eq!(
            prod,
            ["https://app.example.com", "https://localhost.example.com"]
        );
        assert_eq!(dev.len(), 6);
    }

    #[test]
    fn minimal_fix_lists_the_simple_methods() {
        let n = Norm::new(&Fix {
            origins: vec!["https://app.example.com".into()],
            ..Fix::default()
        });
        assert_eq!(n.methods, ["GET", "HEAD", "POST"]);
        assert!(n.left_out.is_empty());
    }
}
