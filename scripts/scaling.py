#!/usr/bin/env python3
"""Each input kind Corsair reads, at n, 2n, 4n and 8n: wall time (best of
three), peak RSS, and the growth exponent log(t(8n)/t(n)) / log(8) (1.0 is
linear; the goal is at most 1.1).

    python3 scripts/scaling.py [--har] [WORD]   # --har also runs scripts/har-scaling.sh;
                                                # WORD keeps the kinds whose name has it

Kinds: `lint` with many origins (half exact, half `*.` patterns, one line)
and with many mixed entries (origins, methods, headers, stages, routes);
`explain` with many request headers (XHR, preflight refusing the first) and
with many scenarios (JSON Lines); `check --curl -` with many `-H` (the
target is a closed loopback port: the parse and the model are measured, not
a network). Needs python3; SKIP_BUILD=1 uses target/release/corsair as is.
"""

import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CORSAIR", os.path.join(ROOT, "target/release/corsair"))


def lint_origins(n, path):
    exact = [f'"https://app{i}.example{i % 97}.com"' for i in range(n // 2)]
    wild = [f'"https://*.tenant{i}.example.org"' for i in range(n - n // 2)]
    with open(path, "w") as f:
        f.write("[cors]\norigins = [" + ", ".join(exact + wild) + "]\n")
        f.write("credentials = true\nmax-age = 600\n")
    return ["lint", path]


def lint_mixed(n, path):
    # n entries in fixed proportions: half origins; methods, request and
    # expose headers (up to their bound of 1,000 names each); 32 stages (the
    # bound), each adding one origin; routes (up to their bound of 1,000).
    names = min(n // 8, 1000)
    routes = min(n // 20, 1000)
    with open(path, "w") as f:
        f.write("[cors]\n")
        f.write("origins = [" + ", ".join(f'"https://a{i}.ex.com"' for i in range(n // 2)) + "]\n")
        f.write("methods = [" + ", ".join(f'"M{i}"' for i in range(names)) + "]\n")
        f.write("request-headers = [" + ", ".join(f'"x-h{i}"' for i in range(names)) + "]\n")
        f.write("expose-headers = [" + ", ".join(f'"x-e{i}"' for i in range(names)) + "]\nmax-age = 600\n")
        for i in range(32):
            f.write(f'[stages.s{i}]\nextra-origins = ["http://localhost:{3000 + i}"]\n')
        for i in range(routes):
            f.write(f'[[routes]]\npath = "/r{i}/**"\n')
    return ["lint", path]


def explain_headers(n, path):
    import json
    scenario = {
        "page_origin": "https://app.example.com",
        "request": {
            "url": "https://api.example.com/x",
            "method": "PUT",
            "initiator": "xhr",
            "headers": [[f"X-H{i}", f"v{i}"] for i in range(n)],
        },
        "preflight": {"status": 204, "headers": [
            ["Access-Control-Allow-Origin", "https://app.example.com"],
            ["Access-Control-Allow-Methods", "PUT"],
            ["Access-Control-Allow-Headers", ",".join(f"x-h{i}" for i in range(1, n))],
        ]},
        "response": {"status": 200, "headers": [["Access-Control-Allow-Origin", "https://app.example.com"]]},
        "read_headers": [f"X-R{i}" for i in range(n)],
    }
    with open(path, "w") as f:
        json.dump(scenario, f)
    return ["explain", "--json", path]


def explain_batch(n, path):
    import json
    corpus = os.path.join(ROOT, "conformance/corpus/scenarios.jsonl")
    with open(corpus) as f:
        lines = [json.dumps(json.loads(l)["scenario"]) if '"scenario"' in l else l.strip() for l in f if l.strip()]
    with open(path, "w") as f:
        for i in range(n):
            f.write(lines[i % len(lines)] + "\n")
    return ["explain", "--json", path]


def curl_headers(n, path):
    with open(path, "w") as f:
        f.write("curl 'http://127.0.0.1:9/x' -X PUT -H 'Origin: https://app.example.com' ")
        f.write(" ".join(f"-H $'X-H{i}: v\\'{i}'" for i in range(n)))
        f.write(" --data-raw '{}'\n")
    return ["check", "--no-probes", "--timeout", "2", "--curl", "-", "<", path]


KINDS = [
    ("lint: origins", lint_origins, 12_500),
    ("lint: mixed entries", lint_mixed, 12_500),
    ("explain: headers", explain_headers, 8_000),
    ("explain: scenarios", explain_batch, 25_000),
    ("check --curl: -H", curl_headers, 8_000),
]


def run(args):
    """Seconds and peak RSS (KiB) of one run."""
    stdin = None
    if "<" in args:
        at = args.index("<")
        stdin = open(args[at + 1], "rb")
        args = args[:at]
    start = time.perf_counter()
    proc = subprocess.Popen([BIN] + args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if stdin:
        stdin.close()
    code = os.waitstatus_to_exitcode(status)
    # 5: the loopback target refuses the connection (the parse and the model
    # are what is measured).
    if code not in (0, 1, 3, 5):
        raise SystemExit(f"corsair {' '.join(args)} exited with {code}")
    return elapsed, usage.ru_maxrss


def main():
    if not os.environ.get("SKIP_BUILD"):
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "corsair-cli"], cwd=ROOT, check=True)
    print(f"{'kind':<22} {'n':>8} {'seconds':>9} {'peak MiB':>9}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        words = [a for a in sys.argv[1:] if not a.startswith("--")]
        for name, make, n in KINDS:
            if words and not any(w in name for w in words):
                continue
            times = []
            for k in (1, 2, 4, 8):
                path = os.path.join(tmp, f"input-{k}")
                args = make(n * k, path)
                best = min(run(args) for _ in range(3))
                times.append(best[0])
                print(f"{name:<22} {n * k:>8} {best[0]:>9.3f} {best[1] / 1024:>9.1f}")
            exponent = math.log(times[-1] / times[0]) / math.log(8)
            worst = max(worst, exponent)
            print(f"{name:<22} {'growth exponent':>18} {exponent:>9.2f}")
    if "--har" in sys.argv:
        subprocess.run([os.path.join(ROOT, "scripts/har-scaling.sh")], cwd=ROOT, check=True,
                       env={**os.environ, "SKIP_BUILD": "1"})
    print(f"worst growth exponent: {worst:.2f} (goal <= 1.1)")
    sys.exit(0 if worst <= 1.1 else 1)


if __name__ == "__main__":
    main()
