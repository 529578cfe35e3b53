#!/usr/bin/env bash
# `corsair serve` against nginx over HTTP/2 from the client: h2c (prior
# knowledge, plain TCP) and h2 (TLS with ALPN), same policy, same upstream,
# same worker count, measured with h2load on loopback in alternating rounds.
#
# Usage: scripts/gateway-h2-bench.sh
# Environment (defaults in brackets):
#   ROUNDS [3]         rounds; each measures every proxy and mode once
#   DURATION [5]       seconds per h2load run
#   WORKERS [1]        corsair --workers and nginx worker_processes
#   CLIENTS [32]       h2load connections
#   STREAMS [10]       concurrent streams per connection
#   BASE_PORT [18180]  the upstream, then corsair h2c, nginx h2c, corsair h2, nginx h2
#   CORSAIR_BIN        a corsair binary to use instead of building
#   SUMMARY            a file: "proxy figure value" lines (scripts/bench-all.sh)
#
# nginx is configured from scripts/gateway-bench/proxy.nginx.conf with its
# listener made `http2` (and `ssl` for h2); both get the same self-signed
# certificate, made here with openssl. Before measuring, each listener's
# preflight and GET answers are checked with curl over HTTP/2. Everything
# listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
templates=$root/scripts/gateway-bench
export PATH="$PATH:/usr/sbin:/sbin"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WORKERS=${WORKERS:-1}
CLIENTS=${CLIENTS:-32}
STREAMS=${STREAMS:-10}
BASE_PORT=${BASE_PORT:-18180}
ORIGIN=https://app.example.com
for v in ROUNDS DURATION WORKERS CLIENTS STREAMS BASE_PORT; do
  if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
    echo "gateway-h2-bench: $v must be a positive integer (got '${!v}')" >&2
    exit 2
  fi
done
missing=()
for tool in nginx h2load curl openssl; do
  command -v "$tool" > /dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "gateway-h2-bench: missing: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y nginx-light nghttp2-client curl openssl" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gateway-h2.XXXXXX")
SCRIPT=gateway-h2-bench
# shellcheck source=scripts/lib/gateway.sh
. "$root/scripts/lib/gateway.sh"
stop_on_exit

up=$BASE_PORT
declare -A port=([corsair-h2c]=$((BASE_PORT + 1)) [nginx-h2c]=$((BASE_PORT + 2)) [corsair-h2]=$((BASE_PORT + 3)) [nginx-h2]=$((BASE_PORT + 4)))
for p in "$up" "${port[@]}"; do
  port_open "$p" && die "port $p is already in use on 127.0.0.1; set BASE_PORT"
done

if [ -n "${CORSAIR_BIN:-}" ]; then
  corsair=$CORSAIR_BIN
else
  cargo build --release -q -p corsair-cli
  corsair=$root/target/release/corsair
fi

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2> /dev/null

# nginx from the HTTP/1 benchmark's templates: same policy, same upstream.
render() { # template out port
  sed -e "s#@DIR@#$tmp#g" -e "s#@PORT@#$3#g" -e "s#@UPSTREAM_PORT@#$up#g" \
    -e "s#@WORKERS@#$WORKERS#g" -e "s#@ORIGIN@#$ORIGIN#g" "$templates/$1" > "$2"
}
render upstream.nginx.conf "$tmp/upstream.conf" "$up"
sed -i "s#pid $tmp/upstream.pid#pid $tmp/up.pid#" "$tmp/upstream.conf"
nginx -e "$tmp/up.err" -p "$tmp" -c "$tmp/upstream.conf" > "$tmp/up.log" 2>&1 &
pids+=($!)
wait_port "$up" upstream
for mode in h2c h2; do
  conf=$tmp/nginx-$mode.conf
  render proxy.nginx.conf "$conf" "${port[nginx-$mode]}"
  sed -i "s#pid $tmp/nginx.pid#pid $tmp/nginx-$mode.pid#" "$conf"
  if [ $mode = h2c ]; then
    sed -i "s#listen 127.0.0.1:${port[nginx-$mode]} reuseport;#listen 127.0.0.1:${port[nginx-$mode]} http2 reuseport;#" "$conf"
  else
    sed -i "s#listen 127.0.0.1:${port[nginx-$mode]} reuseport;#listen 127.0.0.1:${port[nginx-$mode]} ssl http2 reuseport; ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem;#" "$conf"
  fi
  grep -q http2 "$conf" || die "could not make nginx's listener http2"
  nginx -e "$tmp/nginx-$mode.err" -p "$tmp" -c "$conf" > "$tmp/nginx-$mode.log" 2>&1 &
  pids+=($!)
  wait_port "${port[nginx-$mode]}" "nginx ($mode)"
done
env -u CORS_ORIGINS -u CORSAIR_STAGE CORSAIR_LOG=warn "$corsair" serve --upstream "http://127.0.0.1:$up" \
  --listen "127.0.0.1:${port[corsair-h2c]}" --origin "$ORIGIN" --workers "$WORKERS" > "$tmp/corsair-h2c.log" 2>&1 &
pids+=($!)
env -u CORS_ORIGINS -u CORSAIR_STAGE CORSAIR_LOG=warn "$corsair" serve --upstream "http://127.0.0.1:$up" \
  --listen "127.0.0.1:${port[corsair-h2]}" --origin "$ORIGIN" --workers "$WORKERS" \
  --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" > "$tmp/corsair-h2.log" 2>&1 &
pids+=($!)
wait_port "${port[corsair-h2c]}" "corsair (h2c)"
wait_port "${port[corsair-h2]}" "corsair (h2)"

# --- equivalence over HTTP/2 -------------------------------------------------
url_of() { # name
  case $1 in *-h2c) echo "http://127.0.0.1:${port[$1]}/" ;; *) echo "https://127.0.0.1:${port[$1]}/" ;; esac
}
curl_h2() { # name args...
  local name=$1
  shift
  case $name in
    *-h2c) curl -sS --max-time 5 --http2-prior-knowledge "$@" "$(url_of "$name")" ;;
    *) curl -sS --max-time 5 -k --http2 "$@" "$(url_of "$name")" ;;
  esac
}
echo "== checking every listener over HTTP/2"
for name in corsair-h2c nginx-h2c corsair-h2 nginx-h2; do
  pre=$(curl_h2 "$name" -o /dev/null -D - -X OPTIONS -H "Origin: $ORIGIN" -H "Access-Control-Request-Method: PUT" -H "Access-Control-Request-Headers: content-type") ||
    die "$name: the preflight failed"
  get=$(curl_h2 "$name" -D - -H "Origin: $ORIGIN") || die "$name: the GET failed"
  grep -q '^HTTP/2 204' <<< "$pre" || die "$name: the preflight is not an HTTP/2 204:\n$pre"
  grep -qi "^access-control-allow-origin: $ORIGIN" <<< "$pre" || die "$name: the preflight has no Access-Control-Allow-Origin: $ORIGIN"
  grep -qi '^access-control-allow-methods:.*PUT' <<< "$pre" || die "$name: the preflight does not allow PUT"
  grep -q '^HTTP/2 200' <<< "$get" || die "$name: the GET is not an HTTP/2 200"
  grep -qi "^access-control-allow-origin: $ORIGIN" <<< "$get" || die "$name: the GET has no Access-Control-Allow-Origin"
  grep -q '^ok' <<< "$get" || die "$name: the GET's body is not the upstream's"
  echo "  $name ok"
done

# --- measuring ---------------------------------------------------------------
declare -A res=()
run() { # name kind(pre|get) -> req/s
  local name=$1 kind=$2 out rps failed
  local -a args=(-D "$DURATION" -c "$CLIENTS" -m "$STREAMS" -t 1 -H "origin: $ORIGIN")
  [ "$kind" = pre ] && args+=(-H ':method: OPTIONS' -H 'access-control-request-method: PUT' -H 'access-control-request-headers: content-type')
  out=$(h2load "${args[@]}" "$(url_of "$name")" 2>&1) || die "h2load failed against $name:\n$out"
  rps=$(awk '/^finished in/ { for (i = 1; i <= NF; i++) if ($i == "req/s,") { print $(i - 1); exit } }' <<< "$out")
  failed=$(awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($i == "failed,") print $(i - 1) }' <<< "$out")
  [[ $rps =~ ^[0-9.]+$ ]] || die "cannot read req/s from h2load:\n$out"
  [ "${failed:-0}" = 0 ] || die "$name ($kind): $failed requests failed:\n$out"
  grep -q "status codes: .* 0 4xx, 0 5xx" <<< "$out" || die "$name ($kind): error statuses:\n$out"
  res[$name:$kind]="${res[$name:$kind]:-}${res[$name:$kind]:+ }${rps%.*}"
  printf '  round %d  %-12s %-3s %10s req/s\n' "$round" "$name" "$kind" "${rps%.*}"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
echo "== measuring: $ROUNDS round(s) of ${DURATION}s h2load runs, $CLIENTS connections x $STREAMS streams, $WORKERS worker(s)"
for round in $(seq "$ROUNDS"); do
  for mode in h2c h2; do
    for name in corsair-$mode nginx-$mode; do
      run "$name" pre
      run "$name" get
    done
  done
done
echo
echo "== results (medians): requests/s"
printf '| %-6s | %12s | %12s | %8s | %12s | %12s | %8s |\n' mode "corsair pre" "nginx pre" ratio "corsair GET" "nginx GET" ratio
echo "|--------|-------------:|-------------:|---------:|-------------:|-------------:|---------:|"
summary=""
for mode in h2c h2; do
  read -r -a a <<< "${res[corsair-$mode:pre]}"; cp=$(median "${a[@]}")
  read -r -a a <<< "${res[nginx-$mode:pre]}"; np=$(median "${a[@]}")
  read -r -a a <<< "${res[corsair-$mode:get]}"; cg=$(median "${a[@]}")
  read -r -a a <<< "${res[nginx-$mode:get]}"; ng=$(median "${a[@]}")
  rp=$(awk -v a="$cp" -v b="$np" 'BEGIN { printf "%.2f", a / b }')
  rg=$(awk -v a="$cg" -v b="$ng" 'BEGIN { printf "%.2f", a / b }')
  printf '| %-6s | %12s | %12s | %8s | %12s | %12s | %8s |\n' "$mode" "$cp" "$np" "$rp" "$cg" "$ng" "$rg"
  summary+="corsair $mode-pre $cp"$'\n'"nginx $mode-pre $np"$'\n'"corsair $mode-get $cg"$'\n'"nginx $mode-get $ng"$'\n'
done
if [ -n "${SUMMARY:-}" ]; then printf '%s' "$summary" > "$SUMMARY"; fi
