//! `corsair export`: the policy written for an engine, refusals located in
//! the file, `--narrow` never wider, `--check` for CI.

use std::process::{Command, Output};

fn corsair(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsair"))
        .env("NO_COLOR", "1")
        .env_remove("CORSAIR_STAGE")
        .env_remove("CORS_ORIGINS")
        .args(args)
        .output()
        .expect("corsair runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory removed at the end.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("corsair-export-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const EXACT: &str = "[cors]\norigins = [\"https://app.example.com\"]\ncredentials = true\nmethods = [\"PUT\"]\nrequest-headers = [\"authorization\"]\n";

const PATTERN: &str = "[cors]\norigins = [\"https://app.example.com\",\n  \"https://*.preview.example.com\"]\nmethods = [\"PUT\", \"DELETE\"]\n\n[[routes]]\npath = \"/admin/**\"\norigins = [\"https://app.example.com\"]\nmethods = [\"PUT\"]\n";

#[test]
fn an_exact_policy_is_written_and_checked() {
    let dir = Dir::new("exact");
    let policy = dir.file("corsair.toml", EXACT);
    let out = corsair(&["export", &policy, "--to", "express"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let js = text(&out.stdout);
    assert!(
        js.starts_with("// Written by `corsair export --to express`"),
        "{js}"
    );
    assert!(js.contains("origin: ['https://app.example.com']"), "{js}");
    assert!(js.contains("credentials: true"), "{js}");
    // -o writes the same; --check says it matches, then that it differs.
    let written = dir.0.join("cors.js");
    let written = written.to_string_lossy();
    let out = corsair(&["export", &policy, "--to", "express", "-o", &written]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&*written).expect("written"), js);
    let out = corsair(&["export", &policy, "--to", "express", "--check", &written]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    dir.file("corsair.toml", &EXACT.replace("PUT", "PATCH"));
    let out = corsair(&["export", &policy, "--to", "express", "--check", &written]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("differs"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn what_an_engine_cannot_say_is_refused_where_it_is() {
    let dir = Dir::new("pattern");
    let policy = dir.file("corsair.toml", PATTERN);
    // Django is written with one policy for every path.
    let out = corsair(&["export", &policy, "--to", "django"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing is written when refused");
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{policy}:3:4: `https://*.preview.example.com` is not allowed on every route"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{policy}:7:9: route `/admin/**`")),
        "{err}"
    );
    assert!(err.contains("--narrow"), "{err}");
    // Narrowed: what every route allows, nothing more, the losses listed.
    let out = corsair(&["export", &policy, "--to", "django", "--narrow"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let conf = text(&out.stdout);
    assert!(
        !conf.contains("preview") && !conf.contains("DELETE"),
        "{conf}"
    );
    assert!(conf.contains("PUT"), "{conf}");
    let err = text(&out.stderr);
    assert!(
        err.contains("narrowed: ") && err.contains("DELETE"),
        "{err}"
    );
}

/// A pattern is an anchored regex where the engine matches regexes, and a
/// refusal where it lists exact origins only.
#[test]
fn patterns_are_regexes_or_refused() {
    let dir = Dir::new("patterns");
    let policy = dir.file(
        "corsair.toml",
        "[cors]\norigins = [\"https://app.example.com\", \"https://*.preview.example.com\"]\n",
    );
    let out = corsair(&["export", &policy, "--to", "nginx"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let conf = text(&out.stdout);
    assert!(
        conf.contains(r#""~^https://(?:[a-z0-9_-]+\.)+preview\.example\.com$" $http_origin;"#),
        "{conf}"
    );
    let out = corsair(&["export", &policy, "--to", "spring"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("`https://*.preview.example.com` is left out"),
        "{}",
        text(&out.stderr)
    );
}

/// Routes with policies of their own: nginx writes a regex `location` per
/// route, in the file's order.
#[test]
fn nginx_writes_a_location_per_route() {
    let dir = Dir::new("routes");
    let policy = dir.file("corsair.toml", PATTERN);
    let out = corsair(&["export", &policy, "--to", "nginx"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let conf = text(&out.stdout);
    let route = conf
        .find(r#"location ~ "^/admin(?:/.*)?$" {"#)
        .expect("the route's location");
    let default = conf.find("    location / {").expect("the default location");
    assert!(route < default, "{conf}");
    assert!(conf.contains("$cors_origin_1"), "{conf}");
}

#[test]
fn a_policy_with_errors_or_no_file_is_bad_input() {
    let dir = Dir::new("bad");
    let policy = dir.file(
        "corsair.toml",
        "[cors]\norigins = [\"*\"]\ncredentials = true\n",
    );
    let out = corsair(&["export", &policy, "--to", "caddy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("corsair lint"),
        "{}",
        text(&out.stderr)
    );
    let out = corsair(&["export", "/nonexistent/corsair.toml", "--to", "caddy"]);
    assert_eq!(out.status.code(), Some(2));
    let out = corsair(&["export", &policy, "--to", "iis"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("valid names"),
        "{}",
        text(&out.stderr)
    );
}
