//! Which platform answered, from a response's headers and body.
//!
//! Only signals that name a platform count: `Server: cloudflare` is the CDN,
//! not a Worker; `Server: gunicorn` runs Django and Flask alike. When an
//! application framework and the server in front of it both show, the
//! framework comes first (that is where the fix goes).

use crate::Platform;

/// How specific a signal is: the application itself, a managed service, or
/// the web server in front.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    App,
    Service,
    FrontServer,
}

fn layer(p: Platform) -> Layer {
    match p {
        Platform::Nginx | Platform::Apache | Platform::Caddy | Platform::Haproxy => {
            Layer::FrontServer
        }
        Platform::ApiGatewayHttp
        | Platform::ApiGatewayCloudformation
        | Platform::ApiGatewayTerraform
        | Platform::Cloudfront
        | Platform::CloudfrontTerraform
        | Platform::Sst
        | Platform::S3
        | Platform::CorsairGateway => Layer::Service,
        _ => Layer::App,
    }
}

/// The response as detection reads it.
struct Response<'a> {
    headers: &'a [(String, String)],
    body: &'a str,
}

impl Response<'_> {
    /// Every value of a header, name compared case-insensitively.
    fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    fn has(&self, name: &str) -> bool {
        self.values(name).next().is_some()
    }

    /// Whether a value of the header contains `needle`, ASCII case-insensitively.
    fn contains(&self, name: &str, needle: &str) -> bool {
        self.values(name).any(|v| contains_ci(v, needle))
    }

    /// Whether a value of the header starts with `prefix`, case-insensitively.
    fn starts_with(&self, name: &str, prefix: &str) -> bool {
        self.values(name).any(|v| {
            v.len() >= prefix.len()
                && v.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        })
    }

    /// Whether the response sets a cookie of that name.
    fn sets_cookie(&self, cookie: &str) -> bool {
        self.values("set-cookie").any(|v| {
            v.split_once('=')
                .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case(cookie))
        })
    }

    fn body_has(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }

    /// The body without surrounding whitespace and with JSON spacing removed
    /// around `:` and `,` (for comparing small JSON error bodies).
    fn compact_body(&self) -> String {
        let mut out = String::with_capacity(self.body.len());
        let mut in_string = false;
        let mut escaped = false;
        for c in self.body.trim().chars() {
            if in_string {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
                out.push(c);
            } else if !c.is_whitespace() {
                out.push(c);
            }
        }
        out
    }
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// Error bodies FastAPI writes itself.
const FASTAPI_BODIES: [&str; 3] = [
    r#"{"detail":"Not Found"}"#,
    r#"{"detail":"Method Not Allowed"}"#,
    r#"{"detail":"Not authenticated"}"#,
];

/// Error bodies Django REST framework writes itself.
const DRF_BODIES: [&str; 3] = [
    r#"{"detail":"Not found."}"#,
    r#"{"detail":"Authentication credentials were not provided."}"#,
    r#"{"detail":"You do not have permission to perform this action."}"#,
];

/// Whether the body looks like one of Django's own pages.
fn django_body(r: &Response<'_>) -> bool {
    r.body_has("Using the URLconf defined in")
        || r.body_has("Django tried these URL patterns")
        || r.body_has("<title>Page not found at ")
        || r.body_has("The requested resource was not found on this server.")
        || r.body_has("<h1>Bad Request (400)</h1>")
        || r.body_has("<h1>Server Error (500)</h1>")
        || r.body_has("You're seeing this error because you have <code>DEBUG = True</code>")
        || DRF_BODIES.contains(&r.compact_body().as_str())
}

/// Werkzeug's (Flask's) own error pages.
fn werkzeug_body(r: &Response<'_>) -> bool {
    r.body_has("The requested URL was not found on the server. If you entered the URL manually")
        || r.body_has("The method is not allowed for the requested URL.")
        || r.body_has(
            "The server encountered an internal error and was unable to complete your request. \
             Either the server is overloaded",
        )
}

/// Express's (finalhandler's) `Cannot GET /path` page.
fn express_body(r: &Response<'_>) -> bool {
    r.body.match_indices("Cannot ").any(|(i, m)| {
        let rest = &r.body[i + m.len()..];
        let method_len = rest.bytes().take_while(|b| b.is_ascii_uppercase()).count();
        method_len > 0 && rest[method_len..].starts_with(" /")
    })
}

/// Spring Boot's default JSON error body or whitelabel page.
fn spring_body(r: &Response<'_>) -> bool {
    let json = r.compact_body();
    (json.starts_with('{')
        && json.contains(r#""timestamp":"#)
        && json.contains(r#""status":"#)
        && json.contains(r#""path":"#))
        || r.body_has("Whitelabel Error Page")
}

/// ASP.NET Core's ProblemDetails (with its `traceId`).
fn aspnet_body(r: &Response<'_>) -> bool {
    let json = r.compact_body();
    json.starts_with('{')
        && json.contains(r#""traceId":"#)
        && json.contains(r#""status":"#)
        && json.contains(r#""title":"#)
}

/// Django's default security headers, all three.
fn django_headers(r: &Response<'_>) -> bool {
    r.contains("cross-origin-opener-policy", "same-origin")
        && r.contains("referrer-policy", "same-origin")
        && r.contains("x-frame-options", "deny")
}

/// Each platform the response shows, in the order found (within a layer).
fn signals(r: &Response<'_>) -> Vec<Platform> {
    let mut found = Vec::new();
    let mut see = |p: Platform, yes: bool| {
        if yes && !found.contains(&p) {
            found.push(p);
        }
    };

    // Bodies first: an application's own error page is the most specific.
    let compact = r.compact_body();
    let django = django_body(r) || r.sets_cookie("csrftoken") || django_headers(r);
    see(Platform::Django, django_body(r));
    see(
        Platform::Fastapi,
        FASTAPI_BODIES.contains(&compact.as_str()),
    );
    see(Platform::Flask, werkzeug_body(r));
    see(Platform::Express, express_body(r));
    see(Platform::Spring, spring_body(r));
    see(Platform::Aspnet, aspnet_body(r));
    see(
        Platform::GoRsCors,
        r.body.trim_end() == "404 page not found",
    );
    see(
        Platform::Rails,
        r.body_has("The page you were looking for doesn't exist.")
            || r.body_has("We're sorry, but something went wrong."),
    );
    see(
        Platform::Laravel,
        compact == r#"{"message":"Unauthenticated."}"#,
    );
    see(
        Platform::CloudflareWorkers,
        r.body_has("Worker threw exception") || r.body_has("error code: 1101"),
    );

    // Application headers.
    see(Platform::Express, r.contains("x-powered-by", "express"));
    see(
        Platform::Nextjs,
        r.contains("x-powered-by", "next.js")
            || r.has("x-nextjs-cache")
            || r.has("x-nextjs-prerender")
            || r.has("x-nextjs-matched-path"),
    );
    see(
        Platform::Fastapi,
        r.starts_with("server", "uvicorn") || r.starts_with("server", "hypercorn"),
    );
    see(Platform::Flask, r.starts_with("server", "werkzeug"));
    let wsgi = r.starts_with("server", "gunicorn") || r.starts_with("server", "wsgiserver");
    see(Platform::Django, wsgi && django);
    see(Platform::Django, r.sets_cookie("csrftoken"));
    see(
        Platform::Aspnet,
        r.starts_with("server", "kestrel")
            || r.contains("x-powered-by", "asp.net")
            || r.has("x-aspnet-version")
            || r.has("x-aspnetmvc-version"),
    );
    see(Platform::Rails, r.has("x-runtime") && r.has("x-request-id"));
    see(Platform::Laravel, r.sets_cookie("laravel_session"));
    see(Platform::Spring, r.has("x-application-context"));
    see(Platform::Actix, r.contains("server", "actix"));
    see(
        Platform::Hono,
        r.body.trim() == "404 Not Found" && r.contains("content-type", "text/plain"),
    );

    // Managed services.
    // The gateway and the tower layer send the same header; the gateway is
    // the one that needs no code change to adopt.
    // The gateway marks its refusals and its own answers (502, 504, 413…).
    see(
        Platform::CorsairGateway,
        r.has("x-corsair-refusal") || r.has("x-corsair"),
    );
    see(
        Platform::S3,
        r.starts_with("server", "amazons3")
            || (r.has("x-amz-request-id") && r.has("x-amz-id-2"))
            || (r.body_has("<Error><Code>") && r.body_has("<HostId>")),
    );
    see(
        Platform::ApiGatewayHttp,
        r.has("apigw-requestid") || r.has("x-amzn-requestid") || r.has("x-amz-apigw-id"),
    );

    // Web servers in front.
    see(
        Platform::Nginx,
        r.starts_with("server", "nginx")
            || r.starts_with("server", "openresty")
            || r.body_has("<center>nginx")
            || r.body_has("<center>openresty"),
    );
    see(
        Platform::Apache,
        (r.starts_with("server", "apache") && !r.starts_with("server", "apache-coyote"))
            || r.body_has("<address>Apache/"),
    );
    see(Platform::Caddy, r.starts_with("server", "caddy"));
    found
}

/// The platform that most likely produced the response: the application
/// framework when one shows, else the service or web server in front.
/// `None` when nothing names one (a CDN's `Server: cloudflare` does not).
///
/// ```
/// use corsair_platforms::{detect, Platform};
/// let headers = vec![
///     ("Server".to_string(), "nginx/1.25.3".to_string()),
///     ("X-Powered-By".to_string(), "Express".to_string()),
/// ];
/// assert_eq!(detect(&headers, ""), Some(Platform::Express));
/// ```
pub fn detect(headers: &[(String, String)], body: &str) -> Option<Platform> {
    detect_all(headers, body).into_iter().next()
}

/// Every platform the response shows, most specific first: application
/// frameworks, then managed services (API Gateway, S3), then web servers
/// (nginx, Apache, Caddy).
pub fn detect_all(headers: &[(String, String)], body: &str) -> Vec<Platform> {
    let mut found = signals(&Response { headers, body });
    // Stable: within a layer, the order signals were found in.
    found.sort_by_key(|p| layer(*p));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r<'a>(headers: &'a [(String, String)], body: &'a str) -> Response<'a> {
        Response { headers, body }
    }

    #[test]
    fn compacts_json_outside_strings() {
        let h = [];
        assert_eq!(
            r(&h, "{ \"detail\" : \"Not Found\" }\n").compact_body(),
            r#"{"detail":"Not Found"}"#
        );
        assert_eq!(
            r(&h, r#"{"a": "x \" y"}"#).compact_body(),
            r#"{"a":"x \" y"}"#
        );
    }

    #[test]
    fn express_page() {
        let h = [];
        assert!(express_body(&r(&h, "<pre>Cannot GET /api/x</pre>")));
        assert!(!express_body(&r(&h, "Cannot connect to the database")));
    }
}
