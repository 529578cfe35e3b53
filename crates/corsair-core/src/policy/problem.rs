//! A problem found in a policy, and where it is.

use std::ops::Range;

use serde::Serialize;

use crate::catalog::{Severity, Slug};

/// Where a policy value came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    /// Bytes `span` of the policy file.
    File {
        /// Byte range in the file's text.
        span: Range<usize>,
    },
    /// Entry `index` (0-based) of a comma-separated environment variable.
    Env {
        /// The variable (`CORS_ORIGINS`).
        var: &'static str,
        /// Which entry.
        index: usize,
    },
    /// Set in code (the builder), entry `index` of `key`.
    Code {
        /// The key (`origins`).
        key: &'static str,
        /// Which entry, for lists.
        index: Option<usize>,
    },
    /// No better place (a key that is missing altogether).
    Nowhere,
}

/// One problem in a policy: a catalog slug, how bad, what, where, and the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Catalog slug.
    pub slug: Slug,
    /// Severity here.
    pub severity: Severity,
    /// What is wrong, naming the value.
    pub message: String,
    /// The concrete change that fixes it.
    pub fix: String,
    /// Where.
    pub location: Location,
    /// The stage whose policy shows the problem (`None`: every stage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

impl Problem {
    /// A problem with the slug's own severity.
    pub fn new(
        slug: Slug,
        location: Location,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Problem {
        Problem {
            slug,
            severity: slug.severity(),
            message: message.into(),
            fix: fix.into(),
            location,
            stage: None,
        }
    }

    /// The same problem with another severity.
    pub fn with_severity(mut self, severity: Severity) -> Problem {
        self.severity = severity;
        self
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
///
/// Costs a pass over `text`: for many offsets in one text, build a
/// [`LineIndex`] once.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(offset)
}

/// Bytes between two character-count checkpoints of a [`LineIndex`].
const CHECKPOINT: usize = 1024;

/// Lines and character positions of one text, found in one pass, so that
/// placing many problems costs O(log n) each rather than a pass over the text
/// each (a policy with 100,000 origins on one line has 100,000 problems).
#[derive(Clone, Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// `(byte offset, characters before it)` every [`CHECKPOINT`] bytes, at
    /// character boundaries.
    checkpoints: Vec<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0];
        let mut checkpoints = vec![(0, 0)];
        let mut next = CHECKPOINT;
        for (chars, (i, c)) in text.char_indices().enumerate() {
            if i >= next {
                checkpoints.push((i, chars));
                next = i + CHECKPOINT;
            }
            if c == '\n' {
                line_starts.push(i + 1);
            }
        }
        LineIndex {
            text,
            line_starts,
            checkpoints,
        }
    }

    /// Characters before byte `offset` (clamped, and moved back to a
    /// character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let at = self.checkpoints.partition_point(|&(b, _)| b <= offset);
        let (byte, chars) = self.checkpoints[at.saturating_sub(1)];
        chars + self.text[byte..offset].chars().count()
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s <= offset.min(self.text.len()))
            .saturating_sub(1)
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let col = self.chars_before(offset) - self.chars_before(self.line_starts[line]);
        (line + 1, col + 1)
    }

    /// Byte offset where 1-based line `line` starts (the text's end past
    /// the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text of 1-based line `line`, without its line break (empty past
    /// the end).
    pub fn line(&self, line: usize) -> &'a str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        let text = &self.text[start..end];
        let text = text.strip_suffix('\n').unwrap_or(text);
        text.strip_suffix('\r').unwrap_or(text)
    }
}

pub use crate::spelling::edit_distance;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let text = "a = 1\nbé = [\"x\"]\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('[').unwrap()), (2, 6));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn index_agrees_with_a_plain_count() {
        // Long lines cross checkpoints; multi-byte characters straddle them.
        let long = "é".repeat(3000) + "x\nab\r\n" + &"z".repeat(5000);
        for text in ["", "\n", "a\nb", "a = 1\nbé = [\"x\"]\n", long.as_str()] {
            let index = LineIndex::new(text);
            for offset in (0..=text.len() + 2).step_by(7) {
                let offset = offset.min(text.len() + 2);
                let clamped = offset.min(text.len());
                let mut b = clamped;
                while !text.is_char_boundary(b) {
                    b -= 1;
                }
                let before = &text[..b];
                let line = before.matches('\n').count() + 1;
                let start = before.rfind('\n').map_or(0, |i| i + 1);
                let col = before[start..].chars().count() + 1;
                assert_eq!(
                    index.line_col(offset),
                    (line, col),
                    "{offset} in {:?}",
                    &text[..text.len().min(20)]
                );
            }
        }
        let index = LineIndex::new(&long);
        assert_eq!(index.line(2), "ab");
        assert_eq!(index.line(3).len(), 5000);
        assert_eq!(index.line(4), "");
        assert_eq!(index.line(0), "");
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("origins", "orgins"), 1);
        assert_eq!(edit_distance("max_age", "max-age"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
