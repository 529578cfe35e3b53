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

/// One policy's matchers (named with `suffix`, at the site's level) and the
/// directives applying it (at `indent`): the headers for an allowed origin
/// and the preflight's 204.
struct PolicyBlock {
    matchers: String,
    headers: String,
    preflight: String,
}

fn policy_block(fix: &Norm, suffix: &str, indent: &str) -> PolicyBlock {
    // Exact origins: one `header` line each (the same field is OR'ed). With
    // patterns, one anchored regex for all, since a `header` and a
    // `header_regexp` in one matcher would both have to match.
    let origin_lines: String = if fix.patterns.is_empty() {
        fix.origins
            .iter()
            .map(|o| format!("\t\theader Origin {}\n", caddy(o)))
            .collect()
    } else {
        format!("\t\theader_regexp Origin {}\n", caddy(&fix.origins_regex()))
    };
    let mut common = format!("{indent}\tAccess-Control-Allow-Origin {{header.Origin}}\n");
    if fix.credentials {
        common.push_str(&format!(
            "{indent}\tAccess-Control-Allow-Credentials true\n"
        ));
    }
    if !fix.expose_headers.is_empty() {
        common.push_str(&format!(
            "{indent}\tAccess-Control-Expose-Headers {}\n",
            dq(&comma(&fix.expose_headers))
        ));
    }
    let mut preflight = format!(
        "{indent}\t\tAccess-Control-Allow-Methods {}\n",
        dq(&comma(&fix.methods))
    );
    if !fix.request_headers.is_empty() {
        preflight.push_str(&format!(
            "{indent}\t\tAccess-Control-Allow-Headers {}\n",
            dq(&comma(&fix.request_headers))
        ));
    }
    preflight.push_str(&format!(
        "{indent}\t\tAccess-Control-Max-Age {}\n",
        fix.max_age_or_default()
    ));
    let which = if fix.patterns.is_empty() {
        "The allowed origins, exact (one line each: the same field is OR'ed)."
    } else {
        "The allowed origins: one anchored regex (exact origins escaped, patterns as labels)."
    };
    PolicyBlock {
        matchers: format!(
            "\t# {which}\n\t@cors_origin{suffix} {{\n{origin_lines}\t}}\n\n\
             \t# A preflight from an allowed origin.\n\t@cors_preflight{suffix} {{\n\
             \t\tmethod OPTIONS\n{origin_lines}\t\theader Access-Control-Request-Method *\n\t}}\n"
        ),
        headers: format!(
            "{indent}# Set at once, not deferred: Caddy's own errors (502, 504) keep them too.\n\
             {indent}header @cors_origin{suffix} {{\n{common}{indent}}}\n"
        ),
        preflight: format!(
            "{indent}# Preflights: answered here with 204, before the backend.\n\
             {indent}handle @cors_preflight{suffix} {{\n{indent}\theader {{\n{preflight}{indent}\t}}\n\
             {indent}\trespond 204\n{indent}}}\n"
        ),
    }
}

/// The backend, and the `Vary` every answer gets (both forms).
const TAIL: &str = "\treverse_proxy 127.0.0.1:8000 {
\t\t# Caddy alone sets CORS: drop the backend's own headers, if any.
\t\theader_down -Access-Control-*
\t}
}
";

/// Where the block goes (both forms).
const PLACE: &str = "The site block of the API in the Caddyfile (replace `api.example.com` and \
                     the `reverse_proxy` upstream with yours). The `header` lines set the \
                     headers at once, so Caddy's own error answers keep them; `header_down` \
                     removes the backend's copies. Check with `caddy validate`, then `caddy \
                     reload`.";

fn render(fix: &Norm) -> Snippet {
    let block = policy_block(fix, "", "\t");
    let code = format!(
        "api.example.com {{\n{}\n{}\theader +Vary Origin\n\n{}\n{TAIL}",
        block.matchers, block.headers, block.preflight
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "caddyfile",
        caveats: Vec::new(),
    }
}

/// One site block for a policy with routes: a `handle` per route, then one
/// for every other path. `handle` blocks are mutually exclusive; those with
/// a named matcher keep the file's order and the one without comes last, so
/// the first route whose path matches decides, as in `corsair.toml`.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let mut matchers = String::new();
    let mut handles = String::new();
    for (i, (path, fix)) in routes.iter().enumerate() {
        let block = policy_block(fix, &format!("_{i}"), "\t\t");
        matchers.push_str(&format!(
            "\t# Route {i}: {}\n\t@route_{i} path_regexp {}\n{}\n",
            crate::text::one_line(path),
            caddy(&crate::escape::path_regex(path)),
            block.matchers
        ));
        handles.push_str(&format!(
            "\t# {}\n\thandle @route_{i} {{\n{}\n{}\t}}\n\n",
            crate::text::one_line(path),
            block.headers,
            block.preflight
        ));
    }
    let block = policy_block(default, "", "\t\t");
    let code = format!(
        "api.example.com {{
\t# One policy per route: the first whose path matches decides (as in
\t# corsair.toml), else the default.
{matchers}\t# The default policy.
{}
{handles}\t# Every other path.
\thandle {{
{}
{}\t}}

\theader +Vary Origin

{TAIL}",
        block.matchers, block.headers, block.preflight
    );
    Snippet {
        place: PLACE.into(),
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
