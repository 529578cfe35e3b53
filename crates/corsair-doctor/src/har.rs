//! Reads a HAR export (as Chrome, Edge and Firefox write it) entry by entry,
//! in bounded memory, and pairs preflights with the requests they precede.
//!
//! [`read`] streams `log.entries[]`: each entry is handed to a callback as
//! soon as it is parsed, and nothing of it is kept afterwards. Bodies
//! (`response.content.text`, `request.postData.text`) are cut to a
//! [`BODY_PREFIX`]-byte prefix; below the JSON parser, a reader cuts every JSON
//! string after [`STRING_CAP`] bytes of text (the value of a `"text"` key
//! after [`TEXT_CAP`]) before it is buffered, so one 100 MB base64 body costs
//! no more than a short one. Memory is bounded by the
//! largest entry's headers, not by the file.
//!
//! The reader is lenient: every field is optional, unknown fields are
//! skipped, numbers and strings are taken for each other where harmless. An
//! entry whose structure is wrong (not an object, no `request`, a `headers`
//! that is not a list, ...) is skipped and counted, and the file goes on.
//!
//! [`pair`] groups entries into exchanges: a request, the preflight before it
//! and the redirects after it. [`cross_origin`] works out the page origin a
//! request was made from.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, Read};
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
/// Header names and values, methods, ids and other short strings are cut to
/// this many bytes.
const SHORT: usize = 8 * 1024;
/// Headers kept per list; the rest are skipped.
pub const MAX_HEADERS: usize = 512;
/// Pages kept in [`HarSummary::pages`]; the rest are skipped.
pub const MAX_PAGES: usize = 1000;
/// Reasons kept in [`HarSummary::skipped_reasons`].
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

/// What [`read`] found besides the entries.
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
// Reading.

/// Reads a HAR file, handing each entry of `log.entries` to `on_entry` in file
/// order, and returns what else the file says.
///
/// Memory stays bounded whatever the file's size (see the module docs). A
/// malformed entry is skipped and counted in [`HarSummary::skipped`]; only a
/// file that is not JSON, is truncated, has no `log.entries` or cannot be
/// read fails. Entries handed over before such an error stay handed over.
pub fn read<R: Read>(reader: R, on_entry: impl FnMut(Entry)) -> Result<HarSummary, HarError> {
    let mut limiter = io::BufReader::with_capacity(CHUNK, Limiter::new(reader));
    let mut ctx = Ctx {
        on_entry,
        next_index: 0,
        summary: HarSummary::default(),
        credentials_seen: false,
        root: Found::Missing,
        log: Found::Missing,
        entries: Found::Missing,
    };
    let result = {
        let mut de = serde_json::Deserializer::from_reader(&mut limiter);
        RootSeed { ctx: &mut ctx }
            .deserialize(&mut de)
            .and_then(|()| de.end())
    };
    if let Err(e) = result {
        return Err(limiter.get_ref().error(e));
    }
    match (ctx.root, ctx.log, ctx.entries) {
        (Found::Wrong(kind), _, _) => Err(HarError::NotHar(format!(
            "the top level is {kind}, not an object with `log`"
        ))),
        (_, Found::Missing, _) => Err(HarError::NotHar("no `log` object".into())),
        (_, Found::Wrong(kind), _) => {
            Err(HarError::NotHar(format!("`log` is {kind}, not an object")))
        }
        (_, _, Found::Missing) => Err(HarError::NotHar("no `log.entries` list".into())),
        (_, _, Found::Wrong(kind)) => Err(HarError::NotHar(format!(
            "`log.entries` is {kind}, not a list"
        ))),
        _ => {
            let mut summary = ctx.summary;
            summary.sanitized = summary.entries > 0 && !ctx.credentials_seen;
            Ok(summary)
        }
    }
}

/// Whether a part of the file was there, and of the right kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Missing,
    Ok,
    Wrong(&'static str),
}

struct Ctx<F> {
    on_entry: F,
    next_index: usize,
    summary: HarSummary,
    credentials_seen: bool,
    root: Found,
    log: Found,
    entries: Found,
}

impl<F: FnMut(Entry)> Ctx<F> {
    fn take_entry(&mut self, lite: Lite) {
        let index = self.next_index;
        self.next_index += 1;
        match convert_entry(lite, index) {
            Ok((entry, credentials)) => {
                self.credentials_seen |= credentials;
                self.summary.entries += 1;
                (self.on_entry)(entry);
            }
            Err(reason) => {
                self.summary.skipped += 1;
                if self.summary.skipped_reasons.len() < MAX_SKIPPED_REASONS {
                    self.summary.skipped_reasons.push((index, reason));
                }
            }
        }
    }
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the scalar `visit_*` methods of a visitor that only wants
/// objects or lists: each calls `self.wrong(kind)`.
macro_rules! scalars_are_wrong {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(self.wrong("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(self.wrong("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(self.wrong("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(self.wrong("a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(self.wrong("a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(self.wrong("null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(self.wrong("null"))
        }
    };
}

struct RootSeed<'a, F> {
    ctx: &'a mut Ctx<F>,
}

impl<'de, F: FnMut(Entry)> DeserializeSeed<'de> for RootSeed<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(Entry)> Visitor<'de> for RootSeed<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR object")
    }
    scalars_are_wrong!();
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.ctx.root = Found::Wrong("a list");
        drain_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.ctx.root = Found::Ok;
        while let Some(key) = map.next_key_seed(KeySeed(&[("log", IGNORE)]))? {
            match key {
                Some(_) => map.next_value_seed(LogSeed {
                    ctx: &mut *self.ctx,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl<F> RootSeed<'_, F> {
    fn wrong(self, kind: &'static str) {
        self.ctx.root = Found::Wrong(kind);
    }
}

struct LogSeed<'a, F> {
    ctx: &'a mut Ctx<F>,
}

impl<'de, F: FnMut(Entry)> DeserializeSeed<'de> for LogSeed<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<F> LogSeed<'_, F> {
    fn wrong(self, kind: &'static str) {
        if self.ctx.log != Found::Ok {
            self.ctx.log = Found::Wrong(kind);
        }
    }
}

impl<'de, F: FnMut(Entry)> Visitor<'de> for LogSeed<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the HAR `log` object")
    }
    scalars_are_wrong!();
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.wrong("a list");
        drain_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.ctx.log = Found::Ok;
        const KEYS: &[(&str, Shape)] =
            &[("entries", IGNORE), ("pages", PAGES), ("creator", CREATOR)];
        while let Some(key) = map.next_key_seed(KeySeed(KEYS))? {
            match key {
                Some(0) => map.next_value_seed(EntriesSeed {
                    ctx: &mut *self.ctx,
                })?,
                Some(1) => {
                    let pages = map.next_value_seed(ShapeSeed(&PAGES))?;
                    take_pages(pages, &mut self.ctx.summary.pages);
                }
                Some(_) => {
                    let creator = map.next_value_seed(ShapeSeed(&CREATOR))?;
                    self.ctx.summary.creator = take_creator(creator);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct EntriesSeed<'a, F> {
    ctx: &'a mut Ctx<F>,
}

impl<'de, F: FnMut(Entry)> DeserializeSeed<'de> for EntriesSeed<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<F> EntriesSeed<'_, F> {
    fn wrong(self, kind: &'static str) {
        if self.ctx.entries != Found::Ok {
            self.ctx.entries = Found::Wrong(kind);
        }
    }
}

impl<'de, F: FnMut(Entry)> Visitor<'de> for EntriesSeed<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the `log.entries` list")
    }
    scalars_are_wrong!();
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.wrong("an object");
        drain_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.ctx.entries = Found::Ok;
        while let Some(lite) = seq.next_element_seed(ShapeSeed(&ENTRY))? {
            self.ctx.take_entry(lite);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The shapes kept, and a value tree holding only those.

/// What part of a JSON value to keep.
#[derive(Clone, Copy)]
enum Shape {
    /// A string, cut to this many bytes (numbers and booleans are written out).
    Text(usize),
    /// A number (or a string holding one).
    Number,
    /// An object with these fields; the others are skipped unread.
    Object(&'static [(&'static str, Shape)]),
    /// A list of this, keeping at most that many items (the rest are counted).
    List(&'static Shape, usize),
    /// Skipped.
    Ignore,
}

const IGNORE: Shape = Shape::Ignore;
const TEXT: Shape = Shape::Text(SHORT);
const LONG_TEXT: Shape = Shape::Text(STRING_CAP);
const BODY: Shape = Shape::Text(BODY_PREFIX);
const HEADER: Shape = Shape::Object(&[("name", TEXT), ("value", TEXT)]);
const HEADERS: Shape = Shape::List(&HEADER, MAX_HEADERS);
const COUNT: Shape = Shape::List(&IGNORE, 0);
const POST_DATA: Shape = Shape::Object(&[("text", BODY), ("mimeType", TEXT)]);
const REQUEST: Shape = Shape::Object(&[
    ("method", TEXT),
    ("url", LONG_TEXT),
    ("httpVersion", TEXT),
    ("headers", HEADERS),
    ("cookies", COUNT),
    ("postData", POST_DATA),
]);
const CONTENT: Shape = Shape::Object(&[("text", BODY), ("mimeType", TEXT)]);
const RESPONSE: Shape = Shape::Object(&[
    ("status", Shape::Number),
    ("headers", HEADERS),
    ("cookies", COUNT),
    ("redirectURL", LONG_TEXT),
    ("_error", TEXT),
    ("content", CONTENT),
]);
const INITIATOR: Shape = Shape::Object(&[("type", TEXT), ("url", LONG_TEXT), ("requestId", TEXT)]);
const ENTRY: Shape = Shape::Object(&[
    ("startedDateTime", TEXT),
    ("pageref", TEXT),
    ("request", REQUEST),
    ("response", RESPONSE),
    ("_resourceType", TEXT),
    ("_initiator", INITIATOR),
    ("_fromCache", TEXT),
    ("_requestId", TEXT),
]);
const PAGE: Shape = Shape::Object(&[
    ("id", TEXT),
    ("title", Shape::Text(2048)),
    ("startedDateTime", TEXT),
]);
const PAGES: Shape = Shape::List(&PAGE, MAX_PAGES);
const CREATOR: Shape = Shape::Object(&[("name", Shape::Text(256)), ("version", Shape::Text(256))]);

/// A JSON value cut down to a [`Shape`].
#[derive(Debug)]
enum Lite {
    /// `null`, or skipped.
    Null,
    /// A string and whether it was cut.
    Text(String, bool),
    Number(f64),
    Object(Vec<(&'static str, Lite)>),
    /// The items kept and how many there were.
    List(Vec<Lite>, usize),
    /// Something of the wrong kind was there (`a string`, `an object`, ...).
    Wrong(&'static str),
}

/// Matches an object key against known names without keeping it.
struct KeySeed(&'static [(&'static str, Shape)]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|(k, _)| *k == v))
    }
}

/// Reads a value keeping only its [`Shape`]; never fails on content, only on
/// JSON syntax.
struct ShapeSeed(&'static Shape);

impl<'de> DeserializeSeed<'de> for ShapeSeed {
    type Value = Lite;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Lite, D::Error> {
        match self.0 {
            Shape::Ignore => d.deserialize_ignored_any(IgnoredAny).map(|_| Lite::Null),
            _ => d.deserialize_any(self),
        }
    }
}

fn cut(s: &str, max: usize) -> (String, bool) {
    if s.len() <= max {
        return (s.to_owned(), false);
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    (s.get(..end).unwrap_or("").to_owned(), true)
}

impl ShapeSeed {
    fn scalar(
        &self,
        text: impl FnOnce() -> String,
        number: Option<f64>,
        kind: &'static str,
    ) -> Lite {
        match self.0 {
            Shape::Text(max) => {
                let (s, was_cut) = cut(&text(), *max);
                Lite::Text(s, was_cut)
            }
            Shape::Number => number.map_or(Lite::Wrong(kind), Lite::Number),
            Shape::Ignore => Lite::Null,
            Shape::Object(_) | Shape::List(..) => Lite::Wrong(kind),
        }
    }
}

impl<'de> Visitor<'de> for ShapeSeed {
    type Value = Lite;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lite, E> {
        Ok(self.scalar(|| v.to_string(), None, "a boolean"))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lite, E> {
        Ok(self.scalar(|| v.to_string(), Some(v as f64), "a number"))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lite, E> {
        Ok(self.scalar(|| v.to_string(), Some(v as f64), "a number"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lite, E> {
        Ok(self.scalar(|| v.to_string(), Some(v), "a number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Lite, E> {
        if let Shape::Text(max) = self.0 {
            let (s, was_cut) = cut(v, *max);
            return Ok(Lite::Text(s, was_cut));
        }
        let number = v.trim().parse::<f64>().ok();
        Ok(self.scalar(String::new, number, "a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Lite, E> {
        Ok(Lite::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Lite, E> {
        Ok(Lite::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Lite, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lite, A::Error> {
        let Shape::Object(fields) = self.0 else {
            let lite = match self.0 {
                Shape::Ignore => Lite::Null,
                _ => Lite::Wrong("an object"),
            };
            drain_map(map)?;
            return Ok(lite);
        };
        let mut kept: Vec<(&'static str, Lite)> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(fields))? {
            let Some((name, shape)) = key.and_then(|i| fields.get(i)) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let value = map.next_value_seed(ShapeSeed(shape))?;
            // A repeated key: the last one wins, as in JavaScript.
            kept.retain(|(n, _)| n != name);
            kept.push((name, value));
        }
        Ok(Lite::Object(kept))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lite, A::Error> {
        let Shape::List(item, max) = self.0 else {
            let lite = match self.0 {
                Shape::Ignore => Lite::Null,
                _ => Lite::Wrong("a list"),
            };
            drain_seq(seq)?;
            return Ok(lite);
        };
        let mut kept = Vec::new();
        let mut total = 0usize;
        loop {
            let more = if kept.len() < *max {
                match seq.next_element_seed(ShapeSeed(item))? {
                    Some(v) => {
                        kept.push(v);
                        true
                    }
                    None => false,
                }
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                break;
            }
            total += 1;
        }
        Ok(Lite::List(kept, total))
    }
}

// ---------------------------------------------------------------------------
// From the value tree to entries.

type Fields = Vec<(&'static str, Lite)>;
type HeaderList = Vec<(String, String)>;

fn take(fields: &mut Fields, name: &str) -> Lite {
    match fields.iter().position(|(n, _)| *n == name) {
        Some(i) => fields.swap_remove(i).1,
        None => Lite::Null,
    }
}

fn as_object(lite: Lite, path: &str) -> Result<Option<Fields>, String> {
    match lite {
        Lite::Null => Ok(None),
        Lite::Object(fields) => Ok(Some(fields)),
        Lite::Wrong(kind) => Err(format!("{path}: expected an object, found {kind}")),
        _ => Err(format!("{path}: expected an object")),
    }
}

fn as_text(lite: Lite, path: &str) -> Result<Option<(String, bool)>, String> {
    match lite {
        Lite::Null => Ok(None),
        Lite::Text(s, was_cut) => Ok(Some((s, was_cut))),
        Lite::Wrong(kind) => Err(format!("{path}: expected a string, found {kind}")),
        _ => Err(format!("{path}: expected a string")),
    }
}

/// A string field; empty strings count as missing.
fn text_field(fields: &mut Fields, name: &str, path: &str) -> Result<Option<String>, String> {
    Ok(as_text(take(fields, name), &format!("{path}.{name}"))?
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty()))
}

/// A header list: the headers and whether it had a credential header.
fn headers(
    lite: Lite,
    path: &str,
    credential_names: &[&str],
) -> Result<(Vec<(String, String)>, bool), String> {
    let items = match lite {
        Lite::Null => return Ok((Vec::new(), false)),
        Lite::List(items, _) => items,
        Lite::Wrong(kind) => return Err(format!("{path}: expected a list, found {kind}")),
        _ => return Err(format!("{path}: expected a list")),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut credentials = false;
    for (i, item) in items.into_iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        let Some(mut fields) = as_object(item, &item_path)? else {
            continue;
        };
        let name = as_text(take(&mut fields, "name"), &format!("{item_path}.name"))?;
        let value = as_text(take(&mut fields, "value"), &format!("{item_path}.value"))?;
        let Some((name, _)) = name.filter(|(n, _)| !n.is_empty()) else {
            continue;
        };
        credentials |= credential_names
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c));
        out.push((name, value.map(|(v, _)| v).unwrap_or_default()));
    }
    Ok((out, credentials))
}

/// Whether a `cookies` list has items (it must be a list when present).
fn has_cookies(lite: Lite, path: &str) -> Result<bool, String> {
    match lite {
        Lite::Null => Ok(false),
        Lite::List(_, total) => Ok(total > 0),
        Lite::Wrong(kind) => Err(format!("{path}: expected a list, found {kind}")),
        _ => Err(format!("{path}: expected a list")),
    }
}

/// Splits HTTP/2 pseudo-headers (`:authority`, ...) off a header list.
fn split_pseudo(headers: HeaderList) -> (HeaderList, HeaderList) {
    headers.into_iter().partition(|(n, _)| !n.starts_with(':'))
}

fn status_of(value: f64) -> u16 {
    if value.is_finite() && (0.0..=65535.0).contains(&value) {
        value as u16
    } else {
        0
    }
}

fn convert_entry(lite: Lite, index: usize) -> Result<(Entry, bool), String> {
    let Some(mut fields) = as_object(lite, "entry")? else {
        return Err("entry: expected an object, found null".into());
    };
    let Some(mut req) = as_object(take(&mut fields, "request"), "request")? else {
        return Err("request: missing".into());
    };
    let (req_headers, mut credentials) = headers(
        take(&mut req, "headers"),
        "request.headers",
        &["cookie", "authorization"],
    )?;
    credentials |= has_cookies(take(&mut req, "cookies"), "request.cookies")?;
    let (req_headers, pseudo) = split_pseudo(req_headers);
    let pseudo_value = |name: &str| {
        pseudo
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let method = text_field(&mut req, "method", "request")?
        .or_else(|| pseudo_value(":method"))
        .unwrap_or_default();
    let url = match text_field(&mut req, "url", "request")? {
        Some(url) => url,
        None => match (
            pseudo_value(":scheme"),
            pseudo_value(":authority"),
            pseudo_value(":path"),
        ) {
            (Some(scheme), Some(authority), path) => {
                format!(
                    "{scheme}://{authority}{}",
                    path.unwrap_or_else(|| "/".into())
                )
            }
            _ => return Err("request.url: missing".into()),
        },
    };
    let http_version = text_field(&mut req, "httpVersion", "request")?.unwrap_or_default();
    let (body_prefix, body_truncated) =
        match as_object(take(&mut req, "postData"), "request.postData")? {
            Some(mut post) => match as_text(take(&mut post, "text"), "request.postData.text")? {
                Some((text, was_cut)) => (Some(text), was_cut),
                None => (None, false),
            },
            None => (None, false),
        };
    let request = HarRequest {
        method,
        url,
        http_version,
        headers: req_headers,
        body_prefix,
        body_truncated,
    };

    let response = match as_object(take(&mut fields, "response"), "response")? {
        Some(mut res) => {
            let (res_headers, set_cookie) = headers(
                take(&mut res, "headers"),
                "response.headers",
                &["set-cookie"],
            )?;
            credentials |= set_cookie;
            credentials |= has_cookies(take(&mut res, "cookies"), "response.cookies")?;
            let (res_headers, pseudo) = split_pseudo(res_headers);
            let status = match take(&mut res, "status") {
                Lite::Number(n) => status_of(n),
                Lite::Null => pseudo
                    .iter()
                    .find(|(n, _)| n == ":status")
                    .and_then(|(_, v)| v.trim().parse::<u16>().ok())
                    .unwrap_or(0),
                Lite::Wrong(kind) => {
                    return Err(format!("response.status: expected a number, found {kind}"))
                }
                _ => return Err("response.status: expected a number".into()),
            };
            let redirect_url = text_field(&mut res, "redirectURL", "response")?;
            let error = text_field(&mut res, "_error", "response")?;
            let (body_prefix, body_truncated, mime_type) =
                match as_object(take(&mut res, "content"), "response.content")? {
                    Some(mut content) => {
                        let mime = text_field(&mut content, "mimeType", "response.content")?;
                        let text = as_text(take(&mut content, "text"), "response.content.text")?;
                        let was_cut = text.as_ref().is_some_and(|t| t.1);
                        (text.map(|t| t.0), was_cut, mime.unwrap_or_default())
                    }
                    None => (None, false, String::new()),
                };
            HarResponse {
                status,
                headers: res_headers,
                redirect_url,
                error,
                body_prefix,
                body_truncated,
                mime_type,
            }
        }
        None => HarResponse::default(),
    };

    let initiator = match as_object(take(&mut fields, "_initiator"), "_initiator")? {
        Some(mut ini) => Some(Initiator {
            kind: text_field(&mut ini, "type", "_initiator")?.unwrap_or_default(),
            url: text_field(&mut ini, "url", "_initiator")?,
            request_id: text_field(&mut ini, "requestId", "_initiator")?,
        }),
        None => None,
    };
    let entry = Entry {
        index,
        started: text_field(&mut fields, "startedDateTime", "entry")?,
        page_ref: text_field(&mut fields, "pageref", "entry")?,
        request,
        response,
        resource_type: text_field(&mut fields, "_resourceType", "entry")?,
        initiator,
        from_cache: text_field(&mut fields, "_fromCache", "entry")?,
        request_id: text_field(&mut fields, "_requestId", "entry")?,
    };
    Ok((entry, credentials))
}

fn take_pages(lite: Lite, pages: &mut Vec<Page>) {
    let Lite::List(items, _) = lite else { return };
    for item in items {
        if pages.len() >= MAX_PAGES {
            return;
        }
        let Lite::Object(mut fields) = item else {
            continue;
        };
        let text = |fields: &mut Fields, name: &str| match take(fields, name) {
            Lite::Text(s, _) => Some(s),
            _ => None,
        };
        pages.push(Page {
            id: text(&mut fields, "id").unwrap_or_default(),
            title: text(&mut fields, "title").unwrap_or_default(),
            started: text(&mut fields, "startedDateTime"),
        });
    }
}

fn take_creator(lite: Lite) -> Option<String> {
    let Lite::Object(mut fields) = lite else {
        return None;
    };
    let mut parts = Vec::new();
    for name in ["name", "version"] {
        if let Lite::Text(s, _) = take(&mut fields, name) {
            if !s.trim().is_empty() {
                parts.push(s.trim().to_owned());
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

// ---------------------------------------------------------------------------
// The reader below the parser: cuts long JSON strings, skips a BOM, and keeps
// what it needs to report positions in the original file.

const CHUNK: usize = 64 * 1024;
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
struct Limiter<R> {
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
    cuts: Vec<Cut>,
}

/// Where `byte` first occurs in `bytes`, found with the platform's `memchr`.
fn find(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut cursor = bytes;
    let n = cursor.skip_until(byte).unwrap_or(0);
    (n > 0 && bytes.get(n - 1) == Some(&byte)).then(|| n - 1)
}

impl<R: Read> Limiter<R> {
    fn new(inner: R) -> Self {
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
            cuts: Vec::new(),
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
        let mut run = find(window, b'\\').unwrap_or(window.len());
        run = find(window.get(..run).unwrap_or_default(), b'"').unwrap_or(run);
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
            self.cuts.push(Cut {
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

    fn error(&self, e: serde_json::Error) -> HarError {
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
// Pairing.

/// A request with its preflight and the redirects that followed it.
///
/// Indices are positions in the slice given to [`pair`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The first request of the chain; for a lone preflight, the preflight.
    pub request: usize,
    /// The preflight sent before `request`.
    pub preflight: Option<usize>,
    /// The later hops of a redirect chain, in order.
    pub redirects: Vec<usize>,
    /// For each of `redirects`, the preflight sent before that hop (a
    /// redirect to another origin can need a new one).
    pub redirect_preflights: Vec<Option<usize>>,
    /// A preflight for which no request was found (the browser did not send
    /// it, or the export lost it): then `request` and `preflight` are both
    /// the preflight.
    pub lone_preflight: bool,
}

/// Whether an entry is a CORS preflight: Chrome's `_resourceType` or
/// `_initiator.type` says `preflight`, or it is an OPTIONS request with an
/// `Access-Control-Request-Method` header.
pub fn is_preflight(entry: &Entry) -> bool {
    entry
        .resource_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("preflight"))
        || entry
            .initiator
            .as_ref()
            .is_some_and(|i| i.kind.eq_ignore_ascii_case("preflight"))
        || (entry.request.method.eq_ignore_ascii_case("OPTIONS")
            && entry
                .request
                .header("access-control-request-method")
                .is_some())
}

/// The URL a request's entries are matched on: parsed and without fragment
/// when it parses, else as written.
fn url_key(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.into()
        }
        Err(_) => url.trim().to_owned(),
    }
}

/// Groups entries into exchanges, ordered by their first entry.
///
/// - A preflight goes with the request it precedes: the request whose
///   `_requestId` its `_initiator.requestId` names when the export has ids;
///   else a request to the same URL (or to its `_initiator.url`) whose
///   method is the preflight's `Access-Control-Request-Method`, started at
///   most [`PREFLIGHT_SKEW_US`] before the preflight and nearest to it in
///   time (in file order when times are missing).
/// - A 3xx response whose `redirectURL` (or `Location`) names the URL of a
///   later request with the same method (or GET after a 303, or after a 301
///   or 302 to a POST) continues into that request; the chain is one exchange.
/// - Every other entry is an exchange of its own.
pub fn pair(entries: &[Entry]) -> Vec<Exchange> {
    let n = entries.len();
    let times: Vec<Option<i64>> = entries
        .iter()
        .map(|e| e.started.as_deref().and_then(parse_time))
        .collect();
    let preflight: Vec<bool> = entries.iter().map(is_preflight).collect();
    let keys: Vec<String> = entries.iter().map(|e| url_key(&e.request.url)).collect();
    let mut by_url: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        if !preflight.get(i).copied().unwrap_or(false) {
            by_url.entry(key.as_str()).or_default().push(i);
        }
    }
    let time = |i: usize| times.get(i).copied().flatten();
    // Whether `b` comes after `a`: by time when both have one, else by position.
    let after = |a: usize, b: usize| match (time(a), time(b)) {
        (Some(ta), Some(tb)) => (tb, b) > (ta, a),
        _ => b > a,
    };
    let distance = |a: usize, b: usize| match (time(a), time(b)) {
        (Some(ta), Some(tb)) => (tb.abs_diff(ta), a.abs_diff(b)),
        _ => (u64::MAX, a.abs_diff(b)),
    };

    // Redirect chains.
    let mut next: Vec<Option<usize>> = vec![None; n];
    let mut prev: Vec<Option<usize>> = vec![None; n];
    for (i, entry) in entries.iter().enumerate() {
        let status = entry.response.status;
        if preflight.get(i).copied().unwrap_or(true) || !(300..400).contains(&status) {
            continue;
        }
        let Some(target) = entry
            .response
            .redirect_url
            .as_deref()
            .or_else(|| entry.response.header("location"))
            .filter(|t| !t.trim().is_empty())
        else {
            continue;
        };
        let target =
            match Url::parse(entry.request.url.trim()).and_then(|base| base.join(target.trim())) {
                Ok(u) => url_key(u.as_str()),
                Err(_) => url_key(target),
            };
        let method = entry.request.method.as_str();
        let best = by_url
            .get(target.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&j| j != i && prev.get(j).copied().flatten().is_none() && after(i, j))
            .filter(|&j| {
                entries.get(j).is_some_and(|e| {
                    let m = e.request.method.as_str();
                    m == method
                        || (m == "GET"
                            && (status == 303 || (matches!(status, 301 | 302) && method == "POST")))
                })
            })
            .min_by_key(|&j| distance(i, j));
        if let Some(j) = best {
            if let (Some(nx), Some(pv)) = (next.get_mut(i), prev.get_mut(j)) {
                *nx = Some(j);
                *pv = Some(i);
            }
        }
    }

    // Preflights.
    let mut preflight_of: Vec<Option<usize>> = vec![None; n];
    let mut paired = vec![false; n];
    let by_id: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| !preflight.get(*i).copied().unwrap_or(true))
        .filter_map(|(i, e)| e.request_id.as_deref().map(|id| (id, i)))
        .collect();
    for (p, entry) in entries.iter().enumerate() {
        if !preflight.get(p).copied().unwrap_or(false) {
            continue;
        }
        let by_request_id = entry
            .initiator
            .as_ref()
            .and_then(|ini| ini.request_id.as_deref())
            .and_then(|id| by_id.get(id).copied())
            .filter(|&r| preflight_of.get(r).copied().flatten().is_none());
        let chosen = by_request_id.or_else(|| {
            let acrm = entry
                .request
                .header("access-control-request-method")
                .map(str::trim);
            let mut urls = vec![keys.get(p).map(String::as_str).unwrap_or("")];
            let initiator_url = entry
                .initiator
                .as_ref()
                .and_then(|i| i.url.as_deref())
                .map(url_key);
            if let Some(u) = initiator_url.as_deref() {
                urls.push(u);
            }
            urls.iter()
                .filter_map(|u| by_url.get(u))
                .flatten()
                .copied()
                .filter(|&r| preflight_of.get(r).copied().flatten().is_none())
                .filter(|&r| {
                    entries.get(r).is_some_and(|e| match acrm {
                        Some(m) => e.request.method == m,
                        None => !e.request.method.eq_ignore_ascii_case("OPTIONS"),
                    })
                })
                .filter(|&r| match (time(p), time(r)) {
                    (Some(tp), Some(tr)) => tr >= tp.saturating_sub(PREFLIGHT_SKEW_US),
                    _ => r > p,
                })
                .min_by_key(|&r| distance(p, r))
        });
        if let Some(r) = chosen {
            if let (Some(slot), Some(done)) = (preflight_of.get_mut(r), paired.get_mut(p)) {
                *slot = Some(p);
                *done = true;
            }
        }
    }

    // Exchanges.
    let mut visited = vec![false; n];
    let mut out = Vec::new();
    let heads = (0..n).filter(|&i| prev.get(i).copied().flatten().is_none());
    // Entries not reached from a head are on a cycle: start there.
    let rest: Vec<usize> = (0..n).collect();
    for start in heads.collect::<Vec<_>>().into_iter().chain(rest) {
        if preflight.get(start).copied().unwrap_or(true)
            || visited.get(start).copied().unwrap_or(true)
        {
            continue;
        }
        if let Some(v) = visited.get_mut(start) {
            *v = true;
        }
        let mut exchange = Exchange {
            request: start,
            preflight: preflight_of.get(start).copied().flatten(),
            ..Exchange::default()
        };
        let mut cursor = next.get(start).copied().flatten();
        while let Some(hop) = cursor {
            match visited.get_mut(hop) {
                Some(v) if !*v => *v = true,
                _ => break,
            }
            exchange.redirects.push(hop);
            exchange
                .redirect_preflights
                .push(preflight_of.get(hop).copied().flatten());
            cursor = next.get(hop).copied().flatten();
        }
        out.push(exchange);
    }
    for p in 0..n {
        if preflight.get(p).copied().unwrap_or(false) && !paired.get(p).copied().unwrap_or(true) {
            out.push(Exchange {
                request: p,
                preflight: Some(p),
                lone_preflight: true,
                ..Exchange::default()
            });
        }
    }
    out.sort_by_key(|e| e.request);
    out
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
    let target = Url::parse(entry.request.url.trim()).ok()?;
    let page_url = entry
        .page_ref
        .as_deref()
        .and_then(|id| pages.iter().find(|p| p.id == id))
        .map(|p| p.title.as_str());
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
