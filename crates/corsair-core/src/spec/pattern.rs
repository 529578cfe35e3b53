//! Origin patterns (`https://*.example.com`, `http://localhost:*`) as plain
//! values: what the policy's validator produces and the server model's trie
//! is built from. Here, apart from both, so that neither has to reach into
//! the other for them.

/// Which port an origin pattern accepts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortRule {
    /// No port in the origin (the scheme's default).
    Default,
    /// This port, written as the origin writes it (`8443`).
    Exact(Box<str>),
    /// Any port, or none (`:*`).
    Any,
}

impl PortRule {
    #[inline]
    pub(crate) fn accepts(&self, port: Option<&[u8]>) -> bool {
        match (self, port) {
            (PortRule::Any, _) => true,
            (PortRule::Default, None) => true,
            (PortRule::Exact(p), Some(q)) => p.as_bytes() == q,
            _ => false,
        }
    }
}

/// One origin pattern, already validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    /// `http` or `https` (patterns exist for no other scheme).
    pub scheme: Box<str>,
    /// The host after `*.` for subdomain patterns, the whole host otherwise.
    pub host: Box<str>,
    /// One or more labels before `host` (`*.`), or exactly `host`.
    pub subdomains: bool,
    /// The port rule.
    pub port: PortRule,
}
