//! How each engine reads a request's path before it matches route
//! patterns. The policy matches the path as the browser sends it; an engine
//! that decodes percent-escapes, drops `;` parameters or merges doubled
//! slashes first cannot say a route path that holds them (observed on each
//! engine in `zoo_differential`, `an_odd_route_path_is_served_by_every_engine_that_writes_routes`).

use crate::Platform;

/// What an engine does to the path before its route patterns see it.
#[derive(Clone, Copy, Default)]
struct Reading {
    /// `%C3%A9` is matched as `é`.
    decodes: bool,
    /// `/a;v=1/b` is matched as `/a/b`.
    drops_parameters: bool,
    /// `/a//b` is matched as `/a/b`.
    merges_slashes: bool,
}

fn reading(platform: Platform) -> Reading {
    let (decodes, drops_parameters, merges_slashes) = match platform {
        Platform::Spring => (true, true, true),
        Platform::Nginx | Platform::Caddy | Platform::Rails | Platform::GoRsCors => {
            (true, false, true)
        }
        Platform::Hono | Platform::Fastapi | Platform::Flask => (true, false, false),
        Platform::Nextjs => (false, false, true),
        _ => return Reading::default(),
    };
    Reading {
        decodes,
        drops_parameters,
        merges_slashes,
    }
}

/// Why `platform` cannot match `path` as the policy does, if it cannot.
pub(crate) fn limit(platform: Platform, path: &str) -> Option<String> {
    let r = reading(platform);
    // A `*` segment covers a segment the engine reads otherwise (and every
    // other name there); nothing the policy can say stands for `//`.
    const STAR: &str = "write the route path without it (a `*` segment in its place also covers every other name there)";
    let (why, instead) = if r.decodes && path.contains('%') {
        (
            "matches routes against the decoded path, so a percent-encoded route path never matches as written",
            STAR,
        )
    } else if r.drops_parameters && path.contains(';') {
        (
            "removes `;` parameters from the path before it matches routes",
            STAR,
        )
    } else if r.merges_slashes && path.contains("//") {
        (
            "merges doubled slashes in the path before it matches routes",
            "write the route path with single slashes",
        )
    } else {
        return None;
    };
    Some(format!(
        "route `{path}` cannot be written for {}: it {why}; {instead}",
        platform.title()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reading_limits_only_what_it_changes() {
        assert!(limit(Platform::Nginx, "/caf%C3%A9/**")
            .is_some_and(|m| m.contains("decoded") && m.contains("a `*` segment")));
        assert!(limit(Platform::Nginx, "/a//b")
            .is_some_and(|m| m.contains("doubled") && m.contains("single slashes")));
        assert_eq!(limit(Platform::Nginx, "/a;v=1/**"), None);
        assert!(limit(Platform::Spring, "/a;v=1/**").is_some_and(|m| m.contains("`;`")));
        assert_eq!(limit(Platform::Flask, "/a//b"), None);
        assert_eq!(limit(Platform::Nextjs, "/caf%C3%A9/**"), None);
        for engine in [
            Platform::Express,
            Platform::Apache,
            Platform::CorsairGateway,
        ] {
            for path in ["/caf%C3%A9/**", "/a;v=1/**", "/a//b"] {
                assert_eq!(limit(engine, path), None, "{engine} {path}");
            }
        }
    }
}
