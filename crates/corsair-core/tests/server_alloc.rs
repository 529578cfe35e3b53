//! The server model decides without touching the heap, on every path, with
//! 1,000 exact origins and 100 patterns (counted by a wrapping allocator).

use corsair_core::policy::PolicyBuilder;
use corsair_core::server::{CorsRequest, Decision, Field};

#[global_allocator]
static GLOBAL: corsair_core::alloc_count::Counting = corsair_core::alloc_count::Counting;

#[test]
fn no_allocation_per_decision() {
    let mut origins: Vec<String> = (0..1000)
        .map(|i| format!("https://app{i}.example.com"))
        .collect();
    origins.extend((0..100).map(|i| format!("https://*.tenant{i}.example.org")));
    let set = PolicyBuilder::new()
        .origins(origins)
        .credentials(true)
        .methods(["PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["etag"])
        .max_age(7200)
        .build()
        .expect("valid");
    let hostile = "x-a,".repeat(300_000);
    let preflight = |origin: &'static str, acrh: &'static str| CorsRequest {
        method: "OPTIONS",
        origin: Field::One(origin.as_bytes()),
        request_method: Field::One(b"PUT"),
        request_headers: Field::One(acrh.as_bytes()),
        request_local_network: false,
    };
    let hostile_req = CorsRequest {
        request_headers: Field::One(hostile.as_bytes()),
        ..preflight("https://app7.example.com", "")
    };
    let requests = [
        CorsRequest {
            method: "GET",
            origin: Field::One(b"https://app999.example.com"),
            ..CorsRequest::default()
        },
        CorsRequest {
            method: "GET",
            origin: Field::One(b"https://x.y.tenant42.example.org"),
            ..CorsRequest::default()
        },
        CorsRequest {
            method: "GET",
            origin: Field::One(b"https://evil.example"),
            ..CorsRequest::default()
        },
        CorsRequest {
            method: "GET",
            ..CorsRequest::default()
        },
        preflight("https://app1.example.com", "authorization,content-type"),
        preflight("https://a.tenant3.example.org", "x-request-id"),
        preflight("https://evil.example", "authorization"),
        preflight("https://app1.example.com", "x-not-allowed"),
        hostile_req,
    ];
    let mut allowed = 0;
    let before = corsair_core::alloc_count::allocations();
    for _ in 0..100 {
        for req in &requests {
            let (_, policy) = set.for_path("/api/items");
            match std::hint::black_box(policy.decide(std::hint::black_box(req))) {
                Decision::PreflightAllowed(_) | Decision::Actual { grant: Some(_), .. } => {
                    allowed += 1
                }
                _ => {}
            }
        }
    }
    let after = corsair_core::alloc_count::allocations();
    assert_eq!(after - before, 0, "allocations while deciding");
    assert_eq!(allowed, 400);
}
