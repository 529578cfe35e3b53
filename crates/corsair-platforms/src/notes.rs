//! Advice for catalog slugs that reads the same on every platform but for
//! the name of the knob: each platform names its knobs in a [`Knobs`], and
//! its own module answers the slugs whose advice is really its own.

use crate::fix::Norm;
use crate::text::ticked;
use corsair_core::Slug;

/// How a platform spells each CORS setting, in backticks, for notes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Knobs {
    /// The allowed origins (`` `origin` ``).
    pub origins: &'static str,
    /// The allowed methods.
    pub methods: &'static str,
    /// The allowed request headers.
    pub request_headers: &'static str,
    /// The exposed response headers.
    pub expose_headers: &'static str,
    /// Credentials on (`` `credentials: true` ``).
    pub credentials: &'static str,
    /// The preflight max-age.
    pub max_age: &'static str,
    /// The setting that echoes any origin, never to use.
    pub reflect: &'static str,
}

impl Knobs {
    /// Knobs of a platform where the headers are written by hand.
    pub(crate) const BY_HAND: Knobs = Knobs {
        origins: "the origin allowlist",
        methods: "`Access-Control-Allow-Methods`",
        request_headers: "`Access-Control-Allow-Headers`",
        expose_headers: "`Access-Control-Expose-Headers`",
        credentials: "the `Access-Control-Allow-Credentials: true` line",
        max_age: "`Access-Control-Max-Age`",
        reflect: "copy the request's `Origin` into `Access-Control-Allow-Origin` without checking it against the list",
    };
}

/// Advice any platform gives the same way, for the slugs that are about one
/// setting.
pub(crate) fn generic(k: &Knobs, slug: Slug, fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::WildcardWithCredentials => format!(
            "With credentials, browsers refuse `Access-Control-Allow-Origin: *`: name each origin \
             in {} ({}).",
            k.origins,
            ticked(&fix.origins)
        ),
        Slug::ReflectsAnyOrigin | Slug::NullOriginAllowed => format!(
            "Never {}: any site could then read your users' responses; keep to the exact origins \
             in {}.",
            k.reflect, k.origins
        ),
        Slug::OriginMismatch => format!(
            "The origins in {} are compared with the `Origin` header exactly: scheme, host and \
             port, no trailing slash, no path ({}).",
            k.origins,
            ticked(&fix.origins)
        ),
        Slug::CredentialsNotAllowed if fix.credentials => format!(
            "Requests with cookies or `credentials: 'include'` need \
             `Access-Control-Allow-Credentials: true` on the preflight and on the response: {} \
             above sends it on both.",
            k.credentials
        ),
        Slug::MethodNotAllowed => format!(
            "{} must name each method as the browser sends it ({}): `fetch` upper-cases only \
             DELETE, GET, HEAD, OPTIONS, POST and PUT, so write `method: 'PATCH'`, not `'patch'`.",
            capitalized(k.methods),
            ticked(&fix.methods)
        ),
        Slug::HeaderNotAllowed | Slug::WildcardAuthorization => format!(
            "{} must name every non-safelisted header the page sets{}; `*` never covers \
             `Authorization`.",
            capitalized(k.request_headers),
            listed(&fix.request_headers)
        ),
        Slug::HeaderNotExposed => format!(
            "The page reads only safelisted response headers and those in {}{}; any other reads \
             as `null`.",
            k.expose_headers,
            listed(&fix.expose_headers)
        ),
        Slug::PreflightNotCached | Slug::MaxAgeOverCap => format!(
            "Setting {} to {} lets the browser reuse a preflight that long (Chrome keeps at most \
             7200 s, Firefox 86400 s); without it Chrome asks again after 5 s.",
            k.max_age,
            fix.max_age_or_default()
        ),
        _ => return None,
    };
    Some(note)
}

fn listed(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(" ({})", ticked(items))
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The caveat for platforms that cannot allow a lower-case method: `why`
/// says what the platform does with method names.
pub(crate) fn lower_case_methods(why: &str, methods: &[String]) -> Option<String> {
    if methods.is_empty() {
        return None;
    }
    Some(format!(
        "{why}, so {} cannot be allowed as the page sends it: have the page send the upper-case \
         name (`fetch` upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT itself).",
        ticked(methods)
    ))
}
