//! The CORS check on a response (the preflight's or the actual one's), with
//! Chrome's choice among its origin and credentials errors.

use url::Url;

use crate::cors_error::CorsError;
use crate::profile::Profile;
use crate::response_headers::{combined, count, HeaderPairs};

/// Which of the access-check errors fired, before it is told apart as a
/// preflight or actual-response error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessFailure {
    /// `*` with credentials mode `include`.
    Wildcard,
    /// No `Access-Control-Allow-Origin`.
    Missing,
    /// Several values (a space or comma in it, or several lines).
    Multiple,
    /// A value that is not a URL.
    Invalid,
    /// A value that is not the request's origin.
    Mismatch,
    /// Credentials mode `include` without `Access-Control-Allow-Credentials: true`.
    Credentials,
}

impl AccessFailure {
    /// The Chrome error, for a preflight or an actual response.
    pub fn cors_error(self, preflight: bool) -> CorsError {
        use CorsError::*;
        match (self, preflight) {
            (AccessFailure::Wildcard, false) => WildcardOriginNotAllowed,
            (AccessFailure::Wildcard, true) => PreflightWildcardOriginNotAllowed,
            (AccessFailure::Missing, false) => MissingAllowOriginHeader,
            (AccessFailure::Missing, true) => PreflightMissingAllowOriginHeader,
            (AccessFailure::Multiple, false) => MultipleAllowOriginValues,
            (AccessFailure::Multiple, true) => PreflightMultipleAllowOriginValues,
            (AccessFailure::Invalid, false) => InvalidAllowOriginValue,
            (AccessFailure::Invalid, true) => PreflightInvalidAllowOriginValue,
            (AccessFailure::Mismatch, false) => AllowOriginMismatch,
            (AccessFailure::Mismatch, true) => PreflightAllowOriginMismatch,
            (AccessFailure::Credentials, false) => InvalidAllowCredentials,
            (AccessFailure::Credentials, true) => PreflightInvalidAllowCredentials,
        }
    }
}

/// A failed check: what failed and the value Chrome reports with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessError {
    /// What failed.
    pub failure: AccessFailure,
    /// Chrome's failed parameter ("" when none).
    pub parameter: String,
}

/// Runs the CORS check of `response` for a request from `origin` (its
/// serialization: `null` once tainted) with or without credentials.
/// Fetch §4.9 CORS check; Chromium `network::cors::CheckAccess`, Firefox
/// `nsCORSListenerProxy::CheckRequestApproved`.
pub fn check(
    response: &HeaderPairs,
    origin: &str,
    include_credentials: bool,
    profile: Profile,
) -> Result<(), AccessError> {
    let fail = |failure, parameter: &str| {
        Err(AccessError {
            failure,
            parameter: parameter.to_owned(),
        })
    };
    // Fetch §4.9 steps 1-4: one Allow-Origin, `*` only without credentials,
    // else exactly the request's serialized origin.
    let acao = combined(response, "access-control-allow-origin");
    if profile == Profile::Safari {
        return check_webkit(acao.as_deref(), response, origin, include_credentials);
    }
    let lines = count(response, "access-control-allow-origin");
    match acao.as_deref() {
        None => return fail(AccessFailure::Missing, ""),
        Some("*") if lines == 1 => {
            if include_credentials {
                return fail(AccessFailure::Wildcard, "");
            }
            return Ok(());
        }
        Some(value) if value != origin => {
            // Firefox counts header lines; a single `a, b` is a mismatch there.
            let multiple = match profile {
                Profile::Firefox => lines > 1,
                _ => value.contains([' ', ',']),
            };
            if multiple {
                return fail(AccessFailure::Multiple, value);
            }
            // Firefox only compares: every other value "does not match".
            if value == "null" || profile == Profile::Firefox {
                return fail(AccessFailure::Mismatch, value);
            }
            // Chromium's CheckAccess tells an unparsable value from a mismatch;
            // the standard only compares.
            if !is_valid_url_bytes(value) {
                return fail(AccessFailure::Invalid, value);
            }
            return fail(AccessFailure::Mismatch, value);
        }
        Some(_) => {}
    }
    // Fetch §4.9 steps 5-8: with credentials, Allow-Credentials is `true`.
    if include_credentials {
        let acac = combined(response, "access-control-allow-credentials");
        if acac.as_deref() != Some("true") {
            return fail(AccessFailure::Credentials, acac.as_deref().unwrap_or(""));
        }
    }
    Ok(())
}

/// WebKit's check (`passesAccessControlCheck`) on the joined value: `*`
/// passes without credentials; anything but the origin fails, as a
/// wildcard with credentials, several origins (a comma), or a mismatch.
fn check_webkit(
    acao: Option<&str>,
    response: &HeaderPairs,
    origin: &str,
    include_credentials: bool,
) -> Result<(), AccessError> {
    let fail = |failure, parameter: &str| {
        Err(AccessError {
            failure,
            parameter: parameter.to_owned(),
        })
    };
    match acao {
        Some("*") if !include_credentials => return Ok(()),
        Some(v) if v == origin => {}
        Some("*") => return fail(AccessFailure::Wildcard, ""),
        Some(v) if v.contains(',') => return fail(AccessFailure::Multiple, v),
        Some(v) => return fail(AccessFailure::Mismatch, v),
        None => return fail(AccessFailure::Missing, ""),
    }
    if include_credentials {
        let acac = combined(response, "access-control-allow-credentials");
        if acac.as_deref() != Some("true") {
            return fail(AccessFailure::Credentials, acac.as_deref().unwrap_or(""));
        }
    }
    Ok(())
}

/// Whether Chrome's URL parser accepts the header value: its bytes must be
/// UTF-8 (a raw Latin-1 byte such as 0xE4 makes it invalid) and parse as a URL.
fn is_valid_url_bytes(value: &str) -> bool {
    let bytes: Option<Vec<u8>> = value.chars().map(|c| u8::try_from(c as u32).ok()).collect();
    match bytes.map(String::from_utf8) {
        Some(Ok(text)) => Url::parse(&text).is_ok(),
        Some(Err(_)) => false,
        // Not a byte string at all; the scenario loader refuses these.
        None => Url::parse(value).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccessFailure::*;

    const O: &str = "http://app.example.test:8001";

    type Outcome = Result<(), (AccessFailure, String)>;
    /// (response headers, credentials included, expected outcome)
    type Case = (Vec<(&'static str, &'static str)>, bool, Outcome);

    fn run(pairs: &[(&str, &str)], include: bool) -> Outcome {
        let list: Vec<(String, String)> = pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        check(&list, O, include, Profile::Chrome).map_err(|e| (e.failure, e.parameter))
    }

    #[test]
    fn chrome_check_access_table() {
        let acao = "Access-Control-Allow-Origin";
        let acac = "Access-Control-Allow-Credentials";
        let e = |f, p: &str| Err((f, p.to_string()));
        let cases: Vec<Case> = vec![
            (vec![], false, e(Missing, "")),
            (vec![(acao, "*")], false, Ok(())),
            (vec![(acao, "*")], true, e(Wildcard, "")),
            (vec![(acao, "*"), (acac, "true")], true, e(Wildcard, "")),
            (vec![(acao, O)], false, Ok(())),
            (vec![(acao, O)], true, e(Credentials, "")),
            (
                vec![(acao, O), (acac, "TRUE")],
                true,
                e(Credentials, "TRUE"),
            ),
            (vec![(acao, O), (acac, "true")], true, Ok(())),
            (
                vec![(acao, O), (acac, "true"), (acac, "true")],
                true,
                e(Credentials, "true, true"),
            ),
            (
                vec![(acao, "http://app.example.test:8001/")],
                false,
                e(Mismatch, "http://app.example.test:8001/"),
            ),
            (vec![(acao, "null")], false, e(Mismatch, "null")),
            (vec![(acao, "")], false, e(Invalid, "")),
            (vec![(acao, "*, *")], false, e(Multiple, "*, *")),
            (
                vec![(acao, O), (acao, O)],
                false,
                e(Multiple, &format!("{O}, {O}")),
            ),
            (vec![(acao, "*"), (acao, "*")], false, e(Multiple, "*, *")),
            (
                vec![(acao, "app.example.test:8001")],
                false,
                e(Mismatch, "app.example.test:8001"),
            ),
            (vec![(acao, "*x")], false, e(Invalid, "*x")),
            (
                vec![(acao, "http://\u{e4}pp.test")],
                false,
                e(Invalid, "http://\u{e4}pp.test"),
            ),
            (
                vec![(acao, "http://\u{c3}\u{a4}pp.test")],
                false,
                e(Mismatch, "http://\u{c3}\u{a4}pp.test"),
            ),
        ];
        for (headers, include, want) in cases {
            assert_eq!(
                run(&headers, include),
                want,
                "{headers:?} include={include}"
            );
        }
    }
}
