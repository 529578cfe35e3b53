//! Finding and launching headless Chromium with its DevTools pipe on fds 3/4.

use std::fs::{self, File};
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::HarnessError;

/// Flags every run uses (reference/browser-cors.md §6). The background
/// networking ones matter: without them Chromium keeps dialling out on this
/// closed network, which both slows it and adds noise to the events.
const BASE_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
    "--host-resolver-rules=MAP *.test 127.0.0.1",
];

/// Where the Chromium binary is: `explicit`, else `$CHROMIUM`, else
/// `/usr/bin/chromium`, else `chromium` (or `chromium-browser`) on `PATH`.
pub fn find_binary(explicit: Option<&Path>) -> Result<PathBuf, HarnessError> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(HarnessError::NoChromium {
                looked: p.display().to_string(),
            })
        };
    }
    if let Some(p) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(HarnessError::NoChromium {
                looked: format!("$CHROMIUM={}", p.display()),
            })
        };
    }
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Ok(fixed.to_path_buf());
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        for name in ["chromium", "chromium-browser"] {
            let cand = dir.join(name);
            if cand.is_file() {
                return Ok(cand);
            }
        }
    }
    Err(HarnessError::NoChromium {
        looked: "$CHROMIUM, /usr/bin/chromium, chromium and chromium-browser on PATH".into(),
    })
}

/// A running Chromium: its process and temp directory.
pub struct Browser {
    child: Child,
    dir: PathBuf,
}

impl Browser {
    /// Starts `binary` with the base flags plus `extra_flags` and a fresh
    /// profile in a new temp directory. Also returns the parent's pipe ends:
    /// the one to write commands to (the browser's fd 3) and the one to read
    /// its messages from (its fd 4).
    pub fn launch(
        binary: &Path,
        extra_flags: &[String],
    ) -> Result<(Browser, File, File), HarnessError> {
        let dir = fresh_temp_dir()?;
        let profile = dir.join("profile");
        let io_err = |what: &str| {
            let what = what.to_string();
            move |e| HarnessError::Io { what, source: e }
        };
        fs::create_dir(&profile).map_err(io_err("creating the Chromium profile dir"))?;
        let log = File::create(dir.join("chromium-stderr.log"))
            .map_err(io_err("creating the Chromium log file"))?;

        // (browser reads, we write) and (browser writes, we read).
        let (cmd_r, cmd_w) = pipe_high()?;
        let (msg_r, msg_w) = pipe_high()?;

        let mut cmd = Command::new(binary);
        cmd.args(BASE_FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra_flags)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            // Own process group, so Drop can end the browser's helper
            // processes (zygote, renderers) along with it.
            .process_group(0);
        let (child_in, child_out): (RawFd, RawFd) = (raw(&cmd_r), raw(&msg_w));
        // SAFETY: runs in the forked child before exec; dup2 is
        // async-signal-safe and only touches the fd table. Both sources are
        // >= 10 (see `pipe_high`), so placing them at 3 and 4 cannot clobber
        // one another; dup2 also clears CLOEXEC on the copies, so exactly
        // these two pipe ends survive exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(child_in, 3) < 0 || libc::dup2(child_out, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| HarnessError::Launch {
            binary: binary.display().to_string(),
            why: e.to_string(),
        })?;
        // The child has its copies; ours of its ends must close so that EOF
        // reaches us when Chromium dies.
        drop(cmd_r);
        drop(msg_w);
        Ok((Browser { child, dir }, File::from(cmd_w), File::from(msg_r)))
    }

    /// The tail of Chromium's stderr, for error messages.
    pub fn stderr_tail(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = File::open(self.dir.join("chromium-stderr.log")) {
            let _ = f.read_to_string(&mut s);
        }
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }

    /// Whether the browser process has exited (and with what status).
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(st)) => Some(st.to_string()),
            _ => None,
        }
    }

    /// Waits up to `grace` for a voluntary exit, then kills the whole group.
    pub fn shutdown(&mut self, grace: Duration) {
        let end = Instant::now() + grace;
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: plain syscall on the process group we created for this
        // child (process_group(0) makes its pgid equal its pid).
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shutdown(Duration::ZERO);
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn raw(fd: &OwnedFd) -> RawFd {
    use std::os::fd::AsRawFd;
    fd.as_raw_fd()
}

/// A close-on-exec pipe whose two ends are moved to fds >= 10, so the
/// `dup2` into 3 and 4 in the child never overwrites one of its sources.
fn pipe_high() -> Result<(OwnedFd, OwnedFd), HarnessError> {
    let mut fds: [libc::c_int; 2] = [-1, -1];
    // SAFETY: pipe2 writes two fds into the array we own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(HarnessError::Io {
            what: "creating the DevTools pipe".into(),
            source: std::io::Error::last_os_error(),
        });
    }
    // SAFETY: both fds were just returned by pipe2 and are owned by nobody else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((dup_high(&r)?, dup_high(&w)?))
}

/// Duplicates `fd` to the lowest free fd >= 10, close-on-exec.
fn dup_high(fd: &OwnedFd) -> Result<OwnedFd, HarnessError> {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) on an fd we own; returns a new fd or -1.
    let n = unsafe { libc::fcntl(raw(fd), libc::F_DUPFD_CLOEXEC, 10) };
    if n < 0 {
        return Err(HarnessError::Io {
            what: "duplicating the DevTools pipe".into(),
            source: std::io::Error::last_os_error(),
        });
    }
    // SAFETY: `n` is a fresh fd that only this OwnedFd will own.
    Ok(unsafe { OwnedFd::from_raw_fd(n) })
}

/// A new, empty directory under the system temp dir.
fn fresh_temp_dir() -> Result<PathBuf, HarnessError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "corsair-chromium-{}-{nanos}-{n}",
            std::process::id()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(HarnessError::Io {
                    what: format!("creating {}", dir.display()),
                    source: e,
                })
            }
        }
    }
    Err(HarnessError::Io {
        what: "creating a temp dir for Chromium".into(),
        source: std::io::Error::other("too many name clashes"),
    })
}
