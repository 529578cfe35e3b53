//! `corsair-conformance`: scenarios (JSON Lines) in, Chromium's behaviour
//! (JSON Lines, one `Observed` per scenario, input order) out.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use corsair_conformance::{parse_jsonl, Harness, Options};

const HELP: &str = "\
corsair-conformance: run CORS scenarios in real headless Chromium

USAGE:
    corsair-conformance [OPTIONS] < scenarios.jsonl > observed.jsonl

Each input line is {\"id\": ..., \"scenario\": {...}} (the `corsair explain`
scenario format; other fields are ignored; a missing id is taken from a
`/s/<id>/` path segment, else `line-<n>`). Each output line is what Chromium
did: outcome, js, cors_error, failed_parameter, console, console_all,
preflight_sent, access_control_request_headers/_method, requests, issues,
network, incomplete, elapsed_ms.

OPTIONS:
    --chrome-flag FLAG   extra Chromium flag (repeatable), e.g.
                         --chrome-flag=--enable-features=CorsNonWildcardRequestHeadersSupport
    --chromium PATH      Chromium binary (default: $CHROMIUM, /usr/bin/chromium, PATH)
    --timeout SECS       longest one scenario may take (default 10)
    --compare            instead of the observations, print where Corsair's
                         model (chrome profile) disagrees with Chromium, one
                         line per disagreement, and a summary on stderr;
                         exit 1 if any
    -h, --help           this text

Exit status: 0 all scenarios ran, 1 some scenario failed to run (see stderr),
2 bad usage or input.";

fn main() -> ExitCode {
    let (opts, compare_mode) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            // Ignore a closed stdout (e.g. `--help | head`).
            let _ = writeln!(io::stdout(), "{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("corsair-conformance: {msg}\n(try --help)");
            return ExitCode::from(2);
        }
    };
    let mut input = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut input) {
        eprintln!("corsair-conformance: reading stdin: {e}");
        return ExitCode::from(2);
    }
    let lines = match parse_jsonl(&input) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("corsair-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut harness = match Harness::start_for(&lines, &opts) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("corsair-conformance: {e}");
            return ExitCode::from(1);
        }
    };
    let startup = started.elapsed();

    // Run grouped by page origin (fewer navigations), print in input order.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].scenario.page_origin.clone());
    let mut results: Vec<Option<String>> = vec![None; lines.len()];
    let mut failures = 0usize;
    for i in order {
        match harness.run(&lines[i]) {
            Ok(o) => match serde_json::to_string(&o) {
                Ok(s) => results[i] = Some(s),
                Err(e) => {
                    failures += 1;
                    eprintln!(
                        "corsair-conformance: scenario {}: encoding: {e}",
                        lines[i].id
                    );
                }
            },
            Err(e) => {
                // Keep going: one bad scenario should not hide the others,
                // unless the browser itself is gone.
                failures += 1;
                eprintln!("corsair-conformance: {e}");
                if e.is_browser_gone() {
                    eprintln!("corsair-conformance: Chromium is gone; stopping");
                    break;
                }
            }
        }
    }
    let total = started.elapsed();
    drop(harness);

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if compare_mode {
        return compare(&input, &results, &mut out);
    }
    for s in results.into_iter().flatten() {
        if writeln!(out, "{s}").is_err() {
            return ExitCode::from(1);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(1);
    }
    let n = lines.len().max(1) as u32;
    eprintln!(
        "corsair-conformance: {} scenarios in {:.2} s (browser start {:.2} s, {:.1} ms per scenario), {failures} failed to run",
        lines.len(),
        total.as_secs_f64(),
        startup.as_secs_f64(),
        (total - startup).as_secs_f64() * 1000.0 / f64::from(n),
    );
    if failures > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Compares each observation with the model's verdict; prints disagreements.
fn compare(input: &str, results: &[Option<String>], out: &mut impl Write) -> ExitCode {
    use corsair_conformance::compare::{as_run_by_harness, compare};
    let lines: Vec<&str> = input.lines().filter(|l| !l.trim().is_empty()).collect();
    let (mut agree, mut disagree) = (0usize, 0usize);
    for (line, observed) in lines.iter().zip(results) {
        let Some(observed) = observed.as_deref() else {
            continue;
        };
        let Ok(obs) = serde_json::from_str::<corsair_conformance::Observed>(observed) else {
            continue;
        };
        let verdict = corsair_core::scenario::from_json(line)
            .map(as_run_by_harness)
            .and_then(|s| corsair_core::explain(&s, corsair_core::Profile::Chrome).map(|v| (s, v)));
        let mismatches = match &verdict {
            Ok((s, v)) => compare(s, v, &obs)
                .into_iter()
                .map(|m| m.to_string())
                .collect(),
            Err(e) => vec![format!("the model refuses the scenario: {e}")],
        };
        if mismatches.is_empty() {
            agree += 1;
        } else {
            disagree += 1;
            for m in mismatches {
                if writeln!(out, "{}: {m}", obs.id).is_err() {
                    return ExitCode::from(1);
                }
            }
        }
    }
    let _ = out.flush();
    eprintln!(
        "corsair-conformance: the model agrees with Chromium on {agree}/{} scenarios",
        agree + disagree
    );
    if disagree > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `Ok(None)` means help was asked for.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<(Options, bool)>, String> {
    let mut opts = Options::default();
    let mut compare_mode = false;
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
            "--compare" => compare_mode = true,
            "--chrome-flag" => opts.extra_flags.push(value("--chrome-flag")?),
            "--chromium" => opts.chromium = Some(PathBuf::from(value("--chromium")?)),
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("--timeout: not a positive number of seconds: {v}"))?;
                opts.timeout = Duration::from_secs_f64(secs);
            }
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    Ok(Some((opts, compare_mode)))
}
