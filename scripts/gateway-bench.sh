#!/usr/bin/env bash
# `corsair serve` against nginx, caddy and haproxy configured with the same CORS
# policy, measured with wrk on loopback (issue 5).
#
# Usage: scripts/gateway-bench.sh
# Environment (defaults in brackets):
#   ROUNDS [3]        rounds; each round measures every proxy once, in turn
#   DURATION [10]     seconds per wrk run
#   WORKERS [1]       worker count of every proxy: nginx worker_processes,
#                     haproxy nbthread, caddy GOMAXPROCS, corsair --workers
#   THREADS [1]       wrk threads for the throughput runs (a) and (b)
#   CONNECTIONS [32]  wrk connections for the throughput runs (a) and (b)
#   WARMUP [2]        seconds of proxied GETs sent to each proxy before round 1
#   C_SLICES [5]      (c) alternates this many slices of DURATION/C_SLICES
#                     seconds between the upstream (direct) and the proxy
#   ONE_CPU [1]       1: also measure (c) with wrk, proxy and upstream pinned to
#                     CPU 0 (taskset), reported as (c1); 0: skip that
#   QUIET_MAX [10]    before each run, wait until other processes use at most
#   QUIET_WAIT [120]  this % of one core, for at most QUIET_WAIT seconds
#   NOISE_MAX [20]    run again (up to REDO [2] times) when other processes used
#                     more than this % of one core during the run; flag it if kept
#   BASE_PORT [18080] upstream on BASE_PORT, the proxies on the next four ports
#   PROXIES ["corsair nginx caddy haproxy"]
#   CORSAIR_BIN       a corsair binary to use instead of building
#                     (`cargo build --release -p corsair-cli`, the default)
#   KEEP_LOGS         set: keep the temp dir (configs, logs, wrk output) on failure
#   SUMMARY           a file: the medians written there too, one "proxy figure
#                     value" per line (scripts/bench-all.sh reads it)
#
# Everything listens on 127.0.0.1 and runs as the current user from a mktemp
# directory; every process started here is stopped on exit (also on Ctrl-C or
# an error). The policy on every proxy is that of
# `corsair serve --origin https://app.example.com`; the configurations are the
# templates in scripts/gateway-bench/. Before measuring, each proxy's answers
# are checked with curl, and the run stops if one is not equivalent.
#
# Per round and proxy: (a) preflights/s, (b) proxied GETs/s, both with
# THREADS/CONNECTIONS; (c) median latency of the proxied GET at one connection
# (wrk -t1 -c1 --latency), against the same run straight to the upstream, in
# alternating slices, and its 99th percentile. Also the proxy's resident
# memory (all its processes) at the end of each (b). Results: the median
# over rounds of each figure.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
templates=$root/scripts/gateway-bench
export PATH="$PATH:/usr/sbin:/sbin"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
WARMUP=${WARMUP:-2}
C_SLICES=${C_SLICES:-5}
ONE_CPU=${ONE_CPU:-1}
QUIET_MAX=${QUIET_MAX:-10}
QUIET_WAIT=${QUIET_WAIT:-120}
NOISE_MAX=${NOISE_MAX:-20}
REDO=${REDO:-2}
BASE_PORT=${BASE_PORT:-18080}
PROXIES=${PROXIES:-"corsair nginx caddy haproxy"}
ORIGIN=https://app.example.com
EVIL=https://evil.example

for v in ROUNDS DURATION WORKERS THREADS CONNECTIONS WARMUP C_SLICES ONE_CPU QUIET_MAX QUIET_WAIT NOISE_MAX REDO BASE_PORT; do
  if ! [[ ${!v} =~ ^[0-9]+$ ]] || { [[ " ROUNDS DURATION WORKERS THREADS CONNECTIONS C_SLICES BASE_PORT " == *" $v "* ]] && [ "${!v}" -eq 0 ]; }; then
    echo "gateway-bench: $v must be a positive integer (got '${!v}')" >&2
    exit 2
  fi
done
read -r -a proxies <<< "$PROXIES"
for p in "${proxies[@]}"; do
  case $p in corsair | nginx | caddy | haproxy) ;; *)
    echo "gateway-bench: unknown proxy '$p' in PROXIES (corsair nginx caddy haproxy)" >&2
    exit 2
    ;;
  esac
done

# --- tools ---------------------------------------------------------------------
missing=()
for tool in nginx caddy haproxy wrk curl taskset; do
  command -v "$tool" > /dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "gateway-bench: missing: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y nginx-light caddy haproxy wrk curl util-linux" >&2
  exit 1
fi

# --- processes and cleanup -------------------------------------------------------
# port_open and rss_kb; this script keeps its own cleanup and die.
SCRIPT=gateway-bench
# shellcheck source=scripts/lib/gateway.sh
. "$root/scripts/lib/gateway.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gateway-bench.XXXXXX")
declare -A pid=()   # name -> pid of each process started here
# Whether a process runs (a zombie, dead but not yet waited for, does not).
running() { # pid
  local st
  st=$(ps -o stat= -p "$1" 2> /dev/null) || return 1
  [[ $st != Z* ]]
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local p
  for p in "${pid[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
  # Up to 5 s for a clean stop, then KILL what is left (and nginx's workers).
  local i
  for i in $(seq 50); do
    local alive=0
    for p in "${pid[@]}"; do running "$p" && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${pid[@]}"; do
    if running "$p"; then
      pkill -KILL -P "$p" 2> /dev/null || true
      kill -KILL "$p" 2> /dev/null || true
    fi
  done
  wait 2> /dev/null || true
  if [ $status -ne 0 ] && [ -n "${KEEP_LOGS:-}" ]; then
    echo "gateway-bench: logs kept in $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit $status
}
trap cleanup EXIT
trap 'echo "gateway-bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

die() {
  printf 'gateway-bench: %b\n' "$*" >&2
  exit 1
}

declare -A port=(
  [upstream]=$BASE_PORT
  [corsair]=$((BASE_PORT + 1))
  [nginx]=$((BASE_PORT + 2))
  [caddy]=$((BASE_PORT + 3))
  [haproxy]=$((BASE_PORT + 4))
)


for name in upstream "${proxies[@]}"; do
  if port_open "${port[$name]}"; then
    die "port ${port[$name]} (for $name) is already in use on 127.0.0.1; set BASE_PORT"
  fi
done

# Fills a template's placeholders.
render() { # template output
  sed -e "s#@DIR@#$tmp#g" \
    -e "s#@PORT@#${port[$3]}#g" \
    -e "s#@UPSTREAM_PORT@#${port[upstream]}#g" \
    -e "s#@WORKERS@#$WORKERS#g" \
    -e "s#@ORIGIN@#$ORIGIN#g" \
    "$templates/$1" > "$2"
}

# Starts a process in the background, output to $tmp/NAME.log; waits until it
# accepts connections on its port.
start() { # name command...
  local name=$1
  shift
  "$@" > "$tmp/$name.log" 2>&1 &
  pid[$name]=$!
  local i
  for i in $(seq 100); do
    if ! running "${pid[$name]}"; then
      cat "$tmp/$name.log" >&2
      die "$name exited at start"
    fi
    port_open "${port[$name]}" && return 0
    sleep 0.1
  done
  cat "$tmp/$name.log" >&2
  die "$name does not listen on 127.0.0.1:${port[$name]} after 10 s"
}

# --- build -------------------------------------------------------------------------
if [ -n "${CORSAIR_BIN:-}" ]; then
  corsair=$CORSAIR_BIN
  [ -x "$corsair" ] || die "CORSAIR_BIN=$corsair is not an executable"
  echo "== using $corsair (CORSAIR_BIN; not building)"
else
  echo "== building corsair (release)"
  cargo build --release -p corsair-cli
  corsair=$root/target/release/corsair
fi
if ! "$corsair" serve --help 2> /dev/null | grep -q -- '--workers'; then
  die "this corsair has no 'serve --workers'; the comparison needs the same worker count everywhere"
fi

# --- start ---------------------------------------------------------------------------
echo "== starting on 127.0.0.1 (temp dir $tmp, $WORKERS worker(s) per proxy)"
mkdir -p "$tmp/caddy-home"
render upstream.nginx.conf "$tmp/upstream.conf" upstream
start upstream nginx -e "$tmp/upstream.error.log" -p "$tmp" -c "$tmp/upstream.conf"
for p in "${proxies[@]}"; do
  case $p in
    corsair)
      start corsair env -u CORS_ORIGINS -u CORSAIR_STAGE CORSAIR_LOG=warn \
        "$corsair" serve --upstream "http://127.0.0.1:${port[upstream]}" \
        --listen "127.0.0.1:${port[corsair]}" --origin "$ORIGIN" --workers "$WORKERS"
      ;;
    nginx)
      render proxy.nginx.conf "$tmp/nginx.conf" nginx
      start nginx nginx -e "$tmp/nginx.error.log" -p "$tmp" -c "$tmp/nginx.conf"
      ;;
    caddy)
      render Caddyfile "$tmp/Caddyfile" caddy
      start caddy env GOMAXPROCS="$WORKERS" HOME="$tmp/caddy-home" \
        XDG_DATA_HOME="$tmp/caddy-home/data" XDG_CONFIG_HOME="$tmp/caddy-home/config" \
        caddy run --config "$tmp/Caddyfile" --adapter caddyfile
      ;;
    haproxy)
      render haproxy.cfg "$tmp/haproxy.cfg" haproxy
      start haproxy haproxy -f "$tmp/haproxy.cfg" -db
      ;;
  esac
done

# --- equivalence check -----------------------------------------------------------
# Prints one header's values (case-insensitive name), joined by ", ".
header() { # file name
  awk -v want="$(tr '[:upper:]' '[:lower:]' <<< "$2")" '
    { sub(/\r$/, "") }
    /^HTTP\// { status = $2; n = 0; out = ""; next }
    {
      i = index($0, ":"); if (i == 0) next
      name = tolower(substr($0, 1, i - 1)); value = substr($0, i + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", value)
      if (name == want) { out = (n++ ? out ", " : "") value }
    }
    END { printf "%s", out }' "$1"
}
header_count() { # file name
  tr -d '\r' < "$1" | grep -ci "^$2:" || true
}
status_of() { awk '/^HTTP\// { s = $2 } END { print s }' "$1"; }
# Whether a comma-separated list contains a token (case-insensitive).
list_has() { # list token
  tr ',' '\n' <<< "$1" | sed 's/^[ \t]*//; s/[ \t]*$//' | grep -qix -- "$2"
}

verify() { # name
  local name=$1 url="http://127.0.0.1:${port[$1]}/" d="$tmp/verify-$1" bad=()
  mkdir -p "$d"
  curl -sS --max-time 5 -o "$d/pre.body" -D "$d/pre.h" -X OPTIONS -H "Origin: $ORIGIN" \
    -H "Access-Control-Request-Method: PUT" -H "Access-Control-Request-Headers: content-type" "$url" ||
    bad+=("preflight: curl failed")
  curl -sS --max-time 5 -o "$d/get.body" -D "$d/get.h" -H "Origin: $ORIGIN" "$url" ||
    bad+=("GET: curl failed")
  curl -sS --max-time 5 -o "$d/evil.body" -D "$d/evil.h" -H "Origin: $EVIL" "$url" ||
    bad+=("GET from $EVIL: curl failed")
  curl -sS --max-time 5 -o "$d/evilpre.body" -D "$d/evilpre.h" -X OPTIONS -H "Origin: $EVIL" \
    -H "Access-Control-Request-Method: PUT" "$url" || bad+=("preflight from $EVIL: curl failed")
  local s
  # (a) the preflight, answered by the proxy
  s=$(status_of "$d/pre.h")
  [[ $s == 204 || $s == 200 ]] || bad+=("preflight: status $s, not 204/200")
  [ "$(header_count "$d/pre.h" access-control-allow-origin)" = 1 ] &&
    [ "$(header "$d/pre.h" access-control-allow-origin)" = "$ORIGIN" ] ||
    bad+=("preflight: Access-Control-Allow-Origin is '$(header "$d/pre.h" access-control-allow-origin)', not exactly one '$ORIGIN'")
  list_has "$(header "$d/pre.h" access-control-allow-methods)" PUT ||
    bad+=("preflight: Access-Control-Allow-Methods '$(header "$d/pre.h" access-control-allow-methods)' lacks PUT")
  list_has "$(header "$d/pre.h" access-control-allow-headers)" content-type ||
    bad+=("preflight: Access-Control-Allow-Headers '$(header "$d/pre.h" access-control-allow-headers)' lacks content-type")
  [ "$(header "$d/pre.h" access-control-max-age)" = 7200 ] ||
    bad+=("preflight: Access-Control-Max-Age is '$(header "$d/pre.h" access-control-max-age)', not 7200")
  list_has "$(header "$d/pre.h" vary)" origin || bad+=("preflight: no Vary: Origin")
  [ -z "$(header "$d/pre.h" access-control-allow-credentials)" ] ||
    bad+=("preflight: Access-Control-Allow-Credentials present (the policy has no credentials)")
  [ ! -s "$d/pre.body" ] || bad+=("preflight: answered with a body (forwarded to the upstream?)")
  # (b) the proxied GET
  s=$(status_of "$d/get.h")
  [ "$s" = 200 ] || bad+=("GET: status $s, not 200")
  [ "$(header_count "$d/get.h" access-control-allow-origin)" = 1 ] &&
    [ "$(header "$d/get.h" access-control-allow-origin)" = "$ORIGIN" ] ||
    bad+=("GET: Access-Control-Allow-Origin is '$(header "$d/get.h" access-control-allow-origin)', not exactly one '$ORIGIN'")
  list_has "$(header "$d/get.h" vary)" origin || bad+=("GET: no Vary: Origin")
  [ "$(cat "$d/get.body")" = ok ] || bad+=("GET: body '$(head -c 80 "$d/get.body")', not the upstream's 'ok'")
  [ -z "$(header "$d/get.h" access-control-allow-credentials)" ] ||
    bad+=("GET: Access-Control-Allow-Credentials present")
  # a disallowed origin
  s=$(status_of "$d/evil.h")
  [ "$s" = 200 ] && [ "$(cat "$d/evil.body")" = ok ] || bad+=("GET from $EVIL: status $s, not the upstream's 200 'ok'")
  [ -z "$(header "$d/evil.h" access-control-allow-origin)" ] ||
    bad+=("GET from $EVIL: Access-Control-Allow-Origin '$(header "$d/evil.h" access-control-allow-origin)'")
  [ -z "$(header "$d/evilpre.h" access-control-allow-origin)" ] ||
    bad+=("preflight from $EVIL: Access-Control-Allow-Origin '$(header "$d/evilpre.h" access-control-allow-origin)'")
  [ -z "$(header "$d/evilpre.h" access-control-allow-methods)" ] ||
    bad+=("preflight from $EVIL: Access-Control-Allow-Methods '$(header "$d/evilpre.h" access-control-allow-methods)'")
  s=$(status_of "$d/evilpre.h")
  [ "$s" = 403 ] || bad+=("preflight from $EVIL: status $s, not 403 as from corsair")
  if [ ${#bad[@]} -gt 0 ]; then
    echo "gateway-bench: $name's CORS answers are not equivalent to the policy:" >&2
    printf '  - %s\n' "${bad[@]}" >&2
    local f
    for f in pre get evil evilpre; do
      echo "  --- $f:" >&2
      sed 's/^/    /' "$d/$f.h" >&2
    done
    exit 1
  fi
  printf '  %-8s ok: preflight %s (%s | %s | max-age %s), GET 200 + ACAO + Vary, %s refused\n' "$name" \
    "$(status_of "$d/pre.h")" "$(header "$d/pre.h" access-control-allow-methods)" \
    "$(header "$d/pre.h" access-control-allow-headers)" "$(header "$d/pre.h" access-control-max-age)" "$EVIL"
}

echo "== checking that every proxy answers with the policy"
{
  s=$(curl -sS --max-time 5 "http://127.0.0.1:${port[upstream]}/") && [ "$s" = ok ]
} || die "the upstream does not answer 'ok'"
for p in "${proxies[@]}"; do verify "$p"; done

# --- measuring ---------------------------------------------------------------------
clk=$(getconf CLK_TCK)
ncpu=$(nproc)
# CPU ticks (user + system, all threads) of a process and its children (nginx's workers).
ticks() { # pid
  local total=0 p t
  for p in "$1" $(pgrep -P "$1" || true); do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2> /dev/null | awk '{ print $12 + $13 }') || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
# CPU seconds used so far by this shell's finished children (wrk among them):
# `times` must run in this shell, not in a command substitution's subshell,
# so snap_times writes it to a file and children_cpu reads that.
snap_times() { times > "$tmp/times"; }
children_cpu() {
  awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub(/s$/, "", p[2]); s += p[1] * 60 + p[2] }
    printf "%.3f", s }' "$tmp/times"
}
# The machine's process time (user + nice + system) and total time, in ticks
# over all CPUs, from /proc/stat. (The kernel's interrupt and softirq time,
# where loopback traffic is handled, is in neither a process's figure nor this.)
machine() { awk '$1 == "cpu" { print $2 + $3 + $4, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }

# Measures the CPU used between probe_start and probe_end, in % of one core:
# P_PROXY (the proxy), P_UP (the upstream), P_WRK (wrk) and P_OTHERS (every
# other process on the machine: other people's builds make the figures noisy).
probe_start() { # name|direct
  P_T0=$(date +%s.%N)
  P_P0=0
  [ "$1" != direct ] && P_P0=$(ticks "${pid[$1]}")
  P_U0=$(ticks "${pid[upstream]}")
  snap_times
  P_W0=$(children_cpu)
  P_M0=$(machine)
}
probe_end() { # name|direct
  local p1=0 u1 w1 m1
  [ "$1" != direct ] && p1=$(ticks "${pid[$1]}")
  u1=$(ticks "${pid[upstream]}")
  snap_times
  w1=$(children_cpu)
  m1=$(machine)
  read -r P_PROXY P_UP P_WRK P_OTHERS < <(awk -v t0="$P_T0" -v t1="$(date +%s.%N)" -v c="$clk" \
    -v p="$((p1 - P_P0))" -v u="$((u1 - P_U0))" -v w0="$P_W0" -v w1="$w1" -v m0="$P_M0" -v m1="$m1" 'BEGIN {
      secs = t1 - t0; split(m0, a, " "); split(m1, b, " ")
      pp = 100 * p / c / secs; up = 100 * u / c / secs; wp = 100 * (w1 - w0) / secs
      all = 100 * (b[1] - a[1]) / c / secs; o = all - pp - up - wp; if (o < 0) o = 0
      printf "%.0f %.0f %.0f %.0f\n", pp, up, wp, o }')
  [ "$1" = direct ] && P_PROXY=-
  return 0
}
# Waits (up to QUIET_WAIT seconds) until other processes use less than
# QUIET_MAX % of one core, measured over 1 s while everything here is idle.
wait_quiet() {
  local waited=0 m0 busy
  while :; do
    m0=$(machine)
    sleep 1
    busy=$(awk -v a="$m0" -v b="$(machine)" -v n="$ncpu" 'BEGIN { split(a, x, " "); split(b, y, " ")
      printf "%.0f", (y[2] > x[2]) ? 100 * n * (y[1] - x[1]) / (y[2] - x[2]) : 0 }')
    [ "$busy" -le "$QUIET_MAX" ] && break
    if [ "$waited" = 0 ]; then
      printf '  .. other processes use %s%% of a core; waiting up to %ss for a quieter machine\n' "$busy" "$QUIET_WAIT"
    fi
    waited=$((waited + 1))
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      echo "  .. still busy (${busy}%) after ${QUIET_WAIT}s; measuring anyway"
      break
    fi
  done
}

# wrk's latency figure in µs ("123.45us", "1.23ms", "1.00s", "1.00m").
to_us() {
  awk -v v="$1" 'BEGIN {
    if (match(v, /^[0-9.]+/)) { n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1) } else exit 1
    f = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : -1
    if (f < 0) exit 1
    printf "%.1f", n * f
  }'
}
fmt0() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
median() {
  [ $# -eq 0 ] && { echo -; return; }
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# One wrk run. Sets W_RPS, W_P50 (µs, with --latency) and W_NOTE (errors seen:
# non-2xx/3xx responses, socket errors).
run_wrk() { # name kind duration url [taskset -c N] wrk-options...
  local name=$1 kind=$2 secs=$3 url=$4 out
  local -a pre=()
  shift 4
  if [ "${1:-}" = taskset ]; then
    pre=("$1" "$2" "$3")
    shift 3
  fi
  out=$("${pre[@]}" wrk "$@" -d"${secs}s" "$url" 2>&1) || {
    echo "$out" >&2
    die "wrk failed against $name"
  }
  echo "$out" >> "$tmp/wrk-$name-$kind.txt"
  W_RPS=$(awk '$1 == "Requests/sec:" { print $2; exit }' <<< "$out")
  [[ $W_RPS =~ ^[0-9.]+$ ]] || die "cannot read Requests/sec from wrk's output:\n$out"
  W_P50=-
  W_P99=-
  if [[ " $* " == *" --latency "* ]]; then
    W_P50=$(to_us "$(awk '$1 == "50%" { print $2; exit }' <<< "$out")") ||
      die "cannot read the 50% latency from wrk's output:\n$out"
    W_P99=$(to_us "$(awk '$1 == "99%" { print $2; exit }' <<< "$out")") ||
      die "cannot read the 99% latency from wrk's output:\n$out"
  fi
  local non2xx sock
  non2xx=$(awk -F: '/Non-2xx or 3xx responses/ { gsub(/ /, "", $2); print $2 }' <<< "$out")
  sock=$(awk '/Socket errors:/ { s = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' <<< "$out")
  W_NOTE=""
  [ -n "$non2xx" ] && [ "$non2xx" != 0 ] && W_NOTE="$non2xx non-2xx/3xx"
  [ -n "$sock" ] && [ "$sock" != 0 ] && W_NOTE="${W_NOTE:+$W_NOTE, }$sock socket errors"
  return 0
}

# (a) or (b): req/s at THREADS/CONNECTIONS. Sets M_VAL, M_NOTE and the probe's figures.
throughput() { # name kind(a|b)
  local name=$1 kind=$2 script url top_pid=""
  [ "$name" = direct ] && url="http://127.0.0.1:${port[upstream]}/" || url="http://127.0.0.1:${port[$name]}/"
  [ "$kind" = a ] && script=$templates/preflight.lua || script=$templates/get.lua
  if [ "$kind" = b ] && [ "$round" = "$ROUNDS" ] && [ "$name" != direct ] && [ "$DURATION" -ge 2 ]; then
    # A snapshot of top (over 1 s) in the middle of the last round's (b).
    (
      sleep $(((DURATION - 1) / 2))
      top -b -n2 -d1 -w 200 | awk '/^top -/ { f++ } f == 2' > "$tmp/top-$name.txt"
    ) &
    top_pid=$!
  fi
  probe_start "$name"
  run_wrk "$name" "$kind" "$DURATION" "$url" -t"$THREADS" -c"$CONNECTIONS" -s "$script"
  probe_end "$name"
  M_RSS=-
  [ "$name" != direct ] && M_RSS=$(rss_kb "${pid[$name]}")
  if [ -n "$top_pid" ]; then wait "$top_pid" || true; fi
  M_VAL=$W_RPS
  M_NOTE=$W_NOTE
  M_SHOW=$(printf '%10s req/s   CPU proxy/upstream/wrk %s/%s/%s %%, others %s %%' "$W_RPS" "$P_PROXY" "$P_UP" "$P_WRK" "$P_OTHERS")
}

# (c): the median latency of the proxied GET at one connection, and the same
# straight to the upstream. The DURATION is cut into slices that alternate
# between the two (direct first), so that both see the same state of the VM;
# each side's figure is the median of its slices' medians.
# With "one-cpu", the same with wrk, the proxy and the upstream all pinned to
# CPU 0 (taskset): on this VM a wake-up across CPUs costs ~100 µs, and where the
# scheduler puts the processes would otherwise decide much of the figure.
latency() { # name [one-cpu]
  local name=$1 mode=${2:-} slices secs i k=c
  slices=$((DURATION < C_SLICES ? DURATION : C_SLICES))
  secs=$((DURATION / slices))
  local -a mine=() mine99=() direct=() pre=()
  if [ "$mode" = one-cpu ]; then
    k=c1
    pre=(taskset -c 0)
    pin 0 "$name"
  fi
  M_NOTE=""
  probe_start "$name"
  for i in $(seq "$slices"); do
    run_wrk direct "$k" "$secs" "http://127.0.0.1:${port[upstream]}/" "${pre[@]}" -t1 -c1 --latency -s "$templates/get.lua"
    direct+=("$W_P50")
    [ -n "$W_NOTE" ] && M_NOTE="${M_NOTE:+$M_NOTE, }direct: $W_NOTE"
    run_wrk "$name" "$k" "$secs" "http://127.0.0.1:${port[$name]}/" "${pre[@]}" -t1 -c1 --latency -s "$templates/get.lua"
    mine+=("$W_P50")
    mine99+=("$W_P99")
    [ -n "$W_NOTE" ] && M_NOTE="${M_NOTE:+$M_NOTE, }$W_NOTE"
  done
  probe_end "$name"
  if [ "$mode" = one-cpu ]; then pin "0-$((ncpu - 1))" "$name"; fi
  M_VAL=$(median "${mine[@]}")
  M_P99=$(median "${mine99[@]}")
  M_DIRECT=$(median "${direct[@]}")
  M_SHOW=$(printf '%7s µs p50 (slices %s), direct %s µs (slices %s), others %s %%' "$M_VAL" "${mine[*]}" \
    "$M_DIRECT" "${direct[*]}" "$P_OTHERS")
}
# Sets the CPU affinity of every thread of the upstream and of a proxy (and of
# their child processes: nginx's workers).
pin() { # cpus name
  local p
  for p in "${pid[upstream]}" $(pgrep -P "${pid[upstream]}") "${pid[$2]}" $(pgrep -P "${pid[$2]}" || true); do
    taskset -a -p -c "$1" "$p" > /dev/null
  done
}

declare -A res=()    # "name:kind" -> figures, one per round
declare -A notes=()  # "name" -> wrk's errors and noisy runs
declare -A cpu=()    # "name" -> "proxy/upstream/wrk" per round, in (b)
declare -A noisy=()  # "name" -> how many kept runs had others above NOISE_MAX
declare -A errors=() # "name" -> how many kept runs had wrk errors
declare -A runs=()   # "name" -> how many runs were kept
add() { res[$1]="${res[$1]:-}${res[$1]:+ }$2"; }
note() { notes[$1]="${notes[$1]:-}${notes[$1]:+; }$2"; }

# Runs one measurement (throughput NAME a|b, or latency NAME [one-cpu]) on a
# quiet machine; runs it again (up to REDO times) when other processes used
# more than NOISE_MAX % of a core meanwhile, then records it.
measure() { # name kind
  local name=$1 kind=$2 attempt=0
  while :; do
    wait_quiet
    case $kind in
      a | b) throughput "$name" "$kind" ;;
      c) latency "$name" ;;
      c1) latency "$name" one-cpu ;;
    esac
    [ "$P_OTHERS" -le "$NOISE_MAX" ] && break
    if [ "$attempt" -ge "$REDO" ]; then
      noisy[$name]=$((${noisy[$name]:-0} + 1))
      note "$name" "($kind) round $round: other processes used ${P_OTHERS}% of a core"
      M_SHOW="$M_SHOW  !! noisy, kept"
      break
    fi
    attempt=$((attempt + 1))
    printf '  round %d  %-8s (%s) others used %s%% of a core: again\n' "$round" "$name" "$kind" "$P_OTHERS"
  done
  if [ -n "$M_NOTE" ]; then
    errors[$name]=$((${errors[$name]:-0} + 1))
    note "$name" "($kind) round $round: $M_NOTE"
  fi
  runs[$name]=$((${runs[$name]:-0} + 1))
  add "$name:$kind" "$(fmt0 "$M_VAL")"
  case $kind in
    b)
      cpu[$name]="${cpu[$name]:-}${cpu[$name]:+ }$P_PROXY/$P_UP/$P_WRK"
      [ "$M_RSS" != - ] && add "$name:rss" "$M_RSS"
      ;;
    c | c1)
      add "$name:p99$kind" "$(fmt0 "$M_P99")"
      add "direct:$kind" "$(fmt0 "$M_DIRECT")"
      add "$name:added$kind" "$(awk -v x="$M_VAL" -v y="$M_DIRECT" 'BEGIN { print x - y }')"
      ;;
  esac
  printf '  round %d  %-8s (%s) %s%s\n' "$round" "$name" "$kind" "$M_SHOW" "${M_NOTE:+  !! $M_NOTE}"
}

round=0
if [ "$WARMUP" -gt 0 ]; then
  echo "== warm-up (${WARMUP}s of proxied GETs per proxy)"
  for p in "${proxies[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$templates/get.lua" \
      "http://127.0.0.1:${port[$p]}/" > /dev/null 2>&1 || die "wrk warm-up against $p failed"
  done
fi

echo "== measuring: $ROUNDS round(s), ${DURATION}s per run; (a) and (b) with wrk -t$THREADS -c$CONNECTIONS, (c) with -t1 -c1"
echo "   (each run waits for other processes to use <= ${QUIET_MAX}% of a core, and is run again, up to $REDO times,"
echo "   when they used > ${NOISE_MAX}% meanwhile)"
n=${#proxies[@]}
for round in $(seq "$ROUNDS"); do
  # Straight to the upstream, for context.
  measure direct b
  # The proxies in turn, starting one further along each round.
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${proxies[$(((i + round - 1) % n))]}"); done
  for p in "${order[@]}"; do
    measure "$p" a
    measure "$p" b
    measure "$p" c
  done
  # The pinned runs last in the round, so that every unpinned (c) follows the
  # same proxy's (b), never a placement left over from pinning.
  if [ "$ONE_CPU" = 1 ]; then
    for p in "${order[@]}"; do measure "$p" c1; done
  fi
done

# --- results -----------------------------------------------------------------------
med() { # name kind
  local -a vs
  read -r -a vs <<< "${res[$1:$2]:-}"
  median "${vs[@]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "== versions"
echo "  $(nginx -v 2>&1 | head -1)"
echo "  caddy $(caddy version 2>&1 | head -1)"
echo "  $(haproxy -v 2>&1 | head -1)"
echo "  $(wrk -v 2>&1 | head -1 || true)"
echo "  $("$corsair" --version 2>&1 | head -1) ($corsair, built $(date -u -r "$corsair" '+%F %T UTC'); the work tree is now at git $(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- crates 2> /dev/null || echo ' with local changes'))"
echo "  nproc: $ncpu; $(uname -sr); $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo
echo "== results: medians over $ROUNDS round(s); ${DURATION}s per run; $WORKERS worker(s) per proxy"
echo "   (a) preflights/s and (b) proxied GETs/s: wrk -t$THREADS -c$CONNECTIONS"
echo "   (c) p50 of the proxied GET at one connection (wrk -t1 -c1 --latency), and what the proxy adds to the"
echo "       same run straight to the upstream (paired slices); (c1) the same with everything pinned to CPU 0"
echo "   (c) p99: the 99th percentile of the same run; RSS: the proxy's resident memory (all its processes) after (b)"
echo "   CPU in (b), per round: % of one core used by the proxy / the upstream / wrk"
echo
row() { printf '| %-8s | %10s | %10s | %8s | %8s | %8s | %8s | %8s | %8s | %-26s | %-18s |\n' "$@"; }
row proxy "(a) pre/s" "(b) GET/s" "(c) µs" "added" "(c) p99" "(c1) µs" "added" "RSS kB" "CPU in (b)" "flagged runs"
echo "|----------|-----------:|-----------:|---------:|---------:|---------:|---------:|---------:|---------:|----------------------------|--------------------|"
flags() { # name
  local f=""
  [ "${errors[$1]:-0}" -gt 0 ] && f="${errors[$1]} wrk errors"
  [ "${noisy[$1]:-0}" -gt 0 ] && f="${f:+$f, }${noisy[$1]} noisy"
  echo "${f:-none} (of ${runs[$1]:-0})"
}
c1() { if [ "$ONE_CPU" = 1 ]; then fmt0 "$(med "$1" "$2")"; else echo -; fi; }
for p in direct "${proxies[@]}"; do
  if [ "$p" = direct ]; then
    row direct - "$(fmt0 "$(med direct b)")" "$(fmt0 "$(med direct c)")" - "$(fmt0 "$(med direct p99c)")" "$(c1 direct c1)" - - "${cpu[direct]:-}" "$(flags direct)"
  else
    row "$p" "$(fmt0 "$(med "$p" a)")" "$(fmt0 "$(med "$p" b)")" "$(fmt0 "$(med "$p" c)")" "$(fmt0 "$(med "$p" addedc)")" \
      "$(fmt0 "$(med "$p" p99c)")" "$(c1 "$p" c1)" "$(c1 "$p" addedc1)" "$(fmt0 "$(med "$p" rss)")" "${cpu[$p]:-}" "$(flags "$p")"
  fi
done
echo
echo "   per round:"
for p in direct "${proxies[@]}"; do
  printf '     %-8s (a) %s | (b) %s | (c) %s, added %s | (c1) %s, added %s\n' "$p" \
    "${res[$p:a]:--}" "${res[$p:b]:--}" "${res[$p:c]:--}" "${res[$p:addedc]:--}" "${res[$p:c1]:--}" "${res[$p:addedc1]:--}"
done
echo
echo "== top during the last round's (b), per proxy (1 s, from the middle of the run)"
for p in "${proxies[@]}"; do
  [ -s "$tmp/top-$p.txt" ] || continue
  echo "  -- $p (pid ${pid[$p]}; upstream pid ${pid[upstream]})"
  awk 'NR == 3 || (NR >= 7 && NR <= 12)' "$tmp/top-$p.txt" | sed 's/^/  /'
done
echo
if [[ " ${proxies[*]} " == *" corsair "* ]]; then
  verdict() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= g) : (v <= g); print ok ? "met" : "NOT met" }'; }
  if [[ " ${proxies[*]} " == *" nginx "* ]]; then
    ra=$(ratio "$(med corsair a)" "$(med nginx a)")
    rb=$(ratio "$(med corsair b)" "$(med nginx b)")
    echo "   preflights/s, corsair/nginx:   $ra   (goal >= 1.10: $(verdict "$ra" 1.1 '>='))"
    echo "   proxied GETs/s, corsair/nginx: $rb   (goal >= 1.00: $(verdict "$rb" 1.0 '>='))"
  fi
  added_us=$(fmt0 "$(med corsair addedc)")
  if [[ " ${proxies[*]} " == *" nginx "* ]]; then
    added_nginx=$(fmt0 "$(med nginx addedc)")
    echo "   added median latency at one connection: corsair $added_us µs, nginx $added_nginx µs   (goal: corsair <= nginx: $(verdict "$added_us" "$added_nginx" '<='))"
  else
    echo "   corsair's added median latency at one connection: $added_us µs"
  fi
  if [ "$ONE_CPU" = 1 ]; then
    added1=$(fmt0 "$(med corsair addedc1)")
    echo "     the same with everything on one CPU (c1): $added1 µs   (goal <= 100 µs: $(verdict "$added1" 100 '<='))"
  fi
fi
if [ -n "${SUMMARY:-}" ]; then
  {
    for p in direct "${proxies[@]}"; do
      for k in a b c addedc p99c c1 addedc1 rss; do
        v=$(med "$p" "$k")
        [ "$v" = - ] || printf '%s %s %s\n' "$p" "$k" "$(fmt0 "$v")"
      done
      printf '%s flagged %s\n' "$p" "$((${errors[$p]:-0} + ${noisy[$p]:-0}))"
    done
  } > "$SUMMARY"
fi
if [ ${#notes[@]} -gt 0 ]; then
  echo
  echo "   !! flagged runs (wrk errors, or other processes busy after $REDO re-runs): those figures are suspect"
  for p in direct "${proxies[@]}"; do
    [ -n "${notes[$p]:-}" ] || continue
    tr ';' '\n' <<< "${notes[$p]}" | sed "s/^ *//; s/^/      $p /"
  done
fi
