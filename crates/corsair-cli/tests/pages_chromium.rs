//! Corsair's pages in real headless Chromium, used as a person uses them:
//! `corsair ui`'s forms filled and submitted (one with the keyboard only),
//! the `--html` reports opened from disk; each page's DOM read and compared
//! with `--json` of the same input; hostile values present as text and
//! never as elements; no console error; no horizontal overflow at desktop
//! and phone widths (with a screenshot of each); names on every control.

mod html_support;
mod serve;

use corsair_conformance::driver::Tab;
use html_support::{corsair, hostile_server, screenshot_dir, temp_path, Ui, JS_URL, SCRIPT};
use serde_json::Value;

/// Desktop and phone viewports.
const WIDTHS: [(&str, u32, u32, bool); 2] =
    [("desktop", 1280, 900, false), ("phone", 390, 844, true)];

fn json_of(args: &[&str]) -> Value {
    let out = corsair().args(args).output().expect("the binary runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn text(tab: &mut Tab, js: &str) -> String {
    match tab.eval(js).expect("evaluates") {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// The page at both widths: nothing wider than the viewport; a screenshot
/// named `name-desktop.png` and `name-phone.png`.
fn fits_and_shoot(tab: &mut Tab, name: &str) {
    for (label, w, h, mobile) in WIDTHS {
        tab.resize(w, h, mobile).expect("resize");
        let sizes = tab
            .eval("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            .expect("sizes");
        let (scroll, client) = (
            sizes[0].as_u64().unwrap_or(0),
            sizes[1].as_u64().unwrap_or(0),
        );

        let wide = text(
            tab,
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5).join(', ')",
        );
        assert!(
            wide.is_empty(),
            "{name} at {label}: elements past the right edge: {wide}"
        );
        assert!(
            scroll <= client,
            "{name} overflows at {label}: scrollWidth {scroll} > clientWidth {client}"
        );
        tab.screenshot(&screenshot_dir().join(format!("{name}-{label}.png")))
            .expect("screenshot");
    }
    tab.resize(1280, 900, false).expect("resize back");
}

/// Hostile values are text: no element was injected, no script ran.
fn assert_no_injection(tab: &mut Tab) {
    let injected = tab
        .eval("document.querySelectorAll('script, img, iframe, object, embed, svg, link[rel], base').length")
        .expect("count");
    assert_eq!(injected, 0, "an element was injected");
    assert_ne!(text(tab, "document.title"), "pwned", "a script ran");
    let handlers = tab
        .eval("[...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length")
        .expect("count");
    assert_eq!(handlers, 0, "an event handler attribute");
    // Local links only: an anchor, a path, or a report's next page next to
    // it (`./name-2.html`, plain characters).
    let links = text(tab, "[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).filter(h => !h.startsWith('#') && !(h.startsWith('/') && !h.startsWith('//')) && !/^\\.\\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(h)).join(' ')");
    assert!(links.is_empty(), "a link elsewhere: {links}");
}

fn assert_no_console_error(tab: &mut Tab, what: &str) {
    let problems = tab.problems().expect("events");
    assert!(problems.is_empty(), "{what}: {problems:#?}");
}

/// Every control a user works with has an accessible name (its label, or a
/// button's text).
fn assert_named_controls(tab: &mut Tab) {
    let unnamed = text(
        tab,
        "[...document.querySelectorAll('input:not([type=hidden]), textarea, select, button')].filter(e => !((e.labels && e.labels.length && e.labels[0].textContent.trim()) || (e.tagName === 'BUTTON' && e.textContent.trim()) || e.getAttribute('aria-label'))).map(e => e.id || e.name).join(' ')",
    );
    assert!(unnamed.is_empty(), "controls without a name: {unnamed}");
}

/// Sets a form control's value as typing would (the page has no script to
/// notice the difference).
fn fill(tab: &mut Tab, id: &str, value: &str) {
    let js = format!(
        "document.getElementById({}).value = {}; true",
        serde_json::to_string(id).expect("json"),
        serde_json::to_string(value).expect("json")
    );
    assert_eq!(tab.eval(&js).expect("fill"), Value::Bool(true), "no #{id}");
}

fn submit(tab: &mut Tab, form: &str) {
    tab.eval_and_wait(&format!(
        "document.querySelector('#{form} button[type=submit]').click()"
    ))
    .expect("the report loads");
}

const POLICY: &str = "[cors]\norigins = [\"https://app.example.com/\", \"*\"]\ncredentials = true\nmethods = [\"GET\", \"patch\"]\n";

#[test]
fn the_ui_page_in_chromium() {
    let ui = Ui::start();
    let mut tab = Tab::open().expect("Chromium starts (install chromium; .ci/run does)");
    tab.goto(&ui.url).expect("the page loads");
    // Usable within 100 ms on loopback: from the navigation's start to the
    // whole page parsed. The first load also starts the renderer, and the
    // machine may be busy with other tests: the best of five loads counts.
    let mut best = f64::MAX;
    for _ in 0..5 {
        tab.goto(&ui.url).expect("the page loads again");
        let t = tab
            .eval("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
            .expect("timing")
            .as_f64()
            .unwrap_or(f64::MAX);
        best = best.min(t);
    }
    let server = tab
        .eval(
            "(e => e.responseEnd - e.requestStart)(performance.getEntriesByType('navigation')[0])",
        )
        .expect("timing");
    eprintln!("corsair ui: page ready in {best:.1} ms (request to response end: {server} ms)");
    assert!(best < 100.0, "page ready after {best} ms");
    assert_named_controls(&mut tab);
    // The names a screen reader announces, as Chromium computes them.
    for (selector, name) in [
        ("#live-url", "URL the page requests"),
        ("#live-origin", "Origin of the page"),
        (
            "#live-credentials",
            "With credentials (credentials: 'include', withCredentials)",
        ),
        ("#live button", "Check"),
        ("#curl-curl", "cURL command"),
        ("#console-line", "Console line"),
        ("#har-harfile", "HAR file"),
        ("#har-har", "Or paste the export (JSON)"),
        ("#scenario-scenario", "Scenario (JSON)"),
        ("#policy-policy", "corsair.toml"),
        ("#policy button", "Lint"),
        ("#live", "Check a live API"),
    ] {
        let got = tab
            .accessible_name(selector)
            .expect("the accessibility tree");
        assert_eq!(got.as_deref(), Some(name), "{selector}");
    }
    assert_eq!(tab.eval("document.forms.length").expect("forms"), 6);
    fits_and_shoot(&mut tab, "ui");
    assert_no_console_error(&mut tab, "the forms");

    // Keyboard only: Tab to the policy field, type, Tab to its button, Enter.
    let mut seen = Vec::new();
    for _ in 0..60 {
        tab.press("Tab", false).expect("Tab");
        let id = text(
            &mut tab,
            "document.activeElement.id || document.activeElement.tagName",
        );
        seen.push(id.clone());
        if id == "policy-policy" {
            break;
        }
    }
    assert_eq!(
        seen.last().map(String::as_str),
        Some("policy-policy"),
        "Tab never reached the policy field: {seen:?}"
    );
    assert!(
        seen.iter().any(|s| s == "live-url") && seen.iter().any(|s| s == "curl-curl"),
        "{seen:?}"
    );
    let focus_visible = tab
        .eval("getComputedStyle(document.activeElement).outlineStyle")
        .expect("style");
    assert_ne!(
        focus_visible, "none",
        "the focused control shows no outline"
    );
    tab.type_text(POLICY).expect("type");
    tab.press("Tab", false).expect("Tab");
    assert_eq!(text(&mut tab, "document.activeElement.textContent"), "Lint");
    tab.press_enter_and_wait().expect("the lint report loads");
    let path = temp_path("ui-policy.toml");
    std::fs::write(&path, POLICY).expect("write");
    let lint = json_of(&["lint", &path.to_string_lossy(), "--json"]);
    let slugs: Vec<String> = lint["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["slug"].as_str().unwrap_or_default().to_owned())
        .collect();
    let shown = text(
        &mut tab,
        "[...document.querySelectorAll('.problem')].map(p => p.dataset.slug).join(' ')",
    );
    assert_eq!(shown, slugs.join(" "));
    assert!(
        tab.eval("document.querySelectorAll('mark').length")
            .expect("marks")
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    fits_and_shoot(&mut tab, "ui-lint");
    assert_no_console_error(&mut tab, "the lint report");
    let _ = std::fs::remove_file(&path);

    // A live check against a hostile server, filled in and submitted.
    let port = hostile_server();
    let url = format!("http://127.0.0.1:{port}/items");
    tab.goto(&ui.url).expect("the page loads");
    fill(&mut tab, "live-url", &url);
    fill(&mut tab, "live-origin", "https://app.example.com");
    fill(&mut tab, "live-headers", "X-Trace: <b>bold</b>");
    submit(&mut tab, "live");
    assert_no_injection(&mut tab);
    let json = json_of(&[
        "check",
        &url,
        "--origin",
        "https://app.example.com",
        "-H",
        "X-Trace: <b>bold</b>",
        "--json",
    ]);
    let outcome = json["verdict"]["outcome"]
        .as_str()
        .expect("outcome")
        .to_ascii_uppercase();
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('#verdict .word').textContent"
        ),
        outcome
    );
    let chrome = json["verdict"]["console"]["chrome"]
        .as_str()
        .expect("Chrome's line");
    assert_eq!(
        text(&mut tab, "document.querySelector('.says-line').textContent"),
        chrome
    );
    let body = text(&mut tab, "document.body.textContent");
    assert!(
        body.contains(SCRIPT) && body.contains(JS_URL),
        "the hostile values are shown as text"
    );
    assert!(
        body.contains("a\\u{9b}2J\\u{202e}b"),
        "controls are shown escaped"
    );
    assert_eq!(
        tab.eval("document.querySelectorAll('.msg.fail').length")
            .expect("count"),
        1,
        "one refused answer is marked"
    );
    // The form sent is below the report, filled in, to change and resend.
    assert_eq!(
        text(&mut tab, "document.querySelector('.again #live-url').value"),
        url
    );
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('.again #live-headers').value"
        ),
        "X-Trace: <b>bold</b>"
    );
    assert_eq!(
        tab.eval("document.querySelector('.again input[name=token]').value.length")
            .expect("token"),
        32
    );
    fits_and_shoot(&mut tab, "ui-check");
    assert_no_console_error(&mut tab, "the check report");

    // The same request as DevTools' "Copy as cURL", then as the console
    // line Chrome printed for it: the same verdicts as the command line's.
    let curl =
        format!("curl '{url}' -H 'origin: https://app.example.com' -H 'x-trace: <b>bold</b>'");
    tab.goto(&ui.url).expect("the page loads");
    fill(&mut tab, "curl-curl", &curl);
    submit(&mut tab, "curl");
    assert_no_injection(&mut tab);
    let json = json_of(&["check", "--curl", &curl, "--json"]);
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('#verdict .word').textContent"
        ),
        json["verdict"]["outcome"]
            .as_str()
            .expect("outcome")
            .to_ascii_uppercase()
    );
    assert_eq!(
        text(&mut tab, "document.querySelector('.says-line').textContent"),
        json["verdict"]["console"]["chrome"]
            .as_str()
            .expect("Chrome's line")
    );
    tab.goto(&ui.url).expect("the page loads");
    fill(&mut tab, "console-line", chrome);
    submit(&mut tab, "console");
    assert_no_injection(&mut tab);
    let json = json_of(&["check", "--console", chrome, "--json"]);
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('#verdict .word').textContent"
        ),
        json["verdict"]["outcome"]
            .as_str()
            .expect("outcome")
            .to_ascii_uppercase()
    );
    assert_eq!(
        text(&mut tab, "document.querySelector('h1').textContent"),
        format!(
            "{} {}",
            json["request"]["method"].as_str().expect("method"),
            json["request"]["url"].as_str().expect("url")
        )
    );
    assert_no_console_error(&mut tab, "the cURL and console reports");

    // A scenario pasted: the same verdict as `corsair explain --json`.
    let scenario = r#"{"page_origin": "http://app.example.test:8001", "request": {"url": "http://api.example.test:8002/users?id=7", "method": "PUT", "headers": [["Authorization", "Bearer x"], ["Content-Type", "application/json"]], "credentials": "include"}, "preflight": {"status": 204, "headers": [["Access-Control-Allow-Origin", "http://app.example.test:8001"], ["Access-Control-Allow-Credentials", "true"], ["Access-Control-Allow-Methods", "PUT"], ["X-Evil", "\"><script>document.title='pwned'</script>"]]}}"#;
    tab.goto(&ui.url).expect("the page loads");
    fill(&mut tab, "scenario-scenario", scenario);
    submit(&mut tab, "scenario");
    assert_no_injection(&mut tab);
    let spath = temp_path("ui-scenario.json");
    std::fs::write(&spath, scenario).expect("write");
    let explained = json_of(&["explain", &spath.to_string_lossy(), "--json"]);
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('#verdict .word').textContent"
        ),
        explained["outcome"]
            .as_str()
            .expect("outcome")
            .to_ascii_uppercase()
    );
    assert_eq!(
        text(&mut tab, "document.querySelector('.says-line').textContent"),
        explained["console"]["chrome"]
            .as_str()
            .expect("Chrome's line")
    );
    for (engine, key) in [("chrome", "chrome"), ("firefox", "firefox")] {
        let shown = text(
            &mut tab,
            &format!("document.querySelector('[data-engine=engine-{engine}] pre').textContent"),
        );
        assert_eq!(
            shown,
            explained["console"][key].as_str().expect("line"),
            "{engine}"
        );
    }
    assert_no_console_error(&mut tab, "the explain report");
    let _ = std::fs::remove_file(&spath);

    // A HAR pasted: the counts of `corsair har --json`.
    let dir = env!("CARGO_MANIFEST_DIR");
    let har_path = format!("{dir}/../corsair-doctor/tests/data/chrome.har");
    tab.goto(&ui.url).expect("the page loads");
    // The browser reads the file itself: a canonical path.
    let har_file = std::fs::canonicalize(&har_path).expect("the export");
    tab.choose_file("#har-harfile", &har_file)
        .expect("the file is chosen");
    assert_eq!(
        text(
            &mut tab,
            "document.getElementById('har-harfile').files.length"
        ),
        "1"
    );
    submit(&mut tab, "har");
    let shown = text(&mut tab, "document.body.innerText.slice(0, 300)");
    assert!(shown.contains("cross-origin requests"), "{shown}");
    let v = json_of(&["har", &har_path, "--json"]);
    let requests = v["requests"].as_array().expect("requests");
    let blocked = requests
        .iter()
        .filter(|r| r["verdict"]["outcome"] == "blocked")
        .count();
    assert_eq!(
        tab.eval("document.querySelectorAll('table.requests tbody tr').length")
            .expect("rows"),
        requests.len()
    );
    assert_eq!(
        tab.eval("document.querySelectorAll('table.requests tr.blocked').length")
            .expect("rows"),
        blocked
    );
    fits_and_shoot(&mut tab, "ui-har");
    assert_no_console_error(&mut tab, "the HAR report");

    // Another page in the same browser cannot drive the live check: its
    // form, posted by its script with a guessed token, is refused.
    let attack = format!(
        "data:text/html,<form method=post action={}check><input name=token value=00000000000000000000000000000000><input name=url value=http://127.0.0.1:1/><input name=origin value=https://a.example></form><script>document.forms[0].submit()</script>",
        ui.url
    );
    tab.goto(&attack).expect("the attacking page loads");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut body = String::new();
    while std::time::Instant::now() < deadline {
        body = text(&mut tab, "document.body ? document.body.innerText : ''");
        if body.contains("refused") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        body.contains("refused: the request comes from another site"),
        "{body}"
    );
}

#[test]
fn the_html_reports_in_chromium() {
    let mut tab = Tab::open().expect("Chromium starts (install chromium; .ci/run does)");
    let port = hostile_server();
    let url = format!("http://127.0.0.1:{port}/items");
    let page = temp_path("report-check.html");
    let out = corsair()
        .args([
            "check",
            &url,
            "--origin",
            "https://app.example.com",
            "--html",
            &page.to_string_lossy(),
        ])
        .output()
        .expect("check runs");
    assert_eq!(out.status.code(), Some(1));
    tab.goto(&format!("file://{}", page.display()))
        .expect("the report loads");
    assert_no_injection(&mut tab);
    let json = json_of(&[
        "check",
        &url,
        "--origin",
        "https://app.example.com",
        "--json",
    ]);
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('#verdict .word').textContent"
        ),
        json["verdict"]["outcome"]
            .as_str()
            .expect("outcome")
            .to_ascii_uppercase()
    );
    let findings = json["findings"].as_array().expect("findings").len();
    assert_eq!(
        tab.eval("document.querySelectorAll('.finding').length")
            .expect("count"),
        findings
    );
    fits_and_shoot(&mut tab, "report-check");
    assert_no_console_error(&mut tab, "the check report");

    let dir = env!("CARGO_MANIFEST_DIR");
    for (name, args) in [
        (
            "report-har",
            vec![
                "har".to_owned(),
                format!("{dir}/../corsair-doctor/tests/data/chrome.har"),
            ],
        ),
        (
            "report-verify",
            vec![
                "verify".to_owned(),
                url.clone(),
                "--policy".to_owned(),
                format!("{dir}/tests/policies/clean.toml"),
            ],
        ),
        (
            "report-lint",
            vec![
                "lint".to_owned(),
                format!("{dir}/tests/policies/mistakes.toml"),
            ],
        ),
    ] {
        let file = temp_path(&format!("{name}.html"));
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        let file_arg = file.to_string_lossy().into_owned();
        all.extend(["--html", &file_arg]);
        corsair().args(&all).output().expect("runs");
        tab.goto(&format!("file://{}", file.display()))
            .expect("the report loads");
        assert_no_injection(&mut tab);
        fits_and_shoot(&mut tab, name);
        assert_no_console_error(&mut tab, name);
        let _ = std::fs::remove_file(&file);
    }
    let _ = std::fs::remove_file(&page);
}

#[test]
fn the_gateway_dashboard_in_chromium() {
    let (_, file) = serve::policy_file(
        "corsair-dashboard-",
        "[cors]\norigins = [\"https://app.example.com\"]\nmethods = [\"PUT\"]\ncredentials = true\nmax-age = 60\n",
    );
    let os = std::ffi::OsStr::new;
    let mut gateway = serve::Serve::start(&[
        os("--admin"),
        os("127.0.0.1:0"),
        os("--config"),
        file.as_os_str(),
    ]);
    let traffic = gateway.address("listening on http://");
    let admin = gateway.address("dashboard on http://");
    // A refusal from a hostile origin one letter off the allowed one.
    let hostile = "https://www.app.example.com\"><img src=x onerror=alert(1)>";
    let refused = serve::exchange(&traffic, &format!("OPTIONS /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: {hostile}\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n"));
    assert!(refused.starts_with("http/1.1 403"), "{refused}");
    let near = serve::exchange(&traffic, "OPTIONS /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: https://www.app.example.com\r\nAccess-Control-Request-Method: PUT\r\nConnection: close\r\n\r\n");
    assert!(near.starts_with("http/1.1 403"), "{near}");
    let refused_method = serve::exchange(&traffic, "OPTIONS /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: DELETE\r\nConnection: close\r\n\r\n");
    assert!(
        refused_method.starts_with("http/1.1 403"),
        "{refused_method}"
    );
    // An upstream error: nobody listens upstream.
    let down = serve::exchange(&traffic, "GET /v1/items HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\nConnection: close\r\n\r\n");
    assert!(down.starts_with("http/1.1 502"), "{down}");
    // A reload that adds an origin.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&file, "[cors]\norigins = [\"https://app.example.com\", \"https://two.example.com\"]\nmethods = [\"PUT\"]\ncredentials = true\nmax-age = 60\n").expect("write");
    gateway.wait_for("reloaded");
    // The dashboard refuses a name rebound to loopback.
    let port = admin.rsplit(':').next().expect("port");
    let rebound = serve::exchange(
        &admin,
        &format!("GET / HTTP/1.1\r\nHost: rebind.evil.example:{port}\r\nConnection: close\r\n\r\n"),
    );
    assert!(rebound.starts_with("http/1.1 421"), "{rebound}");
    let metrics = serve::exchange(
        &admin,
        "GET /metrics HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n",
    );

    let mut tab = Tab::open().expect("Chromium starts (install chromium; .ci/run does)");
    tab.goto(&format!("http://{admin}/"))
        .expect("the dashboard loads");
    assert_no_injection(&mut tab);
    // The refusals as they happened, newest first, with the explanation.
    assert_eq!(
        text(
            &mut tab,
            "document.querySelectorAll('#refusals tbody tr').length"
        ),
        "3"
    );
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('#refusals tbody tr:last-child td:nth-child(2)').textContent"
        ),
        hostile
    );
    let why = text(
        &mut tab,
        "document.querySelector('#refusals tbody tr:nth-child(2) td:nth-child(5)').textContent",
    );
    assert!(
        why.contains("did you mean https://app.example.com?"),
        "{why}"
    );
    assert_eq!(
        text(
            &mut tab,
            "document.querySelector('#refusals tbody tr:first-child').dataset.slug"
        ),
        "method-not-allowed"
    );
    // The counts agree with /metrics.
    for slug in ["origin-mismatch", "method-not-allowed"] {
        let total = text(
            &mut tab,
            &format!("document.querySelector('#counts tr[data-slug={slug}] td.total').textContent"),
        );
        assert!(
            metrics.contains(&format!(
                "corsair_refusals_total{{slug=\"{slug}\",route=\"default\"}} {total}\n"
            )),
            "{slug} {total}: {metrics}"
        );
    }
    let unreachable = text(
        &mut tab,
        "document.querySelector('#upstream tbody tr:first-child td:last-child').textContent",
    );
    assert!(
        metrics.contains(&format!(
            "corsair_upstream_errors_total{{status=\"502\"}} {unreachable}\n"
        )),
        "{metrics}"
    );
    assert_eq!(unreachable, "1");
    // The policy in force and the reload with what it changed.
    assert!(text(
        &mut tab,
        "document.getElementById('policy-origins').textContent"
    )
    .contains("https://two.example.com"));
    let reload = text(
        &mut tab,
        "document.querySelector('#reloads tbody tr:first-child').textContent",
    );
    assert!(
        reload.contains("applied") && reload.contains("origins added: https://two.example.com"),
        "{reload}"
    );
    fits_and_shoot(&mut tab, "dashboard");
    assert_no_console_error(&mut tab, "the dashboard");
    assert_eq!(gateway.stop(), Some(0));
}

#[test]
fn a_50000_entry_har_report_is_a_small_dom() {
    let har = temp_path("big-chromium.har");
    std::fs::write(&har, html_support::generated_har(50_000)).expect("write the export");
    let page = temp_path("big-chromium.html");
    let out = corsair()
        .args([
            "har",
            &har.to_string_lossy(),
            "--html",
            &page.to_string_lossy(),
        ])
        .output()
        .expect("har runs");
    assert_eq!(out.status.code(), Some(1));
    let bytes = std::fs::metadata(&page).expect("the page").len();
    let mut tab = Tab::open().expect("Chromium starts (install chromium; .ci/run does)");
    tab.goto(&format!("file://{}", page.display()))
        .expect("the report loads");
    let nodes = tab
        .eval("document.getElementsByTagName('*').length")
        .expect("count");
    let loaded = tab
        .eval("performance.getEntriesByType('navigation')[0].loadEventEnd")
        .expect("timing");
    eprintln!("50,000-entry HAR: {bytes} bytes, {nodes} elements, loaded in {loaded} ms");
    assert!(
        nodes.as_u64().unwrap_or(u64::MAX) < 30_000,
        "{nodes} elements"
    );
    assert_eq!(
        text(
            &mut tab,
            "document.querySelectorAll('table.requests tbody tr').length"
        ),
        "1000"
    );
    assert!(
        text(&mut tab, "document.querySelector('.bound').textContent")
            .contains("of 50000 requests")
    );
    assert_no_injection(&mut tab);
    fits_and_shoot(&mut tab, "report-har-50000");
    assert_no_console_error(&mut tab, "the 50,000-entry report");
    let _ = std::fs::remove_file(&har);
    let _ = std::fs::remove_file(&page);
}
