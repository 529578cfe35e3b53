//! The crafted origins derived from the page's own, and the finding for one
//! the server trusts with credentials.

use corsair_core::catalog::{Finding, Severity, Slug};
use corsair_core::findings;
use url::Url;

use super::ProbeKind;

/// One crafted origin and what trusting it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginProbe {
    /// What it tests (its name in the report).
    pub kind: ProbeKind,
    /// The Origin sent.
    pub origin: String,
    /// The finding when it is trusted with credentials.
    pub slug: Slug,
}

/// Well-known shared hosting, all in the Public Suffix List's private
/// section: anyone can publish a page at `<name>.<suffix>`.
pub const SHARED_HOSTING: &[&str] = &[
    "github.io",
    "vercel.app",
    "netlify.app",
    "pages.dev",
    "herokuapp.com",
    "web.app",
    "onrender.com",
];

/// Whether `host`'s public suffix is in the Public Suffix List's private
/// section (shared hosting: github.io, vercel.app, ...), where anyone can
/// own a name.
pub fn on_shared_hosting(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    psl::suffix(host.as_bytes()).is_some_and(|s| s.typ() == Some(psl::Type::Private))
        // The suffix itself (e.g. `vercel.app`) is not a site anyone owns.
        && psl::suffix_str(&host).is_some_and(|s| s != host)
}

/// The crafted origins for a page origin (`page`), per the probe classes of
/// the scanners, derived from its scheme, host and registrable domain. Name
/// classes (prefix, suffix, truncation, dots) are only derived from a domain
/// name with a registrable domain: an IP address or a single label such as
/// `localhost` has no meaningful variants.
pub fn origin_probes(page: &Url) -> Vec<OriginProbe> {
    const EVIL: &str = "corsair-probe.example";
    let scheme = page.scheme();
    let Some(host) = page.host_str() else {
        return Vec::new();
    };
    let port = page.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut out = vec![
        OriginProbe {
            kind: ProbeKind::Reflection,
            origin: format!("https://{EVIL}"),
            slug: Slug::ReflectsAnyOrigin,
        },
        OriginProbe {
            kind: ProbeKind::Null,
            origin: "null".into(),
            slug: Slug::NullOriginAllowed,
        },
    ];
    let is_name = page
        .host()
        .is_some_and(|h| matches!(h, url::Host::Domain(_)))
        && host.contains('.');
    let mut push = |kind, origin: String, slug| {
        if !out.iter().any(|p: &OriginProbe| p.origin == origin) {
            out.push(OriginProbe { kind, origin, slug });
        }
    };
    if is_name {
        push(
            ProbeKind::Prefix,
            format!("{scheme}://{host}.{EVIL}{port}"),
            Slug::PrefixMatch,
        );
        push(
            ProbeKind::SpecialCharacter,
            format!("{scheme}://{host}_.{EVIL}{port}"),
            Slug::PrefixMatch,
        );
        let domain = psl::domain_str(host).unwrap_or(host);
        push(
            ProbeKind::Suffix,
            format!("{scheme}://corsairprobe{domain}{port}"),
            Slug::SuffixMatch,
        );
        if domain.len() > 3 {
            push(
                ProbeKind::Substring,
                format!("{scheme}://{}{port}", &domain[1..]),
                Slug::SubstringMatch,
            );
        }
        // Prefixes of the real origin: `"https://app.example.com".includes(origin)`
        // accepts them. Cut one character off the host (the port would be
        // kept only by a server that compares without it, so it is dropped
        // with the cut), and cut at the last dot.
        if let Some(last_dot) = host.rfind('.') {
            if host.len() - last_dot > 3 {
                push(
                    ProbeKind::TruncatedOrigin,
                    format!("{scheme}://{}", &host[..host.len() - 1]),
                    Slug::SubstringMatch,
                );
            }
            push(
                ProbeKind::TruncatedOrigin,
                format!("{scheme}://{}", &host[..last_dot]),
                Slug::SubstringMatch,
            );
        }
        if let Some(dot) = host.find('.') {
            let mut h = host.to_owned();
            h.replace_range(dot..=dot, "x");
            push(
                ProbeKind::UnescapedDot,
                format!("{scheme}://{h}{port}"),
                Slug::UnescapedDot,
            );
        }
        push(
            ProbeKind::Subdomain,
            format!("{scheme}://corsair-probe.{host}{port}"),
            Slug::AnySubdomainTrusted,
        );
    }
    if scheme == "https" {
        push(
            ProbeKind::Http,
            format!("http://{host}{port}"),
            Slug::InsecureOriginTrusted,
        );
    }
    let local_page =
        matches!(host, "localhost" | "127.0.0.1" | "[::1]") || host.ends_with(".localhost");
    if !local_page {
        push(
            ProbeKind::Localhost,
            "http://localhost:3000".into(),
            Slug::LocalhostInProduction,
        );
    }
    for suffix in SHARED_HOSTING {
        push(
            ProbeKind::ThirdParty,
            format!("https://corsair-probe.{suffix}"),
            Slug::ThirdPartyOriginTrusted,
        );
    }
    for site in ["https://codepen.io", "https://jsfiddle.net"] {
        push(
            ProbeKind::ThirdParty,
            site.into(),
            Slug::ThirdPartyOriginTrusted,
        );
    }
    out
}

pub(super) fn security_finding(probe: &OriginProbe, page_origin: &str) -> Finding {
    let o = &probe.origin;
    match probe.slug {
        // Trusted with credentials: a sandboxed iframe, a data: or file: page
        // sends `Origin: null` and reads the API as the user, as with echo-all.
        Slug::NullOriginAllowed => {
            let mut f = findings::null_origin_allowed();
            f.severity = Severity::Error;
            f.explanation = "The server trusts the origin 'null' with Access-Control-Allow-Credentials: true. Any website can send Origin: null (from a sandboxed iframe, a data: URL, a file: page or after a cross-origin redirect), so any site the user visits can call this API with the user's cookies and read the answers: as exploitable as echoing every origin.".into();
            f
        }
        Slug::InsecureOriginTrusted => findings::insecure_origin_trusted(o),
        Slug::ReflectsAnyOrigin => Finding::new(
            Slug::ReflectsAnyOrigin,
            format!("The server echoed the made-up origin {o} in Access-Control-Allow-Origin with Access-Control-Allow-Credentials: true: any website the user visits can call this API with the user's cookies and read the answers."),
            format!("Check the Origin against an allowlist ({page_origin} and your other real frontends) and echo it only when it matches; never echo the request's Origin unchecked."),
        ),
        slug => {
            let how = match slug {
                Slug::PrefixMatch => "the allowlist check accepts any origin that starts with an allowed one",
                Slug::SuffixMatch => "the allowlist check accepts any origin that ends with the allowed domain",
                Slug::SubstringMatch => "the allowlist check accepts any origin that contains an allowed name",
                Slug::UnescapedDot => "a regular expression has an unescaped '.', which matches any character",
                Slug::AnySubdomainTrusted => "every subdomain is trusted, so one XSS or takeover on any subdomain reads the API",
                Slug::LocalhostInProduction => "a development origin is trusted: any program serving a page on the user's machine at that port reads the API as the user (if this is production, drop it from the allowlist)",
                _ => "shared hosting is trusted: anyone can publish a page there",
            };
            let mut f = Finding::new(
                slug,
                format!("The server trusted the crafted origin {o} with credentials: {how}."),
                format!("Compare the whole Origin for equality against a list of exact origins ({page_origin}), or anchor and escape the pattern (^https://app\\.example\\.com$)."),
            );
            if matches!(slug, Slug::AnySubdomainTrusted | Slug::LocalhostInProduction) {
                f.severity = Severity::Warning;
            }
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(page: &str, kind: ProbeKind) -> Vec<String> {
        let url = Url::parse(page).unwrap_or_else(|e| panic!("{page}: {e}"));
        origin_probes(&url)
            .into_iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.origin)
            .collect()
    }

    #[test]
    fn truncated_origins_are_prefixes_of_the_real_one() {
        let got = origins("https://app.example.com", ProbeKind::TruncatedOrigin);
        assert_eq!(got, ["https://app.example.co", "https://app.example"]);
        for o in &got {
            assert!("https://app.example.com".starts_with(o.as_str()));
        }
        // With a port: still prefixes of the serialized origin.
        let got = origins("https://app.example.com:8443", ProbeKind::TruncatedOrigin);
        assert_eq!(got, ["https://app.example.co", "https://app.example"]);
    }

    #[test]
    fn two_letter_tld_is_cut_at_the_dot_only() {
        // Cutting one letter of `.io` would leave a one-letter label.
        let got = origins("https://app.example.io", ProbeKind::TruncatedOrigin);
        assert_eq!(got, ["https://app.example"]);
    }

    #[test]
    fn ip_and_single_label_hosts_get_no_name_probes() {
        for page in [
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
            "https://10.0.0.5",
            "http://localhost:3000",
            "http://intranet",
        ] {
            let url = Url::parse(page).unwrap_or_else(|e| panic!("{page}: {e}"));
            let kinds: Vec<ProbeKind> = origin_probes(&url).iter().map(|p| p.kind).collect();
            for k in [
                ProbeKind::Prefix,
                ProbeKind::SpecialCharacter,
                ProbeKind::Suffix,
                ProbeKind::Substring,
                ProbeKind::TruncatedOrigin,
                ProbeKind::UnescapedDot,
                ProbeKind::Subdomain,
            ] {
                assert!(!kinds.contains(&k), "{page}: {k:?} in {kinds:?}");
            }
            assert!(kinds.contains(&ProbeKind::Reflection));
            assert!(kinds.contains(&ProbeKind::Null));
        }
        // A local page does not probe localhost as if it were production.
        assert!(origins("http://localhost:3000", ProbeKind::Localhost).is_empty());
        assert!(origins("http://[::1]:3000", ProbeKind::Localhost).is_empty());
        assert_eq!(
            origins("https://10.0.0.5", ProbeKind::Http),
            ["http://10.0.0.5"]
        );
    }

    #[test]
    fn port_is_kept_where_the_host_is_kept() {
        assert_eq!(
            origins("https://app.example.com:8443", ProbeKind::Http),
            ["http://app.example.com:8443"]
        );
        assert_eq!(
            origins("https://app.example.com:8443", ProbeKind::Suffix),
            ["https://corsairprobeexample.com:8443"]
        );
        assert_eq!(
            origins("https://app.example.com", ProbeKind::UnescapedDot),
            ["https://appxexample.com"]
        );
    }

    #[test]
    fn every_probe_origin_is_a_valid_origin_and_unique() {
        for page in [
            "https://app.example.com",
            "https://www.example.co.uk:444",
            "http://a.b",
            "https://app.example.io",
        ] {
            let url = Url::parse(page).unwrap_or_else(|e| panic!("{page}: {e}"));
            let probes = origin_probes(&url);
            for (i, p) in probes.iter().enumerate() {
                assert!(
                    probes[..i].iter().all(|q| q.origin != p.origin),
                    "{page}: {} twice",
                    p.origin
                );
                if p.origin != "null" {
                    let u = Url::parse(&p.origin).unwrap_or_else(|e| panic!("{}: {e}", p.origin));
                    assert_eq!(u.origin().ascii_serialization(), p.origin, "{page}");
                    assert_ne!(p.origin, url.origin().ascii_serialization());
                }
            }
        }
    }

    #[test]
    fn shared_hosting_comes_from_the_private_section() {
        for suffix in SHARED_HOSTING {
            assert!(on_shared_hosting(&format!("x.{suffix}")), "{suffix}");
            // The suffix itself is no one's site.
            assert!(!on_shared_hosting(suffix), "{suffix}");
        }
        assert!(on_shared_hosting("someone.s3.amazonaws.com"));
        assert!(!on_shared_hosting("app.example.com"));
        assert!(!on_shared_hosting("www.example.co.uk"));
        let third = origins("https://app.example.com", ProbeKind::ThirdParty);
        assert!(third.contains(&"https://corsair-probe.vercel.app".to_owned()));
        assert!(third.contains(&"https://codepen.io".to_owned()));
    }
}
