//! Scenarios bundled with the binary, so `explain` can be tried without files.

/// The example `--example` runs when given no name.
pub const DEFAULT: &str = "authorization-not-allowed";

/// (name, what it shows, scenario JSON).
pub const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "authorization-not-allowed",
        "a POST with a bearer token whose preflight does not allow Authorization",
        include_str!("../scenarios/authorization-not-allowed.json"),
    ),
    (
        "wildcard-with-credentials",
        "cookies sent to an API that answers Access-Control-Allow-Origin: *",
        include_str!("../scenarios/wildcard-with-credentials.json"),
    ),
    (
        "trailing-slash",
        "an XHR to an API whose allowed origin has a trailing slash",
        include_str!("../scenarios/trailing-slash.json"),
    ),
    (
        "error-without-cors",
        "a 401 from auth middleware that skips the CORS headers",
        include_str!("../scenarios/error-without-cors.json"),
    ),
    (
        "redirect-taints-origin",
        "a cross-origin redirect that turns the Origin into null",
        include_str!("../scenarios/redirect-taints-origin.json"),
    ),
    (
        "allowed",
        "a credentialed PUT that is set up right",
        include_str!("../scenarios/allowed.json"),
    ),
];

/// The scenario JSON of a built-in example.
pub fn find(name: &str) -> Option<&'static str> {
    EXAMPLES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, json)| *json)
}

/// The list `--example list` prints.
pub fn listing() -> String {
    let mut out = String::from("Built-in scenarios (corsair explain --example NAME):\n");
    for (name, what, _) in EXAMPLES {
        out.push_str(&format!("  {name:<28} {what}\n"));
    }
    out
}
