//! The shapes kept of a HAR value, and a value tree ([`Lite`]) holding only
//! those: every other field is skipped unread.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

use super::super::{BODY_PREFIX, MAX_HEADERS, MAX_PAGES, STRING_CAP};

/// Header names and values, methods, ids and other short strings are cut to
/// this many bytes.
pub(super) const SHORT: usize = 8 * 1024;

/// Reads the rest of an object, keeping nothing.
pub(super) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads the rest of a list, keeping nothing.
pub(super) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// What part of a JSON value to keep.
#[derive(Clone, Copy)]
pub(super) enum Shape {
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

pub(super) const IGNORE: Shape = Shape::Ignore;
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
pub(super) const ENTRY: Shape = Shape::Object(&[
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
pub(super) const PAGES: Shape = Shape::List(&PAGE, MAX_PAGES);
pub(super) const CREATOR: Shape =
    Shape::Object(&[("name", Shape::Text(256)), ("version", Shape::Text(256))]);

/// A JSON value cut down to a [`Shape`].
#[derive(Debug)]
pub(super) enum Lite {
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
pub(super) struct KeySeed(pub(super) &'static [(&'static str, Shape)]);

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
pub(super) struct ShapeSeed(pub(super) &'static Shape);

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
