//! Reads a DevTools "Copy as cURL" command (Chrome's and Firefox's, bash and
//! Windows cmd quoting) into the request the page made.
//!
//! Two quoting dialects are read:
//!
//! - **POSIX shell** (Chrome's "Copy as cURL (bash)", Firefox's "Copy as
//!   cURL (POSIX)"): `'...'`, `"..."`, `$'...'` ANSI-C strings (`\'`, `\n`,
//!   `\t`, `\\`, `\xHH`, `\uHHHH`, `\NNN` octal, ...), `\` escapes and `\`
//!   line continuations.
//! - **Windows cmd** (Chrome's "Copy as cURL (cmd)", Firefox's "Copy as cURL
//!   (Windows)"): first cmd.exe's `^` escapes (`^"`, `^%`, `^&`, `^\`, a `^`
//!   at the end of a line continues it, `^` + two line breaks is a line break
//!   in a value), then the Microsoft C runtime's argument rules (`"` quoting,
//!   `\"`, `""` inside quotes, backslashes doubled only before a quote).
//!   Chrome doubles every backslash (the runtime keeps those not before a
//!   quote as they are), so in commands that start with `curl` rather than
//!   Firefox's `curl.exe`, runs of backslashes elsewhere are halved back (a
//!   single one is kept).
//!
//! The dialect is guessed from the text: a `^` right after `curl`, a `^` at the
//! end of a line or `curl.exe` mean Windows; a command with double quotes
//! and no single quote or backslash continuation is read as Windows too (the
//! two agree on such commands except for backslashes); anything else is
//! POSIX.
//!
//! Only the first command is read: a stand-alone `;`, `&`, `&&`, `|` or `||`
//! (as "Copy all as cURL" puts between commands) ends it, and the rest is
//! noted in [`CurlRequest::ignored`].

/// The request a cURL command describes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurlRequest {
    /// The URL, as given (curl's `\[`, `\]`, `\{`, `\}` glob escapes, which
    /// Chrome writes, are undone unless `-g`/`--globoff` is given).
    pub url: String,
    /// The method: `-X`, else HEAD for `-I`, else PUT for `-T`, else POST when
    /// there is a body (and no `-G`), else GET.
    pub method: String,
    /// Headers in order (`-H`), names as written; cookies are in `cookies`.
    /// Headers that curl derives from options are appended when the command
    /// does not set them itself: `Authorization` (`-u`, `--oauth2-bearer`),
    /// `User-Agent` (`-A`), `Referer` (`-e`), `Content-Type` and `Accept`
    /// (`--json`), `Content-Type: multipart/form-data` (`-F`). A header given
    /// as `Name:` with no value is curl's way to remove one: it is left out.
    pub headers: Vec<(String, String)>,
    /// The `Cookie` header or `-b` value, if any (it makes the request credentialed).
    /// Several are joined with `; `.
    pub cookies: Option<String>,
    /// The body (`--data-raw`, `--data`, `--data-binary`, `--data-ascii`,
    /// `--data-urlencode`, `-d`, `--json`, `-F`), if any. Several pieces are
    /// joined with `&` as curl does (`--json` pieces are concatenated); `-F`
    /// fields are joined the same way, not multipart-encoded. With `-G` the
    /// data goes to the URL's query and there is no body.
    pub body: Option<String>,
    /// `-k` / `--insecure` was given.
    pub insecure: bool,
    /// Options that were recognized but have no effect on the CORS check
    /// (`--compressed`, `-s`, ...), unknown options, extra URLs and a dropped
    /// rest of the input, for the report.
    pub ignored: Vec<String>,
}

/// Why a command cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CurlError {
    /// Not a curl command.
    #[error("not a curl command (it should start with `curl`)")]
    NotCurl,
    /// A PowerShell command (DevTools' "Copy as PowerShell").
    #[error(
        "this is a PowerShell command (\"Copy as PowerShell\"); in DevTools use \"Copy as cURL (bash)\" or \"Copy as cURL (cmd)\" instead"
    )]
    PowerShell,
    /// A `fetch(...)` call (DevTools' "Copy as fetch" or "Copy as Node.js fetch").
    #[error(
        "this is a fetch() call (\"Copy as fetch\"); in DevTools use \"Copy as cURL (bash)\" or \"Copy as cURL (cmd)\" instead"
    )]
    Fetch,
    /// Quoting is unbalanced: the byte offset of the quote that is never closed.
    #[error("unbalanced quoting at byte {0}")]
    Unbalanced(usize),
    /// No URL.
    #[error("no URL in the command")]
    NoUrl,
    /// An option needs a value that is missing.
    #[error("option {0} needs a value")]
    MissingValue(String),
    /// A header without a colon.
    #[error("header `{0}` has no `:`")]
    BadHeader(String),
    /// An option reads its value from a file (`-H @file`, `-d @file`), which
    /// cannot be read here.
    #[error("option {0} reads its value from a file (`@...`), which is not supported; paste the value itself")]
    FromFile(String),
}

/// Parses a Copy-as-cURL command.
///
/// Never panics; every error names the option or the byte offset at fault.
pub fn parse(command: &str) -> Result<CurlRequest, CurlError> {
    let trimmed = command.trim_start_matches('\u{feff}').trim();
    let first = first_word(trimmed);
    let lower = first.to_ascii_lowercase();
    if is_powershell(trimmed, &lower) {
        return Err(CurlError::PowerShell);
    }
    if is_fetch(trimmed) {
        return Err(CurlError::Fetch);
    }
    if !is_curl_word(&lower) {
        return Err(CurlError::NotCurl);
    }
    let split = if is_windows(command, &lower) {
        // Chrome (and Firefox before it wrote `curl.exe`) doubles every
        // backslash; the C runtime only halves those before a quote.
        split_windows(command, !lower.ends_with(".exe"))?
    } else {
        split_posix(command)?
    };
    let mut args = split.args.into_iter();
    // The first word is `curl` itself (possibly after a `$ ` prompt).
    if let Some(word) = args.next() {
        if word == "$" {
            args.next();
        }
    }
    let mut request = interpret(args.collect())?;
    if let Some(rest) = split.rest {
        request.ignored.push(format!(
            "everything after `{rest}` (only the first command is read)"
        ));
    }
    Ok(request)
}

// ---------------------------------------------------------------------------
// Recognizing the input.

fn first_word(text: &str) -> &str {
    let text = text.strip_prefix("$ ").map(str::trim_start).unwrap_or(text);
    let end = text
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(text.len());
    text.get(..end).unwrap_or("")
}

fn is_powershell(text: &str, first_lower: &str) -> bool {
    matches!(
        first_lower,
        "invoke-webrequest" | "invoke-restmethod" | "iwr" | "irm"
    ) || text
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("$session"))
}

fn is_fetch(text: &str) -> bool {
    let text = text
        .strip_prefix("await")
        .map(str::trim_start)
        .unwrap_or(text);
    text.strip_prefix("fetch")
        .is_some_and(|rest| rest.trim_start().starts_with('('))
}

fn is_curl_word(first_lower: &str) -> bool {
    let word = first_lower.trim_matches(|c| c == '\'' || c == '"' || c == '^');
    let name = word.rsplit(['/', '\\']).next().unwrap_or(word);
    name == "curl" || name == "curl.exe"
}

/// Whether the command uses Windows cmd quoting (see the module docs).
fn is_windows(command: &str, first_lower: &str) -> bool {
    let text = command.trim_start_matches('\u{feff}').trim_start();
    let text = text.strip_prefix("$ ").unwrap_or(text);
    let after_first = text
        .find(char::is_whitespace)
        .and_then(|i| text.get(i..))
        .unwrap_or("")
        .trim_start();
    if after_first.starts_with('^') || first_lower.ends_with(".exe") {
        return true;
    }
    let bytes = command.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        let next2 = bytes.get(i + 2).copied();
        let line_end = next == Some(b'\n') || (next == Some(b'\r') && next2 == Some(b'\n'));
        if b == b'^' && line_end {
            return true;
        }
        if b == b'\\' && line_end {
            return false;
        }
    }
    !command.contains('\'') && command.contains('"')
}

// ---------------------------------------------------------------------------
// Splitting into arguments.

struct Split {
    args: Vec<String>,
    /// The command separator at which reading stopped, if any.
    rest: Option<String>,
}

/// A stand-alone command separator starting at `i` (preceded by whitespace
/// or the start, followed by whitespace or the end): its text.
fn separator_at(bytes: &[u8], i: usize) -> Option<&'static str> {
    let before_ok = i == 0 || bytes.get(i - 1).is_some_and(|b| b.is_ascii_whitespace());
    if !before_ok {
        return None;
    }
    let b = *bytes.get(i)?;
    let (text, len) = match (b, bytes.get(i + 1).copied()) {
        (b'&', Some(b'&')) => ("&&", 2),
        (b'|', Some(b'|')) => ("||", 2),
        (b'&', _) => ("&", 1),
        (b'|', _) => ("|", 1),
        (b';', _) => (";", 1),
        _ => return None,
    };
    let after_ok = bytes.get(i + len).is_none_or(|b| b.is_ascii_whitespace());
    after_ok.then_some(text)
}

/// POSIX shell splitting (bash quoting as DevTools writes it).
fn split_posix(command: &str) -> Result<Split, CurlError> {
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
fn decode_bytes(bytes: &[u8]) -> String {
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

/// Windows splitting: cmd.exe's caret layer, then the C runtime's rules.
/// With `halve`, a run of backslashes not before a quote is halved (undoing
/// the doubling Chrome applies to every backslash; a single one is kept).
fn split_windows(command: &str, halve: bool) -> Result<Split, CurlError> {
    // Layer 1: cmd.exe. `^x` is `x`, taken literally whatever the quoting (as
    // DevTools means it); `^` + line break continues the line, and a line
    // break right after that is a literal one.
    let chars: Vec<(usize, char)> = command.char_indices().collect();
    let bytes = command.as_bytes();
    let mut line: Vec<(char, usize)> = Vec::with_capacity(chars.len());
    let mut cmd_quote = false;
    let mut rest = None;
    let mut k = 0;
    let is_break = |k: usize| -> usize {
        match chars.get(k).map(|c| c.1) {
            Some('\n') => 1,
            Some('\r') if chars.get(k + 1).map(|c| c.1) == Some('\n') => 2,
            _ => 0,
        }
    };
    while let Some(&(pos, c)) = chars.get(k) {
        match c {
            '^' => {
                let brk = is_break(k + 1);
                if brk > 0 {
                    k += 1 + brk;
                    let brk2 = is_break(k);
                    if brk2 > 0 {
                        line.push(('\n', pos));
                        k += brk2;
                    } else if let Some(&(p, next)) = chars.get(k) {
                        line.push((next, p));
                        k += 1;
                    }
                } else if let Some(&(p, next)) = chars.get(k + 1) {
                    line.push((next, p));
                    k += 2;
                } else {
                    k += 1;
                }
            }
            '"' => {
                cmd_quote = !cmd_quote;
                line.push((c, pos));
                k += 1;
            }
            '&' | '|' | ';' if !cmd_quote && separator_at(bytes, pos).is_some() => {
                rest = separator_at(bytes, pos).map(str::to_owned);
                break;
            }
            '\r' => k += 1,
            '\n' => {
                line.push((' ', pos));
                k += 1;
            }
            _ => {
                line.push((c, pos));
                k += 1;
            }
        }
    }

    // Layer 2: the C runtime's argv rules.
    let mut args = Vec::new();
    let mut i = 0;
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    loop {
        while line.get(i).is_some_and(|&(c, _)| is_space(c)) {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let mut arg = String::new();
        let mut in_quotes = false;
        let mut open = 0;
        while let Some(&(c, pos)) = line.get(i) {
            match c {
                '\\' => {
                    let mut n = 0;
                    while line.get(i + n).is_some_and(|&(c, _)| c == '\\') {
                        n += 1;
                    }
                    if line.get(i + n).is_some_and(|&(c, _)| c == '"') {
                        arg.extend(std::iter::repeat_n('\\', n / 2));
                        if n % 2 == 1 {
                            arg.push('"');
                            i += n + 1;
                        } else {
                            i += n;
                        }
                    } else {
                        let kept = if halve { n - n / 2 } else { n };
                        arg.extend(std::iter::repeat_n('\\', kept));
                        i += n;
                    }
                }
                '"' => {
                    if in_quotes && line.get(i + 1).is_some_and(|&(c, _)| c == '"') {
                        arg.push('"');
                        i += 2;
                    } else {
                        in_quotes = !in_quotes;
                        if in_quotes {
                            open = pos;
                        }
                        i += 1;
                    }
                }
                c if is_space(c) && !in_quotes => break,
                c => {
                    arg.push(c);
                    i += 1;
                }
            }
        }
        if in_quotes {
            return Err(CurlError::Unbalanced(open));
        }
        args.push(arg);
    }
    Ok(Split { args, rest })
}

// ---------------------------------------------------------------------------
// Reading curl's options.

#[derive(Clone, Copy, PartialEq, Eq)]
enum DataKind {
    /// `-d`, `--data`, `--data-ascii`, `--data-binary`: `@file` reads a file.
    Plain,
    /// `--data-raw`: taken as is.
    Raw,
    /// `--data-urlencode`.
    UrlEncode,
    /// `--json`.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Opt {
    Request,
    Header,
    Cookie,
    Data(DataKind),
    Form,
    User,
    Bearer,
    UserAgent,
    Referer,
    Url,
    Upload,
    Insecure,
    Head,
    Get,
    Globoff,
    /// Known to take a value that does not matter here.
    IgnoredValue,
    /// A flag without a value (or an unknown option, assumed to be one).
    IgnoredFlag,
}

/// curl's long options that take a value which does not matter here (so the
/// next argument is not read as a URL).
const VALUE_OPTIONS: &[&str] = &[
    "output",
    "write-out",
    "max-time",
    "connect-timeout",
    "proxy",
    "proxy-user",
    "range",
    "cookie-jar",
    "dump-header",
    "cert",
    "key",
    "cacert",
    "capath",
    "cert-type",
    "key-type",
    "pass",
    "ciphers",
    "resolve",
    "connect-to",
    "retry",
    "retry-delay",
    "retry-max-time",
    "max-redirs",
    "speed-limit",
    "speed-time",
    "limit-rate",
    "interface",
    "local-port",
    "dns-servers",
    "config",
    "continue-at",
    "time-cond",
    "telnet-option",
    "ftp-port",
    "quote",
    "trace",
    "trace-ascii",
    "stderr",
    "max-filesize",
    "output-dir",
    "unix-socket",
    "abstract-unix-socket",
    "noproxy",
    "preproxy",
    "proxy-header",
    "request-target",
    "expect100-timeout",
    "happy-eyeballs-timeout-ms",
    "keepalive-time",
    "url-query",
    "variable",
    "aws-sigv4",
    "tls-max",
    "pinnedpubkey",
    "proto",
    "proto-redir",
    "proto-default",
    "socks4",
    "socks4a",
    "socks5",
    "socks5-hostname",
    "doh-url",
    "netrc-file",
    "etag-save",
    "etag-compare",
    "create-file-mode",
    "parallel-max",
    "rate",
    "alt-svc",
    "hsts",
    "proxy-cacert",
    "proxy-cert",
    "proxy-key",
    "crlfile",
    "curves",
    "ech",
    "mail-from",
    "mail-rcpt",
    "mail-auth",
    "login-options",
    "sasl-authzid",
    "service-name",
    "engine",
    "delegation",
    "krb",
    "ip-tos",
    "vlan-priority",
    "trace-config",
];

fn long_option(name: &str) -> Opt {
    match name {
        "request" => Opt::Request,
        "header" => Opt::Header,
        "cookie" => Opt::Cookie,
        "data" | "data-ascii" | "data-binary" => Opt::Data(DataKind::Plain),
        "data-raw" => Opt::Data(DataKind::Raw),
        "data-urlencode" => Opt::Data(DataKind::UrlEncode),
        "json" => Opt::Data(DataKind::Json),
        "form" | "form-string" => Opt::Form,
        "user" => Opt::User,
        "oauth2-bearer" => Opt::Bearer,
        "user-agent" => Opt::UserAgent,
        "referer" => Opt::Referer,
        "url" => Opt::Url,
        "upload-file" => Opt::Upload,
        "insecure" => Opt::Insecure,
        "head" => Opt::Head,
        "get" => Opt::Get,
        "globoff" => Opt::Globoff,
        name if VALUE_OPTIONS.contains(&name) => Opt::IgnoredValue,
        _ => Opt::IgnoredFlag,
    }
}

fn short_option(c: char) -> Opt {
    match c {
        'X' => Opt::Request,
        'H' => Opt::Header,
        'b' => Opt::Cookie,
        'd' => Opt::Data(DataKind::Plain),
        'F' => Opt::Form,
        'u' => Opt::User,
        'A' => Opt::UserAgent,
        'e' => Opt::Referer,
        'T' => Opt::Upload,
        'k' => Opt::Insecure,
        'I' => Opt::Head,
        'G' => Opt::Get,
        'g' => Opt::Globoff,
        'c' | 'C' | 'D' | 'E' | 'K' | 'm' | 'o' | 'P' | 'Q' | 'r' | 't' | 'U' | 'w' | 'x' | 'y'
        | 'Y' | 'z' => Opt::IgnoredValue,
        _ => Opt::IgnoredFlag,
    }
}

fn takes_value(opt: Opt) -> bool {
    !matches!(
        opt,
        Opt::Insecure | Opt::Head | Opt::Get | Opt::Globoff | Opt::IgnoredFlag
    )
}

#[derive(Default)]
struct State {
    url: Option<String>,
    method: Option<String>,
    headers: Vec<(String, String)>,
    removed: Vec<String>,
    cookies: Vec<String>,
    data: Option<String>,
    last_json: bool,
    json: bool,
    form: bool,
    authorization: Option<String>,
    user_agent: Option<String>,
    referer: Option<String>,
    upload: bool,
    insecure: bool,
    head: bool,
    get: bool,
    globoff: bool,
    ignored: Vec<String>,
}

fn interpret(args: Vec<String>) -> Result<CurlRequest, CurlError> {
    let mut st = State::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if let Some(name) = arg.strip_prefix("--").filter(|n| !n.is_empty()) {
            let opt = long_option(name);
            let shown = format!("--{name}");
            let value = if takes_value(opt) {
                Some(
                    args.next()
                        .ok_or_else(|| CurlError::MissingValue(shown.clone()))?,
                )
            } else {
                None
            };
            apply(&mut st, opt, &shown, value)?;
        } else if let Some(group) = arg.strip_prefix('-').filter(|g| !g.is_empty()) {
            for (at, c) in group.char_indices() {
                let opt = short_option(c);
                let shown = format!("-{c}");
                if !takes_value(opt) {
                    apply(&mut st, opt, &shown, None)?;
                    continue;
                }
                let attached = group.get(at + c.len_utf8()..).unwrap_or("");
                let value = if attached.is_empty() {
                    args.next()
                        .ok_or_else(|| CurlError::MissingValue(shown.clone()))?
                } else {
                    attached.to_owned()
                };
                apply(&mut st, opt, &shown, Some(value))?;
                break;
            }
        } else if arg.is_empty() {
            continue;
        } else if st.url.is_none() {
            st.url = Some(arg);
        } else {
            st.ignored.push(format!("extra URL {arg}"));
        }
    }
    finish(st)
}

fn apply(st: &mut State, opt: Opt, shown: &str, value: Option<String>) -> Result<(), CurlError> {
    let value = value.unwrap_or_default();
    match opt {
        Opt::Request => st.method = Some(value),
        Opt::Header => header(st, shown, &value)?,
        Opt::Cookie => {
            if value.contains('=') {
                st.cookies.push(value.trim().to_owned());
            } else {
                st.ignored
                    .push(format!("{shown} {value} (a cookie file, not read)"));
            }
        }
        Opt::Data(kind) => {
            let piece = match kind {
                DataKind::Raw => value,
                DataKind::Plain | DataKind::Json => {
                    if value.starts_with('@') {
                        return Err(CurlError::FromFile(shown.to_owned()));
                    }
                    value
                }
                DataKind::UrlEncode => {
                    url_encode_data(&value).ok_or_else(|| CurlError::FromFile(shown.to_owned()))?
                }
            };
            let json = kind == DataKind::Json;
            match &mut st.data {
                Some(data) => {
                    if !(json && st.last_json) {
                        data.push('&');
                    }
                    data.push_str(&piece);
                }
                None => st.data = Some(piece),
            }
            st.last_json = json;
            st.json |= json;
        }
        Opt::Form => {
            st.form = true;
            match &mut st.data {
                Some(data) => {
                    data.push('&');
                    data.push_str(&value);
                }
                None => st.data = Some(value),
            }
            st.last_json = false;
        }
        Opt::User => st.authorization = Some(format!("Basic {}", base64(value.as_bytes()))),
        Opt::Bearer => st.authorization = Some(format!("Bearer {value}")),
        Opt::UserAgent => st.user_agent = Some(value),
        Opt::Referer => {
            let value = value.strip_suffix(";auto").unwrap_or(&value).to_owned();
            st.referer = Some(value);
        }
        Opt::Url => {
            if st.url.is_none() {
                st.url = Some(value);
            } else {
                st.ignored.push(format!("extra URL {value}"));
            }
        }
        Opt::Upload => {
            st.upload = true;
            st.ignored
                .push(format!("{shown} {value} (the file is not read)"));
        }
        Opt::Insecure => st.insecure = true,
        Opt::Head => st.head = true,
        Opt::Get => st.get = true,
        Opt::Globoff => {
            st.globoff = true;
            st.ignored.push(shown.to_owned());
        }
        Opt::IgnoredValue => st.ignored.push(format!("{shown} {value}")),
        Opt::IgnoredFlag => st.ignored.push(shown.to_owned()),
    }
    Ok(())
}

fn header(st: &mut State, shown: &str, raw: &str) -> Result<(), CurlError> {
    if raw.starts_with('@') {
        return Err(CurlError::FromFile(shown.to_owned()));
    }
    let (name, value) = match raw.split_once(':') {
        Some((name, v)) => (name.trim(), v.trim()),
        None => match raw.trim_end().strip_suffix(';') {
            // `Name;` sends the header with an empty value.
            Some(name) if !name.trim().is_empty() => {
                st.headers.push((name.trim().to_owned(), String::new()));
                return Ok(());
            }
            _ => return Err(CurlError::BadHeader(raw.to_owned())),
        },
    };
    if name.is_empty() {
        return Err(CurlError::BadHeader(raw.to_owned()));
    }
    if value.is_empty() {
        // `Name:` removes a header curl would send itself.
        st.removed.push(name.to_ascii_lowercase());
        st.ignored
            .push(format!("-H '{name}:' (removes the header)"));
        return Ok(());
    }
    if name.eq_ignore_ascii_case("cookie") {
        st.cookies.push(value.to_owned());
    } else {
        st.headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(())
}

fn finish(mut st: State) -> Result<CurlRequest, CurlError> {
    let mut url = st.url.take().ok_or(CurlError::NoUrl)?;
    if !st.globoff {
        url = unescape_globs(&url);
    }
    let mut body = st.data.take();
    if st.get {
        if let Some(data) = body.take() {
            let sep = if url.contains('?') { '&' } else { '?' };
            url.push(sep);
            url.push_str(&data);
        }
    }
    let method = match st.method.take().filter(|m| !m.is_empty()) {
        Some(m) => m,
        None if st.head => "HEAD".to_owned(),
        None if st.upload => "PUT".to_owned(),
        None if body.is_some() => "POST".to_owned(),
        None => "GET".to_owned(),
    };
    let mut headers = std::mem::take(&mut st.headers);
    let mut derived: Vec<(&str, String)> = Vec::new();
    if let Some(auth) = st.authorization.take() {
        derived.push(("Authorization", auth));
    }
    if let Some(ua) = st.user_agent.take().filter(|v| !v.is_empty()) {
        derived.push(("User-Agent", ua));
    }
    if let Some(referer) = st.referer.take().filter(|v| !v.is_empty()) {
        derived.push(("Referer", referer));
    }
    if st.json && body.is_some() {
        derived.push(("Content-Type", "application/json".to_owned()));
        derived.push(("Accept", "application/json".to_owned()));
    } else if st.form && body.is_some() {
        derived.push(("Content-Type", "multipart/form-data".to_owned()));
    }
    for (name, value) in derived {
        let lower = name.to_ascii_lowercase();
        let given = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if !given && !st.removed.contains(&lower) {
            headers.push((name.to_owned(), value));
        }
    }
    let cookies = (!st.cookies.is_empty()).then(|| st.cookies.join("; "));
    Ok(CurlRequest {
        url,
        method,
        headers,
        cookies,
        body,
        insecure: st.insecure,
        ignored: st.ignored,
    })
}

/// Undoes curl's URL glob escapes (`\[`, `\]`, `\{`, `\}`).
fn unescape_globs(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut chars = url.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next @ ('[' | ']' | '{' | '}')) = chars.peek() {
                out.push(next);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `--data-urlencode`'s forms: `content`, `=content`, `name=content`;
/// `@file` and `name@file` give `None`.
fn url_encode_data(value: &str) -> Option<String> {
    match value.find(['=', '@']) {
        Some(at) if value.as_bytes().get(at) == Some(&b'@') => None,
        Some(at) => {
            let name = value.get(..at).unwrap_or("");
            let content = value.get(at + 1..).unwrap_or("");
            if name.is_empty() {
                Some(percent_encode(content))
            } else {
                Some(format!("{name}={}", percent_encode(content)))
            }
        }
        None => Some(percent_encode(value)),
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_upper(b >> 4));
            out.push(hex_upper(b & 0xf));
        }
    }
    out
}

fn hex_upper(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0xf)])
}

/// Standard base64 with padding.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 0x3f) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
    }

    #[test]
    fn latin1_fallback() {
        assert_eq!(decode_bytes(b"caf\xe9"), "café");
        assert_eq!(decode_bytes("café".as_bytes()), "café");
    }

    #[test]
    fn url_encode_forms() {
        assert_eq!(url_encode_data("a b").as_deref(), Some("a%20b"));
        assert_eq!(url_encode_data("=a&b").as_deref(), Some("a%26b"));
        assert_eq!(url_encode_data("q=x y").as_deref(), Some("q=x%20y"));
        assert_eq!(url_encode_data("q@file"), None);
    }
}
