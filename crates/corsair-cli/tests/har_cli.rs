//! `corsair har` on real-shaped exports: the summary table, the verdicts
//! worked out again from the recorded headers, JSON, exit codes.

mod support;

use support::{corsair, with_stdin};

fn data(name: &str) -> String {
    format!(
        "{}/../corsair-doctor/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn firefox_export_names_the_refused_method() {
    let out = corsair()
        .args(["har", &data("firefox.har")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with("3 entries, 1 cross-origin requests, 1 blocked"),
        "{text}"
    );
    let row = text.lines().find(|l| l.contains("DELETE")).unwrap();
    assert!(
        row.contains("BLOCKED") && row.contains("method-not-allowed"),
        "{row}"
    );
    assert!(text.contains(
        "Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response."
    ));
}

#[test]
fn sanitized_export_without_preflight_entries() {
    let out = corsair()
        .args(["har", "--json", &data("chrome-sanitized.har")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["sanitized"], true);
    let r = &v["requests"][0];
    assert_eq!(r["preflight_assumed"], true);
    assert_eq!(r["recorded_error"], "net::ERR_FAILED");
    assert_eq!(
        r["verdict"]["findings"][0]["slug"],
        "error-response-without-cors"
    );
}

#[test]
fn chrome_export_table_lists_every_cross_origin_request() {
    let out = corsair()
        .args(["har", &data("chrome.har")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let rows = text
        .lines()
        .filter(|l| l.contains("https://"))
        .filter(|l| !l.contains("──"))
        .count();
    assert!(rows >= 4, "{text}");
    assert!(text.contains("PUT") && text.contains("allowed"), "{text}");
}

#[test]
fn unreadable_files_exit_2() {
    let dir = std::env::temp_dir().join(format!("corsair-har-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated.har");
    let full = std::fs::read_to_string(data("firefox.har")).unwrap();
    std::fs::write(&truncated, &full[..full.len() / 2]).unwrap();
    let not_har = dir.join("not.har");
    std::fs::write(&not_har, "{\"hello\": 1}").unwrap();
    for (file, needle) in [
        (truncated.display().to_string(), "truncated"),
        (not_har.display().to_string(), "not a HAR"),
        ("/nonexistent/x.har".to_owned(), "cannot open"),
    ] {
        let out = corsair().args(["har", &file]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(needle), "{file}: {err}");
    }
}

/// The report as it was before the file was streamed (written by the former
/// whole-file `corsair har`): the streaming one must print the same bytes.
/// If a change to the model or the wording is intended, write the files
/// again with `NO_COLOR=1 corsair har ... > tests/har_expected/...`.
#[test]
fn reports_are_the_former_ones_on_the_fixtures() {
    let expected = |name: &str| {
        let path = format!("{}/tests/har_expected/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    for fixture in ["chrome", "firefox", "chrome-sanitized"] {
        let file = data(&format!("{fixture}.har"));
        for (args, golden) in [
            (vec!["--all"], format!("{fixture}.all.txt")),
            (vec!["--json"], format!("{fixture}.json")),
            (
                vec!["--browser", "firefox"],
                format!("{fixture}.firefox.txt"),
            ),
        ] {
            let out = corsair()
                .arg("har")
                .args(&args)
                .arg(&file)
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                expected(&golden),
                "{golden}"
            );
            assert_eq!(out.status.code(), Some(1), "{golden}");
        }
    }
}

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("corsair-har-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn standard_input_is_read_like_a_file() {
    let file = data("firefox.har");
    let from_file = corsair().args(["har", &file]).output().unwrap();
    let from_stdin = with_stdin(corsair().args(["har", "-"]), &std::fs::read(&file).unwrap());
    assert_eq!(from_stdin.stdout, from_file.stdout);
    assert_eq!(from_stdin.status.code(), Some(1));
}

#[test]
fn truncated_export_is_reported_up_to_the_cut() {
    let full = std::fs::read_to_string(data("firefox.har")).unwrap();
    let cut = full.rfind("\"request\"").unwrap();
    let path = temp("cut.har", &full[..cut]);
    let out = corsair()
        .args(["har", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("truncated"), "{err}");
    assert!(
        text.starts_with("2 entries, 1 cross-origin requests, 1 blocked"),
        "{text}"
    );
    assert!(text.contains("method-not-allowed"), "{text}");
}

#[test]
fn control_characters_from_the_file_are_escaped() {
    // An escape sequence (clear the screen) and a right-to-left override in
    // the method, the URL, a header value, the recorded error and the
    // creator: none reaches the terminal as it is.
    let json = r#"{"log": {"creator": {"name": "evil\u001b[2J", "version": "1"}, "entries": [
        {"request": {"method": "GE\u001b[31mT", "url": "https://api.example.com/\u001b]0;title\u0007x\u202e",
            "headers": [{"name": "Origin", "value": "https://app.example.com"},
                        {"name": "X-Token", "value": "a\u001b[2Jb"}]},
         "response": {"status": 200, "_error": "net::ERR_FAILED\u001b[1A",
            "headers": [{"name": "Access-Control-Allow-Origin", "value": "https://evil.example\u001b[8m"}]}}
    ]}}"#;
    let path = temp("escape.har", json);
    for args in [vec!["har"], vec!["har", "--all"]] {
        let out = corsair().args(&args).arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{text:?}"
        );
        assert!(text.contains("\\x1b"), "{text}");
        assert!(text.contains("entry 0"), "{text}");
    }
}

#[test]
fn a_redirect_chain_past_the_bound_is_cut_with_a_note() {
    let mut json = String::from(
        r#"{"log": {"pages": [{"id": "p", "title": "https://app.example.com/"}], "entries": ["#,
    );
    let hops = 40;
    for i in 0..hops {
        if i > 0 {
            json.push(',');
        }
        let next = format!("https://api.example.com/r/{}", i + 1);
        let (status, location) = if i + 1 == hops {
            (200, String::new())
        } else {
            (
                302,
                format!(r#", {{"name": "Location", "value": "{next}"}}"#),
            )
        };
        json.push_str(&format!(
            r#"{{"pageref": "p", "request": {{"method": "GET", "url": "https://api.example.com/r/{i}", "headers": [{{"name": "Origin", "value": "https://app.example.com"}}]}},
                "response": {{"status": {status}, "headers": [{{"name": "Access-Control-Allow-Origin", "value": "*"}}{location}]}}}}"#
        ));
    }
    json.push_str("]}}");
    let path = temp("chain.har", &json);
    let out = corsair()
        .args(["har", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("entry 0: redirect chain cut after 21 hops")
            && text.contains("18 later entries of it not judged"),
        "{text}"
    );
    assert!(text.contains("ERR_TOO_MANY_REDIRECTS"), "{text}");
    let out = corsair()
        .args(["har", "--json", path.to_str().unwrap()])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["pairing"]["hops_cut"], 18);
    assert_eq!(
        v["requests"][0]["redirect_entries"]
            .as_array()
            .map(Vec::len),
        Some(21)
    );
}
