//! HTTP grammar pieces the CORS algorithms lean on: tokens, whitespace,
//! header-value validity, and the escaping Chrome applies in console lines.

/// `tchar` from RFC 9110 as a table: every header name and list item is
/// checked, so this is on the hot path.
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// `tchar` from RFC 9110: the characters allowed in a token.
pub fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// A non-empty run of `tchar`s (methods and header names are tokens).
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// [`is_token`] on bytes.
pub fn is_token_bytes(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// HTTP tab or space, the whitespace header values may start or end with.
pub fn is_http_tab_or_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Strips leading and trailing spaces and tabs, as HTTP parsers do to field values.
pub fn trim_http_ws(s: &str) -> &str {
    s.trim_matches(is_http_tab_or_space)
}

/// HTTP whitespace as the Fetch standard's header-value normalization sees it.
fn is_http_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Fetch's "normalize" step for header values set by a page: strip leading
/// and trailing HTTP whitespace (including CR and LF).
pub fn normalize_header_value(s: &str) -> &str {
    s.trim_matches(is_http_whitespace)
}

/// Whether a (normalized) value may be set from a page: no NUL, CR or LF, and
/// every character a byte (Web IDL `ByteString`).
pub fn is_valid_header_value(s: &str) -> bool {
    s.chars()
        .all(|c| (c as u32) <= 0xFF && !matches!(c, '\0' | '\r' | '\n'))
}

/// Writes a value the way Chrome prints header values in console lines:
/// printable ASCII as is, every other byte as `\u00XX`.
pub fn escape_for_console(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let v = c as u32;
        if (0x20..0x7F).contains(&v) {
            out.push(c);
        } else if v <= 0xFF {
            out.push_str(&format!("\\u{v:04X}"));
        } else {
            // Not a byte: the scenario loader rejects these, but stay total.
            out.push(c);
        }
    }
    out
}

/// Whether any character is outside printable ASCII.
pub fn has_non_printable(s: &str) -> bool {
    s.chars().any(|c| !(' '..='~').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        for ok in ["GET", "x-api-key", "*", "a'b", "~"] {
            assert!(is_token(ok), "{ok}");
        }
        for bad in ["", "GET POST", "a,b", "\"PUT\"", "P(UT", "é", "a;b"] {
            assert!(!is_token(bad), "{bad}");
        }
    }

    #[test]
    fn tchar_table_is_rfc_9110() {
        let specials = b"!#$%&'*+-.^_`|~";
        for b in 0..=255u8 {
            let want = b.is_ascii_alphanumeric() || specials.contains(&b);
            assert_eq!(is_tchar(b), want, "byte {b:#x}");
        }
    }

    #[test]
    fn console_escaping() {
        assert_eq!(escape_for_console("a\tb"), "a\\u0009b");
        assert_eq!(escape_for_console("x\u{7f}"), "x\\u007F");
        assert_eq!(escape_for_console("caf\u{e9}"), "caf\\u00E9");
        assert_eq!(escape_for_console("plain"), "plain");
    }

    #[test]
    fn value_validity() {
        assert!(is_valid_header_value("a\u{1}b"));
        assert!(!is_valid_header_value("a\rb"));
        assert!(!is_valid_header_value("a\0b"));
        assert!(!is_valid_header_value("\u{100}"));
        assert_eq!(normalize_header_value(" \tx y\r\n"), "x y");
    }
}
