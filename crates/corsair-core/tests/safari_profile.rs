//! The safari profile where the loopback corpus cannot show it: names,
//! the preflight cache, Local Network Access, and where the engines part.

use corsair_core::{explain, scenario, Outcome, Profile, Verdict};
use serde_json::{json, Value};

fn run(s: Value, profile: Profile) -> Verdict {
    let s = scenario::from_value(s).expect("valid scenario");
    explain(&s, profile).expect("explains")
}

fn acao(v: &str) -> Value {
    json!(["Access-Control-Allow-Origin", v])
}

#[test]
fn webkit_names_the_safari_profile() {
    assert_eq!(Profile::from_name("webkit"), Some(Profile::Safari));
    assert_eq!(Profile::from_name("safari"), Some(Profile::Safari));
    assert_eq!(Profile::Safari.name(), "safari");
    assert!(Profile::ALL.contains(&Profile::Safari));
}

#[test]
fn webkit_caches_a_preflight_five_seconds_by_default_and_ten_minutes_at_most() {
    let preflighted = |max_age: Option<&str>| {
        let mut pf = vec![
            acao("http://app.test"),
            json!(["Access-Control-Allow-Methods", "PUT"]),
        ];
        if let Some(m) = max_age {
            pf.push(json!(["Access-Control-Max-Age", m]));
        }
        json!({"page_origin": "http://app.test", "request": {"url": "http://api.test/x", "method": "PUT"},
               "preflight": {"status": 204, "headers": pf},
               "response": {"status": 200, "headers": [acao("http://app.test")]}})
    };
    let secs = |m, p| run(preflighted(m), p).preflight.cache_seconds;
    assert_eq!(secs(None, Profile::Safari), Some(5));
    assert_eq!(secs(Some("86400"), Profile::Safari), Some(600));
    assert_eq!(secs(Some("300"), Profile::Safari), Some(300));
    assert_eq!(secs(Some("86400"), Profile::Chrome), Some(7200));
}

#[test]
fn webkit_has_no_local_network_access_check() {
    let s = json!({"page_origin": "http://app.example.com", "request": {"url": "http://router.local/api"},
                   "response": {"status": 200, "headers": [acao("*")]},
                   "address_space": {"page": "public", "target": "local"}});
    assert_eq!(run(s.clone(), Profile::Safari).outcome, Outcome::Allowed);
    let chrome = run(s, Profile::Chrome);
    assert_eq!(chrome.outcome, Outcome::Blocked);
    let engines = chrome.engines.expect("the engines part");
    assert_eq!(
        (engines.chrome, engines.firefox, engines.safari),
        (Outcome::Blocked, Outcome::Blocked, Outcome::Allowed)
    );
    assert!(
        engines
            .summary
            .starts_with("Safari allows this; Chrome and Firefox block it: "),
        "{}",
        engines.summary
    );
}

#[test]
fn a_preflight_status_is_named_before_its_missing_allow_origin() {
    let s = json!({"page_origin": "http://app.test", "request": {"url": "http://api.test/x", "method": "PUT"},
                   "preflight": {"status": 401, "headers": []},
                   "response": {"status": 200, "headers": [acao("*")]}});
    let v = run(s, Profile::Chrome);
    assert_eq!(v.outcome, Outcome::Blocked);
    assert_eq!(
        v.console.safari,
        [
            "Preflight response is not successful. Status code: 401",
            "Fetch API cannot load http://api.test/x due to access control checks.",
        ]
    );
    assert!(v.engines.is_none(), "all three block");
}
