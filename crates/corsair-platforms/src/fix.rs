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

/// An origin pattern of the fix, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OriginPattern {
    /// As the policy writes it (`https://*.example.com:*`).
    pub text: String,
    /// An anchored regex matching exactly the origins it allows (PCRE,
    /// RE2, Python `re` and JavaScript alike): `*.` is one or more DNS
    /// labels, `:*` any port or none.
    pub regex: String,
}

/// A fix ready to render: every value is safe to put in any snippet once
/// escaped for its language.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Norm {
    /// Exact origins, in the fix's order, without duplicates.
    pub origins: Vec<String>,
    /// Origin patterns, in the fix's order.
    pub patterns: Vec<OriginPattern>,
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
    /// Whether local network access is granted (where the platform can say
    /// it: [`crate::writes_local_network`]).
    pub local_network: bool,
    /// Why some values of the fix were left out, one sentence each.
    pub left_out: Vec<String>,
}

impl Norm {
    /// Cleans a fix up for rendering.
    pub(crate) fn new(fix: &Fix) -> Norm {
        let mut norm = Norm {
            credentials: fix.credentials,
            max_age: fix.max_age,
            local_network: fix.local_network,
            methods: SIMPLE_METHODS.iter().map(|m| (*m).to_owned()).collect(),
            ..Norm::default()
        };
        for origin in &fix.origins {
            norm.add_origin(origin);
        }
        for pattern in &fix.origin_patterns {
            norm.add_pattern(pattern);
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
    /// Patterns come after the exact origins, as the policy writes them.
    pub(crate) fn dev_origins(&self) -> (Vec<String>, Vec<String>) {
        self.origins
            .iter()
            .cloned()
            .chain(self.patterns.iter().map(|p| p.text.clone()))
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

    fn add_pattern(&mut self, raw: &str) {
        let text = raw.trim();
        match corsair_core::policy::origin_entry::analyze(text).entry {
            Some(corsair_core::policy::OriginEntry::Pattern(p)) => {
                let pattern = OriginPattern {
                    text: text.to_owned(),
                    regex: pattern_regex(&p),
                };
                if !self.patterns.contains(&pattern) {
                    self.patterns.push(pattern);
                }
            }
            _ => self.left_out.push(format!(
                "`{}` is left out: not an origin pattern a Corsair policy accepts.",
                shown(text)
            )),
        }
    }

    /// Every allowed origin as one anchored regex alternation (exact
    /// origins escaped, patterns as they are), for platforms with a single
    /// regex field.
    pub(crate) fn origins_regex(&self) -> String {
        let alternatives: Vec<String> = self
            .origins
            .iter()
            .map(|o| crate::escape::anchored_regex(o))
            .chain(self.patterns.iter().map(|p| p.regex.clone()))
            .map(|r| r.trim_start_matches('^').trim_end_matches('$').to_owned())
            .collect();
        format!("^(?:{})$", alternatives.join("|"))
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

/// The anchored regex of a policy pattern: the scheme and host escaped,
/// `*.` as one or more labels of the characters a host label may hold
/// (lower case: browsers send the host lower-cased), `:*` as an optional
/// port.
fn pattern_regex(p: &corsair_core::server::origin_set::Pattern) -> String {
    use corsair_core::server::origin_set::PortRule;
    let host = crate::escape::anchored_regex(&p.host);
    let host = host.trim_start_matches('^').trim_end_matches('$');
    let labels = if p.subdomains {
        r"(?:[a-z0-9_-]+\.)+"
    } else {
        ""
    };
    let port = match &p.port {
        PortRule::Default => String::new(),
        PortRule::Exact(d) => format!(":{d}"),
        PortRule::Any => "(?::[0-9]+)?".to_owned(),
    };
    format!("^{}://{labels}{host}{port}$", p.scheme)
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
            origin_patterns: vec![
                "https://*.preview.example.com".into(),
                "http://localhost:*".into(),
                "https://*.example.com:*".into(),
            ],
            local_network: false,
        }
    }

    #[test]
    fn patterns_become_anchored_regexes() {
        let n = Norm::new(&fix());
        let regexes: Vec<&str> = n.patterns.iter().map(|p| p.regex.as_str()).collect();
        assert_eq!(
            regexes,
            [
                r"^https://(?:[a-z0-9_-]+\.)+preview\.example\.com$",
                r"^http://localhost(?::[0-9]+)?$",
                r"^https://(?:[a-z0-9_-]+\.)+example\.com(?::[0-9]+)?$",
            ]
        );
        let bad = Norm::new(&Fix {
            origin_patterns: vec!["not a pattern".into()],
            ..Fix::default()
        });
        assert!(bad.patterns.is_empty());
        assert!(bad.left_out.iter().any(|l| l.contains("not a pattern")));
        assert_eq!(
            n.origins_regex(),
            r"^(?:https://app\.example\.com|https://(?:[a-z0-9_-]+\.)+preview\.example\.com|http://localhost(?::[0-9]+)?|https://(?:[a-z0-9_-]+\.)+example\.com(?::[0-9]+)?)$"
        );
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
