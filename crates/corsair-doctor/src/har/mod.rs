//! Reads a HAR export (as Chrome, Edge and Firefox write it) entry by entry,
//! in bounded memory, and pairs preflights with the requests they precede as
//! the entries stream by.
//!
//! Three jobs, one module each:
//!
//! - [`read()`] (module `read`) streams `log.entries[]`: each entry is handed to
//!   a callback as soon as it is parsed, and nothing of it is kept
//!   afterwards. Bodies (`response.content.text`, `request.postData.text`)
//!   are cut to a [`BODY_PREFIX`]-byte prefix; below the JSON parser, a
//!   reader cuts every JSON string after [`STRING_CAP`] bytes of text (the
//!   value of a `"text"` key after [`TEXT_CAP`]) before it is buffered, so
//!   one 100 MB base64 body costs no more than a short one. At most
//!   [`MAX_HEADERS`] headers of a list are kept. Memory is bounded by these
//!   caps, not by the file.
//! - [`Pairer`] (module `pair`) groups entries into exchanges (a request, the
//!   preflight before it and the redirects after it) with hash-map indexes
//!   over a sliding window of [`PAIR_WINDOW`] entries, and hands each
//!   exchange over once nothing later can join it; [`pair()`] does the same
//!   for a slice.
//! - Judging the exchanges is `crate::har_check`'s job.
//!
//! The reader is lenient: every field is optional, unknown fields are
//! skipped, numbers and strings are taken for each other where harmless. An
//! entry whose structure is wrong (not an object, no `request`, a `headers`
//! that is not a list, ...) is skipped and counted, keeps its number, and the
//! file goes on. [`cross_origin`] works out the page origin a request was
//! made from.

mod pair;
mod read;

pub use pair::{
    is_preflight, pair, pair_counted, Exchange, Group, PairStats, Pairer, MAX_KEPT_HOPS,
    PAIR_WINDOW, PENDING_BYTES, PENDING_ENTRIES,
};
pub use read::{read, read_partial};

use serde::Serialize;
use std::io;
use url::Url;

/// How many bytes of a body (`postData.text`, `content.text`) are kept.
pub const BODY_PREFIX: usize = 4096;
/// Every JSON string in the file is cut after this many bytes of text before
/// the parser sees it: URLs and header values longer than this are
/// truncated.
pub const STRING_CAP: usize = 64 * 1024;
/// The value of any `"text"` key (bodies) is cut after this many bytes of
/// text: one more than [`BODY_PREFIX`], so that a cut body is seen as such.
pub const TEXT_CAP: usize = BODY_PREFIX + 1;
/// Headers kept per list; the rest are skipped.
pub const MAX_HEADERS: usize = 512;
/// Pages kept in [`HarSummary::pages`]; the rest are skipped.
pub const MAX_PAGES: usize = 1000;
/// Reasons kept in [`HarSummary::skipped_reasons`], and notes kept in
/// [`HarSummary::cut_notes`].
pub const MAX_SKIPPED_REASONS: usize = 20;
/// How much earlier than its preflight a request may be recorded and still be
/// paired with it, in microseconds. Chrome records a request when the page
/// issues it, and its preflight a little later.
pub const PREFLIGHT_SKEW_US: i64 = 1_000_000;

// ---------------------------------------------------------------------------
// Public types.

/// One entry of `log.entries`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The position in `log.entries` (skipped entries keep their numbers).
    pub index: usize,
    /// `startedDateTime`, as written (see [`parse_time`]).
    pub started: Option<String>,
    /// `pageref`: the `id` of a [`Page`].
    pub page_ref: Option<String>,
    /// The request.
    pub request: HarRequest,
    /// The response.
    pub response: HarResponse,
    /// `_resourceType` (Chrome): `fetch`, `xhr`, `preflight`, `document`, ...
    pub resource_type: Option<String>,
    /// `_initiator` (Chrome).
    pub initiator: Option<Initiator>,
    /// `_fromCache` (Chrome): `memory` or `disk`.
    pub from_cache: Option<String>,
    /// `_requestId`, which some exporters write (Chrome's own export does not);
    /// a preflight's [`Initiator::request_id`] names it.
    pub request_id: Option<String>,
}

/// An entry's request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HarRequest {
    /// The method (from `:method` when `method` is missing; empty when both are).
    pub method: String,
    /// The URL (rebuilt from `:scheme`, `:authority` and `:path` when missing).
    pub url: String,
    /// `httpVersion` as written (`HTTP/1.1`, `h2`, `http/2.0`, ...), or empty.
    pub http_version: String,
    /// The headers in order, without HTTP/2 pseudo-headers (`:authority`, ...).
    pub headers: Vec<(String, String)>,
    /// The start of `postData.text`, at most [`BODY_PREFIX`] bytes.
    pub body_prefix: Option<String>,
    /// Whether `postData.text` was longer than the prefix.
    pub body_truncated: bool,
}

/// An entry's response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HarResponse {
    /// The status; 0 when missing or when no response arrived (a blocked or
    /// failed request).
    pub status: u16,
    /// The headers in order, without HTTP/2 pseudo-headers.
    pub headers: Vec<(String, String)>,
    /// `redirectURL`, when not empty.
    pub redirect_url: Option<String>,
    /// `_error` (Chrome), such as `net::ERR_FAILED` for a request blocked by CORS.
    pub error: Option<String>,
    /// The start of `content.text`, at most [`BODY_PREFIX`] bytes (base64 when
    /// the export says so; the encoding is not kept).
    pub body_prefix: Option<String>,
    /// Whether `content.text` was longer than the prefix.
    pub body_truncated: bool,
    /// `content.mimeType`, or empty.
    pub mime_type: String,
}

/// Chrome's `_initiator`: what started a request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Initiator {
    /// `type`: `parser`, `script`, `preflight`, `other`, ...
    pub kind: String,
    /// `url`: for a preflight, the URL of the request it precedes.
    pub url: Option<String>,
    /// `requestId`: for a preflight, the id of the request it precedes.
    pub request_id: Option<String>,
}

/// One of `log.pages`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Page {
    /// `id`, which entries name in `pageref`.
    pub id: String,
    /// `title`: the page's URL in Chrome exports, its document title in
    /// Firefox's (cut to 2 KiB).
    pub title: String,
    /// `startedDateTime`.
    pub started: Option<String>,
}

/// What [`read()`] found besides the entries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HarSummary {
    /// How many entries were handed to the callback.
    pub entries: usize,
    /// `log.pages` (at most [`MAX_PAGES`]), wherever they were in the file.
    pub pages: Vec<Page>,
    /// `log.creator` as `name version` (`WebInspector 537.36`, `Firefox 128.0`).
    pub creator: Option<String>,
    /// Whether the export looks sanitized: it has entries, and none of them
    /// has a `Cookie`, `Authorization` or `Set-Cookie` header or a non-empty
    /// `cookies` list. Chrome's default export (since version 130) strips
    /// exactly these. This is a heuristic: a site that uses neither cookies
    /// nor `Authorization` looks sanitized too, and the credentials mode is
    /// never recorded either way.
    pub sanitized: bool,
    /// Entries skipped because their structure was wrong.
    pub skipped: usize,
    /// The first [`MAX_SKIPPED_REASONS`] skipped entries: their index in
    /// `log.entries` and why.
    pub skipped_reasons: Vec<(usize, String)>,
    /// Entries of which a part was cut at a stated bound (a header list
    /// longer than [`MAX_HEADERS`]): how many.
    #[serde(skip_serializing_if = "is_zero")]
    pub cut: usize,
    /// The first [`MAX_SKIPPED_REASONS`] of those: the entry's index and what
    /// was cut, naming the bound.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cut_notes: Vec<(usize, String)>,
    /// Pages past [`MAX_PAGES`], not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub pages_cut: usize,
}

// `serde`'s `skip_serializing_if` takes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Why a HAR file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum HarError {
    /// Not JSON (or JSON with something after it).
    #[error("not JSON: {message} (line {line}, column {column})")]
    NotJson {
        /// 1-based line.
        line: usize,
        /// 1-based column, in bytes.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The JSON ends early: the file is truncated.
    #[error("the file ends early at line {line}, column {column}: it is truncated")]
    Truncated {
        /// 1-based line of the end.
        line: usize,
        /// Column of the end, in bytes.
        column: usize,
    },
    /// JSON, but not a HAR: no `log.entries` list.
    #[error("not a HAR file: {0}")]
    NotHar(String),
    /// Reading failed.
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
}

impl HarRequest {
    /// The first header of that name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl HarResponse {
    /// The first header of that name (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------------------
// Times.

/// Parses a HAR `startedDateTime` (`YYYY-MM-DDTHH:MM:SS.sss` followed by `Z`
/// or `±HH:MM`; seconds, fraction and offset optional, no offset meaning UTC)
/// into microseconds since the Unix epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let mut i = 16;
    let mut second = 0;
    let mut micros = 0;
    if b.get(i) == Some(&b':') {
        second = num(i + 1, 2)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let mut scale = 100_000;
            let start = i;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                micros += i64::from(d - b'0') * scale;
                scale /= 10;
                i += 1;
            }
            if i == start {
                return None;
            }
        }
    }
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 24
        || minute > 59
        || second > 60
    {
        return None;
    }
    let offset = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let rest = b.get(i + 3..).unwrap_or_default();
            let om = match rest {
                [] => 0,
                [b':', _, _] => num(i + 4, 2)?,
                [_, _] => num(i + 3, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = oh * 3600 + om * 60;
            if sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds * 1_000_000 + micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

// ---------------------------------------------------------------------------
// Origins.

/// Where the page origin of a request was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum OriginSource {
    /// The request's `Origin` header.
    OriginHeader,
    /// The origin of the request's `Referer` header.
    Referer,
    /// The URL of the entry's page (`pages[].title`, which Chrome fills with it).
    Page,
}

/// The origin of the page that made a cross-origin request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageOrigin {
    /// The serialized origin (`https://app.example.com`, or `null`).
    pub origin: String,
    /// Where it was read.
    pub source: OriginSource,
}

/// The page origin of a cross-origin request: from its `Origin` header, else
/// its `Referer`'s origin, else its page's URL (`pages[].title` when that is
/// an absolute URL, as in Chrome exports). `None` when the request is
/// same-origin or the page origin cannot be told. An `Origin: null` page
/// (sandboxed, `file:`) is cross-origin to everything.
///
/// This does not look at the kind of request: a navigation's `Referer` is the
/// previous page, so callers interested in CORS should look at `fetch`, `xhr`
/// and `preflight` entries.
pub fn cross_origin(entry: &Entry, pages: &[Page]) -> Option<PageOrigin> {
    let page_url = entry
        .page_ref
        .as_deref()
        .and_then(|id| pages.iter().find(|p| p.id == id))
        .map(|p| p.title.as_str());
    cross_origin_on_page(entry, page_url)
}

/// [`cross_origin`] with the entry's page URL already looked up (callers
/// judging many entries index the pages once instead of scanning them per
/// entry).
pub fn cross_origin_on_page(entry: &Entry, page_url: Option<&str>) -> Option<PageOrigin> {
    let target = Url::parse(entry.request.url.trim()).ok()?;
    let candidates = [
        (entry.request.header("origin"), OriginSource::OriginHeader),
        (entry.request.header("referer"), OriginSource::Referer),
        (page_url, OriginSource::Page),
    ];
    for (text, source) in candidates {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            continue;
        };
        if text == "null" {
            return Some(PageOrigin {
                origin: "null".into(),
                source,
            });
        }
        let Ok(page) = Url::parse(text) else { continue };
        let origin = page.origin();
        if origin == target.origin() && origin.is_tuple() {
            return None;
        }
        return Some(PageOrigin {
            origin: origin.ascii_serialization(),
            source,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_time("1970-01-01T00:00:00-0130"), Some(5_400_000_000));
        assert_eq!(
            parse_time("2000-03-01T00:00:00Z"),
            Some(951_868_800_000_000)
        );
        assert_eq!(
            parse_time("2024-02-29T12:34:56.789Z"),
            Some(1_709_210_096_789_000)
        );
        assert_eq!(parse_time("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_time("2024-01-01"), None);
        assert_eq!(parse_time("2024-01-01T00:00:00Zjunk"), None);
        assert_eq!(parse_time("2024-01-01T00:00:00."), None);
        assert_eq!(parse_time("２０２４"), None);
    }
}
