//! A server process for one test: started in its own process group with its
//! output in a log file, awaited by polling its ports, and killed (the whole
//! group) when the test ends, panic included.

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Longest a server may take to listen.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// `conformance/zoo`.
pub fn zoo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("zoo")
}

/// A file of the zoo (`nginx/no-always.conf`), read or a clear panic.
pub fn zoo_file(relative: &str) -> String {
    let path = zoo_dir().join(relative);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A port on 127.0.0.1 that nothing listens on now, for a server process
/// to bind; not handed out before by this process.
///
/// It is found without binding it. A socket bound here to try the port
/// would be copied into any child another test thread forks meanwhile, and
/// that copy keeps listening until the child's exec: the server's readiness
/// check could connect to it, and the first request then met a reset or a
/// closed port (seen on CI).
pub fn free_port() -> u16 {
    first_port(|port| {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        TcpStream::connect_timeout(&addr, Duration::from_millis(250))
            .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
            .then_some(port)
    })
}

/// A listener on 127.0.0.1 on a port this process has not handed out
/// before, for a server of this process (binding is safe here: the
/// listener is kept, so a forked copy closing at exec closes nothing).
pub fn claim_listener() -> TcpListener {
    first_port(|port| TcpListener::bind(("127.0.0.1", port)).ok())
}

/// The first port of this process's sequence that `take` accepts; panics
/// once every port of the range was tried.
///
/// The ports lie below the kernel's ephemeral range, where neither
/// `bind(0)` nor an outgoing connection can take a port handed to a server
/// that has not bound it yet. Each test process starts at its own place,
/// so two running at once rarely try the same ports.
fn first_port<T>(mut take: impl FnMut(u16) -> Option<T>) -> T {
    const FIRST: u16 = 20000;
    static END: OnceLock<u16> = OnceLock::new();
    static NEXT: Mutex<Option<u16>> = Mutex::new(None);
    // Where the kernel's ephemeral ports begin (32768 when it does not say).
    let end = *END.get_or_init(|| {
        fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|range| range.split_whitespace().next()?.parse().ok())
            .filter(|&low: &u16| low > FIRST + 1000)
            .unwrap_or(32768)
    });
    for _ in FIRST..end {
        let port = {
            let mut next = NEXT.lock().unwrap_or_else(PoisonError::into_inner);
            let port = next.unwrap_or_else(|| {
                let offset = std::process::id() % u32::from(end - FIRST);
                FIRST + u16::try_from(offset).unwrap_or(0)
            });
            *next = Some(if port + 1 >= end { FIRST } else { port + 1 });
            port
        };
        if let Some(taken) = take(port) {
            return taken;
        }
    }
    panic!("no free port on 127.0.0.1 between {FIRST} and {end}");
}

/// Replaces each `@NAME@` placeholder; panics if one is left.
pub fn fill(template: &str, values: &[(&str, u16)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("@{name}@"), &value.to_string());
    }
    let left = out.match_indices('@').find_map(|(i, _)| {
        let rest = &out[i + 1..];
        let name = &rest[..rest.find('@')?];
        let placeholder =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
        placeholder.then_some(name)
    });
    if let Some(name) = left {
        panic!("placeholder @{name}@ left unfilled in:\n{out}");
    }
    out
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under the system's temporary directory.
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("corsair-zoo-{}-{n}-{label}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    /// A new empty directory under `parent` (created if missing), for
    /// tools that look for their packages in the directories above.
    pub fn under(parent: &Path, label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = parent.join(format!("{}-{n}-{label}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `name` in it; returns the file's path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs `command` to completion (a build step), panicking with its output
/// and `hint` when it cannot start or fails.
pub fn run(what: &str, command: &mut Command, hint: &str) {
    let program = command.get_program().to_string_lossy().into_owned();
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run `{program}`: {e}. {hint}"));
    assert!(
        out.status.success(),
        "{what}: `{program}` failed ({}). {hint}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether something listens on `addr`. A connection from `addr` to itself
/// (TCP's simultaneous open, possible while nothing listens on a port of the
/// ephemeral range) does not count.
fn listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(250))
        .is_ok_and(|s| s.local_addr().ok() != Some(addr))
}

/// A running server. Dropping it kills its process group and removes its
/// directory.
pub struct Server {
    name: String,
    child: Child,
    ports: Vec<u16>,
    hint: &'static str,
    dir: TempDir,
}

impl Server {
    /// Starts `command` (output to `output.log` in `dir`) as the server
    /// `name` listening on `ports` (the first one is its public port).
    /// `hint` says how to install what it needs. Does not wait: see
    /// [`Server::ready`].
    pub fn start(
        name: &str,
        mut command: Command,
        dir: TempDir,
        ports: &[u16],
        hint: &'static str,
    ) -> Server {
        let log_path = dir.path().join("output.log");
        let log = fs::File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let log2 = log
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot reopen {}: {e}", log_path.display()));
        command
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .process_group(0);
        let program = command.get_program().to_string_lossy().into_owned();
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot run `{program}`: {e}. {hint}"));
        Server {
            name: name.to_owned(),
            child,
            ports: ports.to_vec(),
            hint,
            dir,
        }
    }

    /// Waits until every port accepts connections (at most
    /// [`READY_TIMEOUT`]); panics with the server's output if it exits or
    /// times out.
    pub fn ready(mut self) -> Server {
        let deadline = Instant::now() + READY_TIMEOUT;
        for &port in &self.ports {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            while !listening(addr) {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!(
                        "{}: exited ({status}) before listening on {addr}. {}\n{}",
                        self.name,
                        self.hint,
                        self.output()
                    );
                }
                if Instant::now() > deadline {
                    panic!(
                        "{}: not listening on {addr} after {} s. {}\n{}",
                        self.name,
                        READY_TIMEOUT.as_secs(),
                        self.hint,
                        self.output()
                    );
                }
                sleep(Duration::from_millis(40));
            }
        }
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{}: exited ({status}) while its ports looked ready: another process holds one. {}\n{}",
                self.name,
                self.hint,
                self.output()
            );
        }
        self
    }

    /// After [`Server::ready`], waits until a GET of `path` is answered at
    /// all (at most `patience`): for servers that compile the app on its
    /// first request (Next.js in development).
    pub fn warm(self, path: &str, patience: Duration) -> Server {
        use std::io::{Read, Write};
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port()));
        let answered = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .and_then(|mut s| {
                s.set_read_timeout(Some(patience))?;
                write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
                let mut head = [0u8; 12];
                s.read_exact(&mut head)?;
                Ok(head.starts_with(b"HTTP/1."))
            })
            .unwrap_or(false);
        assert!(
            answered,
            "{}: no answer to GET {path} within {} s\n{}",
            self.name,
            patience.as_secs(),
            self.output()
        );
        self
    }

    /// Its public port.
    pub fn port(&self) -> u16 {
        self.ports[0]
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port())
    }

    /// The end of every `*.log` file in its directory.
    pub fn output(&self) -> String {
        let mut out = String::new();
        let Ok(entries) = fs::read_dir(self.dir.path()) else {
            return out;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                let text = fs::read_to_string(&path).unwrap_or_default();
                let tail: String = {
                    let chars: Vec<char> = text.chars().collect();
                    chars[chars.len().saturating_sub(3000)..].iter().collect()
                };
                out.push_str(&format!("--- {} ---\n{tail}\n", path.display()));
            }
        }
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failing test shows what each of its servers said and whether it
        // was still running: a refused or reset connection otherwise leaves
        // no trace of why.
        if std::thread::panicking() {
            let state = match self.child.try_wait() {
                Ok(Some(status)) => format!("had exited ({status})"),
                Ok(None) => "was running".to_owned(),
                Err(e) => format!("unknown state ({e})"),
            };
            eprintln!(
                "{} on port {} {state} when the test failed\n{}",
                self.name,
                self.port(),
                self.output()
            );
        }
        // The group holds the server and whatever it forked (workers).
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) with our own child's process group id.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
