#!/usr/bin/python3
"""Where a run's CPU goes, stage by stage: a JFR recording of a local run against the stage
lines of its log. A benchmark tool, not part of the library.

  TARGETING_JAVA_OPTIONS="-XX:StartFlightRecording=filename=/tmp/run.jfr,settings=profile" \
    scripts/spark-submit/local.sh investment-recommendations --run-date 2026-11-20 2> /tmp/run.log
  /usr/bin/python3 scripts/bench/jfr-stages.py --jfr /tmp/run.jfr --log /tmp/run.log [--top 8]

Stages come from the log's "stage X started" and "stage X ended" lines (HH:MM:SS, the JVM's
time zone, which must be the machine's); samples before the first stage are "start-up", after the
last "shutdown". For each stage: its seconds, the Java samples (jdk.ExecutionSample: threads
running Java) and the native ones (jdk.NativeMethodSample: threads in a native method; only
XGBoost's and the codecs' count, the others are threads waiting on sockets and polls), the share of each kind of work by the frames on the stack (the first that matches,
from the top: XGBoost, Parquet, Delta, Jackson, Spark's generated code, shuffle, our code ...),
and the methods most often on top of the stack.
"""
import argparse, collections, datetime, json, re, subprocess, sys

KINDS = [  # (kind, frame prefix): a sample's kind is the first of these that any frame of its stack matches
    ("xgboost", "ml.dmlc."),
    ("tree-shap", "com.targeting.core.model.TreeShap"),
    ("parquet", "org.apache.parquet."),
    ("delta", "io.delta."),
    ("aws-sdk", "software.amazon."),
    ("jackson", "com.fasterxml.jackson."),
    ("csv", "com.univocity."),
    ("spark-codegen", "org.apache.spark.sql.catalyst.expressions.GeneratedClass"),
    ("shuffle", "org.apache.spark.shuffle."),
    ("spark-sql-planning", "org.apache.spark.sql.catalyst.optimizer."),
    ("spark-sql-planning", "org.apache.spark.sql.catalyst.analysis."),
    ("spark-sql-planning", "org.apache.spark.sql.execution.SparkStrategies"),
    ("compression", "org.xerial.snappy."),
    ("compression", "com.github.luben.zstd."),
    ("serialization", "org.apache.spark.serializer."),
    ("targeting", "com.targeting."),
    ("spark-other", "org.apache.spark."),
    ("scala", "scala."),
    ("jdk", "java."),
    ("jdk", "jdk."),
    ("jdk", "sun."),
]
STAGE = re.compile(r"^(\d\d:\d\d:\d\d) INFO \S+: .*: stage (\S+) (started|ended|failed)")


def stages(log):
    """[(name, start seconds of day, end seconds of day)] in order."""
    result, open_ = [], {}
    for line in open(log, encoding="utf-8", errors="replace"):
        m = STAGE.match(line)
        if not m:
            continue
        h, mi, s = (int(x) for x in m.group(1).split(":"))
        t = h * 3600 + mi * 60 + s
        if m.group(3) == "started":
            open_[m.group(2)] = t
        elif m.group(2) in open_:
            result.append((m.group(2), open_.pop(m.group(2)), t))
    return result


def samples(jfr, event):
    # jfr print keeps 5 frames of each stack unless told otherwise: too few to find the Spark
    # operator or the library under a hot method.
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", event, jfr],
                         capture_output=True, text=True, check=True).stdout
    for e in json.loads(out)["recording"]["events"]:
        v = e["values"]
        t = datetime.datetime.fromisoformat(v["startTime"].replace("Z", "+00:00")).astimezone()
        frames = [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]
                  for f in (v.get("stackTrace") or {}).get("frames", [])]
        yield t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6, frames


def kind(frames):
    for name, prefix in KINDS:
        if any(frame.startswith(prefix) for frame in frames):
            return name
    return "other"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jfr", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--top", type=int, default=8)
    a = p.parse_args()
    spans = stages(a.log)
    if not spans:
        sys.exit(f"{a.log}: no 'stage X started/ended' lines")

    def stage_of(t):
        if t < spans[0][1]:
            return "start-up"
        for name, start, end in spans:
            if start <= t < end + 1:
                return name
        return "shutdown"

    order = ["start-up"] + [s[0] for s in spans] + ["shutdown"]
    seconds = {name: end - start for name, start, end in spans}
    counts = {k: collections.Counter() for k in order}
    tops = {k: collections.Counter() for k in order}
    totals = collections.Counter()
    for event, label in (("jdk.ExecutionSample", "java"), ("jdk.NativeMethodSample", "native")):
        for t, frames in samples(a.jfr, event):
            st = stage_of(t)
            k = kind(frames)
            if label == "native" and k not in ("xgboost", "compression"):
                continue  # a thread parked in a native call (sockets, polls): waiting, not working
            counts[st][f"{label}:{k}"] += 1
            totals[(st, label)] += 1
            if frames:
                tops[st][f"{label} {frames[0]}"] += 1
    for st in order:
        n = sum(counts[st].values())
        if not n:
            continue
        took = f"{seconds[st]} s" if st in seconds else "-"
        print(f"\n== {st}: {took}, samples java {totals[(st, 'java')]}, native {totals[(st, 'native')]}")
        print("   by kind: " + ", ".join(f"{k} {100 * c / n:.0f}%" for k, c in counts[st].most_common(8)))
        for frame, c in tops[st].most_common(a.top):
            print(f"   {100 * c / n:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
