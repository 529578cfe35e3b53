//! Apache httpd: `SetEnvIf` on the allowed origins, `Header always set`, and
//! a `RewriteRule` answering preflights with 204.

use crate::escape::{anchored_regex, apache_regex};
use crate::fix::Norm;
use crate::nginx::CORS_HEADERS;
use crate::notes::Knobs;
use crate::text::comma;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "the `SetEnvIf Origin` lines",
        reflect: "set `Access-Control-Allow-Origin` from the request's `Origin` without an \
                  anchored `SetEnvIf` allowlist",
        ..Knobs::BY_HAND
    },
};

/// One policy's lines: the `SetEnvIf` lines deciding it (its origin in
/// `CORS_ORIGIN{suffix}`, and `{ok}` set when it applies) and its
/// `Header always set` lines.
struct PolicyLines {
    setenv: String,
    headers: String,
}

/// `ok`: the variable set when the policy applies to the request, and the
/// condition setting it (`None`: the origin alone decides, `ok` is the
/// origin's variable).
fn policy_lines(fix: &Norm, suffix: &str, route: Option<&str>) -> PolicyLines {
    let origin_var = format!("CORS_ORIGIN{suffix}");
    let mut setenv = String::new();
    for re in fix
        .origins
        .iter()
        .map(|o| anchored_regex(o))
        .chain(fix.patterns.iter().map(|p| p.regex.clone()))
    {
        setenv.push_str(&format!(
            "SetEnvIf Origin {} {origin_var}=$0\n",
            apache_regex(&re)
        ));
    }
    let ok = match route {
        Some(route) => {
            let ok = format!("CORS_OK{suffix}");
            setenv.push_str(&format!(
                "SetEnvIfExpr \"reqenv('CORS_ROUTE') == '{route}' && -n reqenv('{origin_var}')\" {ok}\n"
            ));
            ok
        }
        None => origin_var.clone(),
    };
    let preflight_var = format!("CORS_PREFLIGHT{suffix}");
    // The route's own preflight variable, and the one the RewriteRule reads.
    let also = if suffix.is_empty() {
        String::new()
    } else {
        " CORS_PREFLIGHT".to_owned()
    };
    setenv.push_str(&format!(
        "# A preflight: OPTIONS with Access-Control-Request-Method, from an allowed origin.\n\
         SetEnvIfExpr \"%{{REQUEST_METHOD}} == 'OPTIONS' && -n req('Access-Control-Request-Method') && -n reqenv('{ok}')\" {preflight_var}{also}\n"
    ));
    let set = |name: &str, value: &str, env: &str| {
        format!("Header always set {name} \"{value}\" env={env}\n")
    };
    let mut headers = set(
        "Access-Control-Allow-Origin",
        &format!("%{{{origin_var}}}e"),
        &ok,
    );
    if fix.credentials {
        headers.push_str(&set("Access-Control-Allow-Credentials", "true", &ok));
    }
    if !fix.expose_headers.is_empty() {
        headers.push_str(&set(
            "Access-Control-Expose-Headers",
            &comma(&fix.expose_headers),
            &ok,
        ));
    }
    headers.push_str(&set(
        "Access-Control-Allow-Methods",
        &comma(&fix.methods),
        &preflight_var,
    ));
    if !fix.request_headers.is_empty() {
        headers.push_str(&set(
            "Access-Control-Allow-Headers",
            &comma(&fix.request_headers),
            &preflight_var,
        ));
    }
    headers.push_str(&set(
        "Access-Control-Max-Age",
        &fix.max_age_or_default().to_string(),
        &preflight_var,
    ));
    PolicyLines { setenv, headers }
}

/// The whole block around the policies' lines (both forms).
fn block(setenv: &str, headers: &str) -> String {
    let unset: String = CORS_HEADERS
        .iter()
        .map(|h| format!("Header unset {h}\n"))
        .collect();
    format!(
        "# In the <VirtualHost> (or <Location>) that serves the API.
# Needs mod_setenvif, mod_headers and mod_rewrite: a2enmod setenvif headers rewrite

{setenv}
# Apache alone sets CORS: drop the backend's own headers, if any.
{unset}
# `always`: on 4xx/5xx answers too, not only on 2xx.
{headers}Header always merge Vary Origin

# Answer preflights here with 204, before authentication and the backend.
RewriteEngine On
RewriteCond %{{ENV:CORS_PREFLIGHT}} =1
RewriteRule ^ - [R=204,L]
"
    )
}

/// Where the block goes (both forms).
const PLACE: &str = "In the `<VirtualHost>` that serves the API (or its `.htaccess`), with \
                     mod_setenvif, mod_headers and mod_rewrite enabled. `Header always set` \
                     covers error answers too; plain `Header set` covers 2xx only. Check with \
                     `apachectl configtest`.";

fn render(fix: &Norm) -> Snippet {
    let lines = policy_lines(fix, "", None);
    let setenv = format!(
        "# The allowlist: anchored regexes (^…$), dots escaped; CORS_ORIGIN gets the match.\n{}",
        lines.setenv
    );
    Snippet {
        place: PLACE.into(),
        code: block(&setenv, &lines.headers),
        language: "apache",
        caveats: Vec::new(),
    }
}

/// One block for a policy with routes. `SetEnvIf` lines run in order and
/// the last match wins, so the routes' paths are written last to first:
/// `CORS_ROUTE` ends as the first route whose path matches, as in
/// `corsair.toml`, else `default`. Each policy then applies where its
/// route is the request's and its origin is allowed.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let mut setenv = String::from(
        "# The request's policy: the first route whose path matches, else the default\n\
         # (the last SetEnvIf that matches wins, so the routes are written last first).\n\
         SetEnvIf Request_URI ^ CORS_ROUTE=default\n",
    );
    for (i, (path, _)) in routes.iter().enumerate().rev() {
        setenv.push_str(&format!(
            "# {}\nSetEnvIf Request_URI {} CORS_ROUTE={i}\n",
            crate::text::one_line(path),
            apache_regex(&crate::escape::path_regex(path))
        ));
    }
    let mut headers = String::new();
    let policies = routes
        .iter()
        .enumerate()
        .map(|(i, (path, fix))| (format!("{i}"), crate::text::one_line(path), fix))
        .chain(std::iter::once((
            "default".to_owned(),
            "every other path".to_owned(),
            default,
        )));
    for (name, what, fix) in policies {
        let lines = policy_lines(fix, &format!("_{name}"), Some(&name));
        setenv.push_str(&format!(
            "\n# Policy `{name}` ({what}): its allowlist (anchored regexes, dots escaped)\n\
             # and where it applies.\n{}",
            lines.setenv
        ));
        headers.push_str(&lines.headers);
    }
    Snippet {
        place: PLACE.into(),
        code: block(&setenv, &headers),
        language: "apache",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::ErrorResponseWithoutCors => {
            "`Header always set` writes the headers on every answer, 4xx/5xx and the 204 of the \
             preflight included; `Header set` (the `onsuccess` table) would skip them."
        }
        Slug::PreflightBlockedByAuth => {
            "The `RewriteRule` answers the preflight 204 before `Require valid-user` or an \
             auth module runs; if the auth sits in a `<Location>`, add `<If \"%{REQUEST_METHOD} \
             == 'OPTIONS'\"> Require all granted </If>` there."
        }
        Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "The `RewriteRule … [R=204,L]` answers preflights in Apache, so the backend never \
             sees them and cannot answer 404 or 405."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "The `Header unset` lines drop the CORS headers the backend (mod_proxy, PHP) sends: \
             without them its values and the `always` ones are sent together and the browser \
             sees two; or keep the backend's CORS and delete these lines, never both."
        }
        Slug::MissingVaryOrigin => {
            "`Header always merge Vary Origin` adds `Origin` to any `Vary` the backend sends, \
             once, on every answer."
        }
        Slug::StrippedByProxy => {
            "If the backend sets CORS and Apache only proxies, look for `Header unset \
             Access-Control-…` or `Header always set` lines overriding them; behind a CDN, \
             forward `Origin` and keep `Vary`."
        }
        Slug::UnanchoredRegex | Slug::PrefixMatch | Slug::SuffixMatch | Slug::UnescapedDot => {
            "Each `SetEnvIf Origin` regex is anchored (`^…$`) with dots escaped: `example.com` \
             alone would let `https://example.com.evil.test` and `https://evilexample.com` \
             through."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
