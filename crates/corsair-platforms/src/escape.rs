//! String literals and patterns for each snippet language. Every value a
//! snippet shows goes through one of these, so a quote, a backslash or a `$`
//! in an origin cannot break out of its string.

use std::fmt::Write;

/// A single-quoted JavaScript / TypeScript string: `'https://a.example'`.
pub(crate) fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' | '\u{2029}' => push_u4(&mut out, c),
            c if c.is_control() => push_u4(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A double-quoted string with `\"`, `\\` and `\uXXXX` escapes: valid JSON,
/// TOML, Python, TypeScript, C# and Go.
pub(crate) fn dq(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => push_u4(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Java string literal (`\uXXXX` is not safe there: Java decodes it before
/// lexing, so other control characters are written in octal).
pub(crate) fn java(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && c.is_control() => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Rust string literal.
pub(crate) fn rust(s: &str) -> String {
    format!("{s:?}")
}

/// A Rust raw string literal (`r"…"`), for regexes; a plain one when the
/// text holds a double quote.
pub(crate) fn rust_raw(s: &str) -> String {
    if s.contains('"') {
        rust(s)
    } else {
        format!("r\"{s}\"")
    }
}

/// A single-quoted PHP or Ruby string: only `\` and `'` are special there.
pub(crate) fn single(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A regular expression (PCRE, RE2, Python `re`) matching exactly `s`:
/// anchored with `^…$`, every ASCII punctuation character escaped (dots
/// included), control characters as `\xHH`.
pub(crate) fn anchored_regex(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    out.push('^');
    for c in s.chars() {
        match c {
            // Never special outside a character class.
            ':' | '/' | '-' | '_' => out.push(c),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('$');
    out
}

/// An anchored regex matching exactly the request paths a `corsair.toml`
/// route pattern matches: `*` one non-empty segment, a final `/**` the
/// path itself and everything below it, other segments literally.
pub(crate) fn path_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    for segment in pattern.trim_start_matches('/').split('/') {
        match segment {
            "**" => out.push_str("(?:/.*)?"),
            "*" => out.push_str("/[^/]+"),
            literal => {
                out.push('/');
                let escaped = anchored_regex(literal);
                out.push_str(escaped.trim_start_matches('^').trim_end_matches('$'));
            }
        }
    }
    out.push('$');
    out
}

/// A double-quoted nginx parameter. nginx unescapes only `\"`, `\'`, `\\`,
/// `\t`, `\r` and `\n` and keeps any other backslash, so a regex written
/// through this keeps its own escapes readable (`app\.example\.com`).
pub(crate) fn nginx(s: &str) -> String {
    quoted_keeping_escapes(s, &['"', '\'', '\\', 't', 'r', 'n'])
}

/// A double-quoted Apache httpd argument (a regex from [`anchored_regex`]):
/// the config reader unescapes only `\"` and `\\`, and `${` (a variable)
/// cannot occur since the regex escapes `{`.
pub(crate) fn apache_regex(re: &str) -> String {
    quoted_keeping_escapes(re, &['"', '\\'])
}

/// `s` in double quotes for a config reader that turns `\X` into `X` for
/// each X in `unescaped` and keeps every other backslash: only backslashes
/// before those (or at the end) are doubled.
fn quoted_keeping_escapes(s: &str, unescaped: &[char]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => match chars.peek() {
                Some(next) if !unescaped.contains(next) => out.push('\\'),
                _ => out.push_str("\\\\"),
            },
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A regex (from [`anchored_regex`] or [`path_regex`]) in HAProxy's
/// single quotes, which keep everything as it is up to the next `'`: a
/// quote the regex matches is written `\x27`, which the regex reads as `'`.
pub(crate) fn haproxy_regex(re: &str) -> String {
    format!("'{}'", re.replace("\\'", "\\x27").replace('\'', "\\x27"))
}

/// A Caddyfile token: bare when it is plain, else double-quoted with `\"`,
/// and braces escaped so they are never read as placeholders.
pub(crate) fn caddy(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'.' | b'-' | b'_' | b'[' | b']')
        });
    if plain {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Terraform (HCL) quoted string: `"` and `\` escaped, and `${` / `%{`
/// doubled so a value can never start an interpolation or a directive.
pub(crate) fn hcl(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => push_u4(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn push_u4(out: &mut String, c: char) {
    let _ = write!(out, "\\u{:04x}", c as u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "https://a$b\"c'd\\e.example";

    #[test]
    fn js_strings() {
        assert_eq!(js("https://a.example"), "'https://a.example'");
        assert_eq!(js(NASTY), r#"'https://a$b"c\'d\\e.example'"#);
        assert_eq!(js("a\u{2028}b\u{1}"), r"'a\u2028b\u0001'");
    }

    #[test]
    fn double_quoted_strings() {
        assert_eq!(dq(NASTY), r#""https://a$b\"c'd\\e.example""#);
        assert_eq!(dq("a\nb\u{7f}"), r#""a\nb\u007f""#);
        assert_eq!(java("a\u{1}\""), r#""a\001\"""#);
        assert_eq!(rust(NASTY), r#""https://a$b\"c'd\\e.example""#);
    }

    #[test]
    fn hcl_strings() {
        assert_eq!(hcl(NASTY), r#""https://a$b\"c'd\\e.example""#);
        assert_eq!(hcl("a${b}%{c}$d"), r#""a$${b}%%{c}$d""#);
        assert_eq!(hcl("a\u{1}"), r#""a\u0001""#);
    }

    #[test]
    fn single_quoted_strings() {
        assert_eq!(single(NASTY), r#"'https://a$b"c\'d\\e.example'"#);
    }

    #[test]
    fn path_regexes_match_what_routes_match() {
        use corsair_core::server::route::PathPattern;
        let cases = [
            ("/public/**", r"^/public(?:/.*)?$"),
            ("/api/*/items", r"^/api/[^/]+/items$"),
            ("/health", r"^/health$"),
            ("/v1.2/a+b", r"^/v1\.2/a\+b$"),
        ];
        for (pattern, regex) in cases {
            assert_eq!(path_regex(pattern), regex);
            // Against the policy's own matcher, on paths in and out.
            let p = PathPattern::parse(pattern).expect("a valid pattern");
            for path in [
                "/public",
                "/public/x/y",
                "/publicx",
                "/api/7/items",
                "/api//items",
                "/health",
                "/health/",
                "/v1.2/a+b",
                "/v1x2/a+b",
            ] {
                let re_says = simple_match(&path_regex(pattern), path);
                assert_eq!(re_says, p.matches(path), "{pattern} on {path}");
            }
        }
    }

    /// A tiny matcher for the regexes `path_regex` writes (literals,
    /// escapes, `[^/]+`, and a final `(?:/.*)?`), so the test needs no regex
    /// engine.
    fn simple_match(re: &str, path: &str) -> bool {
        let body = re.trim_start_matches('^').trim_end_matches('$');
        let (body, tail_any) = match body.strip_suffix("(?:/.*)?") {
            Some(b) => (b, true),
            None => (body, false),
        };
        let mut rest = path;
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '[' {
                // `[^/]+`
                for _ in 0..4 {
                    chars.next();
                }
                let n = rest.find('/').unwrap_or(rest.len());
                if n == 0 {
                    return false;
                }
                rest = &rest[n..];
                continue;
            }
            let want = if c == '\\' {
                chars.next().unwrap_or('\\')
            } else {
                c
            };
            match rest.strip_prefix(want) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty() || (tail_any && rest.starts_with('/'))
    }

    #[test]
    fn regexes_are_anchored_and_escaped() {
        assert_eq!(
            anchored_regex("https://app.example.com"),
            r"^https://app\.example\.com$"
        );
        assert_eq!(
            anchored_regex("http://[::1]:3000"),
            r"^http://\[::1\]:3000$"
        );
        assert_eq!(anchored_regex("a$b\u{1}"), r"^a\$b\x01$");
    }

    #[test]
    fn config_quoting() {
        let re = anchored_regex(NASTY);
        assert_eq!(re, r#"^https://a\$b\"c\'d\\e\.example$"#);
        // nginx reads `\\` as `\`, `\"` as `"`, keeps `\$` and `\.`: the regex
        // comes back whole.
        assert_eq!(nginx(&re), r#""^https://a\$b\\\"c\\'d\\\e\.example$""#);
        assert_eq!(nginx("^a\\.b$"), r#""^a\.b$""#);
        assert_eq!(nginx("a\\"), r#""a\\""#);
        // Apache reads `\"` and `\\`, keeps `\$`, `\'` and `\.`.
        assert_eq!(
            apache_regex(&re),
            r#""^https://a\$b\\\"c\'d\\\e\.example$""#
        );
        assert_eq!(caddy("https://app.example.com"), "https://app.example.com");
        assert_eq!(caddy("https://a\"{b}"), r#""https://a\"\{b\}""#);
    }
}
