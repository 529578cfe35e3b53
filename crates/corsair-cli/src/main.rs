//! `corsair`: tells you why the browser blocked a cross-origin request and
//! what to change.

/// A faster allocator: explain batches allocate many small strings.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod builtin;
mod check;
mod connect;
mod demo;
mod exit;
mod explain;
mod export;
mod fail;
mod gate;
mod har;
mod html;
mod inputs;
mod json_out;
mod lint;
mod openapi;
mod policy_file;
mod render;
mod serve;
mod ui;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use corsair_core::Profile;
use exit::{CliError, Status};

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
    /// Write the policy file as an engine's own configuration or code (nginx, Caddy, Express, FastAPI, …).
    #[command(after_help = export::AFTER_HELP)]
    Export(export::ExportArgs),
    /// A local web page: paste a URL and origin, a cURL command, a console line, a HAR, a scenario or a corsair.toml, and see the report.
    #[command(after_help = ui::AFTER_HELP)]
    Ui(ui::UiArgs),
    /// Check that deployed URLs serve what the policy says, for Chrome, Firefox and Safari (for CI, after each deploy).
    #[command(after_help = verify::AFTER_HELP)]
    Verify(verify::VerifyArgs),
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
    /// Which browser's behaviour to model (`all`: Chrome, Firefox and Safari side by side).
    #[arg(long, value_enum, default_value_t = explain::ExplainBrowser::Chrome)]
    pub browser: explain::ExplainBrowser,
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
    /// Safari's engine, WebKit.
    #[value(alias = "webkit")]
    Safari,
}

impl From<BrowserArg> for Profile {
    fn from(b: BrowserArg) -> Profile {
        match b {
            BrowserArg::Chrome => Profile::Chrome,
            BrowserArg::Firefox => Profile::Firefox,
            BrowserArg::Spec => Profile::Spec,
            BrowserArg::Safari => Profile::Safari,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e).into(),
    };
    render::set_color_choice(cli.color);
    match run(&cli.command) {
        Ok(status) => status.into(),
        Err(e) => {
            if !e.is_closed_pipe() {
                report(&cli.command, &e);
            }
            e.status().into()
        }
    }
}

/// Runs the command; every exit status comes back here, every error too.
fn run(command: &Command) -> Result<Status, CliError> {
    match command {
        Command::Explain(args) => explain::run(args),
        Command::Check(args) => check::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Har(args) => har::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Export(args) => export::run(args),
        Command::Ui(args) => ui::run(args),
        Command::Verify(args) => verify::run(args),
    }
}

/// The one place a command's error is told: the gateway's through its log
/// (text or JSON lines), the others in words or, when JSON was asked for, as
/// the JSON error document. A write error is always told on standard error:
/// standard output is what failed.
fn report(command: &Command, e: &CliError) {
    let message = e.to_string();
    match command {
        Command::Serve(args) => serve::say_error(args, &message),
        _ => {
            let json = command.json() && !matches!(e, CliError::Write(_));
            fail::report(command.name(), json, &message, e.status(), None);
        }
    }
}

impl Command {
    /// The subcommand's name, as typed.
    fn name(&self) -> &'static str {
        match self {
            Command::Explain(_) => "explain",
            Command::Check(_) => "check",
            Command::Har(_) => "har",
            Command::Demo(_) => "demo",
            Command::Lint(_) => "lint",
            Command::Serve(_) => "serve",
            Command::Export(_) => "export",
            Command::Ui(_) => "ui",
            Command::Verify(_) => "verify",
        }
    }

    /// Whether the user asked for JSON, so errors come as JSON too (`demo`'s
    /// and `serve`'s errors stay words).
    fn json(&self) -> bool {
        match self {
            Command::Explain(a) => a.json,
            Command::Check(a) => a.json,
            Command::Har(a) => a.json,
            Command::Lint(a) => a.wants_json(),
            Command::Verify(a) => a.json,
            Command::Demo(_) | Command::Serve(_) | Command::Export(_) | Command::Ui(_) => false,
        }
    }
}

/// The commands whose errors are JSON when JSON was asked for.
const JSON_COMMANDS: [&str; 4] = ["check", "explain", "har", "lint"];

/// An argument error from clap: clap's own message, or, when the command
/// line asks one of [`JSON_COMMANDS`] for JSON, the JSON error document
/// (a script parsing the output gets JSON even for a mistyped flag).
fn usage_error(e: &clap::Error) -> Status {
    let status = if e.exit_code() == 0 {
        Status::Success
    } else {
        Status::BadInput
    };
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match json_command(&args) {
        Some(command) if status == Status::BadInput => {
            let argument = clap_argument(e);
            let message = clap_message(e);
            fail::report(command, true, &message, status, argument.as_deref());
        }
        // Help, version, and errors for a reader: as clap prints them.
        _ => {
            let _ = e.print();
        }
    }
    status
}

/// The command of [`JSON_COMMANDS`] the raw command line runs with `--json`
/// (or `lint --format json|sarif`), if it does. Read from the words
/// themselves, since clap could not parse them.
fn json_command(args: &[std::ffi::OsString]) -> Option<&'static str> {
    let mut words = args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    let mut command = None;
    let mut color_value = false;
    for w in words.by_ref() {
        // The global --color may stand before the subcommand, with its value.
        if std::mem::take(&mut color_value) {
            continue;
        }
        if w == "--color" {
            color_value = true;
        } else if !w.starts_with('-') {
            command = JSON_COMMANDS.into_iter().find(|c| *c == w);
            break;
        }
    }
    let command = command?;
    let lint = command == "lint";
    let mut format_value = false;
    for w in words {
        if std::mem::take(&mut format_value) {
            if lint && (w == "json" || w == "sarif") {
                return Some(command);
            }
            continue;
        }
        match w {
            // After `--` every word is a value.
            "--" => break,
            "--json" => return Some(command),
            "--format" => format_value = true,
            "--format=json" | "--format=sarif" if lint => return Some(command),
            _ => {}
        }
    }
    None
}

/// Clap's message without its `error: ` label, usage and `--help` lines:
/// the problem and clap's tip, on one line.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let body = text.split("\n\nUsage:").next().unwrap_or(&text);
    let body = body.trim().strip_prefix("error:").unwrap_or(body).trim();
    body.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        // The pointer to --help is for a reader at a terminal.
        .filter(|p| !p.is_empty() && !p.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The argument clap names as the one at fault (`--bogus`,
/// `--browser <BROWSER>`), when it names one.
fn clap_argument(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    match e.get(ContextKind::InvalidArg)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) if !v.is_empty() => Some(v.join(", ")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command_of(words: &[&str]) -> Option<&'static str> {
        let args: Vec<std::ffi::OsString> = std::iter::once("corsair")
            .chain(words.iter().copied())
            .map(Into::into)
            .collect();
        json_command(&args)
    }

    #[test]
    fn json_is_found_on_the_raw_command_line() {
        assert_eq!(command_of(&["check", "--json", "--bogus"]), Some("check"));
        assert_eq!(
            command_of(&["--color", "never", "explain", "x", "--json"]),
            Some("explain")
        );
        assert_eq!(command_of(&["lint", "--format", "sarif"]), Some("lint"));
        assert_eq!(command_of(&["lint", "--format=json"]), Some("lint"));
        assert_eq!(command_of(&["har", "--", "--json"]), None);
        assert_eq!(command_of(&["demo", "--json", "--bogus"]), None);
        assert_eq!(command_of(&["check", "--format", "json"]), None);
        assert_eq!(command_of(&["check", "x"]), None);
    }
}
