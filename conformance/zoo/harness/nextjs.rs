//! A Next.js app (from npm, in the zoo's `node_modules`) with a proxy
//! (middleware) file, served by `next dev`: one catch-all route handler
//! under /api. The app lives under `conformance/zoo/node/.apps/`, where
//! Turbopack finds the zoo's packages.

use std::process::Command;
use std::time::Duration;

use super::process::{free_port, zoo_dir, Server, TempDir};

const HINT: &str = "The zoo's Next.js app needs `npm ci --prefix conformance/zoo/node` \
    (next, react, typescript; .ci/run does it).";

const ROUTE: &str = "function items() {
  return Response.json({ items: [1, 2, 3] }, { headers: { 'X-Total-Count': '3' } })
}
export const GET = items
export const POST = items
export const PUT = items
export const PATCH = items
export const DELETE = items
";

const LAYOUT: &str =
    "export default function RootLayout({ children }: { children: React.ReactNode }) {
  return <html><body>{children}</body></html>
}
";

/// Starts the app with `proxy` as its `proxy.ts` (Next.js 16's name for
/// middleware) and waits until it has compiled.
pub fn start(name: &str, proxy: &str) -> Server {
    let node = zoo_dir().join("node");
    let next = node.join("node_modules/next/dist/bin/next");
    assert!(
        next.is_file(),
        "{name}: {} is missing. {HINT}",
        next.display()
    );
    let dir = TempDir::under(&node.join(".apps"), &format!("next-{name}"));
    std::fs::create_dir_all(dir.path().join("app/api/[...path]"))
        .unwrap_or_else(|e| panic!("{name}: cannot create the app's directories: {e}"));
    dir.write("app/api/[...path]/route.ts", ROUTE);
    dir.write("app/layout.tsx", LAYOUT);
    dir.write("proxy.ts", proxy);
    let port = free_port();
    let mut command = Command::new("node");
    command
        .arg(&next)
        .args(["dev", "-H", "127.0.0.1", "-p", &port.to_string()])
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .current_dir(dir.path());
    Server::start(&format!("next ({name})"), command, dir, &[port], HINT)
        .ready()
        .warm("/api/items", Duration::from_secs(90))
}
