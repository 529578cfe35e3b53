//! The listener: HTTP/1.1 and h2c on one port (or HTTP/2 and HTTP/1.1 over
//! TLS by ALPN), each connection served by the CORS layer in front of the
//! proxy, graceful shutdown within a bound.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::{Layer, ServiceExt};

use crate::live::Live;
use crate::proxy::{ClientAddr, Proxy};

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves until `shutdown` completes, then lets requests in flight finish
/// for at most `grace`. With `tls`, every connection is TLS. Returns whether
/// every connection finished in time.
pub async fn serve(
    listener: TcpListener,
    live: Live,
    proxy: Proxy,
    tls: Option<TlsAcceptor>,
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
        let connection = Connection {
            builder: builder.clone(),
            watcher: graceful.watcher(),
            live: live.clone(),
            proxy: proxy.clone(),
            addr,
        };
        match &tls {
            None => {
                tokio::spawn(connection.run(stream));
            }
            Some(acceptor) => {
                let accept = acceptor.accept(stream);
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
                        Ok(Ok(stream)) => connection.run(stream).await,
                        Ok(Err(e)) => {
                            tracing::debug!(target: "corsair::gateway", client = %addr, error = %e, "TLS handshake failed");
                        }
                        Err(_) => {
                            tracing::debug!(target: "corsair::gateway", client = %addr, "TLS handshake timed out");
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_ok()
}

/// One accepted connection and what serves it.
struct Connection {
    builder: auto::Builder<TokioExecutor>,
    watcher: Watcher,
    live: Live,
    proxy: Proxy,
    addr: SocketAddr,
}

impl Connection {
    async fn run<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            builder,
            watcher,
            live,
            proxy,
            addr,
        } = self;
        let per_request =
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
            TokioIo::new(io),
            TowerToHyperService::new(per_request),
        );
        if let Err(e) = watcher.watch(conn.into_owned()).await {
            tracing::debug!(target: "corsair::gateway", client = %addr, error = %e, "connection ended with an error");
        }
    }
}

/// Binds the listener.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
