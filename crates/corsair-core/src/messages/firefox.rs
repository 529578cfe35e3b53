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
}

/// The line Firefox logs for `reason` on `url`.
pub fn line(reason: &Reason<'_>, url: &str) -> String {
    let text = match reason {
        Reason::MissingAllowOrigin(status) => {
            format!("CORS header ‘Access-Control-Allow-Origin’ missing). Status code: {status}.")
        }
        Reason::MultipleAllowOrigin => "Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).".to_owned(),
        Reason::AllowOriginNotMatching(v) => {
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
            format!("invalid token ‘{t}’ in CORS header ‘Access-Control-Allow-Methods’).")
        }
        Reason::InvalidAllowHeader(t) => {
            format!("invalid token ‘{t}’ in CORS header ‘Access-Control-Allow-Headers’).")
        }
        Reason::MethodNotFound => "Did not find method in CORS header ‘Access-Control-Allow-Methods’).".to_owned(),
        Reason::MissingAllowHeader(h) => format!(
            "header ‘{h}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."
        ),
        Reason::ExternalRedirectNotAllowed => "CORS request external redirect not allowed).".to_owned(),
        Reason::RequestNotHttp => "CORS request not http).".to_owned(),
    };
    format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: {text}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_origin_line() {
        assert_eq!(
            line(&Reason::MissingAllowOrigin(200), "http://a.test/x"),
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://a.test/x. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."
        );
    }
}
