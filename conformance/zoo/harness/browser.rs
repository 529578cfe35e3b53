//! The same call in real headless Chromium (the conformance harness): the
//! page at [`PAGE`](super::doctor::PAGE), the API at
//! `http://api.example.test:PORT`. One Chromium at a time in this process.

use std::sync::{Mutex, PoisonError};

use corsair_conformance::{parse_jsonl, run_scenarios, Observed, Options};
use serde_json::json;

use super::doctor::{Call, PAGE};

/// Makes `call` from the page to `http://api.example.test:{port}{path}` in
/// Chromium and returns what it observed.
pub fn fetch(id: &str, call: &Call, port: u16, path: &str) -> Observed {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let line = json!({
        "id": id,
        "scenario": {
            "page_origin": PAGE,
            "request": {
                "url": format!("http://api.example.test:{port}{path}"),
                "method": call.method,
                "headers": call.headers.iter().map(|(n, v)| [*n, *v]).collect::<Vec<_>>(),
                "credentials": if call.credentials { "include" } else { "same-origin" },
            }
        }
    });
    let lines = parse_jsonl(&format!("{line}\n"))
        .unwrap_or_else(|e| panic!("{id}: the scenario does not parse: {e}"));
    let options = Options {
        external_ports: vec![port],
        ..Options::default()
    };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut observed = run_scenarios(&lines, &options)
        .unwrap_or_else(|e| panic!("{id}: the Chromium harness failed: {e}"));
    observed
        .pop()
        .unwrap_or_else(|| panic!("{id}: the harness observed nothing"))
}
