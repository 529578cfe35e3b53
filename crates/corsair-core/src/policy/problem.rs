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
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Edit distance between two short strings (for "did you mean" hints).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

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
    fn distances() {
        assert_eq!(edit_distance("origins", "orgins"), 1);
        assert_eq!(edit_distance("max_age", "max-age"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
