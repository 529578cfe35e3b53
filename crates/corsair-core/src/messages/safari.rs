//! WebKit's console lines for a CORS failure (Safari's engine): the reason,
//! as WebCore's checks word it, then the loader's line naming the URL.
//! Observed in WebKitGTK 2.50; the wording lives in WebCore, shared with
//! Safari.

use crate::scenario::Initiator;

/// Why WebKit blocked, with what its message quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason<'a> {
    /// ACAO missing or not the request's origin (`passesAccessControlCheck`).
    OriginNotAllowed {
        /// The origin the request carried (`null` once tainted).
        origin: &'a str,
        /// The status of the response checked.
        status: u16,
    },
    /// An ACAO value with a comma (several lines are joined with one).
    MultipleOrigins,
    /// `*` with credentials.
    Wildcard,
    /// Credentials without `Access-Control-Allow-Credentials: true`.
    CredentialsNotTrue,
    /// The preflight's status is not 2xx (a redirect included).
    PreflightStatus(u16),
    /// Access-Control-Allow-Methods does not parse; its whole value.
    InvalidAllowMethods(&'a str),
    /// Access-Control-Allow-Headers does not parse; its whole value.
    InvalidAllowHeaders(&'a str),
    /// The method is not allowed.
    MethodNotAllowed(&'a str),
    /// A request header is not allowed; its name as the page spelled it.
    HeaderNotAllowed(&'a str),
    /// A redirect refused (`NetworkLoadChecker::checkRedirection`): the
    /// CORS check on the redirect response failed.
    Redirect {
        /// The URL the redirect leads to.
        to: &'a str,
        /// Why the redirect response failed its CORS check.
        why: Box<Reason<'a>>,
    },
    /// A redirect to a URL with a user name or password.
    RedirectCredentials {
        /// The URL the redirect leads to.
        to: &'a str,
        /// The Location, resolved, as WebKit quotes it.
        location: &'a str,
    },
    /// A redirect to a scheme CORS does not serve.
    RedirectScheme {
        /// The URL the redirect leads to.
        to: &'a str,
    },
    /// More than 20 redirects.
    TooManyRedirects,
    /// A `same-origin` request redirected to another origin.
    SameOriginMode {
        /// The URL it was redirected to.
        url: &'a str,
        /// The page's origin.
        origin: &'a str,
    },
}

/// A header value as WebKitGTK shows it. Our strings hold one byte per char
/// (U+0000 to U+00FF). libsoup hands WebKit the value as UTF-8, each invalid
/// byte replaced by U+FFFD, and WebKit reads those bytes as Latin-1: a raw
/// 0xDC shows as `ï¿½`, a valid UTF-8 sequence as its bytes.
fn as_webkit_shows(value: &str) -> std::borrow::Cow<'_, str> {
    if value.is_ascii() {
        return std::borrow::Cow::Borrowed(value);
    }
    let bytes: Vec<u8> = value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let text = String::from_utf8_lossy(&bytes);
    std::borrow::Cow::Owned(text.bytes().map(char::from).collect())
}

/// The reason line.
pub fn reason(reason: &Reason<'_>) -> String {
    match reason {
        Reason::OriginNotAllowed { origin, status } => format!(
            "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}"
        ),
        Reason::MultipleOrigins => {
            "Access-Control-Allow-Origin cannot contain more than one origin.".to_owned()
        }
        Reason::Wildcard => {
            "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
                .to_owned()
        }
        Reason::CredentialsNotTrue => {
            "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\"."
                .to_owned()
        }
        Reason::PreflightStatus(status) => {
            format!("Preflight response is not successful. Status code: {status}")
        }
        Reason::InvalidAllowMethods(v) => format!(
            "Header Access-Control-Allow-Methods has an invalid value: {}",
            as_webkit_shows(v)
        ),
        Reason::InvalidAllowHeaders(v) => format!(
            "Header Access-Control-Allow-Headers has an invalid value: {}",
            as_webkit_shows(v)
        ),
        Reason::MethodNotAllowed(m) => {
            format!("Method {m} is not allowed by Access-Control-Allow-Methods.")
        }
        Reason::HeaderNotAllowed(h) => {
            format!("Request header field {h} is not allowed by Access-Control-Allow-Headers.")
        }
        Reason::Redirect { to, why } => format!(
            "Cross-origin redirection to {to} denied by Cross-Origin Resource Sharing policy: {}",
            self::reason(why)
        ),
        Reason::RedirectCredentials { to, location } => format!(
            "Cross-origin redirection to {to} denied by Cross-Origin Resource Sharing policy: redirection URL {location} has credentials"
        ),
        Reason::RedirectScheme { to } => format!(
            "Cross-origin redirection to {to} denied by Cross-Origin Resource Sharing policy: not allowed to follow a cross-origin CORS redirection with non CORS scheme"
        ),
        Reason::TooManyRedirects => "Load cannot follow more than 20 redirections".to_owned(),
        // WebKit's text ends in a newline, which its console drops.
        Reason::SameOriginMode { url, origin } => format!(
            "Unsafe attempt to load URL {url} from origin {origin}. Domains, protocols and ports must match."
        ),
    }
}

/// The loader's line for an access-control failure at `url`.
pub fn loader_line(initiator: Initiator, url: &str) -> String {
    // Without the formatting machinery: this line is in every blocked verdict.
    [
        api(initiator),
        " cannot load ",
        url,
        " due to access control checks.",
    ]
    .concat()
}

/// The loader's line for a load refused before any access-control check
/// (a `same-origin` request to another origin).
pub fn refused_line(initiator: Initiator, url: &str) -> String {
    format!("{} cannot load {url}.", api(initiator))
}

fn api(initiator: Initiator) -> &'static str {
    match initiator {
        Initiator::Fetch => "Fetch API",
        Initiator::Xhr => "XMLHttpRequest",
    }
}

/// Both lines of a CORS failure: the reason, then the loader's.
pub fn lines(r: &Reason<'_>, initiator: Initiator, url: &str) -> Vec<String> {
    vec![reason(r), loader_line(initiator, url)]
}

/// The warning XHR's `setRequestHeader` prints for a forbidden header.
pub fn refused_header(name: &str) -> String {
    format!("Refused to set unsafe header \"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_shows_as_replacement_bytes() {
        assert_eq!(as_webkit_shows("P\u{dc}T"), "P\u{ef}\u{bf}\u{bd}T");
        assert_eq!(as_webkit_shows("\u{c3}\u{a4}"), "\u{c3}\u{a4}");
    }

    #[test]
    fn redirect_lines_wrap_the_check_that_failed() {
        let r = Reason::Redirect {
            to: "http://cdn.test/b",
            why: Box::new(Reason::OriginNotAllowed {
                origin: "http://app.test",
                status: 302,
            }),
        };
        assert_eq!(
            lines(&r, Initiator::Fetch, "http://api.test/a"),
            [
                "Cross-origin redirection to http://cdn.test/b denied by Cross-Origin Resource Sharing policy: Origin http://app.test is not allowed by Access-Control-Allow-Origin. Status code: 302",
                "Fetch API cannot load http://api.test/a due to access control checks.",
            ]
        );
        assert_eq!(
            loader_line(Initiator::Xhr, "http://api.test/a"),
            "XMLHttpRequest cannot load http://api.test/a due to access control checks."
        );
    }
}
