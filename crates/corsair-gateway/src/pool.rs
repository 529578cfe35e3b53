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

use crate::proxy::Body;

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

/// Connections to one upstream.
#[derive(Clone)]
pub struct Pool {
    idle: Arc<Mutex<Vec<SendRequest<Body>>>>,
    address: Arc<str>,
    connect_timeout: Duration,
    // One permit per open upstream connection, held by its task.
    open: Arc<Semaphore>,
    max_open: usize,
}

impl Pool {
    /// A pool for `address` (`host:port`) with at most `max_open`
    /// connections open at once (at least one).
    pub fn new(address: &str, connect_timeout: Duration, max_open: usize) -> Pool {
        Pool {
            idle: Arc::new(Mutex::new(Vec::new())),
            address: Arc::from(address),
            connect_timeout,
            open: Arc::new(Semaphore::new(max_open.clamp(1, Semaphore::MAX_PERMITS))),
            max_open: max_open.clamp(1, Semaphore::MAX_PERMITS),
        }
    }

    fn take_idle(&self) -> Option<SendRequest<Body>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(sender) = idle.pop() {
            if sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    fn put_back(&self, sender: SendRequest<Body>) {
        if self.open.available_permits() == 0 {
            // Requests may be waiting for a connection to open: closing this
            // one (its task ends, its permit returns) lets one of them go.
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(sender);
        }
    }

    async fn connect(&self) -> Result<SendRequest<Body>, PoolError> {
        let address = &*self.address;
        let permit = tokio::time::timeout(self.connect_timeout, self.open.clone().acquire_owned())
            .await
            .map_err(|_| {
                PoolError::Connect(format!(
                    "all {} upstream connections stayed busy for {:?}",
                    self.max_open, self.connect_timeout
                ))
            })?
            .map_err(|_| PoolError::Connect("the pool is closed".into()))?;
        let stream = tokio::time::timeout(self.connect_timeout, TcpStream::connect(address))
            .await
            .map_err(|_| {
                PoolError::Connect(format!(
                    "no connection to {address} within {:?}",
                    self.connect_timeout
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
    ) -> Result<Response<Incoming>, PoolError> {
        let (mut sender, reused) = match self.take_idle() {
            Some(s) => (s, true),
            None => (self.connect().await?, false),
        };
        let response = match sender.try_send_request(request).await {
            Ok(r) => r,
            Err(mut e) => match (reused, e.take_message()) {
                // Never written: a fresh connection gets it.
                (true, Some(request)) => {
                    sender = self.connect().await?;
                    sender.send_request(request).await?
                }
                _ => return Err(PoolError::Http(e.into_error())),
            },
        };
        if response.status() != http::StatusCode::SWITCHING_PROTOCOLS {
            let pool = self.clone();
            tokio::spawn(async move {
                if sender.ready().await.is_ok() {
                    pool.put_back(sender);
                }
                drop(hold);
            });
        }
        Ok(response)
    }
}
