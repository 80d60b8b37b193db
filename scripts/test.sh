#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

# Graphviz `dot` renders the DOT exports in the tests.
if ! command -v dot >/dev/null 2>&1; then
  echo "installing graphviz (for the DOT rendering tests)…" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq graphviz >/dev/null
fi

# Headless Chromium opens the HTML reports in tests/report_html.rs (clicks, reloads, print to PDF).
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "installing chromium (for the HTML report browser tests)…" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# A real Bolt server for the Neo4j export tests: ArcadeDB with its bundled JRE, from PyPI.
bash scripts/arcadedb.sh install

cargo test --locked --all-targets
