#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 180), seeding the scenario
# target with the conformance corpus. Needs cargo-fuzz (`cargo install
# cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use the
# sanitizer flags. Crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
export RUSTC_BOOTSTRAP=1
mkdir -p fuzz/corpus/scenario fuzz/corpus/allow_list fuzz/corpus/origin fuzz/corpus/request_headers fuzz/corpus/policy fuzz/corpus/server fuzz/corpus/curl fuzz/corpus/har fuzz/corpus/csp
cp crates/corsair-doctor/tests/data/*.har fuzz/corpus/har/
printf '%s' "curl 'https://api.example.com/x' -X PUT -H 'origin: https://app.example.com' --data-raw '{\"a\":1}'" > fuzz/corpus/curl/seed
cp crates/corsair-cli/tests/policies/*.toml fuzz/corpus/policy/
printf 'https://a.b.example.org\nPUT\ncontent-type, x-a' > fuzz/corpus/server/seed
python3 - <<'PY'
import json
for i, line in enumerate(open("conformance/corpus/scenarios.jsonl")):
    s = json.loads(line)["scenario"]
    open(f"fuzz/corpus/scenario/corpus-{i}.json", "w").write(json.dumps(s))
    for answer in (s.get("preflight"), s.get("response")):
        for name, value in (answer or {}).get("headers", []):
            if name.lower().startswith("access-control-allow-") or name.lower() == "access-control-expose-headers":
                open(f"fuzz/corpus/allow_list/{abs(hash(value))}", "w").write(value)
            if name.lower() == "access-control-allow-origin":
                open(f"fuzz/corpus/origin/{abs(hash(value))}", "w").write(value)
    req = "\n".join(f"{n}:{v}" for n, v in s["request"].get("headers", []))
    open(f"fuzz/corpus/request_headers/corpus-{i}", "w").write(req)
PY
for target in allow_list origin request_headers scenario policy server curl har csp; do
  echo "== $target: ${seconds}s"
  cargo fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -max_len=8192 2>&1 | tail -n 3
done
