//! The HAR reader on arbitrary bytes: never panics; what it hands over stays
//! within its limits; pairing and page origins never panic, pairing accounts
//! for every entry exactly once (in one exchange, or counted as a redirect
//! hop past the browsers' bound), and the streaming judge never panics and
//! numbers requests as the reader did.
#![no_main]

use corsair_core::Profile;
use corsair_doctor::har::{
    cross_origin, pair_counted, read, BODY_PREFIX, MAX_HEADERS, MAX_KEPT_HOPS,
};
use corsair_doctor::har_check::judge_stream;
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
    let (exchanges, stats) = pair_counted(&entries);
    let mut seen = vec![0u8; entries.len()];
    let mut last = None;
    for x in &exchanges {
        assert!(last < Some(x.request), "exchanges out of order");
        last = Some(x.request);
        assert!(x.redirects.len() <= MAX_KEPT_HOPS);
        assert_eq!(x.redirects.len(), x.redirect_preflights.len());
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
    assert!(seen.iter().all(|&n| n <= 1), "an entry in two exchanges");
    assert_eq!(
        seen.iter().filter(|&&n| n == 0).count(),
        stats.hops_cut,
        "an entry in no exchange that was not cut"
    );
    let indices: Vec<usize> = entries.iter().map(|e| e.index).collect();
    let (_, error) = judge_stream(data, &summary, Profile::Chrome, |v| {
        assert!(
            indices.binary_search(&v.entry).is_ok(),
            "a request numbered as no entry"
        );
    });
    assert!(
        error.is_none(),
        "the second pass failed where the first did not"
    );
});
