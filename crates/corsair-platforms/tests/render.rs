//! Every platform's snippet for two fixes (snapshots), what every snippet
//! must and must not contain, the notes, and detection.

use corsair_platforms::{
    detect, detect_all, render, render_routes, says_routes, Fix, Platform, Rendered, Slug,
};

/// No mistakes at hand: the snippet alone.
const NO_SLUGS: &[Slug] = &[];

/// A credentialed API call: two origins, PUT/DELETE, a bearer token, JSON,
/// two headers read by the page.
fn full() -> Fix {
    Fix {
        origins: vec![
            "https://app.example.com".into(),
            "http://localhost:5173".into(),
        ],
        methods: vec!["PUT".into(), "DELETE".into()],
        request_headers: vec!["authorization".into(), "content-type".into()],
        expose_headers: vec!["etag".into(), "x-total-count".into()],
        credentials: true,
        max_age: Some(7200),
        origin_patterns: Vec::new(),
        local_network: false,
    }
}

/// Origin patterns beside an exact origin: written as anchored regexes (or
/// the platform's own patterns) where the platform matches them, left out
/// with a note elsewhere.
fn patterns() -> Fix {
    Fix {
        origins: vec!["https://app.example.com".into()],
        origin_patterns: vec![
            "https://*.preview.example.com".into(),
            "http://localhost:*".into(),
        ],
        credentials: true,
        ..Fix::default()
    }
}

/// The smallest fix: one origin, nothing else.
fn minimal() -> Fix {
    Fix {
        origins: vec!["https://app.example.com".into()],
        ..Fix::default()
    }
}

fn shown(r: &Rendered) -> String {
    let mut out = format!(
        "platform: {}\nlanguage: {}\nplace: {}\n",
        r.platform.name(),
        r.language,
        r.place
    );
    for note in &r.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push_str("---\n");
    out.push_str(&r.snippet);
    out
}

#[test]
fn snapshots_full() {
    for p in Platform::ALL {
        let r = render(p, &full(), NO_SLUGS);
        insta::assert_snapshot!(format!("full__{}", p.name()), shown(&r));
    }
}

#[test]
fn snapshots_patterns() {
    for p in Platform::ALL {
        let r = render(p, &patterns(), NO_SLUGS);
        insta::assert_snapshot!(format!("patterns__{}", p.name()), shown(&r));
    }
}

#[test]
fn snapshots_minimal() {
    for p in Platform::ALL {
        let r = render(p, &minimal(), NO_SLUGS);
        insta::assert_snapshot!(format!("minimal__{}", p.name()), shown(&r));
    }
}

/// A default policy and a route with its own (origins, methods, headers,
/// no credentials), for every engine that says routes; the others say
/// they cannot.
#[test]
fn snapshots_routes() {
    let default = Fix {
        origins: vec!["https://app.example.com".into()],
        origin_patterns: vec!["https://*.preview.example.com".into()],
        methods: vec!["PUT".into()],
        request_headers: vec!["authorization".into(), "content-type".into()],
        expose_headers: vec!["x-total-count".into()],
        credentials: true,
        max_age: Some(600),
        local_network: false,
    };
    let admin = Fix {
        origins: vec!["https://admin.example.com".into()],
        methods: vec!["DELETE".into()],
        request_headers: vec!["content-type".into(), "x-admin-token".into()],
        max_age: Some(600),
        ..Fix::default()
    };
    let routes = [("/admin/**".to_owned(), admin)];
    for p in Platform::ALL {
        match render_routes(p, &default, &routes) {
            Some(r) => {
                assert!(says_routes(p), "{p}");
                insta::assert_snapshot!(format!("routes__{}", p.name()), shown(&r));
            }
            None => assert!(!says_routes(p), "{p}"),
        }
    }
}

/// Origin patterns no snippet may hold when credentials are allowed: a
/// wildcard origin or a setting that echoes any origin.
const REFLECTING: [&str; 16] = [
    "origin: true",
    "origin: '*'",
    "origin: \"*\"",
    "allow_origins=[\"*\"]",
    "allow_origin_regex",
    "CORS_ALLOW_ALL_ORIGINS",
    "allowedOriginPatterns",
    "AllowedOriginPatterns",
    "SetIsOriginAllowed",
    "AllowAnyOrigin",
    "allow_any_origin",
    "mirror_request",
    "Any)",
    "AllowOriginFunc",
    "Access-Control-Allow-Origin *",
    "Access-Control-Allow-Origin $http_origin",
];

#[test]
fn every_snippet_holds_the_whole_fix_and_nothing_wider() {
    for fix in [full(), minimal()] {
        for p in Platform::ALL {
            let r = render(p, &fix, NO_SLUGS);
            let s = &r.snippet;
            for origin in &fix.origins {
                // Regex-based platforms write the origin escaped.
                let escaped = origin.replace('.', "\\.");
                assert!(
                    s.contains(origin.as_str()) || s.contains(&escaped),
                    "{}: origin {origin} missing\n{s}",
                    p.name()
                );
            }
            for method in ["GET", "HEAD", "POST"] {
                // The corsair policy lists only methods beyond these.
                if !matches!(p, Platform::AxumCorsair | Platform::CorsairGateway) {
                    assert!(
                        s.contains(method) || s.contains(&method.to_lowercase()),
                        "{}: {method} missing\n{s}",
                        p.name()
                    );
                }
            }
            for method in &fix.methods {
                assert!(
                    s.contains(method.as_str()) || s.contains(&method.to_lowercase()),
                    "{}: method {method} missing\n{s}",
                    p.name()
                );
            }
            for header in fix.request_headers.iter().chain(&fix.expose_headers) {
                let constant = header.to_uppercase().replace('-', "_");
                assert!(
                    s.contains(header.as_str()) || s.contains(&format!("header::{constant}")),
                    "{}: header {header} missing\n{s}",
                    p.name()
                );
            }
            if fix.credentials {
                for bad in REFLECTING {
                    assert!(!s.contains(bad), "{}: contains {bad:?}\n{s}", p.name());
                }
                assert!(
                    !s.contains("[\"*\"]") && !s.contains("['*']"),
                    "{}: a wildcard list\n{s}",
                    p.name()
                );
            }
            assert!(!r.place.is_empty(), "{}", p.name());
            assert!(!r.language.is_empty(), "{}", p.name());
        }
    }
}

#[test]
fn max_age_defaults_to_the_chrome_cap_where_a_value_is_needed() {
    let fix = Fix {
        methods: vec!["PUT".into()],
        ..minimal()
    };
    for p in [
        Platform::Nginx,
        Platform::Apache,
        Platform::Caddy,
        Platform::Nextjs,
        Platform::CloudflareWorkers,
        Platform::ApiGatewayHttp,
        Platform::ApiGatewayCloudformation,
        Platform::ApiGatewayTerraform,
        Platform::Cloudfront,
        Platform::CloudfrontTerraform,
        Platform::S3,
    ] {
        assert!(
            render(p, &fix, NO_SLUGS).snippet.contains("7200"),
            "{}",
            p.name()
        );
    }
    assert!(render(Platform::Sst, &fix, NO_SLUGS)
        .snippet
        .contains("maxAge: \"2 hours\""));
    // Frameworks keep their default when the fix sets none.
    assert!(!render(Platform::Express, &fix, NO_SLUGS)
        .snippet
        .contains("maxAge"));
}

#[test]
fn values_are_escaped_for_each_language() {
    let fix = Fix {
        origins: vec!["https://a$b'c\"d\\e.example".into()],
        credentials: true,
        ..Fix::default()
    };
    let snippet = |p| render(p, &fix, NO_SLUGS).snippet;
    assert!(snippet(Platform::Express).contains(r#"'https://a$b\'c"d\\e.example'"#));
    assert!(snippet(Platform::Fastapi).contains(r#""https://a$b'c\"d\\e.example""#));
    assert!(snippet(Platform::Laravel).contains(r#"'https://a$b\'c"d\\e.example'"#));
    assert!(snippet(Platform::AxumTowerHttp).contains(r#""https://a$b'c\"d\\e.example""#));
    // nginx: a quoted, anchored regex; `$` escaped for the regex, `\` and
    // `"` for nginx's quoted string.
    assert!(
        snippet(Platform::Nginx)
            .contains(r#""~^https://a\$b\\'c\\\"d\\\e\.example$" $http_origin;"#),
        "{}",
        snippet(Platform::Nginx)
    );
    assert!(snippet(Platform::Apache)
        .contains(r#"SetEnvIf Origin "^https://a\$b\'c\\\"d\\\e\.example$" CORS_ORIGIN=$0"#));
    assert!(snippet(Platform::CorsairGateway).contains(r#""https://a$b'c\"d\\e.example""#));
}

#[test]
fn left_out_values_are_said() {
    let fix = Fix {
        origins: vec!["*".into(), "https://app.example.com".into()],
        request_headers: vec!["x-a\"b".into()],
        methods: vec!["PURGE".into()],
        credentials: true,
        ..Fix::default()
    };
    let r = render(Platform::S3, &fix, NO_SLUGS);
    assert!(!r.snippet.contains("\"*\""));
    assert!(!r.snippet.contains("PURGE"));
    let notes = r.notes.join("\n");
    assert!(notes.contains("`*` is left out"), "{notes}");
    assert!(notes.contains("x-a\"b"), "{notes}");
    assert!(notes.contains("PURGE left out"), "{notes}");
    // How S3 treats credentials is said where the snippet goes.
    assert!(r.place.contains("no credentials setting"), "{}", r.place);
}

/// The main slugs, the platforms whose notes must address them, and a word
/// each note must contain.
#[test]
fn notes_for_the_main_slugs() {
    let cases: &[(Platform, Slug, &str)] = &[
        (
            Platform::Express,
            Slug::PreflightBlockedByAuth,
            "above the auth",
        ),
        (
            Platform::Express,
            Slug::ErrorResponseWithoutCors,
            "next(err)",
        ),
        (
            Platform::Fastapi,
            Slug::ErrorResponseWithoutCors,
            "ServerErrorMiddleware",
        ),
        (
            Platform::Django,
            Slug::PreflightBlockedByAuth,
            "first in MIDDLEWARE",
        ),
        (
            Platform::Django,
            Slug::ErrorResponseWithoutCors,
            "handler500",
        ),
        (
            Platform::Aspnet,
            Slug::PreflightBlockedByAuth,
            "UseAuthentication",
        ),
        (Platform::Nginx, Slug::ErrorResponseWithoutCors, "always"),
        (
            Platform::Nginx,
            Slug::DuplicateCorsLayer,
            "proxy_hide_header",
        ),
        (
            Platform::Apache,
            Slug::ErrorResponseWithoutCors,
            "Header always set",
        ),
        (
            Platform::Caddy,
            Slug::PreflightBlockedByAuth,
            "forward_auth",
        ),
        (
            Platform::ApiGatewayHttp,
            Slug::DuplicateCorsLayer,
            "drops the backend's",
        ),
        (
            Platform::ApiGatewayHttp,
            Slug::PreflightBlockedByAuth,
            "OPTIONS /{proxy+}",
        ),
        (Platform::Sst, Slug::WildcardWithCredentials, "cors: true"),
        (
            Platform::Cloudfront,
            Slug::PreflightNotHandled,
            "allows OPTIONS",
        ),
        (
            Platform::CloudfrontTerraform,
            Slug::DuplicateCorsLayer,
            "`OriginOverride` on",
        ),
        (
            Platform::Cloudfront,
            Slug::WildcardWithCredentials,
            "`AccessControlAllowOrigins`",
        ),
        (
            Platform::ApiGatewayTerraform,
            Slug::HeaderNotAllowed,
            "`allow_headers`",
        ),
        (
            Platform::ApiGatewayCloudformation,
            Slug::PreflightBlockedByAuth,
            "OPTIONS /{proxy+}",
        ),
        (Platform::S3, Slug::StrippedByProxy, "CloudFront"),
        (
            Platform::AxumTowerHttp,
            Slug::PreflightBlockedByAuth,
            "after the auth layer",
        ),
        (Platform::GoRsCors, Slug::MissingVaryOrigin, "Vary: Origin"),
        (
            Platform::Express,
            Slug::HeaderNotExposed,
            "`exposedHeaders`",
        ),
        (Platform::Fastapi, Slug::MethodNotAllowed, "GET only"),
        (Platform::Django, Slug::MethodNotAllowed, "not `'patch'`"),
        (Platform::Flask, Slug::WildcardWithCredentials, "`origins`"),
        (Platform::Express, Slug::ReflectsAnyOrigin, "origin: true"),
        (
            Platform::Spring,
            Slug::ReflectsAnyOrigin,
            "allowedOriginPatterns",
        ),
        (
            Platform::Rails,
            Slug::PreflightNotCached,
            "`max_age:` to 7200",
        ),
        (
            Platform::CloudflareWorkers,
            Slug::PreflightNotHandled,
            "OPTIONS",
        ),
        (
            Platform::Nextjs,
            Slug::PreflightNotHandled,
            "export `OPTIONS`",
        ),
        (
            Platform::CorsairGateway,
            Slug::ErrorResponseWithoutCors,
            "502",
        ),
    ];
    for (p, slug, word) in cases {
        let r = render(*p, &full(), &[*slug]);
        let notes = r.notes.join("\n");
        assert!(
            notes.contains(word),
            "{} / {slug}: {word:?} not in\n{notes}",
            p.name()
        );
    }
}

#[test]
fn every_platform_has_advice_for_the_common_slugs() {
    for p in Platform::ALL {
        for slug in [
            Slug::PreflightBlockedByAuth,
            Slug::ErrorResponseWithoutCors,
            Slug::DuplicateCorsLayer,
            Slug::MissingVaryOrigin,
            Slug::HeaderNotExposed,
            Slug::WildcardWithCredentials,
            Slug::ReflectsAnyOrigin,
            Slug::PreflightNotCached,
            Slug::MethodNotAllowed,
        ] {
            // S3 has no auth and no errors of its own to advise on.
            if p == Platform::S3
                && matches!(
                    slug,
                    Slug::PreflightBlockedByAuth | Slug::ErrorResponseWithoutCors
                )
            {
                continue;
            }
            let r = render(p, &full(), &[slug]);
            assert!(!r.notes.is_empty(), "{} has nothing for {slug}", p.name());
        }
    }
}

#[test]
fn unknown_and_repeated_slugs() {
    let r = render(Platform::Express, &full(), &["no-such-slug"]);
    assert!(r.notes.is_empty());
    // A slug by its catalog name gets the same advice as the enum.
    assert_eq!(
        render(Platform::Express, &full(), &["preflight-blocked-by-auth"]),
        render(Platform::Express, &full(), &[Slug::PreflightBlockedByAuth])
    );
    let r = render(
        Platform::Nginx,
        &full(),
        &["duplicate-cors-layer", "multiple-allow-origin"],
    );
    assert_eq!(r.notes.len(), 1, "{:#?}", r.notes);
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A response's name, headers, body, and the platform to detect.
type DetectCase = (
    &'static str,
    Vec<(String, String)>,
    &'static str,
    Option<Platform>,
);

#[test]
fn detect_from_realistic_responses() {
    let django_404 = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <title>Page not found at /api/x</title>\n</head><body>\n<p>Using the URLconf defined in <code>mysite.urls</code>, Django tried these URL patterns, in this order:</p></body></html>";
    let werkzeug_404 = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";
    let spring_404 = r#"{"timestamp":"2026-01-12T10:00:00.000+00:00","status":404,"error":"Not Found","path":"/api/x"}"#;
    let aspnet_401 = r#"{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Unauthorized","status":401,"traceId":"00-abc-def-00"}"#;
    let nginx_502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n";
    let s3_403 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>X</RequestId><HostId>Y</HostId></Error>";
    let cases: Vec<DetectCase> = vec![
        (
            "express",
            headers(&[("X-Powered-By", "Express"), ("Content-Type", "text/html")]),
            "<!DOCTYPE html>\n<html><body><pre>Cannot GET /api/x</pre></body></html>",
            Some(Platform::Express),
        ),
        (
            "express behind nginx",
            headers(&[("Server", "nginx/1.25.3"), ("x-powered-by", "Express")]),
            "",
            Some(Platform::Express),
        ),
        (
            "express 404 page without the header (helmet removes it)",
            headers(&[("Content-Security-Policy", "default-src 'none'")]),
            "<pre>Cannot DELETE /api/items/3</pre>",
            Some(Platform::Express),
        ),
        (
            "fastapi",
            headers(&[("server", "uvicorn"), ("content-type", "application/json")]),
            r#"{"detail":"Not Found"}"#,
            Some(Platform::Fastapi),
        ),
        (
            "fastapi body only",
            headers(&[("content-type", "application/json")]),
            r#"{"detail": "Method Not Allowed"}"#,
            Some(Platform::Fastapi),
        ),
        (
            "django debug 404 on runserver",
            headers(&[("Server", "WSGIServer/0.2 CPython/3.12.1")]),
            django_404,
            Some(Platform::Django),
        ),
        (
            "django on gunicorn with its security headers",
            headers(&[
                ("Server", "gunicorn"),
                ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "same-origin"),
                ("Cross-Origin-Opener-Policy", "same-origin"),
            ]),
            "{}",
            Some(Platform::Django),
        ),
        (
            "django rest framework on uvicorn",
            headers(&[("server", "uvicorn")]),
            r#"{"detail":"Authentication credentials were not provided."}"#,
            Some(Platform::Django),
        ),
        (
            "gunicorn alone names no framework",
            headers(&[("Server", "gunicorn")]),
            "{}",
            None,
        ),
        (
            "flask dev server",
            headers(&[("Server", "Werkzeug/3.0.1 Python/3.12.1")]),
            werkzeug_404,
            Some(Platform::Flask),
        ),
        (
            "flask on gunicorn",
            headers(&[("Server", "gunicorn")]),
            werkzeug_404,
            Some(Platform::Flask),
        ),
        (
            "spring boot",
            headers(&[("Content-Type", "application/json")]),
            spring_404,
            Some(Platform::Spring),
        ),
        (
            "asp.net core",
            headers(&[("Server", "Kestrel")]),
            "",
            Some(Platform::Aspnet),
        ),
        (
            "asp.net problem details",
            headers(&[("Content-Type", "application/problem+json")]),
            aspnet_401,
            Some(Platform::Aspnet),
        ),
        (
            "rails",
            headers(&[
                ("X-Request-Id", "4f0c"),
                ("X-Runtime", "0.012"),
                ("Server", "nginx"),
            ]),
            "",
            Some(Platform::Rails),
        ),
        (
            "laravel",
            headers(&[
                ("Set-Cookie", "XSRF-TOKEN=abc; path=/"),
                ("Set-Cookie", "laravel_session=xyz; path=/; httponly"),
                ("X-Powered-By", "PHP/8.3.1"),
            ]),
            "",
            Some(Platform::Laravel),
        ),
        (
            "go net/http",
            headers(&[("Content-Type", "text/plain; charset=utf-8")]),
            "404 page not found\n",
            Some(Platform::GoRsCors),
        ),
        (
            "next.js",
            headers(&[("X-Powered-By", "Next.js"), ("Server", "Vercel")]),
            "",
            Some(Platform::Nextjs),
        ),
        (
            "hono",
            headers(&[("content-type", "text/plain; charset=UTF-8")]),
            "404 Not Found",
            Some(Platform::Hono),
        ),
        (
            "nginx alone",
            headers(&[("Server", "nginx/1.25.3")]),
            nginx_502,
            Some(Platform::Nginx),
        ),
        (
            "apache",
            headers(&[("Server", "Apache/2.4.58 (Ubuntu)")]),
            "",
            Some(Platform::Apache),
        ),
        (
            "tomcat is not apache httpd",
            headers(&[("Server", "Apache-Coyote/1.1")]),
            "",
            None,
        ),
        (
            "caddy",
            headers(&[("Server", "Caddy")]),
            "",
            Some(Platform::Caddy),
        ),
        (
            "api gateway http api",
            headers(&[("apigw-requestid", "Yb2XcjYtoAMEV0g=")]),
            r#"{"message":"Not Found"}"#,
            Some(Platform::ApiGatewayHttp),
        ),
        (
            "lambda behind api gateway running express",
            headers(&[("x-amzn-RequestId", "5d6e"), ("X-Powered-By", "Express")]),
            "",
            Some(Platform::Express),
        ),
        (
            "s3",
            headers(&[
                ("Server", "AmazonS3"),
                ("x-amz-request-id", "X"),
                ("x-amz-id-2", "Y"),
            ]),
            s3_403,
            Some(Platform::S3),
        ),
        (
            "cloudflare as a cdn is not a worker",
            headers(&[("Server", "cloudflare"), ("CF-RAY", "8a1b-CDG")]),
            "",
            None,
        ),
        (
            "a worker that threw",
            headers(&[("Server", "cloudflare"), ("CF-RAY", "8a1b-CDG")]),
            "error code: 1101",
            Some(Platform::CloudflareWorkers),
        ),
        (
            "corsair",
            headers(&[("x-corsair-refusal", "method PATCH not allowed")]),
            "",
            Some(Platform::CorsairGateway),
        ),
        (
            "nothing",
            headers(&[("Content-Type", "text/html")]),
            "<html></html>",
            None,
        ),
    ];
    for (name, h, body, want) in cases {
        assert_eq!(detect(&h, body), want, "{name}: {:?}", detect_all(&h, body));
    }
}

#[test]
fn detect_all_lists_framework_then_service_then_server() {
    let h = headers(&[
        ("Server", "nginx"),
        ("apigw-requestid", "abc"),
        ("X-Powered-By", "Express"),
    ]);
    assert_eq!(
        detect_all(&h, ""),
        vec![Platform::Express, Platform::ApiGatewayHttp, Platform::Nginx]
    );
    // Header names are case-insensitive.
    let h = headers(&[("SERVER", "Caddy"), ("x-POWERED-by", "next.js")]);
    assert_eq!(detect_all(&h, ""), vec![Platform::Nextjs, Platform::Caddy]);
}

#[test]
fn corsair_keeps_local_origins_out_of_production() {
    // Mixed: production keeps the https origin, development adds localhost.
    let gateway = render(Platform::CorsairGateway, &full(), NO_SLUGS).snippet;
    assert!(
        gateway.contains("origins = [\"https://app.example.com\"]\n"),
        "{gateway}"
    );
    assert!(gateway.contains("[stages.development]\nextra-origins = [\"http://localhost:5173\"]"));
    let tower = render(Platform::AxumCorsair, &full(), NO_SLUGS).snippet;
    assert!(tower.contains("if cfg!(debug_assertions)"), "{tower}");
    // Local only: the whole policy is a development one.
    let local = Fix {
        origins: vec!["http://localhost:5173".into()],
        credentials: true,
        ..Fix::default()
    };
    let gateway = render(Platform::CorsairGateway, &local, NO_SLUGS).snippet;
    assert!(gateway.contains("--stage development"), "{gateway}");
    assert!(gateway.contains("corsair lint corsair.toml --stage development"));
    let tower = render(Platform::AxumCorsair, &local, NO_SLUGS).snippet;
    assert!(tower.contains(".development();"), "{tower}");
    assert!(!tower.contains("cfg!"), "{tower}");
}
