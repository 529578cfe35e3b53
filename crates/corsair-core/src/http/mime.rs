//! The MIME-type essence Chrome extracts from a `Content-Type` request value
//! to decide whether it is CORS-safelisted.

/// The lower-cased `type/subtype` of a media type, or `None` when it does not
/// parse (the Fetch standard's MIME-type parser, as Chrome applies it): the
/// whole value may be padded with whitespace, the type must be a token
/// directly followed by `/`, the subtype a token (trailing whitespace before
/// `;` allowed). Parameters are not checked.
pub fn essence(value: &str) -> Option<String> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let value = value.trim_matches(ws);
    let (top, rest) = value.split_once('/')?;
    let sub = rest.split(';').next().unwrap_or("").trim_end_matches(ws);
    if !super::grammar::is_token(top) || !super::grammar::is_token(sub) {
        return None;
    }
    Some(format!(
        "{}/{}",
        top.to_ascii_lowercase(),
        sub.to_ascii_lowercase()
    ))
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
            (" text/plain ", Some("text/plain")),
            ("text/plain ;x", Some("text/plain")),
            ("text /plain", None),
            ("text/ plain", None),
            (
                "multipart/form-data; boundary=x",
                Some("multipart/form-data"),
            ),
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
