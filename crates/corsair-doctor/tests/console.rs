//! The console-line parser against the project's own console-line writer:
//! every blocked scenario of the conformance corpus, its Chrome and Firefox
//! lines parsed back to the right URL, origin and reason.

use corsair_core::cors_error::CorsError;
use corsair_core::{scenario, Outcome, Profile};
use corsair_doctor::console::{parse, Browser, ConsoleReason};

/// The reason kind a Chrome `CorsError` is written as (the preflight prefix
/// is checked separately).
fn chrome_kind(e: CorsError) -> &'static str {
    use CorsError::*;
    match e {
        WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => "wildcard",
        MissingAllowOriginHeader | PreflightMissingAllowOriginHeader => "missing-acao",
        MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => "multiple-acao",
        InvalidAllowOriginValue | PreflightInvalidAllowOriginValue => "invalid-acao",
        AllowOriginMismatch | PreflightAllowOriginMismatch => "mismatch",
        InvalidAllowCredentials | PreflightInvalidAllowCredentials => "acac",
        PreflightInvalidStatus => "preflight-status",
        PreflightDisallowedRedirect => "preflight-redirect",
        InvalidAllowMethodsPreflightResponse => "invalid-acam",
        InvalidAllowHeadersPreflightResponse => "invalid-acah",
        MethodDisallowedByPreflightResponse => "method",
        HeaderDisallowedByPreflightResponse => "header",
        RedirectContainsCredentials => "redirect",
        DisallowedByMode | CorsDisabledScheme => "scheme-or-mode",
        InsecureLocalNetwork | InvalidLocalNetworkAccess | LocalNetworkAccessPermissionDenied => {
            "local-network"
        }
        InvalidResponse => "other",
    }
}

fn kind(r: &ConsoleReason) -> &'static str {
    use ConsoleReason as R;
    match r {
        R::MissingAllowOrigin { .. } => "missing-acao",
        R::MultipleAllowOrigin { .. } => "multiple-acao",
        R::InvalidAllowOrigin { .. } => "invalid-acao",
        R::AllowOriginMismatch { .. } => "mismatch",
        R::WildcardWithCredentials => "wildcard",
        R::AllowCredentials { .. } => "acac",
        R::PreflightStatus { .. } => "preflight-status",
        R::PreflightRedirect => "preflight-redirect",
        R::InvalidAllowMethods { .. } => "invalid-acam",
        R::InvalidAllowHeaders { .. } => "invalid-acah",
        R::MethodNotAllowed { .. } => "method",
        R::HeaderNotAllowed { .. } => "header",
        R::RedirectRefused => "redirect",
        R::SchemeOrMode => "scheme-or-mode",
        R::LocalNetwork => "local-network",
        R::DidNotSucceed => "did-not-succeed",
        R::Other(_) => "other",
    }
}

fn corpus() -> Vec<(String, corsair_core::Scenario)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../conformance/corpus/scenarios.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let id = v["id"].as_str().unwrap().to_owned();
            (id, scenario::from_value(v["scenario"].clone()).unwrap())
        })
        .collect()
}

#[test]
fn chrome_lines_of_the_whole_corpus_parse_back() {
    let mut checked = 0;
    for (id, s) in corpus() {
        let v = corsair_core::explain(&s, Profile::Chrome).unwrap();
        let (Some(line), Some(blocked)) = (v.console.chrome.as_deref(), v.blocked.as_ref()) else {
            continue;
        };
        let Some(error) = blocked.cors_error else {
            continue;
        };
        let parsed = parse(line).unwrap_or_else(|e| panic!("{id}: {e}: {line}"));
        assert_eq!(parsed.browser, Browser::Chrome, "{id}");
        assert_eq!(parsed.url, blocked.url, "{id}: {line}");
        assert_eq!(
            parsed.origin.as_deref(),
            Some(s.page_origin.as_str()),
            "{id}"
        );
        assert_eq!(kind(&parsed.reason), chrome_kind(error), "{id}: {line}");
        if error.is_preflight_access_error() {
            assert!(parsed.preflight, "{id}: {line}");
        }
        // What the line names comes back exactly.
        match (&parsed.reason, error) {
            (ConsoleReason::MethodNotAllowed { method }, _) => {
                assert_eq!(
                    method.as_deref(),
                    Some(blocked.failed_parameter.as_str()),
                    "{id}"
                );
                assert_eq!(parsed.plan().method, method.clone(), "{id}");
            }
            (ConsoleReason::HeaderNotAllowed { header }, _) => {
                assert_eq!(header, &blocked.failed_parameter, "{id}");
                let plan = parsed.plan();
                assert!(plan.headers.iter().any(|(n, _)| n == header), "{id}");
            }
            (
                ConsoleReason::WildcardWithCredentials | ConsoleReason::AllowCredentials { .. },
                _,
            ) => {
                assert!(parsed.plan().credentials, "{id}");
            }
            _ => {}
        }
        checked += 1;
    }
    // The corpus is mostly blocked scenarios; a parser that gave up early
    // would check few.
    assert!(checked > 300, "only {checked} Chrome lines checked");
}

#[test]
fn firefox_lines_of_the_whole_corpus_parse_back() {
    let mut checked = 0;
    for (id, s) in corpus() {
        let v = corsair_core::explain(&s, Profile::Firefox).unwrap();
        let Some(line) = v.console.firefox.as_deref() else {
            continue;
        };
        if v.outcome != Outcome::Blocked {
            continue;
        }
        let parsed = parse(line).unwrap_or_else(|e| panic!("{id}: {e}: {line}"));
        assert_eq!(parsed.browser, Browser::Firefox, "{id}");
        assert_eq!(parsed.origin, None, "{id}: Firefox names no origin");
        let blocked = v.blocked.as_ref().unwrap();
        assert_eq!(parsed.url, blocked.url, "{id}: {line}");
        assert!(
            !matches!(parsed.reason, ConsoleReason::Other(_)),
            "{id}: reason not recognised: {line}"
        );
        // Where Chrome and Firefox name the same failure, the kinds agree.
        if let Some(error) = blocked.cors_error {
            let chrome = chrome_kind(error);
            let firefox = kind(&parsed.reason);
            if matches!(chrome, "method" | "header") && firefox != "preflight-status" {
                assert_eq!(firefox, chrome, "{id}: {line}");
            }
            if let ConsoleReason::HeaderNotAllowed { header } = &parsed.reason {
                assert!(
                    header.eq_ignore_ascii_case(&blocked.failed_parameter)
                        || blocked.failed_parameter.is_empty()
                        || chrome != "header",
                    "{id}: {header} vs {}",
                    blocked.failed_parameter
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 300, "only {checked} Firefox lines checked");
}

#[test]
fn firefox_multi_line_paste_takes_the_reason_line() {
    let text = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.test/items. (Reason: header ‘authorization’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.test/items. (Reason: CORS request did not succeed). Status code: (null).";
    let line = parse(text).unwrap();
    assert_eq!(
        line.reason,
        ConsoleReason::HeaderNotAllowed {
            header: "authorization".into()
        }
    );
    assert!(line.preflight);
    let plan = line.plan();
    assert_eq!(plan.origin, None);
    assert_eq!(
        plan.headers,
        vec![("authorization".into(), "placeholder".into())]
    );
    assert!(plan.notes.iter().any(|n| n.contains("--credentials")));
}

#[test]
fn chrome_preflight_without_names_says_what_to_add() {
    let text = "Access to fetch at 'https://api.test/x' from origin 'https://app.test' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.";
    let line = parse(text).unwrap();
    assert!(line.preflight);
    assert_eq!(
        line.reason,
        ConsoleReason::MissingAllowOrigin { status: None }
    );
    let plan = line.plan();
    assert!(plan.method.is_none() && plan.headers.is_empty());
    assert!(
        plan.notes.iter().any(|n| n.contains("-X PUT")),
        "{:?}",
        plan.notes
    );
}

#[test]
fn chrome_credentials_line_sets_credentials() {
    let text = "Access to XMLHttpRequest at 'https://api.test/me' from origin 'https://app.test' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'. The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.";
    let plan = parse(text).unwrap().plan();
    assert!(plan.credentials);
    assert!(!plan.notes.iter().any(|n| n.contains("--credentials")));
}

#[test]
fn a_huge_paste_is_linear() {
    // 60 KiB of near-misses: must be read in one pass, quickly.
    let line = "Access to fetch at 'x".repeat(2900);
    let start = std::time::Instant::now();
    assert!(parse(&line).is_err());
    assert!(start.elapsed() < std::time::Duration::from_millis(200));
}

#[test]
fn every_prefix_and_splice_of_real_lines_is_read_without_panic() {
    // Pastes cut anywhere (a selection that stopped early) or glued to the
    // next line: never a panic, and a cut Chrome line before its "has been
    // blocked" part is not taken for a whole one.
    let mut lines = Vec::new();
    for (_, s) in corpus().into_iter().step_by(40) {
        for profile in [Profile::Chrome, Profile::Firefox] {
            let v = corsair_core::explain(&s, profile).unwrap();
            lines.extend(v.console.chrome.clone());
            lines.extend(v.console.firefox.clone());
        }
    }
    assert!(lines.len() > 20);
    for (i, line) in lines.iter().enumerate() {
        let next = &lines[(i + 1) % lines.len()];
        for (cut, _) in line.char_indices() {
            let prefix = &line[..cut];
            let parsed = parse(prefix);
            if !prefix.contains("' has been blocked by CORS policy: ")
                && !prefix.contains(". (Reason: ")
                && !prefix.contains("Fetch API cannot load ")
            {
                assert!(parsed.is_err(), "{prefix:?} read as {parsed:?}");
            }
            let _ = parse(&format!("{prefix}{next}"));
        }
    }
}
