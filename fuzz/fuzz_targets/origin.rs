//! The origin parser: never panics; a parsed origin's serialization parses
//! back to the same origin (serialization is a fixed point).
#![no_main]

use corsair_core::Origin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(origin) = Origin::parse(text) else { return };
    let serialized = origin.serialized().to_owned();
    if origin.is_opaque() {
        assert_eq!(serialized, "null");
        return;
    }
    let again = Origin::parse(&serialized).expect("a serialized origin parses");
    assert_eq!(again.serialized(), serialized);
    assert!(origin.same_origin(&again));
});
