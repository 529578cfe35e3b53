//! The HAR reader on arbitrary bytes: never panics; what it hands over stays
//! within its limits; pairing and page origins never panic and pairing
//! accounts for every entry exactly once.
#![no_main]

use corsair_doctor::har::{cross_origin, pair, read, BODY_PREFIX, MAX_HEADERS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut entries = Vec::new();
    let Ok(summary) = read(data, |e| entries.push(e)) else {
        return;
    };
    assert_eq!(summary.entries, entries.len());
    for e in &entries {
        assert!(e
            .request
            .body_prefix
            .as_ref()
            .is_none_or(|b| b.len() <= BODY_PREFIX));
        assert!(e
            .response
            .body_prefix
            .as_ref()
            .is_none_or(|b| b.len() <= BODY_PREFIX));
        assert!(e.request.headers.len() <= MAX_HEADERS);
        assert!(e.request.headers.iter().all(|(n, _)| !n.starts_with(':')));
        let _ = cross_origin(e, &summary.pages);
    }
    let exchanges = pair(&entries);
    let mut seen = vec![0u8; entries.len()];
    for x in &exchanges {
        let mut mark = |i: usize| seen[i] += 1;
        if x.lone_preflight {
            mark(x.request);
            continue;
        }
        mark(x.request);
        x.preflight.into_iter().for_each(&mut mark);
        x.redirects.iter().copied().for_each(&mut mark);
        x.redirect_preflights
            .iter()
            .flatten()
            .copied()
            .for_each(&mut mark);
    }
    assert!(
        seen.iter().all(|&n| n == 1),
        "an entry in no exchange or in two"
    );
});
