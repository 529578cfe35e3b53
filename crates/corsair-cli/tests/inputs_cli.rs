//! `corsair check --console` and a Copy-as-cURL of the preflight row, run
//! against a loopback server: the check rebuilt from the paste finds the
//! blocker the browser named.

mod support;

use support::{corsair, fixed_server, with_stdin};

/// Allows the origin, GET and POST only, and `content-type` only.
const NARROW: &str = "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://app.example.com\r\nAccess-Control-Allow-Methods: GET, POST\r\nAccess-Control-Allow-Headers: content-type\r\nVary: Origin\r\nConnection: close\r\n\r\n";

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_chrome_method_line_is_checked_and_finds_the_same_blocker() {
    let port = fixed_server(NARROW);
    let line = format!("app.js:14  Access to fetch at 'http://127.0.0.1:{port}/items/7' from origin 'https://app.example.com' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.\napp.js:14  PUT http://127.0.0.1:{port}/items/7 net::ERR_FAILED");
    let out = corsair()
        .args(["check", "--json", "--no-probes", "--console", &line])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "Running: corsair check http://127.0.0.1:{port}/items/7 --origin https://app.example.com -X PUT"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--credentials"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let v = json(&out);
    assert_eq!(
        v["verdict"]["blocked"]["cors_error"],
        "MethodDisallowedByPreflightResponse"
    );
    assert_eq!(v["verdict"]["blocked"]["failed_parameter"], "PUT");
    assert_eq!(v["verdict"]["browser"], "chrome");
}

/// An XMLHttpRequest line (axios, jQuery) is checked as XMLHttpRequest:
/// the verdict's console line is the one the user pasted, word for word.
#[test]
fn an_xhr_line_is_checked_as_xhr() {
    let port = fixed_server(NARROW);
    let url = format!("http://127.0.0.1:{port}/items/7");
    let pasted = format!("Access to XMLHttpRequest at '{url}' from origin 'https://app.example.com' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.");
    let out = corsair()
        .args(["check", "--json", "--no-probes", "--console", &pasted])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(" --xhr"), "{stderr}");
    assert_eq!(json(&out)["verdict"]["console"]["chrome"], pasted.as_str());
    // And --xhr on a plain check words it so too; fetch() is the default.
    for (xhr, words) in [
        (true, "Access to XMLHttpRequest at"),
        (false, "Access to fetch at"),
    ] {
        let mut c = corsair();
        c.args([
            "check",
            &url,
            "--origin",
            "https://app.example.com",
            "-X",
            "PUT",
            "--json",
            "--no-probes",
        ]);
        if xhr {
            c.arg("--xhr");
        }
        let v = json(&c.output().unwrap());
        let line = v["verdict"]["console"]["chrome"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(line.starts_with(words), "{line}");
    }
}

#[test]
fn a_firefox_header_line_needs_the_origin_then_finds_the_header() {
    let port = fixed_server(NARROW);
    let line = format!("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:{port}/me. (Reason: header ‘authorization’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:{port}/me. (Reason: CORS request did not succeed). Status code: (null).");
    let refused = corsair()
        .args(["check", "--no-probes", "--console", &line])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("Firefox") && err.contains("--origin"), "{err}");
    let out = corsair()
        .args([
            "check",
            "--json",
            "--no-probes",
            "--origin",
            "https://app.example.com",
            "--console",
            &line,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("-H 'authorization: placeholder'"),
        "{stderr}"
    );
    assert!(stderr.contains("placeholder"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let v = json(&out);
    assert_eq!(
        v["verdict"]["blocked"]["cors_error"],
        "HeaderDisallowedByPreflightResponse"
    );
    assert_eq!(v["verdict"]["blocked"]["failed_parameter"], "authorization");
    assert_eq!(v["verdict"]["browser"], "firefox");
    // The preflight asked for exactly that header.
    let sent = v["exchanges"][0]["sent"]["headers"].to_string();
    assert!(
        sent.contains("access-control-request-headers\",\"authorization"),
        "{sent}"
    );
}

#[test]
fn a_console_line_from_standard_input_and_a_line_that_is_not_one() {
    let port = fixed_server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    let line = format!("Access to XMLHttpRequest at 'http://127.0.0.1:{port}/x' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\n");
    let out = with_stdin(
        corsair().args(["check", "--json", "--no-probes", "--console", "-"]),
        line.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(
        v["verdict"]["blocked"]["cors_error"],
        "MissingAllowOriginHeader"
    );
    let not = corsair()
        .args(["check", "--console", "TypeError: Failed to fetch"])
        .output()
        .unwrap();
    assert_eq!(not.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not.stderr).contains("no CORS console line recognised"));
    let huge = "x".repeat(70 * 1024);
    let too_long = corsair()
        .args(["check", "--console", &huge])
        .output()
        .unwrap();
    assert_eq!(too_long.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&too_long.stderr).contains("at most 65536"));
}

#[test]
fn a_copy_of_the_preflight_row_checks_the_real_request() {
    let port = fixed_server(NARROW);
    let curl = format!(
        "curl 'http://127.0.0.1:{port}/items/7' \\\n  -X 'OPTIONS' \\\n  -H 'accept: */*' \\\n  -H 'access-control-request-headers: authorization,content-type' \\\n  -H 'access-control-request-method: PUT' \\\n  -H 'origin: https://app.example.com' \\\n  -H 'sec-fetch-mode: cors'"
    );
    let out = corsair()
        .args(["check", "--json", "--no-probes", "--curl", &curl])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rebuilt from the preflight"), "{stderr}");
    assert!(stderr.contains("placeholders"), "{stderr}");
    assert!(stderr.contains("--credentials"), "{stderr}");
    let v = json(&out);
    assert_eq!(v["request"]["method"], "PUT", "{v}");
    // The server allows neither PUT nor authorization: the method is named first.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        v["verdict"]["blocked"]["cors_error"],
        "MethodDisallowedByPreflightResponse"
    );
    assert_eq!(v["exchanges"][0]["sent"]["method"], "OPTIONS");
}
