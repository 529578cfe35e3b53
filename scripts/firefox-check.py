#!/usr/bin/env python3
"""Check Corsair's Firefox model against a real headless Firefox (ESR).

For each selected scenario of conformance/corpus/scenarios.jsonl this script
serves the scenario's answers on 127.0.0.1:8001-8003 (byte for byte, like
conformance/src/server.rs), makes the scenario's request from a page of the
scenario's page origin in headless Firefox driven over WebDriver BiDi, and
records what the page's code saw (success or failure) and the console lines
Firefox logged for it. It then runs the same scenarios through
`corsair explain --json --browser firefox` and compares:

  * the outcome: ours `allowed`/`same-origin`/`opaque` = the JS call
    succeeded, `blocked` = it failed;
  * `console.firefox` (null when allowed) with Firefox's first line that
    starts `Cross-Origin Request Blocked:` and names the scenario's URL.

Usage (from the repository root, after `cargo build --release -p corsair-cli`):

    python3 scripts/firefox-check.py                      # default sample
    python3 scripts/firefox-check.py --all                # every scenario
    python3 scripts/firefox-check.py --ids e-seed-no-acao,m-put-acam-upper
    python3 scripts/firefox-check.py --out /tmp/ff.jsonl  # keep observations
    python3 scripts/firefox-check.py --replay /tmp/ff.jsonl  # compare again, no Firefox
    python3 scripts/firefox-check.py --all --record conformance/corpus/firefox.jsonl
                                      # re-record the corpus's Firefox observations

Needs `firefox-esr` (Debian) and the `websockets` package (pip install
websockets). Exit status: 0 all agree, 1 some mismatch, 2 setup error.
Firefox, its profile and the server are always cleaned up at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "conformance", "corpus", "scenarios.jsonl")
CORSAIR = os.path.join(ROOT, "target", "release", "corsair")
DEFAULT_GROUPS = "credentials,preflight-status,parse,redirect,methods,headers"
PORTS = (8001, 8002, 8003)
PAGE_PATH = "/__corsair/page"
PAGE_HTML = (
    b'<!doctype html><meta charset=utf-8><link rel=icon href="data:,">'
    b"<title>corsair</title>"
)
MAX_CHAIN = 40
MAX_HEAD = 64 * 1024
MAX_BODY = 1 << 20
BLOCKED_PREFIX = "Cross-Origin Request Blocked:"


# ---------------------------------------------------------------- URLs ---
# Ports of conformance/src/url.rs, so routing keys match the Rust harness.

def default_port(scheme: str) -> int | None:
    return {"http": 80, "ws": 80, "https": 443, "wss": 443}.get(scheme)


def split_host_port(s: str):
    if s.startswith("["):
        end = s.find("]")
        if end < 0:
            return None
        host, after = s[: end + 1], s[end + 1:]
        if after in ("", ":"):
            return host, None
        if not after.startswith(":") or not after[1:].isdigit():
            return None
        return host, int(after[1:])
    if ":" in s:
        h, p = s.rsplit(":", 1)
        if p == "":
            return h, None
        if not p.isdigit() or int(p) > 65535:
            return None
        return h, int(p)
    return s, None


def parse_url(url: str):
    """(scheme, host, port, path_query) or None."""
    url = url.strip()
    if "://" not in url:
        return None
    scheme, rest = url.split("://", 1)
    if not scheme or not all(c.isalnum() or c in "+-." for c in scheme):
        return None
    scheme = scheme.lower()
    rest = rest.split("#", 1)[0]
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0] or [len(rest)])
    authority, path_query = rest[:cut], rest[cut:]
    hp = split_host_port(authority.rsplit("@", 1)[-1])
    if hp is None:
        return None
    host, port = hp
    if port is None:
        port = default_port(scheme)
        if port is None:
            return None
    if not host:
        return None
    if not path_query.startswith("/"):
        path_query = "/" + path_query
    return scheme, host.lower(), port, path_query


def url_key(p) -> str:
    return f"{p[1]}:{p[2]}{p[3]}"


def resolve(base: str, location: str) -> str | None:
    location = location.strip()
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme and scheme.isalnum():
            return location
    b = parse_url(base)
    if b is None:
        return None
    authority = f"{b[0]}://{b[1]}:{b[2]}"
    if location.startswith("//"):
        return f"{b[0]}:{location}"
    if location.startswith("/"):
        return authority + location
    base_path = b[3].split("?", 1)[0]
    if location == "":
        return authority + b[3]
    if location.startswith("?"):
        return authority + base_path + location
    i = base_path.rfind("/")
    d = base_path[: i + 1] if i >= 0 else "/"
    return authority + d + location


def nodes_of(sc: dict) -> list[dict]:
    """The redirect chain: each URL with its preflight and response answers."""
    out = []
    url = sc["request"]["url"]
    pre, resp = sc.get("preflight"), sc.get("response")
    while True:
        nxt = (resp or {}).get("next")
        loc = None
        for n, v in (resp or {}).get("headers", []):
            if n.lower() == "location":
                loc = v
                break
        p = parse_url(url)
        out.append({"key": url_key(p) if p else None, "path": p[3] if p else None,
                    "preflight": pre, "response": resp})
        if nxt is None or loc is None:
            break
        r = resolve(url, loc)
        if r is None or len(out) >= MAX_CHAIN:
            break
        url, pre, resp = r, nxt.get("preflight"), nxt.get("response")
    return out


# -------------------------------------------------------------- server ---

REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
           302: "Found", 303: "See Other", 304: "Not Modified",
           307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
           401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 500: "Internal Server Error"}

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
MISSING = (b"HTTP/1.1 500 Internal Server Error\r\nX-Corsair-Missing: 1\r\n"
           b"Content-Length: 0\r\nConnection: close\r\n\r\n")


def to_bytes(s: str) -> bytes:
    """U+0000..U+00FF as single bytes, anything above as UTF-8."""
    out = bytearray()
    for c in s:
        o = ord(c)
        out += bytes([o]) if o < 256 else c.encode("utf-8")
    return bytes(out)


def render(ans: dict, is_head: bool) -> bytes:
    status = int(ans.get("status", 200))
    headers = ans.get("headers", [])
    out = bytearray(f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\n".encode())

    def has(name):
        for n, v in headers:
            if n.lower() == name:
                return v
        return None

    for n, v in headers:
        out += to_bytes(n) + b": " + to_bytes(v) + b"\r\n"
    bodiless = 100 <= status <= 199 or status in (204, 304)
    te = has("transfer-encoding")
    chunked = te is not None and "chunked" in te.lower()
    cl = has("content-length")
    if cl is not None:
        try:
            n = int(cl.strip())
        except ValueError:
            n = 2
        body = b"o" * min(max(n, 0), MAX_BODY)
    elif chunked:
        body = b"2\r\nok\r\n0\r\n\r\n"
    elif bodiless:
        body = b""
    else:
        out += b"Content-Length: 2\r\n"
        body = b"ok"
    if has("connection") is None:
        out += b"Connection: close\r\n"
    out += b"\r\n"
    if not is_head and not bodiless:
        out += body
    return bytes(out)


class Server:
    """Threaded raw-socket HTTP/1.1 server; one connection per request."""

    def __init__(self, ports):
        self.lock = threading.Lock()
        self.active: dict | None = None
        self.stop = False
        self.socks = []
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError as e:
                s.close()
                self.close()
                raise RuntimeError(f"cannot bind 127.0.0.1:{port}: {e}")
            s.listen(64)
            s.settimeout(0.5)
            self.socks.append(s)
            threading.Thread(target=self._accept, args=(s, port), daemon=True).start()

    def close(self):
        self.stop = True
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass

    def activate(self, nodes):
        with self.lock:
            self.active = {"nodes": nodes, "visits": {}, "received": []}

    def deactivate(self):
        with self.lock:
            a, self.active = self.active, None
        return a["received"] if a else []

    def _accept(self, s, port):
        while not self.stop:
            try:
                c, _ = s.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._conn, args=(c, port), daemon=True).start()

    def _conn(self, c, port):
        try:
            c.settimeout(30)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            data = self._serve(c, port)
            if data:
                c.sendall(data)
                c.shutdown(socket.SHUT_WR)
                c.settimeout(2)
                try:  # let the peer read before the close
                    while c.recv(4096):
                        pass
                except OSError:
                    pass
        except OSError:
            pass
        finally:
            c.close()

    def _serve(self, c, port) -> bytes | None:
        buf = b""
        while b"\r\n\r\n" not in buf and b"\n\n" not in buf:
            chunk = c.recv(65536)
            if not chunk:
                return None
            buf += chunk
            if len(buf) > MAX_HEAD:
                return None
        sep = b"\r\n\r\n" if b"\r\n\r\n" in buf else b"\n\n"
        head, rest = buf.split(sep, 1)
        lines = [l.rstrip(b"\r").decode("latin-1") for l in head.split(b"\n")]
        lines = [l for l in lines if l] or [""]
        parts = lines[0].split(" ")
        method = parts[0]
        target = parts[1] if len(parts) > 1 else "/"
        headers = []
        for l in lines[1:]:
            if ":" in l:
                n, v = l.split(":", 1)
                headers.append([n, v.strip(" \t")])

        def hdr(name):
            for n, v in headers:
                if n.lower() == name:
                    return v
            return None

        try:
            clen = min(int((hdr("content-length") or "0").strip()), MAX_BODY)
        except ValueError:
            clen = 0
        while len(rest) < clen:
            chunk = c.recv(65536)
            if not chunk:
                break
            rest += chunk

        host = (hdr("host") or f"127.0.0.1:{port}").strip().lower()
        hp = split_host_port(host)
        host_port = (f"{hp[0]}:{hp[1] if hp[1] is not None else port}") if hp else host
        path = target
        if not target.startswith("/"):
            p = parse_url(target)
            if p:
                path = p[3]
        path_only = path.split("?", 1)[0]
        if path_only == PAGE_PATH:
            return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    b"Cache-Control: no-store\r\nContent-Length: "
                    + str(len(PAGE_HTML)).encode() + b"\r\nConnection: close\r\n\r\n"
                    + PAGE_HTML)
        if path_only == "/favicon.ico":
            return NOT_FOUND
        is_pre = method == "OPTIONS" and hdr("access-control-request-method") is not None
        rec = {"method": method, "url": f"http://{host}{target}", "headers": headers}
        with self.lock:
            a = self.active
            if a is None:
                return NOT_FOUND
            key = host_port + path
            idx = [i for i, n in enumerate(a["nodes"]) if n["key"] == key]
            if not idx:
                idx = [i for i, n in enumerate(a["nodes"]) if n["path"] == path]
            if not idx:
                rec["served"] = "unrouted"
                a["received"].append(rec)
                return NOT_FOUND
            vkey = a["nodes"][idx[0]]["key"] or ""
            seen = a["visits"].get(vkey, 0)
            node = a["nodes"][idx[min(seen, len(idx) - 1)]]
            if is_pre:
                ans = node["preflight"]
            else:
                a["visits"][vkey] = seen + 1
                ans = node["response"]
            if ans is None:
                rec["served"] = "missing"
                a["received"].append(rec)
                return MISSING
            rec["served"] = "preflight" if is_pre else "response"
            a["received"].append(rec)
        return render(ans, method.upper() == "HEAD")


# ------------------------------------------------------------- Firefox ---

USER_JS = {
    "network.dns.forceResolve": "127.0.0.1",
    "network.proxy.type": 0,
    "network.trr.mode": 5,
    "network.dns.disablePrefetch": True,
    "network.dns.native_https_query": False,
    "network.predictor.enabled": False,
    "network.prefetch-next": False,
    "network.http.speculative-parallel-limit": 0,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "dom.security.https_first": False,
    "dom.security.https_first_pbm": False,
    "dom.security.https_only_mode": False,
    "app.update.enabled": False,
    "app.update.auto": False,
    "app.update.checkInstallTime": False,
    "app.normandy.enabled": False,
    "app.shield.optoutstudies.enabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.server": "",
    "browser.ping-centre.telemetry": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "browser.search.update": False,
    "browser.search.geoip.url": "",
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "services.sync.enabled": False,
    "identity.fxaccounts.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.page": 0,
    "browser.startup.homepage": "about:blank",
    "startup.homepage_welcome_url": "",
    "browser.aboutwelcome.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.newtabpage.activity-stream.feeds.telemetry": False,
    "browser.newtabpage.activity-stream.telemetry": False,
    "browser.newtabpage.activity-stream.feeds.system.topstories": False,
    "browser.newtabpage.activity-stream.feeds.section.topstories": False,
    "browser.discovery.enabled": False,
    "media.gmp-manager.updateEnabled": False,
    "media.gmp-manager.url": "",
    "geo.provider.network.url": "",
    "network.cookie.cookieBehavior": 0,
    "devtools.console.stdout.content": False,
}


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Firefox:
    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="corsair-ff-")
        with open(os.path.join(self.profile, "user.js"), "w") as f:
            for k, v in USER_JS.items():
                f.write(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n")
        self.port = free_port()
        self.log = open(os.path.join(self.profile, "firefox.log"), "wb")
        env = dict(os.environ, MOZ_CRASHREPORTER_DISABLE="1", MOZ_DISABLE_AUTO_SAFE_MODE="1")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-remote", "--remote-debugging-port",
             str(self.port), "--profile", self.profile, "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env, start_new_session=True)

    def log_tail(self, n=2000) -> str:
        try:
            with open(os.path.join(self.profile, "firefox.log"), "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # our own new session
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        else:
            try:  # helpers of an exited parent, if any
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Bidi:
    def __init__(self):
        self.ws = None
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.events: list[dict] = []
        self.event_signal = asyncio.Event()
        self.reader = None

    async def connect(self, port: int, deadline: float):
        import websockets
        last = None
        while time.monotonic() < deadline:
            try:
                self.ws = await websockets.connect(
                    f"ws://127.0.0.1:{port}/session", max_size=None, ping_interval=None,
                    open_timeout=5)
                break
            except (OSError, asyncio.TimeoutError, Exception) as e:  # not up yet
                last = e
                await asyncio.sleep(0.25)
        if self.ws is None:
            raise RuntimeError(f"could not reach WebDriver BiDi on port {port}: {last}")
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                m = json.loads(raw)
                if "id" in m and m.get("id") in self.pending:
                    fut = self.pending.pop(m["id"])
                    if not fut.done():
                        fut.set_result(m)
                elif m.get("type") == "event":
                    m["_t"] = time.monotonic()
                    self.events.append(m)
                    self.event_signal.set()
        except Exception as e:  # connection closed
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(RuntimeError(f"BiDi connection lost: {e}"))
            self.pending.clear()

    async def call(self, method: str, params: dict, timeout: float = 15.0) -> dict:
        self.next_id += 1
        i = self.next_id
        fut = asyncio.get_running_loop().create_future()
        self.pending[i] = fut
        await self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        try:
            m = await asyncio.wait_for(fut, timeout)
        finally:
            self.pending.pop(i, None)
        if m.get("type") == "error":
            raise RuntimeError(f"{method}: {m.get('error')}: {m.get('message')}")
        return m.get("result", {})

    async def wait_event(self, until: float):
        left = until - time.monotonic()
        if left <= 0:
            return
        self.event_signal.clear()
        try:
            await asyncio.wait_for(self.event_signal.wait(), left)
        except asyncio.TimeoutError:
            pass

    async def close(self):
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 2)
            except Exception:
                pass
        if self.reader is not None:
            self.reader.cancel()


# The page-side code, shared with the Chromium harness (conformance/js/).
JS_DIR = Path(__file__).resolve().parent.parent / "conformance" / "js"
FETCH_JS = (JS_DIR / "fetch.js").read_text()
XHR_JS = (JS_DIR / "xhr.js").read_text()


def expression(req: dict) -> str:
    arg = json.dumps({
        "url": req["url"],
        "method": req.get("method", "GET"),
        "headers": req.get("headers", []),
        "credentials": req.get("credentials", "same-origin"),
        "mode": req.get("mode", "cors"),
    }, ensure_ascii=True)
    f = XHR_JS if req.get("initiator", "fetch") == "xhr" else FETCH_JS
    return f"(async () => JSON.stringify(await {f}({arg})))()"


def page_origin_of(sc: dict) -> str:
    p = parse_url(sc["page_origin"])
    return f"{p[0]}://{p[1]}:{p[2]}" if p else sc["page_origin"]


async def run_firefox(lines, args) -> list[dict]:
    results = []
    server = Server(PORTS)
    ff = Firefox(args.firefox)
    bidi = Bidi()
    started = time.monotonic()
    try:
        await bidi.connect(ff.port, time.monotonic() + 60)
        await bidi.call("session.new", {"capabilities": {}}, 30)
        tree = await bidi.call("browsingContext.getTree", {})
        ctx = tree["contexts"][0]["context"]
        await bidi.call("session.subscribe", {"events": ["log.entryAdded"]})
        version = "?"
        try:
            out = subprocess.run([args.firefox, "--version"], capture_output=True,
                                 text=True, timeout=20)
            version = out.stdout.strip()
        except Exception:
            pass
        print(f"# {version}; BiDi on port {ff.port}", file=sys.stderr)
        current = None
        for n, line in enumerate(lines, 1):
            if time.monotonic() - started > args.time_limit:
                print(f"# time limit reached after {n - 1} scenarios", file=sys.stderr)
                break
            sid, sc = line["id"], line["scenario"]
            origin = page_origin_of(sc)
            try:
                if current != origin:
                    current = None
                    await bidi.call("browsingContext.navigate",
                                    {"context": ctx, "url": origin + PAGE_PATH,
                                     "wait": "complete"}, 20)
                    current = origin
                mark = len(bidi.events)
                server.activate(nodes_of(sc))
                t0 = time.monotonic()
                try:
                    r = await bidi.call("script.evaluate", {
                        "expression": expression(sc["request"]),
                        "target": {"context": ctx}, "awaitPromise": True,
                        "resultOwnership": "none"}, args.timeout)
                    if r.get("type") == "success":
                        js = json.loads(r["result"]["value"])
                    else:
                        js = {"settled": "exception",
                              "message": json.dumps(r.get("exceptionDetails", {}))[:300]}
                except asyncio.TimeoutError:
                    js = {"settled": "timeout"}
                    current = None  # reload: drop whatever is in flight
                ok = js.get("settled") == "ok"
                # Late console lines: a failure waits for its CORS line.
                tag = f"/s/{sid}/"
                end = time.monotonic() + (args.late if not ok else args.ok_grace)
                found_at = None
                while time.monotonic() < end:
                    if found_at is None and any(
                            _cors_line(e, tag) for e in bidi.events[mark:]):
                        found_at = time.monotonic()
                        end = min(end, found_at + args.after_line)
                    await bidi.wait_event(end)
                received = server.deactivate()
                logs = []
                for e in bidi.events[mark:]:
                    if e.get("method") != "log.entryAdded":
                        continue
                    p = e["params"]
                    logs.append({"level": p.get("level"), "type": p.get("type"),
                                 "text": p.get("text"), "mine": tag in (p.get("text") or "")})
                cors = [l["text"] for l in logs
                        if l["mine"] and (l["text"] or "").startswith(BLOCKED_PREFIX)]
                res = {"id": sid, "group": line.get("group"), "js": js,
                       "firefox_line": cors[0] if cors else None, "cors_lines": cors,
                       "logs": logs,
                       "received": [_summary(r) for r in received],
                       "ms": int((time.monotonic() - t0) * 1000)}
            except (RuntimeError, KeyError) as e:
                server.deactivate()
                current = None
                res = {"id": sid, "group": line.get("group"), "error": str(e)}
                if ff.proc.poll() is not None:
                    results.append(res)
                    raise RuntimeError(f"Firefox exited: {ff.log_tail()}")
            results.append(res)
            if args.verbose:
                print(f"{n:4} {sid}: {res.get('js', {}).get('settled')} "
                      f"{res.get('firefox_line') or ''}", file=sys.stderr)
            elif n % 50 == 0:
                print(f"# {n}/{len(lines)} scenarios, {time.monotonic() - started:.0f} s",
                      file=sys.stderr)
        try:
            await bidi.call("browser.close", {}, 5)
        except Exception:
            pass
    finally:
        await bidi.close()
        ff.stop()
        server.close()
    return results


def _summary(r: dict) -> str:
    """`METHOD url -> served [origin=… acrm=… acrh=… auth]` of a received request."""
    h = {n.lower(): v for n, v in r["headers"]}
    extra = [f"{k}={h[n]}" for k, n in (("origin", "origin"),
                                         ("acrm", "access-control-request-method"),
                                         ("acrh", "access-control-request-headers"))
             if n in h]
    if "authorization" in h:
        extra.append("authorization")
    return f'{r["method"]} {r["url"]} -> {r["served"]}' + (
        f' [{" ".join(extra)}]' if extra else "")


def _cors_line(e: dict, tag: str) -> bool:
    if e.get("method") != "log.entryAdded":
        return False
    t = e["params"].get("text") or ""
    return t.startswith(BLOCKED_PREFIX) and tag in t


# ------------------------------------------------------------- compare ---

def ours_for(lines, corsair: str) -> dict[str, dict]:
    def payload(line):
        sc = json.loads(json.dumps(line["scenario"]))
        sc["page_origin"] = page_origin_of(sc) + PAGE_PATH
        return json.dumps(sc, ensure_ascii=True)

    def run(items):
        p = subprocess.run([corsair, "explain", "--json", "--browser", "firefox"],
                           input="\n".join(payload(l) for l in items) + "\n",
                           capture_output=True, text=True, timeout=300)
        outs = [l for l in p.stdout.splitlines() if l.strip()]
        return p, outs

    p, outs = run(lines)
    if len(outs) == len(lines):
        return {l["id"]: json.loads(o) for l, o in zip(lines, outs)}
    res = {}  # one bad line spoils a batch: go one by one
    for l in lines:
        p, o = run([l])
        res[l["id"]] = json.loads(o[0]) if o else {"error": p.stderr.strip()[:300]}
    return res


def compare(lines, ff_results, ours) -> int:
    by_id = {r["id"]: r for r in ff_results}
    n = same_outcome = same_line = 0
    outcome_mm, line_mm, errors = [], [], []
    for l in lines:
        sid = l["id"]
        f = by_id.get(sid)
        o = ours.get(sid)
        if f is None:
            continue
        if "error" in f or (o or {}).get("error") or o is None:
            errors.append((sid, f.get("error") or (o or {}).get("error")))
            continue
        if f["js"].get("settled") not in ("ok", "error"):
            errors.append((sid, f"page code: {json.dumps(f['js'])[:300]}"))
            continue
        n += 1
        ff_ok = f["js"]["settled"] == "ok"
        outcome = o.get("outcome")
        our_ok = {"allowed": True, "same-origin": True, "opaque": True,
                  "blocked": False}.get(outcome)
        if our_ok == ff_ok:
            same_outcome += 1
        else:
            outcome_mm.append((sid, outcome, "ok" if ff_ok else
                               f"error ({f['js'].get('name')}: {f['js'].get('message')})"))
        our_line = (o.get("console") or {}).get("firefox")
        if our_line == f["firefox_line"]:
            same_line += 1
        else:
            line_mm.append((sid, our_line, f["firefox_line"], f.get("cors_lines", [])))
    pct = lambda a: f"{a}/{n} ({100.0 * a / n:.1f}%)" if n else "0/0"
    print(f"compared: {n} scenarios ({len(errors)} not comparable)")
    print(f"outcome agreement: {pct(same_outcome)}")
    print(f"console.firefox agreement: {pct(same_line)}")
    if outcome_mm:
        print(f"\n== outcome mismatches ({len(outcome_mm)}) ==")
        for sid, ours_o, theirs in outcome_mm:
            print(f"{sid}\n  ours:    {ours_o}\n  firefox: {theirs}")
    if line_mm:
        print(f"\n== console line mismatches ({len(line_mm)}) ==")
        for sid, a, b, allc in line_mm:
            print(f"{sid}\n  ours:    {a}\n  firefox: {b}")
            for extra in allc[1:]:
                print(f"           (then) {extra}")
    if errors:
        print(f"\n== not comparable ({len(errors)}) ==")
        for sid, why in errors:
            print(f"{sid}: {why}")
    return 0 if not outcome_mm and not line_mm and not errors else 1


def write_record(path: str, lines, ff_results) -> None:
    """One compact line per scenario, in corpus order: what the page saw
    (`allowed` when the JS call succeeded) and Firefox's reason line."""
    by_id = {r["id"]: r for r in ff_results}
    with open(path, "w") as f:
        for l in lines:
            r = by_id.get(l["id"])
            if r is None or "error" in r or "js" not in r:
                raise RuntimeError(f"{l['id']}: no observation to record")
            rec = {"id": r["id"],
                   "outcome": "allowed" if r["js"].get("settled") == "ok" else "blocked",
                   "console": r.get("firefox_line")}
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


# ---------------------------------------------------------------- main ---

def select(args) -> list[dict]:
    with open(args.corpus) as f:
        all_lines = [json.loads(l) for l in f if l.strip()]
    if args.ids:
        want = set(args.ids.split(","))
        return [l for l in all_lines if l["id"] in want]
    if args.all:
        return all_lines
    groups = set(g for g in args.groups.split(",") if g)
    return [l for l in all_lines
            if l.get("group") in groups or (args.seed and "seed" in l["id"])]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--corsair", default=CORSAIR)
    ap.add_argument("--firefox", default=shutil.which("firefox-esr") or "firefox")
    ap.add_argument("--groups", default=DEFAULT_GROUPS,
                    help=f"comma-separated groups (default {DEFAULT_GROUPS})")
    ap.add_argument("--no-seed", dest="seed", action="store_false",
                    help="do not add the scenarios whose id contains 'seed'")
    ap.add_argument("--all", action="store_true", help="every scenario of the corpus")
    ap.add_argument("--ids", help="comma-separated scenario ids (overrides groups)")
    ap.add_argument("--limit", type=int, default=0, help="run at most N scenarios")
    ap.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    ap.add_argument("--late", type=float, default=2.0,
                    help="after a failure, wait this long for its CORS line")
    ap.add_argument("--after-line", type=float, default=0.3,
                    help="after the first CORS line, collect this long")
    ap.add_argument("--ok-grace", type=float, default=0.15,
                    help="after a success, collect late lines this long")
    ap.add_argument("--time-limit", type=float, default=1800.0,
                    help="stop starting scenarios after this many seconds")
    ap.add_argument("--out", help="write the raw Firefox observations here (JSONL)")
    ap.add_argument("--replay", help="compare observations from an --out file; no Firefox")
    ap.add_argument("--record", help="write the compact recording (id, outcome, console) "
                    "that corpus/firefox.jsonl holds, in corpus order")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    lines = select(args)
    if args.limit:
        lines = lines[: args.limit]
    if not lines:
        print("error: no scenario selected", file=sys.stderr)
        return 2
    if not os.path.exists(args.corsair):
        print(f"error: {args.corsair} missing: cargo build --release -p corsair-cli",
              file=sys.stderr)
        return 2

    if args.replay:
        with open(args.replay) as f:
            ff_results = [json.loads(l) for l in f if l.strip()]
        ids = {r["id"] for r in ff_results}
        lines = [l for l in lines if l["id"] in ids] or [
            l for l in select(argparse.Namespace(**{**vars(args), "all": True, "ids": None}))
            if l["id"] in ids]
    else:
        try:
            import websockets  # noqa: F401
        except ImportError:
            print("error: pip install websockets", file=sys.stderr)
            return 2
        print(f"# running {len(lines)} scenarios in Firefox", file=sys.stderr)

        def on_term(signum, frame):
            raise KeyboardInterrupt
        signal.signal(signal.SIGTERM, on_term)
        try:
            ff_results = asyncio.run(run_firefox(lines, args))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 2
        except RuntimeError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if args.out:
            with open(args.out, "w") as f:
                for r in ff_results:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        if args.record:
            try:
                write_record(args.record, lines, ff_results)
            except RuntimeError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2

    ours = ours_for(lines, args.corsair)
    return compare(lines, ff_results, ours)


if __name__ == "__main__":
    sys.exit(main())
