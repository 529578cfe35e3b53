//! Content-Security-Policy `connect-src` (falling back to `default-src`):
//! whether a page's policy lets its scripts fetch a URL at all. A request
//! the CSP forbids never reaches the server, yet the console shows it next to
//! CORS errors; it is not a CORS problem.

use url::Url;

/// Why the page's CSP blocks a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CspBlock {
    /// The directive that applies (`connect-src` or `default-src`).
    pub directive: String,
    /// Its source list as written.
    pub sources: String,
}

/// Checks `target` against every enforced policy in `policies` (each one a
/// header value or a `<meta>` content; a request must pass all of them).
pub fn check_connect(policies: &[&str], page: &Url, target: &Url) -> Result<(), CspBlock> {
    for policy in policies {
        // A header may carry several policies separated by commas.
        for one in policy.split(',') {
            if let Some((directive, sources)) = directive_for(one) {
                if !allows(sources, page, target) {
                    return Err(CspBlock {
                        directive: directive.to_owned(),
                        sources: sources.trim().to_owned(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// The directive governing fetch/XHR in `policy`, and its source list.
fn directive_for(policy: &str) -> Option<(&str, &str)> {
    let mut default = None;
    for d in policy.split(';') {
        let d = d.trim();
        let (name, rest) = d.split_once(char::is_whitespace).unwrap_or((d, ""));
        if name.eq_ignore_ascii_case("connect-src") {
            return Some(("connect-src", rest));
        }
        if name.eq_ignore_ascii_case("default-src") && default.is_none() {
            default = Some(("default-src", rest));
        }
    }
    default
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// CSP3 "does url match source list", for the source expressions a
/// `connect-src` uses (nonces and hashes never match a URL).
fn allows(sources: &str, page: &Url, target: &Url) -> bool {
    let list: Vec<&str> = sources.split_ascii_whitespace().collect();
    if list.is_empty() || list.iter().any(|s| s.eq_ignore_ascii_case("'none'")) && list.len() == 1 {
        return false;
    }
    list.iter().any(|s| matches_source(s, page, target))
}

fn matches_source(source: &str, page: &Url, target: &Url) -> bool {
    let lower = source.to_ascii_lowercase();
    let t_scheme = target.scheme();
    if lower == "*" {
        // `*` covers http(s) and ws(s) (and the page's own scheme).
        return matches!(t_scheme, "http" | "https" | "ws" | "wss") || t_scheme == page.scheme();
    }
    if lower == "'self'" {
        if target.host_str() != page.host_str() {
            return false;
        }
        let upgrade = page.scheme() == "http" && matches!(t_scheme, "https" | "wss");
        let same_scheme = t_scheme == page.scheme() || upgrade;
        let port = |u: &Url| u.port_or_known_default();
        let port_ok = port(target) == port(page)
            || (upgrade && port(page) == Some(80) && port(target) == Some(443));
        return same_scheme && port_ok;
    }
    if lower.starts_with('\'') {
        return false;
    }
    // scheme-source: `https:`
    if let Some(scheme) = lower.strip_suffix(':') {
        if !scheme.contains('/') {
            return scheme_matches(scheme, t_scheme);
        }
    }
    // host-source: [scheme://]host[:port][/path]
    let (scheme, rest) = match lower.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, lower.as_str()),
    };
    match scheme {
        Some(s) if !scheme_matches(s, t_scheme) => return false,
        None if !scheme_matches(page.scheme(), t_scheme) => return false,
        _ => {}
    }
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let (host, port) = match hostport.strip_prefix('[').and_then(|r| r.find(']')) {
        // An IPv6 literal: `[::1]` or `[::1]:8080`.
        Some(end) => (&hostport[..end + 2], hostport[end + 2..].strip_prefix(':')),
        None => match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        },
    };
    let Some(t_host) = target.host_str() else {
        return false;
    };
    let t_host = t_host.to_ascii_lowercase();
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => t_host.ends_with(&format!(".{suffix}")),
        None => host == "*" || t_host == host,
    };
    if !host_ok {
        return false;
    }
    let t_port = target.port_or_known_default();
    let port_ok = match port {
        Some("*") => true,
        Some(p) => p.parse::<u16>().ok() == t_port,
        None => {
            let want = default_port(scheme.unwrap_or(page.scheme()));
            t_port == want
                // An http source also covers the https default port.
                || (want == Some(80) && t_port == Some(443) && matches!(t_scheme, "https" | "wss"))
        }
    };
    if !port_ok {
        return false;
    }
    match path {
        None | Some("/") => true,
        Some(p) if p.ends_with('/') => target.path().starts_with(p),
        Some(p) => target.path() == p,
    }
}

/// `http:` also covers https, `ws:` wss and http(s) (CSP3's upgrades).
fn scheme_matches(source: &str, target: &str) -> bool {
    source == target
        || (source == "http" && target == "https")
        || (source == "ws" && matches!(target, "wss" | "http" | "https"))
        || (source == "wss" && target == "https")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_lists_from_the_standard() {
        let page = Url::parse("https://app.example.com/dashboard").unwrap();
        let cases: &[(&str, &str, bool)] = &[
            ("connect-src 'self'", "https://app.example.com/api", true),
            ("connect-src 'self'", "https://api.example.com/x", false),
            (
                "connect-src 'self' https://api.example.com",
                "https://api.example.com/x",
                true,
            ),
            (
                "connect-src https://*.example.com",
                "https://api.example.com/x",
                true,
            ),
            (
                "connect-src https://*.example.com",
                "https://example.com/x",
                false,
            ),
            ("connect-src https:", "https://anything.test/", true),
            ("connect-src https:", "http://anything.test/", false),
            (
                "connect-src api.example.com",
                "https://api.example.com/x",
                true,
            ),
            (
                "connect-src https://api.example.com:8443",
                "https://api.example.com/x",
                false,
            ),
            (
                "connect-src https://api.example.com:*",
                "https://api.example.com:8443/x",
                true,
            ),
            (
                "connect-src https://api.example.com/v1/",
                "https://api.example.com/v1/items",
                true,
            ),
            (
                "connect-src https://api.example.com/v1/",
                "https://api.example.com/v2/items",
                false,
            ),
            ("connect-src *", "https://evil.test/", true),
            ("connect-src http://[::1]:8080", "http://[::1]:8080/x", true),
            ("connect-src http://[::1]", "http://[::1]:8080/x", false),
            ("connect-src 'none'", "https://app.example.com/", false),
            ("default-src 'self'", "https://api.example.com/", false),
            (
                "default-src 'self'; connect-src https://api.example.com",
                "https://api.example.com/",
                true,
            ),
            ("script-src 'self'", "https://api.example.com/", true),
            (
                "connect-src 'self', connect-src https://api.example.com",
                "https://api.example.com/",
                false,
            ),
        ];
        for (policy, target, allowed) in cases {
            let target = Url::parse(target).unwrap();
            assert_eq!(
                check_connect(&[policy], &page, &target).is_ok(),
                *allowed,
                "{policy} -> {target}"
            );
        }
    }
}
