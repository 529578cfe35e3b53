//! "Copy as cURL" of the preflight row (Chrome bash, Chrome cmd, Firefox):
//! recognised, and the request the page made rebuilt from it.

use corsair_doctor::curl::{from_preflight, parse};

const CHROME_BASH: &str = r#"curl 'https://api.example.com/items/7' \
  -X 'OPTIONS' \
  -H 'accept: */*' \
  -H 'accept-language: en-US,en;q=0.9' \
  -H 'access-control-request-headers: authorization,content-type' \
  -H 'access-control-request-method: PUT' \
  -H 'origin: https://app.example.com' \
  -H 'priority: u=1, i' \
  -H 'referer: https://app.example.com/' \
  -H 'sec-fetch-dest: empty' \
  -H 'sec-fetch-mode: cors' \
  -H 'sec-fetch-site: same-site' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'"#;

const CHROME_CMD: &str = "curl ^\"https://api.example.com/items/7^\" ^\r\n  -X ^\"OPTIONS^\" ^\r\n  -H ^\"accept: */*^\" ^\r\n  -H ^\"access-control-request-headers: authorization,content-type^\" ^\r\n  -H ^\"access-control-request-method: PUT^\" ^\r\n  -H ^\"origin: https://app.example.com^\" ^\r\n  -H ^\"referer: https://app.example.com/^\" ^\r\n  -H ^\"sec-fetch-mode: cors^\"";

const FIREFOX: &str = "curl 'https://api.example.com/items/7' -X OPTIONS -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0' -H 'Accept: */*' -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: authorization,content-type' -H 'Referer: https://app.example.com/' -H 'Origin: https://app.example.com' -H 'Connection: keep-alive' -H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-site' -H 'Priority: u=4'";

const FIREFOX_WINDOWS: &str = "curl.exe \"https://api.example.com/items/7\" -X OPTIONS -H \"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0\" -H \"Accept: */*\" -H \"Access-Control-Request-Method: PUT\" -H \"Access-Control-Request-Headers: authorization,content-type\" -H \"Referer: https://app.example.com/\" -H \"Origin: https://app.example.com\" -H \"Sec-Fetch-Mode: cors\"";

#[test]
fn each_dialect_rebuilds_the_real_request() {
    for (name, command) in [
        ("chrome bash", CHROME_BASH),
        ("chrome cmd", CHROME_CMD),
        ("firefox", FIREFOX),
        ("firefox windows", FIREFOX_WINDOWS),
    ] {
        let row = parse(command).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(row.method, "OPTIONS", "{name}");
        let rebuilt = from_preflight(&row).unwrap_or_else(|| panic!("{name}: not recognised"));
        let r = &rebuilt.request;
        assert_eq!(r.url, "https://api.example.com/items/7", "{name}");
        assert_eq!(r.method, "PUT", "{name}");
        let get = |n: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("authorization"), Some("placeholder"), "{name}");
        assert_eq!(get("content-type"), Some("application/json"), "{name}");
        assert_eq!(get("origin"), Some("https://app.example.com"), "{name}");
        // The preflight's own headers are gone.
        assert_eq!(get("access-control-request-method"), None, "{name}");
        assert_eq!(get("access-control-request-headers"), None, "{name}");
        assert_eq!(get("accept"), None, "{name}");
        assert_eq!(rebuilt.placeholders, vec!["authorization", "content-type"]);
        let notes = rebuilt.notes.join(" ");
        assert!(notes.contains("rebuilt from the preflight"), "{name}");
        assert!(notes.contains("placeholders"), "{name}");
        assert!(notes.contains("--credentials"), "{name}");
        assert_eq!(r.cookies, None);
    }
}

#[test]
fn a_plain_options_request_or_a_real_request_is_not_a_preflight_row() {
    let plain =
        parse("curl -X OPTIONS 'https://api.example.com/x' -H 'Origin: https://a.test'").unwrap();
    assert!(from_preflight(&plain).is_none());
    let put =
        parse("curl -X PUT 'https://api.example.com/x' -H 'Access-Control-Request-Method: PUT'")
            .unwrap();
    assert!(from_preflight(&put).is_none());
}

#[test]
fn a_preflight_without_request_headers_keeps_the_method_only() {
    let row = parse("curl 'https://api.example.com/x' -X OPTIONS -H 'Access-Control-Request-Method: DELETE' -H 'Origin: https://a.test'").unwrap();
    let rebuilt = from_preflight(&row).unwrap();
    assert_eq!(rebuilt.request.method, "DELETE");
    assert!(rebuilt.placeholders.is_empty());
    assert!(!rebuilt.notes.iter().any(|n| n.contains("placeholders")));
}
