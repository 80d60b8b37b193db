#!/usr/bin/env bash
# Run a throwaway ArcadeDB server that speaks Bolt (protocol 4.4), for tests and CI.
#
#   scripts/arcadedb.sh install      pip-install arcadedb-embedded (bundled JRE + jars) if missing
#   scripts/arcadedb.sh start DIR    start a server rooted at DIR on free loopback ports;
#                                    prints bolt://127.0.0.1:PORT once it accepts connections
#   scripts/arcadedb.sh stop DIR     stop the server started in DIR and wait for it to exit
#
# start writes DIR/bolt.port, DIR/http.port, DIR/pid and logs to DIR/server.log.
# User is `root`, password $HEIR_TEST_NEO4J_PASSWORD (default heir-test-pw; ArcadeDB wants
# at least 8 characters), database `heir`. The root password is fixed the first time a DIR
# is used (it is stored in DIR/config), so reuse a DIR only with the same password.
#
# Environment knobs:
#   PYTHON                   python interpreter to use (default python3)
#   HEIR_ARCADEDB_VERSION    arcadedb-embedded version to install (default below)
#   HEIR_ARCADEDB_HEAP       JVM max heap (default 1g)
#   HEIR_ARCADEDB_JAVA_OPTS  extra JVM options, split on spaces (e.g. a Flight Recorder profile:
#                            -XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile)
#   HEIR_ARCADEDB_TIMEOUT    seconds to wait for readiness (default 90)
# See docs/arcadedb-notes.md for what Cypher this server accepts.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
ARCADEDB_VERSION="${HEIR_ARCADEDB_VERSION:-26.10.2.post1}"
HEAP="${HEIR_ARCADEDB_HEAP:-1g}"
TIMEOUT="${HEIR_ARCADEDB_TIMEOUT:-90}"
PASSWORD="${HEIR_TEST_NEO4J_PASSWORD:-heir-test-pw}"
READY_LINE="ArcadeDB Server started in"

die() {
  echo "arcadedb.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 install | start DIR | stop DIR" >&2
  exit 2
}

pkg_dir() {
  "$PYTHON" -c 'import arcadedb_embedded, os; print(os.path.dirname(arcadedb_embedded.__file__))'
}

cmd_install() {
  if "$PYTHON" -c 'import arcadedb_embedded' >/dev/null 2>&1; then
    return 0
  fi
  local log
  log="$(mktemp)"
  if ! PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q --disable-pip-version-check \
    "arcadedb-embedded==${ARCADEDB_VERSION}" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "pip install arcadedb-embedded==${ARCADEDB_VERSION} failed"
  fi
  rm -f "$log"
  "$PYTHON" -c 'import arcadedb_embedded' >/dev/null 2>&1 ||
    die "arcadedb_embedded still not importable after pip install"
}

# true if PID is alive and is an ArcadeDB server
is_our_server() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'com.arcadedb.server.ArcadeDBServer'
}

# true while PID exists and is not a zombie
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_ports() {
  # Two distinct free loopback ports: hold both sockets open until both are chosen.
  "$PYTHON" - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}

cmd_start() {
  local dir="${1:-}"
  [[ -n "$dir" ]] || usage
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"

  if [[ -f "$dir/pid" ]] && is_our_server "$(cat "$dir/pid")"; then
    die "a server is already running from $dir (pid $(cat "$dir/pid")); stop it first"
  fi
  rm -f "$dir/pid" "$dir/bolt.port" "$dir/http.port"

  local pkg java
  pkg="$(pkg_dir 2>/dev/null)" || die "arcadedb_embedded is not installed; run: $0 install"
  java="$pkg/jre/bin/java"
  [[ -x "$java" ]] || die "no bundled java at $java"

  local bolt_port http_port
  read -r bolt_port http_port < <(free_ports)
  [[ -n "$bolt_port" && -n "$http_port" ]] || die "could not pick free ports"

  # Heap is capped (page cache defaults to a quarter of it); the server spawns few
  # threads on 2 cores. The HTTPS listener only opens when TLS is configured, it is not.
  # The JVM runs from inside DIR: ArcadeDB's bundled logging config writes ./log/arcadedb.log.*
  # relative to the working directory, which must never be the repository.
  cd "$dir"
  nohup "$java" \
    -Xms128m "-Xmx$HEAP" -XX:+UseSerialGC -Djava.awt.headless=true \
    ${HEIR_ARCADEDB_JAVA_OPTS:-} \
    -cp "$pkg/jars/*" \
    "-Darcadedb.server.rootPassword=$PASSWORD" \
    "-Darcadedb.server.rootPath=$dir" \
    "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin" \
    "-Darcadedb.server.defaultDatabases=heir[root]" \
    "-Darcadedb.bolt.host=127.0.0.1" \
    "-Darcadedb.bolt.port=$bolt_port" \
    "-Darcadedb.bolt.defaultDatabase=heir" \
    "-Darcadedb.server.httpIncomingHost=127.0.0.1" \
    "-Darcadedb.server.httpIncomingPort=$http_port" \
    com.arcadedb.server.ArcadeDBServer \
    >"$dir/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/pid"

  local deadline=$((SECONDS + TIMEOUT))
  while :; do
    if ! alive "$pid"; then
      echo "arcadedb.sh: server exited during startup; last log lines:" >&2
      tail -n 40 "$dir/server.log" >&2 || true
      rm -f "$dir/pid"
      exit 1
    fi
    if grep -q "$READY_LINE" "$dir/server.log" 2>/dev/null && port_open "$bolt_port"; then
      break
    fi
    if ((SECONDS >= deadline)); then
      echo "arcadedb.sh: server not ready after ${TIMEOUT}s; last log lines:" >&2
      tail -n 40 "$dir/server.log" >&2 || true
      cmd_stop "$dir" >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 0.5
  done

  echo "$bolt_port" >"$dir/bolt.port"
  echo "$http_port" >"$dir/http.port"
  echo "bolt://127.0.0.1:$bolt_port"
}

cmd_stop() {
  local dir="${1:-}"
  [[ -n "$dir" ]] || usage
  [[ -f "$dir/pid" ]] || return 0
  local pid
  pid="$(cat "$dir/pid")"
  if is_our_server "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do # up to 30 s for a clean shutdown
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      echo "arcadedb.sh: pid $pid ignored SIGTERM for 30s, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
    fi
  fi
  rm -f "$dir/pid"
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
*) usage ;;
esac
