//! The DevTools protocol over `--remote-debugging-pipe`.
//!
//! Chromium reads commands from its fd 3 and writes replies and events to its
//! fd 4; every message is one JSON object followed by a NUL byte. A reader
//! thread splits the incoming stream into messages and hands them over a
//! channel, so every wait here can have a deadline (a blocking `read` on the
//! pipe could not).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::HarnessError;

/// One event the browser sent: its method, params and the session it came from.
#[derive(Debug, Clone)]
pub struct Event {
    /// e.g. `Network.loadingFailed`.
    pub method: String,
    /// The event's `params` object (`Null` when absent).
    pub params: Value,
    /// The flattened session the event belongs to, if any.
    pub session_id: Option<String>,
}

/// What the reader thread hands over: one parsed message, or why it stopped.
enum Incoming {
    Message(Value),
    Closed(String),
}

/// A DevTools connection over the two pipe ends.
///
/// Single consumer: replies to commands are matched by id; events seen while
/// waiting for a reply are queued and later returned by [`Cdp::next_event`].
pub struct Cdp {
    writer: File,
    rx: Receiver<Incoming>,
    next_id: u64,
    pending: VecDeque<Event>,
    closed: Option<String>,
    trace: bool,
    born: Instant,
}

impl Cdp {
    /// Wraps the parent's ends of the pipes: `to_browser` is written to the
    /// browser's fd 3, `from_browser` is read from its fd 4.
    pub fn new(to_browser: File, from_browser: File) -> Result<Self, HarnessError> {
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name("cdp-reader".into())
            .spawn(move || read_loop(from_browser, tx))
            .map_err(|e| HarnessError::Io {
                what: "spawning the DevTools reader thread".into(),
                source: e,
            })?;
        Ok(Cdp {
            writer: to_browser,
            rx,
            next_id: 0,
            pending: VecDeque::new(),
            closed: None,
            // Raw protocol dump, for working out what Chromium sends.
            trace: std::env::var_os("CORSAIR_CDP_TRACE").is_some(),
            born: Instant::now(),
        })
    }

    /// Sends a command without waiting for its reply; returns its id.
    pub fn send(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<u64, HarnessError> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s.to_owned());
        }
        let mut bytes = serde_json::to_vec(&msg).map_err(|e| HarnessError::Protocol {
            what: format!("encoding {method}: {e}"),
        })?;
        if self.trace {
            eprintln!(
                "cdp >> {:.1} {}",
                self.born.elapsed().as_secs_f64() * 1e3,
                String::from_utf8_lossy(&bytes)
            );
        }
        bytes.push(0);
        self.writer
            .write_all(&bytes)
            .map_err(|e| HarnessError::Io {
                what: format!("sending {method} to Chromium"),
                source: e,
            })?;
        Ok(id)
    }

    /// Sends a command and waits (until `deadline`) for its result.
    pub fn call(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
        deadline: Instant,
    ) -> Result<Value, HarnessError> {
        let id = self.send(method, params, session)?;
        self.wait_reply(id, method, deadline)
    }

    /// Waits for the reply to command `id`, queueing events seen meanwhile.
    pub fn wait_reply(
        &mut self,
        id: u64,
        method: &str,
        deadline: Instant,
    ) -> Result<Value, HarnessError> {
        loop {
            let msg = match self.recv(deadline)? {
                Some(m) => m,
                None => {
                    return Err(HarnessError::Timeout {
                        what: format!("reply to {method}"),
                    })
                }
            };
            if msg.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(err) = msg.get("error") {
                    return Err(HarnessError::Protocol {
                        what: format!("{method} failed: {err}"),
                    });
                }
                return Ok(msg.get("result").cloned().unwrap_or(Value::Null));
            }
            if let Some(ev) = as_event(msg) {
                self.pending.push_back(ev);
            }
            // Replies to other (fire-and-forget) commands are dropped.
        }
    }

    /// The next event, or `None` once `deadline` passes without one.
    pub fn next_event(&mut self, deadline: Instant) -> Result<Option<Event>, HarnessError> {
        if let Some(ev) = self.pending.pop_front() {
            return Ok(Some(ev));
        }
        loop {
            match self.recv(deadline)? {
                None => return Ok(None),
                Some(msg) => {
                    if let Some(ev) = as_event(msg) {
                        return Ok(Some(ev));
                    }
                }
            }
        }
    }

    /// One raw message, `None` on deadline; an error once the pipe closed.
    fn recv(&mut self, deadline: Instant) -> Result<Option<Value>, HarnessError> {
        if let Some(why) = &self.closed {
            return Err(HarnessError::BrowserGone { why: why.clone() });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(left.max(Duration::from_micros(1))) {
            Ok(Incoming::Message(v)) => {
                if self.trace {
                    eprintln!("cdp << {:.1} {v}", self.born.elapsed().as_secs_f64() * 1e3);
                }
                Ok(Some(v))
            }
            Ok(Incoming::Closed(why)) => {
                self.closed = Some(why.clone());
                Err(HarnessError::BrowserGone { why })
            }
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                let why = "DevTools reader stopped".to_string();
                self.closed = Some(why.clone());
                Err(HarnessError::BrowserGone { why })
            }
        }
    }
}

/// Splits the pipe's byte stream on NUL and parses each message.
fn read_loop(from_browser: File, tx: mpsc::Sender<Incoming>) {
    let mut reader = BufReader::with_capacity(1 << 16, from_browser);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(0, &mut buf) {
            Ok(0) => {
                let _ = tx.send(Incoming::Closed("Chromium closed the DevTools pipe".into()));
                return;
            }
            Ok(_) => {
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                match serde_json::from_slice::<Value>(&buf) {
                    Ok(v) => {
                        if tx.send(Incoming::Message(v)).is_err() {
                            return; // The connection was dropped.
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Incoming::Closed(format!(
                            "Chromium sent a message that is not JSON: {e}"
                        )));
                        return;
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Incoming::Closed(format!("reading the DevTools pipe: {e}")));
                return;
            }
        }
    }
}

/// Turns a message with a `method` (and no `id`) into an [`Event`].
fn as_event(msg: Value) -> Option<Event> {
    if msg.get("id").is_some() {
        return None;
    }
    let Value::Object(mut map) = msg else {
        return None;
    };
    let method = match map.remove("method") {
        Some(Value::String(m)) => m,
        _ => return None,
    };
    let params = map.remove("params").unwrap_or(Value::Null);
    let session_id = match map.remove("sessionId") {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    Some(Event {
        method,
        params,
        session_id,
    })
}
