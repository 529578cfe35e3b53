//! The zoo, for security: real Express allow-lists that trust more than the
//! page (a substring test, a suffix check, an unescaped regex, `null`, every
//! `*.vercel.app`) and an API whose auth refuses everything; the doctor's
//! crafted origins must name each mistake, once, and `corsair check` must
//! gate on them (`--fail-on`, `-i`).
//!
//! Needs Node.js with `npm ci --prefix conformance/zoo/node` (.ci/run
//! installs it): without it the tests fail, never skip.

// Each test file uses a part of the shared harness.
#[allow(dead_code)]
#[path = "../zoo/harness/mod.rs"]
mod harness;

use std::path::PathBuf;
use std::process::{Command, Output};

use corsair_core::{Outcome, Severity, Slug};
use corsair_doctor::diagnose::Report;
use corsair_doctor::probes::{self, ProbeKind, ProbeResult};

use harness::doctor::{self, Call, PAGE};
use harness::node;
use harness::process::{Server, TempDir};

fn security() -> Server {
    node::start("security", &node::script("security.js")).ready()
}

/// The probes' findings of a report, by slug.
fn probe_slugs(report: &Report) -> Vec<Slug> {
    report.findings.iter().map(|f| f.finding.slug).collect()
}

/// The report for a credentialed GET of `path`; the page's own origin must
/// work (the allow-lists trust it).
fn check(server: &Server, path: &str) -> Report {
    let report = doctor::run(&Call::GET.with_credentials().to(&server.url(path)), None);
    assert_eq!(
        report.verdict.outcome,
        Outcome::Allowed,
        "{path}: the page's own origin must be allowed\n{}",
        doctor::describe(&report)
    );
    report
}

/// Asserts that the probes found `slug` (showing the report when not) and
/// returns every slug they found.
fn probes_found(report: &Report, case: &str, slug: Slug) -> Vec<Slug> {
    let found = probe_slugs(report);
    assert!(
        found.contains(&slug),
        "{case}\n{}",
        doctor::describe(report)
    );
    found
}

/// The kind of the probe that shows `slug`, from its evidence.
fn evidence_kind(report: &Report, slug: Slug) -> Option<ProbeKind> {
    let f = report.findings.iter().find(|f| f.finding.slug == slug)?;
    probes::outcomes(&report.exchanges)
        .get(f.evidence?)?
        .as_ref()
        .map(|o| o.kind)
}

#[test]
fn crafted_origins_name_each_allow_list_mistake() {
    let server = security();

    // (a) `PAGE.includes(origin)`: the truncated origins are accepted.
    let report = check(&server, "/substring");
    probes_found(&report, "substring", Slug::SubstringMatch);
    assert_eq!(
        evidence_kind(&report, Slug::SubstringMatch),
        Some(ProbeKind::TruncatedOrigin),
        "substring\n{}",
        doctor::describe(&report)
    );
    let trusted: Vec<String> = probes::outcomes(&report.exchanges)
        .into_iter()
        .flatten()
        .filter(|o| o.kind == ProbeKind::TruncatedOrigin && o.result == ProbeResult::Trusted)
        .filter_map(|o| o.origin)
        .collect();
    assert_eq!(
        trusted,
        ["http://app.example.tes", "http://app.example"],
        "substring\n{}",
        doctor::describe(&report)
    );
    // Not an echo-all: the made-up origin was refused.
    assert!(!probe_slugs(&report).contains(&Slug::ReflectsAnyOrigin));

    // (b) `endsWith("example.test:8001")`: the suffix is the root cause; the
    // unescaped-dot probe passes only because it ends the same way.
    let report = check(&server, "/suffix");
    let found = probes_found(&report, "suffix", Slug::SuffixMatch);
    assert!(
        !found.contains(&Slug::UnescapedDot),
        "suffix: unescaped-dot reported for a plain suffix check\n{}",
        doctor::describe(&report)
    );
    // The unescaped-dot probe was sent and trusted all the same.
    assert!(probes::outcomes(&report.exchanges)
        .into_iter()
        .flatten()
        .any(|o| o.kind == ProbeKind::UnescapedDot && o.result == ProbeResult::Trusted));

    // (c) `^http://app.example.test:8001$`, dots unescaped: unescaped-dot,
    // and no suffix or substring class.
    let report = check(&server, "/regex");
    let found = probes_found(&report, "regex", Slug::UnescapedDot);
    for wrong in [Slug::SuffixMatch, Slug::SubstringMatch, Slug::PrefixMatch] {
        assert!(
            !found.contains(&wrong),
            "regex: {wrong}\n{}",
            doctor::describe(&report)
        );
    }

    // (d) `null` trusted with credentials: an error, as echo-all is.
    let report = check(&server, "/null");
    let null = report
        .findings
        .iter()
        .find(|f| f.finding.slug == Slug::NullOriginAllowed)
        .unwrap_or_else(|| panic!("null\n{}", doctor::describe(&report)));
    assert_eq!(null.finding.severity, Severity::Error);
    assert!(null.finding.explanation.contains("sandboxed iframe"));

    // (f) every *.vercel.app trusted with credentials: third-party hosting.
    let report = check(&server, "/vercel");
    probes_found(&report, "vercel", Slug::ThirdPartyOriginTrusted);
    assert_eq!(
        evidence_kind(&report, Slug::ThirdPartyOriginTrusted),
        Some(ProbeKind::ThirdParty)
    );
    // The origins of the other shared hosts were refused: one finding.
    assert_eq!(
        report
            .findings
            .iter()
            .filter(|f| f.finding.slug == Slug::ThirdPartyOriginTrusted)
            .count(),
        1
    );
}

/// (e) Auth before everything: every request without a token, the
/// preflight included, gets 401. The origin probes tell nothing: the report
/// says so, and does not say "nothing found".
#[test]
fn probes_refused_by_auth_are_inconclusive() {
    let api = node::start("auth-first", &node::script("auth-first.js")).ready();
    let call = Call {
        method: "GET",
        headers: &[("Authorization", "Bearer zoo")],
        credentials: true,
        read_headers: &[],
    };
    let report = doctor::run(&call.to(&api.url("/api/items")), None);
    let outcomes: Vec<_> = probes::outcomes(&report.exchanges)
        .into_iter()
        .flatten()
        .filter(|o| o.origin.is_some())
        .collect();
    assert!(
        !outcomes.is_empty(),
        "no origin probe ran\n{}",
        doctor::describe(&report)
    );
    assert!(
        outcomes
            .iter()
            .all(|o| o.result == ProbeResult::Inconclusive),
        "{outcomes:?}"
    );
    let inconclusive: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.finding.title.contains("inconclusive"))
        .collect();
    assert_eq!(
        inconclusive.len(),
        1,
        "said once\n{}",
        doctor::describe(&report)
    );
    assert!(
        inconclusive[0]
            .finding
            .explanation
            .contains("authentication runs before CORS"),
        "{}",
        inconclusive[0].finding.explanation
    );
    // No security class is claimed either way.
    for slug in [
        Slug::ReflectsAnyOrigin,
        Slug::NullOriginAllowed,
        Slug::SubstringMatch,
    ] {
        assert!(!probe_slugs(&report).contains(&slug));
    }

    // A CORS layer's own 403 (Spring's "Invalid CORS request", Vary:
    // Origin) refuses the origin: not inconclusive, even for the page.
    let causes = node::start("causes", &node::script("causes.js")).ready();
    let put = Call {
        method: "PUT",
        headers: &[("Content-Type", "application/json")],
        credentials: true,
        read_headers: &[],
    };
    let spring = doctor::run(&put.to(&causes.url("/spring/items")), None);
    assert!(
        spring
            .findings
            .iter()
            .all(|f| !f.finding.title.contains("inconclusive")),
        "spring\n{}",
        doctor::describe(&spring)
    );
    let spring_outcomes: Vec<_> = probes::outcomes(&spring.exchanges)
        .into_iter()
        .flatten()
        .collect();
    assert!(
        spring_outcomes
            .iter()
            .all(|o| o.result != ProbeResult::Inconclusive),
        "{spring_outcomes:?}\n{}",
        doctor::describe(&spring)
    );

    // The command line says it too, and --json carries the result.
    let out = corsair(&[
        "check",
        &api.url("/api/items"),
        "--origin",
        PAGE,
        "-H",
        "Authorization: Bearer zoo",
        "--credentials",
        "--json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out)));
    let results: Vec<&str> = doc["exchanges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["probe_outcome"]["result"].as_str())
        .collect();
    assert!(results.contains(&"inconclusive"), "{}", text(&out));
    assert!(!results.contains(&"trusted"), "{}", text(&out));
}

/// The `corsair` binary, built (or found up to date) by cargo.
fn corsair_binary() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no workspace above {}", env!("CARGO_MANIFEST_DIR")));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "corsair-cli"])
        .current_dir(&workspace)
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build corsair: {e}"));
    assert!(status.success(), "cargo build -p corsair-cli failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    let bin = target.join("debug/corsair");
    assert!(bin.is_file(), "no binary at {}", bin.display());
    bin
}

fn corsair(args: &[&str]) -> Output {
    Command::new(corsair_binary())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run corsair: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// (d) and (g): `--fail-on` turns findings into exit 4, and `-i` checks
/// several URLs, reports each in order and exits with the worst.
#[test]
fn check_gates_on_findings_and_many_urls() {
    let server = security();
    let null = server.url("/null");
    let base = ["--origin", PAGE, "--credentials", "-b", "session=zoo"];

    // Without --fail-on: the verdict's status (allowed).
    let out = corsair(&[&["check", null.as_str()][..], &base[..]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("null-origin-allowed"),
        "{}",
        text(&out)
    );
    let out = corsair(
        &[
            &["check", null.as_str(), "--fail-on", "error"][..],
            &base[..],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));

    // The finding's probe in --json: kind, origin, result.
    let out = corsair(&[&["check", null.as_str(), "--json"][..], &base[..]].concat());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out)));
    let finding = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["slug"] == "null-origin-allowed")
        .unwrap_or_else(|| panic!("no null finding:\n{}", text(&out)));
    assert_eq!(finding["severity"], "error");
    assert_eq!(
        finding["probe"],
        serde_json::json!({"kind": "null", "origin": "null", "result": "trusted"})
    );

    // (g) three URLs: each in order, one JSON line each, the worst status.
    let dir = TempDir::new("security-urls");
    let list = dir.write(
        "urls.txt",
        &format!(
            "# three allow-lists\n{}\n\n{}\n{}\n",
            server.url("/substring"),
            server.url("/regex"),
            server.url("/null")
        ),
    );
    let list = list.to_string_lossy().into_owned();
    let json_args = [&["check", "-i", list.as_str(), "--json"][..], &base[..]].concat();
    let out = corsair(&json_args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert_eq!(lines.len(), 3, "{}", text(&out));
    let expected = [
        ("/substring", "substring-match"),
        ("/regex", "unescaped-dot"),
        ("/null", "null-origin-allowed"),
    ];
    for (line, (path, slug)) in lines.iter().zip(expected) {
        let url = line["request"]["url"].as_str().unwrap_or_default();
        assert!(url.ends_with(path), "{url} for {path}");
        let slugs: Vec<&str> = line["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["slug"].as_str())
            .collect();
        assert!(slugs.contains(&slug), "{path}: {slugs:?}");
    }
    let gated = [&json_args[..], &["--fail-on", "error"][..]].concat();
    let out = corsair(&gated);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));

    // Human output: each report, then the summary table.
    let out = corsair(&[&["check", "-i", list.as_str()][..], &base[..]].concat());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout
        .split("\nSummary\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary:\n{}", text(&out)));
    let rows: Vec<&str> = summary.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{summary}");
    for (row, (path, slug)) in rows.iter().zip(expected) {
        assert!(
            row.contains(path) && row.contains(slug) && row.contains("allowed"),
            "{row}"
        );
    }

    // A URL nobody answers makes the worst status: no answer (5).
    let dead = format!("http://127.0.0.1:{}/x", harness::process::free_port());
    let list2 = dir.write("urls2.txt", &format!("{}\n{dead}\n", server.url("/regex")));
    let out = corsair(
        &[
            &[
                "check",
                "-i",
                &list2.to_string_lossy(),
                "--fail-on",
                "error",
            ][..],
            &base[..],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
}

/// Each allow-list mistake, fixed for real: the Express fix the doctor
/// renders, pasted before the app's route, leaves the page's call allowed
/// in the doctor and in Chromium, and the probes find nothing.
#[test]
fn each_allow_list_mistake_fixed_for_real() {
    use corsair_platforms::Platform;
    use harness::fixes::{self, Expect};

    let server = security();
    let call = Call::GET.with_credentials();
    for path in ["/substring", "/suffix", "/regex", "/null", "/vercel"] {
        let (fix, report) = fixes::rendered(Platform::Express, &call.to(&server.url(path)));
        let policy = &report.fix.as_ref().expect("a fix").policy;
        assert_eq!(policy.origins, [PAGE], "{path}: {policy:#?}");
        let source = format!(
            "{}\n// The app's own route, as before (added by the zoo).\n\
             app.get('{path}', (req, res) => res.json({{ items: [1, 2, 3] }}));\n\
             app.listen(Number(process.argv[2]), '127.0.0.1');\n",
            fix.snippet
        );
        let fixed =
            node::start_source(&format!("fixed{}", path.replace('/', "-")), &source).ready();
        let request = call.to(&fixed.url(path));
        fixes::verify(
            Platform::Express,
            &fixed,
            &request,
            &call,
            path,
            &fix.snippet,
            Expect::OK,
            &[],
        );
    }
}
