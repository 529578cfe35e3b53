//! axum with tower-http's `CorsLayer`.

use crate::escape::{rust, rust_raw as raw};
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::{quoted, ListStyle};
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`allow_origin`",
        methods: "`allow_methods`",
        request_headers: "`allow_headers`",
        expose_headers: "`expose_headers`",
        credentials: "`allow_credentials(true)`",
        max_age: "`max_age`",
        reflect: "use `AllowOrigin::mirror_request()` or a predicate that returns true",
    },
};

/// The `http::Method` constants.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
];

/// `http::header` constants for the names pages use most.
const HEADERS: [(&str, &str); 21] = [
    ("accept", "ACCEPT"),
    ("accept-language", "ACCEPT_LANGUAGE"),
    ("authorization", "AUTHORIZATION"),
    ("cache-control", "CACHE_CONTROL"),
    ("content-disposition", "CONTENT_DISPOSITION"),
    ("content-encoding", "CONTENT_ENCODING"),
    ("content-language", "CONTENT_LANGUAGE"),
    ("content-length", "CONTENT_LENGTH"),
    ("content-range", "CONTENT_RANGE"),
    ("content-type", "CONTENT_TYPE"),
    ("etag", "ETAG"),
    ("expires", "EXPIRES"),
    ("if-match", "IF_MATCH"),
    ("if-modified-since", "IF_MODIFIED_SINCE"),
    ("if-none-match", "IF_NONE_MATCH"),
    ("last-modified", "LAST_MODIFIED"),
    ("link", "LINK"),
    ("location", "LOCATION"),
    ("range", "RANGE"),
    ("retry-after", "RETRY_AFTER"),
    ("www-authenticate", "WWW_AUTHENTICATE"),
];

/// Which `use` items the snippet needs.
#[derive(Default)]
struct Uses {
    header: bool,
    header_name: bool,
}

fn method_expr(m: &str) -> String {
    if METHODS.contains(&m) {
        format!("Method::{m}")
    } else {
        format!(
            "Method::from_bytes({}.as_bytes()).expect(\"a method name\")",
            rust(m)
        )
    }
}

fn header_expr(h: &str, uses: &mut Uses) -> String {
    match HEADERS.iter().find(|(name, _)| *name == h) {
        Some((_, constant)) => {
            uses.header = true;
            format!("header::{constant}")
        }
        None => {
            uses.header_name = true;
            format!("HeaderName::from_static({})", rust(h))
        }
    }
}

/// One policy's `CorsLayer` function, and what it needs imported.
struct LayerFn {
    code: String,
    patterns: bool,
    any_origin_kind: bool,
    max_age: bool,
}

/// `fn {name}() -> CorsLayer` for `fix` (its doc line `doc`); a policy with
/// patterns holds its lists as constants of its own.
fn layer_fn(fix: &Norm, name: &str, doc: &str, uses: &mut Uses) -> LayerFn {
    let style = ListStyle::RUST;
    let origins: Vec<String> = fix
        .origins
        .iter()
        .map(|o| format!("HeaderValue::from_static({})", rust(o)))
        .collect();
    let mut calls = Vec::new();
    let patterns = !fix.patterns.is_empty();
    if patterns {
        // Exact origins and patterns in one predicate: `AllowOrigin` takes
        // a list or a predicate, not both.
        calls.push(
            ".allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {\n            \
             origin\n                .to_str()\n                \
             .is_ok_and(|o| ALLOWED_ORIGINS.contains(&o) || patterns.is_match(o))\n        }))"
                .to_owned(),
        );
    } else if origins.is_empty() {
        calls.push(".allow_origin(AllowOrigin::list(Vec::<HeaderValue>::new()))".to_owned());
    } else {
        calls.push(format!(
            ".allow_origin({})",
            style.fit(&origins, "        ", 8 + 14, 1)
        ));
    }
    let methods: Vec<String> = fix.methods.iter().map(|m| method_expr(m)).collect();
    calls.push(format!(
        ".allow_methods({})",
        style.fit(&methods, "        ", 8 + 15, 1)
    ));
    if !fix.request_headers.is_empty() {
        let headers: Vec<String> = fix
            .request_headers
            .iter()
            .map(|h| header_expr(h, uses))
            .collect();
        calls.push(format!(
            ".allow_headers({})",
            style.fit(&headers, "        ", 8 + 15, 1)
        ));
    }
    if !fix.expose_headers.is_empty() {
        let headers: Vec<String> = fix
            .expose_headers
            .iter()
            .map(|h| header_expr(h, uses))
            .collect();
        calls.push(format!(
            ".expose_headers({})",
            style.fit(&headers, "        ", 8 + 16, 1)
        ));
    }
    if fix.credentials {
        calls.push(".allow_credentials(true)".into());
    }
    if let Some(age) = fix.max_age {
        calls.push(format!(".max_age(Duration::from_secs({age}))"));
    }
    let (lists, build) = if patterns {
        (pattern_lists(fix, "    "), PATTERNS_BUILT)
    } else {
        (String::new(), "")
    };
    LayerFn {
        code: format!(
            "/// {doc}\nfn {name}() -> CorsLayer {{\n{lists}{build}    CorsLayer::new()\n        {}\n}}\n",
            calls.join("\n        ")
        ),
        patterns,
        any_origin_kind: patterns || origins.is_empty(),
        max_age: fix.max_age.is_some(),
    }
}

/// The `use` lines for the layer functions `fns` (`routes`: the form with
/// routes, which also picks a router by path).
fn imports(fns: &[&LayerFn], uses: &Uses, routes: bool) -> String {
    let mut http_items = Vec::new();
    if uses.header {
        http_items.push("header");
    }
    if uses.header_name {
        http_items.push("HeaderName");
    }
    http_items.push("HeaderValue");
    http_items.push("Method");
    let mut out = String::new();
    if fns.iter().any(|f| f.max_age) {
        out.push_str("use std::time::Duration;\n\n");
    }
    if routes {
        out.push_str("use axum::extract::Request;\n");
    }
    out.push_str(&format!(
        "use axum::http::{{{}}};\nuse axum::Router;\n",
        http_items.join(", ")
    ));
    if routes || fns.iter().any(|f| f.patterns) {
        out.push_str("use regex::RegexSet;\n");
    }
    if routes {
        out.push_str("use tower::ServiceExt;\n");
    }
    out.push_str(if fns.iter().any(|f| f.any_origin_kind) {
        "use tower_http::cors::{AllowOrigin, CorsLayer};\n"
    } else {
        "use tower_http::cors::CorsLayer;\n"
    });
    out
}

/// The crates the snippet needs, for its place.
fn crates(patterns: bool, routes: bool) -> &'static str {
    match (patterns, routes) {
        (_, true) => ", `regex`, and `tower` with the `util` feature",
        (true, false) => ", and the `regex` crate",
        (false, false) => "",
    }
}

fn render(fix: &Norm) -> Snippet {
    let mut uses = Uses::default();
    let f = layer_fn(
        fix,
        "cors",
        "The CORS layer: exactly the origins, methods and headers the page uses.",
        &mut uses,
    );
    let code = format!(
        "{}
{}
fn app() -> Router {{
    Router::new()
        // .route(\"/api/items\", get(list_items))
        // .layer(auth_layer)
        // Last: the outermost layer, so preflights never reach auth and error
        // responses from inner layers get the headers too.
        .layer(cors())
}}
",
        imports(&[&f], &uses, false),
        f.code
    );
    Snippet {
        place: format!(
            "Where the axum `Router` is built (tower-http with the `cors` feature{}): \
             `.layer(cors())` after every route and every other `.layer`, so it wraps them all.",
            crates(f.patterns, false)
        ),
        code,
        language: "rust",
        caveats: Vec::new(),
    }
}

/// A policy with routes: the app's router once per policy, each inside its
/// own `CorsLayer`, and a router in front sending each request to the copy
/// of the first route whose path matches, as in `corsair.toml` (else the
/// default's).
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let mut uses = Uses::default();
    let mut fns = Vec::new();
    for (i, (path, fix)) in routes.iter().enumerate() {
        let doc = format!("CORS on `{}`.", crate::text::one_line(path));
        fns.push(layer_fn(fix, &format!("cors_{i}"), &doc, &mut uses));
    }
    fns.push(layer_fn(
        default,
        "cors",
        "CORS on every other path.",
        &mut uses,
    ));
    let paths: Vec<String> = routes
        .iter()
        .map(|(path, _)| raw(&crate::escape::path_regex(path)))
        .collect();
    let head = format!("const ROUTES: [&str; {}] = ", paths.len());
    let route_list = format!("{head}{};", ListStyle::RUST.fit(&paths, "", head.len(), 1));
    let copies: Vec<String> = (0..routes.len())
        .map(|i| format!("routes.clone().layer(cors_{i}())"))
        .collect();
    let lead = "    let policies = ".len();
    let code = format!(
        "{}
/// The routes' paths, anchored, in the policy's order: the first that matches
/// decides.
{route_list}

{}
/// The app's routes and layers, as before.
fn routes() -> Router {{
    Router::new()
        // .route(\"/api/items\", get(list_items))
        // .layer(auth_layer)
}}

fn app() -> Router {{
    let routes = routes();
    let paths = RegexSet::new(ROUTES).expect(\"the route patterns compile\");
    // The router once per policy, inside its CorsLayer (the outermost layer, so
    // preflights never reach auth and errors get the headers too).
    let policies = {};
    let default = routes.layer(cors());
    Router::new().fallback_service(tower::service_fn(move |request: Request| {{
        let router = match paths.matches(request.uri().path()).iter().next() {{
            Some(route) => policies[route].clone(),
            None => default.clone(),
        }};
        router.oneshot(request)
    }}))
}}
",
        imports(&fns.iter().collect::<Vec<_>>(), &uses, true),
        fns.iter()
            .map(|f| f.code.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        ListStyle::RUST.fit(&copies, "    ", lead, 1),
    );
    Snippet {
        place: format!(
            "Where the axum `Router` is built (tower-http with the `cors` feature{}): your \
             routes and layers in `routes()`, and `app()` as the router you serve.",
            crates(true, true)
        ),
        code,
        language: "rust",
        caveats: Vec::new(),
    }
}

/// The first line of `cors()` when the policy has patterns.
const PATTERNS_BUILT: &str =
    "    let patterns = RegexSet::new(ALLOWED_PATTERNS).expect(\"the origin patterns compile\");\n";

/// `ALLOWED_ORIGINS` and `ALLOWED_PATTERNS`, for the predicate, at `indent`.
fn pattern_lists(fix: &Norm, indent: &str) -> String {
    let style = ListStyle::RUST;
    let origins = quoted(&fix.origins, rust);
    let patterns: Vec<String> = fix.patterns.iter().map(|p| raw(&p.regex)).collect();
    let head = format!("const ALLOWED_ORIGINS: [&str; {}] = ", origins.len());
    let first = format!(
        "{head}{};",
        style.fit(&origins, indent, indent.len() + head.len(), 1)
    );
    let head = format!("const ALLOWED_PATTERNS: [&str; {}] = ", patterns.len());
    let second = format!(
        "{head}{};",
        style.fit(&patterns, indent, indent.len() + head.len(), 1)
    );
    format!(
        "{indent}// Origins compared whole, as browsers send them.\n{indent}{first}\n\
         {indent}// Origin patterns, anchored: `*.` is one or more labels, `:*` any port or none.\n\
         {indent}{second}\n"
    )
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Call `.layer(cors())` after the auth layer: in axum the layer added last runs \
             first, and `CorsLayer` answers every preflight (OPTIONS with an \
             `Access-Control-Request-Method`) without calling inner services."
        }
        Slug::ErrorResponseWithoutCors => {
            "`CorsLayer` adds the headers to whatever the inner service returns, errors \
             included, when it is the outermost layer; `Router::layer` covers only the routes \
             (and fallback) added before it, so add it last."
        }
        Slug::PreflightNotHandled => {
            "`CorsLayer` answers the preflight itself, even for routes that have no OPTIONS \
             handler, once `.layer(cors())` wraps them (it must come after the routes)."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove `CorsLayer` if a gateway or nginx in front adds the \
             headers, or remove theirs; nesting two `CorsLayer`s (router and sub-router) adds \
             each header twice."
        }
        Slug::MissingVaryOrigin => {
            "tower-http's `CorsLayer` adds `Vary: origin, access-control-request-method, \
             access-control-request-headers` itself (see `.vary(...)`)."
        }
        Slug::WildcardWithCredentials => {
            "tower-http panics at startup on `allow_credentials(true)` with `Any` for \
             origins, headers or methods: list them, as above."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
