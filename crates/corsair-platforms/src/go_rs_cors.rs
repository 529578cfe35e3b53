//! Go with github.com/rs/cors.

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
        origins: "`AllowedOrigins`",
        methods: "`AllowedMethods`",
        request_headers: "`AllowedHeaders`",
        expose_headers: "`ExposedHeaders`",
        credentials: "`AllowCredentials: true`",
        max_age: "`MaxAge`",
        reflect: "use an `AllowOriginFunc` that returns true for every origin",
    },
};

fn render(fix: &Norm) -> Snippet {
    let slice = |items: &[String]| format!("[]string{{{}}}", quoted(items, dq).join(", "));
    let mut fields: Vec<(&str, String)> = vec![
        ("AllowedOrigins", slice(&fix.origins)),
        ("AllowedMethods", slice(&fix.methods)),
    ];
    if !fix.request_headers.is_empty() {
        fields.push(("AllowedHeaders", slice(&fix.request_headers)));
    }
    if !fix.expose_headers.is_empty() {
        fields.push(("ExposedHeaders", slice(&fix.expose_headers)));
    }
    if fix.credentials {
        fields.push(("AllowCredentials", "true".into()));
    }
    if let Some(age) = fix.max_age {
        fields.push(("MaxAge", age.to_string()));
    }
    // gofmt aligns the values of consecutive key: value lines.
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\t\t{:<width$} {v},", format!("{k}:")))
        .collect();
    let code = format!(
        "package main

import (
\t\"log\"
\t\"net/http\"

\t\"github.com/rs/cors\"
)

func main() {{
\tmux := http.NewServeMux()
\t// mux.Handle(\"/api/\", requireAuth(apiHandler))

\tc := cors.New(cors.Options{{
{}
\t}})

\t// c.Handler wraps everything, auth included: preflights never reach auth,
\t// and error responses get the headers too.
\tlog.Fatal(http.ListenAndServe(\":8080\", c.Handler(mux)))
}}
",
        lines.join("\n")
    );
    let caveats: Vec<String> = lower_case_methods(
        "rs/cors upper-cases the methods it allows",
        &fix.upper_case_methods().1,
    )
    .into_iter()
    .collect();
    Snippet {
        place: "Where the server is started (`go get github.com/rs/cors`): `c.Handler` must wrap \
                the whole handler, outside any auth middleware."
            .into(),
        code,
        language: "go",
        caveats,
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Wrap the auth middleware with `c.Handler(...)`, not the other way round: rs/cors \
             answers the preflight (204) before auth can reject the credential-less OPTIONS."
        }
        Slug::ErrorResponseWithoutCors => {
            "rs/cors sets the headers before calling your handler, so its 4xx/5xx keep them, \
             as long as no router or middleware outside `c.Handler` answers first."
        }
        Slug::PreflightNotHandled => {
            "rs/cors answers OPTIONS preflights itself (204) unless `OptionsPassthrough` is \
             true; with a router such as chi or gorilla/mux, wrap the router, since a route \
             registered only for GET/POST answers OPTIONS 405."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove rs/cors if a gateway or nginx in front adds the \
             headers, or remove theirs; also drop `w.Header().Set(\"Access-Control-…\")` in \
             handlers."
        }
        Slug::MissingVaryOrigin => "rs/cors adds `Vary: Origin` itself.",
        _ => return None,
    };
    Some(note.to_owned())
}
