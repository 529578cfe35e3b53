#!/usr/bin/env bash
# Soak `corsair serve` under faults: load for SECONDS (default 60) with the
# upstream restarted every 5 s, a tenth of its answers slower than the
# gateway's timeout and a twentieth 500s. Prints the ratio of answers with
# correct CORS headers and the gateway's memory; exits 1 on any wrong answer,
# a panic or memory growth. See crates/corsair-gateway/examples/soak.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cargo build --release -q -p corsair-cli
cargo build --release -q -p corsair-gateway --example soak
exec target/release/examples/soak drive target/release/corsair "$seconds"
