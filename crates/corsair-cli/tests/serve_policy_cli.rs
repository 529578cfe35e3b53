//! `corsair serve` and its policy: a policy with errors stops the start,
//! with every problem shown and, where a stage would run it, how; the
//! policy in force is told at start and on reload.

mod serve;

use serve::*;

#[test]
fn a_policy_with_errors_stops_the_start() {
    let (_, file) = policy_file(
        "corsair-serve-",
        "[cors]\norigins = [\"*\"]\ncredentials = true\nmax-age = 600\n",
    );
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "http://127.0.0.1:9",
            "--listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[wildcard-with-credentials]"), "{err}");
    assert!(err.contains("not started"), "{err}");
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "https://api.example.com/v1",
            "--origin",
            "https://a.example",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("TLS to the upstream is not supported") && err.contains("http://host[:port]"),
        "{err}"
    );
}

#[test]
fn localhost_with_credentials_says_how_to_run_it_for_development() {
    let args = [
        "serve",
        "--upstream",
        "http://localhost:8000",
        "--listen",
        "127.0.0.1:0",
        "--origin",
        "http://localhost:5173",
        "--credentials",
    ];
    let out = corsair().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[localhost-in-production]"), "{err}");
    assert!(
        err.contains("--stage development") && err.contains("CORSAIR_STAGE=development"),
        "{err}"
    );
    assert!(
        err.contains("corsair serve --upstream http://localhost:8000 --listen 127.0.0.1:0 --origin http://localhost:5173 --credentials --stage development"),
        "the command to run: {err}"
    );
    // An origin production refuses for any stage gets no such hint.
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "http://127.0.0.1:9",
            "--origin",
            "*",
            "--credentials",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("--stage development"), "{err}");

    // As suggested, with the flag or the variable: the origins are checked as
    // development, and the browser's credentialed preflight passes.
    let os = std::ffi::OsStr::new;
    let dev = [
        os("--origin"),
        os("http://localhost:5173"),
        os("--credentials"),
    ];
    let flag = [&dev[..], &[os("--stage"), os("development")]].concat();
    for serve in [
        Serve::start(&flag),
        Serve::start_with(&dev, &[("CORSAIR_STAGE", "development")]),
    ] {
        let mut serve = serve;
        let policy = serve.wait_for("corsair serve: policy ");
        assert!(
            policy.contains("policy development: origins http://localhost:5173; credentials yes"),
            "{policy}"
        );
        let addr = serve.address("listening on http://");
        let pre = exchange(&addr, "OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
        assert!(pre.starts_with("http/1.1 204"), "{pre}");
        assert!(
            pre.contains("access-control-allow-credentials: true\r\n"),
            "{pre}"
        );
        assert_eq!(serve.stop(), Some(0));
    }
}

#[test]
fn a_file_whose_production_policy_fails_names_the_stage_that_runs() {
    let (_, file) = policy_file("corsair-serve-stage-", "[cors]\norigins = [\"http://localhost:5173\"]\ncredentials = true\nmax-age = 60\n\n[stages.development]\ndebug = true\n");
    let out = corsair()
        .args(["serve", "--upstream", "http://127.0.0.1:9", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stage development allows") && err.contains("CORSAIR_STAGE=development"),
        "{err}"
    );
    assert!(err.contains("--stage development"), "{err}");
}

#[test]
fn the_policy_in_force_is_printed_at_start_and_on_reload() {
    let origins: Vec<String> = (0..12)
        .map(|i| format!("\"https://app{i}.example.com\""))
        .collect();
    let (_, file) = policy_file(
        "corsair-serve-summary-",
        &format!(
            "[cors]\norigins = [{}]\ncredentials = true\nmax-age = 60\n\n[[routes]]\npath = \"/public/**\"\norigins = [\"*\"]\ncredentials = false\n",
            origins.join(", ")
        ),
    );
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[os("--config"), file.as_os_str()]);
    let line = serve.wait_for("corsair serve: policy ");
    assert!(
        line.contains("policy [cors] (production): origins https://app0.example.com, "),
        "{line}"
    );
    assert!(
        line.contains("https://app9.example.com … and 2 more; credentials yes; 1 route"),
        "{line}"
    );
    assert!(!line.contains("app10"), "at most 10 named: {line}");
    serve.address("listening on http://");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(
        &file,
        "[cors]\norigins = [\"https://two.example.com\"]\nmax-age = 60\n",
    )
    .unwrap();
    let line = serve.wait_for("reloaded: policy");
    assert!(
        line.contains(
            "policy [cors] (production): origins https://two.example.com; credentials no; 0 routes"
        ),
        "{line}"
    );
    assert_eq!(serve.stop(), Some(0));
}
