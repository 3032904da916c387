#!/usr/bin/env bash
# Measures the DynamoDB batch writer against dynalite (started by the benchmark itself; needs node):
#   scripts/bench-dynamodb.sh ITEMS BUDGET_WCU_PER_SECOND WRITERS [faults]
# "faults" puts the fault proxy in front (every 10th BatchWriteItem throttled, every 25th a 500,
# every 5th half unprocessed). Prints a JSON line with items/s and write units/s vs the budget.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
mvn -B -q -DskipTests install 1>&2
# -DskipTests leaves the test servers out: install dynalite (npm) for the benchmark.
mvn -B -q -f core/test-servers/dynalite/pom.xml generate-resources 1>&2
classpath_file=core/target/test-classpath.txt
mvn -B -q -pl core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=test-classpath.txt 1>&2
mv core/test-classpath.txt "$classpath_file" 2>/dev/null || true
exec java -Xmx4g \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false \
  -cp "core/target/test-classes:core/target/classes:$(cat "$classpath_file")" \
  com.targeting.core.sink.DynamoDbWriteBenchmark "$@"
