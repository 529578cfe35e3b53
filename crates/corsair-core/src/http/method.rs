//! Request methods: fetch()/XHR normalization, safelisted and forbidden ones.

use super::grammar::is_token;

/// The methods `fetch()` and `XMLHttpRequest.open()` upper-case; every other
/// method (`patch` included) keeps the case the page wrote.
const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// What the page's method becomes before the request is made.
pub fn normalize(method: &str) -> String {
    NORMALIZED
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .map_or_else(|| method.to_owned(), |m| (*m).to_owned())
}

/// `GET`, `HEAD` or `POST`, byte for byte (after normalization).
pub fn is_safelisted(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// CONNECT, TRACE and TRACK, in any case: `fetch()` throws on them.
pub fn is_forbidden(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// Whether the text is a valid method at all (a token).
pub fn is_valid(method: &str) -> bool {
    is_token(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_table() {
        let cases = [
            ("get", "GET"),
            ("Post", "POST"),
            ("delete", "DELETE"),
            ("options", "OPTIONS"),
            ("put", "PUT"),
            ("head", "HEAD"),
            ("patch", "patch"),
            ("Patch", "Patch"),
            ("PATCH", "PATCH"),
            ("foo", "foo"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input), want, "{input}");
        }
    }

    #[test]
    fn classes() {
        assert!(is_safelisted("GET") && is_safelisted("POST") && is_safelisted("HEAD"));
        assert!(!is_safelisted("get") && !is_safelisted("PUT"));
        assert!(is_forbidden("trace") && is_forbidden("CONNECT") && is_forbidden("TrAcK"));
        assert!(!is_forbidden("PATCH"));
        assert!(is_valid("M-SEARCH") && !is_valid("GET POST") && !is_valid(""));
    }
}
