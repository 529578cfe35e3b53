//! `corsair demo`: the doctor at work without a network. A built-in API with
//! the seeds' mistakes runs on loopback; the doctor checks a few requests
//! against it, prints each report, and everything stops.

use corsair_doctor::demo::{self, CASES};
use corsair_doctor::diagnose;
use corsair_doctor::send::{Sender, SenderOptions};

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

/// Runs the demo; returns the exit status (0 when every case came out as expected).
pub fn run(args: &DemoArgs) -> u8 {
    let style = Style::for_stdout();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("corsair demo: cannot start the runtime: {e}");
            return 2;
        }
    };
    if let Some(addr) = args.serve {
        return runtime.block_on(serve_only(addr));
    }
    runtime.block_on(async {
        let (addr, server) = match demo::spawn(None).await {
            Ok(pair) => pair,
            Err(e) => {
                eprintln!("corsair demo: cannot listen on loopback: {e}");
                return 2;
            }
        };
        let sender = match Sender::new(&SenderOptions {
            no_proxy: true,
            ..SenderOptions::default()
        }) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("corsair demo: {e}");
                return 2;
            }
        };
        if !args.json {
            println!(
                "{}",
                style.bold(&format!(
                    "corsair demo: a built-in API with common CORS mistakes is listening on http://{addr}; the page is {}.",
                    demo::PAGE
                ))
            );
        }
        let mut summary = Vec::new();
        let mut reports = Vec::new();
        let mut code = 0;
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
                        code = 1;
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
                reports.push(crate::check::json(&report));
            } else {
                let rule = "─".repeat(78);
                println!("\n{rule}\n{} {}\n{rule}", style.bold(&format!("{}/{}", i + 1, CASES.len())), style.bold(case.title));
                print!("{}", crate::check::human(&report, style, args.verbose));
            }
        }
        server.abort();
        if args.json {
            println!("[{}]", reports.join(",\n"));
        } else {
            println!("\n{}", style.bold("Summary"));
            for (title, outcome, slugs) in &summary {
                let verdict = format!("{outcome:?}").to_uppercase();
                let slugs = if slugs.is_empty() {
                    "clean".to_owned()
                } else {
                    slugs.join(", ")
                };
                println!("  {verdict:<8} {slugs:<48} {title}");
            }
            println!("\nTry it on your API: corsair check https://api.example.com/path --origin https://your.app -X PUT -H 'Authorization: Bearer …'");
        }
        code
    })
}

/// `--serve`: the demo API alone, with the paths to try.
async fn serve_only(addr: std::net::SocketAddr) -> u8 {
    let (addr, server) = match demo::spawn(Some(addr)).await {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("corsair demo: cannot listen on {addr}: {e}");
            return 2;
        }
    };
    println!("corsair demo: the demo API listens on http://{addr} (Ctrl-C stops it); its allowlist is {}.", demo::PAGE);
    for case in &CASES {
        let auth = if case.authorized {
            " -H 'Authorization: Bearer x' --credentials"
        } else {
            " --credentials"
        };
        println!(
            "  {}\n    corsair check http://{addr}{} --origin {} -X {} -H 'Content-Type: application/json'{auth}",
            case.title,
            case.path,
            demo::PAGE,
            case.method
        );
    }
    let _ = tokio::signal::ctrl_c().await;
    server.abort();
    0
}
