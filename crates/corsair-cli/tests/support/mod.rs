//! What the command-line tests share: the `corsair` binary with a clean
//! environment, a run with its standard input fed, and a loopback server
//! with one fixed answer.
// Each test binary uses a part of the harness.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

/// The `corsair` binary without colour and without the proxy variables (the
/// tests' servers are on loopback; a proxy from the environment would stand
/// between).
pub fn corsair() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corsair"));
    c.env("NO_COLOR", "1")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy");
    c
}

/// Runs `command` with `input` on its standard input, its output and
/// errors captured.
pub fn with_stdin(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn corsair");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write standard input");
    child.wait_with_output().expect("corsair's output")
}

/// A one-thread server that answers every request with `response`.
pub fn fixed_server(response: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 8192];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(response.as_bytes());
        }
    });
    port
}
