//! The built-in API with deliberate mistakes that `corsair demo` (and the
//! doctor's tests) run on loopback: one path per mistake of the seeds, each
//! served the way a real framework gets it wrong, and `/good` done right.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::TokioIo;

use crate::check::CheckRequest;

/// The page origin the demo API's allowlist names.
pub const PAGE: &str = "https://app.example.com";

/// One demo request: what a developer would try, and what it shows.
#[derive(Clone, Debug)]
pub struct Case {
    /// One line for the reader.
    pub title: &'static str,
    /// The path on the demo API.
    pub path: &'static str,
    /// The method the page uses.
    pub method: &'static str,
    /// Whether the page sends `Authorization` and cookies.
    pub authorized: bool,
}

/// The demo's story, in order.
pub const CASES: [Case; 5] = [
    Case {
        title:
            "A PUT with a bearer token, to an Express API whose auth middleware runs before cors()",
        path: "/auth-first",
        method: "PUT",
        authorized: true,
    },
    Case {
        title: "A FastAPI service: fine while the token is valid, a CORS error when it expires",
        path: "/errors",
        method: "GET",
        authorized: false,
    },
    Case {
        title: "nginx adds CORS headers in front of an app that adds them too",
        path: "/double",
        method: "GET",
        authorized: true,
    },
    Case {
        title: "An API that echoes any Origin with credentials (the copied 'fix')",
        path: "/echo",
        method: "GET",
        authorized: true,
    },
    Case {
        title: "The same API with the fix applied",
        path: "/good",
        method: "PUT",
        authorized: true,
    },
];

impl Case {
    /// The request to check against the demo API at `addr`.
    pub fn request(&self, addr: SocketAddr) -> CheckRequest {
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        if self.authorized {
            headers.push(("Authorization".to_owned(), "Bearer demo-token".to_owned()));
        }
        CheckRequest {
            page_origin: PAGE.into(),
            url: format!("http://{addr}{}", self.path),
            method: self.method.into(),
            headers,
            credentials: true,
            cookies: self.authorized.then(|| "session=demo".to_owned()),
            body: Some("{}".into()),
            read_headers: Vec::new(),
            initiator: Default::default(),
        }
    }
}

/// The demo API's answer.
pub fn answer<B>(req: &Request<B>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let preflight = req.method() == http::Method::OPTIONS;
    let authorized = req.headers().contains_key("authorization");
    let good_origin = origin.as_deref() == Some(PAGE);
    let mut res = Response::builder().status(StatusCode::OK);
    let grant = |mut r: http::response::Builder, o: &str| {
        r = r
            .header("access-control-allow-origin", o)
            .header("access-control-allow-credentials", "true")
            .header("vary", "Origin");
        if preflight {
            r = r
                .header("access-control-allow-methods", "GET, POST, PUT, DELETE")
                .header(
                    "access-control-allow-headers",
                    "authorization, content-type",
                )
                .header("access-control-max-age", "7200");
        }
        r
    };
    let mut body: &'static [u8] = b"{\"ok\":true}";
    match path {
        // Correct: an exact allowlist, errors decorated too.
        p if p.starts_with("/good") => {
            if good_origin {
                res = grant(res, PAGE);
            }
            if p != "/good" {
                res = res.status(StatusCode::NOT_FOUND);
            } else if !preflight && !authorized {
                res = res.status(StatusCode::UNAUTHORIZED);
            }
            res = res.header("x-powered-by", "Express");
        }
        // Auth runs before CORS: the credential-less preflight gets a 401.
        "/auth-first" => {
            if preflight || !authorized {
                res = res.status(StatusCode::UNAUTHORIZED);
                body = b"Unauthorized";
            } else if good_origin {
                res = grant(res, PAGE);
            }
            res = res.header("x-powered-by", "Express");
        }
        // CORS only on success (Starlette's unhandled errors, auth raising
        // before the middleware): the 401 has no CORS headers.
        "/errors" => {
            if !preflight && !authorized {
                res = res.status(StatusCode::UNAUTHORIZED);
                body = b"{\"detail\":\"Not authenticated\"}";
            } else if good_origin {
                res = grant(res, PAGE);
            }
            res = res.header("server", "uvicorn");
        }
        // Two layers both add the header.
        "/double" => {
            res = grant(res, PAGE)
                .header("access-control-allow-origin", "*")
                .header("server", "nginx/1.22.1");
        }
        // Echoes any origin with credentials.
        "/echo" => {
            if let Some(o) = &origin {
                res = grant(res, o);
            }
            res = res.header("x-powered-by", "Express");
        }
        // A suffix check: anything ending in example.com.
        "/suffix" => {
            if let Some(o) = origin.as_deref().filter(|o| o.ends_with("example.com")) {
                res = grant(res, o);
            }
        }
        // A specific origin without Vary or credentials.
        "/no-vary" => {
            if good_origin {
                res = res.header("access-control-allow-origin", PAGE);
            }
        }
        // `*` with credentials.
        "/star" => {
            res = res
                .header("access-control-allow-origin", "*")
                .header("access-control-allow-credentials", "true");
            if preflight {
                res = res
                    .header("access-control-allow-methods", "*")
                    .header("access-control-allow-headers", "*");
            }
        }
        // A development origin left in the production allowlist.
        "/dev-origin" => {
            if let Some(o) = origin
                .as_deref()
                .filter(|o| *o == PAGE || *o == "http://localhost:3000")
            {
                res = grant(res, o);
            }
        }
        // A CDN in front that drops the CORS headers of `/good`.
        "/stripped" => {}
        // A frontend page whose CSP lets scripts reach only their own origin.
        "/page" => {
            return Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .body(Full::new(Bytes::from_static(
                    b"<!doctype html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; connect-src 'self' https://api.example.com\"></head><body></body></html>",
                )))
                .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
        }
        // A redirect the browser follows: CORS headers on the 307 too, and
        // on to another origin (`?to=`) or the same API's `/good`.
        "/moved" => {
            if good_origin || origin.as_deref() == Some("null") {
                res = grant(res, origin.as_deref().unwrap_or(PAGE));
            }
            let to = req
                .uri()
                .query()
                .and_then(|q| q.strip_prefix("to="))
                .unwrap_or("/good")
                .to_owned();
            res = res
                .status(StatusCode::TEMPORARY_REDIRECT)
                .header("location", to);
        }
        // A redirect in front of the API.
        "/redirect" => {
            res = res
                .status(StatusCode::MOVED_PERMANENTLY)
                .header("location", "/good");
        }
        _ => {
            res = res.status(StatusCode::NOT_FOUND);
            body = b"Not Found";
        }
    }
    res.body(Full::new(Bytes::from_static(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Serves the demo API on `addr` (default: a free loopback port) until the
/// returned task is aborted.
pub async fn spawn(
    addr: Option<SocketAddr>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let addr = addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(
                        |req| async move { Ok::<_, Infallible>(answer(&req)) },
                    );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok((addr, task))
}
