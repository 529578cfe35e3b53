#!/usr/bin/env bash
# The long run of the export/verify differential test: seeded random
# policies exported to Express, FastAPI, Flask, Django, nginx and Caddy,
# each engine started with its export, and `corsair verify`'s cases must
# find no deviation. CI runs four seeds; this runs FIRST..LAST.
#   scripts/export-differential.sh [FIRST] [LAST]      (default 1 200)
set -euo pipefail
first=${1:-1}
last=${2:-200}
cd "$(dirname "$0")/.."
CORSAIR_DIFF_SEEDS=$(seq -s, "$first" "$last") \
  cargo test -p corsair-conformance --test zoo_differential -- --nocapture --test-threads 2 \
  | grep -E 'seed [0-9]+: |test result'
