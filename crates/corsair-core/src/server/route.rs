//! Per-route policies: the first route whose path pattern matches a request's
//! path decides; the rest use the default policy.

use super::CorsPolicy;

/// A path pattern: `/exact/path`, `*` for one segment (`/api/*/items`),
/// and a final `/**` for the path and everything below it (`/public/**`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPattern {
    text: Box<str>,
}

/// Why a path pattern is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathPatternError {
    /// It does not start with `/`.
    #[error("a route path starts with `/`")]
    NotAbsolute,
    /// `**` somewhere other than the whole last segment.
    #[error("`**` may only be the whole last segment (`/public/**`)")]
    MisplacedDoubleStar,
    /// `*` mixed with other characters in a segment.
    #[error("`*` stands for a whole segment (`/api/*/items`), not part of one")]
    PartialStar,
    /// A query or fragment.
    #[error("a route path has no query or fragment")]
    HasQuery,
    /// A character browsers always send percent-encoded in a path (URL
    /// Standard, path percent-encode set), so the route could never match.
    #[error("{shown} never appears as it is in a path a browser sends: it is sent percent-encoded ({encoded}), so write it that way")]
    Unencoded {
        /// The character, shown (`\n` for a control character).
        shown: String,
        /// Its percent-encoded form in UTF-8 (`%22`, `%C3%A9`).
        encoded: String,
    },
}

/// Whether browsers percent-encode `c` in a URL path: the URL Standard's
/// path percent-encode set (C0 controls, space, `"`, `#`, `<`, `>`, `?`,
/// backtick, `{`, `}`), DEL and every non-ASCII character.
fn sent_encoded(c: char) -> bool {
    c.is_ascii_control() || !c.is_ascii() || matches!(c, ' ' | '"' | '<' | '>' | '`' | '{' | '}')
}

impl PathPattern {
    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<PathPattern, PathPatternError> {
        if !text.starts_with('/') {
            return Err(PathPatternError::NotAbsolute);
        }
        if text.contains(['?', '#']) {
            return Err(PathPatternError::HasQuery);
        }
        if let Some(c) = text.chars().find(|&c| sent_encoded(c)) {
            let mut utf8 = [0u8; 4];
            let encoded = c
                .encode_utf8(&mut utf8)
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect();
            let shown = match c {
                '`' => "a backtick".to_owned(),
                c if c.is_control() => format!("`{}`", c.escape_default()),
                c => format!("`{c}`"),
            };
            return Err(PathPatternError::Unencoded { shown, encoded });
        }
        let segments: Vec<&str> = text[1..].split('/').collect();
        for (i, seg) in segments.iter().enumerate() {
            if seg.contains("**") && (*seg != "**" || i + 1 != segments.len()) {
                return Err(PathPatternError::MisplacedDoubleStar);
            }
            if seg.contains('*') && *seg != "*" && *seg != "**" {
                return Err(PathPatternError::PartialStar);
            }
        }
        Ok(PathPattern { text: text.into() })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a request path (without its query) matches. Never allocates.
    pub fn matches(&self, path: &str) -> bool {
        let mut want = self.text[1..].split('/');
        let mut got = path.strip_prefix('/').unwrap_or(path).split('/');
        loop {
            match (want.next(), got.next()) {
                (Some("**"), _) => return true,
                (None, None) => return true,
                (Some("*"), Some(g)) if !g.is_empty() => {}
                (Some(w), Some(g)) if w == g => {}
                _ => return false,
            }
        }
    }

    /// Whether every path this pattern matches is also matched by `other`
    /// (so a route with this pattern after `other` is never reached).
    pub fn covered_by(&self, other: &PathPattern) -> bool {
        let mut mine = self.text[1..].split('/');
        let mut theirs = other.text[1..].split('/');
        loop {
            match (mine.next(), theirs.next()) {
                (_, Some("**")) => return true,
                (None, None) => return true,
                (Some(m), Some("*")) if m != "**" && !m.is_empty() => {}
                (Some(m), Some(t)) if m == t => {}
                _ => return false,
            }
        }
    }
}

/// A default policy and per-route ones.
#[derive(Clone, Debug)]
pub struct PolicySet {
    routes: Vec<(PathPattern, CorsPolicy)>,
    default: CorsPolicy,
}

impl PolicySet {
    /// One policy for every path.
    pub fn single(policy: CorsPolicy) -> PolicySet {
        PolicySet {
            routes: Vec::new(),
            default: policy,
        }
    }

    /// A default policy and routes, tried in order.
    pub fn new(default: CorsPolicy, routes: Vec<(PathPattern, CorsPolicy)>) -> PolicySet {
        PolicySet { routes, default }
    }

    /// The policy for a path, with the index of its route (`None` for the default).
    pub fn for_path(&self, path: &str) -> (Option<usize>, &CorsPolicy) {
        self.routes
            .iter()
            .position(|(p, _)| p.matches(path))
            .map_or((None, &self.default), |i| (Some(i), &self.routes[i].1))
    }

    /// The route patterns, in order.
    pub fn route_patterns(&self) -> impl Iterator<Item = &PathPattern> {
        self.routes.iter().map(|(p, _)| p)
    }

    /// Every policy: the default first, then the routes'.
    pub fn policies(&self) -> impl Iterator<Item = &CorsPolicy> {
        std::iter::once(&self.default).chain(self.routes.iter().map(|(_, p)| p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segments() {
        let cases: &[(&str, &str, bool)] = &[
            ("/public/**", "/public", true),
            ("/public/**", "/public/", true),
            ("/public/**", "/public/a/b", true),
            ("/public/**", "/publicity", false),
            ("/api/*/items", "/api/7/items", true),
            ("/api/*/items", "/api//items", false),
            ("/api/*/items", "/api/7/items/8", false),
            ("/health", "/health", true),
            ("/health", "/health/", false),
            ("/**", "/anything/at/all", true),
        ];
        for (pattern, path, want) in cases {
            let p = PathPattern::parse(pattern).unwrap();
            assert_eq!(p.matches(path), *want, "{pattern} {path}");
        }
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert_eq!(
            PathPattern::parse("public"),
            Err(PathPatternError::NotAbsolute)
        );
        assert_eq!(
            PathPattern::parse("/a/**/b"),
            Err(PathPatternError::MisplacedDoubleStar)
        );
        assert_eq!(
            PathPattern::parse("/a/x*"),
            Err(PathPatternError::PartialStar)
        );
        assert_eq!(
            PathPattern::parse("/a?b=1"),
            Err(PathPatternError::HasQuery)
        );
        // What a browser always sends percent-encoded can never match.
        for (pattern, shown, encoded) in [
            ("/users/{id}", "`{`", "%7B"),
            ("/a b/**", "` `", "%20"),
            ("/say\"hi\"", "`\"`", "%22"),
            ("/x<y>", "`<`", "%3C"),
            ("/tick`", "a backtick", "%60"),
            ("/caf\u{e9}", "`\u{e9}`", "%C3%A9"),
            ("/line\nbreak", "`\\n`", "%0A"),
            ("/del\u{7f}", "`\\u{7f}`", "%7F"),
        ] {
            assert_eq!(
                PathPattern::parse(pattern),
                Err(PathPatternError::Unencoded {
                    shown: shown.into(),
                    encoded: encoded.into()
                }),
                "{pattern:?}"
            );
        }
        // What a browser sends as it is stays allowed.
        for pattern in ["/it's/**", "/a$b", "/%7Bid%7D", "/a:b@c!d", "/x;y=1"] {
            assert!(PathPattern::parse(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn coverage() {
        let p = |s| PathPattern::parse(s).unwrap();
        assert!(p("/api/users").covered_by(&p("/api/**")));
        assert!(p("/api/*/x").covered_by(&p("/api/*/x")));
        assert!(p("/api/7/x").covered_by(&p("/api/*/x")));
        assert!(!p("/api/**").covered_by(&p("/api/*")));
        assert!(!p("/other").covered_by(&p("/api/**")));
    }
}
