//! The listener: HTTP/1.1 and h2c on one port (or HTTP/2 and HTTP/1.1 over
//! TLS by ALPN), each connection served by the CORS layer in front of the
//! proxy, graceful shutdown within a bound.
//!
//! Hostile clients are held to bounds: a connection must send a complete
//! request head within the header timeout (from its start, or from the
//! first byte after an idle wait), may wait idle between requests for the
//! idle timeout, and is closed when it reads nothing of its answer for as
//! long. At most `max_connections` are open: a new client at the cap closes
//! the connection idle the longest, or is refused at once when none is
//! idle. Accept errors (out of descriptors) free an idle connection and
//! pause briefly instead of spinning.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::{Layer, ServiceExt};

use crate::body::{Body, BoxError};
use crate::live::Live;
use crate::metrics::{Closed, Metrics};
use crate::proxy::{Client, Proxy};

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after an accept error that is not the client's (out of descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// How the listener treats its clients.
#[derive(Clone, Copy, Debug)]
pub struct ServeConfig {
    /// Time requests in flight get to finish on shutdown.
    pub grace: Duration,
    /// Time to send a complete request head.
    pub header_timeout: Duration,
    /// Time a connection may wait between requests, and may leave its
    /// answer unread.
    pub idle_timeout: Duration,
    /// Client connections open at once.
    pub max_connections: usize,
    /// Concurrent streams on one HTTP/2 connection.
    pub max_streams: u32,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            grace: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            max_streams: 100,
        }
    }
}

/// Serves until `shutdown` completes, then lets requests in flight finish
/// for at most `config.grace`. With `tls`, every connection is TLS. Returns
/// whether every connection finished in time.
pub async fn serve(
    listener: TcpListener,
    live: Live,
    proxy: Proxy,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
    config: ServeConfig,
) -> bool {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // HTTP/1 has no timer of hyper's: the watchdog bounds the request head
    // and the idle wait (a timer per request head would cost every request).
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(config.max_streams)
        // Pings find peers that went away while a stream is open.
        .keep_alive_interval(config.idle_timeout)
        .keep_alive_timeout(config.header_timeout);
    let per_client = proxy.config().upstream_per_client.max(1);
    let proxy = proxy.with_metrics(live.metrics().clone());
    let graceful = GracefulShutdown::new();
    let registry = Registry::new(config.max_connections, live.metrics().clone());
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) if client_side(&e) => continue,
                Err(e) => {
                    // Out of descriptors and the like: free one, pause, go on.
                    tracing::warn!(target: "corsair::gateway", error = %e, "accept failed");
                    registry.shed_one();
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some((tracker, shed)) = registry.admit() else {
            refuse(stream, tls.is_some());
            continue;
        };
        if shed {
            // A flood of new connections: let the connections just accepted
            // read their requests before the next one may shed them.
            tokio::task::yield_now().await;
        }
        let _ = stream.set_nodelay(true);
        let stream = Tracked {
            inner: stream,
            tracker: tracker.clone(),
        };
        let connection = Connection {
            builder: builder.clone(),
            watcher: graceful.watcher(),
            live: live.clone(),
            proxy: proxy.clone(),
            addr,
            tracker,
            registry: registry.clone(),
            config,
            client: Client::new(addr, Arc::new(Semaphore::new(per_client))),
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
                            connection.abandon();
                        }
                        Err(_) => {
                            tracing::debug!(target: "corsair::gateway", client = %addr, "TLS handshake timed out");
                            connection.abandon();
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    tokio::time::timeout(config.grace, graceful.shutdown())
        .await
        .is_ok()
}

/// An accept error caused by one client (gone before it was accepted): no
/// reason to pause.
fn client_side(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Turns a client away at the cap: a 503 if the socket takes it at once
/// (never waiting for a client that does not read), then the close.
fn refuse(stream: TcpStream, tls: bool) {
    if !tls {
        let _ = stream.try_write(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nretry-after: 1\r\nx-corsair: overloaded\r\nconnection: close\r\n\r\n",
        );
    }
    drop(stream);
}

/// Milliseconds since `base`, never 0 (0 means "not set").
fn stamp(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// What the watchdog and the shedding need to know about one connection.
struct Tracker {
    id: u64,
    base: Instant,
    in_flight: AtomicUsize,
    /// When the last request ended (or the connection began), in ms.
    idle_since: AtomicU64,
    /// When the first byte of a request head not yet complete came (0: none).
    head_since: AtomicU64,
    /// When writes to the client began to block (0: they do not).
    blocked_since: AtomicU64,
    /// HTTP/2: frames between requests are not request heads.
    h2: AtomicBool,
    /// Closed to make room: skipped by later shedding.
    shed: AtomicBool,
    /// Read from at least once: a connection not yet read may hold a
    /// whole request nobody has looked at, so it is shed last.
    polled: AtomicBool,
    close: Notify,
}

impl Tracker {
    fn new(id: u64) -> Tracker {
        let base = Instant::now();
        Tracker {
            id,
            base,
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(1),
            // The first request head is due from the start.
            head_since: AtomicU64::new(1),
            blocked_since: AtomicU64::new(0),
            h2: AtomicBool::new(false),
            shed: AtomicBool::new(false),
            polled: AtomicBool::new(false),
            close: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        stamp(self.base)
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_since.store(0, Ordering::Release);
    }

    fn request_ended(&self) {
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle_since.store(self.now(), Ordering::Release);
            self.head_since.store(0, Ordering::Release);
        }
    }

    /// Why the connection should be closed now, if it should.
    fn overdue(&self, config: &ServeConfig) -> Option<Closed> {
        let now = self.now();
        let over = |since: u64, limit: Duration| {
            since != 0
                && now.saturating_sub(since) >= u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)
        };
        if over(
            self.blocked_since.load(Ordering::Acquire),
            config.idle_timeout,
        ) {
            return Some(Closed::WriteStalled);
        }
        if self.in_flight.load(Ordering::Acquire) != 0 {
            return None;
        }
        if !self.h2.load(Ordering::Acquire)
            && over(
                self.head_since.load(Ordering::Acquire),
                config.header_timeout,
            )
        {
            return Some(Closed::HeaderTimeout);
        }
        if over(self.idle_since.load(Ordering::Acquire), config.idle_timeout) {
            return Some(Closed::Idle);
        }
        None
    }
}

/// The open connections, for the cap and for shedding.
#[derive(Clone)]
struct Registry {
    inner: Arc<Mutex<RegistryInner>>,
    max: usize,
    metrics: Arc<Metrics>,
}

struct RegistryInner {
    next: u64,
    open: HashMap<u64, Arc<Tracker>>,
}

impl Registry {
    fn new(max: usize, metrics: Arc<Metrics>) -> Registry {
        Registry {
            inner: Arc::new(Mutex::new(RegistryInner {
                next: 0,
                open: HashMap::new(),
            })),
            max: max.max(1),
            metrics,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RegistryInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A tracker for a new connection, after closing the longest-idle one
    /// when at the cap (and whether one was closed); `None` when at the
    /// cap with none idle.
    fn admit(&self) -> Option<(Arc<Tracker>, bool)> {
        let mut inner = self.lock();
        let full = inner.open.len() >= self.max;
        if full && !Self::shed_locked(&mut inner, &self.metrics) {
            drop(inner);
            self.metrics.closed(Closed::Refused);
            return None;
        }
        inner.next += 1;
        let tracker = Arc::new(Tracker::new(inner.next));
        inner.open.insert(tracker.id, tracker.clone());
        drop(inner);
        self.metrics.connection(true);
        Some((tracker, full))
    }

    /// Closes the connection idle the longest, if any is.
    fn shed_one(&self) -> bool {
        let mut inner = self.lock();
        Self::shed_locked(&mut inner, &self.metrics)
    }

    fn shed_locked(inner: &mut RegistryInner, metrics: &Metrics) -> bool {
        // Longest idle first: the earliest idle_since on the common clock
        // (each tracker's base plus its stamp), the oldest connection on a
        // tie; one already read from before one not yet read.
        let victim = inner
            .open
            .values()
            .filter(|t| t.in_flight.load(Ordering::Acquire) == 0 && !t.shed.load(Ordering::Acquire))
            .min_by_key(|t| {
                (
                    !t.polled.load(Ordering::Acquire),
                    t.base + Duration::from_millis(t.idle_since.load(Ordering::Acquire)),
                    t.id,
                )
            })
            .cloned();
        let Some(victim) = victim else {
            return false;
        };
        victim.shed.store(true, Ordering::Release);
        // Counted as gone now: its task closes the socket as soon as it runs.
        inner.open.remove(&victim.id);
        victim.close.notify_one();
        metrics.closed(Closed::Shed);
        true
    }

    fn remove(&self, id: u64) {
        self.lock().open.remove(&id);
        self.metrics.connection(false);
    }
}

/// The client's socket, telling its tracker when request bytes arrive and
/// when the client stops reading.
struct Tracked<I> {
    inner: I,
    tracker: Arc<Tracker>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Tracked<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if !self.tracker.polled.load(Ordering::Relaxed) {
            self.tracker.polled.store(true, Ordering::Release);
        }
        if buf.filled().len() > before {
            let t = &self.tracker;
            // Bytes between requests begin a head; its clock starts here.
            if t.in_flight.load(Ordering::Acquire) == 0 && t.head_since.load(Ordering::Acquire) == 0
            {
                t.head_since.store(t.now(), Ordering::Release);
            }
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> Tracked<I> {
    fn wrote<T>(&self, polled: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        let t = &self.tracker;
        match &polled {
            Poll::Pending => {
                let _ = t.blocked_since.compare_exchange(
                    0,
                    t.now(),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
            }
            Poll::Ready(_) => t.blocked_since.store(0, Ordering::Release),
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Tracked<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Ends one request in its connection's tracker when dropped: with the
/// response body, or with the request if it is abandoned before.
struct Flight(Arc<Tracker>);

impl Drop for Flight {
    fn drop(&mut self) {
        self.0.request_ended();
    }
}

/// The response body, holding its request's [`Flight`] until it ends.
struct Counted {
    inner: Body,
    _flight: Flight,
}

impl hyper::body::Body for Counted {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// One accepted connection and what serves it.
struct Connection {
    builder: auto::Builder<TokioExecutor>,
    watcher: Watcher,
    live: Live,
    proxy: Proxy,
    addr: SocketAddr,
    tracker: Arc<Tracker>,
    registry: Registry,
    config: ServeConfig,
    client: Client,
}

impl Connection {
    /// Forgets a connection that never got to be served (its TLS handshake
    /// failed): it no longer counts against the cap.
    fn abandon(self) {
        self.registry.remove(self.tracker.id);
    }

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
            tracker,
            registry,
            config,
            client,
        } = self;
        let metrics = live.metrics().clone();
        let on_request = tracker.clone();
        let per_request =
            tower::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
                let flight = Flight(on_request.clone());
                on_request.request_started();
                if req.version() == http::Version::HTTP_2 {
                    on_request.h2.store(true, Ordering::Release);
                }
                req.extensions_mut().insert(client.clone());
                // The policy in force when the request starts serves it to the end.
                let service = live.layer().layer(proxy.clone());
                let metrics = live.metrics().clone();
                // What the model treats as a preflight (OPTIONS with Origin and
                // Access-Control-Request-Method); any other OPTIONS goes upstream.
                let headers = req.headers();
                let preflight = req.method() == http::Method::OPTIONS
                    && headers.contains_key(http::header::ORIGIN)
                    && headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD);
                let started = Instant::now();
                async move {
                    let response = service.oneshot(req).await;
                    if response.is_ok() {
                        metrics.request(preflight, started.elapsed());
                    }
                    response.map(|r| {
                        r.map(|inner| Counted {
                            inner,
                            _flight: flight,
                        })
                    })
                }
            });
        let conn = builder.serve_connection_with_upgrades(
            TokioIo::new(io),
            TowerToHyperService::new(per_request),
        );
        // Boxed so that it can be dropped (the socket closed) before the
        // registry forgets the connection.
        let mut conn = Box::pin(watcher.watch(conn.into_owned()));
        // Often enough to hold each bound to within a quarter of itself.
        let tick = (config.header_timeout.min(config.idle_timeout) / 4)
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        let mut ticks = tokio::time::interval(tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let closed = loop {
            tokio::select! {
                ended = &mut conn => {
                    if let Err(e) = ended {
                        tracing::debug!(target: "corsair::gateway", client = %addr, error = %e, "connection ended with an error");
                    }
                    break None;
                }
                () = tracker.close.notified() => break Some(Closed::Shed),
                _ = ticks.tick() => {
                    if let Some(why) = tracker.overdue(&config) {
                        break Some(why);
                    }
                }
            }
        };
        if let Some(why) = closed {
            // Dropping the connection closes the socket; shed ones are counted
            // where they were chosen.
            if why != Closed::Shed {
                metrics.closed(why);
            }
            tracing::debug!(target: "corsair::gateway", client = %addr, reason = ?why, "connection closed by the gateway");
        }
        drop(conn);
        registry.remove(tracker.id);
    }
}

/// Binds the listener.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
