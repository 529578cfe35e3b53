//! The cases a browser would send, derived from the policy alone: each
//! allowed origin with what the policy allows (it must pass), and what it
//! does not allow (crafted origins, a method, a header, credentials: each
//! must be refused). Pure: no I/O.

use corsair_core::policy::{OriginEntry, PolicySpec};
use corsair_core::server::origin_set::{Pattern, PortRule};
use corsair_core::Slug;
use serde::Serialize;
use url::Url;

use crate::check::CheckRequest;
use crate::probes::origin_probes;

/// What the deployment must do with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The browser lets the page read the answer (or, for a method not
    /// sent, the preflight passes).
    Allowed,
    /// The browser refuses it.
    Refused,
}

/// One request to make, and what must come of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Case {
    /// What it tests, in a few words (`origin https://app.example.com, PUT
    /// with authorization, content-type`).
    pub name: String,
    /// What must come of it.
    pub expect: Expect,
    /// The request.
    pub request: CheckRequest,
    /// The finding when a refused case is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<Slug>,
}

/// Methods the browser sends without asking (never listed, never refused).
const SIMPLE: [&str; 3] = ["GET", "HEAD", "POST"];

/// A concrete origin a pattern stands for (`https://*.example.com` →
/// `https://corsair-verify.example.com`, `:*` → port 8443).
pub fn sample_origin(p: &Pattern) -> String {
    let host = if p.subdomains {
        format!("corsair-verify.{}", p.host)
    } else {
        p.host.to_string()
    };
    let port = match &p.port {
        PortRule::Default => String::new(),
        PortRule::Exact(d) => format!(":{d}"),
        PortRule::Any => ":8443".to_owned(),
    };
    format!("{}://{host}{port}", p.scheme)
}

/// The origins to try as allowed: every exact origin, one sample per
/// pattern, and one made-up origin for `*`.
fn allowed_origins(spec: &PolicySpec) -> Vec<String> {
    spec.origins
        .iter()
        .map(|e| match e {
            OriginEntry::Exact(o) => o.clone(),
            OriginEntry::Pattern(p) => sample_origin(p),
            OriginEntry::Any => "https://corsair-verify.example".to_owned(),
        })
        .collect()
}

fn request(
    url: &str,
    origin: &str,
    method: &str,
    headers: &[String],
    credentials: bool,
) -> CheckRequest {
    CheckRequest {
        page_origin: origin.to_owned(),
        url: url.to_owned(),
        method: method.to_owned(),
        headers: headers
            .iter()
            .map(|h| {
                // A value each header accepts; content-type one that needs a
                // preflight, so the header is really asked for.
                let value = if h.eq_ignore_ascii_case("content-type") {
                    "application/json"
                } else {
                    "corsair-verify"
                };
                (h.clone(), value.to_owned())
            })
            .collect(),
        credentials,
        ..CheckRequest::default()
    }
}

/// Every case for `url` under `spec`.
pub fn cases(url: &str, spec: &PolicySpec) -> Vec<Case> {
    let mut out = Vec::new();
    let origins = allowed_origins(spec);
    let headers: Vec<String> = spec
        .request_headers
        .iter()
        .filter(|h| h.as_str() != "*")
        .cloned()
        .collect();
    let methods: Vec<&String> = spec
        .methods
        .iter()
        .filter(|m| m.as_str() != "*" && !SIMPLE.contains(&m.as_str()))
        .collect();
    let credentials = spec.credentials;
    for origin in &origins {
        let mut get = request(url, origin, "GET", &[], credentials);
        get.read_headers = spec
            .expose_headers
            .iter()
            .filter(|h| h.as_str() != "*")
            .cloned()
            .collect();
        out.push(Case {
            name: format!(
                "origin {origin}: GET{}",
                if credentials { " with credentials" } else { "" }
            ),
            expect: Expect::Allowed,
            request: get,
            slug: None,
        });
        for method in &methods {
            out.push(Case {
                name: format!("origin {origin}: {method}{}", with_headers(&headers)),
                expect: Expect::Allowed,
                request: request(url, origin, method, &headers, credentials),
                slug: None,
            });
        }
        if methods.is_empty() && !headers.is_empty() {
            out.push(Case {
                name: format!("origin {origin}: GET{}", with_headers(&headers)),
                expect: Expect::Allowed,
                request: request(url, origin, "GET", &headers, credentials),
                slug: None,
            });
        }
    }
    let Some(first) = origins.first() else {
        return out;
    };
    // Crafted origins the policy does not allow: each must be refused.
    if !spec.origins.contains(&OriginEntry::Any) {
        if let Ok(page) = Url::parse(first) {
            for probe in origin_probes(&page) {
                if spec.origins.iter().any(|e| e.allows(&probe.origin)) {
                    continue;
                }
                out.push(Case {
                    name: format!("crafted origin {} ({})", probe.origin, probe.kind.name()),
                    expect: Expect::Refused,
                    request: request(url, &probe.origin, "GET", &[], credentials),
                    slug: Some(probe.slug),
                });
            }
        }
    }
    // A method and a header the policy does not list.
    if !spec.methods.iter().any(|m| m == "*") {
        if let Some(method) = ["PATCH", "DELETE", "PUT"]
            .into_iter()
            .find(|m| !spec.methods.iter().any(|x| x == m))
        {
            out.push(Case {
                name: format!("origin {first}: {method}, a method the policy does not list"),
                expect: Expect::Refused,
                request: request(url, first, method, &[], credentials),
                slug: None,
            });
        }
    }
    // Headers the policy does not list: a made-up one, and the ones
    // frameworks allow by default (a default list left in place).
    for header in ["x-corsair-verify", "authorization", "content-type"] {
        let listed = spec
            .request_headers
            .iter()
            .any(|h| h == "*" && header != "authorization" || h.eq_ignore_ascii_case(header));
        if listed {
            continue;
        }
        out.push(Case {
            name: format!("origin {first}: GET with {header}, a header the policy does not list"),
            expect: Expect::Refused,
            request: request(url, first, "GET", &[header.to_owned()], credentials),
            slug: None,
        });
    }
    if !credentials {
        out.push(Case {
            name: format!("origin {first}: GET with credentials, which the policy does not allow"),
            expect: Expect::Refused,
            request: request(url, first, "GET", &[], true),
            slug: None,
        });
    }
    out
}

fn with_headers(headers: &[String]) -> String {
    if headers.is_empty() {
        String::new()
    } else {
        format!(" with {}", headers.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corsair_core::policy::{check, document};

    fn spec(text: &str) -> PolicySpec {
        let (doc, _) = document::parse(text);
        let checked = check(&doc, &[], None);
        assert!(!checked.has_errors(), "{:?}", checked.problems);
        checked.specs[0].clone()
    }

    #[test]
    fn allowed_and_refused_cases_come_from_the_policy() {
        let s = spec(
            "[cors]\norigins = [\"https://app.example.com\", \"https://*.preview.example.com\"]\ncredentials = true\nmethods = [\"PUT\"]\nrequest-headers = [\"authorization\"]\nexpose-headers = [\"x-total-count\"]\n",
        );
        let cases = cases("https://api.example.com/items", &s);
        let allowed: Vec<&str> = cases
            .iter()
            .filter(|c| c.expect == Expect::Allowed)
            .map(|c| c.request.page_origin.as_str())
            .collect();
        assert!(allowed.contains(&"https://app.example.com"));
        assert!(allowed.contains(&"https://corsair-verify.preview.example.com"));
        let put = cases
            .iter()
            .find(|c| c.request.method == "PUT")
            .expect("a PUT case");
        assert_eq!(put.expect, Expect::Allowed);
        assert!(put.request.credentials);
        assert_eq!(put.request.headers[0].0, "authorization");
        let refused: Vec<&Case> = cases
            .iter()
            .filter(|c| c.expect == Expect::Refused)
            .collect();
        // Never a refusal the policy allows.
        for c in &refused {
            let origin_allowed = s.origins.iter().any(|e| e.allows(&c.request.page_origin));
            let method_allowed = SIMPLE.contains(&c.request.method.as_str())
                || s.methods.contains(&c.request.method);
            let headers_allowed = c
                .request
                .headers
                .iter()
                .all(|(h, _)| s.request_headers.contains(h));
            assert!(
                !(origin_allowed
                    && method_allowed
                    && headers_allowed
                    && c.request.credentials <= s.credentials),
                "{c:?}"
            );
        }
        assert!(refused.iter().any(|c| c.request.method == "PATCH"));
        assert!(refused
            .iter()
            .any(|c| c.slug == Some(Slug::ReflectsAnyOrigin)));
    }

    #[test]
    fn without_credentials_a_credentialed_call_must_be_refused() {
        let s = spec("[cors]\norigins = [\"https://app.example.com\"]\n");
        let cases = cases("https://api.example.com/", &s);
        assert!(cases
            .iter()
            .any(|c| c.expect == Expect::Refused && c.request.credentials));
    }
}
