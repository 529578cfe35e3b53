//! HAProxy (2.2 or later): an anchored-regex ACL on the Origin, preflights
//! answered by `http-request return`, and `http-after-response` for the
//! headers of every answer, HAProxy's own errors included.

use crate::escape::anchored_regex;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::comma;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "the `acl cors_origin` lines",
        reflect: "set `Access-Control-Allow-Origin` from `%[req.hdr(origin)]` without the \
                  `cors_origin` ACL",
        ..Knobs::BY_HAND
    },
};

/// A header value for an HAProxy rule: double-quoted (values here are
/// tokens, commas and spaces: no `"`, `\\` or `%` to escape).
fn value(s: &str) -> String {
    format!("\"{s}\"")
}

fn render(fix: &Norm) -> Snippet {
    // One ACL line per origin (lines of one ACL are OR'ed). Single quotes:
    // HAProxy reads what they hold as it is, backslashes included.
    let acl: String = fix
        .origins
        .iter()
        .map(|o| anchored_regex(o))
        .chain(fix.patterns.iter().map(|p| p.regex.clone()))
        .map(|re| format!("    acl cors_origin var(txn.cors_origin) -m reg '{re}'\n"))
        .collect();
    let mut preflight = format!(
        "    http-request return status 204 hdr Access-Control-Allow-Methods {}",
        value(&comma(&fix.methods))
    );
    if !fix.request_headers.is_empty() {
        preflight.push_str(&format!(
            " hdr Access-Control-Allow-Headers {}",
            value(&comma(&fix.request_headers))
        ));
    }
    preflight.push_str(&format!(
        " hdr Access-Control-Max-Age {} if cors_options cors_asks cors_origin\n",
        fix.max_age_or_default()
    ));
    let mut after = String::from(
        "    http-after-response set-header Access-Control-Allow-Origin \"%[var(txn.cors_origin)]\" if cors_origin\n",
    );
    if fix.credentials {
        after.push_str(
            "    http-after-response set-header Access-Control-Allow-Credentials true if cors_origin\n",
        );
    }
    if !fix.expose_headers.is_empty() {
        after.push_str(&format!(
            "    http-after-response set-header Access-Control-Expose-Headers {} if cors_origin\n",
            value(&comma(&fix.expose_headers))
        ));
    }
    after.push_str("    http-after-response add-header Vary Origin\n");
    let code = format!(
        "frontend api
    mode http
    bind :8080
    # ... timeouts, TLS and the rest as before

    # The Origin, kept for the answer (the request is gone by then).
    http-request set-var(txn.cors_origin) req.hdr(origin)
    # The allowlist: anchored regexes (^…$), dots escaped.
{acl}    # A preflight: OPTIONS with Access-Control-Request-Method.
    acl cors_options method OPTIONS
    acl cors_asks req.hdr(access-control-request-method) -m found

    # Preflights from an allowed origin: answered here with 204, before the
    # backend and any auth rule.
{preflight}
    # HAProxy alone sets CORS: drop the backend's own headers, if any.
    http-response del-header Access-Control-Allow-Origin
    http-response del-header Access-Control-Allow-Credentials
    http-response del-header Access-Control-Allow-Methods
    http-response del-header Access-Control-Allow-Headers
    http-response del-header Access-Control-Expose-Headers
    http-response del-header Access-Control-Max-Age

    # Every answer to an allowed origin, HAProxy's own errors and the 204
    # above included.
{after}
    default_backend app

backend app
    mode http
    server app 127.0.0.1:8000
"
    );
    Snippet {
        place: "The `frontend` that serves the API in haproxy.cfg (HAProxy 2.2 or later for \
                `http-request return` and `http-after-response`; replace the `bind` and the \
                backend's `server` with yours). Check with `haproxy -c -f haproxy.cfg`."
            .into(),
        code,
        language: "haproxy",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Put the `http-request return` of the preflight before any `http-request auth` or \
             `http-request deny` rule: HAProxy runs `http-request` rules in order."
        }
        Slug::ErrorResponseWithoutCors => {
            "`http-after-response` also runs on HAProxy's own answers (503 with no server, \
             `deny`, `return`), which `http-response` rules never see."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "The `http-response del-header` lines drop the backend's own CORS headers so only \
             HAProxy's reach the browser; or keep the backend's CORS and delete the rules here, \
             never both."
        }
        Slug::MissingVaryOrigin => {
            "`http-after-response add-header Vary Origin` adds `Vary: Origin` to every answer, \
             next to the backend's own `Vary`."
        }
        Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "`http-request return status 204 … if cors_options cors_asks cors_origin` answers \
             preflights in HAProxy; the backend never sees them."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
