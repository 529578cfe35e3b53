//! `corsair lint`: every problem of a policy file, shown at its place in the
//! file as rustc shows errors, or as JSON, or as SARIF for code scanning.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use corsair_core::catalog::Severity;
use corsair_core::policy::{self, LineIndex, Location, Problem};
use corsair_core::printable::escape_control;
use serde_json::{json, Value};

use crate::exit::{CliError, Status};
use crate::render::Style;

/// Output formats of `corsair lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Problems shown at their place in the file.
    Human,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab, IDEs).
    Sarif,
}

/// Arguments of `corsair lint`.
#[derive(clap::Args)]
pub struct LintArgs {
    /// The policy file.
    #[arg(value_name = "FILE", default_value = "corsair.toml")]
    pub file: PathBuf,
    /// Check only this stage's policy (default: the production policy and every stage).
    #[arg(long, value_name = "NAME", env = policy::STAGE_ENV)]
    pub stage: Option<String>,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the report as one self-contained HTML page to FILE (`-`: standard output, instead of the other output).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
Origins in the CORS_ORIGINS environment variable (comma-separated) are checked with the file's.

Exit status: 0 no problem or only warnings and notes, 1 errors, 2 the file cannot be read.";

impl LintArgs {
    /// The output format, `--json` included.
    fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format
        }
    }

    /// Whether the output is JSON (SARIF is JSON too): errors are then JSON.
    pub fn wants_json(&self) -> bool {
        self.format() != Format::Human
    }
}

/// Runs `corsair lint`; returns the exit status.
pub fn run(args: &LintArgs) -> Result<Status, CliError> {
    let format = args.format();
    let text = match std::fs::read(&args.file) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
            CliError::Input(format!(
                "{}: not UTF-8 text (invalid byte at offset {})",
                args.file.display(),
                e.utf8_error().valid_up_to()
            ))
        })?,
        Err(e) => {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                " (pass the policy file's path, or run where corsair.toml is)"
            } else {
                ""
            };
            let message = format!("cannot read {}: {e}{hint}", args.file.display());
            return Err(CliError::Input(message));
        }
    };
    let env = std::env::var(policy::ORIGINS_ENV).ok();
    let linted = policy::lint_report(&text, args.stage.as_deref(), env.as_deref());
    let problems = linted.problems;
    let checked = checked_words(&linted.checked);
    if let Some(path) = &args.html {
        let name = args.file.display().to_string();
        crate::html::write_file(
            path,
            &crate::html::lint::page(&name, &text, &linted.checked, &problems),
        )?;
    }
    let to_stdout = args.html.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let out = match format {
        _ if to_stdout => String::new(),
        Format::Human => {
            let mut out = human(
                &args.file,
                &text,
                env.as_deref(),
                &problems,
                Style::for_stdout(),
            );
            if !checked.is_empty() {
                out.push_str(&format!("checked: {}\n", checked.join(", ")));
            }
            out
        }
        Format::Json => {
            let mut v = json_report(&args.file, &text, args.stage.as_deref(), &problems);
            v["checked"] = json!(linted.checked);
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        Format::Sarif => {
            let v = sarif(&args.file, &text, &problems);
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    if problems.iter().any(|p| p.severity == Severity::Error) {
        Ok(Status::PolicyErrors)
    } else {
        Ok(Status::Success)
    }
}

/// The policies checked, as a user names them.
fn checked_words(checked: &[String]) -> Vec<String> {
    checked
        .iter()
        .map(|name| match name.as_str() {
            policy::BASE => "[cors] (production)".to_owned(),
            other => format!("stage {}", escape_control(other)),
        })
        .collect()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `(line, column, end_line, end_column)`, 1-based, end exclusive.
fn region(index: &LineIndex<'_>, span: &std::ops::Range<usize>) -> (usize, usize, usize, usize) {
    let (l, c) = index.line_col(span.start);
    let (el, ec) = index.line_col(span.end.max(span.start));
    (l, c, el, ec)
}

/// The rustc-style report.
pub fn human(
    file: &Path,
    text: &str,
    env: Option<&str>,
    problems: &[Problem],
    style: Style,
) -> String {
    let mut out = String::new();
    let name = escape_control(&file.display().to_string()).into_owned();
    // Indexed once: a long file with many problems is placed in O(log n) each.
    let index = LineIndex::new(text);
    let env_parts = env.map(env_parts).unwrap_or_default();
    for p in problems {
        let word = severity_word(p.severity);
        let head = format!("{word}[{}]", p.slug);
        let head = match p.severity {
            Severity::Error => style.red(&head),
            Severity::Warning => style.yellow(&head),
            Severity::Info => style.bold(&head),
        };
        let _ = writeln!(out, "{head}: {}", style.bold(&escape_control(&p.message)));
        // Notes line up under the snippet's gutter, as rustc's do.
        let pad = match &p.location {
            Location::File { span } => " ".repeat(index.line_col(span.start).0.to_string().len()),
            _ => " ".to_owned(),
        };
        match &p.location {
            Location::File { span } => snippet(&mut out, &name, &index, span, style),
            Location::Env { var, index } => env_snippet(
                &mut out,
                var,
                env.unwrap_or(""),
                env_parts.get(*index).cloned(),
                *index,
                style,
            ),
            Location::Code { .. } | Location::Nowhere => {
                let _ = writeln!(out, " {} {name}", style.dim("-->"));
            }
        }
        if let Some(stage) = &p.stage {
            let _ = writeln!(
                out,
                "{pad} {} stage: {}",
                style.dim("="),
                escape_control(stage)
            );
        }
        let _ = writeln!(
            out,
            "{pad} {} {} {}\n",
            style.dim("="),
            style.bold("fix:"),
            escape_control(&p.fix)
        );
    }
    let count = |s: Severity| problems.iter().filter(|p| p.severity == s).count();
    let (e, w, n) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    if problems.is_empty() {
        let _ = writeln!(out, "{}: {}", name, style.green("no problems"));
    } else {
        let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
        let summary = format!(
            "{}, {}, {}",
            plural(e, "error"),
            plural(w, "warning"),
            plural(n, "note")
        );
        let summary = if e > 0 { style.red(&summary) } else { summary };
        let _ = writeln!(out, "{name}: {summary}");
    }
    out
}

/// A source line this long or shorter is shown whole.
const WHOLE_LINE_CHARS: usize = 160;
/// Of a longer line: characters shown before the marked part, at most.
const LEAD_CHARS: usize = 60;
/// Characters of the marked part shown, at most.
const MARK_CHARS: usize = 80;
/// Characters shown after the marked part, at most.
const TAIL_CHARS: usize = 30;

/// A bounded, escaped excerpt of `line` around bytes `mark` (within the
/// line): the text to show, and the column and width of the carets under it.
/// A line of a megabyte costs what a short one does.
fn excerpt_around(line: &str, mark: std::ops::Range<usize>) -> (String, usize, usize) {
    let start = floor_boundary(line, mark.start.min(line.len()));
    let end = floor_boundary(line, mark.end.clamp(start, line.len()));
    if line.chars().nth(WHOLE_LINE_CHARS).is_none() {
        let col = shown_text(&line[..start]).chars().count();
        let width = shown_text(&line[start..end]).chars().count();
        return (shown_text(line).trim_end().to_owned(), col, width.max(1));
    }
    let lead_from = line[..start]
        .char_indices()
        .rev()
        .nth(LEAD_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let mark_to = line[start..end]
        .char_indices()
        .nth(MARK_CHARS)
        .map_or(end, |(i, _)| start + i);
    let tail_to = line[mark_to..]
        .char_indices()
        .nth(TAIL_CHARS)
        .map_or(line.len(), |(i, _)| mark_to + i);
    let mut shown = String::new();
    if lead_from > 0 {
        shown.push('…');
    }
    shown.push_str(&shown_text(&line[lead_from..start]));
    let col = shown.chars().count();
    shown.push_str(&shown_text(&line[start..mark_to]));
    let width = shown.chars().count() - col;
    shown.push_str(&shown_text(&line[mark_to..tail_to]));
    if tail_to < line.len() {
        shown.push('…');
    }
    (shown.trim_end().to_owned(), col, width.max(1))
}

/// Source text as shown in a snippet: tabs as one space (so carets line up),
/// other control characters escaped.
fn shown_text(text: &str) -> String {
    escape_control(&text.replace('\t', " ")).into_owned()
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn snippet(
    out: &mut String,
    name: &str,
    index: &LineIndex<'_>,
    span: &std::ops::Range<usize>,
    style: Style,
) {
    let (line, col, end_line, _) = region(index, span);
    let width = line.to_string().len();
    let pad = " ".repeat(width);
    let _ = writeln!(out, "{pad}{} {name}:{line}:{col}", style.dim("-->"));
    let _ = writeln!(out, "{pad} {}", style.dim("|"));
    let source_line = index.line(line);
    let line_start = index.line_start(line);
    let mark_end = if end_line == line {
        span.end.max(span.start) - line_start
    } else {
        source_line.len()
    };
    let (shown, caret_col, carets) =
        excerpt_around(source_line, span.start.saturating_sub(line_start)..mark_end);
    let _ = writeln!(
        out,
        "{} {} {}",
        style.dim(&line.to_string()),
        style.dim("|"),
        shown
    );
    let _ = writeln!(
        out,
        "{pad} {} {}{}",
        style.dim("|"),
        " ".repeat(caret_col),
        style.red(&"^".repeat(carets))
    );
}

/// Byte ranges of the trimmed comma-separated entries of an environment
/// variable's value, found once for every problem that points into it.
fn env_parts(value: &str) -> Vec<std::ops::Range<usize>> {
    let mut parts = Vec::new();
    let mut offset = 0;
    for part in value.split(',') {
        let lead = part.len() - part.trim_start().len();
        let start = offset + lead;
        parts.push(start..start + part.trim().len());
        offset += part.len() + 1;
    }
    parts
}

fn env_snippet(
    out: &mut String,
    var: &str,
    value: &str,
    part: Option<std::ops::Range<usize>>,
    index: usize,
    style: Style,
) {
    let _ = writeln!(
        out,
        " {} environment variable {var}, entry {}",
        style.dim("-->"),
        index + 1
    );
    let prefix = format!("{var}=");
    let line = format!("{prefix}{value}");
    let part = part.unwrap_or(0..0);
    let (shown, col, carets) =
        excerpt_around(&line, prefix.len() + part.start..prefix.len() + part.end);
    let _ = writeln!(out, "  {}", style.dim("|"));
    let _ = writeln!(out, "  {} {shown}", style.dim("|"));
    let _ = writeln!(
        out,
        "  {} {}{}",
        style.dim("|"),
        " ".repeat(col),
        style.red(&"^".repeat(carets))
    );
}

fn location_json(file: &Path, index: &LineIndex<'_>, loc: &Location) -> Value {
    match loc {
        Location::File { span } => {
            let (line, column, end_line, end_column) = region(index, span);
            json!({"file": file.display().to_string(), "line": line, "column": column, "end_line": end_line, "end_column": end_column})
        }
        Location::Env { var, index } => json!({"env": var, "index": index}),
        Location::Code { key, index } => json!({"key": key, "index": index}),
        Location::Nowhere => json!({"file": file.display().to_string()}),
    }
}

/// The `--json` report.
pub fn json_report(file: &Path, text: &str, stage: Option<&str>, problems: &[Problem]) -> Value {
    let index = LineIndex::new(text);
    let count = |s: Severity| problems.iter().filter(|p| p.severity == s).count();
    json!({
        "schema_version": crate::fail::SCHEMA_VERSION,
        "file": file.display().to_string(),
        "stage": stage,
        "summary": {"errors": count(Severity::Error), "warnings": count(Severity::Warning), "notes": count(Severity::Info)},
        "problems": problems.iter().map(|p| json!({
            "slug": p.slug,
            "severity": p.severity,
            "title": p.slug.title(),
            "message": p.message,
            "fix": p.fix,
            "location": location_json(file, &index, &p.location),
            "stage": p.stage,
        })).collect::<Vec<_>>(),
    })
}

/// The `--format sarif` report (SARIF 2.1.0).
pub fn sarif(file: &Path, text: &str, problems: &[Problem]) -> Value {
    let mut rules: Vec<corsair_core::Slug> = problems.iter().map(|p| p.slug).collect();
    rules.sort_by_key(|s| s.name());
    rules.dedup();
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let uri = file.display().to_string().replace('\\', "/");
    let index = LineIndex::new(text);
    let results: Vec<Value> = problems
        .iter()
        .map(|p| {
            let rule_index = rules.iter().position(|r| *r == p.slug).unwrap_or(0);
            let mut place = json!({});
            if let Location::File { span } = &p.location {
                let (l, c, el, ec) = region(&index, span);
                place = json!({"startLine": l, "startColumn": c, "endLine": el, "endColumn": ec});
            }
            let mut message = format!("{} Fix: {}", p.message, p.fix);
            if let Location::Env { var, index } = &p.location {
                message = format!("{var} entry {}: {message}", index + 1);
            }
            json!({
                "ruleId": p.slug.name(),
                "ruleIndex": rule_index,
                "level": level(p.severity),
                "message": {"text": message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": place}}],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "corsair",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|s| json!({
                    "id": s.name(),
                    "shortDescription": {"text": s.title()},
                    "defaultConfiguration": {"level": level(s.severity())},
                })).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}
