//! NestJS (on Express): `app.enableCors(options)` in `main.ts`, before
//! `app.listen`; the options are the `cors` package's, as for Express.

use crate::fix::Norm;
use crate::notes::Knobs;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`origin` in `enableCors` (exact origins and anchored regexes)",
        methods: "`methods`",
        request_headers: "`allowedHeaders`",
        expose_headers: "`exposedHeaders`",
        credentials: "`credentials: true`",
        max_age: "`maxAge`",
        reflect: "call `app.enableCors()` without options, or with `origin: true`",
    },
};

fn render(fix: &Norm) -> Snippet {
    let options: Vec<String> = crate::express::options(fix)
        .into_iter()
        .map(|line| format!("  {line}"))
        .collect();
    let code = format!(
        "// main.ts
import {{ NestFactory }} from '@nestjs/core'
import {{ AppModule }} from './app.module'

async function bootstrap() {{
  const app = await NestFactory.create(AppModule)
  // Before listen: Nest mounts the cors package ahead of every route, guard
  // and pipe, so it answers preflights (204) before auth runs.
  app.enableCors({{
{}
  }})
  await app.listen(3000)
}}
bootstrap()
",
        options.join("\n")
    );
    Snippet {
        place: "`main.ts` (`src/main.ts` in a Nest CLI project): `app.enableCors(…)` right after \
                `NestFactory.create`, before `app.listen`. Nest's built-in `cors: true` option \
                of `create` allows every origin: use `enableCors` with the list instead."
            .into(),
        code,
        language: "ts",
        caveats: Vec::new(),
    }
}

/// One snippet for a policy with routes: `enableCors` with a function that
/// picks the first route whose path matches (as in `corsair.toml`), else
/// the default.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let (route_lines, default_object) = crate::express::route_table(default, routes, "  ");
    let code = format!(
        "// main.ts
import {{ NestFactory }} from '@nestjs/core'
import {{ AppModule }} from './app.module'

async function bootstrap() {{
  const app = await NestFactory.create(AppModule)
  // One policy per route: the first whose path matches decides (as in
  // corsair.toml), else the default. Before listen: Nest mounts the cors
  // package ahead of every route, guard and pipe.
  const corsRoutes = [
{route_lines}  ]
  const corsDefault = {default_object}
  app.enableCors((req, callback) => {{
    const route = corsRoutes.find(([path]) => path.test(req.path))
    callback(null, route ? route[1] : corsDefault)
  }})
  await app.listen(3000)
}}
bootstrap()
"
    );
    Snippet {
        place: "`main.ts` (`src/main.ts` in a Nest CLI project): `app.enableCors(…)` right after \
                `NestFactory.create`, before `app.listen`."
            .into(),
        code,
        language: "ts",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "`enableCors` runs before guards, so a global `AuthGuard` never sees the preflight; \
             a middleware applied with `consumer.apply(auth)` runs after it too."
        }
        Slug::ErrorResponseWithoutCors => {
            "Nest's exception filters answer after the cors middleware has set the headers, so \
             4xx/5xx from controllers and guards keep them."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: `enableCors` here, or the proxy in front, never both; and no \
             `res.header('Access-Control-…')` by hand."
        }
        Slug::MissingVaryOrigin => {
            "With a list or regexes in `origin`, the cors package adds `Vary: Origin` itself."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
