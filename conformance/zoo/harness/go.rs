//! Go servers with github.com/rs/cors, built in GOPATH mode from Debian's
//! packages (`golang-go`, `golang-github-rs-cors-dev`: the module proxy is
//! out of reach here) and started on a free port.

use std::process::Command;

use super::process::{fill, free_port, run, Server, TempDir};

const HINT: &str = "The zoo's Go servers need `apt-get install golang-go \
    golang-github-rs-cors-dev` (.ci/run installs them).";

/// Where Debian puts Go sources (rs/cors among them).
const GOPATH: &str = "/usr/share/gocode";

/// `gofmt -l` on `source`: the file's name when it is not formatted as
/// gofmt would, else empty.
pub fn unformatted(name: &str, source: &str) -> String {
    let dir = TempDir::new(&format!("gofmt-{name}"));
    let file = dir.write("main.go", source);
    let out = Command::new("gofmt")
        .arg("-l")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{name}: cannot run gofmt: {e}. {HINT}"));
    assert!(
        out.status.success(),
        "{name}: gofmt failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Builds `source` (package main, with `@PORT@` where its port goes) and
/// starts it.
pub fn start(name: &str, source: &str) -> Server {
    let dir = TempDir::new(&format!("go-{name}"));
    let port = free_port();
    dir.write("main.go", &fill(source, &[("PORT", port)]));
    let cache = dir.path().join("cache");
    run(
        &format!("go ({name})"),
        Command::new("go")
            .args(["build", "-o", "app", "main.go"])
            .current_dir(dir.path())
            .env("GO111MODULE", "off")
            .env("GOPATH", GOPATH)
            .env("GOCACHE", &cache)
            .env("GOFLAGS", ""),
        HINT,
    );
    let command = Command::new(dir.path().join("app"));
    Server::start(&format!("go ({name})"), command, dir, &[port], HINT)
}
