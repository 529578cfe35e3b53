//! The HTTP side of `corsair ui`: one page of forms, a report per form
//! posted, every request checked by [`guard`](super::guard) first.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use super::guard::{self, Token};
use super::{actions, form, multipart, pages};

/// The largest form accepted (a pasted HAR export).
pub const MAX_FORM_BYTES: usize = 64 << 20;

/// What every answer needs to know.
struct Ctx {
    addr: SocketAddr,
    token: Token,
    home: String,
}

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, addr: SocketAddr, token: Token) {
    let home = pages::home(token.as_str());
    let ctx = Arc::new(Ctx { addr, token, home });
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors: accepting again at once would spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let ctx = ctx.clone();
                async move { Ok::<_, Infallible>(answer(&ctx, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn page(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(corsair_html::Csp::Forms.header_value()),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

fn header_str(req: &Request<Incoming>, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn answer(ctx: &Ctx, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let host = header_str(&req, header::HOST);
    let origin = header_str(&req, header::ORIGIN);
    let site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if let Err(e) = guard::check(&ctx.addr, host, origin, site, None) {
        return refused(e);
    }
    let path = req.uri().path().to_owned();
    match (req.method(), path.as_str()) {
        (&Method::GET | &Method::HEAD, "/") => page(StatusCode::OK, ctx.home.clone()),
        // Browsers ask for it unprompted; a 404 would log a console error.
        (&Method::GET, "/favicon.ico") => plain(StatusCode::NO_CONTENT, ""),
        (&Method::POST, _) => post(ctx, req, &path).await,
        (&Method::GET, _) => page(StatusCode::NOT_FOUND, pages::problem("No such page.", None)),
        _ => plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"),
    }
}

fn refused(e: guard::Refused) -> Response<Full<Bytes>> {
    match e {
        guard::Refused::Host => plain(
            StatusCode::MISDIRECTED_REQUEST,
            "refused: the Host header is not this server's loopback address\n",
        ),
        guard::Refused::Origin => plain(
            StatusCode::FORBIDDEN,
            "refused: the request comes from another site\n",
        ),
        guard::Refused::Token => plain(
            StatusCode::FORBIDDEN,
            "refused: the page's token is missing or wrong: reload the page\n",
        ),
    }
}

async fn post(ctx: &Ctx, req: Request<Incoming>, path: &str) -> Response<Full<Bytes>> {
    let content_type = header_str(&req, header::CONTENT_TYPE)
        .unwrap_or_default()
        .to_owned();
    let origin = header_str(&req, header::ORIGIN).map(str::to_owned);
    let site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let host = header_str(&req, header::HOST).map(str::to_owned);
    let body = match Limited::new(req.into_body(), MAX_FORM_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return page(
                StatusCode::PAYLOAD_TOO_LARGE,
                pages::problem("The form is too large (64 MiB at most).", None),
            )
        }
    };
    let fields = if content_type.starts_with("application/x-www-form-urlencoded") {
        Ok(form::urlencoded(&body))
    } else if content_type.starts_with("multipart/form-data") {
        multipart::boundary(&content_type)
            .and_then(|b| multipart::parse(&body, b))
            .map_err(|e| e.to_string())
    } else {
        Err("a form is expected".to_owned())
    };
    // The token is checked before anything else is read from the form.
    let token = fields
        .as_ref()
        .ok()
        .and_then(|f| f.iter().find(|(n, _)| n == "token").map(|(_, v)| v.clone()));
    if let Err(e) = guard::check(
        &ctx.addr,
        host.as_deref(),
        origin.as_deref(),
        site.as_deref(),
        Some((&ctx.token, token.as_deref())),
    ) {
        return refused(e);
    }
    let fields = match fields {
        Ok(f) => f,
        Err(message) => return page(StatusCode::BAD_REQUEST, pages::problem(&message, None)),
    };
    let again = pages::Again {
        action: path,
        token: ctx.token.as_str(),
        fields: &fields,
    };
    let (sub, _) = match form::parse(path, &fields) {
        Ok(parsed) => parsed,
        Err(form::FormError::UnknownForm(_)) => {
            return page(
                StatusCode::NOT_FOUND,
                pages::problem("No form is sent there.", None),
            )
        }
        Err(e) => {
            return page(
                StatusCode::BAD_REQUEST,
                pages::problem(&e.to_string(), Some(&again)),
            )
        }
    };
    // A check waits on the network, a large HAR on the CPU: off the
    // thread that answers the page.
    match tokio::task::spawn_blocking(move || actions::run(&sub)).await {
        Ok(Ok((title, body))) => page(StatusCode::OK, pages::result(&title, &body, Some(&again))),
        Ok(Err(message)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::problem(&message, Some(&again)),
        ),
        Err(_) => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::problem("The check stopped unexpectedly.", Some(&again)),
        ),
    }
}
