//! Spring Boot (servlet stack): a `CorsFilter` registered ahead of every
//! other filter, from a `UrlBasedCorsConfigurationSource` bean that Spring
//! Security's `http.cors(...)` uses too.

use crate::escape::java;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::quoted;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`setAllowedOrigins`",
        methods: "`setAllowedMethods`",
        request_headers: "`setAllowedHeaders`",
        expose_headers: "`setExposedHeaders`",
        credentials: "`setAllowCredentials(true)`",
        max_age: "`setMaxAge`",
        reflect: "use `allowedOriginPatterns(\"*\")` (`setAllowedOriginPatterns`) with credentials, which echoes any origin",
    },
};

/// `        cors.setX(List.of("a", "b"));`, wrapped one item a line past 100
/// columns.
fn setter(name: &str, items: &[String]) -> String {
    let items = quoted(items, java);
    let line = format!("        cors.{name}(List.of({}));", items.join(", "));
    if line.len() <= 100 {
        return line;
    }
    format!(
        "        cors.{name}(List.of(\n                {}));",
        items.join(",\n                ")
    )
}

/// The setter lines of one `CorsConfiguration` named `cors`.
fn config_lines(fix: &Norm) -> String {
    let mut sets = Vec::new();
    sets.push(setter("setAllowedOrigins", &fix.origins));
    sets.push(setter("setAllowedMethods", &fix.methods));
    if !fix.request_headers.is_empty() {
        sets.push(setter("setAllowedHeaders", &fix.request_headers));
    }
    if !fix.expose_headers.is_empty() {
        sets.push(setter("setExposedHeaders", &fix.expose_headers));
    }
    if fix.credentials {
        sets.push("        cors.setAllowCredentials(true);".into());
    }
    if let Some(age) = fix.max_age {
        sets.push(format!("        cors.setMaxAge({age}L);"));
    }
    sets.join("\n")
}

const IMPORTS: &str = "package com.example.config;

import java.util.List;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

@Configuration
public class CorsConfig {
";

const FILTER: &str = "
    // Runs before every other filter, Spring Security's included: preflights are
    // answered before authentication, and errors keep the headers.
    @Bean
    public FilterRegistrationBean<CorsFilter> corsFilterRegistration(
            UrlBasedCorsConfigurationSource corsConfigurationSource) {
        FilterRegistrationBean<CorsFilter> registration =
                new FilterRegistrationBean<>(new CorsFilter(corsConfigurationSource));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
";

const PLACE: &str =
    "A new `@Configuration` class (e.g. src/main/java/com/example/config/CorsConfig.java; \
    adjust the package), Spring MVC (servlet stack). With Spring Security nothing else is \
    needed: the filter runs before its filter chain, and `http.cors(...)` there \
    uses the same `corsConfigurationSource` bean. On WebFlux, register a `CorsWebFilter` with the \
    same `CorsConfiguration` instead.";

fn render(fix: &Norm) -> Snippet {
    let code = format!(
        "{IMPORTS}
    @Bean
    public UrlBasedCorsConfigurationSource corsConfigurationSource() {{
        CorsConfiguration cors = new CorsConfiguration();
{}
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration(\"/**\", cors);
        return source;
    }}
{FILTER}",
        config_lines(fix)
    );
    Snippet {
        place: PLACE.into(),
        code,
        language: "java",
        caveats: Vec::new(),
    }
}

/// A default policy and routes' own: one `CorsConfiguration` each,
/// registered routes first. `UrlBasedCorsConfigurationSource` keeps the
/// order it is given and the first pattern that matches decides, as in
/// corsair.toml; its patterns (`*` one segment, a final `/**` the path and
/// everything below) say what the policy's route paths say.
pub(crate) fn render_routes(default: &Norm, routes: &[(String, Norm)]) -> Snippet {
    let mut registrations = String::new();
    let mut methods = String::new();
    let configs = routes
        .iter()
        .enumerate()
        .map(|(i, (path, fix))| (java(path), format!("route{}", i + 1), fix))
        .chain(std::iter::once((
            java("/**"),
            "everyOtherPath".to_owned(),
            default,
        )));
    for (pattern, name, fix) in configs {
        registrations.push_str(&format!(
            "        source.registerCorsConfiguration({pattern}, {name}());\n"
        ));
        methods.push_str(&format!(
            "\n    private static CorsConfiguration {name}() {{\n\
             \x20       CorsConfiguration cors = new CorsConfiguration();\n{}\n\
             \x20       return cors;\n    }}\n",
            config_lines(fix)
        ));
    }
    let code = format!(
        "{IMPORTS}
    // One policy per route: the first pattern that matches the path decides (as in
    // corsair.toml), so the routes come first and every other path last.
    @Bean
    public UrlBasedCorsConfigurationSource corsConfigurationSource() {{
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
{registrations}        return source;
    }}
{methods}{FILTER}"
    );
    Snippet {
        place: format!(
            "{PLACE} The patterns are matched against the path inside the application: \
             with `server.servlet.context-path` set, drop that prefix from them."
        ),
        code,
        language: "java",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "The `CorsFilter` above runs at `Ordered.HIGHEST_PRECEDENCE`, before Spring \
             Security's filter chain, and answers preflights itself. Permitting OPTIONS in \
             Spring Security (`.requestMatchers(HttpMethod.OPTIONS, \"/**\").permitAll()`) is \
             no substitute: the preflight still needs the CORS headers."
        }
        Slug::ErrorResponseWithoutCors => {
            "The filter sets the headers before the request reaches Spring MVC, so the error \
             page Spring Boot renders for an exception keeps them; a `@CrossOrigin` or \
             `addCorsMappings` setup adds them only when a handler is found."
        }
        Slug::PreflightNotHandled => {
            "`CorsFilter` answers a preflight itself (200, or 403 \"Invalid CORS request\" when \
             the origin, method or a header is not allowed) without calling the controllers."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS setup: remove `@CrossOrigin` annotations and `addCorsMappings` once \
             this filter is in (it skips responses that already carry \
             `Access-Control-Allow-Origin`, so two Spring layers never duplicate, but a gateway \
             or nginx adding the headers too does)."
        }
        Slug::MissingVaryOrigin => {
            "Spring's `CorsFilter` adds `Vary: Origin, Access-Control-Request-Method, \
             Access-Control-Request-Headers` itself."
        }
        Slug::WildcardWithCredentials => {
            "Spring refuses `setAllowedOrigins(List.of(\"*\"))` with `setAllowCredentials(true)` \
             at startup; the exact list above is the fix, not `setAllowedOriginPatterns(\"*\")`, \
             which would echo every origin."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
