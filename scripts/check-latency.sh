#!/usr/bin/env bash
# Wall time of a whole `corsair check` (process start, preflight, request and
# every probe) against the demo API on loopback, measured with hyperfine.
# Goal (issue 4): under 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }
cargo build --release -q -p corsair-cli
out="$(mktemp)"
target/release/corsair demo --serve 127.0.0.1:0 > "$out" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q listens "$out" && break; sleep 0.1; done
addr="$(grep -o 'http://127.0.0.1:[0-9]*' "$out" | head -1)"
check="target/release/corsair check $addr/good --origin https://app.example.com -X PUT -H 'Content-Type: application/json' -H 'Authorization: Bearer x' --credentials"
eval "$check" | grep -c 'probe' > /dev/null || true
echo "exchanges per check: $(eval "$check --json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["exchanges"]))')"
hyperfine -N --warmup 5 --runs 50 "$check" "$check --no-probes"
