//! The layer in an axum application: preflights, actual responses (errors
//! included), duplicate layers, Vary, shadow and debug modes, hostile input,
//! and one exchange over a real loopback socket.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use corsair_core::policy::PolicyBuilder;
use corsair_tower::CorsLayer;
use http_body_util::BodyExt;
use tower::ServiceExt;

const POLICY: &str = r#"
[cors]
origins = ["https://app.example.com", "https://*.preview.example.com"]
credentials = true
methods = ["PUT", "DELETE"]
request-headers = ["content-type", "authorization"]
expose-headers = ["etag"]
max-age = 7200

[[routes]]
path = "/public/**"
origins = ["*"]
credentials = false
"#;

fn app(layer: CorsLayer, calls: Arc<AtomicUsize>) -> Router {
    let count = move || {
        calls.fetch_add(1, Ordering::SeqCst);
    };
    let (c1, c2, c3, c4, c5) = (
        count.clone(),
        count.clone(),
        count.clone(),
        count.clone(),
        count.clone(),
    );
    Router::new()
        .route(
            "/api/items",
            get(move || async move {
                c1();
                ([("etag", "\"v1\"")], "[]")
            })
            .options(move || async move {
                c2();
                "the application's own OPTIONS"
            }),
        )
        .route(
            "/api/fail",
            get(move || async move {
                c3();
                (StatusCode::INTERNAL_SERVER_ERROR, "boom")
            }),
        )
        .route(
            "/api/legacy",
            get(move || async move {
                c4();
                (
                    [
                        ("access-control-allow-origin", "*"),
                        ("access-control-allow-methods", "GET"),
                        ("vary", "Accept-Encoding"),
                    ],
                    "legacy",
                )
                    .into_response()
            }),
        )
        .route(
            "/public/logo",
            get(move || async move {
                c5();
                ([("vary", "origin")], "logo")
            }),
        )
        .layer(layer)
}

fn layer() -> CorsLayer {
    CorsLayer::from_toml(POLICY, None, None).expect("valid").0
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(path);
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get_all(h: &HeaderMap, name: &str) -> Vec<String> {
    h.get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Asserts each header has exactly this one value.
fn expect_headers(h: &HeaderMap, want: &[(&str, &str)]) {
    for (name, value) in want {
        assert_eq!(get_all(h, name), [*value], "{name} in {h:?}");
    }
}

fn has_cors(h: &HeaderMap) -> bool {
    h.keys().any(|k| k.as_str().starts_with("access-control-"))
}

const APP: (&str, &str) = ("origin", "https://app.example.com");

#[tokio::test]
async fn allowed_preflight_is_answered_without_the_application() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(layer(), calls.clone());
    let (status, h, _) = send(
        &app,
        "OPTIONS",
        "/api/items",
        &[
            APP,
            ("access-control-request-method", "PUT"),
            (
                "access-control-request-headers",
                "authorization,content-type",
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect_headers(
        &h,
        &[
            ("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "PUT, DELETE"),
            (
                "access-control-allow-headers",
                "content-type, authorization",
            ),
            ("access-control-max-age", "7200"),
            (
                "vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ),
        ],
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn refused_preflight_gets_403_without_cors_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let layer = layer().on_refusal(move |r| {
        seen.lock()
            .unwrap()
            .push((r.slug.name(), r.refusal.to_string()))
    });
    let app = app(layer, calls.clone());
    for (origin, method, headers) in [
        ("https://evil.example", "PUT", ""),
        ("https://app.example.com", "PATCH", ""),
        ("https://app.example.com", "PUT", "x-secret"),
    ] {
        let (status, h, _) = send(
            &app,
            "OPTIONS",
            "/api/items",
            &[
                ("origin", origin),
                ("access-control-request-method", method),
                ("access-control-request-headers", headers),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin} {method} {headers}");
        assert!(!has_cors(&h), "{h:?}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let reports = reports.lock().unwrap();
    assert_eq!(
        reports[0],
        (
            "origin-mismatch",
            "origin https://evil.example is not allowed by the policy".to_owned()
        )
    );
    assert_eq!(reports[1].0, "method-not-allowed");
    assert_eq!(
        reports[2],
        (
            "header-not-allowed",
            "request header x-secret is not allowed by the policy".to_owned()
        )
    );
}

#[tokio::test]
async fn other_options_requests_reach_the_application() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(layer(), calls.clone());
    let (status, h, body) = send(&app, "OPTIONS", "/api/items", &[APP]).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "the application's own OPTIONS")
    );
    assert_eq!(
        get_all(&h, "access-control-allow-origin"),
        ["https://app.example.com"]
    );
    let (_, _, body) = send(
        &app,
        "OPTIONS",
        "/api/items",
        &[("access-control-request-method", "PUT")],
    )
    .await;
    assert_eq!(body, "the application's own OPTIONS");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn every_response_to_an_allowed_origin_carries_cors_headers() {
    let app = app(layer(), Arc::new(AtomicUsize::new(0)));
    for (path, want) in [
        ("/api/items", StatusCode::OK),
        ("/api/fail", StatusCode::INTERNAL_SERVER_ERROR),
        ("/api/missing", StatusCode::NOT_FOUND),
    ] {
        let (status, h, _) = send(
            &app,
            "GET",
            path,
            &[("origin", "https://pr-7.preview.example.com")],
        )
        .await;
        assert_eq!(status, want);
        assert_eq!(
            get_all(&h, "access-control-allow-origin"),
            ["https://pr-7.preview.example.com"],
            "{path}"
        );
        assert_eq!(
            get_all(&h, "access-control-allow-credentials"),
            ["true"],
            "{path}"
        );
        assert_eq!(
            get_all(&h, "access-control-expose-headers"),
            ["etag"],
            "{path}"
        );
        assert_eq!(get_all(&h, "vary"), ["Origin"], "{path}");
    }
}

#[tokio::test]
async fn refused_origins_get_no_cors_headers_but_vary() {
    let app = app(layer(), Arc::new(AtomicUsize::new(0)));
    for origin in [
        "https://evil.example",
        "https://app.example.com.evil.test",
        "null",
        "https://preview.example.com",
    ] {
        let (status, h, body) = send(&app, "GET", "/api/items", &[("origin", origin)]).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "[]"),
            "the application still answers"
        );
        assert!(!has_cors(&h), "{origin}: {h:?}");
        assert_eq!(get_all(&h, "vary"), ["Origin"]);
    }
    let (_, h, _) = send(&app, "GET", "/api/items", &[]).await;
    assert!(!has_cors(&h));
    assert_eq!(get_all(&h, "vary"), ["Origin"]);
}

#[tokio::test]
async fn the_applications_own_cors_headers_are_replaced_and_reported_once() {
    let duplicates = Arc::new(AtomicUsize::new(0));
    let d = duplicates.clone();
    let app = app(
        layer().on_duplicate(move |_| {
            d.fetch_add(1, Ordering::SeqCst);
        }),
        Arc::new(AtomicUsize::new(0)),
    );
    for _ in 0..3 {
        let (_, h, _) = send(&app, "GET", "/api/legacy", &[APP]).await;
        assert_eq!(
            get_all(&h, "access-control-allow-origin"),
            ["https://app.example.com"]
        );
        assert!(get_all(&h, "access-control-allow-methods").is_empty());
        assert_eq!(get_all(&h, "vary"), ["Accept-Encoding, Origin"]);
    }
    let (_, h, _) = send(
        &app,
        "GET",
        "/api/legacy",
        &[("origin", "https://evil.example")],
    )
    .await;
    assert!(
        !has_cors(&h),
        "the application's `*` is gone for a refused origin too"
    );
    assert_eq!(duplicates.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn public_route_sends_star_and_keeps_vary_single() {
    let app = app(layer(), Arc::new(AtomicUsize::new(0)));
    let (_, h, _) = send(
        &app,
        "GET",
        "/public/logo",
        &[("origin", "https://anyone.test")],
    )
    .await;
    assert_eq!(get_all(&h, "access-control-allow-origin"), ["*"]);
    assert!(get_all(&h, "access-control-allow-credentials").is_empty());
    assert_eq!(
        get_all(&h, "vary"),
        ["origin"],
        "no Vary added for `*`, the application's kept"
    );
}

#[tokio::test]
async fn shadow_mode_lets_everything_through_and_reports() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let layer = CorsLayer::new(
        PolicyBuilder::new()
            .origins(["https://app.example.com"])
            .max_age(60)
            .shadow(true)
            .development(),
    )
    .unwrap()
    .on_refusal(move |r| {
        seen.lock()
            .unwrap()
            .push((r.slug.name(), r.shadow, r.preflight))
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let app = app(layer, calls.clone());
    let (status, h, body) = send(
        &app,
        "OPTIONS",
        "/api/items",
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "PUT"),
        ],
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "the application's own OPTIONS")
    );
    assert!(!has_cors(&h));
    let (_, h, _) = send(
        &app,
        "GET",
        "/api/legacy",
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(
        get_all(&h, "access-control-allow-origin"),
        ["*"],
        "shadow mode changes nothing"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        *reports.lock().unwrap(),
        [
            ("origin-mismatch", true, true),
            ("origin-mismatch", true, false)
        ]
    );
}

#[tokio::test]
async fn debug_mode_lets_the_browser_name_the_refused_method() {
    let layer = CorsLayer::new(
        PolicyBuilder::new()
            .origins(["https://app.example.com"])
            .methods(["PUT"])
            .max_age(60)
            .debug(true)
            .development(),
    )
    .unwrap();
    let app = app(layer, Arc::new(AtomicUsize::new(0)));
    let (status, h, _) = send(
        &app,
        "OPTIONS",
        "/api/items",
        &[APP, ("access-control-request-method", "DELETE")],
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect_headers(
        &h,
        &[
            ("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-methods", "PUT"),
            (
                "x-corsair-refusal",
                "method-not-allowed: method DELETE is not allowed by the policy",
            ),
        ],
    );
}

#[tokio::test]
async fn a_hostile_request_headers_value_is_refused() {
    let app = app(layer(), Arc::new(AtomicUsize::new(0)));
    let hostile = "a,".repeat(500_000);
    let started = std::time::Instant::now();
    let (status, h, _) = send(
        &app,
        "OPTIONS",
        "/api/items",
        &[
            APP,
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", &hostile),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!has_cors(&h));
    // Not a timing test: a bound far above the microseconds it takes.
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn an_insecure_policy_is_refused_before_the_layer_exists() {
    let err = CorsLayer::new(PolicyBuilder::new().origins(["*"]).credentials(true)).unwrap_err();
    assert!(err.to_string().contains("error"), "{err}");
    let err = CorsLayer::from_toml(
        "[cors]\norigins = [\"https://app.example.com/\"]\n",
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(
        err.errors().next().unwrap().slug.name(),
        "origin-trailing-slash"
    );
}

#[tokio::test]
async fn over_a_real_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = app(layer(), Arc::new(AtomicUsize::new(0)));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"OPTIONS /api/items HTTP/1.1\r\nHost: api.test\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: DELETE\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    server.abort();
    assert!(response.starts_with("HTTP/1.1 204"), "{response}");
    let lower = response.to_ascii_lowercase();
    assert!(
        lower.contains("access-control-allow-origin: https://app.example.com\r\n"),
        "{response}"
    );
    assert!(
        lower.contains("access-control-allow-methods: put, delete\r\n"),
        "{response}"
    );
}

#[tokio::test]
async fn refusals_are_explained_in_plain_words() {
    let said = Arc::new(Mutex::new(Vec::new()));
    let seen = said.clone();
    let app = app(
        layer().on_refusal(move |r| seen.lock().unwrap().push(r.explain())),
        Arc::new(AtomicUsize::new(0)),
    );
    send(
        &app,
        "GET",
        "/api/items",
        &[("origin", "https://www.app.example.com")],
    )
    .await;
    send(
        &app,
        "OPTIONS",
        "/api/items",
        &[APP, ("access-control-request-method", "PATCH")],
    )
    .await;
    let said = said.lock().unwrap();
    assert_eq!(
        said[0],
        "origin https://www.app.example.com refused: not in the policy; did you mean https://app.example.com?"
    );
    assert_eq!(
        said[1],
        "preflight refused: method PATCH is not allowed (the policy allows GET, HEAD, POST, PUT, DELETE)"
    );
}
