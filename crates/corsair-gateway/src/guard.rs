//! A body wrapper that cuts a stalled stream and reports its progress: a
//! body that yields no frame within the stall limit ends with
//! [`BodyStalled`] (the exchange is aborted rather than held open forever),
//! and whoever watches an upload learns whether the reader is asking for
//! more, has been handed a frame and not asked again (the reader is slow),
//! or has it all.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};

use crate::body::{Body, BoxError};
use crate::metrics::{Metrics, UpstreamFailure};

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

/// Where an upload stands, as the reader (the upstream) takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upload {
    /// The reader asks for the next frame: the writer (the client) owes it.
    Asking,
    /// The reader holds a frame and has not asked for another yet: it is
    /// the one that owes progress.
    Handed,
    /// The body has been read to its end (or given up).
    Done,
}

/// A body with a stall limit and a progress signal.
pub struct Guarded {
    inner: Body,
    stall: Option<Duration>,
    /// The stall clock, made the first time the body makes the reader
    /// wait (a body whose frames are ready never needs one).
    sleep: Option<Pin<Box<Sleep>>>,
    /// Whether `sleep` runs for the frame asked for now.
    armed: bool,
    side: Side,
    progress: Option<watch::Sender<Upload>>,
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
            stall,
            sleep: None,
            armed: false,
            side,
            progress: None,
            metrics: None,
            finished: false,
            waiting: false,
        }
    }

    /// Reports on `progress` where the body stands (dropped at its end).
    pub fn report_to(mut self, progress: watch::Sender<Upload>) -> Guarded {
        self.progress = Some(progress);
        self
    }

    fn report(&self, now: Upload) {
        if let Some(progress) = &self.progress {
            progress.send_if_modified(|was| std::mem::replace(was, now) != now);
        }
    }

    /// Counts a stall in `metrics`.
    pub fn count_in(mut self, metrics: Option<Arc<Metrics>>) -> Guarded {
        self.metrics = metrics;
        self
    }

    fn finish(&mut self) {
        self.finished = true;
        self.report(Upload::Done);
        self.progress = None;
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
            this.armed = false;
            this.report(Upload::Asking);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.waiting = false;
                this.report(Upload::Handed);
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
                let Some(limit) = this.stall else {
                    return Poll::Pending;
                };
                if !this.armed {
                    // The clock starts when the reader first has to wait.
                    this.armed = true;
                    let deadline = Instant::now() + limit;
                    match &mut this.sleep {
                        Some(sleep) => sleep.as_mut().reset(deadline),
                        None => this.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
                    }
                }
                let Some(sleep) = &mut this.sleep else {
                    return Poll::Pending;
                };
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let after = limit;
                let side = match this.side {
                    Side::Client => "request",
                    Side::Upstream => "upstream's response",
                };
                if let Some(m) = &this.metrics {
                    m.upstream_error(UpstreamFailure::BodyStall);
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
            // Whoever watches the upload learns it is over even when the
            // body is never polled (an empty request body).
            self.report(Upload::Done);
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
