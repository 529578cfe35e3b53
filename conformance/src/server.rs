//! The local HTTP/1.1 server the scenarios' URLs resolve to.
//!
//! Hand-written on purpose: the point is to send the scenario's status and
//! header lines byte for byte (order, duplicates, spelling, empty values,
//! odd bytes), which ordinary HTTP libraries normalise away. Every answer
//! closes its connection, so each request is one connection and one thread.
//!
//! Only one scenario is "active" at a time; requests are routed to its
//! nodes. Anything else (a straggler, a favicon) is answered 404 and not
//! counted for the scenario unless it was sent while that scenario ran.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::scenario::{Answer, Header, Node};
use crate::HarnessError;

/// The path of the blank page the tab loads for each page origin.
pub const PAGE_PATH: &str = "/__corsair/page";

/// The `data:` icon stops Chromium from requesting `/favicon.ico`, whose
/// events would otherwise land in the first scenario after a navigation.
const PAGE_HTML: &str =
    "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>corsair</title>";
/// Longest request head accepted; Chromium's are far smaller.
const MAX_HEAD: usize = 64 * 1024;
/// Bodies are read (so closing does not reset the connection) up to this.
const MAX_BODY: usize = 1 << 20;

/// How the server answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Served {
    /// The node's `preflight` answer (an OPTIONS with Access-Control-Request-Method).
    Preflight,
    /// The node's `response` answer.
    Response,
    /// The scenario had no answer for it: 500 with `X-Corsair-Missing: 1`.
    Missing,
    /// No node of the active scenario has this URL: 404.
    Unrouted,
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// The method as sent.
    pub method: String,
    /// `http://` + Host header + request target.
    pub url: String,
    /// Header lines in order; bytes 0x80..=0xFF appear as U+0080..=U+00FF.
    pub headers: Vec<Header>,
    /// Which answer it got.
    pub served: Served,
}

impl Received {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is a CORS preflight.
    pub fn is_preflight(&self) -> bool {
        self.method == "OPTIONS" && self.header("access-control-request-method").is_some()
    }
}

/// The scenario being run and what it has received so far.
struct Active {
    nodes: Vec<Node>,
    /// Actual (non-preflight) requests seen per node URL key, so a chain
    /// that visits one URL twice gets its answers in order.
    visits: HashMap<String, usize>,
    received: Vec<Received>,
}

#[derive(Default)]
struct Shared {
    active: Mutex<Option<Active>>,
    stop: AtomicBool,
    /// The page served at [`PAGE_PATH`] instead of the blank one (the WebKit
    /// harness's page runs the scenarios itself).
    page: Mutex<Option<Arc<str>>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Option<Active>> {
        // A panicking connection thread must not wedge the harness.
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Listening {
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

/// Listeners on 127.0.0.1 plus the routing state they share.
#[derive(Default)]
pub struct Server {
    shared: Arc<Shared>,
    ports: HashMap<u16, Listening>,
    /// Ports another server (a gateway under test) answers on.
    external: Vec<u16>,
}

impl Server {
    /// An empty server; ports are added with [`Server::listen`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves these ports to another server: scenarios may send requests
    /// there, and what that server answers is what the browser sees.
    pub fn set_external(&mut self, ports: &[u16]) {
        self.external = ports.to_vec();
    }

    /// Binds 127.0.0.1:`port` unless already bound (or external).
    pub fn listen(&mut self, port: u16) -> Result<(), HarnessError> {
        if self.ports.contains_key(&port) || self.external.contains(&port) {
            return Ok(());
        }
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                HarnessError::PortInUse { port }
            } else {
                HarnessError::Io {
                    what: format!("binding 127.0.0.1:{port}"),
                    source: e,
                }
            }
        })?;
        let addr = listener.local_addr().map_err(|e| HarnessError::Io {
            what: format!("reading the address of port {port}"),
            source: e,
        })?;
        let shared = Arc::clone(&self.shared);
        let thread = thread::Builder::new()
            .name(format!("http-{port}"))
            .spawn(move || accept_loop(listener, addr.port(), shared))
            .map_err(|e| HarnessError::Io {
                what: format!("spawning the listener thread for port {port}"),
                source: e,
            })?;
        self.ports.insert(
            port,
            Listening {
                addr,
                thread: Some(thread),
            },
        );
        Ok(())
    }

    /// Serves `html` at [`PAGE_PATH`] instead of the blank page.
    pub fn set_page(&self, html: &str) {
        *self.shared.page.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::from(html));
    }

    /// Makes `nodes` the routing table and starts a fresh request log.
    pub fn activate(&self, nodes: Vec<Node>) {
        *self.shared.lock() = Some(Active {
            nodes,
            visits: HashMap::new(),
            received: Vec::new(),
        });
    }

    /// Ends the active scenario and returns what it received.
    pub fn deactivate(&self) -> Vec<Received> {
        self.shared
            .lock()
            .take()
            .map(|a| a.received)
            .unwrap_or_default()
    }

    /// A copy of what the active scenario has received so far.
    pub fn received_so_far(&self) -> Vec<Received> {
        self.shared
            .lock()
            .as_ref()
            .map(|a| a.received.clone())
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for l in self.ports.values_mut() {
            // Wake the blocking accept so it sees `stop`.
            let _ = TcpStream::connect_timeout(&l.addr, Duration::from_millis(200));
            if let Some(t) = l.thread.take() {
                let _ = t.join();
            }
        }
    }
}

fn accept_loop(listener: TcpListener, port: u16, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = conn else { continue };
        let shared = Arc::clone(&shared);
        // Detached: each connection is bounded by its socket timeouts.
        let _ = thread::Builder::new()
            .name(format!("conn-{port}"))
            .spawn(move || {
                let _ = handle(stream, port, &shared);
            });
    }
}

/// A parsed request head.
struct Head {
    method: String,
    target: String,
    headers: Vec<Header>,
}

fn handle(stream: TcpStream, port: u16, shared: &Shared) -> std::io::Result<()> {
    // Long first-byte timeout: Chromium may open a socket early and use it
    // for a later request.
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(head) = read_head(&mut reader)? else {
        return Ok(());
    };
    read_body(&mut reader, &head)?;

    let host = head
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
        .unwrap_or_else(|| format!("127.0.0.1:{port}"));
    let host_port = match crate::url::split_host_port(&host) {
        Some((h, Some(p))) => format!("{h}:{p}"),
        Some((h, None)) => format!("{h}:{port}"),
        None => host.clone(),
    };
    // Origin-form targets are the norm; take the path of an absolute one.
    let path = match crate::url::parse(&head.target) {
        Some(p) if !head.target.starts_with('/') => p.path_query,
        _ => head.target.clone(),
    };
    let path_only = path.split('?').next().unwrap_or("");
    if path_only == PAGE_PATH {
        let page = shared
            .page
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let html = page.as_deref().unwrap_or(PAGE_HTML);
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
            html.len()
        );
        return finish(stream, resp.as_bytes());
    }
    if path_only == "/favicon.ico" {
        return finish(stream, not_found());
    }

    let key = format!("{host_port}{path}");
    let received = |served| Received {
        method: head.method.clone(),
        url: format!("http://{host}{}", head.target),
        headers: head.headers.clone(),
        served,
    };
    let is_preflight = head.method == "OPTIONS" && received(Served::Unrouted).is_preflight();
    let is_head = head.method.eq_ignore_ascii_case("HEAD");

    let bytes = {
        let mut guard = shared.lock();
        let Some(active) = guard.as_mut() else {
            drop(guard);
            return finish(stream, not_found());
        };
        match route(active, &key, &path, is_preflight) {
            None => {
                active.received.push(received(Served::Unrouted));
                not_found().to_vec()
            }
            Some(Some(answer)) => {
                let served = if is_preflight {
                    Served::Preflight
                } else {
                    Served::Response
                };
                active.received.push(received(served));
                render(&answer, is_head)
            }
            Some(None) => {
                active.received.push(received(Served::Missing));
                b"HTTP/1.1 500 Internal Server Error\r\nX-Corsair-Missing: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
            }
        }
    };
    finish(stream, &bytes)
}

/// The node's answer: `None` if no node has this URL, `Some(None)` if the
/// node lacks the kind of answer asked for.
fn route(active: &mut Active, key: &str, path: &str, preflight: bool) -> Option<Option<Answer>> {
    let keys: Vec<Option<String>> = active
        .nodes
        .iter()
        .map(|n| n.parts.as_ref().map(|p| p.key()))
        .collect();
    let mut idx: Vec<usize> = (0..keys.len())
        .filter(|&i| keys[i].as_deref() == Some(key))
        .collect();
    if idx.is_empty() {
        // Fall back to the path alone, in case the browser spelled the host
        // differently from the scenario (e.g. an IDN or a default port).
        idx = (0..keys.len())
            .filter(|&i| {
                active.nodes[i]
                    .parts
                    .as_ref()
                    .is_some_and(|p| p.path_query == path)
            })
            .collect();
    }
    let first = *idx.first()?;
    let vkey = keys[first].clone().unwrap_or_default();
    let seen = active.visits.get(&vkey).copied().unwrap_or(0);
    let node = &active.nodes[idx[seen.min(idx.len() - 1)]];
    if preflight {
        return Some(node.preflight.clone());
    }
    active.visits.insert(vkey, seen + 1);
    Some(node.response.clone())
}

fn not_found() -> &'static [u8] {
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
}

fn finish(mut stream: TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(bytes)?;
    stream.flush()?;
    stream.shutdown(Shutdown::Write)
}

/// Reads the request line and headers; `None` if the peer closed first.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<Option<Head>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut total = 0usize;
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        total += n;
        if total > MAX_HEAD {
            return Err(std::io::Error::other("request head too large"));
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        if line.is_empty() {
            if lines.is_empty() {
                continue; // Tolerate a stray CRLF before the request line.
            }
            break;
        }
        lines.push(line);
    }
    let request_line = latin1(&lines[0]);
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let headers = lines[1..]
        .iter()
        .filter_map(|l| {
            let s = latin1(l);
            let (n, v) = s.split_once(':')?;
            Some((n.to_string(), v.trim_matches([' ', '\t']).to_string()))
        })
        .collect();
    Ok(Some(Head {
        method,
        target,
        headers,
    }))
}

/// Consumes a Content-Length body, so closing does not reset the socket.
fn read_body(reader: &mut impl Read, head: &Head) -> std::io::Result<()> {
    let len = head
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut sink = vec![0u8; len];
    reader.read_exact(&mut sink)
}

/// Bytes 0x00..=0xFF as the chars U+0000..=U+00FF.
fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// Chars U+0000..=U+00FF as single bytes; anything above as its UTF-8.
fn to_bytes(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => out.push(b),
            Err(_) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// The answer's status line and headers exactly as given, plus
/// `Content-Length` and `Connection: close` unless the scenario set them.
fn render(answer: &Answer, is_head: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(
        format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status)).as_bytes(),
    );
    let has = |name: &str| {
        answer
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    for (n, v) in &answer.headers {
        to_bytes(n, &mut out);
        out.extend_from_slice(b": ");
        to_bytes(v, &mut out);
        out.extend_from_slice(b"\r\n");
    }
    let bodiless = matches!(answer.status, 100..=199 | 204 | 304);
    let chunked =
        has("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body: Vec<u8> = match has("content-length") {
        // The scenario fixed the length: send that many bytes (bounded).
        Some(v) => {
            let n = v.trim().parse::<usize>().unwrap_or(2).min(MAX_BODY);
            vec![b'o'; n]
        }
        None if chunked => b"2\r\nok\r\n0\r\n\r\n".to_vec(),
        None if bodiless => Vec::new(),
        None => {
            out.extend_from_slice(b"Content-Length: 2\r\n");
            b"ok".to_vec()
        }
    };
    if has("connection").is_none() {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !is_head && !bodiless {
        out.extend_from_slice(&body);
    }
    out
}

/// A generic reason phrase; Chromium only surfaces it as `statusText`.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_headers_exactly() {
        let a = Answer {
            status: 200,
            headers: vec![
                ("access-control-allow-origin".into(), "*".into()),
                ("X-Dup".into(), "".into()),
                ("X-Dup".into(), "\u{ff}\u{1}".into()),
            ],
            next: None,
        };
        let s = render(&a, false);
        assert_eq!(
            s,
            b"HTTP/1.1 200 OK\r\naccess-control-allow-origin: *\r\nX-Dup: \r\nX-Dup: \xff\x01\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        );
        let b = Answer {
            status: 204,
            headers: vec![("Connection".into(), "keep-alive".into())],
            next: None,
        };
        assert_eq!(
            render(&b, false),
            b"HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n"
        );
    }

    /// Over a real socket: the answer's bytes exactly, routing by Host and
    /// path, preflight vs request, the 500 for a missing answer, the log.
    #[test]
    fn serves_and_records_over_tcp() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Server::new();
        server.listen(port).unwrap();
        let scenario: crate::Scenario = serde_json::from_str(&format!(
            r#"{{"page_origin":"http://a.test:{port}","request":{{"url":"http://b.test:{port}/s/1/x?q"}},
            "response":{{"status":200,"headers":[["ACAO","*"],["x",""],["x","\u00e9"]]}}}}"#
        ))
        .unwrap();
        server.activate(scenario.nodes());
        let ask = |req: String| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(req.as_bytes()).unwrap();
            let mut out = Vec::new();
            s.read_to_end(&mut out).unwrap();
            out
        };
        let got = ask(format!(
            "GET /s/1/x?q HTTP/1.1\r\nHost: b.test:{port}\r\nOrigin: http://a.test\r\n\r\n"
        ));
        assert_eq!(
            got,
            b"HTTP/1.1 200 OK\r\nACAO: *\r\nx: \r\nx: \xe9\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        );
        let got = ask(format!(
            "OPTIONS /s/1/x?q HTTP/1.1\r\nHost: b.test:{port}\r\nAccess-Control-Request-Method: PUT\r\n\r\n"
        ));
        assert!(got.starts_with(b"HTTP/1.1 500 Internal Server Error\r\nX-Corsair-Missing: 1\r\n"));
        let got = ask(format!(
            "GET /other HTTP/1.1\r\nHost: b.test:{port}\r\n\r\n"
        ));
        assert!(got.starts_with(b"HTTP/1.1 404 "));
        let page = ask(format!(
            "GET {PAGE_PATH} HTTP/1.1\r\nHost: a.test:{port}\r\n\r\n"
        ));
        assert!(page.ends_with(PAGE_HTML.as_bytes()));

        let log = server.deactivate();
        let served: Vec<Served> = log.iter().map(|r| r.served).collect();
        assert_eq!(
            served,
            [Served::Response, Served::Missing, Served::Unrouted]
        );
        assert_eq!(log[0].url, format!("http://b.test:{port}/s/1/x?q"));
        assert_eq!(log[0].header("origin"), Some("http://a.test"));
        assert!(log[1].is_preflight());
    }

    #[test]
    fn parses_heads() {
        let raw = b"OPTIONS /s/1/x?y HTTP/1.1\r\nHost: a.test:1\r\nAccess-Control-Request-Method: PUT\r\nX: \xe9\r\n\r\n";
        let h = read_head(&mut &raw[..]).unwrap().unwrap();
        assert_eq!(h.method, "OPTIONS");
        assert_eq!(h.target, "/s/1/x?y");
        assert_eq!(h.headers[2], ("X".into(), "\u{e9}".into()));
    }
}
