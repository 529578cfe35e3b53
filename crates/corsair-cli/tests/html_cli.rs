//! `--html` on check, har and lint: one self-contained page (no script, no
//! network asset), the same facts as `--json`, hostile values as text, and
//! a bounded page for a 50,000-entry export.

mod html_support;

use html_support::{
    assert_inert, corsair, generated_har, hostile_server, temp_path, BREAKOUT, JS_URL, SCRIPT,
};

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = corsair().args(args).output().expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_hostile_servers_answers_are_text_in_the_check_page() {
    let port = hostile_server();
    let url = format!("http://127.0.0.1:{port}/x");
    let file = temp_path("check.html");
    let file_arg = file.to_string_lossy().into_owned();
    let args = [
        "check",
        &url,
        "--origin",
        "https://app.example.com",
        "--no-probes",
        "--timeout",
        "5",
    ];
    let (code, _, err) = run(&[&args[..], &["--html", &file_arg]].concat());
    assert_eq!(code, Some(1), "{err}");
    let page = std::fs::read_to_string(&file).expect("the page is written");
    assert_inert(&page);
    // Every hostile value is there, as text.
    assert!(
        page.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        page.contains(JS_URL),
        "the javascript: URL is shown as text"
    );
    assert!(
        page.contains("a\\u{9b}2J\\u{202e}b"),
        "controls shown escaped"
    );
    assert!(!page.contains('\u{9b}') && !page.contains('\u{202e}'));
    assert!(!page.contains(SCRIPT) && !page.contains(BREAKOUT));
    // The same verdict as --json, and the browser's own line.
    let (_, json, _) = run(&[&args[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["verdict"]["outcome"], "blocked");
    assert!(page.contains("<span class=\"word\">BLOCKED</span>"));
    let chrome = v["verdict"]["console"]["chrome"]
        .as_str()
        .expect("a console line");
    let shown = chrome
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    assert!(page.contains(&shown), "Chrome's line missing: {shown}");
    // The refused answer is marked on the diagram.
    assert_eq!(page.matches("class=\"msg back fail\"").count(), 1, "{page}");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn the_har_page_counts_what_the_json_counts() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let har = format!("{dir}/../corsair-doctor/tests/data/chrome.har");
    let (code, page, err) = run(&["har", &har, "--html", "-"]);
    assert_eq!(code, Some(1), "{err}");
    assert_inert(&page);
    let (_, json, _) = run(&["har", &har, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let requests = v["requests"].as_array().expect("requests");
    let blocked = requests
        .iter()
        .filter(|r| r["verdict"]["outcome"] == "blocked")
        .count();
    assert!(
        page.contains(&format!(
            "{} cross-origin requests, {blocked} blocked",
            requests.len()
        )),
        "{page}"
    );
    // One table row per request, each with its entry number.
    assert_eq!(page.matches("<tr class=").count(), requests.len());
    for r in requests {
        if r["verdict"]["outcome"] == "blocked" {
            assert!(
                page.contains(&format!("id=\"entry-{}\"", r["entry"])),
                "entry {} not told",
                r["entry"]
            );
        }
    }
}

#[test]
fn a_50000_entry_har_gives_a_bounded_page() {
    let path = temp_path("big.har");
    std::fs::write(&path, generated_har(50_000)).expect("write the export");
    let file = path.to_string_lossy().into_owned();
    let (code, page, err) = run(&["har", &file, "--html", "-"]);
    assert_eq!(code, Some(1), "{err}");
    assert_inert(&page);
    assert!(
        page.contains("50000 cross-origin requests, 5000 blocked"),
        "{}",
        &page[..2000]
    );
    assert!(
        page.contains("<td>5000</td>"),
        "the count by slug covers all"
    );
    assert_eq!(
        page.matches("<tr class=").count(),
        1000,
        "the table is bounded"
    );
    assert_eq!(
        page.matches("<article").count(),
        100,
        "the stories are bounded"
    );
    assert!(page.len() < 1_000_000, "page of {} bytes", page.len());
    assert!(!page.contains("<script>alert("));
    let _ = std::fs::remove_file(&path);
}

/// Written to a file, the report is paged: the first page (the summary,
/// the first 1,000 requests, the stories) and numbered pages of 1,000
/// requests each next to it, linked both ways.
#[test]
fn a_large_har_report_is_paged_into_files() {
    let path = temp_path("paged.har");
    std::fs::write(&path, generated_har(2_500)).expect("write the export");
    let dir = temp_path("paged-report");
    std::fs::create_dir_all(&dir).expect("a directory");
    let report = dir.join("report.html");
    let (code, _, err) = run(&[
        "har",
        &path.to_string_lossy(),
        "--html",
        &report.to_string_lossy(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let first = read("report.html");
    assert_inert(&first);
    assert_eq!(first.matches("<tr class=").count(), 1000);
    assert!(
        first.contains("href=\"./report-2.html\""),
        "no link to page 2"
    );
    for (name, rows, next) in [("report-2.html", 1000, true), ("report-3.html", 500, false)] {
        let page = read(name);
        assert_inert(&page);
        assert_eq!(page.matches("<tr class=").count(), rows, "{name}");
        assert!(
            page.contains("href=\"./report.html\""),
            "{name}: no link to the summary"
        );
        assert_eq!(page.contains("rel=\"next\""), next, "{name}");
    }
    assert!(!dir.join("report-4.html").exists());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_lint_page_marks_every_problem_where_the_json_places_it() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let policy = format!("{dir}/tests/policies/mistakes.toml");
    let (code, page, _) = run(&["lint", &policy, "--html", "-"]);
    assert_eq!(code, Some(1));
    assert_inert(&page);
    let (_, json, _) = run(&["lint", &policy, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let problems = v["problems"].as_array().expect("problems");
    assert_eq!(
        page.matches("class=\"finding problem\"").count(),
        problems.len()
    );
    for p in problems {
        let slug = p["slug"].as_str().expect("slug");
        assert!(page.contains(&format!("data-slug=\"{slug}\"")), "{slug}");
        if let Some(line) = p["location"]["line"].as_u64() {
            assert!(
                page.contains(&format!("mistakes.toml:{line}</p>")),
                "line {line}"
            );
        }
    }
    assert!(
        page.matches("<mark>").count()
            >= problems
                .iter()
                .filter(|p| p["location"]["line"].is_number())
                .count()
    );
}

#[test]
fn a_hostile_policy_file_is_text() {
    let path = temp_path("hostile.toml");
    std::fs::write(
        &path,
        format!(
            "[cors]\norigins = [\"{}\", \"https://a.example/\\u001b[2J\"]\n",
            SCRIPT.replace('\'', "")
        ),
    )
    .expect("write");
    let file = path.to_string_lossy().into_owned();
    let (_, page, _) = run(&["lint", &file, "--html", "-"]);
    assert_inert(&page);
    assert!(page.contains("&lt;script&gt;"), "{page}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_verify_page_lists_what_the_json_lists() {
    // A server that allows one origin for everything: the cases that must
    // be refused (a method, a header the policy does not allow) deviate.
    let port = html_support::fixed_server("HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.example.com\r\nAccess-Control-Allow-Methods: PUT, DELETE\r\nAccess-Control-Allow-Headers: x-anything\r\nVary: Origin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let policy = temp_path("verify.toml");
    std::fs::write(
        &policy,
        "[cors]\norigins = [\"https://app.example.com\"]\nmethods = [\"PUT\"]\n",
    )
    .expect("write");
    let policy_arg = policy.to_string_lossy().into_owned();
    let url = format!("http://127.0.0.1:{port}/items");
    let file = temp_path("verify.html");
    let file_arg = file.to_string_lossy().into_owned();
    let (code, _, err) = run(&["verify", &url, "--policy", &policy_arg, "--html", &file_arg]);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    let page = std::fs::read_to_string(&file).expect("the page is written");
    assert_inert(&page);
    let (_, json, _) = run(&["verify", &url, "--policy", &policy_arg, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let cases = v["urls"][0]["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    assert_eq!(
        page.matches("<tr class=\"pass\">").count() + page.matches("<tr class=\"fail\">").count(),
        cases.len()
    );
    let failed = cases.iter().filter(|c| c["passed"] == false).count();
    assert_eq!(page.matches("<tr class=\"fail\">").count(), failed);
    let deviations = v["deviations"].as_array().expect("deviations").len();
    assert_eq!(
        page.matches("class=\"finding deviation\"").count(),
        deviations
    );
    assert_eq!(code, Some(if deviations > 0 { 1 } else { 0 }));
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&policy);
}

/// Every `id` in a page, in order.
fn ids(page: &str) -> Vec<&str> {
    page.split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

#[test]
fn several_origins_give_several_reports_with_ids_apart() {
    let port = hostile_server();
    let url = format!("http://127.0.0.1:{port}/x");
    let (_, page, err) = run(&[
        "check",
        &url,
        "--origin",
        "https://app.example.com",
        "--origin",
        "http://localhost:3000",
        "--no-probes",
        "--html",
        "-",
    ]);
    assert_eq!(page.matches("<article").count(), 2, "{err}");
    let mut all = ids(&page);
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), n, "an id repeats");
    // Every in-page link and label points at an id that exists.
    for target in page
        .split("href=\"#")
        .skip(1)
        .filter_map(|r| r.split('"').next())
    {
        assert!(all.contains(&target), "#{target} leads nowhere");
    }
    for target in page
        .split("aria-labelledby=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
    {
        assert!(all.contains(&target), "label {target} missing");
    }
}

#[test]
fn the_lint_page_snapshot() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = corsair()
        .current_dir(format!("{dir}/tests/policies"))
        .args(["lint", "warnings.toml", "--html", "-"])
        .output()
        .expect("runs");
    let page = String::from_utf8_lossy(&out.stdout);
    // The report, without the shared style (tested in corsair-html).
    let main = page
        .split("<main id=\"main\">")
        .nth(1)
        .and_then(|m| m.split("</main>").next())
        .expect("a main element");
    insta::assert_snapshot!(main.replace("><", ">\n<"));
}

#[test]
fn a_redirect_chains_secrets_stay_hidden_in_the_har_page() {
    const TOKEN: &str = "Rt4Hq8Zp2Lw6Xc9Vb3Nm7Ks";
    const COOKIE: &str = "Rc7Jd3Fg9Hk2Lp5Qw8Er1Ty";
    let entry = |url: &str, status: u16, headers: &str, redirect: &str, t: u32| {
        format!(
            r#"{{"startedDateTime":"2026-11-24T00:00:0{t}.000Z","pageref":"page_1","_resourceType":"fetch","request":{{"method":"GET","url":"{url}","headers":[{{"name":"origin","value":"https://app.example.com"}}]}},"response":{{"status":{status},"redirectURL":"{redirect}","headers":[{headers}]}}}}"#
        )
    };
    let next = format!("https://api.example.com/next?session={TOKEN}");
    let har = format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"WebInspector","version":"537.36"}},"pages":[{{"id":"page_1","title":"https://app.example.com/","startedDateTime":"2026-11-24T00:00:00.000Z"}}],"entries":[{},{}]}}}}"#,
        entry(
            "https://api.example.com/start",
            302,
            &format!(
                r#"{{"name":"location","value":"{next}"}},{{"name":"access-control-allow-origin","value":"*"}}"#
            ),
            &next,
            1
        ),
        entry(
            &next,
            200,
            &format!(
                r#"{{"name":"set-cookie","value":"sid={COOKIE}; Path=/"}},{{"name":"x-echo","value":"{TOKEN}"}}"#
            ),
            "",
            2
        ),
    );
    let path = temp_path("chain.har");
    std::fs::write(&path, har).expect("write");
    let file = path.to_string_lossy().into_owned();
    let (code, page, err) = run(&["har", &file, "--html", "-"]);
    assert_eq!(code, Some(1), "{err}\n{page}");
    assert!(
        page.contains("request after redirect"),
        "the hop is drawn: {page}"
    );
    assert!(!page.contains(TOKEN) && !page.contains(COOKIE), "{page}");
    let (_, json, _) = run(&["har", &file, "--json"]);
    assert!(!json.contains(TOKEN) && !json.contains(COOKIE));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_policy_with_thousands_of_problems_gives_a_bounded_page() {
    let origins: Vec<String> = (0..20_000)
        .map(|i| format!("\"https://a{i}.example.com/\""))
        .collect();
    let path = temp_path("many.toml");
    std::fs::write(
        &path,
        format!("[cors]\norigins = [\n{}\n]\n", origins.join(",\n")),
    )
    .expect("write");
    let file = path.to_string_lossy().into_owned();
    let started = std::time::Instant::now();
    let (code, page, err) = run(&["lint", &file, "--html", "-"]);
    let took = started.elapsed();
    assert_eq!(code, Some(1), "{err}");
    assert_inert(&page);
    assert_eq!(page.matches("class=\"finding problem\"").count(), 500);
    assert!(
        page.contains("The first 500 of 20001 problems are shown"),
        "{}",
        &page[..3000]
    );
    // Each problem is found at its own line (each origin's trailing slash).
    for line in [3, 4, 250, 400] {
        assert!(
            page.contains(&format!("many.toml:{line}</p>")),
            "line {line}"
        );
    }
    assert!(page.len() < 2_000_000, "{} bytes", page.len());
    assert!(took.as_secs() < 30, "{took:?}");
    let _ = std::fs::remove_file(&path);
}
