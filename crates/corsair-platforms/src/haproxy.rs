//! HAProxy (2.2 or later): an anchored-regex ACL on the Origin, preflights
//! answered by `http-request return`, and `http-after-response` for the
//! headers of every answer, HAProxy's own errors included.

use crate::escape::{anchored_regex, haproxy_regex};
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

/// One policy's rules: its origin ACL (named `cors_origin{suffix}`), its
/// preflight answer and its response headers, each rule also under
/// `only` (an ACL name, or empty).
struct PolicyRules {
    acl: String,
    preflight: String,
    after: String,
}

fn policy_rules(fix: &Norm, suffix: &str, only: &str) -> PolicyRules {
    // One ACL line per origin (lines of one ACL are OR'ed). Single quotes:
    // HAProxy reads what they hold as it is, backslashes included.
    let acl: String = fix
        .origins
        .iter()
        .map(|o| anchored_regex(o))
        .chain(fix.patterns.iter().map(|p| p.regex.clone()))
        .map(|re| {
            format!(
                "    acl cors_origin{suffix} var(txn.cors_origin) -m reg {}\n",
                haproxy_regex(&re)
            )
        })
        .collect();
    let when = if only.is_empty() {
        format!("cors_origin{suffix}")
    } else {
        format!("{only} cors_origin{suffix}")
    };
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
        " hdr Access-Control-Max-Age {} if cors_options cors_asks {when}\n",
        fix.max_age_or_default()
    ));
    let mut after = format!(
        "    http-after-response set-header Access-Control-Allow-Origin \"%[var(txn.cors_origin)]\" if {when}\n"
    );
    if fix.credentials {
        after.push_str(&format!(
            "    http-after-response set-header Access-Control-Allow-Credentials true if {when}\n"
        ));
    }
    if !fix.expose_headers.is_empty() {
        after.push_str(&format!(
            "    http-after-response set-header Access-Control-Expose-Headers {} if {when}\n",
            value(&comma(&fix.expose_headers))
        ));
    }
    PolicyRules {
        acl,
        preflight,
        after,
    }
}

/// The frontend around the rules, and the backend (both forms).
fn frontend(setup: &str, acl: &str, preflight: &str, after: &str) -> String {
    format!(
        "frontend api
    mode http
    bind :8080
    # ... timeouts, TLS and the rest as before

    # The Origin, kept for the answer (the request is gone by then).
    http-request set-var(txn.cors_origin) req.hdr(origin)
{setup}    # The allowlist: anchored regexes (^…$), dots escaped.
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
{after}    http-after-response add-header Vary Origin

    default_backend app

backend app
    mode http
    server app 127.0.0.1:8000
"
    )
}

/// Where the frontend goes (both forms).
const PLACE: &str = "The `frontend` that serves the API in haproxy.cfg (HAProxy 2.2 or later \
                     for `http-request return` and `http-after-response`; replace the `bind` \
                     and the backend's `server` with yours). Check with `haproxy -c -f \
                     haproxy.cfg`.";

fn render(fix: &Norm) -> Snippet {
    let rules = policy_rules(fix, "", "");
    Snippet {
        place: PLACE.into(),
        code: frontend("", &rules.acl, &rules.preflight, &rules.after),
        language: "haproxy",
        caveats: Vec::new(),
    }
}

/// One frontend for a policy with routes: the request's route is kept in a
/// variable (the first route whose path matches, as in `corsair.toml`,
/// else the default), and each policy's rules apply under its route.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let mut setup = String::from(
        "    # The request's policy: the first route whose path matches, else the\n    \
         # default (kept for the answer, like the Origin).\n",
    );
    let (mut acl, mut preflight, mut after) = (String::new(), String::new(), String::new());
    let policies = routes
        .iter()
        .enumerate()
        .map(|(i, (path, fix))| (format!("{i}"), Some(path.as_str()), fix))
        .chain(std::iter::once(("default".to_owned(), None, default)));
    for (name, path, fix) in policies {
        match path {
            Some(path) => setup.push_str(&format!(
                "    # {}\n    http-request set-var(txn.cors_route) str({name}) if !{{ var(txn.cors_route) -m found }} {{ path -m reg {} }}\n",
                crate::text::one_line(path),
                haproxy_regex(&crate::escape::path_regex(path))
            )),
            None => setup.push_str(&format!(
                "    http-request set-var(txn.cors_route) str({name}) if !{{ var(txn.cors_route) -m found }}\n"
            )),
        }
        acl.push_str(&format!(
            "    acl cors_route_{name} var(txn.cors_route) -m str {name}\n"
        ));
        let rules = policy_rules(fix, &format!("_{name}"), &format!("cors_route_{name}"));
        acl.push_str(&rules.acl);
        preflight.push_str(&rules.preflight);
        after.push_str(&rules.after);
    }
    Snippet {
        place: PLACE.into(),
        code: frontend(&setup, &acl, &preflight, &after),
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
