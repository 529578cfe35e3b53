//! What the layer sends, written as a scenario's [`Answer`]s: a request is
//! served by [`Cors`](crate::Cors) around an application that answers 200
//! with a JSON content type, and the response's status and headers are read
//! back for the browser model (or a real browser) to judge.
//!
//! This is how the policy is proven and how the doctor re-checks its fix:
//! through the code users run, not a copy of it.

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use corsair_core::scenario::Answer;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::CorsLayer;

/// The application behind the layer: 200, `Content-Type: application/json`.
#[derive(Clone, Copy, Debug)]
struct JsonApp;

impl Service<Request<()>> for JsonApp {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        let mut response = Response::new(());
        *response.status_mut() = StatusCode::OK;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        ready(Ok(response))
    }
}

/// A preflight as a browser sends it: `OPTIONS url` with `Origin`,
/// `Access-Control-Request-Method` and, when some are requested,
/// `Access-Control-Request-Headers`. Fails on a value no request can carry.
pub fn preflight_request(
    url: &str,
    origin: &str,
    method: &str,
    request_headers: Option<&str>,
) -> Result<Request<()>, http::Error> {
    let mut builder = Request::builder()
        .method(Method::OPTIONS)
        .uri(url)
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, method);
    if let Some(h) = request_headers {
        builder = builder.header(header::ACCESS_CONTROL_REQUEST_HEADERS, h);
    }
    builder.body(())
}

/// The actual request: `method url` with `Origin` (when sent) and the
/// page's own headers. Fails on a value no request can carry.
pub fn actual_request(
    url: &str,
    method: &str,
    origin: Option<&str>,
    headers: &[(String, String)],
) -> Result<Request<()>, http::Error> {
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes())?)
        .uri(url);
    if let Some(o) = origin {
        builder = builder.header(header::ORIGIN, o);
    }
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(())
}

/// Serves `request` through `layer` around the JSON application.
///
/// Both the layer's own answers and the application's are ready at once, so
/// this needs no runtime; `None` if the layer ever had to wait.
pub fn serve(layer: &CorsLayer, request: Request<()>) -> Option<Response<()>> {
    let mut service = layer.layer(JsonApp);
    let mut cx = Context::from_waker(Waker::noop());
    match service.poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => {}
        Poll::Ready(Err(never)) => match never {},
        Poll::Pending => return None,
    }
    let future = pin!(service.call(request));
    match future.poll(&mut cx) {
        Poll::Ready(Ok(response)) => Some(response),
        Poll::Ready(Err(never)) => match never {},
        Poll::Pending => None,
    }
}

/// A response as a scenario's [`Answer`]: its status and every header, in
/// order (values that are not UTF-8 are read lossily).
pub fn answer(response: &Response<()>) -> Answer {
    Answer {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        next: None,
    }
}

/// What the layer answers to a preflight from `origin` for `method` with
/// `Access-Control-Request-Headers: request_headers`; `None` if no such
/// request can be built.
pub fn preflight_answer(
    layer: &CorsLayer,
    url: &str,
    origin: &str,
    method: &str,
    request_headers: Option<&str>,
) -> Option<Answer> {
    let request = preflight_request(url, origin, method, request_headers).ok()?;
    serve(layer, request).as_ref().map(answer)
}

/// What the layer (and the application behind it) answers to the actual
/// request; `None` if no such request can be built.
pub fn actual_answer(
    layer: &CorsLayer,
    url: &str,
    method: &str,
    origin: Option<&str>,
    headers: &[(String, String)],
) -> Option<Answer> {
    let request = actual_request(url, method, origin, headers).ok()?;
    serve(layer, request).as_ref().map(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use corsair_core::policy::PolicyBuilder;

    fn layer() -> CorsLayer {
        CorsLayer::new(
            PolicyBuilder::new()
                .origins(["https://app.example.com"])
                .credentials(true)
                .methods(["PUT"]),
        )
        .unwrap_or_else(|e| panic!("valid policy: {e:?}"))
    }

    fn get<'a>(a: &'a Answer, name: &str) -> Option<&'a str> {
        a.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_layer_answers_a_preflight_and_the_app_the_rest() {
        let url = "https://api.example.net/items";
        let origin = "https://app.example.com";
        let pre = preflight_answer(&layer(), url, origin, "PUT", None);
        let pre = pre.unwrap_or_else(|| panic!("served"));
        assert_eq!(pre.status, 204);
        assert_eq!(get(&pre, "access-control-allow-origin"), Some(origin));
        assert_eq!(get(&pre, "access-control-allow-credentials"), Some("true"));
        assert_eq!(get(&pre, "content-type"), None, "the app was not called");

        let refused = preflight_answer(&layer(), url, origin, "DELETE", None);
        let refused = refused.unwrap_or_else(|| panic!("served"));
        assert_eq!(refused.status, 403);
        assert_eq!(get(&refused, "access-control-allow-origin"), None);

        let actual = actual_answer(&layer(), url, "PUT", Some(origin), &[]);
        let actual = actual.unwrap_or_else(|| panic!("served"));
        assert_eq!(actual.status, 200);
        assert_eq!(get(&actual, "content-type"), Some("application/json"));
        assert_eq!(get(&actual, "access-control-allow-origin"), Some(origin));
        assert_eq!(get(&actual, "vary"), Some("Origin"));
    }

    #[test]
    fn a_request_no_client_can_send_is_not_served() {
        let bad = actual_answer(&layer(), "https://a.test/", "GET", Some("x\ny"), &[]);
        assert!(bad.is_none());
        assert!(preflight_answer(&layer(), "https://a.test/", "x\ny", "PUT", None).is_none());
    }
}
