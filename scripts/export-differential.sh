#!/usr/bin/env bash
# The long run of the export/verify differential test: seeded random
# policies exported to every engine that runs here (the list is in
# conformance/tests/zoo_differential.rs), each engine started with its
# export, and `corsair verify`'s cases must find no deviation. CI runs five
# seeds; this runs FIRST..LAST.
#   scripts/export-differential.sh [FIRST] [LAST]      (default 1 200)
set -euo pipefail
first=${1:-1}
last=${2:-200}
cd "$(dirname "$0")/.."
CORSAIR_DIFF_SEEDS=$(seq -s, "$first" "$last") \
  cargo test -p corsair-conformance --test zoo_differential -- --nocapture --test-threads 2 \
  | grep -E 'seed [0-9]+(, a route of its own|, routes of their own)?: |test result'
