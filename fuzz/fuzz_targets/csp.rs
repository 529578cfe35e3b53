//! The Content-Security-Policy reader: never panics on any policy text and
//! target URL; a policy of only `connect-src *` allows every http(s) URL.
#![no_main]

use corsair_core::csp::check_connect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (policy, target) = text.split_once('\n').unwrap_or((text, "https://api.example.com/x"));
    let page = url::Url::parse("https://app.example.com/").expect("a fixed URL");
    let Ok(target) = url::Url::parse(target) else { return };
    let _ = check_connect(&[policy], &page, &target);
    if matches!(target.scheme(), "http" | "https") {
        assert!(check_connect(&["connect-src *"], &page, &target).is_ok());
    }
});
