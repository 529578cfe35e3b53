//! A body wrapper that cuts a stalled stream and reports its end: a body
//! that yields no frame within the stall limit ends with [`BodyStalled`]
//! (the exchange is aborted rather than held open forever), and whoever
//! waits for the body to be fully sent is told when it is.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};

use crate::metrics::Metrics;
use crate::proxy::{Body, BoxError};

/// Which side's body stalled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The client's request body.
    Client,
    /// The upstream's response body.
    Upstream,
}

/// A body that yielded nothing for its stall limit.
#[derive(Debug, thiserror::Error)]
#[error("the {side} body stalled: no bytes for {} s", after.as_secs_f64())]
pub struct BodyStalled {
    /// Which side.
    pub side: &'static str,
    /// The limit that ran out.
    pub after: Duration,
}

/// A body with a stall limit and an end signal.
pub struct Guarded {
    inner: Body,
    stall: Option<(Duration, Pin<Box<Sleep>>)>,
    side: Side,
    done: Option<watch::Sender<()>>,
    metrics: Option<Arc<Metrics>>,
    finished: bool,
    /// A frame has been asked for and not yet given: the stall clock runs
    /// only then, so time the reader spends not asking (a slow client) is
    /// never counted against the writer.
    waiting: bool,
}

impl Guarded {
    /// Wraps `inner`; with `stall`, no frame for that long ends it with an error.
    pub fn new(inner: Body, side: Side, stall: Option<Duration>) -> Guarded {
        Guarded {
            inner,
            stall: stall.map(|d| (d, Box::pin(tokio::time::sleep(d)))),
            side,
            done: None,
            metrics: None,
            finished: false,
            waiting: false,
        }
    }

    /// Signals on `done` (or drops it) once the body has been fully read.
    pub fn notify_done(mut self, done: watch::Sender<()>) -> Guarded {
        self.done = Some(done);
        self
    }

    /// Counts a stall in `metrics`.
    pub fn count_in(mut self, metrics: Option<Arc<Metrics>>) -> Guarded {
        self.metrics = metrics;
        self
    }

    fn finish(&mut self) {
        self.finished = true;
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

impl hyper::body::Body for Guarded {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        if !this.waiting {
            this.waiting = true;
            if let Some((limit, sleep)) = &mut this.stall {
                sleep.as_mut().reset(Instant::now() + *limit);
            }
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.waiting = false;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finish();
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.finish();
                Poll::Ready(None)
            }
            Poll::Pending => {
                let Some((limit, sleep)) = &mut this.stall else {
                    return Poll::Pending;
                };
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let after = *limit;
                let side = match this.side {
                    Side::Client => "request",
                    Side::Upstream => "upstream's response",
                };
                if let Some(m) = &this.metrics {
                    m.body_stall();
                }
                tracing::warn!(target: "corsair::gateway", "the {side} body stalled for {} s: cut", after.as_secs_f64());
                this.finish();
                Poll::Ready(Some(Err(Box::new(BodyStalled { side, after }))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let end = self.finished || self.inner.is_end_stream();
        if end {
            // Whoever waits for the upload learns it is over even when the
            // body is never polled (an empty request body).
            if let Some(done) = &self.done {
                let _ = done.send(());
            }
        }
        end
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether `error` (or one of its sources) is a stalled body.
pub fn stalled<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyStalled> {
    std::iter::successors(Some(error), |e| e.source()).find_map(|e| e.downcast_ref::<BodyStalled>())
}
