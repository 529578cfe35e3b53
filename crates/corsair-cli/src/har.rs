//! `corsair har`: every cross-origin request of a HAR export, its verdict
//! from the recorded answers, and what is wrong; a summary table first.
//!
//! The file is read twice, in bounded memory: a first pass for what the
//! judging needs from the whole file (its pages, which may come after the
//! entries, and whether it is sanitized, known only at its end), a second
//! that pairs and judges the entries as they stream by. Standard input (or
//! any input that cannot be read twice) is first copied to a temporary file.
//! The human report's counts and table come first but are known only at the
//! end, so its rows and details are written to temporary files as the
//! entries are judged and copied out after the counts; `--json` is written
//! straight out, one request at a time.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use corsair_core::printable::escape_control;
use corsair_core::{Outcome, Severity};
use corsair_doctor::exchange::redact_url;
use corsair_doctor::har::{self, HarError, HarSummary, PairStats, PENDING_BYTES, PENDING_ENTRIES};
use corsair_doctor::har_check::{self, HarVerdict};

use crate::exit::{CliError, Status};
use crate::render::{self, Style};
use crate::BrowserArg;

/// Arguments of `corsair har`.
#[derive(clap::Args)]
pub struct HarArgs {
    /// The HAR file (DevTools > Network > Export HAR), or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the report as one self-contained HTML page to FILE instead (`-`: standard output); bounded in size: counts over every request, the first 1000 listed, the first 100 blocked or flagged told in full.
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    pub html: Option<PathBuf>,
    /// Details for every cross-origin request, not only the blocked or flagged ones.
    #[arg(long)]
    pub all: bool,
    /// Which browser's rules (default: the export's own browser, from its creator; else Chrome).
    #[arg(long, value_enum)]
    pub browser: Option<BrowserArg>,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
The file is read as a stream, twice (standard input is first copied to a temporary file), in bounded memory whatever its size; an entry that cannot be read is skipped and counted, and keeps its number. Preflights are paired with their requests (by Chrome's request ids, else by URL, method and time, at most 1024 entries apart), redirect chains are followed (up to the 20 redirects browsers follow; later hops are counted, not judged), and each cross-origin request is run through the browser model with the recorded answers: Chrome exports only net::ERR_FAILED, the reason is worked out again from the headers. Sanitized exports (no cookies or Authorization) are handled: credentials are assumed when the server allowed them, and headers a request entry lost (Authorization) are taken from its preflight's Access-Control-Request-Headers. data:, blob:, WebSocket, extension and about: entries are not CORS requests: listed, never judged. Each export is judged by its own browser's rules (its creator: Firefox, else Chrome) unless --browser is given. Header lists are read up to 512 headers, strings up to 64 KiB, bodies up to 4 KiB.

Exit status: 0 nothing blocked, 1 at least one request blocked, 2 unreadable file (a truncated export is reported up to the cut, then exits 2).";

/// A temporary file, removed when dropped (on Unix, as soon as it is open).
struct TempFile {
    file: File,
    path: PathBuf,
}

impl TempFile {
    fn new(what: &str) -> io::Result<TempFile> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "corsair-har-{}-{nanos}-{n}-{what}",
            std::process::id()
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        // Unlinked at once where the system allows it: nothing is left
        // behind, even if the process is killed.
        #[cfg(unix)]
        let _ = std::fs::remove_file(&path);
        Ok(TempFile { file, path })
    }

    /// Back to the start, for reading what was written.
    fn rewind(&mut self) -> io::Result<&mut File> {
        self.file.flush()?;
        self.file.seek(SeekFrom::Start(0))?;
        Ok(&mut self.file)
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        #[cfg(not(unix))]
        let _ = std::fs::remove_file(&self.path);
        #[cfg(unix)]
        let _ = &self.path;
    }
}

/// The input, readable twice.
enum Input {
    File(File),
    Copy(TempFile),
}

impl Input {
    fn file(&mut self) -> &mut File {
        match self {
            Input::File(f) => f,
            Input::Copy(t) => &mut t.file,
        }
    }
}

/// Opens the input; standard input, pipes and other inputs that cannot be
/// read twice are copied to a temporary file first.
fn open_input(path: &Path) -> Result<Input, CliError> {
    let copy = |mut from: Box<dyn Read>| -> Result<Input, CliError> {
        let mut temp = TempFile::new("input").map_err(CliError::Temp)?;
        io::copy(&mut from, &mut temp.file)
            .map_err(|e| CliError::Input(format!("cannot read the input: {e}")))?;
        temp.rewind().map_err(CliError::Temp)?;
        Ok(Input::Copy(temp))
    };
    if path.as_os_str() == "-" {
        return copy(Box::new(io::stdin().lock()));
    }
    let file = File::open(path)
        .map_err(|e| CliError::Input(format!("cannot open {}: {e}", path.display())))?;
    if file.metadata().is_ok_and(|m| m.is_file()) {
        Ok(Input::File(file))
    } else {
        copy(Box::new(file))
    }
}

/// Runs `corsair har`; returns the exit status.
pub fn run(args: &HarArgs) -> Result<Status, CliError> {
    let name = args.file.display();
    let mut input = open_input(&args.file)?;
    let (summary, error) = har::read_partial(BufReader::new(input.file()), |_| {});
    let nothing_read = summary.entries == 0 && summary.skipped == 0;
    if let Some(e) = error.as_ref().filter(|_| nothing_read) {
        return Err(CliError::Input(format!("{name}: {e}")));
    }
    // Each export is judged by its own browser's rules unless told otherwise.
    let profile = args
        .browser
        .map(corsair_core::Profile::from)
        .or_else(|| har_check::profile_for_creator(summary.creator.as_deref()))
        .unwrap_or_default();
    if let Err(e) = input.file().seek(SeekFrom::Start(0)) {
        return Err(CliError::Input(format!("{name}: {}", HarError::Io(e))));
    }
    let reader = BufReader::new(input.file());
    if let Some(path) = &args.html {
        let shown = args.file.display().to_string();
        let mut files = crate::html::har::PageFiles::next_to(path, &shown);
        let mut first_only = crate::html::har::FirstPageOnly;
        let more: &mut dyn crate::html::har::MorePages = match files.as_mut() {
            Some(f) => f,
            None => &mut first_only,
        };
        let (page, counts, _) =
            crate::html::har::page(&shown, reader, &summary, profile, bound_notes, more);
        crate::html::write_file(path, &page)?;
        if let Some((file, e)) = files.and_then(|f| f.error) {
            return Err(CliError::Input(format!(
                "cannot write {}: {e}",
                file.display()
            )));
        }
        if let Some(e) = error {
            eprintln!("corsair har: {name}: {e}; the report covers the entries before that point");
            return Ok(Status::BadInput);
        }
        return Ok(if counts.blocked > 0 {
            Status::Blocked
        } else {
            Status::Success
        });
    }
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let blocked = if args.json {
        json(reader, &summary, profile, &mut out)
    } else {
        human(
            reader,
            &summary,
            profile,
            args.all,
            Style::for_stdout(),
            &mut out,
        )
    }?;
    out.flush()?;
    // The reader is at the end of what the first pass read; a second error
    // would be the first one again. The report is out already: the error
    // goes to standard error only, so the JSON stays one document.
    if let Some(e) = error {
        eprintln!("corsair har: {name}: {e}; the report covers the entries before that point");
        return Ok(Status::BadInput);
    }
    Ok(if blocked {
        Status::Blocked
    } else {
        Status::Success
    })
}

/// `--json`: `{"requests": [...], "summary": {...}}` as before (keys in
/// order, two-space indent), each request written as it is judged; a
/// `"pairing"` object last when a redirect chain was cut or entries had to
/// be judged before their window closed.
fn json(
    reader: impl Read,
    summary: &HarSummary,
    profile: corsair_core::Profile,
    out: &mut impl Write,
) -> Result<bool, CliError> {
    let mut blocked = false;
    let mut first = true;
    out.write_all(b"{\n  \"requests\": [")?;
    // The first error stops the writing; the stream is then only drained.
    let mut failed: Option<CliError> = None;
    let (stats, _) = har_check::judge_stream(reader, summary, profile, |r| {
        if failed.is_some() {
            return;
        }
        let r = corsair_doctor::redact::har_verdict(r);
        blocked |= r.verdict.outcome == Outcome::Blocked;
        let written = (|| -> Result<(), CliError> {
            let text = serde_json::to_string_pretty(&request_value(&r)?)?;
            out.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            write_indented(out, &text, "    ")?;
            Ok(())
        })();
        failed = written.err();
    });
    if let Some(e) = failed {
        return Err(e);
    }
    out.write_all(if first { b"],\n" } else { b"\n  ],\n" })?;
    // Through a `Value`: its keys come out sorted, as they always did.
    let summary = serde_json::to_value(summary).map(corsair_doctor::redact::scrub_json_patterns)?;
    let summary = serde_json::to_string_pretty(&summary)?;
    out.write_all(b"  \"summary\": ")?;
    write_indented_rest(out, &summary, "  ")?;
    if stats != PairStats::default() {
        let pairing = serde_json::to_string_pretty(&serde_json::to_value(&stats)?)?;
        out.write_all(b",\n  \"pairing\": ")?;
        write_indented_rest(out, &pairing, "  ")?;
    }
    out.write_all(b"\n}\n")?;
    Ok(blocked)
}

/// Writes `text` with every line indented.
fn write_indented(out: &mut impl Write, text: &str, indent: &str) -> io::Result<()> {
    out.write_all(indent.as_bytes())?;
    write_indented_rest(out, text, indent)
}

/// Writes `text` with every line but the first indented (JSON text has no
/// raw line breaks inside strings, so lines are its own).
fn write_indented_rest(out: &mut impl Write, text: &str, indent: &str) -> io::Result<()> {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn request_value(r: &HarVerdict) -> Result<serde_json::Value, serde_json::Error> {
    let verdict = crate::json_out::verdict_value(&r.verdict)?;
    let mut value = serde_json::json!({
        "entry": r.entry,
        "preflight_entry": r.preflight_entry,
        "redirect_entries": r.redirect_entries,
        "page_origin": r.page_origin,
        "method": r.scenario.request.method,
        "url": redact_url(&r.scenario.request.url),
        "credentials_assumed": r.credentials_assumed,
        "preflight_assumed": r.preflight_assumed,
        "recorded_error": r.recorded_error,
        "verdict": verdict,
    });
    if !r.headers_from_preflight.is_empty() {
        value["headers_from_preflight"] = serde_json::json!(r.headers_from_preflight);
    }
    Ok(value)
}

pub(crate) fn worst_slug(r: &HarVerdict) -> String {
    r.verdict
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .or_else(|| {
            r.verdict
                .findings
                .iter()
                .find(|f| f.severity == Severity::Warning)
        })
        .map_or_else(String::new, |f| f.slug.name().to_owned())
}

/// The human report: counts, notes, the table, then the details of the
/// blocked or flagged requests (every one with `all`). Untrusted text from
/// the file is printed with its control characters escaped.
fn human(
    reader: impl Read,
    s: &HarSummary,
    profile: corsair_core::Profile,
    all: bool,
    style: Style,
    out: &mut impl Write,
) -> Result<bool, CliError> {
    let mut rows = BufWriter::new(TempFile::new("rows").map_err(CliError::Temp)?);
    let mut details = BufWriter::new(TempFile::new("details").map_err(CliError::Temp)?);
    let mut requests = 0usize;
    let mut blocked = 0usize;
    let mut spool_error: Option<io::Error> = None;
    let (stats, _) = har_check::judge_stream(reader, s, profile, |r| {
        let r = corsair_doctor::redact::har_verdict(r);
        requests += 1;
        blocked += usize::from(r.verdict.outcome == Outcome::Blocked);
        let written =
            rows.write_all(row(&r, style).as_bytes())
                .and_then(|()| match detail(&r, all, style) {
                    Some(text) => details.write_all(text.as_bytes()),
                    None => Ok(()),
                });
        if let Err(e) = written {
            spool_error.get_or_insert(e);
        }
    });
    if let Some(e) = spool_error {
        return Err(CliError::Temp(e));
    }
    let mut head = String::new();
    let _ = writeln!(
        head,
        "{}",
        style.bold(&format!(
            "{} entries, {requests} cross-origin requests, {blocked} blocked{}{}",
            s.entries,
            s.creator
                .as_deref()
                .map(|c| format!(" (exported by {})", escape_control(c)))
                .unwrap_or_default(),
            if s.skipped > 0 {
                format!("; {} entries could not be read", s.skipped)
            } else {
                String::new()
            },
        ))
    );
    if s.sanitized {
        let _ = writeln!(head, "  {}", style.dim("sanitized export: no cookies or Authorization recorded; credentials assumed where the server allowed them"));
    }
    for (i, why) in &s.skipped_reasons {
        let _ = writeln!(
            head,
            "  {}",
            style.dim(&format!("entry {i} skipped: {why}"))
        );
    }
    if s.skipped > s.skipped_reasons.len() {
        let _ = writeln!(
            head,
            "  {}",
            style.dim(&format!(
                "... and {} more skipped entries (the first {} are listed)",
                s.skipped - s.skipped_reasons.len(),
                har::MAX_SKIPPED_REASONS
            ))
        );
    }
    for line in bound_notes(s, &stats) {
        let _ = writeln!(head, "  {}", style.dim(&line));
    }
    head.push('\n');
    let _ = writeln!(
        head,
        "  {:>5}  {:<7} {:<6} {:<9} {:<28} URL",
        "entry", "method", "status", "verdict", "mistake"
    );
    out.write_all(head.as_bytes())?;
    for spool in [rows, details] {
        let mut temp = spool
            .into_inner()
            .map_err(|e| CliError::Temp(e.into_error()))?;
        let file = temp.rewind().map_err(CliError::Temp)?;
        io::copy(file, out)?;
    }
    Ok(blocked > 0)
}

/// What was cut at a stated bound, one line each.
pub(crate) fn bound_notes(s: &HarSummary, stats: &PairStats) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, what) in &s.cut_notes {
        lines.push(format!("entry {i} cut: {what}"));
    }
    if s.cut > s.cut_notes.len() {
        lines.push(format!("... {} entries cut at a bound in all", s.cut));
    }
    if s.pages_cut > 0 {
        lines.push(format!(
            "{} pages past the first {} not read (the bound on pages)",
            s.pages_cut,
            har::MAX_PAGES
        ));
    }
    for (head, n) in &stats.chains_cut {
        lines.push(format!(
            "entry {head}: redirect chain cut after {} hops (browsers follow {} redirects, then fail with net::ERR_TOO_MANY_REDIRECTS); {n} later entries of it not judged",
            har::MAX_KEPT_HOPS,
            corsair_core::browser::MAX_REDIRECTS
        ));
    }
    let listed: usize = stats.chains_cut.iter().map(|(_, n)| n).sum();
    if stats.hops_cut > listed {
        lines.push(format!(
            "... {} redirect hops past the bound in all",
            stats.hops_cut
        ));
    }
    if stats.not_cors > 0 {
        lines.push(format!(
            "{} entries are not CORS requests (data:, blob:, WebSocket, extension or about: URLs): listed, not judged",
            stats.not_cors
        ));
        for (i, why) in &stats.not_cors_entries {
            lines.push(format!("entry {i}: {why}"));
        }
    }
    if stats.forced > 0 {
        lines.push(format!(
            "{} requests judged before every entry that could pair with them was read: more than {PENDING_ENTRIES} entries or {} MiB were waiting (the pairing window's bound)",
            stats.forced,
            PENDING_BYTES >> 20
        ));
    }
    lines
}

fn row(r: &HarVerdict, style: Style) -> String {
    let status = r
        .scenario
        .response
        .as_ref()
        .or(r.scenario.preflight.as_ref())
        .map_or_else(|| "-".to_owned(), |a| a.status.to_string());
    let verdict = match r.verdict.outcome {
        Outcome::Allowed => style.green("allowed  "),
        Outcome::Blocked => style.red("BLOCKED  "),
        Outcome::Incomplete => style.yellow("unknown  "),
        Outcome::SameOrigin => "same-orig".to_owned(),
        Outcome::Opaque => "opaque   ".to_owned(),
    };
    let url = redact_url(&r.scenario.request.url);
    format!(
        "  {:>5}  {:<7} {:<6} {verdict} {:<28} {}\n",
        r.entry,
        escape_control(&r.scenario.request.method),
        status,
        worst_slug(r),
        escape_control(&url)
    )
}

/// The story of a blocked or flagged request (of any, with `all`).
fn detail(r: &HarVerdict, all: bool, style: Style) -> Option<String> {
    let flagged = r.verdict.outcome != Outcome::Allowed
        || r.verdict
            .findings
            .iter()
            .any(|f| f.severity != Severity::Info);
    if !(all || flagged) {
        return None;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "── entry {}{} (page {}, from its {:?} header) ──",
            r.entry,
            r.preflight_entry
                .map(|p| format!(", preflight entry {p}"))
                .unwrap_or_default(),
            escape_control(&r.page_origin.origin),
            r.page_origin.source
        ))
    );
    if let Some(e) = &r.recorded_error {
        let _ = writeln!(out, "the browser recorded: {}", escape_control(e));
    }
    if r.credentials_assumed {
        let _ = writeln!(
            out,
            "{}",
            style.dim("credentials assumed (sanitized export)")
        );
    }
    if !r.headers_from_preflight.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!(
                "the request entry lacks {} (a sanitized export): taken from its preflight's Access-Control-Request-Headers, with placeholder values",
                escape_control(&r.headers_from_preflight.join(", "))
            ))
        );
    }
    if r.preflight_assumed {
        let _ = writeln!(
            out,
            "{}",
            style.dim(
                "the export has no preflight entry; the request was sent, so its preflight passed"
            )
        );
    }
    if r.verdict.outcome == Outcome::Incomplete {
        let _ = writeln!(out, "the export holds no answer for this request: the browser failed it before any response (a network error, or a blocked preflight the export left out)");
    }
    out.push_str(&render::verdict_styled(
        &render::escape_verdict(&r.verdict),
        style,
    ));
    Some(out)
}
