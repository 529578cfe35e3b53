//! `corsair serve` as a user starts it: a policy with errors stops it, a
//! good one serves preflights and the gateway's own 502 with CORS headers,
//! and SIGTERM stops it cleanly.
//! The policy checks at start are in serve_policy_cli, the logs in
//! serve_logs_cli.

mod serve;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use serve::*;

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
    let (_, file) = policy_file(
        "corsair-serve-reload-",
        "[cors]\norigins = [\"https://one.example.com\"]\nmethods = [\"PUT\"]\nmax-age = 60\n",
    );
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

/// A reload of a large policy (200,000 origins) is read and compiled off
/// the worker that answers requests: with one worker, preflights keep being
/// answered quickly while it runs, and the new policy then applies.
#[test]
fn a_large_reload_never_stalls_the_answers() {
    let (dir, file) = policy_file(
        "corsair-serve-big-",
        "[cors]\norigins = [\"https://one.example.com\"]\nmax-age = 60\n",
    );
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
