//! Renders the smallest CORS policy that allows a request (a [`Fix`]) in each
//! platform's own terms: the code or configuration to paste, where it goes,
//! and the platform's known traps for the mistake at hand. Pure: no I/O.

#![warn(missing_docs)]

mod actix;
mod apache;
mod api_gateway_http;
mod aspnet;
mod axum_corsair;
mod axum_tower_http;
mod caddy;
mod cloudflare_workers;
mod cloudfront;
mod corsair_gateway;
mod detect;
mod django;
mod escape;
pub mod export;
mod express;
mod fastapi;
mod fastify;
mod fix;
mod flask;
mod go_rs_cors;
mod hand_routes;
mod haproxy;
mod hono;
mod iac;
mod laravel;
mod nestjs;
mod nextjs;
mod nginx;
mod notes;
mod platform;
mod rails;
mod route_paths;
mod s3;
mod spring;
mod sst;
mod text;

use serde::Serialize;

pub use detect::{detect, detect_all};
pub use platform::ParsePlatformError;

use fix::Norm;
use notes::Knobs;

/// What the fixed server must allow. Built by the doctor from the request
/// the page makes; never `*` with credentials, never "echo any origin".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// Exact origins to allow (ASCII serialization, e.g. `https://app.example.com`).
    pub origins: Vec<String>,
    /// Origin patterns as a Corsair policy writes them
    /// (`https://*.preview.example.com`, `http://localhost:*`): written as
    /// anchored, escaped regexes where the platform matches patterns, left
    /// out (with a note) where it cannot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origin_patterns: Vec<String>,
    /// Methods to allow beyond GET/HEAD/POST, as the page sends them (e.g. `PUT`).
    pub methods: Vec<String>,
    /// Request headers to allow, lower-case (e.g. `authorization`, `content-type`).
    pub request_headers: Vec<String>,
    /// Response headers the page reads and must be exposed, lower-case.
    pub expose_headers: Vec<String>,
    /// Whether credentialed requests (cookies, Authorization) must be allowed.
    pub credentials: bool,
    /// Seconds the browser may cache the preflight (`None`: leave the default).
    pub max_age: Option<u32>,
    /// Whether a preflight asking for the local network
    /// (`Access-Control-Request-Private-Network: true`) is granted
    /// (`Access-Control-Allow-Private-Network: true`); written only where
    /// [`writes_local_network`] says the platform can.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub local_network: bool,
}

/// The mistakes a rendered fix also addresses with platform-specific advice:
/// the catalog's slugs (`preflight-blocked-by-auth`,
/// `error-response-without-cors`, `duplicate-cors-layer`, ...), one typed
/// list for all of Corsair, so a misspelt slug does not compile.
pub use corsair_core::Slug;

/// A slug as [`render`] takes it: the [`Slug`] itself, or its name as the
/// catalog writes it (a name not in the catalog has no advice).
pub trait AsSlug {
    /// The catalog entry, if there is one.
    fn as_slug(&self) -> Option<Slug>;
}

impl AsSlug for Slug {
    fn as_slug(&self) -> Option<Slug> {
        Some(*self)
    }
}

impl AsSlug for &str {
    fn as_slug(&self) -> Option<Slug> {
        Slug::from_name(self)
    }
}

/// Every platform a fix can be rendered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Express with the `cors` package.
    Express,
    /// Fastify with `@fastify/cors`.
    Fastify,
    /// NestJS (`app.enableCors`, on Express).
    Nestjs,
    /// FastAPI / Starlette `CORSMiddleware`.
    Fastapi,
    /// Django with django-cors-headers.
    Django,
    /// Flask with Flask-CORS.
    Flask,
    /// Spring (Boot / MVC / WebFlux).
    Spring,
    /// ASP.NET Core.
    Aspnet,
    /// Rails with rack-cors.
    Rails,
    /// Laravel `config/cors.php`.
    Laravel,
    /// Go with rs/cors.
    GoRsCors,
    /// axum with tower-http's `CorsLayer`.
    AxumTowerHttp,
    /// axum (or any tower app) with `corsair-tower`.
    AxumCorsair,
    /// actix-web with actix-cors.
    Actix,
    /// Hono `hono/cors`.
    Hono,
    /// Next.js (route handlers / middleware / next.config.js headers).
    Nextjs,
    /// nginx.
    Nginx,
    /// Apache httpd.
    Apache,
    /// Caddy.
    Caddy,
    /// HAProxy (2.2 or later).
    Haproxy,
    /// AWS API Gateway HTTP API (the `aws apigatewayv2` CLI's JSON).
    ApiGatewayHttp,
    /// AWS API Gateway HTTP API in a CloudFormation template.
    ApiGatewayCloudformation,
    /// AWS API Gateway HTTP API in Terraform.
    ApiGatewayTerraform,
    /// SST (`sst.aws.ApiGatewayV2` cors).
    Sst,
    /// Amazon CloudFront response headers policy in a CloudFormation template.
    Cloudfront,
    /// Amazon CloudFront response headers policy in Terraform.
    CloudfrontTerraform,
    /// Cloudflare Workers.
    CloudflareWorkers,
    /// Amazon S3 bucket CORS.
    S3,
    /// `corsair serve` in front of any upstream.
    CorsairGateway,
}

/// A fix rendered for one platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// The platform.
    pub platform: Platform,
    /// Where the snippet goes (`app.js, before any router and auth middleware`).
    pub place: String,
    /// The code or configuration, ready to paste.
    pub snippet: String,
    /// The language of the snippet for highlighting (`js`, `python`, `nginx`, `toml`, ...).
    pub language: &'static str,
    /// Platform-specific advice for the mistakes at hand, one sentence each.
    pub notes: Vec<String>,
}

/// Renders `fix` for `platform`: the snippet allowing exactly the fix, where
/// it goes, and a note for each slug in `slugs` the platform has advice for
/// (names not in the catalog are ignored). Values the fix holds that no
/// snippet may carry (a `*` origin, a header name with a quote, …) are left
/// out, each with a note saying so.
///
/// ```
/// use corsair_platforms::{render, Fix, Platform, Slug};
/// let fix = Fix {
///     origins: vec!["https://app.example.com".into()],
///     methods: vec!["PUT".into()],
///     request_headers: vec!["authorization".into()],
///     credentials: true,
///     ..Fix::default()
/// };
/// let out = render(Platform::Express, &fix, &[Slug::PreflightBlockedByAuth]);
/// assert!(out.snippet.contains("origin: ['https://app.example.com']"));
/// assert_eq!(out.language, "js");
/// assert_eq!(out.notes.len(), 1);
/// ```
pub fn render<S: AsSlug>(platform: Platform, fix: &Fix, slugs: &[S]) -> Rendered {
    let norm = norm_for(platform, fix, false);
    let renderer = renderer(platform);
    let snippet = (renderer.render)(&norm);
    let mut notes: Vec<String> = norm.left_out.clone();
    notes.extend(snippet.caveats);
    for slug in slugs.iter().filter_map(AsSlug::as_slug) {
        let note =
            (renderer.note)(slug, &norm).or_else(|| notes::generic(&renderer.knobs, slug, &norm));
        if let Some(note) = note {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    Rendered {
        platform,
        place: snippet.place,
        snippet: snippet.code,
        language: snippet.language,
        notes,
    }
}

/// Whether `platform`'s export can give routes policies of their own
/// ([`render_routes`] renders them); the others are written with one policy
/// for every path.
pub fn says_routes(platform: Platform) -> bool {
    route_renderer(platform).is_some()
}

/// A renderer of a default policy and routes' own (path pattern, policy).
type RouteRenderer = fn(&Norm, &[(String, Norm)]) -> Snippet;

/// Whether `platform`'s snippet grants local network access when the fix
/// asks for it (`routes`: in the form with routes of their own).
pub fn writes_local_network(platform: Platform, routes: bool) -> bool {
    match platform {
        // The policy file's own key.
        Platform::CorsairGateway | Platform::AxumCorsair => true,
        // Hand-written: one line on the preflight.
        Platform::Nextjs | Platform::CloudflareWorkers => !routes,
        _ => false,
    }
}

/// The route renderer of the platforms that can say routes.
fn route_renderer(platform: Platform) -> Option<RouteRenderer> {
    match platform {
        Platform::Express => Some(express::render_routes),
        Platform::Nginx => Some(nginx::render_routes),
        Platform::Nestjs => Some(nestjs::render_routes),
        Platform::Fastify => Some(fastify::render_routes),
        Platform::Hono => Some(hono::render_routes),
        Platform::Flask => Some(flask::render_routes),
        Platform::Fastapi => Some(fastapi::render_routes),
        Platform::Caddy => Some(caddy::render_routes),
        Platform::Haproxy => Some(haproxy::render_routes),
        Platform::Apache => Some(apache::render_routes),
        Platform::AxumTowerHttp => Some(axum_tower_http::render_routes),
        Platform::Nextjs => Some(nextjs::render_routes),
        Platform::CloudflareWorkers => Some(cloudflare_workers::render_routes),
        Platform::Rails => Some(rails::render_routes),
        Platform::GoRsCors => Some(go_rs_cors::render_routes),
        Platform::Spring => Some(spring::render_routes),
        Platform::CorsairGateway => Some(corsair_gateway::render_routes),
        Platform::AxumCorsair => Some(axum_corsair::render_routes),
        _ => None,
    }
}

/// Renders one snippet for a policy with routes (`routes`: each route's
/// path pattern and fix, in the file's order; the first that matches a
/// path decides), for the platforms that can say it; `None` for the others.
pub fn render_routes(
    platform: Platform,
    default: &Fix,
    routes: &[(String, Fix)],
) -> Option<Rendered> {
    let norm = |fix: &Fix| norm_for(platform, fix, true);
    let render_with = route_renderer(platform)?;
    let routes: Vec<(String, Norm)> = routes.iter().map(|(p, f)| (p.clone(), norm(f))).collect();
    let default = norm(default);
    let mut snippet = render_with(&default, &routes);
    // What any policy had to leave out, and what the engine cannot do of
    // it, is a limit of the whole export.
    let mut caveats: Vec<String> = default
        .left_out
        .iter()
        .chain(routes.iter().flat_map(|(_, n)| n.left_out.iter()))
        .cloned()
        .collect();
    for caveat in snippet.caveats {
        if !caveats.contains(&caveat) {
            caveats.push(caveat);
        }
    }
    snippet.caveats = caveats;
    Some(Rendered {
        platform,
        place: snippet.place,
        snippet: snippet.code,
        language: snippet.language,
        notes: snippet.caveats,
    })
}

/// `fix` made ready for `platform`: its origin patterns left out, each
/// with a note, where the platform lists exact origins only.
fn norm_for(platform: Platform, fix: &Fix, routes: bool) -> Norm {
    let mut norm = Norm::new(fix);
    if norm.local_network && !writes_local_network(platform, routes) {
        norm.local_network = false;
        norm.left_out.push(format!(
            "Local network access (`Access-Control-Allow-Private-Network: true` on preflights \
             asking for it) is left out: {} is not written with it here.",
            platform.title()
        ));
    }
    if !matches_patterns(platform) {
        for p in std::mem::take(&mut norm.patterns) {
            let why = match platform {
                // CloudFront does take a leading `*.`, but documents
                // neither how many labels it stands for nor which schemes
                // and ports it matches: it may be wider than the pattern.
                Platform::Cloudfront | Platform::CloudfrontTerraform if p.text.ends_with(":*") => {
                    "CloudFront has no wildcard for ports".to_owned()
                }
                Platform::Cloudfront | Platform::CloudfrontTerraform => {
                    "CloudFront's leading `*.` is not documented closely enough (how many \
                     labels, which schemes and ports it matches) to be proven no wider"
                        .to_owned()
                }
                _ => format!(
                    "{} is written here with exact origins only",
                    platform.title()
                ),
            };
            norm.left_out.push(format!(
                "`{}` is left out: {why}; list the origins the pattern stands for.",
                p.text
            ));
        }
    }
    norm
}

/// The platforms whose snippet matches origin patterns (a regex with its
/// anchors and escapes, or the platform's own pattern syntax).
pub(crate) fn matches_patterns(platform: Platform) -> bool {
    matches!(
        platform,
        Platform::Nginx
            | Platform::Apache
            | Platform::Haproxy
            | Platform::Express
            | Platform::Fastify
            | Platform::Nestjs
            | Platform::Hono
            | Platform::Fastapi
            | Platform::Flask
            | Platform::Django
            | Platform::Caddy
            | Platform::CorsairGateway
            | Platform::Nextjs
            | Platform::CloudflareWorkers
            | Platform::GoRsCors
            | Platform::Rails
            | Platform::AxumTowerHttp
            | Platform::AxumCorsair
            | Platform::Actix
    )
}

/// What a platform module renders.
pub(crate) struct Snippet {
    /// Where it goes.
    pub place: String,
    /// The code or configuration.
    pub code: String,
    /// Its language, for highlighting.
    pub language: &'static str,
    /// What the platform cannot do of the fix, one sentence each.
    pub caveats: Vec<String>,
}

/// One platform's renderer: its snippet, its own advice per slug, and the
/// names of its knobs for the advice all platforms share.
pub(crate) struct Renderer {
    /// The snippet for a fix.
    pub render: fn(&Norm) -> Snippet,
    /// The platform's own advice for a slug, if it has some.
    pub note: fn(Slug, &Norm) -> Option<String>,
    /// How the platform names each setting.
    pub knobs: Knobs,
}

fn renderer(platform: Platform) -> &'static Renderer {
    match platform {
        Platform::Express => &express::RENDERER,
        Platform::Fastapi => &fastapi::RENDERER,
        Platform::Django => &django::RENDERER,
        Platform::Flask => &flask::RENDERER,
        Platform::Spring => &spring::RENDERER,
        Platform::Aspnet => &aspnet::RENDERER,
        Platform::Rails => &rails::RENDERER,
        Platform::Laravel => &laravel::RENDERER,
        Platform::GoRsCors => &go_rs_cors::RENDERER,
        Platform::AxumTowerHttp => &axum_tower_http::RENDERER,
        Platform::AxumCorsair => &axum_corsair::RENDERER,
        Platform::Actix => &actix::RENDERER,
        Platform::Hono => &hono::RENDERER,
        Platform::Nextjs => &nextjs::RENDERER,
        Platform::Nginx => &nginx::RENDERER,
        Platform::Apache => &apache::RENDERER,
        Platform::Caddy => &caddy::RENDERER,
        Platform::ApiGatewayHttp => &api_gateway_http::RENDERER,
        Platform::ApiGatewayCloudformation => &api_gateway_http::CLOUDFORMATION,
        Platform::ApiGatewayTerraform => &api_gateway_http::TERRAFORM,
        Platform::Cloudfront => &cloudfront::CLOUDFORMATION,
        Platform::CloudfrontTerraform => &cloudfront::TERRAFORM,
        Platform::Sst => &sst::RENDERER,
        Platform::CloudflareWorkers => &cloudflare_workers::RENDERER,
        Platform::S3 => &s3::RENDERER,
        Platform::CorsairGateway => &corsair_gateway::RENDERER,
        Platform::Haproxy => &haproxy::RENDERER,
        Platform::Fastify => &fastify::RENDERER,
        Platform::Nestjs => &nestjs::RENDERER,
    }
}
