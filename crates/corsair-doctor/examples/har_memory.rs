//! Reads a 200 MB HAR generated on the fly (never held in memory) and prints
//! the process's peak resident memory (`VmHWM`), to show that
//! `corsair_doctor::har::read` works in bounded memory.
//!
//! ```text
//! cargo run -p corsair-doctor --example har_memory [MEGABYTES] [drop]
//! ```
//!
//! The file has one page, entries with 100 KiB base64 response bodies and
//! JSON request bodies, a preflight before every twentieth entry, and a few
//! 8 MB bodies. Every entry goes through the streaming pairing (as
//! `corsair har` does), which holds a bounded window of them; with `drop`,
//! entries are only counted, which shows the reader's own footprint.

// The generator the HAR tests use, shared as a file: an example cannot
// depend on a test's modules.
#[path = "../tests/support/generated.rs"]
mod generated;

use corsair_doctor::har::{read, Group, Pairer};
use generated::{Generated, Piece, Pieces};
use std::io::{self, Read};
use std::time::Instant;

/// Generates the HAR text piece by piece.
struct LazyHar {
    target: u64,
    produced: u64,
    next_entry: usize,
    finished: bool,
}

impl LazyHar {
    fn new(target: u64) -> Generated<LazyHar> {
        let head = r#"{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
  "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1", "title": "https://app.example.com/", "pageTimings": {"onContentLoad": 1, "onLoad": 2}}],
  "entries": ["#;
        Generated::new(
            head.as_bytes(),
            LazyHar {
                target,
                produced: 0,
                next_entry: 0,
                finished: false,
            },
        )
    }
}

impl Pieces for LazyHar {
    fn next_piece(&mut self) -> Option<Piece> {
        if self.produced >= self.target {
            if self.finished {
                return None;
            }
            self.finished = true;
            return Some(Piece {
                text: b"\n]}}\n".to_vec(),
                fill: 0,
                after: Vec::new(),
            });
        }
        let i = self.next_entry;
        self.next_entry += 1;
        let comma = if i == 0 { "" } else { "," };
        let ms = i % 1000;
        let secs = i / 1000;
        let url = format!("https://api.example.com/v1/items/{}", i / 2);
        let slot = i % 20;
        if slot == 0 {
            // A preflight, then (next entry) its PUT.
            let text = format!(
                r#"{comma}
{{"_initiator": {{"type": "preflight", "url": "{url}", "requestId": "{i}.1"}}, "_resourceType": "preflight", "pageref": "page_1",
 "startedDateTime": "2024-05-01T10:{:02}:{:02}.{ms:03}Z",
 "request": {{"method": "OPTIONS", "url": "{url}", "httpVersion": "http/2.0", "headers": [
   {{"name": ":authority", "value": "api.example.com"}}, {{"name": ":method", "value": "OPTIONS"}},
   {{"name": "access-control-request-method", "value": "PUT"}}, {{"name": "origin", "value": "https://app.example.com"}}]}},
 "response": {{"status": 204, "headers": [{{"name": "access-control-allow-origin", "value": "https://app.example.com"}}], "content": {{"size": 0, "mimeType": "x-unknown"}}, "redirectURL": ""}},
 "timings": {{"wait": 3}}}}"#,
                secs / 60,
                secs % 60
            )
            .into_bytes();
            self.produced += text.len() as u64;
            return Some(Piece {
                text,
                fill: 0,
                after: Vec::new(),
            });
        }
        let method = if slot == 1 { "PUT" } else { "GET" };
        let body_len = if i % 500 == 7 { 8 << 20 } else { 100 << 10 };
        let text = format!(
            r#"{comma}
{{"_initiator": {{"type": "script", "stack": {{"callFrames": [{{"functionName": "load", "url": "https://app.example.com/app.js", "lineNumber": 10, "columnNumber": 2}}]}}}},
 "_resourceType": "fetch", "pageref": "page_1", "startedDateTime": "2024-05-01T10:{:02}:{:02}.{ms:03}Z",
 "request": {{"method": "{method}", "url": "{url}", "httpVersion": "http/2.0", "headers": [
   {{"name": "accept", "value": "application/json"}}, {{"name": "origin", "value": "https://app.example.com"}},
   {{"name": "content-type", "value": "application/json"}}],
   "postData": {{"mimeType": "application/json", "text": "{{\"id\": {i}, \"note\": \"caf\u00e9 \\\"quoted\\\"\"}}"}}}},
 "response": {{"status": 200, "headers": [{{"name": "access-control-allow-origin", "value": "https://app.example.com"}}],
   "content": {{"size": {body_len}, "mimeType": "image/png", "encoding": "base64", "text": ""#,
            secs / 60,
            secs % 60
        )
        .into_bytes();
        let after = br#""}, "redirectURL": ""}, "timings": {"wait": 5}}"#.to_vec();
        self.produced += (text.len() + body_len + after.len()) as u64;
        Some(Piece {
            text,
            fill: body_len,
            after,
        })
    }
}

/// A line of `/proc/self/status` (`VmHWM`: peak resident set size).
fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).map(|l| {
                l.trim_start_matches(field)
                    .trim_start_matches(':')
                    .trim()
                    .to_owned()
            })
        })
        .unwrap_or_else(|| "n/a (no /proc/self/status)".into())
}

/// Counts the bytes it hands on.
struct Counting<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

fn main() {
    let megabytes: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let keep = std::env::args().nth(2).as_deref() != Some("drop");
    println!("VmHWM before: {}", status("VmHWM"));
    let start = Instant::now();
    let mut source = Counting {
        inner: LazyHar::new(megabytes << 20),
        bytes: 0,
    };
    let mut pairer = Pairer::new();
    let (mut exchanges, mut preflighted, mut kept) = (0usize, 0usize, 0usize);
    let mut count = |g: Group| {
        exchanges += 1;
        preflighted += usize::from(g.exchange.preflight.is_some());
    };
    let summary = match read(&mut source, |e| {
        if keep {
            kept += 1;
            pairer.push(e, &mut count);
        }
    }) {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    pairer.finish(&mut count);
    println!(
        "read {:.1} MB: {} entries ({} skipped, {} kept), {} pages, {} exchanges ({} with a preflight) in {:.2?}",
        source.bytes as f64 / 1e6,
        summary.entries,
        summary.skipped,
        kept,
        summary.pages.len(),
        exchanges,
        preflighted,
        start.elapsed()
    );
    println!("VmHWM after: {}", status("VmHWM"));
}
