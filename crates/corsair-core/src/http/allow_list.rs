//! Parsing `Access-Control-Allow-Methods`, `-Allow-Headers` and
//! `-Expose-Headers` as the browser does: comma-separated tokens, empty
//! items skipped, whitespace around items ignored, quoted runs kept whole.

use super::grammar::{is_token, trim_http_ws};

/// Splits a header value on commas that are not inside `"…"` or `'…'`
/// (a backslash escapes inside quotes), trims each item, skips empty ones.
pub fn items(value: &str) -> impl Iterator<Item = &str> {
    let bytes = value.as_bytes();
    let mut start = 0usize;
    let mut i = 0usize;
    let mut done = false;
    std::iter::from_fn(move || {
        while !done {
            let mut quote: Option<u8> = None;
            while i < bytes.len() {
                let b = bytes[i];
                match quote {
                    Some(_) if b == b'\\' => i += 1,
                    Some(q) if b == q => quote = None,
                    Some(_) => {}
                    None if b == b'"' || b == b'\'' => quote = Some(b),
                    None if b == b',' => break,
                    None => {}
                }
                i += 1;
            }
            let end = i.min(bytes.len());
            let item = trim_http_ws(&value[start..end]);
            if i >= bytes.len() {
                done = true;
            } else {
                i += 1;
                start = i;
            }
            if !item.is_empty() {
                return Some(item);
            }
        }
        None
    })
}

/// A parsed allow-list: its items, or the first item that is not a token.
pub fn parse(value: &str) -> Result<Vec<&str>, &str> {
    let mut out = Vec::new();
    for item in items(value) {
        if !is_token(item) {
            return Err(item);
        }
        out.push(item);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let ok: &[(&str, &[&str])] = &[
            ("GET, POST", &["GET", "POST"]),
            ("GET,,POST", &["GET", "POST"]),
            ("PUT,", &["PUT"]),
            (",PUT", &["PUT"]),
            (",", &[]),
            ("", &[]),
            (" \tx-a ,\ty ", &["x-a", "y"]),
            ("*", &["*"]),
        ];
        for (input, want) in ok {
            assert_eq!(parse(input).unwrap(), *want, "{input:?}");
        }
        let bad: &[(&str, &str)] = &[
            ("GET POST", "GET POST"),
            ("GET;POST", "GET;POST"),
            ("\"PUT\"", "\"PUT\""),
            ("P(UT", "P(UT"),
            ("a, 'b, c'", "'b, c'"),
            ("x-\u{e9}", "x-\u{e9}"),
        ];
        for (input, want) in bad {
            assert_eq!(parse(input), Err(*want), "{input:?}");
        }
    }
}
