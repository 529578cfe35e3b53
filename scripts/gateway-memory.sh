#!/usr/bin/env bash
# Resident memory of `corsair serve` against nginx with the same policy and
# worker count: at rest, holding IDLE idle keep-alive clients (each has made
# one proxied GET and keeps its connection open), after load, and every 5 s
# of a SOAK-second load (flat: the last sample against the first).
#
# Usage: scripts/gateway-memory.sh
# Environment (defaults in brackets):
#   IDLE [1000]        idle keep-alive clients
#   SOAK [30]          seconds of load (wrk -t1 -c32 proxied GETs) per proxy
#   WORKERS [1]        corsair --workers and nginx worker_processes
#   BASE_PORT [18280]  the upstream, corsair, nginx
#   CORSAIR_BIN        a corsair binary to use instead of building
#   SUMMARY            a file: "proxy figure value" lines (scripts/bench-all.sh)
# Memory is VmRSS summed over the proxy's processes (nginx's master and
# workers), in kB. Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
templates=$root/scripts/gateway-bench
export PATH="$PATH:/usr/sbin:/sbin"
IDLE=${IDLE:-1000}
SOAK=${SOAK:-30}
WORKERS=${WORKERS:-1}
BASE_PORT=${BASE_PORT:-18280}
ORIGIN=https://app.example.com
for v in IDLE SOAK WORKERS BASE_PORT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "gateway-memory: $v must be a positive integer" >&2; exit 2; }
done
for tool in nginx wrk python3; do
  command -v "$tool" > /dev/null || { echo "gateway-memory: missing $tool (apt-get install -y nginx-light wrk python3)" >&2; exit 1; }
done
# The clients and the proxies need a descriptor each, and then some.
ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
[ "$(ulimit -n)" -gt $((IDLE * 2 + 100)) ] || { echo "gateway-memory: the descriptor limit ($(ulimit -n)) is too low for IDLE=$IDLE" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gateway-memory.XXXXXX")
SCRIPT=gateway-memory
# shellcheck source=scripts/lib/gateway.sh
. "$root/scripts/lib/gateway.sh"
stop_on_exit
declare -A port=([upstream]=$BASE_PORT [corsair]=$((BASE_PORT + 1)) [nginx]=$((BASE_PORT + 2)))
declare -A pid=()
for p in "${port[@]}"; do port_open "$p" && die "port $p is in use; set BASE_PORT"; done

if [ -n "${CORSAIR_BIN:-}" ]; then corsair=$CORSAIR_BIN; else
  cargo build --release -q -p corsair-cli
  corsair=$root/target/release/corsair
fi
render() { # template out name
  sed -e "s#@DIR@#$tmp#g" -e "s#@PORT@#${port[$3]}#g" -e "s#@UPSTREAM_PORT@#${port[upstream]}#g" \
    -e "s#@WORKERS@#$WORKERS#g" -e "s#@ORIGIN@#$ORIGIN#g" "$templates/$1" > "$2"
}
render upstream.nginx.conf "$tmp/upstream.conf" upstream
nginx -e "$tmp/up.err" -p "$tmp" -c "$tmp/upstream.conf" > "$tmp/up.log" 2>&1 &
pids+=($!)
wait_port "${port[upstream]}" upstream
render proxy.nginx.conf "$tmp/nginx.conf" nginx
nginx -e "$tmp/nginx.err" -p "$tmp" -c "$tmp/nginx.conf" > "$tmp/nginx.log" 2>&1 &
pid[nginx]=$!
pids+=(${pid[nginx]})
env -u CORS_ORIGINS -u CORSAIR_STAGE CORSAIR_LOG=warn "$corsair" serve --upstream "http://127.0.0.1:${port[upstream]}" \
  --listen "127.0.0.1:${port[corsair]}" --origin "$ORIGIN" --workers "$WORKERS" > "$tmp/corsair.log" 2>&1 &
pid[corsair]=$!
pids+=(${pid[corsair]})
wait_port "${port[nginx]}" nginx
wait_port "${port[corsair]}" corsair


# Opens IDLE connections, each sends one GET and reads its answer, then all
# stay open until stdin closes; prints "ready N" once every answer came.
cat > "$tmp/idle.py" << 'PY'
import socket, sys
port, n, origin = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
req = f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {origin}\r\n\r\n".encode()
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    socks.append(s)
ok = 0
for s in socks:
    s.settimeout(10)
    data = b""
    while not data.endswith(b"ok\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    ok += data.startswith(b"HTTP/1.1 200") and b"access-control-allow-origin" in data.lower()
print("ready", ok, flush=True)
sys.stdin.read()
PY

declare -A out=()
for name in corsair nginx; do
  p=${pid[$name]}
  out[$name:rest]=$(rss_kb "$p")
  coproc IDLERS { python3 "$tmp/idle.py" "${port[$name]}" "$IDLE" "$ORIGIN"; }
  read -r word ready <&"${IDLERS[0]}" || die "the idle clients of $name failed"
  [ "$word" = ready ] && [ "$ready" = "$IDLE" ] || die "$name answered $ready of $IDLE idle clients properly"
  sleep 1
  out[$name:idle]=$(rss_kb "$p")
  exec {IDLERS[1]}>&-
  wait "$IDLERS_PID" 2> /dev/null || true
  samples=()
  for s in $(seq 5 5 "$SOAK"); do
    wrk -t1 -c32 -d5s -s "$templates/get.lua" "http://127.0.0.1:${port[$name]}/" > /dev/null 2>&1 || die "wrk failed against $name"
    samples+=("$(rss_kb "$p")")
  done
  out[$name:load]=${samples[0]}
  out[$name:soak]=${samples[-1]}
  printf '  %-8s at rest %6s kB | %s idle clients %6s kB | after 5 s of load %6s kB | soak samples: %s kB\n' \
    "$name" "${out[$name:rest]}" "$IDLE" "${out[$name:idle]}" "${out[$name:load]}" "${samples[*]}"
done
echo
printf '| %-8s | %10s | %16s | %12s | %14s | %14s |\n' proxy "at rest" "$IDLE idle clients" "after load" "after ${SOAK}s soak" "per idle client"
echo "|----------|-----------:|-----------------:|-------------:|---------------:|---------------:|"
for name in corsair nginx; do
  per=$(awk -v a="${out[$name:idle]}" -v b="${out[$name:rest]}" -v n="$IDLE" 'BEGIN { printf "%.1f kB", (a - b) / n }')
  printf '| %-8s | %7s kB | %13s kB | %9s kB | %11s kB | %14s |\n' "$name" "${out[$name:rest]}" "${out[$name:idle]}" \
    "${out[$name:load]}" "${out[$name:soak]}" "$per"
done
if [ -n "${SUMMARY:-}" ]; then
  for name in corsair nginx; do
    for k in rest idle load soak; do echo "$name rss-$k ${out[$name:$k]}"; done
  done > "$SUMMARY"
fi
