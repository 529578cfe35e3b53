//! The admin listener: `/metrics` and `/healthz`, apart from the traffic port.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::metrics::Metrics;

fn text(status: StatusCode, body: String, kind: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    res
}

/// Serves the admin endpoints until the task is dropped.
pub async fn serve_admin(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let metrics = metrics.clone();
                async move {
                    Ok::<_, Infallible>(match req.uri().path() {
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
                            "not found: try /metrics or /healthz\n".into(),
                            "text/plain; charset=utf-8",
                        ),
                    })
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
