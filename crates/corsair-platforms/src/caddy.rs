//! Caddy: matchers on the allowed origins, `header` for every answer, and a
//! `handle` answering preflights with 204.

use crate::escape::{caddy, dq};
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::comma;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "the `header Origin` lines of `@cors_origin` and `@cors_preflight`",
        reflect:
            "set `Access-Control-Allow-Origin {header.Origin}` without the `@cors_origin` matcher",
        ..Knobs::BY_HAND
    },
};

fn render(fix: &Norm) -> Snippet {
    // Exact origins: one `header` line each (the same field is OR'ed). With
    // patterns, one anchored regex for all, since a `header` and a
    // `header_regexp` in one matcher would both have to match.
    let origin_lines = |indent: &str| -> String {
        if fix.patterns.is_empty() {
            fix.origins
                .iter()
                .map(|o| format!("{indent}header Origin {}\n", caddy(o)))
                .collect()
        } else {
            format!(
                "{indent}header_regexp Origin {}\n",
                caddy(&fix.origins_regex())
            )
        }
    };
    let mut common = String::from("\t\tAccess-Control-Allow-Origin {header.Origin}\n");
    if fix.credentials {
        common.push_str("\t\tAccess-Control-Allow-Credentials true\n");
    }
    if !fix.expose_headers.is_empty() {
        common.push_str(&format!(
            "\t\tAccess-Control-Expose-Headers {}\n",
            dq(&comma(&fix.expose_headers))
        ));
    }
    let mut preflight = format!(
        "\t\t\tAccess-Control-Allow-Methods {}\n",
        dq(&comma(&fix.methods))
    );
    if !fix.request_headers.is_empty() {
        preflight.push_str(&format!(
            "\t\t\tAccess-Control-Allow-Headers {}\n",
            dq(&comma(&fix.request_headers))
        ));
    }
    preflight.push_str(&format!(
        "\t\t\tAccess-Control-Max-Age {}\n",
        fix.max_age_or_default()
    ));
    let code = format!(
        "api.example.com {{
\t# {}
\t@cors_origin {{
{}\t}}

\t# A preflight from an allowed origin.
\t@cors_preflight {{
\t\tmethod OPTIONS
{}\t\theader Access-Control-Request-Method *
\t}}

\t# Set at once, not deferred: Caddy's own errors (502, 504) keep them too.
\theader @cors_origin {{
{common}\t}}
\theader +Vary Origin

\t# Preflights: answered here with 204, before the backend.
\thandle @cors_preflight {{
\t\theader {{
{preflight}\t\t}}
\t\trespond 204
\t}}

\treverse_proxy 127.0.0.1:8000 {{
\t\t# Caddy alone sets CORS: drop the backend's own headers, if any.
\t\theader_down -Access-Control-*
\t}}
}}
",
        if fix.patterns.is_empty() {
            "The allowed origins, exact (one line each: the same field is OR'ed)."
        } else {
            "The allowed origins: one anchored regex (exact origins escaped, patterns as labels)."
        },
        origin_lines("\t\t"),
        origin_lines("\t\t"),
    );
    Snippet {
        place: "The site block of the API in the Caddyfile (replace `api.example.com` and the \
                `reverse_proxy` upstream with yours). The `header` lines set the headers at \
                once, so Caddy's own error answers keep them; `header_down` removes the \
                backend's copies. Check with `caddy validate`, then `caddy reload`."
            .into(),
        code,
        language: "caddyfile",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Caddy orders `basic_auth` and `forward_auth` before `handle`, so they see the \
             preflight first: give them a matcher that skips it (`@protected not method \
             OPTIONS`, then `forward_auth @protected …`)."
        }
        Slug::ErrorResponseWithoutCors => {
            "The `header` directive without `defer` (no `>` or `-` field) writes the headers \
             before the backend is called, so Caddy's 502/504 keep them and the backend's 4xx/5xx \
             pass through with them; a deferred `header` would skip Caddy's own errors, and \
             `handle_errors` routes need their own `header` lines."
        }
        Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "`handle @cors_preflight { respond 204 }` answers preflights in Caddy; the backend \
             never sees them and cannot answer 404 or 405."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "`header_down -Access-Control-*` in `reverse_proxy` drops the backend's own CORS \
             headers, so only Caddy's reach the browser; or keep the backend's CORS and delete \
             the `header` lines here, never both."
        }
        Slug::MissingVaryOrigin => {
            "`header +Vary Origin` adds `Vary: Origin` to every answer, next to the backend's \
             own `Vary`."
        }
        Slug::StrippedByProxy => {
            "If the backend sets CORS and Caddy only proxies, look for `header_down -…` or \
             `header -Access-Control-*` lines removing them."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
