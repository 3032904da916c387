#!/usr/bin/env bash
# The benchmark, from a clean clone, in one command:
#
#   scripts/spark-submit/bench.sh                                  # 150,000 and 1,000,000 rows
#   scripts/spark-submit/bench.sh --rows 150000,1000000,10000000   # the full curve (about 25 minutes)
#   scripts/spark-submit/bench.sh --program loan-offer-targeting --rows 200000 --repeats 3
#
# For each size: generates the program's sample data once (bench-runs/<program>-<rows>/), trains
# the models once (bench-runs/models/<program>/), then times the program end to end in a fresh JVM (JVM start
# included) and its floor in another (a plain scan of the extract plus a plain XGBoost prediction
# of the same models over the rows the run scored). Prints the table to stderr and writes the
# figures to bench-results/bench-<program>-<time>.json. TARGETING_DRIVER_MEMORY (default 6g) sets
# the heap of every JVM. Both directories are git-ignored.
#
#   scripts/spark-submit/bench.sh --rows 150000 --repeats 3 --peer ../shared/peers/investment-pandas
#
# --peer (investment-recommendations only) also runs the pandas + Python xgboost peer on the same
# data, alternating program run and peer run (--repeats pairs), and prints per size both sides'
# wall and CPU seconds (user + sys of the process tree, by GNU time, /usr/bin/time), the ratios
# (project / peer), peak RSS, the 1-minute load at each run's start, and whether the funnels
# agree. Untimed before the runs: the peer's data folder (market_data = the CSV vendor extract),
# the contact history exported to CSV, the peer's models (bench-runs/peer-models/). The peer runs
# with /usr/bin/python3 (python3-pandas, python3-sklearn, python3-xgboost); it is never a
# dependency of the project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
run_date=2026-11-20
for arg in "$@"; do [[ $arg == --run-date* ]] && run_date=""; done
exec scripts/spark-submit/local.sh bench ${run_date:+--run-date "$run_date"} "$@"
