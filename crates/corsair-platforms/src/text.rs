//! Small text helpers shared by the renderers.

/// How a list literal is written in a language.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListStyle {
    /// Opening bracket (`[`, `{`, `(` …).
    pub open: &'static str,
    /// Closing bracket.
    pub close: &'static str,
    /// One indentation step (`"  "`, `"    "`, `"\t"`).
    pub step: &'static str,
    /// Whether a wrapped list ends with a comma (not allowed in Java or C#
    /// argument lists).
    pub trailing_comma: bool,
    /// The line width the language's formatter keeps to.
    pub width: usize,
}

impl ListStyle {
    /// `[a, b]` with JavaScript / TypeScript spacing (prettier, 80 columns).
    pub(crate) const JS: ListStyle = ListStyle {
        open: "[",
        close: "]",
        step: "  ",
        trailing_comma: true,
        width: 80,
    };
    /// `[a, b]` as black writes Python (88 columns).
    pub(crate) const PYTHON: ListStyle = ListStyle {
        open: "[",
        close: "]",
        step: "    ",
        trailing_comma: true,
        width: 88,
    };
    /// `[a, b]` as rustfmt writes Rust (100 columns).
    pub(crate) const RUST: ListStyle = ListStyle {
        open: "[",
        close: "]",
        step: "    ",
        trailing_comma: true,
        width: 100,
    };

    /// The list on one line when `lead` (the text before it on its line,
    /// indentation included) plus the list and `tail` fit the width, else one
    /// item per line, indented one step below `indent`.
    pub(crate) fn fit(&self, items: &[String], indent: &str, lead: usize, tail: usize) -> String {
        let inline = self.inline(items);
        if items.is_empty() || lead + inline.len() + tail <= self.width {
            return inline;
        }
        let mut out = String::from(self.open);
        out.push('\n');
        for (i, item) in items.iter().enumerate() {
            out.push_str(indent);
            out.push_str(self.step);
            out.push_str(item);
            if self.trailing_comma || i + 1 < items.len() {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str(indent);
        out.push_str(self.close);
        out
    }

    /// The list on one line.
    pub(crate) fn inline(&self, items: &[String]) -> String {
        format!("{}{}{}", self.open, items.join(", "), self.close)
    }
}

/// Each item escaped with `quote`.
pub(crate) fn quoted(items: &[String], quote: fn(&str) -> String) -> Vec<String> {
    items.iter().map(|s| quote(s)).collect()
}

/// `a, b, c` for a header value.
pub(crate) fn comma(items: &[String]) -> String {
    items.join(", ")
}

/// `` `a`, `b` `` for a note.
pub(crate) fn ticked(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `s` on one line, for a `#` or `//` comment: every control character
/// (a line break would end the comment) becomes a space.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_or_wraps() {
        let items: Vec<String> = vec!["'a'".into(), "'b'".into()];
        assert_eq!(ListStyle::JS.fit(&items, "  ", 10, 1), "['a', 'b']");
        assert_eq!(
            ListStyle::JS.fit(&items, "  ", 75, 1),
            "[\n    'a',\n    'b',\n  ]"
        );
        assert_eq!(ticked(&items[..1]), "`'a'`");
    }

    #[test]
    fn one_line_keeps_a_comment_on_its_line() {
        assert_eq!(one_line("/a\nb\rc\td"), "/a b c d");
        assert_eq!(one_line("/it's/**"), "/it's/**");
    }
}
