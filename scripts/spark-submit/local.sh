#!/usr/bin/env bash
# Runs any job of the job jar on local[*] Spark, on a machine with only Java 17 and Maven.
#
#   scripts/spark-submit/local.sh <job> [options]
#   scripts/spark-submit/local.sh investment-recommendations --run-date 2026-11-20
#
# Builds the shaded job jar when it is missing or older than the sources, then runs it on the
# classpath EMR provides (Spark, Hadoop: the `provided` dependencies), as spark-submit would, with
# the local tools jar beside it (tools/: generate-sample-data, bench, bench-floor and the sample
# data the local bootstrap generates), which never ships to EMR.
# Everything a local run writes goes under local-runs/ (git-ignored; TARGETING_LOCAL_ROOT moves it).
# TARGETING_EXTRA_CLASSPATH (jars or folders, ':'-separated) goes on the classpath after the job jar:
# a team's own decision types (META-INF/services), as spark.jars adds them on EMR.
# Logs go to stderr; the last line of stdout is the job's run summary (JSON).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

jar=jobs/target/targeting-jobs.jar
tools_jar=tools/target/targeting-tools.jar
classpath_file=jobs/target/provided-classpath.txt

stale() {
  [[ ! -f $jar || ! -f $tools_jar || ! -f $classpath_file ]] && return 0
  [[ -n $(find pom.xml core/pom.xml jobs/pom.xml core/src/main jobs/src/main -newer "$jar" -type f -print -quit) ]] && return 0
  [[ -n $(find tools/pom.xml tools/src/main -newer "$tools_jar" -type f -print -quit) ]]
}

if stale; then
  echo "local.sh: building the job jar and the tools jar (mvn package, tests skipped)..." >&2
  mvn -B -q -DskipTests package 1>&2
fi

# Spark on Java 17 needs these opens; spark-submit adds them itself, a plain java launch must.
java_opens=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
)

# Spark's whole-stage code generation can emit methods of more than 8,000 bytes of bytecode (a
# wide contract validated in one projection); HotSpot leaves such methods interpreted unless told
# otherwise: reading a million-row extract took a third more CPU. The EMR templates set the same
# flag for the driver and the executors.
jit_options=(-XX:-DontCompileHugeMethods)

# TARGETING_JAVA_OPTIONS: more JVM flags, split on spaces (a profile: -XX:StartFlightRecording=...).
read -r -a java_options <<< "${TARGETING_JAVA_OPTIONS:-}"

# The parallel (throughput) collector: a batch run wants throughput, not short pauses. Paired runs
# of investment-recommendations: 150,000 customers 60.5/56.8 s -> 56.4/52.1 s, 1,000,000 102 -> 96 s
# (G1, the JVM's default, also spends CPU on concurrent work). Name another collector in
# TARGETING_JAVA_OPTIONS, JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS (-XX:+UseG1GC) to use it instead
# (the JVM refuses two).
gc_options=(-XX:+UseParallelGC)
read -r -a launcher_options <<< "${JAVA_TOOL_OPTIONS:-} ${JDK_JAVA_OPTIONS:-}"
for option in "${java_options[@]}" "${launcher_options[@]}"; do
  [[ $option == -XX:+Use*GC ]] && gc_options=()
done

exec java \
  "-Xmx${TARGETING_DRIVER_MEMORY:-6g}" \
  "${java_opens[@]}" \
  "${jit_options[@]}" \
  "${gc_options[@]}" \
  "${java_options[@]}" \
  -Dlog4j2.configurationFile="$repo/conf/log4j2-local.properties" \
  -cp "$jar:$tools_jar${TARGETING_EXTRA_CLASSPATH:+:$TARGETING_EXTRA_CLASSPATH}:$(cat "$classpath_file")" \
  com.targeting.jobs.Main "$@"
