//! Who refused a preflight, from its answer: authentication (its
//! `WWW-Authenticate` or words in the body), or a CORS layer that says so
//! (Spring's "Invalid CORS request", Starlette's "Disallowed CORS …", the
//! Corsair gateway's `X-Corsair-Refusal`).

use crate::exchange::Received;

/// Words in a body or header that say authentication refused the request.
const AUTH_WORDS: [&str; 9] = [
    "unauthorized",
    "unauthenticated",
    "authentication",
    "not authenticated",
    "token",
    "jwt",
    "login",
    "credentials",
    "forbidden",
];

/// Signs that a CORS layer refused the preflight: which layer, and what
/// it refused when it says.
pub(crate) fn cors_refusal(answer: &Received) -> Option<(&'static str, Refused)> {
    let body = answer.body_prefix.to_ascii_lowercase();
    if body.contains("invalid cors request") {
        return Some((
            "Spring's CORS processor (\"Invalid CORS request\")",
            Refused::Unsaid,
        ));
    }
    // Starlette's CORSMiddleware (FastAPI): 400 "Disallowed CORS origin,
    // method, headers" (several when several fail).
    if body.contains("disallowed cors") {
        let what = if body.contains("disallowed cors origin") {
            Refused::Origin
        } else if body.contains("method") {
            Refused::Method
        } else if body.contains("header") {
            Refused::Headers
        } else {
            Refused::Unsaid
        };
        return Some(("Starlette's CORSMiddleware (\"Disallowed CORS …\")", what));
    }
    if let Some(reason) = answer.first("x-corsair-refusal") {
        // The refusal's code comes first (`method-not-allowed: …` in debug
        // mode); the rest may quote the request, so only the code is read.
        let code = reason.split(':').next().unwrap_or_default().trim();
        let what = match code.to_ascii_lowercase().as_str() {
            "origin-not-allowed" | "duplicate-origin" => Refused::Origin,
            "method-not-allowed" => Refused::Method,
            "header-not-allowed" | "request-headers-too-long" => Refused::Headers,
            _ => Refused::Unsaid,
        };
        return Some(("the Corsair gateway", what));
    }
    if answer
        .first("server")
        .is_some_and(|s| s.to_ascii_lowercase().contains("corsair"))
    {
        return Some(("the Corsair gateway", Refused::Unsaid));
    }
    if body.contains("cors") && (body.contains("origin") || body.contains("not allowed")) {
        return Some(("the server's CORS layer", Refused::Unsaid));
    }
    None
}

/// Statuses with which a layer refuses a preflight outright: auth (401,
/// 403), or a CORS layer that answers a refusal with an error (Spring's
/// 403, Starlette's 400).
pub(super) fn refusal_status(status: u16) -> bool {
    matches!(status, 400 | 401 | 403)
}

/// What a CORS layer's refusal names, when its body says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The origin.
    Origin,
    /// The method.
    Method,
    /// The request headers.
    Headers,
    /// It does not say.
    Unsaid,
}

pub(super) fn auth_signs(answer: &Received) -> Option<String> {
    if let Some(v) = answer.first("www-authenticate") {
        return Some(format!("WWW-Authenticate: {v}"));
    }
    let body = answer.body_prefix.to_ascii_lowercase();
    AUTH_WORDS
        .iter()
        .find(|w| body.contains(**w))
        .map(|w| format!("the body mentions \"{w}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spring_refusal_is_recognised() {
        let answer = Received {
            status: 403,
            version: "HTTP/1.1".into(),
            headers: vec![("vary".into(), "Origin".into())],
            body_prefix: "Invalid CORS request".into(),
            remote: String::new(),
            elapsed_ms: 0.0,
        };
        assert!(cors_refusal(&answer).is_some_and(|(l, _)| l.contains("Spring")));
        let starlette = Received {
            status: 400,
            body_prefix: "Disallowed CORS headers".into(),
            ..answer.clone()
        };
        assert_eq!(
            cors_refusal(&starlette).map(|r| r.1),
            Some(Refused::Headers)
        );
        assert!(auth_signs(&answer).is_none());
    }
}
