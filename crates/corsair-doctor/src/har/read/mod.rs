//! Reading: `log.entries[]` streamed one entry at a time through a value
//! tree cut to the fields kept, below it a reader that cuts long strings.
//!
//! This file walks the top of the file (`log`, `log.entries`, `log.pages`,
//! `log.creator`); [`shape`] keeps only the fields the doctor uses,
//! [`convert`] turns what was kept into entries, and [`limiter`] is the
//! reader below the parser.

mod convert;
mod limiter;
mod shape;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{self, Read};

use super::{Entry, HarError, HarSummary, MAX_SKIPPED_REASONS};
use convert::{convert_entry, take_creator, take_pages};
use limiter::{Limiter, CHUNK};
use shape::{drain_map, drain_seq, KeySeed, Lite, Shape, ShapeSeed, CREATOR, ENTRY, IGNORE, PAGES};

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
