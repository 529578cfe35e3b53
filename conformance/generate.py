#!/usr/bin/env python3
"""Generate the Corsair conformance corpus: conformance/corpus/scenarios.jsonl.

Each line is one scenario in the `corsair explain` input format (see
ARCHITECTURE.md), wrapped as
    {"id": ..., "group": ..., "description": ..., "scenario": {...}}

The corpus is run in real headless Chromium by the conformance harness and the
observations are compared with Corsair's browser model. It holds NO expected
outcomes: Chromium is the oracle.

Deterministic: no randomness, stable ordering. Python 3.11, stdlib only.
Usage: python3 conformance/generate.py [--check]
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
from collections import Counter, OrderedDict
from pathlib import Path
from urllib.parse import urljoin, urlsplit

# --------------------------------------------------------------------------
# Topology (the harness maps *.test to 127.0.0.1 and binds these ports)
# --------------------------------------------------------------------------
PAGE = "http://app.example.test:8001"
API = "http://api.example.test:8002"
CDN = "http://cdn.example.test:8003"
ALLOWED_HOSTPORTS = {
    ("app.example.test", 8001),
    ("api.example.test", 8002),
    ("cdn.example.test", 8003),
    # A potentially trustworthy API URL: Blink then adds client hints, which
    # changes the order of its header map (see gen_header_order).
    ("127.0.0.1", 8002),
}
IDT = "@ID@"  # placeholder replaced by the scenario id in every string

OUT = Path(__file__).resolve().parent / "corpus" / "scenarios.jsonl"

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"

NORMALIZED_METHODS = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}
SAFE_METHODS = {"GET", "HEAD", "POST"}


def api(path: str = "r") -> str:
    return f"{API}/s/{IDT}/{path}"


def cdn(path: str = "hop1") -> str:
    return f"{CDN}/s/{IDT}/{path}"


def app(path: str = "r") -> str:
    return f"{PAGE}/s/{IDT}/{path}"


def norm_method(m: str) -> str:
    """The method as fetch()/XHR send it (upper-case only the six)."""
    return m.upper() if m.upper() in NORMALIZED_METHODS else m


def hl(*pairs) -> list:
    """Header list from (name, value) pairs, dropping None values."""
    return [[n, v] for n, v in pairs if v is not None]


def uniq_names(headers) -> list:
    seen, out = set(), []
    for n, _ in headers:
        if n.lower() not in seen:
            seen.add(n.lower())
            out.append(n)
    return out


def req(url, method="GET", headers=(), cred="same-origin", mode="cors", init="fetch"):
    return {
        "url": url,
        "method": method,
        "headers": [list(h) for h in headers],
        "credentials": cred,
        "mode": mode,
        "initiator": init,
    }


def pf_headers(method="GET", headers=(), cred="same-origin", origin=PAGE, acah=None, extra=()):
    """A full, correct preflight answer for this request."""
    h = [[ACAO, origin]]
    if cred == "include":
        h.append([ACAC, "true"])
    h.append([ACAM, norm_method(method)])
    names = uniq_names(headers)
    if acah is not None:
        h.append([ACAH, acah])
    elif names:
        h.append([ACAH, ", ".join(names)])
    h.extend([list(x) for x in extra])
    return h


def pf(method="GET", headers=(), cred="same-origin", status=204, **kw):
    return {"status": status, "headers": pf_headers(method, headers, cred, **kw)}


def ok_headers(cred="same-origin", origin=PAGE, extra=()):
    h = [[ACAO, origin]]
    if cred == "include":
        h.append([ACAC, "true"])
    h.extend([list(x) for x in extra])
    return h


def resp(cred="same-origin", status=200, origin=PAGE, extra=(), headers=None, nxt=None):
    r = {"status": status, "headers": headers if headers is not None else ok_headers(cred, origin, extra)}
    if nxt is not None:
        r["next"] = nxt
    return r


def scen(request, preflight=None, response=None, page=PAGE):
    s = {"page_origin": page, "request": request}
    if preflight is not None:
        s["preflight"] = preflight
    if response is not None:
        s["response"] = response
    return s


def good(method="GET", headers=(), cred="same-origin", url=None, init="fetch", rstatus=200, rextra=()):
    """A request with fully correct preflight and response answers."""
    return scen(
        req(url or api(), method, headers, cred, init=init),
        pf(method, headers, cred),
        resp(cred, rstatus, extra=rextra),
    )


# --------------------------------------------------------------------------
# Corpus accumulator
# --------------------------------------------------------------------------
ID_RE = re.compile(r"^[a-z0-9-]+$")


def slug(*parts) -> str:
    s = "-".join(str(p) for p in parts if p is not None and str(p) != "")
    s = s.lower()
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return re.sub(r"-+", "-", s).strip("-")


class Corpus:
    def __init__(self):
        self.items: list[dict] = []
        self.ids: set[str] = set()

    def make_id(self, *parts) -> str:
        base = slug(*parts)
        if len(base) > 60:
            h = hashlib.sha1(base.encode()).hexdigest()[:6]
            base = base[:53].rstrip("-") + "-" + h
        sid, n = base, 2
        while sid in self.ids:
            suffix = f"-{n}"
            sid = base[: 60 - len(suffix)].rstrip("-") + suffix
            n += 1
        return sid

    def add(self, group: str, id_parts, description: str, scenario: dict) -> str:
        parts = id_parts if isinstance(id_parts, (list, tuple)) else [id_parts]
        sid = self.make_id(*parts)
        self.ids.add(sid)
        sc = substitute(scenario, IDT, sid)
        self.items.append({"id": sid, "group": group, "description": description, "scenario": sc})
        return sid


def substitute(obj, old, new):
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, list):
        return [substitute(x, old, new) for x in obj]
    if isinstance(obj, dict):
        return {k: substitute(v, old, new) for k, v in obj.items()}
    return obj


C = Corpus()

# --------------------------------------------------------------------------
# 1. methods x ACAM forms
# --------------------------------------------------------------------------
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO",
           "get", "post", "put", "delete", "patch", "options", "foo", "Patch"]
ACAM_FORMS = OrderedDict([
    ("missing", None),
    ("upper", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, FOO"),
    ("lower", "get, head, post, put, delete, patch, options, foo"),
    ("star", "*"),
])


def gen_methods():
    g = "methods"
    for m in METHODS:
        case_tag = "lc" if m.islower() else ("mixed" if not m.isupper() else "")
        if norm_method(m) in SAFE_METHODS:
            combos = [("missing", "same-origin"), ("missing", "include")]
        elif m != norm_method(m):  # put/delete/options: upper-cased by fetch
            combos = [(f, "same-origin") for f in ("missing", "upper", "lower")]
        else:
            combos = [(f, "same-origin") for f in ACAM_FORMS] + [("upper", "include"), ("star", "include")]
        for form, cred in combos:
            acam = ACAM_FORMS[form]
            hdrs = [[ACAO, PAGE]]
            if cred == "include":
                hdrs.append([ACAC, "true"])
            if acam is not None:
                hdrs.append([ACAM, acam])
            sc = scen(req(api(), m, [], cred), {"status": 204, "headers": hdrs}, resp(cred))
            C.add(g, ["m", m, case_tag, "acam", form, "cred" if cred == "include" else ""],
                  f"method {m!r} against Access-Control-Allow-Methods {form} ({acam!r}), credentials {cred}", sc)


# --------------------------------------------------------------------------
# 2. request header sets x ACAH forms
# --------------------------------------------------------------------------
# (tag, method, headers, needs-preflight-by-spec?)  the flag only prunes the product
HEADER_SETS = [
    ("none", "GET", [], False),
    ("ct-text-plain", "POST", [["Content-Type", "text/plain"]], False),
    ("ct-form", "POST", [["Content-Type", "application/x-www-form-urlencoded"]], False),
    ("ct-multipart", "POST", [["Content-Type", "multipart/form-data; boundary=x"]], False),
    ("ct-text-charset", "POST", [["Content-Type", "text/plain; charset=utf-8"]], False),
    ("ct-text-garbage", "POST", [["Content-Type", "text/plain;garbage"]], False),
    ("accept-json", "GET", [["Accept", "application/json"]], False),
    ("accept-lang", "GET", [["Accept-Language", "en-US,en;q=0.9"]], False),
    ("content-lang", "POST", [["Content-Language", "de-DE"], ["Content-Type", "text/plain"]], False),
    ("range-open", "GET", [["Range", "bytes=0-"]], False),
    ("range-closed", "GET", [["Range", "bytes=0-10"]], False),
    ("ct-json", "POST", [["Content-Type", "application/json"]], True),
    ("authorization", "GET", [["Authorization", "Bearer t0k3n"]], True),
    ("x-api-key", "GET", [["X-Api-Key", "k-123"]], True),
    ("x-requested-with", "GET", [["X-Requested-With", "XMLHttpRequest"]], True),
    ("range-suffix", "GET", [["Range", "bytes=-5"]], True),
    ("range-inverted", "GET", [["Range", "bytes=5-1"]], True),
    ("range-multi", "GET", [["Range", "bytes=0-1,2-3"]], True),
    ("last-event-id", "GET", [["Last-Event-ID", "42"]], True),
    ("cache-control", "GET", [["Cache-Control", "no-cache"]], True),
    ("customs-order", "GET", [["X-Zeta", "1"], ["X-Alpha", "2"], ["X-Mid", "3"]], True),
    ("customs-dup-case", "GET", [["X-CUSTOM", "1"], ["x-custom", "2"], ["X-Custom", "3"]], True),
    ("json-auth-key", "POST", [["Content-Type", "application/json"], ["Authorization", "Bearer t"],
                               ["X-Api-Key", "k"]], True),
    ("accept-plus-custom", "GET", [["Accept", "application/json"], ["X-Trace", "abc"]], True),
]
CASE_SETS = {"x-api-key", "authorization", "customs-order", "ct-json", "customs-dup-case"}
EXACT_CRED_SETS = {"authorization", "x-api-key", "json-auth-key", "customs-order"}
SPACED_SETS = {"customs-order", "json-auth-key", "accept-plus-custom"}


def swapcase_names(names):
    return ", ".join(n.upper() if i % 2 == 0 else n.lower() for i, n in enumerate(names))


def gen_headers():
    g = "headers"
    for tag, method, headers, unsafe in HEADER_SETS:
        names = uniq_names(headers)
        exact = ", ".join(names)
        forms = []
        if not unsafe:
            forms = [("missing", "same-origin", None)]
            if tag in ("none", "ct-text-plain", "accept-lang"):
                forms.append(("star", "include", "*"))
        else:
            forms = [("missing", "same-origin", None), ("exact", "same-origin", exact),
                     ("star", "same-origin", "*"), ("star", "include", "*")]
            if tag in CASE_SETS:
                forms.append(("case", "same-origin", swapcase_names(names)))
            if tag in EXACT_CRED_SETS:
                forms.append(("exact", "include", exact))
            if tag in SPACED_SETS:
                forms.append(("spaced", "same-origin", " ,\t".join(names) if len(names) > 1 else names[0]))
        for form, cred, acah in forms:
            ph = [[ACAO, PAGE]]
            if cred == "include":
                ph.append([ACAC, "true"])
            ph.append([ACAM, method])
            if acah is not None:
                ph.append([ACAH, acah])
            sc = scen(req(api(), method, headers, cred), {"status": 204, "headers": ph}, resp(cred))
            C.add(g, ["h", tag, "acah", form, "cred" if cred == "include" else ""],
                  f"{method} with headers {tag} against Access-Control-Allow-Headers {form} ({acah!r}), credentials {cred}",
                  sc)


# --------------------------------------------------------------------------
# 3. credentials x ACAO x ACAC
# --------------------------------------------------------------------------
ACAO_FORMS = OrderedDict([
    ("missing", []),
    ("star", ["*"]),
    ("exact", [PAGE]),
    ("slash", [PAGE + "/"]),
    ("upper", ["HTTP://APP.EXAMPLE.TEST:8001"]),
    ("noport", ["http://app.example.test"]),
    ("https", ["https://app.example.test:8001"]),
    ("null", ["null"]),
    ("comma-list", [PAGE + ", http://cdn.example.test:8003"]),
    ("space-list", [PAGE + " http://cdn.example.test:8003"]),
    ("two-same", [PAGE, PAGE]),
    ("two-diff", [PAGE, "http://cdn.example.test:8003"]),
    ("star-and-exact", ["*", PAGE]),
    ("empty", [""]),
    ("star-star", ["*, *"]),
    ("inner-space", ["http:// app.example.test:8001"]),
])
ACAC_FORMS = OrderedDict([
    ("missing", []),
    ("true", ["true"]),
    ("upper", ["TRUE"]),
    ("title", ["True"]),
    ("false", ["false"]),
    ("empty", [""]),
    ("two-true", ["true", "true"]),
])


def cors_hdrs(acao_form, acac_form):
    return [[ACAO, v] for v in ACAO_FORMS[acao_form]] + [[ACAC, v] for v in ACAC_FORMS[acac_form]]


def gen_credentials():
    g = "credentials"
    combos = []
    for f in ACAO_FORMS:
        combos.append(("omit", f, "missing"))
    for f in ("missing", "star", "exact", "slash", "null"):
        combos.append(("same-origin", f, "missing"))
    combos.append(("omit", "exact", "false"))
    combos.append(("omit", "star", "true"))
    for a in ACAC_FORMS:
        combos.append(("include", "exact", a))
    for a in ("missing", "true", "upper", "false"):
        combos.append(("include", "star", a))
    for f in ACAO_FORMS:
        if f not in ("exact", "star"):
            combos.append(("include", f, "true"))
    for cred, acao, acac in combos:
        sc = scen(req(api(), "GET", [], cred), pf("GET", [], cred),
                  {"status": 200, "headers": cors_hdrs(acao, acac)})
        C.add(g, ["c", cred, "acao", acao, "acac", acac],
              f"simple GET, credentials {cred}, response ACAO {acao} {ACAO_FORMS[acao]!r}, ACAC {acac} {ACAC_FORMS[acac]!r}",
              sc)
    # the same forms on a preflight (PUT); the actual response is correct
    pcombos = [("same-origin", f, "missing") for f in
               ("missing", "star", "slash", "null", "comma-list", "two-same", "empty", "upper")]
    pcombos += [("include", "exact", a) for a in ("missing", "upper", "false", "empty", "two-true")]
    pcombos += [("include", "star", "true"), ("include", "null", "true"), ("include", "two-same", "true")]
    for cred, acao, acac in pcombos:
        ph = cors_hdrs(acao, acac) + [[ACAM, "PUT"]]
        sc = scen(req(api(), "PUT", [], cred), {"status": 204, "headers": ph}, resp(cred))
        C.add(g, ["c-pf", cred, "acao", acao, "acac", acac],
              f"PUT, credentials {cred}, preflight ACAO {acao} {ACAO_FORMS[acao]!r}, ACAC {acac} {ACAC_FORMS[acac]!r}",
              sc)


# --------------------------------------------------------------------------
# 4. preflight statuses
# --------------------------------------------------------------------------
def gen_preflight_status():
    g = "preflight-status"
    method, headers = "PUT", [["X-Custom", "1"]]
    statuses = list(range(200, 207)) + [299] + list(range(300, 309)) + \
        list(range(400, 406)) + [418, 429] + list(range(500, 506)) + [599]
    for st in statuses:
        sc = scen(req(api(), method, headers), pf(method, headers, status=st), resp())
        C.add(g, ["pf-status", st], f"PUT + X-Custom, preflight answers {st} with a full correct CORS header set", sc)
    for st in (301, 302, 303, 307, 308):
        p = pf(method, headers, status=st, extra=[["Location", api("pf-moved")]])
        sc = scen(req(api(), method, headers), p, resp())
        C.add(g, ["pf-status", st, "location"],
              f"PUT + X-Custom, preflight answers {st} with Location (same API) and full CORS headers", sc)
    for st in (200, 204, 301, 400, 401, 403, 404, 405, 500, 503):
        ph = [[ACAM, method], [ACAH, "X-Custom"]]
        if st == 301:
            ph.append(["Location", api("pf-moved")])
        sc = scen(req(api(), method, headers), {"status": st, "headers": ph}, resp())
        C.add(g, ["pf-status", st, "no-acao"],
              f"PUT + X-Custom, preflight answers {st} with ACAM/ACAH but no ACAO", sc)
    for st in (204, 404):
        sc = scen(req(api(), method, headers, "include"), pf(method, headers, "include", status=st), resp("include"))
        C.add(g, ["pf-status", st, "cred"], f"PUT + X-Custom with credentials, preflight answers {st}", sc)


# --------------------------------------------------------------------------
# 5. unparsable ACAM / ACAH
# --------------------------------------------------------------------------
ACAM_BAD = OrderedDict([
    ("double-comma", "GET,,PUT"),
    ("space-sep", "GET PUT"),
    ("semicolon", "GET;PUT"),
    ("quoted", '"PUT"'),
    ("trailing-comma", "PUT,"),
    ("leading-comma", ",PUT"),
    ("comma-space-comma", "PUT, ,"),
    ("only-comma", ","),
    ("paren", "P(UT, PUT"),
    ("empty", ""),
    ("non-ascii", "PUT, P\u00dcT"),
    ("tab-ows", "GET,\tPUT"),
    ("space-ows", "GET , PUT"),
    ("slash", "PUT/PATCH"),
])
ACAH_BAD = OrderedDict([
    ("double-comma", "X-Custom,,X-Other"),
    ("space-sep", "X-Custom X-Other"),
    ("semicolon", "X-Custom;X-Other"),
    ("quoted", '"X-Custom"'),
    ("trailing-comma", "X-Custom,"),
    ("leading-comma", ",X-Custom"),
    ("comma-space-comma", "X-Custom, ,"),
    ("only-comma", ","),
    ("paren", "X-Cus(tom, X-Custom"),
    ("inner-space", "X-Custom header"),
    ("empty", ""),
    ("non-ascii", "X-Custom, X-\u00e9t\u00e9"),
    ("tab-ows", "X-Other,\tX-Custom"),
    ("colon", "X-Custom: 1"),
])


def gen_parse():
    g = "parse"
    for tag, v in ACAM_BAD.items():
        ph = [[ACAO, PAGE], [ACAM, v]]
        sc = scen(req(api(), "PUT"), {"status": 204, "headers": ph}, resp())
        C.add(g, ["acam", tag], f"PUT, preflight Access-Control-Allow-Methods {v!r}", sc)
    for tag, v in ACAH_BAD.items():
        ph = [[ACAO, PAGE], [ACAM, "GET"], [ACAH, v]]
        sc = scen(req(api(), "GET", [["X-Custom", "1"]]), {"status": 204, "headers": ph}, resp())
        C.add(g, ["acah", tag], f"GET + X-Custom, preflight Access-Control-Allow-Headers {v!r}", sc)
    # a bad list in the header the request does not depend on
    for tag in ("double-comma", "space-sep", "paren"):
        ph = [[ACAO, PAGE], [ACAM, ACAM_BAD[tag]], [ACAH, "X-Custom"]]
        sc = scen(req(api(), "GET", [["X-Custom", "1"]]), {"status": 204, "headers": ph}, resp())
        C.add(g, ["acam-unused", tag],
              f"GET + X-Custom (method safelisted), preflight ACAM unparsable {ACAM_BAD[tag]!r}", sc)
        ph = [[ACAO, PAGE], [ACAM, "PUT"], [ACAH, ACAH_BAD[tag]]]
        sc = scen(req(api(), "PUT"), {"status": 204, "headers": ph}, resp())
        C.add(g, ["acah-unused", tag],
              f"PUT without custom headers, preflight ACAH unparsable {ACAH_BAD[tag]!r}", sc)


# --------------------------------------------------------------------------
# 6. expose headers
# --------------------------------------------------------------------------
EXPOSE_RESP = [
    ["ETag", '"v1"'],
    ["X-RateLimit-Remaining", "42"],
    ["Set-Cookie", "sid=abc; Path=/"],
    ["Content-Type", "application/json"],
    ["Cache-Control", "no-store"],
    ["Link", '<http://api.example.test:8002/s/@ID@/r?page=2>; rel="next"'],
    ["X-Other", "o"],
]
ACEH_FORMS = OrderedDict([
    ("missing", []),
    ("etag", ["ETag"]),
    ("etag-link", ["etag, link"]),
    ("star", ["*"]),
    ("set-cookie", ["Set-Cookie"]),
    ("ratelimit", ["X-RateLimit-Remaining"]),
    ("two-lines", ["ETag", "Link"]),
    ("star-etag", ["*, ETag"]),
    ("bad-space", ["ETag Link"]),
    ("bad-double-comma", ["ETag,,Link"]),
    ("content-type", ["Content-Type, Cache-Control"]),
])


def gen_expose():
    g = "expose"
    for form, vals in ACEH_FORMS.items():
        creds = ["same-origin"]
        if form in ("missing", "etag", "star", "set-cookie", "star-etag", "two-lines"):
            creds.append("include")
        for cred in creds:
            h = ok_headers(cred) + copy.deepcopy(EXPOSE_RESP) + [[ACEH, v] for v in vals]
            sc = scen(req(api(), "GET", [], cred), pf("GET", [], cred), {"status": 200, "headers": h})
            C.add(g, ["x", form, "cred" if cred == "include" else ""],
                  f"GET with correct CORS headers (credentials {cred}); which response headers are readable with ACEH {vals!r}", sc)
    # a star-named header exposed by a literal * under credentials
    h = ok_headers("include") + [["ETag", '"v1"'], [ACEH, "*"]]
    sc = scen(req(api(), "GET", [], "include"), pf("GET", [], "include"), {"status": 200, "headers": h})
    C.add(g, ["x", "star-only-etag", "cred"], "credentialed GET, ACEH * and an ETag: is ETag readable", sc)


# --------------------------------------------------------------------------
# 7. redirects
# --------------------------------------------------------------------------
def hop(status, location, acao=("*",), extra=(), nxt=None):
    h = [["Location", location]] + [[ACAO, v] for v in acao] + [list(x) for x in extra]
    r = {"status": status, "headers": h}
    if nxt is not None:
        r["next"] = nxt
    return r


def final(acao=("*",), status=200, extra=()):
    return {"status": status, "headers": [[ACAO, v] for v in acao] + [list(x) for x in extra]}


TARGETS = OrderedDict([
    ("cdn", lambda: cdn("hop1")),
    ("api", lambda: api("hop1")),
    ("app", lambda: app("hop1")),
])


def gen_redirects():
    g = "redirect"
    R = lambda **kw: req(api("start"), **kw)
    # status x target, everything '*'
    for st in (301, 302, 303, 307, 308):
        for t, loc in TARGETS.items():
            sc = scen(R(), pf(), hop(st, loc(), nxt={"preflight": pf(origin="*"), "response": final()}))
            C.add(g, ["rd", st, "to", t, "star"], f"GET, {st} to {t} (3xx ACAO *), target ACAO *", sc)
    # target ACAO exact / null on 302 and 307
    for st in (302, 307):
        for t, loc in TARGETS.items():
            if st == 307 and t != "cdn":
                continue
            for tv in ("exact", "null"):
                v = PAGE if tv == "exact" else "null"
                sc = scen(R(), pf(), hop(st, loc(), nxt={"preflight": pf(origin=v), "response": final((v,))}))
                C.add(g, ["rd", st, "to", t, "target", tv], f"GET, {st} to {t} (3xx ACAO *), target ACAO {v!r}", sc)
    # 3xx without ACAO, with exact, with mismatch
    for st in (301, 302, 303, 307, 308):
        sc = scen(R(), pf(), hop(st, cdn(), acao=(), nxt={"response": final()}))
        C.add(g, ["rd", st, "no-acao-on-3xx"], f"GET, {st} to cdn without ACAO on the 3xx, target ACAO *", sc)
    sc = scen(R(), pf(), hop(302, api("hop1"), acao=(), nxt={"response": final((PAGE,))}))
    C.add(g, ["rd-302-same-api-no-acao-on-3xx"], "GET, 302 to the same API origin without ACAO on the 3xx", sc)
    sc = scen(R(), pf(), hop(302, cdn(), acao=(PAGE,), nxt={"response": final()}))
    C.add(g, ["rd-302-exact-on-3xx"], "GET, 302 to cdn with exact ACAO on the 3xx, target ACAO *", sc)
    sc = scen(R(), pf(), hop(302, cdn(), acao=("http://cdn.example.test:8003",), nxt={"response": final()}))
    C.add(g, ["rd-302-mismatch-on-3xx"], "GET, 302 to cdn with a non-matching ACAO on the 3xx", sc)
    # credentials include through redirects
    inc = lambda: R(cred="include")
    cr = [[ACAC, "true"]]
    sc = scen(inc(), pf(cred="include"), hop(302, cdn(), (PAGE,), cr, {"response": final(("null",), extra=cr)}))
    C.add(g, ["rd-cred-cdn-null"], "credentialed GET, 302 to cdn, target ACAO null + ACAC true", sc)
    sc = scen(inc(), pf(cred="include"), hop(302, cdn(), (PAGE,), cr, {"response": final(("*",), extra=cr)}))
    C.add(g, ["rd-cred-cdn-star"], "credentialed GET, 302 to cdn, target ACAO * + ACAC true", sc)
    sc = scen(inc(), pf(cred="include"), hop(302, cdn(), (PAGE,), cr, {"response": final((PAGE,), extra=cr)}))
    C.add(g, ["rd-cred-cdn-exact"], "credentialed GET, 302 to cdn, target ACAO exact page origin + ACAC true", sc)
    sc = scen(inc(), pf(cred="include"), hop(302, api("hop1"), (PAGE,), cr, {"response": final((PAGE,), extra=cr)}))
    C.add(g, ["rd-cred-api-exact"], "credentialed GET, 302 within the API origin, target exact + ACAC true", sc)
    sc = scen(inc(), pf(cred="include"), hop(302, cdn(), ("*",), cr, {"response": final(("null",), extra=cr)}))
    C.add(g, ["rd-cred-star-on-3xx"], "credentialed GET, 302 with ACAO * on the 3xx", sc)
    sc = scen(inc(), pf(cred="include"), hop(302, cdn(), (PAGE,), (), {"response": final(("null",), extra=cr)}))
    C.add(g, ["rd-cred-no-acac-on-3xx"], "credentialed GET, 302 with exact ACAO but no ACAC on the 3xx", sc)

    # preflighted requests that get redirected
    H = [["X-Custom", "1"]]
    put = lambda: R(method="PUT", headers=H)
    star_pf = lambda m="PUT", h=H: pf(m, h, origin="*")
    sc = scen(put(), pf("PUT", H), hop(307, cdn(), (PAGE,), nxt={"preflight": star_pf(), "response": final()}))
    C.add(g, ["rd-pf-307-cdn-star"], "PUT + X-Custom, preflight OK, actual 307 to cdn; cdn preflight and response ACAO *", sc)
    sc = scen(put(), pf("PUT", H), hop(307, cdn(), (PAGE,), nxt={"preflight": pf("PUT", H), "response": final((PAGE,))}))
    C.add(g, ["rd-pf-307-cdn-exact"], "PUT + X-Custom, 307 to cdn; cdn preflight and response ACAO exact page origin", sc)
    sc = scen(put(), pf("PUT", H), hop(307, cdn(), (PAGE,), nxt={"preflight": pf("PUT", H, origin="null"),
                                                                  "response": final(("null",))}))
    C.add(g, ["rd-pf-307-cdn-null"], "PUT + X-Custom, 307 to cdn; cdn preflight and response ACAO null", sc)
    sc = scen(put(), pf("PUT", H), hop(307, api("hop1"), (PAGE,), nxt={"preflight": pf("PUT", H),
                                                                        "response": final((PAGE,))}))
    C.add(g, ["rd-pf-307-api-exact"], "PUT + X-Custom, 307 within the API origin; preflight/response exact", sc)
    sc = scen(put(), pf("PUT", H), hop(308, cdn(), (PAGE,), nxt={"preflight": {"status": 404, "headers": []},
                                                                  "response": final()}))
    C.add(g, ["rd-pf-308-cdn-pf-404"], "PUT + X-Custom, 308 to cdn whose preflight is a bare 404", sc)
    sc = scen(put(), pf("PUT", H), hop(303, cdn(), (PAGE,), nxt={"preflight": {"status": 404, "headers": []},
                                                                  "response": final()}))
    C.add(g, ["rd-pf-303-cdn-becomes-get"], "PUT + X-Custom, 303 to cdn; cdn preflight 404", sc)
    sc = scen(put(), pf("PUT", H), hop(301, cdn(), (PAGE,), nxt={"preflight": star_pf(), "response": final()}))
    C.add(g, ["rd-pf-301-put-cdn"], "PUT + X-Custom, 301 to cdn; cdn preflight ACAO *", sc)
    J = [["Content-Type", "application/json"]]
    sc = scen(R(method="POST", headers=J), pf("POST", J),
              hop(302, cdn(), (PAGE,), nxt={"preflight": {"status": 404, "headers": []}, "response": final()}))
    C.add(g, ["rd-pf-302-post-json-to-get"],
          "POST application/json, 302 to cdn; cdn preflight 404", sc)
    sc = scen(R(method="POST", headers=J), pf("POST", J),
              hop(307, cdn(), (PAGE,), nxt={"preflight": {"status": 404, "headers": []}, "response": final()}))
    C.add(g, ["rd-pf-307-post-json-keeps"], "POST application/json, 307 to cdn; cdn preflight 404", sc)
    A = [["Authorization", "Bearer t"]]
    sc = scen(R(headers=A), pf("GET", A),
              hop(302, cdn(), (PAGE,), nxt={"preflight": {"status": 404, "headers": []}, "response": final()}))
    C.add(g, ["rd-pf-auth-dropped-cdn"],
          "GET + Authorization, 302 to cdn; cdn preflight 404", sc)
    AX = [["Authorization", "Bearer t"], ["X-Custom", "1"]]
    sc = scen(R(headers=AX), pf("GET", AX),
              hop(302, cdn(), (PAGE,), nxt={"preflight": pf("GET", AX, origin="*", acah="X-Custom"), "response": final()}))
    C.add(g, ["rd-pf-auth-x-custom-cdn"],
          "GET + Authorization + X-Custom, 302 to cdn; cdn preflight ACAO * and ACAH X-Custom only", sc)
    sc = scen(R(headers=A), pf("GET", A),
              hop(302, api("hop1"), (PAGE,), nxt={"preflight": pf("GET", A), "response": final((PAGE,))}))
    C.add(g, ["rd-pf-auth-kept-same-api"], "GET + Authorization, 302 within the API origin; preflight and response exact", sc)

    # the preflight itself redirects
    for st in (301, 302, 307, 308):
        p = pf("PUT", H, status=st, extra=[["Location", api("pf-hop")]])
        sc = scen(put(), p, resp())
        C.add(g, ["rd-preflight", st], f"PUT + X-Custom, the preflight answers {st} with Location and full CORS headers", sc)
    sc = scen(put(), {"status": 302, "headers": [["Location", cdn("pf-hop")]]}, resp())
    C.add(g, ["rd-preflight-302-bare"], "PUT + X-Custom, the preflight answers 302 to cdn without CORS headers", sc)

    # userinfo in Location
    for tag, loc in (("cdn", f"http://user:pass@cdn.example.test:8003/s/{IDT}/hop1"),
                     ("api", f"http://user:pass@api.example.test:8002/s/{IDT}/hop1"),
                     ("app", f"http://user:pass@app.example.test:8001/s/{IDT}/hop1"),
                     ("cdn-user-only", f"http://user@cdn.example.test:8003/s/{IDT}/hop1")):
        sc = scen(R(), pf(), hop(302, loc, nxt={"response": final()}))
        C.add(g, ["rd-userinfo", tag], f"GET, 302 to a Location with userinfo ({tag})", sc)

    # chains
    sc = scen(R(), pf(), hop(302, cdn("hop1"), nxt={"response": hop(302, api("hop2"), nxt={"response": final()})}))
    C.add(g, ["rd-chain-api-cdn-api"], "GET, api -> cdn -> api, all ACAO *", sc)
    sc = scen(R(), pf(), hop(302, api("hop1"), nxt={"response": hop(307, cdn("hop2"), nxt={"response": final()})}))
    C.add(g, ["rd-chain-api-api-cdn"], "GET, api -> api -> cdn, all ACAO *", sc)
    sc = scen(R(), pf(), hop(301, cdn("hop1"), nxt={"response": hop(302, api("hop2"),
                                                                    nxt={"response": final((PAGE,))})}))
    C.add(g, ["rd-chain-back-to-api-exact"], "GET, api -> cdn -> api, final ACAO exact page origin", sc)
    sc = scen(R(), pf(), hop(302, cdn("hop1"), nxt={"response": hop(302, app("hop2"),
                                                                    nxt={"response": final(("null",))})}))
    C.add(g, ["rd-chain-api-cdn-app-null"], "GET, api -> cdn -> page origin, final ACAO null", sc)
    sc = scen(R(), pf(), hop(302, cdn("hop1"), nxt={"response": hop(302, cdn("hop2"), nxt={
        "response": hop(302, api("hop3"), nxt={"response": final()})})}))
    C.add(g, ["rd-chain-3-hops"], "GET, api -> cdn -> cdn -> api, all ACAO *", sc)
    sc = scen(R(), pf(), hop(302, cdn("hop1"), nxt={"response": hop(302, cdn("hop2"), acao=(),
                                                                    nxt={"response": final()})}))
    C.add(g, ["rd-chain-2nd-3xx-no-acao"], "GET, api -> cdn -> cdn, the second 3xx has no ACAO", sc)

    # method rewriting
    T = [["Content-Type", "text/plain"]]
    for st in (301, 302, 303, 307, 308):
        sc = scen(R(method="POST", headers=T), pf("POST", T),
                  hop(st, cdn(), nxt={"preflight": pf("POST", T, origin="*"), "response": final()}))
        C.add(g, ["rd-post", st, "cdn"], f"POST text/plain, {st} to cdn; cdn preflight and response ACAO *", sc)
    sc = scen(R(method="HEAD"), pf("HEAD"), hop(303, cdn(), nxt={"response": final()}))
    C.add(g, ["rd-head-303"], "HEAD, 303 to cdn, target ACAO *", sc)

    # relative Locations
    for tag, loc in (("abs-path", f"/s/{IDT}/hop1"), ("rel-path", "hop1"),
                     ("scheme-rel", f"//cdn.example.test:8003/s/{IDT}/hop1"), ("rel-query", "hop1?page=2")):
        sc = scen(R(), pf(), hop(302, loc, nxt={"response": final()}))
        C.add(g, ["rd-relative", tag], f"GET, 302 with relative Location {loc!r}", sc)

    # no Location: a 3xx that is not a redirect
    sc = scen(R(), pf(), {"status": 302, "headers": [[ACAO, "*"]]})
    C.add(g, ["rd-302-no-location"], "GET, 302 without Location (an ordinary 3xx response)", sc)

    # start on the page origin, then go cross-origin
    for tv, v in (("exact", PAGE), ("null", "null"), ("star", "*")):
        sc = scen(req(app("start")), pf(), hop(302, api("hop1"), acao=(),
                                               nxt={"preflight": pf(origin=v), "response": final((v,))}))
        C.add(g, ["rd-from-page", "to-api", tv], f"GET on the page origin, 302 to api, api ACAO {v!r}", sc)
    sc = scen(req(app("start"), cred="include"), pf(cred="include"),
              hop(302, api("hop1"), acao=(), nxt={"response": final((PAGE,), extra=[[ACAC, "true"]])}))
    C.add(g, ["rd-from-page-to-api-cred"], "credentialed GET on the page origin, 302 to api, exact + ACAC true", sc)

    # the 20-redirect limit (exactly 20 hops, and 21)
    for n in (20, 21):
        node = final()
        for i in range(n, 0, -1):
            node = hop(302, api(f"hop{i}"), nxt={"response": node})
        sc = scen(R(), pf(), node)
        C.add(g, ["rd-limit", n], f"GET through {n} same-API redirects, all ACAO *", sc)


# --------------------------------------------------------------------------
# 9. modes
# --------------------------------------------------------------------------
def gen_modes():
    g = "modes"
    X = [["X-Custom", "1"]]
    T = [["Content-Type", "text/plain"]]
    J = [["Content-Type", "application/json"]]
    nc = [
        ("get-no-acao", "GET", [], "same-origin", {"status": 200, "headers": []}),
        ("get-acao", "GET", [], "same-origin", resp()),
        ("get-custom", "GET", X, "same-origin", {"status": 200, "headers": []}),
        ("post-text", "POST", T, "same-origin", {"status": 200, "headers": []}),
        ("post-json", "POST", J, "same-origin", {"status": 200, "headers": []}),
        ("put", "PUT", [], "same-origin", {"status": 200, "headers": []}),
        ("put-custom", "PUT", X, "same-origin", {"status": 200, "headers": []}),
        ("get-cred", "GET", [], "include", {"status": 200, "headers": []}),
        ("get-redirect-cdn", "GET", [], "same-origin",
         hop(302, cdn(), acao=(), nxt={"response": {"status": 200, "headers": []}})),
    ]
    for tag, m, h, cred, r in nc:
        sc = scen(req(api(), m, h, cred, mode="no-cors"), pf(m, h, cred), r)
        C.add(g, ["no-cors", tag], f"mode no-cors, {m} {[x[0] for x in h]}, credentials {cred}", sc)
    for tag, m, h in (("get", "GET", []), ("put-custom", "PUT", X)):
        sc = scen(req(api(), m, h, mode="same-origin"), pf(m, h, origin="*"),
                  {"status": 200, "headers": [[ACAO, "*"]]})
        C.add(g, ["mode-same-origin-cross", tag], f"mode same-origin to the cross-origin API, {m}", sc)
    sc = scen(req(app("start"), mode="same-origin"), pf(),
              hop(302, api("hop1"), acao=(), nxt={"response": final()}))
    C.add(g, ["mode-same-origin-redirect-cross"], "mode same-origin on the page origin, 302 to the API", sc)
    same = [
        ("get", "GET", [], "same-origin", "cors"),
        ("put-auth-custom", "PUT", [["Authorization", "Bearer t"], ["X-Custom", "1"]], "same-origin", "cors"),
        ("delete-cred", "DELETE", [], "include", "cors"),
        ("patch-lc", "patch", J, "omit", "cors"),
        ("get-mode-same-origin", "GET", [], "same-origin", "same-origin"),
        ("get-no-cors", "GET", [], "same-origin", "no-cors"),
        ("post-json-mode-so", "POST", J, "include", "same-origin"),
    ]
    for tag, m, h, cred, mode in same:
        sc = scen(req(app(), m, h, cred, mode=mode), pf(m, h, cred), {"status": 200, "headers": []})
        C.add(g, ["same-origin-url", tag],
              f"request to the page origin itself: {m} {[x[0] for x in h]}, credentials {cred}, mode {mode}", sc)


# --------------------------------------------------------------------------
# 8. XHR repeats of a representative subset
# --------------------------------------------------------------------------
XHR_PICK = {"methods": 5, "headers": 6, "credentials": 6, "preflight-status": 3, "parse": 3,
            "expose": 3, "redirect": 6}


def gen_xhr():
    g = "xhr"
    picked = []
    for src, n in XHR_PICK.items():
        pool = [it for it in C.items if it["group"] == src
                and it["scenario"]["request"]["credentials"] != "omit"
                and it["scenario"]["request"]["mode"] == "cors"
                and it["scenario"]["page_origin"] == PAGE
                and not it["id"].startswith("rd-limit")]
        if not pool:
            continue
        idx = sorted({round(i * (len(pool) - 1) / max(n - 1, 1)) for i in range(n)})
        picked += [pool[i] for i in idx]
    # make sure the message-suffix cases are in (X for wildcard/credentials, F for the rest)
    must = ["c-include-acao-star-acac-true", "c-include-acao-exact-acac-missing", "c-same-origin-acao-missing-acac-missing",
            "c-same-origin-acao-slash-acac-missing", "c-include-acao-comma-list-acac-true",
            "c-include-acao-empty-acac-true", "c-include-acao-two-diff-acac-true", "c-pf-include-acao-star-acac-true",
            "c-pf-include-acao-exact-acac-false", "h-authorization-acah-missing", "m-patch-lc-acam-upper"]
    have = {it["id"] for it in picked}
    for mid in must:
        if mid not in have:
            found = [it for it in C.items if it["id"] == mid]
            assert len(found) == 1, mid
            picked += found
            have.add(mid)
    for it in picked:
        sc = copy.deepcopy(it["scenario"])
        sc["request"]["initiator"] = "xhr"
        sid = C.make_id("xhr", it["id"])
        C.ids.add(sid)
        sc = substitute(sc, f"/s/{it['id']}/", f"/s/{sid}/")
        C.items.append({"id": sid, "group": g, "description": "XHR: " + it["description"], "scenario": sc})


# --------------------------------------------------------------------------
# Edge cases (hand-written)
# --------------------------------------------------------------------------
UNSAFE_BYTES = [chr(b) for b in list(range(0x01, 0x09)) + [0x0B, 0x0C] + list(range(0x0E, 0x20)) + [0x7F]] + \
    list('"():<>?@[\\]{}')


def byte_tag(ch: str) -> str:
    return f"{ord(ch):02x}"


def probe_scenario(method, headers, cred="same-origin"):
    """Request with the headers under test plus X-Probe (forces a preflight so the
    ACRH the browser sends is always observable); the preflight lists every name."""
    h = list(headers) + [["X-Probe", "1"]]
    return scen(req(api(), method, h, cred), pf(method, h, cred), resp(cred))


def pad(prefix: str, total: int, fill: str = "a") -> str:
    assert len(prefix.encode("latin-1")) <= total
    return prefix + fill * (total - len(prefix))


def gen_edge():
    g = "edge"

    # --- 128 / 129 byte values (no probe: the observation is whether a preflight happens)
    lens = [
        ("accept", "GET", "Accept", "text/html,application/json;q=0.9,x/"),
        ("accept-language", "GET", "Accept-Language", "en-US,en;q=0.9,de;q=0.8,"),
        ("content-language", "GET", "Content-Language", "de-DE, en-"),
        ("content-type", "POST", "Content-Type", "text/plain; charset="),
    ]
    for tag, m, name, prefix in lens:
        for n in (128, 129):
            h = [[name, pad(prefix, n)]]
            sc = scen(req(api(), m, h), pf(m, h), resp())
            C.add(g, ["e-len", tag, n], f"{name} value of exactly {n} bytes", sc)

    # --- total size of safelisted values: 1024 vs 1025 (Chrome's extra safelisted names
    # intervention/dpr/width/rtt/save-data are needed to get past 4 x 128)
    def total_set(last_len):
        h = [["Accept", pad("text/plain,", 128)],
             ["Accept-Language", pad("en,", 128)],
             ["Content-Language", pad("de,", 128)],
             ["Content-Type", pad("text/plain; charset=", 128)],
             ["Intervention", pad("x", 128)],
             ["DPR", "1" * 128],
             ["Width", "2" * 128],
             ["RTT", "3" * last_len],
             ["Save-Data", "on"]]
        return h
    for total, last in ((1024, 126), (1025, 127)):
        h = total_set(last)
        assert sum(len(v) for _, v in h) == total, total
        sc = probe_scenario("POST", h)
        C.add(g, ["e-total", total], f"nine Chrome-safelisted headers whose values total {total} bytes (+X-Probe)", sc)
    h = [["Accept", pad("text/plain,", 128)], ["Accept-Language", pad("en,", 128)],
         ["Content-Language", pad("de,", 128)], ["Content-Type", pad("text/plain; charset=", 128)]]
    sc = probe_scenario("POST", h)
    C.add(g, ["e-total-spec-four-128"], "the four spec-safelisted headers at 128 bytes each (512 total, +X-Probe)", sc)

    # --- duplicate header entries (fetch Headers.append): combined length / combined value
    for tag, name, vals in (
        ("accept-2x60", "Accept", ["a/" + "b" * 58] * 2),         # combined 122
        ("accept-2x64", "Accept", ["a/" + "b" * 62] * 2),         # combined 130, each 64
        ("accept-9x114", "Accept", ["a/" + "b" * 112] * 9),       # each 114, total 1026
        ("lang-2x64", "Accept-Language", ["en" + "x" * 62] * 2),
        ("ct-2-values", "Content-Type", ["text/plain", "text/plain"]),
        ("ct-plain-json", "Content-Type", ["text/plain", "application/json"]),
    ):
        h = [[name, v] for v in vals]
        m = "POST" if name == "Content-Type" else "GET"
        sc = probe_scenario(m, h)
        C.add(g, ["e-dup", tag], f"{name} appended {len(vals)} times ({tag}) (+X-Probe)", sc)

    # --- Chrome's extra safelisted (client hint / intervention) request headers
    for tag, name, v in (
        ("dpr-ok", "DPR", "2"), ("dpr-frac", "DPR", "1.5"), ("dpr-bad", "DPR", "abc"),
        ("device-memory", "Device-Memory", "8"), ("width", "Width", "100"), ("width-bad", "Width", "1.5"),
        ("viewport-width", "Viewport-Width", "1280"), ("rtt", "RTT", "50"), ("downlink", "Downlink", "1.5"),
        ("ect-4g", "ECT", "4g"), ("ect-bad", "ECT", "5g"), ("save-data-on", "Save-Data", "on"),
        ("save-data-off", "Save-Data", "off"), ("intervention", "Intervention", "x"),
    ):
        sc = probe_scenario("GET", [[name, v]])
        C.add(g, ["e-hint", tag], f"{name}: {v!r} (Chrome safelists some client-hint names) (+X-Probe)", sc)
    sc = scen(req(api(), "GET", [["DPR", "2"]]), pf("GET", [["DPR", "2"]]), resp())
    C.add(g, ["e-hint-dpr-alone"], "DPR: 2 alone: does Chrome send a preflight at all?", sc)

    # --- unsafe bytes in Accept and Content-Type (one scenario per byte), and in the two
    # language headers (both in one request per byte: the ACRH tells each apart)
    for ch in UNSAFE_BYTES:
        h = [["Accept", "text/a" + ch + "b"]]
        C.add(g, ["e-byte-accept", byte_tag(ch)], f"Accept containing byte 0x{ord(ch):02X} (+X-Probe)",
              probe_scenario("GET", h))
    for ch in UNSAFE_BYTES:
        h = [["Content-Type", "text/plain; charset=a" + ch + "b"]]
        C.add(g, ["e-byte-ct", byte_tag(ch)], f"Content-Type containing byte 0x{ord(ch):02X} in a parameter (+X-Probe)",
              probe_scenario("POST", h))
    for ch in UNSAFE_BYTES:
        h = [["Accept-Language", "en" + ch + "US"], ["Content-Language", "de" + ch + "DE"]]
        C.add(g, ["e-byte-lang", byte_tag(ch)],
              f"Accept-Language and Content-Language containing byte 0x{ord(ch):02X} (+X-Probe)",
              probe_scenario("GET", h))

    # --- allowed-but-unusual bytes and values
    unusual = [
        ("accept-tab", "GET", [["Accept", "text/html,\tapplication/json"]]),
        ("accept-high", "GET", [["Accept", "text/h\u00e9ml"]]),
        ("accept-star", "GET", [["Accept", "*/*;q=0.8, text/*"]]),
        ("accept-lang-tab", "GET", [["Accept-Language", "en,\tde"]]),
        ("accept-lang-high", "GET", [["Accept-Language", "fr-\u00e9"]]),
        ("accept-lang-star-punct", "GET", [["Accept-Language", "*;q=0.5, en-US.x=1"]]),
        ("accept-lang-underscore", "GET", [["Accept-Language", "en_US"]]),
        ("accept-lang-slash", "GET", [["Accept-Language", "en/US"]]),
        ("content-lang-high", "GET", [["Content-Language", "d\u00ff"]]),
        ("content-lang-plus", "GET", [["Content-Language", "de+DE"]]),
        ("ct-upper", "POST", [["Content-Type", "TEXT/PLAIN"]]),
        ("ct-tab-param", "POST", [["Content-Type", "text/plain;\tcharset=utf-8"]]),
        ("ct-quoted-param", "POST", [["Content-Type", 'text/plain; charset="utf-8"']]),
        ("ct-high-param", "POST", [["Content-Type", "text/plain; charset=\u00e9"]]),
        ("ct-comma-list", "POST", [["Content-Type", "text/plain, application/json"]]),
        ("ct-space-before-semi", "POST", [["Content-Type", "text/plain ; charset=utf-8"]]),
        ("ct-trailing-semi", "POST", [["Content-Type", "text/plain;"]]),
        ("ct-multipart-no-boundary", "POST", [["Content-Type", "multipart/form-data"]]),
        ("ct-form-charset", "POST", [["Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"]]),
        ("ct-text-html", "POST", [["Content-Type", "text/html"]]),
        ("ct-space-in-type", "POST", [["Content-Type", "text /plain"]]),
        ("ct-no-subtype", "POST", [["Content-Type", "text/"]]),
        ("range-spaces", "GET", [["Range", "bytes = 0-10"]]),
        ("range-upper", "GET", [["Range", "BYTES=0-10"]]),
        ("range-leading-zero", "GET", [["Range", "bytes=00-010"]]),
        ("range-items", "GET", [["Range", "items=0-10"]]),
    ]
    for tag, m, h in unusual:
        C.add(g, ["e-val", tag], f"{h[0][0]}: {h[0][1]!r} (+X-Probe)", probe_scenario(m, h))

    # --- method case
    for tag, m, acam in (("patch-vs-upper", "patch", "PATCH"), ("upper-vs-patch", "PATCH", "patch"),
                         ("mixed-vs-both", "Patch", "PATCH, patch"), ("foo-vs-upper", "foo", "FOO"),
                         ("put-lc-vs-lc", "put", "put"), ("delete-vs-lc", "DELETE", "delete"),
                         ("patch-vs-lc", "patch", "patch")):
        sc = scen(req(api(), m), {"status": 204, "headers": [[ACAO, PAGE], [ACAM, acam]]}, resp())
        C.add(g, ["e-method", tag], f"method {m!r} against ACAM {acam!r}", sc)

    # --- forbidden request headers set by the page (dropped silently), each with X-Probe
    forbidden = [
        ("Accept-Charset", "utf-8"), ("Accept-Encoding", "identity"), ("Connection", "close"),
        ("Content-Length", "0"), ("Cookie", "a=b"), ("Cookie2", "x"), ("Date", "Tue, 01 Jan 2030 00:00:00 GMT"),
        ("DNT", "1"), ("Expect", "100-continue"), ("Host", "api.example.test:8002"), ("Keep-Alive", "timeout=5"),
        ("Origin", "http://cdn.example.test:8003"), ("Referer", "http://cdn.example.test:8003/"),
        ("Set-Cookie", "a=b"), ("TE", "trailers"), ("Trailer", "X-Foo"), ("Transfer-Encoding", "identity"),
        ("Upgrade", "h2c"), ("Via", "1.1 proxy"), ("Sec-Foo", "1"), ("Proxy-Foo", "1"),
        ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-evil"),
    ]
    for name, v in forbidden:
        C.add(g, ["e-forbidden", name], f"page sets forbidden header {name} (+X-Probe); observe the ACRH",
              probe_scenario("GET", [[name, v]]))
    for name, v in (("X-HTTP-Method-Override", "TRACE"), ("X-HTTP-Method-Override", "GET"),
                    ("X-HTTP-Method", "connect"), ("X-Method-Override", "TRACK"),
                    ("X-Method-Override", "TRACE, GET"), ("X-HTTP-Method-Override", "PUT")):
        C.add(g, ["e-forbidden", name, v], f"page sets {name}: {v} (+X-Probe)", probe_scenario("GET", [[name, v]]))
    sc = scen(req(api(), "GET", [["Cookie", "a=b"], ["Origin", "http://cdn.example.test:8003"]]),
              pf("GET", [["Cookie", "a=b"]]), resp())
    C.add(g, ["e-forbidden-only"], "GET with only forbidden headers (Cookie, Origin): is a preflight sent", sc)

    # --- Access-Control-* response headers set in the request by the page
    for tag, h, acah in (
        ("acao-not-allowed", [[ACAO, "*"]], None),
        ("acao-allowed", [[ACAO, "*"]], ACAO),
        ("acac-acam", [[ACAC, "true"], [ACAM, "GET, POST"]], "Content-Type"),
        ("acao-with-star-acah", [[ACAO, "*"]], "*"),
    ):
        ph = [[ACAO, PAGE], [ACAM, "GET"]] + ([[ACAH, acah]] if acah else [])
        sc = scen(req(api(), "GET", h), {"status": 204, "headers": ph}, resp())
        C.add(g, ["e-cors-in-request", tag], f"page sets {[x[0] for x in h]} as request headers; preflight ACAH {acah!r}", sc)

    # --- seed mistakes, one exchange each
    X = [["X-Custom", "1"]]
    AUTH = [["Authorization", "Bearer t"]]
    J = [["Content-Type", "application/json"]]
    seeds = []
    seeds.append(("no-acao", "missing-allow-origin: no CORS headers at all",
                  scen(req(api()), pf(), {"status": 200, "headers": [["Content-Type", "application/json"]]})))
    seeds.append(("no-acao-post-json", "missing-allow-origin: preflight OK, JSON POST response without ACAO",
                  scen(req(api(), "POST", J), pf("POST", J), {"status": 201, "headers": []})))
    seeds.append(("options-404", "preflight-not-handled: OPTIONS 404 without headers",
                  scen(req(api(), "PUT", J), {"status": 404, "headers": [["Content-Type", "text/html"]]}, resp())))
    seeds.append(("options-405", "preflight-not-handled: OPTIONS 405 with Allow and no CORS",
                  scen(req(api(), "DELETE"), {"status": 405, "headers": [["Allow", "GET, POST"]]}, resp())))
    seeds.append(("options-404-with-acao", "preflight-not-handled: OPTIONS 404 but CORS headers present",
                  scen(req(api(), "PUT", J), pf("PUT", J, status=404), resp())))
    seeds.append(("auth-before-cors-401", "preflight-blocked-by-auth: preflight 401 without CORS headers",
                  scen(req(api(), "GET", AUTH), {"status": 401, "headers": [["WWW-Authenticate", "Bearer"]]}, resp())))
    seeds.append(("auth-before-cors-403-acao", "preflight-blocked-by-auth: preflight 403 with CORS headers",
                  scen(req(api(), "GET", AUTH), pf("GET", AUTH, status=403), resp())))
    seeds.append(("wildcard-cred", "wildcard-with-credentials: ACAO * with credentials include",
                  scen(req(api(), cred="include"), pf(cred="include"),
                       {"status": 200, "headers": [[ACAO, "*"], [ACAC, "true"]]})))
    seeds.append(("wildcard-cred-preflight", "wildcard-with-credentials on the preflight of a credentialed PUT",
                  scen(req(api(), "PUT", J, "include"),
                       {"status": 204, "headers": [[ACAO, "*"], [ACAC, "true"], [ACAM, "PUT"], [ACAH, "Content-Type"]]},
                       resp("include"))))
    seeds.append(("acac-missing", "credentials-not-allowed: exact ACAO, no ACAC, credentials include",
                  scen(req(api(), cred="include"), pf(cred="include"), resp("same-origin"))))
    seeds.append(("acac-missing-preflight", "credentials-not-allowed on the preflight",
                  scen(req(api(), "PUT", X, "include"),
                       {"status": 204, "headers": [[ACAO, PAGE], [ACAM, "PUT"], [ACAH, "X-Custom"]]}, resp("include"))))
    for tag, v in (("trailing-slash", PAGE + "/"), ("https", "https://app.example.test:8001"),
                   ("www", "http://www.app.example.test:8001"), ("no-scheme", "app.example.test:8001"),
                   ("wrong-port", "http://app.example.test:3000"), ("localhost", "http://localhost:3000"),
                   ("other-env", "http://staging.example.test:8001"), ("default-port", "http://app.example.test:80")):
        seeds.append((f"origin-typo-{tag}", f"origin-mismatch: ACAO {v!r}",
                      scen(req(api()), pf(), {"status": 200, "headers": [[ACAO, v]]})))
    seeds.append(("two-layers-same", "multiple-allow-origin: two layers add the same ACAO",
                  scen(req(api()), pf(), {"status": 200, "headers": [[ACAO, PAGE], ["Vary", "Origin"], [ACAO, PAGE]]})))
    seeds.append(("two-layers-star-exact", "multiple-allow-origin: gateway adds *, app adds exact",
                  scen(req(api()), pf(), {"status": 200, "headers": [[ACAO, "*"], [ACAO, PAGE]]})))
    seeds.append(("two-layers-preflight", "multiple-allow-origin on the preflight",
                  scen(req(api(), "PUT"), {"status": 204, "headers": [[ACAO, PAGE], [ACAO, PAGE], [ACAM, "PUT"]]},
                       resp())))
    seeds.append(("auth-not-in-acah", "header-not-allowed: Authorization missing from ACAH",
                  scen(req(api(), "GET", AUTH + J), pf("GET", AUTH + J, acah="Content-Type"), resp())))
    seeds.append(("custom-not-in-acah", "header-not-allowed: X-Custom missing from ACAH",
                  scen(req(api(), "POST", J + X), pf("POST", J + X, acah="Content-Type"), resp())))
    seeds.append(("two-headers-not-in-acah", "header-not-allowed: which of two missing headers is reported",
                  scen(req(api(), "GET", [["X-Zeta", "1"], ["X-Beta", "2"]]), pf("GET", X, acah="X-Other"), resp())))
    seeds.append(("put-not-in-acam", "method-not-allowed: PUT missing from ACAM",
                  scen(req(api(), "PUT", J), pf("PUT", J, extra=()), resp())))
    seeds[-1][2]["preflight"]["headers"] = [[ACAO, PAGE], [ACAM, "GET, POST"], [ACAH, "Content-Type"]]
    seeds.append(("delete-not-in-acam", "method-not-allowed: DELETE missing from ACAM",
                  scen(req(api(), "DELETE"), {"status": 204, "headers": [[ACAO, PAGE], [ACAM, "GET, POST, PUT"]]},
                       resp())))
    seeds.append(("star-acah-auth", "wildcard-authorization: ACAH * relied on for Authorization",
                  scen(req(api(), "GET", AUTH), pf("GET", AUTH, origin="*", acah="*"),
                       {"status": 200, "headers": [[ACAO, "*"]]})))
    seeds.append(("star-acah-auth-and-list", "ACAH '*, Authorization' with Authorization + X-Custom",
                  scen(req(api(), "GET", AUTH + X), pf("GET", AUTH + X, acah="*, Authorization"), resp())))
    seeds.append(("star-acah-auth-cred", "ACAH * with credentials: literal only, Authorization and X-Custom",
                  scen(req(api(), "GET", AUTH + X, "include"), pf("GET", AUTH + X, "include", acah="*"),
                       resp("include"))))
    for st in (401, 403, 404, 500, 502):
        seeds.append((f"error-{st}-no-cors", f"error-response-without-cors: simple GET answered {st} without CORS headers",
                      scen(req(api()), pf(), {"status": st, "headers": [["Content-Type", "application/json"]]})))
    seeds.append(("error-401-with-cors", "error response 401 WITH CORS headers (the page reads the 401)",
                  scen(req(api()), pf(), resp(status=401))))
    seeds.append(("error-500-after-preflight", "error-response-without-cors: preflight OK, actual 500 without ACAO",
                  scen(req(api(), "PUT", J), pf("PUT", J), {"status": 500, "headers": []})))
    seeds.append(("cors-on-preflight-only", "cors-on-preflight-only: preflight OK, actual 200 without ACAO",
                  scen(req(api(), "PATCH", J + X), pf("PATCH", J + X), {"status": 200, "headers": []})))
    seeds.append(("header-not-exposed", "header-not-exposed: ETag and Link without ACEH",
                  scen(req(api()), pf(), resp(extra=[["ETag", '"v2"'], ["Link", "</s/x>; rel=next"]]))))
    seeds.append(("null-origin-trusted", "ACAO null for a normal page origin",
                  scen(req(api()), pf(), {"status": 200, "headers": [[ACAO, "null"]]})))
    seeds.append(("acac-true-with-star-omit", "ACAO * plus ACAC true, credentials omit",
                  scen(req(api(), cred="omit"), pf(cred="omit"), {"status": 200, "headers": [[ACAO, "*"], [ACAC, "true"]]})))
    seeds.append(("vary-origin-present", "exact ACAO with Vary: Origin",
                  scen(req(api()), pf(), resp(extra=[["Vary", "Origin"]]))))
    for tag, desc, s in seeds:
        C.add(g, ["e-seed", tag], desc, s)

    # --- ACAO values with odd content in the middle
    for tag, v in (("tab", "http://app.\texample.test:8001"), ("non-ascii", "http://\u00e4pp.example.test:8001"),
                   ("path", PAGE + "/path"), ("query", PAGE + "?x"), ("fragment", PAGE + "#f"),
                   ("star-space-star", "* *"), ("quoted", '"' + PAGE + '"'), ("angle", "<" + PAGE + ">"),
                   ("ctl-01", "http://app.example.test:8001\u0001x"), ("del", "http://app.exa\u007fmple.test:8001"),
                   ("star-tab-star", "*\t*"), ("userinfo", "http://u:p@app.example.test:8001")):
        sc = scen(req(api()), pf(), {"status": 200, "headers": [[ACAO, v]]})
        C.add(g, ["e-acao-odd", tag], f"ACAO {v!r}", sc)

    # --- Access-Control-Max-Age forms (outcome should not change)
    for tag, v in (("0", "0"), ("neg1", "-1"), ("7200", "7200"), ("86400", "86400"), ("abc", "abc")):
        sc = scen(req(api(), "PUT", X), pf("PUT", X, extra=[[ACMA, v]]), resp())
        C.add(g, ["e-max-age", tag], f"PUT + X-Custom, preflight OK with Access-Control-Max-Age {v!r}", sc)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------
TOKEN_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def check_headers(hdrs, where, errs):
    for pair in hdrs:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            errs.append(f"{where}: bad header pair {pair!r}")
            continue
        n, v = pair
        if not TOKEN_RE.match(n):
            errs.append(f"{where}: bad header name {n!r}")
        if any(c in v for c in "\x00\r\n"):
            errs.append(f"{where}: NUL/CR/LF in {n}")
        if v != v.strip(" \t"):
            errs.append(f"{where}: leading/trailing whitespace in {n}: {v!r}")
        if any(ord(c) > 0xFF for c in n + v):
            errs.append(f"{where}: non-latin-1 char in {n}")


def check_url(url, sid, where, errs):
    p = urlsplit(url)
    if p.scheme != "http":
        errs.append(f"{where}: scheme {p.scheme!r} in {url}")
        return
    if (p.hostname, p.port) not in ALLOWED_HOSTPORTS:
        errs.append(f"{where}: host/port outside the topology: {url}")
    if not p.path.startswith(f"/s/{sid}/"):
        errs.append(f"{where}: path not under /s/{sid}/: {url}")


def check_response(r, cur_url, sid, where, errs, seen_urls):
    if not isinstance(r.get("status"), int) or not (200 <= r["status"] <= 599):
        errs.append(f"{where}: bad status {r.get('status')!r}")
    check_headers(r.get("headers", []), where, errs)
    if "next" in r:
        locs = [v for n, v in r["headers"] if n.lower() == "location"]
        if not (300 <= r["status"] <= 399) or len(locs) != 1:
            errs.append(f"{where}: 'next' needs a 3xx with one Location")
            return
        target = urljoin(cur_url, locs[0])
        check_url(target, sid, where + ".Location", errs)
        key = urlsplit(target).netloc + urlsplit(target).path
        if key in seen_urls:
            errs.append(f"{where}: redirect chain revisits {key}")
        seen_urls.add(key)
        nxt = r["next"]
        if "preflight" in nxt:
            check_response(nxt["preflight"], target, sid, where + ".next.preflight", errs, set())
        if "response" in nxt:
            check_response(nxt["response"], target, sid, where + ".next.response", errs, seen_urls)
    else:
        for n, v in r.get("headers", []):
            if n.lower() == "location":
                target = urljoin(cur_url, v)
                check_url(target, sid, where + ".Location(unfollowed)", errs)


def validate(items):
    errs = []
    ids = Counter(it["id"] for it in items)
    for sid, n in ids.items():
        if n > 1:
            errs.append(f"duplicate id {sid}")
    for it in items:
        sid = it["id"]
        if not ID_RE.match(sid) or len(sid) > 60:
            errs.append(f"bad id {sid!r}")
        if "\n" in it["description"] or "\r" in it["description"]:
            errs.append(f"{sid}: multi-line description")
        s = it["scenario"]
        if s["page_origin"] != PAGE:
            errs.append(f"{sid}: page origin {s['page_origin']}")
        rq = s["request"]
        check_url(rq["url"], sid, f"{sid}.request.url", errs)
        check_headers(rq["headers"], f"{sid}.request", errs)
        if rq["credentials"] not in ("omit", "same-origin", "include"):
            errs.append(f"{sid}: credentials {rq['credentials']}")
        if rq["mode"] not in ("cors", "no-cors", "same-origin"):
            errs.append(f"{sid}: mode {rq['mode']}")
        if rq["initiator"] == "xhr" and (rq["credentials"] == "omit" or rq["mode"] != "cors"):
            errs.append(f"{sid}: xhr with credentials omit or a non-cors mode")
        if not TOKEN_RE.match(rq["method"]):
            errs.append(f"{sid}: method not a token")
        if "preflight" in s:
            check_response(s["preflight"], rq["url"], sid, f"{sid}.preflight", errs, set())
            if "next" in s["preflight"]:
                errs.append(f"{sid}: a preflight never has 'next'")
        if "response" in s:
            check_response(s["response"], rq["url"], sid, f"{sid}.response", errs,
                           {urlsplit(rq["url"]).netloc + urlsplit(rq["url"]).path})
        else:
            errs.append(f"{sid}: no response")
    return errs


HEADER_POOL = [
    ("Authorization", "Bearer t"), ("Content-Type", "application/json"), ("X-Api-Key", "k"),
    ("X-Requested-With", "XMLHttpRequest"), ("X-CSRF-Token", "c"), ("Cache-Control", "no-cache"),
    ("If-None-Match", '"v1"'), ("X-Request-Id", "r"), ("traceparent", "00-1-2-01"), ("baggage", "a=b"),
    ("X-Client-Version", "1.2"), ("Pragma", "no-cache"), ("X-Tenant", "t"), ("Accept", "application/json"),
]


def gen_header_order():
    """Which refused header Chrome names depends on its header map's order
    (a hash map in Blink), not on the page's order: many random header sets,
    for fetch and XHR, a random subset allowed; a few to 127.0.0.1, where
    Blink adds client hints to the same map."""
    import random
    rnd = random.Random(156)
    letters = "abcdefghijklmnopqrstuvwxyz0123456789-"
    for i in range(60):
        k = rnd.randint(2, 10)
        names = rnd.sample(HEADER_POOL, min(k, len(HEADER_POOL) // 2))
        while len(names) < k:
            name = "X-" + "".join(rnd.choice(letters) for _ in range(rnd.randint(1, 12))).strip("-")
            if name not in (n for n, _ in names) and not name.endswith("-"):
                names.append((rnd.choice([name, name.upper(), name.lower()]), str(i)))
        init = "xhr" if i % 4 == 3 else "fetch"
        cred = "include" if i % 5 == 4 else "same-origin"
        base = "http://127.0.0.1:8002" if i % 6 == 5 else API
        allowed = [n for n, _ in names if rnd.random() < 0.4]
        url = f"{base}/s/{IDT}/r"
        extra = [(ACAH, ", ".join(allowed))] if allowed else []
        pre_h = [(ACAO, PAGE)] + ([(ACAC, "true")] if cred == "include" else []) + [(ACAM, "GET, POST")] + extra
        resp_h = [(ACAO, PAGE)] + ([(ACAC, "true")] if cred == "include" else [])
        C.add(
            "header-order",
            ["ho", i, init, "ip" if base != API else ""],
            f"{k} headers ({init}, {cred}{', to 127.0.0.1' if base != API else ''}), {len(allowed)} allowed: which refused one Chrome names",
            scen(req(url, "GET", names, cred, init=init), {"status": 204, "headers": hl(*pre_h)},
                 {"status": 200, "headers": hl(*resp_h)}),
        )


# --------------------------------------------------------------------------
# found by randomized differential testing against Chromium
# --------------------------------------------------------------------------
def gen_random_found():
    """Cases where randomized testing found the model and Chromium 156 apart:
    Access-Control-Request-Private-Network is an ordinary unsafe header; a
    fetch (not XHR) redirected to a URL with userinfo is refused by Blink even
    where CORS lets it through; a request that starts same-origin is
    preflighted at the redirect target that puts it under CORS."""
    g = "found"
    P = [["Access-Control-Request-Private-Network", "true"]]
    PX = P + [["X-Custom", "1"]]
    C.add(g, ["f-acrpn-allowed"], "GET + Access-Control-Request-Private-Network, preflight allows it", good("GET", P))
    C.add(g, ["f-acrpn-not-allowed"], "GET + Access-Control-Request-Private-Network, preflight without ACAH",
          scen(req(api(), "GET", P), pf("GET", acah=None), resp()))
    C.add(g, ["f-acrpn-xhr-post"], "XHR POST + Access-Control-Request-Private-Network + X-Custom, all allowed",
          good("POST", PX, init="xhr"))
    C.add(g, ["f-acrpn-ip-cred"], "credentialed GET to 127.0.0.1 + Access-Control-Request-Private-Network, allowed",
          good("GET", P, "include", url=f"http://127.0.0.1:8002/s/{IDT}/r"))

    # userinfo in a redirect's Location where CORS does not object
    ui = lambda host, path="hop1", who="user:pass": f"http://{who}@{host}/s/{IDT}/{path}"
    for tag, mode, loc in (("no-cors-cdn", "no-cors", ui("cdn.example.test:8003")),
                           ("no-cors-api-user-only", "no-cors", ui("api.example.test:8002", who="user")),
                           ("no-cors-app", "no-cors", ui("app.example.test:8001"))):
        sc = scen(req(api("start"), mode=mode), pf(), hop(302, loc, nxt={"response": final()}))
        C.add(g, ["f-ui", tag], f"{mode} GET, 302 to a Location with userinfo ({tag})", sc)
    for init in ("fetch", "xhr"):
        for tag, mode in (("cors", "cors"), ("same-origin", "same-origin")):
            if init == "xhr" and mode != "cors":
                continue
            sc = scen(req(app("start"), mode=mode, init=init), pf(),
                      hop(307, ui("app.example.test:8001"), acao=(), nxt={"response": final(())}))
            C.add(g, ["f-ui-from-page", init, tag],
                  f"{init} {mode}-mode GET on the page origin, 307 to the page origin with userinfo", sc)
    sc = scen(req(app("start"), mode="same-origin"), pf(),
              hop(302, ui("cdn.example.test:8003"), acao=(), nxt={"response": final()}))
    C.add(g, ["f-ui-same-origin-mode-to-cdn"], "same-origin-mode GET on the page origin, 302 to cdn with userinfo", sc)
    sc = scen(req(app("start"), "POST", [["Content-Type", "text/plain"]], mode="no-cors"), pf(),
              hop(303, ui("api.example.test:8002"), acao=(), nxt={"response": final()}))
    C.add(g, ["f-ui-no-cors-from-page-303"], "no-cors POST on the page origin, 303 to api with userinfo", sc)

    # same-origin start, preflighted at the first cross-origin redirect target
    X = [["X-Custom", "1"]]
    for tag, init, cred, method, st, tgt, pre in (
            ("put-api-ok", "fetch", "same-origin", "PUT", 307, api("hop1"), pf("PUT", X)),
            ("put-cdn-no-acao", "fetch", "same-origin", "PUT", 307, cdn("hop1"),
             {"status": 204, "headers": [[ACAM, "PUT"], [ACAH, "X-Custom"]]}),
            ("get-ip-acah-missing", "fetch", "include", "GET", 302, f"http://127.0.0.1:8002/s/{IDT}/hop1",
             pf("GET", X, "include", acah="X-Other")),
            ("xhr-delete-cdn-method", "xhr", "same-origin", "delete", 302, cdn("hop1"), pf("GET", X, origin="*")),
            ("xhr-patch-api-ok", "xhr", "include", "PATCH", 308, api("hop1"), pf("PATCH", X, "include"))):
        sc = scen(req(app("start"), method, X, cred, init=init), pf(method, X, cred),
                  hop(st, tgt, acao=(), nxt={"preflight": pre, "response": resp(cred)}))
        C.add(g, ["f-pf-from-page", tag],
              f"{init} {method} + X-Custom on the page origin, {st} to another origin that is preflighted ({tag})", sc)

    # fetch() refuses a URL with userinfo before sending; XHR sends it (the
    # userinfo becomes its credentials). XHR's "Refused to set unsafe header"
    # warning for a forbidden header precedes the CORS line.
    cred = lambda: f"http://user:pass@api.example.test:8002/s/{IDT}/r"
    C.add(g, ["f-cred-url-fetch"], "fetch to a URL with user:pass", scen(req(cred()), pf(), resp()))
    C.add(g, ["f-cred-url-xhr"], "XHR to a URL with user:pass", scen(req(cred(), init="xhr"), pf(), resp()))
    C.add(g, ["f-xhr-forbidden-then-refused"], "XHR sets Cookie (refused) and X-A, which the preflight does not allow",
          scen(req(api(), "GET", [["Cookie", "a=b"], ["X-A", "1"]], init="xhr"), pf("GET", acah=None), resp()))



# Minimal cases from the second round of randomized testing (Chromium and
# Firefox): a fragment carried across redirects; Firefox's preflight back at
# the page's origin (no CORS check there); Firefox not safelisting a
# Content-Type list; Firefox checking the method before parsing
# Access-Control-Allow-Headers.
ROUND_TWO_FOUND = [
    ('r2-frag-1', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"GET","headers":[],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"response":{"status":302,"headers":[["Location","http://cdn.example.test:8003/s/@ID@/a#frag"],["Access-Control-Allow-Origin","*"]],"next":{"response":{"status":302,"headers":[["Location","/s/@ID@/b"],["Access-Control-Allow-Origin","*"]],"next":{"response":{"status":200,"headers":[]}}}}}}'),
    ('r2-frag-2', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"GET","headers":[],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"response":{"status":302,"headers":[["Location","http://cdn.example.test:8003/s/@ID@/a#frag"],["Access-Control-Allow-Origin","*"]],"next":{"response":{"status":302,"headers":[["Location","/s/@ID@/b#"],["Access-Control-Allow-Origin","*"]],"next":{"response":{"status":200,"headers":[]}}}}}}'),
    ('r2-frag-3', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"GET","headers":[],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"response":{"status":302,"headers":[["Location","http://cdn.example.test:8003/s/@ID@/a#"],["Access-Control-Allow-Origin","*"]],"next":{"response":{"status":302,"headers":[["Location","/s/@ID@/b"],["Access-Control-Allow-Origin","*"]],"next":{"response":{"status":200,"headers":[]}}}}}}'),
    ('r2-frag-4', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"PUT","headers":[["X-Custom","1"]],"credentials":"same-origin","mode":"cors","initiator":"xhr"},"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"],["Access-Control-Allow-Methods","PUT"],["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":307,"headers":[["Location","http://cdn.example.test:8003/s/@ID@/a#x"],["Access-Control-Allow-Origin","*"]],"next":{"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","*"],["Access-Control-Allow-Methods","PUT"],["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":308,"headers":[["Location","/s/@ID@/b"],["Access-Control-Allow-Origin","*"]],"next":{"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","*"]]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","*"]]}}}}}}'),
    ('r2-ffpf-1', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"PUT","headers":[["X-Custom","1"]],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"],["Access-Control-Allow-Methods","PUT"],["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":307,"headers":[["Location","http://app.example.test:8001/s/@ID@/b"],["Access-Control-Allow-Origin","http://app.example.test:8001"]],"next":{"preflight":{"status":304,"headers":[]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","*"]]}}}}'),
    ('r2-ffpf-2', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"PUT","headers":[["X-Custom","1"]],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"],["Access-Control-Allow-Methods","PUT"],["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":307,"headers":[["Location","http://app.example.test:8001/s/@ID@/b"],["Access-Control-Allow-Origin","http://app.example.test:8001"]],"next":{"preflight":{"status":204,"headers":[["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","*"]]}}}}'),
    ('r2-ffpf-3', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"PUT","headers":[["X-Custom","1"]],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"],["Access-Control-Allow-Methods","PUT"],["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":307,"headers":[["Location","http://app.example.test:8001/s/@ID@/b"],["Access-Control-Allow-Origin","http://app.example.test:8001"]],"next":{"preflight":{"status":204,"headers":[["Access-Control-Allow-Methods","PUT"],["Access-Control-Allow-Headers","X-Custom"]]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","*"]]}}}}'),
    ('r2-ffct-1', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"POST","headers":[["Content-Type","text/plain;x"],["Content-Type","text/plain"]],"credentials":"same-origin","mode":"cors","initiator":"xhr"},"preflight":{"status":200,"headers":[]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"]]}}'),
    ('r2-ffct-2', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"POST","headers":[["Content-Type","text/plain, text/plain"]],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"preflight":{"status":200,"headers":[]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"]]}}'),
    ('r2-ffct-3', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"POST","headers":[["Content-Type","text/plain;x"]],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"preflight":{"status":200,"headers":[]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"]]}}'),
    ('r2-fford-1', '{"page_origin":"http://app.example.test:8001","request":{"url":"http://api.example.test:8002/s/@ID@/r","method":"PUT","headers":[["X-Custom","1"]],"credentials":"same-origin","mode":"cors","initiator":"fetch"},"preflight":{"status":204,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"],["Access-Control-Allow-Methods","DELETE"],["Access-Control-Allow-Headers","X-Custom, @"]]},"response":{"status":200,"headers":[["Access-Control-Allow-Origin","http://app.example.test:8001"]]}}'),
]


def gen_round_two_found():
    for sid, text in ROUND_TWO_FOUND:
        C.add("found", [sid], f"randomized testing, round 2: {sid}", json.loads(text))


# --------------------------------------------------------------------------
# 14. where the engines part (Chrome, Firefox, WebKit): which response
#     headers a page may read, odd preflight lists, hosts' spelling
# --------------------------------------------------------------------------
ENGINE_EXPOSE_RESP = [
    ["ETag", '"v1"'],
    ["X-A", "a"],
    ["X-B", "b"],
    ["Set-Cookie", "sid=abc; Path=/"],
    ["Content-Type", "text/plain"],
]
ENGINE_ACEH_FORMS = OrderedDict([
    ("empty-items", (["ETag, , X-A"], ("same-origin",))),
    ("leading-comma", ([", ETag"], ("same-origin",))),
    ("trailing-comma", (["ETag,"], ("same-origin",))),
    ("tab-sep", (["ETag,\tX-A"], ("same-origin",))),
    ("invalid-token", (["ETag, X(A)"], ("same-origin",))),
    ("invalid-first", (["X(A), ETag"], ("same-origin",))),
    ("non-ascii", (["ETag, X-\u00e9"], ("same-origin",))),
    ("space-sep", (["ETag X-A"], ("same-origin",))),
    ("repeated-lines", (["ETag", "ETag"], ("same-origin",))),
    ("lines-star-then-name", (["*", "X-A"], ("same-origin", "include"))),
    ("star-in-list", (["ETag, *"], ("same-origin", "include"))),
    ("set-cookie-listed", (["Set-Cookie, ETag"], ("same-origin", "include"))),
    ("safelisted-names", (["Content-Type, Content-Length"], ("same-origin",))),
    ("case", (["etag, x-A"], ("same-origin",))),
    ("empty-value", ([""], ("same-origin",))),
    ("quoted", (['"ETag"'], ("same-origin",))),
    ("star-only", (["*"], ("omit",))),
])


def gen_engines():
    g = "engines"
    for form, (vals, creds) in ENGINE_ACEH_FORMS.items():
        for cred in creds:
            h = ok_headers(cred) + copy.deepcopy(ENGINE_EXPOSE_RESP) + [[ACEH, v] for v in vals]
            sc = scen(req(api(), "GET", [], cred), pf("GET", [], cred), {"status": 200, "headers": h})
            C.add(g, ["en-x", form, cred], f"GET (credentials {cred}); readable response headers with ACEH lines {vals!r}", sc)
    # preflight lists on several lines, and * mixed with names under credentials
    X = [["X-Custom", "1"]]
    for tag, cred, lines in (
            ("acam-two-lines", "same-origin", [[ACAM, "GET"], [ACAM, "PUT"], [ACAH, "X-Custom"]]),
            ("acah-two-lines", "same-origin", [[ACAM, "PUT"], [ACAH, "X-Other"], [ACAH, "X-Custom"]]),
            ("acam-star-and-put-cred", "include", [[ACAM, "*, PUT"], [ACAH, "X-Custom"]]),
            ("acam-star-only-cred", "include", [[ACAM, "*"], [ACAH, "X-Custom"]]),
            ("acah-star-and-name-cred", "include", [[ACAM, "PUT"], [ACAH, "*, X-Custom"]]),
            ("acah-star-only-cred", "include", [[ACAM, "PUT"], [ACAH, "*"]]),
            ("acah-lower-name", "same-origin", [[ACAM, "PUT"], [ACAH, "x-custom"]]),
            ("acam-empty-line", "same-origin", [[ACAM, ""], [ACAM, "PUT"], [ACAH, "X-Custom"]]),
            ("acah-tab-then-name", "same-origin", [[ACAM, "PUT"], [ACAH, "X-Other,\t\tX-Custom"]])):
        h = [[ACAO, PAGE]] + ([[ACAC, "true"]] if cred == "include" else []) + lines
        sc = scen(req(api(), "PUT", X, cred), {"status": 204, "headers": h}, resp(cred))
        C.add(g, ["en-pf", tag], f"PUT + X-Custom (credentials {cred}), preflight lists {lines!r}", sc)
    # * in Allow-Headers and Authorization, with and without credentials
    A = [["Authorization", "Bearer x"]]
    for cred in ("same-origin", "include"):
        h = [[ACAO, PAGE]] + ([[ACAC, "true"]] if cred == "include" else []) + [[ACAM, "GET"], [ACAH, "*"]]
        sc = scen(req(api(), "GET", A, cred), {"status": 204, "headers": h}, resp(cred))
        C.add(g, ["en-auth-star", cred], f"GET + Authorization (credentials {cred}), preflight ACAH *", sc)
    # the request URL's host spelled in upper case; Allow-Origin spelled otherwise
    up = f"http://API.EXAMPLE.TEST:8002/s/{IDT}/r"
    C.add(g, ["en-host-upper"], "GET to an upper-case host, ACAO the page origin",
          scen(req(up), pf(), resp()))
    C.add(g, ["en-host-upper-put"], "PUT + X-Custom to an upper-case host",
          scen(req(up, "PUT", X), pf("PUT", X), resp()))
    for tag, v in (("punycode", "http://xn--pp-uia.example.test:8001"),
                   ("upper-host", "http://APP.EXAMPLE.TEST:8001"),
                   ("upper-scheme", "HTTP://app.example.test:8001"),
                   ("default-port-80", "http://app.example.test:8001:80")):
        C.add(g, ["en-acao", tag], f"GET, ACAO {v!r}", scen(req(api()), pf(), resp(origin=v)))
    # DELETE through a redirect: WebKitGTK sends GET after a hop to another
    # origin (whatever the status), DELETE after a same-origin hop
    for tag, st, tgt in (("307-same-origin-hop", 307, api("hop1")),
                         ("307-cross-origin-hop", 307, cdn("hop1")),
                         ("302-to-page-origin", 302, app("hop1"))):
        pre = {"status": 204, "headers": [[ACAO, "*"], [ACAM, "GET"], [ACAH, "X-Custom"]]}
        sc = scen(req(api("start"), "DELETE", X), pf("DELETE", X),
                  hop(st, tgt, acao=(PAGE,), nxt={"preflight": pre, "response": resp(origin="*")}))
        C.add(g, ["en-delete", tag], f"DELETE + X-Custom, {st} to {tgt.split('/s/')[0]}; the target's preflight allows only GET", sc)
    # tokens sent as valid UTF-8 (two bytes each: é is C3 A9) in the
    # preflight's lists and in Allow-Origin, as each engine shows them
    for tag, lines in (("acam-utf8", [[ACAM, "PUT, P\u00c3\u009cT"], [ACAH, "X-Custom"]]),
                       ("acah-utf8", [[ACAM, "PUT"], [ACAH, "X-Custom, X-\u00c3\u00a9t\u00c3\u00a9"]])):
        sc = scen(req(api(), "PUT", X), {"status": 204, "headers": [[ACAO, PAGE]] + lines}, resp())
        C.add(g, ["en-pf", tag], f"PUT + X-Custom, preflight lists with UTF-8 bytes {lines!r}", sc)
    C.add(g, ["en-acao", "utf8"], "GET, ACAO with an IDN host sent as UTF-8 bytes",
          scen(req(api()), pf(), resp(origin="http://\u00c3\u00a4pp.example.test:8001")))
    # credentials "same-origin", starting at the page's origin, redirected
    # to other origins: WebKitGTK checks the redirect responses there as with
    # credentials until a preflight is sent; preflights and the final
    # response without
    ok = [[ACAO, PAGE], [ACAC, "true"]]
    star = [[ACAO, "*"]]
    no_acac = [[ACAO, PAGE], [ACAC, "false"]]
    for tag, init, hdrs, hop1, final_h in (
            ("final-star", "fetch", [], None, star),
            ("final-exact-no-acac", "xhr", [], None, [[ACAO, PAGE]]),
            ("redirect-star", "fetch", [], star, star),
            ("redirect-no-acac", "xhr", [], no_acac, [[ACAO, "null"]]),
            ("preflighted-redirect-star", "fetch", X, star, ok),
            ("preflighted-redirect-no-acac", "fetch", X, no_acac, ok)):
        pre = {"status": 204, "headers": [[ACAO, "*"], [ACAH, "X-Custom"]]}
        last = {"status": 200, "headers": final_h}
        if hop1 is None:
            nxt = {"preflight": pre, "response": last}
        else:
            nxt = {"preflight": pre, "response": hop(307, api("hop2"), acao=(), extra=hop1,
                                                      nxt={"preflight": pre, "response": last})}
        sc = scen(req(app("start"), "GET", hdrs, "same-origin", init=init), None, hop(307, cdn("hop1"), acao=(), nxt=nxt))
        C.add(g, ["en-so-cred", tag], f"{init} GET (credentials same-origin) on the page origin, 307 to cdn ({tag})", sc)
    # Range with the unit in upper case: WebKit safelists it, Chrome and
    # Firefox do not
    C.add(g, ["en-range-upper-bytes"], "GET + Range BYTES=0-1 + X-A, the preflight allows only X-A",
          scen(req(api(), "GET", [["Range", "BYTES=0-1"], ["X-A", "1"]]),
               {"status": 204, "headers": [[ACAO, PAGE], [ACAH, "X-A"]]}, resp()))
    # modes on the page's own origin and across it
    for mode in ("cors", "same-origin", "no-cors"):
        C.add(g, ["en-own", mode], f"{mode} GET + X-Custom to the page's own origin (no CORS headers)",
              scen(req(app(), "GET", X if mode != "no-cors" else [], mode=mode), None,
                   {"status": 200, "headers": [["X-A", "a"]]}))


def main():
    gen_methods()
    gen_headers()
    gen_credentials()
    gen_preflight_status()
    gen_parse()
    gen_expose()
    gen_redirects()
    gen_modes()
    gen_xhr()
    gen_edge()
    gen_header_order()
    gen_round_two_found()
    gen_random_found()
    gen_engines()

    lines = [json.dumps(it, ensure_ascii=True, separators=(",", ":")) for it in C.items]
    for line in lines:  # round-trip check
        assert json.loads(line)
    errs = validate([json.loads(line) for line in lines])
    if errs:
        for e in errs[:50]:
            print("ERROR:", e, file=sys.stderr)
        print(f"{len(errs)} validation error(s)", file=sys.stderr)
        sys.exit(1)
    if "--check" not in sys.argv:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text("".join(line + "\n" for line in lines), encoding="ascii")
    counts = Counter(it["group"] for it in C.items)
    for grp in OrderedDict.fromkeys(it["group"] for it in C.items):
        print(f"{grp:18} {counts[grp]:4}")
    print(f"{'total':18} {len(C.items):4}")


if __name__ == "__main__":
    main()
