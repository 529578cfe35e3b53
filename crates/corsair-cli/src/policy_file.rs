//! A policy file read and checked for a stage, for the commands that use a
//! policy without serving it (`export`, `verify`): its errors, located in
//! the file, stop the command as bad input.

use std::path::Path;

use corsair_core::catalog::Severity;
use corsair_core::policy::{self, document, Checked, Document, LineIndex, Location};

use crate::exit::CliError;

/// The file's text, its document and the checked policies of the stage.
pub struct Loaded {
    /// The file's text (to locate values in it).
    pub text: String,
    /// The parsed document (routes, stages).
    pub doc: Document,
    /// The checked policies: the default first, then one per route.
    pub checked: Checked,
}

impl Loaded {
    /// `file:line:col: ` for a byte offset of the text.
    pub fn at(&self, file: &Path, offset: usize) -> String {
        let (line, col) = LineIndex::new(&self.text).line_col(offset);
        format!("{}:{line}:{col}: ", file.display())
    }

    /// The routes' paths, in the order of `checked.specs[1..]`.
    pub fn route_paths(&self) -> Vec<String> {
        self.doc
            .routes
            .iter()
            .filter_map(|r| r.path.as_ref().map(|p| p.value.clone()))
            .collect()
    }
}

/// Reads `path` as UTF-8 text.
pub fn read(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::Input(format!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Reads and checks the policy file for `stage`, with `CORS_ORIGINS`.
pub fn load(path: &Path, stage: Option<&str>) -> Result<Loaded, CliError> {
    let text = read(path)?;
    let (doc, mut problems) = document::parse(&text);
    let env = std::env::var(policy::ORIGINS_ENV).ok();
    let env_entries = env
        .as_deref()
        .map_or_else(Vec::new, |v| document::env_origins(policy::ORIGINS_ENV, v));
    let checked = policy::check(&doc, &env_entries, stage);
    problems.extend(checked.problems.iter().cloned());
    let loaded = Loaded { text, doc, checked };
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| {
            let at = match &p.location {
                Location::File { span } => loaded.at(path, span.start),
                _ => String::new(),
            };
            format!("{at}{} [{}]", p.message, p.slug)
        })
        .collect();
    if !errors.is_empty() {
        return Err(CliError::Input(format!(
            "the policy has errors (run `corsair lint {}`):\n  {}",
            path.display(),
            errors.join("\n  ")
        )));
    }
    Ok(loaded)
}
