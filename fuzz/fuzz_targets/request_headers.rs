//! The request-header rules (forbidden names, CORS-safelisted values, MIME
//! essence, Range) never panic, and the ACRH value is sorted, lower-case,
//! deduplicated and comma-joined.
#![no_main]

use corsair_core::request_headers::{self, SentHeader};
use corsair_core::{grammar, mime, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text: String = data.iter().map(|&b| b as char).collect();
    let pairs: Vec<(&str, &str)> = text
        .split('\n')
        .filter_map(|line| line.split_once(':'))
        .collect();
    let _ = mime::essence(&text);
    for profile in Profile::ALL {
        let sent: Vec<SentHeader> = pairs
            .iter()
            // As the model does: a name that is not a token makes fetch()
            // throw before any of this runs.
            .filter(|(n, v)| grammar::is_token(n) && !request_headers::is_forbidden(n, v, profile))
            .map(|(n, v)| SentHeader { name: n.to_ascii_lowercase(), value: v.to_string() })
            .collect();
        for h in &sent {
            let _ = request_headers::is_safelisted(&h.name, &h.value, profile);
            let _ = request_headers::is_no_cors_safelisted(&h.name, &h.value, profile);
        }
        let names = request_headers::unsafe_names(&sent, profile);
        if let Some(acrh) = request_headers::access_control_request_headers(&names) {
            let parts: Vec<&str> = acrh.split(',').collect();
            let mut sorted = parts.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(parts, sorted);
        }
    }
});
