//! Hostile clients against `corsair serve` (run by `scripts/hostile-clients.sh`).
//!
//! `hostile run CORSAIR SECONDS` starts an upstream in this process, starts
//! the gateway (`CORSAIR serve`, under `ulimit -n 512`) in front of it on
//! 127.0.0.1, and runs each attack for SECONDS: slowloris (half-sent heads,
//! a byte now and then), an idle flood (more connections than the gateway
//! has descriptors, reopened as they are closed), header floods (one huge
//! header; hundreds of headers), an HTTP/2 stream flood and slow uploads.
//! Throughout each, a normal client sends a GET on a new connection every
//! 100 ms and must get its 200 within 1 s. It prints a table and exits 1
//! when a normal request failed or was late, or the gateway died.
//! Everything is bounded: counts, durations, and the gateway is stopped
//! (SIGTERM, then killed) on the way out.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ORIGIN: &str = "https://app.example.com";
/// The gateway's descriptor limit in this run.
const GATEWAY_NOFILE: u32 = 512;
/// A normal request must be answered within this.
const PROBE_DEADLINE: Duration = Duration::from_secs(1);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (corsair, seconds) = match &args[..] {
        [run, corsair, seconds] if run == "run" => match seconds.parse::<u64>() {
            Ok(s) if (1..=120).contains(&s) => (corsair.clone(), s),
            _ => usage(),
        },
        _ => usage(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hostile: no runtime: {e}");
            std::process::exit(2);
        }
    };
    let ok = runtime.block_on(run(&corsair, Duration::from_secs(seconds)));
    std::process::exit(if ok { 0 } else { 1 });
}

fn usage() -> ! {
    eprintln!("usage: hostile run PATH/TO/corsair SECONDS (1..=120)");
    std::process::exit(2);
}

/// The upstream: counts its connections (now and at most).
#[derive(Default)]
struct Upstream {
    open: AtomicUsize,
    peak: AtomicUsize,
}

async fn upstream(stats: Arc<Upstream>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let n = stats.open.fetch_add(1, Ordering::SeqCst) + 1;
            stats.peak.fetch_max(n, Ordering::SeqCst);
            let stats = stats.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let body = req
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let text = format!("{} bytes\n", body.len());
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
                stats.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Ok(addr)
}

/// The gateway process, stopped on drop.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..50 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// What one attack did, in a few words.
type Summary = String;

/// The normal client's record during one attack.
#[derive(Default)]
struct Probes {
    sent: AtomicU64,
    ok: AtomicU64,
    worst_micros: AtomicU64,
}

/// One GET on a new connection, answered 200 within the deadline?
async fn probe_once(gateway: SocketAddr) -> Option<Duration> {
    let started = Instant::now();
    let exchange = async {
        let mut s = TcpStream::connect(gateway).await.ok()?;
        let request = format!(
            "GET /ok HTTP/1.1\r\nHost: api\r\nOrigin: {ORIGIN}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(request.as_bytes()).await.ok()?;
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).await.ok()?;
        answer.starts_with(b"HTTP/1.1 200").then_some(())
    };
    tokio::time::timeout(PROBE_DEADLINE, exchange)
        .await
        .ok()
        .flatten()
        .map(|()| started.elapsed())
}

async fn probe(gateway: SocketAddr, stop: Arc<AtomicBool>, probes: Arc<Probes>) {
    while !stop.load(Ordering::SeqCst) {
        probes.sent.fetch_add(1, Ordering::SeqCst);
        let took = probe_once(gateway).await;
        if let Some(took) = took {
            probes.ok.fetch_add(1, Ordering::SeqCst);
            let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
            probes.worst_micros.fetch_max(micros, Ordering::SeqCst);
        } else {
            probes.worst_micros.fetch_max(
                u64::try_from(PROBE_DEADLINE.as_micros()).unwrap_or(0),
                Ordering::SeqCst,
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Holds connections until the gateway closes them; counts the closures.
async fn hold_until_closed(mut s: TcpStream, until: Instant) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

async fn slowloris(gateway: SocketAddr, duration: Duration) -> Summary {
    const CONNECTIONS: usize = 400;
    let until = Instant::now() + duration;
    let closed = Arc::new(AtomicUsize::new(0));
    let opened = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..CONNECTIONS {
        let (closed, opened) = (closed.clone(), opened.clone());
        tasks.push(tokio::spawn(async move {
            let Ok(mut s) = TcpStream::connect(gateway).await else {
                return;
            };
            opened.fetch_add(1, Ordering::SeqCst);
            if s.write_all(format!("GET /ok HTTP/1.1\r\nHost: api\r\nX-{i}: ").as_bytes())
                .await
                .is_err()
            {
                closed.fetch_add(1, Ordering::SeqCst);
                return;
            }
            // A byte a second: never a whole head.
            while Instant::now() < until {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if s.write_all(b"a").await.is_err() {
                    closed.fetch_add(1, Ordering::SeqCst);
                    return;
                }
            }
            let mut buf = [0u8; 64];
            if matches!(
                tokio::time::timeout(Duration::from_millis(10), s.read(&mut buf)).await,
                Ok(Ok(0) | Err(_))
            ) {
                closed.fetch_add(1, Ordering::SeqCst);
            }
        }));
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    format!(
        "{} half-sent heads, {} closed by the gateway",
        opened.load(Ordering::SeqCst),
        closed.load(Ordering::SeqCst)
    )
}

async fn idle_flood(gateway: SocketAddr, duration: Duration) -> Summary {
    // More than the gateway's descriptors; each reopened 200 ms after it is closed.
    const CONNECTIONS: usize = 600;
    let until = Instant::now() + duration;
    let opened = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (opened, closed) = (opened.clone(), closed.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                if let Ok(s) = TcpStream::connect(gateway).await {
                    opened.fetch_add(1, Ordering::SeqCst);
                    if hold_until_closed(s, until).await {
                        closed.fetch_add(1, Ordering::SeqCst);
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    format!(
        "{CONNECTIONS} at once, {} opened, {} closed by the gateway",
        opened.load(Ordering::SeqCst),
        closed.load(Ordering::SeqCst)
    )
}

/// Sends `head` on new connections for the duration; counts the answers' status.
async fn header_flood(gateway: SocketAddr, duration: Duration, head: Arc<Vec<u8>>) -> Summary {
    const CLIENTS: usize = 20;
    let until = Instant::now() + duration;
    let answers = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<
        String,
        u64,
    >::new()));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (head, answers) = (head.clone(), answers.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let outcome = async {
                    let mut s = TcpStream::connect(gateway).await.ok()?;
                    // The gateway may close before the whole head is in.
                    let _ = s.write_all(&head).await;
                    let mut answer = Vec::new();
                    let _ =
                        tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut answer))
                            .await;
                    Some(answer)
                }
                .await;
                let key = match outcome {
                    Some(a) if a.starts_with(b"HTTP/1.1 ") => {
                        String::from_utf8_lossy(&a[9..12.min(a.len())]).into_owned()
                    }
                    Some(_) => "closed".into(),
                    None => "no connection".into(),
                };
                if let Ok(mut map) = answers.lock() {
                    *map.entry(key).or_default() += 1;
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let map = answers.lock().map(|m| m.clone()).unwrap_or_default();
    let parts: Vec<String> = map.iter().map(|(k, n)| format!("{n}x {k}")).collect();
    format!("answers: {}", parts.join(", "))
}

fn huge_header() -> Vec<u8> {
    let mut head =
        format!("GET /ok HTTP/1.1\r\nHost: api\r\nOrigin: {ORIGIN}\r\nX-Huge: ").into_bytes();
    head.extend(std::iter::repeat_n(b'h', 1 << 20));
    head.extend_from_slice(b"\r\n\r\n");
    head
}

fn many_headers() -> Vec<u8> {
    let mut head = format!("GET /ok HTTP/1.1\r\nHost: api\r\nOrigin: {ORIGIN}\r\n");
    for i in 0..500 {
        head.push_str(&format!("X-Many-{i}: {i}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn h2_flood(gateway: SocketAddr, duration: Duration, upstream: &Upstream) -> Summary {
    const CONNECTIONS: usize = 4;
    const STREAMS: usize = 300;
    let until = Instant::now() + duration;
    upstream
        .peak
        .store(upstream.open.load(Ordering::SeqCst), Ordering::SeqCst);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let Ok(tcp) = TcpStream::connect(gateway).await else {
            failed.fetch_add(1, Ordering::SeqCst);
            continue;
        };
        let Ok((sender, conn)) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await
        else {
            failed.fetch_add(1, Ordering::SeqCst);
            continue;
        };
        tokio::spawn(conn);
        for _ in 0..STREAMS {
            let mut sender = sender.clone();
            let (done, failed) = (done.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                while Instant::now() < until {
                    let Ok(req) = Request::get("http://api/ok")
                        .header("origin", ORIGIN)
                        .body(Full::new(Bytes::new()))
                    else {
                        return;
                    };
                    match sender.send_request(req).await {
                        Ok(res) if res.status() == 200 => {
                            let _ = res.into_body().collect().await;
                            done.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    format!(
        "{CONNECTIONS} conns x {STREAMS} streams: {} answered, {} failed; upstream conns at most {}",
        done.load(Ordering::SeqCst),
        failed.load(Ordering::SeqCst),
        upstream.peak.load(Ordering::SeqCst)
    )
}

async fn slow_uploads(gateway: SocketAddr, duration: Duration) -> Summary {
    const CLIENTS: usize = 40;
    const PIECES: usize = 20;
    const PIECE: usize = 10 * 1024;
    // The whole body takes the duration, well past the gateway's --timeout.
    let gap = duration / u32::try_from(PIECES + 2).unwrap_or(22);
    let ok = Arc::new(AtomicU64::new(0));
    let other = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (ok, other) = (ok.clone(), other.clone());
        tasks.push(tokio::spawn(async move {
            let outcome = async {
                let mut s = TcpStream::connect(gateway).await.ok()?;
                let head = format!(
                    "POST /upload HTTP/1.1\r\nHost: api\r\nOrigin: {ORIGIN}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    PIECES * PIECE
                );
                s.write_all(head.as_bytes()).await.ok()?;
                let piece = vec![b'u'; PIECE];
                for _ in 0..PIECES {
                    s.write_all(&piece).await.ok()?;
                    tokio::time::sleep(gap).await;
                }
                let mut answer = Vec::new();
                tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer))
                    .await
                    .ok()?
                    .ok()?;
                Some(String::from_utf8_lossy(&answer[..answer.len().min(12)]).into_owned())
            }
            .await;
            match outcome {
                Some(a) if a.starts_with("HTTP/1.1 200") => {
                    ok.fetch_add(1, Ordering::SeqCst);
                }
                a => {
                    if let Ok(mut v) = other.lock() {
                        v.push(a.unwrap_or_else(|| "broken".into()));
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let other = other.lock().map(|v| v.clone()).unwrap_or_default();
    format!(
        "{CLIENTS} x 200 KB over {:.1} s: {} got 200{}",
        (gap * u32::try_from(PIECES).unwrap_or(20)).as_secs_f64(),
        ok.load(Ordering::SeqCst),
        if other.is_empty() {
            String::new()
        } else {
            format!(", others: {other:?}")
        }
    )
}

/// The gateway's resident memory in MB (Linux), or NaN.
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The gateway's `/metrics` lines that start with `prefix`.
async fn metrics(admin: SocketAddr, prefix: &str) -> Vec<String> {
    let fetch = async {
        let mut s = TcpStream::connect(admin).await.ok()?;
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).await.ok()?;
        Some(text)
    };
    let text = tokio::time::timeout(Duration::from_secs(2), fetch)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

async fn run(corsair: &str, duration: Duration) -> bool {
    let stats = Arc::new(Upstream::default());
    let (up, port, admin_port) = match (upstream(stats.clone()).await, free_port(), free_port()) {
        (Ok(up), Ok(p), Ok(a)) => (up, p, a),
        _ => {
            eprintln!("hostile: cannot bind on 127.0.0.1");
            return false;
        }
    };
    let gateway: SocketAddr = ([127, 0, 0, 1], port).into();
    let admin: SocketAddr = ([127, 0, 0, 1], admin_port).into();
    let command = format!(
        "ulimit -n {GATEWAY_NOFILE} && exec \"$0\" serve --upstream http://{up} --listen {gateway} --admin {admin} --origin {ORIGIN} --header-timeout 2 --idle-timeout 5 --timeout 1"
    );
    println!("gateway: sh -c '{command}' (with $0 = {corsair})");
    let child = match Command::new("sh")
        .args(["-c", &command, corsair])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hostile: cannot start {corsair}: {e}");
            return false;
        }
    };
    let mut gw = Gateway(child);
    // For the script's clean-up, should this process be killed first.
    if let Ok(path) = std::env::var("HOSTILE_PIDFILE") {
        let _ = std::fs::write(path, gw.0.id().to_string());
    }
    // Its log, kept for the end (the warnings of a flood are many).
    let log = gw.0.stderr.take().map(|stderr| {
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut first = Vec::new();
            let mut count = 0usize;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                count += 1;
                if first.len() < 5 {
                    first.push(line);
                }
            }
            (first, count)
        })
    });
    let mut ready = false;
    for _ in 0..100 {
        if probe_once(gateway).await.is_some() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !ready {
        eprintln!("hostile: the gateway did not start");
        return false;
    }
    let pid = gw.0.id();
    println!("gateway memory at start: {:.1} MB", rss_mb(pid));
    let mut rows: Vec<(&str, Summary, u64, u64, Duration, f64)> = Vec::new();
    let mut all_ok = true;
    let scenarios: [&str; 6] = [
        "slowloris",
        "idle flood",
        "huge header (1 MB)",
        "many headers (500)",
        "HTTP/2 stream flood",
        "slow uploads",
    ];
    for name in scenarios {
        let stop = Arc::new(AtomicBool::new(false));
        let probes = Arc::new(Probes::default());
        let prober = tokio::spawn(probe(gateway, stop.clone(), probes.clone()));
        let summary = match name {
            "slowloris" => slowloris(gateway, duration).await,
            "idle flood" => idle_flood(gateway, duration).await,
            "huge header (1 MB)" => header_flood(gateway, duration, Arc::new(huge_header())).await,
            "many headers (500)" => header_flood(gateway, duration, Arc::new(many_headers())).await,
            "HTTP/2 stream flood" => h2_flood(gateway, duration, &stats).await,
            _ => slow_uploads(gateway, duration).await,
        };
        stop.store(true, Ordering::SeqCst);
        let _ = prober.await;
        let sent = probes.sent.load(Ordering::SeqCst);
        let ok = probes.ok.load(Ordering::SeqCst);
        let worst = Duration::from_micros(probes.worst_micros.load(Ordering::SeqCst));
        let passed = sent > 0 && ok == sent;
        all_ok &= passed;
        // Let the gateway close what the attack left behind.
        tokio::time::sleep(Duration::from_millis(500)).await;
        rows.push((name, summary, ok, sent, worst, rss_mb(pid)));
    }
    let alive = matches!(gw.0.try_wait(), Ok(None));
    let counters = metrics(admin, "corsair_connections").await;
    let errors = metrics(admin, "corsair_upstream_errors_total{").await;
    println!();
    println!(
        "{:<21} {:>11} {:>10} {:>8}  {:<6} attack",
        "scenario", "normal 200s", "worst", "RSS after", "result"
    );
    for (name, summary, ok, sent, worst, rss) in &rows {
        let result = if ok == sent && *sent > 0 {
            "ok"
        } else {
            "FAIL"
        };
        println!(
            "{name:<21} {:>11} {:>7.1} ms {rss:>6.1} MB  {result:<6} {summary}",
            format!("{ok}/{sent}"),
            worst.as_secs_f64() * 1e3
        );
    }
    println!();
    for line in counters.iter().chain(&errors) {
        println!("  {line}");
    }
    println!(
        "gateway alive after the attacks: {}",
        if alive { "yes" } else { "NO" }
    );
    drop(gw);
    if let Some(Ok((first, count))) = log.map(|h| h.join()) {
        println!("gateway log: {count} lines; first: {}", first.join(" | "));
    }
    all_ok && alive
}
