//! The MIME-type essence Chrome extracts from a `Content-Type` request value
//! to decide whether it is CORS-safelisted.

/// The lower-cased `type/subtype` of a media type, or `None` when it does not
/// parse. Parameters after `;` are ignored; the two parts may be padded with
/// spaces or tabs; each must be a token.
pub fn essence(value: &str) -> Option<String> {
    let before_params = value.split(';').next().unwrap_or("");
    let mut parts = before_params.split('/');
    let (top, sub) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let ws = |c: char| c.is_ascii_whitespace();
    let (top, sub) = (top.trim_matches(ws), sub.trim_matches(ws));
    if !crate::grammar::is_token(top) || !crate::grammar::is_token(sub) {
        return None;
    }
    Some(format!("{}/{}", top.to_ascii_lowercase(), sub.to_ascii_lowercase()))
}

/// The three essences a simple request may carry.
pub fn is_safelisted_essence(essence: &str) -> bool {
    matches!(
        essence,
        "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn essence_table() {
        let cases = [
            ("text/plain", Some("text/plain")),
            ("Text/Plain; charset=utf-8", Some("text/plain")),
            ("text/plain;garbage", Some("text/plain")),
            (" text / plain ", Some("text/plain")),
            ("multipart/form-data; boundary=x", Some("multipart/form-data")),
            ("text/plain/x", None),
            ("textplain", None),
            ("text/", None),
            ("/plain", None),
            ("text/pl ain", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(essence(input).as_deref(), want, "{input:?}");
        }
    }
}
