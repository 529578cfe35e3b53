#!/usr/bin/env bash
# Instructions per request for corsair-tower and tower-http's CorsLayer, same
# policy, same requests: 10,000 calls per case counted by callgrind (only the
# layer's call and what it calls; building the requests is not counted).
# Repeatable on any machine, unlike wall-clock times.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p corsair-tower --bench layer --no-run >/dev/null 2>&1
BIN=$(ls -t target/release/deps/layer-* | grep -v '\.d$' | head -1)
CASES=("allowed actual" "allowed preflight" "refused preflight" "hostile request-headers")
printf '%-26s %9s %14s %11s %7s\n' case origins corsair-tower tower-http ratio
for origins in 1 1000; do
  for i in 0 1 2 3; do
    row=()
    for layer in corsair tower-http; do
      out=$(mktemp)
      LAYER_COUNT="$i,$layer,$origins" valgrind --tool=callgrind --callgrind-out-file="$out" \
        --toggle-collect='layer::call*' "$BIN" >/dev/null 2>&1
      total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
      rm -f "$out"
      row+=("$((total / 10000))")
    done
    label=$([ "$origins" = 1000 ] && echo "1000+100" || echo 1)
    ratio=$(awk -v a="${row[0]}" -v b="${row[1]}" 'BEGIN { printf "%.2f", a / b }')
    printf '%-26s %9s %14s %11s %7s\n' "${CASES[$i]}" "$label" "${row[0]}" "${row[1]}" "$ratio"
  done
done
