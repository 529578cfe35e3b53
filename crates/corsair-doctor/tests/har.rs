//! HAR reading: Chrome and Firefox exports, leniency, errors, pairing (by
//! index, as the entries stream by), page origins, stable entry numbers, the
//! stated bounds, and bounded memory on large generated files.

use corsair_core::Profile;
use corsair_doctor::har::{
    cross_origin, is_preflight, pair, pair_counted, parse_time, read, read_partial, Entry,
    Exchange, Group, HarError, HarSummary, OriginSource, Page, PageOrigin, BODY_PREFIX,
    MAX_HEADERS, MAX_KEPT_HOPS, PAIR_WINDOW,
};
use corsair_doctor::har_check::{analyze, judge_stream, slim, Judge};
use std::io::{self, Read};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read_all(bytes: &[u8]) -> Result<(HarSummary, Vec<Entry>), HarError> {
    let mut entries = Vec::new();
    let summary = read(bytes, |e| entries.push(e))?;
    Ok((summary, entries))
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

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

#[test]
fn preflight_pairing_rules() {
    fn entry(method: &str, url: &str, started: &str, headers: &[(&str, &str)]) -> Entry {
        let mut e = Entry {
            started: Some(started.into()),
            ..Entry::default()
        };
        e.request.method = method.into();
        e.request.url = url.into();
        e.request.headers = h(headers);
        e
    }
    let acrm = |m| [("Access-Control-Request-Method", m)];
    let u = "https://api.example.com/x";
    let entries = vec![
        // 0: a preflight for PUT; 1: a GET to the same URL (wrong method);
        // 2: the PUT; 3: a second preflight for PUT; 4: the second PUT, a
        // second later; 5: a preflight nobody followed (a PATCH that the
        // browser never sent); 6: a PUT long before its preflight 7.
        entry("OPTIONS", u, "2024-05-01T10:00:00.000Z", &acrm("PUT")),
        entry("GET", u, "2024-05-01T10:00:00.001Z", &[]),
        entry("PUT", u, "2024-05-01T10:00:00.050Z", &[]),
        entry("OPTIONS", u, "2024-05-01T10:00:01.000Z", &acrm("PUT")),
        entry("PUT", u, "2024-05-01T10:00:01.020Z", &[]),
        entry("OPTIONS", u, "2024-05-01T10:00:02.000Z", &acrm("PATCH")),
        entry(
            "PUT",
            "https://api.example.com/y",
            "2024-05-01T10:00:03.000Z",
            &[],
        ),
        entry(
            "OPTIONS",
            "https://api.example.com/y",
            "2024-05-01T10:00:09.000Z",
            &acrm("PUT"),
        ),
    ];
    let lone = |p| Exchange {
        request: p,
        preflight: Some(p),
        lone_preflight: true,
        ..Exchange::default()
    };
    assert_eq!(
        pair(&entries),
        vec![
            Exchange {
                request: 1,
                ..Exchange::default()
            },
            Exchange {
                request: 2,
                preflight: Some(0),
                ..Exchange::default()
            },
            Exchange {
                request: 4,
                preflight: Some(3),
                ..Exchange::default()
            },
            lone(5),
            Exchange {
                request: 6,
                ..Exchange::default()
            },
            lone(7),
        ]
    );

    // With ids (some exporters write `_requestId`), the id decides.
    let mut with_ids = vec![
        entry("PUT", u, "2024-05-01T10:00:00.000Z", &[]),
        entry("PUT", u, "2024-05-01T10:00:00.001Z", &[]),
        entry("OPTIONS", u, "2024-05-01T10:00:00.002Z", &acrm("PUT")),
    ];
    with_ids[0].request_id = Some("a".into());
    with_ids[1].request_id = Some("b".into());
    with_ids[2].resource_type = Some("preflight".into());
    with_ids[2].initiator = Some(corsair_doctor::har::Initiator {
        kind: "preflight".into(),
        url: Some(u.into()),
        request_id: Some("a".into()),
    });
    assert_eq!(
        pair(&with_ids)[0],
        Exchange {
            request: 0,
            preflight: Some(2),
            ..Exchange::default()
        }
    );

    // Without times, file order decides.
    let mut untimed = vec![
        entry("OPTIONS", u, "", &acrm("DELETE")),
        entry("DELETE", u, "", &[]),
    ];
    for e in &mut untimed {
        e.started = None;
    }
    assert_eq!(pair(&untimed)[0].preflight, Some(0));
}

#[test]
fn redirect_rules() {
    fn entry(method: &str, url: &str, status: u16, location: Option<&str>, t: &str) -> Entry {
        let mut e = Entry {
            started: Some(format!("2024-05-01T10:00:{t}Z")),
            ..Entry::default()
        };
        e.request.method = method.into();
        e.request.url = url.into();
        e.response.status = status;
        e.response.redirect_url = location.map(Into::into);
        e
    }
    let entries = vec![
        // POST 303 → GET.
        entry(
            "POST",
            "https://a.example/form",
            303,
            Some("/done"),
            "00.000",
        ),
        entry("GET", "https://a.example/done", 200, None, "00.100"),
        // PUT 307 → the method is kept; a GET to the target is not the hop.
        entry(
            "PUT",
            "https://a.example/old",
            307,
            Some("https://b.example/new#frag"),
            "01.000",
        ),
        entry("GET", "https://b.example/new", 200, None, "01.050"),
        entry("PUT", "https://b.example/new", 200, None, "01.100"),
        // A loop never hangs.
        entry(
            "GET",
            "https://c.example/1",
            302,
            Some("https://c.example/2"),
            "02.000",
        ),
        entry(
            "GET",
            "https://c.example/2",
            302,
            Some("https://c.example/1"),
            "02.000",
        ),
    ];
    let ex = pair(&entries);
    assert_eq!(
        ex,
        vec![
            Exchange {
                request: 0,
                redirects: vec![1],
                redirect_preflights: vec![None],
                ..Exchange::default()
            },
            Exchange {
                request: 2,
                redirects: vec![4],
                redirect_preflights: vec![None],
                ..Exchange::default()
            },
            Exchange {
                request: 3,
                ..Exchange::default()
            },
            Exchange {
                request: 5,
                redirects: vec![6],
                redirect_preflights: vec![None],
                ..Exchange::default()
            },
        ]
    );
}

// ---------------------------------------------------------------------------
// A large HAR produced on the fly, never held in memory.

/// Generates a HAR of `entries` entries whose response bodies are `body`
/// bytes of base64-like text, a piece at a time.
struct LazyHar {
    entries: usize,
    body: usize,
    next_entry: usize,
    /// The text being handed out, and how far.
    chunk: Vec<u8>,
    pos: usize,
    /// Body bytes still to write for the current entry.
    fill: usize,
    /// The text after the current body.
    after: Vec<u8>,
    done: bool,
}

/// Base64-looking body text, handed out in pieces.
static FILL: [u8; 4096] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut fill = [0u8; 4096];
    let mut i = 0;
    while i < fill.len() {
        fill[i] = alphabet[i % 64];
        i += 1;
    }
    fill
};

impl LazyHar {
    fn new(entries: usize, body: usize) -> Self {
        LazyHar {
            entries,
            body,
            next_entry: 0,
            chunk: br#"{"log": {"version": "1.2", "creator": {"name": "LazyHar", "version": "1"}, "entries": ["#.to_vec(),
            pos: 0,
            fill: 0,
            after: Vec::new(),
            done: false,
        }
    }

    /// Moves to the next piece of text once the current one is handed out.
    fn next_piece(&mut self) {
        self.pos = 0;
        self.chunk.clear();
        if !self.after.is_empty() {
            self.chunk = std::mem::take(&mut self.after);
            return;
        }
        if self.next_entry == self.entries {
            if !self.done {
                self.chunk.extend_from_slice(b"]}}");
                self.done = true;
            }
            return;
        }
        let i = self.next_entry;
        self.next_entry += 1;
        let comma = if i == 0 { "" } else { "," };
        self.chunk = format!(
            r#"{comma}{{"startedDateTime": "2024-05-01T10:00:00.{:03}Z", "request": {{"method": "GET", "url": "https://api.example.com/item/{i}", "httpVersion": "http/2.0", "headers": [{{"name": "origin", "value": "https://app.example.com"}}]}}, "response": {{"status": 200, "headers": [{{"name": "access-control-allow-origin", "value": "*"}}], "content": {{"mimeType": "image/png", "encoding": "base64", "text": ""#,
            i % 1000
        )
        .into_bytes();
        self.fill = self.body;
        self.after = br#""}}, "timings": {"wait": 1}}"#.to_vec();
    }
}

impl Read for LazyHar {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.chunk.len() {
                let n = (self.chunk.len() - self.pos).min(buf.len());
                buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.fill > 0 {
                let n = self.fill.min(FILL.len()).min(buf.len());
                buf[..n].copy_from_slice(&FILL[..n]);
                self.fill -= n;
                return Ok(n);
            }
            if self.done && self.after.is_empty() {
                return Ok(0);
            }
            self.next_piece();
        }
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

// ---------------------------------------------------------------------------
// Streaming pairing: table-driven cases by index, the window, the chain
// bound, and the same exchanges as the former whole-file pairing.

/// The whole-file pairing as it was before it streamed (kept here to check
/// that the streaming one finds the same exchanges where both apply).
mod reference {
    use corsair_doctor::har::{is_preflight, parse_time, Entry, Exchange, PREFLIGHT_SKEW_US};
    use std::collections::HashMap;
    use url::Url;

    /// The URL a request's entries are matched on: parsed and without fragment
    /// when it parses, else as written.
    fn url_key(url: &str) -> String {
        match Url::parse(url.trim()) {
            Ok(mut u) => {
                u.set_fragment(None);
                u.into()
            }
            Err(_) => url.trim().to_owned(),
        }
    }

    /// Groups entries into exchanges, ordered by their first entry.
    ///
    /// - A preflight goes with the request it precedes: the request whose
    ///   `_requestId` its `_initiator.requestId` names when the export has ids;
    ///   else a request to the same URL (or to its `_initiator.url`) whose
    ///   method is the preflight's `Access-Control-Request-Method`, started at
    ///   most [`PREFLIGHT_SKEW_US`] before the preflight and nearest to it in
    ///   time (in file order when times are missing).
    /// - A 3xx response whose `redirectURL` (or `Location`) names the URL of a
    ///   later request with the same method (or GET after a 303, or after a 301
    ///   or 302 to a POST) continues into that request; the chain is one exchange.
    /// - Every other entry is an exchange of its own.
    pub fn old_pair(entries: &[Entry]) -> Vec<Exchange> {
        let n = entries.len();
        let times: Vec<Option<i64>> = entries
            .iter()
            .map(|e| e.started.as_deref().and_then(parse_time))
            .collect();
        let preflight: Vec<bool> = entries.iter().map(is_preflight).collect();
        let keys: Vec<String> = entries.iter().map(|e| url_key(&e.request.url)).collect();
        let mut by_url: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            if !preflight.get(i).copied().unwrap_or(false) {
                by_url.entry(key.as_str()).or_default().push(i);
            }
        }
        let time = |i: usize| times.get(i).copied().flatten();
        // Whether `b` comes after `a`: by time when both have one, else by position.
        let after = |a: usize, b: usize| match (time(a), time(b)) {
            (Some(ta), Some(tb)) => (tb, b) > (ta, a),
            _ => b > a,
        };
        let distance = |a: usize, b: usize| match (time(a), time(b)) {
            (Some(ta), Some(tb)) => (tb.abs_diff(ta), a.abs_diff(b)),
            _ => (u64::MAX, a.abs_diff(b)),
        };

        // Redirect chains.
        let mut next: Vec<Option<usize>> = vec![None; n];
        let mut prev: Vec<Option<usize>> = vec![None; n];
        for (i, entry) in entries.iter().enumerate() {
            let status = entry.response.status;
            if preflight.get(i).copied().unwrap_or(true) || !(300..400).contains(&status) {
                continue;
            }
            let Some(target) = entry
                .response
                .redirect_url
                .as_deref()
                .or_else(|| entry.response.header("location"))
                .filter(|t| !t.trim().is_empty())
            else {
                continue;
            };
            let target = match Url::parse(entry.request.url.trim())
                .and_then(|base| base.join(target.trim()))
            {
                Ok(u) => url_key(u.as_str()),
                Err(_) => url_key(target),
            };
            let method = entry.request.method.as_str();
            let best = by_url
                .get(target.as_str())
                .into_iter()
                .flatten()
                .copied()
                .filter(|&j| j != i && prev.get(j).copied().flatten().is_none() && after(i, j))
                .filter(|&j| {
                    entries.get(j).is_some_and(|e| {
                        let m = e.request.method.as_str();
                        m == method
                            || (m == "GET"
                                && (status == 303
                                    || (matches!(status, 301 | 302) && method == "POST")))
                    })
                })
                .min_by_key(|&j| distance(i, j));
            if let Some(j) = best {
                if let (Some(nx), Some(pv)) = (next.get_mut(i), prev.get_mut(j)) {
                    *nx = Some(j);
                    *pv = Some(i);
                }
            }
        }

        // Preflights.
        let mut preflight_of: Vec<Option<usize>> = vec![None; n];
        let mut paired = vec![false; n];
        let by_id: HashMap<&str, usize> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| !preflight.get(*i).copied().unwrap_or(true))
            .filter_map(|(i, e)| e.request_id.as_deref().map(|id| (id, i)))
            .collect();
        for (p, entry) in entries.iter().enumerate() {
            if !preflight.get(p).copied().unwrap_or(false) {
                continue;
            }
            let by_request_id = entry
                .initiator
                .as_ref()
                .and_then(|ini| ini.request_id.as_deref())
                .and_then(|id| by_id.get(id).copied())
                .filter(|&r| preflight_of.get(r).copied().flatten().is_none());
            let chosen = by_request_id.or_else(|| {
                let acrm = entry
                    .request
                    .header("access-control-request-method")
                    .map(str::trim);
                let mut urls = vec![keys.get(p).map(String::as_str).unwrap_or("")];
                let initiator_url = entry
                    .initiator
                    .as_ref()
                    .and_then(|i| i.url.as_deref())
                    .map(url_key);
                if let Some(u) = initiator_url.as_deref() {
                    urls.push(u);
                }
                urls.iter()
                    .filter_map(|u| by_url.get(u))
                    .flatten()
                    .copied()
                    .filter(|&r| preflight_of.get(r).copied().flatten().is_none())
                    .filter(|&r| {
                        entries.get(r).is_some_and(|e| match acrm {
                            Some(m) => e.request.method == m,
                            None => !e.request.method.eq_ignore_ascii_case("OPTIONS"),
                        })
                    })
                    .filter(|&r| match (time(p), time(r)) {
                        (Some(tp), Some(tr)) => tr >= tp.saturating_sub(PREFLIGHT_SKEW_US),
                        _ => r > p,
                    })
                    .min_by_key(|&r| distance(p, r))
            });
            if let Some(r) = chosen {
                if let (Some(slot), Some(done)) = (preflight_of.get_mut(r), paired.get_mut(p)) {
                    *slot = Some(p);
                    *done = true;
                }
            }
        }

        // Exchanges.
        let mut visited = vec![false; n];
        let mut out = Vec::new();
        let heads = (0..n).filter(|&i| prev.get(i).copied().flatten().is_none());
        // Entries not reached from a head are on a cycle: start there.
        let rest: Vec<usize> = (0..n).collect();
        for start in heads.collect::<Vec<_>>().into_iter().chain(rest) {
            if preflight.get(start).copied().unwrap_or(true)
                || visited.get(start).copied().unwrap_or(true)
            {
                continue;
            }
            if let Some(v) = visited.get_mut(start) {
                *v = true;
            }
            let mut exchange = Exchange {
                request: start,
                preflight: preflight_of.get(start).copied().flatten(),
                ..Exchange::default()
            };
            let mut cursor = next.get(start).copied().flatten();
            while let Some(hop) = cursor {
                match visited.get_mut(hop) {
                    Some(v) if !*v => *v = true,
                    _ => break,
                }
                exchange.redirects.push(hop);
                exchange
                    .redirect_preflights
                    .push(preflight_of.get(hop).copied().flatten());
                cursor = next.get(hop).copied().flatten();
            }
            out.push(exchange);
        }
        for p in 0..n {
            if preflight.get(p).copied().unwrap_or(false) && !paired.get(p).copied().unwrap_or(true)
            {
                out.push(Exchange {
                    request: p,
                    preflight: Some(p),
                    lone_preflight: true,
                    ..Exchange::default()
                });
            }
        }
        out.sort_by_key(|e| e.request);
        out
    }
}

fn entry_at(method: &str, url: &str, ms: u64) -> Entry {
    let mut e = Entry {
        started: Some(format!(
            "2024-05-01T10:{:02}:{:02}.{:03}Z",
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )),
        ..Entry::default()
    };
    e.request.method = method.into();
    e.request.url = url.into();
    e.response.status = 200;
    e
}

fn preflight_at(url: &str, acrm: &str, ms: u64) -> Entry {
    let mut e = entry_at("OPTIONS", url, ms);
    e.request.headers = h(&[("Access-Control-Request-Method", acrm)]);
    e.response.status = 204;
    e
}

fn redirect_at(method: &str, url: &str, to: &str, ms: u64) -> Entry {
    let mut e = entry_at(method, url, ms);
    e.response.status = 302;
    e.response.redirect_url = Some(to.into());
    e
}

fn x(request: usize, preflight: Option<usize>) -> Exchange {
    Exchange {
        request,
        preflight,
        ..Exchange::default()
    }
}

fn chain(request: usize, redirects: &[usize], preflights: &[Option<usize>]) -> Exchange {
    Exchange {
        request,
        redirects: redirects.to_vec(),
        redirect_preflights: preflights.to_vec(),
        ..Exchange::default()
    }
}

fn lone(p: usize) -> Exchange {
    Exchange {
        request: p,
        preflight: Some(p),
        lone_preflight: true,
        ..Exchange::default()
    }
}

#[test]
fn pairing_by_index_table() {
    let u = "https://api.example.com/x";
    let v = "https://api.example.com/v";
    let many = |chrome_order: bool| {
        // 600 PUTs to one URL, each with its own preflight: every lookup is
        // in the same index entry, and each pair is still found.
        let mut entries = Vec::new();
        for i in 0..600u64 {
            let (p, r) = (
                preflight_at(u, "PUT", i * 100),
                entry_at("PUT", u, i * 100 + 2),
            );
            if chrome_order {
                entries.push(r);
                entries.push(p);
            } else {
                entries.push(p);
                entries.push(r);
            }
        }
        entries
    };
    let many_expected = |chrome_order: bool| -> Vec<Exchange> {
        (0..600)
            .map(|i| {
                if chrome_order {
                    x(2 * i, Some(2 * i + 1))
                } else {
                    x(2 * i + 1, Some(2 * i))
                }
            })
            .collect()
    };
    let mut ids = vec![
        entry_at("PUT", u, 0),
        entry_at("PUT", u, 1),
        preflight_at(u, "PUT", 2),
    ];
    ids[0].request_id = Some("a".into());
    ids[1].request_id = Some("b".into());
    ids[2].initiator = Some(corsair_doctor::har::Initiator {
        kind: "preflight".into(),
        url: Some(u.into()),
        request_id: Some("b".into()),
    });
    let far = {
        let mut entries = vec![preflight_at(u, "PUT", 0)];
        for i in 0..PAIR_WINDOW as u64 + 5 {
            entries.push(entry_at(
                "GET",
                &format!("https://api.example.com/g/{i}"),
                1,
            ));
        }
        entries.push(entry_at("PUT", u, 2));
        entries
    };
    let far_expected: Vec<Exchange> = std::iter::once(lone(0))
        .chain((1..far.len()).map(|i| x(i, None)))
        .collect();
    let cases: Vec<(&str, Vec<Entry>, Vec<Exchange>)> = vec![
        (
            "Chrome: the request, then its preflight",
            vec![entry_at("PUT", u, 0), preflight_at(u, "PUT", 2)],
            vec![x(0, Some(1))],
        ),
        (
            "Firefox: the preflight, then its request",
            vec![preflight_at(u, "PUT", 0), entry_at("PUT", u, 3)],
            vec![x(1, Some(0))],
        ),
        (
            "an earlier request that used a cached preflight is not the one",
            vec![
                entry_at("PUT", u, 0),
                preflight_at(u, "PUT", 500),
                entry_at("PUT", u, 505),
            ],
            vec![x(0, None), x(2, Some(1))],
        ),
        (
            "another method or URL is not the request",
            vec![
                preflight_at(u, "PUT", 0),
                entry_at("DELETE", u, 1),
                entry_at("PUT", v, 2),
            ],
            vec![lone(0), x(1, None), x(2, None)],
        ),
        (
            "the request id decides",
            ids,
            vec![x(0, None), x(1, Some(2))],
        ),
        (
            "many pairs on one URL, Chrome order",
            many(true),
            many_expected(true),
        ),
        (
            "many pairs on one URL, Firefox order",
            many(false),
            many_expected(false),
        ),
        (
            "a redirect chain by index, another request in between",
            vec![
                redirect_at("GET", "https://a.example/a", "/b", 0),
                entry_at("GET", "https://a.example/x", 1),
                redirect_at("GET", "https://a.example/b", "https://a.example/c", 2),
                entry_at("GET", "https://a.example/c", 3),
            ],
            vec![chain(0, &[2, 3], &[None, None]), x(1, None)],
        ),
        (
            "a hop to another origin with its own preflight",
            vec![
                redirect_at("PUT", "https://a.example/1", "https://b.example/2", 0),
                preflight_at("https://b.example/2", "PUT", 1),
                entry_at("PUT", "https://b.example/2", 2),
            ],
            vec![chain(0, &[2], &[Some(1)])],
        ),
        (
            "a preflight further than the window from its request is alone",
            far,
            far_expected,
        ),
    ];
    for (name, entries, expected) in cases {
        assert_eq!(pair(&entries), expected, "{name}");
        if !name.contains("window") {
            assert_eq!(
                reference::old_pair(&entries),
                expected,
                "{name} (former pairing)"
            );
        }
    }
}

#[test]
fn redirect_chains_are_cut_at_the_browsers_bound() {
    // 30 entries: the first request and 29 hops; 21 are kept, 8 are cut.
    let entries: Vec<Entry> = (0..30u64)
        .map(|i| {
            let url = format!("https://a.example/{i}");
            if i == 29 {
                entry_at("GET", &url, i)
            } else {
                redirect_at("GET", &url, &format!("https://a.example/{}", i + 1), i)
            }
        })
        .collect();
    let (exchanges, stats) = pair_counted(&entries);
    assert_eq!(exchanges.len(), 1);
    assert_eq!(
        exchanges[0].redirects,
        (1..=MAX_KEPT_HOPS).collect::<Vec<_>>()
    );
    assert_eq!(stats.hops_cut, 30 - 1 - MAX_KEPT_HOPS);
    assert_eq!(stats.chains_cut, vec![(0, 30 - 1 - MAX_KEPT_HOPS)]);
    // The verdict is the browser's: too many redirects.
    let mut json = String::from(r#"{"log": {"entries": ["#);
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        let redirect = e
            .response
            .redirect_url
            .as_deref()
            .map(|l| format!(r#", "redirectURL": "{l}""#))
            .unwrap_or_default();
        let location = e
            .response
            .redirect_url
            .as_deref()
            .map(|l| format!(r#", {{"name": "Location", "value": "{l}"}}"#))
            .unwrap_or_default();
        json.push_str(&format!(
            r#"{{"request": {{"method": "GET", "url": "{}", "headers": [{{"name": "Origin", "value": "https://app.example"}}]}},
                "response": {{"status": {}{redirect}, "headers": [{{"name": "Access-Control-Allow-Origin", "value": "*"}}{location}]}}}}"#,
            e.request.url, e.response.status
        ));
    }
    json.push_str("]}}");
    let report = analyze(json.as_bytes(), Profile::Chrome).unwrap();
    assert_eq!(report.requests.len(), 1);
    let verdict = &report.requests[0].verdict;
    let blocked = verdict
        .blocked
        .as_ref()
        .unwrap_or_else(|| panic!("{verdict:#?}"));
    assert!(
        blocked.reason.contains("ERR_TOO_MANY_REDIRECTS"),
        "{blocked:?}"
    );
    assert_eq!(report.pairing.hops_cut, 8);
}

/// A deterministic mixed export: preflights in both orders, cached
/// requests, redirects to other origins with their preflights, repeated
/// URLs, entries without times.
fn mixed_export(n: usize, seed: u64) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut seed = seed | 1;
    let mut rand = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let mut ms = 0u64;
    while entries.len() < n {
        ms += 1 + rand(40);
        let url = format!("https://api.example.com/r/{}", rand(50));
        match rand(6) {
            0 => {
                entries.push(entry_at("PUT", &url, ms));
                entries.push(preflight_at(&url, "PUT", ms + 1));
            }
            1 => {
                entries.push(preflight_at(&url, "DELETE", ms));
                entries.push(entry_at("DELETE", &url, ms + 3));
            }
            2 => {
                let to = format!("https://cdn.example.net/r/{}", rand(50));
                entries.push(redirect_at("PUT", &url, &to, ms));
                entries.push(preflight_at(&to, "PUT", ms + 2));
                entries.push(entry_at("PUT", &to, ms + 3));
            }
            3 => {
                let mut e = entry_at("GET", &url, ms);
                e.started = None;
                entries.push(e);
            }
            _ => entries.push(entry_at("GET", &url, ms)),
        }
    }
    entries
}

#[test]
fn streaming_pairing_finds_the_former_exchanges() {
    for name in ["chrome.har", "firefox.har", "chrome-sanitized.har"] {
        let (_, entries) = read_all(&data(name)).unwrap();
        assert_eq!(pair(&entries), reference::old_pair(&entries), "{name}");
    }
    for seed in [0x2545_f491, 7, 1_000_003, 0xdead_beef, 42] {
        let entries = mixed_export(3000, seed);
        assert_eq!(pair(&entries), reference::old_pair(&entries), "seed {seed}");
    }
}

#[test]
fn judged_output_is_the_former_one_on_the_fixtures() {
    // The verdicts of the streaming judge against the exchanges of the
    // former pairing judged one by one: the same requests, the same order,
    // the same verdicts.
    for name in ["chrome.har", "firefox.har", "chrome-sanitized.har"] {
        for profile in [Profile::Chrome, Profile::Firefox] {
            let bytes = data(name);
            let report = analyze(bytes.as_slice(), profile).unwrap();
            let (summary, entries) = read_all(&bytes).unwrap();
            let judge = Judge::new(&summary, profile);
            let former: Vec<_> = reference::old_pair(&entries)
                .into_iter()
                .filter_map(|exchange| {
                    let group = Group {
                        entries: entries.iter().cloned().map(slim).collect(),
                        exchange,
                    };
                    judge.judge(&group)
                })
                .collect();
            assert!(!former.is_empty(), "{name}");
            assert_eq!(report.requests, former, "{name} {profile:?}");
        }
    }
}

#[test]
fn skipped_entries_keep_every_number() {
    let json = r#"{"log": {"entries": [
        {"request": {"method": "GET", "url": "https://api.example.com/0", "headers": [{"name": "Origin", "value": "https://app.example"}]},
         "response": {"status": 200, "headers": []}},
        42,
        {"request": {"method": "OPTIONS", "url": "https://api.example.com/3", "headers": [
            {"name": "Origin", "value": "https://app.example"},
            {"name": "Access-Control-Request-Method", "value": "PUT"}]},
         "response": {"status": 204, "headers": [{"name": "Access-Control-Allow-Origin", "value": "https://app.example"}]}},
        {"request": {"method": "PUT", "url": "https://api.example.com/3", "headers": [{"name": "Origin", "value": "https://app.example"}]},
         "response": {"status": 200, "headers": [{"name": "Access-Control-Allow-Origin", "value": "https://app.example"}]}},
        {"request": "broken"},
        {"request": {"method": "GET", "url": "https://api.example.com/5", "headers": [{"name": "Origin", "value": "https://app.example"}]},
         "response": {"status": 200, "headers": []}}
    ]}}"#;
    let report = analyze(json.as_bytes(), Profile::Chrome).unwrap();
    assert_eq!(report.summary.entries, 4);
    assert_eq!(report.summary.skipped, 2);
    let skipped: Vec<usize> = report
        .summary
        .skipped_reasons
        .iter()
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(skipped, vec![1, 4]);
    let numbers: Vec<(usize, Option<usize>)> = report
        .requests
        .iter()
        .map(|r| (r.entry, r.preflight_entry))
        .collect();
    assert_eq!(numbers, vec![(0, None), (3, Some(2)), (5, None)]);
}

#[test]
fn truncated_export_is_judged_up_to_the_cut() {
    let bytes = data("firefox.har");
    let text = String::from_utf8(bytes).unwrap();
    // Cut inside the last entry: the preflight and the DELETE are judged.
    let cut = text.rfind("\"request\"").unwrap();
    let part = &text.as_bytes()[..cut];
    let (summary, error) = read_partial(part, |_| {});
    assert!(
        matches!(error, Some(HarError::Truncated { .. })),
        "{error:?}"
    );
    assert_eq!(summary.entries, 2);
    let mut verdicts = Vec::new();
    let (_, error) = judge_stream(part, &summary, Profile::Chrome, |v| verdicts.push(v));
    assert!(matches!(error, Some(HarError::Truncated { .. })));
    assert_eq!(verdicts.len(), 1);
    assert_eq!(
        (verdicts[0].entry, verdicts[0].preflight_entry),
        (1, Some(0))
    );
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

/// Generates an export of `n` small entries, a piece at a time: every
/// tenth a cross-origin PUT after its preflight, the rest same-origin GETs,
/// every 97th malformed.
struct SmallEntries {
    n: usize,
    next: usize,
    text: Vec<u8>,
    pos: usize,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl Read for SmallEntries {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.text.len() {
            self.pos = 0;
            self.text.clear();
            let i = self.next;
            if i > self.n {
                return Ok(0);
            }
            self.next += 1;
            if i == self.n {
                self.text.extend_from_slice(b"]}}");
                continue;
            }
            let head = if i == 0 {
                r#"{"log": {"pages": [{"id": "p", "title": "https://app.example.com/"}], "entries": ["#
            } else {
                ","
            };
            let ms = i % 1000;
            let s = i / 1000 % 60;
            let body = if i % 97 == 5 {
                "\"malformed\"".to_owned()
            } else if i % 10 == 0 {
                format!(
                    r#"{{"pageref": "p", "startedDateTime": "2024-05-01T10:00:{s:02}.{ms:03}Z", "request": {{"method": "OPTIONS", "url": "https://api.example.com/{i}", "headers": [{{"name": "Access-Control-Request-Method", "value": "PUT"}}]}}, "response": {{"status": 204, "headers": [{{"name": "Access-Control-Allow-Origin", "value": "https://app.example.com"}}]}}}}"#
                )
            } else if i % 10 == 1 {
                format!(
                    r#"{{"pageref": "p", "startedDateTime": "2024-05-01T10:00:{s:02}.{ms:03}Z", "request": {{"method": "PUT", "url": "https://api.example.com/{}", "headers": [{{"name": "Origin", "value": "https://app.example.com"}}]}}, "response": {{"status": 200, "headers": []}}}}"#,
                    i - 1
                )
            } else {
                format!(
                    r#"{{"startedDateTime": "2024-05-01T10:00:{s:02}.{ms:03}Z", "request": {{"method": "GET", "url": "https://app.example.com/{i}"}}, "response": {{"status": 200}}}}"#
                )
            };
            self.text.extend_from_slice(head.as_bytes());
            self.text.extend_from_slice(body.as_bytes());
        }
        let n = (self.text.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.text[self.pos..self.pos + n]);
        self.pos += n;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

#[test]
fn large_generated_export_is_judged_as_it_streams() {
    let n = 30_000;
    let source = |read| SmallEntries {
        n,
        next: 0,
        text: Vec::new(),
        pos: 0,
        read,
    };
    let counter = std::rc::Rc::new(std::cell::Cell::new(0));
    let summary = read(source(counter.clone()), |_| {}).unwrap();
    let total = counter.get();
    let malformed = (0..n).filter(|i| i % 97 == 5).count();
    assert_eq!(summary.skipped, malformed);
    assert_eq!(summary.entries, n - malformed);

    let counter = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut first_at = None;
    let mut verdicts = 0;
    let mut last = None;
    let (stats, error) = judge_stream(source(counter.clone()), &summary, Profile::Chrome, |v| {
        first_at.get_or_insert(counter.get());
        // Every PUT comes with its preflight, numbered as in the file, in
        // file order (unless that entry is a malformed one: then the PUT
        // is alone, or the preflight).
        let preflight = if v.entry % 10 == 0 {
            Some(v.entry)
        } else {
            Some(v.entry - 1).filter(|p| p % 97 != 5)
        };
        assert_eq!(v.preflight_entry, preflight, "{}", v.entry);
        assert!(last < Some(v.entry));
        last = Some(v.entry);
        verdicts += 1;
    });
    assert!(error.is_none());
    assert_eq!(stats, Default::default());
    let puts = (0..n).filter(|i| i % 10 == 1 && i % 97 != 5).count();
    let lone = (0..n)
        .filter(|i| i % 10 == 0 && i % 97 != 5 && (i + 1) % 97 == 5)
        .count();
    assert_eq!(verdicts, puts + lone);
    // Judged while reading: the first verdict came within the first tenth
    // of the file (the pairing window is 1024 entries).
    let first_at = first_at.unwrap();
    assert!(first_at < total / 10, "{first_at} of {total}");
}

#[test]
fn the_pending_window_is_bounded_in_bytes() {
    // 1,500 entries of 48 KiB of headers each (72 MB) while the window
    // holds 64 MiB: the oldest exchanges are handed over early, and every
    // entry is still in exactly one exchange.
    let value = "v".repeat(8 * 1024);
    let mut entries = Vec::new();
    for i in 0..1500u64 {
        let url = format!("https://api.example.com/{}", i / 2);
        let mut e = if i % 2 == 0 {
            preflight_at(&url, "PUT", i)
        } else {
            entry_at("PUT", &url, i)
        };
        for n in 0..6 {
            e.request
                .headers
                .push((format!("x-big-{n}"), value.clone()));
        }
        entries.push(e);
    }
    let (exchanges, stats) = pair_counted(&entries);
    assert!(stats.forced > 0, "{stats:?}");
    let mut seen = vec![0; entries.len()];
    for x in &exchanges {
        seen[x.request] += 1;
        if let Some(p) = x.preflight.filter(|&p| p != x.request) {
            seen[p] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1));
    // What could still pair before the bound was reached did.
    let paired = exchanges
        .iter()
        .filter(|x| !x.lone_preflight && x.preflight.is_some());
    assert!(paired.count() > 700);
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
