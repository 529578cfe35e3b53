//! Keep-alive connections to the upstream: HTTP/1.1 senders kept in a
//! stack, the most recently used first. A sender goes back once its
//! response body has been read (its connection is ready again); a request
//! that finds a kept connection closed under it (the upstream's keep-alive
//! ran out) is retried once on a new connection, as it was never sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

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
}

impl Pool {
    /// A pool for `address` (`host:port`).
    pub fn new(address: &str, connect_timeout: Duration) -> Pool {
        Pool {
            idle: Arc::new(Mutex::new(Vec::new())),
            address: Arc::from(address),
            connect_timeout,
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
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(sender);
        }
    }

    async fn connect(&self) -> Result<SendRequest<Body>, PoolError> {
        let address = &*self.address;
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
        });
        Ok(sender)
    }

    /// Sends `request` and returns the response head; the connection goes
    /// back to the pool when its body is done (not after a protocol switch).
    pub async fn send(&self, request: Request<Body>) -> Result<Response<Incoming>, PoolError> {
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
            });
        }
        Ok(response)
    }
}
