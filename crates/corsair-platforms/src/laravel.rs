//! Laravel's built-in CORS middleware and `config/cors.php`.

use crate::escape::single;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::quoted;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`allowed_origins`",
        methods: "`allowed_methods`",
        request_headers: "`allowed_headers`",
        expose_headers: "`exposed_headers`",
        credentials: "`'supports_credentials' => true`",
        max_age: "`max_age`",
        reflect: "set `'allowed_origins' => ['*']` with `'supports_credentials' => true`, or an `allowed_origins_patterns` entry like `'#.*#'`, both of which echo any origin",
    },
};

fn render(fix: &Norm) -> Snippet {
    let array = |items: &[String]| format!("[{}]", quoted(items, single).join(", "));
    let code = format!(
        "<?php

// config/cors.php  (create it with: php artisan config:publish cors)

return [

    'paths' => ['api/*', 'sanctum/csrf-cookie'],

    'allowed_methods' => {},

    'allowed_origins' => {},

    'allowed_origins_patterns' => [],

    'allowed_headers' => {},

    'exposed_headers' => {},

    'max_age' => {},

    'supports_credentials' => {},

];
",
        array(&fix.methods),
        array(&fix.origins),
        array(&fix.request_headers),
        array(&fix.expose_headers),
        fix.max_age.unwrap_or(0),
        fix.credentials,
    );
    Snippet {
        place: "config/cors.php (Laravel 11+: `php artisan config:publish cors`; older versions \
                ship it). The `HandleCors` middleware is global by default; `paths` must cover \
                every route the page calls. Run `php artisan config:clear` after editing."
            .into(),
        code,
        language: "php",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "`HandleCors` is global middleware: it answers the preflight before route middleware \
             such as `auth:sanctum` runs; keep it global (in `bootstrap/app.php`, not only on a \
             route group)."
        }
        Slug::ErrorResponseWithoutCors => {
            "Laravel's exception handler renders errors inside the global middleware, so 4xx/5xx \
             for paths in `paths` keep the headers; a PHP fatal error or a 502 from php-fpm or \
             nginx has none."
        }
        Slug::PreflightNotHandled | Slug::MissingAllowOrigin => {
            "Only URLs matching `paths` get CORS: add every prefix the page calls (`'api/*'`, \
             `'sanctum/csrf-cookie'`, `'login'`, …)."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove `fruitcake/laravel-cors` or any custom CORS middleware \
             next to the built-in `HandleCors`, and headers added by nginx in front."
        }
        Slug::MissingVaryOrigin => {
            "`HandleCors` adds `Vary: Origin` when it picks the origin from a list."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
