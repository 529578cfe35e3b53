//! The `--html` reports and the pages of `corsair ui`: the same report as
//! the terminal's and the JSON's, as one self-contained HTML file (inline
//! CSS, no script, nothing from the network).
//!
//! Pages are written from what the other outputs print: the doctor's
//! already-redacted [`Report`](corsair_doctor::diagnose::Report), the HAR's
//! redacted verdicts, the policy's problems. Every value from outside goes
//! through [`Writer::text`]: the report's last redaction net, then the one
//! escaping function of `corsair_html`.

pub mod check;
pub mod explain;
pub mod har;
pub mod lint;
pub mod sequence;
pub mod verdict;
pub mod verify;

use std::borrow::Cow;
use std::path::Path;

use corsair_doctor::redact::Redactor;
use corsair_html::Html;

use crate::exit::CliError;

/// The last redaction net over a value before it is shown.
#[derive(Clone, Copy)]
pub enum Clean<'a> {
    /// The values are redacted already (HAR verdicts, policy files).
    AsIs,
    /// The check's redactor: the secrets the request carried, wherever a
    /// value repeats them.
    Redact(&'a Redactor),
}

impl Clean<'_> {
    /// `text` as it may be shown.
    pub fn apply<'s>(&self, text: &'s str) -> Cow<'s, str> {
        match self {
            Clean::AsIs => Cow::Borrowed(text),
            Clean::Redact(r) => Cow::Owned(r.scrub(text)),
        }
    }
}

/// A page being written: markup plus the redaction every value passes.
pub struct Writer<'a> {
    /// The markup.
    pub h: Html,
    clean: Clean<'a>,
    /// Added to every id, so several reports on one page (one per origin
    /// checked) keep their ids, and their labels, apart.
    pub scope: String,
}

impl<'a> Writer<'a> {
    /// An empty page whose values pass `clean`.
    pub fn new(clean: Clean<'a>) -> Writer<'a> {
        Writer {
            h: Html::new(),
            clean,
            scope: String::new(),
        }
    }

    /// The id `base` within the current scope.
    pub fn id(&self, base: &str) -> String {
        if self.scope.is_empty() {
            base.to_owned()
        } else {
            format!("{base}-{}", self.scope)
        }
    }

    /// `<section>` labelled by its `<h2>` (left open).
    pub fn section(&mut self, base_id: &str, title: &str) -> &mut Writer<'a> {
        let id = self.id(base_id);
        self.h.open("section", &[("aria-labelledby", &id)]);
        self.h.el("h2", &[("id", &id)], title);
        self
    }

    /// A value from outside: redacted, then escaped.
    pub fn text(&mut self, text: &str) -> &mut Writer<'a> {
        let clean = self.clean.apply(text);
        self.h.text(&clean);
        self
    }

    /// A value of several lines (for `<pre>`), redacted, each line escaped.
    pub fn lines(&mut self, text: &str) -> &mut Writer<'a> {
        let clean = self.clean.apply(text);
        self.h.lines(&clean);
        self
    }

    /// `<pre …>value</pre>`, its line breaks kept.
    pub fn pre(&mut self, attrs: &[(&'static str, &str)], text: &str) -> &mut Writer<'a> {
        self.h.open("pre", attrs);
        self.lines(text);
        self.h.close("pre");
        self
    }

    /// `<tag …>value</tag>`, the value redacted and escaped.
    pub fn el(
        &mut self,
        tag: &'static str,
        attrs: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Writer<'a> {
        self.h.open(tag, attrs);
        self.text(text);
        self.h.close(tag);
        self
    }

    /// `<tag …>`.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Writer<'a> {
        self.h.open(tag, attrs);
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Writer<'a> {
        self.h.close(tag);
        self
    }

    /// The program's own markup.
    pub fn raw(&mut self, markup: &'static str) -> &mut Writer<'a> {
        self.h.raw(markup);
        self
    }
}

/// Writes a page to `path` (`-`: standard output).
pub fn write_file(path: &Path, page: &str) -> Result<(), CliError> {
    if path.as_os_str() == "-" {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        out.write_all(page.as_bytes())?;
        out.flush()?;
        return Ok(());
    }
    std::fs::write(path, page)
        .map_err(|e| CliError::Input(format!("cannot write {}: {e}", path.display())))
}

/// The banner every page starts with.
pub fn banner(w: &mut Writer<'_>, what: &str) {
    w.raw("<header class=\"top\"><strong>Corsair</strong> · ");
    w.h.text(what);
    w.raw("</header>\n<main id=\"main\">\n");
}
