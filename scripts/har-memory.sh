#!/usr/bin/env bash
# `corsair har` on a generated ~200 MB export (1,950 cross-origin XHRs with
# 100 KiB bodies, a preflight before every twentieth, a 500 every seventh):
# prints the wall time and the peak resident memory. Needs python3 and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
entries="${1:-1950}"
file="$(mktemp --suffix=.har)"
trap 'rm -f "$file"' EXIT
cargo build --release -q -p corsair-cli
python3 - "$file" "$entries" <<'PY'
import json, sys
# A 200 MB HAR: one page, cross-origin XHRs with preflights, big response bodies.
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1800
body = "QUJD" * (100 * 1024 // 4)
with open(sys.argv[1], "w") as f:
    f.write('{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[{"id":"page_1","title":"https://app.example.com/","startedDateTime":"2026-11-24T00:00:00.000Z"}],"entries":[')
    for i in range(n):
        if i:
            f.write(",")
        t = f"2026-11-24T00:{(i//60)%60:02d}:{i%60:02d}.{i%1000:03d}Z"
        if i % 20 == 0:
            pre = {"startedDateTime": t, "pageref": "page_1", "_resourceType": "preflight",
                   "request": {"method": "OPTIONS", "url": f"https://api.example.com/items/{i}", "httpVersion": "h2",
                               "headers": [{"name": "origin", "value": "https://app.example.com"}, {"name": "access-control-request-method", "value": "PUT"}]},
                   "response": {"status": 204, "headers": [{"name": "access-control-allow-origin", "value": "https://app.example.com"}, {"name": "access-control-allow-methods", "value": "GET, POST"}], "content": {"size": 0, "mimeType": "x-unknown"}}}
            f.write(json.dumps(pre) + ",")
        e = {"startedDateTime": t, "pageref": "page_1", "_resourceType": "xhr",
             "request": {"method": "PUT" if i % 20 == 0 else "GET", "url": f"https://api.example.com/items/{i}", "httpVersion": "h2",
                         "headers": [{"name": "origin", "value": "https://app.example.com"}, {"name": "accept", "value": "*/*"}]},
             "response": {"status": 200 if i % 7 else 500, "headers": [{"name": "access-control-allow-origin", "value": "https://app.example.com"} if i % 7 else {"name": "server", "value": "nginx"}],
                          "content": {"size": len(body), "mimeType": "application/json", "text": body}}}
        f.write(json.dumps(e))
    f.write("]}}")
PY
ls -l "$file" | awk '{printf "HAR file: %.0f MB\n", $5 / 1e6}'
/usr/bin/time -f 'corsair har: %e s wall, peak RSS %M KiB' target/release/corsair har "$file" > /dev/null || true
