//! Case-insensitive membership among header names. Real requests carry a
//! handful of headers, where a scan is fastest and allocates nothing; a
//! hostile scenario or HAR can carry thousands, where a scan per name makes
//! checking n names against m cost n × m. Past [`FEW`] names a hash set is
//! built once, so every check stays linear.

use std::collections::HashSet;

/// Lists up to this long are scanned; longer ones are hashed.
pub const FEW: usize = 16;

/// A set of names compared ASCII-case-insensitively, over a borrowed list.
#[derive(Debug)]
pub struct NameSet<'a, T: AsRef<str>> {
    items: &'a [T],
    hashed: Option<HashSet<String>>,
}

impl<'a, T: AsRef<str>> NameSet<'a, T> {
    /// The set of `items`' names.
    pub fn new(items: &'a [T]) -> NameSet<'a, T> {
        let hashed = (items.len() > FEW).then(|| {
            items
                .iter()
                .map(|n| n.as_ref().to_ascii_lowercase())
                .collect()
        });
        NameSet { items, hashed }
    }

    /// Whether `name` is in the set, in any letter case.
    pub fn contains(&self, name: &str) -> bool {
        match &self.hashed {
            Some(set) if name.bytes().any(|b| b.is_ascii_uppercase()) => {
                set.contains(&name.to_ascii_lowercase())
            }
            Some(set) => set.contains(name),
            None => self
                .items
                .iter()
                .any(|n| n.as_ref().eq_ignore_ascii_case(name)),
        }
    }
}

/// Header names WebKit's header map knows by name (its `HTTPHeaderName`
/// list, lower-case, sorted). The map keeps them apart from other names and
/// iterates them first, which decides the header WebKit names when several
/// are refused (observed).
const WEBKIT_KNOWN: [&str; 88] = [
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "access-control-allow-credentials",
    "access-control-allow-headers",
    "access-control-allow-methods",
    "access-control-allow-origin",
    "access-control-expose-headers",
    "access-control-max-age",
    "access-control-request-headers",
    "access-control-request-method",
    "age",
    "alternate-protocol",
    "authorization",
    "cache-control",
    "clear-site-data",
    "connection",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-security-policy",
    "content-security-policy-report-only",
    "content-transfer-encoding",
    "content-type",
    "cookie",
    "cookie2",
    "cross-origin-embedder-policy",
    "cross-origin-embedder-policy-report-only",
    "cross-origin-opener-policy",
    "cross-origin-opener-policy-report-only",
    "cross-origin-resource-policy",
    "date",
    "default-style",
    "dnt",
    "etag",
    "expect",
    "expires",
    "host",
    "icy-metadata",
    "icy-metaint",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "keep-alive",
    "last-event-id",
    "last-modified",
    "link",
    "location",
    "origin",
    "permissions-policy",
    "ping-from",
    "ping-to",
    "pragma",
    "priority",
    "proxy-authorization",
    "purpose",
    "range",
    "referer",
    "referrer-policy",
    "refresh",
    "report-to",
    "sec-fetch-dest",
    "sec-fetch-mode",
    "sec-websocket-accept",
    "sec-websocket-extensions",
    "sec-websocket-key",
    "sec-websocket-protocol",
    "sec-websocket-version",
    "server-timing",
    "service-worker",
    "service-worker-allowed",
    "set-cookie",
    "set-cookie2",
    "sourcemap",
    "te",
    "timing-allow-origin",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
];

/// Whether WebKit's header map knows `lower` (a lower-case name) by name.
pub fn webkit_knows(lower: &str) -> bool {
    WEBKIT_KNOWN.binary_search(&lower).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webkit_names_are_sorted_for_the_binary_search() {
        assert!(WEBKIT_KNOWN.windows(2).all(|w| w[0] < w[1]));
        assert!(webkit_knows("authorization") && !webkit_knows("x-custom"));
    }

    #[test]
    fn same_answers_scanned_or_hashed() {
        let few = ["Content-Type", "x-a"];
        let many: Vec<String> = (0..100).map(|i| format!("X-H{i}")).collect();
        let s = NameSet::new(&few);
        assert!(s.contains("content-type") && s.contains("X-A") && !s.contains("x-b"));
        let m = NameSet::new(&many);
        assert!(m.hashed.is_some());
        assert!(m.contains("x-h99") && m.contains("X-H0") && !m.contains("x-h100"));
    }
}
