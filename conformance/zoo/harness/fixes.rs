//! Verified fixes: the fix the doctor renders for a broken server, pasted
//! for real (the snippet verbatim, plus only what it leaves to the user),
//! must make the doctor and real headless Chromium both find the call
//! allowed, with nothing else changed.

use corsair_conformance::Outcome as Browser;
use corsair_core::{Outcome, Slug};
use corsair_doctor::check::CheckRequest;
use corsair_doctor::diagnose::Report;
use corsair_platforms::{Platform, Rendered};

use super::browser;
use super::doctor::{self, Call};
use super::process::Server;

/// The fix the doctor renders for `platform` on the answers to `request`,
/// with the whole report (for the cause and the `also` step).
pub fn rendered(platform: Platform, request: &CheckRequest) -> (Rendered, Report) {
    let report = doctor::run(request, Some(platform));
    let fix = report.fix.as_ref().unwrap_or_else(|| {
        panic!(
            "{platform}: the doctor offers no fix for the broken server:\n{}",
            doctor::describe(&report)
        )
    });
    let rendered = fix
        .rendered
        .iter()
        .find(|r| r.platform == platform)
        .unwrap_or_else(|| panic!("{platform}: no fix rendered for it: {:?}", fix.rendered))
        .clone();
    println!(
        "fix {platform}: broken server: outcome {:?}, slugs {:?}, also {:?}; snippet:\n{}",
        report.verdict.outcome,
        doctor::slugs(&report)
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>(),
        fix.also,
        rendered.snippet
    );
    (rendered, report)
}

/// `snippet` with its one `placeholder` replaced by `value`.
pub fn substitute(platform: Platform, snippet: &str, placeholder: &str, value: &str) -> String {
    let n = snippet.matches(placeholder).count();
    assert_eq!(
        n, 1,
        "{platform}: the snippet has {n} `{placeholder}` (expected one to replace):\n{snippet}"
    );
    snippet.replace(placeholder, value)
}

/// The nginx snippet as pasted: its listen placeholder and upstream
/// address (in each `location`, for a snippet with routes) filled in,
/// nothing else.
pub fn paste_nginx(snippet: &str, port: u16, upstream: u16) -> String {
    let nginx = Platform::Nginx;
    let listen = format!("listen 127.0.0.1:{port};");
    let conf = substitute(
        nginx,
        snippet,
        "# ... listen, server_name, ssl as before",
        &listen,
    );
    assert!(
        conf.contains("127.0.0.1:8000"),
        "{nginx}: the snippet has no upstream to fill in:\n{snippet}"
    );
    conf.replace("127.0.0.1:8000", &format!("127.0.0.1:{upstream}"))
}

/// The Caddyfile snippet as pasted: its site address and upstream filled
/// in, nothing else.
pub fn paste_caddy(snippet: &str, port: u16, upstream: u16) -> String {
    let caddy = Platform::Caddy;
    let conf = substitute(
        caddy,
        snippet,
        "api.example.com",
        &format!("http://:{port}"),
    );
    substitute(
        caddy,
        &conf,
        "127.0.0.1:8000",
        &format!("127.0.0.1:{upstream}"),
    )
}

/// The Worker entry module as a user would deploy it: their own handler
/// (here, JSON with a count header) in place of the export's `handle` body.
pub fn paste_workers(snippet: &str) -> String {
    substitute(
        Platform::CloudflareWorkers,
        snippet,
        "  return fetch(request);\n",
        "  return Response.json({ items: [1, 2, 3] }, { headers: { 'X-Total-Count': '3' } });\n",
    )
}

/// The Go export as a user would finish it: their handler on `/api/` (JSON
/// with a count header) and `@PORT@` where it listens (see `go::start`).
pub fn paste_go(snippet: &str) -> String {
    let go = Platform::GoRsCors;
    let source = substitute(
        go,
        snippet,
        "\t// mux.Handle(\"/api/\", requireAuth(apiHandler))\n",
        "\tmux.HandleFunc(\"/api/\", func(w http.ResponseWriter, r *http.Request) {\n\
         \t\tw.Header().Set(\"Content-Type\", \"application/json\")\n\
         \t\tw.Header().Set(\"X-Total-Count\", \"3\")\n\
         \t\tw.Write([]byte(`{\"items\":[1,2,3]}`))\n\t})\n",
    );
    substitute(go, &source, "\":8080\"", "\"127.0.0.1:@PORT@\"")
}

/// A fixed server under test: where it listens, and what it logged.
pub trait Fixed {
    /// Its public port.
    fn port(&self) -> u16;
    /// Its output so far, for failure messages.
    fn output(&self) -> String;
}

impl Fixed for Server {
    fn port(&self) -> u16 {
        Server::port(self)
    }
    fn output(&self) -> String {
        Server::output(self)
    }
}

/// What the fixed server must give the page.
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    /// The status the page's code reads.
    pub status: u16,
    /// The status Chromium's call reads (it sends no body, so a request
    /// whose body is the error gets the route's ordinary answer).
    pub browser_status: u16,
}

impl Expect {
    /// A 200 for both.
    pub const OK: Expect = Expect {
        status: 200,
        browser_status: 200,
    };
}

/// The doctor and Chromium both find the call allowed on the fixed server:
/// `request` (the doctor's, at `path` of `fixed`) and `call` (Chromium's).
/// The probes may find only what they found before (`known`): a fix keeps
/// the origins that worked, and says so, even one the probes flag.
#[allow(clippy::too_many_arguments)] // One verification, all of it shown.
pub fn verify(
    platform: Platform,
    fixed: &dyn Fixed,
    request: &CheckRequest,
    call: &Call,
    path: &str,
    snippet: &str,
    expect: Expect,
    known: &[Slug],
) {
    let report = doctor::run(request, None);
    // The verdict's warnings too (a header the page cannot read, a missing
    // Vary): the fix must leave none.
    let mut problems: Vec<Slug> = report
        .verdict
        .findings
        .iter()
        .filter(|f| f.severity != corsair_core::Severity::Info)
        .map(|f| f.slug)
        .chain(doctor::probe_problems(&report))
        .collect();
    problems.retain(|s| !known.contains(s));
    println!(
        "fix {platform}: fixed server: doctor {:?} status {:?}, slugs {:?}",
        report.verdict.outcome,
        report.verdict.status,
        doctor::slugs(&report)
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
    );
    assert!(
        report.verdict.outcome == Outcome::Allowed
            && report.verdict.status == Some(expect.status)
            && problems.is_empty(),
        "{platform}: with the fix pasted, the doctor still says:\n{}\nsnippet:\n{snippet}\nserver output:\n{}",
        doctor::describe(&report),
        fixed.output()
    );
    let observed = browser::fetch(&format!("fix-{platform}"), call, fixed.port(), path);
    println!(
        "fix {platform}: Chromium {:?} status {:?}",
        observed.outcome, observed.js.status
    );
    assert!(
        observed.outcome == Browser::Allowed && observed.js.status == Some(expect.browser_status),
        "{platform}: with the fix pasted, Chromium: {:?} status {:?} {:?} {:?}\nsnippet:\n{snippet}\nserver output:\n{}",
        observed.outcome,
        observed.js.status,
        observed.cors_error,
        observed.console,
        fixed.output()
    );
}
