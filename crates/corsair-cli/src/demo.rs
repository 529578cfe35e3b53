//! `corsair demo`: the doctor at work without a network. A built-in API with
//! the seeds' mistakes runs on loopback; the doctor checks a few requests
//! against it, prints each report, and everything stops.

use corsair_doctor::demo::{self, CASES};
use corsair_doctor::diagnose;
use corsair_doctor::send::{Sender, SenderOptions};

use std::io::{self, Write};

use crate::exit::{CliError, Status};
use crate::render::Style;

/// Arguments of `corsair demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Print the reports as JSON (one object per case, in a list).
    #[arg(long)]
    pub json: bool,
    /// List every exchange, the probes' included.
    #[arg(long)]
    pub verbose: bool,
    /// Only serve the demo API (until Ctrl-C), to try `corsair check` on it.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:0")]
    pub serve: Option<std::net::SocketAddr>,
}

/// Runs the demo; returns the exit status (success when every case could
/// be checked).
pub fn run(args: &DemoArgs) -> Result<Status, CliError> {
    let style = Style::for_stdout();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Input(format!("cannot start the runtime: {e}")))?;
    if let Some(addr) = args.serve {
        return runtime.block_on(serve_only(addr));
    }
    let mut out = io::stdout();
    runtime.block_on(async {
        let (addr, server) = demo::spawn(None)
            .await
            .map_err(|e| CliError::Input(format!("cannot listen on loopback: {e}")))?;
        let sender = Sender::new(&SenderOptions {
            no_proxy: true,
            ..SenderOptions::default()
        })
        .map_err(|e| CliError::Input(e.to_string()))?;
        if !args.json {
            writeln!(
                out,
                "{}",
                style.bold(&format!(
                    "corsair demo: a built-in API with common CORS mistakes is listening on http://{addr}; the page is {}.",
                    demo::PAGE
                ))
            )?;
        }
        let mut summary = Vec::new();
        let mut reports = Vec::new();
        let mut status = Status::Success;
        for (i, case) in CASES.iter().enumerate() {
            let request = case.request(addr);
            // The demo's own API: its requests change nothing real.
            let options = diagnose::Options {
                send: true,
                ..diagnose::Options::default()
            };
            let report =
                match diagnose::diagnose(&sender, &request, &options).await {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("corsair demo: {e}");
                        status = Status::CaseFailed;
                        continue;
                    }
                };
            let slugs: Vec<String> = report
                .verdict
                .findings
                .iter()
                .chain(report.findings.iter().map(|f| &f.finding))
                .filter(|f| f.severity != corsair_core::Severity::Info)
                .map(|f| f.slug.name().to_owned())
                .collect();
            summary.push((case.title, report.verdict.outcome, slugs));
            if args.json {
                reports.push(crate::check::json(&report)?);
            } else {
                let rule = "─".repeat(78);
                writeln!(out, "\n{rule}\n{} {}\n{rule}", style.bold(&format!("{}/{}", i + 1, CASES.len())), style.bold(case.title))?;
                write!(out, "{}", crate::check::human(&report, style, args.verbose))?;
            }
        }
        server.abort();
        if args.json {
            writeln!(out, "[{}]", reports.join(",\n"))?;
        } else {
            writeln!(out, "\n{}", style.bold("Summary"))?;
            for (title, outcome, slugs) in &summary {
                let verdict = format!("{outcome:?}").to_uppercase();
                let slugs = if slugs.is_empty() {
                    "clean".to_owned()
                } else {
                    slugs.join(", ")
                };
                writeln!(out, "  {verdict:<8} {slugs:<48} {title}")?;
            }
            writeln!(out, "\nTry it on your API: corsair check https://api.example.com/path --origin https://your.app -X PUT -H 'Authorization: Bearer …'")?;
        }
        out.flush()?;
        Ok(status)
    })
}

/// `--serve`: the demo API alone, with the paths to try.
async fn serve_only(addr: std::net::SocketAddr) -> Result<Status, CliError> {
    let (addr, server) = demo::spawn(Some(addr))
        .await
        .map_err(|e| CliError::Input(format!("cannot listen on {addr}: {e}")))?;
    let mut out = io::stdout();
    writeln!(out, "corsair demo: the demo API listens on http://{addr} (Ctrl-C stops it); its allowlist is {}.", demo::PAGE)?;
    for case in &CASES {
        let auth = if case.authorized {
            " -H 'Authorization: Bearer x' --credentials"
        } else {
            " --credentials"
        };
        writeln!(
            out,
            "  {}\n    corsair check http://{addr}{} --origin {} -X {} -H 'Content-Type: application/json'{auth}",
            case.title,
            case.path,
            demo::PAGE,
            case.method
        )?;
    }
    out.flush()?;
    let _ = tokio::signal::ctrl_c().await;
    server.abort();
    Ok(Status::Success)
}
