//! `lint --html`: the policy's problems, each at its place in the file with
//! the offending text marked.

use std::ops::Range;

use corsair_core::catalog::Severity;
use corsair_core::policy::{Location, Problem};
use corsair_html::Csp;

use super::verdict::severity_words;
use super::{banner, Clean, Writer};

/// Characters of a source line shown at most (a 100,000-origin line stays
/// a bounded excerpt).
const LINE_CHARS: usize = 240;
/// Lines shown around an offending one.
const CONTEXT: usize = 1;

/// Problems told in full at most (a generated policy may have thousands;
/// `corsair lint --json` lists them all).
pub const MAX_PROBLEMS: usize = 500;

/// The file's lines, indexed once: each problem finds its line by a binary
/// search, not by a scan of the whole file.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// How many lines.
    fn count(&self) -> usize {
        self.starts.len()
    }

    /// The 1-based number of the line holding byte `at`.
    fn number(&self, at: usize) -> usize {
        self.starts.partition_point(|s| *s <= at)
    }

    /// Where line `n` (1-based) starts.
    fn start(&self, n: usize) -> usize {
        self.starts.get(n - 1).copied().unwrap_or(self.text.len())
    }

    /// Line `n` (1-based), without its line break.
    fn line(&self, n: usize) -> &'t str {
        let end = self.starts.get(n).map_or(self.text.len(), |s| s - 1);
        self.text.get(self.start(n)..end).unwrap_or_default()
    }
}

/// The page for `file` (its name as given), its text, and its problems.
pub fn page(file: &str, text: &str, checked: &[String], problems: &[Problem]) -> String {
    let mut w = Writer::new(Clean::AsIs);
    w.raw("<a class=\"skip\" href=\"#main\">Skip to the report</a>");
    banner(&mut w, "lint report");
    body(&mut w, file, text, checked, problems);
    w.raw("</main>");
    corsair_html::document(&format!("corsair lint {file}"), Csp::Report, &w.h)
}

/// The report without the page around it (for `corsair ui`).
pub fn body(w: &mut Writer<'_>, file: &str, text: &str, checked: &[String], problems: &[Problem]) {
    w.open("h1", &[]).raw("Policy ").text(file).close("h1");
    let count = |s: Severity| problems.iter().filter(|p| p.severity == s).count();
    let (e, wa, n) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let outcome = if e > 0 { "blocked" } else { "allowed" };
    let class = format!("verdict {outcome}");
    w.open(
        "div",
        &[("class", &class), ("role", "status"), ("id", "verdict")],
    );
    if problems.is_empty() {
        w.el("span", &[("class", "word")], "NO PROBLEMS");
    } else {
        w.el(
            "span",
            &[("class", "word")],
            if e > 0 { "ERRORS" } else { "OK" },
        );
        w.raw(": ");
        w.el(
            "span",
            &[("class", "why")],
            &format!(
                "{}, {}, {}",
                plural(e, "error"),
                plural(wa, "warning"),
                plural(n, "note")
            ),
        );
    }
    w.close("div");
    if !checked.is_empty() {
        let words: Vec<String> = checked
            .iter()
            .map(|c| {
                if c == corsair_core::policy::BASE {
                    "[cors] (production)".to_owned()
                } else {
                    format!("stage {c}")
                }
            })
            .collect();
        w.open("p", &[("class", "muted")])
            .raw("Checked: ")
            .text(&words.join(", "))
            .close("p");
    }
    if problems.is_empty() {
        return;
    }
    w.raw("<section aria-labelledby=\"h-problems\"><h2 id=\"h-problems\">Problems</h2>");
    if problems.len() > MAX_PROBLEMS {
        w.el(
            "p",
            &[("class", "muted bound")],
            &format!(
                "The first {MAX_PROBLEMS} of {} problems are shown; `corsair lint --json` lists them all.",
                problems.len()
            ),
        );
    }
    let lines = Lines::new(text);
    for p in problems.iter().take(MAX_PROBLEMS) {
        problem(w, file, &lines, p);
    }
    w.raw("</section>");
}

fn problem(w: &mut Writer<'_>, file: &str, lines: &Lines<'_>, p: &Problem) {
    let (class, word) = severity_words(p.severity);
    // As `corsair lint` names them.
    let word = if p.severity == Severity::Info {
        "note"
    } else {
        word
    };
    let slug = p.slug.name();
    w.open("div", &[("class", "finding problem"), ("data-slug", slug)]);
    w.open("h3", &[]);
    w.el("span", &[("class", &format!("tag {class}"))], word);
    w.raw(" ");
    w.el("code", &[], slug);
    w.raw(" ");
    w.text(&p.message);
    w.close("h3");
    match &p.location {
        Location::File { span } => source(w, file, lines, span, class),
        Location::Env { var, index } => {
            w.open("p", &[("class", "where")])
                .raw("In the environment: ")
                .text(var)
                .text(&format!(", entry {}", index + 1))
                .close("p");
        }
        Location::Code { key, .. } => {
            w.open("p", &[("class", "where")])
                .raw("Key ")
                .text(key)
                .close("p");
        }
        Location::Nowhere => {
            w.open("p", &[("class", "where")]).text(file).close("p");
        }
    }
    if let Some(stage) = &p.stage {
        w.open("p", &[]).raw("Stage: ").text(stage).close("p");
    }
    w.raw("<p><strong>Fix:</strong> ");
    w.text(&p.fix);
    w.raw("</p></div>\n");
}

/// The lines around `span`, numbered, the offending part marked.
fn source(
    w: &mut Writer<'_>,
    file: &str,
    lines: &Lines<'_>,
    span: &Range<usize>,
    class: &'static str,
) {
    let text = lines.text;
    let start = floor(text, span.start.min(text.len()));
    let end = floor(text, span.end.min(text.len()).max(start));
    let line_no = lines.number(start);
    let first = line_no.saturating_sub(CONTEXT).max(1);
    let last = (line_no + CONTEXT).min(lines.count());
    w.open("p", &[("class", "where mono")])
        .text(&format!("{file}:{line_no}"))
        .close("p");
    w.open(
        "div",
        &[
            ("class", "src"),
            ("role", "group"),
            ("aria-label", &format!("{file} line {line_no}")),
        ],
    );
    for n in first..=last {
        let line = lines.line(n);
        let hit = n == line_no;
        let row = if hit {
            format!("line hit {class}")
        } else {
            "line".to_owned()
        };
        w.open("div", &[("class", &row)]);
        w.el("span", &[("class", "no")], &n.to_string());
        w.open("span", &[("class", "code")]);
        if hit {
            let offset = lines.start(n);
            let a = floor(line, start - offset);
            let b = floor(line, (end - offset).min(line.len()).max(a));
            let (before, marked, after) =
                (&line[..a], &line[a..b], line[b..].trim_end_matches('\r'));
            w.text(&tail(before, LINE_CHARS / 3));
            w.open("mark", &[])
                .text(&head(marked, LINE_CHARS / 3))
                .close("mark");
            w.text(&head(after, LINE_CHARS / 3));
        } else {
            w.text(&head(line.trim_end_matches('\r'), LINE_CHARS));
        }
        w.close("span").close("div");
    }
    w.close("div");
}

/// `1 error`, `2 errors`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn head(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn tail(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_owned();
    }
    let skip = s.char_indices().nth(n - max).map_or(0, |(i, _)| i);
    format!("…{}", &s[skip..])
}
