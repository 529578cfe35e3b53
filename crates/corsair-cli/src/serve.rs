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

use corsair_gateway::notice::{Format, Level, Notices};
use corsair_gateway::workers::Plan;
use corsair_gateway::{
    Compiled, Live, Metrics, PolicySource, PolicySummary, ProxyConfig, Reloaded, ServeConfig,
    Upstream,
};
use corsair_tower::CorsLayer;

use crate::exit::{CliError, Status};
use crate::render::Style;

/// Arguments of `corsair serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The API to put behind the gateway: http://host[:port] (port 80 when none), optionally with a path prefix put before every request's path (http://host:8000/api).
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
    /// The stage: the policy file's `[stages.NAME]` (production, or none, is `[cors]`); with --origin, a stage other than production checks the origins as development (localhost and plain http allowed).
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
    /// Address of the admin listener: the dashboard (`/`), `/metrics`, `/healthz`; a port alone listens on 127.0.0.1; none by default.
    #[arg(long, value_name = "ADDR", value_parser = admin_address)]
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
    /// Log lines as text or as JSON objects (one per line, the gateway's own messages and the policy's problems included).
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "text",
        env = "CORSAIR_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// Worker threads, each with its own listening socket (SO_REUSEPORT) and upstream connections (default: one per CPU).
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
With --origin, the policy allows those origins (and CORS_ORIGINS), GET/HEAD/POST plus PUT, PATCH and DELETE, the request headers Content-Type and Authorization, and caches preflights 2 hours. For anything else, write a corsair.toml (see `corsair lint`). Without --stage the origins are checked as production, where localhost and plain-http origins with --credentials are refused; for local development add --stage development (or CORSAIR_STAGE=development).

Upstream: http://host[:port] (port 80 when none), optionally with a path prefix: with http://127.0.0.1:8000/api, /items is forwarded as /api/items. TLS to the upstream is not supported.

TLS: --tls-cert and --tls-key serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN); without them the listener speaks HTTP/1.1 and h2c. WebSocket upgrades are passed through to the upstream.

Logs: CORSAIR_LOG sets the filter (default corsair=info; corsair=debug shows more); each refusal is logged in plain words with its catalog slug and route.

Exit status: 0 after a clean shutdown, 1 the policy has errors, 2 bad arguments or the address cannot be used.";

fn seconds(value: f64, name: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("--{name} must be a number of seconds, not {value}"))
}

/// Installs the log subscriber (refusals, upstream failures and, with JSON
/// logs, the gateway's own messages); returns how messages are written.
fn start_logs(args: &ServeArgs, style: Style) -> Notices {
    // CORSAIR_LOG tunes it (`corsair=debug` shows every refusal).
    let filter = tracing_subscriber::EnvFilter::try_from_env("CORSAIR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("corsair=info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match args.log_format {
        LogFormat::Text => logs.with_ansi(style.color).try_init(),
        LogFormat::Json => logs.json().with_current_span(false).try_init(),
    };
    notices(args)
}

/// How the gateway's messages are written for these arguments.
fn notices(args: &ServeArgs) -> Notices {
    Notices::new(match args.log_format {
        LogFormat::Text => Format::Text,
        LogFormat::Json => Format::Json,
    })
}

/// Says why the gateway stopped, in its log's format (`main` calls it
/// for an error `run` returns).
pub fn say_error(args: &ServeArgs, message: &str) {
    notices(args).say(Level::Error, message);
}

/// Runs `corsair serve`; returns the exit status.
pub fn run(args: &ServeArgs) -> Result<Status, CliError> {
    let style = Style::for_stderr();
    // First, so that with JSON logs every line, errors included, is JSON.
    let say = start_logs(args, style);
    let upstream = Upstream::parse(&args.upstream).map_err(|e| CliError::Input(e.to_string()))?;
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
            // Every bad duration is named, one line each.
            let bad: Vec<String> = durations.into_iter().filter_map(Result::err).collect();
            return Err(CliError::Input(bad.join("; ")));
        }
    };
    if header_timeout.is_zero() || idle_timeout.is_zero() {
        return Err(CliError::from(
            "--header-timeout and --idle-timeout must be more than 0",
        ));
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
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            corsair_gateway::tls::acceptor(cert, key)
                .map_err(|e| CliError::Input(format!("TLS: {e}")))?,
        ),
        _ => None,
    };
    let env = std::env::var(policy::ORIGINS_ENV).ok();
    let Some((layer, source, summary)) = policy_layer(args, env.as_deref(), style, say)? else {
        return Ok(Status::PolicyErrors);
    };
    say.policy(&summary, false);
    // The control plane (signals, reloads, the admin listener) runs here;
    // requests run on the workers' own threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Input(format!("cannot start the runtime: {e}")))?;
    let workers = args.workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    runtime.block_on(async {
        let listeners = corsair_gateway::workers::bind(args.listen, workers)
            .map_err(|e| CliError::Input(format!("cannot listen on {}: {e}", args.listen)))?;
        let local = listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map_or_else(|| args.listen.to_string(), |a| a.to_string());
        let scheme = if tls.is_some() { "https" } else { "http" };
        say.listening(&format!("{scheme}://{local}"), &upstream.to_string());
        let live = Live::new(layer, Arc::new(Metrics::default()));
        live.metrics().journal().started(summary.clone());
        if let Some(admin) = args.admin {
            let l = corsair_gateway::bind(admin)
                .await
                .map_err(|e| CliError::Input(format!("cannot listen on {admin} (admin): {e}")))?;
            let shown = l
                .local_addr()
                .map_or_else(|_| admin.to_string(), |a| a.to_string());
            say.say(
                Level::Info,
                &format!("dashboard on http://{shown}/, metrics on http://{shown}/metrics"),
            );
            tokio::spawn(corsair_gateway::admin::serve_admin(
                l,
                live.metrics().clone(),
            ));
        }
        if let Some(source) = source {
            // Reload on SIGHUP and when the file changes; an invalid file keeps
            // the running policy, with its problems shown as lint shows them.
            tokio::spawn(source.watch(
                live.clone(),
                Duration::from_secs(1),
                move |src, outcome| {
                    let name = src.path.display().to_string();
                    match outcome {
                        Reloaded::Replaced {
                            text,
                            warnings,
                            summary,
                        } => {
                            say.say(Level::Info, &format!("{name} reloaded"));
                            report(say, &name, text, warnings, style);
                            say.policy(summary, true);
                        }
                        Reloaded::Kept { text, error } => {
                            if let corsair_gateway::live::ReloadError::Policy(e) = error {
                                report(say, &name, text, &e.problems, style);
                            }
                            say.say(
                                Level::Error,
                                &format!("{name} not reloaded ({error}); the running policy stays"),
                            );
                        }
                    }
                },
            ));
        }
        if max_connections < wanted {
            say.say(
                Level::Warn,
                &format!(
                    "at most {max_connections} connections (the descriptor limit allows no more)"
                ),
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
        let serving = ServeConfig {
            grace,
            header_timeout,
            idle_timeout,
            max_connections,
            max_streams: args.max_streams,
        };
        let plan = Plan {
            live,
            upstream,
            proxy: config,
            tls,
            serve: serving,
        };
        let drained = corsair_gateway::workers::run(listeners, plan, shutdown_signal())
            .await
            .map_err(|e| CliError::Input(format!("cannot start the workers: {e}")))?;
        if drained {
            say.say(Level::Info, "stopped");
        } else {
            say.say(
                Level::Warn,
                &format!(
                    "stopped; some requests were still running after {} s",
                    grace.as_secs_f64()
                ),
            );
        }
        Ok(Status::Success)
    })
}

/// `--admin`: an address, or a port alone on loopback (the dashboard
/// shows the policy's origins and its refusals: not for every network).
fn admin_address(text: &str) -> Result<SocketAddr, String> {
    match text.parse::<u16>() {
        Ok(port) => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
        Err(_) => text
            .parse()
            .map_err(|_| format!("`{text}` is not an address (127.0.0.1:9090) or a port")),
    }
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

/// What the gateway starts with: the policy layer, for a policy file where
/// to reload it from, and what the policy is in short.
type Started = (CorsLayer, Option<PolicySource>, PolicySummary);

/// The policy the gateway starts with; `None` when it has errors (each one
/// already shown, as `corsair lint` shows them).
fn policy_layer(
    args: &ServeArgs,
    env: Option<&str>,
    style: Style,
    say: Notices,
) -> Result<Option<Started>, CliError> {
    if !args.origin.is_empty() {
        return origin_layer(args, env, style, say);
    }
    let path = match &args.config {
        Some(p) => p.clone(),
        None if Path::new("corsair.toml").exists() => PathBuf::from("corsair.toml"),
        None => {
            return Err(CliError::from(
                "give a policy: --config corsair.toml, or --origin https://app.example.com",
            ));
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::Input(format!("cannot read {name}: {e}")))?;
    match corsair_gateway::compile(&text, args.stage.as_deref(), env) {
        Ok(Compiled {
            layer,
            warnings,
            summary,
        }) => {
            report(say, &name, &text, &warnings, style);
            let source = PolicySource {
                path: path.clone(),
                stage: args.stage.clone(),
                env_origins: env.map(str::to_owned),
            };
            Ok(Some((layer, Some(source), summary)))
        }
        Err(e) => {
            report(say, &name, &text, &e.problems, style);
            say.say(Level::Error, &format!("not started: {name} has errors"));
            if policy::is_production(args.stage.as_deref()) {
                // Errors production alone refuses (localhost, plain http,
                // debug): name the stages under which the file runs.
                let (doc, _) = policy::document::parse(&text);
                let runs: Vec<&str> = doc
                    .stages
                    .iter()
                    .map(|(n, _)| n.value.as_str())
                    .filter(|n| !policy::is_production(Some(n)))
                    .filter(|n| corsair_gateway::compile(&text, Some(n), env).is_ok())
                    .collect();
                if let Some(first) = runs.first() {
                    let which = match runs.as_slice() {
                        [one] => format!("stage {one} allows"),
                        many => format!("stages {} allow", many.join(", ")),
                    };
                    say.hint(
                        &format!(
                            "the production policy ([cors]) has errors that {which}; to run it for development, choose the stage with --stage (or {}={first})",
                            policy::STAGE_ENV
                        ),
                        &command_line(args, first),
                    );
                }
            }
            Ok(None)
        }
    }
}

/// The policy of `--origin` flags (and `CORS_ORIGINS`), checked as
/// production unless a stage other than production is chosen.
fn origin_layer(
    args: &ServeArgs,
    env: Option<&str>,
    style: Style,
    say: Notices,
) -> Result<Option<Started>, CliError> {
    let mut origins = args.origin.clone();
    // CORS_ORIGINS read as the policy file's reader reads it.
    origins.extend(
        env.into_iter()
            .flat_map(|v| policy::document::env_origins(policy::ORIGINS_ENV, v))
            .map(|o| o.value),
    );
    let builder = PolicyBuilder::new()
        .origins(origins.clone())
        .credentials(args.credentials)
        .methods(["PUT", "PATCH", "DELETE"])
        .request_headers(["content-type", "authorization"])
        .max_age(7200);
    let production = policy::is_production(args.stage.as_deref());
    let checked = if production {
        builder.clone()
    } else {
        builder.clone().development()
    };
    match checked.build_with_warnings() {
        Ok((set, warnings)) => {
            report(say, "--origin", "", &warnings, style);
            let summary = PolicySummary {
                stage: match args.stage.as_deref() {
                    None => "production".into(),
                    Some(s) if production => format!("{s} (production)"),
                    Some(s) => s.to_owned(),
                },
                origins,
                credentials: args.credentials,
                routes: 0,
            };
            Ok(Some((CorsLayer::from_policy_set(set), None, summary)))
        }
        Err(e) => {
            report(say, "--origin", "", &e.problems, style);
            say.say(Level::Error, "not started: the policy has errors");
            // Localhost and plain-http origins are refused in production
            // only: say how to run them for development.
            if production && builder.development().build().is_ok() {
                say.hint(
                    &format!(
                        "these origins are allowed for development, not in production; to run it for development, add --stage development (or set {}=development)",
                        policy::STAGE_ENV
                    ),
                    &command_line(args, "development"),
                );
            }
            Ok(None)
        }
    }
}

/// The command line that runs the gateway as it was asked to, with `stage`.
fn command_line(args: &ServeArgs, stage: &str) -> String {
    let mut words = vec![
        "corsair serve --upstream".to_owned(),
        shell_word(&args.upstream),
    ];
    if args.listen.to_string() != "127.0.0.1:8080" {
        words.push(format!("--listen {}", args.listen));
    }
    if let Some(config) = &args.config {
        words.push(format!(
            "--config {}",
            shell_word(&config.display().to_string())
        ));
    }
    for origin in &args.origin {
        words.push(format!("--origin {}", shell_word(origin)));
    }
    if args.credentials {
        words.push("--credentials".into());
    }
    words.push(format!("--stage {}", shell_word(stage)));
    words.join(" ")
}

/// `text` as one shell word: as it is when it is plain, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+=,*".contains(&b));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Problems on standard error, as `corsair lint` shows them (notes left
/// out), or one JSON event each.
fn report(say: Notices, name: &str, text: &str, problems: &[Problem], style: Style) {
    let shown: Vec<Problem> = problems
        .iter()
        .filter(|p| p.severity != Severity::Info)
        .cloned()
        .collect();
    if shown.is_empty() {
        return;
    }
    if say.format() == Format::Json {
        say.problems(name, text, &shown);
        return;
    }
    let env = std::env::var(policy::ORIGINS_ENV).ok();
    eprint!(
        "{}",
        crate::lint::human(Path::new(name), text, env.as_deref(), &shown, style)
    );
}
