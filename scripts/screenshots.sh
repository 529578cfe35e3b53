#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshots/*.png) from the
# browser tests of Corsair's pages: `corsair ui`, the --html reports and
# the gateway's dashboard, each in headless Chromium at desktop (1280 px)
# and phone (390 px) widths. The tests check each page as they shoot it
# (no overflow, no console error, the DOM against --json).
#
#   scripts/screenshots.sh
#
# Needs Chromium (as .ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
shots="$(mktemp -d)"
trap 'rm -rf "$shots"' EXIT
CORSAIR_SCREENSHOTS="$shots" cargo test -q -p corsair-cli --test pages_chromium -- --test-threads=1
mkdir -p docs/screenshots
# The ones the README shows; the tests take more.
for name in ui-desktop ui-phone ui-check-desktop ui-check-phone report-har-desktop report-lint-desktop dashboard-desktop dashboard-phone; do
    cp "$shots/$name.png" "docs/screenshots/$name.png"
done
ls -l docs/screenshots
