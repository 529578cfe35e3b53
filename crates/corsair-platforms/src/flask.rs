//! Flask with Flask-CORS.

use crate::escape::{anchored_regex, dq};
use crate::fix::Norm;
use crate::notes::{lower_case_methods, Knobs};
use crate::text::{quoted, ListStyle};
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`origins`",
        methods: "`methods`",
        request_headers: "`allow_headers`",
        expose_headers: "`expose_headers`",
        credentials: "`supports_credentials=True`",
        max_age: "`max_age`",
        reflect: "use `origins=\"*\"` with `supports_credentials=True`, or an `origins` regex like `r\".*\"`, both of which echo any origin",
    },
};

/// Characters that make Flask-CORS read an origin string as a regex
/// (matched from the start only).
const REGEX_HINTS: [char; 9] = ['*', '\\', ']', '?', '$', '^', '[', '(', ')'];

/// An origin as Flask-CORS compares it exactly: a plain string, or an
/// anchored, escaped compiled regex when Flask-CORS would take the string
/// for a regex (an IPv6 origin's brackets, say).
fn origin(o: &str) -> String {
    if o.contains(REGEX_HINTS) {
        format!("re.compile({})", dq(&anchored_regex(o)))
    } else {
        dq(o)
    }
}

/// The Flask-CORS options for `fix`, `key=value,` one a line at `indent`;
/// whether they use `re`.
fn option_args(fix: &Norm, indent: &str) -> (Vec<String>, bool) {
    let style = ListStyle::PYTHON;
    let mut origins: Vec<String> = fix.origins.iter().map(|o| origin(o)).collect();
    // Patterns: compiled, so Flask-CORS matches them (anchored) as regexes.
    origins.extend(
        fix.patterns
            .iter()
            .map(|p| format!("re.compile({})", dq(&p.regex))),
    );
    let uses_re = origins.iter().any(|o| o.starts_with("re.compile"));
    let mut args = Vec::new();
    let mut list = |key: &str, items: &[String]| {
        let lead = indent.len() + key.len() + 1;
        args.push(format!(
            "{indent}{key}={},",
            style.fit(items, indent, lead, 1)
        ));
    };
    list("origins", &origins);
    list("methods", &quoted(&fix.methods, dq));
    // Always written: Flask-CORS allows every header by default.
    list("allow_headers", &quoted(&fix.request_headers, dq));
    if !fix.expose_headers.is_empty() {
        list("expose_headers", &quoted(&fix.expose_headers, dq));
    }
    if fix.credentials {
        args.push(format!("{indent}supports_credentials=True,"));
    }
    if let Some(age) = fix.max_age {
        args.push(format!("{indent}max_age={age},"));
    }
    (args, uses_re)
}

/// The after-request hook adding `Vary: Origin` (both forms).
const VARY: &str = "


# Flask-CORS sends `Vary: Origin` only when it allows several origins; the
# answer depends on the Origin either way, so shared caches must be told.
@app.after_request
def vary_on_origin(response):
    response.vary.add(\"Origin\")
    return response
";

/// Where the snippet goes (both forms).
const PLACE: &str = "Where the Flask app is created (app.py or the app factory), right after \
                     `Flask(__name__)`; `pip install flask-cors`. Flask answers OPTIONS itself \
                     and Flask-CORS adds the headers to it.";

/// The methods Flask-CORS cannot allow as written, as caveats.
fn caveats(fixes: &[&Norm]) -> Vec<String> {
    fixes
        .iter()
        .filter_map(|f| {
            lower_case_methods(
                "Flask-CORS sends the methods it allows upper-cased",
                &f.upper_case_methods().1,
            )
        })
        .collect()
}

/// One `CORS(app, resources=…)` for a policy with routes. Flask-CORS
/// tries its resources most specific first, not in the file's order, so
/// each path regex excludes the routes above it (and the default, every
/// route): exactly one matches any path, and the first route that matches
/// decides, as in `corsair.toml`.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let bodies: Vec<String> = routes
        .iter()
        .map(|(path, _)| {
            let re = crate::escape::path_regex(path);
            re.trim_start_matches('^').trim_end_matches('$').to_owned()
        })
        .collect();
    let above = |n: usize| -> String {
        if n == 0 {
            String::new()
        } else {
            format!("(?!(?:{})$)", bodies[..n].join("|"))
        }
    };
    let mut entries = Vec::new();
    for (i, ((path, fix), body)) in routes.iter().zip(&bodies).enumerate() {
        let (args, _) = option_args(fix, "            ");
        entries.push(format!(
            "        # {}\n        re.compile({}): dict(\n{}\n        ),",
            crate::text::one_line(path),
            dq(&format!("^{}(?:{body})$", above(i))),
            args.join("\n")
        ));
    }
    let (args, _) = option_args(default, "            ");
    entries.push(format!(
        "        # Every other path.\n        re.compile({}): dict(\n{}\n        ),",
        dq(&format!("^{}", above(routes.len()))),
        args.join("\n")
    ));
    let code = format!(
        "import re

from flask import Flask
from flask_cors import CORS

app = Flask(__name__)

# Right after the app is created: it covers every route and blueprint.
# One policy per route: the first whose path matches decides (as in
# corsair.toml), else the default.
CORS(
    app,
    resources={{
{}
    }},
){VARY}",
        entries.join("\n")
    );
    let mut all: Vec<&Norm> = vec![default];
    all.extend(routes.iter().map(|(_, f)| f));
    Snippet {
        place: PLACE.into(),
        code,
        language: "python",
        caveats: caveats(&all),
    }
}

fn render(fix: &Norm) -> Snippet {
    let (option_lines, uses_re) = option_args(fix, "    ");
    let import_re = if uses_re { "import re\n\n" } else { "" };
    let mut args = vec!["    app,".to_owned()];
    args.extend(option_lines);
    let code = format!(
        "{import_re}from flask import Flask
from flask_cors import CORS

app = Flask(__name__)

# Right after the app is created: it covers every route and blueprint.
CORS(
{}
){VARY}",
        args.join("\n"),
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "python",
        caveats: caveats(&[fix]),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Let OPTIONS through your auth check (`if request.method == \"OPTIONS\": return` at \
             the top of a `before_request` hook): Flask-CORS adds headers after the request, so \
             a `before_request` that aborts with 401 answers the preflight without them."
        }
        Slug::ErrorResponseWithoutCors => {
            "Flask-CORS also adds the headers to error responses rendered by Flask \
             (`abort(401)`, unhandled 500s) as long as `intercept_exceptions` stays True (the \
             default); errors from the WSGI server or proxy in front get none."
        }
        Slug::PreflightNotHandled => {
            "Flask answers OPTIONS automatically for every route; if a route sets \
             `provide_automatic_options=False` or lists `methods=[…]` without OPTIONS behind a \
             custom handler, add it back."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove `CORS(app)` if nginx or a gateway in front adds the \
             headers, or remove theirs; also drop `@cross_origin()` on routes already covered by \
             `CORS(app)` with other settings."
        }
        Slug::MissingVaryOrigin => {
            "Flask-CORS adds `Vary: Origin` only when it allows several origins (or a \
             regex): with one origin, the `after_request` hook in the snippet adds it."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
