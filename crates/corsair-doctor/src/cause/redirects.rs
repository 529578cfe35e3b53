//! A redirect read for its cause: to a sign-in page, the same path with or
//! without its trailing slash, plain http to https, or elsewhere.

use corsair_core::catalog::Slug;
use url::Url;

use super::{server_of, Cause, Confidence};
use crate::exchange::{Received, Wire};

/// What kind of place a redirect sends the request to.
#[derive(Debug, PartialEq, Eq)]
enum RedirectKind {
    /// A sign-in page or identity provider.
    Login,
    /// The same URL with a trailing slash added or removed.
    TrailingSlash,
    /// The same URL over https.
    Https,
    /// Anywhere else.
    Elsewhere,
}

/// Path pieces and hosts of sign-in pages and identity providers.
const LOGIN_PATHS: [&str; 10] = [
    "/login",
    "/signin",
    "/sign-in",
    "/sso",
    "/saml",
    "/oauth",
    "/authorize",
    "/auth/",
    "/cas/",
    "/openid",
];
const LOGIN_HOSTS: [&str; 6] = [
    "accounts.google.com",
    "login.microsoftonline.com",
    ".okta.com",
    ".auth0.com",
    "login.",
    "sso.",
];

fn redirect_kind(from: &str, location: &str) -> (RedirectKind, String) {
    let Ok(from) = Url::parse(from) else {
        return (RedirectKind::Elsewhere, location.to_owned());
    };
    let Ok(to) = from.join(location) else {
        return (RedirectKind::Elsewhere, location.to_owned());
    };
    let path = to.path().to_ascii_lowercase();
    let host = to.host_str().unwrap_or_default().to_ascii_lowercase();
    let query = to.query().unwrap_or_default().to_ascii_lowercase();
    let shown = crate::exchange::redact_url(to.as_str());
    if LOGIN_PATHS.iter().any(|p| path.contains(p))
        || LOGIN_HOSTS
            .iter()
            .any(|h| host == h.trim_start_matches('.') || host.ends_with(h) || host.starts_with(h))
        || query.contains("redirect_uri=")
        || query.contains("returnurl=")
    {
        return (RedirectKind::Login, shown);
    }
    let same_origin = from.origin() == to.origin();
    let (a, b) = (from.path(), to.path());
    if same_origin
        && from.query() == to.query()
        && (a.trim_end_matches('/') == b.trim_end_matches('/'))
        && a != b
    {
        return (RedirectKind::TrailingSlash, shown);
    }
    if from.scheme() == "http"
        && to.scheme() == "https"
        && from.host_str() == to.host_str()
        && a == b
    {
        return (RedirectKind::Https, shown);
    }
    (RedirectKind::Elsewhere, shown)
}

pub(super) fn redirect_cause(
    wire: &Wire,
    answer: &Received,
    index: usize,
    preflight: bool,
) -> Cause {
    let location = answer.first("location").unwrap_or_default();
    let (kind, to) = redirect_kind(&wire.url, location);
    let what = if preflight { "preflight" } else { "request" };
    let evidence = vec![format!(
        "#{index}: the {what} was answered {} with Location: {to}",
        answer.status
    )];
    let (slug, summary, fix) = match kind {
        RedirectKind::Login => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API answers an unauthenticated {what} with a redirect to a sign-in page ({to}): a login page is for people, and the browser follows it with CORS rules and blocks it."),
            "Make the API answer an unauthenticated API call with 401 (and CORS headers) instead of redirecting to the login page; the page reads the 401 and starts the sign-in itself. (Calling the login URL directly would not help.)".to_owned(),
        ),
        RedirectKind::TrailingSlash => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API redirects {} to {to}: the same path with the trailing slash {}. {}", wire.url, if to.ends_with('/') { "added" } else { "removed" }, if preflight { "Browsers never follow a redirect on a preflight." } else { "The redirect carries no CORS headers, so the browser stops there." }),
            format!("Call {to} from the page (the URL the API expects), or make the framework stop redirecting (e.g. Django APPEND_SLASH, FastAPI redirect_slashes=False, nginx's directory redirect)."),
        ),
        RedirectKind::Https => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API redirects plain http to https ({to}). {}", if preflight { "Browsers never follow a redirect on a preflight." } else { "The redirect carries no CORS headers, so the browser stops there." }),
            "Call the API over https:// in the page's configuration (its base URL).".to_owned(),
        ),
        RedirectKind::Elsewhere => (
            if preflight { Slug::PreflightRedirect } else { Slug::MissingAllowOrigin },
            format!("The API answers the {what} with a {} redirect to {to}.", answer.status),
            if preflight {
                "Answer the preflight at this URL itself (204 with the CORS headers), or call the final URL if the redirect is permanent.".to_owned()
            } else {
                "Put the CORS headers on the redirect answer too, or call the final URL if the redirect is permanent.".to_owned()
            },
        ),
    };
    // Only a redirect elsewhere is cured by CORS headers on it; the others
    // need the page or the API to change.
    let also = (kind != RedirectKind::Elsewhere).then(|| fix.clone());
    Cause {
        slug,
        confidence: Confidence::Certain,
        layer: server_of(answer),
        summary,
        evidence,
        fix,
        works_from: Vec::new(),
        body: None,
        network: None,
        also,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_told_apart() {
        let cases = [
            (
                "https://api.example.com/items",
                "/items/",
                RedirectKind::TrailingSlash,
            ),
            (
                "https://api.example.com/items/",
                "https://api.example.com/items",
                RedirectKind::TrailingSlash,
            ),
            (
                "http://api.example.com/items",
                "https://api.example.com/items",
                RedirectKind::Https,
            ),
            (
                "https://api.example.com/items",
                "/login?next=/items",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://accounts.google.com/o/oauth2/v2/auth?client_id=x",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://acme.okta.com/app/x",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://idp.example.com/x?redirect_uri=https%3A%2F%2Fapi",
                RedirectKind::Login,
            ),
            (
                "https://api.example.com/items",
                "https://cdn.example.com/items",
                RedirectKind::Elsewhere,
            ),
            ("https://api.example.com/v1", "/v2", RedirectKind::Elsewhere),
        ];
        for (from, to, want) in cases {
            assert_eq!(redirect_kind(from, to).0, want, "{from} -> {to}");
        }
    }
}
