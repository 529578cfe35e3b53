//! Caddy with a Caddyfile: no admin endpoint, no automatic HTTPS, its data
//! and configuration directories in its own directory.

use std::process::Command;

use super::process::{Server, TempDir};

const HINT: &str = "The zoo needs Caddy (`apt-get install caddy`; .ci/run does).";

/// The global options every zoo Caddyfile starts with.
const GLOBAL: &str = "{
\tadmin off
\tauto_https off
}

";

/// Starts Caddy with `sites` (site blocks, placeholders filled) after the
/// global options; `ports`: the ones it listens on, the public one first.
pub fn start(name: &str, sites: &str, ports: &[u16]) -> Server {
    let dir = TempDir::new(&format!("caddy-{name}"));
    let file = dir.write("Caddyfile", &format!("{GLOBAL}{sites}"));
    let mut command = Command::new("caddy");
    command
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"));
    Server::start(&format!("caddy ({name})"), command, dir, ports, HINT)
}
