#!/usr/bin/env bash
# Where a proxied request's CPU goes: user and kernel (system) time per
# request of `corsair serve` and of nginx with the same policy, for
# preflights and proxied GETs (wrk -t1 -c32), from the processes' own
# utime and stime in /proc. The kernel's share is the loopback TCP work
# both pay alike; the user share is each proxy's own.
#
# Usage: scripts/gateway-cpu-split.sh
# Environment: DURATION [5] seconds per run, ROUNDS [3], WORKERS [1],
# BASE_PORT [18380], CORSAIR_BIN (a corsair binary instead of building).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
templates=$root/scripts/gateway-bench
export PATH="$PATH:/usr/sbin:/sbin"
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-1}
BASE_PORT=${BASE_PORT:-18380}
ORIGIN=https://app.example.com
for v in DURATION ROUNDS WORKERS BASE_PORT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "gateway-cpu-split: $v must be a positive integer" >&2; exit 2; }
done
for tool in nginx wrk; do
  command -v "$tool" > /dev/null || { echo "gateway-cpu-split: missing $tool (apt-get install -y nginx-light wrk)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gateway-cpu.XXXXXX")
SCRIPT=gateway-cpu-split
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
render() {
  sed -e "s#@DIR@#$tmp#g" -e "s#@PORT@#${port[$3]}#g" -e "s#@UPSTREAM_PORT@#${port[upstream]}#g" \
    -e "s#@WORKERS@#$WORKERS#g" -e "s#@ORIGIN@#$ORIGIN#g" "$templates/$1" > "$2"
}
render upstream.nginx.conf "$tmp/upstream.conf" upstream
nginx -e "$tmp/up.err" -p "$tmp" -c "$tmp/upstream.conf" > /dev/null 2>&1 &
pids+=($!)
render proxy.nginx.conf "$tmp/nginx.conf" nginx
nginx -e "$tmp/nginx.err" -p "$tmp" -c "$tmp/nginx.conf" > /dev/null 2>&1 &
pid[nginx]=$!
pids+=(${pid[nginx]})
env -u CORS_ORIGINS -u CORSAIR_STAGE CORSAIR_LOG=warn "$corsair" serve --upstream "http://127.0.0.1:${port[upstream]}" \
  --listen "127.0.0.1:${port[corsair]}" --origin "$ORIGIN" --workers "$WORKERS" > /dev/null 2>&1 &
pid[corsair]=$!
pids+=(${pid[corsair]})
for n in upstream nginx corsair; do wait_port "${port[$n]}" "$n"; done
clk=$(getconf CLK_TCK)
# utime and stime (ticks) of a process and its children (nginx's workers).
times_of() {
  local p u=0 s=0 a b
  for p in "$1" $(pgrep -P "$1" || true); do
    read -r a b < <(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12, $13 }')
    u=$((u + a))
    s=$((s + b))
  done
  echo "$u $s"
}
declare -A sum=()
for round in $(seq "$ROUNDS"); do
  for kind in preflight get; do
    for name in corsair nginx; do
      read -r u0 s0 < <(times_of "${pid[$name]}")
      out=$(wrk -t1 -c32 -d"${DURATION}s" -s "$templates/$kind.lua" "http://127.0.0.1:${port[$name]}/")
      read -r u1 s1 < <(times_of "${pid[$name]}")
      n=$(awk '/requests in/ { print $1 }' <<< "$out")
      line=$(awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n="$n" -v c="$clk" 'BEGIN { printf "%.2f %.2f", u / c / n * 1e6, s / c / n * 1e6 }')
      read -r us ss <<< "$line"
      printf '  round %d  %-9s %-7s %8s requests  user %5s µs  system %5s µs per request\n' "$round" "$kind" "$name" "$n" "$us" "$ss"
      sum[$name:$kind:u]="${sum[$name:$kind:u]:-} $us"
      sum[$name:$kind:s]="${sum[$name:$kind:s]:-} $ss"
    done
  done
done
median() { printf '%s\n' $@ | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo
echo "| request | proxy | user µs | system µs | total µs |"
echo "|---|---|---:|---:|---:|"
for kind in preflight get; do
  for name in corsair nginx; do
    u=$(median ${sum[$name:$kind:u]})
    s=$(median ${sum[$name:$kind:s]})
    printf '| %s | %s | %.2f | %.2f | %.2f |\n' "$kind" "$name" "$u" "$s" "$(awk -v a="$u" -v b="$s" 'BEGIN { print a + b }')"
  done
done
