//! The indexed lookups that keep large inputs linear give the same answers
//! as the plain scans they replace, on short lists (scanned) and long ones
//! (hashed) alike.

use corsair_core::names::NameSet;
use corsair_core::request_headers::{Combiner, SentHeader};
use proptest::prelude::*;

/// Names drawn from a small pool in random letter case, so repeats are common.
fn names(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        (0..40u8, any::<bool>()).prop_map(|(i, upper)| {
            let n = format!("x-h{i}");
            if upper {
                n.to_ascii_uppercase()
            } else {
                n
            }
        }),
        0..max,
    )
}

proptest! {
    #[test]
    fn combiner_is_the_plain_fold(list in names(80)) {
        let mut plain: Vec<SentHeader> = Vec::new();
        for (i, name) in list.iter().enumerate() {
            let value = i.to_string();
            match plain.iter_mut().find(|h| h.name.eq_ignore_ascii_case(name)) {
                Some(h) => {
                    h.value.push_str(", ");
                    h.value.push_str(&value);
                }
                None => plain.push(SentHeader { name: name.to_ascii_lowercase(), value }),
            }
        }
        let mut combined = Combiner::default();
        for (i, name) in list.iter().enumerate() {
            combined.add(name, &i.to_string());
        }
        prop_assert_eq!(combined.finish(), plain);
    }

    #[test]
    fn name_set_is_the_plain_scan(list in names(80), probes in names(30)) {
        let set = NameSet::new(&list);
        for p in &probes {
            prop_assert_eq!(set.contains(p), list.iter().any(|n| n.eq_ignore_ascii_case(p)));
        }
    }
}
