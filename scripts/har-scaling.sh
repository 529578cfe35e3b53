#!/usr/bin/env bash
# `corsair har` on growing generated exports: wall time, peak RSS and the
# growth exponent log(t(8n)/t(n))/log(8) (1.0 is linear; memory should stay
# flat).
#
#   scripts/har-scaling.sh [N]        # N defaults to 12500
#
# Series (each run once, release binary, /usr/bin/time -v):
#   small  N, 2N, 4N, 8N cross-origin XHRs (one in ten blocked), human report,
#          plus a 1,000,000-entry memory point;
#   json   200,000 tiny entries, --json;
#   chain  one redirect chain of 2,000, 4,000, 8,000 and 16,000 hops (cut at
#          the browsers' 20 redirects);
#   mixed  6,250 to 50,000 small entries as real pages make them: in every
#          ten, a data: URL, a WebSocket, an extension script and a blob:
#          URL (not CORS), and three sanitized preflight + request pairs
#          whose Authorization only the preflight's ACRH records.
# Needs python3 and GNU time. SKIP_BUILD=1 uses target/release/corsair as is;
# SERIES="mixed" runs only the series named.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-12500}"
bin="${CORSAIR:-target/release/corsair}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
if [ -z "${SKIP_BUILD:-}" ]; then
    cargo build --release -q -p corsair-cli
fi

gen() { # kind entries file
    python3 - "$1" "$2" "$3" <<'PY'
import sys
kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    f.write('{"log":{"version":"1.2","creator":{"name":"har-scaling","version":"1"},'
            '"pages":[{"id":"page_1","title":"https://app.example.com/","startedDateTime":"2026-11-24T00:00:00.000Z"}],'
            '"entries":[\n')
    for i in range(n):
        if i:
            f.write(",\n")
        t = "2026-11-24T%02d:%02d:%02d.%03dZ" % ((i // 3600000) % 24, (i // 60000) % 60, (i // 1000) % 60, i % 1000)
        if kind == "chain":
            last = i + 1 == n
            nxt = "https://api.example.com/r/%d" % (i + 1)
            loc = "" if last else '"redirectURL":"%s",' % nxt
            hdr = "" if last else ',{"name":"location","value":"%s"}' % nxt
            f.write('{"startedDateTime":"%s","pageref":"page_1","_resourceType":"fetch","request":{"method":"GET",'
                    '"url":"https://api.example.com/r/%d","headers":[{"name":"origin","value":"https://app.example.com"}]},'
                    '"response":{"status":%d,%s"headers":[{"name":"access-control-allow-origin","value":"https://app.example.com"}%s]}}'
                    % (t, i, 200 if last else 302, loc, hdr))
        elif kind == "mixed":
            k = i % 10
            origin = '{"name":"origin","value":"https://app.example.com"}'
            if k < 4:
                url = ["data:text/plain,%d" % i, "wss://live.example.com/s/%d" % i,
                       "chrome-extension://abcdefghijklmnop/%d.js" % i,
                       "blob:https://app.example.com/%d" % i][k]
                f.write('{"startedDateTime":"%s","pageref":"page_1","request":{"method":"GET","url":"%s","headers":[%s]},'
                        '"response":{"status":200,"headers":[]}}' % (t, url, origin))
            elif k % 2 == 0:
                f.write('{"startedDateTime":"%s","pageref":"page_1","_resourceType":"preflight","request":{"method":"OPTIONS",'
                        '"url":"https://api.example.com/o/%d","headers":[%s,{"name":"access-control-request-method","value":"PUT"},'
                        '{"name":"access-control-request-headers","value":"authorization,content-type"}]},'
                        '"response":{"status":204,"headers":[{"name":"access-control-allow-origin","value":"https://app.example.com"},'
                        '{"name":"access-control-allow-methods","value":"PUT"},{"name":"access-control-allow-headers","value":"content-type"}]}}'
                        % (t, i + 1, origin))
            else:
                f.write('{"startedDateTime":"%s","pageref":"page_1","_resourceType":"fetch","request":{"method":"PUT",'
                        '"url":"https://api.example.com/o/%d","headers":[%s,{"name":"content-type","value":"application/json"}]},'
                        '"response":{"status":0,"headers":[],"_error":"net::ERR_FAILED"}}' % (t, i, origin))
        elif kind == "tiny":
            f.write('{"startedDateTime":"%s","request":{"method":"GET","url":"https://api.example.com/i/%d",'
                    '"headers":[{"name":"origin","value":"https://app.example.com"}]},"response":{"status":200,"headers":[]}}' % (t, i))
        else:
            acao = "" if i % 10 == 0 else '{"name":"access-control-allow-origin","value":"https://app.example.com"}'
            f.write('{"startedDateTime":"%s","pageref":"page_1","_resourceType":"xhr","request":{"method":"GET",'
                    '"url":"https://api.example.com/items/%d","httpVersion":"h2","headers":[{"name":"origin","value":"https://app.example.com"},'
                    '{"name":"accept","value":"*/*"}]},"response":{"status":200,"headers":[%s],'
                    '"content":{"size":2,"mimeType":"application/json","text":"{}"}}}' % (t, i, acao))
    f.write("\n]}}\n")
PY
}

# Runs the binary on a file; prints "seconds kib".
measure() { # file args...
    local file="$1"
    shift
    /usr/bin/time -v "$bin" har "$@" "$file" >/dev/null 2>"$dir/time" || true
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$dir/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time")
    echo "$wall $rss"
}

exponent() { # t1 t8
    python3 -c "import math,sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (math.log(b/a)/math.log(8)) if a > 0 and b > 0 else 'n/a')" "$1" "$2"
}

printf '%-8s %10s %10s %10s %10s\n' series entries seconds "peak MiB" "MB file"
series() { # name kind args... -- sizes...
    local name="$1" kind="$2"
    shift 2
    local args=()
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    shift
    local first_t="" last_t="" first_m="" last_m="" count=$#
    for size in "$@"; do
        gen "$kind" "$size" "$dir/x.har"
        local mb
        mb=$(du -m "$dir/x.har" | cut -f1)
        read -r t m < <(measure "$dir/x.har" "${args[@]}")
        printf '%-8s %10s %10s %10.1f %10s\n' "$name" "$size" "$t" "$(awk -v k="$m" 'BEGIN {print k / 1024}')" "$mb"
        [ -z "$first_t" ] && { first_t=$t; first_m=$m; }
        last_t=$t
        last_m=$m
        rm -f "$dir/x.har"
    done
    if [ "$count" -gt 1 ]; then
        echo "$name: growth exponent over 8x: time $(exponent "$first_t" "$last_t"), peak memory $(exponent "$first_m" "$last_m")"
    fi
}

only="${SERIES:-small json chain mixed}"
run() { case " $only " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if run small; then
    series small small -- "$n" $((2 * n)) $((4 * n)) $((8 * n))
    series small small -- 1000000
fi
run json && series json tiny --json -- 200000
run chain && series chain chain -- 2000 4000 8000 16000
run mixed && series mixed mixed -- 6250 12500 25000 50000
run mixed && series mixed mixed --json -- 50000
true
