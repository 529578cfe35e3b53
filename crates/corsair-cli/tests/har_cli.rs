//! `corsair har` on real-shaped exports: the summary table, the verdicts
//! worked out again from the recorded headers, JSON, exit codes.

use std::process::Command;

fn corsair() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corsair"));
    c.env("NO_COLOR", "1");
    c
}

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
