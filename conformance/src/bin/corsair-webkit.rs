//! `corsair-webkit`: scenarios (JSON Lines) in, WebKitGTK's behaviour (JSON
//! Lines, the format of `corpus/webkit.jsonl`, input order) out.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use corsair_conformance::{parse_jsonl, run_webkit, WebKitObserved, WebKitOptions};

const HELP: &str = "\
corsair-webkit: run CORS scenarios in real WebKitGTK (Safari's engine)

USAGE:
    corsair-webkit [OPTIONS] < scenarios.jsonl > webkit.jsonl

Re-record the corpus's WebKit observations (as root: names in /etc/hosts):
    cargo run --release -p corsair-conformance --bin corsair-webkit \\
        < conformance/corpus/scenarios.jsonl > conformance/corpus/webkit.jsonl

Each output line is {\"id\", \"outcome\" (allowed|blocked), \"console\" (WebKit's
console messages while the request ran, in order), \"readable_headers\"
(names the page could read, or null), \"error\" (what the code saw, when
blocked)}. Needs Debian's webkit2gtk-driver (its MiniBrowser) and xvfb, and
the scenarios' host names mapped to 127.0.0.1 in /etc/hosts.

OPTIONS:
    --compare            instead of the observations, print where Corsair's
                         model disagrees with WebKit (the safari profile's
                         outcome and readable headers, console.safari under
                         every profile), one line each; exit 1 if any
    --replay FILE        with --compare: take WebKit's observations from FILE
                         (this binary's output) instead of running WebKit
    --minibrowser PATH   the MiniBrowser (default: $MINIBROWSER, else
                         /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser)
    --timeout SECS       longest one scenario's request may take (default 10)
    -h, --help           this text

Exit status: 0 all scenarios ran, 1 the run failed (see stderr), 2 bad
usage or input.";

/// What to do besides running the scenarios.
#[derive(Default)]
struct Mode {
    compare: bool,
    replay: Option<PathBuf>,
}

fn main() -> ExitCode {
    let (opts, mode) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            let _ = writeln!(io::stdout(), "{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("corsair-webkit: {msg}\n(try --help)");
            return ExitCode::from(2);
        }
    };
    let mut input = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut input) {
        eprintln!("corsair-webkit: reading stdin: {e}");
        return ExitCode::from(2);
    }
    let lines = match parse_jsonl(&input) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("corsair-webkit: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let observed = match &mode.replay {
        Some(path) => match read_observations(path) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("corsair-webkit: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => match run_webkit(&lines, &opts) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("corsair-webkit: {e}");
                return ExitCode::from(1);
            }
        },
    };
    if mode.compare {
        return compare(&input, &observed);
    }
    let mut out = BufWriter::new(io::stdout().lock());
    for o in &observed {
        let line = match serde_json::to_string(o) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("corsair-webkit: {}: {e}", o.id);
                return ExitCode::from(1);
            }
        };
        if writeln!(out, "{line}").is_err() {
            return ExitCode::from(1);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(1);
    }
    eprintln!(
        "corsair-webkit: {} scenarios in {:.1} s",
        observed.len(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

/// Observations written by this binary, one per line.
fn read_observations(path: &std::path::Path) -> Result<Vec<WebKitObserved>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// Prints every disagreement between the model and WebKit; a summary on
/// stderr. Exit 1 if any.
fn compare(input: &str, observed: &[WebKitObserved]) -> ExitCode {
    use corsair_conformance::compare::{as_run_by_harness, webkit_mismatches};
    let by_id: std::collections::HashMap<&str, &WebKitObserved> =
        observed.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut out = BufWriter::new(io::stdout().lock());
    let (mut compared, mut disagree) = (0usize, 0usize);
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        let parsed: Result<(String, corsair_core::Scenario), String> =
            serde_json::from_str::<serde_json::Value>(line)
                .map_err(|e| e.to_string())
                .and_then(|v| {
                    let id = v["id"].as_str().unwrap_or("").to_owned();
                    corsair_core::scenario::from_value(v["scenario"].clone())
                        .map(|s| (id, s))
                        .map_err(|e| e.to_string())
                });
        let (id, scenario) = match parsed {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(out, "bad scenario line: {e}");
                disagree += 1;
                continue;
            }
        };
        let Some(o) = by_id.get(id.as_str()) else {
            continue;
        };
        compared += 1;
        let mismatches = webkit_mismatches(&as_run_by_harness(scenario), o);
        disagree += usize::from(!mismatches.is_empty());
        for m in mismatches {
            if writeln!(out, "{m}").is_err() {
                return ExitCode::from(1);
            }
        }
    }
    let _ = out.flush();
    eprintln!(
        "corsair-webkit: {compared} scenarios compared, {} agree, {disagree} disagree",
        compared - disagree.min(compared)
    );
    if disagree > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `Ok(None)` for `--help`.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<(WebKitOptions, Mode)>, String> {
    let mut opts = WebKitOptions::default();
    let mut mode = Mode::default();
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--minibrowser" => opts.minibrowser = Some(PathBuf::from(value("--minibrowser")?)),
            "--compare" => mode.compare = true,
            "--replay" => mode.replay = Some(PathBuf::from(value("--replay")?)),
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 600.0)
                    .ok_or_else(|| format!("--timeout: {v:?} is not a number of seconds"))?;
                opts.timeout = Duration::from_secs_f64(secs);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if mode.replay.is_some() && !mode.compare {
        return Err("--replay needs --compare".into());
    }
    Ok(Some((opts, mode)))
}
