//! The verdict as one line of JSON, written directly into a buffer.
//!
//! `serde_json` escapes strings one byte at a time, which was a quarter of
//! all the work of a JSON Lines batch (a verdict is ~1.5 KB of mostly prose).
//! This writer produces the same bytes as `serde_json::to_writer` on the
//! derived `Serialize` (a test checks that on the whole corpus, for every
//! browser profile) and scans strings eight bytes at a time.

use corsair_core::catalog::{Finding, Severity};
use corsair_core::verdict::{Blocked, Missing, Preflight, SentRequest, Stage, Step};
use corsair_core::{Outcome, Profile, Verdict};

/// Appends `v` as compact JSON (no trailing newline).
pub fn write_verdict(out: &mut Vec<u8>, v: &Verdict) {
    out.extend_from_slice(b"{\"browser\":");
    string(out, profile(v.browser));
    out.extend_from_slice(b",\"cross_origin\":");
    boolean(out, v.cross_origin);
    out.extend_from_slice(b",\"preflight\":");
    preflight(out, &v.preflight);
    out.extend_from_slice(b",\"outcome\":");
    string(out, outcome(v.outcome));
    out.extend_from_slice(b",\"blocked\":");
    match &v.blocked {
        Some(b) => blocked(out, b),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"missing\":");
    match &v.missing {
        Some(m) => missing(out, m),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"console\":{\"chrome\":");
    opt_string(out, v.console.chrome.as_deref());
    out.extend_from_slice(b",\"firefox\":");
    opt_string(out, v.console.firefox.as_deref());
    out.extend_from_slice(b",\"safari\":");
    strings(out, &v.console.safari);
    out.extend_from_slice(b"},\"readable_response_headers\":");
    strings(out, &v.readable_response_headers);
    out.extend_from_slice(b",\"status\":");
    match v.status {
        Some(s) => out.extend_from_slice(s.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"findings\":[");
    for (i, f) in v.findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        finding(out, f);
    }
    out.extend_from_slice(b"],\"request\":");
    request(out, &v.request);
    out.extend_from_slice(b",\"urls\":");
    strings(out, &v.urls);
    if let Some(e) = &v.engines {
        out.extend_from_slice(b",\"engines\":{\"chrome\":");
        string(out, outcome(e.chrome));
        out.extend_from_slice(b",\"firefox\":");
        string(out, outcome(e.firefox));
        out.extend_from_slice(b",\"safari\":");
        string(out, outcome(e.safari));
        out.extend_from_slice(b",\"summary\":");
        string(out, &e.summary);
        out.push(b'}');
    }
    if !v.steps.is_empty() {
        out.extend_from_slice(b",\"steps\":[");
        for (i, s) in v.steps.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            step(out, s);
        }
        out.push(b']');
    }
    out.push(b'}');
}

fn preflight(out: &mut Vec<u8>, p: &Preflight) {
    out.extend_from_slice(b"{\"required\":");
    boolean(out, p.required);
    out.extend_from_slice(b",\"reasons\":");
    strings(out, &p.reasons);
    out.extend_from_slice(b",\"request_headers\":");
    pairs(out, &p.request_headers);
    if let Some(secs) = p.cache_seconds {
        out.extend_from_slice(b",\"cache_seconds\":");
        out.extend_from_slice(secs.to_string().as_bytes());
    }
    out.push(b'}');
}

fn blocked(out: &mut Vec<u8>, b: &Blocked) {
    out.extend_from_slice(b"{\"stage\":");
    string(out, stage(b.stage));
    out.extend_from_slice(b",\"cors_error\":");
    opt_string(out, b.cors_error.map(|e| e.name()));
    out.extend_from_slice(b",\"failed_parameter\":");
    string(out, &b.failed_parameter);
    out.extend_from_slice(b",\"url\":");
    string(out, &b.url);
    out.extend_from_slice(b",\"reason\":");
    string(out, &b.reason);
    out.push(b'}');
}

/// The verdict as a JSON value, byte for byte what `explain --json` writes
/// (for reports that embed it: `check`, `har`). An error here is a bug in
/// the writer; it is reported, never shown as `null`.
pub fn verdict_value(v: &Verdict) -> Result<serde_json::Value, serde_json::Error> {
    let mut buf = Vec::new();
    write_verdict(&mut buf, v);
    serde_json::from_slice(&buf)
}

fn missing(out: &mut Vec<u8>, m: &Missing) {
    out.extend_from_slice(b"{\"stage\":");
    string(out, stage(m.stage));
    out.extend_from_slice(b",\"url\":");
    string(out, &m.url);
    if let Some(r) = &m.request {
        out.extend_from_slice(b",\"request\":{\"method\":");
        string(out, &r.method);
        out.extend_from_slice(b",\"url\":");
        string(out, &r.url);
        out.extend_from_slice(b",\"headers\":");
        pairs(out, &r.headers);
        out.extend_from_slice(if r.credentials {
            b",\"credentials\":true}"
        } else {
            b",\"credentials\":false}"
        });
    }
    out.push(b'}');
}

fn finding(out: &mut Vec<u8>, f: &Finding) {
    out.extend_from_slice(b"{\"slug\":");
    string(out, f.slug.name());
    out.extend_from_slice(b",\"severity\":");
    string(out, severity(f.severity));
    out.extend_from_slice(b",\"title\":");
    string(out, &f.title);
    out.extend_from_slice(b",\"explanation\":");
    string(out, &f.explanation);
    out.extend_from_slice(b",\"fix\":");
    string(out, &f.fix);
    out.push(b'}');
}

fn request(out: &mut Vec<u8>, r: &SentRequest) {
    out.extend_from_slice(b"{\"method\":");
    string(out, &r.method);
    out.extend_from_slice(b",\"origin\":");
    opt_string(out, r.origin.as_deref());
    out.extend_from_slice(b",\"headers\":");
    pairs(out, &r.headers);
    out.extend_from_slice(b",\"dropped_headers\":");
    pairs(out, &r.dropped_headers);
    out.push(b'}');
}

fn step(out: &mut Vec<u8>, s: &Step) {
    out.extend_from_slice(b"{\"stage\":");
    string(out, stage(s.stage));
    out.extend_from_slice(b",\"passed\":");
    match s.passed {
        Some(p) => boolean(out, p),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"text\":");
    string(out, &s.text);
    out.push(b'}');
}

// The names below are the serde names of these enums; the equivalence test
// with `serde_json` catches any drift.
fn profile(p: Profile) -> &'static str {
    p.name()
}

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Allowed => "allowed",
        Outcome::Blocked => "blocked",
        Outcome::Incomplete => "incomplete",
        Outcome::SameOrigin => "same-origin",
        Outcome::Opaque => "opaque",
    }
}

fn stage(s: Stage) -> &'static str {
    match s {
        Stage::Request => "request",
        Stage::Preflight => "preflight",
        Stage::Redirect => "redirect",
        Stage::Response => "response",
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn strings(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

fn pairs(out: &mut Vec<u8>, items: &[(String, String)]) {
    out.push(b'[');
    for (i, (a, b)) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        string(out, a);
        out.push(b',');
        string(out, b);
        out.push(b']');
    }
    out.push(b']');
}

/// Nonzero when any byte of the 8-byte word is below 0x20, `"` or `\`
/// (the bytes JSON must escape), with the usual SWAR zero-byte test.
fn escape_bits(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    // Bytes below 0x20: (b - 0x20) borrows into the high bit of a byte that
    // had it clear.
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    (below_space | zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\'))))
        & HIGHS
}

/// Whether no byte of the chunk needs escaping: no early exit, so that
/// the compiler can test the bytes side by side.
fn clean(chunk: &[u8; 32]) -> bool {
    !chunk.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// A byte JSON escapes.
fn is_escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The index of the first byte at or after `i` that needs escaping, or the
/// length: clean 16- and 8-byte stretches are skipped whole.
fn next_escape(bytes: &[u8], mut i: usize) -> usize {
    let word = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            .map(u64::from_le_bytes)
    };
    // 32 bytes at a time: the branch-free test below compiles to vector
    // compares (SSE2 is in every x86_64).
    while let Some(chunk) = bytes
        .get(i..i + 32)
        .and_then(|c| <&[u8; 32]>::try_from(c).ok())
    {
        if !clean(chunk) {
            break;
        }
        i += 32;
    }
    while let Some(a) = word(i) {
        if escape_bits(a) != 0 {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && !is_escaped(bytes[i]) {
        i += 1;
    }
    i
}

/// A JSON string, escaped exactly as `serde_json` does: `\"`, `\\`, the
/// short escapes for \b \f \n \r \t, `\u00XX` (lower-case hex) for other
/// control bytes; everything else, non-ASCII included, as is.
pub fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    loop {
        let i = next_escape(bytes, start);
        out.extend_from_slice(&bytes[start..i]);
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            }
        }
        start = i + 1;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(s: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).expect("valid UTF-8")
    }

    #[test]
    fn strings_match_serde_json() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain ascii text that is longer than eight bytes".into(),
            "quote \" backslash \\ tab \t newline \n cr \r".into(),
            "Firefox ‘quotes’ and \u{e9}t\u{e9} \u{fffd}".into(),
            "\u{7f} del stays".into(),
        ];
        // Every byte below 0x80 at every offset of a 17-byte string.
        for b in 0u8..0x80 {
            for pos in 0..17 {
                let mut s: Vec<u8> = b"abcdefghijklmnopq".to_vec();
                s[pos] = b;
                cases.push(String::from_utf8(s).expect("ascii"));
            }
        }
        for s in cases {
            assert_eq!(ours(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn verdicts_match_serde_json_on_the_whole_corpus() {
        use corsair_core::browser::{explain_with, Options};
        let corpus = include_str!("../../../conformance/corpus/scenarios.jsonl");
        let mut checked = 0;
        for line in corpus.lines().filter(|l| !l.is_empty()) {
            let s = corsair_core::scenario::from_json(line).expect("corpus line");
            for profile in Profile::ALL {
                for steps in [false, true] {
                    let v = explain_with(&s, profile, Options { steps }).expect("explains");
                    let mut ours = Vec::new();
                    write_verdict(&mut ours, &v);
                    let theirs = serde_json::to_vec(&v).expect("serializes");
                    assert_eq!(
                        String::from_utf8_lossy(&ours),
                        String::from_utf8_lossy(&theirs)
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 4000);
    }

    #[test]
    fn swar_test_matches_the_byte_test() {
        for b in 0u8..=255 {
            for pos in 0..8 {
                let mut word = [b'a'; 8];
                word[pos] = b;
                let want = b < 0x20 || b == b'"' || b == b'\\';
                assert_eq!(
                    escape_bits(u64::from_le_bytes(word)) != 0,
                    want,
                    "byte {b:#x} at {pos}"
                );
            }
        }
    }
}
