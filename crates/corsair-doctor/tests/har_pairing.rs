//! HAR pairing: preflights with their requests and redirect hops (by
//! index, as the entries stream by), table-driven cases, the window, the
//! chain bound, and the same exchanges as the former whole-file pairing.

mod support;

use corsair_core::Profile;
use corsair_doctor::har::{pair, pair_counted, Entry, Exchange, MAX_KEPT_HOPS, PAIR_WINDOW};
use corsair_doctor::har_check::analyze;
use support::{chain, data, entry_at, h, lone, preflight_at, read_all, redirect_at, reference, x};

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
