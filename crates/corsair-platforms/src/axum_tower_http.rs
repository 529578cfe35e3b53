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

fn render(fix: &Norm) -> Snippet {
    let style = ListStyle::RUST;
    let mut uses = Uses::default();
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
            .map(|h| header_expr(h, &mut uses))
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
            .map(|h| header_expr(h, &mut uses))
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
    let mut http_items = Vec::new();
    if uses.header {
        http_items.push("header");
    }
    if uses.header_name {
        http_items.push("HeaderName");
    }
    http_items.push("HeaderValue");
    http_items.push("Method");
    let mut imports = Vec::new();
    if fix.max_age.is_some() {
        imports.push("use std::time::Duration;\n".to_owned());
    }
    imports.push(format!(
        "use axum::http::{{{}}};\nuse axum::Router;\n",
        http_items.join(", ")
    ));
    let cors_use = if origins.is_empty() || patterns {
        "use tower_http::cors::{AllowOrigin, CorsLayer};"
    } else {
        "use tower_http::cors::CorsLayer;"
    };
    let (lists, build, regex_use) = if patterns {
        (pattern_lists(fix), PATTERNS_BUILT, "use regex::RegexSet;\n")
    } else {
        (String::new(), "", "")
    };
    let code = format!(
        "{}{regex_use}{cors_use}
{lists}
/// The CORS layer: exactly the origins, methods and headers the page uses.
fn cors() -> CorsLayer {{
{build}    CorsLayer::new()
        {}
}}

fn app() -> Router {{
    Router::new()
        // .route(\"/api/items\", get(list_items))
        // .layer(auth_layer)
        // Last: the outermost layer, so preflights never reach auth and error
        // responses from inner layers get the headers too.
        .layer(cors())
}}
",
        imports.join("\n"),
        calls.join("\n        ")
    );
    Snippet {
        place: format!(
            "Where the axum `Router` is built (tower-http with the `cors` feature{}): \
             `.layer(cors())` after every route and every other `.layer`, so it wraps them all.",
            if patterns {
                ", and the `regex` crate"
            } else {
                ""
            }
        ),
        code,
        language: "rust",
        caveats: Vec::new(),
    }
}

/// The first line of `cors()` when the policy has patterns.
const PATTERNS_BUILT: &str =
    "    let patterns = RegexSet::new(ALLOWED_PATTERNS).expect(\"the origin patterns compile\");\n";

/// `ALLOWED_ORIGINS` and `ALLOWED_PATTERNS`, for the predicate.
fn pattern_lists(fix: &Norm) -> String {
    let style = ListStyle::RUST;
    let origins = quoted(&fix.origins, rust);
    let patterns: Vec<String> = fix.patterns.iter().map(|p| raw(&p.regex)).collect();
    let head = format!("const ALLOWED_ORIGINS: [&str; {}] = ", origins.len());
    let first = format!("{head}{};", style.fit(&origins, "", head.len(), 1));
    let head = format!("const ALLOWED_PATTERNS: [&str; {}] = ", patterns.len());
    let second = format!("{head}{};", style.fit(&patterns, "", head.len(), 1));
    format!(
        "\n/// Origins compared whole, as browsers send them.\n{first}\n\
         /// Origin patterns, anchored: `*.` is one or more labels, `:*` any port or none.\n{second}\n"
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
