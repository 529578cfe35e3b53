//! The Access-Control-Allow-Methods/-Headers/-Expose-Headers parser: never
//! panics, yields only tokens, and re-parses its own output to the same list.
#![no_main]

use corsair_core::{allow_list, grammar};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for item in allow_list::items(text) {
        assert!(!item.is_empty());
        assert_eq!(item, grammar::trim_http_ws(item));
    }
    if let Ok(items) = allow_list::parse(text) {
        assert!(items.iter().all(|i| grammar::is_token(i)));
        let joined = items.join(", ");
        assert_eq!(allow_list::parse(&joined).ok(), Some(items));
    }
});
