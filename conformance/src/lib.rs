//! Runs CORS scenarios in real headless Chromium and reports exactly what it
//! did: whether the page's code got the response, Chromium's `CorsError`
//! and failed parameter, the console line, the preflight it sent, and what a
//! local server received.
//!
//! Chromium is driven over `--remote-debugging-pipe` (no websocket, no async
//! runtime); the scenarios' hosts (`*.test`) are mapped to 127.0.0.1 where a
//! hand-written HTTP/1.1 server answers with each scenario's exact bytes.
//!
//! ```no_run
//! use corsair_conformance::{parse_jsonl, run_scenarios, Options};
//! let lines = parse_jsonl(&std::fs::read_to_string("scenarios.jsonl").unwrap()).unwrap();
//! for o in run_scenarios(&lines, &Options::default()).unwrap() {
//!     println!("{} {:?} {:?}", o.id, o.outcome, o.cors_error);
//! }
//! ```

mod cdp;
mod chromium;
pub mod compare;
pub mod driver;
mod observe;
mod page;
mod scenario;
mod server;
mod url;
mod webkit;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub use observe::{ConsoleLine, CorsErrorStatus, Issue, NetworkRequest, Observed, Outcome};
pub use page::JsResult;
pub use scenario::{
    parse_jsonl, Answer, Credentials, Header, Initiator, Mode, Next, Request, Scenario,
    ScenarioLine,
};
pub use server::{Received, Served, PAGE_PATH};
pub use webkit::{
    find_minibrowser, run_webkit, WebKitObserved, WebKitOptions, WebKitOutcome, MINIBROWSER,
};

/// Everything that can go wrong. Input problems name the line or scenario;
/// anything that happens while a scenario runs is wrapped in
/// [`HarnessError::InScenario`].
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// No Chromium binary was found.
    #[error(
        "no Chromium found (looked at {looked}); install Debian's `chromium` or set $CHROMIUM"
    )]
    NoChromium {
        /// Where it looked.
        looked: String,
    },
    /// No WebKitGTK MiniBrowser was found.
    #[error("no WebKitGTK MiniBrowser found (looked at {looked}); install Debian's `webkit2gtk-driver` or set $MINIBROWSER")]
    NoWebKit {
        /// Where it looked.
        looked: String,
    },
    /// Chromium could not be started.
    #[error("cannot start Chromium {binary}: {why}")]
    Launch {
        /// The binary.
        binary: String,
        /// Why.
        why: String,
    },
    /// Chromium exited or its pipe closed.
    #[error("Chromium went away: {why}")]
    BrowserGone {
        /// What was seen.
        why: String,
    },
    /// Chromium answered a command with an error, or sent nonsense.
    #[error("DevTools protocol: {what}")]
    Protocol {
        /// What happened.
        what: String,
    },
    /// Something did not happen in time.
    #[error("timed out waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
    },
    /// A port the corpus needs is taken.
    #[error("port {port} on 127.0.0.1 is already in use; the scenarios need it (stop whatever listens there)")]
    PortInUse {
        /// The port.
        port: u16,
    },
    /// An I/O failure.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An input line is not a scenario line.
    #[error("input line {line}: {why}")]
    BadInput {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// A scenario cannot be run as written.
    #[error("scenario {id}: {why}")]
    BadScenario {
        /// Its id.
        id: String,
        /// What is wrong.
        why: String,
    },
    /// A failure while running the named scenario.
    #[error("scenario {id}: {source}")]
    InScenario {
        /// Its id.
        id: String,
        /// The failure.
        #[source]
        source: Box<HarnessError>,
    },
}

impl HarnessError {
    /// Whether the browser is gone, so no later scenario can run either.
    pub fn is_browser_gone(&self) -> bool {
        match self {
            HarnessError::BrowserGone { .. } => true,
            HarnessError::InScenario { source, .. } => source.is_browser_gone(),
            _ => false,
        }
    }
}

/// How to run Chromium.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Chromium binary; `None`: `$CHROMIUM`, `/usr/bin/chromium`, `PATH`.
    pub chromium: Option<PathBuf>,
    /// Extra command-line flags, e.g.
    /// `--enable-features=CorsNonWildcardRequestHeadersSupport` for the
    /// spec's handling of Authorization under `Access-Control-Allow-Headers: *`.
    pub extra_flags: Vec<String>,
    /// Longest one scenario may take (navigation, request, events).
    pub timeout: Duration,
    /// Longest to wait, once the JS has settled, for trailing events.
    pub late_events: Duration,
    /// Ports served by something other than the harness (a gateway under
    /// test): requests to them are not answered from the scenario.
    pub external_ports: Vec<u16>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            chromium: None,
            extra_flags: Vec::new(),
            timeout: Duration::from_secs(10),
            late_events: Duration::from_millis(300),
            external_ports: Vec::new(),
        }
    }
}

/// Starts Chromium once, runs every scenario in it, one at a time, and
/// returns the observations in input order. Stops at the first failure.
pub fn run_scenarios(
    lines: &[ScenarioLine],
    opts: &Options,
) -> Result<Vec<Observed>, HarnessError> {
    let mut h = Harness::start_for(lines, opts)?;
    // Group by page origin (stable) so the tab navigates once per origin.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].scenario.page_origin.clone());
    let mut out: Vec<Option<Observed>> = vec![None; lines.len()];
    for i in order {
        out[i] = Some(h.run(&lines[i])?);
    }
    Ok(out.into_iter().flatten().collect())
}

/// Longest wait for trailing events after a success.
const OK_GRACE: Duration = Duration::from_millis(10);

/// Browser startup: first contact can take a while on a cold disk cache.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One Chromium with one tab, plus the local server.
///
/// Dropping it closes Chromium, kills what is left of its process group
/// and removes its temporary profile.
pub struct Harness {
    // Field order matters for Drop: the connection first, then the browser.
    cdp: cdp::Cdp,
    browser: chromium::Browser,
    server: server::Server,
    session: String,
    /// The page origin the tab is on, if it is known to be usable.
    current_origin: Option<String>,
    /// Requests of earlier windows: their late events are ignored.
    retired: observe::Retired,
    opts: Options,
}

impl Harness {
    /// Binds every port `lines` need (failing fast, before any browser
    /// starts, if one is taken), then starts as [`Harness::start`] does.
    pub fn start_for(lines: &[ScenarioLine], opts: &Options) -> Result<Harness, HarnessError> {
        let mut server = server::Server::new();
        server.set_external(&opts.external_ports);
        for l in lines {
            listen_scenario(&mut server, l)?;
        }
        Self::launch(opts, server)
    }

    /// Launches Chromium, opens a tab and enables the domains watched.
    /// Ports are bound as scenarios need them.
    pub fn start(opts: &Options) -> Result<Harness, HarnessError> {
        Self::launch(opts, server::Server::new())
    }

    fn launch(opts: &Options, server: server::Server) -> Result<Harness, HarnessError> {
        let binary = chromium::find_binary(opts.chromium.as_deref())?;
        let (mut browser, to, from) = chromium::Browser::launch(&binary, &opts.extra_flags)?;
        let mut cdp = cdp::Cdp::new(to, from)?;
        let deadline = Instant::now() + START_TIMEOUT;
        let with_tail = |e: HarnessError, b: &mut chromium::Browser| match e {
            HarnessError::BrowserGone { why } | HarnessError::Timeout { what: why } => {
                HarnessError::Launch {
                    binary: binary.display().to_string(),
                    why: format!(
                        "{why}; exit: {}; stderr tail:\n{}",
                        b.exited().unwrap_or_else(|| "still running".into()),
                        b.stderr_tail()
                    ),
                }
            }
            other => other,
        };
        let target = cdp
            .call(
                "Target.createTarget",
                json!({"url": "about:blank"}),
                None,
                deadline,
            )
            .map_err(|e| with_tail(e, &mut browser))?;
        let target_id = str_field(&target, "targetId")?;
        let attached = cdp
            .call(
                "Target.attachToTarget",
                json!({"targetId": target_id, "flatten": true}),
                None,
                deadline,
            )
            .map_err(|e| with_tail(e, &mut browser))?;
        let session = str_field(&attached, "sessionId")?;
        // Pipelined: send all, then collect the replies.
        let mut ids = Vec::new();
        for m in [
            "Network.enable",
            "Log.enable",
            "Runtime.enable",
            "Page.enable",
            "Audits.enable",
        ] {
            ids.push((m, cdp.send(m, json!({}), Some(&session))?));
        }
        for (m, id) in ids {
            cdp.wait_reply(id, m, deadline)?;
        }
        Ok(Harness {
            cdp,
            browser,
            server,
            session,
            current_origin: None,
            retired: observe::Retired::default(),
            opts: opts.clone(),
        })
    }

    /// Binds every port the scenarios name (page origins, request URLs,
    /// redirect targets), so a busy port fails the run before it starts.
    pub fn listen_for(&mut self, lines: &[ScenarioLine]) -> Result<(), HarnessError> {
        for l in lines {
            listen_scenario(&mut self.server, l)?;
        }
        Ok(())
    }

    /// Runs one scenario and reports what Chromium did. Errors name it.
    pub fn run(&mut self, line: &ScenarioLine) -> Result<Observed, HarnessError> {
        let r = self.run_inner(line);
        if r.is_err() {
            // Whatever is in flight must not be taken for the next scenario:
            // force a fresh navigation and drop the routing table.
            self.current_origin = None;
            self.server.deactivate();
        }
        r.map_err(|e| match e {
            e @ (HarnessError::BadScenario { .. } | HarnessError::InScenario { .. }) => e,
            e => HarnessError::InScenario {
                id: line.id.clone(),
                source: Box::new(e),
            },
        })
    }

    fn run_inner(&mut self, line: &ScenarioLine) -> Result<Observed, HarnessError> {
        let start = Instant::now();
        let deadline = start + self.opts.timeout;
        let nodes = listen_scenario(&mut self.server, line)?;
        let page = line.scenario.page_parts(&line.id)?;
        self.navigate(&page.origin(), deadline)?;

        self.server.activate(nodes);
        let mut col = observe::Collector::default();
        let expression = page::expression(&line.scenario.request);
        let reply = self.cdp.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            Some(&self.session),
            deadline,
        );
        let reply = reply.map_err(|e| match e {
            HarnessError::Timeout { .. } => HarnessError::Timeout {
                what: format!(
                    "the request to settle ({} s); the server received {:?}",
                    self.opts.timeout.as_secs_f32(),
                    self.server
                        .received_so_far()
                        .iter()
                        .map(|r| format!("{} {} -> {:?}", r.method, r.url, r.served))
                        .collect::<Vec<_>>()
                ),
            },
            e => e,
        })?;
        let js = parse_js(&reply)?;
        let js_ok = js.settled == "ok";

        // Everything that arrived with the reply, then trailing events. A
        // success needs little: its events came before the body was read,
        // except `loadingFinished` of an opaque response, which Chromium can
        // hold back ~50 ms and which decides nothing.
        let wait = if js_ok {
            self.opts.late_events.min(OK_GRACE)
        } else {
            self.opts.late_events
        };
        let late_deadline = (Instant::now() + wait).min(deadline);
        loop {
            let until = if col.complete(js_ok) {
                Instant::now() // Drain what is queued, without waiting.
            } else {
                late_deadline
            };
            match self.cdp.next_event(until)? {
                Some(ev) => self.take_event(&mut col, &ev),
                None => break,
            }
        }
        let received = self.server.deactivate();
        self.retired.window(&col);
        if col.saw_deprecation() {
            self.current_origin = None; // Reload: see `saw_deprecation`.
        }
        let elapsed = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(col.finish(&line.id, page::normalise(js), received, elapsed))
    }

    /// Feeds an event of our tab to the collector.
    fn take_event(&mut self, col: &mut observe::Collector, ev: &cdp::Event) {
        if ev.session_id.as_deref() == Some(self.session.as_str()) {
            col.handle(ev, &self.retired);
        }
    }

    /// Loads the blank page of `origin` unless the tab is already there.
    fn navigate(&mut self, origin: &str, deadline: Instant) -> Result<(), HarnessError> {
        if self.current_origin.as_deref() == Some(origin) {
            return Ok(());
        }
        self.current_origin = None;
        let url = format!("{origin}{}", server::PAGE_PATH);
        let id = self
            .cdp
            .send("Page.navigate", json!({"url": url}), Some(&self.session))?;
        let mut loaded = false;
        let mut replied = false;
        while !(loaded && replied) {
            if !replied {
                let r = self.cdp.wait_reply(id, "Page.navigate", deadline)?;
                if let Some(err) = r.get("errorText").and_then(Value::as_str) {
                    return Err(HarnessError::Protocol {
                        what: format!("navigating to {url}: {err}"),
                    });
                }
                replied = true;
                continue;
            }
            let ev = self
                .cdp
                .next_event(deadline)?
                .ok_or_else(|| HarnessError::Timeout {
                    what: format!("{url} to load"),
                })?;
            let ours = ev.session_id.as_deref() == Some(self.session.as_str());
            if ours && ev.method == "Page.loadEventFired" {
                loaded = true;
            }
            // The page load's own requests belong to no scenario.
            if let Some(rid) = observe::request_id_of(&ev) {
                self.retired.id(rid);
            }
        }
        self.current_origin = Some(origin.to_string());
        Ok(())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // A polite close lets Chromium end its helpers; Browser's Drop then
        // kills whatever is left of the group and deletes the profile.
        if self.browser.exited().is_none()
            && self.cdp.send("Browser.close", json!({}), None).is_ok()
        {
            self.browser.shutdown(Duration::from_secs(2));
        }
    }
}

/// Binds the ports of one scenario; returns its redirect chain.
fn listen_scenario(
    server: &mut server::Server,
    l: &ScenarioLine,
) -> Result<Vec<scenario::Node>, HarnessError> {
    let page = l.scenario.page_parts(&l.id)?;
    server.listen(page.port)?;
    let nodes = l.scenario.nodes();
    for p in nodes.iter().filter_map(|n| n.parts.as_ref()) {
        // Only plain http can be answered; an https (or ftp, …) URL just
        // fails in the browser, as it would against this server.
        if p.scheme == "http" {
            server.listen(p.port)?;
        }
    }
    Ok(nodes)
}

fn str_field(v: &Value, name: &str) -> Result<String, HarnessError> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| HarnessError::Protocol {
            what: format!("reply without {name}: {v}"),
        })
}

/// The snippet's result object out of a `Runtime.evaluate` reply.
fn parse_js(reply: &Value) -> Result<JsResult, HarnessError> {
    if let Some(ex) = reply.get("exceptionDetails") {
        return Err(HarnessError::Protocol {
            what: format!("the request snippet threw: {ex}"),
        });
    }
    let value = reply
        .pointer("/result/value")
        .cloned()
        .ok_or_else(|| HarnessError::Protocol {
            what: format!("Runtime.evaluate returned no value: {reply}"),
        })?;
    serde_json::from_value(value.clone()).map_err(|e| HarnessError::Protocol {
        what: format!("unexpected snippet result {value}: {e}"),
    })
}
