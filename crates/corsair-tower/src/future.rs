//! The layer's response future: an answer ready at once (preflights), or the
//! application's response with the CORS headers added.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, Response, StatusCode};
use pin_project_lite::pin_project;

use crate::apply::ActualHeaders;
use crate::Shared;

pin_project! {
    /// The future [`Cors`](crate::Cors) returns.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Ready { answer: Option<(StatusCode, HeaderMap)> },
        Inner {
            #[pin]
            future: F,
            add: Option<ActualHeaders>,
            shared: Arc<Shared>,
            index: usize,
        },
        Passthrough {
            #[pin]
            future: F,
        },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn ready(answer: (StatusCode, HeaderMap)) -> Self {
        ResponseFuture {
            kind: Kind::Ready {
                answer: Some(answer),
            },
        }
    }

    pub(crate) fn inner(future: F, add: ActualHeaders, shared: Arc<Shared>, index: usize) -> Self {
        ResponseFuture {
            kind: Kind::Inner {
                future,
                add: Some(add),
                shared,
                index,
            },
        }
    }

    pub(crate) fn passthrough(future: F) -> Self {
        ResponseFuture {
            kind: Kind::Passthrough { future },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Ready { answer } => {
                let (status, headers) = answer.take().unwrap_or_default();
                let mut response = Response::new(B::default());
                *response.status_mut() = status;
                *response.headers_mut() = headers;
                Poll::Ready(Ok(response))
            }
            KindProj::Inner {
                future,
                add,
                shared,
                index,
            } => {
                let mut response = match future.poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(r)) => r,
                };
                if let Some(add) = add.take() {
                    if add.apply(response.headers_mut()) {
                        shared.duplicate(*index);
                    }
                }
                Poll::Ready(Ok(response))
            }
            KindProj::Passthrough { future } => future.poll(cx),
        }
    }
}
