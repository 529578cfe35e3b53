//! Next.js (app router): a proxy (formerly middleware) that answers
//! preflights and sets the headers for an allowlist.

use crate::escape::js;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::{comma, quoted, ListStyle};
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`allowedOrigins`",
        ..Knobs::BY_HAND
    },
};

/// `headers.set('Name', 'value')` lines, for JavaScript snippets that build
/// the CORS headers by hand (Next.js, Workers).
pub(crate) struct HandHeaders {
    /// On every response to an allowed origin (preflights included).
    pub common: Vec<(String, String)>,
    /// On preflights only.
    pub preflight: Vec<(String, String)>,
    /// On actual responses only.
    pub actual: Vec<(String, String)>,
}

impl HandHeaders {
    pub(crate) fn new(fix: &Norm) -> HandHeaders {
        let mut common = Vec::new();
        if fix.credentials {
            common.push((
                "Access-Control-Allow-Credentials".to_owned(),
                "true".to_owned(),
            ));
        }
        let mut preflight = vec![(
            "Access-Control-Allow-Methods".to_owned(),
            comma(&fix.methods),
        )];
        if !fix.request_headers.is_empty() {
            preflight.push((
                "Access-Control-Allow-Headers".to_owned(),
                comma(&fix.request_headers),
            ));
        }
        preflight.push((
            "Access-Control-Max-Age".to_owned(),
            fix.max_age_or_default().to_string(),
        ));
        let mut actual = Vec::new();
        if !fix.expose_headers.is_empty() {
            actual.push((
                "Access-Control-Expose-Headers".to_owned(),
                comma(&fix.expose_headers),
            ));
        }
        HandHeaders {
            common,
            preflight,
            actual,
        }
    }

    /// `{indent}{target}.set('k', 'v')` lines, with an optional statement end.
    pub(crate) fn lines(
        headers: &[(String, String)],
        indent: &str,
        target: &str,
        end: &str,
    ) -> String {
        headers
            .iter()
            .map(|(k, v)| format!("{indent}{target}.set({}, {}){end}\n", js(k), js(v)))
            .collect()
    }
}

/// The names a hand-written JavaScript allow-list is declared under.
pub(crate) struct OriginNames {
    /// The `Set` of exact origins.
    pub set: &'static str,
    /// The array of anchored `RegExp`s, one per origin pattern.
    pub patterns: &'static str,
}

/// `const {set} = new Set([...])`, and, when the policy has origin
/// patterns, `const {patterns} = [new RegExp('^…$'), …]` on the next line.
pub(crate) fn origin_set(fix: &Norm, names: &OriginNames, end: &str) -> String {
    let lead = format!("const {} = new Set(", names.set).len();
    let mut out = format!(
        "const {} = new Set({}){end}",
        names.set,
        ListStyle::JS.fit(&quoted(&fix.origins, js), "", lead, 1 + end.len())
    );
    if !fix.patterns.is_empty() {
        let regexes: Vec<String> = fix
            .patterns
            .iter()
            .map(|p| format!("new RegExp({})", js(&p.regex)))
            .collect();
        let lead = format!("const {} = ", names.patterns).len();
        out.push_str(&format!(
            "\n// Origin patterns, anchored: `*.` is one or more labels, `:*` any port or none.\nconst {} = {}{end}",
            names.patterns,
            ListStyle::JS.fit(&regexes, "", lead, end.len())
        ));
    }
    out
}

/// The JavaScript expression that is true when `origin` (a string) is
/// allowed.
pub(crate) fn origin_test(fix: &Norm, names: &OriginNames, origin: &str) -> String {
    if fix.patterns.is_empty() {
        format!("{}.has({origin})", names.set)
    } else {
        format!(
            "{}.has({origin}) || {}.some((p) => p.test({origin}))",
            names.set, names.patterns
        )
    }
}

/// Next.js's names.
const NAMES: OriginNames = OriginNames {
    set: "allowedOrigins",
    patterns: "allowedPatterns",
};

/// The parts of the proxy that differ between the two forms.
struct Proxy<'a> {
    /// What comes before the function (the allow-list or the route table).
    head: &'a str,
    /// Lines at the top of the function (picking the route's policy).
    setup: &'a str,
    /// The expression deciding whether `origin` is allowed.
    allowed: &'a str,
    /// The preflight's headers, after Allow-Origin.
    preflight: &'a str,
    /// The actual response's headers, after Allow-Origin.
    actual: &'a str,
}

/// The whole proxy file.
fn proxy(p: &Proxy<'_>) -> Snippet {
    let code = format!(
        "// proxy.ts (Next.js 16+). On Next.js 15 and older: middleware.ts, and name the
// function `middleware`.
import {{ NextResponse, type NextRequest }} from 'next/server'

{}

export function proxy(request: NextRequest) {{
{}  const origin = request.headers.get('origin') ?? ''
  const allowed = {}

  // Preflight: answered here, before any route handler or auth check.
  if (
    request.method === 'OPTIONS' &&
    request.headers.has('access-control-request-method')
  ) {{
    const headers = new Headers({{ Vary: 'Origin' }})
    if (allowed) {{
      headers.set('Access-Control-Allow-Origin', origin)
{}    }}
    return new NextResponse(null, {{ status: 204, headers }})
  }}

  const response = NextResponse.next()
  response.headers.append('Vary', 'Origin')
  if (allowed) {{
    response.headers.set('Access-Control-Allow-Origin', origin)
{}  }}
  return response
}}

export const config = {{
  matcher: '/api/:path*',
}}
",
        p.head, p.setup, p.allowed, p.preflight, p.actual
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "ts",
        caveats: Vec::new(),
    }
}

fn render(fix: &Norm) -> Snippet {
    let h = HandHeaders::new(fix);
    let mut preflight = HandHeaders::lines(&h.common, "      ", "headers", "");
    preflight.push_str(&HandHeaders::lines(&h.preflight, "      ", "headers", ""));
    if fix.local_network {
        preflight.push_str(
            "      // Local network access, for the pages that ask for it.\n\
             \x20     if (request.headers.get('access-control-request-private-network') === 'true') {\n\
             \x20       headers.set('Access-Control-Allow-Private-Network', 'true')\n\
             \x20     }\n",
        );
    }
    let mut actual = HandHeaders::lines(&h.common, "    ", "response.headers", "");
    actual.push_str(&HandHeaders::lines(
        &h.actual,
        "    ",
        "response.headers",
        "",
    ));
    proxy(&Proxy {
        head: &origin_set(fix, &NAMES, ""),
        setup: "",
        allowed: &origin_test(fix, &NAMES, "origin"),
        preflight: &preflight,
        actual: &actual,
    })
}

/// Where the proxy goes (both forms).
const PLACE: &str = "proxy.ts at the project root (or in src/), next to app/ (Next.js 16+); on \
                     Next.js 15 and older the file is middleware.ts and the function \
                     `middleware`. Adjust `matcher` to the API paths.";

/// One proxy for a policy with routes: the first route whose path matches
/// decides, as in `corsair.toml`, else the default.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    use crate::hand_routes::{actual_lines, allows, credentials_line, preflight_lines, table};
    let table = table(default, routes, "");
    proxy(&Proxy {
        head: table.trim_end(),
        setup: "  const policy = corsPolicy(request.nextUrl.pathname)\n",
        allowed: &allows("policy", "origin"),
        preflight: &(credentials_line("policy", "headers", "      ", "")
            + &preflight_lines("policy", "headers", "      ", "")),
        actual: &(credentials_line("policy", "response.headers", "    ", "")
            + &actual_lines("policy", "response.headers", "    ", "")),
    })
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Answer the preflight at the top of the proxy, before any auth check in it, and \
             never require a session for OPTIONS in route handlers."
        }
        Slug::ErrorResponseWithoutCors => {
            "Headers set on `NextResponse.next()` in the proxy are merged into the route \
             handler's response; so that errors surely keep them, catch them in the handler and \
             return `NextResponse.json({ error }, { status: 500 })` rather than letting Next \
             render its own 500."
        }
        Slug::PreflightNotHandled => {
            "A route handler that does not export `OPTIONS` gets Next's automatic OPTIONS answer \
             (an `Allow` header, no CORS headers); the proxy above answers every preflight under \
             `matcher` with the CORS headers before it."
        }
        Slug::WildcardWithCredentials | Slug::ReflectsAnyOrigin => {
            "Never pair `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: \
             true` in `next.config.js` `headers()` or `vercel.json`: static headers cannot check \
             the origin, which is why the proxy checks `allowedOrigins`."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove CORS headers from `next.config.js` `headers()`, \
             `vercel.json` and route handlers once the proxy sets them."
        }
        Slug::MissingVaryOrigin => {
            "The proxy appends `Vary: Origin` to every response under `matcher`, allowed origin \
             or not, so a CDN never serves one origin's answer to another."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
