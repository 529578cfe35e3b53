//! The forwarding service: the request to the upstream (hop-by-hop headers
//! removed, `X-Forwarded-*` added, bodies streamed both ways), and the
//! gateway's own answers when the upstream fails: 502 when it cannot be
//! reached or breaks off, 504 when it is slower than the timeout. They are
//! ordinary responses, so the CORS layer in front puts its headers on them.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::uri::{Authority, Scheme};
use http::{Request, Response, StatusCode, Uri};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::hop;

/// Errors a body may carry on its way through.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type the gateway answers with.
pub type Body = BoxBody<Bytes, BoxError>;

/// The client's address, put on each request by the listener.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Where requests go.
#[derive(Clone, Debug)]
pub struct Upstream {
    scheme: Scheme,
    authority: Authority,
}

/// Why an upstream URL is refused.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Not a URL.
    #[error("`{0}` is not a URL: {1}")]
    Invalid(String, http::uri::InvalidUri),
    /// Not `http://host[:port]`.
    #[error(
        "`{0}`: the upstream must be http://host[:port] (TLS to the upstream is not supported yet)"
    )]
    Unsupported(String),
}

impl Upstream {
    /// Parses `http://host[:port]` (a trailing `/` is fine).
    pub fn parse(text: &str) -> Result<Upstream, UpstreamError> {
        let uri: Uri = text
            .parse()
            .map_err(|e| UpstreamError::Invalid(text.to_owned(), e))?;
        let path_ok = uri
            .path_and_query()
            .is_none_or(|p| p.as_str() == "/" || p.as_str().is_empty());
        match (uri.scheme(), uri.authority()) {
            (Some(s), Some(a)) if *s == Scheme::HTTP && path_ok => Ok(Upstream {
                scheme: s.clone(),
                authority: a.clone(),
            }),
            _ => Err(UpstreamError::Unsupported(text.to_owned())),
        }
    }

    /// The upstream's `host:port`.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }
}

/// The forwarding service.
#[derive(Clone)]
pub struct Proxy {
    client: Client<HttpConnector, Body>,
    upstream: Upstream,
    timeout: Duration,
    proto: &'static str,
}

impl Proxy {
    /// A pooled client to `upstream`, answering 504 after `timeout` without
    /// response headers. `proto` is what `X-Forwarded-Proto` says (`http` or
    /// `https`, as the gateway's listener speaks).
    pub fn new(
        upstream: Upstream,
        connect_timeout: Duration,
        timeout: Duration,
        proto: &'static str,
    ) -> Proxy {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        Proxy {
            client,
            upstream,
            timeout,
            proto,
        }
    }
}

/// A response the gateway makes itself.
pub fn gateway_response(status: StatusCode, message: &str) -> Response<Body> {
    let body = Full::new(Bytes::from(format!("{message}\n")))
        .map_err(|never| match never {})
        .boxed();
    let mut res = Response::new(body);
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

impl<B> tower::Service<Request<B>> for Proxy
where
    B: hyper::body::Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let uri = Uri::builder()
            .scheme(self.upstream.scheme.clone())
            .authority(self.upstream.authority.clone())
            .path_and_query(path)
            .build();
        let uri = match uri {
            Ok(u) => u,
            Err(_) => {
                return Box::pin(async {
                    Ok(gateway_response(
                        StatusCode::BAD_REQUEST,
                        "400 Bad Request: the request target cannot be forwarded",
                    ))
                });
            }
        };
        hop::strip(&mut parts.headers);
        // The client sets Host from the URI; the original goes in X-Forwarded-Host.
        if let Some(host) = parts.headers.remove(header::HOST).or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        }) {
            parts.headers.insert("x-forwarded-host", host);
        }
        if let Some(ClientAddr(addr)) = parts.extensions.get::<ClientAddr>().copied() {
            let ip = addr.ip().to_string();
            let value = match parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
            {
                Some(prior) => format!("{prior}, {ip}"),
                None => ip,
            };
            if let Ok(v) = HeaderValue::from_str(&value) {
                parts.headers.insert("x-forwarded-for", v);
            }
        }
        parts
            .headers
            .insert("x-forwarded-proto", HeaderValue::from_static(self.proto));
        parts.uri = uri;
        parts.version = http::Version::HTTP_11;
        let request = Request::from_parts(parts, body.map_err(Into::into).boxed());
        let client = self.client.clone();
        let timeout = self.timeout;
        let authority = self.upstream.authority.clone();
        Box::pin(async move {
            match tokio::time::timeout(timeout, client.request(request)).await {
                Err(_) => Ok(gateway_response(
                    StatusCode::GATEWAY_TIMEOUT,
                    &format!(
                        "504 Gateway Timeout: the upstream {authority} did not answer within {} s",
                        timeout.as_secs_f64()
                    ),
                )),
                Ok(Err(e)) => {
                    let why = if e.is_connect() {
                        "cannot be reached"
                    } else {
                        "broke off the exchange"
                    };
                    tracing::warn!(target: "corsair::gateway", upstream = %authority, error = %e, "upstream {why}");
                    Ok(gateway_response(
                        StatusCode::BAD_GATEWAY,
                        &format!("502 Bad Gateway: the upstream {authority} {why}"),
                    ))
                }
                Ok(Ok(response)) => {
                    let (mut parts, body) = response.into_parts();
                    hop::strip(&mut parts.headers);
                    Ok(Response::from_parts(
                        parts,
                        body.map_err(Into::into).boxed(),
                    ))
                }
            }
        })
    }
}
