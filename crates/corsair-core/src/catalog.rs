//! The mistake catalog: the slugs every part of Corsair reports in.
//! CATALOG.md is the source; slugs are never renamed.

use serde::{Serialize, Serializer};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Works today, breaks on the next origin, cache or browser change.
    Warning,
    /// The browser blocks, or a security hole.
    Error,
}

macro_rules! slugs {
    ($($variant:ident => $name:literal, $severity:ident, $title:literal;)*) => {
        /// A catalog entry.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Slug { $(#[doc = $title] $variant,)* }

        impl Slug {
            /// Every slug, in catalog order.
            pub const ALL: &'static [Slug] = &[$(Slug::$variant,)*];

            /// The slug as written everywhere (`missing-allow-origin`).
            pub fn name(self) -> &'static str {
                match self { $(Slug::$variant => $name,)* }
            }

            /// Its usual severity.
            pub fn severity(self) -> Severity {
                match self { $(Slug::$variant => Severity::$severity,)* }
            }

            /// A one-line title.
            pub fn title(self) -> &'static str {
                match self { $(Slug::$variant => $title,)* }
            }

            /// Looks a slug up by name.
            pub fn from_name(name: &str) -> Option<Slug> {
                Slug::ALL.iter().copied().find(|s| s.name() == name)
            }
        }
    };
}

slugs! {
    MissingAllowOrigin => "missing-allow-origin", Error, "No Access-Control-Allow-Origin header";
    PreflightNotHandled => "preflight-not-handled", Error, "The server does not handle the OPTIONS preflight";
    PreflightBlockedByAuth => "preflight-blocked-by-auth", Error, "Authentication rejects the preflight";
    PreflightBadStatus => "preflight-bad-status", Error, "The preflight answer is not a 2xx";
    PreflightRedirect => "preflight-redirect", Error, "The preflight was redirected";
    WildcardWithCredentials => "wildcard-with-credentials", Error, "Access-Control-Allow-Origin: * on a request with credentials";
    CredentialsNotAllowed => "credentials-not-allowed", Error, "Access-Control-Allow-Credentials: true is missing";
    OriginMismatch => "origin-mismatch", Error, "Access-Control-Allow-Origin names another origin";
    MultipleAllowOrigin => "multiple-allow-origin", Error, "Access-Control-Allow-Origin has several values";
    InvalidAllowOrigin => "invalid-allow-origin", Error, "Access-Control-Allow-Origin is not a valid origin";
    MethodNotAllowed => "method-not-allowed", Error, "The method is not in Access-Control-Allow-Methods";
    HeaderNotAllowed => "header-not-allowed", Error, "A request header is not in Access-Control-Allow-Headers";
    UnparsableAllowMethods => "unparsable-allow-methods", Error, "Access-Control-Allow-Methods does not parse";
    UnparsableAllowHeaders => "unparsable-allow-headers", Error, "Access-Control-Allow-Headers does not parse";
    RedirectWithCredentials => "redirect-with-credentials", Error, "A redirect to a URL with a user name or password";
    LocalNetworkAccess => "local-network-access", Error, "A less private page calls a more private address";
    SchemeNotSupported => "scheme-not-supported", Error, "The URL scheme does not support CORS";
    ErrorResponseWithoutCors => "error-response-without-cors", Error, "Error responses carry no CORS headers";
    CorsOnPreflightOnly => "cors-on-preflight-only", Error, "The preflight passes but the actual response has no CORS headers";
    HeaderNotExposed => "header-not-exposed", Warning, "The page reads a response header that is not exposed";
    MissingVaryOrigin => "missing-vary-origin", Warning, "Access-Control-Allow-Origin varies by Origin without Vary: Origin";
    WildcardAuthorization => "wildcard-authorization", Warning, "Access-Control-Allow-Headers: * relied on to cover Authorization";
    PreflightNotCached => "preflight-not-cached", Info, "No Access-Control-Max-Age: a preflight before almost every call";
    MaxAgeOverCap => "max-age-over-cap", Info, "Access-Control-Max-Age is above what the browser keeps";
    DuplicateCorsLayer => "duplicate-cors-layer", Warning, "Two layers both add CORS headers";
    StrippedByProxy => "stripped-by-proxy", Error, "A proxy or CDN strips the CORS headers";
    ReflectsAnyOrigin => "reflects-any-origin", Error, "Any Origin is echoed back";
    NullOriginAllowed => "null-origin-allowed", Warning, "The null origin is trusted";
    InsecureOriginTrusted => "insecure-origin-trusted", Warning, "An http origin is trusted with credentials by an https API";
    PrefixMatch => "prefix-match", Error, "The allowlist matches origins by prefix";
    SuffixMatch => "suffix-match", Error, "The allowlist matches origins by suffix";
    SubstringMatch => "substring-match", Error, "The allowlist matches origins by substring";
    UnescapedDot => "unescaped-dot", Error, "An unescaped dot in an origin pattern";
    AnySubdomainTrusted => "any-subdomain-trusted", Warning, "Every subdomain is trusted";
    ThirdPartyOriginTrusted => "third-party-origin-trusted", Error, "A shared-hosting origin is trusted";
    LocalhostInProduction => "localhost-in-production", Warning, "localhost is allowed in production";
    CorsIsNotAuth => "cors-is-not-auth", Warning, "CORS is used as access control";
    CorsHeadersInRequest => "cors-headers-in-request", Warning, "The page sends Access-Control-* request headers";
    CorsProxyInProduction => "cors-proxy-in-production", Warning, "Requests go through a public CORS proxy";
    MixedContent => "mixed-content", Error, "An https page calls an http URL";
    CspBlocksRequest => "csp-blocks-request", Error, "The page's Content-Security-Policy forbids the request";
    NotACorsError => "not-a-cors-error", Error, "A network error, not a CORS one";
    InvalidRequest => "invalid-request", Error, "The browser refuses to make this request at all";
    ModeDisallowsCrossOrigin => "mode-disallows-cross-origin", Error, "The request mode forbids a cross-origin request";
    OriginTrailingSlash => "origin-trailing-slash", Error, "An origin ends with a slash";
    OriginHasPath => "origin-has-path", Error, "An origin has a path";
    OriginDefaultPort => "origin-default-port", Error, "An origin spells out its scheme's default port";
    OriginMissingScheme => "origin-missing-scheme", Error, "An origin has no scheme";
    OriginNotLowercase => "origin-not-lowercase", Error, "An origin is not lower-case";
    OriginWhitespace => "origin-whitespace", Error, "An origin has spaces around it";
    InvalidOrigin => "invalid-origin", Error, "Not an origin browsers can send";
    EmptyOriginList => "empty-origin-list", Error, "No origin is allowed";
    WildcardPublicSuffix => "wildcard-public-suffix", Error, "A wildcard over a public suffix trusts strangers";
    BadWildcardPattern => "bad-wildcard-pattern", Error, "An origin pattern that is not a leading `*.` or a `:*` port";
    UnanchoredRegex => "unanchored-regex", Error, "An unanchored regular expression matches more than meant";
    ForbiddenMethod => "forbidden-method", Error, "A method browsers never send";
    ForbiddenRequestHeader => "forbidden-request-header", Error, "A request header pages cannot set";
    CorsHeaderAsRequestHeader => "cors-header-as-request-header", Error, "A CORS response header allowed as a request header";
    ExposeSetCookie => "expose-set-cookie", Error, "Set-Cookie is never readable by pages";
    WildcardExposeWithCredentials => "wildcard-expose-with-credentials", Error, "Expose-Headers `*` with credentials exposes nothing";
    SafelistedListed => "safelisted-listed", Info, "A method or header that needs no listing";
    HttpOriginInProduction => "http-origin-in-production", Warning, "An http origin is allowed in production";
    UnknownKey => "unknown-key", Error, "A key the policy file does not have";
    InvalidToml => "invalid-toml", Error, "The policy file is not valid TOML";
    InvalidValue => "invalid-value", Error, "A policy value of the wrong type or range";
    InvalidMethod => "invalid-method", Error, "Not a method name";
    MethodCase => "method-case", Error, "A method in a case browsers do not send";
    InvalidHeaderName => "invalid-header-name", Error, "Not a header name, or one that does not belong here";
    OverlappingOrigins => "overlapping-origins", Warning, "An origin entry already covered by another";
    UnknownStage => "unknown-stage", Error, "The chosen stage is not in the policy file";
    BadRoutePath => "bad-route-path", Error, "A route path pattern that cannot match as meant";
    UnreachableRoute => "unreachable-route", Warning, "A route an earlier route always wins over";
    DebugInProduction => "debug-in-production", Warning, "Debug or shadow mode in production";
}

impl Serialize for Slug {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One diagnosed problem: what it is, why it happens, and what to change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Catalog slug.
    pub slug: Slug,
    /// Severity here (may differ from the slug's usual one).
    pub severity: Severity,
    /// One line.
    pub title: std::borrow::Cow<'static, str>,
    /// One paragraph: what happened and why.
    pub explanation: String,
    /// The change that fixes it.
    pub fix: String,
}

impl Finding {
    /// A finding with the slug's own severity and title.
    pub fn new(slug: Slug, explanation: String, fix: String) -> Finding {
        Finding {
            slug,
            severity: slug.severity(),
            title: std::borrow::Cow::Borrowed(slug.title()),
            explanation,
            fix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for s in Slug::ALL {
            assert!(seen.insert(s.name()), "duplicate {}", s.name());
            assert!(s
                .name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'));
            assert_eq!(Slug::from_name(s.name()), Some(*s));
        }
    }

    #[test]
    fn every_catalog_md_slug_exists() {
        // The server- and request-side slugs of CATALOG.md (policy-file ones
        // belong to the linter).
        for name in [
            "missing-allow-origin",
            "preflight-not-handled",
            "preflight-blocked-by-auth",
            "preflight-bad-status",
            "preflight-redirect",
            "wildcard-with-credentials",
            "credentials-not-allowed",
            "origin-mismatch",
            "multiple-allow-origin",
            "invalid-allow-origin",
            "method-not-allowed",
            "header-not-allowed",
            "unparsable-allow-methods",
            "unparsable-allow-headers",
            "redirect-with-credentials",
            "local-network-access",
            "scheme-not-supported",
            "error-response-without-cors",
            "cors-on-preflight-only",
            "header-not-exposed",
            "missing-vary-origin",
            "wildcard-authorization",
            "preflight-not-cached",
            "max-age-over-cap",
            "duplicate-cors-layer",
            "stripped-by-proxy",
            "reflects-any-origin",
            "null-origin-allowed",
            "insecure-origin-trusted",
            "prefix-match",
            "suffix-match",
            "substring-match",
            "unescaped-dot",
            "any-subdomain-trusted",
            "third-party-origin-trusted",
            "localhost-in-production",
            "cors-is-not-auth",
            "cors-headers-in-request",
            "cors-proxy-in-production",
            "mixed-content",
            "csp-blocks-request",
            "not-a-cors-error",
            // Policy file only.
            "origin-trailing-slash",
            "origin-has-path",
            "origin-default-port",
            "origin-missing-scheme",
            "origin-not-lowercase",
            "origin-whitespace",
            "invalid-origin",
            "empty-origin-list",
            "wildcard-public-suffix",
            "bad-wildcard-pattern",
            "unanchored-regex",
            "forbidden-method",
            "forbidden-request-header",
            "cors-header-as-request-header",
            "expose-set-cookie",
            "wildcard-expose-with-credentials",
            "safelisted-listed",
            "http-origin-in-production",
            "unknown-key",
        ] {
            assert!(Slug::from_name(name).is_some(), "{name}");
        }
    }
}
