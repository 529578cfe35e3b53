//! The server model on arbitrary request headers: never panics, echoes only
//! what it was given, and agrees with the plain reading of the policy.
#![no_main]

use corsair_core::policy::PolicyBuilder;
use corsair_core::server::{AllowOrigin, CorsRequest, Decision, Field};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let origin = parts.next().unwrap_or_default();
    let method = parts.next().unwrap_or_default();
    let headers = parts.next().unwrap_or_default();
    let Ok(set) = PolicyBuilder::new()
        .origins(["https://app.example.com", "https://*.example.org", "http://localhost:*"])
        .credentials(true)
        .methods(["PUT", "*"])
        .request_headers(["content-type", "*"])
        .max_age(600)
        .build()
    else {
        return;
    };
    let policy = set.for_path("/").1;
    let req = CorsRequest {
        method: "OPTIONS",
        origin: Field::One(origin),
        request_method: Field::One(method),
        request_headers: Field::One(headers),
        request_local_network: false,
    };
    match policy.decide(&req) {
        Decision::PreflightAllowed(g) => {
            assert_eq!(g.allow_origin, AllowOrigin::Echo(origin));
            let text = std::str::from_utf8(origin).expect("allowed origins are ASCII");
            let named = ["https://app.example.com", "https://*.example.org", "http://localhost:*"]
                .iter()
                .filter_map(|e| corsair_core::policy::origin_entry::analyze(e).entry)
                .any(|e| e.allows(text));
            assert!(named, "allowed an origin the policy does not name: {text:?}");
        }
        Decision::PreflightRefused { .. } => {}
        Decision::Actual { .. } => panic!("a preflight decided as an actual request"),
    }
});
