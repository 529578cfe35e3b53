//! Case-insensitive membership among header names. Real requests carry a
//! handful of headers, where a scan is fastest and allocates nothing; a
//! hostile scenario or HAR can carry thousands, where a scan per name makes
//! checking n names against m cost n × m. Past [`FEW`] names a hash set is
//! built once, so every check stays linear.

use std::collections::HashSet;

/// Lists up to this long are scanned; longer ones are hashed.
pub const FEW: usize = 16;

/// A set of names compared ASCII-case-insensitively, over a borrowed list.
#[derive(Debug)]
pub struct NameSet<'a, T: AsRef<str>> {
    items: &'a [T],
    hashed: Option<HashSet<String>>,
}

impl<'a, T: AsRef<str>> NameSet<'a, T> {
    /// The set of `items`' names.
    pub fn new(items: &'a [T]) -> NameSet<'a, T> {
        let hashed = (items.len() > FEW).then(|| {
            items
                .iter()
                .map(|n| n.as_ref().to_ascii_lowercase())
                .collect()
        });
        NameSet { items, hashed }
    }

    /// Whether `name` is in the set, in any letter case.
    pub fn contains(&self, name: &str) -> bool {
        match &self.hashed {
            Some(set) if name.bytes().any(|b| b.is_ascii_uppercase()) => {
                set.contains(&name.to_ascii_lowercase())
            }
            Some(set) => set.contains(name),
            None => self
                .items
                .iter()
                .any(|n| n.as_ref().eq_ignore_ascii_case(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_answers_scanned_or_hashed() {
        let few = ["Content-Type", "x-a"];
        let many: Vec<String> = (0..100).map(|i| format!("X-H{i}")).collect();
        let s = NameSet::new(&few);
        assert!(s.contains("content-type") && s.contains("X-A") && !s.contains("x-b"));
        let m = NameSet::new(&many);
        assert!(m.hashed.is_some());
        assert!(m.contains("x-h99") && m.contains("X-H0") && !m.contains("x-h100"));
    }
}
