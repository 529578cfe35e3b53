//! Firefox's first console line for a CORS failure (from its
//! `security.properties`; the reason-naming line).

/// Why Firefox blocked, with what its message quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason<'a> {
    /// No ACAO; the status of the response that lacked it.
    MissingAllowOrigin(u16),
    /// Several ACAO header lines.
    MultipleAllowOrigin,
    /// ACAO is not the request's origin; its value.
    AllowOriginNotMatching(&'a str),
    /// `*` with credentials.
    NotSupportingCredentials,
    /// ACAC is not `true`.
    MissingAllowCredentials,
    /// The preflight's status is not 2xx.
    PreflightDidNotSucceed(u16),
    /// A token of ACAM does not parse.
    InvalidAllowMethod(&'a str),
    /// A token of ACAH does not parse.
    InvalidAllowHeader(&'a str),
    /// The method is not in ACAM.
    MethodNotFound,
    /// A header is not in ACAH.
    MissingAllowHeader(&'a str),
    /// A redirect Firefox refuses.
    ExternalRedirectNotAllowed,
    /// Not http(s).
    RequestNotHttp,
    /// A network error on the way (a redirect Firefox refuses, too many
    /// redirects): it names the URL it last fetched.
    DidNotSucceed,
}

/// Firefox decodes header bytes as UTF-8, each invalid byte becoming U+FFFD.
/// Our strings hold one byte per char (U+0000 to U+00FF).
fn as_firefox_shows(value: &str) -> std::borrow::Cow<'_, str> {
    if value.is_ascii() {
        return std::borrow::Cow::Borrowed(value);
    }
    let bytes: Vec<u8> = value
        .chars()
        .map(|c| u8::try_from(c as u32).unwrap_or(b'?'))
        .collect();
    std::borrow::Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
}

/// The line Firefox logs for `reason` on `url`.
pub fn line(reason: &Reason<'_>, url: &str) -> String {
    let text = match reason {
        Reason::MissingAllowOrigin(status) => {
            format!("CORS header ‘Access-Control-Allow-Origin’ missing). Status code: {status}.")
        }
        Reason::MultipleAllowOrigin => "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).".to_owned(),
        Reason::AllowOriginNotMatching(v) => {
            let v = as_firefox_shows(v);
            format!("CORS header ‘Access-Control-Allow-Origin’ does not match ‘{v}’).")
        }
        Reason::NotSupportingCredentials => {
            return format!(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘{url}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)."
            )
        }
        Reason::MissingAllowCredentials => {
            "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).".to_owned()
        }
        Reason::PreflightDidNotSucceed(status) => {
            format!("CORS preflight response did not succeed). Status code: {status}.")
        }
        Reason::InvalidAllowMethod(t) => {
            let t = as_firefox_shows(t);
            format!("invalid token ‘{t}’ in CORS header ‘Access-Control-Allow-Methods’).")
        }
        Reason::InvalidAllowHeader(t) => {
            let t = as_firefox_shows(t);
            format!("invalid token ‘{t}’ in CORS header ‘Access-Control-Allow-Headers’).")
        }
        Reason::MethodNotFound => "Did not find method in CORS header ‘Access-Control-Allow-Methods’).".to_owned(),
        Reason::MissingAllowHeader(h) => format!(
            "header ‘{h}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."
        ),
        Reason::ExternalRedirectNotAllowed => "CORS request external redirect not allowed).".to_owned(),
        Reason::RequestNotHttp => "CORS request not http).".to_owned(),
        Reason::DidNotSucceed => "CORS request did not succeed). Status code: (null).".to_owned(),
    };
    // One allocation of the exact size: this line is in every blocked verdict.
    [
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ",
        url,
        ". (Reason: ",
        &text,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_bytes_show_as_replacement_characters() {
        // "X-été" as Latin-1 bytes (0xE9) is not UTF-8: Firefox shows U+FFFD.
        let line = line(
            &Reason::InvalidAllowHeader("X-\u{e9}t\u{e9}"),
            "http://a.test/x",
        );
        assert!(line.ends_with(
            "invalid token ‘X-\u{fffd}t\u{fffd}’ in CORS header ‘Access-Control-Allow-Headers’)."
        ));
        // The same word sent as UTF-8 bytes (0xC3 0xA9) reads back as é.
        assert_eq!(
            as_firefox_shows("X-\u{c3}\u{a9}t\u{c3}\u{a9}"),
            "X-\u{e9}t\u{e9}"
        );
    }

    #[test]
    fn missing_origin_line() {
        assert_eq!(
            line(&Reason::MissingAllowOrigin(200), "http://a.test/x"),
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://a.test/x. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."
        );
    }
}
