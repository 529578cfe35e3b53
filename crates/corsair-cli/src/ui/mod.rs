//! `corsair ui`: a local web page where a user pastes what they have (a URL
//! and origin, a "Copy as cURL", a console line, a HAR export, a scenario,
//! a corsair.toml) and sees the same report as `--html`. Served by this
//! binary on loopback only; no script, nothing from the network.

mod actions;
mod form;
mod guard;
mod multipart;
mod pages;
mod server;

use std::io::Write as _;
use std::net::SocketAddr;

use crate::exit::{CliError, Status};

/// Arguments of `corsair ui`.
#[derive(clap::Args)]
pub struct UiArgs {
    /// Where to listen: a loopback address only (127.0.0.1 or [::1]; port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7979")]
    pub listen: SocketAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
The page's forms run the same code as `corsair check`, `har`, `explain` and `lint`. The live checks send requests on your behalf, so the server answers only its own page: a random token in the page's forms, the Host header checked against the loopback address (DNS rebinding), the Origin and Sec-Fetch-Site of every form checked. Ctrl-C stops it.";

/// Runs the page's server until Ctrl-C.
pub fn run(args: &UiArgs) -> Result<Status, CliError> {
    if !guard::is_loopback(&args.listen) {
        return Err(CliError::Input(format!(
            "refusing to listen on {}: corsair ui listens on a loopback address only (127.0.0.1 or [::1]); its live checks send requests on your behalf",
            args.listen
        )));
    }
    let token = guard::Token::new().map_err(|e| CliError::Input(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Input(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| CliError::Input(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::Input(format!("cannot listen: {e}")))?;
        let url = format!("http://{addr}/");
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "corsair ui: {url} (Ctrl-C stops it)")?;
            out.flush()?;
        }
        if args.open {
            open(&url);
        }
        tokio::select! {
            () = server::serve(listener, addr, token) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok(Status::Success)
    })
}

/// Opens `url` in the desktop's browser; a failure is only told.
fn open(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program).arg(url).spawn() {
        eprintln!("corsair ui: cannot open a browser ({program}: {e}); open {url}");
    }
}
