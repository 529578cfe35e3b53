//! `corsair serve`: the gateway from the command line. The policy comes from
//! a file (`--config`, or `corsair.toml` when present) or from `--origin`
//! flags; it is checked first, and a policy with errors stops the start with
//! every problem shown as `corsair lint` shows them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use corsair_core::catalog::Severity;
use corsair_core::policy::{self, PolicyBuilder, Problem};
use std::sync::Arc;

use corsair_gateway::{
    Live, Metrics, PolicySource, Proxy, ProxyConfig, Reloaded, ServeConfig, Upstream,
};
use corsair_tower::CorsLayer;

use crate::render::Style;

/// Arguments of `corsair serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The API to put behind the gateway: http://host[:port].
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Policy file (default: ./corsair.toml when there is one and no --origin).
    #[arg(long, value_name = "FILE", conflicts_with = "origin")]
    pub config: Option<PathBuf>,
    /// An allowed origin, for a start without a policy file (repeatable).
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Vec<String>,
    /// With --origin: allow credentialed requests (cookies, Authorization).
    #[arg(long, requires = "origin")]
    pub credentials: bool,
    /// The policy file's stage.
    #[arg(long, value_name = "NAME", env = policy::STAGE_ENV)]
    pub stage: Option<String>,
    /// Seconds the upstream has to start answering once the request body is sent (or to take more of it) before the gateway answers 504; an upstream body silent as long is cut.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Seconds a client has to send a complete request head (from its connection, or from the first byte after an idle wait).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub header_timeout: f64,
    /// Seconds a connection may wait between requests (and a request body, or a client not reading its answer, may stall) before it is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub idle_timeout: f64,
    /// Client connections open at once (lowered to fit the descriptor limit); at the cap the longest-idle one is closed, or the new one refused.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Concurrent streams on one HTTP/2 connection.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_streams: u32,
    /// Seconds to connect to the upstream before the gateway answers 502.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Address of the admin listener (`/metrics`, `/healthz`); none by default.
    #[arg(long, value_name = "ADDR")]
    pub admin: Option<SocketAddr>,
    /// Seconds requests in flight get to finish on shutdown (SIGTERM, Ctrl-C).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub grace: f64,
    /// TLS on the listener: the certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS on the listener: the certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body forwarded (bytes, or with k, m, g); larger ones get 413. `none` for no limit.
    #[arg(long, value_name = "SIZE", default_value = "100m", value_parser = parse_size)]
    pub max_body: Size,
    /// Log lines as text or as JSON objects (one per line).
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "text",
        env = "CORSAIR_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// Worker threads (default: one per CPU).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: Option<u16>,
}

/// A body size limit; `None` is no limit.
#[derive(Clone, Copy, Debug)]
pub struct Size(pub Option<u64>);

/// Reads `4096`, `512k`, `100m`, `1g` (binary multiples) or `none`.
fn parse_size(text: &str) -> Result<Size, String> {
    let t = text.trim().to_ascii_lowercase();
    if t == "none" || t == "0" {
        return Ok(Size(None));
    }
    let t = t.strip_suffix('b').unwrap_or(&t);
    let t = t.strip_suffix('i').unwrap_or(t);
    let (digits, shift) = match t.as_bytes().last() {
        Some(b'k') => (&t[..t.len() - 1], 10),
        Some(b'm') => (&t[..t.len() - 1], 20),
        Some(b'g') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .map(|n| Size(Some(n)))
        .ok_or_else(|| {
            format!("`{text}` is not a size: write bytes (4096), 512k, 100m, 1g or none")
        })
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event (fields: timestamp, level, target, fields.message, ...).
    Json,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
With --origin, the policy allows those origins (and CORS_ORIGINS), GET/HEAD/POST plus PUT, PATCH and DELETE, the request headers Content-Type and Authorization, and caches preflights 2 hours. For anything else, write a corsair.toml (see `corsair lint`).

TLS: --tls-cert and --tls-key serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN); without them the listener speaks HTTP/1.1 and h2c. WebSocket upgrades are passed through to the upstream.

Logs: CORSAIR_LOG sets the filter (default corsair=info; corsair=debug shows more); each refusal is logged in plain words with its catalog slug and route.

Exit status: 0 after a clean shutdown, 1 the policy has errors, 2 bad arguments or the address cannot be used.";

fn seconds(value: f64, name: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("--{name} must be a number of seconds, not {value}"))
}

/// Runs `corsair serve`; returns the exit status.
pub fn run(args: &ServeArgs) -> u8 {
    let style = Style::for_stderr();
    let upstream = match Upstream::parse(&args.upstream) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("corsair serve: {e}");
            return 2;
        }
    };
    let durations = [
        seconds(args.timeout, "timeout"),
        seconds(args.connect_timeout, "connect-timeout"),
        seconds(args.grace, "grace"),
        seconds(args.header_timeout, "header-timeout"),
        seconds(args.idle_timeout, "idle-timeout"),
    ];
    let [timeout, connect_timeout, grace, header_timeout, idle_timeout] = match durations {
        [Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)] => [a, b, c, d, e],
        _ => {
            for e in durations.iter().filter_map(|d| d.as_ref().err()) {
                eprintln!("corsair serve: {e}");
            }
            return 2;
        }
    };
    if header_timeout.is_zero() || idle_timeout.is_zero() {
        eprintln!("corsair serve: --header-timeout and --idle-timeout must be more than 0");
        return 2;
    }
    let wanted = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    let max_connections = match descriptor_limit() {
        // Each client may hold an upstream connection too; the rest is for
        // the listeners, the policy file and the like.
        Some(limit) => wanted
            .min(limit.saturating_sub(RESERVED_DESCRIPTORS) / 2)
            .max(1),
        None => wanted,
    };
    // Refusals and upstream failures are logged; CORSAIR_LOG tunes it
    // (`corsair=debug` shows every refusal).
    let filter = tracing_subscriber::EnvFilter::try_from_env("CORSAIR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("corsair=info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match args.log_format {
        LogFormat::Text => logs.with_ansi(style.color).try_init(),
        LogFormat::Json => logs.json().with_current_span(false).try_init(),
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match corsair_gateway::tls::acceptor(cert, key) {
            Ok(a) => Some(a),
            Err(e) => {
                eprintln!("corsair serve: TLS: {e}");
                return 2;
            }
        },
        _ => None,
    };
    let env = std::env::var(policy::ORIGINS_ENV).ok();
    let (layer, source) = match policy_layer(args, env.as_deref(), style) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        runtime.worker_threads(usize::from(n));
    }
    let runtime = match runtime.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("corsair serve: cannot start the runtime: {e}");
            return 2;
        }
    };
    runtime.block_on(async {
        let listener = match corsair_gateway::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("corsair serve: cannot listen on {}: {e}", args.listen);
                return 2;
            }
        };
        let local = listener
            .local_addr()
            .map_or_else(|_| args.listen.to_string(), |a| a.to_string());
        let scheme = if tls.is_some() { "https" } else { "http" };
        eprintln!(
            "corsair serve: listening on {scheme}://{local}, forwarding to http://{}",
            upstream.authority()
        );
        let live = Live::new(layer, Arc::new(Metrics::default()));
        if let Some(admin) = args.admin {
            match corsair_gateway::bind(admin).await {
                Ok(l) => {
                    let shown = l.local_addr().map_or_else(|_| admin.to_string(), |a| a.to_string());
                    eprintln!("corsair serve: metrics on http://{shown}/metrics");
                    tokio::spawn(corsair_gateway::admin::serve_admin(l, live.metrics().clone()));
                }
                Err(e) => {
                    eprintln!("corsair serve: cannot listen on {admin} (admin): {e}");
                    return 2;
                }
            }
        }
        if let Some(source) = source {
            // Reload on SIGHUP and when the file changes; an invalid file keeps
            // the running policy, with its problems shown as lint shows them.
            tokio::spawn(source.watch(live.clone(), Duration::from_secs(1), move |src, outcome| {
                let name = src.path.display().to_string();
                match outcome {
                    Reloaded::Replaced(warnings) => {
                        eprintln!("corsair serve: {name} reloaded");
                        let text = std::fs::read_to_string(&src.path).unwrap_or_default();
                        report(&name, &text, warnings, style);
                    }
                    Reloaded::Kept { text, error } => {
                        if let corsair_gateway::live::ReloadError::Policy(e) = error {
                            report(&name, text, &e.problems, style);
                        }
                        eprintln!("corsair serve: {name} not reloaded ({error}); the running policy stays");
                    }
                }
            }));
        }
        if max_connections < wanted {
            eprintln!(
                "corsair serve: at most {max_connections} connections (the descriptor limit allows no more)"
            );
        }
        let config = ProxyConfig {
            connect_timeout,
            timeout,
            max_body: args.max_body.0,
            proto: scheme,
            max_upstream: max_connections,
            body_stall: Some(idle_timeout),
            ..ProxyConfig::default()
        };
        let proxy = Proxy::new(upstream, config);
        let serving = ServeConfig {
            grace,
            header_timeout,
            idle_timeout,
            max_connections,
            max_streams: args.max_streams,
        };
        let drained =
            corsair_gateway::serve(listener, live, proxy, tls, shutdown_signal(), serving).await;
        if drained {
            eprintln!("corsair serve: stopped");
        } else {
            eprintln!(
                "corsair serve: stopped; some requests were still running after {} s",
                grace.as_secs_f64()
            );
        }
        0
    })
}

/// Descriptors kept back from client and upstream connections.
const RESERVED_DESCRIPTORS: usize = 64;

/// The descriptor limit, first raised to the hard limit (as far as 2^20).
#[cfg(unix)]
fn descriptor_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed, which is ours.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    let ceiling: libc::rlim_t = 1 << 20;
    let wanted = limit.rlim_max.min(ceiling);
    if limit.rlim_cur < wanted {
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct passed.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = wanted;
        }
    }
    Some(usize::try_from(limit.rlim_cur.min(ceiling)).unwrap_or(usize::MAX))
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<usize> {
    None
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The policy layer and, for a policy file, where to reload it from.
fn policy_layer(
    args: &ServeArgs,
    env: Option<&str>,
    style: Style,
) -> Result<(CorsLayer, Option<PolicySource>), u8> {
    if !args.origin.is_empty() {
        let mut origins = args.origin.clone();
        // CORS_ORIGINS read as the policy file's reader reads it.
        origins.extend(
            env.into_iter()
                .flat_map(|v| policy::document::env_origins(policy::ORIGINS_ENV, v))
                .map(|o| o.value),
        );
        let builder = PolicyBuilder::new()
            .origins(origins)
            .credentials(args.credentials)
            .methods(["PUT", "PATCH", "DELETE"])
            .request_headers(["content-type", "authorization"])
            .max_age(7200);
        let builder = if !policy::validate::is_production(args.stage.as_deref()) {
            builder.development()
        } else {
            builder
        };
        return match builder.build_with_warnings() {
            Ok((set, warnings)) => {
                report("--origin", "", &warnings, style);
                Ok((CorsLayer::from_policy_set(set), None))
            }
            Err(e) => {
                report("--origin", "", &e.problems, style);
                eprintln!("corsair serve: not started: the policy has errors");
                Err(1)
            }
        };
    }
    let path = match &args.config {
        Some(p) => p.clone(),
        None if Path::new("corsair.toml").exists() => PathBuf::from("corsair.toml"),
        None => {
            eprintln!("corsair serve: give a policy: --config corsair.toml, or --origin https://app.example.com");
            return Err(2);
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("corsair serve: cannot read {}: {e}", path.display());
            return Err(2);
        }
    };
    match CorsLayer::from_toml(&text, args.stage.as_deref(), env) {
        Ok((layer, warnings)) => {
            report(&path.display().to_string(), &text, &warnings, style);
            let source = PolicySource {
                path: path.clone(),
                stage: args.stage.clone(),
                env_origins: env.map(str::to_owned),
            };
            Ok((layer, Some(source)))
        }
        Err(e) => {
            report(&path.display().to_string(), &text, &e.problems, style);
            eprintln!("corsair serve: not started: {} has errors", path.display());
            Err(1)
        }
    }
}

/// Problems on standard error, as `corsair lint` shows them (notes left out).
fn report(name: &str, text: &str, problems: &[Problem], style: Style) {
    let shown: Vec<Problem> = problems
        .iter()
        .filter(|p| p.severity != Severity::Info)
        .cloned()
        .collect();
    if shown.is_empty() {
        return;
    }
    let env = std::env::var(policy::ORIGINS_ENV).ok();
    eprint!(
        "{}",
        crate::lint::human(Path::new(name), text, env.as_deref(), &shown, style)
    );
}
