//! A policy as plain values: what one route allows, after stages, routes and
//! `CORS_ORIGINS` are merged. The server model is built from this; the
//! validator checks it first.
//!
//! Shared vocabulary, apart from both sides: [`crate::policy`] produces and
//! checks these values (and depends on [`crate::server`] to compile them),
//! [`crate::server`] is built from them and depends on nothing of the policy.
//! Also reachable at its old path, `corsair_core::policy::spec`.

use std::sync::Arc;

pub mod pattern;

pub use pattern::{Pattern, PortRule};

/// One allowed-origin entry, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginEntry {
    /// `*`: any origin (never with credentials).
    Any,
    /// One origin, in canonical serialized form (`https://app.example.com`).
    Exact(String),
    /// A subdomain or port pattern (`https://*.example.com`, `http://localhost:*`).
    Pattern(Pattern),
}

impl OriginEntry {
    /// Whether this entry allows the serialized origin `origin`.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            OriginEntry::Any => true,
            OriginEntry::Exact(o) => o == origin,
            // Written apart from the server's trie on purpose: the property
            // tests compare the two.
            OriginEntry::Pattern(p) => {
                let Some(rest) = origin
                    .strip_prefix(&*p.scheme)
                    .and_then(|r| r.strip_prefix("://"))
                else {
                    return false;
                };
                let host_end = if rest.starts_with('[') {
                    rest.find(']').map_or(rest.len(), |i| i + 1)
                } else {
                    rest.find(':').unwrap_or(rest.len())
                };
                let (host, tail) = rest.split_at(host_end);
                let port = match tail.strip_prefix(':') {
                    Some(d) => Some(d),
                    None if tail.is_empty() => None,
                    None => return false,
                };
                let port_ok = match (&p.port, port) {
                    (PortRule::Any, None) => true,
                    (PortRule::Any, Some(d)) => {
                        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
                    }
                    (PortRule::Default, None) => true,
                    (PortRule::Exact(want), Some(d)) => **want == *d,
                    _ => false,
                };
                let host_ok = if p.subdomains {
                    host.strip_suffix(&*p.host)
                        .and_then(|left| left.strip_suffix('.'))
                        .is_some_and(|left| {
                            left.split('.').all(|l| {
                                !l.is_empty()
                                    && l.bytes().all(|b| {
                                        b.is_ascii_lowercase()
                                            || b.is_ascii_digit()
                                            || b == b'-'
                                            || b == b'_'
                                    })
                            })
                        })
                } else {
                    host == &*p.host
                };
                port_ok && host_ok
            }
        }
    }
}

/// What one route allows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PolicySpec {
    /// Allowed origins (shared by the routes that inherit them).
    pub origins: Arc<[OriginEntry]>,
    /// Whether credentialed requests (cookies, Authorization) are allowed.
    pub credentials: bool,
    /// Methods beyond GET, HEAD and POST, case-sensitive; `*` for any.
    pub methods: Arc<[String]>,
    /// Request headers the page may set (any case); `*` for any but
    /// `authorization`.
    pub request_headers: Arc<[String]>,
    /// Response headers the page may read.
    pub expose_headers: Arc<[String]>,
    /// `Access-Control-Max-Age` in seconds; -1 sends 0 (no caching), `None`
    /// sends nothing.
    pub max_age: Option<i64>,
    /// Whether preflights asking for local (private) network access are
    /// granted (`Access-Control-Allow-Private-Network: true`).
    pub local_network: bool,
    /// Refusals say precisely why (in the answer the browser sees).
    pub debug: bool,
    /// Report refusals but let every request through untouched.
    pub shadow: bool,
}

impl PolicySpec {
    /// Whether this policy allows a request, read straight from the policy
    /// (the oracle the server model is tested against): the page's origin, the
    /// method as sent, the names the preflight would list, whether the
    /// request carries credentials, and whether it needs a preflight.
    /// Test support (feature `test-support`), not part of the public API.
    #[cfg(feature = "test-support")]
    pub fn allows_request(
        &self,
        origin: &str,
        method: &str,
        unsafe_headers: &[String],
        credentials: bool,
        preflight: bool,
    ) -> bool {
        let origin_ok = self.origins.iter().any(|e| e.allows(origin));
        let credentials_ok = !credentials || self.credentials;
        let method_ok = !preflight
            || matches!(method, "GET" | "HEAD" | "POST")
            || self.methods.iter().any(|m| m == method || m == "*");
        let star = self.request_headers.iter().any(|a| a == "*");
        let headers_ok = !preflight
            || unsafe_headers.iter().all(|h| {
                self.request_headers
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(h))
                    || (star && !h.eq_ignore_ascii_case("authorization"))
            });
        origin_ok && credentials_ok && method_ok && headers_ok
    }
}
