//! Reading: `log.entries[]` streamed one entry at a time through a value
//! tree cut to the fields kept, below it a reader that cuts long strings.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Read};

use super::{
    Entry, HarError, HarRequest, HarResponse, HarSummary, Initiator, Page, BODY_PREFIX,
    MAX_HEADERS, MAX_PAGES, MAX_SKIPPED_REASONS, STRING_CAP, TEXT_CAP,
};

/// Header names and values, methods, ids and other short strings are cut to
/// this many bytes.
const SHORT: usize = 8 * 1024;

/// Reads a HAR file, handing each entry of `log.entries` to `on_entry` in file
/// order, and returns what else the file says.
///
/// Memory stays bounded whatever the file's size (see the module docs). A
/// malformed entry is skipped and counted in [`HarSummary::skipped`]; only a
/// file that is not JSON, is truncated, has no `log.entries` or cannot be
/// read fails. Entries handed over before such an error stay handed over
/// (see [`read_partial`] for what was read up to the error).
pub fn read<R: Read>(reader: R, on_entry: impl FnMut(Entry)) -> Result<HarSummary, HarError> {
    match read_partial(reader, on_entry) {
        (summary, None) => Ok(summary),
        (_, Some(e)) => Err(e),
    }
}

/// [`read`], returning what was read up to an error along with it: for a
/// truncated export, the summary of the entries before the cut (which were
/// handed to `on_entry`).
pub fn read_partial<R: Read>(
    reader: R,
    on_entry: impl FnMut(Entry),
) -> (HarSummary, Option<HarError>) {
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
    let mut summary = std::mem::take(&mut ctx.summary);
    summary.sanitized = summary.entries > 0 && !ctx.credentials_seen;
    if let Err(e) = result {
        return (summary, Some(limiter.get_ref().error(e)));
    }
    let error = match (ctx.root, ctx.log, ctx.entries) {
        (Found::Wrong(kind), _, _) => {
            Some(format!("the top level is {kind}, not an object with `log`"))
        }
        (_, Found::Missing, _) => Some("no `log` object".into()),
        (_, Found::Wrong(kind), _) => Some(format!("`log` is {kind}, not an object")),
        (_, _, Found::Missing) => Some("no `log.entries` list".into()),
        (_, _, Found::Wrong(kind)) => Some(format!("`log.entries` is {kind}, not a list")),
        _ => None,
    };
    (summary, error.map(HarError::NotHar))
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
        let mut cuts = Vec::new();
        match convert_entry(lite, index, &mut cuts) {
            Ok((entry, credentials)) => {
                self.credentials_seen |= credentials;
                self.summary.entries += 1;
                if !cuts.is_empty() {
                    self.summary.cut += 1;
                    for note in cuts {
                        if self.summary.cut_notes.len() < MAX_SKIPPED_REASONS {
                            self.summary.cut_notes.push((index, note));
                        }
                    }
                }
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
                    let summary = &mut self.ctx.summary;
                    summary.pages_cut += take_pages(pages, &mut summary.pages);
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

fn as_object(lite: Lite, path: &dyn fmt::Display) -> Result<Option<Fields>, String> {
    match lite {
        Lite::Null => Ok(None),
        Lite::Object(fields) => Ok(Some(fields)),
        Lite::Wrong(kind) => Err(format!("{path}: expected an object, found {kind}")),
        _ => Err(format!("{path}: expected an object")),
    }
}

fn as_text(lite: Lite, path: &dyn fmt::Display) -> Result<Option<(String, bool)>, String> {
    match lite {
        Lite::Null => Ok(None),
        Lite::Text(s, was_cut) => Ok(Some((s, was_cut))),
        Lite::Wrong(kind) => Err(format!("{path}: expected a string, found {kind}")),
        _ => Err(format!("{path}: expected a string")),
    }
}

/// A string field; empty strings count as missing.
fn text_field(fields: &mut Fields, name: &str, path: &str) -> Result<Option<String>, String> {
    // The path is written out only for an error: formatting it for every
    // field was a tenth of the time on files of small entries.
    Ok(as_text(take(fields, name), &format_args!("{path}.{name}"))?
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty()))
}

/// A header list: the headers and whether it had a credential header. A list
/// longer than [`MAX_HEADERS`] is cut there, and names and values longer
/// than [`SHORT`] bytes too, with a note in `cuts`.
fn headers(
    lite: Lite,
    path: &str,
    credential_names: &[&str],
    cuts: &mut Vec<String>,
) -> Result<(Vec<(String, String)>, bool), String> {
    let items = match lite {
        Lite::Null => return Ok((Vec::new(), false)),
        Lite::List(items, total) => {
            if total > items.len() {
                cuts.push(format!(
                    "{path} has {total} headers; only the first {MAX_HEADERS} are read (the bound per list)"
                ));
            }
            items
        }
        Lite::Wrong(kind) => return Err(format!("{path}: expected a list, found {kind}")),
        _ => return Err(format!("{path}: expected a list")),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut credentials = false;
    let mut long = 0;
    for (i, item) in items.into_iter().enumerate() {
        let Some(mut fields) = as_object(item, &format_args!("{path}[{i}]"))? else {
            continue;
        };
        let name = as_text(take(&mut fields, "name"), &format_args!("{path}[{i}].name"))?;
        let value = as_text(
            take(&mut fields, "value"),
            &format_args!("{path}[{i}].value"),
        )?;
        let Some((name, name_cut)) = name.filter(|(n, _)| !n.is_empty()) else {
            continue;
        };
        credentials |= credential_names
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c));
        let (value, value_cut) = value.unwrap_or_default();
        long += usize::from(name_cut || value_cut);
        out.push((name, value));
    }
    if long > 0 {
        cuts.push(format!(
            "{path}: {long} headers with a name or value longer than {} KiB, cut there (the bound per header)",
            SHORT / 1024
        ));
    }
    Ok((out, credentials))
}

/// Whether a `cookies` list has items (it must be a list when present).
fn has_cookies(lite: Lite, path: &dyn fmt::Display) -> Result<bool, String> {
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

fn convert_entry(
    lite: Lite,
    index: usize,
    cuts: &mut Vec<String>,
) -> Result<(Entry, bool), String> {
    let Some(mut fields) = as_object(lite, &"entry")? else {
        return Err("entry: expected an object, found null".into());
    };
    let Some(mut req) = as_object(take(&mut fields, "request"), &"request")? else {
        return Err("request: missing".into());
    };
    let (req_headers, mut credentials) = headers(
        take(&mut req, "headers"),
        "request.headers",
        &["cookie", "authorization"],
        cuts,
    )?;
    credentials |= has_cookies(take(&mut req, "cookies"), &"request.cookies")?;
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
    let url = as_text(take(&mut req, "url"), &"request.url")?.filter(|(u, _)| !u.is_empty());
    if let Some((u, was_cut)) = &url {
        // The reader below the parser cuts at the same bound, so a cut URL
        // arrives exactly that long.
        if *was_cut || u.len() >= STRING_CAP {
            cuts.push(format!(
                "request.url is longer than {} KiB; cut there (the bound per string)",
                STRING_CAP / 1024
            ));
        }
    }
    let url = match url.map(|(u, _)| u) {
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
        match as_object(take(&mut req, "postData"), &"request.postData")? {
            Some(mut post) => match as_text(take(&mut post, "text"), &"request.postData.text")? {
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

    let response = match as_object(take(&mut fields, "response"), &"response")? {
        Some(mut res) => {
            let (res_headers, set_cookie) = headers(
                take(&mut res, "headers"),
                "response.headers",
                &["set-cookie"],
                cuts,
            )?;
            credentials |= set_cookie;
            credentials |= has_cookies(take(&mut res, "cookies"), &"response.cookies")?;
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
                match as_object(take(&mut res, "content"), &"response.content")? {
                    Some(mut content) => {
                        let mime = text_field(&mut content, "mimeType", "response.content")?;
                        let text = as_text(take(&mut content, "text"), &"response.content.text")?;
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

    let initiator = match as_object(take(&mut fields, "_initiator"), &"_initiator")? {
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

/// Adds the pages of a `pages` list to `pages`, up to [`MAX_PAGES`]; returns
/// how many were left out.
fn take_pages(lite: Lite, pages: &mut Vec<Page>) -> usize {
    let Lite::List(items, total) = lite else {
        return 0;
    };
    let mut left_out = total.saturating_sub(items.len());
    for item in items {
        if pages.len() >= MAX_PAGES {
            left_out += 1;
            continue;
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
    left_out
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
