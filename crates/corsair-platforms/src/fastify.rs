//! Fastify with `@fastify/cors`: the plugin registered before the routes.

use crate::escape::js;
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

fn render(fix: &Norm) -> Snippet {
    let style = ListStyle::JS;
    let field = |key: &str, items: &[String]| {
        let lead = 2 + key.len() + 2;
        format!("  {key}: {},", style.fit(items, "  ", lead, 1))
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
        lines.push("  credentials: true,".into());
    }
    if let Some(age) = fix.max_age {
        lines.push(format!("  maxAge: {age},"));
    }
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
        place: "Where the Fastify instance is created (`npm install @fastify/cors`): the \
                `register` before the routes and any auth plugin."
            .into(),
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
