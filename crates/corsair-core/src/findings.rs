//! Findings: each failure or risk named with its catalog slug, explained in
//! one paragraph, with the change that fixes it.

use url::Url;

use crate::catalog::{Finding, Severity, Slug};
use crate::cors_check::AccessFailure;
use crate::profile::Profile;
use crate::request_headers;
use crate::response_headers::count;
use crate::scenario::AddressSpace;

/// What the explanation of a failed CORS check needs to know.
pub struct AccessContext<'a> {
    /// What failed.
    pub failure: AccessFailure,
    /// On the preflight or the actual response.
    pub preflight: bool,
    /// The `Origin` the request carried.
    pub origin_sent: &'a str,
    /// The page's origin.
    pub page_origin: &'a str,
    /// The ACAO (or ACAC) value Chrome reports.
    pub value: &'a str,
    /// The status of the failing answer.
    pub status: u16,
    /// Its headers.
    pub headers: &'a [(String, String)],
    /// Whether a redirect turned the Origin into `null`.
    pub tainted: bool,
    /// Whether a preflight passed before this answer.
    pub preflight_passed: bool,
    /// The request method.
    pub method: &'a str,
}

fn which(preflight: bool) -> &'static str {
    if preflight {
        "The preflight (OPTIONS) answer"
    } else {
        "The response"
    }
}

/// The reason a CORS check failed, in one sentence.
pub fn access_reason(c: &AccessContext<'_>) -> String {
    let answer = which(c.preflight);
    match c.failure {
        AccessFailure::Missing => format!("{answer} (status {}) has no Access-Control-Allow-Origin header.", c.status),
        AccessFailure::Wildcard => format!("{answer} allows origin '*', which browsers refuse for a request with credentials."),
        AccessFailure::Multiple => format!("{answer} gives Access-Control-Allow-Origin several values: '{}'.", c.value),
        AccessFailure::Invalid => format!("{answer} gives Access-Control-Allow-Origin the invalid value '{}'.", c.value),
        AccessFailure::Mismatch => format!("{answer} allows origin '{}', but the request's origin is '{}'.", c.value, c.origin_sent),
        AccessFailure::Credentials => format!(
            "{answer} does not send Access-Control-Allow-Credentials: true (it sends '{}'), and the request includes credentials.",
            c.value
        ),
    }
}

/// How two origins differ, when one looks like a typo of the other.
fn origin_typo(allowed: &str, origin: &str) -> Option<String> {
    if allowed.trim_end_matches('/') == origin && allowed.ends_with('/') {
        return Some("it has a trailing slash: an origin has no path, not even '/'".into());
    }
    if allowed.eq_ignore_ascii_case(origin) {
        return Some("it differs only in letter case, and the comparison is byte for byte".into());
    }
    let (Ok(a), Ok(o)) = (Url::parse(allowed), Url::parse(origin)) else {
        if !allowed.contains("://") && origin.ends_with(allowed) {
            return Some(
                "it has no scheme: write the full origin, with http:// or https://".into(),
            );
        }
        return None;
    };
    if a.host_str().is_none() && origin.contains(allowed) {
        return Some("it has no scheme: write the full origin, with http:// or https://".into());
    }
    let (ah, oh) = (a.host_str().unwrap_or(""), o.host_str().unwrap_or(""));
    if a.scheme() != o.scheme() && ah == oh {
        return Some(format!(
            "the scheme differs ({} instead of {})",
            a.scheme(),
            o.scheme()
        ));
    }
    if ah == oh && a.port_or_known_default() != o.port_or_known_default() {
        return Some("the port differs: the port is part of the origin".into());
    }
    if ah.strip_prefix("www.") == Some(oh) || oh.strip_prefix("www.") == Some(ah) {
        return Some("one has www. and the other not: they are different origins".into());
    }
    if ah == oh && (a.path() != "/" || a.query().is_some()) {
        return Some("it has a path or query: an origin is only scheme://host[:port]".into());
    }
    None
}

/// The finding for a failed CORS check, picking the root cause the status
/// and the exchange point to.
pub fn access_failure(c: &AccessContext<'_>) -> Finding {
    let answer = which(c.preflight);
    let origin = c.page_origin;
    match c.failure {
        AccessFailure::Missing => {
            if c.preflight && matches!(c.status, 401 | 403) {
                return preflight_blocked_by_auth(c.status);
            }
            if c.preflight && matches!(c.status, 404 | 405 | 501) {
                return preflight_not_handled(c.status);
            }
            if c.tainted {
                // After a cross-origin redirect the request carries
                // `Origin: null`, which most allowlists rightly refuse.
                return Finding::new(
                    Slug::MissingAllowOrigin,
                    format!(
                        "{answer} (status {}) has no Access-Control-Allow-Origin header. A redirect from one cross-origin URL to another made the request's Origin 'null', and the server does not allow 'null' (it should not: anyone can send it).",
                        c.status
                    ),
                    "Call the final URL directly instead of through the cross-origin redirect (or make the redirect stay on the first URL's origin).".into(),
                );
            }
            if !c.preflight && c.status >= 400 {
                return Finding::new(
                    Slug::ErrorResponseWithoutCors,
                    format!(
                        "The server answered {} without CORS headers, so the page sees a CORS error instead of the real {} status and body. Error handlers, auth middleware or the framework's default error pages usually skip the CORS layer.",
                        c.status, c.status
                    ),
                    format!("Add Access-Control-Allow-Origin: {origin} to error responses too: mount the CORS middleware first (before auth and error handling), or in nginx use `add_header ... always`."),
                );
            }
            if !c.preflight && c.preflight_passed {
                return Finding::new(
                    Slug::CorsOnPreflightOnly,
                    format!(
                        "The preflight passed, but the {} response (status {}) carries no Access-Control-Allow-Origin. The CORS layer answers OPTIONS but does not decorate the actual responses of this route, or an error path bypasses it.",
                        c.method, c.status
                    ),
                    format!("Send Access-Control-Allow-Origin: {origin} (and Vary: Origin) on every response of this route, not only on OPTIONS: apply the CORS middleware to the whole app, before routing and authentication."),
                );
            }
            Finding::new(
                Slug::MissingAllowOrigin,
                format!(
                    "{answer} (status {}) has no Access-Control-Allow-Origin header, so the browser refuses to hand it to the page. Either CORS is not set up for this route, or a proxy/CDN in front strips the header.",
                    c.status
                ),
                format!("Make the server send Access-Control-Allow-Origin: {origin} (and Vary: Origin) for requests from {origin}; if it already does, compare with a request straight to the origin server to find what strips it."),
            )
        }
        AccessFailure::Wildcard => Finding::new(
            Slug::WildcardWithCredentials,
            "The request includes credentials (cookies, HTTP auth), and the server answers Access-Control-Allow-Origin: *. Browsers never let '*' authorize a credentialed request, even with Access-Control-Allow-Credentials: true.".into(),
            format!("Echo the one allowed origin instead of '*': Access-Control-Allow-Origin: {origin}, Access-Control-Allow-Credentials: true, Vary: Origin, with the origin checked against an allowlist (never echo any origin)."),
        ),
        AccessFailure::Credentials => Finding::new(
            Slug::CredentialsNotAllowed,
            format!(
                "The request includes credentials, so the browser also needs Access-Control-Allow-Credentials: true (exactly, lower-case) on {}; it got {}.",
                if c.preflight { "the preflight answer" } else { "the response" },
                if c.value.is_empty() { "no such header".to_owned() } else { format!("'{}'", c.value) }
            ),
            "Send Access-Control-Allow-Credentials: true on the preflight and on the actual response; or, if the call needs no cookies, drop credentials: 'include' / withCredentials from the frontend.".into(),
        ),
        AccessFailure::Multiple => {
            let lines = count(c.headers, "access-control-allow-origin");
            let explanation = if lines > 1 {
                format!("{answer} carries {lines} Access-Control-Allow-Origin headers ('{}'). Two layers both add CORS headers: typically nginx or a CDN/API gateway and the application.", c.value)
            } else {
                format!("{answer} puts several origins in one Access-Control-Allow-Origin ('{}'). The header takes exactly one origin or '*'; a list is never valid.", c.value)
            };
            let fix = if lines > 1 {
                format!("Let exactly one layer set CORS headers: remove them from the proxy or from the app (or make the proxy replace, not add, them), so a single Access-Control-Allow-Origin: {origin} remains.")
            } else {
                format!("Check the request's Origin against your allowlist on the server and echo only the matching one: Access-Control-Allow-Origin: {origin}, with Vary: Origin.")
            };
            Finding::new(Slug::MultipleAllowOrigin, explanation, fix)
        }
        AccessFailure::Invalid => Finding::new(
            Slug::InvalidAllowOrigin,
            format!("{answer} gives Access-Control-Allow-Origin the value '{}', which is neither '*' nor an origin.", c.value),
            format!("Send a serialized origin such as Access-Control-Allow-Origin: {origin}."),
        ),
        AccessFailure::Mismatch => {
            let mut explanation = format!(
                "{answer} allows '{}', but the request came from '{}'. The browser compares the two byte for byte.",
                c.value, c.origin_sent
            );
            if c.tainted {
                explanation.push_str(" A redirect from one cross-origin URL to another made the request's Origin 'null': only '*' (without credentials) or 'null' can match after such a hop, and trusting 'null' is unsafe.");
                return Finding::new(
                    Slug::OriginMismatch,
                    explanation,
                    "Call the final URL directly instead of through the cross-origin redirect, or serve the redirect's target on the same origin as the first URL.".into(),
                );
            }
            if let Some(typo) = origin_typo(c.value, c.origin_sent) {
                explanation.push_str(&format!(" The allowed value looks like a typo of the page's origin: {typo}."));
            } else {
                explanation.push_str(" The server's allowlist names another origin: often another environment's (staging vs production, localhost) hard-coded.");
            }
            Finding::new(
                Slug::OriginMismatch,
                explanation,
                format!("Allow exactly '{origin}' (scheme, host and port, no trailing slash): echo it in Access-Control-Allow-Origin when it is on your allowlist, with Vary: Origin."),
            )
        }
    }
}

fn preflight_blocked_by_auth(status: u16) -> Finding {
    Finding::new(
        Slug::PreflightBlockedByAuth,
        format!("The preflight was answered {status}. Browsers never send cookies or Authorization on a preflight, so authentication that runs before CORS rejects it."),
        "Answer OPTIONS preflights before authentication: mount the CORS middleware first, or exempt OPTIONS requests carrying Access-Control-Request-Method from auth.".into(),
    )
}

fn preflight_not_handled(status: u16) -> Finding {
    Finding::new(
        Slug::PreflightNotHandled,
        format!("The preflight (OPTIONS) was answered {status}: no route or middleware handles OPTIONS for this URL."),
        "Handle OPTIONS for this path: enable the framework's CORS middleware globally (it answers preflights with 204), or in nginx `if ($request_method = OPTIONS) { return 204; }` with the CORS headers `always`.".into(),
    )
}

/// A preflight answered with a non-2xx status (but with CORS headers).
pub fn preflight_status(status: u16) -> Finding {
    match status {
        401 | 403 => preflight_blocked_by_auth(status),
        404 | 405 | 501 => preflight_not_handled(status),
        _ => Finding::new(
            Slug::PreflightBadStatus,
            format!("The preflight passed the CORS check but was answered {status}; a preflight needs an ok status (200-299)."),
            "Answer the OPTIONS preflight with 204 (or 200) and the CORS headers.".into(),
        ),
    }
}

/// A redirected preflight.
pub fn preflight_redirect(status: u16, location: &str) -> Finding {
    Finding::new(
        Slug::PreflightRedirect,
        format!("The preflight was answered {status} with Location: {location}. Browsers never follow a redirect on a preflight; usual causes are an http→https redirect or a trailing-slash redirect in front of the API."),
        format!("Call the final URL directly ({location}) from the frontend, or make the server answer OPTIONS at this URL without redirecting."),
    )
}

/// ACAM or ACAH that does not parse.
pub fn unparsable(methods: bool, value: &str, token: &str) -> Finding {
    let (slug, name) = if methods {
        (Slug::UnparsableAllowMethods, "Access-Control-Allow-Methods")
    } else {
        (Slug::UnparsableAllowHeaders, "Access-Control-Allow-Headers")
    };
    Finding::new(
        slug,
        format!("{name}: '{value}' is not a comma-separated list of tokens ('{token}' is not one), so the browser rejects the whole preflight."),
        format!("Separate the items with commas only, no quotes or other punctuation, e.g. {name}: {}.", if methods { "GET, POST, PUT" } else { "content-type, authorization" }),
    )
}

/// A method missing from ACAM.
pub fn method_not_allowed(method: &str, acam: Option<&str>, include: bool) -> Finding {
    let listed = acam.unwrap_or("");
    let mut explanation = match acam {
        None => format!("The preflight answer has no Access-Control-Allow-Methods, so only GET, HEAD and POST are allowed; the request uses {method}."),
        Some(v) => format!("Access-Control-Allow-Methods is '{v}', which does not list {method}."),
    };
    let items = crate::allow_list::parse(listed).unwrap_or_default();
    if items.iter().any(|m| m.eq_ignore_ascii_case(method)) {
        explanation.push_str(
            " The method is listed in another letter case, and methods compare case-sensitively.",
        );
    }
    if include && items.contains(&"*") {
        explanation.push_str(" '*' only covers methods on requests without credentials.");
    }
    if method != method.to_ascii_uppercase() {
        explanation.push_str(&format!(" fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT, so '{method}' is sent as written: the frontend should write it in upper case."));
    }
    let upper = method.to_ascii_uppercase();
    Finding::new(
        Slug::MethodNotAllowed,
        explanation,
        format!(
            "Add {upper} to Access-Control-Allow-Methods on the preflight answer{}.",
            if method != upper {
                format!(", and write the method as '{upper}' in the frontend")
            } else {
                String::new()
            }
        ),
    )
}

/// A request header missing from ACAH.
pub fn header_not_allowed(name: &str, acah: Option<&str>, include: bool) -> Finding {
    let mut explanation = match acah {
        None => format!("The preflight answer has no Access-Control-Allow-Headers, and the request sends {name}, which is not CORS-safelisted."),
        Some(v) => format!("Access-Control-Allow-Headers is '{v}', which does not list {name}."),
    };
    if acah.is_some_and(|v| v.split(',').any(|h| h.trim() == "*")) {
        if include {
            explanation.push_str(" '*' only acts as a wildcard on requests without credentials.");
        } else if name == "authorization" {
            explanation.push_str(" '*' never covers Authorization in the Fetch standard.");
        }
    }
    Finding::new(
        Slug::HeaderNotAllowed,
        explanation,
        format!("Add {name} to Access-Control-Allow-Headers on the preflight answer (e.g. Access-Control-Allow-Headers: {}).", suggest_headers(name, acah)),
    )
}

fn suggest_headers(name: &str, acah: Option<&str>) -> String {
    let mut items: Vec<String> = crate::allow_list::parse(acah.unwrap_or(""))
        .unwrap_or_default()
        .into_iter()
        .filter(|h| *h != "*")
        .map(str::to_ascii_lowercase)
        .collect();
    if !items.iter().any(|h| h == name) {
        items.push(name.to_owned());
    }
    items.join(", ")
}

/// Why one request header forces a preflight.
pub fn unsafe_header_reason(name: &str, value: &str) -> String {
    match name {
        "content-type" => format!("header content-type '{value}' is not one of text/plain, multipart/form-data, application/x-www-form-urlencoded"),
        "accept" | "accept-language" | "content-language" | "range"
            if value.chars().count() > request_headers::SAFELISTED_VALUE_MAX =>
        {
            format!("header {name} is longer than 128 bytes")
        }
        "accept" | "accept-language" | "content-language" | "range" => {
            format!("header {name} has a value that is not CORS-safelisted ('{}')", crate::grammar::escape_for_console(value))
        }
        _ => format!("header {name} is not CORS-safelisted"),
    }
}

/// How long the browser caches a preflight answer with this max-age.
pub fn cache_seconds(max_age: Option<&str>, profile: Profile) -> u32 {
    let secs = match max_age.map(str::parse::<i64>) {
        None | Some(Err(_)) => 5,
        Some(Ok(n)) if n < 0 => 0,
        Some(Ok(n)) => n.min(i64::from(u32::MAX)) as u32,
    };
    profile.max_age_cap().map_or(secs, |cap| secs.min(cap))
}

/// No Access-Control-Max-Age on a passing preflight.
pub fn preflight_not_cached() -> Finding {
    Finding::new(
        Slug::PreflightNotCached,
        "The preflight answer has no Access-Control-Max-Age, so browsers cache it for only 5 seconds: nearly every call pays an extra round trip.".into(),
        "Send Access-Control-Max-Age: 7200 on preflight answers (Chrome keeps at most 2 hours, Firefox 24).".into(),
    )
}

/// A max-age above the browser's cap.
pub fn max_age_over_cap(value: i64, cap: u32, profile: Profile) -> Finding {
    Finding::new(
        Slug::MaxAgeOverCap,
        format!(
            "Access-Control-Max-Age is {value}, but {} keeps a preflight at most {cap} seconds.",
            profile.name()
        ),
        format!(
            "Use Access-Control-Max-Age: {cap} or less, so the setting says what really happens."
        ),
    )
}

/// Authorization let through by `Access-Control-Allow-Headers: *`.
pub fn wildcard_authorization() -> Finding {
    Finding::new(
        Slug::WildcardAuthorization,
        "The request sends Authorization, and the preflight answer only allows it through Access-Control-Allow-Headers: *. Chrome and Firefox accept that today with a deprecation warning; the Fetch standard does not, and browsers are moving to it.".into(),
        "List authorization explicitly: Access-Control-Allow-Headers: authorization, plus the other headers you need.".into(),
    )
}

/// The page set Access-Control-* request headers.
pub fn cors_headers_in_request(names: &[&str]) -> Finding {
    Finding::new(
        Slug::CorsHeadersInRequest,
        format!("The page sets {} on the request. Access-Control-Allow-* are response headers: sent by the page they do nothing except force a preflight, and the server must then allow them too.", names.join(", ")),
        "Remove the Access-Control-* headers from the frontend code; configure them on the server.".into(),
    )
}

/// Public CORS proxies people paste in front of APIs (cors-anywhere and the like).
const PUBLIC_CORS_PROXIES: &[&str] = &[
    "cors-anywhere.herokuapp.com",
    "corsproxy.io",
    "api.allorigins.win",
    "allorigins.win",
    "thingproxy.freeboard.io",
    "api.codetabs.com",
    "cors.bridged.cc",
    "proxy.cors.sh",
    "crossorigin.me",
    "cors-proxy.htmldriven.com",
    "yacdn.org",
    "jsonp.afeld.me",
    "cors.io",
    "cors.eu.org",
];

/// The target a request routed through a CORS proxy really calls: a known
/// public proxy host (the target in its path or `url=` parameter), or any
/// URL whose path carries another absolute http(s) URL. (A `url=` parameter
/// alone is not a sign: link-preview and redirect APIs take one.)
pub fn proxied_target(url: &Url) -> Option<String> {
    let host = url.host_str().unwrap_or("");
    // `p` or any subdomain of it; no allocation: this runs for every request.
    let known = PUBLIC_CORS_PROXIES.iter().any(|p| {
        host.strip_suffix(p)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    });
    let path = url.path();
    let in_path = path
        .match_indices("/http")
        .map(|(i, _)| &path[i + 1..])
        .find(|rest| {
            (rest.starts_with("http:/") || rest.starts_with("https:/")) && Url::parse(rest).is_ok()
        })
        .map(str::to_owned);
    if in_path.is_some() {
        return in_path;
    }
    if !known {
        return None;
    }
    let in_query = url
        .query_pairs()
        .find(|(k, v)| (k == "url" || k == "u" || k == "target") && v.starts_with("http"))
        .map(|(_, v)| v.into_owned());
    Some(in_query.unwrap_or_else(|| host.to_owned()))
}

/// A request sent through a public CORS proxy.
pub fn cors_proxy_in_production(url: &Url, target: &str) -> Finding {
    Finding::new(
        Slug::CorsProxyInProduction,
        format!("The request goes through a CORS proxy ({}) to reach {target}. The proxy sees every request and response (tokens and cookies included), can change them, rate-limits, and disappears without notice; it hides the missing CORS setup instead of fixing it.", url.host_str().unwrap_or("")),
        "Call the API directly and make it send the CORS headers for your page's origin; if you do not control the API, put your own server-side proxy on your own origin.".into(),
    )
}

/// A request the browser refuses to make.
pub fn invalid_request(reason: &str) -> Finding {
    Finding::new(
        Slug::InvalidRequest,
        format!("The browser throws before sending anything: {reason}"),
        "Fix the request in the frontend code: a valid, allowed method and header names/values without control characters.".into(),
    )
}

/// A URL scheme CORS does not cover.
pub fn scheme_not_supported(scheme: &str) -> Finding {
    Finding::new(
        Slug::SchemeNotSupported,
        format!("Cross-origin requests work only over http and https; this one uses {scheme}:."),
        "Serve the page and the API over http(s) (e.g. a local dev server instead of file:// pages).".into(),
    )
}

/// An https page calling an http URL.
pub fn mixed_content(url: &Url) -> Finding {
    Finding::new(
        Slug::MixedContent,
        format!("The page is served over https and calls {url} over plain http. The browser blocks it as mixed content before CORS is even considered."),
        "Serve the API over https and call it with an https:// URL.".into(),
    )
}

/// A request to a more private address space.
pub fn local_network_access(page: AddressSpace, target: AddressSpace) -> Finding {
    Finding::new(
        Slug::LocalNetworkAccess,
        format!("A page in the {} address space calls a server in the {} address space. Chrome's Local Network Access blocks this unless the user grants permission.", page.name(), target.name()),
        "Serve the page from the same network as the API, or have users grant the local-network permission; for development, run both on localhost.".into(),
    )
}

/// The same-origin request mode on a cross-origin URL.
pub fn mode_disallows(url: &Url) -> Finding {
    Finding::new(
        Slug::ModeDisallowsCrossOrigin,
        format!("The request sets mode: 'same-origin' and calls {url}, on another origin."),
        "Use mode: 'cors' (the default) for cross-origin calls.".into(),
    )
}

/// A network error that looks like CORS in the console.
pub fn not_a_cors_error(reason: &str) -> Finding {
    Finding::new(
        Slug::NotACorsError,
        format!("This is a network error, not a CORS one: {reason}"),
        "Make the request reach the server first: check the URL, that the server is running and reachable from here, and its TLS certificate. No CORS header helps a request that gets no answer.".into(),
    )
}

/// A redirect to a URL with userinfo.
pub fn redirect_with_credentials(next: &Url) -> Finding {
    Finding::new(
        Slug::RedirectWithCredentials,
        format!("A redirect points to {next}, which has a user name or password in it; browsers refuse that for CORS requests."),
        "Redirect to a URL without user:password@, and authenticate with a header or cookie instead.".into(),
    )
}

/// A response header the page reads that it may not.
pub fn header_not_exposed(name: &str, present: bool, include: bool) -> Finding {
    let lower = name.to_ascii_lowercase();
    let mut explanation = format!("The page reads the response header {name}, but cross-origin pages see only the safelisted ones and those in Access-Control-Expose-Headers: it gets null.");
    if !present {
        explanation.push_str(" (The response does not send it either.)");
    }
    if include {
        explanation.push_str(" With credentials, Access-Control-Expose-Headers: * is a literal name, not a wildcard.");
    }
    if lower == "set-cookie" || lower == "set-cookie2" {
        return Finding::new(
            Slug::HeaderNotExposed,
            format!("{explanation} Set-Cookie is never readable by scripts."),
            "Read the cookie's effect another way (it is stored by the browser); don't try to expose Set-Cookie.".into(),
        );
    }
    Finding::new(
        Slug::HeaderNotExposed,
        explanation,
        format!("Add Access-Control-Expose-Headers: {lower} to the response."),
    )
}

/// A specific ACAO without `Vary: Origin`.
pub fn missing_vary_origin(acao: &str) -> Finding {
    Finding::new(
        Slug::MissingVaryOrigin,
        format!("The response allows the specific origin '{acao}' but has no Vary: Origin, so a shared cache may serve this answer to a page of another origin, which the browser then blocks."),
        "Add Vary: Origin to every response whose Access-Control-Allow-Origin depends on the request's Origin.".into(),
    )
}

/// ACAO `null` accepted.
pub fn null_origin_allowed() -> Finding {
    Finding::new(
        Slug::NullOriginAllowed,
        "The response allows the origin 'null'. Sandboxed iframes, file: pages and cross-origin redirects all send Origin: null, so any site can obtain it.".into(),
        "Never allow 'null': allow the real origins of your pages.".into(),
    )
}

/// An http page trusted with credentials by an https API.
pub fn insecure_origin_trusted(origin: &str) -> Finding {
    let mut f = Finding::new(
        Slug::InsecureOriginTrusted,
        format!("The https API trusts the plain-http origin {origin} with credentials: anyone on the network path can inject script into that page and read the API as the user."),
        "Serve the frontend over https and allow only its https origin.".into(),
    );
    f.severity = Severity::Warning;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_table() {
        let o = "https://app.example.com";
        let cases = [
            ("https://app.example.com/", Some("trailing slash")),
            ("HTTPS://APP.EXAMPLE.COM", Some("letter case")),
            ("http://app.example.com", Some("scheme differs")),
            ("https://app.example.com:8443", Some("port differs")),
            ("https://www.app.example.com", Some("www.")),
            ("app.example.com", Some("no scheme")),
            ("https://other.example.com", None),
        ];
        for (allowed, want) in cases {
            let got = origin_typo(allowed, o);
            match want {
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(w)),
                    "{allowed}: {got:?}"
                ),
                None => assert_eq!(got, None, "{allowed}"),
            }
        }
    }

    #[test]
    fn cors_proxies_are_recognised() {
        let cases = [
            (
                "https://cors-anywhere.herokuapp.com/https://api.example.com/x",
                Some("https://api.example.com/x"),
            ),
            (
                "https://corsproxy.io/?url=https://api.example.com/x",
                Some("https://api.example.com/x"),
            ),
            (
                "https://api.allorigins.win/raw?url=https%3A%2F%2Fapi.example.com%2F",
                Some("https://api.example.com/"),
            ),
            (
                "https://my-proxy.example.net/https://api.example.com/x",
                Some("https://api.example.com/x"),
            ),
            ("https://corsproxy.io/", Some("corsproxy.io")),
            ("https://api.example.com/v1/users?next=2", None),
            ("https://api.example.com/v1/redirect?url=/home", None),
            (
                "https://api.example.com/v1/preview?url=https://site.example/",
                None,
            ),
        ];
        for (url, want) in cases {
            let got = proxied_target(&Url::parse(url).unwrap());
            assert_eq!(got.as_deref(), want, "{url}");
        }
    }

    #[test]
    fn cache_seconds_caps() {
        assert_eq!(cache_seconds(None, Profile::Chrome), 5);
        assert_eq!(cache_seconds(Some("-1"), Profile::Chrome), 0);
        assert_eq!(cache_seconds(Some("86400"), Profile::Chrome), 7200);
        assert_eq!(cache_seconds(Some("86400"), Profile::Firefox), 86400);
        assert_eq!(cache_seconds(Some("abc"), Profile::Firefox), 5);
    }
}
