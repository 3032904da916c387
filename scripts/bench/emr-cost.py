#!/usr/bin/python3
"""EMR Serverless cost of a program run at sizes beyond one machine, on paper, from a benchmark's
measured figures. A benchmark tool, not part of the library.

  /usr/bin/python3 scripts/bench/emr-cost.py bench-results/bench-investment-recommendations-<time>.json \
      [--rows 10000000,100000000] [--executors 4,16]

The model (its assumptions are printed with the table):
- work: the project's CPU seconds (user + sys of the process tree, the bench's `cpu_s`) at the
  measured sizes, fitted as fixed + per-row (least squares over the sizes; with one size the
  per-row cost is the whole CPU time over the rows, an upper bound). The fixed part (JVM and Spark
  start, model loading, commits) runs on the driver; the per-row part spreads over the executors.
- workers: the StartJobRun template's shapes (scripts/spark-submit/emr-serverless/): a driver of
  2 vCPU and 7 GB (6g heap plus overhead), executors of 4 vCPU and 14 GB; every worker is billed
  from the job's start to its end (dynamic allocation releasing none: an upper bound), at least a
  minute; storage within the 20 GB a worker gets free (the shuffles here are a few GB).
- prices: us-east-1, ARM64 (the templates' architecture): $0.042094 per vCPU-hour and $0.004628
  per GB-hour (x86: $0.052624 and $0.0057785). Check the EMR pricing page for your region.
- wall time: fixed + per-row work / (executor vCPUs x efficiency), efficiency 0.7 (tasks never
  divide evenly, and local[2] on one machine has no network shuffle).
"""
import argparse, json, statistics

VCPU_HOUR = {"arm64": 0.042094, "x86_64": 0.052624}
GB_HOUR = {"arm64": 0.004628, "x86_64": 0.0057785}
DRIVER = (2, 7)
EXECUTOR = (4, 14)
EFFICIENCY = 0.7


def fit(points):
    """(fixed seconds, seconds per row) of cpu = fixed + per_row * rows."""
    if len(points) == 1:
        rows, cpu = points[0]
        return 0.0, cpu / rows
    n = len(points)
    mx = sum(r for r, _ in points) / n
    my = sum(c for _, c in points) / n
    slope = sum((r - mx) * (c - my) for r, c in points) / sum((r - mx) ** 2 for r, _ in points)
    return max(0.0, my - slope * mx), slope


def main():
    p = argparse.ArgumentParser()
    p.add_argument("bench_json")
    p.add_argument("--rows", default="10000000,100000000")
    p.add_argument("--executors", default="4,16")
    p.add_argument("--arch", default="arm64", choices=sorted(VCPU_HOUR))
    a = p.parse_args()
    bench = json.load(open(a.bench_json))
    points = []
    for size in bench["sizes"]:
        cpus = [r["cpu_s"] for r in size.get("runs", []) if r.get("cpu_s") is not None]
        if cpus:
            points.append((size["rows"], statistics.median(cpus)))
    if not points:
        raise SystemExit(f"{a.bench_json}: no run with cpu_s (GNU time at /usr/bin/time measures it)")
    fixed, per_row = fit(points)
    print(f"measured (rows, CPU s): {points}; fit: {fixed:.1f} s fixed + {per_row * 1e6:.1f} us per row")
    print(f"{'rows':>12} {'executors':>9} {'wall min':>9} {'vCPU-h':>8} {'GB-h':>8} {'cost USD':>9}")
    for rows in (int(r) for r in a.rows.split(",")):
        for executors in (int(e) for e in a.executors.split(",")):
            wall = fixed + per_row * rows / (executors * EXECUTOR[0] * EFFICIENCY)
            hours = max(wall, 60.0) / 3600
            vcpu_h = (DRIVER[0] + executors * EXECUTOR[0]) * hours
            gb_h = (DRIVER[1] + executors * EXECUTOR[1]) * hours
            cost = vcpu_h * VCPU_HOUR[a.arch] + gb_h * GB_HOUR[a.arch]
            print(f"{rows:>12,} {executors:>9} {wall / 60:>9.1f} {vcpu_h:>8.2f} {gb_h:>8.1f} {cost:>9.3f}")


if __name__ == "__main__":
    main()
