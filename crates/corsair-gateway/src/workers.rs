//! Worker threads, as nginx runs worker processes: each thread has its own
//! single-threaded runtime, its own listening socket on the shared address
//! (`SO_REUSEPORT`: the kernel spreads new connections over them) and its
//! own pool of upstream connections, so a request never crosses threads.
//! The policy and the counters are shared; the connection cap is split
//! evenly (as nginx's `worker_connections` is per worker).

use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::sync::{oneshot, watch};
use tokio_rustls::TlsAcceptor;

use crate::live::Live;
use crate::proxy::{Proxy, ProxyConfig, Upstream};
use crate::server::{serve, ServeConfig};

/// Connections waiting to be accepted, per listening socket.
const BACKLOG: i32 = 1024;

/// `workers` listening sockets on `addr` (at least one). With port 0 the
/// first one picks the port and the others join it.
pub fn bind(addr: SocketAddr, workers: usize) -> io::Result<Vec<std::net::TcpListener>> {
    let first = listen(addr, workers > 1)?;
    let shared = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..workers {
        listeners.push(listen(shared, true)?);
    }
    Ok(listeners)
}

/// One non-blocking listening socket, sharing its port when `share`.
fn listen(addr: SocketAddr, share: bool) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As std's and tokio's own listeners do: a restart may bind at once.
    socket.set_reuse_address(true)?;
    if share {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// What every worker serves with.
pub struct Plan {
    /// The policy and the counters.
    pub live: Live,
    /// Where requests go.
    pub upstream: Upstream,
    /// How the upstream is reached; `max_upstream` is for all workers.
    pub proxy: ProxyConfig,
    /// TLS on every connection, when set.
    pub tls: Option<TlsAcceptor>,
    /// How clients are treated; `max_connections` is for all workers.
    pub serve: ServeConfig,
}

/// Serves on each listener from its own thread until `shutdown`
/// completes, then lets every worker drain (within `serve.grace`).
/// Returns whether every connection finished in time, or why a worker
/// could not start.
pub async fn run(
    listeners: Vec<std::net::TcpListener>,
    plan: Plan,
    shutdown: impl std::future::Future<Output = ()>,
) -> io::Result<bool> {
    let n = listeners.len().max(1);
    let share = |total: usize| total.div_ceil(n).max(1);
    let serve_config = ServeConfig {
        max_connections: share(plan.serve.max_connections),
        ..plan.serve
    };
    let proxy_config = ProxyConfig {
        max_upstream: share(plan.proxy.max_upstream),
        ..plan.proxy
    };
    let (stop, stopped) = watch::channel(false);
    let mut workers: Vec<(JoinHandle<()>, oneshot::Receiver<bool>)> = Vec::with_capacity(n);
    for (i, listener) in listeners.into_iter().enumerate() {
        let (done, finished) = oneshot::channel();
        let live = plan.live.clone();
        let proxy = Proxy::new(plan.upstream.clone(), proxy_config);
        let tls = plan.tls.clone();
        let mut stopped = stopped.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name(format!("corsair-worker-{i}"))
            .spawn(move || {
                let drained = runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(target: "corsair::gateway", error = %e, "a worker cannot listen");
                            return false;
                        }
                    };
                    let shutdown = async move {
                        // A dropped sender (the process is ending) stops too.
                        let _ = stopped.wait_for(|stop| *stop).await;
                    };
                    serve(listener, live, proxy, tls, shutdown, serve_config).await
                });
                let _ = done.send(drained);
            })?;
        workers.push((thread, finished));
    }
    shutdown.await;
    let _ = stop.send(true);
    let mut drained = true;
    for (thread, finished) in workers {
        // A worker that panicked drops its sender: not drained.
        drained &= finished.await.unwrap_or(false);
        let _ = thread.join();
    }
    Ok(drained)
}
