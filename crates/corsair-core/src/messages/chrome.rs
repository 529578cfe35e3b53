//! Chrome's console line for each `CorsError` (Chromium 156 wording).

use super::Place;
use crate::cors_error::CorsError;
use crate::grammar::escape_for_console;
use crate::scenario::{AddressSpace, Initiator};

const PREFLIGHT: &str = "Response to preflight request doesn't pass access control check: ";
const FETCH_HINT: &str = " Have the server send the header with a valid value.";
const XHR_HINT: &str = " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.";

/// Address spaces involved in a Local Network Access failure.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spaces {
    /// The space the resource is in.
    pub resource: Option<AddressSpace>,
    /// The space the request declared it targets.
    pub target: Option<AddressSpace>,
}

/// The line Chrome logs for `error` with `parameter` at `place`.
pub fn line(error: CorsError, parameter: &str, place: &Place<'_>, spaces: Spaces) -> String {
    use CorsError::*;
    let kind = match place.initiator {
        Initiator::Fetch => "fetch",
        Initiator::Xhr => "XMLHttpRequest",
    };
    let h = escape_for_console(parameter);
    let fetch_hint = if place.initiator == Initiator::Fetch {
        FETCH_HINT
    } else {
        ""
    };
    let xhr_hint = if place.initiator == Initiator::Xhr {
        XHR_HINT
    } else {
        ""
    };
    let space = |s: Option<AddressSpace>| s.map_or("unknown", AddressSpace::name);
    let text = match error {
        DisallowedByMode => "Cross origin requests are not allowed by request mode.".to_owned(),
        InvalidResponse => "The response is invalid.".to_owned(),
        WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => format!(
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.{xhr_hint}"
        ),
        MissingAllowOriginHeader | PreflightMissingAllowOriginHeader => {
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.".to_owned()
        }
        MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => format!(
            "The 'Access-Control-Allow-Origin' header contains multiple values '{h}', but only one is allowed.{fetch_hint}"
        ),
        InvalidAllowOriginValue | PreflightInvalidAllowOriginValue => format!(
            "The 'Access-Control-Allow-Origin' header contains the invalid value '{h}'.{fetch_hint}"
        ),
        AllowOriginMismatch | PreflightAllowOriginMismatch => format!(
            "The 'Access-Control-Allow-Origin' header has a value '{h}' that is not equal to the supplied origin.{fetch_hint}"
        ),
        InvalidAllowCredentials | PreflightInvalidAllowCredentials => format!(
            "The value of the 'Access-Control-Allow-Credentials' header in the response is '{h}' which must be 'true' when the request's credentials mode is 'include'.{xhr_hint}"
        ),
        CorsDisabledScheme => "Cross origin requests are only supported for protocol schemes: chrome, chrome-extension, chrome-untrusted, data, http, https, isolated-app.".to_owned(),
        PreflightInvalidStatus => "It does not have HTTP ok status.".to_owned(),
        PreflightDisallowedRedirect => "Redirect is not allowed for a preflight request.".to_owned(),
        InvalidAllowMethodsPreflightResponse => {
            "Cannot parse Access-Control-Allow-Methods response header field in preflight response.".to_owned()
        }
        InvalidAllowHeadersPreflightResponse => {
            "Cannot parse Access-Control-Allow-Headers response header field in preflight response.".to_owned()
        }
        MethodDisallowedByPreflightResponse => {
            format!("Method {h} is not allowed by Access-Control-Allow-Methods in preflight response.")
        }
        HeaderDisallowedByPreflightResponse => format!(
            "Request header field {h} is not allowed by Access-Control-Allow-Headers in preflight response."
        ),
        RedirectContainsCredentials => format!(
            "Redirect location '{h}' contains a username and password, which is disallowed for cross-origin requests."
        ),
        InsecureLocalNetwork => format!(
            "The request client is not a secure context and the resource is in more-private address space `{}`.",
            space(spaces.resource)
        ),
        InvalidLocalNetworkAccess => format!(
            "Request had a target IP address space of `{}` yet the resource is in address space `{}`.",
            space(spaces.target),
            space(spaces.resource)
        ),
        LocalNetworkAccessPermissionDenied => format!(
            "Permission was denied for this request to access the `{}` address space.",
            space(spaces.resource)
        ),
    };
    let prefix = if error.is_preflight_access_error() {
        PREFLIGHT
    } else {
        ""
    };
    let (redirected, from, closing) = match place.redirected_from {
        Some(from) => ("(redirected from '", from, "') "),
        None => ("", "", ""),
    };
    // One allocation of the exact size: this line is in every blocked verdict.
    [
        "Access to ",
        kind,
        " at '",
        place.url,
        "' ",
        redirected,
        from,
        closing,
        "from origin '",
        place.page_origin,
        "' has been blocked by CORS policy: ",
        prefix,
        &text,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_observed_lines() {
        let place = Place {
            initiator: Initiator::Xhr,
            url: "http://payments.example.test:8002/s/9007/cart",
            redirected_from: None,
            page_origin: "http://shop.example.test:8001",
        };
        assert_eq!(
            line(CorsError::AllowOriginMismatch, "http://shop.example.test:8001/", &place, Spaces::default()),
            "Access to XMLHttpRequest at 'http://payments.example.test:8002/s/9007/cart' from origin 'http://shop.example.test:8001' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value 'http://shop.example.test:8001/' that is not equal to the supplied origin."
        );
        let place = Place {
            initiator: Initiator::Fetch,
            url: "http://p.test/x",
            redirected_from: Some("http://q.test/y"),
            page_origin: "http://s.test",
        };
        assert_eq!(
            line(CorsError::PreflightMissingAllowOriginHeader, "", &place, Spaces::default()),
            "Access to fetch at 'http://p.test/x' (redirected from 'http://q.test/y') from origin 'http://s.test' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
        );
    }
}
