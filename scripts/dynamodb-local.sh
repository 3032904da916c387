#!/usr/bin/env bash
# Starts or stops DynamoDB Local (Maven Central com.amazonaws:DynamoDBLocal) for local runs, as its
# own process on 127.0.0.1 (port DYNAMODB_LOCAL_PORT, default 8000), in memory.
#
#   scripts/dynamodb-local.sh start|stop|status
#
# Then: scripts/spark-submit/local.sh investment-recommendations --config conf/dynamodb-local.conf
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
port="${DYNAMODB_LOCAL_PORT:-8000}"
lib=core/test-servers/dynamodb-local/target/lib
state=local-runs/dynamodb-local
mkdir -p "$state"

case "${1:-}" in
  start)
    if [[ -f $state/pid ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
      echo "DynamoDB Local already runs (pid $(cat "$state/pid")) on http://127.0.0.1:$port"
      exit 0
    fi
    if [[ ! -d $lib ]]; then
      echo "dynamodb-local.sh: fetching DynamoDB Local (mvn)..." >&2
      mvn -B -q -f core/test-servers/dynamodb-local/pom.xml package 1>&2
    fi
    nohup java -Xmx1g -Djava.library.path="$lib" -cp "$lib/*" \
      com.amazonaws.services.dynamodbv2.local.main.ServerRunner -inMemory -port "$port" \
      > "$state/server.log" 2>&1 &
    echo $! > "$state/pid"
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "DynamoDB Local runs (pid $(cat "$state/pid")) on http://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.2
    done
    echo "DynamoDB Local did not start; see $state/server.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f $state/pid ]]; then
      kill "$(cat "$state/pid")" 2>/dev/null || true
      rm -f "$state/pid"
      echo "DynamoDB Local stopped"
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
