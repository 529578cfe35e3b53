//! The MIME-type essence Chrome extracts from a `Content-Type` request value
//! to decide whether it is CORS-safelisted.

/// The lower-cased `type/subtype` of a media type, or `None` when it does not
/// parse (the Fetch standard's MIME-type parser, as Chrome applies it): the
/// whole value may be padded with whitespace, the type must be a token
/// directly followed by `/`, the subtype a token (trailing whitespace before
/// `;` allowed). Parameters are not checked.
pub fn essence(value: &str) -> Option<String> {
    let (top, sub) = essence_parts(value)?;
    Some(format!(
        "{}/{}",
        top.to_ascii_lowercase(),
        sub.to_ascii_lowercase()
    ))
}

/// The type and subtype of [`essence`], as written (not lower-cased).
fn essence_parts(value: &str) -> Option<(&str, &str)> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let value = value.trim_matches(ws);
    let (top, rest) = value.split_once('/')?;
    let sub = rest.split(';').next().unwrap_or("").trim_end_matches(ws);
    if !super::grammar::is_token(top) || !super::grammar::is_token(sub) {
        return None;
    }
    Some((top, sub))
}

/// The three essences a simple request may carry.
const SAFELISTED: [(&str, &str); 3] = [
    ("application", "x-www-form-urlencoded"),
    ("multipart", "form-data"),
    ("text", "plain"),
];

/// Whether an essence is one a simple request may carry.
pub fn is_safelisted_essence(essence: &str) -> bool {
    essence
        .split_once('/')
        .is_some_and(|(top, sub)| SAFELISTED.contains(&(top, sub)))
}

/// Whether a `Content-Type` value's essence is one a simple request may
/// carry: [`essence`] and [`is_safelisted_essence`] without building the
/// lower-cased string (this runs for every request of a batch).
pub fn has_safelisted_essence(value: &str) -> bool {
    essence_parts(value).is_some_and(|(top, sub)| {
        SAFELISTED
            .iter()
            .any(|(t, s)| top.eq_ignore_ascii_case(t) && sub.eq_ignore_ascii_case(s))
    })
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
            // The allocation-free test agrees with the essence's.
            assert_eq!(
                has_safelisted_essence(input),
                want.is_some_and(is_safelisted_essence),
                "{input:?}"
            );
        }
        assert!(has_safelisted_essence("Multipart/Form-Data; boundary=x"));
        assert!(!has_safelisted_essence("application/json"));
        assert!(!has_safelisted_essence("text/plainx"));
    }
}
