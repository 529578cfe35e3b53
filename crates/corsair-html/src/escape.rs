//! The one escaping function for HTML text and attribute values.

use std::borrow::Cow;

use corsair_core::printable::{escape_control, is_unsafe};

/// `text` made safe as HTML text or as a quoted attribute value: `&`, `<`,
/// `>`, `"` and `'` become character references, and control characters
/// and bidirectional overrides are first written as visible escapes
/// (`\x1b`, `\u{202e}`) exactly as the terminal report shows them, so a
/// header value reads the same in both and cannot reorder or hide text.
///
/// Borrowed when there is nothing to escape.
pub fn escape(text: &str) -> Cow<'_, str> {
    let needs = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || is_unsafe(c);
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let visible = escape_control(text);
    let mut out = String::with_capacity(visible.len() + 16);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_characters_become_references() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(
            escape(r#"" onmouseover="alert(1)"#),
            "&quot; onmouseover=&quot;alert(1)"
        );
        assert_eq!(escape("a&amp;b"), "a&amp;amp;b");
        assert_eq!(escape("<!-- x -->"), "&lt;!-- x --&gt;");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            escape("https://api.example.com/x?y=1"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn javascript_urls_stay_text() {
        // Never a link: no value is written into href or src; the text
        // itself has nothing to escape but must survive unchanged.
        assert_eq!(escape("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(
            escape("javascript:alert(\"<b>\")"),
            "javascript:alert(&quot;&lt;b&gt;&quot;)"
        );
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(escape("a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(escape("a\r\nSet-Cookie: x"), "a\\r\\nSet-Cookie: x");
        assert_eq!(escape("a\u{0}b"), "a\\x00b");
        assert_eq!(escape("x\u{202e}y<"), "x\\u{202e}y&lt;");
        assert_eq!(escape("\u{85}"), "\\u{85}");
        // Whatever comes in, what goes out has no raw markup character and
        // no control character.
        let hostile: String = (0u32..0x300).filter_map(char::from_u32).collect();
        let out = escape(&hostile);
        assert!(!out.contains(['<', '>', '"', '\'']));
        assert!(!out.chars().any(char::is_control));
    }
}
