#!/usr/bin/env bash
# Whole-process and in-process benchmarks of heir at 10k / 100k / 1M nodes, side by side with
# the baselines (a networkx script; a variable-length Cypher query on ArcadeDB over Bolt).
# How to read the numbers: docs/performance-harness.md.
#
#   bash scripts/bench_scale.sh [options]
#
#   --scales "10k 100k 1M"   which graphs (env HEIR_BENCH_SCALES; default all three). A scale is
#                            10k, 100k, 1M or uN (heir synth --users N).
#   --steps LIST             comma-separated subset of heir,networkx,engine,neo4j
#                            (env HEIR_BENCH_STEPS; default all)
#   --no-neo4j               same as leaving neo4j out of --steps (env HEIR_BENCH_NEO4J=0)
#   --work DIR               graphs, databases, state (env HEIR_BENCH_WORK; default
#                            target/bench-scale). Graphs and loaded databases are reused.
#   --results FILE           JSON lines, appended (default WORK/results.jsonl)
#   --regen                  regenerate the graphs even if present
#   --fresh-db               push again even if WORK holds a database loaded from this graph
#   --no-admin-overlay       bench the raw synth document (no session reaches 30 % of it)
#   --n N                    sessions timed whole-process (default 10); the engine does 100
#   --admin-candidates N     admin sessions whose heir reach is compared (default 5)
#   --nx-n N                 sessions for the networkx script (default: --n)
#   --no-sprawl              skip the sprawl ranking (long at 1M)
#   --cypher-timeout S       per query (default 120)
#   --batch-size N           Neo4j push batch (default 5000)
#   --skip-build             use the existing release binary and bench binary
#
# Environment: HEIR_ARCADEDB_HEAP (default 4g, 8g for 1M), PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

PYTHON="${PYTHON:-python3}"
AT="2026-11-20T10:00:00Z"
SEED=7
scales="${HEIR_BENCH_SCALES:-10k 100k 1M}"
steps="${HEIR_BENCH_STEPS:-heir,networkx,engine,neo4j}"
[[ "${HEIR_BENCH_NEO4J:-1}" == 0 ]] && steps="${steps//neo4j/}"
work="${HEIR_BENCH_WORK:-$repo/target/bench-scale}"
results=""
regen=0
fresh_db=0
overlay=1
n=10
nx_n=""
candidates=5
no_sprawl=()
cypher_timeout=120
batch=5000
build=1

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}

while (($#)); do
  case "$1" in
  --scales) scales="$2"; shift 2 ;;
  --steps) steps="$2"; shift 2 ;;
  --no-neo4j) steps="${steps//neo4j/}"; shift ;;
  --work) work="$2"; shift 2 ;;
  --results) results="$2"; shift 2 ;;
  --regen) regen=1; shift ;;
  --fresh-db) fresh_db=1; shift ;;
  --no-admin-overlay) overlay=0; shift ;;
  --n) n="$2"; shift 2 ;;
  --nx-n) nx_n="$2"; shift 2 ;;
  --admin-candidates) candidates="$2"; shift 2 ;;
  --no-sprawl) no_sprawl=(--no-sprawl); shift ;;
  --cypher-timeout) cypher_timeout="$2"; shift 2 ;;
  --batch-size) batch="$2"; shift 2 ;;
  --skip-build) build=0; shift ;;
  -h | --help) usage ;;
  *) echo "bench_scale.sh: unknown option $1" >&2; usage ;;
  esac
done
nx_n="${nx_n:-$n}"
has_step() { [[ ",$steps," == *",$1,"* ]]; }

mkdir -p "$work"
work="$(cd "$work" && pwd)"
export HEIR_CACHE_DIR="${HEIR_CACHE_DIR:-$work/heir-cache}"
results="${results:-$work/results.jsonl}"
run_id="$(date -u +%Y%m%dT%H%M%SZ)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
heir="$CARGO_TARGET_DIR/release/heir"
h() { "$PYTHON" "$repo/scripts/bench/harness.py" "$@"; }
say() { echo "== $*" >&2; }

# Servers started here are stopped on any exit.
current_db=""
cleanup() {
  if [[ -n "$current_db" ]]; then
    bash "$repo/scripts/arcadedb.sh" stop "$current_db" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tools -------------------------------------------------------------------------------------
pip_need() { # module package
  if ! "$PYTHON" -c "import $1" >/dev/null 2>&1; then
    say "pip install $2"
    PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q --disable-pip-version-check "$2"
  fi
}
[[ -x /usr/bin/time ]] || { echo "bench_scale.sh: /usr/bin/time (GNU time) is required" >&2; exit 1; }
has_step networkx && pip_need networkx networkx
if has_step neo4j; then
  pip_need neo4j neo4j
  bash scripts/arcadedb.sh install
fi

bench_bin=""
if ((build)); then
  say "cargo build --release --locked"
  cargo build --release --locked -q
fi
if has_step engine; then
  # The bench binary's path, from cargo's JSON messages (no rebuild when up to date).
  bench_bin="$(cargo bench --bench scale --no-run --locked --message-format=json -q 2>/dev/null |
    "$PYTHON" -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "scale" and m.get("executable"):
        print(m["executable"])')"
  [[ -x "$bench_bin" ]] || { echo "bench_scale.sh: could not build benches/scale.rs" >&2; exit 1; }
fi
[[ -x "$heir" ]] || { echo "bench_scale.sh: no $heir (run without --skip-build)" >&2; exit 1; }
h check-traversable --heir "$heir" >/dev/null
say "run $run_id: scales [$scales], steps [$steps], results $results"

# ---- per scale ---------------------------------------------------------------------------------
for scale in $scales; do
  case "$scale" in
  10k) users=330 ;;
  100k) users=3300 ;;
  1M) users=33000 ;;
  u[0-9]*) users="${scale#u}" ;;
  *) echo "bench_scale.sh: unknown scale $scale (10k, 100k, 1M or uN)" >&2; exit 2 ;;
  esac
  say "scale $scale (heir synth --users $users --seed $SEED)"
  synth="$work/synth-u$users-s$SEED.json"
  if ((overlay)); then graph="$work/bench-$scale.json"; else graph="$synth"; fi
  state="$work/state-$scale.json"
  sessions="$work/sessions-$scale.txt"
  R=(--results "$results" --run "$run_id" --scale "$scale")

  if ((regen)) || [[ ! -s "$synth" ]]; then
    rm -f "$synth" "$graph"
    h timecmd "${R[@]}" --metric synth -- "$heir" synth --users "$users" --seed "$SEED" --at "$AT" -o "$synth"
  fi
  if ((overlay)) && [[ ! -s "$graph" || "$synth" -nt "$graph" ]]; then
    say "admin overlay -> $graph"
    h overlay "$synth" "$graph" >&2
  fi
  h prepare --graph "$graph" --state "$state" --sessions-file "$sessions" --at "$AT" --seed "$SEED" \
    --candidates "$candidates" >&2
  h record "${R[@]}" --state "$state" --metric graph_json_size --unit MB \
    --value "$(stat -c %s "$graph" | awk '{printf "%.1f", $1/1e6}')"

  h pick-admin "${R[@]}" --state "$state" --heir "$heir"
  # heir first: its first load of the document is the cold run (a snapshot from pick-admin's
  # loads is removed first).
  if has_step heir; then
    h heir "${R[@]}" --state "$state" --heir "$heir" --n "$n" "${no_sprawl[@]}"
  fi
  if has_step networkx; then
    h networkx "${R[@]}" --state "$state" --n "$nx_n"
  fi
  if has_step engine; then
    h engine "${R[@]}" --state "$state" --bench-bin "$bench_bin" --sessions-file "$sessions" "${no_sprawl[@]}"
  fi
  if has_step neo4j; then
    db="$work/arcadedb-$scale"
    marker="$db/pushed-from"
    stamp="$(stat -c '%s %Y' "$graph") $graph"
    if ((fresh_db)) || [[ ! -f "$marker" || "$(cat "$marker")" != "$stamp" ]]; then
      rm -rf "$db"
    fi
    mkdir -p "$db"
    heap="${HEIR_ARCADEDB_HEAP:-}"
    [[ -n "$heap" ]] || { [[ "$scale" == 1M ]] && heap=8g || heap=4g; }
    current_db="$db"
    # Server-side command timeout, so a runaway traversal stops instead of burning the CPU.
    uri="$(HEIR_ARCADEDB_HEAP="$heap" JAVA_TOOL_OPTIONS="-Darcadedb.command.timeout=$((cypher_timeout * 1000))" \
      bash scripts/arcadedb.sh start "$db")"
    export HEIR_BENCH_PW="${HEIR_TEST_NEO4J_PASSWORD:-heir-test-pw}"
    if [[ -f "$marker" ]]; then
      say "reusing the database loaded from this graph ($db); --fresh-db to push again"
    else
      say "neo4j push to $uri (heap $heap, batch $batch)"
      h timecmd "${R[@]}" --state "$state" --metric neo4j_push --pid-rss "$(cat "$db/pid")" -- \
        "$heir" export neo4j "$graph" --uri "$uri" --user root --database heir \
        --password-env HEIR_BENCH_PW --batch-size "$batch" --quiet
      echo "$stamp" >"$marker"
    fi
    h cypher "${R[@]}" --state "$state" --uri "$uri" --n "$n" --timeout "$cypher_timeout" \
      --password-env HEIR_BENCH_PW
    bash scripts/arcadedb.sh stop "$db"
    current_db=""
  fi
done

say "results: $results (run $run_id)"
h report --results "$results"
