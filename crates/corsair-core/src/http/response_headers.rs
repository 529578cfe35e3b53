//! Reading a response's header list the way the network stack does:
//! case-insensitive names, values trimmed, repeated lines joined by `", "`.

use std::borrow::Cow;

use super::grammar::trim_http_ws;

/// A header list as `[name, value]` pairs in wire order.
pub type HeaderPairs = [(String, String)];

/// The combined value of every line named `name`, or `None` when absent.
pub fn combined<'a>(headers: &'a HeaderPairs, name: &str) -> Option<Cow<'a, str>> {
    let mut found: Option<Cow<'a, str>> = None;
    for (n, v) in headers {
        if !n.eq_ignore_ascii_case(name) {
            continue;
        }
        let v = trim_http_ws(v);
        found = Some(match found {
            None => Cow::Borrowed(v),
            Some(prev) => Cow::Owned(format!("{prev}, {v}")),
        });
    }
    found
}

/// How many lines carry `name`.
pub fn count(headers: &HeaderPairs, name: &str) -> usize {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .count()
}

/// The first line named `name` (for `Location`, which must not repeat).
pub fn first<'a>(headers: &'a HeaderPairs, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| trim_http_ws(v))
}

/// Whether the list has a line named `name`.
pub fn has(headers: &HeaderPairs, name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn joins_and_trims() {
        let list = h(&[("ACAO", " a "), ("x", "y"), ("acao", "b")]);
        assert_eq!(combined(&list, "Acao").unwrap(), "a, b");
        assert_eq!(count(&list, "acao"), 2);
        assert_eq!(combined(&list, "z"), None);
        assert_eq!(first(&list, "ACAO"), Some("a"));
    }
}
