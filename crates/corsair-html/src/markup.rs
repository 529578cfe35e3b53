//! A markup writer with one door for dynamic text.

use crate::escape::escape;

/// HTML being written. Tags, attribute names and [`Html::raw`] markup are
/// `&'static str`: the program's own. Everything else (text and attribute
/// values) goes through [`escape`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

/// Attributes whose value is a URL the browser follows: only a local one
/// (`#id`, `/path`, `?query`, or a file next to the page, `./name.html`,
/// of plain characters) is written, so no input can become a
/// `javascript:` link or a request to another host.
const URL_ATTRIBUTES: [&str; 4] = ["href", "src", "action", "formaction"];

fn local_url(value: &str) -> bool {
    let sibling = value.strip_prefix("./").is_some_and(|f| {
        !f.is_empty()
            && !f.starts_with('.')
            && f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    sibling
        || ((value.starts_with('#') || value.starts_with('?') || value.starts_with('/'))
            && !value.starts_with("//")
            && !value.contains('\\'))
}

impl Html {
    /// Empty.
    pub fn new() -> Html {
        Html(String::new())
    }

    /// `<tag a="v" …>`. An event-handler attribute (`on…`) is never written,
    /// nor a URL attribute whose value is not local.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Html {
        self.0.push('<');
        self.0.push_str(tag);
        for (name, value) in attrs {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("on")
                || (URL_ATTRIBUTES.contains(&lower.as_str()) && !local_url(value))
            {
                continue;
            }
            self.0.push(' ');
            self.0.push_str(name);
            self.0.push_str("=\"");
            self.0.push_str(&escape(value));
            self.0.push('"');
        }
        self.0.push('>');
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Html {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Html {
        self.0.push_str(&escape(text));
        self
    }

    /// Text of several lines, each escaped, the line breaks kept (for
    /// `<pre>`: a snippet, a body, a browser's console lines).
    pub fn lines(&mut self, text: &str) -> &mut Html {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.0.push('\n');
            }
            self.0.push_str(&escape(line));
        }
        self
    }

    /// `<tag …>text</tag>`.
    pub fn el(
        &mut self,
        tag: &'static str,
        attrs: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Html {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// The program's own markup, as it is.
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.0.push_str(markup);
        self
    }

    /// Markup written by another writer.
    pub fn append(&mut self, other: &Html) -> &mut Html {
        self.0.push_str(&other.0);
        self
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The markup.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Html;

    #[test]
    fn lines_keep_their_breaks_and_nothing_else() {
        let mut h = Html::new();
        h.lines("a<b\nc\r\x1b");
        assert_eq!(h.as_str(), "a&lt;b\nc\\r\\x1b");
    }

    #[test]
    fn values_are_escaped_and_links_stay_local() {
        let mut h = Html::new();
        h.open(
            "a",
            &[("href", "javascript:alert(1)"), ("title", "\"><script>")],
        )
        .text("<b>x</b>")
        .close("a");
        assert_eq!(
            h.as_str(),
            "<a title=\"&quot;&gt;&lt;script&gt;\">&lt;b&gt;x&lt;/b&gt;</a>"
        );
        let mut h = Html::new();
        h.open("a", &[("href", "#exchange-2"), ("onclick", "x()")])
            .close("a");
        assert_eq!(h.as_str(), "<a href=\"#exchange-2\"></a>");
        let mut h = Html::new();
        h.open("form", &[("action", "//evil.test/x")]).close("form");
        assert_eq!(h.as_str(), "<form></form>");
        // A file next to the page, of plain characters only.
        for (href, kept) in [
            ("./report-2.html", true),
            ("./../etc/passwd", false),
            ("./a/b.html", false),
            ("./javascript:alert(1)", false),
            ("./.hidden", false),
        ] {
            let mut h = Html::new();
            h.open("a", &[("href", href)]).close("a");
            assert_eq!(h.as_str().contains("href"), kept, "{href}");
        }
    }
}
