//! The command-line conventions every command keeps: `--color` with
//! NO_COLOR and CLICOLOR_FORCE, errors as JSON when JSON was asked for, and
//! messages that name the flags the user typed.

use std::process::{Command, Output};

fn corsair(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corsair"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CORS_ORIGINS")
        .env_remove("CORSAIR_STAGE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run corsair")
}

fn coloured(o: &Output) -> bool {
    o.stdout.contains(&0x1b)
}

#[test]
fn color_follows_the_flag_and_the_environment() {
    let lint = ["lint", "tests/policies/mistakes.toml"];
    let with = |pre: &[&str], env: &[(&str, &str)]| {
        let mut args: Vec<&str> = pre.to_vec();
        args.extend(lint);
        coloured(&corsair(&args, env))
    };
    // Into a pipe: no colour unless asked.
    assert!(!with(&[], &[]));
    assert!(with(&["--color", "always"], &[]));
    assert!(with(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!with(&[], &[("CLICOLOR_FORCE", "0")]));
    // NO_COLOR wins over CLICOLOR_FORCE, --color always over both.
    assert!(!with(&[], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]));
    assert!(with(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!with(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
}

#[test]
fn errors_are_json_when_json_was_asked_for() {
    let cases: [&[&str]; 5] = [
        &[
            "check",
            "--json",
            "http://api.example.test/x",
            "--origin",
            "app.example.test",
        ],
        &["lint", "--json", "tests/policies/none.toml"],
        &["lint", "--format", "sarif", "tests/policies/none.toml"],
        &["har", "--json", "tests/none.har"],
        &["explain", "--json", "tests/none.json"],
    ];
    for args in cases {
        json_error(args, &corsair(args, &[]));
    }
}

/// The JSON error document of a run that exited 2: checked for its
/// schema version, exit status and message, then returned.
fn json_error(args: &[&str], out: &Output) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(v["schema_version"], 1, "{args:?}");
    assert_eq!(v["error"]["exit_status"], 2, "{args:?}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    v
}

#[test]
fn argument_errors_are_the_json_error_document_with_json() {
    // (arguments, the argument clap names as at fault)
    let cases: [(&[&str], &str); 6] = [
        (&["check", "--json", "--bogus"], "--bogus"),
        (
            &["explain", "--json", "--browser", "opera", "x.json"],
            "--browser <BROWSER>",
        ),
        (&["har", "--json"], "<FILE|->"),
        (&["lint", "--json", "--stage"], "--stage <NAME>"),
        (&["lint", "--format", "sarif", "--bogus"], "--bogus"),
        (&["--color", "never", "check", "--json"], "<URL>"),
    ];
    for (args, argument) in cases {
        let out = corsair(args, &[]);
        let v = json_error(args, &out);
        let command = args.iter().find(|a| !a.starts_with('-') && **a != "never");
        assert_eq!(v["error"]["command"].as_str(), command.copied(), "{args:?}");
        assert_eq!(v["error"]["argument"], argument, "{args:?}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.contains("Usage:"), "{args:?}: {message}");
        assert!(out.stderr.is_empty(), "{args:?}: stderr has words");
    }
}

#[test]
fn messages_name_the_flags() {
    let out = corsair(
        &[
            "check",
            "http://api.example.test/x",
            "--origin",
            "app.example.test",
        ],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--origin"), "{err}");
    assert!(!err.contains("page_origin"), "{err}");
    let out = corsair(
        &["check", "ht!tp://x", "--origin", "https://app.example.test"],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the URL") && !err.contains("request.url"),
        "{err}"
    );
}
