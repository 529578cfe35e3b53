//! The reader below the parser: cuts long JSON strings, skips a BOM, and
//! keeps what it needs to report positions in the original file.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use super::super::{HarError, STRING_CAP, TEXT_CAP};

pub(super) const CHUNK: usize = 64 * 1024;
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    Backslash,
    Hex(u8),
}

/// Bytes removed at an output position, to map parser columns back.
struct Cut {
    line: usize,
    col: usize,
    bytes: usize,
}

/// A reader that passes JSON through, cutting each string once it holds its
/// cap of decoded bytes ([`STRING_CAP`], or [`TEXT_CAP`] for the value of a
/// `"text"` key). It cuts only where the rest is still valid JSON: not inside
/// an escape, a UTF-8 sequence or a surrogate pair. Bytes that make the JSON
/// invalid are passed on, so the parser reports them (a raw line break in a
/// cut part included; other control characters there are dropped).
pub(super) struct Limiter<R> {
    inner: R,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Non-whitespace bytes seen (after any BOM).
    content: bool,
    /// BOM bytes matched so far; `None` once decided.
    bom: Option<usize>,
    bom_skipped: bool,
    in_string: bool,
    /// The cap of the current string, in decoded bytes.
    cap: usize,
    /// Raw and decoded bytes of the current string passed on.
    len: usize,
    decoded: usize,
    /// The first bytes of the last string, and its length.
    last: [u8; 4],
    last_len: usize,
    /// The last token was a string (a key, if a `:` follows).
    after_string: bool,
    /// A `"text":` key was just read: the next string is a body.
    text_value: bool,
    escape: Escape,
    dropping: bool,
    /// The last escape was a high surrogate (`\uD800`..`\uDBFF`).
    high: bool,
    hex: u32,
    line: usize,
    col: usize,
    cut_at: (usize, usize),
    cut_bytes: usize,
    /// The latest cuts; older ones are folded into `folded`.
    cuts: VecDeque<Cut>,
    /// The line of the cuts dropped from `cuts`, and their bytes on it.
    folded: (usize, usize),
}

/// Cuts remembered one by one. The parser lags the limiter by at most two
/// 64 KiB buffers, and a cut string passes at least [`TEXT_CAP`] bytes, so
/// fewer than 40 cuts can lie ahead of the parser; older ones only add
/// their bytes to columns later on their line, which `folded` keeps. One
/// entry per cut string, kept forever, grew with the file.
const MAX_CUTS: usize = 64;

/// Where `byte` first occurs in `bytes`, found with the platform's `memchr`.
fn find(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut cursor = bytes;
    let n = cursor.skip_until(byte).unwrap_or(0);
    (n > 0 && bytes.get(n - 1) == Some(&byte)).then(|| n - 1)
}

impl<R: Read> Limiter<R> {
    pub(super) fn new(inner: R) -> Self {
        Limiter {
            inner,
            raw: vec![0; CHUNK],
            out: Vec::with_capacity(CHUNK),
            pos: 0,
            eof: false,
            content: false,
            bom: Some(0),
            bom_skipped: false,
            in_string: false,
            cap: STRING_CAP,
            len: 0,
            decoded: 0,
            last: [0; 4],
            last_len: 0,
            after_string: false,
            text_value: false,
            escape: Escape::None,
            dropping: false,
            high: false,
            hex: 0,
            line: 1,
            col: 0,
            cut_at: (1, 0),
            cut_bytes: 0,
            cuts: VecDeque::new(),
            folded: (0, 0),
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        let n = loop {
            match self.inner.read(&mut self.raw) {
                Ok(n) => break n.min(self.raw.len()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.eof = true;
            if let Some(matched) = self.bom.take() {
                for &b in BOM.get(..matched).unwrap_or_default() {
                    self.lex(b);
                }
            }
            return Ok(());
        }
        let raw = std::mem::take(&mut self.raw);
        let chunk = raw.get(..n).unwrap_or_default();
        let mut i = 0;
        while let Some(&b) = chunk.get(i) {
            let fast = if self.in_string && self.escape == Escape::None && self.bom.is_none() {
                let rest = chunk.get(i..).unwrap_or_default();
                if self.dropping {
                    self.skip_dropped(rest)
                } else {
                    self.pass_plain(rest)
                }
            } else {
                0
            };
            if fast == 0 {
                self.byte(b);
                i += 1;
            } else {
                i += fast;
            }
        }
        self.raw = raw;
        Ok(())
    }

    /// The fast path through plain string text: passes on the bytes before
    /// the next quote, backslash or line break, up to the cap, and returns
    /// how many there were.
    fn pass_plain(&mut self, segment: &[u8]) -> usize {
        let room = self.cap.saturating_sub(self.decoded);
        let window = segment.get(..room.min(segment.len())).unwrap_or_default();
        // The quote first: it ends the string, so the other searches only
        // cover the string's own bytes. Searching the whole window for a
        // backslash first cost the rest of the 64 KiB chunk for every short
        // string (most of the time on files of many small entries).
        let mut run = find(window, b'"').unwrap_or(window.len());
        run = find(window.get(..run).unwrap_or_default(), b'\\').unwrap_or(run);
        run = find(window.get(..run).unwrap_or_default(), b'\n').unwrap_or(run);
        let bytes = window.get(..run).unwrap_or_default();
        for (slot, &b) in self.last.iter_mut().skip(self.len).zip(bytes) {
            *slot = b;
        }
        self.out.extend_from_slice(bytes);
        self.col += run;
        self.len += run;
        self.decoded += run;
        if run > 0 {
            self.high = false;
        }
        run
    }

    /// The fast path through the cut rest of a long string: skips to the
    /// closing quote and returns how many bytes were skipped. It stops before
    /// the closing quote and before a raw line break (both go through
    /// [`Limiter::lex`]).
    fn skip_dropped(&mut self, segment: &[u8]) -> usize {
        let mut pos = 0;
        loop {
            let rest = segment.get(pos..).unwrap_or_default();
            let quote = find(rest, b'"');
            let span = rest.get(..quote.unwrap_or(rest.len())).unwrap_or_default();
            if let Some(newline) = find(span, b'\n') {
                self.cut_bytes += newline;
                return pos + newline;
            }
            let backslashes = span.iter().rev().take_while(|&&c| c == b'\\').count();
            match quote {
                Some(q) if backslashes % 2 == 1 => {
                    // An escaped quote: still inside the string.
                    self.cut_bytes += q + 1;
                    pos += q + 1;
                }
                Some(q) => {
                    self.cut_bytes += q;
                    return pos + q;
                }
                None => {
                    self.cut_bytes += rest.len();
                    if backslashes % 2 == 1 {
                        self.escape = Escape::Backslash;
                    }
                    return segment.len();
                }
            }
        }
    }

    fn byte(&mut self, b: u8) {
        if let Some(matched) = self.bom {
            if BOM.get(matched) == Some(&b) {
                if matched + 1 == BOM.len() {
                    self.bom = None;
                    self.bom_skipped = true;
                } else {
                    self.bom = Some(matched + 1);
                }
                return;
            }
            self.bom = None;
            for &m in BOM.get(..matched).unwrap_or_default() {
                self.lex(m);
            }
        }
        self.lex(b);
    }

    fn emit(&mut self, b: u8) {
        self.out.push(b);
        if b == b'\n' {
            self.line += 1;
            self.col = 0;
        } else {
            self.col += 1;
        }
    }

    fn end_cut(&mut self) {
        if self.cut_bytes > 0 {
            if self.cuts.len() == MAX_CUTS {
                if let Some(old) = self.cuts.pop_front() {
                    // The parser is past it: keep only its bytes, for
                    // columns later on the same line.
                    if self.folded.0 == old.line {
                        self.folded.1 += old.bytes;
                    } else {
                        self.folded = (old.line, old.bytes);
                    }
                }
            }
            self.cuts.push_back(Cut {
                line: self.cut_at.0,
                col: self.cut_at.1,
                bytes: self.cut_bytes,
            });
            self.cut_bytes = 0;
        }
    }

    fn close_string(&mut self) {
        self.in_string = false;
        self.after_string = true;
        self.last_len = self.len;
    }

    /// The slow path: one byte through the JSON lexer.
    fn lex(&mut self, b: u8) {
        if !b.is_ascii_whitespace() {
            self.content = true;
        }
        if !self.in_string {
            if b == b'"' {
                self.in_string = true;
                self.cap = if self.text_value {
                    TEXT_CAP
                } else {
                    STRING_CAP
                };
                self.len = 0;
                self.decoded = 0;
                self.escape = Escape::None;
                self.high = false;
                self.dropping = false;
                self.text_value = false;
            } else if b == b':' {
                self.text_value = self.after_string && self.last_len == 4 && self.last == *b"text";
                self.after_string = false;
            } else if !b.is_ascii_whitespace() {
                self.text_value = false;
                self.after_string = false;
            }
            self.emit(b);
            return;
        }
        if self.dropping {
            if b == b'\n' {
                // Not allowed in a JSON string: let the parser see it and
                // fail (and keep line numbers right).
                self.end_cut();
                self.emit(b);
                self.cut_at = (self.line, self.col);
                return;
            }
            match self.escape {
                Escape::Backslash => {
                    self.escape = if b == b'u' {
                        Escape::Hex(4)
                    } else {
                        Escape::None
                    };
                }
                Escape::Hex(n) => {
                    self.escape = if n <= 1 {
                        Escape::None
                    } else {
                        Escape::Hex(n - 1)
                    };
                }
                Escape::None => {
                    if b == b'"' {
                        self.end_cut();
                        self.close_string();
                        self.dropping = false;
                        self.emit(b);
                        return;
                    }
                    if b == b'\\' {
                        self.escape = Escape::Backslash;
                    }
                }
            }
            self.cut_bytes += 1;
            return;
        }
        match self.escape {
            Escape::Backslash => {
                if b == b'u' {
                    self.hex = 0;
                    self.escape = Escape::Hex(4);
                } else {
                    self.high = false;
                    self.escape = Escape::None;
                    self.decoded += 1;
                }
            }
            Escape::Hex(n) => {
                let digit = (b as char).to_digit(16).unwrap_or(0);
                self.hex = self.hex.wrapping_mul(16).wrapping_add(digit);
                if n <= 1 {
                    self.escape = Escape::None;
                    self.high = (0xD800..=0xDBFF).contains(&self.hex);
                    self.decoded += match self.hex {
                        0..=0x7F => 1,
                        0x80..=0x7FF => 2,
                        // Each half of a surrogate pair: 4 bytes together.
                        0xD800..=0xDFFF => 2,
                        _ => 3,
                    };
                } else {
                    self.escape = Escape::Hex(n - 1);
                }
            }
            Escape::None => {
                let boundary = b & 0xC0 != 0x80;
                if self.decoded >= self.cap
                    && boundary
                    && b != b'"'
                    && b >= 0x20
                    && !(b == b'\\' && self.high)
                {
                    self.dropping = true;
                    self.cut_at = (self.line, self.col);
                    self.cut_bytes = 1;
                    if b == b'\\' {
                        self.escape = Escape::Backslash;
                    }
                    return;
                }
                if b == b'"' {
                    self.close_string();
                    self.emit(b);
                    return;
                } else if b == b'\\' {
                    self.escape = Escape::Backslash;
                } else {
                    self.high = false;
                    self.decoded += 1;
                }
            }
        }
        if let Some(slot) = self.last.get_mut(self.len) {
            *slot = b;
        }
        self.len += 1;
        self.emit(b);
    }

    /// The original column of a parser position.
    fn original_column(&self, line: usize, column: usize) -> usize {
        let mut column = column;
        if self.folded.0 == line {
            column += self.folded.1;
        }
        for cut in self.cuts.iter().rev() {
            if cut.line == line && cut.col < column {
                column += cut.bytes;
            }
        }
        if line == 1 && self.bom_skipped {
            column += BOM.len();
        }
        column
    }

    pub(super) fn error(&self, e: serde_json::Error) -> HarError {
        let line = e.line();
        let column = self.original_column(line, e.column());
        match e.classify() {
            serde_json::error::Category::Io => HarError::Io(io::Error::from(e)),
            serde_json::error::Category::Eof if !self.content => HarError::NotJson {
                line,
                column,
                message: "the file is empty".into(),
            },
            serde_json::error::Category::Eof => HarError::Truncated { line, column },
            serde_json::error::Category::Syntax | serde_json::error::Category::Data => {
                let full = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
                HarError::NotJson {
                    line,
                    column,
                    message,
                }
            }
        }
    }
}

impl<R: Read> Read for Limiter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let available = self.out.get(self.pos..).unwrap_or_default();
        let n = available.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_cuts_long_strings_only() {
        let long = "x".repeat(STRING_CAP + 10);
        let json = format!("[\"{long}\", \"short\", \"é{long}\"]");
        let mut out = String::new();
        Limiter::new(json.as_bytes())
            .read_to_string(&mut out)
            .unwrap();
        let v: Vec<String> = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0].len(), STRING_CAP);
        assert_eq!(v[1], "short");
        assert!(v[2].starts_with('é'));
    }

    #[test]
    fn limiter_keeps_surrogate_pairs_whole() {
        let pair = "\\ud83d\\ude00";
        let body = pair.repeat(STRING_CAP / pair.len() + 5);
        let json = format!("[\"{body}\"]");
        let mut out = String::new();
        Limiter::new(json.as_bytes())
            .read_to_string(&mut out)
            .unwrap();
        let v: Vec<String> = serde_json::from_str(&out).unwrap();
        assert!(v[0].chars().all(|c| c == '😀'));
    }
}
