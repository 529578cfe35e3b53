//! Origins: the (scheme, host, port) tuple or an opaque origin, serialized
//! exactly as browsers put them in the `Origin` header.

use std::fmt;
use url::Url;

/// An origin as the Fetch standard defines it.
///
/// Tuple origins come from the `url` crate, so IDNA, IPv6 brackets and
/// default-port elision serialize as browsers do. Two opaque origins are
/// never the same origin.
#[derive(Clone, Debug)]
pub struct Origin {
    inner: url::Origin,
    serialized: String,
}

/// Why a string is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// The text does not parse as an absolute URL.
    #[error("not an absolute URL: {0}")]
    NotAUrl(String),
}

impl Origin {
    /// The origin of a URL (opaque for schemes such as `file:` or `data:`).
    pub fn of_url(url: &Url) -> Origin {
        Origin::from_inner(url.origin())
    }

    /// A fresh opaque origin, serialized as `null`.
    pub fn opaque() -> Origin {
        Origin::from_inner(url::Origin::new_opaque())
    }

    fn from_inner(inner: url::Origin) -> Origin {
        let serialized = inner.ascii_serialization();
        Origin { inner, serialized }
    }

    /// Parses a page origin: `null`, a serialized origin such as
    /// `https://app.example.com`, or any absolute URL (its origin is taken).
    pub fn parse(text: &str) -> Result<Origin, OriginError> {
        let text = text.trim();
        if text == "null" {
            return Ok(Origin::opaque());
        }
        Url::parse(text)
            .map(|u| Origin::of_url(&u))
            .map_err(|e| OriginError::NotAUrl(format!("{text:?}: {e}")))
    }

    /// The serialization used in the `Origin` header and in ACAO comparisons.
    pub fn serialized(&self) -> &str {
        &self.serialized
    }

    /// Whether this is an opaque origin (serialized `null`).
    pub fn is_opaque(&self) -> bool {
        !self.inner.is_tuple()
    }

    /// The scheme of a tuple origin.
    pub fn scheme(&self) -> Option<&str> {
        match &self.inner {
            url::Origin::Tuple(scheme, _, _) => Some(scheme),
            url::Origin::Opaque(_) => None,
        }
    }

    /// The host of a tuple origin, serialized (IPv6 in brackets).
    pub fn host(&self) -> Option<String> {
        match &self.inner {
            url::Origin::Tuple(_, host, _) => Some(host.to_string()),
            url::Origin::Opaque(_) => None,
        }
    }

    /// The port of a tuple origin (the scheme's default when none was written).
    pub fn port(&self) -> Option<u16> {
        match &self.inner {
            url::Origin::Tuple(_, _, port) => Some(*port),
            url::Origin::Opaque(_) => None,
        }
    }

    /// Whether `url` is on this origin, without building its origin.
    pub fn contains_url(&self, url: &Url) -> bool {
        match &self.inner {
            url::Origin::Tuple(scheme, host, port) => {
                let host_matches = match (host, url.host()) {
                    (url::Host::Domain(a), Some(url::Host::Domain(b))) => a == b,
                    (url::Host::Ipv4(a), Some(url::Host::Ipv4(b))) => *a == b,
                    (url::Host::Ipv6(a), Some(url::Host::Ipv6(b))) => *a == b,
                    _ => false,
                };
                scheme == url.scheme() && host_matches && Some(*port) == url.port_or_known_default()
            }
            url::Origin::Opaque(_) => false,
        }
    }

    /// Same origin: identical tuples, or the very same opaque origin.
    pub fn same_origin(&self, other: &Origin) -> bool {
        self.inner == other.inner
    }

    /// Whether the origin is a potentially trustworthy one (https, wss, or a
    /// loopback host), which decides mixed content and secure contexts.
    pub fn is_potentially_trustworthy(&self) -> bool {
        match &self.inner {
            url::Origin::Tuple(scheme, host, _) => {
                scheme == "https" || scheme == "wss" || is_loopback_host(host)
            }
            url::Origin::Opaque(_) => false,
        }
    }
}

/// Whether two URLs are same origin, without building either origin.
/// Only schemes with tuple origins (http, https, ws, wss, ftp) can match.
pub fn same_origin_urls(a: &Url, b: &Url) -> bool {
    matches!(a.scheme(), "http" | "https" | "ws" | "wss" | "ftp")
        && a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether a URL is potentially trustworthy (https, wss, or a loopback host).
pub fn is_trustworthy_url(url: &Url) -> bool {
    match url.scheme() {
        "https" | "wss" => true,
        "http" | "ws" => match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

/// Loopback as browsers treat it: `localhost` names, 127/8 and `::1`.
fn is_loopback_host(host: &url::Host) -> bool {
    match host {
        url::Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialization_table() {
        let cases = [
            (
                "http://app.example.test:8001",
                "http://app.example.test:8001",
            ),
            (
                "https://App.Example.COM:443/path?q#f",
                "https://app.example.com",
            ),
            ("http://example.com:80", "http://example.com"),
            ("http://[::1]:8080/", "http://[::1]:8080"),
            ("https://bücher.example/", "https://xn--bcher-kva.example"),
            ("http://0x7f.1/", "http://127.0.0.1"),
            ("file:///tmp/index.html", "null"),
            ("null", "null"),
        ];
        for (input, want) in cases {
            assert_eq!(Origin::parse(input).unwrap().serialized(), want, "{input}");
        }
    }

    #[test]
    fn same_origin_rules() {
        let a = Origin::parse("http://a.test:8001").unwrap();
        let b = Origin::parse("http://a.test:8001/x").unwrap();
        let c = Origin::parse("https://a.test:8001").unwrap();
        assert!(a.same_origin(&b));
        assert!(!a.same_origin(&c));
        let n = Origin::opaque();
        assert!(!n.same_origin(&Origin::opaque()));
        assert!(n.same_origin(&n.clone()));
    }

    #[test]
    fn contains_url_matches_same_origin() {
        let o = Origin::parse("http://a.test:8001").unwrap();
        for (url, want) in [
            ("http://a.test:8001/x?y", true),
            ("http://A.TEST:8001/", true),
            ("https://a.test:8001/", false),
            ("http://a.test:8002/", false),
            ("http://b.test:8001/", false),
        ] {
            let u = Url::parse(url).unwrap();
            assert_eq!(o.contains_url(&u), want, "{url}");
            assert_eq!(o.same_origin(&Origin::of_url(&u)), want, "{url}");
        }
        let d = Origin::parse("http://example.com").unwrap();
        assert!(d.contains_url(&Url::parse("http://example.com:80/").unwrap()));
        assert!(!Origin::opaque().contains_url(&Url::parse("http://example.com/").unwrap()));
    }

    #[test]
    fn url_helpers_agree_with_origins() {
        let urls = [
            "http://a.test/",
            "http://a.test:80/x",
            "https://a.test/",
            "http://localhost:3000/",
            "http://127.0.0.1/",
            "http://[::1]:8/",
            "file:///x",
            "https://b.test/",
            "http://A.test/",
        ];
        for a in urls {
            let ua = Url::parse(a).unwrap();
            let oa = Origin::of_url(&ua);
            assert_eq!(
                is_trustworthy_url(&ua),
                oa.is_potentially_trustworthy(),
                "{a}"
            );
            for b in urls {
                let ub = Url::parse(b).unwrap();
                assert_eq!(
                    same_origin_urls(&ua, &ub),
                    oa.same_origin(&Origin::of_url(&ub)),
                    "{a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(Origin::parse("app.example.com").is_err());
        assert!(Origin::parse("").is_err());
    }

    #[test]
    fn trustworthy() {
        assert!(Origin::parse("https://x.test")
            .unwrap()
            .is_potentially_trustworthy());
        assert!(Origin::parse("http://localhost:3000")
            .unwrap()
            .is_potentially_trustworthy());
        assert!(Origin::parse("http://127.0.0.1:3000")
            .unwrap()
            .is_potentially_trustworthy());
        assert!(!Origin::parse("http://x.test")
            .unwrap()
            .is_potentially_trustworthy());
    }
}
