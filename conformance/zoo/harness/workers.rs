//! Cloudflare Workers, run locally by `workerd` (Cloudflare's runtime,
//! from npm) the way `wrangler dev` does: the TypeScript entry module
//! compiled by esbuild, then served by `workerd serve`.

use std::process::Command;

use super::process::{free_port, run, zoo_dir, Server, TempDir};

const HINT: &str = "The zoo's Workers need `npm ci --prefix conformance/zoo/node` \
    (workerd and esbuild; .ci/run does it).";

/// Compiles the entry module `source` (TypeScript) and serves it.
pub fn start(name: &str, source: &str) -> Server {
    let bin = zoo_dir().join("node/node_modules/.bin");
    let dir = TempDir::new(&format!("workers-{name}"));
    dir.write("index.ts", source);
    run(
        &format!("esbuild ({name})"),
        Command::new(bin.join("esbuild"))
            .args([
                "index.ts",
                "--format=esm",
                "--outfile=worker.js",
                "--log-level=warning",
            ])
            .current_dir(dir.path()),
        HINT,
    );
    let port = free_port();
    dir.write(
        "config.capnp",
        &format!(
            r#"using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-01-01",
);
"#
        ),
    );
    let mut command = Command::new(bin.join("workerd"));
    command
        .args(["serve", "config.capnp"])
        .current_dir(dir.path());
    Server::start(&format!("workerd ({name})"), command, dir, &[port], HINT)
}
