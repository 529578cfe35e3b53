//! FastAPI / Starlette `CORSMiddleware`.

use crate::escape::dq;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::{quoted, ListStyle};
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`allow_origins`",
        methods: "`allow_methods` (default: GET only)",
        request_headers: "`allow_headers`",
        expose_headers: "`expose_headers`",
        credentials: "`allow_credentials=True`",
        max_age: "`max_age`",
        reflect: "use `allow_origin_regex=\".*\"`, or `allow_origins=[\"*\"]` with \
                  `allow_credentials=True`, both of which echo any origin",
    },
};

/// The `CORSMiddleware` options for `fix`, `key=value,` one a line at
/// `indent`.
fn option_args(fix: &Norm, indent: &str) -> Vec<String> {
    let style = ListStyle::PYTHON;
    let list = |key: &str, items: &[String]| {
        let lead = indent.len() + key.len() + 1;
        format!(
            "{indent}{key}={},",
            style.fit(&quoted(items, dq), indent, lead, 1)
        )
    };
    let mut args = vec![list("allow_origins", &fix.origins)];
    if !fix.patterns.is_empty() {
        // Starlette full-matches this one regex; exact origins stay listed.
        let regexes: Vec<&str> = fix.patterns.iter().map(|p| p.regex.as_str()).collect();
        args.push(format!(
            "{indent}allow_origin_regex={},",
            dq(&format!("(?:{})", regexes.join(")|(?:")))
        ));
    }
    if fix.credentials {
        args.push(format!("{indent}allow_credentials=True,"));
    }
    args.push(list("allow_methods", &fix.methods));
    if !fix.request_headers.is_empty() {
        args.push(list("allow_headers", &fix.request_headers));
    }
    if !fix.expose_headers.is_empty() {
        args.push(list("expose_headers", &fix.expose_headers));
    }
    if let Some(age) = fix.max_age {
        args.push(format!("{indent}max_age={age},"));
    }
    args
}

/// Where the middleware goes (both forms).
const PLACE: &str = "In the module that creates the app (main.py), after the other \
                     `add_middleware` calls: Starlette runs the middleware added last first. \
                     The methods list replaces Starlette's default of GET only.";

/// The dispatcher of the routes form: one `CORSMiddleware` per policy.
const ROUTE_CORS: &str = "class RouteCORS:
    \"\"\"One CORSMiddleware per route: the first whose path matches decides
    (as in corsair.toml), else the default's.\"\"\"

    def __init__(self, app, routes, default):
        self.routes = [
            (re.compile(path), CORSMiddleware(app, **options)) for path, options in routes
        ]
        self.default = CORSMiddleware(app, **default)

    async def __call__(self, scope, receive, send):
        cors = self.default
        if scope[\"type\"] == \"http\":
            cors = next(
                (c for path, c in self.routes if path.fullmatch(scope[\"path\"])),
                self.default,
            )
        await cors(scope, receive, send)
";

/// One middleware for a policy with routes: a `CORSMiddleware` per route,
/// chosen by path.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let entries: Vec<String> = routes
        .iter()
        .map(|(path, fix)| {
            format!(
                "        # {}\n        (\n            {},\n            dict(\n{}\n            ),\n        ),",
                crate::text::one_line(path),
                dq(&crate::escape::path_regex(path)),
                option_args(fix, "                ").join("\n")
            )
        })
        .collect();
    let code = format!(
        "import re

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()


{ROUTE_CORS}

# Add it after every other middleware: the last one added is the outermost,
# so preflights are answered before auth middleware sees them.
app.add_middleware(
    RouteCORS,
    routes=[
{}
    ],
    default=dict(
{}
    ),
)
",
        entries.join("\n"),
        option_args(default, "        ").join("\n")
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "python",
        caveats: Vec::new(),
    }
}

fn render(fix: &Norm) -> Snippet {
    let mut args = vec!["    CORSMiddleware,".to_owned()];
    args.extend(option_args(fix, "    "));
    let code = format!(
        "from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

# Add it after every other middleware: the last one added is the outermost,
# so preflights are answered before auth middleware sees them.
app.add_middleware(
{}
)
",
        args.join("\n")
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "python",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Add `CORSMiddleware` last (outermost) so it answers the preflight before auth \
             middleware; auth done with `Depends(...)` never sees OPTIONS, which \
             `CORSMiddleware` answers itself."
        }
        Slug::ErrorResponseWithoutCors => {
            "Starlette answers an unhandled exception from `ServerErrorMiddleware`, outside \
             `CORSMiddleware`, so the 500 has no CORS headers, and an \
             `@app.exception_handler(Exception)` runs there too. Raise `HTTPException` for \
             expected errors (those keep the headers), and catch the rest in an \
             `@app.middleware(\"http\")` declared before `app.add_middleware(CORSMiddleware, ...)` \
             that returns a `JSONResponse(status_code=500)`."
        }
        Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "`CORSMiddleware` answers preflights itself: 200 when allowed, 400 \
             (`Disallowed CORS origin` / `method` / `headers`) when not; a 400 preflight means a \
             value is missing from the lists above."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove `CORSMiddleware` if nginx, a gateway or a CDN in front \
             adds the headers, or remove theirs; never add it twice (for example in a mounted \
             sub-app too)."
        }
        Slug::MissingVaryOrigin => {
            "With a list of origins, `CORSMiddleware` adds `Vary: Origin` itself."
        }
        Slug::MethodNotAllowed => {
            "`allow_methods` defaults to GET only in Starlette: list every method the page \
             uses, in the case the browser sends (`PATCH`, not `patch`)."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
