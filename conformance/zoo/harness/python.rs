//! The Python servers: FastAPI under uvicorn, Flask's development server,
//! Django's `runserver`. Every package comes from
//! `conformance/zoo/requirements.txt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::process::{free_port, zoo_dir, Server, TempDir};

const HINT: &str = "The zoo's Python servers need python3 and \
    `pip install -r conformance/zoo/requirements.txt` (.ci/run does).";

/// `conformance/zoo/python`.
pub fn dir() -> PathBuf {
    zoo_dir().join("python")
}

fn python() -> Command {
    let mut command = Command::new("python3");
    command.env("PYTHONUNBUFFERED", "1");
    command
}

/// `uvicorn MODULE:app` from `app_dir`.
pub fn uvicorn(name: &str, app_dir: &Path, module: &str, dir: TempDir) -> Server {
    let port = free_port();
    let mut command = python();
    command
        .args(["-m", "uvicorn", &format!("{module}:app"), "--app-dir"])
        .arg(app_dir)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--log-level", "warning"]);
    Server::start(&format!("fastapi ({name})"), command, dir, &[port], HINT)
}

/// Flask's development server on the app in `file`.
pub fn flask(name: &str, file: &Path, dir: TempDir) -> Server {
    let port = free_port();
    let mut command = python();
    command.args(["-m", "flask", "--app"]).arg(file).args([
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    Server::start(&format!("flask ({name})"), command, dir, &[port], HINT)
}

/// Django's `runserver` (no autoreload) with `settings` found on
/// `python_path` (joined like `PYTHONPATH`).
pub fn django(name: &str, python_path: &[&Path], settings: &str, dir: TempDir) -> Server {
    let port = free_port();
    let joined = std::env::join_paths(python_path)
        .unwrap_or_else(|e| panic!("{name}: bad PYTHONPATH entry: {e}"));
    let mut command = python();
    command
        .args(["-m", "django", "runserver", "--noreload"])
        .arg(format!("127.0.0.1:{port}"))
        .env("PYTHONPATH", joined)
        .env("DJANGO_SETTINGS_MODULE", settings);
    Server::start(&format!("django ({name})"), command, dir, &[port], HINT)
}
