//! Runs CORS scenarios in real WebKitGTK (the engine of Safari) and records
//! what it did: whether the page's code got the response, the console lines
//! WebKit printed for it, in order, and the response headers the code could
//! read.
//!
//! WebKitGTK's MiniBrowser has no headless mode and no automation mode that
//! keeps console messages (its automation sessions are private, and WebKit
//! stays silent in those), so it runs under Xvfb with
//! `--enable-write-console-messages-to-stdout=true`, and one page runs every
//! scenario itself, printing `console.log` markers between them. The
//! scenarios' hosts must resolve to 127.0.0.1 (WebKit has no host-resolver
//! flag: `/etc/hosts`). Every scenario's answers are routed at once: each
//! scenario has its own `/s/<id>/` paths.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::page::{normalise, JsResult};
use crate::scenario::{Initiator, ScenarioLine};
use crate::server::{Server, PAGE_PATH};
use crate::HarnessError;

/// Where Debian's `webkit2gtk-driver` puts the GTK MiniBrowser.
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// How to run WebKit.
#[derive(Debug, Clone)]
pub struct WebKitOptions {
    /// The MiniBrowser; `None`: `$MINIBROWSER`, else [`MINIBROWSER`].
    pub minibrowser: Option<PathBuf>,
    /// Longest one scenario's request may take in the page.
    pub timeout: Duration,
    /// After a failure, how long the page waits before its end marker, so
    /// that WebKit's console lines for it are printed first.
    pub late_lines: Duration,
}

impl Default for WebKitOptions {
    fn default() -> Self {
        WebKitOptions {
            minibrowser: None,
            timeout: Duration::from_secs(10),
            late_lines: Duration::from_millis(30),
        }
    }
}

/// What the page's code saw, in the recording's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebKitOutcome {
    /// The code got a response (a `no-cors` opaque one included).
    Allowed,
    /// The code got an error (fetch rejected, XHR `onerror`, or a throw).
    Blocked,
}

/// One scenario as WebKit ran it: the line of `corpus/webkit.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebKitObserved {
    /// The scenario's id.
    pub id: String,
    /// Whether the page's code got the response.
    pub outcome: WebKitOutcome,
    /// WebKit's console messages while the request ran, in order: the text
    /// only, without the `CONSOLE SECURITY ERROR` style prefix.
    pub console: Vec<String>,
    /// The response header names the code could read (lower-case, sorted),
    /// when it got a response.
    pub readable_headers: Option<Vec<String>>,
    /// The error the code saw (`TypeError: Load failed`), when blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Finds the MiniBrowser: `explicit`, `$MINIBROWSER`, or Debian's path.
pub fn find_minibrowser(explicit: Option<&Path>) -> Result<PathBuf, HarnessError> {
    let candidates: Vec<PathBuf> = explicit
        .map(Path::to_path_buf)
        .into_iter()
        .chain(std::env::var_os("MINIBROWSER").map(PathBuf::from))
        .chain([PathBuf::from(MINIBROWSER)])
        .collect();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| HarnessError::NoWebKit {
            looked: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The console and the marker lines of one MiniBrowser output line.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// `CORSAIR-BEGIN <index>`.
    Begin(usize),
    /// `CORSAIR-END <index> <json>`.
    End(usize, String),
    /// `CORSAIR-DONE`.
    Done,
    /// Any other console message: WebKit's own (the page logs only markers).
    Engine(String),
    /// Anything else (GTK warnings and the like).
    Other,
}

/// WebKit's console sources, as it prints them before the level.
const SOURCES: [&str; 16] = [
    "XML",
    "JS",
    "NETWORK",
    "CONSOLE-API",
    "STORAGE",
    "RENDERING",
    "CSS",
    "SECURITY",
    "CONTENT BLOCKER",
    "MEDIA",
    "MEDIASOURCE",
    "WEBRTC",
    "ITP DEBUG",
    "PRIVATE CLICK MEASUREMENT",
    "PAYMENT REQUEST",
    "OTHER",
];

/// WebKit's console levels.
const LEVELS: [&str; 5] = ["LOG", "WARN", "ERROR", "DEBUG", "INFO"];

/// Splits `[URL:LINE:COL: ]CONSOLE [SOURCE ]LEVEL text`.
fn parse_line(raw: &str) -> Line {
    let rest = if let Some(r) = raw.strip_prefix("CONSOLE ") {
        r
    } else if let Some(i) = raw.find(": CONSOLE ") {
        &raw[i + ": CONSOLE ".len()..]
    } else {
        return Line::Other;
    };
    let rest = SOURCES
        .iter()
        .find_map(|s| rest.strip_prefix(s).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or(rest);
    let Some(text) = LEVELS
        .iter()
        .find_map(|l| rest.strip_prefix(l).and_then(|r| r.strip_prefix(' ')))
    else {
        return Line::Other;
    };
    if let Some(m) = text.strip_prefix("CORSAIR-BEGIN ") {
        return m.trim().parse().map_or(Line::Other, Line::Begin);
    }
    if let Some(m) = text.strip_prefix("CORSAIR-END ") {
        let (i, json) = m.split_once(' ').unwrap_or((m, ""));
        return i
            .parse()
            .map_or(Line::Other, |i| Line::End(i, json.to_string()));
    }
    if text.trim() == "CORSAIR-DONE" {
        return Line::Done;
    }
    Line::Engine(text.to_string())
}

/// The page that runs `lines` in order, from the index in its `from` query.
fn page_html(lines: &[ScenarioLine], opts: &WebKitOptions) -> String {
    let items: Vec<_> = lines
        .iter()
        .map(|l| {
            let r = &l.scenario.request;
            json!([
                matches!(r.initiator, Initiator::Xhr),
                {
                    "url": r.url,
                    "method": r.method,
                    "headers": r.headers,
                    "credentials": r.credentials.as_str(),
                    "mode": r.mode.as_str(),
                }
            ])
        })
        .collect();
    // `<` escaped so no value can end the script element.
    let items = serde_json::Value::Array(items)
        .to_string()
        .replace('<', "\\u003c");
    format!(
        r#"<!doctype html><meta charset=utf-8><link rel=icon href="data:,"><title>corsair webkit</title>
<script>
const runFetch = {fetch};
const runXhr = {xhr};
const items = {items};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Markers are ASCII, so no byte of a value can split or garble a line.
const ascii = (s) => s.replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
(async () => {{
  const from = Number(new URLSearchParams(location.search).get('from') || 0);
  for (let i = from; i < items.length; i++) {{
    const [xhr, req] = items[i];
    console.log('CORSAIR-BEGIN ' + i);
    let res;
    try {{
      res = await Promise.race([(xhr ? runXhr : runFetch)(req),
                                sleep({timeout}).then(() => ({{ settled: 'timeout' }}))]);
    }} catch (e) {{
      res = {{ settled: 'error', name: String(e && e.name), message: String(e && e.message) }};
    }}
    if (res.settled !== 'ok') await sleep({late});
    console.log('CORSAIR-END ' + i + ' ' + ascii(JSON.stringify(res)));
  }}
  console.log('CORSAIR-DONE');
}})();
</script>"#,
        fetch = crate::page::FETCH_JS.trim_end().trim_end_matches(';'),
        xhr = crate::page::XHR_JS.trim_end().trim_end_matches(';'),
        timeout = opts.timeout.as_millis(),
        late = opts.late_lines.as_millis(),
    )
}

/// Xvfb on a free display, killed on drop.
struct Display {
    child: Child,
    name: String,
}

impl Display {
    fn start() -> Result<Display, HarnessError> {
        let xvfb = ["/usr/bin/Xvfb", "/usr/local/bin/Xvfb"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .ok_or_else(|| HarnessError::Launch {
                binary: "Xvfb".into(),
                why: "not found; install Debian's `xvfb`".into(),
            })?;
        for n in 90..190u32 {
            if Path::new(&format!("/tmp/.X{n}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            {
                continue;
            }
            let mut child = Command::new(xvfb)
                .args([
                    format!(":{n}"),
                    "-screen".into(),
                    "0".into(),
                    "1024x768x24".into(),
                    "-nolisten".into(),
                    "tcp".into(),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| HarnessError::Launch {
                    binary: xvfb.into(),
                    why: e.to_string(),
                })?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                    return Ok(Display {
                        child,
                        name: format!(":{n}"),
                    });
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // Lost a race for this display: try the next.
                }
                thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err(HarnessError::Launch {
            binary: xvfb.into(),
            why: "no free X display in :90..:189".into(),
        })
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running MiniBrowser (its own process group) and its output lines.
struct MiniBrowser {
    child: Child,
    lines: Receiver<String>,
    tail: VecDeque<String>,
    _home: TempDir,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl MiniBrowser {
    fn launch(binary: &Path, display: &str, url: &str) -> Result<MiniBrowser, HarnessError> {
        let launch_err = |why: String| HarnessError::Launch {
            binary: binary.display().to_string(),
            why,
        };
        // A fresh home per run: no disk cache, cookie or HSTS entry of an
        // earlier run can change what this one sees.
        let home = std::env::temp_dir().join(format!(
            "corsair-webkit-{}-{}",
            std::process::id(),
            LAUNCHES.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&home).map_err(|e| launch_err(e.to_string()))?;
        let home = TempDir(home);
        let (reader, writer) = pipe().map_err(|e| launch_err(e.to_string()))?;
        let writer2 = writer.try_clone().map_err(|e| launch_err(e.to_string()))?;
        // stdbuf: the console lines are written with stdio, block-buffered
        // on a pipe; line buffering delivers each as it happens.
        let mut cmd = Command::new("stdbuf");
        cmd.arg("-oL")
            .arg(binary)
            .arg("--enable-write-console-messages-to-stdout=true")
            .arg(url)
            .env("DISPLAY", display)
            .env("HOME", &home.0)
            .env("XDG_CACHE_HOME", home.0.join("cache"))
            .env("XDG_DATA_HOME", home.0.join("data"))
            .env("XDG_CONFIG_HOME", home.0.join("config"))
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer2)
            .process_group(0);
        let child = cmd.spawn().map_err(|e| launch_err(e.to_string()))?;
        drop(cmd); // Closes our copies of the pipe's write end.
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name("minibrowser-out".into())
            .spawn(move || {
                let mut r = BufReader::new(reader);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match r.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                                buf.pop();
                            }
                            if tx.send(String::from_utf8_lossy(&buf).into_owned()).is_err() {
                                return;
                            }
                        }
                    }
                }
            })
            .map_err(|e| launch_err(e.to_string()))?;
        Ok(MiniBrowser {
            child,
            lines: rx,
            tail: VecDeque::new(),
            _home: home,
        })
    }

    /// The next output line, `Ok(None)` at the deadline, an error once the
    /// browser's output has ended.
    fn next_line(&mut self, deadline: Instant) -> Result<Option<String>, HarnessError> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(wait) {
            Ok(l) => {
                if self.tail.len() >= 20 {
                    self.tail.pop_front();
                }
                self.tail.push_back(l.clone());
                Ok(Some(l))
            }
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(HarnessError::BrowserGone {
                why: format!(
                    "MiniBrowser's output ended; last lines:\n{}",
                    Vec::from(self.tail.clone()).join("\n")
                ),
            }),
        }
    }
}

impl Drop for MiniBrowser {
    fn drop(&mut self) {
        // The whole group: MiniBrowser and its web and network processes.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on our own child's process group.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }
}

/// One pipe for MiniBrowser's stdout and stderr, so their lines keep
/// their order (`std::io::pipe` is newer than the workspace's MSRV).
fn pipe() -> std::io::Result<(std::fs::File, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 fills `fds` with two new descriptors we then own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors are fresh and owned by nothing else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((std::fs::File::from(r), w))
}

/// Numbers each launch's temporary home within this process.
static LAUNCHES: AtomicUsize = AtomicUsize::new(0);

/// Runs every scenario of `lines` in WebKitGTK and returns what it did, in
/// input order. All the scenarios must share one page origin. A scenario
/// that leaves WebKit silent (it crashed or hung) is an error.
pub fn run_webkit(
    lines: &[ScenarioLine],
    opts: &WebKitOptions,
) -> Result<Vec<WebKitObserved>, HarnessError> {
    let Some(first) = lines.first() else {
        return Ok(Vec::new());
    };
    let page_origin = first.scenario.page_origin.trim_end_matches('/').to_string();
    if let Some(l) = lines
        .iter()
        .find(|l| l.scenario.page_origin.trim_end_matches('/') != page_origin)
    {
        return Err(HarnessError::BadScenario {
            id: l.id.clone(),
            why: format!("page origin differs from the first scenario's ({page_origin})"),
        });
    }
    let binary = find_minibrowser(opts.minibrowser.as_deref())?;
    let mut server = Server::new();
    let mut nodes = Vec::new();
    for l in lines {
        nodes.extend(crate::listen_scenario(&mut server, l)?);
    }
    server.activate(nodes);
    server.set_page(&page_html(lines, opts));
    let display = Display::start()?;

    let mut out: Vec<Option<WebKitObserved>> = vec![None; lines.len()];
    let mut from = 0usize;
    let mut restarts = 0usize;
    // Silence longer than a scenario's own timeout means WebKit is stuck.
    let silence = opts.timeout + Duration::from_secs(20);
    let debug = std::env::var_os("CORSAIR_WEBKIT_DEBUG").is_some();
    while from < lines.len() {
        let url = format!("{page_origin}{PAGE_PATH}?from={from}");
        let mut browser = MiniBrowser::launch(&binary, &display.name, &url)?;
        let mut current: Option<(usize, Vec<String>)> = None;
        let ended = loop {
            let line = match browser.next_line(Instant::now() + silence) {
                Ok(Some(l)) => l,
                Ok(None) => {
                    break Err(HarnessError::Timeout {
                        what: format!("WebKit's next console line ({silence:?} of silence)"),
                    })
                }
                Err(e) => break Err(e),
            };
            if debug {
                eprintln!("webkit| {line}");
            }
            match parse_line(&line) {
                Line::Begin(i) => current = Some((i, Vec::new())),
                Line::Engine(text) => {
                    if let Some((_, console)) = current.as_mut() {
                        console.push(text);
                    }
                }
                Line::End(i, js) => {
                    let Some((j, console)) = current.take().filter(|(j, _)| *j == i) else {
                        continue;
                    };
                    let Some(line) = lines.get(j) else { continue };
                    out[j] = Some(observed(line, &js, console)?);
                    from = j + 1;
                }
                Line::Done => break Ok(()),
                Line::Other => {}
            }
        };
        drop(browser);
        match ended {
            Ok(()) => break,
            Err(e) => {
                // The scenario in flight took WebKit down: that is its
                // result, unless it happens again and again.
                restarts += 1;
                let id = lines.get(from).map_or_else(String::new, |l| l.id.clone());
                if restarts > 3 {
                    return Err(HarnessError::InScenario {
                        id,
                        source: Box::new(e),
                    });
                }
                eprintln!("webkit: restarting after scenario {id}: {e}");
                from += 1;
            }
        }
    }
    if debug {
        for r in server.deactivate() {
            let h = |n: &str| r.header(n).unwrap_or("-").to_string();
            eprintln!(
                "webkit> {} {} [{:?}] origin={} acrm={} acrh={}",
                r.method,
                r.url,
                r.served,
                h("origin"),
                h("access-control-request-method"),
                h("access-control-request-headers")
            );
        }
    }
    drop(server);
    out.into_iter()
        .zip(lines)
        .map(|(o, l)| {
            o.ok_or_else(|| HarnessError::InScenario {
                id: l.id.clone(),
                source: Box::new(HarnessError::Timeout {
                    what: "WebKit's result (the page never reported it)".into(),
                }),
            })
        })
        .collect()
}

/// One observation out of the page's end marker and the console lines.
fn observed(
    line: &ScenarioLine,
    js: &str,
    console: Vec<String>,
) -> Result<WebKitObserved, HarnessError> {
    let js: JsResult = serde_json::from_str(js).map_err(|e| HarnessError::InScenario {
        id: line.id.clone(),
        source: Box::new(HarnessError::Protocol {
            what: format!("the page's result {js:?}: {e}"),
        }),
    })?;
    let js = normalise(js);
    let ok = js.settled == "ok";
    Ok(WebKitObserved {
        id: line.id.clone(),
        outcome: if ok {
            WebKitOutcome::Allowed
        } else {
            WebKitOutcome::Blocked
        },
        console,
        readable_headers: if ok { js.readable_headers } else { None },
        error: (!ok).then(|| {
            format!(
                "{}: {}",
                js.name.as_deref().unwrap_or(&js.settled),
                js.message.as_deref().unwrap_or("")
            )
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_console_lines() {
        assert_eq!(
            parse_line(
                "CONSOLE SECURITY ERROR Preflight response is not successful. Status code: 404"
            ),
            Line::Engine("Preflight response is not successful. Status code: 404".into())
        );
        assert_eq!(
            parse_line("http://a.test:1/p:3:12: CONSOLE LOG CORSAIR-BEGIN 7"),
            Line::Begin(7)
        );
        assert_eq!(
            parse_line("http://a.test:1/p:3:12: CONSOLE LOG CORSAIR-END 7 {\"settled\":\"ok\"}"),
            Line::End(7, "{\"settled\":\"ok\"}".into())
        );
        assert_eq!(parse_line("CONSOLE LOG CORSAIR-DONE"), Line::Done);
        assert_eq!(
            parse_line("(MiniBrowser:1): Gtk-WARNING **: x"),
            Line::Other
        );
    }
}
