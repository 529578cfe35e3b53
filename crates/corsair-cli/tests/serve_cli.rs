//! `corsair serve` as a user starts it: a policy with errors stops it, a
//! good one serves preflights and the gateway's own 502 with CORS headers,
//! and SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn corsair() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corsair"));
    c.env_remove("CORS_ORIGINS")
        .env_remove("CORSAIR_STAGE")
        .env("NO_COLOR", "1");
    c
}

#[test]
fn a_policy_with_errors_stops_the_start() {
    let dir = std::env::temp_dir().join(format!("corsair-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    std::fs::write(
        &file,
        "[cors]\norigins = [\"*\"]\ncredentials = true\nmax-age = 600\n",
    )
    .unwrap();
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

/// Kills the server if a test fails before stopping it.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn exchange(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.to_ascii_lowercase()
}

/// `corsair serve` in front of a port nobody listens on (every forwarded
/// request is a 502), its standard error read line by line.
struct Serve {
    child: Running,
    lines: std::sync::mpsc::Receiver<String>,
    /// Every line read so far.
    seen: std::cell::RefCell<Vec<String>>,
}

impl Serve {
    fn start(args: &[&std::ffi::OsStr]) -> Serve {
        Serve::start_with(args, &[])
    }

    fn start_with(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> Serve {
        let dead = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut child = corsair()
            .args([
                "serve",
                "--upstream",
                &format!("http://{dead}"),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(args)
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Serve {
            child: Running(child),
            lines,
            seen: Default::default(),
        }
    }

    /// The next line holding `needle` (within 10 s).
    fn wait_for(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(line) = self
                .lines
                .recv_timeout(std::time::Duration::from_millis(200))
            {
                self.seen.borrow_mut().push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!("no line with {needle:?}");
    }

    /// The `host:port` printed after `prefix` (`listening on http://`).
    fn address(&self, prefix: &str) -> String {
        let line = self.wait_for(prefix);
        line.split(prefix)
            .nth(1)
            .unwrap()
            .split([',', '/'])
            .next()
            .unwrap()
            .to_owned()
    }

    /// Every line written, once the process has ended.
    fn all_lines(&self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(std::time::Duration::from_secs(10)) {
            self.seen.borrow_mut().push(line);
        }
        self.seen.borrow().clone()
    }

    /// SIGTERM; the exit status.
    fn stop(&mut self) -> Option<i32> {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        self.child.0.wait().unwrap().code()
    }
}

#[test]
fn serves_and_stops_on_sigterm() {
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[
        os("--origin"),
        os("https://app.example.com"),
        os("--credentials"),
    ]);
    let addr = serve.address("listening on http://");
    let pre = exchange(&addr, "OPTIONS /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: DELETE\r\nConnection: close\r\n\r\n");
    assert!(pre.starts_with("http/1.1 204"), "{pre}");
    assert!(
        pre.contains("access-control-allow-origin: https://app.example.com\r\n"),
        "{pre}"
    );
    assert!(
        pre.contains("access-control-allow-credentials: true\r\n"),
        "{pre}"
    );
    let down = exchange(&addr, "GET /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\nConnection: close\r\n\r\n");
    assert!(down.starts_with("http/1.1 502"), "{down}");
    assert!(
        down.contains("access-control-allow-origin: https://app.example.com\r\n"),
        "{down}"
    );
    assert_eq!(serve.stop(), Some(0));
    serve.wait_for("corsair serve: stopped");
}

#[test]
fn reloads_the_policy_file_and_serves_metrics() {
    let dir = std::env::temp_dir().join(format!("corsair-serve-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    std::fs::write(
        &file,
        "[cors]\norigins = [\"https://one.example.com\"]\nmethods = [\"PUT\"]\nmax-age = 60\n",
    )
    .unwrap();
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[
        os("--admin"),
        os("127.0.0.1:0"),
        os("--config"),
        file.as_os_str(),
    ]);
    let gateway = serve.address("listening on http://");
    let admin = serve.address("metrics on http://");
    let preflight = |origin: &str| {
        exchange(&gateway, &format!("OPTIONS /x HTTP/1.1\r\nHost: api\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n"))
    };
    assert!(preflight("https://one.example.com").starts_with("http/1.1 204"));
    // A broken file is refused and the running policy stays.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&file, "[cors]\norigins = [\"https://two.example.com/\"]\n").unwrap();
    serve.wait_for("not reloaded");
    assert!(preflight("https://one.example.com").starts_with("http/1.1 204"));
    // A good one replaces it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(
        &file,
        "[cors]\norigins = [\"https://two.example.com\"]\nmethods = [\"PUT\"]\nmax-age = 60\n",
    )
    .unwrap();
    serve.wait_for("corsair.toml reloaded");
    assert!(preflight("https://two.example.com").starts_with("http/1.1 204"));
    assert!(preflight("https://one.example.com").starts_with("http/1.1 403"));
    let metrics = exchange(
        &admin,
        "GET /metrics HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n",
    );
    assert!(
        metrics.contains("corsair_preflights_total 4\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("corsair_policy_reloads_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("corsair_policy_reload_failures_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("corsair_refusals_total{slug=\"origin-mismatch\",route=\"default\"} 1\n"),
        "{metrics}"
    );
    let health = exchange(
        &admin,
        "GET /healthz HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n",
    );
    assert!(
        health.starts_with("http/1.1 200") && health.ends_with("ok\n"),
        "{health}"
    );
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn json_logs_explain_refusals_in_plain_words() {
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[
        os("--origin"),
        os("https://app.example.com"),
        os("--log-format"),
        os("json"),
    ]);
    let addr = serve.address("listening on http://");
    let refused = exchange(&addr, "OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: https://www.app.example.com\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    assert!(refused.starts_with("http/1.1 403"), "{refused}");
    let line = serve.wait_for("origin-mismatch");
    let event: serde_json::Value = serde_json::from_str(&line).expect("one JSON object per line");
    assert_eq!(event["level"], "INFO", "{line}");
    assert_eq!(event["target"], "corsair::refusal", "{line}");
    assert_eq!(event["fields"]["slug"], "origin-mismatch", "{line}");
    assert_eq!(event["fields"]["route"], "default", "{line}");
    let message = event["fields"]["message"].as_str().unwrap();
    assert!(
        message.contains("https://www.app.example.com") && message.contains("did you mean"),
        "{message}"
    );
    assert_eq!(serve.stop(), Some(0));
}

#[test]
fn tls_flags_serve_https_and_bad_files_stop_the_start() {
    let tls = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corsair-gateway/tests/tls");
    let (cert, key) = (tls.join("localhost.pem"), tls.join("localhost.key"));
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[
        os("--origin"),
        os("https://app.example.com"),
        os("--tls-cert"),
        cert.as_os_str(),
        os("--tls-key"),
        key.as_os_str(),
    ]);
    let addr = serve.address("listening on https://");
    // Plain HTTP to a TLS port gets no HTTP answer.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(!String::from_utf8_lossy(&out).starts_with("HTTP/1.1"));
    assert_eq!(serve.stop(), Some(0));

    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "http://127.0.0.1:9",
            "--origin",
            "https://a.example",
            "--tls-cert",
        ])
        .arg(&key)
        .arg("--tls-key")
        .arg(&key)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no CERTIFICATE"), "{err}");
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "http://127.0.0.1:9",
            "--origin",
            "https://a.example",
            "--tls-cert",
        ])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--tls-cert needs --tls-key");
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "http://127.0.0.1:9",
            "--origin",
            "https://a.example",
            "--max-body",
            "ten",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is not a size"), "{err}");
}

#[test]
fn an_upstream_url_with_credentials_stops_the_start_without_showing_them() {
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "http://alice:s3cret@127.0.0.1:9",
            "--listen",
            "127.0.0.1:0",
            "--origin",
            "https://a.example",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("credentials"), "{err}");
    assert!(!err.contains("s3cret") && !err.contains("alice"), "{err}");
    for bad in [
        ["--header-timeout", "0"],
        ["--idle-timeout", "-1"],
        ["--max-connections", "0"],
    ] {
        let out = corsair()
            .args([
                "serve",
                "--upstream",
                "http://127.0.0.1:9",
                "--listen",
                "127.0.0.1:0",
                "--origin",
                "https://a.example",
            ])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn a_hostile_origin_is_logged_escaped_and_cut() {
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[os("--origin"), os("https://app.example.com")]);
    let addr = serve.address("listening on http://");
    // A tab, a right-to-left override, a byte that is not UTF-8 and 1,000
    // more characters: all an HTTP/1.1 header value may carry.
    let mut request =
        b"OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: https://evil\t\xe2\x80\xae\xff".to_vec();
    request.extend(std::iter::repeat_n(b'a', 1000));
    request
        .extend_from_slice(b"\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(&request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        out.starts_with(b"HTTP/1.1 403"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let line = serve.wait_for("origin-mismatch");
    assert!(
        line.contains(r"origin https://evil\x09\u{202e}\xffaaa"),
        "{line}"
    );
    assert!(line.contains("(1017 bytes in all)"), "{line}");
    assert!(!line.contains('\t') && !line.contains('\u{202e}'), "{line}");
    assert!(line.len() < 600, "{} chars: {line}", line.len());
    assert_eq!(serve.stop(), Some(0));
}

/// CPU time (user + system, in clock ticks) the process has used.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn out_of_descriptors_both_listeners_pause_instead_of_spinning() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let script = format!(
        "ulimit -n 40 && exec \"$0\" serve --upstream http://{dead} --listen 127.0.0.1:0 --admin 127.0.0.1:0 --origin https://a.example"
    );
    let mut child = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_corsair")])
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stderr = child.stderr.take().unwrap();
    let mut serve = Serve {
        child: Running(child),
        seen: Default::default(),
        lines: {
            let (tx, rx) = std::sync::mpsc::channel::<String>();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            rx
        },
    };
    let gateway = serve.address("listening on http://");
    let admin = serve.address("metrics on http://");
    // More connections than the gateway has descriptors, on both
    // listeners: accept fails on each.
    let flood: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(&admin).ok())
        .chain((0..40).filter_map(|_| TcpStream::connect(&gateway).ok()))
        .collect();
    assert!(flood.len() > 80, "{}", flood.len());
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = cpu_ticks(pid);
    std::thread::sleep(std::time::Duration::from_secs(1));
    let used = cpu_ticks(pid) - before;
    // A spinning accept loop burns a whole core: about 100 ticks a second.
    assert!(used < 30, "{used} ticks of CPU in one second");
    drop(flood);
    // Service comes back once the descriptors are free.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let health = TcpStream::connect(&admin).ok().map(|mut s| {
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(1)));
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            out
        });
        if health.is_some_and(|h| h.starts_with("HTTP/1.1 200")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the admin listener did not recover"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let pre = exchange(&gateway, "OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: https://a.example\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    assert!(pre.starts_with("http/1.1 204"), "{pre}");
    assert_eq!(serve.stop(), Some(0));
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
    let dir = std::env::temp_dir().join(format!("corsair-serve-stage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    std::fs::write(
        &file,
        "[cors]\norigins = [\"http://localhost:5173\"]\ncredentials = true\nmax-age = 60\n\n[stages.development]\ndebug = true\n",
    )
    .unwrap();
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
    let dir = std::env::temp_dir().join(format!("corsair-serve-summary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    let origins: Vec<String> = (0..12)
        .map(|i| format!("\"https://app{i}.example.com\""))
        .collect();
    std::fs::write(
        &file,
        format!(
            "[cors]\norigins = [{}]\ncredentials = true\nmax-age = 60\n\n[[routes]]\npath = \"/public/**\"\norigins = [\"*\"]\ncredentials = false\n",
            origins.join(", ")
        ),
    )
    .unwrap();
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

/// Every line parses as one JSON object; the events, in order.
fn json_events(lines: &[String]) -> Vec<serde_json::Value> {
    assert!(!lines.is_empty());
    lines
        .iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            assert!(event.is_object(), "{line}");
            event
        })
        .collect()
}

#[test]
fn json_logs_write_nothing_but_json_lines() {
    let dir = std::env::temp_dir().join(format!("corsair-serve-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    // A warning (localhost without credentials in production) to report.
    std::fs::write(
        &file,
        "[cors]\norigins = [\"https://app.example.com\", \"http://localhost:3000\"]\nmax-age = 60\n",
    )
    .unwrap();
    let os = std::ffi::OsStr::new;
    let mut serve = Serve::start(&[
        os("--log-format"),
        os("json"),
        os("--admin"),
        os("127.0.0.1:0"),
        os("--config"),
        file.as_os_str(),
    ]);
    let addr = serve.address("listening on http://");
    serve.address("metrics on http://");
    let refused = exchange(&addr, "OPTIONS /v1 HTTP/1.1\r\nHost: api\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    assert!(refused.starts_with("http/1.1 403"), "{refused}");
    serve.wait_for("origin-mismatch");
    // A broken file (its problems and the refusal to reload), then a good one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&file, "[cors]\norigins = [\"https://two.example.com/\"]\n").unwrap();
    serve.wait_for("not reloaded");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(
        &file,
        "[cors]\norigins = [\"https://two.example.com\"]\nmax-age = 60\n",
    )
    .unwrap();
    serve.wait_for("reloaded: policy");
    assert_eq!(serve.stop(), Some(0));
    let events = json_events(&serve.all_lines());
    let find = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        events
            .iter()
            .find(|e| pred(e))
            .unwrap_or_else(|| panic!("no such event in {events:#?}"))
            .clone()
    };
    let warning = find(&|e| e["fields"]["slug"] == "localhost-in-production");
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["target"], "corsair::policy");
    assert!(
        warning["fields"]["place"]
            .as_str()
            .is_some_and(|p| p.ends_with("corsair.toml:2:39")),
        "{warning}"
    );
    let policy = find(&|e| e["fields"]["event"] == "policy");
    assert_eq!(policy["fields"]["stage"], "[cors] (production)");
    assert_eq!(
        policy["fields"]["origins"],
        "https://app.example.com, http://localhost:3000"
    );
    assert_eq!(policy["fields"]["origin_count"], 2);
    assert_eq!(policy["fields"]["credentials"], false);
    assert_eq!(policy["fields"]["routes"], 0);
    let listening = find(&|e| e["fields"]["event"] == "listening");
    assert!(listening["fields"]["upstream"]
        .as_str()
        .is_some_and(|u| u.starts_with("http://127.0.0.1:")));
    let broken = find(&|e| e["fields"]["slug"] == "origin-trailing-slash");
    assert_eq!(broken["level"], "ERROR");
    let kept = find(&|e| {
        e["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not reloaded"))
    });
    assert_eq!(kept["level"], "ERROR");
    let reloaded = find(&|e| e["fields"]["event"] == "reloaded");
    assert_eq!(reloaded["fields"]["origins"], "https://two.example.com");
    find(&|e| e["fields"]["message"] == "stopped");

    // A start that fails writes JSON too.
    for args in [
        &["--origin", "http://localhost:5173", "--credentials"][..],
        &[
            "--origin",
            "https://a.example",
            "--tls-cert",
            "/nonexistent.pem",
            "--tls-key",
            "/nonexistent.key",
        ][..],
    ] {
        let out = corsair()
            .args([
                "serve",
                "--upstream",
                "http://127.0.0.1:9",
                "--log-format",
                "json",
            ])
            .args(args)
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<String> = err.lines().map(str::to_owned).collect();
        let events = json_events(&lines);
        assert!(
            events.iter().any(|e| e["level"] == "ERROR"),
            "{args:?}: {err}"
        );
    }
    let out = corsair()
        .args([
            "serve",
            "--upstream",
            "https://api.example.com",
            "--origin",
            "https://a.example",
        ])
        .env("CORSAIR_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<String> = err.lines().map(str::to_owned).collect();
    let events = json_events(&lines);
    assert!(
        events[0]["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("TLS to the upstream is not supported")),
        "{err}"
    );
}

/// A reload of a large policy (200,000 origins) is read and compiled off
/// the worker that answers requests: with one worker, preflights keep being
/// answered quickly while it runs, and the new policy then applies.
#[test]
fn a_large_reload_never_stalls_the_answers() {
    let dir = std::env::temp_dir().join(format!("corsair-serve-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    std::fs::write(
        &file,
        "[cors]\norigins = [\"https://one.example.com\"]\nmax-age = 60\n",
    )
    .unwrap();
    let os = std::ffi::OsStr::new;
    let serve = Serve::start(&[os("--workers"), os("1"), os("--config"), file.as_os_str()]);
    let gateway = serve.address("listening on http://");
    let preflight = |origin: &str| {
        exchange(&gateway, &format!("OPTIONS /x HTTP/1.1\r\nHost: api\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"))
    };
    assert!(preflight("https://one.example.com").starts_with("http/1.1 204"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let origins: Vec<String> = (0..200_000)
        .map(|i| format!("\"https://app{i}.example.com\""))
        .collect();
    std::fs::write(
        &file,
        format!(
            "[cors]\norigins = [\"https://one.example.com\", {}]\nmax-age = 60\n",
            origins.join(", ")
        ),
    )
    .unwrap();
    // While the new file is read and compiled, the old policy answers.
    let started = std::time::Instant::now();
    let mut slowest = std::time::Duration::ZERO;
    let mut answered = 0;
    while started.elapsed() < std::time::Duration::from_secs(3) {
        let t = std::time::Instant::now();
        assert!(preflight("https://one.example.com").starts_with("http/1.1 204"));
        slowest = slowest.max(t.elapsed());
        answered += 1;
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        slowest < std::time::Duration::from_millis(500),
        "a preflight waited {slowest:?} during the reload ({answered} answered)"
    );
    serve.wait_for("corsair.toml reloaded");
    assert!(preflight("https://app199999.example.com").starts_with("http/1.1 204"));
    let _ = std::fs::remove_dir_all(&dir);
}
