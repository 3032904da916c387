#!/usr/bin/python3
"""Where a run's wall time goes, Spark job by Spark job: a Spark event log of a local run, grouped
by the run's stages. A benchmark tool, not part of the library.

  mkdir -p /tmp/events
  TARGETING_JAVA_OPTIONS="-Dspark.eventLog.enabled=true -Dspark.eventLog.dir=file:///tmp/events" \
    scripts/spark-submit/local.sh investment-recommendations --run-date 2026-11-20
  /usr/bin/python3 scripts/bench/spark-jobs.py /tmp/events/local-*        [--top 10] [--all]

A JFR profile (jfr-stages.py) says which methods use the CPU; it cannot see time spent scheduling
many small tasks, or tasks waiting for a core. This reads the event log instead: every Spark job
falls in the run stage that started it (ProgramRunner's StageTimer names each stage's jobs with
a job group, "<program>@<date>:<stage>"). For each run stage: its jobs, the sum of their wall
seconds, and the slowest jobs with their Spark stages: tasks, wall seconds, task seconds (the
executors' run time summed over tasks), task CPU seconds, input and shuffle-write bytes. A Spark
stage of many tasks with little CPU each is scheduling overhead (Delta's state reconstruction
with its default 50 partitions was one: 20 s of a 100 s run at 150,000 customers on 2 cores).
"""
import argparse, collections, json, sys


def read(path):
    jobs, stages = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            kind = event["Event"]
            if kind == "SparkListenerJobStart":
                props = event.get("Properties") or {}
                group = props.get("spark.jobGroup.id") or ""
                jobs[event["Job ID"]] = {
                    "stage": group.rsplit(":", 1)[-1] if group else "(no stage)",
                    "start": event["Submission Time"], "end": None, "stages": event["Stage IDs"]}
            elif kind == "SparkListenerJobEnd" and event["Job ID"] in jobs:
                jobs[event["Job ID"]]["end"] = event["Completion Time"]
            elif kind == "SparkListenerStageCompleted":
                info = event["Stage Info"]
                if "Submission Time" not in info or "Completion Time" not in info:
                    continue  # skipped: its output was reused
                metrics = {a["Name"]: a.get("Value") for a in info.get("Accumulables", [])}
                stages[info["Stage ID"]] = {
                    "name": info["Stage Name"], "tasks": info["Number of Tasks"],
                    "wall_s": (info["Completion Time"] - info["Submission Time"]) / 1000,
                    "task_s": int(metrics.get("internal.metrics.executorRunTime") or 0) / 1000,
                    "cpu_s": int(metrics.get("internal.metrics.executorCpuTime") or 0) / 1e9,
                    "input_bytes": int(metrics.get("internal.metrics.input.bytesRead") or 0),
                    "shuffle_write_bytes": int(metrics.get("internal.metrics.shuffle.write.bytesWritten") or 0)}
    return jobs, stages


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", help="the event log file (spark.eventLog.dir/local-...)")
    parser.add_argument("--top", type=int, default=5, help="slowest jobs listed per run stage (default 5)")
    parser.add_argument("--all", action="store_true", help="every job, in order")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")
    args = parser.parse_args()
    try:
        jobs, stages = read(args.log)
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"spark-jobs.py: cannot read {args.log} as a Spark event log: {e}")
    if not jobs:
        sys.exit(f"spark-jobs.py: {args.log} holds no Spark job (is it an event log?)")
    by_stage = collections.OrderedDict()
    for job_id in sorted(jobs):
        job = jobs[job_id]
        wall = (job["end"] - job["start"]) / 1000 if job["end"] else None
        entry = {"job": job_id, "wall_s": wall, "stages": [stages[s] for s in job["stages"] if s in stages]}
        by_stage.setdefault(job["stage"], []).append(entry)
    if args.json:
        print(json.dumps({stage: {"jobs": len(entries), "wall_s": round(sum(e["wall_s"] or 0 for e in entries), 3),
                                  "task_s": round(sum(s["task_s"] for e in entries for s in e["stages"]), 3),
                                  "cpu_s": round(sum(s["cpu_s"] for e in entries for s in e["stages"]), 3),
                                  "job_list": entries} for stage, entries in by_stage.items()}, indent=1))
        return
    for stage, entries in by_stage.items():
        wall = sum(e["wall_s"] or 0 for e in entries)
        task = sum(s["task_s"] for e in entries for s in e["stages"])
        cpu = sum(s["cpu_s"] for e in entries for s in e["stages"])
        many = sum(1 for e in entries for s in e["stages"] if s["tasks"] >= 20)
        print(f"== {stage}: {len(entries)} jobs, {wall:.2f} s of jobs, {task:.2f} task-s, {cpu:.2f} CPU-s"
              + (f", {many} Spark stages of 20 or more tasks" if many else ""))
        shown = entries if args.all else sorted(entries, key=lambda e: -(e["wall_s"] or 0))[:args.top]
        for e in shown:
            wall_text = f"{e['wall_s']:7.2f} s" if e["wall_s"] is not None else "    (unfinished)"
            print(f"   job {e['job']:4d} {wall_text}")
            for s in e["stages"]:
                print(f"      {s['name'][:48]:48s} tasks {s['tasks']:4d}  wall {s['wall_s']:6.2f}  task {s['task_s']:6.2f}"
                      f"  cpu {s['cpu_s']:6.2f}  in {s['input_bytes'] / 1e6:8.1f} MB  shuffle {s['shuffle_write_bytes'] / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()
