//! The redaction's tests: names and values taken for secrets, and every
//! output shape (reports, HAR verdicts, URLs) scrubbed.

use super::*;

/// Every answer of a redirect chain is redacted, not only the first.
#[test]
fn a_har_verdict_is_redacted_down_the_redirect_chain() {
    use corsair_core::scenario::{Answer, Hop, Scenario};
    let secret = "sess=ABCD1234SECRET";
    let hop = |status: u16, next: Option<Box<Hop>>| Answer {
        status,
        headers: vec![("set-cookie".into(), secret.into())],
        next,
    };
    let third = Hop {
        preflight: None,
        response: Some(hop(200, None)),
    };
    let second = Hop {
        preflight: Some(hop(204, None)),
        response: Some(hop(302, Some(Box::new(third)))),
    };
    let mut scenario: Scenario = serde_json::from_str(
        r#"{"page_origin": "https://app.example.com", "request": {"url": "https://api.example.com/a"}}"#,
    )
    .expect("a scenario");
    scenario.response = Some(hop(302, Some(Box::new(second))));
    let verdict =
        corsair_core::explain(&scenario, corsair_core::Profile::Chrome).expect("a verdict");
    let h = crate::har_check::HarVerdict {
        entry: 0,
        preflight_entry: None,
        redirect_entries: vec![1, 2],
        page_origin: crate::har::PageOrigin {
            origin: "https://app.example.com".into(),
            source: crate::har::OriginSource::OriginHeader,
        },
        scenario,
        credentials_assumed: false,
        preflight_assumed: false,
        recorded_error: None,
        headers_from_preflight: Vec::new(),
        verdict,
    };
    let shown = serde_json::to_string(&har_verdict(h)).expect("JSON");
    assert!(!shown.contains("ABCD1234SECRET"), "{shown}");
}

#[test]
fn names_like_credentials_are_secret() {
    for n in [
        "Authorization",
        "Proxy-Authorization",
        "X-Auth-User",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "Api-Key",
        "apikey",
        "x-functions-key",
        "X-CSRF-Token",
        "X-XSRF-TOKEN",
        "Private-Token",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
        "X-Amz-Credential",
        "X-Session-Id",
        // A part anywhere in the name: first, inside, last.
        "tokenizer-state",
        "x-mypasswd",
        "My-Credentials",
        "zzsecret",
        "x-csrf",
    ] {
        assert!(is_secret_name(n), "{n}");
    }
    for n in [
        "Keep-Alive",
        "Content-Type",
        "Access-Control-Allow-Credentials",
        "Access-Control-Allow-Headers",
        "WWW-Authenticate",
        "Origin",
        "Vary",
        "",
        "t",
        "toke",
        "x-sessio",
        "aut-x",
    ] {
        assert!(!is_secret_name(n), "{n}");
    }
    assert!(is_secret_param("code"));
    assert!(is_secret_param("id_token"));
    assert!(is_secret_param("sig"));
    assert!(!is_secret_param("state"));
    assert!(!is_secret_param("page"));
}

#[test]
fn patterns_hide_userinfo_and_secret_parameters() {
    assert_eq!(
        scrub_patterns("at 'wss://bob:hunter22@ws.test/x?a=1&token=abcdef#id_token=xyz' now"),
        "at 'wss://redacted@ws.test/x?a=1&token=[redacted]#id_token=[redacted]' now"
    );
    assert_eq!(
        scrub_patterns("/next?session=S3cr3t#access_token=T0k3n&state=ok"),
        "/next?session=[redacted]#access_token=[redacted]&state=ok"
    );
    let plain = "Access to fetch at 'https://api.test/x?page=2' from origin 'https://app.test'";
    assert!(matches!(scrub_patterns(plain), Cow::Borrowed(_)));
    assert_eq!(
        scrub_patterns("x?access_token=%5Bredacted%5D"),
        "x?access_token=%5Bredacted%5D"
    );
}

#[test]
fn urls_hide_fragments_and_relative_targets() {
    assert_eq!(
        redact_url("https://a.test/cb#access_token=abcdef&state=1"),
        "https://a.test/cb#access_token=[redacted]&state=1"
    );
    assert_eq!(
        redact_url("/next?session=abcdef"),
        "/next?session=[redacted]"
    );
    assert_eq!(redact_url("ws://u:pw@a.test/s"), "ws://redacted@a.test/s");
}

#[test]
fn known_values_are_hidden_in_one_pass() {
    let mut r = Redactor::new(
        &[
            ("Authorization".into(), "Bearer abc.def.ghi".into()),
            ("X-Functions-Key".into(), "fk_0123456789".into()),
            ("Keep-Alive".into(), "timeout=5".into()),
        ],
        Some("sid=s1d-value; theme=dk"),
        "https://api.test/x?api_key=k3y-value",
    );
    r.add_headers(&[(
        "Location".into(),
        "/next?session=n3xt-session#access_token=fr4g-token".into(),
    )]);
    let text = "echo: Bearer abc.def.ghi fk_0123456789 s1d-value k3y-value n3xt-session fr4g-token timeout=5 dk";
    assert_eq!(
        r.scrub(text),
        "echo: [redacted] [redacted] [redacted] [redacted] [redacted] [redacted] timeout=5 dk"
    );
}

#[test]
fn many_secrets_stay_bounded() {
    let mut r = Redactor::default();
    for i in 0..(MAX_SECRETS * 2) {
        r.add_cookies(&format!("c{i}=value-{i:06}"));
    }
    assert!(r.secrets.len() <= MAX_SECRETS + 1);
    let text = "value-000001 ".repeat(10_000);
    assert!(!r.scrub(&text).contains("value-000001"));
}
