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
    // rs/cors allows every origin when `AllowedOrigins` is empty, and
    // ignores it once `AllowOriginFunc` is set: with patterns, or with no
    // origin at all, the function decides alone.
    let by_func = !fix.patterns.is_empty() || fix.origins.is_empty();
    let mut fields: Vec<(&str, String)> = if by_func {
        vec![("AllowOriginFunc", "allowOrigin".into())]
    } else {
        vec![("AllowedOrigins", slice(&fix.origins))]
    };
    fields.push(("AllowedMethods", slice(&fix.methods)));
    // rs/cors rebuilds the names a preflight asks for itself (keeping only
    // letters, digits, `-` and `_`, capitalised after each `-` and `_`) and
    // compares them with Go's canonical form of its list: a name with `.`
    // or `_` never matches (seen with v1.7, Debian 12's).
    let (headers, unmatched): (Vec<String>, Vec<String>) = fix
        .request_headers
        .iter()
        .cloned()
        .partition(|h| !h.contains(['.', '_']));
    // An empty list means Accept, Content-Type and X-Requested-With to
    // rs/cors; `Origin`, which it always adds and pages cannot set, allows
    // none.
    let no_headers = headers.is_empty();
    if no_headers {
        fields.push(("AllowedHeaders", slice(&["Origin".to_owned()])));
    } else {
        fields.push(("AllowedHeaders", slice(&headers)));
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
    let func = if by_func {
        origin_func(fix)
    } else {
        String::new()
    };
    let regexp = if fix.patterns.is_empty() {
        ""
    } else {
        "\t\"regexp\"\n"
    };
    let code = format!(
        "package main

import (
\t\"log\"
\t\"net/http\"
{regexp}
\t\"github.com/rs/cors\"
)

func main() {{
\tmux := http.NewServeMux()
\t// mux.Handle(\"/api/\", requireAuth(apiHandler))

{}\tc := cors.New(cors.Options{{
{}
\t}})

\t// c.Handler wraps everything, auth included: preflights never reach auth,
\t// and error responses get the headers too.
\tlog.Fatal(http.ListenAndServe(\":8080\", c.Handler(mux)))
}}
{func}",
        if no_headers {
            "\t// AllowedHeaders: an empty list would allow Accept, Content-Type and\n\
             \t// X-Requested-With; Origin, which pages cannot set, allows none.\n"
        } else {
            ""
        },
        lines.join("\n")
    );
    let mut caveats: Vec<String> = unmatched
        .iter()
        .map(|h| {
            format!(
                "`{h}` is left out: rs/cors rewrites the header names a preflight asks for \
                 (it drops `.` and capitalises after `_`) and never matches a name with `.` or \
                 `_`; rename the header, or answer its preflights in your own handler."
            )
        })
        .collect();
    caveats.extend(lower_case_methods(
        "rs/cors upper-cases the methods it allows",
        &fix.upper_case_methods().1,
    ));
    Snippet {
        place: "Where the server is started (`go get github.com/rs/cors`): `c.Handler` must wrap \
                the whole handler, outside any auth middleware."
            .into(),
        code,
        language: "go",
        caveats,
    }
}

/// A regex as a Go raw string (no escape to double), or quoted when it
/// holds a backquote.
fn go_regex(re: &str) -> String {
    if re.contains('`') {
        dq(re)
    } else {
        format!("`{re}`")
    }
}

/// `allowOrigin` and the lists it reads: exact origins compared whole,
/// patterns as anchored RE2 expressions.
fn origin_func(fix: &Norm) -> String {
    let mut out = String::from("\n// allowedOrigins are compared whole, as browsers send them.\nvar allowedOrigins = []string{\n");
    for o in &fix.origins {
        out.push_str(&format!("\t{},\n", dq(o)));
    }
    out.push_str("}\n");
    if !fix.patterns.is_empty() {
        out.push_str("\n// allowedPatterns: `*.` is one or more labels, `:*` any port or none.\nvar allowedPatterns = []*regexp.Regexp{\n");
        for p in &fix.patterns {
            out.push_str(&format!("\tregexp.MustCompile({}),\n", go_regex(&p.regex)));
        }
        out.push_str("}\n");
    }
    out.push_str("\n// allowOrigin reports whether pages on origin may read the responses.\nfunc allowOrigin(origin string) bool {\n\tfor _, o := range allowedOrigins {\n\t\tif o == origin {\n\t\t\treturn true\n\t\t}\n\t}\n");
    if !fix.patterns.is_empty() {
        out.push_str("\tfor _, p := range allowedPatterns {\n\t\tif p.MatchString(origin) {\n\t\t\treturn true\n\t\t}\n\t}\n");
    }
    out.push_str("\treturn false\n}\n");
    out
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
