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

fn render(fix: &Norm) -> Snippet {
    let (prod, dev) = fix.dev_origins();
    let mut table = String::from("[cors]\n");
    table.push_str(&format!("origins = {}\n", list(&prod)));
    if fix.credentials {
        table.push_str("credentials = true\n");
    }
    let (methods, lower) = fix.upper_case_methods();
    if !methods.is_empty() {
        table.push_str(&format!("methods = {}\n", list(&methods)));
    }
    if !fix.request_headers.is_empty() {
        table.push_str(&format!(
            "request-headers = {}\n",
            list(&fix.request_headers)
        ));
    }
    if !fix.expose_headers.is_empty() {
        table.push_str(&format!("expose-headers = {}\n", list(&fix.expose_headers)));
    }
    if let Some(age) = fix.max_age {
        table.push_str(&format!("max-age = {age}\n"));
    }
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
        place: "corsair.toml next to the service, then `corsair serve --upstream \
                http://127.0.0.1:8000 --config corsair.toml` in front of it (the upstream's \
                address; `--listen` sets the public one, 127.0.0.1:8080 by default). The \
                gateway answers preflights and owns every CORS header; remove CORS from the \
                upstream."
            .into(),
        code: format!("{header}{table}"),
        language: "toml",
        caveats: lower_case_methods(
            "A Corsair policy refuses lower-case method names (`method-case`)",
            &lower,
        )
        .into_iter()
        .collect(),
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
