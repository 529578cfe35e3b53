//! The doctor against a zoo server: the request as the page makes it, the
//! report, and a readable account of it for failure messages.

use corsair_core::catalog::{Severity, Slug};
use corsair_core::policy::PolicySpec;
use corsair_core::Outcome;
use corsair_doctor::check::CheckRequest;
use corsair_doctor::diagnose::{diagnose, Options, Report};
use corsair_doctor::send::{Sender, SenderOptions};
use corsair_doctor::verify::{self, CaseRun};
use corsair_platforms::Platform;

/// The page's origin, in the doctor's checks and in Chromium (where the
/// harness serves it and `*.example.test` resolves to 127.0.0.1).
pub const PAGE: &str = "http://app.example.test:8001";

/// The request a page's code makes.
#[derive(Clone, Debug)]
pub struct Call {
    /// The method as written.
    pub method: &'static str,
    /// The headers the code sets.
    pub headers: &'static [(&'static str, &'static str)],
    /// `credentials: 'include'`.
    pub credentials: bool,
    /// Response headers the code reads.
    pub read_headers: &'static [&'static str],
}

impl Call {
    /// A GET with no header.
    pub const GET: Call = Call {
        method: "GET",
        headers: &[],
        credentials: false,
        read_headers: &[],
    };

    /// The same call with credentials.
    pub const fn with_credentials(self) -> Call {
        Call {
            credentials: true,
            ..self
        }
    }

    /// The doctor's request for this call to `url` from [`PAGE`]; a
    /// credentialed call carries a cookie, as the browser's would.
    pub fn to(&self, url: &str) -> CheckRequest {
        CheckRequest {
            page_origin: PAGE.into(),
            url: url.into(),
            method: self.method.into(),
            headers: self
                .headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            credentials: self.credentials,
            cookies: self.credentials.then(|| "session=zoo".to_owned()),
            body: None,
            read_headers: self.read_headers.iter().map(|h| (*h).to_owned()).collect(),
            initiator: Default::default(),
        }
    }
}

/// Diagnoses `request` (probes on), rendering the fix for `platform` if given.
pub fn run(request: &CheckRequest, platform: Option<Platform>) -> Report {
    run_with(
        request,
        &Options {
            platform,
            // The zoo's servers are the tests' own: every request is sent.
            send: true,
            ..Options::default()
        },
    )
}

/// Diagnoses `request` with `options`.
#[allow(dead_code)] // Each test file uses its own part of the harness.
pub fn run_with(request: &CheckRequest, options: &Options) -> Report {
    let sender = sender();
    block_on(diagnose(&sender, request, options))
        .unwrap_or_else(|e| panic!("the doctor refused {}: {e}", request.url))
}

/// `corsair verify`'s runs at `url` under `spec`: its cases, sent as it
/// sends them (read-only, four at a time).
pub fn verify_runs(url: &str, spec: &PolicySpec) -> Vec<CaseRun> {
    let sender = sender();
    block_on(verify::run(&sender, verify::cases(url, spec), 4, false))
}

/// The sender of the zoo's checks: no proxy, 5 s an exchange.
fn sender() -> Sender {
    Sender::new(&SenderOptions {
        no_proxy: true,
        timeout: Some(std::time::Duration::from_secs(5)),
        ..SenderOptions::default()
    })
    .unwrap_or_else(|e| panic!("cannot set up the doctor's sender: {e}"))
}

/// Runs `future` to its end on a runtime of its own.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("cannot start a tokio runtime: {e}"))
        .block_on(future)
}

/// Every slug of the report: the verdict's and the probes'.
pub fn slugs(report: &Report) -> Vec<Slug> {
    report.slugs()
}

/// The probes' findings of error or warning severity.
pub fn probe_problems(report: &Report) -> Vec<Slug> {
    report
        .findings
        .iter()
        .filter(|f| f.finding.severity != Severity::Info)
        .map(|f| f.finding.slug)
        .collect()
}

/// The report in a few lines: outcome, findings, and each exchange with
/// its status and CORS headers.
pub fn describe(report: &Report) -> String {
    let v = &report.verdict;
    let mut out = format!(
        "outcome {:?}, status {:?}\nverdict findings: {:?}\nprobe findings: {:?}\n",
        v.outcome,
        v.status,
        v.findings
            .iter()
            .map(|f| format!("{} ({:?})", f.slug, f.severity))
            .collect::<Vec<_>>(),
        report
            .findings
            .iter()
            .map(|f| format!(
                "{} ({:?}, exchange {:?})",
                f.finding.slug, f.finding.severity, f.evidence
            ))
            .collect::<Vec<_>>(),
    );
    if let Some(line) = &v.console.chrome {
        out.push_str(&format!("chrome: {line}\n"));
    }
    for (i, e) in report.exchanges.iter().enumerate() {
        let origin = e
            .sent
            .headers
            .iter()
            .find(|(n, _)| n == "origin")
            .map_or("-", |(_, v)| v.as_str());
        out.push_str(&format!(
            "  [{i}] {:?}{} {} {} (Origin {origin}) -> ",
            e.purpose,
            e.probe
                .as_deref()
                .map(|p| format!("/{p}"))
                .unwrap_or_default(),
            e.sent.method,
            e.sent.url,
        ));
        match (&e.received, &e.error) {
            (Some(r), _) => {
                let cors: Vec<String> = r
                    .headers
                    .iter()
                    .filter(|(n, _)| {
                        n.starts_with("access-control-") || n == "vary" || n == "location"
                    })
                    .map(|(n, v)| format!("{n}: {v}"))
                    .collect();
                out.push_str(&format!("{} [{}]\n", r.status, cors.join("; ")));
            }
            (None, Some(err)) => out.push_str(&format!("error {err}\n")),
            (None, None) => out.push_str("nothing\n"),
        }
    }
    out
}

/// Prints the outcome and slugs of a case (for the test's log) and returns
/// the slugs.
pub fn show(case: &str, report: &Report) -> Vec<Slug> {
    let found = slugs(report);
    println!(
        "zoo {case}: outcome {:?}, slugs {}",
        report.verdict.outcome,
        found
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    found
}

/// Asserts the outcome and that `slug` is among the report's findings.
pub fn expect(case: &str, report: &Report, outcome: Outcome, slug: Slug) {
    let found = show(case, report);
    assert!(
        report.verdict.outcome == outcome && found.contains(&slug),
        "{case}: expected {outcome:?} with {slug}, the doctor said:\n{}",
        describe(report)
    );
}
