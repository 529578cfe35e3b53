//! Django with django-cors-headers.

use crate::escape::dq;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::{quoted, ListStyle};
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`CORS_ALLOWED_ORIGINS`",
        methods: "`CORS_ALLOW_METHODS`",
        request_headers: "`CORS_ALLOW_HEADERS`",
        expose_headers: "`CORS_EXPOSE_HEADERS`",
        credentials: "`CORS_ALLOW_CREDENTIALS = True`",
        max_age: "`CORS_PREFLIGHT_MAX_AGE`",
        reflect: "set `CORS_ALLOW_ALL_ORIGINS = True` with credentials, or a \
                  `CORS_ALLOWED_ORIGIN_REGEXES` entry like `r\".*\"`",
    },
};

fn render(fix: &Norm) -> Snippet {
    let style = ListStyle::PYTHON;
    let mut settings = Vec::new();
    let mut list = |key: &str, items: &[String]| {
        let lead = key.len() + 3;
        settings.push(format!(
            "{key} = {}",
            style.fit(&quoted(items, dq), "", lead, 0)
        ));
    };
    list("CORS_ALLOWED_ORIGINS", &fix.origins);
    if !fix.patterns.is_empty() {
        let regexes: Vec<String> = fix.patterns.iter().map(|p| p.regex.clone()).collect();
        list("CORS_ALLOWED_ORIGIN_REGEXES", &regexes);
    }
    list("CORS_ALLOW_METHODS", &fix.methods);
    // Always written: django-cors-headers' default list allows
    // authorization and content-type, among others.
    {
        list("CORS_ALLOW_HEADERS", &fix.request_headers);
    }
    if !fix.expose_headers.is_empty() {
        list("CORS_EXPOSE_HEADERS", &fix.expose_headers);
    }
    if fix.credentials {
        settings.push("CORS_ALLOW_CREDENTIALS = True".into());
    }
    if let Some(age) = fix.max_age {
        settings.push(format!("CORS_PREFLIGHT_MAX_AGE = {age}"));
    }
    let code = format!(
        "# settings.py  (pip install django-cors-headers)
INSTALLED_APPS = [
    # ...
    \"corsheaders\",
]

MIDDLEWARE = [
    # First, or at least above CommonMiddleware and any middleware that can
    # answer before the view (auth, redirects).
    \"corsheaders.middleware.CorsMiddleware\",
    \"django.middleware.common.CommonMiddleware\",
    # ... the rest, unchanged
]

{}
",
        settings.join("\n")
    );
    Snippet {
        place: "settings.py: add `corsheaders` to INSTALLED_APPS and \
                `corsheaders.middleware.CorsMiddleware` at the top of MIDDLEWARE (above \
                `CommonMiddleware`), then the `CORS_*` settings."
            .into(),
        code,
        language: "python",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "Put `CorsMiddleware` first in MIDDLEWARE: it answers the preflight itself, before \
             authentication middleware can reject the credential-less OPTIONS; with Django REST \
             framework, OPTIONS then never reaches the view's permission checks."
        }
        Slug::ErrorResponseWithoutCors => {
            "A view's exception, rendered by `handler500`, still passes back through \
             `CorsMiddleware` and gets the headers; answers from middleware listed above it, \
             and 502/504s from gunicorn or the proxy in front, do not: keep `CorsMiddleware` \
             first, and add the headers in the proxy for its own errors."
        }
        Slug::PreflightNotHandled => {
            "`CorsMiddleware` answers every preflight itself (200 with the headers) when it is \
             listed above `CommonMiddleware`; below it, `APPEND_SLASH` can redirect the preflight \
             first, and browsers refuse a redirected preflight."
        }
        Slug::PreflightRedirect => {
            "Call the API with its trailing slash (`/api/items/`): `APPEND_SLASH` redirects \
             `/api/items`, and browsers refuse a redirect in answer to a preflight; keep \
             `CorsMiddleware` above `CommonMiddleware` too."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove django-cors-headers if nginx or a gateway in front adds \
             the headers, or remove theirs; also drop any header set by hand in a view."
        }
        Slug::MissingVaryOrigin => {
            "django-cors-headers adds `Vary: Origin` itself (patched into any `Vary` the view \
             sets)."
        }
        Slug::UnanchoredRegex | Slug::PrefixMatch => {
            "`CORS_ALLOWED_ORIGIN_REGEXES` are matched from the start only (`re.match`): end \
             each with `$` and escape dots, or list exact origins in `CORS_ALLOWED_ORIGINS`."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
