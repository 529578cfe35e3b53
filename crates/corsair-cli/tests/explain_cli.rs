//! `corsair explain` as a user runs it: exit codes, formats, errors.

mod support;

use std::process::{Command, Output};
use support::with_stdin;

/// `corsair ARGS` with `stdin` on its standard input (the environment as
/// the test runs in).
fn corsair(args: &[&str], stdin: &str) -> Output {
    with_stdin(
        Command::new(env!("CARGO_BIN_EXE_corsair")).args(args),
        stdin.as_bytes(),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const BLOCKED: &str = r#"{"page_origin":"http://a.test:8001","request":{"url":"http://b.test:8002/x"},"response":{"status":200,"headers":[]}}"#;
const ALLOWED: &str = r#"{"page_origin":"http://a.test:8001","request":{"url":"http://b.test:8002/x"},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","*"]]}}"#;
const INCOMPLETE: &str = r#"{"page_origin":"http://a.test:8001","request":{"url":"http://b.test:8002/x","method":"PUT"},"response":{"status":200,"headers":[]}}"#;
const SAME: &str = r#"{"page_origin":"http://a.test:8001","request":{"url":"http://a.test:8001/x"},"response":{"status":200,"headers":[]}}"#;

#[test]
fn exit_codes_follow_the_contract() {
    for (input, code) in [
        (ALLOWED, 0),
        (SAME, 0),
        (BLOCKED, 1),
        (INCOMPLETE, 3),
        ("{", 2),
        ("[]", 2),
    ] {
        let out = corsair(&["explain", "-", "--json"], input);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{input}\n{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn json_output_has_the_contract_fields() {
    let out = corsair(&["explain", "-", "--json"], BLOCKED);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "cross_origin",
        "preflight",
        "outcome",
        "blocked",
        "console",
        "readable_response_headers",
        "findings",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["outcome"], "blocked");
    assert_eq!(v["blocked"]["cors_error"], "MissingAllowOriginHeader");
    assert_eq!(v["blocked"]["failed_parameter"], "");
    assert_eq!(v["findings"][0]["slug"], "missing-allow-origin");
    assert!(v["console"]["chrome"]
        .as_str()
        .unwrap()
        .starts_with("Access to fetch at 'http://b.test:8002/x' from origin 'http://a.test:8001'"));
}

#[test]
fn json_lines_give_one_verdict_per_line_and_flag_bad_lines() {
    let input = format!("{ALLOWED}\n\n{BLOCKED}\n{{\"page_origin\": 5}}\n{SAME}\n");
    let out = corsair(&["explain", "--json"], &input);
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["outcome"], "allowed");
    assert_eq!(lines[1]["outcome"], "blocked");
    assert_eq!(lines[2]["error"]["line"], 4);
    assert_eq!(lines[2]["error"]["field"], "page_origin");
    assert_eq!(lines[3]["outcome"], "same-origin");
    assert!(text(&out.stderr).contains("line 4: page_origin:"));
}

#[test]
fn batch_without_bad_lines_reports_the_worst_outcome() {
    let out = corsair(
        &["explain", "--json"],
        &format!("{ALLOWED}\n{INCOMPLETE}\n"),
    );
    assert_eq!(out.status.code(), Some(3));
    let out = corsair(
        &["explain", "--json"],
        &format!("{INCOMPLETE}\n{BLOCKED}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn pretty_printed_scenario_is_one_document() {
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(BLOCKED).unwrap())
            .unwrap();
    let out = corsair(&["explain", "--json"], &pretty);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 1);
}

#[test]
fn bad_input_names_the_field() {
    let cases = [
        (
            r#"{"page_origin":"app.example.com","request":{"url":"http://b.test/"}}"#,
            "page_origin:",
        ),
        (
            r#"{"page_origin":"http://a.test","request":{"url":"b.test/x"}}"#,
            "request.url:",
        ),
        (
            r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/","credentials":"all"}}"#,
            "request.credentials:",
        ),
        (
            r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/"},"response":{"status":"200"}}"#,
            "response.status:",
        ),
    ];
    for (input, field) in cases {
        let out = corsair(&["explain", "-"], input);
        assert_eq!(out.status.code(), Some(2), "{input}");
        let err = text(&out.stderr);
        assert!(err.contains(field), "{input}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn piped_human_output_has_no_colour_codes() {
    let out = corsair(&["explain", "--example"], "");
    let text = text(&out.stdout);
    assert!(text.contains("Verdict: BLOCKED"), "{text}");
    assert!(!text.contains('\u{1b}'), "escape codes in piped output");
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = corsair(&["explain", "/nonexistent/scenario.json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/scenario.json"));
}

#[test]
fn browser_profiles_differ_on_wildcard_authorization() {
    let input = r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/","headers":[["Authorization","x"]]},
        "preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","*"],["Access-Control-Allow-Headers","*"]]},
        "response":{"status":200,"headers":[["Access-Control-Allow-Origin","*"]]}}"#;
    assert_eq!(
        corsair(&["explain", "-", "--browser", "chrome"], input)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        corsair(&["explain", "-", "--browser", "spec"], input)
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn human_reports_of_the_built_in_examples() {
    let list = text(&corsair(&["explain", "--example", "list"], "").stdout);
    let names: Vec<&str> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.len() >= 6, "{list}");
    for name in names {
        let out = corsair(&["explain", "--example", name], "");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}");
        insta::assert_snapshot!(format!("example_{name}"), text(&out.stdout));
    }
}

/// A scenario's values are shown escaped on a terminal: an answer with
/// terminal escapes in its headers cannot move the cursor or recolour the
/// screen; JSON keeps them, escaped as JSON does.
#[test]
fn control_characters_in_a_scenario_are_escaped() {
    let scenario = r#"{"page_origin":"https://app.example.com","request":{"url":"https://api.example.com/x"},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","https://evil.example\u009b\u001b[31m"],["Access-Control-Allow-Origin","x\u001b[2J"]]}}"#;
    let out = corsair(&["explain", "-"], scenario);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{9b}'),
        "a control character reached the output: {shown:?}"
    );
    assert!(shown.contains("\\x1b[2J"), "{shown}");
    let json = corsair(&["explain", "--json", "-"], scenario);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["outcome"], "blocked");
}

/// Authorization kept across a cross-origin redirect: Chrome and Firefox
/// allow it, WebKit preflights the target with it and is refused.
const PARTS: &str = r#"{"page_origin":"http://a.test:8001","request":{"url":"http://b.test:8002/start","headers":[["Authorization","Bearer x"],["X-Custom","1"]]},"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","http://a.test:8001"],["Access-Control-Allow-Headers","Authorization, X-Custom"]]},"response":{"status":302,"headers":[["Location","http://c.test:8003/hop1"],["Access-Control-Allow-Origin","http://a.test:8001"]],"next":{"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","*"],["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","*"]]}}}}"#;

#[test]
fn the_engines_side_by_side_and_where_they_part() {
    // One verdict (Chrome's) that says where the engines part.
    let out = corsair(&["explain", "--json"], PARTS);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["engines"]["safari"], "blocked");
    assert_eq!(v["engines"]["chrome"], "allowed");
    let summary = v["engines"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Chrome and Firefox allow this; Safari blocks it: "),
        "{summary}"
    );
    assert_eq!(
        v["console"]["safari"][0],
        "Request header field Authorization is not allowed by Access-Control-Allow-Headers."
    );
    // --browser all: three verdicts; blocked (1) since one engine blocks.
    let out = corsair(&["explain", "--browser", "all", "--json"], PARTS);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["chrome"]["outcome"], "allowed");
    assert_eq!(v["firefox"]["outcome"], "allowed");
    assert_eq!(v["safari"]["outcome"], "blocked");
    let human = text(&corsair(&["explain", "--browser", "all"], PARTS).stdout);
    for title in ["── Chrome ──", "── Firefox ──", "── Safari (WebKit) ──"]
    {
        assert!(human.contains(title), "{human}");
    }
    // webkit names the same profile; engines agreeing leave `engines` out.
    let out = corsair(&["explain", "--json", "--browser", "webkit"], PARTS);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["browser"], "safari");
    let out = corsair(&["explain", "--json"], ALLOWED);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("engines").is_none());
}
