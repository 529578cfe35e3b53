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

fn render(fix: &Norm) -> Snippet {
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
    let code = format!(
        "# config/initializers/cors.rb  (gem 'rack-cors')
# Position 0: ahead of every other middleware, so authentication, errors and
# redirects further down all go through it.
Rails.application.config.middleware.insert_before 0, Rack::Cors do
  allow do
    {origins}

    resource '*',
      {}
  end
end
",
        options.join(",\n      ")
    );
    let caveats: Vec<String> = lower_case_methods(
        "rack-cors sends the methods it allows upper-cased",
        &fix.upper_case_methods().1,
    )
    .into_iter()
    .collect();
    Snippet {
        place: "config/initializers/cors.rb (add `gem 'rack-cors'` to the Gemfile), inserted at \
                position 0 of the middleware stack."
            .into(),
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
