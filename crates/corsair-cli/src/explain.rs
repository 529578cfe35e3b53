//! `corsair explain`: reads scenarios, prints verdicts, sets the exit status.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use corsair_core::browser::{Explainer, Options};
use corsair_core::{scenario, Outcome, Profile, ScenarioError, Verdict};
use corsair_doctor::redact::{redact_verdict, scrub_patterns, Redactor};

use crate::exit::{CliError, Status};
use crate::{builtin, json_out, render, ExplainArgs};

/// Extra help text: the input format in brief.
pub const AFTER_HELP: &str = "\
Input: one scenario as JSON, or JSON Lines (one scenario per line) for batches:
  {\"page_origin\": \"https://app.example.com\",
   \"request\": {\"url\": \"https://api.example.com/x\", \"method\": \"PUT\",
               \"headers\": [[\"Authorization\", \"Bearer x\"]], \"credentials\": \"include\"},
   \"preflight\": {\"status\": 204, \"headers\": [[\"Access-Control-Allow-Origin\", \"https://app.example.com\"]]},
   \"response\":  {\"status\": 200, \"headers\": [[\"Access-Control-Allow-Origin\", \"https://app.example.com\"]]}}
Try: corsair explain --example        (corsair explain --example list shows them all)";

/// `explain --browser` values: one profile, or the three engines.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExplainBrowser {
    /// Current Chrome stable.
    Chrome,
    /// Firefox ESR.
    Firefox,
    /// The Fetch standard as written.
    Spec,
    /// Safari's engine, WebKit.
    #[value(alias = "webkit")]
    Safari,
    /// Chrome, Firefox and Safari, one verdict each.
    All,
}

impl ExplainBrowser {
    /// The profiles to explain with.
    fn profiles(self) -> &'static [Profile] {
        match self {
            ExplainBrowser::Chrome => &[Profile::Chrome],
            ExplainBrowser::Firefox => &[Profile::Firefox],
            ExplainBrowser::Spec => &[Profile::Spec],
            ExplainBrowser::Safari => &[Profile::Safari],
            ExplainBrowser::All => &[Profile::Chrome, Profile::Firefox, Profile::Safari],
        }
    }
}

/// Runs the command; returns the exit status.
pub fn run(args: &ExplainArgs) -> Result<Status, CliError> {
    let profile = args.browser.profiles();
    let stdout = io::stdout();
    // A verdict is ~1.5 KB: a large buffer makes a batch's writes few.
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let status = match source(args)? {
        Source::Listing => {
            write!(out, "{}", builtin::listing())?;
            Status::Success
        }
        Source::Text(text) => explain_text(&text, &mut Ctx::new(args, profile, &mut out))?,
        Source::Reader(reader) => explain_stream(reader, &mut Ctx::new(args, profile, &mut out))?,
    };
    out.flush()?;
    Ok(status)
}

enum Source {
    Listing,
    Text(String),
    Reader(Box<dyn BufRead>),
}

fn source(args: &ExplainArgs) -> Result<Source, CliError> {
    if let Some(name) = &args.example {
        if name == "list" {
            return Ok(Source::Listing);
        }
        return builtin::find(name)
            .map(|json| Source::Text(json.to_owned()))
            .ok_or_else(|| {
                CliError::Input(format!(
                    "no built-in scenario {name:?}\n{}",
                    builtin::listing()
                ))
            });
    }
    match args.file.as_deref() {
        None => {
            if io::IsTerminal::is_terminal(&io::stdin()) {
                return Err(CliError::Input("no scenario given: pass a FILE, `-` for standard input, or --example (see --help)".into()));
            }
            Ok(Source::Reader(Box::new(BufReader::with_capacity(
                1 << 16,
                io::stdin(),
            ))))
        }
        Some(p) if p.as_os_str() == "-" => Ok(Source::Reader(Box::new(BufReader::with_capacity(
            1 << 16,
            io::stdin(),
        )))),
        Some(p) => std::fs::File::open(p)
            .map(|f| Source::Reader(Box::new(BufReader::with_capacity(1 << 16, f))))
            .map_err(|e| CliError::Input(format!("cannot read {}: {e}", p.display()))),
    }
}

/// Combines per-scenario outcomes into the batch's exit status:
/// bad input beats blocked, which beats incomplete.
#[derive(Default)]
struct Tally {
    bad: bool,
    blocked: bool,
    incomplete: bool,
}

impl Tally {
    fn add(&mut self, outcome: Option<Outcome>) {
        match outcome {
            None => self.bad = true,
            Some(Outcome::Blocked) => self.blocked = true,
            Some(Outcome::Incomplete) => self.incomplete = true,
            Some(_) => {}
        }
    }

    fn status(&self) -> Status {
        if self.bad {
            Status::BadInput
        } else if self.blocked {
            Status::Blocked
        } else if self.incomplete {
            Status::Incomplete
        } else {
            Status::Success
        }
    }
}

/// What every scenario of a run shares: output settings and buffers.
struct Ctx<'o> {
    json: bool,
    style: render::Style,
    /// One per profile asked for (three with `--browser all`).
    explainers: Vec<Explainer>,
    out: &'o mut dyn Write,
    buf: Vec<u8>,
}

impl<'o> Ctx<'o> {
    fn new(args: &ExplainArgs, profiles: &[Profile], out: &'o mut dyn Write) -> Ctx<'o> {
        // The story costs as much as the verdict: build it only when shown.
        let options = Options {
            steps: !args.json || args.steps,
        };
        Ctx {
            json: args.json,
            style: render::Style::for_stdout(),
            explainers: profiles
                .iter()
                .map(|p| Explainer::new(*p, options))
                .collect(),
            out,
            buf: Vec::with_capacity(4096),
        }
    }

    /// One verdict per profile asked for.
    fn explain(
        &mut self,
        s: Result<corsair_core::Scenario, ScenarioError>,
    ) -> Result<Vec<Verdict>, ScenarioError> {
        s.and_then(|s| {
            let redactor = Redactor::from_scenario(&s);
            self.explainers
                .iter_mut()
                .map(|e| {
                    let mut v = e.explain(&s)?;
                    // Scenarios carry tokens and cookies: only their bytes are
                    // replaced, so lines without a secret stay byte-exact.
                    redact_verdict(&mut v, &redactor);
                    Ok(v)
                })
                .collect()
        })
    }
}

/// A whole document: either one (possibly pretty-printed) scenario, or JSON Lines.
fn explain_text(text: &str, ctx: &mut Ctx<'_>) -> Result<Status, CliError> {
    let single = serde_json::from_str::<serde_json::Value>(text);
    match single {
        Ok(value) => {
            let result = ctx.explain(scenario::from_value(value));
            let mut tally = Tally::default();
            tally.add(emit(result, None, ctx)?);
            Ok(tally.status())
        }
        // Not one JSON value: treat it as JSON Lines.
        Err(_) => explain_stream(Box::new(text.as_bytes()), ctx),
    }
}

/// JSON Lines from a reader, streamed: one verdict per input line. A single
/// pretty-printed object is recognised and handled whole.
fn explain_stream(
    mut reader: Box<dyn BufRead + '_>,
    ctx: &mut Ctx<'_>,
) -> Result<Status, CliError> {
    let mut tally = Tally::default();
    let mut line = String::new();
    let mut number = 0usize;
    let mut first_content = true;
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("corsair explain: cannot read input: {e}");
                tally.bad = true;
                break;
            }
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        if first_content {
            first_content = false;
            // A document that does not fit on its first line is one multi-line JSON value.
            let trimmed = line.trim();
            if serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_err() {
                let mut rest = String::new();
                reader
                    .read_to_string(&mut rest)
                    .map_err(|e| CliError::Input(format!("cannot read input: {e}")))?;
                let whole = format!("{line}{rest}");
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(&whole) {
                    let result = ctx.explain(scenario::from_value(value));
                    tally.add(emit(result, None, ctx)?);
                    return Ok(tally.status());
                }
                // Not one document either: JSON Lines whose first line is broken.
                for (i, l) in whole
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    tally.add(explain_line(l, number + i, ctx)?);
                }
                return Ok(tally.status());
            }
        }
        tally.add(explain_line(&line, number, ctx)?);
    }
    if first_content {
        return Err(CliError::Input("the input holds no scenario".into()));
    }
    Ok(tally.status())
}

fn explain_line(line: &str, number: usize, ctx: &mut Ctx<'_>) -> Result<Option<Outcome>, CliError> {
    let result = ctx.explain(scenario::from_json(line.trim()));
    emit(result, Some(number), ctx)
}

/// Prints one scenario's verdicts (one per profile asked for) or its input
/// error; returns the outcome (None for bad input): with several engines,
/// blocked if any blocks.
fn emit(
    result: Result<Vec<Verdict>, ScenarioError>,
    line: Option<usize>,
    ctx: &mut Ctx<'_>,
) -> Result<Option<Outcome>, CliError> {
    ctx.buf.clear();
    match &result {
        Ok(vs) if ctx.json => {
            if let [v] = vs.as_slice() {
                json_out::write_verdict(&mut ctx.buf, v);
            } else {
                // `--browser all`: {"chrome": …, "firefox": …, "safari": …}
                ctx.buf.push(b'{');
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        ctx.buf.push(b',');
                    }
                    json_out::string(&mut ctx.buf, v.browser.name());
                    ctx.buf.push(b':');
                    json_out::write_verdict(&mut ctx.buf, v);
                }
                ctx.buf.push(b'}');
            }
            ctx.buf.push(b'\n');
        }
        Ok(vs) => {
            if line.is_some_and(|n| n > 1) {
                ctx.buf.push(b'\n');
            }
            for (i, v) in vs.iter().enumerate() {
                if vs.len() > 1 {
                    if i > 0 {
                        ctx.buf.push(b'\n');
                    }
                    let title = format!("── {} ──\n", engine_title(v.browser));
                    ctx.buf.extend_from_slice(ctx.style.bold(&title).as_bytes());
                }
                // A scenario's values are shown escaped on a terminal: no
                // control character of theirs reaches it (JSON escapes its own).
                let shown = render::escape_verdict(v);
                ctx.buf
                    .extend_from_slice(render::verdict_styled(&shown, ctx.style).as_bytes());
            }
        }
        Err(e) => {
            // The message may quote the bad value: hide URL credentials in it.
            let message = scrub_patterns(&e.message);
            let at = line.map(|n| format!("line {n}: ")).unwrap_or_default();
            let field = if e.field.is_empty() {
                String::new()
            } else {
                format!("{}: ", e.field)
            };
            eprintln!("corsair explain: bad scenario: {at}{field}{message}");
            if ctx.json {
                let obj = serde_json::json!({"error": {"line": line, "field": e.field, "message": message}});
                serde_json::to_writer(&mut ctx.buf, &obj)?;
                ctx.buf.push(b'\n');
            }
        }
    }
    ctx.out.write_all(&ctx.buf)?;
    Ok(result.ok().map(|vs| {
        let outcomes = || vs.iter().map(|v| v.outcome);
        if outcomes().any(|o| o == Outcome::Blocked) {
            Outcome::Blocked
        } else {
            outcomes()
                .find(|o| *o == Outcome::Incomplete)
                .or_else(|| outcomes().next())
                .unwrap_or(Outcome::Incomplete)
        }
    }))
}

/// An engine's name for the side-by-side report.
fn engine_title(p: Profile) -> &'static str {
    match p {
        Profile::Chrome => "Chrome",
        Profile::Firefox => "Firefox",
        Profile::Safari => "Safari (WebKit)",
        Profile::Spec => "the Fetch standard",
    }
}
