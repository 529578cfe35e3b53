//! `corsair.toml` read into sections whose every value keeps its place in
//! the file. Syntax errors, unknown keys and wrong types become problems;
//! reading goes on past them so every problem is reported at once.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::problem::{edit_distance, Location, Problem};
use crate::catalog::Slug;

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub at: Location,
}

impl<T> Located<T> {
    /// A value written at `at`.
    pub fn new(value: T, at: Location) -> Located<T> {
        Located { value, at }
    }
}

/// A list value: the list's place and each item's.
pub type List = Located<Vec<Located<String>>>;

/// The keys of `[cors]`, of a stage, or of a route.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// Where the section's header (or key) is.
    pub at: Option<Location>,
    /// `origins`.
    pub origins: Option<List>,
    /// `extra-origins` (stages only).
    pub extra_origins: Option<List>,
    /// `credentials`.
    pub credentials: Option<Located<bool>>,
    /// `methods`.
    pub methods: Option<List>,
    /// `request-headers`.
    pub request_headers: Option<List>,
    /// `expose-headers`.
    pub expose_headers: Option<List>,
    /// `max-age`.
    pub max_age: Option<Located<i64>>,
    /// `local-network`.
    pub local_network: Option<Located<bool>>,
    /// `debug`.
    pub debug: Option<Located<bool>>,
    /// `shadow`.
    pub shadow: Option<Located<bool>>,
    /// `path` (routes only).
    pub path: Option<Located<String>>,
}

/// A whole policy file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    /// `[cors]`: the default policy.
    pub cors: Section,
    /// `[stages.NAME]`, in file order.
    pub stages: Vec<(Located<String>, Section)>,
    /// `[[routes]]`, in file order.
    pub routes: Vec<Section>,
}

/// The keys a policy section may have, in the order the README lists them.
pub const POLICY_KEYS: [&str; 9] = [
    "origins",
    "credentials",
    "methods",
    "request-headers",
    "expose-headers",
    "max-age",
    "local-network",
    "debug",
    "shadow",
];

/// Names people reach for, from other frameworks, and the key they mean.
const ALIASES: [(&str, &str); 18] = [
    ("allow-origins", "origins"),
    ("allowed-origins", "origins"),
    ("allow-origin", "origins"),
    ("origin", "origins"),
    ("cors-origins", "origins"),
    ("allow-credentials", "credentials"),
    ("supports-credentials", "credentials"),
    ("allow-methods", "methods"),
    ("allowed-methods", "methods"),
    ("allow-headers", "request-headers"),
    ("allowed-headers", "request-headers"),
    ("headers", "request-headers"),
    ("expose", "expose-headers"),
    ("exposed-headers", "expose-headers"),
    ("maxage", "max-age"),
    ("preflight-max-age", "max-age"),
    ("private-network", "local-network"),
    ("allow-private-network", "local-network"),
];

/// The key the user probably meant, if any.
pub fn suggest_key<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let norm = key.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    if let Some(k) = known.iter().find(|k| **k == norm) {
        return Some(k);
    }
    if let Some((_, k)) = ALIASES.iter().find(|(a, _)| *a == norm) {
        return known.iter().copied().find(|x| x == k);
    }
    known
        .iter()
        .map(|k| (edit_distance(&norm, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

fn file(span: Range<usize>) -> Location {
    Location::File { span }
}

struct Reader<'p> {
    problems: &'p mut Vec<Problem>,
}

impl Reader<'_> {
    fn type_error(
        &mut self,
        key: &str,
        span: Range<usize>,
        want: &str,
        got: &DeValue<'_>,
        example: &str,
    ) {
        self.problems.push(Problem::new(
            Slug::InvalidValue,
            file(span),
            format!("`{key}` must be {want}, not {}", got.type_str()),
            format!("write it as `{key} = {example}`"),
        ));
    }

    fn list(&mut self, key: &str, value: &Spanned<DeValue<'_>>, example: &str) -> Option<List> {
        let Some(items) = value.get_ref().as_array() else {
            // A lone string is a common slip: read it as a one-item list, but say so.
            if let Some(s) = value.get_ref().as_str() {
                self.problems.push(Problem::new(
                    Slug::InvalidValue,
                    file(value.span()),
                    format!("`{key}` is a list; a single string was given"),
                    format!("write it as `{key} = [\"{s}\"]`"),
                ));
                return Some(Located::new(
                    vec![Located::new(s.to_owned(), file(value.span()))],
                    file(value.span()),
                ));
            }
            self.type_error(
                key,
                value.span(),
                "a list of strings",
                value.get_ref(),
                example,
            );
            return None;
        };
        let bound = if key.ends_with("origins") {
            MAX_ORIGINS
        } else {
            MAX_NAMES
        };
        if items.len() > bound {
            self.problems.push(over_bound(
                file(value.span()),
                &format!("the number of entries in `{key}`"),
                items.len(),
                bound,
            ));
        }
        let mut out = Vec::with_capacity(items.len().min(bound));
        for item in items.iter().take(bound) {
            match item.get_ref().as_str() {
                Some(s) => out.push(Located::new(s.to_owned(), file(item.span()))),
                None => self.type_error(
                    key,
                    item.span(),
                    "a list of strings",
                    item.get_ref(),
                    example,
                ),
            }
        }
        Some(Located::new(out, file(value.span())))
    }

    fn boolean(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<Located<bool>> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Located::new(*b, file(value.span()))),
            DeValue::String(s) if matches!(&**s, "true" | "false") => {
                self.problems.push(Problem::new(
                    Slug::InvalidValue,
                    file(value.span()),
                    format!("`{key}` is a boolean; the string \"{s}\" was given"),
                    format!("write it without quotes: `{key} = {s}`"),
                ));
                Some(Located::new(&**s == "true", file(value.span())))
            }
            other => {
                self.type_error(key, value.span(), "true or false", other, "true");
                None
            }
        }
    }

    fn integer(&mut self, key: &str, value: &Spanned<DeValue<'_>>) -> Option<Located<i64>> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            DeValue::String(s) => {
                let n = s.trim().parse::<i64>().ok();
                if let Some(n) = n {
                    self.problems.push(Problem::new(
                        Slug::InvalidValue,
                        file(value.span()),
                        format!("`{key}` is a number of seconds; the string \"{s}\" was given"),
                        format!("write it without quotes: `{key} = {n}`"),
                    ));
                }
                n
            }
            _ => None,
        };
        if parsed.is_none() {
            self.type_error(
                key,
                value.span(),
                "a whole number of seconds",
                value.get_ref(),
                "7200",
            );
        }
        parsed.map(|n| Located::new(n, file(value.span())))
    }

    fn unknown(&mut self, key: &Spanned<std::borrow::Cow<'_, str>>, known: &[&str], place: &str) {
        let name = key.get_ref();
        let fix = match suggest_key(name, known) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("remove it; {place} takes {}", known.join(", ")),
        };
        self.problems.push(Problem::new(
            Slug::UnknownKey,
            file(key.span()),
            format!("unknown key `{name}` in {place}"),
            fix,
        ));
    }

    fn section(&mut self, table: &DeTable<'_>, at: Location, kind: SectionKind) -> Section {
        let mut section = Section {
            at: Some(at),
            ..Section::default()
        };
        let known: Vec<&str> = kind.keys();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            match name {
                "origins" => {
                    section.origins = self.list(name, value, "[\"https://app.example.com\"]")
                }
                "extra-origins" if kind == SectionKind::Stage => {
                    section.extra_origins = self.list(name, value, "[\"http://localhost:3000\"]")
                }
                "credentials" => section.credentials = self.boolean(name, value),
                "methods" => section.methods = self.list(name, value, "[\"PUT\", \"DELETE\"]"),
                "request-headers" => {
                    section.request_headers = self.list(name, value, "[\"content-type\"]")
                }
                "expose-headers" => section.expose_headers = self.list(name, value, "[\"etag\"]"),
                "max-age" => section.max_age = self.integer(name, value),
                "local-network" => section.local_network = self.boolean(name, value),
                "debug" => section.debug = self.boolean(name, value),
                "shadow" => section.shadow = self.boolean(name, value),
                "path" if kind == SectionKind::Route => match value.get_ref().as_str() {
                    Some(p) => section.path = Some(Located::new(p.to_owned(), file(value.span()))),
                    None => self.type_error(
                        name,
                        value.span(),
                        "a string",
                        value.get_ref(),
                        "\"/api/**\"",
                    ),
                },
                _ => self.unknown(key, &known, kind.place()),
            }
        }
        section
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    Cors,
    Stage,
    Route,
}

impl SectionKind {
    fn keys(self) -> Vec<&'static str> {
        let mut keys = POLICY_KEYS.to_vec();
        match self {
            SectionKind::Cors => {}
            SectionKind::Stage => keys.insert(1, "extra-origins"),
            SectionKind::Route => keys.insert(0, "path"),
        }
        keys
    }

    fn place(self) -> &'static str {
        match self {
            SectionKind::Cors => "[cors]",
            SectionKind::Stage => "a [stages.NAME] table",
            SectionKind::Route => "a [[routes]] entry",
        }
    }
}

const TOP_KEYS: [&str; 3] = ["cors", "stages", "routes"];

/// The largest policy file read (bytes): past it the file is refused before
/// it is parsed.
pub const MAX_POLICY_BYTES: usize = 16 << 20;
/// The most `[stages.NAME]` tables read; `corsair lint` checks each.
pub const MAX_STAGES: usize = 32;
/// The most `[[routes]]` read; a request is matched against each in turn.
pub const MAX_ROUTES: usize = 1_000;
/// The most entries of `methods`, `request-headers` and `expose-headers`.
pub const MAX_NAMES: usize = 1_000;
/// The most entries of `origins` or `extra-origins`.
pub const MAX_ORIGINS: usize = 1_000_000;

/// The problem for a part of the policy over its bound: an error, so the
/// policy is refused, naming the bound.
fn over_bound(at: Location, what: &str, found: usize, bound: usize) -> Problem {
    Problem::new(
        Slug::InvalidValue,
        at,
        format!("{what}: {found}, more than the {bound} Corsair reads; the rest is ignored and the policy refused"),
        format!("keep {what} to {bound} at most (split the policy, or use `*.` patterns for many subdomains)"),
    )
}

/// Reads a policy file. Never fails: what cannot be read is a problem, and
/// the rest is still read.
pub fn parse(text: &str) -> (Document, Vec<Problem>) {
    let mut problems = Vec::new();
    if text.len() > MAX_POLICY_BYTES {
        problems.push(over_bound(
            Location::Nowhere,
            "the policy file's size in bytes",
            text.len(),
            MAX_POLICY_BYTES,
        ));
        return (Document::default(), problems);
    }
    let (root, errors) = DeTable::parse_recoverable(text);
    // One syntax error per line: the parser's recovery cascades, and what
    // follows the first error on a line says nothing new.
    let index = super::problem::LineIndex::new(text);
    let mut lines_seen = std::collections::HashSet::new();
    for e in &errors {
        let span = e.span().unwrap_or(0..0);
        if !lines_seen.insert(index.line_col(span.start).0) {
            continue;
        }
        problems.push(Problem::new(
            Slug::InvalidToml,
            file(span),
            format!("not valid TOML: {}", e.message().trim_end()),
            "fix the syntax at the marked place (strings in double quotes, lists in [ ], one key = value per line)",
        ));
    }
    if !errors.is_empty() {
        // What was recovered around a syntax error is guesswork: checking it
        // would report phantom problems. The rules run once the file parses.
        return (Document::default(), problems);
    }
    let mut doc = Document::default();
    let mut reader = Reader {
        problems: &mut problems,
    };
    let root = root.get_ref();
    for (key, value) in root.iter() {
        let name: &str = key.get_ref();
        let at = file(key.span());
        match (name, value.get_ref()) {
            ("cors", DeValue::Table(t)) => doc.cors = reader.section(t, at, SectionKind::Cors),
            ("stages", DeValue::Table(stages)) => {
                if stages.len() > MAX_STAGES {
                    reader.problems.push(over_bound(
                        at.clone(),
                        "the number of stages",
                        stages.len(),
                        MAX_STAGES,
                    ));
                }
                for (stage, body) in stages.iter().take(MAX_STAGES) {
                    let stage_at = file(stage.span());
                    match body.get_ref() {
                        DeValue::Table(t) => {
                            let section = reader.section(t, stage_at.clone(), SectionKind::Stage);
                            doc.stages.push((
                                Located::new(stage.get_ref().to_string(), stage_at),
                                section,
                            ));
                        }
                        other => reader.type_error(
                            &format!("stages.{}", stage.get_ref()),
                            body.span(),
                            "a table",
                            other,
                            "{ extra-origins = [\"http://localhost:3000\"] }",
                        ),
                    }
                }
            }
            ("routes", DeValue::Array(routes)) => {
                if routes.len() > MAX_ROUTES {
                    reader.problems.push(over_bound(
                        at.clone(),
                        "the number of routes",
                        routes.len(),
                        MAX_ROUTES,
                    ));
                }
                for route in routes.iter().take(MAX_ROUTES) {
                    match route.get_ref() {
                        DeValue::Table(t) => {
                            let section = reader.section(t, file(route.span()), SectionKind::Route);
                            doc.routes.push(section);
                        }
                        other => reader.type_error(
                            "routes",
                            route.span(),
                            "a list of tables",
                            other,
                            "[[routes]]",
                        ),
                    }
                }
            }
            ("cors" | "stages", other) => {
                reader.type_error(name, value.span(), "a table", other, "[cors]")
            }
            ("routes", other) => {
                reader.type_error(name, value.span(), "a list of tables", other, "[[routes]]")
            }
            // Policy keys at the top level: the `[cors]` header was forgotten.
            (k, _) if POLICY_KEYS.contains(&k) => reader.problems.push(Problem::new(
                Slug::UnknownKey,
                at,
                format!("`{k}` is outside any table"),
                "put it under a `[cors]` header (or in a [stages.NAME] or [[routes]] table)",
            )),
            _ => reader.unknown(key, &TOP_KEYS, "the file"),
        }
    }
    (doc, problems)
}

/// Reads `CORS_ORIGINS` (comma-separated) into located entries.
pub fn env_origins(var: &'static str, value: &str) -> Vec<Located<String>> {
    value
        .split(',')
        .enumerate()
        .filter(|(_, s)| !s.trim().is_empty())
        .map(|(index, s)| Located::new(s.trim().to_owned(), Location::Env { var, index }))
        .collect()
}
