//! `corsair serve`: a `corsair.toml` policy in front of any upstream.

use crate::escape::dq;
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
        methods: "`methods` (beyond GET, HEAD, POST)",
        request_headers: "`request-headers`",
        expose_headers: "`expose-headers`",
        credentials: "`credentials = true`",
        max_age: "`max-age`",
        reflect: "allow `\"*\"` with credentials, which Corsair refuses anyway",
    },
};

/// A TOML list of strings.
fn list(items: &[String]) -> String {
    format!("[{}]", quoted(items, dq).join(", "))
}

/// The keys of one policy's table after its header (`origins` given by
/// the caller: production ones, or all), and the methods left out. A
/// route (`explicit`) writes every key, `local-network` too when the
/// default grants it (`default_local_network`), so it inherits none.
fn keys(
    fix: &Norm,
    origins: &[String],
    explicit: bool,
    default_local_network: bool,
) -> (String, Vec<String>) {
    let mut table = format!("origins = {}\n", list(origins));
    // A route's keys replace the default's one by one: a route writes each
    // of them, so that none is inherited.
    if fix.credentials || explicit {
        table.push_str(&format!("credentials = {}\n", fix.credentials));
    }
    let (methods, lower) = fix.upper_case_methods();
    if !methods.is_empty() || explicit {
        table.push_str(&format!("methods = {}\n", list(&methods)));
    }
    if !fix.request_headers.is_empty() || explicit {
        table.push_str(&format!(
            "request-headers = {}\n",
            list(&fix.request_headers)
        ));
    }
    if !fix.expose_headers.is_empty() || explicit {
        table.push_str(&format!("expose-headers = {}\n", list(&fix.expose_headers)));
    }
    if let Some(age) = fix.max_age {
        table.push_str(&format!("max-age = {age}\n"));
    }
    if fix.local_network || (explicit && default_local_network) {
        table.push_str(&format!("local-network = {}\n", fix.local_network));
    }
    (table, lower)
}

/// Where the file goes and how it runs (both forms).
const PLACE: &str = "corsair.toml next to the service, then `corsair serve --upstream \
                     http://127.0.0.1:8000 --config corsair.toml` in front of it (the upstream's \
                     address; `--listen` sets the public one, 127.0.0.1:8080 by default). The \
                     gateway answers preflights and owns every CORS header; remove CORS from the \
                     upstream.";

/// The methods a Corsair policy refuses, as a caveat.
fn lower_caveat(lower: &[String]) -> Option<String> {
    lower_case_methods(
        "A Corsair policy refuses lower-case method names (`method-case`)",
        lower,
    )
}

/// The policy file for a default policy and routes of their own
/// (`[[routes]]`, first match decides, as the file says itself).
pub(crate) fn policy_file(default: &Norm, routes: &[(String, Norm)]) -> (String, Vec<String>) {
    let (mut table, lower) = keys(default, &default.dev_origins().0, false, false);
    table.insert_str(0, "[cors]\n");
    let mut caveats: Vec<String> = lower_caveat(&lower).into_iter().collect();
    let (_, dev) = default.dev_origins();
    for (path, fix) in routes {
        let (prod, route_dev) = fix.dev_origins();
        for origin in route_dev {
            caveats.push(format!(
                "`{origin}` is left out of route `{path}`: loopback and plain-http origins are \
                 written for the default policy's development stage only."
            ));
        }
        let (keys, lower) = keys(fix, &prod, true, default.local_network);
        table.push_str(&format!("\n[[routes]]\npath = {}\n{keys}", dq(path)));
        caveats.extend(lower_caveat(&lower));
    }
    if !dev.is_empty() {
        table.push_str(&format!(
            "\n# Loopback and plain-http origins: refused by the production policy,\n\
             # allowed with --stage development (or CORSAIR_STAGE=development).\n\
             [stages.development]\nextra-origins = {}\n",
            list(&dev)
        ));
    }
    caveats.dedup();
    (table, caveats)
}

/// The gateway's file for a policy with routes.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let (table, caveats) = policy_file(default, routes);
    let mut snippet = render(default);
    // The single policy's header (how to lint and run it) stays true.
    let header: String = snippet
        .code
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    snippet.code = format!("{header}{table}");
    snippet.caveats = caveats;
    snippet
}

fn render(fix: &Norm) -> Snippet {
    let (prod, dev) = fix.dev_origins();
    let (mut table, lower) = keys(fix, &prod, false, false);
    table.insert_str(0, "[cors]\n");
    let serve = "corsair serve --upstream http://127.0.0.1:8000 --config corsair.toml";
    let header = if dev.is_empty() {
        format!(
            "# corsair.toml. Check it with `corsair lint corsair.toml`, then run it in front \
             of the API:\n#   {serve}\n"
        )
    } else {
        table.push_str(&format!(
            "\n# Loopback and plain-http origins: refused by the production policy,\n\
             # allowed with --stage development (or CORSAIR_STAGE=development).\n\
             [stages.development]\nextra-origins = {}\n",
            list(&dev)
        ));
        let (lint, run) = if prod.is_empty() {
            (
                "corsair lint corsair.toml --stage development",
                "# then run it in front of the API, in development (all its origins are local):\n"
                    .to_owned(),
            )
        } else {
            (
                "corsair lint corsair.toml",
                format!(
                    "# then run it in front of the API:\n#   {serve}\n\
                     # and, to allow the local origins too, in development:\n"
                ),
            )
        };
        format!(
            "# corsair.toml. Check it with `{lint}`,\n\
             {run}#   {serve} --stage development\n"
        )
    };
    Snippet {
        place: PLACE.into(),
        code: format!("{header}{table}"),
        language: "toml",
        caveats: lower_caveat(&lower).into_iter().collect(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "The gateway answers real preflights itself, so they never reach the upstream's \
             auth."
        }
        Slug::ErrorResponseWithoutCors => {
            "The gateway puts the headers on every answer to an allowed origin: the upstream's \
             4xx/5xx, and its own 502 (upstream down) and 504 (timeout)."
        }
        Slug::PreflightNotHandled => {
            "The gateway answers every real preflight (OPTIONS with `Origin` and \
             `Access-Control-Request-Method`) itself; other OPTIONS requests reach the upstream."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "The gateway replaces CORS headers the upstream sends and logs \
             `duplicate-cors-layer` once per route: remove CORS from the upstream so the policy \
             lives in one place."
        }
        Slug::MissingVaryOrigin => "The gateway merges `Vary: Origin` into the upstream's `Vary`.",
        Slug::LocalhostInProduction | Slug::HttpOriginInProduction => {
            "Move `http://localhost:…` origins to `[stages.development] extra-origins` and run \
             with `--stage development` locally, so production does not trust them."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
