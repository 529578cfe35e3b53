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
#   BASE_PORT [18080] upstream on BASE_PORT, the proxies on the next four ports
#   PROXIES ["corsair nginx caddy haproxy"]
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
# (wrk -t1 -c1 --latency), against the same run straight to the upstream.
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
BASE_PORT=${BASE_PORT:-18080}
PROXIES=${PROXIES:-"corsair nginx caddy haproxy"}
ORIGIN=https://app.example.com
EVIL=https://evil.example

for v in ROUNDS DURATION WORKERS THREADS CONNECTIONS WARMUP BASE_PORT; do
  if ! [[ ${!v} =~ ^[0-9]+$ ]] || { [ "$v" != WARMUP ] && [ "${!v}" -eq 0 ]; }; then
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
for tool in nginx caddy haproxy wrk curl; do
  command -v "$tool" > /dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "gateway-bench: missing: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y nginx-light caddy haproxy wrk curl" >&2
  exit 1
fi

# --- processes and cleanup -------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gateway-bench.XXXXXX")
declare -A pid=()   # name -> pid of each process started here
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local p
  for p in "${pid[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
  # Up to 5 s for a clean stop, then KILL what is left (and nginx's workers).
  local i
  for i in $(seq 50); do
    local alive=0
    for p in "${pid[@]}"; do kill -0 "$p" 2> /dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${pid[@]}"; do
    if kill -0 "$p" 2> /dev/null; then
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

port_open() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

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
    if ! kill -0 "${pid[$name]}" 2> /dev/null; then
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
echo "== building corsair (release)"
cargo build --release -p corsair-cli
corsair=$root/target/release/corsair
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
# CPU ticks (user + system) of a process and its children (nginx's workers).
ticks() { # pid
  local total=0 p t
  for p in "$1" $(pgrep -P "$1" || true); do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2> /dev/null | awk '{ print $12 + $13 }') || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
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

declare -A res=()   # "name:kind" -> space-separated values per round
declare -A errs=()  # "name:kind" -> notes about errors
declare -A cpu=()   # "name" -> "proxy% upstream%" per round, during (b)
# Runs wrk; appends to res[name:kind] the req/s (a, b) or the median in µs (c).
measure() { # name kind(a|b|c) url
  local name=$1 kind=$2 url=$3 out script args
  case $kind in
    a) script=$templates/preflight.lua args=(-t"$THREADS" -c"$CONNECTIONS") ;;
    b) script=$templates/get.lua args=(-t"$THREADS" -c"$CONNECTIONS") ;;
    c) script=$templates/get.lua args=(-t1 -c1 --latency) ;;
  esac
  local p0 u0 t0 t1
  if [ "$name" != direct ]; then p0=$(ticks "${pid[$name]}"); fi
  u0=$(ticks "${pid[upstream]}")
  t0=$(date +%s.%N)
  out=$(wrk "${args[@]}" -d"${DURATION}s" -s "$script" "$url" 2>&1) || {
    echo "$out" >&2
    die "wrk failed against $name"
  }
  t1=$(date +%s.%N)
  echo "$out" > "$tmp/wrk-$name-$kind-$round.txt"
  if [ "$kind" = b ]; then
    local secs pc uc
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    uc=$(awk -v t="$(($(ticks "${pid[upstream]}") - u0))" -v s="$secs" -v c="$clk" 'BEGIN { printf "%.0f", 100 * t / c / s }')
    if [ "$name" != direct ]; then
      pc=$(awk -v t="$(($(ticks "${pid[$name]}") - p0))" -v s="$secs" -v c="$clk" 'BEGIN { printf "%.0f", 100 * t / c / s }')
    else pc=-; fi
    cpu[$name]="${cpu[$name]:-}${cpu[$name]:+ }$pc/$uc"
  fi
  local v
  if [ "$kind" = c ]; then
    v=$(awk '$1 == "50%" { print $2; exit }' <<< "$out")
    v=$(to_us "$v") || die "cannot read the 50% latency from wrk's output:\n$out"
  else
    v=$(awk '$1 == "Requests/sec:" { print $2; exit }' <<< "$out")
    [[ $v =~ ^[0-9.]+$ ]] || die "cannot read Requests/sec from wrk's output:\n$out"
  fi
  res[$name:$kind]="${res[$name:$kind]:-}${res[$name:$kind]:+ }$v"
  local non2xx sock
  non2xx=$(awk -F: '/Non-2xx or 3xx responses/ { gsub(/ /, "", $2); print $2 }' <<< "$out")
  sock=$(awk '/Socket errors:/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' <<< "$out")
  local note=""
  [ -n "$non2xx" ] && [ "$non2xx" != 0 ] && note="$non2xx non-2xx/3xx"
  [ -n "$sock" ] && [ "$sock" != 0 ] && note="${note:+$note, }$sock socket errors"
  if [ -n "$note" ]; then
    errs[$name:$kind]="${errs[$name:$kind]:-}${errs[$name:$kind]:+; }round $round: $note"
  fi
  local unit="req/s"
  [ "$kind" = c ] && unit="µs p50"
  printf '  round %d  %-8s (%s) %12s %s%s\n' "$round" "$name" "$kind" "$v" "$unit" "${note:+  !! $note}"
}

if [ "$WARMUP" -gt 0 ]; then
  echo "== warm-up (${WARMUP}s of proxied GETs per proxy)"
  for p in "${proxies[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$templates/get.lua" \
      "http://127.0.0.1:${port[$p]}/" > /dev/null 2>&1 || die "wrk warm-up against $p failed"
  done
fi

echo "== measuring: $ROUNDS round(s), ${DURATION}s per run; (a) and (b) with wrk -t$THREADS -c$CONNECTIONS, (c) with -t1 -c1"
n=${#proxies[@]}
for round in $(seq "$ROUNDS"); do
  # Straight to the upstream: the reference for (c), and GETs/s for context.
  measure direct b "http://127.0.0.1:${port[upstream]}/"
  measure direct c "http://127.0.0.1:${port[upstream]}/"
  # The proxies in turn, starting one further along each round.
  for i in $(seq 0 $((n - 1))); do
    p=${proxies[$(((i + round - 1) % n))]}
    url="http://127.0.0.1:${port[$p]}/"
    measure "$p" a "$url"
    measure "$p" b "$url"
    measure "$p" c "$url"
  done
done

# --- results -----------------------------------------------------------------------
median() {
  [ $# -eq 0 ] && { echo -; return; }
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
med() { # name kind
  local -a vs
  read -r -a vs <<< "${res[$1:$2]:-}"
  median "${vs[@]}"
}
# Median over rounds of (proxy's p50 - direct p50), paired by round.
added() { # name
  local -a a b d
  read -r -a a <<< "${res[$1:c]:-}"
  read -r -a b <<< "${res[direct:c]:-}"
  local i
  for i in "${!a[@]}"; do d+=("$(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { print x - y }')"); done
  median "${d[@]}"
}
fmt0() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
fmt1() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
errs_of() { # name
  local k out=""
  for k in a b c; do [ -n "${errs[$1:$k]:-}" ] && out="${out:+$out; }($k) ${errs[$1:$k]}"; done
  echo "${out:-none}"
}

echo
echo "== versions"
echo "  $(nginx -v 2>&1 | head -1)"
echo "  caddy $(caddy version 2>&1 | head -1)"
echo "  $(haproxy -v 2>&1 | head -1)"
echo "  $(wrk -v 2>&1 | head -1 || true)"
echo "  $("$corsair" --version 2>&1 | head -1) (git $(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- crates 2> /dev/null || echo ', with local changes'))"
echo "  nproc: $(nproc); $(uname -sr); $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo
echo "== results: medians over $ROUNDS round(s) of ${DURATION}s; $WORKERS worker(s) per proxy;"
echo "   (a) preflights/s and (b) proxied GETs/s with wrk -t$THREADS -c$CONNECTIONS; (c) p50 of the GET at -t1 -c1"
echo "   CPU during (b): proxy % / upstream % of one core, per round"
echo
printf '| %-8s | %16s | %16s | %14s | %20s | %-15s | %s |\n' proxy "(a) preflights/s" "(b) GETs/s" "(c) p50, µs" "added p50 vs direct" "CPU in (b)" errors
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "----------" "-----------------:" "-----------------:" "---------------:" "---------------------:" "-----------------" "--------"
printf '| %-8s | %16s | %16s | %14s | %20s | %-15s | %s |\n' direct - "$(fmt0 "$(med direct b)")" \
  "$(fmt1 "$(med direct c)")" - "${cpu[direct]:-}" "$(errs_of direct)"
for p in "${proxies[@]}"; do
  printf '| %-8s | %16s | %16s | %14s | %20s | %-15s | %s |\n' "$p" "$(fmt0 "$(med "$p" a)")" \
    "$(fmt0 "$(med "$p" b)")" "$(fmt1 "$(med "$p" c)")" "$(fmt1 "$(added "$p")")" "${cpu[$p]:-}" "$(errs_of "$p")"
done
echo
echo "   per round (a / b / c):"
for p in direct "${proxies[@]}"; do
  printf '     %-8s a: %-30s b: %-30s c: %s\n' "$p" "${res[$p:a]:--}" "${res[$p:b]:--}" "${res[$p:c]:--}"
done
echo
if [[ " ${proxies[*]} " == *" corsair "* ]]; then
  added_us=$(added corsair)
  verdict() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= g) : (v <= g); print ok ? "met" : "NOT met" }'; }
  if [[ " ${proxies[*]} " == *" nginx "* ]]; then
    ra=$(ratio "$(med corsair a)" "$(med nginx a)")
    rb=$(ratio "$(med corsair b)" "$(med nginx b)")
    echo "   preflights/s, corsair/nginx:  $ra   (goal >= 1.00x: $(verdict "$ra" 1.0 '>='))"
    echo "   proxied GETs/s, corsair/nginx: $rb   (goal >= 0.90x: $(verdict "$rb" 0.9 '>='))"
  fi
  echo "   corsair's added median latency at one connection: $(fmt1 "$added_us") µs   (goal <= 100 µs: $(verdict "$added_us" 100 '<='))"
fi
bad=0
for k in "${!errs[@]}"; do bad=1; done
if [ $bad = 1 ]; then
  echo
  echo "   !! wrk saw non-2xx/3xx responses or socket errors (column 'errors'): those figures are suspect"
fi
