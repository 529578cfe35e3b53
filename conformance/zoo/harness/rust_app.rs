//! Rust servers built from exported code (axum, actix-web): one Cargo
//! package per engine under `target/zoo-rust/`, one binary per app, built
//! together (so the dependencies compile once) with the workspace's lock
//! file for the versions it has, as a user's crate would be.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use super::process::{free_port, run, Server, TempDir};

const HINT: &str = "The zoo's Rust apps are built with cargo from crates.io \
    (the workspace's Cargo.lock pins the versions it has).";

/// The workspace's root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("conformance/ has no parent directory"))
}

/// The dependencies of the axum apps (tower-http's or Corsair's layer).
pub const AXUM: &str =
    "axum = { version = \"0.8\", default-features = false, features = [\"tokio\", \"http1\"] }
tokio = { version = \"1\", features = [\"macros\", \"rt\", \"net\"] }
tower-http = { version = \"0.6\", default-features = false, features = [\"cors\"] }
tower = { version = \"0.5\", default-features = false, features = [\"util\"] }
regex = \"1\"
corsair-tower = { path = \"@TOWER@\" }
";

/// The dependencies of the actix-web apps.
pub const ACTIX: &str =
    "actix-web = { version = \"4\", default-features = false, features = [\"macros\"] }
actix-cors = \"0.7\"
regex = \"1\"
";

/// What an actix app adds after the exported code (which has `main`): the
/// handler every path answers with, and the port from the first argument.
pub const ACTIX_APP: &str = "
// The app's handler and port (added by the zoo).
async fn zoo_items() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .insert_header((\"x-total-count\", \"3\"))
        .content_type(\"application/json\")
        .body(\"{\\\"items\\\":[1,2,3]}\")
}

fn zoo_port() -> u16 {
    std::env::args().nth(1).and_then(|p| p.parse().ok()).expect(\"a port\")
}
";

/// What every axum app adds after the exported code: the routes and `main`,
/// listening on the port given as its first argument. `router` is the
/// expression giving the `Router` (`app()`, `app().expect(…)`).
pub fn main_for(router: &str) -> String {
    format!(
        "\n// The app's handler and main (added by the zoo).\n\
         async fn zoo_items() -> axum::response::Response {{\n    \
         axum::response::IntoResponse::into_response((\n        \
         [(\"x-total-count\", \"3\"), (\"content-type\", \"application/json\")],\n        \
         \"{{\\\"items\\\":[1,2,3]}}\",\n    ))\n}}\n\n\
         #[tokio::main(flavor = \"current_thread\")]\n\
         async fn main() {{\n    \
         let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).expect(\"a port\");\n    \
         let listener = tokio::net::TcpListener::bind((\"127.0.0.1\", port)).await.expect(\"bind\");\n    \
         axum::serve(listener, {router}).await.expect(\"serve\");\n}}\n"
    )
}

/// The built binaries of one engine's package.
pub struct Built {
    bins: Vec<(String, PathBuf)>,
}

/// Builds each `(name, source)` as a binary of the package `package` with
/// `dependencies` (a `[dependencies]` body; `@TOWER@` is corsair-tower's
/// path), one `cargo build` for all.
pub fn build(package: &str, dependencies: &str, apps: &[(String, String)]) -> Built {
    // Tests of one binary run in parallel and share the packages: one build
    // at a time, or another test's rewrite of `src/bin` removes this one's
    // sources before cargo reads them.
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(PoisonError::into_inner);
    let root = workspace();
    let home = root.join("target/zoo-rust").join(package);
    let src = home.join("src/bin");
    let _ = fs::remove_dir_all(&src);
    fs::create_dir_all(&src).unwrap_or_else(|e| panic!("cannot create {}: {e}", src.display()));
    let tower = root.join("crates/corsair-tower");
    let manifest = format!(
        "[package]\nname = \"zoo-{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         # Not a member of the Corsair workspace.\n[workspace]\n\n[dependencies]\n{}",
        dependencies.replace("@TOWER@", &tower.display().to_string())
    );
    write(&home.join("Cargo.toml"), &manifest);
    // The workspace's versions: the ones its own tests already proved.
    let lock = fs::read_to_string(root.join("Cargo.lock"))
        .unwrap_or_else(|e| panic!("cannot read the workspace's Cargo.lock: {e}"));
    if fs::read_to_string(home.join("Cargo.lock")).is_err() {
        write(&home.join("Cargo.lock"), &lock);
    }
    let mut bins = Vec::new();
    for (name, source) in apps {
        write(&src.join(format!("{name}.rs")), source);
        bins.push((
            name.clone(),
            root.join("target/zoo-rust/target/debug").join(name),
        ));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(
        &format!("cargo build ({package})"),
        Command::new(cargo)
            .args(["build", "--quiet", "--bins", "--manifest-path"])
            .arg(home.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", root.join("target/zoo-rust/target"))
            // The workspace's settings for its own tests do not apply.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET"),
        HINT,
    );
    Built { bins }
}

impl Built {
    /// Starts the binary `name` on a free port.
    pub fn start(&self, name: &str) -> Server {
        let (_, path) = self
            .bins
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no app `{name}` was built"));
        let port = free_port();
        let mut command = Command::new(path);
        command.arg(port.to_string());
        Server::start(
            &format!("rust app ({name})"),
            command,
            TempDir::new(&format!("rust-{name}")),
            &[port],
            HINT,
        )
    }
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
