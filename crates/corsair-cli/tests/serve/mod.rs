//! What the `corsair serve` tests share: the command, a running gateway
//! read line by line from its standard error, one raw exchange.
// Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

pub fn corsair() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corsair"));
    c.env_remove("CORS_ORIGINS")
        .env_remove("CORSAIR_STAGE")
        .env("NO_COLOR", "1");
    c
}

/// Kills the server if a test fails before stopping it.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn exchange(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.to_ascii_lowercase()
}

/// `corsair serve` in front of a port nobody listens on (every forwarded
/// request is a 502), its standard error read line by line.
pub struct Serve {
    pub child: Running,
    pub lines: std::sync::mpsc::Receiver<String>,
    /// Every line read so far.
    pub seen: std::cell::RefCell<Vec<String>>,
}

impl Serve {
    pub fn start(args: &[&std::ffi::OsStr]) -> Serve {
        Serve::start_with(args, &[])
    }

    pub fn start_with(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> Serve {
        let dead = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut child = corsair()
            .args([
                "serve",
                "--upstream",
                &format!("http://{dead}"),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(args)
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Serve {
            child: Running(child),
            lines,
            seen: Default::default(),
        }
    }

    /// The next line holding `needle` (within 10 s).
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(line) = self
                .lines
                .recv_timeout(std::time::Duration::from_millis(200))
            {
                self.seen.borrow_mut().push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!("no line with {needle:?}");
    }

    /// The `host:port` printed after `prefix` (`listening on http://`).
    pub fn address(&self, prefix: &str) -> String {
        let line = self.wait_for(prefix);
        line.split(prefix)
            .nth(1)
            .unwrap()
            .split([',', '/'])
            .next()
            .unwrap()
            .to_owned()
    }

    /// Every line written, once the process has ended.
    pub fn all_lines(&self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(std::time::Duration::from_secs(10)) {
            self.seen.borrow_mut().push(line);
        }
        self.seen.borrow().clone()
    }

    /// SIGTERM; the exit status.
    pub fn stop(&mut self) -> Option<i32> {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        self.child.0.wait().unwrap().code()
    }
}

/// A fresh folder for one test (`tag` and the process id name it) holding
/// `corsair.toml` with `text`: the folder and the file.
pub fn policy_file(tag: &str, text: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("{tag}{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corsair.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}
