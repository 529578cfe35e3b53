//! The request built from the options read: method, derived headers, body.

use super::options::State;
use super::{CurlError, CurlRequest};

pub(super) fn finish(mut st: State) -> Result<CurlRequest, CurlError> {
    let mut url = st.url.take().ok_or(CurlError::NoUrl)?;
    if !st.globoff {
        url = unescape_globs(&url);
    }
    let mut body = st.data.take();
    if st.get {
        if let Some(data) = body.take() {
            let sep = if url.contains('?') { '&' } else { '?' };
            url.push(sep);
            url.push_str(&data);
        }
    }
    let method = match st.method.take().filter(|m| !m.is_empty()) {
        Some(m) => m,
        None if st.head => "HEAD".to_owned(),
        None if st.upload => "PUT".to_owned(),
        None if body.is_some() => "POST".to_owned(),
        None => "GET".to_owned(),
    };
    let mut headers = std::mem::take(&mut st.headers);
    let mut derived: Vec<(&str, String)> = Vec::new();
    if let Some(auth) = st.authorization.take() {
        derived.push(("Authorization", auth));
    }
    if let Some(ua) = st.user_agent.take().filter(|v| !v.is_empty()) {
        derived.push(("User-Agent", ua));
    }
    if let Some(referer) = st.referer.take().filter(|v| !v.is_empty()) {
        derived.push(("Referer", referer));
    }
    if st.json && body.is_some() {
        derived.push(("Content-Type", "application/json".to_owned()));
        derived.push(("Accept", "application/json".to_owned()));
    } else if st.form && body.is_some() {
        derived.push(("Content-Type", "multipart/form-data".to_owned()));
    }
    for (name, value) in derived {
        let lower = name.to_ascii_lowercase();
        let given = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if !given && !st.removed.contains(&lower) {
            headers.push((name.to_owned(), value));
        }
    }
    let cookies = (!st.cookies.is_empty()).then(|| st.cookies.join("; "));
    Ok(CurlRequest {
        url,
        method,
        headers,
        cookies,
        body,
        insecure: st.insecure,
        ignored: st.ignored,
    })
}

/// Undoes curl's URL glob escapes (`\[`, `\]`, `\{`, `\}`).
fn unescape_globs(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut chars = url.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next @ ('[' | ']' | '{' | '}')) = chars.peek() {
                out.push(next);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `--data-urlencode`'s forms: `content`, `=content`, `name=content`;
/// `@file` and `name@file` give `None`.
pub(super) fn url_encode_data(value: &str) -> Option<String> {
    match value.find(['=', '@']) {
        Some(at) if value.as_bytes().get(at) == Some(&b'@') => None,
        Some(at) => {
            let name = value.get(..at).unwrap_or("");
            let content = value.get(at + 1..).unwrap_or("");
            if name.is_empty() {
                Some(percent_encode(content))
            } else {
                Some(format!("{name}={}", percent_encode(content)))
            }
        }
        None => Some(percent_encode(value)),
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_upper(b >> 4));
            out.push(hex_upper(b & 0xf));
        }
    }
    out
}

fn hex_upper(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0xf)])
}

/// Standard base64 with padding.
pub(super) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 0x3f) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
    }

    #[test]
    fn url_encode_forms() {
        assert_eq!(url_encode_data("a b").as_deref(), Some("a%20b"));
        assert_eq!(url_encode_data("=a&b").as_deref(), Some("a%26b"));
        assert_eq!(url_encode_data("q=x y").as_deref(), Some("q=x%20y"));
        assert_eq!(url_encode_data("q@file"), None);
    }
}
