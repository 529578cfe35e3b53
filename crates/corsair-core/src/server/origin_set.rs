//! The allowed origins, looked up without allocating: exact origins in a hash
//! set (constant time whatever their number), patterns (`https://*.example.com`,
//! `http://localhost:*`) in a trie of host labels read right to left, so a
//! lookup costs the number of labels in the request's host, not the number
//! of patterns.

use std::collections::HashMap;

use foldhash::fast::RandomState;

pub use crate::spec::{Pattern, PortRule};

#[derive(Clone, Debug)]
struct Rule {
    https: bool,
    port: PortRule,
}

#[derive(Clone, Debug, Default)]
struct Node {
    children: HashMap<Box<[u8]>, u32, RandomState>,
    /// Patterns whose host is exactly this node's (with a port rule).
    here: Vec<Rule>,
    /// `*.` patterns rooted at this node.
    below: Vec<Rule>,
}

/// The set of allowed origins of one policy.
#[derive(Clone, Debug)]
pub struct OriginSet {
    exact: std::collections::HashSet<Box<[u8]>, RandomState>,
    nodes: Vec<Node>,
}

/// The parts of a serialized tuple origin, borrowed from the header.
struct Parts<'a> {
    https: bool,
    host: &'a [u8],
    port: Option<&'a [u8]>,
}

fn split(origin: &[u8]) -> Option<Parts<'_>> {
    let (https, rest) = if let Some(rest) = origin.strip_prefix(b"https://") {
        (true, rest)
    } else {
        (false, origin.strip_prefix(b"http://")?)
    };
    // IPv6 hosts are bracketed; the port comes after the closing bracket.
    let host_end = if rest.first() == Some(&b'[') {
        rest.iter().position(|&b| b == b']')? + 1
    } else {
        rest.iter().position(|&b| b == b':').unwrap_or(rest.len())
    };
    let (host, tail) = rest.split_at(host_end);
    let port = match tail {
        [] => None,
        [b':', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            Some(digits)
        }
        _ => return None,
    };
    if host.is_empty() {
        return None;
    }
    Some(Parts { https, host, port })
}

impl Default for OriginSet {
    fn default() -> OriginSet {
        OriginSet::new()
    }
}

impl OriginSet {
    /// An empty set.
    pub fn new() -> OriginSet {
        OriginSet {
            exact: Default::default(),
            nodes: vec![Node::default()],
        }
    }

    /// Adds an exact, canonical origin (`https://app.example.com`).
    pub fn insert_exact(&mut self, origin: &str) {
        self.exact.insert(origin.as_bytes().into());
    }

    /// Adds a pattern.
    pub fn insert_pattern(&mut self, pattern: &Pattern) {
        let mut node = 0usize;
        for label in pattern.host.as_bytes().rsplit(|&b| b == b'.') {
            let next = self.nodes.len() as u32;
            let child = *self.nodes[node]
                .children
                .entry(label.into())
                .or_insert(next);
            if child == next {
                self.nodes.push(Node::default());
            }
            node = child as usize;
        }
        let rule = Rule {
            https: &*pattern.scheme == "https",
            port: pattern.port.clone(),
        };
        let target = &mut self.nodes[node];
        if pattern.subdomains {
            target.below.push(rule);
        } else {
            target.here.push(rule);
        }
    }

    /// The allowed exact origin nearest to `origin` by edit distance, when it
    /// is close enough to be a likely typo (for "did you mean" in logs; runs
    /// only when a request is refused).
    pub fn nearest_exact(&self, origin: &str) -> Option<&str> {
        let limit = 2.max(origin.len() / 5);
        self.exact
            .iter()
            .filter_map(|o| std::str::from_utf8(o).ok())
            .filter(|o| o.len().abs_diff(origin.len()) <= limit)
            .map(|o| (crate::spelling::edit_distance(o, origin), o))
            .filter(|(d, _)| *d <= limit)
            .min()
            .map(|(_, o)| o)
    }

    /// How many exact origins there are.
    pub fn exact_count(&self) -> usize {
        self.exact.len()
    }

    /// Whether no origin at all is allowed.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.nodes.iter().all(|n| n.children.is_empty())
    }

    /// Whether the `Origin` header value is allowed. Matching is byte-exact
    /// on the serialized form browsers send: nothing is normalized, so an
    /// odd spelling never slips through.
    pub fn contains(&self, origin: &[u8]) -> bool {
        if self.exact.contains(origin) {
            return true;
        }
        if self.nodes.len() <= 1 {
            return false;
        }
        let Some(parts) = split(origin) else {
            return false;
        };
        let matches = |rules: &[Rule]| {
            rules
                .iter()
                .any(|r| r.https == parts.https && r.port.accepts(parts.port))
        };
        let mut node = &self.nodes[0];
        let mut rest = parts.host;
        loop {
            let (left, label) = match rest.iter().rposition(|&b| b == b'.') {
                Some(dot) => (Some(&rest[..dot]), &rest[dot + 1..]),
                None => (None, rest),
            };
            let Some(&child) = node.children.get(label) else {
                return false;
            };
            node = &self.nodes[child as usize];
            match left {
                // Labels remain to the left: a `*.` pattern here covers them.
                Some(left) => {
                    if !node.below.is_empty() && matches(&node.below) && is_subdomain_part(left) {
                        return true;
                    }
                    rest = left;
                }
                None => return matches(&node.here),
            }
        }
    }
}

/// One or more non-empty DNS labels of lower-case letters, digits, `-`, `_`.
fn is_subdomain_part(part: &[u8]) -> bool {
    !part.is_empty()
        && part.split(|&b| b == b'.').all(|label| {
            !label.is_empty()
                && label.iter().all(|&b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(scheme: &str, host: &str, subdomains: bool, port: PortRule) -> Pattern {
        Pattern {
            scheme: scheme.into(),
            host: host.into(),
            subdomains,
            port,
        }
    }

    #[test]
    fn exact_and_patterns() {
        let mut set = OriginSet::new();
        set.insert_exact("https://app.example.com");
        set.insert_pattern(&pattern("https", "example.org", true, PortRule::Default));
        set.insert_pattern(&pattern("http", "localhost", false, PortRule::Any));
        set.insert_pattern(&pattern(
            "https",
            "preview.example.net",
            true,
            PortRule::Exact("8443".into()),
        ));
        let cases: &[(&str, bool)] = &[
            ("https://app.example.com", true),
            ("https://app.example.com:443", false),
            ("http://app.example.com", false),
            ("https://app.example.com.evil.test", false),
            ("https://APP.example.com", false),
            ("https://a.example.org", true),
            ("https://a.b.example.org", true),
            ("https://example.org", false),
            ("http://a.example.org", false),
            ("https://a.example.org:8443", false),
            ("https://evilexample.org", false),
            ("https://a.example.org.evil", false),
            ("https://.example.org", false),
            ("https://a..example.org", false),
            ("http://localhost", true),
            ("http://localhost:3000", true),
            ("https://localhost:3000", false),
            ("http://sub.localhost:3000", false),
            ("http://localhost:", false),
            ("http://localhost:30x0", false),
            ("https://x.preview.example.net:8443", true),
            ("https://x.preview.example.net", false),
            ("null", false),
            ("", false),
            ("https://", false),
        ];
        for (origin, want) in cases {
            assert_eq!(set.contains(origin.as_bytes()), *want, "{origin}");
        }
    }

    #[test]
    fn two_patterns_sharing_a_suffix_stay_apart() {
        // jub0bs/cors advisory: `*.foo.com` and `*.barfoo.com` let `barfoo.com`'s
        // sibling through; labels, not bytes, keep them apart here.
        let mut set = OriginSet::new();
        set.insert_pattern(&pattern("https", "foo.com", true, PortRule::Default));
        set.insert_pattern(&pattern("https", "bar.foo.com", false, PortRule::Default));
        assert!(!set.contains(b"https://barfoo.com"));
        assert!(set.contains(b"https://bar.foo.com"));
        assert!(set.contains(b"https://x.foo.com"));
    }
}
