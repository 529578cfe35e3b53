//! Which origin entries another entry of the same list already covers, found
//! through an index of the entries rather than by comparing every pair (a list
//! of 100,000 origins would take 10^10 comparisons).

use std::collections::HashMap as StdMap;

type HashMap<K, V> = StdMap<K, V, foldhash::fast::RandomState>;

use crate::spec::{Pattern, PortRule};

use super::spec::OriginEntry;

/// A port rule, borrowed, as an index key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Port<'a> {
    Default,
    Exact(&'a str),
    Any,
}

impl<'a> Port<'a> {
    fn of(rule: &'a PortRule) -> Port<'a> {
        match rule {
            PortRule::Default => Port::Default,
            PortRule::Exact(p) => Port::Exact(p),
            PortRule::Any => Port::Any,
        }
    }
}

/// A pattern as an index key: scheme, host, subdomains, port.
type Key<'a> = (&'a str, &'a str, bool, Port<'a>);

fn key(p: &Pattern) -> Key<'_> {
    (&p.scheme, &p.host, p.subdomains, Port::of(&p.port))
}

/// For each entry, the first other entry that allows every origin it allows
/// (an identical entry counts only when it comes earlier), as `covers`
/// decides: the index only narrows the candidates, `covers` has the last
/// word. Linear in the entries times the labels of their hosts.
pub fn first_covering(
    entries: &[&OriginEntry],
    covers: impl Fn(&OriginEntry, &OriginEntry) -> bool,
) -> Vec<Option<usize>> {
    let mut first_any = None;
    let mut exact: HashMap<&str, usize> = HashMap::default();
    let mut patterns: HashMap<Key<'_>, usize> = HashMap::default();
    for (i, entry) in entries.iter().enumerate() {
        match entry {
            OriginEntry::Any => {
                first_any.get_or_insert(i);
            }
            OriginEntry::Exact(o) => {
                exact.entry(o.as_str()).or_insert(i);
            }
            OriginEntry::Pattern(p) => {
                patterns.entry(key(p)).or_insert(i);
            }
        }
    }
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let mut candidates: Vec<usize> = first_any.into_iter().collect();
        match entry {
            OriginEntry::Any => {}
            OriginEntry::Exact(o) => {
                candidates.extend(exact.get(o.as_str()));
                if let Some((scheme, host, port)) = split_origin(o) {
                    let port = port.map_or(Port::Default, Port::Exact);
                    for port in [port, Port::Any] {
                        candidates.extend(patterns.get(&(scheme, host, false, port)));
                        for parent in parents(host) {
                            candidates.extend(patterns.get(&(scheme, parent, true, port)));
                        }
                    }
                }
            }
            OriginEntry::Pattern(p) => {
                let (scheme, host, subdomains, port) = key(p);
                for port in [port, Port::Any] {
                    if !subdomains {
                        candidates.extend(patterns.get(&(scheme, host, false, port)));
                    }
                    candidates.extend(patterns.get(&(scheme, host, true, port)));
                    for parent in parents(host) {
                        candidates.extend(patterns.get(&(scheme, parent, true, port)));
                    }
                }
            }
        }
        // Every entry of a bucket is the same entry, so the bucket's first
        // one decides for all of it.
        let found = candidates
            .into_iter()
            .filter(|&j| {
                j != i
                    && covers(entries[j], entries[i])
                    && (!covers(entries[i], entries[j]) || j < i)
            })
            .min();
        out.push(found);
    }
    out
}

/// `(scheme, host, port)` of a serialized origin.
fn split_origin(origin: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = origin.split_once("://")?;
    let host_end = if rest.starts_with('[') {
        rest.find(']').map_or(rest.len(), |i| i + 1)
    } else {
        rest.find(':').unwrap_or(rest.len())
    };
    let (host, tail) = rest.split_at(host_end);
    Some((scheme, host, tail.strip_prefix(':')))
}

/// The host's strict parents by labels: `a.b.c` gives `b.c`, then `c`.
fn parents(host: &str) -> impl Iterator<Item = &str> {
    host.match_indices('.').map(move |(i, _)| &host[i + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::origin_entry::analyze;

    fn entries(list: &[&str]) -> Vec<OriginEntry> {
        list.iter()
            .map(|t| {
                analyze(t)
                    .entry
                    .unwrap_or_else(|| panic!("{t} is not a valid entry"))
            })
            .collect()
    }

    /// The pairwise definition the index must agree with.
    fn pairwise(
        e: &[&OriginEntry],
        covers: impl Fn(&OriginEntry, &OriginEntry) -> bool,
    ) -> Vec<Option<usize>> {
        (0..e.len())
            .map(|i| {
                (0..e.len())
                    .find(|&j| j != i && covers(e[j], e[i]) && (!covers(e[i], e[j]) || j < i))
            })
            .collect()
    }

    #[test]
    fn agrees_with_every_pair() {
        let lists: &[&[&str]] = &[
            &["https://a.example.com", "https://a.example.com"],
            &[
                "https://*.example.com",
                "https://a.example.com",
                "https://x.a.example.com",
            ],
            &[
                "https://x.a.example.com",
                "https://*.a.example.com",
                "https://*.example.com",
            ],
            &[
                "http://localhost:*",
                "http://localhost:3000",
                "http://localhost",
            ],
            &[
                "http://localhost:3000",
                "http://*.localhost:*",
                "http://a.localhost:3000",
            ],
            &[
                "https://*.example.com:8443",
                "https://a.example.com:8443",
                "https://a.example.com",
            ],
            &["https://a.example.com", "*", "https://b.example.com", "*"],
            &[
                "https://*.example.com",
                "https://*.example.com",
                "https://*.b.example.com:*",
            ],
            &[
                "https://*.example.com:*",
                "https://*.b.example.com:8443",
                "https://example.com",
            ],
            &[
                "http://[::1]:8080",
                "http://[::1]:*",
                "http://127.0.0.1:*",
                "http://127.0.0.1:9",
            ],
        ];
        for list in lists {
            let owned = entries(list);
            let refs: Vec<&OriginEntry> = owned.iter().collect();
            let covers = super::super::validate::covers;
            assert_eq!(
                first_covering(&refs, covers),
                pairwise(&refs, covers),
                "{list:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn random_lists_agree_with_every_pair(picks in proptest::collection::vec(0..POOL.len(), 0..40)) {
            let owned = entries(&picks.iter().map(|&i| POOL[i]).collect::<Vec<_>>());
            let refs: Vec<&OriginEntry> = owned.iter().collect();
            let covers = super::super::validate::covers;
            proptest::prop_assert_eq!(first_covering(&refs, covers), pairwise(&refs, covers));
        }
    }

    const POOL: &[&str] = &[
        "*",
        "https://example.com",
        "https://a.example.com",
        "https://a.example.com:8443",
        "https://x.a.example.com",
        "http://a.example.com",
        "https://*.example.com",
        "https://*.a.example.com",
        "https://*.example.com:*",
        "https://*.example.com:8443",
        "https://*.a.example.com:*",
        "http://*.example.com",
        "http://localhost",
        "http://localhost:3000",
        "http://localhost:*",
        "http://*.localhost:*",
        "http://127.0.0.1:*",
        "http://127.0.0.1:9",
    ];
}
