//! actix-web with actix-cors.

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
        origins: "`allowed_origin`",
        methods: "`allowed_methods`",
        request_headers: "`allowed_headers`",
        expose_headers: "`expose_headers`",
        credentials: "`supports_credentials()`",
        max_age: "`max_age`",
        reflect: "use `allow_any_origin()` or `Cors::permissive()` with `supports_credentials()`, which echo any origin",
    },
};

fn render(fix: &Norm) -> Snippet {
    let style = ListStyle::RUST;
    let indent = "            ";
    let mut calls = Vec::new();
    for origin in &fix.origins {
        calls.push(format!(".allowed_origin({})", rust(origin)));
    }
    let patterns = !fix.patterns.is_empty();
    if patterns {
        // Checked after the exact origins: either allows.
        calls.push(
            ".allowed_origin_fn(move |origin, _request| {\n                \
             origin.to_str().is_ok_and(|o| patterns.is_match(o))\n            })"
                .to_owned(),
        );
    }
    let mut list = |name: &str, items: &[String]| {
        let lead = indent.len() + name.len() + 2;
        calls.push(format!(
            ".{name}({})",
            style.fit(&quoted(items, rust), indent, lead, 1)
        ));
    };
    list("allowed_methods", &fix.methods);
    if !fix.request_headers.is_empty() {
        list("allowed_headers", &fix.request_headers);
    }
    if !fix.expose_headers.is_empty() {
        list("expose_headers", &fix.expose_headers);
    }
    if fix.credentials {
        calls.push(".supports_credentials()".into());
    }
    if let Some(age) = fix.max_age {
        calls.push(format!(".max_age({age})"));
    }
    let (lists, build, regex_use) = if patterns {
        let list: Vec<String> = fix.patterns.iter().map(|p| raw(&p.regex)).collect();
        let head = format!("const ALLOWED_PATTERNS: [&str; {}] = ", list.len());
        (
            format!(
                "\n/// Origin patterns, anchored: `*.` is one or more labels, `:*` any port or none.\n\
                 {head}{};\n",
                style.fit(&list, "", head.len(), 1)
            ),
            "        let patterns = RegexSet::new(ALLOWED_PATTERNS).expect(\"the origin patterns compile\");\n",
            "use regex::RegexSet;\n",
        )
    } else {
        (String::new(), "", "")
    };
    let code = format!(
        "use actix_cors::Cors;
use actix_web::{{App, HttpServer}};
{regex_use}{lists}
#[actix_web::main]
async fn main() -> std::io::Result<()> {{
    HttpServer::new(|| {{
{build}        let cors = Cors::default()
            {};

        App::new()
            // .wrap(auth) and other middleware first: the last `.wrap` runs first.
            .wrap(cors)
            // .service(...)
    }})
    .bind((\"127.0.0.1\", 8080))?
    .run()
    .await
}}
",
        calls.join(&format!("\n{indent}"))
    );
    Snippet {
        place: format!(
            "Where the `App` is built (`cargo add actix-cors{}`): `.wrap(cors)` as the last \
             `.wrap` call, so it runs before every other middleware.",
            if patterns { " regex" } else { "" }
        ),
        code,
        language: "rust",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Make `.wrap(cors)` the last `.wrap` call: actix runs the middleware registered \
             last first, so `Cors` answers the preflight before auth middleware (e.g. \
             `HttpAuthentication`) sees it."
        }
        Slug::ErrorResponseWithoutCors => {
            "actix turns handler errors into responses inside the middleware chain, so `Cors` \
             (outermost) adds the headers to them; errors from middleware registered after it \
             (outside it) do not get them."
        }
        Slug::PreflightNotHandled => {
            "`Cors` answers preflights itself once it wraps the `App`; wrapping only one \
             `scope` leaves OPTIONS to other paths unanswered (404)."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove `Cors` if a gateway or nginx in front adds the \
             headers, or remove theirs; also avoid `Cors` on both the `App` and a `scope`."
        }
        Slug::MissingVaryOrigin => {
            "actix-cors adds `Vary: Origin` itself (unless `disable_vary_header()` is called)."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
