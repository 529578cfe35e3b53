//! `corsair verify`: after a deploy, does each URL serve what the policy
//! says? The cases come from the policy (each allowed origin with what it
//! allows; crafted origins, a method and a header it does not), are sent
//! live and judged for Chrome, Firefox and Safari; every deviation is
//! reported (words, JSON, JUnit XML, GitHub annotations) and fails the run.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use corsair_core::printable::escape_control;
use corsair_doctor::exchange::redact_url;
use corsair_doctor::verify::{self, CaseRun, Deviation, Expect};
use serde_json::json;
use url::Url;

use crate::connect::ConnectArgs;
use crate::exit::{CliError, Status};
use crate::policy_file::load;

/// Arguments of `corsair verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The deployed URLs to check (each is checked under the policy of its path's route).
    #[arg(value_name = "URL", required = true)]
    pub urls: Vec<String>,
    /// The policy file the deployment must serve.
    #[arg(long, value_name = "FILE", default_value = "corsair.toml")]
    pub policy: PathBuf,
    /// The stage whose policy to hold the deployment to (default: production, `[cors]`).
    #[arg(long, value_name = "NAME", env = corsair_core::policy::STAGE_ENV)]
    pub stage: Option<String>,
    /// An OpenAPI document (3.x or Swagger 2.0, JSON or YAML): each URL is then the API's base, and every path of the document is checked, with the methods it serves.
    #[arg(long, value_name = "FILE")]
    pub openapi: Option<PathBuf>,
    /// Send the allowed requests whose method may change data (PUT, PATCH, DELETE…); without it their preflight decides.
    #[arg(long)]
    pub send: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write a JUnit XML report (one test case per case) to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the report as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also print GitHub Actions annotations (`::error ::…`) for each deviation.
    #[arg(long)]
    pub github: bool,
    /// Cases in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// At most N requests a second, preflights included (default: no limit beyond --concurrency).
    #[arg(long, value_name = "N")]
    pub rate: Option<std::num::NonZeroU32>,
    /// How to reach the server.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
Read-only by default: preflights, GET and HEAD; methods that may change data are judged by their preflight unless --send.

Exit status: 0 the deployment serves the policy, 1 a deviation (or drift), 5 no URL answered at all (DNS, connection, timeout, TLS), 2 bad input (the policy has errors, a URL does not parse).";

/// The runs of one URL.
struct Checked {
    url: String,
    route: Option<String>,
    runs: Vec<CaseRun>,
}

/// Runs `corsair verify`.
pub fn run(args: &VerifyArgs) -> Result<Status, CliError> {
    let loaded = load(&args.policy, args.stage.as_deref())?;
    let set = loaded.checked.policies.as_ref().ok_or_else(|| {
        CliError::Input(format!(
            "{}: no policy to verify against",
            args.policy.display()
        ))
    })?;
    let routes = loaded.route_paths();
    let sender = args.connect.sender(args.connect.insecure, args.rate)?;
    let api = match &args.openapi {
        Some(path) => Some(crate::openapi::routes(path)?),
        None => None,
    };
    let mut plans = Vec::new();
    for raw in &args.urls {
        let url = Url::parse(raw).map_err(|e| CliError::Input(format!("{raw}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(CliError::Input(format!(
                "{raw}: only http and https URLs can be verified"
            )));
        }
        // With an OpenAPI document, the URL is the API's base and each of
        // its routes is checked, with the methods it serves.
        let targets: Vec<(String, Option<&[String]>)> = match &api {
            None => vec![(raw.clone(), None)],
            Some(routes) => routes
                .iter()
                .map(|r| {
                    let mut u = url.clone();
                    u.set_path(&format!("{}{}", url.path().trim_end_matches('/'), r.path));
                    (u.to_string(), Some(r.methods.as_slice()))
                })
                .collect(),
        };
        for (target, served) in targets {
            let path = Url::parse(&target)
                .map(|u| u.path().to_owned())
                .unwrap_or_default();
            let (route, _) = set.for_path(&path);
            let spec = loaded
                .checked
                .specs
                .get(route.map_or(0, |i| i + 1))
                .ok_or_else(|| CliError::Input("the policy's routes do not compile".into()))?;
            let mut cases = verify::cases(&target, spec);
            if let Some(served) = served {
                // An allowed case for a method the route does not serve
                // tests nothing the page does.
                cases.retain(|c| {
                    c.expect == Expect::Refused
                        || served
                            .iter()
                            .any(|m| m.eq_ignore_ascii_case(&c.request.method))
                });
            }
            plans.push((target, route.and_then(|i| routes.get(i).cloned()), cases));
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Input(format!("cannot start the runtime: {e}")))?;
    let checked: Vec<Checked> = plans
        .into_iter()
        .map(|(url, route, cases)| Checked {
            url: redact_url(&url),
            route,
            runs: runtime.block_on(verify::run(&sender, cases, args.concurrency, args.send)),
        })
        .collect();
    let deviations: Vec<&Deviation> = checked
        .iter()
        .flat_map(|c| c.runs.iter().flat_map(|r| &r.deviations))
        .collect();
    let drifts = drifts(&checked);
    if let Some(path) = &args.junit {
        std::fs::write(path, junit(&checked))
            .map_err(|e| CliError::Input(format!("cannot write {}: {e}", path.display())))?;
    }
    if let Some(path) = &args.html {
        let urls: Vec<crate::html::verify::UrlRuns<'_>> = checked
            .iter()
            .map(|c| crate::html::verify::UrlRuns {
                url: &c.url,
                route: c.route.as_deref(),
                runs: &c.runs,
            })
            .collect();
        let drift_lines: Vec<String> = drifts.iter().map(drift_line).collect();
        let name = args.policy.display().to_string();
        let page = crate::html::verify::page(
            &name,
            args.stage.as_deref(),
            &urls,
            &deviations,
            &drift_lines,
        );
        crate::html::write_file(path, &page)?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = json!({
            "schema_version": 1,
            "policy": args.policy.display().to_string(),
            "stage": args.stage,
            "urls": checked.iter().map(|c| json!({
                "url": c.url,
                "route": c.route,
                "cases": c.runs.iter().map(|r| json!({
                    "case": r.case.name,
                    "expect": r.case.expect,
                    "origin": r.case.request.page_origin,
                    "method": r.case.request.method,
                    "engines": r.engines,
                    "passed": r.deviations.is_empty(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "deviations": deviations,
            "drift": drifts,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        out.write_all(human(&checked, &deviations).as_bytes())?;
        for d in &drifts {
            writeln!(out, "{}", escape_control(&drift_line(d)))?;
        }
    }
    if args.github {
        for d in &deviations {
            writeln!(out, "{}", annotation(d))?;
        }
    }
    Ok(if checked.iter().all(|c| unreachable(c).is_some()) {
        // Nothing answered: not a CORS verdict (as `check` exits 5).
        Status::NoAnswer
    } else if deviations.is_empty() && drifts.is_empty() {
        Status::Success
    } else {
        Status::PolicyErrors
    })
}

/// Why no case got an answer from the URL, when none did (the same
/// network failure for all: said once, not once per case).
fn unreachable(c: &Checked) -> Option<&str> {
    let mut reasons = c.runs.iter().map(|r| {
        r.deviations
            .iter()
            .find(|d| d.slug == Some(corsair_core::Slug::NotACorsError))
            .map(|d| d.message.as_str())
    });
    let first = reasons.next()??;
    reasons.all(|r| r.is_some()).then_some(first)
}

/// The drift between URLs of the same path (and so the same cases): the
/// first such URL against each other one.
fn drifts(checked: &[Checked]) -> Vec<verify::Drift> {
    let mut out = Vec::new();
    for (i, a) in checked.iter().enumerate() {
        let path = |u: &str| Url::parse(u).map(|u| u.path().to_owned()).ok();
        // Only against the first URL of its path.
        if checked[..i].iter().any(|c| path(&c.url) == path(&a.url)) {
            continue;
        }
        for b in checked[i + 1..]
            .iter()
            .filter(|c| path(&c.url) == path(&a.url))
        {
            out.extend(verify::drift(&a.url, &a.runs, &b.url, &b.runs));
        }
    }
    out
}

/// One drift in words.
fn drift_line(d: &verify::Drift) -> String {
    let said = |e: verify::EngineOutcomes| {
        e.each()
            .map(|(name, o)| {
                let word = match o {
                    corsair_core::Outcome::Allowed | corsair_core::Outcome::SameOrigin => "allows",
                    corsair_core::Outcome::Blocked => "blocks",
                    corsair_core::Outcome::Incomplete => "passes the preflight",
                    corsair_core::Outcome::Opaque => "gets an opaque answer",
                };
                format!("{name} {word}")
            })
            .join(", ")
    };
    format!(
        "DRIFT {}: {} ({}) but {} ({})",
        d.case,
        d.first.0,
        said(d.first.1),
        d.other.0,
        said(d.other.1)
    )
}

/// The words: one line per URL, each deviation under it, a total.
fn human(checked: &[Checked], deviations: &[&Deviation]) -> String {
    let mut s = String::new();
    for c in checked {
        let failed: Vec<&Deviation> = c.runs.iter().flat_map(|r| &r.deviations).collect();
        let route = c
            .route
            .as_deref()
            .map(|r| format!(" (route {r})"))
            .unwrap_or_default();
        if let Some(why) = unreachable(c) {
            let _ = writeln!(
                s,
                "FAIL {}{route}: no case could run, {}",
                c.url,
                escape_control(why)
            );
            continue;
        }
        let _ = writeln!(
            s,
            "{} {}{route}: {} cases, {} deviation(s)",
            if failed.is_empty() { "PASS" } else { "FAIL" },
            c.url,
            c.runs.len(),
            failed.len()
        );
        for d in failed {
            let slug = d.slug.map(|s| format!(" [{s}]")).unwrap_or_default();
            let expected = match d.expected {
                Expect::Allowed => "must be allowed",
                Expect::Refused => "must be refused",
            };
            let _ = writeln!(
                s,
                "  - {} ({expected}): {}{slug}",
                escape_control(&d.case),
                escape_control(&d.message)
            );
        }
    }
    let silent = checked.iter().filter(|c| unreachable(c).is_some()).count();
    let counted = deviations.len()
        - checked
            .iter()
            .filter(|c| unreachable(c).is_some())
            .map(|c| c.runs.iter().map(|r| r.deviations.len()).sum::<usize>())
            .sum::<usize>();
    let _ = writeln!(
        s,
        "{}",
        match (silent, counted) {
            (0, 0) => "The deployment serves the policy.".to_owned(),
            (0, n) => format!("{n} deviation(s) from the policy."),
            (k, 0) if k == checked.len() => "No URL answered: nothing was verified.".to_owned(),
            (k, n) => format!("{n} deviation(s) from the policy; {k} URL(s) did not answer."),
        }
    );
    s
}

/// A GitHub Actions error annotation for a deviation.
fn annotation(d: &Deviation) -> String {
    // Workflow commands end at a newline; `%`, CR and LF are escaped.
    let esc = |t: &str| {
        t.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    format!(
        "::error title=corsair verify::{} {}: {}",
        esc(&d.url),
        esc(&d.case),
        esc(&d.message)
    )
}

/// XML text and attribute escaping.
fn xml(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a test suite per URL, a test case per case.
fn junit(checked: &[Checked]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"corsair verify\">\n",
    );
    for c in checked {
        let failures = c.runs.iter().filter(|r| !r.deviations.is_empty()).count();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            xml(&c.url),
            c.runs.len()
        );
        for r in &c.runs {
            let _ = write!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(&c.url),
                xml(&r.case.name)
            );
            if r.deviations.is_empty() {
                s.push_str("/>\n");
            } else {
                s.push_str(">\n");
                for d in &r.deviations {
                    let _ = writeln!(
                        s,
                        "      <failure message=\"{}\" type=\"{}\"/>",
                        xml(&d.message),
                        d.slug.map_or("deviation", |s| s.name())
                    );
                }
                s.push_str("    </testcase>\n");
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}
