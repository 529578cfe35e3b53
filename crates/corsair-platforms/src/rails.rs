//! Rails (any Rack app) with rack-cors.

use crate::escape::single;
use crate::fix::Norm;
use crate::notes::{lower_case_methods, Knobs};
use crate::text::quoted;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`origins`",
        methods: "`methods:`",
        request_headers: "`headers:`",
        expose_headers: "`expose:`",
        credentials: "`credentials: true`",
        max_age: "`max_age:`",
        reflect: "use `origins '*'` with a block or a regex like `/.*/` that accepts every \
                  origin",
    },
};

/// rack-cors compares methods lower-cased and sends them upper-cased:
/// symbols, lower-case.
fn method_symbols(methods: &[String]) -> String {
    let mut lower: Vec<String> = Vec::new();
    for m in methods {
        let m = m.to_ascii_lowercase();
        if !lower.contains(&m) {
            lower.push(m);
        }
    }
    let plain = lower.iter().all(|m| {
        m.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !m.starts_with(|c: char| c.is_ascii_digit())
    });
    if plain {
        format!("%i[{}]", lower.join(" "))
    } else {
        let symbols: Vec<String> = lower.iter().map(|m| format!(":{}", single(m))).collect();
        format!("[{}]", symbols.join(", "))
    }
}

/// One `allow do … end` block (indented two spaces): `fix`'s origins on
/// `resource`, only where `condition` (a Ruby lambda taking the Rack env)
/// holds, when given.
fn allow_block(fix: &Norm, resource: &str, condition: Option<&str>) -> String {
    let strings = |items: &[String]| format!("[{}]", quoted(items, single).join(", "));
    let mut options = Vec::new();
    if !fix.request_headers.is_empty() {
        options.push(format!("headers: {}", strings(&fix.request_headers)));
    }
    options.push(format!("methods: {}", method_symbols(&fix.methods)));
    if !fix.expose_headers.is_empty() {
        options.push(format!("expose: {}", strings(&fix.expose_headers)));
    }
    if fix.credentials {
        options.push("credentials: true".into());
    }
    if let Some(age) = fix.max_age {
        options.push(format!("max_age: {age}"));
    }
    if let Some(condition) = condition {
        options.push(format!("if: {condition}"));
    }
    // Exact origins as strings (rack-cors compares those whole), patterns
    // as Ruby regexes anchored with \A and \z (`^` and `$` match at line
    // ends in Ruby).
    let mut values = quoted(&fix.origins, single);
    values.extend(fix.patterns.iter().map(|p| ruby_regex(&p.regex)));
    let origins = if values.is_empty() {
        // rack-cors needs at least one argument; an empty list matches nothing.
        "origins []".to_owned()
    } else if values.iter().map(|v| v.len() + 2).sum::<usize>() + 12 <= 100 {
        format!("origins {}", values.join(", "))
    } else {
        format!("origins {}", values.join(",\n            "))
    };
    format!(
        "  allow do\n    {origins}\n\n    resource {resource},\n      {}\n  end\n",
        options.join(",\n      ")
    )
}

/// The initializer's head: the file, and why position 0.
const HEAD: &str = "# config/initializers/cors.rb  (gem 'rack-cors')
# Position 0: ahead of every other middleware, so authentication, errors and
# redirects further down all go through it.
";

/// Where the initializer goes (both forms).
const PLACE: &str = "config/initializers/cors.rb (add `gem 'rack-cors'` to the Gemfile), \
                     inserted at position 0 of the middleware stack.";

fn render(fix: &Norm) -> Snippet {
    let code = format!(
        "{HEAD}Rails.application.config.middleware.insert_before 0, Rack::Cors do\n{}end\n",
        allow_block(fix, "'*'", None)
    );
    let caveats: Vec<String> = lower_case_methods(
        "rack-cors sends the methods it allows upper-cased",
        &fix.upper_case_methods().1,
    )
    .into_iter()
    .collect();
    Snippet {
        place: PLACE.into(),
        code,
        language: "ruby",
        caveats,
    }
}

/// One initializer for a policy with routes: the first route whose path
/// matches decides, as in `corsair.toml`, else the default. rack-cors
/// tries every `allow` block whose origins match the request's, so each
/// block also skips the paths of the routes above it.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let regexes: Vec<String> = routes
        .iter()
        .map(|(path, _)| ruby_regex(&crate::escape::path_regex(path)))
        .collect();
    let mut code = format!(
        "{HEAD}# One policy per route: the first whose path matches decides (as in\n\
         # corsair.toml), else the default.\n\
         CORS_ROUTES = [\n{}].freeze\n\n\
         # Whether none of the first `count` routes matches the request's path.\n\
         CORS_NOT_ABOVE = ->(count) {{ ->(env) {{ CORS_ROUTES.first(count).none? {{ |r| r.match?(env['PATH_INFO']) }} }} }}\n\n\
         Rails.application.config.middleware.insert_before 0, Rack::Cors do\n",
        routes
            .iter()
            .zip(&regexes)
            .map(|((path, _), re)| format!("  {re}, # {}\n", crate::text::one_line(path)))
            .collect::<String>()
    );
    for (i, (path, fix)) in routes.iter().enumerate() {
        let condition = format!("CORS_NOT_ABOVE.({i})");
        code.push_str(&format!("  # {}\n", crate::text::one_line(path)));
        code.push_str(&allow_block(
            fix,
            &format!("CORS_ROUTES[{i}]"),
            (i > 0).then_some(condition.as_str()),
        ));
        code.push('\n');
    }
    code.push_str("  # Every other path.\n");
    let condition = format!("CORS_NOT_ABOVE.({})", routes.len());
    code.push_str(&allow_block(default, "'*'", Some(&condition)));
    code.push_str("end\n");
    let caveats: Vec<String> = std::iter::once(default)
        .chain(routes.iter().map(|(_, f)| f))
        .filter_map(|f| {
            lower_case_methods(
                "rack-cors sends the methods it allows upper-cased",
                &f.upper_case_methods().1,
            )
        })
        .collect();
    Snippet {
        place: PLACE.into(),
        code,
        language: "ruby",
        caveats,
    }
}

/// An anchored regex (`^…$`) as a Ruby `%r{\A…\z}` literal.
fn ruby_regex(re: &str) -> String {
    let body = re.strip_prefix('^').unwrap_or(re);
    let body = body.strip_suffix('$').unwrap_or(body);
    let mut out = String::from("%r{\\A");
    for c in body.chars() {
        if matches!(c, '{' | '}' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("\\z}");
    out
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "`insert_before 0` puts Rack::Cors ahead of Warden/Devise and any Rack auth, so it \
             answers the preflight itself; auth in a controller `before_action` never sees it."
        }
        Slug::ErrorResponseWithoutCors => {
            "At position 0, Rack::Cors wraps `ActionDispatch::ShowExceptions`, so 404/500 pages \
             Rails renders keep the headers; errors from Puma or the proxy in front do not."
        }
        Slug::PreflightNotHandled => {
            "Rack::Cors answers preflights itself before routing, so no `match '*', via: \
             :options` route is needed; make sure it was inserted (`bin/rails middleware` lists \
             `Rack::Cors` first)."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove rack-cors if nginx or a gateway in front adds the \
             headers, or remove theirs; also drop `response.headers['Access-Control-…']` set in \
             controllers."
        }
        Slug::MissingVaryOrigin => "rack-cors adds `Vary: Origin` itself.",
        _ => return None,
    };
    Some(note.to_owned())
}
