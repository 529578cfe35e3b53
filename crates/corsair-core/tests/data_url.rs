//! `fetch('data:…')` from any page: the browser answers it itself with a
//! basic response (Fetch's "main fetch"), as Chrome and Firefox do.

use corsair_core::{scenario, Outcome, Profile};

#[test]
fn a_data_url_is_read_by_the_page_in_every_profile_and_mode() {
    for profile in [Profile::Chrome, Profile::Firefox, Profile::Spec] {
        for (method, mode, extra) in [
            ("GET", "cors", ""),
            (
                "POST",
                "cors",
                r#","credentials":"include","headers":[["Authorization","x"]]"#,
            ),
            ("GET", "same-origin", ""),
            ("GET", "no-cors", ""),
        ] {
            let json = format!(
                r#"{{"page_origin":"https://app.example.com","request":{{"url":"data:text/plain,hi","method":"{method}","mode":"{mode}"{extra}}}}}"#
            );
            let s = scenario::from_json(&json).unwrap();
            let v = corsair_core::explain(&s, profile).unwrap();
            assert_eq!(
                v.outcome,
                Outcome::SameOrigin,
                "{profile:?} {method} {mode}"
            );
            assert!(!v.cross_origin);
            assert!(!v.preflight.required, "{profile:?} {method} {mode}");
            assert_eq!(v.status, Some(200));
            assert!(v.blocked.is_none());
        }
    }
}

#[test]
fn other_schemes_are_still_refused() {
    let json = r#"{"page_origin":"https://app.example.com","request":{"url":"ftp://files.example.com/x","method":"GET"}}"#;
    let s = scenario::from_json(json).unwrap();
    let v = corsair_core::explain(&s, Profile::Chrome).unwrap();
    assert_eq!(v.outcome, Outcome::Blocked);
}
