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

use corsair_doctor::har::{read, Group, Pairer};
use std::io::{self, Read};
use std::time::Instant;

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

/// Generates the HAR text piece by piece.
struct LazyHar {
    target: u64,
    produced: u64,
    next_entry: usize,
    text: Vec<u8>,
    pos: usize,
    fill: usize,
    after: Vec<u8>,
    finished: bool,
}

impl LazyHar {
    fn new(target: u64) -> Self {
        let head = r#"{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
  "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1", "title": "https://app.example.com/", "pageTimings": {"onContentLoad": 1, "onLoad": 2}}],
  "entries": ["#;
        LazyHar {
            target,
            produced: 0,
            next_entry: 0,
            text: head.as_bytes().to_vec(),
            pos: 0,
            fill: 0,
            after: Vec::new(),
            finished: false,
        }
    }

    fn next_piece(&mut self) {
        self.pos = 0;
        if !self.after.is_empty() {
            self.text = std::mem::take(&mut self.after);
            return;
        }
        self.text.clear();
        if self.produced >= self.target {
            if !self.finished {
                self.text.extend_from_slice(b"\n]}}\n");
                self.finished = true;
            }
            return;
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
            self.text = format!(
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
            self.produced += self.text.len() as u64;
            return;
        }
        let method = if slot == 1 { "PUT" } else { "GET" };
        let body_len = if i % 500 == 7 { 8 << 20 } else { 100 << 10 };
        self.text = format!(
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
        self.fill = body_len;
        self.after = br#""}, "redirectURL": ""}, "timings": {"wait": 5}}"#.to_vec();
        self.produced += (self.text.len() + body_len + self.after.len()) as u64;
    }
}

impl Read for LazyHar {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(rest) = self.text.get(self.pos..).filter(|r| !r.is_empty()) {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.pos += n;
                return Ok(n);
            }
            if self.fill > 0 {
                let n = self.fill.min(FILL.len()).min(buf.len());
                buf[..n].copy_from_slice(&FILL[..n]);
                self.fill -= n;
                return Ok(n);
            }
            if self.finished && self.after.is_empty() {
                return Ok(0);
            }
            self.next_piece();
        }
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
