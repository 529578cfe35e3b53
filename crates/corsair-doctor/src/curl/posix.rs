//! POSIX shell words (bash quoting as DevTools writes it: `'…'`, `"…"`,
//! `$'…'`, `\` escapes and continuations).

use super::{separator_at, CurlError, Split};

/// POSIX shell splitting (bash quoting as DevTools writes it).
pub(super) fn split_posix(command: &str) -> Result<Split, CurlError> {
    let bytes = command.as_bytes();
    let mut args = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let mut i = 0;
    let mut rest = None;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                if let Some(w) = word.take() {
                    args.push(decode_bytes(&w));
                }
                i += 1;
            }
            b'\\' => match bytes.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => i += 3,
                Some(&next) => {
                    word.get_or_insert_with(Vec::new).push(next);
                    i += 2;
                }
                None => i += 1,
            },
            b'\'' => {
                let start = i + 1;
                let len = bytes
                    .get(start..)
                    .and_then(|tail| tail.iter().position(|&c| c == b'\''))
                    .ok_or(CurlError::Unbalanced(i))?;
                let w = word.get_or_insert_with(Vec::new);
                w.extend_from_slice(bytes.get(start..start + len).unwrap_or_default());
                i = start + len + 1;
            }
            b'$' if bytes.get(i + 1) == Some(&b'\'') => {
                let w = word.get_or_insert_with(Vec::new);
                i = ansi_c(bytes, i, w)?;
            }
            b'$' if bytes.get(i + 1) == Some(&b'"') => {
                let w = word.get_or_insert_with(Vec::new);
                i = double_quoted(bytes, i + 1, w)?;
            }
            b'"' => {
                let w = word.get_or_insert_with(Vec::new);
                i = double_quoted(bytes, i, w)?;
            }
            b'#' if word.is_none() => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b';' | b'&' | b'|' if word.is_none() => {
                if let Some(sep) = separator_at(bytes, i) {
                    rest = Some(sep.to_owned());
                    break;
                }
                word.get_or_insert_with(Vec::new).push(b);
                i += 1;
            }
            _ => {
                word.get_or_insert_with(Vec::new).push(b);
                i += 1;
            }
        }
    }
    if let Some(w) = word.take() {
        args.push(decode_bytes(&w));
    }
    Ok(Split { args, rest })
}

/// Reads `"..."` starting at the quote at `open`; returns the index after the
/// closing quote.
fn double_quoted(bytes: &[u8], open: usize, out: &mut Vec<u8>) -> Result<usize, CurlError> {
    let mut i = open + 1;
    loop {
        match bytes.get(i) {
            None => return Err(CurlError::Unbalanced(open)),
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => match bytes.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => i += 3,
                Some(&c @ (b'$' | b'`' | b'"' | b'\\')) => {
                    out.push(c);
                    i += 2;
                }
                _ => {
                    out.push(b'\\');
                    i += 1;
                }
            },
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Reads an ANSI-C `$'...'` string whose `$` is at `start`; returns the index
/// after the closing quote.
fn ansi_c(bytes: &[u8], start: usize, out: &mut Vec<u8>) -> Result<usize, CurlError> {
    let mut i = start + 2;
    // A high surrogate from `\uD8xx` waiting for its low half.
    let mut high: Option<u32> = None;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(CurlError::Unbalanced(start));
        };
        if b == b'\'' {
            flush_high(&mut high, out);
            return Ok(i + 1);
        }
        if b != b'\\' {
            flush_high(&mut high, out);
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&e) = bytes.get(i + 1) else {
            return Err(CurlError::Unbalanced(start));
        };
        i += 2;
        let simple = match e {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'e' | b'E' => Some(0x1b),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' | b'\'' | b'"' | b'?' => Some(e),
            _ => None,
        };
        if let Some(c) = simple {
            flush_high(&mut high, out);
            out.push(c);
            continue;
        }
        match e {
            b'0'..=b'7' => {
                flush_high(&mut high, out);
                let mut value = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 {
                    match bytes.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                flush_high(&mut high, out);
                let (value, used) = hex_digits(bytes, i, 2);
                if used == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push((value & 0xff) as u8);
                    i += used;
                }
            }
            b'u' | b'U' => {
                let max = if e == b'u' { 4 } else { 8 };
                let (value, used) = hex_digits(bytes, i, max);
                if used == 0 {
                    flush_high(&mut high, out);
                    out.push(b'\\');
                    out.push(e);
                    continue;
                }
                i += used;
                match (high.take(), value) {
                    (Some(h), 0xDC00..=0xDFFF) => {
                        let c = 0x10000 + ((h - 0xD800) << 10) + (value - 0xDC00);
                        push_char(out, char::from_u32(c).unwrap_or('\u{fffd}'));
                    }
                    (h, 0xD800..=0xDBFF) => {
                        if h.is_some() {
                            push_char(out, '\u{fffd}');
                        }
                        high = Some(value);
                    }
                    (h, _) => {
                        if h.is_some() {
                            push_char(out, '\u{fffd}');
                        }
                        push_char(out, char::from_u32(value).unwrap_or('\u{fffd}'));
                    }
                }
            }
            b'c' => {
                flush_high(&mut high, out);
                match bytes.get(i) {
                    Some(&c) => {
                        out.push(c & 0x1f);
                        i += 1;
                    }
                    None => return Err(CurlError::Unbalanced(start)),
                }
            }
            _ => {
                flush_high(&mut high, out);
                out.push(b'\\');
                out.push(e);
            }
        }
    }
}

fn flush_high(high: &mut Option<u32>, out: &mut Vec<u8>) {
    if high.take().is_some() {
        push_char(out, '\u{fffd}');
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Up to `max` hex digits at `at`: their value and how many were read.
fn hex_digits(bytes: &[u8], at: usize, max: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut used = 0;
    while used < max {
        let Some(d) = bytes.get(at + used).and_then(|&b| (b as char).to_digit(16)) else {
            break;
        };
        value = value.wrapping_mul(16).wrapping_add(d);
        used += 1;
    }
    (value, used)
}

/// Bytes of a shell word to text: UTF-8, with bytes that are not valid UTF-8
/// read as Latin-1 (Firefox writes `\xe9` for `é`).
pub(super) fn decode_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for &b in bad.iter().take(n) {
                    out.push(char::from(b));
                }
                rest = bad.get(n..).unwrap_or_default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_fallback() {
        assert_eq!(decode_bytes(b"caf\xe9"), "café");
        assert_eq!(decode_bytes("café".as_bytes()), "café");
    }
}
