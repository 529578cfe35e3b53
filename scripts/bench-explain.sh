#!/usr/bin/env bash
# Throughput of `corsair explain --json` over JSON Lines, on one core.
# Usage: scripts/bench-explain.sh [SCENARIOS]   (default 200000)
# Builds the release binary, repeats the conformance corpus to SCENARIOS lines,
# and reports scenarios per second (best of 5 runs, pinned to one CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
cargo build --release -q -p corsair-cli
bin=target/release/corsair
corpus=conformance/corpus/scenarios.jsonl
input=$(mktemp /tmp/corsair-bench.XXXXXX.jsonl)
trap 'rm -f "$input"' EXIT
# Bare scenarios (the corpus wraps each in {"id", "scenario", ...}), cycled to n lines.
python3 - "$corpus" "$n" > "$input" <<'PY'
import json, sys
lines = [json.dumps(json.loads(l)["scenario"], separators=(",", ":")) for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
sys.stdout.write("\n".join(lines[i % len(lines)] for i in range(n)) + "\n")
PY
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
best=""
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  $pin "$bin" explain --json "$input" > /dev/null || true
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
done
rate=$(echo "$n / $best" | bc -l)
printf 'scenarios: %d  best time: %.3f s  throughput: %.0f scenarios/s (one core)\n' "$n" "$best" "$rate"
