//! HAR reading: Chrome and Firefox exports, leniency, errors, bodies, the
//! stated bounds on strings and header lists, error columns after cuts, and
//! bounded memory on a large generated file. Pairing is in har_pairing.rs,
//! judging in har_judging.rs.

mod support;

use corsair_doctor::har::{
    cross_origin, is_preflight, pair, parse_time, read, Entry, Exchange, HarError, OriginSource,
    Page, PageOrigin, BODY_PREFIX, MAX_HEADERS,
};
use std::io::{self, Read};
use support::generated::{Generated, Piece, Pieces};
use support::{data, h, read_all};

#[test]
fn chrome_export() {
    let (summary, entries) = read_all(&data("chrome.har")).unwrap();
    assert_eq!(summary.entries, 8);
    assert_eq!(entries.len(), 8);
    assert_eq!(summary.creator.as_deref(), Some("WebInspector 537.36"));
    assert_eq!(
        summary.pages,
        vec![Page {
            id: "page_1".into(),
            title: "https://app.example.com/dashboard".into(),
            started: Some("2024-05-01T10:00:00.000Z".into()),
        }]
    );
    assert!(
        !summary.sanitized,
        "the export has cookie, authorization and set-cookie headers"
    );
    assert_eq!(summary.skipped, 0);

    // HTTP/2: pseudo-headers are gone from the list.
    let doc = &entries[0];
    assert_eq!(doc.index, 0);
    assert_eq!(doc.request.http_version, "http/2.0");
    assert!(doc.request.headers.iter().all(|(n, _)| !n.starts_with(':')));
    assert_eq!(doc.request.headers.len(), 4);
    assert_eq!(doc.resource_type.as_deref(), Some("document"));
    assert_eq!(doc.page_ref.as_deref(), Some("page_1"));
    assert_eq!(doc.response.mime_type, "text/html");

    // The PUT and its body.
    let put = &entries[1];
    assert_eq!(put.request.method, "PUT");
    assert_eq!(
        put.request.body_prefix.as_deref(),
        Some(r#"{"name":"widget","qty":3}"#)
    );
    assert!(!put.request.body_truncated);
    assert_eq!(
        put.response.body_prefix.as_deref(),
        Some(r#"{"ok":true,"id":42}"#)
    );
    assert_eq!(
        put.response.header("Access-Control-Allow-Origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        put.initiator.as_ref().map(|i| i.kind.as_str()),
        Some("script")
    );
    assert_eq!(put.response.error, None);

    // The preflight, as Chrome marks it.
    let pre = &entries[2];
    assert!(is_preflight(pre));
    let initiator = pre.initiator.as_ref().unwrap();
    assert_eq!(initiator.kind, "preflight");
    assert_eq!(
        initiator.url.as_deref(),
        Some("https://api.example.com/v1/items/42")
    );
    assert_eq!(initiator.request_id.as_deref(), Some("38012.117"));
    assert_eq!(pre.response.status, 204);

    // The blocked request: no status, Chrome's net error.
    let blocked = &entries[3];
    assert_eq!(blocked.response.status, 0);
    assert_eq!(blocked.response.error.as_deref(), Some("net::ERR_FAILED"));
    assert!(blocked.response.headers.is_empty());

    // Redirects: redirectURL, and an empty one with a Location header.
    assert_eq!(
        entries[4].response.redirect_url.as_deref(),
        Some("https://api2.example.com/v1/me")
    );
    assert_eq!(entries[5].response.redirect_url, None);
    assert_eq!(
        entries[6].response.body_prefix.as_deref(),
        Some("eyJpZCI6N30=")
    );

    assert_eq!(entries[7].from_cache.as_deref(), Some("memory"));

    let exchanges = pair(&entries);
    assert_eq!(
        exchanges,
        vec![
            Exchange {
                request: 0,
                ..Exchange::default()
            },
            // The PUT was recorded 2 ms before its preflight (Chrome records
            // the issue time), and the export has no request ids: URL,
            // Access-Control-Request-Method and time pair them.
            Exchange {
                request: 1,
                preflight: Some(2),
                ..Exchange::default()
            },
            Exchange {
                request: 3,
                ..Exchange::default()
            },
            Exchange {
                request: 4,
                redirects: vec![5, 6],
                redirect_preflights: vec![None, None],
                ..Exchange::default()
            },
            Exchange {
                request: 7,
                ..Exchange::default()
            },
        ]
    );

    let origin = |e: &Entry| cross_origin(e, &summary.pages);
    // Same-origin navigation: the page URL is the document's own origin.
    assert_eq!(origin(&entries[0]), None);
    let app = |source| {
        Some(PageOrigin {
            origin: "https://app.example.com".into(),
            source,
        })
    };
    assert_eq!(origin(&entries[1]), app(OriginSource::OriginHeader));
    assert_eq!(origin(&entries[3]), app(OriginSource::OriginHeader));
    // `Origin: null` after a cross-origin redirect.
    assert_eq!(
        origin(&entries[6]),
        Some(PageOrigin {
            origin: "null".into(),
            source: OriginSource::OriginHeader
        })
    );
    // No Origin header: the Referer tells.
    assert_eq!(origin(&entries[7]), app(OriginSource::Referer));
}

#[test]
fn chrome_sanitized_export() {
    let (summary, entries) = read_all(&data("chrome-sanitized.har")).unwrap();
    assert!(summary.sanitized);
    assert_eq!(summary.entries, 1);
    let e = &entries[0];
    assert_eq!(e.response.status, 401);
    assert_eq!(e.response.error.as_deref(), Some("net::ERR_FAILED"));
    assert_eq!(
        e.request.headers,
        h(&[
            ("content-type", "application/json"),
            ("origin", "https://shop.example.com")
        ])
    );
    assert_eq!(
        cross_origin(e, &summary.pages).map(|o| o.origin),
        Some("https://shop.example.com".into())
    );
}

#[test]
fn firefox_export() {
    let (summary, entries) = read_all(&data("firefox.har")).unwrap();
    assert_eq!(summary.creator.as_deref(), Some("Firefox 128.0"));
    assert_eq!(summary.entries, 3);
    assert!(!summary.sanitized);
    assert_eq!(summary.pages[0].title, "Dashboard — Example");
    // No `_resourceType`: OPTIONS with Access-Control-Request-Method.
    assert!(is_preflight(&entries[0]));
    assert!(!is_preflight(&entries[1]));
    assert_eq!(entries[0].resource_type, None);
    assert_eq!(entries[1].response.status, 0);
    assert_eq!(entries[1].response.error, None);
    // A status written as a string.
    assert_eq!(entries[2].response.status, 200);
    // Offsets are honoured: 12:00:03.010+02:00 is 10:00:03.010Z.
    assert_eq!(
        parse_time(entries[0].started.as_deref().unwrap()),
        parse_time("2024-05-01T10:00:03.010Z")
    );
    assert_eq!(
        pair(&entries),
        vec![
            Exchange {
                request: 1,
                preflight: Some(0),
                ..Exchange::default()
            },
            Exchange {
                request: 2,
                ..Exchange::default()
            },
        ]
    );
    // The page title is not a URL: the Referer gives the origin; the
    // same-origin request has none.
    assert_eq!(
        cross_origin(&entries[1], &summary.pages).map(|o| o.origin),
        Some("https://app.example.com".into())
    );
    assert_eq!(cross_origin(&entries[2], &summary.pages), None);
}

#[test]
fn pages_after_entries_and_pseudo_headers_fill_gaps() {
    let json = r#"{"log": {"entries": [
        {"pageref": "p", "request": {"headers": [
            {"name": ":method", "value": "POST"},
            {"name": ":scheme", "value": "https"},
            {"name": ":authority", "value": "api.example.com"},
            {"name": ":path", "value": "/x?y=1"},
            {"name": "content-type", "value": "text/plain"}
        ]}, "response": {"headers": [{"name": ":status", "value": "201"}]}}
    ], "pages": [{"id": "p", "title": "https://app.example.com/", "extra": [1, 2, {"a": null}]}],
    "creator": {"name": "Custom"}}}"#;
    let (summary, entries) = read_all(json.as_bytes()).unwrap();
    assert_eq!(summary.pages.len(), 1);
    assert_eq!(summary.creator.as_deref(), Some("Custom"));
    let e = &entries[0];
    assert_eq!(e.request.method, "POST");
    assert_eq!(e.request.url, "https://api.example.com/x?y=1");
    assert_eq!(e.request.headers, h(&[("content-type", "text/plain")]));
    assert_eq!(e.response.status, 201);
    assert!(e.response.headers.is_empty());
    // The page URL is the only source of the page origin here.
    assert_eq!(
        cross_origin(e, &summary.pages),
        Some(PageOrigin {
            origin: "https://app.example.com".into(),
            source: OriginSource::Page
        })
    );
}

#[test]
fn malformed_entries_are_skipped() {
    let json = r#"{"log": {"entries": [
        {"request": {"method": "GET", "url": "https://a.example/1"}},
        42,
        {"request": "not an object"},
        {"request": {"url": "https://a.example/3", "headers": "nope"}},
        {"response": {"status": 200}},
        {"request": {"url": "https://a.example/5"}, "response": {"status": "abc"}},
        {"request": {"url": "https://a.example/6", "headers": [1]}},
        {"request": {"url": "https://a.example/7", "method": 5, "headers": [{"name": "x"}, {"value": "no name"}]},
         "response": {"status": 200.0, "unknown": {"deep": [[[]]]}}, "_fromCache": true, "_webSocketMessages": [{"data": "x"}]},
        null
    ]}}"#;
    let (summary, entries) = read_all(json.as_bytes()).unwrap();
    assert_eq!(summary.entries, 2);
    assert_eq!(summary.skipped, 7);
    let reasons: Vec<(usize, &str)> = summary
        .skipped_reasons
        .iter()
        .map(|(i, r)| (*i, r.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (1, "entry: expected an object, found a number"),
            (2, "request: expected an object, found a string"),
            (3, "request.headers: expected a list, found a string"),
            (4, "request: missing"),
            (5, "response.status: expected a number, found a string"),
            (6, "request.headers[0]: expected an object, found a number"),
            (8, "entry: expected an object, found null"),
        ]
    );
    assert_eq!(entries[0].index, 0);
    let last = &entries[1];
    assert_eq!(last.index, 7);
    assert_eq!(last.request.method, "5");
    assert_eq!(last.request.headers, h(&[("x", "")]));
    assert_eq!(last.response.status, 200);
    assert_eq!(last.from_cache.as_deref(), Some("true"));
}

#[test]
fn skipped_reasons_are_capped() {
    let mut json = String::from(r#"{"log": {"entries": ["#);
    for i in 0..50 {
        if i > 0 {
            json.push(',');
        }
        json.push_str("\"bad\"");
    }
    json.push_str("]}}");
    let (summary, _) = read_all(json.as_bytes()).unwrap();
    assert_eq!(summary.skipped, 50);
    assert_eq!(summary.skipped_reasons.len(), 20);
    assert!(!summary.sanitized, "no entries, nothing to call sanitized");
}

#[test]
fn not_a_har() {
    let cases = [
        (r#"{"foo": 1}"#, "no `log` object"),
        (
            "[1, 2]",
            "the top level is a list, not an object with `log`",
        ),
        (
            "\"text\"",
            "the top level is a string, not an object with `log`",
        ),
        (r#"{"log": 3}"#, "`log` is a number, not an object"),
        (r#"{"log": {"pages": []}}"#, "no `log.entries` list"),
        (
            r#"{"log": {"entries": {}}}"#,
            "`log.entries` is an object, not a list",
        ),
        (
            r#"{"log": {"entries": null}}"#,
            "`log.entries` is null, not a list",
        ),
    ];
    for (json, expected) in cases {
        match read_all(json.as_bytes()) {
            Err(HarError::NotHar(message)) => assert_eq!(message, expected, "{json}"),
            other => panic!("{json}: {other:?}"),
        }
    }
}

#[test]
fn not_json() {
    let cases = [
        ("<html></html>", 1, 1),
        ("{\n  \"log\": {\n    \"entries\": [nope]\n  }\n}", 3, 18),
        ("{\"log\": {\"entries\": []}} trailing", 1, 26),
        ("", 1, 0),
        ("   \n ", 2, 1),
    ];
    for (json, line, column) in cases {
        match read_all(json.as_bytes()) {
            Err(HarError::NotJson {
                line: l,
                column: c,
                message,
            }) => {
                assert_eq!((l, c), (line, column), "{json:?}: {message}");
                assert!(!message.is_empty());
            }
            other => panic!("{json:?}: {other:?}"),
        }
    }
}

#[test]
fn truncated_file() {
    let bytes = data("chrome.har");
    // Cut inside the fourth entry: the first three are handed over, then the
    // error says where the file ends.
    let cut = bytes.len() * 55 / 100;
    let mut entries = Vec::new();
    let result = read(&bytes[..cut], |e| entries.push(e));
    match result {
        Err(HarError::Truncated { line, .. }) => {
            let lines = bytes[..cut].iter().filter(|&&b| b == b'\n').count() + 1;
            assert_eq!(line, lines);
        }
        other => panic!("{other:?}"),
    }
    assert!(!entries.is_empty());
    let message = read(&bytes[..cut], |_| {}).unwrap_err().to_string();
    assert!(message.contains("truncated"), "{message}");
}

#[test]
fn io_errors_are_reported() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            self.0 -= 1;
            let text = b"{\"log\": {\"entries\": [";
            let n = text.len().min(buf.len());
            buf[..n].copy_from_slice(&text[..n]);
            Ok(n)
        }
    }
    match read(Failing(1), |_| {}) {
        Err(HarError::Io(e)) => assert_eq!(e.to_string(), "disk on fire"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bom_and_long_strings_keep_error_columns() {
    // A 100 KiB string is cut before the parser sees it; an error after it
    // on the same line is still reported at its column in the file.
    let long = "a".repeat(100 * 1024);
    let json = format!("\u{feff}{{\"log\": {{\"x\": \"{long}\", \"entries\": [}} ]}}");
    let bad_at = json.find("[}").unwrap() + 2; // 1-based column of `}`
    match read_all(json.as_bytes()) {
        Err(HarError::NotJson {
            line: 1, column, ..
        }) => assert_eq!(column, bad_at),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bodies_keep_a_prefix_only() {
    // Plain UTF-8, `\uXXXX` escapes and surrogate pairs: the prefix is cut
    // on a character boundary, never inside an escape.
    for (written, ch) in [("é", 'é'), ("\\u00e9", 'é'), ("\\ud83d\\ude00", '😀')] {
        let body = written.repeat(10_000);
        let json = format!(
            r#"{{"log": {{"entries": [{{"request": {{"url": "https://a.example/", "postData": {{"text": "{body}"}}}},
                "response": {{"content": {{"text": "{body}"}}}}}}]}}}}"#
        );
        let (_, entries) = read_all(json.as_bytes()).unwrap();
        let e = &entries[0];
        let prefix = e.request.body_prefix.as_deref().unwrap();
        assert!(
            prefix.len() <= BODY_PREFIX && prefix.len() > BODY_PREFIX - 4,
            "{written}"
        );
        assert!(prefix.chars().all(|c| c == ch), "{written}");
        assert!(e.request.body_truncated);
        assert!(e.response.body_truncated);
        assert_eq!(e.response.body_prefix.as_deref(), Some(prefix));
    }
    // A body of exactly the prefix's size is not cut.
    let body = "x".repeat(BODY_PREFIX);
    let json = format!(
        r#"{{"log": {{"entries": [{{"request": {{"url": "u", "postData": {{"text": "{body}"}}}}}}]}}}}"#
    );
    let (_, entries) = read_all(json.as_bytes()).unwrap();
    assert_eq!(
        entries[0].request.body_prefix.as_deref(),
        Some(body.as_str())
    );
    assert!(!entries[0].request.body_truncated);
}

// ---------------------------------------------------------------------------
// A large HAR produced on the fly, never held in memory.

/// Generates a HAR of `entries` entries whose response bodies are `body`
/// bytes of base64-like text, a piece at a time.
struct LazyHar {
    entries: usize,
    body: usize,
    next_entry: usize,
    done: bool,
}

impl LazyHar {
    fn new(entries: usize, body: usize) -> Generated<LazyHar> {
        let head = br#"{"log": {"version": "1.2", "creator": {"name": "LazyHar", "version": "1"}, "entries": ["#;
        Generated::new(
            head,
            LazyHar {
                entries,
                body,
                next_entry: 0,
                done: false,
            },
        )
    }
}

impl Pieces for LazyHar {
    fn next_piece(&mut self) -> Option<Piece> {
        if self.next_entry == self.entries {
            if self.done {
                return None;
            }
            self.done = true;
            return Some(Piece {
                text: b"]}}".to_vec(),
                fill: 0,
                after: Vec::new(),
            });
        }
        let i = self.next_entry;
        self.next_entry += 1;
        let comma = if i == 0 { "" } else { "," };
        let text = format!(
            r#"{comma}{{"startedDateTime": "2024-05-01T10:00:00.{:03}Z", "request": {{"method": "GET", "url": "https://api.example.com/item/{i}", "httpVersion": "http/2.0", "headers": [{{"name": "origin", "value": "https://app.example.com"}}]}}, "response": {{"status": 200, "headers": [{{"name": "access-control-allow-origin", "value": "*"}}], "content": {{"mimeType": "image/png", "encoding": "base64", "text": ""#,
            i % 1000
        )
        .into_bytes();
        Some(Piece {
            text,
            fill: self.body,
            after: br#""}}, "timings": {"wait": 1}}"#.to_vec(),
        })
    }
}

#[test]
fn large_generated_har_streams() {
    // 200 entries of 100 KiB bodies: about 20 MB, generated as it is read.
    let mut count = 0;
    let mut largest_prefix = 0;
    let summary = read(LazyHar::new(200, 100 * 1024), |e| {
        count += 1;
        assert!(e.response.body_truncated);
        largest_prefix = largest_prefix.max(e.response.body_prefix.as_ref().map_or(0, String::len));
        assert_eq!(e.response.status, 200);
    })
    .unwrap();
    assert_eq!(summary.entries, 200);
    assert_eq!(count, 200);
    assert_eq!(largest_prefix, BODY_PREFIX);
    assert_eq!(summary.creator.as_deref(), Some("LazyHar 1"));
    assert!(summary.sanitized);

    // One body larger than the parser's string cap.
    let summary = read(LazyHar::new(2, 3 * 1024 * 1024), |e| {
        assert_eq!(
            e.response.body_prefix.as_ref().map(String::len),
            Some(BODY_PREFIX)
        );
    })
    .unwrap();
    assert_eq!(summary.entries, 2);
}

#[test]
fn long_header_lists_are_cut_with_a_note() {
    let headers: Vec<String> = (0..MAX_HEADERS + 10)
        .map(|i| format!(r#"{{"name": "x-h{i}", "value": "v"}}"#))
        .collect();
    let json = format!(
        r#"{{"log": {{"entries": [{{"request": {{"url": "https://a.example/", "headers": [{}]}}}}]}}}}"#,
        headers.join(",")
    );
    let (summary, entries) = read_all(json.as_bytes()).unwrap();
    assert_eq!(entries[0].request.headers.len(), MAX_HEADERS);
    assert_eq!(summary.cut, 1);
    assert_eq!(summary.cut_notes.len(), 1);
    let (index, note) = &summary.cut_notes[0];
    assert_eq!(*index, 0);
    assert!(
        note.contains("512") && note.contains("request.headers"),
        "{note}"
    );
}

#[test]
fn long_urls_and_header_values_are_cut_with_a_note() {
    let long = "a".repeat(70 * 1024);
    let json = format!(
        r#"{{"log": {{"entries": [{{"request": {{"url": "https://a.example/{long}", "headers": [{{"name": "x", "value": "{long}"}}]}}}}]}}}}"#
    );
    let (summary, entries) = read_all(json.as_bytes()).unwrap();
    assert!(entries[0].request.url.len() <= 64 * 1024);
    assert_eq!(entries[0].request.headers[0].1.len(), 8 * 1024);
    let notes: Vec<&str> = summary.cut_notes.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(summary.cut, 1);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("request.url") && n.contains("64 KiB"))
            && notes
                .iter()
                .any(|n| n.contains("request.headers") && n.contains("8 KiB")),
        "{notes:?}"
    );
}

#[test]
fn many_cut_strings_on_one_line_keep_error_columns() {
    // 200 bodies cut on one line (a minified export): the reader remembers
    // a bounded number of cuts and folds the older ones, and the column of
    // an error after them is still the one in the file.
    let body = "b".repeat(5000);
    let mut json = String::from(r#"{"log": {"x": ["#);
    for i in 0..200 {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(r#"{{"text": "{body}"}}"#));
    }
    json.push_str(r#"], "entries": [}]}}"#);
    let bad_at = json.find("[}").unwrap() + 2;
    match read_all(json.as_bytes()) {
        Err(HarError::NotJson {
            line: 1, column, ..
        }) => assert_eq!(column, bad_at),
        other => panic!("{other:?}"),
    }
}
