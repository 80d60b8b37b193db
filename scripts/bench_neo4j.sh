#!/usr/bin/env bash
# Neo4j push throughput: a generated graph of N nodes (default 100000) pushed twice (first load,
# then the idempotent re-push) to a throwaway ArcadeDB over Bolt with a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
batch="${2:-5000}"
work="$(mktemp -d)"
trap 'bash scripts/arcadedb.sh stop "$work/db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cargo build --release --locked -q
python3 scripts/gen_bench_graph.py "$n" "$work/graph.json"
bash scripts/arcadedb.sh install
mkdir -p "$work/db"
export HEIR_ARCADEDB_HEAP="${HEIR_ARCADEDB_HEAP:-4g}"
uri="$(bash scripts/arcadedb.sh start "$work/db")"
export HEIR_BENCH_PW="${HEIR_TEST_NEO4J_PASSWORD:-heir-test-pw}"
for pass in first re-push; do
  echo "== $pass" >&2
  ./target/release/heir export neo4j "$work/graph.json" --uri "$uri" --user root --database heir \
    --password-env HEIR_BENCH_PW --batch-size "$batch" --quiet
done
