//! The Copy-as-cURL parser on arbitrary text: never panics; a parsed
//! request has a URL and a method, and no `Cookie` header among its headers.
#![no_main]

use corsair_doctor::curl::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(request) = parse(text) else { return };
    assert!(!request.url.is_empty(), "a request without a URL: {text:?}");
    assert!(
        !request.method.is_empty(),
        "a request without a method: {text:?}"
    );
    assert!(
        request
            .headers
            .iter()
            .all(|(n, _)| !n.eq_ignore_ascii_case("cookie")),
        "a Cookie header outside `cookies`: {text:?}"
    );
});
