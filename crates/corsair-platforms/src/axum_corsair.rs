//! axum (or any tower service) with `corsair-tower`.

use crate::escape::rust;
use crate::fix::Norm;
use crate::notes::{lower_case_methods, Knobs};
use crate::text::{quoted, ListStyle};
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`.origins([...])`",
        methods: "`.methods([...])` (beyond GET, HEAD, POST)",
        request_headers: "`.request_headers([...])`",
        expose_headers: "`.expose_headers([...])`",
        credentials: "`.credentials(true)`",
        max_age: "`.max_age(...)`",
        reflect: "allow `\"*\"` with credentials, which Corsair refuses anyway",
    },
};

/// The builder chain after `PolicyBuilder::new()`, one call a line.
fn builder_calls(fix: &Norm, origins: &[String], indent: &str) -> String {
    let style = ListStyle::RUST;
    let list = |name: &str, items: &[String]| {
        let lead = indent.len() + name.len() + 2;
        format!(
            ".{name}({})",
            style.fit(&quoted(items, rust), indent, lead, 1)
        )
    };
    let mut calls = vec![list("origins", origins)];
    let (methods, _) = fix.upper_case_methods();
    if !methods.is_empty() {
        calls.push(list("methods", &methods));
    }
    if !fix.request_headers.is_empty() {
        calls.push(list("request_headers", &fix.request_headers));
    }
    if !fix.expose_headers.is_empty() {
        calls.push(list("expose_headers", &fix.expose_headers));
    }
    if fix.credentials {
        calls.push(".credentials(true)".into());
    }
    if let Some(age) = fix.max_age {
        calls.push(format!(".max_age({age})"));
    }
    if fix.local_network {
        calls.push(".local_network(true)".into());
    }
    calls.join(&format!("\n{indent}"))
}

fn render(fix: &Norm) -> Snippet {
    let (prod, dev) = fix.dev_origins();
    // A Corsair policy takes `*.` and `:*` patterns as they are.
    let every: Vec<String> = fix
        .origins
        .iter()
        .cloned()
        .chain(fix.patterns.iter().map(|p| p.text.clone()))
        .collect();
    let policy = if dev.is_empty() {
        format!(
            "    let policy = PolicyBuilder::new()\n        {};\n",
            builder_calls(fix, &every, "        ")
        )
    } else if prod.is_empty() {
        format!(
            "    // Loopback and plain-http origins only: a production policy refuses them,\n\
             \x20   // so this one is checked as a development policy.\n\
             \x20   let policy = PolicyBuilder::new()\n        {}\n        .development();\n",
            builder_calls(fix, &every, "        ")
        )
    } else {
        let all = format!(
            ".origins({})",
            ListStyle::RUST.fit(&quoted(&every, rust), "            ", 21, 1)
        );
        format!(
            "    let mut policy = PolicyBuilder::new()\n        {};\n\
             \x20   // Loopback and plain-http origins: refused by a production policy, so\n\
             \x20   // allowed in debug builds only.\n\
             \x20   if cfg!(debug_assertions) {{\n\
             \x20       policy = policy\n            {all}\n            .development();\n\
             \x20   }}\n",
            builder_calls(fix, &prod, "        "),
        )
    };
    let code = format!(
        "use axum::Router;
use corsair_tower::corsair_core::policy::{{PolicyBuilder, PolicyError}};
use corsair_tower::CorsLayer;

/// The app behind the CORS policy; a policy with errors is refused here,
/// with every problem listed (`PolicyError::errors`).
fn app() -> Result<Router, PolicyError> {{
{policy}    let cors = CorsLayer::new(policy)?;
    Ok(Router::new()
        // .route(\"/api/items\", get(list_items))
        // .layer(auth_layer)
        // Last: the outermost layer, so it answers preflights before auth and
        // puts the headers on every response, errors included.
        .layer(cors))
}}
"
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "rust",
        caveats: lower_case_methods(
            "A Corsair policy refuses lower-case method names (`method-case`)",
            &fix.upper_case_methods().1,
        )
        .into_iter()
        .collect(),
    }
}

/// A Rust raw string literal holding `text` (enough `#` that none of its
/// own `"#` sequences ends it).
fn raw_string(text: &str) -> String {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"\n{text}\"{hashes}")
}

/// A policy with routes: the policy file's own format, routes included,
/// loaded by `CorsLayer::from_toml` (the builder writes one policy).
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let (file, caveats) = crate::corsair_gateway::policy_file(default, routes);
    let staged = file.contains("[stages.development]");
    let stage = if staged {
        "    // Debug builds add the development stage's origins.\n\
         \x20   let stage = cfg!(debug_assertions).then_some(\"development\");\n\
         \x20   let (cors, _warnings) = CorsLayer::from_toml(POLICY, stage, None)?;\n"
    } else {
        "    let (cors, _warnings) = CorsLayer::from_toml(POLICY, None, None)?;\n"
    };
    let code = format!(
        "use axum::Router;
use corsair_tower::corsair_core::policy::PolicyError;
use corsair_tower::CorsLayer;

/// The policy, routes included, in corsair.toml's format (or keep it in
/// its own file: `include_str!(\"../corsair.toml\")`). Each route's policy
/// replaces the default on the paths it matches; the first match decides.
const POLICY: &str = {};

/// The app behind the CORS policy; a policy with errors is refused here,
/// with every problem listed (`PolicyError::errors`).
fn app() -> Result<Router, PolicyError> {{
{stage}    Ok(Router::new()
        // .route(\"/api/items\", get(list_items))
        // .layer(auth_layer)
        // Last: the outermost layer, so it answers preflights before auth and
        // puts the headers on every response, errors included.
        .layer(cors))
}}
",
        raw_string(&file)
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "rust",
        caveats,
    }
}

/// Where the layer goes (both forms).
const PLACE: &str = "Where the axum `Router` is built (`cargo add corsair-tower`): `.layer(cors)` \
                     after every route and every other layer. The same policy can live in \
                     corsair.toml instead (`CorsLayer::from_toml`).";

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Add `.layer(cors)` after the auth layer (the last layer runs first): the Corsair \
             layer answers real preflights itself, so they never reach auth."
        }
        Slug::ErrorResponseWithoutCors => {
            "The Corsair layer puts the headers on every response to an allowed origin, the \
             application's 4xx/5xx included, when it wraps the whole router."
        }
        Slug::PreflightNotHandled => {
            "The layer answers every real preflight (OPTIONS with `Origin` and \
             `Access-Control-Request-Method`), even on routes without an OPTIONS handler; other \
             OPTIONS requests reach the application."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "The layer replaces CORS headers the application sets itself and reports it once \
             per route (`duplicate-cors-layer`, see `on_duplicate`); remove the other layer \
             (tower-http `CorsLayer`, nginx `add_header`) so one place owns CORS."
        }
        Slug::MissingVaryOrigin => {
            "The layer merges `Vary: Origin` into the application's `Vary` itself."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
