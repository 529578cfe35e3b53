//! Untrusted text made safe to print: control characters escaped (so a HAR,
//! a header or a policy file cannot move a terminal's cursor, clear its
//! screen or hide text), and long values cut to a bounded excerpt.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as it is: C0 controls (tab
/// included: it misaligns snippets), DEL, C1 controls (some terminals read
/// U+009B as an escape sequence's start), and the bidirectional overrides and
/// isolates that reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as an escape (`\x1b`, `\n`,
/// `\u{202e}`); borrowed when there is none.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 && is_unsafe(c) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// At most `max` characters of `text`, escaped, with `…` where it was cut.
pub fn excerpt(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max && !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let cases = [
            ("plain text é", "plain text é"),
            ("a\x1b[2Jb", "a\\x1b[2Jb"),
            ("line\nnext\r\t", "line\\nnext\\r\\t"),
            ("\x7f\u{9b}", "\\x7f\\u{9b}"),
            ("evil\u{202e}txt.exe", "evil\\u{202e}txt.exe"),
            ("\u{2066}x\u{2069}", "\\u{2066}x\\u{2069}"),
        ];
        for (input, want) in cases {
            assert_eq!(escape_control(input), want, "{input:?}");
        }
        assert!(matches!(escape_control("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn excerpts() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("abcdefghij", 4), "abcd…");
        assert_eq!(excerpt("éééé", 2), "éé…");
        assert_eq!(excerpt("a\x1bb", 10), "a\\x1bb");
        assert_eq!(excerpt("", 0), "");
    }
}
