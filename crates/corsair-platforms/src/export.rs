//! `corsair export`: a checked policy written as an engine's own
//! configuration, by the same renderers as the doctor's fixes (so a fix and
//! an export never disagree), exactly or not at all.
//!
//! What an engine's snippet cannot say (an origin pattern, `*`, per-route
//! policies, Local Network Access, a value the renderer leaves out) makes
//! the export refuse, naming each limit; with `narrow`, it writes the
//! closest policy that is never wider than the file's, and lists what was
//! lost.

use corsair_core::policy::{OriginEntry, PolicySpec};
use corsair_core::server::origin_set::{Pattern, PortRule};

use crate::{render, Fix, Platform, Rendered, Slug};

/// One thing the engine's snippet cannot express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The value of the file it concerns (an origin, a route's path), to
    /// locate it; `None` when it is the policy as a whole.
    pub value: Option<String>,
    /// What cannot be written, and what `--narrow` does about it.
    pub message: String,
}

/// The policy, written for an engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The snippet, where it goes, its language.
    pub rendered: Rendered,
    /// What the narrowing dropped (empty for an exact export).
    pub lost: Vec<Limit>,
}

/// Why a policy cannot be exported as it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{platform} cannot express this policy exactly ({} limit(s)); {}", .limits.len(), if *.narrowable { "--narrow writes the closest narrower policy" } else { "--narrow cannot help: change the policy or write this engine's configuration by hand" })]
pub struct Refused {
    /// The engine.
    pub platform: Platform,
    /// Each limit met.
    pub limits: Vec<Limit>,
    /// Whether `--narrow` writes an export (false: no narrower policy the
    /// engine can say is safe).
    pub narrowable: bool,
}

/// Nothing would be left after narrowing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{platform}: narrowed to what it can express, the policy allows no origin at all")]
pub struct NothingLeft {
    /// The engine.
    pub platform: Platform,
    /// What was dropped.
    pub lost: Vec<Limit>,
}

/// Why an export failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The engine cannot express the policy exactly.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// Narrowing leaves no origin.
    #[error(transparent)]
    NothingLeft(#[from] NothingLeft),
    /// The checked policy has no default policy (it does not compile).
    #[error("the policy has no default (`[cors]`) policy to export")]
    Empty,
}

/// Writes `specs` (the default policy first, then one per route, as
/// `corsair_core::policy::check` returns them; `routes` are the routes'
/// paths, in the same order) for `platform`.
pub fn export(
    platform: Platform,
    specs: &[PolicySpec],
    routes: &[String],
    narrow: bool,
) -> Result<Exported, ExportError> {
    let (first, rest) = specs.split_first().ok_or(ExportError::Empty)?;
    if rest.iter().any(|s| !same_policy(s, first)) {
        if let Some(out) = export_routes(platform, first, rest, routes, narrow)? {
            return Ok(out);
        }
    }
    let mut limits = Vec::new();
    if !rest.is_empty() {
        for (path, spec) in routes.iter().zip(rest) {
            if !same_policy(spec, first) {
                limits.push(Limit {
                    value: Some(path.clone()),
                    message: format!(
                        "route `{path}` has its own policy, and one {} snippet covers every path: --narrow applies what every route allows to all of them",
                        platform.title()
                    ),
                });
            }
        }
    }
    let fix = narrowed(
        first,
        rest,
        crate::writes_local_network(platform, false),
        &mut limits,
    );
    let rendered = render(platform, &fix, &[] as &[Slug]);
    limits.extend(note_limits(&rendered));
    if let Some(limit) = always_wider(platform, &fix) {
        return Err(Refused {
            platform,
            limits: vec![limit],
            narrowable: false,
        }
        .into());
    }
    // Without --narrow, the limits are the answer; narrowed, a policy
    // that allows no origin is no export.
    if !limits.is_empty() && !narrow {
        return Err(Refused {
            platform,
            limits,
            narrowable: true,
        }
        .into());
    }
    if fix.origins.is_empty()
        && (fix.origin_patterns.is_empty() || !crate::matches_patterns(platform))
    {
        return Err(NothingLeft {
            platform,
            lost: limits,
        }
        .into());
    }
    let mut rendered = rendered;
    // Every note is a loss, listed in `lost`; the snippet stands alone.
    rendered.notes.clear();
    Ok(Exported {
        rendered,
        lost: limits,
    })
}

/// The rendered notes as limits: each says what was left out.
fn note_limits(rendered: &Rendered) -> Vec<Limit> {
    rendered
        .notes
        .iter()
        .map(|note| Limit {
            // "`value` is left out: …" names the value, to locate it.
            value: note
                .strip_prefix('`')
                .and_then(|rest| rest.split_once("` is left out"))
                .map(|(v, _)| v.to_owned()),
            message: note.clone(),
        })
        .collect()
}

/// A policy with routes, for an engine that can say routes: one snippet
/// with each route's own policy (`None`: the engine cannot, and the
/// single-policy export decides).
fn export_routes(
    platform: Platform,
    first: &PolicySpec,
    rest: &[PolicySpec],
    routes: &[String],
    narrow: bool,
) -> Result<Option<Exported>, ExportError> {
    let mut limits = Vec::new();
    let ok = crate::writes_local_network(platform, true);
    let default = narrowed(first, &[], ok, &mut limits);
    let fixes: Vec<(String, Fix)> = routes
        .iter()
        .zip(rest)
        .map(|(path, spec)| (path.clone(), narrowed(spec, &[], ok, &mut limits)))
        .collect();
    let Some(mut rendered) = crate::render_routes(platform, &default, &fixes) else {
        return Ok(None);
    };
    limits.extend(note_limits(&rendered));
    // A route the engine cannot say is refused even with --narrow: leaving
    // it out would give its paths the policy around it.
    let unsayable: Vec<Limit> = routes
        .iter()
        .filter_map(|path| {
            crate::route_paths::limit(platform, path).map(|message| Limit {
                value: Some(path.clone()),
                message,
            })
        })
        .collect();
    if !unsayable.is_empty() {
        return Err(Refused {
            platform,
            limits: unsayable,
            narrowable: false,
        }
        .into());
    }
    if let Some(limit) = std::iter::once(&default)
        .chain(fixes.iter().map(|(_, f)| f))
        .find_map(|f| always_wider(platform, f))
    {
        return Err(Refused {
            platform,
            limits: vec![limit],
            narrowable: false,
        }
        .into());
    }
    if !limits.is_empty() && !narrow {
        return Err(Refused {
            platform,
            limits,
            narrowable: true,
        }
        .into());
    }
    rendered.notes.clear();
    Ok(Some(Exported {
        rendered,
        lost: limits,
    }))
}

/// Where the engine itself allows more than the policy, whatever the
/// snippet says: no narrowing helps, so the export is refused.
fn always_wider(platform: Platform, fix: &Fix) -> Option<Limit> {
    match platform {
        // S3 answers `Access-Control-Allow-Credentials: true` to every
        // origin a rule names.
        Platform::S3 if !fix.credentials => Some(Limit {
            value: None,
            message: "S3 answers `Access-Control-Allow-Credentials: true` to every origin a rule names, and this policy does not allow credentials: S3 would allow more than the policy (set `credentials = true` if that is what you mean)".into(),
        }),
        // Starlette adds Accept, Accept-Language, Content-Language and
        // Content-Type to every allow_headers list; rack-cors treats the
        // same four as simple headers, whatever their value.
        Platform::Fastapi | Platform::Rails
            if !fix
                .request_headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("content-type")) =>
        {
            let (who, what) = if platform == Platform::Rails {
                ("rack-cors", "Rails")
            } else {
                ("Starlette's CORSMiddleware", "FastAPI")
            };
            Some(Limit {
                value: None,
                message: format!("{who} always allows the Content-Type request header (any value, application/json included), and this policy does not list it: {what} would allow more than the policy (add `content-type` to `request-headers` if the API accepts it)"),
            })
        }
        // hono/cors answers a preflight with the headers it asks for when
        // its list is empty.
        Platform::Hono if fix.request_headers.is_empty() => Some(Limit {
            value: None,
            message: "hono/cors allows whatever request headers a preflight asks for when `allowHeaders` is empty, and this policy lists none: Hono would allow more than the policy (list the headers the API accepts in `request-headers`)".into(),
        }),
        _ => None,
    }
}

/// Whether two policies allow the same (the compiled origin sets aside).
fn same_policy(a: &PolicySpec, b: &PolicySpec) -> bool {
    a.origins == b.origins
        && a.credentials == b.credentials
        && a.methods == b.methods
        && a.request_headers == b.request_headers
        && a.expose_headers == b.expose_headers
        && a.max_age == b.max_age
        && a.local_network == b.local_network
}

/// The policy every spec allows, as exact values; what cannot be kept is
/// added to `limits`.
fn narrowed(
    first: &PolicySpec,
    rest: &[PolicySpec],
    local_network_ok: bool,
    limits: &mut Vec<Limit>,
) -> Fix {
    let all = || std::iter::once(first).chain(rest);
    let mut origins = Vec::new();
    let mut patterns = Vec::new();
    for entry in first.origins.iter() {
        match entry {
            OriginEntry::Exact(o) => {
                if all().all(|s| s.origins.iter().any(|e| e.allows(o))) {
                    origins.push(o.clone());
                } else {
                    limits.push(Limit {
                        value: Some(o.clone()),
                        message: format!("`{o}` is not allowed on every route: --narrow leaves it out"),
                    });
                }
            }
            OriginEntry::Pattern(p) => {
                let shown = pattern_text(p);
                // Kept only where every route has the very same pattern
                // (a pattern is never narrowed to a part of itself).
                if all().all(|s| s.origins.contains(entry)) {
                    patterns.push(shown);
                } else {
                    limits.push(Limit {
                        message: format!("`{shown}` is not allowed on every route: --narrow leaves it out"),
                        value: Some(shown),
                    });
                }
            }
            OriginEntry::Any => limits.push(Limit {
                value: Some("*".into()),
                message: "`*` (any origin) is not exported: the doctor's renderers name exact origins only; list them, or --narrow leaves `*` out".into(),
            }),
        }
    }
    let credentials = all().all(|s| s.credentials);
    if first.credentials && !credentials {
        limits.push(Limit {
            value: None,
            message: "credentials are not allowed on every route: --narrow leaves them out".into(),
        });
    }
    let common = |pick: fn(&PolicySpec) -> &[String], what: &str, limits: &mut Vec<Limit>| {
        let mut kept = Vec::new();
        for item in pick(first) {
            if all().all(|s| pick(s).iter().any(|x| x.eq_ignore_ascii_case(item))) {
                kept.push(item.clone());
            } else {
                limits.push(Limit {
                    value: Some(item.clone()),
                    message: format!(
                        "{what} `{item}` is not allowed on every route: --narrow leaves it out"
                    ),
                });
            }
        }
        kept
    };
    let methods = common(|s| &s.methods, "method", limits);
    let request_headers = common(|s| &s.request_headers, "request header", limits);
    let expose_headers = common(|s| &s.expose_headers, "exposed header", limits);
    let local_network = local_network_ok && all().all(|s| s.local_network);
    if all().any(|s| s.local_network) && !local_network {
        let why = if local_network_ok {
            "is not allowed on every route"
        } else {
            "(Access-Control-Allow-Private-Network) is not written for this engine"
        };
        limits.push(Limit {
            value: None,
            message: format!("`local-network = true` {why}: --narrow leaves it out, so pages on public origins cannot reach this private-network service"),
        });
    }
    // The shortest cache any route asks for; `None` (the browser's
    // default) only when no route sets one.
    let max_age = all()
        .filter_map(|s| s.max_age)
        .min()
        .map(|age| u32::try_from(age.max(0)).unwrap_or(u32::MAX));
    Fix {
        origins,
        origin_patterns: patterns,
        methods,
        request_headers,
        expose_headers,
        credentials,
        max_age,
        local_network,
    }
}

/// A pattern as the policy file writes it (`https://*.example.com:*`).
fn pattern_text(p: &Pattern) -> String {
    let port = match &p.port {
        PortRule::Default => String::new(),
        PortRule::Exact(d) => format!(":{d}"),
        PortRule::Any => ":*".to_owned(),
    };
    let star = if p.subdomains { "*." } else { "" };
    format!("{}://{star}{}{port}", p.scheme, p.host)
}

/// The engines `corsair export --to` writes for: every platform the
/// doctor renders fixes for.
pub fn engines() -> impl Iterator<Item = Platform> {
    Platform::ALL.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use corsair_core::policy::check;
    use corsair_core::policy::document::parse;

    fn specs(text: &str) -> (Vec<PolicySpec>, Vec<String>) {
        let (doc, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let checked = check(&doc, &[], None);
        assert!(!checked.has_errors(), "{:?}", checked.problems);
        let routes = doc
            .routes
            .iter()
            .filter_map(|r| r.path.as_ref().map(|p| p.value.clone()))
            .collect();
        (checked.specs, routes)
    }

    /// The values a refusal locates, sorted.
    fn located(refused: &Refused) -> Vec<&str> {
        let mut values: Vec<_> = refused
            .limits
            .iter()
            .filter_map(|l| l.value.as_deref())
            .collect();
        values.sort_unstable();
        values
    }

    const EXACT: &str = r#"
[cors]
origins = ["https://app.example.com", "https://admin.example.com"]
credentials = true
methods = ["GET", "PUT"]
request-headers = ["authorization", "content-type"]
expose-headers = ["x-total-count"]
max-age = 600
"#;

    #[test]
    fn an_exact_policy_is_written_as_the_fix_would_be() {
        let (specs, routes) = specs(EXACT);
        let mut refused = Vec::new();
        for platform in engines() {
            let out = match export(platform, &specs, &routes, false) {
                Ok(out) => out,
                Err(e) => {
                    refused.push(format!("{platform}: {e:?}"));
                    continue;
                }
            };
            assert!(out.lost.is_empty(), "{platform}: {:?}", out.lost);
            let fix = Fix {
                origins: vec![
                    "https://app.example.com".into(),
                    "https://admin.example.com".into(),
                ],
                methods: vec!["GET".into(), "PUT".into()],
                request_headers: vec!["authorization".into(), "content-type".into()],
                expose_headers: vec!["x-total-count".into()],
                credentials: true,
                max_age: Some(600),
                ..Fix::default()
            };
            assert_eq!(
                out.rendered.snippet,
                render(platform, &fix, &[] as &[Slug]).snippet,
                "{platform}: the export and the fix disagree"
            );
        }
        assert!(refused.is_empty(), "{refused:#?}");
    }

    #[test]
    fn patterns_and_routes_are_refused_then_narrowed_never_wider() {
        let text = r#"
[cors]
origins = ["https://app.example.com", "https://*.preview.example.com"]
methods = ["GET", "PUT", "DELETE"]

[[routes]]
path = "/admin/**"
origins = ["https://app.example.com"]
methods = ["GET", "PUT"]
"#;
        let (specs, routes) = specs(text);
        // Django is written with one policy for every path.
        let Err(ExportError::Refused(refused)) = export(Platform::Django, &specs, &routes, false)
        else {
            panic!("a pattern and a route must be refused");
        };
        let values: Vec<_> = refused
            .limits
            .iter()
            .filter_map(|l| l.value.as_deref())
            .collect();
        assert!(values.contains(&"/admin/**"), "{refused:?}");
        assert!(
            values.contains(&"https://*.preview.example.com"),
            "{refused:?}"
        );
        let out = export(Platform::Django, &specs, &routes, true).expect("narrowed");
        let snippet = &out.rendered.snippet;
        assert!(snippet.contains("https://app.example.com"), "{snippet}");
        assert!(!snippet.contains("preview"), "{snippet}");
        assert!(!snippet.contains("DELETE"), "{snippet}");
        assert!(snippet.contains("PUT"), "{snippet}");
        assert!(out
            .lost
            .iter()
            .any(|l| l.value.as_deref() == Some("DELETE")));
    }

    #[test]
    fn express_says_routes_exactly() {
        let text = r#"
[cors]
origins = ["https://app.example.com"]
methods = ["PUT"]

[[routes]]
path = "/admin/**"
origins = ["https://admin.example.com"]
credentials = true
"#;
        let (specs, routes) = specs(text);
        let out = export(Platform::Express, &specs, &routes, false).expect("exact");
        assert!(out.lost.is_empty(), "{:?}", out.lost);
        let js = &out.rendered.snippet;
        assert!(js.contains(r"new RegExp('^/admin(?:/.*)?$')"), "{js}");
        assert!(js.contains("'https://admin.example.com'"), "{js}");
        assert!(js.contains("cors(route ? route[1] : corsDefault)"), "{js}");
        let conf = export(Platform::Nginx, &specs, &routes, false)
            .expect("nginx says routes too")
            .rendered
            .snippet;
        assert!(
            conf.contains(r#"location ~ "^/admin(?:/.*)?$" {"#),
            "{conf}"
        );
        assert!(conf.contains("map $http_origin $cors_origin_1 {"), "{conf}");
        assert!(matches!(
            export(Platform::Django, &specs, &routes, false),
            Err(ExportError::Refused(_))
        ));
    }

    /// Every engine that says routes writes each route, with its own
    /// origins, exactly; the others refuse.
    #[test]
    fn engines_that_say_routes_write_every_route() {
        let text = r#"
[cors]
origins = ["https://app.example.com"]
methods = ["PUT"]
request-headers = ["content-type"]

[[routes]]
path = "/admin/**"
origins = ["https://admin.example.com"]
request-headers = ["content-type", "x-admin-token"]
"#;
        let (specs, routes) = specs(text);
        let mut saying = Vec::new();
        for platform in engines() {
            let result = export(platform, &specs, &routes, false);
            if !crate::says_routes(platform) {
                assert!(
                    matches!(result, Err(ExportError::Refused(_))),
                    "{platform}: {result:?}"
                );
                continue;
            }
            let out = result.unwrap_or_else(|e| panic!("{platform}: {e:?}"));
            assert!(out.lost.is_empty(), "{platform}: {:?}", out.lost);
            let s = &out.rendered.snippet;
            // (nginx writes the origin as a regex, its dots escaped.)
            assert!(s.contains("https://admin"), "{platform}\n{s}");
            assert!(s.contains("x-admin-token"), "{platform}\n{s}");
            assert!(s.contains("/admin"), "{platform}\n{s}");
            saying.push(platform);
        }
        assert_eq!(
            saying,
            [
                Platform::Express,
                Platform::Fastify,
                Platform::Nestjs,
                Platform::Fastapi,
                Platform::Flask,
                Platform::Spring,
                Platform::Rails,
                Platform::GoRsCors,
                Platform::AxumTowerHttp,
                Platform::AxumCorsair,
                Platform::Hono,
                Platform::Nextjs,
                Platform::Nginx,
                Platform::Apache,
                Platform::Caddy,
                Platform::Haproxy,
                Platform::CloudflareWorkers,
                Platform::CorsairGateway,
            ]
        );
    }

    /// What an engine cannot do is a limit with routes as without: rs/cors
    /// never matches a header name with `.` or `_`.
    #[test]
    fn a_route_export_keeps_the_engines_own_limits() {
        let text = r#"
[cors]
origins = ["https://app.example.com"]
request-headers = ["x-trace.id"]

[[routes]]
path = "/admin/**"
origins = ["https://admin.example.com"]
request-headers = ["x_admin"]
"#;
        let (specs, routes) = specs(text);
        let Err(ExportError::Refused(refused)) = export(Platform::GoRsCors, &specs, &routes, false)
        else {
            panic!("rs/cors cannot allow `x-trace.id` nor `x_admin`");
        };
        assert_eq!(located(&refused), ["x-trace.id", "x_admin"], "{refused:#?}");
        let out = export(Platform::GoRsCors, &specs, &routes, true).expect("narrowed");
        assert!(!out.rendered.snippet.contains("x_admin"));
        assert!(!out.rendered.snippet.contains("x-trace.id"));
    }

    /// Spring matches CORS patterns against the decoded path without `;`
    /// parameters: a route path that needs either is refused, and
    /// `--narrow` cannot help (leaving the route out would give its paths
    /// the default policy).
    #[test]
    fn spring_refuses_a_route_path_it_would_match_differently() {
        for (path, why) in [
            ("/caf%C3%A9/**", "decoded path"),
            ("/items;v=2", "`;` parameters"),
            ("/a//b", "doubled slashes"),
        ] {
            let text = format!(
                "[cors]\norigins = [\"https://app.example.com\"]\n\n\
                 [[routes]]\npath = \"{path}\"\norigins = [\"https://admin.example.com\"]\n"
            );
            let (specs, routes) = specs(&text);
            for narrow in [false, true] {
                let Err(ExportError::Refused(refused)) =
                    export(Platform::Spring, &specs, &routes, narrow)
                else {
                    panic!("{path}: Spring must refuse (narrow: {narrow})");
                };
                assert!(!refused.narrowable, "{path}");
                assert_eq!(located(&refused), [path], "{path}");
                assert!(refused.limits[0].message.contains(why), "{refused:#?}");
                assert!(refused.to_string().contains("--narrow cannot help"));
            }
        }
        // What Spring's patterns say as the policy does is written.
        let (specs, routes) = specs(
            "[cors]\norigins = [\"https://app.example.com\"]\n\n\
             [[routes]]\npath = \"/api/*/it's$x/**\"\norigins = [\"https://admin.example.com\"]\n",
        );
        let out = export(Platform::Spring, &specs, &routes, false).expect("exported");
        let code = &out.rendered.snippet;
        let route = code
            .find("registerCorsConfiguration(\"/api/*/it's$x/**\", route1())")
            .expect(code);
        let rest = code
            .find("registerCorsConfiguration(\"/**\", everyOtherPath())")
            .expect(code);
        assert!(route < rest, "the route must come first:\n{code}");
    }

    /// rack-cors, like Starlette, lets any Content-Type through: refused
    /// unless the policy allows it.
    #[test]
    fn rails_without_content_type_is_wider_and_refused() {
        let (specs, routes) =
            specs("[cors]\norigins = [\"https://app.example.com\"]\nmethods = [\"PUT\"]\n");
        for narrow in [false, true] {
            let Err(ExportError::Refused(r)) = export(Platform::Rails, &specs, &routes, narrow)
            else {
                panic!("rails must refuse (narrow: {narrow})");
            };
            assert!(
                r.limits[0].message.contains("rack-cors always allows"),
                "{r:?}"
            );
        }
    }

    #[test]
    fn any_origin_alone_leaves_nothing() {
        let (specs, routes) = specs("[cors]\norigins = [\"*\"]\n");
        assert!(matches!(
            export(Platform::Express, &specs, &routes, true),
            Err(ExportError::NothingLeft(_))
        ));
    }

    #[test]
    fn local_network_is_a_limit() {
        let (specs, routes) =
            specs("[cors]\norigins = [\"https://app.example.com\"]\nlocal-network = true\n");
        assert!(matches!(
            export(Platform::Caddy, &specs, &routes, false),
            Err(ExportError::Refused(_))
        ));
        let out = export(Platform::Caddy, &specs, &routes, true).expect("narrowed");
        assert_eq!(out.lost.len(), 1, "{:?}", out.lost);
    }

    /// CloudFront cannot match a pattern or a `:*` port, nor allow a
    /// method outside its list: refused, each limit at its value; narrowed,
    /// the rest is written and nothing the policy lacks.
    #[test]
    fn cloudfront_refuses_patterns_and_foreign_methods_then_narrows() {
        let text = r#"
[cors]
origins = ["https://app.example.com", "https://*.preview.example.com", "http://localhost:*"]
methods = ["PUT", "PURGE"]
request-headers = ["authorization"]
max-age = 600
"#;
        let (specs, routes) = specs(text);
        for platform in [Platform::Cloudfront, Platform::CloudfrontTerraform] {
            let Err(ExportError::Refused(refused)) = export(platform, &specs, &routes, false)
            else {
                panic!("{platform}: a pattern and PURGE must be refused");
            };
            assert_eq!(
                located(&refused),
                [
                    "PURGE",
                    "http://localhost:*",
                    "https://*.preview.example.com"
                ],
                "{platform}: {refused:#?}"
            );
            let out = export(platform, &specs, &routes, true).expect("narrowed");
            let snippet = &out.rendered.snippet;
            assert!(snippet.contains("\"https://app.example.com\""), "{snippet}");
            assert!(snippet.contains("\"PUT\""), "{snippet}");
            for gone in ["preview", "localhost", "PURGE", "*"] {
                // `*` only in the comments' `# ...` lines is not a value.
                let values: String = snippet
                    .lines()
                    .filter(|l| !l.trim_start().starts_with('#'))
                    .collect();
                assert!(!values.contains(gone), "{platform}: {gone} in\n{snippet}");
            }
            assert_eq!(out.lost.len(), 3, "{platform}: {:#?}", out.lost);
        }
    }

    /// A lower-case method reaches CloudFront as the page wrote it, and
    /// CloudFront lists upper-case names only.
    #[test]
    fn cloudfront_cannot_allow_a_lower_case_method() {
        let fix = Fix {
            origins: vec!["https://app.example.com".into()],
            methods: vec!["patch".into()],
            ..Fix::default()
        };
        let r = render(Platform::Cloudfront, &fix, &[] as &[Slug]);
        assert!(
            !r.snippet.to_lowercase().contains("patch\""),
            "{}",
            r.snippet
        );
        assert!(
            r.notes.iter().any(|n| n.starts_with("`patch` is left out")),
            "{:#?}",
            r.notes
        );
    }

    /// The three API Gateway forms and the two CloudFront forms carry the
    /// same values: an exact export succeeds for each, nothing lost.
    #[test]
    fn the_aws_forms_export_the_same_policy() {
        let (specs, routes) = specs(EXACT);
        for platform in [
            Platform::ApiGatewayHttp,
            Platform::ApiGatewayCloudformation,
            Platform::ApiGatewayTerraform,
            Platform::Cloudfront,
            Platform::CloudfrontTerraform,
        ] {
            let out = export(platform, &specs, &routes, false).expect("exact");
            let s = &out.rendered.snippet;
            for value in [
                "https://app.example.com",
                "https://admin.example.com",
                "PUT",
                "authorization",
                "content-type",
                "x-total-count",
                "600",
            ] {
                assert!(s.contains(value), "{platform}: {value} missing\n{s}");
            }
            assert!(s.contains("true"), "{platform}: credentials\n{s}");
        }
    }

    #[test]
    fn api_gateway_caps_max_age_and_says_so() {
        let fix = Fix {
            origins: vec!["https://app.example.com".into()],
            max_age: Some(100_000),
            ..Fix::default()
        };
        for platform in [
            Platform::ApiGatewayHttp,
            Platform::ApiGatewayCloudformation,
            Platform::ApiGatewayTerraform,
        ] {
            let r = render(platform, &fix, &[] as &[Slug]);
            assert!(r.snippet.contains("86400"), "{platform}: {}", r.snippet);
            assert!(!r.snippet.contains("100000"), "{platform}: {}", r.snippet);
            assert!(
                r.notes.iter().any(|n| n.contains("written as 86400")),
                "{platform}: {:#?}",
                r.notes
            );
        }
    }
}
