//! Express with the `cors` package.

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
        origins: "`origin` (an array of exact origins)",
        methods: "`methods`",
        request_headers: "`allowedHeaders`",
        expose_headers: "`exposedHeaders`",
        credentials: "`credentials: true`",
        max_age: "`maxAge`",
        reflect: "use `origin: true` or an `origin` callback that accepts every origin",
    },
};

/// The options object, one `key: value,` line each, indented by two.
pub(crate) fn options(fix: &Norm) -> Vec<String> {
    let style = ListStyle::JS;
    let mut lines = Vec::new();
    let mut origins = quoted(&fix.origins, js);
    // Patterns: anchored regexes, which cors() tests against the Origin.
    origins.extend(
        fix.patterns
            .iter()
            .map(|p| format!("new RegExp({})", js(&p.regex))),
    );
    let lead = 2 + "origin".len() + 2;
    lines.push(format!("  origin: {},", style.fit(&origins, "  ", lead, 1)));
    let mut list = |key: &str, items: &[String]| {
        let lead = 2 + key.len() + 2;
        lines.push(format!(
            "  {key}: {},",
            style.fit(&quoted(items, js), "  ", lead, 1)
        ));
    };
    list("methods", &fix.methods);
    // Always written: without it, cors() echoes whatever headers the
    // preflight asks for.
    {
        list("allowedHeaders", &fix.request_headers);
    }
    if !fix.expose_headers.is_empty() {
        list("exposedHeaders", &fix.expose_headers);
    }
    if fix.credentials {
        lines.push("  credentials: true,".into());
    }
    if let Some(age) = fix.max_age {
        lines.push(format!("  maxAge: {age},"));
    }
    lines
}

fn render(fix: &Norm) -> Snippet {
    let code = format!(
        "const express = require('express');
const cors = require('cors');

const app = express();

const corsOptions = {{
{}
}};

// First of all middleware: before body parsers, auth and routers, so that
// their 4xx/5xx answers carry the headers too. It answers preflights itself.
app.use(cors(corsOptions));

// app.use(express.json());
// app.use(authenticate);
// app.use('/api', apiRouter);
",
        options(fix).join("\n")
    );
    Snippet {
        place:
            "In the file that creates the Express app (app.js / server.js; `npm install cors`): \
                `app.use(cors(corsOptions))` before every other middleware and router. \
                It answers OPTIONS preflights itself (204): no `app.options` route is needed."
                .into(),
        code,
        language: "js",
        caveats: Vec::new(),
    }
}

/// The cors package's options per route, as JS: the lines of the
/// `corsRoutes` array (each route's path as an anchored regex, then its
/// options) and the default's options object, indented by `indent`.
pub(crate) fn route_table(
    default: &Norm,
    routes: &[(String, Norm)],
    indent: &str,
) -> (String, String) {
    let object = |fix: &Norm, inner: &str| {
        let lines: Vec<String> = options(fix)
            .into_iter()
            .map(|l| format!("{inner}{l}"))
            .collect();
        format!("{{\n{}\n{inner}}}", lines.join("\n"))
    };
    route_table_of(default, routes, indent, &object)
}

/// The lines of a JavaScript route table (`// path` then `[new
/// RegExp('^…$'), {object}],` per route, the path as an anchored regex)
/// and the default's object, each policy written by `object` (the policy,
/// the indentation of its closing brace).
pub(crate) fn route_table_of(
    default: &Norm,
    routes: &[(String, Norm)],
    indent: &str,
    object: &dyn Fn(&Norm, &str) -> String,
) -> (String, String) {
    let route_lines: String = routes
        .iter()
        .map(|(path, fix)| {
            format!(
                "{indent}  // {}\n{indent}  [new RegExp({}), {}],\n",
                crate::text::one_line(path),
                js(&crate::escape::path_regex(path)),
                object(fix, &format!("{indent}  "))
            )
        })
        .collect();
    (route_lines, object(default, indent))
}

/// One snippet for a policy with routes: the first route whose path
/// matches decides, as in `corsair.toml` (routes as anchored regexes of
/// their path patterns), else the default.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let (route_lines, default_object) = route_table(default, routes, "");
    let code = format!(
        "const express = require('express');
const cors = require('cors');

const app = express();

// One policy per route: the first whose path matches decides (as in
// corsair.toml), else the default.
const corsRoutes = [
{route_lines}];
const corsDefault = {};

// First of all middleware: before body parsers, auth and routers, so that
// their 4xx/5xx answers carry the headers too. It answers preflights itself.
app.use((req, res, next) => {{
  const route = corsRoutes.find(([path]) => path.test(req.path));
  cors(route ? route[1] : corsDefault)(req, res, next);
}});

// app.use(express.json());
// app.use(authenticate);
// app.use('/api', apiRouter);
",
        default_object
    );
    Snippet {
        place:
            "In the file that creates the Express app (app.js / server.js; `npm install cors`): \
                the `app.use` with the route table before every other middleware and router. \
                It answers OPTIONS preflights itself (204)."
                .into(),
        code,
        language: "js",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Mount `cors()` above the auth middleware: the preflight carries no cookie or \
             `Authorization`, so auth that runs first answers it 401 and the browser blocks the \
             real request."
        }
        Slug::ErrorResponseWithoutCors => {
            "Answers sent by middleware that runs before `cors()` (body parser 400/413, auth \
             401, rate limiter 429) carry no CORS headers: mount `cors()` first. Errors passed to \
             `next(err)` and your error handler (`app.use((err, req, res, next) => …)`, after the \
             routers) keep the headers `cors()` already set."
        }
        Slug::PreflightNotHandled => {
            "`app.use(cors(corsOptions))` answers every OPTIONS itself. On Express 5, \
             `app.options('*', cors())` throws at startup (path-to-regexp 8 wants `/{*splat}`): \
             drop it, `app.use` covers preflights."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove `cors()` if nginx, a gateway or a CDN in front already \
             adds the headers, or remove theirs; also drop any `res.setHeader('Access-Control-…')` \
             written by hand."
        }
        Slug::MissingVaryOrigin => {
            "With an array `origin`, `cors()` adds `Vary: Origin` itself; keep it if you set \
             headers by hand (`res.vary('Origin')`)."
        }
        Slug::CorsOnPreflightOnly => {
            "Use `app.use(cors(corsOptions))`, not only `app.options(…, cors())`: the actual \
             response needs `Access-Control-Allow-Origin` too."
        }
        Slug::StrippedByProxy => {
            "If a proxy strips the headers (nginx `proxy_hide_header`, a CDN header policy), \
             let `Access-Control-*` and `Vary` through: `cors()` sets them, the proxy must keep \
             them."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
