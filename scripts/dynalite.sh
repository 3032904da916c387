#!/usr/bin/env bash
# Starts or stops dynalite (npm, MIT licence), a DynamoDB-compatible server on Node.js, for local
# runs, as its own process on 127.0.0.1 (port DYNALITE_PORT, default 8000), in memory. Needs node
# and npm; the first start installs dynalite into core/test-servers/dynalite/target (as the tests'
# build does).
#
#   scripts/dynalite.sh start|stop|status
#
# Then: scripts/spark-submit/local.sh investment-recommendations --config conf/dynalite.conf
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
port="${DYNALITE_PORT:-8000}"
cli=core/test-servers/dynalite/target/node_modules/dynalite/cli.js
state=local-runs/dynalite
mkdir -p "$state"

case "${1:-}" in
  start)
    if [[ -f $state/pid ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
      echo "dynalite already runs (pid $(cat "$state/pid")) on http://127.0.0.1:$port"
      exit 0
    fi
    for tool in node npm; do
      if ! command -v "$tool" >/dev/null; then
        echo "dynalite.sh: $tool is not on the PATH; dynalite runs on Node.js (install node and npm)" >&2
        exit 1
      fi
    done
    if [[ ! -f $cli ]]; then
      echo "dynalite.sh: installing dynalite (npm, via mvn)..." >&2
      mvn -B -q -f core/test-servers/dynalite/pom.xml generate-resources 1>&2
    fi
    # Tables are ACTIVE at once (dynalite's default keeps them CREATING for 500 ms).
    nohup node "$cli" --host 127.0.0.1 --port "$port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 \
      > "$state/server.log" 2>&1 &
    echo $! > "$state/pid"
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "dynalite runs (pid $(cat "$state/pid")) on http://127.0.0.1:$port"
        exit 0
      fi
      if ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then
        break
      fi
      sleep 0.2
    done
    echo "dynalite did not start; see $state/server.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f $state/pid ]]; then
      kill "$(cat "$state/pid")" 2>/dev/null || true
      rm -f "$state/pid"
      echo "dynalite stopped"
    fi
    ;;
  status)
    if [[ -f $state/pid ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
      echo "running (pid $(cat "$state/pid")) on http://127.0.0.1:$port"
    else
      echo "not running"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
