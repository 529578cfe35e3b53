//! Reads a browser's console line for a CORS failure (Chrome's "Access to
//! fetch at …", Firefox's "Cross-Origin Request Blocked: …", Safari's two
//! lines) back into what it says, and turns it into the check to run.
//!
//! The input is what users paste: possibly several lines (Chrome's second
//! `net::ERR_FAILED` line, Firefox's "(Reason: CORS request did not
//! succeed)" line, a `file.js:12` location before the text). The first
//! line that is recognised wins. Every search is a single forward or
//! backward scan, so the cost is linear in the input, which is refused past
//! [`MAX_INPUT`] bytes.

use corsair_core::scenario::Initiator;

/// The longest paste read, in bytes.
pub const MAX_INPUT: usize = 64 * 1024;

/// The value given to a header whose name is known from the console line
/// but whose value is not.
pub const PLACEHOLDER: &str = "placeholder";

/// Which browser wrote the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Browser {
    /// Chrome, Edge, other Chromium browsers.
    Chrome,
    /// Firefox.
    Firefox,
    /// Safari (WebKit).
    Safari,
}

/// What made the request, when the line says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineInitiator {
    /// `fetch()`.
    Fetch,
    /// `XMLHttpRequest`.
    Xhr,
    /// Another kind Chrome names (`script`, `image`, `font`, …).
    Other(String),
}

/// Why the browser blocked, as its line says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleReason {
    /// No `Access-Control-Allow-Origin`; the status when the line gives it.
    MissingAllowOrigin {
        /// Firefox's and Safari's "Status code: N".
        status: Option<u16>,
    },
    /// Several `Access-Control-Allow-Origin` values.
    MultipleAllowOrigin {
        /// The values, when the line quotes them.
        value: Option<String>,
    },
    /// An `Access-Control-Allow-Origin` that is not an origin.
    InvalidAllowOrigin {
        /// The value.
        value: String,
    },
    /// `Access-Control-Allow-Origin` names another origin.
    AllowOriginMismatch {
        /// The value, when the line quotes it.
        value: Option<String>,
    },
    /// `*` in `Access-Control-Allow-Origin` on a credentialed request.
    WildcardWithCredentials,
    /// `Access-Control-Allow-Credentials` is not `true` on a credentialed request.
    AllowCredentials {
        /// The value, when the line quotes it.
        value: Option<String>,
    },
    /// The preflight's status is not 2xx.
    PreflightStatus {
        /// The status, when the line gives it.
        status: Option<u16>,
    },
    /// The preflight was redirected.
    PreflightRedirect,
    /// `Access-Control-Allow-Methods` does not parse.
    InvalidAllowMethods {
        /// The bad token (Firefox names it).
        token: Option<String>,
    },
    /// `Access-Control-Allow-Headers` does not parse.
    InvalidAllowHeaders {
        /// The bad token (Firefox names it).
        token: Option<String>,
    },
    /// The method is not allowed by the preflight.
    MethodNotAllowed {
        /// The method (Firefox does not name it).
        method: Option<String>,
    },
    /// A request header is not allowed by the preflight.
    HeaderNotAllowed {
        /// The header's name.
        header: String,
    },
    /// A redirect the browser refuses (userinfo, or Firefox's external redirect).
    RedirectRefused,
    /// The scheme does not support CORS (or the request mode forbids it).
    SchemeOrMode,
    /// Local Network Access.
    LocalNetwork,
    /// Firefox's "CORS request did not succeed" (a network error, no reason).
    DidNotSucceed,
    /// A line of the right shape whose reason is not one Corsair knows.
    Other(String),
}

/// A console line, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleLine {
    /// Which browser wrote it.
    pub browser: Browser,
    /// The URL whose answer failed (the last of a redirect chain).
    pub url: String,
    /// The first URL, when Chrome says the request was redirected.
    pub redirected_from: Option<String>,
    /// The page's origin (Chrome and Safari name it; Firefox does not).
    pub origin: Option<String>,
    /// What made the request, when the line says.
    pub initiator: Option<LineInitiator>,
    /// Whether the line says a preflight was sent (so the request was not simple).
    pub preflight: bool,
    /// Why it was blocked.
    pub reason: ConsoleReason,
}

/// Why a paste cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConsoleError {
    /// Longer than [`MAX_INPUT`].
    #[error("the console text is {0} bytes; at most {MAX_INPUT} are read (paste the one line that says why the request was blocked)")]
    TooLong(usize),
    /// Nothing in it looks like a CORS console line.
    #[error("no CORS console line recognised (expected Chrome's \"Access to fetch at '…' from origin '…' has been blocked by CORS policy: …\", Firefox's \"Cross-Origin Request Blocked: …\" or Safari's \"… cannot load … due to access control checks.\")")]
    NotRecognised,
}

const CHROME_START: &str = "Access to ";
const CHROME_BLOCKED: &str = "' has been blocked by CORS policy: ";
const CHROME_FROM: &str = " from origin '";
const CHROME_REDIRECTED: &str = "' (redirected from '";
const CHROME_PREFLIGHT: &str = "Response to preflight request doesn't pass access control check: ";
const FIREFOX_START: &str =
    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ";
const FIREFOX_REASON: &str = ". (Reason: ";
const SAFARI_LOAD: &str = " cannot load ";
const SAFARI_CHECKS: &str = " due to access control checks.";

/// Reads the first recognisable CORS console line of `text`.
pub fn parse(text: &str) -> Result<ConsoleLine, ConsoleError> {
    if text.len() > MAX_INPUT {
        return Err(ConsoleError::TooLong(text.len()));
    }
    // Safari's reason comes on the line before its "cannot load" line.
    let mut safari_reason: Option<(ConsoleReason, Option<String>)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(found) = chrome(line)
            .or_else(|| firefox(line))
            .or_else(|| chrome_renderer(line))
        {
            return Ok(found);
        }
        if let Some((url, initiator)) = safari_load(line) {
            let (reason, origin) = safari_reason
                .take()
                .unwrap_or((ConsoleReason::Other(String::new()), None));
            let preflight = matches!(
                reason,
                ConsoleReason::PreflightStatus { .. }
                    | ConsoleReason::MethodNotAllowed { .. }
                    | ConsoleReason::HeaderNotAllowed { .. }
            );
            return Ok(ConsoleLine {
                browser: Browser::Safari,
                url,
                redirected_from: None,
                origin,
                initiator: Some(initiator),
                preflight,
                reason,
            });
        }
        if let Some(r) = safari_reason_line(line) {
            safari_reason = Some(r);
        }
    }
    Err(ConsoleError::NotRecognised)
}

fn chrome(line: &str) -> Option<ConsoleLine> {
    // DevTools may put the script's location before the text.
    let start = line.find(CHROME_START)?;
    let rest = line.get(start + CHROME_START.len()..)?;
    let (kind, rest) = rest.split_once(" at '")?;
    let blocked = rest.find(CHROME_BLOCKED)?;
    let head = rest.get(..blocked)?;
    let text = rest.get(blocked + CHROME_BLOCKED.len()..)?;
    let from = head.rfind(CHROME_FROM)?;
    let origin = head.get(from + CHROME_FROM.len()..)?;
    let mut url = head.get(..from)?;
    let mut redirected_from = None;
    if let Some(r) = url.find(CHROME_REDIRECTED) {
        let original = url.get(r + CHROME_REDIRECTED.len()..)?;
        redirected_from = Some(original.strip_suffix("')")?.to_owned());
        url = url.get(..r)?;
    } else {
        url = url.strip_suffix('\'')?;
    }
    let initiator = match kind {
        "fetch" => LineInitiator::Fetch,
        "XMLHttpRequest" => LineInitiator::Xhr,
        other => LineInitiator::Other(other.to_owned()),
    };
    let (preflight, text) = match text.strip_prefix(CHROME_PREFLIGHT) {
        Some(t) => (true, t),
        None => (false, text),
    };
    let reason = chrome_reason(text);
    let preflight = preflight
        || matches!(
            reason,
            ConsoleReason::MethodNotAllowed { .. }
                | ConsoleReason::HeaderNotAllowed { .. }
                | ConsoleReason::InvalidAllowMethods { .. }
                | ConsoleReason::InvalidAllowHeaders { .. }
        );
    Some(ConsoleLine {
        browser: Browser::Chrome,
        url: url.to_owned(),
        redirected_from,
        origin: Some(origin.to_owned()),
        initiator: Some(initiator),
        preflight,
        reason,
    })
}

/// Chrome's renderer-side `fetch()` lines ("Fetch API cannot load URL.
/// Request mode is \"same-origin\" but …", "… URL scheme \"x\" is not
/// supported.", "… Request mode is \"no-cors\" but the redirect mode …").
fn chrome_renderer(line: &str) -> Option<ConsoleLine> {
    const START: &str = "Fetch API cannot load ";
    const ORIGIN: &str = " is not same as the request origin ";
    let start = line.find(START)?;
    let rest = line.get(start + START.len()..)?;
    let end = [". Request mode is ", ". URL scheme "]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()?;
    let url = rest.get(..end)?;
    let origin = rest
        .rfind(ORIGIN)
        .and_then(|at| rest.get(at + ORIGIN.len()..))
        .map(|o| o.trim_end_matches('.').to_owned());
    Some(ConsoleLine {
        browser: Browser::Chrome,
        url: url.to_owned(),
        redirected_from: None,
        origin,
        initiator: Some(LineInitiator::Fetch),
        preflight: false,
        reason: ConsoleReason::SchemeOrMode,
    })
}

/// The text between `before` and the last `after` in `text`.
fn between<'a>(text: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(before)?;
    let end = rest.rfind(after)?;
    rest.get(..end)
}

fn chrome_reason(text: &str) -> ConsoleReason {
    use ConsoleReason as R;
    if text.starts_with("The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard") {
        return R::WildcardWithCredentials;
    }
    if text.starts_with("No 'Access-Control-Allow-Origin' header is present") {
        return R::MissingAllowOrigin { status: None };
    }
    if let Some(v) = between(
        text,
        "The 'Access-Control-Allow-Origin' header contains multiple values '",
        "', but only one is allowed.",
    ) {
        return R::MultipleAllowOrigin {
            value: Some(v.to_owned()),
        };
    }
    if let Some(v) = between(
        text,
        "The 'Access-Control-Allow-Origin' header contains the invalid value '",
        "'.",
    ) {
        return R::InvalidAllowOrigin {
            value: v.to_owned(),
        };
    }
    if let Some(v) = between(
        text,
        "The 'Access-Control-Allow-Origin' header has a value '",
        "' that is not equal to the supplied origin.",
    ) {
        return R::AllowOriginMismatch {
            value: Some(v.to_owned()),
        };
    }
    if let Some(v) = between(
        text,
        "The value of the 'Access-Control-Allow-Credentials' header in the response is '",
        "' which must be 'true'",
    ) {
        return R::AllowCredentials {
            value: Some(v.to_owned()),
        };
    }
    if text.starts_with("It does not have HTTP ok status.") {
        return R::PreflightStatus { status: None };
    }
    if text.starts_with("Redirect is not allowed for a preflight request.") {
        return R::PreflightRedirect;
    }
    if text.starts_with("Cannot parse Access-Control-Allow-Methods") {
        return R::InvalidAllowMethods { token: None };
    }
    if text.starts_with("Cannot parse Access-Control-Allow-Headers") {
        return R::InvalidAllowHeaders { token: None };
    }
    if let Some(m) = between(
        text,
        "Method ",
        " is not allowed by Access-Control-Allow-Methods",
    ) {
        return R::MethodNotAllowed {
            method: Some(m.to_owned()),
        };
    }
    if let Some(h) = between(
        text,
        "Request header field ",
        " is not allowed by Access-Control-Allow-Headers",
    ) {
        return R::HeaderNotAllowed {
            header: h.to_owned(),
        };
    }
    if text.starts_with("Redirect location '") {
        return R::RedirectRefused;
    }
    if text.starts_with("Cross origin requests are") {
        return R::SchemeOrMode;
    }
    if text.starts_with("The request client is not a secure context")
        || text.starts_with("Request had a target IP address space")
        || text.starts_with("Permission was denied for this request to access")
        || text.contains("Access-Control-Allow-Private-Network")
    {
        return R::LocalNetwork;
    }
    R::Other(text.to_owned())
}

fn firefox(line: &str) -> Option<ConsoleLine> {
    let start = line.find(FIREFOX_START)?;
    let rest = line.get(start + FIREFOX_START.len()..)?;
    let at = rest.find(FIREFOX_REASON)?;
    let url = rest.get(..at)?;
    // The credentials line quotes its URL.
    let url = url
        .strip_prefix('‘')
        .and_then(|u| u.strip_suffix('’'))
        .unwrap_or(url);
    let text = rest.get(at + FIREFOX_REASON.len()..)?;
    let reason = firefox_reason(text);
    let preflight = matches!(
        reason,
        ConsoleReason::PreflightStatus { .. }
            | ConsoleReason::MethodNotAllowed { .. }
            | ConsoleReason::HeaderNotAllowed { .. }
            | ConsoleReason::InvalidAllowMethods { .. }
            | ConsoleReason::InvalidAllowHeaders { .. }
    );
    Some(ConsoleLine {
        browser: Browser::Firefox,
        url: url.to_owned(),
        redirected_from: None,
        origin: None,
        initiator: None,
        preflight,
        reason,
    })
}

/// "Status code: N" at the end of a line.
fn status_code(text: &str) -> Option<u16> {
    let at = text.rfind("Status code: ")?;
    let digits = text.get(at + "Status code: ".len()..)?;
    let digits = digits.trim_end_matches('.');
    digits.trim().parse().ok()
}

fn firefox_reason(text: &str) -> ConsoleReason {
    use ConsoleReason as R;
    if text.starts_with("CORS header ‘Access-Control-Allow-Origin’ missing)") {
        return R::MissingAllowOrigin {
            status: status_code(text),
        };
    }
    if text.starts_with("Multiple CORS header ‘Access-Control-Allow-Origin’") {
        return R::MultipleAllowOrigin { value: None };
    }
    if let Some(v) = between(
        text,
        "CORS header ‘Access-Control-Allow-Origin’ does not match ‘",
        "’).",
    ) {
        return R::AllowOriginMismatch {
            value: Some(v.to_owned()),
        };
    }
    if text.starts_with(
        "Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’",
    ) {
        return R::WildcardWithCredentials;
    }
    if text.starts_with("expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’")
    {
        return R::AllowCredentials { value: None };
    }
    if text.starts_with("CORS preflight response did not succeed)") {
        return R::PreflightStatus {
            status: status_code(text),
        };
    }
    if let Some(t) = between(
        text,
        "invalid token ‘",
        "’ in CORS header ‘Access-Control-Allow-Methods’).",
    ) {
        return R::InvalidAllowMethods {
            token: Some(t.to_owned()),
        };
    }
    if let Some(t) = between(
        text,
        "invalid token ‘",
        "’ in CORS header ‘Access-Control-Allow-Headers’).",
    ) {
        return R::InvalidAllowHeaders {
            token: Some(t.to_owned()),
        };
    }
    if text.starts_with("Did not find method in CORS header ‘Access-Control-Allow-Methods’") {
        return R::MethodNotAllowed { method: None };
    }
    if let Some(h) = between(
        text,
        "header ‘",
        "’ is not allowed according to header ‘Access-Control-Allow-Headers’",
    ) {
        return R::HeaderNotAllowed {
            header: h.to_owned(),
        };
    }
    if text.starts_with("CORS request external redirect not allowed)") {
        return R::RedirectRefused;
    }
    if text.starts_with("CORS request not http)") || text.starts_with("CORS disabled)") {
        return R::SchemeOrMode;
    }
    if text.starts_with("CORS request did not succeed)") {
        return R::DidNotSucceed;
    }
    R::Other(text.trim_end_matches('.').trim_end_matches(')').to_owned())
}

/// Safari's loader line: "Fetch API cannot load URL due to access control
/// checks." (or `XMLHttpRequest`).
fn safari_load(line: &str) -> Option<(String, LineInitiator)> {
    let load = line.find(SAFARI_LOAD)?;
    let kind = line.get(..load)?;
    let initiator = if kind.ends_with("Fetch API") {
        LineInitiator::Fetch
    } else if kind.ends_with("XMLHttpRequest") {
        LineInitiator::Xhr
    } else {
        return None;
    };
    let rest = line.get(load + SAFARI_LOAD.len()..)?;
    let end = rest.find(SAFARI_CHECKS)?;
    Some((rest.get(..end)?.to_owned(), initiator))
}

/// Safari's reason line (the one before its loader line), and the origin
/// when it names one.
fn safari_reason_line(line: &str) -> Option<(ConsoleReason, Option<String>)> {
    use ConsoleReason as R;
    // The console may prefix "[Error] ".
    let line = line.strip_prefix("[Error]").map_or(line, str::trim_start);
    if let Some(rest) = line.strip_prefix("Origin ") {
        let end = rest.find(" is not allowed by Access-Control-Allow-Origin.")?;
        let origin = rest.get(..end)?.to_owned();
        return Some((R::AllowOriginMismatch { value: None }, Some(origin)));
    }
    if line.starts_with("Preflight response is not successful.") {
        return Some((
            R::PreflightStatus {
                status: status_code(line),
            },
            None,
        ));
    }
    if let Some(m) = between(
        line,
        "Method ",
        " is not allowed by Access-Control-Allow-Methods.",
    ) {
        return Some((
            R::MethodNotAllowed {
                method: Some(m.to_owned()),
            },
            None,
        ));
    }
    if let Some(h) = between(
        line,
        "Request header field ",
        " is not allowed by Access-Control-Allow-Headers.",
    ) {
        return Some((
            R::HeaderNotAllowed {
                header: h.to_owned(),
            },
            None,
        ));
    }
    if line.starts_with("Access-Control-Allow-Origin cannot contain more than one origin.") {
        return Some((R::MultipleAllowOrigin { value: None }, None));
    }
    if line.starts_with("Credentials flag is true, but Access-Control-Allow-Credentials is not") {
        return Some((R::AllowCredentials { value: None }, None));
    }
    if line.starts_with(
        "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.",
    ) {
        return Some((R::WildcardWithCredentials, None));
    }
    if line.starts_with("Cross-origin redirection to ") {
        return Some((R::RedirectRefused, None));
    }
    // WebKit quotes an unparsable list whole, not the bad token.
    if line.starts_with("Header Access-Control-Allow-Methods has an invalid value:") {
        return Some((R::InvalidAllowMethods { token: None }, None));
    }
    if line.starts_with("Header Access-Control-Allow-Headers has an invalid value:") {
        return Some((R::InvalidAllowHeaders { token: None }, None));
    }
    if line.starts_with("Load cannot follow more than 20 redirections") {
        return Some((R::DidNotSucceed, None));
    }
    if let Some(rest) = line.strip_prefix("Unsafe attempt to load URL ") {
        let origin = rest
            .split_once(" from origin ")
            .and_then(|(_, o)| o.strip_suffix(". Domains, protocols and ports must match."));
        return Some((R::SchemeOrMode, origin.map(str::to_owned)));
    }
    None
}

/// The check a console line calls for: what to send, and what the line
/// could not tell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsolePlan {
    /// The URL to check: the one the page requested (the first of a
    /// redirect chain, which the check follows again).
    pub url: String,
    /// The page's origin, when the line names it.
    pub origin: Option<String>,
    /// The method, when the line names it.
    pub method: Option<String>,
    /// Headers the line names, with [`PLACEHOLDER`] values.
    pub headers: Vec<(String, String)>,
    /// Whether the line says the request was credentialed.
    pub credentials: bool,
    /// `XMLHttpRequest` when the line says so, else `fetch()`.
    pub initiator: Initiator,
    /// What the user should add because the line does not say it.
    pub notes: Vec<String>,
}

impl ConsoleLine {
    /// The check to run for this failure (see [`ConsolePlan`]).
    pub fn plan(&self) -> ConsolePlan {
        use ConsoleReason as R;
        let mut plan = ConsolePlan {
            url: self
                .redirected_from
                .clone()
                .unwrap_or_else(|| self.url.clone()),
            origin: self.origin.clone(),
            initiator: match self.initiator {
                Some(LineInitiator::Xhr) => Initiator::Xhr,
                _ => Initiator::Fetch,
            },
            ..ConsolePlan::default()
        };
        match &self.reason {
            R::MethodNotAllowed { method: Some(m) } => plan.method = Some(m.clone()),
            R::HeaderNotAllowed { header } => {
                let value = if header.eq_ignore_ascii_case("content-type") {
                    "application/json"
                } else {
                    PLACEHOLDER
                };
                plan.headers.push((header.clone(), value.to_owned()));
                plan.notes.push(format!(
                    "the header's value is a placeholder: the console line names only `{header}`"
                ));
            }
            R::WildcardWithCredentials | R::AllowCredentials { .. } => plan.credentials = true,
            _ => {}
        }
        if self.preflight && plan.method.is_none() && plan.headers.is_empty() {
            plan.notes.push(
                "a preflight was sent, so the request was not simple, but the line does not say why: add the page's method (-X PUT) and the headers its code sets (-H 'Authorization: …', -H 'Content-Type: application/json')".to_owned(),
            );
        } else if self.preflight && plan.method.is_none() {
            plan.notes.push(
                "the method is not named; if the page uses another than GET, add it with -X"
                    .to_owned(),
            );
        }
        if let R::MethodNotAllowed { method: None } = &self.reason {
            plan.notes.push(
                "Firefox does not name the refused method: add the page's method with -X"
                    .to_owned(),
            );
        }
        if !plan.credentials {
            plan.notes.push(
                "credentials are unknown from the console line: add --credentials if the page sends cookies (credentials: 'include', withCredentials)".to_owned(),
            );
        }
        if let Some(from) = &self.redirected_from {
            plan.notes.push(format!(
                "the page requested {from}, which redirected to {}, where it failed: the check starts where the page did and follows the redirects",
                self.url
            ));
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrome_method_line_with_location_and_second_line() {
        let text = "app.js:12  Access to fetch at 'https://api.test/x?a='b'' from origin 'https://app.test' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.\napp.js:12  PUT https://api.test/x net::ERR_FAILED";
        let line = parse(text).unwrap();
        assert_eq!(line.browser, Browser::Chrome);
        assert_eq!(line.url, "https://api.test/x?a='b'");
        assert_eq!(line.origin.as_deref(), Some("https://app.test"));
        assert!(line.preflight);
        let plan = line.plan();
        assert_eq!(plan.method.as_deref(), Some("PUT"));
    }

    #[test]
    fn a_redirected_request_is_checked_from_where_the_page_started() {
        let text = "Access to fetch at 'https://api.test/v2/x' (redirected from 'https://api.test/x') from origin 'https://app.test' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.";
        let line = parse(text).unwrap();
        assert_eq!(line.url, "https://api.test/v2/x");
        assert_eq!(line.redirected_from.as_deref(), Some("https://api.test/x"));
        let plan = line.plan();
        assert_eq!(plan.url, "https://api.test/x");
        assert!(plan.notes.iter().any(|n| n.contains("redirected to")));
    }

    #[test]
    fn too_long_is_refused() {
        let text = "x".repeat(MAX_INPUT + 1);
        assert_eq!(parse(&text), Err(ConsoleError::TooLong(MAX_INPUT + 1)));
        assert_eq!(parse("hello"), Err(ConsoleError::NotRecognised));
    }

    #[test]
    fn safari_two_lines() {
        let text = "[Error] Origin http://app.test:8001 is not allowed by Access-Control-Allow-Origin. Status code: 200\n[Error] Fetch API cannot load http://api.test:8002/x due to access control checks.";
        let line = parse(text).unwrap();
        assert_eq!(line.browser, Browser::Safari);
        assert_eq!(line.url, "http://api.test:8002/x");
        assert_eq!(line.origin.as_deref(), Some("http://app.test:8001"));
        let text = "Request header field X-Api-Key is not allowed by Access-Control-Allow-Headers.\nXMLHttpRequest cannot load http://api.test/y due to access control checks.";
        let line = parse(text).unwrap();
        assert_eq!(line.initiator, Some(LineInitiator::Xhr));
        assert_eq!(
            line.reason,
            ConsoleReason::HeaderNotAllowed {
                header: "X-Api-Key".into()
            }
        );
    }
}
