//! The single exit path: argument errors in clap's words without `--json`
//! (with it they are the JSON error document: conventions_cli), and a closed
//! standard output (`corsair demo | head -1`) ending the run quietly.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn corsair(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CORS_ORIGINS")
        .env_remove("CORSAIR_STAGE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run corsair")
}

#[test]
fn argument_errors_are_clap_words_without_json() {
    for args in [
        &["check", "--bogus"][..],
        &["explain", "--browser", "opera"],
        &["demo", "--json", "--bogus"],
        // `--json` after `--` is a value, not the flag.
        &["har", "--bogus", "--", "--json"],
    ] {
        let out = corsair(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains("--help"), "{args:?}: {err}");
    }
    // Help and version still go to standard output with status 0.
    let help = corsair(&["check", "--json", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: corsair check"));
    assert_eq!(corsair(&["--version"]).status.code(), Some(0));
}

/// Reads the first line of the command's output, closes the pipe, and
/// returns how the run ended.
fn first_line_then_close(args: &[&str], stdin: Option<Vec<u8>>) -> (String, Output) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corsair"));
    cmd.args(args);
    let mut child = cmd
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run corsair");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin");
        // The command may stop reading once its output is closed.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let mut line = String::new();
    {
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        reader.read_line(&mut line).expect("a first line");
        // Dropped here: the reader goes away, as `head -1` does.
    }
    let out = child.wait_with_output().expect("wait");
    if let Some(f) = feeder {
        let _ = f.join();
    }
    (line, out)
}

/// A run that ended with status 0 and said nothing on standard error.
fn assert_quiet(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    // The demo, as in `corsair demo | head -1`.
    let (line, out) = first_line_then_close(&["demo"], None);
    assert!(line.starts_with("corsair demo:"), "{line}");
    assert_quiet(&out);

    // A batch far larger than a pipe's buffer: the write fails for certain
    // once the reader is gone.
    let scenario = std::fs::read_to_string("scenarios/authorization-not-allowed.json")
        .expect("built-in scenario");
    let one: serde_json::Value = serde_json::from_str(&scenario).expect("JSON");
    let mut batch = Vec::new();
    for _ in 0..4000 {
        batch.extend_from_slice(one.to_string().as_bytes());
        batch.push(b'\n');
    }
    let (line, out) = first_line_then_close(&["explain", "--json", "-"], Some(batch));
    assert!(line.contains("\"outcome\":\"blocked\""), "{line}");
    assert_quiet(&out);
}
