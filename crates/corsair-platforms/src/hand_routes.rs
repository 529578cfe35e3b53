//! Per-route policies for the hand-written TypeScript snippets (Next.js,
//! Cloudflare Workers): each policy as a `CorsPolicy` object, a table of
//! route regexes, and the code that picks and applies one.

use crate::escape::js;
use crate::express::route_table_of;
use crate::fix::Norm;
use crate::text::{comma, quoted, ListStyle};

/// The policy object's type, and what each field holds.
const POLICY_TYPE: &str = "type CorsPolicy = {
  origins: Set<string> // compared whole
  patterns: RegExp[] // anchored: `*.` is one or more labels, `:*` any port or none
  credentials: boolean
  methods: string // Access-Control-Allow-Methods
  headers: string // Access-Control-Allow-Headers ('' for none)
  maxAge: string // Access-Control-Max-Age
  expose: string // Access-Control-Expose-Headers ('' for none)
}";

/// `fix` as a `CorsPolicy` literal; `inner` indents its closing brace.
fn policy_object(fix: &Norm, inner: &str, end: &str) -> String {
    let field = format!("{inner}  ");
    let origins = quoted(&fix.origins, js);
    let lead = field.len() + "origins: new Set(".len();
    let patterns: Vec<String> = fix
        .patterns
        .iter()
        .map(|p| format!("new RegExp({})", js(&p.regex)))
        .collect();
    let lines = [
        format!(
            "origins: new Set({}),",
            ListStyle::JS.fit(&origins, &field, lead, 2)
        ),
        format!(
            "patterns: {},",
            ListStyle::JS.fit(&patterns, &field, field.len() + 10, 1)
        ),
        format!("credentials: {},", fix.credentials),
        format!("methods: {},", js(&comma(&fix.methods))),
        format!("headers: {},", js(&comma(&fix.request_headers))),
        format!("maxAge: {},", js(&fix.max_age_or_default().to_string())),
        format!("expose: {},", js(&comma(&fix.expose_headers))),
    ];
    let body: Vec<String> = lines.iter().map(|l| format!("{field}{l}")).collect();
    format!("{{\n{}\n{inner}}}{end}", body.join("\n"))
}

/// The type, the route table and the default, as module-level constants
/// (`end`: the statement end, `;` or nothing).
pub(crate) fn table(default: &Norm, routes: &[(String, Norm)], end: &str) -> String {
    let (route_lines, default_object) = route_table_of(default, routes, "", &|fix, inner| {
        policy_object(fix, inner, "")
    });
    format!(
        "{POLICY_TYPE}{end}\n\n\
         // One policy per route: the first whose path matches decides (as in\n\
         // corsair.toml), else the default.\n\
         const corsRoutes: [RegExp, CorsPolicy][] = [\n{route_lines}]{end}\n\
         const corsDefault: CorsPolicy = {default_object}{end}\n\n\
         /** The policy of the request path `path`. */\n\
         function corsPolicy(path: string): CorsPolicy {{\n  \
         return corsRoutes.find(([route]) => route.test(path))?.[1] ?? corsDefault{end}\n}}\n"
    )
}

/// The expression that is true when `origin` is allowed by `policy`.
pub(crate) fn allows(policy: &str, origin: &str) -> String {
    format!("{policy}.origins.has({origin}) || {policy}.patterns.some((p) => p.test({origin}))")
}

/// The statement allowing credentials when `policy` does, on `target` (a
/// `Headers`), indented by `indent`: preflights and actual responses alike.
pub(crate) fn credentials_line(policy: &str, target: &str, indent: &str, end: &str) -> String {
    format!("{indent}if ({policy}.credentials) {target}.set('Access-Control-Allow-Credentials', 'true'){end}\n")
}

/// The statements setting the preflight's own headers from `policy`.
pub(crate) fn preflight_lines(policy: &str, target: &str, indent: &str, end: &str) -> String {
    format!(
        "{indent}{target}.set('Access-Control-Allow-Methods', {policy}.methods){end}\n\
         {indent}if ({policy}.headers) {target}.set('Access-Control-Allow-Headers', {policy}.headers){end}\n\
         {indent}{target}.set('Access-Control-Max-Age', {policy}.maxAge){end}\n"
    )
}

/// The statement setting an actual response's own header from `policy`.
pub(crate) fn actual_lines(policy: &str, target: &str, indent: &str, end: &str) -> String {
    format!(
        "{indent}if ({policy}.expose) {target}.set('Access-Control-Expose-Headers', {policy}.expose){end}\n"
    )
}
