//! Cloudflare Workers: a fetch handler that answers preflights and wraps
//! every response, errors included.

use crate::fix::Norm;
use crate::nextjs::{origin_set, origin_test, HandHeaders, OriginNames};
use crate::notes::Knobs;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`ALLOWED_ORIGINS`",
        ..Knobs::BY_HAND
    },
};

/// The Worker's names: module-level constants.
const NAMES: OriginNames = OriginNames {
    set: "ALLOWED_ORIGINS",
    patterns: "ALLOWED_PATTERNS",
};

fn render(fix: &Norm) -> Snippet {
    let h = HandHeaders::new(fix);
    let common = HandHeaders::lines(&h.common, "    ", "headers", ";");
    let preflight = HandHeaders::lines(&h.preflight, "      ", "headers", ";");
    let actual = HandHeaders::lines(&h.actual, "      ", "headers", ";");
    let branches = if actual.is_empty() {
        format!("    if (preflight) {{\n{preflight}    }}\n")
    } else {
        format!("    if (preflight) {{\n{preflight}    }} else {{\n{actual}    }}\n")
    };
    let code = format!(
        "// src/index.ts
{ASSETS}{}

/** Sets the CORS headers on `headers` when `origin` is allowed. */
function cors(headers: Headers, origin: string | null, preflight: boolean): void {{
  headers.append('Vary', 'Origin');
  if (origin !== null && {}) {{
    headers.set('Access-Control-Allow-Origin', origin);
{common}{branches}  }}
}}

{}",
        origin_set(fix, &NAMES, ";"),
        if fix.patterns.is_empty() {
            origin_test(fix, &NAMES, "origin")
        } else {
            format!("({})", origin_test(fix, &NAMES, "origin"))
        },
        wrapper("", fix.local_network)
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "ts",
        caveats: Vec::new(),
    }
}

/// The fetch handler that calls `cors()` on every response, and the
/// user's `handle` it wraps; `cors()`'s arguments before `origin` go where
/// `@ARGS@` is.
const WRAPPER: &str = "export default {
  async fetch(request, env, ctx): Promise<Response> {
    const origin = request.headers.get('Origin');

    // Preflight: answered here, before routing and auth.
    if (request.method === 'OPTIONS' && request.headers.has('Access-Control-Request-Method')) {
      const headers = new Headers();
      cors(headers, @ARGS@origin, true);@LNA@
      return new Response(null, { status: 204, headers });
    }

    let response: Response;
    try {
      response = await handle(request, env, ctx);
    } catch (err) {
      console.error(err);
      response = Response.json({ error: 'Internal Server Error' }, { status: 500 });
    }
    // Copy: responses from fetch() have immutable headers.
    response = new Response(response.body, response);
    // The Worker alone sets CORS: drop the origin server's own headers, if any.
    for (const name of [...response.headers.keys()]) {
      if (name.startsWith('access-control-')) response.headers.delete(name);
    }
    cors(response.headers, @ARGS@origin, false);
    return response;
  },
} satisfies ExportedHandler<Env>;

/** Your existing handler (router, auth, fetch to the origin, ...). */
async function handle(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  return fetch(request);
}
";

/// [`WRAPPER`] with `args` before `origin` in each `cors()` call, and the
/// local network grant when `local_network`.
fn wrapper(args: &str, local_network: bool) -> String {
    let lna = if local_network {
        "\n      // Local network access, for the pages that ask for it.\n      \
         if (headers.has('Access-Control-Allow-Origin') &&\n          \
         request.headers.get('Access-Control-Request-Private-Network') === 'true') {\n        \
         headers.set('Access-Control-Allow-Private-Network', 'true');\n      }"
    } else {
        ""
    };
    WRAPPER.replace("@ARGS@", args).replace("@LNA@", lna)
}

/// Static assets are served before the Worker runs, so without its headers.
const ASSETS: &str =
    "// With static assets ([assets] in the Wrangler config), a request whose path is a file
// is answered before this Worker runs, without these headers: set run_worker_first
// (true, or the paths that need CORS) there.
";

/// Where the entry module goes (both forms).
const PLACE: &str = "The Worker's entry module (src/index.ts): rename your current `fetch` \
                     handler to `handle` and let this one wrap it, so every response, thrown \
                     errors included, gets the headers. `Env` is the type `wrangler types` \
                     generates.";

/// One entry module for a policy with routes: the first route whose path
/// matches decides, as in `corsair.toml`, else the default.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let code = format!(
        "// src/index.ts
{ASSETS}{}
/** Sets the CORS headers on `headers` when `origin` is allowed on `url`'s path. */
function cors(headers: Headers, url: string, origin: string | null, preflight: boolean): void {{
  headers.append('Vary', 'Origin');
  const policy = corsPolicy(new URL(url).pathname);
  if (origin !== null && ({})) {{
    headers.set('Access-Control-Allow-Origin', origin);
{}    if (preflight) {{
{}    }} else {{
{}    }}
  }}
}}

{}",
        crate::hand_routes::table(default, routes, ";"),
        crate::hand_routes::allows("policy", "origin"),
        crate::hand_routes::credentials_line("policy", "headers", "    ", ";"),
        crate::hand_routes::preflight_lines("policy", "headers", "      ", ";"),
        crate::hand_routes::actual_lines("policy", "headers", "      ", ";"),
        wrapper("request.url, ", false),
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "ts",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "The preflight is answered before `handle` runs, so auth inside it never sees the \
             credential-less OPTIONS."
        }
        Slug::ErrorResponseWithoutCors => {
            "Every response goes through `cors()`, including the 500 built when `handle` \
             throws; an uncaught exception would otherwise end as Cloudflare's error page \
             without the headers."
        }
        Slug::PreflightNotHandled => {
            "Workers have no CORS of their own: the `OPTIONS` branch above is the preflight \
             answer (204 with the headers)."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "The Worker drops the `Access-Control-*` headers the origin server sends and sets \
             its own, so one layer owns CORS; remove CORS from the origin server too, so its \
             policy cannot drift from this one."
        }
        Slug::MissingVaryOrigin => {
            "`cors()` appends `Vary: Origin` to every response for browsers and other caches; \
             Cloudflare's own cache ignores `Vary`, which is fine here since the Worker adds \
             the headers per request, after the cache."
        }
        Slug::StrippedByProxy => {
            "A Transform Rule or a cached response without the headers can hide them: the \
             Worker adds them after the cache, on every response it returns."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
