#!/usr/bin/env bash
# Hostile clients against `corsair serve`, on 127.0.0.1 only: slowloris
# (400 half-sent heads), an idle flood (600 connections against a gateway
# limited to 512 descriptors), header floods (one 1 MB header; 500 headers),
# an HTTP/2 stream flood (4 connections x 300 streams) and slow uploads
# (40 x 200 KB, each longer than the gateway's --timeout). Each attack runs
# SECONDS (default 6, at most 120) while a normal client sends a GET every
# 100 ms that must be answered 200 within 1 s. Prints a table; exits 1 on a
# failed or late normal request or a dead gateway. The gateway runs with
# `ulimit -n 512 --header-timeout 2 --idle-timeout 5 --timeout 1`, is
# stopped at the end, and the whole run is bounded by `timeout`.
# See crates/corsair-gateway/examples/hostile.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-6}"
cargo build --release -q -p corsair-cli
cargo build --release -q -p corsair-gateway --example hostile
# The clients need more descriptors than the gateway gets.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# The driver writes the gateway's pid here; whatever happens, it is stopped.
pidfile="$(mktemp)"
cleanup() {
    local pid
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}
trap cleanup EXIT
set +e
HOSTILE_PIDFILE="$pidfile" timeout --kill-after=10 $((seconds * 6 + 90)) \
    target/release/examples/hostile run target/release/corsair "$seconds"
status=$?
set -e
exit "$status"
