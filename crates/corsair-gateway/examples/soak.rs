//! Soak under faults for `corsair serve` (run by `scripts/gateway-soak.sh`).
//!
//! `soak upstream PORT SLOW_MS` is the upstream: it adds its own CORS headers,
//! answers a tenth of its requests after SLOW_MS (more than the gateway's
//! timeout) and a twentieth with a 500.
//!
//! `soak drive CORSAIR SECONDS` starts the upstream, starts the gateway
//! (`CORSAIR serve`) in front of it, restarts the upstream every 5 s, and
//! loads the gateway for SECONDS with preflights, GETs and POSTs from an
//! allowed and a refused origin. Every answer is checked: to the allowed
//! origin, exactly one Access-Control-Allow-Origin naming it, credentials
//! allowed and `Vary: Origin`, whatever the status (200, 500, 502, 504); to
//! the refused origin, none. It prints the counts, the ratio of correct
//! answers and the gateway's memory over time, and exits 1 when an answer
//! is wrong, the gateway panicked or its memory grew.

use std::convert::Infallible;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};

const ALLOWED: &str = "https://app.example.com";
const REFUSED: &str = "https://evil.example.net";
const TIMEOUT_MS: u64 = 300;
const SLOW_MS: u64 = 500;
const CLIENTS: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["upstream", port, slow] => {
            let (port, slow) = (port.parse().expect("a port"), slow.parse().expect("ms"));
            runtime.block_on(upstream(port, Duration::from_millis(slow)));
        }
        ["drive", corsair, seconds] => {
            let seconds = seconds.parse().expect("seconds");
            let ok = runtime.block_on(drive(corsair, Duration::from_secs(seconds)));
            std::process::exit(if ok { 0 } else { 1 });
        }
        _ => {
            eprintln!("usage: soak drive PATH/TO/corsair SECONDS | soak upstream PORT SLOW_MS");
            std::process::exit(2);
        }
    }
}

async fn upstream(port: u16, slow: Duration) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the upstream's port");
    let count = Arc::new(AtomicU64::new(0));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let count = count.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let n = count.fetch_add(1, Ordering::Relaxed);
                async move {
                    let _ = req.into_body().collect().await;
                    if n % 10 == 3 {
                        tokio::time::sleep(slow).await;
                    }
                    let status = if n % 20 == 7 {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    Ok::<_, Infallible>(
                        Response::builder()
                            .status(status)
                            .header("access-control-allow-origin", "*")
                            .header("vary", "Accept-Encoding")
                            .body(Full::new(Bytes::from_static(b"{\"ok\":true}\n")))
                            .expect("a response"),
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// Kills a child process when dropped, so nothing outlives the run.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_upstream(port: u16) -> Owned {
    let me = std::env::current_exe().expect("own path");
    Owned(
        Command::new(me)
            .args(["upstream", &port.to_string(), &SLOW_MS.to_string()])
            .spawn()
            .expect("the upstream starts"),
    )
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[derive(Default)]
struct Counts {
    allowed: AtomicU64,
    allowed_correct: AtomicU64,
    refused: AtomicU64,
    refused_correct: AtomicU64,
    failed: AtomicU64,
    by_status: [AtomicU64; 7],
}

const STATUSES: [u16; 7] = [200, 204, 403, 500, 502, 504, 0];

fn values<'a>(h: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    h.get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

/// Whether the answer's CORS headers are right for `origin`.
fn correct(origin: &str, h: &HeaderMap) -> bool {
    let acao = values(h, "access-control-allow-origin");
    if origin == REFUSED {
        return acao.is_empty() && values(h, "access-control-allow-credentials").is_empty();
    }
    let vary_origin = values(h, "vary")
        .iter()
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("origin"));
    acao == [ALLOWED] && values(h, "access-control-allow-credentials") == ["true"] && vary_origin
}

async fn drive(corsair: &str, run_for: Duration) -> bool {
    let up_port = free_port();
    let gw_port = free_port();
    let mut upstream = start_upstream(up_port);
    let mut gateway = Owned(
        Command::new(corsair)
            .args([
                "serve",
                "--upstream",
                &format!("http://127.0.0.1:{up_port}"),
                "--listen",
                &format!("127.0.0.1:{gw_port}"),
                "--origin",
                ALLOWED,
                "--credentials",
                "--timeout",
                &format!("{}", TIMEOUT_MS as f64 / 1000.0),
                "--connect-timeout",
                "0.2",
            ])
            .env("CORSAIR_LOG", "corsair=error")
            .env_remove("CORS_ORIGINS")
            .stderr(Stdio::piped())
            .spawn()
            .expect("corsair serve starts"),
    );
    let gw_pid = gateway.0.id();
    let stderr = gateway.0.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut { stderr }, &mut text);
        text
    });
    let base = format!("http://127.0.0.1:{gw_port}");
    // Wait for the gateway to listen.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", gw_port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let deadline = started + run_for;
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut tasks = Vec::new();
    for id in 0..CLIENTS {
        let (client, counts, base) = (client.clone(), counts.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = id;
            while Instant::now() < deadline {
                n += CLIENTS;
                let origin = if n % 4 == 0 { REFUSED } else { ALLOWED };
                let mut req = Request::builder().header("origin", origin);
                req = match n % 3 {
                    0 => req
                        .method("OPTIONS")
                        .uri(format!("{base}/items/{n}"))
                        .header("access-control-request-method", "PUT")
                        .header("access-control-request-headers", "content-type"),
                    1 => req.method("GET").uri(format!("{base}/items/{n}")),
                    _ => req
                        .method("POST")
                        .uri(format!("{base}/items"))
                        .header("content-type", "application/json"),
                };
                let body = Full::new(Bytes::from_static(b"{\"name\":\"soak\"}"));
                let answer = tokio::time::timeout(
                    Duration::from_secs(5),
                    client.request(req.body(body).expect("a request")),
                )
                .await;
                let Ok(Ok(res)) = answer else {
                    counts.failed.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let status = res.status().as_u16();
                let slot = STATUSES
                    .iter()
                    .position(|&s| s == status)
                    .unwrap_or(STATUSES.len() - 1);
                counts.by_status[slot].fetch_add(1, Ordering::Relaxed);
                let right = correct(origin, res.headers());
                let _ = res.into_body().collect().await;
                let (total, good) = if origin == REFUSED {
                    (&counts.refused, &counts.refused_correct)
                } else {
                    (&counts.allowed, &counts.allowed_correct)
                };
                total.fetch_add(1, Ordering::Relaxed);
                if right {
                    good.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let mut memory = Vec::new();
    let mut next_restart = started + Duration::from_secs(5);
    let mut restarts = 0;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if Instant::now() >= next_restart {
            drop(upstream);
            tokio::time::sleep(Duration::from_millis(100)).await;
            upstream = start_upstream(up_port);
            restarts += 1;
            next_restart += Duration::from_secs(5);
        }
        let second = started.elapsed().as_secs();
        if memory.last().is_none_or(|&(s, _)| s < second) {
            if let Some(kib) = rss_kib(gw_pid) {
                memory.push((second, kib));
            }
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let alive = matches!(gateway.0.try_wait(), Ok(None));
    let _ = Command::new("kill")
        .args(["-TERM", &gw_pid.to_string()])
        .status();
    let _ = gateway.0.wait();
    drop(upstream);
    let log = log.join().unwrap_or_default();
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let (allowed, allowed_ok) = (get(&counts.allowed), get(&counts.allowed_correct));
    let (refused, refused_ok) = (get(&counts.refused), get(&counts.refused_correct));
    let failed = get(&counts.failed);
    println!(
        "soak: {} s, {CLIENTS} clients, upstream restarted {restarts} times, 1 in 10 upstream answers after {SLOW_MS} ms (gateway timeout {TIMEOUT_MS} ms), 1 in 20 a 500",
        run_for.as_secs()
    );
    let statuses: Vec<String> = STATUSES
        .iter()
        .zip(&counts.by_status)
        .map(|(s, c)| {
            let name = if *s == 0 {
                "other".to_owned()
            } else {
                s.to_string()
            };
            format!("{name}: {}", get(c))
        })
        .collect();
    println!("statuses: {}", statuses.join(", "));
    println!(
        "allowed origin: {allowed_ok} / {allowed} answers with correct CORS headers ({:.4})",
        allowed_ok as f64 / allowed.max(1) as f64
    );
    println!(
        "refused origin: {refused_ok} / {refused} answers without CORS headers ({:.4})",
        refused_ok as f64 / refused.max(1) as f64
    );
    println!("requests without an answer (connection errors, > 5 s): {failed}");
    let rss: Vec<String> = memory
        .iter()
        .filter(|(s, _)| s % 10 == 0)
        .map(|(s, k)| format!("{s}s {:.1} MiB", *k as f64 / 1024.0))
        .collect();
    println!("gateway memory (RSS): {}", rss.join(", "));
    let panicked = log.contains("panicked");
    // Flat: the last reading within 25 % (and 8 MiB) of the one at 10 s,
    // once pools and allocator arenas have warmed up.
    let at = |s: u64| memory.iter().find(|(t, _)| *t >= s).map(|&(_, k)| k);
    let grown = match (at(10), memory.last()) {
        (Some(early), Some(&(_, late))) => late > early + early / 4 && late > early + 8 * 1024,
        _ => true,
    };
    println!(
        "gateway: {}, {}, memory {}",
        if alive {
            "ran to the end"
        } else {
            "DIED during the run"
        },
        if panicked { "PANICKED" } else { "no panic" },
        if grown { "GREW" } else { "flat" }
    );
    let ok = alive
        && !panicked
        && !grown
        && allowed > 0
        && allowed_ok == allowed
        && refused_ok == refused;
    println!("soak: {}", if ok { "PASS" } else { "FAIL" });
    ok
}
