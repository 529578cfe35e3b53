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
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

pub use crate::body::{Body, BoxError};
use crate::guard::{self, Guarded, Side, Upload};
use crate::hop;
use crate::metrics::{Metrics, UpstreamFailure};
use crate::own::{gateway_response, Own, OWN_HEADER};
use crate::pool::{Pool, PoolError};

/// The client connection a request came on, put on each request by the
/// listener (one extension: each costs an allocation per request).
#[derive(Clone, Debug)]
pub struct Client {
    /// The client's address.
    pub addr: SocketAddr,
    /// The client's IP as `X-Forwarded-For` adds it, made once per connection.
    forwarded_for: Option<HeaderValue>,
    /// The connection's share of upstream connections: a request holds a
    /// permit from its start until its upstream connection is free again.
    pub share: Arc<Semaphore>,
}

impl Client {
    /// The client at `addr`, with `share` upstream connections at once.
    pub fn new(addr: SocketAddr, share: Arc<Semaphore>) -> Client {
        Client {
            addr,
            forwarded_for: HeaderValue::from_str(&addr.ip().to_string()).ok(),
            share,
        }
    }
}

/// Where requests go: `http://host[:port][/prefix]`.
#[derive(Clone, Debug)]
pub struct Upstream {
    /// `host[:port]` as written: the `Host` header sent upstream.
    authority: Authority,
    /// The same, as the header's value.
    host: Option<HeaderValue>,
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
            host: HeaderValue::from_str(authority.as_str()).ok(),
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
    /// Shared: a proxy is cloned for every request.
    upstream: Arc<Upstream>,
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
            upstream: Arc::new(upstream),
            config,
            metrics: None,
        }
    }

    /// Counts upstream errors and the gateway's own answers in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Proxy {
        self.metrics = Some(metrics);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }
}

/// Why a request is not forwarded: the gateway's own 400 (RFC 9112 §3.2 and
/// §3.2.1: one Host in HTTP/1.1, an origin-form target) and 413.
fn reject<B>(req: &Request<B>, max_body: Option<u64>) -> Option<Refusal> {
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

/// The proxy's answer to one request, when it is ready.
type Answer = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

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

    /// The steps: refuse what cannot be forwarded, rewrite the request for
    /// the upstream, then (in the future) take a share of the upstream,
    /// send within the timeout, and answer: the upstream's response passed
    /// on, or the gateway's own when the exchange failed.
    fn call(&mut self, req: Request<B>) -> Self::Future {
        let exchange = self.exchange();
        let forward = match self.forward(req) {
            Ok(forward) => forward,
            Err((status, why, message)) => {
                let answer = exchange.own(status, why, &message);
                return Box::pin(async move { Ok(answer) });
            }
        };
        Box::pin(async move { Ok(exchange.run(forward).await) })
    }
}

/// A request rewritten for the upstream, with what its exchange needs.
struct Forward {
    request: Request<Body>,
    /// The client's side of an upgrade (WebSocket) it asked for.
    client_side: Option<hyper::upgrade::OnUpgrade>,
    /// The client connection's share of upstream connections.
    share: Option<Arc<Semaphore>>,
    /// Where the upload stands: the upstream's clock runs only while it is
    /// the one that owes progress. `None`: there is no body to send.
    upload: Option<watch::Receiver<Upload>>,
}

/// What the gateway's own answer is: status, reason, message.
type Refusal = (StatusCode, Own, String);

impl Proxy {
    /// What one exchange with the upstream needs from the proxy (cheap:
    /// counted references and a few words).
    fn exchange(&self) -> Exchange {
        Exchange {
            pool: self.pool.clone(),
            timeout: self.config.timeout,
            max_body: self.config.max_body.unwrap_or(u64::MAX),
            authority: self.upstream.authority.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// The request as the upstream gets it, or why it is not forwarded.
    fn forward<B>(&self, mut req: Request<B>) -> Result<Forward, Refusal>
    where
        B: hyper::body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
    {
        if let Some(refusal) = reject(&req, self.config.max_body) {
            return Err(refusal);
        }
        // An upgrade (WebSocket) keeps its Upgrade header; both sides' upgraded
        // connections are joined once the upstream answers 101.
        let upgrade = hop::upgrade(req.headers());
        let client_side = upgrade.is_some().then(|| hyper::upgrade::on(&mut req));
        let (mut parts, body) = req.into_parts();
        // Origin-form on the upstream connection (under the upstream's path
        // prefix), with its own Host.
        let uri = self
            .upstream
            .target(parts.uri.path_and_query())
            .map_err(|_| {
                (
                    StatusCode::BAD_REQUEST,
                    Own::BadRequest,
                    "400 Bad Request: the request target cannot be forwarded".to_owned(),
                )
            })?;
        hop::strip(&mut parts.headers);
        if let Some(protocol) = upgrade {
            parts.headers.insert(header::UPGRADE, protocol);
            parts
                .headers
                .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        }
        self.forwarded_headers(&mut parts);
        parts.uri = uri;
        parts.version = http::Version::HTTP_11;
        let share = parts.extensions.get::<Client>().map(|c| c.share.clone());
        let (body, upload) = if body.is_end_stream() {
            // Nothing to upload (a GET, a preflight sent on): no guard, no clock.
            (Body::default(), None)
        } else {
            let (body, upload) = self.guarded_upload(body);
            (body, Some(upload))
        };
        Ok(Forward {
            request: Request::from_parts(parts, body),
            client_side,
            share,
            upload,
        })
    }

    /// `X-Forwarded-Host` (the client's Host), `-For` (the client's address
    /// after any earlier ones), `-Proto`; then the upstream's own `Host`.
    fn forwarded_headers(&self, parts: &mut http::request::Parts) {
        // The client sets Host from the URI; the original goes in X-Forwarded-Host.
        if let Some(host) = parts.headers.remove(header::HOST).or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        }) {
            parts.headers.insert("x-forwarded-host", host);
        }
        if let Some(ip) = parts
            .extensions
            .get::<Client>()
            .and_then(|c| c.forwarded_for.clone())
        {
            let value = match parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
            {
                Some(prior) => {
                    HeaderValue::from_str(&format!("{prior}, {}", ip.to_str().unwrap_or_default()))
                        .ok()
                }
                None => Some(ip),
            };
            if let Some(v) = value {
                parts.headers.insert("x-forwarded-for", v);
            }
        }
        parts.headers.insert(
            "x-forwarded-proto",
            HeaderValue::from_static(self.config.proto),
        );
        if let Some(host) = self.upstream.host.clone() {
            parts.headers.insert(header::HOST, host);
        }
    }

    /// The request body under the size limit and the stall bound, and the
    /// signal of how far the upstream has taken it.
    fn guarded_upload<B>(&self, body: B) -> (Body, watch::Receiver<Upload>)
    where
        B: hyper::body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
    {
        let body = match self.config.max_body {
            Some(max) => {
                http_body_util::Limited::new(body, usize::try_from(max).unwrap_or(usize::MAX))
                    .boxed()
            }
            None => body.map_err(Into::into).boxed(),
        };
        let (progress, upload) = watch::channel(Upload::Asking);
        let body = Guarded::new(body, Side::Client, self.config.body_stall)
            .report_to(progress)
            .boxed();
        (body, upload)
    }
}

/// One request's exchange with the upstream.
struct Exchange {
    pool: Pool,
    timeout: Duration,
    max_body: u64,
    authority: Authority,
    metrics: Option<Arc<Metrics>>,
}

impl Exchange {
    /// Sends the request and answers: the upstream's response, or the
    /// gateway's own when no good one came.
    async fn run(self, forward: Forward) -> Response<Body> {
        let Forward {
            request,
            client_side,
            share,
            upload,
        } = forward;
        let permit = match self.share_of_upstream(share).await {
            Ok(permit) => permit,
            Err(answer) => return answer,
        };
        let outcome = tokio::select! {
            outcome = self.pool.send(request, permit) => outcome,
            why = head_deadline(upload, self.timeout) => return self.timed_out(why),
        };
        match outcome {
            Ok(response) => self.pass_on(response, client_side),
            Err(e) => self.failed(&e),
        }
    }

    /// The gateway's own answer, counted.
    fn own(&self, status: StatusCode, why: Own, message: &str) -> Response<Body> {
        if let Some(m) = &self.metrics {
            m.own_answer(why);
        }
        gateway_response(status, why, message)
    }

    /// Counts what went wrong upstream.
    fn upstream_error(&self, failure: UpstreamFailure) {
        if let Some(m) = &self.metrics {
            m.upstream_error(failure);
        }
    }

    /// A permit from the client connection's share of upstream connections
    /// (none to take for a request without a share), or the 504 when its
    /// other requests held them all for the whole timeout.
    async fn share_of_upstream(
        &self,
        share: Option<Arc<Semaphore>>,
    ) -> Result<Option<OwnedSemaphorePermit>, Response<Body>> {
        let Some(share) = share else {
            return Ok(None);
        };
        // Usually free: then no timer is armed.
        if let Ok(permit) = share.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        match tokio::time::timeout(self.timeout, share.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(self.own(
                StatusCode::GATEWAY_TIMEOUT,
                Own::UpstreamBusy,
                &format!(
                    "504 Gateway Timeout: this connection's other requests kept the upstream busy for {} s",
                    self.timeout.as_secs_f64()
                ),
            )),
        }
    }

    /// The 504 when the upstream owed progress for the whole timeout.
    fn timed_out(&self, why: &str) -> Response<Body> {
        let seconds = self.timeout.as_secs_f64();
        tracing::warn!(target: "corsair::gateway", upstream = %self.authority, "upstream {why} within {seconds} s");
        self.upstream_error(UpstreamFailure::Timeout);
        self.own(
            StatusCode::GATEWAY_TIMEOUT,
            Own::UpstreamTimeout,
            &format!("504 Gateway Timeout: the upstream did not answer within {seconds} s"),
        )
    }

    /// The gateway's answer to a failed exchange: 413 when the body outgrew
    /// the limit, 408 when it stopped arriving (both the client's doing),
    /// else 502 (the upstream's).
    fn failed(&self, e: &PoolError) -> Response<Body> {
        if body_too_large(e) {
            return self.own(
                StatusCode::PAYLOAD_TOO_LARGE,
                Own::BodyTooLarge,
                &format!(
                    "413 Content Too Large: this gateway forwards bodies of at most {} bytes",
                    self.max_body
                ),
            );
        }
        if guard::stalled(e).is_some() {
            return self.own(
                StatusCode::REQUEST_TIMEOUT,
                Own::BodyStalled,
                "408 Request Timeout: the request body stopped arriving",
            );
        }
        let (why, own, failure) = if matches!(e, PoolError::Connect(_)) {
            (
                "cannot be reached",
                Own::UpstreamUnreachable,
                UpstreamFailure::Unreachable,
            )
        } else {
            (
                "broke off the exchange",
                Own::UpstreamBrokeOff,
                UpstreamFailure::BrokeOff,
            )
        };
        tracing::warn!(target: "corsair::gateway", upstream = %self.authority, error = %e, "upstream {why}");
        self.upstream_error(failure);
        self.own(
            StatusCode::BAD_GATEWAY,
            own,
            &format!("502 Bad Gateway: the upstream {why}"),
        )
    }

    /// The upstream's response as the client gets it: an asked-for upgrade
    /// joined, hop-by-hop headers and any upstream `x-corsair*` marks
    /// removed, the body under the stall bound.
    fn pass_on(
        &self,
        mut response: Response<crate::pool::Returning>,
        client_side: Option<hyper::upgrade::OnUpgrade>,
    ) -> Response<Body> {
        let switched = response.status() == StatusCode::SWITCHING_PROTOCOLS;
        let protocol = response.headers().get(header::UPGRADE).cloned();
        match (client_side, switched) {
            (Some(client_side), true) => {
                let upstream_side = hyper::upgrade::on(&mut response);
                tokio::spawn(join_upgraded(client_side, upstream_side));
            }
            (_, true) => {
                // A 101 nobody asked for cannot be passed on.
                self.upstream_error(UpstreamFailure::BrokeOff);
                return self.own(
                    StatusCode::BAD_GATEWAY,
                    Own::UpstreamBrokeOff,
                    "502 Bad Gateway: the upstream switched protocols unasked",
                );
            }
            _ => {}
        }
        let (mut parts, body) = response.into_parts();
        hop::strip(&mut parts.headers);
        // The marks say the gateway answered: an upstream's own (another
        // Corsair behind this one) would be mistaken for it.
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
        let body = Guarded::new(
            body.map_err(Into::into).boxed(),
            Side::Upstream,
            Some(self.timeout),
        )
        .count_in(self.metrics.clone())
        .boxed();
        Response::from_parts(parts, body)
    }
}

/// Waits while the upstream owes progress: for the whole timeout while it
/// holds a piece of the body without asking for more, then, once the body
/// is sent whole, for the whole timeout for the response head. Returns
/// what it failed to do. A client slow to send is not waited for here (its
/// stall is cut by the body's own bound).
async fn head_deadline(upload: Option<watch::Receiver<Upload>>, timeout: Duration) -> &'static str {
    let Some(mut upload) = upload else {
        tokio::time::sleep(timeout).await;
        return "sent no response head";
    };
    loop {
        let now = *upload.borrow_and_update();
        match now {
            Upload::Asking => {
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
