#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 180), seeding the scenario
# target with the conformance corpus. Needs cargo-fuzz (`cargo install
# cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use the
# sanitizer flags. Crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
export RUSTC_BOOTSTRAP=1
mkdir -p fuzz/corpus/scenario fuzz/corpus/allow_list fuzz/corpus/origin fuzz/corpus/request_headers fuzz/corpus/policy fuzz/corpus/server fuzz/corpus/curl fuzz/corpus/har fuzz/corpus/csp fuzz/corpus/console
cp crates/corsair-doctor/tests/data/*.har fuzz/corpus/har/
printf '%s' "curl 'https://api.example.com/x' -X PUT -H 'origin: https://app.example.com' --data-raw '{\"a\":1}'" > fuzz/corpus/curl/seed
printf '%s' "Access to fetch at 'https://api.example.com/x' (redirected from 'https://api.example.com/y') from origin 'https://app.example.com' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response." > fuzz/corpus/console/seed
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
# Size-scaled seeds: the same shapes at 10, 100, 1,000 and 10,000 items, so
# that mutations start from large inputs and a cost that grows faster than
# the input shows up as a libFuzzer timeout (-timeout below), not only
# crashes.
python3 - <<'PY'
import json
for n in (10, 100, 1000, 10000):
    origins = ", ".join(f'"https://a{i}.example.com"' if i % 2 else f'"https://*.t{i}.example.org"' for i in range(n))
    open(f"fuzz/corpus/policy/scaled-{n}.toml", "w").write(
        f'[cors]\norigins = [{origins}]\ncredentials = true\n'
        + "".join(f'[[routes]]\npath = "/r{i}/**"\n' for i in range(min(n, 100))))
    headers = [[f"X-H{i % (n // 2 + 1)}", f"v{i}"] for i in range(n)]
    scenario = {"page_origin": "https://app.example.com",
                "request": {"url": "https://api.example.com/x", "method": "PUT", "headers": headers, "initiator": "xhr"},
                "preflight": {"status": 204, "headers": [["Access-Control-Allow-Origin", "https://app.example.com"],
                              ["Access-Control-Allow-Headers", ",".join(f"x-h{i}" for i in range(n))]]},
                "response": {"status": 200, "headers": [["Access-Control-Expose-Headers", ",".join(f"x-e{i}" for i in range(n))]]},
                "read_headers": [f"X-E{i}" for i in range(n)]}
    open(f"fuzz/corpus/scenario/scaled-{n}.json", "w").write(json.dumps(scenario))
    open(f"fuzz/corpus/request_headers/scaled-{n}", "w").write("\n".join(f"{a}:{b}" for a, b in headers))
    open(f"fuzz/corpus/allow_list/scaled-{n}", "w").write(", ".join(f"x-h{i}" for i in range(n)))
    open(f"fuzz/corpus/curl/scaled-{n}", "w").write(
        "curl 'https://api.example.com/x' -X PUT " + " ".join(f"-H $'X-H{i}: v\\'{i}'" for i in range(n)))
    entries = ",".join('{"startedDateTime":"2026-11-24T00:00:00.%03dZ","request":{"method":"GET","url":"https://api.example.com/i/%d",'
                       '"headers":[{"name":"origin","value":"https://app.example.com"}]},"response":{"status":302,"redirectURL":"https://api.example.com/i/%d",'
                       '"headers":[{"name":"location","value":"https://api.example.com/i/%d"}]}}' % (i % 1000, i, i + 1, i + 1) for i in range(n))
    open(f"fuzz/corpus/har/scaled-{n}.har", "w").write('{"log":{"version":"1.2","entries":[' + entries + "]}}")
PY
for target in allow_list origin request_headers scenario policy server curl har csp console; do
  echo "== $target: ${seconds}s"
  # max_len admits the largest seeds; an input that takes over 10 s is
  # reported as a timeout (a super-linear cost), like a crash.
  cargo fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -max_len=1048576 -timeout=10 2>&1 | tail -n 3
done
