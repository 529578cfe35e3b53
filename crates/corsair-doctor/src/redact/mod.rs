//! Redaction: nothing secret leaves in any output. Three layers:
//! - by name: headers and URL parameters named like credentials
//!   ([`is_secret_name`], [`is_secret_param`]) have their values hidden;
//! - by pattern: in any text, the userinfo of a URL and the values of
//!   credential-named parameters (`?session=…`, `#access_token=…`) are hidden
//!   ([`scrub_patterns`]), so a redirect target the server chose is covered;
//! - by value: the secrets a request carries (and the server's answers
//!   reveal) are collected and every occurrence of them is hidden wherever
//!   the text repeats them: echoes, the story, the console lines, the
//!   findings ([`Redactor`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use corsair_core::scenario::Answer;
use corsair_core::{Scenario, Verdict};

/// What replaces a hidden value.
pub const REDACTED: &str = "[redacted]";

/// The form `redact_url` leaves in a query (the url crate encodes brackets).
const REDACTED_ENCODED: &str = "%5Bredacted%5D";

/// Shorter values would redact noise (`1`, `yes`, a user name `user`) all
/// over the report; the URL patterns still hide them where they stand.
const MIN_SECRET: usize = 6;

/// A user name is learned as a secret only when it looks like a token
/// (`https://<token>@host`); shorter ones are ordinary words.
const MIN_SECRET_USER: usize = 16;

/// Up to this many secrets, one `find` per secret beats building an
/// automaton (a scenario carries one or two).
const FEW_SECRETS: usize = 8;

/// Bounds the work and memory a file full of secrets can cost.
const MAX_SECRETS: usize = 1024;

/// Name fragments that make a header or parameter a credential.
const SECRET_PARTS: [&str; 12] = [
    "token",
    "secret",
    "password",
    "passwd",
    "auth",
    "session",
    "cookie",
    "apikey",
    "csrf",
    "xsrf",
    "signature",
    "credential",
];

/// Whole word segments (split at `-`, `_`, `.`) that make a name a
/// credential; as segments so that `Keep-Alive` is not a `key`.
const SECRET_SEGMENTS: [&str; 4] = ["key", "sig", "pwd", "sid"];

/// More segments for URL parameters only (`?code=` of OAuth).
const SECRET_PARAM_SEGMENTS: [&str; 3] = ["code", "pass", "jwt"];

/// Whether a header named `name` carries a credential: matched by pattern
/// (`Authorization`, `X-Auth-*`, `*-Token`, `Api-Key`, `Cookie`,
/// `Set-Cookie`, `X-CSRF-Token`, `X-Amz-Signature`...), not a fixed list.
/// The CORS headers (`Access-Control-Allow-Credentials`) and the
/// authentication challenges (`WWW-Authenticate`) are not secrets and are
/// what the diagnosis shows.
pub fn is_secret_name(name: &str) -> bool {
    with_lower(name, secret_lower)
}

/// Calls `f` with `name` lower-cased, on the stack for usual names (this
/// runs for every header of every scenario of a batch).
fn with_lower<T>(name: &str, f: impl FnOnce(&[u8]) -> T) -> T {
    let mut buf = [0u8; 64];
    match buf.get_mut(..name.len()) {
        Some(b) => {
            b.copy_from_slice(name.as_bytes());
            b.make_ascii_lowercase();
            f(b)
        }
        None => f(name.to_ascii_lowercase().as_bytes()),
    }
}

fn secret_lower(lower: &[u8]) -> bool {
    if lower.starts_with(b"access-control-")
        || lower.starts_with(b"sec-fetch-")
        || matches!(
            lower,
            b"www-authenticate" | b"proxy-authenticate" | b":authority" | b"vary"
        )
    {
        return false;
    }
    has_secret_part(lower) || has_segment(lower, &SECRET_SEGMENTS)
}

/// Whether `lower` contains one of [`SECRET_PARTS`]: one pass, trying at
/// each byte only the parts that begin with it (this runs for every
/// header of every scenario of a batch).
fn has_secret_part(lower: &[u8]) -> bool {
    /// The bytes a part begins with.
    const FIRST: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < SECRET_PARTS.len() {
            t[SECRET_PARTS[i].as_bytes()[0] as usize] = true;
            i += 1;
        }
        t
    };
    (0..lower.len()).any(|i| {
        let rest = &lower[i..];
        FIRST[usize::from(rest[0])] && SECRET_PARTS.iter().any(|p| rest.starts_with(p.as_bytes()))
    })
}

/// Whether a URL parameter named `name` carries a credential: the header
/// patterns plus `code`, `pass`, `jwt` (`state` is not secret).
pub fn is_secret_param(name: &str) -> bool {
    with_lower(name, |lower| {
        secret_lower(lower) || has_segment(lower, &SECRET_PARAM_SEGMENTS)
    })
}

fn has_segment(lower: &[u8], segments: &[&str]) -> bool {
    lower
        .split(|c| !c.is_ascii_alphanumeric())
        .any(|s| segments.iter().any(|g| g.as_bytes() == s))
}

/// Headers whose values are URLs the server chose (redirect targets).
fn is_url_header(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"location" | b"content-location" | b"refresh" | b"link"
    )
}

/// The shown form of a secret: its scheme kept (`Bearer`), the rest hidden.
fn hide(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _))
            if scheme.len() < 16 && scheme.bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_owned(),
    }
}

/// Headers with secret values hidden: credential-named headers by name,
/// redirect targets' secret parameters, and secret-looking parameters or
/// userinfo in any other value.
pub fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (n.clone(), redact_header_value(n, v)))
        .collect()
}

fn redact_header_value(name: &str, value: &str) -> String {
    match hidden_header_value(name, value) {
        Some(v) => v,
        None => value.to_owned(),
    }
}

/// The shown value of a header, if it differs from `value`.
fn hidden_header_value(name: &str, value: &str) -> Option<String> {
    if is_secret_name(name) {
        return Some(hide(value));
    }
    if with_lower(name, is_url_header) {
        let shown = redact_url(value);
        return (shown != value).then_some(shown);
    }
    match scrub_patterns(value) {
        Cow::Owned(v) => Some(v),
        Cow::Borrowed(_) => None,
    }
}

/// A URL with its user:password and secret query and fragment values
/// hidden. Text that is not an absolute URL (a relative `Location`) has its
/// secret-looking parameters hidden as text.
pub fn redact_url(text: &str) -> String {
    let Ok(mut url) = url::Url::parse(text) else {
        return scrub_patterns(text).into_owned();
    };
    let mut changed = false;
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("redacted");
        let _ = url.set_password(None);
        changed = true;
    }
    if url.query().is_some() {
        let mut secret_query = false;
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                if is_secret_param(&k) && v != REDACTED {
                    secret_query = true;
                    (k.into_owned(), REDACTED.to_owned())
                } else {
                    (k.into_owned(), v.into_owned())
                }
            })
            .collect();
        if secret_query {
            url.query_pairs_mut().clear().extend_pairs(pairs);
            changed = true;
        }
    }
    if let Some(fragment) = url.fragment() {
        // An OAuth implicit flow puts `access_token=…` in the fragment.
        let marked = format!("#{fragment}");
        if let Cow::Owned(hidden) = scrub_patterns(&marked) {
            url.set_fragment(hidden.get(1..));
            changed = true;
        }
    }
    if changed {
        url.to_string()
    } else {
        text.to_owned()
    }
}

/// Bytes that end a parameter value in free text: URL separators, quotes
/// (the console lines quote URLs), JSON's backslash, brackets, spaces.
fn ends_value(b: u8) -> bool {
    matches!(
        b,
        b'&' | b'#' | b'"' | b'\'' | b'\\' | b'<' | b'>' | b'(' | b')' | b'[' | b']' | b'`' | b','
    ) || b.is_ascii_whitespace()
        || b.is_ascii_control()
}

/// Bytes that end a URL's authority (brackets do not: IPv6 hosts, and a
/// password already shown as `[redacted]`).
fn ends_authority(b: u8) -> bool {
    matches!(b, b'/' | b'?' | b'#' | b'&') || (ends_value(b) && b != b'[' && b != b']')
}

/// The bytes where a pattern may start: `://`, and a parameter after `?`,
/// `&`, `#` or `;`.
const TRIGGERS: [bool; 256] = {
    let mut t = [false; 256];
    t[b':' as usize] = true;
    t[b'?' as usize] = true;
    t[b'&' as usize] = true;
    t[b'#' as usize] = true;
    t[b';' as usize] = true;
    t
};

/// `text` with the userinfo of every URL (`https://user:pass@`, `wss://…@`)
/// and the value of every credential-named parameter after `?`, `&`, `#` or
/// `;` hidden. One pass, linear in the text; borrowed when nothing is hidden.
pub fn scrub_patterns(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Bytes before `copied` are in `out` already (when it exists).
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Jump to the next byte that may start a pattern.
        match bytes[i..].iter().position(|&b| TRIGGERS[usize::from(b)]) {
            Some(p) => i += p,
            None => break,
        }
        let b = bytes[i];
        if b == b':' && bytes.get(i + 1) == Some(&b'/') && bytes.get(i + 2) == Some(&b'/') {
            let start = i + 3;
            let mut end = start;
            let mut at = None;
            while end < bytes.len() && !ends_authority(bytes[end]) {
                if bytes[end] == b'@' {
                    at = Some(end);
                }
                end += 1;
            }
            if let Some(at) = at {
                if &text[start..at] != "redacted" {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(&text[copied..start]);
                    o.push_str("redacted");
                    copied = at;
                }
            }
            // The authority has no parameters: continue after it (linear).
            i = end;
            continue;
        }
        if matches!(b, b'?' | b'&' | b'#' | b';') {
            let name_start = i + 1;
            let mut j = name_start;
            while j < bytes.len()
                && j - name_start < 64
                && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'_' | b'-' | b'.'))
            {
                j += 1;
            }
            if j > name_start && bytes.get(j) == Some(&b'=') {
                let value_start = j + 1;
                let mut end = value_start;
                while end < bytes.len() && !ends_value(bytes[end]) {
                    end += 1;
                }
                let value = &text[value_start..end];
                if end > value_start
                    && !value.starts_with(REDACTED_ENCODED)
                    && !text[value_start..].starts_with(REDACTED)
                    && is_secret_param(&text[name_start..j])
                {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(&text[copied..value_start]);
                    o.push_str(REDACTED);
                    copied = end;
                }
                i = end.max(i + 1);
                continue;
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Whether `text` (from a scenario's input) holds a pattern that
/// [`scrub_patterns`] hides: a verdict's text can only show one if its
/// input has one.
fn marked(text: &str) -> bool {
    // Most texts hold neither byte: one vectorised scan settles them.
    let bytes = text.as_bytes();
    match memchr::memchr2(b'@', b'=', bytes) {
        None => false,
        Some(_) if memchr::memchr(b'@', bytes).is_some() => true,
        Some(_) => matches!(scrub_patterns(text), Cow::Owned(_)),
    }
}

/// Hides known secret values wherever they appear in text (the values of
/// the credential headers the page sets, its cookies, the secrets of its
/// URLs, and those the server's answers reveal: cookies it sets, redirect
/// targets' tokens), then the secret-looking patterns of
/// [`scrub_patterns`]. All secrets are found in one pass over the text.
#[derive(Clone, Debug)]
pub struct Redactor {
    /// Longest first.
    secrets: Vec<String>,
    /// Whether the text may hold a pattern to hide: false when the input
    /// it comes from has no `@` and no secret parameter (most scenarios).
    patterns: bool,
    seen: HashSet<String>,
    matcher: OnceLock<Option<AhoCorasick>>,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            secrets: Vec::new(),
            patterns: true,
            seen: HashSet::new(),
            matcher: OnceLock::new(),
        }
    }
}

impl Redactor {
    /// The secrets of a request: its headers, cookies and URL.
    pub fn new(headers: &[(String, String)], cookies: Option<&str>, url: &str) -> Redactor {
        let mut r = Redactor::default();
        r.add_headers(headers);
        if let Some(c) = cookies {
            r.add_cookies(c);
        }
        r.add_url(url);
        r
    }

    /// The secrets of a scenario: its request's headers and URL, and what
    /// its answers reveal (at every redirect hop).
    pub fn from_scenario(s: &Scenario) -> Redactor {
        let mut r = Redactor::default();
        // A pattern in the verdict's text comes from one in its input.
        let mut patterns = marked(&s.request.url) || marked(&s.page_origin);
        r.add_url(&s.request.url);
        r.add_url(&s.page_origin);
        patterns |= r.learn_headers(&s.request.headers);
        // Every answer of the chain; the stack is only used (allocated)
        // when the scenario has redirect hops.
        let mut hops: Vec<&Answer> = Vec::new();
        fn answer<'s>(r: &mut Redactor, a: &'s Answer, hops: &mut Vec<&'s Answer>) -> bool {
            let marked = r.learn_headers(&a.headers);
            if let Some(next) = a.next.as_deref() {
                hops.extend(next.preflight.iter().chain(next.response.iter()));
            }
            marked
        }
        for a in s.preflight.iter().chain(s.response.iter()) {
            patterns |= answer(&mut r, a, &mut hops);
        }
        while let Some(a) = hops.pop() {
            patterns |= answer(&mut r, a, &mut hops);
        }
        // Nothing in the input to hide: the verdict's text is the model's.
        r.patterns = patterns || !r.secrets.is_empty();
        r
    }

    /// Learns the secrets of headers: credential-named values (and their
    /// part after a scheme, `Bearer …`), cookie values, the secrets of the
    /// URLs in `Location`.
    pub fn add_headers(&mut self, headers: &[(String, String)]) {
        self.learn_headers(headers);
    }

    /// [`Redactor::add_headers`], also telling whether a name or value
    /// holds a pattern to hide (a URL's userinfo, a secret parameter).
    fn learn_headers(&mut self, headers: &[(String, String)]) -> bool {
        let mut patterns = false;
        for (n, v) in headers {
            patterns |= marked(n) || marked(v);
            // Lower-cased on the stack: this runs for every header of every
            // scenario of a batch.
            with_lower(n, |lower| {
                if lower == b"cookie" {
                    self.add_cookies(v);
                } else if lower == b"set-cookie" {
                    let first = v.split(';').next().unwrap_or_default();
                    self.add_cookies(first);
                    self.push(v);
                } else if secret_lower(lower) {
                    self.push(v);
                    if let Some((_, token)) = v.split_once(' ') {
                        self.push(token);
                    }
                } else if is_url_header(lower) {
                    self.add_url(v);
                }
            });
        }
        patterns
    }

    /// Learns a `Cookie` header's values (and the whole header).
    pub fn add_cookies(&mut self, cookies: &str) {
        self.push(cookies);
        for (_, v) in cookies.split(';').filter_map(|p| p.split_once('=')) {
            self.push(v);
        }
    }

    /// Learns a URL's secrets: its userinfo and the values of its
    /// credential-named query and fragment parameters. Relative URLs too.
    pub fn add_url(&mut self, text: &str) {
        // Read as text, not parsed: this runs for every scenario of a batch,
        // and a relative `Location` has secrets too.
        if memchr::memchr2(b'@', b'=', text.as_bytes()).is_none() {
            return;
        }
        if let Some(scheme_end) = text.find("://") {
            let rest = text.get(scheme_end + 3..).unwrap_or_default();
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                if user.len() >= MIN_SECRET_USER {
                    self.push(user);
                }
                self.push(password);
            }
        }
        let Some(start) = text.find(['?', '#']) else {
            return;
        };
        let params = text.get(start + 1..).unwrap_or_default();
        for (k, v) in params
            .split(['&', '#', '?', ';'])
            .filter_map(|p| p.split_once('='))
        {
            if is_secret_param(k) {
                self.push(v);
                if v.contains(['%', '+']) {
                    let decoded: String = url::form_urlencoded::parse(v.as_bytes())
                        .map(|(k, _)| k.into_owned())
                        .next()
                        .unwrap_or_default();
                    self.push(&decoded);
                }
            }
        }
    }

    /// Tracks one secret (and its JSON-escaped form), unless it is too short
    /// to tell from noise, already hidden, or past the cap.
    fn push(&mut self, secret: &str) {
        let s = secret.trim();
        if s.len() < MIN_SECRET
            || self.secrets.len() >= MAX_SECRETS
            || s.contains(REDACTED)
            || REDACTED.contains(s)
            || s.contains(REDACTED_ENCODED)
            || self.seen.contains(s)
        {
            return;
        }
        self.seen.insert(s.to_owned());
        self.insert(s.to_owned());
        // A JSON output shows `"` and `\` escaped: hide that form too.
        let escaped = s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
        if let Some(json) = escaped.then(|| serde_json::to_string(s).ok()).flatten() {
            let inner = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or_default();
            if inner != s && self.seen.insert(inner.to_owned()) {
                self.insert(inner.to_owned());
            }
        }
        self.matcher = OnceLock::new();
    }

    /// Keeps the secrets longest first: replaced one by one, a value is
    /// hidden whole before any part of it.
    fn insert(&mut self, s: String) {
        let at = self.secrets.partition_point(|x| x.len() >= s.len());
        self.secrets.insert(at, s);
    }

    /// Whether no secret value is tracked (patterns are still hidden).
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    fn matcher(&self) -> Option<&AhoCorasick> {
        self.matcher
            .get_or_init(|| {
                if self.secrets.len() <= FEW_SECRETS {
                    return None;
                }
                // Leftmost-longest: a value is hidden whole, not a part of it.
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&self.secrets)
                    .ok()
            })
            .as_ref()
    }

    /// `text` with every secret replaced by `[redacted]`, and the
    /// secret-looking patterns hidden.
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_cow(text).into_owned()
    }

    fn scrub_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !self.patterns {
            return Cow::Borrowed(text);
        }
        if self.secrets.len() <= FEW_SECRETS {
            return self.scrub_few(text);
        }
        let by_value = match self.matcher() {
            Some(m) if m.is_match(text) => {
                let mut out = String::with_capacity(text.len());
                m.replace_all_with(text, &mut out, |_, _, dst| {
                    dst.push_str(REDACTED);
                    true
                });
                Cow::Owned(out)
            }
            _ => Cow::Borrowed(text),
        };
        match by_value {
            Cow::Borrowed(t) => scrub_patterns(t),
            Cow::Owned(t) => Cow::Owned(scrub_patterns(&t).into_owned()),
        }
    }

    /// [`Redactor::scrub_cow`] for a handful of secrets: longest first, one
    /// linear pass each (at most [`FEW_SECRETS`] passes).
    fn scrub_few<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), REDACTED));
            }
        }
        match out {
            Cow::Borrowed(t) => scrub_patterns(t),
            Cow::Owned(t) => Cow::Owned(scrub_patterns(&t).into_owned()),
        }
    }

    /// Scrubs a string in place.
    pub fn scrub_in_place(&self, text: &mut String) {
        if let Cow::Owned(s) = self.scrub_cow(text) {
            *text = s;
        }
    }

    /// Scrubs header values in place.
    pub fn scrub_pairs(&self, pairs: &mut [(String, String)]) {
        for (_, v) in pairs {
            self.scrub_in_place(v);
        }
    }

    /// Scrubs every string of a JSON value, keys kept: a last net over a
    /// report that is about to be printed (structure never touched).
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        // Iterative: a deep document costs no stack.
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::String(s) => self.scrub_in_place(s),
                serde_json::Value::Array(a) => stack.extend(a.iter_mut()),
                serde_json::Value::Object(o) => stack.extend(o.values_mut()),
                _ => {}
            }
        }
    }

    /// Hides credential-named header values, then scrubs the rest: for
    /// headers shown to the user (sent or received).
    pub fn headers(&self, pairs: &mut [(String, String)]) {
        for (n, v) in pairs.iter_mut() {
            if !self.patterns {
                // The input holds no pattern and no long secret: only the
                // values of credential-named headers are left to hide.
                if is_secret_name(n) {
                    *v = hide(v);
                }
                continue;
            }
            if let Some(shown) = hidden_header_value(n, v) {
                *v = shown;
            }
            self.scrub_in_place(v);
        }
    }
}

/// A JSON value with the secret-looking patterns of [`scrub_patterns`]
/// hidden in every string (page titles and URLs read from an export).
pub fn scrub_json_patterns(mut value: serde_json::Value) -> serde_json::Value {
    Redactor::default().scrub_json(&mut value);
    value
}

/// Hides every secret of a verdict: the request as sent, the URLs, the
/// console lines, the story, the findings.
pub fn redact_verdict(v: &mut Verdict, r: &Redactor) {
    // Secret-named headers are hidden whatever the rest holds.
    r.headers(&mut v.request.headers);
    r.headers(&mut v.request.dropped_headers);
    if let Some(o) = v.missing.as_mut().and_then(|m| m.request.as_mut()) {
        r.headers(&mut o.headers);
    }
    if !r.patterns {
        return;
    }
    r.scrub_pairs(&mut v.preflight.request_headers);
    if let Some(o) = &mut v.request.origin {
        r.scrub_in_place(o);
    }
    for u in &mut v.urls {
        r.scrub_in_place(u);
    }
    if let Some(b) = &mut v.blocked {
        r.scrub_in_place(&mut b.url);
        r.scrub_in_place(&mut b.reason);
        r.scrub_in_place(&mut b.failed_parameter);
    }
    if let Some(m) = &mut v.missing {
        r.scrub_in_place(&mut m.url);
        if let Some(o) = &mut m.request {
            r.scrub_in_place(&mut o.url);
        }
    }
    for line in [&mut v.console.chrome, &mut v.console.firefox]
        .into_iter()
        .flatten()
        .chain(v.console.safari.iter_mut())
        .chain(v.engines.iter_mut().map(|e| &mut e.summary))
    {
        r.scrub_in_place(line);
    }
    for step in &mut v.steps {
        r.scrub_in_place(&mut step.text);
    }
    for f in &mut v.findings {
        r.scrub_in_place(&mut f.explanation);
        r.scrub_in_place(&mut f.fix);
    }
}

/// A HAR verdict with its secrets hidden: those of its own exchange, in the
/// verdict and in what the report prints of the export.
pub fn har_verdict(mut h: crate::har_check::HarVerdict) -> crate::har_check::HarVerdict {
    let r = Redactor::from_scenario(&h.scenario);
    redact_verdict(&mut h.verdict, &r);
    r.scrub_in_place(&mut h.scenario.request.url);
    r.headers(&mut h.scenario.request.headers);
    // Every answer of the chain: the first hop's and each redirect's.
    let mut pending: Vec<&mut corsair_core::scenario::Answer> =
        [&mut h.scenario.preflight, &mut h.scenario.response]
            .into_iter()
            .flatten()
            .collect();
    while let Some(a) = pending.pop() {
        r.headers(&mut a.headers);
        if let Some(hop) = a.next.as_deref_mut() {
            pending.extend(
                [&mut hop.preflight, &mut hop.response]
                    .into_iter()
                    .flatten(),
            );
        }
    }
    r.scrub_in_place(&mut h.page_origin.origin);
    if let Some(e) = &mut h.recorded_error {
        r.scrub_in_place(e);
    }
    h
}

#[cfg(test)]
mod tests;
