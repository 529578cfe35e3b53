//! `corsair.toml` reading and checking: never panics, every problem's place
//! lies inside the file, and a policy that passes compiles and decides.
#![no_main]

use corsair_core::policy::{self, Location};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for stage in [None, Some("development"), Some("production")] {
        for p in policy::lint_text(text, stage, Some("https://a.example, x")) {
            if let Location::File { span } = &p.location {
                assert!(span.start <= span.end && span.end <= text.len(), "{p:?}");
            }
            assert!(!p.message.is_empty() && !p.fix.is_empty());
        }
        if let Ok((set, _)) = policy::from_toml(text, stage, None) {
            for p in set.policies() {
                let req = corsair_core::server::CorsRequest {
                    method: "OPTIONS",
                    origin: corsair_core::server::Field::One(b"https://a.example"),
                    request_method: corsair_core::server::Field::One(b"PUT"),
                    request_headers: corsair_core::server::Field::One(b"x-a, content-type"),
                    request_local_network: true,
                };
                let _ = p.decide(&req);
            }
        }
    }
    // Each line as one origin entry, too.
    for line in text.lines() {
        let a = policy::origin_entry::analyze(line);
        if let Some(s) = &a.suggestion {
            // A suggestion is itself a clean entry.
            let again = policy::origin_entry::analyze(s);
            assert!(again.entry.is_some(), "{line:?} -> {s:?}: {:?}", again.issues);
        }
    }
});
