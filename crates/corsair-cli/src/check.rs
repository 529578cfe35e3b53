//! `corsair check`: the browser's exchanges with a live server, the probes,
//! the verdict in the browser's words, and the fix for the platform.

use corsair_core::printable::escape_control;
use std::io::{Read, Write};
use std::path::PathBuf;

use corsair_doctor::check::CheckRequest;
use corsair_doctor::diagnose::{self, Report};
use corsair_doctor::har_check::added_by_browser;
use corsair_doctor::redact::Redactor;
use corsair_doctor::{curl, exchange};
use corsair_platforms::Platform;

use crate::connect::ConnectArgs;
use crate::exit::{CliError, Status};
use crate::render::{self, Style};
use crate::BrowserArg;

/// Arguments of `corsair check`.
#[derive(Clone, clap::Args)]
pub struct CheckArgs {
    /// The URL the page requests.
    #[arg(value_name = "URL", required_unless_present_any = ["curl", "console", "input"])]
    pub url: Option<String>,
    /// The page's origin (default with --curl: the command's Origin or Referer). Repeatable: the check runs from each (development and production), and the fix allows them all.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Vec<String>,
    /// The method the page's code uses.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// A header the page's code sets, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The request is credentialed (`credentials: 'include'`, `withCredentials`).
    #[arg(long)]
    pub credentials: bool,
    /// The page's code uses XMLHttpRequest (axios in the browser, jQuery), not fetch(): the console lines are XMLHttpRequest's.
    #[arg(long)]
    pub xhr: bool,
    /// Cookies the browser would send with credentialed requests (never shown).
    #[arg(short = 'b', long = "cookie", value_name = "COOKIES")]
    pub cookie: Option<String>,
    /// The request body.
    #[arg(short = 'd', long = "data", value_name = "BODY")]
    pub data: Option<String>,
    /// A response header the page's code reads (repeatable).
    #[arg(long, value_name = "NAME")]
    pub read_header: Vec<String>,
    /// Take the request from a DevTools "Copy as cURL" command (`-` reads it from standard input).
    #[arg(long, value_name = "COMMAND", conflicts_with_all = ["url", "method", "data"])]
    pub curl: Option<String>,
    /// Take the check from a browser's console line for the failure (Chrome, Firefox, Safari; `-` reads it from standard input).
    #[arg(long, value_name = "LINE", conflicts_with_all = ["url", "curl", "data"])]
    pub console: Option<String>,
    /// The same endpoint straight at the origin server: finds headers a proxy or CDN strips or duplicates.
    #[arg(long, value_name = "URL")]
    pub compare: Option<String>,
    /// The frontend page: checks its Content-Security-Policy lets it reach the API.
    #[arg(long, value_name = "URL")]
    pub page: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the report as one self-contained HTML page to FILE (`-`: standard output, instead of the text report).
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    pub html: Option<PathBuf>,
    /// Only the browser's own requests: no error-path or security probes.
    #[arg(long)]
    pub no_probes: bool,
    /// Send the request itself even when its method may change data (POST, PUT, PATCH, DELETE…); without it the doctor sends the preflight and stops.
    #[arg(long)]
    pub send: bool,
    /// List every exchange, the probes' included (by default only those that found something).
    #[arg(short, long)]
    pub verbose: bool,
    /// Render the fix for this platform (default: the one detected, else a few common ones).
    #[arg(long, value_name = "NAME")]
    pub platform: Option<Platform>,
    /// Which browser's rules (default: with --console, the line's browser; else Chrome).
    #[arg(long, value_enum)]
    pub browser: Option<BrowserArg>,
    /// How to reach the server.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Exit 4 when a finding (the verdict's or a probe's) is at or above this severity: error, warning, info (inconclusive probes included) or none.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value = "none")]
    pub fail_on: crate::gate::FailOn,
    /// Check every URL in FILE (one a line; blank lines and `#` comments skipped; `-` reads standard input) with the same origin, method, headers and flags.
    #[arg(short = 'i', long = "input", value_name = "FILE", conflicts_with_all = ["url", "curl", "console"])]
    pub input: Option<String>,
    /// With --input: how many hosts are checked at once (one check at a time per host, paced).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
Examples:
  corsair check https://api.example.com/items --origin https://app.example.com
  corsair check https://api.example.com/items --origin https://app.example.com -X PUT -H 'Authorization: Bearer x' -H 'Content-Type: application/json' --credentials
  corsair check --curl \"$(pbpaste)\"        (DevTools > Network > right-click > Copy > Copy as cURL)
  corsair check --console \"$(pbpaste)\"     (the console's \"Access to fetch at … has been blocked by CORS policy\" line; Firefox's needs --origin)

The preflight and the request are sent exactly as Chrome sends them; redirects are followed as the browser does. Then probes (unless --no-probes): the request without its credentials and on a missing path (error responses without CORS headers), and crafted origins (any origin, null, prefix, suffix, substring, unescaped dot, http, subdomain, shared hosting) that an allowlist must refuse. Secrets (Authorization, cookies, tokens in URLs) are redacted in the output.

Safe by default: a request whose method may change data (anything but GET, HEAD and OPTIONS) is not sent: its preflight is, and the report says what was not sent. --send sends it. Probes never repeat such a request.

With -i FILE: each URL is checked in turn (several hosts at once, --concurrency), each report in order, then a summary table (URL, origin, verdict, worst finding); with --json one JSON object per line and no table; the exit status is the worst over all URLs.

In --json, each probe exchange has `probe_outcome` and each probe finding `probe`: {\"kind\": \"truncated-origin\", \"origin\": \"https://app.example.co\", \"result\": \"trusted\" | \"refused\" | \"inconclusive\"}. Probes that authentication refused (401/403) are inconclusive, never \"nothing found\".

Exit status: 0 allowed (or same-origin), 1 blocked, 3 incomplete (a request not sent without --send included), 4 a finding at or above --fail-on (instead of 0, 1 or 3; never with the default --fail-on none), 5 no HTTP answer (DNS, connection, timeout, TLS: not a CORS problem), 2 bad input.";

fn split_header(text: &str) -> Result<(String, String), String> {
    // The message names the header, never its value: it may be a secret.
    let (name, value) = text.split_once(':').ok_or_else(|| {
        let first = text.split_whitespace().next().unwrap_or_default();
        let more = if first.len() < text.trim().len() {
            " …"
        } else {
            ""
        };
        format!("header `{first}{more}` has no `:` (write -H 'Name: value')")
    })?;
    let name = name.trim();
    if name.is_empty() {
        return Err("a header has no name before its `:` (write -H 'Name: value')".to_owned());
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

fn origin_of(text: &str) -> Option<String> {
    url::Url::parse(text)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
}

/// The request to check, from the arguments (and the cURL command).
fn request(args: &CheckArgs) -> Result<(CheckRequest, bool), String> {
    let mut extra = Vec::new();
    for h in &args.headers {
        extra.push(split_header(h)?);
    }
    let mut insecure = args.connect.insecure;
    let mut req = if let Some(command) = &args.curl {
        let text = if command == "-" {
            let mut t = String::new();
            std::io::stdin()
                .read_to_string(&mut t)
                .map_err(|e| format!("cannot read the cURL command from standard input: {e}"))?;
            t
        } else {
            command.clone()
        };
        let c = curl::parse(&text).map_err(|e| format!("--curl: {e}"))?;
        // A copy of the preflight row: the request it precedes.
        let c = crate::inputs::preflight_row(c);
        insecure |= c.insecure;
        let header = |name: &str| {
            c.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let page = args
            .origin
            .first()
            .cloned()
            .or_else(|| header("origin").filter(|o| o != "null"))
            .or_else(|| header("referer").and_then(|r| origin_of(&r)))
            .ok_or("--curl: the command has no Origin or Referer header; give the page's origin with --origin")?;
        CheckRequest {
            page_origin: page,
            url: c.url.clone(),
            method: c.method.clone(),
            headers: c
                .headers
                .iter()
                .filter(|(n, _)| !added_by_browser(n))
                .cloned()
                .collect(),
            // Cookies sent cross-origin mean the page asked for credentials.
            credentials: args.credentials || c.cookies.is_some(),
            cookies: args.cookie.clone().or(c.cookies.clone()),
            body: c.body.clone(),
            read_headers: args.read_header.clone(),
            initiator: initiator(args.xhr),
        }
    } else if let Some(text) = &args.console {
        let console = crate::inputs::console_request(&crate::inputs::ConsoleInput {
            text,
            origin: args.origin.first().map(String::as_str),
            method: args.method.as_deref(),
            headers: &extra,
            credentials: args.credentials || args.cookie.is_some(),
            cookies: args.cookie.as_deref(),
            read_headers: &args.read_header,
            xhr: args.xhr,
        })?;
        // The -H headers are in it already.
        return Ok((console, insecure));
    } else {
        let url = args.url.clone().ok_or("give the URL to check")?;
        let origin = args
            .origin
            .first()
            .cloned()
            .ok_or("give the page's origin: --origin https://app.example.com")?;
        CheckRequest {
            page_origin: origin,
            url,
            method: args
                .method
                .clone()
                .unwrap_or_else(|| if args.data.is_some() { "POST" } else { "GET" }.to_owned()),
            headers: Vec::new(),
            credentials: args.credentials || args.cookie.is_some(),
            cookies: args.cookie.clone(),
            body: args.data.clone(),
            read_headers: args.read_header.clone(),
            initiator: initiator(args.xhr),
        }
    };
    req.headers.extend(extra);
    Ok((req, insecure))
}

/// `XMLHttpRequest` with `--xhr`, else `fetch()`.
fn initiator(xhr: bool) -> corsair_core::scenario::Initiator {
    if xhr {
        corsair_core::scenario::Initiator::Xhr
    } else {
        corsair_core::scenario::Initiator::Fetch
    }
}

/// The reports of a check (one per URL and origin), every request sent
/// as the arguments say, and the redactor that hides the request's secrets
/// wherever a report repeats them. `corsair ui` runs its checks through here.
pub(crate) fn diagnose_all(args: &CheckArgs) -> Result<(Vec<Report>, Redactor), CliError> {
    let urls = match args.input.as_deref() {
        Some(path) => crate::gate::read_urls(path)?,
        None => Vec::new(),
    };
    let (request, insecure) = match urls.first() {
        // The request as for one URL; the others vary only the URL.
        Some(first) => request(&CheckArgs {
            url: Some(first.clone()),
            ..args.clone()
        }),
        None => request(args),
    }?;
    let sender = args.connect.sender(insecure, None)?;
    let options = diagnose::Options {
        profile: args
            .browser
            .map_or_else(crate::inputs::line_profile, Into::into),
        probes: !args.no_probes,
        platform: args.platform,
        compare: args.compare.clone(),
        page: args.page.clone(),
        send: args.send,
        also_allow: args.origin.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Input(format!("cannot start the runtime: {e}")))?;
    // The report is redacted already; this is the last net over what is
    // printed, for any text that repeats the request's secrets.
    let mut redactor = Redactor::new(&request.headers, request.cookies.as_deref(), &request.url);
    for url in [&args.page, &args.compare]
        .into_iter()
        .flatten()
        .chain(&urls)
    {
        redactor.add_url(url);
    }
    // `--origin` given several times: the same check from each page.
    let mut requests = Vec::new();
    for url in urls.iter().map(Some).chain(urls.is_empty().then_some(None)) {
        for origin in std::iter::once(&request.page_origin).chain(args.origin.iter().skip(1)) {
            requests.push(CheckRequest {
                page_origin: origin.clone(),
                url: url.cloned().unwrap_or_else(|| request.url.clone()),
                ..request.clone()
            });
        }
    }
    let results = runtime.block_on(crate::gate::diagnose_all(
        &sender,
        &requests,
        &options,
        args.concurrency,
    ));
    let reports = results
        .into_iter()
        .collect::<Result<Vec<Report>, String>>()
        .map_err(|e| CliError::Input(redactor.scrub(&e)))?;
    Ok((reports, redactor))
}

/// Runs `corsair check`; returns the exit status.
pub fn run(args: &CheckArgs) -> Result<Status, CliError> {
    let (reports, redactor) = diagnose_all(args)?;
    if let Some(path) = &args.html {
        // The same last net as the text report's, on every value shown.
        let clean = crate::html::Clean::Redact(&redactor);
        crate::html::write_file(path, &crate::html::check::page(&reports, clean))?;
    }
    let to_stdout = args.html.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let text = if to_stdout {
        String::new()
    } else if args.json {
        let mut values = reports
            .iter()
            .map(json_value)
            .collect::<Result<Vec<_>, _>>()?;
        for v in &mut values {
            redactor.scrub_json(v);
        }
        if args.input.is_some() {
            // --input: one JSON object per line, in the URLs' order.
            let mut text = String::new();
            for v in &values {
                text.push_str(&serde_json::to_string(v)?);
                text.push('\n');
            }
            text
        } else {
            // One origin: one document, as always; several: one per origin.
            let doc = match values.len() {
                1 => values.remove(0),
                _ => serde_json::Value::Array(values),
            };
            let mut v = serde_json::to_string_pretty(&doc)?;
            v.push('\n');
            v
        }
    } else {
        let many = reports.len() > 1;
        let mut text = String::new();
        for r in &reports {
            if many {
                // With --input the URL changes too: name it.
                let url = match args.input {
                    Some(_) => format!("{} ", escape_control(&r.request.url)),
                    None => String::new(),
                };
                text.push_str(&format!(
                    "── {url}from {} {}\n",
                    escape_control(&r.request.page_origin),
                    "─".repeat(40)
                ));
            }
            text.push_str(&human(r, Style::for_stdout(), args.verbose));
            if many {
                text.push('\n');
            }
        }
        if args.input.is_some() {
            text.push_str(&crate::gate::summary(&reports));
        }
        redactor.scrub(&text)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(crate::gate::apply_fail_on(
        worst_exit(&reports),
        &reports,
        args.fail_on,
    ))
}

/// The exit status of several reports: the worst of them (no answer, then
/// blocked, then incomplete, then allowed). A request with no HTTP answer
/// (DNS, refused, timeout, TLS) has no CORS verdict at all.
fn worst_exit(reports: &[Report]) -> Status {
    let status = |r: &Report| {
        if r.cause.as_ref().is_some_and(|c| c.network.is_some()) {
            Status::NoAnswer
        } else {
            Status::of(r.verdict.outcome)
        }
    };
    let rank = |s: &Status| match s {
        Status::NoAnswer => 4,
        Status::Blocked => 3,
        Status::Incomplete => 2,
        Status::BadInput => 1,
        _ => 0,
    };
    reports
        .iter()
        .map(status)
        .max_by_key(rank)
        .unwrap_or(Status::BadInput)
}

/// The report as JSON: the verdict exactly as `explain --json` writes it,
/// plus the exchanges, the probes' findings and the fix.
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&json_value(report)?)
}

/// [`json`] before it is written out.
fn json_value(report: &Report) -> Result<serde_json::Value, serde_json::Error> {
    let verdict = crate::json_out::verdict_value(&report.verdict)?;
    let mut value = serde_json::json!({
        "schema_version": crate::fail::SCHEMA_VERSION,
        "request": report.request,
        "verdict": verdict,
        "exchanges": report.exchanges,
        "findings": all_findings(report)?,
        "fix": report.fix,
        "cause": report.cause,
        "not_sent": report.not_sent,
    });
    crate::gate::annotate_probes(report, &mut value)?;
    Ok(value)
}

/// One list of every finding: the browser's (as in the verdict), then the
/// probes' with the exchange that shows each; `source` says which.
fn all_findings(report: &Report) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    let tagged = |mut v: serde_json::Value, source: &str| {
        if let Some(o) = v.as_object_mut() {
            o.insert("source".into(), source.into());
        }
        v
    };
    let verdict = report
        .verdict
        .findings
        .iter()
        .map(|f| serde_json::to_value(f).map(|v| tagged(v, "verdict")));
    let probes = report
        .findings
        .iter()
        .map(|f| serde_json::to_value(f).map(|v| tagged(v, "probe")));
    verdict.chain(probes).collect()
}

/// The report for a terminal: the exchanges, the story and verdict, the
/// probes' findings, the fix.
pub fn human(report: &Report, style: Style, verbose: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    // The verdict first, with its root cause: the rest is the evidence.
    let _ = writeln!(out, "{}\n", headline(report, style));
    let _ = writeln!(out, "{}", style.bold("Exchanges"));
    let evidence: Vec<usize> = report.findings.iter().filter_map(|f| f.evidence).collect();
    let mut quiet = 0;
    for (i, e) in report.exchanges.iter().enumerate() {
        if e.probe.is_some() && !verbose && !evidence.contains(&i) {
            quiet += 1;
            continue;
        }
        let what = match (&e.probe, e.purpose) {
            (Some(p), _) => format!("probe {p}"),
            (None, exchange::Purpose::Preflight) => "preflight".into(),
            (None, _) => "request".into(),
        };
        let origin = e
            .sent
            .headers
            .iter()
            .find(|(n, _)| n == "origin")
            .map(|(_, v)| format!(" (Origin: {})", escape_control(v)))
            .unwrap_or_default();
        let answer = match (&e.received, &e.error) {
            (Some(r), _) => {
                // What a server sends is shown escaped: no control
                // character reaches the terminal.
                let acao: Vec<String> = r
                    .values("access-control-allow-origin")
                    .map(|v| escape_control(v).into_owned())
                    .collect();
                let acao = if acao.is_empty() {
                    style.dim("no Access-Control-Allow-Origin")
                } else {
                    format!("Access-Control-Allow-Origin: {}", acao.join(" | "))
                };
                format!("{} {}, {acao}", r.status, r.version)
            }
            (None, Some(err)) => style.red(&escape_control(err)),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            out,
            "  #{i:<2} {:<22} {} {}{origin}\n       -> {answer}",
            what,
            escape_control(&e.sent.method),
            escape_control(&e.sent.url)
        );
    }
    if quiet > 0 {
        let _ = writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "(+{quiet} probe exchanges that found nothing; --verbose lists them)"
            ))
        );
    }
    out.push('\n');
    out.push_str(&render::verdict_styled(
        &render::escape_verdict(&report.verdict),
        style,
    ));
    if let Some(cause) = &report.cause {
        out.push_str(&cause_section(cause, style));
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Probes found"));
        for f in &report.findings {
            let label = match f.finding.severity {
                corsair_core::Severity::Error => style.red("error  "),
                corsair_core::Severity::Warning => style.yellow("warning"),
                corsair_core::Severity::Info => style.dim("info   "),
            };
            let evidence = f
                .evidence
                .map(|i| format!(" (exchange #{i})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {label} [{}] {}{evidence}",
                f.finding.slug,
                style.bold(&f.finding.title)
            );
            let _ = writeln!(out, "    {}", escape_control(&f.finding.explanation));
            let _ = writeln!(
                out,
                "    {} {}",
                style.bold("Fix:"),
                escape_control(&f.finding.fix)
            );
        }
    } else if report.exchanges.iter().any(|e| e.probe.is_some()) {
        let ran = |name: &str| {
            report
                .exchanges
                .iter()
                .any(|e| e.probe.as_deref() == Some(name))
        };
        let mut clean = vec!["no crafted origin was trusted with credentials"];
        if ran("missing-path") || ran("without-credentials") {
            clean.push("error responses keep their CORS headers");
        }
        let _ = writeln!(out, "\n{} {}", style.green("Probes:"), clean.join("; "));
    }
    if let Some(fix) = &report.fix {
        let detected = if fix.detected.is_empty() {
            "no platform recognized in the answers (choose one with --platform)".to_owned()
        } else {
            let names: Vec<&str> = fix.detected.iter().map(|p| p.title()).collect();
            format!("recognized: {}", names.join(", "))
        };
        let _ = writeln!(out, "\n{} ({detected})", style.bold("The fix"));
        if let Some(also) = &fix.also {
            let _ = writeln!(
                out,
                "  {} {also}\n  {}",
                style.yellow("1. Outside the CORS settings:"),
                style.yellow("2. The CORS settings:")
            );
        }
        let p = &fix.policy;
        let _ = writeln!(
            out,
            "  allow origin {}{}{}{}{}",
            p.origins.join(", "),
            if p.methods.is_empty() {
                String::new()
            } else {
                format!(", methods {}", p.methods.join(", "))
            },
            if p.request_headers.is_empty() {
                String::new()
            } else {
                format!(", request headers {}", p.request_headers.join(", "))
            },
            if p.expose_headers.is_empty() {
                String::new()
            } else {
                format!(", expose {}", p.expose_headers.join(", "))
            },
            if p.credentials {
                ", with credentials"
            } else {
                ""
            },
        );
        if fix.rechecked {
            let _ = writeln!(
                out,
                "  {}",
                style.dim("re-checked: a server answering with this policy gets the request allowed, and keeps what already worked")
            );
        } else {
            let _ = writeln!(
                out,
                "  {}",
                style.yellow(
                    "not re-checked: this policy alone may not be enough (see the findings above)"
                )
            );
        }
        for r in &fix.rendered {
            let _ = writeln!(out, "\n  {} — {}", style.bold(r.platform.title()), r.place);
            for line in r.snippet.lines() {
                let _ = writeln!(out, "    {line}");
            }
            for n in &r.notes {
                let _ = writeln!(out, "  note: {n}");
            }
        }
    }
    out
}

/// The first line: the verdict, and the root cause when one was found.
pub(crate) fn headline(report: &Report, style: Style) -> String {
    let v = &report.verdict;
    let word = match v.outcome {
        corsair_core::Outcome::Allowed => style.green("ALLOWED"),
        corsair_core::Outcome::Blocked => style.red("BLOCKED"),
        corsair_core::Outcome::Incomplete => style.yellow("INCOMPLETE"),
        corsair_core::Outcome::SameOrigin => style.green("SAME-ORIGIN"),
        corsair_core::Outcome::Opaque => style.yellow("OPAQUE"),
    };
    if let (Some(method), corsair_core::Outcome::Incomplete) = (&report.not_sent, v.outcome) {
        let before = if report
            .exchanges
            .iter()
            .any(|e| e.purpose == exchange::Purpose::Preflight)
        {
            "the preflight passes; "
        } else {
            ""
        };
        return format!(
            "{word}: {before}the {method} itself was not sent: it may change data on the server. Run again with --send to send it."
        );
    }
    let why = match (&report.cause, &v.blocked) {
        (Some(c), _) => format!(
            "{} [{}, {}]",
            escape_control(&c.summary),
            c.slug,
            c.confidence.word()
        ),
        (None, Some(b)) => escape_control(&b.reason).into_owned(),
        (None, None) => {
            // The page reads an error: say so, and who answered it when the
            // Corsair gateway marks its own answers.
            let last = report
                .exchanges
                .iter()
                .filter(|e| e.probe.is_none())
                .filter_map(|e| e.received.as_ref())
                .next_back();
            let status = match last {
                Some(r) if r.status >= 400 => {
                    let mark = r
                        .first("x-corsair")
                        .map(|m| format!(" from the Corsair gateway ({})", escape_control(m)))
                        .unwrap_or_default();
                    format!(", but what it reads is a {}{mark}", r.status)
                }
                _ => String::new(),
            };
            // The worst finding, the probes' included: an API that lets
            // any site read it as the user is allowed, and not fine.
            let worst = v
                .findings
                .iter()
                .chain(report.findings.iter().map(|e| &e.finding))
                .min_by_key(|f| match f.severity {
                    corsair_core::Severity::Error => 0,
                    corsair_core::Severity::Warning => 1,
                    corsair_core::Severity::Info => 2,
                });
            match worst {
                Some(f) => format!(
                    "the page reads the answer{status}; but: {} [{}]",
                    f.title, f.slug
                ),
                None => format!("the browser lets the page read the answer{status}"),
            }
        }
    };
    format!("{word}: {why}")
}

/// The root cause: which layer, why, what shows it, what to change.
fn cause_section(cause: &corsair_doctor::cause::Cause, style: Style) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} ({}, {})",
        style.bold("Why"),
        cause.slug,
        cause.confidence.word()
    );
    if let Some(layer) = &cause.layer {
        let _ = writeln!(out, "  answered by: {}", escape_control(layer));
    }
    let _ = writeln!(out, "  {}", escape_control(&cause.summary));
    for e in &cause.evidence {
        let _ = writeln!(out, "    - {}", escape_control(e));
    }
    if !cause.works_from.is_empty() {
        let _ = writeln!(out, "  works from: {}", cause.works_from.join(", "));
    }
    if let Some(body) = &cause.body {
        let _ = writeln!(out, "  the server said: {}", escape_control(body));
    }
    let _ = writeln!(
        out,
        "  {} {}",
        style.bold("Fix:"),
        escape_control(&cause.fix)
    );
    out
}
