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

mod build;
mod options;
mod posix;
mod preflight;
mod windows;

pub use preflight::{from_preflight, Rebuilt};

use options::interpret;
use posix::split_posix;
use windows::split_windows;

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

pub(super) struct Split {
    /// The words.
    pub(super) args: Vec<String>,
    /// The command separator at which reading stopped, if any.
    pub(super) rest: Option<String>,
}

/// A stand-alone command separator starting at `i` (preceded by whitespace
/// or the start, followed by whitespace or the end): its text.
pub(super) fn separator_at(bytes: &[u8], i: usize) -> Option<&'static str> {
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
