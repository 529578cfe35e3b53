//! One `origins` entry checked against the form browsers send: the ASCII
//! serialization of an origin (`https://app.example.com`), or a pattern
//! (`https://*.example.com`, `http://localhost:*`). Every deviation is named,
//! with the entry as it should be written.

use crate::catalog::{Severity, Slug};
use crate::spec::{Pattern, PortRule};

use super::spec::OriginEntry;

/// One thing wrong with an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryIssue {
    /// Catalog slug.
    pub slug: Slug,
    /// Severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
}

/// What an entry means, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryAnalysis {
    /// The entry, when it is usable as written.
    pub entry: Option<OriginEntry>,
    /// Problems (errors make `entry` `None`).
    pub issues: Vec<EntryIssue>,
    /// The entry as it should be written, when that can be worked out.
    pub suggestion: Option<String>,
}

fn issue(slug: Slug, message: String) -> EntryIssue {
    EntryIssue {
        slug,
        severity: slug.severity(),
        message,
    }
}

/// Checks one entry.
pub fn analyze(raw: &str) -> EntryAnalysis {
    let mut analysis = analyze_unverified(raw);
    // A suggestion is offered only if it is itself a clean entry.
    if let Some(s) = &analysis.suggestion {
        let again = analyze_unverified(s);
        if again.entry.is_none() || !again.issues.is_empty() {
            analysis.suggestion = None;
        }
    }
    analysis
}

fn analyze_unverified(raw: &str) -> EntryAnalysis {
    let mut issues = Vec::new();
    let text = raw.trim();
    if text != raw {
        issues.push(issue(
            Slug::OriginWhitespace,
            format!("`{raw}` has spaces around it; browsers send none, so it never matches"),
        ));
    }
    if text == "*" {
        return done(Some(OriginEntry::Any), issues, None, raw);
    }
    if text.is_empty() {
        issues.push(issue(
            Slug::InvalidOrigin,
            "an empty origin matches nothing".into(),
        ));
        return done(None, issues, None, raw);
    }
    if text.eq_ignore_ascii_case("null") {
        issues.push(issue(
            Slug::NullOriginAllowed,
            "`null` is the origin of sandboxed iframes, file: pages and redirected requests: anyone can send it".into(),
        ));
        return done(None, issues, None, raw);
    }
    if looks_like_regex(text) {
        let anchored = text.starts_with('^') && text.ends_with('$');
        let slug = if anchored {
            Slug::BadWildcardPattern
        } else {
            Slug::UnanchoredRegex
        };
        let why = if anchored {
            "regular expressions are not supported"
        } else {
            "an unanchored regular expression also matches `https://app.example.com.evil.test`; and they are not supported here"
        };
        issues.push(issue(slug, format!("`{text}`: {why}")));
        return done(None, issues, regex_to_pattern(text), raw);
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (s, r),
        None => {
            let bare = text.trim_start_matches('/');
            let host_like = bare.split(['/', ':']).next().unwrap_or("");
            let scheme = if is_loopback_host(host_like) {
                "http"
            } else {
                "https"
            };
            let suggestion = format!("{scheme}://{}", bare.trim_end_matches('/'));
            issues.push(issue(
                Slug::OriginMissingScheme,
                format!("`{text}` has no scheme; an origin is scheme://host[:port]"),
            ));
            let suggestion = (!host_like.is_empty()).then_some(suggestion);
            return done(None, issues, suggestion.map(|s| canonical_guess(&s)), raw);
        }
    };
    let scheme_lower = scheme.to_ascii_lowercase();
    if scheme != scheme_lower {
        issues.push(issue(
            Slug::OriginNotLowercase,
            format!("the scheme `{scheme}` is not lower-case; browsers send `{scheme_lower}`"),
        ));
    }
    let special = matches!(scheme_lower.as_str(), "http" | "https");
    if scheme_lower == "file" {
        issues.push(issue(
            Slug::InvalidOrigin,
            "file: pages have the origin `null`, which must not be trusted; serve the page over http(s) instead".into(),
        ));
        return done(None, issues, None, raw);
    }
    if !special {
        let near = ["https", "http"].into_iter().find(|s| {
            super::problem::edit_distance(&scheme_lower, s) <= 2 && scheme_lower.len() <= 6
        });
        if let Some(near) = near {
            issues.push(issue(
                Slug::InvalidOrigin,
                format!("`{scheme}` is not a scheme browsers use; `{near}` was probably meant"),
            ));
            let guess = canonical_guess(&format!("{near}://{rest}"));
            return done(None, issues, Some(guess), raw);
        }
    }
    // Authority, then whatever follows it.
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    if tail == "/" {
        issues.push(issue(
            Slug::OriginTrailingSlash,
            format!("`{text}` ends with `/`; the Origin header never does, so it never matches"),
        ));
    } else if tail.starts_with('/') {
        issues.push(issue(
            Slug::OriginHasPath,
            format!("`{text}` has a path; an origin is only scheme://host[:port]"),
        ));
    } else if !tail.is_empty() {
        issues.push(issue(
            Slug::InvalidOrigin,
            format!("`{text}` has a query or fragment; an origin is only scheme://host[:port]"),
        ));
    }
    if authority.contains('@') {
        issues.push(issue(
            Slug::InvalidOrigin,
            format!("`{text}` has a user name or password; origins never do"),
        ));
        return done(None, issues, None, raw);
    }
    let (host, port) = split_host_port(authority);
    let mut port_rule = PortRule::Default;
    let mut canonical_port = String::new();
    // A port that cannot be fixed by rewriting leaves no suggestion.
    let mut hopeless_port = false;
    if let Some(port) = port {
        if port == "*" {
            port_rule = PortRule::Any;
            canonical_port = ":*".into();
        } else if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            issues.push(issue(
                Slug::InvalidOrigin,
                format!("`{port}` is not a port number"),
            ));
            hopeless_port = true;
        } else if port.len() > 1 && port.starts_with('0') {
            issues.push(issue(
                Slug::InvalidOrigin,
                format!(
                    "the port `{port}` has a leading zero; browsers send `{}`",
                    port.trim_start_matches('0')
                ),
            ));
            canonical_port = format!(":{}", port.trim_start_matches('0'));
        } else {
            match port.parse::<u32>() {
                Ok(n) if n == 0 || n > 65535 => {
                    issues.push(issue(Slug::InvalidOrigin, format!("the port {port} is out of range (1-65535)")));
                    hopeless_port = true;
                }
                Ok(n) if special && n == default_port(&scheme_lower) => issues.push(issue(
                    Slug::OriginDefaultPort,
                    format!("`:{port}` is {scheme_lower}'s default port; browsers leave it out of the Origin header"),
                )),
                Ok(n) => {
                    port_rule = PortRule::Exact(n.to_string().into());
                    canonical_port = format!(":{n}");
                }
                Err(_) => {
                    issues.push(issue(Slug::InvalidOrigin, format!("the port {port} is out of range")));
                    hopeless_port = true;
                }
            }
        }
    }
    // Host: wildcard prefix, then the host itself.
    let (subdomains, base) = match host.strip_prefix("*.") {
        Some(base) => (true, base),
        None => (false, host),
    };
    if base.contains('*') {
        let hint = if host.starts_with('*') && !host.starts_with("*.") {
            format!(
                "`{host}`: `*` must be followed by a dot (`*.{}`), so that `evil{}` does not match",
                host.trim_start_matches('*').trim_start_matches('.'),
                host.trim_start_matches('*')
            )
        } else {
            format!(
                "`{host}`: `*` is allowed only as a whole leading label (`https://*.example.com`)"
            )
        };
        issues.push(issue(Slug::BadWildcardPattern, hint));
        let fixed = format!("*.{}", host.trim_start_matches(['*', '.']));
        let suggestion = (!fixed.trim_start_matches("*.").contains('*'))
            .then(|| format!("{scheme_lower}://{fixed}{canonical_port}"));
        return done(None, issues, suggestion, raw);
    }
    if subdomains && !special {
        issues.push(issue(
            Slug::BadWildcardPattern,
            format!("subdomain patterns are only for http and https, not `{scheme}`"),
        ));
    }
    if base.is_empty() {
        issues.push(issue(Slug::InvalidOrigin, format!("`{text}` has no host")));
        return done(None, issues, None, raw);
    }
    let lower = base.to_ascii_lowercase();
    if base.is_ascii() && lower != base {
        issues.push(issue(
            Slug::OriginNotLowercase,
            format!("the host `{base}` is not lower-case; browsers send `{lower}`"),
        ));
    }
    let canonical_host = if special {
        match url::Url::parse(&format!("{scheme_lower}://{lower}/")) {
            Ok(u) => u.host_str().map(str::to_owned),
            Err(_) => None,
        }
    } else {
        Some(lower.clone())
    };
    let Some(canonical_host) = canonical_host else {
        issues.push(issue(
            Slug::InvalidOrigin,
            format!("`{base}` is not a valid host"),
        ));
        return done(None, issues, None, raw);
    };
    let is_ip =
        canonical_host.starts_with('[') || canonical_host.parse::<std::net::Ipv4Addr>().is_ok();
    if canonical_host != lower {
        let what = if !base.is_ascii() {
            "is not in the ASCII (Punycode) form browsers send"
        } else if is_ip {
            "is not written the way browsers write this address"
        } else {
            "is not in the form browsers send"
        };
        issues.push(issue(
            Slug::InvalidOrigin,
            format!("the host `{base}` {what}: `{canonical_host}`"),
        ));
    }
    if base.ends_with('.') {
        issues.push(issue(
            Slug::InvalidOrigin,
            format!("the host `{base}` ends with a dot; browsers keep it, so it matches only pages opened with the dot"),
        ));
    }
    if base.contains('%') {
        issues.push(issue(
            Slug::InvalidOrigin,
            format!("`{base}`: IPv6 zone identifiers never appear in origins"),
        ));
    }
    if canonical_host.len() > 253 {
        issues.push(issue(
            Slug::InvalidOrigin,
            "the host is longer than 253 bytes".into(),
        ));
    }
    if subdomains && is_ip {
        issues.push(issue(
            Slug::BadWildcardPattern,
            format!("`*.{base}`: an IP address has no subdomains"),
        ));
    }
    let prefix = if subdomains { "*." } else { "" };
    let canonical_host_trimmed = canonical_host.trim_end_matches('.');
    let canonical = format!("{scheme_lower}://{prefix}{canonical_host_trimmed}{canonical_port}");
    let has_error = issues.iter().any(|i| i.severity == Severity::Error);
    let entry = (!has_error).then(|| {
        if subdomains || port_rule == PortRule::Any {
            OriginEntry::Pattern(Pattern {
                scheme: scheme_lower.as_str().into(),
                host: canonical_host.as_str().into(),
                subdomains,
                port: port_rule.clone(),
            })
        } else {
            OriginEntry::Exact(canonical.clone())
        }
    });
    let suggestion = (canonical != raw && !hopeless_port).then_some(canonical);
    done(entry, issues, suggestion, raw)
}

fn done(
    entry: Option<OriginEntry>,
    issues: Vec<EntryIssue>,
    suggestion: Option<String>,
    raw: &str,
) -> EntryAnalysis {
    let has_error = issues.iter().any(|i| i.severity == Severity::Error);
    EntryAnalysis {
        entry: if has_error { None } else { entry },
        issues,
        suggestion: suggestion.filter(|s| s != raw),
    }
}

fn default_port(scheme: &str) -> u32 {
    if scheme == "https" {
        443
    } else {
        80
    }
}

/// Splits `host[:port]`, brackets kept on IPv6 hosts.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        if let Some(end) = authority.find(']') {
            let (host, tail) = authority.split_at(end + 1);
            return (host, tail.strip_prefix(':'));
        }
        return (authority, None);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

/// The best canonical form of a sloppy entry, by the other rules.
fn canonical_guess(text: &str) -> String {
    let analysis = analyze_unverified(text);
    analysis.suggestion.unwrap_or_else(|| text.to_owned())
}

fn looks_like_regex(text: &str) -> bool {
    text.starts_with('^')
        || text.ends_with('$')
        || text.contains("\\.")
        || regex_repeat(text)
        || text.contains(['(', ')', '|', '[', ']', '\\'])
            && !text.starts_with("http://[")
            && !text.starts_with("https://[")
}

/// `.*` or `.+` not preceded by `*` (in `*.*.example.com` the dot belongs to the labels).
fn regex_repeat(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(1)).any(|i| {
        b[i] == b'.'
            && matches!(b[i + 1], b'*' | b'+')
            && (i == 0 || matches!(b[i - 1], b'/' | b'^' | b'(') || b.get(i + 2) != Some(&b'.'))
            && (i == 0 || b[i - 1] != b'*')
    })
}

/// `^https://.*\.example\.com$` → `https://*.example.com`, when it is that simple.
fn regex_to_pattern(text: &str) -> Option<String> {
    let core = text
        .trim_start_matches('^')
        .trim_end_matches('$')
        .replace("\\.", ".")
        .replace("\\/", "/");
    let core = [
        "(.*)\\.",
        ".*.",
        ".+.",
        "[^.]+.",
        "[a-z0-9-]+.",
        "[a-z]+.",
        "([a-z0-9-]+.)?",
    ]
    .iter()
    .fold(core, |acc, wild| acc.replacen(wild, "*.", 1));
    if looks_like_regex(&core) {
        return None;
    }
    let analysis = analyze(&core);
    analysis
        .entry
        .is_some()
        .then(|| analysis.suggestion.unwrap_or(core))
}

/// Whether the origin's host is a loopback name or address.
pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs(raw: &str) -> Vec<Slug> {
        analyze(raw).issues.iter().map(|i| i.slug).collect()
    }

    #[test]
    fn canonical_entries_pass() {
        for ok in [
            "https://app.example.com",
            "http://localhost:3000",
            "https://*.example.com",
            "http://localhost:*",
            "https://*.example.com:8443",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "https://xn--bcher-kva.example",
            "capacitor://localhost",
            "*",
        ] {
            let a = analyze(ok);
            assert!(a.issues.is_empty(), "{ok}: {:?}", a.issues);
            assert!(a.entry.is_some(), "{ok}");
            assert_eq!(a.suggestion, None, "{ok}");
        }
    }

    #[test]
    fn each_mistake_is_named_with_the_right_form() {
        let cases: &[(&str, Slug, Option<&str>)] = &[
            (
                "https://app.example.com/",
                Slug::OriginTrailingSlash,
                Some("https://app.example.com"),
            ),
            (
                "https://app.example.com/api",
                Slug::OriginHasPath,
                Some("https://app.example.com"),
            ),
            (
                "https://app.example.com:443",
                Slug::OriginDefaultPort,
                Some("https://app.example.com"),
            ),
            (
                "http://app.example.com:80",
                Slug::OriginDefaultPort,
                Some("http://app.example.com"),
            ),
            (
                "app.example.com",
                Slug::OriginMissingScheme,
                Some("https://app.example.com"),
            ),
            (
                "//app.example.com",
                Slug::OriginMissingScheme,
                Some("https://app.example.com"),
            ),
            (
                "HTTPS://App.Example.com",
                Slug::OriginNotLowercase,
                Some("https://app.example.com"),
            ),
            (
                " https://app.example.com",
                Slug::OriginWhitespace,
                Some("https://app.example.com"),
            ),
            ("null", Slug::NullOriginAllowed, None),
            ("file://", Slug::InvalidOrigin, None),
            ("https://user:pw@app.example.com", Slug::InvalidOrigin, None),
            (
                "https://app.example.com?x=1",
                Slug::InvalidOrigin,
                Some("https://app.example.com"),
            ),
            ("https://app.example.com:0", Slug::InvalidOrigin, None),
            ("https://app.example.com:65536", Slug::InvalidOrigin, None),
            (
                "https://app.example.com:08080",
                Slug::InvalidOrigin,
                Some("https://app.example.com:8080"),
            ),
            (
                "https://bücher.example",
                Slug::InvalidOrigin,
                Some("https://xn--bcher-kva.example"),
            ),
            (
                "http://127.1",
                Slug::InvalidOrigin,
                Some("http://127.0.0.1"),
            ),
            ("http://[0:0::1]", Slug::InvalidOrigin, Some("http://[::1]")),
            ("http://[fe80::1%25eth0]", Slug::InvalidOrigin, None),
            (
                "https://example.com.",
                Slug::InvalidOrigin,
                Some("https://example.com"),
            ),
            (
                "htps://app.example.com",
                Slug::InvalidOrigin,
                Some("https://app.example.com"),
            ),
            (
                "https://*example.com",
                Slug::BadWildcardPattern,
                Some("https://*.example.com"),
            ),
            ("https://app-*.example.com", Slug::BadWildcardPattern, None),
            (
                "https://*.*.example.com",
                Slug::BadWildcardPattern,
                Some("https://*.example.com"),
            ),
            (
                "localhost:3000",
                Slug::OriginMissingScheme,
                Some("http://localhost:3000"),
            ),
            ("https://*.127.0.0.1", Slug::BadWildcardPattern, None),
            ("https://api.*.example.com", Slug::BadWildcardPattern, None),
            (
                "^https://.*\\.example\\.com$",
                Slug::BadWildcardPattern,
                Some("https://*.example.com"),
            ),
            (
                "https://.*\\.example\\.com",
                Slug::UnanchoredRegex,
                Some("https://*.example.com"),
            ),
            ("", Slug::InvalidOrigin, None),
        ];
        for (raw, slug, suggestion) in cases {
            let a = analyze(raw);
            assert!(slugs(raw).contains(slug), "{raw}: {:?}", a.issues);
            assert_eq!(a.entry, None, "{raw}");
            assert_eq!(a.suggestion.as_deref(), *suggestion, "{raw}");
        }
    }

    #[test]
    fn long_hosts_are_refused() {
        let host = format!("{}.example.com", "a".repeat(250));
        assert!(slugs(&format!("https://{host}")).contains(&Slug::InvalidOrigin));
    }
}
