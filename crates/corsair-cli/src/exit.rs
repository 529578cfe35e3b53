//! How a run ends: the exit statuses (named here, numbered here only) and
//! the errors that stop a command. Commands return `Result<Status,
//! CliError>`; `main` reports the error, once, and turns the status into the
//! process's exit code, as ripgrep does.

use std::io;
use std::process::ExitCode;

use corsair_core::Outcome;

/// What a run ended with, as its exit status tells a script (the numbers
/// are the README's contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: allowed, same-origin or opaque; a clean policy; a clean shutdown.
    Success,
    /// 1: the browser blocks (explain, check, har).
    Blocked,
    /// 1: the policy has errors (lint, serve).
    PolicyErrors,
    /// 1: a demo case could not be checked.
    CaseFailed,
    /// 2: bad input or arguments, an unreadable file, a start that failed.
    BadInput,
    /// 3: the verdict stops where an answer is missing.
    Incomplete,
    /// 4: a finding at or above `check --fail-on`.
    Findings,
    /// 5: no HTTP answer (DNS, connection, timeout, TLS).
    NoAnswer,
}

impl Status {
    /// The exit status's number.
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Blocked | Status::PolicyErrors | Status::CaseFailed => 1,
            Status::BadInput => 2,
            Status::Incomplete => 3,
            Status::Findings => 4,
            Status::NoAnswer => 5,
        }
    }

    /// The status of a verdict, as `explain` and `check` exit with it.
    pub fn of(outcome: Outcome) -> Status {
        match outcome {
            Outcome::Blocked => Status::Blocked,
            Outcome::Incomplete => Status::Incomplete,
            Outcome::Allowed | Outcome::SameOrigin | Outcome::Opaque => Status::Success,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s.code())
    }
}

/// Why a command stopped. `main` reports it (in words, or as JSON when JSON
/// was asked for) and exits with [`CliError::status`].
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input or arguments; the message names what is wrong.
    #[error("{0}")]
    Input(String),
    /// Writing the output failed (a closed pipe among them: see
    /// [`CliError::is_closed_pipe`]).
    #[error("cannot write output: {0}")]
    Write(#[from] io::Error),
    /// A temporary file (`har`'s copy of standard input, its spooled
    /// report) could not be written or read back.
    #[error("cannot write a temporary file: {0}")]
    Temp(#[source] io::Error),
    /// A report could not be serialized: never printed as `null` instead.
    #[error("cannot write the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl CliError {
    /// The exit status for this error.
    pub fn status(&self) -> Status {
        if self.is_closed_pipe() {
            // The reader went away (`corsair demo | head -1`): it has what it
            // wanted, so it is no failure (ripgrep exits 0 as well).
            return Status::Success;
        }
        Status::BadInput
    }

    /// Whether standard output was closed under us: ended quietly.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, CliError::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<String> for CliError {
    fn from(message: String) -> CliError {
        CliError::Input(message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> CliError {
        CliError::Input(message.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_keep_the_documented_numbers() {
        let all = [
            (Status::Success, 0),
            (Status::Blocked, 1),
            (Status::PolicyErrors, 1),
            (Status::CaseFailed, 1),
            (Status::BadInput, 2),
            (Status::Incomplete, 3),
            (Status::Findings, 4),
            (Status::NoAnswer, 5),
        ];
        for (status, code) in all {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_other_errors_are_bad_input() {
        let pipe = CliError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(pipe.is_closed_pipe());
        assert_eq!(pipe.status(), Status::Success);
        let full = CliError::from(io::Error::from(io::ErrorKind::WriteZero));
        assert!(!full.is_closed_pipe());
        assert_eq!(full.status(), Status::BadInput);
        assert_eq!(CliError::from("bad").status(), Status::BadInput);
    }
}
