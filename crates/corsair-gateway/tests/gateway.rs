//! The gateway on loopback in front of a real HTTP upstream that sets its own
//! CORS headers, fails, stalls, streams and goes away: CORS headers on every
//! answer to an allowed origin, none for a refused one, the upstream's own
//! removed, and the forwarding headers right.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use corsair_gateway::{PolicySource, Reloaded};
use http::StatusCode;

use support::*;

#[tokio::test]
async fn every_answer_to_an_allowed_origin_carries_cors_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let up = upstream(calls.clone()).await;
    let gw = gateway(&format!("http://{up}")).await;
    let origin = [("origin", APP)];
    let (status, h, body) = send(&gw, "GET", "/ok", &origin, "").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    assert_cors_for_app(&h, "success");
    assert!(
        h.get("x-corsair").is_none() && h.get("x-corsair-refusal").is_none(),
        "the upstream's answer carries no gateway mark, not even one the upstream set: {h:?}"
    );
    assert_eq!(one(&h, "vary"), ["Accept-Encoding, Origin"], "merged, once");
    assert!(
        h.get("x-internal").is_none(),
        "a header the upstream's Connection names is hop-by-hop"
    );
    let (status, h, _) = send(&gw, "GET", "/fail", &origin, "").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_cors_for_app(&h, "upstream 500");
    let (status, h, _) = send(&gw, "GET", "/missing", &origin, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_cors_for_app(&h, "upstream 404");
    let (status, h, body) = send(&gw, "GET", "/slow", &origin, "").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_cors_for_app(&h, "gateway 504");
    assert_eq!(one(&h, "x-corsair"), ["upstream-timeout"]);
}

#[tokio::test]
async fn metrics_tell_upstream_errors_from_statuses_passed_on_and_own_answers() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    // The upstream answered 502 itself: the gateway saw nothing go wrong.
    let (status, _, _) = send(&gw, "GET", "/bad-gateway", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    // The upstream is too slow: an upstream error, and the gateway's own 504.
    let (status, _, _) = send(&gw, "GET", "/slow", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_metrics(
        &gw,
        &[
            "corsair_upstream_errors_total{status=\"502\"} 0\n",
            "corsair_upstream_errors_total{status=\"504\"} 1\n",
            "corsair_gateway_answers_total{reason=\"upstream-timeout\"} 1\n",
            "corsair_gateway_answers_total{reason=\"upstream-broke-off\"} 0\n",
        ],
    );

    // No upstream at all: the gateway's own 502, counted both ways.
    let dead = dead_upstream_gateway().await;
    let (status, _, _) = send(&dead, "GET", "/ok", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_metrics(
        &dead,
        &[
            "corsair_upstream_errors_total{status=\"502\"} 1\n",
            "corsair_gateway_answers_total{reason=\"upstream-unreachable\"} 1\n",
        ],
    );
}

#[tokio::test]
async fn a_dead_upstream_gives_a_502_the_page_can_read() {
    let gw = dead_upstream_gateway().await;
    let (status, h, body) = send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body.contains("cannot be reached"), "{body}");
    assert_cors_for_app(&h, "gateway 502");
    assert_eq!(one(&h, "x-corsair"), ["upstream-unreachable"]);
}

#[tokio::test]
async fn refused_origins_get_no_cors_headers_not_even_the_upstreams() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    let (status, h, _) = send(&gw, "GET", "/ok", &[("origin", "http://evil.test")], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        h.keys().all(|k| !k.as_str().starts_with("access-control-")),
        "{h:?}"
    );
    assert_eq!(one(&h, "vary"), ["Accept-Encoding, Origin"]);
}

#[tokio::test]
async fn preflights_are_answered_by_the_gateway() {
    let calls = Arc::new(AtomicUsize::new(0));
    let up = upstream(calls.clone()).await;
    let gw = gateway(&format!("http://{up}")).await;
    let pre = [
        ("origin", APP),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "content-type"),
    ];
    let (status, h, _) = send(&gw, "OPTIONS", "/ok", &pre, "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(one(&h, "access-control-allow-methods"), ["PUT"]);
    assert_eq!(one(&h, "access-control-allow-headers"), ["content-type"]);
    let refused = [("origin", APP), ("access-control-request-method", "DELETE")];
    let (status, h, _) = send(&gw, "OPTIONS", "/ok", &refused, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(h.get("access-control-allow-origin").is_none());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "no preflight reached the upstream"
    );
}

#[tokio::test]
async fn forwarding_headers_and_streamed_bodies() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    let (_, _, seen) = send(
        &gw,
        "GET",
        "/headers?x=1",
        &[
            ("origin", APP),
            ("connection", "x-hop"),
            ("x-hop", "1"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
        "",
    )
    .await;
    assert!(
        seen.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1\n"),
        "{seen}"
    );
    assert!(seen.contains("x-forwarded-proto: http\n"), "{seen}");
    assert!(
        seen.contains(&format!("x-forwarded-host: {}\n", gw.addr)),
        "{seen}"
    );
    assert!(seen.contains(&format!("host: {up}\n")), "{seen}");
    assert!(!seen.contains("x-hop"), "{seen}");
    let body = "x".repeat(100_000);
    let body: &'static str = Box::leak(body.into_boxed_str());
    let (status, _, echoed) = send(&gw, "PUT", "/echo", &[("origin", APP)], body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(echoed.len(), 100_000);
}

#[tokio::test]
async fn shutdown_stops_accepting_and_returns() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let mut gw = gateway(&format!("http://{up}")).await;
    let (status, _, _) = send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    assert_eq!(status, StatusCode::OK);
    let _ = gw.stop.take().unwrap().send(());
    let drained = tokio::time::timeout(Duration::from_secs(5), &mut gw.done)
        .await
        .expect("serve returns")
        .unwrap();
    assert!(drained);
    assert!(
        tokio::net::TcpStream::connect(gw.addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn metrics_count_requests_preflights_refusals_and_upstream_errors() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    send(&gw, "GET", "/slow", &[("origin", APP)], "").await;
    send(&gw, "GET", "/ok", &[("origin", "http://evil.test")], "").await;
    send(
        &gw,
        "OPTIONS",
        "/ok",
        &[("origin", APP), ("access-control-request-method", "PUT")],
        "",
    )
    .await;
    let text = gw.live.metrics().render();
    for want in [
        "corsair_requests_total 4\n",
        "corsair_preflights_total 1\n",
        "corsair_upstream_errors_total{status=\"504\"} 1\n",
        "corsair_refusals_total{slug=\"origin-mismatch\",route=\"default\"} 1\n",
        "corsair_request_duration_seconds_count 4\n",
        "corsair_duplicate_cors_layer_total 1\n",
    ] {
        assert!(text.contains(want), "{want} in:\n{text}");
    }
}

#[tokio::test]
async fn reload_replaces_a_valid_policy_and_keeps_the_old_on_errors() {
    let up = upstream(Arc::new(AtomicUsize::new(0))).await;
    let gw = gateway(&format!("http://{up}")).await;
    let dir = std::env::temp_dir().join(format!("corsair-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("corsair.toml");
    let source = PolicySource {
        path: path.clone(),
        stage: None,
        env_origins: None,
    };
    let new_origin = "https://new.example.com";
    std::fs::write(
        &path,
        format!("[cors]\norigins = [\"{new_origin}\"]\nmax-age = 60\n"),
    )
    .unwrap();
    match source.reload(&gw.live) {
        Reloaded::Replaced { summary, .. } => {
            assert_eq!(summary.stage, "[cors] (production)");
            assert_eq!(summary.origins, [new_origin]);
        }
        other => panic!("{other:?}"),
    }
    let (_, h, _) = send(&gw, "GET", "/ok", &[("origin", new_origin)], "").await;
    assert_eq!(one(&h, "access-control-allow-origin"), [new_origin]);
    let (_, h, _) = send(&gw, "GET", "/ok", &[("origin", APP)], "").await;
    assert!(
        h.get("access-control-allow-origin").is_none(),
        "the old policy is gone"
    );
    std::fs::write(&path, "[cors]\norigins = [\"*\"]\ncredentials = true\n").unwrap();
    match source.reload(&gw.live) {
        Reloaded::Kept { error, .. } => assert!(error.to_string().contains("error"), "{error}"),
        other => panic!("{other:?}"),
    }
    let (_, h, _) = send(&gw, "GET", "/ok", &[("origin", new_origin)], "").await;
    assert_eq!(
        one(&h, "access-control-allow-origin"),
        [new_origin],
        "still the last valid policy"
    );
    let metrics = gw.live.metrics().render();
    assert!(
        metrics.contains("corsair_policy_reloads_total 1\n")
            && metrics.contains("corsair_policy_reload_failures_total 1\n"),
        "{metrics}"
    );
    // Watching: a change to the file is picked up without a signal.
    let watcher = tokio::spawn(source.clone().watch(
        gw.live.clone(),
        Duration::from_millis(50),
        |_, _| {},
    ));
    tokio::time::sleep(Duration::from_millis(120)).await;
    std::fs::write(
        &path,
        "[cors]\norigins = [\"https://third.example.com\"]\nmax-age = 60\n",
    )
    .unwrap();
    let mut picked = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (_, h, _) = send(
            &gw,
            "GET",
            "/ok",
            &[("origin", "https://third.example.com")],
            "",
        )
        .await;
        if h.get("access-control-allow-origin").is_some() {
            picked = true;
            break;
        }
    }
    watcher.abort();
    assert!(picked, "the watcher reloaded the changed file");
}

#[tokio::test]
async fn a_refused_preflight_is_marked_and_carries_no_cors_headers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let up = upstream(calls.clone()).await;
    let gw = gateway(&format!("http://{up}")).await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "PUT"),
            ],
            "origin-not-allowed",
        ),
        (
            &[("origin", APP), ("access-control-request-method", "DELETE")],
            "method-not-allowed",
        ),
        (
            &[
                ("origin", APP),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "x-secret-header"),
            ],
            "header-not-allowed",
        ),
    ];
    for (headers, code) in cases {
        let (status, h, _) = send(&gw, "OPTIONS", "/ok", headers, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{code}");
        assert_eq!(one(&h, corsair_tower::REFUSAL_HEADER), [code], "{h:?}");
        assert!(
            h.keys().all(|k| !k.as_str().starts_with("access-control-")),
            "{code}: no CORS header on a refusal: {h:?}"
        );
        // What was refused, never what the policy allows.
        let all = format!("{h:?}");
        assert!(
            !all.contains("app.example.test")
                && !all.contains("PUT")
                && !all.contains("content-type"),
            "{all}"
        );
        assert!(
            h.get("x-corsair").is_none(),
            "the layer's refusal, not a gateway error"
        );
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "no preflight reached the upstream"
    );
    // An allowed preflight carries no refusal mark.
    let (status, h, _) = send(
        &gw,
        "OPTIONS",
        "/ok",
        &[("origin", APP), ("access-control-request-method", "PUT")],
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(h.get(corsair_tower::REFUSAL_HEADER).is_none(), "{h:?}");
}
