//! corsair-tower against tower-http's `CorsLayer`, same run, same policy:
//! allowed actual request, allowed preflight, refused preflight, with one
//! origin and with 1,000 origins plus 100 subdomain patterns, and a hostile
//! `Access-Control-Request-Headers`. Before timing, the allocations each
//! layer adds per request are counted and printed.
//!
//! `cargo bench -p corsair-tower --bench layer`

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use corsair_core::policy::PolicyBuilder;
use criterion::Criterion;
use http::{header, HeaderMap, HeaderValue, Method, Request, Response};
use tower::{Layer, Service};

#[global_allocator]
static GLOBAL: corsair_core::alloc_count::Counting = corsair_core::alloc_count::Counting;

type Body = String;

/// The application: a JSON answer whose header map has room to spare, as a
/// real one does (so neither layer pays for the map growing).
fn app(
) -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Unpin> + Clone
{
    tower::service_fn(|_req: Request<Body>| {
        let mut headers = HeaderMap::with_capacity(16);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let mut res = Response::new(Body::new());
        *res.headers_mut() = headers;
        std::future::ready(Ok::<_, Infallible>(res))
    })
}

fn origins(many: bool) -> (Vec<String>, Vec<String>) {
    if !many {
        return (vec!["https://app.example.com".into()], vec![]);
    }
    let mut exact: Vec<String> = (0..999)
        .map(|i| format!("https://app{i}.example.com"))
        .collect();
    exact.push("https://app.example.com".into());
    let patterns = (0..100).map(|i| format!("tenant{i}.example.org")).collect();
    (exact, patterns)
}

fn corsair_layer(many: bool) -> corsair_tower::CorsLayer {
    let (exact, patterns) = origins(many);
    let mut all = exact;
    all.extend(patterns.iter().map(|p| format!("https://*.{p}")));
    corsair_tower::CorsLayer::new(
        PolicyBuilder::new()
            .origins(all)
            .credentials(true)
            .methods(["PUT", "DELETE"])
            .request_headers(["content-type", "authorization", "x-request-id"])
            .expose_headers(["etag"])
            .max_age(7200),
    )
    .expect("valid policy")
    .on_refusal(|_| {})
}

fn tower_http_layer(many: bool) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let (exact, patterns) = origins(many);
    let allow_origin = if many {
        // What a careful user writes for exact origins plus subdomain patterns.
        let exact: HashSet<HeaderValue> = exact
            .iter()
            .map(|o| HeaderValue::from_str(o).unwrap())
            .collect();
        let patterns: Vec<String> = patterns.iter().map(|p| format!(".{p}")).collect();
        AllowOrigin::predicate(move |origin, _| {
            exact.contains(origin)
                || origin.to_str().is_ok_and(|o| {
                    o.starts_with("https://") && patterns.iter().any(|p| o.ends_with(p.as_str()))
                })
        })
    } else {
        AllowOrigin::exact(HeaderValue::from_static("https://app.example.com"))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([header::ETAG])
        .max_age(std::time::Duration::from_secs(7200))
}

#[derive(Clone, Copy)]
enum Case {
    AllowedActual,
    AllowedPreflight,
    RefusedPreflight,
    HostileHeaders,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::AllowedActual => "allowed actual",
            Case::AllowedPreflight => "allowed preflight",
            Case::RefusedPreflight => "refused preflight",
            Case::HostileHeaders => "hostile request-headers",
        }
    }

    fn request(self, hostile: &HeaderValue) -> Request<Body> {
        let (method, origin) = match self {
            Case::AllowedActual => (Method::GET, "https://app.example.com"),
            Case::RefusedPreflight => (Method::OPTIONS, "https://evil.example"),
            _ => (Method::OPTIONS, "https://app.example.com"),
        };
        let mut req = Request::builder()
            .method(method.clone())
            .uri("/api/items")
            .header(header::ORIGIN, HeaderValue::from_static(origin));
        if method == Method::OPTIONS {
            req = req.header(
                header::ACCESS_CONTROL_REQUEST_METHOD,
                HeaderValue::from_static("PUT"),
            );
            let acrh = match self {
                Case::HostileHeaders => hostile.clone(),
                _ => HeaderValue::from_static("authorization,content-type"),
            };
            req = req.header(header::ACCESS_CONTROL_REQUEST_HEADERS, acrh);
        }
        req.body(Body::new()).expect("request")
    }
}

/// Calls the service and drives its future (ready at once) to the response.
/// Never inlined, so callgrind can count it alone (`--toggle-collect`).
#[inline(never)]
fn call<S>(svc: &mut S, req: Request<Body>) -> Response<Body>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    let mut cx = Context::from_waker(Waker::noop());
    let mut fut = pin!(svc.call(req));
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(res)) => res,
        _ => unreachable!("the test application answers at once"),
    }
}

fn allocations_per_call<S>(svc: &mut S, case: Case, hostile: &HeaderValue) -> f64
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    const N: usize = 1000;
    let mut total = 0;
    for _ in 0..N {
        let req = case.request(hostile);
        let before = corsair_core::alloc_count::allocations();
        let res = call(svc, req);
        total += corsair_core::alloc_count::allocations() - before;
        drop(black_box(res));
    }
    total as f64 / N as f64
}

const CASES: [Case; 4] = [
    Case::AllowedActual,
    Case::AllowedPreflight,
    Case::RefusedPreflight,
    Case::HostileHeaders,
];

fn report_allocations(hostile: &HeaderValue) {
    let mut baseline = app();
    let base = allocations_per_call(&mut baseline, Case::AllowedActual, hostile);
    println!(
        "allocations per request (the application alone: {base:.1}; a preflight never reaches it)"
    );
    println!(
        "{:<26} {:>9} {:>16} {:>18}",
        "case", "origins", "corsair-tower", "tower-http"
    );
    for many in [false, true] {
        for case in CASES {
            let mut ours = corsair_layer(many).layer(app());
            let mut theirs = tower_http_layer(many).layer(app());
            let sub = if matches!(case, Case::AllowedActual) {
                base
            } else {
                0.0
            };
            let a = allocations_per_call(&mut ours, case, hostile) - sub;
            let b = allocations_per_call(&mut theirs, case, hostile) - sub;
            println!(
                "{:<26} {:>9} {:>16.1} {:>18.1}",
                case.name(),
                if many { "1000+100" } else { "1" },
                a,
                b
            );
        }
    }
}

/// Times `iters` calls, requests built beforehand in chunks (not timed);
/// each response is dropped inside the timed loop, for both layers alike.
fn timed<S>(svc: &mut S, case: Case, hostile: &HeaderValue, iters: u64) -> std::time::Duration
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    let mut total = std::time::Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(128);
        let requests: Vec<Request<Body>> = (0..n).map(|_| case.request(hostile)).collect();
        let start = std::time::Instant::now();
        for req in requests {
            black_box(call(svc, req));
        }
        total += start.elapsed();
        left -= n;
    }
    total
}

fn bench(c: &mut Criterion, hostile: &HeaderValue) {
    // What the application costs without any layer: subtract it from the
    // "allowed actual" figures to get each layer's own cost.
    let mut alone = app();
    c.bench_function("application alone", |b| {
        b.iter_custom(|iters| timed(&mut alone, Case::AllowedActual, hostile, iters))
    });
    for many in [false, true] {
        let size = if many { "1000+100" } else { "1" };
        for case in CASES {
            let mut group = c.benchmark_group(format!("{} / {size} origins", case.name()));
            let mut ours = corsair_layer(many).layer(app());
            group.bench_function("corsair-tower", |b| {
                b.iter_custom(|iters| timed(&mut ours, case, hostile, iters))
            });
            let mut theirs = tower_http_layer(many).layer(app());
            group.bench_function("tower-http", |b| {
                b.iter_custom(|iters| timed(&mut theirs, case, hostile, iters))
            });
            group.finish();
        }
    }
}

/// `LAYER_COUNT=CASE,LAYER,ORIGINS` (e.g. `2,tower-http,1000`): makes 10,000
/// calls and exits, for instruction counts under
/// `valgrind --tool=callgrind --toggle-collect='layer::call*'`.
fn count_mode(spec: &str, hostile: &HeaderValue) {
    let parts: Vec<&str> = spec.split(',').collect();
    let case = CASES[parts
        .first()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0)
        .min(3)];
    let many = parts.get(2) == Some(&"1000");
    let mut requests: Vec<Request<Body>> = (0..10_000).map(|_| case.request(hostile)).collect();
    if parts.get(1) == Some(&"tower-http") {
        let mut svc = tower_http_layer(many).layer(app());
        for req in requests.drain(..) {
            black_box(call(&mut svc, req));
        }
    } else {
        let mut svc = corsair_layer(many).layer(app());
        for req in requests.drain(..) {
            black_box(call(&mut svc, req));
        }
    }
}

fn main() {
    // A megabyte of header names: what rs/cors once spent 127 ms on.
    let hostile = HeaderValue::from_str(&"x-a,".repeat(256 * 1024)).expect("header value");
    if let Ok(spec) = std::env::var("LAYER_COUNT") {
        count_mode(&spec, &hostile);
        return;
    }
    // Profiling runs (`--profile-time`, e.g. under callgrind) count only the timed calls.
    if !std::env::args().any(|a| a == "--profile-time") {
        report_allocations(&hostile);
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &hostile);
    c.final_summary();
}
