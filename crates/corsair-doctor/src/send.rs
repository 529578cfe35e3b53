//! Puts one request on the wire and reads the answer: a fresh connection
//! each time (so each exchange stands alone), HTTP/1.1 or HTTP/2 by ALPN over
//! TLS (rustls, the system's roots plus `--cacert`), through the proxy the
//! environment names (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), within a
//! timeout. Only a prefix of the body is kept: the check needs the status and
//! the headers, and an error body only to recognize the platform.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, ClientConfig};
use tokio_rustls::TlsConnector;

use crate::exchange::{Received, Wire};

/// How much of a response body is kept.
pub const BODY_PREFIX: usize = 16 * 1024;

/// How long the start of a body is waited for once the headers are in.
pub const BODY_WAIT: Duration = Duration::from_millis(750);

/// Why an exchange got no HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The URL cannot be requested.
    #[error("{0}")]
    BadUrl(String),
    /// The host name does not resolve.
    #[error("cannot resolve {host}: {source}")]
    Dns {
        /// The host.
        host: String,
        /// Why.
        source: std::io::Error,
    },
    /// No TCP connection.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// Where.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS handshake failed (certificate, protocol).
    #[error("TLS with {host} failed: {source}")]
    Tls {
        /// The host.
        host: String,
        /// Why.
        source: std::io::Error,
    },
    /// The proxy refused the tunnel.
    #[error("the proxy {proxy} refused to connect to {target}: {status}")]
    Proxy {
        /// The proxy.
        proxy: String,
        /// The target.
        target: String,
        /// Its status line.
        status: String,
    },
    /// The exchange broke off or was not HTTP.
    #[error("HTTP exchange with {host} failed: {}", with_causes(source))]
    Http {
        /// The host.
        host: String,
        /// Why.
        source: hyper::Error,
    },
    /// No answer within the timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// An error and what caused it: hyper's own text ("connection error") does
/// not say what the socket reported.
fn with_causes(error: &hyper::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Why the sender cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A `--cacert` file cannot be used.
    #[error("{path}: {message}")]
    CaCert {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

/// Sends requests; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    /// Built on the first https request: reading the system's roots costs
    /// more than a whole check of a loopback http endpoint.
    tls: Arc<OnceLock<Result<TlsConnector, String>>>,
    extra_roots: Arc<Vec<CertificateDer<'static>>>,
    insecure: bool,
    proxies: Arc<Matcher>,
    timeout: Duration,
    /// The rate limit every clone shares, if any.
    pace: Option<Arc<crate::pace::Pace>>,
}

/// How the sender connects.
#[derive(Clone, Debug, Default)]
pub struct SenderOptions<'a> {
    /// Extra trusted CA certificates (PEM file).
    pub cacert: Option<&'a Path>,
    /// Accept any certificate.
    pub insecure: bool,
    /// Per-exchange timeout (default 10 s).
    pub timeout: Option<Duration>,
    /// Ignore the proxy environment variables.
    pub no_proxy: bool,
    /// At most this many requests a second (every clone together).
    pub rate: Option<std::num::NonZeroU32>,
}

impl Sender {
    /// A sender trusting the system's roots (and `cacert`), or anything.
    pub fn new(options: &SenderOptions<'_>) -> Result<Sender, SetupError> {
        let mut extra_roots = Vec::new();
        if let Some(path) = options.cacert {
            let bad = |message: String| SetupError::CaCert {
                path: path.display().to_string(),
                message,
            };
            extra_roots = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(e.to_string()))?;
            if extra_roots.is_empty() {
                return Err(bad("no CERTIFICATE section in the file".into()));
            }
            let mut check = rustls::RootCertStore::empty();
            for cert in &extra_roots {
                check.add(cert.clone()).map_err(|e| bad(e.to_string()))?;
            }
        }
        let proxies = if options.no_proxy {
            Matcher::builder().build()
        } else {
            Matcher::from_env()
        };
        Ok(Sender {
            tls: Arc::new(OnceLock::new()),
            extra_roots: Arc::new(extra_roots),
            insecure: options.insecure,
            proxies: Arc::new(proxies),
            timeout: options.timeout.unwrap_or(Duration::from_secs(10)),
            pace: options.rate.map(|r| Arc::new(crate::pace::Pace::new(r))),
        })
    }

    fn tls(&self) -> Result<&TlsConnector, SendError> {
        let built = self.tls.get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let builder = ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?;
            let mut config = if self.insecure {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                    .with_no_client_auth()
            } else {
                let mut roots = rustls::RootCertStore::empty();
                // Unreadable system certificates are skipped: what remains
                // may still verify the server, and a failure names the host.
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
                roots.add_parsable_certificates(self.extra_roots.iter().cloned());
                builder.with_root_certificates(roots).with_no_client_auth()
            };
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(TlsConnector::from(Arc::new(config)))
        });
        built
            .as_ref()
            .map_err(|e| SendError::BadUrl(format!("TLS cannot be set up: {e}")))
    }

    /// Sends every planned wire at once (without a body) and returns each
    /// with its answer, in the order planned. `T` is what the caller knows
    /// about each (the probe it is).
    pub async fn send_each<T: Send + 'static>(
        &self,
        planned: Vec<(T, Wire)>,
    ) -> Vec<(T, Wire, Result<Received, SendError>)> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (tag, wire)) in planned.into_iter().enumerate() {
            let sender = self.clone();
            tasks.spawn(async move {
                let result = sender.send(&wire, None).await;
                (i, tag, wire, result)
            });
        }
        let mut done = Vec::new();
        while let Some(Ok(r)) = tasks.join_next().await {
            done.push(r);
        }
        done.sort_by_key(|r| r.0);
        done.into_iter().map(|(_, t, w, r)| (t, w, r)).collect()
    }

    /// Sends `wire` (with `body`) and reads the answer.
    pub async fn send(&self, wire: &Wire, body: Option<&str>) -> Result<Received, SendError> {
        // The wait for a turn is not the exchange's time.
        if let Some(pace) = &self.pace {
            pace.wait().await;
        }
        let started = Instant::now();
        match tokio::time::timeout(self.timeout, self.exchange(wire, body)).await {
            Ok(Ok(mut received)) => {
                received.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
                Ok(received)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(SendError::Timeout(self.timeout)),
        }
    }

    async fn exchange(&self, wire: &Wire, body: Option<&str>) -> Result<Received, SendError> {
        let uri: Uri = wire
            .url
            .parse()
            .map_err(|e| SendError::BadUrl(format!("{}: {e}", wire.url)))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => {
                return Err(SendError::BadUrl(format!(
                    "{}: only http and https URLs can be checked",
                    wire.url
                )))
            }
        };
        let host = uri
            .host()
            .ok_or_else(|| SendError::BadUrl(format!("{}: no host", wire.url)))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let proxy = self.proxies.intercept(&uri);
        let (stream, remote) = match &proxy {
            Some(p) => {
                let (ph, pp) = proxy_address(p.uri())?;
                connect(&ph, pp).await?
            }
            None => connect(&host, port).await?,
        };
        // Through a proxy: a tunnel for https, the absolute URL for http.
        let mut absolute_form = false;
        let mut stream = stream;
        if let Some(p) = &proxy {
            if https {
                tunnel(&mut stream, &host, port, p.basic_auth(), p.uri()).await?;
            } else {
                absolute_form = true;
            }
        }
        let mut request = Request::builder()
            .method(wire.method.as_str())
            .uri(if absolute_form {
                wire.url.clone()
            } else {
                uri.path_and_query()
                    .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
            });
        for (name, value) in &wire.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        // As Chromium does: an empty POST or PUT still says its length
        // (servers such as WEBrick answer 411 without it).
        let bodiless = body.is_none_or(str::is_empty);
        let says_length = wire
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        if bodiless && !says_length && matches!(wire.method.as_str(), "POST" | "PUT") {
            request = request.header(http::header::CONTENT_LENGTH, "0");
        }
        if let (true, Some(p)) = (absolute_form, &proxy) {
            if let Some(auth) = p.basic_auth() {
                request = request.header(http::header::PROXY_AUTHORIZATION, auth.clone());
            }
        }
        let bytes = Bytes::from(body.unwrap_or_default().to_owned());
        let authority = uri
            .authority()
            .map_or_else(|| host.clone(), |a| a.as_str().to_owned());
        if https {
            let name = ServerName::try_from(host.clone())
                .map_err(|e| SendError::BadUrl(format!("{host}: {e}")))?;
            let tls = self
                .tls()?
                .connect(name, stream)
                .await
                .map_err(|source| SendError::Tls {
                    host: host.clone(),
                    source,
                })?;
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            if h2 {
                let request = request
                    .uri(wire.url.as_str())
                    .version(http::Version::HTTP_2)
                    .body(Full::new(bytes))
                    .map_err(|e| SendError::BadUrl(e.to_string()))?;
                return exchange_on(tls, Protocol::Http2, request, &host, remote).await;
            }
            let request = request
                .header(http::header::HOST, authority)
                .body(Full::new(bytes))
                .map_err(|e| SendError::BadUrl(e.to_string()))?;
            exchange_on(tls, Protocol::Http1, request, &host, remote).await
        } else {
            let request = request
                .header(http::header::HOST, authority)
                .body(Full::new(bytes))
                .map_err(|e| SendError::BadUrl(e.to_string()))?;
            exchange_on(stream, Protocol::Http1, request, &host, remote).await
        }
    }
}

fn proxy_address(uri: &Uri) -> Result<(String, u16), SendError> {
    let host = uri
        .host()
        .ok_or_else(|| SendError::BadUrl(format!("proxy {uri}: no host")))?;
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    Ok((host.trim_matches(['[', ']']).to_owned(), port))
}

async fn connect(host: &str, port: u16) -> Result<(TcpStream, SocketAddr), SendError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|source| SendError::Dns {
            host: host.to_owned(),
            source,
        })?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok((s, addr));
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    let (addr, source) = last.map_or_else(
        || {
            (
                format!("{host}:{port}"),
                std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
            )
        },
        |(a, e)| (a.to_string(), e),
    );
    Err(SendError::Connect { addr, source })
}

/// An HTTP CONNECT tunnel through the proxy.
async fn tunnel(
    stream: &mut TcpStream,
    host: &str,
    port: u16,
    auth: Option<&HeaderValue>,
    proxy: &Uri,
) -> Result<(), SendError> {
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = auth.and_then(|a| a.to_str().ok()) {
        head.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    let io = |source| SendError::Connect {
        addr: proxy.to_string(),
        source,
    };
    stream.write_all(head.as_bytes()).await.map_err(io)?;
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte so nothing of the TLS stream that follows is consumed.
    while !seen.ends_with(b"\r\n\r\n") {
        if seen.len() > 16 * 1024 || stream.read(&mut byte).await.map_err(io)? == 0 {
            break;
        }
        seen.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&seen);
    let status = text.lines().next().unwrap_or("").to_owned();
    if status.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(SendError::Proxy {
            proxy: proxy.to_string(),
            target,
            status,
        })
    }
}

/// The HTTP version ALPN (or plain TCP) settled on.
#[derive(Clone, Copy)]
enum Protocol {
    Http1,
    Http2,
}

/// One request on a fresh connection, then the connection is dropped.
async fn exchange_on<I>(
    io: I,
    protocol: Protocol,
    request: Request<Full<Bytes>>,
    host: &str,
    remote: SocketAddr,
) -> Result<Received, SendError>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let failed = |source| SendError::Http {
        host: host.to_owned(),
        source,
    };
    let io = TokioIo::new(io);
    let (response, conn) = match protocol {
        Protocol::Http1 => {
            let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
                .preserve_header_case(true)
                .handshake(io)
                .await
                .map_err(failed)?;
            let conn = tokio::spawn(conn);
            (sender.send_request(request).await, conn)
        }
        Protocol::Http2 => {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(failed)?;
            let conn = tokio::spawn(conn);
            (sender.send_request(request).await, conn)
        }
    };
    let received = match response {
        Ok(r) => Ok(read(r, remote).await),
        Err(e) => Err(failed(e)),
    };
    conn.abort();
    received
}

/// The status, the headers in order, and a prefix of the body.
async fn read(response: http::Response<hyper::body::Incoming>, remote: SocketAddr) -> Received {
    let (parts, mut body) = response.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut prefix = Vec::new();
    // The verdict needs only the status and the headers: the body's start is
    // read while it comes quickly, never to its end. An event stream (SSE)
    // or a long download would otherwise hold the check until its timeout.
    let streaming = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        });
    let deadline = tokio::time::Instant::now() + BODY_WAIT;
    while prefix.len() < BODY_PREFIX && !streaming {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let room = BODY_PREFIX - prefix.len();
                    prefix.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            _ => break,
        }
    }
    Received {
        status: parts.status.as_u16(),
        version: format!("{:?}", parts.version),
        headers,
        body_prefix: String::from_utf8_lossy(&prefix).into_owned(),
        remote: remote.to_string(),
        elapsed_ms: 0.0,
    }
}

/// `--insecure`: any certificate is accepted (signatures are still checked,
/// so the handshake itself is sound).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
