//! HAProxy (Debian's `haproxy`) in the foreground (`-db`), with the
//! global and defaults sections a site needs and the zoo's frontend.

use std::process::Command;

use super::process::{Server, TempDir};

const HINT: &str = "The zoo needs HAProxy 2.2 or later (`apt-get install haproxy`; .ci/run does).";

/// Starts HAProxy with `sites` (frontends and backends, addresses filled
/// in); `ports`: the ones it listens on, the public one first.
pub fn start(name: &str, sites: &str, ports: &[u16]) -> Server {
    let dir = TempDir::new(&format!("haproxy-{name}"));
    let config = dir.write(
        "haproxy.cfg",
        &format!(
            "global
    maxconn 256

defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s

{sites}"
        ),
    );
    let mut command = Command::new("haproxy");
    command.arg("-db").arg("-f").arg(config);
    Server::start(&format!("haproxy ({name})"), command, dir, ports, HINT)
}
