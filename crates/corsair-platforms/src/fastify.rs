//! Fastify with `@fastify/cors`: the plugin registered before the routes.

use crate::escape::js;
use crate::express::route_table_of;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::{quoted, ListStyle};
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`origin` (exact origins and anchored regexes)",
        methods: "`methods`",
        request_headers: "`allowedHeaders`",
        expose_headers: "`exposedHeaders`",
        credentials: "`credentials: true`",
        max_age: "`maxAge`",
        reflect: "use `origin: true` or an `origin` function that accepts every origin",
    },
};

/// The plugin's options for `fix`, one line each at `indent`.
fn option_lines(fix: &Norm, indent: &str) -> Vec<String> {
    let style = ListStyle::JS;
    let field = |key: &str, items: &[String]| {
        let lead = indent.len() + key.len() + 2;
        format!("{indent}{key}: {},", style.fit(items, indent, lead, 1))
    };
    let mut origins = quoted(&fix.origins, js);
    // Patterns: anchored regexes, which the plugin tests against the Origin.
    origins.extend(
        fix.patterns
            .iter()
            .map(|p| format!("new RegExp({})", js(&p.regex))),
    );
    let mut lines = vec![
        field("origin", &origins),
        field("methods", &quoted(&fix.methods, js)),
        // Always written: without it the plugin echoes whatever headers the
        // preflight asks for.
        field("allowedHeaders", &quoted(&fix.request_headers, js)),
    ];
    if !fix.expose_headers.is_empty() {
        lines.push(field("exposedHeaders", &quoted(&fix.expose_headers, js)));
    }
    if fix.credentials {
        lines.push(format!("{indent}credentials: true,"));
    }
    if let Some(age) = fix.max_age {
        lines.push(format!("{indent}maxAge: {age},"));
    }
    lines
}

/// Where the plugin goes (both forms).
const PLACE: &str = "Where the Fastify instance is created (`npm install @fastify/cors`): the \
                     `register` before the routes and any auth plugin.";

/// One registration for a policy with routes: the plugin's `delegator`
/// picks each request's options, the first route whose path matches
/// deciding, as in `corsair.toml`, else the default.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let object = |fix: &Norm, inner: &str| {
        format!(
            "{{\n{}\n{inner}}}",
            option_lines(fix, &format!("{inner}  ")).join("\n")
        )
    };
    let (route_lines, default_object) = route_table_of(default, routes, "", &object);
    let code = format!(
        "const fastify = require('fastify')();

// One policy per route: the first whose path matches decides (as in
// corsair.toml), else the default.
const corsRoutes = [
{route_lines}];
const corsDefault = {default_object};

// Registered before the routes: it answers preflights itself (204), in the
// onRequest hook, before body parsing and auth hooks.
fastify.register(require('@fastify/cors'), {{
  delegator: (req, callback) => {{
    const path = req.url.split('?', 1)[0];
    const route = corsRoutes.find(([pattern]) => pattern.test(path));
    callback(null, route ? route[1] : corsDefault);
  }},
}});

// fastify.register(authPlugin);
// fastify.register(apiRoutes, {{ prefix: '/api' }});
"
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "js",
        caveats: Vec::new(),
    }
}

fn render(fix: &Norm) -> Snippet {
    let lines = option_lines(fix, "  ");
    let code = format!(
        "const fastify = require('fastify')();

// Registered before the routes: it answers preflights itself (204), in the
// onRequest hook, before body parsing and auth hooks.
fastify.register(require('@fastify/cors'), {{
{}
}});

// fastify.register(authPlugin);
// fastify.register(apiRoutes, {{ prefix: '/api' }});
",
        lines.join("\n")
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "js",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "`@fastify/cors` runs in the `onRequest` hook: register it before auth plugins, or \
             let their hooks skip OPTIONS requests with Access-Control-Request-Method."
        }
        Slug::ErrorResponseWithoutCors => {
            "The plugin sets the headers in `onRequest`, so errors thrown later (validation \
             400s, your handlers' errors) keep them; answers sent by an earlier hook do not."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove the plugin if a proxy in front adds the headers, or \
             remove theirs; drop any `reply.header('Access-Control-…')` written by hand."
        }
        Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "The plugin declares `OPTIONS *` and answers preflights itself: declare no OPTIONS \
             route of your own (`fastify.all` includes OPTIONS), or Fastify refuses the \
             duplicate route at startup."
        }
        Slug::MissingVaryOrigin => {
            "With a list or regexes in `origin`, the plugin adds `Vary: Origin` itself."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
