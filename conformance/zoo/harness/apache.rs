//! Apache httpd (Debian's `apache2`) in the foreground, one process
//! (`-X`), with its own minimal configuration, pid and logs in its own
//! directory; the documents it serves there too.

use std::process::Command;

use super::process::{Server, TempDir};

const HINT: &str = "The zoo needs Apache httpd (`apt-get install apache2`; .ci/run does).";

/// Debian's module directory.
const MODULES: &str = "/usr/lib/apache2/modules";

/// Starts Apache on `port` with `site` (directives placed in the server's
/// context, as in a `<VirtualHost>`), serving `documents` (path, content)
/// from its document root.
pub fn start(name: &str, site: &str, port: u16, documents: &[(&str, &str)]) -> Server {
    let dir = TempDir::new(&format!("apache-{name}"));
    let root = dir.path().join("htdocs");
    for (path, content) in documents {
        let file = root.join(path.trim_start_matches('/'));
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        std::fs::write(&file, content)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    }
    // Apache drops root for `User`: the tree must be readable by it.
    make_readable(dir.path());
    let d = dir.path().display();
    let modules = [
        "mpm_event",
        "authz_core",
        "unixd",
        "setenvif",
        "headers",
        "rewrite",
        "mime",
    ]
    .iter()
    .filter(|m| std::path::Path::new(&format!("{MODULES}/mod_{m}.so")).is_file())
    .map(|m| format!("LoadModule {m}_module {MODULES}/mod_{m}.so\n"))
    .collect::<String>();
    dir.write(
        "httpd.conf",
        &format!(
            "ServerRoot {d}
{modules}Listen 127.0.0.1:{port}
ServerName 127.0.0.1
PidFile {d}/httpd.pid
ErrorLog {d}/error.log
LogLevel warn
User nobody
Group nogroup
DocumentRoot {d}/htdocs
TypesConfig /etc/mime.types
<Directory {d}/htdocs>
    Require all granted
</Directory>
{site}
"
        ),
    );
    let mut command = Command::new("/usr/sbin/apache2");
    command
        .arg("-X")
        .arg("-f")
        .arg(dir.path().join("httpd.conf"))
        .arg("-d")
        .arg(dir.path());
    Server::start(&format!("apache ({name})"), command, dir, &[port], HINT)
}

/// Opens the directory and everything in it to other users (read, and
/// search for directories).
fn make_readable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if path.is_dir() { 0o755 } else { 0o644 };
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            make_readable(&entry.path());
        }
    }
}
