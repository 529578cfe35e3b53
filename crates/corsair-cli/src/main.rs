//! `corsair`: tells you why the browser blocked a cross-origin request and
//! what to change.

/// A faster allocator: explain batches allocate many small strings.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod builtin;
mod check;
mod demo;
mod explain;
mod fail;
mod gate;
mod har;
mod inputs;
mod json_out;
mod lint;
mod render;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use corsair_core::Profile;

#[derive(Parser)]
#[command(
    name = "corsair",
    version,
    about = "Ends \"blocked by CORS policy\": what the browser decides, why, and the fix."
)]
struct Cli {
    /// When to colour the output: auto (a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces it), always, never.
    #[arg(long, value_enum, global = true, default_value_t = render::ColorChoice::Auto)]
    color: render::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Explain what the browser does with a scenario (JSON, or JSON Lines for batches).
    ///
    /// Exit status: 0 allowed, same-origin or opaque (no-cors), 1 blocked, 3 incomplete, 2 bad
    /// input.
    #[command(after_help = explain::AFTER_HELP)]
    Explain(ExplainArgs),
    /// Check a live endpoint as the browser would: preflight, request, redirects, probes, the fix.
    #[command(after_help = check::AFTER_HELP)]
    Check(check::CheckArgs),
    /// Every cross-origin request of a HAR export: its verdict from the recorded answers, and why.
    #[command(after_help = har::AFTER_HELP)]
    Har(har::HarArgs),
    /// See the doctor at work: a built-in API with common mistakes on loopback, checked (no network needed).
    Demo(demo::DemoArgs),
    /// Check a policy file (corsair.toml): every problem, where it is, and the fix.
    #[command(after_help = lint::AFTER_HELP)]
    Lint(lint::LintArgs),
    /// Run the gateway: a reverse proxy in front of an API that owns its CORS.
    #[command(after_help = serve::AFTER_HELP)]
    Serve(serve::ServeArgs),
}

/// Arguments of `corsair explain`.
#[derive(clap::Args)]
pub struct ExplainArgs {
    /// Scenario file, or `-` for standard input.
    #[arg(value_name = "FILE|-", conflicts_with = "example")]
    pub file: Option<PathBuf>,
    /// Print the verdict as JSON (one line per scenario for JSON Lines input).
    #[arg(long)]
    pub json: bool,
    /// With --json, also include the step-by-step story (`steps`).
    #[arg(long, requires = "json")]
    pub steps: bool,
    /// Which browser's behaviour to model.
    #[arg(long, value_enum, default_value_t = BrowserArg::Chrome)]
    pub browser: BrowserArg,
    /// Explain a built-in scenario instead of a file (`--example list` lists them).
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = builtin::DEFAULT)]
    pub example: Option<String>,
}

/// `--browser` values.
#[derive(Clone, Copy, ValueEnum)]
pub enum BrowserArg {
    /// Current Chrome stable.
    Chrome,
    /// Firefox ESR.
    Firefox,
    /// The Fetch standard as written.
    Spec,
}

impl From<BrowserArg> for Profile {
    fn from(b: BrowserArg) -> Profile {
        match b {
            BrowserArg::Chrome => Profile::Chrome,
            BrowserArg::Firefox => Profile::Firefox,
            BrowserArg::Spec => Profile::Spec,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    render::set_color_choice(cli.color);
    if !matches!(cli.command, Command::Serve(_)) {
        restore_sigpipe();
    }
    let code = match cli.command {
        Command::Explain(args) => explain::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Har(args) => har::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Serve(args) => serve::run(&args),
    };
    ExitCode::from(code)
}

/// A closed pipe (`corsair lint | head`) ends the process quietly, as it does
/// for other command-line tools, instead of a panic in `print!`. Rust
/// ignores SIGPIPE by default; this restores the default action (not for the
/// long-running gateway, which must never die of a peer's closed socket).
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
