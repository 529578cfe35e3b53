//! The console-line parser on arbitrary text: never panics; a line it
//! reads has a URL, and the check it plans asks for that URL.
#![no_main]

use corsair_doctor::console::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(line) = parse(text) else { return };
    let plan = line.plan();
    assert!(
        plan.url == line.url || line.redirected_from.as_deref() == Some(plan.url.as_str()),
        "the plan checks another URL: {text:?}"
    );
});
