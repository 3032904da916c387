#!/usr/bin/env bash
# Makes sure Debian's /usr/bin/python3 can run the DAG and EMR Serverless request tests
# (dags/tests): they validate requests with botocore's own service model (python3-botocore) and
# parse cron expressions with croniter, the library Airflow's cron timetables use
# (python3-croniter). Both are Debian packages: no PyPI.
#
#   scripts/python-test-deps.sh        # exit 0 when both import; installs them when root
#
# Run by the build (jobs' DagTestsTest) before the Python tests. When a package is missing and
# this is not root, it fails with the exact command to run.
set -euo pipefail

python=/usr/bin/python3
modules=(botocore croniter)
packages=(python3-botocore python3-croniter)

if [[ ! -x $python ]]; then
  packages_missing=(python3 "${packages[@]}")
else
  packages_missing=()
  for i in "${!modules[@]}"; do
    "$python" -c "import ${modules[$i]}" 2>/dev/null || packages_missing+=("${packages[$i]}")
  done
fi
[[ ${#packages_missing[@]} -eq 0 ]] && exit 0

install="apt-get install -y --no-install-recommends ${packages_missing[*]}"
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "python-test-deps.sh: installing ${packages_missing[*]} (Debian) for the Python tests" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $install >&2
  exit 0
fi
echo "python-test-deps.sh: the Python tests need ${packages_missing[*]} (Debian packages). Run:" >&2
echo "  sudo apt-get update && sudo $install" >&2
exit 1
