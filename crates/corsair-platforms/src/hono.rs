//! Hono's `hono/cors` middleware.

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
        origins: "`origin` (an array of exact origins)",
        methods: "`allowMethods`",
        request_headers: "`allowHeaders`",
        expose_headers: "`exposeHeaders`",
        credentials: "`credentials: true`",
        max_age: "`maxAge`",
        reflect: "pass an `origin` function that returns the request's origin unchecked",
    },
};

/// The options of `cors({ … })` for `fix`, one line each at `indent`.
fn option_lines(fix: &Norm, indent: &str) -> Vec<String> {
    let style = ListStyle::JS;
    let mut lines = Vec::new();
    let field = |key: &str, items: &[String]| {
        let lead = indent.len() + key.len() + 2;
        format!(
            "{indent}{key}: {},",
            style.fit(&quoted(items, js), indent, lead, 1)
        )
    };
    if fix.patterns.is_empty() {
        lines.push(field("origin", &fix.origins));
    } else {
        // Patterns: a function testing the exact origins, then each
        // anchored regex; it returns the origin to allow, or null.
        let regexes: Vec<String> = fix
            .patterns
            .iter()
            .map(|p| format!("new RegExp({})", js(&p.regex)))
            .collect();
        lines.push(format!(
            "{indent}origin: (origin) =>\n{indent}  [{}].includes(origin) ||\n{indent}  [{}].some((re) => re.test(origin))\n{indent}    ? origin\n{indent}    : null,",
            quoted(&fix.origins, js).join(", "),
            regexes.join(", ")
        ));
    }
    lines.push(field("allowMethods", &fix.methods));
    if !fix.request_headers.is_empty() {
        lines.push(field("allowHeaders", &fix.request_headers));
    }
    if !fix.expose_headers.is_empty() {
        lines.push(field("exposeHeaders", &fix.expose_headers));
    }
    if fix.credentials {
        lines.push(format!("{indent}credentials: true,"));
    }
    if let Some(age) = fix.max_age {
        lines.push(format!("{indent}maxAge: {age},"));
    }
    lines
}

/// Where the middleware goes (both forms).
const PLACE: &str = "Where the Hono app is created, before any route and auth middleware \
                     (`app.use` runs in registration order).";

/// One middleware for a policy with routes: each route's `cors()` in a
/// table, the first whose path matches deciding, as in `corsair.toml`,
/// else the default's. (Hono runs every `app.use` whose path matches, so
/// the routes are not registered one by one.)
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let object = |fix: &Norm, inner: &str| {
        format!(
            "cors({{\n{}\n{inner}}})",
            option_lines(fix, &format!("{inner}  ")).join("\n")
        )
    };
    let (route_lines, default_cors) = route_table_of(default, routes, "", &object);
    let code = format!(
        "import {{ Hono }} from 'hono'
import {{ cors }} from 'hono/cors'

const app = new Hono()

// One policy per route: the first whose path matches decides (as in
// corsair.toml), else the default.
const corsRoutes = [
{route_lines}]
const corsDefault = {default_cors}

// Before the routes and any auth middleware: it answers preflights (204).
app.use('*', (c, next) => {{
  const route = corsRoutes.find(([path]) => path.test(c.req.path))
  return (route ? route[1] : corsDefault)(c, next)
}})

// app.use('/api/*', auth)
// app.route('/api', api)

export default app
"
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "ts",
        caveats: Vec::new(),
    }
}

fn render(fix: &Norm) -> Snippet {
    // Inside `app.use('*', cors({ … }))`: four spaces of indentation.
    let lines = option_lines(fix, "    ");
    let code = format!(
        "import {{ Hono }} from 'hono'
import {{ cors }} from 'hono/cors'

const app = new Hono()

// Before the routes and any auth middleware: it answers preflights (204).
app.use(
  '*',
  cors({{
{}
  }}),
)

// app.use('/api/*', auth)
// app.route('/api', api)

export default app
",
        lines.join("\n")
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "ts",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Register `cors()` before auth middleware such as `bearerAuth` or `jwt`: Hono runs \
             middleware in registration order, and the preflight has no credentials."
        }
        Slug::ErrorResponseWithoutCors => {
            "Errors handled by `app.onError` keep the headers `cors()` set, as long as `cors()` \
             is registered first; a `new Response(…)` returned before it runs has none."
        }
        Slug::PreflightNotHandled => {
            "`cors()` answers OPTIONS itself with 204 when it is registered with `app.use` on \
             the path (`'*'` or `'/api/*'`); a route-level `app.get(…, cors())` never sees the \
             preflight."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: drop `cors()` if the platform in front (a gateway, a Worker \
             wrapper, a CDN) adds the headers too, or remove theirs."
        }
        Slug::MissingVaryOrigin => "With an array `origin`, `cors()` adds `Vary: Origin` itself.",
        _ => return None,
    };
    Some(note.to_owned())
}
