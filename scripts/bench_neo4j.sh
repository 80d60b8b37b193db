#!/usr/bin/env bash
# Neo4j push throughput, heir against the official Python driver, side by side in one run.
#
#   bash scripts/bench_neo4j.sh [NODES] [ROUNDS]      (default 30000 nodes, 1 round)
#
# The document is `heir synth --users NODES/30 --seed 5` (30,979 nodes and 66,220 edges at 30000,
# the document of issue #24). One throwaway ArcadeDB server (scripts/arcadedb.sh) over loopback;
# every contender gets a fresh empty database on it, pushes the document (first push), then
# pushes it again (re-push: everything exists, everything is restamped). The anchor is
# scripts/bench_neo4j_anchor.py: UNWIND batches of 5,000, MERGE on an indexed id, one
# relationship type per edge kind, managed write transactions. heir runs with its defaults.
# Rounds alternate the order (heir first, then the anchor first) so that neither always gets the
# warmer server, after a warm-up push. Counts are checked after every contender. Prints a table
# of seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-30000}"
rounds="${2:-1}"
users=$(((n + 29) / 30))
work="$(mktemp -d)"
trap 'bash scripts/arcadedb.sh stop "$work/db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cargo build --release --locked -q
python3 -c 'import neo4j' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check neo4j
./target/release/heir synth --users "$users" --seed 5 -o "$work/graph.json" 2>/dev/null
bash scripts/arcadedb.sh install
mkdir -p "$work/db"
export HEIR_ARCADEDB_HEAP="${HEIR_ARCADEDB_HEAP:-4g}"
uri="$(bash scripts/arcadedb.sh start "$work/db")"
http="$(cat "$work/db/http.port")"
export HEIR_BENCH_PW="${HEIR_TEST_NEO4J_PASSWORD:-heir-test-pw}"
admin() {
  curl -sf -u "root:$HEIR_BENCH_PW" -X POST "http://127.0.0.1:$http/api/v1/server" \
    -d "{\"command\":\"$1\"}" >/dev/null
}
count() { # database, cypher returning c
  python3 - "$uri" "$1" "$2" <<'EOF'
import os, sys
from neo4j import GraphDatabase
with GraphDatabase.driver(sys.argv[1], auth=("root", os.environ["HEIR_BENCH_PW"])) as d:
    with d.session(database=sys.argv[2]) as s:
        print(s.run(sys.argv[3]).single()["c"])
EOF
}
want_nodes="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["nodes"]))' "$work/graph.json")"
echo "document: $want_nodes nodes ($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["edges"]))' "$work/graph.json") edges), $uri" >&2

# The server's CPU seconds so far (user + system of the JVM), to report what each push cost it.
server_cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$(cat "$work/db/pid")/stat"; }
heir_push() { # database → seconds
  local start end
  start=$(date +%s.%N)
  ./target/release/heir export neo4j "${doc:-$work/graph.json}" --uri "$uri" --user root --database "$1" \
    --password-env HEIR_BENCH_PW --quiet
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
python_push() { # database → seconds
  local start end
  start=$(date +%s.%N)
  python3 scripts/bench_neo4j_anchor.py "$work/graph.json" "${uri}" root HEIR_BENCH_PW 5000 "$1" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# Warm-up: a fresh JVM runs its first push slowly (interpreted, then compiled code); without
# this, whoever goes first in round 1 pays for it (58 s against 21 s for the same push), and the
# server's CPU per push kept falling over the first three or four pushes of each contender. The
# JIT needs the statements, not the size: the warm-up pushes a document of at most 30,000 nodes
# (the 300k warm-up with the full document took 433 s), three times per contender, each a first
# push into a fresh database and a re-push: their statements differ (heir's first push into an
# empty database creates without lookups), and each needs its own compiled.
if ((users > 1000)); then
  ./target/release/heir synth --users 1000 --seed 5 -o "$work/warm.json" 2>/dev/null
else
  cp "$work/graph.json" "$work/warm.json"
fi
for w in 1 2 3; do
  admin "create database warm$w"
  doc="$work/warm.json" heir_push "warm$w" >/dev/null
  doc="$work/warm.json" heir_push "warm$w" >/dev/null
  admin "drop database warm$w"
  admin "create database warmpy$w"
  python3 scripts/bench_neo4j_anchor.py "$work/warm.json" "$uri" root HEIR_BENCH_PW 5000 "warmpy$w" >/dev/null
  python3 scripts/bench_neo4j_anchor.py "$work/warm.json" "$uri" root HEIR_BENCH_PW 5000 "warmpy$w" >/dev/null
  admin "drop database warmpy$w"
done

results=()
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2 == 1)); then order="heir python"; else order="python heir"; fi
  for who in $order; do
    db="b${who}${r}"
    admin "create database $db"
    c0="$(server_cpu)"
    first="$("${who}_push" "$db")"
    c1="$(server_cpu)"
    second="$("${who}_push" "$db")"
    c2="$(server_cpu)"
    got="$(count "$db" "MATCH (n) RETURN count(n) AS c")"
    [[ "$got" == "$want_nodes" ]] || { echo "$who round $r: $got nodes, want $want_nodes" >&2; exit 1; }
    admin "drop database $db"
    results+=("$who $r $first $second")
    printf '%-7s round %d: first push %6.2f s (server CPU %5.2f s), re-push %6.2f s (server CPU %5.2f s), load average %s\n' \
      "$who" "$r" "$first" "$(echo "$c1 - $c0" | bc)" "$second" "$(echo "$c2 - $c1" | bc)" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
  done
done
echo
echo "| round | heir first push | python first push | ratio | heir re-push | python re-push | ratio |"
echo "|---|---|---|---|---|---|---|"
for ((r = 1; r <= rounds; r++)); do
  read -r _ _ hf hs < <(printf '%s\n' "${results[@]}" | grep "^heir $r ")
  read -r _ _ pf ps < <(printf '%s\n' "${results[@]}" | grep "^python $r ")
  printf '| %d | %.2f s | %.2f s | %.2f× | %.2f s | %.2f s | %.2f× |\n' "$r" "$hf" "$pf" \
    "$(echo "$pf / $hf" | bc -l)" "$hs" "$ps" "$(echo "$ps / $hs" | bc -l)"
done
