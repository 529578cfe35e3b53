//! HAR judging: the streaming judge's verdicts against the former
//! pairing's, stable entry numbers, a cut export judged up to the cut, and
//! bounded memory and an early first verdict on large generated exports.

mod support;

use corsair_core::Profile;
use corsair_doctor::har::{pair_counted, read, read_partial, Group, HarError};
use corsair_doctor::har_check::{analyze, judge_stream, slim, Judge};
use std::io::{self, Read};
use support::{data, entry_at, preflight_at, read_all, reference};

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
