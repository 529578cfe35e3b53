//! nginx as the current user: one process (`master_process off`), in the
//! foreground, with its pid, logs and temporary files in its own directory.

use std::path::Path;
use std::process::Command;

use super::process::{Server, TempDir};

const HINT: &str = "The zoo needs nginx (`apt-get install nginx-light`; .ci/run does).";

/// The nginx binary: Debian's, else `nginx` on `PATH`.
fn binary() -> &'static str {
    if Path::new("/usr/sbin/nginx").is_file() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

/// Starts nginx with `sites` (server blocks, placeholders filled) in its
/// `http {}`; `ports`: the ones it listens on, the public one first.
pub fn start(name: &str, sites: &str, ports: &[u16]) -> Server {
    let dir = TempDir::new(&format!("nginx-{name}"));
    let d = dir.path().display();
    dir.write("sites.conf", sites);
    dir.write(
        "nginx.conf",
        &format!(
            "daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;

events {{
    worker_connections 64;
}}

http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;

    include {d}/sites.conf;
}}
"
        ),
    );
    let mut command = Command::new(binary());
    command
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(dir.path().join("nginx.conf"))
        // Before the configuration is read, errors go to the compiled-in log.
        .arg("-e")
        .arg(dir.path().join("error.log"));
    Server::start(&format!("nginx ({name})"), command, dir, ports, HINT)
}
