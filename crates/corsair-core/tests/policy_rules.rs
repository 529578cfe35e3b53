//! Every policy-file mistake of CATALOG.md and every rule of jub0bs/cors
//! (anchors.md), each from a small policy file: the slug, its severity and
//! the exact place it is reported at.

use corsair_core::catalog::{Severity, Slug};
use corsair_core::policy::{self, line_col, Location, Problem};

fn lint_with(text: &str, env: Option<&str>, stage: Option<&str>) -> Vec<Problem> {
    policy::lint_text(text, stage, env)
}

fn lint(text: &str) -> Vec<Problem> {
    lint_with(text, None, None)
}

/// `(line, column)` of a problem's start in `text`.
fn place(text: &str, p: &Problem) -> Option<(usize, usize)> {
    match &p.location {
        Location::File { span } => Some(line_col(text, span.start)),
        _ => None,
    }
}

/// Asserts a problem with `slug` and `severity` starts where `marker` does.
fn expect(text: &str, slug: Slug, severity: Severity, marker: &str) {
    let problems = lint(text);
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("marker {marker:?} not in text"));
    let want = line_col(text, at);
    let found = problems
        .iter()
        .find(|p| p.slug == slug && place(text, p) == Some(want));
    let Some(found) = found else {
        panic!("no {slug} at {want:?} for:\n{text}\ngot: {problems:#?}");
    };
    assert_eq!(found.severity, severity, "{slug}: {found:?}");
    assert!(!found.fix.is_empty() && !found.message.is_empty());
}

const CLEAN: &str = r#"
[cors]
origins = ["https://app.example.com", "https://*.preview.example.com"]
credentials = true
methods = ["PUT", "PATCH", "DELETE"]
request-headers = ["content-type", "authorization"]
expose-headers = ["etag", "link", "x-ratelimit-remaining"]
max-age = 7200

[stages.development]
extra-origins = ["http://localhost:3000", "http://localhost:5173"]

[[routes]]
path = "/public/**"
origins = ["*"]
credentials = false
"#;

#[test]
fn the_architecture_sketch_is_clean_but_for_subdomains_with_credentials() {
    let problems = lint(CLEAN);
    let slugs: Vec<Slug> = problems.iter().map(|p| p.slug).collect();
    assert_eq!(slugs, vec![Slug::AnySubdomainTrusted], "{problems:#?}");
    let (set, warnings) = policy::from_toml(CLEAN, Some("development"), None).unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(set.policies().count(), 2);
}

#[test]
fn origins_entry_rules() {
    let cases: &[(&str, Slug)] = &[
        ("https://app.example.com/", Slug::OriginTrailingSlash),
        ("https://app.example.com/api", Slug::OriginHasPath),
        ("https://app.example.com:443", Slug::OriginDefaultPort),
        ("app.example.com", Slug::OriginMissingScheme),
        ("https://App.example.com", Slug::OriginNotLowercase),
        ("HTTPS://app.example.com", Slug::OriginNotLowercase),
        ("https://app.example.com ", Slug::OriginWhitespace),
        ("null", Slug::NullOriginAllowed),
        ("file:///home/me/index.html", Slug::InvalidOrigin),
        ("https://me@app.example.com", Slug::InvalidOrigin),
        ("https://app.example.com#x", Slug::InvalidOrigin),
        ("https://bücher.example", Slug::InvalidOrigin),
        ("http://127.0.1", Slug::InvalidOrigin),
        ("http://[::0:1]", Slug::InvalidOrigin),
        ("http://[fe80::1%eth0]", Slug::InvalidOrigin),
        ("https://app.example.com:0", Slug::InvalidOrigin),
        ("https://app.example.com:70000", Slug::InvalidOrigin),
        ("https://app.example.com:0443", Slug::InvalidOrigin),
        ("https://*.github.io", Slug::WildcardPublicSuffix),
        ("https://*.com", Slug::WildcardPublicSuffix),
        ("https://*.co.uk", Slug::WildcardPublicSuffix),
        ("https://app.*.example.com", Slug::BadWildcardPattern),
        ("https://*example.com", Slug::BadWildcardPattern),
        ("https://*.10.0.0.1", Slug::BadWildcardPattern),
        ("https://.*\\.example\\.com", Slug::UnanchoredRegex),
        ("^https://app\\.example\\.com$", Slug::BadWildcardPattern),
        ("https://codepen.io", Slug::ThirdPartyOriginTrusted),
    ];
    for (entry, slug) in cases {
        let text = format!("[cors]\norigins = [{}]\nmax-age = 600\n", toml_str(entry));
        // A shared host is an error only with credentials.
        let severity = if *slug == Slug::ThirdPartyOriginTrusted {
            Severity::Warning
        } else {
            slug.severity()
        };
        expect(&text, *slug, severity, &toml_str(entry));
    }
}

fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\"))
}

#[test]
fn typo_suggestions_name_the_intended_origin() {
    let text = "[cors]\norigins = [\"https://app.example.com/\", \"htps://api.example.com\", \"https://*example.com\"]\nmax-age = 600\n";
    let fixes: Vec<String> = lint(text).into_iter().map(|p| p.fix).collect();
    for want in [
        "did you mean `https://app.example.com`?",
        "did you mean `https://api.example.com`?",
        "did you mean `https://*.example.com`?",
    ] {
        assert!(fixes.iter().any(|f| f == want), "{want}: {fixes:?}");
    }
}

#[test]
fn credential_rules() {
    let t = "[cors]\norigins = [\"*\"]\ncredentials = true\nmax-age = 600\n";
    expect(t, Slug::WildcardWithCredentials, Severity::Error, "\"*\"");
    let t = "[cors]\norigins = [\"http://app.example.com\"]\ncredentials = true\nmax-age = 600\n";
    expect(
        t,
        Slug::InsecureOriginTrusted,
        Severity::Error,
        "\"http://app",
    );
    let t = "[cors]\norigins = [\"https://*.example.com\"]\ncredentials = true\nmax-age = 600\n";
    expect(
        t,
        Slug::AnySubdomainTrusted,
        Severity::Warning,
        "\"https://*",
    );
    let t = "[cors]\norigins = [\"https://app.example.com\"]\ncredentials = true\nexpose-headers = [\"*\"]\nmax-age = 600\n";
    expect(
        t,
        Slug::WildcardExposeWithCredentials,
        Severity::Error,
        "\"*\"",
    );
    let t = "[cors]\norigins = [\"https://codepen.io\"]\ncredentials = true\nmax-age = 600\n";
    expect(
        t,
        Slug::ThirdPartyOriginTrusted,
        Severity::Error,
        "\"https://codepen",
    );
}

#[test]
fn production_rules_apply_to_the_base_and_production_stage_only() {
    let text = "[cors]\norigins = [\"https://app.example.com\", \"http://localhost:3000\", \"http://intranet.example.com\"]\nmax-age = 600\n\n[stages.development]\nextra-origins = [\"http://localhost:5173\"]\n";
    expect(
        text,
        Slug::LocalhostInProduction,
        Severity::Warning,
        "\"http://localhost:3000",
    );
    expect(
        text,
        Slug::HttpOriginInProduction,
        Severity::Warning,
        "\"http://intranet",
    );
    let problems = lint(text);
    assert!(
        !problems
            .iter()
            .any(|p| p.slug == Slug::LocalhostInProduction
                && place(text, p)
                    == Some(line_col(
                        text,
                        text.find("\"http://localhost:5173").unwrap()
                    ))),
        "a development origin is fine in development: {problems:#?}"
    );
    let prod = "[cors]\norigins = [\"https://app.example.com\"]\ncredentials = true\nmax-age = 600\n\n[stages.production]\nextra-origins = [\"http://localhost:8080\"]\n";
    expect(
        prod,
        Slug::LocalhostInProduction,
        Severity::Error,
        "\"http://localhost:8080",
    );
    let debug = "[cors]\norigins = [\"https://app.example.com\"]\nmax-age = 600\ndebug = true\n";
    expect(debug, Slug::DebugInProduction, Severity::Warning, "true");
}

#[test]
fn overlapping_entries() {
    let text = "[cors]\norigins = [\"https://*.example.com\", \"https://app.example.com\", \"https://*.a.example.com\", \"https://x.org\", \"https://x.org\"]\nmax-age = 600\n";
    expect(
        text,
        Slug::OverlappingOrigins,
        Severity::Warning,
        "\"https://app",
    );
    expect(
        text,
        Slug::OverlappingOrigins,
        Severity::Warning,
        "\"https://*.a.",
    );
    let second = text.rfind("\"https://x.org").unwrap();
    let problems = lint(text);
    assert!(problems
        .iter()
        .any(|p| p.slug == Slug::OverlappingOrigins
            && place(text, p) == Some(line_col(text, second))));
    let star = "[cors]\norigins = [\"*\", \"https://app.example.com\"]\nmax-age = 600\n";
    expect(
        star,
        Slug::OverlappingOrigins,
        Severity::Warning,
        "\"https://app",
    );
}

#[test]
fn method_rules() {
    let cases: &[(&str, Slug, Severity)] = &[
        ("CONNECT", Slug::ForbiddenMethod, Severity::Error),
        ("trace", Slug::ForbiddenMethod, Severity::Error),
        ("TRACK", Slug::ForbiddenMethod, Severity::Error),
        ("PUT DELETE", Slug::InvalidMethod, Severity::Error),
        ("", Slug::InvalidMethod, Severity::Error),
        ("put", Slug::MethodCase, Severity::Error),
        ("delete", Slug::MethodCase, Severity::Error),
        ("patch", Slug::MethodCase, Severity::Warning),
        ("GET", Slug::SafelistedListed, Severity::Info),
        ("POST", Slug::SafelistedListed, Severity::Info),
        ("DELET", Slug::InvalidMethod, Severity::Warning),
    ];
    for (m, slug, sev) in cases {
        let text = format!(
            "[cors]\norigins = [\"https://app.example.com\"]\nmethods = [\"{m}\"]\nmax-age = 600\n"
        );
        expect(&text, *slug, *sev, &format!("\"{m}\""));
    }
}

#[test]
fn request_header_rules() {
    let cases: &[(&str, Slug, Severity)] = &[
        ("x request", Slug::InvalidHeaderName, Severity::Error),
        ("content-type:", Slug::InvalidHeaderName, Severity::Error),
        ("cookie", Slug::ForbiddenRequestHeader, Severity::Error),
        ("Origin", Slug::ForbiddenRequestHeader, Severity::Error),
        (
            "proxy-authorization",
            Slug::ForbiddenRequestHeader,
            Severity::Error,
        ),
        (
            "sec-fetch-mode",
            Slug::ForbiddenRequestHeader,
            Severity::Error,
        ),
        (
            "access-control-allow-origin",
            Slug::CorsHeaderAsRequestHeader,
            Severity::Error,
        ),
        (
            "Access-Control-Request-Method",
            Slug::CorsHeaderAsRequestHeader,
            Severity::Error,
        ),
        ("*", Slug::WildcardAuthorization, Severity::Info),
    ];
    for (h, slug, sev) in cases {
        let text = format!("[cors]\norigins = [\"https://app.example.com\"]\nrequest-headers = [\"{h}\"]\nmax-age = 600\n");
        expect(&text, *slug, *sev, &format!("\"{h}\""));
    }
}

#[test]
fn expose_header_rules() {
    let cases: &[(&str, Slug, Severity)] = &[
        ("Set-Cookie", Slug::ExposeSetCookie, Severity::Error),
        ("set-cookie2", Slug::ExposeSetCookie, Severity::Error),
        ("content-type", Slug::SafelistedListed, Severity::Info),
        ("authorization", Slug::InvalidHeaderName, Severity::Error),
        ("x(y)", Slug::InvalidHeaderName, Severity::Error),
    ];
    for (h, slug, sev) in cases {
        let text = format!("[cors]\norigins = [\"https://app.example.com\"]\nexpose-headers = [\"{h}\"]\nmax-age = 600\n");
        expect(&text, *slug, *sev, &format!("\"{h}\""));
    }
}

#[test]
fn max_age_rules() {
    let base = "[cors]\norigins = [\"https://app.example.com\"]\n";
    expect(
        &format!("{base}max-age = 100000\n"),
        Slug::MaxAgeOverCap,
        Severity::Error,
        "100000",
    );
    expect(
        &format!("{base}max-age = 86400\n"),
        Slug::MaxAgeOverCap,
        Severity::Info,
        "86400",
    );
    expect(
        &format!("{base}max-age = -5\n"),
        Slug::InvalidValue,
        Severity::Error,
        "-5",
    );
    expect(
        &format!("{base}max-age = 0\n"),
        Slug::PreflightNotCached,
        Severity::Info,
        "0",
    );
    expect(
        &format!("{base}max-age = \"600\"\n"),
        Slug::InvalidValue,
        Severity::Error,
        "\"600\"",
    );
    expect(base, Slug::PreflightNotCached, Severity::Info, "cors");
    let ok = lint(&format!("{base}max-age = -1\n"));
    assert!(ok.is_empty(), "{ok:#?}");
}

#[test]
fn structure_rules() {
    expect(
        "[cors]\norigns = [\"https://a.example\"]\n",
        Slug::UnknownKey,
        Severity::Error,
        "origns",
    );
    let p = lint("[cors]\nallowed_origins = [\"https://a.example\"]\nmax-age = 600\n");
    assert!(
        p.iter()
            .any(|p| p.slug == Slug::UnknownKey && p.fix == "did you mean `origins`?"),
        "{p:#?}"
    );
    expect(
        "origins = [\"https://a.example\"]\n",
        Slug::UnknownKey,
        Severity::Error,
        "origins",
    );
    expect(
        "[cors]\norigins = []\nmax-age = 600\n",
        Slug::EmptyOriginList,
        Severity::Error,
        "[]",
    );
    expect(
        "[cors]\nmax-age = 600\n",
        Slug::EmptyOriginList,
        Severity::Error,
        "cors",
    );
    expect(
        "[cors]\norigins = \"https://a.example\"\nmax-age = 600\n",
        Slug::InvalidValue,
        Severity::Error,
        "\"https",
    );
    expect(
        "[cors]\norigins = [\"https://a.example\"]\ncredentials = \"true\"\nmax-age = 600\n",
        Slug::InvalidValue,
        Severity::Error,
        "\"true\"",
    );
    expect(
        "[cors]\norigins = [\"https://a.example\", 7]\nmax-age = 600\n",
        Slug::InvalidValue,
        Severity::Error,
        "7",
    );
    expect(
        "[cors]\norigins = [\"https://a.example\"\nmax-age = 600\n",
        Slug::InvalidToml,
        Severity::Error,
        "max-age",
    );
    expect("[cors]\norigins = [\"https://a.example\"]\nmax-age = 600\n[stages.dev]\nextra-origin = [\"http://localhost:1\"]\n", Slug::UnknownKey, Severity::Error, "extra-origin ");
    let routes = "[cors]\norigins = [\"https://a.example\"]\nmax-age = 600\n\n[[routes]]\npath = \"/api/**\"\n\n[[routes]]\npath = \"/api/users\"\n\n[[routes]]\npath = \"/x/**/y\"\n\n[[routes]]\norigins = [\"*\"]\n";
    expect(
        routes,
        Slug::UnreachableRoute,
        Severity::Warning,
        "\"/api/users\"",
    );
    expect(routes, Slug::BadRoutePath, Severity::Error, "\"/x/**/y\"");
    let last = routes.rfind("[[routes]]").unwrap();
    assert!(lint(routes).iter().any(|p| p.slug == Slug::BadRoutePath
        && place(routes, p).is_some_and(|(l, _)| l == line_col(routes, last).0)));
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "[cors]\norigins = [\"https://a.example/\", \"null\", \"*\"]\ncredentials = true\nmethods = [\"TRACE\", \"put\"]\nrequest-headers = [\"cookie\"]\nexpose-headers = [\"set-cookie\"]\nmax-age = 999999\nfoo = 1\n";
    let slugs: Vec<Slug> = lint(text).iter().map(|p| p.slug).collect();
    for want in [
        Slug::OriginTrailingSlash,
        Slug::NullOriginAllowed,
        Slug::WildcardWithCredentials,
        Slug::ForbiddenMethod,
        Slug::MethodCase,
        Slug::ForbiddenRequestHeader,
        Slug::ExposeSetCookie,
        Slug::MaxAgeOverCap,
        Slug::UnknownKey,
    ] {
        assert!(slugs.contains(&want), "{want}: {slugs:?}");
    }
}

#[test]
fn cors_origins_from_the_environment_are_checked_too() {
    let text = "[cors]\norigins = [\"https://app.example.com\"]\nmax-age = 600\n";
    let problems = lint_with(
        text,
        Some("https://a.example.com, https://b.example.com/"),
        None,
    );
    let p = problems
        .iter()
        .find(|p| p.slug == Slug::OriginTrailingSlash)
        .expect("found");
    assert_eq!(
        p.location,
        Location::Env {
            var: "CORS_ORIGINS",
            index: 1
        }
    );
    let (set, _) = policy::from_toml(text, None, Some("https://a.example.com")).unwrap();
    let (_, policy) = set.for_path("/");
    use corsair_core::server::{CorsRequest, Decision, Field};
    let req = CorsRequest {
        method: "GET",
        origin: Field::One(b"https://a.example.com"),
        ..CorsRequest::default()
    };
    assert!(matches!(
        policy.decide(&req),
        Decision::Actual { grant: Some(_), .. }
    ));
}

#[test]
fn stages_are_chosen_and_unknown_ones_refused() {
    let text = "[cors]\norigins = [\"https://app.example.com\"]\nmax-age = 600\n\n[stages.development]\nextra-origins = [\"http://localhost:3000\"]\n";
    let err = policy::from_toml(text, Some("developmnet"), None).unwrap_err();
    assert_eq!(err.problems[0].slug, Slug::UnknownStage);
    assert_eq!(err.problems[0].fix, "did you mean `development`?");
    use corsair_core::server::{CorsRequest, Decision, Field};
    let req = CorsRequest {
        method: "GET",
        origin: Field::One(b"http://localhost:3000"),
        ..CorsRequest::default()
    };
    let (dev, _) = policy::from_toml(text, Some("development"), None).unwrap();
    assert!(matches!(
        dev.for_path("/").1.decide(&req),
        Decision::Actual { grant: Some(_), .. }
    ));
    let (prod, _) = policy::from_toml(text, None, None).unwrap();
    assert!(matches!(
        prod.for_path("/").1.decide(&req),
        Decision::Actual { grant: None, .. }
    ));
}

#[test]
fn builder_uses_the_same_rules() {
    use corsair_core::policy::PolicyBuilder;
    let err = PolicyBuilder::new()
        .origins(["*"])
        .credentials(true)
        .build()
        .unwrap_err();
    assert_eq!(
        err.errors().next().map(|p| p.slug),
        Some(Slug::WildcardWithCredentials)
    );
    assert_eq!(
        err.errors().next().map(|p| p.location.clone()),
        Some(Location::Code {
            key: "origins",
            index: Some(0)
        })
    );
    assert!(PolicyBuilder::new()
        .origins(["http://localhost:3000"])
        .credentials(true)
        .build()
        .is_err());
    assert!(PolicyBuilder::new()
        .origins(["http://localhost:3000"])
        .credentials(true)
        .development()
        .build()
        .is_ok());
}

#[test]
fn never_panics_on_odd_files() {
    for text in [
        "",
        "[cors",
        "cors = 1",
        "[cors]\norigins = [[\"x\"]]",
        "[[cors]]\n",
        "stages = 3",
        "[stages]\ndev = 1",
        "routes = {}",
        "[[routes]]\npath = 7",
        "[cors]\nmax-age = 1e3",
        "[cors]\nmax-age = 99999999999999999999999",
        "\u{0}\u{feff}[cors]",
    ] {
        let _ = lint(text);
        let _ = policy::from_toml(text, None, None);
    }
}

#[test]
fn the_editor_schema_knows_the_same_keys() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../schema/corsair.schema.json"))
            .expect("schema is JSON");
    let mut keys: Vec<String> = schema["$defs"]["policy"]["properties"]
        .as_object()
        .expect("policy properties")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    let mut want: Vec<String> = policy::document::POLICY_KEYS
        .iter()
        .map(|k| k.to_string())
        .collect();
    want.sort();
    assert_eq!(keys, want);
    assert!(schema["$defs"]["stage"]["properties"]["extra-origins"].is_object());
    assert!(schema["$defs"]["route"]["properties"]["path"].is_object());
}

#[test]
fn http_origins_with_credentials_are_an_error_only_in_production() {
    let text = "[cors]\norigins = [\"https://app.example.com\"]\ncredentials = true\nmax-age = 600\n\n[stages.development]\nextra-origins = [\"http://app.example.test:3000\"]\n";
    let problems = lint(text);
    let p = problems
        .iter()
        .find(|p| p.slug == Slug::InsecureOriginTrusted)
        .expect("flagged");
    assert_eq!(
        (p.severity, p.stage.as_deref()),
        (Severity::Warning, Some("development"))
    );
    assert!(policy::from_toml(text, Some("development"), None).is_ok());
    let prod =
        "[cors]\norigins = [\"http://app.example.test:3000\"]\ncredentials = true\nmax-age = 600\n";
    expect(
        prod,
        Slug::InsecureOriginTrusted,
        Severity::Error,
        "\"http://app",
    );
}

/// Every part of a policy has a stated bound; past it the policy is refused
/// with an error naming the bound, and the rest is not read.
#[test]
fn bounds_are_stated_and_refuse_the_policy() {
    use corsair_core::policy::document::{MAX_NAMES, MAX_POLICY_BYTES, MAX_ROUTES, MAX_STAGES};
    let names = (0..=MAX_NAMES)
        .map(|i| format!("\"x-h{i}\""))
        .collect::<Vec<_>>()
        .join(",");
    let stages: String = (0..=MAX_STAGES)
        .map(|i| format!("[stages.s{i}]\ndebug = true\n"))
        .collect();
    let routes: String = (0..=MAX_ROUTES)
        .map(|i| format!("[[routes]]\npath = \"/r{i}\"\n"))
        .collect();
    let base = "[cors]\norigins = [\"https://app.example.com\"]\nmax-age = 600\n";
    let cases = [
        (format!("{base}request-headers = [{names}]\n"), MAX_NAMES),
        (format!("{base}{stages}"), MAX_STAGES),
        (format!("{base}{routes}"), MAX_ROUTES),
        (
            format!("{base}# {}\n", "x".repeat(MAX_POLICY_BYTES)),
            MAX_POLICY_BYTES,
        ),
    ];
    for (text, bound) in cases {
        let problems = lint(&text);
        let over = problems
            .iter()
            .find(|p| p.slug == Slug::InvalidValue && p.message.contains(&bound.to_string()));
        let Some(over) = over else {
            panic!(
                "no bound {bound} problem in {:?}",
                &problems[..problems.len().min(3)]
            );
        };
        assert_eq!(over.severity, Severity::Error);
        assert!(
            policy::from_toml(&text, None, None).is_err(),
            "bound {bound} not refused"
        );
    }
}

/// Lists inherited by many routes and stages are checked once: the problems
/// are those of the list itself, each reported once, and a route that
/// inherits an invalid list is refused as before.
#[test]
fn inherited_lists_are_reported_once() {
    let mut text = String::from(
        "[cors]\norigins = [\"https://app.example.com/\", \"https://a.example.com\", \"https://a.example.com\"]\nmethods = [\"patch\"]\nmax-age = 600\n",
    );
    for i in 0..20 {
        text.push_str(&format!(
            "[stages.s{i}]\nextra-origins = [\"http://localhost:{}\"]\n",
            3000 + i
        ));
    }
    for i in 0..50 {
        text.push_str(&format!("[[routes]]\npath = \"/r{i}/**\"\n"));
    }
    let problems = lint(&text);
    let count = |slug: Slug| problems.iter().filter(|p| p.slug == slug).count();
    assert_eq!(count(Slug::OriginTrailingSlash), 1, "{problems:#?}");
    assert_eq!(count(Slug::OverlappingOrigins), 1, "{problems:#?}");
    assert_eq!(count(Slug::MethodCase), 1, "{problems:#?}");
    assert!(policy::from_toml(&text, None, None).is_err());
    assert!(policy::from_toml(&text, Some("s3"), None).is_err());
}

/// `--stage production` (or `prod`) without a `[stages.production]` table is
/// what `[cors]` alone says, and lint says which policies it checked.
#[test]
fn production_is_the_cors_table() {
    let text = "[cors]\norigins = [\"https://app.example.com\"]\nmax-age = 600\n[stages.development]\nextra-origins = [\"http://localhost:3000\"]\n";
    for stage in ["production", "prod", "Production"] {
        let linted = policy::lint_report(text, Some(stage), None);
        assert!(linted.problems.is_empty(), "{stage}: {:?}", linted.problems);
        assert_eq!(linted.checked, [policy::BASE]);
        assert!(policy::from_toml(text, Some(stage), None).is_ok());
    }
    let all = policy::lint_report(text, None, None);
    assert_eq!(all.checked, [policy::BASE, "development"]);
    let unknown = policy::lint_report(text, Some("staging"), None);
    assert!(unknown.checked.is_empty());
    assert!(unknown
        .problems
        .iter()
        .any(|p| p.slug == Slug::UnknownStage));
}
