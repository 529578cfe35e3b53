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

fn render(fix: &Norm) -> Snippet {
    let mut setenv = String::new();
    for origin in &fix.origins {
        setenv.push_str(&format!(
            "SetEnvIf Origin {} CORS_ORIGIN=$0\n",
            apache_regex(&anchored_regex(origin))
        ));
    }
    for pattern in &fix.patterns {
        setenv.push_str(&format!(
            "SetEnvIf Origin {} CORS_ORIGIN=$0\n",
            apache_regex(&pattern.regex)
        ));
    }
    let set = |name: &str, value: &str, env: &str| {
        format!("Header always set {name} \"{value}\" env={env}\n")
    };
    let mut headers = set(
        "Access-Control-Allow-Origin",
        "%{CORS_ORIGIN}e",
        "CORS_ORIGIN",
    );
    if fix.credentials {
        headers.push_str(&set(
            "Access-Control-Allow-Credentials",
            "true",
            "CORS_ORIGIN",
        ));
    }
    if !fix.expose_headers.is_empty() {
        headers.push_str(&set(
            "Access-Control-Expose-Headers",
            &comma(&fix.expose_headers),
            "CORS_ORIGIN",
        ));
    }
    headers.push_str(&set(
        "Access-Control-Allow-Methods",
        &comma(&fix.methods),
        "CORS_PREFLIGHT",
    ));
    if !fix.request_headers.is_empty() {
        headers.push_str(&set(
            "Access-Control-Allow-Headers",
            &comma(&fix.request_headers),
            "CORS_PREFLIGHT",
        ));
    }
    headers.push_str(&set(
        "Access-Control-Max-Age",
        &fix.max_age_or_default().to_string(),
        "CORS_PREFLIGHT",
    ));
    let unset: String = CORS_HEADERS
        .iter()
        .map(|h| format!("Header unset {h}\n"))
        .collect();
    let code = format!(
        "# In the <VirtualHost> (or <Location>) that serves the API.
# Needs mod_setenvif, mod_headers and mod_rewrite: a2enmod setenvif headers rewrite

# The allowlist: anchored regexes (^…$), dots escaped; CORS_ORIGIN gets the match.
{setenv}# A preflight: OPTIONS with Access-Control-Request-Method, from an allowed origin.
SetEnvIfExpr \"%{{REQUEST_METHOD}} == 'OPTIONS' && -n req('Access-Control-Request-Method') && -n reqenv('CORS_ORIGIN')\" CORS_PREFLIGHT

# Apache alone sets CORS: drop the backend's own headers, if any.
{unset}
# `always`: on 4xx/5xx answers too, not only on 2xx.
{headers}Header always merge Vary Origin

# Answer preflights here with 204, before authentication and the backend.
RewriteEngine On
RewriteCond %{{ENV:CORS_PREFLIGHT}} =1
RewriteRule ^ - [R=204,L]
"
    );
    Snippet {
        place: "In the `<VirtualHost>` that serves the API (or its `.htaccess`), with \
                mod_setenvif, mod_headers and mod_rewrite enabled. `Header always set` covers \
                error answers too; plain `Header set` covers 2xx only. Check with \
                `apachectl configtest`."
            .into(),
        code,
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
