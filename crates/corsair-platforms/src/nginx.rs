//! nginx: a `map` of the allowed origins, `add_header … always`, and an
//! OPTIONS branch answering preflights.

use crate::escape::{anchored_regex, nginx};
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::comma;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "the `map $http_origin $cors_origin` block",
        reflect: "send `$http_origin` as `Access-Control-Allow-Origin` without the `map`, or through an unanchored regex like `~example\\.com`",
        ..Knobs::BY_HAND
    },
};

/// The CORS response headers nginx hides from the upstream so that it alone
/// sets them.
pub(crate) const CORS_HEADERS: [&str; 6] = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
];

fn add_header(indent: &str, name: &str, value: &str) -> String {
    format!("{indent}add_header {name} {value} always;\n")
}

/// The `map` blocks of one policy: `$cors_origin{suffix}` (the origin
/// when allowed) and, with credentials, `$cors_credentials{suffix}`.
fn maps(fix: &Norm, suffix: &str) -> String {
    let mut map = String::new();
    for origin in &fix.origins {
        map.push_str(&format!(
            "    {} $http_origin;\n",
            nginx(&format!("~{}", anchored_regex(origin)))
        ));
    }
    for pattern in &fix.patterns {
        map.push_str(&format!(
            "    {} $http_origin;\n",
            nginx(&format!("~{}", pattern.regex))
        ));
    }
    let mut out = format!("map $http_origin $cors_origin{suffix} {{\n    default \"\";\n{map}}}\n");
    if fix.credentials {
        out.push_str(&format!(
            "\n# \"true\" only for an allowed origin (an empty value sends no header).
map $cors_origin{suffix} $cors_credentials{suffix} {{
    \"\"      \"\";
    default \"true\";
}}
"
        ));
    }
    out
}

/// The `location` block of one policy, opened by `location_line`.
fn location(fix: &Norm, suffix: &str, location_line: &str) -> String {
    // Headers for every answer to an allowed origin (an empty value is not sent).
    let common = |indent: &str| {
        let mut out = add_header(
            indent,
            "Access-Control-Allow-Origin",
            &format!("$cors_origin{suffix}"),
        );
        if fix.credentials {
            out.push_str(&add_header(
                indent,
                "Access-Control-Allow-Credentials",
                &format!("$cors_credentials{suffix}"),
            ));
        }
        out.push_str(&add_header(indent, "Vary", "Origin"));
        out
    };
    let mut preflight = common("            ");
    preflight.push_str(&add_header(
        "            ",
        "Access-Control-Allow-Methods",
        &nginx(&comma(&fix.methods)),
    ));
    if !fix.request_headers.is_empty() {
        preflight.push_str(&add_header(
            "            ",
            "Access-Control-Allow-Headers",
            &nginx(&comma(&fix.request_headers)),
        ));
    }
    preflight.push_str(&add_header(
        "            ",
        "Access-Control-Max-Age",
        &fix.max_age_or_default().to_string(),
    ));
    let mut actual = common("        ");
    if !fix.expose_headers.is_empty() {
        actual.push_str(&add_header(
            "        ",
            "Access-Control-Expose-Headers",
            &nginx(&comma(&fix.expose_headers)),
        ));
    }
    let hide: String = CORS_HEADERS
        .iter()
        .map(|h| format!("        proxy_hide_header {h};\n"))
        .collect();
    format!(
        "    {location_line} {{
        # An add_header inside this if {{}} drops every add_header inherited from
        # outside it: the preflight's headers are all repeated here.
        if ($cors_preflight) {{
{preflight}            return 204;
        }}

        # `always`: on 4xx/5xx answers too, not only on 2xx/3xx.
{actual}
        # nginx alone sets CORS: drop the upstream's own headers, if any.
{hide}
        proxy_pass http://127.0.0.1:8000;
    }}
"
    )
}

/// The `map` that tells a preflight.
const PREFLIGHT_MAP: &str =
    "# A preflight is an OPTIONS request with Access-Control-Request-Method.
map \"$request_method:$http_access_control_request_method\" $cors_preflight {
    default        0;
    \"~^OPTIONS:.\"  1;
}
";

/// Where the parts go.
const PLACE: &str = "The `map` blocks go in the `http {}` context (a file in \
                /etc/nginx/conf.d/ is included there); the `if` and the `add_header` lines go in \
                the `location` that serves the API. Every `add_header` needs `always`, and an \
                `add_header` in an inner block (a nested `location`, an `if`) drops all the \
                inherited ones, so repeat them there. Check with `nginx -t`, then `nginx -s \
                reload`.";

fn render(fix: &Norm) -> Snippet {
    let code = format!(
        "# In the http {{}} block (e.g. /etc/nginx/conf.d/cors.conf, which nginx.conf
# includes inside http {{}}). Anchored regexes: ^…$, dots escaped.
{}
{PREFLIGHT_MAP}
server {{
    # ... listen, server_name, ssl as before

{}}}
",
        maps(fix, ""),
        location(fix, "", "location /api/")
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "nginx",
        caveats: Vec::new(),
    }
}

/// One snippet for a policy with routes: a regex `location` per route (nginx
/// tries them in order and the first that matches wins, as in
/// `corsair.toml`), and `location /` for the default policy.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let mut maps_text = String::new();
    let mut locations = String::new();
    for (i, (path, fix)) in routes.iter().enumerate() {
        let suffix = format!("_{}", i + 1);
        maps_text.push_str(&format!(
            "# Route {}: {}\n",
            i + 1,
            crate::text::one_line(path)
        ));
        maps_text.push_str(&maps(fix, &suffix));
        maps_text.push('\n');
        let line = format!("location ~ {}", nginx(&crate::escape::path_regex(path)));
        locations.push_str(&location(fix, &suffix, &line));
        locations.push('\n');
    }
    maps_text.push_str("# The default policy (every other path)\n");
    maps_text.push_str(&maps(default, ""));
    locations.push_str(&location(default, "", "location /"));
    let code = format!(
        "# In the http {{}} block (e.g. /etc/nginx/conf.d/cors.conf, which nginx.conf
# includes inside http {{}}). Anchored regexes: ^…$, dots escaped.
{maps_text}
{PREFLIGHT_MAP}
server {{
    # ... listen, server_name, ssl as before

    # One location per route: nginx tries the regex locations in order, the
    # first that matches wins; any other path gets `location /`.
{locations}}}
"
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "nginx",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::ErrorResponseWithoutCors => {
            "Without `always`, `add_header` applies only to 200, 201, 204, 206, 301, 302, 303, \
             304, 307 and 308: every `add_header` above has `always`, so 401s, 404s and the \
             upstream's 5xx (and nginx's own 502/504) carry the headers."
        }
        Slug::PreflightBlockedByAuth => {
            "The `if ($cors_preflight)` branch returns 204 in the rewrite phase, before \
             `auth_request`, `auth_basic` or the upstream can answer 401; keep it in the same \
             `location`."
        }
        Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "The `if ($cors_preflight) { … return 204; }` branch answers preflights in nginx: \
             the upstream never sees them and cannot answer 404 or 405."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "nginx owns CORS here: the `proxy_hide_header` lines drop the upstream's own CORS \
             headers; alternatively keep the app's CORS and delete the `add_header` lines, but \
             never both."
        }
        Slug::MissingVaryOrigin => {
            "`add_header Vary Origin always` is sent with every answer, allowed origin or not, \
             so caches keep one copy per origin."
        }
        Slug::StrippedByProxy => {
            "If the app sets CORS and nginx is only the proxy, check for `proxy_hide_header \
             Access-Control-…` or an inner `add_header` that drops inherited headers; behind a \
             CDN, forward `Origin` and keep `Vary`."
        }
        Slug::CorsOnPreflightOnly => {
            "The `add_header … always` lines after the `if` block cover the actual responses; \
             the preflight branch alone is not enough."
        }
        Slug::UnanchoredRegex | Slug::PrefixMatch | Slug::SuffixMatch | Slug::UnescapedDot => {
            "Each `map` regex is anchored (`^…$`) with dots escaped: `~example.com` would let \
             `https://example.com.evil.test` and `https://evilexample.com` through."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
