//! `corsair har` on exports with entries that are not CORS, a sanitized
//! preflight, and a Firefox creator.

use std::process::Command;

fn har(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_corsair"))
        .env("NO_COLOR", "1")
        .arg("har")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn data(name: &str) -> String {
    format!(
        "{}/../corsair-doctor/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn not_cors_entries_are_listed_and_the_sanitized_header_is_found() {
    let (code, text) = har(&[&data("chrome-schemes-sanitized.har")]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.starts_with("7 entries, 1 cross-origin requests, 1 blocked"),
        "{text}"
    );
    assert!(text.contains("5 entries are not CORS requests"), "{text}");
    assert!(text.contains("entry 2: a WebSocket"), "{text}");
    // No table row for a data:, blob:, wss:, extension or about: URL.
    for scheme in ["data:", "blob:", "wss:", "chrome-extension:", "about:"] {
        assert!(
            !text
                .lines()
                .any(|l| l.contains("BLOCKED") && l.contains(scheme)),
            "{scheme}: {text}"
        );
    }
    assert!(text.contains("header-not-allowed"), "{text}");
    assert!(
        text.contains("the request entry lacks authorization"),
        "{text}"
    );
    let (_, json) = har(&["--json", &data("chrome-schemes-sanitized.har")]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["requests"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["requests"][0]["headers_from_preflight"][0],
        "authorization"
    );
    assert_eq!(v["pairing"]["not_cors"], 5);
}

#[test]
fn a_firefox_export_uses_firefox_rules_unless_told() {
    let (code, text) = har(&[&data("firefox-schemes.har")]);
    assert_eq!(code, Some(1));
    assert!(text.contains("(firefox rules)"), "{text}");
    let (_, text) = har(&["--browser", "chrome", &data("firefox-schemes.har")]);
    assert!(text.contains("(chrome rules)"), "{text}");
    let (_, text) = har(&[&data("chrome-schemes-sanitized.har")]);
    assert!(text.contains("(chrome rules)"), "{text}");
}
