//! `corsair-webkit`: scenarios (JSON Lines) in, WebKitGTK's behaviour (JSON
//! Lines, the format of `corpus/webkit.jsonl`, input order) out.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use corsair_conformance::{parse_jsonl, run_webkit, WebKitOptions};

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
    --minibrowser PATH   the MiniBrowser (default: $MINIBROWSER, else
                         /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser)
    --timeout SECS       longest one scenario's request may take (default 10)
    -h, --help           this text

Exit status: 0 all scenarios ran, 1 the run failed (see stderr), 2 bad
usage or input.";

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
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
    let observed = match run_webkit(&lines, &opts) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("corsair-webkit: {e}");
            return ExitCode::from(1);
        }
    };
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

/// `Ok(None)` for `--help`.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<WebKitOptions>, String> {
    let mut opts = WebKitOptions::default();
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
    Ok(Some(opts))
}
