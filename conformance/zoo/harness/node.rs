//! Express apps under node, with the zoo's own `node_modules`
//! (`conformance/zoo/node`, installed by `npm ci`).

use std::path::Path;
use std::process::Command;

use super::process::{free_port, zoo_dir, Server, TempDir};

const HINT: &str = "The zoo's Express servers need Node.js and \
    `npm ci --prefix conformance/zoo/node` (.ci/run does both).";

/// Starts `node SCRIPT PORT` on a free port; `script` may live anywhere:
/// `require` finds the zoo's packages through `NODE_PATH`.
pub fn start(name: &str, script: &Path) -> Server {
    start_in(name, script, TempDir::new(&format!("node-{name}")))
}

/// Writes `source` as `app.js` in a new directory and starts it.
pub fn start_source(name: &str, source: &str) -> Server {
    let dir = TempDir::new(&format!("node-{name}"));
    let script = dir.write("app.js", source);
    start_in(name, &script, dir)
}

/// Writes `source` as the ES module `app.mjs` in a new directory and
/// starts it: ES modules find packages next to them, not through
/// `NODE_PATH`, so the directory links the zoo's `node_modules`.
pub fn start_module(name: &str, source: &str) -> Server {
    let dir = TempDir::new(&format!("node-{name}"));
    let script = dir.write("app.mjs", source);
    let modules = zoo_dir().join("node/node_modules");
    std::os::unix::fs::symlink(&modules, dir.path().join("node_modules"))
        .unwrap_or_else(|e| panic!("{name}: cannot link {}: {e}", modules.display()));
    start_in(name, &script, dir)
}

/// An Express app from a rendered fix's `snippet` (which creates `app`)
/// and the app's own `code` after it, listening on its port.
pub fn start_app(name: &str, snippet: &str, code: &str) -> Server {
    let source = format!(
        "{snippet}\n// The app's own code, as before (added by the zoo).\n{code}\n\
         app.listen(Number(process.argv[2]), '127.0.0.1');\n"
    );
    start_source(name, &source).ready()
}

/// A script of `conformance/zoo/node`.
pub fn script(file: &str) -> std::path::PathBuf {
    zoo_dir().join("node").join(file)
}

fn start_in(name: &str, script: &Path, dir: TempDir) -> Server {
    let modules = zoo_dir().join("node/node_modules");
    assert!(
        modules.join("express").is_dir() && modules.join("cors").is_dir(),
        "{name}: express and cors are not installed in {}. {HINT}",
        modules.display()
    );
    let port = free_port();
    let mut command = Command::new("node");
    command
        .arg(script)
        .arg(port.to_string())
        .env("NODE_PATH", &modules);
    Server::start(&format!("express ({name})"), command, dir, &[port], HINT)
}
