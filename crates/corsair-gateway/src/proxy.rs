//! The forwarding service: the request to the upstream (hop-by-hop headers
//! removed, `X-Forwarded-*` added, bodies streamed both ways), and the
//! gateway's own answers when the upstream fails: 502 when it cannot be
//! reached or breaks off, 504 when it is slower than the timeout. They are
//! ordinary responses, so the CORS layer in front puts its headers on them.
//! Their bodies never name the upstream (its address is for the log).
//!
//! The timeout counts from the moment the request body has been fully sent
//! (a slow upload is not the upstream's delay) to the response head, and
//! while the upstream holds a piece of the body without taking more; an
//! upstream body that then stalls for as long is cut. A request body that
//! stalls is cut too (408). One client connection uses at most
//! `upstream_per_client` upstream connections at once (HTTP/2 multiplexes
//! many requests on one connection): a request holds its permit until its
//! upstream connection is back in the pool.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{Request, Response, StatusCode, Uri};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::sync::{watch, Semaphore};

use crate::guard::{self, Guarded, Side, Upload};
use crate::metrics::Metrics;
use crate::pool::{Pool, PoolError};

use crate::hop;

/// Errors a body may carry on its way through.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type the gateway answers with.
pub type Body = BoxBody<Bytes, BoxError>;

/// The client's address, put on each request by the listener.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// The client connection's share of upstream connections, put on each
/// request by the listener: a request holds a permit from its start until
/// its upstream connection is free again.
#[derive(Clone, Debug)]
pub struct ClientShare(pub Arc<Semaphore>);

/// Where requests go: `http://host[:port][/prefix]`.
#[derive(Clone, Debug)]
pub struct Upstream {
    /// `host[:port]` as written: the `Host` header sent upstream.
    authority: Authority,
    /// `host:port`, the scheme's default port filled in: where to connect.
    address: String,
    /// The path the request's path is appended to (`/api`), or empty.
    prefix: String,
}

/// Why an upstream URL is refused.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Not a URL.
    #[error("`{0}` is not a URL: {1}")]
    Invalid(String, http::uri::InvalidUri),
    /// User and password in the URL: refused rather than silently dropped
    /// (the gateway does not send them) or shown in messages.
    #[error("the upstream URL holds credentials (user:password@); remove them: the gateway does not send them and will not print them")]
    Credentials,
    /// `https://`: the gateway speaks plain HTTP to its upstream.
    #[error("`{0}`: TLS to the upstream is not supported; give its plain-http address (http://host[:port], e.g. http://127.0.0.1:8000), on the same machine or a private network")]
    Https(String),
    /// A query or fragment, which no request path could be appended to.
    #[error("`{0}`: the upstream URL may have a path prefix (http://host[:port]/api) but no query (`?`) or fragment (`#`)")]
    QueryOrFragment(String),
    /// Not `http://host[:port][/prefix]`.
    #[error("`{0}`: the upstream must be http://host[:port], optionally with a path prefix (http://host[:port]/api)")]
    Unsupported(String),
}

impl Upstream {
    /// Parses `http://host[:port][/prefix]`. Without a port, port 80; a
    /// path prefix (`/api`, a trailing `/` or none) is put before every
    /// request's path.
    pub fn parse(text: &str) -> Result<Upstream, UpstreamError> {
        // Before anything that would echo the text: the authority (between
        // `://` and the next `/`, `?` or `#`) must not hold a `user@`.
        let rest = text.split_once("://").map_or(text, |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        if authority.contains('@') {
            return Err(UpstreamError::Credentials);
        }
        if text.contains(['?', '#']) {
            return Err(UpstreamError::QueryOrFragment(text.to_owned()));
        }
        let uri: Uri = text
            .parse()
            .map_err(|e| UpstreamError::Invalid(text.to_owned(), e))?;
        let (scheme, authority) = match (uri.scheme(), uri.authority()) {
            (Some(s), Some(a)) => (s, a),
            _ => return Err(UpstreamError::Unsupported(text.to_owned())),
        };
        if *scheme == Scheme::HTTPS {
            return Err(UpstreamError::Https(text.to_owned()));
        }
        if *scheme != Scheme::HTTP || authority.host().is_empty() {
            return Err(UpstreamError::Unsupported(text.to_owned()));
        }
        // `http://localhost` connects to port 80, as a browser would; the
        // Host header keeps the authority as written.
        let address = match authority.port_u16() {
            Some(port) => format!("{}:{port}", authority.host()),
            None => format!("{}:80", authority.host()),
        };
        // `/api/` and `/api` are the same prefix: the request's path brings
        // its own leading `/` (no `//` at the seam).
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Upstream {
            authority: authority.clone(),
            address,
            prefix,
        })
    }

    /// The upstream's `host[:port]`, as written (the `Host` header it gets).
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// Where the gateway connects: `host:port`, port 80 when none is written.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The path prefix (`/api`), or empty.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The upstream's target for a request's path and query: the prefix,
    /// then the path (`/items?x=1` under `/api` is `/api/items?x=1`).
    pub fn target(&self, path_and_query: Option<&PathAndQuery>) -> Result<Uri, http::Error> {
        let pq = path_and_query.map_or("/", PathAndQuery::as_str);
        if self.prefix.is_empty() {
            return Ok(Uri::from(
                path_and_query
                    .cloned()
                    .unwrap_or_else(|| PathAndQuery::from_static("/")),
            ));
        }
        Ok(Uri::try_from(format!("{}{pq}", self.prefix))?)
    }
}

impl std::fmt::Display for Upstream {
    /// `http://host[:port][/prefix]`, for messages (never credentials:
    /// those are refused).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}{}", self.authority, self.prefix)
    }
}

/// How the proxy reaches the upstream and what it accepts.
#[derive(Clone, Copy, Debug)]
pub struct ProxyConfig {
    /// Time to connect to the upstream before answering 502.
    pub connect_timeout: Duration,
    /// Time for the upstream's response headers before answering 504.
    pub timeout: Duration,
    /// Largest request body forwarded; a larger one is answered 413.
    pub max_body: Option<u64>,
    /// What `X-Forwarded-Proto` says: `http` or `https`, as the listener speaks.
    pub proto: &'static str,
    /// Upstream connections open at once, busy or kept (at least one).
    pub max_upstream: usize,
    /// Upstream connections one client connection uses at once.
    pub upstream_per_client: usize,
    /// A request body that sends nothing for this long is cut (408).
    pub body_stall: Option<Duration>,
}

impl Default for ProxyConfig {
    fn default() -> ProxyConfig {
        ProxyConfig {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_body: Some(100 << 20),
            proto: "http",
            max_upstream: 1024,
            upstream_per_client: 8,
            body_stall: Some(Duration::from_secs(60)),
        }
    }
}

/// The forwarding service.
#[derive(Clone)]
pub struct Proxy {
    pool: Pool,
    upstream: Upstream,
    config: ProxyConfig,
    metrics: Option<Arc<Metrics>>,
}

impl Proxy {
    /// A pooled client to `upstream`.
    pub fn new(upstream: Upstream, config: ProxyConfig) -> Proxy {
        let pool = Pool::new(
            upstream.address(),
            config.connect_timeout,
            config.max_upstream,
        );
        Proxy {
            pool,
            upstream,
            config,
            metrics: None,
        }
    }

    /// Counts upstream bodies cut for stalling in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Proxy {
        self.metrics = Some(metrics);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }
}

/// The header on every answer the gateway makes itself, never on one it
/// passes on from the upstream: a word saying why ([`Own::as_str`]). With
/// `x-corsair-refusal` on a refused preflight, it tells a client (and
/// `corsair check`) that the gateway answered, not the API behind it.
pub const OWN_HEADER: &str = "x-corsair";

/// Why the gateway answered a request itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Own {
    /// 400: no or two `Host` headers, a target that is not a path.
    BadRequest,
    /// 408: the request body stopped arriving.
    BodyStalled,
    /// 413: the body is larger than the gateway forwards.
    BodyTooLarge,
    /// 502: no connection to the upstream.
    UpstreamUnreachable,
    /// 502: the upstream broke off the exchange (or switched protocols unasked).
    UpstreamBrokeOff,
    /// 504: the upstream sent no response head (or stopped taking the body) in time.
    UpstreamTimeout,
    /// 504: the connection's other requests held every upstream connection it may use.
    UpstreamBusy,
    /// 503: the gateway is at its connection cap.
    Overloaded,
}

impl Own {
    /// The word in [`OWN_HEADER`].
    pub fn as_str(self) -> &'static str {
        match self {
            Own::BadRequest => "bad-request",
            Own::BodyStalled => "body-stalled",
            Own::BodyTooLarge => "body-too-large",
            Own::UpstreamUnreachable => "upstream-unreachable",
            Own::UpstreamBrokeOff => "upstream-broke-off",
            Own::UpstreamTimeout => "upstream-timeout",
            Own::UpstreamBusy => "upstream-busy",
            Own::Overloaded => "overloaded",
        }
    }
}

/// A response the gateway makes itself, marked with [`OWN_HEADER`].
pub fn gateway_response(status: StatusCode, why: Own, message: &str) -> Response<Body> {
    let body = Full::new(Bytes::from(format!("{message}\n")))
        .map_err(|never| match never {})
        .boxed();
    let mut res = Response::new(body);
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::HeaderName::from_static(OWN_HEADER),
        HeaderValue::from_static(why.as_str()),
    );
    res
}

type Answer = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

fn answer_now(status: StatusCode, why: Own, message: String) -> Answer {
    Box::pin(async move { Ok(gateway_response(status, why, &message)) })
}

/// Why a request is not forwarded: the gateway's own 400 (RFC 9112 §3.2 and
/// §3.2.1: one Host in HTTP/1.1, an origin-form target) and 413.
fn reject<B>(req: &Request<B>, max_body: Option<u64>) -> Option<(StatusCode, Own, String)> {
    let hosts = req.headers().get_all(header::HOST).iter().count();
    if hosts > 1 {
        return Some((
            StatusCode::BAD_REQUEST,
            Own::BadRequest,
            "400 Bad Request: more than one Host header".into(),
        ));
    }
    if req.version() == http::Version::HTTP_11 && hosts == 0 && req.uri().authority().is_none() {
        return Some((
            StatusCode::BAD_REQUEST,
            Own::BadRequest,
            "400 Bad Request: an HTTP/1.1 request needs a Host header".into(),
        ));
    }
    if !req.uri().path().starts_with('/') {
        return Some((
            StatusCode::BAD_REQUEST,
            Own::BadRequest,
            format!(
                "400 Bad Request: the request target must be a path, not `{}`",
                req.uri()
            ),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match (declared, max_body) {
        (Some(n), Some(max)) if n > max => Some((
            StatusCode::PAYLOAD_TOO_LARGE,
            Own::BodyTooLarge,
            format!(
                "413 Content Too Large: the body is {n} bytes; this gateway forwards at most {max}"
            ),
        )),
        _ => None,
    }
}

/// Whether `error` (a failed exchange) came from the body outgrowing the limit.
fn body_too_large(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source())
        .any(|e| e.is::<http_body_util::LengthLimitError>())
}

impl<B> tower::Service<Request<B>> for Proxy
where
    B: hyper::body::Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if let Some((status, why, message)) = reject(&req, self.config.max_body) {
            return answer_now(status, why, message);
        }
        // An upgrade (WebSocket) keeps its Upgrade header; both sides' upgraded
        // connections are joined once the upstream answers 101.
        let upgrade = hop::upgrade(req.headers());
        let client_side = upgrade.is_some().then(|| hyper::upgrade::on(&mut req));
        let (mut parts, body) = req.into_parts();
        // Origin-form on the upstream connection (under the upstream's path
        // prefix), with its own Host.
        let uri = match self.upstream.target(parts.uri.path_and_query()) {
            Ok(uri) => uri,
            Err(_) => {
                return answer_now(
                    StatusCode::BAD_REQUEST,
                    Own::BadRequest,
                    "400 Bad Request: the request target cannot be forwarded".into(),
                )
            }
        };
        hop::strip(&mut parts.headers);
        if let Some(protocol) = upgrade {
            parts.headers.insert(header::UPGRADE, protocol);
            parts
                .headers
                .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        }
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
        parts.headers.insert(
            "x-forwarded-proto",
            HeaderValue::from_static(self.config.proto),
        );
        parts.uri = uri;
        parts.version = http::Version::HTTP_11;
        if let Ok(host) = HeaderValue::from_str(self.upstream.authority.as_str()) {
            parts.headers.insert(header::HOST, host);
        }
        let share = parts.extensions.get::<ClientShare>().cloned();
        let body = match self.config.max_body {
            Some(max) => {
                http_body_util::Limited::new(body, usize::try_from(max).unwrap_or(usize::MAX))
                    .boxed()
            }
            None => body.map_err(Into::into).boxed(),
        };
        // Where the upload stands: the upstream's clock runs only while it is
        // the one that owes progress.
        let (progress, mut upload) = watch::channel(Upload::Asking);
        let body = Guarded::new(body, Side::Client, self.config.body_stall)
            .report_to(progress)
            .boxed();
        let request = Request::from_parts(parts, body);
        let pool = self.pool.clone();
        let timeout = self.config.timeout;
        let max_body = self.config.max_body.unwrap_or(u64::MAX);
        let authority = self.upstream.authority.clone();
        let metrics = self.metrics.clone();
        Box::pin(async move {
            let seconds = timeout.as_secs_f64();
            let permit = match share {
                Some(ClientShare(share)) => {
                    match tokio::time::timeout(timeout, share.acquire_owned()).await {
                        Ok(Ok(permit)) => Some(permit),
                        _ => {
                            return Ok(gateway_response(
                                StatusCode::GATEWAY_TIMEOUT,
                                Own::UpstreamBusy,
                                &format!("504 Gateway Timeout: this connection's other requests kept the upstream busy for {seconds} s"),
                            ))
                        }
                    }
                }
                None => None,
            };
            let head_deadline = async {
                loop {
                    let now = *upload.borrow_and_update();
                    match now {
                        Upload::Asking => {
                            // The client owes the next piece (its stall is cut
                            // by the body's own bound).
                            if upload.changed().await.is_err() {
                                break;
                            }
                        }
                        Upload::Handed => {
                            tokio::select! {
                                changed = upload.changed() => if changed.is_err() { break },
                                () = tokio::time::sleep(timeout) => return "stopped taking the request body",
                            }
                        }
                        Upload::Done => break,
                    }
                }
                // Sent whole (or dropped): the wait for the head.
                tokio::time::sleep(timeout).await;
                "sent no response head"
            };
            let outcome = tokio::select! {
                outcome = pool.send(request, permit) => outcome,
                why = head_deadline => {
                    tracing::warn!(target: "corsair::gateway", upstream = %authority, "upstream {why} within {seconds} s");
                    return Ok(gateway_response(
                        StatusCode::GATEWAY_TIMEOUT,
                        Own::UpstreamTimeout,
                        &format!("504 Gateway Timeout: the upstream did not answer within {seconds} s"),
                    ));
                }
            };
            match outcome {
                Err(e) if body_too_large(&e) => Ok(gateway_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Own::BodyTooLarge,
                    &format!("413 Content Too Large: this gateway forwards bodies of at most {max_body} bytes"),
                )),
                Err(e) if guard::stalled(&e).is_some() => Ok(gateway_response(
                    StatusCode::REQUEST_TIMEOUT,
                    Own::BodyStalled,
                    "408 Request Timeout: the request body stopped arriving",
                )),
                Err(e) => {
                    let (why, own) = if matches!(e, PoolError::Connect(_)) {
                        ("cannot be reached", Own::UpstreamUnreachable)
                    } else {
                        ("broke off the exchange", Own::UpstreamBrokeOff)
                    };
                    tracing::warn!(target: "corsair::gateway", upstream = %authority, error = %e, "upstream {why}");
                    Ok(gateway_response(
                        StatusCode::BAD_GATEWAY,
                        own,
                        &format!("502 Bad Gateway: the upstream {why}"),
                    ))
                }
                Ok(mut response) => {
                    let switched = response.status() == StatusCode::SWITCHING_PROTOCOLS;
                    let protocol = response.headers().get(header::UPGRADE).cloned();
                    match (client_side, switched) {
                        (Some(client_side), true) => {
                            let upstream_side = hyper::upgrade::on(&mut response);
                            tokio::spawn(join_upgraded(client_side, upstream_side));
                        }
                        (_, true) => {
                            // A 101 nobody asked for cannot be passed on.
                            return Ok(gateway_response(
                                StatusCode::BAD_GATEWAY,
                                Own::UpstreamBrokeOff,
                                "502 Bad Gateway: the upstream switched protocols unasked",
                            ));
                        }
                        _ => {}
                    }
                    let (mut parts, body) = response.into_parts();
                    hop::strip(&mut parts.headers);
                    // The marks say the gateway answered: an upstream's own
                    // (another Corsair behind this one) would be mistaken for it.
                    parts.headers.remove(OWN_HEADER);
                    parts.headers.remove(corsair_tower::REFUSAL_HEADER);
                    if switched {
                        if let Some(protocol) = protocol {
                            parts.headers.insert(header::UPGRADE, protocol);
                        }
                        parts
                            .headers
                            .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
                    }
                    // An upstream body that stalls as long as the head may take is cut.
                    let body = Guarded::new(body.map_err(Into::into).boxed(), Side::Upstream, Some(timeout))
                        .count_in(metrics)
                        .boxed();
                    Ok(Response::from_parts(parts, body))
                }
            }
        })
    }
}

/// Copies bytes both ways between the client's and the upstream's upgraded
/// connections until either side closes.
async fn join_upgraded(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade) {
    match tokio::try_join!(client, upstream) {
        Ok((client, upstream)) => {
            let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
            if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
                tracing::debug!(target: "corsair::gateway", error = %e, "upgraded connection ended with an error");
            }
        }
        Err(e) => {
            tracing::debug!(target: "corsair::gateway", error = %e, "upgrade failed");
        }
    }
}
