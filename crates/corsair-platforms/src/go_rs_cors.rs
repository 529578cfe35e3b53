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

/// A Go `[]string` literal.
fn slice(items: &[String]) -> String {
    format!("[]string{{{}}}", quoted(items, dq).join(", "))
}

/// One policy's `cors.Options` fields, one line each at `indent`, aligned
/// as gofmt aligns them; `origin_func` replaces `AllowedOrigins` when
/// given. Also: whether the header list is the `Origin` stand-in (an
/// empty list), and what the policy loses on rs/cors.
struct Fields {
    lines: String,
    no_headers: bool,
    caveats: Vec<String>,
}

fn fields(fix: &Norm, origin_func: Option<&str>, indent: &str) -> Fields {
    let mut fields: Vec<(&str, String)> = match origin_func {
        Some(func) => vec![("AllowOriginFunc", func.to_owned())],
        None => vec![("AllowedOrigins", slice(&fix.origins))],
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
        .map(|(k, v)| format!("{indent}{:<width$} {v},", format!("{k}:")))
        .collect();
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
    Fields {
        lines: lines.join("\n"),
        no_headers,
        caveats,
    }
}

/// The comment explaining the `Origin` stand-in, at `indent`.
fn no_headers_comment(indent: &str) -> String {
    format!(
        "{indent}// AllowedHeaders: an empty list would allow Accept, Content-Type and\n\
         {indent}// X-Requested-With; Origin, which pages cannot set, allows none.\n"
    )
}

/// The file's head: the package and its imports.
fn head(regexp: bool) -> String {
    format!(
        "package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n{}\n\t\"github.com/rs/cors\"\n)\n",
        if regexp { "\t\"regexp\"\n" } else { "" }
    )
}

/// The type deciding origins for `AllowOriginFunc`, and its method.
const ORIGIN_SET: &str =
    "// originSet is one policy's origins: exact ones compared whole, patterns\n\
// anchored (`*.` is one or more labels, `:*` any port or none).\n\
type originSet struct {\n\
\texact    []string\n\
\tpatterns []*regexp.Regexp\n\
}\n\
\n\
// allows reports whether pages on origin may read the responses.\n\
func (s originSet) allows(origin string) bool {\n\
\tfor _, o := range s.exact {\n\
\t\tif o == origin {\n\
\t\t\treturn true\n\
\t\t}\n\
\t}\n\
\tfor _, p := range s.patterns {\n\
\t\tif p.MatchString(origin) {\n\
\t\t\treturn true\n\
\t\t}\n\
\t}\n\
\treturn false\n\
}\n\
";

/// Where the snippet goes (both forms).
const PLACE: &str = "Where the server is started (`go get github.com/rs/cors`): `c.Handler` must \
                     wrap the whole handler, outside any auth middleware.";

fn render(fix: &Norm) -> Snippet {
    // rs/cors allows every origin when `AllowedOrigins` is empty, and
    // ignores it once `AllowOriginFunc` is set: with patterns, or with no
    // origin at all, the function decides alone.
    let by_func = !fix.patterns.is_empty() || fix.origins.is_empty();
    let f = fields(fix, by_func.then_some("corsOrigins.allows"), "\t\t");
    let func = if by_func {
        format!("\n{ORIGIN_SET}\nvar corsOrigins = {}\n", origin_set(fix))
    } else {
        String::new()
    };
    let code = format!(
        "{}
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
        head(by_func),
        if f.no_headers {
            no_headers_comment("\t")
        } else {
            String::new()
        },
        f.lines
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "go",
        caveats: f.caveats,
    }
}

/// One server for a policy with routes: the first route whose path
/// matches decides, as in `corsair.toml`, else the default; each policy
/// is an rs/cors handler of its own around the same mux.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let mut handlers = String::new();
    let mut cases = String::new();
    let mut origin_sets = String::new();
    let mut caveats = Vec::new();
    let policies = routes
        .iter()
        .map(|(path, fix)| (Some(path.as_str()), fix))
        .chain(std::iter::once((None, default)));
    for (i, (path, fix)) in policies.enumerate() {
        let name = if path.is_some() {
            format!("route{i}")
        } else {
            "fallback".to_owned()
        };
        let f = fields(fix, Some(&format!("corsOrigins{i}.allows")), "\t\t");
        caveats.extend(f.caveats);
        if i > 0 {
            handlers.push('\n');
        }
        handlers.push_str(&match path {
            Some(path) => format!("\t// {}\n", crate::text::one_line(path)),
            None => "\t// Every other path.\n".to_owned(),
        });
        if f.no_headers {
            handlers.push_str(&no_headers_comment("\t"));
        }
        handlers.push_str(&format!(
            "\t{name} := cors.New(cors.Options{{\n{}\n\t}}).Handler(mux)\n",
            f.lines
        ));
        if path.is_some() {
            cases.push_str(&format!(
                "\t\tcase corsRoutes[{i}].MatchString(r.URL.Path):\n\t\t\t{name}.ServeHTTP(w, r)\n"
            ));
        }
        origin_sets.push_str(&format!("\nvar corsOrigins{i} = {}\n", origin_set(fix)));
    }
    let route_regexes: String = routes
        .iter()
        .map(|(path, _)| {
            format!(
                "\t// {}\n\tregexp.MustCompile({}),\n",
                crate::text::one_line(path),
                go_regex(&crate::escape::path_regex(path))
            )
        })
        .collect();
    let code = format!(
        "{}
func main() {{
\tmux := http.NewServeMux()
\t// mux.Handle(\"/api/\", requireAuth(apiHandler))

\t// One policy per route: the first whose path matches decides (as in
\t// corsair.toml), else the default. Each rs/cors handler wraps everything,
\t// auth included: preflights never reach auth, and error responses get the
\t// headers too.
{handlers}
\thandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {{
\t\tswitch {{
{cases}\t\tdefault:
\t\t\tfallback.ServeHTTP(w, r)
\t\t}}
\t}})

\tlog.Fatal(http.ListenAndServe(\":8080\", handler))
}}

// corsRoutes are the routes' paths, anchored, in the policy's order.
var corsRoutes = []*regexp.Regexp{{
{route_regexes}}}

{ORIGIN_SET}{origin_sets}",
        head(true),
    );
    Snippet {
        place: PLACE.into(),
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

/// An `originSet{…}` literal of `fix`'s origins (gofmt's form: a list
/// only when it has items).
fn origin_set(fix: &Norm) -> String {
    if fix.origins.is_empty() && fix.patterns.is_empty() {
        return "originSet{}".to_owned();
    }
    let mut out = String::from("originSet{\n");
    if !fix.origins.is_empty() {
        out.push_str("\texact: []string{\n");
        for o in &fix.origins {
            out.push_str(&format!("\t\t{},\n", dq(o)));
        }
        out.push_str("\t},\n");
    }
    if !fix.patterns.is_empty() {
        out.push_str("\tpatterns: []*regexp.Regexp{\n");
        for p in &fix.patterns {
            out.push_str(&format!(
                "\t\tregexp.MustCompile({}),\n",
                go_regex(&p.regex)
            ));
        }
        out.push_str("\t},\n");
    }
    out.push('}');
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
