//! `corsair check`'s other inputs: a browser console line (`--console`) and
//! a Copy-as-cURL of the preflight row (`--curl`), each turned into the
//! check to run, with what could not be known said on standard error.

use std::io::Read;
use std::sync::OnceLock;

use corsair_core::printable::escape_control;
use corsair_core::scenario::Initiator;
use corsair_core::Profile;
use corsair_doctor::check::CheckRequest;
use corsair_doctor::console::{self, Browser, MAX_INPUT};
use corsair_doctor::curl::{self, CurlRequest};

/// What `--console` adds to the check: the line, and what the user gave
/// besides it.
pub struct ConsoleInput<'a> {
    /// The `--console` value (`-` for standard input).
    pub text: &'a str,
    /// `--origin`.
    pub origin: Option<&'a str>,
    /// `-X`.
    pub method: Option<&'a str>,
    /// `-H`, already split.
    pub headers: &'a [(String, String)],
    /// `--credentials` or `-b`.
    pub credentials: bool,
    /// `-b`.
    pub cookies: Option<&'a str>,
    /// `--read-header`.
    pub read_headers: &'a [String],
    /// `--xhr` (the line itself may say XMLHttpRequest too).
    pub xhr: bool,
}

/// The rules of the browser whose console line was read (set once, by
/// [`console_request`]).
static LINE_PROFILE: OnceLock<Profile> = OnceLock::new();

/// The rules to judge by when `--browser` is not given: the console line's
/// browser (Safari has no profile yet: Chrome's), else Chrome's.
pub fn line_profile() -> Profile {
    LINE_PROFILE.get().copied().unwrap_or_default()
}

/// Reads the paste (at most [`MAX_INPUT`] bytes from standard input).
fn read_paste(text: &str) -> Result<String, String> {
    if text != "-" {
        return Ok(text.to_owned());
    }
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("--console: cannot read standard input: {e}"))?;
    if buf.len() > MAX_INPUT {
        return Err(format!(
            "--console: {}",
            console::ConsoleError::TooLong(buf.len())
        ));
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Shell-quotes a word for the "Running:" line when it needs it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,%+".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The check a console line calls for; prints "Running: corsair check …"
/// and what the line could not tell on standard error.
pub fn console_request(input: &ConsoleInput<'_>) -> Result<CheckRequest, String> {
    let text = read_paste(input.text)?;
    let line = console::parse(&text).map_err(|e| format!("--console: {e}"))?;
    let plan = line.plan();
    let _ = LINE_PROFILE.set(match line.browser {
        Browser::Firefox => Profile::Firefox,
        Browser::Safari => Profile::Safari,
        Browser::Chrome => Profile::Chrome,
    });
    let origin = match (input.origin, &plan.origin) {
        (Some(o), _) => o.to_owned(),
        (None, Some(o)) => o.clone(),
        (None, None) => {
            let who = match line.browser {
                Browser::Firefox => "Firefox's console line does not name the page's origin",
                _ => "the console line does not name the page's origin",
            };
            return Err(format!(
                "--console: {who}: give it with --origin https://app.example.com"
            ));
        }
    };
    let method = input
        .method
        .map(str::to_owned)
        .or(plan.method.clone())
        .unwrap_or_else(|| "GET".to_owned());
    let mut headers = plan.headers.clone();
    for (n, v) in input.headers {
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case(n));
        headers.push((n.clone(), v.clone()));
    }
    let credentials = input.credentials || plan.credentials;
    let mut running = format!(
        "Running: corsair check {} --origin {}",
        quote(&plan.url),
        quote(&origin)
    );
    if method != "GET" {
        running.push_str(&format!(" -X {}", quote(&method)));
    }
    for (n, v) in &headers {
        running.push_str(&format!(" -H {}", quote(&format!("{n}: {v}"))));
    }
    if credentials {
        running.push_str(" --credentials");
    }
    let initiator = if input.xhr {
        Initiator::Xhr
    } else {
        plan.initiator
    };
    if initiator == Initiator::Xhr {
        running.push_str(" --xhr");
    }
    eprintln!("{}", escape_control(&running));
    for note in &plan.notes {
        // What the user already gave is not asked for again.
        let given = (note.contains("--credentials") && credentials)
            || (note.contains("-X") && input.method.is_some() && !note.contains("-H"));
        if !given {
            eprintln!("  note: {}", escape_control(note));
        }
    }
    Ok(CheckRequest {
        page_origin: origin,
        url: plan.url,
        method,
        headers,
        credentials,
        cookies: input.cookies.map(str::to_owned),
        body: None,
        read_headers: input.read_headers.to_vec(),
        initiator,
    })
}

/// A Copy-as-cURL of the preflight row becomes the request it precedes (the
/// notes say so on standard error); any other command is kept as it is.
pub fn preflight_row(command: CurlRequest) -> CurlRequest {
    match curl::from_preflight(&command) {
        Some(rebuilt) => {
            for note in &rebuilt.notes {
                eprintln!("note: {}", escape_control(note));
            }
            rebuilt.request
        }
        None => command,
    }
}
