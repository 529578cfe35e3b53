//! How a command reports that it cannot go on: in words on standard error,
//! or, when the user asked for JSON, as a JSON document on standard output
//! (so a script that parses the output always gets JSON).

use std::io::Write;

use corsair_core::ScenarioError;

use crate::exit::Status;

/// The version of the JSON documents the commands write; raised when a
/// field changes meaning or goes away (new fields do not raise it).
pub const SCHEMA_VERSION: u32 = 1;

/// Reports `message` for `command`, which ends with `status`: as a JSON
/// document on standard output when `json`, else a line on standard error.
/// `argument` names the command-line argument at fault, when known.
pub fn report(command: &str, json: bool, message: &str, status: Status, argument: Option<&str>) {
    if json {
        let mut error = serde_json::json!({
            "command": command, "message": message, "exit_status": status.code(),
        });
        if let (Some(arg), Some(obj)) = (argument, error.as_object_mut()) {
            obj.insert("argument".into(), arg.into());
        }
        let v = serde_json::json!({ "schema_version": SCHEMA_VERSION, "error": error });
        // The last thing the run writes: a closed pipe leaves nobody to tell.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{v}").and_then(|()| out.flush());
    } else {
        eprintln!("corsair {command}: {message}");
    }
}

/// A scenario error in the words of `check`'s flags rather than the
/// scenario's field names (`--origin`, not `page_origin`).
pub fn in_flags(e: &ScenarioError) -> String {
    let field = e.field.as_str();
    let flag = match field {
        "" => return e.message.clone(),
        "page_origin" => "--origin".to_owned(),
        "request.url" => "the URL".to_owned(),
        "request.method" => "-X".to_owned(),
        _ => match field
            .strip_prefix("request.headers[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => format!("-H (header {})", n + 1),
            None => field.to_owned(),
        },
    };
    format!("{flag}: {}", e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_become_flags() {
        let e = |field: &str| ScenarioError {
            field: field.into(),
            message: "bad".into(),
        };
        assert_eq!(in_flags(&e("page_origin")), "--origin: bad");
        assert_eq!(in_flags(&e("request.url")), "the URL: bad");
        assert_eq!(in_flags(&e("request.headers[2]")), "-H (header 3): bad");
        assert_eq!(in_flags(&e("")), "bad");
    }
}
