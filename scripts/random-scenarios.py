#!/usr/bin/env python3
"""Random CORS scenarios in the corpus's topology, for hunting where the
model and a browser part (not part of the corpus).

Usage: scripts/random-scenarios.py N SEED [PREFIX] > random.jsonl
then, for WebKit (as root, names in /etc/hosts, ports 8001-8003 free):
    cargo run --release -p corsair-conformance --bin corsair-webkit -- --compare < random.jsonl
or for Chromium:
    cargo run --release -p corsair-conformance -- --compare < random.jsonl
A disagreement, reduced to its smallest form, goes into conformance/generate.py.
"""
import json, random, sys
R = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
P = "http://app.example.test:8001"
HOSTS = ["http://api.example.test:8002", "http://cdn.example.test:8003", P]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "patch", "HEAD", "OPTIONS", "put", "Delete"]
HDRS = [["Accept", "a\"b"], ["Content-Type", "text/plain; charset=\"x\""], ["Accept-Language", "en-US,en;q=0.9"], ["Content-Language", "de@x"],
        ["Accept", "x" * 129], ["Content-Type", "multipart/form-data; boundary=x"], ["Range", "bytes=5-"], ["Range", "bytes=-5"],
        ["X-Requested-With", "XMLHttpRequest"], ["Last-Event-ID", "1"], ["Pragma", "no-cache"], ["User-Agent", "x"], ["Cookie", "a=b"],
        ["Content-Type", "application/x-www-form-urlencoded"], ["Content-Type", "text/plain, text/html"],
["X-Custom", "1"], ["Content-Type", "application/json"], ["Content-Type", "text/plain"], ["Authorization", "Bearer x"],
        ["Accept", "application/json"], ["Range", "bytes=0-1"], ["Range", "BYTES=0-1"], ["Accept-Language", "en"], ["X-B", "2"],
        ["Cache-Control", "no-cache"], ["DPR", "2"], ["Content-Language", "de"], ["If-None-Match", "x"], ["X-A", "1"]]
ACAO = [None, "*", P, "null", P + "/", "*, *", P + ", " + P, "HTTP://app.example.test:8001"]
ACAC = [None, "true", "false", "TRUE"]
LIST = [None, "*", "PUT", "PUT, DELETE", "put", "X-Custom", "x-custom, authorization", "*, X-Custom", "", "GET,PUT", "Content-Type, X-Custom, X-A, X-B", "PATCH, PUT, DELETE, OPTIONS, HEAD"]
ACEH = [None, "*", "ETag", "etag, x-a", "*, ETag", "ETag,,X-A", "X-A ETag", "Set-Cookie", "x-a, *", ", ETag", "ETag,\tX-A"]
def good_acao():
    return R.choice([P, P, P, "*", "*"]) if R.random() < 0.7 else R.choice(ACAO)
def good_acac():
    return "true" if R.random() < 0.7 else R.choice(ACAC)
def hdrs(acao, acac, extra=()):
    h = []
    if acao is not None:
        for v in ([acao] if R.random() < 0.85 else [acao, acao]):
            h.append(["Access-Control-Allow-Origin", v])
    if acac is not None:
        h.append(["Access-Control-Allow-Credentials", acac])
    h.extend(extra)
    return h
def answer(final=True):
    extra = [["ETag", "\"v\""], ["X-A", "a"]]
    e = R.choice(ACEH)
    if e is not None:
        extra.append(["Access-Control-Expose-Headers", e])
    return {"status": R.choice([200, 200, 200, 204, 404, 500]), "headers": hdrs(good_acao(), good_acac(), extra)}
def pre():
    h = hdrs(good_acao(), good_acac())
    m = R.choice(LIST) if R.random() < 0.5 else "GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD"
    if m is not None: h.append(["Access-Control-Allow-Methods", m])
    a = R.choice(LIST) if R.random() < 0.5 else "X-Custom, Content-Type, Authorization, X-A, X-B, Cache-Control, If-None-Match, DPR, Range"
    if a is not None: h.append(["Access-Control-Allow-Headers", a])
    return {"status": R.choice([200, 204, 204, 204, 204, 204, 404, 302]), "headers": h + ([["Location", "/x"]] if R.random() < 0.1 else [])}
out = []
for n in range(int(sys.argv[1])):
    prefix = sys.argv[3] if len(sys.argv) > 3 else "rnd"
    sid = f"{prefix}-{sys.argv[2] if len(sys.argv) > 2 else 1}-{n}"
    start = R.choice(HOSTS[:2] + [P] if R.random() < 0.2 else HOSTS[:2])
    url = f"{start}/s/{sid}/r"
    init = R.choice(["fetch", "xhr"])
    cred = R.choice(["omit", "same-origin", "include"]) if init == "fetch" else R.choice(["same-origin", "include"])
    mode = R.choice(["cors"] * 8 + ["no-cors", "same-origin"]) if init == "fetch" else "cors"
    req = {"url": url, "method": R.choice(METHODS), "headers": R.sample(HDRS, R.choice([0, 0, 1, 1, 2, 3])),
           "credentials": cred, "mode": mode, "initiator": init}
    sc = {"page_origin": P, "request": req, "preflight": pre(), "response": answer()}
    node = sc["response"]
    for hop in range(R.choice([0, 0, 0, 1, 1, 2])):
        node["status"] = R.choice([301, 302, 303, 307, 308])
        tgt = R.choice(HOSTS)
        node["headers"].append(["Location", f"{tgt}/s/{sid}/hop{hop+1}"])
        nxt = {"preflight": pre(), "response": answer()}
        node["next"] = nxt
        node = nxt["response"]
    out.append({"id": sid, "group": "random", "description": "random", "scenario": sc})
for o in out:
    print(json.dumps(o))
