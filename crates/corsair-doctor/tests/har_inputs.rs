//! HAR exports as users have them: entries that are not CORS at all
//! (`data:`, `blob:`, WebSockets, extensions, `about:`), a sanitized export
//! whose preflight recorded the headers the request entry lost, each export
//! judged by its own browser's rules, and a cut export.

mod support;

use corsair_core::cors_error::CorsError;
use corsair_core::{Outcome, Profile};
use corsair_doctor::har;
use corsair_doctor::har_check::{judge_stream, not_cors, profile_for_creator, HarVerdict};
use support::data;

/// Reads and judges an export with the profile its creator calls for.
fn judge(bytes: &[u8]) -> (har::HarSummary, har::PairStats, Vec<HarVerdict>, Profile) {
    let summary = har::read(bytes, |_| {}).unwrap();
    let profile = profile_for_creator(summary.creator.as_deref()).unwrap_or_default();
    let mut out = Vec::new();
    let (stats, error) = judge_stream(bytes, &summary, profile, |v| out.push(v));
    assert!(error.is_none());
    (summary, stats, out, profile)
}

#[test]
fn schemes_without_cors_are_listed_never_judged() {
    let (summary, stats, verdicts, profile) = judge(&data("chrome-schemes-sanitized.har"));
    assert_eq!(summary.entries, 7);
    assert_eq!(profile, Profile::Chrome);
    // data:, blob:, wss:, chrome-extension:, about:.
    assert_eq!(stats.not_cors, 5, "{stats:?}");
    let listed: Vec<usize> = stats.not_cors_entries.iter().map(|(i, _)| *i).collect();
    assert_eq!(listed, vec![0, 1, 2, 3, 4]);
    assert!(stats.not_cors_entries[2].1.contains("WebSocket"));
    // Only the real cross-origin request is judged.
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    assert!(verdicts
        .iter()
        .all(|v| v.scenario.request.url.starts_with("https://")));
}

#[test]
fn a_sanitized_request_gets_the_headers_its_preflight_recorded() {
    let (summary, _, verdicts, _) = judge(&data("chrome-schemes-sanitized.har"));
    assert!(summary.sanitized);
    let v = &verdicts[0];
    assert_eq!(v.entry, 6);
    assert_eq!(v.preflight_entry, Some(5));
    assert_eq!(v.headers_from_preflight, vec!["authorization"]);
    // Without it the request (content-type only) would pass the preflight;
    // with it, the browser's real reason comes back.
    assert_eq!(v.verdict.outcome, Outcome::Blocked);
    let blocked = v.verdict.blocked.as_ref().unwrap();
    assert_eq!(
        blocked.cors_error,
        Some(CorsError::HeaderDisallowedByPreflightResponse)
    );
    assert_eq!(blocked.failed_parameter, "authorization");
    assert_eq!(v.recorded_error.as_deref(), Some("net::ERR_FAILED"));
}

#[test]
fn a_firefox_export_is_judged_by_firefox_rules() {
    let (summary, stats, verdicts, profile) = judge(&data("firefox-schemes.har"));
    assert_eq!(summary.creator.as_deref(), Some("Firefox 153.0"));
    assert_eq!(profile, Profile::Firefox);
    assert_eq!(stats.not_cors, 3, "{stats:?}");
    assert_eq!(verdicts.len(), 1);
    let v = &verdicts[0].verdict;
    assert_eq!(v.browser, Profile::Firefox);
    assert_eq!(v.outcome, Outcome::Blocked);
    let line = v.console.firefox.as_deref().unwrap();
    assert!(
        line.contains("CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."),
        "{line}"
    );
    // The existing Firefox fixture names its creator the same way.
    let summary = har::read(data("firefox.har").as_slice(), |_| {}).unwrap();
    assert_eq!(
        profile_for_creator(summary.creator.as_deref()),
        Some(Profile::Firefox)
    );
}

#[test]
fn creators_and_schemes() {
    assert_eq!(
        profile_for_creator(Some("WebInspector 537.36")),
        Some(Profile::Chrome)
    );
    assert_eq!(
        profile_for_creator(Some("Firefox 128.0")),
        Some(Profile::Firefox)
    );
    assert_eq!(
        profile_for_creator(Some("WebKit Web Inspector 1.0")),
        Some(Profile::Safari)
    );
    assert_eq!(profile_for_creator(Some("Charles Proxy 4.6")), None);
    assert_eq!(profile_for_creator(None), None);
    for url in [
        "data:,x",
        "DATA:,x",
        "blob:https://a.test/1",
        "ws://a.test/",
        "wss://a.test/",
        "chrome-extension://x/y.js",
        "moz-extension://x/y.js",
        "about:blank",
    ] {
        assert!(not_cors(url).is_some(), "{url}");
    }
    for url in ["https://a.test/", "http://a.test/", "ftp://a.test/", ""] {
        assert!(not_cors(url).is_none(), "{url}");
    }
}

#[test]
fn a_truncated_export_keeps_the_entries_before_the_cut() {
    let bytes = data("chrome-schemes-sanitized.har");
    let text = String::from_utf8(bytes).unwrap();
    // Cut inside the last entry (the POST): the six before it are read.
    let cut = text.rfind("\"method\": \"POST\"").unwrap();
    let part = &text.as_bytes()[..cut];
    let (summary, error) = har::read_partial(part, |_| {});
    assert!(
        matches!(error, Some(har::HarError::Truncated { .. })),
        "{error:?}"
    );
    assert_eq!(summary.entries, 6);
    let mut verdicts = Vec::new();
    let (stats, error) = judge_stream(part, &summary, Profile::Chrome, |v| verdicts.push(v));
    assert!(error.is_some());
    assert_eq!(stats.not_cors, 5);
    // The preflight before the cut is judged on its own (its request was cut).
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].entry, 5);
}

#[test]
fn many_not_cors_entries_are_counted_the_first_few_listed() {
    let entry = |i: usize| {
        format!(
            r#"{{"startedDateTime":"2024-01-01T00:00:00.000Z","request":{{"method":"GET","url":"data:text/plain,{i}","headers":[{{"name":"origin","value":"https://app.test"}}]}},"response":{{"status":200,"headers":[]}}}}"#
        )
    };
    let entries: Vec<String> = (0..500).map(entry).collect();
    let text = format!(r#"{{"log":{{"entries":[{}]}}}}"#, entries.join(","));
    let (summary, stats, verdicts, _) = judge(text.as_bytes());
    assert_eq!(summary.entries, 500);
    assert!(verdicts.is_empty());
    assert_eq!(stats.not_cors, 500);
    assert_eq!(stats.not_cors_entries.len(), har::MAX_SKIPPED_REASONS);
}
