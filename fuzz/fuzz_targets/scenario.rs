//! The scenario loader and the whole model: any input either is refused with
//! a ScenarioError or explained without panicking, for every profile, and the
//! verdict is consistent with itself and serializes.
#![no_main]

use corsair_core::{explain, scenario, Outcome, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(s) = scenario::from_json(text) else { return };
    for profile in Profile::ALL {
        let Ok(v) = explain(&s, profile) else { continue };
        assert_eq!(v.outcome == Outcome::Blocked, v.blocked.is_some());
        if v.outcome == Outcome::Blocked {
            assert!(!v.findings.is_empty(), "a blocked verdict names its mistake");
        }
        if v.outcome != Outcome::Allowed && v.outcome != Outcome::SameOrigin {
            assert!(v.readable_response_headers.is_empty());
        }
        serde_json::to_string(&v).expect("verdict serializes");
    }
});
