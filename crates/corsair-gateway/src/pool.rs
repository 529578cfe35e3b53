//! Keep-alive connections to the upstream: HTTP/1.1 senders kept in a
//! stack, the most recently used first. A sender goes back once its
//! response body has been read (its connection is ready again); a request
//! that finds a kept connection closed under it (the upstream's keep-alive
//! ran out) is retried once on a new connection, as it was never sent.
//! The connections open at once, busy or kept, are capped: a request that
//! finds the cap reached waits (within the connect timeout) for one to free.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::body::Body;

/// Idle connections kept at most.
const MAX_IDLE: usize = 256;

/// Why no response came.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// No connection (refused, unreachable, or not within the timeout).
    #[error("{0}")]
    Connect(String),
    /// The exchange broke off.
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

/// Connections to one upstream (cheap to clone: one counted reference,
/// taken for every request).
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

/// What the clones of a pool share.
struct Inner {
    idle: Mutex<Vec<SendRequest<Body>>>,
    address: Box<str>,
    connect_timeout: Duration,
    // One permit per open upstream connection, held by its task.
    open: Arc<Semaphore>,
    max_open: usize,
    max_idle: usize,
    /// Requests sent again on a new connection (for the tests to see the
    /// retry happen, not only its result).
    #[cfg(test)]
    retried: std::sync::atomic::AtomicUsize,
}

impl Pool {
    /// A pool for `address` (`host:port`) with at most `max_open`
    /// connections open at once (at least one).
    pub fn new(address: &str, connect_timeout: Duration, max_open: usize) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                idle: Mutex::new(Vec::new()),
                address: Box::from(address),
                connect_timeout,
                open: Arc::new(Semaphore::new(max_open.clamp(1, Semaphore::MAX_PERMITS))),
                max_open: max_open.clamp(1, Semaphore::MAX_PERMITS),
                max_idle: MAX_IDLE,
                #[cfg(test)]
                retried: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    fn take_idle(&self) -> Option<SendRequest<Body>> {
        let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(sender) = idle.pop() {
            if sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    fn put_back(&self, sender: SendRequest<Body>) {
        if self.inner.open.available_permits() == 0 {
            // Requests may be waiting for a connection to open: closing this
            // one (its task ends, its permit returns) lets one of them go.
            return;
        }
        let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.inner.max_idle {
            idle.push(sender);
        }
    }

    async fn connect(&self) -> Result<SendRequest<Body>, PoolError> {
        let address = &*self.inner.address;
        let permit = tokio::time::timeout(
            self.inner.connect_timeout,
            self.inner.open.clone().acquire_owned(),
        )
        .await
        .map_err(|_| {
            PoolError::Connect(format!(
                "all {} upstream connections stayed busy for {:?}",
                self.inner.max_open, self.inner.connect_timeout
            ))
        })?
        .map_err(|_| PoolError::Connect("the pool is closed".into()))?;
        let stream = tokio::time::timeout(self.inner.connect_timeout, TcpStream::connect(address))
            .await
            .map_err(|_| {
                PoolError::Connect(format!(
                    "no connection to {address} within {:?}",
                    self.inner.connect_timeout
                ))
            })?
            .map_err(|e| PoolError::Connect(format!("cannot connect to {address}: {e}")))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await?;
        tokio::spawn(async move {
            let _ = conn.with_upgrades().await;
            drop(permit);
        });
        Ok(sender)
    }

    /// Sends `request` and returns the response head; the connection goes
    /// back to the pool when its body is done (not after a protocol switch),
    /// and only then is `hold` released: whoever waits for it finds the
    /// connection kept, rather than opening another.
    pub async fn send(
        &self,
        request: Request<Body>,
        hold: Option<OwnedSemaphorePermit>,
    ) -> Result<Response<Returning>, PoolError> {
        let (mut sender, reused) = match self.take_idle() {
            Some(s) => (s, true),
            None => (self.connect().await?, false),
        };
        let response = match sender.try_send_request(request).await {
            Ok(r) => r,
            Err(mut e) => match (reused, e.take_message()) {
                // Never written: a fresh connection gets it.
                (true, Some(request)) => {
                    #[cfg(test)]
                    self.inner
                        .retried
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    sender = self.connect().await?;
                    sender.send_request(request).await?
                }
                _ => return Err(PoolError::Http(e.into_error())),
            },
        };
        // After a protocol switch the connection is the upgrade's: not returned.
        let back = (response.status() != http::StatusCode::SWITCHING_PROTOCOLS).then(|| Back {
            sender,
            pool: self.clone(),
            hold,
        });
        Ok(response.map(|inner| Returning { inner, back }))
    }
}

/// The upstream's response body: once it has been read to its end (or is
/// dropped), its connection goes back to the pool and the client's hold on
/// an upstream connection is released.
pub struct Returning {
    inner: Incoming,
    back: Option<Back>,
}

/// What goes back when a response body is done.
struct Back {
    sender: SendRequest<Body>,
    pool: Pool,
    hold: Option<OwnedSemaphorePermit>,
}

impl Back {
    fn give(self) {
        let Back {
            mut sender,
            pool,
            hold,
        } = self;
        // Usually ready by the time its body has been read: no task needed.
        if sender.is_ready() {
            pool.put_back(sender);
            drop(hold);
            return;
        }
        // Not yet (or never: a body dropped half read closes the
        // connection); a task waits, unless the runtime is gone.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if sender.ready().await.is_ok() {
                    pool.put_back(sender);
                }
                drop(hold);
            });
        }
    }
}

impl hyper::body::Body for Returning {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, hyper::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let std::task::Poll::Ready(None) = polled {
            if let Some(back) = self.back.take() {
                back.give();
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Returning {
    fn drop(&mut self) {
        if let Some(back) = self.back.take() {
            back.give();
        }
    }
}

#[cfg(test)]
mod tests {
    //! The pool against a tiny upstream on 127.0.0.1: plain threads and
    //! blocking sockets, so that what the upstream does (answer, close, hold
    //! the connection) happens when the test says, whatever the runtime is
    //! doing.

    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    use bytes::Bytes;
    use http::header::HeaderValue;
    use http::StatusCode;
    use http_body_util::BodyExt;

    use super::*;

    /// What the upstream does with one request (its head) on one connection
    /// (numbered from 1): writes the answer, says whether to keep the
    /// connection after it.
    type Handler = dyn Fn(usize, &str, &mut TcpStream) -> bool + Send + Sync;

    /// The upstream: its address, and how many connections it accepted.
    struct Upstream {
        addr: SocketAddr,
        accepted: Arc<AtomicUsize>,
    }

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    /// Answers 200 `ok` and keeps the connection.
    fn ok(stream: &mut TcpStream) -> bool {
        stream.write_all(OK).is_ok()
    }

    fn upstream(handler: Arc<Handler>) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                let handler = handler.clone();
                std::thread::spawn(move || serve_connection(stream, n, &*handler));
            }
        });
        Upstream { addr, accepted }
    }

    /// Answers request heads (the tests send no bodies) until told to close.
    fn serve_connection(mut stream: TcpStream, connection: usize, handler: &Handler) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let end = buf
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(buf.len(), |i| i + 4);
            let head: Vec<u8> = buf.drain(..end).collect();
            if !handler(connection, &String::from_utf8_lossy(&head), &mut stream) {
                return;
            }
        }
    }

    fn get(path: &str) -> Request<Body> {
        Request::builder()
            .uri(path)
            .header(http::header::HOST, "upstream.test")
            .body(crate::body::full(""))
            .expect("request")
    }

    fn pool(up: &Upstream) -> Pool {
        Pool::new(&up.addr.to_string(), Duration::from_secs(5), 64)
    }

    impl Pool {
        fn idle_count(&self) -> usize {
            self.inner.idle.lock().map_or(0, |idle| idle.len())
        }

        /// Waits until `n` connections are kept (each goes back once its
        /// response body is read and its connection is ready again).
        async fn idle_reaches(&self, n: usize) {
            for _ in 0..500 {
                if self.idle_count() == n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            assert_eq!(self.idle_count(), n, "kept connections");
        }
    }

    /// Sends `path` and reads the whole body.
    async fn fetch(pool: &Pool, path: &str) -> (StatusCode, Bytes) {
        let response = pool.send(get(path), None).await.expect("a response");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the body")
            .to_bytes();
        (status, body)
    }

    #[tokio::test]
    async fn a_kept_connection_is_reused() {
        let up = upstream(Arc::new(|_, _, stream: &mut TcpStream| ok(stream)));
        let pool = pool(&up);
        assert_eq!(
            fetch(&pool, "/a").await,
            (StatusCode::OK, Bytes::from("ok"))
        );
        pool.idle_reaches(1).await;
        assert_eq!(
            fetch(&pool, "/b").await,
            (StatusCode::OK, Bytes::from("ok"))
        );
        pool.idle_reaches(1).await;
        assert_eq!(
            up.accepted.load(Ordering::SeqCst),
            1,
            "one connection for both"
        );
    }

    #[tokio::test]
    async fn a_request_on_a_connection_closed_under_it_is_sent_again() {
        // The upstream answers, then closes the connection when told (its
        // keep-alive ran out) and says when it has.
        let (close_tx, close_rx) = mpsc::channel::<()>();
        let (closed_tx, closed_rx) = mpsc::channel::<()>();
        let close_rx = Mutex::new(close_rx);
        let closed_tx = Mutex::new(closed_tx);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let up = upstream(Arc::new(
            move |connection, head: &str, stream: &mut TcpStream| {
                let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
                if let Ok(mut seen) = log.lock() {
                    seen.push((connection, path));
                }
                if !ok(stream) {
                    return false;
                }
                if connection == 1 {
                    // Kept by the pool until the test says; then closed for
                    // certain (FIN sent) before the test goes on.
                    if let Ok(rx) = close_rx.lock() {
                        let _ = rx.recv();
                    }
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    if let Ok(tx) = closed_tx.lock() {
                        let _ = tx.send(());
                    }
                    return false;
                }
                true
            },
        ));
        let pool = pool(&up);
        // The first answer is written once the handler returns; the close
        // order waits in the channel until the connection is kept.
        let first = tokio::spawn({
            let pool = pool.clone();
            async move { fetch(&pool, "/first").await }
        });
        assert_eq!(first.await.expect("joined").0, StatusCode::OK);
        pool.idle_reaches(1).await;
        // Blocking on purpose: the runtime does not run in between. One
        // yield then lets the reactor see the close (so the connection's
        // task finds it as soon as it runs) while the test's own future,
        // polled first by this single-threaded runtime, takes the kept
        // connection before that task has run: the close comes under the
        // request, the window the pool retries in.
        close_tx.send(()).expect("close order");
        closed_rx.recv().expect("closed");
        tokio::task::yield_now().await;
        assert_eq!(
            fetch(&pool, "/second").await,
            (StatusCode::OK, Bytes::from("ok"))
        );
        assert_eq!(
            pool.inner.retried.load(Ordering::Relaxed),
            1,
            "sent again once"
        );
        assert_eq!(up.accepted.load(Ordering::SeqCst), 2);
        let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
        assert_eq!(
            seen,
            vec![(1, "/first".to_owned()), (2, "/second".to_owned())],
            "the second request reached the upstream once, on the new connection"
        );
    }

    #[tokio::test]
    async fn a_connection_is_not_kept_after_a_protocol_switch() {
        let up = upstream(Arc::new(|_, head: &str, stream: &mut TcpStream| {
            if head.to_ascii_lowercase().contains("upgrade: websocket") {
                // Switched: the connection is the client's now; held open.
                let switch = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n";
                stream.write_all(switch).is_ok()
            } else {
                ok(stream)
            }
        }));
        let pool = pool(&up);
        let mut upgrade = get("/socket");
        upgrade
            .headers_mut()
            .insert(http::header::UPGRADE, HeaderValue::from_static("websocket"));
        upgrade.headers_mut().insert(
            http::header::CONNECTION,
            HeaderValue::from_static("upgrade"),
        );
        let switched = pool.send(upgrade, None).await.expect("a response");
        assert_eq!(switched.status(), StatusCode::SWITCHING_PROTOCOLS);
        // Whatever the wait, the switched connection is not kept...
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(pool.idle_count(), 0);
        // ...and the next request opens its own.
        assert_eq!(fetch(&pool, "/after").await.0, StatusCode::OK);
        assert_eq!(up.accepted.load(Ordering::SeqCst), 2);
        drop(switched);
    }

    #[tokio::test]
    async fn at_most_the_idle_limit_is_kept() {
        // Each connection's first answer waits until three are open, so the
        // three requests each need a connection of their own.
        let barrier = Arc::new(std::sync::Barrier::new(3));
        let up = upstream(Arc::new(move |_, head: &str, stream: &mut TcpStream| {
            if head.contains("/together") {
                barrier.wait();
            }
            ok(stream)
        }));
        let mut pool = pool(&up);
        Arc::get_mut(&mut pool.inner)
            .expect("not shared yet")
            .max_idle = 2;
        let together: Vec<_> = (0..3)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move { fetch(&pool, "/together").await })
            })
            .collect();
        for t in together {
            assert_eq!(t.await.expect("joined").0, StatusCode::OK);
        }
        assert_eq!(up.accepted.load(Ordering::SeqCst), 3);
        pool.idle_reaches(2).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            pool.idle_count(),
            2,
            "the third connection is closed, not kept"
        );
        // The two kept ones serve the next requests; nothing new is opened.
        assert_eq!(fetch(&pool, "/a").await.0, StatusCode::OK);
        assert_eq!(fetch(&pool, "/b").await.0, StatusCode::OK);
        assert_eq!(up.accepted.load(Ordering::SeqCst), 3);
    }
}
