//! What the page's forms send, read into typed submissions.

/// One form, filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submission {
    /// A live check from a URL and the page's origin.
    Live {
        /// The URL the page requests.
        url: String,
        /// The page's origin.
        origin: String,
        /// The method (empty: GET).
        method: String,
        /// Headers the page sets, one `Name: value` a line.
        headers: String,
        /// `credentials: 'include'`.
        credentials: bool,
        /// Send the request itself even when it may change data.
        send: bool,
    },
    /// A DevTools "Copy as cURL" command, checked live.
    Curl {
        /// The command.
        command: String,
    },
    /// A console line, checked live.
    Console {
        /// The line.
        line: String,
        /// The page's origin (Firefox's line does not name it).
        origin: String,
    },
    /// A HAR export's text.
    Har {
        /// The export.
        text: String,
    },
    /// A scenario (JSON), explained.
    Scenario {
        /// The scenario.
        text: String,
    },
    /// A policy file, linted.
    Policy {
        /// The file's text.
        text: String,
    },
}

/// A form that cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// No form is posted there.
    #[error("no form is sent to {0}")]
    UnknownForm(String),
    /// A field the form needs is empty.
    #[error("fill in {0}")]
    Missing(&'static str),
}

/// The fields of an `application/x-www-form-urlencoded` body.
pub fn urlencoded(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The form posted to `path`, from its fields; also the token it carries.
pub fn parse(
    path: &str,
    fields: &[(String, String)],
) -> Result<(Submission, Option<String>), FormError> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let need = |name: &'static str, label: &'static str| {
        let v = get(name);
        if v.is_empty() {
            Err(FormError::Missing(label))
        } else {
            Ok(v)
        }
    };
    let token = fields
        .iter()
        .find(|(n, _)| n == "token")
        .map(|(_, v)| v.clone());
    let sub = match path {
        "/check" => Submission::Live {
            url: need("url", "the URL")?,
            origin: need("origin", "the page's origin")?,
            method: get("method"),
            headers: get("headers"),
            credentials: !get("credentials").is_empty(),
            send: !get("send").is_empty(),
        },
        "/curl" => Submission::Curl {
            command: need("curl", "the cURL command")?,
        },
        "/console" => Submission::Console {
            line: need("line", "the console line")?,
            origin: get("origin"),
        },
        // A file chosen wins over a paste.
        "/har" => Submission::Har {
            text: match get("harfile") {
                file if !file.is_empty() => file,
                _ => need("har", "the HAR export (a file or a paste)")?,
            },
        },
        "/explain" => Submission::Scenario {
            text: need("scenario", "the scenario")?,
        },
        "/lint" => Submission::Policy {
            text: need("policy", "the policy file")?,
        },
        other => return Err(FormError::UnknownForm(other.to_owned())),
    };
    Ok((sub, token))
}

/// The words a user would type for a live check: `corsair ui` parses them
/// with the command line's own parser, so both take the same request.
pub fn check_words(sub: &Submission) -> Option<Vec<String>> {
    let mut words = vec!["check".to_owned()];
    match sub {
        Submission::Live {
            url,
            origin,
            method,
            headers,
            credentials,
            send,
        } => {
            words.extend([url.clone(), "--origin".into(), origin.clone()]);
            if !method.is_empty() {
                words.extend(["-X".into(), method.clone()]);
            }
            for line in headers.lines().map(str::trim).filter(|l| !l.is_empty()) {
                words.extend(["-H".into(), line.to_owned()]);
            }
            if *credentials {
                words.push("--credentials".into());
            }
            if *send {
                words.push("--send".into());
            }
        }
        Submission::Curl { command } => words.extend(["--curl".into(), command.clone()]),
        Submission::Console { line, origin } => {
            words.extend(["--console".into(), line.clone()]);
            if !origin.is_empty() {
                words.extend(["--origin".into(), origin.clone()]);
            }
        }
        _ => return None,
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_check_becomes_the_command_lines_words() {
        let body = b"token=abc&url=https%3A%2F%2Fapi.example.com%2Fx&origin=https%3A%2F%2Fapp.example.com&method=PUT&headers=Authorization%3A+Bearer+x%0D%0AContent-Type%3A+application%2Fjson&credentials=on";
        let (sub, token) = parse("/check", &urlencoded(body)).expect("a form");
        assert_eq!(token.as_deref(), Some("abc"));
        assert_eq!(
            check_words(&sub).expect("words"),
            [
                "check",
                "https://api.example.com/x",
                "--origin",
                "https://app.example.com",
                "-X",
                "PUT",
                "-H",
                "Authorization: Bearer x",
                "-H",
                "Content-Type: application/json",
                "--credentials"
            ]
        );
    }

    #[test]
    fn empty_or_unknown_forms_are_refused() {
        assert_eq!(
            parse("/check", &urlencoded(b"url=&origin=x")),
            Err(FormError::Missing("the URL"))
        );
        assert_eq!(
            parse("/nope", &[]),
            Err(FormError::UnknownForm("/nope".into()))
        );
        let (sub, token) = parse("/lint", &urlencoded(b"policy=%5Bcors%5D")).expect("a form");
        assert_eq!(
            sub,
            Submission::Policy {
                text: "[cors]".into()
            }
        );
        assert_eq!(token, None);
    }
}
