//! The admin listener: the dashboard (`/`), `/metrics` and `/healthz`,
//! apart from the traffic port.
//! It keeps few connections (a scraper needs one), each with a deadline, and
//! pauses after an accept error rather than spinning on it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::metrics::Metrics;

fn text(status: StatusCode, body: String, kind: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    res
}

/// The dashboard page, with the headers that keep it to itself.
fn dashboard(body: String) -> Response<Full<Bytes>> {
    let mut res = text(StatusCode::OK, body, "text/html; charset=utf-8");
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(corsair_html::Csp::Report.header_value()),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// On a loopback listener, only requests naming it (or `localhost`) in
/// their Host: a page elsewhere whose name was rebound to 127.0.0.1 must
/// not read the dashboard (its origins and refusals). A listener on another
/// address was chosen to be reached by other names.
fn host_allowed(local: Option<std::net::SocketAddr>, req: &Request<Incoming>) -> bool {
    let Some(addr) = local.filter(|a| a.ip().is_loopback()) else {
        return true;
    };
    let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let port = addr.port();
    [
        addr.to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ]
    .iter()
    .any(|ours| ours.eq_ignore_ascii_case(host))
}

/// Admin connections open at once; more are closed at once.
const MAX_ADMIN_CONNECTIONS: usize = 32;

/// How long one admin connection lives, whatever it does.
const ADMIN_CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

/// Serves the admin endpoints until the task is dropped.
pub async fn serve_admin(listener: TcpListener, metrics: Arc<Metrics>) {
    let local = listener.local_addr().ok();
    let slots = Arc::new(Semaphore::new(MAX_ADMIN_CONNECTIONS));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors: accepting again at once would spin.
                tracing::warn!(target: "corsair::gateway", error = %e, "admin accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let metrics = metrics.clone();
                async move {
                    // The dashboard only: scrapers of /metrics may name the
                    // listener as they like (and always could).
                    if req.uri().path() == "/" && !host_allowed(local, &req) {
                        return Ok::<_, Infallible>(text(
                            StatusCode::MISDIRECTED_REQUEST,
                            "refused: the Host header is not this listener's loopback address\n"
                                .into(),
                            "text/plain; charset=utf-8",
                        ));
                    }
                    Ok::<_, Infallible>(match req.uri().path() {
                        "/" => dashboard(crate::dashboard::render(&metrics)),
                        "/metrics" => text(
                            StatusCode::OK,
                            metrics.render(),
                            "text/plain; version=0.0.4; charset=utf-8",
                        ),
                        "/healthz" => {
                            text(StatusCode::OK, "ok\n".into(), "text/plain; charset=utf-8")
                        }
                        _ => text(
                            StatusCode::NOT_FOUND,
                            "not found: try /, /metrics or /healthz\n".into(),
                            "text/plain; charset=utf-8",
                        ),
                    })
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(5))
                .serve_connection(TokioIo::new(stream), svc);
            let _ = tokio::time::timeout(ADMIN_CONNECTION_LIFETIME, conn).await;
        });
    }
}
