//! The listener: HTTP/1.1 and h2c on one port, each connection served by the
//! CORS layer in front of the proxy, graceful shutdown within a bound.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::{Layer, ServiceExt};

use crate::live::Live;
use crate::proxy::{ClientAddr, Proxy};

/// Serves until `shutdown` completes, then lets requests in flight finish
/// for at most `grace`. Returns whether every connection finished in time.
pub async fn serve(
    listener: TcpListener,
    live: Live,
    proxy: Proxy,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> bool {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: pause, then go on.
                    tracing::warn!(target: "corsair::gateway", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (live, proxy) = (live.clone(), proxy.clone());
        let per_connection =
            tower::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ClientAddr(addr));
                // The policy in force when the request starts serves it to the end.
                let service = live.layer().layer(proxy.clone());
                let metrics = live.metrics().clone();
                // What the model treats as a preflight (OPTIONS with Origin and
                // Access-Control-Request-Method); any other OPTIONS goes upstream.
                let headers = req.headers();
                let preflight = req.method() == http::Method::OPTIONS
                    && headers.contains_key(http::header::ORIGIN)
                    && headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD);
                let started = std::time::Instant::now();
                async move {
                    let response = service.oneshot(req).await;
                    if let Ok(r) = &response {
                        metrics.request(preflight, r.status().as_u16(), started.elapsed());
                    }
                    response
                }
            });
        let conn = builder.serve_connection_with_upgrades(
            TokioIo::new(stream),
            TowerToHyperService::new(per_connection),
        );
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(target: "corsair::gateway", client = %addr, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_ok()
}

/// Binds the listener.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
